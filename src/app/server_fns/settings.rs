//! The business settings for the portal, through `server::booking::settings` (the same rules as
//! `PUT /api/v1/settings`). Reading and changing them both need `settings.manage`: there is no
//! separate view permission.

use leptos::prelude::*;
use leptos::server_fn::codec::Json;
use serde::{Deserialize, Serialize};

use crate::shared::{
    errors::PortalError,
    settings::{BusinessSettings, SettingsForm},
};

/// What the settings page loads: the settings, and the time zones the server knows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SettingsData {
    pub settings: BusinessSettings,
    /// IANA names, sorted, for the time zone field's suggestions.
    pub timezones: Vec<String>,
}

#[cfg(feature = "ssr")]
fn shown(s: crate::server::booking::settings::Settings) -> BusinessSettings {
    BusinessSettings {
        business_name: s.business_name,
        timezone: s.timezone,
        slot_step_minutes: s.slot_step_minutes,
        min_notice_minutes: s.min_notice_minutes,
        booking_window_days: s.booking_window_days,
        reservation_hold_minutes: s.reservation_hold_minutes,
    }
}

#[server(prefix = "/api/fn", endpoint = "load_settings")]
pub async fn load_settings() -> Result<SettingsData, PortalError> {
    use crate::server::{booking::settings, portal};
    use crate::shared::permissions::Permission;
    let (state, _) = portal::authorize(Permission::SettingsManage).await?;
    let current = settings::get(&state.db, state.config.business_timezone)
        .await
        .map_err(portal::portal_error)?;
    let mut timezones: Vec<String> = chrono_tz::TZ_VARIANTS
        .iter()
        .map(|tz| tz.name().to_owned())
        .collect();
    timezones.sort_unstable();
    Ok(SettingsData {
        settings: shown(current),
        timezones,
    })
}

/// Checks the form with the shared parser, then saves every field; the server also checks the time
/// zone. Answers the settings as stored.
#[server(prefix = "/api/fn", endpoint = "save_settings", input = Json)]
pub async fn save_settings(form: SettingsForm) -> Result<BusinessSettings, PortalError> {
    use crate::server::{
        booking::settings::{self, SettingsChange},
        error::AppError,
        portal,
    };
    use crate::shared::permissions::Permission;
    let (state, p) = portal::authorize(Permission::SettingsManage).await?;
    let values = form
        .parse()
        .map_err(|e| portal::portal_error(AppError::Validation(e)))?;
    let change = SettingsChange {
        business_name: Some(values.business_name),
        timezone: Some(values.timezone),
        slot_step_minutes: Some(values.slot_step_minutes),
        min_notice_minutes: Some(values.min_notice_minutes),
        booking_window_days: Some(values.booking_window_days),
        reservation_hold_minutes: Some(values.reservation_hold_minutes),
    };
    settings::update(&state.db, state.config.business_timezone, p.user.id, change)
        .await
        .map(shown)
        .map_err(portal::portal_error)
}
