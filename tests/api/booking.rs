//! Booking over HTTP: catalog management, working hours, availability, appointments, and the
//! guarantee that no expert is ever booked twice, under concurrent requests too.

use chrono::{Duration, Utc};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::both_backends;
use crate::helpers::{create_account, sign_in_token, spawn_app, Backend, TestApp};

pub struct Shop {
    pub app: TestApp,
    pub owner: String,
    pub service: String,
    pub expert: String,
    /// A day two days ahead, when the expert works 09:00–12:00 and 13:00–17:00.
    pub day: String,
}

pub async fn call(
    app: &TestApp,
    method: Method,
    path: impl AsRef<str>,
    token: Option<&str>,
    body: Option<Value>,
) -> (StatusCode, Value) {
    let mut req = app
        .client
        .request(method, app.url(&format!("/api/v1{}", path.as_ref())));
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    if let Some(b) = body {
        req = req.json(&b);
    }
    let r = req.send().await.unwrap();
    let status = r.status();
    let text = r.text().await.unwrap();
    (
        status,
        serde_json::from_str(&text).unwrap_or_else(|_| panic!("not JSON ({status}): {text}")),
    )
}

/// A guest's access token (`POST /auth/guest`), for the contract's A/G checks.
pub async fn guest_token(app: &TestApp) -> String {
    let (s, b) = call(app, Method::POST, "/auth/guest", None, Some(json!({}))).await;
    assert_eq!(s, 200, "{b}");
    b["data"]["accessToken"].as_str().unwrap().to_owned()
}

/// A business with one category, one 60-minute service at 25.50 and one expert who offers it.
pub async fn shop(backend: Backend) -> Shop {
    shop_on(spawn_app(backend).await).await
}

/// The same business on a server already running.
pub async fn shop_on(app: TestApp) -> Shop {
    create_account(&app, "owner@example.com", "Owner", true).await;
    let owner = sign_in_token(&app, "owner@example.com").await;
    let (s, b) = call(
        &app,
        Method::POST,
        "/categories",
        Some(&owner),
        Some(json!({ "name": "Hair" })),
    )
    .await;
    assert_eq!(s, 201, "{b}");
    let category = b["data"]["category"]["id"].as_str().unwrap().to_owned();
    let (s, b) = call(
        &app,
        Method::POST,
        "/services",
        Some(&owner),
        Some(json!({ "categoryId": category, "name": "Cut", "price": "25.50", "duration": 60, "tags": "short, quick" })),
    )
    .await;
    assert_eq!(s, 201, "{b}");
    let service = b["data"]["service"]["id"].as_str().unwrap().to_owned();
    let expert = add_expert(&app, &owner, "Ada", &service).await;
    Shop {
        app,
        owner,
        service,
        expert,
        day: (Utc::now() + Duration::days(2)).format("%Y-%m-%d").to_string(),
    }
}

pub async fn add_expert(app: &TestApp, owner: &str, name: &str, service: &str) -> String {
    let (s, b) = call(
        app,
        Method::POST,
        "/experts",
        Some(owner),
        Some(json!({ "name": name, "specialty": "Cuts", "serviceIds": [service] })),
    )
    .await;
    assert_eq!(s, 201, "{b}");
    let id = b["data"]["expert"]["id"].as_str().unwrap().to_owned();
    let hours: Vec<Value> = (0..7)
        .flat_map(|d| {
            [
                json!({ "weekday": d, "start": "09:00", "end": "12:00" }),
                json!({ "weekday": d, "start": "13:00", "end": "17:00" }),
            ]
        })
        .collect();
    let (s, b) = call(
        app,
        Method::PUT,
        &format!("/experts/{id}/working-hours"),
        Some(owner),
        Some(json!({ "hours": hours })),
    )
    .await;
    assert_eq!(s, 200, "{b}");
    id
}

fn booking(shop: &Shop, time: &str, expert: Option<&str>) -> Value {
    let mut body = json!({
        "serviceId": shop.service,
        "appointmentDate": shop.day,
        "appointmentTime": time,
        "customerName": "Cara Client",
        "customerPhone": "+44 20 7946 0000",
        "customerEmail": "cara@example.com",
        "payNow": false,
        // The price is the server's: whatever a client sends is ignored.
        "totalPrice": 1
    });
    if let Some(e) = expert {
        body["expertId"] = json!(e);
    }
    body
}

async fn customer(app: &TestApp, email: &str) -> String {
    create_account(app, email, "Customer", true).await;
    sign_in_token(app, email).await
}

