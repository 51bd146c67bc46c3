//! Payments (contract §2.6): checkout, settlement, refunds and the ledger.
//!
//! - **Checkout** reserves every booking of the cart for the customer (all of them or none),
//!   prices them on the server (service price less the offer), and opens one payment for the total
//!   with the provider. The reservations wait for it (`appointments.payment_id`) like any other.
//! - **Settlement** happens only on a provider's word that the server checked: Stripe's signed
//!   webhook or the PaymentIntent read back from Stripe, JazzCash's signed return or notify post.
//!   The ledger row moves `pending → succeeded` in one conditional update, so however many
//!   confirmations arrive, one settles. A confirmation whose amount or currency differs from the
//!   ledger's is refused and the money refunded.
//! - A reservation that expired while its customer paid is revived if its time is still free;
//!   otherwise, and for a booking cancelled meanwhile, its price is refunded and the refund is
//!   recorded against the payment (never a double booking).
//! - The app's older flow (an amount-only intent, then `POST /appointments` with `payNow`) is
//!   matched on the server: the customer's own unattached payment of exactly the booking's price.

pub mod callbacks;
pub mod jazzcash;
pub mod stripe;

use chrono::{DateTime, Duration, Utc};
use sea_orm::{
    sea_query::Expr, ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::server::{
    audit,
    booking::{
        appointments::{self, Actor},
        availability::Rules,
    },
    config::Config,
    entities::{appointments as appointment_rows, payment_events, payments as entity, users},
    error::{AppError, AppResult},
    state::AppState,
};
pub use crate::shared::payments::{PaymentView, SalesTotals};
use crate::shared::{
    appointments::{AppointmentView, Booking},
    booking::{AppointmentStatus, Money, PaymentMethod, PaymentStatus},
};

/// The smallest online payment, in minor units (Rs. 1.00; the app's own minimum).
pub const MIN_ONLINE_MINOR: i64 = 100;

/// The most bookings one payment may hold.
pub const MAX_CART_LINES: usize = 20;

/// Payments are in the business's currency only (`CURRENCY`); a client naming another is refused.
pub fn check_currency(config: &Config, given: Option<&str>) -> AppResult<()> {
    match given.map(str::trim).filter(|c| !c.is_empty()) {
        Some(c) if !c.eq_ignore_ascii_case(&config.currency) => Err(AppError::field(
            "currency",
            &format!("Payments are in {}", config.currency.to_ascii_uppercase()),
        )),
        _ => Ok(()),
    }
}

pub fn check_cart_size(lines: usize) -> AppResult<()> {
    if lines > MAX_CART_LINES {
        return Err(AppError::field(
            "cartItems",
            &format!("At most {MAX_CART_LINES} bookings at once"),
        ));
    }
    Ok(())
}

/// An amount the older app pays before it books: at least Rs. 1.00, at most the largest price.
pub fn check_amount(minor: i64) -> AppResult<Money> {
    if (MIN_ONLINE_MINOR..=Money::MAX_MINOR).contains(&minor) {
        Ok(Money::from_minor(minor))
    } else {
        Err(AppError::field(
            "amount",
            "Must be a whole number of paisa, at least 100",
        ))
    }
}

/// The price an appointment is charged, in minor units (its `total_price`, which the server set).
fn price_minor(a: &AppointmentView) -> i64 {
    Money::parse_field("", &serde_json::Value::String(a.total_price.clone()))
        .map(Money::minor)
        .unwrap_or(0)
}

/// The providers this instance has; each is `None` when not configured (its routes answer 503).
#[derive(Clone, Default)]
pub struct Providers {
    pub stripe: Option<stripe::Stripe>,
    pub jazzcash: Option<jazzcash::JazzCash>,
}

impl Providers {
    pub fn from_config(config: &Config) -> AppResult<Self> {
        Ok(Self {
            stripe: stripe::Stripe::from_config(config)?,
            jazzcash: jazzcash::JazzCash::from_config(config),
        })
    }

    pub fn stripe(&self) -> AppResult<&stripe::Stripe> {
        self.stripe.as_ref().ok_or_else(|| {
            AppError::NotConfigured("Card payments are not available: Stripe is not configured here.".into())
        })
    }

    pub fn jazzcash(&self) -> AppResult<&jazzcash::JazzCash> {
        self.jazzcash.as_ref().ok_or_else(|| {
            AppError::NotConfigured(
                "JazzCash payments are not available: JazzCash is not configured here.".into(),
            )
        })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Provider {
    Stripe,
    JazzCash,
}

impl Provider {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Stripe => "stripe",
            Self::JazzCash => "jazzcash",
        }
    }

    fn method(self) -> PaymentMethod {
        match self {
            Self::Stripe => PaymentMethod::Stripe,
            Self::JazzCash => PaymentMethod::Jazzcash,
        }
    }
}

/// Where a payment stands in the ledger.
pub mod status {
    pub const PENDING: &str = "pending";
    pub const SUCCEEDED: &str = "succeeded";
    pub const FAILED: &str = "failed";
    /// Part of it was given back (a booking it paid for was lost); the rest stands.
    pub const PARTLY_REFUNDED: &str = "partly_refunded";
    pub const REFUNDED: &str = "refunded";
    /// Money is owed back but the provider has not been told yet (JazzCash has no refund API for
    /// hosted checkout, or Stripe failed): staff see it on the Sales page.
    pub const REFUND_DUE: &str = "refund_due";
    /// A staff refund is being made (claimed, so two at once make one).
    pub const REFUNDING: &str = "refunding";
}

/// One booking a payment paid for, as the ledger remembers it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PaidLine {
    pub appointment_id: Uuid,
    pub service_id: Uuid,
    pub starts_at: DateTime<Utc>,
    pub price_minor: i64,
}

