//! The audit log: who did what, newest first, 20 a page from the server. The filters (actor by
//! email or id, action, days) live in the URL, so reloads and links keep them; an actor or an action
//! in a row is a link that narrows the list to it.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::{
    components::{Form, A},
    hooks::use_query_map,
};

use crate::app::components::{
    dialog::{BUTTON_PRIMARY, BUTTON_SECONDARY},
    form::{list_problem, Alert, Empty, Loading, Pager, INPUT, LABEL},
    guard::Guarded,
};
use crate::app::server_fns::list_audit_log;
use crate::shared::{
    audit::{AuditEntry, AuditQuery},
    permissions::Permission,
};

#[component]
pub fn AuditPage() -> impl IntoView {
    view! {
        <Title text="Audit log"/>
        <Guarded any_of=&[Permission::AuditView]>
            <Audit/>
        </Guarded>
    }
}

/// The filters, read from the URL.
fn url_query() -> Memo<AuditQuery> {
    let query = use_query_map();
    Memo::new(move |_| {
        let q = query.read();
        let get = |k: &str| q.get(k).filter(|v| !v.trim().is_empty());
        AuditQuery {
            actor: get("actor"),
            action: get("action"),
            from: get("from"),
            to: get("to"),
            page: get("page"),
        }
    })
}

#[component]
fn Audit() -> impl IntoView {
    let query = url_query();
    let list = Resource::new(move || query.get(), list_audit_log);
    let field = move |pick: fn(AuditQuery) -> Option<String>| move || pick(query.get()).unwrap_or_default();

    view! {
        <div class="mx-auto max-w-7xl">
            <div class="mb-4">
                <h1 class="text-2xl font-bold tracking-tight">"Audit log"</h1>
                <p class="mt-1 text-sm text-slate-600 dark:text-slate-400">
                    "Sign-ins, password changes, accounts and roles: who did what, newest first. Times are the business's."
                </p>
            </div>
            <Form method="GET" action="" attr:class="mb-4 grid grid-cols-2 gap-3 rounded-lg border border-slate-200 bg-white p-4 shadow-sm md:grid-cols-6 dark:border-slate-800 dark:bg-slate-900" attr:data-testid="audit-filters">
                <label class=format!("{LABEL} col-span-2")>
                    "Who"
                    <input type="search" name="actor" class=INPUT placeholder="Email or user id" value=field(|q| q.actor) prop:value=field(|q| q.actor) data-testid="audit-filter-actor"/>
                </label>
                <label class=format!("{LABEL} col-span-2")>
                    "Action"
                    <input type="search" name="action" class=INPUT placeholder="auth.login" spellcheck="false" value=field(|q| q.action) prop:value=field(|q| q.action) data-testid="audit-filter-action"/>
                </label>
                <label class=LABEL>
                    "From"
                    <input type="date" name="from" class=INPUT value=field(|q| q.from) prop:value=field(|q| q.from) data-testid="audit-filter-from"/>
                </label>
                <label class=LABEL>
                    "To"
                    <input type="date" name="to" class=INPUT value=field(|q| q.to) prop:value=field(|q| q.to) data-testid="audit-filter-to"/>
                </label>
                <div class="col-span-2 flex items-end gap-2 md:col-span-6">
                    <button type="submit" class=BUTTON_PRIMARY data-testid="audit-apply">"Apply filters"</button>
                    <A href="/audit" attr:class=BUTTON_SECONDARY attr:data-testid="audit-clear">"Clear"</A>
                </div>
            </Form>
            <Transition fallback=|| view! { <Loading/> }>
                {move || Suspend::new(async move {
                    match list.await {
                        Err(e) => view! { <Alert message=list_problem("the audit log", &e)/> }.into_any(),
                        Ok(page) => {
                            let pagination = page.pagination;
                            let rows = page.entries;
                            let base = AuditQuery { page: None, ..query.get_untracked() };
                            view! {
                                <div class="overflow-x-auto rounded-lg border border-slate-200 bg-white shadow-sm dark:border-slate-800 dark:bg-slate-900">
                                    <table class="min-w-full divide-y divide-slate-200 text-sm dark:divide-slate-800">
                                        <thead class="bg-slate-50 text-left text-xs font-semibold uppercase tracking-wide text-slate-500 dark:bg-slate-800/50 dark:text-slate-400">
                                            <tr>
                                                <th scope="col" class="px-4 py-3">"When"</th>
                                                <th scope="col" class="px-4 py-3">"Who"</th>
                                                <th scope="col" class="px-4 py-3">"Action"</th>
                                                <th scope="col" class="px-4 py-3">"Record"</th>
                                                <th scope="col" class="px-4 py-3">"From"</th>
                                                <th scope="col" class="px-4 py-3">"Details"</th>
                                            </tr>
                                        </thead>
                                        <tbody class="divide-y divide-slate-100 dark:divide-slate-800">
                                            <tr hidden=!rows.is_empty()><td colspan="6"><Empty message="No entries match these filters."/></td></tr>
                                            {rows.into_iter().map(|e| view! { <AuditRow entry=e base=base.clone()/> }).collect_view()}
                                        </tbody>
                                    </table>
                                </div>
                                <Pager pagination href=move |p| format!("?{}", query.get_untracked().with_page(p).to_query_string())/>
                            }.into_any()
                        }
                    }
                })}
            </Transition>
        </div>
    }
}

