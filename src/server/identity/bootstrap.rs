//! Owner accounts created outside the sign-up flow: the development first run and `pulse create-owner`.

use rand::{distr::Alphanumeric, seq::SliceRandom, Rng};
use sea_orm::{ConnectionTrait, EntityTrait, PaginatorTrait};

use super::{
    accounts::{self, NewAccount},
    password,
};
use crate::server::{
    audit,
    entities::users,
    error::{AppError, AppResult},
};
use crate::shared::{
    identity::{Email, Password},
    permissions::OWNER_ROLE,
};

/// The credentials of an owner created for a first run; printed once, never stored in clear.
#[derive(Debug)]
pub struct FirstRunOwner {
    pub email: Email,
    pub password: String,
}

/// On an empty database, creates an Owner with a random password. Development mode only: production
/// owners are created with `pulse create-owner`.
pub async fn first_run_owner<C: ConnectionTrait>(db: &C, email: &Email) -> AppResult<Option<FirstRunOwner>> {
    if users::Entity::find().count(db).await? > 0 {
        return Ok(None);
    }
    let plain = generate_password();
    let parsed = Password::parse(&plain).map_err(|e| AppError::Internal(anyhow::anyhow!(e.message)))?;
    create_owner(db, email, "Owner", &parsed, true).await?;
    Ok(Some(FirstRunOwner {
        email: email.clone(),
        password: plain,
    }))
}

/// Creates a verified Owner account. Refuses an email that already has an account (409).
/// `must_change_password` marks a generated password that the owner must replace at first sign-in.
pub async fn create_owner<C: ConnectionTrait>(
    db: &C,
    email: &Email,
    name: &str,
    password: &Password,
    must_change_password: bool,
) -> AppResult<users::Model> {
    let user = accounts::create(
        db,
        NewAccount {
            email,
            name,
            password_hash: Some(password::hash(password).await?),
            role: OWNER_ROLE,
            email_verified: true,
            must_change_password,
        },
    )
    .await?;
    audit::record(
        db,
        audit::Entry::new("user.created")
            .target("user", user.id.to_string())
            .details(serde_json::json!({ "role": OWNER_ROLE, "via": "bootstrap" })),
    )
    .await?;
    Ok(user)
}

/// 16 random characters (letters, digits and a symbol): far from any common password.
fn generate_password() -> String {
    let mut rng = rand::rng();
    let mut chars: Vec<char> = (&mut rng)
        .sample_iter(&Alphanumeric)
        .take(13)
        .map(char::from)
        .collect();
    chars.push(rng.random_range(b'A'..=b'Z') as char);
    chars.push(rng.random_range(b'0'..=b'9') as char);
    let specials: Vec<char> = "@$!%*?&-#".chars().collect();
    chars.push(specials[rng.random_range(0..specials.len())]);
    chars.shuffle(&mut rng);
    chars.into_iter().collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn generated_passwords_meet_the_policy() {
        for _ in 0..200 {
            let p = super::generate_password();
            assert_eq!(p.len(), 16);
            assert!(crate::shared::identity::Password::parse(&p).is_ok(), "{p}");
        }
    }
}
