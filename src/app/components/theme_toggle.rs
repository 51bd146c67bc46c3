//! Light/dark switch. The click flips the page at once and writes the theme cookie, which the server
//! reads to render the next page in it. Nothing is stored on the server.

use leptos::prelude::*;

use crate::shared::theme::Theme;

#[component]
pub fn ThemeToggle() -> impl IntoView {
    let on_click = move |_| {
        let next = current_theme().toggled();
        apply_theme(next);
        remember(next);
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

/// A year-long, site-wide cookie; not httpOnly, since the page itself writes it.
fn remember(theme: Theme) {
    #[cfg(feature = "hydrate")]
    {
        use wasm_bindgen::JsCast;
        let cookie = format!(
            "{}={}; Path=/; Max-Age=31536000; SameSite=Lax",
            crate::shared::theme::COOKIE,
            theme.css_class()
        );
        if let Some(doc) = web_sys::window()
            .and_then(|w| w.document())
            .and_then(|d| d.dyn_into::<web_sys::HtmlDocument>().ok())
        {
            let _ = doc.set_cookie(&cookie);
        }
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = theme;
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
