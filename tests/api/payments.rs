//! Payments over HTTP (contract §2.6) against local servers that speak Stripe's API (and sign its
//! webhooks as Stripe does) and JazzCash's signed forms: a booking is paid only on the provider's
//! verified word, once, for the price the server set; a payment for a time someone else took is
//! refunded, never double-booked; staff refunds are claimed once.

use std::collections::BTreeMap;

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::booking::{call, shop_on, Shop};
use crate::both_backends;
use crate::fakes::{stripe_signature, FakeStripe, STRIPE_WEBHOOK_SECRET};
use crate::helpers::{create_account, sign_in_token, spawn_app, spawn_app_with, Backend, Spawn, TestApp};

async fn stripe_shop(backend: Backend) -> (Shop, FakeStripe) {
    let stripe = FakeStripe::start().await;
    let mut spawn = Spawn::default();
    for (k, v) in stripe.vars() {
        spawn = spawn.var(k, v);
    }
    (shop_on(spawn_app_with(backend, spawn).await).await, stripe)
}

async fn customer(app: &TestApp, email: &str) -> String {
    create_account(app, email, "Customer", true).await;
    sign_in_token(app, email).await
}

fn line(shop: &Shop, time: &str) -> Value {
    json!({ "serviceId": shop.service, "appointmentDate": shop.day, "appointmentTime": time })
}

fn checkout(shop: &Shop, time: &str) -> Value {
    json!({
        "amount": 1, "currency": "pkr",
        "serviceId": shop.service, "appointmentDate": shop.day, "appointmentTime": time,
        "customerName": "Pat Payer", "customerEmail": "pat@example.com", "customerPhone": "+44 20 7946 0000"
    })
}

async fn webhook(app: &TestApp, payload: &str, signature: &str) -> (StatusCode, Value) {
    let r = app
        .client
        .post(app.url("/api/v1/payments/webhook"))
        .header("content-type", "application/json")
        .header("stripe-signature", signature)
        .body(payload.to_owned())
        .send()
        .await
        .unwrap();
    let status = r.status();
    (status, r.json().await.unwrap_or(Value::Null))
}

async fn signed_webhook(app: &TestApp, payload: &str) -> (StatusCode, Value) {
    let sig = stripe_signature(payload, STRIPE_WEBHOOK_SECRET, chrono::Utc::now().timestamp());
    webhook(app, payload, &sig).await
}

async fn appointment(app: &TestApp, owner: &str, id: &str) -> Value {
    let (s, b) = call(app, Method::GET, format!("/appointments/{id}"), Some(owner), None).await;
    assert_eq!(s, 200, "{b}");
    b["data"]["appointment"].clone()
}

both_backends!(
    async fn payments_answer_503_when_no_provider_is_configured(backend: Backend) {
        let app = spawn_app(backend).await;
        let token = customer(&app, "pat@example.com").await;
        for path in ["/payments/create-intent", "/payments/jazzcash/initiate"] {
            let (s, b) = call(
                &app,
                Method::POST,
                path,
                Some(&token),
                Some(json!({ "amount": 2550 })),
            )
            .await;
            assert_eq!(s, StatusCode::SERVICE_UNAVAILABLE, "{path}: {b}");
            assert!(b["message"].as_str().unwrap().contains("not configured"), "{b}");
        }
        let (s, _) = webhook(&app, "{}", "t=1,v1=00").await;
        assert_eq!(s, StatusCode::SERVICE_UNAVAILABLE);
    }
);

