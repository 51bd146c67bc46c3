//! The business's notification settings: which channels are on, and the text of each message.
//! Stored as JSON beside the booking rules; the defaults apply until an owner changes them.

use sea_orm::{ActiveModelTrait, ConnectionTrait, EntityTrait, Set};

use crate::server::{
    audit,
    entities::business_settings,
    error::{AppError, AppResult},
};

pub use crate::shared::notifications::{check, fill, NotificationSettings, Template, Texts};

pub async fn get<C: ConnectionTrait>(db: &C) -> AppResult<NotificationSettings> {
    let stored = business_settings::Entity::find_by_id(1)
        .one(db)
        .await?
        .and_then(|row| row.notifications)
        .and_then(|json| serde_json::from_str(&json).ok());
    Ok(stored.unwrap_or_default())
}

pub async fn update(
    db: &sea_orm::DatabaseConnection,
    actor: uuid::Uuid,
    settings: &NotificationSettings,
) -> AppResult<()> {
    check(settings).map_err(AppError::Validation)?;
    // The settings and their audit entry are written together.
    let txn = crate::server::db::write_txn(db).await?;
    let db = &txn;
    // The row exists once the booking rules have been read.
    crate::server::booking::settings::get(db, chrono_tz::UTC).await?;
    let row = business_settings::Entity::find_by_id(1)
        .one(db)
        .await?
        .ok_or_else(|| AppError::Internal(anyhow::anyhow!("business settings row missing")))?;
    let mut active: business_settings::ActiveModel = row.into();
    active.notifications = Set(Some(
        serde_json::to_string(settings).map_err(|e| AppError::Internal(e.into()))?,
    ));
    active.updated_at = Set(chrono::Utc::now());
    active.update(db).await?;
    audit::record(
        db,
        audit::Entry::new("notifications.settings_updated")
            .actor(actor)
            .target("settings", "notifications")
            .details(
                serde_json::json!({ "email": settings.email, "push": settings.push, "sms": settings.sms }),
            ),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}
