//! Modal dialogs on the native `<dialog>` element: `showModal()` makes the rest of the page inert
//! (focus stays inside), Esc closes it, and focus returns to where it was. No focus-trap script.

use leptos::{html, prelude::*};

/// A modal with a title; its content decides the buttons. `open` shows and hides it.
#[component]
pub fn Modal(
    open: RwSignal<bool>,
    #[prop(into)] title: Signal<String>,
    #[prop(optional, into)] test_id: &'static str,
    children: ChildrenFn,
) -> impl IntoView {
    let dialog = NodeRef::<html::Dialog>::new();
    Effect::new(move |_| {
        let want = open.get();
        #[cfg(feature = "hydrate")]
        if let Some(el) = dialog.get() {
            if want && !el.open() {
                let _ = el.show_modal();
            } else if !want && el.open() {
                el.close();
            }
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = (want, dialog);
    });
    view! {
        <dialog
            node_ref=dialog
            class="w-full max-w-lg rounded-lg border border-slate-200 bg-white p-0 text-slate-900 shadow-xl backdrop:bg-slate-900/50 dark:border-slate-700 dark:bg-slate-900 dark:text-slate-100"
            aria-labelledby=format!("{test_id}-title")
            data-testid=test_id
            // Esc, or `close()` from the effect: keep the signal in step.
            on:close=move |_| open.set(false)
        >
            <div class="p-6">
                <h2 id=format!("{test_id}-title") class="text-lg font-semibold">{move || title.get()}</h2>
                // The content is built only while open, so its form starts fresh each time.
                <Show when=move || open.get()>{children()}</Show>
            </div>
        </dialog>
    }
}

/// Asks before a destructive action. `on_confirm` runs the action; the dialog closes itself when
/// `pending` turns false again.
#[component]
pub fn ConfirmDialog(
    open: RwSignal<bool>,
    #[prop(into)] title: Signal<String>,
    #[prop(into)] message: Signal<String>,
    #[prop(into)] confirm_label: String,
    #[prop(into)] pending: Signal<bool>,
    on_confirm: Callback<()>,
    #[prop(optional, into)] test_id: &'static str,
) -> impl IntoView {
    let confirm_label = StoredValue::new(confirm_label);
    view! {
        <Modal open title test_id>
            <p class="mt-2 text-sm text-slate-600 dark:text-slate-400">{move || message.get()}</p>
            <div class="mt-6 flex justify-end gap-3">
                <button type="button" class=BUTTON_SECONDARY on:click=move |_| open.set(false) data-testid="dialog-cancel">
                    "Cancel"
                </button>
                <button
                    type="button"
                    class=BUTTON_DANGER
                    disabled=move || pending.get()
                    on:click=move |_| on_confirm.run(())
                    data-testid="dialog-confirm"
                >
                    {move || if pending.get() { "Working…".to_owned() } else { confirm_label.get_value() }}
                </button>
            </div>
        </Modal>
    }
}

pub const BUTTON_PRIMARY: &str = "inline-flex items-center justify-center rounded-md bg-indigo-600 px-4 py-2 text-sm font-semibold text-white shadow-sm hover:bg-indigo-500 disabled:cursor-wait disabled:opacity-60";
pub const BUTTON_SECONDARY: &str = "inline-flex items-center justify-center rounded-md border border-slate-300 bg-white px-4 py-2 text-sm font-medium text-slate-700 hover:bg-slate-50 disabled:opacity-60 dark:border-slate-600 dark:bg-slate-800 dark:text-slate-100 dark:hover:bg-slate-700";
pub const BUTTON_DANGER: &str = "inline-flex items-center justify-center rounded-md bg-red-600 px-4 py-2 text-sm font-semibold text-white shadow-sm hover:bg-red-500 disabled:cursor-wait disabled:opacity-60";
pub const BUTTON_SMALL: &str = "rounded px-2 py-1 text-xs font-medium text-indigo-700 hover:bg-indigo-50 disabled:opacity-50 dark:text-indigo-300 dark:hover:bg-indigo-950";
pub const BUTTON_SMALL_DANGER: &str = "rounded px-2 py-1 text-xs font-medium text-red-700 hover:bg-red-50 disabled:opacity-50 dark:text-red-300 dark:hover:bg-red-950";
