//! Courses, their applications and blog posts over HTTP (contract §2.4): who may manage them,
//! what the public sees, applying with and without an account, offers claimed atomically, and a
//! decision made once and told to the applicant.

use chrono::{Duration, Utc};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::booking::{call, guest_token, shop};
use crate::both_backends;
use crate::helpers::{create_account, sign_in_token, TestApp};

fn fields(b: &Value) -> Vec<String> {
    b["errors"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|e| e["field"].as_str().unwrap_or("").to_owned())
                .collect()
        })
        .unwrap_or_default()
}

async fn course(app: &TestApp, token: &str, body: Value) -> Value {
    let (s, b) = call(app, Method::POST, "/courses", Some(token), Some(body)).await;
    assert_eq!(s, 201, "{b}");
    b["data"]["course"].clone()
}

async fn used_count(app: &TestApp, owner: &str, offer: &str) -> i64 {
    let (_, b) = call(app, Method::GET, &format!("/offers/{offer}"), Some(owner), None).await;
    b["data"]["offer"]["used_count"].as_i64().unwrap()
}

fn day(offset: i64) -> String {
    (Utc::now() + Duration::days(offset))
        .format("%Y-%m-%d")
        .to_string()
}

both_backends!(
    async fn courses_are_managed_with_their_permission_and_the_public_sees_every_active_one(
        backend: Backend,
    ) {
        let shop = shop(backend).await;
        let app = &shop.app;
        create_account(app, "cus@example.com", "Customer", true).await;
        create_account(app, "desk@example.com", "Receptionist", true).await;
        let customer = sign_in_token(app, "cus@example.com").await;
        let desk = sign_in_token(app, "desk@example.com").await;
        let guest = guest_token(app).await;
        let body = json!({ "title": "Bridal makeup", "price": "25000", "duration": "3 months" });

        let (s, b) = call(app, Method::POST, "/courses", Some(&guest), Some(body.clone())).await;
        assert_eq!(
            (s, b["code"].as_str()),
            (StatusCode::FORBIDDEN, Some("GUEST_RESTRICTED"))
        );
        for token in [&customer, &desk] {
            assert_eq!(
                call(app, Method::POST, "/courses", Some(token), Some(body.clone()))
                    .await
                    .0,
                403
            );
        }
        assert_eq!(
            call(app, Method::POST, "/courses", None, Some(body.clone()))
                .await
                .0,
            401
        );
        let (s, b) = call(
            app,
            Method::POST,
            "/courses",
            Some(&shop.owner),
            Some(json!({ "title": "", "price": "-1", "duration": "x".repeat(101), "imageUrl": "javascript:alert(1)" })),
        )
        .await;
        assert_eq!(s, 400, "{b}");
        assert_eq!(fields(&b), ["title", "duration", "price", "imageUrl"]);

        // Twelve active courses (the old backend showed the app only ten) and one inactive.
        for n in 0..12 {
            course(
                app,
                &shop.owner,
                json!({ "title": format!("Course {n:02}"), "price": 1000 + n }),
            )
            .await;
        }
        let hidden = course(
            app,
            &shop.owner,
            json!({ "title": "Secret", "price": 5, "isActive": false }),
        )
        .await;
        let c = course(app, &shop.owner, body).await;
        assert_eq!(
            (c["price"].as_str(), c["duration"].as_str()),
            (Some("25000.00"), Some("3 months"))
        );
        assert_eq!(c["image_url"], Value::Null);

        let (s, b) = call(app, Method::GET, "/courses", None, None).await;
        assert_eq!(s, 200);
        let list = b["data"]["courses"].as_array().unwrap();
        assert_eq!(list.len(), 13, "every active course, in one page");
        assert!(list.iter().all(|c| c["is_active"] == true));
        let (_, b) = call(
            app,
            Method::GET,
            "/courses?isActive=true&limit=200&search=bridal",
            None,
            None,
        )
        .await;
        assert_eq!(b["data"]["courses"].as_array().unwrap().len(), 1);
        let (_, b) = call(app, Method::GET, "/courses?limit=5&page=3", None, None).await;
        assert_eq!(
            b["data"]["pagination"],
            json!({ "page": 3, "limit": 5, "total": 13, "pages": 3 })
        );
        assert_eq!(
            call(app, Method::GET, "/courses?limit=0", None, None).await.0,
            400
        );
        // The inactive one: staff only.
        let path = format!("/courses/{}", hidden["id"].as_str().unwrap());
        assert_eq!(call(app, Method::GET, &path, None, None).await.0, 404);
        assert_eq!(call(app, Method::GET, &path, Some(&customer), None).await.0, 404);
        assert_eq!(
            call(app, Method::GET, &path, Some(&shop.owner), None).await.0,
            200
        );
        let (_, b) = call(
            app,
            Method::GET,
            "/courses?isActive=false",
            Some(&shop.owner),
            None,
        )
        .await;
        assert_eq!(b["data"]["courses"].as_array().unwrap().len(), 1);
        assert_eq!(
            call(app, Method::GET, "/courses/not-an-id", None, None).await.0,
            404
        );

        // Edit, then delete: nobody applied, so it goes (and leaves favorites).
        let path = format!("/courses/{}", c["id"].as_str().unwrap());
        let (s, b) = call(
            app,
            Method::PUT,
            &path,
            Some(&shop.owner),
            Some(json!({ "price": "30000.50" })),
        )
        .await;
        assert_eq!(
            (s, b["data"]["course"]["price"].as_str()),
            (StatusCode::OK, Some("30000.50"))
        );
        assert_eq!(b["data"]["course"]["title"], "Bridal makeup");
        let (s, _) = call(
            app,
            Method::POST,
            "/favorites",
            Some(&customer),
            Some(json!({ "itemType": "course", "itemId": c["id"] })),
        )
        .await;
        assert_eq!(s, 201);
        assert_eq!(call(app, Method::DELETE, &path, Some(&desk), None).await.0, 403);
        let (s, b) = call(app, Method::DELETE, &path, Some(&shop.owner), None).await;
        assert_eq!(
            (s, b["message"].as_str()),
            (StatusCode::OK, Some("Course deleted"))
        );
        assert_eq!(
            call(app, Method::GET, &path, Some(&shop.owner), None).await.0,
            404
        );
        let (_, b) = call(app, Method::GET, "/favorites", Some(&customer), None).await;
        assert_eq!(b["data"]["favorites"], json!([]));
    }
);