fn view(row: entity::Model, customer_name: Option<String>, lines: Vec<(Uuid, bool)>) -> PaymentView {
    PaymentView {
        id: row.id,
        provider: row.provider,
        reference: row.provider_ref,
        amount: Money::from_minor(row.amount_minor).to_string(),
        amount_minor: row.amount_minor,
        refunded: Money::from_minor(row.refunded_minor).to_string(),
        currency: row.currency,
        status: row.status,
        failure: row.failure,
        user_id: row.user_id,
        customer_name,
        appointment_ids: lines.iter().map(|(id, _)| *id).collect(),
        with_offer: lines.iter().any(|(_, offer)| *offer),
        created_at: row.created_at,
        settled_at: row.settled_at,
    }
}

pub async fn views<C: ConnectionTrait>(db: &C, rows: Vec<entity::Model>) -> AppResult<Vec<PaymentView>> {
    use std::collections::HashMap;
    let ids: Vec<Uuid> = rows.iter().map(|r| r.id).collect();
    let user_ids: Vec<Uuid> = rows.iter().filter_map(|r| r.user_id).collect();
    let mut lines: HashMap<Uuid, Vec<(Uuid, bool)>> = HashMap::new();
    if !ids.is_empty() {
        for a in appointment_rows::Entity::find()
            .filter(appointment_rows::Column::PaymentId.is_in(ids))
            .order_by_asc(appointment_rows::Column::StartsAt)
            .all(db)
            .await?
        {
            if let Some(p) = a.payment_id {
                lines.entry(p).or_default().push((a.id, a.offer_id.is_some()));
            }
        }
    }
    let names: HashMap<Uuid, String> = if user_ids.is_empty() {
        HashMap::new()
    } else {
        users::Entity::find()
            .filter(users::Column::Id.is_in(user_ids))
            .all(db)
            .await?
            .into_iter()
            .map(|u| (u.id, u.name))
            .collect()
    };
    Ok(rows
        .into_iter()
        .map(|r| {
            let name = r.user_id.and_then(|u| names.get(&u).cloned());
            let appointments = lines.remove(&r.id).unwrap_or_default();
            view(r, name, appointments)
        })
        .collect())
}

pub async fn find<C: ConnectionTrait>(db: &C, id: Uuid) -> AppResult<entity::Model> {
    entity::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or_else(|| AppError::not_found("Payment"))
}

pub async fn find_by_reference<C: ConnectionTrait>(
    db: &C,
    provider: Provider,
    reference: &str,
) -> AppResult<Option<entity::Model>> {
    Ok(entity::Entity::find()
        .filter(entity::Column::Provider.eq(provider.as_str()))
        .filter(entity::Column::ProviderRef.eq(reference))
        .one(db)
        .await?)
}

/// Reserves every line for `user_id` against payment `payment_id`, or none: a line that cannot
/// be booked undoes the ones before it and its refusal is the answer.
async fn reserve(
    state: &AppState,
    rules: &Rules,
    user_id: Uuid,
    payment_id: Uuid,
    lines: Vec<Booking>,
) -> AppResult<Vec<AppointmentView>> {
    let mut booked: Vec<AppointmentView> = Vec::with_capacity(lines.len());
    for mut line in lines {
        line.user_id = Some(user_id);
        line.payment_id = Some(payment_id);
        match appointments::book(state, rules, line, None).await {
            Ok(a) => booked.push(a),
            Err(e) => {
                undo(state, rules, &booked).await;
                return Err(e);
            }
        }
    }
    Ok(booked)
}

