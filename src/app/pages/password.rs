//! The password pages, open to visitors who are not signed in: ask for a reset link
//! (`/forgot-password`), choose a new password from it (`/reset-password/<token>`), and set the first
//! password of an invited account (`/set-password?token=<token>`). Forms check with the server's own
//! rules (`Password`, `Email`) before sending; a spent or expired link says so and shows the way on.

use leptos::prelude::*;
use leptos_meta::{Meta, Title};
use leptos_router::hooks::{use_params_map, use_query_map};

use crate::app::components::{
    dialog::BUTTON_PRIMARY,
    form::{FieldErrors, FieldMessage, INPUT, LABEL},
    toast::{report, use_toasts},
};
use crate::app::server_fns::{
    check_new_password, password_setup_info, reset_link_status, ForgotPassword, ResetPassword, SetPassword,
};
use crate::shared::{
    errors::PortalError,
    identity::{Email, PASSWORD_RULES},
};

const CARD: &str = "mx-auto mt-10 max-w-sm rounded-lg border border-slate-200 bg-white p-6 shadow-sm dark:border-slate-800 dark:bg-slate-900";
const LINK: &str = "font-medium text-indigo-600 hover:underline dark:text-indigo-400";
const NOTICE_OK: &str =
    "mt-4 rounded-md bg-emerald-50 p-3 text-sm text-emerald-800 dark:bg-emerald-950 dark:text-emerald-300";
const NOTICE_BAD: &str =
    "mt-4 rounded-md bg-red-50 p-3 text-sm text-red-700 dark:bg-red-950 dark:text-red-300";
const CHECKING: &str = "mt-4 text-sm text-slate-500";

#[component]
pub fn ForgotPasswordPage() -> impl IntoView {
    let action = ServerAction::<ForgotPassword>::new();
    let email = RwSignal::new(String::new());
    let errors: FieldErrors = RwSignal::new(Vec::new());
    let sent = RwSignal::new(None::<String>);
    report(
        move || action.value().get(),
        Some(errors),
        move |message: String| sent.set(Some(message)),
    );
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let typed = email.get_untracked();
        match Email::parse(&typed) {
            Err(e) => errors.set(vec![e]),
            Ok(_) => {
                errors.set(Vec::new());
                action.dispatch(ForgotPassword { email: typed });
            }
        }
    };
    let pending = move || action.pending().get();
    view! {
        <Title text="Forgot password"/>
        <div class=CARD>
            <h1 class="text-xl font-bold">"Forgot your password?"</h1>
            <p class="mt-1 text-sm text-slate-600 dark:text-slate-400">
                "Enter the email you sign in with, and we will send you a link to choose a new password."
            </p>
            <form class="mt-6 space-y-4" on:submit=submit novalidate=true hidden=move || sent.with(Option::is_some) data-testid="forgot-form">
                <label class=LABEL>
                    "Email"
                    <input type="email" name="email" autocomplete="username" class=INPUT bind:value=email data-testid="forgot-email"/>
                    <FieldMessage errors field="email"/>
                </label>
                <button type="submit" class=format!("{BUTTON_PRIMARY} w-full") disabled=pending data-testid="forgot-submit">
                    {move || if pending() { "Sending…" } else { "Email me a link" }}
                </button>
            </form>
            // The same words for every address, known or not.
            <p role="status" class=NOTICE_OK hidden=move || sent.with(Option::is_none) data-testid="forgot-sent">
                {move || sent.get().unwrap_or_default()}
            </p>
            <p class="mt-6 text-sm">
                <a href="/login" class=LINK data-testid="back-to-login">"Back to sign in"</a>
            </p>
        </div>
    }
}

#[component]
pub fn ResetPasswordPage() -> impl IntoView {
    let params = use_params_map();
    let token = Memo::new(move |_| params.read().get("token").unwrap_or_default());
    // Checked (not spent) on arrival, so an old link says so before anyone types.
    let status = Resource::new(move || token.get(), reset_link_status);
    view! {
        <Title text="Choose a new password"/>
        // The token is in the address: never send it on to another site.
        <Meta name="referrer" content="no-referrer"/>
        <div class=CARD>
            <h1 class="text-xl font-bold">"Choose a new password"</h1>
            <Suspense fallback=|| view! { <p class=CHECKING>"Checking the link…"</p> }>
                {move || Suspend::new(async move {
                    match status.await {
                        Ok(()) => view! { <NewPassword token=token.get_untracked() kind=Kind::Reset/> }.into_any(),
                        Err(e) => view! {
                            <div role="alert" class=NOTICE_BAD data-testid="link-problem">
                                <LinkProblem message=e.message kind=Kind::Reset/>
                            </div>
                        }.into_any(),
                    }
                })}
            </Suspense>
        </div>
    }
}

