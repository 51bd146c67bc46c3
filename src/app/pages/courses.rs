//! The academy (`courses.manage`), in two tabs kept in the URL (`?tab=courses|applications`).
//! Courses: cards with the price and duration, a text and an active filter (in the URL), create
//! and edit in a dialog checked by the server's own `CourseForm::parse`, activate and deactivate,
//! delete after asking (a course people applied to is deactivated and kept instead). Applications:
//! a table filtered by course, status and text, where a waiting one is accepted or rejected.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::{
    components::{Form, A},
    hooks::use_query_map,
};
use uuid::Uuid;

use crate::app::components::{
    dialog::{ConfirmDialog, Modal, BUTTON_PRIMARY, BUTTON_SECONDARY, BUTTON_SMALL, BUTTON_SMALL_DANGER},
    form::{list_problem, Alert, Empty, FieldErrors, FieldMessage, Loading, Pager, INPUT, LABEL},
    guard::Guarded,
    image_field::ImageField,
    toast::{report, use_toasts},
};
use crate::app::server_fns::{load_applications, load_courses, DecideApplication, DeleteCourse, SaveCourse};
use crate::shared::{
    appointments::encode,
    courses::{Application, ApplicationStatus, Course, CourseForm},
    media::Folder,
    permissions::Permission,
};

#[component]
pub fn CoursesPage() -> impl IntoView {
    view! {
        <Title text="Courses"/>
        <Guarded any_of=&[Permission::CoursesManage]>
            <Academy/>
        </Guarded>
    }
}

/// `/courses?…` with the non-empty `pairs`.
fn href(pairs: &[(&str, String)]) -> String {
    let query: Vec<String> = pairs
        .iter()
        .filter(|(_, v)| !v.is_empty())
        .map(|(k, v)| format!("{k}={}", encode(v)))
        .collect();
    format!("/courses?{}", query.join("&"))
}

fn status_badge(status: ApplicationStatus) -> (&'static str, &'static str) {
    match status {
        ApplicationStatus::Pending => (
            "Pending",
            "bg-amber-50 text-amber-800 dark:bg-amber-950 dark:text-amber-300",
        ),
        ApplicationStatus::Accepted => (
            "Accepted",
            "bg-emerald-50 text-emerald-700 dark:bg-emerald-950 dark:text-emerald-300",
        ),
        ApplicationStatus::Rejected => (
            "Rejected",
            "bg-red-50 text-red-700 dark:bg-red-950 dark:text-red-300",
        ),
    }
}

#[component]
fn Academy() -> impl IntoView {
    let query = use_query_map();
    let applications = Memo::new(move |_| query.read().get("tab").as_deref() == Some("applications"));
    let tab = |label: &'static str, target: &'static str, test_id: &'static str, on: bool| {
        let tone = if on {
            "bg-indigo-600 text-white"
        } else {
            "text-slate-700 hover:bg-slate-100 dark:text-slate-300 dark:hover:bg-slate-800"
        };
        view! {
            <a href=format!("/courses?tab={target}") class=format!("rounded-md px-3 py-1.5 text-sm font-medium {tone}") aria-current=on.then_some("page") data-testid=test_id>{label}</a>
        }
    };
    view! {
        <div class="mx-auto max-w-7xl">
            <div class="mb-4">
                <h1 class="text-2xl font-bold tracking-tight">"Courses"</h1>
                <p class="mt-1 text-sm text-slate-600 dark:text-slate-400">
                    "The academy's courses, as the app lists them, and the applications people send to them."
                </p>
            </div>
            {move || {
                let apps = applications.get();
                view! {
                    <nav class="mb-4 flex gap-2" aria-label="Academy">
                        {tab("Courses", "courses", "tab-courses", !apps)}
                        {tab("Applications", "applications", "tab-applications", apps)}
                    </nav>
                    {if apps { view! { <Applications/> }.into_any() } else { view! { <CourseList/> }.into_any() }}
                }
            }}
        </div>
    }
}

