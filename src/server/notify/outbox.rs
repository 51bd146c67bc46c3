//! The outbox: `enqueue` in the request, `run` in the background. Safe with several instances:
//! a row is claimed with a conditional update before it is sent, so only one instance sends it.

use std::{sync::Arc, time::Duration};

use chrono::Utc;
use sea_orm::{
    sea_query::Expr, ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait,
    QueryFilter, QueryOrder, QuerySelect, Set,
};
use tokio::sync::Notify;
use uuid::Uuid;

use super::{email::Mailer, templates::EmailMessage};
use crate::server::{entities::outbox, error::AppResult};

const MAX_ATTEMPTS: i32 = 8;

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
pub async fn run(db: DatabaseConnection, mailer: Mailer, kick: Kick, log_bodies: bool) {
    loop {
        match deliver_due(&db, &mailer, log_bodies).await {
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

/// One pass: claims and sends up to 20 due messages; returns how many it handled.
pub async fn deliver_due(db: &DatabaseConnection, mailer: &Mailer, log_bodies: bool) -> AppResult<usize> {
    let now = Utc::now();
    let due = outbox::Entity::find()
        .filter(outbox::Column::Status.eq("pending"))
        .filter(outbox::Column::NextAttemptAt.lte(now))
        .order_by_asc(outbox::Column::NextAttemptAt)
        .limit(20)
        .all(db)
        .await?;
    let mut handled = 0;
    for row in due {
        let claimed = outbox::Entity::update_many()
            .col_expr(outbox::Column::Status, Expr::value("sending"))
            .filter(outbox::Column::Id.eq(row.id))
            .filter(outbox::Column::Status.eq("pending"))
            .exec(db)
            .await?
            .rows_affected;
        if claimed == 0 {
            continue; // another instance has it
        }
        handled += 1;
        let message = EmailMessage {
            subject: row.subject.clone(),
            text: row.body_text.clone(),
            html: row.body_html.clone().unwrap_or_default(),
        };
        let mut active: outbox::ActiveModel = row.clone().into();
        active.attempts = Set(row.attempts + 1);
        match (mailer, mailer.send(&row.recipient, &message).await) {
            (Mailer::Log, _) => {
                if log_bodies {
                    tracing::info!(to = %row.recipient, subject = %row.subject, body = %row.body_text, "email (SMTP_URL unset: logged, not sent)");
                } else {
                    tracing::warn!(to = %row.recipient, subject = %row.subject, "email kept in the outbox: SMTP_URL is not set");
                }
                active.status = Set("logged".into());
                active.sent_at = Set(Some(Utc::now()));
            }
            (_, Ok(())) => {
                active.status = Set("sent".into());
                active.sent_at = Set(Some(Utc::now()));
                active.last_error = Set(None);
            }
            (_, Err(e)) => {
                let attempts = row.attempts + 1;
                tracing::warn!(to = %row.recipient, attempts, error = %e, "email delivery failed");
                active.last_error = Set(Some(e));
                if attempts >= MAX_ATTEMPTS {
                    active.status = Set("failed".into());
                } else {
                    // 5 s, 10 s, 20 s … about 10 minutes at the last try.
                    let delay = 5i64 << (attempts - 1).min(7);
                    active.status = Set("pending".into());
                    active.next_attempt_at = Set(Utc::now() + chrono::Duration::seconds(delay));
                }
            }
        }
        active.update(db).await?;
    }
    Ok(handled)
}
