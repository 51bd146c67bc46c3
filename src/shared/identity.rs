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

/// A password as NIST SP 800-63B asks for one: at least 8 characters of any kind (spaces, symbols
/// and non-ASCII letters included, as password managers produce them), at most 128, no control
/// characters, and not one of the most common passwords. On the server the text is also normalised
/// (NFKC), so the same password typed on two keyboards is the same password.
/// Deliberately not `Serialize`: a password never leaves the process.
#[derive(Clone, PartialEq, Eq, Deserialize)]
#[serde(try_from = "String")]
pub struct Password(String);

pub const PASSWORD_MIN_CHARS: usize = 8;
pub const PASSWORD_MAX_CHARS: usize = 128;
pub const PASSWORD_RULES: &str =
    "Use at least 8 characters; any letters, digits, spaces or symbols, but not a commonly used password";

impl Password {
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        Self::parse_field("password", raw)
    }

    /// Like `parse`, naming the form field (`newPassword`, ...) in the error.
    pub fn parse_field(field: &str, raw: &str) -> Result<Self, FieldError> {
        let raw = normalise(raw);
        let count = raw.chars().count();
        let problem = if count < PASSWORD_MIN_CHARS {
            Some("Password must be at least 8 characters")
        } else if count > PASSWORD_MAX_CHARS {
            Some("Password must be at most 128 characters")
        } else if raw.chars().any(char::is_control) {
            Some("Password must not contain control characters")
        } else if is_common(&raw) {
            Some("This password is one of the most commonly used; choose one that is harder to guess")
        } else {
            None
        };
        match problem {
            Some(message) => Err(FieldError::new(field, message)),
            None => Ok(Self(raw)),
        }
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

/// NFKC on the server, where passwords are hashed; the browser only checks the rules.
pub fn normalise(raw: &str) -> String {
    #[cfg(feature = "ssr")]
    {
        use unicode_normalization::UnicodeNormalization;
        raw.nfkc().collect()
    }
    #[cfg(not(feature = "ssr"))]
    {
        raw.to_owned()
    }
}

/// One of about 100,000 common passwords, compared as typed and in lower case. Server only: the
/// list stays out of the browser's download, and the server checks every password anyway.
fn is_common(password: &str) -> bool {
    #[cfg(feature = "ssr")]
    {
        use passwords::analyzer::is_common_password;
        is_common_password(password) || is_common_password(password.to_lowercase())
    }
    #[cfg(not(feature = "ssr"))]
    {
        let _ = password;
        false
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
    fn passwords_follow_nist_800_63b() {
        // Any printable characters, spaces and non-ASCII included; the old rule's symbols too.
        for good in [
            "correct horse battery",
            "Pässwörter-#1",
            "Salon-Pass-42!",
            "日本語のパスワードです",
            "a-b#c d_e",
        ] {
            assert!(Password::parse(good).is_ok(), "{good} refused");
        }
        assert_eq!(
            Password::parse("Sh0rt!").unwrap_err().message,
            "Password must be at least 8 characters"
        );
        assert!(Password::parse(&"x".repeat(129)).is_err());
        assert!(Password::parse("abcdefgh\u{0}").is_err());
        assert_eq!(
            Password::parse_field("newPassword", "x").unwrap_err().field,
            "newPassword"
        );
        assert!(!format!("{:?}", Password::parse("Salon-Pass-42!").unwrap()).contains("Salon"));
    }

    #[cfg(feature = "ssr")]
    #[test]
    fn common_passwords_are_refused_in_any_case() {
        for common in [
            "password",
            "12345678",
            "Password",
            "qwertyuiop",
            "iloveyou",
            "Passw0rd!",
        ] {
            let e = Password::parse(common).unwrap_err();
            assert!(e.message.contains("commonly used"), "{common}: {}", e.message);
        }
    }

    #[cfg(feature = "ssr")]
    #[test]
    fn the_same_password_typed_two_ways_is_one_password() {
        let composed = Password::parse("caf\u{e9}-latte-42").unwrap();
        let decomposed = Password::parse("cafe\u{301}-latte-42").unwrap();
        assert_eq!(composed.expose(), decomposed.expose());
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
