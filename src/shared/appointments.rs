//! Appointments as both sides see them: the booking form and its rules, the appointment as the
//! app and the portal read it, availability, and the staff list's filters. The portal validates
//! with the same `parse` the server runs.

use chrono::{DateTime, Duration, NaiveDate, NaiveTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{
    booking::{AppointmentStatus, ClockTime, PaymentMethod, PaymentStatus},
    errors::FieldError,
    identity::{Email, Phone},
    paging::Pagination,
};

/// The contract's `POST /appointments` body (and `POST /appointments/admin`, with `userId`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct BookingForm {
    pub service_id: String,
    pub appointment_date: String,
    pub appointment_time: String,
    pub customer_name: String,
    pub customer_phone: String,
    pub customer_email: Option<String>,
    pub expert_id: Option<String>,
    pub notes: Option<String>,
    /// A boolean, or the string "true" (older app builds).
    pub pay_now: serde_json::Value,
    pub payment_method: Option<String>,
    /// Staff booking on behalf of a customer account.
    pub user_id: Option<String>,
    /// An offer to price the booking with (checked and counted by the server).
    pub offer_id: Option<String>,
}

/// A booking request, parsed.
#[derive(Debug, Clone)]
pub struct Booking {
    pub service_id: Uuid,
    pub date: NaiveDate,
    pub time: NaiveTime,
    pub customer_name: String,
    pub customer_phone: String,
    pub customer_email: Option<String>,
    pub expert_id: Option<Uuid>,
    pub notes: Option<String>,
    pub pay_now: bool,
    pub payment_method: Option<PaymentMethod>,
    pub user_id: Option<Uuid>,
    pub offer_id: Option<Uuid>,
    /// The payment a reservation waits for (set by the payment flows, never by a form).
    pub payment_id: Option<Uuid>,
}

fn parse_uuid(field: &str, raw: &str, errors: &mut Vec<FieldError>) -> Option<Uuid> {
    match Uuid::parse_str(raw.trim()) {
        Ok(id) => Some(id),
        Err(_) => {
            errors.push(FieldError::new(field, "Must be a valid id"));
            None
        }
    }
}

fn optional_uuid(field: &str, raw: Option<&str>, errors: &mut Vec<FieldError>) -> Option<Uuid> {
    raw.map(str::trim)
        .filter(|s| !s.is_empty())
        .and_then(|s| parse_uuid(field, s, errors))
}

/// A calendar date, `YYYY-MM-DD`, in years 1900 to 9999 (date arithmetic near chrono's limits
/// would overflow; no booking lives there).
pub fn parse_date(field: &str, raw: &str) -> Result<NaiveDate, FieldError> {
    use chrono::Datelike;
    NaiveDate::parse_from_str(raw.trim(), "%Y-%m-%d")
        .ok()
        .filter(|d| (1900..=9999).contains(&d.year()))
        .ok_or_else(|| FieldError::new(field, "Must be a date as YYYY-MM-DD"))
}

pub fn parse_time(field: &str, raw: &str) -> Result<NaiveTime, FieldError> {
    ClockTime::parse(raw)
        .filter(|t| *t != ClockTime::END_OF_DAY)
        .map(|t| NaiveTime::MIN + Duration::minutes(i64::from(t.minutes())))
        .ok_or_else(|| FieldError::new(field, "Must be a time as HH:mm (24 h)"))
}

/// A day and a start time, as a reschedule sends them; each wrong one is a field error.
pub fn parse_slot(date: &str, time: &str) -> Result<(NaiveDate, NaiveTime), Vec<FieldError>> {
    match (
        parse_date("appointmentDate", date),
        parse_time("appointmentTime", time),
    ) {
        (Ok(d), Ok(t)) => Ok((d, t)),
        (d, t) => Err(d.err().into_iter().chain(t.err()).collect()),
    }
}

/// Why an appointment was cancelled, as a person typed it: trimmed, at most 500 characters. A
/// blank reason is no reason (the service then says who cancelled).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CancelReason(String);

impl CancelReason {
    pub const MAX_CHARS: usize = 500;

    pub fn parse_field(field: &str, raw: Option<&str>) -> Result<Option<Self>, FieldError> {
        match raw {
            None => Ok(None),
            Some(r) => Ok(super::text::optional_block(field, r, Self::MAX_CHARS)?.map(Self)),
        }
    }

    pub fn into_inner(self) -> String {
        self.0
    }
}

