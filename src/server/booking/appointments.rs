//! Appointments: booking (by customers, guests and staff), rescheduling, the status machine,
//! payment, cancellation and the lists. Every write that places an appointment in time goes
//! through `place`, and the database refuses overlaps (`appointments_no_overlap`), so no expert is
//! ever booked twice, whatever races.

use chrono::{DateTime, Duration, NaiveDate, NaiveTime, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait,
    PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, Set,
};
use uuid::Uuid;

use super::{
    availability::{self, Rules},
    slots::{self, Refusal},
};
use crate::server::{
    catalog::offers,
    entities::{appointments as entity, experts, offers as offer_rows, services},
    error::{AppError, AppResult},
    live::events::{AppointmentChange, Event},
    notify::notices::{self, Notice, StaffNotice},
    search,
    state::AppState,
};
pub use crate::shared::appointments::{parse_date, parse_time, AppointmentView, Booking, BookingForm};
use crate::shared::{
    appointments::CancelReason,
    booking::{AppointmentStatus, Money, PaymentMethod, PaymentStatus},
    paging::{PageRequest, Pagination},
};

/// Who acts on an appointment.
#[derive(Debug, Clone, Copy)]
pub struct Actor {
    pub user_id: Option<Uuid>,
    /// The expert record linked to the actor's account: they see the appointments assigned to them.
    pub expert_id: Option<Uuid>,
    /// `appointments.manage_all`.
    pub manages_all: bool,
    /// `appointments.view` (read any).
    pub views_all: bool,
}

/// The conflict message of every path that places an appointment.
const TAKEN: &str = "This time slot is already booked. Please choose another time.";

fn refusal_error(refusal: Refusal, rules: &Rules) -> AppError {
    match refusal {
        Refusal::OffGrid => AppError::field(
            "appointmentTime",
            &format!(
                "Appointments start every {} minutes (for example 09:00 or 09:{:02}).",
                rules.settings.slot_step_minutes,
                rules.settings.slot_step_minutes % 60
            ),
        ),
        Refusal::NoSuchTime => AppError::field(
            "appointmentTime",
            "This time does not exist on that day (the clocks change).",
        ),
        Refusal::TooSoon if rules.settings.min_notice_minutes > 0 => AppError::BadRequest(format!(
            "Appointments must be booked at least {} minutes ahead.",
            rules.settings.min_notice_minutes
        )),
        Refusal::TooSoon => AppError::BadRequest("This time has already passed.".into()),
        Refusal::BeyondWindow => AppError::BadRequest(format!(
            "Appointments can be booked up to {} days ahead.",
            rules.settings.booking_window_days
        )),
        Refusal::OutsideHours => AppError::BadRequest("The expert does not work at this time.".into()),
        Refusal::Closed => AppError::BadRequest("The business is closed at this time.".into()),
        Refusal::Away => AppError::Conflict("The expert is not available at this time.".into()),
        Refusal::Taken => AppError::Conflict(TAKEN.into()),
    }
}

/// Whether a database error is the overlap guard refusing a write.
fn is_overlap(e: &DbErr) -> bool {
    e.to_string().contains(migration::OVERLAP)
}

/// The overlap guard's refusal as the 409 every placing path answers; other errors stay internal.
fn overlap_as_conflict(e: DbErr) -> AppError {
    if is_overlap(&e) {
        AppError::Conflict(TAKEN.into())
    } else {
        e.into()
    }
}

/// Writes `active` only if the row still has the status it was read with, so a concurrent change
/// (the reservation sweep, another member of staff) is never overwritten: 409 instead. The overlap
/// guard's refusal is the usual 409 too.
async fn update_unless_changed<C: ConnectionTrait>(
    db: &C,
    active: entity::ActiveModel,
    expected_status: &str,
) -> AppResult<entity::Model> {
    let id = match &active.id {
        sea_orm::ActiveValue::Set(id) | sea_orm::ActiveValue::Unchanged(id) => *id,
        sea_orm::ActiveValue::NotSet => {
            return Err(AppError::Internal(anyhow::anyhow!("appointment id not set")))
        }
    };
    let result = entity::Entity::update_many()
        .set(active)
        .filter(entity::Column::Id.eq(id))
        .filter(entity::Column::Status.eq(expected_status))
        .exec(db)
        .await
        .map_err(overlap_as_conflict)?;
    if result.rows_affected == 0 {
        return Err(AppError::Conflict(
            "This appointment changed meanwhile. Please reload it and try again.".into(),
        ));
    }
    find(db, id).await
}

