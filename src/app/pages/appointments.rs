//! Appointments for staff: filters in the URL (so the list reads without JavaScript and reloads
//! keep it), server-side pages, row actions in dialogs, walk-in bookings from real availability,
//! and a CSV export of the filtered list. An expert without `appointments.view` sees their own.

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
    guard::Guarded,
    layout::APPOINTMENTS,
    toast::{report, use_toasts},
};
use crate::app::server_fns::{
    free_slots, list_appointments, load_appointment_choices, offers_for_service, AppointmentChange,
    AppointmentChoices, BookAppointment, ChangeAppointment,
};
use crate::shared::{
    appointments::{AppointmentQuery, AppointmentView, BookingForm},
    booking::{AppointmentStatus, PaymentMethod, PaymentStatus},
    errors::PortalError,
};

#[component]
pub fn AppointmentsPage() -> impl IntoView {
    view! {
        <Title text="Appointments"/>
        <Guarded any_of=APPOINTMENTS>
            <Appointments/>
        </Guarded>
    }
}

/// The list's query, read from the URL.
fn url_query() -> Memo<AppointmentQuery> {
    let query = use_query_map();
    Memo::new(move |_| {
        let q = query.read();
        let get = |k: &str| q.get(k).filter(|v| !v.trim().is_empty());
        AppointmentQuery {
            status: get("status"),
            payment_status: get("paymentStatus"),
            date: get("date"),
            from: get("from"),
            to: get("to"),
            expert_id: get("expertId"),
            search: get("search"),
            page: get("page"),
            limit: None,
        }
    })
}

#[component]
fn Appointments() -> impl IntoView {
    // Both resources are made here, side by side: a resource made inside another's `Suspend` got its
    // server data only sometimes when hydrating (a race that broke hydration of the table).
    let choices = Resource::new(|| (), |_| load_appointment_choices());
    let query = url_query();
    let version = RwSignal::new(0u32);
    // A booking announced by the live feed reloads the list.
    let live = crate::app::live::use_live();
    let list = Resource::new(
        move || (query.get(), version.get(), live.bookings.get()),
        |(q, _, _)| list_appointments(q),
    );
    view! {
        <div class="mx-auto max-w-7xl">
            <Suspense fallback=|| view! { <Loading/> }>
                {move || Suspend::new(async move {
                    match choices.await {
                        Ok(c) => view! { <AppointmentList choices=c query list version/> }.into_any(),
                        Err(e) => view! { <Alert message=e.message/> }.into_any(),
                    }
                })}
            </Suspense>
        </div>
    }
}

/// Which dialog is open, and for which appointment.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Dialog {
    Cancel,
    Pay,
    Move,
    Delete,
}

type ListResource = Resource<Result<crate::shared::appointments::AppointmentPage, PortalError>>;

