//! pulse-bare: the reference server of `bench/catalog.sh` (issue 17), outside the product.
//!
//! A bare axum + sqlx server over Pulse's own Postgres schema that answers the public catalog's
//! `GET /api/v1/categories` and `GET /api/v1/services` the cheapest plain way: one query per list
//! (a join for the category name, a window count for the total) and typed rows serialised straight
//! into the response. No middleware, no tracing, a small pool. The benchmark divides Pulse's
//! throughput by this server's, so its responses must stay byte-identical to Pulse's (same order,
//! same keys in the same order, same number and date formats): the bench `cmp`s them before it
//! measures anything. When Pulse's output changes on purpose, change this to match.
//!
//! Env: DATABASE_URL (Postgres, migrated by Pulse), PORT (4000), BARE_POOL (8 connections).

use std::{collections::HashMap, env};

use axum::{
    extract::{Query, State},
    http::StatusCode,
    response::{IntoResponse, Response},
    routing::get,
    Json, Router,
};
use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::{
    postgres::{PgPool, PgPoolOptions, PgRow},
    FromRow, Row,
};
use uuid::Uuid;

/// Pulse's success envelope (src/server/api/response.rs): `{"success":true,"data":...}`.
#[derive(Serialize)]
struct Envelope<T> {
    success: bool,
    data: T,
}

