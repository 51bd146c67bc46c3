//! Payments (contract §2.6). The app reads these answers at the top level, not under `data`, so
//! they carry both: `{success, clientSecret, paymentIntentId, …, data:{…}}`. Guests get 403
//! `GUEST_RESTRICTED` (A); provider callbacks carry no token and are believed only when signed.

use std::collections::BTreeMap;

use axum::{
    body::Bytes,
    extract::{Path, State},
    http::{header, HeaderMap, StatusCode},
    response::{Html, IntoResponse, Response},
};
use serde::Deserialize;
use serde_json::{json, Map, Value};

use super::{
    extract::CurrentUser,
    input::Json,
    response::{ApiError, ApiOk, ApiResult},
};
use crate::server::{
    booking,
    error::AppError,
    payments::{
        self,
        callbacks::{self, StripeOutcome},
        jazzcash, Cart, Provider, Settled,
    },
    state::AppState,
};
use crate::shared::{
    appointments::{Booking, BookingForm},
    booking::Money,
    errors::FieldError,
    permissions::Permission,
};

/// One line of a cart (`cartItems[]`). `unitPrice` is accepted and ignored: the server prices.
#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct CartItem {
    pub service_id: String,
    pub appointment_date: String,
    pub appointment_time: String,
    pub expert_id: Option<String>,
    pub offer_id: Option<String>,
    pub notes: Option<String>,
    pub unit_price: Option<Value>,
}

/// `create-intent` and `jazzcash/initiate`: the booking fields of one service, or `cartItems`, or
/// (the older app) only an amount.
#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct CheckoutBody {
    pub amount: Option<Value>,
    pub currency: Option<String>,
    pub service_id: Option<String>,
    pub appointment_date: Option<String>,
    pub appointment_time: Option<String>,
    pub expert_id: Option<String>,
    pub customer_name: Option<String>,
    pub customer_email: Option<String>,
    pub customer_phone: Option<String>,
    pub offer_id: Option<String>,
    pub notes: Option<String>,
    pub cart_items: Vec<CartItem>,
}

/// The cart the body asks for, every line checked (errors name `cartItems[i].field`).
fn cart(state: &AppState, body: &CheckoutBody, amount_only_allowed: bool) -> Result<Cart, AppError> {
    payments::check_currency(&state.config, body.currency.as_deref())?;
    let line = |service_id: &str,
                date: &str,
                time: &str,
                expert: &Option<String>,
                offer: &Option<String>,
                notes: &Option<String>| BookingForm {
        service_id: service_id.to_owned(),
        appointment_date: date.to_owned(),
        appointment_time: time.to_owned(),
        customer_name: body.customer_name.clone().unwrap_or_default(),
        customer_phone: body.customer_phone.clone().unwrap_or_default(),
        customer_email: body.customer_email.clone(),
        expert_id: expert.clone(),
        notes: notes.clone(),
        pay_now: Value::Bool(true),
        payment_method: None,
        user_id: None,
        offer_id: offer.clone(),
    };
    let forms: Vec<(Option<usize>, BookingForm)> = if !body.cart_items.is_empty() {
        payments::check_cart_size(body.cart_items.len())?;
        body.cart_items
            .iter()
            .enumerate()
            .map(|(i, c)| {
                (
                    Some(i),
                    line(
                        &c.service_id,
                        &c.appointment_date,
                        &c.appointment_time,
                        &c.expert_id,
                        &c.offer_id,
                        &c.notes,
                    ),
                )
            })
            .collect()
    } else if let Some(service) = body.service_id.as_deref().filter(|s| !s.trim().is_empty()) {
        vec![(
            None,
            line(
                service,
                body.appointment_date.as_deref().unwrap_or_default(),
                body.appointment_time.as_deref().unwrap_or_default(),
                &body.expert_id,
                &body.offer_id,
                &body.notes,
            ),
        )]
    } else if amount_only_allowed {
        let amount = body
            .amount
            .as_ref()
            .ok_or_else(|| AppError::field("amount", "Send the amount, or the booking to pay for"))?;
        let minor = match amount {
            Value::Number(n) => n.as_i64(),
            Value::String(s) => s.trim().parse::<i64>().ok(),
            _ => None,
        }
        .ok_or_else(|| AppError::field("amount", "Must be a whole number of paisa, at least 100"))?;
        payments::check_amount(minor)?;
        return Ok(Cart::AmountOnly(Money::from_minor(minor)));
    } else {
        return Err(AppError::field("serviceId", "Choose the service to pay for"));
    };
    let mut errors = Vec::new();
    let mut lines: Vec<Booking> = Vec::with_capacity(forms.len());
    for (i, form) in forms {
        match form.parse() {
            Ok(b) => lines.push(b),
            Err(list) => errors.extend(list.into_iter().map(|e| match i {
                Some(i) if !e.field.starts_with("customer") => {
                    FieldError::new(format!("cartItems[{i}].{}", e.field), e.message)
                }
                _ => e,
            })),
        }
    }
    // The customer's fields are the same on every line: each is said once.
    let mut seen = std::collections::HashSet::new();
    errors.retain(|e| seen.insert((e.field.clone(), e.message.clone())));
    if errors.is_empty() {
        Ok(Cart::Bookings(lines))
    } else {
        Err(AppError::Validation(errors))
    }
}