#[component]
fn AppointmentList(
    choices: AppointmentChoices,
    query: Memo<AppointmentQuery>,
    list: ListResource,
    version: RwSignal<u32>,
) -> impl IntoView {
    let toasts = use_toasts();
    let choices = StoredValue::new(choices);
    let manages = choices.with_value(|c| c.manages);

    let change = ServerAction::<ChangeAppointment>::new();
    let busy = RwSignal::new(None::<Uuid>);
    let target = RwSignal::new(None::<AppointmentView>);
    let cancel_open = RwSignal::new(false);
    let pay_open = RwSignal::new(false);
    let move_open = RwSignal::new(false);
    let delete_open = RwSignal::new(false);
    let booking_open = RwSignal::new(false);
    let dialog_errors: FieldErrors = RwSignal::new(Vec::new());

    // What the last action did, for its toast: the action's own input is cleared once it answers.
    let done = StoredValue::new("Saved");
    let run = move |a: &AppointmentView, c: AppointmentChange| {
        busy.set(Some(a.id));
        dialog_errors.set(Vec::new());
        done.set_value(c.done());
        change.dispatch(ChangeAppointment { id: a.id, change: c });
    };
    // One place answers every row action: toast, refresh, close the dialog (or show its errors).
    report(
        move || change.value().get(),
        Some(dialog_errors),
        move |()| {
            toasts.ok(done.get_value());
            for d in [cancel_open, pay_open, move_open, delete_open] {
                d.set(false);
            }
            version.update(|v| *v += 1);
        },
    );
    Effect::new(move |_| {
        if change.value().with(Option::is_some) {
            busy.set(None);
        }
    });
    let open_dialog = move |a: &AppointmentView, which: Dialog| {
        target.set(Some(a.clone()));
        dialog_errors.set(Vec::new());
        match which {
            Dialog::Cancel => cancel_open.set(true),
            Dialog::Pay => pay_open.set(true),
            Dialog::Move => move_open.set(true),
            Dialog::Delete => delete_open.set(true),
        }
    };

    let export_href = move || {
        let q = AppointmentQuery {
            page: None,
            ..query.get()
        };
        format!("/appointments/export.csv?{}", q.to_query_string())
    };
    let pending = Signal::derive(move || change.pending().get());

    view! {
        <div class="mb-4 flex flex-wrap items-center justify-between gap-3">
            <div>
                <h1 class="text-2xl font-bold tracking-tight">"Appointments"</h1>
                <p class="text-sm text-slate-600 dark:text-slate-400" hidden=choices.with_value(|c| c.own_expert.is_none()) data-testid="own-schedule">"Your own schedule."</p>
            </div>
            <div class="flex gap-2">
                <a href=export_href download="appointments.csv" rel="external" class=BUTTON_SECONDARY data-testid="export-csv">"Export CSV"</a>
                <button type="button" class=BUTTON_PRIMARY class:hidden=!manages hidden=!manages on:click=move |_| booking_open.set(true) data-testid="new-booking">
                    "New booking"
                </button>
            </div>
        </div>
        <Filters choices/>
        <Transition fallback=|| view! { <Loading/> }>
            {move || Suspend::new(async move {
                match list.await {
                    Err(e) => view! { <Alert message=e.message/> }.into_any(),
                    Ok(page) => {
                        let pagination = page.pagination;
                        let rows = page.appointments;
                        view! {
                            <div class="overflow-x-auto rounded-lg border border-slate-200 bg-white shadow-sm dark:border-slate-800 dark:bg-slate-900">
                                <table class="min-w-full divide-y divide-slate-200 text-sm dark:divide-slate-800">
                                    <thead class="bg-slate-50 text-left text-xs font-semibold uppercase tracking-wide text-slate-500 dark:bg-slate-800/50 dark:text-slate-400">
                                        <tr>
                                            <th scope="col" class="px-4 py-3">"Customer"</th>
                                            <th scope="col" class="px-4 py-3">"Service"</th>
                                            <th scope="col" class="px-4 py-3">"Expert"</th>
                                            <th scope="col" class="px-4 py-3">"When"</th>
                                            <th scope="col" class="px-4 py-3 text-right">"Price"</th>
                                            <th scope="col" class="px-4 py-3">"Status"</th>
                                            <th scope="col" class="px-4 py-3">"Payment"</th>
                                            {manages.then(|| view! { <th scope="col" class="px-4 py-3"><span class="sr-only">"Actions"</span></th> })}
                                        </tr>
                                    </thead>
                                    <tbody class="divide-y divide-slate-100 dark:divide-slate-800">
                                        <tr hidden=!rows.is_empty()><td colspan="8"><Empty message="No appointments match these filters."/></td></tr>
                                        {rows.into_iter().map(|a| {
                                            let a = StoredValue::new(a);
                                            let status = a.with_value(|a| AppointmentStatus::parse(&a.status));
                                            let unpaid = a.with_value(|a| a.payment_status == PaymentStatus::Unpaid.as_str());
                                            let can = |next| status.is_some_and(|s| s.can_become(next));
                                            let can_move = status.is_some_and(|s| !s.is_final());
                                            let can_pay = unpaid && status.is_some_and(|s| s != AppointmentStatus::Cancelled);
                                            let is_busy = move || busy.get() == Some(a.with_value(|a| a.id));
                                            let act = move |c: AppointmentChange| a.with_value(|a| run(a, c));
                                            let dialog = move |d: Dialog| a.with_value(|a| open_dialog(a, d));
                                            a.with_value(|v| view! {
                                                <tr data-testid="appointment-row" data-id=v.id.to_string() data-status=v.status.clone()>
                                                    <td class="px-4 py-3">
                                                        <span class="font-medium">{v.customer_name.clone()}</span>
                                                        <span class="block text-xs text-slate-500">{v.customer_phone.clone()}</span>
                                                        <span class="block text-xs text-slate-500">{v.customer_email.clone().unwrap_or_default()}</span>
                                                    </td>
                                                    <td class="px-4 py-3">{v.service_name.clone()}{offer_badge(v.offer_title.clone(), &v.discount)}<span class="block text-xs text-slate-500">{format!("{} min", v.duration)}</span></td>
                                                    <td class="px-4 py-3">{v.expert_name.clone()}</td>
                                                    <td class="whitespace-nowrap px-4 py-3 tabular-nums" data-testid="when">{format!("{} {}", v.appointment_date, hhmm(&v.appointment_time))}</td>
                                                    <td class="px-4 py-3 text-right tabular-nums">{v.total_price.clone()}</td>
                                                    <td class="px-4 py-3"><StatusBadge status=v.status.clone()/></td>
                                                    <td class="px-4 py-3">
                                                        <PaymentBadge status=v.payment_status.clone()/>
                                                        <span class="block text-xs text-slate-500">{v.payment_method.clone().unwrap_or_default()}</span>
                                                    </td>
                                                    {manages.then(|| view! {
                                                        <td class="whitespace-nowrap px-4 py-3 text-right">
                                                            <button type="button" class=BUTTON_SMALL hidden=!can(AppointmentStatus::Confirmed) disabled=is_busy on:click=move |_| act(AppointmentChange::Confirm) data-testid="action-confirm">"Confirm"</button>
                                                            <button type="button" class=BUTTON_SMALL hidden=!can(AppointmentStatus::Completed) disabled=is_busy on:click=move |_| act(AppointmentChange::Complete) data-testid="action-complete">"Complete"</button>
                                                            <button type="button" class=BUTTON_SMALL hidden=!can(AppointmentStatus::NoShow) disabled=is_busy on:click=move |_| act(AppointmentChange::NoShow) data-testid="action-no-show">"No-show"</button>
                                                            <button type="button" class=BUTTON_SMALL hidden=!can_pay disabled=is_busy on:click=move |_| dialog(Dialog::Pay) data-testid="action-pay">"Mark paid"</button>
                                                            <button type="button" class=BUTTON_SMALL hidden=!can_move disabled=is_busy on:click=move |_| dialog(Dialog::Move) data-testid="action-reschedule">"Reschedule"</button>
                                                            <button type="button" class=BUTTON_SMALL hidden=!can(AppointmentStatus::Cancelled) disabled=is_busy on:click=move |_| dialog(Dialog::Cancel) data-testid="action-cancel">"Cancel"</button>
                                                            <button type="button" class="rounded px-2 py-1 text-xs font-medium text-red-700 hover:bg-red-50 disabled:opacity-50 dark:text-red-300 dark:hover:bg-red-950" disabled=is_busy on:click=move |_| dialog(Dialog::Delete) data-testid="action-delete">"Delete"</button>
                                                        </td>
                                                    })}
                                                </tr>
                                            })
                                        }).collect_view()}
                                    </tbody>
                                </table>
                            </div>
                            <Pager pagination href=move |p| format!("?{}", query.get_untracked().with_page(p).to_query_string())/>
                        }.into_any()
                    }
                }
            })}
        </Transition>

        <CancelDialog open=cancel_open target errors=dialog_errors pending on_submit=Callback::new(move |reason: Option<String>| {
            if let Some(a) = target.get_untracked() { run(&a, AppointmentChange::Cancel { reason }) }
        })/>
        <PayDialog open=pay_open target errors=dialog_errors pending on_submit=Callback::new(move |method: String| {
            if let Some(a) = target.get_untracked() { run(&a, AppointmentChange::MarkPaid { method }) }
        })/>
        <RescheduleDialog open=move_open target choices errors=dialog_errors pending on_submit=Callback::new(move |(date, time, expert): (String, String, Option<Uuid>)| {
            if let Some(a) = target.get_untracked() { run(&a, AppointmentChange::Reschedule { date, time, expert_id: expert }) }
        })/>
        <ConfirmDialog
            open=delete_open
            title="Delete this appointment?"
            message=Signal::derive(move || target.with(|t| t.as_ref().map(|a| format!(
                "{} with {} on {} at {} will be removed for good. Cancel it instead to keep a record.",
                a.service_name, a.customer_name, a.appointment_date, hhmm(&a.appointment_time)
            )).unwrap_or_default()))
            confirm_label="Delete"
            pending
            on_confirm=Callback::new(move |()| if let Some(a) = target.get_untracked() { run(&a, AppointmentChange::Delete) })
            test_id="delete-dialog"
        />
        {manages.then(|| view! {
            <BookingDialog open=booking_open choices on_booked=Callback::new(move |()| version.update(|v| *v += 1))/>
        })}
    }
}

