//! Two counters that let every instance check freshness with the row it already reads:
//! - `users.credentials_changed_at`: access tokens issued and portal sessions started before it are
//!   refused (a password change or reset ends every sign-in of the account), except the access
//!   token that made the change itself (`users.credentials_changed_by_token`, its `jti`), so the app
//!   that changed its password stays signed in;
//! - `roles.permissions_version`: bumped with each change of a role's grants, so a cached permission
//!   set is used only while it is current.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // One column per statement: SQLite's ALTER TABLE adds one at a time.
        manager
            .alter_table(
                Table::alter()
                    .table(Users::Table)
                    .add_column_if_not_exists(timestamp_with_time_zone_null(Users::CredentialsChangedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Users::Table)
                    .add_column_if_not_exists(uuid_null(Users::CredentialsChangedByToken))
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Roles::Table)
                    .add_column_if_not_exists(big_integer(Roles::PermissionsVersion).default(0))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Users::Table)
                    .drop_column(Users::CredentialsChangedAt)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Users::Table)
                    .drop_column(Users::CredentialsChangedByToken)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Roles::Table)
                    .drop_column(Roles::PermissionsVersion)
                    .to_owned(),
            )
            .await
    }
}

#[derive(DeriveIden)]
enum Users {
    Table,
    CredentialsChangedAt,
    CredentialsChangedByToken,
}

#[derive(DeriveIden)]
enum Roles {
    Table,
    PermissionsVersion,
}
