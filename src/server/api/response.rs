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
use crate::shared::errors::FieldError;

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

#[derive(Serialize)]
struct ErrBody<'a> {
    success: bool,
    message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    errors: Option<&'a [FieldError]>,
    #[serde(skip_serializing_if = "Option::is_none")]
    code: Option<&'a str>,
}

pub fn status_of(e: &AppError) -> StatusCode {
    match e {
        AppError::Validation(_) | AppError::BadRequest(_) => StatusCode::BAD_REQUEST,
        AppError::Unauthorized(_) => StatusCode::UNAUTHORIZED,
        AppError::Forbidden { .. } => StatusCode::FORBIDDEN,
        AppError::NotFound(_) => StatusCode::NOT_FOUND,
        AppError::Conflict(_) => StatusCode::CONFLICT,
        AppError::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
        AppError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
        AppError::Database(_) | AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let e = self.0;
        let status = status_of(&e);
        if e.is_internal() {
            // The request id on the surrounding span ties this line to the client's response header.
            tracing::error!(error = %e, "request failed");
        }
        let body = ErrBody {
            success: false,
            message: e.public_message(),
            errors: match &e {
                AppError::Validation(errors) => Some(errors),
                _ => None,
            },
            code: match &e {
                AppError::Forbidden { code, .. } => *code,
                _ => None,
            },
        };
        let mut response = (status, Json(body)).into_response();
        if let AppError::TooManyRequests { retry_after_secs, .. } = e {
            if let Ok(v) = HeaderValue::from_str(&retry_after_secs.to_string()) {
                response.headers_mut().insert(header::RETRY_AFTER, v);
            }
        }
        response
    }
}

pub type ApiResult<T> = Result<ApiOk<T>, ApiError>;
