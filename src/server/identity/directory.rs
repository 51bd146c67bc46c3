//! The users list and account administration (`/users`). Never yourself, never the last Owner, and
//! only an Owner acts on another Owner.

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, Set,
};
use serde::Serialize;
use uuid::Uuid;

use super::{
    accounts::{self, Principal},
    invitations,
};
use crate::server::{
    audit,
    entities::{roles, users},
    error::{AppError, AppResult},
    state::AppState,
};
use crate::shared::{
    paging::{PageRequest, Pagination},
    permissions::OWNER_ROLE,
};

/// A row of the users list (snake_case, as the app and the old portal read it).
#[derive(Debug, Clone, Serialize)]
pub struct UserRow {
    pub id: Uuid,
    pub name: String,
    pub email: String,
    pub phone: Option<String>,
    pub role: Option<String>,
    pub role_id: Option<Uuid>,
    pub email_verified: bool,
    pub is_active: bool,
    pub created_at: DateTime<Utc>,
    pub last_login: Option<DateTime<Utc>>,
    /// Has a live socket now (`live::presence`).
    #[serde(rename = "isOnline")]
    pub is_online: bool,
    /// When the last of their sockets closed.
    #[serde(rename = "lastSeen")]
    pub last_seen: Option<DateTime<Utc>>,
}

/// Who is online among `ids`, with when each was last seen, in the order asked.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PresenceView {
    pub user_id: Uuid,
    pub is_online: bool,
    pub last_seen: Option<DateTime<Utc>>,
}

pub async fn presence(state: &AppState, ids: &[Uuid]) -> AppResult<Vec<PresenceView>> {
    use sea_orm::QuerySelect;
    let online = state.live.presence.online(ids).await;
    let seen: std::collections::HashMap<Uuid, Option<DateTime<Utc>>> = users::Entity::find()
        .filter(users::Column::Id.is_in(ids.to_vec()))
        .select_only()
        .column(users::Column::Id)
        .column(users::Column::LastSeen)
        .into_tuple::<(Uuid, Option<DateTime<Utc>>)>()
        .all(&state.db)
        .await?
        .into_iter()
        .collect();
    Ok(ids
        .iter()
        .zip(online)
        .map(|(id, is_online)| PresenceView {
            user_id: *id,
            is_online,
            last_seen: seen.get(id).copied().flatten(),
        })
        .collect())
}

/// Active staff (accounts whose role opens the portal) and whether each is online, by name. One
/// query: the roles that grant portal access are a subquery, the Owner role (which holds every
/// permission whatever is stored) is matched by name, and only ids and names are read.
pub async fn staff_presence(state: &AppState) -> AppResult<Vec<crate::shared::dashboard::StaffPresence>> {
    use crate::server::entities::{permissions, role_permissions};
    use crate::shared::permissions::Permission;
    use sea_orm::{QuerySelect, QueryTrait};
    let portal_roles = role_permissions::Entity::find()
        .inner_join(permissions::Entity)
        .filter(permissions::Column::Slug.eq(Permission::PortalAccess.slug()))
        .select_only()
        .column(role_permissions::Column::RoleId)
        .into_query();
    let staff: Vec<(Uuid, String, Option<String>)> = users::Entity::find()
        .left_join(roles::Entity)
        .filter(
            Condition::any()
                .add(users::Column::RoleId.in_subquery(portal_roles))
                .add(roles::Column::Name.eq(OWNER_ROLE)),
        )
        .filter(users::Column::IsActive.eq(true))
        .select_only()
        .columns([users::Column::Id, users::Column::Name])
        .column_as(roles::Column::Name, "role_name")
        .order_by_asc(users::Column::Name)
        .limit(200)
        .into_tuple()
        .all(&state.db)
        .await?;
    let ids: Vec<Uuid> = staff.iter().map(|(id, _, _)| *id).collect();
    let online = state.live.presence.online(&ids).await;
    Ok(staff
        .into_iter()
        .zip(online)
        .map(
            |((id, name, role), online)| crate::shared::dashboard::StaffPresence {
                id,
                name,
                role: role.unwrap_or_default(),
                online,
            },
        )
        .collect())
}

/// Fills `is_online` for a page of rows in one read.
async fn with_presence(state: &AppState, mut rows: Vec<UserRow>) -> Vec<UserRow> {
    let ids: Vec<Uuid> = rows.iter().map(|r| r.id).collect();
    for (row, online) in rows.iter_mut().zip(state.live.presence.online(&ids).await) {
        row.is_online = online;
    }
    rows
}

fn row(u: users::Model, r: Option<roles::Model>) -> UserRow {
    UserRow {
        id: u.id,
        name: u.name,
        email: u.email,
        phone: u.phone,
        role: r.map(|r| r.name),
        role_id: u.role_id,
        email_verified: u.email_verified,
        is_active: u.is_active,
        created_at: u.created_at,
        last_login: u.last_login,
        is_online: false,
        last_seen: u.last_seen,
    }
}

#[derive(Debug, Default)]
pub struct UserFilter {
    pub search: Option<String>,
    pub role: Option<String>,
    pub exclude_role: Option<String>,
}