/// Pulse's `Category` (src/shared/catalog.rs), a typed struct there too: keys in declaration order.
#[derive(Serialize)]
struct Category {
    id: Uuid,
    name: String,
    description: Option<String>,
    image_url: Option<String>,
    icon: Option<String>,
    display_order: i32,
    is_active: bool,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

#[derive(Serialize)]
struct Categories {
    categories: Vec<Category>,
}

/// Pulse's `GET /services` answer (src/server/api/catalog.rs `ServiceList`), typed there too.
#[derive(Serialize)]
struct ServicePage {
    pagination: Pagination,
    services: Vec<Service>,
}

/// Pulse's `Pagination` (src/shared/paging.rs).
#[derive(Serialize)]
struct Pagination {
    page: u64,
    limit: u64,
    total: u64,
    pages: u64,
}

/// Pulse's `Service` (src/shared/catalog.rs) without `experts` (only in the detail).
#[derive(Serialize)]
struct Service {
    id: Uuid,
    name: String,
    description: Option<String>,
    /// Two decimals, as `Money`'s `Display` writes it (src/shared/booking.rs).
    price: String,
    price_minor: i64,
    duration: i32,
    image_url: Option<String>,
    category_id: Uuid,
    category_name: Option<String>,
    tags: Vec<String>,
    is_active: bool,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
    /// The window count: every row carries the total.
    #[serde(skip)]
    total: i64,
}

const CATEGORIES: &str = "SELECT id, name, description, image_url, icon, display_order, is_active, \
     created_at, updated_at FROM service_categories WHERE is_active = true \
     ORDER BY display_order, lower(name), id";

const SERVICES: &str = "SELECT s.id, s.name, s.description, s.price_minor, s.duration_minutes, \
     s.image_url, s.category_id, c.name, s.tags, s.is_active, s.created_at, s.updated_at, \
     count(*) OVER () FROM services s LEFT JOIN service_categories c ON c.id = s.category_id \
     WHERE ($1::bool IS NULL OR s.is_active = $1) ORDER BY lower(s.name), s.id LIMIT $2 OFFSET $3";

/// Only for a page past the end, where the window count has no row to ride on.
const SERVICES_COUNT: &str =
    "SELECT count(*) FROM services WHERE ($1::bool IS NULL OR is_active = $1)";

impl<'r> FromRow<'r, PgRow> for Category {
    fn from_row(r: &'r PgRow) -> sqlx::Result<Self> {
        Ok(Self {
            id: r.try_get(0)?,
            name: r.try_get(1)?,
            description: r.try_get(2)?,
            image_url: r.try_get(3)?,
            icon: r.try_get(4)?,
            display_order: r.try_get(5)?,
            is_active: r.try_get(6)?,
            created_at: r.try_get(7)?,
            updated_at: r.try_get(8)?,
        })
    }
}

impl<'r> FromRow<'r, PgRow> for Service {
    fn from_row(r: &'r PgRow) -> sqlx::Result<Self> {
        let price_minor: i64 = r.try_get(3)?;
        let tags: String = r.try_get(8)?;
        let (sign, abs) = (if price_minor < 0 { "-" } else { "" }, price_minor.unsigned_abs());
        Ok(Self {
            id: r.try_get(0)?,
            name: r.try_get(1)?,
            description: r.try_get(2)?,
            price: format!("{sign}{}.{:02}", abs / 100, abs % 100),
            price_minor,
            duration: r.try_get(4)?,
            image_url: r.try_get(5)?,
            category_id: r.try_get(6)?,
            category_name: r.try_get(7)?,
            // A JSON array of strings in a text column, read back as Pulse does.
            tags: serde_json::from_str(&tags).unwrap_or_default(),
            is_active: r.try_get(9)?,
            created_at: r.try_get(10)?,
            updated_at: r.try_get(11)?,
            total: r.try_get(12)?,
        })
    }
}

async fn categories(State(db): State<PgPool>) -> Result<Json<Envelope<Categories>>, Failure> {
    let categories: Vec<Category> = sqlx::query_as(CATEGORIES).fetch_all(&db).await?;
    Ok(Json(Envelope { success: true, data: Categories { categories } }))
}

/// `?isActive&page&limit` as Pulse reads them (src/server/api/catalog.rs): trimmed, empty is absent,
/// 200 services a page by default, at most 500. Pulse's other filters are not needed by the bench.
async fn services(
    State(db): State<PgPool>,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Json<Envelope<ServicePage>>, Failure> {
    let param = |key: &str| q.get(key).map(|v| v.trim()).filter(|v| !v.is_empty());
    let is_active = match param("isActive") {
        None => None,
        Some(v) if v.eq_ignore_ascii_case("true") || v == "1" => Some(true),
        Some(v) if v.eq_ignore_ascii_case("false") || v == "0" => Some(false),
        Some(_) => return Err(Failure::bad("isActive must be true or false")),
    };
    let limit = match param("limit").map(str::parse::<u64>) {
        None => 200,
        Some(Ok(n)) if (1..=500).contains(&n) => n,
        Some(_) => return Err(Failure::bad("limit must be a whole number from 1 to 500")),
    };
    let page = match param("page").map(str::parse::<u64>) {
        None => 1,
        Some(Ok(n)) if (1..u64::MAX / 1024).contains(&n) => n,
        Some(_) => return Err(Failure::bad("page must be a whole number from 1")),
    };
    let offset = i64::try_from((page - 1).saturating_mul(limit)).unwrap_or(i64::MAX);
    let services: Vec<Service> = sqlx::query_as(SERVICES)
        .bind(is_active)
        .bind(limit as i64)
        .bind(offset)
        .fetch_all(&db)
        .await?;
    let total: i64 = match services.first() {
        Some(s) => s.total,
        None if offset > 0 => sqlx::query_scalar(SERVICES_COUNT).bind(is_active).fetch_one(&db).await?,
        None => 0,
    };
    let total = total as u64;
    let pagination = Pagination { limit, page, pages: total.div_ceil(limit), total };
    Ok(Json(Envelope { success: true, data: ServicePage { pagination, services } }))
}

/// `{"success":false,"message":...}` with a 400 or a 500.
struct Failure(StatusCode, &'static str);

impl Failure {
    fn bad(message: &'static str) -> Self {
        Self(StatusCode::BAD_REQUEST, message)
    }
}

impl From<sqlx::Error> for Failure {
    fn from(e: sqlx::Error) -> Self {
        eprintln!("pulse-bare: {e}");
        Self(StatusCode::INTERNAL_SERVER_ERROR, "Internal server error")
    }
}

#[derive(Serialize)]
struct FailBody {
    success: bool,
    message: &'static str,
}

impl IntoResponse for Failure {
    fn into_response(self) -> Response {
        (self.0, Json(FailBody { success: false, message: self.1 })).into_response()
    }
}

fn env_or<T: std::str::FromStr>(name: &str, default: T) -> T {
    env::var(name).ok().and_then(|v| v.trim().parse().ok()).unwrap_or(default)
}

#[tokio::main]
async fn main() {
    let url = env::var("DATABASE_URL").expect("DATABASE_URL (Postgres) is required");
    let db = PgPoolOptions::new()
        .max_connections(env_or("BARE_POOL", 8u32))
        .connect(&url)
        .await
        .expect("connecting to DATABASE_URL");
    let app = Router::new()
        .route("/api/v1/categories", get(categories))
        .route("/api/v1/services", get(services))
        .with_state(db);
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", env_or("PORT", 4000u16)))
        .await
        .expect("binding 127.0.0.1:PORT");
    axum::serve(listener, app).await.expect("serving");
}
