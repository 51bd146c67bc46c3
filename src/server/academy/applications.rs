//! Course applications: anyone may apply (the app sends a token when it has one), staff who manage
//! courses list them and accept or reject each once; the applicant hears of the decision.
//!
//! The price is the course's, less the offer the applicant chose, checked and fixed when they
//! applied. The offer's use is claimed when staff accept (one conditional update in the decision's
//! transaction, as a booking claims one), not when someone applies: applying needs no account, so
//! claiming then would let anyone use an offer up with made-up applications.

use std::collections::HashMap;

use chrono::Utc;
use sea_orm::{
    sea_query::Expr, ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder, Set,
};
use uuid::Uuid;

use super::courses;
use crate::server::{
    audit,
    catalog::offers::{self, Item},
    entities::{course_applications as entity, courses as course_entity, offers as offer_entity},
    error::{AppError, AppResult},
    identity::accounts::Principal,
    live::events::{Action, Event},
    notify::direct::{self, Message},
    search,
    state::AppState,
};
use crate::shared::{
    booking::Money,
    courses::{Applicant, Application, ApplicationFilter, ApplicationStatus, ApplyForm},
    paging::{PageRequest, Pagination},
    permissions::Permission,
};

async fn views<C: ConnectionTrait>(db: &C, rows: Vec<entity::Model>) -> AppResult<Vec<Application>> {
    let course_ids: Vec<Uuid> = rows.iter().map(|r| r.course_id).collect();
    let offer_ids: Vec<Uuid> = rows.iter().filter_map(|r| r.offer_id).collect();
    let titles: HashMap<Uuid, String> = course_entity::Entity::find()
        .filter(course_entity::Column::Id.is_in(course_ids))
        .all(db)
        .await?
        .into_iter()
        .map(|c| (c.id, c.title))
        .collect();
    let offer_titles: HashMap<Uuid, String> = if offer_ids.is_empty() {
        HashMap::new()
    } else {
        offer_entity::Entity::find()
            .filter(offer_entity::Column::Id.is_in(offer_ids))
            .all(db)
            .await?
            .into_iter()
            .map(|o| (o.id, o.title))
            .collect()
    };
    Ok(rows
        .into_iter()
        .map(|r| Application {
            id: r.id,
            course_id: r.course_id,
            course_title: titles.get(&r.course_id).cloned().unwrap_or_default(),
            user_id: r.user_id,
            customer_name: r.customer_name,
            customer_email: r.customer_email,
            customer_phone: r.customer_phone,
            offer_id: r.offer_id,
            offer_title: r.offer_id.and_then(|id| offer_titles.get(&id).cloned()),
            price: Money::from_minor(r.price_minor).to_string(),
            discount: Money::from_minor(r.discount_minor).to_string(),
            total_price: Money::from_minor(r.price_minor - r.discount_minor).to_string(),
            status: ApplicationStatus::parse(&r.status).unwrap_or(ApplicationStatus::Pending),
            applied_at: r.applied_at,
            decided_at: r.decided_at,
        })
        .collect())
}

/// `POST /courses/:id/apply`. `caller`: the signed-in applicant, whose account fills in what the
/// form leaves out and who may have one waiting application per course.
pub async fn apply(
    state: &AppState,
    course_id: Uuid,
    caller: Option<&Principal>,
    form: &ApplyForm,
) -> AppResult<Application> {
    let account = caller.map_or_else(Applicant::default, |p| Applicant {
        name: Some(p.user.name.clone()),
        phone: p.user.phone.clone(),
        email: Some(p.user.email.clone()),
    });
    let new = form.parse(&account).map_err(AppError::Validation)?;
    let today = crate::server::booking::rules(state).await?.today();
    let txn = crate::server::db::write_txn(&state.db).await?;
    let course = courses::locked(&txn, course_id, false).await?;
    if !course.is_active {
        return Err(AppError::not_found("Course"));
    }
    let discount = match new.offer_id {
        Some(offer_id) => Some((
            offer_id,
            offers::check(&txn, offer_id, Item::Course(course.id), today)
                .await?
                .off(course.price_minor),
        )),
        None => None,
    };
    let now = Utc::now();
    let user_id = caller.map(|p| p.user.id);
    let saved = entity::ActiveModel {
        id: Set(Uuid::now_v7()),
        course_id: Set(course.id),
        user_id: Set(user_id),
        customer_name: Set(new.name),
        customer_email: Set(new.email.map(String::from)),
        customer_phone: Set(new.phone.as_str().to_owned()),
        offer_id: Set(discount.map(|d| d.0)),
        price_minor: Set(course.price_minor),
        discount_minor: Set(discount.map_or(0, |d| d.1)),
        status: Set(ApplicationStatus::Pending.as_str().to_owned()),
        decided_by: Set(None),
        decided_at: Set(None),
        applied_at: Set(now),
        updated_at: Set(now),
    }
    .insert(&txn)
    .await
    .map_err(|e| {
        AppError::unique_violation_as(
            e,
            "An application to this course is already waiting; staff will be in touch.",
        )
    })?;
    let message = Message::new(
        "course_application",
        format!("New application: {}", course.title),
        format!("{} applied to {}.", saved.customer_name, course.title),
    )
    .with("id", saved.id);
    direct::staff_holding(&txn, &state.channels, Permission::CoursesManage, &message).await?;
    let application = views(&txn, vec![saved]).await?.remove(0);
    txn.commit().await?;
    state.outbox_kick.now();
    state.live.publish(Event::CourseApplication {
        action: Action::Created,
        id: application.id,
        course_id: application.course_id,
    });
    Ok(application)
}

