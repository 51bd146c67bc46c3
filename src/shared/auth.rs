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
    /// The account's password was generated (the first-run Owner): the portal shows nothing but
    /// the change-password form until it is changed.
    #[serde(default)]
    pub must_change_password: bool,
}

impl PortalUser {
    /// The same slugs the server checks; the portal uses this only to decide what to show.
    pub fn can(&self, permission: super::permissions::Permission) -> bool {
        self.permissions.iter().any(|s| s == permission.slug())
    }

    pub fn can_any(&self, permissions: &[super::permissions::Permission]) -> bool {
        permissions.iter().any(|p| self.can(*p))
    }
}

/// Why a redirect sign-in (Google) came back to the login page, as `/login?error=<code>`. One list,
/// so the server's codes and the page's messages cannot drift apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignInProblem {
    GoogleUnavailable,
    GoogleCancelled,
    GoogleExpired,
    GoogleFailed,
    EmailUnverified,
    AccountDisabled,
    PortalForbidden,
}

impl SignInProblem {
    const ALL: [Self; 7] = [
        Self::GoogleUnavailable,
        Self::GoogleCancelled,
        Self::GoogleExpired,
        Self::GoogleFailed,
        Self::EmailUnverified,
        Self::AccountDisabled,
        Self::PortalForbidden,
    ];

    pub const fn code(self) -> &'static str {
        match self {
            Self::GoogleUnavailable => "google_unavailable",
            Self::GoogleCancelled => "google_cancelled",
            Self::GoogleExpired => "google_expired",
            Self::GoogleFailed => "google_failed",
            Self::EmailUnverified => "email_unverified",
            Self::AccountDisabled => "account_disabled",
            Self::PortalForbidden => "portal_forbidden",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.code() == code)
    }

    pub const fn message(self) -> &'static str {
        match self {
            Self::GoogleUnavailable => {
                "Google sign-in is not available right now. Please use your email and password."
            }
            Self::GoogleCancelled => "Google sign-in was cancelled.",
            Self::GoogleExpired => "The Google sign-in took too long or was already used. Please try again.",
            Self::GoogleFailed => "Google sign-in failed. Please try again.",
            Self::EmailUnverified => {
                "Your Google email address is not verified. Verify it with Google, then try again."
            }
            Self::AccountDisabled => "This account has been deactivated.",
            Self::PortalForbidden => "This account cannot use the admin portal. Please use the mobile app.",
        }
    }
}

/// What the sign-in page offers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignInOptions {
    pub google: bool,
}

/// Where a sign-in lands when it was not sent from a page (`/` picks the role's first page).
pub const START_PAGE: &str = "/";

/// Where to go after sign-in: a local path only, else the start page. Browsers drop tabs and
/// newlines inside URLs and read `\\` as `/`, so `/\t/evil.example` would become `//evil.example`:
/// any whitespace, control character or backslash disqualifies the path.
pub fn safe_next(next: Option<&str>) -> String {
    match next.map(str::trim) {
        Some(n)
            if n.starts_with('/')
                && !n.starts_with("//")
                && !n.contains("://")
                && !n
                    .chars()
                    .any(|c| c == '\\' || c.is_whitespace() || c.is_control()) =>
        {
            n.to_owned()
        }
        _ => START_PAGE.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::SignInProblem;

    #[test]
    fn every_sign_in_problem_code_round_trips() {
        for p in SignInProblem::ALL {
            assert_eq!(SignInProblem::from_code(p.code()), Some(p));
        }
        assert_eq!(SignInProblem::from_code("<script>"), None);
    }
}
