//! Support: the tickets customers open from the app's Contact screen and staff answer.

pub mod tickets;
