//! Roles and the permission matrix: every role is a column, every permission a row, grouped by area.
//! Ticks are drafted in the browser and saved together, in one transaction, so a half-applied set of
//! grants never exists. Custom roles can be created, renamed and deleted; system roles keep their
//! names, and the Owner column is fixed (it always has everything).

use std::collections::{BTreeMap, BTreeSet};

use leptos::prelude::*;
use leptos_meta::Title;
use uuid::Uuid;

use crate::app::components::{
    dialog::{Modal, BUTTON_DANGER, BUTTON_PRIMARY, BUTTON_SECONDARY, BUTTON_SMALL},
    form::{Alert, FieldErrors, FieldMessage, Loading, INPUT, LABEL},
    guard::{use_viewer, Guarded},
    toast::{report, use_toasts},
};
use crate::app::server_fns::{list_roles, DeleteRole, SavePermissionMatrix, SaveRole};
use crate::shared::{
    permissions::Permission,
    roles::{by_area, RoleForm, RoleGrants, RoleView},
};

#[component]
pub fn RolesPage() -> impl IntoView {
    view! {
        <Title text="Roles and permissions"/>
        <Guarded any_of=&[Permission::RolesView]>
            <Roles/>
        </Guarded>
    }
}

/// Shared by the matrix and the dialogs.
#[derive(Clone, Copy)]
struct RolesCtx {
    manages: Signal<bool>,
    version: RwSignal<u32>,
    current: RwSignal<Option<RoleView>>,
    edit_open: RwSignal<bool>,
    delete_open: RwSignal<bool>,
}

#[component]
fn Roles() -> impl IntoView {
    let viewer = use_viewer();
    let manages = Signal::derive(move || {
        viewer
            .get()
            .and_then(Result::ok)
            .flatten()
            .is_some_and(|u| u.can(Permission::RolesManage))
    });
    let version = RwSignal::new(0u32);
    let roles = Resource::new(move || version.get(), |_| list_roles());
    let ctx = RolesCtx {
        manages,
        version,
        current: RwSignal::new(None),
        edit_open: RwSignal::new(false),
        delete_open: RwSignal::new(false),
    };
    provide_context(ctx);
    view! {
        <div class="mx-auto max-w-7xl">
            <div class="mb-6 flex flex-wrap items-start justify-between gap-3">
                <div>
                    <h1 class="text-2xl font-bold tracking-tight">"Roles and permissions"</h1>
                    <p class="mt-1 text-sm text-slate-600 dark:text-slate-400">
                        "What each role may do. Changes apply to everyone holding the role at their next page."
                    </p>
                </div>
                <button type="button" class=BUTTON_PRIMARY class:hidden=move || !manages.get() data-testid="new-role" on:click=move |_| {
                    ctx.current.set(None);
                    ctx.edit_open.set(true);
                }>"New role"</button>
            </div>
            <Transition fallback=|| view! { <Loading/> }>
                {move || Suspend::new(async move {
                    match roles.await {
                        Ok(list) => view! { <Matrix list/> }.into_any(),
                        Err(e) => view! { <Alert message=e.message/> }.into_any(),
                    }
                })}
            </Transition>
        </div>
        <RoleDialog/>
        <DeleteRoleDialog roles/>
    }
}

type Draft = BTreeMap<Uuid, BTreeSet<String>>;

fn grants_of(list: &[RoleView]) -> Draft {
    list.iter()
        .map(|r| (r.id, r.permissions.iter().cloned().collect()))
        .collect()
}

