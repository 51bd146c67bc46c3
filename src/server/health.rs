//! Liveness and readiness for load balancers and orchestrators.
//!
//! `/healthz` answers while the process can serve at all. `/readyz` checks each dependency and answers
//! 503 naming the one that failed, so NGINX or Kubernetes can take the instance out of rotation.

use std::time::Duration;

use axum::{extract::State, http::StatusCode, response::IntoResponse, Json};
use serde_json::{json, Map, Value};

use super::state::AppState;

pub async fn healthz() -> impl IntoResponse {
    Json(json!({ "status": "ok" }))
}

pub async fn readyz(State(state): State<AppState>) -> impl IntoResponse {
    let mut checks = Map::new();
    let mut failed = Vec::new();

    let db = tokio::time::timeout(Duration::from_secs(2), state.db.ping()).await;
    match db {
        Ok(Ok(())) => {
            checks.insert("database".into(), Value::from("ok"));
        }
        Ok(Err(e)) => {
            tracing::warn!(error = %e, "readiness: database failed");
            checks.insert("database".into(), Value::from("unreachable"));
            failed.push("database");
        }
        Err(_) => {
            checks.insert("database".into(), Value::from("timed out"));
            failed.push("database");
        }
    }

    match &state.redis {
        None => {
            checks.insert("redis".into(), Value::from("not configured"));
        }
        Some(pool) => match super::redis::ping(pool).await {
            Ok(()) => {
                checks.insert("redis".into(), Value::from("ok"));
            }
            Err(e) => {
                tracing::warn!(error = %e, "readiness: redis failed");
                checks.insert("redis".into(), Value::from("unreachable"));
                failed.push("redis");
            }
        },
    }

    if failed.is_empty() {
        (
            StatusCode::OK,
            Json(json!({ "status": "ready", "checks": checks })),
        )
    } else {
        (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(json!({ "status": "unavailable", "failed": failed, "checks": checks })),
        )
    }
}
