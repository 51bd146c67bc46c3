//! Each user's in-app inbox (`GET /notifications/my`) and their device token for push.

use sea_orm::{
    sea_query::Expr, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect,
};
use uuid::Uuid;

use crate::server::{
    entities::{notifications, users},
    error::{AppError, AppResult},
};

pub use crate::shared::notifications::InboxEntry;

/// The newest entries first (at most 100).
pub async fn list<C: ConnectionTrait>(db: &C, user: Uuid) -> AppResult<Vec<InboxEntry>> {
    Ok(notifications::Entity::find()
        .filter(notifications::Column::UserId.eq(user))
        .order_by_desc(notifications::Column::CreatedAt)
        .order_by_desc(notifications::Column::Id)
        .limit(100)
        .all(db)
        .await?
        .into_iter()
        .map(|n| InboxEntry {
            id: n.id,
            title: n.title,
            message: n.message,
            kind: n.kind,
            is_read: n.is_read,
            created_at: n.created_at,
        })
        .collect())
}

pub async fn unread<C: ConnectionTrait>(db: &C, user: Uuid) -> AppResult<u64> {
    Ok(notifications::Entity::find()
        .filter(notifications::Column::UserId.eq(user))
        .filter(notifications::Column::IsRead.eq(false))
        .count(db)
        .await?)
}

/// Marks one of the user's own entries read; anyone else's is "not found".
pub async fn mark_read<C: ConnectionTrait>(db: &C, user: Uuid, id: Uuid) -> AppResult<()> {
    let n = notifications::Entity::update_many()
        .col_expr(notifications::Column::IsRead, Expr::value(true))
        .filter(notifications::Column::Id.eq(id))
        .filter(notifications::Column::UserId.eq(user))
        .exec(db)
        .await?
        .rows_affected;
    if n == 0 {
        return Err(AppError::not_found("Notification"));
    }
    Ok(())
}

pub async fn mark_all_read<C: ConnectionTrait>(db: &C, user: Uuid) -> AppResult<u64> {
    Ok(notifications::Entity::update_many()
        .col_expr(notifications::Column::IsRead, Expr::value(true))
        .filter(notifications::Column::UserId.eq(user))
        .filter(notifications::Column::IsRead.eq(false))
        .exec(db)
        .await?
        .rows_affected)
}

/// The device token FCM gave the app (`POST /notifications/save-token`); `None` clears it.
pub async fn set_device<C: ConnectionTrait>(db: &C, user: Uuid, token: Option<&str>) -> AppResult<()> {
    let token = match token {
        Some(raw) => {
            let token = crate::shared::text::line("fcmToken", raw, 4096)?;
            // FCM's registration tokens are a few hundred printable ASCII characters.
            if !token.bytes().all(|b| b.is_ascii_graphic()) {
                return Err(
                    crate::shared::errors::FieldError::new("fcmToken", "This is not a device token").into(),
                );
            }
            Some(token)
        }
        None => None,
    };
    users::Entity::update_many()
        .col_expr(users::Column::FcmToken, Expr::value(token))
        .filter(users::Column::Id.eq(user))
        .exec(db)
        .await?;
    Ok(())
}
