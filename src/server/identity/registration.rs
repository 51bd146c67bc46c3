//! Sign-up with an emailed code (contract §5 "Registration / OTP"): the request waits in
//! `pending_registrations` until the code comes back, then becomes a verified `User`.

use chrono::Utc;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set};
use uuid::Uuid;

use super::{
    accounts::{self, NewAccount},
    codes::{self, Purpose},
    password,
};
use crate::server::{
    audit,
    entities::{pending_registrations, users},
    error::{AppError, AppResult},
    notify::templates,
    state::AppState,
};
use crate::shared::{
    errors::FieldError,
    identity::{Email, Gender, Password, Phone},
};

/// The role new sign-ups get.
pub const SIGN_UP_ROLE: &str = crate::shared::permissions::USER_ROLE;

/// The sign-up form as sent; `register` parses it and reports every bad field at once.
#[derive(Debug, Default)]
pub struct SignUp {
    pub name: String,
    pub email: String,
    pub password: String,
    pub phone: Option<String>,
    pub address: Option<String>,
    pub gender: Option<String>,
}

fn collect<T>(result: Result<T, FieldError>, errors: &mut Vec<FieldError>) -> Option<T> {
    result.map_err(|e| errors.push(e)).ok()
}

/// How long a waiting sign-up keeps its first password. Codes sent for it (by a resend or a second
/// registration) never outlive it; afterwards the email can be registered afresh.
pub const PENDING_LIFETIME_MINUTES: i64 = 30;

/// The sign-up's end, for rows written before `expires_at` existed.
fn pending_expiry(p: &pending_registrations::Model) -> chrono::DateTime<Utc> {
    p.expires_at
        .unwrap_or(p.created_at + chrono::Duration::minutes(PENDING_LIFETIME_MINUTES))
}

/// `POST /auth/register`. A sign-up for an email that is already waiting does not replace it: the
/// first password stays, and a new code for that sign-up goes to the same inbox. Otherwise whoever
/// registered last would own the account the inbox's owner verifies.
pub async fn register(state: &AppState, form: SignUp) -> AppResult<Email> {
    let mut errors = Vec::new();
    let name = collect(crate::shared::text::line("name", &form.name, 255), &mut errors);
    let email = collect(Email::parse(&form.email), &mut errors);
    let password = collect(Password::parse(&form.password), &mut errors);
    let phone = form
        .phone
        .as_deref()
        .filter(|p| !p.trim().is_empty())
        .and_then(|p| collect(Phone::parse(p), &mut errors));
    let gender = form
        .gender
        .as_deref()
        .filter(|g| !g.trim().is_empty())
        .and_then(|g| collect(Gender::parse(g), &mut errors));
    let address = form
        .address
        .as_deref()
        .and_then(|a| {
            collect(
                crate::shared::text::optional_block("address", a, 500),
                &mut errors,
            )
        })
        .flatten();
    let (Some(name), Some(email), Some(password), true) = (name, email, password, errors.is_empty()) else {
        return Err(AppError::Validation(errors));
    };
    if accounts::find_by_email(&state.db, &email).await?.is_some() {
        return Err(AppError::BadRequest(
            "This email is already registered. Please login instead.".into(),
        ));
    }
    // Hashed whether or not a sign-up is waiting, so the answer takes as long either way.
    let hash = password::hash(&password).await?;
    let now = Utc::now();

    let txn = crate::server::db::write_txn(&state.db).await?;
    let waiting = pending_registrations::Entity::find()
        .filter(pending_registrations::Column::Email.eq(email.as_str()))
        .one(&txn)
        .await?;
    let expires_at = match waiting {
        Some(p) if pending_expiry(&p) > now => pending_expiry(&p),
        stale => {
            if let Some(p) = stale {
                // Lapsed: its codes die with it, so none of them can bind the new password.
                pending_registrations::Entity::delete_by_id(p.id)
                    .exec(&txn)
                    .await?;
            }
            let expires_at = now + chrono::Duration::minutes(PENDING_LIFETIME_MINUTES);
            pending_registrations::ActiveModel {
                id: Set(Uuid::now_v7()),
                email: Set(email.as_str().to_owned()),
                name: Set(name),
                password_hash: Set(hash),
                phone: Set(phone.map(String::from)),
                address: Set(address),
                gender: Set(gender.map(String::from)),
                created_at: Set(now),
                updated_at: Set(now),
                expires_at: Set(Some(expires_at)),
            }
            .insert(&txn)
            .await
            .map_err(|e| AppError::unique_violation_as(e, "A sign-up for this email is already waiting."))?;
            expires_at
        }
    };
    send_code(state, &txn, &email, expires_at).await?;
    txn.commit().await?;
    state.outbox_kick.now();
    Ok(email)
}

