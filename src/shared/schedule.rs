//! Weekly working hours as the API and the portal's editor send them, and the one parser both use.

use serde::{Deserialize, Serialize};

use super::{booking::ClockTime, errors::FieldError};

/// Monday first, as `weekday` counts (0 = Monday).
pub const WEEKDAYS: [&str; 7] = [
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
];

/// One working range on a weekday, as the API shows and takes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HoursRange {
    /// 0 = Monday … 6 = Sunday.
    pub weekday: i16,
    pub start: String,
    pub end: String,
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

/// An expert's time off or a business closure, in the business time zone. Whole days read as dates
/// (`to` inclusive), as they were entered; anything else as date and time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AbsenceView {
    pub id: uuid::Uuid,
    pub from: String,
    pub to: String,
    pub reason: Option<String>,
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
}
