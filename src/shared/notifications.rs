//! Notifications as the API, the portal and the service layer see them: the business's channel
//! switches and message texts, an inbox entry, and a delivery in the log.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{errors::FieldError, text};

/// What a message says: a title and a body, with `{customer}`, `{service}`, `{expert}`, `{date}`,
/// `{time}`, `{status}` and `{business}` filled in.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Template {
    pub title: String,
    pub body: String,
}

fn t(title: &str, body: &str) -> Template {
    Template {
        title: title.into(),
        body: body.into(),
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct Texts {
    pub booked: Template,
    pub confirmed: Template,
    pub status_changed: Template,
    pub cancelled: Template,
    pub paid: Template,
    pub rescheduled: Template,
    pub reminder: Template,
}

impl Default for Texts {
    fn default() -> Self {
        Self {
            booked: t(
                "Booking received",
                "{service} with {expert} on {date} at {time} is reserved for you.",
            ),
            confirmed: t(
                "Booking confirmed",
                "{service} with {expert} on {date} at {time} is confirmed.",
            ),
            status_changed: t(
                "Appointment {status}",
                "Your {service} on {date} at {time} is now {status}.",
            ),
            cancelled: t(
                "Appointment cancelled",
                "Your {service} on {date} at {time} was cancelled.",
            ),
            paid: t(
                "Payment received",
                "Thank you: {service} on {date} at {time} is paid.",
            ),
            rescheduled: t(
                "Appointment moved",
                "{service} with {expert} is now on {date} at {time}.",
            ),
            reminder: t(
                "Reminder: {service}",
                "{service} with {expert} on {date} at {time}. See you at {business}.",
            ),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct NotificationSettings {
    pub email: bool,
    pub push: bool,
    pub sms: bool,
    pub texts: Texts,
}

impl Default for NotificationSettings {
    fn default() -> Self {
        Self {
            email: true,
            push: true,
            sms: true,
            texts: Texts::default(),
        }
    }
}

/// Every text is one line for the title (at most 120 characters) and a block for the body (at
/// most 500); each bad one is named.
pub fn check(settings: &NotificationSettings) -> Result<(), Vec<FieldError>> {
    let mut errors = Vec::new();
    for (name, _) in TEXT_NAMES {
        let Some(template) = settings.texts.get(name) else {
            continue;
        };
        if let Err(e) = text::line(&format!("texts.{name}.title"), &template.title, 120) {
            errors.push(e);
        }
        if let Err(e) = text::block(&format!("texts.{name}.body"), &template.body, 500) {
            errors.push(e);
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}

/// `{name}` placeholders replaced by their values; unknown ones stay as typed.
pub fn fill(template: &str, values: &[(&str, &str)]) -> String {
    let mut out = template.to_owned();
    for (name, value) in values {
        out = out.replace(&format!("{{{name}}}"), value);
    }
    out
}

/// What a text may name in braces; `notices::render` fills each.
pub const PLACEHOLDERS: &[&str] = &[
    "customer", "service", "expert", "date", "time", "status", "business",
];

/// The fields of a message text, for the settings form and for `check`'s field names.
pub const TEXT_NAMES: &[(&str, &str)] = &[
    ("booked", "Booking received"),
    ("confirmed", "Booking confirmed"),
    ("statusChanged", "Status changed"),
    ("cancelled", "Cancelled"),
    ("paid", "Paid"),
    ("rescheduled", "Moved"),
    ("reminder", "Reminder"),
];

impl Texts {
    /// The template named as in `TEXT_NAMES`.
    pub fn get(&self, name: &str) -> Option<&Template> {
        Some(match name {
            "booked" => &self.booked,
            "confirmed" => &self.confirmed,
            "statusChanged" => &self.status_changed,
            "cancelled" => &self.cancelled,
            "paid" => &self.paid,
            "rescheduled" => &self.rescheduled,
            "reminder" => &self.reminder,
            _ => return None,
        })
    }

    pub fn get_mut(&mut self, name: &str) -> Option<&mut Template> {
        Some(match name {
            "booked" => &mut self.booked,
            "confirmed" => &mut self.confirmed,
            "statusChanged" => &mut self.status_changed,
            "cancelled" => &mut self.cancelled,
            "paid" => &mut self.paid,
            "rescheduled" => &mut self.rescheduled,
            "reminder" => &mut self.reminder,
            _ => return None,
        })
    }
}

/// One entry of a user's in-app inbox, with the contract's keys (`type`, `is_read`, `created_at`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InboxEntry {
    pub id: Uuid,
    pub title: String,
    pub message: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub is_read: bool,
    pub created_at: DateTime<Utc>,
}

/// One delivery as the log shows it. Message bodies stay out: codes and links are secrets.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Delivery {
    pub id: Uuid,
    pub channel: String,
    /// The address, number or (shortened) device token.
    pub recipient: String,
    pub subject: String,
    pub kind: Option<String>,
    pub status: String,
    pub attempts: i32,
    pub last_error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub sent_at: Option<DateTime<Utc>>,
}

/// The delivery log's filter (empty: any).
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq, Eq)]
pub struct LogFilter {
    pub channel: Option<String>,
    pub status: Option<String>,
}

/// The channels and states the log's filters offer.
pub const CHANNELS: &[&str] = &["email", "push", "sms"];
pub const DELIVERY_STATES: &[&str] = &["pending", "sending", "sent", "logged", "failed"];

/// The delivery log's filters as typed in the query string.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct DeliveryQuery {
    pub channel: Option<String>,
    pub status: Option<String>,
    pub page: Option<String>,
}

impl DeliveryQuery {
    /// The filter, with a field error for a channel or state that does not exist.
    pub fn parse(&self) -> Result<LogFilter, Vec<FieldError>> {
        let mut errors = Vec::new();
        let mut pick = |field: &str, raw: &Option<String>, allowed: &[&str]| {
            let raw = raw.as_deref().map(str::trim).filter(|s| !s.is_empty())?;
            if allowed.contains(&raw) {
                Some(raw.to_owned())
            } else {
                errors.push(FieldError::new(
                    field,
                    format!("Must be one of: {}", allowed.join(", ")),
                ));
                None
            }
        };
        let filter = LogFilter {
            channel: pick("channel", &self.channel, CHANNELS),
            status: pick("status", &self.status, DELIVERY_STATES),
        };
        if errors.is_empty() {
            Ok(filter)
        } else {
            Err(errors)
        }
    }
}

impl DeliveryQuery {
    /// The same filters on another page (for pager links).
    pub fn with_page(&self, page: u64) -> Self {
        Self {
            page: Some(page.to_string()),
            ..self.clone()
        }
    }

    /// The query string of the filters that are set.
    pub fn to_query_string(&self) -> String {
        [
            ("channel", &self.channel),
            ("status", &self.status),
            ("page", &self.page),
        ]
        .iter()
        .filter_map(|(k, v)| {
            let v = v.as_deref().map(str::trim).filter(|s| !s.is_empty())?;
            Some(format!("{k}={}", super::appointments::encode(v)))
        })
        .collect::<Vec<_>>()
        .join("&")
    }
}

/// A delivery with its times in the business's time zone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeliveryRow {
    pub delivery: Delivery,
    pub when: String,
    pub sent_when: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeliveryList {
    pub rows: Vec<DeliveryRow>,
    pub pagination: super::paging::Pagination,
}

/// The bell: how many are unread, and the newest entries with their time in the business's zone.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Inbox {
    pub unread: u64,
    pub entries: Vec<(InboxEntry, String)>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delivery_filters_name_what_exists() {
        let q = DeliveryQuery {
            channel: Some(" sms ".into()),
            status: Some(String::new()),
            page: None,
        };
        assert_eq!(
            q.parse(),
            Ok(LogFilter {
                channel: Some("sms".into()),
                status: None
            })
        );
        let bad = DeliveryQuery {
            channel: Some("fax".into()),
            status: Some("lost".into()),
            page: None,
        };
        let fields: Vec<String> = bad.parse().unwrap_err().into_iter().map(|e| e.field).collect();
        assert_eq!(fields, ["channel", "status"]);
    }

    #[test]
    fn delivery_filters_round_trip_through_the_query_string() {
        let q = DeliveryQuery {
            channel: Some("email".into()),
            status: Some(" ".into()),
            page: None,
        };
        assert_eq!(q.to_query_string(), "channel=email");
        assert_eq!(q.with_page(3).to_query_string(), "channel=email&page=3");
    }

    #[test]
    fn templates_are_found_by_their_field_names() {
        let mut texts = Texts::default();
        for (name, _) in TEXT_NAMES {
            assert!(texts.get(name).is_some(), "{name}");
            texts.get_mut(name).unwrap().title = (*name).into();
        }
        assert_eq!(texts.status_changed.title, "statusChanged");
        assert!(texts.get("nope").is_none());
    }

    #[test]
    fn placeholders_are_filled_and_texts_checked() {
        assert_eq!(
            fill(
                "{service} at {time} ({unknown})",
                &[("service", "Cut"), ("time", "10:00")]
            ),
            "Cut at 10:00 ({unknown})"
        );
        let mut s = NotificationSettings::default();
        assert!(check(&s).is_ok());
        s.texts.paid.title = "x".repeat(121);
        s.texts.reminder.body = "bad\u{0}".into();
        let fields: Vec<String> = check(&s).unwrap_err().into_iter().map(|e| e.field).collect();
        assert_eq!(fields, ["texts.paid.title", "texts.reminder.body"]);
    }
}
