//! An OpenID Connect relying party for one provider (Google in production; any issuer in tests):
//! discovery, the authorization-code flow with PKCE, `state` and `nonce` (the oauth2 crate), and
//! ID-token verification against the issuer's JWKS. Nothing here knows about users.
//!
//! Discovery and keys are fetched on first use, not at start-up, so the server starts while the
//! provider is unreachable; both are cached. An ID token signed with an unknown key id refetches the
//! key set (keys rotate), at most once a minute.

use std::{
    sync::Arc,
    time::{Duration, Instant},
};

use jsonwebtoken::{
    jwk::{AlgorithmParameters, JwkSet},
    Algorithm, DecodingKey, Validation,
};
use oauth2::{
    basic::{
        BasicErrorResponse, BasicRevocationErrorResponse, BasicTokenIntrospectionResponse, BasicTokenType,
    },
    AuthUrl, AuthorizationCode, ClientId, ClientSecret, CsrfToken, EndpointNotSet, EndpointSet,
    ExtraTokenFields, PkceCodeChallenge, PkceCodeVerifier, RedirectUrl, Scope, StandardRevocableToken,
    StandardTokenResponse, TokenUrl,
};
use serde::{Deserialize, Serialize};
use tokio::sync::Mutex;

use crate::server::{
    config::{Config, Secret},
    error::{AppError, AppResult},
};

/// How long a discovery document is trusted before it is fetched again.
const DISCOVERY_TTL: Duration = Duration::from_secs(24 * 3600);
/// Key sets are refetched after this even when every key id is known.
const JWKS_TTL: Duration = Duration::from_secs(3600);
/// The least time between two key-set fetches caused by unknown key ids.
const JWKS_MIN_REFETCH: Duration = Duration::from_secs(60);
/// Clock skew allowed on `exp`, `iat` and `nbf`.
const LEEWAY_SECS: u64 = 60;
/// Where the portal's sign-in returns from the provider.
pub const CALLBACK_PATH: &str = "/auth/google/callback";

/// The part of the discovery document Pulse uses.
#[derive(Debug, Clone, Deserialize)]
struct Metadata {
    issuer: String,
    authorization_endpoint: String,
    token_endpoint: String,
    jwks_uri: String,
}

/// The token endpoint's answer carries the ID token beside the access token.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct IdTokenFields {
    id_token: String,
}
impl ExtraTokenFields for IdTokenFields {}

type TokenResponse = StandardTokenResponse<IdTokenFields, BasicTokenType>;
type Client = oauth2::Client<
    BasicErrorResponse,
    TokenResponse,
    BasicTokenIntrospectionResponse,
    StandardRevocableToken,
    BasicRevocationErrorResponse,
    EndpointSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointSet,
>;

/// The verified claims of an ID token that Pulse uses.
#[derive(Debug, Clone, Deserialize)]
pub struct IdentityClaims {
    pub sub: String,
    #[serde(default)]
    pub email: Option<String>,
    /// A boolean, or (in some older Google tokens) the string "true".
    #[serde(default, deserialize_with = "bool_or_string")]
    pub email_verified: bool,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub picture: Option<String>,
    #[serde(default)]
    nonce: Option<String>,
}

/// What the browser's session keeps between the redirect to the provider and its return.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PendingSignIn {
    pub state: String,
    pub pkce_verifier: String,
    pub nonce: String,
    /// Local path to open after sign-in.
    pub next: String,
    /// Unix seconds; a pending sign-in older than ten minutes is refused.
    pub started_at: i64,
}

impl PendingSignIn {
    pub const MAX_AGE_SECS: i64 = 600;
}

struct Cached<T> {
    value: Arc<T>,
    fetched: Instant,
}

pub struct OidcProvider {
    issuer: String,
    client_id: String,
    client_secret: Secret,
    redirect_url: String,
    http: reqwest::Client,
    metadata: Mutex<Option<Cached<Metadata>>>,
    keys: Mutex<Option<Cached<JwkSet>>>,
}

