//! The business's booking rules: one row, created with defaults on first read.

use chrono::Utc;
use sea_orm::{ActiveModelTrait, ConnectionTrait, DatabaseConnection, EntityTrait, Set};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::server::{
    audit,
    entities::business_settings as entity,
    error::{AppError, AppResult},
};
use crate::shared::{
    errors::FieldError,
    settings::{parse_business_name, BOOKING_WINDOW, MIN_NOTICE, RESERVATION_HOLD, SLOT_STEP},
};

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
        notifications: Set(None),
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

/// Applies a change after checking every field; nothing is written when any is wrong. What
/// changed goes to the audit log with `actor`, in the same transaction.
pub async fn update(
    db: &DatabaseConnection,
    default_tz: chrono_tz::Tz,
    actor: Uuid,
    change: SettingsChange,
) -> AppResult<Settings> {
    let txn = crate::server::db::write_txn(db).await?;
    let current = get(&txn, default_tz).await?;
    let mut errors = Vec::new();
    let mut next = current.clone();
    if let Some(name) = change.business_name {
        match parse_business_name(&name) {
            Ok(name) => next.business_name = name,
            Err(e) => errors.push(e),
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
    for (limit, value, slot) in [
        (SLOT_STEP, change.slot_step_minutes, &mut next.slot_step_minutes),
        (
            MIN_NOTICE,
            change.min_notice_minutes,
            &mut next.min_notice_minutes,
        ),
        (
            BOOKING_WINDOW,
            change.booking_window_days,
            &mut next.booking_window_days,
        ),
        (
            RESERVATION_HOLD,
            change.reservation_hold_minutes,
            &mut next.reservation_hold_minutes,
        ),
    ] {
        match value.map(|v| limit.check(v)) {
            Some(Ok(v)) => *slot = v,
            Some(Err(e)) => errors.push(e),
            None => {}
        }
    }
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
        notifications: sea_orm::ActiveValue::NotSet,
    }
    .update(&txn)
    .await?;
    let changes = changed_fields(&current, &next);
    if !changes.is_empty() {
        audit::record(
            &txn,
            audit::Entry::new("settings.updated")
                .actor(actor)
                .target("settings", "business")
                .details(serde_json::Value::Object(changes)),
        )
        .await?;
    }
    txn.commit().await?;
    Ok(next)
}

/// `{"field": {"from": old, "to": new}}` for each setting that differs, named as the API names it.
fn changed_fields(before: &Settings, after: &Settings) -> serde_json::Map<String, serde_json::Value> {
    let (serde_json::Value::Object(before), serde_json::Value::Object(after)) =
        (serde_json::json!(before), serde_json::json!(after))
    else {
        return serde_json::Map::new();
    };
    after
        .into_iter()
        .filter(|(field, value)| before.get(field) != Some(value))
        .map(|(field, to)| {
            let from = before.get(&field).cloned().unwrap_or_default();
            (field, serde_json::json!({ "from": from, "to": to }))
        })
        .collect()
}
