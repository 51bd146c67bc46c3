//! The appointments calendar: a day (one column per expert) or a week (one expert, a column per
//! day). The view is built by `server::booking::calendar`, from the same staff list and scope as
//! the table (an expert sees their own schedule).

use leptos::prelude::*;
use leptos::server_fn::codec::Json;

pub use crate::shared::calendar::{Calendar, CalendarBlock, CalendarColumn, CalendarQuery};
use crate::shared::errors::PortalError;

#[server(prefix = "/api/fn", endpoint = "load_calendar", input = Json)]
pub async fn load_calendar(query: CalendarQuery) -> Result<Calendar, PortalError> {
    use crate::server::{booking::calendar, portal};
    let (state, p) = portal::authorize_any(crate::app::components::layout::APPOINTMENTS).await?;
    calendar::build(&state, &p, &query)
        .await
        .map_err(portal::portal_error)
}
