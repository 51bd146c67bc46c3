//! Offers and promotions (`offers.manage`): cards with the discount, where the offer stands today
//! and how often it was used; filters by status and text (in the URL); create and edit in a
//! dialog checked by the server's own `OfferForm::parse`; switch on and off; delete after asking
//! (an offer bookings used is switched off and kept instead).

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::{
    components::{Form, A},
    hooks::use_query_map,
};
use uuid::Uuid;

use crate::app::components::{
    dialog::{ConfirmDialog, Modal, BUTTON_PRIMARY, BUTTON_SECONDARY, BUTTON_SMALL, BUTTON_SMALL_DANGER},
    form::{Alert, Empty, FieldErrors, FieldMessage, Loading, INPUT, LABEL},
    guard::Guarded,
    image_field::ImageField,
    toast::{report, use_toasts},
};
use crate::app::server_fns::{load_offers, DeleteOffer, SaveOffer};
use crate::shared::{
    media::Folder,
    offers::{ApplyTo, Discount, Offer, OfferForm, OfferStatus},
    permissions::Permission,
};

#[component]
pub fn OffersPage() -> impl IntoView {
    view! {
        <Title text="Offers"/>
        <Guarded any_of=&[Permission::OffersManage]>
            <Offers/>
        </Guarded>
    }
}

fn status_badge(status: OfferStatus) -> (&'static str, &'static str) {
    match status {
        OfferStatus::Active => (
            "Active",
            "bg-emerald-50 text-emerald-700 dark:bg-emerald-950 dark:text-emerald-300",
        ),
        OfferStatus::Upcoming => (
            "Upcoming",
            "bg-sky-50 text-sky-700 dark:bg-sky-950 dark:text-sky-300",
        ),
        OfferStatus::Expired => (
            "Expired",
            "bg-amber-50 text-amber-800 dark:bg-amber-950 dark:text-amber-300",
        ),
        OfferStatus::Inactive => (
            "Inactive",
            "bg-slate-100 text-slate-700 dark:bg-slate-800 dark:text-slate-300",
        ),
    }
}

fn target_label(o: &Offer) -> String {
    match o.apply_to {
        ApplyTo::All => "Every service and course".to_owned(),
        ApplyTo::AllServices => "Every service".to_owned(),
        ApplyTo::AllCourses => "Every course".to_owned(),
        ApplyTo::Service => o.service_name.clone().unwrap_or_else(|| "One service".to_owned()),
        ApplyTo::Course => "One course".to_owned(),
    }
}

