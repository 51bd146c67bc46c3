//! The portal's live feed: the same socket.io gateway the mobile app uses, so a booking made
//! anywhere (the app, another member of staff, another instance) shows here at once.
//!
//! Transport: a plain WebSocket (leptos-use's `use_websocket`) speaking Engine.IO v4 and socket.io
//! v5 to `/socket.io/`. It needs no JavaScript client library (the official one would add its own
//! download to every page), it reuses the gateway's rooms and its Redis fan-out across instances
//! (server-sent events would need a second fan-out), and the browser sends the session cookie with
//! the upgrade, which the gateway checks. Only four packet kinds matter here: open, ping, connect
//! and event.
//!
//! Pages read the feed's counters as resource sources (a booking changed: the appointments,
//! calendar and dashboard reload) and its presence map for online dots.

use std::collections::HashMap;

use leptos::prelude::*;
use serde_json::Value;
use uuid::Uuid;

/// What the feed has seen, for pages to react to.
#[derive(Debug, Clone, Copy)]
pub struct LiveFeed {
    /// Bumped on every appointment announcement.
    pub bookings: RwSignal<u64>,
    /// Bumped when services, categories, experts or offers change.
    pub catalog: RwSignal<u64>,
    /// Bumped when courses, their applications, blog posts, reviews or support tickets change.
    pub content: RwSignal<u64>,
    /// Presence announcements since the page loaded, by user.
    pub presence: RwSignal<HashMap<Uuid, bool>>,
    /// The gateway accepted the connection.
    pub connected: RwSignal<bool>,
}

impl LiveFeed {
    pub fn provide() -> Self {
        let feed = Self {
            bookings: RwSignal::new(0),
            catalog: RwSignal::new(0),
            content: RwSignal::new(0),
            presence: RwSignal::new(HashMap::new()),
            connected: RwSignal::new(false),
        };
        provide_context(feed);
        feed
    }

    /// Whether `user` is online: the latest announcement, else what the server said with the page.
    pub fn is_online(&self, user: Uuid, at_load: bool) -> bool {
        self.presence.with(|m| m.get(&user).copied().unwrap_or(at_load))
    }

    /// Applies one socket.io event; returns the text of a toast to show, if any.
    pub fn apply(&self, event: &str, payload: &Value) -> Option<String> {
        match event {
            "appointments-updated" | "appointment-updated" | "appointment-deleted" | "payments-updated" => {
                self.bookings.update(|n| *n += 1);
                None
            }
            "appointment-created" => {
                self.bookings.update(|n| *n += 1);
                let a = &payload["appointment"];
                let text = |k: &str| a[k].as_str().unwrap_or_default().to_owned();
                let time: String = text("appointment_time").chars().take(5).collect();
                Some(format!(
                    "New booking: {} · {}, {} {}",
                    text("customer_name"),
                    text("service_name"),
                    text("appointment_date"),
                    time
                ))
            }
            "services-updated" | "categories-updated" | "experts-updated" | "offers-updated" => {
                self.catalog.update(|n| *n += 1);
                None
            }
            "courses-updated"
            | "course-application-updated"
            | "blogs-updated"
            | "reviews-updated"
            | "support-updated" => {
                self.content.update(|n| *n += 1);
                None
            }
            "course-application-created" => {
                self.content.update(|n| *n += 1);
                Some("New course application".to_owned())
            }
            "presence" => {
                let user = payload["userId"].as_str().and_then(|u| Uuid::parse_str(u).ok())?;
                let online = payload["online"].as_bool().unwrap_or(false);
                self.presence.update(|m| {
                    m.insert(user, online);
                });
                None
            }
            _ => None,
        }
    }
}

pub fn use_live() -> LiveFeed {
    use_context::<LiveFeed>().unwrap_or_else(LiveFeed::provide)
}

/// One Engine.IO / socket.io frame, as far as the portal cares.
#[derive(Debug, Clone, PartialEq)]
pub enum Frame {
    /// The transport is open: join the default namespace.
    Open,
    /// The server's heartbeat: answer `3`.
    Ping,
    Connected,
    ConnectError(String),
    Disconnected,
    Event(String, Value),
    Other,
}

