//! An expert's week and time off (`/experts/:id`), and the business's closures (`/closures`).
//! The week editor keeps breaks as gaps between ranges, checks the whole week in the browser with
//! the server's own `parse_week`, and saves it in one transaction.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::{components::A, hooks::use_params_map};
use uuid::Uuid;

use crate::app::components::{
    dialog::{BUTTON_PRIMARY, BUTTON_SECONDARY, BUTTON_SMALL},
    form::{Alert, Empty, FieldErrors, FieldMessage, Loading, INPUT, LABEL},
    guard::Guarded,
    toast::{report, use_toasts},
};
use crate::app::server_fns::{
    list_closures, load_expert_schedule, AddAbsence, DeleteAbsence, SaveWorkingHours,
};
use crate::shared::{
    errors::FieldError,
    permissions::Permission,
    schedule::{parse_week, AbsenceView, HoursRange, WEEKDAYS},
};

#[component]
pub fn ExpertSchedulePage() -> impl IntoView {
    view! {
        <Title text="Expert's hours"/>
        <Guarded any_of=&[Permission::ExpertsView]>
            <ExpertSchedule/>
        </Guarded>
    }
}

#[component]
fn ExpertSchedule() -> impl IntoView {
    let params = use_params_map();
    let id = Memo::new(move |_| params.read().get("id").and_then(|s| Uuid::parse_str(&s).ok()));
    let version = RwSignal::new(0u32);
    let schedule = Resource::new(
        move || (id.get(), version.get()),
        |(id, _)| async move {
            match id {
                Some(id) => load_expert_schedule(id).await,
                None => Err(crate::app::components::guard::not_found("Expert")),
            }
        },
    );
    view! {
        <div class="mx-auto max-w-4xl">
            <A href="/experts" attr:class="text-sm text-indigo-700 hover:underline dark:text-indigo-300">"← Experts"</A>
            <Transition fallback=|| view! { <Loading/> }>
                {move || Suspend::new(async move {
                    match schedule.await {
                        Err(e) => view! { <div class="mt-4"><Alert message=e.message/></div> }.into_any(),
                        Ok(s) => {
                            let expert_id = s.expert.id;
                            view! {
                                <h1 class="mt-2 text-2xl font-bold tracking-tight" data-testid="expert-name">{s.expert.name.clone()}</h1>
                                <p class="mt-1 text-sm text-slate-600 dark:text-slate-400">
                                    {format!("Times are in the business time zone, {}.", s.timezone)}
                                </p>
                                <WeekEditor expert_id hours=s.hours manages=s.manages/>
                                <section class="mt-8" class:hidden=!s.manages>
                                    <h2 class="text-lg font-semibold">"Time off"</h2>
                                    <p class="mt-1 text-sm text-slate-600 dark:text-slate-400">"Days the expert is away: nobody can book them then."</p>
                                    <Absences expert_id=Some(expert_id) list=s.time_off manages=s.manages on_change=Callback::new(move |()| version.update(|v| *v += 1))/>
                                </section>
                            }.into_any()
                        }
                    }
                })}
            </Transition>
        </div>
    }
}

/// One range in the editor; `key` ties server field errors to its inputs.
#[derive(Clone, Copy)]
struct Row {
    key: u32,
    weekday: i16,
    start: RwSignal<String>,
    end: RwSignal<String>,
}

