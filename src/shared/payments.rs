//! Payments as the portal and the app read them: one ledger row, and the Sales page's totals.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// A payment as the app and the portal read it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PaymentView {
    pub id: Uuid,
    pub provider: String,
    pub reference: String,
    pub amount: String,
    pub amount_minor: i64,
    pub refunded: String,
    pub currency: String,
    pub status: String,
    pub failure: Option<String>,
    pub user_id: Option<Uuid>,
    pub customer_name: Option<String>,
    pub appointment_ids: Vec<Uuid>,
    /// Whether a booking it paid for used an offer (the 🎁 on the dashboard).
    pub with_offer: bool,
    pub created_at: DateTime<Utc>,
    pub settled_at: Option<DateTime<Utc>>,
}

/// Sums for the Sales page: what was taken (less refunds) since each start.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SalesTotals {
    pub today: String,
    pub week: String,
    pub month: String,
    pub refunded_month: String,
    pub currency: String,
}
