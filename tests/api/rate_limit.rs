//! The per-IP limit on `/api/v1` (contract §5), in process and shared through Redis.

use serde_json::{json, Value};

use crate::both_backends;
use crate::helpers::{spawn_app_with, spawn_peer, Spawn, TestApp};

fn limited(opts: Spawn) -> Spawn {
    opts.var("RATE_LIMIT_MAX_REQUESTS", "5")
        .var("RATE_LIMIT_WINDOW", "1")
        // Behind one proxy: each test speaks from its own forwarded address, so parallel tests
        // (sharing 127.0.0.1 and one Redis) do not count each other's requests.
        .var("TRUST_PROXY", "1")
}

async fn get_from(app: &TestApp, ip: &str) -> reqwest::Response {
    app.client
        .get(app.url("/api/v1/categories"))
        .header("x-forwarded-for", format!("203.0.113.9, {ip}"))
        .send()
        .await
        .unwrap()
}

fn fresh_ip() -> String {
    let n = uuid::Uuid::now_v7().as_u128();
    format!("10.{}.{}.{}", (n >> 16) as u8, (n >> 8) as u8, n as u8)
}

async fn exhaust(apps: &[&TestApp], ip: &str) {
    for i in 0..5 {
        let r = get_from(apps[i % apps.len()], ip).await;
        assert_eq!(r.status(), 200, "request {i}");
        assert_eq!(r.headers()["ratelimit-limit"], "5");
        assert_eq!(r.headers()["ratelimit-remaining"], (4 - i).to_string().as_str());
    }
}

both_backends!(
    async fn the_sixth_request_in_a_window_is_a_429_in_the_contracts_shape(backend: Backend) {
        let app = spawn_app_with(backend, limited(Spawn::default())).await;
        let ip = fresh_ip();
        exhaust(&[&app], &ip).await;
        let r = get_from(&app, &ip).await;
        assert_eq!(r.status(), 429);
        let retry: u64 = r.headers()["retry-after"].to_str().unwrap().parse().unwrap();
        assert!((1..=60).contains(&retry), "retry-after {retry}");
        let body: Value = r.json().await.unwrap();
        assert_eq!(body, json!({ "success": false, "message": "Too many requests." }));
        // Another client is not affected, and neither are the portal's pages.
        assert_eq!(get_from(&app, &fresh_ip()).await.status(), 200);
        assert_eq!(app.get("/healthz").await.status(), 200);
    }
);

/// Redis counts in fixed windows (whole minutes here): start well inside one.
async fn away_from_a_window_edge() {
    let second = chrono::Utc::now().timestamp() % 60;
    if second > 50 {
        tokio::time::sleep(std::time::Duration::from_secs((61 - second) as u64)).await;
    }
}

both_backends!(
    async fn with_redis_the_limit_holds_across_instances(backend: Backend) {
        away_from_a_window_edge().await;
        let a = spawn_app_with(backend, limited(Spawn::redis())).await;
        let b = spawn_peer(&a, limited(Spawn::redis())).await;
        let ip = fresh_ip();
        exhaust(&[&a, &b], &ip).await;
        assert_eq!(get_from(&a, &ip).await.status(), 429);
        assert_eq!(get_from(&b, &ip).await.status(), 429);
    }
);

both_backends!(
    async fn requests_at_once_on_two_instances_are_counted_exactly(backend: Backend) {
        // The Redis counts of requests arriving together go in one pipeline; each must still get a
        // count of its own, so exactly the limit passes however the batches fall.
        away_from_a_window_edge().await;
        let opts = || {
            Spawn::redis()
                .var("RATE_LIMIT_MAX_REQUESTS", "40")
                .var("RATE_LIMIT_WINDOW", "1")
                .var("TRUST_PROXY", "1")
        };
        let a = spawn_app_with(backend, opts()).await;
        let b = spawn_peer(&a, opts()).await;
        let ip = fresh_ip();
        let calls = (0..100).map(|i| {
            let app = if i % 2 == 0 { &a } else { &b };
            let ip = ip.clone();
            async move { get_from(app, &ip).await }
        });
        let answers = futures_util::future::join_all(calls).await;
        let passed: Vec<u32> = answers
            .iter()
            .filter(|r| r.status() == 200)
            .map(|r| {
                r.headers()["ratelimit-remaining"]
                    .to_str()
                    .unwrap()
                    .parse()
                    .unwrap()
            })
            .collect();
        assert_eq!(passed.len(), 40, "exactly the limit passes");
        assert_eq!(answers.iter().filter(|r| r.status() == 429).count(), 60);
        // Every request that passed saw a different count.
        let mut remaining = passed.clone();
        remaining.sort_unstable();
        assert_eq!(remaining, (0..40).collect::<Vec<u32>>());
    }
);

#[tokio::test]
async fn an_untrusted_forwarded_header_does_not_dodge_the_limit() {
    let opts = limited(Spawn::default()).var("TRUST_PROXY", "0");
    let app = spawn_app_with(crate::helpers::Backend::Sqlite, opts).await;
    for i in 0..5 {
        assert_eq!(get_from(&app, &format!("10.0.0.{i}")).await.status(), 200);
    }
    assert_eq!(get_from(&app, "10.0.0.99").await.status(), 429);
}

both_backends!(
    async fn portal_sign_ins_and_password_emails_share_the_limit_but_pages_do_not(backend: Backend) {
        let app = spawn_app_with(backend, limited(Spawn::default())).await;
        let ip = fresh_ip();
        let post = |name: &'static str, form: &'static [(&'static str, &'static str)]| {
            app.client
                .post(app.url(&format!("/api/fn/{name}")))
                .header("x-forwarded-for", format!("203.0.113.9, {ip}"))
                .header("accept", "application/json")
                .form(form)
                .send()
        };
        for i in 0..5 {
            // A different email each time: three wrong passwords would lock one email (429 too).
            const SIGN_INS: [&[(&str, &str)]; 3] = [
                &[("email", "n0@example.com"), ("password", "wrong")],
                &[("email", "n1@example.com"), ("password", "wrong")],
                &[("email", "n2@example.com"), ("password", "wrong")],
            ];
            let r = if i % 2 == 0 {
                post("sign_in", SIGN_INS[i / 2]).await
            } else {
                post("forgot_password", &[("email", "nobody@example.com")]).await
            }
            .unwrap();
            assert_ne!(r.status(), 429, "attempt {i}");
        }
        let r = post(
            "sign_in",
            &[("email", "nobody@example.com"), ("password", "wrong")],
        )
        .await
        .unwrap();
        assert_eq!(r.status(), 429);
        // Reading pages and their data is not counted.
        let r = post("sign_in_methods", &[]).await.unwrap();
        assert_eq!(r.status(), 200);
    }
);
