//! The socket.io gateway (Engine.IO v4, websocket and polling) at `/socket.io/`.
//!
//! Connecting: a token in the handshake's `auth.token`, or a `token` query parameter, or (for the
//! portal, from this site only) the session cookie. A valid one makes the socket authenticated: it
//! joins its account's rooms and is sent `connected {userId}`. A token that is present but bad
//! (invalid, expired, tampered, revoked: the API's rules, `identity::access`) is refused at connect
//! with a `connect_error` naming why. No token: an anonymous socket, as the mobile app connects.
//!
//! Rooms: `user_<id>` (the account's own, also by `join-user <id>`), `admin` (`join-admin`, staff
//! who may see every booking; portal sockets join it at once), and internal ones that let a logout
//! or a deactivation end sockets on every instance. Refused joins are acknowledged with an error.
//!
//! One binary, Redis or not: socketioxide's adapter is a type parameter, so the handlers are
//! generic over it and [`Realtime`] holds whichever was built.

use std::{fmt, time::Duration};

use axum::Router;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use socketioxide::{
    adapter::{Adapter, Emitter, LocalAdapter},
    extract::{AckSender, SocketRef, State, TryData},
    handler::ConnectHandler,
    SocketIo, SocketIoBuilder, TransportType,
};
use socketioxide_redis::{CustomRedisAdapter, RedisAdapterConfig, RedisAdapterCtr};
use tokio::sync::mpsc;
use uuid::Uuid;

use super::events::{self, Audience, Disconnect, Event, ADMIN_ROOM};
use crate::server::{
    identity::access::{self, Caller},
    portal, sessions,
    state::AppState,
};
use crate::shared::permissions::Permission;

type FredAdapter = CustomRedisAdapter<Emitter, super::redis_driver::PulseRedisDriver>;

/// Who an authenticated socket speaks for, decided at connect.
#[derive(Debug, Clone)]
pub struct Identity {
    pub user_id: Uuid,
    /// The sign-in of the token it came with (a logout ends it).
    pub sid: Option<Uuid>,
    /// May see every booking: may join `admin` and other users' rooms.
    pub sees_all_bookings: bool,
    /// Came with the portal's session cookie: that session's id.
    pub session: Option<String>,
}

/// The socket.io server, with whichever adapter this instance runs.
#[derive(Clone)]
pub enum Realtime {
    Local(SocketIo<LocalAdapter>),
    Redis(SocketIo<FredAdapter>),
}

macro_rules! with_io {
    ($self:expr, $io:ident => $body:expr) => {
        match $self {
            Realtime::Local($io) => $body,
            Realtime::Redis($io) => $body,
        }
    };
}

impl Realtime {
    async fn emit(&self, e: &events::Emit) {
        let result = with_io!(self, io => match &e.to {
            Audience::Everyone => io.emit(e.event, &e.payload).await,
            Audience::Rooms(rooms) => io.to(rooms.clone()).emit(e.event, &e.payload).await,
            Audience::EveryoneExcept(rooms) => io.except(rooms.clone()).emit(e.event, &e.payload).await,
        });
        if let Err(err) = result {
            tracing::warn!(error = %err, event = e.event, "live: an announcement was not delivered");
        }
    }

    async fn disconnect(&self, d: &Disconnect) {
        let Disconnect::Room(room) = d;
        let result = with_io!(self, io => io.within(room.clone()).disconnect().await);
        if let Err(err) = result {
            tracing::warn!(error = %err, %room, "live: sockets could not be disconnected");
        }
    }

    /// The authenticated sockets on this instance, for the presence heartbeat.
    fn local_identities(&self) -> Vec<(Uuid, String)> {
        with_io!(self, io => io
            .sockets()
            .into_iter()
            .filter_map(|s| s.extensions.get::<Identity>().map(|id| (id.user_id, s.id.to_string())))
            .collect())
    }

    /// Sockets connected to this instance.
    pub fn local_count(&self) -> usize {
        with_io!(self, io => io.sockets().len())
    }
}

/// Why a connection was refused: the client's `connect_error` message.
#[derive(Debug)]
pub struct Refused(String);