pub fn parse(frame: &str) -> Frame {
    if frame.starts_with('0') {
        return Frame::Open;
    }
    if frame == "2" {
        return Frame::Ping;
    }
    // `4` is an Engine.IO message; the next digit is the socket.io packet type.
    let Some(packet) = frame.strip_prefix('4') else {
        return Frame::Other;
    };
    match packet.as_bytes().first() {
        Some(b'0') => Frame::Connected,
        Some(b'1') => Frame::Disconnected,
        Some(b'4') => {
            let message = serde_json::from_str::<Value>(&packet[1..])
                .ok()
                .and_then(|v| v["message"].as_str().map(str::to_owned))
                .unwrap_or_default();
            Frame::ConnectError(message)
        }
        Some(b'2') => {
            // An event: `2`, an optional ack id (digits), then `["name", payload]`.
            let json = packet[1..].trim_start_matches(|c: char| c.is_ascii_digit());
            match serde_json::from_str::<Value>(json) {
                Ok(Value::Array(mut parts)) if !parts.is_empty() => {
                    let payload = if parts.len() > 1 {
                        parts.remove(1)
                    } else {
                        Value::Null
                    };
                    match parts.remove(0) {
                        Value::String(name) => Frame::Event(name, payload),
                        _ => Frame::Other,
                    }
                }
                _ => Frame::Other,
            }
        }
        _ => Frame::Other,
    }
}

/// Opens the feed (in the browser; nothing happens on the server) and keeps it open, reconnecting
/// after a drop. Call once, in the layout.
pub fn connect(feed: LiveFeed, toasts: super::components::toast::Toasts) {
    #[cfg(feature = "hydrate")]
    {
        use codee::string::FromToStringCodec;
        use leptos_use_websocket::{use_websocket_with_options, ReconnectLimit, UseWebSocketOptions};

        let Some(url) = gateway_url() else {
            return;
        };
        // `send` exists only once the socket is made; the message handler reaches it through here.
        type Sender = std::sync::Arc<dyn Fn(&String) + Send + Sync>;
        let sender: StoredValue<Option<Sender>, LocalStorage> = StoredValue::new_local(None);
        let reply = move |text: &str| {
            sender.with_value(|s| {
                if let Some(send) = s {
                    send(&text.to_owned());
                }
            })
        };
        let options = UseWebSocketOptions::default()
            .reconnect_limit(ReconnectLimit::Infinite)
            .reconnect_interval(3000)
            .on_close(move |_| feed.connected.set(false))
            .on_message(move |frame: &String| match parse(frame) {
                Frame::Open => reply("40"),
                Frame::Ping => reply("3"),
                Frame::Connected => feed.connected.set(true),
                Frame::ConnectError(_) | Frame::Disconnected => feed.connected.set(false),
                Frame::Event(name, payload) => {
                    if let Some(text) = feed.apply(&name, &payload) {
                        toasts.ok(text);
                    }
                }
                Frame::Other => {}
            });
        let socket = use_websocket_with_options::<String, String, FromToStringCodec, _, _>(&url, options);
        let send = socket.send.clone();
        sender.set_value(Some(std::sync::Arc::new(move |t: &String| send(t))));
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = (feed, toasts);
}

#[cfg(feature = "hydrate")]
fn gateway_url() -> Option<String> {
    let location = web_sys::window()?.location();
    let scheme = if location.protocol().ok()? == "https:" {
        "wss"
    } else {
        "ws"
    };
    Some(format!(
        "{scheme}://{}/socket.io/?EIO=4&transport=websocket",
        location.host().ok()?
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn frames_are_read_as_the_gateway_sends_them() {
        assert_eq!(parse(r#"0{"sid":"x","pingInterval":25000}"#), Frame::Open);
        assert_eq!(parse("2"), Frame::Ping);
        assert_eq!(parse(r#"40{"sid":"y"}"#), Frame::Connected);
        assert_eq!(parse("41"), Frame::Disconnected);
        assert_eq!(
            parse(r#"44{"message":"Invalid authentication token."}"#),
            Frame::ConnectError("Invalid authentication token.".into())
        );
        assert_eq!(
            parse(r#"42["presence",{"userId":"u","online":true}]"#),
            Frame::Event("presence".into(), json!({ "userId": "u", "online": true }))
        );
        assert_eq!(
            parse(r#"4212["ping-me"]"#),
            Frame::Event("ping-me".into(), Value::Null)
        );
        assert_eq!(parse("3"), Frame::Other);
    }
}
