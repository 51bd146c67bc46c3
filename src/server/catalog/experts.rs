//! Experts (the staff who perform services): the public list and detail, and their management.

use std::collections::HashMap;

use crate::server::{
    live::events::{Action, Event},
    state::AppState,
};
use chrono::Utc;
use sea_orm::{
    sea_query::{Expr, Func},
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, EntityTrait, Order, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect, Set,
};
use uuid::Uuid;

use super::services::rating_text;
use crate::server::{
    entities::{appointments, expert_services, experts as entity, services, users},
    error::{AppError, AppResult},
    search,
};
use crate::shared::{
    catalog::{Expert, ExpertChanges as Changes},
    paging::{PageRequest, Pagination},
};

pub use crate::shared::catalog::ExpertForm;

#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub service_id: Option<Uuid>,
    pub search: Option<String>,
    /// The public list shows active experts only.
    pub active_only: bool,
}

pub async fn list<C: ConnectionTrait>(
    db: &C,
    filter: &Filter,
    page: PageRequest,
) -> AppResult<(Vec<Expert>, Pagination)> {
    let mut query = entity::Entity::find();
    if filter.active_only {
        query = query.filter(entity::Column::IsActive.eq(true));
    }
    if let Some(service_id) = filter.service_id {
        let ids: Vec<Uuid> = expert_services::Entity::find()
            .filter(expert_services::Column::ServiceId.eq(service_id))
            .all(db)
            .await?
            .into_iter()
            .map(|l| l.expert_id)
            .collect();
        query = query.filter(entity::Column::Id.is_in(ids));
    }
    if let Some(q) = filter.search.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        let pattern = search::pattern(q)?;
        query = query.filter(
            Condition::any()
                .add(search::contains((entity::Entity, entity::Column::Name), &pattern))
                .add(search::contains(
                    (entity::Entity, entity::Column::Specialty),
                    &pattern,
                )),
        );
    }
    let total = query.clone().count(db).await?;
    let rows = query
        .order_by(Func::lower(Expr::col(entity::Column::Name)), Order::Asc)
        .order_by_asc(entity::Column::Id)
        .offset(page.offset())
        .limit(page.limit)
        .all(db)
        .await?;
    let links = service_links(db, rows.iter().map(|r| r.id)).await?;
    Ok((
        rows.into_iter().map(|r| view(r, &links)).collect(),
        page.of(total),
    ))
}

pub async fn get<C: ConnectionTrait>(db: &C, id: Uuid) -> AppResult<Expert> {
    let row = find(db, id).await?;
    let links = service_links(db, [id]).await?;
    Ok(view(row, &links))
}

/// The expert record linked to a user account, if any.
pub async fn linked_to<C: ConnectionTrait>(db: &C, user_id: Uuid) -> AppResult<Option<Uuid>> {
    Ok(entity::Entity::find()
        .filter(entity::Column::UserId.eq(user_id))
        .one(db)
        .await?
        .map(|e| e.id))
}

pub async fn find<C: ConnectionTrait>(db: &C, id: Uuid) -> AppResult<entity::Model> {
    entity::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or_else(|| AppError::not_found("Expert"))
}

