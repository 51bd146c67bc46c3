//! SMS through Twilio's Messages API: `POST /2010-04-01/Accounts/{sid}/Messages.json` with basic
//! auth and a form (`To`, `From`, `Body`). Tests point `TWILIO_BASE_URL` at a local server that
//! speaks the same API.

use std::time::Duration;

use super::Failure;
use crate::server::config::Secret;

pub struct Twilio {
    http: reqwest::Client,
    account_sid: String,
    auth_token: Secret,
    from: String,
    base: String,
}

impl Twilio {
    pub fn new(account_sid: &str, auth_token: Secret, from: &str, base: &str) -> anyhow::Result<Self> {
        Ok(Self {
            http: reqwest::Client::builder()
                .timeout(Duration::from_secs(15))
                .build()?,
            account_sid: account_sid.to_owned(),
            auth_token,
            from: from.to_owned(),
            base: base.trim_end_matches('/').to_owned(),
        })
    }

    pub async fn send(&self, to: &str, body: &str) -> Result<(), Failure> {
        let url = format!(
            "{}/2010-04-01/Accounts/{}/Messages.json",
            self.base, self.account_sid
        );
        // `From` may be a number or a messaging service (`MG…`).
        let from_key = if self.from.starts_with("MG") {
            "MessagingServiceSid"
        } else {
            "From"
        };
        let answer = self
            .http
            .post(url)
            .basic_auth(&self.account_sid, Some(self.auth_token.expose()))
            .form(&[("To", to), (from_key, self.from.as_str()), ("Body", body)])
            .send()
            .await
            .map_err(|e| Failure::Transient(format!("Twilio: {e}")))?;
        let status = answer.status();
        if status.is_success() {
            return Ok(());
        }
        let error: serde_json::Value = answer.json().await.unwrap_or_default();
        let message = format!(
            "Twilio {status} {}: {}",
            error["code"].as_i64().unwrap_or_default(),
            error["message"].as_str().unwrap_or_default()
        );
        Err(if status.is_server_error() || status.as_u16() == 429 {
            Failure::Transient(message)
        } else {
            // A bad or unreachable number, an unsubscribed one, bad credentials: retrying will not help.
            Failure::Permanent(message)
        })
    }
}
