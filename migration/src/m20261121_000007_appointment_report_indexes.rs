//! Indexes for the dashboard's figures, which read appointments across all experts:
//! - by start time (a period's bookings), where `idx_appointments_expert_start` serves one expert;
//! - paid rows by payment time with their price, so the revenue sums and the revenue per day read
//!   the index alone instead of every appointment.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden, Clone, Copy)]
enum Appointments {
    Table,
    StartsAt,
    PaymentStatus,
    PaidAt,
    PriceMinor,
}

const STARTS: &str = "idx_appointments_starts_at";
const PAID: &str = "idx_appointments_paid";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_index(
                Index::create()
                    .if_not_exists()
                    .name(STARTS)
                    .table(Appointments::Table)
                    .col(Appointments::StartsAt)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .if_not_exists()
                    .name(PAID)
                    .table(Appointments::Table)
                    .col(Appointments::PaymentStatus)
                    .col(Appointments::PaidAt)
                    .col(Appointments::PriceMinor)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for name in [STARTS, PAID] {
            manager
                .drop_index(
                    Index::drop()
                        .if_exists()
                        .name(name)
                        .table(Appointments::Table)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}
