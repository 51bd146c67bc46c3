//! The demo business's academy, blog, reviews and support desk (`pulse seed-demo`), so every page
//! of the portal has something to show. Written straight to the tables like the demo bookings, from
//! the same seeded random numbers.

use chrono::{Duration, Utc};
use rand::{rngs::StdRng, Rng};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QuerySelect, Set};
use uuid::Uuid;

use super::{
    entities::{appointments, blogs, course_applications, courses, reviews, support_tickets},
    error::AppResult,
};
use crate::shared::{
    booking::AppointmentStatus,
    courses::ApplicationStatus,
    support::{Priority, TicketStatus},
};

/// (title, duration, price in minor units, description)
const COURSES: &[(&str, &str, i64, &str)] = &[
    (
        "Professional Makeup",
        "3 months",
        4_500_000,
        "Day, evening and bridal looks, with a kit.",
    ),
    (
        "Hair Styling Basics",
        "6 weeks",
        2_500_000,
        "Cutting, blow-drying and colour theory.",
    ),
    (
        "Nail Art Masterclass",
        "4 weeks",
        1_800_000,
        "Gel, acrylics and hand-painted designs.",
    ),
    (
        "Skin Care Therapist",
        "2 months",
        3_200_000,
        "Facials, skin analysis and product knowledge.",
    ),
];

const POSTS: &[(&str, &str)] = &[
    ("Five ways to keep colour vibrant", "Wash with cool water, use a sulphate-free shampoo, and book a gloss every six weeks.\nSun and chlorine fade colour fastest: wear a hat and rinse after swimming."),
    ("Getting ready for your wedding day", "Book a trial three months ahead. Bring photos of looks you love, and your veil or accessories to the trial."),
    ("Why regular facials matter", "A facial every four weeks follows your skin's renewal cycle and keeps pores clear."),
];

const TICKETS: &[(&str, &str)] = &[
    (
        "Mobile App Support",
        "The app logs me out when I switch to another app. Can you help?",
    ),
    (
        "Refund question",
        "I paid twice for my booking on Saturday. Could one be refunded?",
    ),
    (
        "Mobile App Support",
        "Is there a way to pick the same expert every time?",
    ),
    ("Gift vouchers", "Do you sell gift vouchers for a facial?"),
];

const COMMENTS: &[&str] = &[
    "Lovely as always, thank you!",
    "Great result, a bit of a wait at the start.",
    "Very relaxing.",
    "",
    "Exactly what I asked for.",
];

/// A completed booking: id, customer, service, expert, when it ended.
type Done = (Uuid, Option<Uuid>, Uuid, Uuid, chrono::DateTime<Utc>);

/// What `seed` added.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Added {
    pub courses: usize,
    pub applications: usize,
    pub blogs: usize,
    pub reviews: usize,
    pub tickets: usize,
}

