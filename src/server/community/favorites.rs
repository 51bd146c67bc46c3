//! Favorites (contract §2.8): add is idempotent (the UNIQUE index keeps one row however many adds
//! race), removing what is absent is a 404, and only services and courses that exist can be
//! saved. A deleted service or course leaves every list at once (its rows are deleted with it, and
//! the list reads only items that still exist).

use std::collections::HashMap;

use chrono::Utc;
use sea_orm::{
    sea_query::OnConflict, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect, Set,
};
use uuid::Uuid;

use crate::server::{
    entities::{courses, favorites as entity, services},
    error::{AppError, AppResult},
};
use crate::shared::favorites::{Favorite, ItemType};

/// The most favorites one account keeps.
pub const MAX_PER_USER: usize = 500;

/// Whether the item exists, keeping its row from being deleted until the caller's transaction
/// ends (Postgres `FOR SHARE`), so a favorite is never saved for an item deleted meanwhile.
async fn item_exists<C: ConnectionTrait>(db: &C, kind: ItemType, id: Uuid) -> AppResult<bool> {
    Ok(match kind {
        ItemType::Service => services::Entity::find_by_id(id)
            .select_only()
            .column(services::Column::Id)
            .lock_shared()
            .into_tuple::<Uuid>()
            .one(db)
            .await?
            .is_some(),
        ItemType::Course => courses::Entity::find_by_id(id)
            .select_only()
            .column(courses::Column::Id)
            .lock_shared()
            .into_tuple::<Uuid>()
            .one(db)
            .await?
            .is_some(),
    })
}

fn not_found(kind: ItemType) -> AppError {
    AppError::not_found(match kind {
        ItemType::Service => "Service",
        ItemType::Course => "Course",
    })
}

/// `GET /favorites`: newest first, only items that still exist.
pub async fn list<C: ConnectionTrait>(db: &C, user: Uuid) -> AppResult<Vec<Favorite>> {
    let rows = entity::Entity::find()
        .filter(entity::Column::UserId.eq(user))
        .order_by_desc(entity::Column::CreatedAt)
        .order_by_desc(entity::Column::Id)
        .all(db)
        .await?;
    let ids = |kind: ItemType| -> Vec<Uuid> {
        rows.iter()
            .filter(|r| r.item_type == kind.as_str())
            .map(|r| r.item_id)
            .collect()
    };
    let mut names: HashMap<(ItemType, Uuid), String> = HashMap::new();
    let service_ids = ids(ItemType::Service);
    if !service_ids.is_empty() {
        for s in services::Entity::find()
            .filter(services::Column::Id.is_in(service_ids))
            .all(db)
            .await?
        {
            names.insert((ItemType::Service, s.id), s.name);
        }
    }
    let course_ids = ids(ItemType::Course);
    if !course_ids.is_empty() {
        for c in courses::Entity::find()
            .filter(courses::Column::Id.is_in(course_ids))
            .all(db)
            .await?
        {
            names.insert((ItemType::Course, c.id), c.title);
        }
    }
    Ok(rows
        .into_iter()
        .filter_map(|r| {
            let kind = ItemType::parse(&r.item_type)?;
            let name = names.get(&(kind, r.item_id))?.clone();
            Some(Favorite {
                id: r.id,
                item_type: kind,
                kind,
                item_id: r.item_id,
                name,
                created_at: r.created_at,
            })
        })
        .collect())
}

/// `POST /favorites`: saves an existing item; saving it again changes nothing. True when new.
/// The account's row stays locked while the quota is counted (Postgres; SQLite runs one writer at
/// a time), so adds at once cannot pass it together.
pub async fn add(db: &sea_orm::DatabaseConnection, user: Uuid, kind: ItemType, id: Uuid) -> AppResult<bool> {
    let txn = crate::server::db::write_txn(db).await?;
    if !item_exists(&txn, kind, id).await? {
        return Err(not_found(kind));
    }
    crate::server::entities::users::Entity::find_by_id(user)
        .select_only()
        .column(crate::server::entities::users::Column::Id)
        .lock_exclusive()
        .into_tuple::<Uuid>()
        .one(&txn)
        .await?;
    if contains(&txn, user, kind, id).await? {
        return Ok(false);
    }
    let count = entity::Entity::find()
        .filter(entity::Column::UserId.eq(user))
        .count(&txn)
        .await?;
    if count >= MAX_PER_USER as u64 {
        return Err(AppError::BadRequest(format!(
            "You can keep at most {MAX_PER_USER} favorites."
        )));
    }
    let inserted = entity::Entity::insert(entity::ActiveModel {
        id: Set(Uuid::now_v7()),
        user_id: Set(user),
        item_type: Set(kind.as_str().to_owned()),
        item_id: Set(id),
        created_at: Set(Utc::now()),
    })
    .on_conflict(
        OnConflict::columns([
            entity::Column::UserId,
            entity::Column::ItemType,
            entity::Column::ItemId,
        ])
        .do_nothing()
        .to_owned(),
    )
    .exec_without_returning(&txn)
    .await?;
    txn.commit().await?;
    Ok(inserted == 1)
}

/// `DELETE /favorites/:type/:id`: 404 when it was not saved.
pub async fn remove<C: ConnectionTrait>(db: &C, user: Uuid, kind: ItemType, id: Uuid) -> AppResult<()> {
    let n = entity::Entity::delete_many()
        .filter(entity::Column::UserId.eq(user))
        .filter(entity::Column::ItemType.eq(kind.as_str()))
        .filter(entity::Column::ItemId.eq(id))
        .exec(db)
        .await?
        .rows_affected;
    if n == 0 {
        return Err(AppError::NotFound("Favorite not found".into()));
    }
    Ok(())
}

/// `GET /favorites/check/:type/:id`.
pub async fn contains<C: ConnectionTrait>(db: &C, user: Uuid, kind: ItemType, id: Uuid) -> AppResult<bool> {
    Ok(entity::Entity::find()
        .filter(entity::Column::UserId.eq(user))
        .filter(entity::Column::ItemType.eq(kind.as_str()))
        .filter(entity::Column::ItemId.eq(id))
        .one(db)
        .await?
        .is_some())
}
