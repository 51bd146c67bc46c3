//! Google sign-in, for the portal's redirect flow and the mobile app's `POST /auth/google`: a
//! verified Google identity becomes a Pulse user.
//!
//! Matching: first by the (provider, subject) link in `accounts`; failing that, by the Google
//! account's email, only when Google says it is verified, which then links the two. A person new to
//! Pulse gets a `Customer` account with a verified email and no password. Every sign-in refreshes
//! `last_login`/`last_seen` and fills the name and picture where the profile has none (the profile
//! the person edited in Pulse wins).

use chrono::Utc;
use sea_orm::{ActiveModelTrait, ColumnTrait, DatabaseTransaction, EntityTrait, QueryFilter, Set};
use uuid::Uuid;

use super::{
    accounts::{self, NewAccount, Principal},
    oidc::IdentityClaims,
    tokens::{self, ClientInfo},
};
use crate::server::{
    audit,
    entities::{accounts as linked_accounts, users},
    error::{AppError, AppResult},
    state::AppState,
};
use crate::shared::{auth::AuthSession, identity::Email, permissions::CUSTOMER_ROLE};

pub const PROVIDER: &str = "google";

/// `POST /auth/google {idToken}`: verifies the token (signature, issuer, audience, expiry) and
/// answers like a password sign-in.
pub async fn mobile_sign_in(state: &AppState, id_token: &str, client: &ClientInfo) -> AppResult<AuthSession> {
    let id_token = id_token.trim();
    if id_token.is_empty() {
        return Err(AppError::field("idToken", "Google ID token is required"));
    }
    let provider = state
        .google
        .as_ref()
        .ok_or(AppError::Unavailable("Google sign-in"))?;
    let claims = provider.verify_id_token(id_token, None).await?;
    let principal = sign_in(state, &claims, client, "api").await?;
    let (access_token, refresh_token) =
        tokens::sign_in_pair(&state.db, &state.config.jwt_secret, &principal, client).await?;
    Ok(AuthSession {
        access_token,
        refresh_token,
        user: principal.auth_user(),
    })
}

/// Finds, links or creates the user for a verified identity, and records the sign-in.
pub async fn sign_in(
    state: &AppState,
    claims: &IdentityClaims,
    client: &ClientInfo,
    channel: &str,
) -> AppResult<Principal> {
    // Two first sign-ins of one person can race to create the link; the loser finds the winner's.
    let user_id = match resolve(state, claims, client).await {
        Err(AppError::Conflict(_)) => resolve(state, claims, client).await?,
        other => other?,
    };
    let principal = accounts::load_principal(&state.db, &state.permissions, user_id)
        .await?
        .ok_or_else(|| AppError::Internal(anyhow::anyhow!("user vanished during Google sign-in")))?;
    ensure_active(&principal.user)?;
    audit::record(
        &state.db,
        audit::Entry::new("auth.login")
            .actor(user_id)
            .target("user", user_id.to_string())
            .client(client.ip.clone(), client.user_agent.clone())
            .details(serde_json::json!({ "channel": channel, "method": PROVIDER })),
    )
    .await?;
    Ok(principal)
}

/// Checked before anything is linked or synced: a deactivated account is left exactly as it was.
fn ensure_active(user: &users::Model) -> AppResult<()> {
    if user.is_active {
        Ok(())
    } else {
        Err(AppError::Forbidden {
            message: "This account has been deactivated.".into(),
            code: Some("ACCOUNT_DISABLED"),
        })
    }
}

/// The user id for `claims`, linking or creating in one transaction. A lost race for the link is a
/// `Conflict`, and nothing of this attempt is kept.
async fn resolve(state: &AppState, claims: &IdentityClaims, client: &ClientInfo) -> AppResult<Uuid> {
    let txn = crate::server::db::write_txn(&state.db).await?;
    let now = Utc::now();
    let link = linked_accounts::Entity::find()
        .filter(linked_accounts::Column::Provider.eq(PROVIDER))
        .filter(linked_accounts::Column::Subject.eq(&claims.sub))
        .one(&txn)
        .await?;
    let user = match link {
        Some(link) => {
            let user = users::Entity::find_by_id(link.user_id)
                .one(&txn)
                .await?
                .ok_or_else(|| AppError::Unauthorized("Invalid Google token.".into()))?;
            ensure_active(&user)?;
            let mut active: linked_accounts::ActiveModel = link.into();
            active.last_used_at = Set(now);
            if let Some(email) = claims.email.as_deref().and_then(|e| Email::parse(e).ok()) {
                active.email = Set(email.as_str().to_owned());
            }
            active.update(&txn).await?;
            user
        }
        None => link_or_create(&txn, claims, client).await?,
    };
    let user_id = user.id;
    sync_profile(&txn, user, claims).await?;
    txn.commit().await?;
    Ok(user_id)
}

