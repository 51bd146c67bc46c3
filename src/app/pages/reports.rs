//! Reports (`reports.view`): any range of the business's days (in the URL as `startDate` and
//! `endDate`, the last 30 days when left out): revenue, appointments and the average ticket, revenue
//! by day as a server-drawn SVG bar chart (with a table for screen readers), the best services and
//! experts, appointments by status, and the paid transactions, which also download as CSV.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::{
    components::{Form, A},
    hooks::use_query_map,
};

use crate::app::components::{
    dialog::{BUTTON_PRIMARY, BUTTON_SECONDARY},
    form::{list_problem, Alert, Empty, Loading, INPUT, LABEL},
    guard::Guarded,
};
use crate::app::pages::appointments::status_label;
use crate::app::server_fns::{load_report, ReportBoard};
use crate::shared::{
    appointments::encode,
    permissions::Permission,
    reports::{DayFigures, Ranked, StatusCount},
};

#[component]
pub fn ReportsPage() -> impl IntoView {
    view! {
        <Title text="Reports"/>
        <Guarded any_of=&[Permission::ReportsView]>
            <Reports/>
        </Guarded>
    }
}

const PANEL: &str =
    "rounded-lg border border-slate-200 bg-white p-5 shadow-sm dark:border-slate-800 dark:bg-slate-900";

#[component]
fn Reports() -> impl IntoView {
    let query = use_query_map();
    let start = Memo::new(move |_| query.read().get("startDate").unwrap_or_default());
    let end = Memo::new(move |_| query.read().get("endDate").unwrap_or_default());
    let live = crate::app::live::use_live();
    let board = Resource::new(
        move || (start.get(), end.get(), live.bookings.get()),
        |(start, end, _)| load_report(start, end),
    );
    view! {
        <div class="mx-auto max-w-7xl space-y-6">
            <div>
                <h1 class="text-2xl font-bold tracking-tight">"Reports"</h1>
                <p class="mt-1 text-sm text-slate-600 dark:text-slate-400">
                    "Revenue counts what was paid on each day; appointments count those booked to start in the range."
                </p>
            </div>
            <Transition fallback=|| view! { <Loading label="Loading the report"/> }>
                {move || Suspend::new(async move {
                    match board.await {
                        Err(e) => view! {
                            <RangeForm from=start.get_untracked() to=end.get_untracked() export=None/>
                            <Alert message=list_problem("the report", &e)/>
                        }.into_any(),
                        Ok(b) => {
                            let range = b.report.range;
                            let export = format!(
                                "/reports/export.csv?startDate={}&endDate={}",
                                encode(&range.from.to_string()),
                                encode(&range.to.to_string())
                            );
                            view! {
                                <RangeForm from=range.from.to_string() to=range.to.to_string() export=Some((export, range.file_name()))/>
                                <Figures board=b/>
                            }.into_any()
                        }
                    }
                })}
            </Transition>
        </div>
    }
}

/// The range's two dates (a GET form, so the range is in the URL) and the CSV download.
#[component]
fn RangeForm(from: String, to: String, export: Option<(String, String)>) -> impl IntoView {
    view! {
        <Form method="GET" action="" attr:class="flex flex-wrap items-end gap-3 rounded-lg border border-slate-200 bg-white p-4 shadow-sm dark:border-slate-800 dark:bg-slate-900" attr:data-testid="report-range">
            <label class=LABEL>
                "From"
                <input type="date" name="startDate" class=INPUT value=from required data-testid="report-start"/>
            </label>
            <label class=LABEL>
                "To (included)"
                <input type="date" name="endDate" class=INPUT value=to required data-testid="report-end"/>
            </label>
            <button type="submit" class=BUTTON_PRIMARY data-testid="report-apply">"Apply"</button>
            <A href="/reports" attr:class=BUTTON_SECONDARY>"Last 30 days"</A>
            {export.map(|(href, file)| view! {
                <a href=href download=file rel="external" class=format!("{BUTTON_SECONDARY} ml-auto") data-testid="report-export">"Export CSV"</a>
            })}
        </Form>
    }
}