#[component]
fn CourseList() -> impl IntoView {
    let toasts = use_toasts();
    let query = use_query_map();
    let search = Memo::new(move |_| query.read().get("search").unwrap_or_default());
    let active = Memo::new(move |_| query.read().get("active").unwrap_or_default());
    let page = Memo::new(move |_| {
        query
            .read()
            .get("page")
            .and_then(|p| p.parse::<u64>().ok())
            .unwrap_or(1)
    });
    let save = ServerAction::<SaveCourse>::new();
    let remove = ServerAction::<DeleteCourse>::new();
    let live = crate::app::live::use_live();
    let board = Resource::new(
        move || {
            (
                search.get(),
                active.get(),
                page.get(),
                save.version().get(),
                remove.version().get(),
                live.content.get(),
            )
        },
        |(search, active, page, ..)| load_courses(search, active, page),
    );

    let editing = RwSignal::new(None::<Option<Course>>);
    let edit_open = RwSignal::new(false);
    let removing = RwSignal::new(None::<Course>);
    let remove_open = RwSignal::new(false);
    let errors: FieldErrors = RwSignal::new(Vec::new());
    report(
        move || save.value().get(),
        Some(errors),
        move |c: Course| {
            toasts.ok(format!("Saved {}", c.title));
            edit_open.set(false);
        },
    );
    report(
        move || remove.value().get(),
        None,
        move |message: String| {
            remove_open.set(false);
            toasts.ok(message);
        },
    );
    let open_editor = move |c: Option<Course>| {
        errors.set(Vec::new());
        editing.set(Some(c));
        edit_open.set(true);
    };

    view! {
        <div class="mb-4 flex flex-wrap items-end gap-3">
            <Form method="GET" action="" attr:class="grid flex-1 grid-cols-2 gap-3 rounded-lg border border-slate-200 bg-white p-4 shadow-sm md:grid-cols-4 dark:border-slate-800 dark:bg-slate-900">
                <input type="hidden" name="tab" value="courses"/>
                <label class=format!("{LABEL} col-span-2")>
                    "Search"
                    <input type="search" name="search" class=INPUT maxlength="200" placeholder="Title or description" value=move || search.get() prop:value=move || search.get() data-testid="course-search"/>
                </label>
                <label class=LABEL>
                    "Shown"
                    <select name="active" class=INPUT data-testid="course-active-filter">
                        <option value="">"All"</option>
                        <option value="true" selected=move || active.get() == "true">"Active"</option>
                        <option value="false" selected=move || active.get() == "false">"Inactive"</option>
                    </select>
                </label>
                <div class="flex items-end gap-2">
                    <button type="submit" class=BUTTON_PRIMARY data-testid="course-apply">"Apply"</button>
                    <A href="/courses" attr:class=BUTTON_SECONDARY>"Clear"</A>
                </div>
            </Form>
            <button type="button" class=BUTTON_PRIMARY on:click=move |_| open_editor(None) data-testid="new-course">"Add course"</button>
        </div>
        <Transition fallback=|| view! { <Loading label="Loading courses"/> }>
            {move || Suspend::new(async move {
                match board.await {
                    Err(e) => view! { <Alert message=list_problem("the courses", &e)/> }.into_any(),
                    Ok(b) if b.courses.is_empty() => view! {
                        <div class="rounded-lg border border-slate-200 bg-white shadow-sm dark:border-slate-800 dark:bg-slate-900">
                            <Empty message="No courses match. Add one with “Add course”."/>
                        </div>
                    }.into_any(),
                    Ok(b) => {
                        let pagination = b.pagination;
                        let (search, active) = (search.get_untracked(), active.get_untracked());
                        view! {
                            <p class="mb-2 text-sm text-slate-600 dark:text-slate-400" data-testid="course-count">{format!("{} course(s)", pagination.total)}</p>
                            <ul class="grid gap-4 sm:grid-cols-2 lg:grid-cols-3" data-testid="course-list">
                                {b.courses.into_iter().map(|c| {
                                    let c = StoredValue::new(c);
                                    c.with_value(|v| {
                                        let title = v.title.clone();
                                        let toggle = if v.is_active { "Deactivate" } else { "Activate" };
                                        view! {
                                            <li class="flex flex-col overflow-hidden rounded-lg border border-slate-200 bg-white shadow-sm dark:border-slate-800 dark:bg-slate-900" data-testid="course-card" data-id=v.id.to_string() data-active=v.is_active.to_string()>
                                                {match v.image_url.clone() {
                                                    Some(src) => view! { <img src=src alt="" loading="lazy" width="400" height="200" class="aspect-[2/1] w-full bg-slate-100 object-cover dark:bg-slate-800"/> }.into_any(),
                                                    None => view! { <div class="flex aspect-[2/1] w-full items-center justify-center bg-gradient-to-br from-sky-500 to-indigo-600 text-4xl" aria-hidden="true">"🎓"</div> }.into_any(),
                                                }}
                                                <div class="flex flex-1 flex-col gap-2 p-4">
                                                    <div class="flex flex-wrap items-center gap-2">
                                                        <h2 class="font-semibold" data-testid="course-title">{v.title.clone()}</h2>
                                                        <span class="rounded-full bg-slate-100 px-2 py-0.5 text-xs font-medium text-slate-700 dark:bg-slate-800 dark:text-slate-300" hidden=v.is_active data-testid="course-inactive">"Inactive"</span>
                                                    </div>
                                                    <p class="line-clamp-3 text-sm text-slate-600 dark:text-slate-400">{v.description.clone().unwrap_or_default()}</p>
                                                    <dl class="mt-auto grid grid-cols-2 gap-x-3 gap-y-1 text-xs text-slate-600 dark:text-slate-400">
                                                        <dt class="font-medium">"Price"</dt>
                                                        <dd class="tabular-nums" data-testid="course-price">{format!("Rs. {}", v.price)}</dd>
                                                        <dt class="font-medium">"Duration"</dt>
                                                        <dd data-testid="course-duration">{v.duration.clone().unwrap_or_else(|| "—".to_owned())}</dd>
                                                    </dl>
                                                    <div class="flex flex-wrap justify-end gap-1 pt-2">
                                                        <button type="button" class=BUTTON_SMALL disabled=move || save.pending().get() data-testid="course-toggle"
                                                            aria-label=format!("{toggle} {title}")
                                                            on:click=move |_| {
                                                                let v = c.get_value();
                                                                save.dispatch(SaveCourse { id: Some(v.id), form: CourseForm { is_active: Some(!v.is_active), ..Default::default() } });
                                                            }>
                                                            {toggle}
                                                        </button>
                                                        <button type="button" class=BUTTON_SMALL aria-label=format!("Edit {}", v.title) data-testid="course-edit"
                                                            on:click=move |_| open_editor(Some(c.get_value()))>"Edit"</button>
                                                        <button type="button" class=BUTTON_SMALL_DANGER aria-label=format!("Delete {}", v.title) data-testid="course-delete"
                                                            on:click=move |_| { removing.set(Some(c.get_value())); remove_open.set(true); }>"Delete"</button>
                                                    </div>
                                                </div>
                                            </li>
                                        }
                                    })
                                }).collect_view()}
                            </ul>
                            {(pagination.pages > 1).then(|| view! {
                                <Pager pagination href=move |p| href(&[("tab", "courses".to_owned()), ("search", search.clone()), ("active", active.clone()), ("page", p.to_string())])/>
                            })}
                        }.into_any()
                    }
                }
            })}
        </Transition>
        <Modal open=edit_open title=Signal::derive(move || if editing.with(|e| matches!(e, Some(Some(_)))) { "Edit course".to_owned() } else { "New course".to_owned() }) test_id="course-dialog">
            {move || {
                let current = editing.get().flatten();
                view! {
                    <CourseEditor current errors pending=Signal::derive(move || save.pending().get())
                        on_close=Callback::new(move |()| edit_open.set(false))
                        on_save=Callback::new(move |(id, form)| { save.dispatch(SaveCourse { id, form }); })/>
                }
            }}
        </Modal>
        <ConfirmDialog
            open=remove_open
            title="Delete this course?"
            message=Signal::derive(move || removing.with(|r| r.as_ref().map(|c| format!("“{}” will be removed. If people applied to it, it is deactivated and kept for their applications instead.", c.title)).unwrap_or_default()))
            confirm_label="Delete"
            pending=Signal::derive(move || remove.pending().get())
            on_confirm=Callback::new(move |()| if let Some(c) = removing.get_untracked() { remove.dispatch(DeleteCourse { id: c.id }); })
            test_id="course-delete-dialog"
        />
    }
}

