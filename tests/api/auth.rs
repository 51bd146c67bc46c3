//! Sign-in, lockout, tokens and the bearer check, as the mobile app meets them (contract §2.1, §5).

use std::time::Duration;

use crate::both_backends;
use crate::helpers::{create_account, spawn_app, spawn_app_with, Spawn, TestApp, PASSWORD};
use pulse::server::entities::{audit_log, refresh_tokens, users};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, IntoActiveModel, PaginatorTrait, QueryFilter, Set,
};
use serde_json::{json, Value};

async fn post(app: &TestApp, path: &str, body: Value) -> (u16, Value, reqwest::header::HeaderMap) {
    let r = app.client.post(app.url(path)).json(&body).send().await.unwrap();
    let (status, headers) = (r.status().as_u16(), r.headers().clone());
    (status, r.json().await.unwrap(), headers)
}

async fn login(app: &TestApp, email: &str, password: &str) -> (u16, Value) {
    let (s, b, _) = post(
        app,
        "/api/v1/auth/login",
        json!({ "email": email, "password": password }),
    )
    .await;
    (s, b)
}

async fn get_bearer(app: &TestApp, path: &str, token: &str) -> (u16, Value) {
    let r = app
        .client
        .get(app.url(path))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.json().await.unwrap())
}

async fn audit_count(app: &TestApp, action: &str) -> u64 {
    audit_log::Entity::find()
        .filter(audit_log::Column::Action.eq(action))
        .count(&app.state.db)
        .await
        .unwrap()
}

both_backends!(
    async fn login_answers_in_the_contract_shape_and_the_token_opens_me_and_profile(backend: Backend) {
        let app = spawn_app(backend).await;
        create_account(&app, "ann@example.com", "Customer", true).await;
        let (status, body, headers) = post(
            &app,
            "/api/v1/auth/login",
            json!({ "email": " Ann@Example.com ", "password": PASSWORD }),
        )
        .await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(headers["cache-control"], "no-store");
        insta::assert_json_snapshot!("auth_login", body, {
            ".data.user.id" => "[uuid]",
            ".data.user.role.id" => "[uuid]",
            ".data.accessToken" => "[jwt]",
            ".data.refreshToken" => "[token]",
        });
        let token = body["data"]["accessToken"].as_str().unwrap();

        let (status, me) = get_bearer(&app, "/api/v1/auth/me", token).await;
        assert_eq!(status, 200);
        assert_eq!(me["data"]["user"]["email"], "ann@example.com");
        assert_eq!(me["data"]["user"]["role"]["name"], "Customer");
        assert!(me["data"]["user"]["lastSeen"].is_string());

        let (status, profile) = get_bearer(&app, "/api/v1/profile", token).await;
        assert_eq!(status, 200);
        let u = &profile["data"]["user"];
        for key in [
            "id",
            "name",
            "email",
            "phone",
            "address",
            "gender",
            "profile_image_url",
            "role",
        ] {
            assert!(u.get(key).is_some(), "profile lacks {key}: {u}");
        }
        assert_eq!(u["role"]["name"], "Customer");
        assert_eq!(audit_count(&app, "auth.login").await, 1);
    }
);

both_backends!(
    async fn bad_input_gets_field_errors_and_unknown_emails_reveal_nothing(backend: Backend) {
        let app = spawn_app(backend).await;
        let (status, body, _) = post(&app, "/api/v1/auth/login", json!({ "email": "not-an-email" })).await;
        assert_eq!(status, 400);
        assert_eq!(body["message"], "Validation failed");
        let fields: Vec<&str> = body["errors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["field"].as_str().unwrap())
            .collect();
        assert_eq!(fields, ["email", "password"]);

        // An unknown email is answered exactly like a real account's first wrong password.
        let (status, body) = login(&app, "nobody@example.com", PASSWORD).await;
        assert_eq!(status, 401);
        assert_eq!(
            body,
            json!({ "success": false, "message": "Invalid email or password.", "attemptsRemaining": 2 })
        );

        // Malformed JSON is still the envelope.
        let r = app
            .client
            .post(app.url("/api/v1/auth/login"))
            .header("content-type", "application/json")
            .body("{")
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 400);
        assert_eq!(r.json::<Value>().await.unwrap()["success"], false);
    }
);

