//! Role administration. System roles keep their names and cannot be deleted; the Owner role always
//! has every permission; a role still held by users is deleted only by moving them to another.

use std::collections::{BTreeMap, BTreeSet};

use chrono::Utc;
use sea_orm::{
    sea_query::{Expr, Func},
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    Set, TransactionTrait,
};
use serde::Serialize;
use uuid::Uuid;

use crate::server::{
    audit,
    entities::{permissions, role_permissions, roles, users},
    error::{AppError, AppResult},
    identity::accounts::Principal,
    state::AppState,
};
use crate::shared::{
    errors::FieldError,
    permissions::{Permission, OWNER_ROLE},
};

#[derive(Debug, Clone, Serialize)]
pub struct RoleView {
    pub id: Uuid,
    pub name: String,
    pub description: Option<String>,
    pub is_system: bool,
    pub permissions: Vec<String>,
    pub user_count: u64,
}

async fn grants<C: ConnectionTrait>(db: &C) -> AppResult<BTreeMap<Uuid, BTreeSet<Permission>>> {
    let mut map: BTreeMap<Uuid, BTreeSet<Permission>> = BTreeMap::new();
    for (rp, p) in role_permissions::Entity::find()
        .find_also_related(permissions::Entity)
        .all(db)
        .await?
    {
        if let Some(p) = p.and_then(|p| Permission::from_slug(&p.slug)) {
            map.entry(rp.role_id).or_default().insert(p);
        }
    }
    Ok(map)
}

async fn view<C: ConnectionTrait>(
    db: &C,
    role: roles::Model,
    granted: Option<&BTreeSet<Permission>>,
) -> AppResult<RoleView> {
    let perms: Vec<String> = if role.name == OWNER_ROLE {
        Permission::ALL.iter().map(|p| p.slug().to_owned()).collect()
    } else {
        granted
            .map(|g| g.iter().map(|p| p.slug().to_owned()).collect())
            .unwrap_or_default()
    };
    let user_count = users::Entity::find()
        .filter(users::Column::RoleId.eq(role.id))
        .count(db)
        .await?;
    Ok(RoleView {
        id: role.id,
        name: role.name,
        description: role.description,
        is_system: role.is_system,
        permissions: perms,
        user_count,
    })
}

pub async fn list(state: &AppState) -> AppResult<Vec<RoleView>> {
    let all = roles::Entity::find()
        .order_by_asc(roles::Column::Name)
        .all(&state.db)
        .await?;
    let granted = grants(&state.db).await?;
    let mut out = Vec::with_capacity(all.len());
    for role in all {
        let g = granted.get(&role.id);
        out.push(view(&state.db, role, g).await?);
    }
    Ok(out)
}

pub async fn get(state: &AppState, id: Uuid) -> AppResult<RoleView> {
    let role = find(&state.db, id).await?;
    let granted = grants(&state.db).await?;
    let g = granted.get(&role.id);
    view(&state.db, role, g).await
}

async fn find<C: ConnectionTrait>(db: &C, id: Uuid) -> AppResult<roles::Model> {
    roles::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or_else(|| AppError::not_found("Role"))
}

/// Slugs to permissions; every unknown slug gets its own field error.
pub fn parse_permissions(field: &str, slugs: &[String]) -> Result<BTreeSet<Permission>, Vec<FieldError>> {
    let mut errors = Vec::new();
    let set = slugs
        .iter()
        .enumerate()
        .filter_map(|(i, s)| {
            Permission::from_slug(s.trim()).or_else(|| {
                errors.push(FieldError::new(
                    format!("{field}[{i}]"),
                    format!("Unknown permission {s:?}"),
                ));
                None
            })
        })
        .collect();
    if errors.is_empty() {
        Ok(set)
    } else {
        Err(errors)
    }
}

fn parse_name(raw: &str) -> Result<String, FieldError> {
    let name = raw.trim();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(FieldError::new("name", "Name must be 1 to 100 characters"));
    }
    Ok(name.to_owned())
}

async fn ensure_unique_name<C: ConnectionTrait>(db: &C, name: &str, except: Option<Uuid>) -> AppResult<()> {
    let mut q = roles::Entity::find().filter(sea_orm::sea_query::ExprTrait::eq(
        Expr::expr(Func::lower(Expr::col(roles::Column::Name))),
        name.to_lowercase(),
    ));
    if let Some(id) = except {
        q = q.filter(roles::Column::Id.ne(id));
    }
    if q.count(db).await? > 0 {
        return Err(AppError::Conflict(format!(
            "A role named {name:?} already exists."
        )));
    }
    Ok(())
}

/// Replaces a role's grants in one transaction.
async fn replace_grants<C: ConnectionTrait>(
    db: &C,
    role_id: Uuid,
    wanted: &BTreeSet<Permission>,
) -> AppResult<()> {
    role_permissions::Entity::delete_many()
        .filter(role_permissions::Column::RoleId.eq(role_id))
        .exec(db)
        .await?;
    let slugs: Vec<&str> = wanted.iter().map(|p| p.slug()).collect();
    let ids: Vec<Uuid> = permissions::Entity::find()
        .filter(permissions::Column::Slug.is_in(slugs))
        .all(db)
        .await?
        .into_iter()
        .map(|p| p.id)
        .collect();
    super::catalogue::grant(db, role_id, ids).await?;
    Ok(())
}