pub async fn list(
    state: &AppState,
    filter: UserFilter,
    page: PageRequest,
) -> AppResult<(Vec<UserRow>, Pagination)> {
    let mut q = users::Entity::find().find_also_related(roles::Entity);
    if let Some(search) = filter.search.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        let pattern = crate::server::search::pattern(search)?;
        q = q.filter(
            Condition::any()
                .add(crate::server::search::contains(
                    (users::Entity, users::Column::Name),
                    &pattern,
                ))
                .add(crate::server::search::contains(
                    (users::Entity, users::Column::Email),
                    &pattern,
                )),
        );
    }
    if let Some(role) = filter.role.as_deref().filter(|r| !r.is_empty()) {
        q = q.filter(roles::Column::Name.eq(role));
    }
    if let Some(role) = filter.exclude_role.as_deref().filter(|r| !r.is_empty()) {
        q = q.filter(
            Condition::any()
                .add(roles::Column::Name.ne(role))
                .add(users::Column::RoleId.is_null()),
        );
    }
    let paginator = q
        .order_by_desc(users::Column::CreatedAt)
        .order_by_asc(users::Column::Id)
        .paginate(&state.db, page.limit);
    let total = paginator.num_items().await?;
    let rows = paginator.fetch_page(page.page - 1).await?;
    let rows = rows.into_iter().map(|(u, r)| row(u, r)).collect();
    Ok((with_presence(state, rows).await, page.of(total)))
}

async fn find_with_role<C: ConnectionTrait>(
    db: &C,
    id: Uuid,
) -> AppResult<(users::Model, Option<roles::Model>)> {
    users::Entity::find_by_id(id)
        .find_also_related(roles::Entity)
        .one(db)
        .await?
        .ok_or_else(|| AppError::not_found("User"))
}

pub async fn get(state: &AppState, id: Uuid) -> AppResult<UserRow> {
    let (u, r) = find_with_role(&state.db, id).await?;
    Ok(with_presence(state, vec![row(u, r)]).await.remove(0))
}

fn is_owner(role: &Option<roles::Model>) -> bool {
    role.as_ref().is_some_and(|r| r.name == OWNER_ROLE)
}

/// `PUT /users/:id`: role and/or active flag. Deactivation ends the user's sign-ins.
pub async fn update(
    state: &AppState,
    actor: &Principal,
    id: Uuid,
    role_id: Option<Uuid>,
    is_active: Option<bool>,
) -> AppResult<UserRow> {
    let txn = crate::server::db::write_txn(&state.db).await?;
    let (mut user, role) = find_with_role(&txn, id).await?;
    crate::server::rbac::roles::ensure_outranks(&txn, actor, role.as_ref()).await?;
    let before = (user.role_id, user.is_active);
    if let Some(role_id) = role_id {
        let target = roles::Entity::find_by_id(role_id)
            .one(&txn)
            .await?
            .ok_or_else(|| AppError::not_found("Role"))?;
        crate::server::rbac::roles::ensure_grantable(&txn, actor, &target).await?;
        user = invitations::change_role(&txn, actor, user, &target).await?;
    }
    if let Some(active_flag) = is_active {
        if active_flag != user.is_active {
            if !active_flag {
                if id == actor.user.id {
                    return Err(AppError::BadRequest(
                        "You cannot deactivate your own account.".into(),
                    ));
                }
                if is_owner(&role) {
                    accounts::guard_owner_change(
                        &txn,
                        actor,
                        &user,
                        role.as_ref(),
                        "The last Owner cannot be deactivated.",
                    )
                    .await?;
                }
                accounts::end_all_sign_ins(&txn, id, None).await?;
            }
            let mut active: users::ActiveModel = user.into();
            active.is_active = Set(active_flag);
            active.updated_at = Set(Utc::now());
            user = active.update(&txn).await?;
            let action = if active_flag {
                "user.activated"
            } else {
                "user.deactivated"
            };
            audit::record(
                &txn,
                audit::Entry::new(action)
                    .actor(actor.user.id)
                    .target("user", id.to_string()),
            )
            .await?;
        }
    }
    txn.commit().await?;
    if (user.role_id, user.is_active) != before {
        // Live sockets were authorised for the old role, or the account is off: they go.
        signed_out(state, id);
    }
    get(state, id).await
}

/// `DELETE /users/:id`: never yourself, never the last Owner.
pub async fn delete(state: &AppState, actor: &Principal, id: Uuid) -> AppResult<()> {
    if id == actor.user.id {
        return Err(AppError::BadRequest("You cannot delete your own account.".into()));
    }
    let txn = crate::server::db::write_txn(&state.db).await?;
    let (user, role) = find_with_role(&txn, id).await?;
    crate::server::rbac::roles::ensure_outranks(&txn, actor, role.as_ref()).await?;
    if is_owner(&role) {
        accounts::guard_owner_change(
            &txn,
            actor,
            &user,
            role.as_ref(),
            "The last Owner cannot be deleted.",
        )
        .await?;
    }
    audit::record(
        &txn,
        audit::Entry::new("user.deleted")
            .actor(actor.user.id)
            .target("user", id.to_string())
            .details(serde_json::json!({ "email": user.email, "role": role.map(|r| r.name) })),
    )
    .await?;
    // The account's reviews go with it (cascade): their experts' figures follow.
    let reviewed = crate::server::community::reviews::experts_reviewed(&txn, None, Some(id)).await?;
    users::Entity::delete_by_id(id).exec(&txn).await?;
    for expert in reviewed {
        crate::server::community::reviews::refresh_expert(&txn, expert).await?;
    }
    txn.commit().await?;
    signed_out(state, id);
    Ok(())
}

/// After a change to who the account is (role, active, deleted, password): its live sockets end.
pub fn signed_out(state: &AppState, user_id: Uuid) {
    state
        .live
        .publish(crate::server::live::Event::AccountSignedOut { user_id });
}
