//! Free start times for one expert on one day: pure, so every rule is unit-tested without a
//! database. Times are the business's wall clock on the grid; intervals are UTC instants, half-open.

use chrono::{DateTime, Duration, LocalResult, NaiveDate, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;

/// A half-open interval of instants, `[start, end)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Span {
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
}

impl Span {
    pub fn overlaps(&self, other: &Span) -> bool {
        self.start < other.end && other.start < self.end
    }
}

/// Everything that decides one expert's free starts on one day.
#[derive(Debug, Clone)]
pub struct DayPlan<'a> {
    pub date: NaiveDate,
    pub tz: Tz,
    /// The expert's working ranges that weekday, in wall-clock minutes from midnight (an end of
    /// 1440 is midnight at the end of the day); the gaps between them are breaks.
    pub working: &'a [(u32, u32)],
    /// Business closures (holidays).
    pub closed: &'a [Span],
    /// The expert's time off.
    pub away: &'a [Span],
    /// The expert's appointments that hold their time (not cancelled).
    pub booked: &'a [Span],
    pub duration: Duration,
    /// The grid, in minutes from midnight (15 by default).
    pub step_minutes: u32,
    /// The earliest allowed start: now plus the minimum notice.
    pub earliest: DateTime<Utc>,
    /// The latest allowed start: the end of the booking window.
    pub latest: DateTime<Utc>,
}

/// The instant a wall-clock time names on `date`, or `None` when it does not exist (the hour
/// skipped when clocks go forward). An hour that happens twice is taken at its first occurrence.
pub fn instant(tz: Tz, date: NaiveDate, time: NaiveTime) -> Option<DateTime<Utc>> {
    match tz.from_local_datetime(&date.and_time(time)) {
        LocalResult::Single(t) => Some(t.with_timezone(&Utc)),
        LocalResult::Ambiguous(first, _) => Some(first.with_timezone(&Utc)),
        LocalResult::None => None,
    }
}

/// The start of `date` in `tz` as an instant (midnight, or the first instant after a skipped one).
pub fn day_start(tz: Tz, date: NaiveDate) -> DateTime<Utc> {
    (0..=120)
        .find_map(|m| instant(tz, date, NaiveTime::MIN + Duration::minutes(m)))
        .unwrap_or_else(|| date.and_time(NaiveTime::MIN).and_utc())
}

/// The span a booking starting at `time` on `date` occupies, if that wall-clock time exists.
pub fn booking_span(tz: Tz, date: NaiveDate, time: NaiveTime, duration: Duration) -> Option<Span> {
    let start = instant(tz, date, time)?;
    Some(Span {
        start,
        end: start + duration,
    })
}

/// Whether `time` is on the grid of `step_minutes` from midnight.
pub fn on_grid(time: NaiveTime, step_minutes: u32) -> bool {
    use chrono::Timelike;
    step_minutes > 0 && time.second() == 0 && time.nanosecond() == 0 && {
        let minutes = time.hour() * 60 + time.minute();
        minutes.is_multiple_of(step_minutes)
    }
}

/// Why a requested start is not bookable, most basic first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    OffGrid,
    /// The wall-clock time does not exist that day (clocks go forward).
    NoSuchTime,
    TooSoon,
    BeyondWindow,
    OutsideHours,
    Closed,
    Away,
    Taken,
}

