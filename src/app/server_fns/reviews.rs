//! Review moderation for the portal (`reviews.moderate`): service or course reviews, filtered, with
//! hidden ones and their reasons; hide with a reason or show again, through
//! `server::community::reviews` (as `/api/v1/reviews/admin` and `/reviews/:id/moderation`).

use leptos::prelude::*;
use leptos::server_fn::codec::Json;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::shared::{
    errors::PortalError,
    paging::Pagination,
    reviews::{HideForm, Review},
};

/// Reviews per page.
pub const REVIEW_PAGE_SIZE: u64 = 20;

/// One page of reviews, and the services and experts the filters offer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReviewBoard {
    pub reviews: Vec<Review>,
    pub pagination: Pagination,
    pub services: Vec<(Uuid, String)>,
    pub experts: Vec<(Uuid, String)>,
}

/// A page of reviews, newest first. `kind` is `service` (or empty) or `course`; the service and
/// expert filters apply to service reviews; `hidden` is empty (all), `true` or `false`.
#[server(prefix = "/api/fn", endpoint = "load_reviews", input = Json)]
pub async fn load_reviews(
    kind: String,
    service_id: Option<Uuid>,
    expert_id: Option<Uuid>,
    hidden: String,
    page: u64,
) -> Result<ReviewBoard, PortalError> {
    use crate::server::{catalog, community::reviews, error::AppError, portal};
    use crate::shared::{
        errors::FieldError, paging::PageRequest, permissions::Permission, reviews::ReviewFilter,
    };
    let (state, _) = portal::authorize(Permission::ReviewsModerate).await?;
    let mut errors = Vec::new();
    let courses = match kind.trim() {
        "" | "service" | "services" => false,
        "course" | "courses" => true,
        _ => {
            errors.push(FieldError::new("kind", "Kind must be service or course."));
            false
        }
    };
    let hidden = match hidden.trim() {
        "" | "all" => None,
        "true" => Some(true),
        "false" => Some(false),
        _ => {
            errors.push(FieldError::new(
                "hidden",
                "Visibility must be all, true or false.",
            ));
            None
        }
    };
    if !errors.is_empty() {
        return Err(portal::portal_error(AppError::Validation(errors)));
    }
    let filter = ReviewFilter {
        service_id: if courses { None } else { service_id },
        expert_id: if courses { None } else { expert_id },
        course_id: None,
        courses,
        hidden,
        min_rating: None,
    };
    let request = PageRequest {
        page: page.clamp(1, u64::MAX / 1024),
        limit: REVIEW_PAGE_SIZE,
    };
    let (list, pagination) = reviews::list(&state.db, &filter, request)
        .await
        .map_err(portal::portal_error)?;
    let all = PageRequest { page: 1, limit: 500 };
    let (services, _) = catalog::services::list(&state.db, &catalog::services::Filter::default(), all)
        .await
        .map_err(portal::portal_error)?;
    let (experts, _) = catalog::experts::list(&state.db, &catalog::experts::Filter::default(), all)
        .await
        .map_err(portal::portal_error)?;
    Ok(ReviewBoard {
        reviews: list,
        pagination,
        services: services.into_iter().map(|s| (s.id, s.name)).collect(),
        experts: experts.into_iter().map(|e| (e.id, e.name)).collect(),
    })
}

/// Hides a review with a reason, or shows it again (`hidden: false`).
#[server(prefix = "/api/fn", endpoint = "moderate_review", input = Json)]
pub async fn moderate_review(id: Uuid, form: HideForm) -> Result<Review, PortalError> {
    use crate::server::{community::reviews, error::AppError, portal};
    use crate::shared::permissions::Permission;
    let (state, p) = portal::authorize(Permission::ReviewsModerate).await?;
    let what = form
        .parse()
        .map_err(|e| portal::portal_error(AppError::Validation(e)))?;
    reviews::moderate(&state, p.user.id, id, what)
        .await
        .map_err(portal::portal_error)
}
