//! Accounts as the rest of the server sees them: a user with a role and its effective permissions.

use std::{
    collections::{BTreeSet, HashMap},
    sync::{Arc, RwLock},
};

use chrono::Utc;
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};
use uuid::Uuid;

use crate::server::{
    entities::{permissions, role_permissions, roles, users},
    error::{AppError, AppResult},
};
use crate::shared::{
    auth::{AuthUser, RoleInfo},
    identity::Email,
    permissions::{Permission, OWNER_ROLE},
};

/// An account to create, already parsed.
pub struct NewAccount<'a> {
    pub email: &'a Email,
    pub name: &'a str,
    /// An argon2id hash (`password::hash`); `None` for accounts that sign in another way (Google) or
    /// set a password from an invitation.
    pub password_hash: Option<String>,
    pub role: &'a str,
    pub email_verified: bool,
    pub must_change_password: bool,
}

/// Creates a user with the named role. An email that already has an account is a 409, also when two
/// requests race for it.
pub async fn create<C: ConnectionTrait>(db: &C, new: NewAccount<'_>) -> AppResult<users::Model> {
    let name = new.name.trim();
    if name.is_empty() || name.chars().count() > 255 {
        return Err(AppError::field("name", "Name must be 1 to 255 characters"));
    }
    let conflict = || AppError::Conflict("This email is already registered. Please login instead.".into());
    if find_by_email(db, new.email).await?.is_some() {
        return Err(conflict());
    }
    let role = roles::Entity::find()
        .filter(roles::Column::Name.eq(new.role))
        .one(db)
        .await?
        .ok_or_else(|| AppError::Internal(anyhow::anyhow!("role {} is missing; run migrations", new.role)))?;
    let now = Utc::now();
    users::ActiveModel {
        id: Set(Uuid::now_v7()),
        role_id: Set(Some(role.id)),
        name: Set(name.to_owned()),
        email: Set(new.email.as_str().to_owned()),
        password_hash: Set(new.password_hash),
        email_verified: Set(new.email_verified),
        is_active: Set(true),
        phone: Set(None),
        address: Set(None),
        gender: Set(None),
        profile_image_url: Set(None),
        failed_login_attempts: Set(0),
        lockout_until: Set(None),
        last_login: Set(None),
        last_seen: Set(None),
        fcm_token: Set(None),
        must_change_password: Set(new.must_change_password),
        credentials_changed_at: Set(None),
        credentials_changed_by_token: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(db)
    .await
    .map_err(|e| match AppError::unique_violation_as(e, "") {
        AppError::Conflict(_) => conflict(),
        other => other,
    })
}

/// A signed-in user, resolved fresh from the database on each request so that role and permission
/// changes, deactivation and deletion apply at once.
#[derive(Debug, Clone)]
pub struct Principal {
    pub user: users::Model,
    pub role: Option<roles::Model>,
    pub permissions: Arc<BTreeSet<Permission>>,
    /// The access token (`jti`) this request came with; `None` for portal sessions.
    pub token_id: Option<Uuid>,
    /// The sign-in (`sid`, its refresh token family) the access token belongs to, if any.
    pub sign_in_id: Option<Uuid>,
}

impl Principal {
    pub fn can(&self, permission: Permission) -> bool {
        self.permissions.contains(&permission)
    }

    /// The one permission check, for the API and the portal alike: 403 unless the role grants it.
    pub fn require(&self, permission: Permission) -> AppResult<()> {
        if self.can(permission) {
            Ok(())
        } else {
            Err(AppError::Forbidden {
                message: "You do not have permission to perform this action.".into(),
                code: None,
            })
        }
    }

    /// Passes when the role grants any of `permissions`.
    pub fn require_any(&self, permissions: &[Permission]) -> AppResult<()> {
        match permissions.iter().find(|p| self.can(**p)) {
            Some(_) => Ok(()),
            None => self.require(permissions[0]),
        }
    }

    pub fn role_name(&self) -> &str {
        self.role.as_ref().map_or("No role", |r| r.name.as_str())
    }

    /// The `user` object of the sign-in response.
    pub fn auth_user(&self) -> AuthUser {
        AuthUser {
            id: self.user.id,
            name: self.user.name.clone(),
            email: self.user.email.clone(),
            role: self.role_info(),
            profile_image: self.user.profile_image_url.clone(),
        }
    }

    pub fn role_info(&self) -> RoleInfo {
        RoleInfo {
            id: self.role.as_ref().map(|r| r.id),
            name: self.role_name().to_owned(),
            permissions: self.permissions.iter().map(|p| p.slug().to_owned()).collect(),
        }
    }
}

pub async fn find_by_email<C: ConnectionTrait>(db: &C, email: &Email) -> AppResult<Option<users::Model>> {
    Ok(users::Entity::find()
        .filter(users::Column::Email.eq(email.as_str()))
        .one(db)
        .await?)
}

/// Records when the user was last seen (the last of their live sockets closed).
pub async fn touch_last_seen<C: ConnectionTrait>(
    db: &C,
    user_id: Uuid,
    at: chrono::DateTime<Utc>,
) -> AppResult<()> {
    use sea_orm::sea_query::Expr;
    users::Entity::update_many()
        .col_expr(users::Column::LastSeen, Expr::value(at))
        .filter(users::Column::Id.eq(user_id))
        .exec(db)
        .await?;
    Ok(())
}

/// Staff: an account whose role lets it into the portal (the Owner role always does).
pub async fn is_staff<C: ConnectionTrait>(db: &C, user: &users::Model) -> AppResult<bool> {
    let Some(role_id) = user.role_id else {
        return Ok(false);
    };
    let Some(role) = roles::Entity::find_by_id(role_id).one(db).await? else {
        return Ok(false);
    };
    if role.name == OWNER_ROLE {
        return Ok(true);
    }
    Ok(role_permission_slugs(db, role_id)
        .await?
        .iter()
        .any(|s| s == Permission::PortalAccess.slug()))
}

/// The permission slugs granted to a role, in catalogue order.
pub async fn role_permission_slugs<C: ConnectionTrait>(db: &C, role_id: Uuid) -> AppResult<Vec<String>> {
    let set: BTreeSet<Permission> = role_permissions::Entity::find()
        .filter(role_permissions::Column::RoleId.eq(role_id))
        .find_also_related(permissions::Entity)
        .all(db)
        .await?
        .into_iter()
        .filter_map(|(_, p)| p.and_then(|p| Permission::from_slug(&p.slug)))
        .collect();
    Ok(set.iter().map(|p| p.slug().to_owned()).collect())
}

/// Permission sets by role, each valid while the role's `permissions_version` is unchanged. Every
/// grant change bumps the version in the same transaction, so a hit is never stale, also across
/// instances: a request costs one query (user joined with role) instead of three.
#[derive(Clone, Default)]
pub struct PermissionCache(Arc<RwLock<HashMap<Uuid, VersionedGrants>>>);

/// A role's permission set and the `permissions_version` it was read at.
type VersionedGrants = (i64, Arc<BTreeSet<Permission>>);

impl PermissionCache {
    fn get(&self, role: &roles::Model) -> Option<Arc<BTreeSet<Permission>>> {
        let map = self.0.read().unwrap_or_else(|poisoned| poisoned.into_inner());
        map.get(&role.id)
            .filter(|(version, _)| *version == role.permissions_version)
            .map(|(_, set)| set.clone())
    }

    fn put(&self, role: &roles::Model, set: Arc<BTreeSet<Permission>>) {
        let mut map = self.0.write().unwrap_or_else(|poisoned| poisoned.into_inner());
        map.insert(role.id, (role.permissions_version, set));
    }
}

/// The user with its role and permissions, or `None` when the user no longer exists.
pub async fn load_principal<C: ConnectionTrait>(
    db: &C,
    cache: &PermissionCache,
    user_id: Uuid,
) -> AppResult<Option<Principal>> {
    let Some((user, role)) = users::Entity::find_by_id(user_id)
        .find_also_related(roles::Entity)
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    let permissions = match &role {
        // Owner holds every permission, whatever is stored.
        Some(r) if r.name == OWNER_ROLE => Arc::new(Permission::ALL.iter().copied().collect()),
        Some(r) => match cache.get(r) {
            Some(set) => set,
            None => {
                let set: Arc<BTreeSet<Permission>> = Arc::new(
                    role_permissions::Entity::find()
                        .filter(role_permissions::Column::RoleId.eq(r.id))
                        .find_also_related(permissions::Entity)
                        .all(db)
                        .await?
                        .into_iter()
                        .filter_map(|(_, p)| p.and_then(|p| Permission::from_slug(&p.slug)))
                        .collect(),
                );
                cache.put(r, set.clone());
                set
            }
        },
        None => Arc::new(BTreeSet::new()),
    };
    Ok(Some(Principal {
        user,
        role,
        permissions,
        token_id: None,
        sign_in_id: None,
    }))
}

/// Ends every sign-in of the account: refresh tokens are revoked, and access tokens and portal
/// sessions from before now stop working (`credentials_changed_at`), except the access token
/// `keep` (the one that asked for a password change). For password changes and resets, and
/// deactivation.
pub async fn end_all_sign_ins<C: ConnectionTrait>(
    db: &C,
    user_id: Uuid,
    keep: Option<Uuid>,
) -> AppResult<()> {
    use sea_orm::sea_query::Expr;
    super::tokens::revoke_all_for_user(db, user_id).await?;
    users::Entity::update_many()
        .col_expr(users::Column::CredentialsChangedAt, Expr::value(Utc::now()))
        .col_expr(users::Column::CredentialsChangedByToken, Expr::value(keep))
        .filter(users::Column::Id.eq(user_id))
        .exec(db)
        .await?;
    Ok(())
}

/// Whether a sign-in made at `signed_in_at` (unix seconds), with access token `token_id` if any,
/// was ended by the account's last credential change. Seconds, as in a JWT's `iat`: a sign-in in
/// the same second as the change stays valid.
pub fn signed_in_before_change(user: &users::Model, signed_in_at: i64, token_id: Option<Uuid>) -> bool {
    let kept = token_id.is_some() && token_id == user.credentials_changed_by_token;
    !kept
        && user
            .credentials_changed_at
            .is_some_and(|changed| signed_in_at < changed.timestamp())
}

/// The one place a password is replaced: sets the hash, lifts any lockout, clears the
/// must-change flag, optionally marks the email verified (an invitation link proves it), and ends
/// every sign-in of the account (`end_all_sign_ins`). Audited as `action`.
pub async fn store_new_password<C: ConnectionTrait>(
    db: &C,
    secret: &crate::server::config::Secret,
    user: users::Model,
    hash: String,
    verify_email: bool,
    action: &str,
    keep_token: Option<Uuid>,
) -> AppResult<()> {
    let user_id = user.id;
    if let Ok(email) = Email::parse(&user.email) {
        super::throttle::clear(db, secret, &email).await?;
    }
    let mut active: users::ActiveModel = user.into();
    active.password_hash = Set(Some(hash));
    active.failed_login_attempts = Set(0);
    active.lockout_until = Set(None);
    active.must_change_password = Set(false);
    if verify_email {
        active.email_verified = Set(true);
    }
    active.updated_at = Set(Utc::now());
    active.update(db).await?;
    end_all_sign_ins(db, user_id, keep_token).await?;
    crate::server::audit::record(
        db,
        crate::server::audit::Entry::new(action)
            .actor(user_id)
            .target("user", user_id.to_string()),
    )
    .await?;
    Ok(())
}

/// Before changing the role of, deactivating or deleting `target`, who holds `role`: only an Owner
/// acts on an Owner, and at least one active Owner stays (409 with `last_message`). An inactive
/// Owner can always go: the business keeps every active Owner it had. Other roles pass.
pub async fn guard_owner_change<C: ConnectionTrait>(
    db: &C,
    actor: &Principal,
    target: &users::Model,
    role: Option<&roles::Model>,
    last_message: &str,
) -> AppResult<()> {
    use sea_orm::QuerySelect;
    let Some(owner_role) = role.filter(|r| r.name == OWNER_ROLE) else {
        return Ok(());
    };
    if actor.role_name() != OWNER_ROLE {
        return Err(AppError::Forbidden {
            message: "Only an Owner can change another Owner's account.".into(),
            code: None,
        });
    }
    if !target.is_active {
        return Ok(());
    }
    // The active Owners' rows stay locked until the caller's transaction ends, so two Owners
    // removing each other at once cannot both pass (Postgres; SQLite runs one writer at a time).
    let owners = users::Entity::find()
        .filter(users::Column::RoleId.eq(owner_role.id))
        .filter(users::Column::IsActive.eq(true))
        .select_only()
        .column(users::Column::Id)
        .lock_exclusive()
        .into_tuple::<Uuid>()
        .all(db)
        .await?;
    if owners.iter().all(|id| *id == target.id) {
        return Err(AppError::Conflict(last_message.to_owned()));
    }
    Ok(())
}

/// The Guest role as a guest session shows it (its grants are read like any role's).
pub async fn guest_role_info<C: ConnectionTrait>(db: &C) -> AppResult<RoleInfo> {
    use crate::shared::permissions::GUEST_ROLE;
    let role = roles::Entity::find()
        .filter(roles::Column::Name.eq(GUEST_ROLE))
        .one(db)
        .await?;
    let permissions = match &role {
        Some(r) => role_permission_slugs(db, r.id).await?,
        None => Vec::new(),
    };
    Ok(RoleInfo {
        id: role.map(|r| r.id),
        name: GUEST_ROLE.to_owned(),
        permissions,
    })
}
