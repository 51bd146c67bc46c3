//! The appointments calendar: a day with a column per expert, or one expert's week. Everything is
//! in the URL and drawn on the server (positions are plain CSS), so it reads without JavaScript.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::{
    components::{Form, A},
    hooks::use_query_map,
};

use super::appointments::status_label;
use crate::app::components::{
    dialog::{BUTTON_PRIMARY, BUTTON_SECONDARY},
    form::{Alert, Empty, Loading, INPUT, LABEL},
    guard::Guarded,
    layout::APPOINTMENTS,
};
use crate::app::server_fns::{load_calendar, Calendar, CalendarColumn, CalendarQuery};
use crate::shared::appointments::encode;

/// Pixels per minute: an hour is 64 px tall.
const SCALE: f32 = 64.0 / 60.0;

#[component]
pub fn CalendarPage() -> impl IntoView {
    view! {
        <Title text="Calendar"/>
        <Guarded any_of=APPOINTMENTS>
            <CalendarView/>
        </Guarded>
    }
}

#[component]
fn CalendarView() -> impl IntoView {
    let query_map = use_query_map();
    let query = Memo::new(move |_| {
        let q = query_map.read();
        CalendarQuery {
            view: q.get("view"),
            date: q.get("date"),
            expert_id: q.get("expertId").filter(|s| !s.is_empty()),
        }
    });
    let live = crate::app::live::use_live();
    let calendar = Resource::new(
        move || (query.get(), live.bookings.get()),
        |(q, _)| load_calendar(q),
    );
    view! {
        <div class="mx-auto max-w-7xl">
            <Transition fallback=|| view! { <Loading/> }>
                {move || Suspend::new(async move {
                    match calendar.await {
                        Err(e) => view! { <Alert message=e.message/> }.into_any(),
                        Ok(c) => view! { <Board calendar=c/> }.into_any(),
                    }
                })}
            </Transition>
        </div>
    }
}

/// `?view=…&date=…&expertId=…` for a link that changes some of them.
fn href(week: bool, date: &str, expert: Option<uuid::Uuid>) -> String {
    let mut out = format!(
        "/calendar?view={}&date={}",
        if week { "week" } else { "day" },
        encode(date)
    );
    if let Some(id) = expert {
        out.push_str(&format!("&expertId={id}"));
    }
    out
}

#[component]
fn Board(calendar: Calendar) -> impl IntoView {
    let Calendar {
        week,
        date: _,
        anchor,
        title,
        prev,
        next,
        today,
        experts,
        expert_id,
        columns,
        first_minute,
        last_minute,
    } = calendar;
    let height = f32::from(last_minute - first_minute) * SCALE;
    let hours: Vec<u16> = (first_minute / 60..last_minute / 60).collect();
    let tab = "rounded-md px-3 py-1.5 text-sm font-medium";
    let on = "bg-indigo-600 text-white";
    let off = "text-slate-700 hover:bg-slate-100 dark:text-slate-300 dark:hover:bg-slate-800";
    let empty = columns.is_empty();
    view! {
        <div class="mb-4 flex flex-wrap items-center justify-between gap-3">
            <div>
                <h1 class="text-2xl font-bold tracking-tight">"Calendar"</h1>
                <p class="text-sm text-slate-600 dark:text-slate-400" data-testid="calendar-title">{title}</p>
            </div>
            <div class="flex flex-wrap items-center gap-2">
                <nav class="flex gap-1 rounded-lg border border-slate-200 p-1 dark:border-slate-800" aria-label="View">
                    <A href=href(false, &anchor, expert_id) attr:class=format!("{tab} {}", if week { off } else { on }) attr:data-testid="view-day">"Day"</A>
                    <A href=href(true, &anchor, expert_id) attr:class=format!("{tab} {}", if week { on } else { off }) attr:data-testid="view-week">"Week"</A>
                </nav>
                <A href=href(week, &prev, expert_id) attr:class=BUTTON_SECONDARY attr:aria-label="Earlier" attr:data-testid="calendar-prev">"←"</A>
                <A href=href(week, &today, expert_id) attr:class=BUTTON_SECONDARY>"Today"</A>
                <A href=href(week, &next, expert_id) attr:class=BUTTON_SECONDARY attr:aria-label="Later" attr:data-testid="calendar-next">"→"</A>
            </div>
        </div>
        <Form method="GET" action="" attr:class="mb-4 flex flex-wrap items-end gap-3">
            <input type="hidden" name="view" value=if week { "week" } else { "day" }/>
            <label class=LABEL>
                "Day"
                <input type="date" name="date" class=INPUT value=anchor.clone() data-testid="calendar-date"/>
            </label>
            <label class=LABEL>
                "Expert"
                <select name="expertId" class=INPUT data-testid="calendar-expert">
                    <option value="" selected=expert_id.is_none() disabled=week>"Everyone"</option>
                    {experts.into_iter().map(|e| view! {
                        <option value=e.id.to_string() selected=expert_id == Some(e.id)>{e.name}</option>
                    }).collect_view()}
                </select>
            </label>
            <button type="submit" class=BUTTON_PRIMARY>"Show"</button>
        </Form>
        <div hidden=!empty><Empty message="No experts to show."/></div>
        <div class="overflow-x-auto rounded-lg border border-slate-200 bg-white shadow-sm dark:border-slate-800 dark:bg-slate-900" class:hidden=empty data-testid="calendar">
            <div class="flex min-w-max">
                <div class="w-14 shrink-0 border-r border-slate-200 dark:border-slate-800">
                    <div class="h-10 border-b border-slate-200 dark:border-slate-800"></div>
                    <div class="relative" style=format!("height:{height}px")>
                        {hours.into_iter().map(|h| view! {
                            <span class="absolute right-1 -translate-y-2 text-xs tabular-nums text-slate-500" style=format!("top:{}px", f32::from(h * 60 - first_minute) * SCALE)>
                                {format!("{h:02}:00")}
                            </span>
                        }).collect_view()}
                    </div>
                </div>
                {columns.into_iter().map(|c| view! { <Column column=c first_minute height/> }).collect_view()}
            </div>
        </div>
    }
}

