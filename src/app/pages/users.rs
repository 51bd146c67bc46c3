//! Users and customers: every account, searched (as you type, 300 ms after the last key) and
//! filtered by role, with the filters in the URL and pages from the server; one account's profile
//! and booking history, its role, deactivation and deletion; staff invitations by email. The
//! server keeps the rules (never yourself, never the last Owner, only an Owner acts on an Owner).

use std::time::Duration;

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::{
    components::{Form, A},
    hooks::{use_navigate, use_params_map, use_query_map},
    NavigateOptions,
};
use uuid::Uuid;

use crate::app::components::{
    dialog::{ConfirmDialog, Modal, BUTTON_DANGER, BUTTON_PRIMARY, BUTTON_SECONDARY},
    form::{Alert, Empty, FieldErrors, FieldMessage, Loading, Pager, INPUT, LABEL},
    guard::{use_viewer, Guarded},
    toast::{report, use_toasts},
};
use crate::app::pages::appointments::{status_label, StatusBadge};
use crate::app::server_fns::{
    list_users, user_appointments, user_detail, user_roles, AccountView, DeleteUser, InviteStaff, Invited,
    RoleChoice, UpdateUser, UserPage, UserQuery, UserSummary,
};
use crate::shared::{
    appointments::{encode, AppointmentPage},
    errors::{FieldError, PortalError},
    identity::Email,
    permissions::Permission,
};

const PANEL: &str =
    "rounded-lg border border-slate-200 bg-white shadow-sm dark:border-slate-800 dark:bg-slate-900";
const TABLE_HEAD: &str = "bg-slate-50 text-left text-xs font-semibold uppercase tracking-wide text-slate-500 dark:bg-slate-800/50 dark:text-slate-400";

#[component]
pub fn UsersPage() -> impl IntoView {
    view! {
        <Title text="Users and customers"/>
        <Guarded any_of=&[Permission::UsersView]>
            <Users/>
        </Guarded>
    }
}

#[component]
pub fn UserDetailPage() -> impl IntoView {
    view! {
        <Title text="Account"/>
        <Guarded any_of=&[Permission::UsersView]>
            <UserAccount/>
        </Guarded>
    }
}

/// The list's query, read from the URL.
fn url_query() -> Memo<UserQuery> {
    let query = use_query_map();
    Memo::new(move |_| {
        let q = query.read();
        let get = |k: &str| q.get(k).filter(|v| !v.trim().is_empty());
        UserQuery {
            search: get("search"),
            role: get("role"),
            page: get("page"),
            limit: None,
        }
    })
}

/// The list's address for `q`.
fn list_href(q: &UserQuery) -> String {
    let pairs = [("search", &q.search), ("role", &q.role), ("page", &q.page)];
    let query = pairs
        .iter()
        .filter_map(|(k, v)| v.as_deref().map(|v| format!("{k}={}", encode(v))))
        .collect::<Vec<_>>()
        .join("&");
    if query.is_empty() {
        "/users".to_owned()
    } else {
        format!("/users?{query}")
    }
}

fn present(text: String) -> Option<String> {
    Some(text).filter(|s| !s.trim().is_empty())
}

#[component]
fn Users() -> impl IntoView {
    // The role filter's options come first, so the list renders with them (no options arriving later).
    // Both resources are made here, side by side: one made inside the other's `Suspend` does not
    // reliably get its server data when hydrating.
    let roles = Resource::new(|| (), |_| user_roles());
    let query = url_query();
    let version = RwSignal::new(0u32);
    let list = Resource::new(move || (query.get(), version.get()), |(q, _)| list_users(q));
    view! {
        <div class="mx-auto max-w-7xl">
            <Suspense fallback=|| view! { <Loading/> }>
                {move || Suspend::new(async move {
                    match roles.await {
                        Ok(roles) => view! { <UserDirectory roles query version list/> }.into_any(),
                        Err(e) => view! { <Alert message=e.message/> }.into_any(),
                    }
                })}
            </Suspense>
        </div>
    }
}

