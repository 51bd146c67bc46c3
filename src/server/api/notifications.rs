//! `/notifications/*` (contract §2.9): the device token for push, and the in-app inbox.

use axum::extract::{Path, State};
use serde::Deserialize;
use serde_json::{json, Value};

use super::{
    extract::{path_id, CurrentUser},
    input::Json,
    response::{ApiOk, ApiResult},
};
use crate::server::{notify::inbox, state::AppState};
use crate::shared::errors::FieldError;

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
pub struct TokenBody {
    fcm_token: Option<String>,
}

/// `POST /notifications/save-token {fcmToken}`.
pub async fn save_token(
    State(state): State<AppState>,
    CurrentUser(p): CurrentUser,
    Json(body): Json<TokenBody>,
) -> ApiResult<Value> {
    let token = body
        .fcm_token
        .map(|t| t.trim().to_owned())
        .filter(|t| !t.is_empty())
        .ok_or_else(|| FieldError::new("fcmToken", "The device token is required"))?;
    inbox::set_device(&state.db, p.user.id, Some(&token)).await?;
    Ok(ApiOk::new(json!({})).message("Token saved"))
}

/// `POST /notifications/clear-token {}` (the app sends it at logout).
pub async fn clear_token(State(state): State<AppState>, CurrentUser(p): CurrentUser) -> ApiResult<Value> {
    inbox::set_device(&state.db, p.user.id, None).await?;
    Ok(ApiOk::new(json!({})).message("Token cleared"))
}

/// `GET /notifications/my`: `data` is the bare list, newest first.
pub async fn mine(
    State(state): State<AppState>,
    CurrentUser(p): CurrentUser,
) -> ApiResult<Vec<inbox::InboxEntry>> {
    Ok(ApiOk::new(inbox::list(&state.db, p.user.id).await?))
}

/// `POST /notifications/:id/read`.
pub async fn read(
    State(state): State<AppState>,
    CurrentUser(p): CurrentUser,
    Path(id): Path<String>,
) -> ApiResult<Value> {
    inbox::mark_read(&state.db, p.user.id, path_id(&id, "Notification")?).await?;
    Ok(ApiOk::new(json!({})).message("Marked as read"))
}

/// `POST /notifications/read-all`.
pub async fn read_all(State(state): State<AppState>, CurrentUser(p): CurrentUser) -> ApiResult<Value> {
    let n = inbox::mark_all_read(&state.db, p.user.id).await?;
    Ok(ApiOk::new(json!({ "updated": n })).message("All marked as read"))
}