/// Checks one requested start against the plan; `Ok` carries the span to book.
pub fn check(plan: &DayPlan<'_>, time: NaiveTime) -> Result<Span, Refusal> {
    if !on_grid(time, plan.step_minutes) {
        return Err(Refusal::OffGrid);
    }
    let span = booking_span(plan.tz, plan.date, time, plan.duration).ok_or(Refusal::NoSuchTime)?;
    if span.start < plan.earliest {
        return Err(Refusal::TooSoon);
    }
    if span.start > plan.latest {
        return Err(Refusal::BeyondWindow);
    }
    let inside = plan.working.iter().any(|&(from, to)| {
        let (Some(from), Some(to)) = (minute_instant(plan, from), minute_instant(plan, to)) else {
            return false;
        };
        from <= span.start && span.end <= to
    });
    if !inside {
        return Err(Refusal::OutsideHours);
    }
    if plan.closed.iter().any(|b| b.overlaps(&span)) {
        return Err(Refusal::Closed);
    }
    if plan.away.iter().any(|b| b.overlaps(&span)) {
        return Err(Refusal::Away);
    }
    if plan.booked.iter().any(|b| b.overlaps(&span)) {
        return Err(Refusal::Taken);
    }
    Ok(span)
}

/// The instant of a wall-clock minute of the plan's day, as a range bound: 1440 is the start of
/// the next day, and a minute the clocks skip means the first instant after it.
fn minute_instant(plan: &DayPlan<'_>, minute: u32) -> Option<DateTime<Utc>> {
    if minute >= 24 * 60 {
        return plan.date.succ_opt().map(|next| day_start(plan.tz, next));
    }
    (minute..(minute + 180).min(24 * 60))
        .find_map(|m| {
            instant(
                plan.tz,
                plan.date,
                NaiveTime::MIN + Duration::minutes(i64::from(m)),
            )
        })
        .or_else(|| plan.date.succ_opt().map(|next| day_start(plan.tz, next)))
}

