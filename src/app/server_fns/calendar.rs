//! The appointments calendar: a day (one column per expert) or a week (one expert, a column per
//! day), with each expert's working hours, from the same staff list and scope as the table (an
//! expert sees their own schedule).

use leptos::prelude::*;
use leptos::server_fn::codec::Json;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::Choice;
use crate::shared::errors::PortalError;

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

#[server(prefix = "/api/fn", endpoint = "load_calendar", input = Json)]
pub async fn load_calendar(query: CalendarQuery) -> Result<Calendar, PortalError> {
    use chrono::{Datelike, Duration};

    use crate::server::{
        booking::{self, schedule, staff},
        catalog::experts,
        error::AppError,
        portal,
    };
    use crate::shared::{
        appointments::{parse_date, AppointmentQuery},
        booking::ClockTime,
        paging::PageRequest,
    };

    let (state, p) = portal::authorize_any(crate::app::components::layout::APPOINTMENTS).await?;
    let fail = |e: AppError| portal::portal_error(e);
    let rules = booking::rules(&state).await.map_err(fail)?;
    let today = rules.today();
    let date = match query.date.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        Some(raw) => parse_date("date", raw).map_err(|e| fail(AppError::Validation(vec![e])))?,
        None => today,
    };
    let week = query.view.as_deref() == Some("week");
    let scope = staff::list_scope(&state, &p).await.map_err(fail)?;
    let (active, _) = experts::list(
        &state.db,
        &experts::Filter {
            active_only: true,
            ..Default::default()
        },
        PageRequest { page: 1, limit: 500 },
    )
    .await
    .map_err(fail)?;
    let choices: Vec<Choice> = active
        .into_iter()
        .filter(|e| scope.is_none_or(|own| own == e.id))
        .map(|e| Choice {
            id: e.id,
            name: e.name,
            minutes: 0,
        })
        .collect();
    let picked = query
        .expert_id
        .as_deref()
        .and_then(|raw| Uuid::parse_str(raw.trim()).ok())
        .filter(|id| choices.iter().any(|c| c.id == *id));

    // Which (day, expert) columns to draw.
    let (first_day, days, shown): (chrono::NaiveDate, i64, Vec<&Choice>) = if week {
        let monday = date - Duration::days(i64::from(date.weekday().num_days_from_monday()));
        let one = picked
            .and_then(|id| choices.iter().find(|c| c.id == id))
            .or(choices.first());
        (monday, 7, one.into_iter().collect())
    } else {
        let shown = match picked {
            Some(id) => choices.iter().filter(|c| c.id == id).collect(),
            None => choices.iter().collect(),
        };
        (date, 1, shown)
    };
    let last_day = first_day + Duration::days(days - 1);
    let iso = |d: chrono::NaiveDate| d.format("%Y-%m-%d").to_string();
    let rows = staff::export(
        &state,
        &p,
        &AppointmentQuery {
            from: Some(iso(first_day)),
            to: Some(iso(last_day)),
            expert_id: if week || picked.is_some() {
                shown.first().map(|c| c.id.to_string())
            } else {
                None
            },
            ..Default::default()
        },
    )
    .await
    .map_err(fail)?;

    let minutes = |hhmm: &str| ClockTime::parse(hhmm.get(..5).unwrap_or(hhmm)).map_or(0, ClockTime::minutes);
    let mut columns = Vec::new();
    let (mut first, mut last) = (8 * 60u16, 18 * 60u16);
    for expert in &shown {
        let hours = schedule::week(&state.db, expert.id).await.map_err(fail)?;
        for offset in 0..days {
            let day = first_day + Duration::days(offset);
            let weekday = day.weekday().num_days_from_monday() as i16;
            let open: Vec<(u16, u16)> = hours
                .iter()
                .filter(|h| h.weekday == weekday)
                .map(|h| {
                    (
                        minutes(&h.start),
                        if h.end == "24:00" {
                            24 * 60
                        } else {
                            minutes(&h.end)
                        },
                    )
                })
                .collect();
            let blocks: Vec<CalendarBlock> = rows
                .iter()
                .filter(|a| a.expert_id == expert.id && a.appointment_date == iso(day))
                .map(|a| {
                    let start = minutes(&a.appointment_time);
                    CalendarBlock {
                        id: a.id,
                        start,
                        end: (start + a.duration.max(5) as u16).min(24 * 60),
                        time: a
                            .appointment_time
                            .get(..5)
                            .unwrap_or(&a.appointment_time)
                            .to_owned(),
                        service: a.service_name.clone(),
                        customer: a.customer_name.clone(),
                        status: a.status.clone(),
                    }
                })
                .collect();
            for (s, e) in open
                .iter()
                .copied()
                .chain(blocks.iter().map(|b| (b.start, b.end)))
            {
                first = first.min(s);
                last = last.max(e);
            }
            columns.push(CalendarColumn {
                title: if week {
                    day.format("%a %-d %b").to_string()
                } else {
                    expert.name.clone()
                },
                date: iso(day),
                expert_id: expert.id,
                open,
                blocks,
            });
        }
    }
    let step = Duration::days(days);
    Ok(Calendar {
        week,
        date: iso(first_day),
        anchor: iso(date),
        title: if week {
            format!("Week of {}", first_day.format("%-d %B %Y"))
        } else {
            date.format("%A %-d %B %Y").to_string()
        },
        prev: iso(first_day - step),
        next: iso(first_day + step),
        today: iso(today),
        experts: choices.clone(),
        expert_id: if week { shown.first().map(|c| c.id) } else { picked },
        columns,
        first_minute: first / 60 * 60,
        last_minute: (last.div_ceil(60) * 60).min(24 * 60),
    })
}
