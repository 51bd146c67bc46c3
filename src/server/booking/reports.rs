//! Reports over any range of local days: revenue (what was paid, on the day it was paid, as the
//! dashboard counts it), appointments (booked to start in the range), the best services and
//! experts, appointments by status, and the paid transactions (table and CSV).
//!
//! The database does the counting: by status, service and expert in two GROUP BY queries, and by
//! local day in queries grouped on the day in the business's time zone (one per stretch of
//! constant UTC offset, as SQLite has no time zones), so a year of bookings comes back as a few
//! hundred rows instead of ten thousand.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Utc};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, FromQueryResult, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect,
};
use uuid::Uuid;

use super::{availability::Rules, slots::day_start};
use crate::server::{
    entities::{appointments, experts, services},
    error::AppResult,
};
use crate::shared::{
    booking::{AppointmentStatus, Money, PaymentStatus},
    paging::{PageRequest, Pagination},
    reports::{DateRange, DayFigures, Ranked, Report, StatusCount, Summary, Transaction},
};

/// How many services and experts the report ranks.
const TOP: usize = 10;
/// The most rows one CSV export holds.
pub const CSV_MAX_ROWS: u64 = 100_000;

/// Appointments booked in the range, counted by status, service and expert.
#[derive(Debug, FromQueryResult)]
struct HeldGroup {
    status: String,
    service_id: Uuid,
    expert_id: Uuid,
    n: i64,
}

/// Paid appointments in the range, summed by service and expert.
#[derive(Debug, FromQueryResult)]
struct PaidGroup {
    service_id: Uuid,
    expert_id: Uuid,
    revenue: Option<i64>,
    n: i64,
}

/// One local day's count or sum.
#[derive(Debug, FromQueryResult)]
pub(super) struct DayGroup {
    /// `YYYY-MM-DD` in the business's time zone.
    pub day: String,
    pub n: i64,
    /// The day's paid total (`paid: true`); `None` when counting starts.
    pub revenue: Option<i64>,
}

/// The stretches of `[since, until)` over which the business's offset from UTC stays the same
/// (daylight saving time moves it). Offsets change on a quarter hour in every zone, so a quarter
/// hour's step finds each change exactly; no zone changes twice within an hour, so the walk looks
/// an hour ahead and steps by quarters only across an hour that holds a change (or the end).
fn offset_spans(
    tz: chrono_tz::Tz,
    since: DateTime<Utc>,
    until: DateTime<Utc>,
) -> Vec<(DateTime<Utc>, DateTime<Utc>, i32)> {
    use chrono::{Offset, TimeZone};
    let offset = |t: DateTime<Utc>| {
        tz.offset_from_utc_datetime(&t.naive_utc())
            .fix()
            .local_minus_utc()
    };
    let step = chrono::Duration::minutes(15);
    let mut spans = Vec::new();
    let (mut start, mut current) = (since, offset(since));
    let mut t = since;
    loop {
        let ahead = t + step * 4;
        if ahead < until && offset(ahead) == current {
            t = ahead;
            continue;
        }
        for _ in 0..4 {
            t += step;
            if t >= until {
                spans.push((start, until, current));
                return spans;
            }
            let now = offset(t);
            if now != current {
                spans.push((start, t, current));
                (start, current) = (t, now);
            }
        }
    }
}

