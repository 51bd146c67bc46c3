//! `/api/v1/auth/*` and `/api/v1/profile`: sign-in, tokens, and the caller's own account.

use axum::extract::State;

use super::input::Json;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::{
    extract::{Caller, Client, CurrentUser},
    response::{ApiOk, ApiResult},
};
use crate::server::{
    error::AppError,
    identity::{accounts, google, invitations, login, profile, recovery, registration, tokens},
    state::AppState,
};
use crate::shared::{auth::AuthSession, errors::FieldError};

/// Bodies are read leniently (missing keys become empty) so that every missing or bad field gets its
/// own message in `errors`, instead of one opaque deserialisation error.
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct LoginBody {
    email: String,
    password: String,
}

pub async fn login(
    State(state): State<AppState>,
    Client(client): Client,
    Json(body): Json<LoginBody>,
) -> ApiResult<AuthSession> {
    let session = login::login(&state, &body.email, &body.password, &client).await?;
    Ok(ApiOk::new(session).message("Login successful"))
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
pub struct GoogleBody {
    id_token: String,
}

/// `POST /auth/google {idToken}`: the mobile app's Google sign-in; answers like `/auth/login`.
pub async fn google(
    State(state): State<AppState>,
    Client(client): Client,
    Json(body): Json<GoogleBody>,
) -> ApiResult<AuthSession> {
    let session = google::mobile_sign_in(&state, &body.id_token, &client).await?;
    Ok(ApiOk::new(session).message("Login successful"))
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
pub struct RefreshBody {
    refresh_token: String,
}

fn require_refresh_token(body: &RefreshBody) -> Result<&str, AppError> {
    let token = body.refresh_token.trim();
    if token.is_empty() {
        return Err(FieldError::new("refreshToken", "Refresh token is required").into());
    }
    Ok(token)
}

pub async fn refresh(
    State(state): State<AppState>,
    Client(client): Client,
    Json(body): Json<RefreshBody>,
) -> ApiResult<Value> {
    let token = require_refresh_token(&body)?;
    // A guest's refresh token renews the guest session, in the shape `/auth/guest` answers.
    if let Some(g) = login::refresh_guest(&state, token).await? {
        return Ok(ApiOk::new(guest_body(&g)));
    }
    let session = login::refresh(&state, token, &client).await?;
    Ok(ApiOk::new(json!(session)))
}

/// `POST /auth/logout`: ends the sign-in of the refresh token in the body, and of the bearer token
/// if one is sent; its access tokens stop working at once. One of the two is required.
pub async fn logout(
    State(state): State<AppState>,
    headers: axum::http::HeaderMap,
    body: Option<Json<RefreshBody>>,
) -> ApiResult<Value> {
    let refresh = body.map(|Json(b)| b.refresh_token).unwrap_or_default();
    let bearer = super::extract::bearer_token(&headers)
        .and_then(|t| tokens::verify_access(&state.config.jwt_secret, t).ok());
    if refresh.trim().is_empty() && bearer.is_none() {
        return Err(FieldError::new("refreshToken", "Refresh token is required").into());
    }
    let refresh = Some(refresh.trim()).filter(|t| !t.is_empty());
    login::logout(&state, refresh, bearer.and_then(|claims| claims.sid)).await?;
    Ok(ApiOk::new(json!({})).message("Logged out"))
}

/// `GET /auth/me`: the caller in the shape of the later app builds' `/auth/me`, plus the role.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Me {
    id: uuid::Uuid,
    email: String,
    name: String,
    avatar: Option<String>,
    last_seen: Option<chrono::DateTime<chrono::Utc>>,
    role: crate::shared::auth::RoleInfo,
}

pub async fn me(State(state): State<AppState>, caller: Caller) -> ApiResult<Value> {
    let p = match caller {
        Caller::Guest(id) => {
            let role = accounts::guest_role_info(&state.db).await?;
            return Ok(ApiOk::new(json!({ "user": guest_user(id, &role) })));
        }
        Caller::User(p) => p,
    };
    let me = Me {
        id: p.user.id,
        email: p.user.email.clone(),
        name: p.user.name.clone(),
        avatar: p.user.profile_image_url.clone(),
        last_seen: p.user.last_seen,
        role: p.role_info(),
    };
    Ok(ApiOk::new(json!({ "user": me })))
}

/// `data.user` of `GET` and `PUT /profile`: the snake_case keys the app reads (contract §2.2).
fn profile_json(u: &crate::server::entities::users::Model, p: &accounts::Principal) -> Value {
    json!({
        "id": u.id,
        "name": u.name,
        "email": u.email,
        "phone": u.phone,
        "address": u.address,
        "gender": u.gender,
        "profile_image_url": u.profile_image_url,
        "email_verified": u.email_verified,
        "created_at": u.created_at,
        "last_login": u.last_login,
        "role": p.role_info(),
    })
}

/// `GET /profile`
pub async fn profile(State(state): State<AppState>, caller: Caller) -> ApiResult<Value> {
    let p = match caller {
        Caller::Guest(id) => {
            let role = accounts::guest_role_info(&state.db).await?;
            return Ok(ApiOk::new(json!({ "user": guest_user(id, &role) })));
        }
        Caller::User(p) => p,
    };
    Ok(ApiOk::new(json!({ "user": profile_json(&p.user, &p) })))
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct RegisterBody {
    name: String,
    email: String,
    password: String,
    phone: Option<String>,
    address: Option<String>,
    gender: Option<String>,
}

/// `POST /auth/register` → 201 `{data: {email}}`; the code goes out by email.
pub async fn register(State(state): State<AppState>, Json(b): Json<RegisterBody>) -> ApiResult<Value> {
    let form = registration::SignUp {
        name: b.name,
        email: b.email,
        password: b.password,
        phone: b.phone,
        address: b.address,
        gender: b.gender,
    };
    let email = registration::register(&state, form).await?;
    Ok(ApiOk::created(json!({ "email": email }))
        .message("Registration started. Please check your email for the verification code."))
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct EmailCodeBody {
    email: String,
    code: String,
}

pub async fn verify_email(State(state): State<AppState>, Json(b): Json<EmailCodeBody>) -> ApiResult<Value> {
    let user = registration::verify_email(&state, &b.email, &b.code).await?;
    Ok(ApiOk::new(json!({ "email": user.email })).message("Email verified. You can now log in."))
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct EmailBody {
    email: String,
}

/// Same answer whether or not a sign-up is waiting: the endpoint does not reveal accounts.
pub async fn resend_verification(
    State(state): State<AppState>,
    Json(b): Json<EmailBody>,
) -> ApiResult<Value> {
    registration::resend_verification(&state, &b.email).await?;
    Ok(ApiOk::new(json!({})).message("If a sign-up is waiting for this email, a new code has been sent."))
}

/// Same answer for unknown emails (a deliberate difference from the old backend's 404).
pub async fn forgot_password_otp(
    State(state): State<AppState>,
    Json(b): Json<EmailBody>,
) -> ApiResult<Value> {
    recovery::forgot_password_otp(&state, &b.email).await?;
    Ok(ApiOk::new(json!({})).message("If an account exists for this email, a reset code has been sent."))
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
pub struct ResetBody {
    email: String,
    code: String,
    new_password: String,
}

pub async fn reset_password_otp(State(state): State<AppState>, Json(b): Json<ResetBody>) -> ApiResult<Value> {
    recovery::reset_password_otp(&state, &b.email, &b.code, &b.new_password).await?;
    Ok(ApiOk::new(json!({})).message("Password reset. Please log in with your new password."))
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
pub struct ProfileBody {
    name: Option<String>,
    phone: Option<String>,
    address: Option<String>,
    gender: Option<String>,
    profile_image_url: Option<String>,
}

/// `PUT /profile`: gender in any case (the app sends `Male`; the old validator wanted `male`).
pub async fn update_profile(
    State(state): State<AppState>,
    CurrentUser(p): CurrentUser,
    Json(b): Json<ProfileBody>,
) -> ApiResult<Value> {
    let changes = profile::ProfileChanges {
        name: b.name,
        phone: b.phone,
        address: b.address,
        gender: b.gender,
        profile_image_url: b.profile_image_url,
    };
    let user = profile::update(&state, &p, changes).await?;
    Ok(ApiOk::new(json!({ "user": profile_json(&user, &p) })).message("Profile updated"))
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
pub struct ChangePasswordBody {
    current_password: String,
    new_password: String,
    code: String,
}

pub async fn change_password(
    State(state): State<AppState>,
    CurrentUser(p): CurrentUser,
    Json(b): Json<ChangePasswordBody>,
) -> ApiResult<Value> {
    profile::change_password(&state, &p, &b.current_password, &b.new_password).await?;
    Ok(ApiOk::new(json!({})).message("Password changed"))
}

pub async fn send_change_password_otp(
    State(state): State<AppState>,
    CurrentUser(p): CurrentUser,
) -> ApiResult<Value> {
    profile::send_change_password_code(&state, &p).await?;
    Ok(ApiOk::new(json!({})).message("A code has been sent to your email."))
}

pub async fn change_password_otp(
    State(state): State<AppState>,
    CurrentUser(p): CurrentUser,
    Json(b): Json<ChangePasswordBody>,
) -> ApiResult<Value> {
    profile::change_password_with_code(&state, &p, &b.code, &b.new_password).await?;
    Ok(ApiOk::new(json!({})).message("Password changed"))
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ForgotLinkBody {
    email: String,
    /// `admin` in the old portal; every link now opens the portal's reset page.
    #[allow(dead_code)]
    client: Option<String>,
}

pub async fn forgot_password(
    State(state): State<AppState>,
    Json(b): Json<ForgotLinkBody>,
) -> ApiResult<Value> {
    recovery::forgot_password_link(&state, &b.email).await?;
    Ok(ApiOk::new(json!({}))
        .message("If an account exists for this email, a reset link has been sent. It expires in 1 hour."))
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
pub struct TokenPasswordBody {
    token: String,
    new_password: String,
    password: String,
}

pub async fn reset_password(
    State(state): State<AppState>,
    Json(b): Json<TokenPasswordBody>,
) -> ApiResult<Value> {
    recovery::reset_password_link(&state, &b.token, &b.new_password).await?;
    Ok(ApiOk::new(json!({})).message("Password reset. Please log in with your new password."))
}

pub async fn setup_password_info(
    State(state): State<AppState>,
    axum::extract::Path(token): axum::extract::Path<String>,
) -> ApiResult<Value> {
    let email = invitations::setup_info(&state, &token).await?;
    Ok(ApiOk::new(json!({ "email": email })))
}

pub async fn set_password(
    State(state): State<AppState>,
    Json(b): Json<TokenPasswordBody>,
) -> ApiResult<Value> {
    invitations::set_password(&state, &b.token, &b.password).await?;
    Ok(ApiOk::new(json!({})).message("Password set. You can now log in."))
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
pub struct AssignRoleBody {
    email: String,
    emails: Vec<String>,
    role_id: String,
}

fn user_row(u: &crate::server::entities::users::Model, role: &str) -> Value {
    json!({ "id": u.id, "name": u.name, "email": u.email, "role": role, "email_verified": u.email_verified })
}

/// `POST /users/assign-role` (`users.manage`): 201 when a new account was invited, 200 otherwise.
pub async fn assign_role(
    State(state): State<AppState>,
    user: CurrentUser,
    Json(b): Json<AssignRoleBody>,
) -> ApiResult<Value> {
    user.require(crate::shared::permissions::Permission::UsersManage)?;
    let a = invitations::assign_role(&state, &user.0, &b.email, &b.role_id).await?;
    let data = json!({ "user": user_row(&a.user, &a.role.name), "invited": a.invited });
    Ok(if a.invited {
        ApiOk::created(data).message("Invitation sent")
    } else {
        ApiOk::new(data).message("Role assigned")
    })
}

pub async fn assign_role_multiple(
    State(state): State<AppState>,
    user: CurrentUser,
    Json(b): Json<AssignRoleBody>,
) -> ApiResult<Value> {
    user.require(crate::shared::permissions::Permission::UsersManage)?;
    let (updated, not_found) =
        invitations::assign_role_multiple(&state, &user.0, &b.emails, &b.role_id).await?;
    let users: Vec<Value> = updated
        .iter()
        .map(|u| json!({ "id": u.id, "email": u.email }))
        .collect();
    Ok(ApiOk::new(json!({ "users": users, "notFound": not_found })).message("Roles assigned"))
}

/// The user object of a guest session, shaped like a real one so the app's parsing works.
fn guest_user(session_id: uuid::Uuid, role: &crate::shared::auth::RoleInfo) -> Value {
    json!({
        "id": session_id,
        "name": "Guest",
        "email": "",
        "profileImage": null,
        "profile_image_url": null,
        "isGuest": true,
        "role": role,
    })
}

/// `POST /auth/guest` (older app builds): a guest token; no account, no refresh token.
pub async fn guest(State(state): State<AppState>) -> ApiResult<Value> {
    let g = login::guest(&state).await?;
    Ok(ApiOk::new(guest_body(&g)).message("Continuing as guest"))
}

/// A guest session as the older app builds read it: both tokens, as a sign-in answers.
fn guest_body(g: &login::GuestSession) -> Value {
    json!({
        "user": guest_user(g.session_id, &g.role),
        "accessToken": g.access_token,
        "refreshToken": g.refresh_token,
        "sessionId": g.session_id,
        "isGuest": true,
    })
}
