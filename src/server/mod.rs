//! Server-only code (`ssr`): configuration, wiring, the service layer and the `/api/v1` adapter.

pub mod api;
pub mod audit;
pub mod booking;
pub mod catalog;
pub mod cli;
pub mod client_addr;
pub mod config;
pub mod db;
pub mod demo;
pub mod entities;
pub mod error;
pub mod export;
pub mod google_sign_in;
pub mod health;
pub mod identity;
pub mod notify;
pub mod portal;
pub mod rate_limit;
pub mod rbac;
pub mod redis;
pub mod request_id;
pub mod search;
pub mod sessions;
pub mod startup;
pub mod state;
pub mod telemetry;
