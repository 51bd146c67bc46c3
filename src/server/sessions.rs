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

pub fn layer(router: Router, state: &AppState) -> Router {
    let router = router.layer(middleware::from_fn(load_theme));
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

/// Puts the session's theme into the request so the server renders pages in it (no flash of the
/// wrong theme). Skips asset requests, which need no session.
async fn load_theme(session: Session, mut req: Request, next: Next) -> Response {
    let path = req.uri().path();
    let wants_page = req.method() == axum::http::Method::GET
        && !path.starts_with("/pkg/")
        && !path.starts_with("/api/")
        && !path.contains('.');
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
