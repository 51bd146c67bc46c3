//! Reviews as both sides see them (contract §2.7): the rating rule, the sentiment the server
//! computes from it, the forms and the rows the app and the portal read.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{errors::FieldError, text};

pub const COMMENT_MAX_CHARS: usize = 2000;
pub const REASON_MAX_CHARS: usize = 500;

/// A rating: a whole number of stars from 1 to 5.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Rating(u8);

impl Rating {
    /// Accepts a JSON whole number, or a string of one (some clients send form values).
    pub fn parse_field(field: &str, raw: &serde_json::Value) -> Result<Self, FieldError> {
        let n = match raw {
            serde_json::Value::Number(n) => n.as_i64(),
            serde_json::Value::String(s) => s.trim().parse::<i64>().ok(),
            _ => None,
        };
        match n {
            Some(n @ 1..=5) => Ok(Self(n as u8)),
            _ => Err(FieldError::new(
                field,
                "Rating must be a whole number from 1 to 5",
            )),
        }
    }

    pub fn from_stored(n: i16) -> Self {
        Self(n.clamp(1, 5) as u8)
    }

    pub fn get(self) -> u8 {
        self.0
    }

    /// The contract's words: 5 Excellent, 4 Very Good, 3 Good, 2 Fair, 1 Poor.
    pub fn sentiment(self) -> &'static str {
        match self.0 {
            5 => "Excellent",
            4 => "Very Good",
            3 => "Good",
            2 => "Fair",
            _ => "Poor",
        }
    }
}

/// A review as the app and the portal read it. Service reviews carry the appointment, service and
/// expert; course reviews the course. Hidden ones reach only staff, with the reason.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Review {
    pub id: Uuid,
    pub rating: Rating,
    pub comment: Option<String>,
    pub sentiment: String,
    pub created_at: DateTime<Utc>,
    pub user_id: Uuid,
    pub user_name: String,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub appointment_id: Option<Uuid>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub service_id: Option<Uuid>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub service_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub expert_id: Option<Uuid>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub expert_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub course_id: Option<Uuid>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub course_title: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub hidden_at: Option<DateTime<Utc>>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub hidden_reason: Option<String>,
}

/// A list of reviews with their average (of the visible ones, two decimals) and count.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ReviewList {
    pub reviews: Vec<Review>,
    pub average_rating: f64,
    pub total_count: u64,
}

/// `POST /reviews` and `POST /reviews/course`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct ReviewForm {
    #[serde(alias = "appointment_id")]
    pub appointment_id: Option<String>,
    #[serde(alias = "course_id")]
    pub course_id: Option<String>,
    pub rating: Option<serde_json::Value>,
    pub comment: Option<String>,
}

/// What a review is of, once parsed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Subject {
    Appointment(Uuid),
    Course(Uuid),
}

#[derive(Debug, Clone, PartialEq)]
pub struct NewReview {
    pub subject: Subject,
    pub rating: Rating,
    pub comment: Option<String>,
}

impl ReviewForm {
    /// `course`: the course form (`courseId`) rather than the appointment one.
    pub fn parse(&self, course: bool) -> Result<NewReview, Vec<FieldError>> {
        let mut errors = Vec::new();
        let (field, raw) = if course {
            ("courseId", &self.course_id)
        } else {
            ("appointmentId", &self.appointment_id)
        };
        let id = match raw.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            Some(raw) => Uuid::parse_str(raw)
                .map_err(|_| errors.push(FieldError::new(field, "Must be a valid id")))
                .ok(),
            None => {
                errors.push(FieldError::new(field, format!("{field} is required")));
                None
            }
        };
        let rating = match &self.rating {
            Some(raw) => Rating::parse_field("rating", raw)
                .map_err(|e| errors.push(e))
                .ok(),
            None => {
                errors.push(FieldError::new("rating", "Rating is required"));
                None
            }
        };
        let comment = match self.comment.as_deref() {
            Some(raw) => text::optional_block("comment", raw, COMMENT_MAX_CHARS)
                .map_err(|e| errors.push(e))
                .unwrap_or(None),
            None => None,
        };
        match (id, rating, errors.is_empty()) {
            (Some(id), Some(rating), true) => Ok(NewReview {
                subject: if course {
                    Subject::Course(id)
                } else {
                    Subject::Appointment(id)
                },
                rating,
                comment,
            }),
            _ => Err(errors),
        }
    }
}

/// Staff hide a review with a reason (shown to other staff, never to the public).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct HideForm {
    pub hidden: Option<bool>,
    pub reason: Option<String>,
}

/// Whether to hide (with its reason) or show a review again.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Moderation {
    Hide(String),
    Show,
}

impl HideForm {
    pub fn parse(&self) -> Result<Moderation, Vec<FieldError>> {
        if self.hidden == Some(false) {
            return Ok(Moderation::Show);
        }
        match self.reason.as_deref() {
            Some(raw) => text::line("reason", raw, REASON_MAX_CHARS)
                .map(Moderation::Hide)
                .map_err(|e| vec![e]),
            None => Err(vec![FieldError::new("reason", "Say why the review is hidden")]),
        }
    }
}

/// The staff list's filters.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ReviewFilter {
    pub service_id: Option<Uuid>,
    pub expert_id: Option<Uuid>,
    pub course_id: Option<Uuid>,
    /// Only service reviews (`false`) or only course reviews (`true`).
    pub courses: bool,
    pub hidden: Option<bool>,
    pub min_rating: Option<u8>,
}

/// The average of some ratings to two decimals (0 when there are none), as the app shows it.
pub fn average(sum: i64, count: u64) -> f64 {
    if count == 0 {
        0.0
    } else {
        ((sum as f64 / count as f64) * 100.0).round() / 100.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn ratings_are_whole_stars_with_the_contract_sentiment() {
        for (raw, ok) in [
            (json!(1), true),
            (json!(5), true),
            (json!("4"), true),
            (json!(0), false),
            (json!(6), false),
            (json!(4.5), false),
            (json!(null), false),
        ] {
            assert_eq!(Rating::parse_field("rating", &raw).is_ok(), ok, "{raw}");
        }
        let words: Vec<_> = (1..=5).map(|n| Rating::from_stored(n).sentiment()).collect();
        assert_eq!(words, ["Poor", "Fair", "Good", "Very Good", "Excellent"]);
        assert_eq!(average(14, 3), 4.67);
        assert_eq!(average(0, 0), 0.0);
    }

    #[test]
    fn forms_name_every_bad_field() {
        let form: ReviewForm =
            serde_json::from_value(json!({ "rating": 9, "comment": "x".repeat(2001) })).unwrap();
        let fields: Vec<_> = form
            .parse(false)
            .unwrap_err()
            .into_iter()
            .map(|e| e.field)
            .collect();
        assert_eq!(fields, ["appointmentId", "rating", "comment"]);
        let form: ReviewForm =
            serde_json::from_value(json!({ "courseId": Uuid::nil(), "rating": 5, "comment": " " })).unwrap();
        let r = form.parse(true).unwrap();
        assert_eq!((r.subject, r.comment), (Subject::Course(Uuid::nil()), None));
        assert!(HideForm::default().parse().is_err());
        assert_eq!(
            HideForm {
                hidden: Some(false),
                reason: None
            }
            .parse(),
            Ok(Moderation::Show)
        );
    }
}
