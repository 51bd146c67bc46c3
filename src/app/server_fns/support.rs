//! Support tickets for the portal: the filtered list (`support.view`), and changing, answering and
//! deleting a ticket (`support.manage`), through `server::support::tickets` (the same rules as
//! `/api/v1/support/tickets`).

use leptos::prelude::*;
use leptos::server_fn::codec::Json;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::shared::{
    errors::PortalError,
    paging::Pagination,
    support::{Ticket, TicketUpdateForm},
};

/// Tickets per page.
pub const TICKET_PAGE_SIZE: u64 = 20;

/// One page of tickets, and whether the viewer may change them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TicketBoard {
    pub tickets: Vec<Ticket>,
    pub pagination: Pagination,
    /// The viewer has `support.manage`: the status and priority selects, the answer and delete.
    pub can_manage: bool,
    /// The viewer's account ("Assign to me").
    pub viewer: Uuid,
}

/// A page of tickets, newest first. `status` and `priority` are their words or empty (or `all`)
/// for any; `search` looks in the subject, message, name and email.
#[server(prefix = "/api/fn", endpoint = "load_tickets", input = Json)]
pub async fn load_tickets(
    status: String,
    priority: String,
    search: String,
    page: u64,
) -> Result<TicketBoard, PortalError> {
    use crate::server::{error::AppError, portal, support::tickets};
    use crate::shared::{paging::PageRequest, permissions::Permission, support::TicketFilter};
    let (state, p) = portal::authorize(Permission::SupportView).await?;
    let filter = TicketFilter::parse(Some(&status), Some(&priority), Some(&search))
        .map_err(|e| portal::portal_error(AppError::Validation(e)))?;
    let request = PageRequest {
        page: page.clamp(1, u64::MAX / 1024),
        limit: TICKET_PAGE_SIZE,
    };
    let (list, pagination) = tickets::list(&state.db, &filter, request)
        .await
        .map_err(portal::portal_error)?;
    Ok(TicketBoard {
        tickets: list,
        pagination,
        can_manage: p.can(Permission::SupportManage),
        viewer: p.user.id,
    })
}

/// Changes a ticket's status, priority or assignee, or answers it (an answer without a status
/// resolves the ticket and is sent to the customer).
#[server(prefix = "/api/fn", endpoint = "update_ticket", input = Json)]
pub async fn update_ticket(id: Uuid, form: TicketUpdateForm) -> Result<Ticket, PortalError> {
    use crate::server::{error::AppError, portal, support::tickets};
    use crate::shared::permissions::Permission;
    let (state, p) = portal::authorize(Permission::SupportManage).await?;
    let changes = form
        .parse()
        .map_err(|e| portal::portal_error(AppError::Validation(e)))?;
    tickets::update(&state, p.user.id, id, changes)
        .await
        .map_err(portal::portal_error)
}

/// Deletes a ticket (audited).
#[server(prefix = "/api/fn", endpoint = "delete_ticket", input = Json)]
pub async fn delete_ticket(id: Uuid) -> Result<(), PortalError> {
    use crate::server::{portal, support::tickets};
    use crate::shared::permissions::Permission;
    let (state, p) = portal::authorize(Permission::SupportManage).await?;
    tickets::delete(&state, p.user.id, id)
        .await
        .map_err(portal::portal_error)
}
