//! The global per-IP request limit on `/api/v1` and the Google sign-in redirects (contract §5): at most `RATE_LIMIT_MAX_REQUESTS`
//! per `RATE_LIMIT_WINDOW` minutes, default 100 per 15 minutes, answered with 429 and the
//! contract's `{success:false, message:"Too many requests."}`.
//!
//! - In process (no `REDIS_URL`): governor's keyed GCRA limiter. A client may burst up to the
//!   maximum, which then refills evenly over the window.
//! - With Redis: a fixed-window counter per IP shared by every instance, so the limit holds for the
//!   service, not per instance. A Redis outage lets requests through (logged): losing the limiter
//!   for a while beats refusing every customer. The counts of requests arriving together go to Redis
//!   in one pipeline (`coalesce`): each request still gets a count of its own, so the limit stays
//!   exact, but a busy instance pays one round trip per batch instead of one per request.
//!
//! (tower_governor wraps the same governor limiter but keeps state only in process, which a
//! scaled-out deployment cannot share; so this is one small middleware with both stores.)

use std::{
    net::IpAddr,
    num::NonZeroU32,
    sync::Arc,
    time::{Duration, SystemTime, UNIX_EPOCH},
};

use axum::{
    extract::{Request, State},
    http::{HeaderMap, HeaderValue},
    middleware::Next,
    response::Response,
};
use governor::{
    clock::{Clock, DefaultClock},
    middleware::StateInformationMiddleware,
    state::keyed::DefaultKeyedStateStore,
    Quota, RateLimiter,
};
use tower_sessions_redis_store::fred::{prelude::*, types::ExpireOptions};

use futures_util::future::BoxFuture;

use super::{client_addr, coalesce::Coalescer, config::Config, redis::RedisPool, state::AppState};

type LocalLimiter =
    RateLimiter<IpAddr, DefaultKeyedStateStore<IpAddr>, DefaultClock, StateInformationMiddleware>;

#[derive(Clone)]
pub enum Limiter {
    Off,
    Local {
        limiter: Arc<LocalLimiter>,
        max: u32,
    },
    Shared {
        counter: Coalescer<Count, Result<u64, String>>,
        max: u32,
        window_secs: u64,
        /// Keeps the counters of different limits apart in Redis.
        namespace: &'static str,
    },
}

/// The outcome for one request.
struct Verdict {
    allowed: bool,
    max: u32,
    remaining: u32,
    /// Seconds until the client may send again (when refused) or the window resets; unknown for an
    /// allowed request in process (GCRA has no window).
    reset_secs: Option<u64>,
}

impl Limiter {
    /// The limit on `/api/v1` (and the credential server functions).
    pub fn from_config(config: &Config, redis: Option<&RedisPool>) -> Self {
        Self::new(
            config.rate_limit_max_requests,
            config.rate_limit_window_secs,
            redis,
            "api",
        )
    }

    /// The more generous limit on the portal's other server functions, which signed-in pages call
    /// as they load: enough for anyone using the portal, not for a script hammering it.
    pub fn for_server_functions(config: &Config, redis: Option<&RedisPool>) -> Self {
        Self::new(
            config.rate_limit_fn_max_requests,
            config.rate_limit_window_secs,
            redis,
            "fn",
        )
    }

    fn new(max: u32, window_secs: u64, redis: Option<&RedisPool>, namespace: &'static str) -> Self {
        let Some(max) = NonZeroU32::new(max) else {
            return Self::Off;
        };
        let window_secs = window_secs.max(1);
        match redis {
            Some(pool) => Self::Shared {
                counter: counter(pool.clone()),
                max: max.get(),
                window_secs,
                namespace,
            },
            None => {
                let period = Duration::from_secs(window_secs) / max.get();
                let quota = Quota::with_period(period.max(Duration::from_nanos(1)))
                    .unwrap_or_else(|| Quota::per_second(max))
                    .allow_burst(max);
                let limiter =
                    Arc::new(RateLimiter::keyed(quota).with_middleware::<StateInformationMiddleware>());
                // Forget clients whose allowance is full again, so the map does not grow forever.
                let weak = Arc::downgrade(&limiter);
                tokio::spawn(async move {
                    let mut tick = tokio::time::interval(Duration::from_secs(60));
                    loop {
                        tick.tick().await;
                        let Some(limiter) = weak.upgrade() else { break };
                        limiter.retain_recent();
                        limiter.shrink_to_fit();
                    }
                });
                Self::Local {
                    limiter,
                    max: max.get(),
                }
            }
        }
    }

    async fn check(&self, ip: IpAddr) -> Option<Verdict> {
        match self {
            Self::Off => None,
            Self::Local { limiter, max } => Some(match limiter.check_key(&ip) {
                Ok(snapshot) => Verdict {
                    allowed: true,
                    max: *max,
                    remaining: snapshot.remaining_burst_capacity(),
                    reset_secs: None,
                },
                Err(not_until) => Verdict {
                    allowed: false,
                    max: *max,
                    remaining: 0,
                    reset_secs: Some(not_until.wait_time_from(limiter.clock().now()).as_secs().max(1)),
                },
            }),
            Self::Shared {
                counter,
                max,
                window_secs,
                namespace,
            } => {
                let now = SystemTime::now()
                    .duration_since(UNIX_EPOCH)
                    .unwrap_or_default()
                    .as_secs();
                let window = now / window_secs;
                let key = format!("pulse:ratelimit:{namespace}:{ip}:{window}");
                let counted = counter
                    .run(Count {
                        key,
                        window_secs: *window_secs,
                    })
                    .await
                    .unwrap_or_else(|| Err("the counting batch was lost".into()));
                match counted {
                    Ok(n) => Some(Verdict {
                        allowed: n <= u64::from(*max),
                        max: *max,
                        remaining: u64::from(*max).saturating_sub(n) as u32,
                        reset_secs: Some((window + 1) * window_secs - now),
                    }),
                    Err(e) => {
                        tracing::warn!(error = %e, "rate limiter unavailable; letting the request through");
                        None
                    }
                }
            }
        }
    }
}

