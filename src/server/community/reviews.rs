//! Reviews of completed appointments and of courses (contract §2.7).
//!
//! A customer reviews their own completed appointment once (the UNIQUE index on the appointment
//! makes a second try, even at the same moment, a 409), and a course once, after being accepted to
//! it. Staff hide a review with a reason; hidden reviews leave every public list and average. The
//! expert's stored `rating` and `total_reviews` are recomputed from the visible reviews in the
//! same transaction as every change, so they never drift; a service's figures are computed when
//! read.

use std::collections::HashMap;

use chrono::Utc;
use sea_orm::{
    sea_query::{Alias, Expr, Func},
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, FromQueryResult, QueryFilter, QueryOrder,
    QuerySelect, Select, Set,
};
use uuid::Uuid;

use crate::server::{
    academy::applications,
    audit,
    entities::{appointments, course_reviews, courses, experts, reviews as entity, services, users},
    error::{AppError, AppResult},
    live::events::Event,
    state::AppState,
};
use crate::shared::{
    booking::AppointmentStatus,
    paging::{PageRequest, Pagination},
    reviews::{average, Moderation, NewReview, Rating, Review, ReviewFilter, ReviewList, Subject},
};

async fn names<C: ConnectionTrait, E>(
    db: &C,
    ids: Vec<Uuid>,
    find: impl FnOnce(Vec<Uuid>) -> Select<E>,
    pick: impl Fn(E::Model) -> (Uuid, String),
) -> AppResult<HashMap<Uuid, String>>
where
    E: EntityTrait,
{
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    Ok(find(ids).all(db).await?.into_iter().map(pick).collect())
}

async fn user_names<C: ConnectionTrait>(db: &C, ids: Vec<Uuid>) -> AppResult<HashMap<Uuid, String>> {
    names(
        db,
        ids,
        |ids| users::Entity::find().filter(users::Column::Id.is_in(ids)),
        |u| (u.id, u.name),
    )
    .await
}

fn base(
    id: Uuid,
    rating: i16,
    comment: Option<String>,
    created_at: chrono::DateTime<Utc>,
    user_id: Uuid,
    user_name: String,
    hidden: (Option<chrono::DateTime<Utc>>, Option<String>),
) -> Review {
    let rating = Rating::from_stored(rating);
    Review {
        id,
        rating,
        comment,
        sentiment: rating.sentiment().to_owned(),
        created_at,
        user_id,
        user_name,
        appointment_id: None,
        service_id: None,
        service_name: None,
        expert_id: None,
        expert_name: None,
        course_id: None,
        course_title: None,
        hidden_at: hidden.0,
        hidden_reason: hidden.1,
    }
}

async fn service_views<C: ConnectionTrait>(db: &C, rows: Vec<entity::Model>) -> AppResult<Vec<Review>> {
    let users = user_names(db, rows.iter().map(|r| r.user_id).collect()).await?;
    let services = names(
        db,
        rows.iter().map(|r| r.service_id).collect(),
        |ids| services::Entity::find().filter(services::Column::Id.is_in(ids)),
        |s| (s.id, s.name),
    )
    .await?;
    let experts = names(
        db,
        rows.iter().filter_map(|r| r.expert_id).collect(),
        |ids| experts::Entity::find().filter(experts::Column::Id.is_in(ids)),
        |e| (e.id, e.name),
    )
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| {
            let mut v = base(
                r.id,
                r.rating,
                r.comment,
                r.created_at,
                r.user_id,
                users.get(&r.user_id).cloned().unwrap_or_default(),
                (r.hidden_at, r.hidden_reason),
            );
            v.appointment_id = Some(r.appointment_id);
            v.service_id = Some(r.service_id);
            v.service_name = services.get(&r.service_id).cloned();
            v.expert_id = r.expert_id;
            v.expert_name = r.expert_id.and_then(|id| experts.get(&id).cloned());
            v
        })
        .collect())
}

async fn course_views<C: ConnectionTrait>(
    db: &C,
    rows: Vec<course_reviews::Model>,
) -> AppResult<Vec<Review>> {
    let users = user_names(db, rows.iter().map(|r| r.user_id).collect()).await?;
    let titles = names(
        db,
        rows.iter().map(|r| r.course_id).collect(),
        |ids| courses::Entity::find().filter(courses::Column::Id.is_in(ids)),
        |c| (c.id, c.title),
    )
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| {
            let mut v = base(
                r.id,
                r.rating,
                r.comment,
                r.created_at,
                r.user_id,
                users.get(&r.user_id).cloned().unwrap_or_default(),
                (r.hidden_at, r.hidden_reason),
            );
            v.course_id = Some(r.course_id);
            v.course_title = titles.get(&r.course_id).cloned();
            v
        })
        .collect())
}

