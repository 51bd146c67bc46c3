//! The business's gallery: pictures with a caption, in an order staff choose.

use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder,
    Set,
};
use uuid::Uuid;

use crate::server::{
    audit,
    entities::gallery_images as entity,
    error::{AppError, AppResult},
};
use crate::shared::{catalog::parse_image_url, errors::FieldError, text};

pub use crate::shared::media::GalleryItem;

impl From<entity::Model> for GalleryItem {
    fn from(m: entity::Model) -> Self {
        Self {
            id: m.id,
            image_url: m.image_url,
            caption: m.caption,
            display_order: m.display_order,
            is_active: m.is_active,
            created_at: m.created_at,
        }
    }
}

pub async fn list<C: ConnectionTrait>(db: &C, active_only: bool) -> AppResult<Vec<GalleryItem>> {
    let mut q = entity::Entity::find()
        .order_by_asc(entity::Column::DisplayOrder)
        .order_by_desc(entity::Column::CreatedAt);
    if active_only {
        q = q.filter(entity::Column::IsActive.eq(true));
    }
    Ok(q.all(db).await?.into_iter().map(Into::into).collect())
}

/// Adds a picture: an http(s) URL (an upload's, or an outside one) and an optional caption.
pub async fn add(
    db: &DatabaseConnection,
    actor: Uuid,
    image_url: &str,
    caption: &str,
) -> AppResult<GalleryItem> {
    let url = parse_image_url(image_url)
        .map_err(|e| AppError::Validation(vec![FieldError::new("imageUrl", e)]))?
        .ok_or_else(|| AppError::field("imageUrl", "An image is required"))?;
    let caption = text::optional_line("caption", caption, 300)?;
    // The picture and its audit entry are written together.
    let txn = crate::server::db::write_txn(db).await?;
    let db = &txn;
    let next = entity::Entity::find()
        .order_by_desc(entity::Column::DisplayOrder)
        .one(db)
        .await?
        .map_or(0, |last| last.display_order + 1);
    let row = entity::ActiveModel {
        id: Set(Uuid::now_v7()),
        image_url: Set(url),
        caption: Set(caption),
        display_order: Set(next),
        is_active: Set(true),
        created_at: Set(Utc::now()),
    }
    .insert(db)
    .await?;
    record(db, actor, "gallery.added", &row).await?;
    txn.commit().await?;
    Ok(row.into())
}

/// Gallery changes are kept in the audit log like every other change to what customers see.
async fn record<C: ConnectionTrait>(db: &C, actor: Uuid, action: &str, row: &entity::Model) -> AppResult<()> {
    audit::record(
        db,
        audit::Entry::new(action)
            .actor(actor)
            .target("gallery", row.id.to_string())
            .details(serde_json::json!({
                "imageUrl": row.image_url,
                "caption": row.caption,
                "isActive": row.is_active,
            })),
    )
    .await
}

pub async fn remove(db: &DatabaseConnection, actor: Uuid, id: Uuid) -> AppResult<()> {
    let txn = crate::server::db::write_txn(db).await?;
    let db = &txn;
    let row = entity::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or_else(|| AppError::not_found("Picture"))?;
    let n = entity::Entity::delete_by_id(id).exec(db).await?.rows_affected;
    if n == 0 {
        return Err(AppError::not_found("Picture"));
    }
    record(db, actor, "gallery.removed", &row).await?;
    txn.commit().await?;
    Ok(())
}

/// Changes a picture's caption and whether the app shows it.
pub async fn update(
    db: &DatabaseConnection,
    actor: Uuid,
    id: Uuid,
    caption: &str,
    is_active: bool,
) -> AppResult<GalleryItem> {
    let caption = text::optional_line("caption", caption, 300)?;
    let txn = crate::server::db::write_txn(db).await?;
    let db = &txn;
    let row = entity::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or_else(|| AppError::not_found("Picture"))?;
    let mut active: entity::ActiveModel = row.into();
    active.caption = Set(caption);
    active.is_active = Set(is_active);
    let row = active.update(db).await?;
    record(db, actor, "gallery.updated", &row).await?;
    txn.commit().await?;
    Ok(row.into())
}

/// Moves a picture one place earlier or later, swapping places with its neighbour; at either end
/// it stays where it is.
pub async fn shift(db: &DatabaseConnection, id: Uuid, earlier: bool) -> AppResult<()> {
    let txn = crate::server::db::write_txn(db).await?;
    let row = entity::Entity::find_by_id(id)
        .one(&txn)
        .await?
        .ok_or_else(|| AppError::not_found("Picture"))?;
    let neighbour = if earlier {
        entity::Entity::find()
            .filter(entity::Column::DisplayOrder.lt(row.display_order))
            .order_by_desc(entity::Column::DisplayOrder)
            .one(&txn)
            .await?
    } else {
        entity::Entity::find()
            .filter(entity::Column::DisplayOrder.gt(row.display_order))
            .order_by_asc(entity::Column::DisplayOrder)
            .one(&txn)
            .await?
    };
    if let Some(other) = neighbour {
        let (mine, theirs) = (row.display_order, other.display_order);
        let mut a: entity::ActiveModel = row.into();
        a.display_order = Set(theirs);
        a.update(&txn).await?;
        let mut b: entity::ActiveModel = other.into();
        b.display_order = Set(mine);
        b.update(&txn).await?;
    }
    txn.commit().await?;
    Ok(())
}
