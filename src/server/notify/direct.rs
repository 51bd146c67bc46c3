//! Messages to one person (a support answer, a course application's decision) and to the staff who
//! hold a permission (a new course application): the inbox entry, push and email, written to the
//! outbox in the caller's transaction like every other notice.

use std::collections::BTreeMap;

use chrono::Utc;
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect, Set};
use uuid::Uuid;

use super::{settings, Channels};
use crate::server::{
    entities::{notifications, outbox, permissions, role_permissions, users},
    error::AppResult,
};
use crate::shared::permissions::Permission;

/// What to say, and the push `data` the app routes taps by (`type` first).
#[derive(Debug, Clone)]
pub struct Message {
    pub kind: &'static str,
    pub title: String,
    pub body: String,
    pub data: BTreeMap<String, String>,
}

impl Message {
    pub fn new(kind: &'static str, title: impl Into<String>, body: impl Into<String>) -> Self {
        Self {
            kind,
            title: title.into(),
            body: body.into(),
            data: BTreeMap::from([("type".to_owned(), kind.to_owned())]),
        }
    }

    pub fn with(mut self, key: &str, value: impl ToString) -> Self {
        self.data.insert(key.to_owned(), value.to_string());
        self
    }
}

fn queued(
    channel: &str,
    recipient: String,
    user: Option<Uuid>,
    m: &Message,
    body: String,
) -> outbox::ActiveModel {
    let now = Utc::now();
    outbox::ActiveModel {
        id: Set(Uuid::now_v7()),
        channel: Set(channel.to_owned()),
        recipient: Set(recipient),
        subject: Set(m.title.clone()),
        body_text: Set(body),
        body_html: Set(None),
        status: Set("pending".into()),
        attempts: Set(0),
        last_error: Set(None),
        next_attempt_at: Set(now),
        created_at: Set(now),
        sent_at: Set(None),
        user_id: Set(user),
        kind: Set(Some(m.kind.to_owned())),
        payload: Set(None),
    }
}

async fn inbox<C: ConnectionTrait>(db: &C, user: Uuid, m: &Message, data: &str) -> AppResult<()> {
    notifications::ActiveModel {
        id: Set(Uuid::now_v7()),
        user_id: Set(user),
        title: Set(m.title.chars().take(200).collect()),
        message: Set(m.body.clone()),
        kind: Set(m.kind.into()),
        data: Set(Some(data.to_owned())),
        is_read: Set(false),
        created_at: Set(Utc::now()),
    }
    .insert(db)
    .await?;
    Ok(())
}

/// To one person: their inbox and devices if they have an account, and email to the account's
/// address or else `email`. Returns how many outbox messages were queued.
pub async fn person<C: ConnectionTrait>(
    db: &C,
    channels: &Channels,
    user: Option<Uuid>,
    email: Option<&str>,
    m: &Message,
) -> AppResult<usize> {
    let prefs = settings::get(db).await?;
    let business = crate::server::booking::settings::get(db, chrono_tz::UTC)
        .await?
        .business_name;
    let account = match user {
        Some(id) => users::Entity::find_by_id(id).one(db).await?,
        None => None,
    };
    let data = serde_json::to_string(&m.data).unwrap_or_default();
    let mut rows = Vec::new();
    if let Some(a) = &account {
        inbox(db, a.id, m, &data).await?;
        if let (Some(token), true) = (&a.fcm_token, prefs.push && channels.push.is_some()) {
            let mut row = queued("push", token.clone(), Some(a.id), m, m.body.clone());
            row.payload = Set(Some(data.clone()));
            rows.push(row);
        }
    }
    let to = account
        .as_ref()
        .map(|a| a.email.clone())
        .or(email.map(str::to_owned));
    if let (Some(to), true) = (to, prefs.email) {
        let mut row = queued(
            "email",
            to,
            account.as_ref().map(|a| a.id),
            m,
            format!("{}\n\n{}\n", m.body, business),
        );
        row.body_html = Set(Some(super::templates::notice_html(&m.title, &m.body, &business)));
        rows.push(row);
    }
    let n = rows.len();
    for row in rows {
        row.insert(db).await?;
    }
    Ok(n)
}

/// The most staff one event notifies (the rest see it in the portal).
const STAFF_LIMIT: u64 = 50;

/// To the active staff whose role holds `permission`: inbox, and push where they have a device.
pub async fn staff_holding<C: ConnectionTrait>(
    db: &C,
    channels: &Channels,
    permission: Permission,
    m: &Message,
) -> AppResult<usize> {
    let Some(p) = permissions::Entity::find()
        .filter(permissions::Column::Slug.eq(permission.slug()))
        .one(db)
        .await?
    else {
        return Ok(0);
    };
    let roles: Vec<Uuid> = role_permissions::Entity::find()
        .filter(role_permissions::Column::PermissionId.eq(p.id))
        .all(db)
        .await?
        .into_iter()
        .map(|rp| rp.role_id)
        .collect();
    // Owner holds every permission whatever is stored.
    let owner = crate::server::entities::roles::Entity::find()
        .filter(crate::server::entities::roles::Column::Name.eq(crate::shared::permissions::OWNER_ROLE))
        .all(db)
        .await?
        .into_iter()
        .map(|r| r.id);
    let roles: Vec<Uuid> = roles.into_iter().chain(owner).collect();
    let who = users::Entity::find()
        .filter(users::Column::IsActive.eq(true))
        .filter(users::Column::RoleId.is_in(roles))
        .limit(STAFF_LIMIT)
        .all(db)
        .await?;
    let push_on = settings::get(db).await?.push && channels.push.is_some();
    let data = serde_json::to_string(&m.data).unwrap_or_default();
    let mut n = 0;
    for user in who {
        inbox(db, user.id, m, &data).await?;
        if let (Some(token), true) = (user.fcm_token, push_on) {
            let mut row = queued("push", token, Some(user.id), m, m.body.clone());
            row.payload = Set(Some(data.clone()));
            row.insert(db).await?;
            n += 1;
        }
    }
    Ok(n)
}
