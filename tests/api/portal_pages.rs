//! The portal's pages and server functions over HTTP: every server function checks its own
//! permission (whatever page calls it), pages redirect to sign-in or answer 403 with no data, and
//! staff book, move, pay and cancel through the portal with the same rules as `/api/v1`.

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::booking::{call, shop, Shop};
use crate::both_backends;
use crate::helpers::{client, create_account, form_fn, json_fn, portal, TestApp};

pub enum Args {
    Json(Value),
    Form(Vec<(&'static str, String)>),
}

pub async fn invoke(app: &TestApp, c: &reqwest::Client, name: &str, args: &Args) -> (StatusCode, Value) {
    match args {
        Args::Json(v) => json_fn(app, c, name, v.clone()).await,
        Args::Form(pairs) => {
            let pairs: Vec<(&str, &str)> = pairs.iter().map(|(k, v)| (*k, v.as_str())).collect();
            form_fn(app, c, name, &pairs).await
        }
    }
}

/// A shop with an owner, an expert account (portal access, own schedule only, not linked to an
/// expert record) and a front-desk role that may only enter the portal.
pub async fn staffed_shop(backend: crate::helpers::Backend) -> Shop {
    let shop = shop(backend).await;
    create_account(&shop.app, "expert@example.com", "Expert", true).await;
    let (s, b) = call(
        &shop.app,
        Method::POST,
        "/roles",
        Some(&shop.owner),
        Some(json!({ "name": "Front desk", "permissions": ["portal.access"] })),
    )
    .await;
    assert_eq!(s, 201, "{b}");
    create_account(&shop.app, "desk@example.com", "Front desk", true).await;
    shop
}

both_backends!(
    async fn every_server_function_checks_its_own_permission(backend: Backend) {
        let shop = staffed_shop(backend).await;
        let app = &shop.app;
        let anonymous = client();
        let expert = portal(app, "expert@example.com").await;
        let desk = portal(app, "desk@example.com").await;
        let owner = portal(app, "owner@example.com").await;
        let id = uuid::Uuid::nil().to_string();
        let service = shop.service.clone();

        // (function, arguments, the signed-in role that lacks the permission, does the owner pass?)
        let cases: Vec<(&str, Args, &reqwest::Client, bool)> = vec![
            (
                "load_dashboard",
                Args::Form(vec![("period", "30".into())]),
                &expert,
                true,
            ),
            (
                "list_appointments",
                Args::Json(json!({ "query": {} })),
                &expert,
                true,
            ),
            ("appointment_choices", Args::Form(vec![]), &desk, true),
            (
                "free_slots",
                Args::Form(vec![("service_id", service.clone()), ("date", shop.day.clone())]),
                &expert,
                true,
            ),
            (
                "book_appointment",
                Args::Json(json!({ "form": {} })),
                &expert,
                false,
            ),
            (
                "change_appointment",
                Args::Json(json!({ "id": id, "change": "Confirm" })),
                &expert,
                false,
            ),
            ("list_categories", Args::Form(vec![]), &desk, true),
            ("list_services", Args::Json(json!({ "query": {} })), &desk, true),
            (
                "save_service",
                Args::Json(json!({ "id": null, "form": {} })),
                &expert,
                false,
            ),
            (
                "delete_service",
                Args::Form(vec![("id", id.clone())]),
                &expert,
                false,
            ),
            (
                "save_category",
                Args::Json(json!({ "id": null, "form": {} })),
                &expert,
                false,
            ),
            (
                "delete_category",
                Args::Form(vec![("id", id.clone()), ("force", "false".into())]),
                &expert,
                false,
            ),
            ("list_roles", Args::Form(vec![]), &desk, true),
            (
                "save_role",
                Args::Json(json!({ "id": null, "form": {} })),
                &expert,
                false,
            ),
            (
                "delete_role",
                Args::Json(json!({ "id": id, "reassign_to": null })),
                &expert,
                false,
            ),
            (
                "save_permission_matrix",
                Args::Json(json!({ "roles": [{ "roleId": id, "permissions": [] }] })),
                &expert,
                false,
            ),
            ("list_experts", Args::Json(json!({ "query": {} })), &desk, true),
            (
                "save_expert",
                Args::Json(json!({ "id": null, "form": {} })),
                &expert,
                false,
            ),
            (
                "delete_expert",
                Args::Form(vec![("id", id.clone())]),
                &expert,
                false,
            ),
            (
                "expert_schedule",
                Args::Form(vec![("id", id.clone())]),
                &desk,
                false,
            ),
            (
                "save_working_hours",
                Args::Json(json!({ "id": id, "hours": [] })),
                &expert,
                false,
            ),
            (
                "add_absence",
                Args::Json(json!({ "expert_id": id, "from": "", "to": "", "reason": null })),
                &expert,
                false,
            ),
            (
                "add_absence",
                Args::Json(json!({ "expert_id": null, "from": "", "to": "", "reason": null })),
                &expert,
                false,
            ),
            (
                "delete_absence",
                Args::Json(json!({ "expert_id": null, "id": id })),
                &expert,
                false,
            ),
            ("list_closures", Args::Form(vec![]), &desk, true),
            ("load_calendar", Args::Json(json!({ "query": {} })), &desk, true),
            ("load_gallery", Args::Form(vec![]), &desk, true),
            (
                "add_gallery_picture",
                Args::Json(json!({ "form": { "image_url": "", "caption": "" } })),
                &desk,
                false,
            ),
            (
                "update_gallery_picture",
                Args::Json(json!({ "id": id, "caption": "", "is_active": true })),
                &desk,
                false,
            ),
            (
                "move_gallery_picture",
                Args::Json(json!({ "id": id, "earlier": true })),
                &desk,
                false,
            ),
            (
                "remove_gallery_picture",
                Args::Json(json!({ "id": id })),
                &desk,
                false,
            ),
            ("list_deliveries", Args::Json(json!({ "query": {} })), &desk, true),
            ("retry_delivery", Args::Json(json!({ "id": id })), &desk, false),
            ("load_notification_settings", Args::Form(vec![]), &desk, true),
            (
                "load_offers",
                Args::Json(json!({ "status": "", "search": "" })),
                &desk,
                true,
            ),
            (
                "save_offer",
                Args::Json(json!({ "id": null, "form": {} })),
                &desk,
                false,
            ),
            ("delete_offer", Args::Json(json!({ "id": id })), &desk, false),
            ("load_sales", Args::Form(vec![]), &desk, true),
            (
                "offers_for_service",
                Args::Json(json!({ "service_id": service })),
                &desk,
                true,
            ),
            ("refund_payment", Args::Json(json!({ "id": id })), &desk, false),
            (
                "load_courses",
                Args::Json(json!({ "search": "", "active": "", "page": 1 })),
                &desk,
                true,
            ),
            (
                "save_course",
                Args::Json(json!({ "id": null, "form": {} })),
                &desk,
                false,
            ),
            ("delete_course", Args::Json(json!({ "id": id })), &desk, false),
            (
                "load_applications",
                Args::Json(json!({ "course_id": null, "status": "", "search": "", "page": 1 })),
                &desk,
                true,
            ),
            (
                "decide_application",
                Args::Json(json!({ "id": id, "status": "accepted" })),
                &desk,
                false,
            ),
            (
                "load_blogs",
                Args::Json(json!({ "search": "", "page": 1 })),
                &desk,
                true,
            ),
            (
                "save_blog",
                Args::Json(json!({ "id": null, "form": {} })),
                &desk,
                false,
            ),
            ("delete_blog", Args::Json(json!({ "id": id })), &desk, false),
            (
                "load_tickets",
                Args::Json(json!({ "status": "", "priority": "", "search": "", "page": 1 })),
                &desk,
                true,
            ),
            (
                "update_ticket",
                Args::Json(json!({ "id": id, "form": {} })),
                &desk,
                false,
            ),
            ("delete_ticket", Args::Json(json!({ "id": id })), &desk, false),
            (
                "load_report",
                Args::Json(json!({ "start": "", "end": "" })),
                &desk,
                true,
            ),
            (
                "load_reviews",
                Args::Json(
                    json!({ "kind": "", "service_id": null, "expert_id": null, "hidden": "", "page": 1 }),
                ),
                &desk,
                true,
            ),
            (
                "moderate_review",
                Args::Json(json!({ "id": id, "form": {} })),
                &desk,
                false,
            ),
            (
                "save_notification_settings",
                Args::Json(json!({ "settings": { "texts": { "booked": { "title": "", "body": "" } } } })),
                &desk,
                false,
            ),
        ];
        for (name, args, lacking, owner_passes) in &cases {
            let (s, b) = invoke(app, &anonymous, name, args).await;
            assert_eq!(s, StatusCode::UNAUTHORIZED, "{name} anonymous: {b}");
            let (s, b) = invoke(app, lacking, name, args).await;
            assert_eq!(s, StatusCode::FORBIDDEN, "{name} without the permission: {b}");
            assert!(b.get("message").is_some(), "{name}: {b}");
            let (s, b) = invoke(app, &owner, name, args).await;
            if *owner_passes {
                assert_eq!(s, StatusCode::OK, "{name} as owner: {b}");
            } else {
                // Past the permission check: refused for the (empty) input, not for the role.
                assert!(matches!(s.as_u16(), 400 | 404), "{name} as owner: {s} {b}");
            }
        }

        // A write from another site is refused before any of this runs.
        let r = owner
            .post(app.url("/api/fn/change_appointment"))
            .header("origin", "https://evil.example")
            .json(&json!({ "id": id, "change": "Delete" }))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::FORBIDDEN);
    }
);

both_backends!(
    async fn pages_send_strangers_to_sign_in_and_show_403_without_data(backend: Backend) {
        let shop = staffed_shop(backend).await;
        let app = &shop.app;
        let anonymous = client();
        for page in [
            "/dashboard",
            "/appointments?status=reserved",
            "/services",
            "/categories",
            "/experts",
            "/closures",
            "/roles",
            "/calendar",
            "/gallery",
            "/deliveries",
            "/offers",
            "/sales",
            "/courses",
            "/blogs",
            "/support",
            "/reports",
            "/reviews",
        ] {
            let r = anonymous.get(app.url(page)).send().await.unwrap();
            assert_eq!(r.status(), StatusCode::FOUND, "{page}");
            let to = r.headers()["location"].to_str().unwrap();
            assert!(to.starts_with("/login?next=%2F"), "{page} → {to}");
        }
        let r = anonymous
            .get(app.url("/appointments?status=reserved"))
            .send()
            .await
            .unwrap();
        assert_eq!(
            r.headers()["location"],
            "/login?next=%2Fappointments%3Fstatus%3Dreserved"
        );

        // The front desk may enter the portal but not see the dashboard or the catalogue.
        let desk = portal(app, "desk@example.com").await;
        for page in [
            "/dashboard",
            "/services",
            "/categories",
            "/appointments",
            "/experts",
            "/closures",
            "/roles",
            "/calendar",
            "/gallery",
            "/deliveries",
            "/offers",
            "/sales",
            "/courses",
            "/blogs",
            "/support",
            "/reports",
            "/reviews",
        ] {
            let r = desk.get(app.url(page)).send().await.unwrap();
            assert_eq!(r.status(), StatusCode::FORBIDDEN, "{page}");
            let html = r.text().await.unwrap();
            assert!(html.contains("data-testid=\"forbidden\""), "{page}");
            assert!(!html.contains("Cut"), "{page} leaked the catalogue");
        }
        // Its menu offers nothing it cannot open.
        let html = desk
            .get(app.url("/dashboard"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(!html.contains("data-testid=\"nav-dashboard\""));

        let owner = portal(app, "owner@example.com").await;
        for (page, marker) in [
            ("/dashboard", "stat-total-revenue"),
            ("/appointments", "export-csv"),
            ("/services", "service-row"),
            ("/categories", "category-row"),
            ("/experts", "expert-row"),
            ("/closures", "absences"),
            ("/roles", "permission-matrix"),
            ("/calendar", "calendar-column"),
            ("/gallery", "gallery-add"),
            ("/deliveries", "deliveries-filters"),
            ("/settings", "notification-settings-form"),
            ("/offers", "new-offer"),
            ("/sales", "sales-today"),
        ] {
            let r = owner.get(app.url(page)).send().await.unwrap();
            assert_eq!(r.status(), StatusCode::OK, "{page}");
            let html = r.text().await.unwrap();
            assert!(html.contains(marker), "{page} lacks {marker}");
            assert!(html.contains("data-testid=\"nav-dashboard\""), "{page} menu");
            // The header is rendered on the server too: who is signed in, and the bell.
            assert!(html.contains("data-testid=\"current-user\""), "{page} header");
            assert!(html.contains("data-testid=\"bell\""), "{page} bell");
        }
        // `/` sends each role to its first page; a signed-in visit to /login goes on.
        let r = owner.get(app.url("/")).send().await.unwrap();
        assert_eq!(r.headers()["location"], "/dashboard");
        let expert = portal(app, "expert@example.com").await;
        let r = expert.get(app.url("/")).send().await.unwrap();
        assert_eq!(r.headers()["location"], "/appointments");
        let r = owner.get(app.url("/login?next=/services")).send().await.unwrap();
        assert_eq!(r.headers()["location"], "/services");
    }
);

both_backends!(
    async fn staff_book_a_walk_in_then_confirm_pay_move_and_cancel_it(backend: Backend) {
        let shop = staffed_shop(backend).await;
        let app = &shop.app;
        let owner = portal(app, "owner@example.com").await;

        let (s, slots) = form_fn(
            app,
            &owner,
            "free_slots",
            &[("service_id", &shop.service), ("date", &shop.day)],
        )
        .await;
        assert_eq!(s, 200, "{slots}");
        let free: Vec<&str> = slots["experts"][0]["slots"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap())
            .collect();
        assert_eq!(free.first(), Some(&"09:00"));

        // The shared parser refuses a bad form with field errors, before anything is written.
        let (s, b) = json_fn(
            app,
            &owner,
            "book_appointment",
            json!({ "form": {
                "serviceId": shop.service, "appointmentDate": shop.day, "appointmentTime": "25:00",
                "customerName": "", "customerPhone": "12"
            }}),
        )
        .await;
        assert_eq!(s, 400, "{b}");
        let fields: Vec<&str> = b["errors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["field"].as_str().unwrap())
            .collect();
        assert_eq!(fields, ["appointmentTime", "customerName", "customerPhone"]);

        let walk_in = json!({ "form": {
            "serviceId": shop.service, "appointmentDate": shop.day, "appointmentTime": "09:00",
            "customerName": "Walk In", "customerPhone": "+44 20 7946 0001", "payNow": false
        }});
        let (s, a) = json_fn(app, &owner, "book_appointment", walk_in.clone()).await;
        assert_eq!(s, 200, "{a}");
        assert_eq!(a["status"], "reserved");
        let id = a["id"].as_str().unwrap().to_owned();
        let (s, b) = json_fn(app, &owner, "book_appointment", walk_in).await;
        assert_eq!(s, 409, "the slot is taken: {b}");

        let change = |c: Value| json!({ "id": id, "change": c });
        for c in [json!("Confirm"), json!({ "MarkPaid": { "method": "card" } })] {
            let (s, b) = json_fn(app, &owner, "change_appointment", change(c.clone())).await;
            assert_eq!(s, 200, "{c}: {b}");
        }
        let (s, b) = json_fn(
            app,
            &owner,
            "change_appointment",
            change(json!({ "MarkPaid": { "method": "barter" } })),
        )
        .await;
        assert_eq!(s, 400, "{b}");
        assert_eq!(b["errors"][0]["field"], "paymentMethod");
        let (s, b) = json_fn(
            app,
            &owner,
            "change_appointment",
            change(json!({ "Reschedule": { "date": shop.day, "time": "14:00", "expert_id": shop.expert } })),
        )
        .await;
        assert_eq!(s, 200, "{b}");

        let (s, page) = json_fn(
            app,
            &owner,
            "list_appointments",
            json!({ "query": { "search": "walk" } }),
        )
        .await;
        assert_eq!(s, 200, "{page}");
        assert_eq!(page["pagination"]["total"], 1);
        let row = &page["appointments"][0];
        assert_eq!(
            (
                row["appointment_time"].as_str(),
                row["status"].as_str(),
                row["payment_status"].as_str(),
                row["payment_method"].as_str()
            ),
            (Some("14:00:00"), Some("confirmed"), Some("paid"), Some("card"))
        );

        let (s, b) = json_fn(
            app,
            &owner,
            "change_appointment",
            change(json!({ "Cancel": { "reason": "Called to cancel" } })),
        )
        .await;
        assert_eq!(s, 200, "{b}");
        // Cancelled is final: the state machine refuses to confirm it again.
        let (s, _) = json_fn(app, &owner, "change_appointment", change(json!("Confirm"))).await;
        assert_eq!(s, 409);
        let (_, page) = json_fn(
            app,
            &owner,
            "list_appointments",
            json!({ "query": { "status": "cancelled" } }),
        )
        .await;
        assert_eq!(page["appointments"][0]["cancelled_reason"], "Called to cancel");

        // Bad filters are field errors, not an empty list.
        let (s, b) = json_fn(
            app,
            &owner,
            "list_appointments",
            json!({ "query": { "from": "2026-02-30" } }),
        )
        .await;
        assert_eq!(s, 400, "{b}");
        assert_eq!(b["errors"][0]["field"], "from");
    }
);

both_backends!(
    async fn the_csv_export_has_every_filtered_row_quoted_and_only_for_staff(backend: Backend) {
        let shop = staffed_shop(backend).await;
        let app = &shop.app;
        for (time, name) in [
            ("09:00", "Ann \"The Hair\" Lee"),
            ("10:00", "=cmd|' /C calc'!A0"),
            ("11:00", "Bob, Jr."),
        ] {
            let (s, b) = call(
                app,
                Method::POST,
                "/appointments/admin",
                Some(&shop.owner),
                Some(json!({
                    "serviceId": shop.service, "appointmentDate": shop.day, "appointmentTime": time,
                    "customerName": name, "customerPhone": "+44 20 7946 0002", "notes": "line one\nline two"
                })),
            )
            .await;
            assert_eq!(s, 201, "{b}");
        }
        let owner = portal(app, "owner@example.com").await;
        let r = owner
            .get(app.url(&format!(
                "/appointments/export.csv?from={}&to={}",
                shop.day, shop.day
            )))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        assert_eq!(r.headers()["content-type"], "text/csv; charset=utf-8");
        assert!(r.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .starts_with("attachment; filename=\"appointments-"));
        let body = r.text().await.unwrap();
        let body = body.trim_start_matches('\u{feff}');
        let mut reader = csv::Reader::from_reader(body.as_bytes());
        let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
        assert_eq!(rows.len(), 3);
        let names: Vec<&str> = rows.iter().map(|r| &r[2]).collect();
        // Newest first, as the list shows them.
        assert_eq!(names, ["Bob, Jr.", "'=cmd|' /C calc'!A0", "Ann \"The Hair\" Lee"]);
        assert_eq!(&rows[0][12], "line one\nline two");

        let r = owner
            .get(app.url("/appointments/export.csv?search=bob"))
            .send()
            .await
            .unwrap();
        let body = r.text().await.unwrap();
        let found = csv::Reader::from_reader(body.trim_start_matches('\u{feff}').as_bytes())
            .records()
            .count();
        assert_eq!(found, 1, "{body}");
        let r = owner
            .get(app.url("/appointments/export.csv?status=maybe"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 400);

        let r = client()
            .get(app.url("/appointments/export.csv?search=bob"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        assert!(r.headers()["location"]
            .to_str()
            .unwrap()
            .starts_with("/login?next="));
        let desk = portal(app, "desk@example.com").await;
        let r = desk
            .get(app.url("/appointments/export.csv"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::FORBIDDEN);
    }
);
