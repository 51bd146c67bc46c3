//! Accounts and credentials.

pub mod bootstrap;
pub mod password;
