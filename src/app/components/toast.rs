//! Toasts: short messages after an action, read out by screen readers (`aria-live`), gone after a
//! few seconds or when dismissed.

use leptos::prelude::*;

use super::form::FieldErrors;
use crate::shared::errors::PortalError;

#[derive(Debug, Clone, PartialEq)]
struct Toast {
    id: u64,
    ok: bool,
    text: String,
}

/// The page's toasts; `provide` once in the layout, then `use_toasts()` anywhere below.
#[derive(Debug, Clone, Copy)]
pub struct Toasts {
    list: RwSignal<Vec<Toast>>,
    next: StoredValue<u64>,
}

impl Toasts {
    pub fn provide() -> Self {
        let toasts = Self {
            list: RwSignal::new(Vec::new()),
            next: StoredValue::new(0),
        };
        provide_context(toasts);
        toasts
    }

    pub fn ok(&self, text: impl Into<String>) {
        self.push(true, text.into());
    }

    pub fn err(&self, text: impl Into<String>) {
        self.push(false, text.into());
    }

    fn push(&self, ok: bool, text: String) {
        let id = self.next.get_value();
        self.next.set_value(id + 1);
        self.list.update(|l| l.push(Toast { id, ok, text }));
        #[cfg(feature = "hydrate")]
        {
            let list = self.list;
            set_timeout(
                move || list.update(|l| l.retain(|t| t.id != id)),
                std::time::Duration::from_secs(if ok { 4 } else { 8 }),
            );
        }
    }

    fn dismiss(&self, id: u64) {
        self.list.update(|l| l.retain(|t| t.id != id));
    }
}

pub fn use_toasts() -> Toasts {
    use_context::<Toasts>().unwrap_or_else(Toasts::provide)
}

#[component]
pub fn ToastRegion() -> impl IntoView {
    let toasts = use_toasts();
    view! {
        <div class="pointer-events-none fixed bottom-4 right-4 z-50 flex w-80 flex-col gap-2" aria-live="polite" role="status">
            <For each=move || toasts.list.get() key=|t| t.id let:t>
                <div
                    class="pointer-events-auto flex items-start gap-3 rounded-md px-4 py-3 text-sm shadow-lg"
                    class=(["bg-emerald-600", "text-white"], t.ok)
                    class=(["bg-red-600", "text-white"], !t.ok)
                    data-testid=if t.ok { "toast-ok" } else { "toast-error" }
                >
                    <span class="flex-1">{t.text.clone()}</span>
                    <button type="button" class="opacity-80 hover:opacity-100" aria-label="Dismiss" on:click=move |_| toasts.dismiss(t.id)>
                        "×"
                    </button>
                </div>
            </For>
        </div>
    }
}

/// Reports an action's result the same way on every page: success runs `on_ok`; a failure puts its
/// field messages under the form's inputs (when the form has `errors`) and anything else in a toast.
/// `result` is read reactively, e.g. `move || action.value().get()`.
pub fn report<O: 'static>(
    result: impl Fn() -> Option<Result<O, PortalError>> + 'static,
    errors: Option<FieldErrors>,
    on_ok: impl Fn(O) + 'static,
) {
    let toasts = use_toasts();
    Effect::new(move |_| match result() {
        None => {}
        Some(Ok(value)) => on_ok(value),
        Some(Err(e)) => match errors {
            Some(fields) if !e.errors.is_empty() => fields.set(e.errors),
            Some(fields) => {
                toasts.err(e.message);
                fields.set(Vec::new());
            }
            None => toasts.err(e.message),
        },
    });
}
