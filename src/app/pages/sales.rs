//! Sales (`dashboard.view`): what was taken today, this week and this month (less refunds), the
//! refunds this month, and the latest payments with their provider and reference, in every state
//! (waiting, failed, refunded, owed back). Staff with `payments.refund` refund a payment after
//! confirming; it cancels the bookings it paid for that have not happened.

use leptos::prelude::*;
use leptos_meta::Title;

use crate::app::components::{
    dialog::{ConfirmDialog, BUTTON_SMALL_DANGER},
    form::{Alert, Empty, Loading},
    guard::Guarded,
    toast::{report, use_toasts},
};
use crate::app::server_fns::{load_sales, RefundPayment};
use crate::shared::{payments::PaymentView, permissions::Permission};

#[component]
pub fn SalesPage() -> impl IntoView {
    view! {
        <Title text="Sales"/>
        <Guarded any_of=&[Permission::DashboardView]>
            <Sales/>
        </Guarded>
    }
}

/// A payment's state as a coloured badge.
#[component]
pub fn PaymentBadge(status: String) -> impl IntoView {
    let (label, tone) = match status.as_str() {
        "succeeded" => (
            "Paid",
            "bg-emerald-50 text-emerald-700 dark:bg-emerald-950 dark:text-emerald-300",
        ),
        "pending" => (
            "Waiting",
            "bg-amber-50 text-amber-800 dark:bg-amber-950 dark:text-amber-300",
        ),
        "failed" => (
            "Failed",
            "bg-red-50 text-red-700 dark:bg-red-950 dark:text-red-300",
        ),
        "partly_refunded" => (
            "Partly refunded",
            "bg-sky-50 text-sky-700 dark:bg-sky-950 dark:text-sky-300",
        ),
        "refunded" => (
            "Refunded",
            "bg-slate-100 text-slate-700 dark:bg-slate-800 dark:text-slate-300",
        ),
        "refund_due" => (
            "Refund owed",
            "bg-red-50 text-red-700 dark:bg-red-950 dark:text-red-300",
        ),
        _ => (
            "Refunding",
            "bg-slate-100 text-slate-700 dark:bg-slate-800 dark:text-slate-300",
        ),
    };
    view! { <span class=format!("rounded-full px-2 py-0.5 text-xs font-medium {tone}") data-testid="payment-status">{label}</span> }
}

fn refundable(p: &PaymentView) -> bool {
    matches!(p.status.as_str(), "succeeded" | "partly_refunded" | "refund_due")
}

