//! Offers as both sides see them (contract §2.4): the form staff send, its rules, the discount
//! arithmetic and the offer as the app and the portal read it. The portal checks a form with the
//! same `parse` the server runs, and the booking prices an appointment with the same `Discount`.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{booking::Money, errors::FieldError, text};

pub const TITLE_MAX_CHARS: usize = 255;
pub const DESCRIPTION_MAX_CHARS: usize = 2000;
/// The largest usage limit staff may set.
pub const USAGE_LIMIT_MAX: i64 = 1_000_000;

/// What an offer takes off a price.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Discount {
    /// Hundredths of a percent: 1 to 10 000 (0.01 % to 100 %).
    Percent(u16),
    /// A fixed amount in minor units, more than 0.
    Amount(Money),
}

impl Discount {
    /// The minor units taken off `price_minor`: a percentage rounds half up to the minor unit, an
    /// amount never takes off more than the price.
    pub fn off(self, price_minor: i64) -> i64 {
        let price = price_minor.max(0);
        match self {
            Self::Percent(bp) => {
                let off = (i128::from(price) * i128::from(bp) + 5_000) / 10_000;
                i64::try_from(off).unwrap_or(price).min(price)
            }
            Self::Amount(amount) => amount.minor().clamp(0, price),
        }
    }

    /// How the portal's badges say it: "20% OFF", "Rs. 500 OFF".
    pub fn label(self) -> String {
        match self {
            Self::Percent(bp) if bp % 100 == 0 => format!("{}% OFF", bp / 100),
            Self::Percent(bp) => format!("{}% OFF", Money::from_minor(i64::from(bp))),
            Self::Amount(m) if m.minor() % 100 == 0 => format!("Rs. {} OFF", m.minor() / 100),
            Self::Amount(m) => format!("Rs. {m} OFF"),
        }
    }

    /// From the stored columns; percentage first, as the old backend read them.
    pub fn from_columns(basis_points: Option<i32>, amount_minor: Option<i64>) -> Option<Self> {
        match (basis_points, amount_minor) {
            (Some(bp), _) if (1..=10_000).contains(&bp) => Some(Self::Percent(bp as u16)),
            (_, Some(m)) if m > 0 => Some(Self::Amount(Money::from_minor(m))),
            _ => None,
        }
    }

    /// The stored columns: (basis points, amount in minor units).
    pub fn columns(self) -> (Option<i32>, Option<i64>) {
        match self {
            Self::Percent(bp) => (Some(i32::from(bp)), None),
            Self::Amount(m) => (None, Some(m.minor())),
        }
    }
}

/// What an offer applies to (`apply_to`, contract §6).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ApplyTo {
    All,
    AllServices,
    AllCourses,
    Service,
    Course,
}

impl ApplyTo {
    pub const ALL: [Self; 5] = [
        Self::All,
        Self::AllServices,
        Self::AllCourses,
        Self::Service,
        Self::Course,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::All => "all",
            Self::AllServices => "all_services",
            Self::AllCourses => "all_courses",
            Self::Service => "service",
            Self::Course => "course",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|a| a.as_str() == raw.trim())
    }
}

/// Where an offer stands on a given day, as the portal's badges show it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum OfferStatus {
    Active,
    Upcoming,
    Expired,
    Inactive,
}

impl OfferStatus {
    pub fn parse(raw: &str) -> Option<Self> {
        match raw.trim().to_ascii_lowercase().as_str() {
            "active" => Some(Self::Active),
            "upcoming" => Some(Self::Upcoming),
            "expired" => Some(Self::Expired),
            "inactive" => Some(Self::Inactive),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Active => "active",
            Self::Upcoming => "upcoming",
            Self::Expired => "expired",
            Self::Inactive => "inactive",
        }
    }
}

