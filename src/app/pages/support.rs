//! Support tickets (`support.view`): the list filtered by text, status and priority (in the URL),
//! the chosen ticket beside it (`?ticket=<id>`, so links and reloads keep it). Staff with
//! `support.manage` change status and priority in place, answer (which resolves the ticket and
//! sends the answer to the customer) and delete after asking.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::{
    components::{Form, A},
    hooks::{use_navigate, use_query_map},
    NavigateOptions,
};
use uuid::Uuid;

use crate::app::components::{
    dialog::{ConfirmDialog, Modal, BUTTON_PRIMARY, BUTTON_SECONDARY, BUTTON_SMALL, BUTTON_SMALL_DANGER},
    form::{list_problem, Alert, Empty, FieldErrors, FieldMessage, Loading, Pager, INPUT, LABEL},
    guard::Guarded,
    toast::{report, use_toasts},
};
use crate::app::server_fns::{load_tickets, DeleteTicket, UpdateTicket};
use crate::shared::{
    appointments::encode,
    permissions::Permission,
    support::{Priority, Ticket, TicketStatus, TicketUpdateForm},
};

#[component]
pub fn SupportPage() -> impl IntoView {
    view! {
        <Title text="Support"/>
        <Guarded any_of=&[Permission::SupportView]>
            <Support/>
        </Guarded>
    }
}

/// What the URL holds: the filters, the page and the chosen ticket.
#[derive(Debug, Clone, Default, PartialEq)]
struct TicketQuery {
    search: String,
    status: String,
    priority: String,
    page: u64,
    ticket: Option<Uuid>,
}

impl TicketQuery {
    /// This page with the same filters, at `page`, with `ticket` chosen.
    fn href(&self, page: u64, ticket: Option<Uuid>) -> String {
        let page = if page > 1 { page.to_string() } else { String::new() };
        let ticket = ticket.map(|t| t.to_string()).unwrap_or_default();
        let parts: Vec<String> = [
            ("search", &self.search),
            ("status", &self.status),
            ("priority", &self.priority),
            ("page", &page),
            ("ticket", &ticket),
        ]
        .into_iter()
        .filter(|(_, v)| !v.is_empty())
        .map(|(k, v)| format!("{k}={}", encode(v)))
        .collect();
        if parts.is_empty() {
            "/support".to_owned()
        } else {
            format!("/support?{}", parts.join("&"))
        }
    }
}

pub fn status_tone(s: TicketStatus) -> &'static str {
    match s {
        TicketStatus::Open => "bg-sky-50 text-sky-700 dark:bg-sky-950 dark:text-sky-300",
        TicketStatus::InProgress => "bg-amber-50 text-amber-800 dark:bg-amber-950 dark:text-amber-300",
        TicketStatus::Resolved => "bg-emerald-50 text-emerald-700 dark:bg-emerald-950 dark:text-emerald-300",
        TicketStatus::Closed => "bg-slate-100 text-slate-700 dark:bg-slate-800 dark:text-slate-300",
    }
}

pub fn priority_tone(p: Priority) -> &'static str {
    match p {
        Priority::Low => "bg-slate-100 text-slate-700 dark:bg-slate-800 dark:text-slate-300",
        Priority::Medium => "bg-indigo-50 text-indigo-700 dark:bg-indigo-950 dark:text-indigo-300",
        Priority::High => "bg-orange-50 text-orange-800 dark:bg-orange-950 dark:text-orange-300",
        Priority::Urgent => "bg-red-50 text-red-700 dark:bg-red-950 dark:text-red-300",
    }
}

const CARD: &str = "block rounded-lg border bg-white p-3 shadow-sm hover:border-indigo-400 dark:bg-slate-900";
const CARD_OFF: &str = "border-slate-200 dark:border-slate-800";
const CARD_ON: &str = "border-indigo-500 ring-2 ring-indigo-500 dark:border-indigo-400";

