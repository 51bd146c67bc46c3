//! The command-line entry points, kept apart from `main` so tests can drive them.

use anyhow::Context;

use super::{catalog, config::Config, db, identity::bootstrap, startup::Application};
use crate::shared::{
    catalog::{CategoryName, NewCategory},
    identity::{Email, Password},
};

pub async fn serve(config: Config) -> anyhow::Result<()> {
    let app = Application::build(config).await?;
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
    let user = bootstrap::create_owner(&conn, &email, name, &password)
        .await
        .map_err(|e| anyhow::anyhow!(e.public_message()))?;
    println!("created Owner {} <{}> ({})", user.name, user.email, user.id);
    Ok(())
}

pub async fn seed_demo(config: Config) -> anyhow::Result<()> {
    let conn = db::connect(&config).await.context("connecting to the database")?;
    db::migrate(&conn).await.context("migrating")?;
    let added = seed_demo_categories(&conn).await?;
    println!("added {added} demo categories");
    Ok(())
}

/// Demo categories for an empty catalog; returns how many were added (0 when any exist).
pub async fn seed_demo_categories(conn: &sea_orm::DatabaseConnection) -> anyhow::Result<usize> {
    use catalog::categories::{self, Visibility};
    if !categories::list(conn, Visibility::All)
        .await
        .map_err(|e| anyhow::anyhow!(e))?
        .is_empty()
    {
        return Ok(0);
    }
    let demo = [
        ("Hair", "Cuts, colour, styling and treatments", "scissors"),
        ("Nails", "Manicures, pedicures and nail art", "hand"),
        ("Skin Care", "Facials, peels and clean-ups", "sparkles"),
        ("Makeup", "Party, bridal and everyday makeup", "palette"),
        ("Massage", "Relaxing and therapeutic massages", "spa"),
        ("Waxing", "Full and partial body waxing", "leaf"),
    ];
    for (order, (name, description, icon)) in demo.iter().enumerate() {
        let mut new = NewCategory::named(CategoryName::parse(name).map_err(|e| anyhow::anyhow!(e.message))?);
        new.description = Some((*description).to_owned());
        new.icon = Some((*icon).to_owned());
        new.display_order = order as i32;
        categories::create(conn, new)
            .await
            .map_err(|e| anyhow::anyhow!(e))?;
    }
    Ok(demo.len())
}
