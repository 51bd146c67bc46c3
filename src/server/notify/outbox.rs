//! The outbox: `enqueue` in the request, `run` in the background. Safe with several instances:
//! a row is claimed with a conditional update before it is sent, so only one instance sends it.
//! A failed delivery is tried again with exponential backoff (5 s doubling, 8 tries), unless the
//! provider's answer means it never will work; then it is `failed`: the dead letters, which the
//! portal's delivery log shows with their error and can send again.

use std::{sync::Arc, time::Duration};

use chrono::{SubsecRound, Utc};
use sea_orm::{
    sea_query::Expr, ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait,
    QueryFilter, QueryOrder, QuerySelect, Set,
};
use tokio::sync::Notify;
use uuid::Uuid;

use super::{email::Mailer, templates::EmailMessage, Channels, Failure};
use crate::server::{
    entities::{outbox, users},
    error::AppResult,
};

/// How often a failing delivery is tried, and how long the first retry waits (doubling after).
#[derive(Debug, Clone, Copy)]
pub struct Retry {
    pub base_ms: u64,
    pub max_attempts: i32,
}

/// Records an email for delivery. Call it in the same transaction as the change it reports.
pub async fn enqueue_email<C: ConnectionTrait>(db: &C, to: &str, message: &EmailMessage) -> AppResult<Uuid> {
    let now = Utc::now();
    let id = Uuid::now_v7();
    outbox::ActiveModel {
        id: Set(id),
        channel: Set("email".into()),
        recipient: Set(to.to_owned()),
        subject: Set(message.subject.clone()),
        body_text: Set(message.text.clone()),
        body_html: Set(Some(message.html.clone())),
        status: Set("pending".into()),
        attempts: Set(0),
        last_error: Set(None),
        next_attempt_at: Set(now),
        created_at: Set(now),
        sent_at: Set(None),
        user_id: Set(None),
        kind: Set(None),
        payload: Set(None),
    }
    .insert(db)
    .await?;
    Ok(id)
}

/// Wakes the worker right after a request enqueued something (otherwise it polls every 2 s).
#[derive(Clone, Default)]
pub struct Kick(Arc<Notify>);

impl Kick {
    pub fn now(&self) {
        self.0.notify_one();
    }
}

/// Delivers due messages until the process ends.
pub async fn run(db: DatabaseConnection, channels: Channels, kick: Kick, log_bodies: bool, retry: Retry) {
    loop {
        match deliver_due(&db, &channels, log_bodies, retry).await {
            Ok(0) => {
                let _ = tokio::time::timeout(Duration::from_secs(2), kick.0.notified()).await;
            }
            Ok(_) => {}
            Err(e) => {
                tracing::warn!(error = %e, "outbox: delivery pass failed");
                tokio::time::sleep(Duration::from_secs(2)).await;
            }
        }
    }
}

/// What became of one delivery.
enum Outcome {
    Sent,
    /// Email without `SMTP_URL`: kept, and logged in development.
    Logged,
    Failed(Failure),
}

async fn deliver(row: &outbox::Model, channels: &Channels, log_bodies: bool) -> Outcome {
    match row.channel.as_str() {
        "email" => {
            let message = EmailMessage {
                subject: row.subject.clone(),
                text: row.body_text.clone(),
                html: row.body_html.clone().unwrap_or_default(),
            };
            match (&channels.mail, channels.mail.send(&row.recipient, &message).await) {
                (Mailer::Log, _) => {
                    if log_bodies {
                        tracing::info!(to = %row.recipient, subject = %row.subject, body = %row.body_text, "email (SMTP_URL unset: logged, not sent)");
                    } else {
                        tracing::warn!(to = %row.recipient, subject = %row.subject, "email kept in the outbox: SMTP_URL is not set");
                    }
                    Outcome::Logged
                }
                (_, Ok(())) => Outcome::Sent,
                (_, Err(failure)) => Outcome::Failed(failure),
            }
        }
        "push" => match &channels.push {
            None => Outcome::Failed(Failure::Permanent(
                "push is not configured (FCM_SERVICE_ACCOUNT)".into(),
            )),
            Some(fcm) => {
                let data = row
                    .payload
                    .as_deref()
                    .and_then(|p| serde_json::from_str(p).ok())
                    .unwrap_or_default();
                match fcm
                    .send(&row.recipient, &row.subject, &row.body_text, &data)
                    .await
                {
                    Ok(()) => Outcome::Sent,
                    Err(f) => Outcome::Failed(f),
                }
            }
        },
        "sms" => match &channels.sms {
            None => Outcome::Failed(Failure::Permanent("SMS is not configured (TWILIO_*)".into())),
            Some(twilio) => match twilio.send(&row.recipient, &row.body_text).await {
                Ok(()) => Outcome::Sent,
                Err(f) => Outcome::Failed(f),
            },
        },
        other => Outcome::Failed(Failure::Permanent(format!("unknown channel {other}"))),
    }
}

/// How long a claim holds. A message still `sending` after it was claimed by an instance that
/// died before it could settle; another instance takes it again (at least once, never lost).
const LEASE: chrono::Duration = chrono::Duration::minutes(5);

