//! The dashboard: stat cards, revenue for 7/30/90 days as a server-rendered SVG chart, top services,
//! staff performance and the latest bookings. The period is in the URL, so links and reloads keep it.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::{components::A, hooks::use_query_map};

use crate::app::components::{
    form::{Alert, Empty, Loading},
    guard::Guarded,
};
use crate::app::server_fns::{load_dashboard, DashboardData, PERIODS};
use crate::shared::{dashboard::DayRevenue, permissions::Permission};

#[component]
pub fn DashboardPage() -> impl IntoView {
    view! {
        <Title text="Dashboard"/>
        <Guarded any_of=&[Permission::DashboardView]>
            <Dashboard/>
        </Guarded>
    }
}

#[component]
fn Dashboard() -> impl IntoView {
    let query = use_query_map();
    let period = Memo::new(move |_| {
        query
            .read()
            .get("period")
            .and_then(|p| p.parse::<u32>().ok())
            .filter(|p| PERIODS.contains(p))
            .unwrap_or(30)
    });
    let live = crate::app::live::use_live();
    let data = Resource::new(
        move || (period.get(), live.bookings.get()),
        |(p, _)| load_dashboard(p),
    );
    view! {
        <div class="mx-auto max-w-6xl space-y-6">
            <div class="flex flex-wrap items-center justify-between gap-3">
                <h1 class="text-2xl font-bold tracking-tight">"Dashboard"</h1>
                <div class="inline-flex rounded-md shadow-sm" role="group" aria-label="Period">
                    {PERIODS.iter().map(|p| {
                        let p = *p;
                        view! {
                            <A
                                href=format!("?period={p}")
                                attr:class=move || if period.get() == p {
                                    "border border-indigo-600 bg-indigo-600 px-3 py-1.5 text-sm font-medium text-white first:rounded-l-md last:rounded-r-md"
                                } else {
                                    "border border-slate-300 bg-white px-3 py-1.5 text-sm font-medium text-slate-700 first:rounded-l-md last:rounded-r-md hover:bg-slate-50 dark:border-slate-700 dark:bg-slate-900 dark:text-slate-200"
                                }
                                attr:aria-pressed=move || (period.get() == p).to_string()
                                attr:data-testid=format!("period-{p}")
                            >
                                {format!("{p} days")}
                            </A>
                        }
                    }).collect_view()}
                </div>
            </div>
            <Transition fallback=|| view! { <Loading/> }>
                {move || Suspend::new(async move {
                    match data.await {
                        Ok(d) => view! { <Figures data=d/> }.into_any(),
                        Err(e) => view! { <Alert message=format!("Could not load the dashboard: {}", e.message)/> }.into_any(),
                    }
                })}
            </Transition>
        </div>
    }
}

