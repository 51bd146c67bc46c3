//! Business settings: the name, time zone and booking rules, checked in the browser by the shared
//! `SettingsForm::parse` (the server checks again, and alone knows the time zones).

use leptos::prelude::*;
use leptos_meta::Title;

use crate::app::components::{
    dialog::{BUTTON_PRIMARY, BUTTON_SECONDARY},
    form::{Alert, FieldErrors, FieldMessage, Loading, HINT, INPUT, LABEL},
    guard::Guarded,
    toast::{report, use_toasts},
};
use crate::app::server_fns::{
    load_notification_settings, load_settings, SaveNotificationSettings, SaveSettings, SettingsData,
};
use crate::shared::{
    notifications::{check, NotificationSettings, Texts, PLACEHOLDERS, TEXT_NAMES},
    permissions::Permission,
    settings::{
        minutes_text, BusinessSettings, Limit, SettingsForm, BOOKING_WINDOW, MIN_NOTICE, RESERVATION_HOLD,
        SLOT_STEP,
    },
};

#[component]
pub fn SettingsPage() -> impl IntoView {
    view! {
        <Title text="Settings"/>
        <Guarded any_of=&[Permission::SettingsManage]>
            <Settings/>
        </Guarded>
    }
}

#[component]
fn Settings() -> impl IntoView {
    let data = Resource::new(|| (), |_| load_settings());
    view! {
        <div class="mx-auto max-w-3xl">
            <div class="mb-6">
                <h1 class="text-2xl font-bold tracking-tight">"Settings"</h1>
                <p class="mt-1 text-sm text-slate-600 dark:text-slate-400">
                    "The business's booking rules and notifications. Changes apply at once to the app and the portal."
                </p>
            </div>
            <Transition fallback=|| view! { <Loading/> }>
                {move || Suspend::new(async move {
                    match data.await {
                        Ok(d) => view! { <SettingsEditor data=d/> }.into_any(),
                        Err(e) => view! { <Alert message=format!("Could not load the settings: {}", e.message)/> }.into_any(),
                    }
                })}
            </Transition>
            <NotificationSettingsSection/>
        </div>
    }
}

/// The form's fields, one signal each, filled from the stored settings.
#[derive(Clone, Copy)]
struct Fields {
    name: RwSignal<String>,
    timezone: RwSignal<String>,
    step: RwSignal<String>,
    notice: RwSignal<String>,
    window_days: RwSignal<String>,
    hold: RwSignal<String>,
}

impl Fields {
    fn new(s: &BusinessSettings) -> Self {
        let f = SettingsForm::from_settings(s);
        Self {
            name: RwSignal::new(f.business_name),
            timezone: RwSignal::new(f.timezone),
            step: RwSignal::new(f.slot_step_minutes),
            notice: RwSignal::new(f.min_notice_minutes),
            window_days: RwSignal::new(f.booking_window_days),
            hold: RwSignal::new(f.reservation_hold_minutes),
        }
    }

    fn fill(self, s: &BusinessSettings) {
        let f = SettingsForm::from_settings(s);
        self.name.set(f.business_name);
        self.timezone.set(f.timezone);
        self.step.set(f.slot_step_minutes);
        self.notice.set(f.min_notice_minutes);
        self.window_days.set(f.booking_window_days);
        self.hold.set(f.reservation_hold_minutes);
    }

    fn form(self) -> SettingsForm {
        SettingsForm {
            business_name: self.name.get_untracked(),
            timezone: self.timezone.get_untracked(),
            slot_step_minutes: self.step.get_untracked(),
            min_notice_minutes: self.notice.get_untracked(),
            booking_window_days: self.window_days.get_untracked(),
            reservation_hold_minutes: self.hold.get_untracked(),
        }
    }
}

const NOT_SAVED: &str = "Not saved: check the marked fields";

/// "= 4 h" under a minutes field while its value is a valid one, blank otherwise.
fn hint(limit: Limit, raw: &str) -> String {
    limit
        .parse(raw)
        .map(|m| format!("= {}", minutes_text(m)))
        .unwrap_or_default()
}

