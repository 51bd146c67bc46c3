//! The caller's own account: `PUT /profile` and both ways to change a password.

use crate::both_backends;
use crate::helpers::{spawn_app_with, Spawn, TestApp};
use crate::mail::MailSink;
use serde_json::{json, Value};

async fn call(app: &TestApp, method: reqwest::Method, path: &str, token: &str, body: Value) -> (u16, Value) {
    let r = app
        .client
        .request(method, app.url(&format!("/api/v1{path}")))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.json().await.unwrap())
}

/// A verified account signed in through the real flow; returns (access, refresh).
async fn signed_in(app: &TestApp, sink: &MailSink, email: &str) -> (String, String) {
    let post = |path: &'static str, body: Value| async move {
        let r = app
            .client
            .post(app.url(&format!("/api/v1{path}")))
            .json(&body)
            .send()
            .await
            .unwrap();
        r.json::<Value>().await.unwrap()
    };
    post(
        "/auth/register",
        json!({ "name": "Nia", "email": email, "password": "Salon-Pass-42!" }),
    )
    .await;
    let code = sink.code(email, 1).await;
    post("/auth/verify-email", json!({ "email": email, "code": code })).await;
    let b = post(
        "/auth/login",
        json!({ "email": email, "password": "Salon-Pass-42!" }),
    )
    .await;
    (
        b["data"]["accessToken"].as_str().unwrap().to_owned(),
        b["data"]["refreshToken"].as_str().unwrap().to_owned(),
    )
}

async fn setup(backend: crate::helpers::Backend) -> (TestApp, MailSink) {
    let sink = MailSink::start();
    let app = spawn_app_with(backend, Spawn::default().var("SMTP_URL", sink.url.clone())).await;
    (app, sink)
}

both_backends!(
    async fn profile_edits_accept_the_apps_capitalised_gender_and_report_bad_fields(backend: Backend) {
        let (app, sink) = setup(backend).await;
        let (token, _) = signed_in(&app, &sink, "nia@example.com").await;
        let put = reqwest::Method::PUT;
        let (s, b) = call(&app, put.clone(), "/profile", &token, json!({ "name": "Nia Khan", "gender": "Female", "phone": "0300 1234567", "profileImageUrl": "https://cdn.example.com/n.png" })).await;
        assert_eq!(s, 200, "{b}");
        assert_eq!(b["data"]["user"]["gender"], "Female");
        assert_eq!(b["data"]["user"]["name"], "Nia Khan");

        let (s, b) = call(
            &app,
            put.clone(),
            "/profile",
            &token,
            json!({ "name": "N", "gender": "x", "phone": "1", "profileImageUrl": "javascript:alert(1)" }),
        )
        .await;
        assert_eq!(s, 400);
        let fields: Vec<&str> = b["errors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["field"].as_str().unwrap())
            .collect();
        assert_eq!(fields, ["name", "phone", "gender", "profileImageUrl"]);
        // Nothing was half-written.
        let r = app
            .client
            .get(app.url("/api/v1/profile"))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        let profile: Value = r.json().await.unwrap();
        assert_eq!(profile["data"]["user"]["name"], "Nia Khan");
        assert_eq!(profile["data"]["user"]["phone"], "0300 1234567");

        let (s, _) = call(&app, put, "/profile", "not-a-token", json!({ "name": "X" })).await;
        assert_eq!(s, 401);
    }
);

both_backends!(
    async fn changing_the_password_needs_the_current_one_or_an_emailed_code(backend: Backend) {
        let (app, sink) = setup(backend).await;
        let (token, refresh) = signed_in(&app, &sink, "oz@example.com").await;
        let post = reqwest::Method::POST;

        let (s, b) = call(
            &app,
            post.clone(),
            "/auth/change-password",
            &token,
            json!({ "currentPassword": "Wrong1!x", "newPassword": "N3wSalon-Pass-42!" }),
        )
        .await;
        assert_eq!(
            (s, b["errors"][0]["field"].clone()),
            (400, json!("currentPassword"))
        );
        let (s, _) = call(
            &app,
            post.clone(),
            "/auth/change-password",
            &token,
            json!({ "currentPassword": "Salon-Pass-42!", "newPassword": "N3wSalon-Pass-42!" }),
        )
        .await;
        assert_eq!(s, 200);
        // Every refresh token of the account ended.
        let r = app
            .client
            .post(app.url("/api/v1/auth/refresh-token"))
            .json(&json!({ "refreshToken": refresh }))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 401);

        // By code: the email arrives, a wrong code counts, the right one works once.
        let (s, _) = call(
            &app,
            post.clone(),
            "/auth/send-change-password-otp",
            &token,
            json!({}),
        )
        .await;
        assert_eq!(s, 200);
        let code = sink.code("oz@example.com", 2).await;
        let wrong = if code == "111111" { "222222" } else { "111111" };
        let (s, b) = call(
            &app,
            post.clone(),
            "/auth/change-password-otp",
            &token,
            json!({ "code": wrong, "newPassword": "Thrd1Salon-Pass-42!" }),
        )
        .await;
        assert_eq!(
            (s, b["message"].clone()),
            (400, json!("Invalid code. 4 attempts left."))
        );
        let (s, _) = call(
            &app,
            post.clone(),
            "/auth/change-password-otp",
            &token,
            json!({ "code": code, "newPassword": "Thrd1Salon-Pass-42!" }),
        )
        .await;
        assert_eq!(s, 200);
        let (s, _) = call(
            &app,
            post,
            "/auth/change-password-otp",
            &token,
            json!({ "code": code, "newPassword": "Fourth1Pass!" }),
        )
        .await;
        assert_eq!(s, 400, "a code works once");

        let r = app
            .client
            .post(app.url("/api/v1/auth/login"))
            .json(&json!({ "email": "oz@example.com", "password": "Thrd1Salon-Pass-42!" }))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
    }
);
