//! Online dots: who has a live connection now, as the page was made and as the live feed reports
//! changes since.

use leptos::prelude::*;
use uuid::Uuid;

use crate::app::live::use_live;

/// A green dot (online) or a grey one, with a text alternative for screen readers.
#[component]
pub fn OnlineDot(user: Uuid, at_load: bool) -> impl IntoView {
    let live = use_live();
    let online = move || live.is_online(user, at_load);
    view! {
        <span
            class="inline-block h-2.5 w-2.5 rounded-full"
            class=("bg-emerald-500", online)
            class=("bg-slate-300", move || !online())
            class=("dark:bg-slate-600", move || !online())
            role="img"
            aria-label=move || if online() { "Online" } else { "Offline" }
            title=move || if online() { "Online now" } else { "Offline" }
            data-testid="online-dot"
            data-online=move || online().to_string()
        ></span>
    }
}
