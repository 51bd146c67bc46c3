//! Unpaid reservations hold their slot until `expires_at`; then they are cancelled with the reason
//! "Reservation expired" and the slot is free again. A background task runs this every minute on
//! every instance (the update is idempotent), and booking runs it first, so a slot frees on time.
//! Each reservation that expires is announced like any cancellation, by whichever instance
//! expired it.

use sea_orm::{sea_query::Expr, ColumnTrait, EntityTrait, QueryFilter};

use super::availability::Rules;
use crate::server::{
    entities::appointments,
    error::AppResult,
    live::events::{AppointmentChange, Event},
    notify::notices::{self, Notice},
    state::AppState,
};
use crate::shared::booking::AppointmentStatus;

pub const EXPIRED_REASON: &str = "Reservation expired";

/// Cancels every reservation whose hold ended by `rules.now`; returns how many.
pub async fn expire_due(state: &AppState, rules: &Rules) -> AppResult<u64> {
    let now = rules.now;
    let due = || {
        appointments::Entity::find()
            .filter(appointments::Column::Status.eq(AppointmentStatus::Reserved.as_str()))
            .filter(appointments::Column::ExpiresAt.lte(now))
    };
    let ids: Vec<uuid::Uuid> = due().all(&state.db).await?.into_iter().map(|a| a.id).collect();
    if ids.is_empty() {
        return Ok(0);
    }
    // Conditional on the status still being `reserved`: only the instance whose write wins a row
    // announces it.
    let mut count = 0;
    for id in ids {
        // The expiry and the customer's notice are written together.
        let txn = crate::server::db::write_txn(&state.db).await?;
        let n = appointments::Entity::update_many()
            .col_expr(
                appointments::Column::Status,
                Expr::value(AppointmentStatus::Cancelled.as_str()),
            )
            .col_expr(appointments::Column::CancelledAt, Expr::value(now))
            .col_expr(appointments::Column::CancelReason, Expr::value(EXPIRED_REASON))
            .col_expr(appointments::Column::UpdatedAt, Expr::value(now))
            .filter(appointments::Column::Id.eq(id))
            .filter(appointments::Column::Status.eq(AppointmentStatus::Reserved.as_str()))
            .filter(appointments::Column::ExpiresAt.lte(now))
            .exec(&txn)
            .await?
            .rows_affected;
        if n != 1 {
            continue;
        }
        let row = super::appointments::find(&txn, id).await?;
        if let Some(offer_id) = row.offer_id {
            crate::server::catalog::offers::release(&txn, offer_id).await?;
        }
        let view = super::appointments::view(&txn, rules, row).await?;
        notices::appointment(&txn, &state.channels, Notice::Cancelled, &view).await?;
        txn.commit().await?;
        state
            .live
            .publish(Event::appointment(AppointmentChange::Cancelled, &view));
        count += 1;
    }
    if count > 0 {
        state.outbox_kick.now();
    }
    Ok(count)
}

/// The background loop.
pub async fn run(state: AppState) {
    let mut tick = tokio::time::interval(std::time::Duration::from_secs(60));
    loop {
        tick.tick().await;
        let rules = match super::rules(&state).await {
            Ok(r) => r,
            Err(e) => {
                tracing::warn!(error = %e, "reservation sweep: no rules");
                continue;
            }
        };
        match expire_due(&state, &rules).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(expired = n, "reservations expired"),
            Err(e) => tracing::warn!(error = %e, "reservation sweep failed"),
        }
    }
}