pub async fn create_in(db: &sea_orm::DatabaseConnection, form: &ExpertForm) -> AppResult<Expert> {
    let changes = form.parse(true).map_err(AppError::Validation)?;
    let txn = crate::server::db::write_txn(db).await?;
    let now = Utc::now();
    let row = entity::ActiveModel {
        id: Set(Uuid::now_v7()),
        user_id: Set(None),
        name: Set(changes.name.clone().unwrap_or_default()),
        email: Set(None),
        phone: Set(None),
        specialty: Set(None),
        bio: Set(None),
        image_url: Set(None),
        rating_centis: Set(0),
        total_reviews: Set(0),
        is_active: Set(true),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(&txn)
    .await?;
    let id = apply(&txn, row, changes).await?;
    txn.commit().await?;
    get(db, id).await
}

/// Writes `changes` onto `row` (and its service links) inside the caller's transaction.
async fn apply<C: ConnectionTrait>(db: &C, row: entity::Model, changes: Changes) -> AppResult<Uuid> {
    let id = row.id;
    if let Some(Some(user_id)) = changes.user_id {
        let user = users::Entity::find_by_id(user_id)
            .one(db)
            .await?
            .ok_or_else(|| AppError::field("userId", "No such user"))?;
        // A linked account sees this expert's bookings: customers' names and phones. Only staff.
        if !crate::server::identity::accounts::is_staff(db, &user).await? {
            return Err(AppError::field(
                "userId",
                "Only a staff account (one that can use the portal) can be linked to an expert",
            ));
        }
    }
    if let Some(ids) = &changes.service_ids {
        let found = services::Entity::find()
            .filter(services::Column::Id.is_in(ids.clone()))
            .count(db)
            .await?;
        if found != ids.len() as u64 {
            return Err(AppError::field(
                "serviceIds",
                "Some of these services do not exist",
            ));
        }
    }
    let mut active: entity::ActiveModel = row.into();
    if let Some(v) = changes.name {
        active.name = Set(v);
    }
    if let Some(v) = changes.email {
        active.email = Set(v);
    }
    if let Some(v) = changes.phone {
        active.phone = Set(v);
    }
    if let Some(v) = changes.specialty {
        active.specialty = Set(v);
    }
    if let Some(v) = changes.bio {
        active.bio = Set(v);
    }
    if let Some(v) = changes.image_url {
        active.image_url = Set(v);
    }
    if let Some(v) = changes.is_active {
        active.is_active = Set(v);
    }
    if let Some(v) = changes.user_id {
        active.user_id = Set(v);
    }
    active.updated_at = Set(Utc::now());
    active
        .update(db)
        .await
        .map_err(|e| AppError::unique_violation_as(e, "That account is already linked to another expert."))?;
    if let Some(ids) = changes.service_ids {
        expert_services::Entity::delete_many()
            .filter(expert_services::Column::ExpertId.eq(id))
            .exec(db)
            .await?;
        if !ids.is_empty() {
            expert_services::Entity::insert_many(ids.into_iter().map(|service_id| {
                expert_services::ActiveModel {
                    expert_id: Set(id),
                    service_id: Set(service_id),
                }
            }))
            .exec_without_returning(db)
            .await?;
        }
    }
    Ok(id)
}

pub async fn update_in(db: &sea_orm::DatabaseConnection, id: Uuid, form: &ExpertForm) -> AppResult<Expert> {
    let changes = form.parse(false).map_err(AppError::Validation)?;
    let txn = crate::server::db::write_txn(db).await?;
    let row = find(&txn, id).await?;
    apply(&txn, row, changes).await?;
    txn.commit().await?;
    get(db, id).await
}

/// Deletes an expert with no appointments; one with history is kept (409: deactivate instead).
pub async fn delete_in<C: ConnectionTrait>(db: &C, id: Uuid) -> AppResult<()> {
    find(db, id).await?;
    let booked =
        crate::server::booking::appointments::count_referencing(db, appointments::Column::ExpertId, id)
            .await?;
    if booked > 0 {
        return Err(AppError::Conflict(format!(
            "This expert has {booked} appointment(s) and is kept for their history. Deactivate them instead."
        )));
    }
    entity::Entity::delete_by_id(id).exec(db).await?;
    Ok(())
}

/// Creates an expert and announces it (`experts-updated`).
pub async fn create(state: &AppState, form: &ExpertForm) -> AppResult<Expert> {
    let expert = create_in(&state.db, form).await?;
    state.live.publish(Event::Expert {
        action: Action::Created,
        id: expert.id,
    });
    Ok(expert)
}

pub async fn update(state: &AppState, id: Uuid, form: &ExpertForm) -> AppResult<Expert> {
    let expert = update_in(&state.db, id, form).await?;
    state.live.publish(Event::Expert {
        action: Action::Updated,
        id,
    });
    Ok(expert)
}

pub async fn delete(state: &AppState, id: Uuid) -> AppResult<()> {
    delete_in(&state.db, id).await?;
    state.live.publish(Event::Expert {
        action: Action::Deleted,
        id,
    });
    Ok(())
}

async fn service_links<C: ConnectionTrait>(
    db: &C,
    expert_ids: impl IntoIterator<Item = Uuid>,
) -> AppResult<HashMap<Uuid, Vec<Uuid>>> {
    let ids: Vec<Uuid> = expert_ids.into_iter().collect();
    let mut map: HashMap<Uuid, Vec<Uuid>> = HashMap::new();
    for link in expert_services::Entity::find()
        .filter(expert_services::Column::ExpertId.is_in(ids))
        .all(db)
        .await?
    {
        map.entry(link.expert_id).or_default().push(link.service_id);
    }
    Ok(map)
}

fn view(row: entity::Model, links: &HashMap<Uuid, Vec<Uuid>>) -> Expert {
    let mut service_ids = links.get(&row.id).cloned().unwrap_or_default();
    service_ids.sort();
    Expert {
        id: row.id,
        user_id: row.user_id,
        name: row.name,
        email: row.email,
        phone: row.phone,
        specialty: row.specialty,
        bio: row.bio,
        profile_image_url: row.image_url.clone(),
        image_url: row.image_url,
        rating: rating_text(row.rating_centis),
        total_reviews: row.total_reviews,
        is_active: row.is_active,
        service_ids,
        created_at: row.created_at,
        updated_at: row.updated_at,
    }
}
