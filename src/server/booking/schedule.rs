//! When experts work: weekly hours with breaks, time off, and business-wide closures.

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set,
    TransactionTrait,
};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::slots::{day_start, Span};
use crate::server::{
    catalog::experts,
    entities::{time_off, working_hours},
    error::{AppError, AppResult},
};
use crate::shared::{booking::ClockTime, errors::FieldError};

/// One working range on a weekday, as the API shows and takes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HoursRange {
    /// 0 = Monday … 6 = Sunday.
    pub weekday: i16,
    pub start: String,
    pub end: String,
}

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

/// Parses a week: every range valid, none inverted, none overlapping another on its day.
pub fn parse_week(ranges: &[HoursRange]) -> Result<Vec<(i16, ClockTime, ClockTime)>, Vec<FieldError>> {
    let mut errors = Vec::new();
    let mut parsed = Vec::new();
    for (i, r) in ranges.iter().enumerate() {
        let field = |name: &str| format!("hours[{i}].{name}");
        if !(0..=6).contains(&r.weekday) {
            errors.push(FieldError::new(
                field("weekday"),
                "Weekday must be 0 (Monday) to 6 (Sunday)",
            ));
        }
        let start = ClockTime::parse(&r.start).filter(|t| *t != ClockTime::END_OF_DAY);
        let end = ClockTime::parse(&r.end);
        match (start, end) {
            (None, _) => errors.push(FieldError::new(field("start"), "Must be a time as HH:mm (24 h)")),
            (_, None) => errors.push(FieldError::new(field("end"), "Must be a time as HH:mm (24 h)")),
            (Some(s), Some(e)) if e <= s => {
                errors.push(FieldError::new(field("end"), "The end must be after the start"))
            }
            (Some(s), Some(e)) => parsed.push((i, r.weekday, s, e)),
        }
    }
    for (n, &(i, day, s, e)) in parsed.iter().enumerate() {
        if parsed[..n]
            .iter()
            .any(|&(_, d2, s2, e2)| d2 == day && s < e2 && s2 < e)
        {
            errors.push(FieldError::new(
                format!("hours[{i}].start"),
                "Overlaps another range on the same day",
            ));
        }
    }
    if errors.is_empty() {
        Ok(parsed.into_iter().map(|(_, d, s, e)| (d, s, e)).collect())
    } else {
        Err(errors)
    }
}

/// Replaces the whole week in one transaction.
pub async fn replace_week(
    db: &sea_orm::DatabaseConnection,
    expert_id: Uuid,
    ranges: &[HoursRange],
) -> AppResult<Vec<HoursRange>> {
    let parsed = parse_week(ranges).map_err(AppError::Validation)?;
    let txn = db.begin().await?;
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
#[derive(Debug, Clone, Default, Deserialize)]
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
        let reason = self.reason.as_deref().map(str::trim).filter(|r| !r.is_empty());
        if reason.is_some_and(|r| r.chars().count() > 255) {
            errors.push(FieldError::new("reason", "At most 255 characters"));
        }
        match (start, end) {
            (Some(start), Some(end)) if end <= start => {
                errors.push(FieldError::new("to", "The end must be after the start"));
                Err(errors)
            }
            (Some(start), Some(end)) if errors.is_empty() => {
                Ok((Span { start, end }, reason.map(str::to_owned)))
            }
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

    fn r(weekday: i16, start: &str, end: &str) -> HoursRange {
        HoursRange {
            weekday,
            start: start.into(),
            end: end.into(),
        }
    }

    #[test]
    fn a_week_with_a_lunch_break_parses_and_bad_ranges_name_their_field() {
        assert_eq!(
            parse_week(&[r(0, "09:00", "12:00"), r(0, "13:00", "17:00")])
                .unwrap()
                .len(),
            2
        );
        let errors = parse_week(&[
            r(0, "09:00", "12:00"),
            r(0, "11:00", "14:00"),
            r(1, "10:00", "09:00"),
            r(7, "09:00", "10:00"),
            r(2, "9am", "10:00"),
        ])
        .unwrap_err();
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "hours[2].end",
                "hours[3].weekday",
                "hours[4].start",
                "hours[1].start"
            ]
        );
        // Touching ranges are fine (a break of zero minutes); 24:00 ends the day.
        assert!(parse_week(&[r(4, "09:00", "12:00"), r(4, "12:00", "24:00")]).is_ok());
    }

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