#[component]
fn UserDirectory(
    roles: Vec<RoleChoice>,
    query: Memo<UserQuery>,
    version: RwSignal<u32>,
    list: Resource<Result<UserPage, PortalError>>,
) -> impl IntoView {
    let toasts = use_toasts();
    let viewer = use_viewer();
    let manages = move || {
        viewer
            .get()
            .and_then(Result::ok)
            .flatten()
            .is_some_and(|u| u.can(Permission::UsersManage))
    };
    let roles = StoredValue::new(roles);

    // The search box leads and the URL follows it, 300 ms after the last keystroke. `followed` is
    // the search last put in the URL from here, so a change that came from elsewhere (a link, the
    // back button) can be told apart and shown in the box.
    let typed = RwSignal::new(query.get_untracked().search.unwrap_or_default());
    let followed = StoredValue::new(typed.get_untracked());
    let timer = StoredValue::new(None::<TimeoutHandle>);
    on_cleanup(move || {
        if let Some(t) = timer.try_get_value().flatten() {
            t.clear();
        }
    });
    Effect::new(move |_| {
        let search = query.with(|q| q.search.clone().unwrap_or_default());
        if search != followed.get_value() {
            followed.set_value(search.clone());
            typed.set(search);
        }
    });
    let navigate = use_navigate();
    let go = move |q: UserQuery, replace: bool| {
        navigate(
            &list_href(&q),
            NavigateOptions {
                replace,
                scroll: false,
                ..Default::default()
            },
        );
    };
    let on_search = {
        let go = go.clone();
        move |ev: leptos::ev::Event| {
            let text = event_target_value(&ev);
            typed.set(text.clone());
            if let Some(t) = timer.get_value() {
                t.clear();
            }
            let go = go.clone();
            let handle = set_timeout_with_handle(
                move || {
                    // The page may have gone meanwhile.
                    let Some(current) = query.try_get_untracked() else {
                        return;
                    };
                    let _ = followed.try_set_value(text.clone());
                    let q = UserQuery {
                        search: present(text),
                        page: None,
                        ..current
                    };
                    // Typing replaces the history entry: Back leaves the search, not each word.
                    go(q, true);
                },
                Duration::from_millis(300),
            );
            timer.set_value(handle.ok());
        }
    };
    let on_role = move |ev: leptos::ev::Event| {
        if let Some(t) = timer.get_value() {
            t.clear();
        }
        let text = typed.get_untracked();
        followed.set_value(text.clone());
        let q = UserQuery {
            search: present(text),
            role: present(event_target_value(&ev)),
            page: None,
            limit: None,
        };
        go(q, false);
    };

    let invite = ServerAction::<InviteStaff>::new();
    let invite_open = RwSignal::new(false);
    let invite_errors: FieldErrors = RwSignal::new(Vec::new());
    report(
        move || invite.value().get(),
        Some(invite_errors),
        move |done: Invited| {
            toasts.ok(if done.invited {
                format!("Invitation sent to {}", done.email)
            } else {
                format!(
                    "{} already had an account: it now has the {} role",
                    done.email, done.role
                )
            });
            invite_open.set(false);
            version.update(|v| *v += 1);
        },
    );

    view! {
        <div class="mb-4 flex flex-wrap items-center justify-between gap-3">
            <div>
                <h1 class="text-2xl font-bold tracking-tight">"Users and customers"</h1>
                <p class="mt-1 text-sm text-slate-600 dark:text-slate-400">
                    "Every account: customers of the app and the staff of this portal."
                </p>
            </div>
            <button
                type="button"
                class=BUTTON_PRIMARY
                hidden=move || !manages()
                on:click=move |_| {
                    invite_errors.set(Vec::new());
                    invite_open.set(true);
                }
                data-testid="invite-staff"
            >
                "Invite staff"
            </button>
        </div>
        // A plain GET form underneath: without JavaScript, Enter or the button still searches.
        <Form method="GET" action="" attr:class=format!("mb-4 grid grid-cols-2 gap-3 p-4 md:grid-cols-4 {PANEL}") attr:role="search">
            <label class=format!("{LABEL} col-span-2")>
                "Search"
                <input
                    type="search"
                    name="search"
                    class=INPUT
                    placeholder="Name or email"
                    autocomplete="off"
                    value=typed.get_untracked()
                    prop:value=move || typed.get()
                    on:input=on_search
                    data-testid="user-search"
                />
            </label>
            <label class=LABEL>
                "Role"
                <select name="role" class=INPUT on:change=on_role data-testid="user-role-filter">
                    <option value="">"All roles"</option>
                    {roles.with_value(|list| list.iter().map(|r| {
                        let name = r.name.clone();
                        let current = name.clone();
                        let label = name.clone();
                        let selected = move || query.with(|q| q.role.as_deref() == Some(current.as_str()));
                        view! { <option value=name selected=selected>{label}</option> }
                    }).collect_view())}
                </select>
            </label>
            <div class="flex items-end gap-2">
                <button type="submit" class=BUTTON_SECONDARY data-testid="user-search-submit">"Search"</button>
                <A href="/users" attr:class=BUTTON_SECONDARY attr:data-testid="user-clear">"Clear"</A>
            </div>
        </Form>
        <Transition fallback=|| view! { <Loading/> }>
            {move || Suspend::new(async move {
                match list.await {
                    Ok(page) => view! { <UserTable page query/> }.into_any(),
                    Err(e) => view! { <Alert message=e.message/> }.into_any(),
                }
            })}
        </Transition>
        <Modal open=invite_open title="Invite staff" test_id="invite-dialog">
            {move || view! {
                <InviteForm
                    roles=roles.with_value(|list| list.iter().filter(|r| r.staff).cloned().collect::<Vec<_>>())
                    errors=invite_errors
                    pending=Signal::derive(move || invite.pending().get())
                    on_close=Callback::new(move |()| invite_open.set(false))
                    on_invite=Callback::new(move |(email, role_id)| {
                        invite.dispatch(InviteStaff { email, role_id });
                    })
                />
            }}
        </Modal>
    }
}