fn hhmm(time: &str) -> &str {
    time.get(..5).unwrap_or(time)
}

#[component]
fn Filters(choices: StoredValue<AppointmentChoices>) -> impl IntoView {
    let query = url_query();
    let q = move || query.get();
    let experts = choices.with_value(|c| c.experts.clone());
    let own = choices.with_value(|c| c.own_expert.is_some());
    let selected = |current: Option<String>, value: &str| current.as_deref() == Some(value);
    view! {
        <Form method="GET" action="" attr:class="mb-4 grid grid-cols-2 gap-3 rounded-lg border border-slate-200 bg-white p-4 shadow-sm md:grid-cols-7 dark:border-slate-800 dark:bg-slate-900" attr:data-testid="filters">
            <label class=format!("{LABEL} col-span-2")>
                "Customer"
                <input type="search" name="search" class=INPUT placeholder="Name, phone or email" prop:value=move || q().search.unwrap_or_default() data-testid="filter-search"/>
            </label>
            <label class=LABEL>
                "Status"
                <select name="status" class=INPUT data-testid="filter-status">
                    <option value="">"Any"</option>
                    {AppointmentStatus::ALL.iter().map(|s| view! {
                        <option value=s.as_str() selected=move || selected(q().status, s.as_str())>{status_label(s.as_str())}</option>
                    }).collect_view()}
                </select>
            </label>
            <label class=LABEL>
                "Payment"
                <select name="paymentStatus" class=INPUT data-testid="filter-payment">
                    <option value="">"Any"</option>
                    {PaymentStatus::ALL.iter().map(|s| view! {
                        <option value=s.as_str() selected=move || selected(q().payment_status, s.as_str())>{status_label(s.as_str())}</option>
                    }).collect_view()}
                </select>
            </label>
            <label class=LABEL>
                "From"
                <input type="date" name="from" class=INPUT prop:value=move || q().from.unwrap_or_default() data-testid="filter-from"/>
            </label>
            <label class=LABEL>
                "To"
                <input type="date" name="to" class=INPUT prop:value=move || q().to.unwrap_or_default() data-testid="filter-to"/>
            </label>
            <label class=LABEL class:hidden=own hidden=own>
                    "Expert"
                    <select name="expertId" class=INPUT data-testid="filter-expert">
                        <option value="">"Anyone"</option>
                        {experts.into_iter().map(|e| {
                            let id = e.id.to_string();
                            let id2 = id.clone();
                            view! { <option value=id selected=move || selected(q().expert_id, &id2)>{e.name}</option> }
                        }).collect_view()}
                    </select>
                </label>
            <div class="col-span-2 flex items-end gap-2 md:col-span-7">
                <button type="submit" class=BUTTON_PRIMARY data-testid="filter-apply">"Apply filters"</button>
                <A href="/appointments" attr:class=BUTTON_SECONDARY>"Clear"</A>
            </div>
        </Form>
    }
}

