//! Server-side glue for the portal's server functions: context access, the one place an `AppError`
//! becomes a `PortalError`, and the middleware that keeps `/api/fn/*` honest (real statuses, and
//! no cross-site calls).

use axum::{
    extract::{Request, State},
    http::{header, HeaderMap, Method, StatusCode},
    middleware::Next,
    response::{IntoResponse, Response},
};
use leptos::prelude::*;
use leptos_axum::ResponseOptions;

use super::{error::AppError, identity::accounts::Principal, state::AppState};
use crate::shared::{errors::PortalError, permissions::Permission};

pub const SERVER_FN_PREFIX: &str = "/api/fn/";

/// Server functions that check a password, spend a token or send an email: rate-limited per
/// client like `/api/v1`, so they cannot be used to guess passwords or flood a mailbox. The rest of
/// `/api/fn` serves signed-in pages and is not.
const CREDENTIAL_FNS: &[&str] = &[
    "sign_in",
    "forgot_password",
    "reset_link_status",
    "reset_password",
    "password_setup_info",
    "set_password",
    "change_password",
];

/// Rate limits for server functions: the strict per-client limit of `/api/v1` for the credential
/// ones, a more generous one for the rest (pages call them as they load). Pages themselves are not
/// limited here.
pub async fn limit_credentials(state: State<AppState>, req: Request, next: Next) -> Response {
    let name = req.uri().path().strip_prefix(SERVER_FN_PREFIX).map(str::to_owned);
    match name {
        Some(name) if CREDENTIAL_FNS.contains(&name.as_str()) => {
            super::rate_limit::limit(state, req, next).await
        }
        Some(_) => super::rate_limit::limit_server_functions(state, req, next).await,
        None => next.run(req).await,
    }
}

pub use crate::shared::auth::START_PAGE;

/// The application state, provided to every server function by `leptos_routes_with_context`.
pub fn state() -> Result<AppState, PortalError> {
    use_context::<AppState>().ok_or_else(|| {
        portal_error(AppError::Internal(anyhow::anyhow!(
            "AppState missing from context"
        )))
    })
}

/// What one server-rendered page would otherwise read once per resource: the session's principal
/// (the viewer, then again for each server function the page calls) and the business settings.
/// Provided by `provide_viewer` while the server renders a page, which reads and never writes, so
/// one read serves the whole render; server functions called over HTTP find none and read afresh.
#[derive(Clone, Default)]
pub struct PageMemo {
    principal: std::sync::Arc<tokio::sync::OnceCell<Option<Principal>>>,
    settings: std::sync::Arc<tokio::sync::OnceCell<super::booking::settings::Settings>>,
}

/// Starts the memo of the page being rendered (server only).
pub fn provide_page_memo() {
    provide_context(PageMemo::default());
}

/// The portal user of this session ([`super::sessions::session_principal`]), read once per
/// rendered page.
pub async fn session_principal(
    session: &tower_sessions::Session,
    state: &AppState,
) -> Result<Option<Principal>, AppError> {
    match use_context::<PageMemo>() {
        Some(memo) => memo
            .principal
            .get_or_try_init(|| super::sessions::session_principal(session, state))
            .await
            .cloned(),
        None => super::sessions::session_principal(session, state).await,
    }
}

/// The booking rules in force now ([`super::booking::rules`]), the settings read once per rendered
/// page (the time is always now).
pub async fn rules(state: &AppState) -> Result<super::booking::availability::Rules, AppError> {
    match use_context::<PageMemo>() {
        Some(memo) => {
            let settings = memo
                .settings
                .get_or_try_init(|| super::booking::settings::get(&state.db, state.config.business_timezone))
                .await?
                .clone();
            Ok(super::booking::availability::Rules {
                settings,
                now: chrono::Utc::now(),
            })
        }
        None => super::booking::rules(state).await,
    }
}

