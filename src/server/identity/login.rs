//! Email and password sign-in for the mobile API (and, later, the portal): lockout, audit, hash
//! upgrade, tokens.

use std::sync::OnceLock;

use chrono::{Duration, Utc};
use sea_orm::{sea_query::Expr, ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set};

use super::{accounts, password, tokens};
use crate::server::{
    audit,
    entities::users,
    error::{AppError, AppResult},
    state::AppState,
};
use crate::shared::{auth::AuthSession, errors::FieldError, identity::Email};

/// Consecutive failures that lock an account; the lock then doubles with each further failure.
pub const FAILURES_BEFORE_LOCKOUT: i32 = 3;

/// Mobile sign-in: the credential checks of `authenticate`, then a token pair.
pub async fn login(
    state: &AppState,
    email: &str,
    plain: &str,
    client: &tokens::ClientInfo,
) -> AppResult<AuthSession> {
    let principal = authenticate(state, email, plain, client, "api").await?;
    Ok(AuthSession {
        access_token: tokens::issue_access(&state.config.jwt_secret, &principal)?,
        refresh_token: tokens::issue_refresh(&state.db, principal.user.id, client).await?,
        user: principal.auth_user(),
    })
}

/// `POST /auth/refresh-token`: rotates the refresh token and issues a fresh access token for the
/// (still existing, still active) account.
pub async fn refresh(state: &AppState, token: &str, client: &tokens::ClientInfo) -> AppResult<AuthSession> {
    let (user_id, refresh_token) = tokens::rotate(&state.db, token, client).await?;
    let principal = accounts::load_principal(&state.db, &state.permissions, user_id)
        .await?
        .filter(|p| p.user.is_active)
        .ok_or_else(|| AppError::Unauthorized("Invalid refresh token.".into()))?;
    Ok(AuthSession {
        access_token: tokens::issue_access(&state.config.jwt_secret, &principal)?,
        refresh_token,
        user: principal.auth_user(),
    })
}

/// A guest session of the older app builds: an access token, no account, no refresh token.
pub struct GuestSession {
    pub session_id: uuid::Uuid,
    pub access_token: String,
    pub role: crate::shared::auth::RoleInfo,
}

pub async fn guest(state: &AppState) -> AppResult<GuestSession> {
    let (session_id, access_token) = tokens::issue_guest(&state.config.jwt_secret)?;
    Ok(GuestSession {
        session_id,
        access_token,
        role: accounts::guest_role_info(&state.db).await?,
    })
}