#[component]
fn Sales() -> impl IntoView {
    let toasts = use_toasts();
    let refund = ServerAction::<RefundPayment>::new();
    let live = crate::app::live::use_live();
    let board = Resource::new(
        move || (refund.version().get(), live.bookings.get()),
        |_| load_sales(),
    );
    let target = RwSignal::new(None::<PaymentView>);
    let open = RwSignal::new(false);
    report(
        move || refund.value().get(),
        None,
        move |p: PaymentView| {
            open.set(false);
            if p.status == "refund_due" {
                toasts.ok("Recorded as owed back: refund it in the provider's portal");
            } else {
                toasts.ok(format!("Refunded {} {}", p.currency.to_uppercase(), p.refunded));
            }
        },
    );
    view! {
        <div class="mx-auto max-w-7xl space-y-6">
            <h1 class="text-2xl font-bold tracking-tight">"Sales"</h1>
            <Transition fallback=|| view! { <Loading label="Loading sales"/> }>
                {move || Suspend::new(async move {
                    match board.await {
                        Err(e) => view! { <Alert message=format!("Could not load sales: {}", e.message)/> }.into_any(),
                        Ok(b) => {
                            let t = b.totals;
                            let can_refund = b.can_refund;
                            let cards = [
                                ("Today", t.today, "sales-today"),
                                ("This week", t.week, "sales-week"),
                                ("This month", t.month, "sales-month"),
                                ("Refunded this month", t.refunded_month, "sales-refunded"),
                            ];
                            let currency = t.currency;
                            view! {
                                <div class="grid grid-cols-2 gap-4 lg:grid-cols-4">
                                    {cards.into_iter().map(|(label, value, id)| view! {
                                        <div class="rounded-lg border border-slate-200 bg-white p-4 shadow-sm dark:border-slate-800 dark:bg-slate-900">
                                            <p class="text-sm text-slate-600 dark:text-slate-400">{label}</p>
                                            <p class="mt-1 text-2xl font-semibold tabular-nums" data-testid=id>{format!("{currency} {value}")}</p>
                                        </div>
                                    }).collect_view()}
                                </div>
                                <section class="overflow-x-auto rounded-lg border border-slate-200 bg-white shadow-sm dark:border-slate-800 dark:bg-slate-900">
                                    <h2 class="px-4 pt-4 text-lg font-semibold">"Latest payments"</h2>
                                    {if b.payments.is_empty() {
                                        view! { <Empty message="No payments yet."/> }.into_any()
                                    } else {
                                        view! {
                                            <table class="mt-2 min-w-full divide-y divide-slate-200 text-sm dark:divide-slate-800" data-testid="payments-table">
                                                <thead class="bg-slate-50 text-left text-xs font-semibold uppercase tracking-wide text-slate-500 dark:bg-slate-800/50 dark:text-slate-400">
                                                    <tr>
                                                        <th scope="col" class="px-4 py-3">"Customer"</th>
                                                        <th scope="col" class="px-4 py-3 text-right">"Amount"</th>
                                                        <th scope="col" class="px-4 py-3">"Provider"</th>
                                                        <th scope="col" class="px-4 py-3">"Reference"</th>
                                                        <th scope="col" class="px-4 py-3">"Status"</th>
                                                        <th scope="col" class="px-4 py-3">"When"</th>
                                                        <th scope="col" class="px-4 py-3"><span class="sr-only">"Actions"</span></th>
                                                    </tr>
                                                </thead>
                                                <tbody class="divide-y divide-slate-100 dark:divide-slate-800">
                                                    {b.payments.into_iter().map(|p| {
                                                        let p = StoredValue::new(p);
                                                        p.with_value(|v| view! {
                                                            <tr data-testid="payment-row" data-reference=v.reference.clone()>
                                                                <td class="px-4 py-3">
                                                                    {v.customer_name.clone().unwrap_or_else(|| "—".into())}
                                                                    {v.with_offer.then(|| view! { <span class="ml-1" title="Booked with an offer" aria-label="Booked with an offer">"🎁"</span> })}
                                                                    <span class="block text-xs text-slate-500">{format!("{} booking(s)", v.appointment_ids.len())}</span>
                                                                </td>
                                                                <td class="px-4 py-3 text-right tabular-nums">
                                                                    {format!("{} {}", v.currency.to_uppercase(), v.amount)}
                                                                    {(v.refunded != "0.00").then(|| view! { <span class="block text-xs text-slate-500">{format!("refunded {}", v.refunded)}</span> })}
                                                                </td>
                                                                <td class="px-4 py-3">{if v.provider == "jazzcash" { "JazzCash" } else { "Stripe" }}</td>
                                                                <td class="px-4 py-3 font-mono text-xs">{v.reference.clone()}</td>
                                                                <td class="px-4 py-3">
                                                                    <PaymentBadge status=v.status.clone()/>
                                                                    {v.failure.clone().map(|f| { let shown = f.clone(); view! { <span class="block max-w-xs truncate text-xs text-slate-500" title=f>{shown}</span> } })}
                                                                </td>
                                                                <td class="whitespace-nowrap px-4 py-3 tabular-nums">{v.settled_at.unwrap_or(v.created_at).format("%Y-%m-%d %H:%M").to_string()}</td>
                                                                <td class="px-4 py-3 text-right">
                                                                    {(can_refund && refundable(v)).then(|| view! {
                                                                        <button type="button" class=BUTTON_SMALL_DANGER data-testid="payment-refund"
                                                                            aria-label=format!("Refund {}", v.reference)
                                                                            on:click=move |_| { target.set(Some(p.get_value())); open.set(true); }>
                                                                            {if v.provider == "jazzcash" && v.status == "refund_due" { "Mark refunded" } else { "Refund" }}
                                                                        </button>
                                                                    })}
                                                                </td>
                                                            </tr>
                                                        })
                                                    }).collect_view()}
                                                </tbody>
                                            </table>
                                        }.into_any()
                                    }}
                                </section>
                            }.into_any()
                        }
                    }
                })}
            </Transition>
        </div>
        <ConfirmDialog
            open
            title="Refund this payment?"
            message=Signal::derive(move || target.with(|t| t.as_ref().map(|p| if p.provider == "jazzcash" && p.status == "refund_due" {
                format!(
                    "Record that {} {} was given back to {} in the JazzCash merchant portal? The bookings it paid for that have not happened are cancelled.",
                    p.currency.to_uppercase(), p.amount, p.customer_name.clone().unwrap_or_else(|| "the customer".into())
                )
            } else {
                format!(
                    "{} {} goes back to {}, and the bookings it paid for that have not happened are cancelled.",
                    p.currency.to_uppercase(), p.amount, p.customer_name.clone().unwrap_or_else(|| "the customer".into())
                )
            }).unwrap_or_default()))
            confirm_label="Refund"
            pending=refund.pending()
            on_confirm=Callback::new(move |()| if let Some(p) = target.get_untracked() { refund.dispatch(RefundPayment { id: p.id }); })
            test_id="refund-dialog"
        />
    }
}
