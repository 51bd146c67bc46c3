//! Local servers that speak the providers' real APIs, for the channels that have no local server of
//! their own: FCM HTTP v1 (with its OAuth 2.0 JWT bearer grant) and Twilio's Messages API. Pulse's
//! production clients talk to them unchanged; only their base URLs (and the service account's
//! `token_uri`) point here. Each records what it received and can be told to fail.

use std::{
    collections::{HashMap, HashSet},
    net::SocketAddr,
    sync::{Arc, Mutex},
    time::Duration,
};

use axum::{
    extract::{Path, State},
    http::{HeaderMap, StatusCode},
    response::IntoResponse,
    routing::post,
    Form, Json, Router,
};
use serde_json::{json, Value};

pub const FCM_PROJECT: &str = "pulse-test";
pub const FCM_CLIENT_EMAIL: &str = "pulse@pulse-test.iam.gserviceaccount.com";
pub const TWILIO_SID: &str = "AC00000000000000000000000000000000";
pub const TWILIO_TOKEN: &str = "twilio-test-token";
pub const TWILIO_FROM: &str = "+15005550006";

#[derive(Default)]
struct Fcm {
    /// Messages accepted, as sent.
    sent: Vec<Value>,
    /// Token requests, with the claims of their assertion.
    grants: Vec<Value>,
    /// Device tokens FCM "no longer knows".
    unregistered: HashSet<String>,
    /// Answer the next n sends with 503.
    fail_next: usize,
    /// How long each answer takes.
    delay: Duration,
}

#[derive(Clone)]
pub struct FakeFcm {
    pub base: String,
    state: Arc<Mutex<Fcm>>,
}

async fn serve(router: Router) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let _ = axum::serve(listener, router).await;
    });
    addr
}

impl FakeFcm {
    pub async fn start() -> Self {
        let state = Arc::new(Mutex::new(Fcm::default()));
        let router = Router::new()
            .route("/token", post(fcm_token))
            .route("/v1/projects/{project}/messages:send", post(fcm_send))
            .with_state(state.clone());
        let addr = serve(router).await;
        Self {
            base: format!("http://{addr}"),
            state,
        }
    }

    /// The service account JSON Pulse is configured with: its `token_uri` is this server.
    pub fn service_account(&self) -> String {
        json!({
            "type": "service_account",
            "project_id": FCM_PROJECT,
            "private_key_id": "test-key-1",
            "private_key": include_str!("../fixtures/fcm-test-key.pem"),
            "client_email": FCM_CLIENT_EMAIL,
            "client_id": "1",
            "token_uri": format!("{}/token", self.base),
        })
        .to_string()
    }

    pub fn sent(&self) -> Vec<Value> {
        self.state.lock().unwrap().sent.clone()
    }

    pub fn grants(&self) -> Vec<Value> {
        self.state.lock().unwrap().grants.clone()
    }

    pub fn unregister(&self, device: &str) {
        self.state.lock().unwrap().unregistered.insert(device.to_owned());
    }

    pub fn fail_next(&self, n: usize) {
        self.state.lock().unwrap().fail_next = n;
    }

    pub fn answer_after(&self, delay: Duration) {
        self.state.lock().unwrap().delay = delay;
    }
}

async fn fcm_token(
    State(state): State<Arc<Mutex<Fcm>>>,
    Form(form): Form<HashMap<String, String>>,
) -> impl IntoResponse {
    use jsonwebtoken::{decode, Algorithm, DecodingKey, Validation};
    let delay = state.lock().unwrap().delay;
    tokio::time::sleep(delay).await;
    if form.get("grant_type").map(String::as_str) != Some("urn:ietf:params:oauth:grant-type:jwt-bearer") {
        return (
            StatusCode::BAD_REQUEST,
            Json(json!({ "error": "unsupported_grant_type" })),
        );
    }
    let key = DecodingKey::from_rsa_pem(include_bytes!("../fixtures/fcm-test-key.pub.pem")).unwrap();
    let mut validation = Validation::new(Algorithm::RS256);
    validation.set_issuer(&[FCM_CLIENT_EMAIL]);
    validation.set_required_spec_claims(&["exp", "iat", "iss", "aud"]);
    validation.validate_aud = false;
    let assertion = form.get("assertion").cloned().unwrap_or_default();
    match decode::<Value>(&assertion, &key, &validation) {
        Ok(data)
            if data.claims["scope"] == "https://www.googleapis.com/auth/firebase.messaging"
                && data.claims["aud"].as_str().is_some_and(|a| a.ends_with("/token")) =>
        {
            state.lock().unwrap().grants.push(data.claims);
            (
                StatusCode::OK,
                Json(
                    json!({ "access_token": "ya29.test-access-token", "expires_in": 3599, "token_type": "Bearer" }),
                ),
            )
        }
        _ => (
            StatusCode::BAD_REQUEST,
            Json(json!({ "error": "invalid_grant", "error_description": "Invalid JWT Signature." })),
        ),
    }
}