#[component]
fn CourseEditor(
    current: Option<Course>,
    errors: FieldErrors,
    pending: Signal<bool>,
    on_close: Callback<()>,
    on_save: Callback<(Option<Uuid>, CourseForm)>,
) -> impl IntoView {
    let id = current.as_ref().map(|c| c.id);
    let c = current.as_ref();
    let title = RwSignal::new(c.map(|c| c.title.clone()).unwrap_or_default());
    let description = RwSignal::new(c.and_then(|c| c.description.clone()).unwrap_or_default());
    let duration = RwSignal::new(c.and_then(|c| c.duration.clone()).unwrap_or_default());
    let price = RwSignal::new(c.map(|c| c.price.clone()).unwrap_or_default());
    let image = RwSignal::new(c.and_then(|c| c.image_url.clone()).unwrap_or_default());
    let active = RwSignal::new(c.is_none_or(|c| c.is_active));
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let form = CourseForm {
            title: Some(title.get_untracked()),
            description: Some(description.get_untracked()),
            duration: Some(duration.get_untracked()),
            price: Some(serde_json::Value::String(price.get_untracked())),
            image_url: Some(image.get_untracked()),
            is_active: Some(active.get_untracked()),
        };
        match form.parse(id.is_none()) {
            Err(list) => errors.set(list),
            Ok(_) => {
                errors.set(Vec::new());
                on_save.run((id, form));
            }
        }
    };
    view! {
        <form class="mt-4 grid grid-cols-2 gap-3" on:submit=submit novalidate>
            <label class=format!("{LABEL} col-span-2")>
                "Title"
                <input type="text" class=INPUT maxlength="255" bind:value=title data-testid="course-form-title"/>
                <FieldMessage errors field="title"/>
            </label>
            <label class=format!("{LABEL} col-span-2")>
                "Description"
                <textarea class=INPUT rows="4" maxlength="5000" bind:value=description data-testid="course-form-description"></textarea>
                <FieldMessage errors field="description"/>
            </label>
            <label class=LABEL>
                "Duration"
                <input type="text" class=INPUT maxlength="100" placeholder="3 months" bind:value=duration data-testid="course-form-duration"/>
                <FieldMessage errors field="duration"/>
            </label>
            <label class=LABEL>
                "Price (Rs.)"
                <input type="text" inputmode="decimal" class=INPUT placeholder="25000" bind:value=price data-testid="course-form-price"/>
                <FieldMessage errors field="price"/>
            </label>
            <ImageField label="Image" value=image folder=Folder::Courses errors=errors field="imageUrl" class="col-span-2" test_id="course-form-image"/>
            <label class="col-span-2 flex items-center gap-2 text-sm">
                <input type="checkbox" bind:checked=active data-testid="course-form-active"/>
                "Active (listed in the app, open to applications)"
            </label>
            <div class="col-span-2 flex justify-end gap-3 pt-2">
                <button type="button" class=BUTTON_SECONDARY on:click=move |_| on_close.run(())>"Close"</button>
                <button type="submit" class=BUTTON_PRIMARY disabled=move || pending.get() data-testid="course-form-submit">
                    {move || if pending.get() { "Saving…" } else { "Save" }}
                </button>
            </div>
        </form>
    }
}

