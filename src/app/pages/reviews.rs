//! Review moderation (`reviews.moderate`): service or course reviews (`?kind=`), filtered by
//! service, expert and visibility (all in the URL), newest first. A review is hidden with a reason
//! (other staff see it; the public never sees the review) and shown again in one click.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::{
    components::{Form, A},
    hooks::use_query_map,
};
use uuid::Uuid;

use crate::app::components::{
    dialog::{Modal, BUTTON_PRIMARY, BUTTON_SECONDARY, BUTTON_SMALL, BUTTON_SMALL_DANGER},
    form::{list_problem, Alert, Empty, FieldErrors, FieldMessage, Loading, Pager, INPUT, LABEL},
    guard::Guarded,
    toast::{report, use_toasts},
};
use crate::app::server_fns::{load_reviews, ModerateReview};
use crate::shared::{
    appointments::encode,
    permissions::Permission,
    reviews::{HideForm, Review, REASON_MAX_CHARS},
};

#[component]
pub fn ReviewsPage() -> impl IntoView {
    view! {
        <Title text="Reviews"/>
        <Guarded any_of=&[Permission::ReviewsModerate]>
            <Reviews/>
        </Guarded>
    }
}

/// What the URL holds.
#[derive(Debug, Clone, Default, PartialEq)]
struct ReviewQuery {
    courses: bool,
    service_id: String,
    expert_id: String,
    hidden: String,
    page: u64,
}

impl ReviewQuery {
    fn href(&self, page: u64) -> String {
        let kind = if self.courses { "course" } else { "service" }.to_owned();
        let page = if page > 1 { page.to_string() } else { String::new() };
        let (service, expert) = if self.courses {
            (String::new(), String::new())
        } else {
            (self.service_id.clone(), self.expert_id.clone())
        };
        let parts: Vec<String> = [
            ("kind", &kind),
            ("serviceId", &service),
            ("expertId", &expert),
            ("hidden", &self.hidden),
            ("page", &page),
        ]
        .into_iter()
        .filter(|(_, v)| !v.is_empty())
        .map(|(k, v)| format!("{k}={}", encode(v)))
        .collect();
        format!("/reviews?{}", parts.join("&"))
    }
}

const TAB: &str = "border-b-2 px-4 py-2 text-sm font-medium";
const TAB_ON: &str = "border-indigo-600 text-indigo-700 dark:border-indigo-400 dark:text-indigo-300";
const TAB_OFF: &str =
    "border-transparent text-slate-600 hover:border-slate-300 hover:text-slate-800 dark:text-slate-400";