impl fmt::Display for Refused {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[derive(Debug, Default, Deserialize)]
struct Handshake {
    #[serde(default)]
    token: Option<String>,
}

#[derive(Serialize)]
struct Reply {
    ok: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<&'static str>,
}

const REFUSED_NOT_SIGNED_IN: Reply = Reply {
    ok: false,
    error: Some("Sign in to join this room."),
};
const REFUSED_FORBIDDEN: Reply = Reply {
    ok: false,
    error: Some("You do not have permission to join this room."),
};
const OK: Reply = Reply {
    ok: true,
    error: None,
};

fn query_token(query: Option<&str>) -> Option<String> {
    form_urlencoded::parse(query?.as_bytes())
        .find(|(k, _)| k == "token")
        .map(|(_, v)| v.into_owned())
}

fn identity_of(p: &crate::server::identity::accounts::Principal, session: Option<String>) -> Identity {
    Identity {
        user_id: p.user.id,
        sid: p.sign_in_id,
        sees_all_bookings: p.can(Permission::AppointmentsView) || p.can(Permission::AppointmentsManageAll),
        session,
    }
}

/// The connect middleware: decides who the socket is, or refuses it; then gives the socket its
/// handlers and rooms. socketioxide tells the client it is connected when the middleware is done
/// and only then spawns the connect handler, so anything registered there could miss what a
/// client sends (or is sent) at once, as the app's `join-user` right after `connect`.
async fn authenticate<A: Adapter>(
    s: SocketRef<A>,
    TryData(auth): TryData<Handshake>,
    State(app): State<AppState>,
) -> Result<(), Refused> {
    identify(&s, auth.ok().and_then(|a| a.token), &app).await?;
    register(&s);
    Ok(())
}

async fn identify<A: Adapter>(
    s: &SocketRef<A>,
    token: Option<String>,
    app: &AppState,
) -> Result<(), Refused> {
    let parts = s.req_parts();
    let explicit = token
        .or_else(|| query_token(parts.uri.query()))
        .map(|t| t.trim().to_owned())
        .filter(|t| !t.is_empty());
    if let Some(token) = explicit {
        return match access::caller(app, &token).await {
            Ok(Caller::User(p)) if p.user.must_change_password => Err(Refused(
                "You must change your password before you continue.".into(),
            )),
            Ok(Caller::User(p)) => {
                s.extensions.insert(identity_of(&p, None));
                Ok(())
            }
            // A guest token (older app builds) is an anonymous socket.
            Ok(Caller::Guest(_)) => Ok(()),
            Err(e) => {
                tracing::info!(reason = %e.public_message(), "live: connection refused");
                Err(Refused(e.public_message()))
            }
        };
    }
    // The portal's cookie, from this site only: a browser sends cookies on a cross-site WebSocket
    // too, so another site must not ride a signed-in session.
    if portal::is_same_origin(&parts.headers, Some(&app.config.public_url)) {
        if let Some((p, session)) = sessions::principal_from_headers(app, &parts.headers).await {
            s.extensions.insert(identity_of(&p, Some(session)));
        }
    }
    Ok(())
}

/// The socket's event handlers and rooms, in place before the client hears it is connected.
fn register<A: Adapter>(s: &SocketRef<A>) {
    s.on("join-admin", async |s: SocketRef<A>, ack: AckSender<A>| {
        let reply = match s.extensions.get::<Identity>() {
            None => REFUSED_NOT_SIGNED_IN,
            Some(id) if !id.sees_all_bookings => REFUSED_FORBIDDEN,
            Some(_) => {
                s.join(ADMIN_ROOM);
                OK
            }
        };
        let _ = ack.send(&reply);
    });

    // The app sends the user id as a plain string; an object `{userId}` is taken too.
    s.on(
        "join-user",
        async |s: SocketRef<A>, TryData(raw): TryData<Value>, ack: AckSender<A>| {
            let wanted = match raw {
                Ok(Value::String(id)) => Uuid::parse_str(id.trim()).ok(),
                Ok(Value::Object(o)) => o
                    .get("userId")
                    .and_then(Value::as_str)
                    .and_then(|v| Uuid::parse_str(v).ok()),
                _ => None,
            };
            let reply = match (s.extensions.get::<Identity>(), wanted) {
                (None, _) => REFUSED_NOT_SIGNED_IN,
                (Some(_), None) => Reply {
                    ok: false,
                    error: Some("join-user needs a user id."),
                },
                (Some(id), Some(user)) if user == id.user_id || id.sees_all_bookings => {
                    s.join(events::user_room(user));
                    OK
                }
                (Some(_), Some(_)) => REFUSED_FORBIDDEN,
            };
            let _ = ack.send(&reply);
        },
    );

    // The client's own heartbeat keeps it online between the server's.
    s.on(
        "heartbeat",
        async |s: SocketRef<A>, ack: AckSender<A>, State(app): State<AppState>| {
            if let Some(id) = s.extensions.get::<Identity>() {
                app.live.presence.refresh(&[(id.user_id, s.id.to_string())]).await;
            }
            let _ = ack.send(&OK);
        },
    );

    s.on_disconnect(async |s: SocketRef<A>, State(app): State<AppState>| {
        let Some(id) = s.extensions.get::<Identity>() else {
            return;
        };
        if app.live.presence.left(id.user_id, &s.id.to_string()).await {
            let now = chrono::Utc::now();
            if let Err(e) = crate::server::identity::accounts::touch_last_seen(&app.db, id.user_id, now).await
            {
                tracing::warn!(error = %e, "live: could not record last_seen");
            }
            app.live.publish(Event::Presence {
                user_id: id.user_id,
                online: false,
                last_seen: Some(now),
            });
        }
    });

    if let Some(id) = s.extensions.get::<Identity>() {
        s.join(events::account_room(id.user_id));
        if let Some(sid) = id.sid {
            s.join(events::sign_in_room(sid));
        }
        s.join(events::user_room(id.user_id));
        if let Some(session) = &id.session {
            s.join(events::session_room(session));
            // The portal follows every booking as it happens, where its viewer may see them.
            if id.sees_all_bookings {
                s.join(ADMIN_ROOM);
            }
        }
    }
}

/// Once connected: presence (which may wait on Redis) and the `connected` greeting.
async fn on_connect<A: Adapter>(s: SocketRef<A>, State(app): State<AppState>) {
    if let Some(id) = s.extensions.get::<Identity>() {
        if app.live.presence.joined(id.user_id, &s.id.to_string()).await {
            app.live.publish(Event::Presence {
                user_id: id.user_id,
                online: true,
                last_seen: None,
            });
        }
        // Gone while presence was written: its disconnect may have run first, so leave again.
        if !s.connected() {
            app.live.presence.left(id.user_id, &s.id.to_string()).await;
            return;
        }
        let _ = s.emit("connected", &json!({ "userId": id.user_id }));
    }
}

/// Settings both adapters share: small buffers and payloads (Pulse's events are small), the
/// configured heartbeat, and both transports (the app uses websocket only).
fn configure<A: Adapter>(b: SocketIoBuilder<A>, timings: super::Timings) -> SocketIoBuilder<A> {
    b.req_path("/socket.io")
        .ping_interval(timings.ping_interval)
        .ping_timeout(timings.ping_timeout)
        .connect_timeout(Duration::from_secs(10))
        .ack_timeout(Duration::from_secs(5))
        .max_payload(64 * 1024)
        .max_buffer_size(64)
        .ws_read_buffer_size(1024)
        .transports([TransportType::Polling, TransportType::Websocket])
}

/// Mounts the gateway as the router's outermost layer (outside the request timeout, which a
/// long-polling request would otherwise meet), and starts the tasks that deliver announcements and
/// keep presence fresh.
pub async fn mount(
    router: Router,
    state: AppState,
    announcements: mpsc::UnboundedReceiver<Event>,
) -> anyhow::Result<(Router, Realtime)> {
    let timings = state.live.timings;
    let builder = configure(SocketIo::builder().with_state(state.clone()), timings);
    let (router, realtime) = match &state.config.redis_url {
        None => {
            let (layer, io) = builder.build_layer();
            io.ns("/", on_connect.with(authenticate));
            (router.layer(layer), Realtime::Local(io))
        }
        Some(url) => {
            let driver = super::redis_driver::PulseRedisDriver::connect(url)?;
            let config = RedisAdapterConfig::new().with_prefix(state.config.live_redis_prefix.clone());
            let ctr = RedisAdapterCtr::new_with_driver(driver, config);
            let (layer, io) = builder.with_adapter::<FredAdapter>(ctr).build_layer();
            io.ns("/", on_connect.with(authenticate))
                .await
                .map_err(|e| anyhow::anyhow!("socket.io on Redis: {e}"))?;
            (router.layer(layer), Realtime::Redis(io))
        }
    };
    tokio::spawn(deliver(announcements, realtime.clone()));
    tokio::spawn(heartbeat(
        realtime.clone(),
        state.live.presence.clone(),
        timings.heartbeat,
    ));
    Ok((router, realtime))
}

/// Turns each announcement into emits and disconnects, in order.
async fn deliver(mut announcements: mpsc::UnboundedReceiver<Event>, realtime: Realtime) {
    while let Some(event) = announcements.recv().await {
        for e in events::emits(&event) {
            realtime.emit(&e).await;
        }
        for d in events::disconnects(&event) {
            realtime.disconnect(&d).await;
        }
    }
}

/// Refreshes presence for this instance's sockets, which also covers the engine.io ping: a socket
/// that stops answering is dropped by engine.io and then not refreshed here.
async fn heartbeat(realtime: Realtime, presence: super::presence::Presence, every: Duration) {
    let mut tick = tokio::time::interval(every);
    loop {
        tick.tick().await;
        let live = realtime.local_identities();
        presence.refresh(&live).await;
    }
}
