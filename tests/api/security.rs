//! Regression tests for the outside security review (issue 12): each hole it found, shut, on both
//! backends. Sign-in and code guesses are claimed before they are checked, sign-ups cannot be
//! hijacked, the role hierarchy holds, input is refused at the edge, errors survive compression,
//! and the answers do not tell real accounts from unknown emails.

use std::io::Read;

use futures_util::future::join_all;
use pulse::server::entities::{appointments, audit_log, one_time_codes, users};
use reqwest::{Method, StatusCode};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, IntoActiveModel, PaginatorTrait, QueryFilter, Set,
};
use serde_json::{json, Value};

use crate::booking::{call, shop};
use crate::both_backends;
use crate::helpers::{
    client, create_account, json_fn, portal, portal_sign_in_as, sign_in_token, spawn_app, spawn_app_with,
    Spawn, TestApp, PASSWORD,
};
use crate::mail::MailSink;

async fn post(app: &TestApp, path: &str, body: Value) -> (StatusCode, Value) {
    call(app, Method::POST, path, None, Some(body)).await
}

async fn login(app: &TestApp, email: &str, password: &str) -> (StatusCode, Value) {
    post(
        app,
        "/auth/login",
        json!({ "email": email, "password": password }),
    )
    .await
}

async fn count_audit(app: &TestApp, action: &str) -> u64 {
    audit_log::Entity::find()
        .filter(audit_log::Column::Action.eq(action))
        .count(&app.state.db)
        .await
        .unwrap()
}

// 1. Lockout bypass by concurrency.
both_backends!(
    async fn a_burst_of_sign_ins_evaluates_at_most_the_allowed_guesses(backend: Backend) {
        let app = spawn_app(backend).await;
        create_account(&app, "ann@example.com", "Customer", true).await;
        // 24 wrong passwords at once: three are checked, the rest wait their turn and meet the lock.
        let attempts: Vec<String> = (0..24).map(|i| format!("wrong-guess-{i}")).collect();
        let answers = join_all(attempts.iter().map(|p| login(&app, "ann@example.com", p))).await;
        let wrong = answers.iter().filter(|(s, _)| *s == 401).count();
        let locked = answers
            .iter()
            .filter(|(s, b)| *s == 429 && b["lockoutRemaining"].is_number())
            .count();
        assert_eq!((wrong, locked), (2, 22), "{answers:?}");
        assert_eq!(count_audit(&app, "auth.login_failed").await, 3);
        // The right password, right after: the lock holds.
        assert_eq!(login(&app, "ann@example.com", PASSWORD).await.0, 429);

        // With the right password inside a burst, it may be one of the three checked (then the
        // count starts afresh after it), but never more than the limit before it.
        let app = spawn_app(backend).await;
        create_account(&app, "bo@example.com", "Customer", true).await;
        let mut attempts: Vec<String> = (0..24).map(|i| format!("wrong-guess-{i}")).collect();
        attempts.push(PASSWORD.to_owned());
        let answers = join_all(attempts.iter().map(|p| login(&app, "bo@example.com", p))).await;
        let signed_in = answers.iter().filter(|(s, _)| *s == 200).count();
        let failures = count_audit(&app, "auth.login_failed").await;
        if signed_in == 0 {
            assert_eq!(failures, 3, "{answers:?}");
        } else {
            assert!(
                failures <= 5,
                "{failures} failures around one success: {answers:?}"
            );
        }
    }
);

// A legitimate burst of right passwords (one account on several devices) is never locked out.
both_backends!(
    async fn simultaneous_right_passwords_are_not_a_lockout(backend: Backend) {
        let app = spawn_app(backend).await;
        create_account(&app, "many@example.com", "Customer", true).await;
        let answers = join_all((0..12).map(|_| login(&app, "many@example.com", PASSWORD))).await;
        assert!(answers.iter().all(|(s, _)| *s == 200), "{answers:?}");
    }
);

