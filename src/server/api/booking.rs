//! Schedules, availability and appointments. Each handler authorises, then calls `booking::*`.

use std::collections::HashMap;

use axum::extract::{Path, State};

use super::input::{Json, Query};
use serde::Deserialize;
use serde_json::{json, Value};

use super::{
    extract::{param, path_id, CurrentUser, Params},
    response::{ApiOk, ApiResult},
};
use crate::server::{
    booking::{
        self,
        appointments::{self as appts, BookingForm},
        availability,
        schedule::{self, AbsenceForm, HoursRange},
        settings::{self, SettingsChange},
    },
    error::AppError,
    state::AppState,
};
use crate::shared::{
    appointments::{AppointmentQuery, CancelReason},
    booking::{AppointmentStatus, PaymentMethod, PaymentStatus},
    errors::FieldError,
    permissions::Permission,
};

fn require_any(user: &CurrentUser, permissions: &[Permission]) -> Result<(), AppError> {
    user.0.require_any(permissions)
}

// ---- settings ----

pub async fn get_settings(State(state): State<AppState>) -> ApiResult<Value> {
    let s = settings::get(&state.db, state.config.business_timezone).await?;
    Ok(ApiOk::new(json!({ "settings": s })))
}

pub async fn update_settings(
    State(state): State<AppState>,
    user: CurrentUser,
    Json(change): Json<SettingsChange>,
) -> ApiResult<Value> {
    user.require(Permission::SettingsManage)?;
    let s = settings::update(&state.db, state.config.business_timezone, user.0.user.id, change).await?;
    Ok(ApiOk::new(json!({ "settings": s })).message("Settings saved"))
}

// ---- working hours, time off, closures ----

