//! Password hashing with argon2id (the crate's recommended parameters, OWASP's minimum).
//! Hashing is deliberately slow, so it runs on the blocking pool, off the async workers.

use argon2::{
    password_hash::{rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString},
    Argon2,
};

use crate::server::error::{AppError, AppResult};
use crate::shared::identity::Password;

pub async fn hash(password: &Password) -> AppResult<String> {
    let plain = password.expose().to_owned();
    tokio::task::spawn_blocking(move || hash_blocking(&plain))
        .await
        .map_err(|e| AppError::Internal(e.into()))?
}

/// Hashes a password that was already checked (a correct sign-in), off the async workers.
pub async fn hash_blocking_async(plain: &str) -> AppResult<String> {
    let plain = plain.to_owned();
    tokio::task::spawn_blocking(move || hash_blocking(&plain))
        .await
        .map_err(|e| AppError::Internal(e.into()))?
}

pub fn hash_blocking(plain: &str) -> AppResult<String> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(plain.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| AppError::Internal(anyhow::anyhow!("argon2: {e}")))
}

/// True when `plain` matches the stored PHC string. A malformed hash never matches.
pub async fn verify(plain: &str, stored: &str) -> AppResult<bool> {
    let (plain, stored) = (plain.to_owned(), stored.to_owned());
    tokio::task::spawn_blocking(move || {
        PasswordHash::new(&stored)
            .map(|parsed| {
                Argon2::default()
                    .verify_password(plain.as_bytes(), &parsed)
                    .is_ok()
            })
            .unwrap_or(false)
    })
    .await
    .map_err(|e| AppError::Internal(e.into()))
}

/// Hashes imported from the old backend (bcrypt `$2a$`/`$2b$`/`$2y$`), to be replaced by argon2id.
pub fn is_legacy(stored: &str) -> bool {
    stored.starts_with("$2")
}

/// Checks `plain` against a stored hash of either kind. A missing or malformed hash never matches.
pub async fn verify_stored(plain: &str, stored: &str) -> AppResult<bool> {
    if !is_legacy(stored) {
        return verify(plain, stored).await;
    }
    let (plain, stored) = (plain.to_owned(), stored.to_owned());
    tokio::task::spawn_blocking(move || bcrypt::verify(plain, &stored).unwrap_or(false))
        .await
        .map_err(|e| AppError::Internal(e.into()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hashes_verify_and_are_salted() {
        let p = Password::parse("Passw0rd!").unwrap();
        let a = hash(&p).await.unwrap();
        let b = hash(&p).await.unwrap();
        assert!(a.starts_with("$argon2id$"));
        assert_ne!(a, b);
        assert!(verify("Passw0rd!", &a).await.unwrap());
        assert!(!verify("Passw0rd?", &a).await.unwrap());
        assert!(!verify("Passw0rd!", "not a hash").await.unwrap());
    }
}