both_backends!(
    async fn a_burst_of_portal_sign_ins_evaluates_at_most_the_allowed_guesses(backend: Backend) {
        let app = spawn_app(backend).await;
        create_account(&app, "staff@example.com", "Owner", true).await;
        let tries: Vec<String> = (0..20).map(|i| format!("wrong-guess-{i}")).collect();
        let answers = join_all(
            tries
                .iter()
                .map(|p| portal_sign_in_as(&app, "staff@example.com", p)),
        )
        .await;
        assert!(answers.iter().all(Result::is_err));
        let failures = count_audit(&app, "auth.login_failed").await;
        assert!(failures <= 3, "{failures} guesses were evaluated");
        assert_eq!(
            portal_sign_in_as(&app, "staff@example.com", PASSWORD).await.err(),
            Some(StatusCode::TOO_MANY_REQUESTS)
        );
    }
);

// 2. One-time codes: the five-try limit under a burst.
both_backends!(
    async fn a_burst_of_code_guesses_evaluates_at_most_five(backend: Backend) {
        let sink = MailSink::start();
        let app = spawn_app_with(backend, Spawn::default().var("SMTP_URL", sink.url.clone())).await;
        create_account(&app, "kim@example.com", "Customer", true).await;
        assert_eq!(
            post(
                &app,
                "/auth/forgot-password-otp",
                json!({ "email": "kim@example.com" })
            )
            .await
            .0,
            200
        );
        let code = sink.code("kim@example.com", 1).await;
        // 30 wrong guesses at once (the review saw all of them evaluated), then the right code.
        let guesses: Vec<String> = (0..30)
            .map(|i| {
                format!(
                    "{:06}",
                    100_000 + (code.parse::<u32>().unwrap() + 1 + i) % 900_000
                )
            })
            .collect();
        let answers = join_all(guesses.iter().map(|g| {
            post(
                &app,
                "/auth/reset-password-otp",
                json!({ "email": "kim@example.com", "code": g, "newPassword": "Brand-new-pass-9" }),
            )
        }))
        .await;
        let compared = answers
            .iter()
            .filter(|(s, b)| {
                *s == 200
                    || b["message"]
                        .as_str()
                        .is_some_and(|m| m.starts_with("Invalid code."))
            })
            .count();
        assert!(compared <= 5, "{compared} guesses were compared: {answers:?}");
        let row = one_time_codes::Entity::find()
            .filter(one_time_codes::Column::Email.eq("kim@example.com"))
            .one(&app.state.db)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(row.attempts, 5, "the code counted {} tries", row.attempts);
        // The fifth wrong try killed the code: the right one now changes nothing.
        let (s, b) = post(
            &app,
            "/auth/reset-password-otp",
            json!({ "email": "kim@example.com", "code": code, "newPassword": "Brand-new-pass-9" }),
        )
        .await;
        assert_eq!(
            (s, b["message"].clone()),
            (
                StatusCode::BAD_REQUEST,
                json!("Too many wrong codes. Please request a new one.")
            )
        );
        assert_eq!(login(&app, "kim@example.com", PASSWORD).await.0, 200);
        assert_eq!(login(&app, "kim@example.com", "Brand-new-pass-9").await.0, 401);
    }
);

// 3. Sign-up hijack.
both_backends!(
    async fn a_second_sign_up_cannot_replace_the_waiting_password(backend: Backend) {
        let sink = MailSink::start();
        let app = spawn_app_with(backend, Spawn::default().var("SMTP_URL", sink.url.clone())).await;
        let sign_up =
            |password: &str| json!({ "name": "Vic Tim", "email": "vic@example.com", "password": password });
        let (s, first) = post(&app, "/auth/register", sign_up("Victims-own-pass-1")).await;
        assert_eq!(s, 201, "{first}");
        // The attacker's sign-up is answered exactly like the first...
        let (s, second) = post(&app, "/auth/register", sign_up("Attackers-pass-666")).await;
        assert_eq!((s, &second), (StatusCode::CREATED, &first));
        // ...and sends the inbox a new code for the first sign-up.
        let code = sink.code("vic@example.com", 2).await;
        let (s, b) = post(
            &app,
            "/auth/verify-email",
            json!({ "email": "vic@example.com", "code": code }),
        )
        .await;
        assert_eq!(s, 200, "{b}");
        assert_eq!(login(&app, "vic@example.com", "Attackers-pass-666").await.0, 401);
        assert_eq!(login(&app, "vic@example.com", "Victims-own-pass-1").await.0, 200);
    }
);