both_backends!(
    async fn anyone_may_apply_and_staff_decide_once_with_the_applicant_told(backend: Backend) {
        let shop = shop(backend).await;
        let app = &shop.app;
        create_account(app, "cus@example.com", "Customer", true).await;
        create_account(app, "desk@example.com", "Receptionist", true).await;
        let customer = sign_in_token(app, "cus@example.com").await;
        let desk = sign_in_token(app, "desk@example.com").await;
        let c = course(app, &shop.owner, json!({ "title": "Nail art", "price": "1000" })).await;
        let apply = format!("/courses/{}/apply", c["id"].as_str().unwrap());

        // Without a token, as the newer app sends it.
        let (s, b) = call(
            app,
            Method::POST,
            &apply,
            None,
            Some(json!({ "customerName": "Guest Person", "customerPhone": "0300 1234567" })),
        )
        .await;
        assert_eq!(s, 201, "{b}");
        let anonymous = b["data"]["application"].clone();
        assert_eq!(
            (
                anonymous["status"].as_str(),
                anonymous["total_price"].as_str(),
                anonymous["course_title"].as_str(),
                &anonymous["user_id"]
            ),
            (Some("pending"), Some("1000.00"), Some("Nail art"), &Value::Null)
        );
        // Every bad field named; a bad token is refused rather than ignored.
        let (s, b) = call(
            app,
            Method::POST,
            &apply,
            None,
            Some(json!({ "customerPhone": "12", "customerEmail": "x", "offerId": "nope" })),
        )
        .await;
        assert_eq!(s, 400);
        assert_eq!(
            fields(&b),
            ["customerName", "customerPhone", "customerEmail", "offerId"]
        );
        assert_eq!(
            call(app, Method::POST, &apply, Some("not-a-token"), Some(json!({})))
                .await
                .0,
            401
        );
        // With a token the account fills in the name and email; the phone it lacks is asked for.
        let (s, b) = call(app, Method::POST, &apply, Some(&customer), Some(json!({}))).await;
        assert_eq!(
            (s, fields(&b)),
            (StatusCode::BAD_REQUEST, vec!["customerPhone".to_owned()])
        );
        let (s, b) = call(
            app,
            Method::POST,
            &apply,
            Some(&customer),
            Some(json!({ "customerPhone": "+92 300 1234567" })),
        )
        .await;
        assert_eq!(s, 201, "{b}");
        let mine = b["data"]["application"].clone();
        assert_eq!(mine["customer_email"], "cus@example.com");
        let (s, b) = call(
            app,
            Method::POST,
            &apply,
            Some(&customer),
            Some(json!({ "customerPhone": "+92 300 1234567" })),
        )
        .await;
        assert_eq!(s, 409, "one waiting application per account: {b}");
        assert_eq!(
            call(
                app,
                Method::POST,
                "/courses/00000000-0000-0000-0000-000000000000/apply",
                None,
                Some(json!({ "customerName": "A", "customerPhone": "0300 1234567" }))
            )
            .await
            .0,
            404
        );

        // Staff list them; a role without courses.manage may not.
        assert_eq!(
            call(app, Method::GET, "/courses/admin/applications", Some(&desk), None)
                .await
                .0,
            403
        );
        assert_eq!(
            call(
                app,
                Method::GET,
                "/courses/admin/applications",
                Some(&customer),
                None
            )
            .await
            .0,
            403
        );
        let (s, b) = call(
            app,
            Method::GET,
            "/courses/admin/applications?status=pending",
            Some(&shop.owner),
            None,
        )
        .await;
        assert_eq!(s, 200);
        let rows = b["data"]["applications"].as_array().unwrap();
        assert_eq!(rows.len(), 2);
        for key in [
            "customer_name",
            "customer_email",
            "customer_phone",
            "course_title",
            "status",
            "applied_at",
        ] {
            assert!(rows[0].get(key).is_some(), "{key}");
        }
        let (_, b) = call(
            app,
            Method::GET,
            "/courses/admin/applications?search=guest%20per",
            Some(&shop.owner),
            None,
        )
        .await;
        assert_eq!(b["data"]["applications"].as_array().unwrap().len(), 1);
        assert_eq!(
            call(
                app,
                Method::GET,
                "/courses/admin/applications?status=maybe",
                Some(&shop.owner),
                None
            )
            .await
            .0,
            400
        );

        // Accepted once, by one of two staff deciding together.
        let decide = format!("/courses/admin/applications/{}", mine["id"].as_str().unwrap());
        let (a, b) = tokio::join!(
            call(
                app,
                Method::PUT,
                &decide,
                Some(&shop.owner),
                Some(json!({ "status": "accepted" }))
            ),
            call(
                app,
                Method::PUT,
                &decide,
                Some(&shop.owner),
                Some(json!({ "status": "rejected" }))
            ),
        );
        let mut codes = [a.0.as_u16(), b.0.as_u16()];
        codes.sort();
        assert_eq!(codes, [200, 409], "{a:?} {b:?}");
        assert_eq!(
            call(
                app,
                Method::PUT,
                &decide,
                Some(&shop.owner),
                Some(json!({ "status": "pending" }))
            )
            .await
            .0,
            400
        );
        let (_, b) = call(app, Method::GET, "/notifications/my", Some(&customer), None).await;
        let inbox = b["data"].as_array().unwrap();
        assert!(
            inbox.iter().any(|n| n["type"] == "course_application"),
            "the applicant hears of the decision: {inbox:?}"
        );
        // The guest applicant's decision goes to the address they gave, if any (none here): still decided.
        let decide = format!(
            "/courses/admin/applications/{}",
            anonymous["id"].as_str().unwrap()
        );
        let (s, b) = call(
            app,
            Method::PUT,
            &decide,
            Some(&shop.owner),
            Some(json!({ "status": "approved" })),
        )
        .await;
        assert_eq!(
            (s, b["data"]["application"]["status"].as_str()),
            (StatusCode::OK, Some("accepted"))
        );

        // A course people applied to is kept (deactivated) when deleted.
        let path = format!("/courses/{}", c["id"].as_str().unwrap());
        let (s, b) = call(app, Method::DELETE, &path, Some(&shop.owner), None).await;
        assert_eq!(s, 200);
        assert!(b["message"].as_str().unwrap().contains("deactivated"), "{b}");
        assert_eq!(call(app, Method::GET, &path, None, None).await.0, 404);
        assert_eq!(
            call(
                app,
                Method::POST,
                &apply,
                None,
                Some(json!({ "customerName": "Late", "customerPhone": "0300 1234567" }))
            )
            .await
            .0,
            404
        );
    }
);

