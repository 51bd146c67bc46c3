//! Request ids: a caller may pass its own `x-request-id` to correlate logs, but only a short, plain
//! one; anything else is dropped so a fresh UUID is generated (no log forging, no huge ids).

use axum::{extract::Request, middleware::Next, response::Response};

const HEADER: &str = "x-request-id";

pub async fn drop_untrusted(mut req: Request, next: Next) -> Response {
    let valid = req
        .headers()
        .get(HEADER)
        .and_then(|v| v.to_str().ok())
        .map(is_acceptable);
    if valid == Some(false) {
        req.headers_mut().remove(HEADER);
    }
    next.run(req).await
}

fn is_acceptable(id: &str) -> bool {
    (1..=64).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.:".contains(&b))
}

#[cfg(test)]
mod tests {
    #[test]
    fn accepts_short_plain_ids_only() {
        assert!(super::is_acceptable("trace-me-123"));
        assert!(super::is_acceptable("0192f0c1-7e3a-7c1e-9d1b-2f7f1e6a9b10"));
        assert!(!super::is_acceptable(""));
        assert!(!super::is_acceptable(&"a".repeat(65)));
        assert!(!super::is_acceptable("x\nFAKE LOG LINE"));
        assert!(!super::is_acceptable("a b"));
    }
}