#[component]
fn Figures(data: DashboardData) -> impl IntoView {
    let DashboardData {
        dashboard: d,
        recent,
        staff,
        payments,
    } = data;
    let s = &d.stats;
    let count = |k: &str| s.by_status.get(k).copied().unwrap_or(0);
    let cards = vec![
        (
            "Total revenue",
            s.total_revenue.clone(),
            "All time, paid".to_owned(),
            "stat-total-revenue",
        ),
        (
            "This month",
            s.month_revenue.clone(),
            "Paid this month".to_owned(),
            "stat-month-revenue",
        ),
        (
            "Today",
            s.today_revenue.clone(),
            "Paid today".to_owned(),
            "stat-today-revenue",
        ),
        (
            "Appointments",
            s.total_appointments.to_string(),
            format!(
                "{} confirmed, {} reserved, {} completed",
                count("confirmed"),
                count("reserved"),
                count("completed")
            ),
            "stat-appointments",
        ),
        (
            "Customers",
            s.customers.to_string(),
            "Customer accounts".to_owned(),
            "stat-customers",
        ),
        (
            "Active services",
            s.active_services.to_string(),
            "Bookable now".to_owned(),
            "stat-services",
        ),
    ];
    let period = d.period;
    let period_revenue = s.period_revenue.clone();
    view! {
        <div class="grid grid-cols-1 gap-4 sm:grid-cols-2 lg:grid-cols-3">
            {cards.into_iter().map(|(label, value, hint, id)| view! {
                <div class="rounded-lg border border-slate-200 bg-white p-5 shadow-sm dark:border-slate-800 dark:bg-slate-900" data-testid=id>
                    <p class="text-sm font-medium text-slate-500 dark:text-slate-400">{label}</p>
                    <p class="mt-2 text-2xl font-semibold tabular-nums">{value}</p>
                    <p class="mt-1 text-xs text-slate-500">{hint}</p>
                </div>
            }).collect_view()}
        </div>
        <section class="rounded-lg border border-slate-200 bg-white p-5 shadow-sm dark:border-slate-800 dark:bg-slate-900">
            <div class="flex items-baseline justify-between">
                <h2 class="text-lg font-semibold">"Revenue"</h2>
                <p class="text-sm text-slate-500" data-testid="period-revenue">{format!("{period_revenue} in the last {period} days")}</p>
            </div>
            <RevenueChart days=d.revenue_data/>
        </section>
        <div class="grid grid-cols-1 gap-6 lg:grid-cols-2">
            <section class="rounded-lg border border-slate-200 bg-white p-5 shadow-sm dark:border-slate-800 dark:bg-slate-900">
                <h2 class="text-lg font-semibold">"Top services"</h2>
                {if d.top_services.is_empty() {
                    view! { <Empty message="No paid bookings in this period."/> }.into_any()
                } else {
                    view! {
                        <table class="mt-3 w-full text-sm" data-testid="top-services">
                            <thead class="text-left text-xs uppercase text-slate-500"><tr><th class="py-2">"Service"</th><th class="py-2 text-right">"Bookings"</th><th class="py-2 text-right">"Revenue"</th></tr></thead>
                            <tbody class="divide-y divide-slate-100 dark:divide-slate-800">
                                {d.top_services.into_iter().map(|t| view! {
                                    <tr><td class="py-2">{t.name}</td><td class="py-2 text-right tabular-nums">{t.bookings}</td><td class="py-2 text-right tabular-nums">{t.revenue}</td></tr>
                                }).collect_view()}
                            </tbody>
                        </table>
                    }.into_any()
                }}
            </section>
            <section class="rounded-lg border border-slate-200 bg-white p-5 shadow-sm dark:border-slate-800 dark:bg-slate-900">
                <h2 class="text-lg font-semibold">"Staff performance"</h2>
                {if d.staff_performance.is_empty() {
                    view! { <Empty message="No active experts yet."/> }.into_any()
                } else {
                    view! {
                        <table class="mt-3 w-full text-sm" data-testid="staff-performance">
                            <thead class="text-left text-xs uppercase text-slate-500"><tr><th class="py-2">"Expert"</th><th class="py-2 text-right">"Appointments"</th><th class="py-2 text-right">"Completed"</th><th class="py-2 text-right">"Revenue"</th></tr></thead>
                            <tbody class="divide-y divide-slate-100 dark:divide-slate-800">
                                {d.staff_performance.into_iter().map(|x| view! {
                                    <tr>
                                        <td class="py-2">
                                            <span class="mr-2 inline-flex h-7 w-7 items-center justify-center rounded-full bg-indigo-100 text-xs font-semibold text-indigo-700 dark:bg-indigo-950 dark:text-indigo-300" aria-hidden="true">{initials(&x.name)}</span>
                                            {x.name}
                                        </td>
                                        <td class="py-2 text-right tabular-nums">{x.appointments}</td>
                                        <td class="py-2 text-right tabular-nums">{x.completed}</td>
                                        <td class="py-2 text-right tabular-nums">{x.revenue}</td>
                                    </tr>
                                }).collect_view()}
                            </tbody>
                        </table>
                    }.into_any()
                }}
            </section>
        </div>
        <section class="rounded-lg border border-slate-200 bg-white p-5 shadow-sm dark:border-slate-800 dark:bg-slate-900">
            <div class="flex items-baseline justify-between">
                <h2 class="text-lg font-semibold">"Recent appointments"</h2>
                <A href="/appointments" attr:class="text-sm text-indigo-600 hover:underline dark:text-indigo-400">"All appointments"</A>
            </div>
            {if recent.is_empty() {
                view! { <Empty message="No appointments yet."/> }.into_any()
            } else {
                view! {
                    <div class="overflow-x-auto">
                        <table class="mt-3 w-full text-sm" data-testid="recent-appointments">
                            <thead class="text-left text-xs uppercase text-slate-500"><tr><th class="py-2">"Customer"</th><th class="py-2">"Service"</th><th class="py-2">"When"</th><th class="py-2">"Status"</th></tr></thead>
                            <tbody class="divide-y divide-slate-100 dark:divide-slate-800">
                                {recent.into_iter().map(|a| view! {
                                    <tr>
                                        <td class="py-2">{a.customer_name}<span class="block text-xs text-slate-500">{a.customer_email.unwrap_or_default()}</span></td>
                                        <td class="py-2">{a.service_name}{crate::app::pages::appointments::offer_badge(a.offer_title, &a.discount)}</td>
                                        <td class="py-2 tabular-nums">{format!("{} {}", a.appointment_date, &a.appointment_time[..5.min(a.appointment_time.len())])}</td>
                                        <td class="py-2"><super::appointments::StatusBadge status=a.status/></td>
                                    </tr>
                                }).collect_view()}
                            </tbody>
                        </table>
                    </div>
                }.into_any()
            }}
        </section>
        <RecentPayments payments/>
        <OnlineNow staff/>
    }
}

