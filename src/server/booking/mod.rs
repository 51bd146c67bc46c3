//! Booking: business settings, schedules (working hours, time off, closures), availability and
//! appointments that can never overlap for one expert.

pub mod appointments;
pub mod availability;
pub mod calendar;
pub mod reports;
pub mod schedule;
pub mod settings;
pub mod slots;
pub mod staff;
pub mod stats;
pub mod sweep;

use crate::server::{error::AppResult, state::AppState};

/// The rules in force now: the business settings (created with defaults on first use) and the time.
pub async fn rules(state: &AppState) -> AppResult<availability::Rules> {
    Ok(availability::Rules {
        settings: settings::get(&state.db, state.config.business_timezone).await?,
        now: chrono::Utc::now(),
    })
}
