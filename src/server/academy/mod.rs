//! The academy: courses (staff CRUD, the app's public list) and the applications people send to
//! them, decided by staff.

pub mod applications;
pub mod courses;
