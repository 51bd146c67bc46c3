//! An image field: drop a picture on it or choose a file, and it is uploaded at once (through
//! `upload_image`, to `folder`) and previewed; the URL input below stays for outside images. The
//! form it sits in saves the URL as before, so nothing else changes for the page.

use leptos::prelude::*;

use super::{
    dialog::BUTTON_SMALL_DANGER,
    form::{FieldErrors, FieldMessage, HINT, INPUT, LABEL},
};
use crate::shared::{media::Folder, profile::is_image_url};

/// Where an upload stands. (Only the browser sends files, so the server never fails one.)
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
enum Upload {
    Idle,
    Sending,
    Failed(String),
}

/// ```ignore
/// <ImageField label="Image" value=image folder=Folder::Services errors=Some(errors) field="imageUrl" test_id="service-form-image"/>
/// <ImageField label="Photo" value=image folder=Folder::Experts round=true/>
/// ```
#[component]
pub fn ImageField(
    label: &'static str,
    /// The image's URL: set by an upload, or typed.
    value: RwSignal<String>,
    folder: Folder,
    /// The form's field errors; `field` names this one.
    #[prop(optional)]
    errors: Option<FieldErrors>,
    #[prop(optional)] field: &'static str,
    #[prop(optional)] class: &'static str,
    /// The URL input's test id; the drop zone, file input, preview and upload error get it with
    /// `-drop`, `-file`, `-preview` and `-upload-error` after it.
    #[prop(optional)]
    test_id: &'static str,
    /// A round preview (a person's photo).
    #[prop(optional)]
    round: bool,
    /// Runs when the URL settles (an upload, a removal, or the URL input left): the page may
    /// preview it elsewhere.
    #[prop(optional)]
    on_settled: Option<Callback<String>>,
) -> impl IntoView {
    let state = RwSignal::new(Upload::Idle);
    let dragging = RwSignal::new(false);
    // The preview follows the URL once it settles, not at every keystroke (each would fetch).
    let settled = RwSignal::new(value.get_untracked());
    let settle = move |url: String| {
        settled.set(url.clone());
        if let Some(cb) = on_settled {
            cb.run(url);
        }
    };
    // While a file is on its way, its local copy is shown.
    let local_preview = RwSignal::new(None::<String>);
    let shown = move || {
        local_preview
            .get()
            .or_else(|| Some(settled.get().trim().to_owned()).filter(|u| is_image_url(u)))
    };
    let id = move |suffix: &str| (!test_id.is_empty()).then(|| format!("{test_id}-{suffix}"));
    let done = Callback::new(settle);
    let send = move |file: Option<Picked>| {
        if let Some(file) = file {
            start_upload(file, folder, value, state, local_preview, done);
        }
    };
    let preview_shape = if round { "rounded-full" } else { "rounded-md" };
    // The field is a group named by its label; its file input says what it is for.
    let (label_id, group_label) = (id("label"), id("label"));
    view! {
        <div class=format!("block {class}") role="group" aria-labelledby=group_label>
            <span class=LABEL id=label_id>{label}</span>
            <div
                class="mt-1 flex items-center gap-4 rounded-md border-2 border-dashed p-3 transition-colors"
                class=("border-indigo-500", move || dragging.get())
                class=("bg-indigo-50", move || dragging.get())
                class=("dark:bg-indigo-950", move || dragging.get())
                class=("border-slate-300", move || !dragging.get())
                class=("dark:border-slate-700", move || !dragging.get())
                aria-busy=move || (state.get() == Upload::Sending).then_some("true")
                data-testid=id("drop")
                on:dragover=move |ev: leptos::ev::DragEvent| {
                    ev.prevent_default();
                    dragging.set(true);
                }
                on:dragleave=move |_| dragging.set(false)
                on:drop=move |ev: leptos::ev::DragEvent| {
                    ev.prevent_default();
                    dragging.set(false);
                    // One upload at a time: a second could finish first and be overwritten.
                    if state.get_untracked() != Upload::Sending {
                        send(dropped_file(&ev));
                    }
                }
            >
                <div class=format!("flex h-20 w-20 shrink-0 items-center justify-center overflow-hidden bg-slate-100 text-slate-500 dark:bg-slate-800 dark:text-slate-400 {preview_shape}")>
                    {move || match shown() {
                        Some(src) => view! {
                            <img src=src alt="" width="80" height="80" class="h-full w-full object-cover" data-testid=id("preview")/>
                        }.into_any(),
                        None => view! { <span class="text-xs">"No image"</span> }.into_any(),
                    }}
                </div>
                <div class="min-w-0 flex-1 text-sm">
                    <p class="text-slate-600 dark:text-slate-300">
                        "Drop an image here, or "
                        <label class="cursor-pointer font-medium text-indigo-600 focus-within:underline hover:underline dark:text-indigo-400">
                            "choose a file"
                            <input
                                type="file"
                                class="sr-only"
                                accept="image/jpeg,image/png,image/webp,image/gif"
                                aria-label=format!("Choose a file for {label}")
                                data-testid=id("file")
                                disabled=move || state.get() == Upload::Sending
                                on:change=move |ev| send(chosen_file(&ev))
                            />
                        </label>
                    </p>
                    <p class=HINT>"JPEG, PNG, WebP or GIF, at most 5 MB."</p>
                    {move || match state.get() {
                        Upload::Idle => None,
                        Upload::Sending => Some(view! {
                            <p class="mt-1 text-sm text-slate-600 dark:text-slate-300" role="status">"Uploading…"</p>
                        }.into_any()),
                        Upload::Failed(message) => Some(view! {
                            <p class="mt-1 text-sm text-red-600 dark:text-red-400" role="alert" data-testid=id("upload-error")>{message}</p>
                        }.into_any()),
                    }}
                </div>
                <button
                    type="button"
                    class=BUTTON_SMALL_DANGER
                    hidden=move || value.with(|v| v.trim().is_empty())
                    data-testid=id("remove")
                    on:click=move |_| {
                        value.set(String::new());
                        state.set(Upload::Idle);
                        settle(String::new());
                    }
                >
                    "Remove"
                </button>
            </div>
            <label class="mt-2 block text-xs text-slate-600 dark:text-slate-400">
                "Or the address of an image elsewhere"
                <input
                    type="url"
                    class=INPUT
                    placeholder="https://…"
                    prop:value=move || value.get()
                    value=value.get_untracked()
                    data-testid=(!test_id.is_empty()).then_some(test_id)
                    on:input=move |ev| value.set(event_target_value(&ev))
                    on:change=move |ev| settle(event_target_value(&ev))
                />
            </label>
            {errors.map(|errors| view! { <FieldMessage errors field/> })}
        </div>
    }
}

