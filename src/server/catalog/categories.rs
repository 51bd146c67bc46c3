//! Category use cases, shared by `/api/v1/categories` and the portal's server functions.

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

pub async fn create<C: ConnectionTrait>(db: &C, new: NewCategory) -> AppResult<Category> {
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
