//! The socket.io Redis adapter's connection, for an instance that must start, and keep serving,
//! while Redis is away (as the rest of Pulse does: `/readyz` says so, and everything recovers by
//! itself).
//!
//! socketioxide-redis's own fred driver waits for Redis before it exists and forgets a failed
//! subscription. This one connects in the background, remembers every channel it was asked for,
//! and subscribes them again each time the connection (re)opens. Meanwhile announcements fail and
//! are logged; sockets on this instance keep working.

use std::{
    collections::{HashMap, HashSet},
    fmt,
    sync::{Arc, RwLock},
    time::Duration,
};

use fred::{
    clients::SubscriberClient,
    interfaces::{ClientLike, EventInterface, PubsubInterface},
    prelude::{Builder, Config, ReconnectPolicy},
    types::{Message, RespVersion},
};
use socketioxide_redis::drivers::{ChanItem, Driver, MessageStream};
use tokio::sync::{broadcast, mpsc};

#[derive(Debug)]
pub struct RedisError(fred::error::Error);

impl fmt::Display for RedisError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl std::error::Error for RedisError {}

impl From<fred::error::Error> for RedisError {
    fn from(e: fred::error::Error) -> Self {
        Self(e)
    }
}

type Handlers = HashMap<String, mpsc::Sender<ChanItem>>;

#[derive(Clone)]
pub struct PulseRedisDriver {
    conn: SubscriberClient,
    handlers: Arc<RwLock<Handlers>>,
    channels: Arc<RwLock<HashSet<String>>>,
}

impl PulseRedisDriver {
    /// Starts connecting (in the background) and returns at once.
    pub fn connect(url: &str) -> anyhow::Result<Self> {
        let mut config = Config::from_url(url)?;
        // The adapter publishes and counts subscribers on this (subscriber) connection, which only
        // RESP3 allows.
        config.version = RespVersion::RESP3;
        let conn = Builder::from_config(config)
            .with_config(|c| c.fail_fast = false)
            .with_connection_config(|c| c.connection_timeout = Duration::from_secs(2))
            .with_performance_config(|p| p.default_command_timeout = Duration::from_secs(2))
            .set_policy(ReconnectPolicy::new_exponential(0, 100, 5_000, 2))
            .build_subscriber_client()?;
        let driver = Self {
            conn,
            handlers: Arc::default(),
            channels: Arc::default(),
        };
        tokio::spawn(route(driver.conn.message_rx(), driver.handlers.clone()));
        tokio::spawn(resubscribe(driver.clone()));
        drop(driver.conn.connect());
        Ok(driver)
    }
}

/// Hands each message to the namespace channel that asked for it.
async fn route(mut rx: broadcast::Receiver<Message>, handlers: Arc<RwLock<Handlers>>) {
    loop {
        match rx.recv().await {
            Ok(msg) => {
                let chan = msg.channel.to_string();
                let Some(data) = msg.value.into_owned_bytes() else {
                    continue;
                };
                let tx = handlers
                    .read()
                    .unwrap_or_else(|p| p.into_inner())
                    .get(&chan)
                    .cloned();
                if let Some(tx) = tx {
                    if let Err(e) = tx.try_send((chan, data)) {
                        tracing::warn!(error = %e, "live: a cluster message was dropped");
                    }
                }
            }
            Err(broadcast::error::RecvError::Closed) => return,
            Err(broadcast::error::RecvError::Lagged(n)) => {
                tracing::warn!(missed = n, "live: cluster messages were missed");
            }
        }
    }
}

/// Each time the connection opens (the first time too), subscribes every remembered channel.
async fn resubscribe(driver: PulseRedisDriver) {
    let mut opened = driver.conn.reconnect_rx();
    loop {
        match opened.recv().await {
            Ok(_) => {
                let channels: Vec<String> = driver
                    .channels
                    .read()
                    .unwrap_or_else(|p| p.into_inner())
                    .iter()
                    .cloned()
                    .collect();
                for chan in channels {
                    if let Err(e) = driver.conn.ssubscribe(chan.as_str()).await {
                        tracing::warn!(error = %e, %chan, "live: could not subscribe again");
                    }
                }
                tracing::info!("live: connected to Redis");
            }
            Err(broadcast::error::RecvError::Closed) => return,
            Err(broadcast::error::RecvError::Lagged(_)) => {}
        }
    }
}

impl Driver for PulseRedisDriver {
    type Error = RedisError;

    async fn publish(&self, chan: String, val: Vec<u8>) -> Result<(), Self::Error> {
        self.conn.spublish::<u16, _, _>(chan, val).await?;
        Ok(())
    }

    async fn subscribe(&self, chan: String, size: usize) -> Result<MessageStream<ChanItem>, Self::Error> {
        let (tx, rx) = mpsc::channel(size);
        self.handlers
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .insert(chan.clone(), tx);
        self.channels
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .insert(chan.clone());
        // Redis may be away: the channel is remembered and subscribed when it comes back.
        if let Err(e) = self.conn.ssubscribe(chan.as_str()).await {
            tracing::warn!(error = %e, %chan, "live: Redis is away; will subscribe when it is back");
        }
        Ok(MessageStream::new(rx))
    }

    async fn unsubscribe(&self, chan: String) -> Result<(), Self::Error> {
        self.handlers
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .remove(&chan);
        self.channels
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .remove(&chan);
        self.conn.sunsubscribe(chan).await?;
        Ok(())
    }

    async fn num_serv(&self, chan: &str) -> Result<u16, Self::Error> {
        let (_, num): (String, u16) = self.conn.pubsub_shardnumsub(chan).await?;
        Ok(num)
    }
}
