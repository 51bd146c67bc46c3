//! Roles and the permission matrix for the portal, through `server::rbac::roles` (the rules
//! `/api/v1/roles` keeps: system roles keep their names, Owner keeps every permission).

use leptos::prelude::*;
use leptos::server_fn::codec::Json;
use uuid::Uuid;

use crate::shared::{
    errors::PortalError,
    roles::{RoleForm, RoleGrants, RoleView},
};

/// Every role with its grants and how many accounts hold it.
#[server(prefix = "/api/fn", endpoint = "list_roles")]
pub async fn list_roles() -> Result<Vec<RoleView>, PortalError> {
    use crate::server::{portal, rbac::roles};
    use crate::shared::permissions::Permission;
    let (state, _) = portal::authorize(Permission::RolesView).await?;
    roles::list(&state).await.map_err(portal::portal_error)
}

/// Creates a role with no permissions (`id` empty), or renames and describes one.
#[server(prefix = "/api/fn", endpoint = "save_role", input = Json)]
pub async fn save_role(id: Option<Uuid>, form: RoleForm) -> Result<RoleView, PortalError> {
    use crate::server::{error::AppError, portal, rbac::roles};
    use crate::shared::permissions::Permission;
    let (state, actor) = portal::authorize(Permission::RolesManage).await?;
    let (name, description) = form
        .parse()
        .map_err(|e| portal::portal_error(AppError::Validation(e)))?;
    // An empty description clears it on an update.
    let description = description.or_else(|| id.map(|_| String::new()));
    match id {
        None => roles::create(&state, &actor, &name, description, &[]).await,
        Some(id) => roles::update(&state, &actor, id, Some(&name), description).await,
    }
    .map_err(portal::portal_error)
}

/// Deletes a custom role; accounts holding it move to `reassign_to` (refused without one).
#[server(prefix = "/api/fn", endpoint = "delete_role", input = Json)]
pub async fn delete_role(id: Uuid, reassign_to: Option<Uuid>) -> Result<(), PortalError> {
    use crate::server::{portal, rbac::roles};
    use crate::shared::permissions::Permission;
    let (state, actor) = portal::authorize(Permission::RolesManage).await?;
    roles::delete(&state, &actor, id, reassign_to)
        .await
        .map_err(portal::portal_error)
}

/// Saves the matrix: each listed role gets exactly the listed grants, all in one transaction.
#[server(prefix = "/api/fn", endpoint = "save_permission_matrix", input = Json)]
pub async fn save_permission_matrix(roles: Vec<RoleGrants>) -> Result<Vec<RoleView>, PortalError> {
    use crate::server::{portal, rbac::roles as service};
    use crate::shared::permissions::Permission;
    let (state, actor) = portal::authorize(Permission::RolesManage).await?;
    service::set_matrix(&state, &actor, &roles)
        .await
        .map_err(portal::portal_error)
}
