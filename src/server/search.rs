//! Case-insensitive "contains" search, the same on Postgres and SQLite. `%` and `_` typed by a
//! person are literal, not wildcards.

use sea_orm::sea_query::{Expr, ExprTrait, Func, IntoColumnRef, LikeExpr, SimpleExpr};

/// The LIKE pattern for a search text, lower-cased and escaped with `\`. Every list's search goes
/// through here, so this is where its limits are kept (a 400 on `search`, as the edge would).
pub fn pattern(q: &str) -> crate::server::error::AppResult<String> {
    let q = crate::shared::text::search("search", Some(q))?.unwrap_or_default();
    let escaped = q
        .to_lowercase()
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    Ok(format!("%{escaped}%"))
}

/// `lower(column) LIKE pattern ESCAPE '\'`.
pub fn contains(column: impl IntoColumnRef, pattern: &str) -> SimpleExpr {
    Expr::expr(Func::lower(Expr::col(column))).like(LikeExpr::new(pattern).escape('\\'))
}