#[component]
fn UserTable(page: UserPage, query: Memo<UserQuery>) -> impl IntoView {
    let UserPage { users, pagination } = page;
    let empty = users.is_empty();
    view! {
        <div class=format!("overflow-x-auto {PANEL}")>
            <table class="min-w-full divide-y divide-slate-200 text-sm dark:divide-slate-800">
                <thead class=TABLE_HEAD>
                    <tr>
                        <th scope="col" class="px-4 py-3">"Name"</th>
                        <th scope="col" class="px-4 py-3">"Phone"</th>
                        <th scope="col" class="px-4 py-3">"Role"</th>
                        <th scope="col" class="px-4 py-3">"Status"</th>
                        <th scope="col" class="px-4 py-3">"Joined"</th>
                        <th scope="col" class="px-4 py-3">"Last sign-in"</th>
                    </tr>
                </thead>
                <tbody class="divide-y divide-slate-100 dark:divide-slate-800" data-testid="user-rows">
                    <tr hidden=!empty><td colspan="6"><Empty message="No accounts match."/></td></tr>
                    {users.into_iter().map(|user| view! { <UserRow user/> }).collect_view()}
                </tbody>
            </table>
        </div>
        <Pager pagination href=move |p| list_href(&UserQuery { page: Some(p.to_string()), ..query.get_untracked() })/>
    }
}

