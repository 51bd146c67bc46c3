pub mod dialog;
pub mod form;
pub mod guard;
pub mod layout;
pub mod presence;
pub mod theme_toggle;
pub mod toast;
pub mod user_menu;