/// One request to count in its window's key.
pub struct Count {
    key: String,
    window_secs: u64,
}

/// Counts the requests of a batch with one pipeline: `INCRBY` by the number of requests for each
/// key (and the window's expiry, set by the first), then hands each request its own count in
/// arrival order, exactly as one `INCR` each would have.
fn counter(pool: RedisPool) -> Coalescer<Count, Result<u64, String>> {
    Coalescer::new(move |batch: Vec<Count>| {
        let pool = pool.clone();
        Box::pin(async move {
            // Distinct keys in first-seen order, with how many of the batch each one counts.
            let mut keys: Vec<(&str, u64, u64)> = Vec::new();
            let slots: Vec<(usize, u64)> = batch
                .iter()
                .map(|c| match keys.iter().position(|(k, _, _)| *k == c.key) {
                    Some(i) => {
                        keys[i].1 += 1;
                        (i, keys[i].1)
                    }
                    None => {
                        keys.push((&c.key, 1, c.window_secs));
                        (keys.len() - 1, 1)
                    }
                })
                .collect();
            match incr_all(&pool, &keys).await {
                Ok(totals) => slots
                    .into_iter()
                    .map(|(i, nth)| Ok(totals[i] - keys[i].1 + nth))
                    .collect(),
                Err(e) => batch.iter().map(|_| Err(e.to_string())).collect(),
            }
        }) as BoxFuture<'static, Vec<Result<u64, String>>>
    })
}

async fn incr_all(
    pool: &RedisPool,
    keys: &[(&str, u64, u64)],
) -> Result<Vec<u64>, tower_sessions_redis_store::fred::error::Error> {
    let pipeline = pool.next().pipeline();
    for (key, n, window_secs) in keys {
        let _: () = pipeline.incr_by(*key, *n as i64).await?;
        // NX: the first request of the window sets the expiry; later ones leave it.
        let _: () = pipeline
            .expire(*key, *window_secs as i64, Some(ExpireOptions::NX))
            .await?;
    }
    let replies: Vec<i64> = pipeline.all().await?;
    Ok(replies.into_iter().step_by(2).map(|n| n.max(0) as u64).collect())
}

/// Signed server-to-server callbacks, outside the per-address limit.
const PROVIDER_CALLBACKS: &[&str] = &["/payments/webhook", "/payments/jazzcash/notify"];

/// The middleware, for `/api/v1`.
pub async fn limit(State(state): State<AppState>, req: Request, next: Next) -> Response {
    // Payment providers call from a few addresses, and each call is believed only when signed:
    // counting them against a per-address limit would delay settlements in a busy hour.
    let path = req
        .extensions()
        .get::<axum::extract::OriginalUri>()
        .map_or(req.uri().path(), |u| u.0.path());
    if PROVIDER_CALLBACKS.contains(&path.strip_prefix("/api/v1").unwrap_or(path)) {
        return next.run(req).await;
    }
    let limiter = state.rate_limit.clone();
    apply(&state, &limiter, req, next).await
}

/// The middleware for the portal's server functions.
pub async fn limit_server_functions(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let limiter = state.fn_rate_limit.clone();
    apply(&state, &limiter, req, next).await
}

async fn apply(state: &AppState, limiter: &Limiter, req: Request, next: Next) -> Response {
    let surface = super::input_guard::Surface::of_request(&req);
    let (parts, body) = req.into_parts();
    let ip = client_addr::client_ip(&parts, state.config.trust_proxy_hops);
    let req = Request::from_parts(parts, body);
    let Some(ip) = ip.map(limit_key) else {
        return next.run(req).await;
    };
    let Some(verdict) = limiter.check(ip).await else {
        return next.run(req).await;
    };
    let mut response = if verdict.allowed {
        next.run(req).await
    } else {
        tracing::info!(%ip, "rate limited");
        // The contract's body for the API; the portal's error shape for server functions.
        surface.error(super::error::AppError::TooManyRequests {
            message: "Too many requests.".into(),
            retry_after_secs: verdict.reset_secs.unwrap_or(1),
        })
    };
    // The IETF draft's headers, as express-rate-limit sent them.
    let headers = response.headers_mut();
    insert(headers, "ratelimit-limit", u64::from(verdict.max));
    insert(headers, "ratelimit-remaining", u64::from(verdict.remaining));
    if let Some(reset) = verdict.reset_secs {
        insert(headers, "ratelimit-reset", reset);
    }
    response
}

/// The address a limit is counted for. An IPv6 client usually holds a whole /64, so each of its
/// addresses would otherwise get a limit of its own.
fn limit_key(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => {
            let bits = u128::from(v6) & !((1u128 << 64) - 1);
            IpAddr::V6(bits.into())
        }
        v4 => v4,
    }
}

fn insert(headers: &mut HeaderMap, name: &'static str, value: u64) {
    headers.insert(name, HeaderValue::from(value));
}
