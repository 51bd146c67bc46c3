//! The portal's users pages and password pages over HTTP: each users server function checks its own
//! permission; search, role filter and pages; role changes, deactivation and deletion keep the
//! service's rules (never yourself, never the last Owner); an invitation's emailed link sets the
//! first password, and a forgotten password is reset through the emailed link, once.

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::booking::{call, shop};
use crate::both_backends;
use crate::helpers::{
    client, create_account, form_fn, json_fn, portal, portal_as, spawn_app_with, Spawn, TestApp,
};
use crate::mail::MailSink;

enum Args {
    Json(Value),
    Form(Vec<(&'static str, String)>),
}

async fn invoke(app: &TestApp, c: &reqwest::Client, name: &str, args: &Args) -> (StatusCode, Value) {
    match args {
        Args::Json(v) => json_fn(app, c, name, v.clone()).await,
        Args::Form(pairs) => {
            let pairs: Vec<(&str, &str)> = pairs.iter().map(|(k, v)| (*k, v.as_str())).collect();
            form_fn(app, c, name, &pairs).await
        }
    }
}

async fn page(c: &reqwest::Client, app: &TestApp, path: &str) -> (StatusCode, String) {
    let r = c.get(app.url(path)).send().await.unwrap();
    (r.status(), r.text().await.unwrap())
}

/// The roles' ids by name, as the users page gets them.
async fn role_ids(app: &TestApp, owner: &reqwest::Client) -> std::collections::HashMap<String, String> {
    let (s, roles) = form_fn(app, owner, "user_roles", &[]).await;
    assert_eq!(s, 200, "{roles}");
    roles
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["name"].as_str().unwrap().to_owned(),
                r["id"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

fn emails(page: &Value) -> Vec<String> {
    page["users"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["email"].as_str().unwrap().to_owned())
        .collect()
}

both_backends!(
    async fn every_users_server_function_checks_its_own_permission(backend: Backend) {
        let shop = shop(backend).await;
        let app = &shop.app;
        create_account(app, "expert@example.com", "Expert", true).await;
        // A role that may read accounts but sees no appointments and changes nothing.
        let (s, b) = call(
            app,
            Method::POST,
            "/roles",
            Some(&shop.owner),
            Some(json!({ "name": "Directory", "permissions": ["portal.access", "users.view"] })),
        )
        .await;
        assert_eq!(s, 201, "{b}");
        create_account(app, "dir@example.com", "Directory", true).await;
        let anonymous = client();
        let expert = portal(app, "expert@example.com").await;
        let directory = portal(app, "dir@example.com").await;
        let owner = portal(app, "owner@example.com").await;
        let nil = uuid::Uuid::nil().to_string();

        // (function, arguments, a signed-in role that lacks the permission, does the owner pass?)
        let cases: Vec<(&str, Args, &reqwest::Client, bool)> = vec![
            ("list_users", Args::Json(json!({ "query": {} })), &expert, true),
            ("user_roles", Args::Form(vec![]), &expert, true),
            (
                "user_detail",
                Args::Form(vec![("id", nil.clone())]),
                &expert,
                false,
            ),
            (
                "user_appointments",
                Args::Json(json!({ "id": nil, "page": null })),
                &directory,
                false,
            ),
            (
                "update_user",
                Args::Json(json!({ "id": nil, "role_id": null, "is_active": false })),
                &directory,
                false,
            ),
            (
                "delete_user",
                Args::Form(vec![("id", nil.clone())]),
                &directory,
                false,
            ),
            (
                "invite_staff",
                Args::Form(vec![("email", String::new()), ("role_id", String::new())]),
                &directory,
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
                // Past the permission check: refused for the (missing) account or empty input.
                assert!(matches!(s.as_u16(), 400 | 404), "{name} as owner: {s} {b}");
            }
        }
        // The directory role reads accounts, but not their bookings.
        let (s, _) = json_fn(app, &directory, "list_users", json!({ "query": {} })).await;
        assert_eq!(s, 200);

        // The pages: strangers sign in first, roles without users.view get a 403 with no data.
        for path in [
            "/users?search=owner",
            "/users/00000000-0000-0000-0000-000000000000",
        ] {
            let (s, _) = page(&anonymous, app, path).await;
            assert_eq!(s, StatusCode::FOUND, "{path}");
            let (s, html) = page(&expert, app, path).await;
            assert_eq!(s, StatusCode::FORBIDDEN, "{path}");
            assert!(html.contains("data-testid=\"forbidden\""), "{path}");
            assert!(!html.contains("owner@example.com"), "{path} leaked an account");
        }
        // A role without appointments sees the account, and is told why its history is not there.
        let owner_id = json_fn(
            app,
            &owner,
            "list_users",
            json!({ "query": { "search": "owner@" } }),
        )
        .await
        .1["users"][0]["id"]
            .as_str()
            .unwrap()
            .to_owned();
        let (s, html) = page(&directory, app, &format!("/users/{owner_id}")).await;
        assert_eq!(s, StatusCode::OK);
        assert!(html.contains("owner@example.com"));
        assert!(html.contains("data-testid=\"history-hidden\""));

        // The password pages' functions are for visitors who are not signed in.
        let (s, b) = form_fn(
            app,
            &anonymous,
            "forgot_password",
            &[("email", "nobody@example.com")],
        )
        .await;
        assert_eq!(s, 200, "{b}");
        let (s, b) = form_fn(app, &anonymous, "reset_link_status", &[("token", "nope")]).await;
        assert_eq!(s, 400, "{b}");
        let (s, b) = form_fn(app, &anonymous, "password_setup_info", &[("token", "nope")]).await;
        assert_eq!(s, 400, "{b}");

        // A write from another site is refused before any of this runs.
        let r = owner
            .post(app.url("/api/fn/delete_user"))
            .header("origin", "https://evil.example")
            .form(&[("id", nil.as_str())])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::FORBIDDEN);
    }
);

both_backends!(
    async fn accounts_are_searched_filtered_by_role_and_paged_on_the_server(backend: Backend) {
        let shop = shop(backend).await;
        let app = &shop.app;
        for (email, role) in [
            ("ann.lee@example.com", "Customer"),
            ("anna.b@example.com", "Customer"),
            ("annie@example.com", "User"),
            ("bob@example.com", "Customer"),
        ] {
            create_account(app, email, role, true).await;
        }
        let owner = portal(app, "owner@example.com").await;
        let list = |query: Value| {
            let owner = owner.clone();
            async move { json_fn(app, &owner, "list_users", json!({ "query": query })).await }
        };

        let (s, first) = list(json!({ "search": "ANN", "limit": "2" })).await;
        assert_eq!(s, 200, "{first}");
        assert_eq!(
            first["pagination"],
            json!({ "page": 1, "limit": 2, "total": 3, "pages": 2 })
        );
        let (_, second) = list(json!({ "search": "ann", "limit": "2", "page": "2" })).await;
        let mut found = [emails(&first), emails(&second)].concat();
        found.sort();
        assert_eq!(
            found,
            ["ann.lee@example.com", "anna.b@example.com", "annie@example.com"]
        );
        let row = &first["users"][0];
        assert_eq!(
            row["joined"].as_str().map(str::len),
            Some(10),
            "YYYY-MM-DD: {row}"
        );
        assert_eq!(row["is_active"], json!(true));

        let (_, customers) = list(json!({ "search": "ann", "role": "Customer" })).await;
        let mut found = emails(&customers);
        found.sort();
        assert_eq!(found, ["ann.lee@example.com", "anna.b@example.com"]);
        let (_, all_customers) = list(json!({ "role": "Customer" })).await;
        assert_eq!(all_customers["pagination"]["total"], 3);
        let (_, nobody) = list(json!({ "search": "zzz" })).await;
        assert_eq!(nobody["pagination"]["total"], 0);

        let (s, b) = list(json!({ "page": "x" })).await;
        assert_eq!(s, 400, "{b}");
        assert_eq!(b["errors"][0]["field"], "page");

        // The page renders the same filtered list on the server (the query lives in the URL).
        let (s, html) = page(&owner, app, "/users?search=ann&role=Customer").await;
        assert_eq!(s, 200);
        assert!(html.contains("ann.lee@example.com"));
        assert!(!html.contains("annie@example.com"), "the role filter applies");
        assert!(!html.contains("bob@example.com"), "the search applies");
        assert!(html.contains("data-testid=\"user-row\""));
        assert!(html.contains("data-testid=\"pager\""));
    }
);

both_backends!(
    async fn an_account_shows_its_bookings_changes_role_and_is_deactivated_or_deleted_by_the_rules(
        backend: Backend,
    ) {
        let shop = shop(backend).await;
        let app = &shop.app;
        let customer = create_account(app, "cus@example.com", "Customer", true).await;
        let manager = create_account(app, "mgr@example.com", "Manager", true).await;
        let (s, b) = call(
            app,
            Method::POST,
            "/appointments/admin",
            Some(&shop.owner),
            Some(json!({
                "serviceId": shop.service, "appointmentDate": shop.day, "appointmentTime": "09:00",
                "customerName": "Cus Tomer", "customerPhone": "+44 20 7946 0003",
                "userId": customer.id
            })),
        )
        .await;
        assert_eq!(s, 201, "{b}");
        let owner = portal(app, "owner@example.com").await;
        let roles = role_ids(app, &owner).await;
        let id = customer.id.to_string();

        // Profile and booking history.
        let (s, d) = form_fn(app, &owner, "user_detail", &[("id", &id)]).await;
        assert_eq!(s, 200, "{d}");
        assert_eq!(
            (&d["user"]["email"], &d["user"]["role"], &d["is_self"]),
            (&json!("cus@example.com"), &json!("Customer"), &json!(false))
        );
        let (s, h) = json_fn(
            app,
            &owner,
            "user_appointments",
            json!({ "id": id, "page": null }),
        )
        .await;
        assert_eq!(s, 200, "{h}");
        assert_eq!(h["pagination"]["total"], 1);
        assert_eq!(h["appointments"][0]["service_name"], "Cut");
        let (s, html) = page(&owner, app, &format!("/users/{id}")).await;
        assert_eq!(s, 200);
        assert!(html.contains("data-testid=\"history-row\""));
        assert!(html.contains("cus@example.com"));
        // A detail page for nothing, or for no id at all, says so with a 404.
        let nobody = uuid::Uuid::now_v7();
        for (path, message) in [
            (format!("/users/{nobody}"), "User not found"),
            ("/users/not-an-id".to_owned(), "User not found"),
            (format!("/experts/{nobody}"), "Expert not found"),
            ("/experts/not-an-id".to_owned(), "Expert not found"),
        ] {
            let (s, html) = page(&owner, app, &path).await;
            assert_eq!(s, 404, "{path}");
            assert!(html.contains(message), "{path}");
        }

        // A role change applies at once.
        let (s, u) = json_fn(
            app,
            &owner,
            "update_user",
            json!({ "id": id, "role_id": roles["Receptionist"], "is_active": null }),
        )
        .await;
        assert_eq!(s, 200, "{u}");
        assert_eq!(u["role"], "Receptionist");
        // Now staff, the account signs in to the portal; deactivating it ends that session.
        let cus = portal(app, "cus@example.com").await;
        let (s, _) = json_fn(app, &cus, "list_users", json!({ "query": {} })).await;
        assert_eq!(s, 200);
        let (s, u) = json_fn(
            app,
            &owner,
            "update_user",
            json!({ "id": id, "role_id": null, "is_active": false }),
        )
        .await;
        assert_eq!((s, &u["is_active"]), (StatusCode::OK, &json!(false)), "{u}");
        let (s, _) = json_fn(app, &cus, "list_users", json!({ "query": {} })).await;
        assert_eq!(s, 401, "a deactivated account's session ends");
        let (s, u) = json_fn(
            app,
            &owner,
            "update_user",
            json!({ "id": id, "role_id": null, "is_active": true }),
        )
        .await;
        assert_eq!((s, &u["is_active"]), (StatusCode::OK, &json!(true)), "{u}");

        // Never yourself.
        let me = json_fn(
            app,
            &owner,
            "list_users",
            json!({ "query": { "search": "owner@" } }),
        )
        .await
        .1["users"][0]["id"]
            .as_str()
            .unwrap()
            .to_owned();
        let (s, d) = form_fn(app, &owner, "user_detail", &[("id", &me)]).await;
        assert_eq!((s, &d["is_self"]), (StatusCode::OK, &json!(true)));
        let (s, b) = json_fn(
            app,
            &owner,
            "update_user",
            json!({ "id": me, "role_id": null, "is_active": false }),
        )
        .await;
        assert_eq!(
            (s, &b["message"]),
            (
                StatusCode::BAD_REQUEST,
                &json!("You cannot deactivate your own account.")
            )
        );
        let (s, b) = form_fn(app, &owner, "delete_user", &[("id", &me)]).await;
        assert_eq!(
            (s, &b["message"]),
            (
                StatusCode::BAD_REQUEST,
                &json!("You cannot delete your own account.")
            )
        );
        // Never the last Owner: it keeps its role, and only an Owner acts on an Owner.
        let (s, b) = json_fn(
            app,
            &owner,
            "update_user",
            json!({ "id": me, "role_id": roles["Receptionist"], "is_active": null }),
        )
        .await;
        assert_eq!(
            (s, &b["message"]),
            (
                StatusCode::CONFLICT,
                &json!("The last Owner cannot be given another role.")
            )
        );
        let mgr = portal(app, "mgr@example.com").await;
        let (s, b) = form_fn(app, &mgr, "delete_user", &[("id", &me)]).await;
        assert_eq!(
            (s, &b["message"]),
            (
                StatusCode::FORBIDDEN,
                &json!("Only an Owner can change another Owner's account.")
            )
        );
        let (s, b) = json_fn(
            app,
            &mgr,
            "update_user",
            json!({ "id": manager.id, "role_id": roles["Owner"], "is_active": null }),
        )
        .await;
        assert_eq!(
            (s, &b["message"]),
            (
                StatusCode::FORBIDDEN,
                &json!("Only an Owner can grant the Owner role.")
            )
        );
        // With a second Owner, the first is no longer the last.
        let second = create_account(app, "owner2@example.com", "Owner", true).await;
        let (s, b) = form_fn(app, &owner, "delete_user", &[("id", &second.id.to_string())]).await;
        assert_eq!(s, 200, "{b}");

        // Deleting an account keeps its appointments, unlinked.
        let (s, b) = form_fn(app, &mgr, "delete_user", &[("id", &id)]).await;
        assert_eq!(s, 200, "{b}");
        let (s, _) = form_fn(app, &owner, "user_detail", &[("id", &id)]).await;
        assert_eq!(s, 404);
        let (s, b) = call(
            app,
            Method::GET,
            "/appointments?search=Cus%20Tomer",
            Some(&shop.owner),
            None,
        )
        .await;
        assert_eq!(s, 200, "{b}");
        assert_eq!(b["data"]["pagination"]["total"], 1, "{b}");
        assert_eq!(b["data"]["appointments"][0]["user_id"], Value::Null);
    }
);

async fn mail_app(backend: crate::helpers::Backend) -> (TestApp, MailSink) {
    let sink = MailSink::start();
    let app = spawn_app_with(backend, Spawn::default().var("SMTP_URL", sink.url.clone())).await;
    (app, sink)
}

both_backends!(
    async fn an_invitation_from_the_portal_sets_the_first_password_through_the_emailed_link(
        backend: Backend,
    ) {
        let (app, sink) = mail_app(backend).await;
        create_account(&app, "owner@example.com", "Owner", true).await;
        create_account(&app, "cus@example.com", "Customer", true).await;
        let owner = portal(&app, "owner@example.com").await;
        let roles = role_ids(&app, &owner).await;

        // The shared parser's field names come back for bad input.
        let (s, b) = form_fn(
            &app,
            &owner,
            "invite_staff",
            &[("email", "x"), ("role_id", "nope")],
        )
        .await;
        assert_eq!(s, 400, "{b}");
        let mut fields: Vec<&str> = b["errors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["field"].as_str().unwrap())
            .collect();
        fields.sort_unstable();
        assert_eq!(fields, ["email", "roleId"]);

        let (s, b) = form_fn(
            &app,
            &owner,
            "invite_staff",
            &[("email", "Quinn@Example.com"), ("role_id", &roles["Manager"])],
        )
        .await;
        assert_eq!(s, 200, "{b}");
        assert_eq!(
            (&b["invited"], &b["email"], &b["role"]),
            (&json!(true), &json!("quinn@example.com"), &json!("Manager"))
        );
        // An existing account just gets the role, and no email.
        let (s, b) = form_fn(
            &app,
            &owner,
            "invite_staff",
            &[("email", "cus@example.com"), ("role_id", &roles["Receptionist"])],
        )
        .await;
        assert_eq!(
            (s, &b["invited"], &b["role"]),
            (StatusCode::OK, &json!(false), &json!("Receptionist"))
        );

        let mail = sink.wait_for("quinn@example.com", 1).await;
        assert!(
            mail.decoded()
                .contains(&format!("{}/set-password?token=", app.base)),
            "the link opens this portal's page"
        );
        let token = mail.token_after("set-password?token=");
        let anonymous = client();
        let (s, html) = page(&anonymous, &app, &format!("/set-password?token={token}")).await;
        assert_eq!(s, 200);
        assert!(html.contains("quinn@example.com"), "the page names the account");
        assert!(html.contains("data-testid=\"password-form\""));
        let (s, b) = form_fn(&app, &anonymous, "password_setup_info", &[("token", &token)]).await;
        assert_eq!((s, b), (StatusCode::OK, json!("quinn@example.com")));

        // The same rules as the browser's: a weak password, then two that differ.
        let (s, b) = form_fn(
            &app,
            &anonymous,
            "set_password",
            &[("token", &token), ("password", "weak"), ("confirm", "weak")],
        )
        .await;
        assert_eq!(
            (s, &b["errors"][0]["field"]),
            (StatusCode::BAD_REQUEST, &json!("password"))
        );
        let (s, b) = form_fn(
            &app,
            &anonymous,
            "set_password",
            &[
                ("token", &token),
                ("password", "Qu1nnPassword!"),
                ("confirm", "Qu1nnPassword?"),
            ],
        )
        .await;
        assert_eq!(
            (s, &b["errors"][0]["field"]),
            (StatusCode::BAD_REQUEST, &json!("confirm"))
        );
        let (s, b) = form_fn(
            &app,
            &anonymous,
            "set_password",
            &[
                ("token", &token),
                ("password", "Qu1nnPassword!"),
                ("confirm", "Qu1nnPassword!"),
            ],
        )
        .await;
        assert_eq!(s, 200, "{b}");

        let quinn = portal_as(&app, "quinn@example.com", "Qu1nnPassword!").await;
        let (s, me) = form_fn(&app, &quinn, "current_user", &[]).await;
        assert_eq!((s, &me["role"]), (StatusCode::OK, &json!("Manager")), "{me}");

        // The link works once; the page says so and points to sign-in.
        let (s, b) = form_fn(
            &app,
            &anonymous,
            "set_password",
            &[
                ("token", &token),
                ("password", "Again1Pass!"),
                ("confirm", "Again1Pass!"),
            ],
        )
        .await;
        assert_eq!(
            (s, &b["message"]),
            (
                StatusCode::BAD_REQUEST,
                &json!("This link is invalid or has already been used.")
            )
        );
        let (_, html) = page(&anonymous, &app, &format!("/set-password?token={token}")).await;
        assert!(html.contains("data-testid=\"link-problem\""));
        assert!(html.contains("This link is invalid or has already been used."));
        assert!(html.contains("data-testid=\"link-login\""));
        let (_, html) = page(&anonymous, &app, "/set-password").await;
        assert!(html.contains("This link is incomplete"));
    }
);

both_backends!(
    async fn a_forgotten_password_is_reset_once_through_the_emailed_link(backend: Backend) {
        let (app, sink) = mail_app(backend).await;
        create_account(&app, "pat@example.com", "Manager", true).await;
        let anonymous = client();
        let (s, html) = page(&anonymous, &app, "/forgot-password").await;
        assert_eq!(s, 200);
        assert!(html.contains("data-testid=\"forgot-form\""));

        // Known and unknown addresses get the same answer; only the known one gets an email.
        let (s1, known) = form_fn(
            &app,
            &anonymous,
            "forgot_password",
            &[("email", "Pat@Example.com")],
        )
        .await;
        let (s2, unknown) = form_fn(
            &app,
            &anonymous,
            "forgot_password",
            &[("email", "nobody@example.com")],
        )
        .await;
        assert_eq!((s1, s2), (StatusCode::OK, StatusCode::OK));
        assert_eq!(known, unknown);
        assert!(known.as_str().unwrap().starts_with("If an account exists"));
        let (s, b) = form_fn(&app, &anonymous, "forgot_password", &[("email", "not-an-email")]).await;
        assert_eq!(
            (s, &b["errors"][0]["field"]),
            (StatusCode::BAD_REQUEST, &json!("email"))
        );

        let mail = sink.wait_for("pat@example.com", 1).await;
        assert!(
            mail.decoded().contains(&format!("{}/reset-password/", app.base)),
            "the link opens this portal's page"
        );
        let token = mail.token_after("/reset-password/");
        assert!(sink.messages_to("nobody@example.com").is_empty());

        let (s, html) = page(&anonymous, &app, &format!("/reset-password/{token}")).await;
        assert_eq!(s, 200);
        assert!(html.contains("data-testid=\"password-form\""));
        assert!(html.contains("name=\"referrer\" content=\"no-referrer\""));
        let (s, _) = form_fn(&app, &anonymous, "reset_link_status", &[("token", &token)]).await;
        assert_eq!(s, 200);

        let reset = |password: &'static str, confirm: &'static str| {
            let token = token.clone();
            let anonymous = anonymous.clone();
            let app = &app;
            async move {
                form_fn(
                    app,
                    &anonymous,
                    "reset_password",
                    &[
                        ("token", &token),
                        ("new_password", password),
                        ("confirm", confirm),
                    ],
                )
                .await
            }
        };
        let (s, b) = reset("weak", "weak").await;
        assert_eq!(
            (s, &b["errors"][0]["field"]),
            (StatusCode::BAD_REQUEST, &json!("newPassword"))
        );
        let (s, b) = reset("N3wSalon-Pass-42!", "N3wPassw0rd").await;
        assert_eq!(
            (s, &b["errors"][0]["field"]),
            (StatusCode::BAD_REQUEST, &json!("confirm"))
        );
        let (s, b) = reset("N3wSalon-Pass-42!", "N3wSalon-Pass-42!").await;
        assert_eq!(s, 200, "{b}");

        // Spent: the function and the page both say so, and the page offers a new link and sign-in.
        let (s, b) = reset("Other1Pass!", "Other1Pass!").await;
        assert_eq!(
            (s, &b["message"]),
            (
                StatusCode::BAD_REQUEST,
                &json!("This link is invalid or has already been used.")
            )
        );
        let (_, html) = page(&anonymous, &app, &format!("/reset-password/{token}")).await;
        assert!(html.contains("This link is invalid or has already been used."));
        assert!(html.contains("data-testid=\"link-retry\""));
        assert!(html.contains("data-testid=\"link-login\""));
        assert!(!html.contains("data-testid=\"password-form\""));

        let pat = portal_as(&app, "pat@example.com", "N3wSalon-Pass-42!").await;
        let (s, me) = form_fn(&app, &pat, "current_user", &[]).await;
        assert_eq!((s, &me["email"]), (StatusCode::OK, &json!("pat@example.com")));

        // An expired link is told apart from a spent one.
        form_fn(
            &app,
            &anonymous,
            "forgot_password",
            &[("email", "pat@example.com")],
        )
        .await;
        let token = sink
            .wait_for("pat@example.com", 2)
            .await
            .token_after("/reset-password/");
        {
            use pulse::server::entities::one_time_codes;
            use sea_orm::{sea_query::Expr, ColumnTrait, EntityTrait, QueryFilter};
            one_time_codes::Entity::update_many()
                .col_expr(
                    one_time_codes::Column::ExpiresAt,
                    Expr::value(chrono::Utc::now() - chrono::Duration::hours(2)),
                )
                .filter(one_time_codes::Column::Email.eq("pat@example.com"))
                .filter(one_time_codes::Column::ConsumedAt.is_null())
                .exec(&app.state.db)
                .await
                .unwrap();
        }
        let (s, b) = form_fn(&app, &anonymous, "reset_link_status", &[("token", &token)]).await;
        assert_eq!(
            (s, &b["message"]),
            (
                StatusCode::BAD_REQUEST,
                &json!("This link has expired. Please ask for a new one.")
            )
        );
    }
);
