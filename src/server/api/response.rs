//! The `/api/v1` envelope: `{success:true, message?, data}` and `{success:false, message, errors?, code?}`.
//! This is the one place where a service error becomes an HTTP status.

use axum::{
    http::{header, HeaderValue, StatusCode},
    response::{IntoResponse, Response},
    Json,
};
use serde::Serialize;
use serde_json::json;

use crate::server::error::AppError;

/// A successful envelope around `data`.
pub struct ApiOk<T> {
    status: StatusCode,
    message: Option<String>,
    data: T,
}

impl<T: Serialize> ApiOk<T> {
    pub fn new(data: T) -> Self {
        Self {
            status: StatusCode::OK,
            message: None,
            data,
        }
    }
    pub fn created(data: T) -> Self {
        Self {
            status: StatusCode::CREATED,
            ..Self::new(data)
        }
    }
    pub fn message(mut self, message: impl Into<String>) -> Self {
        self.message = Some(message.into());
        self
    }
}

#[derive(Serialize)]
struct OkBody<'a, T> {
    success: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    message: Option<&'a str>,
    data: &'a T,
}

impl<T: Serialize> IntoResponse for ApiOk<T> {
    fn into_response(self) -> Response {
        let body = OkBody {
            success: true,
            message: self.message.as_deref(),
            data: &self.data,
        };
        (self.status, Json(body)).into_response()
    }
}

/// An API failure: wraps `AppError` so the status mapping lives here, next to the envelope.
#[derive(Debug)]
pub struct ApiError(pub AppError);

impl ApiError {
    pub fn route_not_found(path: &str) -> Response {
        (
            StatusCode::NOT_FOUND,
            Json(json!({ "success": false, "message": "Route not found", "path": path })),
        )
            .into_response()
    }
}

impl<E: Into<AppError>> From<E> for ApiError {
    fn from(e: E) -> Self {
        Self(e.into())
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let e = self.0;
        let status = e.status();
        if e.is_internal() {
            // The request id on the surrounding span ties this line to the client's response header.
            tracing::error!(error = %e, "request failed");
        }
        let mut body = serde_json::Map::new();
        body.insert("success".into(), false.into());
        body.insert("message".into(), e.public_message().into());
        match &e {
            AppError::Validation(errors) => {
                body.insert("errors".into(), json!(errors));
            }
            AppError::Forbidden { code: Some(code), .. } => {
                body.insert("code".into(), (*code).into());
            }
            _ => {}
        }
        body.extend(e.details());
        let mut response = (status, Json(body)).into_response();
        if let Some(secs) = e.retry_after_secs() {
            if let Ok(v) = HeaderValue::from_str(&secs.to_string()) {
                response.headers_mut().insert(header::RETRY_AFTER, v);
            }
        }
        response
    }
}

pub type ApiResult<T> = Result<ApiOk<T>, ApiError>;

/// Error responses under `/api/v1` that axum or tower-http produced before a handler ran (405, 413,
/// 415, a rejected JSON body, a timeout) come as plain text; the app needs the JSON envelope.
pub async fn envelope_plain_errors(req: axum::extract::Request, next: axum::middleware::Next) -> Response {
    let is_api = req.uri().path().starts_with("/api/v1");
    let response = next.run(req).await;
    let status = response.status();
    let is_json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.starts_with("application/json"));
    if !is_api || is_json || !(status.is_client_error() || status.is_server_error()) {
        return response;
    }
    let (parts, body) = response.into_parts();
    let text = axum::body::to_bytes(body, 16 * 1024).await.unwrap_or_default();
    let text = String::from_utf8_lossy(&text).trim().to_owned();
    let message = match status {
        StatusCode::METHOD_NOT_ALLOWED => "Method not allowed".to_owned(),
        StatusCode::PAYLOAD_TOO_LARGE => "Request body is too large".to_owned(),
        StatusCode::SERVICE_UNAVAILABLE | StatusCode::GATEWAY_TIMEOUT => {
            "Service temporarily unavailable".to_owned()
        }
        _ if !text.is_empty() && status.is_client_error() => text,
        _ => status.canonical_reason().unwrap_or("Error").to_owned(),
    };
    let mut out = (status, Json(json!({ "success": false, "message": message }))).into_response();
    for (name, value) in parts.headers.iter() {
        if name != header::CONTENT_TYPE && name != header::CONTENT_LENGTH {
            out.headers_mut().append(name.clone(), value.clone());
        }
    }
    out
}