both_backends!(
    async fn a_card_payment_books_at_the_servers_price_and_settles_only_on_stripes_word(backend: Backend) {
        let (shop, stripe) = stripe_shop(backend).await;
        let app = &shop.app;
        let pat = customer(app, "pat@example.com").await;
        let (_, b) = call(app, Method::POST, "/auth/guest", None, Some(json!({}))).await;
        let guest = b["data"]["accessToken"].as_str().unwrap().to_owned();

        // Guests are asked to sign up; nothing is created at Stripe.
        let (s, b) = call(
            app,
            Method::POST,
            "/payments/create-intent",
            Some(&guest),
            Some(checkout(&shop, "09:00")),
        )
        .await;
        assert_eq!(
            (s, b["code"].as_str()),
            (StatusCode::FORBIDDEN, Some("GUEST_RESTRICTED"))
        );
        assert_eq!(
            call(
                app,
                Method::POST,
                "/payments/create-intent",
                None,
                Some(checkout(&shop, "09:00"))
            )
            .await
            .0,
            401
        );
        assert_eq!(stripe.intents(), 0);

        // A 20 % offer: 25.50 less 5.10. The client's amount (1) is not believed.
        let (_, b) = call(
            app,
            Method::POST,
            "/offers",
            Some(&shop.owner),
            Some(json!({
                "title": "Fifth", "discountPercentage": 20,
                "startDate": (chrono::Utc::now() - chrono::Duration::days(1)).format("%Y-%m-%d").to_string(),
                "endDate": (chrono::Utc::now() + chrono::Duration::days(9)).format("%Y-%m-%d").to_string()
            })),
        )
        .await;
        let offer = b["data"]["offer"]["id"].as_str().unwrap().to_owned();
        let mut body = checkout(&shop, "09:00");
        body["offerId"] = json!(offer);
        let (s, b) = call(
            app,
            Method::POST,
            "/payments/create-intent",
            Some(&pat),
            Some(body),
        )
        .await;
        assert_eq!(s, 200, "{b}");
        let intent = b["paymentIntentId"].as_str().unwrap().to_owned();
        assert_eq!(b["clientSecret"], format!("{intent}_secret_test"));
        assert_eq!(
            (b["amount"].as_i64(), &b["currency"]),
            (Some(2040), &json!("pkr"))
        );
        assert_eq!(stripe.intent(&intent)["amount"], 2040);
        assert_eq!(stripe.intent(&intent)["metadata"]["paymentId"], b["paymentId"]);
        let booked = b["appointments"][0].clone();
        assert_eq!(
            (&booked["status"], &booked["payment_status"]),
            (&json!("reserved"), &json!("unpaid"))
        );
        let booked = booked["id"].as_str().unwrap().to_owned();

        // "I paid" before Stripe says so changes nothing.
        let confirm = json!({ "paymentIntentId": intent });
        let (s, b) = call(
            app,
            Method::POST,
            "/payments/confirm-appointment",
            Some(&pat),
            Some(confirm.clone()),
        )
        .await;
        assert_eq!(s, StatusCode::CONFLICT, "{b}");
        assert_eq!(
            appointment(app, &shop.owner, &booked).await["payment_status"],
            "unpaid"
        );
        // Someone else's intent is not theirs to confirm.
        let other = customer(app, "eve@example.com").await;
        assert_eq!(
            call(
                app,
                Method::POST,
                "/payments/confirm-appointment",
                Some(&other),
                Some(confirm.clone())
            )
            .await
            .0,
            404
        );

        stripe.succeed(&intent, None);
        let (s, b) = call(
            app,
            Method::POST,
            "/payments/confirm-appointment",
            Some(&pat),
            Some(confirm.clone()),
        )
        .await;
        assert_eq!(s, 200, "{b}");
        assert_eq!(b["payment"]["status"], "succeeded");
        let a = appointment(app, &shop.owner, &booked).await;
        assert_eq!(
            (
                &a["status"],
                &a["payment_status"],
                &a["payment_method"],
                &a["total_price"]
            ),
            (
                &json!("confirmed"),
                &json!("paid"),
                &json!("stripe"),
                &json!("20.40")
            )
        );
        // The webhook that follows, and a second confirm, change nothing.
        let event = stripe.event("payment_intent.succeeded", &intent);
        let (s, b) = signed_webhook(app, &event).await;
        assert_eq!(
            (s, &b["data"]["outcome"]["settled"]),
            (StatusCode::OK, &json!(false)),
            "{b}"
        );
        let (s, _) = call(
            app,
            Method::POST,
            "/payments/confirm-appointment",
            Some(&pat),
            Some(confirm),
        )
        .await;
        assert_eq!(s, 200);
        assert!(stripe.refunds().is_empty());
    }
);

