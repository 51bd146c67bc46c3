//! Google sign-in against a real OpenID Connect provider on loopback (`oidc.rs`): the mobile
//! `POST /auth/google {idToken}` and the portal's redirect flow with PKCE, state and nonce.

use base64::Engine;
use reqwest::StatusCode;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::{json, Value};

use crate::both_backends;
use crate::helpers::{create_account, spawn_app, spawn_app_with, Backend, Spawn, TestApp};
use crate::oidc;
use pulse::server::entities::{accounts, audit_log, users};

async fn google_app(backend: Backend) -> TestApp {
    spawn_app_with(backend, oidc::google(Spawn::default())).await
}

async fn post_google(app: &TestApp, id_token: &str) -> (StatusCode, Value) {
    let r = app
        .client
        .post(app.url("/api/v1/auth/google"))
        .json(&json!({ "idToken": id_token }))
        .send()
        .await
        .unwrap();
    (r.status(), r.json().await.unwrap())
}

async fn audit_count(app: &TestApp, action: &str) -> u64 {
    audit_log::Entity::find()
        .filter(audit_log::Column::Action.eq(action))
        .count(&app.state.db)
        .await
        .unwrap()
}

both_backends!(
    async fn a_new_google_user_becomes_a_verified_customer_and_signs_in_again_as_the_same_user(
        backend: Backend,
    ) {
        let app = google_app(backend).await;
        let token = oidc::id_token("newcomer@example.test").await;
        let (status, body) = post_google(&app, &token).await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(body["success"], true);
        let user = &body["data"]["user"];
        assert_eq!(user["email"], "newcomer@example.test");
        assert_eq!(user["name"], "Newcomer Google");
        assert_eq!(user["role"]["name"], "Customer");
        assert_eq!(user["profileImage"], "https://images.example.test/newcomer.png");
        assert!(body["data"]["refreshToken"].as_str().unwrap().len() > 20);

        // The access token works like a password sign-in's.
        let me: Value = app
            .client
            .get(app.url("/api/v1/auth/me"))
            .bearer_auth(body["data"]["accessToken"].as_str().unwrap())
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(me["data"]["user"]["email"], "newcomer@example.test", "{me}");

        let stored = users::Entity::find()
            .filter(users::Column::Email.eq("newcomer@example.test"))
            .one(&app.state.db)
            .await
            .unwrap()
            .unwrap();
        assert!(stored.email_verified && stored.password_hash.is_none());
        assert!(stored.last_seen.is_some() && stored.last_login.is_some());

        // A second sign-in (a new token) finds the same person through the link.
        let again = oidc::id_token("newcomer@example.test").await;
        let (status, body2) = post_google(&app, &again).await;
        assert_eq!(status, 200);
        assert_eq!(body2["data"]["user"]["id"], body["data"]["user"]["id"]);
        assert_eq!(users::Entity::find().count(&app.state.db).await.unwrap(), 1);
        assert_eq!(accounts::Entity::find().count(&app.state.db).await.unwrap(), 1);
        assert_eq!(audit_count(&app, "auth.google_signup").await, 1);
        assert_eq!(audit_count(&app, "auth.login").await, 2);
    }
);

both_backends!(
    async fn google_links_an_existing_account_by_its_verified_email_and_keeps_its_role_and_profile(
        backend: Backend,
    ) {
        let app = google_app(backend).await;
        let existing = create_account(&app, "staff@example.test", "Manager", true).await;
        let token = oidc::id_token("Staff@Example.test").await;
        let (status, body) = post_google(&app, &token).await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(body["data"]["user"]["id"], json!(existing.id));
        assert_eq!(body["data"]["user"]["role"]["name"], "Manager");
        // The profile edited in Pulse wins; an empty picture is filled from Google.
        assert_eq!(body["data"]["user"]["name"], "Test Person");
        assert_eq!(
            body["data"]["user"]["profileImage"],
            "https://images.example.test/staff.png"
        );
        assert_eq!(audit_count(&app, "auth.google_linked").await, 1);
        let link = accounts::Entity::find()
            .one(&app.state.db)
            .await
            .unwrap()
            .unwrap();
        assert_eq!((link.user_id, link.provider.as_str()), (existing.id, "google"));
    }
);

