//! Ending sign-ins: a password change ends every other sign-in of the account (access tokens,
//! refresh tokens, portal sessions) and keeps the one that asked; a reset or a deactivation ends
//! them all. Permission changes reach every instance on the next request.

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::both_backends;
use crate::helpers::{
    create_account, portal_sign_in_as, spawn_app_with, spawn_peer, Spawn, TestApp, PASSWORD,
};
use crate::mail::MailSink;

async fn login(app: &TestApp, email: &str, password: &str) -> String {
    let body: Value = app
        .client
        .post(app.url("/api/v1/auth/login"))
        .json(&json!({ "email": email, "password": password }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    body["data"]["accessToken"]
        .as_str()
        .unwrap_or_else(|| panic!("login failed: {body}"))
        .to_owned()
}

async fn me(app: &TestApp, token: &str) -> (StatusCode, Value) {
    let r = app
        .client
        .get(app.url("/api/v1/auth/me"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    (r.status(), r.json().await.unwrap())
}

/// A browser with its own cookies, signed in to the portal.
async fn portal_browser(app: &TestApp, email: &str, password: &str) -> reqwest::Client {
    let browser = portal_sign_in_as(app, email, password)
        .await
        .unwrap_or_else(|status| panic!("portal sign-in refused: {status}"));
    assert!(portal_user(app, &browser).await.is_some());
    browser
}

async fn portal_user(app: &TestApp, browser: &reqwest::Client) -> Option<Value> {
    let v: Value = browser
        .post(app.url("/api/fn/current_user"))
        .header("accept", "application/json")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    (!v.is_null()).then_some(v)
}

/// Tokens carry whole seconds (`iat`); a change in the same second as a sign-in keeps it.
async fn next_second() {
    let now = chrono::Utc::now();
    let ms = 1000 - now.timestamp_subsec_millis() as u64 + 20;
    tokio::time::sleep(std::time::Duration::from_millis(ms)).await;
}

both_backends!(
    async fn a_password_change_ends_every_other_sign_in_and_keeps_the_one_that_asked(backend: Backend) {
        let app = spawn_app_with(backend, Spawn::redis()).await;
        create_account(&app, "staff@example.com", "Admin", true).await;
        let phone = login(&app, "staff@example.com", PASSWORD).await;
        let tablet = login(&app, "staff@example.com", PASSWORD).await;
        let browser = portal_browser(&app, "staff@example.com", PASSWORD).await;
        next_second().await;

        let r = app
            .client
            .post(app.url("/api/v1/auth/change-password"))
            .bearer_auth(&phone)
            .json(&json!({ "currentPassword": PASSWORD, "newPassword": "N3wSalon-Pass-42!" }))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);

        assert_eq!(
            me(&app, &phone).await.0,
            200,
            "the token that changed it keeps working"
        );
        let (status, body) = me(&app, &tablet).await;
        assert_eq!(status, 401);
        assert!(
            body["message"].as_str().unwrap().contains("password was changed"),
            "{body}"
        );
        assert!(
            portal_user(&app, &browser).await.is_none(),
            "the portal session ended"
        );

        // Signing in again with the new password works everywhere.
        let fresh = login(&app, "staff@example.com", "N3wSalon-Pass-42!").await;
        assert_eq!(me(&app, &fresh).await.0, 200);
        let browser = portal_browser(&app, "staff@example.com", "N3wSalon-Pass-42!").await;
        assert!(portal_user(&app, &browser).await.is_some());
    }
);

both_backends!(
    async fn a_password_reset_by_code_ends_every_sign_in(backend: Backend) {
        let sink = MailSink::start();
        let app = spawn_app_with(backend, Spawn::default().var("SMTP_URL", sink.url.clone())).await;
        create_account(&app, "nia@example.com", "Admin", true).await;
        let token = login(&app, "nia@example.com", PASSWORD).await;
        let browser = portal_browser(&app, "nia@example.com", PASSWORD).await;
        next_second().await;

        let post = |path: &'static str, body: Value| {
            let app = &app;
            async move {
                app.client
                    .post(app.url(&format!("/api/v1{path}")))
                    .json(&body)
                    .send()
                    .await
                    .unwrap()
                    .status()
            }
        };
        assert_eq!(
            post("/auth/forgot-password-otp", json!({ "email": "nia@example.com" })).await,
            200
        );
        let code = sink.code("nia@example.com", 1).await;
        assert_eq!(
            post(
                "/auth/reset-password-otp",
                json!({ "email": "nia@example.com", "code": code, "newPassword": "R3setSalon-Pass-42!" })
            )
            .await,
            200
        );
        assert_eq!(me(&app, &token).await.0, 401);
        assert!(portal_user(&app, &browser).await.is_none());
        assert_eq!(
            me(&app, &login(&app, "nia@example.com", "R3setSalon-Pass-42!").await)
                .await
                .0,
            200
        );
    }
);

both_backends!(
    async fn deactivation_ends_portal_sessions_for_good_even_after_reactivation(backend: Backend) {
        let app = spawn_app_with(backend, Spawn::redis()).await;
        create_account(&app, "owner@example.com", "Owner", true).await;
        let staff = create_account(&app, "clerk@example.com", "Admin", true).await;
        let owner = login(&app, "owner@example.com", PASSWORD).await;
        let browser = portal_browser(&app, "clerk@example.com", PASSWORD).await;
        next_second().await;

        let set_active = |active: bool| {
            let (app, owner) = (&app, &owner);
            async move {
                app.client
                    .put(app.url(&format!("/api/v1/users/{}", staff.id)))
                    .bearer_auth(owner)
                    .json(&json!({ "isActive": active }))
                    .send()
                    .await
                    .unwrap()
                    .status()
            }
        };
        assert_eq!(set_active(false).await, 200);
        assert!(portal_user(&app, &browser).await.is_none());
        assert_eq!(set_active(true).await, 200);
        assert!(
            portal_user(&app, &browser).await.is_none(),
            "the old session stays ended"
        );
        let browser = portal_browser(&app, "clerk@example.com", PASSWORD).await;
        assert!(portal_user(&app, &browser).await.is_some());
    }
);

both_backends!(
    async fn a_permission_change_on_one_instance_applies_on_the_next_request_to_another(backend: Backend) {
        let a = spawn_app_with(backend, Spawn::default()).await;
        let b = spawn_peer(&a, Spawn::default()).await;
        create_account(&a, "owner@example.com", "Owner", true).await;
        create_account(&a, "clerk@example.com", "Manager", true).await;
        let owner = login(&a, "owner@example.com", PASSWORD).await;
        let clerk = login(&a, "clerk@example.com", PASSWORD).await;
        let audit = |app: &TestApp| {
            let r = app
                .client
                .get(app.url("/api/v1/audit-log"))
                .bearer_auth(&clerk)
                .send();
            async move { r.await.unwrap().status() }
        };
        // B reads (and caches) the Manager role's grants: no audit.view.
        assert_eq!(audit(&b).await, 403);
        assert_eq!(audit(&b).await, 403);

        // A grants it; B's cached set is stale by version and is reloaded on the very next request.
        let roles: Value = a
            .client
            .get(a.url("/api/v1/roles"))
            .bearer_auth(&owner)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let manager = roles["data"]["roles"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["name"] == "Manager")
            .unwrap()
            .clone();
        let mut slugs: Vec<Value> = manager["permissions"].as_array().unwrap().clone();
        slugs.push(json!("audit.view"));
        let r = a
            .client
            .put(a.url(&format!(
                "/api/v1/roles/{}/permissions",
                manager["id"].as_str().unwrap()
            )))
            .bearer_auth(&owner)
            .json(&json!({ "permissions": slugs }))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        assert_eq!(audit(&b).await, 200);

        // And taken away again.
        slugs.pop();
        a.client
            .put(a.url(&format!(
                "/api/v1/roles/{}/permissions",
                manager["id"].as_str().unwrap()
            )))
            .bearer_auth(&owner)
            .json(&json!({ "permissions": slugs }))
            .send()
            .await
            .unwrap();
        assert_eq!(audit(&b).await, 403);
    }
);
