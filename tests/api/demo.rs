//! `pulse seed-demo --days N`: a whole demo business whose bookings pass the database's own
//! overlap guard and fill the dashboard, the calendar and the appointments table.

use crate::booking::call;
use crate::both_backends;
use crate::helpers::{create_account, portal, sign_in_token, spawn_app};
use pulse::server::demo;
use reqwest::Method;

both_backends!(
    async fn the_demo_business_fills_the_dashboard_and_is_added_once(backend: Backend) {
        let app = &spawn_app(backend).await;
        let tz = app.state.config.business_timezone;
        // Every insert went through the overlap guard: a clash would have failed the seed.
        let seeded = demo::seed(&app.state.db, tz, 30).await.unwrap();
        assert_eq!(
            (
                seeded.categories,
                seeded.services,
                seeded.experts,
                seeded.customers
            ),
            (6, 9, 4, 60)
        );
        // Four experts, six days a week, about three quarters full: far more than a handful.
        assert!(seeded.appointments > 300, "{seeded:?}");

        create_account(app, "own@example.com", "Owner", true).await;
        let owner = sign_in_token(app, "own@example.com").await;
        let (s, b) = call(app, Method::GET, "/dashboard/stats?period=30", Some(&owner), None).await;
        assert_eq!(s, 200, "{b}");
        let stats = &b["data"]["stats"];
        assert_eq!(stats["totalAppointments"], seeded.appointments);
        assert_eq!(stats["customers"], 60);
        assert_eq!(stats["activeServices"], 9);
        assert!(stats["byStatus"]["completed"].as_u64().unwrap() > 100, "{stats}");
        assert!(
            stats["byStatus"]["confirmed"].as_u64().unwrap() > 0,
            "bookings ahead: {stats}"
        );
        assert_ne!(stats["totalRevenue"], "0.00");
        assert_eq!(b["data"]["staffPerformance"].as_array().unwrap().len(), 4);

        // The portal's table pages through them on the server.
        let page = portal(app, "own@example.com")
            .await
            .get(app.url("/appointments"))
            .send()
            .await
            .unwrap();
        assert_eq!(page.status(), 200);
        let html = page.text().await.unwrap();
        assert_eq!(html.matches("data-testid=\"appointment-row\"").count(), 20);

        // A second run adds nothing.
        assert_eq!(
            demo::seed(&app.state.db, tz, 30).await.unwrap(),
            demo::Seeded::default()
        );
    }
);
