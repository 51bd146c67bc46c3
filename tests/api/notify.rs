//! Notifications end to end: a change queues an in-app entry and a delivery per channel in its own
//! transaction; the outbox delivers through SMTP, FCM HTTP v1 and Twilio (local servers that speak
//! their APIs), retries with backoff, keeps the dead letters, forgets dead device tokens; reminders
//! go exactly once, whatever the number of instances.

use std::time::Duration;

use pulse::server::entities::{appointments, notifications, outbox, users};
use reqwest::{Method, StatusCode};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, Set};
use serde_json::{json, Value};

use crate::booking::{call, shop_on, Shop};
use crate::both_backends;
use crate::fakes::{FakeFcm, FakeTwilio, TWILIO_FROM, TWILIO_SID, TWILIO_TOKEN};
use crate::helpers::{create_account, sign_in_token, spawn_app_with, spawn_peer, Backend, Spawn};
use crate::mail::MailSink;

struct World {
    shop: Shop,
    fcm: FakeFcm,
    twilio: FakeTwilio,
    mail: MailSink,
}

/// A shop whose notifications go to local SMTP, FCM and Twilio servers.
async fn world(backend: Backend, extra: &[(&'static str, &str)]) -> World {
    let fcm = FakeFcm::start().await;
    let twilio = FakeTwilio::start().await;
    let mail = MailSink::start();
    let mut opts = Spawn::default()
        .var("SMTP_URL", mail.url.clone())
        .var("FCM_SERVICE_ACCOUNT", fcm.service_account())
        .var("FCM_BASE_URL", fcm.base.clone())
        .var("TWILIO_ACCOUNT_SID", TWILIO_SID)
        .var("TWILIO_AUTH_TOKEN", TWILIO_TOKEN)
        .var("TWILIO_FROM", TWILIO_FROM)
        .var("TWILIO_BASE_URL", twilio.base.clone())
        .var("OUTBOX_RETRY_BASE_MS", "50");
    for (k, v) in extra {
        opts = opts.var(k, *v);
    }
    let shop = shop_on(spawn_app_with(backend, opts).await).await;
    World {
        shop,
        fcm,
        twilio,
        mail,
    }
}

/// A customer with a phone and a device token; their access token.
async fn customer(w: &World) -> (users::Model, String) {
    let app = &w.shop.app;
    let u = create_account(app, "cara@example.com", "Customer", true).await;
    let mut active: users::ActiveModel = u.into();
    active.phone = Set(Some("+44 20 7946 0000".into()));
    let u = active.update(&app.state.db).await.unwrap();
    let token = sign_in_token(app, "cara@example.com").await;
    let (s, b) = call(
        app,
        Method::POST,
        "/notifications/save-token",
        Some(&token),
        Some(json!({ "fcmToken": "device-cara-1" })),
    )
    .await;
    assert_eq!(s, 200, "{b}");
    (u, token)
}

fn booking(shop: &Shop, time: &str) -> Value {
    json!({
        "serviceId": shop.service, "appointmentDate": shop.day, "appointmentTime": time,
        "customerName": "Cara Client", "customerPhone": "+44 20 7946 0000", "payNow": false,
    })
}

async fn until<T>(what: &str, mut f: impl FnMut() -> Option<T>) -> T {
    for _ in 0..200 {
        if let Some(v) = f() {
            return v;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("{what} did not happen within 10 s");
}

async fn outbox_rows(w: &World, channel: &str) -> Vec<outbox::Model> {
    outbox::Entity::find()
        .filter(outbox::Column::Channel.eq(channel))
        .all(&w.shop.app.state.db)
        .await
        .unwrap()
}

both_backends!(
    async fn a_booking_reaches_its_customer_in_the_app_by_email_push_and_sms(backend: Backend) {
        let w = world(backend, &[]).await;
        let (user, token) = customer(&w).await;
        let app = &w.shop.app;
        let (s, b) = call(
            app,
            Method::POST,
            "/appointments",
            Some(&token),
            Some(booking(&w.shop, "10:00")),
        )
        .await;
        assert_eq!(s, 201, "{b}");
        let id = b["data"]["appointment"]["id"].as_str().unwrap().to_owned();

        // Push, in the contract's shape (§4), after the JWT bearer grant.
        let fcm = w.fcm.clone();
        let message = until("the push", || fcm.sent().into_iter().next()).await;
        let m = &message["message"];
        assert_eq!(m["token"], "device-cara-1");
        assert_eq!(m["notification"]["title"], "Booking received");
        assert_eq!(m["data"], json!({ "type": "appointment", "id": id }));
        assert_eq!(
            m["android"],
            json!({ "priority": "high", "notification": { "channel_id": "default" } })
        );
        assert_eq!(
            m["apns"]["payload"]["aps"],
            json!({ "sound": "default", "badge": 1 })
        );
        assert_eq!(
            w.fcm.grants().len(),
            1,
            "the access token is kept, not fetched per message"
        );
        // SMS, in E.164.
        let twilio = w.twilio.clone();
        let sms = until("the SMS", || twilio.sent().into_iter().next()).await;
        assert_eq!(sms["To"], "+442079460000");
        assert_eq!(sms["From"], TWILIO_FROM);
        assert!(sms["Body"].contains("Cut"), "{sms:?}");
        // Email.
        let mail = w.mail.wait_for("cara@example.com", 1).await;
        assert!(mail.raw.contains("Subject: Booking received"));

        // The in-app inbox: a bare list with the contract's keys.
        let (s, inbox) = call(app, Method::GET, "/notifications/my", Some(&token), None).await;
        assert_eq!(s, 200);
        let entries = inbox["data"].as_array().expect("data is a bare list");
        assert_eq!(entries.len(), 1);
        let e = &entries[0];
        for key in ["id", "title", "message", "type", "is_read", "created_at"] {
            assert!(e.get(key).is_some(), "{key} missing: {e}");
        }
        assert_eq!(
            (e["type"].as_str(), e["is_read"].as_bool()),
            (Some("appointment"), Some(false))
        );
        let (s, _) = call(
            app,
            Method::POST,
            format!("/notifications/{}/read", e["id"].as_str().unwrap()),
            Some(&token),
            None,
        )
        .await;
        assert_eq!(s, 200);
        let (_, inbox) = call(app, Method::GET, "/notifications/my", Some(&token), None).await;
        assert_eq!(inbox["data"][0]["is_read"], true);
        // Someone else's entry is not found.
        create_account(app, "eve@example.com", "Customer", true).await;
        let eve = sign_in_token(app, "eve@example.com").await;
        let (s, _) = call(
            app,
            Method::POST,
            format!("/notifications/{}/read", e["id"].as_str().unwrap()),
            Some(&eve),
            None,
        )
        .await;
        assert_eq!(s, 404);

        // A status change, paid, cancelled: each is one more message on each channel.
        let (s, _) = call(
            app,
            Method::PUT,
            format!("/appointments/{id}/pay"),
            Some(&w.shop.owner),
            Some(json!({ "paymentMethod": "cash" })),
        )
        .await;
        assert_eq!(s, 200);
        let fcm = w.fcm.clone();
        let paid = until("the payment push", || fcm.sent().get(1).cloned()).await;
        assert_eq!(paid["message"]["notification"]["title"], "Payment received");
        assert_eq!(
            notifications::Entity::find()
                .filter(notifications::Column::UserId.eq(user.id))
                .count(&app.state.db)
                .await
                .unwrap(),
            2
        );
    }
);

both_backends!(
    async fn a_device_fcm_no_longer_knows_is_forgotten(backend: Backend) {
        let w = world(backend, &[]).await;
        let (user, token) = customer(&w).await;
        w.fcm.unregister("device-cara-1");
        let (s, _) = call(
            &w.shop.app,
            Method::POST,
            "/appointments",
            Some(&token),
            Some(booking(&w.shop, "11:00")),
        )
        .await;
        assert_eq!(s, 201);
        let db = w.shop.app.state.db.clone();
        for _ in 0..200 {
            let u = users::Entity::find_by_id(user.id)
                .one(&db)
                .await
                .unwrap()
                .unwrap();
            if u.fcm_token.is_none() {
                let rows = outbox_rows(&w, "push").await;
                assert_eq!(rows[0].status, "failed");
                assert!(rows[0].last_error.as_deref().unwrap().contains("UNREGISTERED"));
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("the dead token was kept");
    }
);

both_backends!(
    async fn failed_deliveries_are_retried_with_backoff_then_kept_as_dead_letters(backend: Backend) {
        let w = world(backend, &[("OUTBOX_MAX_ATTEMPTS", "3")]).await;
        let (_, token) = customer(&w).await;
        let app = &w.shop.app;
        // Two failures, then it goes through.
        w.fcm.fail_next(2);
        call(
            app,
            Method::POST,
            "/appointments",
            Some(&token),
            Some(booking(&w.shop, "14:00")),
        )
        .await;
        let fcm = w.fcm.clone();
        until("the retried push", || fcm.sent().into_iter().next()).await;
        let rows = outbox_rows(&w, "push").await;
        assert_eq!((rows[0].status.as_str(), rows[0].attempts), ("sent", 3));

        // Failing every time: given up after three tries, kept with the error.
        w.fcm.fail_next(100);
        call(
            app,
            Method::POST,
            "/appointments",
            Some(&token),
            Some(booking(&w.shop, "15:00")),
        )
        .await;
        let db = app.state.db.clone();
        let mut dead = None;
        for _ in 0..200 {
            let rows = outbox::Entity::find()
                .filter(outbox::Column::Channel.eq("push"))
                .filter(outbox::Column::Status.eq("failed"))
                .all(&db)
                .await
                .unwrap();
            if let Some(r) = rows.into_iter().next() {
                dead = Some(r);
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let dead = dead.expect("a dead letter");
        assert_eq!(dead.attempts, 3);
        assert!(dead.last_error.as_deref().unwrap().contains("UNAVAILABLE"));
        // Sent again by hand, once FCM is back.
        w.fcm.fail_next(0);
        pulse::server::notify::log::retry(&db, dead.id).await.unwrap();
        app.state.outbox_kick.now();
        let fcm = w.fcm.clone();
        until("the retried dead letter", || fcm.sent().get(1).cloned()).await;
        assert_eq!(
            pulse::server::notify::log::retry(&db, dead.id)
                .await
                .unwrap_err()
                .status(),
            StatusCode::CONFLICT,
            "only a failed delivery is sent again"
        );
    }
);

both_backends!(
    async fn channels_are_off_unless_configured(backend: Backend) {
        let shop = shop_on(spawn_app_with(backend, Spawn::default()).await).await;
        let app = &shop.app;
        let u = create_account(app, "cara@example.com", "Customer", true).await;
        let mut active: users::ActiveModel = u.into();
        active.phone = Set(Some("+44 20 7946 0000".into()));
        active.fcm_token = Set(Some("device".into()));
        active.update(&app.state.db).await.unwrap();
        let token = sign_in_token(app, "cara@example.com").await;
        let (s, _) = call(
            app,
            Method::POST,
            "/appointments",
            Some(&token),
            Some(booking(&shop, "10:00")),
        )
        .await;
        assert_eq!(s, 201);
        let channels: Vec<String> = outbox::Entity::find()
            .all(&app.state.db)
            .await
            .unwrap()
            .into_iter()
            .map(|r| r.channel)
            .collect();
        assert_eq!(channels, ["email"], "no push or SMS without their configuration");
    }
);

both_backends!(
    async fn the_notification_routes_follow_the_contract(backend: Backend) {
        let w = world(backend, &[]).await;
        let app = &w.shop.app;
        create_account(app, "ann@example.com", "Customer", true).await;
        let token = sign_in_token(app, "ann@example.com").await;
        let (s, b) = call(app, Method::GET, "/notifications/my", Some(&token), None).await;
        assert_eq!((s, b["data"].clone()), (StatusCode::OK, json!([])));
        let (s, b) = call(
            app,
            Method::POST,
            "/notifications/save-token",
            Some(&token),
            Some(json!({})),
        )
        .await;
        assert_eq!(
            (s, b["errors"][0]["field"].clone()),
            (StatusCode::BAD_REQUEST, json!("fcmToken"))
        );
        let (s, _) = call(
            app,
            Method::POST,
            "/notifications/clear-token",
            Some(&token),
            Some(json!({})),
        )
        .await;
        assert_eq!(s, 200);
        for bad in [json!("two words"), json!("é".repeat(10)), json!("x".repeat(4097))] {
            let (s, b) = call(
                app,
                Method::POST,
                "/notifications/save-token",
                Some(&token),
                Some(json!({ "fcmToken": bad })),
            )
            .await;
            assert_eq!(
                (s, b["errors"][0]["field"].as_str()),
                (StatusCode::BAD_REQUEST, Some("fcmToken")),
                "{b}"
            );
        }
        let guest = call(app, Method::POST, "/auth/guest", None, Some(json!({})))
            .await
            .1;
        let guest = guest["data"]["accessToken"].as_str().unwrap().to_owned();
        for (method, path) in [
            (Method::POST, "/notifications/save-token"),
            (Method::GET, "/notifications/my"),
        ] {
            let (s, b) = call(app, method, path, Some(&guest), Some(json!({ "fcmToken": "x" }))).await;
            assert_eq!(
                (s, b["code"].as_str()),
                (StatusCode::FORBIDDEN, Some("GUEST_RESTRICTED")),
                "{path}"
            );
        }
        assert_eq!(
            call(app, Method::GET, "/notifications/my", None, None).await.0,
            401
        );
    }
);

/// A confirmed appointment of `user` starting `minutes` from now, booked a day ago.
async fn confirmed_in(shop: &Shop, user: uuid::Uuid, minutes: i64) -> uuid::Uuid {
    let now = chrono::Utc::now();
    let start = now + chrono::Duration::minutes(minutes);
    let id = uuid::Uuid::now_v7();
    appointments::ActiveModel {
        id: Set(id),
        user_id: Set(Some(user)),
        service_id: Set(shop.service.parse().unwrap()),
        expert_id: Set(shop.expert.parse().unwrap()),
        customer_name: Set("Cara".into()),
        customer_phone: Set("+44 20 7946 0000".into()),
        customer_email: Set(None),
        starts_at: Set(start),
        ends_at: Set(start + chrono::Duration::minutes(60)),
        status: Set("confirmed".into()),
        payment_status: Set("paid".into()),
        payment_method: Set(Some("cash".into())),
        price_minor: Set(2550),
        notes: Set(None),
        expires_at: Set(None),
        paid_at: Set(Some(now)),
        cancelled_at: Set(None),
        cancel_reason: Set(None),
        created_by: Set(None),
        offer_id: Set(None),
        discount_minor: Set(0),
        payment_id: Set(None),
        created_at: Set(now - chrono::Duration::days(1)),
        updated_at: Set(now),
    }
    .insert(&shop.app.state.db)
    .await
    .unwrap();
    id
}

async fn reminders_for(shop: &Shop, user: uuid::Uuid) -> u64 {
    notifications::Entity::find()
        .filter(notifications::Column::UserId.eq(user))
        .count(&shop.app.state.db)
        .await
        .unwrap()
}

both_backends!(
    async fn reminders_go_exactly_once_across_instances_and_not_for_cancelled_ones(backend: Backend) {
        use pulse::server::notify::reminders::send_due;
        let opts = Spawn::default().var("REMINDER_MINUTES", "120");
        let shop = shop_on(spawn_app_with(backend, opts.clone()).await).await;
        let peer = spawn_peer(&shop.app, opts).await;
        let user = create_account(&shop.app, "cara@example.com", "Customer", true).await;
        let id = confirmed_in(&shop, user.id, 90).await;
        // Both instances look at once, twice over.
        let (a, b) = tokio::join!(send_due(&shop.app.state), send_due(&peer.state));
        let (c, d) = tokio::join!(send_due(&shop.app.state), send_due(&peer.state));
        assert_eq!(a.unwrap() + b.unwrap() + c.unwrap() + d.unwrap(), 1);
        assert_eq!(reminders_for(&shop, user.id).await, 1);

        // Moved: its reminder is planned again for the new start.
        let later = chrono::Utc::now() + chrono::Duration::minutes(100);
        appointments::Entity::update_many()
            .col_expr(
                appointments::Column::StartsAt,
                sea_orm::sea_query::Expr::value(later),
            )
            .col_expr(
                appointments::Column::EndsAt,
                sea_orm::sea_query::Expr::value(later + chrono::Duration::minutes(60)),
            )
            .filter(appointments::Column::Id.eq(id))
            .exec(&shop.app.state.db)
            .await
            .unwrap();
        assert_eq!(send_due(&peer.state).await.unwrap(), 1);
        // Cancelled: none.
        let other = confirmed_in(&shop, user.id, 30).await;
        appointments::Entity::update_many()
            .col_expr(
                appointments::Column::Status,
                sea_orm::sea_query::Expr::value("cancelled"),
            )
            .filter(appointments::Column::Id.eq(other))
            .exec(&shop.app.state.db)
            .await
            .unwrap();
        assert_eq!(send_due(&shop.app.state).await.unwrap(), 0);
        assert_eq!(reminders_for(&shop, user.id).await, 2);
    }
);

/// The outbox's drain rate with every channel answering in 50 ms: `make bench` runs it
/// (`cargo test … -- --ignored bench_`); it prints its figure rather than asserting a time.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "a benchmark: run by make bench"]
async fn bench_outbox_drain_with_50_ms_providers() {
    use pulse::server::entities::outbox;
    for backend in [Backend::Sqlite, Backend::Postgres] {
        let w = world(backend, &[]).await;
        w.fcm.answer_after(Duration::from_millis(50));
        w.twilio.answer_after(Duration::from_millis(50));
        let db = &w.shop.app.state.db;
        // Warm the access token, then queue 600 messages at once.
        let _ = w.fcm.grants();
        let now = chrono::Utc::now();
        let rows: Vec<outbox::ActiveModel> = (0..600)
            .map(|i| outbox::ActiveModel {
                id: Set(uuid::Uuid::now_v7()),
                channel: Set(if i % 2 == 0 { "push" } else { "sms" }.into()),
                // One message each for 600 people: one person's messages go in order, one at a time.
                recipient: Set(if i % 2 == 0 {
                    format!("device-{i}")
                } else {
                    format!("+4420794{i:05}")
                }),
                subject: Set("Bench".into()),
                body_text: Set("Bench message".into()),
                body_html: Set(None),
                status: Set("pending".into()),
                attempts: Set(0),
                last_error: Set(None),
                next_attempt_at: Set(now),
                created_at: Set(now),
                sent_at: Set(None),
                user_id: Set(None),
                kind: Set(Some("bench".into())),
                payload: Set(Some("{}".into())),
            })
            .collect();
        let started = std::time::Instant::now();
        for chunk in rows.chunks(100) {
            outbox::Entity::insert_many(chunk.to_vec())
                .exec(db)
                .await
                .unwrap();
        }
        w.shop.app.state.outbox_kick.now();
        loop {
            let left = outbox::Entity::find()
                .filter(outbox::Column::Status.ne("sent"))
                .filter(outbox::Column::Kind.eq("bench"))
                .count(db)
                .await
                .unwrap();
            if left == 0 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        let secs = started.elapsed().as_secs_f64();
        println!(
            "outbox drain ({backend:?}): 600 deliveries (push and SMS, each answered in 50 ms) in {secs:.2} s: {:.0} per second",
            600.0 / secs
        );
    }
}

both_backends!(
    async fn a_message_claimed_by_an_instance_that_died_is_sent_by_another(backend: Backend) {
        let w = world(backend, &[]).await;
        let app = &w.shop.app;
        let now = chrono::Utc::now();
        let row = |to: &str, lease_ends: chrono::DateTime<chrono::Utc>| outbox::ActiveModel {
            id: Set(uuid::Uuid::now_v7()),
            channel: Set("email".into()),
            recipient: Set(to.into()),
            subject: Set("Left behind".into()),
            body_text: Set("Claimed, then the instance died.".into()),
            body_html: Set(None),
            status: Set("sending".into()),
            attempts: Set(0),
            last_error: Set(None),
            next_attempt_at: Set(lease_ends),
            created_at: Set(now - chrono::Duration::minutes(10)),
            sent_at: Set(None),
            user_id: Set(None),
            kind: Set(None),
            payload: Set(None),
        };
        // One whose lease ran out, and one still held by a living instance.
        let stale = row("stale@example.com", now - chrono::Duration::seconds(1))
            .insert(&app.state.db)
            .await
            .unwrap();
        let held = row("held@example.com", now + chrono::Duration::minutes(4))
            .insert(&app.state.db)
            .await
            .unwrap();
        app.state.outbox_kick.now();
        w.mail.wait_for("stale@example.com", 1).await;
        let find = |id| outbox::Entity::find_by_id(id).one(&app.state.db);
        // The result is written just after the server accepted the message.
        let mut settled = None;
        for _ in 0..200 {
            let row = find(stale.id).await.unwrap().unwrap();
            if row.status != "sending" {
                settled = Some(row);
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let stale = settled.expect("the stale claim settled");
        assert_eq!((stale.status.as_str(), stale.attempts), ("sent", 1));
        let held = find(held.id).await.unwrap().unwrap();
        assert_eq!(held.status, "sending");
        assert!(w.mail.messages_to("held@example.com").is_empty());
    }
);

both_backends!(
    async fn a_new_offer_is_announced_to_customers_in_the_app_and_by_push(backend: Backend) {
        let w = world(backend, &[]).await;
        let app = &w.shop.app;
        let (_, cara) = customer(&w).await;
        // A customer without a device hears of it in the app only; staff do not hear of it.
        create_account(app, "dev@example.com", "User", true).await;
        let dev = sign_in_token(app, "dev@example.com").await;
        create_account(app, "desk@example.com", "Receptionist", true).await;
        let desk = sign_in_token(app, "desk@example.com").await;
        let day = |n: i64| {
            (chrono::Utc::now() + chrono::Duration::days(n))
                .format("%Y-%m-%d")
                .to_string()
        };
        let (s, b) = call(
            app,
            Method::POST,
            "/offers",
            Some(&w.shop.owner),
            Some(json!({ "title": "Spring", "discountPercentage": 20, "startDate": day(-1), "endDate": day(9) })),
        )
        .await;
        assert_eq!(s, 201, "{b}");
        let offer = b["data"]["offer"]["id"].as_str().unwrap().to_owned();
        let fcm = w.fcm.clone();
        let message = until("the offer push", || {
            fcm.sent()
                .into_iter()
                .find(|m| m["message"]["data"]["type"] == "offer")
        })
        .await;
        assert_eq!(message["message"]["token"], "device-cara-1");
        assert_eq!(message["message"]["notification"]["title"], "New Offer!");
        assert_eq!(message["message"]["notification"]["body"], "Spring: 20% OFF");
        assert_eq!(
            message["message"]["data"],
            json!({ "type": "offer", "id": offer })
        );
        for (token, expected) in [(&cara, 1), (&dev, 1), (&desk, 0)] {
            let (_, b) = call(app, Method::GET, "/notifications/my", Some(token), None).await;
            let offers = b["data"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|n| n["type"] == "offer")
                .count();
            assert_eq!(offers, expected, "{b}");
        }
        // An offer that has already ended is not announced.
        let (s, _) = call(
            app,
            Method::POST,
            "/offers",
            Some(&w.shop.owner),
            Some(json!({ "title": "Old", "discountAmount": 5, "startDate": day(-9), "endDate": day(-2) })),
        )
        .await;
        assert_eq!(s, 201);
        tokio::time::sleep(Duration::from_millis(300)).await;
        let (_, b) = call(app, Method::GET, "/notifications/my", Some(&cara), None).await;
        assert_eq!(
            b["data"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|n| n["type"] == "offer")
                .count(),
            1
        );
    }
);
