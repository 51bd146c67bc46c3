//! Forgotten passwords, by emailed code. Answers never reveal whether an email has an account.

use super::{
    accounts,
    codes::{self, Purpose},
    password, registration,
};
use crate::server::{
    error::{AppError, AppResult},
    notify::{outbox, templates},
    state::AppState,
};
use crate::shared::identity::{Email, Password};

/// Emails a reset code to an active account. Unknown emails get the same answer and no email, and
/// the work happens after the answer, so its timing does not tell them apart either.
pub async fn forgot_password_otp(state: &AppState, email: &str) -> AppResult<()> {
    let email = Email::parse(email)?;
    off_the_request(state, email, send_reset_code);
    Ok(())
}

/// Runs `work` after the response has gone, logging a failure (the caller's answer never varies).
fn off_the_request<F, Fut>(state: &AppState, email: Email, work: F)
where
    F: FnOnce(AppState, Email) -> Fut + Send + 'static,
    Fut: std::future::Future<Output = AppResult<()>> + Send + 'static,
{
    let state = state.clone();
    tokio::spawn(async move {
        if let Err(e) = work(state, email).await {
            tracing::warn!(error = %e, "could not send a password reset message");
        }
    });
}

async fn send_reset_code(state: AppState, email: Email) -> AppResult<()> {
    let state = &state;
    let Some(user) = accounts::find_by_email(&state.db, &email)
        .await?
        .filter(|u| u.is_active)
    else {
        // A code nobody receives: guesses at it are then counted and answered exactly as for a
        // real account ("Invalid code. 4 attempts left."), which says nothing about the email.
        codes::issue(
            &state.db,
            &state.config.jwt_secret,
            Purpose::ResetPassword,
            &email,
        )
        .await?;
        return Ok(());
    };
    let txn = crate::server::db::write_txn(&state.db).await?;
    codes::issue_and_email(
        &txn,
        &state.config.jwt_secret,
        Purpose::ResetPassword,
        &email,
        |code| templates::password_reset_code(&user.name, code, codes::CODE_TTL_MINUTES),
    )
    .await?;
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
    let code_id = codes::check(
        &state.db,
        &state.config.jwt_secret,
        Purpose::ResetPassword,
        &email,
        &code,
        "Reset code has expired. Please request a new one.",
    )
    .await?;
    let invalid = || AppError::BadRequest("Invalid or expired code. Please request a new one.".into());
    let user = accounts::find_by_email(&state.db, &email)
        .await?
        .ok_or_else(invalid)?;
    let hash = password::hash(&password).await?;
    let txn = crate::server::db::write_txn(&state.db).await?;
    codes::mark_used(&txn, code_id).await?;
    accounts::store_new_password(
        &txn,
        &state.config.jwt_secret,
        user,
        hash,
        false,
        "auth.password_reset",
        None,
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// Link lifetime for a forgotten password.
const RESET_LINK_HOURS: i64 = 1;

/// Emails a one-hour reset link to an active account (the portal's page `/reset-password/<token>`).
/// Unknown emails get the same answer and no email; the work happens after the answer.
pub async fn forgot_password_link(state: &AppState, email: &str) -> AppResult<()> {
    let email = Email::parse(email)?;
    off_the_request(state, email, send_reset_link);
    Ok(())
}

async fn send_reset_link(state: AppState, email: Email) -> AppResult<()> {
    let state = &state;
    let Some(user) = accounts::find_by_email(&state.db, &email)
        .await?
        .filter(|u| u.is_active)
    else {
        return Ok(());
    };
    let txn = crate::server::db::write_txn(&state.db).await?;
    let token = codes::issue_link(
        &txn,
        &state.config.jwt_secret,
        Purpose::ResetLink,
        &email,
        chrono::Duration::hours(RESET_LINK_HOURS),
    )
    .await?;
    let url = format!("{}/reset-password/{token}", state.config.public_url);
    outbox::enqueue_email(
        &txn,
        email.as_str(),
        &templates::password_reset_link(&user.name, &url),
    )
    .await?;
    txn.commit().await?;
    state.outbox_kick.now();
    Ok(())
}

pub async fn reset_password_link(state: &AppState, token: &str, new_password: &str) -> AppResult<()> {
    let password = Password::parse_field("newPassword", new_password)?;
    redeem_password_link(
        state,
        Purpose::ResetLink,
        token,
        &password,
        // The link reached the mailbox: an invitee whose invitation lapsed can still get in.
        true,
        "auth.password_reset",
    )
    .await
}

/// Spends a password link (reset or invitation) and stores the new password. An invitation link
/// also proves the email (`verify_email`).
pub async fn redeem_password_link(
    state: &AppState,
    purpose: Purpose,
    token: &str,
    password: &Password,
    verify_email: bool,
    action: &str,
) -> AppResult<()> {
    let (code_id, email) = codes::check_link(&state.db, &state.config.jwt_secret, purpose, token).await?;
    let user = accounts::find_by_email(&state.db, &email)
        .await?
        .ok_or_else(|| AppError::BadRequest("This link is invalid or has already been used.".into()))?;
    let hash = password::hash(password).await?;
    let txn = crate::server::db::write_txn(&state.db).await?;
    codes::mark_used(&txn, code_id).await?;
    accounts::store_new_password(
        &txn,
        &state.config.jwt_secret,
        user,
        hash,
        verify_email,
        action,
        None,
    )
    .await?;
    txn.commit().await?;
    Ok(())
}