/// Takes back reservations a checkout made before it failed (deleted: they never stood).
async fn undo(state: &AppState, rules: &Rules, booked: &[AppointmentView]) {
    let system = Actor {
        user_id: None,
        expert_id: None,
        manages_all: true,
        views_all: true,
    };
    for a in booked {
        if let Err(e) = appointments::delete(state, rules, system, a.id).await {
            tracing::error!(error = %e, appointment = %a.id, "could not undo a checkout's reservation");
        }
    }
}

fn total_minor(booked: &[AppointmentView]) -> i64 {
    booked.iter().map(price_minor).sum()
}

fn paid_lines(booked: &[AppointmentView]) -> String {
    let lines: Vec<PaidLine> = booked
        .iter()
        .map(|a| PaidLine {
            appointment_id: a.id,
            service_id: a.service_id,
            starts_at: a.starts_at,
            price_minor: price_minor(a),
        })
        .collect();
    serde_json::to_string(&lines).unwrap_or_else(|_| "[]".into())
}

/// What a checkout asks for: the bookings to pay for, or (the app's older flow) only an amount.
pub enum Cart {
    Bookings(Vec<Booking>),
    AmountOnly(Money),
}

/// An opened payment: the ledger row, the reservations it pays for, and the provider's handle.
pub struct Opened {
    pub payment: entity::Model,
    pub appointments: Vec<AppointmentView>,
}

/// Reserves the cart and prices it; the provider is asked by `open` with the result.
async fn prepare(
    state: &AppState,
    rules: &Rules,
    user_id: Uuid,
    payment_id: Uuid,
    cart: Cart,
) -> AppResult<(i64, Vec<AppointmentView>)> {
    match cart {
        Cart::AmountOnly(amount) => Ok((check_amount(amount.minor())?.minor(), Vec::new())),
        Cart::Bookings(lines) => {
            check_cart_size(lines.len())?;
            let booked = reserve(state, rules, user_id, payment_id, lines).await?;
            let total = total_minor(&booked);
            if total < MIN_ONLINE_MINOR {
                undo(state, rules, &booked).await;
                return Err(AppError::BadRequest(format!(
                    "This booking costs {}, too little to pay online. Book it without paying now.",
                    Money::from_minor(total)
                )));
            }
            Ok((total, booked))
        }
    }
}

async fn record_opened(
    state: &AppState,
    id: Uuid,
    provider: Provider,
    reference: &str,
    user_id: Uuid,
    amount: i64,
    booked: &[AppointmentView],
) -> AppResult<entity::Model> {
    let now = Utc::now();
    Ok(entity::ActiveModel {
        id: Set(id),
        provider: Set(provider.as_str().to_owned()),
        provider_ref: Set(reference.to_owned()),
        user_id: Set(Some(user_id)),
        amount_minor: Set(amount),
        refunded_minor: Set(0),
        currency: Set(state.config.currency.clone()),
        status: Set(status::PENDING.to_owned()),
        lines: Set(paid_lines(booked)),
        failure: Set(None),
        refund_ref: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        settled_at: Set(None),
    }
    .insert(&state.db)
    .await?)
}

/// `POST /payments/create-intent`: reserves the cart and opens a Stripe PaymentIntent for what the
/// server priced it at (an amount sent by the client is not believed).
pub async fn checkout_stripe(
    state: &AppState,
    rules: &Rules,
    user_id: Uuid,
    cart: Cart,
) -> AppResult<(Opened, stripe::Intent)> {
    let stripe = state.payments.stripe()?;
    let id = Uuid::now_v7();
    let (amount, booked) = prepare(state, rules, user_id, id, cart).await?;
    let intent = match stripe.create_intent(id, amount, &state.config.currency).await {
        Ok(i) => i,
        Err(e) => {
            undo(state, rules, &booked).await;
            return Err(e);
        }
    };
    let payment = match record_opened(state, id, Provider::Stripe, &intent.id, user_id, amount, &booked).await
    {
        Ok(p) => p,
        Err(e) => {
            undo(state, rules, &booked).await;
            return Err(e);
        }
    };
    Ok((
        Opened {
            payment,
            appointments: booked,
        },
        intent,
    ))
}

/// `POST /payments/jazzcash/initiate`: reserves the cart and signs JazzCash's checkout form for it.
pub async fn checkout_jazzcash(
    state: &AppState,
    rules: &Rules,
    user_id: Uuid,
    cart: Cart,
) -> AppResult<(Opened, std::collections::BTreeMap<String, String>)> {
    let jazzcash = state.payments.jazzcash()?;
    let id = Uuid::now_v7();
    let (amount, booked) = prepare(state, rules, user_id, id, cart).await?;
    let now = Utc::now();
    let reference = jazzcash::new_reference(now);
    let hold = Duration::minutes(i64::from(rules.settings.reservation_hold_minutes).clamp(15, 24 * 60));
    let form = jazzcash.checkout_form(&reference, &id.simple().to_string()[..20], amount, now, hold);
    let payment = match record_opened(
        state,
        id,
        Provider::JazzCash,
        &reference,
        user_id,
        amount,
        &booked,
    )
    .await
    {
        Ok(p) => p,
        Err(e) => {
            undo(state, rules, &booked).await;
            return Err(e);
        }
    };
    Ok((
        Opened {
            payment,
            appointments: booked,
        },
        form,
    ))
}

