//! Services: the public list and detail of the mobile app, and the catalog manager's CRUD.

use std::collections::HashMap;

use crate::server::{
    live::events::{Action, Event},
    state::AppState,
};
use chrono::Utc;
use sea_orm::{
    sea_query::{Expr, Func},
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, EntityTrait, FromQueryResult, JoinType, Order,
    PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, RelationTrait, Set, TransactionTrait,
};
use uuid::Uuid;

use crate::server::{
    entities::{appointments, expert_services, experts, service_categories, services as entity},
    error::{AppError, AppResult},
    search,
};
use crate::shared::{
    booking::Money,
    catalog::{ExpertBrief, Service, ServiceChanges},
    paging::{PageRequest, Pagination},
};

/// `GET /services` filters, parsed.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub category_id: Option<Uuid>,
    pub min_price: Option<Money>,
    pub max_price: Option<Money>,
    pub is_active: Option<bool>,
    pub search: Option<String>,
}

/// A page of services, by name (ignoring case), then id.
pub async fn list<C: ConnectionTrait>(
    db: &C,
    filter: &Filter,
    page: PageRequest,
) -> AppResult<(Vec<Service>, Pagination)> {
    let mut query = entity::Entity::find();
    if let Some(id) = filter.category_id {
        query = query.filter(entity::Column::CategoryId.eq(id));
    }
    if let Some(min) = filter.min_price {
        query = query.filter(entity::Column::PriceMinor.gte(min.minor()));
    }
    if let Some(max) = filter.max_price {
        query = query.filter(entity::Column::PriceMinor.lte(max.minor()));
    }
    if let Some(active) = filter.is_active {
        query = query.filter(entity::Column::IsActive.eq(active));
    }
    if let Some(search) = filter.search.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        let pattern = search::pattern(search)?;
        query = query.filter(
            Condition::any()
                .add(search::contains((entity::Entity, entity::Column::Name), &pattern))
                .add(search::contains(
                    (entity::Entity, entity::Column::Description),
                    &pattern,
                )),
        );
    }
    // One query: the page, its category names and the total (a window count over the filtered
    // rows, computed before LIMIT). Only a page past the end needs a count of its own.
    let rows = query
        .clone()
        .join(JoinType::LeftJoin, entity::Relation::Category.def())
        .column_as(service_categories::Column::Name, "category_name")
        .column_as(Expr::cust("COUNT(*) OVER ()"), "total")
        .order_by(
            Func::lower(Expr::col((entity::Entity, entity::Column::Name))),
            Order::Asc,
        )
        .order_by_asc(entity::Column::Id)
        .offset(page.offset())
        .limit(page.limit)
        .into_model::<Listed>()
        .all(db)
        .await?;
    let total = match rows.first() {
        Some(row) => u64::try_from(row.total).unwrap_or_default(),
        None if page.page > 1 => query.count(db).await?,
        None => 0,
    };
    let list = rows.into_iter().map(Listed::into_view).collect();
    Ok((list, page.of(total)))
}

/// A row of the list query: the service, its category's name and the filtered total.
#[derive(FromQueryResult)]
struct Listed {
    id: Uuid,
    category_id: Uuid,
    name: String,
    description: Option<String>,
    price_minor: i64,
    duration_minutes: i32,
    image_url: Option<String>,
    tags: String,
    is_active: bool,
    created_at: chrono::DateTime<Utc>,
    updated_at: chrono::DateTime<Utc>,
    category_name: Option<String>,
    total: i64,
}

impl Listed {
    fn into_view(self) -> Service {
        let model = entity::Model {
            id: self.id,
            category_id: self.category_id,
            name: self.name,
            description: self.description,
            price_minor: self.price_minor,
            duration_minutes: self.duration_minutes,
            image_url: self.image_url,
            tags: self.tags,
            is_active: self.is_active,
            created_at: self.created_at,
            updated_at: self.updated_at,
        };
        view(model, self.category_name)
    }
}

/// One service with its category name and the active experts who offer it.
pub async fn get<C: ConnectionTrait>(db: &C, id: Uuid) -> AppResult<Service> {
    let row = entity::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or_else(|| AppError::not_found("Service"))?;
    let names = category_names(db, [row.category_id]).await?;
    let expert_ids: Vec<Uuid> = expert_services::Entity::find()
        .filter(expert_services::Column::ServiceId.eq(id))
        .all(db)
        .await?
        .into_iter()
        .map(|l| l.expert_id)
        .collect();
    let experts = experts::Entity::find()
        .filter(experts::Column::Id.is_in(expert_ids))
        .filter(experts::Column::IsActive.eq(true))
        .order_by_asc(experts::Column::Name)
        .all(db)
        .await?
        .into_iter()
        .map(|e| ExpertBrief {
            id: e.id,
            name: e.name,
            specialty: e.specialty,
            rating: rating_text(e.rating_centis),
            image_url: e.image_url,
        })
        .collect();
    let category = names.get(&row.category_id).cloned();
    let mut service = view(row, category);
    service.experts = Some(experts);
    Ok(service)
}