#[component]
fn SettingsEditor(data: SettingsData) -> impl IntoView {
    let toasts = use_toasts();
    let SettingsData { settings, timezones } = data;
    let saved = RwSignal::new(settings);
    let fields = saved.with_untracked(Fields::new);
    let errors: FieldErrors = RwSignal::new(Vec::new());
    let save = ServerAction::<SaveSettings>::new();
    report(
        move || save.value().get(),
        Some(errors),
        move |s: BusinessSettings| {
            errors.set(Vec::new());
            // Show what was stored (the trimmed name, the zone's canonical spelling).
            fields.fill(&s);
            saved.set(s);
            toasts.ok("Settings saved");
        },
    );
    // `report` puts field errors under their inputs; the toast says why nothing was saved.
    Effect::new(move |_| {
        if save
            .value()
            .with(|v| matches!(v, Some(Err(e)) if !e.errors.is_empty()))
        {
            toasts.err(NOT_SAVED);
        }
    });
    let pending = move || save.pending().get();
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let form = fields.form();
        match form.parse() {
            Err(list) => {
                errors.set(list);
                toasts.err(NOT_SAVED);
            }
            Ok(_) => {
                errors.set(Vec::new());
                save.dispatch(SaveSettings { form });
            }
        }
    };
    let undo = move |_: leptos::ev::MouseEvent| {
        errors.set(Vec::new());
        saved.with_untracked(|s| fields.fill(s));
    };
    let hint_class = "mt-1 text-xs text-slate-500 dark:text-slate-400";

    // `bind:value` sets a property, which the server does not render: `value` shows the stored
    // settings before the page hydrates (and without JavaScript).
    view! {
        <form class="space-y-6" on:submit=submit novalidate=true data-testid="settings-form">
            <section class="space-y-4 rounded-lg border border-slate-200 bg-white p-6 shadow-sm dark:border-slate-800 dark:bg-slate-900">
                <h2 class="text-lg font-semibold">"Business"</h2>
                <label class=LABEL>
                    "Business name"
                    <input type="text" class=INPUT maxlength="255" value=fields.name.get_untracked() bind:value=fields.name data-testid="settings-business-name"/>
                    <FieldMessage errors field="businessName"/>
                </label>
                <label class=LABEL>
                    "Time zone"
                    <input type="text" class=INPUT list="settings-timezones" autocomplete="off" spellcheck="false" placeholder="Europe/London" value=fields.timezone.get_untracked() bind:value=fields.timezone data-testid="settings-timezone"/>
                    <p class=hint_class>"Opening hours, bookings and the dashboard's days follow this zone."</p>
                    <FieldMessage errors field="timezone"/>
                </label>
                <datalist id="settings-timezones">
                    {timezones.into_iter().map(|z| view! { <option value=z></option> }).collect_view()}
                </datalist>
            </section>
            <section class="grid gap-4 rounded-lg border border-slate-200 bg-white p-6 shadow-sm sm:grid-cols-2 dark:border-slate-800 dark:bg-slate-900">
                <h2 class="text-lg font-semibold sm:col-span-2">"Booking rules"</h2>
                <label class=LABEL>
                    "Slot grid (minutes)"
                    <input type="number" inputmode="numeric" min=SLOT_STEP.min.to_string() max=SLOT_STEP.max.to_string() class=INPUT value=fields.step.get_untracked() bind:value=fields.step data-testid="settings-slot-step"/>
                    <p class=hint_class>"Bookings start every this many minutes from the start of a working period."</p>
                    <FieldMessage errors field="slotStepMinutes"/>
                </label>
                <label class=LABEL>
                    "Minimum notice (minutes)"
                    <input type="number" inputmode="numeric" min=MIN_NOTICE.min.to_string() max=MIN_NOTICE.max.to_string() class=INPUT value=fields.notice.get_untracked() bind:value=fields.notice data-testid="settings-min-notice"/>
                    <p class=hint_class data-testid="settings-min-notice-hint">
                        "How soon a customer may book. "{move || fields.notice.with(|v| hint(MIN_NOTICE, v))}
                    </p>
                    <FieldMessage errors field="minNoticeMinutes"/>
                </label>
                <label class=LABEL>
                    "Booking window (days)"
                    <input type="number" inputmode="numeric" min=BOOKING_WINDOW.min.to_string() max=BOOKING_WINDOW.max.to_string() class=INPUT value=fields.window_days.get_untracked() bind:value=fields.window_days data-testid="settings-booking-window"/>
                    <p class=hint_class>"How far ahead a customer may book."</p>
                    <FieldMessage errors field="bookingWindowDays"/>
                </label>
                <label class=LABEL>
                    "Reservation hold (minutes)"
                    <input type="number" inputmode="numeric" min=RESERVATION_HOLD.min.to_string() max=RESERVATION_HOLD.max.to_string() class=INPUT value=fields.hold.get_untracked() bind:value=fields.hold data-testid="settings-reservation-hold"/>
                    <p class=hint_class data-testid="settings-hold-hint">
                        "An unpaid booking keeps its slot this long, then is cancelled. "{move || fields.hold.with(|v| hint(RESERVATION_HOLD, v))}
                    </p>
                    <FieldMessage errors field="reservationHoldMinutes"/>
                </label>
            </section>
            <div class="flex justify-end gap-3">
                <button type="button" class=BUTTON_SECONDARY on:click=undo disabled=pending data-testid="settings-undo">"Undo changes"</button>
                <button type="submit" class=BUTTON_PRIMARY disabled=pending data-testid="settings-submit">
                    {move || if pending() { "Saving…" } else { "Save settings" }}
                </button>
            </div>
        </form>
    }
}

