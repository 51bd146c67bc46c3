//! The audit log for the portal, through `server::audit::list` (as `GET /api/v1/audit-log`), with
//! days in the business's time zone and the actors' names.

use leptos::prelude::*;
use leptos::server_fn::codec::Json;

use crate::shared::{
    audit::{AuditList, AuditQuery},
    errors::PortalError,
};

/// Entries per page.
pub const AUDIT_PAGE_SIZE: u64 = 20;

#[server(prefix = "/api/fn", endpoint = "list_audit_log", input = Json)]
pub async fn list_audit_log(query: AuditQuery) -> Result<AuditList, PortalError> {
    use std::collections::{BTreeSet, HashMap};

    use crate::server::{
        audit,
        booking::{settings, slots},
        error::AppError,
        identity::{accounts, directory},
        portal,
    };
    use crate::shared::{
        audit::{ActorRef, AuditEntry},
        errors::FieldError,
        paging::PageRequest,
        permissions::Permission,
    };
    let (state, _) = portal::authorize(Permission::AuditView).await?;
    let invalid = |errors: Vec<FieldError>| portal::portal_error(AppError::Validation(errors));
    let (filter, page) = match (
        query.parse(),
        PageRequest::parse(query.page.as_deref(), None, AUDIT_PAGE_SIZE),
    ) {
        (Ok(f), Ok(p)) => (f, p),
        (f, p) => return Err(invalid(f.err().into_iter().chain(p.err()).flatten().collect())),
    };
    let actor = match filter.actor {
        None => None,
        Some(ActorRef::Id(id)) => Some(id),
        Some(ActorRef::Email(email)) => match accounts::find_by_email(&state.db, &email)
            .await
            .map_err(portal::portal_error)?
        {
            Some(user) => Some(user.id),
            None => {
                return Err(invalid(vec![FieldError::new(
                    "actor",
                    "No account has this email",
                )]))
            }
        },
    };
    let tz = settings::get(&state.db, state.config.business_timezone)
        .await
        .map_err(portal::portal_error)?
        .tz();
    let parsed = audit::Filter {
        actor,
        action: filter.action,
        from: filter.from_day.map(|d| slots::day_start(tz, d)),
        to: filter
            .to_day
            .and_then(|d| d.succ_opt())
            .map(|d| slots::day_start(tz, d)),
    };
    let (rows, pagination) = audit::list(&state.db, parsed, page)
        .await
        .map_err(portal::portal_error)?;

    // The page's actors are a handful: one look-up each. A deleted account keeps only its id.
    let ids: BTreeSet<uuid::Uuid> = rows.iter().filter_map(|r| r.actor_id).collect();
    let mut people = HashMap::new();
    for id in ids {
        match directory::get(&state, id).await {
            Ok(u) => {
                people.insert(id, (u.name, u.email));
            }
            Err(AppError::NotFound(_)) => {}
            Err(e) => return Err(portal::portal_error(e)),
        }
    }
    let entries = rows
        .into_iter()
        .map(|r| {
            let person = r.actor_id.and_then(|id| people.get(&id));
            AuditEntry {
                id: r.id,
                at: r.created_at,
                when: r
                    .created_at
                    .with_timezone(&tz)
                    .format("%Y-%m-%d %H:%M:%S")
                    .to_string(),
                actor_id: r.actor_id,
                actor_name: person.map(|(name, _)| name.clone()),
                actor_email: person.map(|(_, email)| email.clone()),
                action: r.action,
                target_type: r.target_type,
                target_id: r.target_id,
                ip: r.ip,
                user_agent: r.user_agent,
                details: r.details.map(|d| d.to_string()),
            }
        })
        .collect();
    Ok(AuditList { entries, pagination })
}
