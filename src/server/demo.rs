//! A demo business for development, demos and benchmarks (`pulse seed-demo --days N`): the demo
//! categories, a price list, four experts with working hours, sixty customers, and N days of past
//! bookings plus two weeks ahead. Past bookings cannot be made through the booking rules (minimum
//! notice), so they are written straight to the tables, one expert's day after another so none
//! overlap. Seeded from a fixed number: the same N on the same day gives the same business.

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use rand::{rngs::StdRng, Rng, SeedableRng};
use sea_orm::{DatabaseConnection, EntityTrait, PaginatorTrait, Set};
use uuid::Uuid;

use super::{
    booking::{schedule, settings},
    catalog::{self, categories, experts, services},
    entities::appointments,
    error::AppResult,
    identity::accounts,
};
use crate::shared::{
    booking::{AppointmentStatus, PaymentMethod, PaymentStatus},
    catalog::{ExpertForm, ServiceForm},
    identity::Email,
    permissions::CUSTOMER_ROLE,
    schedule::HoursRange,
};

/// What `seed` added.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Seeded {
    pub categories: usize,
    pub services: usize,
    pub experts: usize,
    pub customers: usize,
    pub appointments: usize,
    pub content: super::demo_content::Added,
}

/// (category, service, price in pence/cents, minutes)
const PRICE_LIST: &[(&str, &str, i64, i64)] = &[
    ("Hair", "Haircut", 2500, 45),
    ("Hair", "Colour", 6000, 90),
    ("Hair", "Blow-dry", 2000, 30),
    ("Nails", "Manicure", 1800, 30),
    ("Nails", "Pedicure", 2500, 45),
    ("Skin Care", "Facial", 4000, 60),
    ("Makeup", "Party makeup", 3500, 45),
    ("Massage", "Swedish massage", 5000, 60),
    ("Waxing", "Leg wax", 2200, 30),
];

/// (name, categories whose services they offer, first and last weekday worked, 0 = Monday)
const TEAM: &[(&str, &[&str], i16, i16)] = &[
    ("Ada Lovelace", &["Hair", "Makeup"], 0, 5),
    ("Bea Okafor", &["Hair", "Nails"], 0, 5),
    ("Cyrus Khan", &["Massage", "Skin Care"], 1, 6),
    ("Dana Ito", &["Nails", "Waxing", "Skin Care"], 1, 6),
];

const CUSTOMERS: usize = 60;
const DAYS_AHEAD: i64 = 14;
/// Working hours: 09:00–13:00 and 14:00–18:00.
const SHIFTS: &[(i64, i64)] = &[(9 * 60, 13 * 60), (14 * 60, 18 * 60)];

/// Adds the demo business when there are no experts yet (otherwise only missing demo categories,
/// which is nothing once any category exists).
pub async fn seed(db: &DatabaseConnection, default_tz: chrono_tz::Tz, days: u32) -> AppResult<Seeded> {
    let mut seeded = Seeded {
        categories: catalog::demo::seed(db).await?,
        ..Seeded::default()
    };
    if super::entities::experts::Entity::find().count(db).await? > 0 {
        return Ok(seeded);
    }
    let tz = settings::get(db, default_tz).await?.tz();
    let mut rng = StdRng::seed_from_u64(0x5EED + u64::from(days));

    // The price list, under the demo categories.
    let category_ids: std::collections::HashMap<String, Uuid> =
        categories::list(db, categories::Visibility::All)
            .await?
            .into_iter()
            .map(|c| (c.name, c.id))
            .collect();
    let mut menu = Vec::new();
    for (category, name, price, minutes) in PRICE_LIST {
        let Some(category_id) = category_ids.get(*category) else {
            continue;
        };
        let form = ServiceForm {
            category_id: Some(category_id.to_string()),
            name: Some((*name).to_owned()),
            price: Some(serde_json::json!(format!("{}.{:02}", price / 100, price % 100))),
            duration: Some(serde_json::json!(minutes)),
            ..ServiceForm::default()
        };
        let changes = form.parse(true).map_err(super::error::AppError::Validation)?;
        let service = services::create_in(db, changes).await?;
        menu.push((*category, service.id, *price, *minutes));
    }
    seeded.services = menu.len();

    // The team, each with the services of their categories and a six-day week.
    let mut team = Vec::new();
    for (name, offers, first_day, last_day) in TEAM {
        let offered: Vec<_> = menu.iter().filter(|m| offers.contains(&m.0)).copied().collect();
        let form = ExpertForm {
            name: Some((*name).to_owned()),
            service_ids: Some(offered.iter().map(|m| m.1.to_string()).collect()),
            ..ExpertForm::default()
        };
        let expert = experts::create_in(db, &form).await?;
        let week: Vec<HoursRange> = (*first_day..=*last_day)
            .flat_map(|weekday| {
                SHIFTS.iter().map(move |(start, end)| HoursRange {
                    weekday,
                    start: format!("{:02}:{:02}", start / 60, start % 60),
                    end: format!("{:02}:{:02}", end / 60, end % 60),
                })
            })
            .collect();
        schedule::replace_week(db, expert.id, &week).await?;
        team.push((expert.id, *first_day..=*last_day, offered));
    }
    seeded.experts = team.len();

    let mut customers = Vec::with_capacity(CUSTOMERS);
    for n in 1..=CUSTOMERS {
        let email = Email::parse(&format!("customer{n:02}@demo.example"))?;
        let name = format!(
            "{} {}",
            FIRST_NAMES[n % FIRST_NAMES.len()],
            LAST_NAMES[n % LAST_NAMES.len()]
        );
        let user = accounts::create(
            db,
            accounts::NewAccount {
                email: &email,
                name: &name,
                password_hash: None,
                role: CUSTOMER_ROLE,
                email_verified: true,
                must_change_password: false,
            },
        )
        .await?;
        customers.push((user.id, user.name, user.email, format!("+4477009{n:05}")));
    }
    seeded.customers = customers.len();

    // Every expert's days, filled slot by slot.
    let now = Utc::now();
    let today = now.with_timezone(&tz).date_naive();
    let mut rows = Vec::new();
    for day in
        (0..i64::from(days) + DAYS_AHEAD).map(|i| today - Duration::days(i64::from(days)) + Duration::days(i))
    {
        use chrono::Datelike;
        let weekday = day.weekday().num_days_from_monday() as i16;
        for (expert_id, worked, offered) in &team {
            if !worked.contains(&weekday) || offered.is_empty() {
                continue;
            }
            for (shift_start, shift_end) in SHIFTS {
                let mut minute = *shift_start;
                while minute < *shift_end {
                    let (_, service_id, price, length) = offered[rng.random_range(0..offered.len())];
                    let Some(starts_at) = local(tz, day, minute) else {
                        break;
                    };
                    let busy = if starts_at < now { 0.75 } else { 0.35 };
                    if minute + length > *shift_end || !rng.random_bool(busy) {
                        minute += 30;
                        continue;
                    }
                    let customer = rng
                        .random_bool(0.8)
                        .then(|| &customers[rng.random_range(0..customers.len())]);
                    rows.push(booking(
                        &mut rng,
                        now,
                        (*expert_id, service_id, price),
                        (starts_at, starts_at + Duration::minutes(length)),
                        customer,
                    ));
                    minute += length;
                }
            }
        }
    }
    seeded.appointments = rows.len();
    // SQLite allows 32,766 bound values per statement: 500 rows of 22 columns stay well under.
    for chunk in rows.chunks(500) {
        appointments::Entity::insert_many(chunk.to_vec())
            .exec_without_returning(db)
            .await?;
    }
    seeded.content = super::demo_content::seed(db, &mut rng, &customers).await?;
    Ok(seeded)
}