/// The signed-in portal user of this request, or 401. Every portal server function that reads or
/// changes data starts here (or at [`authorize`]): the pages' guards only decide what to show.
pub async fn signed_in() -> Result<(AppState, Principal), PortalError> {
    let state = state()?;
    let session: tower_sessions::Session = leptos_axum::extract().await.map_err(internal)?;
    match session_principal(&session, &state).await.map_err(portal_error)? {
        Some(p) if p.user.must_change_password && !is_password_change_call() => {
            Err(portal_error(super::api::extract::password_change_required()))
        }
        Some(p) => Ok((state, p)),
        None => Err(portal_error(AppError::Unauthorized(
            "Your session has ended. Please sign in again.".into(),
        ))),
    }
}

/// Server functions an account that must change its password may still call.
const ALLOWED_BEFORE_PASSWORD_CHANGE: &[&str] = &["change_password", "sign_out", "current_user"];

fn is_password_change_call() -> bool {
    use_context::<http::request::Parts>().is_some_and(|parts| {
        parts
            .uri
            .path()
            .strip_prefix(SERVER_FN_PREFIX)
            .is_some_and(|name| ALLOWED_BEFORE_PASSWORD_CHANGE.contains(&name))
    })
}

/// Signed in and granted `permission`, or 401/403.
pub async fn authorize(permission: Permission) -> Result<(AppState, Principal), PortalError> {
    let (state, p) = signed_in().await?;
    p.require(permission).map_err(portal_error)?;
    Ok((state, p))
}

/// Signed in and granted any of `permissions`, or 401/403.
pub async fn authorize_any(permissions: &[Permission]) -> Result<(AppState, Principal), PortalError> {
    let (state, p) = signed_in().await?;
    p.require_any(permissions).map_err(portal_error)?;
    Ok((state, p))
}

/// Maps a service error for the browser, sets the HTTP status, and logs internal details.
pub fn portal_error(e: AppError) -> PortalError {
    let status = e.status();
    if e.is_internal() {
        tracing::error!(error = %e, "server function failed");
    }
    if let Some(response) = use_context::<ResponseOptions>() {
        response.set_status(status);
    }
    PortalError {
        status: status.as_u16(),
        message: e.public_message(),
        errors: match e {
            AppError::Validation(errors) => errors,
            _ => Vec::new(),
        },
    }
}

/// The caller's address and user agent, from the request the server function serves.
pub fn client_info() -> super::identity::tokens::ClientInfo {
    let hops = use_context::<AppState>().map_or(0, |s| s.config.trust_proxy_hops);
    match use_context::<http::request::Parts>() {
        Some(parts) => super::client_addr::client_info(&parts, hops),
        None => super::identity::tokens::ClientInfo {
            ip: None,
            user_agent: None,
        },
    }
}

pub use crate::shared::auth::safe_next;

pub fn internal(e: impl std::fmt::Display) -> PortalError {
    portal_error(AppError::Internal(anyhow::anyhow!("{e}")))
}

/// server_fn answers every error it raises itself (undecodable arguments, unknown function) with
/// 500. The `PortalError` body knows the real status; this puts it on the response too.
pub async fn error_status(req: Request, next: Next) -> Response {
    let is_server_fn = req.uri().path().starts_with(SERVER_FN_PREFIX);
    let response = next.run(req).await;
    if !is_server_fn
        || response.status() != StatusCode::INTERNAL_SERVER_ERROR
        || !response.headers().contains_key("serverfnerror")
    {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let bytes = axum::body::to_bytes(body, 64 * 1024).await.unwrap_or_default();
    if let Ok(err) = serde_json::from_slice::<PortalError>(&bytes) {
        if let Ok(status) = StatusCode::from_u16(err.status) {
            parts.status = status;
        }
    }
    Response::from_parts(parts, axum::body::Body::from(bytes))
}

/// Cross-site request forgery guard for server functions. Browsers send `Origin` (and
/// `Sec-Fetch-Site`) on every POST, so a call from another site is refused outright; SameSite=Lax
/// alone would still let a sibling subdomain through. Clients that send neither (the mobile app,
/// curl, tests) are not browsers carrying someone's cookie, and pass.
pub async fn same_origin(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let is_write = req.uri().path().starts_with(SERVER_FN_PREFIX) && req.method() != Method::GET;
    if is_write && !is_same_origin(req.headers(), Some(&state.config.public_url)) {
        tracing::warn!(
            origin = ?req.headers().get(header::ORIGIN),
            "refused a cross-site server function call"
        );
        let body = PortalError::new(403, "Cross-site request refused");
        return (StatusCode::FORBIDDEN, axum::Json(body)).into_response();
    }
    // server_fn reads a multipart form's boundary with `expect`: a call without one would panic.
    if is_write && MULTIPART_FNS.contains(&req.uri().path()) {
        let content_type = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok());
        if let Err(e) = super::media::form::boundary(content_type) {
            let body = portal_error(e);
            let status = StatusCode::from_u16(body.status).unwrap_or(StatusCode::BAD_REQUEST);
            return (status, axum::Json(body)).into_response();
        }
    }
    next.run(req).await
}