#[component]
fn WeekEditor(expert_id: Uuid, hours: Vec<HoursRange>, manages: bool) -> impl IntoView {
    let toasts = use_toasts();
    let next_key = StoredValue::new(0u32);
    let new_row = move |weekday: i16, start: &str, end: &str| {
        let key = next_key.get_value();
        next_key.set_value(key + 1);
        Row {
            key,
            weekday,
            start: RwSignal::new(start.to_owned()),
            end: RwSignal::new(end.to_owned()),
        }
    };
    let rows = RwSignal::new(
        hours
            .iter()
            .map(|h| new_row(h.weekday, &h.start, &h.end))
            .collect::<Vec<_>>(),
    );
    // Errors by row key and field ("start" / "end"), from `parse_week` here or from the server.
    let errors = RwSignal::new(Vec::<(u32, &'static str, String)>::new());
    let week = move || {
        rows.with_untracked(|r| {
            r.iter()
                .map(|row| HoursRange {
                    weekday: row.weekday,
                    start: row.start.get_untracked(),
                    end: row.end.get_untracked(),
                })
                .collect::<Vec<_>>()
        })
    };
    // `hours[i].start` → the key of row i.
    let place = move |list: Vec<FieldError>| {
        let keys: Vec<u32> = rows.with_untracked(|r| r.iter().map(|x| x.key).collect());
        list.into_iter()
            .filter_map(|e| {
                let rest = e.field.strip_prefix("hours[")?;
                let (i, field) = rest.split_once("].")?;
                let key = *keys.get(i.parse::<usize>().ok()?)?;
                let field = if field == "end" { "end" } else { "start" };
                Some((key, field, e.message))
            })
            .collect::<Vec<_>>()
    };
    let save = ServerAction::<SaveWorkingHours>::new();
    let server_errors: FieldErrors = RwSignal::new(Vec::new());
    report(
        move || save.value().get(),
        Some(server_errors),
        move |_| toasts.ok("Working hours saved"),
    );
    Effect::new(move |_| {
        let list = server_errors.get();
        if !list.is_empty() {
            errors.set(place(list));
        }
    });
    let submit = move |_| {
        let hours = week();
        match parse_week(&hours) {
            Err(list) => errors.set(place(list)),
            Ok(_) => {
                errors.set(Vec::new());
                save.dispatch(SaveWorkingHours { id: expert_id, hours });
            }
        }
    };
    let copy_monday = move |_| {
        let monday: Vec<(String, String)> = rows.with_untracked(|r| {
            r.iter()
                .filter(|x| x.weekday == 0)
                .map(|x| (x.start.get_untracked(), x.end.get_untracked()))
                .collect()
        });
        let mut next: Vec<Row> = rows.with_untracked(|r| {
            r.iter()
                .filter(|x| x.weekday == 0 || x.weekday > 4)
                .copied()
                .collect()
        });
        for day in 1..=4 {
            next.extend(monday.iter().map(|(s, e)| new_row(day, s, e)));
        }
        next.sort_by_key(|r| r.weekday);
        rows.set(next);
        errors.set(Vec::new());
    };

    view! {
        <section class="mt-6 rounded-lg border border-slate-200 bg-white p-4 shadow-sm dark:border-slate-800 dark:bg-slate-900" data-testid="week-editor">
            <div class="mb-3 flex flex-wrap items-center justify-between gap-2">
                <h2 class="text-lg font-semibold">"Working hours"</h2>
                <button type="button" class=BUTTON_SMALL class:hidden=!manages on:click=copy_monday data-testid="copy-monday">
                    "Copy Monday to Tuesday–Friday"
                </button>
            </div>
            <p class="mb-3 text-sm text-slate-600 dark:text-slate-400">"A break is the gap between two ranges, e.g. 09:00–12:00 and 13:00–17:00. A day with no range is a day off."</p>
            <ul class="divide-y divide-slate-100 dark:divide-slate-800">
                {WEEKDAYS.iter().enumerate().map(|(day, label)| {
                    let day = day as i16;
                    let of_day = move || rows.with(|r| r.iter().filter(|x| x.weekday == day).copied().collect::<Vec<_>>());
                    view! {
                        <li class="flex flex-col gap-2 py-3 sm:flex-row sm:items-start" data-testid="weekday" data-day=day.to_string()>
                            <span class="w-28 shrink-0 pt-2 text-sm font-medium">{*label}</span>
                            <div class="flex flex-1 flex-col gap-2">
                                <p class="pt-2 text-sm text-slate-500" class:hidden=move || !of_day().is_empty()>"Day off"</p>
                                <For each=of_day key=|r| r.key let:row>
                                    <div class="flex flex-wrap items-center gap-2" data-testid="range">
                                        <input type="time" step="300" class="rounded-md border border-slate-300 bg-white px-2 py-1 text-sm dark:border-slate-700 dark:bg-slate-900" aria-label=format!("{label} from") bind:value=row.start disabled=!manages data-testid="range-start"/>
                                        <span aria-hidden="true">"–"</span>
                                        <input type="time" step="300" class="rounded-md border border-slate-300 bg-white px-2 py-1 text-sm dark:border-slate-700 dark:bg-slate-900" aria-label=format!("{label} until") bind:value=row.end disabled=!manages data-testid="range-end"/>
                                        <button type="button" class="rounded px-2 py-1 text-xs text-red-700 hover:bg-red-50 dark:text-red-300 dark:hover:bg-red-950" class:hidden=!manages aria-label=format!("Remove this {label} range") on:click=move |_| rows.update(|r| r.retain(|x| x.key != row.key)) data-testid="range-remove">
                                            "Remove"
                                        </button>
                                        <span class="w-full text-sm text-red-600 dark:text-red-400" data-testid="range-error">
                                            {move || errors.with(|list| list.iter().filter(|(k, _, _)| *k == row.key).map(|(_, _, m)| m.clone()).collect::<Vec<_>>().join(" "))}
                                        </span>
                                    </div>
                                </For>
                            </div>
                            <button type="button" class=BUTTON_SMALL class:hidden=!manages data-testid="range-add" on:click=move |_| {
                                // After the day's last range: a new one starts where it ended.
                                let last_end = rows.with_untracked(|r| r.iter().rev().find(|x| x.weekday == day).map(|x| x.end.get_untracked()));
                                let (start, end) = match last_end.as_deref() {
                                    Some(end) if end < "22:00" => (end.to_owned(), "22:00".to_owned()),
                                    Some(_) => ("22:00".to_owned(), "24:00".to_owned()),
                                    None => ("09:00".to_owned(), "17:00".to_owned()),
                                };
                                let row = new_row(day, &start, &end);
                                rows.update(|r| r.push(row));
                            }>"Add hours"</button>
                        </li>
                    }
                }).collect_view()}
            </ul>
            <div class="mt-4 flex justify-end" class:hidden=!manages>
                <button type="button" class=BUTTON_PRIMARY disabled=move || save.pending().get() on:click=submit data-testid="hours-save">
                    {move || if save.pending().get() { "Saving…" } else { "Save working hours" }}
                </button>
            </div>
        </section>
    }
}

/// A list of absences (an expert's time off, or closures with no expert) with add and delete.
#[component]
fn Absences(
    expert_id: Option<Uuid>,
    list: Vec<AbsenceView>,
    manages: bool,
    on_change: Callback<()>,
) -> impl IntoView {
    let toasts = use_toasts();
    let add = ServerAction::<AddAbsence>::new();
    let remove = ServerAction::<DeleteAbsence>::new();
    let errors: FieldErrors = RwSignal::new(Vec::new());
    let from = RwSignal::new(String::new());
    let to = RwSignal::new(String::new());
    let reason = RwSignal::new(String::new());
    report(
        move || add.value().get(),
        Some(errors),
        move |_| {
            toasts.ok("Added");
            from.set(String::new());
            to.set(String::new());
            reason.set(String::new());
            on_change.run(());
        },
    );
    report(
        move || remove.value().get(),
        None,
        move |()| {
            toasts.ok("Removed");
            on_change.run(());
        },
    );
    let empty = list.is_empty();
    view! {
        <ul class="mt-3 divide-y divide-slate-100 rounded-lg border border-slate-200 bg-white dark:divide-slate-800 dark:border-slate-800 dark:bg-slate-900" data-testid="absences">
            <li hidden=!empty><Empty message="None planned."/></li>
            {list.into_iter().map(|a| {
                let id = a.id;
                let when = if a.from == a.to { a.from.clone() } else { format!("{} → {}", a.from, a.to) };
                view! {
                    <li class="flex items-center justify-between gap-3 px-4 py-3 text-sm" data-testid="absence">
                        <span>
                            <span class="font-medium tabular-nums">{when}</span>
                            <span class="block text-slate-500">{a.reason.unwrap_or_default()}</span>
                        </span>
                        <button type="button" class="rounded px-2 py-1 text-xs font-medium text-red-700 hover:bg-red-50 disabled:opacity-50 dark:text-red-300 dark:hover:bg-red-950" class:hidden=!manages disabled=move || remove.pending().get() on:click=move |_| { remove.dispatch(DeleteAbsence { expert_id, id }); } data-testid="absence-remove">
                            "Remove"
                        </button>
                    </li>
                }
            }).collect_view()}
        </ul>
        <form class="mt-3 grid grid-cols-2 gap-3 sm:grid-cols-4" class:hidden=!manages novalidate on:submit=move |ev| {
            ev.prevent_default();
            let r = reason.get_untracked();
            add.dispatch(AddAbsence {
                expert_id,
                from: from.get_untracked(),
                to: to.get_untracked(),
                reason: (!r.trim().is_empty()).then_some(r),
            });
        }>
            <label class=LABEL>
                "From"
                <input type="date" class=INPUT bind:value=from data-testid="absence-from"/>
                <FieldMessage errors field="from"/>
            </label>
            <label class=LABEL>
                "To (included)"
                <input type="date" class=INPUT bind:value=to data-testid="absence-to"/>
                <FieldMessage errors field="to"/>
            </label>
            <label class=LABEL>
                "Reason"
                <input type="text" class=INPUT bind:value=reason maxlength="255" data-testid="absence-reason"/>
                <FieldMessage errors field="reason"/>
            </label>
            <div class="flex items-end">
                <button type="submit" class=BUTTON_SECONDARY disabled=move || add.pending().get() data-testid="absence-add">
                    {move || if add.pending().get() { "Adding…" } else { "Add" }}
                </button>
            </div>
        </form>
    }
}

#[component]
pub fn ClosuresPage() -> impl IntoView {
    view! {
        <Title text="Closures"/>
        <Guarded any_of=&[Permission::SettingsManage, Permission::ExpertsView]>
            <Closures/>
        </Guarded>
    }
}

#[component]
fn Closures() -> impl IntoView {
    let version = RwSignal::new(0u32);
    let closures = Resource::new(move || version.get(), |_| list_closures());
    view! {
        <div class="mx-auto max-w-3xl">
            <h1 class="text-2xl font-bold tracking-tight">"Closures"</h1>
            <p class="mt-1 text-sm text-slate-600 dark:text-slate-400">"Holidays and other days the whole business is closed: no expert can be booked."</p>
            <Transition fallback=|| view! { <Loading/> }>
                {move || Suspend::new(async move {
                    match closures.await {
                        Err(e) => view! { <div class="mt-4"><Alert message=e.message/></div> }.into_any(),
                        Ok(c) => view! {
                            <p class="mt-1 text-xs text-slate-500">{format!("Dates are in {}.", c.timezone)}</p>
                            <Absences expert_id=None list=c.closures manages=c.manages on_change=Callback::new(move |()| version.update(|v| *v += 1))/>
                        }.into_any(),
                    }
                })}
            </Transition>
        </div>
    }
}
