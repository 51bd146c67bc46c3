//! The public catalog's response cache: ETags and 304s, never a stale answer after a write (on one
//! instance, across two, and after a write made outside the server), and nothing but 200s kept.

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::both_backends;
use crate::helpers::{create_account, sign_in_token, spawn_app_with, spawn_peer, Spawn, TestApp};

async fn owner(app: &TestApp) -> String {
    create_account(app, "own@example.com", "Owner", true).await;
    sign_in_token(app, "own@example.com").await
}

async fn send(app: &TestApp, method: reqwest::Method, path: &str, token: &str, body: Value) -> Value {
    let r = app
        .client
        .request(method, app.url(path))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success(), "{path}: {}", r.status());
    r.json().await.unwrap()
}

/// A category with one service; returns the service's id.
async fn service(app: &TestApp, token: &str, name: &str) -> String {
    let cat = send(
        app,
        reqwest::Method::POST,
        "/api/v1/categories",
        token,
        json!({ "name": "Hair" }),
    )
    .await;
    let cat = cat["data"]["category"]["id"].as_str().unwrap().to_owned();
    let svc = send(
        app,
        reqwest::Method::POST,
        "/api/v1/services",
        token,
        json!({ "categoryId": cat, "name": name, "price": 25, "duration": 45 }),
    )
    .await;
    svc["data"]["service"]["id"].as_str().unwrap().to_owned()
}

async fn rename(app: &TestApp, token: &str, id: &str, name: &str) {
    send(
        app,
        reqwest::Method::PUT,
        &format!("/api/v1/services/{id}"),
        token,
        json!({ "name": name }),
    )
    .await;
}

/// The services' names in `GET /services` on `app`, and whether the cache answered.
async fn names(app: &TestApp) -> (Vec<String>, String) {
    let r = app.get("/api/v1/services").await;
    assert_eq!(r.status(), 200);
    let cache = r.headers()["x-cache"].to_str().unwrap().to_owned();
    let body: Value = r.json().await.unwrap();
    let names = body["data"]["services"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap().to_owned())
        .collect();
    (names, cache)
}

both_backends!(
    async fn catalog_answers_carry_an_etag_and_revalidate_with_a_304(backend: Backend) {
        let app = spawn_app_with(backend, Spawn::default()).await;
        let token = owner(&app).await;
        let id = service(&app, &token, "Cut").await;

        let first = app.get("/api/v1/services?isActive=true").await;
        assert_eq!(first.status(), 200);
        assert_eq!(first.headers()["x-cache"], "miss");
        assert_eq!(first.headers()["cache-control"], "no-cache");
        let etag = first.headers()["etag"].to_str().unwrap().to_owned();
        assert!(etag.starts_with("W/\""), "{etag}");
        let body = first.bytes().await.unwrap();

        let second = app.get("/api/v1/services?isActive=true").await;
        assert_eq!(second.headers()["x-cache"], "hit");
        assert_eq!(second.headers()["etag"].to_str().unwrap(), etag);
        assert_eq!(second.headers()["content-type"], "application/json");
        assert_eq!(second.bytes().await.unwrap(), body, "the same bytes");

        let revalidate = |tag: String| {
            let app = &app;
            async move {
                app.client
                    .get(app.url("/api/v1/services?isActive=true"))
                    .header("if-none-match", tag)
                    .send()
                    .await
                    .unwrap()
            }
        };
        let not_modified = revalidate(etag.clone()).await;
        assert_eq!(not_modified.status(), StatusCode::NOT_MODIFIED);
        assert_eq!(not_modified.headers()["etag"].to_str().unwrap(), etag);
        assert!(not_modified.bytes().await.unwrap().is_empty());

        // After a write the old tag no longer matches: the new answer comes back whole.
        rename(&app, &token, &id, "Long cut").await;
        let changed = revalidate(etag.clone()).await;
        assert_eq!(changed.status(), 200);
        assert_ne!(changed.headers()["etag"].to_str().unwrap(), etag);
        let body: Value = changed.json().await.unwrap();
        assert_eq!(body["data"]["services"][0]["name"], "Long cut");

        // Single items and the other lists are cached too, each under its own query.
        for path in [
            format!("/api/v1/services/{id}"),
            "/api/v1/categories".into(),
            "/api/v1/experts".into(),
            "/api/v1/offers".into(),
        ] {
            assert_eq!(app.get(&path).await.headers()["x-cache"], "miss", "{path}");
            let again = app.get(&path).await;
            assert_eq!(again.headers()["x-cache"], "hit", "{path}");
            assert!(again.headers().contains_key("etag"), "{path}");
        }
        assert_eq!(
            app.get("/api/v1/services?isActive=false").await.headers()["x-cache"],
            "miss"
        );
        let stats = app.state.catalog.stats();
        assert!(stats.hits >= 5 && stats.misses >= 6, "{stats:?}");
    }
);