#[derive(Debug, FromQueryResult)]
struct Totals {
    sum: Option<i64>,
    n: i64,
}

/// The sum and count of the visible ratings a query selects.
async fn totals<C: ConnectionTrait, E: EntityTrait>(
    db: &C,
    query: Select<E>,
    rating: impl sea_orm::ColumnTrait,
) -> AppResult<(i64, u64)> {
    let t = query
        .select_only()
        .column_as(
            Expr::expr(Func::cast_as(Func::sum(Expr::col(rating)), Alias::new("BIGINT"))),
            "sum",
        )
        .column_as(Expr::cust("COUNT(*)"), "n")
        .into_model::<Totals>()
        .one(db)
        .await?;
    Ok(t.map_or((0, 0), |t| (t.sum.unwrap_or(0), u64::try_from(t.n).unwrap_or(0))))
}

/// `GET /reviews/by-service/:id`: the visible reviews, newest first, with their average and count.
pub async fn by_service<C: ConnectionTrait>(
    db: &C,
    service_id: Uuid,
    page: PageRequest,
) -> AppResult<(ReviewList, Pagination)> {
    services::Entity::find_by_id(service_id)
        .one(db)
        .await?
        .ok_or_else(|| AppError::not_found("Service"))?;
    let visible = entity::Entity::find()
        .filter(entity::Column::ServiceId.eq(service_id))
        .filter(entity::Column::HiddenAt.is_null());
    let (sum, count) = totals(db, visible.clone(), entity::Column::Rating).await?;
    let rows = visible
        .order_by_desc(entity::Column::CreatedAt)
        .order_by_asc(entity::Column::Id)
        .offset(page.offset())
        .limit(page.limit)
        .all(db)
        .await?;
    let list = ReviewList {
        reviews: public(service_views(db, rows).await?),
        average_rating: average(sum, count),
        total_count: count,
    };
    Ok((list, page.of(count)))
}

/// `GET /reviews/by-course/:id`.
pub async fn by_course<C: ConnectionTrait>(
    db: &C,
    course_id: Uuid,
    page: PageRequest,
) -> AppResult<(ReviewList, Pagination)> {
    courses::Entity::find_by_id(course_id)
        .one(db)
        .await?
        .ok_or_else(|| AppError::not_found("Course"))?;
    let visible = course_reviews::Entity::find()
        .filter(course_reviews::Column::CourseId.eq(course_id))
        .filter(course_reviews::Column::HiddenAt.is_null());
    let (sum, count) = totals(db, visible.clone(), course_reviews::Column::Rating).await?;
    let rows = visible
        .order_by_desc(course_reviews::Column::CreatedAt)
        .order_by_asc(course_reviews::Column::Id)
        .offset(page.offset())
        .limit(page.limit)
        .all(db)
        .await?;
    let list = ReviewList {
        reviews: public(course_views(db, rows).await?),
        average_rating: average(sum, count),
        total_count: count,
    };
    Ok((list, page.of(count)))
}

/// What the public sees of a review: no account or appointment id.
fn public(mut reviews: Vec<Review>) -> Vec<Review> {
    for r in &mut reviews {
        r.user_id = Uuid::nil();
        r.appointment_id = None;
        r.hidden_at = None;
        r.hidden_reason = None;
    }
    reviews
}

/// The experts whose reviews a deletion is about to take with it (an appointment's, or all of an
/// account's), to refresh after it in the same transaction.
pub async fn experts_reviewed<C: ConnectionTrait>(
    db: &C,
    appointment: Option<Uuid>,
    user: Option<Uuid>,
) -> AppResult<Vec<Uuid>> {
    let mut q = entity::Entity::find().filter(entity::Column::ExpertId.is_not_null());
    if let Some(id) = appointment {
        q = q.filter(entity::Column::AppointmentId.eq(id));
    }
    if let Some(id) = user {
        q = q.filter(entity::Column::UserId.eq(id));
    }
    let mut ids: Vec<Uuid> = q
        .select_only()
        .column(entity::Column::ExpertId)
        .into_tuple::<Option<Uuid>>()
        .all(db)
        .await?
        .into_iter()
        .flatten()
        .collect();
    ids.sort();
    ids.dedup();
    Ok(ids)
}

/// `GET /reviews/my`: the caller's service reviews, hidden ones included (with the reason), so
/// they know why one no longer shows.
pub async fn mine<C: ConnectionTrait>(db: &C, user: Uuid) -> AppResult<Vec<Review>> {
    let rows = entity::Entity::find()
        .filter(entity::Column::UserId.eq(user))
        .order_by_desc(entity::Column::CreatedAt)
        .limit(500)
        .all(db)
        .await?;
    service_views(db, rows).await
}