both_backends!(
    async fn linking_an_unproven_account_drops_the_password_someone_else_may_have_chosen(backend: Backend) {
        let app = google_app(backend).await;
        // An account whose email nobody ever proved (an import, or a squatter's sign-up).
        create_account(&app, "claimed@example.test", "User", false).await;
        let token = oidc::id_token("claimed@example.test").await;
        let (status, body) = post_google(&app, &token).await;
        assert_eq!(status, 200, "{body}");
        let stored = users::Entity::find()
            .filter(users::Column::Email.eq("claimed@example.test"))
            .one(&app.state.db)
            .await
            .unwrap()
            .unwrap();
        assert!(stored.email_verified && stored.password_hash.is_none());
        let r = app
            .client
            .post(app.url("/api/v1/auth/login"))
            .json(&json!({ "email": "claimed@example.test", "password": crate::helpers::PASSWORD }))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 401, "the old password no longer opens the account");
    }
);

both_backends!(
    async fn an_unverified_google_email_never_creates_or_links_an_account(backend: Backend) {
        let app = google_app(backend).await;
        create_account(&app, "victim@example.test", "Owner", true).await;
        for login in [
            "unverified:victim@example.test",
            "unverified:stranger@example.test",
        ] {
            let token = oidc::id_token(login).await;
            let (status, body) = post_google(&app, &token).await;
            assert_eq!(status, 403, "{body}");
            assert_eq!(body["code"], "EMAIL_NOT_VERIFIED");
        }
        assert_eq!(users::Entity::find().count(&app.state.db).await.unwrap(), 1);
        assert_eq!(accounts::Entity::find().count(&app.state.db).await.unwrap(), 0);
    }
);

