//! Sales for the portal: the period totals and the latest payments (`dashboard.view`), and a
//! refund (`payments.refund`), through `server::payments` (the same rules as `/api/v1/payments`).

use leptos::prelude::*;
use leptos::server_fn::codec::Json;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::shared::{
    errors::PortalError,
    payments::{PaymentView, SalesTotals},
};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SalesBoard {
    pub totals: SalesTotals,
    pub payments: Vec<PaymentView>,
    pub can_refund: bool,
}

/// The totals and the latest 50 payments (every state: waiting, failed and refunded ones too).
#[server(prefix = "/api/fn", endpoint = "load_sales")]
pub async fn load_sales() -> Result<SalesBoard, PortalError> {
    use crate::server::{booking, payments, portal};
    use crate::shared::permissions::Permission;
    let (state, p) = portal::authorize(Permission::DashboardView).await?;
    let rules = booking::rules(&state).await.map_err(portal::portal_error)?;
    let totals = payments::totals(&state, &rules)
        .await
        .map_err(portal::portal_error)?;
    let list = payments::latest(&state, 50, false)
        .await
        .map_err(portal::portal_error)?;
    Ok(SalesBoard {
        totals,
        payments: list,
        can_refund: p.can(Permission::PaymentsRefund),
    })
}

/// Refunds the rest of a payment and cancels the bookings it paid for that have not happened.
#[server(prefix = "/api/fn", endpoint = "refund_payment", input = Json)]
pub async fn refund_payment(id: Uuid) -> Result<PaymentView, PortalError> {
    use crate::server::{payments, portal};
    use crate::shared::permissions::Permission;
    let (state, p) = portal::authorize(Permission::PaymentsRefund).await?;
    payments::refund(&state, p.user.id, id)
        .await
        .map_err(portal::portal_error)
}
