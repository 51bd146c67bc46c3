//! What the providers tell Pulse, handled once and only when signed: Stripe's webhook events and
//! JazzCash's return and notify posts. The `/api/v1` handlers only read the request and shape the
//! answer.

use std::collections::BTreeMap;

use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

use super::{jazzcash, status, stripe::Notice, Paid, Provider, Settled};
use crate::server::{
    entities::payment_events,
    error::{AppError, AppResult},
    state::AppState,
};

/// What a Stripe event did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StripeOutcome {
    /// Handled before (a replay): nothing changed.
    Duplicate,
    Settled {
        lost: usize,
    },
    AlreadySettled,
    /// The amount or currency was not the ledger's: refunded.
    Refunded,
    Declined,
    Failed,
    /// Another event type, or an intent Pulse did not make.
    Ignored,
}

/// A Stripe webhook: its signature checked, handled once per event id. If handling fails, the
/// event id is forgotten so that Stripe's retry is handled.
pub async fn stripe_event(state: &AppState, payload: &str, signature: &str) -> AppResult<StripeOutcome> {
    let stripe = state.payments.stripe()?;
    let (event_id, notice) = stripe.verify(payload, signature)?;
    if !super::first_time(state, Provider::Stripe, &event_id).await? {
        return Ok(StripeOutcome::Duplicate);
    }
    let handled = match notice {
        Notice::Succeeded(intent) => {
            let paid = Paid {
                amount_minor: intent.amount_received,
                currency: intent.currency,
            };
            match super::settle(state, Provider::Stripe, &intent.id, paid).await {
                Ok((_, Settled::Now { lost })) => Ok(StripeOutcome::Settled { lost }),
                Ok((_, Settled::Already)) => Ok(StripeOutcome::AlreadySettled),
                Ok((_, Settled::Mismatch)) => Ok(StripeOutcome::Refunded),
                // Another system's intent on the same account: acknowledged, ignored.
                Err(AppError::NotFound(_)) => Ok(StripeOutcome::Ignored),
                Err(e) => Err(e),
            }
        }
        Notice::Declined(intent) => {
            super::note_decline(state, Provider::Stripe, &intent.id, "A card was declined")
                .await
                .map(|()| StripeOutcome::Declined)
        }
        Notice::Failed(intent) => {
            super::fail(state, Provider::Stripe, &intent.id, "The payment was cancelled")
                .await
                .map(|()| StripeOutcome::Failed)
        }
        Notice::Other => Ok(StripeOutcome::Ignored),
    };
    if handled.is_err() {
        forget_event(state, Provider::Stripe, &event_id).await;
    }
    handled
}

async fn forget_event(state: &AppState, provider: Provider, event_id: &str) {
    let forgotten = payment_events::Entity::delete_many()
        .filter(payment_events::Column::Provider.eq(provider.as_str()))
        .filter(payment_events::Column::EventId.eq(event_id))
        .exec(&state.db)
        .await;
    if let Err(e) = forgotten {
        tracing::error!(error = %e, event_id, "could not forget a provider event that failed");
    }
}

/// A JazzCash return or notify post: refused unless its hash checks; then settled (000, 121),
/// left pending (124, 157) or failed (anything else) by its response code. Returns the
/// transaction reference and whether the payment now stands paid.
pub async fn jazzcash_post(state: &AppState, fields: &BTreeMap<String, String>) -> AppResult<(String, bool)> {
    let jc = state.payments.jazzcash()?;
    if !jc.verify(fields) {
        tracing::warn!("jazzcash post with a wrong or missing hash refused");
        return Err(AppError::BadRequest("Invalid JazzCash signature.".into()));
    }
    let reference = fields.get("pp_TxnRefNo").cloned().unwrap_or_default();
    let code = fields
        .get("pp_ResponseCode")
        .map(String::as_str)
        .unwrap_or_default();
    match jazzcash::outcome(code) {
        jazzcash::Outcome::Paid => {
            let amount = fields
                .get("pp_Amount")
                .and_then(|a| a.trim().parse::<i64>().ok())
                .ok_or_else(|| AppError::BadRequest("JazzCash sent no amount.".into()))?;
            let currency = fields
                .get("pp_TxnCurrency")
                .cloned()
                .unwrap_or_else(|| "PKR".into());
            let paid = Paid {
                amount_minor: amount,
                currency,
            };
            let (payment, _) = super::settle(state, Provider::JazzCash, &reference, paid).await?;
            let ok = matches!(
                payment.status.as_str(),
                status::SUCCEEDED | status::PARTLY_REFUNDED
            );
            Ok((reference, ok))
        }
        jazzcash::Outcome::Pending => Ok((reference, false)),
        jazzcash::Outcome::Failed => {
            let message = fields.get("pp_ResponseMessage").cloned().unwrap_or_default();
            let why: String = format!("JazzCash {code}: {message}").chars().take(500).collect();
            super::fail(state, Provider::JazzCash, &reference, &why).await?;
            Ok((reference, false))
        }
    }
}