#[component]
fn UserRow(user: UserSummary) -> impl IntoView {
    let UserSummary {
        id,
        name,
        email,
        phone,
        role,
        email_verified,
        is_active,
        joined,
        last_login,
        online,
        ..
    } = user;
    let role_label = role.clone().unwrap_or_else(|| "No role".to_owned());
    let role = role.unwrap_or_default();
    view! {
        <tr data-testid="user-row" data-id=id.to_string() data-role=role>
            <td class="px-4 py-3">
                <crate::app::components::presence::OnlineDot user=id at_load=online/>
                " "
                <A href=format!("/users/{id}") attr:class="font-medium text-indigo-700 hover:underline dark:text-indigo-300" attr:data-testid="user-link">
                    {name}
                </A>
                <span class="block text-xs text-slate-500" data-testid="user-email">{email}</span>
            </td>
            <td class="whitespace-nowrap px-4 py-3 tabular-nums">{phone.unwrap_or_default()}</td>
            <td class="px-4 py-3" data-testid="user-role">{role_label}</td>
            <td class="whitespace-nowrap px-4 py-3">
                <ActiveBadge active=is_active/>
                <span class="ml-2 text-xs text-slate-500" hidden=email_verified>"Email not verified"</span>
            </td>
            <td class="whitespace-nowrap px-4 py-3 tabular-nums">{joined}</td>
            <td class="whitespace-nowrap px-4 py-3 tabular-nums">{last_login.unwrap_or_else(|| "Never".to_owned())}</td>
        </tr>
    }
}

#[component]
fn ActiveBadge(active: bool) -> impl IntoView {
    let (label, tone) = if active {
        (
            "Active",
            "bg-emerald-50 text-emerald-700 dark:bg-emerald-950 dark:text-emerald-300",
        )
    } else {
        (
            "Deactivated",
            "bg-slate-100 text-slate-600 dark:bg-slate-800 dark:text-slate-400",
        )
    };
    view! {
        <span class=format!("rounded-full px-2 py-0.5 text-xs font-medium {tone}") data-testid="user-status">{label}</span>
    }
}

/// Gives a role to an email. Checked in the browser with the server's `Email` first.
#[component]
fn InviteForm(
    roles: Vec<RoleChoice>,
    errors: FieldErrors,
    pending: Signal<bool>,
    on_close: Callback<()>,
    on_invite: Callback<(String, String)>,
) -> impl IntoView {
    let email = RwSignal::new(String::new());
    let role = RwSignal::new(String::new());
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let mut list = Vec::new();
        if let Err(e) = Email::parse(&email.get_untracked()) {
            list.push(e);
        }
        if role.with_untracked(String::is_empty) {
            list.push(FieldError::new("roleId", "Choose a role"));
        }
        errors.set(list);
        if errors.with_untracked(Vec::is_empty) {
            on_invite.run((email.get_untracked(), role.get_untracked()));
        }
    };
    view! {
        <form class="mt-4 space-y-3" on:submit=submit novalidate=true>
            <p class="text-sm text-slate-600 dark:text-slate-400">
                "A new address gets an account with this role and an email with a link to set its password, valid for 7 days. An address that already has an account just gets the role."
            </p>
            <label class=LABEL>
                "Email"
                <input type="email" class=INPUT autocomplete="off" bind:value=email data-testid="invite-email"/>
                <FieldMessage errors field="email"/>
            </label>
            <label class=LABEL>
                "Role"
                <select class=INPUT bind:value=role data-testid="invite-role">
                    <option value="">"Choose a role"</option>
                    {roles.into_iter().map(|r| view! { <option value=r.id.to_string()>{r.name}</option> }).collect_view()}
                </select>
                <FieldMessage errors field="roleId"/>
            </label>
            <div class="flex justify-end gap-3 pt-2">
                <button type="button" class=BUTTON_SECONDARY on:click=move |_| on_close.run(())>"Close"</button>
                <button type="submit" class=BUTTON_PRIMARY disabled=move || pending.get() data-testid="invite-submit">
                    {move || if pending.get() { "Sending…" } else { "Send invitation" }}
                </button>
            </div>
        </form>
    }
}