/// `GET /reviews/my-course-reviews`.
pub async fn my_course_reviews<C: ConnectionTrait>(db: &C, user: Uuid) -> AppResult<Vec<Review>> {
    let rows = course_reviews::Entity::find()
        .filter(course_reviews::Column::UserId.eq(user))
        .order_by_desc(course_reviews::Column::CreatedAt)
        .limit(500)
        .all(db)
        .await?;
    course_views(db, rows).await
}

async fn own_appointment<C: ConnectionTrait>(db: &C, user: Uuid, id: Uuid) -> AppResult<appointments::Model> {
    appointments::Entity::find_by_id(id)
        .one(db)
        .await?
        .filter(|a| a.user_id == Some(user))
        .ok_or_else(|| AppError::not_found("Appointment"))
}

/// `GET /reviews/by-appointment/:id`: the caller's review of their appointment, if any.
pub async fn by_appointment<C: ConnectionTrait>(
    db: &C,
    user: Uuid,
    appointment: Uuid,
) -> AppResult<Option<Review>> {
    own_appointment(db, user, appointment).await?;
    let row = entity::Entity::find()
        .filter(entity::Column::AppointmentId.eq(appointment))
        .one(db)
        .await?;
    Ok(match row {
        Some(r) => service_views(db, vec![r]).await?.pop(),
        None => None,
    })
}

/// Recomputes an expert's stored rating and count from their visible reviews. The expert's row is
/// locked first (Postgres), so the count that follows is a fresh statement that sees every review
/// committed before it: two reviews at once cannot leave a total one short.
pub async fn refresh_expert<C: ConnectionTrait>(db: &C, expert: Uuid) -> AppResult<()> {
    experts::Entity::find_by_id(expert)
        .select_only()
        .column(experts::Column::Id)
        .lock_exclusive()
        .into_tuple::<Uuid>()
        .one(db)
        .await?;
    let visible = entity::Entity::find()
        .filter(entity::Column::ExpertId.eq(expert))
        .filter(entity::Column::HiddenAt.is_null());
    let (sum, count) = totals(db, visible, entity::Column::Rating).await?;
    let centis = (average(sum, count) * 100.0).round() as i32;
    experts::Entity::update_many()
        .col_expr(experts::Column::RatingCentis, Expr::value(centis))
        .col_expr(
            experts::Column::TotalReviews,
            Expr::value(count.min(i32::MAX as u64) as i32),
        )
        .filter(experts::Column::Id.eq(expert))
        .exec(db)
        .await?;
    Ok(())
}

/// Recomputes every expert's figures (after a bulk load such as the demo seed).
pub async fn refresh_all_experts<C: ConnectionTrait>(db: &C) -> AppResult<()> {
    for id in experts::Entity::find()
        .select_only()
        .column(experts::Column::Id)
        .into_tuple::<Uuid>()
        .all(db)
        .await?
    {
        refresh_expert(db, id).await?;
    }
    Ok(())
}

/// `POST /reviews` and `POST /reviews/course`.
pub async fn create(state: &AppState, user: Uuid, new: NewReview) -> AppResult<Review> {
    let txn = crate::server::db::write_txn(&state.db).await?;
    let now = Utc::now();
    let (review, event) = match new.subject {
        Subject::Appointment(id) => {
            let a = own_appointment(&txn, user, id).await?;
            if a.status != AppointmentStatus::Completed.as_str() {
                return Err(AppError::BadRequest(
                    "You can review an appointment once it is completed.".into(),
                ));
            }
            let saved = entity::ActiveModel {
                id: Set(Uuid::now_v7()),
                appointment_id: Set(a.id),
                user_id: Set(user),
                service_id: Set(a.service_id),
                expert_id: Set(Some(a.expert_id)),
                rating: Set(i16::from(new.rating.get())),
                comment: Set(new.comment),
                hidden_at: Set(None),
                hidden_reason: Set(None),
                hidden_by: Set(None),
                created_at: Set(now),
                updated_at: Set(now),
            }
            .insert(&txn)
            .await
            .map_err(|e| AppError::unique_violation_as(e, "You have already reviewed this appointment."))?;
            refresh_expert(&txn, a.expert_id).await?;
            let event = Event::Review {
                service_id: Some(a.service_id),
                expert_id: Some(a.expert_id),
                course_id: None,
            };
            (service_views(&txn, vec![saved]).await?.remove(0), event)
        }
        Subject::Course(id) => {
            courses::Entity::find_by_id(id)
                .one(&txn)
                .await?
                .ok_or_else(|| AppError::not_found("Course"))?;
            if !applications::accepted(&txn, user, id).await? {
                return Err(AppError::BadRequest(
                    "You can review a course once your application to it is accepted.".into(),
                ));
            }
            let saved = course_reviews::ActiveModel {
                id: Set(Uuid::now_v7()),
                course_id: Set(id),
                user_id: Set(user),
                rating: Set(i16::from(new.rating.get())),
                comment: Set(new.comment),
                hidden_at: Set(None),
                hidden_reason: Set(None),
                hidden_by: Set(None),
                created_at: Set(now),
                updated_at: Set(now),
            }
            .insert(&txn)
            .await
            .map_err(|e| AppError::unique_violation_as(e, "You have already reviewed this course."))?;
            let event = Event::Review {
                service_id: None,
                expert_id: None,
                course_id: Some(id),
            };
            (course_views(&txn, vec![saved]).await?.remove(0), event)
        }
    };
    txn.commit().await?;
    state.live.publish(event);
    Ok(review)
}

