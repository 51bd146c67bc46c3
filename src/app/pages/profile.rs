//! One's own profile (name, phone, address, picture) and password, for anyone signed in. Both forms
//! check in the browser with the shared parsers first. Changing the password ends one's other
//! sign-ins; this one stays.

use leptos::prelude::*;
use leptos_meta::Title;

use crate::app::components::{
    dialog::BUTTON_PRIMARY,
    form::{Alert, FieldErrors, FieldMessage, Loading, INPUT, LABEL},
    guard::Guarded,
    image_field::ImageField,
    toast::{report, use_toasts},
};
use crate::app::server_fns::{load_profile, ChangeOwnPassword, SaveProfile};
use crate::shared::{
    errors::{FieldError, PortalError},
    identity::PASSWORD_RULES,
    media::Folder,
    permissions::Permission,
    profile::{initials, is_image_url, PasswordForm, ProfileForm, ProfileView},
};

/// Every signed-in user has a profile.
const EVERYONE: &[Permission] = &[];

const NOT_SAVED: &str = "Not saved: check the marked fields";

#[component]
pub fn ProfilePage() -> impl IntoView {
    view! {
        <Title text="Your profile"/>
        <Guarded any_of=EVERYONE>
            <Profile/>
        </Guarded>
    }
}

#[component]
fn Profile() -> impl IntoView {
    let data = Resource::new(|| (), |_| load_profile());
    view! {
        <div class="mx-auto max-w-3xl space-y-6">
            <h1 class="text-2xl font-bold tracking-tight">"Your profile"</h1>
            <Transition fallback=|| view! { <Loading/> }>
                {move || Suspend::new(async move {
                    match data.await {
                        Ok(p) => view! { <ProfileEditor profile=p/> <PasswordEditor/> }.into_any(),
                        Err(e) => view! { <Alert message=format!("Could not load your profile: {}", e.message)/> }.into_any(),
                    }
                })}
            </Transition>
        </div>
    }
}

/// Toasts a server refusal that came with field messages (`report` puts those under the inputs).
fn toast_field_refusal(refused: impl Fn() -> bool + 'static) {
    let toasts = use_toasts();
    Effect::new(move |_| {
        if refused() {
            toasts.err(NOT_SAVED);
        }
    });
}

fn has_field_errors<O>(result: &Option<Result<O, PortalError>>) -> bool {
    matches!(result, Some(Err(e)) if !e.errors.is_empty())
}

const CARD: &str =
    "rounded-lg border border-slate-200 bg-white p-6 shadow-sm dark:border-slate-800 dark:bg-slate-900";

#[component]
fn ProfileEditor(profile: ProfileView) -> impl IntoView {
    let toasts = use_toasts();
    let initial = ProfileForm::from_view(&profile);
    let name = RwSignal::new(initial.name.clone());
    let phone = RwSignal::new(initial.phone.clone());
    let address = RwSignal::new(initial.address.clone());
    let avatar = RwSignal::new(initial.profile_image_url.clone());
    // The picture previews once the URL is entered, not at every keystroke (each would fetch).
    let preview = RwSignal::new(initial.profile_image_url.clone());
    let errors: FieldErrors = RwSignal::new(Vec::new());
    let save = ServerAction::<SaveProfile>::new();
    report(
        move || save.value().get(),
        Some(errors),
        move |p: ProfileView| {
            errors.set(Vec::new());
            // Show what was stored (trimmed, cleared fields empty).
            let f = ProfileForm::from_view(&p);
            name.set(f.name);
            phone.set(f.phone);
            address.set(f.address);
            avatar.set(f.profile_image_url.clone());
            preview.set(f.profile_image_url);
            toasts.ok("Profile saved");
        },
    );
    toast_field_refusal(move || save.value().with(has_field_errors));
    let pending = move || save.pending().get();
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let form = ProfileForm {
            name: name.get_untracked(),
            phone: phone.get_untracked(),
            address: address.get_untracked(),
            profile_image_url: avatar.get_untracked(),
        };
        match form.parse() {
            Err(list) => {
                errors.set(list);
                toasts.err(NOT_SAVED);
            }
            Ok(_) => {
                errors.set(Vec::new());
                save.dispatch(SaveProfile { form });
            }
        }
    };
    // Only a URL the server would accept is previewed; the initials stand in otherwise.
    let has_picture = move || preview.with(|u| is_image_url(u.trim()));

    // `bind:value` sets a property, which the server does not render: `value` shows the profile
    // before the page hydrates (and without JavaScript).
    view! {
        <section class=CARD aria-labelledby="profile-heading">
            <div class="mb-6 flex items-center gap-4">
                <img
                    src=move || preview.with(|u| u.trim().to_owned())
                    alt=""
                    width="64"
                    height="64"
                    class="h-16 w-16 rounded-full object-cover"
                    class:hidden=move || !has_picture()
                    hidden=move || !has_picture()
                    data-testid="profile-avatar-preview"
                />
                <span
                    class="flex h-16 w-16 items-center justify-center rounded-full bg-indigo-100 text-xl font-semibold text-indigo-700 dark:bg-indigo-950 dark:text-indigo-300"
                    class:hidden=has_picture
                    hidden=has_picture
                    aria-hidden="true"
                    data-testid="profile-initials"
                >
                    {move || name.with(|n| initials(n))}
                </span>
                <div>
                    <h2 id="profile-heading" class="text-lg font-semibold" data-testid="profile-name">{move || name.get()}</h2>
                    <p class="text-sm text-slate-600 dark:text-slate-400">{format!("{} · {}", profile.email, profile.role)}</p>
                </div>
            </div>
            <form class="grid gap-4 sm:grid-cols-2" on:submit=submit novalidate=true data-testid="profile-form">
                <label class=format!("{LABEL} sm:col-span-2")>
                    "Name"
                    <input type="text" class=INPUT autocomplete="name" maxlength="255" value=initial.name bind:value=name data-testid="profile-form-name"/>
                    <FieldMessage errors field="name"/>
                </label>
                <label class=format!("{LABEL} sm:col-span-2")>
                    "Email"
                    <input type="email" class=format!("{INPUT} bg-slate-100 text-slate-500 dark:bg-slate-800") value=profile.email.clone() readonly=true aria-describedby="profile-email-note" data-testid="profile-form-email"/>
                    <p id="profile-email-note" class="mt-1 text-xs text-slate-500">"Your sign-in email cannot be changed here."</p>
                </label>
                <label class=LABEL>
                    "Phone"
                    <input type="tel" class=INPUT autocomplete="tel" placeholder="+44 20 7946 0000" value=initial.phone bind:value=phone data-testid="profile-form-phone"/>
                    <FieldMessage errors field="phone"/>
                </label>
                <label class=LABEL>
                    "Address"
                    <input type="text" class=INPUT autocomplete="street-address" maxlength="500" value=initial.address bind:value=address data-testid="profile-form-address"/>
                    <FieldMessage errors field="address"/>
                </label>
                <ImageField
                    label="Picture"
                    value=avatar
                    folder=Folder::Profiles
                    errors=errors
                    field="profileImageUrl"
                    class="sm:col-span-2"
                    round=true
                    test_id="profile-form-avatar"
                    on_settled=Callback::new(move |url| preview.set(url))
                />
                <div class="flex justify-end sm:col-span-2">
                    <button type="submit" class=BUTTON_PRIMARY disabled=pending data-testid="profile-form-submit">
                        {move || if pending() { "Saving…" } else { "Save profile" }}
                    </button>
                </div>
            </form>
        </section>
    }
}

