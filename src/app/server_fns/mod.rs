//! The portal's server functions: the same thin-adapter rule as `/api/v1` (authorise, call a service,
//! shape the result). Each checks its own permission through `server::portal::authorize`, whatever
//! page calls it, and has a fixed endpoint under `/api/fn/` so URLs stay stable. Writes are POSTs,
//! which `server::portal::same_origin` refuses from other sites.

mod appointments;
mod catalog;
mod dashboard;
mod session;

pub use appointments::*;
pub use catalog::*;
pub use dashboard::*;
pub use session::*;
