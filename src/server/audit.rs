//! The audit log: who did what to which record, from where.

use chrono::Utc;
use sea_orm::{ActiveModelTrait, ConnectionTrait, Set};
use uuid::Uuid;

use super::{entities::audit_log, error::AppResult};

/// One audit entry, built fluently: `Entry::new("user.login_failed").actor(id).target("user", id)`.
#[derive(Debug, Clone, Default)]
pub struct Entry {
    pub action: String,
    pub actor_id: Option<Uuid>,
    pub target_type: Option<String>,
    pub target_id: Option<String>,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    pub details: Option<serde_json::Value>,
}

impl Entry {
    pub fn new(action: &str) -> Self {
        Self {
            action: action.to_owned(),
            ..Self::default()
        }
    }
    pub fn actor(mut self, id: Uuid) -> Self {
        self.actor_id = Some(id);
        self
    }
    pub fn target(mut self, kind: &str, id: impl Into<String>) -> Self {
        self.target_type = Some(kind.to_owned());
        self.target_id = Some(id.into());
        self
    }
    pub fn client(mut self, ip: Option<String>, user_agent: Option<String>) -> Self {
        self.ip = ip;
        self.user_agent = user_agent;
        self
    }
    pub fn details(mut self, details: serde_json::Value) -> Self {
        self.details = Some(details);
        self
    }
}

pub async fn record<C: ConnectionTrait>(db: &C, entry: Entry) -> AppResult<()> {
    audit_log::ActiveModel {
        id: Set(Uuid::now_v7()),
        actor_id: Set(entry.actor_id),
        action: Set(entry.action),
        target_type: Set(entry.target_type),
        // The columns' limits (a target id may be an email someone typed).
        target_id: Set(entry.target_id.map(|t| t.chars().take(100).collect())),
        ip: Set(entry.ip),
        user_agent: Set(entry.user_agent.map(|ua| ua.chars().take(512).collect())),
        details: Set(entry.details),
        created_at: Set(Utc::now()),
    }
    .insert(db)
    .await?;
    Ok(())
}

/// Filters of `GET /audit-log`, parsed.
#[derive(Debug, Default)]
pub struct Filter {
    pub actor: Option<Uuid>,
    pub action: Option<String>,
    pub from: Option<chrono::DateTime<Utc>>,
    pub to: Option<chrono::DateTime<Utc>>,
}

/// Newest first.
pub async fn list<C: ConnectionTrait>(
    db: &C,
    filter: Filter,
    page: crate::shared::paging::PageRequest,
) -> AppResult<(Vec<audit_log::Model>, crate::shared::paging::Pagination)> {
    use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder};
    let mut q = audit_log::Entity::find();
    if let Some(actor) = filter.actor {
        q = q.filter(audit_log::Column::ActorId.eq(actor));
    }
    if let Some(action) = filter.action {
        q = q.filter(audit_log::Column::Action.eq(action));
    }
    if let Some(from) = filter.from {
        q = q.filter(audit_log::Column::CreatedAt.gte(from));
    }
    if let Some(to) = filter.to {
        q = q.filter(audit_log::Column::CreatedAt.lt(to));
    }
    let paginator = q
        .order_by_desc(audit_log::Column::CreatedAt)
        .order_by_desc(audit_log::Column::Id)
        .paginate(db, page.limit);
    let total = paginator.num_items().await?;
    Ok((paginator.fetch_page(page.page - 1).await?, page.of(total)))
}
