//! Guess limits for everything that checks a password (sign-in through the API and the portal, and
//! `change-password`'s current password).
//!
//! A guess is *claimed* before the password is checked: in one transaction the counter goes up and,
//! from the third failure on, the lock is set. A claim fails while the lock holds. So however many
//! guesses arrive together, at most the allowed number are ever evaluated: a burst of 25 at a fresh
//! account checks three. The right password then clears the counter and the lock.
//!
//! Rows are keyed by a keyed hash of the email, not by account: an email without an account is
//! counted, answered and locked exactly like a real one, so the answers do not tell them apart.

use chrono::{DateTime, Duration, Utc};
use sea_orm::{
    sea_query::Expr, ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    Set, TransactionTrait,
};
use sha2::{Digest, Sha256};

use crate::server::{
    config::Secret,
    entities::sign_in_throttle as throttle,
    error::{AppError, AppResult},
};
use crate::shared::identity::Email;

/// Consecutive failures that lock an email; the lock then doubles with each further failure.
pub const FAILURES_BEFORE_LOCKOUT: i32 = 3;

/// The lock rules, from configuration.
#[derive(Debug, Clone, Copy)]
pub struct Rules {
    pub base_secs: u64,
    pub max_secs: u64,
}

/// A guess that may be checked.
#[derive(Debug, Clone, Copy)]
pub struct Claim {
    key_failures: i32,
    lock_secs: Option<u64>,
}

impl Claim {
    /// The error for this guess if the password turns out wrong: a lock from the third failure
    /// on, otherwise the attempts left.
    pub fn refusal(&self) -> AppError {
        match self.lock_secs {
            Some(secs) => AppError::LockedOut {
                retry_after_secs: secs,
            },
            None => AppError::InvalidCredentials {
                attempts_remaining: Some((FAILURES_BEFORE_LOCKOUT - self.key_failures).max(0) as u32),
            },
        }
    }

    /// How many consecutive failures this guess would make.
    pub fn failures(&self) -> i32 {
        self.key_failures
    }
}

/// The row key: SHA-256 over the server secret and the normalised email, hex.
pub fn key(secret: &Secret, email: &Email) -> String {
    let mut h = Sha256::new();
    for part in [secret.expose(), "sign-in-throttle", email.as_str()] {
        h.update((part.len() as u64).to_be_bytes());
        h.update(part.as_bytes());
    }
    format!("{:x}", h.finalize())
}

/// Lock length for the n-th consecutive failure: base at the 3rd, doubling, capped.
pub fn lockout_secs(failures: i32, rules: Rules) -> u64 {
    let doublings = (failures - FAILURES_BEFORE_LOCKOUT).clamp(0, 30) as u32;
    rules
        .base_secs
        .saturating_mul(1u64 << doublings)
        .min(rules.max_secs)
}

fn seconds_until(until: DateTime<Utc>, now: DateTime<Utc>) -> u64 {
    let ms = (until - now).num_milliseconds().max(0) as u64;
    ms.div_ceil(1000).max(1)
}

