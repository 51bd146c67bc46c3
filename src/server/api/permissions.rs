//! `GET /api/v1/permissions` (`roles.view`): the permission catalogue, grouped by area in order.

use axum::extract::State;
use sea_orm::EntityTrait;
use serde_json::{json, Value};

use super::{
    extract::CurrentUser,
    response::{ApiOk, ApiResult},
};
use crate::server::{entities::permissions, state::AppState};
use crate::shared::permissions::Permission;

pub async fn list(State(state): State<AppState>, user: CurrentUser) -> ApiResult<Value> {
    user.require(Permission::RolesView)?;
    let mut rows = permissions::Entity::find().all(&state.db).await?;
    // Catalogue order (as declared in code), which groups areas together.
    rows.sort_by_key(|r| Permission::from_slug(&r.slug).map_or(usize::MAX, |p| p as usize));
    let permissions: Vec<Value> = rows
        .into_iter()
        .map(|r| json!({ "id": r.id, "slug": r.slug, "area": r.area, "description": r.description }))
        .collect();
    Ok(ApiOk::new(json!({ "permissions": permissions })))
}
