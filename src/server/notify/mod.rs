//! Notifications. Messages are written to the `outbox` table first, in the request that causes them,
//! and delivered by a background worker, so a slow or failing mail server never fails a request and
//! nothing is lost when it is down.

pub mod email;
pub mod outbox;
pub mod templates;
