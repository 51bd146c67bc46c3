//! `GET /dashboard/stats?period=7|30|90`: the dashboard's figures. Revenue is what was paid, counted
//! on the day it was paid, in the business's time zone.
//!
//! The database counts and sums; no booking is read into Rust. Per local day through the reports'
//! grouping (`reports::per_day`, one query per stretch of constant UTC offset), per service and
//! expert in one `GROUP BY`, and the single figures in one row. The independent queries run side
//! by side.

use std::collections::{BTreeMap, HashMap};

use chrono::{Datelike, Duration, NaiveDate};
use sea_orm::{
    sea_query::Expr, ConnectionTrait, DbBackend, EntityTrait, FromQueryResult, QuerySelect, Statement, Value,
};
use uuid::Uuid;

use super::{availability::Rules, reports::per_day, slots::day_start};
use crate::server::{
    entities::{appointments, experts},
    error::AppResult,
};
use crate::shared::{
    booking::{AppointmentStatus, Money, PaymentStatus},
    permissions::{CUSTOMER_ROLE, USER_ROLE},
};

pub use crate::shared::dashboard::{Dashboard, DayRevenue, StaffPerformance, Stats, TopService};

/// `sql` with its `?` placeholders numbered `$1, $2…` for Postgres (SQLite takes `?` as is). The
/// statements here hold no `?` but placeholders.
fn statement(backend: DbBackend, sql: &str, values: Vec<Value>) -> Statement {
    let sql = if backend == DbBackend::Postgres {
        let mut out = String::with_capacity(sql.len() + 8);
        let mut n = 0;
        for c in sql.chars() {
            if c == '?' {
                n += 1;
                out.push('$');
                out.push_str(&n.to_string());
            } else {
                out.push(c);
            }
        }
        out
    } else {
        sql.to_owned()
    };
    Statement::from_sql_and_values(backend, sql, values)
}

/// The dashboard's single figures, in one row: revenue paid ever, since the month began, today and
/// since the period began (one pass over the paid rows, which the `(payment_status, paid_at,
/// price_minor)` index covers), customer accounts and active services.
#[derive(Debug, FromQueryResult)]
struct Figures {
    total: Option<i64>,
    month: Option<i64>,
    today: Option<i64>,
    period: Option<i64>,
    customers: i64,
    active_services: i64,
}

async fn figures<C: ConnectionTrait>(
    db: &C,
    month_start: chrono::DateTime<chrono::Utc>,
    today_start: chrono::DateTime<chrono::Utc>,
    since: chrono::DateTime<chrono::Utc>,
) -> AppResult<Figures> {
    // Postgres sums a bigint as numeric; cast back so both backends decode an i64. An aggregate
    // without GROUP BY always answers one row (sums NULL when nothing was paid).
    const SQL: &str = "SELECT CAST(SUM(price_minor) AS BIGINT) AS total, \
        CAST(SUM(CASE WHEN paid_at >= ? THEN price_minor ELSE 0 END) AS BIGINT) AS month, \
        CAST(SUM(CASE WHEN paid_at >= ? THEN price_minor ELSE 0 END) AS BIGINT) AS today, \
        CAST(SUM(CASE WHEN paid_at >= ? THEN price_minor ELSE 0 END) AS BIGINT) AS period, \
        (SELECT COUNT(*) FROM users WHERE role_id IN (SELECT id FROM roles WHERE name IN (?, ?))) AS customers, \
        (SELECT COUNT(*) FROM services WHERE is_active = ?) AS active_services \
        FROM appointments WHERE payment_status = ?";
    let backend = db.get_database_backend();
    let values: Vec<Value> = vec![
        month_start.into(),
        today_start.into(),
        since.into(),
        CUSTOMER_ROLE.into(),
        USER_ROLE.into(),
        true.into(),
        PaymentStatus::Paid.as_str().into(),
    ];
    Ok(Figures::find_by_statement(statement(backend, SQL, values))
        .one(db)
        .await?
        .unwrap_or(Figures {
            total: None,
            month: None,
            today: None,
            period: None,
            customers: 0,
            active_services: 0,
        }))
}

