//! `GET /appointments/export.csv?<the list's filters>`: every appointment the portal's filtered list
//! matches, as CSV for spreadsheets. Signed-in staff only (the portal session), with the same scope
//! as the list: an expert exports their own schedule.

use axum::{
    extract::{Query, State},
    http::header,
    response::{IntoResponse, Redirect, Response},
};
use tower_sessions::Session;

use super::{booking, error::AppError, sessions, state::AppState};
use crate::shared::appointments::{encode, AppointmentQuery, AppointmentView};

pub async fn appointments_csv(
    State(state): State<AppState>,
    session: Session,
    Query(query): Query<AppointmentQuery>,
) -> Response {
    let principal = match sessions::session_principal(&session, &state).await {
        Ok(Some(p)) => p,
        Ok(None) => {
            let back = format!("/appointments?{}", query.to_query_string());
            return Redirect::to(&format!("/login?next={}", encode(&back))).into_response();
        }
        Err(e) => return failure(e),
    };
    let rows = match booking::staff::export(&state, &principal, &query).await {
        Ok(rows) => rows,
        Err(e) => return failure(e),
    };
    let body = match to_csv(&rows) {
        Ok(body) => body,
        Err(e) => return failure(AppError::Internal(e.into())),
    };
    let today = chrono::Utc::now().format("%Y-%m-%d");
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"appointments-{today}.csv\""),
            ),
            (header::CACHE_CONTROL, "no-store".to_owned()),
        ],
        body,
    )
        .into_response()
}

/// `GET /reports/export.csv?startDate&endDate`: the Reports page's paid transactions as CSV
/// (portal session, `reports.view`).
pub async fn report_csv(
    State(state): State<AppState>,
    session: Session,
    Query(q): Query<std::collections::HashMap<String, String>>,
) -> Response {
    let param = |k: &str| q.get(k).map(String::as_str);
    let principal = match sessions::session_principal(&session, &state).await {
        Ok(Some(p)) => p,
        Ok(None) => return Redirect::to(&format!("/login?next={}", encode("/reports"))).into_response(),
        Err(e) => return failure(e),
    };
    if let Err(e) = principal.require(crate::shared::permissions::Permission::ReportsView) {
        return failure(e);
    }
    let rules = match booking::rules(&state).await {
        Ok(r) => r,
        Err(e) => return failure(e),
    };
    let range =
        match crate::shared::reports::DateRange::parse(param("startDate"), param("endDate"), rules.today()) {
            Ok(r) => r,
            Err(errors) => return failure(AppError::Validation(errors)),
        };
    match booking::reports::transactions_csv(&state.db, &rules, range).await {
        Ok(body) => (
            [
                (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
                (
                    header::CONTENT_DISPOSITION,
                    format!("attachment; filename=\"{}\"", range.file_name()),
                ),
                (header::CACHE_CONTROL, "no-store".to_owned()),
            ],
            body,
        )
            .into_response(),
        Err(e) => failure(e),
    }
}

fn failure(e: AppError) -> Response {
    if e.is_internal() {
        tracing::error!(error = %e, "CSV export failed");
    }
    let mut text = e.public_message();
    if let AppError::Validation(errors) = &e {
        for f in errors {
            text.push_str(&format!("\n{}: {}", f.field, f.message));
        }
    }
    (e.status(), text).into_response()
}

const COLUMNS: [&str; 15] = [
    "Date",
    "Time",
    "Customer",
    "Phone",
    "Email",
    "Service",
    "Expert",
    "Minutes",
    "Price",
    "Status",
    "Payment",
    "Method",
    "Notes",
    "Cancel reason",
    "Booked at",
];

/// RFC 4180 CSV (the `csv` crate quotes fields with commas, quotes and line breaks), with a UTF-8
/// byte-order mark so spreadsheet programs read names correctly.
pub fn to_csv(rows: &[AppointmentView]) -> Result<Vec<u8>, csv::Error> {
    let mut out = csv::Writer::from_writer(b"\xEF\xBB\xBF".to_vec());
    out.write_record(COLUMNS)?;
    for a in rows {
        let time = a.appointment_time.get(..5).unwrap_or(&a.appointment_time);
        out.write_record([
            a.appointment_date.as_str(),
            time,
            &safe_cell(&a.customer_name),
            &safe_cell(&a.customer_phone),
            &safe_cell(a.customer_email.as_deref().unwrap_or("")),
            &safe_cell(&a.service_name),
            &safe_cell(&a.expert_name),
            &a.duration.to_string(),
            &a.total_price,
            &a.status,
            &a.payment_status,
            a.payment_method.as_deref().unwrap_or(""),
            &safe_cell(a.notes.as_deref().unwrap_or("")),
            &safe_cell(a.cancelled_reason.as_deref().unwrap_or("")),
            &a.created_at.to_rfc3339(),
        ])?;
    }
    out.into_inner().map_err(|e| csv::Error::from(e.into_error()))
}

/// Text typed by customers and staff, made inert for spreadsheets: a cell that starts like a formula
/// gets a leading apostrophe (OWASP's advice against CSV injection; Excel hides the apostrophe).
pub fn safe_cell(text: &str) -> String {
    match text.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{text}"),
        _ => text.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(name: &str, notes: &str) -> AppointmentView {
        let now = chrono::Utc::now();
        AppointmentView {
            id: uuid::Uuid::nil(),
            user_id: None,
            service_id: uuid::Uuid::nil(),
            service_name: "Cut, wash & dry".into(),
            expert_id: uuid::Uuid::nil(),
            expert_name: "Sam".into(),
            customer_name: name.into(),
            customer_phone: "+923001234567".into(),
            customer_email: None,
            appointment_date: "2026-03-02".into(),
            appointment_time: "09:30:00".into(),
            duration: 45,
            starts_at: now,
            ends_at: now,
            status: "confirmed".into(),
            payment_status: "paid".into(),
            payment_method: Some("cash".into()),
            total_price: "25.00".into(),
            offer_id: None,
            offer_title: None,
            discount: "0.00".into(),
            notes: Some(notes.into()),
            expires_at: None,
            paid_at: None,
            cancelled_at: None,
            cancelled_reason: None,
            created_at: now,
        }
    }

    #[test]
    fn fields_are_quoted_and_formulas_defused() {
        let csv = to_csv(&[
            row("O'Brien, \"Ann\"", "line one\nline two"),
            row("=HYPERLINK(\"x\")", "@SUM(A1)"),
        ])
        .unwrap();
        let text = String::from_utf8(csv).unwrap();
        let text = text.strip_prefix('\u{feff}').unwrap();
        let mut reader = csv::Reader::from_reader(text.as_bytes());
        let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
        assert_eq!(rows.len(), 2);
        assert_eq!(&rows[0][2], "O'Brien, \"Ann\"");
        assert_eq!(&rows[0][3], "'+923001234567");
        assert_eq!(&rows[0][5], "Cut, wash & dry");
        assert_eq!(&rows[0][12], "line one\nline two");
        assert_eq!(&rows[1][2], "'=HYPERLINK(\"x\")");
        assert_eq!(&rows[1][12], "'@SUM(A1)");
        assert_eq!(&rows[0][1], "09:30");
        assert_eq!(reader.headers().unwrap().len(), COLUMNS.len());
    }
}