#[component]
fn Matrix(list: Vec<RoleView>) -> impl IntoView {
    let ctx = expect_context::<RolesCtx>();
    let toasts = use_toasts();
    let saved = StoredValue::new(grants_of(&list));
    let draft = RwSignal::new(saved.get_value());
    // The roles whose ticks differ from what is stored.
    let changed = Memo::new(move |_| {
        draft.with(|d| {
            saved.with_value(|s| {
                d.iter()
                    .filter(|(id, set)| s.get(id) != Some(set))
                    .map(|(id, _)| *id)
                    .collect::<Vec<_>>()
            })
        })
    });
    let save = ServerAction::<SavePermissionMatrix>::new();
    report(
        move || save.value().get(),
        None,
        move |_| {
            toasts.ok("Permissions saved");
            ctx.version.update(|v| *v += 1);
        },
    );
    let submit = move |_| {
        let roles = changed.get_untracked();
        let grants = draft.with_untracked(|d| {
            roles
                .iter()
                .map(|id| RoleGrants {
                    role_id: *id,
                    permissions: d.get(id).map(|s| s.iter().cloned().collect()).unwrap_or_default(),
                })
                .collect()
        });
        save.dispatch(SavePermissionMatrix { roles: grants });
    };
    let columns = list.len() + 1;
    let roles = StoredValue::new(list);
    let set_all = move |id: Uuid, all: bool| {
        draft.update(|d| {
            d.insert(
                id,
                if all {
                    Permission::ALL.iter().map(|p| p.slug().to_owned()).collect()
                } else {
                    BTreeSet::new()
                },
            );
        })
    };

    view! {
        <div class="sticky top-0 z-10 mb-3 flex flex-wrap items-center justify-between gap-3 rounded-lg border border-slate-200 bg-white/90 px-4 py-3 shadow-sm backdrop-blur dark:border-slate-800 dark:bg-slate-900/90">
            <p class="text-sm text-slate-600 dark:text-slate-400" aria-live="polite" data-testid="matrix-status">
                {move || match changed.with(Vec::len) {
                    0 => "No unsaved changes.".to_owned(),
                    1 => "1 role changed: save to apply.".to_owned(),
                    n => format!("{n} roles changed: save to apply them together."),
                }}
            </p>
            <div class="flex gap-2" class:hidden=move || !ctx.manages.get()>
                <button type="button" class=BUTTON_SECONDARY disabled=move || changed.with(Vec::is_empty) on:click=move |_| draft.set(saved.get_value()) data-testid="matrix-discard">
                    "Discard"
                </button>
                <button type="button" class=BUTTON_PRIMARY disabled=move || save.pending().get() || changed.with(Vec::is_empty) on:click=submit data-testid="matrix-save">
                    {move || if save.pending().get() { "Saving…" } else { "Save permissions" }}
                </button>
            </div>
        </div>
        <div class="overflow-x-auto rounded-lg border border-slate-200 bg-white shadow-sm dark:border-slate-800 dark:bg-slate-900">
            <table class="min-w-full text-sm" data-testid="permission-matrix">
                <thead class="bg-slate-50 text-xs dark:bg-slate-800/50">
                    <tr>
                        <th scope="col" class="px-4 py-3 text-left font-semibold uppercase tracking-wide text-slate-500">"Permission"</th>
                        {roles.with_value(|list| list.iter().map(|r| {
                            let id = r.id;
                            let fixed = r.is_owner();
                            let custom = !r.is_system;
                            let role = StoredValue::new(r.clone());
                            view! {
                                <th scope="col" class="min-w-28 px-3 py-3 text-center align-bottom" data-testid="role-column" data-role=r.name.clone()>
                                    <span class="block font-semibold text-slate-900 dark:text-slate-100" class:text-indigo-700=move || changed.with(|c| c.contains(&id))>
                                        {r.name.clone()}
                                    </span>
                                    <span class="block font-normal text-slate-500">
                                        {match r.user_count { 1 => "1 account".to_owned(), n => format!("{n} accounts") }}
                                    </span>
                                    <span class="mt-1 flex justify-center gap-1" class:hidden=move || fixed || !ctx.manages.get()>
                                        <button type="button" class=BUTTON_SMALL on:click=move |_| set_all(id, true) data-testid="role-all">"All"</button>
                                        <button type="button" class=BUTTON_SMALL on:click=move |_| set_all(id, false) data-testid="role-none">"None"</button>
                                    </span>
                                    <span class="flex justify-center gap-1" class:hidden=move || !custom || !ctx.manages.get()>
                                        <button type="button" class=BUTTON_SMALL data-testid="role-rename" on:click=move |_| {
                                            ctx.current.set(Some(role.get_value()));
                                            ctx.edit_open.set(true);
                                        }>"Rename"</button>
                                        <button type="button" class="rounded px-2 py-1 text-xs font-medium text-red-700 hover:bg-red-50 dark:text-red-300 dark:hover:bg-red-950" data-testid="role-delete" on:click=move |_| {
                                            ctx.current.set(Some(role.get_value()));
                                            ctx.delete_open.set(true);
                                        }>"Delete"</button>
                                    </span>
                                </th>
                            }
                        }).collect_view())}
                    </tr>
                </thead>
                {by_area().into_iter().map(|(area, permissions)| view! {
                    <tbody class="divide-y divide-slate-100 border-t border-slate-200 dark:divide-slate-800 dark:border-slate-800">
                        <tr class="bg-slate-50/60 dark:bg-slate-800/30">
                            <th scope="colgroup" colspan=columns.to_string() class="px-4 py-2 text-left text-xs font-semibold uppercase tracking-wide text-slate-500">{area}</th>
                        </tr>
                        {permissions.into_iter().map(|p| view! {
                            <tr>
                                <th scope="row" class="px-4 py-2 text-left font-normal">
                                    {p.description()}
                                    <span class="block font-mono text-xs text-slate-500">{p.slug()}</span>
                                </th>
                                {roles.with_value(|list| list.iter().map(|r| {
                                    let (id, slug, fixed) = (r.id, p.slug(), r.is_owner());
                                    let granted = r.permissions.iter().any(|s| s == slug);
                                    let on = move || draft.with(|d| d.get(&id).is_some_and(|s| s.contains(slug)));
                                    view! {
                                        <td class="px-3 py-2 text-center">
                                            <input
                                                type="checkbox"
                                                class="h-4 w-4 rounded border-slate-300 text-indigo-600 focus:ring-indigo-500 disabled:opacity-50"
                                                aria-label=format!("{}: {}", r.name, p.description())
                                                data-role=r.name.clone()
                                                data-permission=slug
                                                checked=granted
                                                prop:checked=on
                                                disabled=move || fixed || !ctx.manages.get()
                                                on:change=move |ev| {
                                                    let tick = event_target_checked(&ev);
                                                    draft.update(|d| {
                                                        let set = d.entry(id).or_default();
                                                        if tick { set.insert(slug.to_owned()); } else { set.remove(slug); }
                                                    });
                                                }
                                            />
                                        </td>
                                    }
                                }).collect_view())}
                            </tr>
                        }).collect_view()}
                    </tbody>
                }).collect_view()}
            </table>
        </div>
    }
}

