//! Experts, their weekly hours and time off, and the business's closures, through
//! `server::catalog::experts` and `server::booking::schedule` (the rules `/api/v1` keeps).

use leptos::prelude::*;
use leptos::server_fn::codec::Json;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::Choice;
use crate::shared::{
    catalog::{Expert, ExpertForm},
    errors::PortalError,
    paging::Pagination,
    schedule::{AbsenceView, HoursRange},
};

/// The experts list's filters as typed in the page's query string.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct ExpertQuery {
    pub search: Option<String>,
    pub page: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExpertPage {
    pub experts: Vec<Expert>,
    pub pagination: Pagination,
    /// Every service, for the "services offered" ticks and the names in the list.
    pub services: Vec<Choice>,
}

/// One expert's page: the record, the week, and (for those who manage experts) the time off.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExpertSchedule {
    pub expert: Expert,
    pub hours: Vec<HoursRange>,
    pub time_off: Vec<AbsenceView>,
    pub manages: bool,
    pub timezone: String,
}

#[cfg(feature = "ssr")]
async fn all_services(state: &crate::server::state::AppState) -> Result<Vec<Choice>, PortalError> {
    use crate::server::{catalog::services, portal};
    use crate::shared::paging::PageRequest;
    let (list, _) = services::list(
        &state.db,
        &services::Filter::default(),
        PageRequest { page: 1, limit: 500 },
    )
    .await
    .map_err(portal::portal_error)?;
    Ok(list
        .into_iter()
        .map(|s| Choice {
            id: s.id,
            name: s.name,
            minutes: s.duration,
        })
        .collect())
}

#[cfg(feature = "ssr")]
async fn business_tz(state: &crate::server::state::AppState) -> Result<chrono_tz::Tz, PortalError> {
    use crate::server::{booking::settings, portal};
    Ok(settings::get(&state.db, state.config.business_timezone)
        .await
        .map_err(portal::portal_error)?
        .tz())
}

#[server(prefix = "/api/fn", endpoint = "list_experts", input = Json)]
pub async fn list_experts(query: ExpertQuery) -> Result<ExpertPage, PortalError> {
    use crate::server::{catalog::experts, error::AppError, portal};
    use crate::shared::{paging::PageRequest, permissions::Permission};
    let (state, _) = portal::authorize(Permission::ExpertsView).await?;
    let page = PageRequest::parse(query.page.as_deref(), None, 20)
        .map_err(|e| portal::portal_error(AppError::Validation(e)))?;
    let filter = experts::Filter {
        search: query.search.filter(|s| !s.trim().is_empty()),
        ..Default::default()
    };
    let (list, pagination) = experts::list(&state.db, &filter, page)
        .await
        .map_err(portal::portal_error)?;
    Ok(ExpertPage {
        experts: list,
        pagination,
        services: all_services(&state).await?,
    })
}

/// Creates an expert (`id` empty) or changes one.
#[server(prefix = "/api/fn", endpoint = "save_expert", input = Json)]
pub async fn save_expert(id: Option<Uuid>, form: ExpertForm) -> Result<Expert, PortalError> {
    use crate::server::{catalog::experts, portal};
    use crate::shared::permissions::Permission;
    let (state, _) = portal::authorize(Permission::ExpertsManage).await?;
    match id {
        None => experts::create(&state, &form).await,
        Some(id) => experts::update(&state, id, &form).await,
    }
    .map_err(portal::portal_error)
}

/// Deletes an expert with no appointments (one with history must be deactivated instead: 409).
#[server(prefix = "/api/fn", endpoint = "delete_expert")]
pub async fn delete_expert(id: Uuid) -> Result<(), PortalError> {
    use crate::server::{catalog::experts, portal};
    use crate::shared::permissions::Permission;
    let (state, _) = portal::authorize(Permission::ExpertsManage).await?;
    experts::delete(&state, id).await.map_err(portal::portal_error)
}

