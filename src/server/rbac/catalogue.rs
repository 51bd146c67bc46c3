//! Seeds the permission catalogue and the default roles from `shared::permissions`.
//!
//! Idempotent and safe when several instances start at once: inserts ignore rows that already exist,
//! descriptions follow the code, and a default role gets its starting grants only when it is created,
//! so an owner's later edits are never overwritten. Owner always holds every permission.

use std::collections::HashMap;

use chrono::Utc;
use sea_orm::{
    sea_query::OnConflict, ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr,
    EntityTrait, QueryFilter, Set,
};
use uuid::Uuid;

use crate::server::entities::{permissions, role_permissions, roles};
use crate::shared::permissions::{Permission, DEFAULT_ROLES, OWNER_ROLE};

pub async fn sync(db: &DatabaseConnection) -> Result<(), DbErr> {
    let txn = crate::server::db::write_txn(db).await?;
    let now = Utc::now();

    let new_permissions: Vec<permissions::ActiveModel> = Permission::ALL
        .iter()
        .map(|p| permissions::ActiveModel {
            id: Set(Uuid::now_v7()),
            slug: Set(p.slug().to_owned()),
            area: Set(p.area().to_owned()),
            description: Set(p.description().to_owned()),
            created_at: Set(now),
            updated_at: Set(now),
        })
        .collect();
    permissions::Entity::insert_many(new_permissions)
        .on_conflict(
            OnConflict::column(permissions::Column::Slug)
                .do_nothing()
                .to_owned(),
        )
        .exec_without_returning(&txn)
        .await?;

    let mut permission_ids = HashMap::new();
    for row in permissions::Entity::find().all(&txn).await? {
        if let Some(p) = Permission::from_slug(&row.slug) {
            if row.description != p.description() || row.area != p.area() {
                let mut active: permissions::ActiveModel = row.clone().into();
                active.description = Set(p.description().to_owned());
                active.area = Set(p.area().to_owned());
                active.updated_at = Set(now);
                active.update(&txn).await?;
            }
            permission_ids.insert(p, row.id);
        }
    }

    for default in DEFAULT_ROLES {
        let inserted = roles::Entity::insert(roles::ActiveModel {
            id: Set(Uuid::now_v7()),
            name: Set(default.name.to_owned()),
            description: Set(None),
            is_system: Set(default.is_system),
            permissions_version: Set(0),
            created_at: Set(now),
            updated_at: Set(now),
        })
        .on_conflict(OnConflict::column(roles::Column::Name).do_nothing().to_owned())
        .exec_without_returning(&txn)
        .await?;

        let is_owner = default.name == OWNER_ROLE;
        if inserted == 0 && !is_owner {
            continue;
        }
        let role = roles::Entity::find()
            .filter(roles::Column::Name.eq(default.name))
            .one(&txn)
            .await?
            .ok_or_else(|| DbErr::RecordNotFound(format!("role {}", default.name)))?;
        let grants: &[Permission] = if is_owner { Permission::ALL } else { default.grants };
        grant(
            &txn,
            role.id,
            grants.iter().filter_map(|p| permission_ids.get(p).copied()),
        )
        .await?;
    }

    txn.commit().await
}

/// Adds grants, ignoring those the role already has. Every change of a role's grants passes here,
/// and bumps the role's `permissions_version` so cached permission sets are dropped everywhere.
pub async fn grant<C: ConnectionTrait>(
    db: &C,
    role_id: Uuid,
    permission_ids: impl IntoIterator<Item = Uuid>,
) -> Result<(), DbErr> {
    roles::Entity::update_many()
        .col_expr(
            roles::Column::PermissionsVersion,
            // Called by path: importing ExprTrait would shadow `min`/`max`.
            sea_orm::sea_query::ExprTrait::add(
                sea_orm::sea_query::Expr::col(roles::Column::PermissionsVersion),
                1,
            ),
        )
        .filter(roles::Column::Id.eq(role_id))
        .exec(db)
        .await?;
    let rows: Vec<role_permissions::ActiveModel> = permission_ids
        .into_iter()
        .map(|permission_id| role_permissions::ActiveModel {
            role_id: Set(role_id),
            permission_id: Set(permission_id),
        })
        .collect();
    if rows.is_empty() {
        return Ok(());
    }
    role_permissions::Entity::insert_many(rows)
        .on_conflict(
            OnConflict::columns([
                role_permissions::Column::RoleId,
                role_permissions::Column::PermissionId,
            ])
            .do_nothing()
            .to_owned(),
        )
        .exec_without_returning(db)
        .await?;
    Ok(())
}

/// The stored permissions in catalogue order (as declared in code, which groups areas together).
pub async fn list<C: ConnectionTrait>(db: &C) -> Result<Vec<permissions::Model>, DbErr> {
    let mut rows = permissions::Entity::find().all(db).await?;
    rows.sort_by_key(|r| Permission::from_slug(&r.slug).map_or(usize::MAX, |p| p as usize));
    Ok(rows)
}

/// Slugs for permission ids (the old portal sent ids). `None` when any id does not exist.
pub async fn slugs_for_ids<C: ConnectionTrait>(db: &C, ids: &[Uuid]) -> Result<Option<Vec<String>>, DbErr> {
    let rows = permissions::Entity::find()
        .filter(permissions::Column::Id.is_in(ids.to_vec()))
        .all(db)
        .await?;
    Ok((rows.len() == ids.len()).then(|| rows.into_iter().map(|r| r.slug).collect()))
}