/// How many appointments (of any status) reference a service or an expert: booked ones are kept
/// for their history rather than deleted.
pub async fn count_referencing<C: ConnectionTrait>(
    db: &C,
    column: entity::Column,
    id: Uuid,
) -> AppResult<u64> {
    Ok(entity::Entity::find().filter(column.eq(id)).count(db).await?)
}

/// Books an appointment. With no expert chosen, the least-booked free qualified expert that day
/// gets it. `created_by` is the staff member booking on someone's behalf; `None` is a customer booking
/// for themselves.
pub async fn book(
    state: &AppState,
    rules: &Rules,
    booking: Booking,
    created_by: Option<Uuid>,
) -> AppResult<AppointmentView> {
    let db = &state.db;
    let mut booking = booking;
    // What a customer says about payment proves nothing: a booking is paid at once only when staff
    // make it (they took the money), later when staff record it or a payment provider confirms
    // it. `payNow` is accepted (the app always sends it) and the slot is held meanwhile.
    if created_by.is_none() {
        booking.pay_now = false;
        booking.payment_method = None;
    }
    if let Some(id) = booking.user_id {
        crate::server::entities::users::Entity::find_by_id(id)
            .one(db)
            .await?
            .ok_or_else(|| AppError::field("userId", "No such user"))?;
    }
    super::sweep::expire_due(state, rules).await?;
    let service = services::Entity::find_by_id(booking.service_id)
        .one(db)
        .await?
        .filter(|s| s.is_active)
        .ok_or_else(|| AppError::BadRequest("This service is not available for booking.".into()))?;
    // A wrong or spent offer is said before any slot is tried; the use itself is claimed with the
    // booking's write, below.
    if let Some(offer_id) = booking.offer_id {
        offers::check(db, offer_id, offers::Item::Service(service.id), rules.today()).await?;
    }
    let qualified = availability::qualified_experts(db, service.id).await?;
    let candidates: Vec<experts::Model> = match booking.expert_id {
        Some(id) => {
            let Some(expert) = qualified.into_iter().find(|e| e.id == id) else {
                let exists = experts::Entity::find_by_id(id)
                    .one(db)
                    .await?
                    .filter(|e| e.is_active);
                return Err(match exists {
                    Some(_) => AppError::field("expertId", "This expert does not offer this service"),
                    None => AppError::field("expertId", "No such expert"),
                });
            };
            vec![expert]
        }
        None => qualified,
    };
    // Every candidate's day in three queries; with no expert chosen, the least booked goes first.
    let ids: Vec<Uuid> = candidates.iter().map(|e| e.id).collect();
    let mut days = availability::expert_days(db, rules, &ids, booking.date, None).await?;
    let candidates = if booking.expert_id.is_none() {
        least_booked_first(rules, candidates, &days, booking.date)
    } else {
        candidates
    };
    if candidates.is_empty() {
        return Err(AppError::BadRequest("No expert offers this service yet.".into()));
    }
    let status = if booking.pay_now {
        (AppointmentStatus::Confirmed, PaymentStatus::Paid)
    } else {
        (AppointmentStatus::Reserved, PaymentStatus::Unpaid)
    };
    let mut refusals: Vec<Refusal> = Vec::with_capacity(candidates.len());
    for expert in &candidates {
        let day = days.remove(&expert.id).unwrap_or_default();
        let span = match slots::check(
            &day.plan(rules, booking.date, service.duration_minutes),
            booking.time,
        ) {
            Ok(span) => span,
            Err(refusal) => {
                refusals.push(refusal);
                continue;
            }
        };
        let now = rules.now;
        // The booking, its use of the offer and what it tells the customer are written together.
        let txn = crate::server::db::write_txn(db).await?;
        let claimed = match booking.offer_id {
            Some(offer_id) => Some(
                offers::claim(
                    &txn,
                    offer_id,
                    offers::Item::Service(service.id),
                    service.price_minor,
                    rules.today(),
                )
                .await?,
            ),
            None => None,
        };
        let discount = claimed.map_or(0, |c| c.discount_minor);
        let row = entity::ActiveModel {
            id: Set(Uuid::now_v7()),
            user_id: Set(booking.user_id),
            service_id: Set(service.id),
            expert_id: Set(expert.id),
            customer_name: Set(booking.customer_name.clone()),
            customer_phone: Set(booking.customer_phone.clone()),
            customer_email: Set(booking.customer_email.clone()),
            starts_at: Set(span.start),
            ends_at: Set(span.end),
            status: Set(status.0.as_str().to_owned()),
            payment_status: Set(status.1.as_str().to_owned()),
            payment_method: Set(booking.payment_method.map(|m| m.as_str().to_owned())),
            price_minor: Set(service.price_minor - discount),
            offer_id: Set(claimed.map(|c| c.offer_id)),
            discount_minor: Set(discount),
            payment_id: Set(booking.payment_id),
            notes: Set(booking.notes.clone()),
            expires_at: Set((!booking.pay_now)
                .then(|| now + Duration::minutes(i64::from(rules.settings.reservation_hold_minutes)))),
            paid_at: Set(booking.pay_now.then_some(now)),
            cancelled_at: Set(None),
            cancel_reason: Set(None),
            created_by: Set(created_by),
            created_at: Set(now),
            updated_at: Set(now),
        };
        match row.insert(&txn).await {
            Ok(saved) => {
                let booked = view(&txn, rules, saved).await?;
                let notice = if booking.pay_now {
                    Notice::Confirmed
                } else {
                    Notice::Booked
                };
                notices::appointment(&txn, &state.channels, notice, &booked).await?;
                notices::staff(&txn, &state.channels, StaffNotice::Booked, &booked, created_by).await?;
                txn.commit().await?;
                state.outbox_kick.now();
                state
                    .live
                    .publish(Event::appointment(AppointmentChange::Created, &booked));
                return Ok(booked);
            }
            // Someone else took this expert's time between the check and the write: try the next.
            Err(e) if is_overlap(&e) => {
                refusals.push(Refusal::Taken);
                continue;
            }
            Err(e) => return Err(e.into()),
        }
    }
    Err(no_expert_free(&refusals, booking.expert_id.is_some(), rules))
}

