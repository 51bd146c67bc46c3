//! The booking schema: services, experts and what they offer, business settings, working hours,
//! time off and closures, and appointments, which the database itself keeps from overlapping.
//!
//! No double booking is a property of the data, not of the code that writes it:
//! - Postgres: an exclusion constraint over (expert, [starts_at, ends_at)) for every appointment
//!   that is not cancelled (btree_gist supplies `=` on uuid inside a GiST index).
//! - SQLite: triggers that abort an insert or update overlapping such an appointment. SQLite runs
//!   one writer at a time, so the check and the write cannot interleave with another booking.
//!
//! Instants are stored in UTC. On SQLite they are text in one fixed format (sea-orm's), so the
//! triggers' comparisons order them correctly.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// The name both backends use, so the service layer recognises a conflict by it.
pub const OVERLAP: &str = "appointments_no_overlap";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Services::Table)
                    .if_not_exists()
                    .col(pk_uuid(Services::Id))
                    .col(uuid(Services::CategoryId))
                    .col(string_len(Services::Name, 255))
                    .col(text_null(Services::Description))
                    // Money in minor units (cents, paisa): exact, unlike a float.
                    .col(big_integer(Services::PriceMinor))
                    .col(integer(Services::DurationMinutes))
                    .col(text_null(Services::ImageUrl))
                    // A JSON array of strings.
                    .col(text(Services::Tags).default("[]"))
                    .col(boolean(Services::IsActive).default(true))
                    .col(timestamp_with_time_zone(Services::CreatedAt))
                    .col(timestamp_with_time_zone(Services::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_services_category")
                            .from(Services::Table, Services::CategoryId)
                            .to(ServiceCategories::Table, ServiceCategories::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "idx_services_category",
            Services::Table,
            &[Services::CategoryId],
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(Experts::Table)
                    .if_not_exists()
                    .col(pk_uuid(Experts::Id))
                    // Staff who sign in see their own schedule through this link.
                    .col(uuid_null(Experts::UserId).unique_key())
                    .col(string_len(Experts::Name, 255))
                    .col(string_len_null(Experts::Email, 255))
                    .col(string_len_null(Experts::Phone, 32))
                    .col(string_len_null(Experts::Specialty, 255))
                    .col(text_null(Experts::Bio))
                    .col(text_null(Experts::ImageUrl))
                    // Hundredths of a star (0..=500), exact.
                    .col(integer(Experts::RatingCentis).default(0))
                    .col(integer(Experts::TotalReviews).default(0))
                    .col(boolean(Experts::IsActive).default(true))
                    .col(timestamp_with_time_zone(Experts::CreatedAt))
                    .col(timestamp_with_time_zone(Experts::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_experts_user")
                            .from(Experts::Table, Experts::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::SetNull),
                    )
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(ExpertServices::Table)
                    .if_not_exists()
                    .col(uuid(ExpertServices::ExpertId))
                    .col(uuid(ExpertServices::ServiceId))
                    .primary_key(
                        Index::create()
                            .col(ExpertServices::ExpertId)
                            .col(ExpertServices::ServiceId),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_expert_services_expert")
                            .from(ExpertServices::Table, ExpertServices::ExpertId)
                            .to(Experts::Table, Experts::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_expert_services_service")
                            .from(ExpertServices::Table, ExpertServices::ServiceId)
                            .to(Services::Table, Services::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "idx_expert_services_service",
            ExpertServices::Table,
            &[ExpertServices::ServiceId],
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(BusinessSettings::Table)
                    .if_not_exists()
                    // One row, id 1.
                    .col(integer(BusinessSettings::Id).primary_key())
                    .col(string_len(BusinessSettings::BusinessName, 255))
                    .col(string_len(BusinessSettings::Timezone, 64))
                    .col(integer(BusinessSettings::SlotStepMinutes).default(15))
                    .col(integer(BusinessSettings::MinNoticeMinutes).default(0))
                    .col(integer(BusinessSettings::BookingWindowDays).default(60))
                    .col(integer(BusinessSettings::ReservationHoldMinutes).default(240))
                    .col(timestamp_with_time_zone(BusinessSettings::UpdatedAt))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(WorkingHours::Table)
                    .if_not_exists()
                    .col(pk_uuid(WorkingHours::Id))
                    .col(uuid(WorkingHours::ExpertId))
                    // 0 = Monday … 6 = Sunday.
                    .col(small_integer(WorkingHours::Weekday))
                    // Minutes from midnight, wall clock: [start, end).
                    .col(integer(WorkingHours::StartMinute))
                    .col(integer(WorkingHours::EndMinute))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_working_hours_expert")
                            .from(WorkingHours::Table, WorkingHours::ExpertId)
                            .to(Experts::Table, Experts::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "idx_working_hours_expert",
            WorkingHours::Table,
            &[WorkingHours::ExpertId],
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(TimeOff::Table)
                    .if_not_exists()
                    .col(pk_uuid(TimeOff::Id))
                    // NULL: a closure of the whole business (a holiday).
                    .col(uuid_null(TimeOff::ExpertId))
                    .col(timestamp_with_time_zone(TimeOff::StartsAt))
                    .col(timestamp_with_time_zone(TimeOff::EndsAt))
                    .col(string_len_null(TimeOff::Reason, 255))
                    .col(timestamp_with_time_zone(TimeOff::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_time_off_expert")
                            .from(TimeOff::Table, TimeOff::ExpertId)
                            .to(Experts::Table, Experts::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "idx_time_off_expert_start",
            TimeOff::Table,
            &[TimeOff::ExpertId, TimeOff::StartsAt],
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(Appointments::Table)
                    .if_not_exists()
                    .col(pk_uuid(Appointments::Id))
                    .col(uuid_null(Appointments::UserId))
                    .col(uuid(Appointments::ServiceId))
                    .col(uuid(Appointments::ExpertId))
                    .col(string_len(Appointments::CustomerName, 255))
                    .col(string_len(Appointments::CustomerPhone, 32))
                    .col(string_len_null(Appointments::CustomerEmail, 255))
                    .col(timestamp_with_time_zone(Appointments::StartsAt))
                    .col(timestamp_with_time_zone(Appointments::EndsAt))
                    .col(string_len(Appointments::Status, 16))
                    .col(string_len(Appointments::PaymentStatus, 16))
                    .col(string_len_null(Appointments::PaymentMethod, 16))
                    .col(big_integer(Appointments::PriceMinor))
                    .col(text_null(Appointments::Notes))
                    .col(timestamp_with_time_zone_null(Appointments::ExpiresAt))
                    .col(timestamp_with_time_zone_null(Appointments::PaidAt))
                    .col(timestamp_with_time_zone_null(Appointments::CancelledAt))
                    .col(text_null(Appointments::CancelReason))
                    .col(uuid_null(Appointments::CreatedBy))
                    .col(timestamp_with_time_zone(Appointments::CreatedAt))
                    .col(timestamp_with_time_zone(Appointments::UpdatedAt))
                    .check(Expr::col(Appointments::EndsAt).gt(Expr::col(Appointments::StartsAt)))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_appointments_user")
                            .from(Appointments::Table, Appointments::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::SetNull),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_appointments_service")
                            .from(Appointments::Table, Appointments::ServiceId)
                            .to(Services::Table, Services::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_appointments_expert")
                            .from(Appointments::Table, Appointments::ExpertId)
                            .to(Experts::Table, Experts::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "idx_appointments_expert_start",
            Appointments::Table,
            &[Appointments::ExpertId, Appointments::StartsAt],
        )
        .await?;
        index(
            manager,
            "idx_appointments_user",
            Appointments::Table,
            &[Appointments::UserId],
        )
        .await?;
        index(
            manager,
            "idx_appointments_status_expires",
            Appointments::Table,
            &[Appointments::Status, Appointments::ExpiresAt],
        )
        .await?;

        let db = manager.get_connection();
        match manager.get_database_backend() {
            sea_orm::DatabaseBackend::Postgres => {
                db.execute_unprepared("CREATE EXTENSION IF NOT EXISTS btree_gist")
                    .await?;
                db.execute_unprepared(&format!(
                    "ALTER TABLE appointments ADD CONSTRAINT {OVERLAP} EXCLUDE USING gist \
                     (expert_id WITH =, tstzrange(starts_at, ends_at, '[)') WITH &&) \
                     WHERE (status <> 'cancelled')"
                ))
                .await?;
            }
            sea_orm::DatabaseBackend::Sqlite => {
                let overlap = "EXISTS (SELECT 1 FROM appointments a WHERE a.expert_id = NEW.expert_id \
                               AND a.status <> 'cancelled' AND a.id <> NEW.id \
                               AND a.starts_at < NEW.ends_at AND NEW.starts_at < a.ends_at)";
                for (event, name) in [("INSERT", "insert"), ("UPDATE", "update")] {
                    db.execute_unprepared(&format!(
                        "CREATE TRIGGER IF NOT EXISTS {OVERLAP}_{name} BEFORE {event} ON appointments \
                         WHEN NEW.status <> 'cancelled' AND {overlap} \
                         BEGIN SELECT RAISE(ABORT, '{OVERLAP}'); END"
                    ))
                    .await?;
                }
            }
            _ => {}
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            Appointments::Table.into_iden(),
            TimeOff::Table.into_iden(),
            WorkingHours::Table.into_iden(),
            BusinessSettings::Table.into_iden(),
            ExpertServices::Table.into_iden(),
            Experts::Table.into_iden(),
            Services::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).if_exists().to_owned())
                .await?;
        }
        Ok(())
    }
}

async fn index<T: IntoIden + Copy + 'static, C: IntoIden + Copy + 'static>(
    manager: &SchemaManager<'_>,
    name: &str,
    table: T,
    cols: &[C],
) -> Result<(), DbErr> {
    let mut index = Index::create();
    index.if_not_exists().name(name).table(table);
    for col in cols {
        index.col(*col);
    }
    manager.create_index(index.to_owned()).await
}

#[derive(DeriveIden, Clone, Copy)]
enum Services {
    Table,
    Id,
    CategoryId,
    Name,
    Description,
    PriceMinor,
    DurationMinutes,
    ImageUrl,
    Tags,
    IsActive,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum Experts {
    Table,
    Id,
    UserId,
    Name,
    Email,
    Phone,
    Specialty,
    Bio,
    ImageUrl,
    RatingCentis,
    TotalReviews,
    IsActive,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum ExpertServices {
    Table,
    ExpertId,
    ServiceId,
}

#[derive(DeriveIden, Clone, Copy)]
enum BusinessSettings {
    Table,
    Id,
    BusinessName,
    Timezone,
    SlotStepMinutes,
    MinNoticeMinutes,
    BookingWindowDays,
    ReservationHoldMinutes,
    UpdatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum WorkingHours {
    Table,
    Id,
    ExpertId,
    Weekday,
    StartMinute,
    EndMinute,
}

#[derive(DeriveIden, Clone, Copy)]
enum TimeOff {
    Table,
    Id,
    ExpertId,
    StartsAt,
    EndsAt,
    Reason,
    CreatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum Appointments {
    Table,
    Id,
    UserId,
    ServiceId,
    ExpertId,
    CustomerName,
    CustomerPhone,
    CustomerEmail,
    StartsAt,
    EndsAt,
    Status,
    PaymentStatus,
    PaymentMethod,
    PriceMinor,
    Notes,
    ExpiresAt,
    PaidAt,
    CancelledAt,
    CancelReason,
    CreatedBy,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum ServiceCategories {
    Table,
    Id,
}

#[derive(DeriveIden, Clone, Copy)]
enum Users {
    Table,
    Id,
}
