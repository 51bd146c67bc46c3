//! Notifications in the portal: the signed-in user's inbox (the bell; the same rows as
//! `GET /api/v1/notifications/my`), the delivery log (`notifications.send`), and the business's
//! channel switches and message texts (`settings.manage`).

use leptos::prelude::*;
use leptos::server_fn::codec::Json;
use uuid::Uuid;

use crate::shared::{
    errors::PortalError,
    notifications::{DeliveryList, DeliveryQuery, Inbox, NotificationSettings},
};

/// Deliveries per page.
pub const DELIVERY_PAGE_SIZE: u64 = 25;

/// How many entries the bell lists.
#[cfg(feature = "ssr")]
const BELL_ENTRIES: usize = 10;

#[server(prefix = "/api/fn", endpoint = "load_inbox")]
pub async fn load_inbox() -> Result<Inbox, PortalError> {
    use crate::server::{booking::settings, notify::inbox, portal};
    let (state, p) = portal::signed_in().await?;
    let unread = inbox::unread(&state.db, p.user.id)
        .await
        .map_err(portal::portal_error)?;
    let mut entries = inbox::list(&state.db, p.user.id)
        .await
        .map_err(portal::portal_error)?;
    entries.truncate(BELL_ENTRIES);
    let tz = settings::get(&state.db, state.config.business_timezone)
        .await
        .map_err(portal::portal_error)?
        .tz();
    let entries = entries
        .into_iter()
        .map(|e| {
            let when = super::local(e.created_at, tz, "%Y-%m-%d %H:%M");
            (e, when)
        })
        .collect();
    Ok(Inbox { unread, entries })
}

/// Marks one of one's own entries read (`None`: all of them).
#[server(prefix = "/api/fn", endpoint = "mark_notifications_read", input = Json)]
pub async fn mark_notifications_read(id: Option<Uuid>) -> Result<(), PortalError> {
    use crate::server::{notify::inbox, portal};
    let (state, p) = portal::signed_in().await?;
    match id {
        Some(id) => inbox::mark_read(&state.db, p.user.id, id).await,
        None => inbox::mark_all_read(&state.db, p.user.id).await.map(|_| ()),
    }
    .map_err(portal::portal_error)
}

#[server(prefix = "/api/fn", endpoint = "list_deliveries", input = Json)]
pub async fn list_deliveries(query: DeliveryQuery) -> Result<DeliveryList, PortalError> {
    use crate::server::{booking::settings, error::AppError, notify::log, portal};
    use crate::shared::{notifications::DeliveryRow, paging::PageRequest, permissions::Permission};
    let (state, _) = portal::authorize(Permission::NotificationsSend).await?;
    let (filter, page) = match (
        query.parse(),
        PageRequest::parse(query.page.as_deref(), None, DELIVERY_PAGE_SIZE),
    ) {
        (Ok(f), Ok(p)) => (f, p),
        (f, p) => {
            let errors = f.err().into_iter().chain(p.err()).flatten().collect();
            return Err(portal::portal_error(AppError::Validation(errors)));
        }
    };
    let tz = settings::get(&state.db, state.config.business_timezone)
        .await
        .map_err(portal::portal_error)?
        .tz();
    let (deliveries, pagination) = log::list(&state.db, &filter, page)
        .await
        .map_err(portal::portal_error)?;
    let local = |t| super::local(t, tz, "%Y-%m-%d %H:%M");
    let rows = deliveries
        .into_iter()
        .map(|d| DeliveryRow {
            when: local(d.created_at),
            sent_when: d.sent_at.map(local),
            delivery: d,
        })
        .collect();
    Ok(DeliveryList { rows, pagination })
}

/// Sends a failed delivery again.
#[server(prefix = "/api/fn", endpoint = "retry_delivery", input = Json)]
pub async fn retry_delivery(id: Uuid) -> Result<(), PortalError> {
    use crate::server::{notify::log, portal};
    use crate::shared::permissions::Permission;
    let (state, _) = portal::authorize(Permission::NotificationsSend).await?;
    log::retry(&state.db, id).await.map_err(portal::portal_error)?;
    state.outbox_kick.now();
    Ok(())
}

#[server(prefix = "/api/fn", endpoint = "load_notification_settings")]
pub async fn load_notification_settings() -> Result<NotificationSettings, PortalError> {
    use crate::server::{notify::settings, portal};
    use crate::shared::permissions::Permission;
    let (state, _) = portal::authorize(Permission::SettingsManage).await?;
    settings::get(&state.db).await.map_err(portal::portal_error)
}

/// Saves the switches and every text (each checked, bad ones named); answers them as stored.
#[server(prefix = "/api/fn", endpoint = "save_notification_settings", input = Json)]
pub async fn save_notification_settings(
    settings: NotificationSettings,
) -> Result<NotificationSettings, PortalError> {
    use crate::server::{notify::settings as stored, portal};
    use crate::shared::permissions::Permission;
    let (state, p) = portal::authorize(Permission::SettingsManage).await?;
    stored::update(&state.db, p.user.id, &settings)
        .await
        .map_err(portal::portal_error)?;
    Ok(settings)
}
