//! What sign-in answers (contract §2.1): the user with role and permission slugs, and the tokens.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// A user's role as the mobile app reads it: `role.name` decides which app UI opens.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoleInfo {
    pub id: Option<Uuid>,
    pub name: String,
    pub permissions: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuthUser {
    pub id: Uuid,
    pub name: String,
    pub email: String,
    pub role: RoleInfo,
    #[serde(rename = "profileImage")]
    pub profile_image: Option<String>,
}

/// `data` of `POST /auth/login` and `POST /auth/refresh-token`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AuthSession {
    pub user: AuthUser,
    pub access_token: String,
    pub refresh_token: String,
}

/// The signed-in portal user, as the portal's UI needs it (menus are shown by the same permission
/// slugs the server checks).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PortalUser {
    pub id: Uuid,
    pub name: String,
    pub email: String,
    pub role: String,
    pub permissions: Vec<String>,
}
