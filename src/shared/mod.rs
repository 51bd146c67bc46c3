//! Types compiled for both the server (`ssr`) and the browser (`hydrate`), so the portal, its server
//! functions and the JSON API agree by construction.

pub mod appointments;
pub mod audit;
pub mod auth;
pub mod blogs;
pub mod booking;
pub mod calendar;
pub mod catalog;
pub mod courses;
pub mod dashboard;
pub mod errors;
pub mod favorites;
pub mod identity;
pub mod media;
pub mod notifications;
pub mod offers;
pub mod paging;
pub mod payments;
pub mod permissions;
pub mod profile;
pub mod reports;
pub mod reviews;
pub mod roles;
pub mod schedule;
pub mod settings;
pub mod support;
pub mod text;
pub mod theme;
