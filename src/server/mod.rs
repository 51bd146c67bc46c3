//! Server-only code (`ssr`): configuration, wiring, the service layer and the `/api/v1` adapter.

pub mod api;
pub mod audit;
pub mod catalog;
pub mod cli;
pub mod config;
pub mod db;
pub mod entities;
pub mod error;
pub mod health;
pub mod identity;
pub mod notify;
pub mod portal;
pub mod rbac;
pub mod redis;
pub mod request_id;
pub mod sessions;
pub mod startup;
pub mod state;
pub mod telemetry;
