//! The catalog's version, for the response cache (`src/server/catalog/cache.rs`): one row that
//! every write to a table the public catalog shows raises, inside the writing transaction, so the
//! new version becomes visible exactly when the new data does, to every instance.
//!
//! - Postgres: a deferred constraint trigger, so the version row is locked only while the writing
//!   transaction commits (taken last, it cannot join a lock-order deadlock), and once per
//!   transaction however many rows it wrote (a transaction-local setting remembers).
//! - SQLite: plain row triggers; SQLite has one writer at a time, so there is nothing to order.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// Every table whose rows appear in `/categories`, `/services`, `/experts` or `/offers`, and the
/// business settings (their time zone decides which offers run today).
const TABLES: &[&str] = &[
    "service_categories",
    "services",
    "experts",
    "expert_services",
    "offers",
    "business_settings",
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        db.execute_unprepared(
            "CREATE TABLE IF NOT EXISTS cache_versions (\
             name VARCHAR(32) NOT NULL PRIMARY KEY, version BIGINT NOT NULL)",
        )
        .await?;
        db.execute_unprepared(
            "INSERT INTO cache_versions (name, version) VALUES ('catalog', 1) ON CONFLICT DO NOTHING",
        )
        .await?;
        match manager.get_database_backend() {
            sea_orm::DatabaseBackend::Postgres => {
                db.execute_unprepared(
                    "CREATE OR REPLACE FUNCTION pulse_raise_catalog_version() RETURNS trigger \
                     LANGUAGE plpgsql AS $$ \
                     BEGIN \
                       IF coalesce(current_setting('pulse.catalog_raised', true), '') <> 'on' THEN \
                         UPDATE cache_versions SET version = version + 1 WHERE name = 'catalog'; \
                         PERFORM set_config('pulse.catalog_raised', 'on', true); \
                       END IF; \
                       RETURN NULL; \
                     END $$",
                )
                .await?;
                for table in TABLES {
                    // Constraint triggers have no `OR REPLACE`.
                    db.execute_unprepared(&format!(
                        "DROP TRIGGER IF EXISTS {table}_raise_catalog_version ON {table}"
                    ))
                    .await?;
                    db.execute_unprepared(&format!(
                        "CREATE CONSTRAINT TRIGGER {table}_raise_catalog_version \
                         AFTER INSERT OR UPDATE OR DELETE ON {table} \
                         DEFERRABLE INITIALLY DEFERRED FOR EACH ROW \
                         EXECUTE FUNCTION pulse_raise_catalog_version()"
                    ))
                    .await?;
                }
            }
            sea_orm::DatabaseBackend::Sqlite => {
                for table in TABLES {
                    for event in ["INSERT", "UPDATE", "DELETE"] {
                        db.execute_unprepared(&format!(
                            "CREATE TRIGGER IF NOT EXISTS {table}_raise_catalog_version_{} \
                             AFTER {event} ON {table} BEGIN \
                             UPDATE cache_versions SET version = version + 1 WHERE name = 'catalog'; \
                             END",
                            event.to_lowercase()
                        ))
                        .await?;
                    }
                }
            }
            _ => {}
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        match manager.get_database_backend() {
            sea_orm::DatabaseBackend::Postgres => {
                for table in TABLES {
                    db.execute_unprepared(&format!(
                        "DROP TRIGGER IF EXISTS {table}_raise_catalog_version ON {table}"
                    ))
                    .await?;
                }
                db.execute_unprepared("DROP FUNCTION IF EXISTS pulse_raise_catalog_version()")
                    .await?;
            }
            sea_orm::DatabaseBackend::Sqlite => {
                for table in TABLES {
                    for event in ["insert", "update", "delete"] {
                        db.execute_unprepared(&format!(
                            "DROP TRIGGER IF EXISTS {table}_raise_catalog_version_{event}"
                        ))
                        .await?;
                    }
                }
            }
            _ => {}
        }
        db.execute_unprepared("DROP TABLE IF EXISTS cache_versions")
            .await?;
        Ok(())
    }
}
