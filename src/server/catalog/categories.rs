//! Category use cases, shared by `/api/v1/categories` and the portal's server functions.

use crate::server::live::events::{Action, Event};
use chrono::Utc;
use sea_orm::{
    sea_query::{Expr, Func},
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, Order, QueryFilter, QueryOrder, Set,
};
use uuid::Uuid;

use crate::server::{entities::service_categories as entity, error::AppResult};
use crate::shared::catalog::{Category, NewCategory};

/// Which categories a caller sees: the public API shows active ones only.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Visibility {
    ActiveOnly,
    All,
}

/// Categories in display order, then by name ignoring case (the same order on Postgres and SQLite,
/// whose default collations differ).
pub async fn list<C: ConnectionTrait>(db: &C, visibility: Visibility) -> AppResult<Vec<Category>> {
    let mut query = entity::Entity::find()
        .order_by_asc(entity::Column::DisplayOrder)
        .order_by(Func::lower(Expr::col(entity::Column::Name)), Order::Asc)
        .order_by_asc(entity::Column::Id);
    if visibility == Visibility::ActiveOnly {
        query = query.filter(entity::Column::IsActive.eq(true));
    }
    Ok(query.all(db).await?.into_iter().map(Category::from).collect())
}

pub async fn create_in<C: ConnectionTrait>(db: &C, new: NewCategory) -> AppResult<Category> {
    let now = Utc::now();
    let model = entity::ActiveModel {
        id: Set(Uuid::now_v7()),
        name: Set(new.name.as_str().to_owned()),
        description: Set(new.description),
        image_url: Set(new.image_url),
        icon: Set(new.icon),
        display_order: Set(new.display_order),
        is_active: Set(new.is_active),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(db)
    .await?;
    Ok(model.into())
}

impl From<entity::Model> for Category {
    fn from(m: entity::Model) -> Self {
        Self {
            id: m.id,
            name: m.name,
            description: m.description,
            image_url: m.image_url,
            icon: m.icon,
            display_order: m.display_order,
            is_active: m.is_active,
            created_at: m.created_at,
            updated_at: m.updated_at,
        }
    }
}

pub use crate::shared::catalog::CategoryForm;

pub async fn get<C: ConnectionTrait>(db: &C, id: Uuid) -> AppResult<Category> {
    entity::Entity::find_by_id(id)
        .one(db)
        .await?
        .map(Category::from)
        .ok_or_else(|| crate::server::error::AppError::not_found("Category"))
}

/// Applies the fields present in `form`, each checked first; nothing is written when any is bad.
pub async fn update_in<C: ConnectionTrait>(db: &C, id: Uuid, form: &CategoryForm) -> AppResult<Category> {
    use crate::server::error::AppError;
    use crate::shared::{catalog::CategoryName, errors::FieldError};
    let row = entity::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or_else(|| AppError::not_found("Category"))?;
    let mut errors = Vec::new();
    let mut active: entity::ActiveModel = row.into();
    if let Some(n) = form.name.as_deref() {
        match CategoryName::parse(n) {
            Ok(n) => active.name = Set(n.as_str().to_owned()),
            Err(e) => errors.push(e),
        }
    }
    if let Some(d) = form.description.as_deref() {
        use crate::shared::{catalog::DESCRIPTION_MAX_CHARS, text};
        match text::optional_block("description", d, DESCRIPTION_MAX_CHARS) {
            Ok(d) => active.description = Set(d),
            Err(e) => errors.push(e),
        }
    }
    if let Some(u) = form.image_url.as_deref() {
        match crate::shared::catalog::parse_image_url(u) {
            Ok(u) => active.image_url = Set(u),
            Err(e) => errors.push(FieldError::new("imageUrl", e)),
        }
    }
    if let Some(i) = form.icon.as_deref() {
        use crate::shared::{catalog::ICON_MAX_CHARS, text};
        match text::optional_line("icon", i, ICON_MAX_CHARS) {
            Ok(i) => active.icon = Set(i),
            Err(e) => errors.push(e),
        }
    }
    if let Some(o) = form.display_order {
        active.display_order = Set(o);
    }
    if let Some(a) = form.is_active {
        active.is_active = Set(a);
    }
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    active.updated_at = Set(Utc::now());
    Ok(active.update(db).await?.into())
}

/// What `delete` did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Removal {
    Deleted,
    /// Services still use it; with `force` it was deactivated instead.
    Deactivated,
}

/// Deletes a category no service uses. One in use is refused (409), or with `force` deactivated.
pub async fn delete_in<C: ConnectionTrait>(db: &C, id: Uuid, force: bool) -> AppResult<Removal> {
    use crate::server::{entities::services, error::AppError};
    use sea_orm::PaginatorTrait;
    let row = entity::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or_else(|| AppError::not_found("Category"))?;
    let used = services::Entity::find()
        .filter(services::Column::CategoryId.eq(id))
        .count(db)
        .await?;
    if used == 0 {
        entity::Entity::delete_by_id(id).exec(db).await?;
        return Ok(Removal::Deleted);
    }
    if !force {
        return Err(AppError::Conflict(format!(
            "{used} service(s) use this category. Move them first, or pass ?force=true to deactivate it instead."
        )));
    }
    let mut active: entity::ActiveModel = row.into();
    active.is_active = Set(false);
    active.updated_at = Set(Utc::now());
    active.update(db).await?;
    Ok(Removal::Deactivated)
}

/// Creates a category and announces it (`categories-updated`).
pub async fn create(state: &crate::server::state::AppState, new: NewCategory) -> AppResult<Category> {
    let category = create_in(&state.db, new).await?;
    announce(state, Action::Created, category.id);
    Ok(category)
}

pub async fn update(
    state: &crate::server::state::AppState,
    id: Uuid,
    form: &CategoryForm,
) -> AppResult<Category> {
    let category = update_in(&state.db, id, form).await?;
    announce(state, Action::Updated, id);
    Ok(category)
}

pub async fn delete(state: &crate::server::state::AppState, id: Uuid, force: bool) -> AppResult<Removal> {
    let removal = delete_in(&state.db, id, force).await?;
    let action = match removal {
        Removal::Deleted => Action::Deleted,
        Removal::Deactivated => Action::Updated,
    };
    announce(state, action, id);
    Ok(removal)
}

fn announce(state: &crate::server::state::AppState, action: Action, id: Uuid) {
    state.live.publish(Event::Category { action, id });
}
