//! The users list and account administration (`/users`). Never yourself, never the last Owner, and
//! only an Owner acts on another Owner.

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, Set, TransactionTrait,
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
    Ok((rows.into_iter().map(|(u, r)| row(u, r)).collect(), page.of(total)))
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
    Ok(row(u, r))
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
    let txn = state.db.begin().await?;
    let (mut user, role) = find_with_role(&txn, id).await?;
    crate::server::rbac::roles::ensure_outranks(&txn, actor, role.as_ref()).await?;
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
    let _ = user;
    get(state, id).await
}

/// `DELETE /users/:id`: never yourself, never the last Owner.
pub async fn delete(state: &AppState, actor: &Principal, id: Uuid) -> AppResult<()> {
    if id == actor.user.id {
        return Err(AppError::BadRequest("You cannot delete your own account.".into()));
    }
    let txn = state.db.begin().await?;
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
    users::Entity::delete_by_id(id).exec(&txn).await?;
    txn.commit().await?;
    Ok(())
}
