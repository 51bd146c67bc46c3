//! Catalog types: what a service category looks like on the wire, and the values a new one accepts.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{
    errors::FieldError,
    identity::{Email, Phone},
};

/// A service category as the mobile app and the portal read it (snake_case keys, contract §2.3).
/// A name to pick in a select (an expert, a service).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Choice {
    pub id: Uuid,
    pub name: String,
    /// A service's length in minutes; 0 for experts.
    pub minutes: i32,
}

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

/// The longest description a category or service takes.
pub const DESCRIPTION_MAX_CHARS: usize = 5000;
/// A category's icon name (the column is `varchar(100)`).
pub const ICON_MAX_CHARS: usize = 100;

/// A category name: trimmed, 1 to 255 characters. The only way to get one is `parse`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct CategoryName(String);

impl CategoryName {
    pub const MAX_CHARS: usize = 255;

    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        if raw.trim().is_empty() {
            return Err(FieldError::new("name", "Name is required"));
        }
        super::text::line("name", raw, Self::MAX_CHARS).map(Self)
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

/// A service as the app and the portal read it (contract §2.3): `price` is a decimal string with two
/// places, as the old backend's `DECIMAL(10,2)` arrived; `duration` is whole minutes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Service {
    pub id: Uuid,
    pub name: String,
    pub description: Option<String>,
    pub price: String,
    pub price_minor: i64,
    pub duration: i32,
    pub image_url: Option<String>,
    pub category_id: Uuid,
    pub category_name: Option<String>,
    pub tags: Vec<String>,
    pub is_active: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Only in `GET /services/:id`.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub experts: Option<Vec<ExpertBrief>>,
}

/// An expert as a service's detail lists them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExpertBrief {
    pub id: Uuid,
    pub name: String,
    pub specialty: Option<String>,
    pub rating: String,
    pub image_url: Option<String>,
}

/// An expert (staff member who performs services), contract §2.3 keys.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Expert {
    pub id: Uuid,
    pub user_id: Option<Uuid>,
    pub name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub specialty: Option<String>,
    pub bio: Option<String>,
    pub image_url: Option<String>,
    /// Also as `profile_image_url`, which the app's preload reads.
    pub profile_image_url: Option<String>,
    /// 0.00 to 5.00, a string as the old `DECIMAL(3,2)` arrived.
    pub rating: String,
    pub total_reviews: i32,
    pub is_active: bool,
    pub service_ids: Vec<Uuid>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A service as a form or a JSON body sends it: any field may be missing (an update), keys in
/// camelCase or snake_case, `price` a number or a decimal string, `tags` a list or "a, b".
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct ServiceForm {
    #[serde(alias = "category_id")]
    pub category_id: Option<String>,
    pub name: Option<String>,
    pub description: Option<String>,
    pub price: Option<serde_json::Value>,
    pub duration: Option<serde_json::Value>,
    #[serde(alias = "image_url")]
    pub image_url: Option<String>,
    pub tags: Option<serde_json::Value>,
    #[serde(alias = "is_active")]
    pub is_active: Option<bool>,
}

/// A parsed `ServiceForm`: `None` leaves a field as it is.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ServiceChanges {
    pub category_id: Option<Uuid>,
    pub name: Option<String>,
    pub description: Option<Option<String>>,
    pub price: Option<super::booking::Money>,
    pub duration: Option<super::booking::DurationMinutes>,
    pub image_url: Option<Option<String>>,
    pub tags: Option<Vec<String>>,
    pub is_active: Option<bool>,
}

