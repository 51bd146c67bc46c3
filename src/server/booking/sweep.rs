//! Unpaid reservations hold their slot until `expires_at`; then they are cancelled with the reason
//! "Reservation expired" and the slot is free again. A background task runs this every minute on
//! every instance (the update is idempotent), and booking runs it first, so a slot frees on time.

use chrono::{DateTime, Utc};
use sea_orm::{sea_query::Expr, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};

use crate::server::{entities::appointments, error::AppResult};
use crate::shared::booking::AppointmentStatus;

pub const EXPIRED_REASON: &str = "Reservation expired";

/// Cancels every reservation whose hold ended by `now`; returns how many.
pub async fn expire_due<C: ConnectionTrait>(db: &C, now: DateTime<Utc>) -> AppResult<u64> {
    let result = appointments::Entity::update_many()
        .col_expr(
            appointments::Column::Status,
            Expr::value(AppointmentStatus::Cancelled.as_str()),
        )
        .col_expr(appointments::Column::CancelledAt, Expr::value(now))
        .col_expr(appointments::Column::CancelReason, Expr::value(EXPIRED_REASON))
        .col_expr(appointments::Column::UpdatedAt, Expr::value(now))
        .filter(appointments::Column::Status.eq(AppointmentStatus::Reserved.as_str()))
        .filter(appointments::Column::ExpiresAt.lte(now))
        .exec(db)
        .await?;
    Ok(result.rows_affected)
}

/// The background loop.
pub async fn run(db: sea_orm::DatabaseConnection) {
    let mut tick = tokio::time::interval(std::time::Duration::from_secs(60));
    loop {
        tick.tick().await;
        match expire_due(&db, Utc::now()).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(expired = n, "reservations expired"),
            Err(e) => tracing::warn!(error = %e, "reservation sweep failed"),
        }
    }
}
