//! Logging: `tracing` with `RUST_LOG` filters; JSON lines in production, text otherwise.

use tracing_subscriber::{fmt, prelude::*, EnvFilter};

/// Installs the global subscriber once; later calls (tests spawn many servers) are no-ops.
pub fn init(json: bool) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| {
        EnvFilter::new("info,sqlx=warn,sea_orm=warn,tower_sessions=warn,fred=warn,leptos=warn")
    });
    let registry = tracing_subscriber::registry().with(filter);
    let result = if json {
        registry
            .with(fmt::layer().json().flatten_event(true).with_current_span(true))
            .try_init()
    } else {
        registry.with(fmt::layer().compact()).try_init()
    };
    // Already initialised (e.g. by another test server in the same process): keep the first one.
    let _ = result;
}
