//! Wiring: connect, migrate, build the router with its middleware, bind, serve, shut down gracefully.

use std::{future::Future, net::SocketAddr, sync::Arc, time::Duration};

use axum::{body::Body, http::Request, routing::get, Router};
use leptos::{config::LeptosOptions, prelude::provide_context};
use leptos_axum::{generate_route_list, LeptosRoutes};
use tokio::net::TcpListener;
use tower::ServiceBuilder;
use tower_http::{
    compression::CompressionLayer,
    limit::RequestBodyLimitLayer,
    request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer},
    timeout::TimeoutLayer,
    trace::{DefaultOnResponse, TraceLayer},
};
use tracing::Level;

use super::{api, cli, config::Config, db, health, identity::bootstrap, redis, sessions, state::AppState};
use crate::app::{shell, App};
use crate::shared::identity::Email;

pub struct Application {
    listener: TcpListener,
    router: Router,
    state: AppState,
}

impl Application {
    /// Connects to the database (and Redis when configured), migrates, and binds `site_addr`
    /// (port 0 picks a free port, which tests use).
    pub async fn build(config: Config) -> anyhow::Result<Self> {
        let config = Arc::new(config);
        let db = db::connect(&config).await.map_err(|e| {
            anyhow::anyhow!(
                "cannot open the database ({}): {e}",
                redacted(&config.database_url)
            )
        })?;
        db::migrate(&db)
            .await
            .map_err(|e| anyhow::anyhow!("migrating the database: {e}"))?;
        let redis = match &config.redis_url {
            Some(url) => Some(redis::connect(url).await?),
            None => None,
        };
        let listener = TcpListener::bind(config.site_addr)
            .await
            .map_err(|e| anyhow::anyhow!("cannot listen on {}: {e}", config.site_addr))?;
        let addr = listener.local_addr()?;
        let state = AppState {
            leptos_options: leptos_options(&config, addr),
            config,
            db,
            redis,
        };
        if state.config.env == super::config::Environment::Development {
            first_run(&state, addr).await?;
        }
        let router = router(state.clone());
        Ok(Self {
            listener,
            router,
            state,
        })
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.listener
            .local_addr()
            .expect("a bound listener has an address")
    }

    pub fn state(&self) -> &AppState {
        &self.state
    }

    pub async fn run_until_stopped(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> anyhow::Result<()> {
        let addr = self.local_addr();
        tracing::info!(
            %addr,
            env = self.state.config.env.as_str(),
            database = if self.state.config.is_sqlite() { "sqlite" } else { "postgres" },
            sessions = if self.state.redis.is_some() { "redis" } else { "in-process" },
            "Pulse is listening on http://{addr}"
        );
        axum::serve(
            self.listener,
            self.router.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(shutdown)
        .await?;
        tracing::info!("stopped cleanly");
        Ok(())
    }
}

/// The whole HTTP surface: probes, `/api/v1`, server functions and the portal's pages.
pub fn router(state: AppState) -> Router {
    let routes = generate_route_list(App);
    let context_state = state.clone();
    let shell_options = state.leptos_options.clone();
    let body_limit = state.config.request_body_limit_bytes;
    let timeout = Duration::from_secs(state.config.request_timeout_secs);

    let portal: Router<AppState> = Router::new()
        .leptos_routes_with_context(
            &state,
            routes,
            move || provide_context(context_state.clone()),
            move || shell(shell_options.clone()),
        )
        .fallback(leptos_axum::file_and_error_handler::<AppState, _>(shell));

    let app = Router::new()
        // Until the dashboard exists, the portal opens on its only page.
        .route(
            "/",
            get(|| async { axum::response::Redirect::temporary("/categories") }),
        )
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        .nest("/api/v1", api::router())
        .merge(portal)
        .layer(axum::middleware::from_fn(
            crate::app::server_fns::ssr::error_status,
        ))
        .with_state(state.clone());

    sessions::layer(app, &state).layer(
        ServiceBuilder::new()
            .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
            .layer(
                TraceLayer::new_for_http()
                    .make_span_with(|req: &Request<Body>| {
                        let id = req
                            .headers()
                            .get("x-request-id")
                            .and_then(|v| v.to_str().ok())
                            .unwrap_or("-");
                        // The path only: query strings may carry tokens.
                        tracing::info_span!("request", request_id = %id, method = %req.method(), path = %req.uri().path())
                    })
                    .on_request(())
                    .on_response(DefaultOnResponse::new().level(Level::INFO)),
            )
            .layer(PropagateRequestIdLayer::x_request_id())
            .layer(CompressionLayer::new())
            .layer(RequestBodyLimitLayer::new(body_limit))
            .layer(TimeoutLayer::with_status_code(
                axum::http::StatusCode::REQUEST_TIMEOUT,
                timeout,
            )),
    )
}

fn leptos_options(config: &Config, addr: SocketAddr) -> LeptosOptions {
    LeptosOptions::builder()
        .output_name(config.output_name.as_str())
        .site_root(config.site_root.to_string_lossy().as_ref())
        .site_pkg_dir(config.site_pkg_dir.as_str())
        .site_addr(addr)
        .reload_port(config.reload_port)
        .env(if config.env.is_production() {
            leptos::config::Env::PROD
        } else {
            leptos::config::Env::DEV
        })
        .build()
}

/// Development only: on an empty database, create an Owner and demo categories, and say how to sign in.
async fn first_run(state: &AppState, addr: SocketAddr) -> anyhow::Result<()> {
    let email_raw = std::env::var("PULSE_OWNER_EMAIL").unwrap_or_else(|_| "owner@pulse.localhost".into());
    let email = Email::parse(&email_raw).map_err(|e| anyhow::anyhow!("PULSE_OWNER_EMAIL: {}", e.message))?;
    let owner = bootstrap::first_run_owner(&state.db, &email)
        .await
        .map_err(|e| anyhow::anyhow!("creating the first Owner: {e}"))?;
    if let Some(owner) = owner {
        let demo = cli::seed_demo_categories(&state.db).await?;
        println!(
            "\n  Pulse first run (development): an Owner account was created.\n\n    \
             portal:   http://{addr}/\n    email:    {}\n    password: {}\n\n  \
             The password is shown once; change it after signing in. {demo} demo categories were added.\n",
            owner.email, owner.password
        );
    }
    Ok(())
}

/// Resolves on SIGTERM or Ctrl-C, so in-flight requests finish before the process exits.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = terminate => {},
    }
    tracing::info!("shutdown signal received; finishing in-flight requests");
}

/// A database URL without its password, for error messages.
fn redacted(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let creds = &url[scheme + 3..at];
            match creds.find(':') {
                Some(colon) => format!("{}://{}:***@{}", &url[..scheme], &creds[..colon], &url[at + 1..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn redacts_passwords() {
        assert_eq!(
            super::redacted("postgres://u:secret@h/db"),
            "postgres://u:***@h/db"
        );
        assert_eq!(super::redacted("postgres://u@h/db"), "postgres://u@h/db");
        assert_eq!(
            super::redacted("sqlite://data/pulse.db"),
            "sqlite://data/pulse.db"
        );
    }
}
