//! `/`: sends a signed-in user to the first page their role reaches, and others to sign in.

use crate::app::components::{
    form::Loading,
    guard::{use_viewer, GoTo},
    layout::start_page,
};
use leptos::prelude::*;

#[component]
pub fn Home() -> impl IntoView {
    let viewer = use_viewer();
    view! {
        <Suspense fallback=|| view! { <Loading/> }>
            {move || Suspend::new(async move {
                match viewer.await {
                    Ok(Some(user)) => view! { <GoTo path=start_page(&user)/> }.into_any(),
                    _ => view! { <GoTo path="/login"/> }.into_any(),
                }
            })}
        </Suspense>
    }
}
