//! `spawn_app`: the real server on a random port, against a fresh database, spoken to over HTTP.

use std::collections::HashMap;

use pulse::server::{config::Config, startup::Application, state::AppState};
use sea_orm::{ConnectionTrait, Database};
use uuid::Uuid;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

pub fn postgres_admin_url() -> String {
    std::env::var("PULSE_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into())
}

pub fn redis_url() -> String {
    std::env::var("PULSE_TEST_REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379/15".into())
}

/// A database that exists for one test and is removed after it.
pub struct TestDb {
    pub url: String,
    postgres_name: Option<String>,
    _dir: Option<tempfile::TempDir>,
}

impl TestDb {
    pub async fn new(backend: Backend) -> Self {
        match backend {
            Backend::Sqlite => {
                let dir = tempfile::tempdir().expect("temp dir");
                let url = format!("sqlite://{}", dir.path().join("pulse.db").display());
                Self {
                    url,
                    postgres_name: None,
                    _dir: Some(dir),
                }
            }
            Backend::Postgres => {
                let name = format!("pulse_test_{}", Uuid::now_v7().simple());
                let admin = Database::connect(postgres_admin_url()).await.expect(
                    "Postgres is not reachable: run `make services` (or set PULSE_TEST_POSTGRES_URL)",
                );
                admin
                    .execute_unprepared(&format!("CREATE DATABASE \"{name}\""))
                    .await
                    .expect("create test database");
                admin.close().await.ok();
                let base = postgres_admin_url();
                let server = base.rsplit_once('/').map(|(s, _)| s).unwrap_or(&base);
                Self {
                    url: format!("{server}/{name}"),
                    postgres_name: Some(name),
                    _dir: None,
                }
            }
        }
    }
}

impl TestDb {
    /// Another handle on an existing test database, which it does not remove (for a second
    /// instance of the server on the same data).
    pub fn borrowed(url: &str) -> Self {
        Self {
            url: url.to_owned(),
            postgres_name: None,
            _dir: None,
        }
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Some(name) = self.postgres_name.take() {
            // Drop runs outside any runtime guarantee; use a private one on a plain thread.
            let _ = std::thread::spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .ok()?;
                rt.block_on(async {
                    let admin = Database::connect(postgres_admin_url()).await.ok()?;
                    admin
                        .execute_unprepared(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
                        .await
                        .ok()?;
                    admin.close().await.ok()
                })
            })
            .join();
        }
    }
}

pub struct TestApp {
    pub base: String,
    pub client: reqwest::Client,
    pub state: AppState,
    /// Dropped with the app: removes the test's database.
    _db: TestDb,
    server: tokio::task::JoinHandle<()>,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
}

/// Options for a spawned server beyond the test defaults.
#[derive(Default, Clone)]
pub struct Spawn {
    pub vars: Vec<(&'static str, String)>,
    pub redis: bool,
}

impl Spawn {
    pub fn redis() -> Self {
        Self {
            redis: true,
            ..Self::default()
        }
    }
    pub fn var(mut self, key: &'static str, value: impl Into<String>) -> Self {
        self.vars.push((key, value.into()));
        self
    }
}

pub async fn spawn_app(backend: Backend) -> TestApp {
    spawn_app_with(backend, Spawn::default()).await
}

pub async fn spawn_app_with(backend: Backend, opts: Spawn) -> TestApp {
    let db = TestDb::new(backend).await;
    let config = test_config(&db.url, &opts);
    spawn_with_config(db, config).await
}

/// The configuration a test server runs with: test mode, a free port, the given database.
pub fn test_config(database_url: &str, opts: &Spawn) -> Config {
    if std::env::var("TEST_LOG").is_ok() {
        pulse::server::telemetry::init(false);
    }
    let mut vars: HashMap<String, String> = HashMap::from([
        ("PULSE_ENV".into(), "test".into()),
        ("LEPTOS_SITE_ADDR".into(), "127.0.0.1:0".into()),
        ("DATABASE_URL".into(), database_url.to_owned()),
        ("DATABASE_MAX_CONNECTIONS".into(), "5".into()),
        // Tests share one address (and, with Redis, one counter store); `rate_limit.rs` turns it on.
        ("RATE_LIMIT_MAX_REQUESTS".into(), "0".into()),
        ("RATE_LIMIT_FN_MAX_REQUESTS".into(), "0".into()),
        // Each server stores uploads in a directory of its own.
        (
            "MEDIA_DIR".into(),
            std::env::temp_dir()
                .join(format!("pulse-media-{}", Uuid::now_v7().simple()))
                .display()
                .to_string(),
        ),
    ]);
    if opts.redis {
        vars.insert("REDIS_URL".into(), redis_url());
        // Tests share one Redis: instances on the same test database form one socket.io cluster,
        // and no other test's broadcasts reach them.
        let digest = database_url
            .bytes()
            .fold(0u64, |h, b| h.wrapping_mul(31).wrapping_add(u64::from(b)));
        vars.insert("LIVE_REDIS_PREFIX".into(), format!("pulse-sio-{digest:x}"));
    }
    for (k, v) in &opts.vars {
        vars.insert((*k).into(), v.clone());
    }
    Config::from_sources(None, &vars).expect("test config")
}

/// A second instance of the server on `app`'s database, as behind a load balancer.
pub async fn spawn_peer(app: &TestApp, opts: Spawn) -> TestApp {
    let url = app._db.url.clone();
    spawn_with_config(TestDb::borrowed(&url), test_config(&url, &opts)).await
}

pub async fn spawn_with_config(db: TestDb, config: Config) -> TestApp {
    let app = Application::build(config).await.expect("server starts");
    let base = format!("http://{}", app.local_addr());
    let state = app.state().clone();
    let (tx, rx) = tokio::sync::oneshot::channel();
    let server = tokio::spawn(async move {
        app.run_until_stopped(async {
            let _ = rx.await;
        })
        .await
        .expect("server runs");
    });
    TestApp {
        base,
        client: client(),
        state,
        _db: db,
        server,
        shutdown: Some(tx),
    }
}

/// A client like a browser's: keeps cookies, never follows redirects silently.
pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client.get(self.url(path)).send().await.expect("request")
    }

    pub async fn get_json(&self, path: &str) -> (reqwest::StatusCode, serde_json::Value) {
        let r = self.get(path).await;
        let status = r.status();
        (status, r.json().await.expect("JSON body"))
    }

    /// Calls a portal server function the way the browser does (POST, url-encoded arguments).
    pub async fn server_fn(&self, name: &str, args: &[(&str, &str)]) -> reqwest::Response {
        self.client
            .post(self.url(&format!("/api/fn/{name}")))
            .header(reqwest::header::ACCEPT, "application/json")
            .form(args)
            .send()
            .await
            .expect("server fn request")
    }

    /// Stops accepting requests and waits for in-flight ones, as on SIGTERM. Returns whether the
    /// server finished cleanly.
    pub async fn stop(mut self) -> bool {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        matches!(
            tokio::time::timeout(std::time::Duration::from_secs(10), &mut self.server).await,
            Ok(Ok(()))
        )
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        self.server.abort();
    }
}

