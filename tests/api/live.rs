//! The live gateway, driven by the official socket.io client (`live_client`): who may connect and
//! join which room, every announcement arriving exactly once with the contract's payload, nothing
//! personal reaching anonymous sockets, presence, and sockets ended by logout and deactivation; on
//! one instance and across two sharing Redis.

use std::time::Duration;

use reqwest::Method;
use serde_json::{json, Value};

use crate::booking::{call, shop, Shop};
use crate::both_backends;
use crate::helpers::{create_account, sign_in_token, spawn_app_with, spawn_peer, Backend, Spawn, TestApp};
use crate::live_client::{self, ConnectOpts};

const SOON: Duration = Duration::from_secs(5);
const SETTLE: Duration = Duration::from_millis(600);

/// Short heartbeats and TTLs so presence changes within a test.
fn quick(opts: Spawn) -> Spawn {
    opts.var("LIVE_PING_INTERVAL_SECS", "1")
        .var("LIVE_PING_TIMEOUT_SECS", "1")
        .var("LIVE_PRESENCE_TTL_SECS", "2")
        .var("LIVE_HEARTBEAT_SECS", "1")
}

fn token(t: &str) -> ConnectOpts {
    ConnectOpts {
        websocket_only: true,
        auth_token: Some(t.to_owned()),
        ..Default::default()
    }
}

fn anonymous() -> ConnectOpts {
    ConnectOpts {
        websocket_only: true,
        ..Default::default()
    }
}

fn booking(shop: &Shop, time: &str) -> Value {
    json!({
        "serviceId": shop.service,
        "appointmentDate": shop.day,
        "appointmentTime": time,
        "customerName": "Cara Client",
        "customerPhone": "+44 20 7946 0000",
        "customerEmail": "cara@example.com",
        "payNow": false,
    })
}

async fn presence(app: &TestApp, owner: &str, user: &str) -> Value {
    let (s, b) = call(
        app,
        Method::GET,
        format!("/presence?userIds={user}"),
        Some(owner),
        None,
    )
    .await;
    assert_eq!(s, 200, "{b}");
    b["data"]["presence"][0].clone()
}

both_backends!(
    async fn tokens_decide_who_connects_and_bad_ones_are_refused(backend: Backend) {
        let app = spawn_app_with(backend, quick(Spawn::default())).await;
        let cus = create_account(&app, "cus@example.com", "Customer", true).await;
        let good = sign_in_token(&app, "cus@example.com").await;
        let mut d = live_client::start().await;

        // The app: websocket only, no auth, no query.
        d.connect("anon", &app.base, anonymous())
            .await
            .expect("anonymous connect");
        assert!(d.events("anon", "connected", SETTLE).await.is_empty());
        // Default transports (polling first) work too.
        d.connect("poll", &app.base, ConnectOpts::default())
            .await
            .expect("polling connect");

        // A token in the handshake, or in the query.
        d.connect("auth", &app.base, token(&good))
            .await
            .expect("token connect");
        let hello = d.next_event("auth", "connected", SOON).await.expect("connected");
        assert_eq!(hello[0], json!({ "userId": cus.id }));
        let query = ConnectOpts {
            websocket_only: true,
            query_token: Some(good.clone()),
            ..Default::default()
        };
        d.connect("query", &app.base, query)
            .await
            .expect("query token connect");
        assert!(d.next_event("query", "connected", SOON).await.is_some());

        // Present but bad: refused with the reason.
        let mut tampered = good.clone();
        tampered.pop();
        tampered.push(if good.ends_with('A') { 'B' } else { 'A' });
        for (name, bad, says) in [
            (
                "garbage",
                "not-a-token".to_owned(),
                "Invalid authentication token.",
            ),
            ("tampered", tampered, "Invalid authentication token."),
        ] {
            let refused = d.connect(name, &app.base, token(&bad)).await;
            assert_eq!(refused, Err(says.to_owned()), "{name}");
        }
        // Revoked by logout, then by deactivation.
        let other = sign_in_token(&app, "cus@example.com").await;
        assert_eq!(
            call(&app, Method::POST, "/auth/logout", Some(&other), None)
                .await
                .0,
            200
        );
        let refused = d.connect("logged-out", &app.base, token(&other)).await;
        assert_eq!(refused, Err("You have logged out. Please log in again.".into()));
    }
);

