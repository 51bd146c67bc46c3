//! The dashboard's data: figures for a period, and the latest bookings for those who may see them.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::shared::{
    appointments::AppointmentView,
    dashboard::{Dashboard, StaffPresence},
    errors::PortalError,
    payments::PaymentView,
};

pub use crate::shared::dashboard::PERIODS;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DashboardData {
    pub dashboard: Dashboard,
    /// The ten most recently booked; empty for roles that may not see appointments.
    pub recent: Vec<AppointmentView>,
    /// Staff and who of them is online now.
    pub staff: Vec<StaffPresence>,
    /// The five latest settled payments.
    pub payments: Vec<PaymentView>,
}

#[server(prefix = "/api/fn", endpoint = "load_dashboard")]
pub async fn load_dashboard(period: u32) -> Result<DashboardData, PortalError> {
    use crate::server::{booking, portal};
    use crate::shared::permissions::Permission;
    let (state, p) = portal::authorize(Permission::DashboardView).await?;
    let rules = portal::rules(&state).await.map_err(portal::portal_error)?;
    let sees_appointments = p.can(Permission::AppointmentsView) || p.can(Permission::AppointmentsManageAll);
    // Four independent reads, side by side.
    let (dashboard, recent, staff, payments) = tokio::try_join!(
        booking::stats::dashboard(&state.db, &rules, period),
        async {
            if sees_appointments {
                booking::appointments::recent(&state.db, &rules, 10).await
            } else {
                Ok(Vec::new())
            }
        },
        crate::server::identity::directory::staff_presence(&state),
        crate::server::payments::latest(&state, 5, true),
    )
    .map_err(portal::portal_error)?;
    Ok(DashboardData {
        dashboard,
        recent,
        staff,
        payments,
    })
}
