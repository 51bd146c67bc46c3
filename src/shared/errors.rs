//! Error shapes both sides understand.

use serde::{Deserialize, Serialize};

/// One field-level validation message, as `/api/v1` sends it in `errors[]`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            message: message.into(),
        }
    }
}

/// The error every portal server function returns: a message safe to show, the HTTP status, and
/// field-level messages for forms. Serialized as JSON so the browser gets the same structure.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[error("{message}")]
pub struct PortalError {
    pub status: u16,
    pub message: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
}

impl PortalError {
    pub fn new(status: u16, message: impl Into<String>) -> Self {
        Self {
            status,
            message: message.into(),
            errors: Vec::new(),
        }
    }

    /// The message for one form field, if the server reported one.
    pub fn field(&self, name: &str) -> Option<&str> {
        self.errors
            .iter()
            .find(|e| e.field == name)
            .map(|e| e.message.as_str())
    }
}

impl leptos::server_fn::error::FromServerFnError for PortalError {
    type Encoder = leptos::server_fn::codec::JsonEncoding;

    /// Transport and decoding failures (network down, bad request body) in the same shape.
    fn from_server_fn_error(e: leptos::server_fn::error::ServerFnErrorErr) -> Self {
        use leptos::server_fn::error::ServerFnErrorErr as E;
        let status = match e {
            E::Request(_) | E::Response(_) => 503,
            E::Args(_) | E::MissingArg(_) | E::Deserialization(_) => 400,
            _ => 500,
        };
        let message = match &e {
            E::Request(_) => {
                "The server could not be reached. Check your connection and try again.".to_owned()
            }
            other => other.to_string(),
        };
        Self::new(status, message)
    }
}
