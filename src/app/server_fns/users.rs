//! Users and customers for the portal: the searchable, paged list, one account with its booking
//! history, role changes, deactivation, deletion and staff invitations, through
//! `server::identity::{directory, invitations}` (the rules `/api/v1/users` keeps: never yourself,
//! never the last Owner, only an Owner acts on or makes an Owner).

use leptos::prelude::*;
use leptos::server_fn::codec::Json;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::shared::{appointments::AppointmentPage, errors::PortalError, paging::Pagination};

/// The users list's filters as typed in the page's query string.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct UserQuery {
    /// Name or email (contains).
    pub search: Option<String>,
    /// A role's name.
    pub role: Option<String>,
    pub page: Option<String>,
    /// Rows per page; the page leaves it to the default (20).
    pub limit: Option<String>,
}

/// One account as the list and the detail page show it. Times are the business's wall clock.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserSummary {
    pub id: Uuid,
    pub name: String,
    pub email: String,
    pub phone: Option<String>,
    pub role: Option<String>,
    pub role_id: Option<Uuid>,
    pub email_verified: bool,
    pub is_active: bool,
    /// `YYYY-MM-DD`.
    pub joined: String,
    /// `YYYY-MM-DD HH:MM`.
    pub last_login: Option<String>,
    /// Online when the page was made (the live feed keeps it current).
    pub online: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserPage {
    pub users: Vec<UserSummary>,
    pub pagination: Pagination,
}

/// The detail page's account: the list's fields and the rest of the profile.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountView {
    pub user: UserSummary,
    pub address: Option<String>,
    pub gender: Option<String>,
    pub profile_image_url: Option<String>,
    /// `YYYY-MM-DD HH:MM`.
    pub last_seen: Option<String>,
    /// The viewer's own account (which they may not deactivate or delete).
    pub is_self: bool,
}

/// A role to filter by or to give.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoleChoice {
    pub id: Uuid,
    pub name: String,
    /// Grants `portal.access`: offered when inviting staff.
    pub staff: bool,
}

/// What an invitation did: a new account was created and emailed (`invited`), or an existing
/// account got the role.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Invited {
    pub user_id: Uuid,
    pub email: String,
    pub role: String,
    pub invited: bool,
}

#[cfg(feature = "ssr")]
use super::local;

#[cfg(feature = "ssr")]
fn summary(row: crate::server::identity::directory::UserRow, tz: chrono_tz::Tz) -> UserSummary {
    UserSummary {
        id: row.id,
        name: row.name,
        email: row.email,
        phone: row.phone,
        role: row.role,
        role_id: row.role_id,
        email_verified: row.email_verified,
        is_active: row.is_active,
        joined: local(row.created_at, tz, "%Y-%m-%d"),
        last_login: row.last_login.map(|t| local(t, tz, "%Y-%m-%d %H:%M")),
        online: row.is_online,
    }
}

/// The business's time zone, for the dates the pages show.
#[cfg(feature = "ssr")]
async fn business_tz(state: &crate::server::state::AppState) -> Result<chrono_tz::Tz, PortalError> {
    use crate::server::{booking, portal};
    Ok(booking::rules(state).await.map_err(portal::portal_error)?.tz())
}

#[server(prefix = "/api/fn", endpoint = "list_users", input = Json)]
pub async fn list_users(query: UserQuery) -> Result<UserPage, PortalError> {
    use crate::server::{error::AppError, identity::directory, portal};
    use crate::shared::{paging::PageRequest, permissions::Permission};
    let (state, _) = portal::authorize(Permission::UsersView).await?;
    let text = |v: &Option<String>| {
        v.as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
    };
    let page = PageRequest::parse(query.page.as_deref(), query.limit.as_deref(), 20)
        .map_err(|e| portal::portal_error(AppError::Validation(e)))?;
    let filter = directory::UserFilter {
        search: text(&query.search),
        role: text(&query.role),
        exclude_role: None,
    };
    let (rows, pagination) = directory::list(&state, filter, page)
        .await
        .map_err(portal::portal_error)?;
    let tz = business_tz(&state).await?;
    Ok(UserPage {
        users: rows.into_iter().map(|r| summary(r, tz)).collect(),
        pagination,
    })
}

/// Every role, by name: the list's filter and the role pickers. Only `users.view` is needed (a
/// receptionist filters by role without seeing the permission matrix).
#[server(prefix = "/api/fn", endpoint = "user_roles")]
pub async fn user_roles() -> Result<Vec<RoleChoice>, PortalError> {
    use crate::server::{portal, rbac::roles};
    use crate::shared::permissions::{Permission, OWNER_ROLE};
    let (state, _) = portal::authorize(Permission::UsersView).await?;
    let all = roles::list(&state).await.map_err(portal::portal_error)?;
    Ok(all
        .into_iter()
        .map(|r| RoleChoice {
            staff: r.name == OWNER_ROLE || r.permissions.iter().any(|p| p == Permission::PortalAccess.slug()),
            id: r.id,
            name: r.name,
        })
        .collect())
}