impl OidcProvider {
    /// `None` when Google sign-in is not configured (`GOOGLE_CLIENT_ID` unset).
    pub fn from_config(config: &Config) -> anyhow::Result<Option<Arc<Self>>> {
        let (Some(client_id), Some(client_secret)) = (&config.google_client_id, &config.google_client_secret)
        else {
            return Ok(None);
        };
        let http = reqwest::Client::builder()
            // Following redirects from a token endpoint opens the door to SSRF.
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(Duration::from_secs(5))
            .timeout(Duration::from_secs(10))
            .build()?;
        Ok(Some(Arc::new(Self {
            issuer: config.google_issuer_url.trim_end_matches('/').to_owned(),
            client_id: client_id.clone(),
            client_secret: client_secret.clone(),
            redirect_url: format!("{}{CALLBACK_PATH}", config.public_url.trim_end_matches('/')),
            http,
            metadata: Mutex::new(None),
            keys: Mutex::new(None),
        })))
    }

    /// Starts a browser sign-in: the provider URL to redirect to, and what to keep in the session.
    pub async fn authorization_request(&self, next: String) -> AppResult<(String, PendingSignIn)> {
        let client = self.client().await?;
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        let nonce = CsrfToken::new_random();
        let (url, state) = client
            .authorize_url(CsrfToken::new_random)
            .add_scopes(["openid", "email", "profile"].map(|s| Scope::new(s.into())))
            .add_extra_param("nonce", nonce.secret().clone())
            .set_pkce_challenge(challenge)
            .url();
        Ok((
            url.into(),
            PendingSignIn {
                state: state.secret().clone(),
                pkce_verifier: verifier.secret().clone(),
                nonce: nonce.secret().clone(),
                next,
                started_at: chrono::Utc::now().timestamp(),
            },
        ))
    }

    /// Finishes a browser sign-in: exchanges the code (with the PKCE verifier) and verifies the ID
    /// token, including the nonce of this sign-in.
    pub async fn complete(&self, pending: &PendingSignIn, code: &str) -> AppResult<IdentityClaims> {
        let client = self.client().await?;
        let response = client
            .exchange_code(AuthorizationCode::new(code.to_owned()))
            .set_pkce_verifier(PkceCodeVerifier::new(pending.pkce_verifier.clone()))
            .request_async(&self.http)
            .await
            .map_err(|e| {
                tracing::warn!(error = %e, "the identity provider refused the authorization code");
                AppError::Unauthorized("Google sign-in failed. Please try again.".into())
            })?;
        self.verify_id_token(&response.extra_fields().id_token, Some(&pending.nonce))
            .await
    }

    /// Verifies an ID token: signature by a key of the issuer's JWKS, `iss`, `aud` = our client id,
    /// `exp`, and the nonce when one was sent. The mobile app's tokens come from Google's SDK and
    /// carry no nonce of ours.
    pub async fn verify_id_token(&self, token: &str, nonce: Option<&str>) -> AppResult<IdentityClaims> {
        let invalid = || AppError::Unauthorized("Invalid Google token.".into());
        let header = jsonwebtoken::decode_header(token).map_err(|_| invalid())?;
        // Asymmetric algorithms only: an HS256 token "signed" with a public key must not pass.
        if !matches!(
            header.alg,
            Algorithm::RS256 | Algorithm::RS384 | Algorithm::RS512 | Algorithm::ES256 | Algorithm::ES384
        ) {
            return Err(invalid());
        }
        let metadata = self.metadata().await?;
        let key = self
            .key_for(header.kid.as_deref(), header.alg)
            .await?
            .ok_or_else(invalid)?;

        let mut validation = Validation::new(header.alg);
        validation.leeway = LEEWAY_SECS;
        validation.set_audience(&[self.client_id.as_str()]);
        // Google's tokens carry `https://accounts.google.com` or, from some clients, the bare host.
        let bare = metadata.issuer.trim_start_matches("https://").to_owned();
        validation.set_issuer(&[metadata.issuer.as_str(), bare.as_str()]);
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        let claims = jsonwebtoken::decode::<IdentityClaims>(token, &key, &validation)
            .map_err(|e| {
                tracing::info!(error = %e, "ID token refused");
                match e.kind() {
                    jsonwebtoken::errors::ErrorKind::ExpiredSignature => {
                        AppError::Unauthorized("Google token expired.".into())
                    }
                    _ => invalid(),
                }
            })?
            .claims;
        if let Some(expected) = nonce {
            let matches = claims
                .nonce
                .as_deref()
                .is_some_and(|got| subtle::ConstantTimeEq::ct_eq(got.as_bytes(), expected.as_bytes()).into());
            if !matches {
                return Err(invalid());
            }
        }
        Ok(claims)
    }

