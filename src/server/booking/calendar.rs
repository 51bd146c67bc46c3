//! The appointments calendar (`shared::calendar`): which (day, expert) columns to draw, each with
//! the expert's working ranges and the appointments on it, and the hours the grid spans. Scope
//! and filters are the staff list's (`staff`): an expert sees only their own schedule.

use chrono::{Datelike, Duration, NaiveDate};
use uuid::Uuid;

use super::{schedule, staff};
use crate::server::{error::AppResult, identity::accounts::Principal, state::AppState};
use crate::shared::{
    appointments::{parse_date, AppointmentQuery, AppointmentView},
    booking::ClockTime,
    calendar::{Calendar, CalendarBlock, CalendarColumn, CalendarQuery},
    catalog::Choice,
    schedule::HoursRange,
};

const DAY_END: u16 = 24 * 60;

pub async fn build(state: &AppState, p: &Principal, query: &CalendarQuery) -> AppResult<Calendar> {
    let rules = super::rules(state).await?;
    let today = rules.today();
    let date = match query.date.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        Some(raw) => parse_date("date", raw)?,
        None => today,
    };
    let week = query.view.as_deref() == Some("week");
    let (_, choices) = staff::expert_choices(state, p).await?;
    let picked = query
        .expert_id
        .as_deref()
        .and_then(|raw| Uuid::parse_str(raw.trim()).ok())
        .filter(|id| choices.iter().any(|c| c.id == *id));

    // A week is one expert's (the one picked, else the first); a day is every expert's, or the
    // one picked.
    let (first_day, days, shown): (NaiveDate, i64, Vec<&Choice>) = if week {
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
    let rows = staff::export(
        state,
        p,
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
    .await?;

    // Each shown expert's linked account, and whether it is online.
    let linked: std::collections::HashMap<Uuid, Uuid> = {
        use crate::server::entities::experts;
        use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
        experts::Entity::find()
            .filter(experts::Column::Id.is_in(shown.iter().map(|c| c.id).collect::<Vec<_>>()))
            .all(&state.db)
            .await?
            .into_iter()
            .filter_map(|e| e.user_id.map(|u| (e.id, u)))
            .collect()
    };
    let accounts: Vec<Uuid> = linked.values().copied().collect();
    let online: std::collections::HashMap<Uuid, bool> = accounts
        .iter()
        .copied()
        .zip(state.live.presence.online(&accounts).await)
        .collect();
    let mut columns = Vec::new();
    for expert in &shown {
        let hours = schedule::week(&state.db, expert.id).await?;
        for offset in 0..days {
            let day = first_day + Duration::days(offset);
            let title = if week {
                day.format("%a %-d %b").to_string()
            } else {
                expert.name.clone()
            };
            let mut c = column(title, day, expert.id, &hours, &rows);
            c.user_id = linked.get(&expert.id).copied();
            c.online = c.user_id.and_then(|u| online.get(&u).copied()).unwrap_or(false);
            columns.push(c);
        }
    }
    let (first_minute, last_minute) = span(&columns);
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
        expert_id: if week { shown.first().map(|c| c.id) } else { picked },
        experts: choices.clone(),
        columns,
        first_minute,
        last_minute,
    })
}

fn iso(day: NaiveDate) -> String {
    day.format("%Y-%m-%d").to_string()
}

/// Minutes after midnight of `HH:MM` or `HH:MM:SS` (the appointment rows' format).
fn minutes(hhmm: &str) -> u16 {
    ClockTime::parse(hhmm.get(..5).unwrap_or(hhmm)).map_or(0, ClockTime::minutes)
}

