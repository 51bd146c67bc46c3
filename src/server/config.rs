//! One typed configuration, read once at start-up.
//!
//! Precedence (lowest to highest): built-in development defaults, `Leptos.toml`, `.env`, the process
//! environment. Production mode refuses to start with a missing or development secret and names the
//! variable to set.

use std::{collections::HashMap, fmt, net::SocketAddr, path::PathBuf, str::FromStr};

use serde::Deserialize;

/// Where the server runs. Only `Production` hardens cookies, logs JSON and demands real secrets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Environment {
    Development,
    Test,
    Production,
}

impl FromStr for Environment {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "development" | "dev" => Ok(Self::Development),
            "test" => Ok(Self::Test),
            "production" | "prod" => Ok(Self::Production),
            other => Err(format!(
                "unknown environment {other:?}; use development, test or production"
            )),
        }
    }
}

impl Environment {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Development => "development",
            Self::Test => "test",
            Self::Production => "production",
        }
    }
    pub fn is_production(self) -> bool {
        self == Self::Production
    }
}

/// A secret that never prints itself.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

/// Development-only secrets: fine on a laptop, refused in production.
pub const DEV_JWT_SECRET: &str = "pulse-development-jwt-secret-not-for-production-use";
pub const DEV_SESSION_SECRET: &str = "pulse-development-session-secret-not-for-production-use";
const MIN_SECRET_LEN: usize = 32;