async fn fcm_send(
    State(state): State<Arc<Mutex<Fcm>>>,
    Path(project): Path<String>,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> impl IntoResponse {
    let delay = state.lock().unwrap().delay;
    tokio::time::sleep(delay).await;
    let authorised =
        headers.get("authorization").and_then(|v| v.to_str().ok()) == Some("Bearer ya29.test-access-token");
    if !authorised || project != FCM_PROJECT {
        return (
            StatusCode::UNAUTHORIZED,
            Json(
                json!({ "error": { "code": 401, "message": "Request had invalid authentication credentials.", "status": "UNAUTHENTICATED" } }),
            ),
        );
    }
    let mut s = state.lock().unwrap();
    if s.fail_next > 0 {
        s.fail_next -= 1;
        return (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(
                json!({ "error": { "code": 503, "message": "The service is currently unavailable.", "status": "UNAVAILABLE",
                "details": [{ "@type": "type.googleapis.com/google.firebase.fcm.v1.FcmError", "errorCode": "UNAVAILABLE" }] } }),
            ),
        );
    }
    let device = body["message"]["token"].as_str().unwrap_or_default().to_owned();
    if s.unregistered.contains(&device) {
        return (
            StatusCode::NOT_FOUND,
            Json(
                json!({ "error": { "code": 404, "message": "Requested entity was not found.", "status": "NOT_FOUND",
                "details": [{ "@type": "type.googleapis.com/google.firebase.fcm.v1.FcmError", "errorCode": "UNREGISTERED" }] } }),
            ),
        );
    }
    // FCM refuses data values that are not strings.
    if body["message"]["data"]
        .as_object()
        .is_some_and(|d| d.values().any(|v| !v.is_string()))
    {
        return (
            StatusCode::BAD_REQUEST,
            Json(
                json!({ "error": { "code": 400, "message": "Invalid value at 'message.data[0].value' (TYPE_STRING)", "status": "INVALID_ARGUMENT" } }),
            ),
        );
    }
    s.sent.push(body);
    let n = s.sent.len();
    (
        StatusCode::OK,
        Json(json!({ "name": format!("projects/{FCM_PROJECT}/messages/0:{n}") })),
    )
}

#[derive(Default)]
struct Twilio {
    sent: Vec<HashMap<String, String>>,
    delay: Duration,
}

#[derive(Clone)]
pub struct FakeTwilio {
    pub base: String,
    state: Arc<Mutex<Twilio>>,
}

impl FakeTwilio {
    pub async fn start() -> Self {
        let state = Arc::new(Mutex::new(Twilio::default()));
        let router = Router::new()
            .route("/2010-04-01/Accounts/{sid}/Messages.json", post(twilio_send))
            .with_state(state.clone());
        let addr = serve(router).await;
        Self {
            base: format!("http://{addr}"),
            state,
        }
    }

    pub fn sent(&self) -> Vec<HashMap<String, String>> {
        self.state.lock().unwrap().sent.clone()
    }

    pub fn answer_after(&self, delay: Duration) {
        self.state.lock().unwrap().delay = delay;
    }
}

async fn twilio_send(
    State(state): State<Arc<Mutex<Twilio>>>,
    Path(sid): Path<String>,
    headers: HeaderMap,
    Form(form): Form<HashMap<String, String>>,
) -> impl IntoResponse {
    use base64::{engine::general_purpose::STANDARD, Engine};
    let delay = state.lock().unwrap().delay;
    tokio::time::sleep(delay).await;
    let expected = format!(
        "Basic {}",
        STANDARD.encode(format!("{TWILIO_SID}:{TWILIO_TOKEN}"))
    );
    if sid != TWILIO_SID
        || headers.get("authorization").and_then(|v| v.to_str().ok()) != Some(expected.as_str())
    {
        return (
            StatusCode::UNAUTHORIZED,
            Json(
                json!({ "code": 20003, "message": "Authenticate", "more_info": "https://www.twilio.com/docs/errors/20003", "status": 401 }),
            ),
        );
    }
    let to = form.get("To").cloned().unwrap_or_default();
    if !to.starts_with('+') || to.len() < 9 {
        return (
            StatusCode::BAD_REQUEST,
            Json(
                json!({ "code": 21211, "message": format!("The 'To' number {to} is not a valid phone number."),
                "more_info": "https://www.twilio.com/docs/errors/21211", "status": 400 }),
            ),
        );
    }
    let mut s = state.lock().unwrap();
    s.sent.push(form.clone());
    let n = s.sent.len();
    (
        StatusCode::CREATED,
        Json(json!({
            "account_sid": TWILIO_SID, "api_version": "2010-04-01", "body": form.get("Body"),
            "direction": "outbound-api", "error_code": null, "error_message": null,
            "from": form.get("From"), "to": to, "num_media": "0", "num_segments": "1",
            "sid": format!("SM{n:032}"), "status": "queued",
        })),
    )
}

// ---- Stripe ----

pub const STRIPE_KEY: &str = "sk_test_pulse";
pub const STRIPE_WEBHOOK_SECRET: &str = "whsec_pulse_test";

#[derive(Default)]
struct Stripe {
    /// PaymentIntents by id.
    intents: HashMap<String, Value>,
    /// Idempotency keys seen, with the intent or refund each made.
    keys: HashMap<String, Value>,
    refunds: Vec<Value>,
    next: usize,
}

/// Stripe's REST API as far as Pulse uses it: PaymentIntents (create, retrieve) and Refunds,
/// form-encoded, with the secret key as a bearer token and `Idempotency-Key` honoured. Tests move an
/// intent along (`succeed`) and build signed webhook events from its current JSON.
#[derive(Clone)]
pub struct FakeStripe {
    pub base: String,
    state: Arc<Mutex<Stripe>>,
}

fn stripe_error(status: StatusCode, message: &str) -> (StatusCode, Json<Value>) {
    (
        status,
        Json(
            json!({ "error": { "type": "invalid_request_error", "message": message, "code": "resource_missing" } }),
        ),
    )
}

fn authorised(headers: &HeaderMap) -> bool {
    headers.get("authorization").and_then(|v| v.to_str().ok()) == Some(&format!("Bearer {STRIPE_KEY}"))
}

impl FakeStripe {
    pub async fn start() -> Self {
        let state = Arc::new(Mutex::new(Stripe::default()));
        let router = Router::new()
            .route("/v1/payment_intents", post(stripe_create_intent))
            .route("/v1/payment_intents/{id}", axum::routing::get(stripe_get_intent))
            .route("/v1/refunds", post(stripe_refund))
            .with_state(state.clone());
        let addr = serve(router).await;
        Self {
            base: format!("http://{addr}"),
            state,
        }
    }

    /// The settings that point Pulse here.
    pub fn vars(&self) -> [(&'static str, String); 3] {
        [
            ("STRIPE_SECRET_KEY", STRIPE_KEY.to_owned()),
            ("STRIPE_WEBHOOK_SECRET", STRIPE_WEBHOOK_SECRET.to_owned()),
            ("STRIPE_BASE_URL", self.base.clone()),
        ]
    }

    pub fn intent(&self, id: &str) -> Value {
        self.state.lock().unwrap().intents[id].clone()
    }

    pub fn intents(&self) -> usize {
        self.state.lock().unwrap().intents.len()
    }

    /// The customer paid: the intent succeeds with `received` taken (its amount by default).
    pub fn succeed(&self, id: &str, received: Option<i64>) {
        let mut s = self.state.lock().unwrap();
        let pi = s.intents.get_mut(id).expect("known intent");
        let amount = received.unwrap_or_else(|| pi["amount"].as_i64().unwrap());
        pi["status"] = json!("succeeded");
        pi["amount_received"] = json!(amount);
    }

    pub fn refunds(&self) -> Vec<Value> {
        self.state.lock().unwrap().refunds.clone()
    }

    /// A webhook event of `kind` carrying the intent as it is now.
    pub fn event(&self, kind: &str, intent_id: &str) -> String {
        let mut s = self.state.lock().unwrap();
        s.next += 1;
        let n = s.next;
        let pi = s.intents[intent_id].clone();
        json!({
            "id": format!("evt_{n:024}"),
            "object": "event",
            "api_version": null,
            "created": chrono::Utc::now().timestamp(),
            "data": { "object": pi },
            "livemode": false,
            "pending_webhooks": 1,
            "request": { "id": null, "idempotency_key": null },
            "type": kind,
        })
        .to_string()
    }
}

/// `Stripe-Signature` for `payload` at time `t`, as Stripe computes it: HMAC-SHA256 of `t.payload`
/// under the endpoint's secret, hex.
pub fn stripe_signature(payload: &str, secret: &str, t: i64) -> String {
    use hmac::{Hmac, Mac};
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(format!("{t}.{payload}").as_bytes());
    let hex: String = mac
        .finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    format!("t={t},v1={hex}")
}

async fn stripe_create_intent(
    State(state): State<Arc<Mutex<Stripe>>>,
    headers: HeaderMap,
    Form(form): Form<HashMap<String, String>>,
) -> impl IntoResponse {
    if !authorised(&headers) {
        return stripe_error(StatusCode::UNAUTHORIZED, "Invalid API Key provided");
    }
    let mut s = state.lock().unwrap();
    let key = headers
        .get("idempotency-key")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    if let Some(earlier) = key.as_ref().and_then(|k| s.keys.get(k)) {
        return (StatusCode::OK, Json(earlier.clone()));
    }
    let Some(amount) = form.get("amount").and_then(|a| a.parse::<i64>().ok()) else {
        return stripe_error(StatusCode::BAD_REQUEST, "Missing required param: amount.");
    };
    s.next += 1;
    let id = format!("pi_{:024}", s.next);
    let metadata: serde_json::Map<String, Value> = form
        .iter()
        .filter_map(|(k, v)| {
            k.strip_prefix("metadata[")
                .and_then(|k| k.strip_suffix(']'))
                .map(|k| (k.to_owned(), json!(v)))
        })
        .collect();
    let pi = json!({
        "id": id,
        "object": "payment_intent",
        "amount": amount,
        "amount_capturable": 0,
        "amount_received": 0,
        "capture_method": "automatic",
        "client_secret": format!("{id}_secret_test"),
        "confirmation_method": "automatic",
        "created": chrono::Utc::now().timestamp(),
        "currency": form.get("currency").cloned().unwrap_or_default(),
        "livemode": false,
        "metadata": metadata,
        "payment_method_types": ["card"],
        "status": "requires_payment_method",
    });
    s.intents.insert(id, pi.clone());
    if let Some(k) = key {
        s.keys.insert(k, pi.clone());
    }
    (StatusCode::OK, Json(pi))
}

async fn stripe_get_intent(
    State(state): State<Arc<Mutex<Stripe>>>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> impl IntoResponse {
    if !authorised(&headers) {
        return stripe_error(StatusCode::UNAUTHORIZED, "Invalid API Key provided");
    }
    match state.lock().unwrap().intents.get(&id) {
        Some(pi) => (StatusCode::OK, Json(pi.clone())),
        None => stripe_error(StatusCode::NOT_FOUND, "No such payment_intent"),
    }
}

async fn stripe_refund(
    State(state): State<Arc<Mutex<Stripe>>>,
    headers: HeaderMap,
    Form(form): Form<HashMap<String, String>>,
) -> impl IntoResponse {
    if !authorised(&headers) {
        return stripe_error(StatusCode::UNAUTHORIZED, "Invalid API Key provided");
    }
    let mut s = state.lock().unwrap();
    let key = headers
        .get("idempotency-key")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    if let Some(earlier) = key.as_ref().and_then(|k| s.keys.get(k)) {
        return (StatusCode::OK, Json(earlier.clone()));
    }
    let intent_id = form.get("payment_intent").cloned().unwrap_or_default();
    let Some(pi) = s.intents.get(&intent_id).cloned() else {
        return stripe_error(StatusCode::NOT_FOUND, "No such payment_intent");
    };
    if pi["status"] != "succeeded" {
        return stripe_error(
            StatusCode::BAD_REQUEST,
            "This PaymentIntent has no successful charge to refund.",
        );
    }
    let refunded: i64 = s
        .refunds
        .iter()
        .filter(|r| r["payment_intent"] == intent_id.as_str())
        .map(|r| r["amount"].as_i64().unwrap())
        .sum();
    let amount = form
        .get("amount")
        .and_then(|a| a.parse::<i64>().ok())
        .unwrap_or_else(|| pi["amount_received"].as_i64().unwrap() - refunded);
    if refunded + amount > pi["amount_received"].as_i64().unwrap() {
        return stripe_error(
            StatusCode::BAD_REQUEST,
            "Refund amount is greater than the charge.",
        );
    }
    s.next += 1;
    let refund = json!({
        "id": format!("re_{:024}", s.next),
        "object": "refund",
        "amount": amount,
        "created": chrono::Utc::now().timestamp(),
        "currency": pi["currency"],
        "metadata": {},
        "payment_intent": intent_id,
        "status": "succeeded",
    });
    s.refunds.push(refund.clone());
    if let Some(k) = key {
        s.keys.insert(k, refund.clone());
    }
    (StatusCode::OK, Json(refund))
}