both_backends!(
    async fn failures_count_down_then_lock_doubling_and_success_resets(backend: Backend) {
        let app = spawn_app_with(backend, Spawn::default().var("PULSE_LOCKOUT_BASE_SECS", "1")).await;
        create_account(&app, "bob@example.com", "Customer", true).await;
        let (s, b) = login(&app, "bob@example.com", "Wrong1!pass").await;
        assert_eq!((s, b["attemptsRemaining"].clone()), (401, json!(2)));
        let (s, b) = login(&app, "bob@example.com", "Wrong1!pass").await;
        assert_eq!((s, b["attemptsRemaining"].clone()), (401, json!(1)));
        let (s, b, headers) = post(
            &app,
            "/api/v1/auth/login",
            json!({ "email": "bob@example.com", "password": "Wrong1!pass" }),
        )
        .await;
        assert_eq!(s, 429);
        assert_eq!(b["lockoutRemaining"], 1);
        assert_eq!(
            b["message"],
            "Too many failed attempts. Please try again in 1 seconds."
        );
        assert_eq!(headers["retry-after"], "1");
        // Even the right password waits out the lock.
        assert_eq!(login(&app, "bob@example.com", PASSWORD).await.0, 429);

        tokio::time::sleep(Duration::from_millis(1100)).await;
        let (s, b) = login(&app, "bob@example.com", "Wrong1!pass").await;
        assert_eq!(
            (s, b["lockoutRemaining"].clone()),
            (429, json!(2)),
            "the lock doubles"
        );

        tokio::time::sleep(Duration::from_millis(2100)).await;
        assert_eq!(login(&app, "bob@example.com", PASSWORD).await.0, 200);
        let (s, b) = login(&app, "bob@example.com", "Wrong1!pass").await;
        assert_eq!(
            (s, b["attemptsRemaining"].clone()),
            (401, json!(2)),
            "success resets the count"
        );

        assert_eq!(audit_count(&app, "auth.login_failed").await, 5);
        assert_eq!(audit_count(&app, "auth.lockout").await, 2);
    }
);

both_backends!(
    async fn unverified_accounts_are_told_to_verify_only_with_the_right_password(backend: Backend) {
        let app = spawn_app(backend).await;
        create_account(&app, "new@example.com", "User", false).await;
        assert_eq!(login(&app, "new@example.com", "Wrong1!pass").await.0, 401);
        let (s, b) = login(&app, "new@example.com", PASSWORD).await;
        assert_eq!(s, 403);
        assert_eq!(b["requiresVerification"], true);
        assert_eq!(b["message"], "Please verify your email to continue.");
    }
);

both_backends!(
    async fn bcrypt_hashes_from_the_old_backend_sign_in_and_move_to_argon2(backend: Backend) {
        let app = spawn_app(backend).await;
        let u = create_account(&app, "old@example.com", "User", true).await;
        let mut active = u.into_active_model();
        active.password_hash = Set(Some(bcrypt::hash(PASSWORD, 4).unwrap()));
        let u = active.update(&app.state.db).await.unwrap();
        assert!(u.password_hash.as_deref().unwrap().starts_with("$2"));

        assert_eq!(login(&app, "old@example.com", "Wrong1!pass").await.0, 401);
        assert_eq!(login(&app, "old@example.com", PASSWORD).await.0, 200);
        let after = users::Entity::find_by_id(u.id)
            .one(&app.state.db)
            .await
            .unwrap()
            .unwrap();
        assert!(after.password_hash.as_deref().unwrap().starts_with("$argon2id$"));
        assert_eq!(login(&app, "old@example.com", PASSWORD).await.0, 200);
    }
);

