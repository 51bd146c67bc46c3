//! Courses: the public list (active ones, searchable, every one in one page when the app asks for
//! them all), the detail, and the staff CRUD. A course people applied to is deactivated rather
//! than deleted, so its applications keep their history.

use chrono::Utc;
use sea_orm::{
    sea_query::{Expr, Func},
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, EntityTrait, Order, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect, Set,
};
use uuid::Uuid;

use crate::server::{
    audit,
    catalog::offers::Removal,
    entities::{course_applications, courses as entity, favorites},
    error::{AppError, AppResult},
    live::events::{Action, Event},
    search,
    state::AppState,
};
use crate::shared::{
    booking::Money,
    courses::{Course, CourseChanges, CourseFilter},
    paging::{PageRequest, Pagination},
};

pub fn to_view(m: entity::Model) -> Course {
    Course {
        id: m.id,
        title: m.title,
        description: m.description,
        duration: m.duration,
        price: Money::from_minor(m.price_minor).to_string(),
        price_minor: m.price_minor,
        image: m.image_url.clone(),
        image_url: m.image_url,
        is_active: m.is_active,
        created_at: m.created_at,
        updated_at: m.updated_at,
    }
}

/// `GET /courses`: by title, A–Z. The public sees active courses only; `staff` see all, or what
/// `is_active` asks for.
pub async fn list<C: ConnectionTrait>(
    db: &C,
    filter: &CourseFilter,
    staff: bool,
    page: PageRequest,
) -> AppResult<(Vec<Course>, Pagination)> {
    let mut query = entity::Entity::find();
    match (staff, filter.is_active) {
        (false, _) => query = query.filter(entity::Column::IsActive.eq(true)),
        (true, Some(active)) => query = query.filter(entity::Column::IsActive.eq(active)),
        (true, None) => {}
    }
    if let Some(text) = filter.search.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        let pattern = search::pattern(text)?;
        query = query.filter(
            Condition::any()
                .add(search::contains(
                    (entity::Entity, entity::Column::Title),
                    &pattern,
                ))
                .add(search::contains(
                    (entity::Entity, entity::Column::Description),
                    &pattern,
                )),
        );
    }
    let (rows, pagination) = crate::server::db::page_of(
        db,
        query
            .order_by(Func::lower(Expr::col(entity::Column::Title)), Order::Asc)
            .order_by_asc(entity::Column::Id),
        page,
    )
    .await?;
    Ok((rows.into_iter().map(to_view).collect(), pagination))
}

/// The course, its row kept from changing or going until the caller's transaction ends
/// (Postgres; SQLite runs one writer at a time): `exclusive` for a delete, shared for an
/// application, so a delete never takes an application that was just accepted with it.
pub async fn locked<C: ConnectionTrait>(db: &C, id: Uuid, exclusive: bool) -> AppResult<entity::Model> {
    let q = entity::Entity::find_by_id(id);
    let q = if exclusive {
        q.lock_exclusive()
    } else {
        q.lock_shared()
    };
    q.one(db).await?.ok_or_else(|| AppError::not_found("Course"))
}

pub async fn row<C: ConnectionTrait>(db: &C, id: Uuid) -> AppResult<entity::Model> {
    entity::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or_else(|| AppError::not_found("Course"))
}

/// One course; an inactive one only for `staff`.
pub async fn get<C: ConnectionTrait>(db: &C, id: Uuid, staff: bool) -> AppResult<Course> {
    let course = row(db, id).await?;
    if !course.is_active && !staff {
        return Err(AppError::not_found("Course"));
    }
    Ok(to_view(course))
}