both_backends!(
    async fn rooms_are_joined_only_by_those_allowed_and_refusals_are_acknowledged(backend: Backend) {
        let app = spawn_app_with(backend, quick(Spawn::default())).await;
        create_account(&app, "boss@example.com", "Owner", true).await;
        let cus = create_account(&app, "cus@example.com", "Customer", true).await;
        let other = create_account(&app, "other@example.com", "Customer", true).await;
        let boss = sign_in_token(&app, "boss@example.com").await;
        let customer = sign_in_token(&app, "cus@example.com").await;
        let mut d = live_client::start().await;
        d.connect("anon", &app.base, anonymous()).await.unwrap();
        d.connect("cus", &app.base, token(&customer)).await.unwrap();
        d.connect("boss", &app.base, token(&boss)).await.unwrap();

        let refused = |reply: Option<Value>| reply.expect("an ack")[0]["ok"] == false;
        assert!(refused(d.emit_ack("anon", "join-admin", json!([])).await));
        assert!(refused(d.emit_ack("cus", "join-admin", json!([])).await));
        assert_eq!(
            d.emit_ack("boss", "join-admin", json!([])).await.unwrap()[0],
            json!({ "ok": true })
        );

        assert!(refused(d.emit_ack("anon", "join-user", json!([cus.id])).await));
        assert!(refused(
            d.emit_ack("anon", "join-user", json!(["guest_1700000000"])).await
        ));
        assert!(refused(d.emit_ack("cus", "join-user", json!([other.id])).await));
        assert!(refused(d.emit_ack("cus", "join-user", json!([])).await));
        assert_eq!(
            d.emit_ack("cus", "join-user", json!([cus.id])).await.unwrap()[0]["ok"],
            true
        );
        // Staff who see every booking may follow a customer's room.
        assert_eq!(
            d.emit_ack("boss", "join-user", json!([other.id])).await.unwrap()[0]["ok"],
            true
        );
    }
);

