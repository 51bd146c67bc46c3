//! Payments (contract §2.6):
//! - `payments`: the ledger, one row per attempt with a provider (stripe | jazzcash), its reference
//!   there (unique per provider), the amount and currency in minor units as the server priced
//!   them, what was refunded, a status (pending → succeeded | failed; then partly_refunded,
//!   refunded or refund_due), the bookings it
//!   pays (`lines`, JSON, as asked) and the refund's reference when there is one;
//! - `payment_events`: each provider event handled once (`provider`, `event_id` is the key), so a
//!   replayed webhook changes nothing;
//! - `appointments.payment_id`: the payment a reservation waits for.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Payments::Table)
                    .if_not_exists()
                    .col(pk_uuid(Payments::Id))
                    .col(string_len(Payments::Provider, 16))
                    .col(string_len(Payments::ProviderRef, 255))
                    .col(uuid_null(Payments::UserId))
                    .col(big_integer(Payments::AmountMinor))
                    .col(big_integer(Payments::RefundedMinor).default(0))
                    .col(string_len(Payments::Currency, 3))
                    .col(string_len(Payments::Status, 16))
                    .col(text(Payments::Lines))
                    .col(text_null(Payments::Failure))
                    .col(string_len_null(Payments::RefundRef, 255))
                    .col(timestamp_with_time_zone(Payments::CreatedAt))
                    .col(timestamp_with_time_zone(Payments::UpdatedAt))
                    .col(timestamp_with_time_zone_null(Payments::SettledAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .if_not_exists()
                    .name("idx_payments_provider_ref")
                    .table(Payments::Table)
                    .col(Payments::Provider)
                    .col(Payments::ProviderRef)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .if_not_exists()
                    .name("idx_payments_settled")
                    .table(Payments::Table)
                    .col(Payments::Status)
                    .col(Payments::SettledAt)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(PaymentEvents::Table)
                    .if_not_exists()
                    .col(string_len(PaymentEvents::Provider, 16))
                    .col(string_len(PaymentEvents::EventId, 255))
                    .col(timestamp_with_time_zone(PaymentEvents::ReceivedAt))
                    .primary_key(
                        Index::create()
                            .col(PaymentEvents::Provider)
                            .col(PaymentEvents::EventId),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Appointments::Table)
                    .add_column_if_not_exists(uuid_null(Appointments::PaymentId))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .if_not_exists()
                    .name("idx_appointments_payment")
                    .table(Appointments::Table)
                    .col(Appointments::PaymentId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .if_exists()
                    .name("idx_appointments_payment")
                    .table(Appointments::Table)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Appointments::Table)
                    .drop_column(Appointments::PaymentId)
                    .to_owned(),
            )
            .await?;
        for table in [PaymentEvents::Table.into_iden(), Payments::Table.into_iden()] {
            manager
                .drop_table(Table::drop().table(table).if_exists().to_owned())
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum Payments {
    Table,
    Id,
    Provider,
    ProviderRef,
    UserId,
    AmountMinor,
    RefundedMinor,
    Currency,
    Status,
    Lines,
    Failure,
    RefundRef,
    CreatedAt,
    UpdatedAt,
    SettledAt,
}

#[derive(DeriveIden)]
enum PaymentEvents {
    Table,
    Provider,
    EventId,
    ReceivedAt,
}

#[derive(DeriveIden)]
enum Appointments {
    Table,
    PaymentId,
}
