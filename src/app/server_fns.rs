//! The portal's server functions: the same thin-adapter rule as `/api/v1` (extract, authorise, call a
//! service, shape the result). Each has a fixed endpoint under `/api/fn/` so URLs stay stable.

use leptos::prelude::*;

use crate::shared::{catalog::Category, errors::PortalError, theme::Theme};

/// Every category, inactive ones included (the portal manages them; the public API hides them).
#[server(prefix = "/api/fn", endpoint = "list_categories")]
pub async fn list_categories() -> Result<Vec<Category>, PortalError> {
    use crate::server::{
        catalog::categories::{self, Visibility},
        portal,
    };
    // TODO(identity issue): require `services.view` once portal sign-in exists.
    let state = portal::state()?;
    categories::list(&state.db, Visibility::All)
        .await
        .map_err(portal::portal_error)
}

/// Remembers the portal theme in the session (Redis or in-process).
#[server(prefix = "/api/fn", endpoint = "set_theme")]
pub async fn set_theme(theme: Theme) -> Result<(), PortalError> {
    use crate::server::{portal, sessions};
    let session: tower_sessions::Session = leptos_axum::extract().await.map_err(portal::internal)?;
    sessions::set_theme(&session, theme)
        .await
        .map_err(portal::internal)
}
