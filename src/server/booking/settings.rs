//! The business's booking rules: one row, created with defaults on first read.

use chrono::Utc;
use sea_orm::{ActiveModelTrait, ConnectionTrait, EntityTrait, Set};
use serde::{Deserialize, Serialize};

use crate::server::{
    entities::business_settings as entity,
    error::{AppError, AppResult},
};
use crate::shared::errors::FieldError;

/// The booking rules as the API and the portal show them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Settings {
    pub business_name: String,
    pub timezone: String,
    pub slot_step_minutes: i32,
    pub min_notice_minutes: i32,
    pub booking_window_days: i32,
    pub reservation_hold_minutes: i32,
}

impl Settings {
    pub fn tz(&self) -> chrono_tz::Tz {
        self.timezone.parse().unwrap_or(chrono_tz::UTC)
    }
}

impl From<entity::Model> for Settings {
    fn from(m: entity::Model) -> Self {
        Self {
            business_name: m.business_name,
            timezone: m.timezone,
            slot_step_minutes: m.slot_step_minutes,
            min_notice_minutes: m.min_notice_minutes,
            booking_window_days: m.booking_window_days,
            reservation_hold_minutes: m.reservation_hold_minutes,
        }
    }
}

/// A change to any of the settings; absent fields stay.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct SettingsChange {
    pub business_name: Option<String>,
    pub timezone: Option<String>,
    pub slot_step_minutes: Option<i32>,
    pub min_notice_minutes: Option<i32>,
    pub booking_window_days: Option<i32>,
    pub reservation_hold_minutes: Option<i32>,
}

/// The settings, creating the row on first use with the configured time zone and the defaults.
pub async fn get<C: ConnectionTrait>(db: &C, default_tz: chrono_tz::Tz) -> AppResult<Settings> {
    if let Some(row) = entity::Entity::find_by_id(1).one(db).await? {
        return Ok(row.into());
    }
    let row = entity::ActiveModel {
        id: Set(1),
        business_name: Set("Pulse".into()),
        timezone: Set(default_tz.name().to_owned()),
        slot_step_minutes: Set(15),
        min_notice_minutes: Set(0),
        booking_window_days: Set(60),
        reservation_hold_minutes: Set(240),
        updated_at: Set(Utc::now()),
    };
    // Two first reads may race; the loser reads the winner's row.
    let _ = entity::Entity::insert(row)
        .on_conflict(
            sea_orm::sea_query::OnConflict::column(entity::Column::Id)
                .do_nothing()
                .to_owned(),
        )
        .exec_without_returning(db)
        .await?;
    entity::Entity::find_by_id(1)
        .one(db)
        .await?
        .map(Settings::from)
        .ok_or_else(|| AppError::Internal(anyhow::anyhow!("business settings row missing")))
}

/// Applies a change after checking every field; nothing is written when any is wrong.
pub async fn update<C: ConnectionTrait>(
    db: &C,
    default_tz: chrono_tz::Tz,
    change: SettingsChange,
) -> AppResult<Settings> {
    let current = get(db, default_tz).await?;
    let mut errors = Vec::new();
    let mut next = current.clone();
    if let Some(name) = change.business_name {
        let name = name.trim();
        if name.is_empty() || name.chars().count() > 255 {
            errors.push(FieldError::new(
                "businessName",
                "Business name must be 1 to 255 characters",
            ));
        } else {
            next.business_name = name.to_owned();
        }
    }
    if let Some(tz) = change.timezone {
        match tz.trim().parse::<chrono_tz::Tz>() {
            Ok(parsed) => next.timezone = parsed.name().to_owned(),
            Err(_) => errors.push(FieldError::new(
                "timezone",
                "Must be an IANA time zone such as Europe/London",
            )),
        }
    }
    let mut bounded = |field: &str,
                       value: Option<i32>,
                       range: std::ops::RangeInclusive<i32>,
                       slot: &mut i32,
                       what: &str| {
        if let Some(v) = value {
            if range.contains(&v) {
                *slot = v;
            } else {
                errors.push(FieldError::new(
                    field,
                    format!("{what} must be between {} and {}", range.start(), range.end()),
                ));
            }
        }
    };
    bounded(
        "slotStepMinutes",
        change.slot_step_minutes,
        5..=120,
        &mut next.slot_step_minutes,
        "The slot grid",
    );
    bounded(
        "minNoticeMinutes",
        change.min_notice_minutes,
        0..=7 * 24 * 60,
        &mut next.min_notice_minutes,
        "The minimum notice",
    );
    bounded(
        "bookingWindowDays",
        change.booking_window_days,
        1..=730,
        &mut next.booking_window_days,
        "The booking window",
    );
    bounded(
        "reservationHoldMinutes",
        change.reservation_hold_minutes,
        5..=7 * 24 * 60,
        &mut next.reservation_hold_minutes,
        "The reservation hold",
    );
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    entity::ActiveModel {
        id: Set(1),
        business_name: Set(next.business_name.clone()),
        timezone: Set(next.timezone.clone()),
        slot_step_minutes: Set(next.slot_step_minutes),
        min_notice_minutes: Set(next.min_notice_minutes),
        booking_window_days: Set(next.booking_window_days),
        reservation_hold_minutes: Set(next.reservation_hold_minutes),
        updated_at: Set(Utc::now()),
    }
    .update(db)
    .await?;
    Ok(next)
}
