//! The academy for the portal (`courses.manage`): courses (list with a text and an active filter,
//! create and edit, switch on and off, delete) and the applications people send to them (list by
//! course, status and text; accept or reject), through `server::academy` (the same rules as
//! `/api/v1/courses`).

use leptos::prelude::*;
use leptos::server_fn::codec::Json;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::shared::{
    courses::{Application, ApplicationStatus, Course, CourseForm},
    errors::PortalError,
    paging::Pagination,
};

/// Courses a page of the portal's list.
pub const COURSE_PAGE_SIZE: u64 = 24;
/// Applications a page of the portal's list.
pub const APPLICATION_PAGE_SIZE: u64 = 25;

/// One page of courses, by title.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CourseBoard {
    pub courses: Vec<Course>,
    pub pagination: Pagination,
}

/// One page of applications, newest first, and every course (for the course filter).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ApplicationBoard {
    pub applications: Vec<Application>,
    pub pagination: Pagination,
    pub courses: Vec<(Uuid, String)>,
}

/// A page of courses; `active` is `true`, `false` or empty for all.
#[server(prefix = "/api/fn", endpoint = "load_courses", input = Json)]
pub async fn load_courses(search: String, active: String, page: u64) -> Result<CourseBoard, PortalError> {
    use crate::server::{academy::courses, error::AppError, portal};
    use crate::shared::{
        courses::CourseFilter, errors::FieldError, paging::PageRequest, permissions::Permission, text,
    };
    let (state, _) = portal::authorize(Permission::CoursesManage).await?;
    let is_active = match active.trim() {
        "" | "all" => None,
        "true" => Some(true),
        "false" => Some(false),
        _ => {
            return Err(portal::portal_error(AppError::Validation(vec![FieldError::new(
                "active",
                "Must be true, false or empty",
            )])))
        }
    };
    let search = text::optional_line("search", &search, text::SEARCH_MAX_CHARS)
        .map_err(|e| portal::portal_error(AppError::Validation(vec![e])))?;
    let (courses, pagination) = courses::list(
        &state.db,
        &CourseFilter { search, is_active },
        true,
        PageRequest {
            page: page.clamp(1, u64::MAX / 1024),
            limit: COURSE_PAGE_SIZE,
        },
    )
    .await
    .map_err(portal::portal_error)?;
    Ok(CourseBoard { courses, pagination })
}

/// Creates a course (`id` empty) or changes one.
#[server(prefix = "/api/fn", endpoint = "save_course", input = Json)]
pub async fn save_course(id: Option<Uuid>, form: CourseForm) -> Result<Course, PortalError> {
    use crate::server::{academy::courses, error::AppError, portal};
    use crate::shared::permissions::Permission;
    let (state, p) = portal::authorize(Permission::CoursesManage).await?;
    let changes = form
        .parse(id.is_none())
        .map_err(|e| portal::portal_error(AppError::Validation(e)))?;
    match id {
        None => courses::create(&state, p.user.id, changes).await,
        Some(id) => courses::update(&state, p.user.id, id, changes).await,
    }
    .map_err(portal::portal_error)
}

/// Deletes a course nobody applied to; one with applications is deactivated instead. Says which.
#[server(prefix = "/api/fn", endpoint = "delete_course", input = Json)]
pub async fn delete_course(id: Uuid) -> Result<String, PortalError> {
    use crate::server::{academy::courses, catalog::offers::Removal, portal};
    use crate::shared::permissions::Permission;
    let (state, p) = portal::authorize(Permission::CoursesManage).await?;
    Ok(
        match courses::delete(&state, p.user.id, id)
            .await
            .map_err(portal::portal_error)?
        {
            Removal::Deleted => "Course deleted".to_owned(),
            Removal::Deactivated => {
                "People applied to this course, so it was deactivated and kept".to_owned()
            }
        },
    )
}

/// A page of applications; `status` is `pending`, `accepted`, `rejected` or empty (`all`) for all.
#[server(prefix = "/api/fn", endpoint = "load_applications", input = Json)]
pub async fn load_applications(
    course_id: Option<Uuid>,
    status: String,
    search: String,
    page: u64,
) -> Result<ApplicationBoard, PortalError> {
    use crate::server::{
        academy::{applications, courses},
        error::AppError,
        portal,
    };
    use crate::shared::{
        courses::{ApplicationFilter, CourseFilter},
        paging::PageRequest,
        permissions::Permission,
        text,
    };
    let (state, _) = portal::authorize(Permission::CoursesManage).await?;
    let status = ApplicationStatus::parse_filter(Some(&status))
        .map_err(|e| portal::portal_error(AppError::Validation(vec![e])))?;
    let search = text::optional_line("search", &search, text::SEARCH_MAX_CHARS)
        .map_err(|e| portal::portal_error(AppError::Validation(vec![e])))?;
    let (applications, pagination) = applications::list(
        &state.db,
        &ApplicationFilter {
            course_id,
            status,
            search,
        },
        PageRequest {
            page: page.clamp(1, u64::MAX / 1024),
            limit: APPLICATION_PAGE_SIZE,
        },
    )
    .await
    .map_err(portal::portal_error)?;
    let (all, _) = courses::list(
        &state.db,
        &CourseFilter::default(),
        true,
        PageRequest { page: 1, limit: 500 },
    )
    .await
    .map_err(portal::portal_error)?;
    Ok(ApplicationBoard {
        applications,
        pagination,
        courses: all.into_iter().map(|c| (c.id, c.title)).collect(),
    })
}

/// Accepts or rejects a waiting application (409 when someone decided it already).
#[server(prefix = "/api/fn", endpoint = "decide_application", input = Json)]
pub async fn decide_application(id: Uuid, status: ApplicationStatus) -> Result<Application, PortalError> {
    use crate::server::{academy::applications, portal};
    use crate::shared::permissions::Permission;
    let (state, p) = portal::authorize(Permission::CoursesManage).await?;
    applications::decide(&state, p.user.id, id, status)
        .await
        .map_err(portal::portal_error)
}