/// Every free start of the day, in order.
pub fn free_starts(plan: &DayPlan<'_>) -> Vec<NaiveTime> {
    let step = plan.step_minutes.max(1);
    let mut out = Vec::new();
    let mut minute = 0u32;
    while minute < 24 * 60 {
        let time = NaiveTime::MIN + Duration::minutes(i64::from(minute));
        if check(plan, time).is_ok() {
            out.push(time);
        }
        minute += step;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> NaiveTime {
        NaiveTime::parse_from_str(s, "%H:%M").unwrap()
    }
    fn m(s: &str) -> u32 {
        use chrono::Timelike;
        let t = t(s);
        t.hour() * 60 + t.minute()
    }
    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }
    fn fmt(v: &[NaiveTime]) -> Vec<String> {
        v.iter().map(|t| t.format("%H:%M").to_string()).collect()
    }

    fn plan<'a>(working: &'a [(u32, u32)], booked: &'a [Span], minutes: i64) -> DayPlan<'a> {
        DayPlan {
            date: d("2026-12-01"),
            tz: chrono_tz::UTC,
            working,
            closed: &[],
            away: &[],
            booked,
            duration: Duration::minutes(minutes),
            step_minutes: 15,
            earliest: d("2026-11-01").and_time(NaiveTime::MIN).and_utc(),
            latest: d("2027-01-01").and_time(NaiveTime::MIN).and_utc(),
        }
    }

    #[test]
    fn slots_fit_the_whole_service_inside_a_range_and_skip_the_break() {
        let working = [(m("09:00"), m("10:00")), (m("11:00"), m("12:00"))];
        let p = plan(&working, &[], 30);
        assert_eq!(
            fmt(&free_starts(&p)),
            ["09:00", "09:15", "09:30", "11:00", "11:15", "11:30"]
        );
    }

    #[test]
    fn an_appointment_blocks_every_start_that_would_overlap_it() {
        let working = [(m("09:00"), m("11:00"))];
        let at = |s: &str| d("2026-12-01").and_time(t(s)).and_utc();
        let busy = [Span {
            start: at("09:45"),
            end: at("10:15"),
        }];
        let p = plan(&working, &busy, 30);
        // 09:30 would run into 09:45; 10:15 is free again (half-open spans).
        assert_eq!(fmt(&free_starts(&p)), ["09:00", "09:15", "10:15", "10:30"]);
        assert_eq!(check(&p, t("09:30")), Err(Refusal::Taken));
        assert_eq!(check(&p, t("09:10")), Err(Refusal::OffGrid));
        assert_eq!(check(&p, t("10:45")), Err(Refusal::OutsideHours));
    }

    #[test]
    fn closures_and_time_off_remove_their_hours() {
        let working = [(m("09:00"), m("12:00"))];
        let at = |s: &str| d("2026-12-01").and_time(t(s)).and_utc();
        let closed = [Span {
            start: at("09:00"),
            end: at("10:00"),
        }];
        let away = [Span {
            start: at("11:00"),
            end: at("12:00"),
        }];
        let mut p = plan(&working, &[], 60);
        p.closed = &closed;
        p.away = &away;
        assert_eq!(fmt(&free_starts(&p)), ["10:00"]);
        assert_eq!(check(&p, t("09:00")), Err(Refusal::Closed));
        assert_eq!(check(&p, t("10:30")), Err(Refusal::Away));
    }

    #[test]
    fn minimum_notice_and_the_booking_window_bound_the_day() {
        let working = [(m("09:00"), m("12:00"))];
        let mut p = plan(&working, &[], 60);
        p.earliest = d("2026-12-01").and_time(t("10:05")).and_utc();
        p.latest = d("2026-12-01").and_time(t("10:30")).and_utc();
        assert_eq!(fmt(&free_starts(&p)), ["10:15", "10:30"]);
        assert_eq!(check(&p, t("10:00")), Err(Refusal::TooSoon));
        assert_eq!(check(&p, t("10:45")), Err(Refusal::BeyondWindow));
    }

    #[test]
    fn the_skipped_hour_of_a_spring_forward_day_has_no_slots_and_the_rest_are_true_instants() {
        // Europe/London, 2026-03-29: 01:00 jumps to 02:00.
        let working = [(m("00:00"), m("04:00"))];
        let mut p = plan(&working, &[], 60);
        p.date = d("2026-03-29");
        p.tz = chrono_tz::Europe::London;
        p.earliest = d("2026-01-01").and_time(NaiveTime::MIN).and_utc();
        let starts = fmt(&free_starts(&p));
        assert!(!starts.iter().any(|s| s.starts_with("01:")), "{starts:?}");
        assert!(starts.contains(&"02:00".to_owned()) && starts.contains(&"00:00".to_owned()));
        // 00:00 GMT is 00:00Z; 02:00 BST is 01:00Z.
        assert_eq!(
            booking_span(p.tz, p.date, t("02:00"), Duration::minutes(60))
                .unwrap()
                .start,
            d("2026-03-29").and_time(t("01:00")).and_utc()
        );
        assert_eq!(check(&p, t("01:30")), Err(Refusal::NoSuchTime));
    }

    #[test]
    fn the_repeated_hour_of_a_fall_back_day_is_offered_once_and_bookings_last_their_real_length() {
        // Europe/London, 2026-10-25: 02:00 BST goes back to 01:00 GMT.
        let working = [(m("00:00"), m("04:00"))];
        let mut p = plan(&working, &[], 60);
        p.date = d("2026-10-25");
        p.tz = chrono_tz::Europe::London;
        p.earliest = d("2026-01-01").and_time(NaiveTime::MIN).and_utc();
        let starts = fmt(&free_starts(&p));
        // Every wall-clock start once, none twice, none missing.
        assert_eq!(starts.len(), 13, "{starts:?}");
        assert_eq!(starts.first().map(String::as_str), Some("00:00"));
        assert_eq!(starts.last().map(String::as_str), Some("03:00"));
        // 01:30 is its first occurrence (BST, 00:30Z) and lasts 60 real minutes.
        let span = booking_span(p.tz, p.date, t("01:30"), Duration::minutes(60)).unwrap();
        assert_eq!(span.start, d("2026-10-25").and_time(t("00:30")).and_utc());
        assert_eq!(span.end - span.start, Duration::minutes(60));
    }

    #[test]
    fn a_range_to_midnight_takes_a_booking_that_ends_at_midnight() {
        let working = [(m("22:00"), 24 * 60)];
        let p = plan(&working, &[], 60);
        assert_eq!(
            fmt(&free_starts(&p)),
            ["22:00", "22:15", "22:30", "22:45", "23:00"]
        );
    }

    #[test]
    fn day_start_is_local_midnight() {
        let tz: Tz = "Asia/Karachi".parse().unwrap();
        assert_eq!(
            day_start(tz, d("2026-12-01")),
            d("2026-11-30").and_time(t("19:00")).and_utc()
        );
    }

    mod properties {
        //! For any day: nothing offered overlaps a booking, an absence, a closure or a break, every
        //! offered start passes `check` (so booking it succeeds), and every grid start that is not
        //! offered is refused by `check` (nothing bookable is hidden).
        use super::*;
        use proptest::prelude::*;

        fn at(date: NaiveDate, minute: u32) -> DateTime<Utc> {
            date.and_time(NaiveTime::MIN).and_utc() + Duration::minutes(i64::from(minute))
        }

        fn spans(date: NaiveDate) -> impl Strategy<Value = Vec<Span>> {
            prop::collection::vec((0u32..1440, 5u32..240), 0..4).prop_map(move |v| {
                v.into_iter()
                    .map(|(start, len)| Span {
                        start: at(date, start),
                        end: at(date, start + len),
                    })
                    .collect()
            })
        }

        fn ranges() -> impl Strategy<Value = Vec<(u32, u32)>> {
            // Sorted, non-overlapping ranges with gaps (breaks) between them.
            prop::collection::vec((0u32..120, 15u32..240), 1..4).prop_map(|v| {
                let mut out = Vec::new();
                let mut cursor = 6 * 60;
                for (gap, len) in v {
                    let start = cursor + gap;
                    let end = (start + len).min(24 * 60);
                    if start < end {
                        out.push((start, end));
                    }
                    cursor = end;
                }
                out
            })
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(256))]
            #[test]
            fn offered_starts_are_exactly_the_bookable_ones(
                working in ranges(),
                booked in spans(NaiveDate::from_ymd_opt(2026, 12, 1).unwrap()),
                away in spans(NaiveDate::from_ymd_opt(2026, 12, 1).unwrap()),
                closed in spans(NaiveDate::from_ymd_opt(2026, 12, 1).unwrap()),
                minutes in 5i64..=180,
                step in prop::sample::select(vec![5u32, 10, 15, 20, 30, 60]),
            ) {
                let date = NaiveDate::from_ymd_opt(2026, 12, 1).unwrap();
                let plan = DayPlan {
                    date,
                    tz: chrono_tz::UTC,
                    working: &working,
                    closed: &closed,
                    away: &away,
                    booked: &booked,
                    duration: Duration::minutes(minutes),
                    step_minutes: step,
                    earliest: at(date, 0) - Duration::days(1),
                    latest: at(date, 0) + Duration::days(2),
                };
                let offered = free_starts(&plan);
                for time in &offered {
                    let span = check(&plan, *time);
                    prop_assert!(span.is_ok(), "{time} offered but refused: {span:?}");
                    let span = span.unwrap();
                    for other in booked.iter().chain(&away).chain(&closed) {
                        prop_assert!(!span.overlaps(other), "{time} overlaps {other:?}");
                    }
                    let inside = working.iter().any(|&(from, to)| at(date, from) <= span.start && span.end <= at(date, to));
                    prop_assert!(inside, "{time} is not inside one working range (it would cross a break)");
                }
                let mut minute = 0;
                while minute < 24 * 60 {
                    let time = NaiveTime::MIN + Duration::minutes(i64::from(minute));
                    if !offered.contains(&time) {
                        prop_assert!(check(&plan, time).is_err(), "{time} bookable but not offered");
                    }
                    minute += step;
                }
            }
        }
    }
}
