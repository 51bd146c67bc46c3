//! The one error type of the service layer. Adapters map it to HTTP (`api::response`) or to a
//! server-function error (`app::server_fns`); nothing else decides statuses or messages.

use axum::http::StatusCode;
use sea_orm::{DbErr, SqlErr};

use crate::shared::errors::FieldError;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// Input that failed parsing, with one message per field.
    #[error("Validation failed")]
    Validation(Vec<FieldError>),
    #[error("{0}")]
    BadRequest(String),
    #[error("{0}")]
    Unauthorized(String),
    #[error("{message}")]
    Forbidden {
        message: String,
        code: Option<&'static str>,
    },
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    Conflict(String),
    #[error("{message}")]
    TooManyRequests { message: String, retry_after_secs: u64 },
    /// Wrong email or password. `attempts_remaining` is sent when the account exists and is not yet
    /// locked, as the mobile app expects.
    #[error("Invalid email or password.")]
    InvalidCredentials { attempts_remaining: Option<u32> },
    #[error("Too many failed attempts. Please try again in {retry_after_secs} seconds.")]
    LockedOut { retry_after_secs: u64 },
    #[error("Please verify your email to continue.")]
    EmailNotVerified,
    #[error("Content-Type must be application/json")]
    UnsupportedMediaType,
    #[error("Request body is too large")]
    PayloadTooLarge,
    #[error("Request URI is too long")]
    UriTooLong,
    /// More work of this kind than the server takes at once (password hashing): try again shortly.
    #[error("The server is busy. Please try again in a moment.")]
    Overloaded { retry_after_secs: u64 },
    /// A dependency (database, Redis) is not answering.
    #[error("{0} is unavailable")]
    Unavailable(&'static str),
    /// A feature whose provider is not configured here (payments): 503 with a message that says so.
    #[error("{0}")]
    NotConfigured(String),
    /// A provider (Stripe, JazzCash) failed or did not answer.
    #[error("{0}")]
    BadGateway(String),
    #[error("database error: {0}")]
    Database(#[from] DbErr),
    #[error("internal error: {0}")]
    Internal(#[from] anyhow::Error),
}

pub type AppResult<T> = Result<T, AppError>;

impl AppError {
    pub fn field(field: &str, message: &str) -> Self {
        Self::Validation(vec![FieldError::new(field, message)])
    }

    pub fn not_found(what: &str) -> Self {
        Self::NotFound(format!("{what} not found"))
    }

    /// The one mapping from service errors to HTTP statuses, used by both adapters.
    pub fn status(&self) -> StatusCode {
        match self {
            Self::Validation(_) | Self::BadRequest(_) => StatusCode::BAD_REQUEST,
            Self::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            Self::Forbidden { .. } => StatusCode::FORBIDDEN,
            Self::NotFound(_) => StatusCode::NOT_FOUND,
            Self::Conflict(_) => StatusCode::CONFLICT,
            Self::TooManyRequests { .. } | Self::LockedOut { .. } => StatusCode::TOO_MANY_REQUESTS,
            Self::InvalidCredentials { .. } => StatusCode::UNAUTHORIZED,
            Self::EmailNotVerified => StatusCode::FORBIDDEN,
            Self::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            Self::UriTooLong => StatusCode::URI_TOO_LONG,
            Self::Unavailable(_) | Self::Overloaded { .. } | Self::NotConfigured(_) => {
                StatusCode::SERVICE_UNAVAILABLE
            }
            Self::BadGateway(_) => StatusCode::BAD_GATEWAY,
            Self::Database(_) | Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// Turns a unique-constraint violation into a 409 with `message`; other database errors stay
    /// internal. For inserts that race with another request for the same key.
    pub fn unique_violation_as(e: DbErr, message: impl Into<String>) -> Self {
        match e.sql_err() {
            Some(SqlErr::UniqueConstraintViolation(_)) => Self::Conflict(message.into()),
            _ => Self::Database(e),
        }
    }

    /// Extra top-level keys some refusals carry for the mobile app (contract §5).
    pub fn details(&self) -> serde_json::Map<String, serde_json::Value> {
        let mut m = serde_json::Map::new();
        match self {
            Self::InvalidCredentials {
                attempts_remaining: Some(n),
            } => {
                m.insert("attemptsRemaining".into(), (*n).into());
            }
            Self::LockedOut { retry_after_secs } => {
                m.insert("lockoutRemaining".into(), (*retry_after_secs).into());
            }
            Self::EmailNotVerified => {
                m.insert("requiresVerification".into(), true.into());
            }
            _ => {}
        }
        m
    }

    /// Seconds a client should wait before retrying, for `Retry-After`.
    pub fn retry_after_secs(&self) -> Option<u64> {
        match self {
            Self::TooManyRequests { retry_after_secs, .. }
            | Self::LockedOut { retry_after_secs }
            | Self::Overloaded { retry_after_secs } => Some(*retry_after_secs),
            _ => None,
        }
    }

    /// Errors whose details must stay in the logs, not in responses.
    pub fn is_internal(&self) -> bool {
        matches!(self, Self::Database(_) | Self::Internal(_))
    }

    /// The message a client may see.
    pub fn public_message(&self) -> String {
        match self {
            Self::Database(_) | Self::Internal(_) => "Internal server error".to_owned(),
            Self::Unavailable(_) => "Service temporarily unavailable".to_owned(),
            other => other.to_string(),
        }
    }
}

impl From<FieldError> for AppError {
    fn from(e: FieldError) -> Self {
        Self::Validation(vec![e])
    }
}