/// Why nobody could take a booking. Rules about the time itself (grid, notice, window, closures)
/// are the same for every expert and are said as such; otherwise a chosen expert's own reason, or
/// "nobody is free" when some qualified expert works then but is busy or away.
fn no_expert_free(refusals: &[Refusal], expert_chosen: bool, rules: &Rules) -> AppError {
    use Refusal::*;
    let about_the_time = refusals
        .iter()
        .find(|r| matches!(r, OffGrid | NoSuchTime | TooSoon | BeyondWindow | Closed));
    match (about_the_time, refusals.first()) {
        (Some(r), _) => refusal_error(*r, rules),
        (None, Some(r)) if expert_chosen => refusal_error(*r, rules),
        _ if refusals.iter().any(|r| matches!(r, Taken | Away)) => {
            AppError::Conflict("No expert is free at this time. Please choose another time.".into())
        }
        _ => AppError::BadRequest("No expert works at this time.".into()),
    }
}

/// Qualified experts ordered by how many appointments they hold that day (fewest first), counted
/// from their already loaded days.
fn least_booked_first(
    rules: &Rules,
    experts: Vec<experts::Model>,
    days: &std::collections::HashMap<Uuid, availability::ExpertDay>,
    date: NaiveDate,
) -> Vec<experts::Model> {
    let start = slots::day_start(rules.tz(), date);
    let end = date
        .succ_opt()
        .map_or(start + Duration::days(1), |d| slots::day_start(rules.tz(), d));
    let mut counted: Vec<(usize, experts::Model)> = experts
        .into_iter()
        .map(|e| {
            let n = days.get(&e.id).map_or(0, |d| {
                d.booked
                    .iter()
                    .filter(|b| b.start >= start && b.start < end)
                    .count()
            });
            (n, e)
        })
        .collect();
    // Stable: equal counts keep the name order.
    counted.sort_by_key(|(n, _)| *n);
    counted.into_iter().map(|(_, e)| e).collect()
}