pub fn status_label(status: &str) -> String {
    let s = status.replace('_', "-");
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}

#[component]
pub fn StatusBadge(status: String) -> impl IntoView {
    let tone = match status.as_str() {
        "reserved" => "bg-amber-50 text-amber-800 dark:bg-amber-950 dark:text-amber-300",
        "confirmed" => "bg-emerald-50 text-emerald-700 dark:bg-emerald-950 dark:text-emerald-300",
        "completed" => "bg-sky-50 text-sky-700 dark:bg-sky-950 dark:text-sky-300",
        "cancelled" => "bg-red-50 text-red-700 dark:bg-red-950 dark:text-red-300",
        _ => "bg-slate-100 text-slate-700 dark:bg-slate-800 dark:text-slate-300",
    };
    view! { <span class=format!("rounded-full px-2 py-0.5 text-xs font-medium {tone}") data-testid="status">{status_label(&status)}</span> }
}

#[component]
fn PaymentBadge(status: String) -> impl IntoView {
    let tone = if status == "paid" {
        "bg-emerald-50 text-emerald-700 dark:bg-emerald-950 dark:text-emerald-300"
    } else {
        "bg-slate-100 text-slate-700 dark:bg-slate-800 dark:text-slate-300"
    };
    view! { <span class=format!("rounded-full px-2 py-0.5 text-xs font-medium {tone}") data-testid="payment">{status_label(&status)}</span> }
}

