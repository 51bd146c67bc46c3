//! Portal sessions: tower-sessions in Redis when `REDIS_URL` is set (any instance can serve any
//! request), in process otherwise. Cookie: httpOnly, SameSite=Lax, Secure in production, signed with a
//! key derived from `SESSION_SECRET`, 7 days from the last request.

use axum::{
    extract::Request,
    middleware::{self, Next},
    response::Response,
    Router,
};
use sha2::{Digest, Sha512};
use tower_sessions::{
    cookie::{Key, SameSite},
    Expiry, MemoryStore, Session, SessionManagerLayer, SessionStore,
};
use tower_sessions_redis_store::RedisStore;

use super::{
    config::Config,
    error::{AppError, AppResult},
    identity::accounts,
    state::AppState,
};
use crate::shared::permissions::Permission;

pub const COOKIE_NAME: &str = "pulse_session";
/// Unix time of the session's last save. tower-sessions extends `OnInactivity` only when a session is
/// written, so an active session is re-saved once a day to keep "7 days since last use" true.
const TOUCHED_KEY: &str = "touched_at";
const TOUCH_EVERY_SECS: i64 = 24 * 3600;

pub fn layer(router: Router, state: &AppState) -> Router {
    let router = router.layer(middleware::from_fn(page_session));
    match &state.redis {
        Some(pool) => router.layer(manager(RedisStore::new(pool.clone()), &state.config)),
        None => router.layer(manager(MemoryStore::default(), &state.config)),
    }
}

fn manager<S: SessionStore + Clone>(
    store: S,
    config: &Config,
) -> SessionManagerLayer<S, tower_sessions::service::SignedCookie> {
    SessionManagerLayer::new(store)
        .with_name(COOKIE_NAME)
        .with_http_only(true)
        .with_same_site(SameSite::Lax)
        .with_secure(config.env.is_production())
        .with_path("/")
        .with_expiry(signed_in_expiry())
        .with_signed(signing_key(config.session_secret.expose()))
}

/// Seven days from the last request.
fn signed_in_expiry() -> Expiry {
    Expiry::OnInactivity(time::Duration::days(7))
}

/// A 64-byte cookie-signing key from the configured secret (SHA-512 gives exactly 64 bytes).
fn signing_key(secret: &str) -> Key {
    Key::from(&Sha512::digest(secret.as_bytes()))
}

/// Slides the expiry of sessions in use (pages and server functions, not assets or the mobile API).
/// Visitors who are not signed in have no session and get none: nothing is stored for them.
async fn page_session(session: Session, req: Request, next: Next) -> Response {
    let path = req.uri().path();
    let is_asset = path.starts_with("/pkg/") || (path.contains('.') && !path.starts_with("/api/"));
    let is_portal =
        !is_asset && !path.starts_with("/api/v1") && !path.starts_with("/health") && path != "/readyz";
    if is_portal {
        if let Err(e) = touch(&session).await {
            tracing::warn!(error = %e, "could not refresh the session expiry");
        }
    }
    next.run(req).await
}

/// Marks the session as used (and so re-saved with a fresh 7-day expiry) when its last save is more
/// than a day old. A visitor with no session gets none.
async fn touch(session: &Session) -> Result<(), tower_sessions::session::Error> {
    if session.is_empty().await {
        return Ok(());
    }
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let touched = session.get::<i64>(TOUCHED_KEY).await?.unwrap_or(0);
    if now - touched >= TOUCH_EVERY_SECS {
        session.insert(TOUCHED_KEY, now).await?;
    }
    Ok(())
}

/// The signed-in portal user's id in the session, and when (unix seconds) the sign-in happened.
const USER_KEY: &str = "user_id";
const SIGNED_IN_AT_KEY: &str = "signed_in_at";

/// Starts a portal session for `user_id`. The id is cycled first, so a session id planted before
/// sign-in (fixation) is worthless after it.
pub async fn sign_in(session: &Session, user_id: uuid::Uuid) -> Result<(), tower_sessions::session::Error> {
    session.cycle_id().await?;
    session.set_expiry(Some(signed_in_expiry()));
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    session.insert(USER_KEY, user_id).await?;
    session.insert(SIGNED_IN_AT_KEY, now).await?;
    session.insert(TOUCHED_KEY, now).await
}

/// A visitor who is about to leave for a sign-in elsewhere (Google) gets a session that lasts ten
/// minutes unless the sign-in completes, so abandoned attempts do not pile up for a week.
pub async fn expect_sign_in_soon(session: &Session) -> Result<(), tower_sessions::session::Error> {
    if session.get::<uuid::Uuid>(USER_KEY).await?.is_none() {
        session.set_expiry(Some(Expiry::OnInactivity(time::Duration::minutes(10))));
    }
    Ok(())
}

/// Ends the session: the record is deleted and the cookie removed.
pub async fn sign_out(session: &Session) -> Result<(), tower_sessions::session::Error> {
    session.flush().await
}

/// The portal user of this session, loaded fresh (role and permission changes, deactivation and
/// deletion apply on the next request). `None` when signed out or no longer allowed in; a session
/// that a password change, deactivation or deletion ended is deleted here.
pub async fn session_principal(
    session: &Session,
    state: &AppState,
) -> AppResult<Option<accounts::Principal>> {
    let internal = |e: tower_sessions::session::Error| AppError::Internal(e.into());
    let Some(user_id) = session.get::<uuid::Uuid>(USER_KEY).await.map_err(internal)? else {
        return Ok(None);
    };
    let signed_in_at = session
        .get::<i64>(SIGNED_IN_AT_KEY)
        .await
        .map_err(internal)?
        .unwrap_or(0);
    let principal = accounts::load_principal(&state.db, &state.permissions, user_id).await?;
    match principal {
        Some(p) if p.user.is_active && !accounts::signed_in_before_change(&p.user, signed_in_at, None) => {
            Ok(p.can(Permission::PortalAccess).then_some(p))
        }
        _ => {
            sign_out(session).await.map_err(internal)?;
            Ok(None)
        }
    }
}
