//! Services and categories for the portal: paged lists with filters, and create, edit, activate
//! and delete, through `server::catalog` (the same rules as `/api/v1`).

use leptos::prelude::*;
use leptos::server_fn::codec::Json;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::shared::{
    catalog::{Category, CategoryForm, Service, ServiceForm},
    errors::PortalError,
    paging::Pagination,
};

/// The services list's filters as typed in the page's query string.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct ServiceQuery {
    pub category_id: Option<String>,
    /// `active`, `inactive`, or anything else for both.
    pub status: Option<String>,
    pub search: Option<String>,
    pub page: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ServicePage {
    pub services: Vec<Service>,
    pub pagination: Pagination,
    /// For each service on the page that a running offer covers, the offers' titles.
    #[serde(default)]
    pub offers: Vec<(Uuid, Vec<String>)>,
}

/// Every category, inactive ones included (the portal manages them; the public API hides them).
#[server(prefix = "/api/fn", endpoint = "list_categories")]
pub async fn list_categories() -> Result<Vec<Category>, PortalError> {
    use crate::server::{
        catalog::categories::{self, Visibility},
        portal,
    };
    use crate::shared::permissions::Permission;
    let (state, _) = portal::authorize(Permission::ServicesView).await?;
    categories::list(&state.db, Visibility::All)
        .await
        .map_err(portal::portal_error)
}

#[server(prefix = "/api/fn", endpoint = "list_services", input = Json)]
pub async fn list_services(query: ServiceQuery) -> Result<ServicePage, PortalError> {
    use crate::server::{catalog::services, error::AppError, portal};
    use crate::shared::{errors::FieldError, paging::PageRequest, permissions::Permission};
    let (state, _) = portal::authorize(Permission::ServicesView).await?;
    let text = |v: &Option<String>| {
        v.as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
    };
    let mut errors = Vec::new();
    let category_id = text(&query.category_id).and_then(|raw| {
        Uuid::parse_str(&raw)
            .map_err(|_| errors.push(FieldError::new("categoryId", "Must be a valid id")))
            .ok()
    });
    let is_active = match text(&query.status).as_deref() {
        Some("active") => Some(true),
        Some("inactive") => Some(false),
        _ => None,
    };
    let page = PageRequest::parse(query.page.as_deref(), None, 20)
        .map_err(|e| errors.extend(e))
        .ok();
    let Some(page) = page.filter(|_| errors.is_empty()) else {
        return Err(portal::portal_error(AppError::Validation(errors)));
    };
    let filter = services::Filter {
        category_id,
        is_active,
        search: text(&query.search),
        ..Default::default()
    };
    let (services, pagination) = services::list(&state.db, &filter, page)
        .await
        .map_err(portal::portal_error)?;
    let today = crate::server::booking::rules(&state)
        .await
        .map_err(portal::portal_error)?
        .today();
    let ids: Vec<Uuid> = services.iter().map(|s| s.id).collect();
    let offers = crate::server::catalog::offers::covering(&state.db, today, &ids)
        .await
        .map_err(portal::portal_error)?;
    Ok(ServicePage {
        services,
        pagination,
        offers,
    })
}

/// Creates a service (`id` empty) or changes one.
#[server(prefix = "/api/fn", endpoint = "save_service", input = Json)]
pub async fn save_service(id: Option<Uuid>, form: ServiceForm) -> Result<Service, PortalError> {
    use crate::server::{catalog::services, error::AppError, portal};
    use crate::shared::permissions::Permission;
    let (state, _) = portal::authorize(Permission::ServicesManage).await?;
    let changes = form
        .parse(id.is_none())
        .map_err(|e| portal::portal_error(AppError::Validation(e)))?;
    match id {
        None => services::create(&state, changes).await,
        Some(id) => services::update(&state, id, changes).await,
    }
    .map_err(portal::portal_error)
}

#[server(prefix = "/api/fn", endpoint = "delete_service")]
pub async fn delete_service(id: Uuid) -> Result<(), PortalError> {
    use crate::server::{catalog::services, portal};
    use crate::shared::permissions::Permission;
    let (state, _) = portal::authorize(Permission::ServicesManage).await?;
    services::delete(&state, id).await.map_err(portal::portal_error)
}

/// Creates a category (`id` empty) or changes one.
#[server(prefix = "/api/fn", endpoint = "save_category", input = Json)]
pub async fn save_category(id: Option<Uuid>, form: CategoryForm) -> Result<Category, PortalError> {
    use crate::server::{catalog::categories, error::AppError, portal};
    use crate::shared::permissions::Permission;
    let (state, _) = portal::authorize(Permission::CategoriesManage).await?;
    match id {
        None => {
            let new = form
                .parse_new()
                .map_err(|e| portal::portal_error(AppError::Validation(e)))?;
            categories::create(&state, new).await
        }
        Some(id) => categories::update(&state, id, &form).await,
    }
    .map_err(portal::portal_error)
}

/// Deletes a category no service uses; with `force`, one in use is deactivated instead. Answers
/// whether it was deleted (`true`) or deactivated.
#[server(prefix = "/api/fn", endpoint = "delete_category")]
pub async fn delete_category(id: Uuid, force: bool) -> Result<bool, PortalError> {
    use crate::server::{catalog::categories, portal};
    use crate::shared::permissions::Permission;
    let (state, _) = portal::authorize(Permission::CategoriesManage).await?;
    categories::delete(&state, id, force)
        .await
        .map(|r| r == categories::Removal::Deleted)
        .map_err(portal::portal_error)
}
