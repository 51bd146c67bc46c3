//! Who is online: a user is online while at least one of their sockets lives, on any instance.
//!
//! With Redis: `user:{id}:online` exists (TTL `LIVE_PRESENCE_TTL_SECS`, 60 s) while the user has a
//! live socket, beside `user:{id}:sockets`, a sorted set of socket ids scored by when each lapses.
//! Every instance refreshes both for its own sockets on each heartbeat (30 s) and when a client
//! sends `heartbeat`, so a socket whose instance died lapses by itself. Joining and leaving run as
//! Lua scripts, so "the first socket came" and "the last socket went" are decided atomically across
//! instances. Without Redis the same rules hold in process.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use fred::prelude::*;
use uuid::Uuid;

use crate::server::redis::RedisPool;

fn online_key(user: Uuid) -> String {
    format!("user:{user}:online")
}

fn sockets_key(user: Uuid) -> String {
    format!("user:{user}:sockets")
}

/// KEYS: sockets, online. ARGV: socket id, lapse time (ms), ttl (s). Returns 1 if the user was
/// offline before.
const JOIN: &str = r#"
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[1])
redis.call('EXPIRE', KEYS[1], ARGV[3])
local was = redis.call('SET', KEYS[2], '1', 'EX', ARGV[3], 'GET')
if was then return 0 end
return 1
"#;

/// KEYS: sockets, online. ARGV: socket id, now (ms). Returns 1 if that was the user's last live
/// socket (lapsed ones from dead instances do not count).
const LEAVE: &str = r#"
redis.call('ZREM', KEYS[1], ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[2])
if redis.call('ZCARD', KEYS[1]) == 0 then
  redis.call('DEL', KEYS[1], KEYS[2])
  return 1
end
return 0
"#;

#[derive(Clone)]
pub enum Presence {
    Local {
        sockets: Arc<Mutex<HashMap<Uuid, HashMap<String, Instant>>>>,
        ttl: Duration,
    },
    Redis {
        pool: RedisPool,
        ttl: Duration,
    },
}

fn epoch_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

impl Presence {
    pub fn new(redis: Option<&RedisPool>, ttl: Duration) -> Self {
        match redis {
            Some(pool) => Self::Redis {
                pool: pool.clone(),
                ttl,
            },
            None => Self::Local {
                sockets: Arc::default(),
                ttl,
            },
        }
    }

    fn ttl(&self) -> Duration {
        match self {
            Self::Local { ttl, .. } | Self::Redis { ttl, .. } => *ttl,
        }
    }

    /// A socket of `user` connected. True when the user was offline until now.
    pub async fn joined(&self, user: Uuid, socket: &str) -> bool {
        match self {
            Self::Local { sockets, ttl } => {
                let mut map = sockets.lock().unwrap_or_else(|p| p.into_inner());
                let now = Instant::now();
                let entry = map.entry(user).or_default();
                entry.retain(|_, until| *until > now);
                let was_online = !entry.is_empty();
                entry.insert(socket.to_owned(), now + *ttl);
                !was_online
            }
            Self::Redis { pool, ttl } => {
                let lapse = epoch_ms() + ttl.as_millis() as i64;
                let result: Result<i64, _> = pool
                    .next()
                    .eval(
                        JOIN,
                        vec![sockets_key(user), online_key(user)],
                        vec![
                            socket.to_owned(),
                            lapse.to_string(),
                            ttl.as_secs().max(1).to_string(),
                        ],
                    )
                    .await;
                match result {
                    Ok(n) => n == 1,
                    Err(e) => {
                        tracing::warn!(error = %e, "presence: could not record a connection");
                        false
                    }
                }
            }
        }
    }

