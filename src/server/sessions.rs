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

/// Where session records live: Redis when configured, this process otherwise.
#[derive(Clone, Debug)]
pub enum Store {
    Memory(MemoryStore),
    Redis(RedisStore<super::redis::RedisPool>),
}

impl Store {
    pub fn new(redis: Option<&super::redis::RedisPool>) -> Self {
        match redis {
            Some(pool) => Self::Redis(RedisStore::new(pool.clone())),
            None => Self::Memory(MemoryStore::default()),
        }
    }

    async fn load(&self, id: &tower_sessions::session::Id) -> Option<tower_sessions::session::Record> {
        let found = match self {
            Self::Memory(s) => s.load(id).await,
            Self::Redis(s) => s.load(id).await,
        };
        found.unwrap_or_else(|e| {
            tracing::warn!(error = %e, "session store unavailable");
            None
        })
    }
}

pub fn layer(router: Router, state: &AppState) -> Router {
    let router = router.layer(middleware::from_fn(page_session));
    match &state.sessions {
        Store::Redis(store) => router.layer(manager(store.clone(), &state.config)),
        Store::Memory(store) => router.layer(manager(store.clone(), &state.config)),
    }
}

/// The portal user a request's session cookie signs in, outside the session layer (the live
/// gateway's upgrade request): the signature is checked with the same key, the record read from the
/// same store, and the same rules as [`session_principal`] apply. `None` for anything less.
pub async fn principal_from_headers(
    state: &AppState,
    headers: &axum::http::HeaderMap,
) -> Option<(accounts::Principal, String)> {
    use tower_sessions::cookie::{Cookie, CookieJar};
    let raw = headers
        .get_all(axum::http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|c| Cookie::parse(c.trim().to_owned()).ok())
        .find(|c| c.name() == COOKIE_NAME)?;
    let mut jar = CookieJar::new();
    jar.add_original(raw);
    let verified = jar
        .signed(&signing_key(state.config.session_secret.expose()))
        .get(COOKIE_NAME)?;
    let session_id = verified.value().to_owned();
    let id = session_id.parse::<tower_sessions::session::Id>().ok()?;
    let record = state.sessions.load(&id).await?;
    if record.expiry_date <= time::OffsetDateTime::now_utc() {
        return None;
    }
    let user_id: uuid::Uuid = serde_json::from_value(record.data.get(USER_KEY)?.clone()).ok()?;
    let signed_in_at: i64 = record
        .data
        .get(SIGNED_IN_AT_KEY)
        .and_then(|v| v.as_i64())
        .unwrap_or(0);
    let p = accounts::load_principal(&state.db, &state.permissions, user_id)
        .await
        .ok()
        .flatten()?;
    (p.user.is_active
        && !p.user.must_change_password
        && !accounts::signed_in_before_change(&p.user, signed_in_at, None)
        && p.can(Permission::PortalAccess))
    .then_some((p, session_id))
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

/// Signing out of the portal: the session ends, and so do its live sockets, on every instance.
pub async fn sign_out_and_announce(
    state: &AppState,
    session: &Session,
) -> Result<(), tower_sessions::session::Error> {
    let id = session.id().map(|id| id.to_string());
    sign_out(session).await?;
    if let Some(session_id) = id {
        state
            .live
            .publish(super::live::Event::SessionEnded { session_id });
    }
    Ok(())
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
