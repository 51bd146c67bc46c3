//! The portal's "Sign in with Google": `GET /auth/google?next=` sends the browser to the provider
//! (PKCE, `state`, `nonce` kept in the session), `GET /auth/google/callback` brings it back, checks
//! everything, and starts a portal session. Every failure lands on `/login?error=<code>` with a
//! message, never on an error page. Plain redirects rather than server functions: the browser
//! navigates away and back.

use axum::{
    extract::{Query, State},
    response::{IntoResponse, Redirect, Response},
};
use serde::Deserialize;
use tower_sessions::Session;

use super::{
    api::extract::Client,
    error::AppError,
    identity::{google, oidc::PendingSignIn},
    portal, sessions,
    state::AppState,
};
use crate::shared::{auth::SignInProblem, permissions::Permission};

/// The session key of a sign-in waiting for the provider's answer.
const PENDING_KEY: &str = "google_pending";

#[derive(Deserialize)]
pub struct StartQuery {
    next: Option<String>,
}

pub async fn start(State(state): State<AppState>, session: Session, Query(q): Query<StartQuery>) -> Response {
    let Some(provider) = &state.google else {
        return back_to_login(SignInProblem::GoogleUnavailable);
    };
    let (url, pending) = match provider
        .authorization_request(portal::safe_next(q.next.as_deref()))
        .await
    {
        Ok(request) => request,
        Err(e) => return back_to_login(problem_for(&e)),
    };
    let stored = match sessions::expect_sign_in_soon(&session).await {
        Ok(()) => session.insert(PENDING_KEY, pending).await,
        Err(e) => Err(e),
    };
    if let Err(e) = stored {
        tracing::error!(error = %e, "could not store the pending Google sign-in");
        return back_to_login(SignInProblem::GoogleUnavailable);
    }
    Redirect::to(&url).into_response()
}

#[derive(Deserialize)]
pub struct CallbackQuery {
    code: Option<String>,
    state: Option<String>,
    error: Option<String>,
}

pub async fn callback(
    State(state): State<AppState>,
    session: Session,
    Client(client): Client,
    Query(q): Query<CallbackQuery>,
) -> Response {
    match finish(&state, &session, &client, q).await {
        Ok(next) => Redirect::to(&next).into_response(),
        Err(problem) => back_to_login(problem),
    }
}

async fn finish(
    state: &AppState,
    session: &Session,
    client: &super::identity::tokens::ClientInfo,
    q: CallbackQuery,
) -> Result<String, SignInProblem> {
    let provider = state.google.as_ref().ok_or(SignInProblem::GoogleUnavailable)?;
    // Taken out of the session: a callback URL works once.
    let pending = session
        .remove::<PendingSignIn>(PENDING_KEY)
        .await
        .map_err(|_| SignInProblem::GoogleFailed)?
        .filter(|p| chrono::Utc::now().timestamp() - p.started_at <= PendingSignIn::MAX_AGE_SECS)
        .ok_or(SignInProblem::GoogleExpired)?;
    if let Some(error) = q.error {
        tracing::info!(%error, "the identity provider returned an error");
        return Err(if error == "access_denied" {
            SignInProblem::GoogleCancelled
        } else {
            SignInProblem::GoogleFailed
        });
    }
    // The state ties this answer to the sign-in this browser started (login CSRF).
    let state_matches = q
        .state
        .as_deref()
        .is_some_and(|s| subtle::ConstantTimeEq::ct_eq(s.as_bytes(), pending.state.as_bytes()).into());
    let code = q
        .code
        .filter(|_| state_matches)
        .ok_or(SignInProblem::GoogleFailed)?;
    let claims = provider
        .complete(&pending, &code)
        .await
        .map_err(|e| problem_for(&e))?;
    let principal = google::sign_in(state, &claims, client, "portal")
        .await
        .map_err(|e| problem_for(&e))?;
    if !principal.can(Permission::PortalAccess) {
        return Err(SignInProblem::PortalForbidden);
    }
    sessions::sign_in(session, principal.user.id).await.map_err(|e| {
        tracing::error!(error = %e, "could not start the portal session");
        SignInProblem::GoogleFailed
    })?;
    Ok(pending.next)
}

fn problem_for(e: &AppError) -> SignInProblem {
    match e {
        AppError::Unavailable(_) => SignInProblem::GoogleUnavailable,
        AppError::Forbidden {
            code: Some("ACCOUNT_DISABLED"),
            ..
        } => SignInProblem::AccountDisabled,
        AppError::Forbidden {
            code: Some("EMAIL_NOT_VERIFIED"),
            ..
        } => SignInProblem::EmailUnverified,
        e => {
            if e.is_internal() {
                tracing::error!(error = %e, "Google sign-in failed");
            }
            SignInProblem::GoogleFailed
        }
    }
}

fn back_to_login(problem: SignInProblem) -> Response {
    Redirect::to(&format!("/login?error={}", problem.code())).into_response()
}
