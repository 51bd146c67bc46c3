use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn NotFound() -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(http::StatusCode::NOT_FOUND);
    }
    view! {
        <Title text="Not found"/>
        <div class="mx-auto max-w-md py-24 text-center">
            <p class="text-sm font-semibold text-indigo-600">"404"</p>
            <h1 class="mt-2 text-2xl font-bold">"Page not found"</h1>
            <p class="mt-2 text-slate-600 dark:text-slate-400">"The page you asked for does not exist."</p>
            <a href="/" class="mt-6 inline-block text-indigo-600 hover:underline">"Go to your start page"</a>
        </div>
    }
}
