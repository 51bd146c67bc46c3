//! The edge guard, in front of every route: no control character in a query string or a JSON or
//! form body gets past it (a NUL byte reaching Postgres is a 500, and escape codes in names end up in
//! logs and exports), and no address longer than [`MAX_URI_BYTES`] is served.
//!
//! This is the safety net. Each field's own parser (`shared::text`) still decides its length and
//! whether it may span lines; here only line breaks and tabs are let through, in bodies.

use axum::{
    body::Body,
    extract::Request,
    http::header,
    middleware::Next,
    response::{IntoResponse, Response},
};
use serde_json::Value;

use super::{api::response::ApiError, error::AppError};
use crate::shared::{
    errors::{FieldError, PortalError},
    text,
};

/// The longest request target (path and query) served. hyper itself refuses more than 64 KiB with a
/// bare 414; below that the answer keeps the API's envelope.
pub const MAX_URI_BYTES: usize = 8 * 1024;

/// Which of the server's surfaces a path belongs to: each answers errors in its own shape.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Surface {
    Api,
    ServerFn,
    Page,
}

impl Surface {
    pub fn of(path: &str) -> Self {
        if path == "/api/v1" || path.starts_with("/api/v1/") {
            Self::Api
        } else if path.starts_with(super::portal::SERVER_FN_PREFIX) {
            Self::ServerFn
        } else {
            Self::Page
        }
    }

    /// The surface of a request, also inside a nested router (whose `uri` has lost its prefix).
    pub fn of_request(req: &Request) -> Self {
        let path = req
            .extensions()
            .get::<axum::extract::OriginalUri>()
            .map_or(req.uri().path(), |u| u.0.path());
        Self::of(path)
    }

    /// An error in this surface's shape.
    pub fn error(self, e: AppError) -> Response {
        let retry_after = e.retry_after_secs();
        let mut response = match self {
            Self::Api => ApiError(e).into_response(),
            Self::ServerFn => {
                let status = e.status();
                let body = PortalError {
                    status: status.as_u16(),
                    message: e.public_message(),
                    errors: match e {
                        AppError::Validation(errors) => errors,
                        _ => Vec::new(),
                    },
                };
                (status, axum::Json(body)).into_response()
            }
            Self::Page => (e.status(), e.public_message()).into_response(),
        };
        if let Some(secs) = retry_after {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, axum::http::HeaderValue::from(secs));
        }
        response
    }
}

pub async fn guard(req: Request, next: Next) -> Response {
    let surface = Surface::of(req.uri().path());
    let target_len = req.uri().path_and_query().map_or(0, |pq| pq.as_str().len());
    if target_len > MAX_URI_BYTES {
        return surface.error(AppError::UriTooLong);
    }
    if let Some(query) = req.uri().query() {
        if let Some(field) = control_in_pairs(query.as_bytes()) {
            return surface.error(control_error(&field));
        }
    }
    let kind = body_kind(&req);
    if surface == Surface::Page || kind == BodyKind::Other {
        return next.run(req).await;
    }
    let (parts, body) = req.into_parts();
    // The body limit layer outside has already bounded this.
    let bytes = match axum::body::to_bytes(body, usize::MAX).await {
        Ok(b) => b,
        Err(_) => return surface.error(AppError::PayloadTooLarge),
    };
    let offender = match kind {
        BodyKind::Json => serde_json::from_slice::<Value>(&bytes)
            .ok()
            .and_then(|v| control_in_json(&v, &mut String::new()))
            .map(|path| shown_field(surface, path)),
        BodyKind::Form => control_in_pairs(&bytes),
        BodyKind::Other => None,
    };
    if let Some(field) = offender {
        return surface.error(control_error(&field));
    }
    next.run(Request::from_parts(parts, Body::from(bytes))).await
}

/// The field a JSON path is reported under. A server function's body is its arguments by name
/// (`{"form": {…}}`); the form's own field names are what the portal shows errors under, as its
/// parsers do. An array argument (`hours[0].start`) is the form itself, and keeps its path.
fn shown_field(surface: Surface, path: String) -> String {
    match (surface, path.split_once('.')) {
        (Surface::ServerFn, Some((arg, rest))) if !arg.contains('[') => rest.to_owned(),
        _ => path,
    }
}