both_backends!(
    async fn announcements_arrive_once_and_bookings_reach_only_admin_and_their_owner(backend: Backend) {
        let shop = shop(backend).await;
        let app = &shop.app;
        let cus = create_account(app, "cara@example.com", "Customer", true).await;
        let customer = sign_in_token(app, "cara@example.com").await;
        create_account(app, "eve@example.com", "Customer", true).await;
        let eve = sign_in_token(app, "eve@example.com").await;
        let mut d = live_client::start().await;
        d.connect("anon", &app.base, anonymous()).await.unwrap();
        d.connect("admin", &app.base, token(&shop.owner)).await.unwrap();
        assert_eq!(
            d.emit_ack("admin", "join-admin", json!([])).await.unwrap()[0]["ok"],
            true
        );
        d.connect("cara", &app.base, token(&customer)).await.unwrap();
        d.connect("eve", &app.base, token(&eve)).await.unwrap();

        // A booking by the customer.
        let (s, b) = call(
            app,
            Method::POST,
            "/appointments",
            Some(&customer),
            Some(booking(&shop, "10:00")),
        )
        .await;
        assert_eq!(s, 201, "{b}");
        let appointment = b["data"]["appointment"].clone();
        assert_eq!(appointment["user_id"], json!(cus.id));

        let created = d.events("admin", "appointment-created", SETTLE).await;
        assert_eq!(
            created,
            vec![vec![json!({ "appointment": appointment })]],
            "admin, once"
        );
        assert_eq!(
            d.events("admin", "appointments-updated", Duration::ZERO).await,
            vec![vec![json!({ "type": "created", "appointment": appointment })]]
        );
        assert_eq!(
            d.events("cara", "appointments-updated", Duration::ZERO).await,
            vec![vec![json!({ "type": "created", "appointment": appointment })]],
            "the owner, with data, once"
        );
        for nosy in ["anon", "eve"] {
            assert_eq!(
                d.events(nosy, "appointments-updated", Duration::ZERO).await,
                vec![vec![json!({ "type": "created" })]],
                "{nosy}: a data-free signal only"
            );
            assert!(d
                .events(nosy, "appointment-created", Duration::ZERO)
                .await
                .is_empty());
        }

        // Staff cancel it: the change reaches the same audiences.
        let id = appointment["id"].as_str().unwrap();
        let (s, _) = call(
            app,
            Method::DELETE,
            format!("/appointments/{id}/cancel"),
            Some(&shop.owner),
            Some(json!({})),
        )
        .await;
        assert_eq!(s, 200);
        let updated = d.next_event("admin", "appointment-updated", SOON).await.unwrap();
        assert_eq!(updated[0]["appointment"]["status"], "cancelled");
        assert_eq!(
            d.next_event("cara", "appointments-updated", SOON).await.unwrap()[0]["type"],
            "cancelled"
        );
        assert_eq!(
            d.next_event("anon", "appointments-updated", SOON).await.unwrap()[0],
            json!({ "type": "cancelled" })
        );
        assert_eq!(
            d.events("admin", "appointments-updated", SETTLE).await.len(),
            1,
            "admin, once"
        );

        // A refused booking (nothing was written) announces nothing.
        let (s, _) = call(
            app,
            Method::POST,
            "/appointments",
            Some(&customer),
            Some(booking(&shop, "10:07")),
        )
        .await;
        assert_eq!(s, 400);
        assert!(d.events("admin", "appointments-updated", SETTLE).await.is_empty());

        // The catalog: everyone hears services-updated, the admin room the singular event.
        let (s, b) = call(
            app,
            Method::PUT,
            format!("/services/{}", shop.service),
            Some(&shop.owner),
            Some(json!({ "name": "Cut & Style" })),
        )
        .await;
        assert_eq!(s, 200, "{b}");
        let all = d.next_event("anon", "services-updated", SOON).await.unwrap();
        assert_eq!(all[0]["action"], "updated");
        assert_eq!(all[0]["service"]["name"], "Cut & Style");
        assert_eq!(d.events("admin", "service-updated", SETTLE).await.len(), 1);
        assert!(d
            .events("anon", "service-updated", Duration::ZERO)
            .await
            .is_empty());
    }
);

both_backends!(
    async fn logout_and_deactivation_end_live_sockets(backend: Backend) {
        let app = spawn_app_with(backend, quick(Spawn::default())).await;
        create_account(&app, "boss@example.com", "Owner", true).await;
        let cus = create_account(&app, "cus@example.com", "Customer", true).await;
        let boss = sign_in_token(&app, "boss@example.com").await;
        let first = sign_in_token(&app, "cus@example.com").await;
        let second = sign_in_token(&app, "cus@example.com").await;
        let mut d = live_client::start().await;
        d.connect("first", &app.base, token(&first)).await.unwrap();
        d.connect("second", &app.base, token(&second)).await.unwrap();

        // Logging out of one sign-in ends that sign-in's socket only.
        assert_eq!(
            call(&app, Method::POST, "/auth/logout", Some(&first), None)
                .await
                .0,
            200
        );
        assert_eq!(
            d.wait_disconnect("first", SOON).await.as_deref(),
            Some("io server disconnect")
        );
        assert_eq!(d.wait_disconnect("second", SETTLE).await, None);

        // Deactivation ends every socket of the account.
        let (s, _) = call(
            &app,
            Method::PUT,
            format!("/users/{}", cus.id),
            Some(&boss),
            Some(json!({ "isActive": false })),
        )
        .await;
        assert_eq!(s, 200);
        assert_eq!(
            d.wait_disconnect("second", SOON).await.as_deref(),
            Some("io server disconnect")
        );
    }
);

