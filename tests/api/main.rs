//! Integration tests: one binary (each file under tests/ would link the whole server again).
//! Every test that touches data runs on SQLite and on Postgres.

mod helpers;

mod account;
mod admin;
mod auth;
mod binary;
mod categories;
mod guest;
mod health;
mod invitations;
mod mail;
mod migrations;
mod portal_auth;
mod registration;
mod sessions;
mod startup;