/// Moves an appointment to another date, time and (optionally) expert, under the same rules as a
/// booking, in one write: it either moves or stays where it was.
pub async fn reschedule(
    state: &AppState,
    rules: &Rules,
    id: Uuid,
    date: NaiveDate,
    time: NaiveTime,
    expert_id: Option<Uuid>,
) -> AppResult<AppointmentView> {
    let db = &state.db;
    super::sweep::expire_due(state, rules).await?;
    let row = find(db, id).await?;
    let expected = row.status.clone();
    let status = status_of(&row);
    if status.is_final() {
        return Err(AppError::Conflict(format!(
            "A {status} appointment cannot be rescheduled."
        )));
    }
    let expert_id = expert_id.unwrap_or(row.expert_id);
    let qualified = availability::qualified_experts(db, row.service_id).await?;
    if !qualified.iter().any(|e| e.id == expert_id) {
        return Err(AppError::field(
            "expertId",
            "This expert does not offer this service",
        ));
    }
    let duration = (row.ends_at - row.starts_at).num_minutes() as i32;
    let day = availability::expert_day(db, rules, expert_id, date, Some(id)).await?;
    let span = slots::check(&day.plan(rules, date, duration), time).map_err(|r| refusal_error(r, rules))?;
    let mut active: entity::ActiveModel = row.into();
    active.expert_id = Set(expert_id);
    active.starts_at = Set(span.start);
    active.ends_at = Set(span.end);
    active.updated_at = Set(rules.now);
    write_and_announce(
        state,
        rules,
        active,
        &expected,
        AppointmentChange::Updated,
        Notice::Rescheduled,
    )
    .await
}

/// Writes a change (unless someone changed the appointment meanwhile) and queues what it tells
/// the customer in the same transaction; after the commit, announces it to live clients.
async fn write_and_announce(
    state: &AppState,
    rules: &Rules,
    active: entity::ActiveModel,
    expected_status: &str,
    change: AppointmentChange,
    notice: Notice,
) -> AppResult<AppointmentView> {
    let txn = crate::server::db::write_txn(&state.db).await?;
    let saved = update_unless_changed(&txn, active, expected_status).await?;
    // A booking that will not happen gives its use of the offer back.
    if change == AppointmentChange::Cancelled {
        if let Some(offer_id) = saved.offer_id {
            offers::release(&txn, offer_id).await?;
        }
    }
    let changed = view(&txn, rules, saved).await?;
    notices::appointment(&txn, &state.channels, notice, &changed).await?;
    if notice == Notice::Paid {
        notices::staff(&txn, &state.channels, StaffNotice::Paid, &changed, None).await?;
    }
    txn.commit().await?;
    state.outbox_kick.now();
    state.live.publish(Event::appointment(change, &changed));
    Ok(changed)
}

fn status_of(row: &entity::Model) -> AppointmentStatus {
    AppointmentStatus::parse(&row.status).unwrap_or(AppointmentStatus::Cancelled)
}

pub async fn find<C: ConnectionTrait>(db: &C, id: Uuid) -> AppResult<entity::Model> {
    entity::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or_else(|| AppError::not_found("Appointment"))
}

