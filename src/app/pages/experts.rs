//! Experts (staff who perform services): search and pages from the server, add and edit in a dialog
//! (services offered, photo URL with preview, active), delete after asking. Each name leads to the
//! expert's week and time off.

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
use crate::app::server_fns::{list_experts, Choice, DeleteExpert, ExpertQuery, SaveExpert};
use crate::shared::{
    appointments::encode,
    catalog::{Expert, ExpertForm},
    media::Folder,
    permissions::Permission,
};

#[component]
pub fn ExpertsPage() -> impl IntoView {
    view! {
        <Title text="Experts"/>
        <Guarded any_of=&[Permission::ExpertsView]>
            <Experts/>
        </Guarded>
    }
}

#[derive(Clone, Copy)]
struct ExpertsCtx {
    manages: Signal<bool>,
    version: RwSignal<u32>,
    current: RwSignal<Option<Expert>>,
    edit_open: RwSignal<bool>,
    delete_open: RwSignal<bool>,
    services: StoredValue<Vec<Choice>>,
}

#[component]
fn Experts() -> impl IntoView {
    let toasts = use_toasts();
    let viewer = use_viewer();
    let manages = Signal::derive(move || {
        viewer
            .get()
            .and_then(Result::ok)
            .flatten()
            .is_some_and(|u| u.can(Permission::ExpertsManage))
    });
    let query_map = use_query_map();
    let query = Memo::new(move |_| {
        let q = query_map.read();
        ExpertQuery {
            search: q.get("search").filter(|s| !s.trim().is_empty()),
            page: q.get("page"),
        }
    });
    let version = RwSignal::new(0u32);
    let live = crate::app::live::use_live();
    let experts = Resource::new(
        move || (query.get(), version.get(), live.catalog.get()),
        |(q, _, _)| list_experts(q),
    );
    let ctx = ExpertsCtx {
        manages,
        version,
        current: RwSignal::new(None),
        edit_open: RwSignal::new(false),
        delete_open: RwSignal::new(false),
        services: StoredValue::new(Vec::new()),
    };
    provide_context(ctx);
    let remove = ServerAction::<DeleteExpert>::new();
    report(
        move || remove.value().get(),
        None,
        move |()| {
            toasts.ok("Expert deleted");
            ctx.delete_open.set(false);
            version.update(|v| *v += 1);
        },
    );
    // A refused delete (history) closes the dialog too; the toast says why.
    Effect::new(move |_| {
        if remove.value().with(|r| matches!(r, Some(Err(_)))) {
            ctx.delete_open.set(false);
        }
    });

    view! {
        <div class="mx-auto max-w-6xl">
            <div class="mb-6 flex flex-wrap items-start justify-between gap-3">
                <div>
                    <h1 class="text-2xl font-bold tracking-tight">"Experts"</h1>
                    <p class="mt-1 text-sm text-slate-600 dark:text-slate-400">"The people customers book, the services each offers, and their hours."</p>
                </div>
                <button type="button" class=BUTTON_PRIMARY class:hidden=move || !manages.get() data-testid="new-expert" on:click=move |_| {
                    ctx.current.set(None);
                    ctx.edit_open.set(true);
                }>"Add expert"</button>
            </div>
            <Form method="GET" action="" attr:class="mb-4 flex gap-2">
                <label class="flex-1 sm:max-w-sm">
                    <span class="sr-only">"Search experts"</span>
                    <input type="search" name="search" class=INPUT placeholder="Name or specialty" prop:value=move || query.get().search.unwrap_or_default() data-testid="expert-search"/>
                </label>
                <button type="submit" class=BUTTON_SECONDARY>"Search"</button>
            </Form>
            <Transition fallback=|| view! { <Loading/> }>
                {move || Suspend::new(async move {
                    match experts.await {
                        Err(e) => view! { <Alert message=e.message/> }.into_any(),
                        Ok(page) => {
                            ctx.services.set_value(page.services.clone());
                            let services = page.services;
                            let pagination = page.pagination;
                            let empty = page.experts.is_empty();
                            view! {
                                <div class="overflow-x-auto rounded-lg border border-slate-200 bg-white shadow-sm dark:border-slate-800 dark:bg-slate-900">
                                    <table class="min-w-full divide-y divide-slate-200 text-sm dark:divide-slate-800">
                                        <thead class="bg-slate-50 text-left text-xs font-semibold uppercase tracking-wide text-slate-500 dark:bg-slate-800/50 dark:text-slate-400">
                                            <tr>
                                                <th scope="col" class="px-4 py-3">"Expert"</th>
                                                <th scope="col" class="px-4 py-3">"Services"</th>
                                                <th scope="col" class="px-4 py-3">"Contact"</th>
                                                <th scope="col" class="px-4 py-3">"Status"</th>
                                                <th scope="col" class="px-4 py-3"><span class="sr-only">"Actions"</span></th>
                                            </tr>
                                        </thead>
                                        <tbody class="divide-y divide-slate-100 dark:divide-slate-800">
                                            <tr hidden=!empty><td colspan="5"><Empty message="No experts match."/></td></tr>
                                            {page.experts.into_iter().map(|e| {
                                                let names = e.service_ids.iter()
                                                    .filter_map(|id| services.iter().find(|s| s.id == *id).map(|s| s.name.clone()))
                                                    .collect::<Vec<_>>()
                                                    .join(", ");
                                                let row = StoredValue::new(e.clone());
                                                view! {
                                                    <tr data-testid="expert-row" data-id=e.id.to_string()>
                                                        <td class="px-4 py-3">
                                                            <A href=format!("/experts/{}", e.id) attr:class="font-medium text-indigo-700 hover:underline dark:text-indigo-300" attr:data-testid="expert-link">{e.name.clone()}</A>
                                                            <span class="block text-xs text-slate-500">{e.specialty.clone().unwrap_or_default()}</span>
                                                        </td>
                                                        <td class="px-4 py-3 text-slate-600 dark:text-slate-400">{names}</td>
                                                        <td class="px-4 py-3 text-xs text-slate-600 dark:text-slate-400">
                                                            <span class="block">{e.email.clone().unwrap_or_default()}</span>
                                                            <span class="block">{e.phone.clone().unwrap_or_default()}</span>
                                                        </td>
                                                        <td class="px-4 py-3">
                                                            <span class="rounded-full px-2 py-0.5 text-xs font-medium" class=(["bg-emerald-50", "text-emerald-700"], e.is_active) class=(["bg-slate-100", "text-slate-600"], !e.is_active)>
                                                                {if e.is_active { "Active" } else { "Inactive" }}
                                                            </span>
                                                        </td>
                                                        <td class="whitespace-nowrap px-4 py-3 text-right">
                                                            <A href=format!("/experts/{}", e.id) attr:class=BUTTON_SMALL>"Hours"</A>
                                                            <button type="button" class=BUTTON_SMALL class:hidden=move || !ctx.manages.get() data-testid="expert-edit" on:click=move |_| {
                                                                ctx.current.set(Some(row.get_value()));
                                                                ctx.edit_open.set(true);
                                                            }>"Edit"</button>
                                                            <button type="button" class="rounded px-2 py-1 text-xs font-medium text-red-700 hover:bg-red-50 dark:text-red-300 dark:hover:bg-red-950" class:hidden=move || !ctx.manages.get() data-testid="expert-delete" on:click=move |_| {
                                                                ctx.current.set(Some(row.get_value()));
                                                                ctx.delete_open.set(true);
                                                            }>"Delete"</button>
                                                        </td>
                                                    </tr>
                                                }
                                            }).collect_view()}
                                        </tbody>
                                    </table>
                                </div>
                                <Pager pagination href=move |p| {
                                    let search = query.get_untracked().search.map(|s| format!("search={}&", encode(&s))).unwrap_or_default();
                                    format!("?{search}page={p}")
                                }/>
                            }.into_any()
                        }
                    }
                })}
            </Transition>
        </div>
        <ExpertDialog/>
        <ConfirmDialog
            open=ctx.delete_open
            title="Delete this expert?"
            message=Signal::derive(move || ctx.current.with(|e| e.as_ref().map(|e| format!(
                "{} will be removed with their hours and time off. An expert with appointments is kept for the history: deactivate them instead.", e.name
            )).unwrap_or_default()))
            confirm_label="Delete"
            pending=Signal::derive(move || remove.pending().get())
            on_confirm=Callback::new(move |()| if let Some(e) = ctx.current.get_untracked() {
                remove.dispatch(DeleteExpert { id: e.id });
            })
            test_id="expert-delete-dialog"
        />
    }
}