#[component]
fn CancelDialog(
    open: RwSignal<bool>,
    target: RwSignal<Option<AppointmentView>>,
    errors: FieldErrors,
    pending: Signal<bool>,
    on_submit: Callback<Option<String>>,
) -> impl IntoView {
    let reason = RwSignal::new(String::new());
    let title = Signal::derive(move || {
        target.with(|t| {
            t.as_ref()
                .map(|a| format!("Cancel {}'s {}?", a.customer_name, a.service_name))
                .unwrap_or_default()
        })
    });
    view! {
        <Modal open title test_id="cancel-dialog">
            <form class="mt-4 space-y-4" on:submit=move |ev| {
                ev.prevent_default();
                let r = reason.get_untracked();
                on_submit.run((!r.trim().is_empty()).then_some(r));
            }>
                <label class=LABEL>
                    "Reason (the customer sees it)"
                    <textarea class=INPUT rows="3" maxlength="500" bind:value=reason data-testid="cancel-reason"></textarea>
                </label>
                <FieldMessage errors field="reason"/>
                <div class="flex justify-end gap-3">
                    <button type="button" class=BUTTON_SECONDARY on:click=move |_| open.set(false)>"Keep it"</button>
                    <button type="submit" class="inline-flex items-center rounded-md bg-red-600 px-4 py-2 text-sm font-semibold text-white hover:bg-red-500 disabled:opacity-60" disabled=move || pending.get() data-testid="cancel-submit">
                        {move || if pending.get() { "Cancelling…" } else { "Cancel appointment" }}
                    </button>
                </div>
            </form>
        </Modal>
    }
}

#[component]
fn PayDialog(
    open: RwSignal<bool>,
    target: RwSignal<Option<AppointmentView>>,
    errors: FieldErrors,
    pending: Signal<bool>,
    on_submit: Callback<String>,
) -> impl IntoView {
    let method = RwSignal::new(PaymentMethod::Cash.as_str().to_owned());
    let title = Signal::derive(move || {
        target.with(|t| {
            t.as_ref()
                .map(|a| format!("Record payment of {}", a.total_price))
                .unwrap_or_default()
        })
    });
    view! {
        <Modal open title test_id="pay-dialog">
            <form class="mt-4 space-y-4" on:submit=move |ev| {
                ev.prevent_default();
                on_submit.run(method.get_untracked());
            }>
                <label class=LABEL>
                    "Paid by"
                    <select class=INPUT bind:value=method data-testid="pay-method">
                        {PaymentMethod::ALL.iter().map(|m| view! { <option value=m.as_str()>{status_label(m.as_str())}</option> }).collect_view()}
                    </select>
                </label>
                <FieldMessage errors field="paymentMethod"/>
                <div class="flex justify-end gap-3">
                    <button type="button" class=BUTTON_SECONDARY on:click=move |_| open.set(false)>"Close"</button>
                    <button type="submit" class=BUTTON_PRIMARY disabled=move || pending.get() data-testid="pay-submit">
                        {move || if pending.get() { "Saving…" } else { "Mark paid" }}
                    </button>
                </div>
            </form>
        </Modal>
    }
}

