//! When experts work: weekly hours with breaks, time off, and business-wide closures.

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::slots::{day_start, Span};
use crate::server::{
    catalog::experts,
    entities::{time_off, working_hours},
    error::{AppError, AppResult},
};
use crate::shared::{booking::ClockTime, errors::FieldError};

pub use crate::shared::schedule::{parse_week, HoursRange};

/// The whole week of `expert_id`, ordered by weekday and start.
pub async fn week<C: ConnectionTrait>(db: &C, expert_id: Uuid) -> AppResult<Vec<HoursRange>> {
    experts::find(db, expert_id).await?;
    Ok(working_hours::Entity::find()
        .filter(working_hours::Column::ExpertId.eq(expert_id))
        .order_by_asc(working_hours::Column::Weekday)
        .order_by_asc(working_hours::Column::StartMinute)
        .all(db)
        .await?
        .into_iter()
        .map(|r| HoursRange {
            weekday: r.weekday,
            start: ClockTime::from_minutes(r.start_minute as u16).to_string(),
            end: ClockTime::from_minutes(r.end_minute as u16).to_string(),
        })
        .collect())
}

/// Replaces the whole week in one transaction.
pub async fn replace_week(
    db: &sea_orm::DatabaseConnection,
    expert_id: Uuid,
    ranges: &[HoursRange],
) -> AppResult<Vec<HoursRange>> {
    let parsed = parse_week(ranges).map_err(AppError::Validation)?;
    let txn = crate::server::db::write_txn(db).await?;
    experts::find(&txn, expert_id).await?;
    working_hours::Entity::delete_many()
        .filter(working_hours::Column::ExpertId.eq(expert_id))
        .exec(&txn)
        .await?;
    if !parsed.is_empty() {
        working_hours::Entity::insert_many(parsed.into_iter().map(|(weekday, s, e)| {
            working_hours::ActiveModel {
                id: Set(Uuid::now_v7()),
                expert_id: Set(expert_id),
                weekday: Set(weekday),
                start_minute: Set(i32::from(s.minutes())),
                end_minute: Set(i32::from(e.minutes())),
            }
        }))
        .exec_without_returning(&txn)
        .await?;
    }
    txn.commit().await?;
    week(db, expert_id).await
}

/// An absence as the API shows it: an expert's time off, or (no expert) a business closure.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Absence {
    pub id: Uuid,
    pub expert_id: Option<Uuid>,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub reason: Option<String>,
}

impl Absence {
    /// How the portal shows it: whole local days as dates (the last one included), else minutes.
    pub fn local(&self, tz: chrono_tz::Tz) -> crate::shared::schedule::AbsenceView {
        let (from, to) = (self.starts_at.with_timezone(&tz), self.ends_at.with_timezone(&tz));
        let midnight = |t: &DateTime<chrono_tz::Tz>| t.time() == chrono::NaiveTime::MIN;
        let (from, to) = if midnight(&from) && midnight(&to) {
            let last = to.date_naive().pred_opt().unwrap_or(to.date_naive());
            (from.date_naive().to_string(), last.to_string())
        } else {
            (
                from.format("%Y-%m-%d %H:%M").to_string(),
                to.format("%Y-%m-%d %H:%M").to_string(),
            )
        };
        crate::shared::schedule::AbsenceView {
            id: self.id,
            from,
            to,
            reason: self.reason.clone(),
        }
    }
}

impl From<time_off::Model> for Absence {
    fn from(m: time_off::Model) -> Self {
        Self {
            id: m.id,
            expert_id: m.expert_id,
            starts_at: m.starts_at,
            ends_at: m.ends_at,
            reason: m.reason,
        }
    }
}

/// `from`/`to` as sent: RFC 3339 instants, or dates (`to` inclusive) in the business time zone.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct AbsenceForm {
    pub from: String,
    pub to: String,
    pub reason: Option<String>,
}

