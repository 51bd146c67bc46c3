//! Courses and their applications (contract §2.4): the public list and detail, applying with or
//! without an account, and the staff CRUD and decisions under `courses.manage`.

use axum::{
    extract::{Path, State},
    http::HeaderMap,
};
use serde::Deserialize;
use serde_json::{json, Value};

use super::{
    catalog::{bool_param, page_param, uuid_param, validated},
    extract::{bearer_token, param, path_id, CurrentUser, Params},
    input::{Json, Query},
    response::{ApiOk, ApiResult},
};
use crate::server::{
    academy::{applications, courses},
    catalog::offers::Removal,
    error::AppError,
    identity::access::{self, Caller},
    state::AppState,
};
use crate::shared::{
    courses::{ApplicationFilter, ApplicationStatus, ApplyForm, CourseFilter, CourseForm},
    permissions::Permission,
};

/// The caller behind an optional bearer token: none, a guest, or an account. A token that is sent
/// must be valid (the same rules as every other route).
async fn optional_caller(state: &AppState, headers: &HeaderMap) -> Result<Option<Caller>, AppError> {
    match bearer_token(headers) {
        Some(token) => Ok(Some(access::caller(state, token).await?)),
        None => Ok(None),
    }
}

fn is_staff(caller: &Option<Caller>) -> bool {
    matches!(caller, Some(Caller::User(p)) if p.can(Permission::CoursesManage))
}

/// `GET /courses?search&isActive&page&limit`: every active course in one page unless a limit is
/// asked for (the app's un-paginated call gets them all). Staff see inactive ones too.
pub async fn list(State(state): State<AppState>, headers: HeaderMap, Query(q): Params) -> ApiResult<Value> {
    let mut errors = Vec::new();
    let filter = CourseFilter {
        search: param(&q, "search").map(str::to_owned),
        is_active: bool_param(&q, "isActive", &mut errors),
    };
    let page = page_param(&q, 500, &mut errors);
    let (filter, page) = validated((filter, page), errors)?;
    let staff = if filter.is_active == Some(true) {
        false
    } else {
        is_staff(&optional_caller(&state, &headers).await.unwrap_or(None))
    };
    let (list, pagination) = courses::list(&state.db, &filter, staff, page).await?;
    Ok(ApiOk::new(json!({ "courses": list, "pagination": pagination })))
}

pub async fn get(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> ApiResult<Value> {
    let id = path_id(&id, "Course")?;
    let staff = is_staff(&optional_caller(&state, &headers).await.unwrap_or(None));
    let course = courses::get(&state.db, id, staff).await?;
    Ok(ApiOk::new(json!({ "course": course })))
}

pub async fn create(
    State(state): State<AppState>,
    user: CurrentUser,
    Json(form): Json<CourseForm>,
) -> ApiResult<Value> {
    user.require(Permission::CoursesManage)?;
    let changes = form.parse(true).map_err(AppError::Validation)?;
    let course = courses::create(&state, user.0.user.id, changes).await?;
    Ok(ApiOk::created(json!({ "course": course })).message("Course created"))
}

pub async fn update(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
    Json(form): Json<CourseForm>,
) -> ApiResult<Value> {
    user.require(Permission::CoursesManage)?;
    let id = path_id(&id, "Course")?;
    let changes = form.parse(false).map_err(AppError::Validation)?;
    let course = courses::update(&state, user.0.user.id, id, changes).await?;
    Ok(ApiOk::new(json!({ "course": course })).message("Course updated"))
}

pub async fn delete(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
) -> ApiResult<Value> {
    user.require(Permission::CoursesManage)?;
    let message = match courses::delete(&state, user.0.user.id, path_id(&id, "Course")?).await? {
        Removal::Deleted => "Course deleted",
        Removal::Deactivated => "People have applied to this course, so it was deactivated instead",
    };
    Ok(ApiOk::new(json!({})).message(message))
}

/// `POST /courses/:id/apply`: with a token (its account fills in what the form leaves out) or
/// without one (the newer app's guests).
pub async fn apply(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Json(form): Json<ApplyForm>,
) -> ApiResult<Value> {
    let id = path_id(&id, "Course")?;
    let caller = optional_caller(&state, &headers).await?;
    let principal = match &caller {
        Some(Caller::User(p)) => Some(p.as_ref()),
        _ => None,
    };
    let application = applications::apply(&state, id, principal, &form).await?;
    Ok(ApiOk::created(json!({ "application": application }))
        .message("Application submitted. We will contact you soon."))
}

/// `GET /courses/admin/applications?courseId&status&search&page&limit` [courses.manage].
pub async fn list_applications(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(q): Params,
) -> ApiResult<Value> {
    user.require(Permission::CoursesManage)?;
    let mut errors = Vec::new();
    let status = ApplicationStatus::parse_filter(param(&q, "status")).unwrap_or_else(|e| {
        errors.push(e);
        None
    });
    let filter = ApplicationFilter {
        course_id: uuid_param(&q, "courseId", &mut errors),
        status,
        search: param(&q, "search").map(str::to_owned),
    };
    let page = page_param(&q, 100, &mut errors);
    let (filter, page) = validated((filter, page), errors)?;
    let (list, pagination) = applications::list(&state.db, &filter, page).await?;
    Ok(ApiOk::new(
        json!({ "applications": list, "pagination": pagination }),
    ))
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct DecisionForm {
    status: Option<String>,
}

/// `PUT /courses/admin/applications/:id {status: accepted|rejected}` [courses.manage].
pub async fn decide(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
    Json(form): Json<DecisionForm>,
) -> ApiResult<Value> {
    user.require(Permission::CoursesManage)?;
    let id = path_id(&id, "Application")?;
    let decision = form
        .status
        .as_deref()
        .and_then(ApplicationStatus::parse)
        .filter(|s| *s != ApplicationStatus::Pending)
        .ok_or_else(|| AppError::field("status", "status must be accepted or rejected"))?;
    let application = applications::decide(&state, user.0.user.id, id, decision).await?;
    Ok(
        ApiOk::new(json!({ "application": application })).message(match decision {
            ApplicationStatus::Accepted => "Application accepted",
            _ => "Application rejected",
        }),
    )
}