#[component]
fn Support() -> impl IntoView {
    let toasts = use_toasts();
    let query = use_query_map();
    let url = Memo::new(move |_| {
        let q = query.read();
        let get = |k: &str| q.get(k).map(|v| v.trim().to_owned()).unwrap_or_default();
        TicketQuery {
            search: get("search"),
            status: get("status"),
            priority: get("priority"),
            page: get("page").parse::<u64>().unwrap_or(1).max(1),
            ticket: Uuid::parse_str(&get("ticket")).ok(),
        }
    });
    let list_key = Memo::new(move |_| {
        let q = url.get();
        (q.status, q.priority, q.search, q.page)
    });
    let selected = Memo::new(move |_| url.get().ticket);
    let change = ServerAction::<UpdateTicket>::new();
    let respond = ServerAction::<UpdateTicket>::new();
    let remove = ServerAction::<DeleteTicket>::new();
    let live = crate::app::live::use_live();
    let board = Resource::new(
        move || {
            (
                list_key.get(),
                change.version().get(),
                respond.version().get(),
                remove.version().get(),
                live.content.get(),
            )
        },
        |((status, priority, search, page), ..)| load_tickets(status, priority, search, page),
    );

    let responding = RwSignal::new(None::<Ticket>);
    let respond_open = RwSignal::new(false);
    let removing = RwSignal::new(None::<Ticket>);
    let remove_open = RwSignal::new(false);
    let errors: FieldErrors = RwSignal::new(Vec::new());
    report(
        move || change.value().get(),
        None,
        move |t: Ticket| {
            toasts.ok(format!(
                "Saved: {} is {}, {} priority",
                t.subject,
                t.status.label(),
                t.priority.label().to_lowercase()
            ))
        },
    );
    report(
        move || respond.value().get(),
        Some(errors),
        move |t: Ticket| {
            respond_open.set(false);
            toasts.ok(format!(
                "Answer sent to {}; the ticket is {}",
                t.customer_email,
                t.status.label().to_lowercase()
            ));
        },
    );
    let navigate = use_navigate();
    report(
        move || remove.value().get(),
        None,
        move |()| {
            remove_open.set(false);
            toasts.ok("Ticket deleted");
            navigate(
                &url.get_untracked().href(1, None),
                NavigateOptions {
                    replace: true,
                    scroll: false,
                    ..Default::default()
                },
            );
        },
    );

    view! {
        <div class="mx-auto max-w-7xl">
            <div class="mb-4">
                <h1 class="text-2xl font-bold tracking-tight">"Support"</h1>
                <p class="mt-1 text-sm text-slate-600 dark:text-slate-400">
                    "Requests customers send from the app. An answer is emailed to the customer and resolves the ticket."
                </p>
            </div>
            <Form method="GET" action="" attr:class="mb-4 grid grid-cols-2 gap-3 rounded-lg border border-slate-200 bg-white p-4 shadow-sm md:grid-cols-5 dark:border-slate-800 dark:bg-slate-900">
                <label class=format!("{LABEL} col-span-2")>
                    "Search"
                    <input type="search" name="search" class=INPUT maxlength="200" placeholder="Subject, message, name or email"
                        value=move || url.get().search prop:value=move || url.get().search data-testid="ticket-search"/>
                </label>
                <label class=LABEL>
                    "Status"
                    <select name="status" class=INPUT data-testid="ticket-status-filter">
                        <option value="">"All"</option>
                        {TicketStatus::ALL.iter().map(|s| {
                            let value = s.as_str();
                            view! { <option value=value selected=move || url.get().status == value>{s.label()}</option> }
                        }).collect_view()}
                    </select>
                </label>
                <label class=LABEL>
                    "Priority"
                    <select name="priority" class=INPUT data-testid="ticket-priority-filter">
                        <option value="">"All"</option>
                        {Priority::ALL.iter().map(|p| {
                            let value = p.as_str();
                            view! { <option value=value selected=move || url.get().priority == value>{p.label()}</option> }
                        }).collect_view()}
                    </select>
                </label>
                <div class="col-span-2 flex items-end gap-2 md:col-span-1">
                    <button type="submit" class=BUTTON_PRIMARY data-testid="ticket-apply">"Apply"</button>
                    <A href="/support" attr:class=BUTTON_SECONDARY>"Clear"</A>
                </div>
            </Form>
            <Transition fallback=|| view! { <Loading label="Loading tickets"/> }>
                {move || Suspend::new(async move {
                    match board.await {
                        Err(e) => view! { <Alert message=list_problem("the tickets", &e)/> }.into_any(),
                        Ok(b) => {
                            let can_manage = b.can_manage;
                            let viewer = b.viewer;
                            let pagination = b.pagination;
                            let tickets = StoredValue::new(b.tickets.clone());
                            let here = url.get_untracked();
                            view! {
                                <div class="grid gap-4 lg:grid-cols-5">
                                    <section class="lg:col-span-2" aria-label="Tickets">
                                        <p class="mb-2 text-sm text-slate-600 dark:text-slate-400" data-testid="ticket-count">{format!("{} ticket(s)", pagination.total)}</p>
                                        {if b.tickets.is_empty() {
                                            view! {
                                                <div class="rounded-lg border border-slate-200 bg-white shadow-sm dark:border-slate-800 dark:bg-slate-900">
                                                    <Empty message="No tickets match these filters."/>
                                                </div>
                                            }.into_any()
                                        } else {
                                            view! {
                                                <ul class="space-y-2" data-testid="ticket-list">
                                                    {b.tickets.into_iter().map(|t| {
                                                        let id = t.id;
                                                        let href = here.href(here.page, Some(id));
                                                        let who = format!("{} • {}", t.customer_name, t.customer_email);
                                                        view! {
                                                            <li>
                                                                <a href=href data-noscroll=true data-testid="ticket-card" data-status=t.status.as_str()
                                                                    aria-current=move || (selected.get() == Some(id)).then_some("true")
                                                                    class=move || format!("{CARD} {}", if selected.get() == Some(id) { CARD_ON } else { CARD_OFF })>
                                                                    <span class="flex flex-wrap items-center gap-2">
                                                                        <span class="flex-1 font-semibold" data-testid="ticket-subject">{t.subject.clone()}</span>
                                                                        <span class=format!("rounded-full px-2 py-0.5 text-xs font-medium {}", status_tone(t.status)) data-testid="ticket-status">{t.status.label()}</span>
                                                                        <span class=format!("rounded-full px-2 py-0.5 text-xs font-medium {}", priority_tone(t.priority)) data-testid="ticket-priority">{t.priority.label()}</span>
                                                                    </span>
                                                                    <span class="mt-1 line-clamp-2 block text-sm text-slate-600 dark:text-slate-400">{t.message.clone()}</span>
                                                                    <span class="mt-2 flex flex-wrap justify-between gap-2 text-xs text-slate-500">
                                                                        <span class="truncate">{who}</span>
                                                                        <time datetime=t.created_at.to_rfc3339()>{t.created_at.format("%Y-%m-%d").to_string()}</time>
                                                                    </span>
                                                                </a>
                                                            </li>
                                                        }
                                                    }).collect_view()}
                                                </ul>
                                                <Pager pagination href=move |p| url.get_untracked().href(p, None)/>
                                            }.into_any()
                                        }}
                                    </section>
                                    <section class="lg:col-span-3" aria-label="Ticket">
                                        {move || {
                                            let current = selected.get().and_then(|id| tickets.with_value(|l| l.iter().find(|t| t.id == id).cloned()));
                                            match current {
                                                Some(t) => view! {
                                                    <TicketDetail ticket=t can_manage viewer busy=Signal::derive(move || change.pending().get())
                                                        on_change=Callback::new(move |(id, form)| { change.dispatch(UpdateTicket { id, form }); })
                                                        on_respond=Callback::new(move |t: Ticket| { errors.set(Vec::new()); responding.set(Some(t)); respond_open.set(true); })
                                                        on_delete=Callback::new(move |t: Ticket| { removing.set(Some(t)); remove_open.set(true); })/>
                                                }.into_any(),
                                                None => view! {
                                                    <div class="rounded-lg border border-dashed border-slate-300 dark:border-slate-700">
                                                        <Empty message="Choose a ticket to read it here."/>
                                                    </div>
                                                }.into_any(),
                                            }
                                        }}
                                    </section>
                                </div>
                            }.into_any()
                        }
                    }
                })}
            </Transition>
        </div>
        <Modal open=respond_open title="Respond & resolve" test_id="ticket-respond-dialog">
            {move || {
                let subject = responding.with(|r| r.as_ref().map(|t| t.subject.clone()).unwrap_or_default());
                view! {
                    <RespondForm subject errors pending=Signal::derive(move || respond.pending().get())
                        on_close=Callback::new(move |()| respond_open.set(false))
                        on_send=Callback::new(move |text: String| if let Some(t) = responding.get_untracked() {
                            respond.dispatch(UpdateTicket { id: t.id, form: TicketUpdateForm { response: Some(text), ..Default::default() } });
                        })/>
                }
            }}
        </Modal>
        <ConfirmDialog
            open=remove_open
            title="Delete this ticket?"
            message=Signal::derive(move || removing.with(|r| r.as_ref().map(|t| format!("“{}” from {} will be removed for good.", t.subject, t.customer_name)).unwrap_or_default()))
            confirm_label="Delete"
            pending=Signal::derive(move || remove.pending().get())
            on_confirm=Callback::new(move |()| if let Some(t) = removing.get_untracked() { remove.dispatch(DeleteTicket { id: t.id }); })
            test_id="ticket-delete-dialog"
        />
    }
}

