//! The app's other screens (contract §2.4, §2.7, §2.8, §2.10):
//! - `courses` and `course_applications` (an application may come from a guest, so `user_id` is
//!   optional; the price and discount are the server's, fixed when the applicant applied; one
//!   waiting application per account, or per phone number without one, and course);
//! - `reviews` (one per completed appointment, UNIQUE on it) and `course_reviews` (one per person
//!   and course); both can be hidden by staff with a reason, and hidden ones leave every public
//!   read and every average;
//! - `favorites` (UNIQUE per person, kind and item, so adding twice is one row);
//! - `blogs`, ordered by `display_order`;
//! - `support_tickets`, with a status and priority the CHECKs keep to the contract's values.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

fn created_updated(t: &mut TableCreateStatement) -> &mut TableCreateStatement {
    t.col(timestamp_with_time_zone(Alias::new("created_at")))
        .col(timestamp_with_time_zone(Alias::new("updated_at")))
}

fn fk(
    from_table: impl IntoIden,
    from: impl IntoIden,
    to_table: impl IntoIden,
    to: impl IntoIden,
    on_delete: ForeignKeyAction,
) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .from(from_table, from)
        .to(to_table, to)
        .on_delete(on_delete)
        .to_owned()
}

fn index(name: &str, table: impl IntoIden, cols: &[&str], unique: bool) -> IndexCreateStatement {
    let mut i = Index::create();
    i.if_not_exists().name(name).table(table);
    for c in cols {
        i.col(Alias::new(*c));
    }
    if unique {
        i.unique();
    }
    i.to_owned()
}

