//! Booking values shared by the API, the service layer and the portal: money, durations, clock
//! times, weekdays and the appointment state machine. Each parses once, at the edge.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::errors::FieldError;

/// An amount of money in minor units (cents, paisa). Shown with two decimals, as the old
/// backend's `DECIMAL(10,2)` was.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Money(i64);

impl Money {
    /// The most a price may be: 100 million in major units.
    pub const MAX_MINOR: i64 = 10_000_000_000;

    pub const fn from_minor(minor: i64) -> Self {
        Self(minor)
    }

    pub const fn minor(self) -> i64 {
        self.0
    }

    /// Accepts a JSON number or a decimal string with at most two decimals, 0 or more.
    pub fn parse_field(field: &str, raw: &serde_json::Value) -> Result<Self, FieldError> {
        let text = match raw {
            serde_json::Value::Number(n) => n.to_string(),
            serde_json::Value::String(s) => s.trim().to_owned(),
            _ => return Err(FieldError::new(field, "Must be an amount such as 25 or 25.50")),
        };
        Self::parse_text(&text)
            .ok_or_else(|| FieldError::new(field, "Must be an amount of 0 or more with at most 2 decimals"))
    }

    fn parse_text(text: &str) -> Option<Self> {
        let (whole, frac) = text.split_once('.').unwrap_or((text, ""));
        if whole.is_empty() || !whole.bytes().all(|b| b.is_ascii_digit()) || frac.len() > 2 {
            return None;
        }
        if !frac.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let whole: i64 = whole.parse().ok()?;
        let frac: i64 = if frac.is_empty() {
            0
        } else {
            format!("{frac:0<2}").parse().ok()?
        };
        let minor = whole.checked_mul(100)?.checked_add(frac)?;
        (minor <= Self::MAX_MINOR).then_some(Self(minor))
    }
}

impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.0 < 0 { "-" } else { "" };
        let abs = self.0.unsigned_abs();
        write!(f, "{sign}{}.{:02}", abs / 100, abs % 100)
    }
}

/// A service's length in minutes: 5 to 480.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct DurationMinutes(u16);

impl DurationMinutes {
    pub fn parse_field(field: &str, minutes: i64) -> Result<Self, FieldError> {
        if (5..=480).contains(&minutes) {
            Ok(Self(minutes as u16))
        } else {
            Err(FieldError::new(
                field,
                "Duration must be between 5 and 480 minutes",
            ))
        }
    }
    pub const fn get(self) -> u16 {
        self.0
    }
}

/// A wall-clock time of day, `HH:mm`, 24 h, as minutes from midnight (0..=1440; 1440 is the end of
/// the day, allowed only as the end of a range).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ClockTime(u16);

impl ClockTime {
    pub const END_OF_DAY: Self = Self(24 * 60);

    pub fn parse(text: &str) -> Option<Self> {
        let (h, m) = text.trim().split_once(':')?;
        if h.is_empty() || h.len() > 2 || m.len() != 2 {
            return None;
        }
        let (h, m): (u16, u16) = (h.parse().ok()?, m.parse().ok()?);
        match (h, m) {
            (24, 0) => Some(Self::END_OF_DAY),
            (0..=23, 0..=59) => Some(Self(h * 60 + m)),
            _ => None,
        }
    }

    pub fn parse_field(field: &str, text: &str) -> Result<Self, FieldError> {
        Self::parse(text).ok_or_else(|| FieldError::new(field, "Must be a time as HH:mm (24 h)"))
    }

    pub const fn from_minutes(minutes: u16) -> Self {
        Self(if minutes > 24 * 60 { 24 * 60 } else { minutes })
    }

    pub const fn minutes(self) -> u16 {
        self.0
    }
}

impl fmt::Display for ClockTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:02}:{:02}", self.0 / 60, self.0 % 60)
    }
}

