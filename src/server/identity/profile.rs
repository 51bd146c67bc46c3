//! The caller's own account: profile edits and password changes.

use chrono::Utc;
use sea_orm::{ActiveModelTrait, Set, TransactionTrait};

use super::{
    accounts::{self, Principal},
    codes::{self, Purpose},
    password,
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
        let name = name.trim();
        if name.chars().count() < 2 || name.chars().count() > 255 {
            errors.push(FieldError::new("name", "Name must be 2 to 255 characters"));
        } else if name != before.name {
            active.name = Set(name.to_owned());
            changed.push("name");
        }
    }
    if let Some(phone) = changes.phone {
        let phone: Result<Option<String>, FieldError> = match phone.trim() {
            "" => Ok(None),
            p => Phone::parse(p).map(|p| Some(p.into())),
        };
        match phone {
            Ok(phone) if phone != before.phone => {
                active.phone = Set(phone);
                changed.push("phone");
            }
            Ok(_) => {}
            Err(e) => errors.push(e),
        }
    }
    if let Some(address) = changes.address {
        let address = address.trim();
        if address.chars().count() > 500 {
            errors.push(FieldError::new(
                "address",
                "Address must be at most 500 characters",
            ));
        } else {
            let address = (!address.is_empty()).then(|| address.to_owned());
            if address != before.address {
                active.address = Set(address);
                changed.push("address");
            }
        }
    }
    if let Some(gender) = changes.gender {
        let gender: Result<Option<String>, FieldError> = match gender.trim() {
            "" => Ok(None),
            g => Gender::parse(g).map(|g| Some(g.into())),
        };
        match gender {
            Ok(gender) if gender != before.gender => {
                active.gender = Set(gender);
                changed.push("gender");
            }
            Ok(_) => {}
            Err(e) => errors.push(e),
        }
    }
    if let Some(url) = changes.profile_image_url {
        let url = url.trim();
        let valid = url.is_empty()
            || ((url.starts_with("https://") || url.starts_with("http://") || url.starts_with('/'))
                && url.len() <= 2048
                && !url.chars().any(char::is_whitespace));
        if !valid {
            errors.push(FieldError::new(
                "profileImageUrl",
                "Profile image must be an http(s) URL",
            ));
        } else {
            let url = (!url.is_empty()).then(|| url.to_owned());
            if url != before.profile_image_url {
                active.profile_image_url = Set(url);
                changed.push("profileImageUrl");
            }
        }
    }
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    if changed.is_empty() {
        return Ok(before.clone());
    }
    active.updated_at = Set(Utc::now());
    let txn = state.db.begin().await?;
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

/// With the current password. Every refresh token of the account is revoked.
pub async fn change_password(state: &AppState, who: &Principal, current: &str, new: &str) -> AppResult<()> {
    let new = Password::parse_field("newPassword", new)?;
    let stored = who.user.password_hash.clone().unwrap_or_default();
    let matches = password::verify_stored(current, &stored).await?;
    if !matches {
        return Err(FieldError::new("currentPassword", "Current password is incorrect").into());
    }
    if current == new.expose() {
        return Err(FieldError::new("newPassword", "New password must differ from the current one").into());
    }
    set_password(state, who, &new, "auth.password_changed", None).await
}

/// Emails a code for `change_password_with_code`.
pub async fn send_change_password_code(state: &AppState, who: &Principal) -> AppResult<()> {
    let email = Email::parse(&who.user.email)?;
    let txn = state.db.begin().await?;
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
    let txn = state.db.begin().await?;
    if let Some(id) = code_id {
        codes::mark_used(&txn, id).await?;
    }
    // The token that asked keeps working; every other sign-in ends.
    accounts::store_new_password(&txn, who.user.clone(), hash, false, action, who.token_id).await?;
    txn.commit().await?;
    Ok(())
}
