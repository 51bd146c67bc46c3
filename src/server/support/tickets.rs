//! Support tickets (contract §2.10). Customers open them and read their own; staff with
//! `support.view` list and read them, and with `support.manage` change status and priority,
//! assign, answer (which notifies the customer and, unless a status is given, resolves the ticket)
//! and delete. Every change is audited.

use std::collections::HashMap;

use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect, Set,
};
use uuid::Uuid;

use crate::server::{
    audit,
    entities::{support_tickets as entity, users},
    error::{AppError, AppResult},
    live::events::Event,
    notify::direct::{self, Message},
    search,
    state::AppState,
};
use crate::shared::{
    paging::{PageRequest, Pagination},
    permissions::Permission,
    support::{NewTicket, Priority, Ticket, TicketChanges, TicketFilter, TicketStatus},
};

/// The most tickets one account may have open at once (a flood guard; staff see them all).
pub const MAX_OPEN_PER_USER: u64 = 20;

async fn views<C: ConnectionTrait>(db: &C, rows: Vec<entity::Model>) -> AppResult<Vec<Ticket>> {
    let ids: Vec<Uuid> = rows.iter().filter_map(|r| r.assigned_to).collect();
    let names: HashMap<Uuid, String> = if ids.is_empty() {
        HashMap::new()
    } else {
        users::Entity::find()
            .filter(users::Column::Id.is_in(ids))
            .all(db)
            .await?
            .into_iter()
            .map(|u| (u.id, u.name))
            .collect()
    };
    Ok(rows
        .into_iter()
        .map(|r| Ticket {
            id: r.id,
            user_id: r.user_id,
            customer_name: r.customer_name,
            customer_email: r.customer_email,
            customer_phone: r.customer_phone,
            subject: r.subject,
            message: r.message,
            status: TicketStatus::parse(&r.status).unwrap_or(TicketStatus::Open),
            priority: Priority::parse(&r.priority).unwrap_or(Priority::Medium),
            assigned_to: r.assigned_to,
            assigned_to_name: r.assigned_to.and_then(|id| names.get(&id).cloned()),
            response: r.response,
            responded_at: r.responded_at,
            created_at: r.created_at,
            updated_at: r.updated_at,
            resolved_at: r.resolved_at,
        })
        .collect())
}

async fn row<C: ConnectionTrait>(db: &C, id: Uuid) -> AppResult<entity::Model> {
    entity::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or_else(|| AppError::not_found("Ticket"))
}

/// `POST /support/tickets` by a signed-in customer. The account's row is locked while its open
/// tickets are counted, so a burst cannot pass the limit together.
pub async fn open(state: &AppState, user: Uuid, new: NewTicket) -> AppResult<Ticket> {
    let txn = crate::server::db::write_txn(&state.db).await?;
    users::Entity::find_by_id(user)
        .select_only()
        .column(users::Column::Id)
        .lock_exclusive()
        .into_tuple::<Uuid>()
        .one(&txn)
        .await?;
    let open_now = entity::Entity::find()
        .filter(entity::Column::UserId.eq(user))
        .filter(
            entity::Column::Status.is_in([TicketStatus::Open.as_str(), TicketStatus::InProgress.as_str()]),
        )
        .count(&txn)
        .await?;
    if open_now >= MAX_OPEN_PER_USER {
        return Err(AppError::TooManyRequests {
            message: format!(
                "You have {open_now} open requests. Please wait for an answer before sending more."
            ),
            retry_after_secs: 3600,
        });
    }
    let now = Utc::now();
    let saved = entity::ActiveModel {
        id: Set(Uuid::now_v7()),
        user_id: Set(Some(user)),
        customer_name: Set(new.name),
        customer_email: Set(new.email.as_str().to_owned()),
        customer_phone: Set(new.phone.map(String::from)),
        subject: Set(new.subject),
        message: Set(new.message),
        status: Set(TicketStatus::Open.as_str().to_owned()),
        priority: Set(Priority::Medium.as_str().to_owned()),
        assigned_to: Set(None),
        response: Set(None),
        responded_by: Set(None),
        responded_at: Set(None),
        resolved_at: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(&txn)
    .await?;
    let message = Message::new(
        "support",
        format!("Support: {}", saved.subject),
        format!("{} wrote: {}", saved.customer_name, saved.subject),
    )
    .with("id", saved.id);
    direct::staff_holding(&txn, &state.channels, Permission::SupportManage, &message).await?;
    let ticket = views(&txn, vec![saved]).await?.remove(0);
    txn.commit().await?;
    state.outbox_kick.now();
    state.live.publish(Event::SupportTicket { id: ticket.id });
    Ok(ticket)
}

/// `GET /support/tickets/my`: newest first.
pub async fn mine<C: ConnectionTrait>(db: &C, user: Uuid) -> AppResult<Vec<Ticket>> {
    let rows = entity::Entity::find()
        .filter(entity::Column::UserId.eq(user))
        .order_by_desc(entity::Column::CreatedAt)
        .limit(200)
        .all(db)
        .await?;
    views(db, rows).await
}

/// The staff list: open work first (by priority, then oldest), filtered.
pub async fn list<C: ConnectionTrait>(
    db: &C,
    filter: &TicketFilter,
    page: PageRequest,
) -> AppResult<(Vec<Ticket>, Pagination)> {
    let mut query = entity::Entity::find();
    if let Some(s) = filter.status {
        query = query.filter(entity::Column::Status.eq(s.as_str()));
    }
    if let Some(p) = filter.priority {
        query = query.filter(entity::Column::Priority.eq(p.as_str()));
    }
    if let Some(id) = filter.assigned_to {
        query = query.filter(entity::Column::AssignedTo.eq(id));
    }
    if let Some(text) = filter.search.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        let pattern = search::pattern(text)?;
        query = query.filter(
            Condition::any()
                .add(search::contains(
                    (entity::Entity, entity::Column::Subject),
                    &pattern,
                ))
                .add(search::contains(
                    (entity::Entity, entity::Column::Message),
                    &pattern,
                ))
                .add(search::contains(
                    (entity::Entity, entity::Column::CustomerName),
                    &pattern,
                ))
                .add(search::contains(
                    (entity::Entity, entity::Column::CustomerEmail),
                    &pattern,
                )),
        );
    }
    let (rows, pagination) = crate::server::db::page_of(
        db,
        query
            .order_by_desc(entity::Column::CreatedAt)
            .order_by_asc(entity::Column::Id),
        page,
    )
    .await?;
    Ok((views(db, rows).await?, pagination))
}