/// Per local day of `[since, until)`: how many appointments start (`paid: false`), or how many
/// were paid and for how much (`paid: true`). Grouped by the database, one query per stretch of
/// constant UTC offset, so a year is a few hundred rows rather than every booking. Counting starts
/// reads `idx_appointments_starts_at` alone (no sum, so no row is visited); paid sums read
/// `idx_appointments_paid` alone. The dashboard's days use it too.
pub(super) async fn per_day<C: ConnectionTrait>(
    db: &C,
    tz: chrono_tz::Tz,
    since: DateTime<Utc>,
    until: DateTime<Utc>,
    paid: bool,
) -> AppResult<Vec<DayGroup>> {
    use sea_orm::{DbBackend, Statement, Value};
    let backend = db.get_database_backend();
    // Postgres sums a bigint as numeric; cast back so both backends decode an i64.
    let (column, only_paid, revenue) = if paid {
        (
            "paid_at",
            "AND payment_status = 'paid'",
            "CAST(SUM(price_minor) AS BIGINT)",
        )
    } else {
        ("starts_at", "", "CAST(NULL AS BIGINT)")
    };
    let mut out = Vec::new();
    for (from, to, offset) in offset_spans(tz, since, until) {
        let (sql, values): (String, Vec<Value>) = match backend {
            DbBackend::Postgres => (
                format!(
                    "SELECT to_char(({column} AT TIME ZONE 'UTC') + make_interval(secs => $1), 'YYYY-MM-DD') AS day, \
                     COUNT(*) AS n, {revenue} AS revenue FROM appointments \
                     WHERE {column} >= $2 AND {column} < $3 {only_paid} GROUP BY 1"
                ),
                vec![f64::from(offset).into(), from.into(), to.into()],
            ),
            _ => (
                format!(
                    "SELECT date({column}, ?) AS day, COUNT(*) AS n, {revenue} AS revenue \
                     FROM appointments WHERE {column} >= ? AND {column} < ? {only_paid} GROUP BY 1"
                ),
                vec![format!("{offset:+} seconds").into(), from.into(), to.into()],
            ),
        };
        out.extend(
            DayGroup::find_by_statement(Statement::from_sql_and_values(backend, sql, values))
                .all(db)
                .await?,
        );
    }
    Ok(out)
}

/// The range's bounds as instants in the business's time zone: `[from 00:00, to+1 00:00)`.
fn bounds(rules: &Rules, range: DateRange) -> (DateTime<Utc>, DateTime<Utc>) {
    let tz = rules.tz();
    let end = range.to.succ_opt().unwrap_or(range.to);
    (day_start(tz, range.from), day_start(tz, end))
}

async fn names<C: ConnectionTrait>(
    db: &C,
    service_ids: Vec<Uuid>,
    expert_ids: Vec<Uuid>,
) -> AppResult<(HashMap<Uuid, String>, HashMap<Uuid, String>)> {
    let services = if service_ids.is_empty() {
        HashMap::new()
    } else {
        services::Entity::find()
            .filter(services::Column::Id.is_in(service_ids))
            .select_only()
            .columns([services::Column::Id, services::Column::Name])
            .into_tuple::<(Uuid, String)>()
            .all(db)
            .await?
            .into_iter()
            .collect()
    };
    let experts = if expert_ids.is_empty() {
        HashMap::new()
    } else {
        experts::Entity::find()
            .filter(experts::Column::Id.is_in(expert_ids))
            .select_only()
            .columns([experts::Column::Id, experts::Column::Name])
            .into_tuple::<(Uuid, String)>()
            .all(db)
            .await?
            .into_iter()
            .collect()
    };
    Ok((services, experts))
}

fn ranked(per: HashMap<Uuid, (u64, i64)>, names: &HashMap<Uuid, String>) -> Vec<Ranked> {
    let mut out: Vec<Ranked> = per
        .into_iter()
        .map(|(id, (appointments, revenue))| Ranked {
            id,
            name: names.get(&id).cloned().unwrap_or_default(),
            appointments,
            revenue: Money::from_minor(revenue).to_string(),
            revenue_minor: revenue,
        })
        .collect();
    out.sort_by(|a, b| {
        b.revenue_minor
            .cmp(&a.revenue_minor)
            .then(b.appointments.cmp(&a.appointments))
            .then_with(|| a.name.cmp(&b.name))
    });
    out.truncate(TOP);
    out
}

