//! Who an access token speaks for: the one set of rules for `/api/v1` and the live gateway alike.
//! The signature and expiry, then the live account (deleted: 401; deactivated: 403), then whether a
//! password change or a logout ended the sign-in the token belongs to.

use uuid::Uuid;

use super::{
    accounts::{self, Principal},
    tokens,
};
use crate::server::{
    error::{AppError, AppResult},
    state::AppState,
};

/// A token from before the account's last password change or deactivation.
pub const SIGNED_OUT_BY_CHANGE: &str =
    "Your session has ended because the account's password was changed. Please log in again.";

/// A token whose sign-in was ended by `/auth/logout`.
pub const SIGNED_OUT: &str = "You have logged out. Please log in again.";

/// The holder of a valid access token.
pub enum Caller {
    User(Box<Principal>),
    /// A guest session id from `POST /auth/guest`.
    Guest(Uuid),
}

pub async fn caller(state: &AppState, token: &str) -> AppResult<Caller> {
    let claims = tokens::verify_access(&state.config.jwt_secret, token)?;
    if claims.guest {
        return Ok(Caller::Guest(claims.sub));
    }
    let mut principal = accounts::load_principal(&state.db, &state.permissions, claims.sub)
        .await?
        // Deleted since the token was issued.
        .ok_or_else(|| AppError::Unauthorized("Invalid authentication token.".into()))?;
    if !principal.user.is_active {
        return Err(AppError::Forbidden {
            message: "This account has been deactivated.".into(),
            code: Some("ACCOUNT_DISABLED"),
        });
    }
    if accounts::signed_in_before_change(&principal.user, claims.iat, Some(claims.jti)) {
        return Err(AppError::Unauthorized(SIGNED_OUT_BY_CHANGE.into()));
    }
    if let Some(sid) = claims.sid {
        if tokens::is_ended(&state.db, sid).await? {
            return Err(AppError::Unauthorized(SIGNED_OUT.into()));
        }
    }
    principal.token_id = Some(claims.jti);
    principal.sign_in_id = claims.sid;
    Ok(Caller::User(Box::new(principal)))
}
