//! Reports [reports.view]: the Sales page's totals, a range's figures, its transactions and their
//! CSV. Dates are the business's local days.

use axum::{
    extract::State,
    http::header,
    response::{IntoResponse, Response},
};
use serde_json::{json, Value};

use super::{
    catalog::{page_param, validated},
    extract::{param, CurrentUser, Params},
    input::Query,
    response::{ApiError, ApiOk, ApiResult},
};
use crate::server::{booking, error::AppError, payments, state::AppState};
use crate::shared::{permissions::Permission, reports::DateRange};

async fn range(
    state: &AppState,
    q: &std::collections::HashMap<String, String>,
) -> Result<(booking::availability::Rules, DateRange), AppError> {
    let rules = booking::rules(state).await?;
    let range = DateRange::parse(param(q, "startDate"), param(q, "endDate"), rules.today())
        .map_err(AppError::Validation)?;
    Ok((rules, range))
}

/// `GET /reports/sales`: today, this week and this month, and the latest paid transactions.
pub async fn sales(State(state): State<AppState>, user: CurrentUser) -> ApiResult<Value> {
    user.require(Permission::ReportsView)?;
    let rules = booking::rules(&state).await?;
    let totals = payments::totals(&state, &rules).await?;
    let today = rules.today();
    let recent = DateRange {
        from: today - chrono::Duration::days(29),
        to: today,
    };
    let (transactions, _) = booking::reports::transactions(
        &state.db,
        &rules,
        recent,
        crate::shared::paging::PageRequest { page: 1, limit: 50 },
    )
    .await?;
    Ok(ApiOk::new(json!({
        "today": totals.today,
        "week": totals.week,
        "month": totals.month,
        "refundedMonth": totals.refunded_month,
        "currency": totals.currency,
        "transactions": transactions,
    })))
}

/// `GET /reports/data?startDate&endDate`.
pub async fn data(State(state): State<AppState>, user: CurrentUser, Query(q): Params) -> ApiResult<Value> {
    user.require(Permission::ReportsView)?;
    let (rules, range) = range(&state, &q).await?;
    let report = booking::reports::report(&state.db, &rules, range).await?;
    Ok(ApiOk::new(
        serde_json::to_value(report).map_err(|e| AppError::Internal(e.into()))?,
    ))
}

/// `GET /reports/transactions?startDate&endDate&page&limit`.
pub async fn transactions(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(q): Params,
) -> ApiResult<Value> {
    user.require(Permission::ReportsView)?;
    let mut errors = Vec::new();
    let page = validated(page_param(&q, 50, &mut errors), errors)?;
    let (rules, range) = range(&state, &q).await?;
    let (list, pagination) = booking::reports::transactions(&state.db, &rules, range, page).await?;
    Ok(ApiOk::new(
        json!({ "transactions": list, "pagination": pagination }),
    ))
}

/// `GET /reports/transactions/export?startDate&endDate`: the range's transactions as a CSV file.
pub async fn export(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(q): Params,
) -> Result<Response, ApiError> {
    user.require(Permission::ReportsView)?;
    let (rules, range) = range(&state, &q).await?;
    let body = booking::reports::transactions_csv(&state.db, &rules, range).await?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{}\"", range.file_name()),
            ),
        ],
        body,
    )
        .into_response())
}
