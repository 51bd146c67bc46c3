//! The catalog: categories, services and experts. Reads are public; writes need
//! `categories.manage`, `services.manage` or `experts.manage`.

use std::collections::HashMap;

use axum::extract::{Path, State};

use super::input::{Json, Query};
use serde_json::{json, Value};
use uuid::Uuid;

use super::{
    extract::{param, path_id, CurrentUser, Params},
    response::{ApiOk, ApiResult},
};
use crate::server::{
    catalog::{
        categories::{self, CategoryForm, Removal},
        experts::{self, ExpertForm},
        services,
    },
    error::AppError,
    state::AppState,
};
use crate::shared::{
    booking::Money,
    catalog::{Service, ServiceForm},
    errors::FieldError,
    paging::{PageRequest, Pagination},
    permissions::Permission,
};

pub(super) fn bool_param(
    q: &HashMap<String, String>,
    key: &str,
    errors: &mut Vec<FieldError>,
) -> Option<bool> {
    match param(q, key) {
        None => None,
        Some(v) if v.eq_ignore_ascii_case("true") || v == "1" => Some(true),
        Some(v) if v.eq_ignore_ascii_case("false") || v == "0" => Some(false),
        Some(_) => {
            errors.push(FieldError::new(key, format!("{key} must be true or false")));
            None
        }
    }
}

pub(super) fn uuid_param(
    q: &HashMap<String, String>,
    key: &str,
    errors: &mut Vec<FieldError>,
) -> Option<Uuid> {
    param(q, key).and_then(|v| {
        Uuid::parse_str(v)
            .map_err(|_| errors.push(FieldError::new(key, format!("{key} must be an id"))))
            .ok()
    })
}

/// The app asks for up to 500 services at once (its preload), so lists allow that many.
pub(super) fn page_param(
    q: &HashMap<String, String>,
    default_limit: u64,
    errors: &mut Vec<FieldError>,
) -> PageRequest {
    let limit = match param(q, "limit").map(str::parse::<u64>) {
        None => default_limit,
        Some(Ok(n)) if (1..=500).contains(&n) => n,
        Some(_) => {
            errors.push(FieldError::new(
                "limit",
                "limit must be a whole number from 1 to 500",
            ));
            default_limit
        }
    };
    let page = match param(q, "page").map(str::parse::<u64>) {
        None => 1,
        Some(Ok(n)) if (1..u64::MAX / 1024).contains(&n) => n,
        Some(_) => {
            errors.push(FieldError::new("page", "page must be a whole number from 1"));
            1
        }
    };
    PageRequest { page, limit }
}

pub(super) fn validated<T>(value: T, errors: Vec<FieldError>) -> Result<T, AppError> {
    if errors.is_empty() {
        Ok(value)
    } else {
        Err(AppError::Validation(errors))
    }
}

// ---- categories ----

pub async fn get_category(State(state): State<AppState>, Path(id): Path<String>) -> ApiResult<Value> {
    let category = categories::get(&state.db, path_id(&id, "Category")?).await?;
    Ok(ApiOk::new(json!({ "category": category })))
}

pub async fn create_category(
    State(state): State<AppState>,
    user: CurrentUser,
    Json(form): Json<CategoryForm>,
) -> ApiResult<Value> {
    user.require(Permission::CategoriesManage)?;
    let new = form.parse_new().map_err(AppError::Validation)?;
    let category = categories::create(&state, new).await?;
    Ok(ApiOk::created(json!({ "category": category })).message("Category created"))
}

pub async fn update_category(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
    Json(form): Json<CategoryForm>,
) -> ApiResult<Value> {
    user.require(Permission::CategoriesManage)?;
    let category = categories::update(&state, path_id(&id, "Category")?, &form).await?;
    Ok(ApiOk::new(json!({ "category": category })).message("Category updated"))
}

pub async fn delete_category(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
    Query(q): Params,
) -> ApiResult<Value> {
    user.require(Permission::CategoriesManage)?;
    let force = param(&q, "force").is_some_and(|v| v.eq_ignore_ascii_case("true"));
    let message = match categories::delete(&state, path_id(&id, "Category")?, force).await? {
        Removal::Deleted => "Category deleted",
        Removal::Deactivated => "Category is in use and was deactivated instead",
    };
    Ok(ApiOk::new(json!({})).message(message))
}

// ---- services ----

