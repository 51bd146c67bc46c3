//! The delivery log: every email, push and text message Pulse queued, newest first, 25 a page, with
//! what became of it (sent, logged in development, failed after its tries, or still pending). The
//! filters live in the URL; a failed delivery can be sent again.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::{
    components::{Form, A},
    hooks::use_query_map,
};

use crate::app::components::{
    dialog::{BUTTON_PRIMARY, BUTTON_SECONDARY, BUTTON_SMALL},
    form::{list_problem, Alert, Empty, Loading, Pager, INPUT, LABEL},
    guard::Guarded,
    toast::{report, use_toasts},
};
use crate::app::server_fns::{list_deliveries, RetryDelivery};
use crate::shared::{
    notifications::{DeliveryQuery, DeliveryRow, CHANNELS, DELIVERY_STATES},
    permissions::Permission,
};

#[component]
pub fn DeliveriesPage() -> impl IntoView {
    view! {
        <Title text="Deliveries"/>
        <Guarded any_of=&[Permission::NotificationsSend]>
            <Deliveries/>
        </Guarded>
    }
}

fn url_query() -> Memo<DeliveryQuery> {
    let query = use_query_map();
    Memo::new(move |_| {
        let q = query.read();
        let get = |k: &str| q.get(k).filter(|v| !v.trim().is_empty());
        DeliveryQuery {
            channel: get("channel"),
            status: get("status"),
            page: get("page"),
        }
    })
}

fn channel_label(channel: &str) -> &'static str {
    match channel {
        "email" => "Email",
        "push" => "Push",
        "sms" => "Text message",
        _ => "Other",
    }
}

fn state_label(status: &str) -> &'static str {
    match status {
        "pending" => "Pending",
        "sending" => "Sending",
        "sent" => "Sent",
        "logged" => "Logged (not sent)",
        "failed" => "Failed",
        _ => "Unknown",
    }
}