impl ServiceForm {
    /// Checks every field; a new service must name its category, name, price and duration.
    pub fn parse(&self, creating: bool) -> Result<ServiceChanges, Vec<FieldError>> {
        use super::booking::{DurationMinutes, Money};
        let mut errors = Vec::new();
        let mut out = ServiceChanges::default();
        let required = |errors: &mut Vec<FieldError>, field: &str, what: &str| {
            if creating {
                errors.push(FieldError::new(field, format!("{what} is required")));
            }
        };
        match self.category_id.as_deref().map(str::trim) {
            Some(raw) => match Uuid::parse_str(raw) {
                Ok(id) => out.category_id = Some(id),
                Err(_) => errors.push(FieldError::new("categoryId", "Must be a category id")),
            },
            None => required(&mut errors, "categoryId", "Category"),
        }
        match self.name.as_deref() {
            Some(raw) => match CategoryName::parse(raw) {
                Ok(name) => out.name = Some(name.as_str().to_owned()),
                Err(e) => errors.push(e),
            },
            None => required(&mut errors, "name", "Name"),
        }
        if let Some(d) = &self.description {
            match super::text::optional_block("description", d, DESCRIPTION_MAX_CHARS) {
                Ok(d) => out.description = Some(d),
                Err(e) => errors.push(e),
            }
        }
        match &self.price {
            Some(raw) => match Money::parse_field("price", raw) {
                Ok(m) => out.price = Some(m),
                Err(e) => errors.push(e),
            },
            None => required(&mut errors, "price", "Price"),
        }
        match &self.duration {
            Some(raw) => {
                let minutes = match raw {
                    serde_json::Value::Number(n) => n.as_i64(),
                    serde_json::Value::String(s) => s.trim().parse().ok(),
                    _ => None,
                };
                match minutes.map(|m| DurationMinutes::parse_field("duration", m)) {
                    Some(Ok(d)) => out.duration = Some(d),
                    Some(Err(e)) => errors.push(e),
                    None => errors.push(FieldError::new("duration", "Duration must be whole minutes")),
                }
            }
            None => required(&mut errors, "duration", "Duration"),
        }
        if let Some(url) = &self.image_url {
            match parse_image_url(url) {
                Ok(u) => out.image_url = Some(u),
                Err(e) => errors.push(FieldError::new("imageUrl", e)),
            }
        }
        if let Some(tags) = &self.tags {
            let list: Option<Vec<String>> = match tags {
                serde_json::Value::Array(items) => {
                    items.iter().map(|v| v.as_str().map(str::to_owned)).collect()
                }
                serde_json::Value::String(s) => Some(s.split(',').map(str::to_owned).collect()),
                serde_json::Value::Null => Some(Vec::new()),
                _ => None,
            };
            match list {
                Some(list) => {
                    let mut clean: Vec<String> = Vec::new();
                    for tag in list.iter().map(|t| t.trim()).filter(|t| !t.is_empty()) {
                        match super::text::line("tags", tag, 50) {
                            Ok(tag) if !clean.iter().any(|c| c.eq_ignore_ascii_case(&tag)) => clean.push(tag),
                            Ok(_) => {}
                            Err(e) => {
                                errors.push(FieldError::new("tags", format!("Each tag: {}", e.message)));
                                break;
                            }
                        }
                    }
                    if clean.len() > 20 {
                        errors.push(FieldError::new("tags", "At most 20 tags"));
                    } else {
                        out.tags = Some(clean);
                    }
                }
                None => errors.push(FieldError::new("tags", "Tags must be a list of words")),
            }
        }
        out.is_active = self.is_active;
        if errors.is_empty() {
            Ok(out)
        } else {
            Err(errors)
        }
    }
}

/// An image address: empty clears it; otherwise an http(s) URL of reasonable length.
pub fn parse_image_url(raw: &str) -> Result<Option<String>, &'static str> {
    let url = raw.trim();
    if url.is_empty() {
        return Ok(None);
    }
    if url.len() > 2048
        || !(url.starts_with("https://") || url.starts_with("http://"))
        || url.contains(char::is_whitespace)
    {
        return Err("Must be an http(s) URL");
    }
    Ok(Some(url.to_owned()))
}

/// A category as a form or JSON body sends it; absent fields stay.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct CategoryForm {
    pub name: Option<String>,
    pub description: Option<String>,
    #[serde(alias = "image_url")]
    pub image_url: Option<String>,
    pub icon: Option<String>,
    #[serde(alias = "display_order")]
    pub display_order: Option<i32>,
    #[serde(alias = "is_active")]
    pub is_active: Option<bool>,
}

impl CategoryForm {
    /// The parsed form for a new category (a name is required).
    pub fn parse_new(&self) -> Result<NewCategory, Vec<super::errors::FieldError>> {
        use super::{catalog::CategoryName, errors::FieldError};
        let mut errors = Vec::new();
        let name = match self.name.as_deref() {
            Some(n) => CategoryName::parse(n).map_err(|e| errors.push(e)).ok(),
            None => {
                errors.push(FieldError::new("name", "Name is required"));
                None
            }
        };
        let image_url = match self.image_url.as_deref().map(super::catalog::parse_image_url) {
            Some(Ok(u)) => u,
            Some(Err(e)) => {
                errors.push(FieldError::new("imageUrl", e));
                None
            }
            None => None,
        };
        let description = self
            .description
            .as_deref()
            .map(|d| super::text::optional_block("description", d, DESCRIPTION_MAX_CHARS))
            .transpose()
            .map_err(|e| errors.push(e))
            .ok()
            .flatten()
            .flatten();
        let icon = self
            .icon
            .as_deref()
            .map(|i| super::text::optional_line("icon", i, ICON_MAX_CHARS))
            .transpose()
            .map_err(|e| errors.push(e))
            .ok()
            .flatten()
            .flatten();
        match name {
            Some(name) if errors.is_empty() => Ok(NewCategory {
                name,
                description,
                image_url,
                icon,
                display_order: self.display_order.unwrap_or(0),
                is_active: self.is_active.unwrap_or(true),
            }),
            _ => Err(errors),
        }
    }
}

