//! Role administration. System roles keep their names and cannot be deleted; the Owner role always
//! has every permission; a role still held by users is deleted only by moving them to another.

use std::collections::{BTreeMap, BTreeSet};

use chrono::Utc;
use sea_orm::{
    sea_query::Expr, ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder, Set,
};
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
    roles::{parse_role_name as parse_name, RoleGrants},
};

pub use crate::shared::roles::RoleView;

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

/// What a role name looks like to a person: NFKC, case folded, then each character mapped to its
/// confusable prototype (UTS #39 skeleton), so `Owner` and `Оwner` (Cyrillic О) compare equal.
pub fn name_skeleton(name: &str) -> String {
    use unicode_normalization::UnicodeNormalization;
    let folded: String = name.nfkc().collect::<String>().to_lowercase();
    unicode_security::skeleton(&folded)
        .collect::<String>()
        .to_lowercase()
}

/// A new or renamed role's name, normalised (NFKC). Refused: letters from several scripts (the
/// usual disguise), and any name that looks like an existing role's (409).
async fn checked_name<C: ConnectionTrait>(db: &C, raw: &str, except: Option<Uuid>) -> AppResult<String> {
    use unicode_normalization::UnicodeNormalization;
    use unicode_security::MixedScript;
    let name: String = parse_name(raw)?.nfkc().collect();
    if !name.as_str().is_single_script() {
        return Err(AppError::field(
            "name",
            "Use letters from one alphabet (this name mixes scripts, as look-alike names do)",
        ));
    }
    let wanted = name_skeleton(&name);
    let mut q = roles::Entity::find();
    if let Some(id) = except {
        q = q.filter(roles::Column::Id.ne(id));
    }
    if let Some(existing) = q
        .all(db)
        .await?
        .into_iter()
        .find(|r| name_skeleton(&r.name) == wanted)
    {
        return Err(AppError::Conflict(format!(
            "A role named {:?} already exists, and {name:?} looks the same.",
            existing.name
        )));
    }
    Ok(name)
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
    let name = parse_name(name).map_err(|e| vec![e]);
    let perms = parse_permissions("permissions", slugs);
    let (name, perms) = match (name, perms) {
        (Ok(n), Ok(p)) => (n, p),
        (n, p) => {
            return Err(AppError::Validation(
                n.err()
                    .into_iter()
                    .flatten()
                    .chain(p.err().into_iter().flatten())
                    .collect(),
            ))
        }
    };
    ensure_within(
        actor,
        perms.iter(),
        "You cannot grant permissions you do not have",
    )?;
    let txn = crate::server::db::write_txn(&state.db).await?;
    let name = checked_name(&txn, &name, None).await?;
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
    let txn = crate::server::db::write_txn(&state.db).await?;
    let role = find(&txn, id).await?;
    ensure_role_within(&txn, actor, &role).await?;
    let mut active: roles::ActiveModel = role.clone().into();
    if let Some(raw) = name {
        let name = parse_name(raw)?;
        if name != role.name {
            if role.is_system {
                return Err(AppError::BadRequest("System roles cannot be renamed.".into()));
            }
            active.name = Set(checked_name(&txn, &name, Some(id)).await?);
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
    let txn = crate::server::db::write_txn(&state.db).await?;
    change_grants(&txn, actor, id, &perms).await?;
    txn.commit().await?;
    sign_out_holders(state, &[id]).await?;
    get(state, id).await
}

/// The live sockets of everyone holding these roles end: they were authorised by the old grants
/// (each reconnects under the new ones).
async fn sign_out_holders(state: &AppState, role_ids: &[Uuid]) -> AppResult<()> {
    use sea_orm::QuerySelect;
    let holders: Vec<Uuid> = users::Entity::find()
        .filter(users::Column::RoleId.is_in(role_ids.to_vec()))
        .select_only()
        .column(users::Column::Id)
        .into_tuple()
        .all(&state.db)
        .await?;
    for user_id in holders {
        crate::server::identity::directory::signed_out(state, user_id);
    }
    Ok(())
}

/// Replaces the grants of several roles in one transaction: every role changes, or none does.
pub async fn set_matrix(
    state: &AppState,
    actor: &Principal,
    matrix: &[RoleGrants],
) -> AppResult<Vec<RoleView>> {
    let mut errors = Vec::new();
    let mut parsed = Vec::with_capacity(matrix.len());
    for (i, row) in matrix.iter().enumerate() {
        if matrix[..i].iter().any(|r| r.role_id == row.role_id) {
            errors.push(FieldError::new(
                format!("roles[{i}].roleId"),
                "Each role may appear once",
            ));
        }
        match parse_permissions(&format!("roles[{i}].permissions"), &row.permissions) {
            Ok(set) => parsed.push((row.role_id, set)),
            Err(e) => errors.extend(e),
        }
    }
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    let txn = crate::server::db::write_txn(&state.db).await?;
    for (id, perms) in &parsed {
        change_grants(&txn, actor, *id, perms).await?;
    }
    txn.commit().await?;
    let ids: Vec<Uuid> = parsed.iter().map(|(id, _)| *id).collect();
    sign_out_holders(state, &ids).await?;
    list(state).await
}

/// Refuses to let `actor` hand out more than they hold: only an Owner makes an Owner, and anyone
/// else may give a role only when all its permissions are theirs (so `users.manage` alone cannot
/// make its holder, or a friend, an Admin).
pub async fn ensure_grantable<C: ConnectionTrait>(
    db: &C,
    actor: &Principal,
    role: &roles::Model,
) -> AppResult<()> {
    if actor.role_name() == OWNER_ROLE {
        return Ok(());
    }
    if role.name == OWNER_ROLE {
        return Err(AppError::Forbidden {
            message: "Only an Owner can grant the Owner role.".into(),
            code: None,
        });
    }
    let held = grants(db).await?.remove(&role.id).unwrap_or_default();
    ensure_within(
        actor,
        held.iter(),
        "This role has permissions you do not have, so you cannot give it.",
    )
}

/// Refuses to let `actor` act on an account (change its role, deactivate or delete it) whose role
/// grants anything `actor` does not hold: a Manager cannot demote an Admin. Owners may act on
/// anyone (the Owner-only and last-Owner rules are `accounts::guard_owner_change`).
pub async fn ensure_outranks<C: ConnectionTrait>(
    db: &C,
    actor: &Principal,
    target_role: Option<&roles::Model>,
) -> AppResult<()> {
    let Some(role) = target_role else {
        return Ok(());
    };
    if actor.role_name() == OWNER_ROLE {
        return Ok(());
    }
    if role.name == OWNER_ROLE {
        return Err(AppError::Forbidden {
            message: "Only an Owner can change another Owner's account.".into(),
            code: None,
        });
    }
    let held = grants(db).await?.remove(&role.id).unwrap_or_default();
    ensure_within(
        actor,
        held.iter().filter(|p| p.confers_authority()),
        "This account's role has permissions you do not have, so you cannot change it",
    )
}

/// Refuses to let `actor` edit or delete a role that grants anything `actor` does not hold (editing
/// it acts on everyone who holds it).
async fn ensure_role_within<C: ConnectionTrait>(
    db: &C,
    actor: &Principal,
    role: &roles::Model,
) -> AppResult<()> {
    let held = grants(db).await?.remove(&role.id).unwrap_or_default();
    ensure_within(
        actor,
        held.iter().filter(|p| p.confers_authority()),
        "This role has permissions you do not have, so you cannot change it",
    )
}

/// Forbidden unless `actor` holds every one of `wanted`.
fn ensure_within<'a>(
    actor: &Principal,
    wanted: impl IntoIterator<Item = &'a Permission>,
    message: &str,
) -> AppResult<()> {
    let missing: Vec<&str> = wanted
        .into_iter()
        .filter(|p| !actor.permissions.contains(p))
        .map(|p| p.slug())
        .collect();
    if missing.is_empty() || actor.role_name() == OWNER_ROLE {
        Ok(())
    } else {
        Err(AppError::Forbidden {
            message: format!("{message} ({})", missing.join(", ")),
            code: None,
        })
    }
}

/// One role's new grants, inside the caller's transaction, with its audit entry. Only permissions
/// the actor holds may be added.
async fn change_grants<C: ConnectionTrait>(
    txn: &C,
    actor: &Principal,
    id: Uuid,
    perms: &BTreeSet<Permission>,
) -> AppResult<()> {
    let role = find(txn, id).await?;
    if role.name == OWNER_ROLE {
        return Err(AppError::BadRequest(
            "The Owner role always has every permission.".into(),
        ));
    }
    let before = grants(txn).await?.remove(&id).unwrap_or_default();
    ensure_within(
        actor,
        before.iter().filter(|p| p.confers_authority()),
        "This role has permissions you do not have, so you cannot change it",
    )?;
    ensure_within(
        actor,
        perms.difference(&before),
        "You cannot grant permissions you do not have",
    )?;
    replace_grants(txn, id, perms).await?;
    audit::record(txn, audit::Entry::new("role.permissions_changed").actor(actor.user.id).target("role", id.to_string())
        .details(serde_json::json!({ "role": role.name, "permissions": perms.iter().map(|p| p.slug()).collect::<Vec<_>>() }))).await
}

/// Deletes a custom role. Users still holding it are moved to `reassign_to` first, or the delete is
/// refused with 409.
pub async fn delete(
    state: &AppState,
    actor: &Principal,
    id: Uuid,
    reassign_to: Option<Uuid>,
) -> AppResult<()> {
    let txn = crate::server::db::write_txn(&state.db).await?;
    let role = find(&txn, id).await?;
    if role.is_system {
        return Err(AppError::BadRequest("System roles cannot be deleted.".into()));
    }
    ensure_role_within(&txn, actor, &role).await?;
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
        ensure_grantable(&txn, actor, &target).await?;
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
    if let (true, Some(to)) = (holders > 0, reassign_to) {
        sign_out_holders(state, &[to]).await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::name_skeleton;

    #[test]
    fn look_alike_names_share_a_skeleton() {
        assert_eq!(name_skeleton("Owner"), name_skeleton("owner"));
        assert_eq!(name_skeleton("Owner"), name_skeleton("\u{41e}wner"));
        assert_eq!(name_skeleton("Admin"), name_skeleton("\u{ff21}dmin"));
        assert_ne!(name_skeleton("Owner"), name_skeleton("Manager"));
    }
}
