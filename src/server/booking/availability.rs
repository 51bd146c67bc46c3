//! Loads what decides an expert's day from the database, and answers `GET /availability`.

use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};
use std::collections::HashMap;

use uuid::Uuid;

use super::{
    settings::Settings,
    slots::{self, day_start, DayPlan, Span},
};
use crate::server::{
    entities::{appointments, expert_services, experts, services, time_off, working_hours},
    error::{AppError, AppResult},
};
use crate::shared::booking::AppointmentStatus;

/// The rules in force for one request: settings, and "now".
#[derive(Debug, Clone)]
pub struct Rules {
    pub settings: Settings,
    pub now: DateTime<Utc>,
}

impl Rules {
    pub fn tz(&self) -> chrono_tz::Tz {
        self.settings.tz()
    }
    pub fn earliest(&self) -> DateTime<Utc> {
        self.now + Duration::minutes(i64::from(self.settings.min_notice_minutes))
    }
    pub fn latest(&self) -> DateTime<Utc> {
        self.now + Duration::days(i64::from(self.settings.booking_window_days))
    }
    /// Today in the business's time zone.
    pub fn today(&self) -> NaiveDate {
        self.now.with_timezone(&self.tz()).date_naive()
    }
}

/// One expert's day, owned, for building a `DayPlan`.
#[derive(Debug, Clone, Default)]
pub struct ExpertDay {
    /// Minutes from midnight (1440 ends the day).
    pub working: Vec<(u32, u32)>,
    pub closed: Vec<Span>,
    pub away: Vec<Span>,
    pub booked: Vec<Span>,
}

impl ExpertDay {
    pub fn plan<'a>(&'a self, rules: &Rules, date: NaiveDate, duration_minutes: i32) -> DayPlan<'a> {
        DayPlan {
            date,
            tz: rules.tz(),
            working: &self.working,
            closed: &self.closed,
            away: &self.away,
            booked: &self.booked,
            duration: Duration::minutes(i64::from(duration_minutes)),
            step_minutes: rules.settings.slot_step_minutes.max(1) as u32,
            earliest: rules.earliest(),
            latest: rules.latest(),
        }
    }
}

/// The window of instants that can touch `date`: the local day, widened by a day each side so a
/// long appointment or absence that crosses midnight is seen.
fn around(tz: chrono_tz::Tz, date: NaiveDate) -> (DateTime<Utc>, DateTime<Utc>) {
    let start = day_start(tz, date) - Duration::days(1);
    let end = date
        .succ_opt()
        .map_or(start + Duration::days(3), |next| day_start(tz, next))
        + Duration::days(1);
    (start, end)
}

/// Loads `expert_id`'s working ranges, absences, closures and appointments around `date`,
/// leaving out the appointment `ignore` (the one being rescheduled).
pub async fn expert_day<C: ConnectionTrait>(
    db: &C,
    rules: &Rules,
    expert_id: Uuid,
    date: NaiveDate,
    ignore: Option<Uuid>,
) -> AppResult<ExpertDay> {
    Ok(expert_days(db, rules, &[expert_id], date, ignore)
        .await?
        .remove(&expert_id)
        .unwrap_or_default())
}

