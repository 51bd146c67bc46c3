//! SeaORM entities: the database's shape, used only by the service layer.

pub mod accounts;
pub mod appointment_reminders;
pub mod appointments;
pub mod audit_log;
pub mod business_settings;
pub mod ended_sign_ins;
pub mod expert_services;
pub mod experts;
pub mod gallery_images;
pub mod images;
pub mod notifications;
pub mod one_time_codes;
pub mod outbox;
pub mod pending_registrations;
pub mod permissions;
pub mod refresh_tokens;
pub mod role_permissions;
pub mod roles;
pub mod service_categories;
pub mod services;
pub mod sign_in_throttle;
pub mod time_off;
pub mod users;
pub mod working_hours;
