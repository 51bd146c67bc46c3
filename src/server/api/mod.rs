//! `/api/v1`: the mobile app's JSON API. Handlers only extract, authorise, call the service layer
//! and shape the response; rules live in the services.

mod academy;
mod admin;
mod auth;
mod booking;
mod catalog;
mod categories;
mod community;
pub mod extract;
pub mod input;
mod media;
mod notifications;
mod offers;
mod payments;
mod permissions;
mod reports;
pub mod response;
mod support;

use axum::{
    extract::OriginalUri,
    http::{header, HeaderValue},
    response::IntoResponse,
    routing::{delete, get, post, put},
    Router,
};
use tower_http::set_header::SetResponseHeaderLayer;

use super::state::AppState;
use response::ApiError;

pub use media::serve as serve_upload;

pub fn router(state: &AppState) -> Router<AppState> {
    // Answers that carry tokens or account data must never be cached (as the old backend did).
    let private = Router::new()
        .route("/auth/register", post(auth::register))
        .route("/auth/verify-email", post(auth::verify_email))
        .route("/auth/resend-verification", post(auth::resend_verification))
        .route("/auth/forgot-password-otp", post(auth::forgot_password_otp))
        .route("/auth/reset-password-otp", post(auth::reset_password_otp))
        .route("/auth/forgot-password", post(auth::forgot_password))
        .route("/auth/reset-password", post(auth::reset_password))
        .route("/auth/setup-password/{token}", get(auth::setup_password_info))
        .route("/auth/set-password", post(auth::set_password))
        .route("/users/assign-role", post(auth::assign_role))
        .route("/users/assign-role-multiple", post(auth::assign_role_multiple))
        .route("/auth/login", post(auth::login))
        .route("/auth/google", post(auth::google))
        .route("/auth/guest", post(auth::guest))
        .route("/auth/refresh-token", post(auth::refresh))
        .route("/auth/logout", post(auth::logout))
        .route("/auth/me", get(auth::me))
        .route("/auth/change-password", post(auth::change_password))
        .route(
            "/auth/send-change-password-otp",
            post(auth::send_change_password_otp),
        )
        .route("/auth/change-password-otp", post(auth::change_password_otp))
        .route("/profile", get(auth::profile).put(auth::update_profile))
        .route("/permissions", get(permissions::list))
        .route("/roles", get(admin::list_roles).post(admin::create_role))
        .route(
            "/roles/{id}",
            get(admin::get_role)
                .put(admin::update_role)
                .delete(admin::delete_role),
        )
        .route(
            "/roles/{id}/permissions",
            axum::routing::put(admin::set_role_permissions),
        )
        .route("/upload-image", post(media::upload))
        .route("/notifications/save-token", post(notifications::save_token))
        .route("/notifications/clear-token", post(notifications::clear_token))
        .route("/notifications/my", get(notifications::mine))
        .route("/notifications/read-all", post(notifications::read_all))
        .route("/notifications/{id}/read", post(notifications::read))
        .route("/users", get(admin::list_users))
        .route("/presence", get(admin::presence))
        .route(
            "/users/{id}",
            get(admin::get_user)
                .put(admin::update_user)
                .delete(admin::delete_user),
        )
        .route("/audit-log", get(admin::audit_log))
        .route("/reviews/my", get(community::mine))
        .route("/reviews/my-course-reviews", get(community::my_course_reviews))
        .route("/reviews/by-appointment/{id}", get(community::by_appointment))
        .route("/reviews", post(community::create))
        .route("/reviews/course", post(community::create_for_course))
        .route("/reviews/admin", get(community::list_admin))
        .route("/reviews/{id}/moderation", put(community::moderate))
        .route(
            "/favorites",
            get(community::list_favorites).post(community::add_favorite),
        )
        .route(
            "/favorites/{item_type}/{item_id}",
            delete(community::remove_favorite),
        )
        .route(
            "/favorites/check/{item_type}/{item_id}",
            get(community::check_favorite),
        )
        .route("/courses/{id}/apply", post(academy::apply))
        .route("/courses/admin/applications", get(academy::list_applications))
        .route("/courses/admin/applications/{id}", put(academy::decide))
        .route("/blogs/admin", get(community::list_blogs_admin))
        .route("/support/tickets", get(support::list).post(support::open))
        .route("/support/tickets/my", get(support::mine))
        .route(
            "/support/tickets/{id}",
            get(support::get)
                .put(support::update)
                .post(support::update)
                .delete(support::delete),
        )
        .route("/reports/sales", get(reports::sales))
        .route("/reports/data", get(reports::data))
        .route("/reports/transactions", get(reports::transactions))
        .route("/reports/transactions/export", get(reports::export))
        .route("/offers/admin", get(offers::list_admin))
        .route("/payments/create-intent", post(payments::create_intent))
        .route("/payments/confirm-appointment", post(payments::confirm))
        .route("/payments/webhook", post(payments::stripe_webhook))
        .route("/payments/jazzcash/initiate", post(payments::jazzcash_initiate))
        .route("/payments/jazzcash/return", post(payments::jazzcash_return))
        .route("/payments/jazzcash/notify", post(payments::jazzcash_notify))
        .route(
            "/payments/jazzcash/status/{txn_ref}",
            get(payments::jazzcash_status),
        )
        .route("/payments/admin", get(payments::list_admin))
        .route("/payments/{id}/refund", post(payments::refund))
        .route("/dashboard/stats", get(booking::dashboard))
        .route(
            "/settings",
            get(booking::get_settings).put(booking::update_settings),
        )
        .route("/appointments", get(booking::list_all).post(booking::book))
        .route("/appointments/my", get(booking::mine))
        .route("/appointments/recent", get(booking::recent))
        .route("/appointments/admin", post(booking::book_for))
        .route(
            "/appointments/{id}",
            get(booking::get_one).delete(booking::delete),
        )
        .route("/appointments/{id}/status", put(booking::set_status))
        .route("/appointments/{id}/pay", put(booking::pay))
        .route("/appointments/{id}/reschedule", put(booking::reschedule))
        .route("/appointments/{id}/cancel", delete(booking::cancel))
        .route(
            "/experts/{id}/time-off",
            get(booking::list_time_off).post(booking::add_time_off),
        )
        .route(
            "/experts/{id}/time-off/{off_id}",
            delete(booking::delete_time_off),
        )
        .layer(SetResponseHeaderLayer::overriding(
            header::CACHE_CONTROL,
            HeaderValue::from_static("no-store"),
        ));
    // The public catalog, the same for every caller: its GET answers come from the catalog cache
    // (with ETags); writes pass through it.
    let catalog = Router::new()
        .route(
            "/categories",
            get(categories::list).post(catalog::create_category),
        )
        .route(
            "/categories/{id}",
            get(catalog::get_category)
                .put(catalog::update_category)
                .delete(catalog::delete_category),
        )
        .route(
            "/services",
            get(catalog::list_services).post(catalog::create_service),
        )
        .route(
            "/services/{id}",
            get(catalog::get_service)
                .put(catalog::update_service)
                .delete(catalog::delete_service),
        )
        .route(
            "/experts",
            get(catalog::list_experts).post(catalog::create_expert),
        )
        .route(
            "/experts/{id}",
            get(catalog::get_expert)
                .put(catalog::update_expert)
                .delete(catalog::delete_expert),
        )
        .route("/offers", get(offers::list).post(offers::create))
        .route_layer(axum::middleware::from_fn_with_state(
            state.clone(),
            crate::server::catalog::cache::serve,
        ));
    Router::new()
        .merge(private)
        .merge(catalog)
        .route("/health", get(health))
        .route(
            "/experts/{id}/working-hours",
            get(booking::get_hours).put(booking::put_hours),
        )
        .route(
            "/closures",
            get(booking::list_closures).post(booking::add_closure),
        )
        .route("/closures/{id}", delete(booking::delete_closure))
        .route("/availability", get(booking::get_availability))
        .route("/gallery", get(media::gallery))
        .route(
            "/offers/{id}",
            get(offers::get).put(offers::update).delete(offers::delete),
        )
        .route("/courses", get(academy::list).post(academy::create))
        .route(
            "/courses/{id}",
            get(academy::get).put(academy::update).delete(academy::delete),
        )
        .route("/blogs", get(community::list_blogs).post(community::create_blog))
        .route(
            "/blogs/{id}",
            get(community::get_blog)
                .put(community::update_blog)
                .delete(community::delete_blog),
        )
        .route("/reviews/by-service/{id}", get(community::by_service))
        .route("/reviews/by-course/{id}", get(community::by_course))
        // The contract's 404 is JSON, never the portal's HTML page.
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
}

async fn method_not_allowed() -> impl IntoResponse {
    (
        axum::http::StatusCode::METHOD_NOT_ALLOWED,
        axum::Json(serde_json::json!({ "success": false, "message": "Method not allowed" })),
    )
}

/// Liveness in the API's envelope (the old backend had it; monitors may still call it).
async fn health() -> impl IntoResponse {
    response::ApiOk::new(serde_json::json!({ "status": "ok" })).message("OK")
}

/// `OriginalUri`: inside `nest`, the plain `Uri` has lost its `/api/v1` prefix.
async fn not_found(OriginalUri(uri): OriginalUri) -> impl IntoResponse {
    ApiError::route_not_found(uri.path())
}