/// The staff list: service or course reviews, newest first, by service, expert, course, visibility
/// and lowest rating.
pub async fn list<C: ConnectionTrait>(
    db: &C,
    filter: &ReviewFilter,
    page: PageRequest,
) -> AppResult<(Vec<Review>, Pagination)> {
    if filter.courses {
        let mut q = course_reviews::Entity::find();
        if let Some(id) = filter.course_id {
            q = q.filter(course_reviews::Column::CourseId.eq(id));
        }
        if let Some(hidden) = filter.hidden {
            q = q.filter(if hidden {
                course_reviews::Column::HiddenAt.is_not_null()
            } else {
                course_reviews::Column::HiddenAt.is_null()
            });
        }
        if let Some(min) = filter.min_rating {
            q = q.filter(course_reviews::Column::Rating.gte(i16::from(min)));
        }
        let (rows, pagination) = crate::server::db::page_of(
            db,
            q.order_by_desc(course_reviews::Column::CreatedAt)
                .order_by_asc(course_reviews::Column::Id),
            page,
        )
        .await?;
        return Ok((course_views(db, rows).await?, pagination));
    }
    let mut q = entity::Entity::find();
    if let Some(id) = filter.service_id {
        q = q.filter(entity::Column::ServiceId.eq(id));
    }
    if let Some(id) = filter.expert_id {
        q = q.filter(entity::Column::ExpertId.eq(id));
    }
    if let Some(hidden) = filter.hidden {
        q = q.filter(if hidden {
            entity::Column::HiddenAt.is_not_null()
        } else {
            entity::Column::HiddenAt.is_null()
        });
    }
    if let Some(min) = filter.min_rating {
        q = q.filter(entity::Column::Rating.gte(i16::from(min)));
    }
    let (rows, pagination) = crate::server::db::page_of(
        db,
        q.order_by_desc(entity::Column::CreatedAt)
            .order_by_asc(entity::Column::Id),
        page,
    )
    .await?;
    Ok((service_views(db, rows).await?, pagination))
}

/// Hides a review with a reason, or shows it again; audited, and the expert's figures follow.
pub async fn moderate(state: &AppState, actor: Uuid, id: Uuid, what: Moderation) -> AppResult<Review> {
    let txn = crate::server::db::write_txn(&state.db).await?;
    let now = Utc::now();
    let (hidden_at, reason, by) = match &what {
        Moderation::Hide(reason) => (Some(now), Some(reason.clone()), Some(actor)),
        Moderation::Show => (None, None, None),
    };
    let (review, event) = if let Some(row) = entity::Entity::find_by_id(id).one(&txn).await? {
        let mut active: entity::ActiveModel = row.into();
        active.hidden_at = Set(hidden_at);
        active.hidden_reason = Set(reason.clone());
        active.hidden_by = Set(by);
        active.updated_at = Set(now);
        let saved = active.update(&txn).await?;
        if let Some(expert) = saved.expert_id {
            refresh_expert(&txn, expert).await?;
        }
        let event = Event::Review {
            service_id: Some(saved.service_id),
            expert_id: saved.expert_id,
            course_id: None,
        };
        (service_views(&txn, vec![saved]).await?.remove(0), event)
    } else {
        let row = course_reviews::Entity::find_by_id(id)
            .one(&txn)
            .await?
            .ok_or_else(|| AppError::not_found("Review"))?;
        let mut active: course_reviews::ActiveModel = row.into();
        active.hidden_at = Set(hidden_at);
        active.hidden_reason = Set(reason.clone());
        active.hidden_by = Set(by);
        active.updated_at = Set(now);
        let saved = active.update(&txn).await?;
        let event = Event::Review {
            service_id: None,
            expert_id: None,
            course_id: Some(saved.course_id),
        };
        (course_views(&txn, vec![saved]).await?.remove(0), event)
    };
    audit::record(
        &txn,
        audit::Entry::new(match what {
            Moderation::Hide(_) => "review.hidden",
            Moderation::Show => "review.shown",
        })
        .actor(actor)
        .target("review", id.to_string())
        .details(serde_json::json!({ "reason": reason, "rating": review.rating })),
    )
    .await?;
    txn.commit().await?;
    state.live.publish(event);
    Ok(review)
}