/// One expert's day: their working ranges that weekday and their appointments that day.
fn column(
    title: String,
    day: NaiveDate,
    expert_id: Uuid,
    hours: &[HoursRange],
    rows: &[AppointmentView],
) -> CalendarColumn {
    let weekday = day.weekday().num_days_from_monday() as i16;
    let date = iso(day);
    let open = hours
        .iter()
        .filter(|h| h.weekday == weekday)
        .map(|h| {
            (
                minutes(&h.start),
                if h.end == "24:00" {
                    DAY_END
                } else {
                    minutes(&h.end)
                },
            )
        })
        .collect();
    let blocks = rows
        .iter()
        .filter(|a| a.expert_id == expert_id && a.appointment_date == date)
        .map(|a| {
            let start = minutes(&a.appointment_time);
            // At least 5 minutes tall, so a very short booking can still be seen and clicked.
            let length = u16::try_from(a.duration.max(5)).unwrap_or(DAY_END);
            CalendarBlock {
                id: a.id,
                start,
                end: start.saturating_add(length).min(DAY_END),
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
    CalendarColumn {
        title,
        date,
        expert_id,
        user_id: None,
        online: false,
        open,
        blocks,
    }
}

/// The whole hours the grid draws: 08:00 to 18:00, widened to every working range and appointment.
fn span(columns: &[CalendarColumn]) -> (u16, u16) {
    let (first, last) = columns
        .iter()
        .flat_map(|c| {
            c.open
                .iter()
                .copied()
                .chain(c.blocks.iter().map(|b| (b.start, b.end)))
        })
        .fold((8 * 60, 18 * 60), |(first, last), (s, e)| {
            (first.min(s), last.max(e))
        });
    (first / 60 * 60, (last.div_ceil(60) * 60).min(DAY_END))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Utc;

    fn hours(weekday: i16, start: &str, end: &str) -> HoursRange {
        HoursRange {
            weekday,
            start: start.into(),
            end: end.into(),
        }
    }

    fn booking(expert_id: Uuid, date: &str, time: &str, duration: i32) -> AppointmentView {
        AppointmentView {
            id: Uuid::now_v7(),
            user_id: None,
            service_id: Uuid::nil(),
            service_name: "Cut".into(),
            expert_id,
            expert_name: "Ada".into(),
            customer_name: "Ann".into(),
            customer_phone: "+441234567890".into(),
            customer_email: None,
            appointment_date: date.into(),
            appointment_time: time.into(),
            duration,
            starts_at: Utc::now(),
            ends_at: Utc::now(),
            status: "confirmed".into(),
            payment_status: "unpaid".into(),
            payment_method: None,
            total_price: "25.00".into(),
            offer_id: None,
            offer_title: None,
            discount: "0.00".into(),
            notes: None,
            expires_at: None,
            paid_at: None,
            cancelled_at: None,
            cancelled_reason: None,
            created_at: Utc::now(),
        }
    }

    #[test]
    fn a_column_holds_that_weekdays_hours_and_that_days_bookings_of_its_expert() {
        let (ada, bea) = (Uuid::now_v7(), Uuid::now_v7());
        let monday = NaiveDate::from_ymd_opt(2026, 11, 23).unwrap();
        let week = [
            hours(0, "09:00", "12:00"),
            hours(0, "13:00", "24:00"),
            hours(1, "07:00", "10:00"),
        ];
        let rows = [
            booking(ada, "2026-11-23", "09:30:00", 45),
            booking(ada, "2026-11-23", "23:58:00", 30),
            booking(bea, "2026-11-23", "10:00:00", 45),
            booking(ada, "2026-11-24", "10:00:00", 45),
        ];
        let c = column("Ada".into(), monday, ada, &week, &rows);
        assert_eq!(c.open, [(540, 720), (780, 1440)]);
        let blocks: Vec<_> = c
            .blocks
            .iter()
            .map(|b| (b.time.as_str(), b.start, b.end))
            .collect();
        // The late one ends at midnight in the drawing.
        assert_eq!(blocks, [("09:30", 570, 615), ("23:58", 1438, 1440)]);
    }

    #[test]
    fn the_grid_spans_whole_hours_around_everything_drawn() {
        let empty = CalendarColumn {
            title: String::new(),
            date: String::new(),
            expert_id: Uuid::nil(),
            user_id: None,
            online: false,
            open: Vec::new(),
            blocks: Vec::new(),
        };
        assert_eq!(span(&[]), (480, 1080), "08:00 to 18:00 when nothing is drawn");
        let early = CalendarColumn {
            open: vec![(7 * 60 + 30, 19 * 60 + 15)],
            ..empty.clone()
        };
        assert_eq!(span(&[empty.clone(), early]), (420, 1200));
        let late = CalendarColumn {
            open: vec![(600, DAY_END)],
            ..empty
        };
        assert_eq!(span(&[late]), (480, DAY_END));
    }
}
