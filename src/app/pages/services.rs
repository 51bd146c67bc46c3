//! Services: a paged, filtered list (filters in the URL), create and edit in a dialog checked by the
//! server's own `ServiceForm::parse`, activate/deactivate, and delete after asking.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::{
    components::{Form, A},
    hooks::use_query_map,
};
use uuid::Uuid;

use crate::app::components::{
    dialog::{ConfirmDialog, Modal, BUTTON_PRIMARY, BUTTON_SECONDARY, BUTTON_SMALL},
    form::{Alert, Empty, FieldErrors, FieldMessage, Loading, Pager, INPUT, LABEL},
    guard::{use_viewer, Guarded},
    image_field::ImageField,
    toast::{report, use_toasts},
};
use crate::app::server_fns::{list_categories, list_services, DeleteService, SaveService, ServiceQuery};
use crate::shared::{
    appointments::encode,
    catalog::{Category, Service, ServiceForm},
    media::Folder,
    permissions::Permission,
};

#[component]
pub fn ServicesPage() -> impl IntoView {
    view! {
        <Title text="Services"/>
        <Guarded any_of=&[Permission::ServicesView]>
            <Services/>
        </Guarded>
    }
}

fn url_query() -> Memo<ServiceQuery> {
    let query = use_query_map();
    Memo::new(move |_| {
        let q = query.read();
        let get = |k: &str| q.get(k).filter(|v| !v.trim().is_empty());
        ServiceQuery {
            category_id: get("categoryId"),
            status: get("status"),
            search: get("search"),
            page: get("page"),
        }
    })
}

fn query_string(q: &ServiceQuery) -> String {
    [
        ("categoryId", &q.category_id),
        ("status", &q.status),
        ("search", &q.search),
        ("page", &q.page),
    ]
    .iter()
    .filter_map(|(k, v)| v.as_deref().map(|v| format!("{k}={}", encode(v))))
    .collect::<Vec<_>>()
    .join("&")
}

