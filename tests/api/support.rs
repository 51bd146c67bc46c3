//! Support tickets over HTTP (contract §2.10): customers open and read theirs (guests are sent to
//! sign up), staff read with support.view and change with support.manage; an answer resolves the
//! ticket and reaches the customer; the open-ticket limit holds under a burst.

use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::booking::{call, shop};
use crate::both_backends;
use crate::helpers::{create_account, sign_in_token};

both_backends!(
    async fn customers_open_tickets_and_staff_answer_them(backend: Backend) {
        let shop = shop(backend).await;
        let app = &shop.app;
        let cus = create_account(app, "cus@example.com", "Customer", true).await;
        create_account(app, "desk@example.com", "Receptionist", true).await;
        create_account(app, "man@example.com", "Manager", true).await;
        let customer = sign_in_token(app, "cus@example.com").await;
        let desk = sign_in_token(app, "desk@example.com").await;
        let manager = sign_in_token(app, "man@example.com").await;
        let (_, b) = call(app, Method::POST, "/auth/guest", None, Some(json!({}))).await;
        let guest = b["data"]["accessToken"].as_str().unwrap().to_owned();
        let body = json!({
            "customerName": "Cara", "customerEmail": "cara@example.com", "customerPhone": "0300 1234567",
            "subject": "Mobile App Support", "message": "The app logs me out.\nEvery time."
        });

        let (s, b) = call(
            app,
            Method::POST,
            "/support/tickets",
            Some(&guest),
            Some(body.clone()),
        )
        .await;
        assert_eq!(
            (s, b["code"].as_str()),
            (StatusCode::FORBIDDEN, Some("GUEST_RESTRICTED"))
        );
        assert_eq!(
            call(app, Method::GET, "/support/tickets/my", Some(&guest), None)
                .await
                .0,
            403
        );
        assert_eq!(
            call(app, Method::POST, "/support/tickets", None, Some(body.clone()))
                .await
                .0,
            401
        );
        let (s, b) = call(
            app,
            Method::POST,
            "/support/tickets",
            Some(&customer),
            Some(json!({ "subject": "x".repeat(201), "customerPhone": "1" })),
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
            ["customerPhone", "subject", "message"],
            "name and email come from the account"
        );

        let (s, b) = call(app, Method::POST, "/support/tickets", Some(&customer), Some(body)).await;
        assert_eq!(s, 201, "{b}");
        let ticket = b["data"]["ticket"].clone();
        assert_eq!(
            (ticket["status"].as_str(), ticket["priority"].as_str()),
            (Some("open"), Some("medium"))
        );
        let (s, b) = call(
            app,
            Method::POST,
            "/support/tickets",
            Some(&customer),
            Some(json!({ "subject": "Vouchers", "message": "Do you sell them?" })),
        )
        .await;
        assert_eq!(s, 201);
        assert_eq!(b["data"]["ticket"]["customer_email"], "cus@example.com");

        let (s, b) = call(app, Method::GET, "/support/tickets/my", Some(&customer), None).await;
        assert_eq!(s, 200);
        let mine = b["data"]["tickets"].as_array().unwrap();
        assert_eq!(mine.len(), 2);
        for key in [
            "id",
            "customer_name",
            "customer_email",
            "customer_phone",
            "subject",
            "message",
            "status",
            "priority",
            "assigned_to_name",
            "response",
            "created_at",
            "resolved_at",
        ] {
            assert!(mine[0].get(key).is_some(), "{key}");
        }

        // Reading takes support.view; changing takes support.manage.
        assert_eq!(
            call(app, Method::GET, "/support/tickets", Some(&customer), None)
                .await
                .0,
            403
        );
        let (s, b) = call(
            app,
            Method::GET,
            "/support/tickets?status=open&search=logs",
            Some(&desk),
            None,
        )
        .await;
        assert_eq!(
            (s, b["data"]["tickets"].as_array().unwrap().len()),
            (StatusCode::OK, 1)
        );
        assert_eq!(
            call(
                app,
                Method::GET,
                "/support/tickets?priority=meh",
                Some(&desk),
                None
            )
            .await
            .0,
            400
        );
        let path = format!("/support/tickets/{}", ticket["id"].as_str().unwrap());
        let (s, b) = call(app, Method::GET, &path, Some(&desk), None).await;
        assert_eq!(s, 200);
        assert_eq!(
            (&b["data"]["ticket"]["id"], &b["data"]["id"]),
            (&ticket["id"], &ticket["id"])
        );
        assert_eq!(
            call(
                app,
                Method::PUT,
                &path,
                Some(&desk),
                Some(json!({ "priority": "high" }))
            )
            .await
            .0,
            403
        );

        // Assigned only to staff who can read tickets.
        let (s, b) = call(
            app,
            Method::PUT,
            &path,
            Some(&manager),
            Some(json!({ "assignedTo": cus.id })),
        )
        .await;
        assert_eq!(
            (s, b["errors"][0]["field"].as_str()),
            (StatusCode::BAD_REQUEST, Some("assignedTo"))
        );
        let (_, me) = call(app, Method::GET, "/auth/me", Some(&manager), None).await;
        let manager_id = me["data"]["user"]["id"].as_str().unwrap().to_owned();
        let (s, b) = call(
            app,
            Method::PUT,
            &path,
            Some(&manager),
            Some(json!({ "priority": "URGENT", "status": "in_progress", "assignedTo": manager_id })),
        )
        .await;
        assert_eq!(s, 200, "{b}");
        assert_eq!(
            (
                b["data"]["ticket"]["priority"].as_str(),
                b["data"]["ticket"]["assigned_to_name"].as_str()
            ),
            (Some("urgent"), Some("Test Person"))
        );
        assert_eq!(
            call(app, Method::PUT, &path, Some(&manager), Some(json!({})))
                .await
                .0,
            400
        );

        // The app's POST alias answers and resolves; the customer hears of it.
        let (s, b) = call(
            app,
            Method::POST,
            &path,
            Some(&manager),
            Some(json!({ "response": "Update the app to 2.4, that fixes it." })),
        )
        .await;
        assert_eq!(s, 200, "{b}");
        let t = &b["data"]["ticket"];
        assert_eq!(t["status"], "resolved");
        assert!(t["resolved_at"].is_string());
        let (_, b) = call(app, Method::GET, "/notifications/my", Some(&customer), None).await;
        assert!(
            b["data"]
                .as_array()
                .unwrap()
                .iter()
                .any(|n| n["title"] == "Support Response"),
            "{b}"
        );
        let (_, b) = call(app, Method::GET, "/support/tickets/my", Some(&customer), None).await;
        assert!(b.to_string().contains("Update the app to 2.4"));

        assert_eq!(call(app, Method::DELETE, &path, Some(&desk), None).await.0, 403);
        assert_eq!(
            call(app, Method::DELETE, &path, Some(&manager), None).await.0,
            200
        );
        assert_eq!(call(app, Method::GET, &path, Some(&manager), None).await.0, 404);
    }
);

both_backends!(
    async fn a_burst_of_tickets_stops_at_the_open_limit(backend: Backend) {
        let shop = shop(backend).await;
        let app = &shop.app;
        create_account(app, "cus@example.com", "Customer", true).await;
        let customer = sign_in_token(app, "cus@example.com").await;
        let sends = (0..26).map(|n| {
            call(
                app,
                Method::POST,
                "/support/tickets",
                Some(&customer),
                Some(json!({ "subject": format!("Help {n}"), "message": "Please" })),
            )
        });
        let results = futures_util::future::join_all(sends).await;
        let made = results.iter().filter(|(s, _)| *s == 201).count();
        assert_eq!(made, 20, "{results:?}");
        assert!(results.iter().all(|(s, _)| *s == 201 || *s == 429));
    }
);
