//! Offers (contract §2.4 and §6):
//! - `offers`: a discount (a percentage in basis points, or an amount in minor units), what it
//!   applies to (`all | all_services | all_courses | service | course`, with the service or course
//!   it names), the days it runs (the business's local dates, both included), an active flag and an
//!   optional usage limit whose count is claimed by a conditional update inside the booking's
//!   transaction; the CHECK is the last line of defence;
//! - `appointments.offer_id` and `appointments.discount_minor`: the offer a booking used and what
//!   it took off (`price_minor` stays the price charged).

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Offers::Table)
                    .if_not_exists()
                    .col(pk_uuid(Offers::Id))
                    .col(string_len(Offers::Title, 255))
                    .col(text_null(Offers::Description))
                    .col(string_len_null(Offers::ImageUrl, 2048))
                    .col(integer_null(Offers::DiscountBasisPoints))
                    .col(big_integer_null(Offers::DiscountAmountMinor))
                    .col(string_len(Offers::ApplyTo, 20).default("all"))
                    .col(uuid_null(Offers::ServiceId))
                    .col(uuid_null(Offers::CourseId))
                    .col(date(Offers::StartsOn))
                    .col(date(Offers::EndsOn))
                    .col(boolean(Offers::IsActive).default(true))
                    .col(integer_null(Offers::UsageLimit))
                    .col(integer(Offers::UsedCount).default(0))
                    .col(timestamp_with_time_zone(Offers::CreatedAt))
                    .col(timestamp_with_time_zone(Offers::UpdatedAt))
                    .check(Expr::cust(
                        "used_count >= 0 AND (usage_limit IS NULL OR used_count <= usage_limit)",
                    ))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Offers::Table, Offers::ServiceId)
                            .to(Services::Table, Services::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .if_not_exists()
                    .name("idx_offers_current")
                    .table(Offers::Table)
                    .col(Offers::IsActive)
                    .col(Offers::EndsOn)
                    .to_owned(),
            )
            .await?;
        // One column per statement: SQLite's ALTER TABLE adds one at a time.
        for column in [
            uuid_null(Appointments::OfferId),
            big_integer(Appointments::DiscountMinor).default(0).to_owned(),
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Appointments::Table)
                        .add_column_if_not_exists(column)
                        .to_owned(),
                )
                .await?;
        }
        manager
            .create_index(
                Index::create()
                    .if_not_exists()
                    .name("idx_appointments_offer")
                    .table(Appointments::Table)
                    .col(Appointments::OfferId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .if_exists()
                    .name("idx_appointments_offer")
                    .table(Appointments::Table)
                    .to_owned(),
            )
            .await?;
        for column in [Appointments::OfferId, Appointments::DiscountMinor] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Appointments::Table)
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        manager
            .drop_table(Table::drop().table(Offers::Table).if_exists().to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum Offers {
    Table,
    Id,
    Title,
    Description,
    ImageUrl,
    DiscountBasisPoints,
    DiscountAmountMinor,
    ApplyTo,
    ServiceId,
    CourseId,
    StartsOn,
    EndsOn,
    IsActive,
    UsageLimit,
    UsedCount,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Services {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Appointments {
    Table,
    OfferId,
    DiscountMinor,
}
