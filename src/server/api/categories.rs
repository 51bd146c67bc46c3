//! `GET /api/v1/categories` (public): active categories in display order.

use axum::extract::State;
use serde::Serialize;

use super::response::{ApiOk, ApiResult};
use crate::server::{catalog::categories, state::AppState};
use crate::shared::catalog::Category;

#[derive(Serialize)]
pub struct CategoryList {
    categories: Vec<Category>,
}

pub async fn list(State(state): State<AppState>) -> ApiResult<CategoryList> {
    let categories = categories::list(&state.db, categories::Visibility::ActiveOnly).await?;
    Ok(ApiOk::new(CategoryList { categories }))
}
