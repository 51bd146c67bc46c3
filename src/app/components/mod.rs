pub mod layout;
pub mod theme_toggle;
pub mod user_menu;
