//! Six-digit one-time codes sent by email (verify an address, reset or change a password).
//!
//! Stored as a SHA-256 keyed with the server secret (a bare hash of a 6-digit code is reversible by
//! brute force), compared in constant time, single use, 10 minutes, and dead after 5 tries (each
//! claimed before it is compared, so a burst of guesses cannot get more).
//! Issuing a new code for the same email and purpose voids the older ones.

use chrono::{Duration, Utc};
use rand::Rng;
use sea_orm::{
    sea_query::Expr, ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait,
    QueryFilter, QueryOrder, Set,
};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;
use uuid::Uuid;

use crate::server::{
    config::Secret,
    entities::one_time_codes,
    error::{AppError, AppResult},
};
use crate::shared::{errors::FieldError, identity::Email};

pub const CODE_TTL_MINUTES: i64 = 10;
pub const MAX_WRONG_TRIES: i32 = 5;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    VerifyEmail,
    ResetPassword,
    ChangePassword,
    /// A password-reset link (1 hour).
    ResetLink,
    /// A staff invitation's set-password link (7 days).
    Invitation,
}

impl Purpose {
    fn as_str(self) -> &'static str {
        match self {
            Self::VerifyEmail => "verify_email",
            Self::ResetPassword => "reset_password",
            Self::ChangePassword => "change_password",
            Self::ResetLink => "reset_link",
            Self::Invitation => "invitation",
        }
    }
}

fn digest(secret: &Secret, purpose: Purpose, email: &Email, code: &str) -> String {
    let mut h = Sha256::new();
    for part in [secret.expose(), purpose.as_str(), email.as_str(), code] {
        h.update((part.len() as u64).to_be_bytes());
        h.update(part.as_bytes());
    }
    format!("{:x}", h.finalize())
}

/// A fresh code for `email`; older unused codes for the same purpose stop working.
pub async fn issue<C: ConnectionTrait>(
    db: &C,
    secret: &Secret,
    purpose: Purpose,
    email: &Email,
) -> AppResult<String> {
    issue_until(
        db,
        secret,
        purpose,
        email,
        Utc::now() + Duration::minutes(CODE_TTL_MINUTES),
    )
    .await
}

/// Like `issue`, for a code that must not outlive `expires_at` (at most the usual 10 minutes).
pub async fn issue_until<C: ConnectionTrait>(
    db: &C,
    secret: &Secret,
    purpose: Purpose,
    email: &Email,
    expires_at: chrono::DateTime<Utc>,
) -> AppResult<String> {
    let now = Utc::now();
    let expires_at = expires_at.min(now + Duration::minutes(CODE_TTL_MINUTES));
    void(db, purpose, email).await?;
    let code = format!("{:06}", rand::rng().random_range(100_000..1_000_000));
    one_time_codes::ActiveModel {
        id: Set(Uuid::now_v7()),
        purpose: Set(purpose.as_str().to_owned()),
        email: Set(email.as_str().to_owned()),
        code_hash: Set(digest(secret, purpose, email, &code)),
        expires_at: Set(expires_at),
        attempts: Set(0),
        consumed_at: Set(None),
        created_at: Set(now),
    }
    .insert(db)
    .await?;
    Ok(code)
}

async fn void<C: ConnectionTrait>(db: &C, purpose: Purpose, email: &Email) -> AppResult<()> {
    one_time_codes::Entity::update_many()
        .col_expr(one_time_codes::Column::ConsumedAt, Expr::value(Utc::now()))
        .filter(one_time_codes::Column::Email.eq(email.as_str()))
        .filter(one_time_codes::Column::Purpose.eq(purpose.as_str()))
        .filter(one_time_codes::Column::ConsumedAt.is_null())
        .exec(db)
        .await?;
    Ok(())
}

/// The field error for a code that is not six digits, before any lookup.
pub fn parse_code(raw: &str) -> Result<String, FieldError> {
    let code = raw.trim();
    if code.len() == 6 && code.bytes().all(|b| b.is_ascii_digit()) {
        Ok(code.to_owned())
    } else {
        Err(FieldError::new("code", "Code must be 6 digits"))
    }
}

/// Checks `code` against the current code and returns its id; `mark_used` then spends it inside the
/// caller's transaction.
///
/// Each try is claimed before the comparison: the try counter goes up in one conditional write
/// (`attempts < 5`), on `db` directly so a failing request cannot roll it back. However many tries
/// arrive at once, at most five are ever compared; after the fifth the code is dead.
pub async fn check(
    db: &DatabaseConnection,
    secret: &Secret,
    purpose: Purpose,
    email: &Email,
    code: &str,
    expired_message: &str,
) -> AppResult<Uuid> {
    let now = Utc::now();
    let Some(row) = one_time_codes::Entity::find()
        .filter(one_time_codes::Column::Email.eq(email.as_str()))
        .filter(one_time_codes::Column::Purpose.eq(purpose.as_str()))
        .filter(one_time_codes::Column::ConsumedAt.is_null())
        .order_by_desc(one_time_codes::Column::CreatedAt)
        .one(db)
        .await?
    else {
        return Err(invalid());
    };
    if row.expires_at <= now {
        return Err(AppError::BadRequest(expired_message.to_owned()));
    }
    let claimed = one_time_codes::Entity::update_many()
        .col_expr(
            one_time_codes::Column::Attempts,
            sea_orm::sea_query::ExprTrait::add(Expr::col(one_time_codes::Column::Attempts), 1),
        )
        .filter(one_time_codes::Column::Id.eq(row.id))
        .filter(one_time_codes::Column::Attempts.lt(MAX_WRONG_TRIES))
        .filter(one_time_codes::Column::ConsumedAt.is_null())
        .exec(db)
        .await?
        .rows_affected;
    if claimed == 0 {
        return Err(too_many());
    }
    let expected = digest(secret, purpose, email, code);
    if bool::from(expected.as_bytes().ct_eq(row.code_hash.as_bytes())) {
        return Ok(row.id);
    }
    let tries = one_time_codes::Entity::find_by_id(row.id)
        .one(db)
        .await?
        .map_or(MAX_WRONG_TRIES, |r| r.attempts);
    let left = MAX_WRONG_TRIES - tries;
    Err(if left > 0 {
        AppError::BadRequest(format!("Invalid code. {left} attempts left."))
    } else {
        too_many()
    })
}