/// `GET /reports/data`.
pub async fn report<C: ConnectionTrait>(db: &C, rules: &Rules, range: DateRange) -> AppResult<Report> {
    use appointments::Column as A;
    use sea_orm::sea_query::{Alias, Expr, Func};
    let tz = rules.tz();
    let (since, until) = bounds(rules, range);
    let held = appointments::Entity::find()
        .select_only()
        .columns([A::Status, A::ServiceId, A::ExpertId])
        .column_as(Expr::cust("COUNT(*)"), "n")
        .filter(A::StartsAt.gte(since))
        .filter(A::StartsAt.lt(until))
        .group_by(A::Status)
        .group_by(A::ServiceId)
        .group_by(A::ExpertId)
        .into_model::<HeldGroup>()
        .all(db)
        .await?;
    let paid = appointments::Entity::find()
        .select_only()
        .columns([A::ServiceId, A::ExpertId])
        .column_as(
            // Postgres sums a bigint as numeric; cast back so both backends decode an i64.
            Expr::expr(Func::cast_as(
                Func::sum(Expr::col(A::PriceMinor)),
                Alias::new("BIGINT"),
            )),
            "revenue",
        )
        .column_as(Expr::cust("COUNT(*)"), "n")
        .filter(A::PaymentStatus.eq(PaymentStatus::Paid.as_str()))
        .filter(A::PaidAt.gte(since))
        .filter(A::PaidAt.lt(until))
        .group_by(A::ServiceId)
        .group_by(A::ExpertId)
        .into_model::<PaidGroup>()
        .all(db)
        .await?;

    let mut days: BTreeMap<chrono::NaiveDate, (i64, u64)> = range.days().map(|d| (d, (0, 0))).collect();
    let day = |text: &str| chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d").ok();
    for d in per_day(db, tz, since, until, false).await? {
        if let Some(slot) = day(&d.day).and_then(|k| days.get_mut(&k)) {
            slot.1 += u64::try_from(d.n).unwrap_or(0);
        }
    }
    for d in per_day(db, tz, since, until, true).await? {
        if let Some(slot) = day(&d.day).and_then(|k| days.get_mut(&k)) {
            slot.0 += d.revenue.unwrap_or(0);
        }
    }
    let mut by_status: BTreeMap<&'static str, u64> =
        AppointmentStatus::ALL.iter().map(|s| (s.as_str(), 0)).collect();
    let mut per_service: HashMap<Uuid, (u64, i64)> = HashMap::new();
    let mut per_expert: HashMap<Uuid, (u64, i64)> = HashMap::new();
    let mut total_appointments = 0u64;
    for g in &held {
        let n = u64::try_from(g.n).unwrap_or(0);
        total_appointments += n;
        if let Some(count) = AppointmentStatus::ALL
            .iter()
            .find(|s| s.as_str() == g.status)
            .and_then(|s| by_status.get_mut(s.as_str()))
        {
            *count += n;
        }
        if g.status != AppointmentStatus::Cancelled.as_str() {
            per_service.entry(g.service_id).or_default().0 += n;
            per_expert.entry(g.expert_id).or_default().0 += n;
        }
    }
    let (mut revenue, mut paid_count) = (0i64, 0u64);
    for g in &paid {
        let r = g.revenue.unwrap_or(0);
        revenue += r;
        paid_count += u64::try_from(g.n).unwrap_or(0);
        per_service.entry(g.service_id).or_default().1 += r;
        per_expert.entry(g.expert_id).or_default().1 += r;
    }
    let (service_names, expert_names) = names(
        db,
        per_service.keys().copied().collect(),
        per_expert.keys().copied().collect(),
    )
    .await?;
    let count = |s: AppointmentStatus| by_status.get(s.as_str()).copied().unwrap_or(0);
    Ok(Report {
        range,
        summary: Summary {
            total_revenue: Money::from_minor(revenue).to_string(),
            total_revenue_minor: revenue,
            total_appointments,
            paid: paid_count,
            completed: count(AppointmentStatus::Completed),
            cancelled: count(AppointmentStatus::Cancelled),
            average_ticket: Money::from_minor(if paid_count == 0 {
                0
            } else {
                revenue / paid_count as i64
            })
            .to_string(),
        },
        revenue_data: days
            .into_iter()
            .map(|(date, (revenue, appointments))| DayFigures {
                date,
                revenue: Money::from_minor(revenue).to_string(),
                revenue_minor: revenue,
                appointments,
            })
            .collect(),
        top_services: ranked(per_service, &service_names),
        top_experts: ranked(per_expert, &expert_names),
        appointments_by_status: by_status
            .into_iter()
            .map(|(status, count)| StatusCount {
                status: status.to_owned(),
                count,
            })
            .collect(),
    })
}

