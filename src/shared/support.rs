//! Support tickets (contract §2.10): what a customer sends, what staff change, and the ticket as
//! both read it.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{
    errors::FieldError,
    identity::{Email, Phone},
    text,
};

pub const NAME_MAX_CHARS: usize = 100;
pub const SUBJECT_MAX_CHARS: usize = 200;
pub const MESSAGE_MAX_CHARS: usize = 5000;
pub const RESPONSE_MAX_CHARS: usize = 5000;

macro_rules! word_enum {
    ($(#[$m:meta])* $name:ident { $($variant:ident => $s:literal),* $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        pub enum $name { $( #[serde(rename = $s)] $variant, )* }

        impl $name {
            pub const ALL: &'static [Self] = &[$(Self::$variant,)*];

            pub fn as_str(self) -> &'static str {
                match self { $(Self::$variant => $s,)* }
            }

            pub fn parse(raw: &str) -> Option<Self> {
                let raw = raw.trim().to_ascii_lowercase();
                Self::ALL.iter().copied().find(|v| v.as_str() == raw)
            }
        }
    };
}

word_enum!(
    /// Where a ticket stands.
    TicketStatus { Open => "open", InProgress => "in_progress", Resolved => "resolved", Closed => "closed" }
);
word_enum!(
    /// How urgent a ticket is.
    Priority { Low => "low", Medium => "medium", High => "high", Urgent => "urgent" }
);

impl TicketStatus {
    pub fn is_done(self) -> bool {
        matches!(self, Self::Resolved | Self::Closed)
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Open => "Open",
            Self::InProgress => "In progress",
            Self::Resolved => "Resolved",
            Self::Closed => "Closed",
        }
    }
}

impl Priority {
    pub fn label(self) -> &'static str {
        match self {
            Self::Low => "Low",
            Self::Medium => "Medium",
            Self::High => "High",
            Self::Urgent => "Urgent",
        }
    }
}

/// A ticket with the contract's keys.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Ticket {
    pub id: Uuid,
    pub user_id: Option<Uuid>,
    pub customer_name: String,
    pub customer_email: String,
    pub customer_phone: Option<String>,
    pub subject: String,
    pub message: String,
    pub status: TicketStatus,
    pub priority: Priority,
    pub assigned_to: Option<Uuid>,
    pub assigned_to_name: Option<String>,
    pub response: Option<String>,
    pub responded_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub resolved_at: Option<DateTime<Utc>>,
}

/// `POST /support/tickets`. A signed-in customer may leave out what their account says.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct TicketForm {
    pub customer_name: Option<String>,
    pub customer_email: Option<String>,
    pub customer_phone: Option<String>,
    pub subject: Option<String>,
    pub message: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct NewTicket {
    pub name: String,
    pub email: Email,
    pub phone: Option<Phone>,
    pub subject: String,
    pub message: String,
}

fn blank(raw: Option<&str>) -> Option<&str> {
    raw.map(str::trim).filter(|s| !s.is_empty())
}

impl TicketForm {
    /// `name` and `email`: the account's, used where the form leaves them out.
    pub fn parse(&self, name: Option<&str>, email: Option<&str>) -> Result<NewTicket, Vec<FieldError>> {
        let mut errors = Vec::new();
        let need = |field: &str, what: &str, errors: &mut Vec<FieldError>| {
            errors.push(FieldError::new(field, format!("{what} is required")));
        };
        let name = match blank(self.customer_name.as_deref()).or(blank(name)) {
            Some(raw) => text::line("customerName", raw, NAME_MAX_CHARS)
                .map_err(|e| errors.push(e))
                .ok(),
            None => {
                need("customerName", "Your name", &mut errors);
                None
            }
        };
        let email = match blank(self.customer_email.as_deref()).or(blank(email)) {
            Some(raw) => Email::parse(raw)
                .map_err(|e| errors.push(FieldError::new("customerEmail", e.message)))
                .ok(),
            None => {
                need("customerEmail", "Your email", &mut errors);
                None
            }
        };
        let phone = match blank(self.customer_phone.as_deref()) {
            Some(raw) => Phone::parse(raw)
                .map(Some)
                .map_err(|e| errors.push(FieldError::new("customerPhone", e.message)))
                .unwrap_or(None),
            None => None,
        };
        let subject = match blank(self.subject.as_deref()) {
            Some(raw) => text::line("subject", raw, SUBJECT_MAX_CHARS)
                .map_err(|e| errors.push(e))
                .ok(),
            None => {
                need("subject", "A subject", &mut errors);
                None
            }
        };
        let message = match self.message.as_deref() {
            Some(raw) => text::block("message", raw, MESSAGE_MAX_CHARS)
                .map_err(|e| errors.push(e))
                .ok(),
            None => {
                need("message", "A message", &mut errors);
                None
            }
        };
        match (name, email, subject, message, errors.is_empty()) {
            (Some(name), Some(email), Some(subject), Some(message), true) => Ok(NewTicket {
                name,
                email,
                phone,
                subject,
                message,
            }),
            _ => Err(errors),
        }
    }
}

/// `PUT /support/tickets/:id` (and the app's `POST` alias): any of status, priority, response
/// and assignee (null unassigns).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct TicketUpdateForm {
    pub status: Option<String>,
    pub priority: Option<String>,
    pub response: Option<String>,
    #[serde(
        alias = "assigned_to",
        deserialize_with = "present",
        skip_serializing_if = "Option::is_none"
    )]
    pub assigned_to: Option<serde_json::Value>,
}