pub async fn get_hours(State(state): State<AppState>, Path(id): Path<String>) -> ApiResult<Value> {
    let hours = schedule::week(&state.db, path_id(&id, "Expert")?).await?;
    Ok(ApiOk::new(json!({ "hours": hours })))
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct HoursBody {
    hours: Vec<HoursRange>,
}

pub async fn put_hours(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
    Json(body): Json<HoursBody>,
) -> ApiResult<Value> {
    user.require(Permission::ExpertsManage)?;
    let hours = schedule::replace_week(&state.db, path_id(&id, "Expert")?, &body.hours).await?;
    Ok(ApiOk::new(json!({ "hours": hours })).message("Working hours saved"))
}

async fn tz(state: &AppState) -> Result<chrono_tz::Tz, AppError> {
    Ok(settings::get(&state.db, state.config.business_timezone)
        .await?
        .tz())
}

pub async fn list_time_off(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
) -> ApiResult<Value> {
    user.require(Permission::ExpertsManage)?;
    let list = schedule::list_absences(&state.db, Some(path_id(&id, "Expert")?)).await?;
    Ok(ApiOk::new(json!({ "timeOff": list })))
}

pub async fn add_time_off(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
    Json(form): Json<AbsenceForm>,
) -> ApiResult<Value> {
    user.require(Permission::ExpertsManage)?;
    let tz = tz(&state).await?;
    let added = schedule::add_absence(&state.db, Some(path_id(&id, "Expert")?), tz, &form).await?;
    Ok(ApiOk::created(json!({ "timeOff": added })).message("Time off added"))
}

pub async fn delete_time_off(
    State(state): State<AppState>,
    user: CurrentUser,
    Path((id, off_id)): Path<(String, String)>,
) -> ApiResult<Value> {
    user.require(Permission::ExpertsManage)?;
    schedule::delete_absence(
        &state.db,
        Some(path_id(&id, "Expert")?),
        path_id(&off_id, "Time off")?,
    )
    .await?;
    Ok(ApiOk::new(json!({})).message("Time off removed"))
}

pub async fn list_closures(State(state): State<AppState>) -> ApiResult<Value> {
    let list = schedule::list_absences(&state.db, None).await?;
    Ok(ApiOk::new(json!({ "closures": list })))
}

pub async fn add_closure(
    State(state): State<AppState>,
    user: CurrentUser,
    Json(form): Json<AbsenceForm>,
) -> ApiResult<Value> {
    user.require(Permission::SettingsManage)?;
    let tz = tz(&state).await?;
    let added = schedule::add_absence(&state.db, None, tz, &form).await?;
    Ok(ApiOk::created(json!({ "closure": added })).message("Closure added"))
}

pub async fn delete_closure(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
) -> ApiResult<Value> {
    user.require(Permission::SettingsManage)?;
    schedule::delete_absence(&state.db, None, path_id(&id, "Closure")?).await?;
    Ok(ApiOk::new(json!({})).message("Closure removed"))
}

// ---- availability ----

/// `GET /availability?serviceId&date[&expertId]` (public).
pub async fn get_availability(
    State(state): State<AppState>,
    Query(q): Params,
) -> ApiResult<availability::Availability> {
    let mut errors = Vec::new();
    let service_id = match param(&q, "serviceId").map(uuid::Uuid::parse_str) {
        Some(Ok(id)) => Some(id),
        _ => {
            errors.push(FieldError::new(
                "serviceId",
                "serviceId is required and must be an id",
            ));
            None
        }
    };
    let date = match param(&q, "date") {
        Some(raw) => appts::parse_date("date", raw).map_err(|e| errors.push(e)).ok(),
        None => {
            errors.push(FieldError::new("date", "date is required (YYYY-MM-DD)"));
            None
        }
    };
    let expert_id = match param(&q, "expertId").map(uuid::Uuid::parse_str) {
        None => None,
        Some(Ok(id)) => Some(id),
        Some(Err(_)) => {
            errors.push(FieldError::new("expertId", "expertId must be an id"));
            None
        }
    };
    let (Some(service_id), Some(date)) = (service_id, date) else {
        return Err(AppError::Validation(errors).into());
    };
    if !errors.is_empty() {
        return Err(AppError::Validation(errors).into());
    }
    let rules = booking::rules(&state).await?;
    let answer = availability::availability(&state.db, &rules, service_id, date, expert_id).await?;
    Ok(ApiOk::new(answer))
}

// ---- appointments ----

/// `POST /appointments`: customers book for themselves. Guests are asked to sign up (A/G).
pub async fn book(
    State(state): State<AppState>,
    user: CurrentUser,
    Json(form): Json<BookingForm>,
) -> ApiResult<Value> {
    user.require(Permission::AppointmentsCreate)?;
    let user_id = Some(user.0.user.id);
    let mut booking = form.parse().map_err(AppError::Validation)?;
    // A customer books for their own account, whatever the body says.
    booking.user_id = user_id;
    let rules = booking::rules(&state).await?;
    // `payNow` proves nothing by itself; the older app paid first (an amount-only intent), and that
    // payment is matched on the server, or the booking waits for it as a reservation.
    let wants_to_pay = booking.pay_now;
    let mut appointment = appts::book(&state, &rules, booking, None).await?;
    if wants_to_pay {
        if let Some(paid) =
            crate::server::payments::attach_prepaid(&state, user.0.user.id, &appointment).await?
        {
            appointment = paid;
        }
    }
    let message = if appointment.payment_status == PaymentStatus::Paid.as_str() {
        "Appointment booked and paid.".to_owned()
    } else {
        format!(
            "Reserved. Pay within {}.",
            hold_text(rules.settings.reservation_hold_minutes)
        )
    };
    Ok(ApiOk::created(json!({ "appointment": appointment })).message(message))
}

fn hold_text(minutes: i32) -> String {
    match (minutes / 60, minutes % 60) {
        (0, m) => format!("{m} minutes"),
        (1, 0) => "1 hour".into(),
        (h, 0) => format!("{h} hours"),
        (h, m) => format!("{h} h {m} min"),
    }
}

/// `POST /appointments/admin`: staff book for a customer account or a walk-in.
pub async fn book_for(
    State(state): State<AppState>,
    user: CurrentUser,
    Json(form): Json<BookingForm>,
) -> ApiResult<Value> {
    user.require(Permission::AppointmentsManageAll)?;
    let booking = form.parse().map_err(AppError::Validation)?;
    let rules = booking::rules(&state).await?;
    let appointment = appts::book(&state, &rules, booking, Some(user.0.user.id)).await?;
    Ok(ApiOk::created(json!({ "appointment": appointment })).message("Appointment booked"))
}

fn list_filter(q: &HashMap<String, String>, errors: &mut Vec<FieldError>) -> appts::Filter {
    let status = param(q, "status").and_then(|s| {
        AppointmentStatus::parse(s).or_else(|| {
            errors.push(FieldError::new("status", "Unknown status"));
            None
        })
    });
    let payment_status = param(q, "paymentStatus").and_then(|s| {
        PaymentStatus::parse(s).or_else(|| {
            errors.push(FieldError::new("paymentStatus", "Unknown payment status"));
            None
        })
    });
    appts::Filter {
        status,
        payment_status,
        ..Default::default()
    }
}

/// `GET /appointments/my?status&paymentStatus`: the caller's own, soonest first (A/G).
pub async fn mine(State(state): State<AppState>, user: CurrentUser, Query(q): Params) -> ApiResult<Value> {
    let mut errors = Vec::new();
    let mut filter = list_filter(&q, &mut errors);
    if !errors.is_empty() {
        return Err(AppError::Validation(errors).into());
    }
    filter.user_id = Some(user.0.user.id);
    let rules = booking::rules(&state).await?;
    let (list, _) = appts::list(&state.db, &rules, &filter, None, false).await?;
    Ok(ApiOk::new(json!({ "appointments": list })))
}

/// `GET /appointments?page&limit&status&paymentStatus&date&from&to&expertId&search` (staff).
pub async fn list_all(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(q): Params,
) -> ApiResult<Value> {
    let text = |key: &str| q.get(key).cloned();
    let query = AppointmentQuery {
        status: text("status"),
        payment_status: text("paymentStatus"),
        date: text("date"),
        from: text("from"),
        to: text("to"),
        expert_id: text("expertId"),
        search: text("search"),
        page: text("page"),
        limit: text("limit"),
    };
    let rules = booking::rules(&state).await?;
    let page = booking::staff::list(&state, &rules, &user.0, &query, 20).await?;
    Ok(ApiOk::new(
        json!({ "appointments": page.appointments, "pagination": page.pagination }),
    ))
}

/// `GET /appointments/recent`: the ten most recently booked.
pub async fn recent(State(state): State<AppState>, user: CurrentUser) -> ApiResult<Value> {
    require_any(
        &user,
        &[Permission::AppointmentsView, Permission::AppointmentsManageAll],
    )?;
    let rules = booking::rules(&state).await?;
    let list = appts::recent(&state.db, &rules, 10).await?;
    Ok(ApiOk::new(json!({ "appointments": list })))
}

pub async fn get_one(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
) -> ApiResult<Value> {
    let rules = booking::rules(&state).await?;
    let a = appts::get_for(
        &state.db,
        &rules,
        booking::staff::actor(&state, &user.0).await?,
        path_id(&id, "Appointment")?,
    )
    .await?;
    Ok(ApiOk::new(json!({ "appointment": a })))
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
pub struct StatusBody {
    status: String,
    cancel_reason: Option<String>,
}

pub async fn set_status(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
    Json(body): Json<StatusBody>,
) -> ApiResult<Value> {
    user.require(Permission::AppointmentsManageAll)?;
    let status = AppointmentStatus::parse(&body.status).ok_or_else(|| {
        AppError::field(
            "status",
            "Must be one of reserved, confirmed, completed, cancelled, no_show",
        )
    })?;
    let reason = CancelReason::parse_field("cancelReason", body.cancel_reason.as_deref())?;
    let rules = booking::rules(&state).await?;
    let a = appts::set_status(&state, &rules, path_id(&id, "Appointment")?, status, reason).await?;
    Ok(ApiOk::new(json!({ "appointment": a })).message("Status updated"))
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
pub struct PayBody {
    payment_method: String,
}

pub async fn pay(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
    Json(body): Json<PayBody>,
) -> ApiResult<Value> {
    user.require(Permission::AppointmentsManageAll)?;
    let method = PaymentMethod::parse_field("paymentMethod", &body.payment_method)
        .map_err(|e| AppError::Validation(vec![e]))?;
    let rules = booking::rules(&state).await?;
    let a = appts::mark_paid(&state, &rules, path_id(&id, "Appointment")?, method).await?;
    Ok(ApiOk::new(json!({ "appointment": a })).message("Payment recorded"))
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
pub struct RescheduleBody {
    appointment_date: String,
    appointment_time: String,
    expert_id: Option<String>,
}

pub async fn reschedule(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
    Json(body): Json<RescheduleBody>,
) -> ApiResult<Value> {
    user.require(Permission::AppointmentsManageAll)?;
    let slot = crate::shared::appointments::parse_slot(&body.appointment_date, &body.appointment_time);
    let mut errors = slot.as_ref().err().cloned().unwrap_or_default();
    let expert_id = match body.expert_id.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => None,
        Some(raw) => uuid::Uuid::parse_str(raw)
            .map_err(|_| errors.push(FieldError::new("expertId", "Must be a valid id")))
            .ok(),
    };
    let (date, time) = match slot {
        Ok(slot) if errors.is_empty() => slot,
        _ => return Err(AppError::Validation(errors).into()),
    };
    let rules = booking::rules(&state).await?;
    let a = appts::reschedule(
        &state,
        &rules,
        path_id(&id, "Appointment")?,
        date,
        time,
        expert_id,
    )
    .await?;
    Ok(ApiOk::new(json!({ "appointment": a })).message("Appointment rescheduled"))
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct CancelBody {
    reason: Option<String>,
}

/// `DELETE /appointments/:id/cancel {reason}`: the owner, or a manager.
pub async fn cancel(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
    body: Option<Json<CancelBody>>,
) -> ApiResult<Value> {
    let reason = body.and_then(|Json(b)| b.reason);
    let reason = CancelReason::parse_field("reason", reason.as_deref())?;
    let rules = booking::rules(&state).await?;
    let a = appts::cancel(
        &state,
        &rules,
        booking::staff::actor(&state, &user.0).await?,
        path_id(&id, "Appointment")?,
        reason,
    )
    .await?;
    Ok(ApiOk::new(json!({ "appointment": a })).message("Appointment cancelled"))
}

/// `DELETE /appointments/:id`: managers delete; the customer who owns it cancels it.
pub async fn delete(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
) -> ApiResult<Value> {
    let rules = booking::rules(&state).await?;
    let manages = user.0.can(Permission::AppointmentsManageAll);
    appts::delete(
        &state,
        &rules,
        booking::staff::actor(&state, &user.0).await?,
        path_id(&id, "Appointment")?,
    )
    .await?;
    Ok(ApiOk::new(json!({})).message(if manages {
        "Appointment deleted"
    } else {
        "Appointment cancelled"
    }))
}

/// `GET /dashboard/stats?period=7|30|90` (`dashboard.view`).
pub async fn dashboard(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(q): Params,
) -> ApiResult<Value> {
    user.require(Permission::DashboardView)?;
    // Not a number is refused like any period the service does not offer.
    let period = param(&q, "period").map_or(30, |p| p.parse().unwrap_or(0));
    let rules = booking::rules(&state).await?;
    let d = booking::stats::dashboard(&state.db, &rules, period).await?;
    Ok(ApiOk::new(
        serde_json::to_value(d).map_err(|e| AppError::Internal(e.into()))?,
    ))
}
