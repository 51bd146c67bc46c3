//! Reminders before each confirmed appointment (24 h and 2 h by default, `REMINDER_MINUTES`).
//!
//! Every instance looks each minute for confirmed appointments that start within a reminder's
//! lead time and have not had it. A reminder is claimed by inserting its row in
//! `appointment_reminders`, whose primary key (appointment, lead time, start) lets exactly one
//! instance win, across restarts too; the notification is queued in the same transaction. A
//! cancelled appointment is no longer confirmed and gets none; a moved one has a new start, so its
//! reminders are planned afresh. A booking made inside a lead time skips that reminder.

use chrono::{Duration, Utc};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, Set};

use super::notices::{self, Notice};
use crate::server::{
    booking,
    entities::{appointment_reminders, appointments},
    error::AppResult,
    state::AppState,
};
use crate::shared::booking::AppointmentStatus;

/// One pass; returns how many reminders were queued.
pub async fn send_due(state: &AppState) -> AppResult<usize> {
    let rules = booking::rules(state).await?;
    let now = rules.now;
    let mut sent = 0;
    for &minutes in &state.config.reminder_minutes {
        let lead = Duration::minutes(i64::from(minutes));
        let due = appointments::Entity::find()
            .filter(appointments::Column::Status.eq(AppointmentStatus::Confirmed.as_str()))
            .filter(appointments::Column::StartsAt.gt(now))
            .filter(appointments::Column::StartsAt.lte(now + lead))
            .all(&state.db)
            .await?;
        for row in due {
            // Booked after the reminder's time: that reminder would only repeat the confirmation.
            if row.created_at > row.starts_at - lead {
                continue;
            }
            let txn = crate::server::db::write_txn(&state.db).await?;
            let claimed = appointment_reminders::Entity::insert(appointment_reminders::ActiveModel {
                appointment_id: Set(row.id),
                minutes_before: Set(minutes),
                starts_at: Set(row.starts_at),
                sent_at: Set(Utc::now()),
            })
            .on_conflict_do_nothing()
            .exec(&txn)
            .await?;
            if matches!(claimed, sea_orm::TryInsertResult::Inserted(_)) {
                let view = booking::appointments::view(&txn, &rules, row).await?;
                notices::appointment(&txn, &state.channels, Notice::Reminder, &view).await?;
                sent += 1;
            }
            txn.commit().await?;
        }
    }
    if sent > 0 {
        state.outbox_kick.now();
    }
    Ok(sent)
}

pub async fn run(state: AppState) {
    let mut tick = tokio::time::interval(std::time::Duration::from_secs(60));
    loop {
        tick.tick().await;
        match send_due(&state).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(reminders = n, "reminders queued"),
            Err(e) => tracing::warn!(error = %e, "reminders failed"),
        }
    }
}