/// Adds or edits an expert, checked in the browser by the server's own `ExpertForm::parse`.
#[component]
fn ExpertDialog() -> impl IntoView {
    let ctx = expect_context::<ExpertsCtx>();
    let toasts = use_toasts();
    let save = ServerAction::<SaveExpert>::new();
    let errors: FieldErrors = RwSignal::new(Vec::new());
    report(
        move || save.value().get(),
        Some(errors),
        move |e| {
            toasts.ok(format!("Saved {}", e.name));
            ctx.edit_open.set(false);
            ctx.version.update(|v| *v += 1);
        },
    );
    let title = Signal::derive(move || {
        ctx.current.with(|c| {
            c.as_ref()
                .map_or("New expert".to_owned(), |e| format!("Edit {}", e.name))
        })
    });
    view! {
        <Modal open=ctx.edit_open title test_id="expert-dialog">
            {move || {
                let current = ctx.current.get_untracked();
                errors.set(Vec::new());
                let id = current.as_ref().map(|e| e.id);
                let text = |f: fn(&Expert) -> Option<String>| RwSignal::new(current.as_ref().and_then(f).unwrap_or_default());
                let name = RwSignal::new(current.as_ref().map(|e| e.name.clone()).unwrap_or_default());
                let email = text(|e| e.email.clone());
                let phone = text(|e| e.phone.clone());
                let specialty = text(|e| e.specialty.clone());
                let bio = text(|e| e.bio.clone());
                let image = text(|e| e.image_url.clone());
                let active = RwSignal::new(current.as_ref().is_none_or(|e| e.is_active));
                let offered = RwSignal::new(current.as_ref().map(|e| e.service_ids.clone()).unwrap_or_default());
                let services = ctx.services.get_value();
                let submit = move |ev: leptos::ev::SubmitEvent| {
                    ev.prevent_default();
                    let form = ExpertForm {
                        name: Some(name.get_untracked()),
                        email: Some(email.get_untracked()),
                        phone: Some(phone.get_untracked()),
                        specialty: Some(specialty.get_untracked()),
                        bio: Some(bio.get_untracked()),
                        image_url: Some(image.get_untracked()),
                        is_active: Some(active.get_untracked()),
                        service_ids: Some(offered.get_untracked().iter().map(Uuid::to_string).collect()),
                        user_id: None,
                    };
                    match form.parse(id.is_none()) {
                        Err(list) => errors.set(list),
                        Ok(_) => {
                            errors.set(Vec::new());
                            save.dispatch(SaveExpert { id, form });
                        }
                    }
                };
                view! {
                    <form class="mt-4 space-y-3" on:submit=submit novalidate>
                        <div class="grid grid-cols-2 gap-3">
                            <label class=format!("{LABEL} col-span-2")>
                                "Name"
                                <input type="text" class=INPUT bind:value=name data-testid="expert-form-name"/>
                                <FieldMessage errors field="name"/>
                            </label>
                            <label class=LABEL>
                                "Email"
                                <input type="email" class=INPUT bind:value=email data-testid="expert-form-email"/>
                                <FieldMessage errors field="email"/>
                            </label>
                            <label class=LABEL>
                                "Phone"
                                <input type="tel" class=INPUT bind:value=phone/>
                                <FieldMessage errors field="phone"/>
                            </label>
                            <label class=format!("{LABEL} col-span-2")>
                                "Specialty"
                                <input type="text" class=INPUT bind:value=specialty/>
                                <FieldMessage errors field="specialty"/>
                            </label>
                            <label class=format!("{LABEL} col-span-2")>
                                "About"
                                <textarea class=INPUT rows="2" bind:value=bio></textarea>
                                <FieldMessage errors field="bio"/>
                            </label>
                            <ImageField label="Photo" value=image folder=Folder::Experts errors=errors field="imageUrl" class="col-span-2" round=true test_id="expert-form-image"/>
                        </div>
                        <fieldset>
                            <legend class=LABEL>"Services offered"</legend>
                            <div class="mt-1 grid max-h-40 grid-cols-2 gap-1 overflow-y-auto rounded-md border border-slate-200 p-2 dark:border-slate-700" data-testid="expert-form-services">
                                {services.into_iter().map(|s| {
                                    let sid = s.id;
                                    view! {
                                        <label class="flex items-center gap-2 text-sm">
                                            <input type="checkbox" prop:checked=move || offered.with(|o| o.contains(&sid)) on:change=move |ev| {
                                                let tick = event_target_checked(&ev);
                                                offered.update(|o| { o.retain(|x| *x != sid); if tick { o.push(sid); } });
                                            }/>
                                            {s.name}
                                        </label>
                                    }
                                }).collect_view()}
                            </div>
                            <FieldMessage errors field="serviceIds"/>
                        </fieldset>
                        <label class="flex items-center gap-2 text-sm">
                            <input type="checkbox" bind:checked=active/>
                            "Active (bookable in the app)"
                        </label>
                        <div class="flex justify-end gap-3 pt-2">
                            <button type="button" class=BUTTON_SECONDARY on:click=move |_| ctx.edit_open.set(false)>"Close"</button>
                            <button type="submit" class=BUTTON_PRIMARY disabled=move || save.pending().get() data-testid="expert-form-submit">
                                {move || if save.pending().get() { "Saving…" } else { "Save" }}
                            </button>
                        </div>
                    </form>
                }
            }}
        </Modal>
    }
}
