//! Forgotten passwords, by emailed code. Answers never reveal whether an email has an account.

use chrono::Utc;
use sea_orm::{ActiveModelTrait, Set, TransactionTrait};

use super::{
    accounts,
    codes::{self, Purpose},
    password, registration, tokens,
};
use crate::server::{
    audit,
    entities::users,
    error::{AppError, AppResult},
    notify::{outbox, templates},
    state::AppState,
};
use crate::shared::identity::{Email, Password};

/// Emails a reset code to an active account. Unknown emails get the same answer and no email.
pub async fn forgot_password_otp(state: &AppState, email: &str) -> AppResult<()> {
    let email = Email::parse(email)?;
    let Some(user) = accounts::find_by_email(&state.db, &email)
        .await?
        .filter(|u| u.is_active)
    else {
        return Ok(());
    };
    let txn = state.db.begin().await?;
    let code = codes::issue(&txn, &state.config.jwt_secret, Purpose::ResetPassword, &email).await?;
    let message = templates::password_reset_code(&user.name, &code, codes::CODE_TTL_MINUTES);
    outbox::enqueue_email(&txn, email.as_str(), &message).await?;
    txn.commit().await?;
    state.outbox_kick.now();
    Ok(())
}

/// Sets a new password when the code matches. Every refresh token of the account stops working and
/// any lockout is lifted.
pub async fn reset_password_otp(
    state: &AppState,
    email: &str,
    code: &str,
    new_password: &str,
) -> AppResult<()> {
    let parsed = registration::parse_email_and_code(email, code);
    let password = Password::parse_field("newPassword", new_password);
    let ((email, code), password) = match (parsed, password) {
        (Ok(ec), Ok(p)) => (ec, p),
        (Err(AppError::Validation(mut errors)), p) => {
            errors.extend(p.err());
            return Err(AppError::Validation(errors));
        }
        (Err(e), _) => return Err(e),
        (Ok(_), Err(e)) => return Err(e.into()),
    };
    let invalid = || AppError::BadRequest("Invalid or expired code. Please request a new one.".into());
    let user = accounts::find_by_email(&state.db, &email)
        .await?
        .ok_or_else(invalid)?;
    let code_id = codes::check(
        &state.db,
        &state.config.jwt_secret,
        Purpose::ResetPassword,
        &email,
        &code,
        "Reset code has expired. Please request a new one.",
    )
    .await?;
    let hash = password::hash(&password).await?;
    let txn = state.db.begin().await?;
    codes::mark_used(&txn, code_id).await?;
    let user_id = user.id;
    let mut active: users::ActiveModel = user.into();
    active.password_hash = Set(Some(hash));
    active.failed_login_attempts = Set(0);
    active.lockout_until = Set(None);
    active.must_change_password = Set(false);
    active.updated_at = Set(Utc::now());
    active.update(&txn).await?;
    tokens::revoke_all_for_user(&txn, user_id).await?;
    audit::record(
        &txn,
        audit::Entry::new("auth.password_reset")
            .actor(user_id)
            .target("user", user_id.to_string()),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}