both_backends!(
    async fn webhooks_are_signed_handled_once_and_checked_against_the_ledger(backend: Backend) {
        let (shop, stripe) = stripe_shop(backend).await;
        let app = &shop.app;
        let pat = customer(app, "pat@example.com").await;

        // One payment for a cart of two: all or nothing, priced on the server.
        let mut body = checkout(&shop, "09:00");
        body["cartItems"] = json!([line(&shop, "10:00"), line(&shop, "11:00")]);
        let (s, b) = call(
            app,
            Method::POST,
            "/payments/create-intent",
            Some(&pat),
            Some(body),
        )
        .await;
        assert_eq!(s, 200, "{b}");
        assert_eq!(b["amount"], 5100);
        let intent = b["paymentIntentId"].as_str().unwrap().to_owned();
        let ids: Vec<String> = b["appointments"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["id"].as_str().unwrap().to_owned())
            .collect();
        assert_eq!(ids.len(), 2);

        // A cart with a taken time books none of it.
        let mut clash = checkout(&shop, "09:00");
        clash["cartItems"] = json!([line(&shop, "13:00"), line(&shop, "10:00")]);
        let (s, b) = call(
            app,
            Method::POST,
            "/payments/create-intent",
            Some(&pat),
            Some(clash),
        )
        .await;
        assert_eq!(s, StatusCode::CONFLICT, "{b}");
        let (_, b) = call(app, Method::GET, "/appointments/my", Some(&pat), None).await;
        assert_eq!(b["data"]["appointments"].as_array().map(Vec::len), Some(2), "{b}");
        // A bad line is named.
        let mut bad = checkout(&shop, "09:00");
        bad["cartItems"] = json!([line(&shop, "13:00"), { "serviceId": "x", "appointmentDate": shop.day, "appointmentTime": "25:00" }]);
        let (s, b) = call(
            app,
            Method::POST,
            "/payments/create-intent",
            Some(&pat),
            Some(bad),
        )
        .await;
        assert_eq!(s, 400);
        let fields: Vec<&str> = b["errors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["field"].as_str().unwrap())
            .collect();
        assert_eq!(
            fields,
            ["cartItems[1].serviceId", "cartItems[1].appointmentTime"],
            "{b}"
        );

        // Unsigned, wrongly signed, stale or garbled: refused, nothing settles.
        stripe.succeed(&intent, None);
        let event = stripe.event("payment_intent.succeeded", &intent);
        let now = chrono::Utc::now().timestamp();
        for sig in [
            String::new(),
            stripe_signature(&event, "whsec_wrong", now),
            stripe_signature(&event, STRIPE_WEBHOOK_SECRET, now - 600),
            "t=abc,v1=zz".to_owned(),
        ] {
            let (s, b) = webhook(app, &event, &sig).await;
            assert_eq!(s, 400, "{sig}: {b}");
        }
        let tampered = event.replace("\"amount_received\":5100", "\"amount_received\":1");
        let (s, _) = webhook(
            app,
            &tampered,
            &stripe_signature(&event, STRIPE_WEBHOOK_SECRET, now),
        )
        .await;
        assert_eq!(s, 400);
        assert_eq!(
            appointment(app, &shop.owner, &ids[0]).await["payment_status"],
            "unpaid"
        );

        // Signed: both bookings are paid. Replayed: nothing more.
        let (s, b) = signed_webhook(app, &event).await;
        assert_eq!(
            (s, &b["data"]["outcome"]["settled"]),
            (StatusCode::OK, &json!(true)),
            "{b}"
        );
        for id in &ids {
            assert_eq!(appointment(app, &shop.owner, id).await["payment_status"], "paid");
        }
        let (s, b) = signed_webhook(app, &event).await;
        assert_eq!((s, &b["data"]["duplicate"]), (StatusCode::OK, &json!(true)));
        // Out of order: a failure reported after the success does not undo it.
        let late = stripe.event("payment_intent.payment_failed", &intent);
        assert_eq!(signed_webhook(app, &late).await.0, 200);
        let (_, b) = call(app, Method::GET, "/payments/admin", Some(&shop.owner), None).await;
        let ledger = b["data"]["payments"].as_array().unwrap();
        assert_eq!(ledger.len(), 1, "{b}");
        assert_eq!(
            (&ledger[0]["status"], &ledger[0]["amount"]),
            (&json!("succeeded"), &json!("51.00"))
        );
        assert_eq!(ledger[0]["appointment_ids"].as_array().map(Vec::len), Some(2));

        // A declined card leaves the payment open: paid with another card, it settles.
        let (_, b) = call(
            app,
            Method::POST,
            "/payments/create-intent",
            Some(&pat),
            Some(checkout(&shop, "15:00")),
        )
        .await;
        let retried = b["paymentIntentId"].as_str().unwrap().to_owned();
        let declined = stripe.event("payment_intent.payment_failed", &retried);
        let (s, b) = signed_webhook(app, &declined).await;
        assert_eq!(
            (s, &b["data"]["outcome"]["declined"]),
            (StatusCode::OK, &json!(true)),
            "{b}"
        );
        stripe.succeed(&retried, None);
        let (s, b) = signed_webhook(app, &stripe.event("payment_intent.succeeded", &retried)).await;
        assert_eq!(
            (s, &b["data"]["outcome"]["settled"]),
            (StatusCode::OK, &json!(true)),
            "{b}"
        );

        // An intent Pulse never made is acknowledged and ignored.
        let foreign = {
            let (s, b) = call(
                app,
                Method::POST,
                "/payments/create-intent",
                Some(&pat),
                Some(json!({ "amount": 700 })),
            )
            .await;
            assert_eq!(s, 200, "{b}");
            b["paymentIntentId"].as_str().unwrap().to_owned()
        };
        let mut unknown: Value =
            serde_json::from_str(&stripe.event("payment_intent.succeeded", &foreign)).unwrap();
        unknown["data"]["object"]["id"] = json!("pi_not_ours");
        let (s, b) = signed_webhook(app, &unknown.to_string()).await;
        assert_eq!(
            (s, &b["data"]["outcome"]["ignored"]),
            (StatusCode::OK, &json!(true)),
            "{b}"
        );

        // The amount Stripe took is not the ledger's: not settled, the money goes back.
        let (_, b) = call(
            app,
            Method::POST,
            "/payments/create-intent",
            Some(&pat),
            Some(checkout(&shop, "14:00")),
        )
        .await;
        let odd = b["paymentIntentId"].as_str().unwrap().to_owned();
        let odd_booking = b["appointments"][0]["id"].as_str().unwrap().to_owned();
        stripe.succeed(&odd, Some(999));
        let (s, b) = signed_webhook(app, &stripe.event("payment_intent.succeeded", &odd)).await;
        assert_eq!(
            (s, &b["data"]["outcome"]["refunded"]),
            (StatusCode::OK, &json!(true)),
            "{b}"
        );
        let refunds = stripe.refunds();
        assert_eq!(
            (
                refunds.len(),
                &refunds[0]["amount"],
                &refunds[0]["payment_intent"]
            ),
            (1, &json!(999), &json!(odd))
        );
        let a = appointment(app, &shop.owner, &odd_booking).await;
        assert_eq!(
            (&a["status"], &a["payment_status"]),
            (&json!("cancelled"), &json!("unpaid"))
        );
    }
);

/// Makes a reservation's hold run out now (as if the customer took hours at the payment sheet).
async fn expire(app: &TestApp, id: &str) {
    use pulse::server::entities::appointments;
    use sea_orm::{sea_query::Expr, ColumnTrait, EntityTrait, QueryFilter};
    appointments::Entity::update_many()
        .col_expr(
            appointments::Column::ExpiresAt,
            Expr::value(Some(chrono::Utc::now() - chrono::Duration::minutes(1))),
        )
        .filter(appointments::Column::Id.eq(uuid::Uuid::parse_str(id).unwrap()))
        .exec(&app.state.db)
        .await
        .unwrap();
    let rules = pulse::server::booking::rules(&app.state).await.unwrap();
    pulse::server::booking::sweep::expire_due(&app.state, &rules)
        .await
        .unwrap();
}

both_backends!(
    async fn a_payment_for_a_time_someone_else_took_is_refunded_never_double_booked(backend: Backend) {
        let (shop, stripe) = stripe_shop(backend).await;
        let app = &shop.app;
        let pat = customer(app, "pat@example.com").await;
        let kim = customer(app, "kim@example.com").await;

        // Pat's reservation expires while Pat pays, and Kim books that time.
        let (_, b) = call(
            app,
            Method::POST,
            "/payments/create-intent",
            Some(&pat),
            Some(checkout(&shop, "10:00")),
        )
        .await;
        let intent = b["paymentIntentId"].as_str().unwrap().to_owned();
        let pats = b["appointments"][0]["id"].as_str().unwrap().to_owned();
        expire(app, &pats).await;
        let kims = json!({
            "serviceId": shop.service, "appointmentDate": shop.day, "appointmentTime": "10:00",
            "customerName": "Kim", "customerPhone": "+44 20 7946 0001", "payNow": false
        });
        let (s, b) = call(app, Method::POST, "/appointments", Some(&kim), Some(kims)).await;
        assert_eq!(s, 201, "{b}");

        stripe.succeed(&intent, None);
        let (s, b) = signed_webhook(app, &stripe.event("payment_intent.succeeded", &intent)).await;
        assert_eq!(
            (s, &b["data"]["outcome"]["lost"]),
            (StatusCode::OK, &json!(1)),
            "{b}"
        );
        let refunds = stripe.refunds();
        assert_eq!((refunds.len(), &refunds[0]["amount"]), (1, &json!(2550)));
        let a = appointment(app, &shop.owner, &pats).await;
        assert_eq!(
            (&a["status"], &a["payment_status"]),
            (&json!("cancelled"), &json!("refunded"))
        );
        // The same webhook again (Stripe retrying) refunds nothing more.
        let (s, _) = signed_webhook(app, &stripe.event("payment_intent.succeeded", &intent)).await;
        assert_eq!(s, 200);
        assert_eq!(stripe.refunds().len(), 1);
        let (_, b) = call(app, Method::GET, "/payments/admin", Some(&shop.owner), None).await;
        assert_eq!(b["data"]["payments"][0]["status"], "refunded");
        assert_eq!(b["data"]["payments"][0]["refunded"], "25.50");
        let (_, b) = call(
            app,
            Method::GET,
            "/audit-log?action=payment.booking_lost",
            Some(&shop.owner),
            None,
        )
        .await;
        assert_eq!(b["data"]["entries"].as_array().map(Vec::len), Some(1));

        // Expired but still free: revived, paid, nothing refunded.
        let (_, b) = call(
            app,
            Method::POST,
            "/payments/create-intent",
            Some(&pat),
            Some(checkout(&shop, "14:00")),
        )
        .await;
        let intent = b["paymentIntentId"].as_str().unwrap().to_owned();
        let later = b["appointments"][0]["id"].as_str().unwrap().to_owned();
        expire(app, &later).await;
        assert_eq!(appointment(app, &shop.owner, &later).await["status"], "cancelled");
        stripe.succeed(&intent, None);
        let (s, b) = signed_webhook(app, &stripe.event("payment_intent.succeeded", &intent)).await;
        assert_eq!(
            (s, &b["data"]["outcome"]["lost"]),
            (StatusCode::OK, &json!(0)),
            "{b}"
        );
        let a = appointment(app, &shop.owner, &later).await;
        assert_eq!(
            (&a["status"], &a["payment_status"], &a["cancelled_reason"]),
            (&json!("confirmed"), &json!("paid"), &Value::Null)
        );
        assert_eq!(stripe.refunds().len(), 1);

        // Paid after its time had passed (a webhook retried after an outage): refunded, not revived.
        let (_, b) = call(
            app,
            Method::POST,
            "/payments/create-intent",
            Some(&pat),
            Some(checkout(&shop, "16:00")),
        )
        .await;
        let intent = b["paymentIntentId"].as_str().unwrap().to_owned();
        let late = b["appointments"][0]["id"].as_str().unwrap().to_owned();
        expire(app, &late).await;
        {
            use pulse::server::entities::appointments;
            use sea_orm::{sea_query::Expr, ColumnTrait, EntityTrait, QueryFilter};
            let yesterday = chrono::Utc::now() - chrono::Duration::days(1);
            appointments::Entity::update_many()
                .col_expr(appointments::Column::StartsAt, Expr::value(yesterday))
                .col_expr(
                    appointments::Column::EndsAt,
                    Expr::value(yesterday + chrono::Duration::hours(1)),
                )
                .filter(appointments::Column::Id.eq(uuid::Uuid::parse_str(&late).unwrap()))
                .exec(&app.state.db)
                .await
                .unwrap();
        }
        stripe.succeed(&intent, None);
        let (s, b) = signed_webhook(app, &stripe.event("payment_intent.succeeded", &intent)).await;
        assert_eq!(
            (s, &b["data"]["outcome"]["lost"]),
            (StatusCode::OK, &json!(1)),
            "{b}"
        );
        assert_eq!(appointment(app, &shop.owner, &late).await["status"], "cancelled");
        assert_eq!(stripe.refunds().len(), 2);
    }
);

both_backends!(
    async fn the_older_apps_pay_first_flow_is_matched_on_the_server(backend: Backend) {
        let (shop, stripe) = stripe_shop(backend).await;
        let app = &shop.app;
        let pat = customer(app, "pat@example.com").await;
        let (s, b) = call(
            app,
            Method::POST,
            "/payments/create-intent",
            Some(&pat),
            Some(json!({ "amount": 2550, "currency": "pkr" })),
        )
        .await;
        assert_eq!(s, 200, "{b}");
        let intent = b["paymentIntentId"].as_str().unwrap().to_owned();
        assert_eq!(
            call(
                app,
                Method::POST,
                "/payments/create-intent",
                Some(&pat),
                Some(json!({ "amount": 99 }))
            )
            .await
            .0,
            400
        );
        assert_eq!(
            call(
                app,
                Method::POST,
                "/payments/create-intent",
                Some(&pat),
                Some(json!({ "amount": 500, "currency": "usd" }))
            )
            .await
            .0,
            400
        );
        stripe.succeed(&intent, None);
        let booking = |time: &str| {
            json!({
                "serviceId": shop.service, "appointmentDate": shop.day, "appointmentTime": time,
                "customerName": "Pat", "customerPhone": "+44 20 7946 0000", "payNow": true
            })
        };
        // Two bookings sent at once (a double tap): the one payment pays one of them.
        let (a, b) = tokio::join!(
            call(
                app,
                Method::POST,
                "/appointments",
                Some(&pat),
                Some(booking("09:00"))
            ),
            call(
                app,
                Method::POST,
                "/appointments",
                Some(&pat),
                Some(booking("11:00"))
            )
        );
        assert_eq!(
            (a.0, b.0),
            (StatusCode::CREATED, StatusCode::CREATED),
            "{a:?} {b:?}"
        );
        let paid: Vec<&Value> = [&a.1, &b.1]
            .into_iter()
            .filter(|r| r["data"]["appointment"]["payment_status"] == "paid")
            .collect();
        assert_eq!(paid.len(), 1, "{a:?} {b:?}");
        assert_eq!(paid[0]["message"], "Appointment booked and paid.");
        // Tied to a payment, it is cancelled (and refunded), never deleted.
        let id = paid[0]["data"]["appointment"]["id"].as_str().unwrap();
        let (s, _) = call(
            app,
            Method::DELETE,
            format!("/appointments/{id}"),
            Some(&shop.owner),
            None,
        )
        .await;
        assert_eq!(s, StatusCode::CONFLICT);
        // The payment is spent: "payNow" again proves nothing.
        let (s, b) = call(
            app,
            Method::POST,
            "/appointments",
            Some(&pat),
            Some(booking("10:00")),
        )
        .await;
        assert_eq!(s, 201, "{b}");
        assert_eq!(b["data"]["appointment"]["payment_status"], "unpaid");
    }
);

both_backends!(
    async fn staff_refunds_need_their_permission_and_happen_once(backend: Backend) {
        let (shop, stripe) = stripe_shop(backend).await;
        let app = &shop.app;
        let pat = customer(app, "pat@example.com").await;
        create_account(app, "desk@example.com", "Receptionist", true).await;
        let desk = sign_in_token(app, "desk@example.com").await;
        let (_, b) = call(
            app,
            Method::POST,
            "/payments/create-intent",
            Some(&pat),
            Some(checkout(&shop, "11:00")),
        )
        .await;
        let intent = b["paymentIntentId"].as_str().unwrap().to_owned();
        let payment = b["paymentId"].as_str().unwrap().to_owned();
        let booked = b["appointments"][0]["id"].as_str().unwrap().to_owned();
        stripe.succeed(&intent, None);
        assert_eq!(
            signed_webhook(app, &stripe.event("payment_intent.succeeded", &intent))
                .await
                .0,
            200
        );

        let path = format!("/payments/{payment}/refund");
        for token in [&pat, &desk] {
            assert_eq!(call(app, Method::POST, &path, Some(token), None).await.0, 403);
        }
        assert_eq!(
            call(app, Method::GET, "/payments/admin", Some(&pat), None)
                .await
                .0,
            403
        );
        let (a, b) = tokio::join!(
            call(app, Method::POST, &path, Some(&shop.owner), None),
            call(app, Method::POST, &path, Some(&shop.owner), None)
        );
        let mut statuses = [a.0, b.0];
        statuses.sort();
        assert_eq!(statuses, [StatusCode::OK, StatusCode::CONFLICT], "{a:?} {b:?}");
        assert_eq!(stripe.refunds().len(), 1);
        let a = appointment(app, &shop.owner, &booked).await;
        assert_eq!(
            (&a["status"], &a["payment_status"]),
            (&json!("cancelled"), &json!("refunded"))
        );
        let (_, b) = call(
            app,
            Method::GET,
            "/audit-log?action=payment.refunded_by_staff",
            Some(&shop.owner),
            None,
        )
        .await;
        assert_eq!(b["data"]["entries"].as_array().map(Vec::len), Some(1));
    }
);

// ---- JazzCash ----

const MERCHANT: &str = "MC12345";
const SALT: &str = "jazz-salt-1";

/// JazzCash's hash, computed here independently: HMAC-SHA256 under the salt of `salt&v1&v2…`
/// (non-empty `pp…` fields but the hash, by name), upper-case hex.
fn jazz_hash(fields: &BTreeMap<String, String>) -> String {
    use hmac::{Hmac, Mac};
    let mut text = SALT.to_owned();
    for (k, v) in fields {
        if k.starts_with("pp") && k != "pp_SecureHash" && !v.is_empty() {
            text.push('&');
            text.push_str(v);
        }
    }
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(SALT.as_bytes()).unwrap();
    mac.update(text.as_bytes());
    mac.finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02X}"))
        .collect()
}