both_backends!(
    async fn forged_expired_and_stale_tokens_are_refused(backend: Backend) {
        let app = spawn_app(backend).await;
        let u = create_account(&app, "cat@example.com", "Customer", true).await;
        let token = login(&app, "cat@example.com", PASSWORD).await.1["data"]["accessToken"]
            .as_str()
            .unwrap()
            .to_owned();

        let r = app.client.get(app.url("/api/v1/auth/me")).send().await.unwrap();
        assert_eq!(r.status(), 401);
        assert_eq!(
            r.json::<Value>().await.unwrap()["message"],
            "No authentication token provided."
        );

        // A changed signature.
        let mut tampered = token.clone();
        let last = tampered.pop().unwrap();
        tampered.push(if last == 'A' { 'B' } else { 'A' });
        let (s, b) = get_bearer(&app, "/api/v1/auth/me", &tampered).await;
        assert_eq!(
            (s, b["message"].clone()),
            (401, json!("Invalid authentication token."))
        );

        // `alg: none` with the same claims and no signature.
        let payload = token.split('.').nth(1).unwrap();
        let none = format!("{}.{}.", b64(r#"{"alg":"none","typ":"JWT"}"#), payload);
        assert_eq!(get_bearer(&app, "/api/v1/auth/me", &none).await.0, 401);

        // Correctly signed but expired.
        let now = chrono::Utc::now().timestamp();
        let claims = json!({ "sub": u.id, "role": "Customer", "jti": uuid::Uuid::now_v7(), "iat": now - 100, "exp": now - 10 });
        let expired = jsonwebtoken::encode(
            &jsonwebtoken::Header::default(),
            &claims,
            &jsonwebtoken::EncodingKey::from_secret(app.state.config.jwt_secret.expose().as_bytes()),
        )
        .unwrap();
        let (s, b) = get_bearer(&app, "/api/v1/auth/me", &expired).await;
        assert_eq!(
            (s, b["message"].clone()),
            (401, json!("Authentication token expired."))
        );

        // Deactivated, then deleted, after the token was issued.
        let mut active = u.clone().into_active_model();
        active.is_active = Set(false);
        active.update(&app.state.db).await.unwrap();
        assert_eq!(get_bearer(&app, "/api/v1/auth/me", &token).await.0, 403);
        users::Entity::delete_by_id(u.id)
            .exec(&app.state.db)
            .await
            .unwrap();
        assert_eq!(get_bearer(&app, "/api/v1/auth/me", &token).await.0, 401);
    }
);

fn b64(s: &str) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(s)
}

async fn refresh(app: &TestApp, token: &str) -> (u16, Value) {
    let (s, b, _) = post(
        app,
        "/api/v1/auth/refresh-token",
        json!({ "refreshToken": token }),
    )
    .await;
    (s, b)
}

both_backends!(
    async fn refresh_rotates_and_a_reused_token_revokes_its_family(backend: Backend) {
        let app = spawn_app(backend).await;
        create_account(&app, "dan@example.com", "Customer", true).await;
        let r1 = login(&app, "dan@example.com", PASSWORD).await.1["data"]["refreshToken"]
            .as_str()
            .unwrap()
            .to_owned();

        let (s, b) = refresh(&app, &r1).await;
        assert_eq!(s, 200, "{b}");
        let r2 = b["data"]["refreshToken"].as_str().unwrap().to_owned();
        assert_ne!(r1, r2);
        assert_eq!(b["data"]["user"]["email"], "dan@example.com");
        assert_eq!(
            get_bearer(
                &app,
                "/api/v1/auth/me",
                b["data"]["accessToken"].as_str().unwrap()
            )
            .await
            .0,
            200
        );

        // At once again: a retry, refused without punishing the family.
        let (s, b) = refresh(&app, &r1).await;
        assert_eq!(
            (s, b["message"].clone()),
            (401, json!("Refresh token already used."))
        );

        // Long after rotation: a stolen copy. The family (r2 too) is revoked and it is audited.
        refresh_tokens::Entity::update_many()
            .col_expr(
                refresh_tokens::Column::RevokedAt,
                sea_orm::sea_query::Expr::value(chrono::Utc::now() - chrono::Duration::minutes(5)),
            )
            .filter(refresh_tokens::Column::ReplacedBy.is_not_null())
            .exec(&app.state.db)
            .await
            .unwrap();
        let (s, b) = refresh(&app, &r1).await;
        assert_eq!(
            (s, b["message"].clone()),
            (401, json!("Refresh token reuse detected. Please sign in again."))
        );
        let (s, b) = refresh(&app, &r2).await;
        assert_eq!(
            (s, b["message"].clone()),
            (401, json!("Refresh token revoked. Please sign in again."))
        );
        assert_eq!(audit_count(&app, "auth.refresh_reuse").await, 1);

        assert_eq!(refresh(&app, "not-a-token").await.0, 401);
        let (s, b) = refresh(&app, "").await;
        assert_eq!((s, b["errors"][0]["field"].clone()), (400, json!("refreshToken")));
    }
);

both_backends!(
    async fn concurrent_refreshes_of_one_token_yield_exactly_one_new_pair(backend: Backend) {
        let app = spawn_app(backend).await;
        create_account(&app, "eve@example.com", "Customer", true).await;
        let r1 = login(&app, "eve@example.com", PASSWORD).await.1["data"]["refreshToken"]
            .as_str()
            .unwrap()
            .to_owned();
        let attempts = (0..20).map(|_| refresh(&app, &r1));
        let results = futures_util::future::join_all(attempts).await;
        let ok: Vec<_> = results.iter().filter(|(s, _)| *s == 200).collect();
        assert_eq!(ok.len(), 1, "{results:?}");
        assert!(results.iter().all(|(s, _)| *s == 200 || *s == 401), "{results:?}");
        // The winner's token still works: the losers did not revoke the family.
        let winner = ok[0].1["data"]["refreshToken"].as_str().unwrap();
        assert_eq!(refresh(&app, winner).await.0, 200);
    }
);

both_backends!(
    async fn logout_revokes_the_refresh_token(backend: Backend) {
        let app = spawn_app(backend).await;
        create_account(&app, "fay@example.com", "Customer", true).await;
        let r = login(&app, "fay@example.com", PASSWORD).await.1["data"]["refreshToken"]
            .as_str()
            .unwrap()
            .to_owned();
        let (s, _, _) = post(&app, "/api/v1/auth/logout", json!({ "refreshToken": r })).await;
        assert_eq!(s, 200);
        assert_eq!(refresh(&app, &r).await.0, 401);
        // Twice is harmless.
        assert_eq!(
            post(&app, "/api/v1/auth/logout", json!({ "refreshToken": r }))
                .await
                .0,
            200
        );
    }
);

both_backends!(
    async fn permissions_are_checked_per_request_and_changes_apply_at_once(backend: Backend) {
        let app = spawn_app(backend).await;
        create_account(&app, "owner@example.com", "Owner", true).await;
        create_account(&app, "gus@example.com", "Customer", true).await;
        let owner = login(&app, "owner@example.com", PASSWORD).await.1["data"]["accessToken"]
            .as_str()
            .unwrap()
            .to_owned();
        let customer = login(&app, "gus@example.com", PASSWORD).await.1["data"]["accessToken"]
            .as_str()
            .unwrap()
            .to_owned();

        let (s, b) = get_bearer(&app, "/api/v1/permissions", &owner).await;
        assert_eq!(s, 200);
        assert_eq!(
            b["data"]["permissions"].as_array().unwrap().len(),
            pulse::shared::permissions::Permission::ALL.len()
        );
        assert_eq!(b["data"]["permissions"][0]["slug"], "portal.access");

        let (s, b) = get_bearer(&app, "/api/v1/permissions", &customer).await;
        assert_eq!(
            (s, b["message"].clone()),
            (403, json!("You do not have permission to perform this action."))
        );

        // Grant roles.view to Customer: the same token passes on the next request.
        use pulse::server::entities::{permissions, roles};
        let role = roles::Entity::find()
            .filter(roles::Column::Name.eq("Customer"))
            .one(&app.state.db)
            .await
            .unwrap()
            .unwrap();
        let perm = permissions::Entity::find()
            .filter(permissions::Column::Slug.eq("roles.view"))
            .one(&app.state.db)
            .await
            .unwrap()
            .unwrap();
        pulse::server::rbac::catalogue::grant(&app.state.db, role.id, [perm.id])
            .await
            .unwrap();
        assert_eq!(get_bearer(&app, "/api/v1/permissions", &customer).await.0, 200);
    }
);
