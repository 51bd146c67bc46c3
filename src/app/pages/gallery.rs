//! The gallery the app shows (`GET /api/v1/gallery`): add a picture (uploaded or by address) with
//! a caption, put them in order, hide one for a while, or remove it. A removed picture's upload
//! goes with the next sweep once nothing else uses it.

use leptos::prelude::*;
use leptos_meta::Title;
use uuid::Uuid;

use crate::app::components::{
    dialog::{ConfirmDialog, Modal, BUTTON_PRIMARY, BUTTON_SECONDARY, BUTTON_SMALL, BUTTON_SMALL_DANGER},
    form::{Alert, Empty, FieldErrors, FieldMessage, Loading, INPUT, LABEL},
    guard::Guarded,
    image_field::ImageField,
    toast::{report, use_toasts},
};
use crate::app::server_fns::{
    load_gallery, AddGalleryPicture, MoveGalleryPicture, RemoveGalleryPicture, UpdateGalleryPicture,
};
use crate::shared::{
    media::{Folder, GalleryForm, GalleryItem},
    permissions::Permission,
};

#[component]
pub fn GalleryPage() -> impl IntoView {
    view! {
        <Title text="Gallery"/>
        <Guarded any_of=&[Permission::OffersManage]>
            <Gallery/>
        </Guarded>
    }
}

#[component]
fn Gallery() -> impl IntoView {
    let toasts = use_toasts();
    let add = ServerAction::<AddGalleryPicture>::new();
    let update = ServerAction::<UpdateGalleryPicture>::new();
    let shift = ServerAction::<MoveGalleryPicture>::new();
    let remove = ServerAction::<RemoveGalleryPicture>::new();
    let pictures = Resource::new(
        move || {
            (
                add.version().get(),
                update.version().get(),
                shift.version().get(),
                remove.version().get(),
            )
        },
        |_| load_gallery(),
    );
    report(move || shift.value().get(), None, |()| {});

    let editing = RwSignal::new(None::<GalleryItem>);
    let edit_open = RwSignal::new(false);
    let removing = RwSignal::new(None::<GalleryItem>);
    let remove_open = RwSignal::new(false);
    report(
        move || remove.value().get(),
        None,
        move |()| {
            remove_open.set(false);
            toasts.ok("Picture removed");
        },
    );

    view! {
        <div class="mx-auto max-w-6xl">
            <div class="mb-4">
                <h1 class="text-2xl font-bold tracking-tight">"Gallery"</h1>
                <p class="mt-1 text-sm text-slate-600 dark:text-slate-400">
                    "The pictures the app shows, in this order. Hidden ones stay here but not in the app."
                </p>
            </div>
            <AddPicture add/>
            <Transition fallback=|| view! { <Loading label="Loading the gallery"/> }>
                {move || Suspend::new(async move {
                    match pictures.await {
                        Err(e) => view! { <Alert message=format!("Could not load the gallery: {}", e.message)/> }.into_any(),
                        Ok(items) if items.is_empty() => view! {
                            <div class="rounded-lg border border-slate-200 bg-white shadow-sm dark:border-slate-800 dark:bg-slate-900">
                                <Empty message="No pictures yet: add the first above."/>
                            </div>
                        }.into_any(),
                        Ok(items) => {
                            let last = items.len() - 1;
                            view! {
                                <ul class="grid gap-4 sm:grid-cols-2 lg:grid-cols-3" data-testid="gallery-list">
                                    {items.into_iter().enumerate().map(|(i, item)| {
                                        let id = item.id;
                                        let name = item.caption.clone().unwrap_or_else(|| format!("picture {}", i + 1));
                                        let (for_edit, for_remove) = (item.clone(), item.clone());
                                        view! {
                                            <li
                                                class="overflow-hidden rounded-lg border border-slate-200 bg-white shadow-sm dark:border-slate-800 dark:bg-slate-900"
                                                class=("opacity-60", !item.is_active)
                                                data-testid="gallery-item"
                                                data-active=item.is_active.to_string()
                                            >
                                                <img src=item.image_url alt=item.caption.clone().unwrap_or_default() loading="lazy" width="400" height="300" class="aspect-[4/3] w-full bg-slate-100 object-cover dark:bg-slate-800"/>
                                                <div class="flex items-start justify-between gap-2 p-3">
                                                    <div class="min-w-0">
                                                        <p class="truncate text-sm font-medium" data-testid="gallery-caption">
                                                            {item.caption.unwrap_or_else(|| "No caption".to_owned())}
                                                        </p>
                                                        {(!item.is_active).then(|| view! {
                                                            <span class="mt-1 inline-block rounded-full bg-slate-100 px-2 py-0.5 text-xs font-medium text-slate-700 dark:bg-slate-800 dark:text-slate-300" data-testid="gallery-hidden">"Hidden"</span>
                                                        })}
                                                    </div>
                                                    <div class="flex shrink-0 items-center gap-1">
                                                        <button type="button" class=BUTTON_SMALL disabled=move || i == 0 || shift.pending().get() aria-label=format!("Move {name} earlier") data-testid="gallery-earlier"
                                                            on:click=move |_| { shift.dispatch(MoveGalleryPicture { id, earlier: true }); }>"↑"</button>
                                                        <button type="button" class=BUTTON_SMALL disabled=move || i == last || shift.pending().get() aria-label=format!("Move {name} later") data-testid="gallery-later"
                                                            on:click=move |_| { shift.dispatch(MoveGalleryPicture { id, earlier: false }); }>"↓"</button>
                                                        <button type="button" class=BUTTON_SMALL aria-label=format!("Edit {name}") data-testid="gallery-edit"
                                                            on:click=move |_| { editing.set(Some(for_edit.clone())); edit_open.set(true); }>"Edit"</button>
                                                        <button type="button" class=BUTTON_SMALL_DANGER aria-label=format!("Remove {name}") data-testid="gallery-remove"
                                                            on:click=move |_| { removing.set(Some(for_remove.clone())); remove_open.set(true); }>"Remove"</button>
                                                    </div>
                                                </div>
                                            </li>
                                        }
                                    }).collect_view()}
                                </ul>
                            }.into_any()
                        }
                    }
                })}
            </Transition>
            <Modal open=edit_open title="Edit picture" test_id="gallery-dialog">
                {move || editing.get().map(|item| view! { <EditPicture item update on_close=Callback::new(move |()| edit_open.set(false))/> })}
            </Modal>
            <ConfirmDialog
                open=remove_open
                title="Remove this picture?"
                message=Signal::derive(move || removing.with(|r| match r.as_ref().and_then(|i| i.caption.clone()) {
                    Some(c) => format!("“{c}” leaves the gallery and the app."),
                    None => "It leaves the gallery and the app.".to_owned(),
                }))
                confirm_label="Remove"
                pending=remove.pending()
                on_confirm=Callback::new(move |()| {
                    if let Some(item) = removing.get_untracked() {
                        remove.dispatch(RemoveGalleryPicture { id: item.id });
                    }
                })
                test_id="gallery-remove-dialog"
            />
        </div>
    }
}

