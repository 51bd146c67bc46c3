//! Reviews and favorites over HTTP (contract §2.7, §2.8): only one's own completed appointment,
//! once (also when sent many times at once); averages and the expert's figures follow every change,
//! hidden reviews included; favorites are idempotent and never dangle.

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::booking::{call, guest_token, shop, Shop};
use crate::both_backends;
use crate::helpers::{create_account, sign_in_token};

/// A booking by `token` at `time` on the shop's day, moved to `status` by the owner.
async fn appointment(shop: &Shop, token: &str, time: &str, status: &[&str]) -> String {
    let (s, b) = call(
        &shop.app,
        Method::POST,
        "/appointments",
        Some(token),
        Some(json!({
            "serviceId": shop.service, "expertId": shop.expert, "appointmentDate": shop.day,
            "appointmentTime": time, "customerName": "Cara", "customerPhone": "+44 20 7946 0000"
        })),
    )
    .await;
    assert_eq!(s, 201, "{b}");
    let id = b["data"]["appointment"]["id"].as_str().unwrap().to_owned();
    for next in status {
        let (s, b) = call(
            &shop.app,
            Method::PUT,
            format!("/appointments/{id}/status"),
            Some(&shop.owner),
            Some(json!({ "status": next })),
        )
        .await;
        assert_eq!(s, 200, "{b}");
    }
    id
}

