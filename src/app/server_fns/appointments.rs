//! Appointments for staff: the filtered list, the choices its filters and forms offer, walk-in
//! bookings with real availability, and the row actions. The rules (state machine, overlap guard,
//! who sees what) are `server::booking`'s, shared with `/api/v1`.

use leptos::prelude::*;
use leptos::server_fn::codec::Json;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::shared::{
    appointments::{AppointmentPage, AppointmentQuery, AppointmentView, Availability, BookingForm},
    errors::PortalError,
};

pub use crate::shared::catalog::Choice;

/// What the appointments page's filters and booking form offer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppointmentChoices {
    pub experts: Vec<Choice>,
    pub services: Vec<Choice>,
    /// The signed-in user may book, move, cancel, complete and delete any appointment.
    pub manages: bool,
    /// The list is narrowed to this expert's own schedule.
    pub own_expert: Option<Uuid>,
    /// Today in the business's time zone, `YYYY-MM-DD`.
    pub today: String,
}

#[server(prefix = "/api/fn", endpoint = "list_appointments", input = Json)]
pub async fn list_appointments(query: AppointmentQuery) -> Result<AppointmentPage, PortalError> {
    use crate::server::{booking, portal};
    let (state, p) = portal::signed_in().await?;
    let rules = portal::rules(&state).await.map_err(portal::portal_error)?;
    booking::staff::list(&state, &rules, &p, &query, 20)
        .await
        .map_err(portal::portal_error)
}

#[server(prefix = "/api/fn", endpoint = "appointment_choices")]
pub async fn load_appointment_choices() -> Result<AppointmentChoices, PortalError> {
    use crate::server::{booking, portal};
    use crate::shared::permissions::Permission;
    let (state, p) = portal::signed_in().await?;
    // Three independent reads (ids and names only), side by side.
    let ((own_expert, experts), services, rules) = tokio::try_join!(
        booking::staff::expert_choices(&state, &p),
        booking::staff::service_choices(&state.db),
        portal::rules(&state),
    )
    .map_err(portal::portal_error)?;
    Ok(AppointmentChoices {
        experts,
        services,
        manages: p.can(Permission::AppointmentsManageAll),
        own_expert,
        today: rules.today().format("%Y-%m-%d").to_string(),
    })
}

/// Free starts for a service on a day (optionally one expert), for booking and rescheduling.
#[server(prefix = "/api/fn", endpoint = "free_slots")]
pub async fn free_slots(
    service_id: Uuid,
    date: String,
    expert_id: Option<Uuid>,
) -> Result<Availability, PortalError> {
    use crate::server::{booking, portal};
    use crate::shared::{appointments::parse_date, permissions::Permission};
    let (state, _) = portal::authorize(Permission::AppointmentsManageAll).await?;
    let date = parse_date("date", &date)
        .map_err(|e| portal::portal_error(crate::server::error::AppError::Validation(vec![e])))?;
    let rules = booking::rules(&state).await.map_err(portal::portal_error)?;
    booking::availability::availability(&state.db, &rules, service_id, date, expert_id)
        .await
        .map_err(portal::portal_error)
}

/// A walk-in or phone booking by staff.
#[server(prefix = "/api/fn", endpoint = "book_appointment", input = Json)]
pub async fn book_appointment(form: BookingForm) -> Result<AppointmentView, PortalError> {
    use crate::server::{booking, error::AppError, portal};
    use crate::shared::permissions::Permission;
    let (state, p) = portal::authorize(Permission::AppointmentsManageAll).await?;
    let booking = form
        .parse()
        .map_err(|e| portal::portal_error(AppError::Validation(e)))?;
    let rules = booking::rules(&state).await.map_err(portal::portal_error)?;
    booking::appointments::book(&state, &rules, booking, Some(p.user.id))
        .await
        .map_err(portal::portal_error)
}

/// A row action on one appointment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum AppointmentChange {
    Confirm,
    Complete,
    NoShow,
    Cancel {
        reason: Option<String>,
    },
    MarkPaid {
        method: String,
    },
    Reschedule {
        date: String,
        time: String,
        expert_id: Option<Uuid>,
    },
    Delete,
}

impl AppointmentChange {
    /// What the toast says when it worked.
    pub fn done(&self) -> &'static str {
        match self {
            Self::Confirm => "Appointment confirmed",
            Self::Complete => "Appointment completed",
            Self::NoShow => "Marked as no-show",
            Self::Cancel { .. } => "Appointment cancelled",
            Self::MarkPaid { .. } => "Payment recorded",
            Self::Reschedule { .. } => "Appointment rescheduled",
            Self::Delete => "Appointment deleted",
        }
    }
}

#[server(prefix = "/api/fn", endpoint = "change_appointment", input = Json)]
pub async fn change_appointment(id: Uuid, change: AppointmentChange) -> Result<(), PortalError> {
    use crate::server::{
        booking::{self, appointments as appts},
        error::AppError,
        portal,
    };
    use crate::shared::{
        appointments::{parse_slot, CancelReason},
        booking::{AppointmentStatus, PaymentMethod},
        permissions::Permission,
    };
    let (state, p) = portal::authorize(Permission::AppointmentsManageAll).await?;
    let fail = portal::portal_error;
    let rules = booking::rules(&state).await.map_err(fail)?;
    let status = |s| appts::set_status(&state, &rules, id, s, None);
    match change {
        AppointmentChange::Confirm => status(AppointmentStatus::Confirmed).await.map(drop),
        AppointmentChange::Complete => status(AppointmentStatus::Completed).await.map(drop),
        AppointmentChange::NoShow => status(AppointmentStatus::NoShow).await.map(drop),
        AppointmentChange::Cancel { reason } => {
            let actor = booking::staff::actor(&state, &p).await.map_err(fail)?;
            let reason = CancelReason::parse_field("reason", reason.as_deref())
                .map_err(|e| fail(AppError::Validation(vec![e])))?;
            appts::cancel(&state, &rules, actor, id, reason).await.map(drop)
        }
        AppointmentChange::MarkPaid { method } => {
            let method = PaymentMethod::parse_field("paymentMethod", &method)
                .map_err(|e| fail(AppError::Validation(vec![e])))?;
            appts::mark_paid(&state, &rules, id, method).await.map(drop)
        }
        AppointmentChange::Reschedule {
            date,
            time,
            expert_id,
        } => {
            let (date, time) = parse_slot(&date, &time).map_err(|e| fail(AppError::Validation(e)))?;
            appts::reschedule(&state, &rules, id, date, time, expert_id)
                .await
                .map(drop)
        }
        AppointmentChange::Delete => {
            let actor = booking::staff::actor(&state, &p).await.map_err(fail)?;
            appts::delete(&state, &rules, actor, id).await
        }
    }
    .map_err(fail)
}