/// The add form above the list: a picture and an optional caption.
#[component]
fn AddPicture(add: ServerAction<AddGalleryPicture>) -> impl IntoView {
    let toasts = use_toasts();
    let image = RwSignal::new(String::new());
    let caption = RwSignal::new(String::new());
    let errors: FieldErrors = RwSignal::new(Vec::new());
    // Each add gets a fresh image field (its preview and upload state start over).
    let round = RwSignal::new(0u32);
    report(
        move || add.value().get(),
        Some(errors),
        move |_: GalleryItem| {
            errors.set(Vec::new());
            image.set(String::new());
            caption.set(String::new());
            round.update(|r| *r += 1);
            toasts.ok("Picture added");
        },
    );
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let form = GalleryForm {
            image_url: image.get_untracked(),
            caption: caption.get_untracked(),
        };
        if form.image_url.trim().is_empty() {
            errors.set(vec![crate::shared::errors::FieldError::new(
                "imageUrl",
                "Choose a picture first.",
            )]);
            return;
        }
        errors.set(Vec::new());
        add.dispatch(AddGalleryPicture { form });
    };
    view! {
        <form class="mb-6 grid gap-4 rounded-lg border border-slate-200 bg-white p-4 shadow-sm md:grid-cols-2 dark:border-slate-800 dark:bg-slate-900" on:submit=submit novalidate=true data-testid="gallery-add">
            {move || {
                round.track();
                view! { <ImageField label="Picture" value=image folder=Folder::Gallery errors=errors field="imageUrl" test_id="gallery-form-image"/> }
            }}
            <div class="flex flex-col gap-3">
                <label class=LABEL>
                    "Caption"
                    <input type="text" class=INPUT maxlength="300" bind:value=caption placeholder="Optional" data-testid="gallery-form-caption"/>
                    <FieldMessage errors field="caption"/>
                </label>
                <div class="mt-auto flex justify-end">
                    <button type="submit" class=BUTTON_PRIMARY disabled=move || add.pending().get() data-testid="gallery-form-submit">
                        {move || if add.pending().get() { "Adding…" } else { "Add to gallery" }}
                    </button>
                </div>
            </div>
        </form>
    }
}

/// The caption and whether the app shows the picture.
#[component]
fn EditPicture(
    item: GalleryItem,
    update: ServerAction<UpdateGalleryPicture>,
    on_close: Callback<()>,
) -> impl IntoView {
    let toasts = use_toasts();
    let id: Uuid = item.id;
    let caption = RwSignal::new(item.caption.unwrap_or_default());
    let active = RwSignal::new(item.is_active);
    let errors: FieldErrors = RwSignal::new(Vec::new());
    // Only the answer to this dialog's own save closes it.
    let sent = RwSignal::new(false);
    report(
        move || update.value().get().filter(|_| sent.get_untracked()),
        Some(errors),
        move |_: GalleryItem| {
            sent.set(false);
            toasts.ok("Picture saved");
            on_close.run(());
        },
    );
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        sent.set(true);
        update.dispatch(UpdateGalleryPicture {
            id,
            caption: caption.get_untracked(),
            is_active: active.get_untracked(),
        });
    };
    view! {
        <form class="mt-4 space-y-4" on:submit=submit novalidate=true>
            <label class=LABEL>
                "Caption"
                <input type="text" class=INPUT maxlength="300" bind:value=caption data-testid="gallery-edit-caption"/>
                <FieldMessage errors field="caption"/>
            </label>
            <label class="flex items-center gap-2 text-sm">
                <input type="checkbox" bind:checked=active data-testid="gallery-edit-active"/>
                "Shown in the app"
            </label>
            <div class="flex justify-end gap-3 pt-2">
                <button type="button" class=BUTTON_SECONDARY on:click=move |_| on_close.run(())>"Cancel"</button>
                <button type="submit" class=BUTTON_PRIMARY disabled=move || update.pending().get() data-testid="gallery-edit-submit">
                    {move || if update.pending().get() { "Saving…" } else { "Save" }}
                </button>
            </div>
        </form>
    }
}
