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

/// Paths whose last segment is a secret (a one-time link's token); the request span logs them
/// with that segment replaced, so a token never reaches the logs.
const SECRET_TAIL: &[&str] = &["/reset-password/", "/api/v1/auth/setup-password/"];

/// The request path as the request span records it. Query strings are never logged (they may
/// carry tokens too); only the path is given here.
pub fn loggable_path(path: &str) -> std::borrow::Cow<'_, str> {
    match SECRET_TAIL.iter().find(|prefix| path.starts_with(**prefix)) {
        Some(prefix) if path.len() > prefix.len() => format!("{prefix}<redacted>").into(),
        _ => path.into(),
    }
}

#[cfg(test)]
mod tests {
    use super::loggable_path;

    #[test]
    fn one_time_link_tokens_are_not_logged() {
        assert_eq!(
            loggable_path("/reset-password/abc.def-123"),
            "/reset-password/<redacted>"
        );
        assert_eq!(
            loggable_path("/api/v1/auth/setup-password/abc"),
            "/api/v1/auth/setup-password/<redacted>"
        );
        assert_eq!(loggable_path("/reset-password/"), "/reset-password/");
        assert_eq!(loggable_path("/api/v1/categories"), "/api/v1/categories");
        assert_eq!(loggable_path("/forgot-password"), "/forgot-password");
    }
}