/// What a provider confirmed was paid.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Paid {
    pub amount_minor: i64,
    pub currency: String,
}

/// What a settlement did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Settled {
    /// Newly settled: the bookings it pays for are paid (`lost` of them could not be kept and their
    /// price was refunded or is due).
    Now { lost: usize },
    /// It was settled before (a replay, the other confirmation path): nothing changed.
    Already,
    /// The provider's amount or currency is not the ledger's: not settled, money given back.
    Mismatch,
}

/// Settles a payment on a provider's verified word: once, whatever arrives how often.
pub async fn settle(
    state: &AppState,
    provider: Provider,
    reference: &str,
    paid: Paid,
) -> AppResult<(entity::Model, Settled)> {
    let payment = find_by_reference(&state.db, provider, reference)
        .await?
        .ok_or_else(|| AppError::not_found("Payment"))?;
    if payment.status != status::PENDING {
        // Settled before: finish what that settlement may have left undone (it stopped on an
        // error, or a booking was tied to it afterwards). Paid bookings are skipped, lost ones
        // refunded once.
        if matches!(
            payment.status.as_str(),
            status::SUCCEEDED | status::PARTLY_REFUNDED
        ) {
            confirm_lines(state, &payment, provider).await?;
        }
        return Ok((find(&state.db, payment.id).await?, Settled::Already));
    }
    let now = Utc::now();
    if paid.amount_minor != payment.amount_minor || !paid.currency.eq_ignore_ascii_case(&payment.currency) {
        let failure = format!(
            "The provider confirmed {} {} but {} {} was due",
            Money::from_minor(paid.amount_minor),
            paid.currency.to_ascii_uppercase(),
            Money::from_minor(payment.amount_minor),
            payment.currency.to_ascii_uppercase()
        );
        tracing::error!(payment = %payment.id, %failure, "payment amount mismatch");
        if claim(
            state,
            payment.id,
            status::PENDING,
            status::FAILED,
            Some(&failure),
            now,
        )
        .await?
        {
            audit::record(
                &state.db,
                audit::Entry::new("payment.mismatch")
                    .target("payment", payment.id.to_string())
                    .details(serde_json::json!({ "failure": failure })),
            )
            .await?;
            let failed = find(&state.db, payment.id).await?;
            let refunded = give_back(state, &failed, paid.amount_minor, "amount mismatch").await?;
            cancel_lines(state, &refunded, "Payment did not match the price").await?;
            return Ok((find(&state.db, payment.id).await?, Settled::Mismatch));
        }
        return Ok((find(&state.db, payment.id).await?, Settled::Already));
    }
    if !claim(state, payment.id, status::PENDING, status::SUCCEEDED, None, now).await? {
        // Another confirmation settled it a moment ago; it confirms the bookings.
        return Ok((find(&state.db, payment.id).await?, Settled::Already));
    }
    let payment = find(&state.db, payment.id).await?;
    let lost = confirm_lines(state, &payment, provider).await?;
    state
        .live
        .publish(crate::server::live::Event::Payment { id: payment.id });
    Ok((find(&state.db, payment.id).await?, Settled::Now { lost }))
}

/// Moves a payment from `from` to `to` if it is still `from`; true when this call moved it.
async fn claim(
    state: &AppState,
    id: Uuid,
    from: &str,
    to: &str,
    failure: Option<&str>,
    now: DateTime<Utc>,
) -> AppResult<bool> {
    let mut update = entity::Entity::update_many()
        .col_expr(entity::Column::Status, Expr::value(to))
        .col_expr(entity::Column::UpdatedAt, Expr::value(now))
        .filter(entity::Column::Id.eq(id))
        .filter(entity::Column::Status.eq(from));
    if to == status::SUCCEEDED {
        update = update.col_expr(entity::Column::SettledAt, Expr::value(Some(now)));
    }
    if let Some(f) = failure {
        update = update.col_expr(entity::Column::Failure, Expr::value(Some(f.to_owned())));
    }
    Ok(update.exec(&state.db).await?.rows_affected == 1)
}

