//! Blog posts shown in the app (contract §2.4): the staff form and the post as read.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{errors::FieldError, text};

pub const TITLE_MAX_CHARS: usize = 255;
pub const CONTENT_MAX_CHARS: usize = 50_000;
pub const ORDER_MAX: i64 = 1_000_000;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Blog {
    pub id: Uuid,
    pub title: String,
    pub content: String,
    pub image_url: Option<String>,
    pub is_active: bool,
    pub display_order: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct BlogForm {
    pub title: Option<String>,
    pub content: Option<String>,
    #[serde(alias = "image_url")]
    pub image_url: Option<String>,
    #[serde(alias = "is_active")]
    pub is_active: Option<bool>,
    #[serde(alias = "display_order")]
    pub display_order: Option<serde_json::Value>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct BlogChanges {
    pub title: Option<String>,
    pub content: Option<String>,
    pub image_url: Option<Option<String>>,
    pub is_active: Option<bool>,
    pub display_order: Option<i32>,
}

impl BlogForm {
    /// A new post needs a title and content.
    pub fn parse(&self, creating: bool) -> Result<BlogChanges, Vec<FieldError>> {
        let mut errors = Vec::new();
        let mut out = BlogChanges::default();
        match self.title.as_deref() {
            Some(raw) => match text::line("title", raw, TITLE_MAX_CHARS) {
                Ok(t) => out.title = Some(t),
                Err(e) => errors.push(e),
            },
            None if creating => errors.push(FieldError::new("title", "Title is required")),
            None => {}
        }
        match self.content.as_deref() {
            Some(raw) => match text::block("content", raw, CONTENT_MAX_CHARS) {
                Ok(t) => out.content = Some(t),
                Err(e) => errors.push(e),
            },
            None if creating => errors.push(FieldError::new("content", "Content is required")),
            None => {}
        }
        if let Some(url) = &self.image_url {
            match super::catalog::parse_image_url(url) {
                Ok(u) => out.image_url = Some(u),
                Err(e) => errors.push(FieldError::new("imageUrl", e)),
            }
        }
        if let Some(raw) = &self.display_order {
            let n = match raw {
                serde_json::Value::Number(n) => n.as_i64(),
                serde_json::Value::String(s) if s.trim().is_empty() => Some(0),
                serde_json::Value::String(s) => s.trim().parse().ok(),
                _ => None,
            };
            match n {
                Some(n) if (-ORDER_MAX..=ORDER_MAX).contains(&n) => out.display_order = Some(n as i32),
                _ => errors.push(FieldError::new(
                    "displayOrder",
                    format!("Must be a whole number from -{ORDER_MAX} to {ORDER_MAX}"),
                )),
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
    use serde_json::json;

    #[test]
    fn a_post_needs_a_title_and_content() {
        let form: BlogForm = serde_json::from_value(json!({ "displayOrder": "x" })).unwrap();
        let fields: Vec<_> = form
            .parse(true)
            .unwrap_err()
            .into_iter()
            .map(|e| e.field)
            .collect();
        assert_eq!(fields, ["title", "content", "displayOrder"]);
        let form: BlogForm = serde_json::from_value(
            json!({ "title": "Summer care", "content": "Line one\nline two", "display_order": 3 }),
        )
        .unwrap();
        let c = form.parse(true).unwrap();
        assert_eq!(c.display_order, Some(3));
        assert_eq!(c.content.as_deref(), Some("Line one\nline two"));
    }
}
