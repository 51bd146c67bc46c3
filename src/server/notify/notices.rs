//! What an appointment change tells its customer: an entry in their in-app inbox (when the booking
//! belongs to an account) and one delivery per channel that is on and can reach them, all queued in
//! the caller's transaction, so they exist exactly when the change does.

use std::collections::BTreeMap;

use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect, Set,
};
use uuid::Uuid;

use super::{settings, Channels};
use crate::server::{
    entities::{experts, notifications, outbox, permissions, role_permissions, users},
    error::AppResult,
};
use crate::shared::appointments::AppointmentView;
use crate::shared::permissions::Permission;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Notice {
    /// Booked, not yet paid (a reservation).
    Booked,
    Confirmed,
    StatusChanged,
    Cancelled,
    Paid,
    Rescheduled,
    Reminder,
}

impl Notice {
    fn template(self, texts: &settings::Texts) -> &settings::Template {
        match self {
            Self::Booked => &texts.booked,
            Self::Confirmed => &texts.confirmed,
            Self::StatusChanged => &texts.status_changed,
            Self::Cancelled => &texts.cancelled,
            Self::Paid => &texts.paid,
            Self::Rescheduled => &texts.rescheduled,
            Self::Reminder => &texts.reminder,
        }
    }

    /// The outbox's `kind`: reminders apart, for the delivery log.
    fn kind(self) -> &'static str {
        match self {
            Self::Reminder => "reminder",
            _ => "appointment",
        }
    }
}

/// The message as the customer reads it.
pub struct Rendered {
    pub title: String,
    pub body: String,
    /// The push message's data (all strings): the app routes a tap by `type`.
    pub data: BTreeMap<String, String>,
}

pub fn render(notice: Notice, texts: &settings::Texts, a: &AppointmentView, business: &str) -> Rendered {
    let time: String = a.appointment_time.chars().take(5).collect();
    let values = [
        ("customer", a.customer_name.as_str()),
        ("service", a.service_name.as_str()),
        ("expert", a.expert_name.as_str()),
        ("date", a.appointment_date.as_str()),
        ("time", time.as_str()),
        ("status", a.status.as_str()),
        ("business", business),
    ];
    let template = notice.template(texts);
    let mut data = BTreeMap::from([
        ("type".to_owned(), "appointment".to_owned()),
        ("id".to_owned(), a.id.to_string()),
    ]);
    if notice == Notice::StatusChanged {
        data.insert("status".into(), a.status.clone());
    }
    Rendered {
        title: settings::fill(&template.title, &values),
        body: settings::fill(&template.body, &values),
        data,
    }
}

/// An SMS number in E.164: the digits of a number typed with its country code (`+44 …` or
/// `0044 …`). A national number (`0300 …`) names no country, and guessing one would text a
/// stranger, so it gets no SMS.
fn e164(phone: &str) -> Option<String> {
    let phone = phone.trim();
    let international = phone.strip_prefix('+').or_else(|| phone.strip_prefix("00"))?;
    let digits: String = international.chars().filter(char::is_ascii_digit).collect();
    (8..=15)
        .contains(&digits.len())
        .then(|| format!("+{digits}"))
        .filter(|n| !n.starts_with("+0"))
}

/// Queues `notice` about `a` for its customer. Returns how many deliveries were queued.
pub async fn appointment<C: ConnectionTrait>(
    db: &C,
    channels: &Channels,
    notice: Notice,
    a: &AppointmentView,
) -> AppResult<usize> {
    let prefs = settings::get(db).await?;
    let business = crate::server::booking::settings::get(db, chrono_tz::UTC)
        .await?
        .business_name;
    let message = render(notice, &prefs.texts, a, &business);
    let account = match a.user_id {
        Some(id) => users::Entity::find_by_id(id).one(db).await?,
        None => None,
    };
    let now = Utc::now();
    let data_json = serde_json::to_string(&message.data).unwrap_or_default();
    if let Some(user) = &account {
        notifications::ActiveModel {
            id: Set(Uuid::now_v7()),
            user_id: Set(user.id),
            title: Set(message.title.chars().take(200).collect()),
            message: Set(message.body.clone()),
            kind: Set("appointment".into()),
            data: Set(Some(data_json.clone())),
            is_read: Set(false),
            created_at: Set(now),
        }
        .insert(db)
        .await?;
    }
    let email = account
        .as_ref()
        .map(|u| u.email.clone())
        .or_else(|| a.customer_email.clone());
    let mut queued = 0;
    let queue =
        |channel: &str, recipient: String, body: String, payload: Option<String>| outbox::ActiveModel {
            id: Set(Uuid::now_v7()),
            channel: Set(channel.to_owned()),
            recipient: Set(recipient),
            subject: Set(message.title.clone()),
            body_text: Set(body),
            body_html: Set(None),
            status: Set("pending".into()),
            attempts: Set(0),
            last_error: Set(None),
            next_attempt_at: Set(now),
            created_at: Set(now),
            sent_at: Set(None),
            user_id: Set(account.as_ref().map(|u| u.id)),
            kind: Set(Some(notice.kind().to_owned())),
            payload: Set(payload),
        };
    let mut rows = Vec::new();
    if prefs.email {
        if let Some(to) = email {
            let text = format!("{}\n\n{}\n", message.body, business);
            let mut row = queue("email", to, text, None);
            row.body_html = Set(Some(super::templates::notice_html(
                &message.title,
                &message.body,
                &business,
            )));
            rows.push(row);
        }
    }
    if prefs.push && channels.push.is_some() {
        if let Some(token) = account.as_ref().and_then(|u| u.fcm_token.clone()) {
            rows.push(queue(
                "push",
                token,
                message.body.clone(),
                Some(data_json.clone()),
            ));
        }
    }
    if prefs.sms && channels.sms.is_some() {
        let phone = account
            .as_ref()
            .and_then(|u| u.phone.clone())
            .unwrap_or_else(|| a.customer_phone.clone());
        if let Some(number) = e164(&phone) {
            rows.push(queue(
                "sms",
                number,
                format!("{}: {}", business, message.body),
                None,
            ));
        }
    }
    for row in rows {
        row.insert(db).await?;
        queued += 1;
    }
    Ok(queued)
}