// 4. Role hierarchy.
both_backends!(
    async fn staff_act_only_on_accounts_whose_role_they_cover(backend: Backend) {
        let app = spawn_app(backend).await;
        create_account(&app, "boss@example.com", "Owner", true).await;
        let admin = create_account(&app, "admin@example.com", "Admin", true).await;
        let desk = create_account(&app, "desk@example.com", "Receptionist", true).await;
        let customer = create_account(&app, "cus@example.com", "Customer", true).await;
        create_account(&app, "man@example.com", "Manager", true).await;
        let manager = sign_in_token(&app, "man@example.com").await;
        let roles = call(
            &app,
            Method::GET,
            "/roles",
            Some(&sign_in_token(&app, "boss@example.com").await),
            None,
        )
        .await
        .1;
        let role_id = |name: &str| {
            roles["data"]["roles"]
                .as_array()
                .unwrap()
                .iter()
                .find(|r| r["name"] == name)
                .unwrap()["id"]
                .as_str()
                .unwrap()
                .to_owned()
        };
        let customer_role = role_id("Customer");
        for (method, body) in [
            (Method::PUT, Some(json!({ "roleId": customer_role }))),
            (Method::PUT, Some(json!({ "isActive": false }))),
            (Method::DELETE, None),
        ] {
            let (s, b) = call(
                &app,
                method.clone(),
                format!("/users/{}", admin.id),
                Some(&manager),
                body,
            )
            .await;
            assert_eq!(s, 403, "{method} on an Admin: {b}");
        }
        let (s, b) = call(
            &app,
            Method::POST,
            "/users/assign-role",
            Some(&manager),
            Some(json!({ "email": "admin@example.com", "roleId": customer_role })),
        )
        .await;
        assert_eq!(s, 403, "{b}");
        // The Admin is untouched; accounts the Manager covers can still be managed.
        let a = users::Entity::find_by_id(admin.id)
            .one(&app.state.db)
            .await
            .unwrap()
            .unwrap();
        assert!(a.is_active);
        let (s, b) = call(
            &app,
            Method::PUT,
            format!("/users/{}", desk.id),
            Some(&manager),
            Some(json!({ "isActive": false })),
        )
        .await;
        assert_eq!(s, 200, "{b}");
        let (s, b) = call(
            &app,
            Method::PUT,
            format!("/users/{}", customer.id),
            Some(&manager),
            Some(json!({ "isActive": false })),
        )
        .await;
        assert_eq!(s, 200, "{b}");
        // Nor may a role above the Manager's be edited by someone with roles.manage but less power.
        let (s, _) = call(
            &app,
            Method::PUT,
            format!("/roles/{}/permissions", role_id("Admin")),
            Some(&manager),
            Some(json!({ "permissions": [] })),
        )
        .await;
        assert_eq!(s, 403);
    }
);

/// The body of a response, decoded by hand from whatever `content-encoding` it has.
async fn decoded(r: reqwest::Response) -> (StatusCode, Option<String>, Value) {
    let status = r.status();
    let encoding = r
        .headers()
        .get("content-encoding")
        .map(|v| v.to_str().unwrap().to_owned());
    let bytes = r.bytes().await.unwrap();
    let mut text = String::new();
    match encoding.as_deref() {
        Some("gzip") => {
            flate2::read::GzDecoder::new(&bytes[..])
                .read_to_string(&mut text)
                .unwrap();
        }
        Some("br") => {
            brotli::Decompressor::new(&bytes[..], 4096)
                .read_to_string(&mut text)
                .unwrap();
        }
        None => text = String::from_utf8(bytes.to_vec()).unwrap(),
        Some(other) => panic!("unexpected encoding {other}"),
    }
    let body = serde_json::from_str(&text).unwrap_or_else(|_| panic!("not JSON: {text:?}"));
    (status, encoding, body)
}

