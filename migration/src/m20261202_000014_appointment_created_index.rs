//! Indexes for the dashboard's "latest" lists, which sort newest first with the id as tie-break:
//! - appointments by `(created_at, id)`: the ten latest bookings are read from the index's end,
//!   with no sort. `idx_appointments_created_at` (`created_at` alone, from
//!   `m20261202_000008_sign_in_guards`) still sorted every row sharing a `created_at` by id, and
//!   the new index serves whatever it served, so it goes;
//! - payments by `(created_at, id)`: the five latest settled payments, the same way.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden, Clone, Copy)]
enum Appointments {
    Table,
    Id,
    CreatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum Payments {
    Table,
    Id,
    CreatedAt,
}

const APPOINTMENTS_CREATED: &str = "idx_appointments_created";
const PAYMENTS_CREATED: &str = "idx_payments_created";
/// `m20261202_000008_sign_in_guards`'s index on `created_at` alone.
const SUPERSEDED: &str = "idx_appointments_created_at";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_index(
                Index::create()
                    .if_not_exists()
                    .name(APPOINTMENTS_CREATED)
                    .table(Appointments::Table)
                    .col(Appointments::CreatedAt)
                    .col(Appointments::Id)
                    .to_owned(),
            )
            .await?;
        manager
            .drop_index(
                Index::drop()
                    .if_exists()
                    .name(SUPERSEDED)
                    .table(Appointments::Table)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .if_not_exists()
                    .name(PAYMENTS_CREATED)
                    .table(Payments::Table)
                    .col(Payments::CreatedAt)
                    .col(Payments::Id)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_index(
                Index::create()
                    .if_not_exists()
                    .name(SUPERSEDED)
                    .table(Appointments::Table)
                    .col(Appointments::CreatedAt)
                    .to_owned(),
            )
            .await?;
        for (name, table) in [
            (APPOINTMENTS_CREATED, Appointments::Table.into_iden()),
            (PAYMENTS_CREATED, Payments::Table.into_iden()),
        ] {
            manager
                .drop_index(Index::drop().if_exists().name(name).table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
