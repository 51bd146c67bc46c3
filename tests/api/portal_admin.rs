//! The portal's settings, profile and audit log pages and server functions over HTTP: each server
//! function checks its own permission, settings saved in the portal are the API's settings, a
//! password change keeps the session that made it and ends the others, and the audit log filters
//! by actor, action and day.

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::booking::call;
use crate::both_backends;
use crate::helpers::{
    client, create_account, form_fn, json_fn, portal, portal_sign_in_as, sign_in_token, spawn_app, Backend,
    TestApp, PASSWORD,
};

fn fields(body: &Value) -> Vec<String> {
    body["errors"]
        .as_array()
        .unwrap_or_else(|| panic!("no field errors: {body}"))
        .iter()
        .map(|e| e["field"].as_str().unwrap().to_owned())
        .collect()
}

/// Sign-ins carry whole seconds; a change in the same second as a sign-in keeps it.
async fn next_second() {
    let ms = 1000 - chrono::Utc::now().timestamp_subsec_millis() as u64 + 20;
    tokio::time::sleep(std::time::Duration::from_millis(ms)).await;
}

/// An owner, an expert (portal access, no settings or audit log) and a front desk that may only
/// enter the portal.
async fn staffed_app(backend: Backend) -> TestApp {
    let app = spawn_app(backend).await;
    create_account(&app, "owner@example.com", "Owner", true).await;
    create_account(&app, "expert@example.com", "Expert", true).await;
    let owner = sign_in_token(&app, "owner@example.com").await;
    let (s, b) = call(
        &app,
        Method::POST,
        "/roles",
        Some(&owner),
        Some(json!({ "name": "Front desk", "permissions": ["portal.access"] })),
    )
    .await;
    assert_eq!(s, 201, "{b}");
    create_account(&app, "desk@example.com", "Front desk", true).await;
    app
}

fn settings_form(name: &str, tz: &str, step: &str, window: &str) -> Value {
    json!({ "form": {
        "businessName": name, "timezone": tz, "slotStepMinutes": step, "minNoticeMinutes": "60",
        "bookingWindowDays": window, "reservationHoldMinutes": "120"
    }})
}

