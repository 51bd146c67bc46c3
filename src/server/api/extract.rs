//! Request extractors shared by the `/api/v1` handlers: who is calling, and from where.

use axum::{
    extract::FromRequestParts,
    http::{header, request::Parts},
};

use super::response::ApiError;
use crate::server::{
    error::AppError,
    identity::{accounts::Principal, tokens::ClientInfo},
    state::AppState,
};
use crate::shared::permissions::Permission;

pub use crate::server::identity::access::Caller;

/// The token of an `Authorization: Bearer …` header; the scheme is case-insensitive (RFC 9110).
pub fn bearer_token(headers: &axum::http::HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?.trim_start();
    let (scheme, token) = value.split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
}

/// What an account that must change its password (the first-run Owner's printed one) may still do:
/// change it, see who it is, and sign out.
const ALLOWED_BEFORE_PASSWORD_CHANGE: &[&str] = &[
    "/auth/change-password",
    "/auth/send-change-password-otp",
    "/auth/change-password-otp",
    "/auth/logout",
    "/auth/me",
    "/profile",
    "/notifications/clear-token",
];

fn allowed_before_password_change(parts: &Parts) -> bool {
    let path = parts
        .extensions
        .get::<axum::extract::OriginalUri>()
        .map_or(parts.uri.path(), |u| u.0.path());
    let path = path.strip_prefix("/api/v1").unwrap_or(path);
    let read_only_profile = path == "/profile" && parts.method == axum::http::Method::GET;
    ALLOWED_BEFORE_PASSWORD_CHANGE
        .iter()
        .any(|allowed| *allowed == path && (path != "/profile" || read_only_profile))
}

/// 403 for everything else until the password is changed.
pub fn password_change_required() -> AppError {
    AppError::Forbidden {
        message: "You must change your password before you continue.".into(),
        code: Some("PASSWORD_CHANGE_REQUIRED"),
    }
}

/// The caller of a bearer-authenticated request, loaded fresh from the database.
pub struct CurrentUser(pub Principal);

impl CurrentUser {
    pub fn require(&self, permission: Permission) -> Result<(), AppError> {
        self.0.require(permission)
    }
}

/// The caller of a bearer request that guests may also make (`GET /profile`, `GET /auth/me`).
impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let token = bearer_token(&parts.headers)
            .ok_or_else(|| AppError::Unauthorized("No authentication token provided.".into()))?;
        let caller = crate::server::identity::access::caller(state, token).await?;
        if let Caller::User(p) = &caller {
            if p.user.must_change_password && !allowed_before_password_change(parts) {
                return Err(password_change_required().into());
            }
        }
        Ok(caller)
    }
}

impl FromRequestParts<AppState> for CurrentUser {
    type Rejection = ApiError;

    /// An account holder; guests are told to sign up (the app opens its sign-up prompt on this code).
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        match Caller::from_request_parts(parts, state).await? {
            Caller::User(principal) => Ok(Self(*principal)),
            Caller::Guest(_) => Err(AppError::Forbidden {
                message: "Please sign up or log in to continue.".into(),
                code: Some("GUEST_RESTRICTED"),
            }
            .into()),
        }
    }
}

/// The caller's address and user agent, for audit entries and token rows.
pub struct Client(pub ClientInfo);

impl FromRequestParts<AppState> for Client {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        Ok(Self(crate::server::client_addr::client_info(
            parts,
            state.config.trust_proxy_hops,
        )))
    }
}

/// A path id; one that is not a UUID names nothing, so it is a 404 like an unknown one.
pub fn path_id(raw: &str, what: &str) -> Result<uuid::Uuid, AppError> {
    uuid::Uuid::parse_str(raw.trim()).map_err(|_| AppError::not_found(what))
}

/// Query parameters as sent; each handler parses the ones it takes.
pub type Params = super::input::Query<std::collections::HashMap<String, String>>;

/// A query parameter, trimmed; empty counts as absent.
pub fn param<'a>(q: &'a std::collections::HashMap<String, String>, key: &str) -> Option<&'a str> {
    q.get(key).map(|s| s.trim()).filter(|s| !s.is_empty())
}