pub async fn create(state: &AppState, actor: Uuid, changes: CourseChanges) -> AppResult<Course> {
    let (Some(title), Some(price)) = (changes.title.clone(), changes.price) else {
        return Err(AppError::Internal(anyhow::anyhow!(
            "an unparsed course reached create"
        )));
    };
    let now = Utc::now();
    let txn = crate::server::db::write_txn(&state.db).await?;
    let saved = entity::ActiveModel {
        id: Set(Uuid::now_v7()),
        title: Set(title),
        description: Set(changes.description.clone().flatten()),
        duration: Set(changes.duration.clone().flatten()),
        price_minor: Set(price.minor()),
        image_url: Set(changes.image_url.clone().flatten()),
        is_active: Set(changes.is_active.unwrap_or(true)),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(&txn)
    .await?;
    record(&txn, actor, "course.created", &saved).await?;
    txn.commit().await?;
    let course = to_view(saved);
    announce(state, Action::Created, &course);
    Ok(course)
}

pub async fn update(state: &AppState, actor: Uuid, id: Uuid, changes: CourseChanges) -> AppResult<Course> {
    let txn = crate::server::db::write_txn(&state.db).await?;
    let current = row(&txn, id).await?;
    let mut active: entity::ActiveModel = current.into();
    if let Some(t) = changes.title {
        active.title = Set(t);
    }
    if let Some(d) = changes.description {
        active.description = Set(d);
    }
    if let Some(d) = changes.duration {
        active.duration = Set(d);
    }
    if let Some(p) = changes.price {
        active.price_minor = Set(p.minor());
    }
    if let Some(u) = changes.image_url {
        active.image_url = Set(u);
    }
    if let Some(a) = changes.is_active {
        active.is_active = Set(a);
    }
    active.updated_at = Set(Utc::now());
    let saved = active.update(&txn).await?;
    record(&txn, actor, "course.updated", &saved).await?;
    txn.commit().await?;
    let course = to_view(saved);
    announce(state, Action::Updated, &course);
    Ok(course)
}

/// Deletes a course nobody applied to (its favorites and reviews go with it); one with
/// applications is deactivated instead.
pub async fn delete(state: &AppState, actor: Uuid, id: Uuid) -> AppResult<Removal> {
    let txn = crate::server::db::write_txn(&state.db).await?;
    let current = locked(&txn, id, true).await?;
    let applied = course_applications::Entity::find()
        .filter(course_applications::Column::CourseId.eq(id))
        .count(&txn)
        .await?;
    let removal = if applied > 0 {
        let mut active: entity::ActiveModel = current.clone().into();
        active.is_active = Set(false);
        active.updated_at = Set(Utc::now());
        let saved = active.update(&txn).await?;
        record(&txn, actor, "course.deactivated", &saved).await?;
        Removal::Deactivated
    } else {
        favorites::Entity::delete_many()
            .filter(favorites::Column::ItemType.eq("course"))
            .filter(favorites::Column::ItemId.eq(id))
            .exec(&txn)
            .await?;
        entity::Entity::delete_by_id(id).exec(&txn).await?;
        record(&txn, actor, "course.deleted", &current).await?;
        Removal::Deleted
    };
    txn.commit().await?;
    match removal {
        Removal::Deleted => state.live.publish(Event::Course {
            action: Action::Deleted,
            id,
            course: None,
        }),
        Removal::Deactivated => {
            let course = to_view(row(&state.db, id).await?);
            announce(state, Action::Updated, &course);
        }
    }
    Ok(removal)
}

async fn record<C: ConnectionTrait>(db: &C, actor: Uuid, action: &str, row: &entity::Model) -> AppResult<()> {
    audit::record(
        db,
        audit::Entry::new(action)
            .actor(actor)
            .target("course", row.id.to_string())
            .details(serde_json::json!({
                "title": row.title,
                "priceMinor": row.price_minor,
                "duration": row.duration,
                "isActive": row.is_active,
            })),
    )
    .await
}

fn announce(state: &AppState, action: Action, course: &Course) {
    state.live.publish(Event::Course {
        action,
        id: course.id,
        course: Some(Box::new(course.clone())),
    });
}