/// An offer as the app and the portal read it, with the contract's keys. Amounts are decimal
/// strings with two places (as the old backend's DECIMAL columns arrived); dates are the
/// business's local days, both included.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Offer {
    pub id: Uuid,
    pub title: String,
    pub description: Option<String>,
    pub discount_percentage: Option<String>,
    pub discount_amount: Option<String>,
    pub image_url: Option<String>,
    pub start_date: NaiveDate,
    pub end_date: NaiveDate,
    pub apply_to: ApplyTo,
    pub service_id: Option<Uuid>,
    pub service_name: Option<String>,
    pub course_id: Option<Uuid>,
    pub is_active: bool,
    pub usage_limit: Option<i32>,
    pub used_count: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl Offer {
    pub fn discount(&self) -> Option<Discount> {
        let minor = |s: &Option<String>| {
            s.as_deref()
                .and_then(|s| Money::parse_field("", &serde_json::Value::String(s.to_owned())).ok())
                .map(Money::minor)
        };
        Discount::from_columns(
            minor(&self.discount_percentage).and_then(|bp| i32::try_from(bp).ok()),
            minor(&self.discount_amount),
        )
    }

    pub fn status(&self, today: NaiveDate) -> OfferStatus {
        status(self.is_active, self.start_date, self.end_date, today)
    }

    /// Whether a booking of `service_id` may use this offer (dates and limits aside).
    pub fn covers_service(&self, service_id: Uuid) -> bool {
        covers_service(self.apply_to, self.service_id, service_id)
    }

    pub fn used_up(&self) -> bool {
        self.usage_limit.is_some_and(|limit| self.used_count >= limit)
    }
}

pub fn status(is_active: bool, starts: NaiveDate, ends: NaiveDate, today: NaiveDate) -> OfferStatus {
    if !is_active {
        OfferStatus::Inactive
    } else if today < starts {
        OfferStatus::Upcoming
    } else if today > ends {
        OfferStatus::Expired
    } else {
        OfferStatus::Active
    }
}

pub fn covers_service(apply_to: ApplyTo, offer_service: Option<Uuid>, service_id: Uuid) -> bool {
    match apply_to {
        ApplyTo::All | ApplyTo::AllServices => true,
        ApplyTo::Service => offer_service == Some(service_id),
        ApplyTo::AllCourses | ApplyTo::Course => false,
    }
}

pub fn covers_course(apply_to: ApplyTo, offer_course: Option<Uuid>, course_id: Uuid) -> bool {
    match apply_to {
        ApplyTo::All | ApplyTo::AllCourses => true,
        ApplyTo::Course => offer_course == Some(course_id),
        ApplyTo::AllServices | ApplyTo::Service => false,
    }
}

/// An offer as a form or JSON body sends it (camelCase, or the old admin site's snake_case).
/// Absent fields stay as they are; a discount that is empty, null or 0 counts as not given, so a
/// form that clears one box when the other is typed in sends one discount.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct OfferForm {
    pub title: Option<String>,
    pub description: Option<String>,
    #[serde(alias = "discount_percentage")]
    pub discount_percentage: Option<serde_json::Value>,
    #[serde(alias = "discount_amount")]
    pub discount_amount: Option<serde_json::Value>,
    #[serde(alias = "image_url")]
    pub image_url: Option<String>,
    #[serde(alias = "start_date")]
    pub start_date: Option<String>,
    #[serde(alias = "end_date")]
    pub end_date: Option<String>,
    #[serde(alias = "apply_to")]
    pub apply_to: Option<String>,
    #[serde(alias = "service_id")]
    pub service_id: Option<String>,
    #[serde(alias = "course_id")]
    pub course_id: Option<String>,
    #[serde(alias = "is_active")]
    pub is_active: Option<bool>,
    /// A whole number, or null / "" for no limit (null is kept apart from "not sent").
    #[serde(alias = "usage_limit", deserialize_with = "present")]
    pub usage_limit: Option<serde_json::Value>,
}

/// A field that was sent, null included: `Some(Null)` rather than `None`.
fn present<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<serde_json::Value>, D::Error> {
    serde_json::Value::deserialize(d).map(Some)
}

/// What an offer is aimed at once parsed: `apply_to` with the one id it needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Target {
    pub apply_to: ApplyTo,
    pub service_id: Option<Uuid>,
    pub course_id: Option<Uuid>,
}

