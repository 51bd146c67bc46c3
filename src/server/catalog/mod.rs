//! Service categories (and, later, services).

pub mod categories;
pub mod demo;