    async fn client(&self) -> AppResult<Client> {
        let metadata = self.metadata().await?;
        let bad =
            |what: &str| AppError::Internal(anyhow::anyhow!("the identity provider's {what} is not a URL"));
        Ok(oauth2::Client::new(ClientId::new(self.client_id.clone()))
            .set_client_secret(ClientSecret::new(self.client_secret.expose().to_owned()))
            .set_auth_uri(
                AuthUrl::new(metadata.authorization_endpoint.clone())
                    .map_err(|_| bad("authorization endpoint"))?,
            )
            .set_token_uri(TokenUrl::new(metadata.token_endpoint.clone()).map_err(|_| bad("token endpoint"))?)
            .set_redirect_uri(RedirectUrl::new(self.redirect_url.clone()).map_err(|_| bad("redirect URL"))?))
    }

    async fn metadata(&self) -> AppResult<Arc<Metadata>> {
        let mut cached = self.metadata.lock().await;
        if let Some(c) = cached.as_ref().filter(|c| c.fetched.elapsed() < DISCOVERY_TTL) {
            return Ok(c.value.clone());
        }
        let url = format!("{}/.well-known/openid-configuration", self.issuer);
        let metadata: Metadata = self.fetch_json(&url).await?;
        // OpenID Connect Discovery §4.3: the document must name the issuer it was fetched for.
        if metadata.issuer.trim_end_matches('/') != self.issuer {
            tracing::error!(expected = %self.issuer, got = %metadata.issuer, "issuer mismatch in discovery");
            return Err(AppError::Unavailable("Google sign-in"));
        }
        let value = Arc::new(metadata);
        *cached = Some(Cached {
            value: value.clone(),
            fetched: Instant::now(),
        });
        Ok(value)
    }

    /// The verification key for `kid`: from the cached set, or from a fresh one when the id is
    /// unknown (and the last fetch is old enough) or the cache expired.
    async fn key_for(&self, kid: Option<&str>, alg: Algorithm) -> AppResult<Option<DecodingKey>> {
        let mut cached = self.keys.lock().await;
        let find = |set: &JwkSet| {
            set.keys
                .iter()
                .filter(|k| kid.is_none() || k.common.key_id.as_deref() == kid)
                .find(|k| key_fits(&k.algorithm, alg))
                .and_then(|k| DecodingKey::from_jwk(k).ok())
        };
        if let Some(c) = cached.as_ref() {
            let fresh = c.fetched.elapsed() < JWKS_TTL;
            if let Some(key) = find(&c.value).filter(|_| fresh) {
                return Ok(Some(key));
            }
            if fresh && c.fetched.elapsed() < JWKS_MIN_REFETCH {
                return Ok(None);
            }
        }
        let fetched: AppResult<JwkSet> = match self.metadata().await {
            Ok(metadata) => self.fetch_json(&metadata.jwks_uri).await,
            Err(e) => Err(e),
        };
        let set = match fetched {
            Ok(set) => set,
            // The provider is down: an expired copy that has the key beats refusing everyone.
            Err(e) => return cached.as_ref().and_then(|c| find(&c.value)).map(Some).ok_or(e),
        };
        let key = find(&set);
        *cached = Some(Cached {
            value: Arc::new(set),
            fetched: Instant::now(),
        });
        Ok(key)
    }

    async fn fetch_json<T: serde::de::DeserializeOwned>(&self, url: &str) -> AppResult<T> {
        let unavailable = |e: &dyn std::fmt::Display| {
            tracing::error!(%url, error = %e, "identity provider unavailable");
            AppError::Unavailable("Google sign-in")
        };
        let response = self
            .http
            .get(url)
            .send()
            .await
            .map_err(|e| unavailable(&e))?
            .error_for_status()
            .map_err(|e| unavailable(&e))?;
        response.json::<T>().await.map_err(|e| unavailable(&e))
    }
}

/// Whether a JWK can verify a signature made with `alg`.
fn key_fits(params: &AlgorithmParameters, alg: Algorithm) -> bool {
    match params {
        AlgorithmParameters::RSA(_) => matches!(alg, Algorithm::RS256 | Algorithm::RS384 | Algorithm::RS512),
        AlgorithmParameters::EllipticCurve(_) => matches!(alg, Algorithm::ES256 | Algorithm::ES384),
        _ => false,
    }
}

fn bool_or_string<'de, D: serde::Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Flag {
        Bool(bool),
        Text(String),
    }
    Ok(match Option::<Flag>::deserialize(d)? {
        Some(Flag::Bool(b)) => b,
        Some(Flag::Text(s)) => s.eq_ignore_ascii_case("true"),
        None => false,
    })
}
