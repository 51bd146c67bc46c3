//! Support tickets (contract §2.10): customers open and read theirs; staff list, read, change,
//! answer and delete.

use axum::extract::{Path, State};
use serde_json::{json, Value};

use super::{
    catalog::{page_param, uuid_param, validated},
    extract::{param, path_id, CurrentUser, Params},
    input::{Json, Query},
    response::{ApiOk, ApiResult},
};
use crate::server::{error::AppError, state::AppState, support::tickets};
use crate::shared::{
    permissions::Permission,
    support::{TicketFilter, TicketForm, TicketUpdateForm},
};

pub async fn open(
    State(state): State<AppState>,
    user: CurrentUser,
    Json(form): Json<TicketForm>,
) -> ApiResult<Value> {
    let account = &user.0.user;
    let new = form
        .parse(Some(&account.name), Some(&account.email))
        .map_err(AppError::Validation)?;
    let ticket = tickets::open(&state, account.id, new).await?;
    Ok(ApiOk::created(json!({ "ticket": ticket })).message("Thank you. We will get back to you soon."))
}

pub async fn mine(State(state): State<AppState>, user: CurrentUser) -> ApiResult<Value> {
    let list = tickets::mine(&state.db, user.0.user.id).await?;
    Ok(ApiOk::new(json!({ "tickets": list })))
}

/// `GET /support/tickets?status&priority&search&assignedTo&page&limit` [support.view].
pub async fn list(State(state): State<AppState>, user: CurrentUser, Query(q): Params) -> ApiResult<Value> {
    user.require(Permission::SupportView)?;
    let mut errors = Vec::new();
    let mut filter = TicketFilter::parse(param(&q, "status"), param(&q, "priority"), param(&q, "search"))
        .unwrap_or_else(|e| {
            errors.extend(e);
            TicketFilter::default()
        });
    filter.assigned_to = uuid_param(&q, "assignedTo", &mut errors);
    let page = page_param(&q, 50, &mut errors);
    let (filter, page) = validated((filter, page), errors)?;
    let (list, pagination) = tickets::list(&state.db, &filter, page).await?;
    Ok(ApiOk::new(json!({ "tickets": list, "pagination": pagination })))
}

/// `GET /support/tickets/:id` [support.view]: `data.ticket`, and the ticket's keys at the top of
/// `data` too (the app's helper parses `data` itself).
pub async fn get(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
) -> ApiResult<Value> {
    user.require(Permission::SupportView)?;
    let ticket = tickets::get(&state.db, path_id(&id, "Ticket")?).await?;
    let mut data = serde_json::to_value(&ticket).unwrap_or_default();
    if let Some(map) = data.as_object_mut() {
        map.insert("ticket".into(), serde_json::to_value(&ticket).unwrap_or_default());
    }
    Ok(ApiOk::new(data))
}

/// `PUT /support/tickets/:id` (and `POST`, as the app's helper sends it) [support.manage].
pub async fn update(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
    Json(form): Json<TicketUpdateForm>,
) -> ApiResult<Value> {
    user.require(Permission::SupportManage)?;
    let id = path_id(&id, "Ticket")?;
    let changes = form.parse().map_err(AppError::Validation)?;
    let responded = changes.response.is_some();
    let ticket = tickets::update(&state, user.0.user.id, id, changes).await?;
    Ok(ApiOk::new(json!({ "ticket": ticket })).message(if responded {
        "Response sent"
    } else {
        "Ticket updated"
    }))
}

pub async fn delete(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
) -> ApiResult<Value> {
    user.require(Permission::SupportManage)?;
    tickets::delete(&state, user.0.user.id, path_id(&id, "Ticket")?).await?;
    Ok(ApiOk::new(json!({})).message("Ticket deleted"))
}