#[component]
fn UserAccount() -> impl IntoView {
    let toasts = use_toasts();
    let viewer = use_viewer();
    let can = move |any_of: &[Permission]| {
        viewer
            .get()
            .and_then(Result::ok)
            .flatten()
            .is_some_and(|u| u.can_any(any_of))
    };
    let params = use_params_map();
    let id = Memo::new(move |_| params.read().get("id").and_then(|s| Uuid::parse_str(&s).ok()));
    let query = use_query_map();
    let history_page = Memo::new(move |_| query.read().get("page"));
    let version = RwSignal::new(0u32);

    let detail = Resource::new(
        move || (id.get(), version.get()),
        |(id, _)| async move {
            match id {
                Some(id) => user_detail(id).await,
                None => Err(crate::app::components::guard::not_found("User")),
            }
        },
    );
    let roles = Resource::new(|| (), |_| user_roles());
    // Only asked for when the role sees appointments, so the page itself never answers 403.
    let history = Resource::new(
        move || {
            let allowed = can(&[Permission::AppointmentsView, Permission::AppointmentsManageAll]);
            (id.get(), history_page.get(), allowed, version.get())
        },
        |(id, page, allowed, _)| async move {
            match (id, allowed) {
                (Some(id), true) => user_appointments(id, page).await.map(Some),
                _ => Ok(None),
            }
        },
    );

    let update = ServerAction::<UpdateUser>::new();
    let remove = ServerAction::<DeleteUser>::new();
    // What the pending change does, for its toast.
    let done_message = StoredValue::new("Saved");
    let deactivate_open = RwSignal::new(false);
    let delete_open = RwSignal::new(false);
    report(
        move || update.value().get(),
        None,
        move |_: UserSummary| {
            toasts.ok(done_message.get_value());
            version.update(|v| *v += 1);
        },
    );
    let navigate = use_navigate();
    report(
        move || remove.value().get(),
        None,
        move |()| {
            toasts.ok("Account deleted");
            navigate(
                "/users",
                NavigateOptions {
                    replace: true,
                    ..Default::default()
                },
            );
        },
    );
    // Success or refusal (reported by a toast), the question has been answered.
    Effect::new(move |_| {
        if update.value().with(Option::is_some) {
            deactivate_open.set(false);
        }
        if remove.value().with(Option::is_some) {
            delete_open.set(false);
        }
    });
    let change = move |message: &'static str, role_id: Option<Uuid>, is_active: Option<bool>| {
        if let Some(id) = id.get_untracked() {
            done_message.set_value(message);
            update.dispatch(UpdateUser {
                id,
                role_id,
                is_active,
            });
        }
    };
    let name = move || {
        detail
            .get()
            .and_then(Result::ok)
            .map_or_else(|| "This account".to_owned(), |d| d.user.name)
    };
    let manages = Signal::derive(move || can(&[Permission::UsersManage]));
    let busy = Signal::derive(move || update.pending().get());

    view! {
        <div class="mx-auto max-w-5xl space-y-6">
            <A href="/users" attr:class="text-sm font-medium text-indigo-600 hover:underline dark:text-indigo-400" attr:data-testid="back-to-users">
                "← Users and customers"
            </A>
            <Transition fallback=|| view! { <Loading/> }>
                {move || Suspend::new(async move {
                    match (detail.await, roles.await) {
                        (Ok(d), Ok(r)) => view! {
                            <Account
                                detail=d
                                roles=r
                                manages
                                busy
                                on_role=Callback::new(move |role: Uuid| change("Role changed", Some(role), None))
                                on_deactivate=Callback::new(move |()| deactivate_open.set(true))
                                on_reactivate=Callback::new(move |()| change("Account reactivated", None, Some(true)))
                                on_delete=Callback::new(move |()| delete_open.set(true))
                            />
                        }.into_any(),
                        (Err(e), _) | (_, Err(e)) => view! { <Alert message=e.message/> }.into_any(),
                    }
                })}
            </Transition>
            <section aria-labelledby="history-title">
                <h2 id="history-title" class="text-lg font-semibold">"Booking history"</h2>
                <Transition fallback=|| view! { <Loading/> }>
                    {move || Suspend::new(async move {
                        match history.await {
                            Ok(Some(page)) => view! { <BookingHistory page/> }.into_any(),
                            Ok(None) => view! {
                                <p class="mt-2 text-sm text-slate-500" data-testid="history-hidden">
                                    "Your role does not include appointments."
                                </p>
                            }.into_any(),
                            Err(e) => view! { <Alert message=e.message/> }.into_any(),
                        }
                    })}
                </Transition>
            </section>
        </div>
        <ConfirmDialog
            open=deactivate_open
            title="Deactivate this account?"
            message=Signal::derive(move || format!(
                "{} will be signed out everywhere and cannot sign in until the account is reactivated.", name()
            ))
            confirm_label="Deactivate"
            pending=busy
            on_confirm=Callback::new(move |()| change("Account deactivated", None, Some(false)))
            test_id="deactivate-dialog"
        />
        <ConfirmDialog
            open=delete_open
            title="Delete this account?"
            message=Signal::derive(move || format!(
                "{} will be deleted for good. Their appointments stay on the books, no longer linked to an account.", name()
            ))
            confirm_label="Delete"
            pending=Signal::derive(move || remove.pending().get())
            on_confirm=Callback::new(move |()| if let Some(id) = id.get_untracked() {
                remove.dispatch(DeleteUser { id });
            })
            test_id="delete-user-dialog"
        />
    }
}