impl BookingForm {
    pub fn parse(&self) -> Result<Booking, Vec<FieldError>> {
        let mut errors = Vec::new();
        let service_id = parse_uuid("serviceId", &self.service_id, &mut errors);
        let date = parse_date("appointmentDate", &self.appointment_date)
            .map_err(|e| errors.push(e))
            .ok();
        let time = parse_time("appointmentTime", &self.appointment_time)
            .map_err(|e| errors.push(e))
            .ok();
        let name = super::text::line("customerName", &self.customer_name, 255)
            .map_err(|e| errors.push(e))
            .unwrap_or_default();
        let phone = Phone::parse(&self.customer_phone)
            .map_err(|e| errors.push(FieldError::new("customerPhone", e.message)))
            .ok();
        let email = match self
            .customer_email
            .as_deref()
            .map(str::trim)
            .filter(|e| !e.is_empty())
        {
            Some(raw) => Email::parse(raw)
                .map(|e| Some(e.as_str().to_owned()))
                .map_err(|e| errors.push(FieldError::new("customerEmail", e.message)))
                .unwrap_or(None),
            None => None,
        };
        let expert_id = optional_uuid("expertId", self.expert_id.as_deref(), &mut errors);
        let user_id = optional_uuid("userId", self.user_id.as_deref(), &mut errors);
        let offer_id = optional_uuid("offerId", self.offer_id.as_deref(), &mut errors);
        let notes = self
            .notes
            .as_deref()
            .map(|n| super::text::optional_block("notes", n, 2000))
            .transpose()
            .map_err(|e| errors.push(e))
            .ok()
            .flatten()
            .flatten();
        let pay_now = match &self.pay_now {
            serde_json::Value::Bool(b) => *b,
            serde_json::Value::String(s) => s.eq_ignore_ascii_case("true"),
            _ => false,
        };
        let payment_method = match self
            .payment_method
            .as_deref()
            .map(str::trim)
            .filter(|m| !m.is_empty())
        {
            Some(raw) => PaymentMethod::parse_field("paymentMethod", raw)
                .map_err(|e| errors.push(e))
                .ok(),
            None => None,
        };
        match (service_id, date, time, phone) {
            (Some(service_id), Some(date), Some(time), Some(phone)) if errors.is_empty() => Ok(Booking {
                service_id,
                date,
                time,
                customer_name: name,
                customer_phone: phone.as_str().to_owned(),
                customer_email: email,
                expert_id,
                notes,
                pay_now,
                payment_method,
                user_id,
                offer_id,
                payment_id: None,
            }),
            _ => Err(errors),
        }
    }
}

/// An appointment as the app and the portal read it (contract §2.5 keys, snake_case). Date and
/// time are the business's wall clock.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AppointmentView {
    pub id: Uuid,
    pub user_id: Option<Uuid>,
    pub service_id: Uuid,
    pub service_name: String,
    pub expert_id: Uuid,
    pub expert_name: String,
    pub customer_name: String,
    pub customer_phone: String,
    pub customer_email: Option<String>,
    pub appointment_date: String,
    pub appointment_time: String,
    pub duration: i32,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub status: String,
    pub payment_status: String,
    pub payment_method: Option<String>,
    /// What the customer is charged: the service's price less the offer's discount.
    pub total_price: String,
    /// The offer the booking used, its title and what it took off (`"0.00"` without one).
    #[serde(default)]
    pub offer_id: Option<Uuid>,
    #[serde(default)]
    pub offer_title: Option<String>,
    #[serde(default)]
    pub discount: String,
    pub notes: Option<String>,
    pub expires_at: Option<DateTime<Utc>>,
    pub paid_at: Option<DateTime<Utc>>,
    pub cancelled_at: Option<DateTime<Utc>>,
    pub cancelled_reason: Option<String>,
    pub created_at: DateTime<Utc>,
}

/// Free starts of one expert on one day (`GET /availability`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ExpertSlots {
    pub expert_id: Uuid,
    pub name: String,
    pub slots: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Availability {
    pub date: String,
    pub service_id: Uuid,
    pub experts: Vec<ExpertSlots>,
}

/// The staff list's filters as typed (query string or form): every field optional text, parsed by
/// [`AppointmentQuery::parse`] into field errors or a [`ListFilter`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct AppointmentQuery {
    pub status: Option<String>,
    pub payment_status: Option<String>,
    /// One day, `YYYY-MM-DD`.
    pub date: Option<String>,
    /// First day, inclusive.
    pub from: Option<String>,
    /// Last day, inclusive.
    pub to: Option<String>,
    pub expert_id: Option<String>,
    /// Customer name, phone or email (contains).
    pub search: Option<String>,
    pub page: Option<String>,
    pub limit: Option<String>,
}

/// [`AppointmentQuery`], parsed. Days are the business's calendar days.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ListFilter {
    pub status: Option<AppointmentStatus>,
    pub payment_status: Option<PaymentStatus>,
    pub from_day: Option<NaiveDate>,
    /// Inclusive.
    pub to_day: Option<NaiveDate>,
    pub expert_id: Option<Uuid>,
    pub search: Option<String>,
}

