//! Reports over any range of local days: revenue (what was paid, on the day it was paid, as the
//! dashboard counts it), appointments (booked to start in the range), the best services and
//! experts, appointments by status, and the paid transactions (table and CSV).
//!
//! Two narrow queries (the range's appointments and its paid rows, only the columns the figures
//! need, both on indexed columns) and one pass in memory: a year of a busy salon is a few
//! thousand rows, cheaper to fold here than to group in two SQL dialects.

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

#[derive(Debug, FromQueryResult)]
struct Held {
    starts_at: DateTime<Utc>,
    status: String,
    service_id: Uuid,
    expert_id: Uuid,
}

#[derive(Debug, FromQueryResult)]
struct Paid {
    paid_at: Option<DateTime<Utc>>,
    price_minor: i64,
    service_id: Uuid,
    expert_id: Uuid,
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
    let tz = rules.tz();
    let (since, until) = bounds(rules, range);
    let held = appointments::Entity::find()
        .select_only()
        .columns([A::StartsAt, A::Status, A::ServiceId, A::ExpertId])
        .filter(A::StartsAt.gte(since))
        .filter(A::StartsAt.lt(until))
        .into_model::<Held>()
        .all(db)
        .await?;
    let paid = appointments::Entity::find()
        .select_only()
        .columns([A::PaidAt, A::PriceMinor, A::ServiceId, A::ExpertId])
        .filter(A::PaymentStatus.eq(PaymentStatus::Paid.as_str()))
        .filter(A::PaidAt.gte(since))
        .filter(A::PaidAt.lt(until))
        .into_model::<Paid>()
        .all(db)
        .await?;

    let mut days: BTreeMap<chrono::NaiveDate, (i64, u64)> = range.days().map(|d| (d, (0, 0))).collect();
    let mut by_status: BTreeMap<&'static str, u64> =
        AppointmentStatus::ALL.iter().map(|s| (s.as_str(), 0)).collect();
    let mut per_service: HashMap<Uuid, (u64, i64)> = HashMap::new();
    let mut per_expert: HashMap<Uuid, (u64, i64)> = HashMap::new();
    for a in &held {
        if let Some(day) = days.get_mut(&a.starts_at.with_timezone(&tz).date_naive()) {
            day.1 += 1;
        }
        if let Some(n) = AppointmentStatus::ALL
            .iter()
            .find(|s| s.as_str() == a.status)
            .and_then(|s| by_status.get_mut(s.as_str()))
        {
            *n += 1;
        }
        if a.status != AppointmentStatus::Cancelled.as_str() {
            per_service.entry(a.service_id).or_default().0 += 1;
            per_expert.entry(a.expert_id).or_default().0 += 1;
        }
    }
    let mut revenue = 0i64;
    for p in &paid {
        revenue += p.price_minor;
        if let Some(day) = p
            .paid_at
            .and_then(|t| days.get_mut(&t.with_timezone(&tz).date_naive()))
        {
            day.0 += p.price_minor;
        }
        per_service.entry(p.service_id).or_default().1 += p.price_minor;
        per_expert.entry(p.expert_id).or_default().1 += p.price_minor;
    }
    let (service_names, expert_names) = names(
        db,
        per_service.keys().copied().collect(),
        per_expert.keys().copied().collect(),
    )
    .await?;
    let count = |s: AppointmentStatus| by_status.get(s.as_str()).copied().unwrap_or(0);
    let paid_count = paid.len() as u64;
    Ok(Report {
        range,
        summary: Summary {
            total_revenue: Money::from_minor(revenue).to_string(),
            total_revenue_minor: revenue,
            total_appointments: held.len() as u64,
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