#[server(prefix = "/api/fn", endpoint = "expert_schedule")]
pub async fn load_expert_schedule(id: Uuid) -> Result<ExpertSchedule, PortalError> {
    use crate::server::{booking::schedule, catalog::experts, portal};
    use crate::shared::permissions::Permission;
    let (state, p) = portal::authorize(Permission::ExpertsView).await?;
    let expert = experts::get(&state.db, id).await.map_err(portal::portal_error)?;
    let hours = schedule::week(&state.db, id)
        .await
        .map_err(portal::portal_error)?;
    let manages = p.can(Permission::ExpertsManage);
    let tz = business_tz(&state).await?;
    // Time off is for those who manage experts, as on `/api/v1`.
    let time_off = if manages {
        schedule::list_absences(&state.db, Some(id))
            .await
            .map_err(portal::portal_error)?
            .iter()
            .map(|a| a.local(tz))
            .collect()
    } else {
        Vec::new()
    };
    Ok(ExpertSchedule {
        expert,
        hours,
        time_off,
        manages,
        timezone: tz.name().to_owned(),
    })
}

/// Replaces the expert's whole week in one transaction.
#[server(prefix = "/api/fn", endpoint = "save_working_hours", input = Json)]
pub async fn save_working_hours(id: Uuid, hours: Vec<HoursRange>) -> Result<Vec<HoursRange>, PortalError> {
    use crate::server::{booking::schedule, portal};
    use crate::shared::permissions::Permission;
    let (state, _) = portal::authorize(Permission::ExpertsManage).await?;
    schedule::replace_week(&state.db, id, &hours)
        .await
        .map_err(portal::portal_error)
}

/// Adds time off for an expert (`expert_id`), or a business closure (none). `from` and `to` are
/// dates (`to` included) or RFC 3339 instants.
#[server(prefix = "/api/fn", endpoint = "add_absence", input = Json)]
pub async fn add_absence(
    expert_id: Option<Uuid>,
    from: String,
    to: String,
    reason: Option<String>,
) -> Result<AbsenceView, PortalError> {
    use crate::server::{booking::schedule, portal};
    use crate::shared::permissions::Permission;
    let needs = if expert_id.is_some() {
        Permission::ExpertsManage
    } else {
        Permission::SettingsManage
    };
    let (state, _) = portal::authorize(needs).await?;
    let tz = business_tz(&state).await?;
    let form = schedule::AbsenceForm { from, to, reason };
    schedule::add_absence(&state.db, expert_id, tz, &form)
        .await
        .map(|a| a.local(tz))
        .map_err(portal::portal_error)
}

#[server(prefix = "/api/fn", endpoint = "delete_absence", input = Json)]
pub async fn delete_absence(expert_id: Option<Uuid>, id: Uuid) -> Result<(), PortalError> {
    use crate::server::{booking::schedule, portal};
    use crate::shared::permissions::Permission;
    let needs = if expert_id.is_some() {
        Permission::ExpertsManage
    } else {
        Permission::SettingsManage
    };
    let (state, _) = portal::authorize(needs).await?;
    schedule::delete_absence(&state.db, expert_id, id)
        .await
        .map_err(portal::portal_error)
}

/// The business's closures, and whether the viewer may change them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Closures {
    pub closures: Vec<AbsenceView>,
    pub manages: bool,
    pub timezone: String,
}

#[server(prefix = "/api/fn", endpoint = "list_closures")]
pub async fn list_closures() -> Result<Closures, PortalError> {
    use crate::server::{booking::schedule, portal};
    use crate::shared::permissions::Permission;
    let (state, p) = portal::authorize_any(&[Permission::SettingsManage, Permission::ExpertsView]).await?;
    let tz = business_tz(&state).await?;
    let list = schedule::list_absences(&state.db, None)
        .await
        .map_err(portal::portal_error)?;
    Ok(Closures {
        closures: list.iter().map(|a| a.local(tz)).collect(),
        manages: p.can(Permission::SettingsManage),
        timezone: tz.name().to_owned(),
    })
}
