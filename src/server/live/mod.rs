//! The live layer: socket.io at `/socket.io/` on the same server and port (`gateway`), who is
//! online (`presence`), and the announcements the service layer makes after each change commits
//! (`events`).
//!
//! The service layer only calls [`Live::publish`]: it never waits on sockets, and a socket or Redis
//! failure never fails the request that made the change. A task turns each announcement into
//! socket.io emits; with `REDIS_URL` the socket.io Redis adapter carries them to every instance.

pub mod events;
pub mod gateway;
pub mod presence;
mod redis_driver;

use std::time::Duration;

use tokio::sync::mpsc;

pub use events::Event;
use presence::Presence;

use super::{config::Config, redis::RedisPool};

/// Timings of the live layer, from configuration (shorter in tests).
#[derive(Debug, Clone, Copy)]
pub struct Timings {
    /// How long a socket counts as online without a heartbeat (`user:{id}:online`'s TTL).
    pub presence_ttl: Duration,
    /// How often each instance refreshes presence for its sockets.
    pub heartbeat: Duration,
    /// engine.io's ping interval and timeout: a silent client is dropped after their sum.
    pub ping_interval: Duration,
    pub ping_timeout: Duration,
}

impl Timings {
    pub fn from_config(config: &Config) -> Self {
        Self {
            presence_ttl: Duration::from_secs(config.live_presence_ttl_secs.max(1)),
            heartbeat: Duration::from_secs(config.live_heartbeat_secs.max(1)),
            ping_interval: Duration::from_secs(config.live_ping_interval_secs.max(1)),
            ping_timeout: Duration::from_secs(config.live_ping_timeout_secs.max(1)),
        }
    }
}

/// The handle every request can reach (`AppState::live`).
#[derive(Clone)]
pub struct Live {
    bus: mpsc::UnboundedSender<Event>,
    pub presence: Presence,
    pub timings: Timings,
}

impl Live {
    /// The handle, and the receiving end for the gateway's dispatcher.
    pub fn new(config: &Config, redis: Option<&RedisPool>) -> (Self, mpsc::UnboundedReceiver<Event>) {
        let (bus, rx) = mpsc::unbounded_channel();
        let timings = Timings::from_config(config);
        (
            Self {
                bus,
                presence: Presence::new(redis, timings.presence_ttl),
                timings,
            },
            rx,
        )
    }

    /// Announces a change. Call it after the change's transaction has committed, and never for one
    /// that rolled back. It never blocks and never fails.
    pub fn publish(&self, event: Event) {
        if self.bus.send(event).is_err() {
            tracing::debug!("live layer stopped; announcement dropped");
        }
    }
}