#[component]
fn Applications() -> impl IntoView {
    let toasts = use_toasts();
    let query = use_query_map();
    let course = Memo::new(move |_| query.read().get("course").unwrap_or_default());
    let status = Memo::new(move |_| query.read().get("status").unwrap_or_default());
    let search = Memo::new(move |_| query.read().get("search").unwrap_or_default());
    let page = Memo::new(move |_| {
        query
            .read()
            .get("page")
            .and_then(|p| p.parse::<u64>().ok())
            .unwrap_or(1)
    });
    let decide = ServerAction::<DecideApplication>::new();
    let live = crate::app::live::use_live();
    let board = Resource::new(
        move || {
            (
                course.get(),
                status.get(),
                search.get(),
                page.get(),
                decide.version().get(),
                live.content.get(),
            )
        },
        |(course, status, search, page, ..)| {
            load_applications(Uuid::parse_str(&course).ok(), status, search, page)
        },
    );
    report(
        move || decide.value().get(),
        None,
        move |a: Application| {
            toasts.ok(format!(
                "Application from {}: {}",
                a.customer_name,
                status_badge(a.status).0
            ))
        },
    );
    let decide_as = move |id: Uuid, status: ApplicationStatus| {
        decide.dispatch(DecideApplication { id, status });
    };

    view! {
        <Transition fallback=|| view! { <Loading label="Loading applications"/> }>
            {move || Suspend::new(async move {
                let result = board.await;
                let courses = result.as_ref().map(|b| b.courses.clone()).unwrap_or_default();
                let body = match result {
                    Err(e) => view! { <Alert message=list_problem("the applications", &e)/> }.into_any(),
                    Ok(b) if b.applications.is_empty() => view! {
                        <div class="rounded-lg border border-slate-200 bg-white shadow-sm dark:border-slate-800 dark:bg-slate-900">
                            <Empty message="No applications match these filters."/>
                        </div>
                    }.into_any(),
                    Ok(b) => {
                        let pagination = b.pagination;
                        let (course, status, search) = (course.get_untracked(), status.get_untracked(), search.get_untracked());
                        view! {
                            <div class="overflow-x-auto rounded-lg border border-slate-200 bg-white shadow-sm dark:border-slate-800 dark:bg-slate-900">
                                <table class="min-w-full divide-y divide-slate-200 text-sm dark:divide-slate-800">
                                    <thead class="bg-slate-50 text-left text-xs font-semibold uppercase tracking-wide text-slate-500 dark:bg-slate-800/50 dark:text-slate-400">
                                        <tr>
                                            <th scope="col" class="px-4 py-3">"Name"</th>
                                            <th scope="col" class="px-4 py-3">"Contact"</th>
                                            <th scope="col" class="px-4 py-3">"Course"</th>
                                            <th scope="col" class="px-4 py-3">"Applied"</th>
                                            <th scope="col" class="px-4 py-3">"Offer"</th>
                                            <th scope="col" class="px-4 py-3 text-right">"Total price"</th>
                                            <th scope="col" class="px-4 py-3">"Status"</th>
                                            <th scope="col" class="px-4 py-3"><span class="sr-only">"Actions"</span></th>
                                        </tr>
                                    </thead>
                                    <tbody class="divide-y divide-slate-100 dark:divide-slate-800" data-testid="application-rows">
                                        {b.applications.into_iter().map(|a| {
                                            let (label, tone) = status_badge(a.status);
                                            let id = a.id;
                                            let waiting = a.status == ApplicationStatus::Pending;
                                            let name = a.customer_name.clone();
                                            view! {
                                                <tr data-testid="application-row" data-id=a.id.to_string() data-status=a.status.as_str()>
                                                    <td class="px-4 py-3 font-medium" data-testid="application-name">{a.customer_name.clone()}</td>
                                                    <td class="px-4 py-3">
                                                        <span class="block">{a.customer_phone.clone()}</span>
                                                        <span class="block text-xs text-slate-500">{a.customer_email.clone().unwrap_or_default()}</span>
                                                    </td>
                                                    <td class="px-4 py-3" data-testid="application-course">{a.course_title.clone()}</td>
                                                    <td class="whitespace-nowrap px-4 py-3 tabular-nums">
                                                        <time datetime=a.applied_at.to_rfc3339()>{a.applied_at.format("%d %b %Y").to_string()}</time>
                                                    </td>
                                                    <td class="px-4 py-3">
                                                        {match a.offer_title.clone() {
                                                            Some(t) => view! { <span class="rounded-full bg-indigo-50 px-2 py-0.5 text-xs font-medium text-indigo-700 dark:bg-indigo-950 dark:text-indigo-300" data-testid="application-offer">{format!("🎁 {t}")}</span> }.into_any(),
                                                            None => view! { <span class="text-slate-400">"—"</span> }.into_any(),
                                                        }}
                                                    </td>
                                                    <td class="whitespace-nowrap px-4 py-3 text-right tabular-nums">{format!("Rs. {}", a.total_price)}</td>
                                                    <td class="px-4 py-3">
                                                        <span class=format!("rounded-full px-2 py-0.5 text-xs font-medium {tone}") data-testid="application-status">{label}</span>
                                                    </td>
                                                    <td class="whitespace-nowrap px-4 py-3 text-right">
                                                        <button type="button" class=BUTTON_SMALL hidden=!waiting disabled=move || decide.pending().get() aria-label=format!("Accept {name}") data-testid="application-accept"
                                                            on:click=move |_| decide_as(id, ApplicationStatus::Accepted)>"Accept"</button>
                                                        <button type="button" class=BUTTON_SMALL_DANGER hidden=!waiting disabled=move || decide.pending().get() aria-label=format!("Reject {name}") data-testid="application-reject"
                                                            on:click=move |_| decide_as(id, ApplicationStatus::Rejected)>"Reject"</button>
                                                    </td>
                                                </tr>
                                            }
                                        }).collect_view()}
                                    </tbody>
                                </table>
                            </div>
                            {(pagination.pages > 1).then(|| view! {
                                <Pager pagination href=move |p| href(&[("tab", "applications".to_owned()), ("course", course.clone()), ("status", status.clone()), ("search", search.clone()), ("page", p.to_string())])/>
                            })}
                        }.into_any()
                    }
                };
                view! {
                    <ApplicationFilters courses course status search/>
                    {body}
                }
            })}
        </Transition>
    }
}