/// A period's held (not cancelled) appointments of one service with one expert: how many, how
/// many completed, and what of them is paid.
#[derive(Debug, FromQueryResult)]
struct Held {
    service_id: Uuid,
    expert_id: Uuid,
    service_name: Option<String>,
    n: i64,
    completed: Option<i64>,
    paid: Option<i64>,
}

async fn held<C: ConnectionTrait>(
    db: &C,
    since: chrono::DateTime<chrono::Utc>,
    until: chrono::DateTime<chrono::Utc>,
) -> AppResult<Vec<Held>> {
    const SQL: &str = "SELECT a.service_id, a.expert_id, s.name AS service_name, COUNT(*) AS n, \
        CAST(SUM(CASE WHEN a.status = ? THEN 1 ELSE 0 END) AS BIGINT) AS completed, \
        CAST(SUM(CASE WHEN a.payment_status = ? THEN a.price_minor ELSE 0 END) AS BIGINT) AS paid \
        FROM appointments a LEFT JOIN services s ON s.id = a.service_id \
        WHERE a.starts_at >= ? AND a.starts_at < ? AND a.status <> ? \
        GROUP BY a.service_id, a.expert_id, s.name";
    let backend = db.get_database_backend();
    let values: Vec<Value> = vec![
        AppointmentStatus::Completed.as_str().into(),
        PaymentStatus::Paid.as_str().into(),
        since.into(),
        until.into(),
        AppointmentStatus::Cancelled.as_str().into(),
    ];
    Ok(Held::find_by_statement(statement(backend, SQL, values))
        .all(db)
        .await?)
}

#[derive(Debug, FromQueryResult)]
struct StatusCount {
    status: String,
    n: i64,
}

/// Every appointment counted by status (`COUNT(*)`, which `(status, expires_at)` answers alone).
async fn status_counts<C: ConnectionTrait>(db: &C) -> AppResult<Vec<StatusCount>> {
    Ok(appointments::Entity::find()
        .select_only()
        .column(appointments::Column::Status)
        .column_as(Expr::cust("COUNT(*)"), "n")
        .group_by(appointments::Column::Status)
        .into_model::<StatusCount>()
        .all(db)
        .await?)
}

/// Every expert's id, name and whether they take bookings.
async fn all_experts<C: ConnectionTrait>(db: &C) -> AppResult<Vec<(Uuid, String, bool)>> {
    use experts::Column as X;
    Ok(experts::Entity::find()
        .select_only()
        .columns([X::Id, X::Name, X::IsActive])
        .into_tuple::<(Uuid, String, bool)>()
        .all(db)
        .await?)
}

