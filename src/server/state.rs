//! What every request handler and server function can reach. Cheap to clone.

use std::sync::Arc;

use axum::extract::FromRef;
use leptos::config::LeptosOptions;
use sea_orm::DatabaseConnection;

use super::{config::Config, notify::outbox, redis::RedisPool};

#[derive(Clone)]
pub struct AppState {
    pub config: Arc<Config>,
    pub db: DatabaseConnection,
    /// `None` in the embedded default: sessions (and later presence, rate limits) stay in-process.
    pub redis: Option<RedisPool>,
    pub leptos_options: LeptosOptions,
    /// Wakes the outbox worker after a request queued a message.
    pub outbox_kick: outbox::Kick,
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos_options.clone()
    }
}