/// One entry. `base` is the list's filters, for the links that narrow it to this actor or action.
#[component]
fn AuditRow(entry: AuditEntry, base: AuditQuery) -> impl IntoView {
    let AuditEntry {
        at,
        when,
        actor_id,
        actor_name,
        actor_email,
        action,
        target_type,
        target_id,
        ip,
        user_agent,
        details,
        ..
    } = entry;
    // Filter by email where the account still exists (readable URLs), else by id.
    let actor_key = actor_email.clone().or_else(|| actor_id.map(|id| id.to_string()));
    let who = match (&actor_name, actor_id) {
        (Some(name), _) => name.clone(),
        (None, Some(_)) => "Deleted account".to_owned(),
        (None, None) => "—".to_owned(),
    };
    let details = details.unwrap_or_default();
    // Attributes get their own copies: the view may build children first.
    let (action_attr, details_title) = (action.clone(), details.clone());
    let link = |q: AuditQuery| format!("?{}", q.to_query_string());
    let action_href = link(AuditQuery {
        action: Some(action.clone()),
        ..base.clone()
    });
    view! {
        <tr data-testid="audit-row" data-action=action_attr>
            <td class="whitespace-nowrap px-4 py-3 tabular-nums">
                <time datetime=at.to_rfc3339()>{when}</time>
            </td>
            <td class="px-4 py-3">
                {match actor_key {
                    Some(key) => {
                        let href = link(AuditQuery { actor: Some(key), ..base });
                        view! {
                            <A href=href attr:class="font-medium text-indigo-700 hover:underline dark:text-indigo-300" attr:data-testid="audit-actor">
                                {who}
                            </A>
                            <span class="block text-xs text-slate-500" data-testid="audit-actor-email">{actor_email.unwrap_or_default()}</span>
                        }.into_any()
                    }
                    None => view! { <span class="text-slate-400" data-testid="audit-actor">{who}</span> }.into_any(),
                }}
            </td>
            <td class="px-4 py-3">
                <A href=action_href attr:class="rounded bg-slate-100 px-1.5 py-0.5 font-mono text-xs text-slate-700 hover:bg-indigo-50 hover:text-indigo-700 dark:bg-slate-800 dark:text-slate-200" attr:data-testid="audit-action">
                    {action}
                </A>
            </td>
            <td class="px-4 py-3">
                {target_type.unwrap_or_default()}
                <span class="block break-all text-xs text-slate-500">{target_id.unwrap_or_default()}</span>
            </td>
            <td class="px-4 py-3 text-xs" title=user_agent.unwrap_or_default()>{ip.unwrap_or_default()}</td>
            <td class="px-4 py-3">
                <code class="block max-w-xs truncate text-xs text-slate-600 dark:text-slate-400" title=details_title>
                    {details}
                </code>
            </td>
        </tr>
    }
}