impl AbsenceForm {
    pub fn parse(&self, tz: chrono_tz::Tz) -> Result<(Span, Option<String>), Vec<FieldError>> {
        let mut errors = Vec::new();
        let start = parse_bound(&self.from, tz, false);
        let end = parse_bound(&self.to, tz, true);
        if start.is_none() {
            errors.push(FieldError::new(
                "from",
                "Must be a date (YYYY-MM-DD) or a date and time (RFC 3339)",
            ));
        }
        if end.is_none() {
            errors.push(FieldError::new(
                "to",
                "Must be a date (YYYY-MM-DD) or a date and time (RFC 3339)",
            ));
        }
        let reason = match self.reason.as_deref() {
            Some(r) => crate::shared::text::optional_line("reason", r, 255)
                .map_err(|e| errors.push(e))
                .ok()
                .flatten(),
            None => None,
        };
        match (start, end) {
            (Some(start), Some(end)) if end <= start => {
                errors.push(FieldError::new("to", "The end must be after the start"));
                Err(errors)
            }
            (Some(start), Some(end)) if errors.is_empty() => Ok((Span { start, end }, reason)),
            _ => Err(errors),
        }
    }
}

/// A date means the start of that day, or (as an end) the start of the next: `to` is inclusive.
fn parse_bound(raw: &str, tz: chrono_tz::Tz, is_end: bool) -> Option<DateTime<Utc>> {
    let raw = raw.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(raw) {
        return Some(t.with_timezone(&Utc));
    }
    let date = NaiveDate::parse_from_str(raw, "%Y-%m-%d").ok()?;
    let date = if is_end { date.succ_opt()? } else { date };
    Some(day_start(tz, date))
}

pub async fn list_absences<C: ConnectionTrait>(db: &C, expert_id: Option<Uuid>) -> AppResult<Vec<Absence>> {
    if let Some(id) = expert_id {
        experts::find(db, id).await?;
    }
    let filter = match expert_id {
        Some(id) => time_off::Column::ExpertId.eq(id),
        None => time_off::Column::ExpertId.is_null(),
    };
    Ok(time_off::Entity::find()
        .filter(filter)
        .order_by_asc(time_off::Column::StartsAt)
        .all(db)
        .await?
        .into_iter()
        .map(Absence::from)
        .collect())
}

pub async fn add_absence<C: ConnectionTrait>(
    db: &C,
    expert_id: Option<Uuid>,
    tz: chrono_tz::Tz,
    form: &AbsenceForm,
) -> AppResult<Absence> {
    let (span, reason) = form.parse(tz).map_err(AppError::Validation)?;
    if let Some(id) = expert_id {
        experts::find(db, id).await?;
    }
    Ok(time_off::ActiveModel {
        id: Set(Uuid::now_v7()),
        expert_id: Set(expert_id),
        starts_at: Set(span.start),
        ends_at: Set(span.end),
        reason: Set(reason),
        created_at: Set(Utc::now()),
    }
    .insert(db)
    .await?
    .into())
}

/// Deletes an absence of `expert_id` (or a closure, with `None`); another's is "not found".
pub async fn delete_absence<C: ConnectionTrait>(db: &C, expert_id: Option<Uuid>, id: Uuid) -> AppResult<()> {
    let row = time_off::Entity::find_by_id(id)
        .one(db)
        .await?
        .filter(|r| r.expert_id == expert_id)
        .ok_or_else(|| {
            AppError::not_found(if expert_id.is_some() {
                "Time off"
            } else {
                "Closure"
            })
        })?;
    time_off::Entity::delete_by_id(row.id).exec(db).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn absence_dates_cover_whole_days_in_the_business_time_zone() {
        let tz: chrono_tz::Tz = "Asia/Karachi".parse().unwrap();
        let form = AbsenceForm {
            from: "2026-12-25".into(),
            to: "2026-12-26".into(),
            reason: Some(" Holiday ".into()),
        };
        let (span, reason) = form.parse(tz).unwrap();
        assert_eq!(span.start.to_rfc3339(), "2026-12-24T19:00:00+00:00");
        assert_eq!(span.end.to_rfc3339(), "2026-12-26T19:00:00+00:00");
        assert_eq!(reason.as_deref(), Some("Holiday"));
        let bad = AbsenceForm {
            from: "2026-12-26".into(),
            to: "2026-12-25T00:00:00Z".into(),
            reason: None,
        };
        assert_eq!(bad.parse(tz).unwrap_err()[0].field, "to");
    }
}
