//! Demo catalogue for development and demos (`pulse seed-demo`, the development first run).

use sea_orm::ConnectionTrait;

use super::categories::{self, Visibility};
use crate::server::error::AppResult;
use crate::shared::catalog::{CategoryName, NewCategory};

const DEMO_CATEGORIES: &[(&str, &str, &str)] = &[
    ("Hair", "Cuts, colour, styling and treatments", "scissors"),
    ("Nails", "Manicures, pedicures and nail art", "hand"),
    ("Skin Care", "Facials, peels and clean-ups", "sparkles"),
    ("Makeup", "Party, bridal and everyday makeup", "palette"),
    ("Massage", "Relaxing and therapeutic massages", "spa"),
    ("Waxing", "Full and partial body waxing", "leaf"),
];

/// Adds the demo categories to an empty catalog; returns how many were added (0 when any exist).
pub async fn seed<C: ConnectionTrait>(db: &C) -> AppResult<usize> {
    if !categories::list(db, Visibility::All).await?.is_empty() {
        return Ok(0);
    }
    for (order, (name, description, icon)) in DEMO_CATEGORIES.iter().enumerate() {
        let mut new = NewCategory::named(CategoryName::parse(name)?);
        new.description = Some((*description).to_owned());
        new.icon = Some((*icon).to_owned());
        new.display_order = order as i32;
        categories::create_in(db, new).await?;
    }
    Ok(DEMO_CATEGORIES.len())
}
