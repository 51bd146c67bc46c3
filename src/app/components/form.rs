//! Form pieces shared by every page: the input style, field-level messages (from the shared
//! parsers on the client, or from the server), and the pager.

use leptos::prelude::*;
use leptos_router::components::A;

use crate::shared::{
    errors::{FieldError, PortalError},
    paging::Pagination,
};

pub const INPUT: &str = "mt-1 block w-full rounded-md border border-slate-300 bg-white px-3 py-2 text-sm shadow-sm focus:border-indigo-500 focus:outline-none focus:ring-1 focus:ring-indigo-500 dark:border-slate-700 dark:bg-slate-900";
pub const LABEL: &str = "block text-sm font-medium";
/// Help under a field.
pub const HINT: &str = "mt-1 text-xs text-slate-600 dark:text-slate-400";

/// A form's field errors: filled by the client-side parse before sending, or by the server's answer.
pub type FieldErrors = RwSignal<Vec<FieldError>>;

/// The message for `field`, if there is one, under its input.
#[component]
pub fn FieldMessage(errors: FieldErrors, field: &'static str) -> impl IntoView {
    move || {
        errors.with(|list| {
            list.iter().find(|e| e.field == field).map(|e| {
                view! {
                    <p class="mt-1 text-sm text-red-600 dark:text-red-400" data-testid=format!("error-{field}")>
                        {e.message.clone()}
                    </p>
                }
            })
        })
    }
}

/// Previous / next links and "a–b of n". Links carry the page in the query string, so they work
/// without JavaScript and the back button goes back a page.
#[component]
pub fn Pager(pagination: Pagination, href: impl Fn(u64) -> String + 'static) -> impl IntoView {
    let Pagination {
        page,
        limit,
        total,
        pages,
    } = pagination;
    let first = if total == 0 { 0 } else { (page - 1) * limit + 1 };
    let last = (page * limit).min(total);
    let link = "rounded-md border border-slate-300 px-3 py-1.5 text-sm hover:bg-slate-50 dark:border-slate-700 dark:hover:bg-slate-800";
    let off = "rounded-md border border-slate-200 px-3 py-1.5 text-sm text-slate-400 dark:border-slate-800";
    view! {
        <nav class="mt-4 flex items-center justify-between" aria-label="Pages" data-testid="pager">
            <p class="text-sm text-slate-600 dark:text-slate-400" data-testid="pager-status">
                {format!("{first}–{last} of {total}")}
            </p>
            <div class="flex gap-2">
                {if page > 1 {
                    view! { <A href=href(page - 1) attr:class=link attr:rel="prev" attr:data-testid="pager-prev">"Previous"</A> }.into_any()
                } else {
                    view! { <span class=off aria-disabled="true">"Previous"</span> }.into_any()
                }}
                {if page < pages {
                    view! { <A href=href(page + 1) attr:class=link attr:rel="next" attr:data-testid="pager-next">"Next"</A> }.into_any()
                } else {
                    view! { <span class=off aria-disabled="true">"Next"</span> }.into_any()
                }}
            </div>
        </nav>
    }
}

/// Why a filtered list did not load: the refused filters, named, or the error itself.
pub fn list_problem(what: &str, e: &PortalError) -> String {
    if e.errors.is_empty() {
        format!("Could not load {what}: {}", e.message)
    } else {
        let fields: Vec<&str> = e.errors.iter().map(|f| f.message.as_str()).collect();
        format!("Check the filters: {}", fields.join(" "))
    }
}

/// A red box for an error that belongs to no field (or a failed load).
#[component]
pub fn Alert(#[prop(into)] message: String) -> impl IntoView {
    view! {
        <p role="alert" class="rounded-md bg-red-50 p-4 text-sm text-red-700 dark:bg-red-950 dark:text-red-300" data-testid="alert">
            {message}
        </p>
    }
}

/// What a list says when it has nothing to show.
#[component]
pub fn Empty(#[prop(into)] message: String) -> impl IntoView {
    view! { <p class="px-4 py-10 text-center text-sm text-slate-500" data-testid="empty">{message}</p> }
}

/// A skeleton block while a page loads (fixed height, so nothing jumps when the data arrives).
#[component]
pub fn Loading(#[prop(optional)] label: &'static str) -> impl IntoView {
    view! {
        <div class="animate-pulse space-y-3" aria-busy="true" aria-label=if label.is_empty() { "Loading" } else { label }>
            <div class="h-8 rounded bg-slate-200 dark:bg-slate-800"></div>
            <div class="h-64 rounded bg-slate-100 dark:bg-slate-900"></div>
        </div>
    }
}