/// Marks the bookings a settled payment pays for as paid; a reservation that expired meanwhile is
/// revived if its time is still free. Those that cannot be kept have their price given back.
/// Returns how many were lost.
async fn confirm_lines(state: &AppState, payment: &entity::Model, provider: Provider) -> AppResult<usize> {
    let rules = crate::server::booking::rules(state).await?;
    let rows = appointment_rows::Entity::find()
        .filter(appointment_rows::Column::PaymentId.eq(payment.id))
        .all(&state.db)
        .await?;
    let mut lost_minor = 0;
    let mut lost = 0;
    for row in rows {
        // Paid (here or by a confirmation that raced this one), or already refunded as lost.
        if row.payment_status != PaymentStatus::Unpaid.as_str() {
            continue;
        }
        if keep(state, &rules, row.id, provider.method()).await? {
            continue;
        }
        // Lost: its refund is claimed once, by marking the booking's payment refunded.
        let claimed = appointment_rows::Entity::update_many()
            .col_expr(
                appointment_rows::Column::PaymentStatus,
                Expr::value(PaymentStatus::Refunded.as_str()),
            )
            .filter(appointment_rows::Column::Id.eq(row.id))
            .filter(appointment_rows::Column::PaymentStatus.eq(PaymentStatus::Unpaid.as_str()))
            .filter(appointment_rows::Column::Status.is_in([
                AppointmentStatus::Cancelled.as_str(),
                AppointmentStatus::NoShow.as_str(),
            ]))
            .exec(&state.db)
            .await?
            .rows_affected;
        if claimed == 1 {
            lost += 1;
            lost_minor += row.price_minor;
        }
    }
    if lost_minor > 0 {
        tracing::warn!(payment = %payment.id, lost, "a paid booking could not be kept; refunding its price");
        audit::record(
            &state.db,
            audit::Entry::new("payment.booking_lost")
                .target("payment", payment.id.to_string())
                .details(serde_json::json!({ "lost": lost, "refundMinor": lost_minor })),
        )
        .await?;
        give_back(state, payment, lost_minor, "booking no longer available").await?;
    }
    Ok(lost)
}

/// Marks one booking of a settled payment paid: as it stands now (a concurrent confirmation may
/// have paid it already), or revived if its reservation expired while the customer paid. False
/// when it cannot be kept (its time was taken or has passed, or it was cancelled on purpose).
async fn keep(state: &AppState, rules: &Rules, id: Uuid, method: PaymentMethod) -> AppResult<bool> {
    for _ in 0..3 {
        let row = appointments::find(&state.db, id).await?;
        if row.payment_status == PaymentStatus::Paid.as_str() {
            return Ok(true);
        }
        if row.payment_status != PaymentStatus::Unpaid.as_str() {
            return Ok(false);
        }
        let result = match AppointmentStatus::parse(&row.status) {
            Some(AppointmentStatus::Cancelled) => {
                return match appointments::revive_paid(state, rules, id, method).await {
                    Ok(_) => Ok(true),
                    Err(AppError::Conflict(_)) => Ok(false),
                    Err(e) => Err(e),
                }
            }
            Some(AppointmentStatus::NoShow) | None => return Ok(false),
            Some(_) => appointments::mark_paid(state, rules, id, method).await,
        };
        match result {
            Ok(_) => return Ok(true),
            // Changed meanwhile (expired, or paid by a concurrent confirmation): look again.
            Err(AppError::Conflict(_)) => continue,
            Err(e) => return Err(e),
        }
    }
    Ok(false)
}

/// Gives `amount_minor` back through the provider (Stripe), or records it as due (JazzCash, or
/// Stripe failing). Returns the payment as it now is.
async fn give_back(
    state: &AppState,
    payment: &entity::Model,
    amount_minor: i64,
    why: &str,
) -> AppResult<entity::Model> {
    let now = Utc::now();
    let refunded_total = (payment.refunded_minor + amount_minor).min(payment.amount_minor);
    let outcome = match (payment.provider.as_str(), state.payments.stripe.as_ref()) {
        ("stripe", Some(stripe)) => {
            let key = format!("pulse-refund-{}-{}", payment.id, refunded_total);
            match stripe.refund(&payment.provider_ref, amount_minor, &key).await {
                Ok(refund_id) => Ok(refund_id),
                Err(e) => Err(e.to_string()),
            }
        }
        _ => Err("JazzCash refunds are made in the JazzCash merchant portal".to_owned()),
    };
    let mut active: entity::ActiveModel = payment.clone().into();
    active.updated_at = Set(now);
    match outcome {
        Ok(refund_id) => {
            active.refunded_minor = Set(refunded_total);
            active.refund_ref = Set(Some(refund_id));
            if payment.status != status::FAILED {
                active.status = Set(if refunded_total >= payment.amount_minor {
                    status::REFUNDED
                } else {
                    status::PARTLY_REFUNDED
                }
                .to_owned());
            }
        }
        Err(reason) => {
            active.status = Set(status::REFUND_DUE.to_owned());
            active.failure = Set(Some(format!(
                "{} owed back ({why}): {reason}",
                Money::from_minor(amount_minor)
            )));
        }
    }
    let saved = active.update(&state.db).await?;
    audit::record(
        &state.db,
        audit::Entry::new("payment.refund")
            .target("payment", payment.id.to_string())
            .details(serde_json::json!({
                "amountMinor": amount_minor,
                "reason": why,
                "status": saved.status,
                "refundRef": saved.refund_ref,
            })),
    )
    .await?;
    state
        .live
        .publish(crate::server::live::Event::Payment { id: payment.id });
    Ok(saved)
}

