//! `/api/v1/auth/*` and `/api/v1/profile`: sign-in, tokens, and the caller's own account.

use axum::{extract::State, Json};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::{
    extract::{Client, CurrentUser},
    response::{ApiOk, ApiResult},
};
use crate::server::{
    error::AppError,
    identity::{accounts, login, tokens},
    state::AppState,
};
use crate::shared::{auth::AuthSession, errors::FieldError};

/// Bodies are read leniently (missing keys become empty) so that every missing or bad field gets its
/// own message in `errors`, instead of one opaque deserialisation error.
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct LoginBody {
    email: String,
    password: String,
}

pub async fn login(
    State(state): State<AppState>,
    Client(client): Client,
    Json(body): Json<LoginBody>,
) -> ApiResult<AuthSession> {
    let session = login::login(&state, &body.email, &body.password, &client).await?;
    Ok(ApiOk::new(session).message("Login successful"))
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
pub struct RefreshBody {
    refresh_token: String,
}

fn require_refresh_token(body: &RefreshBody) -> Result<&str, AppError> {
    let token = body.refresh_token.trim();
    if token.is_empty() {
        return Err(FieldError::new("refreshToken", "Refresh token is required").into());
    }
    Ok(token)
}

pub async fn refresh(
    State(state): State<AppState>,
    Client(client): Client,
    Json(body): Json<RefreshBody>,
) -> ApiResult<AuthSession> {
    let (user_id, refresh_token) = tokens::rotate(&state.db, require_refresh_token(&body)?, &client).await?;
    let principal = accounts::load_principal(&state.db, user_id)
        .await?
        .filter(|p| p.user.is_active)
        .ok_or_else(|| AppError::Unauthorized("Invalid refresh token.".into()))?;
    Ok(ApiOk::new(AuthSession {
        access_token: tokens::issue_access(&state.config.jwt_secret, &principal)?,
        refresh_token,
        user: principal.auth_user(),
    }))
}

pub async fn logout(State(state): State<AppState>, Json(body): Json<RefreshBody>) -> ApiResult<Value> {
    tokens::revoke(&state.db, require_refresh_token(&body)?).await?;
    Ok(ApiOk::new(json!({})).message("Logged out"))
}

/// `GET /auth/me`: the caller in the shape of the later app builds' `/auth/me`, plus the role.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Me {
    id: uuid::Uuid,
    email: String,
    name: String,
    avatar: Option<String>,
    last_seen: Option<chrono::DateTime<chrono::Utc>>,
    role: crate::shared::auth::RoleInfo,
}

pub async fn me(CurrentUser(p): CurrentUser) -> ApiResult<Value> {
    let me = Me {
        id: p.user.id,
        email: p.user.email.clone(),
        name: p.user.name.clone(),
        avatar: p.user.profile_image_url.clone(),
        last_seen: p.user.last_seen,
        role: p.role_info(),
    };
    Ok(ApiOk::new(json!({ "user": me })))
}

/// `GET /profile`: `data.user` with the snake_case keys the app reads (contract §2.2).
pub async fn profile(CurrentUser(p): CurrentUser) -> ApiResult<Value> {
    let u = &p.user;
    Ok(ApiOk::new(json!({
        "user": {
            "id": u.id,
            "name": u.name,
            "email": u.email,
            "phone": u.phone,
            "address": u.address,
            "gender": u.gender,
            "profile_image_url": u.profile_image_url,
            "email_verified": u.email_verified,
            "created_at": u.created_at,
            "last_login": u.last_login,
            "role": p.role_info(),
        }
    })))
}
