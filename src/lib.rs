//! Pulse: a booking platform for appointment-based businesses.
//!
//! - `shared`: types compiled for both server and browser.
//! - `app`: the Leptos admin portal (server-rendered, hydrated in the browser).
//! - `server` (feature `ssr`): configuration, services, the `/api/v1` JSON API and wiring.

// The portal's page types nest deeply; without `--cfg erase_components` (release builds) the
// wasm build needs more than the default 128 levels to lay out their hydration futures.
#![recursion_limit = "256"]

pub mod app;
pub mod shared;

#[cfg(feature = "ssr")]
pub mod server;

/// The browser entry point: hydrates the server-rendered page.
#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_body(app::App);
}
