//! The Reports page's data (`reports.view`): the figures for a range of the business's days and
//! its latest paid transactions, through `server::booking::reports` (as `GET /api/v1/reports/data`
//! and `/reports/transactions`).

use leptos::prelude::*;
use leptos::server_fn::codec::Json;
use serde::{Deserialize, Serialize};

use crate::shared::{
    errors::PortalError,
    reports::{Report, Transaction},
};

/// The most transactions the page lists (the CSV export has them all).
pub const REPORT_TRANSACTIONS: u64 = 200;

/// A paid transaction with the time it was paid, in the business's time zone.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReportTransaction {
    pub paid: String,
    pub transaction: Transaction,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReportBoard {
    pub report: Report,
    /// The latest paid transactions in the range, at most [`REPORT_TRANSACTIONS`].
    pub transactions: Vec<ReportTransaction>,
    /// How many paid transactions the range has.
    pub total_transactions: u64,
}

/// The report for `start`..=`end` (`YYYY-MM-DD`, either may be empty: the range defaults to the
/// last 30 days). A bad or backwards range is refused with field errors.
#[server(prefix = "/api/fn", endpoint = "load_report", input = Json)]
pub async fn load_report(start: String, end: String) -> Result<ReportBoard, PortalError> {
    use crate::server::{booking, error::AppError, portal};
    use crate::shared::{paging::PageRequest, permissions::Permission, reports::DateRange};
    let (state, _) = portal::authorize(Permission::ReportsView).await?;
    let rules = booking::rules(&state).await.map_err(portal::portal_error)?;
    let range = DateRange::parse(Some(start.as_str()), Some(end.as_str()), rules.today())
        .map_err(|e| portal::portal_error(AppError::Validation(e)))?;
    let report = booking::reports::report(&state.db, &rules, range)
        .await
        .map_err(portal::portal_error)?;
    let (list, pagination) = booking::reports::transactions(
        &state.db,
        &rules,
        range,
        PageRequest {
            page: 1,
            limit: REPORT_TRANSACTIONS,
        },
    )
    .await
    .map_err(portal::portal_error)?;
    let tz = rules.tz();
    Ok(ReportBoard {
        report,
        transactions: list
            .into_iter()
            .map(|t| ReportTransaction {
                paid: super::local(t.paid_at, tz, "%Y-%m-%d %H:%M"),
                transaction: t,
            })
            .collect(),
        total_transactions: pagination.total,
    })
}
