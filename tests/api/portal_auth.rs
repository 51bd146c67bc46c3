//! Portal sign-in through server functions: the same rules as the mobile login, `portal.access`,
//! a cycled session id, and sign-out.

use crate::both_backends;
use crate::helpers::{create_account, spawn_app_with, Spawn};
use pulse::server::sessions::COOKIE_NAME;
use serde_json::Value;

fn session_cookie(r: &reqwest::Response) -> Option<String> {
    r.headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with(&format!("{COOKIE_NAME}=")))
        .map(|c| c.split(';').next().unwrap().to_owned())
}

both_backends!(
    async fn staff_sign_in_cycles_the_session_and_customers_are_refused(backend: Backend) {
        let app = spawn_app_with(backend, Spawn::redis()).await;
        create_account(&app, "boss@example.com", "Owner", true).await;
        create_account(&app, "buyer@example.com", "Customer", true).await;

        // A session exists before this sign-in (another account's); sign-in must replace its id.
        create_account(&app, "other@example.com", "Owner", true).await;
        let before = session_cookie(
            &app.server_fn(
                "sign_in",
                &[("email", "other@example.com"), ("password", "Salon-Pass-42!")],
            )
            .await,
        )
        .unwrap();

        let r = app
            .server_fn(
                "sign_in",
                &[("email", "boss@example.com"), ("password", "Wrong1!pass")],
            )
            .await;
        assert_eq!(r.status(), 401);
        let body: Value = r.json().await.unwrap();
        assert_eq!(body["message"], "Invalid email or password.");

        let r = app
            .server_fn("sign_in", &[("email", "not-an-email"), ("password", "")])
            .await;
        assert_eq!(r.status(), 400);
        let body: Value = r.json().await.unwrap();
        assert_eq!(body["errors"].as_array().unwrap().len(), 2);

        let r = app
            .server_fn(
                "sign_in",
                &[("email", "buyer@example.com"), ("password", "Salon-Pass-42!")],
            )
            .await;
        assert_eq!(r.status(), 403);
        let body: Value = r.json().await.unwrap();
        assert!(body["message"]
            .as_str()
            .unwrap()
            .contains("cannot use the admin portal"));

        let r = app
            .server_fn(
                "sign_in",
                &[
                    ("email", "boss@example.com"),
                    ("password", "Salon-Pass-42!"),
                    ("next", "https://evil.example"),
                ],
            )
            .await;
        assert!(
            r.status().is_success() || r.status().is_redirection(),
            "{}",
            r.status()
        );
        let after = session_cookie(&r).expect("a new session cookie");
        assert_ne!(before, after, "the session id is cycled on sign-in");
        let location = r
            .headers()
            .get("location")
            .or_else(|| r.headers().get("serverfnredirect"))
            .map(|v| v.to_str().unwrap().to_owned());
        assert_eq!(location.as_deref(), Some("/"), "never redirected off-site");

        let me: Value = app.server_fn("current_user", &[]).await.json().await.unwrap();
        assert_eq!(me["email"], "boss@example.com");
        assert_eq!(me["role"], "Owner");
        let html = app.get("/categories").await.text().await.unwrap();
        assert!(html.contains("Test Person"), "the header shows who is signed in");

        let r = app.server_fn("sign_out", &[]).await;
        assert!(r.status().is_success() || r.status().is_redirection());
        let me: Value = app.server_fn("current_user", &[]).await.json().await.unwrap();
        assert!(me.is_null());
    }
);