/// Cancels the bookings a payment was for that have not happened (after a full refund).
async fn cancel_lines(state: &AppState, payment: &entity::Model, reason: &str) -> AppResult<()> {
    let rules = crate::server::booking::rules(state).await?;
    let rows = appointment_rows::Entity::find()
        .filter(appointment_rows::Column::PaymentId.eq(payment.id))
        .all(&state.db)
        .await?;
    for row in rows {
        let current = AppointmentStatus::parse(&row.status).unwrap_or(AppointmentStatus::Cancelled);
        if matches!(
            current,
            AppointmentStatus::Reserved | AppointmentStatus::Confirmed
        ) {
            let reason = crate::shared::appointments::CancelReason::parse_field("reason", Some(reason))
                .ok()
                .flatten();
            if let Err(e) =
                appointments::set_status(state, &rules, row.id, AppointmentStatus::Cancelled, reason).await
            {
                tracing::warn!(error = %e, appointment = %row.id, "could not cancel a refunded booking");
            }
        }
    }
    // What was paid and given back shows on the bookings too.
    appointment_rows::Entity::update_many()
        .col_expr(
            appointment_rows::Column::PaymentStatus,
            Expr::value(PaymentStatus::Refunded.as_str()),
        )
        .filter(appointment_rows::Column::PaymentId.eq(payment.id))
        .filter(appointment_rows::Column::PaymentStatus.eq(PaymentStatus::Paid.as_str()))
        .exec(&state.db)
        .await?;
    Ok(())
}

/// A provider said the payment will not happen: the ledger says so (its reservations wait out
/// their hold, so the customer may still pay another way).
pub async fn fail(state: &AppState, provider: Provider, reference: &str, why: &str) -> AppResult<()> {
    if let Some(p) = find_by_reference(&state.db, provider, reference).await? {
        if claim(
            state,
            p.id,
            status::PENDING,
            status::FAILED,
            Some(why),
            Utc::now(),
        )
        .await?
        {
            state
                .live
                .publish(crate::server::live::Event::Payment { id: p.id });
        }
    }
    Ok(())
}

/// A card was declined: the customer may still pay the same intent with another, so the payment
/// stays pending and only the reason is kept.
pub async fn note_decline(state: &AppState, provider: Provider, reference: &str, why: &str) -> AppResult<()> {
    entity::Entity::update_many()
        .col_expr(entity::Column::Failure, Expr::value(Some(why.to_owned())))
        .col_expr(entity::Column::UpdatedAt, Expr::value(Utc::now()))
        .filter(entity::Column::Provider.eq(provider.as_str()))
        .filter(entity::Column::ProviderRef.eq(reference))
        .filter(entity::Column::Status.eq(status::PENDING))
        .exec(&state.db)
        .await?;
    Ok(())
}

/// Records a provider event as handled; false when it was handled before (a replay).
pub async fn first_time(state: &AppState, provider: Provider, event_id: &str) -> AppResult<bool> {
    let inserted = payment_events::ActiveModel {
        provider: Set(provider.as_str().to_owned()),
        event_id: Set(event_id.chars().take(255).collect()),
        received_at: Set(Utc::now()),
    }
    .insert(&state.db)
    .await;
    match inserted {
        Ok(_) => Ok(true),
        Err(e) => match AppError::unique_violation_as(e, "") {
            AppError::Conflict(_) => Ok(false),
            other => Err(other),
        },
    }
}

/// `POST /payments/confirm-appointment`: the customer says they paid; Stripe is asked. Only the
/// payment's own customer may ask.
pub async fn confirm_stripe(
    state: &AppState,
    user_id: Uuid,
    intent_id: &str,
) -> AppResult<(entity::Model, Settled)> {
    let stripe = state.payments.stripe()?;
    let payment = find_by_reference(&state.db, Provider::Stripe, intent_id)
        .await?
        .filter(|p| p.user_id == Some(user_id))
        .ok_or_else(|| AppError::not_found("Payment"))?;
    if payment.status != status::PENDING {
        return Ok((payment, Settled::Already));
    }
    let intent = stripe.retrieve(intent_id).await?;
    if !intent.succeeded {
        return Err(AppError::Conflict(
            "The payment has not gone through yet. Please wait a moment.".into(),
        ));
    }
    settle(
        state,
        Provider::Stripe,
        intent_id,
        Paid {
            amount_minor: intent.amount_received,
            currency: intent.currency,
        },
    )
    .await
}