/// A parsed `OfferForm`: `None` leaves a field as it is.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct OfferChanges {
    pub title: Option<String>,
    pub description: Option<Option<String>>,
    pub discount: Option<Discount>,
    pub image_url: Option<Option<String>>,
    pub start_date: Option<NaiveDate>,
    pub end_date: Option<NaiveDate>,
    pub target: Option<Target>,
    pub is_active: Option<bool>,
    pub usage_limit: Option<Option<i32>>,
}

fn given(v: &Option<serde_json::Value>) -> Option<&serde_json::Value> {
    v.as_ref().filter(|v| match v {
        serde_json::Value::Null => false,
        serde_json::Value::String(s) => !s.trim().is_empty(),
        serde_json::Value::Number(n) => n.as_f64() != Some(0.0),
        _ => true,
    })
}

fn optional_id(field: &str, raw: Option<&str>, errors: &mut Vec<FieldError>) -> Option<Uuid> {
    let raw = raw.map(str::trim).filter(|s| !s.is_empty())?;
    Uuid::parse_str(raw)
        .map_err(|_| errors.push(FieldError::new(field, "Must be a valid id")))
        .ok()
}

impl OfferForm {
    /// Checks every field; a new offer needs a title, a discount and both dates. The end may not
    /// come before the start (checked again on the merged offer when only one date changes).
    pub fn parse(&self, creating: bool) -> Result<OfferChanges, Vec<FieldError>> {
        let mut errors = Vec::new();
        let mut out = OfferChanges::default();
        let required = |errors: &mut Vec<FieldError>, field: &str, what: &str| {
            if creating {
                errors.push(FieldError::new(field, format!("{what} is required")));
            }
        };
        match self.title.as_deref() {
            Some(raw) => match text::line("title", raw, TITLE_MAX_CHARS) {
                Ok(t) => out.title = Some(t),
                Err(e) => errors.push(e),
            },
            None => required(&mut errors, "title", "Title"),
        }
        if let Some(d) = self.description.as_deref() {
            match text::optional_block("description", d, DESCRIPTION_MAX_CHARS) {
                Ok(d) => out.description = Some(d),
                Err(e) => errors.push(e),
            }
        }
        match (given(&self.discount_percentage), given(&self.discount_amount)) {
            (Some(_), Some(_)) => errors.push(FieldError::new(
                "discountPercentage",
                "Give a percentage or an amount, not both",
            )),
            (Some(p), None) => match Money::parse_field("discountPercentage", p) {
                Ok(m) if (1..=10_000).contains(&m.minor()) => {
                    out.discount = Some(Discount::Percent(m.minor() as u16))
                }
                _ => errors.push(FieldError::new(
                    "discountPercentage",
                    "Must be a percentage above 0 and at most 100, with at most 2 decimals",
                )),
            },
            (None, Some(a)) => match Money::parse_field("discountAmount", a) {
                Ok(m) if m.minor() > 0 && m.minor() <= Money::MAX_MINOR => {
                    out.discount = Some(Discount::Amount(m))
                }
                _ => errors.push(FieldError::new(
                    "discountAmount",
                    "Must be an amount above 0 with at most 2 decimals",
                )),
            },
            (None, None) => {
                // Both sent and both empty is a request to have no discount, which an offer cannot be.
                let sent = self.discount_percentage.is_some() || self.discount_amount.is_some();
                if creating || sent {
                    errors.push(FieldError::new(
                        "discountPercentage",
                        "Give a discount: a percentage or an amount",
                    ));
                }
            }
        }
        if let Some(url) = &self.image_url {
            match super::catalog::parse_image_url(url) {
                Ok(u) => out.image_url = Some(u),
                Err(e) => errors.push(FieldError::new("imageUrl", e)),
            }
        }
        for (field, raw, slot, what) in [
            ("startDate", &self.start_date, &mut out.start_date, "Start date"),
            ("endDate", &self.end_date, &mut out.end_date, "End date"),
        ] {
            match raw.as_deref() {
                Some(raw) => match super::appointments::parse_date(field, raw) {
                    Ok(d) => *slot = Some(d),
                    Err(e) => errors.push(e),
                },
                None => required(&mut errors, field, what),
            }
        }
        if let (Some(start), Some(end)) = (out.start_date, out.end_date) {
            if end < start {
                errors.push(FieldError::new("endDate", "Must not be before the start date"));
            }
        }
        out.target = self.target(&mut errors);
        out.is_active = self.is_active;
        if let Some(raw) = &self.usage_limit {
            let limit = match raw {
                serde_json::Value::Null => Ok(None),
                serde_json::Value::String(s) if s.trim().is_empty() => Ok(None),
                serde_json::Value::Number(n) => n.as_i64().ok_or(()).map(Some),
                serde_json::Value::String(s) => s.trim().parse::<i64>().map(Some).map_err(|_| ()),
                _ => Err(()),
            };
            match limit {
                Ok(None) => out.usage_limit = Some(None),
                Ok(Some(n)) if (1..=USAGE_LIMIT_MAX).contains(&n) => out.usage_limit = Some(Some(n as i32)),
                _ => errors.push(FieldError::new(
                    "usageLimit",
                    format!("Must be a whole number from 1 to {USAGE_LIMIT_MAX}, or empty for no limit"),
                )),
            }
        }
        if errors.is_empty() {
            Ok(out)
        } else {
            Err(errors)
        }
    }

