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

use super::{config::Config, state::AppState};
use crate::shared::theme::Theme;

pub const COOKIE_NAME: &str = "pulse_session";
pub const THEME_KEY: &str = "theme";
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
        .with_expiry(Expiry::OnInactivity(time::Duration::days(7)))
        .with_signed(signing_key(config.session_secret.expose()))
}

/// A 64-byte cookie-signing key from the configured secret (SHA-512 gives exactly 64 bytes).
fn signing_key(secret: &str) -> Key {
    Key::from(&Sha512::digest(secret.as_bytes()))
}

/// Slides the expiry of sessions in use (pages and server functions, not assets or the mobile API),
/// and for page requests puts the session's theme into the request so the server renders pages in it
/// (no flash of the wrong theme).
async fn page_session(session: Session, mut req: Request, next: Next) -> Response {
    let path = req.uri().path();
    let is_asset = path.starts_with("/pkg/") || (path.contains('.') && !path.starts_with("/api/"));
    let is_portal =
        !is_asset && !path.starts_with("/api/v1") && !path.starts_with("/health") && path != "/readyz";
    let wants_page = is_portal && req.method() == axum::http::Method::GET && !path.starts_with("/api/");
    if is_portal {
        if let Err(e) = touch(&session).await {
            tracing::warn!(error = %e, "could not refresh the session expiry");
        }
    }
    if wants_page {
        let theme = match session.get::<Theme>(THEME_KEY).await {
            Ok(theme) => theme.unwrap_or_default(),
            Err(e) => {
                // A session store outage must not take pages down; render the default theme.
                tracing::warn!(error = %e, "session store unavailable");
                Theme::default()
            }
        };
        req.extensions_mut().insert(theme);
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

/// Stores the portal theme. Also records the save time, so `touch` skips this session today.
pub async fn set_theme(session: &Session, theme: Theme) -> Result<(), tower_sessions::session::Error> {
    session.insert(THEME_KEY, theme).await?;
    session
        .insert(TOUCHED_KEY, time::OffsetDateTime::now_utc().unix_timestamp())
        .await
}

/// The signed-in portal user's id in the session.
const USER_KEY: &str = "user_id";

/// Starts a portal session for `user_id`. The id is cycled first, so a session id planted before
/// sign-in (fixation) is worthless after it.
pub async fn sign_in(session: &Session, user_id: uuid::Uuid) -> Result<(), tower_sessions::session::Error> {
    session.cycle_id().await?;
    session.insert(USER_KEY, user_id).await?;
    session
        .insert(TOUCHED_KEY, time::OffsetDateTime::now_utc().unix_timestamp())
        .await
}

/// Ends the session: the record is deleted and the cookie removed.
pub async fn sign_out(session: &Session) -> Result<(), tower_sessions::session::Error> {
    session.flush().await
}

/// The portal user of this session, loaded fresh (role and permission changes, deactivation and
/// deletion apply on the next request). `None` when signed out or no longer allowed in.
pub async fn session_principal(
    session: &Session,
    db: &sea_orm::DatabaseConnection,
) -> crate::server::error::AppResult<Option<crate::server::identity::accounts::Principal>> {
    let Some(user_id) = session
        .get::<uuid::Uuid>(USER_KEY)
        .await
        .map_err(|e| crate::server::error::AppError::Internal(e.into()))?
    else {
        return Ok(None);
    };
    let principal = crate::server::identity::accounts::load_principal(db, user_id).await?;
    Ok(principal.filter(|p| p.user.is_active && p.can(crate::shared::permissions::Permission::PortalAccess)))
}
