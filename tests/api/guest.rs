//! Guest sessions of the older app builds: a token without an account, refused where an account is
//! needed with the code the app turns into a sign-up prompt.

use crate::both_backends;
use crate::helpers::spawn_app;
use reqwest::Method;
use serde_json::{json, Value};

both_backends!(
    async fn guests_get_a_token_read_their_guest_profile_and_are_restricted_elsewhere(backend: Backend) {
        let app = spawn_app(backend).await;
        let r = app
            .client
            .post(app.url("/api/v1/auth/guest"))
            .json(&json!({}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        let b: Value = r.json().await.unwrap();
        assert_eq!(b["data"]["isGuest"], true);
        assert_eq!(b["data"]["user"]["role"]["name"], "Guest");
        assert!(b["data"]["user"]["role"]["permissions"]
            .as_array()
            .unwrap()
            .contains(&json!("services.view")));
        let token = b["data"]["accessToken"].as_str().unwrap().to_owned();

        for path in ["/api/v1/profile", "/api/v1/auth/me"] {
            let r = app
                .client
                .get(app.url(path))
                .bearer_auth(&token)
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), 200, "{path}");
            let b: Value = r.json().await.unwrap();
            assert_eq!(b["data"]["user"]["isGuest"], true, "{path}");
            assert_eq!(b["data"]["user"]["role"]["name"], "Guest");
        }

        for (method, path) in [
            (Method::PUT, "/api/v1/profile"),
            (Method::POST, "/api/v1/auth/change-password"),
            (Method::POST, "/api/v1/auth/send-change-password-otp"),
            (Method::GET, "/api/v1/permissions"),
            (Method::GET, "/api/v1/users"),
        ] {
            let r = app
                .client
                .request(method.clone(), app.url(path))
                .bearer_auth(&token)
                .json(&json!({}))
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), 403, "{method} {path}");
            let b: Value = r.json().await.unwrap();
            assert_eq!(b["code"], "GUEST_RESTRICTED", "{method} {path}");
            assert_eq!(b["message"], "Please sign up or log in to continue.");
        }
    }
);

both_backends!(
    async fn a_guest_gets_both_tokens_and_its_refresh_token_renews_only_the_guest_session(backend: Backend) {
        let app = spawn_app(backend).await;
        let post = |path: &'static str, body: Value| {
            let app = &app;
            async move {
                let r = app.client.post(app.url(path)).json(&body).send().await.unwrap();
                (r.status(), r.json::<Value>().await.unwrap())
            }
        };
        let (s, b) = post("/api/v1/auth/guest", json!({})).await;
        assert_eq!(s, 200);
        let session = b["data"]["sessionId"].clone();
        let refresh = b["data"]["refreshToken"]
            .as_str()
            .expect("a refresh token")
            .to_owned();
        assert!(b["data"]["accessToken"].is_string());

        // The refresh token is not an access token.
        let r = app
            .client
            .get(app.url("/api/v1/auth/me"))
            .bearer_auth(&refresh)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 401);

        // It renews the same guest session, still a guest.
        let (s, b) = post("/api/v1/auth/refresh-token", json!({ "refreshToken": refresh })).await;
        assert_eq!(s, 200, "{b}");
        assert_eq!(
            (&b["data"]["sessionId"], &b["data"]["isGuest"]),
            (&session, &json!(true))
        );
        let access = b["data"]["accessToken"].as_str().unwrap().to_owned();
        let r = app
            .client
            .post(app.url("/api/v1/appointments"))
            .bearer_auth(&access)
            .json(&json!({}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 403);
        let body: Value = r.json().await.unwrap();
        assert_eq!(body["code"], "GUEST_RESTRICTED");

        // A forged or altered one is refused like any unknown refresh token.
        let mut forged = refresh.clone();
        forged.pop();
        let (s, _) = post("/api/v1/auth/refresh-token", json!({ "refreshToken": forged })).await;
        assert_eq!(s, 401);
    }
);