pub async fn get<C: ConnectionTrait>(db: &C, id: Uuid) -> AppResult<Ticket> {
    Ok(views(db, vec![row(db, id).await?]).await?.remove(0))
}

/// Applies staff changes. A response is stored with who wrote it and sent to the customer; a
/// response without a status resolves the ticket. An assignee must be an active account that may
/// read tickets.
pub async fn update(state: &AppState, actor: Uuid, id: Uuid, changes: TicketChanges) -> AppResult<Ticket> {
    if let Some(Some(assignee)) = changes.assigned_to {
        let who = crate::server::identity::accounts::load_principal(&state.db, &state.permissions, assignee)
            .await?;
        if !who.is_some_and(|p| p.user.is_active && p.can(Permission::SupportView)) {
            return Err(AppError::field(
                "assignedTo",
                "Choose an active member of staff who can read support tickets",
            ));
        }
    }
    let txn = crate::server::db::write_txn(&state.db).await?;
    let current = row(&txn, id).await?;
    let now = Utc::now();
    let status = changes
        .status
        .or(changes.response.as_ref().map(|_| TicketStatus::Resolved));
    let mut active: entity::ActiveModel = current.clone().into();
    if let Some(s) = status {
        active.status = Set(s.as_str().to_owned());
        active.resolved_at = Set(match s {
            TicketStatus::Resolved | TicketStatus::Closed => current.resolved_at.or(Some(now)),
            _ => None,
        });
    }
    if let Some(p) = changes.priority {
        active.priority = Set(p.as_str().to_owned());
    }
    if let Some(a) = changes.assigned_to {
        active.assigned_to = Set(a);
    }
    if let Some(r) = &changes.response {
        active.response = Set(Some(r.clone()));
        active.responded_by = Set(Some(actor));
        active.responded_at = Set(Some(now));
    }
    active.updated_at = Set(now);
    let saved = active.update(&txn).await?;
    audit::record(
        &txn,
        audit::Entry::new(if changes.response.is_some() {
            "support.responded"
        } else {
            "support.updated"
        })
        .actor(actor)
        .target("support_ticket", id.to_string())
        .details(serde_json::json!({
            "status": saved.status,
            "priority": saved.priority,
            "assignedTo": saved.assigned_to,
        })),
    )
    .await?;
    if let Some(response) = &changes.response {
        let message = Message::new(
            "support",
            "Support Response",
            format!("Re: {}\n\n{}", saved.subject, response),
        )
        .with("id", saved.id);
        direct::person(
            &txn,
            &state.channels,
            saved.user_id,
            Some(saved.customer_email.as_str()),
            &message,
        )
        .await?;
    }
    let ticket = views(&txn, vec![saved]).await?.remove(0);
    txn.commit().await?;
    if changes.response.is_some() {
        state.outbox_kick.now();
    }
    state.live.publish(Event::SupportTicket { id });
    Ok(ticket)
}

pub async fn delete(state: &AppState, actor: Uuid, id: Uuid) -> AppResult<()> {
    let txn = crate::server::db::write_txn(&state.db).await?;
    let current = row(&txn, id).await?;
    entity::Entity::delete_by_id(id).exec(&txn).await?;
    audit::record(
        &txn,
        audit::Entry::new("support.deleted")
            .actor(actor)
            .target("support_ticket", id.to_string())
            .details(serde_json::json!({ "subject": current.subject })),
    )
    .await?;
    txn.commit().await?;
    state.live.publish(Event::SupportTicket { id });
    Ok(())
}
