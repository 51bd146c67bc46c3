//! What the service layer announces after a change commits, and the one place that decides how each
//! announcement reaches sockets: which event names (the mobile contract's, §3), which payload, and
//! which rooms. Personal data (an appointment) goes only to the `admin` room and to the customer's
//! own `user_<id>` room; every other socket hears only that appointments changed, without data.

use serde::Serialize;
use serde_json::{json, Value};
use uuid::Uuid;

use crate::shared::{appointments::AppointmentView, catalog::Service};

/// The room of staff who see every booking (`join-admin`).
pub const ADMIN_ROOM: &str = "admin";

/// The contract's room of one customer (`join-user <id>`).
pub fn user_room(id: Uuid) -> String {
    format!("user_{id}")
}

/// Internal rooms, never announced to: every socket of one account, and every socket of one
/// sign-in (an access token's `sid`), so that ending them reaches every instance.
pub fn account_room(id: Uuid) -> String {
    format!("account:{id}")
}

pub fn sign_in_room(sid: Uuid) -> String {
    format!("sign-in:{sid}")
}

/// The sockets of one portal session, named by a digest of the session id (the id itself is a
/// secret and stays out of Redis).
pub fn session_room(session_id: &str) -> String {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(session_id.as_bytes());
    format!("session:{:x}", digest)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Action {
    Created,
    Updated,
    Deleted,
}

/// How an appointment changed, as the contract's `appointments-updated {type}` names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum AppointmentChange {
    Created,
    Updated,
    Paid,
    Cancelled,
    Deleted,
}

/// A change worth telling connected clients about, published after its transaction commits.
#[derive(Debug, Clone)]
pub enum Event {
    Service {
        action: Action,
        id: Uuid,
        service: Option<Box<Service>>,
    },
    Category {
        action: Action,
        id: Uuid,
    },
    Expert {
        action: Action,
        id: Uuid,
    },
    Offer {
        action: Action,
        id: Uuid,
        offer: Option<Box<crate::shared::offers::Offer>>,
    },
    Appointment {
        change: AppointmentChange,
        id: Uuid,
        owner: Option<Uuid>,
        appointment: Option<Box<AppointmentView>>,
    },
    Course {
        action: Action,
        id: Uuid,
        course: Option<Box<crate::shared::courses::Course>>,
    },
    /// A course application arrived (`created`) or was decided (`updated`).
    CourseApplication {
        action: Action,
        id: Uuid,
        course_id: Uuid,
    },
    Blog {
        action: Action,
        id: Uuid,
    },
    /// A review was written, hidden or shown again.
    Review {
        service_id: Option<Uuid>,
        expert_id: Option<Uuid>,
        course_id: Option<Uuid>,
    },
    /// A support ticket was opened, answered or changed (staff lists reload).
    SupportTicket {
        id: Uuid,
    },
    /// A payment was settled, failed or refunded (staff dashboards reload).
    Payment {
        id: Uuid,
    },
    Presence {
        user_id: Uuid,
        online: bool,
        last_seen: Option<chrono::DateTime<chrono::Utc>>,
    },
    /// Every socket of the account goes (deactivated, deleted, or its password changed).
    AccountSignedOut {
        user_id: Uuid,
    },
    /// The sockets of one sign-in go (logout).
    SignInEnded {
        sid: Uuid,
    },
    /// The sockets of one portal session go (sign-out).
    SessionEnded {
        session_id: String,
    },
}

impl Event {
    pub fn service(action: Action, service: &Service) -> Self {
        Self::Service {
            action,
            id: service.id,
            service: Some(Box::new(service.clone())),
        }
    }

    pub fn service_deleted(id: Uuid) -> Self {
        Self::Service {
            action: Action::Deleted,
            id,
            service: None,
        }
    }

    pub fn appointment(change: AppointmentChange, a: &AppointmentView) -> Self {
        Self::Appointment {
            change,
            id: a.id,
            owner: a.user_id,
            appointment: Some(Box::new(a.clone())),
        }
    }