#[component]
fn Deliveries() -> impl IntoView {
    let toasts = use_toasts();
    let query = url_query();
    let retry = ServerAction::<RetryDelivery>::new();
    report(
        move || retry.value().get(),
        None,
        move |()| toasts.ok("Queued to send again"),
    );
    let list = Resource::new(
        move || (query.get(), retry.version().get()),
        |(q, _)| list_deliveries(q),
    );
    let chosen =
        move |pick: fn(DeliveryQuery) -> Option<String>| move || pick(query.get()).unwrap_or_default();
    // `selected` renders the choice on the server; `prop:value` keeps it after navigation.
    let options = move |all: &'static str,
                        values: &'static [&'static str],
                        label: fn(&str) -> &'static str,
                        pick: fn(DeliveryQuery) -> Option<String>| {
        let current = pick(query.get_untracked()).unwrap_or_default();
        view! {
            <option value="">{all}</option>
            {values.iter().map(|v| view! { <option value=*v selected=current == *v>{label(v)}</option> }).collect_view()}
        }
    };

    view! {
        <div class="mx-auto max-w-7xl">
            <div class="mb-4">
                <h1 class="text-2xl font-bold tracking-tight">"Deliveries"</h1>
                <p class="mt-1 text-sm text-slate-600 dark:text-slate-400">
                    "Every email, push and text message, newest first. A failed one was tried until retrying could not help; send it again once its cause is fixed."
                </p>
            </div>
            <Form method="GET" action="" attr:class="mb-4 grid grid-cols-2 gap-3 rounded-lg border border-slate-200 bg-white p-4 shadow-sm md:grid-cols-4 dark:border-slate-800 dark:bg-slate-900" attr:data-testid="deliveries-filters">
                <label class=LABEL>
                    "Channel"
                    <select name="channel" class=INPUT prop:value=chosen(|q| q.channel) data-testid="deliveries-filter-channel">
                        {options("Every channel", CHANNELS, channel_label, |q| q.channel)}
                    </select>
                </label>
                <label class=LABEL>
                    "State"
                    <select name="status" class=INPUT prop:value=chosen(|q| q.status) data-testid="deliveries-filter-status">
                        {options("Every state", DELIVERY_STATES, state_label, |q| q.status)}
                    </select>
                </label>
                <div class="col-span-2 flex items-end gap-2">
                    <button type="submit" class=BUTTON_PRIMARY data-testid="deliveries-apply">"Apply filters"</button>
                    <A href="/deliveries" attr:class=BUTTON_SECONDARY attr:data-testid="deliveries-clear">"Clear"</A>
                </div>
            </Form>
            <Transition fallback=|| view! { <Loading/> }>
                {move || Suspend::new(async move {
                    match list.await {
                        Err(e) => view! { <Alert message=list_problem("the deliveries", &e)/> }.into_any(),
                        Ok(page) => {
                            let pagination = page.pagination;
                            let rows = page.rows;
                            view! {
                                <div class="overflow-x-auto rounded-lg border border-slate-200 bg-white shadow-sm dark:border-slate-800 dark:bg-slate-900">
                                    <table class="min-w-full divide-y divide-slate-200 text-sm dark:divide-slate-800">
                                        <thead class="bg-slate-50 text-left text-xs font-semibold uppercase tracking-wide text-slate-600 dark:bg-slate-800/50 dark:text-slate-400">
                                            <tr>
                                                <th scope="col" class="px-4 py-3">"Queued"</th>
                                                <th scope="col" class="px-4 py-3">"Channel"</th>
                                                <th scope="col" class="px-4 py-3">"To"</th>
                                                <th scope="col" class="px-4 py-3">"Message"</th>
                                                <th scope="col" class="px-4 py-3">"State"</th>
                                                <th scope="col" class="px-4 py-3"><span class="sr-only">"Actions"</span></th>
                                            </tr>
                                        </thead>
                                        <tbody class="divide-y divide-slate-100 dark:divide-slate-800">
                                            <tr hidden=!rows.is_empty()><td colspan="6"><Empty message="No deliveries match these filters."/></td></tr>
                                            {rows.into_iter().map(|row| view! { <DeliveryLine row retry/> }).collect_view()}
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

#[component]
fn DeliveryLine(row: DeliveryRow, retry: ServerAction<RetryDelivery>) -> impl IntoView {
    let DeliveryRow {
        delivery: d,
        when,
        sent_when,
    } = row;
    let id = d.id;
    let failed = d.status == "failed";
    let tone = match d.status.as_str() {
        "sent" => "bg-emerald-50 text-emerald-700 dark:bg-emerald-950 dark:text-emerald-300",
        "failed" => "bg-red-50 text-red-700 dark:bg-red-950 dark:text-red-300",
        "pending" => "bg-amber-50 text-amber-800 dark:bg-amber-950 dark:text-amber-300",
        _ => "bg-slate-100 text-slate-700 dark:bg-slate-800 dark:text-slate-300",
    };
    let tries = match d.attempts {
        0 => String::new(),
        1 => "1 try".to_owned(),
        n => format!("{n} tries"),
    };
    let pending = move || retry.pending().get();
    let (subject_label, recipient_label) = (d.subject.clone(), d.recipient.clone());
    view! {
        <tr data-testid="delivery-row" data-status=d.status.clone() data-channel=d.channel.clone()>
            <td class="whitespace-nowrap px-4 py-3 tabular-nums">
                <time datetime=d.created_at.to_rfc3339()>{when}</time>
                {sent_when.map(|s| view! { <span class="block text-xs text-slate-600 dark:text-slate-400">"sent "{s}</span> })}
            </td>
            <td class="px-4 py-3">{channel_label(&d.channel)}</td>
            <td class="max-w-[14rem] break-all px-4 py-3" data-testid="delivery-recipient">{d.recipient}</td>
            <td class="px-4 py-3">
                <span class="font-medium">{d.subject}</span>
                {d.kind.map(|k| view! { <span class="block font-mono text-xs text-slate-600 dark:text-slate-400">{k}</span> })}
            </td>
            <td class="px-4 py-3">
                <span class=format!("rounded-full px-2 py-0.5 text-xs font-medium {tone}") data-testid="delivery-status">{state_label(&d.status)}</span>
                <span class="ml-2 text-xs text-slate-600 dark:text-slate-400">{tries}</span>
                {d.last_error.map(|e| {
                    let title = e.clone();
                    view! {
                        <p class="mt-1 max-w-xs truncate text-xs text-red-700 dark:text-red-300" title=title data-testid="delivery-error">{e}</p>
                    }
                })}
            </td>
            <td class="px-4 py-3 text-right">
                {failed.then(|| view! {
                    <button
                        type="button"
                        class=BUTTON_SMALL
                        disabled=pending
                        aria-label=format!("Send again: {subject_label} to {recipient_label}")
                        data-testid="delivery-retry"
                        on:click=move |_| { retry.dispatch(RetryDelivery { id }); }
                    >
                        "Send again"
                    </button>
                })}
            </td>
        </tr>
    }
}
