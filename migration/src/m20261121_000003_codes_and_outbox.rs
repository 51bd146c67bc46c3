//! Sign-up waiting for its emailed code, one-time codes, and the outbox that delivers messages.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(PendingRegistrations::Table)
                    .if_not_exists()
                    .col(pk_uuid(PendingRegistrations::Id))
                    .col(string_len_uniq(PendingRegistrations::Email, 255))
                    .col(string_len(PendingRegistrations::Name, 255))
                    .col(text(PendingRegistrations::PasswordHash))
                    .col(string_len_null(PendingRegistrations::Phone, 20))
                    .col(text_null(PendingRegistrations::Address))
                    .col(string_len_null(PendingRegistrations::Gender, 20))
                    .col(timestamp_with_time_zone(PendingRegistrations::CreatedAt))
                    .col(timestamp_with_time_zone(PendingRegistrations::UpdatedAt))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(OneTimeCodes::Table)
                    .if_not_exists()
                    .col(pk_uuid(OneTimeCodes::Id))
                    .col(string_len(OneTimeCodes::Purpose, 32))
                    .col(string_len(OneTimeCodes::Email, 255))
                    // Keyed SHA-256 of the code, hex; the code itself is only ever in the email.
                    .col(string_len(OneTimeCodes::CodeHash, 64))
                    .col(timestamp_with_time_zone(OneTimeCodes::ExpiresAt))
                    .col(integer(OneTimeCodes::Attempts).default(0))
                    .col(timestamp_with_time_zone_null(OneTimeCodes::ConsumedAt))
                    .col(timestamp_with_time_zone(OneTimeCodes::CreatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .if_not_exists()
                    .name("idx_one_time_codes_email_purpose")
                    .table(OneTimeCodes::Table)
                    .col(OneTimeCodes::Email)
                    .col(OneTimeCodes::Purpose)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Outbox::Table)
                    .if_not_exists()
                    .col(pk_uuid(Outbox::Id))
                    .col(string_len(Outbox::Channel, 16))
                    .col(string_len(Outbox::Recipient, 255))
                    .col(text(Outbox::Subject))
                    .col(text(Outbox::BodyText))
                    .col(text_null(Outbox::BodyHtml))
                    .col(string_len(Outbox::Status, 16).default("pending"))
                    .col(integer(Outbox::Attempts).default(0))
                    .col(text_null(Outbox::LastError))
                    .col(timestamp_with_time_zone(Outbox::NextAttemptAt))
                    .col(timestamp_with_time_zone(Outbox::CreatedAt))
                    .col(timestamp_with_time_zone_null(Outbox::SentAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .if_not_exists()
                    .name("idx_outbox_due")
                    .table(Outbox::Table)
                    .col(Outbox::Status)
                    .col(Outbox::NextAttemptAt)
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            Outbox::Table.into_iden(),
            OneTimeCodes::Table.into_iden(),
            PendingRegistrations::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).if_exists().to_owned())
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum PendingRegistrations {
    Table,
    Id,
    Email,
    Name,
    PasswordHash,
    Phone,
    Address,
    Gender,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum OneTimeCodes {
    Table,
    Id,
    Purpose,
    Email,
    CodeHash,
    ExpiresAt,
    Attempts,
    ConsumedAt,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Outbox {
    Table,
    Id,
    Channel,
    Recipient,
    Subject,
    BodyText,
    BodyHtml,
    Status,
    Attempts,
    LastError,
    NextAttemptAt,
    CreatedAt,
    SentAt,
}
