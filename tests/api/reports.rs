//! Reports over HTTP and in the portal: any range of local days, figures that add up, the paid
//! transactions with their CSV, and `reports.view` guarding them.

use reqwest::{Method, StatusCode};

use crate::booking::call;
use crate::both_backends;
use crate::helpers::{create_account, portal, sign_in_token, spawn_app};
use pulse::server::demo;

both_backends!(
    async fn reports_cover_any_range_and_add_up(backend: Backend) {
        let app = &spawn_app(backend).await;
        let seeded = demo::seed(&app.state.db, app.state.config.business_timezone, 60)
            .await
            .unwrap();
        assert!(
            seeded.content.reviews > 0 && seeded.content.courses == 4,
            "{seeded:?}"
        );
        create_account(app, "own@example.com", "Owner", true).await;
        create_account(app, "desk@example.com", "Receptionist", true).await;
        create_account(app, "man@example.com", "Manager", true).await;
        let owner = sign_in_token(app, "own@example.com").await;
        let desk = sign_in_token(app, "desk@example.com").await;
        let manager = sign_in_token(app, "man@example.com").await;

        assert_eq!(
            call(app, Method::GET, "/reports/data", Some(&desk), None).await.0,
            403
        );
        assert_eq!(call(app, Method::GET, "/reports/data", None, None).await.0, 401);
        create_account(app, "cus@example.com", "Customer", true).await;
        let customer = sign_in_token(app, "cus@example.com").await;
        let guest = crate::booking::guest_token(app).await;
        for path in ["/reports/data", "/reports/transactions", "/reports/sales"] {
            let (s, b) = call(app, Method::GET, path, Some(&guest), None).await;
            assert_eq!(
                (s, b["code"].as_str()),
                (StatusCode::FORBIDDEN, Some("GUEST_RESTRICTED")),
                "{path}"
            );
            assert_eq!(
                call(app, Method::GET, path, Some(&customer), None).await.0,
                403,
                "{path}"
            );
            assert_eq!(
                call(app, Method::GET, path, Some(&desk), None).await.0,
                403,
                "{path}"
            );
        }
        let (s, b) = call(app, Method::GET, "/reports/data", Some(&manager), None).await;
        assert_eq!(s, 200, "{b}");
        let days = b["data"]["revenueData"].as_array().unwrap();
        assert_eq!(days.len(), 30, "the last 30 days by default");
        let summed: i64 = days.iter().map(|d| d["revenueMinor"].as_i64().unwrap()).sum();
        assert_eq!(
            summed,
            b["data"]["summary"]["totalRevenueMinor"].as_i64().unwrap()
        );
        assert!(summed > 0);
        let booked: u64 = days.iter().map(|d| d["appointments"].as_u64().unwrap()).sum();
        assert_eq!(
            booked,
            b["data"]["summary"]["totalAppointments"].as_u64().unwrap()
        );
        let by_status: u64 = b["data"]["appointmentsByStatus"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["count"].as_u64().unwrap())
            .sum();
        assert_eq!(by_status, booked);
        assert!(!b["data"]["topServices"].as_array().unwrap().is_empty());
        assert_eq!(b["data"]["topExperts"].as_array().unwrap().len(), 4);

        // A range of its own; backwards and oversized ones are refused on their field.
        let today = chrono::Utc::now().date_naive();
        let from = today - chrono::Duration::days(59);
        let q = format!("/reports/data?startDate={from}&endDate={today}");
        let (_, b) = call(app, Method::GET, &q, Some(&owner), None).await;
        assert_eq!(b["data"]["revenueData"].as_array().unwrap().len(), 60);
        let (s, b) = call(
            app,
            Method::GET,
            &format!("/reports/data?startDate={today}&endDate={from}"),
            Some(&owner),
            None,
        )
        .await;
        assert_eq!(
            (s, b["errors"][0]["field"].as_str()),
            (StatusCode::BAD_REQUEST, Some("endDate"))
        );
        assert_eq!(
            call(
                app,
                Method::GET,
                "/reports/data?startDate=2020-01-01&endDate=2026-01-01",
                Some(&owner),
                None
            )
            .await
            .0,
            400
        );
        assert_eq!(
            call(
                app,
                Method::GET,
                "/reports/data?startDate=yesterday",
                Some(&owner),
                None
            )
            .await
            .0,
            400
        );

        // Transactions page through the paid rows; their count matches the summary.
        let (_, report) = call(app, Method::GET, &q, Some(&owner), None).await;
        let (s, b) = call(
            app,
            Method::GET,
            &format!("/reports/transactions?startDate={from}&endDate={today}&limit=10"),
            Some(&owner),
            None,
        )
        .await;
        assert_eq!(s, 200);
        assert_eq!(b["data"]["transactions"].as_array().unwrap().len(), 10);
        assert_eq!(
            b["data"]["pagination"]["total"],
            report["data"]["summary"]["paid"]
        );
        let (s, b) = call(app, Method::GET, "/reports/sales", Some(&owner), None).await;
        assert_eq!(s, 200);
        assert!(
            b["data"]["today"].is_string() && b["data"]["transactions"].is_array(),
            "{b}"
        );

        // The CSV, over the API and from the portal's session.
        let csv = app
            .client
            .get(app.url(&format!(
                "/api/v1/reports/transactions/export?startDate={from}&endDate={today}"
            )))
            .bearer_auth(&owner)
            .send()
            .await
            .unwrap();
        assert_eq!(csv.status(), 200);
        assert_eq!(
            csv.headers()["content-disposition"].to_str().unwrap(),
            format!("attachment; filename=\"sales-report-{from}-to-{today}.csv\"")
        );
        let text = csv.text().await.unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert!(
            lines[0].contains("Paid at,Appointment date,Customer"),
            "{}",
            lines[0]
        );
        assert_eq!(
            lines.len() as u64 - 1,
            report["data"]["summary"]["paid"].as_u64().unwrap()
        );
        let browser = portal(app, "own@example.com").await;
        let r = browser.get(app.url("/reports/export.csv")).send().await.unwrap();
        assert_eq!(r.status(), 200);
        assert!(r.text().await.unwrap().contains("Customer"));
        let r = portal(app, "desk@example.com")
            .await
            .get(app.url("/reports/export.csv"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 403);
    }
);
