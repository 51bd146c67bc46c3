//! Service categories (and, later, services).

pub mod categories;
