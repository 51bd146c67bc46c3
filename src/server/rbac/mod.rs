//! Roles and permissions.

pub mod catalogue;
pub mod roles;