    /// `applyTo` with its id. Without `applyTo`, a service id means that service, a course id that
    /// course, and neither every service and course. Sending an empty `serviceId` and `courseId`
    /// (the admin site's cleared selects) without `applyTo` makes it apply to everything.
    fn target(&self, errors: &mut Vec<FieldError>) -> Option<Target> {
        let service_id = optional_id("serviceId", self.service_id.as_deref(), errors);
        let course_id = optional_id("courseId", self.course_id.as_deref(), errors);
        let apply_to = match self.apply_to.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            Some(raw) => match ApplyTo::parse(raw) {
                Some(a) => Some(a),
                None => {
                    errors.push(FieldError::new(
                        "applyTo",
                        "Must be one of all, all_services, all_courses, service, course",
                    ));
                    return None;
                }
            },
            None => None,
        };
        if service_id.is_some() && course_id.is_some() {
            errors.push(FieldError::new(
                "serviceId",
                "An offer is for a service or a course, not both",
            ));
            return None;
        }
        let touched = apply_to.is_some() || self.service_id.is_some() || self.course_id.is_some();
        if !touched {
            return None;
        }
        let apply_to = apply_to.unwrap_or(match (service_id, course_id) {
            (Some(_), _) => ApplyTo::Service,
            (_, Some(_)) => ApplyTo::Course,
            _ => ApplyTo::All,
        });
        match apply_to {
            ApplyTo::Service if service_id.is_none() => {
                errors.push(FieldError::new(
                    "serviceId",
                    "Choose the service this offer is for",
                ));
                None
            }
            ApplyTo::Course if course_id.is_none() => {
                errors.push(FieldError::new("courseId", "Choose the course this offer is for"));
                None
            }
            ApplyTo::Service => Some(Target {
                apply_to,
                service_id,
                course_id: None,
            }),
            ApplyTo::Course => Some(Target {
                apply_to,
                service_id: None,
                course_id,
            }),
            _ => Some(Target {
                apply_to,
                service_id: None,
                course_id: None,
            }),
        }
    }
}