/// One account's profile and, for `users.manage`, what can be done to it.
#[component]
fn Account(
    detail: AccountView,
    roles: Vec<RoleChoice>,
    manages: Signal<bool>,
    busy: Signal<bool>,
    on_role: Callback<Uuid>,
    on_deactivate: Callback<()>,
    on_reactivate: Callback<()>,
    on_delete: Callback<()>,
) -> impl IntoView {
    let AccountView {
        user,
        address,
        gender,
        profile_image_url,
        last_seen,
        is_self,
    } = detail;
    let current_role = user.role_id;
    let chosen = RwSignal::new(current_role.map(|r| r.to_string()).unwrap_or_default());
    let unchanged = move || chosen.with(|c| c.is_empty() || Uuid::parse_str(c).ok() == current_role);
    let or_dash = |v: Option<String>| {
        v.filter(|s| !s.trim().is_empty())
            .unwrap_or_else(|| "—".to_owned())
    };
    let item = |label: &'static str, value: String, test_id: &'static str| {
        view! {
            <div>
                <dt class="text-xs font-medium uppercase tracking-wide text-slate-500">{label}</dt>
                <dd class="mt-1 text-sm" data-testid=test_id>{value}</dd>
            </div>
        }
    };
    let verified = if user.email_verified {
        "Verified"
    } else {
        "Not verified"
    };
    view! {
        <div class=format!("p-6 {PANEL}") data-testid="user-detail" data-id=user.id.to_string()>
            <div class="flex flex-wrap items-start justify-between gap-4">
                <div class="flex items-center gap-4">
                    <img
                        src=profile_image_url.clone().unwrap_or_default()
                        hidden=profile_image_url.is_none()
                        alt=""
                        class="h-14 w-14 rounded-full object-cover"
                        width="56"
                        height="56"
                    />
                    <div>
                        <h1 class="text-2xl font-bold tracking-tight" data-testid="user-name">{user.name.clone()}</h1>
                        <p class="text-sm text-slate-600 dark:text-slate-400" data-testid="user-email">{user.email.clone()}</p>
                    </div>
                </div>
                <ActiveBadge active=user.is_active/>
            </div>
            <dl class="mt-6 grid grid-cols-1 gap-4 sm:grid-cols-3">
                {item("Role", user.role.clone().unwrap_or_else(|| "No role".to_owned()), "detail-role")}
                {item("Phone", or_dash(user.phone.clone()), "detail-phone")}
                {item("Email", verified.to_owned(), "detail-verified")}
                {item("Address", or_dash(address), "detail-address")}
                {item("Gender", or_dash(gender), "detail-gender")}
                {item("Joined", user.joined.clone(), "detail-joined")}
                {item("Last sign-in", or_dash(user.last_login.clone()), "detail-last-login")}
                {item("Last seen in the app", or_dash(last_seen), "detail-last-seen")}
            </dl>
            <div class="mt-6 border-t border-slate-200 pt-6 dark:border-slate-800" hidden=move || !manages.get() data-testid="user-actions">
                <p class="mb-3 text-sm text-slate-600 dark:text-slate-400" hidden=!is_self data-testid="own-account">
                    "This is your own account: you cannot deactivate or delete it."
                </p>
                <div class="flex flex-wrap items-end gap-3">
                    <label class=LABEL>
                        "Role"
                        <select class=INPUT on:change=move |ev| chosen.set(event_target_value(&ev)) data-testid="user-role-select">
                            <option value="" disabled=true selected=current_role.is_none()>"Choose a role"</option>
                            {roles.into_iter().map(|r| {
                                let selected = Some(r.id) == current_role;
                                view! { <option value=r.id.to_string() selected=selected>{r.name}</option> }
                            }).collect_view()}
                        </select>
                    </label>
                    <button
                        type="button"
                        class=BUTTON_PRIMARY
                        disabled=move || busy.get() || unchanged()
                        on:click=move |_| {
                            if let Ok(role) = Uuid::parse_str(&chosen.get_untracked()) {
                                on_role.run(role);
                            }
                        }
                        data-testid="user-role-save"
                    >
                        {move || if busy.get() { "Saving…" } else { "Change role" }}
                    </button>
                </div>
                <div class="mt-4 flex flex-wrap gap-3">
                    <button
                        type="button"
                        class=BUTTON_SECONDARY
                        hidden=!user.is_active
                        disabled=move || busy.get() || is_self
                        on:click=move |_| on_deactivate.run(())
                        data-testid="user-deactivate"
                    >
                        "Deactivate"
                    </button>
                    <button
                        type="button"
                        class=BUTTON_SECONDARY
                        hidden=user.is_active
                        disabled=move || busy.get()
                        on:click=move |_| on_reactivate.run(())
                        data-testid="user-reactivate"
                    >
                        "Reactivate"
                    </button>
                    <button type="button" class=BUTTON_DANGER disabled=is_self on:click=move |_| on_delete.run(()) data-testid="user-delete">
                        "Delete account"
                    </button>
                </div>
            </div>
        </div>
    }
}