macro_rules! string_enum {
    ($(#[$doc:meta])* $name:ident { $($variant:ident => $text:literal),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($variant),+ }

        impl $name {
            pub const ALL: &'static [Self] = &[$(Self::$variant),+];
            pub const fn as_str(self) -> &'static str {
                match self { $(Self::$variant => $text),+ }
            }
            pub fn parse(text: &str) -> Option<Self> {
                let text = text.trim();
                Self::ALL.iter().copied().find(|v| v.as_str().eq_ignore_ascii_case(text))
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

string_enum!(
    /// Where an appointment stands. `reserved` waits for payment until `expires_at`.
    AppointmentStatus {
        Reserved => "reserved",
        Confirmed => "confirmed",
        Completed => "completed",
        Cancelled => "cancelled",
        NoShow => "no_show",
    }
);

string_enum!(PaymentStatus {
    Unpaid => "unpaid",
    Paid => "paid",
    Refunded => "refunded",
});

string_enum!(PaymentMethod {
    Online => "online",
    Cash => "cash",
    Card => "card",
    Stripe => "stripe",
    Jazzcash => "jazzcash",
});

impl PaymentMethod {
    /// The method a form or body names, or its field error.
    pub fn parse_field(field: &str, raw: &str) -> Result<Self, FieldError> {
        Self::parse(raw)
            .ok_or_else(|| FieldError::new(field, "Must be one of online, cash, card, stripe, jazzcash"))
    }
}

impl AppointmentStatus {
    /// reserved → confirmed | cancelled; confirmed → completed | cancelled | no_show; the rest are
    /// final.
    pub fn can_become(self, next: Self) -> bool {
        use AppointmentStatus::*;
        matches!(
            (self, next),
            (Reserved, Confirmed)
                | (Reserved, Cancelled)
                | (Confirmed, Completed)
                | (Confirmed, Cancelled)
                | (Confirmed, NoShow)
        )
    }

    /// Whether the appointment holds its time (only cancelled ones free it).
    pub fn holds_time(self) -> bool {
        self != Self::Cancelled
    }

    pub fn is_final(self) -> bool {
        matches!(self, Self::Completed | Self::Cancelled | Self::NoShow)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn money_parses_numbers_and_strings_with_two_decimals_at_most() {
        let ok = |v: serde_json::Value| Money::parse_field("price", &v).unwrap().minor();
        assert_eq!(ok(json!(25)), 2500);
        assert_eq!(ok(json!(25.5)), 2550);
        assert_eq!(ok(json!("25.05")), 2505);
        assert_eq!(ok(json!("0")), 0);
        for bad in [
            json!(-1),
            json!("1.234"),
            json!("abc"),
            json!(null),
            json!("1e3"),
            json!(""),
        ] {
            assert!(Money::parse_field("price", &bad).is_err(), "{bad}");
        }
        assert_eq!(Money::from_minor(2505).to_string(), "25.05");
        assert_eq!(Money::from_minor(7).to_string(), "0.07");
    }

    #[test]
    fn clock_times_are_24_hour_hh_mm() {
        assert_eq!(ClockTime::parse("09:30").unwrap().minutes(), 570);
        assert_eq!(ClockTime::parse("9:30").unwrap().to_string(), "09:30");
        assert_eq!(ClockTime::parse("24:00"), Some(ClockTime::END_OF_DAY));
        for bad in ["24:01", "12:60", "1230", "12:5", "", "ab:cd", "-1:00"] {
            assert!(ClockTime::parse(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn the_appointment_state_machine_only_moves_forward() {
        use AppointmentStatus::*;
        assert!(Reserved.can_become(Confirmed) && Confirmed.can_become(NoShow));
        assert!(!Completed.can_become(Cancelled) && !Cancelled.can_become(Confirmed));
        assert!(!Reserved.can_become(Completed));
        assert_eq!(AppointmentStatus::parse("No_Show"), Some(NoShow));
    }
}