#[component]
fn Column(column: CalendarColumn, first_minute: u16, height: f32) -> impl IntoView {
    let top = move |m: u16| f32::from(m.saturating_sub(first_minute)) * SCALE;
    let list = format!("/appointments?date={}&expertId={}", column.date, column.expert_id);
    view! {
        <div class="w-48 min-w-48 flex-1 border-r border-slate-200 last:border-r-0 dark:border-slate-800" data-testid="calendar-column" data-date=column.date.clone()>
            <div class="flex h-10 items-center justify-center gap-2 border-b border-slate-200 px-2 text-sm font-semibold dark:border-slate-800">
                {column.user_id.map(|user| view! { <crate::app::components::presence::OnlineDot user at_load=column.online/> })}
                <A href=list attr:class="truncate hover:underline">{column.title}</A>
            </div>
            // Closed time is grey; working ranges are drawn over it in white.
            <div class="relative bg-slate-100 dark:bg-slate-950" style=format!("height:{height}px")>
                {column.open.into_iter().map(|(s, e)| view! {
                    <div class="absolute inset-x-0 bg-white dark:bg-slate-900" style=format!("top:{}px;height:{}px", top(s), top(e) - top(s)) data-testid="calendar-open"></div>
                }).collect_view()}
                {column.blocks.into_iter().map(|b| {
                    let tone = match b.status.as_str() {
                        "confirmed" => "border-emerald-500 bg-emerald-50 text-emerald-900 dark:bg-emerald-950 dark:text-emerald-100",
                        "completed" => "border-sky-500 bg-sky-50 text-sky-900 dark:bg-sky-950 dark:text-sky-100",
                        "cancelled" | "no_show" => "border-slate-400 bg-slate-50 text-slate-500 line-through dark:bg-slate-800",
                        _ => "border-amber-500 bg-amber-50 text-amber-900 dark:bg-amber-950 dark:text-amber-100",
                    };
                    let label = format!("{} {}, {} ({})", b.time, b.customer, b.service, status_label(&b.status));
                    view! {
                        <div
                            class=format!("absolute inset-x-1 overflow-hidden rounded border-l-4 px-1.5 py-0.5 text-xs shadow-sm {tone}")
                            style=format!("top:{}px;height:{}px", top(b.start), (top(b.end) - top(b.start)).max(18.0))
                            title=label.clone()
                            aria-label=label
                            data-testid="calendar-block"
                            data-status=b.status.clone()
                        >
                            <span class="font-semibold tabular-nums">{b.time}</span>
                            " "
                            <span class="font-medium">{b.customer}</span>
                            <span class="block truncate">{b.service}</span>
                        </div>
                    }
                }).collect_view()}
            </div>
        </div>
    }
}