/// The app's older flow: an amount-only payment, then `POST /appointments` with `payNow`. The new
/// reservation is tied to the customer's latest unattached Stripe payment of exactly its price
/// (from the last two hours), and paid at once if Stripe has confirmed it; otherwise its
/// confirmation pays it when it comes.
pub async fn attach_prepaid(
    state: &AppState,
    user_id: Uuid,
    booked: &AppointmentView,
) -> AppResult<Option<AppointmentView>> {
    let Some(stripe) = state.payments.stripe.as_ref() else {
        return Ok(None);
    };
    let price = price_minor(booked);
    let candidates = entity::Entity::find()
        .filter(entity::Column::Provider.eq(Provider::Stripe.as_str()))
        .filter(entity::Column::UserId.eq(user_id))
        .filter(entity::Column::Lines.eq("[]"))
        .filter(entity::Column::AmountMinor.eq(price))
        .filter(entity::Column::Status.is_in([status::PENDING, status::SUCCEEDED]))
        .filter(entity::Column::CreatedAt.gte(Utc::now() - Duration::hours(2)))
        .order_by_desc(entity::Column::CreatedAt)
        .limit(5)
        .all(&state.db)
        .await?;
    for payment in candidates {
        let lines = serde_json::to_string(&[PaidLine {
            appointment_id: booked.id,
            service_id: booked.service_id,
            starts_at: booked.starts_at,
            price_minor: price,
        }])
        .unwrap_or_else(|_| "[]".into());
        // The payment is claimed first (only while nothing holds it), so two bookings sent at
        // once cannot both be paid by it.
        let claimed = entity::Entity::update_many()
            .col_expr(entity::Column::Lines, Expr::value(lines))
            .filter(entity::Column::Id.eq(payment.id))
            .filter(entity::Column::Lines.eq("[]"))
            .exec(&state.db)
            .await?
            .rows_affected;
        if claimed != 1 {
            continue;
        }
        let tied = appointment_rows::Entity::update_many()
            .col_expr(appointment_rows::Column::PaymentId, Expr::value(Some(payment.id)))
            .filter(appointment_rows::Column::Id.eq(booked.id))
            .filter(appointment_rows::Column::PaymentId.is_null())
            .exec(&state.db)
            .await?
            .rows_affected;
        if tied != 1 {
            entity::Entity::update_many()
                .col_expr(entity::Column::Lines, Expr::value("[]"))
                .filter(entity::Column::Id.eq(payment.id))
                .exec(&state.db)
                .await?;
            return Ok(None);
        }
        let current = find(&state.db, payment.id).await?;
        if current.status == status::PENDING {
            if let Ok(intent) = stripe.retrieve(&current.provider_ref).await {
                if intent.succeeded {
                    let paid = Paid {
                        amount_minor: intent.amount_received,
                        currency: intent.currency,
                    };
                    settle(state, Provider::Stripe, &current.provider_ref, paid).await?;
                }
            }
        } else {
            // Settled before the booking was tied to it (or while it was): settle confirms it.
            let paid = Paid {
                amount_minor: current.amount_minor,
                currency: current.currency.clone(),
            };
            settle(state, Provider::Stripe, &current.provider_ref, paid).await?;
        }
        let rules = crate::server::booking::rules(state).await?;
        let row = appointments::find(&state.db, booked.id).await?;
        return Ok(Some(appointments::view(&state.db, &rules, row).await?));
    }
    Ok(None)
}