fn control_error(field: &str) -> AppError {
    let field = if field.is_empty() { "body" } else { field };
    AppError::Validation(vec![FieldError::new(
        field,
        text::TextError::ControlCharacter.message(),
    )])
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum BodyKind {
    Json,
    Form,
    Other,
}

fn body_kind(req: &Request) -> BodyKind {
    let mime = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(|m| m.trim().to_ascii_lowercase())
        .unwrap_or_default();
    if mime == "application/json" || (mime.starts_with("application/") && mime.ends_with("+json")) {
        BodyKind::Json
    } else if mime == "application/x-www-form-urlencoded" {
        BodyKind::Form
    } else {
        BodyKind::Other
    }
}

/// The first key whose name or value holds a control character, in url-encoded pairs. Line breaks
/// and tabs may appear in values (a text area); single-line fields refuse them in their parsers.
fn control_in_pairs(raw: &[u8]) -> Option<String> {
    form_urlencoded::parse(raw)
        .find(|(k, v)| text::has_control(k, false) || text::has_control(v, true))
        .map(|(k, _)| k.chars().filter(|c| !c.is_control()).take(100).collect())
}

/// The path (`items[0].name`) of the first string, or key, in a JSON document that holds a control
/// character other than a line break or tab.
fn control_in_json(v: &Value, path: &mut String) -> Option<String> {
    match v {
        Value::String(s) if text::has_control(s, true) => Some(path.clone()),
        Value::Array(items) => items.iter().enumerate().find_map(|(i, item)| {
            let len = path.len();
            path.push_str(&format!("[{i}]"));
            let found = control_in_json(item, path);
            path.truncate(len);
            found
        }),
        Value::Object(map) => map.iter().find_map(|(k, item)| {
            if text::has_control(k, false) {
                return Some(path.clone());
            }
            let len = path.len();
            if !path.is_empty() {
                path.push('.');
            }
            path.push_str(k);
            let found = control_in_json(item, path);
            path.truncate(len);
            found
        }),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::StatusCode;
    use serde_json::json;

    #[test]
    fn server_functions_report_the_form_field_not_the_argument() {
        let shown = |surface, path: &str| shown_field(surface, path.to_owned());
        assert_eq!(shown(Surface::ServerFn, "form.caption"), "caption");
        assert_eq!(
            shown(Surface::ServerFn, "settings.texts.paid.title"),
            "texts.paid.title"
        );
        assert_eq!(shown(Surface::ServerFn, "hours[0].start"), "hours[0].start");
        assert_eq!(shown(Surface::ServerFn, "caption"), "caption");
        assert_eq!(shown(Surface::Api, "items[1].note"), "items[1].note");
        assert_eq!(shown(Surface::Api, "form.caption"), "form.caption");
    }

    #[test]
    fn finds_the_path_of_a_control_character() {
        let doc = json!({"name": "ok", "items": [{"note": "a\nb"}, {"note": "bad\u{0}"}]});
        assert_eq!(
            control_in_json(&doc, &mut String::new()).as_deref(),
            Some("items[1].note")
        );
        assert_eq!(
            control_in_json(&json!({"a": "line\nbreak\ttab"}), &mut String::new()),
            None
        );
        assert_eq!(
            control_in_json(&json!("\u{1b}"), &mut String::new()).as_deref(),
            Some("")
        );
    }

    #[test]
    fn finds_control_characters_in_query_strings_and_forms() {
        assert_eq!(control_in_pairs(b"search=a%00b").as_deref(), Some("search"));
        assert_eq!(control_in_pairs(b"q=fine&x=%1B").as_deref(), Some("x"));
        assert_eq!(control_in_pairs(b"notes=a%0Ab"), None);
        assert_eq!(control_in_pairs(b"q=caf%C3%A9"), None);
    }

    #[test]
    fn surfaces() {
        assert_eq!(Surface::of("/api/v1/services"), Surface::Api);
        assert_eq!(Surface::of("/api/fn/sign_in"), Surface::ServerFn);
        assert_eq!(Surface::of("/users"), Surface::Page);
        assert_eq!(AppError::UriTooLong.status(), StatusCode::URI_TOO_LONG);
    }
}
