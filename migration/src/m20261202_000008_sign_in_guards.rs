//! What the security review's sign-in fixes need:
//! - `sign_in_throttle`: wrong-password counts and locks, keyed by a keyed hash of the email, so an
//!   unknown email is limited (and answered) exactly like a real account, and a guess is claimed
//!   atomically before the password is checked;
//! - `ended_sign_ins`: sign-ins ended by `/auth/logout`, whose access tokens (claim `sid`) stop
//!   working at once;
//! - `pending_registrations.expires_at`: a waiting sign-up keeps its first password until then.
//! - the dashboard's "latest bookings" sort on `appointments.created_at`, now indexed.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(SignInThrottle::Table)
                    .if_not_exists()
                    .col(string_len(SignInThrottle::Key, 64).primary_key())
                    .col(integer(SignInThrottle::Failures).default(0))
                    // Guesses claimed and still being checked.
                    .col(integer(SignInThrottle::InFlight).default(0))
                    .col(timestamp_with_time_zone_null(SignInThrottle::LockoutUntil))
                    .col(timestamp_with_time_zone(SignInThrottle::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(EndedSignIns::Table)
                    .if_not_exists()
                    .col(pk_uuid(EndedSignIns::Sid))
                    .col(timestamp_with_time_zone(EndedSignIns::EndedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(PendingRegistrations::Table)
                    .add_column_if_not_exists(timestamp_with_time_zone_null(PendingRegistrations::ExpiresAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .if_not_exists()
                    .name(CREATED)
                    .table(Appointments::Table)
                    .col(Appointments::CreatedAt)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(Index::drop().name(CREATED).table(Appointments::Table).to_owned())
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(PendingRegistrations::Table)
                    .drop_column(PendingRegistrations::ExpiresAt)
                    .to_owned(),
            )
            .await?;
        manager
            .drop_table(Table::drop().table(EndedSignIns::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(SignInThrottle::Table).to_owned())
            .await
    }
}

const CREATED: &str = "idx_appointments_created_at";

#[derive(DeriveIden)]
enum SignInThrottle {
    Table,
    Key,
    Failures,
    InFlight,
    LockoutUntil,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum EndedSignIns {
    Table,
    Sid,
    EndedAt,
}

#[derive(DeriveIden)]
enum PendingRegistrations {
    Table,
    ExpiresAt,
}

#[derive(DeriveIden)]
enum Appointments {
    Table,
    CreatedAt,
}