both_backends!(
    async fn the_catalog_is_public_to_read_and_managed_with_permissions(backend: Backend) {
        let shop = shop(backend).await;
        let app = &shop.app;
        let (s, b) = call(app, Method::GET, "/services?isActive=true&limit=500", None, None).await;
        assert_eq!(s, 200);
        let service = &b["data"]["services"][0];
        assert_eq!(service["price"], "25.50");
        assert_eq!(service["duration"], 60);
        assert_eq!(service["category_name"], "Hair");
        assert_eq!(service["tags"], json!(["short", "quick"]));
        assert_eq!(b["data"]["pagination"]["total"], 1);

        let (s, b) = call(
            app,
            Method::GET,
            &format!("/services/{}", shop.service),
            None,
            None,
        )
        .await;
        assert_eq!(s, 200);
        assert_eq!(b["data"]["service"]["experts"][0]["name"], "Ada");
        assert_eq!(b["data"]["service"]["experts"][0]["rating"], "0.00");

        let (s, b) = call(
            app,
            Method::GET,
            &format!("/experts?serviceId={}", shop.service),
            None,
            None,
        )
        .await;
        assert_eq!(s, 200);
        assert_eq!(b["data"]["experts"][0]["id"], shop.expert.as_str());

        // Filters: price range and search.
        let (_, b) = call(app, Method::GET, "/services?maxPrice=20", None, None).await;
        assert_eq!(b["data"]["services"], json!([]));
        let (_, b) = call(app, Method::GET, "/services?search=CU", None, None).await;
        assert_eq!(b["data"]["services"].as_array().unwrap().len(), 1);
        let (s, b) = call(
            app,
            Method::GET,
            "/services?minPrice=abc&isActive=maybe",
            None,
            None,
        )
        .await;
        assert_eq!(s, 400);
        assert_eq!(b["errors"].as_array().unwrap().len(), 2);

        // Bad input names every field; a customer may not manage.
        let (s, b) = call(
            app,
            Method::POST,
            "/services",
            Some(&shop.owner),
            Some(json!({ "name": " ", "price": "1.234", "duration": 500 })),
        )
        .await;
        assert_eq!(s, 400);
        let fields: Vec<&str> = b["errors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["field"].as_str().unwrap())
            .collect();
        assert_eq!(fields, ["categoryId", "name", "price", "duration"]);
        let buyer = customer(app, "buyer@example.com").await;
        let (s, _) = call(
            app,
            Method::PUT,
            &format!("/services/{}", shop.service),
            Some(&buyer),
            Some(json!({ "isActive": false })),
        )
        .await;
        assert_eq!(s, 403);

        // A category in use is not deleted, unless forced, which deactivates it.
        let (_, b) = call(app, Method::GET, "/categories", None, None).await;
        let category = b["data"]["categories"][0]["id"].as_str().unwrap().to_owned();
        let (s, _) = call(
            app,
            Method::DELETE,
            &format!("/categories/{category}"),
            Some(&shop.owner),
            None,
        )
        .await;
        assert_eq!(s, 409);
        let (s, _) = call(
            app,
            Method::DELETE,
            &format!("/categories/{category}?force=true"),
            Some(&shop.owner),
            None,
        )
        .await;
        assert_eq!(s, 200);
        let (_, b) = call(app, Method::GET, "/categories", None, None).await;
        assert_eq!(b["data"]["categories"], json!([]));
    }
);

both_backends!(
    async fn working_hours_refuse_overlaps_and_availability_lists_free_starts(backend: Backend) {
        let shop = shop(backend).await;
        let app = &shop.app;
        let (s, b) = call(
            app,
            Method::PUT,
            &format!("/experts/{}/working-hours", shop.expert),
            Some(&shop.owner),
            Some(json!({ "hours": [
                { "weekday": 0, "start": "09:00", "end": "12:00" },
                { "weekday": 0, "start": "11:00", "end": "13:00" },
                { "weekday": 1, "start": "18:00", "end": "10:00" }
            ] })),
        )
        .await;
        assert_eq!(s, 400);
        assert_eq!(b["errors"][0]["field"], "hours[2].end");
        assert_eq!(b["errors"][1]["field"], "hours[1].start");
        // Nothing was written: the week is as before.
        let (_, b) = call(
            app,
            Method::GET,
            &format!("/experts/{}/working-hours", shop.expert),
            None,
            None,
        )
        .await;
        assert_eq!(b["data"]["hours"].as_array().unwrap().len(), 14);

        let path = format!("/availability?serviceId={}&date={}", shop.service, shop.day);
        let (s, b) = call(app, Method::GET, &path, None, None).await;
        assert_eq!(s, 200, "{b}");
        let slots = b["data"]["experts"][0]["slots"].as_array().unwrap().clone();
        // 60 minutes inside 09–12 and 13–17 on a 15-minute grid: 09:00..11:00 and 13:00..16:00.
        assert_eq!(slots.len(), 9 + 13);
        assert_eq!(slots.first().unwrap(), "09:00");
        assert!(!slots.contains(&json!("11:15")) && !slots.contains(&json!("12:00")));

        // A booking at 10:00 removes every start that would overlap it.
        let buyer = customer(app, "buyer@example.com").await;
        let (s, b) = call(
            app,
            Method::POST,
            "/appointments",
            Some(&buyer),
            Some(booking(&shop, "10:00", None)),
        )
        .await;
        assert_eq!(s, 201, "{b}");
        let (_, b) = call(app, Method::GET, &path, None, None).await;
        let slots = b["data"]["experts"][0]["slots"].as_array().unwrap().clone();
        for gone in ["09:15", "09:30", "09:45", "10:00", "10:45"] {
            assert!(!slots.contains(&json!(gone)), "{gone} still offered");
        }
        assert!(slots.contains(&json!("09:00")) && slots.contains(&json!("11:00")));

        // A closure that day leaves nothing.
        let (s, _) = call(
            app,
            Method::POST,
            "/closures",
            Some(&shop.owner),
            Some(json!({ "from": shop.day, "to": shop.day, "reason": "Holiday" })),
        )
        .await;
        assert_eq!(s, 201);
        let (_, b) = call(app, Method::GET, &path, None, None).await;
        assert_eq!(b["data"]["experts"][0]["slots"], json!([]));
    }
);

both_backends!(
    async fn a_booking_is_priced_by_the_server_and_refused_with_a_clear_reason(backend: Backend) {
        let shop = shop(backend).await;
        let app = &shop.app;
        let buyer = customer(app, "buyer@example.com").await;
        let (s, b) = call(
            app,
            Method::POST,
            "/appointments",
            Some(&buyer),
            Some(booking(&shop, "09:00", None)),
        )
        .await;
        assert_eq!(s, 201, "{b}");
        let a = &b["data"]["appointment"];
        assert_eq!(a["status"], "reserved");
        assert_eq!(a["payment_status"], "unpaid");
        assert_eq!(a["total_price"], "25.50");
        assert_eq!(a["expert_name"], "Ada");
        assert_eq!(a["appointment_time"], "09:00:00");
        assert!(a["expires_at"].is_string());
        assert_eq!(b["message"], "Reserved. Pay within 4 hours.");

        // Saying it is paid does not make it so: only staff or a verified payment do.
        let mut claimed = booking(&shop, "13:00", Some(&shop.expert));
        claimed["payNow"] = json!(true);
        claimed["paymentMethod"] = json!("card");
        let (s, b) = call(app, Method::POST, "/appointments", Some(&buyer), Some(claimed)).await;
        assert_eq!(s, 201, "{b}");
        assert_eq!(b["data"]["appointment"]["status"], "reserved");
        assert_eq!(b["data"]["appointment"]["payment_status"], "unpaid");
        assert_eq!(b["message"], "Reserved. Pay within 4 hours.");
        let claimed_id = b["data"]["appointment"]["id"].as_str().unwrap().to_owned();
        let (s, _) = call(
            app,
            Method::PUT,
            format!("/appointments/{claimed_id}/pay"),
            Some(&buyer),
            Some(json!({ "paymentMethod": "card" })),
        )
        .await;
        assert_eq!(s, 403, "a customer cannot record their own payment");
        let (s, b) = call(
            app,
            Method::PUT,
            format!("/appointments/{claimed_id}/pay"),
            Some(&shop.owner),
            Some(json!({ "paymentMethod": "card" })),
        )
        .await;
        assert_eq!(s, 200, "{b}");
        assert_eq!(b["data"]["appointment"]["status"], "confirmed");
        assert_eq!(b["data"]["appointment"]["payment_status"], "paid");

        let yesterday = (Utc::now() - Duration::days(1)).format("%Y-%m-%d").to_string();
        let far = (Utc::now() + Duration::days(90)).format("%Y-%m-%d").to_string();
        let cases: Vec<(Value, u16, &str)> = vec![
            (booking(&shop, "09:00", Some(&shop.expert)), 409, "already booked"),
            (booking(&shop, "09:10", None), 400, "every 15 minutes"),
            (booking(&shop, "12:00", Some(&shop.expert)), 400, "does not work"),
            (booking(&shop, "07:00", None), 400, "No expert works"),
            (
                {
                    let mut b = booking(&shop, "10:00", None);
                    b["appointmentDate"] = json!(yesterday);
                    b
                },
                400,
                "passed",
            ),
            (
                {
                    let mut b = booking(&shop, "10:00", None);
                    b["appointmentDate"] = json!(far);
                    b
                },
                400,
                "60 days",
            ),
        ];
        for (body, status, needle) in cases {
            let (s, b) = call(
                app,
                Method::POST,
                "/appointments",
                Some(&buyer),
                Some(body.clone()),
            )
            .await;
            assert_eq!(s.as_u16(), status, "{body} -> {b}");
            let text = format!("{} {}", b["message"], b["errors"]);
            assert!(text.contains(needle), "{needle:?} not in {text}");
        }
        let (s, b) = call(
            app,
            Method::POST,
            "/appointments",
            Some(&buyer),
            Some(json!({ "payNow": false })),
        )
        .await;
        assert_eq!(s, 400);
        assert!(b["errors"].as_array().unwrap().len() >= 4, "{b}");

        // An inactive service cannot be booked.
        call(
            app,
            Method::PUT,
            &format!("/services/{}", shop.service),
            Some(&shop.owner),
            Some(json!({ "isActive": false })),
        )
        .await;
        let (s, b) = call(
            app,
            Method::POST,
            "/appointments",
            Some(&buyer),
            Some(booking(&shop, "15:00", None)),
        )
        .await;
        assert_eq!(
            (s.as_u16(), b["message"].clone()),
            (400, json!("This service is not available for booking."))
        );
    }
);

both_backends!(
    async fn concurrent_bookings_of_one_slot_yield_exactly_one_appointment(backend: Backend) {
        let shop = shop(backend).await;
        let buyer = customer(&shop.app, "buyer@example.com").await;
        let shop = &shop;
        let tries = (0..50).map(|i| {
            let buyer = buyer.clone();
            async move {
                // Half ask for the exact slot, half for one that overlaps it.
                let time = if i % 2 == 0 { "14:00" } else { "14:30" };
                call(
                    &shop.app,
                    Method::POST,
                    "/appointments",
                    Some(&buyer),
                    Some(booking(shop, time, Some(&shop.expert))),
                )
                .await
            }
        });
        let results = futures_util::future::join_all(tries).await;
        let created = results.iter().filter(|(s, _)| *s == 201).count();
        let conflicts = results.iter().filter(|(s, _)| *s == 409).count();
        assert_eq!(created, 1, "{results:?}");
        assert_eq!(
            conflicts, 49,
            "every other answer is a 409, never a 500: {results:?}"
        );
        let (_, b) = call(
            &shop.app,
            Method::GET,
            "/appointments?limit=100",
            Some(&shop.owner),
            None,
        )
        .await;
        assert_eq!(b["data"]["pagination"]["total"], 1);
    }
);

both_backends!(
    async fn the_database_itself_refuses_overlapping_appointments(backend: Backend) {
        use pulse::server::entities::appointments;
        use sea_orm::{ActiveModelTrait, Set};
        let shop = shop(backend).await;
        let buyer = customer(&shop.app, "buyer@example.com").await;
        let (_, b) = call(
            &shop.app,
            Method::POST,
            "/appointments",
            Some(&buyer),
            Some(booking(&shop, "09:00", Some(&shop.expert))),
        )
        .await;
        let first = b["data"]["appointment"].clone();
        let starts: chrono::DateTime<Utc> = first["starts_at"].as_str().unwrap().parse().unwrap();
        // Written around the service layer, straight into the table.
        let row = |start: chrono::DateTime<Utc>, status: &str| appointments::ActiveModel {
            id: Set(uuid::Uuid::now_v7()),
            user_id: Set(None),
            service_id: Set(shop.service.parse().unwrap()),
            expert_id: Set(shop.expert.parse().unwrap()),
            customer_name: Set("Raw".into()),
            customer_phone: Set("0000000000".into()),
            customer_email: Set(None),
            starts_at: Set(start),
            ends_at: Set(start + Duration::minutes(60)),
            status: Set(status.into()),
            payment_status: Set("unpaid".into()),
            payment_method: Set(None),
            price_minor: Set(0),
            notes: Set(None),
            expires_at: Set(None),
            paid_at: Set(None),
            cancelled_at: Set(None),
            cancel_reason: Set(None),
            created_by: Set(None),
            offer_id: Set(None),
            discount_minor: Set(0),
            payment_id: Set(None),
            created_at: Set(Utc::now()),
            updated_at: Set(Utc::now()),
        };
        let db = &shop.app.state.db;
        let err = row(starts + Duration::minutes(30), "confirmed")
            .insert(db)
            .await
            .unwrap_err();
        assert!(err.to_string().contains(migration::OVERLAP), "{err}");
        // Back to back is fine, and so is a cancelled one on top.
        row(starts + Duration::minutes(60), "confirmed")
            .insert(db)
            .await
            .unwrap();
        row(starts, "cancelled").insert(db).await.unwrap();
    }
);

both_backends!(
    async fn staff_move_appointments_through_their_states_and_reschedule_atomically(backend: Backend) {
        let shop = shop(backend).await;
        let app = &shop.app;
        let buyer = customer(app, "buyer@example.com").await;
        let (_, b) = call(
            app,
            Method::POST,
            "/appointments",
            Some(&buyer),
            Some(booking(&shop, "09:00", None)),
        )
        .await;
        let first = b["data"]["appointment"]["id"].as_str().unwrap().to_owned();
        let (_, b) = call(
            app,
            Method::POST,
            "/appointments",
            Some(&buyer),
            Some(booking(&shop, "11:00", None)),
        )
        .await;
        let second = b["data"]["appointment"]["id"].as_str().unwrap().to_owned();

        let status = |id: &str, s: &str| {
            call(
                app,
                Method::PUT,
                format!("/appointments/{id}/status"),
                Some(&shop.owner),
                Some(json!({ "status": s })),
            )
        };
        assert_eq!(
            status(&first, "completed").await.0,
            409,
            "reserved cannot jump to completed"
        );
        assert_eq!(status(&first, "confirmed").await.0, 200);
        assert_eq!(status(&first, "no_show").await.0, 200);
        assert_eq!(
            status(&first, "confirmed").await.0,
            409,
            "final states stay final"
        );
        let (s, _) = call(
            app,
            Method::PUT,
            &format!("/appointments/{second}/status"),
            Some(&buyer),
            Some(json!({ "status": "confirmed" })),
        )
        .await;
        assert_eq!(s, 403);
        // Rescheduling onto a taken time changes nothing; onto a free one moves it.
        let (_, b) = call(
            app,
            Method::POST,
            "/appointments",
            Some(&buyer),
            Some(booking(&shop, "13:00", None)),
        )
        .await;
        let third = b["data"]["appointment"]["id"].as_str().unwrap().to_owned();
        let move_to = |id: &str, t: &str| {
            call(
                app,
                Method::PUT,
                format!("/appointments/{id}/reschedule"),
                Some(&shop.owner),
                Some(json!({ "appointmentDate": shop.day, "appointmentTime": t })),
            )
        };
        let (s, b) = move_to(&second, "13:30").await;
        assert_eq!(s, 409, "{b}");
        let (_, b) = call(
            app,
            Method::GET,
            &format!("/appointments/{second}"),
            Some(&shop.owner),
            None,
        )
        .await;
        assert_eq!(b["data"]["appointment"]["appointment_time"], "11:00:00");
        let (s, b) = move_to(&second, "15:00").await;
        assert_eq!(s, 200, "{b}");
        assert_eq!(b["data"]["appointment"]["appointment_time"], "15:00:00");
        // Its own old time does not block a small move.
        let (s, _) = move_to(&third, "13:30").await;
        assert_eq!(s, 200);

        // Paying confirms; paying twice is refused.
        let pay = |id: &str| {
            call(
                app,
                Method::PUT,
                format!("/appointments/{id}/pay"),
                Some(&shop.owner),
                Some(json!({ "paymentMethod": "cash" })),
            )
        };
        let (s, b) = pay(&second).await;
        assert_eq!(
            (s.as_u16(), b["data"]["appointment"]["status"].clone()),
            (200, json!("confirmed"))
        );
        assert_eq!(pay(&second).await.0, 409);

        // A cancel reason is trimmed; over 500 characters it is refused, not cut short.
        let cancel_with = |reason: String| {
            call(
                app,
                Method::PUT,
                format!("/appointments/{third}/status"),
                Some(&shop.owner),
                Some(json!({ "status": "cancelled", "cancelReason": reason })),
            )
        };
        let (s, b) = cancel_with("x".repeat(501)).await;
        assert_eq!(
            (s.as_u16(), b["errors"][0]["field"].clone()),
            (400, json!("cancelReason")),
            "{b}"
        );
        let (s, b) = cancel_with("  Stylist ill  ".into()).await;
        assert_eq!(
            (s.as_u16(), b["data"]["appointment"]["cancelled_reason"].clone()),
            (200, json!("Stylist ill"))
        );
    }
);

both_backends!(
    async fn customers_see_and_cancel_only_their_own_appointments(backend: Backend) {
        let shop = shop(backend).await;
        let app = &shop.app;
        let ann = customer(app, "ann@example.com").await;
        let bob = customer(app, "bob@example.com").await;
        let (_, b) = call(
            app,
            Method::POST,
            "/appointments",
            Some(&ann),
            Some(booking(&shop, "09:00", None)),
        )
        .await;
        let id = b["data"]["appointment"]["id"].as_str().unwrap().to_owned();

        let (_, mine) = call(app, Method::GET, "/appointments/my", Some(&ann), None).await;
        assert_eq!(mine["data"]["appointments"].as_array().unwrap().len(), 1);
        assert_eq!(mine["data"]["appointments"][0]["service_name"], "Cut");
        let (_, theirs) = call(app, Method::GET, "/appointments/my", Some(&bob), None).await;
        assert_eq!(theirs["data"]["appointments"], json!([]));
        assert_eq!(
            call(app, Method::GET, &format!("/appointments/{id}"), Some(&bob), None)
                .await
                .0,
            404
        );
        assert_eq!(
            call(
                app,
                Method::DELETE,
                &format!("/appointments/{id}/cancel"),
                Some(&bob),
                Some(json!({ "reason": "x" }))
            )
            .await
            .0,
            404
        );
        assert_eq!(
            call(app, Method::GET, "/appointments", Some(&ann), None).await.0,
            403
        );

        // A reason longer than 500 characters is refused, not cut short; nothing changes.
        let (s, b) = call(
            app,
            Method::DELETE,
            &format!("/appointments/{id}/cancel"),
            Some(&ann),
            Some(json!({ "reason": "x".repeat(501) })),
        )
        .await;
        assert_eq!(
            (s.as_u16(), b["errors"][0]["field"].clone()),
            (400, json!("reason")),
            "{b}"
        );
        let (_, b) = call(app, Method::GET, &format!("/appointments/{id}"), Some(&ann), None).await;
        assert_ne!(b["data"]["appointment"]["status"], "cancelled");

        let (s, b) = call(
            app,
            Method::DELETE,
            &format!("/appointments/{id}/cancel"),
            Some(&ann),
            Some(json!({ "reason": "Cancelled by user" })),
        )
        .await;
        assert_eq!(s, 200, "{b}");
        assert_eq!(b["data"]["appointment"]["status"], "cancelled");
        assert_eq!(b["data"]["appointment"]["cancelled_reason"], "Cancelled by user");
        assert_eq!(
            call(
                app,
                Method::DELETE,
                &format!("/appointments/{id}/cancel"),
                Some(&ann),
                None
            )
            .await
            .0,
            400
        );
        // The slot is free again.
        let (s, _) = call(
            app,
            Method::POST,
            "/appointments",
            Some(&bob),
            Some(booking(&shop, "09:00", None)),
        )
        .await;
        assert_eq!(s, 201);
    }
);

both_backends!(
    async fn an_expired_reservation_gives_its_slot_back(backend: Backend) {
        use pulse::server::entities::appointments;
        use sea_orm::{ActiveModelTrait, EntityTrait, Set};
        let shop = shop(backend).await;
        let app = &shop.app;
        let ann = customer(app, "ann@example.com").await;
        let (_, b) = call(
            app,
            Method::POST,
            "/appointments",
            Some(&ann),
            Some(booking(&shop, "09:00", None)),
        )
        .await;
        let id: uuid::Uuid = b["data"]["appointment"]["id"].as_str().unwrap().parse().unwrap();
        // The hold ran out.
        let row = appointments::Entity::find_by_id(id)
            .one(&app.state.db)
            .await
            .unwrap()
            .unwrap();
        let mut active: appointments::ActiveModel = row.into();
        active.expires_at = Set(Some(Utc::now() - Duration::minutes(1)));
        active.update(&app.state.db).await.unwrap();

        let (s, b) = call(
            app,
            Method::POST,
            "/appointments",
            Some(&ann),
            Some(booking(&shop, "09:00", None)),
        )
        .await;
        assert_eq!(s, 201, "{b}");
        let (_, b) = call(app, Method::GET, &format!("/appointments/{id}"), Some(&ann), None).await;
        assert_eq!(b["data"]["appointment"]["status"], "cancelled");
        assert_eq!(
            b["data"]["appointment"]["cancelled_reason"],
            "Reservation expired"
        );
    }
);

both_backends!(
    async fn with_no_expert_chosen_the_least_booked_free_one_is_assigned(backend: Backend) {
        let shop = shop(backend).await;
        let app = &shop.app;
        let bea = add_expert(app, &shop.owner, "Bea", &shop.service).await;
        let ann = customer(app, "ann@example.com").await;
        // Ada (first by name) gets the first; Bea, now less booked, the second.
        let (_, b) = call(
            app,
            Method::POST,
            "/appointments",
            Some(&ann),
            Some(booking(&shop, "09:00", None)),
        )
        .await;
        assert_eq!(b["data"]["appointment"]["expert_id"], shop.expert.as_str());
        let (_, b) = call(
            app,
            Method::POST,
            "/appointments",
            Some(&ann),
            Some(booking(&shop, "13:00", None)),
        )
        .await;
        assert_eq!(b["data"]["appointment"]["expert_id"], bea.as_str());
        // Both busy at 09:30 for Ada; Bea is free then.
        let (_, b) = call(
            app,
            Method::POST,
            "/appointments",
            Some(&ann),
            Some(booking(&shop, "09:30", None)),
        )
        .await;
        assert_eq!(b["data"]["appointment"]["expert_id"], bea.as_str());
        let (s, b) = call(
            app,
            Method::POST,
            "/appointments",
            Some(&ann),
            Some(booking(&shop, "09:45", None)),
        )
        .await;
        assert_eq!(
            (s.as_u16(), b["message"].clone()),
            (
                409,
                json!("No expert is free at this time. Please choose another time.")
            )
        );
    }
);

both_backends!(
    async fn an_expert_who_signs_in_sees_only_their_own_schedule(backend: Backend) {
        let shop = shop(backend).await;
        let app = &shop.app;
        let bea = add_expert(app, &shop.owner, "Bea", &shop.service).await;
        let staff = create_account(app, "ada@example.com", "Expert", true).await;
        let (s, b) = call(
            app,
            Method::PUT,
            format!("/experts/{}", shop.expert),
            Some(&shop.owner),
            Some(json!({ "userId": staff.id.to_string() })),
        )
        .await;
        assert_eq!(s, 200, "{b}");
        let ann = customer(app, "ann@example.com").await;
        let (_, b) = call(
            app,
            Method::POST,
            "/appointments",
            Some(&ann),
            Some(booking(&shop, "09:00", Some(&shop.expert))),
        )
        .await;
        let mine = b["data"]["appointment"]["id"].as_str().unwrap().to_owned();
        let (_, b) = call(
            app,
            Method::POST,
            "/appointments",
            Some(&ann),
            Some(booking(&shop, "09:00", Some(&bea))),
        )
        .await;
        let other = b["data"]["appointment"]["id"].as_str().unwrap().to_owned();

        let ada = sign_in_token(app, "ada@example.com").await;
        let (s, b) = call(app, Method::GET, "/appointments", Some(&ada), None).await;
        assert_eq!(s, 200, "{b}");
        let ids: Vec<&str> = b["data"]["appointments"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["id"].as_str().unwrap())
            .collect();
        assert_eq!(ids, [mine.as_str()]);
        // Asking for another expert's list still shows only their own.
        let (_, b) = call(
            app,
            Method::GET,
            format!("/appointments?expertId={bea}"),
            Some(&ada),
            None,
        )
        .await;
        assert_eq!(b["data"]["pagination"]["total"], 1);
        assert_eq!(
            call(
                app,
                Method::GET,
                format!("/appointments/{mine}"),
                Some(&ada),
                None
            )
            .await
            .0,
            200
        );
        assert_eq!(
            call(
                app,
                Method::GET,
                format!("/appointments/{other}"),
                Some(&ada),
                None
            )
            .await
            .0,
            404
        );
        // And they cannot change them.
        let (s, _) = call(
            app,
            Method::PUT,
            format!("/appointments/{mine}/status"),
            Some(&ada),
            Some(json!({ "status": "confirmed" })),
        )
        .await;
        assert_eq!(s, 403);
    }
);

both_backends!(
    async fn the_dashboard_counts_revenue_bookings_services_and_staff(backend: Backend) {
        let shop = shop(backend).await;
        let app = &shop.app;
        let ann = customer(app, "ann@example.com").await;
        let (_, b) = call(
            app,
            Method::POST,
            "/appointments",
            Some(&ann),
            Some(booking(&shop, "09:00", None)),
        )
        .await;
        let paid = b["data"]["appointment"]["id"].as_str().unwrap().to_owned();
        let (s, b) = call(
            app,
            Method::PUT,
            format!("/appointments/{paid}/pay"),
            Some(&shop.owner),
            Some(json!({ "paymentMethod": "cash" })),
        )
        .await;
        assert_eq!(s, 200, "{b}");
        call(
            app,
            Method::POST,
            "/appointments",
            Some(&ann),
            Some(booking(&shop, "13:00", None)),
        )
        .await;
        // Both took place yesterday (the API books only ahead; history is written directly).
        {
            use pulse::server::entities::appointments;
            use sea_orm::{ActiveModelTrait, EntityTrait, Set};
            for row in appointments::Entity::find().all(&app.state.db).await.unwrap() {
                let (start, end) = (row.starts_at - Duration::days(3), row.ends_at - Duration::days(3));
                let mut active: appointments::ActiveModel = row.into();
                active.starts_at = Set(start);
                active.ends_at = Set(end);
                active.update(&app.state.db).await.unwrap();
            }
        }

        let (s, b) = call(
            app,
            Method::GET,
            "/dashboard/stats?period=7",
            Some(&shop.owner),
            None,
        )
        .await;
        assert_eq!(s, 200, "{b}");
        let d = &b["data"];
        assert_eq!(d["stats"]["totalRevenue"], "25.50");
        assert_eq!(d["stats"]["todayRevenue"], "25.50");
        assert_eq!(d["stats"]["totalAppointments"], 2);
        assert_eq!(d["stats"]["byStatus"]["reserved"], 1);
        assert_eq!(d["stats"]["byStatus"]["confirmed"], 1);
        assert_eq!(d["stats"]["customers"], 1);
        assert_eq!(d["stats"]["activeServices"], 1);
        assert_eq!(d["revenueData"].as_array().unwrap().len(), 7);
        assert_eq!(d["revenueData"][6]["revenue"], "25.50");
        assert_eq!(d["topServices"][0]["name"], "Cut");
        assert_eq!(d["topServices"][0]["bookings"], 2);
        assert_eq!(d["staffPerformance"][0]["name"], "Ada");
        assert_eq!(d["staffPerformance"][0]["revenue"], "25.50");

        assert_eq!(
            call(
                app,
                Method::GET,
                "/dashboard/stats?period=5",
                Some(&shop.owner),
                None
            )
            .await
            .0,
            400
        );
        assert_eq!(
            call(app, Method::GET, "/dashboard/stats", Some(&ann), None)
                .await
                .0,
            403
        );
    }
);

both_backends!(
    async fn settings_time_off_walk_ins_and_guests(backend: Backend) {
        let shop = shop(backend).await;
        let app = &shop.app;
        // Settings: every bad field named, nothing written; then a real change applies to booking.
        let (s, b) = call(
            app,
            Method::PUT,
            "/settings",
            Some(&shop.owner),
            Some(json!({ "timezone": "Mars/Olympus", "slotStepMinutes": 1 })),
        )
        .await;
        assert_eq!(s, 400);
        assert_eq!(b["errors"].as_array().unwrap().len(), 2);
        let (s, b) = call(
            app,
            Method::PUT,
            "/settings",
            Some(&shop.owner),
            Some(json!({ "slotStepMinutes": 30, "businessName": "Ada's" })),
        )
        .await;
        assert_eq!(s, 200, "{b}");
        let (_, b) = call(app, Method::GET, "/settings", None, None).await;
        assert_eq!(b["data"]["settings"]["slotStepMinutes"], 30);
        let ann = customer(app, "ann@example.com").await;
        let (s, _) = call(
            app,
            Method::POST,
            "/appointments",
            Some(&ann),
            Some(booking(&shop, "09:15", None)),
        )
        .await;
        assert_eq!(s, 400, "off the 30-minute grid now");
        assert_eq!(
            call(app, Method::PUT, "/settings", Some(&ann), Some(json!({})))
                .await
                .0,
            403
        );

        // Time off blocks the expert; removing it frees the time.
        let (s, b) = call(
            app,
            Method::POST,
            format!("/experts/{}/time-off", shop.expert),
            Some(&shop.owner),
            Some(json!({ "from": format!("{}T09:00:00Z", shop.day), "to": format!("{}T10:00:00Z", shop.day), "reason": "Dentist" })),
        )
        .await;
        assert_eq!(s, 201, "{b}");
        let off = b["data"]["timeOff"]["id"].as_str().unwrap().to_owned();
        let (s, b) = call(
            app,
            Method::POST,
            "/appointments",
            Some(&ann),
            Some(booking(&shop, "09:00", Some(&shop.expert))),
        )
        .await;
        assert_eq!(
            (s.as_u16(), b["message"].clone()),
            (409, json!("The expert is not available at this time."))
        );
        let (_, b) = call(
            app,
            Method::GET,
            format!("/experts/{}/time-off", shop.expert),
            Some(&shop.owner),
            None,
        )
        .await;
        assert_eq!(b["data"]["timeOff"][0]["reason"], "Dentist");
        assert_eq!(
            call(
                app,
                Method::DELETE,
                format!("/experts/{}/time-off/{off}", shop.expert),
                Some(&shop.owner),
                None
            )
            .await
            .0,
            200
        );
        assert_eq!(
            call(
                app,
                Method::DELETE,
                format!("/experts/{}/time-off/{off}", shop.expert),
                Some(&shop.owner),
                None
            )
            .await
            .0,
            404
        );

        // A walk-in booked by staff. A guest may look but not book (the contract's A/G): the app
        // opens its sign-up prompt on GUEST_RESTRICTED.
        let (s, b) = call(
            app,
            Method::POST,
            "/appointments/admin",
            Some(&shop.owner),
            Some(booking(&shop, "09:00", None)),
        )
        .await;
        assert_eq!(s, 201, "{b}");
        assert_eq!(b["data"]["appointment"]["user_id"], Value::Null);
        let (_, g) = call(app, Method::POST, "/auth/guest", None, Some(json!({}))).await;
        let guest = g["data"]["accessToken"].as_str().unwrap().to_owned();
        let (s, b) = call(
            app,
            Method::POST,
            "/appointments",
            Some(&guest),
            Some(booking(&shop, "13:00", None)),
        )
        .await;
        assert_eq!(
            (s.as_u16(), b["code"].as_str()),
            (403, Some("GUEST_RESTRICTED")),
            "{b}"
        );
        let (s, b) = call(app, Method::GET, "/appointments/my", Some(&guest), None).await;
        assert_eq!(
            (s.as_u16(), b["code"].as_str()),
            (403, Some("GUEST_RESTRICTED")),
            "{b}"
        );
        let (_, b) = call(app, Method::GET, "/appointments/recent", Some(&shop.owner), None).await;
        assert_eq!(b["data"]["appointments"].as_array().unwrap().len(), 1);

        // Booked services and experts are kept for their history.
        assert_eq!(
            call(
                app,
                Method::DELETE,
                format!("/services/{}", shop.service),
                Some(&shop.owner),
                None
            )
            .await
            .0,
            409
        );
        assert_eq!(
            call(
                app,
                Method::DELETE,
                format!("/experts/{}", shop.expert),
                Some(&shop.owner),
                None
            )
            .await
            .0,
            409
        );
        // A closure can be listed and removed.
        let (_, b) = call(
            app,
            Method::POST,
            "/closures",
            Some(&shop.owner),
            Some(json!({ "from": "2030-01-01", "to": "2030-01-01" })),
        )
        .await;
        let closure = b["data"]["closure"]["id"].as_str().unwrap().to_owned();
        let (_, b) = call(app, Method::GET, "/closures", None, None).await;
        assert_eq!(b["data"]["closures"].as_array().unwrap().len(), 1);
        assert_eq!(
            call(
                app,
                Method::DELETE,
                format!("/closures/{closure}"),
                Some(&shop.owner),
                None
            )
            .await
            .0,
            200
        );
    }
);

both_backends!(
    async fn when_the_only_expert_working_then_is_busy_the_answer_says_nobody_is_free(backend: Backend) {
        let shop = shop(backend).await;
        let app = &shop.app;
        let bea = add_expert(app, &shop.owner, "Bea", &shop.service).await;
        // Bea works afternoons only.
        let hours: Vec<Value> = (0..7)
            .map(|d| json!({ "weekday": d, "start": "13:00", "end": "17:00" }))
            .collect();
        call(
            app,
            Method::PUT,
            format!("/experts/{bea}/working-hours"),
            Some(&shop.owner),
            Some(json!({ "hours": hours })),
        )
        .await;
        let ann = customer(app, "ann@example.com").await;
        let (s, _) = call(
            app,
            Method::POST,
            "/appointments",
            Some(&ann),
            Some(booking(&shop, "09:00", None)),
        )
        .await;
        assert_eq!(s, 201);
        let (s, b) = call(
            app,
            Method::POST,
            "/appointments",
            Some(&ann),
            Some(booking(&shop, "09:00", None)),
        )
        .await;
        assert_eq!(
            (s.as_u16(), b["message"].clone()),
            (
                409,
                json!("No expert is free at this time. Please choose another time.")
            )
        );
        let (s, b) = call(
            app,
            Method::POST,
            "/appointments",
            Some(&ann),
            Some(booking(&shop, "18:00", None)),
        )
        .await;
        assert_eq!(
            (s.as_u16(), b["message"].clone()),
            (400, json!("No expert works at this time."))
        );
    }
);

both_backends!(
    async fn racing_reschedules_into_one_slot_move_exactly_one(backend: Backend) {
        let shop = shop(backend).await;
        let app = &shop.app;
        let ann = customer(app, "ann@example.com").await;
        let mut ids = Vec::new();
        for time in ["09:00", "10:00", "11:00", "13:00", "14:00", "15:00"] {
            let (_, b) = call(
                app,
                Method::POST,
                "/appointments",
                Some(&ann),
                Some(booking(&shop, time, None)),
            )
            .await;
            ids.push(b["data"]["appointment"]["id"].as_str().unwrap().to_owned());
        }
        // Everyone wants 16:00 at once.
        let moves = ids.iter().map(|id| {
            call(
                app,
                Method::PUT,
                format!("/appointments/{id}/reschedule"),
                Some(&shop.owner),
                Some(json!({ "appointmentDate": shop.day, "appointmentTime": "16:00" })),
            )
        });
        let results = futures_util::future::join_all(moves).await;
        assert_eq!(
            results.iter().filter(|(s, _)| *s == 200).count(),
            1,
            "{results:?}"
        );
        assert_eq!(
            results.iter().filter(|(s, _)| *s == 409).count(),
            5,
            "{results:?}"
        );
        // The losers did not move.
        let (_, b) = call(
            app,
            Method::GET,
            "/appointments?limit=100",
            Some(&shop.owner),
            None,
        )
        .await;
        let mut times: Vec<String> = b["data"]["appointments"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["appointment_time"].as_str().unwrap().to_owned())
            .collect();
        times.sort();
        assert_eq!(times.iter().filter(|t| *t == "16:00:00").count(), 1);
        assert_eq!(times.len(), 6);
    }
);

both_backends!(
    async fn every_start_that_availability_offers_can_be_booked(backend: Backend) {
        let shop = shop(backend).await;
        let app = &shop.app;
        let ann = customer(app, "ann@example.com").await;
        // A day with a break, a closure hour, time off and a booking already in it.
        call(
            app,
            Method::POST,
            "/closures",
            Some(&shop.owner),
            Some(
                json!({ "from": format!("{}T15:00:00Z", shop.day), "to": format!("{}T15:30:00Z", shop.day) }),
            ),
        )
        .await;
        call(
            app,
            Method::POST,
            format!("/experts/{}/time-off", shop.expert),
            Some(&shop.owner),
            Some(
                json!({ "from": format!("{}T10:30:00Z", shop.day), "to": format!("{}T11:00:00Z", shop.day) }),
            ),
        )
        .await;
        call(
            app,
            Method::POST,
            "/appointments",
            Some(&ann),
            Some(booking(&shop, "13:15", None)),
        )
        .await;
        let path = format!("/availability?serviceId={}&date={}", shop.service, shop.day);
        // Book the earliest offered start, ask again, and repeat until nothing is offered: each
        // offered start must be bookable, and nothing booked may be offered again.
        let mut booked = 0;
        loop {
            let (_, b) = call(app, Method::GET, &path, None, None).await;
            let slots = b["data"]["experts"][0]["slots"].as_array().unwrap().clone();
            let Some(first) = slots.first() else { break };
            let (s, r) = call(
                app,
                Method::POST,
                "/appointments",
                Some(&ann),
                Some(booking(&shop, first.as_str().unwrap(), Some(&shop.expert))),
            )
            .await;
            assert_eq!(s, 201, "offered {first} but: {r}");
            booked += 1;
            assert!(booked < 20, "availability never ran out");
        }
        // Morning: 09:00, then 11:00 (time off until 11:00). Afternoon: the 13:15 booking and the
        // 15:00-15:30 closure leave only 15:30-16:30 for a 60-minute service.
        assert_eq!(booked, 3);
    }
);

both_backends!(
    async fn services_experts_availability_and_appointments_keep_the_contract_shape(backend: Backend) {
        let shop = shop(backend).await;
        let app = &shop.app;
        let ann = customer(app, "ann@example.com").await;
        let uuid = "[uuid]";
        let time = "[timestamp]";

        let (_, services) = call(app, Method::GET, "/services?isActive=true", None, None).await;
        insta::assert_json_snapshot!("services_list", services, {
            ".data.services[].id" => uuid, ".data.services[].category_id" => uuid,
            ".data.services[].created_at" => time, ".data.services[].updated_at" => time,
        });
        let (_, detail) = call(
            app,
            Method::GET,
            format!("/services/{}", shop.service),
            None,
            None,
        )
        .await;
        insta::assert_json_snapshot!("service_detail", detail, {
            ".data.service.id" => uuid, ".data.service.category_id" => uuid,
            ".data.service.experts[].id" => uuid,
            ".data.service.created_at" => time, ".data.service.updated_at" => time,
        });
        let (_, experts) = call(app, Method::GET, "/experts", None, None).await;
        insta::assert_json_snapshot!("experts_list", experts, {
            ".data.experts[].id" => uuid, ".data.experts[].service_ids[]" => uuid,
            ".data.experts[].created_at" => time, ".data.experts[].updated_at" => time,
        });
        let (_, slots) = call(
            app,
            Method::GET,
            format!("/availability?serviceId={}&date={}", shop.service, shop.day),
            None,
            None,
        )
        .await;
        insta::assert_json_snapshot!("availability", slots, {
            ".data.date" => "[date]", ".data.serviceId" => uuid, ".data.experts[].expertId" => uuid,
        });
        let (_, booked) = call(
            app,
            Method::POST,
            "/appointments",
            Some(&ann),
            Some(booking(&shop, "09:00", None)),
        )
        .await;
        insta::assert_json_snapshot!("appointment_booked", booked, {
            ".data.appointment.id" => uuid, ".data.appointment.user_id" => uuid,
            ".data.appointment.service_id" => uuid, ".data.appointment.expert_id" => uuid,
            ".data.appointment.appointment_date" => "[date]",
            ".data.appointment.starts_at" => time, ".data.appointment.ends_at" => time,
            ".data.appointment.expires_at" => time, ".data.appointment.created_at" => time,
        });
        let (_, mine) = call(app, Method::GET, "/appointments/my", Some(&ann), None).await;
        insta::assert_json_snapshot!("appointments_my", mine, {
            ".data.appointments[].id" => uuid, ".data.appointments[].user_id" => uuid,
            ".data.appointments[].service_id" => uuid, ".data.appointments[].expert_id" => uuid,
            ".data.appointments[].appointment_date" => "[date]",
            ".data.appointments[].starts_at" => time, ".data.appointments[].ends_at" => time,
            ".data.appointments[].expires_at" => time, ".data.appointments[].created_at" => time,
        });
    }
);

#[tokio::test]
async fn dates_at_the_edge_of_the_calendar_are_refused_not_a_crash() {
    let shop = shop(Backend::Sqlite).await;
    for date in ["+262142-12-31", "-262143-01-01", "0000-01-01", "2026-02-30"] {
        let (s, b) = call(
            &shop.app,
            Method::GET,
            format!("/availability?serviceId={}&date={date}", shop.service),
            None,
            None,
        )
        .await;
        assert_eq!(
            (s.as_u16(), b["errors"][0]["field"].clone()),
            (400, json!("date")),
            "{date}: {b}"
        );
    }
}
