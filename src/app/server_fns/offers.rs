//! Offers for the portal (`offers.manage`): the list with its status and text filters, create and
//! edit, switch on and off, and delete, through `server::catalog::offers` (the same rules as
//! `/api/v1/offers`).

use leptos::prelude::*;
use leptos::server_fn::codec::Json;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::shared::{
    errors::PortalError,
    offers::{Offer, OfferForm},
};

/// The list and what the form needs: the business's today (for the status badges) and the
/// services an offer can be for.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OfferBoard {
    pub offers: Vec<Offer>,
    pub total: u64,
    pub today: chrono::NaiveDate,
    pub services: Vec<(Uuid, String)>,
}

/// Up to 200 offers, newest first; `status` is `active`, `upcoming`, `expired`, `inactive` or
/// empty for all.
#[server(prefix = "/api/fn", endpoint = "load_offers", input = Json)]
pub async fn load_offers(status: String, search: String) -> Result<OfferBoard, PortalError> {
    use crate::server::{booking, catalog, error::AppError, portal};
    use crate::shared::{
        errors::FieldError,
        offers::{OfferFilter, OfferStatus},
        paging::PageRequest,
        permissions::Permission,
        text,
    };
    let (state, _) = portal::authorize(Permission::OffersManage).await?;
    let status = match status.trim() {
        "" | "all" => None,
        raw => Some(OfferStatus::parse(raw).ok_or_else(|| {
            portal::portal_error(AppError::Validation(vec![FieldError::new(
                "status",
                "Unknown status",
            )]))
        })?),
    };
    let search = text::optional_line("search", &search, text::SEARCH_MAX_CHARS)
        .map_err(|e| portal::portal_error(AppError::Validation(vec![e])))?;
    let today = booking::rules(&state)
        .await
        .map_err(portal::portal_error)?
        .today();
    let (offers, pagination) = catalog::offers::list_all(
        &state.db,
        today,
        &OfferFilter { status, search },
        PageRequest { page: 1, limit: 200 },
    )
    .await
    .map_err(portal::portal_error)?;
    let (services, _) = catalog::services::list(
        &state.db,
        &catalog::services::Filter::default(),
        PageRequest { page: 1, limit: 500 },
    )
    .await
    .map_err(portal::portal_error)?;
    Ok(OfferBoard {
        offers,
        total: pagination.total,
        today,
        services: services.into_iter().map(|s| (s.id, s.name)).collect(),
    })
}

/// Creates an offer (`id` empty) or changes one.
#[server(prefix = "/api/fn", endpoint = "save_offer", input = Json)]
pub async fn save_offer(id: Option<Uuid>, form: OfferForm) -> Result<Offer, PortalError> {
    use crate::server::{catalog::offers, error::AppError, portal};
    use crate::shared::permissions::Permission;
    let (state, p) = portal::authorize(Permission::OffersManage).await?;
    let changes = form
        .parse(id.is_none())
        .map_err(|e| portal::portal_error(AppError::Validation(e)))?;
    match id {
        None => offers::create(&state, p.user.id, changes).await,
        Some(id) => offers::update(&state, p.user.id, id, changes).await,
    }
    .map_err(portal::portal_error)
}

/// Deletes an offer no booking used; a used one is switched off instead. Says which.
#[server(prefix = "/api/fn", endpoint = "delete_offer", input = Json)]
pub async fn delete_offer(id: Uuid) -> Result<String, PortalError> {
    use crate::server::{catalog::offers, portal};
    use crate::shared::permissions::Permission;
    let (state, p) = portal::authorize(Permission::OffersManage).await?;
    Ok(
        match offers::delete(&state, p.user.id, id)
            .await
            .map_err(portal::portal_error)?
        {
            offers::Removal::Deleted => "Offer deleted".to_owned(),
            offers::Removal::Deactivated => {
                "Bookings used this offer, so it was switched off and kept".to_owned()
            }
        },
    )
}

/// The offers a booking of `service_id` could use today, for the staff booking dialog.
#[server(prefix = "/api/fn", endpoint = "offers_for_service", input = Json)]
pub async fn offers_for_service(service_id: Uuid) -> Result<Vec<Offer>, PortalError> {
    use crate::server::{booking, catalog, portal};
    use crate::shared::permissions::Permission;
    let (state, _) = portal::authorize(Permission::AppointmentsManageAll).await?;
    let today = booking::rules(&state)
        .await
        .map_err(portal::portal_error)?
        .today();
    catalog::offers::for_service(&state.db, today, service_id)
        .await
        .map_err(portal::portal_error)
}