pub async fn create(
    state: &AppState,
    actor: &Principal,
    name: &str,
    description: Option<String>,
    slugs: &[String],
) -> AppResult<RoleView> {
    let name = parse_name(name);
    let perms = parse_permissions("permissions", slugs);
    let (name, perms) = match (name, perms) {
        (Ok(n), Ok(p)) => (n, p),
        (n, p) => {
            return Err(AppError::Validation(
                n.err().into_iter().chain(p.err().into_iter().flatten()).collect(),
            ))
        }
    };
    let txn = state.db.begin().await?;
    ensure_unique_name(&txn, &name, None).await?;
    let now = Utc::now();
    let role = roles::ActiveModel {
        id: Set(Uuid::now_v7()),
        name: Set(name.clone()),
        description: Set(description.map(|d| d.trim().to_owned()).filter(|d| !d.is_empty())),
        is_system: Set(false),
        permissions_version: Set(0),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(&txn)
    .await
    .map_err(|e| AppError::unique_violation_as(e, format!("A role named {name:?} already exists.")))?;
    replace_grants(&txn, role.id, &perms).await?;
    audit::record(&txn, audit::Entry::new("role.created").actor(actor.user.id).target("role", role.id.to_string())
        .details(serde_json::json!({ "name": role.name, "permissions": perms.iter().map(|p| p.slug()).collect::<Vec<_>>() }))).await?;
    txn.commit().await?;
    get(state, role.id).await
}

pub async fn update(
    state: &AppState,
    actor: &Principal,
    id: Uuid,
    name: Option<&str>,
    description: Option<String>,
) -> AppResult<RoleView> {
    let txn = state.db.begin().await?;
    let role = find(&txn, id).await?;
    let mut active: roles::ActiveModel = role.clone().into();
    if let Some(raw) = name {
        let name = parse_name(raw)?;
        if name != role.name {
            if role.is_system {
                return Err(AppError::BadRequest("System roles cannot be renamed.".into()));
            }
            ensure_unique_name(&txn, &name, Some(id)).await?;
            active.name = Set(name);
        }
    }
    if let Some(d) = description {
        active.description = Set(Some(d.trim().to_owned()).filter(|d| !d.is_empty()));
    }
    active.updated_at = Set(Utc::now());
    let updated = active.update(&txn).await?;
    audit::record(
        &txn,
        audit::Entry::new("role.updated")
            .actor(actor.user.id)
            .target("role", id.to_string())
            .details(serde_json::json!({ "from": role.name, "to": updated.name })),
    )
    .await?;
    txn.commit().await?;
    get(state, id).await
}

pub async fn set_permissions(
    state: &AppState,
    actor: &Principal,
    id: Uuid,
    slugs: &[String],
) -> AppResult<RoleView> {
    let perms = parse_permissions("permissions", slugs).map_err(AppError::Validation)?;
    let txn = state.db.begin().await?;
    let role = find(&txn, id).await?;
    if role.name == OWNER_ROLE {
        return Err(AppError::BadRequest(
            "The Owner role always has every permission.".into(),
        ));
    }
    replace_grants(&txn, id, &perms).await?;
    audit::record(&txn, audit::Entry::new("role.permissions_changed").actor(actor.user.id).target("role", id.to_string())
        .details(serde_json::json!({ "role": role.name, "permissions": perms.iter().map(|p| p.slug()).collect::<Vec<_>>() }))).await?;
    txn.commit().await?;
    get(state, id).await
}

/// Deletes a custom role. Users still holding it are moved to `reassign_to` first, or the delete is
/// refused with 409.
pub async fn delete(
    state: &AppState,
    actor: &Principal,
    id: Uuid,
    reassign_to: Option<Uuid>,
) -> AppResult<()> {
    let txn = state.db.begin().await?;
    let role = find(&txn, id).await?;
    if role.is_system {
        return Err(AppError::BadRequest("System roles cannot be deleted.".into()));
    }
    let holders = users::Entity::find()
        .filter(users::Column::RoleId.eq(id))
        .count(&txn)
        .await?;
    if holders > 0 {
        let Some(target) = reassign_to else {
            return Err(AppError::Conflict(format!(
                "{holders} user(s) still have this role. Pass reassignTo to move them to another role."
            )));
        };
        let target = find(&txn, target).await?;
        if target.id == id {
            return Err(AppError::field("reassignTo", "Choose a different role"));
        }
        if target.name == OWNER_ROLE && actor.role_name() != OWNER_ROLE {
            return Err(AppError::Forbidden {
                message: "Only an Owner can grant the Owner role.".into(),
                code: None,
            });
        }
        users::Entity::update_many()
            .col_expr(users::Column::RoleId, Expr::value(target.id))
            .filter(users::Column::RoleId.eq(id))
            .exec(&txn)
            .await?;
    }
    roles::Entity::delete_by_id(id).exec(&txn).await?;
    audit::record(
        &txn,
        audit::Entry::new("role.deleted")
            .actor(actor.user.id)
            .target("role", id.to_string())
            .details(serde_json::json!({ "name": role.name, "reassigned": holders, "to": reassign_to })),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}