#[component]
pub fn SetPasswordPage() -> impl IntoView {
    let query = use_query_map();
    let token = Memo::new(move |_| query.read().get("token").unwrap_or_default());
    let info = Resource::new(
        move || token.get(),
        |token: String| async move {
            if token.trim().is_empty() {
                return Err(PortalError::new(
                    400,
                    "This link is incomplete. Open it again from your invitation email.",
                ));
            }
            password_setup_info(token).await
        },
    );
    view! {
        <Title text="Set your password"/>
        <Meta name="referrer" content="no-referrer"/>
        <div class=CARD>
            <h1 class="text-xl font-bold">"Set your password"</h1>
            <Suspense fallback=|| view! { <p class=CHECKING>"Checking the link…"</p> }>
                {move || Suspend::new(async move {
                    match info.await {
                        Ok(email) => view! {
                            <p class="mt-1 text-sm text-slate-600 dark:text-slate-400" data-testid="setup-email">
                                "Setting the password for " <strong class="font-semibold">{email}</strong>
                            </p>
                            <NewPassword token=token.get_untracked() kind=Kind::Invite/>
                        }.into_any(),
                        Err(e) => view! {
                            <div role="alert" class=NOTICE_BAD data-testid="link-problem">
                                <LinkProblem message=e.message kind=Kind::Invite/>
                            </div>
                        }.into_any(),
                    }
                })}
            </Suspense>
        </div>
    }
}

/// Which emailed link the page serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Reset,
    Invite,
}

impl Kind {
    /// The password input's field, as the server names it in its errors.
    fn field(self) -> &'static str {
        match self {
            Self::Reset => "newPassword",
            Self::Invite => "password",
        }
    }

    fn done(self) -> &'static str {
        match self {
            Self::Reset => "Your password has been changed, and you have been signed out everywhere else.",
            Self::Invite => "Your password is set. Welcome to Pulse.",
        }
    }
}

/// What to do about a link that no longer works.
#[component]
fn LinkProblem(#[prop(into)] message: Signal<String>, kind: Kind) -> impl IntoView {
    view! {
        <p data-testid="link-problem-message">{move || message.get()}</p>
        <p class="mt-2">
            {match kind {
                Kind::Reset => view! { <a href="/forgot-password" class=LINK data-testid="link-retry">"Ask for a new link"</a> }.into_any(),
                Kind::Invite => view! { <span>"Ask the person who invited you for a new invitation."</span> }.into_any(),
            }}
        </p>
        <p class="mt-1">
            <a href="/login" class=LINK data-testid="link-login">"Go to sign in"</a>
        </p>
    }
}

/// The new password, twice. Checked in the browser by the server's rules, then sent with the token.
#[component]
fn NewPassword(token: String, kind: Kind) -> impl IntoView {
    let toasts = use_toasts();
    let reset = ServerAction::<ResetPassword>::new();
    let set = ServerAction::<SetPassword>::new();
    let token = StoredValue::new(token);
    let password = RwSignal::new(String::new());
    let confirm = RwSignal::new(String::new());
    let errors: FieldErrors = RwSignal::new(Vec::new());
    let done = RwSignal::new(false);
    let problem = RwSignal::new(None::<String>);
    let field = kind.field();
    let pending = move || match kind {
        Kind::Reset => reset.pending().get(),
        Kind::Invite => set.pending().get(),
    };
    Effect::new(move |_| {
        let result = match kind {
            Kind::Reset => reset.value().get(),
            Kind::Invite => set.value().get(),
        };
        match result {
            None => {}
            Some(Ok(())) => {
                errors.set(Vec::new());
                done.set(true);
            }
            Some(Err(e)) if !e.errors.is_empty() => errors.set(e.errors),
            // Spent or expired since the page opened: the form can do nothing more.
            Some(Err(e)) if e.status == 400 || e.status == 404 => problem.set(Some(e.message)),
            Some(Err(e)) => toasts.err(e.message),
        }
    });
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let (new, again) = (password.get_untracked(), confirm.get_untracked());
        let list = check_new_password(field, &new, &again);
        if !list.is_empty() {
            errors.set(list);
            return;
        }
        errors.set(Vec::new());
        let token = token.get_value();
        match kind {
            Kind::Reset => {
                reset.dispatch(ResetPassword {
                    token,
                    new_password: new,
                    confirm: again,
                });
            }
            Kind::Invite => {
                set.dispatch(SetPassword {
                    token,
                    password: new,
                    confirm: again,
                });
            }
        }
    };
    let finished = move || done.get() || problem.with(Option::is_some);
    view! {
        <form class="mt-6 space-y-4" on:submit=submit novalidate=true hidden=finished data-testid="password-form">
            <p id="password-rules" class="rounded-md bg-slate-50 p-3 text-xs text-slate-600 dark:bg-slate-800 dark:text-slate-300">
                {PASSWORD_RULES}
            </p>
            <label class=LABEL>
                "New password"
                <input type="password" autocomplete="new-password" class=INPUT aria-describedby="password-rules" bind:value=password data-testid="password-new"/>
                <FieldMessage errors field=field/>
            </label>
            <label class=LABEL>
                "Repeat it"
                <input type="password" autocomplete="new-password" class=INPUT bind:value=confirm data-testid="password-confirm"/>
                <FieldMessage errors field="confirm"/>
            </label>
            <button type="submit" class=format!("{BUTTON_PRIMARY} w-full") disabled=pending data-testid="password-submit">
                {move || if pending() { "Saving…" } else { "Save password" }}
            </button>
        </form>
        <div role="status" class=NOTICE_OK hidden=move || !done.get() data-testid="password-done">
            <p>{kind.done()}</p>
            <p class="mt-2">
                <a href="/login" class=LINK data-testid="password-sign-in">"Sign in with your new password"</a>
            </p>
        </div>
        <div role="alert" class=NOTICE_BAD hidden=move || problem.with(Option::is_none) data-testid="link-problem">
            <LinkProblem message=Signal::derive(move || problem.get().unwrap_or_default()) kind/>
        </div>
    }
}
