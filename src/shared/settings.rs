//! The business settings as the portal shows and edits them. The limits are the ones
//! `server::booking::settings::update` enforces, with the same fields and messages, so the form
//! answers before anything is sent. The time zone is checked by the server only: the zone database
//! (`chrono-tz`) is not in the browser build.

use serde::{Deserialize, Serialize};

use super::errors::FieldError;

/// The booking rules (same shape as the server's `Settings`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BusinessSettings {
    pub business_name: String,
    pub timezone: String,
    pub slot_step_minutes: i32,
    pub min_notice_minutes: i32,
    pub booking_window_days: i32,
    pub reservation_hold_minutes: i32,
}

/// A bounded whole number of the settings, named as the form and the API name it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limit {
    pub field: &'static str,
    pub what: &'static str,
    pub min: i32,
    pub max: i32,
}

impl Limit {
    pub fn check(self, value: i32) -> Result<i32, FieldError> {
        if (self.min..=self.max).contains(&value) {
            Ok(value)
        } else {
            Err(FieldError::new(
                self.field,
                format!("{} must be between {} and {}", self.what, self.min, self.max),
            ))
        }
    }

    /// A number as typed in the form.
    pub fn parse(self, raw: &str) -> Result<i32, FieldError> {
        raw.trim()
            .parse::<i32>()
            .map_err(|_| FieldError::new(self.field, format!("{} must be a whole number", self.what)))
            .and_then(|v| self.check(v))
    }
}

const WEEK_MINUTES: i32 = 7 * 24 * 60;

pub const SLOT_STEP: Limit = Limit {
    field: "slotStepMinutes",
    what: "The slot grid",
    min: 5,
    max: 120,
};
pub const MIN_NOTICE: Limit = Limit {
    field: "minNoticeMinutes",
    what: "The minimum notice",
    min: 0,
    max: WEEK_MINUTES,
};
pub const BOOKING_WINDOW: Limit = Limit {
    field: "bookingWindowDays",
    what: "The booking window",
    min: 1,
    max: 730,
};
pub const RESERVATION_HOLD: Limit = Limit {
    field: "reservationHoldMinutes",
    what: "The reservation hold",
    min: 5,
    max: WEEK_MINUTES,
};

/// Trimmed, 1 to 255 characters.
pub fn parse_business_name(raw: &str) -> Result<String, FieldError> {
    super::text::line("businessName", raw, 255)
}

/// The settings form as typed: every field text, parsed by [`SettingsForm::parse`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct SettingsForm {
    pub business_name: String,
    pub timezone: String,
    pub slot_step_minutes: String,
    pub min_notice_minutes: String,
    pub booking_window_days: String,
    pub reservation_hold_minutes: String,
}

impl SettingsForm {
    pub fn from_settings(s: &BusinessSettings) -> Self {
        Self {
            business_name: s.business_name.clone(),
            timezone: s.timezone.clone(),
            slot_step_minutes: s.slot_step_minutes.to_string(),
            min_notice_minutes: s.min_notice_minutes.to_string(),
            booking_window_days: s.booking_window_days.to_string(),
            reservation_hold_minutes: s.reservation_hold_minutes.to_string(),
        }
    }

    /// Every field checked, one message per wrong field. The zone is only required here.
    pub fn parse(&self) -> Result<BusinessSettings, Vec<FieldError>> {
        let mut errors = Vec::new();
        let mut keep = |r: Result<String, FieldError>| r.map_err(|e| errors.push(e)).ok();
        let business_name = keep(parse_business_name(&self.business_name));
        let timezone = keep(match self.timezone.trim() {
            "" => Err(FieldError::new(
                "timezone",
                "Must be an IANA time zone such as Europe/London",
            )),
            tz => Ok(tz.to_owned()),
        });
        let mut number = |limit: Limit, raw: &str| limit.parse(raw).map_err(|e| errors.push(e)).ok();
        let slot_step_minutes = number(SLOT_STEP, &self.slot_step_minutes);
        let min_notice_minutes = number(MIN_NOTICE, &self.min_notice_minutes);
        let booking_window_days = number(BOOKING_WINDOW, &self.booking_window_days);
        let reservation_hold_minutes = number(RESERVATION_HOLD, &self.reservation_hold_minutes);
        match (
            business_name,
            timezone,
            slot_step_minutes,
            min_notice_minutes,
            booking_window_days,
            reservation_hold_minutes,
        ) {
            (Some(business_name), Some(timezone), Some(step), Some(notice), Some(window), Some(hold)) => {
                Ok(BusinessSettings {
                    business_name,
                    timezone,
                    slot_step_minutes: step,
                    min_notice_minutes: notice,
                    booking_window_days: window,
                    reservation_hold_minutes: hold,
                })
            }
            _ => Err(errors),
        }
    }
}

/// "90 minutes" as "1 h 30 min", for the hints under the inputs.
pub fn minutes_text(minutes: i32) -> String {
    let (d, h, m) = (minutes / 1440, minutes % 1440 / 60, minutes % 60);
    let parts: Vec<String> = [(d, "d"), (h, "h"), (m, "min")]
        .into_iter()
        .filter(|(n, _)| *n != 0)
        .map(|(n, unit)| format!("{n} {unit}"))
        .collect();
    if parts.is_empty() {
        "0 min".to_owned()
    } else {
        parts.join(" ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form() -> SettingsForm {
        SettingsForm {
            business_name: "  Studio Nine ".into(),
            timezone: "Europe/London".into(),
            slot_step_minutes: "30".into(),
            min_notice_minutes: "0".into(),
            booking_window_days: "90".into(),
            reservation_hold_minutes: " 240 ".into(),
        }
    }

    #[test]
    fn a_good_form_parses_and_round_trips() {
        let s = form().parse().unwrap();
        assert_eq!(s.business_name, "Studio Nine");
        assert_eq!((s.slot_step_minutes, s.reservation_hold_minutes), (30, 240));
        assert_eq!(SettingsForm::from_settings(&s).parse().unwrap(), s);
    }

    #[test]
    fn each_wrong_field_gets_its_message() {
        let bad = SettingsForm {
            business_name: " ".into(),
            timezone: "".into(),
            slot_step_minutes: "3".into(),
            min_notice_minutes: "-1".into(),
            booking_window_days: "ninety".into(),
            reservation_hold_minutes: "99999".into(),
        };
        let errors = bad.parse().unwrap_err();
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "businessName",
                "timezone",
                "slotStepMinutes",
                "minNoticeMinutes",
                "bookingWindowDays",
                "reservationHoldMinutes"
            ]
        );
        assert_eq!(errors[2].message, "The slot grid must be between 5 and 120");
        assert_eq!(errors[4].message, "The booking window must be a whole number");
    }

    #[test]
    fn minutes_read_as_days_hours_and_minutes() {
        assert_eq!(minutes_text(0), "0 min");
        assert_eq!(minutes_text(90), "1 h 30 min");
        assert_eq!(minutes_text(1440 + 60), "1 d 1 h");
    }
}
