pub mod categories;
pub mod not_found;
