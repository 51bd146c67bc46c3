//! The business's notification settings: which channels are on, and the text of each message.
//! Stored as JSON beside the booking rules; the defaults apply until an owner changes them.

use sea_orm::{ActiveModelTrait, ConnectionTrait, EntityTrait, Set};
use serde::{Deserialize, Serialize};

use crate::server::{
    entities::business_settings,
    error::{AppError, AppResult},
};
use crate::shared::{errors::FieldError, text};

/// What a message says: a title and a body, with `{customer}`, `{service}`, `{expert}`, `{date}`,
/// `{time}`, `{status}` and `{business}` filled in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Template {
    pub title: String,
    pub body: String,
}

fn t(title: &str, body: &str) -> Template {
    Template {
        title: title.into(),
        body: body.into(),
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct Texts {
    pub booked: Template,
    pub confirmed: Template,
    pub status_changed: Template,
    pub cancelled: Template,
    pub paid: Template,
    pub rescheduled: Template,
    pub reminder: Template,
}

impl Default for Texts {
    fn default() -> Self {
        Self {
            booked: t(
                "Booking received",
                "{service} with {expert} on {date} at {time} is reserved for you.",
            ),
            confirmed: t(
                "Booking confirmed",
                "{service} with {expert} on {date} at {time} is confirmed.",
            ),
            status_changed: t(
                "Appointment {status}",
                "Your {service} on {date} at {time} is now {status}.",
            ),
            cancelled: t(
                "Appointment cancelled",
                "Your {service} on {date} at {time} was cancelled.",
            ),
            paid: t(
                "Payment received",
                "Thank you: {service} on {date} at {time} is paid.",
            ),
            rescheduled: t(
                "Appointment moved",
                "{service} with {expert} is now on {date} at {time}.",
            ),
            reminder: t(
                "Reminder: {service}",
                "{service} with {expert} on {date} at {time}. See you at {business}.",
            ),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct NotificationSettings {
    pub email: bool,
    pub push: bool,
    pub sms: bool,
    pub texts: Texts,
}

impl Default for NotificationSettings {
    fn default() -> Self {
        Self {
            email: true,
            push: true,
            sms: true,
            texts: Texts::default(),
        }
    }
}

pub async fn get<C: ConnectionTrait>(db: &C) -> AppResult<NotificationSettings> {
    let stored = business_settings::Entity::find_by_id(1)
        .one(db)
        .await?
        .and_then(|row| row.notifications)
        .and_then(|json| serde_json::from_str(&json).ok());
    Ok(stored.unwrap_or_default())
}

/// Every text is one line for the title (at most 120 characters) and a block for the body (at
/// most 500); each bad one is named.
pub fn check(settings: &NotificationSettings) -> Result<(), Vec<FieldError>> {
    let texts = &settings.texts;
    let mut errors = Vec::new();
    for (name, template) in [
        ("booked", &texts.booked),
        ("confirmed", &texts.confirmed),
        ("statusChanged", &texts.status_changed),
        ("cancelled", &texts.cancelled),
        ("paid", &texts.paid),
        ("rescheduled", &texts.rescheduled),
        ("reminder", &texts.reminder),
    ] {
        if let Err(e) = text::line(&format!("texts.{name}.title"), &template.title, 120) {
            errors.push(e);
        }
        if let Err(e) = text::block(&format!("texts.{name}.body"), &template.body, 500) {
            errors.push(e);
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}

pub async fn update<C: ConnectionTrait>(db: &C, settings: &NotificationSettings) -> AppResult<()> {
    check(settings).map_err(AppError::Validation)?;
    // The row exists once the booking rules have been read.
    crate::server::booking::settings::get(db, chrono_tz::UTC).await?;
    let row = business_settings::Entity::find_by_id(1)
        .one(db)
        .await?
        .ok_or_else(|| AppError::Internal(anyhow::anyhow!("business settings row missing")))?;
    let mut active: business_settings::ActiveModel = row.into();
    active.notifications = Set(Some(
        serde_json::to_string(settings).map_err(|e| AppError::Internal(e.into()))?,
    ));
    active.updated_at = Set(chrono::Utc::now());
    active.update(db).await?;
    Ok(())
}

/// `{name}` placeholders replaced by their values; unknown ones stay as typed.
pub fn fill(template: &str, values: &[(&str, &str)]) -> String {
    let mut out = template.to_owned();
    for (name, value) in values {
        out = out.replace(&format!("{{{name}}}"), value);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_filled_and_texts_checked() {
        assert_eq!(
            fill(
                "{service} at {time} ({unknown})",
                &[("service", "Cut"), ("time", "10:00")]
            ),
            "Cut at 10:00 ({unknown})"
        );
        let mut s = NotificationSettings::default();
        assert!(check(&s).is_ok());
        s.texts.paid.title = "x".repeat(121);
        s.texts.reminder.body = "bad\u{0}".into();
        let fields: Vec<String> = check(&s).unwrap_err().into_iter().map(|e| e.field).collect();
        assert_eq!(fields, ["texts.paid.title", "texts.reminder.body"]);
    }
}
