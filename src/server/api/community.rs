//! Reviews (contract §2.7), favorites (§2.8) and blog posts (§2.4).

use axum::{
    extract::{Path, State},
    http::HeaderMap,
};
use serde_json::{json, Value};

use super::{
    catalog::{bool_param, page_param, uuid_param, validated},
    extract::{bearer_token, param, path_id, CurrentUser, Params},
    input::{Json, Query},
    response::{ApiOk, ApiResult},
};
use crate::server::{
    community::{blogs, favorites, reviews},
    error::AppError,
    identity::access::{self, Caller},
    state::AppState,
};
use crate::shared::{
    blogs::BlogForm,
    errors::FieldError,
    favorites::{FavoriteForm, ItemType},
    permissions::Permission,
    reviews::{HideForm, ReviewFilter, ReviewForm},
};

// ---- reviews ----

pub async fn by_service(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Query(q): Params,
) -> ApiResult<Value> {
    let mut errors = Vec::new();
    let page = validated(page_param(&q, 100, &mut errors), errors)?;
    let (list, pagination) = reviews::by_service(&state.db, path_id(&id, "Service")?, page).await?;
    Ok(ApiOk::new(json!({
        "reviews": list.reviews,
        "averageRating": list.average_rating,
        "totalCount": list.total_count,
        "pagination": pagination,
    })))
}

pub async fn by_course(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Query(q): Params,
) -> ApiResult<Value> {
    let mut errors = Vec::new();
    let page = validated(page_param(&q, 100, &mut errors), errors)?;
    let (list, pagination) = reviews::by_course(&state.db, path_id(&id, "Course")?, page).await?;
    Ok(ApiOk::new(json!({
        "reviews": list.reviews,
        "averageRating": list.average_rating,
        "totalCount": list.total_count,
        "pagination": pagination,
    })))
}

pub async fn mine(State(state): State<AppState>, user: CurrentUser) -> ApiResult<Value> {
    let list = reviews::mine(&state.db, user.0.user.id).await?;
    Ok(ApiOk::new(json!({ "reviews": list })))
}

pub async fn my_course_reviews(State(state): State<AppState>, user: CurrentUser) -> ApiResult<Value> {
    let list = reviews::my_course_reviews(&state.db, user.0.user.id).await?;
    Ok(ApiOk::new(json!({ "reviews": list })))
}

pub async fn by_appointment(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
) -> ApiResult<Value> {
    let review = reviews::by_appointment(&state.db, user.0.user.id, path_id(&id, "Appointment")?).await?;
    Ok(ApiOk::new(json!({ "review": review })))
}

pub async fn create(
    State(state): State<AppState>,
    user: CurrentUser,
    Json(form): Json<ReviewForm>,
) -> ApiResult<Value> {
    let new = form.parse(false).map_err(AppError::Validation)?;
    let review = reviews::create(&state, user.0.user.id, new).await?;
    Ok(ApiOk::created(json!({ "review": review })).message("Thank you for your review"))
}

pub async fn create_for_course(
    State(state): State<AppState>,
    user: CurrentUser,
    Json(form): Json<ReviewForm>,
) -> ApiResult<Value> {
    let new = form.parse(true).map_err(AppError::Validation)?;
    let review = reviews::create(&state, user.0.user.id, new).await?;
    Ok(ApiOk::created(json!({ "review": review })).message("Thank you for your review"))
}

/// `GET /reviews/admin?kind=service|course&serviceId&expertId&courseId&hidden&minRating` [reviews.moderate].
pub async fn list_admin(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(q): Params,
) -> ApiResult<Value> {
    user.require(Permission::ReviewsModerate)?;
    let mut errors = Vec::new();
    let courses = match param(&q, "kind") {
        None | Some("service") => false,
        Some("course") => true,
        Some(_) => {
            errors.push(FieldError::new("kind", "kind must be service or course"));
            false
        }
    };
    let min_rating = param(&q, "minRating").and_then(|v| match v.parse::<u8>() {
        Ok(n @ 1..=5) => Some(n),
        _ => {
            errors.push(FieldError::new("minRating", "minRating must be 1 to 5"));
            None
        }
    });
    let filter = ReviewFilter {
        service_id: uuid_param(&q, "serviceId", &mut errors),
        expert_id: uuid_param(&q, "expertId", &mut errors),
        course_id: uuid_param(&q, "courseId", &mut errors),
        courses,
        hidden: bool_param(&q, "hidden", &mut errors),
        min_rating,
    };
    let page = page_param(&q, 50, &mut errors);
    let (filter, page) = validated((filter, page), errors)?;
    let (list, pagination) = reviews::list(&state.db, &filter, page).await?;
    Ok(ApiOk::new(json!({ "reviews": list, "pagination": pagination })))
}