#[component]
fn RescheduleDialog(
    open: RwSignal<bool>,
    target: RwSignal<Option<AppointmentView>>,
    choices: StoredValue<AppointmentChoices>,
    errors: FieldErrors,
    pending: Signal<bool>,
    on_submit: Callback<(String, String, Option<Uuid>)>,
) -> impl IntoView {
    let title = Signal::derive(move || {
        target.with(|t| {
            t.as_ref()
                .map(|a| format!("Move {}'s {}", a.customer_name, a.service_name))
                .unwrap_or_default()
        })
    });
    view! {
        <Modal open title test_id="reschedule-dialog">
            {move || target.get().map(|a| {
                let date = RwSignal::new(a.appointment_date.clone());
                let expert = RwSignal::new(Some(a.expert_id));
                let picked = RwSignal::new(None::<(String, Uuid)>);
                let service = Signal::derive(move || Some(a.service_id));
                view! {
                    <form class="mt-4 space-y-4" on:submit=move |ev| {
                        ev.prevent_default();
                        if let Some((time, expert_id)) = picked.get_untracked() {
                            on_submit.run((date.get_untracked(), time, Some(expert_id)));
                        }
                    }>
                        <p class="text-sm text-slate-600 dark:text-slate-400">
                            {format!("Now {} at {} with {}.", a.appointment_date, hhmm(&a.appointment_time), a.expert_name)}
                        </p>
                        <div class="grid grid-cols-2 gap-3">
                            <label class=LABEL>
                                "Day"
                                <input type="date" class=INPUT bind:value=date data-testid="reschedule-date"/>
                            </label>
                            <ExpertSelect choices expert allow_any=false/>
                        </div>
                        <FieldMessage errors field="appointmentDate"/>
                        <SlotPicker service date=date.into() expert=expert.into() picked/>
                        <FieldMessage errors field="appointmentTime"/>
                        <div class="flex justify-end gap-3">
                            <button type="button" class=BUTTON_SECONDARY on:click=move |_| open.set(false)>"Close"</button>
                            <button type="submit" class=BUTTON_PRIMARY disabled=move || pending.get() || picked.with(Option::is_none) data-testid="reschedule-submit">
                                {move || if pending.get() { "Moving…" } else { "Move appointment" }}
                            </button>
                        </div>
                    </form>
                }
            })}
        </Modal>
    }
}

#[component]
fn ExpertSelect(
    choices: StoredValue<AppointmentChoices>,
    expert: RwSignal<Option<Uuid>>,
    allow_any: bool,
) -> impl IntoView {
    let experts = choices.with_value(|c| c.experts.clone());
    view! {
        <label class=LABEL>
            "Expert"
            <select
                class=INPUT
                data-testid="expert-select"
                on:change=move |ev| expert.set(Uuid::parse_str(&event_target_value(&ev)).ok())
            >
                {allow_any.then(|| view! { <option value="" selected=move || expert.get().is_none()>"Any available"</option> })}
                {experts.into_iter().map(|e| {
                    let id = e.id;
                    view! { <option value=id.to_string() selected=move || expert.get() == Some(id)>{e.name}</option> }
                }).collect_view()}
            </select>
        </label>
    }
}

/// The free starts for a service on a day, per expert, from the same availability the app uses.
/// Picking one sets the time and the expert.
#[component]
fn SlotPicker(
    service: Signal<Option<Uuid>>,
    date: Signal<String>,
    expert: Signal<Option<Uuid>>,
    picked: RwSignal<Option<(String, Uuid)>>,
) -> impl IntoView {
    let slots = Resource::new(
        move || (service.get(), date.get(), expert.get()),
        |(service, date, expert)| async move {
            match service {
                Some(id) if !date.is_empty() => free_slots(id, date, expert).await.map(Some),
                _ => Ok::<_, PortalError>(None),
            }
        },
    );
    // A new day, expert or service makes the old pick meaningless.
    Effect::new(move |_| {
        service.track();
        date.track();
        expert.track();
        picked.set(None);
    });
    view! {
        <div class="max-h-64 overflow-y-auto rounded-md border border-slate-200 p-3 dark:border-slate-700" data-testid="slots">
            <Transition fallback=|| view! { <p class="text-sm text-slate-500">"Loading free times…"</p> }>
                {move || Suspend::new(async move {
                    match slots.await {
                        Err(e) => view! { <p class="text-sm text-red-600" role="alert">{e.message}</p> }.into_any(),
                        Ok(None) => view! { <p class="text-sm text-slate-500">"Choose a service and a day."</p> }.into_any(),
                        Ok(Some(a)) if a.experts.iter().all(|e| e.slots.is_empty()) => {
                            view! { <p class="text-sm text-slate-500" data-testid="no-slots">"No free times that day."</p> }.into_any()
                        }
                        Ok(Some(a)) => a.experts.into_iter().filter(|e| !e.slots.is_empty()).map(|e| {
                            let expert_id = e.expert_id;
                            view! {
                                <fieldset class="mb-3">
                                    <legend class="mb-1 text-xs font-semibold uppercase text-slate-500">{e.name}</legend>
                                    <div class="flex flex-wrap gap-1.5">
                                        {e.slots.into_iter().map(|t| {
                                            let t2 = t.clone();
                                            let t3 = t.clone();
                                            let on = Signal::derive(move || picked.with(|p| p.as_ref().is_some_and(|(pt, pe)| *pt == t2 && *pe == expert_id)));
                                            view! {
                                                <button
                                                    type="button"
                                                    class="rounded border px-2 py-1 text-xs tabular-nums"
                                                    class=(["border-indigo-600", "bg-indigo-600", "text-white"], on)
                                                    class=(["border-slate-300", "hover:bg-slate-50", "dark:border-slate-600", "dark:hover:bg-slate-800"], move || !on.get())
                                                    aria-pressed=move || on.get().to_string()
                                                    on:click=move |_| picked.set(Some((t3.clone(), expert_id)))
                                                    data-testid="slot"
                                                >
                                                    {t}
                                                </button>
                                            }
                                        }).collect_view()}
                                    </div>
                                </fieldset>
                            }
                        }).collect_view().into_any(),
                    }
                })}
            </Transition>
        </div>
    }
}

