//! A real OpenID Connect provider for the tests (`end2end/oidc/provider.mjs`, the `oidc-provider`
//! package), started once per test binary, and a user agent that signs in at it: follows its
//! redirects and fills its sign-in and consent forms like a person would.

use std::{
    io::{BufRead, BufReader},
    process::{Child, Command, Stdio},
    sync::{Mutex, OnceLock},
};

use base64::Engine;
use sha2::Digest;

use crate::helpers::Spawn;

pub const CLIENT_ID: &str = "pulse-test-client";
pub const CLIENT_SECRET: &str = "pulse-test-client-secret";
/// Another application registered at the same provider: its tokens are not for Pulse.
pub const OTHER_CLIENT_ID: &str = "another-app";
pub const OTHER_CLIENT_SECRET: &str = "another-app-secret";

struct Provider {
    issuer: String,
    /// Kept so the provider's stdin stays open; it exits when the test binary does.
    _child: Mutex<Child>,
}

fn provider() -> &'static Provider {
    static PROVIDER: OnceLock<Provider> = OnceLock::new();
    PROVIDER.get_or_init(|| {
        let root = env!("CARGO_MANIFEST_DIR");
        let script = format!("{root}/end2end/oidc/provider.mjs");
        assert!(
            std::path::Path::new(&format!("{root}/end2end/node_modules/oidc-provider")).exists(),
            "oidc-provider is not installed: run `scripts/setup-tools.sh --e2e` (make test does)"
        );
        let mut child = Command::new("node")
            .arg(&script)
            .env("OIDC_CLIENT_ID", CLIENT_ID)
            .env("OIDC_CLIENT_SECRET", CLIENT_SECRET)
            .env("OIDC_WATCH_STDIN", "1")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("node runs the OpenID Connect provider");
        let mut stdout = BufReader::new(child.stdout.take().expect("provider stdout"));
        let mut line = String::new();
        stdout.read_line(&mut line).expect("provider prints its issuer");
        // Keep draining, so a later write by the provider never meets a closed pipe.
        std::thread::spawn(move || std::io::copy(&mut stdout, &mut std::io::sink()));
        let issuer = line
            .trim()
            .strip_prefix("OIDC_ISSUER=")
            .unwrap_or_else(|| panic!("unexpected provider output: {line:?}"))
            .to_owned();
        Provider {
            issuer,
            _child: Mutex::new(child),
        }
    })
}

pub fn issuer() -> String {
    provider().issuer.clone()
}

/// Server options that turn Google sign-in on, against the local provider.
pub fn google(opts: Spawn) -> Spawn {
    opts.var("GOOGLE_CLIENT_ID", CLIENT_ID)
        .var("GOOGLE_CLIENT_SECRET", CLIENT_SECRET)
        .var("GOOGLE_ISSUER_URL", issuer())
}

fn agent() -> reqwest::Client {
    crate::helpers::client()
}

/// Follows redirects from `url`, signing in as `login` (the email; `unverified:` prefix for an
/// unverified one) and consenting, until a redirect leaves the provider. Returns that URL.
pub async fn sign_in_at_provider(agent: &reqwest::Client, url: &str, login: &str) -> String {
    let issuer = issuer();
    let mut next = Some((url.to_owned(), None::<Vec<(String, String)>>));
    for _ in 0..12 {
        let (url, form) = next.take().expect("a next step");
        let response = match &form {
            Some(form) => agent.post(&url).form(form).send().await,
            None => agent.get(&url).send().await,
        }
        .expect("provider request");
        if response.status().is_redirection() {
            let location = response.headers()["location"].to_str().unwrap().to_owned();
            let absolute = if location.starts_with('/') {
                format!("{issuer}{location}")
            } else {
                location
            };
            if !absolute.starts_with(&issuer) {
                return absolute;
            }
            next = Some((absolute, None));
            continue;
        }
        let status = response.status();
        let html = response.text().await.unwrap();
        assert!(status.is_success(), "provider answered {status}: {html}");
        let action = attr_after(&html, "<form", "action").expect("a form on the provider's page");
        let prompt = attr_after(&html, "name=\"prompt\"", "value").expect("prompt field");
        let mut fields = vec![("prompt".to_owned(), prompt.clone())];
        if prompt == "login" {
            fields.push(("login".into(), login.into()));
            fields.push(("password".into(), "any password".into()));
        }
        let action = if action.starts_with('/') {
            format!("{issuer}{action}")
        } else {
            action
        };
        next = Some((action, Some(fields)));
    }
    panic!("the provider did not redirect back");
}