/// `{success:true, …fields}` with the same fields under `data` too.
fn top_level(status: StatusCode, message: &str, fields: Value) -> Response {
    let mut body = Map::new();
    body.insert("success".into(), Value::Bool(true));
    body.insert("message".into(), Value::String(message.to_owned()));
    if let Value::Object(f) = &fields {
        for (k, v) in f {
            body.insert(k.clone(), v.clone());
        }
    }
    body.insert("data".into(), fields);
    (status, axum::Json(Value::Object(body))).into_response()
}

/// `POST /payments/create-intent` (A).
pub async fn create_intent(
    State(state): State<AppState>,
    user: CurrentUser,
    Json(body): Json<CheckoutBody>,
) -> Result<Response, ApiError> {
    user.require(Permission::AppointmentsCreate)?;
    state.payments.stripe()?;
    let cart = cart(&state, &body, true)?;
    let rules = booking::rules(&state).await?;
    let (opened, intent) = payments::checkout_stripe(&state, &rules, user.0.user.id, cart).await?;
    Ok(top_level(
        StatusCode::OK,
        "Payment started",
        json!({
            "clientSecret": intent.client_secret,
            "paymentIntentId": intent.id,
            "paymentId": opened.payment.id,
            "amount": opened.payment.amount_minor,
            "currency": opened.payment.currency,
            "appointments": opened.appointments,
        }),
    ))
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct ConfirmBody {
    pub payment_intent_id: String,
}

/// `POST /payments/confirm-appointment` (A): Stripe is asked whether the intent succeeded.
pub async fn confirm(
    State(state): State<AppState>,
    user: CurrentUser,
    Json(body): Json<ConfirmBody>,
) -> Result<Response, ApiError> {
    let id = body.payment_intent_id.trim();
    if id.is_empty() || id.len() > 255 || !id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
        return Err(AppError::field("paymentIntentId", "Must be a PaymentIntent id").into());
    }
    let (payment, settled) = payments::confirm_stripe(&state, user.0.user.id, id).await?;
    let view = payments::views(&state.db, vec![payment]).await?.remove(0);
    let message = match settled {
        Settled::Mismatch => "The payment did not match the price and was refunded.",
        _ if view.status == payments::status::SUCCEEDED => "Payment confirmed",
        _ => "Payment recorded",
    };
    let appointments = appointments_of(&state, &view.appointment_ids).await?;
    Ok(top_level(
        StatusCode::OK,
        message,
        json!({ "payment": view, "appointments": appointments }),
    ))
}

async fn appointments_of(state: &AppState, ids: &[uuid::Uuid]) -> Result<Vec<Value>, AppError> {
    let rules = booking::rules(state).await?;
    let mut out = Vec::with_capacity(ids.len());
    for id in ids {
        let row = booking::appointments::find(&state.db, *id).await?;
        out.push(json!(booking::appointments::view(&state.db, &rules, row).await?));
    }
    Ok(out)
}

/// `POST /payments/webhook`: Stripe's events, believed only with a valid `Stripe-Signature`, and
/// handled once per event id.
pub async fn stripe_webhook(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    state.payments.stripe()?;
    let signature = headers
        .get("stripe-signature")
        .and_then(|v| v.to_str().ok())
        .ok_or_else(|| AppError::BadRequest("Missing Stripe-Signature.".into()))?;
    let payload =
        std::str::from_utf8(&body).map_err(|_| AppError::BadRequest("Invalid webhook body.".into()))?;
    let outcome = match callbacks::stripe_event(&state, payload, signature).await? {
        StripeOutcome::Duplicate => {
            return Ok(ApiOk::new(json!({ "received": true, "duplicate": true })).into_response())
        }
        StripeOutcome::Settled { lost } => json!({ "settled": true, "lost": lost }),
        StripeOutcome::AlreadySettled => json!({ "settled": false }),
        StripeOutcome::Refunded => json!({ "settled": false, "refunded": true }),
        StripeOutcome::Declined => json!({ "declined": true }),
        StripeOutcome::Failed => json!({ "failed": true }),
        StripeOutcome::Ignored => json!({ "ignored": true }),
    };
    Ok(ApiOk::new(json!({ "received": true, "outcome": outcome })).into_response())
}