pub async fn create_in<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    changes: ServiceChanges,
) -> AppResult<Service> {
    let (Some(category_id), Some(name), Some(price), Some(duration)) = (
        changes.category_id,
        changes.name.clone(),
        changes.price,
        changes.duration,
    ) else {
        return Err(AppError::BadRequest(
            "categoryId, name, price and duration are required".into(),
        ));
    };
    ensure_category(db, category_id).await?;
    let now = Utc::now();
    let row = entity::ActiveModel {
        id: Set(Uuid::now_v7()),
        category_id: Set(category_id),
        name: Set(name),
        description: Set(changes.description.flatten()),
        price_minor: Set(price.minor()),
        duration_minutes: Set(i32::from(duration.get())),
        image_url: Set(changes.image_url.flatten()),
        tags: Set(tags_json(changes.tags.as_deref().unwrap_or_default())),
        is_active: Set(changes.is_active.unwrap_or(true)),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(db)
    .await?;
    get(db, row.id).await
}

pub async fn update_in<C: ConnectionTrait>(db: &C, id: Uuid, changes: ServiceChanges) -> AppResult<Service> {
    let row = entity::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or_else(|| AppError::not_found("Service"))?;
    if let Some(category_id) = changes.category_id {
        ensure_category(db, category_id).await?;
    }
    let mut active: entity::ActiveModel = row.into();
    if let Some(v) = changes.category_id {
        active.category_id = Set(v);
    }
    if let Some(v) = changes.name {
        active.name = Set(v);
    }
    if let Some(v) = changes.description {
        active.description = Set(v);
    }
    if let Some(v) = changes.price {
        active.price_minor = Set(v.minor());
    }
    if let Some(v) = changes.duration {
        active.duration_minutes = Set(i32::from(v.get()));
    }
    if let Some(v) = changes.image_url {
        active.image_url = Set(v);
    }
    if let Some(v) = changes.tags {
        active.tags = Set(tags_json(&v));
    }
    if let Some(v) = changes.is_active {
        active.is_active = Set(v);
    }
    active.updated_at = Set(Utc::now());
    active.update(db).await?;
    get(db, id).await
}

/// Deletes a service nobody has booked; a booked one is kept for its history (409: deactivate it).
pub async fn delete_in<C: ConnectionTrait>(db: &C, id: Uuid) -> AppResult<()> {
    entity::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or_else(|| AppError::not_found("Service"))?;
    let booked =
        crate::server::booking::appointments::count_referencing(db, appointments::Column::ServiceId, id)
            .await?;
    if booked > 0 {
        return Err(AppError::Conflict(format!(
            "This service has {booked} appointment(s) and is kept for their history. Deactivate it instead."
        )));
    }
    // Nobody keeps a favorite of a service that is gone.
    crate::server::entities::favorites::Entity::delete_many()
        .filter(crate::server::entities::favorites::Column::ItemType.eq("service"))
        .filter(crate::server::entities::favorites::Column::ItemId.eq(id))
        .exec(db)
        .await?;
    entity::Entity::delete_by_id(id).exec(db).await?;
    Ok(())
}

/// Creates a service and announces it (`services-updated`, `service-created`).
pub async fn create(state: &AppState, changes: ServiceChanges) -> AppResult<Service> {
    let service = create_in(&state.db, changes).await?;
    state.live.publish(Event::service(Action::Created, &service));
    Ok(service)
}

pub async fn update(state: &AppState, id: Uuid, changes: ServiceChanges) -> AppResult<Service> {
    let service = update_in(&state.db, id, changes).await?;
    state.live.publish(Event::service(Action::Updated, &service));
    Ok(service)
}

pub async fn delete(state: &AppState, id: Uuid) -> AppResult<()> {
    let txn = crate::server::db::write_txn(&state.db).await?;
    delete_in(&txn, id).await?;
    txn.commit().await?;
    state.live.publish(Event::service_deleted(id));
    Ok(())
}

async fn ensure_category<C: ConnectionTrait>(db: &C, id: Uuid) -> AppResult<()> {
    service_categories::Entity::find_by_id(id)
        .one(db)
        .await?
        .map(|_| ())
        .ok_or_else(|| AppError::field("categoryId", "No such category"))
}

async fn category_names<C: ConnectionTrait>(
    db: &C,
    ids: impl IntoIterator<Item = Uuid>,
) -> AppResult<HashMap<Uuid, String>> {
    let ids: Vec<Uuid> = ids.into_iter().collect();
    Ok(service_categories::Entity::find()
        .filter(service_categories::Column::Id.is_in(ids))
        .all(db)
        .await?
        .into_iter()
        .map(|c| (c.id, c.name))
        .collect())
}

fn tags_json(tags: &[String]) -> String {
    serde_json::to_string(tags).unwrap_or_else(|_| "[]".into())
}

/// Hundredths of a star as the contract's `DECIMAL(3,2)` text.
pub fn rating_text(centis: i32) -> String {
    format!("{}.{:02}", centis / 100, centis % 100)
}

fn view(row: entity::Model, category_name: Option<String>) -> Service {
    Service {
        id: row.id,
        name: row.name,
        description: row.description,
        price: Money::from_minor(row.price_minor).to_string(),
        price_minor: row.price_minor,
        duration: row.duration_minutes,
        image_url: row.image_url,
        category_id: row.category_id,
        category_name,
        tags: serde_json::from_str(&row.tags).unwrap_or_default(),
        is_active: row.is_active,
        created_at: row.created_at,
        updated_at: row.updated_at,
        experts: None,
    }
}