/// The five latest settled payments: customer, amount, where it stands, when, and a 🎁 when an
/// offer priced it.
#[component]
fn RecentPayments(payments: Vec<crate::shared::payments::PaymentView>) -> impl IntoView {
    view! {
        <section class="rounded-lg border border-slate-200 bg-white p-5 shadow-sm dark:border-slate-800 dark:bg-slate-900">
            <div class="flex items-baseline justify-between">
                <h2 class="text-lg font-semibold">"Recent payments"</h2>
                <A href="/sales" attr:class="text-sm text-indigo-600 hover:underline dark:text-indigo-400">"Sales"</A>
            </div>
            {if payments.is_empty() {
                view! { <Empty message="No payments yet."/> }.into_any()
            } else {
                view! {
                    <div class="overflow-x-auto">
                        <table class="mt-3 w-full text-sm" data-testid="recent-payments">
                            <thead class="text-left text-xs uppercase text-slate-500"><tr><th class="py-2">"Customer"</th><th class="py-2 text-right">"Amount"</th><th class="py-2">"Status"</th><th class="py-2">"Date"</th><th class="py-2">"Offer"</th></tr></thead>
                            <tbody class="divide-y divide-slate-100 dark:divide-slate-800">
                                {payments.into_iter().map(|p| view! {
                                    <tr>
                                        <td class="py-2">{p.customer_name.clone().unwrap_or_else(|| "—".into())}</td>
                                        <td class="py-2 text-right tabular-nums">{format!("{} {}", p.currency.to_uppercase(), p.amount)}</td>
                                        <td class="py-2"><super::sales::PaymentBadge status=p.status.clone()/></td>
                                        <td class="py-2 tabular-nums">{p.settled_at.unwrap_or(p.created_at).format("%Y-%m-%d").to_string()}</td>
                                        <td class="py-2">{p.with_offer.then(|| view! { <span title="Booked with an offer" aria-label="Booked with an offer">"🎁"</span> })}</td>
                                    </tr>
                                }).collect_view()}
                            </tbody>
                        </table>
                    </div>
                }.into_any()
            }}
        </section>
    }
}