/// The change-password form; `on_changed` runs after a successful change.
#[component]
pub fn PasswordEditor(#[prop(optional)] on_changed: Option<Callback<()>>) -> impl IntoView {
    let toasts = use_toasts();
    let current = RwSignal::new(String::new());
    let new = RwSignal::new(String::new());
    let confirm = RwSignal::new(String::new());
    let errors: FieldErrors = RwSignal::new(Vec::new());
    let change = ServerAction::<ChangeOwnPassword>::new();
    report(
        move || change.value().get(),
        Some(errors),
        move |()| {
            errors.set(Vec::new());
            for field in [current, new, confirm] {
                field.set(String::new());
            }
            toasts.ok("Password changed. Your other sign-ins have ended.");
            if let Some(done) = on_changed {
                done.run(());
            }
        },
    );
    toast_field_refusal(move || change.value().with(has_field_errors));
    let pending = move || change.pending().get();
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let form = PasswordForm {
            current_password: current.get_untracked(),
            new_password: new.get_untracked(),
        };
        let mut list = form.parse().err().unwrap_or_default();
        if confirm.with_untracked(|c| *c != form.new_password) {
            list.push(FieldError::new("confirm", "The two passwords do not match"));
        }
        if list.is_empty() {
            errors.set(Vec::new());
            change.dispatch(ChangeOwnPassword { form });
        } else {
            errors.set(list);
            toasts.err(NOT_SAVED);
        }
    };
    view! {
        <section class=CARD aria-labelledby="password-heading">
            <h2 id="password-heading" class="text-lg font-semibold">"Change password"</h2>
            <p class="mt-1 text-sm text-slate-600 dark:text-slate-400">
                {format!("{PASSWORD_RULES}. You stay signed in here; everywhere else you will be asked to sign in again.")}
            </p>
            <form class="mt-4 grid gap-4 sm:grid-cols-2" on:submit=submit novalidate=true data-testid="password-form">
                <label class=format!("{LABEL} sm:col-span-2")>
                    "Current password"
                    <input type="password" class=INPUT autocomplete="current-password" bind:value=current data-testid="password-current"/>
                    <FieldMessage errors field="currentPassword"/>
                </label>
                <label class=LABEL>
                    "New password"
                    <input type="password" class=INPUT autocomplete="new-password" bind:value=new data-testid="password-new"/>
                    <FieldMessage errors field="newPassword"/>
                </label>
                <label class=LABEL>
                    "New password again"
                    <input type="password" class=INPUT autocomplete="new-password" bind:value=confirm data-testid="password-confirm"/>
                    <FieldMessage errors field="confirm"/>
                </label>
                <div class="flex justify-end sm:col-span-2">
                    <button type="submit" class=BUTTON_PRIMARY disabled=pending data-testid="password-submit">
                        {move || if pending() { "Changing…" } else { "Change password" }}
                    </button>
                </div>
            </form>
        </section>
    }
}
