//! Service categories: the server renders the full list; once hydrated, the filter narrows it in
//! the browser without a request.

use leptos::prelude::*;
use leptos_meta::Title;

use crate::app::server_fns::list_categories;
use crate::shared::catalog::Category;

#[component]
pub fn CategoriesPage() -> impl IntoView {
    let categories = Resource::new(|| (), |_| list_categories());
    view! {
        <Title text="Categories"/>
        <div class="mx-auto max-w-5xl">
            <div class="mb-6">
                <h1 class="text-2xl font-bold tracking-tight">"Service categories"</h1>
                <p class="mt-1 text-sm text-slate-600 dark:text-slate-400">
                    "What customers see first in the app. Inactive categories are hidden from the app."
                </p>
            </div>
            <Suspense fallback=|| view! { <p class="text-slate-500">"Loading categories…"</p> }>
                {move || Suspend::new(async move {
                    match categories.await {
                        Ok(list) => view! { <CategoryTable list/> }.into_any(),
                        Err(e) => view! {
                            <p role="alert" class="rounded-md bg-red-50 p-4 text-red-700 dark:bg-red-950 dark:text-red-300">
                                "Could not load categories: " {e.message}
                            </p>
                        }.into_any(),
                    }
                })}
            </Suspense>
        </div>
    }
}

#[component]
fn CategoryTable(list: Vec<Category>) -> impl IntoView {
    let total = list.len();
    let list = StoredValue::new(list);
    let query = RwSignal::new(String::new());
    let visible = Memo::new(move |_| {
        let q = query.get();
        list.with_value(|all| all.iter().filter(|c| c.matches(&q)).cloned().collect::<Vec<_>>())
    });

    view! {
        <div class="mb-4 flex flex-col gap-2 sm:flex-row sm:items-center sm:justify-between">
            <label class="flex items-center gap-2">
                <span class="sr-only">"Filter categories"</span>
                <input
                    type="search"
                    placeholder="Filter by name or description"
                    class="w-full rounded-md border border-slate-300 bg-white px-3 py-2 text-sm shadow-sm focus:border-indigo-500 focus:outline-none focus:ring-1 focus:ring-indigo-500 sm:w-80 dark:border-slate-700 dark:bg-slate-900"
                    data-testid="category-filter"
                    bind:value=query
                />
            </label>
            <p class="text-sm text-slate-600 dark:text-slate-400" data-testid="category-count" aria-live="polite">
                {move || format!("Showing {} of {}", visible.with(Vec::len), total)}
            </p>
        </div>
        <div class="overflow-x-auto rounded-lg border border-slate-200 bg-white shadow-sm dark:border-slate-800 dark:bg-slate-900">
            <table class="min-w-full divide-y divide-slate-200 text-sm dark:divide-slate-800">
                <thead class="bg-slate-50 text-left text-xs font-semibold uppercase tracking-wide text-slate-500 dark:bg-slate-800/50 dark:text-slate-400">
                    <tr>
                        <th scope="col" class="px-4 py-3">"Name"</th>
                        <th scope="col" class="px-4 py-3">"Description"</th>
                        <th scope="col" class="px-4 py-3 text-right">"Order"</th>
                        <th scope="col" class="px-4 py-3">"Status"</th>
                    </tr>
                </thead>
                <tbody class="divide-y divide-slate-100 dark:divide-slate-800" data-testid="category-rows">
                    <For each=move || visible.get() key=|c| c.id let:c>
                        <tr data-testid="category-row" data-id=c.id.to_string()>
                            <td class="px-4 py-3 font-medium">{c.name.clone()}</td>
                            <td class="px-4 py-3 text-slate-600 dark:text-slate-400">{c.description.clone().unwrap_or_default()}</td>
                            <td class="px-4 py-3 text-right tabular-nums">{c.display_order}</td>
                            <td class="px-4 py-3">
                                {if c.is_active {
                                    view! { <span class="rounded-full bg-emerald-50 px-2 py-0.5 text-xs font-medium text-emerald-700 dark:bg-emerald-950 dark:text-emerald-300">"Active"</span> }.into_any()
                                } else {
                                    view! { <span class="rounded-full bg-slate-100 px-2 py-0.5 text-xs font-medium text-slate-600 dark:bg-slate-800 dark:text-slate-400">"Inactive"</span> }.into_any()
                                }}
                            </td>
                        </tr>
                    </For>
                </tbody>
            </table>
            <Show when=move || visible.with(Vec::is_empty)>
                <p class="px-4 py-10 text-center text-sm text-slate-500" data-testid="category-empty">
                    {move || if total == 0 {
                        "No categories yet.".to_owned()
                    } else {
                        format!("No categories match “{}”.", query.get().trim())
                    }}
                </p>
            </Show>
        </div>
    }
}