/// A walk-in or phone booking: service, then expert (or anyone), day and a free time, then the
/// customer. Checked in the browser by the server's own `BookingForm::parse` before it is sent.
#[component]
fn BookingDialog(
    open: RwSignal<bool>,
    choices: StoredValue<AppointmentChoices>,
    on_booked: Callback<()>,
) -> impl IntoView {
    let toasts = use_toasts();
    let book = ServerAction::<BookAppointment>::new();
    let errors: FieldErrors = RwSignal::new(Vec::new());
    report(
        move || book.value().get(),
        Some(errors),
        move |a| {
            toasts.ok(format!(
                "Booked {} for {} at {}",
                a.service_name,
                a.customer_name,
                hhmm(&a.appointment_time)
            ));
            open.set(false);
            on_booked.run(());
        },
    );
    view! {
        <Modal open title="New booking" test_id="booking-dialog">
            {move || {
                let today = choices.with_value(|c| c.today.clone());
                let service = RwSignal::new(None::<Uuid>);
                let expert = RwSignal::new(None::<Uuid>);
                let date = RwSignal::new(today);
                let picked = RwSignal::new(None::<(String, Uuid)>);
                let name = RwSignal::new(String::new());
                let phone = RwSignal::new(String::new());
                let email = RwSignal::new(String::new());
                let notes = RwSignal::new(String::new());
                let paid = RwSignal::new(false);
                let method = RwSignal::new(PaymentMethod::Cash.as_str().to_owned());
                let offer = RwSignal::new(String::new());
                errors.set(Vec::new());
                let services = choices.with_value(|c| c.services.clone());
                let submit = move |ev: leptos::ev::SubmitEvent| {
                    ev.prevent_default();
                    let (time, expert_id) = picked.get_untracked().unzip();
                    let form = BookingForm {
                        service_id: service.get_untracked().map(|s| s.to_string()).unwrap_or_default(),
                        appointment_date: date.get_untracked(),
                        appointment_time: time.unwrap_or_default(),
                        customer_name: name.get_untracked(),
                        customer_phone: phone.get_untracked(),
                        customer_email: Some(email.get_untracked()),
                        expert_id: expert_id.map(|e| e.to_string()),
                        notes: Some(notes.get_untracked()),
                        pay_now: serde_json::Value::Bool(paid.get_untracked()),
                        payment_method: paid.get_untracked().then(|| method.get_untracked()),
                        user_id: None,
                        offer_id: Some(offer.get_untracked()).filter(|o| !o.is_empty()),
                    };
                    match form.parse() {
                        Err(list) => errors.set(list),
                        Ok(_) => {
                            errors.set(Vec::new());
                            book.dispatch(BookAppointment { form });
                        }
                    }
                };
                view! {
                    <form class="mt-4 space-y-3" on:submit=submit novalidate>
                        <div class="grid grid-cols-2 gap-3">
                            <label class=format!("{LABEL} col-span-2")>
                                "Service"
                                <select class=INPUT data-testid="booking-service" on:change=move |ev| service.set(Uuid::parse_str(&event_target_value(&ev)).ok())>
                                    <option value="">"Choose a service"</option>
                                    {services.into_iter().map(|s| view! { <option value=s.id.to_string()>{format!("{} ({} min)", s.name, s.minutes)}</option> }).collect_view()}
                                </select>
                                <FieldMessage errors field="serviceId"/>
                            </label>
                            <ExpertSelect choices expert allow_any=true/>
                            <label class=LABEL>
                                "Day"
                                <input type="date" class=INPUT bind:value=date data-testid="booking-date"/>
                                <FieldMessage errors field="appointmentDate"/>
                            </label>
                        </div>
                        <SlotPicker service=service.into() date=date.into() expert=expert.into() picked/>
                        <FieldMessage errors field="appointmentTime"/>
                        <OfferPicker service=service.into() offer/>
                        <FieldMessage errors field="offerId"/>
                        <div class="grid grid-cols-2 gap-3">
                            <label class=LABEL>
                                "Customer name"
                                <input type="text" class=INPUT bind:value=name autocomplete="off" data-testid="booking-name"/>
                                <FieldMessage errors field="customerName"/>
                            </label>
                            <label class=LABEL>
                                "Phone"
                                <input type="tel" class=INPUT bind:value=phone autocomplete="off" data-testid="booking-phone"/>
                                <FieldMessage errors field="customerPhone"/>
                            </label>
                            <label class=format!("{LABEL} col-span-2")>
                                "Email (optional)"
                                <input type="email" class=INPUT bind:value=email autocomplete="off" data-testid="booking-email"/>
                                <FieldMessage errors field="customerEmail"/>
                            </label>
                            <label class=format!("{LABEL} col-span-2")>
                                "Notes (optional)"
                                <textarea class=INPUT rows="2" bind:value=notes data-testid="booking-notes"></textarea>
                                <FieldMessage errors field="notes"/>
                            </label>
                            <label class="flex items-center gap-2 text-sm">
                                <input type="checkbox" bind:checked=paid data-testid="booking-paid"/>
                                "Paid now"
                            </label>
                            <Show when=move || paid.get()>
                                <select class=INPUT bind:value=method aria-label="Payment method">
                                    {PaymentMethod::ALL.iter().map(|m| view! { <option value=m.as_str()>{status_label(m.as_str())}</option> }).collect_view()}
                                </select>
                            </Show>
                        </div>
                        <div class="flex justify-end gap-3 pt-2">
                            <button type="button" class=BUTTON_SECONDARY on:click=move |_| open.set(false)>"Close"</button>
                            <button type="submit" class=BUTTON_PRIMARY disabled=move || book.pending().get() data-testid="booking-submit">
                                {move || if book.pending().get() { "Booking…" } else { "Book" }}
                            </button>
                        </div>
                    </form>
                }
            }}
        </Modal>
    }
}