both_backends!(
    async fn forged_tampered_and_foreign_id_tokens_are_refused(backend: Backend) {
        let app = google_app(backend).await;
        let (status, body) = post_google(&app, "").await;
        assert_eq!(status, 400);
        assert_eq!(body["errors"][0]["field"], "idToken");

        let genuine = oidc::id_token("someone@example.test").await;
        let parts: Vec<&str> = genuine.split('.').collect();
        let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
        let mut claims: Value = serde_json::from_slice(&b64.decode(parts[1]).unwrap()).unwrap();

        // Another email in a genuinely signed token's body: the signature no longer matches.
        claims["email"] = json!("owner@example.test");
        let tampered = format!("{}.{}.{}", parts[0], b64.encode(claims.to_string()), parts[2]);
        // No signature at all.
        let none_header = b64.encode(r#"{"alg":"none","typ":"JWT"}"#);
        let unsigned = format!("{none_header}.{}.", parts[1]);
        // HS256 "signed" with a guessable key must not be accepted either.
        let hs_header = b64.encode(r#"{"alg":"HS256","typ":"JWT"}"#);
        let hs = format!("{hs_header}.{}.{}", parts[1], parts[2]);
        for bad in [tampered.as_str(), unsigned.as_str(), hs.as_str(), "not-a-jwt"] {
            let (status, body) = post_google(&app, bad).await;
            assert_eq!(
                (status, body["message"].clone()),
                (StatusCode::UNAUTHORIZED, json!("Invalid Google token.")),
                "{bad}"
            );
        }

        // A genuine token issued to another application (audience) is refused.
        let other = oidc::id_token_for_client(
            "someone@example.test",
            oidc::OTHER_CLIENT_ID,
            oidc::OTHER_CLIENT_SECRET,
        )
        .await;
        let (status, _) = post_google(&app, &other).await;
        assert_eq!(status, 401);

        // And the genuine one passes.
        assert_eq!(post_google(&app, &genuine).await.0, 200);
        assert_eq!(users::Entity::find().count(&app.state.db).await.unwrap(), 1);
    }
);

#[tokio::test]
async fn google_sign_in_is_a_503_when_not_configured() {
    let app = spawn_app(Backend::Sqlite).await;
    let (status, body) = post_google(&app, "a.b.c").await;
    assert_eq!(status, 503, "{body}");
    assert_eq!(body["success"], false);
    // The portal's button is hidden, and the start URL sends the browser back with a message.
    let r = app.get("/auth/google").await;
    assert_eq!(r.headers()["location"], "/login?error=google_unavailable");
    let options: Value = app.server_fn("sign_in_methods", &[]).await.json().await.unwrap();
    assert_eq!(options, json!({ "google": false }));
}

both_backends!(
    async fn the_portal_signs_staff_in_with_google_and_returns_to_the_requested_page(backend: Backend) {
        let app = google_app(backend).await;
        let staff = create_account(&app, "admin@example.test", "Admin", true).await;
        let options: Value = app.server_fn("sign_in_methods", &[]).await.json().await.unwrap();
        assert_eq!(options, json!({ "google": true }));

        let landed = oidc::portal_sign_in(&app, "admin@example.test", "/categories?x=1").await;
        assert_eq!(landed, "/categories?x=1");
        let me: Value = app.server_fn("current_user", &[]).await.json().await.unwrap();
        assert_eq!(me["id"], json!(staff.id), "{me}");
        assert_eq!(me["role"], "Admin");
    }
);

both_backends!(
    async fn the_portal_refuses_google_users_without_portal_access(backend: Backend) {
        let app = google_app(backend).await;
        let landed = oidc::portal_sign_in(&app, "customer@example.test", "/categories").await;
        assert_eq!(landed, "/login?error=portal_forbidden");
        let me: Value = app.server_fn("current_user", &[]).await.json().await.unwrap();
        assert_eq!(me, Value::Null);
        // The account exists (a customer of the app), it just has no portal.
        assert_eq!(users::Entity::find().count(&app.state.db).await.unwrap(), 1);
    }
);

both_backends!(
    async fn a_callback_with_a_wrong_state_or_replayed_or_cancelled_signs_nobody_in(backend: Backend) {
        let app = google_app(backend).await;
        create_account(&app, "admin@example.test", "Admin", true).await;
        let callback = |query: &str| app.url(&format!("/auth/google/callback?{query}"));
        let location = |r: reqwest::Response| r.headers()["location"].to_str().unwrap().to_owned();

        // No sign-in was started by this browser.
        let r = app
            .client
            .get(callback("code=abc&state=xyz"))
            .send()
            .await
            .unwrap();
        assert_eq!(location(r), "/login?error=google_expired");

        // Started, but the answer carries another state (login CSRF): refused, and the pending
        // sign-in is used up.
        let start = app.get("/auth/google").await;
        assert_eq!(start.status(), 303);
        let r = app
            .client
            .get(callback("code=abc&state=forged"))
            .send()
            .await
            .unwrap();
        assert_eq!(location(r), "/login?error=google_failed");
        let r = app
            .client
            .get(callback("code=abc&state=forged"))
            .send()
            .await
            .unwrap();
        assert_eq!(location(r), "/login?error=google_expired");

        // The person cancels at the provider.
        let start = app.get("/auth/google").await;
        let to_provider = start.headers()["location"].to_str().unwrap().to_owned();
        let state = reqwest::Url::parse(&to_provider)
            .unwrap()
            .query_pairs()
            .find(|(k, _)| k == "state")
            .unwrap()
            .1
            .into_owned();
        let r = app
            .client
            .get(callback(&format!("error=access_denied&state={state}")))
            .send()
            .await
            .unwrap();
        assert_eq!(location(r), "/login?error=google_cancelled");

        // A genuine code replayed after a completed sign-in does nothing more.
        let start = app.get("/auth/google").await;
        let to_provider = start.headers()["location"].to_str().unwrap().to_owned();
        let back = oidc::sign_in_at_provider(&app.client, &to_provider, "admin@example.test").await;
        let r = app.client.get(&back).send().await.unwrap();
        assert_eq!(location(r), "/");
        let r = app.client.get(&back).send().await.unwrap();
        assert_eq!(location(r), "/login?error=google_expired");
        let me: Value = app.server_fn("current_user", &[]).await.json().await.unwrap();
        assert_eq!(me["email"], "admin@example.test");
    }
);

both_backends!(
    async fn a_deactivated_account_cannot_sign_in_with_google(backend: Backend) {
        let app = google_app(backend).await;
        let user = create_account(&app, "gone@example.test", "Admin", true).await;
        let mut active: users::ActiveModel = user.into();
        active.is_active = sea_orm::Set(false);
        sea_orm::ActiveModelTrait::update(active, &app.state.db)
            .await
            .unwrap();

        let token = oidc::id_token("gone@example.test").await;
        let (status, body) = post_google(&app, &token).await;
        assert_eq!(
            (status, body["code"].clone()),
            (StatusCode::FORBIDDEN, json!("ACCOUNT_DISABLED"))
        );
        let landed = oidc::portal_sign_in(&app, "gone@example.test", "/categories").await;
        assert_eq!(landed, "/login?error=account_disabled");
        // Refused before anything was linked or touched.
        assert_eq!(accounts::Entity::find().count(&app.state.db).await.unwrap(), 0);
        assert_eq!(audit_count(&app, "auth.google_linked").await, 0);
        let stored = users::Entity::find().one(&app.state.db).await.unwrap().unwrap();
        assert!(stored.last_login.is_none());
    }
);
