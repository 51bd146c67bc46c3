//! Stripe, through async-stripe: PaymentIntents are created with the amount the server priced and
//! the payment's id as metadata and idempotency key, read back to confirm them, and refunded; the
//! webhook's `Stripe-Signature` is checked by the crate (HMAC-SHA256 over `t.payload`, a
//! constant-time compare, five minutes of tolerance) before anything in it is believed.

use std::collections::HashMap;

use stripe::{IdempotencyKey, RequestStrategy, StripeRequest};
use stripe_core::{
    payment_intent::{
        CreatePaymentIntent, CreatePaymentIntentAutomaticPaymentMethods, RetrievePaymentIntent,
    },
    refund::CreateRefund,
};
use stripe_webhook::{EventObject, Webhook};
use uuid::Uuid;

use crate::server::{config::Config, error::AppError};

/// The client and the webhook secret; `None` in `AppState` when Stripe is not configured.
#[derive(Clone)]
pub struct Stripe {
    client: stripe::Client,
    webhook_secret: String,
}

/// What Stripe says about a PaymentIntent, reduced to what settles a payment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Intent {
    pub id: String,
    pub client_secret: Option<String>,
    pub succeeded: bool,
    /// Cancelled or failed for good: the customer will not pay this intent.
    pub failed: bool,
    pub amount_received: i64,
    pub currency: String,
}

/// A verified webhook event that concerns payments.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Notice {
    Succeeded(Intent),
    /// A card was declined; the customer may still pay the same intent another way.
    Declined(Intent),
    /// Cancelled: this intent will never be paid.
    Failed(Intent),
    /// Another event type: acknowledged and ignored.
    Other,
}

fn provider_error(e: stripe::StripeError) -> AppError {
    tracing::warn!(error = %e, "stripe request failed");
    AppError::BadGateway("The payment provider did not answer. Please try again.".into())
}

fn intent(pi: stripe_core::PaymentIntent) -> Intent {
    use stripe_core::PaymentIntentStatus as S;
    Intent {
        id: pi.id.as_str().to_owned(),
        client_secret: pi.client_secret,
        succeeded: pi.status == S::Succeeded,
        failed: pi.status == S::Canceled,
        amount_received: pi.amount_received,
        currency: pi.currency.to_string().to_ascii_lowercase(),
    }
}

impl Stripe {
    pub fn from_config(config: &Config) -> Result<Option<Self>, AppError> {
        let (Some(key), Some(webhook)) = (&config.stripe_secret_key, &config.stripe_webhook_secret) else {
            return Ok(None);
        };
        // The crate joins paths onto the base, which must end with a slash.
        let base = format!("{}/", config.stripe_base_url.trim_end_matches('/'));
        let client = stripe::ClientBuilder::new(key.expose())
            .url(base)
            .build()
            .map_err(|e| AppError::Internal(anyhow::anyhow!("stripe client: {e}")))?;
        Ok(Some(Self {
            client,
            webhook_secret: webhook.expose().to_owned(),
        }))
    }

    /// A PaymentIntent for `amount_minor`, keyed by the payment's id: a retry after a timeout
    /// gets the same intent, never a second charge.
    pub async fn create_intent(
        &self,
        payment_id: Uuid,
        amount_minor: i64,
        currency: &str,
    ) -> Result<Intent, AppError> {
        let currency: stripe_types::Currency = currency
            .parse()
            .map_err(|_| AppError::Internal(anyhow::anyhow!("unknown currency {currency}")))?;
        let key = IdempotencyKey::new(format!("pulse-payment-{payment_id}"))
            .map_err(|e| AppError::Internal(anyhow::anyhow!("idempotency key: {e:?}")))?;
        let pi = CreatePaymentIntent::new(amount_minor, currency)
            .metadata(HashMap::from([("paymentId".to_owned(), payment_id.to_string())]))
            .automatic_payment_methods(CreatePaymentIntentAutomaticPaymentMethods::new(true))
            .customize()
            .request_strategy(RequestStrategy::Idempotent(key))
            .send(&self.client)
            .await
            .map_err(provider_error)?;
        Ok(intent(pi))
    }

    /// The intent as Stripe has it now: what the app's "I paid" is checked against.
    pub async fn retrieve(&self, id: &str) -> Result<Intent, AppError> {
        let pi = RetrievePaymentIntent::new(id)
            .send(&self.client)
            .await
            .map_err(|e| match e {
                stripe::StripeError::Stripe(_, 404) => AppError::not_found("Payment"),
                e => provider_error(e),
            })?;
        Ok(intent(pi))
    }

    /// Refunds `amount_minor` of an intent; returns the refund's id. Keyed so that asking twice for
    /// the same refund makes one.
    pub async fn refund(&self, intent_id: &str, amount_minor: i64, key: &str) -> Result<String, AppError> {
        let key = IdempotencyKey::new(key)
            .map_err(|e| AppError::Internal(anyhow::anyhow!("idempotency key: {e:?}")))?;
        let refund = CreateRefund::new()
            .payment_intent(intent_id)
            .amount(amount_minor)
            .customize()
            .request_strategy(RequestStrategy::Idempotent(key))
            .send(&self.client)
            .await
            .map_err(provider_error)?;
        Ok(refund.id.as_str().to_owned())
    }

    /// Checks a webhook's signature and reads it: the event id (for idempotency) and what it says.
    pub fn verify(&self, payload: &str, signature: &str) -> Result<(String, Notice), AppError> {
        let event = Webhook::construct_event(payload, signature, &self.webhook_secret).map_err(|e| {
            tracing::warn!(error = %e, "stripe webhook refused");
            AppError::BadRequest("Invalid webhook signature.".into())
        })?;
        let notice = match event.data.object {
            EventObject::PaymentIntentSucceeded(pi) => Notice::Succeeded(intent(*pi)),
            EventObject::PaymentIntentPaymentFailed(pi) => Notice::Declined(intent(*pi)),
            EventObject::PaymentIntentCanceled(pi) => {
                let mut i = intent(*pi);
                i.failed = true;
                Notice::Failed(i)
            }
            _ => Notice::Other,
        };
        Ok((event.id.as_str().to_owned(), notice))
    }
}