/// An appointment the actor may see: their own, or any with `appointments.view`/`manage_all`.
/// Someone else's is "not found", so ids cannot be probed.
pub async fn get_for(
    db: &DatabaseConnection,
    rules: &Rules,
    actor: Actor,
    id: Uuid,
) -> AppResult<AppointmentView> {
    let row = find(db, id).await?;
    let own = row.user_id.is_some() && row.user_id == actor.user_id;
    let assigned = actor.expert_id == Some(row.expert_id);
    if !(actor.views_all || actor.manages_all || own || assigned) {
        return Err(AppError::not_found("Appointment"));
    }
    view(db, rules, row).await
}

/// Moves the status along the state machine (409 for a move it does not allow).
pub async fn set_status(
    state: &AppState,
    rules: &Rules,
    id: Uuid,
    next: AppointmentStatus,
    reason: Option<CancelReason>,
) -> AppResult<AppointmentView> {
    let db = &state.db;
    super::sweep::expire_due(state, rules).await?;
    let row = find(db, id).await?;
    let expected = row.status.clone();
    let current = status_of(&row);
    if !current.can_become(next) {
        return Err(AppError::Conflict(format!(
            "An appointment that is {current} cannot become {next}."
        )));
    }
    let mut active: entity::ActiveModel = row.into();
    active.status = Set(next.as_str().to_owned());
    if next == AppointmentStatus::Cancelled {
        active.cancelled_at = Set(Some(rules.now));
        active.cancel_reason = Set(Some(
            reason.map_or_else(|| "Cancelled by staff".into(), CancelReason::into_inner),
        ));
    }
    if next == AppointmentStatus::Confirmed {
        active.expires_at = Set(None);
    }
    active.updated_at = Set(rules.now);
    // Confirming may meet the overlap guard only if the data was written around it; map it anyway.
    let (change, notice) = match next {
        AppointmentStatus::Cancelled => (AppointmentChange::Cancelled, Notice::Cancelled),
        AppointmentStatus::Confirmed => (AppointmentChange::Updated, Notice::Confirmed),
        _ => (AppointmentChange::Updated, Notice::StatusChanged),
    };
    write_and_announce(state, rules, active, &expected, change, notice).await
}

/// Records payment: `paid`, confirmed if it was reserved, no longer expiring.
pub async fn mark_paid(
    state: &AppState,
    rules: &Rules,
    id: Uuid,
    method: PaymentMethod,
) -> AppResult<AppointmentView> {
    let db = &state.db;
    super::sweep::expire_due(state, rules).await?;
    let row = find(db, id).await?;
    let expected = row.status.clone();
    if row.payment_status != PaymentStatus::Unpaid.as_str() {
        return Err(AppError::Conflict("This appointment is already paid.".into()));
    }
    let status = status_of(&row);
    if matches!(status, AppointmentStatus::Cancelled | AppointmentStatus::NoShow) {
        return Err(AppError::Conflict(format!(
            "A {status} appointment cannot be paid."
        )));
    }
    let mut active: entity::ActiveModel = row.into();
    active.payment_status = Set(PaymentStatus::Paid.as_str().to_owned());
    active.payment_method = Set(Some(method.as_str().to_owned()));
    active.paid_at = Set(Some(rules.now));
    active.expires_at = Set(None);
    if status == AppointmentStatus::Reserved {
        active.status = Set(AppointmentStatus::Confirmed.as_str().to_owned());
    }
    active.updated_at = Set(rules.now);
    write_and_announce(
        state,
        rules,
        active,
        &expected,
        AppointmentChange::Paid,
        Notice::Paid,
    )
    .await
}