/// `expert_day` for several experts in three queries, whatever their number.
pub async fn expert_days<C: ConnectionTrait>(
    db: &C,
    rules: &Rules,
    expert_ids: &[Uuid],
    date: NaiveDate,
    ignore: Option<Uuid>,
) -> AppResult<HashMap<Uuid, ExpertDay>> {
    let mut days: HashMap<Uuid, ExpertDay> =
        expert_ids.iter().map(|id| (*id, ExpertDay::default())).collect();
    let span = |start, end| Span { start, end };
    let weekday = date.weekday().num_days_from_monday() as i16;
    for r in working_hours::Entity::find()
        .filter(working_hours::Column::ExpertId.is_in(expert_ids.to_vec()))
        .filter(working_hours::Column::Weekday.eq(weekday))
        .order_by_asc(working_hours::Column::StartMinute)
        .all(db)
        .await?
    {
        if let Some(day) = days.get_mut(&r.expert_id) {
            day.working.push((
                r.start_minute.max(0) as u32,
                r.end_minute.clamp(0, 24 * 60) as u32,
            ));
        }
    }
    let (from, to) = around(rules.tz(), date);
    let absences = time_off::Entity::find()
        .filter(
            sea_orm::Condition::any()
                .add(time_off::Column::ExpertId.is_in(expert_ids.to_vec()))
                .add(time_off::Column::ExpertId.is_null()),
        )
        .filter(time_off::Column::StartsAt.lt(to))
        .filter(time_off::Column::EndsAt.gt(from))
        .all(db)
        .await?;
    for a in absences {
        match a.expert_id {
            // A closure stops everyone.
            None => days
                .values_mut()
                .for_each(|d| d.closed.push(span(a.starts_at, a.ends_at))),
            Some(id) => {
                if let Some(day) = days.get_mut(&id) {
                    day.away.push(span(a.starts_at, a.ends_at));
                }
            }
        }
    }
    let mut booked = appointments::Entity::find()
        .filter(appointments::Column::ExpertId.is_in(expert_ids.to_vec()))
        .filter(appointments::Column::Status.ne(AppointmentStatus::Cancelled.as_str()))
        .filter(appointments::Column::StartsAt.lt(to))
        .filter(appointments::Column::EndsAt.gt(from));
    if let Some(id) = ignore {
        booked = booked.filter(appointments::Column::Id.ne(id));
    }
    for a in booked.all(db).await? {
        if let Some(day) = days.get_mut(&a.expert_id) {
            day.booked.push(span(a.starts_at, a.ends_at));
        }
    }
    Ok(days)
}

/// The active experts who offer `service_id`, by name.
pub async fn qualified_experts<C: ConnectionTrait>(
    db: &C,
    service_id: Uuid,
) -> AppResult<Vec<experts::Model>> {
    let ids: Vec<Uuid> = expert_services::Entity::find()
        .filter(expert_services::Column::ServiceId.eq(service_id))
        .all(db)
        .await?
        .into_iter()
        .map(|l| l.expert_id)
        .collect();
    Ok(experts::Entity::find()
        .filter(experts::Column::Id.is_in(ids))
        .filter(experts::Column::IsActive.eq(true))
        .order_by_asc(experts::Column::Name)
        .order_by_asc(experts::Column::Id)
        .all(db)
        .await?)
}

pub use crate::shared::appointments::{Availability, ExpertSlots};

/// Free starts per qualified expert (or the one asked for) for `service_id` on `date`.
pub async fn availability<C: ConnectionTrait>(
    db: &C,
    rules: &Rules,
    service_id: Uuid,
    date: NaiveDate,
    expert_id: Option<Uuid>,
) -> AppResult<Availability> {
    let service = services::Entity::find_by_id(service_id)
        .one(db)
        .await?
        .filter(|s| s.is_active)
        .ok_or_else(|| AppError::not_found("Service"))?;
    let mut experts = qualified_experts(db, service_id).await?;
    if let Some(id) = expert_id {
        experts.retain(|e| e.id == id);
        if experts.is_empty() {
            return Err(AppError::field(
                "expertId",
                "This expert does not offer this service",
            ));
        }
    }
    let ids: Vec<Uuid> = experts.iter().map(|e| e.id).collect();
    let mut days = expert_days(db, rules, &ids, date, None).await?;
    let mut out = Vec::with_capacity(experts.len());
    for expert in experts {
        let day = days.remove(&expert.id).unwrap_or_default();
        let slots = slots::free_starts(&day.plan(rules, date, service.duration_minutes))
            .into_iter()
            .map(|t| t.format("%H:%M").to_string())
            .collect();
        out.push(ExpertSlots {
            expert_id: expert.id,
            name: expert.name,
            slots,
        });
    }
    Ok(Availability {
        date: date.format("%Y-%m-%d").to_string(),
        service_id,
        experts: out,
    })
}
