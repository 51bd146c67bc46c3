//! The bell in the header: the signed-in user's unread notifications (the in-app inbox the app
//! reads at `GET /api/v1/notifications/my`), newest first, marked read one by one or all at once.
//! It loads in the browser after the page, and again whenever a booking is announced live.

use leptos::prelude::*;

use crate::app::{
    live::use_live,
    server_fns::{load_inbox, MarkNotificationsRead},
};

#[component]
pub fn Bell() -> impl IntoView {
    let live = use_live();
    let mark = ServerAction::<MarkNotificationsRead>::new();
    let inbox = LocalResource::new(move || {
        live.bookings.track();
        mark.version().track();
        load_inbox()
    });
    let open = RwSignal::new(false);
    // The inbox is read only once the page runs in the browser: on the server a local resource
    // never resolves, and reading it there would hold back the suspense around the header.
    let mounted = RwSignal::new(false);
    Effect::new(move |_| mounted.set(true));
    let current = move || mounted.get().then(|| inbox.get()).flatten();
    let unread = move || current().and_then(Result::ok).map_or(0, |i| i.unread);
    let label = move || match unread() {
        0 => "Notifications".to_owned(),
        1 => "Notifications: 1 unread".to_owned(),
        n => format!("Notifications: {n} unread"),
    };
    view! {
        <div class="relative" on:keydown=move |ev| if ev.key() == "Escape" { open.set(false) }>
            <button
                type="button"
                class="relative rounded-md p-2 text-slate-600 hover:bg-slate-100 dark:text-slate-300 dark:hover:bg-slate-800"
                aria-label=label
                aria-expanded=move || open.get().to_string()
                aria-haspopup="dialog"
                aria-controls="bell-panel"
                data-testid="bell"
                on:click=move |_| open.update(|o| *o = !*o)
            >
                <svg aria-hidden="true" class="h-5 w-5" viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round">
                    <path d="M18 8a6 6 0 0 0-12 0c0 7-3 9-3 9h18s-3-2-3-9"/>
                    <path d="M13.7 21a2 2 0 0 1-3.4 0"/>
                </svg>
                <span
                    class="absolute -right-0.5 -top-0.5 min-w-[1.1rem] rounded-full bg-red-600 px-1 text-center text-[0.65rem] font-bold leading-[1.1rem] text-white"
                    hidden=move || unread() == 0
                    data-testid="bell-count"
                >
                    {move || match unread() { n if n > 99 => "99+".to_owned(), n => n.to_string() }}
                </span>
            </button>
            <Show when=move || open.get()>
                // A click anywhere else closes the list.
                <div class="fixed inset-0 z-30" aria-hidden="true" on:click=move |_| open.set(false)></div>
                <div
                    class="absolute right-0 z-40 mt-2 w-80 max-w-[90vw] overflow-hidden rounded-lg border border-slate-200 bg-white shadow-lg dark:border-slate-700 dark:bg-slate-900"
                    id="bell-panel"
                    role="dialog"
                    aria-label="Notifications"
                    data-testid="bell-panel"
                >
                    <div class="flex items-center justify-between border-b border-slate-200 px-4 py-2 dark:border-slate-700">
                        <span class="text-sm font-semibold">"Notifications"</span>
                        <button
                            type="button"
                            class="text-xs font-medium text-indigo-600 hover:underline disabled:opacity-50 dark:text-indigo-400"
                            disabled=move || unread() == 0
                            data-testid="bell-read-all"
                            on:click=move |_| { mark.dispatch(MarkNotificationsRead { id: None }); }
                        >
                            "Mark all read"
                        </button>
                    </div>
                    <ul class="max-h-96 divide-y divide-slate-100 overflow-y-auto dark:divide-slate-800">
                        {move || match current() {
                            None => view! { <li class="px-4 py-6 text-center text-sm text-slate-500">"Loading…"</li> }.into_any(),
                            Some(Err(e)) => view! { <li class="px-4 py-6 text-center text-sm text-red-600" role="alert">{e.message}</li> }.into_any(),
                            Some(Ok(i)) if i.entries.is_empty() => view! {
                                <li class="px-4 py-6 text-center text-sm text-slate-500" data-testid="bell-empty">"Nothing yet."</li>
                            }.into_any(),
                            Some(Ok(i)) => i.entries.into_iter().map(|(entry, when)| {
                                let id = entry.id;
                                let fresh = !entry.is_read;
                                view! {
                                    <li class="flex gap-3 px-4 py-3" class=("bg-indigo-50/60", fresh) class=("dark:bg-indigo-950/40", fresh) data-testid="bell-entry">
                                        <div class="min-w-0 flex-1">
                                            <p class="text-sm" class=("font-semibold", fresh)>{entry.title}</p>
                                            <p class="mt-0.5 text-sm text-slate-600 dark:text-slate-300">{entry.message}</p>
                                            <p class="mt-1 text-xs text-slate-500 dark:text-slate-400">{when}</p>
                                        </div>
                                        {fresh.then(|| view! {
                                            <button
                                                type="button"
                                                class="self-start rounded px-2 py-1 text-xs font-medium text-indigo-700 hover:bg-indigo-100 dark:text-indigo-300 dark:hover:bg-indigo-900"
                                                data-testid="bell-read"
                                                on:click=move |_| { mark.dispatch(MarkNotificationsRead { id: Some(id) }); }
                                            >
                                                "Mark read"
                                            </button>
                                        })}
                                    </li>
                                }
                            }).collect_view().into_any(),
                        }}
                    </ul>
                </div>
            </Show>
        </div>
    }
}