/// A reservation that expired while its customer was paying: confirmed and paid after all, if
/// its time is still free (the overlap guard decides: 409 otherwise) and its offer still has a
/// use to give (the expiry gave it back). Only an expiry is undone, never a cancellation someone
/// chose.
pub async fn revive_paid(
    state: &AppState,
    rules: &Rules,
    id: Uuid,
    method: PaymentMethod,
) -> AppResult<AppointmentView> {
    let row = find(&state.db, id).await?;
    let expired = status_of(&row) == AppointmentStatus::Cancelled
        && row.cancel_reason.as_deref() == Some(super::sweep::EXPIRED_REASON)
        && row.payment_status == PaymentStatus::Unpaid.as_str();
    if !expired {
        return Err(AppError::Conflict(
            "This booking was cancelled, so it cannot be paid.".into(),
        ));
    }
    // A payment that arrives after the time it was for (a voucher paid late, a webhook retried
    // after an outage) does not bring it back: it is refunded.
    if row.starts_at <= rules.now {
        return Err(AppError::Conflict("The time of this booking has passed.".into()));
    }
    let mut active: entity::ActiveModel = row.into();
    active.status = Set(AppointmentStatus::Confirmed.as_str().to_owned());
    active.payment_status = Set(PaymentStatus::Paid.as_str().to_owned());
    active.payment_method = Set(Some(method.as_str().to_owned()));
    active.paid_at = Set(Some(rules.now));
    active.expires_at = Set(None);
    active.cancelled_at = Set(None);
    active.cancel_reason = Set(None);
    active.updated_at = Set(rules.now);
    let txn = crate::server::db::write_txn(&state.db).await?;
    let saved = update_unless_changed(&txn, active, AppointmentStatus::Cancelled.as_str()).await?;
    if let Some(offer_id) = saved.offer_id {
        if !offers::reclaim(&txn, offer_id).await? {
            return Err(AppError::Conflict(
                "The offer this booking used is used up.".into(),
            ));
        }
    }
    let changed = view(&txn, rules, saved).await?;
    notices::appointment(&txn, &state.channels, Notice::Paid, &changed).await?;
    notices::staff(&txn, &state.channels, StaffNotice::Paid, &changed, None).await?;
    txn.commit().await?;
    state.outbox_kick.now();
    state
        .live
        .publish(Event::appointment(AppointmentChange::Paid, &changed));
    Ok(changed)
}

/// Cancels: the owner of the appointment before it starts, or a manager. Not when it is over.
pub async fn cancel(
    state: &AppState,
    rules: &Rules,
    actor: Actor,
    id: Uuid,
    reason: Option<CancelReason>,
) -> AppResult<AppointmentView> {
    let db = &state.db;
    super::sweep::expire_due(state, rules).await?;
    let row = find(db, id).await?;
    let expected = row.status.clone();
    let own = row.user_id.is_some() && row.user_id == actor.user_id;
    if !(own || actor.manages_all) {
        return Err(AppError::not_found("Appointment"));
    }
    let status = status_of(&row);
    if status.is_final() {
        return Err(AppError::BadRequest(format!(
            "This appointment is already {status}."
        )));
    }
    if !actor.manages_all && row.starts_at <= rules.now {
        return Err(AppError::BadRequest(
            "This appointment has already started, so it can no longer be cancelled here. Please contact us."
                .into(),
        ));
    }
    let reason = reason.map_or_else(|| "Cancelled by user".into(), CancelReason::into_inner);
    let mut active: entity::ActiveModel = row.into();
    active.status = Set(AppointmentStatus::Cancelled.as_str().to_owned());
    active.cancelled_at = Set(Some(rules.now));
    active.cancel_reason = Set(Some(reason));
    active.updated_at = Set(rules.now);
    write_and_announce(
        state,
        rules,
        active,
        &expected,
        AppointmentChange::Cancelled,
        Notice::Cancelled,
    )
    .await
}

