//! Forgotten passwords and invitations, for visitors who are not signed in: ask for a reset link,
//! choose a new password from it, or set the first password of an invited account. The links are the
//! ones `server::identity::{recovery, invitations}` email (`/reset-password/<token>`,
//! `/set-password?token=<token>`).

use leptos::prelude::*;

use crate::shared::{
    errors::{FieldError, PortalError},
    identity::Password,
};

/// The one answer to a reset request, whether or not the email has an account (so the form cannot
/// be used to find out who has one).
pub const RESET_LINK_SENT: &str = "If an account exists for this email, we have sent it a link to choose a \
                                   new password. The link works once and expires in 1 hour.";

/// The new password and its confirmation, by the rules the server keeps (`Password`). `field` names
/// the password input (`newPassword` for a reset, `password` for an invitation).
pub fn check_new_password(field: &str, password: &str, confirm: &str) -> Vec<FieldError> {
    let mut errors = Vec::new();
    if let Err(e) = Password::parse_field(field, password) {
        errors.push(e);
    }
    if password != confirm {
        errors.push(FieldError::new("confirm", "The two passwords do not match"));
    }
    errors
}

/// Emails a one-hour reset link to an active account; answers the same for any valid email.
#[server(prefix = "/api/fn", endpoint = "forgot_password")]
pub async fn forgot_password(email: String) -> Result<String, PortalError> {
    use crate::server::{identity::recovery, portal};
    let state = portal::state()?;
    recovery::forgot_password_link(&state, &email)
        .await
        .map_err(portal::portal_error)?;
    Ok(RESET_LINK_SENT.to_owned())
}

/// Whether a reset link can still be used (it stays unused): the page says so before anyone types.
#[server(prefix = "/api/fn", endpoint = "reset_link_status")]
pub async fn reset_link_status(token: String) -> Result<(), PortalError> {
    use crate::server::{
        identity::codes::{self, Purpose},
        portal,
    };
    let state = portal::state()?;
    codes::check_link(&state.db, &state.config.jwt_secret, Purpose::ResetLink, &token)
        .await
        .map(|_| ())
        .map_err(portal::portal_error)
}

/// Sets a new password from a reset link; the link then stops working, and so does every
/// sign-in the account had.
#[server(prefix = "/api/fn", endpoint = "reset_password")]
pub async fn reset_password(token: String, new_password: String, confirm: String) -> Result<(), PortalError> {
    use crate::server::{error::AppError, identity::recovery, portal};
    let state = portal::state()?;
    let errors = check_new_password("newPassword", &new_password, &confirm);
    if !errors.is_empty() {
        return Err(portal::portal_error(AppError::Validation(errors)));
    }
    recovery::reset_password_link(&state, &token, &new_password)
        .await
        .map_err(portal::portal_error)
}

/// The email an invitation link sets the password of (the link stays unused).
#[server(prefix = "/api/fn", endpoint = "password_setup_info")]
pub async fn password_setup_info(token: String) -> Result<String, PortalError> {
    use crate::server::{identity::invitations, portal};
    let state = portal::state()?;
    invitations::setup_info(&state, &token)
        .await
        .map(|email| email.as_str().to_owned())
        .map_err(portal::portal_error)
}

/// The invited account's first password; the link proves the email.
#[server(prefix = "/api/fn", endpoint = "set_password")]
pub async fn set_password(token: String, password: String, confirm: String) -> Result<(), PortalError> {
    use crate::server::{error::AppError, identity::invitations, portal};
    let state = portal::state()?;
    let errors = check_new_password("password", &password, &confirm);
    if !errors.is_empty() {
        return Err(portal::portal_error(AppError::Validation(errors)));
    }
    invitations::set_password(&state, &token, &password)
        .await
        .map_err(portal::portal_error)
}

#[cfg(test)]
mod tests {
    use super::check_new_password;

    #[test]
    fn new_passwords_follow_the_server_rules_and_must_match() {
        assert!(check_new_password("password", "Salon-Pass-42!", "Salon-Pass-42!").is_empty());
        let fields =
            |e: Vec<crate::shared::errors::FieldError>| e.into_iter().map(|e| e.field).collect::<Vec<_>>();
        assert_eq!(
            fields(check_new_password("newPassword", "weak", "weak")),
            ["newPassword"]
        );
        assert_eq!(
            fields(check_new_password("password", "Salon-Pass-42!", "Passw0rd?")),
            ["confirm"]
        );
        assert_eq!(
            fields(check_new_password("password", "weak", "")),
            ["password", "confirm"]
        );
    }
}
