//! The shared Redis pool (sessions now; presence, rate limits and caches later).

use std::time::Duration;

use tower_sessions_redis_store::fred::{self, prelude::*};

pub type RedisPool = fred::clients::Pool;

/// Builds the pool and starts connecting. An unreachable Redis does not stop start-up: the pool keeps
/// reconnecting in the background and `/readyz` reports Redis as down until it answers.
pub async fn connect(url: &str) -> Result<RedisPool, fred::error::Error> {
    let config = Config::from_url(url)?;
    let pool = Builder::from_config(config)
        // Retry the first connection too (fred's default gives up on it).
        .with_config(|c| c.fail_fast = false)
        .with_connection_config(|c| c.connection_timeout = Duration::from_secs(2))
        // Fail a command rather than hold a request while Redis is away (the default waits forever).
        .with_performance_config(|c| c.default_command_timeout = Duration::from_secs(2))
        .set_policy(ReconnectPolicy::new_exponential(0, 100, 5_000, 2))
        .build_pool(4)?;
    // The connection tasks run in the background; dropping their handle only detaches it.
    drop(pool.connect());
    match tokio::time::timeout(Duration::from_secs(3), pool.wait_for_connect()).await {
        Ok(Ok(())) => tracing::info!("connected to Redis"),
        Ok(Err(e)) => tracing::warn!(error = %e, "Redis is not reachable yet; retrying in the background"),
        Err(_) => tracing::warn!("Redis is not reachable yet; retrying in the background"),
    }
    Ok(pool)
}

/// PING with a short deadline that fails at once while disconnected, for readiness checks.
pub async fn ping(pool: &RedisPool) -> Result<(), String> {
    let opts = Options {
        timeout: Some(Duration::from_millis(500)),
        fail_fast: true,
        ..Default::default()
    };
    match tokio::time::timeout(
        Duration::from_secs(1),
        pool.with_options(&opts).ping::<String>(None),
    )
    .await
    {
        Ok(Ok(_)) => Ok(()),
        Ok(Err(e)) => Err(e.to_string()),
        Err(_) => Err("timed out".to_owned()),
    }
}