both_backends!(
    async fn presence_follows_sockets_and_a_silent_client_drops_out(backend: Backend) {
        let app = spawn_app_with(backend, quick(Spawn::default())).await;
        create_account(&app, "boss@example.com", "Owner", true).await;
        let cus = create_account(&app, "cus@example.com", "Customer", true).await;
        let boss = sign_in_token(&app, "boss@example.com").await;
        let customer = sign_in_token(&app, "cus@example.com").await;
        let id = cus.id.to_string();
        assert_eq!(presence(&app, &boss, &id).await["isOnline"], false);

        let mut watcher = live_client::start().await;
        watcher.connect("admin", &app.base, token(&boss)).await.unwrap();
        watcher.emit_ack("admin", "join-admin", json!([])).await;

        let mut d = live_client::start().await;
        d.connect("a", &app.base, token(&customer)).await.unwrap();
        d.connect("b", &app.base, token(&customer)).await.unwrap();
        d.next_event("a", "connected", SOON).await.unwrap();
        d.next_event("b", "connected", SOON).await.unwrap();
        // The client's own heartbeat is taken with or without an ack.
        d.emit("a", "heartbeat", json!([])).await;
        assert_eq!(
            d.emit_ack("b", "heartbeat", json!([])).await.unwrap()[0]["ok"],
            true
        );
        assert_eq!(presence(&app, &boss, &id).await["isOnline"], true);
        let online = watcher.next_event("admin", "presence", SOON).await.unwrap();
        assert_eq!(online[0]["userId"], json!(cus.id));
        assert_eq!(online[0]["online"], true);
        // The users list shows it too.
        let (_, list) = call(&app, Method::GET, "/users?search=cus%40", Some(&boss), None).await;
        assert_eq!(list["data"]["users"][0]["isOnline"], true);

        // Online while one socket lives; the last one's goodbye writes last_seen.
        d.disconnect("a").await;
        tokio::time::sleep(SETTLE).await;
        assert_eq!(presence(&app, &boss, &id).await["isOnline"], true);
        d.disconnect("b").await;
        let offline = watcher.next_event("admin", "presence", SOON).await.unwrap();
        assert_eq!(offline[0]["online"], false);
        let p = presence(&app, &boss, &id).await;
        assert_eq!(p["isOnline"], false);
        assert!(p["lastSeen"].is_string(), "{p}");

        // A client that stops answering (frozen, no goodbye) is dropped after the heartbeat.
        let mut frozen = live_client::start().await;
        frozen.connect("f", &app.base, token(&customer)).await.unwrap();
        frozen.next_event("f", "connected", SOON).await.unwrap();
        assert_eq!(presence(&app, &boss, &id).await["isOnline"], true);
        frozen.pause();
        let mut gone = false;
        for _ in 0..40 {
            tokio::time::sleep(Duration::from_millis(250)).await;
            if presence(&app, &boss, &id).await["isOnline"] == false {
                gone = true;
                break;
            }
        }
        frozen.resume();
        assert!(gone, "a frozen client stayed online");
    }
);

both_backends!(
    async fn a_socket_whose_instance_died_drops_out_after_the_ttl(backend: Backend) {
        let app = spawn_app_with(backend, quick(Spawn::redis())).await;
        create_account(&app, "boss@example.com", "Owner", true).await;
        let cus = create_account(&app, "cus@example.com", "Customer", true).await;
        let boss = sign_in_token(&app, "boss@example.com").await;
        // An instance recorded a socket, then died: nobody says goodbye or refreshes it.
        assert!(
            app.state
                .live
                .presence
                .joined(cus.id, "sid-of-a-dead-instance")
                .await
        );
        assert_eq!(presence(&app, &boss, &cus.id.to_string()).await["isOnline"], true);
        tokio::time::sleep(Duration::from_millis(2500)).await;
        assert_eq!(
            presence(&app, &boss, &cus.id.to_string()).await["isOnline"],
            false
        );
    }
);