/// The account's appointments, newest first, ten a page (`?page=` in the URL).
#[component]
fn BookingHistory(page: AppointmentPage) -> impl IntoView {
    let AppointmentPage {
        appointments,
        pagination,
    } = page;
    let empty = appointments.is_empty();
    view! {
        <div class=format!("mt-3 overflow-x-auto {PANEL}")>
            <table class="min-w-full divide-y divide-slate-200 text-sm dark:divide-slate-800">
                <thead class=TABLE_HEAD>
                    <tr>
                        <th scope="col" class="px-4 py-3">"When"</th>
                        <th scope="col" class="px-4 py-3">"Service"</th>
                        <th scope="col" class="px-4 py-3">"Expert"</th>
                        <th scope="col" class="px-4 py-3 text-right">"Price"</th>
                        <th scope="col" class="px-4 py-3">"Status"</th>
                        <th scope="col" class="px-4 py-3">"Payment"</th>
                    </tr>
                </thead>
                <tbody class="divide-y divide-slate-100 dark:divide-slate-800">
                    <tr hidden=!empty><td colspan="6"><Empty message="No bookings yet."/></td></tr>
                    {appointments.into_iter().map(|a| {
                        let when = format!(
                            "{} {}",
                            a.appointment_date,
                            a.appointment_time.get(..5).unwrap_or(a.appointment_time.as_str())
                        );
                        view! {
                            <tr data-testid="history-row" data-id=a.id.to_string() data-status=a.status.clone()>
                                <td class="whitespace-nowrap px-4 py-3 tabular-nums">{when}</td>
                                <td class="px-4 py-3" data-testid="history-service">{a.service_name.clone()}</td>
                                <td class="px-4 py-3">{a.expert_name.clone()}</td>
                                <td class="px-4 py-3 text-right tabular-nums">{a.total_price.clone()}</td>
                                <td class="px-4 py-3"><StatusBadge status=a.status.clone()/></td>
                                <td class="px-4 py-3">{status_label(&a.payment_status)}</td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
        </div>
        <Pager pagination href=|p| format!("?page={p}")/>
    }
}
