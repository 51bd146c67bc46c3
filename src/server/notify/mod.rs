//! Notifications. Every message is written to the `outbox` table first, in the transaction of the
//! change it reports, and delivered by a background worker on each instance, so a slow or failing
//! provider never fails a request and nothing is lost while it is down. Channels: email (SMTP),
//! push (FCM HTTP v1) and SMS (Twilio), each off unless configured.

pub mod direct;
pub mod email;
pub mod inbox;
pub mod log;
pub mod notices;
pub mod outbox;
pub mod push;
pub mod reminders;
pub mod settings;
pub mod sms;
pub mod templates;

use std::sync::Arc;

use super::config::Config;

/// Why a delivery failed, which decides what happens next.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure {
    /// Worth another try later (the provider is down or throttling).
    Transient(String),
    /// Retrying will not help (bad number, refused credentials): straight to the dead letters.
    Permanent(String),
    /// The device token is no longer registered: it is forgotten.
    Gone(String),
}

impl Failure {
    pub fn message(&self) -> &str {
        match self {
            Self::Transient(m) | Self::Permanent(m) | Self::Gone(m) => m,
        }
    }
}

/// The delivery channels this instance can use.
#[derive(Clone)]
pub struct Channels {
    pub mail: email::Mailer,
    pub push: Option<Arc<push::Fcm>>,
    pub sms: Option<Arc<sms::Twilio>>,
}

impl Channels {
    pub fn from_config(config: &Config) -> anyhow::Result<Self> {
        let push = match &config.fcm_service_account {
            Some(account) => Some(Arc::new(push::Fcm::from_config(
                account.expose(),
                &config.fcm_base_url,
            )?)),
            None => None,
        };
        let sms = match (
            &config.twilio_account_sid,
            &config.twilio_auth_token,
            &config.twilio_from,
        ) {
            (Some(sid), Some(token), Some(from)) => Some(Arc::new(sms::Twilio::new(
                sid,
                token.clone(),
                from,
                &config.twilio_base_url,
            )?)),
            _ => None,
        };
        Ok(Self {
            mail: email::Mailer::from_config(config.smtp_url.as_deref(), &config.mail_from)?,
            push,
            sms,
        })
    }
}
