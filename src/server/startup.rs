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

use super::{
    api, catalog, config::Config, db, google_sign_in, health, identity::bootstrap, notify, portal, redis,
    request_id, sessions, state::AppState,
};
use crate::app::{shell, App};
use crate::shared::identity::Email;

pub struct Application {
    listener: TcpListener,
    router: Router,
    state: AppState,
    first_run: Option<FirstRun>,
    realtime: super::live::gateway::Realtime,
}

/// What a development first run created, for the console (never the logs).
#[derive(Debug)]
pub struct FirstRun {
    pub owner: bootstrap::FirstRunOwner,
    pub demo_categories: usize,
}

impl Application {
    /// Connects to the database (and Redis when configured), migrates, and binds `site_addr`
    /// (port 0 picks a free port, which tests use).
    pub async fn build(mut config: Config) -> anyhow::Result<Self> {
        let listener = TcpListener::bind(config.site_addr)
            .await
            .map_err(|e| anyhow::anyhow!("cannot listen on {}: {e}", config.site_addr))?;
        let addr = listener.local_addr()?;
        // The derived default (no PUBLIC_URL) must name the port really bound, e.g. after port 0,
        // or emailed links would point nowhere.
        if config.public_url == format!("http://{}", config.site_addr) {
            config.public_url = format!("http://{addr}");
        }
        let config = Arc::new(config);
        super::identity::password::init_pool(config.password_hash_workers, config.password_hash_queue);
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
        let channels = notify::Channels::from_config(&config)?;
        let outbox_kick = notify::outbox::Kick::default();
        // Development and test log message bodies (codes included) when there is no SMTP server.
        tokio::spawn(notify::outbox::run(
            db.clone(),
            channels.clone(),
            outbox_kick.clone(),
            !config.env.is_production(),
            notify::outbox::Retry {
                base_ms: config.outbox_retry_base_ms,
                max_attempts: config.outbox_max_attempts,
            },
        ));
        let google = super::identity::oidc::OidcProvider::from_config(&config)?;
        let rate_limit = super::rate_limit::Limiter::from_config(&config, redis.as_ref());
        let fn_rate_limit = super::rate_limit::Limiter::for_server_functions(&config, redis.as_ref());
        let (live, announcements) = super::live::Live::new(&config, redis.as_ref());
        // Stripe's client takes rustls's process-wide crypto provider; more than one is compiled in,
        // so one is named (a second call changes nothing).
        let _ = rustls::crypto::ring::default_provider().install_default();
        let state = AppState::new(super::state::Shared {
            payments: super::payments::Providers::from_config(&config)?,
            media: super::media::Media::from_config(&config)?,
            channels,
            sessions: super::sessions::Store::new(redis.as_ref()),
            live,
            csp: Arc::new(super::security_headers::Policy::from_config(&config)),
            catalog: super::catalog::cache::CatalogCache::new(
                db.clone(),
                config.catalog_cache,
                config.catalog_cache_entries,
            ),
            rate_limit,
            fn_rate_limit,
            google,
            leptos_options: leptos_options(&config, addr),
            config,
            db,
            redis,
            outbox_kick,
            permissions: Default::default(),
        });
        let first_run = if state.config.env == super::config::Environment::Development {
            first_run(&state).await?
        } else {
            None
        };
        tokio::spawn(super::booking::sweep::run(state.clone()));
        tokio::spawn(notify::reminders::run(state.clone()));
        tokio::spawn(super::maintenance::run(state.clone()));
        let (router, realtime) =
            super::live::gateway::mount(router(state.clone()), state.clone(), announcements).await?;
        Ok(Self {
            listener,
            router,
            state,
            first_run,
            realtime,
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

    /// The socket.io server of this instance.
    pub fn realtime(&self) -> super::live::gateway::Realtime {
        self.realtime.clone()
    }

    /// The Owner and demo data created because the database was empty (development only).
    pub fn first_run(&self) -> Option<&FirstRun> {
        self.first_run.as_ref()
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

/// The portal's routes, generated once per process. Generating them runs the app with resource
/// loading suppressed through a process-wide flag (leptos_server's `SuppressResourceLoad`): a page
/// rendering on another thread meanwhile would wait forever for its data (leptos issue #4773).
/// One server per process never overlaps the two; the test binary, which starts many, did.
fn route_list() -> Vec<leptos_axum::AxumRouteListing> {
    static ROUTES: std::sync::OnceLock<Vec<leptos_axum::AxumRouteListing>> = std::sync::OnceLock::new();
    ROUTES.get_or_init(|| generate_route_list(App)).clone()
}

/// The whole HTTP surface: probes, `/api/v1`, server functions and the portal's pages.
pub fn router(state: AppState) -> Router {
    let routes = route_list();
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
        .route("/appointments/export.csv", get(super::export::appointments_csv))
        .route("/reports/export.csv", get(super::export::report_csv))
        // Rate-limited like the API: each start writes a (short-lived) session.
        .merge(
            Router::new()
                .route("/auth/google", get(google_sign_in::start))
                .route(
                    super::identity::oidc::CALLBACK_PATH,
                    get(google_sign_in::callback),
                )
                .layer(axum::middleware::from_fn_with_state(
                    state.clone(),
                    super::rate_limit::limit,
                )),
        )
        // Images are not counted against the API's per-client limit: a page of services shows dozens.
        .route("/api/v1/uploads/{*key}", get(api::serve_upload))
        .route("/healthz", get(health::healthz))
        .route("/health", get(health::healthz))
        .route("/readyz", get(health::readyz))
        .nest(
            "/api/v1",
            api::router(&state).layer(axum::middleware::from_fn_with_state(
                state.clone(),
                super::rate_limit::limit,
            )),
        )
        .merge(portal.layer(axum::middleware::from_fn_with_state(
            state.clone(),
            portal::limit_credentials,
        )))
        .layer(axum::middleware::from_fn(portal::error_status))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            portal::same_origin,
        ))
        // axum's extractors have their own 2 MB cap; make it the configured limit.
        .layer(axum::extract::DefaultBodyLimit::max(body_limit))
        .layer(axum::middleware::from_fn(super::input_guard::guard))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            super::security_headers::add,
        ))
        .with_state(state.clone());

    sessions::layer(app, &state).layer(
        ServiceBuilder::new()
            .layer(axum::middleware::from_fn(request_id::drop_untrusted))
            .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
            .layer(
                TraceLayer::new_for_http()
                    .make_span_with(|req: &Request<Body>| {
                        let id = req
                            .headers()
                            .get("x-request-id")
                            .and_then(|v| v.to_str().ok())
                            .unwrap_or("-");
                        let path = super::telemetry::loggable_path(req.uri().path());
                        tracing::info_span!("request", request_id = %id, method = %req.method(), path = %path)
                    })
                    .on_request(())
                    .on_response(DefaultOnResponse::new().level(Level::INFO)),
            )
            .layer(PropagateRequestIdLayer::x_request_id())
            // Compression wraps the envelope rewrite, never the other way round: the rewrite must
            // read the error body before it is compressed.
            .layer(CompressionLayer::new())
            .layer(axum::middleware::from_fn(api::response::envelope_plain_errors))
            .layer(RequestBodyLimitLayer::new(body_limit))
            // 503, not 408: the server was slow, not the client.
            .layer(TimeoutLayer::with_status_code(
                axum::http::StatusCode::SERVICE_UNAVAILABLE,
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

/// Development only: on an empty database, create an Owner (with a generated password that must be
/// changed) and the demo categories.
async fn first_run(state: &AppState) -> anyhow::Result<Option<FirstRun>> {
    let email_raw = std::env::var("PULSE_OWNER_EMAIL").unwrap_or_else(|_| "owner@pulse.localhost".into());
    let email = Email::parse(&email_raw).map_err(|e| anyhow::anyhow!("PULSE_OWNER_EMAIL: {}", e.message))?;
    let Some(owner) = bootstrap::first_run_owner(&state.db, &email)
        .await
        .map_err(|e| anyhow::anyhow!("creating the first Owner: {e}"))?
    else {
        return Ok(None);
    };
    let demo_categories = catalog::demo::seed(&state.db)
        .await
        .map_err(|e| anyhow::anyhow!(e))?;
    tracing::info!(email = %owner.email, "first run: created an Owner account");
    Ok(Some(FirstRun {
        owner,
        demo_categories,
    }))
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