both_backends!(
    async fn two_instances_on_one_redis_share_rooms_presence_and_announcements(backend: Backend) {
        let shop = shop_with(backend, quick(Spawn::redis())).await;
        let a = &shop.app;
        let b = spawn_peer(a, quick(Spawn::redis())).await;
        let cus = create_account(a, "cara@example.com", "Customer", true).await;
        let customer = sign_in_token(a, "cara@example.com").await;
        let mut d = live_client::start().await;
        // The admin listens on B; the booking goes through A.
        d.connect("admin", &b.base, token(&shop.owner)).await.unwrap();
        assert_eq!(
            d.emit_ack("admin", "join-admin", json!([])).await.unwrap()[0]["ok"],
            true
        );
        d.connect("anon-b", &b.base, anonymous()).await.unwrap();
        let (s, body) = call(
            a,
            Method::POST,
            "/appointments",
            Some(&customer),
            Some(booking(&shop, "11:00")),
        )
        .await;
        assert_eq!(s, 201, "{body}");
        let created = d
            .events("admin", "appointment-created", Duration::from_secs(1))
            .await;
        assert_eq!(created.len(), 1, "exactly once across instances: {created:?}");
        assert_eq!(
            created[0][0]["appointment"]["id"],
            body["data"]["appointment"]["id"]
        );
        assert_eq!(
            d.events("anon-b", "appointments-updated", Duration::ZERO).await,
            vec![vec![json!({ "type": "created" })]]
        );

        // Presence: a socket on B makes the user online when asked through A.
        d.connect("cara", &b.base, token(&customer)).await.unwrap();
        // `connected` comes once the socket is recorded.
        d.next_event("cara", "connected", SOON).await.unwrap();
        assert_eq!(
            presence(a, &shop.owner, &cus.id.to_string()).await["isOnline"],
            true
        );

        // A logout through A ends the socket on B.
        let other = sign_in_token(a, "cara@example.com").await;
        d.connect("cara2", &b.base, token(&other)).await.unwrap();
        assert_eq!(
            call(a, Method::POST, "/auth/logout", Some(&other), None).await.0,
            200
        );
        assert_eq!(
            d.wait_disconnect("cara2", SOON).await.as_deref(),
            Some("io server disconnect")
        );
        assert_eq!(
            presence(a, &shop.owner, &cus.id.to_string()).await["isOnline"],
            true,
            "cara still has a socket"
        );
    }
);

/// A shop (service, expert) on a server spawned with `opts`.
async fn shop_with(backend: Backend, opts: Spawn) -> Shop {
    crate::booking::shop_on(spawn_app_with(backend, opts).await).await
}

both_backends!(
    async fn the_portal_session_cookie_opens_a_socket_from_this_site_only(backend: Backend) {
        let app = spawn_app_with(backend, quick(Spawn::default())).await;
        create_account(&app, "boss@example.com", "Owner", true).await;
        let jar_cookie = session_cookie_of(&app, "boss@example.com").await;
        let mut d = live_client::start().await;
        // Node's client sends no Origin: a non-browser client with the cookie is let in.
        let opts = ConnectOpts {
            websocket_only: true,
            cookie: Some(jar_cookie.clone()),
            ..Default::default()
        };
        d.connect("portal", &app.base, opts).await.unwrap();
        assert!(d.next_event("portal", "connected", SOON).await.is_some());
        // Portal sockets follow every booking at once (staff who may see them).
        let shop_owner = sign_in_token(&app, "boss@example.com").await;
        let (s, _) = call(
            &app,
            Method::POST,
            "/categories",
            Some(&shop_owner),
            Some(json!({ "name": "Nails" })),
        )
        .await;
        assert_eq!(s, 201);
        assert!(d.next_event("portal", "categories-updated", SOON).await.is_some());
        // Signing out of the portal ends its socket.
        let (s, _) = (reqwest_sign_out(&app, &jar_cookie).await, ());
        assert!(s.is_success() || s.is_redirection(), "{s}");
        assert_eq!(
            d.wait_disconnect("portal", SOON).await.as_deref(),
            Some("io server disconnect")
        );
        // And the cookie no longer opens one.
        let opts = ConnectOpts {
            websocket_only: true,
            cookie: Some(jar_cookie),
            ..Default::default()
        };
        d.connect("again", &app.base, opts).await.unwrap();
        assert!(
            d.events("again", "connected", SETTLE).await.is_empty(),
            "anonymous now"
        );
    }
);

