//! The portal's server functions: the same thin-adapter rule as `/api/v1` (extract, authorise, call a
//! service, shape the result). Each has a fixed endpoint under `/api/fn/` so URLs stay stable.

use leptos::prelude::*;

use crate::shared::{catalog::Category, errors::PortalError, theme::Theme};

/// Every category, inactive ones included (the portal manages them; the public API hides them).
#[server(prefix = "/api/fn", endpoint = "list_categories")]
pub async fn list_categories() -> Result<Vec<Category>, PortalError> {
    use crate::server::catalog::categories::{self, Visibility};
    let state = ssr::state()?;
    categories::list(&state.db, Visibility::All)
        .await
        .map_err(ssr::portal_error)
}

/// Remembers the portal theme in the session (Redis or in-process).
#[server(prefix = "/api/fn", endpoint = "set_theme")]
pub async fn set_theme(theme: Theme) -> Result<(), PortalError> {
    use crate::server::sessions::THEME_KEY;
    let session: tower_sessions::Session = leptos_axum::extract().await.map_err(ssr::extract_error)?;
    session
        .insert(THEME_KEY, theme)
        .await
        .map_err(|e| ssr::portal_error(crate::server::error::AppError::Internal(e.into())))
}

#[cfg(feature = "ssr")]
pub(crate) mod ssr {
    //! Server-side glue: the one place an `AppError` becomes a `PortalError`.
    use leptos::prelude::*;
    use leptos_axum::ResponseOptions;

    use crate::server::{api::response::status_of, error::AppError, state::AppState};
    use crate::shared::errors::PortalError;

    pub fn state() -> Result<AppState, PortalError> {
        use_context::<AppState>().ok_or_else(|| {
            portal_error(AppError::Internal(anyhow::anyhow!(
                "AppState missing from context"
            )))
        })
    }

    pub fn portal_error(e: AppError) -> PortalError {
        let status = status_of(&e);
        if e.is_internal() {
            tracing::error!(error = %e, "server function failed");
        }
        if let Some(response) = use_context::<ResponseOptions>() {
            response.set_status(status);
        }
        PortalError {
            status: status.as_u16(),
            message: e.public_message(),
            errors: match e {
                AppError::Validation(errors) => errors,
                _ => Vec::new(),
            },
        }
    }

    /// server_fn answers every error it raises itself (undecodable arguments, unknown function) with
    /// 500. The `PortalError` body knows the real status; this puts it on the response too.
    pub async fn error_status(
        req: axum::extract::Request,
        next: axum::middleware::Next,
    ) -> axum::response::Response {
        let is_server_fn = req.uri().path().starts_with("/api/fn/");
        let response = next.run(req).await;
        if !is_server_fn
            || response.status() != http::StatusCode::INTERNAL_SERVER_ERROR
            || !response.headers().contains_key("serverfnerror")
        {
            return response;
        }
        let (mut parts, body) = response.into_parts();
        let bytes = axum::body::to_bytes(body, 64 * 1024).await.unwrap_or_default();
        if let Ok(err) = serde_json::from_slice::<PortalError>(&bytes) {
            if let Ok(status) = http::StatusCode::from_u16(err.status) {
                parts.status = status;
            }
        }
        axum::response::Response::from_parts(parts, axum::body::Body::from(bytes))
    }

    pub fn extract_error(e: impl std::fmt::Display) -> PortalError {
        portal_error(AppError::Internal(anyhow::anyhow!("extractor failed: {e}")))
    }
}
