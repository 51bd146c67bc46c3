//! The catalog: service categories, services and the experts who perform them.

pub mod cache;
pub mod categories;
pub mod demo;
pub mod experts;
pub mod offers;
pub mod services;