/// The chosen ticket: who sent it, what they wrote, the answer, and (for managers) the controls.
#[component]
fn TicketDetail(
    ticket: Ticket,
    can_manage: bool,
    viewer: Uuid,
    busy: Signal<bool>,
    on_change: Callback<(Uuid, TicketUpdateForm)>,
    on_respond: Callback<Ticket>,
    on_delete: Callback<Ticket>,
) -> impl IntoView {
    let id = ticket.id;
    let (status, priority) = (ticket.status, ticket.priority);
    let ticket_assignee = ticket.assigned_to;
    let done = status.is_done();
    let t = StoredValue::new(ticket.clone());
    let Ticket {
        customer_name,
        customer_email,
        customer_phone,
        subject,
        message,
        assigned_to_name,
        response,
        responded_at,
        created_at,
        ..
    } = ticket;
    let mail = format!("mailto:{customer_email}");
    let mine = ticket_assignee == Some(viewer);
    // The assignee is an id or "" (unassign): the form reads a null as "not given".
    let assign = move |_| {
        let to = if mine { String::new() } else { viewer.to_string() };
        on_change.run((
            id,
            TicketUpdateForm {
                assigned_to: Some(serde_json::Value::String(to)),
                ..Default::default()
            },
        ));
    };
    let set_status = move |ev: leptos::ev::Event| {
        on_change.run((
            id,
            TicketUpdateForm {
                status: Some(event_target_value(&ev)),
                ..Default::default()
            },
        ));
    };
    let set_priority = move |ev: leptos::ev::Event| {
        on_change.run((
            id,
            TicketUpdateForm {
                priority: Some(event_target_value(&ev)),
                ..Default::default()
            },
        ));
    };
    view! {
        <article class="space-y-4 rounded-lg border border-slate-200 bg-white p-5 shadow-sm dark:border-slate-800 dark:bg-slate-900" data-testid="ticket-detail" data-status=status.as_str()>
            <div class="flex flex-wrap items-start justify-between gap-3">
                <div>
                    <h2 class="text-lg font-semibold" data-testid="ticket-detail-subject">{subject}</h2>
                    <p class="text-xs text-slate-500">
                        "Received "<time datetime=created_at.to_rfc3339()>{created_at.format("%Y-%m-%d %H:%M UTC").to_string()}</time>
                    </p>
                </div>
                <div class="flex flex-wrap gap-3">
                    <label class=LABEL>
                        "Status"
                        <select class=INPUT disabled=move || !can_manage || busy.get() data-testid="ticket-status-select"
                            on:change=set_status>
                            {TicketStatus::ALL.iter().map(|s| view! { <option value=s.as_str() selected={*s == status}>{s.label()}</option> }).collect_view()}
                        </select>
                    </label>
                    <label class=LABEL>
                        "Priority"
                        <select class=INPUT disabled=move || !can_manage || busy.get() data-testid="ticket-priority-select"
                            on:change=set_priority>
                            {Priority::ALL.iter().map(|p| view! { <option value=p.as_str() selected={*p == priority}>{p.label()}</option> }).collect_view()}
                        </select>
                    </label>
                </div>
            </div>
            <dl class="grid grid-cols-1 gap-x-4 gap-y-1 text-sm sm:grid-cols-[8rem_1fr]">
                <dt class="font-medium text-slate-500">"Customer"</dt>
                <dd data-testid="ticket-customer">{customer_name}</dd>
                <dt class="font-medium text-slate-500">"Email"</dt>
                <dd><a href=mail rel="external" class="text-indigo-700 hover:underline dark:text-indigo-300">{customer_email}</a></dd>
                <dt class="font-medium text-slate-500">"Phone"</dt>
                <dd>{customer_phone.unwrap_or_else(|| "—".to_owned())}</dd>
                <dt class="font-medium text-slate-500">"Assigned to"</dt>
                <dd data-testid="ticket-assignee">{assigned_to_name.unwrap_or_else(|| "Nobody".to_owned())}</dd>
            </dl>
            <section>
                <h3 class="text-sm font-semibold">"Message"</h3>
                <p class="mt-1 whitespace-pre-wrap break-words rounded-md bg-slate-50 p-3 text-sm dark:bg-slate-800/50" data-testid="ticket-message">{message}</p>
            </section>
            {response.map(|r| view! {
                <section>
                    <h3 class="text-sm font-semibold">
                        "Our answer"
                        {responded_at.map(|at| view! { <span class="ml-2 text-xs font-normal text-slate-500">{at.format("%Y-%m-%d %H:%M UTC").to_string()}</span> })}
                    </h3>
                    <p class="mt-1 whitespace-pre-wrap break-words rounded-md bg-emerald-50 p-3 text-sm dark:bg-emerald-950/50" data-testid="ticket-response">{r}</p>
                </section>
            })}
            {can_manage.then(|| view! {
                <div class="flex flex-wrap justify-end gap-2 border-t border-slate-100 pt-4 dark:border-slate-800">
                    <button type="button" class=BUTTON_SMALL_DANGER data-testid="ticket-delete" on:click=move |_| on_delete.run(t.get_value())>"Delete"</button>
                    <button type="button" class=BUTTON_SMALL disabled=move || busy.get() data-testid="ticket-assign" on:click=assign>
                        {if mine { "Unassign" } else { "Assign to me" }}
                    </button>
                    {(!done).then(|| view! {
                        <button type="button" class=BUTTON_PRIMARY data-testid="ticket-respond" on:click=move |_| on_respond.run(t.get_value())>"Respond & resolve"</button>
                    })}
                </div>
            })}
        </article>
    }
}