/// The dashboard for the last `period` days (today included): one of `PERIODS`.
pub async fn dashboard<C: ConnectionTrait>(db: &C, rules: &Rules, period: u32) -> AppResult<Dashboard> {
    if !crate::shared::dashboard::PERIODS.contains(&period) {
        return Err(crate::server::error::AppError::field(
            "period",
            "period must be 7, 30 or 90",
        ));
    }
    let tz = rules.tz();
    let today = rules.today();
    let first_day = today - Duration::days(i64::from(period) - 1);
    let since = day_start(tz, first_day);
    let month_start = today.with_day(1).unwrap_or(today);
    // The period's appointments (booked to start in it) and payments (made in it).
    let until = today.succ_opt().map_or(rules.now, |d| day_start(tz, d));

    let (counted, totals, starts_per_day, paid_per_day, groups, staff) = tokio::try_join!(
        status_counts(db),
        figures(db, day_start(tz, month_start), day_start(tz, today), since),
        per_day(db, tz, since, until, false),
        per_day(db, tz, since, until, true),
        held(db, since, until),
        all_experts(db),
    )?;

    // Every status listed, also those with no appointment.
    let mut by_status: BTreeMap<String, u64> = AppointmentStatus::ALL
        .iter()
        .map(|s| (s.as_str().to_owned(), 0))
        .collect();
    for c in counted {
        if let Some(n) = by_status.get_mut(&c.status) {
            *n = u64::try_from(c.n).unwrap_or(0);
        }
    }

    let mut days: BTreeMap<NaiveDate, (i64, u64)> = (0..period)
        .map(|i| (first_day + Duration::days(i64::from(i)), (0, 0)))
        .collect();
    let day = |text: &str| NaiveDate::parse_from_str(text, "%Y-%m-%d").ok();
    // Every appointment of `[since, until)` falls on one of the period's days.
    let mut period_appointments = 0u64;
    for d in &starts_per_day {
        let n = u64::try_from(d.n).unwrap_or(0);
        period_appointments += n;
        if let Some(slot) = day(&d.day).and_then(|k| days.get_mut(&k)) {
            slot.1 += n;
        }
    }
    for d in &paid_per_day {
        if let Some(slot) = day(&d.day).and_then(|k| days.get_mut(&k)) {
            slot.0 += d.revenue.unwrap_or(0);
        }
    }

    let mut per_service: HashMap<Uuid, (String, u64, i64)> = HashMap::new();
    let mut per_expert: HashMap<Uuid, (u64, u64, i64)> = HashMap::new();
    for g in groups {
        let n = u64::try_from(g.n).unwrap_or(0);
        let completed = u64::try_from(g.completed.unwrap_or(0)).unwrap_or(0);
        let paid = g.paid.unwrap_or(0);
        let s = per_service
            .entry(g.service_id)
            .or_insert_with(|| (g.service_name.unwrap_or_default(), 0, 0));
        s.1 += n;
        s.2 += paid;
        let e = per_expert.entry(g.expert_id).or_default();
        e.0 += n;
        e.1 += completed;
        e.2 += paid;
    }
    let mut top_services: Vec<TopService> = per_service
        .into_iter()
        .map(|(id, (name, bookings, revenue))| TopService {
            id,
            name,
            bookings,
            revenue: Money::from_minor(revenue).to_string(),
        })
        .collect();
    top_services.sort_by(|a, b| b.bookings.cmp(&a.bookings).then_with(|| a.name.cmp(&b.name)));
    top_services.truncate(5);

    let mut staff_performance: Vec<StaffPerformance> = staff
        .into_iter()
        .filter(|(id, _, is_active)| *is_active || per_expert.contains_key(id))
        .map(|(id, name, _)| {
            let (appointments, completed, revenue) = per_expert.get(&id).copied().unwrap_or_default();
            StaffPerformance {
                id,
                name,
                appointments,
                completed,
                revenue: Money::from_minor(revenue).to_string(),
            }
        })
        .collect();
    staff_performance.sort_by(|a, b| {
        b.appointments
            .cmp(&a.appointments)
            .then_with(|| a.name.cmp(&b.name))
    });

    let stats = Stats {
        total_revenue: Money::from_minor(totals.total.unwrap_or(0)).to_string(),
        month_revenue: Money::from_minor(totals.month.unwrap_or(0)).to_string(),
        today_revenue: Money::from_minor(totals.today.unwrap_or(0)).to_string(),
        period_revenue: Money::from_minor(totals.period.unwrap_or(0)).to_string(),
        total_appointments: by_status.values().sum(),
        period_appointments,
        by_status,
        customers: u64::try_from(totals.customers).unwrap_or(0),
        active_services: u64::try_from(totals.active_services).unwrap_or(0),
    };
    Ok(Dashboard {
        period,
        stats,
        revenue_data: days
            .into_iter()
            .map(|(date, (revenue, appointments))| DayRevenue {
                date: date.format("%Y-%m-%d").to_string(),
                revenue: Money::from_minor(revenue).to_string(),
                appointments,
            })
            .collect(),
        top_services,
        staff_performance,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_numbered_for_postgres_only() {
        let sql = "SELECT a FROM t WHERE b = ? AND c IN (?, ?)";
        let pg = statement(
            DbBackend::Postgres,
            sql,
            vec![1i64.into(), 2i64.into(), 3i64.into()],
        );
        assert_eq!(pg.sql, "SELECT a FROM t WHERE b = $1 AND c IN ($2, $3)");
        let lite = statement(
            DbBackend::Sqlite,
            sql,
            vec![1i64.into(), 2i64.into(), 3i64.into()],
        );
        assert_eq!(lite.sql, sql);
    }
}
