//! Staff invitations: giving a role to an email creates the account if needed and emails a
//! set-password link (the portal's `/set-password?token=`).

use chrono::{Duration, Utc};
use sea_orm::{ActiveModelTrait, EntityTrait, Set};
use uuid::Uuid;

use super::{
    accounts::{self, NewAccount, Principal},
    codes::{self, Purpose},
};
use crate::server::{
    audit,
    entities::{roles, users},
    error::{AppError, AppResult},
    notify::{outbox, templates},
    state::AppState,
};
use crate::shared::{
    errors::FieldError,
    identity::{Email, Password},
};

pub const INVITATION_DAYS: i64 = 7;

#[derive(Debug)]
pub struct Assigned {
    pub user: users::Model,
    pub role: roles::Model,
    /// A new account was created and invited.
    pub invited: bool,
}

pub fn parse_role_id(raw: &str) -> Result<Uuid, FieldError> {
    Uuid::parse_str(raw.trim()).map_err(|_| FieldError::new("roleId", "A valid role id is required"))
}

/// The role to grant, refused when `actor` may not grant it (`rbac::roles::ensure_grantable`).
async fn grantable_role(state: &AppState, actor: &Principal, role_id: Uuid) -> AppResult<roles::Model> {
    let role = roles::Entity::find_by_id(role_id)
        .one(&state.db)
        .await?
        .ok_or_else(|| AppError::not_found("Role"))?;
    crate::server::rbac::roles::ensure_grantable(&state.db, actor, &role).await?;
    Ok(role)
}

/// Changes a user's role; never leaves the business without an Owner.
pub(crate) async fn change_role<C: sea_orm::ConnectionTrait>(
    db: &C,
    actor: &Principal,
    user: users::Model,
    role: &roles::Model,
) -> AppResult<users::Model> {
    if user.role_id == Some(role.id) {
        return Ok(user);
    }
    let current = match user.role_id {
        Some(id) => roles::Entity::find_by_id(id).one(db).await?,
        None => None,
    };
    crate::server::rbac::roles::ensure_outranks(db, actor, current.as_ref()).await?;
    accounts::guard_owner_change(
        db,
        actor,
        &user,
        current.as_ref(),
        "The last Owner cannot be given another role.",
    )
    .await?;
    let from = user.role_id;
    let mut active: users::ActiveModel = user.into();
    active.role_id = Set(Some(role.id));
    active.updated_at = Set(Utc::now());
    let user = active.update(db).await?;
    audit::record(
        db,
        audit::Entry::new("user.role_changed")
            .actor(actor.user.id)
            .target("user", user.id.to_string())
            .details(serde_json::json!({ "from": from, "to": role.id, "role": role.name })),
    )
    .await?;
    Ok(user)
}

/// `POST /users/assign-role`: an existing user gets the role; an unknown email gets an account with
/// it and an invitation to set a password.
pub async fn assign_role(
    state: &AppState,
    actor: &Principal,
    email: &str,
    role_id: &str,
) -> AppResult<Assigned> {
    let (email, role_id) = match (Email::parse(email), parse_role_id(role_id)) {
        (Ok(e), Ok(r)) => (e, r),
        (e, r) => return Err(AppError::Validation(e.err().into_iter().chain(r.err()).collect())),
    };
    let role = grantable_role(state, actor, role_id).await?;
    let txn = crate::server::db::write_txn(&state.db).await?;
    let assigned = match accounts::find_by_email(&txn, &email).await? {
        Some(user) => Assigned {
            user: change_role(&txn, actor, user, &role).await?,
            role,
            invited: false,
        },
        None => {
            let name = email.as_str().split('@').next().unwrap_or("Staff").to_owned();
            let user = accounts::create(
                &txn,
                NewAccount {
                    email: &email,
                    name: &name,
                    password_hash: None,
                    role: &role.name,
                    email_verified: false,
                    must_change_password: false,
                },
            )
            .await?;
            let token = codes::issue_link(
                &txn,
                &state.config.jwt_secret,
                Purpose::Invitation,
                &email,
                Duration::days(INVITATION_DAYS),
            )
            .await?;
            let url = format!("{}/set-password?token={token}", state.config.public_url);
            outbox::enqueue_email(
                &txn,
                email.as_str(),
                &templates::invitation(&role.name, &url, INVITATION_DAYS),
            )
            .await?;
            audit::record(
                &txn,
                audit::Entry::new("user.invited")
                    .actor(actor.user.id)
                    .target("user", user.id.to_string())
                    .details(serde_json::json!({ "role": role.name })),
            )
            .await?;
            Assigned {
                user,
                role,
                invited: true,
            }
        }
    };
    txn.commit().await?;
    if assigned.invited {
        state.outbox_kick.now();
    } else {
        super::directory::signed_out(state, assigned.user.id);
    }
    Ok(assigned)
}

/// `POST /users/assign-role-multiple`: existing users only, all in one transaction. Returns the
/// updated users and the emails that have no account.
pub async fn assign_role_multiple(
    state: &AppState,
    actor: &Principal,
    emails: &[String],
    role_id: &str,
) -> AppResult<(Vec<users::Model>, Vec<String>)> {
    let mut errors = Vec::new();
    let parsed: Vec<Email> = emails
        .iter()
        .enumerate()
        .filter_map(|(i, e)| {
            Email::parse(e)
                .map_err(|err| errors.push(FieldError::new(format!("emails[{i}]"), err.message)))
                .ok()
        })
        .collect();
    if emails.is_empty() {
        errors.push(FieldError::new("emails", "At least one email is required"));
    }
    let role_id = parse_role_id(role_id).map_err(|e| errors.push(e)).ok();
    let (Some(role_id), true) = (role_id, errors.is_empty()) else {
        return Err(AppError::Validation(errors));
    };
    let role = grantable_role(state, actor, role_id).await?;
    let txn = crate::server::db::write_txn(&state.db).await?;
    let (mut updated, mut missing) = (Vec::new(), Vec::new());
    for email in parsed {
        match accounts::find_by_email(&txn, &email).await? {
            Some(user) => updated.push(change_role(&txn, actor, user, &role).await?),
            None => missing.push(email.to_string()),
        }
    }
    txn.commit().await?;
    for user in &updated {
        super::directory::signed_out(state, user.id);
    }
    Ok((updated, missing))
}

/// `GET /auth/setup-password/:token`: whose password the link sets (the link stays unused).
pub async fn setup_info(state: &AppState, token: &str) -> AppResult<Email> {
    let (_, email) =
        codes::check_link(&state.db, &state.config.jwt_secret, Purpose::Invitation, token).await?;
    Ok(email)
}

/// `POST /auth/set-password`: the invited user's first password; the link proves the email.
pub async fn set_password(state: &AppState, token: &str, plain: &str) -> AppResult<()> {
    let password = Password::parse(plain)?;
    super::recovery::redeem_password_link(
        state,
        Purpose::Invitation,
        token,
        &password,
        true,
        "auth.password_set",
    )
    .await
}