/// What JazzCash posts back for a transaction, signed (or not).
fn jazz_reply(reference: &str, amount: &str, code: &str, signed: bool) -> Vec<(String, String)> {
    let mut f: BTreeMap<String, String> = [
        ("pp_Amount", amount),
        ("pp_AuthCode", "123456"),
        ("pp_BillReference", "bill"),
        ("pp_Language", "EN"),
        ("pp_MerchantID", MERCHANT),
        ("pp_ResponseCode", code),
        ("pp_ResponseMessage", "Thank you for Using JazzCash"),
        ("pp_RetreivalReferenceNo", "260101123456"),
        ("pp_SubMerchantId", ""),
        ("pp_TxnCurrency", "PKR"),
        ("pp_TxnDateTime", "20261202101500"),
        ("pp_TxnRefNo", reference),
        ("pp_TxnType", "MWALLET"),
        ("pp_Version", "1.1"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect();
    let hash = if signed { jazz_hash(&f) } else { "00".repeat(32) };
    f.insert("pp_SecureHash".into(), hash);
    f.into_iter().collect()
}

async fn jazz_post(app: &TestApp, path: &str, fields: &[(String, String)]) -> (StatusCode, String) {
    let r = app.client.post(app.url(path)).form(fields).send().await.unwrap();
    (r.status(), r.text().await.unwrap())
}

both_backends!(
    async fn jazzcash_forms_are_signed_and_its_signed_return_settles_once(backend: Backend) {
        let app = spawn_app_with(
            backend,
            Spawn::default()
                .var("JAZZCASH_MERCHANT_ID", MERCHANT)
                .var("JAZZCASH_PASSWORD", "jazz-pass")
                .var("JAZZCASH_INTEGRITY_SALT", SALT)
                .var("FRONTEND_URL", "https://app.pulse.test"),
        )
        .await;
        let shop = shop_on(app).await;
        let app = &shop.app;
        let pat = customer(app, "pat@example.com").await;
        let (s, b) = call(
            app,
            Method::POST,
            "/payments/jazzcash/initiate",
            Some(&pat),
            Some(json!({ "amount": 2550 })),
        )
        .await;
        assert_eq!(
            (s, &b["errors"][0]["field"]),
            (StatusCode::BAD_REQUEST, &json!("serviceId")),
            "{b}"
        );

        let (s, b) = call(
            app,
            Method::POST,
            "/payments/jazzcash/initiate",
            Some(&pat),
            Some(checkout(&shop, "09:00")),
        )
        .await;
        assert_eq!(s, 200, "{b}");
        assert_eq!(b["success"], true);
        let form: BTreeMap<String, String> = serde_json::from_value(b["formData"].clone()).unwrap();
        assert_eq!(form["pp_Amount"], "2550");
        assert_eq!(form["pp_MerchantID"], MERCHANT);
        assert_eq!(form["pp_SecureHash"], jazz_hash(&form));
        assert!(form["pp_ReturnURL"].ends_with("/api/v1/payments/jazzcash/return"));
        let html = b["checkoutHtml"].as_str().unwrap();
        assert!(html.contains(b["paymentUrl"].as_str().unwrap()) && html.contains(&form["pp_SecureHash"]));
        let reference = b["txnRefNo"].as_str().unwrap().to_owned();
        assert_eq!(form["pp_TxnRefNo"], reference);
        let booked = b["appointments"][0]["id"].as_str().unwrap().to_owned();

        // A forged return (bad hash) and a wrong amount change nothing.
        let (s, page) = jazz_post(
            app,
            "/api/v1/payments/jazzcash/return",
            &jazz_reply(&reference, "2550", "000", false),
        )
        .await;
        assert_eq!(s, 200);
        assert!(
            page.contains("https://app.pulse.test/payment-failed?ref=") && page.contains("code=invalid"),
            "{page}"
        );
        assert_eq!(
            appointment(app, &shop.owner, &booked).await["payment_status"],
            "unpaid"
        );

        // The signed return pays it and sends the web view to the success page.
        let (s, page) = jazz_post(
            app,
            "/api/v1/payments/jazzcash/return",
            &jazz_reply(&reference, "2550", "000", true),
        )
        .await;
        assert_eq!(s, 200);
        assert!(
            page.contains(&format!("https://app.pulse.test/payment-success?ref={reference}")),
            "{page}"
        );
        let a = appointment(app, &shop.owner, &booked).await;
        assert_eq!(
            (&a["status"], &a["payment_status"], &a["payment_method"]),
            (&json!("confirmed"), &json!("paid"), &json!("jazzcash"))
        );
        // The notify that follows is the same news.
        let (s, body) = jazz_post(
            app,
            "/api/v1/payments/jazzcash/notify",
            &jazz_reply(&reference, "2550", "121", true),
        )
        .await;
        assert_eq!(s, 200, "{body}");
        let (s, b) = call(
            app,
            Method::GET,
            &format!("/payments/jazzcash/status/{reference}"),
            Some(&pat),
            None,
        )
        .await;
        assert_eq!(
            (s, &b["data"]["status"]),
            (StatusCode::OK, &json!("succeeded")),
            "{b}"
        );
        let other = customer(app, "eve@example.com").await;
        assert_eq!(
            call(
                app,
                Method::GET,
                &format!("/payments/jazzcash/status/{reference}"),
                Some(&other),
                None
            )
            .await
            .0,
            404
        );

        // A JazzCash refund is owed first (made in JazzCash's portal), then recorded.
        let (_, b) = call(app, Method::GET, "/payments/admin", Some(&shop.owner), None).await;
        let paid_id = b["data"]["payments"][0]["id"].as_str().unwrap().to_owned();
        let path = format!("/payments/{paid_id}/refund");
        let (s, b) = call(app, Method::POST, &path, Some(&shop.owner), None).await;
        assert_eq!(
            (s, &b["data"]["payment"]["status"]),
            (StatusCode::OK, &json!("refund_due")),
            "{b}"
        );
        let (s, b) = call(app, Method::POST, &path, Some(&shop.owner), None).await;
        assert_eq!(
            (s, &b["data"]["payment"]["status"]),
            (StatusCode::OK, &json!("refunded")),
            "{b}"
        );
        assert_eq!(b["data"]["payment"]["refunded"], "25.50");
        let a = appointment(app, &shop.owner, &booked).await;
        assert_eq!(
            (&a["status"], &a["payment_status"]),
            (&json!("cancelled"), &json!("refunded"))
        );
        assert_eq!(
            call(app, Method::POST, &path, Some(&shop.owner), None).await.0,
            409
        );

        // A declined payment fails in the ledger; its reservation waits out its hold.
        let (_, b) = call(
            app,
            Method::POST,
            "/payments/jazzcash/initiate",
            Some(&pat),
            Some(checkout(&shop, "10:00")),
        )
        .await;
        let declined = b["txnRefNo"].as_str().unwrap().to_owned();
        let (_, page) = jazz_post(
            app,
            "/api/v1/payments/jazzcash/return",
            &jazz_reply(&declined, "2550", "112", true),
        )
        .await;
        assert!(
            page.contains(&format!("payment-failed?ref={declined}&amp;code=112")),
            "{page}"
        );
        let (_, b) = call(
            app,
            Method::GET,
            &format!("/payments/jazzcash/status/{declined}"),
            Some(&pat),
            None,
        )
        .await;
        assert_eq!(b["data"]["status"], "failed");
        // A notify with a bad hash is refused outright.
        let (s, _) = jazz_post(
            app,
            "/api/v1/payments/jazzcash/notify",
            &jazz_reply(&declined, "2550", "000", false),
        )
        .await;
        assert_eq!(s, 400);
    }
);

/// Stripe webhooks with their signature checks: throughput, and the time from a webhook arriving to
/// its booking being `paid` (settling happens inside the webhook's request, so that time is the
/// request's). `make bench` runs it (`cargo test … -- --ignored bench_`); it prints, never asserts
/// a time.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "a benchmark: run by make bench"]
async fn bench_stripe_webhooks() {
    use futures_util::StreamExt;
    for backend in [Backend::Sqlite, Backend::Postgres] {
        let (shop, stripe) = stripe_shop(backend).await;
        let app = &shop.app;
        let pat = customer(app, "pat@example.com").await;
        // 42 bookings (six days of seven hours), each with its own payment.
        let mut intents = Vec::new();
        for d in 2..8 {
            let day = (chrono::Utc::now() + chrono::Duration::days(d))
                .format("%Y-%m-%d")
                .to_string();
            for t in ["09:00", "10:00", "11:00", "13:00", "14:00", "15:00", "16:00"] {
                let mut body = checkout(&shop, t);
                body["appointmentDate"] = json!(day);
                let (s, b) = call(
                    app,
                    Method::POST,
                    "/payments/create-intent",
                    Some(&pat),
                    Some(body),
                )
                .await;
                assert_eq!(s, 200, "{b}");
                let id = b["paymentIntentId"].as_str().unwrap().to_owned();
                stripe.succeed(&id, None);
                intents.push(id);
            }
        }
        let events: Vec<String> = intents
            .iter()
            .map(|i| stripe.event("payment_intent.succeeded", i))
            .collect();
        let started = std::time::Instant::now();
        let mut times: Vec<f64> = futures_util::stream::iter(events.iter())
            .map(|e| async move {
                let t = std::time::Instant::now();
                let (s, b) = signed_webhook(app, e).await;
                assert_eq!(
                    (s, &b["data"]["outcome"]["settled"]),
                    (StatusCode::OK, &json!(true)),
                    "{b}"
                );
                t.elapsed().as_secs_f64() * 1000.0
            })
            .buffer_unordered(8)
            .collect()
            .await;
        let booked_secs = started.elapsed().as_secs_f64();
        // The same events again: signature checked, then refused as replays.
        let started = std::time::Instant::now();
        let replays: Vec<()> = futures_util::stream::iter(events.iter())
            .map(|e| async move {
                assert_eq!(signed_webhook(app, e).await.1["data"]["duplicate"], true);
            })
            .buffer_unordered(8)
            .collect()
            .await;
        let replay_secs = started.elapsed().as_secs_f64();
        times.sort_by(f64::total_cmp);
        let pct = |p: f64| times[((times.len() as f64 * p) as usize).min(times.len() - 1)];
        println!(
            "stripe webhooks ({backend:?}): {} settling webhooks (each pays one booking) in {booked_secs:.2} s = {:.0}/s, webhook to paid p50 {:.1} ms p99 {:.1} ms; {} replays in {replay_secs:.2} s = {:.0}/s",
            times.len(),
            times.len() as f64 / booked_secs,
            pct(0.5),
            pct(0.99),
            replays.len(),
            replays.len() as f64 / replay_secs
        );
    }
}

both_backends!(
    async fn guests_are_refused_on_every_payment_and_offer_route_that_needs_an_account(backend: Backend) {
        let (shop, stripe) = stripe_shop(backend).await;
        let app = &shop.app;
        let (_, b) = call(app, Method::POST, "/auth/guest", None, Some(json!({}))).await;
        let guest = b["data"]["accessToken"].as_str().unwrap().to_owned();
        let id = uuid::Uuid::now_v7();
        let routes = [
            (
                Method::POST,
                "/payments/create-intent".to_owned(),
                json!({ "amount": 2550 }),
            ),
            (
                Method::POST,
                "/payments/confirm-appointment".to_owned(),
                json!({ "paymentIntentId": "pi_1" }),
            ),
            (Method::POST, "/payments/jazzcash/initiate".to_owned(), json!({})),
            (
                Method::GET,
                "/payments/jazzcash/status/T1".to_owned(),
                Value::Null,
            ),
            (Method::GET, "/payments/admin".to_owned(), Value::Null),
            (Method::POST, format!("/payments/{id}/refund"), Value::Null),
            (Method::GET, "/offers/admin".to_owned(), Value::Null),
            (Method::POST, "/offers".to_owned(), json!({})),
            (Method::PUT, format!("/offers/{id}"), json!({})),
            (Method::DELETE, format!("/offers/{id}"), Value::Null),
        ];
        for (method, path, body) in routes {
            let body = (!body.is_null()).then_some(body);
            let (s, b) = call(app, method.clone(), &path, Some(&guest), body).await;
            assert_eq!(
                (s, b["code"].as_str()),
                (StatusCode::FORBIDDEN, Some("GUEST_RESTRICTED")),
                "{method} {path}: {b}"
            );
        }
        assert_eq!(stripe.intents(), 0);
    }
);

both_backends!(
    async fn a_payment_confirmed_many_times_at_once_is_settled_and_paid_once(backend: Backend) {
        let (shop, stripe) = stripe_shop(backend).await;
        let app = &shop.app;
        let pat = customer(app, "pat@example.com").await;
        let (_, b) = call(
            app,
            Method::POST,
            "/payments/create-intent",
            Some(&pat),
            Some(checkout(&shop, "10:00")),
        )
        .await;
        let intent = b["paymentIntentId"].as_str().unwrap().to_owned();
        let booked = b["appointments"][0]["id"].as_str().unwrap().to_owned();
        stripe.succeed(&intent, None);
        // Three deliveries of one event, two other events for the same intent, and three confirms.
        let event = stripe.event("payment_intent.succeeded", &intent);
        let others = [
            stripe.event("payment_intent.succeeded", &intent),
            stripe.event("payment_intent.succeeded", &intent),
        ];
        let confirm = json!({ "paymentIntentId": intent });
        let hooks = futures_util::future::join_all(
            [&event, &event, &event, &others[0], &others[1]].map(|e| signed_webhook(app, e)),
        );
        let confirms = futures_util::future::join_all((0..3).map(|_| {
            call(
                app,
                Method::POST,
                "/payments/confirm-appointment",
                Some(&pat),
                Some(confirm.clone()),
            )
        }));
        let (hooks, confirms) = tokio::join!(hooks, confirms);
        for (s, b) in hooks.iter().chain(confirms.iter()) {
            assert_eq!(*s, StatusCode::OK, "{b}");
        }
        let settled = hooks
            .iter()
            .filter(|(_, b)| b["data"]["outcome"]["settled"] == true)
            .count();
        let by_confirm = confirms
            .iter()
            .filter(|(_, b)| b["message"] == "Payment confirmed")
            .count();
        assert!(settled <= 1, "{hooks:?}");
        assert_eq!(
            hooks
                .iter()
                .filter(|(_, b)| b["data"]["duplicate"] == true)
                .count(),
            2,
            "{hooks:?}"
        );
        assert_eq!(by_confirm, 3, "{confirms:?}");
        let a = appointment(app, &shop.owner, &booked).await;
        assert_eq!(
            (&a["status"], &a["payment_status"]),
            (&json!("confirmed"), &json!("paid"))
        );
        assert!(stripe.refunds().is_empty());
        let (_, b) = call(
            app,
            Method::GET,
            "/audit-log?action=payment.booking_lost",
            Some(&shop.owner),
            None,
        )
        .await;
        assert_eq!(b["data"]["entries"].as_array().map(Vec::len), Some(0));
    }
);