/// One pass: claims and sends up to 20 due messages; returns how many it handled.
pub async fn deliver_due(
    db: &DatabaseConnection,
    channels: &Channels,
    log_bodies: bool,
    retry: Retry,
) -> AppResult<usize> {
    // Whole milliseconds: the lease written here is compared again when the result is written,
    // and both databases keep milliseconds exactly.
    let now = Utc::now().trunc_subsecs(3);
    let lease = now + LEASE;
    // Due: pending ones whose time has come, and claims whose lease ran out.
    let due = outbox::Entity::find()
        .filter(outbox::Column::Status.is_in(["pending", "sending"]))
        .filter(outbox::Column::NextAttemptAt.lte(now))
        .order_by_asc(outbox::Column::NextAttemptAt)
        .order_by_asc(outbox::Column::Id)
        .limit(20)
        .all(db)
        .await?;
    let mut claimed_rows = Vec::new();
    for row in due {
        // The claim holds only while the row is still due: the first instance moves it a lease
        // ahead, so the others' conditions fail (the update re-checks them on the row it locks).
        let claimed = outbox::Entity::update_many()
            .col_expr(outbox::Column::Status, Expr::value("sending"))
            .col_expr(outbox::Column::NextAttemptAt, Expr::value(lease))
            .filter(outbox::Column::Id.eq(row.id))
            .filter(outbox::Column::Status.eq(row.status.as_str()))
            .filter(outbox::Column::NextAttemptAt.lte(now))
            .exec(db)
            .await?
            .rows_affected;
        if claimed == 1 {
            claimed_rows.push(row);
        } // else another instance has it
    }
    // The claimed messages go out together: a slow provider is waited for once, not once each.
    // One recipient's messages go one after another, in the order they were queued, so a resent
    // code never arrives before the one it replaced.
    let mut queues: Vec<Vec<usize>> = Vec::new();
    for (i, row) in claimed_rows.iter().enumerate() {
        let same = |q: &&mut Vec<usize>| {
            let first = &claimed_rows[q[0]];
            first.channel == row.channel && first.recipient == row.recipient
        };
        match queues.iter_mut().find(same) {
            Some(q) => q.push(i),
            None => queues.push(vec![i]),
        }
    }
    let sent = futures_util::future::join_all(queues.into_iter().map(|queue| {
        let rows = &claimed_rows;
        async move {
            let mut outcomes = Vec::with_capacity(queue.len());
            for i in queue {
                outcomes.push((i, deliver(&rows[i], channels, log_bodies).await));
            }
            outcomes
        }
    }))
    .await;
    let mut outcomes: Vec<(usize, Outcome)> = sent.into_iter().flatten().collect();
    outcomes.sort_unstable_by_key(|(i, _)| *i);
    let handled = claimed_rows.len();
    // Every result is written, whatever happens to one of them: a row left unsettled would be
    // sent again when its lease runs out.
    for (row, (_, outcome)) in claimed_rows.into_iter().zip(outcomes) {
        let id = row.id;
        if let Err(e) = settle(db, row, outcome, retry, lease).await {
            tracing::warn!(error = %e, %id, "outbox: could not record a delivery's result");
        }
    }
    Ok(handled)
}

/// Records what became of a claimed row, only while this instance's claim still holds: if the
/// lease ran out and another instance took the row (or staff sent it again), its result stands.
async fn settle(
    db: &DatabaseConnection,
    row: outbox::Model,
    outcome: Outcome,
    retry: Retry,
    lease: chrono::DateTime<Utc>,
) -> AppResult<()> {
    let attempts = row.attempts + 1;
    let now = Utc::now();
    let mut update = outbox::Entity::update_many()
        .col_expr(outbox::Column::Attempts, Expr::value(attempts))
        .filter(outbox::Column::Id.eq(row.id))
        .filter(outbox::Column::Status.eq("sending"))
        .filter(outbox::Column::NextAttemptAt.eq(lease));
    let mut gone = false;
    match outcome {
        Outcome::Sent | Outcome::Logged => {
            let state = if matches!(outcome, Outcome::Logged) {
                "logged"
            } else {
                "sent"
            };
            update = update
                .col_expr(outbox::Column::Status, Expr::value(state))
                .col_expr(outbox::Column::SentAt, Expr::value(Some(now)))
                .col_expr(outbox::Column::LastError, Expr::value(Option::<String>::None));
        }
        Outcome::Failed(failure) => {
            tracing::warn!(channel = %row.channel, attempts, error = %failure.message(), "delivery failed");
            let error: String = failure.message().chars().take(2000).collect();
            update = update.col_expr(outbox::Column::LastError, Expr::value(Some(error)));
            match failure {
                Failure::Transient(_) if attempts < retry.max_attempts => {
                    // 5 s, 10 s, 20 s … about 10 minutes at the 8th try (by default).
                    let delay = retry.base_ms.saturating_mul(1 << (attempts - 1).clamp(0, 16));
                    update = update
                        .col_expr(outbox::Column::Status, Expr::value("pending"))
                        .col_expr(
                            outbox::Column::NextAttemptAt,
                            Expr::value(now + chrono::Duration::milliseconds(delay.min(86_400_000) as i64)),
                        );
                }
                Failure::Gone(_) => {
                    update = update.col_expr(outbox::Column::Status, Expr::value("failed"));
                    gone = true;
                }
                _ => update = update.col_expr(outbox::Column::Status, Expr::value("failed")),
            }
        }
    }
    if update.exec(db).await?.rows_affected == 0 {
        tracing::info!(id = %row.id, "outbox: the claim ran out before the result; another took it");
        return Ok(());
    }
    if gone {
        forget_device(db, &row).await?;
    }
    Ok(())
}

/// FCM no longer knows this device: its token is cleared, so nothing more is sent to it.
async fn forget_device(db: &DatabaseConnection, row: &outbox::Model) -> AppResult<()> {
    if let Some(user_id) = row.user_id {
        users::Entity::update_many()
            .col_expr(users::Column::FcmToken, Expr::value(Option::<String>::None))
            .filter(users::Column::Id.eq(user_id))
            .filter(users::Column::FcmToken.eq(row.recipient.as_str()))
            .exec(db)
            .await?;
    }
    Ok(())
}
