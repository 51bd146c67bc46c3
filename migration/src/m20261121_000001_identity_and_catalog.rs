//! Identity (roles, permissions, users, audit log) and the first catalog table.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Roles::Table)
                    .if_not_exists()
                    .col(pk_uuid(Roles::Id))
                    .col(string_len_uniq(Roles::Name, 100))
                    .col(text_null(Roles::Description))
                    .col(boolean(Roles::IsSystem).default(false))
                    .col(timestamp_with_time_zone(Roles::CreatedAt))
                    .col(timestamp_with_time_zone(Roles::UpdatedAt))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Permissions::Table)
                    .if_not_exists()
                    .col(pk_uuid(Permissions::Id))
                    .col(string_len_uniq(Permissions::Slug, 100))
                    .col(string_len(Permissions::Area, 50))
                    .col(text(Permissions::Description))
                    .col(timestamp_with_time_zone(Permissions::CreatedAt))
                    .col(timestamp_with_time_zone(Permissions::UpdatedAt))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(RolePermissions::Table)
                    .if_not_exists()
                    .col(uuid(RolePermissions::RoleId))
                    .col(uuid(RolePermissions::PermissionId))
                    .primary_key(
                        Index::create()
                            .col(RolePermissions::RoleId)
                            .col(RolePermissions::PermissionId),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_role_permissions_role")
                            .from(RolePermissions::Table, RolePermissions::RoleId)
                            .to(Roles::Table, Roles::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_role_permissions_permission")
                            .from(RolePermissions::Table, RolePermissions::PermissionId)
                            .to(Permissions::Table, Permissions::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Users::Table)
                    .if_not_exists()
                    .col(pk_uuid(Users::Id))
                    .col(uuid_null(Users::RoleId))
                    .col(string_len(Users::Name, 255))
                    // Stored normalised (trimmed, lower-case) by the Email type, so UNIQUE is enough.
                    .col(string_len_uniq(Users::Email, 255))
                    .col(text_null(Users::PasswordHash))
                    .col(boolean(Users::EmailVerified).default(false))
                    .col(boolean(Users::IsActive).default(true))
                    .col(string_len_null(Users::Phone, 20))
                    .col(text_null(Users::Address))
                    .col(string_len_null(Users::Gender, 20))
                    .col(text_null(Users::ProfileImageUrl))
                    .col(integer(Users::FailedLoginAttempts).default(0))
                    .col(timestamp_with_time_zone_null(Users::LockoutUntil))
                    .col(timestamp_with_time_zone_null(Users::LastLogin))
                    .col(timestamp_with_time_zone_null(Users::LastSeen))
                    .col(text_null(Users::FcmToken))
                    .col(boolean(Users::MustChangePassword).default(false))
                    .col(timestamp_with_time_zone(Users::CreatedAt))
                    .col(timestamp_with_time_zone(Users::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_users_role")
                            .from(Users::Table, Users::RoleId)
                            .to(Roles::Table, Roles::Id)
                            .on_delete(ForeignKeyAction::SetNull),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .if_not_exists()
                    .name("idx_users_role_id")
                    .table(Users::Table)
                    .col(Users::RoleId)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(AuditLog::Table)
                    .if_not_exists()
                    .col(pk_uuid(AuditLog::Id))
                    .col(uuid_null(AuditLog::ActorId))
                    .col(string_len(AuditLog::Action, 100))
                    .col(string_len_null(AuditLog::TargetType, 50))
                    .col(string_len_null(AuditLog::TargetId, 100))
                    .col(string_len_null(AuditLog::Ip, 64))
                    .col(text_null(AuditLog::UserAgent))
                    .col(json_null(AuditLog::Details))
                    .col(timestamp_with_time_zone(AuditLog::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_audit_log_actor")
                            .from(AuditLog::Table, AuditLog::ActorId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::SetNull),
                    )
                    .to_owned(),
            )
            .await?;
        for (name, col) in [
            ("idx_audit_log_created_at", AuditLog::CreatedAt),
            ("idx_audit_log_actor_id", AuditLog::ActorId),
            ("idx_audit_log_action", AuditLog::Action),
        ] {
            manager
                .create_index(
                    Index::create()
                        .if_not_exists()
                        .name(name)
                        .table(AuditLog::Table)
                        .col(col)
                        .to_owned(),
                )
                .await?;
        }

        manager
            .create_table(
                Table::create()
                    .table(ServiceCategories::Table)
                    .if_not_exists()
                    .col(pk_uuid(ServiceCategories::Id))
                    .col(string_len(ServiceCategories::Name, 255))
                    .col(text_null(ServiceCategories::Description))
                    .col(text_null(ServiceCategories::ImageUrl))
                    .col(string_len_null(ServiceCategories::Icon, 100))
                    .col(integer(ServiceCategories::DisplayOrder).default(0))
                    .col(boolean(ServiceCategories::IsActive).default(true))
                    .col(timestamp_with_time_zone(ServiceCategories::CreatedAt))
                    .col(timestamp_with_time_zone(ServiceCategories::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .if_not_exists()
                    .name("idx_service_categories_order")
                    .table(ServiceCategories::Table)
                    .col(ServiceCategories::DisplayOrder)
                    .col(ServiceCategories::Name)
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            ServiceCategories::Table.into_iden(),
            AuditLog::Table.into_iden(),
            Users::Table.into_iden(),
            RolePermissions::Table.into_iden(),
            Permissions::Table.into_iden(),
            Roles::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).if_exists().to_owned())
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum Roles {
    Table,
    Id,
    Name,
    Description,
    IsSystem,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Permissions {
    Table,
    Id,
    Slug,
    Area,
    Description,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum RolePermissions {
    Table,
    RoleId,
    PermissionId,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
    RoleId,
    Name,
    Email,
    PasswordHash,
    EmailVerified,
    IsActive,
    Phone,
    Address,
    Gender,
    ProfileImageUrl,
    FailedLoginAttempts,
    LockoutUntil,
    LastLogin,
    LastSeen,
    FcmToken,
    MustChangePassword,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum AuditLog {
    Table,
    Id,
    ActorId,
    Action,
    TargetType,
    TargetId,
    Ip,
    UserAgent,
    Details,
    CreatedAt,
}

#[derive(DeriveIden)]
enum ServiceCategories {
    Table,
    Id,
    Name,
    Description,
    ImageUrl,
    Icon,
    DisplayOrder,
    IsActive,
    CreatedAt,
    UpdatedAt,
}