/// The hidden-by-staff columns reviews of both kinds carry.
fn moderation(t: &mut TableCreateStatement) -> &mut TableCreateStatement {
    t.col(timestamp_with_time_zone_null(Alias::new("hidden_at")))
        .col(string_len_null(Alias::new("hidden_reason"), 500))
        .col(uuid_null(Alias::new("hidden_by")))
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let mut courses = Table::create();
        courses
            .table(Courses::Table)
            .if_not_exists()
            .col(pk_uuid(Courses::Id))
            .col(string_len(Courses::Title, 255))
            .col(text_null(Courses::Description))
            .col(string_len_null(Courses::Duration, 100))
            .col(big_integer(Courses::PriceMinor))
            .col(string_len_null(Courses::ImageUrl, 2048))
            .col(boolean(Courses::IsActive).default(true))
            .check(Expr::cust("price_minor >= 0"));
        manager
            .create_table(created_updated(&mut courses).to_owned())
            .await?;

        let mut applications = Table::create();
        applications
            .table(CourseApplications::Table)
            .if_not_exists()
            .col(pk_uuid(CourseApplications::Id))
            .col(uuid(CourseApplications::CourseId))
            .col(uuid_null(CourseApplications::UserId))
            .col(string_len(CourseApplications::CustomerName, 100))
            .col(string_len_null(CourseApplications::CustomerEmail, 254))
            .col(string_len(CourseApplications::CustomerPhone, 20))
            .col(uuid_null(CourseApplications::OfferId))
            .col(big_integer(CourseApplications::PriceMinor))
            .col(big_integer(CourseApplications::DiscountMinor).default(0))
            .col(string_len(CourseApplications::Status, 20).default("pending"))
            .col(uuid_null(CourseApplications::DecidedBy))
            .col(timestamp_with_time_zone_null(CourseApplications::DecidedAt))
            .col(timestamp_with_time_zone(CourseApplications::AppliedAt))
            .col(timestamp_with_time_zone(CourseApplications::UpdatedAt))
            .check(Expr::cust("status IN ('pending', 'accepted', 'rejected')"))
            .foreign_key(&mut fk(
                CourseApplications::Table,
                CourseApplications::CourseId,
                Courses::Table,
                Courses::Id,
                ForeignKeyAction::Cascade,
            ))
            .foreign_key(&mut fk(
                CourseApplications::Table,
                CourseApplications::UserId,
                Users::Table,
                Users::Id,
                ForeignKeyAction::SetNull,
            ))
            .foreign_key(&mut fk(
                CourseApplications::Table,
                CourseApplications::OfferId,
                Offers::Table,
                Offers::Id,
                ForeignKeyAction::SetNull,
            ));
        manager.create_table(applications.to_owned()).await?;

        let mut reviews = Table::create();
        reviews
            .table(Reviews::Table)
            .if_not_exists()
            .col(pk_uuid(Reviews::Id))
            .col(uuid(Reviews::AppointmentId))
            .col(uuid(Reviews::UserId))
            .col(uuid(Reviews::ServiceId))
            .col(uuid_null(Reviews::ExpertId))
            .col(small_integer(Reviews::Rating))
            .col(text_null(Reviews::Comment))
            .check(Expr::cust("rating BETWEEN 1 AND 5"))
            .foreign_key(&mut fk(
                Reviews::Table,
                Reviews::AppointmentId,
                Appointments::Table,
                Appointments::Id,
                ForeignKeyAction::Cascade,
            ))
            .foreign_key(&mut fk(
                Reviews::Table,
                Reviews::UserId,
                Users::Table,
                Users::Id,
                ForeignKeyAction::Cascade,
            ));
        moderation(&mut reviews);
        manager
            .create_table(created_updated(&mut reviews).to_owned())
            .await?;

        let mut course_reviews = Table::create();
        course_reviews
            .table(CourseReviews::Table)
            .if_not_exists()
            .col(pk_uuid(CourseReviews::Id))
            .col(uuid(CourseReviews::CourseId))
            .col(uuid(CourseReviews::UserId))
            .col(small_integer(CourseReviews::Rating))
            .col(text_null(CourseReviews::Comment))
            .check(Expr::cust("rating BETWEEN 1 AND 5"))
            .foreign_key(&mut fk(
                CourseReviews::Table,
                CourseReviews::CourseId,
                Courses::Table,
                Courses::Id,
                ForeignKeyAction::Cascade,
            ))
            .foreign_key(&mut fk(
                CourseReviews::Table,
                CourseReviews::UserId,
                Users::Table,
                Users::Id,
                ForeignKeyAction::Cascade,
            ));
        moderation(&mut course_reviews);
        manager
            .create_table(created_updated(&mut course_reviews).to_owned())
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Favorites::Table)
                    .if_not_exists()
                    .col(pk_uuid(Favorites::Id))
                    .col(uuid(Favorites::UserId))
                    .col(string_len(Favorites::ItemType, 10))
                    .col(uuid(Favorites::ItemId))
                    .col(timestamp_with_time_zone(Favorites::CreatedAt))
                    .check(Expr::cust("item_type IN ('service', 'course')"))
                    .foreign_key(&mut fk(
                        Favorites::Table,
                        Favorites::UserId,
                        Users::Table,
                        Users::Id,
                        ForeignKeyAction::Cascade,
                    ))
                    .to_owned(),
            )
            .await?;

        let mut blogs = Table::create();
        blogs
            .table(Blogs::Table)
            .if_not_exists()
            .col(pk_uuid(Blogs::Id))
            .col(string_len(Blogs::Title, 255))
            .col(text(Blogs::Content))
            .col(string_len_null(Blogs::ImageUrl, 2048))
            .col(boolean(Blogs::IsActive).default(true))
            .col(integer(Blogs::DisplayOrder).default(0));
        manager
            .create_table(created_updated(&mut blogs).to_owned())
            .await?;

        let mut tickets = Table::create();
        tickets
            .table(SupportTickets::Table)
            .if_not_exists()
            .col(pk_uuid(SupportTickets::Id))
            .col(uuid_null(SupportTickets::UserId))
            .col(string_len(SupportTickets::CustomerName, 100))
            .col(string_len(SupportTickets::CustomerEmail, 254))
            .col(string_len_null(SupportTickets::CustomerPhone, 20))
            .col(string_len(SupportTickets::Subject, 200))
            .col(text(SupportTickets::Message))
            .col(string_len(SupportTickets::Status, 20).default("open"))
            .col(string_len(SupportTickets::Priority, 20).default("medium"))
            .col(uuid_null(SupportTickets::AssignedTo))
            .col(text_null(SupportTickets::Response))
            .col(uuid_null(SupportTickets::RespondedBy))
            .col(timestamp_with_time_zone_null(SupportTickets::RespondedAt))
            .col(timestamp_with_time_zone_null(SupportTickets::ResolvedAt))
            .check(Expr::cust(
                "status IN ('open', 'in_progress', 'resolved', 'closed') \
                 AND priority IN ('low', 'medium', 'high', 'urgent')",
            ))
            .foreign_key(&mut fk(
                SupportTickets::Table,
                SupportTickets::UserId,
                Users::Table,
                Users::Id,
                ForeignKeyAction::SetNull,
            ))
            .foreign_key(&mut fk(
                SupportTickets::Table,
                SupportTickets::AssignedTo,
                Users::Table,
                Users::Id,
                ForeignKeyAction::SetNull,
            ));
        manager
            .create_table(created_updated(&mut tickets).to_owned())
            .await?;

        for i in [
            index(
                "idx_courses_active",
                Courses::Table,
                &["is_active", "title"],
                false,
            ),
            index(
                "idx_course_applications_course",
                CourseApplications::Table,
                &["course_id", "applied_at"],
                false,
            ),
            index(
                "idx_course_applications_user",
                CourseApplications::Table,
                &["user_id", "course_id"],
                false,
            ),
            index(
                "uq_reviews_appointment",
                Reviews::Table,
                &["appointment_id"],
                true,
            ),
            index(
                "idx_reviews_service",
                Reviews::Table,
                &["service_id", "created_at"],
                false,
            ),
            index("idx_reviews_expert", Reviews::Table, &["expert_id"], false),
            index(
                "idx_reviews_user",
                Reviews::Table,
                &["user_id", "created_at"],
                false,
            ),
            index(
                "uq_course_reviews_user",
                CourseReviews::Table,
                &["course_id", "user_id"],
                true,
            ),
            index(
                "uq_favorites_item",
                Favorites::Table,
                &["user_id", "item_type", "item_id"],
                true,
            ),
            index(
                "idx_favorites_item",
                Favorites::Table,
                &["item_type", "item_id"],
                false,
            ),
            index(
                "idx_blogs_order",
                Blogs::Table,
                &["is_active", "display_order"],
                false,
            ),
            index(
                "idx_support_tickets_status",
                SupportTickets::Table,
                &["status", "created_at"],
                false,
            ),
            index(
                "idx_support_tickets_user",
                SupportTickets::Table,
                &["user_id", "created_at"],
                false,
            ),
        ] {
            manager.create_index(i).await?;
        }
        // One waiting application per account and course; both backends take a partial index.
        manager
            .get_connection()
            .execute_unprepared(
                "CREATE UNIQUE INDEX IF NOT EXISTS uq_course_applications_pending \
                 ON course_applications (course_id, user_id) \
                 WHERE status = 'pending' AND user_id IS NOT NULL",
            )
            .await?;
        // And one per phone number and course for applications sent without an account.
        manager
            .get_connection()
            .execute_unprepared(
                "CREATE UNIQUE INDEX IF NOT EXISTS uq_course_applications_pending_phone \
                 ON course_applications (course_id, customer_phone) \
                 WHERE status = 'pending' AND user_id IS NULL",
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for t in [
            Alias::new("support_tickets"),
            Alias::new("blogs"),
            Alias::new("favorites"),
            Alias::new("course_reviews"),
            Alias::new("reviews"),
            Alias::new("course_applications"),
            Alias::new("courses"),
        ] {
            manager
                .drop_table(Table::drop().table(t).if_exists().to_owned())
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum Courses {
    Table,
    Id,
    Title,
    Description,
    Duration,
    PriceMinor,
    ImageUrl,
    IsActive,
}

#[derive(DeriveIden)]
enum CourseApplications {
    Table,
    Id,
    CourseId,
    UserId,
    CustomerName,
    CustomerEmail,
    CustomerPhone,
    OfferId,
    PriceMinor,
    DiscountMinor,
    Status,
    DecidedBy,
    DecidedAt,
    AppliedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Reviews {
    Table,
    Id,
    AppointmentId,
    UserId,
    ServiceId,
    ExpertId,
    Rating,
    Comment,
}

#[derive(DeriveIden)]
enum CourseReviews {
    Table,
    Id,
    CourseId,
    UserId,
    Rating,
    Comment,
}

#[derive(DeriveIden)]
enum Favorites {
    Table,
    Id,
    UserId,
    ItemType,
    ItemId,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Blogs {
    Table,
    Id,
    Title,
    Content,
    ImageUrl,
    IsActive,
    DisplayOrder,
}

#[derive(DeriveIden)]
enum SupportTickets {
    Table,
    Id,
    UserId,
    CustomerName,
    CustomerEmail,
    CustomerPhone,
    Subject,
    Message,
    Status,
    Priority,
    AssignedTo,
    Response,
    RespondedBy,
    RespondedAt,
    ResolvedAt,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Offers {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Appointments {
    Table,
    Id,
}
