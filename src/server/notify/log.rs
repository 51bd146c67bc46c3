//! The delivery log staff read in the portal: what was sent to whom, on which channel, whether it
//! arrived or why not; and sending a failed one again.

use chrono::Utc;
use sea_orm::{
    sea_query::Expr, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
};
use uuid::Uuid;

use crate::server::{
    entities::{outbox, users},
    error::{AppError, AppResult},
};
use crate::shared::paging::{PageRequest, Pagination};

pub use crate::shared::notifications::{Delivery, LogFilter};

fn shown_recipient(channel: &str, recipient: &str) -> String {
    if channel == "push" && recipient.len() > 16 {
        // Characters, not bytes: a token is whatever the app saved.
        let tail: String = recipient
            .chars()
            .rev()
            .take(8)
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect();
        format!("device …{tail}")
    } else {
        recipient.to_owned()
    }
}

pub async fn list<C: ConnectionTrait>(
    db: &C,
    filter: &LogFilter,
    page: PageRequest,
) -> AppResult<(Vec<Delivery>, Pagination)> {
    let mut q = outbox::Entity::find();
    if let Some(channel) = filter.channel.as_deref().filter(|c| !c.is_empty()) {
        q = q.filter(outbox::Column::Channel.eq(channel));
    }
    if let Some(status) = filter.status.as_deref().filter(|s| !s.is_empty()) {
        q = q.filter(outbox::Column::Status.eq(status));
    }
    let paginator = q
        .order_by_desc(outbox::Column::CreatedAt)
        .order_by_desc(outbox::Column::Id)
        .paginate(db, page.limit);
    let total = paginator.num_items().await?;
    let rows = paginator.fetch_page(page.page - 1).await?;
    let list = rows
        .into_iter()
        .map(|r| Delivery {
            recipient: shown_recipient(&r.channel, &r.recipient),
            id: r.id,
            channel: r.channel,
            subject: r.subject,
            kind: r.kind,
            status: r.status,
            attempts: r.attempts,
            last_error: r.last_error,
            created_at: r.created_at,
            sent_at: r.sent_at,
        })
        .collect();
    Ok((list, page.of(total)))
}

/// Sends a failed delivery again (from now, with a fresh count of tries). A push to a device
/// FCM has since forgotten is not: the app registers a new token when it is next opened.
pub async fn retry<C: ConnectionTrait>(db: &C, id: Uuid) -> AppResult<()> {
    let row = outbox::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or_else(|| AppError::not_found("Delivery"))?;
    if row.channel == "push" {
        if let Some(user_id) = row.user_id {
            let current = users::Entity::find_by_id(user_id)
                .one(db)
                .await?
                .and_then(|u| u.fcm_token);
            if current.as_deref() != Some(row.recipient.as_str()) {
                return Err(AppError::Conflict(
                    "This device is no longer registered; it cannot be sent to again.".into(),
                ));
            }
        }
    }
    let n = outbox::Entity::update_many()
        .col_expr(outbox::Column::Status, Expr::value("pending"))
        .col_expr(outbox::Column::Attempts, Expr::value(0))
        .col_expr(outbox::Column::NextAttemptAt, Expr::value(Utc::now()))
        .filter(outbox::Column::Id.eq(id))
        .filter(outbox::Column::Status.eq("failed"))
        .exec(db)
        .await?
        .rows_affected;
    if n == 1 {
        return Ok(());
    }
    match outbox::Entity::find_by_id(id).one(db).await? {
        None => Err(AppError::not_found("Delivery")),
        Some(_) => Err(AppError::Conflict(
            "Only a failed delivery can be sent again.".into(),
        )),
    }
}