/// What staff hear about: a new booking, and a payment (the contract pushes both to admins).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StaffNotice {
    Booked,
    Paid,
}

/// At most this many staff accounts hear about one change.
const STAFF_LIMIT: u64 = 50;

/// Tells staff about `a`: everyone whose role manages all appointments, and the expert's own
/// account, except `except` (who made the change). An in-app entry each, and a push to those
/// with a device token, queued in the caller's transaction.
pub async fn staff<C: ConnectionTrait>(
    db: &C,
    channels: &Channels,
    notice: StaffNotice,
    a: &AppointmentView,
    except: Option<Uuid>,
) -> AppResult<usize> {
    let managers: Vec<Uuid> = match permissions::Entity::find()
        .filter(permissions::Column::Slug.eq(Permission::AppointmentsManageAll.slug()))
        .one(db)
        .await?
    {
        Some(p) => role_permissions::Entity::find()
            .filter(role_permissions::Column::PermissionId.eq(p.id))
            .all(db)
            .await?
            .into_iter()
            .map(|rp| rp.role_id)
            .collect(),
        None => Vec::new(),
    };
    let expert_account = experts::Entity::find_by_id(a.expert_id)
        .one(db)
        .await?
        .and_then(|e| e.user_id);
    let mut who = users::Entity::find()
        .filter(users::Column::IsActive.eq(true))
        .filter(
            Condition::any()
                .add(users::Column::RoleId.is_in(managers))
                .add(users::Column::Id.is_in(expert_account)),
        )
        .limit(STAFF_LIMIT)
        .all(db)
        .await?;
    who.retain(|u| Some(u.id) != except && Some(u.id) != a.user_id);
    // The business's push switch holds for staff phones too.
    let push_on = settings::get(db).await?.push;
    let time: String = a.appointment_time.chars().take(5).collect();
    let (kind, title, body) = match notice {
        StaffNotice::Booked => (
            "appointment",
            format!("New booking: {}", a.service_name),
            format!(
                "{} booked {} with {} on {} at {}.",
                a.customer_name, a.service_name, a.expert_name, a.appointment_date, time
            ),
        ),
        StaffNotice::Paid => (
            "payment",
            format!("Paid: {}", a.service_name),
            format!(
                "{} paid for {} on {} at {}.",
                a.customer_name, a.service_name, a.appointment_date, time
            ),
        ),
    };
    let data = match notice {
        StaffNotice::Booked => BTreeMap::from([
            ("type".to_owned(), "appointment".to_owned()),
            ("id".to_owned(), a.id.to_string()),
        ]),
        StaffNotice::Paid => BTreeMap::from([
            ("type".to_owned(), "payment".to_owned()),
            ("appointmentId".to_owned(), a.id.to_string()),
        ]),
    };
    let data_json = serde_json::to_string(&data).unwrap_or_default();
    let now = Utc::now();
    let mut queued = 0;
    for user in &who {
        notifications::ActiveModel {
            id: Set(Uuid::now_v7()),
            user_id: Set(user.id),
            title: Set(title.chars().take(200).collect()),
            message: Set(body.clone()),
            kind: Set(kind.into()),
            data: Set(Some(data_json.clone())),
            is_read: Set(false),
            created_at: Set(now),
        }
        .insert(db)
        .await?;
        if let (Some(token), Some(_), true) = (&user.fcm_token, &channels.push, push_on) {
            outbox::ActiveModel {
                id: Set(Uuid::now_v7()),
                channel: Set("push".into()),
                recipient: Set(token.clone()),
                subject: Set(title.clone()),
                body_text: Set(body.clone()),
                body_html: Set(None),
                status: Set("pending".into()),
                attempts: Set(0),
                last_error: Set(None),
                next_attempt_at: Set(now),
                created_at: Set(now),
                sent_at: Set(None),
                user_id: Set(Some(user.id)),
                kind: Set(Some(kind.into())),
                payload: Set(Some(data_json.clone())),
            }
            .insert(db)
            .await?;
            queued += 1;
        }
    }
    Ok(queued)
}