#[derive(Debug, Clone)]
pub struct Config {
    pub env: Environment,
    pub site_addr: SocketAddr,
    pub public_url: String,
    pub site_root: PathBuf,
    pub site_pkg_dir: String,
    pub output_name: String,
    pub reload_port: u32,
    pub request_body_limit_bytes: usize,
    pub request_timeout_secs: u64,
    pub database_url: String,
    pub database_max_connections: u32,
    pub redis_url: Option<String>,
    pub jwt_secret: Secret,
    pub session_secret: Secret,
    pub smtp_url: Option<String>,
    pub mail_from: String,
    pub google_client_id: Option<String>,
    pub google_client_secret: Option<Secret>,
    pub google_issuer_url: String,
    pub business_timezone: chrono_tz::Tz,
    /// Log as JSON lines (production default) or human-readable text.
    pub log_json: bool,
    /// Sign-in lockout: the first lock (at the 3rd consecutive failure) lasts this long, doubling with
    /// each further failure up to `lockout_max_secs`.
    pub lockout_base_secs: u64,
    pub lockout_max_secs: u64,
    /// The per-IP limit on `/api/v1`: at most `rate_limit_max_requests` per window; 0 turns it off.
    pub rate_limit_max_requests: u32,
    pub rate_limit_window_secs: u64,
    /// The per-IP limit on the portal's server functions other than sign-in and password ones
    /// (those share the API's); 0 turns it off.
    pub rate_limit_fn_max_requests: u32,
    /// Password hashing workers (below the core count) and the queue in front of them; sign-ins
    /// beyond the queue get 503 with `Retry-After`.
    pub password_hash_workers: usize,
    pub password_hash_queue: usize,
    /// The public catalog's response cache (`CATALOG_CACHE=false` turns it off, for measuring the
    /// uncached path) and how many distinct requests it keeps per catalog version.
    pub catalog_cache: bool,
    pub catalog_cache_entries: usize,
    /// The live layer's timings (seconds): presence TTL, presence heartbeat, engine.io ping.
    pub live_presence_ttl_secs: u64,
    pub live_heartbeat_secs: u64,
    pub live_ping_interval_secs: u64,
    pub live_ping_timeout_secs: u64,
    /// Uploads: the local directory (embedded default), or an S3(-compatible) bucket, and the base of
    /// their public URLs (a CDN, say).
    pub media_dir: PathBuf,
    pub media_s3_bucket: Option<String>,
    pub media_s3_endpoint: Option<String>,
    pub media_s3_region: Option<String>,
    pub media_s3_access_key_id: Option<String>,
    pub media_s3_secret_access_key: Option<Secret>,
    pub media_base_url: Option<String>,
    /// Push through FCM HTTP v1: a service account (JSON, or a path to it), and FCM's base URL.
    pub fcm_service_account: Option<Secret>,
    pub fcm_base_url: String,
    /// SMS through Twilio's Messages API.
    pub twilio_account_sid: Option<String>,
    pub twilio_auth_token: Option<Secret>,
    pub twilio_from: Option<String>,
    pub twilio_base_url: String,
    /// Stripe: the secret API key, the webhook signing secret and the API's base URL.
    pub stripe_secret_key: Option<Secret>,
    pub stripe_webhook_secret: Option<Secret>,
    pub stripe_base_url: String,
    /// JazzCash hosted checkout: the merchant's id, password and integrity salt, the checkout
    /// page's address, and where JazzCash sends the customer back (`/api/v1/payments/jazzcash/return`
    /// on `PUBLIC_URL` unless set).
    pub jazzcash_merchant_id: Option<String>,
    pub jazzcash_password: Option<Secret>,
    pub jazzcash_integrity_salt: Option<Secret>,
    pub jazzcash_checkout_url: String,
    pub jazzcash_return_url: Option<String>,
    /// Where the JazzCash return page sends the app's web view (`/payment-success`, `/payment-failed`);
    /// `PUBLIC_URL` unless set.
    pub frontend_url: Option<String>,
    /// The currency every price is in (ISO 4217, lower case), as the app sends it to Stripe.
    pub currency: String,
    /// The outbox's retries: the first wait (doubling each time) and how many tries in all.
    pub outbox_retry_base_ms: u64,
    pub outbox_max_attempts: i32,
    /// Reminders, in minutes before an appointment (default 24 h and 2 h).
    pub reminder_minutes: Vec<i32>,
    /// The socket.io Redis adapter's channel prefix: instances with the same prefix form one
    /// cluster (tests give each test its own).
    pub live_redis_prefix: String,
    /// How many reverse proxies (NGINX) stand in front: the client address is taken from
    /// `X-Forwarded-For` that many hops from the right. 0 trusts no header.
    pub trust_proxy_hops: usize,
}

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum ConfigError {
    #[error("{var} is invalid: {reason}")]
    Invalid { var: &'static str, reason: String },
    #[error("{var} must be set in production ({reason})")]
    MissingInProduction { var: &'static str, reason: String },
    #[error("cannot read {path}: {reason}")]
    File { path: String, reason: String },
}

/// The shape of `Leptos.toml`; every field is optional so a partial file works.
#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
struct FileSettings {
    server: ServerSection,
    database: DatabaseSection,
    business: BusinessSection,
    mail: MailSection,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
struct ServerSection {
    site_addr: Option<String>,
    public_url: Option<String>,
    site_root: Option<String>,
    site_pkg_dir: Option<String>,
    output_name: Option<String>,
    request_body_limit_bytes: Option<usize>,
    request_timeout_secs: Option<u64>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
struct DatabaseSection {
    url: Option<String>,
    max_connections: Option<u32>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
struct BusinessSection {
    timezone: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
struct MailSection {
    from: Option<String>,
}

impl Config {
    /// Reads `.env` (if present), `Leptos.toml` (or `PULSE_CONFIG`) and the environment.
    pub fn from_env() -> Result<Self, ConfigError> {
        // A missing .env is normal; a malformed one is worth a warning but not a crash.
        if let Err(e) = dotenvy::dotenv() {
            if !e.not_found() {
                eprintln!("warning: ignoring .env: {e}");
            }
        }
        let vars: HashMap<String, String> = std::env::vars().collect();
        let path = vars
            .get("PULSE_CONFIG")
            .cloned()
            .unwrap_or_else(|| "Leptos.toml".to_owned());
        let file = match std::fs::read_to_string(&path) {
            Ok(text) => Some(text),
            // Only an explicitly named file must exist.
            Err(e) if e.kind() == std::io::ErrorKind::NotFound && !vars.contains_key("PULSE_CONFIG") => None,
            Err(e) => {
                return Err(ConfigError::File {
                    path,
                    reason: e.to_string(),
                })
            }
        };
        Self::from_sources(file.as_deref(), &vars)
    }

    /// Builds the configuration from a settings file's text and a set of variables (pure, for tests).
    pub fn from_sources(file: Option<&str>, vars: &HashMap<String, String>) -> Result<Self, ConfigError> {
        let settings: FileSettings = match file {
            Some(text) => toml::from_str(text).map_err(|e| ConfigError::File {
                path: "Leptos.toml".into(),
                reason: e.to_string(),
            })?,
            None => FileSettings::default(),
        };
        let var = |name: &str| {
            vars.get(name)
                .map(|v| v.trim().to_owned())
                .filter(|v| !v.is_empty())
        };

        let explicit_env: Option<Environment> = parse_var("PULSE_ENV", var("PULSE_ENV"))?;
        let env = explicit_env.unwrap_or(Environment::Development);

        let site_addr_raw = var("LEPTOS_SITE_ADDR")
            .or(settings.server.site_addr)
            .unwrap_or_else(|| "127.0.0.1:3000".into());
        let site_addr: SocketAddr = site_addr_raw.parse().map_err(|e| ConfigError::Invalid {
            var: "LEPTOS_SITE_ADDR",
            reason: format!("{site_addr_raw:?} is not host:port ({e})"),
        })?;
        // The development default (public secrets, first-run Owner) is for a laptop. A server that
        // listens beyond loopback must say what it is, so a forgotten PULSE_ENV cannot ship dev secrets.
        if explicit_env.is_none() && !site_addr.ip().is_loopback() {
            return Err(ConfigError::Invalid {
                var: "PULSE_ENV",
                reason: format!(
                    "must be set explicitly (production, or development) when listening on {site_addr}"
                ),
            });
        }

        let public_url = var("PUBLIC_URL")
            .or(settings.server.public_url.filter(|s| !s.is_empty()))
            .unwrap_or_else(|| format!("http://{site_addr}"))
            .trim_end_matches('/')
            .to_owned();
        if !(public_url.starts_with("http://") || public_url.starts_with("https://")) {
            return Err(ConfigError::Invalid {
                var: "PUBLIC_URL",
                reason: "must start with http:// or https://".into(),
            });
        }

        let database_url = var("DATABASE_URL")
            .or(settings.database.url)
            .unwrap_or_else(|| "sqlite://data/pulse.db".into());
        if !(database_url.starts_with("sqlite:")
            || database_url.starts_with("postgres://")
            || database_url.starts_with("postgresql://"))
        {
            return Err(ConfigError::Invalid {
                var: "DATABASE_URL",
                reason: "use sqlite://<file> or postgres://user@host/db".into(),
            });
        }
        let database_max_connections =
            parse_var("DATABASE_MAX_CONNECTIONS", var("DATABASE_MAX_CONNECTIONS"))?
                .or(settings.database.max_connections)
                .unwrap_or(20);
        if database_max_connections == 0 {
            return Err(ConfigError::Invalid {
                var: "DATABASE_MAX_CONNECTIONS",
                reason: "must be at least 1".into(),
            });
        }

        let redis_url = var("REDIS_URL");
        if let Some(url) = &redis_url {
            if !(url.starts_with("redis://") || url.starts_with("rediss://")) {
                return Err(ConfigError::Invalid {
                    var: "REDIS_URL",
                    reason: "use redis://host:port[/db]".into(),
                });
            }
        }

        let jwt_secret = secret(env, "JWT_SECRET", var("JWT_SECRET"), DEV_JWT_SECRET)?;
        let session_secret = secret(env, "SESSION_SECRET", var("SESSION_SECRET"), DEV_SESSION_SECRET)?;
        if env.is_production() && jwt_secret == session_secret {
            return Err(ConfigError::MissingInProduction {
                var: "SESSION_SECRET",
                reason: "it must differ from JWT_SECRET".into(),
            });
        }

        let tz_raw = var("BUSINESS_TIMEZONE")
            .or(settings.business.timezone)
            .unwrap_or_else(|| "UTC".into());
        let business_timezone: chrono_tz::Tz = tz_raw.parse().map_err(|_| ConfigError::Invalid {
            var: "BUSINESS_TIMEZONE",
            reason: format!("{tz_raw:?} is not an IANA time zone such as Europe/London"),
        })?;

        let google_client_id = var("GOOGLE_CLIENT_ID");
        let google_client_secret = var("GOOGLE_CLIENT_SECRET").map(Secret::new);
        if google_client_id.is_some() != google_client_secret.is_some() {
            return Err(ConfigError::Invalid {
                var: if google_client_id.is_some() {
                    "GOOGLE_CLIENT_SECRET"
                } else {
                    "GOOGLE_CLIENT_ID"
                },
                reason: "GOOGLE_CLIENT_ID and GOOGLE_CLIENT_SECRET are set together or not at all".into(),
            });
        }

        let google_issuer_url =
            var("GOOGLE_ISSUER_URL").unwrap_or_else(|| "https://accounts.google.com".into());
        if env.is_production() && google_client_id.is_some() && !google_issuer_url.starts_with("https://") {
            return Err(ConfigError::Invalid {
                var: "GOOGLE_ISSUER_URL",
                reason: "must be an https:// URL in production".into(),
            });
        }

        // Providers are set whole or not at all: half a setting would switch a channel off quietly.
        let together = |names: &[&'static str]| {
            let set = names.iter().filter(|n| var(n).is_some()).count();
            if set != 0 && set != names.len() {
                return Err(ConfigError::Invalid {
                    var: names[0],
                    reason: format!("{} are set together or not at all", names.join(", ")),
                });
            }
            Ok(())
        };
        together(&["TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN", "TWILIO_FROM"])?;
        together(&["MEDIA_S3_ACCESS_KEY_ID", "MEDIA_S3_SECRET_ACCESS_KEY"])?;
        together(&["STRIPE_SECRET_KEY", "STRIPE_WEBHOOK_SECRET"])?;
        together(&[
            "JAZZCASH_MERCHANT_ID",
            "JAZZCASH_PASSWORD",
            "JAZZCASH_INTEGRITY_SALT",
        ])?;
        let currency = var("CURRENCY")
            .unwrap_or_else(|| "pkr".into())
            .to_ascii_lowercase();
        if currency.len() != 3 || !currency.bytes().all(|b| b.is_ascii_lowercase()) {
            return Err(ConfigError::Invalid {
                var: "CURRENCY",
                reason: "must be a three-letter ISO 4217 code such as pkr".into(),
            });
        }
        if var("JAZZCASH_MERCHANT_ID").is_some() && currency != "pkr" {
            return Err(ConfigError::Invalid {
                var: "CURRENCY",
                reason: "JazzCash takes Pakistani rupees only: CURRENCY must be pkr when JAZZCASH_* is set"
                    .into(),
            });
        }
        if env.is_production() {
            for name in [
                "FCM_BASE_URL",
                "TWILIO_BASE_URL",
                "MEDIA_S3_ENDPOINT",
                "STRIPE_BASE_URL",
                "JAZZCASH_CHECKOUT_URL",
                "JAZZCASH_RETURN_URL",
            ] {
                if var(name).is_some_and(|u| !u.starts_with("https://")) {
                    return Err(ConfigError::Invalid {
                        var: name,
                        reason: "must be an https:// URL in production".into(),
                    });
                }
            }
        }
        Ok(Self {
            env,
            site_addr,
            public_url,
            site_root: PathBuf::from(
                var("LEPTOS_SITE_ROOT")
                    .or(settings.server.site_root)
                    .unwrap_or_else(|| "target/site".into()),
            ),
            site_pkg_dir: var("LEPTOS_SITE_PKG_DIR")
                .or(settings.server.site_pkg_dir)
                .unwrap_or_else(|| "pkg".into()),
            output_name: var("LEPTOS_OUTPUT_NAME")
                .or(settings.server.output_name)
                .unwrap_or_else(|| "pulse".into()),
            reload_port: parse_var("LEPTOS_RELOAD_PORT", var("LEPTOS_RELOAD_PORT"))?.unwrap_or(3001),
            request_body_limit_bytes: parse_var("PULSE_BODY_LIMIT_BYTES", var("PULSE_BODY_LIMIT_BYTES"))?
                .or(settings.server.request_body_limit_bytes)
                .unwrap_or(10 * 1024 * 1024),
            request_timeout_secs: parse_var("PULSE_REQUEST_TIMEOUT_SECS", var("PULSE_REQUEST_TIMEOUT_SECS"))?
                .or(settings.server.request_timeout_secs)
                .unwrap_or(30),
            database_url,
            database_max_connections,
            redis_url,
            jwt_secret,
            session_secret,
            smtp_url: var("SMTP_URL"),
            mail_from: var("MAIL_FROM")
                .or(settings.mail.from)
                .unwrap_or_else(|| "Pulse <no-reply@pulse.localhost>".into()),
            google_client_id,
            google_client_secret,
            google_issuer_url,
            business_timezone,
            log_json: parse_var::<bool>("PULSE_LOG_JSON", var("PULSE_LOG_JSON"))?
                .unwrap_or(env.is_production()),
            lockout_base_secs: parse_var("PULSE_LOCKOUT_BASE_SECS", var("PULSE_LOCKOUT_BASE_SECS"))?
                .unwrap_or(30),
            lockout_max_secs: parse_var("PULSE_LOCKOUT_MAX_SECS", var("PULSE_LOCKOUT_MAX_SECS"))?
                .unwrap_or(15 * 60),
            rate_limit_max_requests: parse_var("RATE_LIMIT_MAX_REQUESTS", var("RATE_LIMIT_MAX_REQUESTS"))?
                .unwrap_or(100),
            rate_limit_window_secs: match parse_var::<u64>("RATE_LIMIT_WINDOW", var("RATE_LIMIT_WINDOW"))? {
                // In minutes, as the old backend read it.
                Some(0) => {
                    return Err(ConfigError::Invalid {
                        var: "RATE_LIMIT_WINDOW",
                        reason: "must be at least 1 (minutes)".into(),
                    })
                }
                Some(minutes) => minutes.saturating_mul(60),
                None => 15 * 60,
            },
            rate_limit_fn_max_requests: parse_var(
                "RATE_LIMIT_FN_MAX_REQUESTS",
                var("RATE_LIMIT_FN_MAX_REQUESTS"),
            )?
            .unwrap_or(1000),
            password_hash_workers: parse_var("PASSWORD_HASH_WORKERS", var("PASSWORD_HASH_WORKERS"))?
                .unwrap_or_else(super::identity::password::default_workers),
            password_hash_queue: parse_var("PASSWORD_HASH_QUEUE", var("PASSWORD_HASH_QUEUE"))?.unwrap_or(32),
            catalog_cache: parse_var::<bool>("CATALOG_CACHE", var("CATALOG_CACHE"))?.unwrap_or(true),
            catalog_cache_entries: parse_var("CATALOG_CACHE_ENTRIES", var("CATALOG_CACHE_ENTRIES"))?
                .unwrap_or(512),
            live_presence_ttl_secs: parse_var("LIVE_PRESENCE_TTL_SECS", var("LIVE_PRESENCE_TTL_SECS"))?
                .unwrap_or(60),
            live_heartbeat_secs: parse_var("LIVE_HEARTBEAT_SECS", var("LIVE_HEARTBEAT_SECS"))?.unwrap_or(30),
            live_ping_interval_secs: parse_var("LIVE_PING_INTERVAL_SECS", var("LIVE_PING_INTERVAL_SECS"))?
                .unwrap_or(25),
            live_ping_timeout_secs: parse_var("LIVE_PING_TIMEOUT_SECS", var("LIVE_PING_TIMEOUT_SECS"))?
                .unwrap_or(20),
            live_redis_prefix: var("LIVE_REDIS_PREFIX").unwrap_or_else(|| "pulse-sio".into()),
            media_dir: PathBuf::from(var("MEDIA_DIR").unwrap_or_else(|| "data/uploads".into())),
            media_s3_bucket: var("MEDIA_S3_BUCKET"),
            media_s3_endpoint: var("MEDIA_S3_ENDPOINT"),
            media_s3_region: var("MEDIA_S3_REGION"),
            media_s3_access_key_id: var("MEDIA_S3_ACCESS_KEY_ID"),
            media_s3_secret_access_key: var("MEDIA_S3_SECRET_ACCESS_KEY").map(Secret::new),
            media_base_url: var("MEDIA_BASE_URL"),
            fcm_service_account: var("FCM_SERVICE_ACCOUNT").map(Secret::new),
            fcm_base_url: var("FCM_BASE_URL").unwrap_or_else(|| "https://fcm.googleapis.com".into()),
            twilio_account_sid: var("TWILIO_ACCOUNT_SID"),
            twilio_auth_token: var("TWILIO_AUTH_TOKEN").map(Secret::new),
            twilio_from: var("TWILIO_FROM"),
            twilio_base_url: var("TWILIO_BASE_URL").unwrap_or_else(|| "https://api.twilio.com".into()),
            stripe_secret_key: var("STRIPE_SECRET_KEY").map(Secret::new),
            stripe_webhook_secret: var("STRIPE_WEBHOOK_SECRET").map(Secret::new),
            stripe_base_url: var("STRIPE_BASE_URL").unwrap_or_else(|| "https://api.stripe.com".into()),
            jazzcash_merchant_id: var("JAZZCASH_MERCHANT_ID"),
            jazzcash_password: var("JAZZCASH_PASSWORD").map(Secret::new),
            jazzcash_integrity_salt: var("JAZZCASH_INTEGRITY_SALT").map(Secret::new),
            jazzcash_checkout_url: var("JAZZCASH_CHECKOUT_URL").unwrap_or_else(|| {
                "https://sandbox.jazzcash.com.pk/CustomerPortal/transactionmanagement/merchantform/".into()
            }),
            jazzcash_return_url: var("JAZZCASH_RETURN_URL"),
            frontend_url: var("FRONTEND_URL"),
            currency,
            outbox_retry_base_ms: parse_var("OUTBOX_RETRY_BASE_MS", var("OUTBOX_RETRY_BASE_MS"))?
                .unwrap_or(5000),
            outbox_max_attempts: parse_var("OUTBOX_MAX_ATTEMPTS", var("OUTBOX_MAX_ATTEMPTS"))?
                .unwrap_or(8)
                .max(1),
            reminder_minutes: match var("REMINDER_MINUTES") {
                None => vec![24 * 60, 120],
                Some(raw) => raw
                    .split(',')
                    .map(|m| m.trim().parse::<i32>().ok().filter(|m| *m > 0))
                    .collect::<Option<Vec<i32>>>()
                    .ok_or_else(|| ConfigError::Invalid {
                        var: "REMINDER_MINUTES",
                        reason: "must be whole minutes, separated by commas (for example 1440,120)".into(),
                    })?,
            },
            trust_proxy_hops: parse_var("TRUST_PROXY", var("TRUST_PROXY"))?.unwrap_or(0),
        })
    }

    /// Where JazzCash posts the customer back to.
    pub fn jazzcash_return_url(&self) -> String {
        self.jazzcash_return_url.clone().unwrap_or_else(|| {
            format!(
                "{}/api/v1/payments/jazzcash/return",
                self.public_url.trim_end_matches('/')
            )
        })
    }

    /// The base of the pages the app's payment web view watches for.
    pub fn frontend_url(&self) -> String {
        self.frontend_url
            .clone()
            .unwrap_or_else(|| self.public_url.clone())
            .trim_end_matches('/')
            .to_owned()
    }

    pub fn is_sqlite(&self) -> bool {
        self.database_url.starts_with("sqlite:")
    }
}

fn parse_var<T: FromStr>(name: &'static str, raw: Option<String>) -> Result<Option<T>, ConfigError>
where
    T::Err: fmt::Display,
{
    raw.map(|v| {
        v.parse::<T>().map_err(|e| ConfigError::Invalid {
            var: name,
            reason: format!("{v:?}: {e}"),
        })
    })
    .transpose()
}

fn secret(
    env: Environment,
    name: &'static str,
    value: Option<String>,
    dev_default: &str,
) -> Result<Secret, ConfigError> {
    match (env, value) {
        (Environment::Production, None) => Err(ConfigError::MissingInProduction {
            var: name,
            reason: format!("a random value of at least {MIN_SECRET_LEN} characters"),
        }),
        (Environment::Production, Some(v)) if v == DEV_JWT_SECRET || v == DEV_SESSION_SECRET => {
            Err(ConfigError::MissingInProduction {
                var: name,
                reason: "it still holds a development default".into(),
            })
        }
        (Environment::Production, Some(v)) if v.len() < MIN_SECRET_LEN => {
            Err(ConfigError::MissingInProduction {
                var: name,
                reason: format!("it is shorter than {MIN_SECRET_LEN} characters"),
            })
        }
        (_, Some(v)) => Ok(Secret::new(v)),
        (_, None) => Ok(Secret::new(dev_default)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn empty_environment_gives_the_embedded_development_default() {
        let c = Config::from_sources(None, &vars(&[])).unwrap();
        assert_eq!(c.env, Environment::Development);
        assert_eq!(c.database_url, "sqlite://data/pulse.db");
        assert!(c.redis_url.is_none());
        assert_eq!(c.site_addr.to_string(), "127.0.0.1:3000");
        assert_eq!(c.public_url, "http://127.0.0.1:3000");
        assert!(!c.log_json);
    }

    #[test]
    fn the_project_leptos_toml_parses() {
        let text = include_str!("../../Leptos.toml");
        let c = Config::from_sources(Some(text), &vars(&[])).unwrap();
        assert_eq!(c.database_max_connections, 20);
        assert_eq!(c.output_name, "pulse");
    }

    #[test]
    fn environment_overrides_the_file() {
        let c = Config::from_sources(
            Some("[server]\nsite_addr = \"127.0.0.1:4000\"\n"),
            &vars(&[
                ("LEPTOS_SITE_ADDR", "0.0.0.0:8080"),
                ("PULSE_ENV", "development"),
                ("DATABASE_URL", "postgres://x@h/db"),
            ]),
        )
        .unwrap();
        assert_eq!(c.site_addr.to_string(), "0.0.0.0:8080");
        assert!(!c.is_sqlite());
    }

    #[test]
    fn providers_are_configured_whole_or_not_at_all() {
        let err = Config::from_sources(
            None,
            &vars(&[("TWILIO_ACCOUNT_SID", "AC1"), ("TWILIO_FROM", "+15550000")]),
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("TWILIO_AUTH_TOKEN"), "{err}");
        let err = Config::from_sources(None, &vars(&[("MEDIA_S3_ACCESS_KEY_ID", "key")]))
            .unwrap_err()
            .to_string();
        assert!(err.contains("MEDIA_S3_SECRET_ACCESS_KEY"), "{err}");
        assert!(Config::from_sources(None, &vars(&[("FCM_BASE_URL", "http://127.0.0.1:9")])).is_ok());
    }

    /// A production configuration with the given secrets (`None`: unset).
    fn production(jwt: Option<&str>, session: Option<&str>) -> Result<Config, ConfigError> {
        let mut v = vars(&[("PULSE_ENV", "production")]);
        if let Some(j) = jwt {
            v.insert("JWT_SECRET".into(), j.into());
        }
        if let Some(s) = session {
            v.insert("SESSION_SECRET".into(), s.into());
        }
        Config::from_sources(None, &v)
    }

    #[test]
    fn production_refuses_missing_default_short_or_shared_secrets_and_names_the_variable() {
        let long = "x".repeat(40);
        let other = "y".repeat(40);
        let refused = |jwt: Option<&str>, session: Option<&str>, names: &str, why: &str| {
            let err = production(jwt, session).unwrap_err().to_string();
            assert!(err.contains(names) && err.contains(why), "{err}");
        };
        refused(None, Some(&long), "JWT_SECRET", "must be set");
        refused(Some(&long), None, "SESSION_SECRET", "must be set");
        refused(
            Some(DEV_JWT_SECRET),
            Some(&long),
            "JWT_SECRET",
            "development default",
        );
        refused(
            Some(DEV_SESSION_SECRET),
            Some(&long),
            "JWT_SECRET",
            "development default",
        );
        refused(Some("short"), Some(&long), "JWT_SECRET", "shorter");
        refused(Some(&long), Some(&long), "SESSION_SECRET", "differ");
        assert!(production(Some(&long), Some(&other)).unwrap().log_json);
    }

    #[test]
    fn listening_beyond_loopback_needs_an_explicit_environment() {
        let err = Config::from_sources(None, &vars(&[("LEPTOS_SITE_ADDR", "0.0.0.0:3000")])).unwrap_err();
        assert!(err.to_string().contains("PULSE_ENV"), "{err}");
        let explicit = vars(&[("LEPTOS_SITE_ADDR", "0.0.0.0:3000"), ("PULSE_ENV", "development")]);
        assert!(Config::from_sources(None, &explicit).is_ok());
    }

    #[test]
    fn bad_values_name_their_variable() {
        for (k, v) in [
            ("PULSE_ENV", "staging"),
            ("LEPTOS_SITE_ADDR", "nowhere"),
            ("DATABASE_URL", "mysql://x"),
            ("REDIS_URL", "http://x"),
            ("BUSINESS_TIMEZONE", "Mars/Olympus"),
            ("DATABASE_MAX_CONNECTIONS", "many"),
        ] {
            let err = Config::from_sources(None, &vars(&[(k, v)])).unwrap_err();
            assert!(err.to_string().contains(k), "{k}: {err}");
        }
    }

    #[test]
    fn secrets_do_not_print() {
        let c = Config::from_sources(None, &vars(&[])).unwrap();
        assert!(!format!("{c:?}").contains(DEV_JWT_SECRET));
    }
}