/// The notification switches and texts: a second form, loaded and saved on its own.
#[component]
fn NotificationSettingsSection() -> impl IntoView {
    let data = Resource::new(|| (), |_| load_notification_settings());
    view! {
        <Transition fallback=|| view! { <Loading label="Loading the notification settings"/> }>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(s) => view! { <NotificationsEditor settings=s/> }.into_any(),
                    Err(e) => view! { <Alert message=format!("Could not load the notification settings: {}", e.message)/> }.into_any(),
                }
            })}
        </Transition>
    }
}

/// One text: a title line and a body, each signal-backed.
#[derive(Clone, Copy)]
struct TextFields {
    name: &'static str,
    label: &'static str,
    title: RwSignal<String>,
    body: RwSignal<String>,
}

#[component]
fn NotificationsEditor(settings: NotificationSettings) -> impl IntoView {
    let toasts = use_toasts();
    let saved = StoredValue::new(settings.clone());
    let email = RwSignal::new(settings.email);
    let push = RwSignal::new(settings.push);
    let sms = RwSignal::new(settings.sms);
    let texts: Vec<TextFields> = TEXT_NAMES
        .iter()
        .map(|&(name, label)| {
            let t = settings.texts.get(name).cloned().unwrap_or_default();
            TextFields {
                name,
                label,
                title: RwSignal::new(t.title),
                body: RwSignal::new(t.body),
            }
        })
        .collect();
    let texts = StoredValue::new(texts);
    let fill = move |s: &NotificationSettings| {
        email.set(s.email);
        push.set(s.push);
        sms.set(s.sms);
        texts.with_value(|list| {
            for f in list {
                let t = s.texts.get(f.name).cloned().unwrap_or_default();
                f.title.set(t.title);
                f.body.set(t.body);
            }
        });
    };
    let errors: FieldErrors = RwSignal::new(Vec::new());
    let save = ServerAction::<SaveNotificationSettings>::new();
    report(
        move || save.value().get(),
        Some(errors),
        move |s: NotificationSettings| {
            errors.set(Vec::new());
            fill(&s);
            saved.set_value(s);
            toasts.ok("Notification settings saved");
        },
    );
    let pending = move || save.pending().get();
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let mut s = NotificationSettings {
            email: email.get_untracked(),
            push: push.get_untracked(),
            sms: sms.get_untracked(),
            texts: Texts::default(),
        };
        texts.with_value(|list| {
            for f in list {
                if let Some(t) = s.texts.get_mut(f.name) {
                    t.title = f.title.get_untracked();
                    t.body = f.body.get_untracked();
                }
            }
        });
        match check(&s) {
            Err(list) => {
                errors.set(list);
                toasts.err(NOT_SAVED);
            }
            Ok(()) => {
                errors.set(Vec::new());
                save.dispatch(SaveNotificationSettings { settings: s });
            }
        }
    };
    let undo = move |_: leptos::ev::MouseEvent| {
        errors.set(Vec::new());
        saved.with_value(|s| fill(s));
    };
    // The error under a text's field; the names are built, so `FieldMessage` (static names) cannot.
    let message = move |field: String| {
        move || {
            errors.with(|list| {
                list.iter().find(|e| e.field == field).map(|e| {
                    view! { <p class="mt-1 text-sm text-red-600 dark:text-red-400" data-testid=format!("error-{}", e.field)>{e.message.clone()}</p> }
                })
            })
        }
    };
    let switch = |signal: RwSignal<bool>, label: &'static str, hint: &'static str, id: &'static str| {
        view! {
            <label class="flex items-start gap-3 text-sm">
                <input type="checkbox" class="mt-0.5" prop:checked=move || signal.get() checked=signal.get_untracked() on:change=move |ev| signal.set(event_target_checked(&ev)) data-testid=id/>
                <span>
                    <span class="font-medium">{label}</span>
                    <span class=format!("block {HINT}")>{hint}</span>
                </span>
            </label>
        }
    };
    let placeholders = PLACEHOLDERS
        .iter()
        .map(|p| format!("{{{p}}}"))
        .collect::<Vec<_>>()
        .join(" ");

    view! {
        <form class="mt-8 space-y-6" on:submit=submit novalidate=true data-testid="notification-settings-form">
            <section class="space-y-4 rounded-lg border border-slate-200 bg-white p-6 shadow-sm dark:border-slate-800 dark:bg-slate-900">
                <div>
                    <h2 class="text-lg font-semibold">"Notifications"</h2>
                    <p class=HINT>"Customers always find every message in the app; these channels send them as well. The delivery log shows what went out."</p>
                </div>
                {switch(email, "Email", "To the customer's sign-in address.", "notify-email")}
                {switch(push, "Push", "To the phones where the customer uses the app.", "notify-push")}
                {switch(sms, "Text message", "To the customer's phone number, when they gave one.", "notify-sms")}
            </section>
            <section class="space-y-4 rounded-lg border border-slate-200 bg-white p-6 shadow-sm dark:border-slate-800 dark:bg-slate-900">
                <div>
                    <h2 class="text-lg font-semibold">"Message texts"</h2>
                    <p class=HINT>"In braces, these are filled in for each booking: "<code class="font-mono">{placeholders}</code></p>
                </div>
                {texts.get_value().into_iter().map(|f| {
                    let title_field = format!("texts.{}.title", f.name);
                    let body_field = format!("texts.{}.body", f.name);
                    view! {
                        <fieldset class="grid gap-3 border-t border-slate-100 pt-4 first-of-type:border-0 first-of-type:pt-0 dark:border-slate-800" data-testid=format!("notify-text-{}", f.name)>
                            <legend class="sr-only">{f.label}</legend>
                            <label class=LABEL>
                                {format!("{}: title", f.label)}
                                <input type="text" class=INPUT maxlength="120" value=f.title.get_untracked() bind:value=f.title data-testid=format!("notify-{}-title", f.name)/>
                                {message(title_field)}
                            </label>
                            <label class=LABEL>
                                {format!("{}: message", f.label)}
                                <textarea class=INPUT rows="2" maxlength="500" prop:value=move || f.body.get() on:input=move |ev| f.body.set(event_target_value(&ev)) data-testid=format!("notify-{}-body", f.name)>{f.body.get_untracked()}</textarea>
                                {message(body_field)}
                            </label>
                        </fieldset>
                    }
                }).collect_view()}
            </section>
            <div class="flex justify-end gap-3">
                <button type="button" class=BUTTON_SECONDARY on:click=undo disabled=pending data-testid="notify-undo">"Undo changes"</button>
                <button type="submit" class=BUTTON_PRIMARY disabled=pending data-testid="notify-submit">
                    {move || if pending() { "Saving…" } else { "Save notifications" }}
                </button>
            </div>
        </form>
    }
}