#[component]
fn Services() -> impl IntoView {
    let toasts = use_toasts();
    let viewer = use_viewer();
    let manages = move || {
        viewer
            .get()
            .and_then(Result::ok)
            .flatten()
            .is_some_and(|u| u.can(Permission::ServicesManage))
    };
    let query = url_query();
    let version = RwSignal::new(0u32);
    let live = crate::app::live::use_live();
    let list = Resource::new(
        move || (query.get(), version.get(), live.catalog.get()),
        |(q, _, _)| list_services(q),
    );
    let categories = Resource::new(|| (), |_| list_categories());

    let editing = RwSignal::new(None::<Option<Service>>);
    let edit_open = RwSignal::new(false);
    let delete_open = RwSignal::new(false);
    let target = RwSignal::new(None::<Service>);
    let save = ServerAction::<SaveService>::new();
    let remove = ServerAction::<DeleteService>::new();
    let errors: FieldErrors = RwSignal::new(Vec::new());
    report(
        move || save.value().get(),
        Some(errors),
        move |s| {
            toasts.ok(format!("Saved {}", s.name));
            edit_open.set(false);
            version.update(|v| *v += 1);
        },
    );
    report(
        move || remove.value().get(),
        None,
        move |()| {
            toasts.ok("Service deleted");
            delete_open.set(false);
            version.update(|v| *v += 1);
        },
    );
    let open_editor = move |s: Option<Service>| {
        errors.set(Vec::new());
        editing.set(Some(s));
        edit_open.set(true);
    };

    view! {
        <div class="mx-auto max-w-7xl">
            <div class="mb-4 flex flex-wrap items-center justify-between gap-3">
                <h1 class="text-2xl font-bold tracking-tight">"Services"</h1>
                <Show when=manages>
                    <button type="button" class=BUTTON_PRIMARY on:click=move |_| open_editor(None) data-testid="new-service">"Add service"</button>
                </Show>
            </div>
            <Form method="GET" action="" attr:class="mb-4 grid grid-cols-2 gap-3 rounded-lg border border-slate-200 bg-white p-4 shadow-sm md:grid-cols-5 dark:border-slate-800 dark:bg-slate-900">
                <label class=format!("{LABEL} col-span-2")>
                    "Search"
                    <input type="search" name="search" class=INPUT placeholder="Name or description" prop:value=move || query.get().search.unwrap_or_default() data-testid="service-search"/>
                </label>
                <label class=LABEL>
                    "Category"
                    <select name="categoryId" class=INPUT data-testid="service-category-filter">
                        <option value="">"All"</option>
                        <Transition fallback=|| ()>
                            {move || categories.get().and_then(Result::ok).unwrap_or_default().into_iter().map(|c| {
                                let id = c.id.to_string();
                                let selected = query.get().category_id.as_deref() == Some(id.as_str());
                                view! { <option value=id selected=selected>{c.name}</option> }
                            }).collect_view()}
                        </Transition>
                    </select>
                </label>
                <label class=LABEL>
                    "Status"
                    <select name="status" class=INPUT>
                        <option value="">"All"</option>
                        <option value="active" selected=move || query.get().status.as_deref() == Some("active")>"Active"</option>
                        <option value="inactive" selected=move || query.get().status.as_deref() == Some("inactive")>"Inactive"</option>
                    </select>
                </label>
                <div class="flex items-end gap-2">
                    <button type="submit" class=BUTTON_PRIMARY data-testid="service-apply">"Apply"</button>
                    <A href="/services" attr:class=BUTTON_SECONDARY>"Clear"</A>
                </div>
            </Form>
            <Transition fallback=|| view! { <Loading/> }>
                {move || Suspend::new(async move {
                    match list.await {
                        Err(e) => view! { <Alert message=e.message/> }.into_any(),
                        Ok(page) => {
                            let pagination = page.pagination;
                            let rows = page.services;
                            let offers: std::collections::HashMap<Uuid, Vec<String>> = page.offers.into_iter().collect();
                            view! {
                                <div class="overflow-x-auto rounded-lg border border-slate-200 bg-white shadow-sm dark:border-slate-800 dark:bg-slate-900">
                                    <table class="min-w-full divide-y divide-slate-200 text-sm dark:divide-slate-800">
                                        <thead class="bg-slate-50 text-left text-xs font-semibold uppercase tracking-wide text-slate-500 dark:bg-slate-800/50 dark:text-slate-400">
                                            <tr>
                                                <th scope="col" class="px-4 py-3">"Service"</th>
                                                <th scope="col" class="px-4 py-3">"Category"</th>
                                                <th scope="col" class="px-4 py-3 text-right">"Price"</th>
                                                <th scope="col" class="px-4 py-3 text-right">"Minutes"</th>
                                                <th scope="col" class="px-4 py-3">"Tags"</th>
                                                <th scope="col" class="px-4 py-3">"Status"</th>
                                                <th scope="col" class="px-4 py-3"><span class="sr-only">"Actions"</span></th>
                                            </tr>
                                        </thead>
                                        <tbody class="divide-y divide-slate-100 dark:divide-slate-800">
                                            <tr hidden=!rows.is_empty()><td colspan="7"><Empty message="No services match."/></td></tr>
                                            {rows.into_iter().map(|s| {
                                                let s = StoredValue::new(s);
                                                s.with_value(|v| view! {
                                                    <tr data-testid="service-row" data-id=v.id.to_string()>
                                                        <td class="px-4 py-3">
                                                            <div class="flex items-center gap-3">
                                                                <img src=v.image_url.clone().unwrap_or_default() hidden=v.image_url.is_none() alt="" class="h-10 w-10 rounded object-cover" loading="lazy" width="40" height="40"/>
                                                                <div>
                                                                    <span class="font-medium" data-testid="service-name">{v.name.clone()}</span>
                                                                    {offers.get(&v.id).map(|titles| {
                                                                        let label = format!("Offers: {}", titles.join(", "));
                                                                        view! { <span class="ml-2 rounded-full bg-indigo-50 px-2 py-0.5 text-xs font-medium text-indigo-700 dark:bg-indigo-950 dark:text-indigo-300" title=label.clone() aria-label=label data-testid="service-offer-badge">"🎁 Offer"</span> }
                                                                    })}
                                                                    <span class="block max-w-xs truncate text-xs text-slate-500">{v.description.clone().unwrap_or_default()}</span>
                                                                </div>
                                                            </div>
                                                        </td>
                                                        <td class="px-4 py-3">{v.category_name.clone().unwrap_or_default()}</td>
                                                        <td class="px-4 py-3 text-right tabular-nums" data-testid="service-price">{v.price.clone()}</td>
                                                        <td class="px-4 py-3 text-right tabular-nums">{v.duration}</td>
                                                        <td class="px-4 py-3 text-xs">{v.tags.join(", ")}</td>
                                                        <td class="px-4 py-3">
                                                            {if v.is_active {
                                                                view! { <span class="rounded-full bg-emerald-50 px-2 py-0.5 text-xs font-medium text-emerald-700 dark:bg-emerald-950 dark:text-emerald-300">"Active"</span> }.into_any()
                                                            } else {
                                                                view! { <span class="rounded-full bg-slate-100 px-2 py-0.5 text-xs font-medium text-slate-600 dark:bg-slate-800 dark:text-slate-400">"Inactive"</span> }.into_any()
                                                            }}
                                                        </td>
                                                        <td class="whitespace-nowrap px-4 py-3 text-right">
                                                            <Show when=manages>
                                                                <button type="button" class=BUTTON_SMALL on:click=move |_| open_editor(Some(s.get_value())) data-testid="service-edit">"Edit"</button>
                                                                <button type="button" class=BUTTON_SMALL disabled=move || save.pending().get()
                                                                    on:click=move |_| {
                                                                        let v = s.get_value();
                                                                        save.dispatch(SaveService { id: Some(v.id), form: ServiceForm { is_active: Some(!v.is_active), ..Default::default() } });
                                                                    }
                                                                    data-testid="service-toggle"
                                                                >
                                                                    {if s.with_value(|v| v.is_active) { "Deactivate" } else { "Activate" }}
                                                                </button>
                                                                <button type="button" class="rounded px-2 py-1 text-xs font-medium text-red-700 hover:bg-red-50 dark:text-red-300 dark:hover:bg-red-950"
                                                                    on:click=move |_| { target.set(Some(s.get_value())); delete_open.set(true); }
                                                                    data-testid="service-delete"
                                                                >"Delete"</button>
                                                            </Show>
                                                        </td>
                                                    </tr>
                                                })
                                            }).collect_view()}
                                        </tbody>
                                    </table>
                                </div>
                                <Pager pagination href=move |p| format!("?{}", query_string(&ServiceQuery { page: Some(p.to_string()), ..query.get_untracked() }))/>
                            }.into_any()
                        }
                    }
                })}
            </Transition>
        </div>
        <Modal open=edit_open title=Signal::derive(move || if editing.with(|e| matches!(e, Some(Some(_)))) { "Edit service".to_owned() } else { "New service".to_owned() }) test_id="service-dialog">
            {move || {
                let current = editing.get().flatten();
                let cats = categories.get().and_then(Result::ok).unwrap_or_default();
                view! { <ServiceEditor current categories=cats errors pending=Signal::derive(move || save.pending().get()) on_close=Callback::new(move |()| edit_open.set(false)) on_save=Callback::new(move |(id, form)| { save.dispatch(SaveService { id, form }); })/> }
            }}
        </Modal>
        <ConfirmDialog
            open=delete_open
            title="Delete this service?"
            message=Signal::derive(move || target.with(|t| t.as_ref().map(|s| format!("{} will be removed. Services with appointments cannot be deleted; deactivate them instead.", s.name)).unwrap_or_default()))
            confirm_label="Delete"
            pending=Signal::derive(move || remove.pending().get())
            on_confirm=Callback::new(move |()| if let Some(s) = target.get_untracked() { remove.dispatch(DeleteService { id: s.id }); })
            test_id="service-delete-dialog"
        />
    }
}

