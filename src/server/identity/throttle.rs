//! Guess limits for everything that checks a password (sign-in through the API and the portal, and
//! `change-password`'s current password).
//!
//! A guess is *claimed* before the password is checked, in one conditional write: it is allowed
//! only while the email is not locked and the failures so far plus the guesses still being checked
//! stay under the limit. So however many guesses arrive together, at most the allowed number are
//! ever evaluated: a burst of 25 at a fresh account checks three, and the rest wait for those three
//! to settle (then they are locked out, or go ahead if the right password cleared the count). The
//! claim is settled once the hash is checked: a failure counts, and the third locks the email; the
//! right password clears it. A claim that is never settled (a crash) lapses after a minute.
//!
//! Rows are keyed by a keyed hash of the email, not by account: an email without an account is
//! counted, answered and locked exactly like a real one, so the answers do not tell them apart.

use std::time::Duration as StdDuration;

use chrono::{DateTime, Duration, Utc};
use sea_orm::{
    sea_query::Expr, ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    Set,
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
/// Guesses still being checked are forgotten after this long (their request died).
const CLAIM_LAPSES_SECS: i64 = 60;
/// How long a guess waits for the ones ahead of it before the server says it is busy.
const WAIT_FOR_TURN: StdDuration = StdDuration::from_secs(10);

/// The lock rules, from configuration.
#[derive(Debug, Clone, Copy)]
pub struct Rules {
    pub base_secs: u64,
    pub max_secs: u64,
}

/// A guess that may be checked; settle it with [`Claim::failed`], [`Claim::succeeded`] or
/// [`Claim::release`].
#[derive(Debug)]
#[must_use = "a claim must be settled"]
pub struct Claim {
    key: String,
    rules: Rules,
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

/// The SQL arithmetic, kept in one module: importing `ExprTrait` shadows `min`/`max` on numbers.
mod sql {
    use super::throttle::Column;
    use sea_orm::sea_query::{Expr, ExprTrait, SimpleExpr};

    pub fn add(col: Column, n: i32) -> SimpleExpr {
        Expr::col(col).add(n)
    }

    /// `failures + in_flight < limit`.
    pub fn room_left(limit: i32) -> SimpleExpr {
        Expr::col(Column::Failures)
            .add(Expr::col(Column::InFlight))
            .lt(limit)
    }

    /// `in_flight - 1`, never below zero (a lapsed claim may already have been dropped).
    pub fn in_flight_minus_one() -> SimpleExpr {
        Expr::case(
            Expr::col(Column::InFlight).gt(0),
            Expr::col(Column::InFlight).sub(1),
        )
        .finally(0)
        .into()
    }

    /// One claim more, or a fresh count when the claims there have lapsed.
    pub fn claim_one(lapsed: chrono::DateTime<chrono::Utc>) -> SimpleExpr {
        Expr::case(Expr::col(Column::UpdatedAt).lt(lapsed), 1)
            .finally(add(Column::InFlight, 1))
            .into()
    }
}
use sql::{add, in_flight_minus_one};

/// Claims one guess for `key`. Locked: `LockedOut` with the seconds left, and nothing is checked.
/// While the guesses ahead are still being checked it waits its turn (up to 10 s, then 503).
pub async fn claim(db: &DatabaseConnection, key: &str, rules: Rules) -> AppResult<Claim> {
    throttle::Entity::insert(throttle::ActiveModel {
        key: Set(key.to_owned()),
        failures: Set(0),
        in_flight: Set(0),
        lockout_until: Set(None),
        updated_at: Set(Utc::now()),
    })
    .on_conflict_do_nothing_on([throttle::Column::Key])
    .exec(db)
    .await?;

    let started = tokio::time::Instant::now();
    let mut pause = StdDuration::from_millis(10);
    loop {
        let now = Utc::now();
        let lapsed = now - Duration::seconds(CLAIM_LAPSES_SECS);
        // One conditional write decides: not locked, and room under the limit (claims left by a
        // dead request lapse, and are then dropped).
        let claimed = throttle::Entity::update_many()
            .col_expr(throttle::Column::InFlight, sql::claim_one(lapsed))
            .col_expr(throttle::Column::UpdatedAt, Expr::value(now))
            .filter(throttle::Column::Key.eq(key))
            .filter(
                Condition::any()
                    .add(throttle::Column::LockoutUntil.is_null())
                    .add(throttle::Column::LockoutUntil.lte(now)),
            )
            // Up to three guesses at a fresh email, fewer as failures add up, and after a lock
            // has run out one at a time.
            .filter(
                Condition::any()
                    .add(sql::room_left(FAILURES_BEFORE_LOCKOUT))
                    .add(throttle::Column::InFlight.eq(0))
                    .add(throttle::Column::UpdatedAt.lt(lapsed)),
            )
            .exec(db)
            .await?
            .rows_affected;
        if claimed == 1 {
            return Ok(Claim {
                key: key.to_owned(),
                rules,
            });
        }
        let row = throttle::Entity::find_by_id(key.to_owned()).one(db).await?;
        if let Some(until) = row.and_then(|r| r.lockout_until).filter(|u| *u > now) {
            return Err(AppError::LockedOut {
                retry_after_secs: seconds_until(until, now),
            });
        }
        // Guesses ahead of this one are still being checked: wait for them to settle.
        if started.elapsed() > WAIT_FOR_TURN {
            return Err(AppError::Overloaded { retry_after_secs: 2 });
        }
        tokio::time::sleep(pause).await;
        pause = (pause * 2).min(StdDuration::from_millis(200));
    }
}

impl Claim {
    /// The password was wrong: the failure counts, and from the third the email is locked. The
    /// answer to give: the attempts left, or the lock.
    pub async fn failed(self, db: &DatabaseConnection) -> AppResult<AppError> {
        let now = Utc::now();
        let txn = crate::server::db::write_txn(db).await?;
        throttle::Entity::update_many()
            .col_expr(throttle::Column::Failures, add(throttle::Column::Failures, 1))
            .col_expr(throttle::Column::InFlight, in_flight_minus_one())
            .col_expr(throttle::Column::UpdatedAt, Expr::value(now))
            .filter(throttle::Column::Key.eq(&self.key))
            .exec(&txn)
            .await?;
        let failures = throttle::Entity::find_by_id(self.key.clone())
            .one(&txn)
            .await?
            .map_or(FAILURES_BEFORE_LOCKOUT, |r| r.failures);
        let refusal = if failures >= FAILURES_BEFORE_LOCKOUT {
            let secs = lockout_secs(failures, self.rules);
            throttle::Entity::update_many()
                .col_expr(
                    throttle::Column::LockoutUntil,
                    Expr::value(now + Duration::seconds(secs as i64)),
                )
                .filter(throttle::Column::Key.eq(&self.key))
                .exec(&txn)
                .await?;
            AppError::LockedOut {
                retry_after_secs: secs,
            }
        } else {
            AppError::InvalidCredentials {
                attempts_remaining: Some((FAILURES_BEFORE_LOCKOUT - failures).max(0) as u32),
            }
        };
        txn.commit().await?;
        Ok(refusal)
    }

    /// The password was right: the failures and any lock go.
    pub async fn succeeded(self, db: &DatabaseConnection) -> AppResult<()> {
        throttle::Entity::update_many()
            .col_expr(throttle::Column::Failures, Expr::value(0))
            .col_expr(throttle::Column::InFlight, in_flight_minus_one())
            .col_expr(
                throttle::Column::LockoutUntil,
                Expr::value(Option::<DateTime<Utc>>::None),
            )
            .col_expr(throttle::Column::UpdatedAt, Expr::value(Utc::now()))
            .filter(throttle::Column::Key.eq(&self.key))
            .exec(db)
            .await?;
        Ok(())
    }

    /// The password could not be checked (the server was busy): the guess does not count.
    pub async fn release(self, db: &DatabaseConnection) -> AppResult<()> {
        throttle::Entity::update_many()
            .col_expr(throttle::Column::InFlight, in_flight_minus_one())
            .filter(throttle::Column::Key.eq(&self.key))
            .exec(db)
            .await?;
        Ok(())
    }
}

/// A password was replaced (reset, change, invitation): its email starts afresh.
pub async fn clear<C: ConnectionTrait>(db: &C, secret: &Secret, email: &Email) -> AppResult<()> {
    throttle::Entity::update_many()
        .col_expr(throttle::Column::Failures, Expr::value(0))
        .col_expr(
            throttle::Column::LockoutUntil,
            Expr::value(Option::<DateTime<Utc>>::None),
        )
        .filter(throttle::Column::Key.eq(key(secret, email)))
        .exec(db)
        .await?;
    Ok(())
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
    fn keys_depend_on_secret_and_email() {
        let a = Email::parse("a@example.com").unwrap();
        let b = Email::parse("b@example.com").unwrap();
        let s = Secret::new("k");
        assert_eq!(key(&s, &a).len(), 64);
        assert_ne!(key(&s, &a), key(&s, &b));
        assert_ne!(key(&s, &a), key(&Secret::new("other"), &a));
    }
}
