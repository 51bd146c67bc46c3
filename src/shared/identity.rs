//! Identity values parsed at the edge: an `Email` or `Password` that exists is a valid one.

use serde::{Deserialize, Serialize};

use super::errors::FieldError;

/// A normalised e-mail address (trimmed, lower-case), at most 255 characters.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Email(String);

impl Email {
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        let email = raw.trim().to_lowercase();
        if email.is_empty() {
            return Err(FieldError::new("email", "Email is required"));
        }
        if email.len() > 255 || !email_address::EmailAddress::is_valid(&email) {
            return Err(FieldError::new("email", "Please provide a valid email"));
        }
        Ok(Self(email))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Email {
    type Error = String;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value).map_err(|e| e.message)
    }
}

impl From<Email> for String {
    fn from(value: Email) -> Self {
        value.0
    }
}

impl std::fmt::Display for Email {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// A password that meets the policy of the mobile app's backend: at least 8 characters from
/// `A-Z a-z 0-9 @$!%*?&`, with an upper-case letter, a digit and one of `@$!%*?&`.
/// Deliberately not `Serialize`: a password never leaves the process.
#[derive(Clone, PartialEq, Eq, Deserialize)]
#[serde(try_from = "String")]
pub struct Password(String);

pub const PASSWORD_SPECIALS: &str = "@$!%*?&";
pub const PASSWORD_RULES: &str = "Password must be at least 8 characters and include an uppercase letter, a number and a special character (@$!%*?&)";

impl Password {
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        Self::parse_field("password", raw)
    }

    /// Like `parse`, naming the form field (`newPassword`, ...) in the error.
    pub fn parse_field(field: &str, raw: &str) -> Result<Self, FieldError> {
        let allowed = |c: char| c.is_ascii_alphanumeric() || PASSWORD_SPECIALS.contains(c);
        let ok = raw.chars().count() >= 8
            && raw.len() <= 128
            && raw.chars().all(allowed)
            && raw.chars().any(|c| c.is_ascii_uppercase())
            && raw.chars().any(|c| c.is_ascii_digit())
            && raw.chars().any(|c| PASSWORD_SPECIALS.contains(c));
        if ok {
            Ok(Self(raw.to_owned()))
        } else {
            Err(FieldError::new(field, PASSWORD_RULES))
        }
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Password {
    type Error = String;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value).map_err(|e| e.message)
    }
}

impl std::fmt::Debug for Password {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Password(***)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_normalised_and_checked() {
        assert_eq!(
            Email::parse("  Ann@Example.COM ").unwrap().as_str(),
            "ann@example.com"
        );
        for bad in ["", "ann", "@example.com", "ann@", "a b@example.com"] {
            assert!(Email::parse(bad).is_err(), "{bad:?} accepted");
        }
        assert!(Email::parse(&format!("{}@example.com", "a".repeat(250))).is_err());
    }

    #[test]
    fn password_policy_matches_the_old_backend() {
        for good in ["Passw0rd!", "ABCDEFG1@", "Zz9&zzzz"] {
            assert!(Password::parse(good).is_ok(), "{good} refused");
        }
        // Too short, no upper-case, no digit, no special, a space, a non-ASCII letter.
        for bad in [
            "Sh0rt!",
            "password1!",
            "PASSWORD!!",
            "Password1",
            "Pass word1!",
            "Pässword1!",
        ] {
            let err = Password::parse(bad).unwrap_err();
            assert_eq!(err.field, "password");
        }
        assert_eq!(
            Password::parse_field("newPassword", "x").unwrap_err().field,
            "newPassword"
        );
        assert!(!format!("{:?}", Password::parse("Passw0rd!").unwrap()).contains("Passw0rd"));
    }
}

/// A phone number as the old backend accepted it: 10 to 20 of `0-9 + - ( )` and spaces.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Phone(String);

impl Phone {
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        let phone = raw.trim();
        let ok = (10..=20).contains(&phone.len())
            && phone.chars().all(|c| c.is_ascii_digit() || "+-() ".contains(c));
        if ok {
            Ok(Self(phone.to_owned()))
        } else {
            Err(FieldError::new("phone", "Please provide a valid phone number"))
        }
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Phone {
    type Error = String;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value).map_err(|e| e.message)
    }
}

impl From<Phone> for String {
    fn from(value: Phone) -> Self {
        value.0
    }
}

/// Gender as the app offers it. Accepted in any case (the app sends `Male`, the old validator wanted
/// `male`); stored and returned capitalised.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum Gender {
    Male,
    Female,
    Other,
}

impl Gender {
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        match raw.trim().to_ascii_lowercase().as_str() {
            "male" => Ok(Self::Male),
            "female" => Ok(Self::Female),
            "other" => Ok(Self::Other),
            _ => Err(FieldError::new("gender", "Gender must be Male, Female or Other")),
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Male => "Male",
            Self::Female => "Female",
            Self::Other => "Other",
        }
    }
}

impl TryFrom<String> for Gender {
    type Error = String;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value).map_err(|e| e.message)
    }
}

impl From<Gender> for String {
    fn from(value: Gender) -> Self {
        value.as_str().to_owned()
    }
}

#[cfg(test)]
mod contact_tests {
    use super::*;

    #[test]
    fn phones_follow_the_old_rule() {
        assert!(Phone::parse("+92 (300) 123-4567").is_ok());
        assert!(Phone::parse("123").is_err());
        assert!(Phone::parse("0300-1234567x").is_err());
    }

    #[test]
    fn gender_in_any_case_is_stored_capitalised() {
        assert_eq!(Gender::parse("female").unwrap().as_str(), "Female");
        assert_eq!(Gender::parse(" MALE ").unwrap(), Gender::Male);
        assert_eq!(Gender::parse("x").unwrap_err().field, "gender");
    }
}