/// Staff with a live connection now, kept current by the live feed.
#[component]
fn OnlineNow(staff: Vec<crate::shared::dashboard::StaffPresence>) -> impl IntoView {
    let live = crate::app::live::use_live();
    let staff = StoredValue::new(staff);
    let online = move || {
        staff.with_value(|s| {
            s.iter()
                .filter(|x| live.is_online(x.id, x.online))
                .cloned()
                .collect::<Vec<_>>()
        })
    };
    view! {
        <section class="rounded-lg border border-slate-200 bg-white p-5 shadow-sm dark:border-slate-800 dark:bg-slate-900" data-testid="online-now">
            <h2 class="text-lg font-semibold">"Online now"</h2>
            {move || {
                let list = online();
                if list.is_empty() {
                    view! { <p class="mt-2 text-sm text-slate-500">"Nobody is online."</p> }.into_any()
                } else {
                    view! {
                        <ul class="mt-3 flex flex-wrap gap-3">
                            {list.into_iter().map(|x| view! {
                                <li class="inline-flex items-center gap-2 rounded-full border border-slate-200 px-3 py-1 text-sm dark:border-slate-700" data-testid="online-person">
                                    <crate::app::components::presence::OnlineDot user=x.id at_load=x.online/>
                                    {x.name}
                                    <span class="text-xs text-slate-500">{x.role}</span>
                                </li>
                            }).collect_view()}
                        </ul>
                    }.into_any()
                }
            }}
        </section>
    }
}

fn initials(name: &str) -> String {
    name.split_whitespace()
        .filter_map(|w| w.chars().next())
        .take(2)
        .flat_map(char::to_uppercase)
        .collect()
}

/// Revenue per day as an SVG line over a filled area, drawn on the server: no chart library, and
/// readable without JavaScript. Each point has a `<title>` for hover and screen readers.
#[component]
fn RevenueChart(days: Vec<DayRevenue>) -> impl IntoView {
    const W: f64 = 720.0;
    const H: f64 = 200.0;
    const PAD: f64 = 8.0;
    let values: Vec<f64> = days
        .iter()
        .map(|d| d.revenue.parse::<f64>().unwrap_or(0.0))
        .collect();
    let max = values.iter().copied().fold(0.0_f64, f64::max);
    let n = values.len().max(1);
    let x = |i: usize| {
        if n == 1 {
            W / 2.0
        } else {
            PAD + (W - 2.0 * PAD) * i as f64 / (n - 1) as f64
        }
    };
    let y = |v: f64| {
        if max <= 0.0 {
            H - PAD
        } else {
            H - PAD - (H - 2.0 * PAD) * v / max
        }
    };
    let line: Vec<String> = values
        .iter()
        .enumerate()
        .map(|(i, v)| format!("{:.1},{:.1}", x(i), y(*v)))
        .collect();
    let area = format!(
        "M{:.1},{:.1} L{} L{:.1},{:.1} Z",
        x(0),
        H - PAD,
        line.join(" L"),
        x(n - 1),
        H - PAD
    );
    let first = days.first().map(|d| d.date.clone()).unwrap_or_default();
    let last = days.last().map(|d| d.date.clone()).unwrap_or_default();
    let summary = format!("Revenue per day from {first} to {last}; the highest day is {max:.2}.");
    view! {
        <figure class="mt-4" data-testid="revenue-chart">
            <svg viewBox=format!("0 0 {W} {H}") class="h-52 w-full text-indigo-600 dark:text-indigo-400" role="img" aria-label=summary.clone()>
                <line x1="0" x2=W y1=H - PAD y2=H - PAD class="stroke-slate-200 dark:stroke-slate-700" stroke-width="1"/>
                <path d=area class="fill-indigo-100 dark:fill-indigo-950"/>
                <polyline points=line.join(" ") fill="none" stroke="currentColor" stroke-width="2" stroke-linejoin="round"/>
                {days.iter().zip(values.iter()).enumerate().map(|(i, (d, v))| view! {
                    <circle cx=format!("{:.1}", x(i)) cy=format!("{:.1}", y(*v)) r="3" fill="currentColor">
                        <title>{format!("{}: {} ({} appointments)", d.date, d.revenue, d.appointments)}</title>
                    </circle>
                }).collect_view()}
            </svg>
            <figcaption class="mt-1 flex justify-between text-xs text-slate-500">
                <span>{first}</span>
                <span>{format!("max {max:.2}")}</span>
                <span>{last}</span>
            </figcaption>
        </figure>
    }
}
