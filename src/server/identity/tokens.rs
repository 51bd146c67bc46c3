//! Tokens for the mobile API: HS256 access JWTs (7 days; the app never refreshes) and opaque
//! refresh tokens (30 days) that rotate on use, stored as SHA-256 hashes in rotation families.

use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};
use chrono::{DateTime, Duration, Utc};
use jsonwebtoken::{
    decode, encode, errors::ErrorKind, Algorithm, DecodingKey, EncodingKey, Header, Validation,
};
use rand::RngCore;
use sea_orm::{
    sea_query::Expr, ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait,
    QueryFilter, Set,
};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::accounts::Principal;
use crate::server::{
    audit,
    config::Secret,
    entities::{ended_sign_ins, refresh_tokens},
    error::{AppError, AppResult},
};

pub const ACCESS_TTL_DAYS: i64 = 7;
pub const REFRESH_TTL_DAYS: i64 = 30;
/// A token presented again this soon after its rotation is taken for a client retrying the same
/// request (two refreshes racing), not for theft: it is refused without revoking the family.
const REUSE_GRACE_SECS: i64 = 10;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccessClaims {
    pub sub: Uuid,
    pub role: String,
    pub jti: Uuid,
    pub iat: i64,
    pub exp: i64,
    /// A guest session of the older app builds: `sub` names the session, not a user.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub guest: bool,
    /// The sign-in (refresh token family) this token belongs to: logging out of that sign-in ends
    /// it at once. Tokens issued before this claim existed have none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sid: Option<Uuid>,
}

pub fn issue_access(secret: &Secret, principal: &Principal, sid: Uuid) -> AppResult<String> {
    let now = Utc::now();
    sign(
        secret,
        &AccessClaims {
            sub: principal.user.id,
            role: principal.role_name().to_owned(),
            jti: Uuid::now_v7(),
            iat: now.timestamp(),
            exp: (now + Duration::days(ACCESS_TTL_DAYS)).timestamp(),
            guest: false,
            sid: Some(sid),
        },
    )
}

/// A new sign-in: a refresh token starting its family, and an access token tied to that family.
pub async fn sign_in_pair(
    db: &DatabaseConnection,
    secret: &Secret,
    principal: &Principal,
    client: &ClientInfo,
) -> AppResult<(String, String)> {
    let family = Uuid::now_v7();
    let refresh = store(db, Uuid::now_v7(), principal.user.id, family, client, Utc::now()).await?;
    Ok((issue_access(secret, principal, family)?, refresh))
}

/// A guest token (`POST /auth/guest`): a fresh session id, role Guest, no account behind it.
pub fn issue_guest(secret: &Secret) -> AppResult<(Uuid, String)> {
    let now = Utc::now();
    let session_id = Uuid::now_v7();
    let token = sign(
        secret,
        &AccessClaims {
            sub: session_id,
            role: crate::shared::permissions::GUEST_ROLE.to_owned(),
            jti: Uuid::now_v7(),
            iat: now.timestamp(),
            exp: (now + Duration::days(ACCESS_TTL_DAYS)).timestamp(),
            guest: true,
            sid: None,
        },
    )?;
    Ok((session_id, token))
}

/// A guest session's refresh token (older app builds expect both tokens from `POST /auth/guest`).
/// Signed like an access token but with its own audience and no role, so it is refused wherever an
/// access token is expected; it only renews the same guest session.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct GuestRefreshClaims {
    sub: Uuid,
    aud: String,
    iat: i64,
    exp: i64,
}

const GUEST_REFRESH_AUDIENCE: &str = "pulse-guest-refresh";

pub fn issue_guest_refresh(secret: &Secret, session_id: Uuid) -> AppResult<String> {
    let now = Utc::now();
    encode(
        &Header::new(Algorithm::HS256),
        &GuestRefreshClaims {
            sub: session_id,
            aud: GUEST_REFRESH_AUDIENCE.to_owned(),
            iat: now.timestamp(),
            exp: (now + Duration::days(REFRESH_TTL_DAYS)).timestamp(),
        },
        &EncodingKey::from_secret(secret.expose().as_bytes()),
    )
    .map_err(|e| AppError::Internal(anyhow::anyhow!("signing a token: {e}")))
}

