//! Who is signed in, linking to their profile, with sign-out; or a sign-in link.

use leptos::prelude::*;

use super::{bell::Bell, guard::use_viewer};
use crate::app::server_fns::SignOut;

#[component]
pub fn UserMenu() -> impl IntoView {
    let sign_out = ServerAction::<SignOut>::new();
    let viewer = use_viewer();
    view! {
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                match viewer.await {
                    Ok(Some(u)) => view! {
                        <div class="flex items-center gap-3 text-sm">
                            <Bell/>
                            <a href="/profile" class="hidden rounded-md px-2 py-1 text-slate-700 hover:bg-slate-100 sm:inline dark:text-slate-300 dark:hover:bg-slate-800" title="Your profile" data-testid="current-user">
                                {u.name} <span class="text-slate-400">" · "{u.role}</span>
                            </a>
                            <ActionForm action=sign_out>
                                <button type="submit" class="rounded-md px-3 py-1.5 text-slate-700 hover:bg-slate-100 dark:text-slate-200 dark:hover:bg-slate-800" data-testid="sign-out">
                                    "Sign out"
                                </button>
                            </ActionForm>
                        </div>
                    }.into_any(),
                    _ => view! {
                        <a href="/login" class="text-sm font-medium text-indigo-600 hover:underline dark:text-indigo-400" data-testid="sign-in-link">"Sign in"</a>
                    }.into_any(),
                }
            })}
        </Transition>
    }
}
