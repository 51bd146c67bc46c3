//! What every request handler and server function can reach. Cheap to clone.

use std::sync::Arc;

use axum::extract::FromRef;
use leptos::config::LeptosOptions;
use sea_orm::DatabaseConnection;

use super::{
    config::Config,
    identity::{accounts::PermissionCache, oidc::OidcProvider},
    notify::outbox,
    rate_limit::Limiter,
    redis::RedisPool,
};

/// One `Arc` around everything, so that the clone each middleware and extractor takes is one
/// reference count, not thirty (the profile of a cached catalog read showed cloning and dropping the
/// fields one by one, `LeptosOptions`' strings included, as a fifth of the server's CPU).
#[derive(Clone)]
pub struct AppState(Arc<Shared>);

impl AppState {
    pub fn new(shared: Shared) -> Self {
        Self(Arc::new(shared))
    }
}

impl std::ops::Deref for AppState {
    type Target = Shared;
    fn deref(&self) -> &Shared {
        &self.0
    }
}

/// What [`AppState`] holds.
pub struct Shared {
    pub config: Arc<Config>,
    pub db: DatabaseConnection,
    /// `None` in the embedded default: sessions (and later presence, rate limits) stay in-process.
    pub redis: Option<RedisPool>,
    pub leptos_options: LeptosOptions,
    /// Wakes the outbox worker after a request queued a message.
    pub outbox_kick: outbox::Kick,
    /// Role permission sets, checked against the role's version on every read.
    pub permissions: PermissionCache,
    /// Google sign-in, when `GOOGLE_CLIENT_ID` is set.
    pub google: Option<Arc<OidcProvider>>,
    /// The per-IP limit on `/api/v1`, in process or in Redis.
    pub rate_limit: Limiter,
    /// The per-IP limit on the portal's other server functions.
    pub fn_rate_limit: Limiter,
    /// Portal session records (Redis or in process), shared with the live gateway.
    pub sessions: super::sessions::Store,
    /// Uploaded images: where they are stored and how they are addressed.
    pub media: super::media::Media,
    /// Notification channels (email, push, SMS) for the outbox worker and the notices.
    pub channels: super::notify::Channels,
    /// The live layer: announcements to sockets, and who is online.
    pub live: super::live::Live,
    /// Payment providers (Stripe, JazzCash), each present only when configured.
    pub payments: super::payments::Providers,
    /// The Content-Security-Policy of pages, built from the configuration.
    pub csp: Arc<super::security_headers::Policy>,
    /// The public catalog's answers, kept until the catalog's version moves.
    pub catalog: super::catalog::cache::CatalogCache,
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos_options.clone()
    }
}
