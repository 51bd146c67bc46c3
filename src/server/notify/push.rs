//! Push through Firebase Cloud Messaging's HTTP v1 API.
//!
//! Authentication is the service account's own: a JWT signed with its private key (RS256) is
//! exchanged at its `token_uri` for an OAuth 2.0 access token (the JWT bearer grant, RFC 7523),
//! kept until a minute before it expires. Messages follow the mobile contract (§4): a
//! notification, string-only data, high Android priority on the `default` channel, and an APNs
//! sound and badge. Tests point the service account's `token_uri` and `FCM_BASE_URL` at a local
//! server that speaks the same API; nothing else differs.

use std::{
    collections::BTreeMap,
    time::{Duration, Instant},
};

use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde::{Deserialize, Serialize};
use serde_json::json;
use tokio::sync::Mutex;

use super::Failure;

const SCOPE: &str = "https://www.googleapis.com/auth/firebase.messaging";

#[derive(Clone, Deserialize)]
struct ServiceAccount {
    project_id: String,
    private_key: String,
    client_email: String,
    token_uri: String,
    #[serde(default)]
    private_key_id: Option<String>,
}

pub struct Fcm {
    http: reqwest::Client,
    account: ServiceAccount,
    key: EncodingKey,
    base: String,
    token: Mutex<Option<(String, Instant)>>,
}

#[derive(Serialize)]
struct Claims<'a> {
    iss: &'a str,
    scope: &'a str,
    aud: &'a str,
    iat: i64,
    exp: i64,
}

#[derive(Deserialize)]
struct TokenAnswer {
    access_token: String,
    expires_in: u64,
}

impl Fcm {
    /// From the service account JSON, given as is or as the path of a file holding it.
    pub fn from_config(raw: &str, base: &str) -> anyhow::Result<Self> {
        let json = if raw.trim_start().starts_with('{') {
            raw.to_owned()
        } else {
            std::fs::read_to_string(raw.trim())
                .map_err(|e| anyhow::anyhow!("FCM_SERVICE_ACCOUNT: cannot read {raw}: {e}"))?
        };
        let account: ServiceAccount = serde_json::from_str(&json)
            .map_err(|e| anyhow::anyhow!("FCM_SERVICE_ACCOUNT is not a service account: {e}"))?;
        let key = EncodingKey::from_rsa_pem(account.private_key.as_bytes())
            .map_err(|e| anyhow::anyhow!("FCM_SERVICE_ACCOUNT: its private key is unreadable: {e}"))?;
        Ok(Self {
            http: reqwest::Client::builder()
                .timeout(Duration::from_secs(15))
                .build()?,
            account,
            key,
            base: base.trim_end_matches('/').to_owned(),
            token: Mutex::new(None),
        })
    }

    async fn access_token(&self) -> Result<String, Failure> {
        let mut cached = self.token.lock().await;
        if let Some((token, until)) = cached.as_ref() {
            if Instant::now() < *until {
                return Ok(token.clone());
            }
        }
        let now = chrono::Utc::now().timestamp();
        let claims = Claims {
            iss: &self.account.client_email,
            scope: SCOPE,
            aud: &self.account.token_uri,
            iat: now,
            exp: now + 3600,
        };
        let mut header = Header::new(Algorithm::RS256);
        header.kid = self.account.private_key_id.clone();
        let assertion = jsonwebtoken::encode(&header, &claims, &self.key)
            .map_err(|e| Failure::Permanent(format!("signing the FCM token request: {e}")))?;
        let answer = self
            .http
            .post(&self.account.token_uri)
            .form(&[
                ("grant_type", "urn:ietf:params:oauth:grant-type:jwt-bearer"),
                ("assertion", assertion.as_str()),
            ])
            .send()
            .await
            .map_err(|e| Failure::Transient(format!("FCM token endpoint: {e}")))?;
        let status = answer.status();
        if !status.is_success() {
            let text = answer.text().await.unwrap_or_default();
            return Err(if status.is_server_error() {
                Failure::Transient(format!("FCM token endpoint {status}: {text}"))
            } else {
                Failure::Permanent(format!(
                    "FCM token endpoint refused the service account ({status}): {text}"
                ))
            });
        }
        let token: TokenAnswer = answer
            .json()
            .await
            .map_err(|e| Failure::Transient(format!("FCM token endpoint answer: {e}")))?;
        let until = Instant::now() + Duration::from_secs(token.expires_in.saturating_sub(60));
        *cached = Some((token.access_token.clone(), until));
        Ok(token.access_token)
    }

