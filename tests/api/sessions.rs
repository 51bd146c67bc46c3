//! Sessions: cookie attributes, signing, and a round trip through Redis across two instances.

use crate::both_backends;
use crate::helpers::{
    client, create_account, spawn_app, spawn_app_with, spawn_peer, Backend, Spawn, TestApp, PASSWORD,
};
use pulse::server::sessions::COOKIE_NAME;
use tower_sessions_redis_store::fred::prelude::*;

fn session_cookie(r: &reqwest::Response) -> String {
    r.headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .find(|c| c.starts_with(&format!("{COOKIE_NAME}=")))
        .expect("a session cookie")
}

fn cookie_value(set_cookie: &str) -> String {
    set_cookie
        .split(';')
        .next()
        .unwrap()
        .split_once('=')
        .unwrap()
        .1
        .to_owned()
}

/// Who a session cookie signs in as, asked of the server at `base` (`None`: nobody).
async fn who(base: &str, cookie: Option<&str>) -> Option<String> {
    let mut req = client()
        .post(format!("{base}/api/fn/current_user"))
        .header("accept", "application/json");
    if let Some(c) = cookie {
        req = req.header("cookie", format!("{COOKIE_NAME}={c}"));
    }
    let body: serde_json::Value = req.send().await.unwrap().json().await.unwrap();
    body["email"].as_str().map(str::to_owned)
}

/// Signs in to the portal at `app` and returns the `Set-Cookie` it answered with.
async fn sign_in(app: &TestApp) -> String {
    create_account_once(app).await;
    let r = client()
        .post(app.url("/api/fn/sign_in"))
        .header("accept", "application/json")
        .form(&[("email", "boss@example.com"), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    assert!(
        r.status().is_success() || r.status().is_redirection(),
        "{}",
        r.status()
    );
    session_cookie(&r)
}

async fn create_account_once(app: &TestApp) {
    use pulse::server::entities::users;
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    let exists = users::Entity::find()
        .filter(users::Column::Email.eq("boss@example.com"))
        .one(&app.state.db)
        .await
        .unwrap()
        .is_some();
    if !exists {
        create_account(app, "boss@example.com", "Owner", true).await;
    }
}

both_backends!(
    async fn a_session_written_on_one_instance_is_read_on_another_through_redis(backend: Backend) {
        let a = spawn_app_with(backend, Spawn::redis()).await;
        let b = spawn_peer(&a, Spawn::redis()).await;

        let value = cookie_value(&sign_in(&a).await);

        // The record is in Redis under the session id (the cookie is `<signature><id>`).
        let redis = pulse::server::redis::connect(&crate::helpers::redis_url())
            .await
            .unwrap();
        let id = &value[value.len() - 22..];
        let exists: i64 = redis.exists(id).await.unwrap();
        assert_eq!(exists, 1, "session {id} not in Redis");
        let ttl: i64 = redis.ttl(id).await.unwrap();
        assert!(ttl > 6 * 24 * 3600 && ttl <= 7 * 24 * 3600, "ttl {ttl}");

        // Instance B, which never saw this client, knows who it is.
        assert_eq!(
            who(&b.base, Some(&value)).await.as_deref(),
            Some("boss@example.com")
        );
        assert_eq!(who(&b.base, None).await, None);
        let _: i64 = redis.del(id).await.unwrap();
    }
);

#[tokio::test]
async fn in_process_sessions_round_trip_on_the_same_instance_only() {
    let a = spawn_app(Backend::Sqlite).await;
    let b = spawn_peer(&a, Spawn::default()).await;
    let value = cookie_value(&sign_in(&a).await);
    assert_eq!(
        who(&a.base, Some(&value)).await.as_deref(),
        Some("boss@example.com")
    );
    // Without Redis another instance cannot know the session: that is why production sets REDIS_URL.
    assert_eq!(who(&b.base, Some(&value)).await, None);
}

#[tokio::test]
async fn the_session_cookie_is_http_only_lax_signed_and_lasts_seven_days() {
    let app = spawn_app(Backend::Sqlite).await;
    let c = sign_in(&app).await;
    assert!(c.contains("HttpOnly"), "{c}");
    assert!(c.contains("SameSite=Lax"), "{c}");
    assert!(c.contains("Path=/"), "{c}");
    assert!(c.contains("Max-Age=604800") || c.contains("Expires="), "{c}");
    assert!(!c.contains("Secure"), "development cookies work over http: {c}");

    // A tampered signature is ignored: nobody is signed in.
    let value = cookie_value(&c);
    let mut tampered = value.clone().into_bytes();
    tampered[0] = if tampered[0] == b'A' { b'B' } else { b'A' };
    let tampered = String::from_utf8(tampered).unwrap();
    assert_eq!(
        who(&app.base, Some(&value)).await.as_deref(),
        Some("boss@example.com")
    );
    assert_eq!(who(&app.base, Some(&tampered)).await, None);
}

#[tokio::test]
async fn production_cookies_are_secure() {
    let app = spawn_app_with(
        Backend::Sqlite,
        Spawn::default()
            .var("PULSE_ENV", "production")
            .var("JWT_SECRET", "j".repeat(48))
            .var("SESSION_SECRET", "s".repeat(48)),
    )
    .await;
    assert!(sign_in(&app).await.contains("Secure"));
    // And HSTS is sent.
    let r = client().get(app.url("/login")).send().await.unwrap();
    assert!(r.headers()["strict-transport-security"]
        .to_str()
        .unwrap()
        .contains("max-age=31536000"));
}

#[tokio::test]
async fn undecodable_arguments_are_a_400_with_the_portal_error_shape() {
    let app = spawn_app(Backend::Sqlite).await;
    let r = app.server_fn("user_detail", &[("id", "not-a-uuid")]).await;
    assert_eq!(r.status(), 400);
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(body["status"], 400);
    assert!(body["message"].is_string());
}

#[tokio::test]
async fn server_functions_refuse_cross_site_calls() {
    let app = spawn_app(Backend::Sqlite).await;
    let call = |origin: Option<String>, fetch_site: Option<&'static str>| {
        let mut req = app
            .client
            .post(app.url("/api/fn/sign_in_methods"))
            .header("accept", "application/json");
        if let Some(o) = origin {
            req = req.header("origin", o);
        }
        if let Some(s) = fetch_site {
            req = req.header("sec-fetch-site", s);
        }
        req.send()
    };
    let r = call(Some("https://evil.example".into()), Some("cross-site"))
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    assert_eq!(
        r.json::<serde_json::Value>().await.unwrap()["message"],
        "Cross-site request refused"
    );
    let r = call(None, Some("same-site")).await.unwrap();
    assert_eq!(r.status(), 403);
    let r = call(Some(app.base.clone()), Some("same-origin")).await.unwrap();
    assert_eq!(r.status(), 200);
}