both_backends!(
    async fn only_successful_answers_are_kept(backend: Backend) {
        let app = spawn_app_with(backend, Spawn::default()).await;
        for _ in 0..2 {
            let bad = app.get("/api/v1/services?limit=many").await;
            assert_eq!(bad.status(), 400);
            assert!(!bad.headers().contains_key("x-cache"));
            assert!(!bad.headers().contains_key("etag"));
            let missing = app
                .get(&format!("/api/v1/services/{}", uuid::Uuid::now_v7()))
                .await;
            assert_eq!(missing.status(), 404);
            assert!(!missing.headers().contains_key("etag"));
        }
        // Writes pass through the cache untouched: a guest still may not create a service.
        let r = app
            .client
            .post(app.url("/api/v1/services"))
            .json(&json!({}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 401);
        assert_eq!(app.state.catalog.stats().hits, 0);
    }
);

both_backends!(
    async fn no_instance_serves_a_stale_catalog_after_a_write(backend: Backend) {
        let a = spawn_app_with(backend, Spawn::redis()).await;
        let b = spawn_peer(&a, Spawn::redis()).await;
        let token = owner(&a).await;
        let id = service(&a, &token, "Cut 0").await;
        for round in 1..=15 {
            // Both instances hold the current list...
            names(&a).await;
            names(&b).await;
            assert_eq!(names(&b).await.1, "hit", "round {round}: B had it cached");
            // ...then a write through A is seen at once through B, and through A.
            let name = format!("Cut {round}");
            rename(&a, &token, &id, &name).await;
            assert_eq!(names(&b).await.0, vec![name.clone()], "round {round} on B");
            assert_eq!(names(&a).await.0, vec![name], "round {round} on A");
        }
        // Many readers at once right after a write: every one of them sees it.
        rename(&a, &token, &id, "Final cut").await;
        let reads = (0..40).map(|i| {
            let app = if i % 2 == 0 { &a } else { &b };
            async move { names(app).await.0 }
        });
        for seen in futures_util::future::join_all(reads).await {
            assert_eq!(seen, vec!["Final cut".to_owned()]);
        }
    }
);

both_backends!(
    async fn a_write_made_outside_the_server_is_seen(backend: Backend) {
        // The CLI (seed-demo, create-owner) or an operator's UPDATE writes without the server:
        // the version moves with the data, so the cache cannot miss it.
        use sea_orm::{ConnectionTrait, Statement};
        let app = spawn_app_with(backend, Spawn::default()).await;
        let token = owner(&app).await;
        service(&app, &token, "Cut").await;
        assert_eq!(names(&app).await.0, vec!["Cut".to_owned()]);
        assert_eq!(names(&app).await.1, "hit");
        let db = &app.state.db;
        db.execute_raw(Statement::from_string(
            db.get_database_backend(),
            "UPDATE services SET name = 'Renamed by hand'",
        ))
        .await
        .unwrap();
        let (seen, cache) = names(&app).await;
        assert_eq!(seen, vec!["Renamed by hand".to_owned()]);
        assert_eq!(cache, "miss");
        // A rolled-back write moves nothing.
        let version = |db: &sea_orm::DatabaseConnection| {
            let db = db.clone();
            async move {
                db.query_one_raw(Statement::from_string(
                    db.get_database_backend(),
                    "SELECT version FROM cache_versions WHERE name = 'catalog'",
                ))
                .await
                .unwrap()
                .unwrap()
                .try_get::<i64>("", "version")
                .unwrap()
            }
        };
        let before = version(db).await;
        {
            use sea_orm::TransactionTrait;
            let txn = db.begin().await.unwrap();
            txn.execute_raw(Statement::from_string(
                db.get_database_backend(),
                "UPDATE services SET name = 'Never'",
            ))
            .await
            .unwrap();
            txn.rollback().await.unwrap();
        }
        assert_eq!(version(db).await, before);
        assert_eq!(
            names(&app).await,
            (vec!["Renamed by hand".to_owned()], "hit".to_owned())
        );
    }
);

both_backends!(
    async fn with_the_cache_off_answers_come_straight_from_the_database(backend: Backend) {
        let app = spawn_app_with(backend, Spawn::default().var("CATALOG_CACHE", "false")).await;
        let r = app.get("/api/v1/categories").await;
        assert_eq!(r.status(), 200);
        assert!(!r.headers().contains_key("x-cache"));
        assert_eq!(app.state.catalog.stats(), Default::default());
    }
);