/// An expert as a form or JSON body sends it; absent fields stay as they are.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct ExpertForm {
    pub name: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub specialty: Option<String>,
    pub bio: Option<String>,
    #[serde(alias = "image_url")]
    pub image_url: Option<String>,
    #[serde(alias = "is_active")]
    pub is_active: Option<bool>,
    #[serde(alias = "service_ids")]
    pub service_ids: Option<Vec<String>>,
    /// Links the expert to a staff account, so they see their own schedule.
    #[serde(alias = "user_id")]
    pub user_id: Option<String>,
}

/// A parsed [`ExpertForm`]: `None` leaves a field as it is; `Some(None)` clears it.
#[derive(Debug, Default)]
pub struct ExpertChanges {
    pub name: Option<String>,
    pub email: Option<Option<String>>,
    pub phone: Option<Option<String>>,
    pub specialty: Option<Option<String>>,
    pub bio: Option<Option<String>>,
    pub image_url: Option<Option<String>>,
    pub is_active: Option<bool>,
    pub service_ids: Option<Vec<Uuid>>,
    pub user_id: Option<Option<Uuid>>,
}

impl ExpertForm {
    pub fn parse(&self, creating: bool) -> Result<ExpertChanges, Vec<FieldError>> {
        let mut errors = Vec::new();
        let mut out = ExpertChanges::default();
        match self.name.as_deref() {
            Some(raw) => match CategoryName::parse(raw) {
                Ok(n) => out.name = Some(n.as_str().to_owned()),
                Err(e) => errors.push(e),
            },
            None if creating => errors.push(FieldError::new("name", "Name is required")),
            None => {}
        }
        if let Some(raw) = self.email.as_deref() {
            if raw.trim().is_empty() {
                out.email = Some(None);
            } else {
                match Email::parse(raw) {
                    Ok(e) => out.email = Some(Some(e.as_str().to_owned())),
                    Err(e) => errors.push(e),
                }
            }
        }
        if let Some(raw) = self.phone.as_deref() {
            if raw.trim().is_empty() {
                out.phone = Some(None);
            } else {
                match Phone::parse(raw) {
                    Ok(p) => out.phone = Some(Some(p.as_str().to_owned())),
                    Err(e) => errors.push(e),
                }
            }
        }
        if let Some(raw) = &self.specialty {
            match super::text::optional_line("specialty", raw, 255) {
                Ok(v) => out.specialty = Some(v),
                Err(e) => errors.push(e),
            }
        }
        if let Some(raw) = &self.bio {
            match super::text::optional_block("bio", raw, 5000) {
                Ok(v) => out.bio = Some(v),
                Err(e) => errors.push(e),
            }
        }
        if let Some(url) = &self.image_url {
            match parse_image_url(url) {
                Ok(u) => out.image_url = Some(u),
                Err(e) => errors.push(FieldError::new("imageUrl", e)),
            }
        }
        if let Some(ids) = &self.service_ids {
            match ids
                .iter()
                .map(|s| Uuid::parse_str(s.trim()))
                .collect::<Result<Vec<_>, _>>()
            {
                Ok(mut ids) => {
                    ids.sort();
                    ids.dedup();
                    out.service_ids = Some(ids);
                }
                Err(_) => errors.push(FieldError::new("serviceIds", "Must be a list of service ids")),
            }
        }
        if let Some(raw) = self.user_id.as_deref() {
            if raw.trim().is_empty() {
                out.user_id = Some(None);
            } else {
                match Uuid::parse_str(raw.trim()) {
                    Ok(id) => out.user_id = Some(Some(id)),
                    Err(_) => errors.push(FieldError::new("userId", "Must be a user id")),
                }
            }
        }
        out.is_active = self.is_active;
        if errors.is_empty() {
            Ok(out)
        } else {
            Err(errors)
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
