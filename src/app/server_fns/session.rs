//! Signing in and out, and who is signed in.

use leptos::prelude::*;

use crate::shared::{
    auth::{PortalUser, SignInOptions},
    errors::PortalError,
};

/// Portal sign-in with email and password. The same checks as the mobile login (lockout, audit,
/// hash upgrade), plus the `portal.access` permission. On success the session id is cycled and the
/// browser is sent to `next` (a path on this site) or the portal's start page.
#[server(prefix = "/api/fn", endpoint = "sign_in")]
pub async fn sign_in(email: String, password: String, next: Option<String>) -> Result<(), PortalError> {
    use crate::server::{error::AppError, identity::login, portal, sessions};
    use crate::shared::permissions::Permission;
    let state = portal::state()?;
    let session: tower_sessions::Session = leptos_axum::extract().await.map_err(portal::internal)?;
    let client = portal::client_info();
    let principal = login::authenticate(&state, &email, &password, &client, "portal")
        .await
        .map_err(portal::portal_error)?;
    if !principal.can(Permission::PortalAccess) {
        return Err(portal::portal_error(AppError::Forbidden {
            message: crate::shared::auth::SignInProblem::PortalForbidden
                .message()
                .into(),
            code: Some("PORTAL_FORBIDDEN"),
        }));
    }
    sessions::sign_in(&session, principal.user.id)
        .await
        .map_err(portal::internal)?;
    leptos_axum::redirect(&portal::safe_next(next.as_deref()));
    Ok(())
}

/// What the sign-in page offers besides email and password.
#[server(prefix = "/api/fn", endpoint = "sign_in_methods")]
pub async fn sign_in_methods() -> Result<SignInOptions, PortalError> {
    let state = crate::server::portal::state()?;
    Ok(SignInOptions {
        google: state.google.is_some(),
    })
}

#[server(prefix = "/api/fn", endpoint = "sign_out")]
pub async fn sign_out() -> Result<(), PortalError> {
    use crate::server::{portal, sessions};
    let state = portal::state()?;
    let session: tower_sessions::Session = leptos_axum::extract().await.map_err(portal::internal)?;
    sessions::sign_out_and_announce(&state, &session)
        .await
        .map_err(portal::internal)?;
    leptos_axum::redirect("/login");
    Ok(())
}

/// Who is signed in to the portal, if anyone.
#[server(prefix = "/api/fn", endpoint = "current_user")]
pub async fn current_user() -> Result<Option<PortalUser>, PortalError> {
    use crate::server::portal;
    let state = portal::state()?;
    let session: tower_sessions::Session = leptos_axum::extract().await.map_err(portal::internal)?;
    let principal = portal::session_principal(&session, &state)
        .await
        .map_err(portal::portal_error)?;
    Ok(principal.map(|p| PortalUser {
        id: p.user.id,
        name: p.user.name.clone(),
        email: p.user.email.clone(),
        role: p.role_name().to_owned(),
        permissions: p.permissions.iter().map(|x| x.slug().to_owned()).collect(),
        must_change_password: p.user.must_change_password,
    }))
}
