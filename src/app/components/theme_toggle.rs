//! Light/dark switch. The server renders the session's theme; the click flips it at once in the page
//! and saves it to the session for the next render.

use leptos::prelude::*;

use crate::app::server_fns::SetTheme;
use crate::shared::theme::Theme;

#[component]
pub fn ThemeToggle() -> impl IntoView {
    let save = ServerAction::<SetTheme>::new();
    let on_click = move |_| {
        let next = current_theme().toggled();
        apply_theme(next);
        save.dispatch(SetTheme { theme: next });
    };
    view! {
        <button
            type="button"
            class="rounded-md border border-slate-200 px-3 py-1.5 text-sm text-slate-700 hover:bg-slate-100 dark:border-slate-700 dark:text-slate-200 dark:hover:bg-slate-800"
            on:click=on_click
            data-testid="theme-toggle"
        >
            // CSS picks the label, so server and browser always agree.
            <span class="dark:hidden">"Dark mode"</span>
            <span class="hidden dark:inline">"Light mode"</span>
        </button>
    }
}

#[cfg(feature = "hydrate")]
fn root() -> Option<web_sys::Element> {
    web_sys::window()?.document()?.document_element()
}

fn current_theme() -> Theme {
    #[cfg(feature = "hydrate")]
    {
        if root().is_some_and(|el| el.class_list().contains("dark")) {
            return Theme::Dark;
        }
    }
    Theme::Light
}

fn apply_theme(theme: Theme) {
    #[cfg(feature = "hydrate")]
    if let Some(el) = root() {
        let list = el.class_list();
        let _ = list.remove_2("light", "dark");
        let _ = list.add_1(theme.css_class());
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = theme;
}