#[component]
fn Reviews() -> impl IntoView {
    let toasts = use_toasts();
    let query = use_query_map();
    let url = Memo::new(move |_| {
        let q = query.read();
        let get = |k: &str| q.get(k).map(|v| v.trim().to_owned()).unwrap_or_default();
        ReviewQuery {
            courses: matches!(get("kind").as_str(), "course" | "courses"),
            service_id: get("serviceId"),
            expert_id: get("expertId"),
            hidden: get("hidden"),
            page: get("page").parse::<u64>().unwrap_or(1).max(1),
        }
    });
    let moderate = ServerAction::<ModerateReview>::new();
    let live = crate::app::live::use_live();
    let board = Resource::new(
        move || (url.get(), moderate.version().get(), live.content.get()),
        |(q, ..)| {
            let id = |raw: &str| Uuid::parse_str(raw).ok();
            load_reviews(
                if q.courses { "course" } else { "service" }.to_owned(),
                id(&q.service_id),
                id(&q.expert_id),
                q.hidden.clone(),
                q.page,
            )
        },
    );

    let hiding = RwSignal::new(None::<Review>);
    let hide_open = RwSignal::new(false);
    let errors: FieldErrors = RwSignal::new(Vec::new());
    report(
        move || moderate.value().get(),
        Some(errors),
        move |r: Review| {
            hide_open.set(false);
            toasts.ok(if r.hidden_at.is_some() {
                format!("Hidden the review by {}", r.user_name)
            } else {
                format!("The review by {} is shown again", r.user_name)
            });
        },
    );
    let tab = move |courses: bool| {
        let href = ReviewQuery {
            courses,
            ..Default::default()
        }
        .href(1);
        let (label, test_id) = if courses {
            ("Courses", "reviews-tab-courses")
        } else {
            ("Services", "reviews-tab-services")
        };
        view! {
            <a href=href class=move || format!("{TAB} {}", if url.get().courses == courses { TAB_ON } else { TAB_OFF })
                aria-current=move || (url.get().courses == courses).then_some("page")
                data-testid=test_id>{label}</a>
        }
    };

    view! {
        <div class="mx-auto max-w-7xl">
            <div class="mb-4">
                <h1 class="text-2xl font-bold tracking-tight">"Reviews"</h1>
                <p class="mt-1 text-sm text-slate-600 dark:text-slate-400">
                    "What customers wrote. A hidden review leaves the app and the ratings; staff still see it here with the reason."
                </p>
            </div>
            <nav class="mb-4 flex gap-1 border-b border-slate-200 dark:border-slate-800" aria-label="Kind of review">
                {tab(false)}
                {tab(true)}
            </nav>
            <Transition fallback=|| view! { <Loading label="Loading reviews"/> }>
                {move || Suspend::new(async move {
                    let q = url.get_untracked();
                    match board.await {
                        Err(e) => view! {
                            <Alert message=list_problem("the reviews", &e)/>
                            <A href="/reviews" attr:class=format!("{BUTTON_SECONDARY} mt-3")>"Clear the filters"</A>
                        }.into_any(),
                        Ok(b) => {
                            let pagination = b.pagination;
                            let kind = if q.courses { "course" } else { "service" };
                            let clear = ReviewQuery { courses: q.courses, ..Default::default() }.href(1);
                            view! {
                                <Form method="GET" action="" attr:class="mb-4 grid grid-cols-2 gap-3 rounded-lg border border-slate-200 bg-white p-4 shadow-sm md:grid-cols-4 dark:border-slate-800 dark:bg-slate-900">
                                    <input type="hidden" name="kind" value=kind/>
                                    {(!q.courses).then(|| {
                                        let (service, expert) = (q.service_id.clone(), q.expert_id.clone());
                                        view! {
                                            <label class=LABEL>
                                                "Service"
                                                <select name="serviceId" class=INPUT data-testid="review-service-filter">
                                                    <option value="">"All services"</option>
                                                    {b.services.into_iter().map(|(id, name)| {
                                                        let id = id.to_string();
                                                        let on = id == service;
                                                        view! { <option value=id selected=on>{name}</option> }
                                                    }).collect_view()}
                                                </select>
                                            </label>
                                            <label class=LABEL>
                                                "Expert"
                                                <select name="expertId" class=INPUT data-testid="review-expert-filter">
                                                    <option value="">"All experts"</option>
                                                    {b.experts.into_iter().map(|(id, name)| {
                                                        let id = id.to_string();
                                                        let on = id == expert;
                                                        view! { <option value=id selected=on>{name}</option> }
                                                    }).collect_view()}
                                                </select>
                                            </label>
                                        }
                                    })}
                                    <label class=LABEL>
                                        "Visibility"
                                        <select name="hidden" class=INPUT data-testid="review-visibility-filter">
                                            {[("", "All"), ("false", "Visible"), ("true", "Hidden")].into_iter().map(|(value, label)| {
                                                let on = q.hidden == value;
                                                view! { <option value=value selected=on>{label}</option> }
                                            }).collect_view()}
                                        </select>
                                    </label>
                                    <div class="flex items-end gap-2">
                                        <button type="submit" class=BUTTON_PRIMARY data-testid="review-apply">"Apply"</button>
                                        <A href=clear attr:class=BUTTON_SECONDARY>"Clear"</A>
                                    </div>
                                </Form>
                                <p class="mb-2 text-sm text-slate-600 dark:text-slate-400" data-testid="review-count">{format!("{} review(s)", pagination.total)}</p>
                                {if b.reviews.is_empty() {
                                    view! {
                                        <div class="rounded-lg border border-slate-200 bg-white shadow-sm dark:border-slate-800 dark:bg-slate-900">
                                            <Empty message="No reviews match these filters."/>
                                        </div>
                                    }.into_any()
                                } else {
                                    view! {
                                        <ul class="space-y-3" data-testid="review-list">
                                            {b.reviews.into_iter().map(|r| view! {
                                                <ReviewRow review=r pending=Signal::derive(move || moderate.pending().get())
                                                    on_hide=Callback::new(move |r: Review| { errors.set(Vec::new()); hiding.set(Some(r)); hide_open.set(true); })
                                                    on_show=Callback::new(move |id: Uuid| { moderate.dispatch(ModerateReview { id, form: HideForm { hidden: Some(false), reason: None } }); })/>
                                            }).collect_view()}
                                        </ul>
                                    }.into_any()
                                }}
                                <Pager pagination href=move |p| url.get_untracked().href(p)/>
                            }.into_any()
                        }
                    }
                })}
            </Transition>
        </div>
        <Modal open=hide_open title="Hide this review" test_id="review-hide-dialog">
            {move || {
                let who = hiding.with(|r| r.as_ref().map(|r| r.user_name.clone()).unwrap_or_default());
                view! {
                    <HideReason who errors pending=Signal::derive(move || moderate.pending().get())
                        on_close=Callback::new(move |()| hide_open.set(false))
                        on_hide=Callback::new(move |reason: String| if let Some(r) = hiding.get_untracked() {
                            moderate.dispatch(ModerateReview { id: r.id, form: HideForm { hidden: Some(true), reason: Some(reason) } });
                        })/>
                }
            }}
        </Modal>
    }
}

