//! Reports over any range of the business's local days (`/reports`, `GET /reports/data`,
//! `/reports/transactions`): the range rule and the figures.

use chrono::{Duration, NaiveDate};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::errors::FieldError;

/// The longest range a report covers: about three years.
pub const MAX_DAYS: i64 = 1100;
/// The range when none is asked for: the last 30 days, today included.
pub const DEFAULT_DAYS: i64 = 30;

/// A range of local days, both included, `from <= to`, at most [`MAX_DAYS`] long.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct DateRange {
    pub from: NaiveDate,
    pub to: NaiveDate,
}

impl DateRange {
    /// From `startDate`/`endDate` (`YYYY-MM-DD`); either may be left out (the default range
    /// ends today; a start alone runs 30 days on, an end alone 30 days back).
    pub fn parse(start: Option<&str>, end: Option<&str>, today: NaiveDate) -> Result<Self, Vec<FieldError>> {
        let mut errors = Vec::new();
        let mut day = |field: &str, raw: Option<&str>| match raw.map(str::trim).filter(|s| !s.is_empty()) {
            None => None,
            Some(raw) => super::appointments::parse_date(field, raw)
                .map_err(|e| errors.push(e))
                .ok(),
        };
        let (from, to) = (day("startDate", start), day("endDate", end));
        if !errors.is_empty() {
            return Err(errors);
        }
        let span = Duration::days(DEFAULT_DAYS - 1);
        let (from, to) = match (from, to) {
            (Some(f), Some(t)) => (f, t),
            (Some(f), None) => (f, f + span),
            (None, Some(t)) => (t - span, t),
            (None, None) => (today - span, today),
        };
        if to < from {
            return Err(vec![FieldError::new(
                "endDate",
                "Must not be before the start date",
            )]);
        }
        if (to - from).num_days() >= MAX_DAYS {
            return Err(vec![FieldError::new(
                "endDate",
                format!("A report covers at most {MAX_DAYS} days"),
            )]);
        }
        Ok(Self { from, to })
    }

    pub fn days(self) -> impl Iterator<Item = NaiveDate> {
        self.from.iter_days().take_while(move |d| *d <= self.to)
    }

    /// The CSV file's name.
    pub fn file_name(self) -> String {
        format!("sales-report-{}-to-{}.csv", self.from, self.to)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Summary {
    /// Paid in the range (by the day it was paid).
    pub total_revenue: String,
    pub total_revenue_minor: i64,
    /// Booked to start in the range, in any status.
    pub total_appointments: u64,
    pub paid: u64,
    pub completed: u64,
    pub cancelled: u64,
    /// Revenue over paid appointments.
    pub average_ticket: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DayFigures {
    pub date: NaiveDate,
    pub revenue: String,
    pub revenue_minor: i64,
    pub appointments: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Ranked {
    pub id: Uuid,
    pub name: String,
    pub appointments: u64,
    pub revenue: String,
    pub revenue_minor: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StatusCount {
    pub status: String,
    pub count: u64,
}

/// `GET /reports/data`: everything the Reports page draws.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Report {
    pub range: DateRange,
    pub summary: Summary,
    pub revenue_data: Vec<DayFigures>,
    pub top_services: Vec<Ranked>,
    pub top_experts: Vec<Ranked>,
    pub appointments_by_status: Vec<StatusCount>,
}

/// A paid appointment, as the transactions table and the CSV list it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Transaction {
    pub id: Uuid,
    pub paid_at: chrono::DateTime<chrono::Utc>,
    pub appointment_date: NaiveDate,
    pub customer_name: String,
    pub service_name: String,
    pub expert_name: String,
    pub amount: String,
    pub amount_minor: i64,
    pub payment_method: Option<String>,
    pub status: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn ranges_default_to_thirty_days_and_refuse_backwards_or_huge_ones() {
        let today = d("2026-12-02");
        let r = DateRange::parse(None, None, today).unwrap();
        assert_eq!((r.from, r.to), (d("2026-11-03"), today));
        assert_eq!(r.days().count(), 30);
        let r = DateRange::parse(Some("2026-01-01"), Some("2026-12-31"), today).unwrap();
        assert_eq!(r.days().count(), 365);
        assert!(DateRange::parse(Some("2026-02-01"), Some("2026-01-01"), today).is_err());
        assert!(DateRange::parse(Some("2020-01-01"), Some("2026-01-01"), today).is_err());
        let e = DateRange::parse(Some("2026-13-01"), Some("x"), today).unwrap_err();
        assert_eq!(e.len(), 2);
        assert_eq!(
            DateRange::parse(Some("2026-01-01"), Some("2026-01-31"), today)
                .unwrap()
                .file_name(),
            "sales-report-2026-01-01-to-2026-01-31.csv"
        );
    }
}