/// `DELETE /appointments/:id`: a hard delete for managers; for the customer who owns it, a cancel.
pub async fn delete(state: &AppState, rules: &Rules, actor: Actor, id: Uuid) -> AppResult<()> {
    if actor.manages_all {
        let txn = crate::server::db::write_txn(&state.db).await?;
        let row = find(&txn, id).await?;
        // A booking a payment stands for is cancelled, not deleted: the payment then refunds it.
        if let Some(payment_id) = row.payment_id {
            use crate::server::{entities::payments, payments::status};
            let live = payments::Entity::find_by_id(payment_id)
                .one(&txn)
                .await?
                .is_some_and(|p| p.status != status::FAILED && p.status != status::REFUNDED);
            if live {
                return Err(AppError::Conflict(
                    "This booking is tied to a payment: cancel it instead, so the payment can be refunded."
                        .into(),
                ));
            }
        }
        // Only the row as it was read: if a cancel or the sweep got there first (and gave the
        // offer's use back), this delete does not give it back again.
        // Its review goes with it (cascade): the expert's figures follow in this transaction.
        let reviewed = crate::server::community::reviews::experts_reviewed(&txn, Some(id), None).await?;
        let deleted = entity::Entity::delete_many()
            .filter(entity::Column::Id.eq(id))
            .filter(entity::Column::Status.eq(row.status.as_str()))
            .exec(&txn)
            .await?
            .rows_affected;
        if deleted != 1 {
            return Err(AppError::Conflict(
                "This appointment changed meanwhile. Please reload it and try again.".into(),
            ));
        }
        for expert in reviewed {
            crate::server::community::reviews::refresh_expert(&txn, expert).await?;
        }
        if let (Some(offer_id), false) = (row.offer_id, status_of(&row).is_final()) {
            offers::release(&txn, offer_id).await?;
        }
        txn.commit().await?;
        state.live.publish(Event::appointment_deleted(id, row.user_id));
        return Ok(());
    }
    cancel(state, rules, actor, id, None).await.map(|_| ())
}

/// Filters of the lists.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub user_id: Option<Uuid>,
    pub status: Option<AppointmentStatus>,
    pub payment_status: Option<PaymentStatus>,
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
    pub expert_id: Option<Uuid>,
    pub search: Option<String>,
}

/// A page of appointments, soonest first for a customer's list, newest first for staff.
pub async fn list(
    db: &DatabaseConnection,
    rules: &Rules,
    filter: &Filter,
    page: Option<PageRequest>,
    newest_first: bool,
) -> AppResult<(Vec<AppointmentView>, Option<Pagination>)> {
    let mut q = entity::Entity::find();
    if let Some(id) = filter.user_id {
        q = q.filter(entity::Column::UserId.eq(id));
    }
    if let Some(s) = filter.status {
        q = q.filter(entity::Column::Status.eq(s.as_str()));
    }
    if let Some(p) = filter.payment_status {
        q = q.filter(entity::Column::PaymentStatus.eq(p.as_str()));
    }
    if let Some(from) = filter.from {
        q = q.filter(entity::Column::StartsAt.gte(from));
    }
    if let Some(to) = filter.to {
        q = q.filter(entity::Column::StartsAt.lt(to));
    }
    if let Some(id) = filter.expert_id {
        q = q.filter(entity::Column::ExpertId.eq(id));
    }
    if let Some(text) = filter.search.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        let pattern = search::pattern(text)?;
        q = q.filter(
            Condition::any()
                .add(search::contains(
                    (entity::Entity, entity::Column::CustomerName),
                    &pattern,
                ))
                .add(search::contains(
                    (entity::Entity, entity::Column::CustomerPhone),
                    &pattern,
                ))
                .add(search::contains(
                    (entity::Entity, entity::Column::CustomerEmail),
                    &pattern,
                )),
        );
    }
    let q = if newest_first {
        q.order_by_desc(entity::Column::StartsAt)
    } else {
        q.order_by_asc(entity::Column::StartsAt)
    }
    .order_by_asc(entity::Column::Id);
    let (rows, pagination) = match page {
        Some(page) => {
            let rows = q.clone().offset(page.offset()).limit(page.limit).all(db).await?;
            // A short page that is not past the end tells the total without a count. (A window
            // count in the page's query would not pay: it makes both databases visit every
            // matching row instead of the page's few from the `starts_at` index.)
            let fetched = rows.len() as u64;
            let total = if fetched < page.limit && (fetched > 0 || page.offset() == 0) {
                page.offset() + fetched
            } else {
                q.count(db).await?
            };
            (rows, Some(page.of(total)))
        }
        None => (q.all(db).await?, None),
    };
    Ok((views(db, rules, rows).await?, pagination))
}