/// The offers the chosen service can be booked with today (the server checks and prices it).
#[component]
fn OfferPicker(service: Signal<Option<Uuid>>, offer: RwSignal<String>) -> impl IntoView {
    let offers = Resource::new(
        move || service.get(),
        |service| async move {
            match service {
                Some(id) => offers_for_service(id).await,
                None => Ok::<_, PortalError>(Vec::new()),
            }
        },
    );
    // Another service's offers do not carry over.
    Effect::new(move |_| {
        service.track();
        offer.set(String::new());
    });
    view! {
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                let list = offers.await.unwrap_or_default();
                (!list.is_empty()).then(|| view! {
                    <label class=LABEL>
                        "Offer (optional)"
                        <select class=INPUT bind:value=offer data-testid="booking-offer">
                            <option value="">"No offer"</option>
                            {list.into_iter().map(|o| {
                                let label = match o.discount() {
                                    Some(d) => format!("{} ({})", o.title, d.label()),
                                    None => o.title.clone(),
                                };
                                view! { <option value=o.id.to_string()>{label}</option> }
                            }).collect_view()}
                        </select>
                    </label>
                })
            })}
        </Transition>
    }
}

/// The 🎁 beside a service booked with an offer: the offer's title and what it took off.
pub fn offer_badge(title: Option<String>, discount: &str) -> Option<impl IntoView> {
    let title = title?;
    let label = format!("Offer: {title} (−{discount})");
    Some(view! {
        <span class="ml-1 cursor-default" title=label.clone() aria-label=label data-testid="offer-badge">"🎁"</span>
    })
}