/// How many customers one batch of the offer announcement writes.
const ANNOUNCE_BATCH: u64 = 500;

/// "New Offer!" to every active customer account (roles Customer and User), as the old backend
/// did when an offer was created: an in-app entry each, and a push to those with a device when push
/// is on. Written in batches after the offer is saved, so a large customer base never holds up the
/// request. Returns how many pushes were queued.
pub async fn new_offer(
    db: &sea_orm::DatabaseConnection,
    channels: &Channels,
    offer: &crate::shared::offers::Offer,
) -> AppResult<usize> {
    use crate::server::entities::roles;
    use crate::shared::permissions::{CUSTOMER_ROLE, USER_ROLE};
    use sea_orm::QueryOrder;
    let customer_roles: Vec<Uuid> = roles::Entity::find()
        .filter(roles::Column::Name.is_in([CUSTOMER_ROLE, USER_ROLE]))
        .all(db)
        .await?
        .into_iter()
        .map(|r| r.id)
        .collect();
    if customer_roles.is_empty() {
        return Ok(0);
    }
    let push_on = settings::get(db).await?.push && channels.push.is_some();
    let title = "New Offer!".to_owned();
    let body: String = match offer.discount() {
        Some(d) => format!("{}: {}", offer.title, d.label()),
        None => offer.title.clone(),
    };
    let data = BTreeMap::from([
        ("type".to_owned(), "offer".to_owned()),
        ("id".to_owned(), offer.id.to_string()),
    ]);
    let data_json = serde_json::to_string(&data).unwrap_or_default();
    let mut queued = 0;
    let mut after: Option<Uuid> = None;
    loop {
        let mut q = users::Entity::find()
            .filter(users::Column::IsActive.eq(true))
            .filter(users::Column::RoleId.is_in(customer_roles.clone()))
            .order_by_asc(users::Column::Id)
            .limit(ANNOUNCE_BATCH);
        if let Some(last) = after {
            q = q.filter(users::Column::Id.gt(last));
        }
        let batch = q.all(db).await?;
        let Some(last) = batch.last() else { break };
        after = Some(last.id);
        let now = Utc::now();
        let entries: Vec<notifications::ActiveModel> = batch
            .iter()
            .map(|u| notifications::ActiveModel {
                id: Set(Uuid::now_v7()),
                user_id: Set(u.id),
                title: Set(title.clone()),
                message: Set(body.clone()),
                kind: Set("offer".into()),
                data: Set(Some(data_json.clone())),
                is_read: Set(false),
                created_at: Set(now),
            })
            .collect();
        let pushes: Vec<outbox::ActiveModel> = batch
            .iter()
            .filter(|_| push_on)
            .filter_map(|u| Some((u, u.fcm_token.clone()?)))
            .map(|(u, token)| outbox::ActiveModel {
                id: Set(Uuid::now_v7()),
                channel: Set("push".into()),
                recipient: Set(token),
                subject: Set(title.clone()),
                body_text: Set(body.clone()),
                body_html: Set(None),
                status: Set("pending".into()),
                attempts: Set(0),
                last_error: Set(None),
                next_attempt_at: Set(now),
                created_at: Set(now),
                sent_at: Set(None),
                user_id: Set(Some(u.id)),
                kind: Set(Some("offer".into())),
                payload: Set(Some(data_json.clone())),
            })
            .collect();
        queued += pushes.len();
        // A batch's entries and pushes are written together.
        let txn = crate::server::db::write_txn(db).await?;
        for chunk in entries.chunks(100) {
            notifications::Entity::insert_many(chunk.to_vec())
                .exec(&txn)
                .await?;
        }
        for chunk in pushes.chunks(100) {
            outbox::Entity::insert_many(chunk.to_vec()).exec(&txn).await?;
        }
        txn.commit().await?;
        if (batch.len() as u64) < ANNOUNCE_BATCH {
            break;
        }
    }
    Ok(queued)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sms_numbers_are_e164() {
        assert_eq!(e164("+44 20 7946 0000").as_deref(), Some("+442079460000"));
        assert_eq!(e164("0044 20 7946 0000").as_deref(), Some("+442079460000"));
        assert_eq!(
            e164("(0300) 123-4567"),
            None,
            "a national number names no country"
        );
        assert_eq!(e164("+0 300 1234567"), None);
        assert_eq!(e164("+123"), None);
    }
}