/// `POST /payments/jazzcash/initiate` (A): the signed form, as an auto-posting page
/// (`checkoutHtml`, newer app builds) and as `paymentUrl` + `formData` (older ones).
pub async fn jazzcash_initiate(
    State(state): State<AppState>,
    user: CurrentUser,
    Json(body): Json<CheckoutBody>,
) -> Result<Response, ApiError> {
    user.require(Permission::AppointmentsCreate)?;
    let jc = state.payments.jazzcash()?.clone();
    let cart = cart(&state, &body, false)?;
    let rules = booking::rules(&state).await?;
    let (opened, form) = payments::checkout_jazzcash(&state, &rules, user.0.user.id, cart).await?;
    Ok(top_level(
        StatusCode::OK,
        "Payment started",
        json!({
            "checkoutHtml": jazzcash::auto_post_page(&jc.checkout_url, &form),
            "paymentUrl": jc.checkout_url,
            "formData": form,
            "txnRefNo": opened.payment.provider_ref,
            "paymentId": opened.payment.id,
            "amount": opened.payment.amount_minor,
            "appointments": opened.appointments,
        }),
    ))
}

fn form_fields(body: &Bytes) -> BTreeMap<String, String> {
    form_urlencoded::parse(body)
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

fn encode(s: &str) -> String {
    form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// `POST /payments/jazzcash/return`: where JazzCash sends the customer's web view. Answers a page
/// that moves on to `/payment-success?ref=` or `/payment-failed?ref=&code=` (what the app watches).
pub async fn jazzcash_return(State(state): State<AppState>, body: Bytes) -> Response {
    let fields = form_fields(&body);
    let base = state.config.frontend_url();
    let code = fields.get("pp_ResponseCode").cloned().unwrap_or_default();
    let target = match callbacks::jazzcash_post(&state, &fields).await {
        Ok((reference, true)) => format!("{base}/payment-success?ref={}", encode(&reference)),
        Ok((reference, false)) => format!(
            "{base}/payment-failed?ref={}&code={}",
            encode(&reference),
            encode(&code)
        ),
        Err(e) => {
            tracing::warn!(error = %e, "jazzcash return refused");
            let reference = fields.get("pp_TxnRefNo").cloned().unwrap_or_default();
            format!("{base}/payment-failed?ref={}&code=invalid", encode(&reference))
        }
    };
    (
        [(header::CACHE_CONTROL, "no-store")],
        Html(jazzcash::redirect_page(&target)),
    )
        .into_response()
}

/// `POST /payments/jazzcash/notify`: JazzCash's server-to-server notice, the same signed fields.
pub async fn jazzcash_notify(State(state): State<AppState>, body: Bytes) -> ApiResult<Value> {
    let fields = form_fields(&body);
    let (reference, paid) = callbacks::jazzcash_post(&state, &fields).await?;
    Ok(ApiOk::new(json!({ "txnRefNo": reference, "paid": paid })))
}

/// `GET /payments/jazzcash/status/:txnRefNo` (A): the customer's own payment, as the ledger has it.
pub async fn jazzcash_status(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(reference): Path<String>,
) -> ApiResult<Value> {
    // References are 20 characters (`T` + time + digits); anything much longer is no reference.
    let reference = reference.trim();
    if reference.len() > 64 {
        return Err(AppError::not_found("Payment").into());
    }
    let payment = payments::find_by_reference(&state.db, Provider::JazzCash, reference)
        .await?
        .filter(|p| p.user_id == Some(user.0.user.id) || user.0.can(Permission::AppointmentsView))
        .ok_or_else(|| AppError::not_found("Payment"))?;
    let view = payments::views(&state.db, vec![payment]).await?.remove(0);
    Ok(ApiOk::new(json!({ "status": view.status, "payment": view })))
}

/// `GET /payments/admin?limit` [dashboard.view]: the latest payments with the period totals.
pub async fn list_admin(
    State(state): State<AppState>,
    user: CurrentUser,
    axum::extract::Query(q): axum::extract::Query<std::collections::HashMap<String, String>>,
) -> ApiResult<Value> {
    user.require(Permission::DashboardView)?;
    let limit = match q.get("limit").map(|l| l.trim().parse::<u64>()) {
        None => 50,
        Some(Ok(n)) if (1..=200).contains(&n) => n,
        Some(_) => return Err(AppError::field("limit", "limit must be a whole number from 1 to 200").into()),
    };
    let rules = booking::rules(&state).await?;
    let totals = payments::totals(&state, &rules).await?;
    let list = payments::latest(&state, limit, false).await?;
    Ok(ApiOk::new(json!({ "payments": list, "totals": totals })))
}

/// `POST /payments/:id/refund` [payments.refund]: gives the rest of a payment back and cancels the
/// bookings it paid for that have not happened.
pub async fn refund(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
) -> ApiResult<Value> {
    user.require(Permission::PaymentsRefund)?;
    let id = super::extract::path_id(&id, "Payment")?;
    let payment = payments::refund(&state, user.0.user.id, id).await?;
    let message = if payment.status == payments::status::REFUND_DUE {
        "Recorded as owed back: refund it in the provider's portal"
    } else {
        "Payment refunded"
    };
    Ok(ApiOk::new(json!({ "payment": payment })).message(message))
}
