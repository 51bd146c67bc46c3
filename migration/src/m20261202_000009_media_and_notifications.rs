//! Images and notifications:
//! - `images`: every stored upload (content-addressed key), for the sweep that removes those
//!   nothing refers to any more;
//! - `gallery_images`: the business's gallery;
//! - `notifications`: each user's in-app inbox (`GET /notifications/my`);
//! - the outbox carries push and SMS as well as email: who it is for, what kind, and a payload;
//! - `appointment_reminders`: one row per reminder sent (appointment, how long before, for which
//!   start), whose primary key makes each reminder go exactly once;
//! - `business_settings.notifications`: the channel switches and message texts (JSON).

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Images::Table)
                    .if_not_exists()
                    .col(string_len(Images::Key, 200).primary_key())
                    .col(string_len(Images::Folder, 32))
                    .col(string_len(Images::ContentType, 64))
                    .col(integer(Images::Width))
                    .col(integer(Images::Height))
                    .col(uuid_null(Images::UploadedBy))
                    .col(timestamp_with_time_zone(Images::CreatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(GalleryImages::Table)
                    .if_not_exists()
                    .col(pk_uuid(GalleryImages::Id))
                    .col(string_len(GalleryImages::ImageUrl, 2048))
                    .col(string_len_null(GalleryImages::Caption, 300))
                    .col(integer(GalleryImages::DisplayOrder).default(0))
                    .col(boolean(GalleryImages::IsActive).default(true))
                    .col(timestamp_with_time_zone(GalleryImages::CreatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Notifications::Table)
                    .if_not_exists()
                    .col(pk_uuid(Notifications::Id))
                    .col(uuid(Notifications::UserId))
                    .col(string_len(Notifications::Title, 200))
                    .col(text(Notifications::Message))
                    .col(string_len(Notifications::Kind, 32))
                    .col(text_null(Notifications::Data))
                    .col(boolean(Notifications::IsRead).default(false))
                    .col(timestamp_with_time_zone(Notifications::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Notifications::Table, Notifications::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .if_not_exists()
                    .name("idx_notifications_user")
                    .table(Notifications::Table)
                    .col(Notifications::UserId)
                    .col(Notifications::CreatedAt)
                    .to_owned(),
            )
            .await?;
        // One column per statement: SQLite's ALTER TABLE adds one at a time.
        for column in [
            uuid_null(Outbox::UserId),
            string_len_null(Outbox::Kind, 32),
            text_null(Outbox::Payload),
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Outbox::Table)
                        .add_column_if_not_exists(column)
                        .to_owned(),
                )
                .await?;
        }
        manager
            .create_index(
                Index::create()
                    .if_not_exists()
                    .name("idx_outbox_created")
                    .table(Outbox::Table)
                    .col(Outbox::CreatedAt)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(AppointmentReminders::Table)
                    .if_not_exists()
                    .col(uuid(AppointmentReminders::AppointmentId))
                    .col(integer(AppointmentReminders::MinutesBefore))
                    .col(timestamp_with_time_zone(AppointmentReminders::StartsAt))
                    .col(timestamp_with_time_zone(AppointmentReminders::SentAt))
                    .primary_key(
                        Index::create()
                            .col(AppointmentReminders::AppointmentId)
                            .col(AppointmentReminders::MinutesBefore)
                            .col(AppointmentReminders::StartsAt),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(AppointmentReminders::Table, AppointmentReminders::AppointmentId)
                            .to(Appointments::Table, Appointments::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(BusinessSettings::Table)
                    .add_column_if_not_exists(text_null(BusinessSettings::Notifications))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(BusinessSettings::Table)
                    .drop_column(BusinessSettings::Notifications)
                    .to_owned(),
            )
            .await?;
        for table in [
            AppointmentReminders::Table.into_iden(),
            Notifications::Table.into_iden(),
            GalleryImages::Table.into_iden(),
            Images::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).if_exists().to_owned())
                .await?;
        }
        for column in [Outbox::UserId, Outbox::Kind, Outbox::Payload] {
            manager
                .alter_table(Table::alter().table(Outbox::Table).drop_column(column).to_owned())
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum Images {
    Table,
    Key,
    Folder,
    ContentType,
    Width,
    Height,
    UploadedBy,
    CreatedAt,
}

#[derive(DeriveIden)]
enum GalleryImages {
    Table,
    Id,
    ImageUrl,
    Caption,
    DisplayOrder,
    IsActive,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Notifications {
    Table,
    Id,
    UserId,
    Title,
    Message,
    Kind,
    Data,
    IsRead,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Outbox {
    Table,
    UserId,
    Kind,
    Payload,
    CreatedAt,
}

#[derive(DeriveIden)]
enum AppointmentReminders {
    Table,
    AppointmentId,
    MinutesBefore,
    StartsAt,
    SentAt,
}

#[derive(DeriveIden)]
enum Appointments {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum BusinessSettings {
    Table,
    Notifications,
}