/// The server functions that take a multipart form.
const MULTIPART_FNS: &[&str] = &["/api/fn/upload_image"];

/// True when the request comes from this site (by `Origin`, or `Sec-Fetch-Site` when `Origin` is
/// absent), or from a non-browser client that sends neither.
pub fn is_same_origin(headers: &HeaderMap, public_url: Option<&str>) -> bool {
    if let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) {
        let host = headers.get(header::HOST).and_then(|v| v.to_str().ok());
        let matches_host = host.is_some_and(|h| {
            origin
                .split_once("://")
                .is_some_and(|(_, rest)| rest.eq_ignore_ascii_case(h))
        });
        let matches_public = public_url.is_some_and(|u| origin.eq_ignore_ascii_case(u.trim_end_matches('/')));
        return matches_host || matches_public;
    }
    match headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()) {
        Some(site) => site == "same-origin" || site == "none",
        None => true,
    }
}

#[cfg(test)]
mod tests {
    use super::is_same_origin;
    use axum::http::HeaderMap;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, v.parse().unwrap());
        }
        h
    }

    #[test]
    fn sign_in_redirects_stay_on_this_site() {
        use super::{safe_next, START_PAGE};
        assert_eq!(safe_next(Some("/categories?x=1")), "/categories?x=1");
        for bad in [
            None,
            Some(""),
            Some("https://evil.example"),
            Some("//evil.example"),
            Some("/\\evil.example"),
            Some("/\t/evil.example"),
            Some("/\n/evil.example"),
            Some("/a\\b"),
            Some("/ /evil.example"),
            Some("categories"),
        ] {
            assert_eq!(safe_next(bad), START_PAGE, "{bad:?}");
        }
    }

    #[test]
    fn origin_must_match_host_or_public_url() {
        let public = Some("https://book.example.com");
        assert!(is_same_origin(
            &headers(&[("origin", "http://127.0.0.1:3000"), ("host", "127.0.0.1:3000")]),
            None
        ));
        assert!(is_same_origin(
            &headers(&[("origin", "https://book.example.com"), ("host", "10.0.0.5:3000")]),
            public
        ));
        assert!(!is_same_origin(
            &headers(&[("origin", "https://evil.example"), ("host", "127.0.0.1:3000")]),
            public
        ));
        assert!(!is_same_origin(
            &headers(&[("origin", "null"), ("host", "127.0.0.1:3000")]),
            public
        ));
    }

    #[test]
    fn without_origin_fetch_metadata_decides_and_plain_clients_pass() {
        assert!(!is_same_origin(
            &headers(&[("sec-fetch-site", "cross-site")]),
            None
        ));
        assert!(!is_same_origin(
            &headers(&[("sec-fetch-site", "same-site")]),
            None
        ));
        assert!(is_same_origin(
            &headers(&[("sec-fetch-site", "same-origin")]),
            None
        ));
        assert!(is_same_origin(&headers(&[]), None));
    }
}
