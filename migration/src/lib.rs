//! Pulse's schema, as portable sea-orm migrations (Postgres and SQLite).
//!
//! Rows that the application owns (the permission catalogue and default roles) are seeded by the
//! application after these run (`pulse migrate`, and at start-up), from the one list in
//! `src/shared/permissions.rs`, so a new permission needs no hand-written data migration.

pub use sea_orm_migration::prelude::*;

mod m20261121_000001_identity_and_catalog;
mod m20261121_000002_refresh_tokens;
mod m20261121_000003_codes_and_outbox;
mod m20261121_000004_oauth_accounts;
mod m20261121_000005_credential_epochs;
mod m20261121_000006_booking;
mod m20261121_000007_appointment_report_indexes;
mod m20261202_000008_sign_in_guards;
mod m20261202_000009_media_and_notifications;
mod m20261202_000010_offers;
mod m20261202_000011_payments;
mod m20261202_000012_academy_reviews_support;
mod m20261202_000013_catalog_version;
mod m20261202_000014_appointment_created_index;

/// The name of the database rule that keeps one expert's appointments from overlapping.
pub use m20261121_000006_booking::OVERLAP;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261121_000001_identity_and_catalog::Migration),
            Box::new(m20261121_000002_refresh_tokens::Migration),
            Box::new(m20261121_000003_codes_and_outbox::Migration),
            Box::new(m20261121_000004_oauth_accounts::Migration),
            Box::new(m20261121_000005_credential_epochs::Migration),
            Box::new(m20261121_000006_booking::Migration),
            Box::new(m20261121_000007_appointment_report_indexes::Migration),
            Box::new(m20261202_000008_sign_in_guards::Migration),
            Box::new(m20261202_000009_media_and_notifications::Migration),
            Box::new(m20261202_000010_offers::Migration),
            Box::new(m20261202_000011_payments::Migration),
            Box::new(m20261202_000012_academy_reviews_support::Migration),
            Box::new(m20261202_000013_catalog_version::Migration),
            Box::new(m20261202_000014_appointment_created_index::Migration),
        ]
    }
}
