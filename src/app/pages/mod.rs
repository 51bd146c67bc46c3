pub mod categories;
pub mod login;
pub mod not_found;