/// Declares a test that runs once on SQLite and once on Postgres:
/// `both_backends!(async fn name(backend: Backend) { ... })` gives `name::sqlite` and `name::postgres`.
#[macro_export]
macro_rules! both_backends {
    ($(#[doc = $doc:literal])* async fn $name:ident($backend:ident: Backend $(,)?) $body:block) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;
            async fn run($backend: $crate::helpers::Backend) $body
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() { run($crate::helpers::Backend::Sqlite).await }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() { run($crate::helpers::Backend::Postgres).await }
        }
    };
}

/// The password every `create_account` user has.
pub const PASSWORD: &str = "Salon-Pass-42!";

/// An account with `role`, created through the service layer (for data that has no API yet).
pub async fn create_account(
    app: &TestApp,
    email: &str,
    role: &str,
    verified: bool,
) -> pulse::server::entities::users::Model {
    use pulse::server::identity::{accounts, password};
    use pulse::shared::identity::{Email, Password};
    accounts::create(
        &app.state.db,
        accounts::NewAccount {
            email: &Email::parse(email).unwrap(),
            name: "Test Person",
            password_hash: Some(password::hash(&Password::parse(PASSWORD).unwrap()).await.unwrap()),
            role,
            email_verified: verified,
            must_change_password: false,
        },
    )
    .await
    .unwrap()
}

/// Signs in over the API with `PASSWORD` and returns the access token.
pub async fn sign_in_token(app: &TestApp, email: &str) -> String {
    let r = app
        .client
        .post(app.url("/api/v1/auth/login"))
        .json(&serde_json::json!({ "email": email, "password": PASSWORD }))
        .send()
        .await
        .unwrap();
    let body: serde_json::Value = r.json().await.unwrap();
    body["data"]["accessToken"]
        .as_str()
        .unwrap_or_else(|| panic!("sign-in failed: {body}"))
        .to_owned()
}

/// A browser-like client signed in to the portal through the real `sign_in` server function, or
/// the status it was refused with.
pub async fn portal_sign_in_as(
    app: &TestApp,
    email: &str,
    password: &str,
) -> Result<reqwest::Client, reqwest::StatusCode> {
    let c = client();
    let r = c
        .post(app.url("/api/fn/sign_in"))
        .header("accept", "application/json")
        .form(&[("email", email), ("password", password)])
        .send()
        .await
        .unwrap();
    if r.status().is_success() || r.status().is_redirection() {
        Ok(c)
    } else {
        Err(r.status())
    }
}

/// A browser-like client signed in to the portal as `email` with `password`.
pub async fn portal_as(app: &TestApp, email: &str, password: &str) -> reqwest::Client {
    portal_sign_in_as(app, email, password)
        .await
        .unwrap_or_else(|s| panic!("{email} could not sign in: {s}"))
}

/// A browser-like client signed in to the portal as `email` (with [`PASSWORD`]).
pub async fn portal(app: &TestApp, email: &str) -> reqwest::Client {
    portal_as(app, email, PASSWORD).await
}

async fn fn_answer(r: reqwest::Response) -> (reqwest::StatusCode, serde_json::Value) {
    let status = r.status();
    let text = r.text().await.unwrap();
    (
        status,
        serde_json::from_str(&text).unwrap_or(serde_json::Value::String(text)),
    )
}

/// Calls a server function with a JSON body, as the portal's `input = Json` functions take it.
pub async fn json_fn(
    app: &TestApp,
    c: &reqwest::Client,
    name: &str,
    args: serde_json::Value,
) -> (reqwest::StatusCode, serde_json::Value) {
    let r = c
        .post(app.url(&format!("/api/fn/{name}")))
        .header("accept", "application/json")
        .json(&args)
        .send()
        .await
        .unwrap();
    fn_answer(r).await
}

/// Calls a server function with url-encoded arguments (the default encoding).
pub async fn form_fn(
    app: &TestApp,
    c: &reqwest::Client,
    name: &str,
    args: &[(&str, &str)],
) -> (reqwest::StatusCode, serde_json::Value) {
    let r = c
        .post(app.url(&format!("/api/fn/{name}")))
        .header("accept", "application/json")
        .form(args)
        .send()
        .await
        .unwrap();
    fn_answer(r).await
}
