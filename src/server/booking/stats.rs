//! `GET /dashboard/stats?period=7|30|90`: the dashboard's figures. Revenue is what was paid, counted
//! on the day it was paid, in the business's time zone.

use std::collections::{BTreeMap, HashMap};

use chrono::{Datelike, Duration, NaiveDate};
use sea_orm::{
    sea_query::{Expr, Func},
    ColumnTrait, ConnectionTrait, EntityTrait, FromQueryResult, PaginatorTrait, QueryFilter, QuerySelect,
};
use uuid::Uuid;

use super::{availability::Rules, slots::day_start};
use crate::server::{
    entities::{appointments, experts, roles, services, users},
    error::AppResult,
};
use crate::shared::{
    booking::{AppointmentStatus, Money, PaymentStatus},
    permissions::{CUSTOMER_ROLE, USER_ROLE},
};

pub use crate::shared::dashboard::{Dashboard, DayRevenue, StaffPerformance, Stats, TopService};

/// Revenue paid ever, since the month began, and today, in one pass over the paid rows (the
/// `(payment_status, paid_at, price_minor)` index covers it).
#[derive(Debug, FromQueryResult)]
struct Revenue {
    total: Option<i64>,
    month: Option<i64>,
    today: Option<i64>,
}

async fn revenue<C: ConnectionTrait>(
    db: &C,
    month_start: chrono::DateTime<chrono::Utc>,
    today_start: chrono::DateTime<chrono::Utc>,
) -> AppResult<Revenue> {
    use sea_orm::sea_query::{Alias, CaseStatement};
    let price = || Expr::col(appointments::Column::PriceMinor);
    // Postgres sums a bigint as numeric; cast back so both backends decode an i64.
    let sum = |e: Expr| Expr::expr(Func::cast_as(Func::sum(e), Alias::new("BIGINT")));
    let paid_since = |since| -> Expr {
        CaseStatement::new()
            .case(appointments::Column::PaidAt.gte(since), price())
            .finally(0)
            .into()
    };
    Ok(appointments::Entity::find()
        .select_only()
        .column_as(sum(price()), "total")
        .column_as(sum(paid_since(month_start)), "month")
        .column_as(sum(paid_since(today_start)), "today")
        .filter(appointments::Column::PaymentStatus.eq(PaymentStatus::Paid.as_str()))
        .into_model::<Revenue>()
        .one(db)
        .await?
        .unwrap_or(Revenue {
            total: None,
            month: None,
            today: None,
        }))
}

/// The columns of a period's appointment the figures need (not the whole row).
#[derive(Debug, FromQueryResult)]
struct Held {
    starts_at: chrono::DateTime<chrono::Utc>,
    status: String,
    payment_status: String,
    price_minor: i64,
    service_id: Uuid,
    expert_id: Uuid,
}

#[derive(Debug, FromQueryResult)]
struct Paid {
    paid_at: Option<chrono::DateTime<chrono::Utc>>,
    price_minor: i64,
}

#[derive(Debug, FromQueryResult)]
struct StatusCount {
    status: String,
    n: i64,
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

    // Every status listed, also those with no appointment.
    let mut by_status: BTreeMap<String, u64> = AppointmentStatus::ALL
        .iter()
        .map(|s| (s.as_str().to_owned(), 0))
        .collect();
    let counted = appointments::Entity::find()
        .select_only()
        .column(appointments::Column::Status)
        .column_as(appointments::Column::Id.count(), "n")
        .group_by(appointments::Column::Status)
        .into_model::<StatusCount>()
        .all(db)
        .await?;
    for c in counted {
        if let Some(n) = by_status.get_mut(&c.status) {
            *n = u64::try_from(c.n).unwrap_or(0);
        }
    }
    let customer_roles: Vec<Uuid> = roles::Entity::find()
        .filter(roles::Column::Name.is_in([CUSTOMER_ROLE, USER_ROLE]))
        .all(db)
        .await?
        .into_iter()
        .map(|r| r.id)
        .collect();
    let customers = users::Entity::find()
        .filter(users::Column::RoleId.is_in(customer_roles))
        .count(db)
        .await?;
    let active_services = services::Entity::find()
        .filter(services::Column::IsActive.eq(true))
        .count(db)
        .await?;