/// One review: stars, sentiment, the comment, who wrote it about what, and hide or show.
#[component]
fn ReviewRow(
    review: Review,
    pending: Signal<bool>,
    on_hide: Callback<Review>,
    on_show: Callback<Uuid>,
) -> impl IntoView {
    let stars = review.rating.get().min(5);
    let id = review.id;
    let hidden = review.hidden_at.is_some();
    let r = StoredValue::new(review.clone());
    let about = match (&review.course_title, &review.service_name, &review.expert_name) {
        (Some(course), _, _) => course.clone(),
        (None, Some(service), Some(expert)) => format!("{service} with {expert}"),
        (None, Some(service), None) => service.clone(),
        (None, None, _) => "—".to_owned(),
    };
    let reason = review.hidden_reason.clone().unwrap_or_default();
    let row_class = format!(
        "rounded-lg border border-slate-200 bg-white p-4 shadow-sm dark:border-slate-800 dark:bg-slate-900{}",
        if hidden { " opacity-75" } else { "" }
    );
    view! {
        <li class=row_class data-testid="review-row" data-hidden=hidden.to_string()>
            <div class="flex flex-wrap items-center gap-3">
                <span class="text-lg leading-none text-amber-500" role="img" aria-label=format!("{stars} out of 5 stars") data-testid="review-stars">
                    {format!("{}{}", "★".repeat(usize::from(stars)), "☆".repeat(usize::from(5 - stars)))}
                </span>
                <span class="text-sm font-medium">{review.sentiment}</span>
                {hidden.then(|| view! {
                    <span class="rounded-full bg-red-50 px-2 py-0.5 text-xs font-medium text-red-700 dark:bg-red-950 dark:text-red-300" data-testid="review-hidden-badge">
                        {format!("Hidden: {reason}")}
                    </span>
                })}
                <time class="ml-auto text-xs text-slate-500" datetime=review.created_at.to_rfc3339()>{review.created_at.format("%Y-%m-%d").to_string()}</time>
            </div>
            <p class="mt-2 whitespace-pre-wrap break-words text-sm" data-testid="review-comment">
                {review.comment.unwrap_or_else(|| "No comment.".to_owned())}
            </p>
            <div class="mt-2 flex flex-wrap items-center justify-between gap-2 text-xs text-slate-500">
                <span>
                    <span class="font-medium text-slate-700 dark:text-slate-300" data-testid="review-author">{review.user_name}</span>
                    {format!(" on {about}")}
                </span>
                {if hidden {
                    view! {
                        <button type="button" class=BUTTON_SMALL disabled=move || pending.get() data-testid="review-show"
                            on:click=move |_| on_show.run(id)>"Show again"</button>
                    }.into_any()
                } else {
                    view! {
                        <button type="button" class=BUTTON_SMALL_DANGER disabled=move || pending.get() data-testid="review-hide"
                            on:click=move |_| on_hide.run(r.get_value())>"Hide"</button>
                    }.into_any()
                }}
            </div>
        </li>
    }
}

/// Asks why a review is hidden; checked by the server's own parser before it is sent.
#[component]
fn HideReason(
    who: String,
    errors: FieldErrors,
    pending: Signal<bool>,
    on_close: Callback<()>,
    on_hide: Callback<String>,
) -> impl IntoView {
    let reason = RwSignal::new(String::new());
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let form = HideForm {
            hidden: Some(true),
            reason: Some(reason.get_untracked()),
        };
        match form.parse() {
            Err(list) => errors.set(list),
            Ok(_) => {
                errors.set(Vec::new());
                on_hide.run(reason.get_untracked());
            }
        }
    };
    view! {
        <form class="mt-4 space-y-3" on:submit=submit novalidate>
            <p class="text-sm text-slate-600 dark:text-slate-400">
                {format!("The review by {who} leaves the app and the ratings. Other staff see the reason.")}
            </p>
            <label class=LABEL>
                "Reason"
                <input type="text" class=INPUT maxlength=REASON_MAX_CHARS.to_string() bind:value=reason data-testid="review-reason"/>
                <FieldMessage errors field="reason"/>
            </label>
            <div class="flex justify-end gap-3 pt-2">
                <button type="button" class=BUTTON_SECONDARY on:click=move |_| on_close.run(())>"Close"</button>
                <button type="submit" class=BUTTON_PRIMARY disabled=move || pending.get() data-testid="review-reason-submit">
                    {move || if pending.get() { "Hiding…" } else { "Hide review" }}
                </button>
            </div>
        </form>
    }
}