    pub fn appointment_deleted(id: Uuid, owner: Option<Uuid>) -> Self {
        Self::Appointment {
            change: AppointmentChange::Deleted,
            id,
            owner,
            appointment: None,
        }
    }
}

/// Who an emit goes to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Audience {
    Everyone,
    Rooms(Vec<String>),
    /// Everyone but these rooms (they get a fuller version of the same event).
    EveryoneExcept(Vec<String>),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Emit {
    pub to: Audience,
    pub event: &'static str,
    pub payload: Value,
}

/// What a socket-level action an event also needs, beside emits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Disconnect {
    Room(String),
}

fn emit(to: Audience, event: &'static str, payload: Value) -> Emit {
    Emit { to, event, payload }
}

/// The emits for an event: the contract's names and payloads, in the rooms each may reach.
pub fn emits(event: &Event) -> Vec<Emit> {
    let admin = || Audience::Rooms(vec![ADMIN_ROOM.to_owned()]);
    match event {
        Event::Service { action, id, service } => {
            let (broadcast, singular) = match (action, service) {
                (Action::Deleted, _) | (_, None) => (
                    json!({ "action": action, "serviceId": id }),
                    json!({ "serviceId": id }),
                ),
                (_, Some(s)) => (json!({ "action": action, "service": s }), json!({ "service": s })),
            };
            let name = match action {
                Action::Created => "service-created",
                Action::Updated => "service-updated",
                Action::Deleted => "service-deleted",
            };
            vec![
                emit(Audience::Everyone, "services-updated", broadcast),
                emit(admin(), name, singular),
            ]
        }
        // Not in the app's contract (it listens for services): a category or an expert changes
        // what the service lists show, so everyone is told the catalog changed.
        Event::Category { action, id } => vec![emit(
            Audience::Everyone,
            "categories-updated",
            json!({ "action": action, "categoryId": id }),
        )],
        Event::Expert { action, id } => vec![emit(
            Audience::Everyone,
            "experts-updated",
            json!({ "action": action, "expertId": id }),
        )],
        Event::Offer { action, id, offer } => {
            let (broadcast, singular) = match (action, offer) {
                (Action::Deleted, _) | (_, None) => (
                    json!({ "action": action, "offerId": id }),
                    json!({ "offerId": id }),
                ),
                (_, Some(o)) => (json!({ "action": action, "offer": o }), json!({ "offer": o })),
            };
            let name = match action {
                Action::Created => "offer-created",
                Action::Updated => "offer-updated",
                Action::Deleted => "offer-deleted",
            };
            vec![
                emit(Audience::Everyone, "offers-updated", broadcast),
                emit(admin(), name, singular),
            ]
        }
        Event::Appointment {
            change,
            id,
            owner,
            appointment,
        } => {
            let mut rooms = vec![ADMIN_ROOM.to_owned()];
            rooms.extend(owner.map(user_room));
            let (full, singular_name, singular) = match (change, appointment) {
                (AppointmentChange::Deleted, _) | (_, None) => (
                    json!({ "type": change, "appointmentId": id }),
                    "appointment-deleted",
                    json!({ "appointmentId": id }),
                ),
                (AppointmentChange::Created, Some(a)) => (
                    json!({ "type": change, "appointment": a }),
                    "appointment-created",
                    json!({ "appointment": a }),
                ),
                (_, Some(a)) => (
                    json!({ "type": change, "appointment": a }),
                    "appointment-updated",
                    json!({ "appointment": a }),
                ),
            };
            vec![
                emit(Audience::Rooms(rooms.clone()), "appointments-updated", full),
                emit(Audience::Rooms(rooms.clone()), singular_name, singular),
                // Anyone else only learns that something changed: no one's booking leaks.
                emit(
                    Audience::EveryoneExcept(rooms),
                    "appointments-updated",
                    json!({ "type": change }),
                ),
            ]
        }
        Event::Course { action, id, course } => {
            let (broadcast, singular) = match (action, course) {
                (Action::Deleted, _) | (_, None) => (
                    json!({ "action": action, "courseId": id }),
                    json!({ "courseId": id }),
                ),
                (_, Some(c)) => (json!({ "action": action, "course": c }), json!({ "course": c })),
            };
            let name = match action {
                Action::Created => "course-created",
                Action::Updated => "course-updated",
                Action::Deleted => "course-deleted",
            };
            vec![
                emit(Audience::Everyone, "courses-updated", broadcast),
                emit(admin(), name, singular),
            ]
        }
        Event::CourseApplication {
            action,
            id,
            course_id,
        } => {
            let name = match action {
                Action::Created => "course-application-created",
                _ => "course-application-updated",
            };
            vec![emit(
                admin(),
                name,
                json!({ "applicationId": id, "courseId": course_id }),
            )]
        }
        Event::Blog { action, id } => vec![emit(
            Audience::Everyone,
            "blogs-updated",
            json!({ "action": action, "blogId": id }),
        )],
        Event::Review {
            service_id,
            expert_id,
            course_id,
        } => vec![emit(
            Audience::Everyone,
            "reviews-updated",
            json!({ "serviceId": service_id, "expertId": expert_id, "courseId": course_id }),
        )],
        Event::SupportTicket { id } => vec![emit(admin(), "support-updated", json!({ "ticketId": id }))],
        Event::Payment { id } => vec![emit(admin(), "payments-updated", json!({ "paymentId": id }))],
        Event::Presence {
            user_id,
            online,
            last_seen,
        } => vec![emit(
            admin(),
            "presence",
            json!({ "userId": user_id, "online": online, "lastSeen": last_seen }),
        )],
        Event::AccountSignedOut { .. } | Event::SignInEnded { .. } | Event::SessionEnded { .. } => Vec::new(),
    }
}

