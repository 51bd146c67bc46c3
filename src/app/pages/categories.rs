//! Service categories: the server renders the full list (there are few); once hydrated, the filter
//! narrows it in the browser without a request. Categories can be added, edited and deleted (one
//! in use can be deactivated instead), unlike in the old portal.

use leptos::prelude::*;
use leptos_meta::Title;
use uuid::Uuid;

use crate::app::components::{
    dialog::{ConfirmDialog, Modal, BUTTON_PRIMARY, BUTTON_SECONDARY, BUTTON_SMALL},
    form::{FieldErrors, FieldMessage, INPUT, LABEL},
    guard::{use_viewer, Guarded},
    image_field::ImageField,
    toast::{report, use_toasts},
};
use crate::app::server_fns::{list_categories, DeleteCategory, SaveCategory};
use crate::shared::{
    catalog::{Category, CategoryForm},
    media::Folder,
    permissions::Permission,
};

#[component]
pub fn CategoriesPage() -> impl IntoView {
    view! {
        <Title text="Categories"/>
        <Guarded any_of=&[Permission::ServicesView]>
            <Categories/>
        </Guarded>
    }
}

/// What the category dialogs act on; the table's buttons set it.
#[derive(Clone, Copy)]
struct Editing {
    current: RwSignal<Option<Category>>,
    edit_open: RwSignal<bool>,
    delete_open: RwSignal<bool>,
    manages: Signal<bool>,
}

#[component]
fn Categories() -> impl IntoView {
    let toasts = use_toasts();
    let viewer = use_viewer();
    let manages = Signal::derive(move || {
        viewer
            .get()
            .and_then(Result::ok)
            .flatten()
            .is_some_and(|u| u.can(Permission::CategoriesManage))
    });
    let version = RwSignal::new(0u32);
    let live = crate::app::live::use_live();
    let categories = Resource::new(move || (version.get(), live.catalog.get()), |_| list_categories());
    let editing = Editing {
        current: RwSignal::new(None),
        edit_open: RwSignal::new(false),
        delete_open: RwSignal::new(false),
        manages,
    };
    provide_context(editing);
    let save = ServerAction::<SaveCategory>::new();
    let remove = ServerAction::<DeleteCategory>::new();
    let errors: FieldErrors = RwSignal::new(Vec::new());
    report(
        move || save.value().get(),
        Some(errors),
        move |c| {
            toasts.ok(format!("Saved {}", c.name));
            editing.edit_open.set(false);
            version.update(|v| *v += 1);
        },
    );
    Effect::new(move |_| {
        let Some(result) = remove.value().get() else {
            return;
        };
        match result {
            Ok(true) => toasts.ok("Category deleted"),
            Ok(false) => toasts.ok("Category deactivated: services still use it"),
            Err(e) => toasts.err(e.message),
        }
        editing.delete_open.set(false);
        version.update(|v| *v += 1);
    });
    view! {
        <div class="mx-auto max-w-5xl">
            <div class="mb-6 flex flex-wrap items-start justify-between gap-3">
                <div>
                    <h1 class="text-2xl font-bold tracking-tight">"Service categories"</h1>
                    <p class="mt-1 text-sm text-slate-600 dark:text-slate-400">
                        "What customers see first in the app. Inactive categories are hidden from the app."
                    </p>
                </div>
                <Show when=move || manages.get()>
                    <button type="button" class=BUTTON_PRIMARY data-testid="new-category" on:click=move |_| {
                        errors.set(Vec::new());
                        editing.current.set(None);
                        editing.edit_open.set(true);
                    }>"Add category"</button>
                </Show>
            </div>
            <Transition fallback=|| view! { <p class="text-slate-500">"Loading categories…"</p> }>
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
            </Transition>
        </div>
        <Modal open=editing.edit_open title=Signal::derive(move || if editing.current.with(Option::is_some) { "Edit category".to_owned() } else { "New category".to_owned() }) test_id="category-dialog">
            {move || view! {
                <CategoryEditor
                    current=editing.current.get()
                    errors
                    pending=Signal::derive(move || save.pending().get())
                    on_close=Callback::new(move |()| editing.edit_open.set(false))
                    on_save=Callback::new(move |(id, form)| { save.dispatch(SaveCategory { id, form }); })
                />
            }}
        </Modal>
        <ConfirmDialog
            open=editing.delete_open
            title="Delete this category?"
            message=Signal::derive(move || editing.current.with(|c| c.as_ref().map(|c| format!(
                "{} will be deleted. If services still use it, it is deactivated instead (hidden from the app).", c.name
            )).unwrap_or_default()))
            confirm_label="Delete"
            pending=Signal::derive(move || remove.pending().get())
            on_confirm=Callback::new(move |()| if let Some(c) = editing.current.get_untracked() {
                remove.dispatch(DeleteCategory { id: c.id, force: true });
            })
            test_id="category-delete-dialog"
        />
    }
}