#[server(prefix = "/api/fn", endpoint = "user_detail")]
pub async fn user_detail(id: Uuid) -> Result<AccountView, PortalError> {
    use crate::server::{entities::users, error::AppError, identity::directory, portal};
    use crate::shared::permissions::Permission;
    use sea_orm::EntityTrait;
    let (state, viewer) = portal::authorize(Permission::UsersView).await?;
    let row = directory::get(&state, id).await.map_err(portal::portal_error)?;
    let profile = users::Entity::find_by_id(id)
        .one(&state.db)
        .await
        .map_err(|e| portal::portal_error(AppError::from(e)))?
        .ok_or_else(|| portal::portal_error(AppError::not_found("User")))?;
    let tz = business_tz(&state).await?;
    Ok(AccountView {
        user: summary(row, tz),
        address: profile.address,
        gender: profile.gender,
        profile_image_url: profile.profile_image_url,
        last_seen: profile.last_seen.map(|t| local(t, tz, "%Y-%m-%d %H:%M")),
        is_self: viewer.user.id == id,
    })
}

/// A customer's appointments (those booked by or for their account), newest first. Needs
/// `users.view` and a permission that sees every appointment.
#[server(prefix = "/api/fn", endpoint = "user_appointments", input = Json)]
pub async fn user_appointments(id: Uuid, page: Option<String>) -> Result<AppointmentPage, PortalError> {
    use crate::server::{
        booking::{self, appointments},
        error::AppError,
        identity::directory,
        portal,
    };
    use crate::shared::{paging::PageRequest, permissions::Permission};
    let (state, viewer) = portal::authorize(Permission::UsersView).await?;
    viewer
        .require_any(&[Permission::AppointmentsView, Permission::AppointmentsManageAll])
        .map_err(portal::portal_error)?;
    let page = PageRequest::parse(page.as_deref(), None, 10)
        .map_err(|e| portal::portal_error(AppError::Validation(e)))?;
    // An unknown account is a 404, not an empty history.
    directory::get(&state, id).await.map_err(portal::portal_error)?;
    let rules = booking::rules(&state).await.map_err(portal::portal_error)?;
    let filter = appointments::Filter {
        user_id: Some(id),
        ..Default::default()
    };
    let (list, pagination) = appointments::list(&state.db, &rules, &filter, Some(page), true)
        .await
        .map_err(portal::portal_error)?;
    Ok(AppointmentPage {
        appointments: list,
        pagination: pagination.unwrap_or_else(|| page.of(0)),
    })
}

/// Changes an account's role and/or active flag. Deactivating ends every sign-in of the account.
#[server(prefix = "/api/fn", endpoint = "update_user", input = Json)]
pub async fn update_user(
    id: Uuid,
    role_id: Option<Uuid>,
    is_active: Option<bool>,
) -> Result<UserSummary, PortalError> {
    use crate::server::{identity::directory, portal};
    use crate::shared::permissions::Permission;
    let (state, actor) = portal::authorize(Permission::UsersManage).await?;
    let row = directory::update(&state, &actor, id, role_id, is_active)
        .await
        .map_err(portal::portal_error)?;
    let tz = business_tz(&state).await?;
    Ok(summary(row, tz))
}

#[server(prefix = "/api/fn", endpoint = "delete_user")]
pub async fn delete_user(id: Uuid) -> Result<(), PortalError> {
    use crate::server::{identity::directory, portal};
    use crate::shared::permissions::Permission;
    let (state, actor) = portal::authorize(Permission::UsersManage).await?;
    directory::delete(&state, &actor, id)
        .await
        .map_err(portal::portal_error)
}

/// Gives `role_id` to `email`, as `POST /api/v1/users/assign-role` does: an unknown email gets a new
/// account and an emailed set-password link (`/set-password?token=`), valid for 7 days.
#[server(prefix = "/api/fn", endpoint = "invite_staff")]
pub async fn invite_staff(email: String, role_id: String) -> Result<Invited, PortalError> {
    use crate::server::{identity::invitations, portal};
    use crate::shared::permissions::Permission;
    let (state, actor) = portal::authorize(Permission::UsersManage).await?;
    let done = invitations::assign_role(&state, &actor, &email, &role_id)
        .await
        .map_err(portal::portal_error)?;
    Ok(Invited {
        user_id: done.user.id,
        email: done.user.email,
        role: done.role.name,
        invited: done.invited,
    })
}