both_backends!(
    async fn a_course_offer_is_priced_by_the_server_and_its_limit_holds_under_acceptances_at_once(
        backend: Backend,
    ) {
        let shop = shop(backend).await;
        let app = &shop.app;
        let c = course(app, &shop.owner, json!({ "title": "Makeup", "price": "2000" })).await;
        let id = c["id"].as_str().unwrap();
        let (s, b) = call(
            app,
            Method::POST,
            "/offers",
            Some(&shop.owner),
            Some(json!({ "title": "Academy 25", "discountPercentage": 25, "startDate": day(-1), "endDate": day(5),
                         "applyTo": "course", "courseId": id, "usageLimit": 3 })),
        )
        .await;
        assert_eq!(s, 201, "{b}");
        let offer = b["data"]["offer"]["id"].as_str().unwrap().to_owned();
        let (s, b) = call(
            app,
            Method::POST,
            "/offers",
            Some(&shop.owner),
            Some(json!({ "title": "Services only", "discountPercentage": 10, "startDate": day(-1), "endDate": day(5), "applyTo": "all_services" })),
        )
        .await;
        assert_eq!(s, 201);
        let services_only = b["data"]["offer"]["id"].as_str().unwrap().to_owned();
        let apply = format!("/courses/{id}/apply");
        let (s, b) = call(
            app,
            Method::POST,
            &apply,
            None,
            Some(json!({ "customerName": "A", "customerPhone": "0300 1234567", "offerId": services_only })),
        )
        .await;
        assert_eq!(
            (s, fields(&b)),
            (StatusCode::BAD_REQUEST, vec!["offerId".to_owned()]),
            "{b}"
        );

        let attempts = (0..10).map(|n| {
            let apply = apply.clone();
            let offer = offer.clone();
            async move {
                call(app, Method::POST, &apply, None, Some(json!({
                    "customerName": format!("Applicant {n}"), "customerPhone": format!("0300 12345{n:02}"), "offerId": offer,
                    // Whatever a client says about money is ignored.
                    "totalPrice": 1, "discount": 1999
                }))).await
            }
        });
        let results = futures_util::future::join_all(attempts).await;
        assert!(results.iter().all(|(s, _)| *s == 201), "{results:?}");
        for (_, b) in &results {
            let a = &b["data"]["application"];
            assert_eq!(
                (
                    a["discount"].as_str(),
                    a["total_price"].as_str(),
                    a["offer_title"].as_str()
                ),
                (Some("500.00"), Some("1500.00"), Some("Academy 25"))
            );
        }
        // Applying claims nothing (no account is needed to apply); the same phone waits once.
        assert_eq!(used_count(app, &shop.owner, &offer).await, 0);
        let (s, _) = call(
            app,
            Method::POST,
            &apply,
            None,
            Some(json!({ "customerName": "Again", "customerPhone": "0300 1234500" })),
        )
        .await;
        assert_eq!(s, 409);

        // Accepting claims a use: ten staff decisions at once against a limit of three.
        let owner = shop.owner.as_str();
        let decisions = results.iter().map(|(_, b)| {
            let id = b["data"]["application"]["id"].as_str().unwrap().to_owned();
            async move {
                call(
                    app,
                    Method::PUT,
                    &format!("/courses/admin/applications/{id}"),
                    Some(owner),
                    Some(json!({ "status": "accepted" })),
                )
                .await
            }
        });
        let decided = futures_util::future::join_all(decisions).await;
        assert_eq!(
            decided.iter().filter(|(s, _)| *s == 200).count(),
            3,
            "{decided:?}"
        );
        assert!(decided
            .iter()
            .filter(|(s, _)| *s != 200)
            .all(|(s, b)| *s == 409 && b["message"].as_str().unwrap().contains("fully used")));
        assert_eq!(used_count(app, &shop.owner, &offer).await, 3);
        // The others still wait, and may be rejected (which claims nothing).
        let (_, b) = call(
            app,
            Method::GET,
            "/courses/admin/applications?status=pending",
            Some(&shop.owner),
            None,
        )
        .await;
        let waiting = b["data"]["applications"].as_array().unwrap();
        assert_eq!(waiting.len(), 7);
        let first = waiting[0]["id"].as_str().unwrap();
        let (s, _) = call(
            app,
            Method::PUT,
            &format!("/courses/admin/applications/{first}"),
            Some(&shop.owner),
            Some(json!({ "status": "rejected" })),
        )
        .await;
        assert_eq!(s, 200);
        assert_eq!(used_count(app, &shop.owner, &offer).await, 3);
    }
);