#[component]
fn CategoryEditor(
    current: Option<Category>,
    errors: FieldErrors,
    pending: Signal<bool>,
    on_close: Callback<()>,
    on_save: Callback<(Option<Uuid>, CategoryForm)>,
) -> impl IntoView {
    let id = current.as_ref().map(|c| c.id);
    let name = RwSignal::new(current.as_ref().map(|c| c.name.clone()).unwrap_or_default());
    let description = RwSignal::new(
        current
            .as_ref()
            .and_then(|c| c.description.clone())
            .unwrap_or_default(),
    );
    let image = RwSignal::new(
        current
            .as_ref()
            .and_then(|c| c.image_url.clone())
            .unwrap_or_default(),
    );
    let order = RwSignal::new(current.as_ref().map_or(0, |c| c.display_order).to_string());
    let active = RwSignal::new(current.as_ref().is_none_or(|c| c.is_active));
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Ok(display_order) = order.get_untracked().trim().parse::<i32>() else {
            errors.set(vec![crate::shared::errors::FieldError::new(
                "displayOrder",
                "Must be a whole number",
            )]);
            return;
        };
        let form = CategoryForm {
            name: Some(name.get_untracked()),
            description: Some(description.get_untracked()),
            image_url: Some(image.get_untracked()),
            icon: None,
            display_order: Some(display_order),
            is_active: Some(active.get_untracked()),
        };
        match form.parse_new() {
            Err(list) => errors.set(list),
            Ok(_) => {
                errors.set(Vec::new());
                on_save.run((id, form));
            }
        }
    };
    view! {
        <form class="mt-4 space-y-3" on:submit=submit novalidate>
            <label class=LABEL>
                "Name"
                <input type="text" class=INPUT bind:value=name data-testid="category-form-name"/>
                <FieldMessage errors field="name"/>
            </label>
            <label class=LABEL>
                "Description"
                <textarea class=INPUT rows="2" bind:value=description></textarea>
                <FieldMessage errors field="description"/>
            </label>
            <ImageField label="Image" value=image folder=Folder::Categories errors=errors field="imageUrl" test_id="category-form-image"/>
            <label class=LABEL>
                "Order in the app"
                <input type="number" class=INPUT bind:value=order/>
                <FieldMessage errors field="displayOrder"/>
            </label>
            <label class="flex items-center gap-2 text-sm">
                <input type="checkbox" bind:checked=active/>
                "Active (shown in the app)"
            </label>
            <div class="flex justify-end gap-3 pt-2">
                <button type="button" class=BUTTON_SECONDARY on:click=move |_| on_close.run(())>"Close"</button>
                <button type="submit" class=BUTTON_PRIMARY disabled=move || pending.get() data-testid="category-form-submit">
                    {move || if pending.get() { "Saving…" } else { "Save" }}
                </button>
            </div>
        </form>
    }
}

#[component]
fn CategoryTable(list: Vec<Category>) -> impl IntoView {
    let editing = expect_context::<Editing>();
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
                        <th scope="col" class="px-4 py-3"><span class="sr-only">"Actions"</span></th>
                    </tr>
                </thead>
                <tbody class="divide-y divide-slate-100 dark:divide-slate-800" data-testid="category-rows">
                    <For each=move || visible.get() key=|c| c.id children=move |c: Category| {
                        let row = StoredValue::new(c.clone());
                        view! {
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
                            <td class="whitespace-nowrap px-4 py-3 text-right">
                                <Show when=move || editing.manages.get()>
                                    {
                                        view! {
                                            <button type="button" class=BUTTON_SMALL data-testid="category-edit" on:click=move |_| {
                                                editing.current.set(Some(row.get_value()));
                                                editing.edit_open.set(true);
                                            }>"Edit"</button>
                                            <button type="button" class="rounded px-2 py-1 text-xs font-medium text-red-700 hover:bg-red-50 dark:text-red-300 dark:hover:bg-red-950" data-testid="category-delete" on:click=move |_| {
                                                editing.current.set(Some(row.get_value()));
                                                editing.delete_open.set(true);
                                            }>"Delete"</button>
                                        }
                                    }
                                </Show>
                            </td>
                        </tr>
                        }
                    }/>
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