/// The staff list's filters (`GET /offers/admin`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct OfferFilter {
    pub status: Option<OfferStatus>,
    pub search: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn form(v: serde_json::Value) -> OfferForm {
        serde_json::from_value(v).unwrap()
    }

    fn fields(r: Result<OfferChanges, Vec<FieldError>>) -> Vec<String> {
        r.unwrap_err().into_iter().map(|e| e.field).collect()
    }

    #[test]
    fn percentages_round_half_up_and_amounts_never_exceed_the_price() {
        assert_eq!(Discount::Percent(2000).off(2500), 500);
        assert_eq!(Discount::Percent(3333).off(1000), 333);
        assert_eq!(Discount::Percent(1250).off(1004), 126); // 125.5 rounds up
        assert_eq!(Discount::Percent(10_000).off(999), 999);
        assert_eq!(Discount::Amount(Money::from_minor(700)).off(500), 500);
        assert_eq!(Discount::Amount(Money::from_minor(100)).off(500), 100);
        assert_eq!(Discount::Percent(10_000).off(Money::MAX_MINOR), Money::MAX_MINOR);
    }

    #[test]
    fn a_new_offer_needs_a_title_one_discount_and_ordered_dates() {
        assert_eq!(
            fields(form(json!({})).parse(true)),
            ["title", "discountPercentage", "startDate", "endDate"]
        );
        let ok = form(json!({
            "title": "Spring", "discount_percentage": "20", "discount_amount": "",
            "start_date": "2026-03-01", "end_date": "2026-03-31", "service_id": ""
        }))
        .parse(true)
        .unwrap();
        assert_eq!(ok.discount, Some(Discount::Percent(2000)));
        assert_eq!(ok.target.unwrap().apply_to, ApplyTo::All);
        assert_eq!(
            fields(
                form(json!({
                    "title": "x", "discountPercentage": 10, "discountAmount": 5,
                    "startDate": "2026-03-02", "endDate": "2026-03-01"
                }))
                .parse(true)
            ),
            ["discountPercentage", "endDate"]
        );
        for bad in [json!(0.001), json!(101), json!(-5), json!("ten")] {
            let r = form(json!({ "discountPercentage": bad })).parse(false);
            assert_eq!(fields(r), ["discountPercentage"], "{bad}");
        }
    }

    #[test]
    fn targets_follow_apply_to_or_the_id_given() {
        let id = Uuid::now_v7();
        let t = form(json!({ "serviceId": id.to_string() }))
            .parse(false)
            .unwrap()
            .target
            .unwrap();
        assert_eq!((t.apply_to, t.service_id), (ApplyTo::Service, Some(id)));
        assert_eq!(
            fields(form(json!({ "applyTo": "service" })).parse(false)),
            ["serviceId"]
        );
        assert_eq!(
            fields(form(json!({ "applyTo": "some" })).parse(false)),
            ["applyTo"]
        );
        let t = form(json!({ "applyTo": "all_services", "serviceId": id.to_string() }))
            .parse(false)
            .unwrap()
            .target
            .unwrap();
        assert_eq!((t.apply_to, t.service_id), (ApplyTo::AllServices, None));
        assert!(form(json!({ "title": "t" }))
            .parse(false)
            .unwrap()
            .target
            .is_none());
        assert!(covers_service(ApplyTo::Service, Some(id), id));
        assert!(!covers_service(ApplyTo::Service, Some(id), Uuid::now_v7()));
        assert!(!covers_service(ApplyTo::AllCourses, None, id));
    }

    #[test]
    fn usage_limits_are_whole_positive_numbers_or_none() {
        let limit = |v| {
            form(json!({ "usageLimit": v }))
                .parse(false)
                .map(|c| c.usage_limit)
        };
        assert_eq!(limit(json!(3)), Ok(Some(Some(3))));
        assert_eq!(limit(json!("")), Ok(Some(None)));
        assert_eq!(limit(json!(null)), Ok(Some(None)));
        for bad in [json!(0), json!(-1), json!(1.5), json!(2_000_000), json!("x")] {
            assert!(limit(bad.clone()).is_err(), "{bad}");
        }
    }

    #[test]
    fn status_follows_the_flag_and_the_days() {
        let d = |s| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        let (a, b) = (d("2026-03-01"), d("2026-03-31"));
        assert_eq!(status(true, a, b, d("2026-02-28")), OfferStatus::Upcoming);
        assert_eq!(status(true, a, b, a), OfferStatus::Active);
        assert_eq!(status(true, a, b, b), OfferStatus::Active);
        assert_eq!(status(true, a, b, d("2026-04-01")), OfferStatus::Expired);
        assert_eq!(status(false, a, b, a), OfferStatus::Inactive);
        assert_eq!(Discount::Percent(2000).label(), "20% OFF");
        assert_eq!(Discount::Percent(1250).label(), "12.50% OFF");
        assert_eq!(Discount::Amount(Money::from_minor(50_000)).label(), "Rs. 500 OFF");
    }
}
