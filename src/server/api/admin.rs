//! Administration: `/roles`, `/users`, `/audit-log`. Each handler checks its permission first.

use axum::extract::{Path, State};

use super::input::{Json, Query};
use serde::Deserialize;
use serde_json::{json, Value};
use uuid::Uuid;

use super::{
    extract::{path_id, CurrentUser},
    response::{ApiOk, ApiResult},
};
use crate::server::{audit, error::AppError, identity::directory, rbac::roles, state::AppState};
use crate::shared::{errors::FieldError, paging::PageRequest, permissions::Permission};

pub async fn list_roles(State(state): State<AppState>, user: CurrentUser) -> ApiResult<Value> {
    user.require(Permission::RolesView)?;
    Ok(ApiOk::new(json!({ "roles": roles::list(&state).await? })))
}

pub async fn get_role(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
) -> ApiResult<Value> {
    user.require(Permission::RolesView)?;
    Ok(ApiOk::new(
        json!({ "role": roles::get(&state, path_id(&id, "Role")?).await? }),
    ))
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct RoleBody {
    name: Option<String>,
    description: Option<String>,
    permissions: Option<Vec<String>>,
    /// The old portal sent ids instead of slugs.
    permission_ids: Option<Vec<String>>,
}

/// Slugs from `permissions`, or ids from `permission_ids` turned into slugs.
async fn slugs_of(state: &AppState, body: &RoleBody) -> Result<Vec<String>, AppError> {
    if let Some(slugs) = &body.permissions {
        return Ok(slugs.clone());
    }
    let Some(ids) = &body.permission_ids else {
        return Ok(Vec::new());
    };
    let mut errors = Vec::new();
    let parsed: Vec<Uuid> = ids
        .iter()
        .enumerate()
        .filter_map(|(i, s)| {
            Uuid::parse_str(s)
                .map_err(|_| {
                    errors.push(FieldError::new(
                        format!("permission_ids[{i}]"),
                        "Not a permission id",
                    ))
                })
                .ok()
        })
        .collect();
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    crate::server::rbac::catalogue::slugs_for_ids(&state.db, &parsed)
        .await?
        .ok_or_else(|| AppError::field("permission_ids", "Some permission ids do not exist"))
}

pub async fn create_role(
    State(state): State<AppState>,
    user: CurrentUser,
    Json(b): Json<RoleBody>,
) -> ApiResult<Value> {
    user.require(Permission::RolesManage)?;
    let slugs = slugs_of(&state, &b).await?;
    let role = roles::create(
        &state,
        &user.0,
        b.name.as_deref().unwrap_or(""),
        b.description,
        &slugs,
    )
    .await?;
    Ok(ApiOk::created(json!({ "role": role })).message("Role created"))
}

pub async fn update_role(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
    Json(b): Json<RoleBody>,
) -> ApiResult<Value> {
    user.require(Permission::RolesManage)?;
    let id = path_id(&id, "Role")?;
    let mut role = roles::update(&state, &user.0, id, b.name.as_deref(), b.description.clone()).await?;
    if b.permissions.is_some() || b.permission_ids.is_some() {
        let slugs = slugs_of(&state, &b).await?;
        role = roles::set_permissions(&state, &user.0, id, &slugs).await?;
    }
    Ok(ApiOk::new(json!({ "role": role })).message("Role updated"))
}

pub async fn set_role_permissions(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
    Json(b): Json<RoleBody>,
) -> ApiResult<Value> {
    user.require(Permission::RolesManage)?;
    let slugs = slugs_of(&state, &b).await?;
    let role = roles::set_permissions(&state, &user.0, path_id(&id, "Role")?, &slugs).await?;
    Ok(ApiOk::new(json!({ "role": role })).message("Permissions saved"))
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
pub struct DeleteRoleQuery {
    reassign_to: Option<String>,
}

pub async fn delete_role(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
    Query(q): Query<DeleteRoleQuery>,
) -> ApiResult<Value> {
    user.require(Permission::RolesManage)?;
    let reassign = match q.reassign_to.as_deref().filter(|s| !s.is_empty()) {
        Some(raw) => Some(Uuid::parse_str(raw).map_err(|_| AppError::field("reassignTo", "Not a role id"))?),
        None => None,
    };
    roles::delete(&state, &user.0, path_id(&id, "Role")?, reassign).await?;
    Ok(ApiOk::new(json!({})).message("Role deleted"))
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
pub struct UsersQuery {
    page: Option<String>,
    limit: Option<String>,
    search: Option<String>,
    role: Option<String>,
    exclude_role: Option<String>,
}

/// `GET /presence?userIds=a,b,…` (`users.view`): who is online now, and when each was last seen.
pub async fn presence(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(q): Query<PresenceQuery>,
) -> ApiResult<Value> {
    user.require(Permission::UsersView)?;
    let raw = q.user_ids.unwrap_or_default();
    let mut ids = Vec::new();
    for (i, part) in raw
        .split(',')
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .enumerate()
    {
        match Uuid::parse_str(part) {
            Ok(id) => ids.push(id),
            Err(_) => {
                return Err(AppError::field("userIds", &format!("Item {} is not a user id", i + 1)).into())
            }
        }
    }
    if ids.is_empty() || ids.len() > 200 {
        return Err(AppError::field("userIds", "Give 1 to 200 user ids, separated by commas").into());
    }
    Ok(ApiOk::new(
        json!({ "presence": directory::presence(&state, &ids).await? }),
    ))
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
pub struct PresenceQuery {
    user_ids: Option<String>,
}

pub async fn list_users(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(q): Query<UsersQuery>,
) -> ApiResult<Value> {
    user.require(Permission::UsersView)?;
    let page = PageRequest::parse(q.page.as_deref(), q.limit.as_deref(), 10).map_err(AppError::Validation)?;
    let filter = directory::UserFilter {
        search: q.search,
        role: q.role,
        exclude_role: q.exclude_role,
    };
    let (users, pagination) = directory::list(&state, filter, page).await?;
    Ok(ApiOk::new(json!({ "users": users, "pagination": pagination })))
}

pub async fn get_user(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
) -> ApiResult<Value> {
    user.require(Permission::UsersView)?;
    Ok(ApiOk::new(
        json!({ "user": directory::get(&state, path_id(&id, "User")?).await? }),
    ))
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
pub struct UserUpdateBody {
    role_id: Option<String>,
    is_active: Option<bool>,
}

pub async fn update_user(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
    Json(b): Json<UserUpdateBody>,
) -> ApiResult<Value> {
    user.require(Permission::UsersManage)?;
    let role_id = match b.role_id.as_deref() {
        Some(raw) => Some(
            Uuid::parse_str(raw.trim())
                .map_err(|_| AppError::field("roleId", "A valid role id is required"))?,
        ),
        None => None,
    };
    let updated = directory::update(&state, &user.0, path_id(&id, "User")?, role_id, b.is_active).await?;
    Ok(ApiOk::new(json!({ "user": updated })).message("User updated"))
}

pub async fn delete_user(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
) -> ApiResult<Value> {
    user.require(Permission::UsersManage)?;
    directory::delete(&state, &user.0, path_id(&id, "User")?).await?;
    Ok(ApiOk::new(json!({})).message("User deleted"))
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct AuditQuery {
    actor: Option<String>,
    action: Option<String>,
    from: Option<String>,
    to: Option<String>,
    page: Option<String>,
    limit: Option<String>,
}

/// `from`/`to` as dates (`YYYY-MM-DD`, `to` inclusive) or RFC 3339 instants.
fn parse_bound(
    field: &str,
    raw: &str,
    end_of_day: bool,
) -> Result<chrono::DateTime<chrono::Utc>, FieldError> {
    if let Ok(t) = chrono::DateTime::parse_from_rfc3339(raw) {
        return Ok(t.with_timezone(&chrono::Utc));
    }
    chrono::NaiveDate::parse_from_str(raw, "%Y-%m-%d")
        .map(|d| {
            let d = if end_of_day { d.succ_opt().unwrap_or(d) } else { d };
            d.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc()
        })
        .map_err(|_| FieldError::new(field, format!("{field} must be a date (YYYY-MM-DD)")))
}

pub async fn audit_log(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(q): Query<AuditQuery>,
) -> ApiResult<Value> {
    user.require(Permission::AuditView)?;
    let mut errors = Vec::new();
    let page = PageRequest::parse(q.page.as_deref(), q.limit.as_deref(), 50)
        .map_err(|e| errors.extend(e))
        .ok();
    let actor = q.actor.as_deref().filter(|s| !s.is_empty()).and_then(|a| {
        Uuid::parse_str(a)
            .map_err(|_| errors.push(FieldError::new("actor", "actor must be a user id")))
            .ok()
    });
    let from = q
        .from
        .as_deref()
        .filter(|s| !s.is_empty())
        .and_then(|f| parse_bound("from", f, false).map_err(|e| errors.push(e)).ok());
    let to =
        q.to.as_deref()
            .filter(|s| !s.is_empty())
            .and_then(|t| parse_bound("to", t, true).map_err(|e| errors.push(e)).ok());
    let (Some(page), true) = (page, errors.is_empty()) else {
        return Err(AppError::Validation(errors).into());
    };
    let filter = audit::Filter {
        actor,
        action: q.action.filter(|a| !a.is_empty()),
        from,
        to,
    };
    let (rows, pagination) = audit::list(&state.db, filter, page).await?;
    let entries: Vec<Value> = rows
        .into_iter()
        .map(|r| {
            json!({
                "id": r.id, "actor_id": r.actor_id, "action": r.action, "target_type": r.target_type,
                "target_id": r.target_id, "ip": r.ip, "user_agent": r.user_agent, "details": r.details,
                "created_at": r.created_at,
            })
        })
        .collect();
    Ok(ApiOk::new(
        json!({ "entries": entries, "pagination": pagination }),
    ))
}
