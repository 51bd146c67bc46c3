//! Favorites (contract §2.8): a customer's saved services and courses.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::errors::FieldError;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ItemType {
    Service,
    Course,
}

impl ItemType {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Service => "service",
            Self::Course => "course",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        match raw.trim().to_ascii_lowercase().as_str() {
            "service" => Some(Self::Service),
            "course" => Some(Self::Course),
            _ => None,
        }
    }
}

/// A favorite as the app reads it: `itemType` and `itemId` (with the `type` the app falls back to).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Favorite {
    pub id: Uuid,
    pub item_type: ItemType,
    #[serde(rename = "type")]
    pub kind: ItemType,
    pub item_id: Uuid,
    /// The service's name or the course's title.
    pub name: String,
    #[serde(rename = "created_at")]
    pub created_at: DateTime<Utc>,
}

/// `POST /favorites {itemType, itemId}`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct FavoriteForm {
    #[serde(alias = "type", alias = "item_type")]
    pub item_type: Option<String>,
    #[serde(alias = "item_id")]
    pub item_id: Option<String>,
}

impl FavoriteForm {
    pub fn parse(&self) -> Result<(ItemType, Uuid), Vec<FieldError>> {
        let mut errors = Vec::new();
        let kind = match self.item_type.as_deref().map(ItemType::parse) {
            Some(Some(k)) => Some(k),
            _ => {
                errors.push(FieldError::new("itemType", "itemType must be service or course"));
                None
            }
        };
        let id = match self.item_id.as_deref().map(|s| Uuid::parse_str(s.trim())) {
            Some(Ok(id)) => Some(id),
            _ => {
                errors.push(FieldError::new("itemId", "itemId must be a valid id"));
                None
            }
        };
        match (kind, id) {
            (Some(k), Some(id)) => Ok((k, id)),
            _ => Err(errors),
        }
    }
}