/// Creates a role, or renames and describes a custom one.
#[component]
fn RoleDialog() -> impl IntoView {
    let ctx = expect_context::<RolesCtx>();
    let toasts = use_toasts();
    let save = ServerAction::<SaveRole>::new();
    let errors: FieldErrors = RwSignal::new(Vec::new());
    report(
        move || save.value().get(),
        Some(errors),
        move |role| {
            toasts.ok(format!("Saved {}", role.name));
            ctx.edit_open.set(false);
            ctx.version.update(|v| *v += 1);
        },
    );
    let title = Signal::derive(move || {
        ctx.current.with(|c| {
            c.as_ref()
                .map_or("New role".to_owned(), |r| format!("Rename {}", r.name))
        })
    });
    view! {
        <Modal open=ctx.edit_open title test_id="role-dialog">
            {move || {
                let current = ctx.current.get_untracked();
                let id = current.as_ref().map(|r| r.id);
                let name = RwSignal::new(current.as_ref().map(|r| r.name.clone()).unwrap_or_default());
                let description = RwSignal::new(current.and_then(|r| r.description).unwrap_or_default());
                errors.set(Vec::new());
                let submit = move |ev: leptos::ev::SubmitEvent| {
                    ev.prevent_default();
                    let form = RoleForm { name: name.get_untracked(), description: description.get_untracked() };
                    match form.parse() {
                        Err(list) => errors.set(list),
                        Ok(_) => {
                            errors.set(Vec::new());
                            save.dispatch(SaveRole { id, form });
                        }
                    }
                };
                view! {
                    <form class="mt-4 space-y-3" on:submit=submit novalidate>
                        <label class=LABEL>
                            "Name"
                            <input type="text" class=INPUT bind:value=name data-testid="role-form-name"/>
                            <FieldMessage errors field="name"/>
                        </label>
                        <label class=LABEL>
                            "Description (optional)"
                            <textarea class=INPUT rows="2" bind:value=description></textarea>
                            <FieldMessage errors field="description"/>
                        </label>
                        <p class="text-xs text-slate-500" class:hidden=id.is_some()>
                            "A new role starts with no permissions: tick them in the matrix, then save."
                        </p>
                        <div class="flex justify-end gap-3 pt-2">
                            <button type="button" class=BUTTON_SECONDARY on:click=move |_| ctx.edit_open.set(false)>"Close"</button>
                            <button type="submit" class=BUTTON_PRIMARY disabled=move || save.pending().get() data-testid="role-form-submit">
                                {move || if save.pending().get() { "Saving…" } else { "Save" }}
                            </button>
                        </div>
                    </form>
                }
            }}
        </Modal>
    }
}

