//! Security headers on every response, and the Content-Security-Policy that fits the hydrated portal.
//!
//! Pages get a fresh nonce per request: the shell hands it to Leptos (`Nonce`), which puts it on the
//! inline hydration and resource scripts, and the policy allows only scripts from this site or with
//! that nonce, plus `wasm-unsafe-eval` so the portal's wasm can be compiled. JSON answers get a
//! policy that allows nothing at all.

use std::sync::Arc;

use axum::{
    extract::{Request, State},
    http::{header, HeaderName, HeaderValue},
    middleware::Next,
    response::Response,
};
use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};
use rand::RngCore;

use super::{config::Config, state::AppState};

/// The nonce of this page's inline scripts, put into the request for the shell.
#[derive(Debug, Clone)]
pub struct PageNonce(pub Arc<str>);

/// The parts of the page policy that depend on configuration, built once at start-up.
#[derive(Debug, Clone)]
pub struct Policy {
    /// Everything after `script-src … 'nonce-X'`, with `{nonce}` left out.
    rest: String,
    hsts: bool,
}

impl Policy {
    pub fn from_config(config: &Config) -> Self {
        let mut connect = String::from("'self'");
        let mut form_action = String::from("'self'");
        let google = config.google_client_id.is_some();
        if let Some(origin) = origin_of(&config.google_issuer_url).filter(|_| google) {
            // "Sign in with Google" is a GET form whose redirect leaves for the provider.
            form_action.push(' ');
            form_action.push_str(&origin);
        }
        if !config.env.is_production() {
            // cargo-leptos watch reloads the page over its own websocket port.
            connect.push_str(&format!(
                " ws://127.0.0.1:{0} ws://localhost:{0}",
                config.reload_port
            ));
        }
        Self {
            rest: format!(
                "'wasm-unsafe-eval'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob: https: http:; \
                 font-src 'self' data:; connect-src {connect}; form-action {form_action}; \
                 frame-ancestors 'none'; base-uri 'self'; object-src 'none'"
            ),
            hsts: config.env.is_production(),
        }
    }

    fn page(&self, nonce: &str) -> String {
        format!(
            "default-src 'self'; script-src 'self' 'nonce-{nonce}' {}",
            self.rest
        )
    }
}

/// `scheme://host[:port]` of a URL, for a CSP source.
fn origin_of(url: &str) -> Option<String> {
    let (scheme, rest) = url.split_once("://")?;
    let host = rest.split(['/', '?', '#']).next()?;
    (!host.is_empty()).then(|| format!("{scheme}://{host}"))
}

fn new_nonce() -> Arc<str> {
    let mut bytes = [0u8; 16];
    rand::rng().fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes).into()
}

const API_POLICY: &str = "default-src 'none'; frame-ancestors 'none'";

pub async fn add(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let is_page = super::input_guard::Surface::of(req.uri().path()) == super::input_guard::Surface::Page;
    let nonce = is_page.then(new_nonce);
    if let Some(n) = &nonce {
        req.extensions_mut().insert(PageNonce(n.clone()));
    }
    let mut response = next.run(req).await;
    let is_html = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.starts_with("text/html"));
    let h = response.headers_mut();
    let policy = match (&nonce, is_html) {
        (Some(n), true) => state.csp.page(n),
        _ => API_POLICY.to_owned(),
    };
    if let Ok(v) = HeaderValue::from_str(&policy) {
        h.insert(header::CONTENT_SECURITY_POLICY, v);
    }
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("strict-origin-when-cross-origin"),
    );
    h.insert(
        HeaderName::from_static("cross-origin-opener-policy"),
        HeaderValue::from_static("same-origin"),
    );
    h.insert(
        HeaderName::from_static("permissions-policy"),
        HeaderValue::from_static("camera=(), microphone=(), geolocation=(), payment=()"),
    );
    if state.csp.hsts {
        h.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000; includeSubDomains"),
        );
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins_keep_scheme_host_and_port() {
        assert_eq!(
            origin_of("https://accounts.google.com").as_deref(),
            Some("https://accounts.google.com")
        );
        assert_eq!(
            origin_of("http://127.0.0.1:9000/oidc?x").as_deref(),
            Some("http://127.0.0.1:9000")
        );
        assert_eq!(origin_of("nonsense"), None);
    }

    #[test]
    fn page_policy_carries_the_nonce_and_forbids_framing() {
        let p = Policy {
            rest: "frame-ancestors 'none'".into(),
            hsts: false,
        };
        let csp = p.page("abc");
        assert!(csp.contains("'nonce-abc'"));
        assert!(csp.contains("frame-ancestors 'none'"));
    }
}
