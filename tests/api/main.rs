//! Integration tests: one binary (each file under tests/ would link the whole server again).
//! Every test that touches data runs on SQLite and on Postgres.

mod helpers;

mod academy;
mod account;
mod admin;
mod auth;
mod binary;
mod booking;
mod catalog_cache;
mod categories;
mod demo;
mod fakes;
mod google;
mod guest;
mod health;
mod invitations;
mod live;
mod live_client;
mod mail;
mod media;
mod migrations;
mod moto;
mod notify;
mod offers;
mod oidc;
mod payments;
mod portal_admin;
mod portal_auth;
mod portal_media;
mod portal_pages;
mod portal_staff;
mod portal_users;
mod rate_limit;
mod registration;
mod reports;
mod reviews;
mod security;
mod sessions;
mod sign_ins;
mod startup;
mod support;
