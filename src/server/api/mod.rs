//! `/api/v1`: the mobile app's JSON API. Handlers only extract, authorise, call the service layer
//! and shape the response; rules live in the services.

mod categories;
pub mod response;

use axum::{extract::OriginalUri, response::IntoResponse, routing::get, Router};

use super::state::AppState;
use response::ApiError;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/categories", get(categories::list))
        // The contract's 404 is JSON, never the portal's HTML page.
        .fallback(not_found)
}

/// `OriginalUri`: inside `nest`, the plain `Uri` has lost its `/api/v1` prefix.
async fn not_found(OriginalUri(uri): OriginalUri) -> impl IntoResponse {
    ApiError::route_not_found(uri.path())
}
