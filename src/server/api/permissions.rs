//! `GET /api/v1/permissions` (`roles.view`): the permission catalogue, grouped by area in order.

use axum::extract::State;
use serde_json::{json, Value};

use super::{
    extract::CurrentUser,
    response::{ApiOk, ApiResult},
};
use crate::server::{rbac::catalogue, state::AppState};
use crate::shared::permissions::Permission;

pub async fn list(State(state): State<AppState>, user: CurrentUser) -> ApiResult<Value> {
    user.require(Permission::RolesView)?;
    let rows = catalogue::list(&state.db).await?;
    let permissions: Vec<Value> = rows
        .into_iter()
        .map(|r| json!({ "id": r.id, "slug": r.slug, "area": r.area, "description": r.description }))
        .collect();
    Ok(ApiOk::new(json!({ "permissions": permissions })))
}