/// `PUT /reviews/:id/moderation {hidden, reason}` [reviews.moderate].
pub async fn moderate(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
    Json(form): Json<HideForm>,
) -> ApiResult<Value> {
    user.require(Permission::ReviewsModerate)?;
    let what = form.parse().map_err(AppError::Validation)?;
    let review = reviews::moderate(&state, user.0.user.id, path_id(&id, "Review")?, what).await?;
    Ok(ApiOk::new(json!({ "review": review })))
}

// ---- favorites ----

fn item_type(raw: &str) -> Result<ItemType, AppError> {
    ItemType::parse(raw).ok_or_else(|| AppError::field("itemType", "itemType must be service or course"))
}

pub async fn list_favorites(State(state): State<AppState>, user: CurrentUser) -> ApiResult<Value> {
    let list = favorites::list(&state.db, user.0.user.id).await?;
    Ok(ApiOk::new(json!({ "favorites": list })))
}

pub async fn add_favorite(
    State(state): State<AppState>,
    user: CurrentUser,
    Json(form): Json<FavoriteForm>,
) -> ApiResult<Value> {
    let (kind, id) = form.parse().map_err(AppError::Validation)?;
    let new = favorites::add(&state.db, user.0.user.id, kind, id).await?;
    let body = json!({ "itemType": kind, "itemId": id, "isFavorite": true });
    Ok(if new {
        ApiOk::created(body).message("Added to favorites")
    } else {
        ApiOk::new(body).message("Already in favorites")
    })
}

pub async fn remove_favorite(
    State(state): State<AppState>,
    user: CurrentUser,
    Path((kind, id)): Path<(String, String)>,
) -> ApiResult<Value> {
    let kind = item_type(&kind)?;
    let id = uuid::Uuid::parse_str(id.trim()).map_err(|_| AppError::NotFound("Favorite not found".into()))?;
    favorites::remove(&state.db, user.0.user.id, kind, id).await?;
    Ok(
        ApiOk::new(json!({ "itemType": kind, "itemId": id, "isFavorite": false }))
            .message("Removed from favorites"),
    )
}

pub async fn check_favorite(
    State(state): State<AppState>,
    user: CurrentUser,
    Path((kind, id)): Path<(String, String)>,
) -> ApiResult<Value> {
    let kind = item_type(&kind)?;
    let found = match uuid::Uuid::parse_str(id.trim()) {
        Ok(id) => favorites::contains(&state.db, user.0.user.id, kind, id).await?,
        Err(_) => false,
    };
    Ok(ApiOk::new(json!({ "isFavorite": found })))
}

// ---- blogs ----

pub async fn list_blogs(State(state): State<AppState>, Query(q): Params) -> ApiResult<Value> {
    let mut errors = Vec::new();
    let page = validated(page_param(&q, 100, &mut errors), errors)?;
    let (list, pagination) = blogs::list(&state.db, false, None, page).await?;
    Ok(ApiOk::new(json!({ "blogs": list, "pagination": pagination })))
}

/// `GET /blogs/admin?search` [offers.manage]: hidden posts too.
pub async fn list_blogs_admin(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(q): Params,
) -> ApiResult<Value> {
    user.require(Permission::OffersManage)?;
    let mut errors = Vec::new();
    let page = validated(page_param(&q, 100, &mut errors), errors)?;
    let (list, pagination) = blogs::list(&state.db, true, param(&q, "search"), page).await?;
    Ok(ApiOk::new(json!({ "blogs": list, "pagination": pagination })))
}

pub async fn get_blog(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> ApiResult<Value> {
    let id = path_id(&id, "Blog")?;
    let staff = match bearer_token(&headers) {
        Some(token) => matches!(
            access::caller(&state, token).await,
            Ok(Caller::User(p)) if p.can(Permission::OffersManage)
        ),
        None => false,
    };
    Ok(ApiOk::new(
        json!({ "blog": blogs::get(&state.db, id, staff).await? }),
    ))
}

pub async fn create_blog(
    State(state): State<AppState>,
    user: CurrentUser,
    Json(form): Json<BlogForm>,
) -> ApiResult<Value> {
    user.require(Permission::OffersManage)?;
    let changes = form.parse(true).map_err(AppError::Validation)?;
    let blog = blogs::create(&state, user.0.user.id, changes).await?;
    Ok(ApiOk::created(json!({ "blog": blog })).message("Post created"))
}

pub async fn update_blog(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
    Json(form): Json<BlogForm>,
) -> ApiResult<Value> {
    user.require(Permission::OffersManage)?;
    let changes = form.parse(false).map_err(AppError::Validation)?;
    let blog = blogs::update(&state, user.0.user.id, path_id(&id, "Blog")?, changes).await?;
    Ok(ApiOk::new(json!({ "blog": blog })).message("Post updated"))
}

pub async fn delete_blog(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
) -> ApiResult<Value> {
    user.require(Permission::OffersManage)?;
    blogs::delete(&state, user.0.user.id, path_id(&id, "Blog")?).await?;
    Ok(ApiOk::new(json!({})).message("Post deleted"))
}