    /// Sends one message to one device.
    pub async fn send(
        &self,
        device: &str,
        title: &str,
        body: &str,
        data: &BTreeMap<String, String>,
    ) -> Result<(), Failure> {
        let token = self.access_token().await?;
        let url = format!(
            "{}/v1/projects/{}/messages:send",
            self.base, self.account.project_id
        );
        let message = json!({ "message": {
            "token": device,
            "notification": { "title": title, "body": body },
            "data": data,
            "android": { "priority": "high", "notification": { "channel_id": "default" } },
            "apns": { "payload": { "aps": { "sound": "default", "badge": 1 } } },
        }});
        let answer = self
            .http
            .post(url)
            .bearer_auth(&token)
            .json(&message)
            .send()
            .await
            .map_err(|e| Failure::Transient(format!("FCM: {e}")))?;
        let status = answer.status();
        if status.is_success() {
            return Ok(());
        }
        if status == reqwest::StatusCode::UNAUTHORIZED {
            // The access token was refused before its time: the retry must fetch a new one.
            *self.token.lock().await = None;
        }
        let body: serde_json::Value = answer.json().await.unwrap_or_default();
        Err(classify(status.as_u16(), &body))
    }
}

/// FCM's error: the `FcmError` detail's code, else the status. A token FCM no longer knows is
/// `Gone` (the stored token is cleared); throttling and server errors are retried.
fn classify(status: u16, body: &serde_json::Value) -> Failure {
    let error = &body["error"];
    let code = error["details"]
        .as_array()
        .and_then(|details| {
            details.iter().find_map(|d| {
                d["@type"]
                    .as_str()
                    .filter(|t| t.ends_with("FcmError"))
                    .and(d["errorCode"].as_str())
            })
        })
        .or_else(|| error["status"].as_str())
        .unwrap_or("UNKNOWN")
        .to_owned();
    let message = format!(
        "FCM {status} {code}: {}",
        error["message"].as_str().unwrap_or_default()
    );
    match code.as_str() {
        "UNREGISTERED" => Failure::Gone(message),
        "INVALID_ARGUMENT" if message.contains("registration token") => Failure::Gone(message),
        "QUOTA_EXCEEDED" | "UNAVAILABLE" | "INTERNAL" => Failure::Transient(message),
        _ if status >= 500 || status == 429 => Failure::Transient(message),
        // A refused access token: `send` dropped it, so the next try fetches a new one.
        _ if status == 401 => Failure::Transient(message),
        _ => Failure::Permanent(message),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unregistered_tokens_are_gone_and_throttling_is_retried() {
        let unregistered = json!({"error":{"code":404,"message":"Requested entity was not found.","status":"NOT_FOUND",
            "details":[{"@type":"type.googleapis.com/google.firebase.fcm.v1.FcmError","errorCode":"UNREGISTERED"}]}});
        assert!(matches!(classify(404, &unregistered), Failure::Gone(_)));
        let quota = json!({"error":{"code":429,"status":"RESOURCE_EXHAUSTED",
            "details":[{"@type":"type.googleapis.com/google.firebase.fcm.v1.FcmError","errorCode":"QUOTA_EXCEEDED"}]}});
        assert!(matches!(classify(429, &quota), Failure::Transient(_)));
        let bad = json!({"error":{"code":400,"message":"Invalid value at 'message.data[0].value'","status":"INVALID_ARGUMENT"}});
        assert!(matches!(classify(400, &bad), Failure::Permanent(_)));
    }
}
