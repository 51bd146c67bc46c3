//! Email and password sign-in for the mobile API (and, later, the portal): lockout, audit, hash
//! upgrade, tokens.

use std::sync::OnceLock;

use chrono::Utc;
use sea_orm::{ActiveModelTrait, Set};

use super::{accounts, password, throttle, tokens};
use crate::server::{
    audit,
    entities::users,
    error::{AppError, AppResult},
    state::AppState,
};
use crate::shared::{auth::AuthSession, errors::FieldError, identity::Email};

/// Mobile sign-in: the credential checks of `authenticate`, then a token pair.
pub async fn login(
    state: &AppState,
    email: &str,
    plain: &str,
    client: &tokens::ClientInfo,
) -> AppResult<AuthSession> {
    let principal = authenticate(state, email, plain, client, "api").await?;
    let (access_token, refresh_token) =
        tokens::sign_in_pair(&state.db, &state.config.jwt_secret, &principal, client).await?;
    Ok(AuthSession {
        access_token,
        refresh_token,
        user: principal.auth_user(),
    })
}

/// `POST /auth/refresh-token`: rotates the refresh token and issues a fresh access token for the
/// (still existing, still active) account.
pub async fn refresh(state: &AppState, token: &str, client: &tokens::ClientInfo) -> AppResult<AuthSession> {
    let (user_id, family, refresh_token) = tokens::rotate(&state.db, token, client).await?;
    let principal = accounts::load_principal(&state.db, &state.permissions, user_id)
        .await?
        .filter(|p| p.user.is_active)
        .ok_or_else(|| AppError::Unauthorized("Invalid refresh token.".into()))?;
    Ok(AuthSession {
        access_token: tokens::issue_access(&state.config.jwt_secret, &principal, family)?,
        refresh_token,
        user: principal.auth_user(),
    })
}

/// `POST /auth/logout`: ends the sign-in of `refresh_token` and the sign-in `sid` (a bearer
/// token's), each of them at once everywhere: tokens refused, live sockets closed.
pub async fn logout(state: &AppState, refresh_token: Option<&str>, sid: Option<uuid::Uuid>) -> AppResult<()> {
    let mut ended = Vec::new();
    if let Some(token) = refresh_token {
        ended.extend(tokens::revoke(&state.db, token).await?);
    }
    if let Some(sid) = sid {
        tokens::end_sign_in(&state.db, sid).await?;
        ended.push(sid);
    }
    for sid in ended {
        state
            .live
            .publish(crate::server::live::Event::SignInEnded { sid });
    }
    Ok(())
}

/// A guest session of the older app builds: an access token, no account, no refresh token.
pub struct GuestSession {
    pub session_id: uuid::Uuid,
    pub access_token: String,
    pub refresh_token: String,
    pub role: crate::shared::auth::RoleInfo,
}

pub async fn guest(state: &AppState) -> AppResult<GuestSession> {
    let (session_id, access_token) = tokens::issue_guest(&state.config.jwt_secret)?;
    Ok(GuestSession {
        session_id,
        access_token,
        refresh_token: tokens::issue_guest_refresh(&state.config.jwt_secret, session_id)?,
        role: accounts::guest_role_info(&state.db).await?,
    })
}

/// Renews a guest session from its refresh token: a new access token for the same session, and a
/// new refresh token. `None` when the token is not a guest's.
pub async fn refresh_guest(state: &AppState, token: &str) -> AppResult<Option<GuestSession>> {
    let Some(session_id) = tokens::verify_guest_refresh(&state.config.jwt_secret, token) else {
        return Ok(None);
    };
    Ok(Some(GuestSession {
        session_id,
        access_token: tokens::reissue_guest(&state.config.jwt_secret, session_id)?,
        refresh_token: tokens::issue_guest_refresh(&state.config.jwt_secret, session_id)?,
        role: accounts::guest_role_info(&state.db).await?,
    }))
}

/// Every rule of an email and password sign-in, for the mobile API and the portal alike:
/// input parsing, the guess limit, hash check and upgrade, verification and active checks, audit.
///
/// An email without an account goes through the same steps (a claimed guess, a hash of the same
/// cost, an audit entry) and gets the same answers, so neither the answer nor its timing tells
/// whether an account exists.
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
    let key = throttle::key(&state.config.jwt_secret, &email);
    let rules = throttle_rules(state);

    let user = accounts::find_by_email(db, &email).await?;
    // Claimed before the hash is checked: a locked email gets 429 and no guess is evaluated.
    let claim = throttle::claim(db, &key, rules).await?;
    let stored = user
        .as_ref()
        .and_then(|u| u.password_hash.clone())
        .unwrap_or_else(|| dummy_hash().to_owned());
    // An account without a password (Google only) still costs one hash, then fails.
    let has_password = user.as_ref().is_some_and(|u| u.password_hash.is_some());
    let matches = match password::verify_stored(plain, &stored).await {
        Ok(m) => m && has_password,
        Err(e) => {
            // Not checked (the hashing pool is full): the guess does not count.
            claim.release(db).await?;
            return Err(e);
        }
    };
    let actor = user.as_ref().map(|u| u.id);
    let audit_entry = |action: &str| {
        let entry = audit::Entry::new(action).client(client.ip.clone(), client.user_agent.clone());
        match actor {
            Some(id) => entry.actor(id).target("user", id.to_string()),
            None => entry.target("email", email.as_str().to_owned()),
        }
    };

    let Some(user) = user.filter(|_| matches) else {
        let refusal = claim.failed(db).await?;
        audit::record(db, audit_entry("auth.login_failed")).await?;
        if let AppError::LockedOut { retry_after_secs } = &refusal {
            audit::record(
                db,
                audit_entry("auth.lockout").details(serde_json::json!({ "seconds": retry_after_secs })),
            )
            .await?;
        }
        return Err(refusal);
    };
    claim.succeeded(db).await?;

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

    let is_bcrypt = password::is_legacy(&stored);
    let mut active: users::ActiveModel = user.clone().into();
    active.failed_login_attempts = Set(0);
    active.lockout_until = Set(None);
    active.last_login = Set(Some(now));
    active.last_seen = Set(Some(now));
    active.updated_at = Set(now);
    if is_bcrypt {
        // Users imported from the old backend move to argon2id on their first sign-in.
        active.password_hash = Set(Some(
            password::hash_plain(&crate::shared::identity::normalise(plain)).await?,
        ));
    }
    active.update(db).await?;
    audit::record(
        db,
        audit::Entry::new("auth.login")
            .actor(user.id)
            .target("user", user.id.to_string())
            .client(client.ip.clone(), client.user_agent.clone())
            .details(serde_json::json!({ "rehashed": is_bcrypt, "channel": channel })),
    )
    .await?;

    accounts::load_principal(db, &state.permissions, user.id)
        .await?
        .ok_or_else(|| AppError::Internal(anyhow::anyhow!("user vanished during sign-in")))
}

/// The lock rules from the configuration.
pub fn throttle_rules(state: &AppState) -> throttle::Rules {
    throttle::Rules {
        base_secs: state.config.lockout_base_secs,
        max_secs: state.config.lockout_max_secs,
    }
}

/// A real argon2id hash of a password nobody has: unknown emails cost the same work.
fn dummy_hash() -> &'static str {
    static DUMMY: OnceLock<String> = OnceLock::new();
    DUMMY.get_or_init(|| password::hash_blocking("no account has this password").unwrap_or_default())
}