// 5 and 6. Errors stay the contract's 400 envelope, compressed or not.
both_backends!(
    async fn invalid_bodies_are_400_with_field_errors_under_gzip_and_brotli(backend: Backend) {
        let app = spawn_app(backend).await;
        let raw = reqwest::Client::builder().no_gzip().no_brotli().build().unwrap();
        // Malformed, wrong types, a missing enum value, media type, repeated key: all enveloped.
        let padding = "x".repeat(2000);
        type Body<'a> = Option<(&'a str, String)>;
        let cases: Vec<(Method, &str, Body, StatusCode, Option<&str>)> = vec![
            (
                Method::POST,
                "/api/v1/auth/login",
                Some(("application/json", format!("{{\"email\": \"{padding}"))),
                StatusCode::BAD_REQUEST,
                Some("body"),
            ),
            (
                Method::POST,
                "/api/v1/auth/login",
                Some((
                    "application/json",
                    json!({ "email": 5, "password": true }).to_string(),
                )),
                StatusCode::BAD_REQUEST,
                Some("email"),
            ),
            (
                Method::POST,
                "/api/v1/auth/login",
                Some(("text/plain", padding.clone())),
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                None,
            ),
            (
                Method::GET,
                "/api/v1/services?page=1&page=2",
                None,
                StatusCode::BAD_REQUEST,
                Some("page"),
            ),
            (
                Method::POST,
                "/api/v1/experts",
                Some((
                    "application/json",
                    json!({ "name": "X", "serviceIds": "nope" }).to_string(),
                )),
                StatusCode::BAD_REQUEST,
                Some("serviceIds"),
            ),
        ];
        for encoding in ["gzip", "br"] {
            for (method, path, body, status, field) in &cases {
                let mut req = raw
                    .request(method.clone(), app.url(path))
                    .header("accept-encoding", encoding);
                if *path == "/api/v1/experts" {
                    req = req.bearer_auth(owner_token(&app).await);
                }
                if let Some((ct, b)) = body {
                    req = req.header("content-type", *ct).body(b.clone());
                }
                let (s, _enc, b) = decoded(req.send().await.unwrap()).await;
                assert_eq!(s, *status, "{method} {path} ({encoding}): {b}");
                assert_eq!(b["success"], false);
                if let Some(field) = field {
                    assert_eq!(b["message"], "Validation failed", "{b}");
                    assert_eq!(b["errors"][0]["field"], *field, "{b}");
                }
            }
        }
    }
);

async fn owner_token(app: &TestApp) -> String {
    if users::Entity::find()
        .filter(users::Column::Email.eq("owner-sec@example.com"))
        .one(&app.state.db)
        .await
        .unwrap()
        .is_none()
    {
        create_account(app, "owner-sec@example.com", "Owner", true).await;
    }
    sign_in_token(app, "owner-sec@example.com").await
}

// 7. NUL bytes and overlong values: 400 naming the field, never 500.
both_backends!(
    async fn control_characters_and_overlong_values_are_refused_at_the_edge(backend: Backend) {
        let app = spawn_app(backend).await;
        let owner = owner_token(&app).await;
        let cases: Vec<(Method, String, Option<Value>, &str)> = vec![
            (Method::GET, "/users?search=a%00b".into(), None, "search"),
            (Method::GET, "/services?search=%00".into(), None, "search"),
            (Method::GET, "/experts?search=x%00".into(), None, "search"),
            (Method::GET, "/appointments?search=%00".into(), None, "search"),
            (Method::GET, "/audit-log?action=%00".into(), None, "action"),
            (
                Method::GET,
                format!("/services?search={}", "s".repeat(201)),
                None,
                "search",
            ),
            (
                Method::POST,
                "/categories".into(),
                Some(json!({ "name": "Nails", "icon": "i".repeat(101) })),
                "icon",
            ),
            (
                Method::POST,
                "/categories".into(),
                Some(json!({ "name": "Na\u{0}ils" })),
                "name",
            ),
            (
                Method::POST,
                "/roles".into(),
                Some(json!({ "name": "Desk\u{0}", "permissions": [] })),
                "name",
            ),
            (
                Method::PUT,
                "/settings".into(),
                Some(json!({ "businessName": "Shop\u{1b}[31m" })),
                "businessName",
            ),
            (
                Method::PUT,
                "/profile".into(),
                Some(json!({ "address": "Street\u{0}" })),
                "address",
            ),
            (
                Method::POST,
                "/closures".into(),
                Some(json!({ "from": "2030-01-01", "to": "2030-01-01", "reason": "x".repeat(256) })),
                "reason",
            ),
        ];
        for (method, path, body, field) in cases {
            let (s, b) = call(&app, method.clone(), &path, Some(&owner), body).await;
            assert_eq!(s, 400, "{method} {path}: {b}");
            assert_eq!(b["errors"][0]["field"], field, "{method} {path}: {b}");
        }
        let (s, b) = post(
            &app,
            "/auth/register",
            json!({ "name": "A\u{0}", "email": "a@example.com", "password": "Long-enough-pw" }),
        )
        .await;
        assert_eq!(
            (s, b["errors"][0]["field"].clone()),
            (StatusCode::BAD_REQUEST, json!("name"))
        );
        // The portal: a server function and a page.
        create_account(&app, "own2@example.com", "Owner", true).await;
        let c = portal(&app, "own2@example.com").await;
        let (s, b) = json_fn(&app, &c, "list_users", json!({ "query": { "search": "a\u{0}" } })).await;
        assert_eq!(s, 400, "{b}");
        let r = c.get(app.url("/users?search=%00")).send().await.unwrap();
        assert_eq!(r.status(), 400);
    }
);