/// The staff list: newest first, by course, status and name, phone or email.
pub async fn list<C: ConnectionTrait>(
    db: &C,
    filter: &ApplicationFilter,
    page: PageRequest,
) -> AppResult<(Vec<Application>, Pagination)> {
    let mut query = entity::Entity::find();
    if let Some(id) = filter.course_id {
        query = query.filter(entity::Column::CourseId.eq(id));
    }
    if let Some(status) = filter.status {
        query = query.filter(entity::Column::Status.eq(status.as_str()));
    }
    if let Some(text) = filter.search.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        let pattern = search::pattern(text)?;
        query = query.filter(
            Condition::any()
                .add(search::contains(
                    (entity::Entity, entity::Column::CustomerName),
                    &pattern,
                ))
                .add(search::contains(
                    (entity::Entity, entity::Column::CustomerEmail),
                    &pattern,
                ))
                .add(search::contains(
                    (entity::Entity, entity::Column::CustomerPhone),
                    &pattern,
                )),
        );
    }
    let (rows, pagination) = crate::server::db::page_of(
        db,
        query
            .order_by_desc(entity::Column::AppliedAt)
            .order_by_asc(entity::Column::Id),
        page,
    )
    .await?;
    Ok((views(db, rows).await?, pagination))
}

/// Whether `user` was accepted to `course` (who may review it).
pub async fn accepted<C: ConnectionTrait>(db: &C, user: Uuid, course: Uuid) -> AppResult<bool> {
    Ok(entity::Entity::find()
        .filter(entity::Column::UserId.eq(user))
        .filter(entity::Column::CourseId.eq(course))
        .filter(entity::Column::Status.eq(ApplicationStatus::Accepted.as_str()))
        .count(db)
        .await?
        > 0)
}

/// Accepts or rejects a waiting application, once: one conditional update decides it, so two staff
/// deciding at once cannot both win. Accepting claims the offer's use the applicant chose (under
/// its limit, whatever the dates: the price was fixed when they applied); when it is used up the
/// acceptance is refused and nothing changes.
pub async fn decide(
    state: &AppState,
    actor: Uuid,
    id: Uuid,
    decision: ApplicationStatus,
) -> AppResult<Application> {
    if decision == ApplicationStatus::Pending {
        return Err(AppError::field("status", "status must be accepted or rejected"));
    }
    let txn = crate::server::db::write_txn(&state.db).await?;
    let current = entity::Entity::find_by_id(id)
        .one(&txn)
        .await?
        .ok_or_else(|| AppError::not_found("Application"))?;
    let now = Utc::now();
    let decided = entity::Entity::update_many()
        .col_expr(entity::Column::Status, Expr::value(decision.as_str()))
        .col_expr(entity::Column::DecidedBy, Expr::value(Some(actor)))
        .col_expr(entity::Column::DecidedAt, Expr::value(Some(now)))
        .col_expr(entity::Column::UpdatedAt, Expr::value(now))
        .filter(entity::Column::Id.eq(id))
        .filter(entity::Column::Status.eq(ApplicationStatus::Pending.as_str()))
        .exec(&txn)
        .await?
        .rows_affected;
    if decided != 1 {
        let now_status = entity::Entity::find_by_id(id)
            .one(&txn)
            .await?
            .map_or(current.status, |r| r.status);
        return Err(AppError::Conflict(format!(
            "This application was already {now_status}."
        )));
    }
    if decision == ApplicationStatus::Accepted {
        if let Some(offer) = current.offer_id {
            if !offers::reclaim(&txn, offer).await? {
                return Err(AppError::Conflict(
                    "The offer this applicant chose has been fully used. Reject the application, or ask them to apply again without it."
                        .into(),
                ));
            }
        }
    }
    let saved = entity::Entity::find_by_id(id)
        .one(&txn)
        .await?
        .ok_or_else(|| AppError::not_found("Application"))?;
    audit::record(
        &txn,
        audit::Entry::new(match decision {
            ApplicationStatus::Accepted => "course_application.accepted",
            _ => "course_application.rejected",
        })
        .actor(actor)
        .target("course_application", id.to_string())
        .details(serde_json::json!({ "courseId": saved.course_id })),
    )
    .await?;
    let application = views(&txn, vec![saved]).await?.remove(0);
    let (title, body) = match decision {
        ApplicationStatus::Accepted => (
            "Application accepted",
            format!(
                "Your application to {} was accepted. We will contact you with the next steps.",
                application.course_title
            ),
        ),
        _ => (
            "Application update",
            format!(
                "Your application to {} was not accepted this time.",
                application.course_title
            ),
        ),
    };
    let message = Message::new("course_application", title, body)
        .with("id", application.id)
        .with("status", decision.as_str());
    direct::person(
        &txn,
        &state.channels,
        application.user_id,
        application.customer_email.as_deref(),
        &message,
    )
    .await?;
    txn.commit().await?;
    state.outbox_kick.now();
    state.live.publish(Event::CourseApplication {
        action: Action::Updated,
        id,
        course_id: application.course_id,
    });
    Ok(application)
}