/// The guest session a guest refresh token renews, if it is one (valid, unexpired).
pub fn verify_guest_refresh(secret: &Secret, token: &str) -> Option<Uuid> {
    let mut validation = Validation::new(Algorithm::HS256);
    validation.leeway = 0;
    validation.set_audience(&[GUEST_REFRESH_AUDIENCE]);
    validation.set_required_spec_claims(&["exp", "iat", "sub", "aud"]);
    decode::<GuestRefreshClaims>(
        token,
        &DecodingKey::from_secret(secret.expose().as_bytes()),
        &validation,
    )
    .ok()
    .map(|d| d.claims.sub)
}

/// A new guest access token for an existing guest session.
pub fn reissue_guest(secret: &Secret, session_id: Uuid) -> AppResult<String> {
    let now = Utc::now();
    sign(
        secret,
        &AccessClaims {
            sub: session_id,
            role: crate::shared::permissions::GUEST_ROLE.to_owned(),
            jti: Uuid::now_v7(),
            iat: now.timestamp(),
            exp: (now + Duration::days(ACCESS_TTL_DAYS)).timestamp(),
            guest: true,
            sid: None,
        },
    )
}

fn sign(secret: &Secret, claims: &AccessClaims) -> AppResult<String> {
    encode(
        &Header::new(Algorithm::HS256),
        claims,
        &EncodingKey::from_secret(secret.expose().as_bytes()),
    )
    .map_err(|e| AppError::Internal(anyhow::anyhow!("signing a token: {e}")))
}

/// Checks signature (HS256 only: `alg: none` and every other algorithm are refused) and expiry.
/// Messages are the old backend's, which the app shows as they are.
pub fn verify_access(secret: &Secret, token: &str) -> AppResult<AccessClaims> {
    let mut validation = Validation::new(Algorithm::HS256);
    validation.leeway = 0;
    validation.set_required_spec_claims(&["exp", "iat", "sub"]);
    decode::<AccessClaims>(
        token,
        &DecodingKey::from_secret(secret.expose().as_bytes()),
        &validation,
    )
    .map(|data| data.claims)
    .map_err(|e| match e.kind() {
        ErrorKind::ExpiredSignature => AppError::Unauthorized("Authentication token expired.".into()),
        _ => AppError::Unauthorized("Invalid authentication token.".into()),
    })
}

/// Where a token was issued, for the audit log and the token row.
#[derive(Debug, Clone, Default)]
pub struct ClientInfo {
    pub ip: Option<String>,
    pub user_agent: Option<String>,
}

fn hash(token: &str) -> String {
    format!("{:x}", Sha256::digest(token.as_bytes()))
}

fn new_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

async fn store<C: ConnectionTrait>(
    db: &C,
    id: Uuid,
    user_id: Uuid,
    family_id: Uuid,
    client: &ClientInfo,
    now: DateTime<Utc>,
) -> AppResult<String> {
    let token = new_token();
    refresh_tokens::ActiveModel {
        id: Set(id),
        user_id: Set(user_id),
        family_id: Set(family_id),
        token_hash: Set(hash(&token)),
        expires_at: Set(now + Duration::days(REFRESH_TTL_DAYS)),
        revoked_at: Set(None),
        replaced_by: Set(None),
        ip: Set(client.ip.clone()),
        user_agent: Set(client
            .user_agent
            .as_deref()
            .map(|ua| ua.chars().take(512).collect())),
        created_at: Set(now),
    }
    .insert(db)
    .await?;
    Ok(token)
}