/// `GET /reports/transactions`: the range's paid appointments, latest payment first.
pub async fn transactions<C: ConnectionTrait>(
    db: &C,
    rules: &Rules,
    range: DateRange,
    page: PageRequest,
) -> AppResult<(Vec<Transaction>, Pagination)> {
    use appointments::Column as A;
    let (since, until) = bounds(rules, range);
    let query = appointments::Entity::find()
        .filter(A::PaymentStatus.eq(PaymentStatus::Paid.as_str()))
        .filter(A::PaidAt.gte(since))
        .filter(A::PaidAt.lt(until));
    let total = query.clone().count(db).await?;
    let rows = query
        .order_by_desc(A::PaidAt)
        .order_by_asc(A::Id)
        .offset(page.offset())
        .limit(page.limit)
        .all(db)
        .await?;
    let (services, experts) = names(
        db,
        rows.iter().map(|r| r.service_id).collect(),
        rows.iter().map(|r| r.expert_id).collect(),
    )
    .await?;
    let tz = rules.tz();
    let list = rows
        .into_iter()
        .map(|r| Transaction {
            id: r.id,
            paid_at: r.paid_at.unwrap_or(r.updated_at),
            appointment_date: r.starts_at.with_timezone(&tz).date_naive(),
            customer_name: r.customer_name,
            service_name: services.get(&r.service_id).cloned().unwrap_or_default(),
            expert_name: experts.get(&r.expert_id).cloned().unwrap_or_default(),
            amount: Money::from_minor(r.price_minor).to_string(),
            amount_minor: r.price_minor,
            payment_method: r.payment_method,
            status: r.status,
        })
        .collect();
    Ok((list, page.of(total)))
}

/// The range's transactions as CSV (quoted and escaped by the `csv` crate; cells that a
/// spreadsheet would run as a formula are prefixed with `'`).
pub async fn transactions_csv<C: ConnectionTrait>(
    db: &C,
    rules: &Rules,
    range: DateRange,
) -> AppResult<Vec<u8>> {
    let mut out = csv::Writer::from_writer(b"\xEF\xBB\xBF".to_vec());
    let io = |e: csv::Error| crate::server::error::AppError::Internal(e.into());
    out.write_record([
        "Paid at",
        "Appointment date",
        "Customer",
        "Service",
        "Expert",
        "Amount",
        "Method",
        "Status",
    ])
    .map_err(io)?;
    let tz = rules.tz();
    let mut page = PageRequest { page: 1, limit: 1000 };
    loop {
        let (rows, pagination) = transactions(db, rules, range, page).await?;
        for t in &rows {
            out.write_record([
                t.paid_at.with_timezone(&tz).format("%Y-%m-%d %H:%M").to_string(),
                t.appointment_date.to_string(),
                crate::server::export::safe_cell(&t.customer_name),
                crate::server::export::safe_cell(&t.service_name),
                crate::server::export::safe_cell(&t.expert_name),
                t.amount.clone(),
                t.payment_method.clone().unwrap_or_default(),
                t.status.clone(),
            ])
            .map_err(io)?;
        }
        if page.page >= pagination.pages || page.page * page.limit >= CSV_MAX_ROWS {
            break;
        }
        page.page += 1;
    }
    out.into_inner()
        .map_err(|e| crate::server::error::AppError::Internal(anyhow::anyhow!("{e}")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn offset_spans_break_exactly_where_daylight_saving_time_changes() {
        let london = chrono_tz::Europe::London;
        let since = Utc.with_ymd_and_hms(2026, 3, 1, 0, 0, 0).unwrap();
        let until = Utc.with_ymd_and_hms(2026, 11, 1, 0, 0, 0).unwrap();
        let spans = offset_spans(london, since, until);
        assert_eq!(spans.len(), 3, "{spans:?}");
        assert_eq!(spans[0].2, 0);
        assert_eq!(spans[1].0, Utc.with_ymd_and_hms(2026, 3, 29, 1, 0, 0).unwrap());
        assert_eq!(spans[1].2, 3600);
        assert_eq!(spans[2].0, Utc.with_ymd_and_hms(2026, 10, 25, 1, 0, 0).unwrap());
        assert_eq!((spans[2].1, spans[2].2), (until, 0));
        // A zone without daylight saving time is one stretch, at its own offset.
        let karachi = offset_spans(chrono_tz::Asia::Karachi, since, until);
        assert_eq!(karachi, vec![(since, until, 5 * 3600)]);
    }
}
