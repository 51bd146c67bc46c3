//! Courses and their applications as both sides see them (contract §2.4): the staff form, the
//! application an applicant sends, and the rows the app and the portal read. The portal checks a
//! form with the same `parse` the server runs.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{
    booking::Money,
    errors::FieldError,
    identity::{Email, Phone},
    text,
};

pub const TITLE_MAX_CHARS: usize = 255;
pub const DESCRIPTION_MAX_CHARS: usize = 5000;
/// Free text such as "3 months".
pub const DURATION_MAX_CHARS: usize = 100;
pub const NAME_MAX_CHARS: usize = 100;

/// A course as the app and the portal read it. `price` is a decimal string with two places (the
/// old backend's DECIMAL); `image` repeats `image_url`, which older app screens read.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Course {
    pub id: Uuid,
    pub title: String,
    pub description: Option<String>,
    pub duration: Option<String>,
    pub price: String,
    pub price_minor: i64,
    pub image_url: Option<String>,
    pub image: Option<String>,
    pub is_active: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A course as the staff form sends it (camelCase, or the old admin site's snake_case). Absent
/// fields stay as they are.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct CourseForm {
    pub title: Option<String>,
    pub description: Option<String>,
    pub duration: Option<String>,
    pub price: Option<serde_json::Value>,
    #[serde(alias = "image_url", alias = "image")]
    pub image_url: Option<String>,
    #[serde(alias = "is_active")]
    pub is_active: Option<bool>,
}

/// A parsed `CourseForm`: `None` leaves a field as it is.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CourseChanges {
    pub title: Option<String>,
    pub description: Option<Option<String>>,
    pub duration: Option<Option<String>>,
    pub price: Option<Money>,
    pub image_url: Option<Option<String>>,
    pub is_active: Option<bool>,
}

