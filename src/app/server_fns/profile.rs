//! One's own profile and password, for any signed-in portal user, through
//! `server::identity::profile` (the same rules as `PUT /api/v1/profile` and
//! `POST /api/v1/auth/change-password`, which check no permission either).

use leptos::prelude::*;
use leptos::server_fn::codec::Json;

use crate::shared::{
    errors::PortalError,
    profile::{PasswordForm, ProfileForm, ProfileView},
};

#[cfg(feature = "ssr")]
fn shown(
    user: &crate::server::entities::users::Model,
    p: &crate::server::identity::accounts::Principal,
) -> ProfileView {
    ProfileView {
        id: user.id,
        name: user.name.clone(),
        email: user.email.clone(),
        role: p.role_name().to_owned(),
        phone: user.phone.clone(),
        address: user.address.clone(),
        profile_image_url: user.profile_image_url.clone(),
    }
}

#[server(prefix = "/api/fn", endpoint = "load_profile")]
pub async fn load_profile() -> Result<ProfileView, PortalError> {
    use crate::server::portal;
    let (_, p) = portal::signed_in().await?;
    Ok(shown(&p.user, &p))
}

/// Saves every field of the form (an empty optional field clears it). Answers the profile as stored.
#[server(prefix = "/api/fn", endpoint = "save_profile", input = Json)]
pub async fn save_profile(form: ProfileForm) -> Result<ProfileView, PortalError> {
    use crate::server::{error::AppError, identity::profile, portal};
    let (state, p) = portal::signed_in().await?;
    let update = form
        .parse()
        .map_err(|e| portal::portal_error(AppError::Validation(e)))?;
    let changes = profile::ProfileChanges {
        name: Some(update.name),
        phone: Some(update.phone.unwrap_or_default()),
        address: Some(update.address.unwrap_or_default()),
        gender: None,
        profile_image_url: Some(update.profile_image_url.unwrap_or_default()),
    };
    let user = profile::update(&state, &p, changes)
        .await
        .map_err(portal::portal_error)?;
    Ok(shown(&user, &p))
}

/// Changes the password with the current one. The change ends every sign-in of the account from
/// before it (`credentials_changed_at`), this session included, so the session is then signed in
/// afresh: a new id and a sign-in time after the change keep the person who asked signed in.
#[server(prefix = "/api/fn", endpoint = "change_password", input = Json)]
pub async fn change_own_password(form: PasswordForm) -> Result<(), PortalError> {
    use crate::server::{error::AppError, identity::profile, portal, sessions};
    let (state, p) = portal::signed_in().await?;
    form.parse()
        .map_err(|e| portal::portal_error(AppError::Validation(e)))?;
    profile::change_password(&state, &p, &form.current_password, &form.new_password)
        .await
        .map_err(portal::portal_error)?;
    let session: tower_sessions::Session = leptos_axum::extract().await.map_err(portal::internal)?;
    sessions::sign_in(&session, p.user.id)
        .await
        .map_err(portal::internal)
}