#[component]
fn ServiceEditor(
    current: Option<Service>,
    categories: Vec<Category>,
    errors: FieldErrors,
    pending: Signal<bool>,
    on_close: Callback<()>,
    on_save: Callback<(Option<Uuid>, ServiceForm)>,
) -> impl IntoView {
    let id = current.as_ref().map(|s| s.id);
    let c = current.clone();
    let name = RwSignal::new(c.as_ref().map(|s| s.name.clone()).unwrap_or_default());
    let description = RwSignal::new(c.as_ref().and_then(|s| s.description.clone()).unwrap_or_default());
    let category = RwSignal::new(c.as_ref().map(|s| s.category_id.to_string()).unwrap_or_default());
    let price = RwSignal::new(c.as_ref().map(|s| s.price.clone()).unwrap_or_default());
    let duration = RwSignal::new(
        c.as_ref()
            .map(|s| s.duration.to_string())
            .unwrap_or_else(|| "30".into()),
    );
    let tags = RwSignal::new(c.as_ref().map(|s| s.tags.join(", ")).unwrap_or_default());
    let image = RwSignal::new(c.as_ref().and_then(|s| s.image_url.clone()).unwrap_or_default());
    let active = RwSignal::new(c.as_ref().is_none_or(|s| s.is_active));
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let form = ServiceForm {
            category_id: Some(category.get_untracked()).filter(|c| !c.is_empty()),
            name: Some(name.get_untracked()),
            description: Some(description.get_untracked()),
            price: Some(serde_json::Value::String(price.get_untracked())),
            duration: Some(serde_json::Value::String(duration.get_untracked())),
            image_url: Some(image.get_untracked()),
            tags: Some(serde_json::Value::String(tags.get_untracked())),
            is_active: Some(active.get_untracked()),
        };
        match form.parse(id.is_none()) {
            Err(list) => errors.set(list),
            Ok(_) => {
                errors.set(Vec::new());
                on_save.run((id, form));
            }
        }
    };
    view! {
        <form class="mt-4 grid grid-cols-2 gap-3" on:submit=submit novalidate>
            <label class=format!("{LABEL} col-span-2")>
                "Name"
                <input type="text" class=INPUT bind:value=name data-testid="service-form-name"/>
                <FieldMessage errors field="name"/>
            </label>
            <label class=format!("{LABEL} col-span-2")>
                "Category"
                <select class=INPUT bind:value=category data-testid="service-form-category">
                    <option value="">"Choose a category"</option>
                    {categories.into_iter().map(|c| view! { <option value=c.id.to_string()>{c.name}</option> }).collect_view()}
                </select>
                <FieldMessage errors field="categoryId"/>
            </label>
            <label class=LABEL>
                "Price"
                <input type="text" inputmode="decimal" class=INPUT bind:value=price placeholder="25.00" data-testid="service-form-price"/>
                <FieldMessage errors field="price"/>
            </label>
            <label class=LABEL>
                "Minutes"
                <input type="number" min="5" max="480" step="5" class=INPUT bind:value=duration data-testid="service-form-duration"/>
                <FieldMessage errors field="duration"/>
            </label>
            <label class=format!("{LABEL} col-span-2")>
                "Description"
                <textarea class=INPUT rows="2" bind:value=description></textarea>
                <FieldMessage errors field="description"/>
            </label>
            <label class=format!("{LABEL} col-span-2")>
                "Tags (comma-separated)"
                <input type="text" class=INPUT bind:value=tags data-testid="service-form-tags"/>
                <FieldMessage errors field="tags"/>
            </label>
            <ImageField label="Image" value=image folder=Folder::Services errors=errors field="imageUrl" class="col-span-2" test_id="service-form-image"/>
            <label class="col-span-2 flex items-center gap-2 text-sm">
                <input type="checkbox" bind:checked=active/>
                "Active (customers can book it)"
            </label>
            <div class="col-span-2 flex justify-end gap-3 pt-2">
                <button type="button" class=BUTTON_SECONDARY on:click=move |_| on_close.run(())>"Close"</button>
                <button type="submit" class=BUTTON_PRIMARY disabled=move || pending.get() data-testid="service-form-submit">
                    {move || if pending.get() { "Saving…" } else { "Save" }}
                </button>
            </div>
        </form>
    }
}