async fn link_or_create(
    txn: &DatabaseTransaction,
    claims: &IdentityClaims,
    client: &ClientInfo,
) -> AppResult<users::Model> {
    let raw_email = claims
        .email
        .as_deref()
        .ok_or_else(|| AppError::Unauthorized("The Google account has no email address.".into()))?;
    if !claims.email_verified {
        return Err(AppError::Forbidden {
            message: "Your Google email address is not verified. Verify it with Google, then try again."
                .into(),
            code: Some("EMAIL_NOT_VERIFIED"),
        });
    }
    let email = Email::parse(raw_email)
        .map_err(|_| AppError::Unauthorized("The Google account's email address is not valid.".into()))?;
    let (user, action) = match accounts::find_by_email(txn, &email).await? {
        Some(mut user) => {
            ensure_active(&user)?;
            if !user.email_verified {
                // Nobody proved this address before now: whoever chose the account's password (an
                // import, a squatter) must not get in once Google verifies the email. The owner of
                // the mailbox keeps the account; its password and sign-ins go.
                let mut active: users::ActiveModel = user.clone().into();
                active.password_hash = Set(None);
                user = active.update(txn).await?;
                accounts::end_all_sign_ins(txn, user.id, None).await?;
            }
            (user, "auth.google_linked")
        }
        None => {
            let name = claims
                .name
                .as_deref()
                .map(str::trim)
                .filter(|n| !n.is_empty())
                .map(|n| n.chars().take(255).collect::<String>())
                .unwrap_or_else(|| email.as_str().split('@').next().unwrap_or("Customer").to_owned());
            let user = accounts::create(
                txn,
                NewAccount {
                    email: &email,
                    name: &name,
                    password_hash: None,
                    role: CUSTOMER_ROLE,
                    email_verified: true,
                    must_change_password: false,
                },
            )
            .await?;
            (user, "auth.google_signup")
        }
    };
    let now = Utc::now();
    linked_accounts::ActiveModel {
        id: Set(Uuid::now_v7()),
        user_id: Set(user.id),
        provider: Set(PROVIDER.to_owned()),
        subject: Set(claims.sub.clone()),
        email: Set(email.as_str().to_owned()),
        created_at: Set(now),
        last_used_at: Set(now),
    }
    .insert(txn)
    .await
    .map_err(|e| AppError::unique_violation_as(e, "This Google account was linked concurrently."))?;
    audit::record(
        txn,
        audit::Entry::new(action)
            .actor(user.id)
            .target("user", user.id.to_string())
            .client(client.ip.clone(), client.user_agent.clone())
            .details(serde_json::json!({ "provider": PROVIDER, "subject": claims.sub })),
    )
    .await?;
    Ok(user)
}

/// Each sign-in: last seen and last login now; the email counts as verified when Google vouches for
/// it; name and picture come from Google only where Pulse has none.
async fn sync_profile(
    txn: &DatabaseTransaction,
    user: users::Model,
    claims: &IdentityClaims,
) -> AppResult<()> {
    let now = Utc::now();
    let needs_name = user.name.trim().is_empty();
    let needs_picture = user
        .profile_image_url
        .as_deref()
        .is_none_or(|p| p.trim().is_empty());
    // Only when Google vouches for this very address (a linked Google account may use another).
    let proves_email = claims.email_verified
        && claims
            .email
            .as_deref()
            .is_some_and(|e| e.trim().eq_ignore_ascii_case(&user.email));
    let verify = proves_email && !user.email_verified;
    let mut active: users::ActiveModel = user.into();
    active.last_login = Set(Some(now));
    active.last_seen = Set(Some(now));
    active.updated_at = Set(now);
    if verify {
        active.email_verified = Set(true);
    }
    if needs_name {
        if let Some(name) = claims.name.as_deref().map(str::trim).filter(|n| !n.is_empty()) {
            active.name = Set(name.chars().take(255).collect());
        }
    }
    if needs_picture {
        if let Some(picture) = claims.picture.as_deref().filter(|p| p.starts_with("https://")) {
            active.profile_image_url = Set(Some(picture.to_owned()));
        }
    }
    active.update(txn).await?;
    Ok(())
}