/// The picked file, in the browser.
#[cfg(feature = "hydrate")]
type Picked = web_sys::File;
#[cfg(not(feature = "hydrate"))]
type Picked = ();

#[cfg(feature = "hydrate")]
fn chosen_file(ev: &leptos::ev::Event) -> Option<Picked> {
    use wasm_bindgen::JsCast;
    let input: web_sys::HtmlInputElement = ev.target()?.dyn_into().ok()?;
    let file = input.files()?.get(0);
    // The same file chosen again should upload again.
    input.set_value("");
    file
}

#[cfg(not(feature = "hydrate"))]
fn chosen_file(_: &leptos::ev::Event) -> Option<Picked> {
    None
}

#[cfg(feature = "hydrate")]
fn dropped_file(ev: &leptos::ev::DragEvent) -> Option<Picked> {
    ev.data_transfer()?.files()?.get(0)
}

#[cfg(not(feature = "hydrate"))]
fn dropped_file(_: &leptos::ev::DragEvent) -> Option<Picked> {
    None
}

/// Checks the size here (the server checks everything again), shows the local copy, sends the
/// file, then puts the stored URL in the field.
#[cfg(feature = "hydrate")]
fn start_upload(
    file: Picked,
    folder: Folder,
    value: RwSignal<String>,
    state: RwSignal<Upload>,
    local_preview: RwSignal<Option<String>>,
    done: Callback<String>,
) {
    use crate::app::server_fns::upload_image;
    if file.size() > crate::shared::media::MAX_UPLOAD_BYTES as f64 {
        state.set(Upload::Failed(format!(
            "{} is {:.1} MB; images of at most 5 MB are accepted.",
            file.name(),
            file.size() / 1_048_576.0
        )));
        return;
    }
    let Ok(form) = web_sys::FormData::new() else {
        state.set(Upload::Failed("This browser cannot send files.".into()));
        return;
    };
    if form.append_with_str("folder", folder.as_str()).is_err()
        || form
            .append_with_blob_and_filename("image", &file, &file.name())
            .is_err()
    {
        state.set(Upload::Failed("This browser cannot send files.".into()));
        return;
    }
    let object_url = web_sys::Url::create_object_url_with_blob(&file).ok();
    local_preview.set(object_url.clone());
    state.set(Upload::Sending);
    leptos::task::spawn_local(async move {
        match upload_image(form.into()).await {
            // The form may be gone by now (a dialog closed, a page left): `try_` does nothing then.
            Ok(stored) => {
                value.try_set(stored.image_url.clone());
                state.try_set(Upload::Idle);
                done.try_run(stored.image_url);
            }
            Err(e) => {
                state.try_set(Upload::Failed(
                    e.field("image").map(str::to_owned).unwrap_or(e.message),
                ));
            }
        }
        local_preview.try_set(None);
        if let Some(url) = object_url {
            let _ = web_sys::Url::revoke_object_url(&url);
        }
    });
}

#[cfg(not(feature = "hydrate"))]
fn start_upload(
    _: Picked,
    _: Folder,
    _: RwSignal<String>,
    _: RwSignal<Upload>,
    _: RwSignal<Option<String>>,
    _: Callback<String>,
) {
}
