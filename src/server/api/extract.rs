//! Request extractors shared by the `/api/v1` handlers: who is calling, and from where.

use std::net::SocketAddr;

use axum::{
    extract::{ConnectInfo, FromRequestParts},
    http::{header, request::Parts},
};

use super::response::ApiError;
use crate::server::{
    error::AppError,
    identity::{
        accounts::{self, Principal},
        tokens::{self, ClientInfo},
    },
    state::AppState,
};
use crate::shared::permissions::Permission;

/// The caller of a bearer-authenticated request, loaded fresh from the database.
pub struct CurrentUser(pub Principal);

impl CurrentUser {
    /// The one permission check: 403 unless the caller's role grants `permission`.
    pub fn require(&self, permission: Permission) -> Result<(), AppError> {
        if self.0.can(permission) {
            Ok(())
        } else {
            Err(AppError::Forbidden {
                message: "You do not have permission to perform this action.".into(),
                code: None,
            })
        }
    }
}

/// The caller of a bearer request that guests may also make (`GET /profile`, `GET /auth/me`).
pub enum Caller {
    User(Box<Principal>),
    /// A guest session id from `POST /auth/guest`.
    Guest(uuid::Uuid),
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let token = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer ").or_else(|| v.strip_prefix("bearer ")))
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .ok_or_else(|| AppError::Unauthorized("No authentication token provided.".into()))?;
        let claims = tokens::verify_access(&state.config.jwt_secret, token)?;
        if claims.guest {
            return Ok(Self::Guest(claims.sub));
        }
        let principal = accounts::load_principal(&state.db, claims.sub)
            .await?
            // Deleted since the token was issued.
            .ok_or_else(|| AppError::Unauthorized("Invalid authentication token.".into()))?;
        if !principal.user.is_active {
            return Err(AppError::Forbidden {
                message: "This account has been deactivated.".into(),
                code: Some("ACCOUNT_DISABLED"),
            }
            .into());
        }
        Ok(Self::User(Box::new(principal)))
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

impl<S: Send + Sync> FromRequestParts<S> for Client {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let ip = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|ConnectInfo(addr)| addr.ip().to_string());
        let user_agent = parts
            .headers
            .get(header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        Ok(Self(ClientInfo { ip, user_agent }))
    }
}