async fn reqwest_sign_out(app: &TestApp, cookie: &str) -> reqwest::StatusCode {
    crate::helpers::client()
        .post(app.url("/api/fn/sign_out"))
        .header("accept", "application/json")
        .header("cookie", cookie)
        .send()
        .await
        .unwrap()
        .status()
}

/// Signs in to the portal and returns the `pulse_session=…` cookie pair.
async fn session_cookie_of(app: &TestApp, email: &str) -> String {
    let r = crate::helpers::client()
        .post(app.url("/api/fn/sign_in"))
        .header("accept", "application/json")
        .form(&[("email", email), ("password", crate::helpers::PASSWORD)])
        .send()
        .await
        .unwrap();
    r.headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with("pulse_session="))
        .map(|c| c.split(';').next().unwrap().to_owned())
        .expect("a session cookie")
}

both_backends!(
    async fn courses_applications_posts_and_tickets_are_announced_to_their_audiences(backend: Backend) {
        let shop = shop(backend).await;
        let app = &shop.app;
        create_account(app, "cara@example.com", "Customer", true).await;
        let customer = sign_in_token(app, "cara@example.com").await;
        let mut d = live_client::start().await;
        d.connect("anon", &app.base, anonymous()).await.unwrap();
        d.connect("admin", &app.base, token(&shop.owner)).await.unwrap();
        assert_eq!(
            d.emit_ack("admin", "join-admin", json!([])).await.unwrap()[0]["ok"],
            true
        );

        let (s, b) = call(
            app,
            Method::POST,
            "/courses",
            Some(&shop.owner),
            Some(json!({ "title": "Makeup", "price": 100 })),
        )
        .await;
        assert_eq!(s, 201, "{b}");
        let course = b["data"]["course"].clone();
        assert_eq!(
            d.events("anon", "courses-updated", SETTLE).await,
            vec![vec![json!({ "action": "created", "course": course })]]
        );
        assert_eq!(
            d.events("admin", "course-created", Duration::ZERO).await,
            vec![vec![json!({ "course": course })]]
        );

        let id = course["id"].as_str().unwrap();
        let (s, b) = call(
            app,
            Method::POST,
            &format!("/courses/{id}/apply"),
            None,
            Some(json!({ "customerName": "Guest", "customerPhone": "0300 1234567" })),
        )
        .await;
        assert_eq!(s, 201, "{b}");
        let application = b["data"]["application"]["id"].clone();
        assert_eq!(
            d.events("admin", "course-application-created", SETTLE).await,
            vec![vec![json!({ "applicationId": application, "courseId": id })]]
        );

        let (s, _) = call(
            app,
            Method::POST,
            "/blogs",
            Some(&shop.owner),
            Some(json!({ "title": "Tips", "content": "Rinse" })),
        )
        .await;
        assert_eq!(s, 201);
        let (s, b) = call(
            app,
            Method::POST,
            "/support/tickets",
            Some(&customer),
            Some(json!({ "subject": "Help", "message": "Please" })),
        )
        .await;
        assert_eq!(s, 201, "{b}");
        let ticket = b["data"]["ticket"]["id"].clone();
        assert_eq!(
            d.events("admin", "support-updated", SETTLE).await,
            vec![vec![json!({ "ticketId": ticket })]]
        );
        assert_eq!(d.events("anon", "blogs-updated", Duration::ZERO).await.len(), 1);
        // Nothing about applicants or tickets reaches anonymous sockets.
        for private in ["course-application-created", "support-updated", "course-created"] {
            assert!(
                d.events("anon", private, Duration::ZERO).await.is_empty(),
                "{private}"
            );
        }
    }
);