both_backends!(
    async fn customers_review_their_completed_appointments_once_and_staff_hide_with_a_reason(
        backend: Backend,
    ) {
        let shop = shop(backend).await;
        let app = &shop.app;
        create_account(app, "cus@example.com", "Customer", true).await;
        create_account(app, "other@example.com", "Customer", true).await;
        create_account(app, "desk@example.com", "Receptionist", true).await;
        let customer = sign_in_token(app, "cus@example.com").await;
        let other = sign_in_token(app, "other@example.com").await;
        let desk = sign_in_token(app, "desk@example.com").await;
        let guest = guest_token(&shop.app).await;
        let pending = appointment(&shop, &customer, "09:00", &[]).await;
        let done = appointment(&shop, &customer, "10:00", &["confirmed", "completed"]).await;
        let also_done = appointment(&shop, &other, "11:00", &["confirmed", "completed"]).await;

        let review = |token: &str, id: &str, rating: Value| {
            let (token, id) = (token.to_owned(), id.to_owned());
            async move {
                call(
                    app,
                    Method::POST,
                    "/reviews",
                    Some(&token),
                    Some(json!({ "appointmentId": id, "rating": rating, "comment": "Lovely" })),
                )
                .await
            }
        };
        let (s, b) = review(&guest, &done, json!(5)).await;
        assert_eq!(
            (s, b["code"].as_str()),
            (StatusCode::FORBIDDEN, Some("GUEST_RESTRICTED"))
        );
        assert_eq!(
            call(app, Method::POST, "/reviews", None, Some(json!({}))).await.0,
            401
        );
        let (s, b) = review(&customer, &pending, json!(5)).await;
        assert_eq!(s, 400, "not completed yet: {b}");
        assert_eq!(
            review(&other, &done, json!(5)).await.0,
            404,
            "someone else's appointment"
        );
        let (s, b) = call(
            app,
            Method::POST,
            "/reviews",
            Some(&customer),
            Some(json!({ "appointmentId": "x", "rating": 6, "comment": "a".repeat(2001) })),
        )
        .await;
        assert_eq!(s, 400);
        let fields: Vec<&str> = b["errors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["field"].as_str().unwrap())
            .collect();
        assert_eq!(fields, ["appointmentId", "rating", "comment"]);
        // A control character is refused at the edge, on its field.
        let (s, b) = call(
            app,
            Method::POST,
            "/reviews",
            Some(&customer),
            Some(json!({ "appointmentId": done, "rating": 5, "comment": "a\u{1b}b" })),
        )
        .await;
        assert_eq!(
            (s, b["errors"][0]["field"].as_str()),
            (StatusCode::BAD_REQUEST, Some("comment"))
        );

        // Six at once: one review.
        let attempts = (0..6).map(|_| review(&customer, &done, json!(5)));
        let results = futures_util::future::join_all(attempts).await;
        let codes: Vec<u16> = results.iter().map(|(s, _)| s.as_u16()).collect();
        assert_eq!(codes.iter().filter(|c| **c == 201).count(), 1, "{results:?}");
        assert!(codes.iter().all(|c| *c == 201 || *c == 409), "{codes:?}");
        let mine = results.iter().find(|(s, _)| *s == 201).unwrap().1["data"]["review"].clone();
        assert_eq!(
            (mine["sentiment"].as_str(), mine["rating"].as_i64()),
            (Some("Excellent"), Some(5))
        );
        let (s, _) = review(&other, &also_done, json!("2")).await;
        assert_eq!(s, 201);

        let (s, b) = call(
            app,
            Method::GET,
            &format!("/reviews/by-service/{}", shop.service),
            None,
            None,
        )
        .await;
        assert_eq!(s, 200);
        assert_eq!(
            (
                b["data"]["averageRating"].as_f64(),
                b["data"]["totalCount"].as_u64()
            ),
            (Some(3.5), Some(2))
        );
        let first = &b["data"]["reviews"][0];
        for key in [
            "id",
            "rating",
            "comment",
            "created_at",
            "user_name",
            "expert_name",
            "sentiment",
        ] {
            assert!(first.get(key).is_some(), "{key}: {first}");
        }
        let (_, b) = call(app, Method::GET, &format!("/experts/{}", shop.expert), None, None).await;
        assert_eq!(
            (
                b["data"]["expert"]["rating"].as_str(),
                &b["data"]["expert"]["total_reviews"]
            ),
            (Some("3.50"), &json!(2)),
            "{b}"
        );

        let (s, b) = call(app, Method::GET, "/reviews/my", Some(&customer), None).await;
        assert_eq!(s, 200);
        assert_eq!(b["data"]["reviews"].as_array().unwrap().len(), 1);
        for key in ["appointment_id", "service_name", "expert_name", "sentiment"] {
            assert!(b["data"]["reviews"][0].get(key).is_some(), "{key}");
        }
        let (_, b) = call(
            app,
            Method::GET,
            &format!("/reviews/by-appointment/{done}"),
            Some(&customer),
            None,
        )
        .await;
        assert_eq!(b["data"]["review"]["id"], mine["id"]);
        let (_, b) = call(
            app,
            Method::GET,
            &format!("/reviews/by-appointment/{pending}"),
            Some(&customer),
            None,
        )
        .await;
        assert_eq!(b["data"]["review"], Value::Null);
        assert_eq!(
            call(
                app,
                Method::GET,
                &format!("/reviews/by-appointment/{done}"),
                Some(&other),
                None
            )
            .await
            .0,
            404
        );
        assert_eq!(
            call(app, Method::GET, "/reviews/my", Some(&guest), None).await.0,
            403
        );

        // Hidden with a reason, by a role that may; out of the public figures and the expert's.
        let hide = format!("/reviews/{}/moderation", mine["id"].as_str().unwrap());
        assert_eq!(
            call(
                app,
                Method::PUT,
                &hide,
                Some(&desk),
                Some(json!({ "reason": "Spam" }))
            )
            .await
            .0,
            403
        );
        assert_eq!(
            call(app, Method::PUT, &hide, Some(&shop.owner), Some(json!({})))
                .await
                .0,
            400
        );
        let (s, b) = call(
            app,
            Method::PUT,
            &hide,
            Some(&shop.owner),
            Some(json!({ "reason": "Names another customer" })),
        )
        .await;
        assert_eq!(
            (s, b["data"]["review"]["hidden_reason"].as_str()),
            (StatusCode::OK, Some("Names another customer"))
        );
        let (_, b) = call(
            app,
            Method::GET,
            &format!("/reviews/by-service/{}", shop.service),
            None,
            None,
        )
        .await;
        assert_eq!(
            (
                b["data"]["averageRating"].as_f64(),
                b["data"]["totalCount"].as_u64()
            ),
            (Some(2.0), Some(1))
        );
        let (_, b) = call(app, Method::GET, &format!("/experts/{}", shop.expert), None, None).await;
        assert_eq!(b["data"]["expert"]["rating"].as_str(), Some("2.00"));
        let (_, b) = call(
            app,
            Method::GET,
            "/reviews/admin?hidden=true",
            Some(&shop.owner),
            None,
        )
        .await;
        assert_eq!(b["data"]["reviews"].as_array().unwrap().len(), 1);
        let (s, _) = call(
            app,
            Method::PUT,
            &hide,
            Some(&shop.owner),
            Some(json!({ "hidden": false })),
        )
        .await;
        assert_eq!(s, 200);
        let (_, b) = call(
            app,
            Method::GET,
            &format!("/reviews/by-service/{}", shop.service),
            None,
            None,
        )
        .await;
        assert_eq!(b["data"]["totalCount"], 2);
        let (_, b) = call(
            app,
            Method::GET,
            "/audit-log?action=review.hidden",
            Some(&shop.owner),
            None,
        )
        .await;
        assert!(b.to_string().contains("review.hidden"), "{b}");
        assert_eq!(
            call(
                app,
                Method::GET,
                "/reviews/by-service/00000000-0000-0000-0000-000000000000",
                None,
                None
            )
            .await
            .0,
            404
        );
    }
);

both_backends!(
    async fn course_reviews_need_an_accepted_application(backend: Backend) {
        let shop = shop(backend).await;
        let app = &shop.app;
        create_account(app, "cus@example.com", "Customer", true).await;
        let customer = sign_in_token(app, "cus@example.com").await;
        let (_, b) = call(
            app,
            Method::POST,
            "/courses",
            Some(&shop.owner),
            Some(json!({ "title": "Makeup", "price": 100 })),
        )
        .await;
        let course = b["data"]["course"]["id"].as_str().unwrap().to_owned();
        let body = json!({ "courseId": course, "rating": 4 });
        assert_eq!(
            call(
                app,
                Method::POST,
                "/reviews/course",
                Some(&customer),
                Some(body.clone())
            )
            .await
            .0,
            400
        );
        let (s, b) = call(
            app,
            Method::POST,
            &format!("/courses/{course}/apply"),
            Some(&customer),
            Some(json!({ "customerPhone": "0300 1234567" })),
        )
        .await;
        assert_eq!(s, 201, "{b}");
        let application = b["data"]["application"]["id"].as_str().unwrap().to_owned();
        assert_eq!(
            call(
                app,
                Method::POST,
                "/reviews/course",
                Some(&customer),
                Some(body.clone())
            )
            .await
            .0,
            400,
            "still pending"
        );
        call(
            app,
            Method::PUT,
            &format!("/courses/admin/applications/{application}"),
            Some(&shop.owner),
            Some(json!({ "status": "accepted" })),
        )
        .await;
        let (s, b) = call(
            app,
            Method::POST,
            "/reviews/course",
            Some(&customer),
            Some(body.clone()),
        )
        .await;
        assert_eq!(
            (s, b["data"]["review"]["sentiment"].as_str()),
            (StatusCode::CREATED, Some("Very Good")),
            "{b}"
        );
        assert_eq!(
            call(app, Method::POST, "/reviews/course", Some(&customer), Some(body))
                .await
                .0,
            409
        );
        let (_, b) = call(
            app,
            Method::GET,
            &format!("/reviews/by-course/{course}"),
            None,
            None,
        )
        .await;
        assert_eq!(
            (
                b["data"]["averageRating"].as_f64(),
                b["data"]["totalCount"].as_u64()
            ),
            (Some(4.0), Some(1))
        );
        assert_eq!(b["data"]["reviews"][0]["user_name"], "Test Person");
        let (_, b) = call(
            app,
            Method::GET,
            "/reviews/my-course-reviews",
            Some(&customer),
            None,
        )
        .await;
        assert_eq!(b["data"]["reviews"][0]["course_title"], "Makeup");
        assert_eq!(b["data"]["reviews"][0]["course_id"], course.as_str());
    }
);

both_backends!(
    async fn favorites_are_idempotent_exact_and_never_dangle(backend: Backend) {
        let shop = shop(backend).await;
        let app = &shop.app;
        create_account(app, "cus@example.com", "Customer", true).await;
        let customer = sign_in_token(app, "cus@example.com").await;
        let guest = guest_token(&shop.app).await;
        let item = json!({ "itemType": "service", "itemId": shop.service });
        let (s, b) = call(app, Method::POST, "/favorites", Some(&guest), Some(item.clone())).await;
        assert_eq!(
            (s, b["code"].as_str()),
            (StatusCode::FORBIDDEN, Some("GUEST_RESTRICTED"))
        );
        assert_eq!(call(app, Method::GET, "/favorites", None, None).await.0, 401);

        let adds = (0..5).map(|_| {
            call(
                app,
                Method::POST,
                "/favorites",
                Some(&customer),
                Some(item.clone()),
            )
        });
        let results = futures_util::future::join_all(adds).await;
        assert!(results.iter().all(|(s, _)| s.is_success()), "{results:?}");
        assert_eq!(
            results.iter().filter(|(s, _)| *s == 201).count(),
            1,
            "{results:?}"
        );
        let (s, b) = call(app, Method::GET, "/favorites", Some(&customer), None).await;
        assert_eq!(s, 200);
        let list = b["data"]["favorites"].as_array().unwrap();
        assert_eq!(list.len(), 1);
        assert_eq!(
            (
                list[0]["itemType"].as_str(),
                list[0]["type"].as_str(),
                list[0]["itemId"].as_str()
            ),
            (Some("service"), Some("service"), Some(shop.service.as_str()))
        );
        let check = format!("/favorites/check/service/{}", shop.service);
        let (_, b) = call(app, Method::GET, &check, Some(&customer), None).await;
        assert_eq!(b["data"]["isFavorite"], true);

        let missing = json!({ "itemType": "course", "itemId": "00000000-0000-0000-0000-000000000000" });
        assert_eq!(
            call(app, Method::POST, "/favorites", Some(&customer), Some(missing))
                .await
                .0,
            404
        );
        let (s, b) = call(
            app,
            Method::POST,
            "/favorites",
            Some(&customer),
            Some(json!({ "itemType": "blog", "itemId": "x" })),
        )
        .await;
        assert_eq!(s, 400);
        assert_eq!(b["errors"].as_array().unwrap().len(), 2);

        let remove = format!("/favorites/service/{}", shop.service);
        assert_eq!(
            call(app, Method::DELETE, &remove, Some(&customer), None).await.0,
            200
        );
        assert_eq!(
            call(app, Method::DELETE, &remove, Some(&customer), None).await.0,
            404
        );
        let (_, b) = call(app, Method::GET, &check, Some(&customer), None).await;
        assert_eq!(b["data"]["isFavorite"], false);

        // A service that goes leaves every list.
        let (_, b) = call(
            app,
            Method::GET,
            &format!("/services/{}", shop.service),
            None,
            None,
        )
        .await;
        let category = b["data"]["service"]["category_id"].as_str().unwrap().to_owned();
        let (s, b) = call(
            app,
            Method::POST,
            "/services",
            Some(&shop.owner),
            Some(json!({ "categoryId": category, "name": "Brief", "price": 5, "duration": 15 })),
        )
        .await;
        assert_eq!(s, 201, "{b}");
        let brief = b["data"]["service"]["id"].as_str().unwrap().to_owned();
        call(
            app,
            Method::POST,
            "/favorites",
            Some(&customer),
            Some(json!({ "itemType": "service", "itemId": brief })),
        )
        .await;
        assert_eq!(
            call(
                app,
                Method::DELETE,
                &format!("/services/{brief}"),
                Some(&shop.owner),
                None
            )
            .await
            .0,
            200
        );
        let (_, b) = call(app, Method::GET, "/favorites", Some(&customer), None).await;
        assert_eq!(b["data"]["favorites"], json!([]));
    }
);

both_backends!(
    async fn reviews_of_one_expert_at_once_all_count(backend: Backend) {
        let shop = shop(backend).await;
        let app = &shop.app;
        let mut pairs = Vec::new();
        for (n, time) in ["09:00", "10:00", "11:00", "13:00", "14:00"].iter().enumerate() {
            let email = format!("c{n}@example.com");
            create_account(app, &email, "Customer", true).await;
            let token = sign_in_token(app, &email).await;
            let id = appointment(&shop, &token, time, &["confirmed", "completed"]).await;
            pairs.push((token, id));
        }
        let sends = pairs.iter().map(|(token, id)| {
            call(
                app,
                Method::POST,
                "/reviews",
                Some(token),
                Some(json!({ "appointmentId": id, "rating": 4 })),
            )
        });
        let results = futures_util::future::join_all(sends).await;
        assert!(results.iter().all(|(s, _)| *s == 201), "{results:?}");
        let (_, b) = call(app, Method::GET, &format!("/experts/{}", shop.expert), None, None).await;
        assert_eq!(
            (
                b["data"]["expert"]["rating"].as_str(),
                &b["data"]["expert"]["total_reviews"]
            ),
            (Some("4.00"), &json!(5)),
            "{b}"
        );
    }
);