/// `GET /services?page&limit&categoryId&minPrice&maxPrice&isActive&search` (public).
pub async fn list_services(State(state): State<AppState>, Query(q): Params) -> ApiResult<ServiceList> {
    let mut errors = Vec::new();
    let money = |key: &str, errors: &mut Vec<FieldError>| {
        param(&q, key).and_then(|v| {
            Money::parse_field(key, &Value::String(v.to_owned()))
                .map_err(|e| errors.push(e))
                .ok()
        })
    };
    let filter = services::Filter {
        category_id: uuid_param(&q, "categoryId", &mut errors),
        min_price: money("minPrice", &mut errors),
        max_price: money("maxPrice", &mut errors),
        is_active: bool_param(&q, "isActive", &mut errors),
        search: param(&q, "search").map(str::to_owned),
    };
    let page = page_param(&q, 200, &mut errors);
    let (filter, page) = validated((filter, page), errors)?;
    let (services, pagination) = services::list(&state.db, &filter, page).await?;
    Ok(ApiOk::new(ServiceList { pagination, services }))
}

/// Serialized straight into the envelope (no `serde_json::Value` in between), keys in the order
/// the answer always had.
#[derive(serde::Serialize)]
pub struct ServiceList {
    pagination: Pagination,
    services: Vec<Service>,
}

pub async fn get_service(State(state): State<AppState>, Path(id): Path<String>) -> ApiResult<Value> {
    let service = services::get(&state.db, path_id(&id, "Service")?).await?;
    Ok(ApiOk::new(json!({ "service": service })))
}

pub async fn create_service(
    State(state): State<AppState>,
    user: CurrentUser,
    Json(form): Json<ServiceForm>,
) -> ApiResult<Value> {
    user.require(Permission::ServicesManage)?;
    let changes = form.parse(true).map_err(AppError::Validation)?;
    let service = services::create(&state, changes).await?;
    Ok(ApiOk::created(json!({ "service": service })).message("Service created"))
}

pub async fn update_service(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
    Json(form): Json<ServiceForm>,
) -> ApiResult<Value> {
    user.require(Permission::ServicesManage)?;
    let id = path_id(&id, "Service")?;
    let changes = form.parse(false).map_err(AppError::Validation)?;
    let service = services::update(&state, id, changes).await?;
    Ok(ApiOk::new(json!({ "service": service })).message("Service updated"))
}

pub async fn delete_service(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
) -> ApiResult<Value> {
    user.require(Permission::ServicesManage)?;
    services::delete(&state, path_id(&id, "Service")?).await?;
    Ok(ApiOk::new(json!({})).message("Service deleted"))
}

// ---- experts ----

/// `GET /experts?serviceId&search&page&limit` (public: active experts only).
pub async fn list_experts(State(state): State<AppState>, Query(q): Params) -> ApiResult<Value> {
    let mut errors = Vec::new();
    let filter = experts::Filter {
        service_id: uuid_param(&q, "serviceId", &mut errors),
        search: param(&q, "search").map(str::to_owned),
        active_only: true,
    };
    let page = page_param(&q, 100, &mut errors);
    let (filter, page) = validated((filter, page), errors)?;
    let (list, pagination) = experts::list(&state.db, &filter, page).await?;
    Ok(ApiOk::new(json!({ "experts": list, "pagination": pagination })))
}

pub async fn get_expert(State(state): State<AppState>, Path(id): Path<String>) -> ApiResult<Value> {
    let expert = experts::get(&state.db, path_id(&id, "Expert")?).await?;
    Ok(ApiOk::new(json!({ "expert": expert })))
}

pub async fn create_expert(
    State(state): State<AppState>,
    user: CurrentUser,
    Json(form): Json<ExpertForm>,
) -> ApiResult<Value> {
    user.require(Permission::ExpertsManage)?;
    let expert = experts::create(&state, &form).await?;
    Ok(ApiOk::created(json!({ "expert": expert })).message("Expert created"))
}

pub async fn update_expert(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
    Json(form): Json<ExpertForm>,
) -> ApiResult<Value> {
    user.require(Permission::ExpertsManage)?;
    let expert = experts::update(&state, path_id(&id, "Expert")?, &form).await?;
    Ok(ApiOk::new(json!({ "expert": expert })).message("Expert updated"))
}

pub async fn delete_expert(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
) -> ApiResult<Value> {
    user.require(Permission::ExpertsManage)?;
    experts::delete(&state, path_id(&id, "Expert")?).await?;
    Ok(ApiOk::new(json!({})).message("Expert deleted"))
}