/// `customers`: (id, name, email, phone) of the demo customers.
pub async fn seed(
    db: &DatabaseConnection,
    rng: &mut StdRng,
    customers: &[(Uuid, String, String, String)],
) -> AppResult<Added> {
    let now = Utc::now();
    let mut added = Added::default();
    let mut course_ids = Vec::new();
    for (i, (title, duration, price, description)) in COURSES.iter().enumerate() {
        let id = Uuid::now_v7();
        courses::Entity::insert(courses::ActiveModel {
            id: Set(id),
            title: Set((*title).to_owned()),
            description: Set(Some((*description).to_owned())),
            duration: Set(Some((*duration).to_owned())),
            price_minor: Set(*price),
            image_url: Set(None),
            is_active: Set(i != COURSES.len() - 1 || rng.random_bool(0.5)),
            created_at: Set(now - Duration::days(90)),
            updated_at: Set(now - Duration::days(90)),
        })
        .exec_without_returning(db)
        .await?;
        course_ids.push(id);
    }
    added.courses = course_ids.len();
    for (n, customer) in customers.iter().take(12).enumerate() {
        let status = match n % 4 {
            0 => ApplicationStatus::Accepted,
            1 => ApplicationStatus::Rejected,
            _ => ApplicationStatus::Pending,
        };
        let course = course_ids[n % course_ids.len()];
        let applied = now - Duration::days(rng.random_range(1..60));
        let price = COURSES[n % COURSES.len()].2;
        course_applications::Entity::insert(course_applications::ActiveModel {
            id: Set(Uuid::now_v7()),
            course_id: Set(course),
            user_id: Set(Some(customer.0)),
            customer_name: Set(customer.1.clone()),
            customer_email: Set(Some(customer.2.clone())),
            customer_phone: Set(customer.3.clone()),
            offer_id: Set(None),
            price_minor: Set(price),
            discount_minor: Set(0),
            status: Set(status.as_str().to_owned()),
            decided_by: Set(None),
            decided_at: Set((status != ApplicationStatus::Pending).then_some(applied + Duration::days(1))),
            applied_at: Set(applied),
            updated_at: Set(applied),
        })
        .exec_without_returning(db)
        .await?;
        added.applications += 1;
    }
    for (i, (title, content)) in POSTS.iter().enumerate() {
        let at = now - Duration::days(30 * (i as i64 + 1));
        blogs::Entity::insert(blogs::ActiveModel {
            id: Set(Uuid::now_v7()),
            title: Set((*title).to_owned()),
            content: Set((*content).to_owned()),
            image_url: Set(None),
            is_active: Set(true),
            display_order: Set(i as i32),
            created_at: Set(at),
            updated_at: Set(at),
        })
        .exec_without_returning(db)
        .await?;
        added.blogs += 1;
    }
    // A review for about a quarter of the completed bookings customers made.
    let done: Vec<Done> = appointments::Entity::find()
        .select_only()
        .columns([
            appointments::Column::Id,
            appointments::Column::UserId,
            appointments::Column::ServiceId,
            appointments::Column::ExpertId,
            appointments::Column::EndsAt,
        ])
        .filter(appointments::Column::Status.eq(AppointmentStatus::Completed.as_str()))
        .filter(appointments::Column::UserId.is_not_null())
        .into_tuple()
        .all(db)
        .await?;
    let mut rows = Vec::new();
    for (id, user, service, expert, ended) in done {
        let Some(user) = user else { continue };
        if !rng.random_bool(0.25) {
            continue;
        }
        let rating: i16 = [5, 5, 5, 4, 4, 3, 2][rng.random_range(0..7)];
        let comment = COMMENTS[rng.random_range(0..COMMENTS.len())];
        let at = ended + Duration::hours(rng.random_range(1..48));
        let hidden = rating <= 2 && rng.random_bool(0.3);
        rows.push(reviews::ActiveModel {
            id: Set(Uuid::now_v7()),
            appointment_id: Set(id),
            user_id: Set(user),
            service_id: Set(service),
            expert_id: Set(Some(expert)),
            rating: Set(rating),
            comment: Set((!comment.is_empty()).then(|| comment.to_owned())),
            hidden_at: Set(hidden.then_some(at)),
            hidden_reason: Set(hidden.then(|| "Mentions another customer by name".to_owned())),
            hidden_by: Set(None),
            created_at: Set(at),
            updated_at: Set(at),
        });
    }
    added.reviews = rows.len();
    for chunk in rows.chunks(500) {
        reviews::Entity::insert_many(chunk.to_vec())
            .exec_without_returning(db)
            .await?;
    }
    super::community::reviews::refresh_all_experts(db).await?;
    for (i, (subject, message)) in TICKETS.iter().enumerate() {
        let customer = &customers[(i * 7) % customers.len()];
        let at = now - Duration::days(i as i64 * 3 + 1);
        let (status, response) = match i {
            0 => (TicketStatus::Open, None),
            1 => (TicketStatus::InProgress, None),
            2 => (
                TicketStatus::Resolved,
                Some("Yes: choose your expert on the booking screen and the app remembers them.".to_owned()),
            ),
            _ => (TicketStatus::Open, None),
        };
        support_tickets::Entity::insert(support_tickets::ActiveModel {
            id: Set(Uuid::now_v7()),
            user_id: Set(Some(customer.0)),
            customer_name: Set(customer.1.clone()),
            customer_email: Set(customer.2.clone()),
            customer_phone: Set(Some(customer.3.clone())),
            subject: Set((*subject).to_owned()),
            message: Set((*message).to_owned()),
            status: Set(status.as_str().to_owned()),
            priority: Set(
                [Priority::Medium, Priority::High, Priority::Low, Priority::Medium][i]
                    .as_str()
                    .to_owned(),
            ),
            assigned_to: Set(None),
            response: Set(response.clone()),
            responded_by: Set(None),
            responded_at: Set(response.as_ref().map(|_| at + Duration::hours(2))),
            resolved_at: Set(status.is_done().then_some(at + Duration::hours(2))),
            created_at: Set(at),
            updated_at: Set(at),
        })
        .exec_without_returning(db)
        .await?;
        added.tickets += 1;
    }
    Ok(added)
}
