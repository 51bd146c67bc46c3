//! The appointments calendar as the portal draws it: a day with a column per expert, or one
//! expert's week with a column per day. Built by `server::booking::calendar`.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::catalog::Choice;

/// The calendar's query string.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct CalendarQuery {
    /// `week`, or anything else for a day.
    pub view: Option<String>,
    pub date: Option<String>,
    pub expert_id: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Calendar {
    pub week: bool,
    /// The day shown, or the Monday of the week shown.
    pub date: String,
    /// The day asked for: switching between day and week keeps it.
    pub anchor: String,
    pub title: String,
    pub prev: String,
    pub next: String,
    pub today: String,
    /// The experts the viewer may pick (their own only, for an expert).
    pub experts: Vec<Choice>,
    /// The week view's expert.
    pub expert_id: Option<Uuid>,
    pub columns: Vec<CalendarColumn>,
    /// The rows drawn: minutes after midnight, whole hours.
    pub first_minute: u16,
    pub last_minute: u16,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CalendarColumn {
    pub title: String,
    pub date: String,
    pub expert_id: Uuid,
    /// The staff account linked to the expert, if any, and whether it was online as the calendar
    /// was made (the live feed keeps it current).
    #[serde(default)]
    pub user_id: Option<Uuid>,
    #[serde(default)]
    pub online: bool,
    /// Working ranges (minutes after midnight); the rest is drawn as closed.
    pub open: Vec<(u16, u16)>,
    pub blocks: Vec<CalendarBlock>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CalendarBlock {
    pub id: Uuid,
    pub start: u16,
    pub end: u16,
    pub time: String,
    pub service: String,
    pub customer: String,
    pub status: String,
}
