//! Start-up: the development first run, the `migrate` command, and concurrent start-ups.

use crate::both_backends;
use crate::helpers::{test_config, Spawn, TestDb};
use pulse::server::{entities::users, startup::Application};
use sea_orm::{EntityTrait, PaginatorTrait};

both_backends!(
    async fn a_development_first_run_creates_one_owner_who_must_change_the_password(backend: Backend) {
        let db = TestDb::new(backend).await;
        let config = test_config(&db.url, &Spawn::default().var("PULSE_ENV", "development"));

        let app = Application::build(config.clone()).await.unwrap();
        let first = app.first_run().expect("first run on an empty database");
        assert_eq!(first.owner.email.as_str(), "owner@pulse.localhost");
        assert!(pulse::shared::identity::Password::parse(&first.owner.password).is_ok());
        assert_eq!(first.demo_categories, 6);
        let owners = users::Entity::find().all(&app.state().db).await.unwrap();
        assert_eq!(owners.len(), 1);
        assert!(owners[0].must_change_password && owners[0].email_verified);
        let hash = owners[0].password_hash.clone().unwrap();
        assert!(hash.starts_with("$argon2id$"), "stored hashed");
        assert!(
            !format!("{:?}", owners[0]).contains(&hash),
            "Debug must not print the hash"
        );
        drop(app);

        // A restart on the same database creates nothing more.
        let again = Application::build(config).await.unwrap();
        assert!(again.first_run().is_none());
        assert_eq!(users::Entity::find().count(&again.state().db).await.unwrap(), 1);
    }
);

both_backends!(
    async fn test_and_production_modes_never_create_an_owner(backend: Backend) {
        let db = TestDb::new(backend).await;
        let app = Application::build(test_config(&db.url, &Spawn::default()))
            .await
            .unwrap();
        assert!(app.first_run().is_none());
        assert_eq!(users::Entity::find().count(&app.state().db).await.unwrap(), 0);
        drop(app);
        let prod = Spawn::default()
            .var("PULSE_ENV", "production")
            .var("JWT_SECRET", "j".repeat(40))
            .var("SESSION_SECRET", "s".repeat(40));
        let app = Application::build(test_config(&db.url, &prod)).await.unwrap();
        assert!(app.first_run().is_none());
    }
);

both_backends!(
    async fn the_migrate_command_can_run_repeatedly(backend: Backend) {
        let db = TestDb::new(backend).await;
        let config = test_config(&db.url, &Spawn::default());
        pulse::server::cli::migrate(config.clone()).await.unwrap();
        pulse::server::cli::migrate(config).await.unwrap();
    }
);

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn instances_starting_together_on_an_empty_postgres_all_come_up() {
    // sea-orm-migration takes no lock; `db::migrate` serialises instances with an advisory lock.
    let db = TestDb::new(crate::helpers::Backend::Postgres).await;
    let config = test_config(&db.url, &Spawn::default());
    let mut starts = tokio::task::JoinSet::new();
    for _ in 0..4 {
        let config = config.clone();
        starts.spawn(async move { Application::build(config).await.map(|_| ()) });
    }
    while let Some(result) = starts.join_next().await {
        result.unwrap().expect("every instance starts");
    }
}
