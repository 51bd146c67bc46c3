//! Accounts, credentials and tokens.

pub mod accounts;
pub mod bootstrap;
pub mod login;
pub mod password;
pub mod tokens;
