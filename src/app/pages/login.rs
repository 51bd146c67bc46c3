//! Portal sign-in. The form posts to the `sign_in` server function: with JavaScript it updates in
//! place and shows field errors; without it, the browser follows the server's redirect.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::app::components::guard::{use_viewer, GoTo};
use crate::app::server_fns::{sign_in_methods, SignIn};
use crate::shared::auth::{safe_next, SignInProblem};

#[component]
pub fn LoginPage() -> impl IntoView {
    let action = ServerAction::<SignIn>::new();
    let query = use_query_map();
    let next = move || query.read().get("next").unwrap_or_default();
    let error = move || action.value().get().and_then(Result::err);
    // Set when a Google sign-in came back without success (`/login?error=<code>`); a new attempt
    // with the form replaces it.
    let redirect_problem = move || {
        query
            .read()
            .get("error")
            .and_then(|code| SignInProblem::from_code(&code))
            .filter(|_| action.value().get().is_none())
    };
    let options = Resource::new(|| (), |_| sign_in_methods());
    let field_error = move |name: &'static str| {
        move || {
            error().and_then(|e| e.field(name).map(str::to_owned)).map(|m| {
                view! { <p class="mt-1 text-sm text-red-600 dark:text-red-400">{m}</p> }
            })
        }
    };
    let input_class = "mt-1 block w-full rounded-md border border-slate-300 bg-white px-3 py-2 text-sm shadow-sm focus:border-indigo-500 focus:outline-none focus:ring-1 focus:ring-indigo-500 dark:border-slate-700 dark:bg-slate-900";

    let viewer = use_viewer();
    view! {
        <Title text="Sign in"/>
        // Already signed in (a bookmark, the back button): go where the sign-in would have gone.
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                viewer.await.ok().flatten().map(|_| view! { <GoTo path=safe_next(Some(&next()))/> })
            })}
        </Suspense>
        <div class="mx-auto mt-10 max-w-sm rounded-lg border border-slate-200 bg-white p-6 shadow-sm dark:border-slate-800 dark:bg-slate-900">
            <h1 class="text-xl font-bold">"Sign in to Pulse"</h1>
            <p class="mt-1 text-sm text-slate-600 dark:text-slate-400">"For owners and staff."</p>
            <ActionForm action=action attr:class="mt-6 space-y-4" attr:data-testid="login-form">
                <input type="hidden" name="next" prop:value=next/>
                <label class="block text-sm font-medium">
                    "Email"
                    <input type="email" name="email" required autocomplete="username" class=input_class data-testid="login-email"/>
                </label>
                {field_error("email")}
                <label class="block text-sm font-medium">
                    "Password"
                    <input type="password" name="password" required autocomplete="current-password" class=input_class data-testid="login-password"/>
                </label>
                {field_error("password")}
                <button
                    type="submit"
                    class="w-full rounded-md bg-indigo-600 px-4 py-2 text-sm font-semibold text-white hover:bg-indigo-500 disabled:opacity-60"
                    disabled=move || action.pending().get()
                    data-testid="login-submit"
                >
                    {move || if action.pending().get() { "Signing in…" } else { "Sign in" }}
                </button>
            </ActionForm>
            <p class="mt-3 text-right text-sm">
                <a href="/forgot-password" class="font-medium text-indigo-600 hover:underline dark:text-indigo-400" data-testid="forgot-password-link">"Forgot password?"</a>
            </p>
            <Suspense>
                {move || options.get().and_then(Result::ok).filter(|o| o.google).map(|_| view! {
                    <div class="mt-6 flex items-center gap-3 text-xs text-slate-500">
                        <span class="h-px flex-1 bg-slate-200 dark:bg-slate-700"></span>
                        "or"
                        <span class="h-px flex-1 bg-slate-200 dark:bg-slate-700"></span>
                    </div>
                    // A plain GET form: the browser encodes `next` and it works without JavaScript.
                    <form method="get" action="/auth/google" class="mt-4">
                        <input type="hidden" name="next" prop:value=next/>
                        <button
                            type="submit"
                            class="flex w-full items-center justify-center gap-2 rounded-md border border-slate-300 bg-white px-4 py-2 text-sm font-semibold text-slate-700 hover:bg-slate-50 dark:border-slate-700 dark:bg-slate-800 dark:text-slate-100 dark:hover:bg-slate-700"
                            data-testid="login-google"
                        >
                            <span aria-hidden="true" class="font-bold text-indigo-600">"G"</span>
                            "Sign in with Google"
                        </button>
                    </form>
                })}
            </Suspense>
            {move || redirect_problem().map(|p| view! {
                <p role="alert" class="mt-4 rounded-md bg-red-50 p-3 text-sm text-red-700 dark:bg-red-950 dark:text-red-300" data-testid="login-error">
                    {p.message()}
                </p>
            })}
            {move || error().filter(|e| e.errors.is_empty()).map(|e| view! {
                <p role="alert" class="mt-4 rounded-md bg-red-50 p-3 text-sm text-red-700 dark:bg-red-950 dark:text-red-300" data-testid="login-error">
                    {e.message}
                </p>
            })}
        </div>
    }
}
