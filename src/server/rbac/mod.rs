//! Roles and permissions.

pub mod catalogue;
