//! Blog posts: the app's public list (published ones, in display order, newest first within one)
//! and the staff CRUD under `offers.manage` (as the old portal guarded it).

use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set,
};
use uuid::Uuid;

use crate::server::{
    audit,
    entities::blogs as entity,
    error::{AppError, AppResult},
    live::events::{Action, Event},
    search,
    state::AppState,
};
use crate::shared::{
    blogs::{Blog, BlogChanges},
    paging::{PageRequest, Pagination},
};

fn to_view(m: entity::Model) -> Blog {
    Blog {
        id: m.id,
        title: m.title,
        content: m.content,
        image_url: m.image_url,
        is_active: m.is_active,
        display_order: m.display_order,
        created_at: m.created_at,
        updated_at: m.updated_at,
    }
}

/// Published posts for everyone; `all` (staff) also the hidden ones, with a search.
pub async fn list<C: ConnectionTrait>(
    db: &C,
    all: bool,
    search_text: Option<&str>,
    page: PageRequest,
) -> AppResult<(Vec<Blog>, Pagination)> {
    let mut query = entity::Entity::find();
    if !all {
        query = query.filter(entity::Column::IsActive.eq(true));
    }
    if let Some(text) = search_text.map(str::trim).filter(|s| !s.is_empty()) {
        let pattern = search::pattern(text)?;
        query = query.filter(
            Condition::any()
                .add(search::contains(
                    (entity::Entity, entity::Column::Title),
                    &pattern,
                ))
                .add(search::contains(
                    (entity::Entity, entity::Column::Content),
                    &pattern,
                )),
        );
    }
    let (rows, pagination) = crate::server::db::page_of(
        db,
        query
            .order_by_asc(entity::Column::DisplayOrder)
            .order_by_desc(entity::Column::CreatedAt)
            .order_by_asc(entity::Column::Id),
        page,
    )
    .await?;
    Ok((rows.into_iter().map(to_view).collect(), pagination))
}

async fn row<C: ConnectionTrait>(db: &C, id: Uuid) -> AppResult<entity::Model> {
    entity::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or_else(|| AppError::not_found("Blog"))
}

/// One post; a hidden one only for staff.
pub async fn get<C: ConnectionTrait>(db: &C, id: Uuid, staff: bool) -> AppResult<Blog> {
    let blog = row(db, id).await?;
    if !blog.is_active && !staff {
        return Err(AppError::not_found("Blog"));
    }
    Ok(to_view(blog))
}

pub async fn create(state: &AppState, actor: Uuid, changes: BlogChanges) -> AppResult<Blog> {
    let (Some(title), Some(content)) = (changes.title, changes.content) else {
        return Err(AppError::Internal(anyhow::anyhow!(
            "an unparsed post reached create"
        )));
    };
    let now = Utc::now();
    let txn = crate::server::db::write_txn(&state.db).await?;
    let saved = entity::ActiveModel {
        id: Set(Uuid::now_v7()),
        title: Set(title),
        content: Set(content),
        image_url: Set(changes.image_url.flatten()),
        is_active: Set(changes.is_active.unwrap_or(true)),
        display_order: Set(changes.display_order.unwrap_or(0)),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(&txn)
    .await?;
    record(&txn, actor, "blog.created", &saved).await?;
    txn.commit().await?;
    state.live.publish(Event::Blog {
        action: Action::Created,
        id: saved.id,
    });
    Ok(to_view(saved))
}

pub async fn update(state: &AppState, actor: Uuid, id: Uuid, changes: BlogChanges) -> AppResult<Blog> {
    let txn = crate::server::db::write_txn(&state.db).await?;
    let mut active: entity::ActiveModel = row(&txn, id).await?.into();
    if let Some(t) = changes.title {
        active.title = Set(t);
    }
    if let Some(c) = changes.content {
        active.content = Set(c);
    }
    if let Some(u) = changes.image_url {
        active.image_url = Set(u);
    }
    if let Some(a) = changes.is_active {
        active.is_active = Set(a);
    }
    if let Some(o) = changes.display_order {
        active.display_order = Set(o);
    }
    active.updated_at = Set(Utc::now());
    let saved = active.update(&txn).await?;
    record(&txn, actor, "blog.updated", &saved).await?;
    txn.commit().await?;
    state.live.publish(Event::Blog {
        action: Action::Updated,
        id,
    });
    Ok(to_view(saved))
}

pub async fn delete(state: &AppState, actor: Uuid, id: Uuid) -> AppResult<()> {
    let txn = crate::server::db::write_txn(&state.db).await?;
    let current = row(&txn, id).await?;
    entity::Entity::delete_by_id(id).exec(&txn).await?;
    record(&txn, actor, "blog.deleted", &current).await?;
    txn.commit().await?;
    state.live.publish(Event::Blog {
        action: Action::Deleted,
        id,
    });
    Ok(())
}

async fn record<C: ConnectionTrait>(db: &C, actor: Uuid, action: &str, row: &entity::Model) -> AppResult<()> {
    audit::record(
        db,
        audit::Entry::new(action)
            .actor(actor)
            .target("blog", row.id.to_string())
            .details(serde_json::json!({ "title": row.title, "isActive": row.is_active })),
    )
    .await
}
