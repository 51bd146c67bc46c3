//! Offers (contract §2.4): the public list and detail, and the staff CRUD under `offers.manage`.

use axum::{
    extract::{Path, State},
    http::HeaderMap,
};
use serde_json::{json, Value};

use super::{
    catalog::{page_param, validated},
    extract::{bearer_token, param, path_id, CurrentUser, Params},
    input::{Json, Query},
    response::{ApiOk, ApiResult},
};
use crate::server::{
    booking,
    catalog::offers::{self, Removal},
    error::AppError,
    identity::access::{self, Caller},
    state::AppState,
};
use crate::shared::{
    errors::FieldError,
    offers::{OfferFilter, OfferForm, OfferStatus},
    permissions::Permission,
};

/// `GET /offers?page&limit` (public): the offers running today. `isActive=true` (the app's
/// default) changes nothing; customers never see inactive or past offers.
pub async fn list(State(state): State<AppState>, Query(q): Params) -> ApiResult<Value> {
    let mut errors = Vec::new();
    let page = page_param(&q, 50, &mut errors);
    let page = validated(page, errors)?;
    let today = booking::rules(&state).await?.today();
    let (list, pagination) = offers::list_current(&state.db, today, page).await?;
    Ok(ApiOk::new(json!({ "offers": list, "pagination": pagination })))
}

/// `GET /offers/admin?status&search&isActive&page&limit` [offers.manage].
pub async fn list_admin(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(q): Params,
) -> ApiResult<Value> {
    user.require(Permission::OffersManage)?;
    let mut errors = Vec::new();
    let mut filter = OfferFilter {
        search: param(&q, "search").map(str::to_owned),
        ..OfferFilter::default()
    };
    match param(&q, "status").filter(|s| !s.eq_ignore_ascii_case("all")) {
        Some(raw) => match OfferStatus::parse(raw) {
            Some(s) => filter.status = Some(s),
            None => errors.push(FieldError::new(
                "status",
                "status must be all, active, upcoming, expired or inactive",
            )),
        },
        // The old admin site's filter: `isActive=false` is the inactive ones; `true` the running.
        None => match param(&q, "isActive") {
            Some(v) if v.eq_ignore_ascii_case("true") => filter.status = Some(OfferStatus::Active),
            Some(v) if v.eq_ignore_ascii_case("false") => filter.status = Some(OfferStatus::Inactive),
            Some(_) => errors.push(FieldError::new("isActive", "isActive must be true or false")),
            None => {}
        },
    }
    let page = page_param(&q, 50, &mut errors);
    let (filter, page) = validated((filter, page), errors)?;
    let today = booking::rules(&state).await?.today();
    let (list, pagination) = offers::list_all(&state.db, today, &filter, page).await?;
    Ok(ApiOk::new(json!({ "offers": list, "pagination": pagination })))
}

/// `GET /offers/:id` (public): a running offer; staff who manage offers see any.
pub async fn get(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> ApiResult<Value> {
    let id = path_id(&id, "Offer")?;
    let staff = match bearer_token(&headers) {
        Some(token) => matches!(
            access::caller(&state, token).await,
            Ok(Caller::User(p)) if p.can(Permission::OffersManage)
        ),
        None => false,
    };
    let today = booking::rules(&state).await?.today();
    let offer = offers::get(&state.db, id, today, staff).await?;
    Ok(ApiOk::new(json!({ "offer": offer })))
}

pub async fn create(
    State(state): State<AppState>,
    user: CurrentUser,
    Json(form): Json<OfferForm>,
) -> ApiResult<Value> {
    user.require(Permission::OffersManage)?;
    let changes = form.parse(true).map_err(AppError::Validation)?;
    let offer = offers::create(&state, user.0.user.id, changes).await?;
    Ok(ApiOk::created(json!({ "offer": offer })).message("Offer created"))
}

pub async fn update(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
    Json(form): Json<OfferForm>,
) -> ApiResult<Value> {
    user.require(Permission::OffersManage)?;
    let id = path_id(&id, "Offer")?;
    let changes = form.parse(false).map_err(AppError::Validation)?;
    let offer = offers::update(&state, user.0.user.id, id, changes).await?;
    Ok(ApiOk::new(json!({ "offer": offer })).message("Offer updated"))
}

pub async fn delete(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
) -> ApiResult<Value> {
    user.require(Permission::OffersManage)?;
    let message = match offers::delete(&state, user.0.user.id, path_id(&id, "Offer")?).await? {
        Removal::Deleted => "Offer deleted",
        Removal::Deactivated => "Offer has been used by bookings and was deactivated instead",
    };
    Ok(ApiOk::new(json!({})).message(message))
}
