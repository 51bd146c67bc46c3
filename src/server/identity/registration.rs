//! Sign-up with an emailed code (contract §5 "Registration / OTP"): the request waits in
//! `pending_registrations` until the code comes back, then becomes a verified `User`.

use chrono::Utc;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set, TransactionTrait};
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

pub async fn register(state: &AppState, form: SignUp) -> AppResult<Email> {
    let mut errors = Vec::new();
    let name = form.name.trim().to_owned();
    if name.is_empty() || name.chars().count() > 255 {
        errors.push(FieldError::new(
            "name",
            "Name is required (at most 255 characters)",
        ));
    }
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
    let (Some(email), Some(password), true) = (email, password, errors.is_empty()) else {
        return Err(AppError::Validation(errors));
    };
    if accounts::find_by_email(&state.db, &email).await?.is_some() {
        return Err(AppError::BadRequest(
            "This email is already registered. Please login instead.".into(),
        ));
    }
    let hash = password::hash(&password).await?;
    let now = Utc::now();

    let txn = state.db.begin().await?;
    // A second sign-up with the same email replaces the first (as the old backend did).
    pending_registrations::Entity::delete_many()
        .filter(pending_registrations::Column::Email.eq(email.as_str()))
        .exec(&txn)
        .await?;
    pending_registrations::ActiveModel {
        id: Set(Uuid::now_v7()),
        email: Set(email.as_str().to_owned()),
        name: Set(name.clone()),
        password_hash: Set(hash),
        phone: Set(phone.map(String::from)),
        address: Set(form
            .address
            .map(|a| a.trim().to_owned())
            .filter(|a| !a.is_empty())),
        gender: Set(gender.map(String::from)),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(&txn)
    .await?;
    codes::issue_and_email(
        &txn,
        &state.config.jwt_secret,
        Purpose::VerifyEmail,
        &email,
        |code| templates::verification_code(&name, code, codes::CODE_TTL_MINUTES),
    )
    .await?;
    txn.commit().await?;
    state.outbox_kick.now();
    Ok(email)
}

/// Turns the pending sign-up into a verified account when the code matches.
pub async fn verify_email(state: &AppState, email: &str, code: &str) -> AppResult<users::Model> {
    let (email, code) = parse_email_and_code(email, code)?;
    let pending = pending_registrations::Entity::find()
        .filter(pending_registrations::Column::Email.eq(email.as_str()))
        .one(&state.db)
        .await?
        .ok_or_else(|| {
            AppError::BadRequest("No sign-up is waiting for this email. Please register again.".into())
        })?;
    let code_id = codes::check(
        &state.db,
        &state.config.jwt_secret,
        Purpose::VerifyEmail,
        &email,
        &code,
        "Verification code has expired. Please register again.",
    )
    .await?;
    let txn = state.db.begin().await?;
    codes::mark_used(&txn, code_id).await?;
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

/// Sends a new code to a pending sign-up. Answers the same whether or not one exists.
pub async fn resend_verification(state: &AppState, email: &str) -> AppResult<()> {
    let email = Email::parse(email)?;
    let Some(pending) = pending_registrations::Entity::find()
        .filter(pending_registrations::Column::Email.eq(email.as_str()))
        .one(&state.db)
        .await?
    else {
        return Ok(());
    };
    let txn = state.db.begin().await?;
    codes::issue_and_email(
        &txn,
        &state.config.jwt_secret,
        Purpose::VerifyEmail,
        &email,
        |code| templates::verification_code(&pending.name, code, codes::CODE_TTL_MINUTES),
    )
    .await?;
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