/// The answer's form: checked by the server's own parser before it is sent.
#[component]
fn RespondForm(
    subject: String,
    errors: FieldErrors,
    pending: Signal<bool>,
    on_close: Callback<()>,
    on_send: Callback<String>,
) -> impl IntoView {
    let text = RwSignal::new(String::new());
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let form = TicketUpdateForm {
            response: Some(text.get_untracked()),
            ..Default::default()
        };
        match form.parse() {
            Err(list) => errors.set(list),
            Ok(_) => {
                errors.set(Vec::new());
                on_send.run(text.get_untracked());
            }
        }
    };
    view! {
        <form class="mt-4 space-y-3" on:submit=submit novalidate>
            <p class="text-sm text-slate-600 dark:text-slate-400">{format!("Re: {subject}. The customer gets this by email, and the ticket is marked resolved.")}</p>
            <label class=LABEL>
                "Answer"
                <textarea class=INPUT rows="6" maxlength="5000" bind:value=text data-testid="ticket-response-text"></textarea>
                <FieldMessage errors field="response"/>
            </label>
            <div class="flex justify-end gap-3 pt-2">
                <button type="button" class=BUTTON_SECONDARY on:click=move |_| on_close.run(())>"Close"</button>
                <button type="submit" class=BUTTON_PRIMARY disabled=move || pending.get() data-testid="ticket-response-submit">
                    {move || if pending.get() { "Sending…" } else { "Send & resolve" }}
                </button>
            </div>
        </form>
    }
}