both_backends!(
    async fn blog_posts_are_public_when_published_and_managed_under_offers_manage(backend: Backend) {
        let shop = shop(backend).await;
        let app = &shop.app;
        create_account(app, "cus@example.com", "Customer", true).await;
        create_account(app, "man@example.com", "Manager", true).await;
        let customer = sign_in_token(app, "cus@example.com").await;
        let manager = sign_in_token(app, "man@example.com").await;
        let guest = guest_token(app).await;
        let post = json!({ "title": "Summer hair", "content": "Rinse after swimming.\nUse a hat." });
        let (s, b) = call(app, Method::POST, "/blogs", Some(&guest), Some(post.clone())).await;
        assert_eq!(
            (s, b["code"].as_str()),
            (StatusCode::FORBIDDEN, Some("GUEST_RESTRICTED"))
        );
        assert_eq!(
            call(app, Method::POST, "/blogs", Some(&customer), Some(post.clone()))
                .await
                .0,
            403
        );
        let (s, b) = call(
            app,
            Method::POST,
            "/blogs",
            Some(&manager),
            Some(json!({ "title": "T".repeat(256), "displayOrder": "first" })),
        )
        .await;
        assert_eq!(
            (s, fields(&b)),
            (
                StatusCode::BAD_REQUEST,
                vec![
                    "title".to_owned(),
                    "content".to_owned(),
                    "displayOrder".to_owned()
                ]
            )
        );

        let (s, b) = call(app, Method::POST, "/blogs", Some(&manager), Some(post)).await;
        assert_eq!(s, 201, "{b}");
        let first = b["data"]["blog"].clone();
        let (s, b) = call(
            app,
            Method::POST,
            "/blogs",
            Some(&manager),
            Some(json!({ "title": "Pinned", "content": "Read me first", "display_order": -1 })),
        )
        .await;
        assert_eq!(s, 201, "{b}");
        let (s, b) = call(
            app,
            Method::POST,
            "/blogs",
            Some(&manager),
            Some(json!({ "title": "Draft", "content": "Soon", "isActive": false })),
        )
        .await;
        assert_eq!(s, 201);
        let draft = b["data"]["blog"]["id"].as_str().unwrap().to_owned();

        let (s, b) = call(app, Method::GET, "/blogs", None, None).await;
        assert_eq!(s, 200);
        let titles: Vec<&str> = b["data"]["blogs"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["title"].as_str().unwrap())
            .collect();
        assert_eq!(titles, ["Pinned", "Summer hair"]);
        for key in ["id", "title", "content", "image_url", "is_active", "created_at"] {
            assert!(b["data"]["blogs"][0].get(key).is_some(), "{key}");
        }
        assert_eq!(
            call(app, Method::GET, &format!("/blogs/{draft}"), None, None)
                .await
                .0,
            404
        );
        assert_eq!(
            call(app, Method::GET, "/blogs/admin", Some(&customer), None)
                .await
                .0,
            403
        );
        let (_, b) = call(
            app,
            Method::GET,
            "/blogs/admin?search=draft",
            Some(&manager),
            None,
        )
        .await;
        assert_eq!(b["data"]["blogs"].as_array().unwrap().len(), 1);

        let path = format!("/blogs/{}", first["id"].as_str().unwrap());
        let (s, b) = call(
            app,
            Method::PUT,
            &path,
            Some(&manager),
            Some(json!({ "isActive": false })),
        )
        .await;
        assert_eq!(
            (s, &b["data"]["blog"]["is_active"]),
            (StatusCode::OK, &json!(false))
        );
        let (_, b) = call(app, Method::GET, "/blogs", None, None).await;
        assert_eq!(b["data"]["blogs"].as_array().unwrap().len(), 1);
        assert_eq!(
            call(app, Method::DELETE, &path, Some(&customer), None).await.0,
            403
        );
        assert_eq!(
            call(app, Method::DELETE, &path, Some(&manager), None).await.0,
            200
        );
        assert_eq!(
            call(app, Method::DELETE, &path, Some(&manager), None).await.0,
            404
        );
    }
);
