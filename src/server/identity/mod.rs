//! Accounts, credentials and tokens.

pub mod access;
pub mod accounts;
pub mod bootstrap;
pub mod codes;
pub mod directory;
pub mod google;
pub mod invitations;
pub mod login;
pub mod oidc;
pub mod password;
pub mod profile;
pub mod recovery;
pub mod registration;
pub mod throttle;
pub mod tokens;
