//! Case-insensitive "contains" search, the same on Postgres and SQLite. `%` and `_` typed by a
//! person are literal, not wildcards.

use sea_orm::sea_query::{Expr, ExprTrait, Func, IntoColumnRef, LikeExpr, SimpleExpr};

/// The LIKE pattern for a search text, lower-cased and escaped with `\`.
pub fn pattern(q: &str) -> String {
    let escaped = q
        .trim()
        .to_lowercase()
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    format!("%{escaped}%")
}

/// `lower(column) LIKE pattern ESCAPE '\'`.
pub fn contains(column: impl IntoColumnRef, pattern: &str) -> SimpleExpr {
    Expr::expr(Func::lower(Expr::col(column))).like(LikeExpr::new(pattern).escape('\\'))
}
