//! Probes, request ids, the JSON 404, compression and the body limit.

use crate::both_backends;
use crate::helpers::{spawn_app, spawn_app_with, Backend, Spawn};
use serde_json::json;

both_backends!(
    async fn healthz_and_readyz_answer_without_redis(backend: Backend) {
        let app = spawn_app(backend).await;
        let (status, body) = app.get_json("/healthz").await;
        assert_eq!(status, 200);
        assert_eq!(body, json!({ "status": "ok" }));

        let (status, body) = app.get_json("/readyz").await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(body["status"], "ready");
        assert_eq!(body["checks"]["database"], "ok");
        assert_eq!(body["checks"]["redis"], "not configured");
    }
);

both_backends!(
    async fn readyz_checks_redis_when_configured(backend: Backend) {
        let app = spawn_app_with(backend, Spawn::redis()).await;
        let (status, body) = app.get_json("/readyz").await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(body["checks"]["redis"], "ok");
    }
);

both_backends!(
    async fn unreachable_redis_makes_readyz_503_naming_redis_while_healthz_stays_up(backend: Backend) {
        // Nothing listens on port 1: Redis is configured but down.
        let app = spawn_app_with(backend, Spawn::default().var("REDIS_URL", "redis://127.0.0.1:1")).await;
        let (status, body) = app.get_json("/readyz").await;
        assert_eq!(status, 503, "{body}");
        assert_eq!(body["status"], "unavailable");
        assert_eq!(body["failed"], json!(["redis"]));
        assert_eq!(body["checks"]["redis"], "unreachable");
        assert_eq!(body["checks"]["database"], "ok");

        let (status, _) = app.get_json("/healthz").await;
        assert_eq!(status, 200);
        // Public API reads do not depend on Redis.
        let (status, _) = app.get_json("/api/v1/categories").await;
        assert_eq!(status, 200);
    }
);

#[tokio::test]
async fn the_old_backends_health_paths_still_answer() {
    let app = spawn_app(Backend::Sqlite).await;
    let (status, body) = app.get_json("/api/v1/health").await;
    assert_eq!(status, 200);
    assert_eq!(
        body,
        json!({ "success": true, "message": "OK", "data": { "status": "ok" } })
    );
    let (status, body) = app.get_json("/health").await;
    assert_eq!(status, 200);
    assert_eq!(body["status"], "ok");
}

#[tokio::test]
async fn unknown_api_routes_get_the_contract_404_envelope_never_html() {
    let app = spawn_app(Backend::Sqlite).await;
    for path in ["/api/v1/nope", "/api/v1/categories/extra/segments", "/api/v1"] {
        let r = app.get(path).await;
        assert_eq!(r.status(), 404, "{path}");
        assert!(r.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/json"));
        let body: serde_json::Value = r.json().await.unwrap();
        assert_eq!(
            body,
            json!({ "success": false, "message": "Route not found", "path": path })
        );
    }
    let r = app
        .client
        .post(app.url("/api/v1/nope"))
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(body["message"], "Route not found");
}

#[tokio::test]
async fn unknown_portal_pages_get_an_html_404() {
    let app = spawn_app(Backend::Sqlite).await;
    let r = app.get("/no-such-page").await;
    assert_eq!(r.status(), 404);
    assert!(r.text().await.unwrap().contains("Page not found"));
}

#[tokio::test]
async fn every_response_carries_a_request_id_and_keeps_the_callers() {
    let app = spawn_app(Backend::Sqlite).await;
    let r = app.get("/healthz").await;
    let id = r
        .headers()
        .get("x-request-id")
        .expect("x-request-id")
        .to_str()
        .unwrap()
        .to_owned();
    assert!(uuid::Uuid::parse_str(&id).is_ok(), "{id}");

    let r = app.get("/api/v1/nope").await;
    assert!(r.headers().contains_key("x-request-id"));

    let r = app
        .client
        .get(app.url("/healthz"))
        .header("x-request-id", "trace-me-123")
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["x-request-id"], "trace-me-123");
}

#[tokio::test]
async fn responses_are_compressed_when_the_client_accepts_it() {
    let app = spawn_app(Backend::Sqlite).await;
    // reqwest without its gzip feature leaves the body encoded, so the header is visible.
    let r = app
        .client
        .get(app.url("/login"))
        .header("accept-encoding", "gzip")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-encoding"], "gzip");
}

#[tokio::test]
async fn oversized_bodies_are_refused_with_413() {
    let app = spawn_app_with(
        Backend::Sqlite,
        Spawn::default().var("PULSE_BODY_LIMIT_BYTES", "1024"),
    )
    .await;
    let r = app
        .client
        .post(app.url("/api/fn/list_categories"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("x=".to_owned() + &"a".repeat(4096))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 413);
}

#[tokio::test]
async fn graceful_shutdown_stops_the_server() {
    let app = spawn_app(Backend::Sqlite).await;
    let url = app.url("/healthz");
    assert_eq!(app.get("/healthz").await.status(), 200);
    app.stop().await;
    assert!(
        crate::helpers::client().get(url).send().await.is_err(),
        "still serving after shutdown"
    );
}