    // The period's appointments (booked to start in it) and payments (made in it).
    let until = today.succ_opt().map_or(rules.now, |d| day_start(tz, d));
    use appointments::Column as A;
    let in_period = appointments::Entity::find()
        .select_only()
        .columns([
            A::StartsAt,
            A::Status,
            A::PaymentStatus,
            A::PriceMinor,
            A::ServiceId,
            A::ExpertId,
        ])
        .filter(A::StartsAt.gte(since))
        .filter(A::StartsAt.lt(until))
        .into_model::<Held>()
        .all(db)
        .await?;
    let paid_in_period = appointments::Entity::find()
        .select_only()
        .columns([A::PaidAt, A::PriceMinor])
        .filter(A::PaymentStatus.eq(PaymentStatus::Paid.as_str()))
        .filter(A::PaidAt.gte(since))
        .into_model::<Paid>()
        .all(db)
        .await?;

    let mut days: BTreeMap<NaiveDate, (i64, u64)> = (0..period)
        .map(|i| (first_day + Duration::days(i64::from(i)), (0, 0)))
        .collect();
    for a in &in_period {
        if let Some(day) = days.get_mut(&a.starts_at.with_timezone(&tz).date_naive()) {
            day.1 += 1;
        }
    }
    let mut period_revenue = 0;
    for a in &paid_in_period {
        period_revenue += a.price_minor;
        if let Some(day) = a
            .paid_at
            .and_then(|p| days.get_mut(&p.with_timezone(&tz).date_naive()))
        {
            day.0 += a.price_minor;
        }
    }

    let held: Vec<&Held> = in_period
        .iter()
        .filter(|a| a.status != AppointmentStatus::Cancelled.as_str())
        .collect();
    let mut per_service: HashMap<Uuid, (u64, i64)> = HashMap::new();
    let mut per_expert: HashMap<Uuid, (u64, u64, i64)> = HashMap::new();
    for a in &held {
        let paid = if a.payment_status == PaymentStatus::Paid.as_str() {
            a.price_minor
        } else {
            0
        };
        let s = per_service.entry(a.service_id).or_default();
        s.0 += 1;
        s.1 += paid;
        let e = per_expert.entry(a.expert_id).or_default();
        e.0 += 1;
        e.1 += u64::from(a.status == AppointmentStatus::Completed.as_str());
        e.2 += paid;
    }
    let service_names: HashMap<Uuid, String> = services::Entity::find()
        .filter(services::Column::Id.is_in(per_service.keys().copied().collect::<Vec<_>>()))
        .all(db)
        .await?
        .into_iter()
        .map(|s| (s.id, s.name))
        .collect();
    let mut top_services: Vec<TopService> = per_service
        .into_iter()
        .map(|(id, (bookings, revenue))| TopService {
            id,
            name: service_names.get(&id).cloned().unwrap_or_default(),
            bookings,
            revenue: Money::from_minor(revenue).to_string(),
        })
        .collect();
    top_services.sort_by(|a, b| b.bookings.cmp(&a.bookings).then_with(|| a.name.cmp(&b.name)));
    top_services.truncate(5);

    let staff = experts::Entity::find().all(db).await?;
    let mut staff_performance: Vec<StaffPerformance> = staff
        .into_iter()
        .filter(|e| e.is_active || per_expert.contains_key(&e.id))
        .map(|e| {
            let (appointments, completed, revenue) = per_expert.get(&e.id).copied().unwrap_or_default();
            StaffPerformance {
                id: e.id,
                name: e.name,
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

    let paid = revenue(db, day_start(tz, month_start), day_start(tz, today)).await?;
    let stats = Stats {
        total_revenue: Money::from_minor(paid.total.unwrap_or(0)).to_string(),
        month_revenue: Money::from_minor(paid.month.unwrap_or(0)).to_string(),
        today_revenue: Money::from_minor(paid.today.unwrap_or(0)).to_string(),
        period_revenue: Money::from_minor(period_revenue).to_string(),
        total_appointments: by_status.values().sum(),
        period_appointments: in_period.len() as u64,
        by_status,
        customers,
        active_services,
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
