//! The command-line entry points, kept apart from `main` so tests can drive them.

use anyhow::Context;

use super::{config::Config, db, identity::bootstrap, startup::Application};
use crate::shared::identity::{Email, Password};

pub async fn serve(config: Config) -> anyhow::Result<()> {
    let app = Application::build(config).await?;
    if let Some(first) = app.first_run() {
        // Development only (see `startup::first_run`); printed once, on the console, never logged.
        println!(
            "\n  Pulse first run (development): an Owner account was created.\n\n    \
             portal:   http://{}/\n    email:    {}\n    password: {}\n\n  \
             The password is shown once and must be changed at first sign-in. \
             {} demo categories were added.\n",
            app.local_addr(),
            first.owner.email,
            first.owner.password,
            first.demo_categories
        );
    }
    app.run_until_stopped(super::startup::shutdown_signal()).await
}

pub async fn migrate(config: Config) -> anyhow::Result<()> {
    let conn = db::connect(&config).await.context("connecting to the database")?;
    db::migrate(&conn).await.context("migrating")?;
    println!("migrations applied; roles and permissions seeded");
    Ok(())
}

pub async fn create_owner(config: Config, email: &str, name: &str) -> anyhow::Result<()> {
    let email = Email::parse(email).map_err(|e| anyhow::anyhow!(e.message))?;
    let plain = match std::env::var("PULSE_OWNER_PASSWORD") {
        Ok(p) => p,
        Err(_) => rpassword::prompt_password(format!("Password for {email}: "))
            .context("reading the password (or set PULSE_OWNER_PASSWORD)")?,
    };
    let password = Password::parse(&plain).map_err(|e| anyhow::anyhow!(e.message))?;
    let conn = db::connect(&config).await.context("connecting to the database")?;
    db::migrate(&conn).await.context("migrating")?;
    let user = bootstrap::create_owner(&conn, &email, name, &password, false)
        .await
        .map_err(|e| anyhow::anyhow!(e.public_message()))?;
    println!("created Owner {} <{}> ({})", user.name, user.email, user.id);
    Ok(())
}

pub async fn seed_demo(config: Config, days: Option<u32>) -> anyhow::Result<()> {
    let conn = db::connect(&config).await.context("connecting to the database")?;
    db::migrate(&conn).await.context("migrating")?;
    let Some(days) = days else {
        let added = super::catalog::demo::seed(&conn)
            .await
            .map_err(|e| anyhow::anyhow!(e))?;
        println!("added {added} demo categories");
        return Ok(());
    };
    let s = super::demo::seed(&conn, config.business_timezone, days)
        .await
        .map_err(|e| anyhow::anyhow!(e))?;
    if s.experts == 0 {
        println!(
            "added {} demo categories; there are experts already, so no demo business",
            s.categories
        );
    } else {
        println!(
            "added {} categories, {} services, {} experts, {} customers and {} appointments \
             ({days} days back, 14 ahead); {} courses with {} applications, {} blog posts, {} reviews \
             and {} support tickets",
            s.categories,
            s.services,
            s.experts,
            s.customers,
            s.appointments,
            s.content.courses,
            s.content.applications,
            s.content.blogs,
            s.content.reviews,
            s.content.tickets
        );
    }
    Ok(())
}