fn present<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<serde_json::Value>, D::Error> {
    serde_json::Value::deserialize(d).map(Some)
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct TicketChanges {
    pub status: Option<TicketStatus>,
    pub priority: Option<Priority>,
    pub response: Option<String>,
    pub assigned_to: Option<Option<Uuid>>,
}

impl TicketUpdateForm {
    pub fn parse(&self) -> Result<TicketChanges, Vec<FieldError>> {
        let mut errors = Vec::new();
        let mut out = TicketChanges::default();
        if let Some(raw) = self.status.as_deref() {
            match TicketStatus::parse(raw) {
                Some(s) => out.status = Some(s),
                None => errors.push(FieldError::new(
                    "status",
                    "status must be open, in_progress, resolved or closed",
                )),
            }
        }
        if let Some(raw) = self.priority.as_deref() {
            match Priority::parse(raw) {
                Some(p) => out.priority = Some(p),
                None => errors.push(FieldError::new(
                    "priority",
                    "priority must be low, medium, high or urgent",
                )),
            }
        }
        if let Some(raw) = self.response.as_deref() {
            match text::block("response", raw, RESPONSE_MAX_CHARS) {
                Ok(r) => out.response = Some(r),
                Err(e) => errors.push(e),
            }
        }
        if let Some(raw) = &self.assigned_to {
            match raw {
                serde_json::Value::Null => out.assigned_to = Some(None),
                serde_json::Value::String(s) if s.trim().is_empty() => out.assigned_to = Some(None),
                serde_json::Value::String(s) => match Uuid::parse_str(s.trim()) {
                    Ok(id) => out.assigned_to = Some(Some(id)),
                    Err(_) => errors.push(FieldError::new("assignedTo", "Must be a valid id")),
                },
                _ => errors.push(FieldError::new("assignedTo", "Must be a valid id")),
            }
        }
        if out == TicketChanges::default() && errors.is_empty() {
            errors.push(FieldError::new(
                "status",
                "Send a status, priority, response or assignee to change",
            ));
        }
        if errors.is_empty() {
            Ok(out)
        } else {
            Err(errors)
        }
    }
}

/// The staff list's filters.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TicketFilter {
    pub status: Option<TicketStatus>,
    pub priority: Option<Priority>,
    pub search: Option<String>,
    pub assigned_to: Option<Uuid>,
}

/// A filter value that asks for something: not empty and not `all`.
fn wanted(raw: Option<&str>) -> Option<&str> {
    raw.map(str::trim)
        .filter(|s| !s.is_empty() && !s.eq_ignore_ascii_case("all"))
}

impl TicketFilter {
    /// The list's filters as the API's query and the portal send them: `status` and `priority`
    /// are their words, or empty or `all` for any; every bad one is named.
    pub fn parse(
        status: Option<&str>,
        priority: Option<&str>,
        search: Option<&str>,
    ) -> Result<Self, Vec<FieldError>> {
        let mut errors = Vec::new();
        let any = wanted;
        let status = any(status).and_then(|raw| {
            TicketStatus::parse(raw).or_else(|| {
                errors.push(FieldError::new(
                    "status",
                    "status must be open, in_progress, resolved or closed",
                ));
                None
            })
        });
        let priority = any(priority).and_then(|raw| {
            Priority::parse(raw).or_else(|| {
                errors.push(FieldError::new(
                    "priority",
                    "priority must be low, medium, high or urgent",
                ));
                None
            })
        });
        let search = text::search("search", search).unwrap_or_else(|e| {
            errors.push(e);
            None
        });
        if errors.is_empty() {
            Ok(Self {
                status,
                priority,
                search,
                assigned_to: None,
            })
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
    fn a_ticket_needs_who_what_and_why_and_falls_back_to_the_account() {
        let t = TicketForm {
            subject: Some("Mobile App Support".into()),
            message: Some("The app\nfreezes".into()),
            ..TicketForm::default()
        }
        .parse(Some("Sara"), Some("SARA@example.com"))
        .unwrap();
        assert_eq!((t.name.as_str(), t.email.as_str()), ("Sara", "sara@example.com"));
        let fields: Vec<_> = TicketForm {
            customer_phone: Some("1".into()),
            subject: Some("a\u{0}".into()),
            ..TicketForm::default()
        }
        .parse(None, None)
        .unwrap_err()
        .into_iter()
        .map(|e| e.field)
        .collect();
        assert_eq!(
            fields,
            [
                "customerName",
                "customerEmail",
                "customerPhone",
                "subject",
                "message"
            ]
        );
    }

    #[test]
    fn updates_parse_each_field_and_refuse_an_empty_one() {
        let form: TicketUpdateForm =
            serde_json::from_value(json!({ "status": "IN_PROGRESS", "assignedTo": null })).unwrap();
        let c = form.parse().unwrap();
        assert_eq!(c.status, Some(TicketStatus::InProgress));
        assert_eq!(c.assigned_to, Some(None));
        assert!(TicketUpdateForm::default().parse().is_err());
        let form: TicketUpdateForm =
            serde_json::from_value(json!({ "status": "done", "priority": "meh" })).unwrap();
        assert_eq!(form.parse().unwrap_err().len(), 2);
    }
}