// 8. A generated password must be changed before anything else.
both_backends!(
    async fn a_generated_password_must_be_changed_first(backend: Backend) {
        let app = spawn_app(backend).await;
        let u = create_account(&app, "first@example.com", "Owner", true).await;
        let mut active = u.into_active_model();
        active.must_change_password = Set(true);
        active.update(&app.state.db).await.unwrap();
        let token = sign_in_token(&app, "first@example.com").await;
        let (s, b) = call(&app, Method::GET, "/users", Some(&token), None).await;
        assert_eq!(
            (s, b["code"].clone()),
            (StatusCode::FORBIDDEN, json!("PASSWORD_CHANGE_REQUIRED"))
        );
        assert_eq!(
            call(&app, Method::GET, "/auth/me", Some(&token), None).await.0,
            200
        );
        assert_eq!(
            call(
                &app,
                Method::PUT,
                "/profile",
                Some(&token),
                Some(json!({ "name": "Me" }))
            )
            .await
            .0,
            403
        );
        // The portal shows only the change-password form, and its server functions refuse.
        let c = portal(&app, "first@example.com").await;
        let page = c
            .get(app.url("/users"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(page.contains("must-change-password"), "{page}");
        assert!(!page.contains("user-search"));
        let (s, _) = json_fn(&app, &c, "list_users", json!({ "query": {} })).await;
        assert_eq!(s, 403);
        let (s, b) = json_fn(
            &app,
            &c,
            "change_password",
            json!({ "form": { "currentPassword": PASSWORD, "newPassword": "My-own-choice-7" } }),
        )
        .await;
        assert_eq!(s, 200, "{b}");
        assert_eq!(
            json_fn(&app, &c, "list_users", json!({ "query": {} })).await.0,
            200
        );
        // The change ended the other sign-ins; signing in again with the new password opens the API.
        let (_, b) = login(&app, "first@example.com", "My-own-choice-7").await;
        let token = b["data"]["accessToken"].as_str().unwrap();
        assert_eq!(call(&app, Method::GET, "/users", Some(token), None).await.0, 200);
    }
);

// 9. Customers cannot cancel what has started.
both_backends!(
    async fn customers_cannot_cancel_an_appointment_that_has_started(backend: Backend) {
        let shop = shop(backend).await;
        let app = &shop.app;
        let cus = create_account(app, "cara@example.com", "Customer", true).await;
        let token = sign_in_token(app, "cara@example.com").await;
        let now = chrono::Utc::now();
        let id = uuid::Uuid::now_v7();
        appointments::ActiveModel {
            id: Set(id),
            user_id: Set(Some(cus.id)),
            service_id: Set(shop.service.parse().unwrap()),
            expert_id: Set(shop.expert.parse().unwrap()),
            customer_name: Set("Cara".into()),
            customer_phone: Set("+44 20 7946 0000".into()),
            customer_email: Set(None),
            starts_at: Set(now - chrono::Duration::minutes(10)),
            ends_at: Set(now + chrono::Duration::minutes(50)),
            status: Set("confirmed".into()),
            payment_status: Set("unpaid".into()),
            payment_method: Set(None),
            price_minor: Set(2550),
            notes: Set(None),
            expires_at: Set(None),
            paid_at: Set(None),
            cancelled_at: Set(None),
            cancel_reason: Set(None),
            created_by: Set(None),
            offer_id: Set(None),
            payment_id: Set(None),
            discount_minor: Set(0),
            created_at: Set(now),
            updated_at: Set(now),
        }
        .insert(&app.state.db)
        .await
        .unwrap();
        let (s, b) = call(
            app,
            Method::DELETE,
            format!("/appointments/{id}/cancel"),
            Some(&token),
            Some(json!({})),
        )
        .await;
        assert_eq!(s, 400, "{b}");
        let (s, b) = call(
            app,
            Method::DELETE,
            format!("/appointments/{id}"),
            Some(&token),
            None,
        )
        .await;
        assert_eq!(s, 400, "{b}");
        // Staff still can.
        let (s, b) = call(
            app,
            Method::DELETE,
            format!("/appointments/{id}/cancel"),
            Some(&shop.owner),
            Some(json!({})),
        )
        .await;
        assert_eq!(s, 200, "{b}");
    }
);

// 10. No sessions for visitors; server functions are rate limited.
both_backends!(
    async fn visitors_get_no_session_and_server_functions_are_limited(backend: Backend) {
        let app = spawn_app_with(backend, Spawn::default().var("RATE_LIMIT_FN_MAX_REQUESTS", "3")).await;
        let c = client();
        for path in ["/login", "/forgot-password", "/dashboard"] {
            let r = c.get(app.url(path)).send().await.unwrap();
            assert!(r.headers().get("set-cookie").is_none(), "{path} set a cookie");
        }
        // The theme is a plain cookie the server reads; nothing is stored.
        let page = c
            .get(app.url("/login"))
            .header("cookie", "pulse_theme=dark")
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(
            page.contains(r#"<html lang="en" class="dark""#),
            "{}",
            &page[..200]
        );
        let statuses: Vec<StatusCode> = join_all((0..5).map(|_| {
            c.post(app.url("/api/fn/sign_in_methods"))
                .header("accept", "application/json")
                .send()
        }))
        .await
        .into_iter()
        .map(|r| r.unwrap().status())
        .collect();
        assert_eq!(statuses.iter().filter(|s| **s == 429).count(), 2, "{statuses:?}");
    }
);

// 11. Unknown emails are answered like real accounts.
both_backends!(
    async fn unknown_emails_get_the_same_answers_as_real_accounts(backend: Backend) {
        let app = spawn_app(backend).await;
        create_account(&app, "real@example.com", "Customer", true).await;
        for _ in 0..2 {
            let real = login(&app, "real@example.com", "not-the-password").await;
            let ghost = login(&app, "ghost@example.com", "not-the-password").await;
            assert_eq!(real, ghost);
            assert!(real.1["attemptsRemaining"].is_number());
        }
        let real = login(&app, "real@example.com", "not-the-password").await;
        let ghost = login(&app, "ghost@example.com", "not-the-password").await;
        assert_eq!(
            (real.0, ghost.0),
            (StatusCode::TOO_MANY_REQUESTS, StatusCode::TOO_MANY_REQUESTS)
        );
        assert_eq!(real.1["message"], ghost.1["message"]);
        // Forgot-password, then a wrong code: the same message either way.
        for email in ["real@example.com", "ghost@example.com"] {
            assert_eq!(
                post(&app, "/auth/forgot-password-otp", json!({ "email": email }))
                    .await
                    .0,
                200
            );
        }
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        let wrong = |email: &'static str| {
            post(
                &app,
                "/auth/reset-password-otp",
                json!({ "email": email, "code": "000000", "newPassword": "Whatever-pass-1" }),
            )
        };
        let (r, g) = (wrong("real@example.com").await, wrong("ghost@example.com").await);
        assert_eq!(r, g);
        assert_eq!(r.0, 400);
    }
);

// 12. Nothing the registrant typed goes to an unproven address.
both_backends!(
    async fn the_verification_mail_carries_no_text_the_registrant_chose(backend: Backend) {
        let sink = MailSink::start();
        let app = spawn_app_with(backend, Spawn::default().var("SMTP_URL", sink.url.clone())).await;
        let (s, b) = post(&app, "/auth/register", json!({ "name": "Win a prize at evil example", "email": "target@example.com", "password": "Long-enough-pw" })).await;
        assert_eq!(s, 201, "{b}");
        let mail = sink.wait_for("target@example.com", 1).await.decoded();
        assert!(!mail.contains("prize"), "{mail}");
        assert!(mail.contains("verification code is"));
    }
);

// 13. Wrong current passwords count; logout ends the access token.
both_backends!(
    async fn change_password_guesses_count_and_logout_ends_access_tokens(backend: Backend) {
        let app = spawn_app(backend).await;
        create_account(&app, "pat@example.com", "Customer", true).await;
        let token = sign_in_token(&app, "pat@example.com").await;
        let change = |current: &str| {
            call(
                &app,
                Method::POST,
                "/auth/change-password",
                Some(&token),
                Some(json!({ "currentPassword": current, "newPassword": "Another-pass-77" })),
            )
        };
        assert_eq!(change("wrong-1").await.0, 400);
        assert_eq!(change("wrong-2").await.0, 400);
        assert_eq!(change("wrong-3").await.0, 429);
        assert_eq!(change(PASSWORD).await.0, 429, "locked, even with the right one");
        assert_eq!(
            login(&app, "pat@example.com", PASSWORD).await.0,
            429,
            "sign-in shares the lock"
        );

        let app = spawn_app(backend).await;
        create_account(&app, "lo@example.com", "Customer", true).await;
        let (_, b) = login(&app, "lo@example.com", PASSWORD).await;
        let (access, refresh) = (
            b["data"]["accessToken"].as_str().unwrap(),
            b["data"]["refreshToken"].as_str().unwrap(),
        );
        assert_eq!(
            call(&app, Method::GET, "/auth/me", Some(access), None).await.0,
            200
        );
        assert_eq!(
            post(&app, "/auth/logout", json!({ "refreshToken": refresh }))
                .await
                .0,
            200
        );
        let (s, b) = call(&app, Method::GET, "/auth/me", Some(access), None).await;
        assert_eq!(s, 401, "{b}");
        // A bearer-only logout ends its sign-in too.
        let other = sign_in_token(&app, "lo@example.com").await;
        assert_eq!(
            call(&app, Method::POST, "/auth/logout", Some(&other), None)
                .await
                .0,
            200
        );
        assert_eq!(
            call(&app, Method::GET, "/auth/me", Some(&other), None).await.0,
            401
        );
    }
);

// 14. Only staff accounts can be linked to an expert.
both_backends!(
    async fn only_staff_accounts_can_be_linked_to_an_expert(backend: Backend) {
        let shop = shop(backend).await;
        let app = &shop.app;
        let cus = create_account(app, "c@example.com", "Customer", true).await;
        let staff = create_account(app, "e@example.com", "Expert", true).await;
        let (s, b) = call(
            app,
            Method::PUT,
            format!("/experts/{}", shop.expert),
            Some(&shop.owner),
            Some(json!({ "userId": cus.id })),
        )
        .await;
        assert_eq!(
            (s, b["errors"][0]["field"].clone()),
            (StatusCode::BAD_REQUEST, json!("userId")),
            "{b}"
        );
        let (s, b) = call(
            app,
            Method::PUT,
            format!("/experts/{}", shop.expert),
            Some(&shop.owner),
            Some(json!({ "userId": staff.id })),
        )
        .await;
        assert_eq!(s, 200, "{b}");
    }
);

// 15. Look-alike role names, the bearer scheme's case, and very long paths.
both_backends!(
    async fn look_alike_roles_bearer_case_and_long_paths(backend: Backend) {
        let app = spawn_app(backend).await;
        let owner = owner_token(&app).await;
        let (s, b) = call(
            &app,
            Method::POST,
            "/roles",
            Some(&owner),
            Some(json!({ "name": "\u{41e}wner", "permissions": [] })),
        )
        .await;
        assert_eq!(s, 400, "mixed scripts: {b}");
        for dup in ["ADMIN", "\u{ff21}dmin", " admin "] {
            let (s, b) = call(
                &app,
                Method::POST,
                "/roles",
                Some(&owner),
                Some(json!({ "name": dup, "permissions": [] })),
            )
            .await;
            assert_eq!(s, 409, "{dup:?}: {b}");
        }
        let (s, _) = call(
            &app,
            Method::POST,
            "/roles",
            Some(&owner),
            Some(json!({ "name": "Стилист", "permissions": [] })),
        )
        .await;
        assert_eq!(s, 201, "one script, any script");

        for scheme in ["BEARER", "bearer", "Bearer"] {
            let r = app
                .client
                .get(app.url("/api/v1/auth/me"))
                .header("authorization", format!("{scheme} {owner}"))
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), 200, "{scheme}");
        }
        let r = app
            .client
            .get(app.url(&format!("/api/v1/{}", "a".repeat(10_000))))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 414);
        let b: Value = r.json().await.unwrap();
        assert_eq!(b["success"], false);
    }
);