/// Claims one guess for `key`, counting it as a failure until `succeeded` says otherwise. Locked:
/// `LockedOut` with the seconds left, and nothing is checked.
pub async fn claim(db: &DatabaseConnection, key: &str, rules: Rules) -> AppResult<Claim> {
    let now = Utc::now();
    throttle::Entity::insert(throttle::ActiveModel {
        key: Set(key.to_owned()),
        failures: Set(0),
        lockout_until: Set(None),
        updated_at: Set(now),
    })
    .on_conflict_do_nothing_on([throttle::Column::Key])
    .exec(db)
    .await?;

    let txn = db.begin().await?;
    // The write comes first: it takes the row lock (Postgres) or the database's write lock (SQLite)
    // before anything is read, so concurrent claims queue here and each sees the one before it.
    let claimed = throttle::Entity::update_many()
        .col_expr(
            throttle::Column::Failures,
            sea_orm::sea_query::ExprTrait::add(Expr::col(throttle::Column::Failures), 1),
        )
        .col_expr(throttle::Column::UpdatedAt, Expr::value(now))
        .filter(throttle::Column::Key.eq(key))
        .filter(
            Condition::any()
                .add(throttle::Column::LockoutUntil.is_null())
                .add(throttle::Column::LockoutUntil.lte(now)),
        )
        .exec(&txn)
        .await?
        .rows_affected;
    let row = throttle::Entity::find_by_id(key.to_owned())
        .one(&txn)
        .await?
        .ok_or_else(|| AppError::Internal(anyhow::anyhow!("sign-in throttle row vanished")))?;
    if claimed == 0 {
        txn.rollback().await?;
        let until = row.lockout_until.unwrap_or(now);
        return Err(AppError::LockedOut {
            retry_after_secs: seconds_until(until, now),
        });
    }
    let lock_secs = (row.failures >= FAILURES_BEFORE_LOCKOUT).then(|| lockout_secs(row.failures, rules));
    if let Some(secs) = lock_secs {
        throttle::Entity::update_many()
            .col_expr(
                throttle::Column::LockoutUntil,
                Expr::value(now + Duration::seconds(secs as i64)),
            )
            .filter(throttle::Column::Key.eq(key))
            .exec(&txn)
            .await?;
    }
    txn.commit().await?;
    Ok(Claim {
        key_failures: row.failures,
        lock_secs,
    })
}

/// The password was right: the counter and any lock go.
pub async fn succeeded<C: ConnectionTrait>(db: &C, key: &str) -> AppResult<()> {
    throttle::Entity::delete_many()
        .filter(throttle::Column::Key.eq(key))
        .exec(db)
        .await?;
    Ok(())
}

/// A password was replaced (reset, change, invitation): its email starts afresh.
pub async fn clear<C: ConnectionTrait>(db: &C, secret: &Secret, email: &Email) -> AppResult<()> {
    succeeded(db, &key(secret, email)).await
}

/// Rows with no lock in force that have not moved for a day (the sweep keeps the table small
/// however many emails are tried).
pub async fn sweep<C: ConnectionTrait>(db: &C) -> AppResult<u64> {
    let day_ago = Utc::now() - Duration::days(1);
    Ok(throttle::Entity::delete_many()
        .filter(throttle::Column::UpdatedAt.lt(day_ago))
        .filter(
            Condition::any()
                .add(throttle::Column::LockoutUntil.is_null())
                .add(throttle::Column::LockoutUntil.lt(day_ago)),
        )
        .exec(db)
        .await?
        .rows_affected)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lockout_starts_at_the_third_failure_and_doubles_to_the_cap() {
        let rules = Rules {
            base_secs: 30,
            max_secs: 900,
        };
        assert_eq!(lockout_secs(3, rules), 30);
        assert_eq!(lockout_secs(4, rules), 60);
        assert_eq!(lockout_secs(5, rules), 120);
        assert_eq!(lockout_secs(8, rules), 900);
        assert_eq!(lockout_secs(1000, rules), 900);
    }

    #[test]
    fn refusals_count_down_then_lock() {
        let c = |n, lock| Claim {
            key_failures: n,
            lock_secs: lock,
        };
        assert!(matches!(
            c(1, None).refusal(),
            AppError::InvalidCredentials {
                attempts_remaining: Some(2)
            }
        ));
        assert!(matches!(
            c(3, Some(30)).refusal(),
            AppError::LockedOut { retry_after_secs: 30 }
        ));
    }

    #[test]
    fn keys_depend_on_secret_and_email() {
        let a = Email::parse("a@example.com").unwrap();
        let b = Email::parse("b@example.com").unwrap();
        let s = Secret::new("k");
        assert_eq!(key(&s, &a).len(), 64);
        assert_ne!(key(&s, &a), key(&s, &b));
        assert_ne!(key(&s, &a), key(&Secret::new("other"), &a));
    }
}
