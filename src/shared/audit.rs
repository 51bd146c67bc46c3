//! The audit log as the portal reads it: the filters as typed in the query string, their parse
//! (shared by the page and its server function), and one entry as shown.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{
    appointments::{encode, parse_date},
    errors::FieldError,
    identity::Email,
    paging::Pagination,
};

/// The filters as typed: every field optional text.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct AuditQuery {
    /// An account's email or user id.
    pub actor: Option<String>,
    /// Exact, e.g. `auth.login`.
    pub action: Option<String>,
    /// First day, inclusive (the business's calendar).
    pub from: Option<String>,
    /// Last day, inclusive.
    pub to: Option<String>,
    pub page: Option<String>,
}

/// Who a filter names: an email is looked up by the server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ActorRef {
    Id(Uuid),
    Email(Email),
}

/// [`AuditQuery`], parsed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditFilter {
    pub actor: Option<ActorRef>,
    pub action: Option<String>,
    pub from_day: Option<NaiveDate>,
    /// Inclusive.
    pub to_day: Option<NaiveDate>,
}

fn present(raw: &Option<String>) -> Option<&str> {
    raw.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

impl AuditQuery {
    pub fn parse(&self) -> Result<AuditFilter, Vec<FieldError>> {
        let mut errors = Vec::new();
        let actor = present(&self.actor).and_then(|raw| {
            if let Ok(id) = Uuid::parse_str(raw) {
                return Some(ActorRef::Id(id));
            }
            Email::parse(raw)
                .map(ActorRef::Email)
                .map_err(|_| errors.push(FieldError::new("actor", "Enter an account's email or user id")))
                .ok()
        });
        let action = present(&self.action).map(str::to_owned);
        let mut day = |field: &str, raw: &Option<String>| {
            present(raw).and_then(|raw| parse_date(field, raw).map_err(|e| errors.push(e)).ok())
        };
        let from_day = day("from", &self.from);
        let to_day = day("to", &self.to);
        if let (Some(from), Some(to)) = (from_day, to_day) {
            if to < from {
                errors.push(FieldError::new("to", "The last day is before the first"));
            }
        }
        if errors.is_empty() {
            Ok(AuditFilter {
                actor,
                action,
                from_day,
                to_day,
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

    /// The query string of the filters that are set.
    pub fn to_query_string(&self) -> String {
        [
            ("actor", &self.actor),
            ("action", &self.action),
            ("from", &self.from),
            ("to", &self.to),
            ("page", &self.page),
        ]
        .iter()
        .filter_map(|(k, v)| present(v).map(|v| format!("{k}={}", encode(v))))
        .collect::<Vec<_>>()
        .join("&")
    }
}

/// One entry as the portal shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    pub id: Uuid,
    pub at: DateTime<Utc>,
    /// `at` on the business's wall clock, `YYYY-MM-DD HH:MM:SS`.
    pub when: String,
    pub actor_id: Option<Uuid>,
    /// `None` for no actor, or an account deleted since.
    pub actor_name: Option<String>,
    pub actor_email: Option<String>,
    pub action: String,
    pub target_type: Option<String>,
    pub target_id: Option<String>,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    /// The details as compact JSON.
    pub details: Option<String>,
}

/// One page of the log, newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditList {
    pub entries: Vec<AuditEntry>,
    pub pagination: Pagination,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn actors_are_ids_or_emails_and_days_are_checked() {
        let id = Uuid::now_v7();
        let q = AuditQuery {
            actor: Some(id.to_string()),
            action: Some(" auth.login ".into()),
            from: Some("2026-03-01".into()),
            to: Some("2026-03-01".into()),
            page: None,
        };
        let f = q.parse().unwrap();
        assert_eq!(f.actor, Some(ActorRef::Id(id)));
        assert_eq!(f.action.as_deref(), Some("auth.login"));
        let by_email = AuditQuery {
            actor: Some("Ann@Example.com".into()),
            ..Default::default()
        };
        assert_eq!(
            by_email.parse().unwrap().actor,
            Some(ActorRef::Email(Email::parse("ann@example.com").unwrap()))
        );
        let bad = AuditQuery {
            actor: Some("ann".into()),
            from: Some("2026-03-10".into()),
            to: Some("2026-03-01".into()),
            ..Default::default()
        };
        let fields: Vec<String> = bad.parse().unwrap_err().into_iter().map(|e| e.field).collect();
        assert_eq!(fields, ["actor", "to"]);
        let fields: Vec<String> = AuditQuery {
            from: Some("2026-02-30".into()),
            ..Default::default()
        }
        .parse()
        .unwrap_err()
        .into_iter()
        .map(|e| e.field)
        .collect();
        assert_eq!(fields, ["from"]);
    }

    #[test]
    fn query_strings_keep_the_set_filters_encoded() {
        let q = AuditQuery {
            actor: Some("ann+1@example.com".into()),
            action: Some("auth.login".into()),
            ..Default::default()
        };
        assert_eq!(
            q.with_page(2).to_query_string(),
            "actor=ann%2B1%40example.com&action=auth.login&page=2"
        );
    }
}