fn local(tz: chrono_tz::Tz, day: NaiveDate, minute: i64) -> Option<DateTime<Utc>> {
    let at = day.and_hms_opt(0, 0, 0)? + Duration::minutes(minute);
    Some(tz.from_local_datetime(&at).earliest()?.with_timezone(&Utc))
}

/// One booking: a past one was mostly completed and paid, sometimes cancelled or missed; a coming
/// one is confirmed, some already paid online.
fn booking(
    rng: &mut StdRng,
    now: DateTime<Utc>,
    (expert_id, service_id, price): (Uuid, Uuid, i64),
    (starts_at, ends_at): (DateTime<Utc>, DateTime<Utc>),
    customer: Option<&(Uuid, String, String, String)>,
) -> appointments::ActiveModel {
    let created_at = (starts_at - Duration::hours(rng.random_range(2..24 * 21))).min(now);
    let (status, paid_method) = if ends_at <= now {
        match rng.random_range(0..100) {
            0..=6 => (AppointmentStatus::NoShow, None),
            7..=20 => (AppointmentStatus::Cancelled, None),
            _ => {
                let method =
                    [PaymentMethod::Card, PaymentMethod::Cash, PaymentMethod::Online][rng.random_range(0..3)];
                (AppointmentStatus::Completed, Some(method))
            }
        }
    } else {
        let online = rng.random_bool(0.3).then_some(PaymentMethod::Online);
        (AppointmentStatus::Confirmed, online)
    };
    let paid_at = paid_method.map(|m| {
        if m == PaymentMethod::Online {
            created_at
        } else {
            ends_at
        }
    });
    let cancelled_at =
        (status == AppointmentStatus::Cancelled).then(|| (starts_at - Duration::hours(3)).max(created_at));
    let walk_in = format!("Walk-in {}", rng.random_range(100..1000));
    let (user_id, name, email, phone) = match customer {
        Some((id, name, email, phone)) => (Some(*id), name.clone(), Some(email.clone()), phone.clone()),
        None => (None, walk_in, None, "+447700900000".to_owned()),
    };
    appointments::ActiveModel {
        id: Set(Uuid::now_v7()),
        user_id: Set(user_id),
        service_id: Set(service_id),
        expert_id: Set(expert_id),
        customer_name: Set(name),
        customer_phone: Set(phone),
        customer_email: Set(email),
        starts_at: Set(starts_at),
        ends_at: Set(ends_at),
        status: Set(status.as_str().to_owned()),
        payment_status: Set(if paid_method.is_some() {
            PaymentStatus::Paid
        } else {
            PaymentStatus::Unpaid
        }
        .as_str()
        .to_owned()),
        payment_method: Set(paid_method.map(|m| m.as_str().to_owned())),
        price_minor: Set(price),
        notes: Set(None),
        expires_at: Set(None),
        paid_at: Set(paid_at),
        cancelled_at: Set(cancelled_at),
        cancel_reason: Set(cancelled_at.map(|_| "Cancelled by user".to_owned())),
        created_by: Set(None),
        offer_id: Set(None),
        payment_id: Set(None),
        discount_minor: Set(0),
        created_at: Set(created_at),
        updated_at: Set(paid_at.or(cancelled_at).unwrap_or(created_at)),
    }
}

const FIRST_NAMES: &[&str] = &[
    "Amara", "Ben", "Chloe", "Dev", "Elena", "Farah", "George", "Hana", "Isaac", "Jade", "Kofi", "Lena",
    "Mateo",
];
const LAST_NAMES: &[&str] = &[
    "Adams", "Brown", "Chen", "Diaz", "Evans", "Fischer", "Garcia", "Hughes", "Ibrahim", "Jones", "Kowalski",
];