/// Every rule of an email and password sign-in, for the mobile API and the portal alike:
/// input parsing, lockout, hash check and upgrade, verification and active checks, audit.
pub async fn authenticate(
    state: &AppState,
    email: &str,
    plain: &str,
    client: &tokens::ClientInfo,
    channel: &str,
) -> AppResult<accounts::Principal> {
    let email = Email::parse(email);
    let mut errors = Vec::new();
    if let Err(e) = &email {
        errors.push(e.clone());
    }
    if plain.is_empty() {
        errors.push(FieldError::new("password", "Password is required"));
    }
    let email = match email {
        Ok(email) if errors.is_empty() => email,
        _ => return Err(AppError::Validation(errors)),
    };
    let db = &state.db;
    let now = Utc::now();

    let Some(user) = accounts::find_by_email(db, &email).await? else {
        // Same work as a real check, so response time does not reveal which emails have accounts.
        let _ = password::verify(plain, dummy_hash()).await;
        return Err(AppError::InvalidCredentials {
            attempts_remaining: None,
        });
    };
    if let Some(until) = user.lockout_until.filter(|until| *until > now) {
        return Err(AppError::LockedOut {
            retry_after_secs: seconds_until(until, now),
        });
    }

    let stored = user.password_hash.clone().unwrap_or_default();
    let is_bcrypt = password::is_legacy(&stored);
    let matches = password::verify_stored(plain, &stored).await?;
    let audit_entry = |action: &str| {
        audit::Entry::new(action)
            .actor(user.id)
            .target("user", user.id.to_string())
            .client(client.ip.clone(), client.user_agent.clone())
    };

    if !matches {
        // Increment in the database, so concurrent failures all count.
        users::Entity::update_many()
            .col_expr(
                users::Column::FailedLoginAttempts,
                // Called by path: importing ExprTrait would shadow `min`/`max` on every type here.
                sea_orm::sea_query::ExprTrait::add(Expr::col(users::Column::FailedLoginAttempts), 1),
            )
            .filter(users::Column::Id.eq(user.id))
            .exec(db)
            .await?;
        let attempts = users::Entity::find_by_id(user.id)
            .one(db)
            .await?
            .map_or(user.failed_login_attempts + 1, |u| u.failed_login_attempts);
        audit::record(
            db,
            audit_entry("auth.login_failed").details(serde_json::json!({ "attempts": attempts })),
        )
        .await?;
        if attempts >= FAILURES_BEFORE_LOCKOUT {
            let lock = lockout_secs(
                attempts,
                state.config.lockout_base_secs,
                state.config.lockout_max_secs,
            );
            users::Entity::update_many()
                .col_expr(
                    users::Column::LockoutUntil,
                    Expr::value(now + Duration::seconds(lock as i64)),
                )
                .filter(users::Column::Id.eq(user.id))
                .exec(db)
                .await?;
            audit::record(
                db,
                audit_entry("auth.lockout").details(serde_json::json!({ "seconds": lock })),
            )
            .await?;
            return Err(AppError::LockedOut {
                retry_after_secs: lock,
            });
        }
        return Err(AppError::InvalidCredentials {
            attempts_remaining: Some((FAILURES_BEFORE_LOCKOUT - attempts).max(0) as u32),
        });
    }

    // Only after the password is right: these say something about the account.
    if !user.email_verified {
        return Err(AppError::EmailNotVerified);
    }
    if !user.is_active {
        return Err(AppError::Forbidden {
            message: "This account has been deactivated.".into(),
            code: Some("ACCOUNT_DISABLED"),
        });
    }

    let mut active: users::ActiveModel = user.clone().into();
    active.failed_login_attempts = Set(0);
    active.lockout_until = Set(None);
    active.last_login = Set(Some(now));
    active.last_seen = Set(Some(now));
    active.updated_at = Set(now);
    if is_bcrypt {
        // Users imported from the old backend move to argon2id on their first sign-in.
        active.password_hash = Set(Some(password::hash_blocking_async(plain).await?));
    }
    active.update(db).await?;
    audit::record(
        db,
        audit_entry("auth.login").details(serde_json::json!({ "rehashed": is_bcrypt, "channel": channel })),
    )
    .await?;

    accounts::load_principal(db, &state.permissions, user.id)
        .await?
        .ok_or_else(|| AppError::Internal(anyhow::anyhow!("user vanished during sign-in")))
}

/// Lock length for the n-th consecutive failure: base at the 3rd, doubling, capped.
pub fn lockout_secs(attempts: i32, base: u64, max: u64) -> u64 {
    let doublings = (attempts - FAILURES_BEFORE_LOCKOUT).clamp(0, 30) as u32;
    base.saturating_mul(1u64 << doublings).min(max)
}

fn seconds_until(until: chrono::DateTime<Utc>, now: chrono::DateTime<Utc>) -> u64 {
    let ms = (until - now).num_milliseconds().max(0) as u64;
    ms.div_ceil(1000).max(1)
}

fn dummy_hash() -> &'static str {
    static DUMMY: OnceLock<String> = OnceLock::new();
    DUMMY.get_or_init(|| password::hash_blocking("Dummy-password-1!").unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::lockout_secs;

    #[test]
    fn lockout_starts_at_the_third_failure_and_doubles_to_the_cap() {
        assert_eq!(lockout_secs(3, 30, 900), 30);
        assert_eq!(lockout_secs(4, 30, 900), 60);
        assert_eq!(lockout_secs(5, 30, 900), 120);
        assert_eq!(lockout_secs(8, 30, 900), 900);
        assert_eq!(lockout_secs(1000, 30, 900), 900);
    }
}
