//! Database connection and schema management (Postgres in production, SQLite by default).

use std::time::Duration;

use migration::{Migrator, MigratorTrait};
use sea_orm::{
    sqlx::{
        self,
        sqlite::{SqliteJournalMode, SqliteSynchronous},
    },
    ConnectOptions, Database, DatabaseConnection, DbBackend, DbErr,
};

use super::config::Config;

/// Opens the pool. For SQLite, the file and its folder are created when missing.
pub async fn connect(config: &Config) -> Result<DatabaseConnection, DbErr> {
    let mut opts = ConnectOptions::new(config.database_url.clone());
    opts.max_connections(config.database_max_connections)
        .min_connections(1)
        .connect_timeout(Duration::from_secs(5))
        .acquire_timeout(Duration::from_secs(10))
        .sqlx_logging(false);
    if config.is_sqlite() {
        if let Some(dir) = sqlite_file(&config.database_url).and_then(|p| p.parent().map(|d| d.to_owned())) {
            if !dir.as_os_str().is_empty() {
                std::fs::create_dir_all(&dir)
                    .map_err(|e| DbErr::Custom(format!("cannot create {}: {e}", dir.display())))?;
            }
        }
        // WAL lets readers run beside the one writer; the busy timeout queues writers instead of failing.
        opts.map_sqlx_sqlite_opts(|o| {
            o.create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal)
                .foreign_keys(true)
                .busy_timeout(Duration::from_secs(10))
        });
    }
    Database::connect(opts).await
}

/// Arbitrary constant naming Pulse's migration lock among Postgres advisory locks.
const MIGRATION_LOCK: i64 = 0x5055_4c53_4500; // "PULSE"

/// Applies pending migrations, then seeds the rows the application owns. Safe to run repeatedly,
/// and on Postgres safe when several instances start at once: sea-orm-migration takes no lock of its
/// own, so one instance migrates while the others wait on an advisory lock.
pub async fn migrate(db: &DatabaseConnection) -> Result<(), DbErr> {
    let lock = match db.get_database_backend() {
        DbBackend::Postgres => {
            let pool = db.get_postgres_connection_pool();
            // The lock holds one connection while the migrator uses others.
            if pool.options().get_max_connections() < 2 {
                tracing::warn!("DATABASE_MAX_CONNECTIONS < 2: migrating without the cross-instance lock");
                None
            } else {
                let mut conn = pool.acquire().await.map_err(|e| DbErr::Custom(e.to_string()))?;
                sqlx::query("SELECT pg_advisory_lock($1)")
                    .bind(MIGRATION_LOCK)
                    .execute(&mut *conn)
                    .await
                    .map_err(|e| DbErr::Custom(format!("taking the migration lock: {e}")))?;
                Some(conn)
            }
        }
        _ => None,
    };
    let result = async {
        Migrator::up(db, None).await?;
        super::rbac::catalogue::sync(db).await
    }
    .await;
    if let Some(mut conn) = lock {
        // Closing the connection would also release it; unlock explicitly so the pool can reuse it.
        if let Err(e) = sqlx::query("SELECT pg_advisory_unlock($1)")
            .bind(MIGRATION_LOCK)
            .execute(&mut *conn)
            .await
        {
            tracing::warn!(error = %e, "releasing the migration lock");
        }
    }
    result
}

/// A transaction that writes. On SQLite it takes the write lock at `BEGIN` (IMMEDIATE): a
/// deferred one that read first cannot upgrade once another connection has written, and fails at
/// once with "database is locked" instead of waiting its turn under the busy timeout. Postgres
/// ignores the mode.
pub async fn write_txn(db: &DatabaseConnection) -> Result<sea_orm::DatabaseTransaction, DbErr> {
    let options = sea_orm::TransactionOptions {
        sqlite_transaction_mode: Some(sea_orm::SqliteTransactionMode::Immediate),
        ..Default::default()
    };
    sea_orm::TransactionTrait::begin_with_options(db, options).await
}

/// The path of a `sqlite:` URL's file, or `None` for an in-memory database.
fn sqlite_file(url: &str) -> Option<std::path::PathBuf> {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))?;
    let path = rest.split('?').next().unwrap_or_default();
    (!path.is_empty() && path != ":memory:").then(|| std::path::PathBuf::from(path))
}

/// One page of an ordered query and how many rows it matches in all: the count, then the rows
/// at the page's offset. Every list the API pages goes through here.
pub async fn page_of<C, E>(
    db: &C,
    query: sea_orm::Select<E>,
    page: crate::shared::paging::PageRequest,
) -> Result<(Vec<E::Model>, crate::shared::paging::Pagination), DbErr>
where
    C: sea_orm::ConnectionTrait,
    E: sea_orm::EntityTrait,
    E::Model: Sync,
{
    use sea_orm::{PaginatorTrait, QuerySelect};
    let total = query.clone().count(db).await?;
    let rows = query.offset(page.offset()).limit(page.limit).all(db).await?;
    Ok((rows, page.of(total)))
}

#[cfg(test)]
mod tests {
    use super::sqlite_file;

    #[test]
    fn sqlite_paths() {
        assert_eq!(
            sqlite_file("sqlite://data/pulse.db").unwrap().to_str(),
            Some("data/pulse.db")
        );
        assert_eq!(
            sqlite_file("sqlite:///tmp/x.db?mode=rwc").unwrap().to_str(),
            Some("/tmp/x.db")
        );
        assert_eq!(sqlite_file("sqlite::memory:"), None);
        assert_eq!(sqlite_file("postgres://x"), None);
    }
}