// 16. Security headers.
both_backends!(
    async fn pages_and_answers_carry_security_headers(backend: Backend) {
        let app = spawn_app(backend).await;
        let r = client().get(app.url("/login")).send().await.unwrap();
        let h = r.headers().clone();
        let csp = h["content-security-policy"].to_str().unwrap().to_owned();
        let html = r.text().await.unwrap();
        let nonce = csp
            .split("'nonce-")
            .nth(1)
            .unwrap()
            .split('\'')
            .next()
            .unwrap()
            .to_owned();
        assert!(
            csp.contains("frame-ancestors 'none'") && csp.contains("'wasm-unsafe-eval'"),
            "{csp}"
        );
        assert!(
            html.contains(&format!("nonce=\"{nonce}\"")),
            "the hydration scripts carry the nonce"
        );
        let script_src = csp.split("script-src").nth(1).unwrap().split(';').next().unwrap();
        assert!(!script_src.contains("unsafe-inline"), "{csp}");
        assert_eq!(h["x-frame-options"], "DENY");
        assert_eq!(h["x-content-type-options"], "nosniff");
        assert_eq!(h["referrer-policy"], "strict-origin-when-cross-origin");
        assert!(
            h.get("strict-transport-security").is_none(),
            "HSTS only in production"
        );
        // Every page gets its own nonce.
        let again = client().get(app.url("/login")).send().await.unwrap();
        assert_ne!(again.headers()["content-security-policy"].to_str().unwrap(), csp);
        let api = client().get(app.url("/api/v1/categories")).send().await.unwrap();
        assert_eq!(api.headers()["x-content-type-options"], "nosniff");
        assert!(api.headers()["content-security-policy"]
            .to_str()
            .unwrap()
            .starts_with("default-src 'none'"));
    }
);

// 17. The password rule.
both_backends!(
    async fn passwords_follow_nist_and_refuse_common_ones(backend: Backend) {
        let app = spawn_app(backend).await;
        let try_register = |email: &'static str, password: &'static str| {
            post(
                &app,
                "/auth/register",
                json!({ "name": "Pia", "email": email, "password": password }),
            )
        };
        for good in ["correct horse battery staple", "pässwort-#1 ok", "a-b#c d_e f"] {
            let (s, b) = try_register("p1@example.com", good).await;
            assert_eq!(s, 201, "{good}: {b}");
        }
        for (bad, says) in [
            ("short", "at least 8"),
            ("password1", "commonly used"),
            ("Passw0rd!", "commonly used"),
        ] {
            let (s, b) = try_register("p2@example.com", bad).await;
            assert_eq!(s, 400, "{bad}");
            assert!(
                b["errors"][0]["message"].as_str().unwrap().contains(says),
                "{bad}: {b}"
            );
        }
    }
);