pub async fn view<C: ConnectionTrait>(
    db: &C,
    rules: &Rules,
    row: entity::Model,
) -> AppResult<AppointmentView> {
    Ok(views(db, rules, vec![row]).await?.remove(0))
}

/// Rows with their service and expert names (and offer titles, when any row has an offer), read in
/// two or three queries for the whole page, of ids and names only.
async fn views<C: ConnectionTrait>(
    db: &C,
    rules: &Rules,
    rows: Vec<entity::Model>,
) -> AppResult<Vec<AppointmentView>> {
    use std::collections::HashMap;
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    // Distinct ids: a long export names the same few services and experts thousands of times.
    let service_ids: std::collections::BTreeSet<Uuid> = rows.iter().map(|r| r.service_id).collect();
    let expert_ids: std::collections::BTreeSet<Uuid> = rows.iter().map(|r| r.expert_id).collect();
    let services: HashMap<Uuid, String> = services::Entity::find()
        .filter(services::Column::Id.is_in(service_ids))
        .select_only()
        .columns([services::Column::Id, services::Column::Name])
        .into_tuple::<(Uuid, String)>()
        .all(db)
        .await?
        .into_iter()
        .collect();
    let experts: HashMap<Uuid, String> = experts::Entity::find()
        .filter(experts::Column::Id.is_in(expert_ids))
        .select_only()
        .columns([experts::Column::Id, experts::Column::Name])
        .into_tuple::<(Uuid, String)>()
        .all(db)
        .await?
        .into_iter()
        .collect();
    let offer_ids: std::collections::BTreeSet<Uuid> = rows.iter().filter_map(|r| r.offer_id).collect();
    let offer_titles: HashMap<Uuid, String> = if offer_ids.is_empty() {
        HashMap::new()
    } else {
        offer_rows::Entity::find()
            .filter(offer_rows::Column::Id.is_in(offer_ids))
            .select_only()
            .columns([offer_rows::Column::Id, offer_rows::Column::Title])
            .into_tuple::<(Uuid, String)>()
            .all(db)
            .await?
            .into_iter()
            .collect()
    };
    let tz = rules.tz();
    Ok(rows
        .into_iter()
        .map(|r| {
            let local = r.starts_at.with_timezone(&tz);
            AppointmentView {
                id: r.id,
                user_id: r.user_id,
                service_id: r.service_id,
                service_name: services.get(&r.service_id).cloned().unwrap_or_default(),
                expert_id: r.expert_id,
                expert_name: experts.get(&r.expert_id).cloned().unwrap_or_default(),
                customer_name: r.customer_name,
                customer_phone: r.customer_phone,
                customer_email: r.customer_email,
                appointment_date: local.format("%Y-%m-%d").to_string(),
                // `HH:MM:SS`, as the old backend's TIME column arrived.
                appointment_time: local.format("%H:%M:%S").to_string(),
                duration: (r.ends_at - r.starts_at).num_minutes() as i32,
                starts_at: r.starts_at,
                ends_at: r.ends_at,
                status: r.status,
                payment_status: r.payment_status,
                payment_method: r.payment_method,
                total_price: Money::from_minor(r.price_minor).to_string(),
                offer_id: r.offer_id,
                offer_title: r.offer_id.and_then(|id| offer_titles.get(&id).cloned()),
                discount: Money::from_minor(r.discount_minor).to_string(),
                notes: r.notes,
                expires_at: r.expires_at,
                paid_at: r.paid_at,
                cancelled_at: r.cancelled_at,
                cancelled_reason: r.cancel_reason,
                created_at: r.created_at,
            }
        })
        .collect())
}

/// The `n` most recently booked appointments (`idx_appointments_created`, `(created_at, id)`,
/// answers the order and the limit).
pub async fn recent(db: &DatabaseConnection, rules: &Rules, n: u64) -> AppResult<Vec<AppointmentView>> {
    let rows = entity::Entity::find()
        .order_by_desc(entity::Column::CreatedAt)
        .order_by_desc(entity::Column::Id)
        .limit(n)
        .all(db)
        .await?;
    views(db, rules, rows).await
}