    /// A socket of `user` went. True when it was the user's last one (now offline).
    pub async fn left(&self, user: Uuid, socket: &str) -> bool {
        match self {
            Self::Local { sockets, .. } => {
                let mut map = sockets.lock().unwrap_or_else(|p| p.into_inner());
                let now = Instant::now();
                let Some(entry) = map.get_mut(&user) else {
                    return false;
                };
                entry.remove(socket);
                entry.retain(|_, until| *until > now);
                if entry.is_empty() {
                    map.remove(&user);
                    true
                } else {
                    false
                }
            }
            Self::Redis { pool, .. } => {
                let result: Result<i64, _> = pool
                    .next()
                    .eval(
                        LEAVE,
                        vec![sockets_key(user), online_key(user)],
                        vec![socket.to_owned(), epoch_ms().to_string()],
                    )
                    .await;
                match result {
                    Ok(n) => n == 1,
                    Err(e) => {
                        tracing::warn!(error = %e, "presence: could not record a disconnection");
                        false
                    }
                }
            }
        }
    }

    /// These sockets are alive: push their lapse time (and their users' online key) on by a TTL.
    pub async fn refresh(&self, live: &[(Uuid, String)]) {
        if live.is_empty() {
            return;
        }
        let ttl = self.ttl();
        match self {
            Self::Local { sockets, .. } => {
                let mut map = sockets.lock().unwrap_or_else(|p| p.into_inner());
                let until = Instant::now() + ttl;
                for (user, socket) in live {
                    map.entry(*user).or_default().insert(socket.clone(), until);
                }
            }
            Self::Redis { pool, .. } => {
                let lapse = (epoch_ms() + ttl.as_millis() as i64) as f64;
                let secs = ttl.as_secs().max(1) as i64;
                let pipeline = pool.next().pipeline();
                for (user, socket) in live {
                    let _: Result<(), _> = pipeline
                        .zadd(
                            sockets_key(*user),
                            None,
                            None,
                            false,
                            false,
                            (lapse, socket.as_str()),
                        )
                        .await;
                    let _: Result<(), _> = pipeline.expire(sockets_key(*user), secs, None).await;
                    let _: Result<(), _> = pipeline
                        .set(online_key(*user), 1, Some(Expiration::EX(secs)), None, false)
                        .await;
                }
                if let Err(e) = pipeline.all::<Vec<Value>>().await {
                    tracing::warn!(error = %e, "presence: could not refresh");
                }
            }
        }
    }

    /// Whether each of `users` is online now.
    pub async fn online(&self, users: &[Uuid]) -> Vec<bool> {
        match self {
            Self::Local { sockets, .. } => {
                let map = sockets.lock().unwrap_or_else(|p| p.into_inner());
                let now = Instant::now();
                users
                    .iter()
                    .map(|u| map.get(u).is_some_and(|s| s.values().any(|until| *until > now)))
                    .collect()
            }
            Self::Redis { pool, .. } => {
                if users.is_empty() {
                    return Vec::new();
                }
                let keys: Vec<String> = users.iter().map(|u| online_key(*u)).collect();
                // MGET answers in order, nil for an absent key.
                match pool.mget::<Vec<Option<String>>, _>(keys).await {
                    Ok(values) => values.into_iter().map(|v| v.is_some()).collect(),
                    Err(e) => {
                        tracing::warn!(error = %e, "presence: could not read");
                        vec![false; users.len()]
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn online_while_any_socket_lives_and_gone_after_the_ttl() {
        let p = Presence::new(None, Duration::from_millis(200));
        let u = Uuid::now_v7();
        assert!(p.joined(u, "a").await, "first socket: came online");
        assert!(!p.joined(u, "b").await);
        assert!(!p.left(u, "a").await, "b still lives");
        assert_eq!(p.online(&[u]).await, vec![true]);
        assert!(p.left(u, "b").await, "last socket: offline");
        assert_eq!(p.online(&[u]).await, vec![false]);
        // A socket that is never heard from again lapses.
        p.joined(u, "c").await;
        tokio::time::sleep(Duration::from_millis(250)).await;
        assert_eq!(p.online(&[u]).await, vec![false]);
    }
}
