//! One's own profile as the portal shows and edits it, and the password change form. The rules are
//! those of `server::identity::profile` (same fields, same messages), so the form answers before
//! anything is sent; the server checks again.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{
    errors::FieldError,
    identity::{Password, Phone},
};

/// The signed-in user's own account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ProfileView {
    pub id: Uuid,
    pub name: String,
    pub email: String,
    pub role: String,
    pub phone: Option<String>,
    pub address: Option<String>,
    pub profile_image_url: Option<String>,
}

/// The profile form as typed. An empty optional field clears it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct ProfileForm {
    pub name: String,
    pub phone: String,
    pub address: String,
    pub profile_image_url: String,
}

/// [`ProfileForm`], parsed: trimmed, `None` for a cleared field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProfileUpdate {
    pub name: String,
    pub phone: Option<String>,
    pub address: Option<String>,
    pub profile_image_url: Option<String>,
}

/// A person's name: 2 to 255 characters on one line.
pub fn parse_name(raw: &str) -> Result<String, FieldError> {
    let name = super::text::line("name", raw, 255)?;
    if name.chars().count() < 2 {
        return Err(FieldError::new("name", "Name must be 2 to 255 characters"));
    }
    Ok(name)
}

/// An absolute http(s) URL or a path on this site, at most 2048 characters, no spaces.
pub fn is_image_url(url: &str) -> bool {
    (url.starts_with("https://") || url.starts_with("http://") || url.starts_with('/'))
        && url.len() <= 2048
        && !url.chars().any(char::is_whitespace)
}

impl ProfileForm {
    pub fn from_view(p: &ProfileView) -> Self {
        Self {
            name: p.name.clone(),
            phone: p.phone.clone().unwrap_or_default(),
            address: p.address.clone().unwrap_or_default(),
            profile_image_url: p.profile_image_url.clone().unwrap_or_default(),
        }
    }

    pub fn parse(&self) -> Result<ProfileUpdate, Vec<FieldError>> {
        let mut errors = Vec::new();
        let name = parse_name(&self.name)
            .map_err(|e| errors.push(e))
            .unwrap_or_default();
        let phone = match self.phone.trim() {
            "" => None,
            raw => Phone::parse(raw)
                .map(|p| p.as_str().to_owned())
                .map_err(|e| errors.push(e))
                .ok(),
        };
        let address = super::text::optional_line("address", &self.address, 500)
            .map_err(|e| errors.push(e))
            .ok()
            .flatten()
            .unwrap_or_default();
        let url = self.profile_image_url.trim();
        if !url.is_empty() && !is_image_url(url) {
            errors.push(FieldError::new(
                "profileImageUrl",
                "Profile image must be an http(s) URL",
            ));
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        let optional = |s: &str| (!s.is_empty()).then(|| s.to_owned());
        Ok(ProfileUpdate {
            name,
            phone,
            address: optional(&address),
            profile_image_url: optional(url),
        })
    }
}

/// A password change. Deliberately without a derived `Debug`: passwords stay out of logs.
#[derive(Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct PasswordForm {
    pub current_password: String,
    pub new_password: String,
}

impl std::fmt::Debug for PasswordForm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PasswordForm(***)")
    }
}

impl PasswordForm {
    /// The checks that need no stored hash; the server also checks the current password.
    pub fn parse(&self) -> Result<(), Vec<FieldError>> {
        let mut errors = Vec::new();
        if self.current_password.is_empty() {
            errors.push(FieldError::new("currentPassword", "Enter your current password"));
        }
        match Password::parse_field("newPassword", &self.new_password) {
            Err(e) => errors.push(e),
            Ok(_) if self.new_password == self.current_password => errors.push(FieldError::new(
                "newPassword",
                "New password must differ from the current one",
            )),
            Ok(_) => {}
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }
}

/// Up to two initials, for the avatar when there is no picture.
pub fn initials(name: &str) -> String {
    name.split_whitespace()
        .filter_map(|w| w.chars().next())
        .take(2)
        .flat_map(char::to_uppercase)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_profile_form_trims_clears_and_refuses() {
        let ok = ProfileForm {
            name: "  Dana Desk ".into(),
            phone: " +44 20 7946 0003 ".into(),
            address: "   ".into(),
            profile_image_url: "https://example.com/a.png".into(),
        }
        .parse()
        .unwrap();
        assert_eq!(ok.name, "Dana Desk");
        assert_eq!(ok.phone.as_deref(), Some("+44 20 7946 0003"));
        assert_eq!(ok.address, None);

        let bad = ProfileForm {
            name: "D".into(),
            phone: "12".into(),
            address: "a".repeat(501),
            profile_image_url: "javascript:alert(1)".into(),
        };
        let fields: Vec<String> = bad.parse().unwrap_err().into_iter().map(|e| e.field).collect();
        assert_eq!(fields, ["name", "phone", "address", "profileImageUrl"]);
    }

    #[test]
    fn the_password_form_follows_the_policy() {
        let form = |current: &str, new: &str| PasswordForm {
            current_password: current.into(),
            new_password: new.into(),
        };
        assert!(form("Salon-Pass-42!", "N3w-Salon-Pass!").parse().is_ok());
        let fields = |f: PasswordForm| -> Vec<String> {
            f.parse().unwrap_err().into_iter().map(|e| e.field).collect()
        };
        assert_eq!(fields(form("", "short")), ["currentPassword", "newPassword"]);
        assert_eq!(fields(form("Salon-Pass-42!", "Salon-Pass-42!")), ["newPassword"]);
        assert!(!format!("{:?}", form("Salon-Pass-42!", "x")).contains("Salon"));
    }

    #[test]
    fn initials_take_the_first_two_words() {
        assert_eq!(initials("dana van desk"), "DV");
        assert_eq!(initials("  "), "");
    }
}