#[component]
fn Figures(board: ReportBoard) -> impl IntoView {
    let ReportBoard {
        report,
        transactions,
        total_transactions,
    } = board;
    let s = report.summary;
    let cards = [
        (
            "Total revenue",
            format!("Rs. {}", s.total_revenue),
            "Paid in the range",
            "summary-revenue",
        ),
        (
            "Appointments",
            s.total_appointments.to_string(),
            "Booked to start in the range",
            "summary-appointments",
        ),
        ("Paid", s.paid.to_string(), "Payments received", "summary-paid"),
        (
            "Completed",
            s.completed.to_string(),
            "Appointments that took place",
            "summary-completed",
        ),
        (
            "Cancelled",
            s.cancelled.to_string(),
            "Appointments cancelled",
            "summary-cancelled",
        ),
        (
            "Average ticket",
            format!("Rs. {}", s.average_ticket),
            "Revenue per paid appointment",
            "summary-average",
        ),
    ];
    let shown = transactions.len();
    view! {
        <div class="grid grid-cols-2 gap-4 md:grid-cols-3 xl:grid-cols-6">
            {cards.into_iter().map(|(label, value, hint, id)| view! {
                <div class="rounded-lg border border-slate-200 bg-white p-4 shadow-sm dark:border-slate-800 dark:bg-slate-900">
                    <p class="text-sm font-medium text-slate-500 dark:text-slate-400">{label}</p>
                    <p class="mt-1 text-2xl font-semibold tabular-nums" data-testid=id>{value}</p>
                    <p class="mt-1 text-xs text-slate-500">{hint}</p>
                </div>
            }).collect_view()}
        </div>
        <section class=PANEL>
            <h2 class="text-lg font-semibold">"Revenue by day"</h2>
            <RevenueBars days=report.revenue_data/>
        </section>
        <div class="grid grid-cols-1 gap-6 lg:grid-cols-2">
            <RankedTable title="Top services" what="Service" rows=report.top_services test_id="top-services"/>
            <RankedTable title="Top experts" what="Expert" rows=report.top_experts test_id="top-experts"/>
        </div>
        <StatusBars counts=report.appointments_by_status/>
        <section class="overflow-x-auto rounded-lg border border-slate-200 bg-white shadow-sm dark:border-slate-800 dark:bg-slate-900">
            <div class="flex flex-wrap items-baseline justify-between gap-2 px-4 pt-4">
                <h2 class="text-lg font-semibold">"Paid transactions"</h2>
                <p class="text-sm text-slate-500" data-testid="transactions-count">{format!("Showing {shown} of {total_transactions}")}</p>
            </div>
            {if transactions.is_empty() {
                view! { <Empty message="No payments in this range."/> }.into_any()
            } else {
                view! {
                    <table class="mt-2 min-w-full divide-y divide-slate-200 text-sm dark:divide-slate-800" data-testid="transactions-table">
                        <thead class="bg-slate-50 text-left text-xs font-semibold uppercase tracking-wide text-slate-500 dark:bg-slate-800/50 dark:text-slate-400">
                            <tr>
                                <th scope="col" class="px-4 py-3">"Paid"</th>
                                <th scope="col" class="px-4 py-3">"Customer"</th>
                                <th scope="col" class="px-4 py-3">"Service"</th>
                                <th scope="col" class="px-4 py-3">"Expert"</th>
                                <th scope="col" class="px-4 py-3 text-right">"Amount"</th>
                                <th scope="col" class="px-4 py-3">"Method"</th>
                            </tr>
                        </thead>
                        <tbody class="divide-y divide-slate-100 dark:divide-slate-800">
                            {transactions.into_iter().map(|line| {
                                let t = line.transaction;
                                view! {
                                    <tr data-testid="transaction-row">
                                        <td class="whitespace-nowrap px-4 py-3 tabular-nums">
                                            {line.paid}
                                            <span class="block text-xs text-slate-500">{format!("for {}", t.appointment_date)}</span>
                                        </td>
                                        <td class="px-4 py-3">{t.customer_name}</td>
                                        <td class="px-4 py-3">{t.service_name}</td>
                                        <td class="px-4 py-3">{t.expert_name}</td>
                                        <td class="whitespace-nowrap px-4 py-3 text-right tabular-nums">{format!("Rs. {}", t.amount)}</td>
                                        <td class="px-4 py-3">{t.payment_method.map(|m| status_label(&m)).unwrap_or_else(|| "—".to_owned())}</td>
                                    </tr>
                                }
                            }).collect_view()}
                        </tbody>
                    </table>
                }.into_any()
            }}
        </section>
    }
}