/// Staff refund the rest of a payment: given back through the provider (or recorded as due), the
/// bookings it paid for that have not happened are cancelled, and the audit log says who.
pub async fn refund(state: &AppState, actor: Uuid, id: Uuid) -> AppResult<PaymentView> {
    let payment = find(&state.db, id).await?;
    if !matches!(
        payment.status.as_str(),
        status::SUCCEEDED | status::PARTLY_REFUNDED | status::REFUND_DUE
    ) {
        return Err(AppError::Conflict(format!(
            "A {} payment cannot be refunded.",
            payment.status.replace('_', " ")
        )));
    }
    let rest = payment.amount_minor - payment.refunded_minor;
    if rest <= 0 {
        return Err(AppError::Conflict("This payment is already refunded.".into()));
    }
    // JazzCash has no refund API for hosted checkout: staff give the money back in JazzCash's
    // merchant portal, then record it here (the second refund of an owed JazzCash payment).
    if payment.provider == Provider::JazzCash.as_str() && payment.status == status::REFUND_DUE {
        let now = Utc::now();
        let recorded = entity::Entity::update_many()
            .col_expr(entity::Column::Status, Expr::value(status::REFUNDED))
            .col_expr(entity::Column::RefundedMinor, Expr::value(payment.amount_minor))
            .col_expr(entity::Column::Failure, Expr::value(Option::<String>::None))
            .col_expr(entity::Column::UpdatedAt, Expr::value(now))
            .filter(entity::Column::Id.eq(id))
            .filter(entity::Column::Status.eq(status::REFUND_DUE))
            .exec(&state.db)
            .await?
            .rows_affected;
        if recorded != 1 {
            return Err(AppError::Conflict(
                "This payment changed meanwhile. Please reload it and try again.".into(),
            ));
        }
        let saved = find(&state.db, id).await?;
        cancel_lines(state, &saved, "Payment refunded").await?;
        audit::record(
            &state.db,
            audit::Entry::new("payment.refund_recorded")
                .actor(actor)
                .target("payment", id.to_string())
                .details(serde_json::json!({ "amountMinor": rest, "provider": saved.provider })),
        )
        .await?;
        state.live.publish(crate::server::live::Event::Payment { id });
        return Ok(views(&state.db, vec![saved]).await?.remove(0));
    }
    // Claimed first, so two refunds at once give the money back once.
    if !claim(state, id, &payment.status, status::REFUNDING, None, Utc::now()).await? {
        return Err(AppError::Conflict(
            "This payment changed meanwhile. Please reload it and try again.".into(),
        ));
    }
    let claimed = find(&state.db, id).await?;
    let saved = match give_back(state, &claimed, rest, "refunded by staff").await {
        Ok(saved) => saved,
        Err(e) => {
            // Nothing was recorded: the payment is as it was, and may be refunded again.
            claim(state, id, status::REFUNDING, &payment.status, None, Utc::now()).await?;
            return Err(e);
        }
    };
    cancel_lines(state, &saved, "Payment refunded").await?;
    audit::record(
        &state.db,
        audit::Entry::new("payment.refunded_by_staff")
            .actor(actor)
            .target("payment", id.to_string())
            .details(serde_json::json!({ "amountMinor": rest, "status": saved.status })),
    )
    .await?;
    Ok(views(&state.db, vec![saved]).await?.remove(0))
}

pub async fn totals(state: &AppState, rules: &Rules) -> AppResult<SalesTotals> {
    use chrono::Datelike;
    let tz = rules.tz();
    let today = rules.today();
    let start = |d: chrono::NaiveDate| crate::server::booking::slots::day_start(tz, d);
    let week_start = today - Duration::days(i64::from(today.weekday().num_days_from_monday()));
    let month_start = today.with_day(1).unwrap_or(today);
    let settled = [
        status::SUCCEEDED,
        status::PARTLY_REFUNDED,
        status::REFUNDED,
        status::REFUND_DUE,
    ];
    let rows = entity::Entity::find()
        .filter(entity::Column::Status.is_in(settled))
        .filter(entity::Column::SettledAt.gte(start(month_start).min(start(week_start))))
        .all(&state.db)
        .await?;
    let sum = |from: DateTime<Utc>| -> i64 {
        rows.iter()
            .filter(|r| r.settled_at.is_some_and(|t| t >= from))
            .map(|r| r.amount_minor - r.refunded_minor)
            .sum()
    };
    let refunded: i64 = rows
        .iter()
        .filter(|r| r.settled_at.is_some_and(|t| t >= start(month_start)))
        .map(|r| r.refunded_minor)
        .sum();
    Ok(SalesTotals {
        today: Money::from_minor(sum(start(today))).to_string(),
        week: Money::from_minor(sum(start(week_start))).to_string(),
        month: Money::from_minor(sum(start(month_start))).to_string(),
        refunded_month: Money::from_minor(refunded).to_string(),
        currency: state.config.currency.to_ascii_uppercase(),
    })
}

/// The latest payments, newest first; `settled_only` leaves out those still waiting or failed.
pub async fn latest(state: &AppState, limit: u64, settled_only: bool) -> AppResult<Vec<PaymentView>> {
    let mut q = entity::Entity::find();
    if settled_only {
        q = q.filter(entity::Column::SettledAt.is_not_null());
    }
    let rows = q
        .order_by_desc(entity::Column::CreatedAt)
        .order_by_desc(entity::Column::Id)
        .limit(limit)
        .all(&state.db)
        .await?;
    views(&state.db, rows).await
}
