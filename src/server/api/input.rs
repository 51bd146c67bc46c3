//! The API's body and query extractors. axum's own answer a wrong type or a missing field with 422
//! "Failed to deserialize…"; the contract answers every invalid input with 400
//! `{message:"Validation failed", errors:[{field, message}]}`, naming the field.

use axum::{
    body::Bytes,
    extract::{FromRequest, FromRequestParts, OptionalFromRequest, Request},
    http::{header, request::Parts},
};
use serde::de::DeserializeOwned;

use super::response::ApiError;
use crate::server::error::AppError;
use crate::shared::errors::FieldError;

/// A JSON body, parsed into `T`; any failure is a 400 naming the field.
pub struct Json<T>(pub T);

fn is_json(headers: &axum::http::HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(|mime| {
            let mime = mime.trim().to_ascii_lowercase();
            mime == "application/json" || (mime.starts_with("application/") && mime.ends_with("+json"))
        })
        .unwrap_or(false)
}

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for Json<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        if !is_json(req.headers()) {
            return Err(AppError::UnsupportedMediaType.into());
        }
        let bytes = Bytes::from_request(req, state)
            .await
            .map_err(|_| AppError::PayloadTooLarge)?;
        parse_json(&bytes).map(Json)
    }
}

/// `Option<Json<T>>`: `None` when no body was sent (a `DELETE` without one), else as `Json<T>`.
impl<T: DeserializeOwned, S: Send + Sync> OptionalFromRequest<S> for Json<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Option<Self>, Self::Rejection> {
        let declared_empty = req
            .headers()
            .get(header::CONTENT_LENGTH)
            .is_some_and(|v| v.as_bytes() == b"0");
        if !req.headers().contains_key(header::CONTENT_TYPE) || declared_empty {
            return Ok(None);
        }
        <Self as FromRequest<S>>::from_request(req, state).await.map(Some)
    }
}

/// Parses a JSON body, turning serde's error into a field-level validation error.
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let de = &mut serde_json::Deserializer::from_slice(bytes);
    serde_path_to_error::deserialize(de).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        let error = match inner.classify() {
            serde_json::error::Category::Data => data_error(&path, &inner.to_string()),
            // Syntax, end of input or I/O: the body is not JSON at all.
            _ => FieldError::new("body", "The request body is not valid JSON"),
        };
        AppError::Validation(vec![error]).into()
    })
}

/// serde's message, without its " at line 1 column 9" suffix.
fn strip_position(message: &str) -> &str {
    match message.rfind(" at line ") {
        Some(i) => &message[..i],
        None => message,
    }
}

/// Field and message from a serde data error at `path` ("." is the document itself).
fn data_error(path: &str, raw: &str) -> FieldError {
    let message = strip_position(raw);
    let parent = if path == "." { "" } else { path };
    let join = |name: &str| {
        if parent.is_empty() {
            name.to_owned()
        } else {
            format!("{parent}.{name}")
        }
    };
    // serde quotes names in backticks: missing field `email`, unknown variant `x`, expected one of …
    let quoted = |s: &str| s.split('`').nth(1).map(str::to_owned);
    if let Some(rest) = message.strip_prefix("missing field ") {
        return FieldError::new(join(&quoted(rest).unwrap_or_default()), "This field is required");
    }
    if let Some(rest) = message.strip_prefix("unknown field ") {
        return FieldError::new(join(&quoted(rest).unwrap_or_default()), "Unknown field");
    }
    let field = if parent.is_empty() { "body" } else { parent };
    if message.starts_with("unknown variant") {
        let allowed: Vec<&str> = message
            .split_once("expected ")
            .map(|(_, list)| list.split('`').skip(1).step_by(2).collect())
            .unwrap_or_default();
        let text = if allowed.is_empty() {
            "Not one of the accepted values".to_owned()
        } else {
            format!("Must be one of: {}", allowed.join(", "))
        };
        return FieldError::new(field, text);
    }
    if let Some((_, expected)) = message.split_once(", expected ") {
        return FieldError::new(field, format!("Must be {expected}"));
    }
    FieldError::new(field, capitalise(message))
}

fn capitalise(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// Query parameters parsed into `T`; a repeated or malformed key is a 400 naming it.
pub struct Query<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for Query<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        parse_query(parts.uri.query().unwrap_or_default()).map(Query)
    }
}

pub fn parse_query<T: DeserializeOwned>(query: &str) -> Result<T, ApiError> {
    let mut seen = std::collections::HashSet::new();
    for (key, _) in form_urlencoded::parse(query.as_bytes()) {
        if !seen.insert(key.clone()) {
            return Err(AppError::field(&key, "Give this parameter once").into());
        }
    }
    let de = serde_urlencoded::Deserializer::new(form_urlencoded::parse(query.as_bytes()));
    serde_path_to_error::deserialize(de).map_err(|e| {
        let path = e.path().to_string();
        let message = e.into_inner().to_string();
        AppError::Validation(vec![data_error(&path, &message)]).into()
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Deserialize, Debug)]
    #[allow(dead_code)]
    #[serde(rename_all = "camelCase")]
    struct Body {
        email: String,
        count: Option<u32>,
        kind: Option<Kind>,
        items: Option<Vec<Item>>,
    }
    #[derive(Deserialize, Debug)]
    #[serde(rename_all = "lowercase")]
    enum Kind {
        Service,
        Course,
    }
    #[derive(Deserialize, Debug)]
    #[allow(dead_code)]
    #[serde(rename_all = "camelCase")]
    struct Item {
        service_id: String,
    }

    fn field_of(body: &str) -> (String, String) {
        let e = parse_json::<Body>(body.as_bytes()).unwrap_err();
        match e.0 {
            AppError::Validation(errors) => (errors[0].field.clone(), errors[0].message.clone()),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn wrong_types_missing_fields_and_bad_variants_name_the_field() {
        assert_eq!(
            field_of(r#"{"email": 5}"#),
            ("email".into(), "Must be a string".into())
        );
        assert_eq!(
            field_of(r#"{}"#),
            ("email".into(), "This field is required".into())
        );
        assert_eq!(
            field_of(r#"{"email":"a","count":-1}"#),
            ("count".into(), "Must be u32".into())
        );
        assert_eq!(
            field_of(r#"{"email":"a","kind":"blog"}"#),
            ("kind".into(), "Must be one of: service, course".into())
        );
        assert_eq!(
            field_of(r#"{"email":"a","items":[{}]}"#),
            ("items[0].serviceId".into(), "This field is required".into())
        );
        assert_eq!(field_of(r#"{"email":"#).0, "body");
        assert_eq!(field_of("\"text\"").0, "body");
    }

    #[test]
    fn repeated_query_keys_are_named() {
        #[derive(Deserialize)]
        #[allow(dead_code)]
        struct Q {
            page: Option<String>,
        }
        let e = parse_query::<Q>("page=1&page=2").err().unwrap();
        assert!(matches!(&e.0, AppError::Validation(v) if v[0].field == "page"));
        assert!(parse_query::<Q>("page=1").is_ok());
    }
}