both_backends!(
    async fn each_new_server_function_checks_its_own_permission(backend: Backend) {
        let app = &staffed_app(backend).await;
        let anonymous = client();
        let desk = portal(app, "desk@example.com").await;
        let expert = portal(app, "expert@example.com").await;
        let owner = portal(app, "owner@example.com").await;

        // (function, JSON arguments or none, does the owner pass?)
        let guarded: [(&str, Option<Value>, bool); 3] = [
            ("load_settings", None, true),
            ("save_settings", Some(json!({ "form": {} })), false),
            ("list_audit_log", Some(json!({ "query": {} })), true),
        ];
        let call_fn = |c: &reqwest::Client, name: &str, args: &Option<Value>| {
            let (c, name, args) = (c.clone(), name.to_owned(), args.clone());
            async move {
                match args {
                    Some(v) => json_fn(app, &c, &name, v).await,
                    None => form_fn(app, &c, &name, &[]).await,
                }
            }
        };
        for (name, args, owner_passes) in guarded {
            let (s, b) = call_fn(&anonymous, name, &args).await;
            assert_eq!(s, StatusCode::UNAUTHORIZED, "{name} anonymous: {b}");
            for lacking in [&desk, &expert] {
                let (s, b) = call_fn(lacking, name, &args).await;
                assert_eq!(s, StatusCode::FORBIDDEN, "{name} without the permission: {b}");
                assert!(b.get("message").is_some(), "{name}: {b}");
            }
            let (s, b) = call_fn(&owner, name, &args).await;
            if owner_passes {
                assert_eq!(s, StatusCode::OK, "{name} as owner: {b}");
            } else {
                // Past the permission check: refused for the (empty) form, not for the role.
                assert_eq!(s, StatusCode::BAD_REQUEST, "{name} as owner: {b}");
            }
        }

        // One's own profile needs no permission beyond signing in to the portal.
        let own: [(&str, Option<Value>, StatusCode); 3] = [
            ("load_profile", None, StatusCode::OK),
            (
                "save_profile",
                Some(json!({ "form": {} })),
                StatusCode::BAD_REQUEST,
            ),
            (
                "change_password",
                Some(json!({ "form": {} })),
                StatusCode::BAD_REQUEST,
            ),
        ];
        for (name, args, signed_in) in own {
            let (s, b) = call_fn(&anonymous, name, &args).await;
            assert_eq!(s, StatusCode::UNAUTHORIZED, "{name} anonymous: {b}");
            for who in [&desk, &owner] {
                let (s, b) = call_fn(who, name, &args).await;
                assert_eq!(s, signed_in, "{name} signed in: {b}");
            }
        }

        // A write from another site is refused before any of this runs.
        let r = owner
            .post(app.url("/api/fn/save_settings"))
            .header("origin", "https://evil.example")
            .json(&settings_form("Evil", "UTC", "15", "60"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::FORBIDDEN);
    }
);

both_backends!(
    async fn the_owner_changes_the_settings_and_the_api_reads_them_back(backend: Backend) {
        let app = &staffed_app(backend).await;
        let owner = portal(app, "owner@example.com").await;

        let (s, loaded) = form_fn(app, &owner, "load_settings", &[]).await;
        assert_eq!(s, 200, "{loaded}");
        assert_eq!(loaded["settings"]["businessName"], "Pulse");
        assert_eq!(loaded["settings"]["slotStepMinutes"], 15);
        let zones = loaded["timezones"].as_array().unwrap();
        assert!(
            zones.iter().any(|z| z == "Europe/London"),
            "{} zones",
            zones.len()
        );

        // The shared parser refuses bad numbers with field errors; nothing is written.
        let (s, b) = json_fn(
            app,
            &owner,
            "save_settings",
            settings_form("Studio Nine", "Europe/London", "3", "ninety"),
        )
        .await;
        assert_eq!(s, 400, "{b}");
        assert_eq!(fields(&b), ["slotStepMinutes", "bookingWindowDays"]);
        // Only the server knows the time zones.
        let (s, b) = json_fn(
            app,
            &owner,
            "save_settings",
            settings_form("Studio Nine", "Mars/Olympus", "30", "90"),
        )
        .await;
        assert_eq!(s, 400, "{b}");
        assert_eq!(fields(&b), ["timezone"]);
        let (_, unchanged) = form_fn(app, &owner, "load_settings", &[]).await;
        assert_eq!(unchanged["settings"], loaded["settings"]);

        let (s, saved) = json_fn(
            app,
            &owner,
            "save_settings",
            settings_form("  Studio Nine ", "Europe/London", "30", "90"),
        )
        .await;
        assert_eq!(s, 200, "{saved}");
        let expected = json!({
            "businessName": "Studio Nine", "timezone": "Europe/London", "slotStepMinutes": 30,
            "minNoticeMinutes": 60, "bookingWindowDays": 90, "reservationHoldMinutes": 120
        });
        assert_eq!(saved, expected);
        let (_, reread) = form_fn(app, &owner, "load_settings", &[]).await;
        assert_eq!(reread["settings"], expected);
        let (s, api) = call(app, Method::GET, "/settings", None, None).await;
        assert_eq!(s, 200);
        assert_eq!(api["data"]["settings"], expected);

        // The audit log has who changed what, field by field; the refused saves wrote nothing.
        let (_, log) = json_fn(
            app,
            &owner,
            "list_audit_log",
            json!({ "query": { "action": "settings.updated" } }),
        )
        .await;
        let entries = log["entries"].as_array().unwrap();
        assert_eq!(entries.len(), 1, "{log}");
        assert_eq!(entries[0]["actor_email"], "owner@example.com");
        let details: Value = serde_json::from_str(entries[0]["details"].as_str().unwrap()).unwrap();
        let changed: serde_json::Map<String, Value> = expected
            .as_object()
            .unwrap()
            .iter()
            .filter(|(field, to)| loaded["settings"][field.as_str()] != **to)
            .map(|(field, to)| {
                (
                    field.clone(),
                    json!({ "from": loaded["settings"][field.as_str()], "to": to }),
                )
            })
            .collect();
        assert!(changed.len() >= 3, "the save changed several fields: {changed:?}");
        assert_eq!(details, Value::Object(changed), "unchanged fields are left out");

        // The page shows them, server-rendered.
        let html = owner
            .get(app.url("/settings"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(html.contains("data-testid=\"settings-form\""));
        assert!(
            html.contains("value=\"Studio Nine\""),
            "the stored name is in the form"
        );
    }
);

both_backends!(
    async fn a_password_change_keeps_the_session_that_made_it_and_ends_the_others(backend: Backend) {
        let app = &staffed_app(backend).await;
        let desk = portal(app, "desk@example.com").await;
        let other_browser = portal(app, "desk@example.com").await;

        let (s, me) = form_fn(app, &desk, "load_profile", &[]).await;
        assert_eq!(s, 200, "{me}");
        assert_eq!(
            (me["email"].as_str(), me["name"].as_str(), me["role"].as_str()),
            (Some("desk@example.com"), Some("Test Person"), Some("Front desk"))
        );

        let (s, b) = json_fn(
            app,
            &desk,
            "save_profile",
            json!({ "form": { "name": "D", "phone": "12", "address": "", "profileImageUrl": "javascript:alert(1)" } }),
        )
        .await;
        assert_eq!(s, 400, "{b}");
        assert_eq!(fields(&b), ["name", "phone", "profileImageUrl"]);

        let (s, saved) = json_fn(
            app,
            &desk,
            "save_profile",
            json!({ "form": {
                "name": " Dana Desk ", "phone": "+44 20 7946 0003", "address": "1 High Street",
                "profileImageUrl": "https://example.com/dana.png"
            }}),
        )
        .await;
        assert_eq!(s, 200, "{saved}");
        assert_eq!(saved["name"], "Dana Desk");
        let (_, reread) = form_fn(app, &desk, "load_profile", &[]).await;
        assert_eq!(reread, saved);
        assert_eq!(reread["profileImageUrl"], "https://example.com/dana.png");
        let (_, viewer) = form_fn(app, &desk, "current_user", &[]).await;
        assert_eq!(viewer["name"], "Dana Desk");
        // An empty optional field clears it.
        let (s, cleared) = json_fn(
            app,
            &desk,
            "save_profile",
            json!({ "form": { "name": "Dana Desk", "phone": "", "address": "", "profileImageUrl": "" } }),
        )
        .await;
        assert_eq!(s, 200, "{cleared}");
        assert_eq!(
            (&cleared["phone"], &cleared["profileImageUrl"]),
            (&Value::Null, &Value::Null)
        );
        // Each save that changed something is audited with the fields' names, not their values.
        let (s, _) = json_fn(
            app,
            &desk,
            "save_profile",
            json!({ "form": { "name": "Dana Desk", "phone": "", "address": "", "profileImageUrl": "" } }),
        )
        .await;
        assert_eq!(s, 200);
        {
            use pulse::server::entities::audit_log;
            use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
            let logged: Vec<Value> = audit_log::Entity::find()
                .filter(audit_log::Column::Action.eq("user.profile_updated"))
                .order_by_asc(audit_log::Column::CreatedAt)
                .all(&app.state.db)
                .await
                .unwrap()
                .into_iter()
                .map(|e| e.details.unwrap())
                .collect();
            assert_eq!(
                logged,
                [
                    json!({ "fields": ["name", "phone", "address", "profileImageUrl"] }),
                    json!({ "fields": ["phone", "address", "profileImageUrl"] }),
                ],
                "the third save changed nothing"
            );
        }

        let change =
            |current: &str, new: &str| json!({ "form": { "currentPassword": current, "newPassword": new } });
        let (s, b) = json_fn(
            app,
            &desk,
            "change_password",
            change("Wrong1!pass", "N3wSalon-Pass-42!"),
        )
        .await;
        assert_eq!(s, 400, "{b}");
        assert_eq!(fields(&b), ["currentPassword"]);
        let (s, b) = json_fn(app, &desk, "change_password", change(PASSWORD, "short")).await;
        assert_eq!(s, 400, "{b}");
        assert_eq!(fields(&b), ["newPassword"]);

        // A later second than the sign-ins, so only the fresh sign-in keeps this session.
        next_second().await;
        let (s, b) = json_fn(
            app,
            &desk,
            "change_password",
            change(PASSWORD, "N3wSalon-Pass-42!"),
        )
        .await;
        assert_eq!(s, 200, "{b}");

        let (s, b) = form_fn(app, &desk, "load_profile", &[]).await;
        assert_eq!(s, 200, "the session that changed it stays signed in: {b}");
        let page = desk.get(app.url("/profile")).send().await.unwrap();
        assert_eq!(page.status(), StatusCode::OK);
        let (s, _) = form_fn(app, &other_browser, "load_profile", &[]).await;
        assert_eq!(s, StatusCode::UNAUTHORIZED, "the other session ended");

        assert_eq!(
            portal_sign_in_as(app, "desk@example.com", PASSWORD).await.err(),
            Some(StatusCode::UNAUTHORIZED),
            "the old password no longer works"
        );
        let fresh = portal_sign_in_as(app, "desk@example.com", "N3wSalon-Pass-42!")
            .await
            .expect("the new password works");
        let (s, _) = form_fn(app, &fresh, "load_profile", &[]).await;
        assert_eq!(s, 200);

        let owner = portal(app, "owner@example.com").await;
        let (s, log) = json_fn(
            app,
            &owner,
            "list_audit_log",
            json!({ "query": { "action": "auth.password_changed" } }),
        )
        .await;
        assert_eq!(s, 200, "{log}");
        assert_eq!(log["pagination"]["total"], 1);
        assert_eq!(log["entries"][0]["actor_email"], "desk@example.com");
        assert_eq!(log["entries"][0]["actor_name"], "Dana Desk");
    }
);

both_backends!(
    async fn the_audit_log_filters_by_actor_action_and_day(backend: Backend) {
        let app = &staffed_app(backend).await;
        // A failed sign-in, then a good one, for the desk.
        assert_eq!(
            portal_sign_in_as(app, "desk@example.com", "Wrong1!pass")
                .await
                .err(),
            Some(StatusCode::UNAUTHORIZED)
        );
        let desk = portal(app, "desk@example.com").await;
        let owner = portal(app, "owner@example.com").await;
        let list = |query: Value| {
            let owner = owner.clone();
            async move { json_fn(app, &owner, "list_audit_log", json!({ "query": query })).await }
        };
        let actions = |page: &Value| -> Vec<String> {
            page["entries"]
                .as_array()
                .unwrap()
                .iter()
                .map(|e| e["action"].as_str().unwrap().to_owned())
                .collect()
        };

        let (s, all) = list(json!({})).await;
        assert_eq!(s, 200, "{all}");
        assert_eq!(all["pagination"]["limit"], 20);
        let total = all["pagination"]["total"].as_u64().unwrap();
        assert!(total >= 4, "sign-ins and the role: {all}");
        let times: Vec<chrono::DateTime<chrono::FixedOffset>> = all["entries"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| chrono::DateTime::parse_from_rfc3339(e["at"].as_str().unwrap()).unwrap())
            .collect();
        assert!(times.windows(2).all(|w| w[0] >= w[1]), "newest first: {times:?}");

        let (s, by_email) = list(json!({ "actor": "DESK@example.com" })).await;
        assert_eq!(s, 200, "{by_email}");
        assert_eq!(actions(&by_email), ["auth.login", "auth.login_failed"]);
        assert!(by_email["entries"]
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["actor_email"] == "desk@example.com" && e["actor_name"] == "Test Person"));
        let (_, me) = form_fn(app, &desk, "load_profile", &[]).await;
        let (_, by_id) = list(json!({ "actor": me["id"] })).await;
        assert_eq!(by_id["entries"], by_email["entries"]);

        let (_, failed) = list(json!({ "action": "auth.login_failed" })).await;
        assert_eq!(failed["pagination"]["total"], 1);
        assert_eq!(failed["entries"][0]["actor_email"], "desk@example.com");
        let (_, both) = list(json!({ "action": "auth.login", "actor": "owner@example.com" })).await;
        assert!(actions(&both).iter().all(|a| a == "auth.login"), "{both}");
        assert!(both["entries"]
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["actor_email"] == "owner@example.com"));

        let today = chrono::Utc::now().date_naive();
        let day = |d: chrono::NaiveDate| d.format("%Y-%m-%d").to_string();
        let around = json!({ "from": day(today.pred_opt().unwrap()), "to": day(today.succ_opt().unwrap()) });
        let (_, recent) = list(around).await;
        assert_eq!(recent["pagination"]["total"].as_u64(), Some(total));
        let (_, long_ago) = list(json!({ "to": "2000-01-01" })).await;
        assert_eq!(long_ago["pagination"]["total"], 0);
        assert_eq!(long_ago["entries"], json!([]));

        for (query, field) in [
            (json!({ "from": "2026-02-30" }), "from"),
            (json!({ "from": "2026-03-10", "to": "2026-03-01" }), "to"),
            (json!({ "actor": "ann" }), "actor"),
            (json!({ "actor": "nobody@example.com" }), "actor"),
            (json!({ "page": "0" }), "page"),
        ] {
            let (s, b) = list(query.clone()).await;
            assert_eq!(s, 400, "{query}: {b}");
            assert_eq!(fields(&b), [field], "{query}");
        }
    }
);

both_backends!(
    async fn the_new_pages_send_strangers_to_sign_in_and_answer_403_without_the_permission(backend: Backend) {
        let app = &staffed_app(backend).await;
        let anonymous = client();
        for page in ["/settings", "/profile", "/audit?action=auth.login"] {
            let r = anonymous.get(app.url(page)).send().await.unwrap();
            assert_eq!(r.status(), StatusCode::FOUND, "{page}");
            let to = r.headers()["location"].to_str().unwrap();
            assert!(to.starts_with("/login?next=%2F"), "{page} → {to}");
        }

        let desk = portal(app, "desk@example.com").await;
        for page in ["/settings", "/audit"] {
            let r = desk.get(app.url(page)).send().await.unwrap();
            assert_eq!(r.status(), StatusCode::FORBIDDEN, "{page}");
            let html = r.text().await.unwrap();
            assert!(html.contains("data-testid=\"forbidden\""), "{page}");
            assert!(!html.contains("auth.login"), "{page} leaked the log");
        }
        let r = desk.get(app.url("/profile")).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::OK);
        let html = r.text().await.unwrap();
        assert!(html.contains("data-testid=\"profile-form\""));
        assert!(html.contains("desk@example.com"));
        // A role that reaches no other page starts at its profile.
        let r = desk.get(app.url("/")).send().await.unwrap();
        assert_eq!(r.headers()["location"], "/profile");

        let owner = portal(app, "owner@example.com").await;
        for (page, marker) in [
            ("/settings", "settings-form"),
            ("/profile", "profile-form"),
            ("/audit", "audit-row"),
            ("/audit?action=auth.login&actor=desk%40example.com", "audit-row"),
        ] {
            let r = owner.get(app.url(page)).send().await.unwrap();
            assert_eq!(r.status(), StatusCode::OK, "{page}");
            let html = r.text().await.unwrap();
            assert!(html.contains(marker), "{page} lacks {marker}");
        }
    }
);
