//! Migrations and the seed are idempotent on both databases, and the seed matches the catalogue in code.

use crate::both_backends;
use crate::helpers::spawn_app;
use migration::{Migrator, MigratorTrait};
use pulse::shared::permissions::{Permission, DEFAULT_ROLES};
use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, Statement};

async fn rows(db: &DatabaseConnection, sql: &str) -> Vec<String> {
    let backend = db.get_database_backend();
    db.query_all_raw(Statement::from_string(backend, sql.to_owned()))
        .await
        .unwrap()
        .into_iter()
        .map(|row| {
            (0..)
                .map_while(|i| row.try_get_by_index::<Option<String>>(i).ok())
                .map(|v| v.unwrap_or_else(|| "NULL".into()))
                .collect::<Vec<_>>()
                .join(" | ")
        })
        .collect()
}

/// The schema and every seeded row, as text, for before/after comparison.
async fn dump(db: &DatabaseConnection) -> Vec<String> {
    let mut out = match db.get_database_backend() {
        DbBackend::Postgres => {
            let mut v = rows(
                db,
                "SELECT table_name::text, column_name::text, data_type::text, is_nullable::text, column_default::text \
                 FROM information_schema.columns WHERE table_schema = 'public' ORDER BY table_name, ordinal_position",
            )
            .await;
            v.extend(rows(db, "SELECT indexname::text, indexdef::text FROM pg_indexes WHERE schemaname = 'public' ORDER BY indexname").await);
            v
        }
        _ => {
            rows(
                db,
                "SELECT type, name, sql FROM sqlite_master ORDER BY type, name",
            )
            .await
        }
    };
    out.extend(rows(db, "SELECT version FROM seaql_migrations ORDER BY version").await);
    out.extend(
        rows(
            db,
            "SELECT slug, area, description FROM permissions ORDER BY slug",
        )
        .await,
    );
    out.extend(
        rows(
            db,
            "SELECT name, CASE WHEN is_system THEN 'system' ELSE 'custom' END FROM roles ORDER BY name",
        )
        .await,
    );
    out.extend(
        rows(
            db,
            "SELECT r.name, p.slug FROM role_permissions rp JOIN roles r ON r.id = rp.role_id \
             JOIN permissions p ON p.id = rp.permission_id ORDER BY r.name, p.slug",
        )
        .await,
    );
    out
}

both_backends!(
    async fn migrating_again_changes_nothing(backend: Backend) {
        let app = spawn_app(backend).await; // start-up already migrated once
        let db = &app.state.db;
        let before = dump(db).await;
        assert!(before.len() > 50, "dump looks empty: {before:?}");
        let ids_before = rows(db, "SELECT slug FROM permissions ORDER BY id").await;

        pulse::server::db::migrate(db).await.unwrap();
        pulse::server::db::migrate(db).await.unwrap();

        assert_eq!(dump(db).await, before);
        assert_eq!(
            rows(db, "SELECT slug FROM permissions ORDER BY id").await,
            ids_before
        );
        assert!(Migrator::get_pending_migrations(db).await.unwrap().is_empty());
    }
);

both_backends!(
    async fn seed_matches_the_catalogue_in_code(backend: Backend) {
        let app = spawn_app(backend).await;
        let db = &app.state.db;
        let slugs = rows(db, "SELECT slug FROM permissions ORDER BY slug").await;
        let mut expected: Vec<String> = Permission::ALL.iter().map(|p| p.slug().to_owned()).collect();
        expected.sort();
        assert_eq!(slugs, expected);

        for role in DEFAULT_ROLES {
            let granted = rows(
                db,
                &format!(
                    "SELECT p.slug FROM role_permissions rp JOIN roles r ON r.id = rp.role_id \
                     JOIN permissions p ON p.id = rp.permission_id WHERE r.name = '{}' ORDER BY p.slug",
                    role.name
                ),
            )
            .await;
            let mut want: Vec<String> = role.grants.iter().map(|p| p.slug().to_owned()).collect();
            want.sort();
            assert_eq!(granted, want, "grants of {}", role.name);
        }
        let system = rows(db, "SELECT name FROM roles WHERE is_system ORDER BY name").await;
        assert_eq!(system, vec!["Admin", "Customer", "Guest", "Owner", "User"]);
    }
);

both_backends!(
    async fn owner_edits_to_default_roles_survive_a_restart_but_owner_keeps_everything(backend: Backend) {
        let app = spawn_app(backend).await;
        let db = &app.state.db;
        // An owner removes a grant from Manager and (wrongly) from Owner.
        for role in ["Manager", "Owner"] {
            db.execute_unprepared(&format!(
                "DELETE FROM role_permissions WHERE role_id = (SELECT id FROM roles WHERE name = '{role}') \
                 AND permission_id = (SELECT id FROM permissions WHERE slug = 'users.manage')"
            ))
            .await
            .unwrap();
        }
        pulse::server::db::migrate(db).await.unwrap();
        let has = |role: &'static str| {
            let sql = format!(
                "SELECT p.slug FROM role_permissions rp JOIN roles r ON r.id = rp.role_id \
                 JOIN permissions p ON p.id = rp.permission_id WHERE r.name = '{role}' AND p.slug = 'users.manage'"
            );
            async move { !rows(db, &sql).await.is_empty() }
        };
        assert!(!has("Manager").await, "the seed must not undo an owner's change");
        assert!(has("Owner").await, "Owner always holds every permission");
    }
);