/// The value of `attr` in the first tag at or after `marker`.
fn attr_after(html: &str, marker: &str, attr: &str) -> Option<String> {
    let start = html.find(marker)?;
    let rest = &html[start..];
    let tag_end = rest.find('>')?;
    let tag = &rest[..tag_end];
    let key = format!("{attr}=\"");
    let value_start = tag.find(&key)? + key.len();
    let value_end = tag[value_start..].find('"')?;
    Some(tag[value_start..value_start + value_end].replace("&amp;", "&"))
}

fn query_param(url: &str, name: &str) -> Option<String> {
    reqwest::Url::parse(url)
        .ok()?
        .query_pairs()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

/// An ID token for `login`, issued to Pulse, obtained the way the mobile app's Google SDK does: a
/// code flow with PKCE at the provider, then the token endpoint.
pub async fn id_token(login: &str) -> String {
    id_token_for_client(login, CLIENT_ID, CLIENT_SECRET).await
}

pub async fn id_token_for_client(login: &str, client_id: &str, client_secret: &str) -> String {
    let issuer = issuer();
    let verifier = "v".repeat(43) + &uuid::Uuid::now_v7().simple().to_string();
    let challenge =
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(sha2::Sha256::digest(verifier.as_bytes()));
    // Any loopback port: the client is registered as a native app (RFC 8252).
    let redirect = "http://127.0.0.1:9/auth/google/callback";
    let mut auth = reqwest::Url::parse(&format!("{issuer}/auth")).unwrap();
    auth.query_pairs_mut()
        .append_pair("client_id", client_id)
        .append_pair("response_type", "code")
        .append_pair("scope", "openid email profile")
        .append_pair("redirect_uri", redirect)
        .append_pair("state", "mobile")
        .append_pair("code_challenge", &challenge)
        .append_pair("code_challenge_method", "S256");
    let agent = agent();
    let back = sign_in_at_provider(&agent, auth.as_str(), login).await;
    let code = query_param(&back, "code").unwrap_or_else(|| panic!("no code in {back}"));
    let token: serde_json::Value = agent
        .post(format!("{issuer}/token"))
        .basic_auth(client_id, Some(client_secret))
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", code.as_str()),
            ("redirect_uri", redirect),
            ("code_verifier", verifier.as_str()),
        ])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    token["id_token"]
        .as_str()
        .unwrap_or_else(|| panic!("no id_token: {token}"))
        .to_owned()
}

/// The portal's "Sign in with Google" in a browser-like client: starts at Pulse, signs in at the
/// provider, and returns where Pulse's callback finally sends the browser.
pub async fn portal_sign_in(app: &crate::helpers::TestApp, login: &str, next: &str) -> String {
    let start = app
        .client
        .get(app.url(&format!("/auth/google?next={next}")))
        .send()
        .await
        .unwrap();
    assert_eq!(start.status(), reqwest::StatusCode::SEE_OTHER);
    let to_provider = start.headers()["location"].to_str().unwrap().to_owned();
    assert!(to_provider.starts_with(&issuer()), "redirected to {to_provider}");
    let callback = sign_in_at_provider(&app.client, &to_provider, login).await;
    assert!(
        callback.starts_with(&app.url("/auth/google/callback")),
        "came back to {callback}"
    );
    let done = app.client.get(&callback).send().await.unwrap();
    assert_eq!(done.status(), reqwest::StatusCode::SEE_OTHER);
    done.headers()["location"].to_str().unwrap().to_owned()
}