/// The applications' filters (in the URL); `courses` come with the list.
#[component]
fn ApplicationFilters(
    courses: Vec<(Uuid, String)>,
    course: Memo<String>,
    status: Memo<String>,
    search: Memo<String>,
) -> impl IntoView {
    view! {
        <Form method="GET" action="" attr:class="mb-4 grid grid-cols-2 gap-3 rounded-lg border border-slate-200 bg-white p-4 shadow-sm md:grid-cols-5 dark:border-slate-800 dark:bg-slate-900">
            <input type="hidden" name="tab" value="applications"/>
            <label class=format!("{LABEL} col-span-2")>
                "Search"
                <input type="search" name="search" class=INPUT maxlength="200" placeholder="Name, phone or email" value=move || search.get() prop:value=move || search.get() data-testid="application-search"/>
            </label>
            <label class=LABEL>
                "Course"
                <select name="course" class=INPUT data-testid="application-course-filter">
                    <option value="">"All courses"</option>
                    {courses.into_iter().map(|(id, title)| {
                        let value = id.to_string();
                        let chosen = value.clone();
                        view! { <option value=value selected=move || course.get() == chosen>{title}</option> }
                    }).collect_view()}
                </select>
            </label>
            <label class=LABEL>
                "Status"
                <select name="status" class=INPUT data-testid="application-status-filter">
                    <option value="">"All"</option>
                    {ApplicationStatus::ALL.into_iter().map(|s| {
                        let value = s.as_str();
                        view! { <option value=value selected=move || status.get() == value>{status_badge(s).0}</option> }
                    }).collect_view()}
                </select>
            </label>
            <div class="flex items-end gap-2">
                <button type="submit" class=BUTTON_PRIMARY data-testid="application-apply">"Apply"</button>
                <A href="/courses?tab=applications" attr:class=BUTTON_SECONDARY>"Clear"</A>
            </div>
        </Form>
    }
}