/// Deletes a custom role after asking; accounts that hold it must be moved to another role.
#[component]
fn DeleteRoleDialog(
    roles: Resource<Result<Vec<RoleView>, crate::shared::errors::PortalError>>,
) -> impl IntoView {
    let ctx = expect_context::<RolesCtx>();
    let toasts = use_toasts();
    let remove = ServerAction::<DeleteRole>::new();
    let errors: FieldErrors = RwSignal::new(Vec::new());
    report(
        move || remove.value().get(),
        Some(errors),
        move |()| {
            toasts.ok("Role deleted");
            ctx.delete_open.set(false);
            ctx.version.update(|v| *v += 1);
        },
    );
    let title = Signal::derive(move || {
        ctx.current.with(|c| {
            c.as_ref()
                .map(|r| format!("Delete {}?", r.name))
                .unwrap_or_default()
        })
    });
    view! {
        <Modal open=ctx.delete_open title test_id="role-delete-dialog">
            {move || {
                let Some(role) = ctx.current.get_untracked() else { return ().into_any() };
                errors.set(Vec::new());
                let others: Vec<(Uuid, String)> = roles
                    .get_untracked()
                    .and_then(Result::ok)
                    .unwrap_or_default()
                    .into_iter()
                    .filter(|r| r.id != role.id)
                    .map(|r| (r.id, r.name))
                    .collect();
                let held = role.user_count > 0;
                let target = RwSignal::new(String::new());
                let id = role.id;
                view! {
                    <form class="mt-4 space-y-4" on:submit=move |ev| {
                        ev.prevent_default();
                        let reassign_to = Uuid::parse_str(&target.get_untracked()).ok();
                        remove.dispatch(DeleteRole { id, reassign_to });
                    }>
                        <p class="text-sm text-slate-600 dark:text-slate-400">
                            {if held {
                                format!("{} account(s) hold this role. Choose the role they move to.", role.user_count)
                            } else {
                                "Nobody holds this role. It will be removed for good.".to_owned()
                            }}
                        </p>
                        <label class=LABEL class:hidden=!held>
                            "Move them to"
                            <select class=INPUT bind:value=target data-testid="role-reassign">
                                <option value="">"Choose a role"</option>
                                {others.into_iter().map(|(id, name)| view! { <option value=id.to_string()>{name}</option> }).collect_view()}
                            </select>
                            <FieldMessage errors field="reassignTo"/>
                        </label>
                        <div class="flex justify-end gap-3">
                            <button type="button" class=BUTTON_SECONDARY on:click=move |_| ctx.delete_open.set(false)>"Cancel"</button>
                            <button type="submit" class=BUTTON_DANGER disabled=move || remove.pending().get() || (held && target.with(String::is_empty)) data-testid="role-delete-confirm">
                                {move || if remove.pending().get() { "Deleting…" } else { "Delete role" }}
                            </button>
                        </div>
                    </form>
                }.into_any()
            }}
        </Modal>
    }
}
