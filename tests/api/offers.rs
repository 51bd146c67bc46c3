//! Offers over HTTP (contract §2.4): who may manage them, what customers see, and a booking priced
//! from its offer by the server, with the usage limit holding under bookings sent at once.

use chrono::{Duration, Utc};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::booking::{call, guest_token, shop, Shop};
use crate::both_backends;
use crate::helpers::{create_account, sign_in_token, TestApp};

fn day(offset: i64) -> String {
    (Utc::now() + Duration::days(offset))
        .format("%Y-%m-%d")
        .to_string()
}

async fn create_offer(shop: &Shop, body: Value) -> Value {
    let (s, b) = call(&shop.app, Method::POST, "/offers", Some(&shop.owner), Some(body)).await;
    assert_eq!(s, 201, "{b}");
    b["data"]["offer"].clone()
}

/// A running offer (yesterday to ten days ahead, whatever the business's time zone).
fn running(title: &str) -> Value {
    json!({ "title": title, "discountPercentage": 20, "startDate": day(-1), "endDate": day(10) })
}

fn booking(shop: &Shop, date: &str, time: &str, offer: Option<&str>) -> Value {
    json!({
        "serviceId": shop.service,
        "appointmentDate": date,
        "appointmentTime": time,
        "customerName": "Cara Client",
        "customerPhone": "+44 20 7946 0000",
        "payNow": false,
        "offerId": offer,
        // Whatever a client says about prices is ignored.
        "totalPrice": 1,
        "unitPrice": 1
    })
}

