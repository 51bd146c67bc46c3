//! Catalog types: what a service category looks like on the wire, and the values a new one accepts.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::errors::FieldError;

/// A service category as the mobile app and the portal read it (snake_case keys, contract §2.3).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Category {
    pub id: Uuid,
    pub name: String,
    pub description: Option<String>,
    pub image_url: Option<String>,
    pub icon: Option<String>,
    pub display_order: i32,
    pub is_active: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl Category {
    /// Case-insensitive match on name and description, as the portal's filter box does it.
    pub fn matches(&self, query: &str) -> bool {
        let q = query.trim().to_lowercase();
        q.is_empty()
            || self.name.to_lowercase().contains(&q)
            || self
                .description
                .as_deref()
                .is_some_and(|d| d.to_lowercase().contains(&q))
    }
}

/// A category name: trimmed, 1 to 255 characters. The only way to get one is `parse`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct CategoryName(String);

impl CategoryName {
    pub const MAX_CHARS: usize = 255;

    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        let name = raw.trim();
        if name.is_empty() {
            return Err(FieldError::new("name", "Name is required"));
        }
        if name.chars().count() > Self::MAX_CHARS {
            return Err(FieldError::new("name", "Name must be at most 255 characters"));
        }
        if name.chars().any(char::is_control) {
            return Err(FieldError::new(
                "name",
                "Name must not contain control characters",
            ));
        }
        Ok(Self(name.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for CategoryName {
    type Error = String;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value).map_err(|e| e.message)
    }
}

impl From<CategoryName> for String {
    fn from(value: CategoryName) -> Self {
        value.0
    }
}

/// What creating a category needs, already parsed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewCategory {
    pub name: CategoryName,
    pub description: Option<String>,
    pub image_url: Option<String>,
    pub icon: Option<String>,
    pub display_order: i32,
    pub is_active: bool,
}

impl NewCategory {
    pub fn named(name: CategoryName) -> Self {
        Self {
            name,
            description: None,
            image_url: None,
            icon: None,
            display_order: 0,
            is_active: true,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_trimmed_and_bounded() {
        assert_eq!(CategoryName::parse("  Hair ").unwrap().as_str(), "Hair");
        assert_eq!(CategoryName::parse("   ").unwrap_err().field, "name");
        assert!(CategoryName::parse(&"a".repeat(255)).is_ok());
        assert!(CategoryName::parse(&"é".repeat(256)).is_err());
        assert!(CategoryName::parse("a\u{0}b").is_err());
    }

    #[test]
    fn names_deserialize_only_when_valid() {
        assert!(serde_json::from_str::<CategoryName>("\"Nails\"").is_ok());
        assert!(serde_json::from_str::<CategoryName>("\"\"").is_err());
    }

    #[test]
    fn filter_matches_name_or_description_ignoring_case() {
        let c = Category {
            id: Uuid::nil(),
            name: "Hair Care".into(),
            description: Some("Cuts and colour".into()),
            image_url: None,
            icon: None,
            display_order: 0,
            is_active: true,
            created_at: Utc::now(),
            updated_at: Utc::now(),
        };
        assert!(c.matches(""));
        assert!(c.matches("hair"));
        assert!(c.matches("COLOUR"));
        assert!(!c.matches("nails"));
    }
}