/// Issues a code for the waiting sign-up and queues the email (which carries nothing but the code).
async fn send_code<C: sea_orm::ConnectionTrait>(
    state: &AppState,
    db: &C,
    email: &Email,
    expires_at: chrono::DateTime<Utc>,
) -> AppResult<()> {
    let code = codes::issue_until(
        db,
        &state.config.jwt_secret,
        Purpose::VerifyEmail,
        email,
        expires_at,
    )
    .await?;
    let minutes = ((expires_at - Utc::now()).num_seconds().max(60) + 59) / 60;
    let minutes = minutes.min(codes::CODE_TTL_MINUTES);
    crate::server::notify::outbox::enqueue_email(
        db,
        email.as_str(),
        &templates::verification_code(&code, minutes),
    )
    .await?;
    Ok(())
}

/// Turns the waiting sign-up into a verified account when the code matches. The account gets the
/// password the sign-up was made with: the code only ever went to the inbox that sign-up named.
pub async fn verify_email(state: &AppState, email: &str, code: &str) -> AppResult<users::Model> {
    let (email, code) = parse_email_and_code(email, code)?;
    let expired = "Verification code has expired. Please register again.";
    let pending = pending_registrations::Entity::find()
        .filter(pending_registrations::Column::Email.eq(email.as_str()))
        .one(&state.db)
        .await?
        .ok_or_else(|| {
            AppError::BadRequest("No sign-up is waiting for this email. Please register again.".into())
        })?;
    if pending_expiry(&pending) <= Utc::now() {
        return Err(AppError::BadRequest(expired.into()));
    }
    let code_id = codes::check(
        &state.db,
        &state.config.jwt_secret,
        Purpose::VerifyEmail,
        &email,
        &code,
        expired,
    )
    .await?;
    let txn = crate::server::db::write_txn(&state.db).await?;
    codes::mark_used(&txn, code_id).await?;
    // The sign-up as it is now, in this transaction: the one the code was issued for.
    let pending = pending_registrations::Entity::find_by_id(pending.id)
        .one(&txn)
        .await?
        .ok_or_else(|| AppError::BadRequest(expired.into()))?;
    let mut user = accounts::create(
        &txn,
        NewAccount {
            email: &email,
            name: &pending.name,
            password_hash: Some(pending.password_hash.clone()),
            role: SIGN_UP_ROLE,
            email_verified: true,
            must_change_password: false,
        },
    )
    .await?;
    if pending.phone.is_some() || pending.address.is_some() || pending.gender.is_some() {
        let mut active: users::ActiveModel = user.into();
        active.phone = Set(pending.phone.clone());
        active.address = Set(pending.address.clone());
        active.gender = Set(pending.gender.clone());
        user = active.update(&txn).await?;
    }
    pending_registrations::Entity::delete_by_id(pending.id)
        .exec(&txn)
        .await?;
    audit::record(
        &txn,
        audit::Entry::new("user.registered")
            .actor(user.id)
            .target("user", user.id.to_string()),
    )
    .await?;
    txn.commit().await?;
    Ok(user)
}

/// Sends a new code to a waiting sign-up. Answers the same whether or not one exists; the work
/// happens after the answer, so its timing says nothing either.
pub async fn resend_verification(state: &AppState, email: &str) -> AppResult<()> {
    let email = Email::parse(email)?;
    let state = state.clone();
    tokio::spawn(async move {
        if let Err(e) = resend(&state, &email).await {
            tracing::warn!(error = %e, "could not resend a verification code");
        }
    });
    Ok(())
}

async fn resend(state: &AppState, email: &Email) -> AppResult<()> {
    let Some(pending) = pending_registrations::Entity::find()
        .filter(pending_registrations::Column::Email.eq(email.as_str()))
        .one(&state.db)
        .await?
        .filter(|p| pending_expiry(p) > Utc::now())
    else {
        return Ok(());
    };
    let txn = crate::server::db::write_txn(&state.db).await?;
    send_code(state, &txn, email, pending_expiry(&pending)).await?;
    txn.commit().await?;
    state.outbox_kick.now();
    Ok(())
}

pub fn parse_email_and_code(email: &str, code: &str) -> AppResult<(Email, String)> {
    let mut errors = Vec::new();
    let email = collect(Email::parse(email), &mut errors);
    let code = collect(codes::parse_code(code), &mut errors);
    match (email, code) {
        (Some(e), Some(c)) => Ok((e, c)),
        _ => Err(AppError::Validation(errors)),
    }
}