both_backends!(
    async fn offers_are_managed_with_their_permission_and_customers_see_only_running_ones(backend: Backend) {
        let shop = shop(backend).await;
        let app = &shop.app;
        create_account(app, "cus@example.com", "Customer", true).await;
        create_account(app, "desk@example.com", "Receptionist", true).await;
        create_account(app, "man@example.com", "Manager", true).await;
        let guest = guest_token(app).await;
        let customer = sign_in_token(app, "cus@example.com").await;
        let desk = sign_in_token(app, "desk@example.com").await;
        let manager = sign_in_token(app, "man@example.com").await;

        // Guests, customers and a staff role without offers.manage may not create one.
        let body = running("Spring");
        let (s, b) = call(app, Method::POST, "/offers", Some(&guest), Some(body.clone())).await;
        assert_eq!(
            (s, b["code"].as_str()),
            (StatusCode::FORBIDDEN, Some("GUEST_RESTRICTED"))
        );
        for token in [&customer, &desk] {
            let (s, _) = call(app, Method::POST, "/offers", Some(token), Some(body.clone())).await;
            assert_eq!(s, StatusCode::FORBIDDEN);
            let (s, _) = call(app, Method::GET, "/offers/admin", Some(token), None).await;
            assert_eq!(s, StatusCode::FORBIDDEN);
        }
        assert_eq!(
            call(app, Method::POST, "/offers", None, Some(body.clone()))
                .await
                .0,
            401
        );

        // Every bad field at once, in the contract's envelope.
        let (s, b) = call(
            app,
            Method::POST,
            "/offers",
            Some(&manager),
            Some(json!({
                "title": "x".repeat(256), "discountPercentage": 120, "startDate": day(3), "endDate": day(1),
                "applyTo": "service", "usageLimit": 0
            })),
        )
        .await;
        assert_eq!(s, 400, "{b}");
        let fields: Vec<&str> = b["errors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["field"].as_str().unwrap())
            .collect();
        assert_eq!(
            fields,
            [
                "title",
                "discountPercentage",
                "endDate",
                "serviceId",
                "usageLimit"
            ],
            "{b}"
        );
        // A control character is refused at the edge, naming its field.
        let mut bell = running("Bell");
        bell["title"] = json!("Ring\u{7}");
        let (s, b) = call(app, Method::POST, "/offers", Some(&manager), Some(bell)).await;
        assert_eq!(
            (s, &b["errors"][0]["field"]),
            (StatusCode::BAD_REQUEST, &json!("title"))
        );

        // A manager creates offers; snake_case from the old admin site works too.
        let spring = create_offer(&shop, running("Spring")).await;
        assert_eq!(spring["discount_percentage"], "20.00");
        assert_eq!(spring["discount_amount"], Value::Null);
        assert_eq!(spring["apply_to"], "all");
        let (s, b) = call(
            app,
            Method::POST,
            "/offers",
            Some(&manager),
            Some(json!({
                "title": "Cut deal", "discount_percentage": "", "discount_amount": "5",
                "start_date": day(-1), "end_date": day(10), "service_id": shop.service, "usage_limit": 10
            })),
        )
        .await;
        assert_eq!(s, 201, "{b}");
        let cut = b["data"]["offer"].clone();
        assert_eq!(
            (
                &cut["apply_to"],
                &cut["service_name"],
                &cut["discount_amount"],
                &cut["usage_limit"]
            ),
            (&json!("service"), &json!("Cut"), &json!("5.00"), &json!(10))
        );
        let upcoming = create_offer(
            &shop,
            json!({ "title": "Summer", "discountAmount": 3, "startDate": day(20), "endDate": day(30) }),
        )
        .await;
        create_offer(
            &shop,
            json!({ "title": "Winter", "discountAmount": 3, "startDate": day(-30), "endDate": day(-20) }),
        )
        .await;
        create_offer(
            &shop,
            json!({ "title": "Paused", "discountAmount": 3, "startDate": day(-1), "endDate": day(10), "isActive": false }),
        )
        .await;

        // Anyone, a guest too, sees the running ones only.
        for token in [None, Some(guest.as_str()), Some(customer.as_str())] {
            let (s, b) = call(app, Method::GET, "/offers?isActive=true", token, None).await;
            assert_eq!(s, 200, "{b}");
            let mut titles: Vec<&str> = b["data"]["offers"]
                .as_array()
                .unwrap()
                .iter()
                .map(|o| o["title"].as_str().unwrap())
                .collect();
            titles.sort_unstable();
            assert_eq!(titles, ["Cut deal", "Spring"]);
        }
        let upcoming_path = format!("/offers/{}", upcoming["id"].as_str().unwrap());
        assert_eq!(call(app, Method::GET, &upcoming_path, None, None).await.0, 404);
        assert_eq!(
            call(app, Method::GET, &upcoming_path, Some(&customer), None)
                .await
                .0,
            404
        );
        let (s, b) = call(app, Method::GET, &upcoming_path, Some(&manager), None).await;
        assert_eq!(
            (s, &b["data"]["offer"]["title"]),
            (StatusCode::OK, &json!("Summer"))
        );
        let spring_path = format!("/offers/{}", spring["id"].as_str().unwrap());
        assert_eq!(call(app, Method::GET, &spring_path, None, None).await.0, 200);
        assert_eq!(
            call(app, Method::GET, "/offers/not-an-id", None, None).await.0,
            404
        );

        // Staff filter by status and text.
        for (query, expected) in [
            ("status=active", vec!["Cut deal", "Spring"]),
            ("status=upcoming", vec!["Summer"]),
            ("status=expired", vec!["Winter"]),
            ("status=inactive", vec!["Paused"]),
            ("isActive=false", vec!["Paused"]),
            ("search=sum", vec!["Summer"]),
        ] {
            let (s, b) = call(
                app,
                Method::GET,
                &format!("/offers/admin?{query}"),
                Some(&manager),
                None,
            )
            .await;
            assert_eq!(s, 200, "{b}");
            let mut titles: Vec<&str> = b["data"]["offers"]
                .as_array()
                .unwrap()
                .iter()
                .map(|o| o["title"].as_str().unwrap())
                .collect();
            titles.sort_unstable();
            assert_eq!(titles, expected, "{query}");
        }
        let (s, b) = call(
            app,
            Method::GET,
            "/offers/admin?status=soon",
            Some(&manager),
            None,
        )
        .await;
        assert_eq!(
            (s, &b["errors"][0]["field"]),
            (StatusCode::BAD_REQUEST, &json!("status"))
        );

        // Editing: one discount replaces the other; the end may not move before the start.
        let (s, b) = call(
            app,
            Method::PUT,
            &spring_path,
            Some(&manager),
            Some(json!({ "discountAmount": "2.50" })),
        )
        .await;
        assert_eq!(s, 200, "{b}");
        assert_eq!(
            (
                &b["data"]["offer"]["discount_amount"],
                &b["data"]["offer"]["discount_percentage"]
            ),
            (&json!("2.50"), &Value::Null)
        );
        let (s, b) = call(
            app,
            Method::PUT,
            &spring_path,
            Some(&manager),
            Some(json!({ "endDate": day(-5) })),
        )
        .await;
        assert_eq!(
            (s, &b["errors"][0]["field"]),
            (StatusCode::BAD_REQUEST, &json!("endDate"))
        );
        assert_eq!(
            call(
                app,
                Method::PUT,
                &spring_path,
                Some(&desk),
                Some(json!({ "title": "x" }))
            )
            .await
            .0,
            403
        );

        // An unused offer is deleted; the audit log names who did it.
        assert_eq!(
            call(app, Method::DELETE, &spring_path, Some(&desk), None).await.0,
            403
        );
        let (s, b) = call(app, Method::DELETE, &spring_path, Some(&manager), None).await;
        assert_eq!((s, &b["message"]), (StatusCode::OK, &json!("Offer deleted")));
        assert_eq!(
            call(app, Method::GET, &spring_path, Some(&manager), None).await.0,
            404
        );
        let (_, b) = call(
            app,
            Method::GET,
            "/audit-log?action=offer.deleted",
            Some(&shop.owner),
            None,
        )
        .await;
        assert_eq!(b["data"]["entries"].as_array().map(Vec::len), Some(1), "{b}");
    }
);

/// How many uses an offer has counted.
async fn used(app: &TestApp, owner: &str, id: &str) -> Value {
    let (_, b) = call(app, Method::GET, format!("/offers/{id}"), Some(owner), None).await;
    b["data"]["offer"]["used_count"].clone()
}

both_backends!(
    async fn a_booking_is_priced_from_its_offer_and_a_cancelled_one_gives_its_use_back(backend: Backend) {
        let shop = shop(backend).await;
        let app = &shop.app;
        create_account(app, "cus@example.com", "Customer", true).await;
        let customer = sign_in_token(app, "cus@example.com").await;
        let percent = create_offer(
            &shop,
            json!({
                "title": "Fifth off", "discountPercentage": "20", "startDate": day(-1), "endDate": day(10),
                "serviceId": shop.service, "usageLimit": 5
            }),
        )
        .await;
        let percent_id = percent["id"].as_str().unwrap();

        // 25.50 less 20 % is 20.40, whatever the client says the price is.
        let (s, b) = call(
            app,
            Method::POST,
            "/appointments",
            Some(&customer),
            Some(booking(&shop, &shop.day, "09:00", Some(percent_id))),
        )
        .await;
        assert_eq!(s, 201, "{b}");
        let a = &b["data"]["appointment"];
        assert_eq!(
            (
                &a["total_price"],
                &a["discount"],
                &a["offer_id"],
                &a["offer_title"]
            ),
            (
                &json!("20.40"),
                &json!("5.10"),
                &json!(percent_id),
                &json!("Fifth off")
            )
        );
        let booked = a["id"].as_str().unwrap().to_owned();
        assert_eq!(used(app, &shop.owner, percent_id).await, 1);

        // An amount never takes the price below nothing.
        let big = create_offer(
            &shop,
            json!({
                "title": "Big", "discountAmount": 100, "startDate": day(-1), "endDate": day(10)
            }),
        )
        .await;
        let (s, b) = call(
            app,
            Method::POST,
            "/appointments",
            Some(&customer),
            Some(booking(&shop, &shop.day, "10:00", big["id"].as_str())),
        )
        .await;
        assert_eq!(s, 201, "{b}");
        assert_eq!(
            (
                &b["data"]["appointment"]["total_price"],
                &b["data"]["appointment"]["discount"]
            ),
            (&json!("0.00"), &json!("25.50"))
        );

        // Wrong offers are 400s that say why, on offerId, and book nothing.
        let other_service = {
            let (_, b) = call(app, Method::GET, "/categories", None, None).await;
            let category = b["data"]["categories"][0]["id"].clone();
            let (s, b) = call(
                app,
                Method::POST,
                "/services",
                Some(&shop.owner),
                Some(json!({ "categoryId": category, "name": "Dye", "price": 40, "duration": 60 })),
            )
            .await;
            assert_eq!(s, 201, "{b}");
            b["data"]["service"]["id"].as_str().unwrap().to_owned()
        };
        let elsewhere = create_offer(&shop, json!({
            "title": "Dye deal", "discountPercentage": 50, "startDate": day(-1), "endDate": day(10), "serviceId": other_service
        }))
        .await;
        let expired = create_offer(
            &shop,
            json!({
                "title": "Old", "discountPercentage": 50, "startDate": day(-30), "endDate": day(-20)
            }),
        )
        .await;
        let upcoming = create_offer(
            &shop,
            json!({
                "title": "Soon", "discountPercentage": 50, "startDate": day(20), "endDate": day(30)
            }),
        )
        .await;
        let unknown = uuid::Uuid::now_v7().to_string();
        for (offer, message) in [
            (
                elsewhere["id"].as_str().unwrap(),
                "This offer does not apply to this service",
            ),
            (expired["id"].as_str().unwrap(), "This offer has expired"),
            (upcoming["id"].as_str().unwrap(), "This offer has not started yet"),
            (unknown.as_str(), "No such offer"),
            ("nonsense", "Must be a valid id"),
        ] {
            let (s, b) = call(
                app,
                Method::POST,
                "/appointments",
                Some(&customer),
                Some(booking(&shop, &shop.day, "11:00", Some(offer))),
            )
            .await;
            assert_eq!(s, 400, "{b}");
            assert_eq!(
                (&b["errors"][0]["field"], &b["errors"][0]["message"]),
                (&json!("offerId"), &json!(message)),
                "{b}"
            );
        }
        let (_, b) = call(app, Method::GET, "/appointments/my", Some(&customer), None).await;
        assert_eq!(b["data"]["appointments"].as_array().map(Vec::len), Some(2), "{b}");

        // Staff booking for a customer use the same rule.
        let (s, b) = call(
            app,
            Method::POST,
            "/appointments/admin",
            Some(&shop.owner),
            Some(booking(&shop, &shop.day, "11:00", Some(percent_id))),
        )
        .await;
        assert_eq!(
            (s, &b["data"]["appointment"]["total_price"]),
            (StatusCode::CREATED, &json!("20.40")),
            "{b}"
        );
        assert_eq!(used(app, &shop.owner, percent_id).await, 2);

        // Cancelling gives the use back; a used offer is deactivated rather than deleted.
        let (s, b) = call(
            app,
            Method::DELETE,
            &format!("/appointments/{booked}/cancel"),
            Some(&customer),
            Some(json!({})),
        )
        .await;
        assert_eq!(s, 200, "{b}");
        assert_eq!(used(app, &shop.owner, percent_id).await, 1);
        let (s, b) = call(
            app,
            Method::DELETE,
            &format!("/offers/{percent_id}"),
            Some(&shop.owner),
            None,
        )
        .await;
        assert_eq!(s, 200, "{b}");
        assert_eq!(
            b["message"],
            "Offer has been used by bookings and was deactivated instead"
        );
        let (_, b) = call(
            app,
            Method::GET,
            &format!("/offers/{percent_id}"),
            Some(&shop.owner),
            None,
        )
        .await;
        assert_eq!(b["data"]["offer"]["is_active"], false);
        let (s, b) = call(
            app,
            Method::POST,
            "/appointments",
            Some(&customer),
            Some(booking(&shop, &shop.day, "13:00", Some(percent_id))),
        )
        .await;
        assert_eq!(
            (s, &b["errors"][0]["message"]),
            (
                StatusCode::BAD_REQUEST,
                &json!("This offer is no longer available")
            )
        );
        // The limit may not go below the uses already counted.
        let (s, b) = call(
            app,
            Method::PUT,
            &format!("/offers/{percent_id}"),
            Some(&shop.owner),
            Some(json!({ "usageLimit": 0 })),
        )
        .await;
        assert_eq!(
            (s, &b["errors"][0]["field"]),
            (StatusCode::BAD_REQUEST, &json!("usageLimit"))
        );
    }
);

both_backends!(
    async fn an_offers_usage_limit_holds_when_bookings_arrive_at_once(backend: Backend) {
        let shop = shop(backend).await;
        let app = &shop.app;
        create_account(app, "cus@example.com", "Customer", true).await;
        let customer = sign_in_token(app, "cus@example.com").await;
        let offer = create_offer(&shop, json!({
            "title": "First three", "discountPercentage": 10, "startDate": day(-1), "endDate": day(10), "usageLimit": 3
        }))
        .await;
        let id = offer["id"].as_str().unwrap().to_owned();
        // Twelve different free slots over two days, all asked for at once with the offer.
        let next = (Utc::now() + Duration::days(3)).format("%Y-%m-%d").to_string();
        let slots: Vec<(String, &str)> = [shop.day.clone(), next]
            .into_iter()
            .flat_map(|d| ["09:00", "10:00", "11:00", "13:00", "14:00", "15:00"].map(move |t| (d.clone(), t)))
            .collect();
        let answers = futures_util::future::join_all(slots.iter().map(|(d, t)| {
            call(
                app,
                Method::POST,
                "/appointments",
                Some(&customer),
                Some(booking(&shop, d, t, Some(&id))),
            )
        }))
        .await;
        let booked = answers.iter().filter(|(s, _)| *s == StatusCode::CREATED).count();
        let refused: Vec<&Value> = answers
            .iter()
            .filter(|(s, _)| *s != StatusCode::CREATED)
            .map(|(_, b)| b)
            .collect();
        assert_eq!(booked, 3, "{answers:?}");
        for b in &refused {
            assert_eq!(b["errors"][0]["message"], "This offer has been fully used", "{b}");
        }
        let (_, b) = call(
            app,
            Method::GET,
            &format!("/offers/{id}"),
            Some(&shop.owner),
            None,
        )
        .await;
        assert_eq!(b["data"]["offer"]["used_count"], 3);
        let (_, b) = call(app, Method::GET, "/appointments/my", Some(&customer), None).await;
        assert_eq!(b["data"]["appointments"].as_array().map(Vec::len), Some(3), "{b}");
    }
);
