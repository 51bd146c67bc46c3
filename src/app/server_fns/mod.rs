//! The portal's server functions: the same thin-adapter rule as `/api/v1` (authorise, call a service,
//! shape the result). Each checks its own permission through `server::portal::authorize`, whatever
//! page calls it, and has a fixed endpoint under `/api/fn/` so URLs stay stable. Writes are POSTs,
//! which `server::portal::same_origin` refuses from other sites.

mod academy;
mod appointments;
mod audit;
mod blogs;
mod calendar;
mod catalog;
mod dashboard;
mod experts;
mod media;
mod notifications;
mod offers;
mod password;
mod payments;
mod profile;
mod reports;
mod reviews;
mod roles;
mod session;
mod settings;
mod support;
mod users;

pub use academy::*;
pub use appointments::*;
pub use audit::*;
pub use blogs::*;
pub use calendar::*;
pub use catalog::*;
pub use dashboard::*;
pub use experts::*;
pub use media::*;
pub use notifications::*;
pub use offers::*;
pub use password::*;
pub use payments::*;
pub use profile::*;
pub use reports::*;
pub use reviews::*;
pub use roles::*;
pub use session::*;
pub use settings::*;
pub use support::*;
pub use users::*;

/// A time as the business reads it: in its time zone, in `format`.
#[cfg(feature = "ssr")]
fn local(at: chrono::DateTime<chrono::Utc>, tz: chrono_tz::Tz, format: &str) -> String {
    at.with_timezone(&tz).format(format).to_string()
}