/// Spends a checked code. Fails if a concurrent request spent it first.
pub async fn mark_used<C: ConnectionTrait>(db: &C, id: Uuid) -> AppResult<()> {
    let used = one_time_codes::Entity::update_many()
        .col_expr(one_time_codes::Column::ConsumedAt, Expr::value(Utc::now()))
        .filter(one_time_codes::Column::Id.eq(id))
        .filter(one_time_codes::Column::ConsumedAt.is_null())
        .exec(db)
        .await?
        .rows_affected;
    if used == 1 {
        Ok(())
    } else {
        Err(invalid())
    }
}

fn invalid() -> AppError {
    AppError::BadRequest("Invalid or expired code. Please request a new one.".into())
}

fn too_many() -> AppError {
    AppError::BadRequest("Too many wrong codes. Please request a new one.".into())
}

/// Issues a code for `email` and queues the email carrying it, on `db` (the caller's transaction).
/// The caller commits, then wakes the outbox (`state.outbox_kick.now()`).
pub async fn issue_and_email<C: ConnectionTrait>(
    db: &C,
    secret: &Secret,
    purpose: Purpose,
    email: &Email,
    render: impl FnOnce(&str) -> crate::server::notify::templates::EmailMessage,
) -> AppResult<()> {
    let code = issue(db, secret, purpose, email).await?;
    crate::server::notify::outbox::enqueue_email(db, email.as_str(), &render(&code)).await?;
    Ok(())
}

/// A link token: 32 random bytes, base64url. Stored keyed-hashed like codes, found by its hash.
pub async fn issue_link<C: ConnectionTrait>(
    db: &C,
    secret: &Secret,
    purpose: Purpose,
    email: &Email,
    ttl: Duration,
) -> AppResult<String> {
    use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};
    let now = Utc::now();
    void(db, purpose, email).await?;
    let mut bytes = [0u8; 32];
    rand::rng().fill(&mut bytes);
    let token = URL_SAFE_NO_PAD.encode(bytes);
    one_time_codes::ActiveModel {
        id: Set(Uuid::now_v7()),
        purpose: Set(purpose.as_str().to_owned()),
        email: Set(email.as_str().to_owned()),
        code_hash: Set(link_digest(secret, purpose, &token)),
        expires_at: Set(now + ttl),
        attempts: Set(0),
        consumed_at: Set(None),
        created_at: Set(now),
    }
    .insert(db)
    .await?;
    Ok(token)
}

fn link_digest(secret: &Secret, purpose: Purpose, token: &str) -> String {
    let mut h = Sha256::new();
    for part in [secret.expose(), purpose.as_str(), token] {
        h.update((part.len() as u64).to_be_bytes());
        h.update(part.as_bytes());
    }
    format!("{:x}", h.finalize())
}

/// The id and email of a live link token. 256 random bits cannot be guessed, so there is no try count.
pub async fn check_link<C: ConnectionTrait>(
    db: &C,
    secret: &Secret,
    purpose: Purpose,
    token: &str,
) -> AppResult<(Uuid, Email)> {
    let row = one_time_codes::Entity::find()
        .filter(one_time_codes::Column::CodeHash.eq(link_digest(secret, purpose, token.trim())))
        .filter(one_time_codes::Column::Purpose.eq(purpose.as_str()))
        .one(db)
        .await?
        .filter(|r| r.consumed_at.is_none())
        .ok_or_else(|| AppError::BadRequest("This link is invalid or has already been used.".into()))?;
    if row.expires_at <= Utc::now() {
        return Err(AppError::BadRequest(
            "This link has expired. Please ask for a new one.".into(),
        ));
    }
    let email = Email::parse(&row.email)?;
    Ok((row.id, email))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_must_be_six_digits() {
        assert_eq!(parse_code(" 123456 ").unwrap(), "123456");
        for bad in ["12345", "1234567", "12345a", ""] {
            assert_eq!(parse_code(bad).unwrap_err().field, "code");
        }
    }

    #[test]
    fn digests_bind_purpose_email_and_secret() {
        let s = Secret::new("k");
        let e = Email::parse("a@example.com").unwrap();
        let d = digest(&s, Purpose::VerifyEmail, &e, "123456");
        assert_ne!(d, digest(&s, Purpose::ResetPassword, &e, "123456"));
        assert_ne!(
            d,
            digest(&Secret::new("other"), Purpose::VerifyEmail, &e, "123456")
        );
        assert_ne!(
            d,
            digest(
                &s,
                Purpose::VerifyEmail,
                &Email::parse("b@example.com").unwrap(),
                "123456"
            )
        );
    }
}
