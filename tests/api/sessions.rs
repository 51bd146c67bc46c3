//! Sessions: cookie attributes, signing, and a round trip through Redis across two instances.

use crate::both_backends;
use crate::helpers::{client, spawn_app, spawn_app_with, Backend, Spawn};
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

async fn html_class(base: &str, cookie: Option<&str>) -> String {
    let mut req = client().get(format!("{base}/login"));
    if let Some(c) = cookie {
        req = req.header("cookie", format!("{COOKIE_NAME}={c}"));
    }
    let response = req.send().await.unwrap();
    let status = response.status();
    let html = response.text().await.unwrap();
    let start = html
        .find("<html")
        .unwrap_or_else(|| panic!("no page ({status}): {}", &html[..html.len().min(500)]));
    html[start..start + html[start..].find('>').unwrap()].to_owned()
}

both_backends!(
    async fn a_session_written_on_one_instance_is_read_on_another_through_redis(backend: Backend) {
        let a = spawn_app_with(backend, Spawn::redis()).await;
        let b = spawn_app_with(backend, Spawn::redis()).await;

        let r = a.server_fn("set_theme", &[("theme", "dark")]).await;
        assert_eq!(r.status(), 200);
        let set_cookie = session_cookie(&r);
        let value = cookie_value(&set_cookie);

        // The record is in Redis under the session id (the cookie is `<signature><id>`).
        let redis = pulse::server::redis::connect(&crate::helpers::redis_url())
            .await
            .unwrap();
        let id = &value[value.len() - 22..];
        let exists: i64 = redis.exists(id).await.unwrap();
        assert_eq!(exists, 1, "session {id} not in Redis");
        let ttl: i64 = redis.ttl(id).await.unwrap();
        assert!(ttl > 6 * 24 * 3600 && ttl <= 7 * 24 * 3600, "ttl {ttl}");

        // Instance B, which never saw this client, renders the page in the stored theme.
        assert!(html_class(&b.base, Some(&value)).await.contains("class=\"dark\""));
        assert!(html_class(&b.base, None).await.contains("class=\"light\""));
        let _: i64 = redis.del(id).await.unwrap();
    }
);

#[tokio::test]
async fn in_process_sessions_round_trip_on_the_same_instance_only() {
    let a = spawn_app(Backend::Sqlite).await;
    let b = spawn_app(Backend::Sqlite).await;
    let r = a.server_fn("set_theme", &[("theme", "dark")]).await;
    assert_eq!(r.status(), 200);
    let value = cookie_value(&session_cookie(&r));
    assert!(html_class(&a.base, Some(&value)).await.contains("class=\"dark\""));
    // Without Redis another instance cannot know the session: that is why production sets REDIS_URL.
    assert!(html_class(&b.base, Some(&value))
        .await
        .contains("class=\"light\""));
}

#[tokio::test]
async fn the_session_cookie_is_http_only_lax_signed_and_lasts_seven_days() {
    let app = spawn_app(Backend::Sqlite).await;
    let r = app.server_fn("set_theme", &[("theme", "dark")]).await;
    let c = session_cookie(&r);
    assert!(c.contains("HttpOnly"), "{c}");
    assert!(c.contains("SameSite=Lax"), "{c}");
    assert!(c.contains("Path=/"), "{c}");
    assert!(c.contains("Max-Age=604800") || c.contains("Expires="), "{c}");
    assert!(!c.contains("Secure"), "development cookies work over http: {c}");

    // A tampered signature is ignored: the page falls back to the default theme.
    let value = cookie_value(&c);
    let mut tampered = value.clone().into_bytes();
    tampered[0] = if tampered[0] == b'A' { b'B' } else { b'A' };
    let tampered = String::from_utf8(tampered).unwrap();
    assert!(html_class(&app.base, Some(&value))
        .await
        .contains("class=\"dark\""));
    assert!(html_class(&app.base, Some(&tampered))
        .await
        .contains("class=\"light\""));
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
    let r = app.server_fn("set_theme", &[("theme", "dark")]).await;
    assert!(session_cookie(&r).contains("Secure"));
}

#[tokio::test]
async fn an_invalid_theme_is_a_400_with_the_portal_error_shape() {
    let app = spawn_app(Backend::Sqlite).await;
    let r = app.server_fn("set_theme", &[("theme", "purple")]).await;
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
            .post(app.url("/api/fn/set_theme"))
            .header("accept", "application/json")
            .form(&[("theme", "dark")]);
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
    assert!(r_no_cookie(&app).await);
    let r = call(None, Some("same-site")).await.unwrap();
    assert_eq!(r.status(), 403);
    let r = call(Some(app.base.clone()), Some("same-origin")).await.unwrap();
    assert_eq!(r.status(), 200);
}

/// The refused calls left no session behind.
async fn r_no_cookie(app: &crate::helpers::TestApp) -> bool {
    html_class(&app.base, None).await.contains("class=\"light\"")
}
