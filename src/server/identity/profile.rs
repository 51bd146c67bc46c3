//! The caller's own account: profile edits and password changes.

use chrono::Utc;
use sea_orm::{ActiveModelTrait, Set};

use super::{
    accounts::{self, Principal},
    codes::{self, Purpose},
    password, throttle,
};
use crate::server::{
    audit,
    entities::users,
    error::{AppError, AppResult},
    notify::templates,
    state::AppState,
};
use crate::shared::{
    errors::FieldError,
    identity::{Email, Gender, Password, Phone},
};

/// `PUT /profile`: any subset of the fields; `None` leaves a field as it is, an empty string clears
/// an optional one.
#[derive(Debug, Default)]
pub struct ProfileChanges {
    pub name: Option<String>,
    pub phone: Option<String>,
    pub address: Option<String>,
    pub gender: Option<String>,
    pub profile_image_url: Option<String>,
}

pub async fn update(state: &AppState, who: &Principal, changes: ProfileChanges) -> AppResult<users::Model> {
    let mut errors = Vec::new();
    let before = &who.user;
    let mut active: users::ActiveModel = before.clone().into();
    // The names of the fields that change, for the audit log (not their values: personal data).
    let mut changed = Vec::new();
    if let Some(name) = changes.name {
        match crate::shared::profile::parse_name(&name) {
            Err(e) => errors.push(e),
            Ok(name) if name != before.name => {
                active.name = Set(name);
                changed.push("name");
            }
            Ok(_) => {}
        }
    }
    let mut apply = |field: &'static str,
                     parsed: Option<Result<Option<String>, FieldError>>,
                     current: &Option<String>,
                     slot: &mut sea_orm::ActiveValue<Option<String>>| match parsed {
        Some(Ok(value)) if value != *current => {
            *slot = Set(value);
            changed.push(field);
        }
        Some(Err(e)) => errors.push(e),
        _ => {}
    };
    let address = |a: &str| crate::shared::text::line("address", a, 500);
    let image_url = |url: &str| {
        if (url.starts_with("https://") || url.starts_with("http://") || url.starts_with('/'))
            && url.len() <= 2048
            && !url.chars().any(char::is_whitespace)
        {
            Ok(url.to_owned())
        } else {
            Err(FieldError::new(
                "profileImageUrl",
                "Profile image must be an http(s) URL",
            ))
        }
    };
    apply(
        "phone",
        changes.phone.map(|p| optional(&p, Phone::parse)),
        &before.phone,
        &mut active.phone,
    );
    apply(
        "address",
        changes.address.map(|a| optional(&a, address)),
        &before.address,
        &mut active.address,
    );
    apply(
        "gender",
        changes.gender.map(|g| optional(&g, Gender::parse)),
        &before.gender,
        &mut active.gender,
    );
    apply(
        "profileImageUrl",
        changes.profile_image_url.map(|u| optional(&u, image_url)),
        &before.profile_image_url,
        &mut active.profile_image_url,
    );
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    if changed.is_empty() {
        return Ok(before.clone());
    }
    active.updated_at = Set(Utc::now());
    let txn = crate::server::db::write_txn(&state.db).await?;
    let user = active.update(&txn).await?;
    audit::record(
        &txn,
        audit::Entry::new("user.profile_updated")
            .actor(user.id)
            .target("user", user.id.to_string())
            .details(serde_json::json!({ "fields": changed })),
    )
    .await?;
    txn.commit().await?;
    Ok(user)
}

/// An optional profile field as sent: blank clears it; anything else must parse.
fn optional<T: Into<String>>(
    raw: &str,
    parse: impl FnOnce(&str) -> Result<T, FieldError>,
) -> Result<Option<String>, FieldError> {
    match raw.trim() {
        "" => Ok(None),
        value => parse(value).map(|v| Some(v.into())),
    }
}

/// With the current password. Every refresh token of the account is revoked. Wrong current
/// passwords count towards the same lock as wrong sign-ins: a stolen token must not be a way to
/// guess the password.
pub async fn change_password(state: &AppState, who: &Principal, current: &str, new: &str) -> AppResult<()> {
    let new = Password::parse_field("newPassword", new)?;
    let key = throttle::key(&state.config.jwt_secret, &Email::parse(&who.user.email)?);
    let claim = throttle::claim(&state.db, &key, super::login::throttle_rules(state)).await?;
    let stored = who.user.password_hash.clone().unwrap_or_default();
    let matches = match password::verify_stored(current, &stored).await {
        Ok(m) => m,
        Err(e) => {
            claim.release(&state.db).await?;
            return Err(e);
        }
    };
    if !matches {
        return Err(match claim.failed(&state.db).await? {
            locked @ AppError::LockedOut { .. } => locked,
            _ => FieldError::new("currentPassword", "Current password is incorrect").into(),
        });
    }
    claim.succeeded(&state.db).await?;
    if current == new.expose() {
        return Err(FieldError::new("newPassword", "New password must differ from the current one").into());
    }
    set_password(state, who, &new, "auth.password_changed", None).await
}

/// Emails a code for `change_password_with_code`.
pub async fn send_change_password_code(state: &AppState, who: &Principal) -> AppResult<()> {
    let email = Email::parse(&who.user.email)?;
    let txn = crate::server::db::write_txn(&state.db).await?;
    codes::issue_and_email(
        &txn,
        &state.config.jwt_secret,
        Purpose::ChangePassword,
        &email,
        |code| templates::password_reset_code(&who.user.name, code, codes::CODE_TTL_MINUTES),
    )
    .await?;
    txn.commit().await?;
    state.outbox_kick.now();
    Ok(())
}

pub async fn change_password_with_code(
    state: &AppState,
    who: &Principal,
    code: &str,
    new: &str,
) -> AppResult<()> {
    let code = codes::parse_code(code);
    let new = Password::parse_field("newPassword", new);
    let (code, new) = match (code, new) {
        (Ok(c), Ok(n)) => (c, n),
        (c, n) => return Err(AppError::Validation(c.err().into_iter().chain(n.err()).collect())),
    };
    let email = Email::parse(&who.user.email)?;
    let code_id = codes::check(
        &state.db,
        &state.config.jwt_secret,
        Purpose::ChangePassword,
        &email,
        &code,
        "The code has expired. Please request a new one.",
    )
    .await?;
    set_password(state, who, &new, "auth.password_changed", Some(code_id)).await
}

async fn set_password(
    state: &AppState,
    who: &Principal,
    new: &Password,
    action: &str,
    code_id: Option<uuid::Uuid>,
) -> AppResult<()> {
    let hash = password::hash(new).await?;
    let txn = crate::server::db::write_txn(&state.db).await?;
    if let Some(id) = code_id {
        codes::mark_used(&txn, id).await?;
    }
    // The token that asked keeps working; every other sign-in ends.
    accounts::store_new_password(
        &txn,
        &state.config.jwt_secret,
        who.user.clone(),
        hash,
        false,
        action,
        who.token_id,
    )
    .await?;
    txn.commit().await?;
    super::directory::signed_out(state, who.user.id);
    Ok(())
}