#[component]
fn Offers() -> impl IntoView {
    let toasts = use_toasts();
    let query = use_query_map();
    let status = Memo::new(move |_| query.read().get("status").unwrap_or_default());
    let search = Memo::new(move |_| query.read().get("search").unwrap_or_default());
    let save = ServerAction::<SaveOffer>::new();
    let remove = ServerAction::<DeleteOffer>::new();
    let live = crate::app::live::use_live();
    let board = Resource::new(
        move || {
            (
                status.get(),
                search.get(),
                save.version().get(),
                remove.version().get(),
                live.catalog.get(),
            )
        },
        |(status, search, ..)| load_offers(status, search),
    );

    let editing = RwSignal::new(None::<Option<Offer>>);
    let edit_open = RwSignal::new(false);
    let removing = RwSignal::new(None::<Offer>);
    let remove_open = RwSignal::new(false);
    let errors: FieldErrors = RwSignal::new(Vec::new());
    report(
        move || save.value().get(),
        Some(errors),
        move |o: Offer| {
            toasts.ok(format!("Saved {}", o.title));
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
    let open_editor = move |o: Option<Offer>| {
        errors.set(Vec::new());
        editing.set(Some(o));
        edit_open.set(true);
    };

    view! {
        <div class="mx-auto max-w-7xl">
            <div class="mb-4 flex flex-wrap items-center justify-between gap-3">
                <div>
                    <h1 class="text-2xl font-bold tracking-tight">"Offers"</h1>
                    <p class="mt-1 text-sm text-slate-600 dark:text-slate-400">
                        "Discounts customers can book with. The server prices each booking from its offer and counts its uses."
                    </p>
                </div>
                <button type="button" class=BUTTON_PRIMARY on:click=move |_| open_editor(None) data-testid="new-offer">"Add offer"</button>
            </div>
            <Form method="GET" action="" attr:class="mb-4 grid grid-cols-2 gap-3 rounded-lg border border-slate-200 bg-white p-4 shadow-sm md:grid-cols-4 dark:border-slate-800 dark:bg-slate-900">
                <label class=format!("{LABEL} col-span-2")>
                    "Search"
                    <input type="search" name="search" class=INPUT maxlength="200" placeholder="Title or description" prop:value=move || search.get() data-testid="offer-search"/>
                </label>
                <label class=LABEL>
                    "Status"
                    <select name="status" class=INPUT data-testid="offer-status-filter">
                        <option value="">"All"</option>
                        {[OfferStatus::Active, OfferStatus::Upcoming, OfferStatus::Expired, OfferStatus::Inactive].into_iter().map(|s| {
                            let value = s.as_str();
                            view! { <option value=value selected=move || status.get() == value>{status_badge(s).0}</option> }
                        }).collect_view()}
                    </select>
                </label>
                <div class="flex items-end gap-2">
                    <button type="submit" class=BUTTON_PRIMARY data-testid="offer-apply">"Apply"</button>
                    <A href="/offers" attr:class=BUTTON_SECONDARY>"Clear"</A>
                </div>
            </Form>
            <Transition fallback=|| view! { <Loading label="Loading offers"/> }>
                {move || Suspend::new(async move {
                    match board.await {
                        Err(e) => view! { <Alert message=format!("Could not load the offers: {}", e.message)/> }.into_any(),
                        Ok(b) if b.offers.is_empty() => view! {
                            <div class="rounded-lg border border-slate-200 bg-white shadow-sm dark:border-slate-800 dark:bg-slate-900">
                                <Empty message="No offers match. Add one with “Add offer”."/>
                            </div>
                        }.into_any(),
                        Ok(b) => {
                            let today = b.today;
                            view! {
                                <p class="mb-2 text-sm text-slate-600 dark:text-slate-400" data-testid="offer-count">{format!("{} offer(s)", b.total)}</p>
                                <ul class="grid gap-4 sm:grid-cols-2 lg:grid-cols-3" data-testid="offer-list">
                                    {b.offers.into_iter().map(|o| {
                                        let o = StoredValue::new(o);
                                        o.with_value(|v| {
                                            let (label, tone) = status_badge(v.status(today));
                                            let discount = v.discount().map_or_else(|| "Special offer".to_owned(), Discount::label);
                                            let uses = match v.usage_limit {
                                                Some(limit) => format!("Used {} of {limit}", v.used_count),
                                                None => format!("Used {} times", v.used_count),
                                            };
                                            let title = v.title.clone();
                                            view! {
                                                <li class="flex flex-col overflow-hidden rounded-lg border border-slate-200 bg-white shadow-sm dark:border-slate-800 dark:bg-slate-900" data-testid="offer-card" data-status=v.status(today).as_str()>
                                                    {match v.image_url.clone() {
                                                        Some(src) => view! { <img src=src alt="" loading="lazy" width="400" height="200" class="aspect-[2/1] w-full bg-slate-100 object-cover dark:bg-slate-800"/> }.into_any(),
                                                        None => view! { <div class="flex aspect-[2/1] w-full items-center justify-center bg-gradient-to-br from-indigo-500 to-fuchsia-500 text-4xl" aria-hidden="true">"🎁"</div> }.into_any(),
                                                    }}
                                                    <div class="flex flex-1 flex-col gap-2 p-4">
                                                        <div class="flex flex-wrap items-center gap-2">
                                                            <span class="rounded-full bg-indigo-600 px-2 py-0.5 text-xs font-semibold text-white" data-testid="offer-discount">{discount}</span>
                                                            <span class=format!("rounded-full px-2 py-0.5 text-xs font-medium {tone}") data-testid="offer-status">{label}</span>
                                                        </div>
                                                        <h2 class="font-semibold" data-testid="offer-title">{v.title.clone()}</h2>
                                                        <p class="line-clamp-2 text-sm text-slate-600 dark:text-slate-400">{v.description.clone().unwrap_or_default()}</p>
                                                        <dl class="mt-auto grid grid-cols-2 gap-x-3 gap-y-1 text-xs text-slate-600 dark:text-slate-400">
                                                            <dt class="font-medium">"Runs"</dt>
                                                            <dd>{format!("{} – {}", v.start_date.format("%d %b %Y"), v.end_date.format("%d %b %Y"))}</dd>
                                                            <dt class="font-medium">"For"</dt>
                                                            <dd data-testid="offer-target">{target_label(v)}</dd>
                                                            <dt class="font-medium">"Uses"</dt>
                                                            <dd data-testid="offer-uses">{uses}</dd>
                                                        </dl>
                                                        <div class="flex flex-wrap justify-end gap-1 pt-2">
                                                            <button type="button" class=BUTTON_SMALL disabled=move || save.pending().get() data-testid="offer-toggle"
                                                                aria-label=format!("{} {title}", if v.is_active { "Switch off" } else { "Switch on" })
                                                                on:click=move |_| {
                                                                    let v = o.get_value();
                                                                    save.dispatch(SaveOffer { id: Some(v.id), form: OfferForm { is_active: Some(!v.is_active), ..Default::default() } });
                                                                }>
                                                                {if v.is_active { "Switch off" } else { "Switch on" }}
                                                            </button>
                                                            <button type="button" class=BUTTON_SMALL aria-label=format!("Edit {}", v.title) data-testid="offer-edit"
                                                                on:click=move |_| open_editor(Some(o.get_value()))>"Edit"</button>
                                                            <button type="button" class=BUTTON_SMALL_DANGER aria-label=format!("Delete {}", v.title) data-testid="offer-delete"
                                                                on:click=move |_| { removing.set(Some(o.get_value())); remove_open.set(true); }>"Delete"</button>
                                                        </div>
                                                    </div>
                                                </li>
                                            }
                                        })
                                    }).collect_view()}
                                </ul>
                            }.into_any()
                        }
                    }
                })}
            </Transition>
        </div>
        <Modal open=edit_open title=Signal::derive(move || if editing.with(|e| matches!(e, Some(Some(_)))) { "Edit offer".to_owned() } else { "New offer".to_owned() }) test_id="offer-dialog">
            {move || {
                let current = editing.get().flatten();
                let services = board.get().and_then(Result::ok).map(|b| b.services).unwrap_or_default();
                view! {
                    <OfferEditor current services errors pending=Signal::derive(move || save.pending().get())
                        on_close=Callback::new(move |()| edit_open.set(false))
                        on_save=Callback::new(move |(id, form)| { save.dispatch(SaveOffer { id, form }); })/>
                }
            }}
        </Modal>
        <ConfirmDialog
            open=remove_open
            title="Delete this offer?"
            message=Signal::derive(move || removing.with(|r| r.as_ref().map(|o| format!("“{}” will be removed. If bookings used it, it is switched off and kept for their history instead.", o.title)).unwrap_or_default()))
            confirm_label="Delete"
            pending=Signal::derive(move || remove.pending().get())
            on_confirm=Callback::new(move |()| if let Some(o) = removing.get_untracked() { remove.dispatch(DeleteOffer { id: o.id }); })
            test_id="offer-delete-dialog"
        />
    }
}

#[component]
fn OfferEditor(
    current: Option<Offer>,
    services: Vec<(Uuid, String)>,
    errors: FieldErrors,
    pending: Signal<bool>,
    on_close: Callback<()>,
    on_save: Callback<(Option<Uuid>, OfferForm)>,
) -> impl IntoView {
    let id = current.as_ref().map(|o| o.id);
    let c = current.as_ref();
    let title = RwSignal::new(c.map(|o| o.title.clone()).unwrap_or_default());
    let description = RwSignal::new(c.and_then(|o| o.description.clone()).unwrap_or_default());
    let percent_kind = RwSignal::new(c.is_none_or(|o| o.discount_amount.is_none()));
    let amount = RwSignal::new(
        c.and_then(|o| {
            o.discount_percentage
                .clone()
                .or_else(|| o.discount_amount.clone())
        })
        .unwrap_or_default(),
    );
    let start = RwSignal::new(c.map(|o| o.start_date.to_string()).unwrap_or_default());
    let end = RwSignal::new(c.map(|o| o.end_date.to_string()).unwrap_or_default());
    let service = RwSignal::new(
        c.and_then(|o| o.service_id)
            .map(|s| s.to_string())
            .unwrap_or_default(),
    );
    let limit = RwSignal::new(
        c.and_then(|o| o.usage_limit)
            .map(|l| l.to_string())
            .unwrap_or_default(),
    );
    let image = RwSignal::new(c.and_then(|o| o.image_url.clone()).unwrap_or_default());
    let active = RwSignal::new(c.is_none_or(|o| o.is_active));
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let value = Some(serde_json::Value::String(amount.get_untracked()));
        let empty = Some(serde_json::Value::String(String::new()));
        let (discount_percentage, discount_amount) = if percent_kind.get_untracked() {
            (value, empty)
        } else {
            (empty, value)
        };
        let service_id = service.get_untracked();
        let form = OfferForm {
            title: Some(title.get_untracked()),
            description: Some(description.get_untracked()),
            discount_percentage,
            discount_amount,
            image_url: Some(image.get_untracked()),
            start_date: Some(start.get_untracked()),
            end_date: Some(end.get_untracked()),
            apply_to: Some(if service_id.is_empty() { "all" } else { "service" }.to_owned()),
            service_id: Some(service_id),
            course_id: None,
            is_active: Some(active.get_untracked()),
            usage_limit: Some(serde_json::Value::String(limit.get_untracked())),
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
                <input type="text" class=INPUT maxlength="255" bind:value=title data-testid="offer-form-title"/>
                <FieldMessage errors field="title"/>
            </label>
            <label class=format!("{LABEL} col-span-2")>
                "Description"
                <textarea class=INPUT rows="2" maxlength="2000" bind:value=description></textarea>
                <FieldMessage errors field="description"/>
            </label>
            <fieldset class="col-span-2">
                <legend class="text-sm font-medium">"Discount"</legend>
                <div class="mt-1 flex flex-wrap items-center gap-4 text-sm">
                    <label class="flex items-center gap-2">
                        <input type="radio" name="discount-kind" prop:checked=move || percent_kind.get() on:change=move |_| percent_kind.set(true) data-testid="offer-form-percent"/>
                        "Percentage"
                    </label>
                    <label class="flex items-center gap-2">
                        <input type="radio" name="discount-kind" prop:checked=move || !percent_kind.get() on:change=move |_| percent_kind.set(false) data-testid="offer-form-amount-kind"/>
                        "Fixed amount (Rs.)"
                    </label>
                    <label class="flex items-center gap-2">
                        <span class="sr-only">{move || if percent_kind.get() { "Percentage off" } else { "Amount off" }}</span>
                        <input type="text" inputmode="decimal" class=INPUT bind:value=amount placeholder=move || if percent_kind.get() { "20" } else { "500" } data-testid="offer-form-amount"/>
                        <span aria-hidden="true">{move || if percent_kind.get() { "%" } else { "Rs." }}</span>
                    </label>
                </div>
                <FieldMessage errors field="discountPercentage"/>
                <FieldMessage errors field="discountAmount"/>
            </fieldset>
            <label class=LABEL>
                "Starts"
                <input type="date" class=INPUT bind:value=start data-testid="offer-form-start"/>
                <FieldMessage errors field="startDate"/>
            </label>
            <label class=LABEL>
                "Ends (included)"
                <input type="date" class=INPUT bind:value=end data-testid="offer-form-end"/>
                <FieldMessage errors field="endDate"/>
            </label>
            <label class=LABEL>
                "For"
                <select class=INPUT bind:value=service data-testid="offer-form-service">
                    <option value="">"Every service"</option>
                    {services.into_iter().map(|(id, name)| view! { <option value=id.to_string()>{name}</option> }).collect_view()}
                </select>
                <FieldMessage errors field="serviceId"/>
            </label>
            <label class=LABEL>
                "Usage limit"
                <input type="number" min="1" step="1" class=INPUT bind:value=limit placeholder="No limit" data-testid="offer-form-limit"/>
                <FieldMessage errors field="usageLimit"/>
            </label>
            <ImageField label="Image" value=image folder=Folder::Offers errors=errors field="imageUrl" class="col-span-2" test_id="offer-form-image"/>
            <label class="col-span-2 flex items-center gap-2 text-sm">
                <input type="checkbox" bind:checked=active data-testid="offer-form-active"/>
                "Active (customers can use it between its dates)"
            </label>
            <div class="col-span-2 flex justify-end gap-3 pt-2">
                <button type="button" class=BUTTON_SECONDARY on:click=move |_| on_close.run(())>"Close"</button>
                <button type="submit" class=BUTTON_PRIMARY disabled=move || pending.get() data-testid="offer-form-submit">
                    {move || if pending.get() { "Saving…" } else { "Save" }}
                </button>
            </div>
        </form>
    }
}
