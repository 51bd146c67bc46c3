//! Types compiled for both the server (`ssr`) and the browser (`hydrate`), so the portal, its server
//! functions and the JSON API agree by construction.

pub mod appointments;
pub mod audit;
pub mod auth;
pub mod booking;
pub mod calendar;
pub mod catalog;
pub mod dashboard;
pub mod errors;
pub mod identity;
pub mod media;
pub mod notifications;
pub mod offers;
pub mod paging;
pub mod payments;
pub mod permissions;
pub mod profile;
pub mod roles;
pub mod schedule;
pub mod settings;
pub mod text;
pub mod theme;