fn present(raw: &Option<String>) -> Option<&str> {
    raw.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

impl AppointmentQuery {
    pub fn parse(&self) -> Result<ListFilter, Vec<FieldError>> {
        let mut errors = Vec::new();
        let status = present(&self.status).and_then(|s| {
            AppointmentStatus::parse(s).or_else(|| {
                errors.push(FieldError::new("status", "Unknown status"));
                None
            })
        });
        let payment_status = present(&self.payment_status).and_then(|s| {
            PaymentStatus::parse(s).or_else(|| {
                errors.push(FieldError::new("paymentStatus", "Unknown payment status"));
                None
            })
        });
        let mut day = |field: &str, raw: &Option<String>| {
            present(raw).and_then(|raw| parse_date(field, raw).map_err(|e| errors.push(e)).ok())
        };
        let date = day("date", &self.date);
        let mut from_day = day("from", &self.from);
        let mut to_day = day("to", &self.to);
        if let Some(d) = date {
            from_day = Some(d);
            to_day = Some(d);
        }
        if let (Some(from), Some(to)) = (from_day, to_day) {
            if to < from {
                errors.push(FieldError::new("to", "The last day is before the first"));
            }
        }
        let expert_id = optional_uuid("expertId", present(&self.expert_id), &mut errors);
        let search = present(&self.search).map(str::to_owned);
        if errors.is_empty() {
            Ok(ListFilter {
                status,
                payment_status,
                from_day,
                to_day,
                expert_id,
                search,
            })
        } else {
            Err(errors)
        }
    }

    /// The same filters on another page (for pager links).
    pub fn with_page(&self, page: u64) -> Self {
        Self {
            page: Some(page.to_string()),
            ..self.clone()
        }
    }

    /// The query string of the filters that are set, for links (pages, CSV export).
    pub fn to_query_string(&self) -> String {
        let pairs = [
            ("status", &self.status),
            ("paymentStatus", &self.payment_status),
            ("date", &self.date),
            ("from", &self.from),
            ("to", &self.to),
            ("expertId", &self.expert_id),
            ("search", &self.search),
            ("page", &self.page),
            ("limit", &self.limit),
        ];
        pairs
            .iter()
            .filter_map(|(k, v)| present(v).map(|v| format!("{k}={}", encode(v))))
            .collect::<Vec<_>>()
            .join("&")
    }
}

/// Percent-encodes a query value (RFC 3986 unreserved characters stay).
pub fn encode(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for b in value.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => out.push(b as char),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// One page of the staff list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AppointmentPage {
    pub appointments: Vec<AppointmentView>,
    pub pagination: Pagination,
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_cancel_reason_is_trimmed_and_bounded() {
        use super::CancelReason;
        assert_eq!(CancelReason::parse_field("reason", None), Ok(None));
        assert_eq!(CancelReason::parse_field("reason", Some("  ")), Ok(None));
        assert_eq!(
            CancelReason::parse_field("reason", Some(" Ill ")).map(|r| r.map(CancelReason::into_inner)),
            Ok(Some("Ill".to_owned()))
        );
        let long = "é".repeat(500);
        assert!(
            CancelReason::parse_field("reason", Some(&long)).is_ok(),
            "500 characters, not bytes"
        );
        let err = CancelReason::parse_field("cancelReason", Some(&format!("{long}x"))).unwrap_err();
        assert_eq!(err.field, "cancelReason");
    }

    use super::*;

    #[test]
    fn list_query_parses_days_and_refuses_nonsense() {
        let q = AppointmentQuery {
            status: Some("confirmed".into()),
            from: Some("2026-03-01".into()),
            to: Some("2026-03-31".into()),
            search: Some("  ".into()),
            ..Default::default()
        };
        let f = q.parse().unwrap();
        assert_eq!(f.status, Some(AppointmentStatus::Confirmed));
        assert_eq!(f.to_day, NaiveDate::from_ymd_opt(2026, 3, 31));
        assert_eq!(f.search, None);
        let bad = AppointmentQuery {
            status: Some("maybe".into()),
            from: Some("2026-03-31".into()),
            to: Some("2026-03-01".into()),
            expert_id: Some("x".into()),
            ..Default::default()
        };
        let fields: Vec<_> = bad.parse().unwrap_err().into_iter().map(|e| e.field).collect();
        assert_eq!(fields, ["status", "to", "expertId"]);
    }

    #[test]
    fn query_strings_are_encoded() {
        let q = AppointmentQuery {
            search: Some("Ann & Bob=1".into()),
            page: Some("2".into()),
            ..Default::default()
        };
        assert_eq!(q.to_query_string(), "search=Ann%20%26%20Bob%3D1&page=2");
    }
}