/// Exchanges a refresh token for a new one in the same family and returns the user and the family.
/// Exactly one of any number of concurrent rotations of one token wins. A token rotated earlier
/// than the grace period is a stolen copy: its whole family is revoked and the event audited.
pub async fn rotate(
    db: &DatabaseConnection,
    token: &str,
    client: &ClientInfo,
) -> AppResult<(Uuid, Uuid, String)> {
    let token_hash = hash(token);
    let now = Utc::now();
    let new_id = Uuid::now_v7();
    let txn = crate::server::db::write_txn(db).await?;
    // The write comes first: on SQLite it takes the write lock before any read, so concurrent
    // rotations queue instead of deadlocking; on Postgres the row lock leaves one winner.
    let claimed = refresh_tokens::Entity::update_many()
        .col_expr(refresh_tokens::Column::RevokedAt, Expr::value(now))
        .col_expr(refresh_tokens::Column::ReplacedBy, Expr::value(new_id))
        .filter(refresh_tokens::Column::TokenHash.eq(&token_hash))
        .filter(refresh_tokens::Column::RevokedAt.is_null())
        .filter(refresh_tokens::Column::ExpiresAt.gt(now))
        .exec(&txn)
        .await?
        .rows_affected;
    let row = refresh_tokens::Entity::find()
        .filter(refresh_tokens::Column::TokenHash.eq(&token_hash))
        .one(&txn)
        .await?;
    let Some(row) = row else {
        return Err(AppError::Unauthorized("Invalid refresh token.".into()));
    };
    if claimed == 1 {
        let fresh = store(&txn, new_id, row.user_id, row.family_id, client, now).await?;
        txn.commit().await?;
        return Ok((row.user_id, row.family_id, fresh));
    }
    if row.revoked_at.is_none() {
        return Err(AppError::Unauthorized("Refresh token expired.".into()));
    }
    if row.replaced_by.is_none() {
        // Revoked by sign-out or with its family, never rotated: refused, but no new evidence of theft.
        return Err(AppError::Unauthorized(
            "Refresh token revoked. Please sign in again.".into(),
        ));
    }
    let rotated_recently = row
        .revoked_at
        .is_some_and(|at| now - at < Duration::seconds(REUSE_GRACE_SECS));
    if rotated_recently {
        return Err(AppError::Unauthorized("Refresh token already used.".into()));
    }
    revoke_family(&txn, row.family_id, now).await?;
    audit::record(
        &txn,
        audit::Entry::new("auth.refresh_reuse")
            .actor(row.user_id)
            .target("token_family", row.family_id.to_string())
            .client(client.ip.clone(), client.user_agent.clone()),
    )
    .await?;
    txn.commit().await?;
    tracing::warn!(user_id = %row.user_id, family = %row.family_id, "refresh token reuse: family revoked");
    Err(AppError::Unauthorized(
        "Refresh token reuse detected. Please sign in again.".into(),
    ))
}

/// Sign-out by refresh token: that sign-in ends (see `end_sign_in`), and its id is returned.
/// Unknown tokens are ignored, so signing out twice is harmless.
pub async fn revoke(db: &DatabaseConnection, token: &str) -> AppResult<Option<Uuid>> {
    let Some(row) = refresh_tokens::Entity::find()
        .filter(refresh_tokens::Column::TokenHash.eq(hash(token)))
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    end_sign_in(db, row.family_id).await?;
    Ok(Some(row.family_id))
}

/// Ends one sign-in: its refresh tokens are revoked, and its access tokens (claim `sid`) are
/// refused from the next request on, on every instance.
pub async fn end_sign_in(db: &DatabaseConnection, sid: Uuid) -> AppResult<()> {
    let now = Utc::now();
    let txn = crate::server::db::write_txn(db).await?;
    revoke_family(&txn, sid, now).await?;
    ended_sign_ins::Entity::insert(ended_sign_ins::ActiveModel {
        sid: Set(sid),
        ended_at: Set(now),
    })
    .on_conflict_do_nothing_on([ended_sign_ins::Column::Sid])
    .exec(&txn)
    .await?;
    txn.commit().await?;
    Ok(())
}

/// Whether the sign-in `sid` was ended by a logout.
pub async fn is_ended<C: ConnectionTrait>(db: &C, sid: Uuid) -> AppResult<bool> {
    Ok(ended_sign_ins::Entity::find_by_id(sid).one(db).await?.is_some())
}

/// Ended sign-ins older than any access token they could end are forgotten.
pub async fn sweep_ended<C: ConnectionTrait>(db: &C) -> AppResult<u64> {
    let before = Utc::now() - Duration::days(ACCESS_TTL_DAYS + 1);
    Ok(ended_sign_ins::Entity::delete_many()
        .filter(ended_sign_ins::Column::EndedAt.lt(before))
        .exec(db)
        .await?
        .rows_affected)
}

/// After a password change or reset: every sign-in of the user ends.
pub async fn revoke_all_for_user<C: ConnectionTrait>(db: &C, user_id: Uuid) -> AppResult<()> {
    refresh_tokens::Entity::update_many()
        .col_expr(refresh_tokens::Column::RevokedAt, Expr::value(Utc::now()))
        .filter(refresh_tokens::Column::UserId.eq(user_id))
        .filter(refresh_tokens::Column::RevokedAt.is_null())
        .exec(db)
        .await?;
    Ok(())
}

async fn revoke_family<C: ConnectionTrait>(db: &C, family_id: Uuid, now: DateTime<Utc>) -> AppResult<()> {
    refresh_tokens::Entity::update_many()
        .col_expr(refresh_tokens::Column::RevokedAt, Expr::value(now))
        .filter(refresh_tokens::Column::FamilyId.eq(family_id))
        .filter(refresh_tokens::Column::RevokedAt.is_null())
        .exec(db)
        .await?;
    Ok(())
}