impl CourseForm {
    /// Checks every field; a new course needs a title and a price.
    pub fn parse(&self, creating: bool) -> Result<CourseChanges, Vec<FieldError>> {
        let mut errors = Vec::new();
        let mut out = CourseChanges::default();
        match self.title.as_deref() {
            Some(raw) => match text::line("title", raw, TITLE_MAX_CHARS) {
                Ok(t) => out.title = Some(t),
                Err(e) => errors.push(e),
            },
            None if creating => errors.push(FieldError::new("title", "Title is required")),
            None => {}
        }
        if let Some(raw) = self.description.as_deref() {
            match text::optional_block("description", raw, DESCRIPTION_MAX_CHARS) {
                Ok(d) => out.description = Some(d),
                Err(e) => errors.push(e),
            }
        }
        if let Some(raw) = self.duration.as_deref() {
            match text::optional_line("duration", raw, DURATION_MAX_CHARS) {
                Ok(d) => out.duration = Some(d),
                Err(e) => errors.push(e),
            }
        }
        match &self.price {
            Some(raw) => match Money::parse_field("price", raw) {
                Ok(p) => out.price = Some(p),
                Err(e) => errors.push(e),
            },
            None if creating => errors.push(FieldError::new("price", "Price is required")),
            None => {}
        }
        if let Some(url) = &self.image_url {
            match super::catalog::parse_image_url(url) {
                Ok(u) => out.image_url = Some(u),
                Err(e) => errors.push(FieldError::new("imageUrl", e)),
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

/// Where an application stands. The old backend's `approved` is read as `accepted`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ApplicationStatus {
    Pending,
    Accepted,
    Rejected,
}

impl ApplicationStatus {
    pub const ALL: [Self; 3] = [Self::Pending, Self::Accepted, Self::Rejected];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Accepted => "accepted",
            Self::Rejected => "rejected",
        }
    }

    /// A list filter: the status, or `None` for empty or `all`.
    pub fn parse_filter(raw: Option<&str>) -> Result<Option<Self>, FieldError> {
        match raw
            .map(str::trim)
            .filter(|s| !s.is_empty() && !s.eq_ignore_ascii_case("all"))
        {
            None => Ok(None),
            Some(raw) => Self::parse(raw)
                .map(Some)
                .ok_or_else(|| FieldError::new("status", "status must be pending, accepted or rejected")),
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        match raw.trim().to_ascii_lowercase().as_str() {
            "pending" => Some(Self::Pending),
            "accepted" | "approved" => Some(Self::Accepted),
            "rejected" => Some(Self::Rejected),
            _ => None,
        }
    }
}

/// `POST /courses/:id/apply`. A signed-in applicant may leave out what their account already says.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct ApplyForm {
    pub customer_name: Option<String>,
    pub customer_phone: Option<String>,
    pub customer_email: Option<String>,
    pub offer_id: Option<String>,
}

/// What the applicant's account fills in when the form leaves it out.
#[derive(Debug, Clone, Default)]
pub struct Applicant {
    pub name: Option<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct NewApplication {
    pub name: String,
    pub phone: Phone,
    pub email: Option<Email>,
    pub offer_id: Option<Uuid>,
}

fn blank(raw: &Option<String>) -> Option<&str> {
    raw.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

impl ApplyForm {
    pub fn parse(&self, account: &Applicant) -> Result<NewApplication, Vec<FieldError>> {
        let mut errors = Vec::new();
        let name = match blank(&self.customer_name).or(blank(&account.name)) {
            Some(raw) => text::line("customerName", raw, NAME_MAX_CHARS)
                .map_err(|e| errors.push(e))
                .ok(),
            None => {
                errors.push(FieldError::new("customerName", "Your name is required"));
                None
            }
        };
        let phone = match blank(&self.customer_phone).or(blank(&account.phone)) {
            Some(raw) => Phone::parse(raw)
                .map_err(|e| errors.push(FieldError::new("customerPhone", e.message)))
                .ok(),
            None => {
                errors.push(FieldError::new("customerPhone", "A phone number is required"));
                None
            }
        };
        let email = match blank(&self.customer_email).or(blank(&account.email)) {
            Some(raw) => Email::parse(raw)
                .map(Some)
                .map_err(|e| errors.push(FieldError::new("customerEmail", e.message)))
                .unwrap_or(None),
            None => None,
        };
        let offer_id = match blank(&self.offer_id) {
            Some(raw) => Uuid::parse_str(raw)
                .map(Some)
                .map_err(|_| errors.push(FieldError::new("offerId", "Must be a valid id")))
                .unwrap_or(None),
            None => None,
        };
        match (name, phone, errors.is_empty()) {
            (Some(name), Some(phone), true) => Ok(NewApplication {
                name,
                phone,
                email,
                offer_id,
            }),
            _ => Err(errors),
        }
    }
}

/// An application as staff (and the applicant) read it; the contract's owner screen reads
/// `customer_name`, `customer_email`, `customer_phone`, `course_title`, `status`, `applied_at`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Application {
    pub id: Uuid,
    pub course_id: Uuid,
    pub course_title: String,
    pub user_id: Option<Uuid>,
    pub customer_name: String,
    pub customer_email: Option<String>,
    pub customer_phone: String,
    pub offer_id: Option<Uuid>,
    pub offer_title: Option<String>,
    pub price: String,
    pub discount: String,
    pub total_price: String,
    pub status: ApplicationStatus,
    pub applied_at: DateTime<Utc>,
    pub decided_at: Option<DateTime<Utc>>,
}

/// The staff lists' filters.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CourseFilter {
    pub search: Option<String>,
    pub is_active: Option<bool>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ApplicationFilter {
    pub course_id: Option<Uuid>,
    pub status: Option<ApplicationStatus>,
    pub search: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn fields<T: std::fmt::Debug>(r: Result<T, Vec<FieldError>>) -> Vec<String> {
        r.unwrap_err().into_iter().map(|e| e.field).collect()
    }

    #[test]
    fn a_new_course_needs_a_title_and_a_price() {
        let form: CourseForm = serde_json::from_value(json!({})).unwrap();
        assert_eq!(fields(form.parse(true)), ["title", "price"]);
        let form: CourseForm = serde_json::from_value(json!({
            "title": "Bridal makeup", "price": "25000.50", "duration": "3 months", "image_url": ""
        }))
        .unwrap();
        let c = form.parse(true).unwrap();
        assert_eq!(c.price, Some(Money::from_minor(2_500_050)));
        assert_eq!(c.image_url, Some(None));
        let form: CourseForm =
            serde_json::from_value(json!({ "title": "a\u{7}b", "price": -1, "duration": "x".repeat(101) }))
                .unwrap();
        assert_eq!(fields(form.parse(false)), ["title", "duration", "price"]);
    }

    #[test]
    fn applications_fall_back_to_the_account_and_name_every_bad_field() {
        let account = Applicant {
            name: Some("Ayesha".into()),
            phone: Some("0300 1234567".into()),
            email: Some("ayesha@example.com".into()),
        };
        let a = ApplyForm::default().parse(&account).unwrap();
        assert_eq!(a.name, "Ayesha");
        assert_eq!(a.email.unwrap().as_str(), "ayesha@example.com");
        let bad = ApplyForm {
            customer_phone: Some("12".into()),
            customer_email: Some("nope".into()),
            offer_id: Some("x".into()),
            ..ApplyForm::default()
        };
        assert_eq!(
            fields(bad.parse(&Applicant::default())),
            ["customerName", "customerPhone", "customerEmail", "offerId"]
        );
        assert_eq!(
            ApplicationStatus::parse("approved"),
            Some(ApplicationStatus::Accepted)
        );
    }
}