/// Revenue per day as SVG bars, drawn on the server (no chart library; readable without
/// JavaScript). Each bar has a `<title>` for hover; a hidden table repeats the figures for screen
/// readers.
#[component]
fn RevenueBars(days: Vec<DayFigures>) -> impl IntoView {
    const W: f64 = 720.0;
    const H: f64 = 200.0;
    const PAD: f64 = 4.0;
    let max = days.iter().map(|d| d.revenue_minor).max().unwrap_or(0).max(0);
    let best = days
        .iter()
        .max_by_key(|d| d.revenue_minor)
        .map(|d| d.revenue.clone())
        .unwrap_or_else(|| "0.00".to_owned());
    let n = days.len().max(1);
    let slot = (W - 2.0 * PAD) / n as f64;
    let gap = if slot > 4.0 { slot * 0.2 } else { 0.0 };
    let width = format!("{:.2}", (slot - gap).max(0.5));
    let first = days.first().map(|d| d.date.to_string()).unwrap_or_default();
    let last = days.last().map(|d| d.date.to_string()).unwrap_or_default();
    let summary = format!("Revenue by day from {first} to {last}; the best day took Rs. {best}.");
    let bars = days
        .iter()
        .enumerate()
        .map(|(i, d)| {
            let h = if max > 0 {
                (H - 2.0 * PAD) * d.revenue_minor.max(0) as f64 / max as f64
            } else {
                0.0
            };
            let x = PAD + slot * i as f64 + gap / 2.0;
            view! {
                <rect x=format!("{x:.2}") y=format!("{:.2}", H - PAD - h) width=width.clone() height=format!("{h:.2}") class="fill-indigo-500 dark:fill-indigo-400">
                    <title>{format!("{}: Rs. {} ({} appointments)", d.date, d.revenue, d.appointments)}</title>
                </rect>
            }
        })
        .collect_view();
    let rows = days
        .into_iter()
        .map(|d| view! { <tr><th scope="row">{d.date.to_string()}</th><td>{format!("Rs. {}", d.revenue)}</td><td>{d.appointments}</td></tr> })
        .collect_view();
    view! {
        <figure class="mt-4" data-testid="revenue-chart">
            <svg viewBox=format!("0 0 {W} {H}") class="h-52 w-full" role="img" aria-label=summary preserveAspectRatio="none">
                <line x1="0" x2=W y1=H - PAD y2=H - PAD class="stroke-slate-200 dark:stroke-slate-700" stroke-width="1"/>
                {bars}
            </svg>
            <figcaption class="mt-1 flex justify-between text-xs text-slate-500">
                <span>{first}</span>
                <span>{format!("best day Rs. {best}")}</span>
                <span>{last}</span>
            </figcaption>
            <table class="sr-only">
                <caption>"Revenue by day"</caption>
                <thead><tr><th scope="col">"Day"</th><th scope="col">"Revenue"</th><th scope="col">"Appointments"</th></tr></thead>
                <tbody>{rows}</tbody>
            </table>
        </figure>
    }
}

/// A ranked list (services or experts): name, appointments and revenue.
#[component]
fn RankedTable(
    title: &'static str,
    what: &'static str,
    rows: Vec<Ranked>,
    test_id: &'static str,
) -> impl IntoView {
    view! {
        <section class=PANEL data-testid=test_id>
            <h2 class="text-lg font-semibold">{title}</h2>
            {if rows.is_empty() {
                view! { <Empty message="Nothing booked in this range."/> }.into_any()
            } else {
                view! {
                    <table class="mt-3 w-full text-sm">
                        <thead class="text-left text-xs uppercase text-slate-500">
                            <tr>
                                <th scope="col" class="py-2">{what}</th>
                                <th scope="col" class="py-2 text-right">"Appointments"</th>
                                <th scope="col" class="py-2 text-right">"Revenue"</th>
                            </tr>
                        </thead>
                        <tbody class="divide-y divide-slate-100 dark:divide-slate-800">
                            {rows.into_iter().map(|r| view! {
                                <tr data-testid="ranked-row">
                                    <td class="py-2">{r.name}</td>
                                    <td class="py-2 text-right tabular-nums">{r.appointments}</td>
                                    <td class="py-2 text-right tabular-nums">{format!("Rs. {}", r.revenue)}</td>
                                </tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                }.into_any()
            }}
        </section>
    }
}

fn status_colour(status: &str) -> &'static str {
    match status {
        "reserved" => "bg-amber-400",
        "confirmed" => "bg-emerald-500",
        "completed" => "bg-sky-500",
        "cancelled" => "bg-red-500",
        _ => "bg-slate-400",
    }
}

/// Appointments by status as horizontal bars, each with its count.
#[component]
fn StatusBars(counts: Vec<StatusCount>) -> impl IntoView {
    let max = counts.iter().map(|c| c.count).max().unwrap_or(0);
    view! {
        <section class=PANEL data-testid="status-breakdown">
            <h2 class="text-lg font-semibold">"Appointments by status"</h2>
            <ul class="mt-3 space-y-2">
                {counts.into_iter().map(|c| {
                    let pct = if max == 0 { 0.0 } else { c.count as f64 * 100.0 / max as f64 };
                    let label = status_label(&c.status);
                    let colour = status_colour(&c.status);
                    view! {
                        <li class="flex items-center gap-3 text-sm" data-testid="status-row" data-status=c.status.clone()>
                            <span class="w-28 shrink-0">{label}</span>
                            <span class="h-3 flex-1 overflow-hidden rounded bg-slate-100 dark:bg-slate-800" aria-hidden="true">
                                <span class=format!("block h-3 rounded {colour}") style=format!("width: {pct:.1}%")></span>
                            </span>
                            <span class="w-12 shrink-0 text-right tabular-nums">{c.count}</span>
                        </li>
                    }
                }).collect_view()}
            </ul>
        </section>
    }
}
