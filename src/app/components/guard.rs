//! Who is viewing, and the page guard. The server renders a page only for a signed-in user whose
//! role grants one of the page's permissions: others are sent to sign in (and brought back after),
//! or shown a 403 page with no data. Each server function checks again, so this only decides what
//! to show.

use leptos::prelude::*;
use leptos_router::{components::Redirect, hooks::use_location};

use crate::app::server_fns::current_user;
use crate::shared::{appointments::encode, auth::PortalUser, errors::PortalError, permissions::Permission};

pub type ViewerResource = Resource<Result<Option<PortalUser>, PortalError>>;

/// Loads the viewer once per navigation (so role changes show at the next page) and shares it.
pub fn provide_viewer() -> ViewerResource {
    // While the server renders the page, the viewer and the page's own server functions share one
    // read of the session's user (and of the business settings).
    #[cfg(feature = "ssr")]
    crate::server::portal::provide_page_memo();
    let location = use_location();
    let viewer = Resource::new_blocking(move || location.pathname.get(), |_| current_user());
    provide_context(viewer);
    viewer
}

pub fn use_viewer() -> ViewerResource {
    expect_context::<ViewerResource>()
}

/// Renders `children` for a viewer granted any of `any_of` (empty: any signed-in user).
#[component]
pub fn Guarded(any_of: &'static [Permission], children: ChildrenFn) -> impl IntoView {
    let viewer = use_viewer();
    let location = use_location();
    let children = StoredValue::new(children);
    view! {
        <Suspense fallback=|| view! { <super::form::Loading/> }>
            {move || Suspend::new(async move {
                match viewer.await {
                    Ok(Some(user)) if user.must_change_password => {
                        view! { <MustChangePassword/> }.into_any()
                    }
                    Ok(Some(user)) if any_of.is_empty() || user.can_any(any_of) => {
                        children.with_value(|c| c()).into_any()
                    }
                    Ok(Some(_)) => view! { <Forbidden/> }.into_any(),
                    _ => {
                        let (path, search) = (location.pathname.get_untracked(), location.search.get_untracked());
                        let here = if search.is_empty() { path } else { format!("{path}?{search}") };
                        view! { <GoTo path=format!("/login?next={}", encode(&here))/> }.into_any()
                    }
                }
            })}
        </Suspense>
    }
}

/// All an account with a generated password sees, on every page, until it sets its own (the API
/// refuses everything else with 403 `PASSWORD_CHANGE_REQUIRED` meanwhile).
#[component]
fn MustChangePassword() -> impl IntoView {
    let viewer = use_viewer();
    view! {
        <leptos_meta::Title text="Choose your password"/>
        <div class="mx-auto max-w-2xl space-y-4 py-8" data-testid="must-change-password">
            <h1 class="text-2xl font-bold">"Choose your own password"</h1>
            <p class="text-slate-600 dark:text-slate-400">
                "This account still has the password it was created with. Choose your own before you continue."
            </p>
            <crate::app::pages::profile::PasswordEditor on_changed=Callback::new(move |()| viewer.refetch())/>
        </div>
    }
}

/// Sends the visitor elsewhere: a real 302 when the server renders the page (whatever the client
/// accepts; leptos_axum sets it only for `Accept: text/html`), a client-side navigation otherwise.
#[component]
pub fn GoTo(#[prop(into)] path: String) -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(http::StatusCode::FOUND);
    }
    view! { <Redirect path/> }
}

/// What a detail page shows for an id that names nothing, or is no id at all: the message, with a
/// 404 status on the server-rendered page.
pub fn not_found(what: &str) -> crate::shared::errors::PortalError {
    #[cfg(feature = "ssr")]
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(http::StatusCode::NOT_FOUND);
    }
    crate::shared::errors::PortalError::new(404, format!("{what} not found"))
}

/// The page a signed-in user sees where their role does not reach: 403, and nothing else.
#[component]
pub fn Forbidden() -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(http::StatusCode::FORBIDDEN);
    }
    view! {
        <leptos_meta::Title text="Not allowed"/>
        <div class="mx-auto max-w-md py-24 text-center" data-testid="forbidden">
            <p class="text-sm font-semibold text-indigo-600">"403"</p>
            <h1 class="mt-2 text-2xl font-bold">"You do not have access to this page"</h1>
            <p class="mt-2 text-slate-600 dark:text-slate-400">
                "Your role does not include it. Ask an owner or a manager if you need it."
            </p>
            <a href="/" class="mt-6 inline-block text-indigo-600 hover:underline">"Go to your start page"</a>
        </div>
    }
}