/// The sockets an event ends.
pub fn disconnects(event: &Event) -> Vec<Disconnect> {
    match event {
        Event::AccountSignedOut { user_id } => vec![Disconnect::Room(account_room(*user_id))],
        Event::SignInEnded { sid } => vec![Disconnect::Room(sign_in_room(*sid))],
        Event::SessionEnded { session_id } => vec![Disconnect::Room(session_room(session_id))],
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn appointment_data_goes_only_to_admin_and_the_owner() {
        let owner = Uuid::now_v7();
        let id = Uuid::now_v7();
        let out = emits(&Event::appointment_deleted(id, Some(owner)));
        let rooms = vec![ADMIN_ROOM.to_owned(), user_room(owner)];
        assert_eq!(out.len(), 3);
        assert_eq!(out[0].to, Audience::Rooms(rooms.clone()));
        assert_eq!(out[0].event, "appointments-updated");
        assert_eq!(out[1].event, "appointment-deleted");
        assert_eq!(out[2].to, Audience::EveryoneExcept(rooms));
        assert_eq!(out[2].payload, json!({ "type": "deleted" }));
    }

    #[test]
    fn service_changes_reach_everyone_and_the_admin_room_by_their_contract_names() {
        let id = Uuid::now_v7();
        let out = emits(&Event::service_deleted(id));
        assert_eq!(out[0].event, "services-updated");
        assert_eq!(out[0].to, Audience::Everyone);
        assert_eq!(out[0].payload, json!({ "action": "deleted", "serviceId": id }));
        assert_eq!(out[1].event, "service-deleted");
        assert_eq!(out[1].to, Audience::Rooms(vec!["admin".into()]));
    }

    #[test]
    fn ending_sign_ins_disconnects_their_rooms_and_announces_nothing() {
        let user_id = Uuid::now_v7();
        let e = Event::AccountSignedOut { user_id };
        assert!(emits(&e).is_empty());
        assert_eq!(disconnects(&e), vec![Disconnect::Room(account_room(user_id))]);
    }
}
