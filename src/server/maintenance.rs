//! Hourly housekeeping on every instance (each step is idempotent): forget sign-in counters and
//! ended sign-ins that can no longer matter, sign-ups that lapsed, and uploads nothing uses.

use chrono::Utc;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter};

use super::{
    entities::pending_registrations,
    error::AppResult,
    identity::{throttle, tokens},
};

pub async fn run(state: super::state::AppState) {
    let mut tick = tokio::time::interval(std::time::Duration::from_secs(3600));
    loop {
        tick.tick().await;
        if let Err(e) = once(&state.db).await {
            tracing::warn!(error = %e, "housekeeping failed");
        }
        match super::media::sweep(&state).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(images = n, "unused uploads removed"),
            Err(e) => tracing::warn!(error = %e, "upload sweep failed"),
        }
    }
}

pub async fn once(db: &DatabaseConnection) -> AppResult<()> {
    let counters = throttle::sweep(db).await?;
    let ended = tokens::sweep_ended(db).await?;
    let lapsed = pending_registrations::Entity::delete_many()
        .filter(pending_registrations::Column::ExpiresAt.lt(Utc::now()))
        .exec(db)
        .await?
        .rows_affected;
    if counters + ended + lapsed > 0 {
        tracing::info!(counters, ended, lapsed, "housekeeping");
    }
    Ok(())
}
