//! Blog posts (`offers.manage`, as the old portal guarded them): cards in the app's order, a text
//! search (in the URL), create and edit in a dialog checked by the server's own `BlogForm::parse`,
//! publish and hide, delete after asking.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::{
    components::{Form, A},
    hooks::use_query_map,
};
use uuid::Uuid;

use crate::app::components::{
    dialog::{ConfirmDialog, Modal, BUTTON_PRIMARY, BUTTON_SECONDARY, BUTTON_SMALL, BUTTON_SMALL_DANGER},
    form::{list_problem, Alert, Empty, FieldErrors, FieldMessage, Loading, Pager, HINT, INPUT, LABEL},
    guard::Guarded,
    image_field::ImageField,
    toast::{report, use_toasts},
};
use crate::app::server_fns::{load_blogs, DeleteBlog, SaveBlog};
use crate::shared::{
    appointments::encode,
    blogs::{Blog, BlogForm},
    media::Folder,
    permissions::Permission,
};

#[component]
pub fn BlogsPage() -> impl IntoView {
    view! {
        <Title text="Blog"/>
        <Guarded any_of=&[Permission::OffersManage]>
            <Blogs/>
        </Guarded>
    }
}

/// The first words of a post, for its card.
fn excerpt(content: &str) -> String {
    const MAX: usize = 220;
    let flat = content.split_whitespace().collect::<Vec<_>>().join(" ");
    if flat.chars().count() <= MAX {
        flat
    } else {
        let cut: String = flat.chars().take(MAX).collect();
        format!("{}…", cut.trim_end())
    }
}

#[component]
fn Blogs() -> impl IntoView {
    let toasts = use_toasts();
    let query = use_query_map();
    let search = Memo::new(move |_| query.read().get("search").unwrap_or_default());
    let page = Memo::new(move |_| {
        query
            .read()
            .get("page")
            .and_then(|p| p.parse::<u64>().ok())
            .unwrap_or(1)
    });
    let save = ServerAction::<SaveBlog>::new();
    let remove = ServerAction::<DeleteBlog>::new();
    let live = crate::app::live::use_live();
    let board = Resource::new(
        move || {
            (
                search.get(),
                page.get(),
                save.version().get(),
                remove.version().get(),
                live.content.get(),
            )
        },
        |(search, page, ..)| load_blogs(search, page),
    );

    let editing = RwSignal::new(None::<Option<Blog>>);
    let edit_open = RwSignal::new(false);
    let removing = RwSignal::new(None::<Blog>);
    let remove_open = RwSignal::new(false);
    let errors: FieldErrors = RwSignal::new(Vec::new());
    report(
        move || save.value().get(),
        Some(errors),
        move |b: Blog| {
            toasts.ok(format!("Saved {}", b.title));
            edit_open.set(false);
        },
    );
    report(
        move || remove.value().get(),
        None,
        move |()| {
            remove_open.set(false);
            toasts.ok("Post deleted");
        },
    );
    let open_editor = move |b: Option<Blog>| {
        errors.set(Vec::new());
        editing.set(Some(b));
        edit_open.set(true);
    };

    view! {
        <div class="mx-auto max-w-7xl">
            <div class="mb-4 flex flex-wrap items-center justify-between gap-3">
                <div>
                    <h1 class="text-2xl font-bold tracking-tight">"Blog"</h1>
                    <p class="mt-1 text-sm text-slate-600 dark:text-slate-400">
                        "Posts the app shows, lowest display order first. Hidden posts stay here until published."
                    </p>
                </div>
                <button type="button" class=BUTTON_PRIMARY on:click=move |_| open_editor(None) data-testid="new-blog">"Add post"</button>
            </div>
            <Form method="GET" action="" attr:class="mb-4 flex flex-wrap items-end gap-3 rounded-lg border border-slate-200 bg-white p-4 shadow-sm dark:border-slate-800 dark:bg-slate-900">
                <label class=format!("{LABEL} min-w-64 flex-1")>
                    "Search"
                    <input type="search" name="search" class=INPUT maxlength="200" placeholder="Title or text" value=move || search.get() prop:value=move || search.get() data-testid="blog-search"/>
                </label>
                <div class="flex items-end gap-2">
                    <button type="submit" class=BUTTON_PRIMARY data-testid="blog-apply">"Apply"</button>
                    <A href="/blogs" attr:class=BUTTON_SECONDARY>"Clear"</A>
                </div>
            </Form>
            <Transition fallback=|| view! { <Loading label="Loading posts"/> }>
                {move || Suspend::new(async move {
                    match board.await {
                        Err(e) => view! { <Alert message=list_problem("the posts", &e)/> }.into_any(),
                        Ok(b) if b.blogs.is_empty() => view! {
                            <div class="rounded-lg border border-slate-200 bg-white shadow-sm dark:border-slate-800 dark:bg-slate-900">
                                <Empty message="No posts match. Write one with “Add post”."/>
                            </div>
                        }.into_any(),
                        Ok(b) => {
                            let pagination = b.pagination;
                            let search = search.get_untracked();
                            view! {
                                <p class="mb-2 text-sm text-slate-600 dark:text-slate-400" data-testid="blog-count">{format!("{} post(s)", pagination.total)}</p>
                                <ul class="grid gap-4 sm:grid-cols-2 lg:grid-cols-3" data-testid="blog-list">
                                    {b.blogs.into_iter().map(|b| {
                                        let b = StoredValue::new(b);
                                        b.with_value(|v| {
                                            let title = v.title.clone();
                                            let toggle = if v.is_active { "Hide" } else { "Publish" };
                                            view! {
                                                <li class="flex flex-col overflow-hidden rounded-lg border border-slate-200 bg-white shadow-sm dark:border-slate-800 dark:bg-slate-900" data-testid="blog-card" data-id=v.id.to_string() data-active=v.is_active.to_string()>
                                                    {match v.image_url.clone() {
                                                        Some(src) => view! { <img src=src alt="" loading="lazy" width="400" height="200" class="aspect-[2/1] w-full bg-slate-100 object-cover dark:bg-slate-800"/> }.into_any(),
                                                        None => view! { <div class="flex aspect-[2/1] w-full items-center justify-center bg-gradient-to-br from-rose-400 to-orange-400 text-4xl" aria-hidden="true">"📝"</div> }.into_any(),
                                                    }}
                                                    <div class="flex flex-1 flex-col gap-2 p-4">
                                                        <div class="flex flex-wrap items-center gap-2">
                                                            <h2 class="font-semibold" data-testid="blog-title">{v.title.clone()}</h2>
                                                            <span class="rounded-full bg-slate-100 px-2 py-0.5 text-xs font-medium text-slate-700 dark:bg-slate-800 dark:text-slate-300" hidden=v.is_active data-testid="blog-hidden">"Hidden"</span>
                                                        </div>
                                                        <p class="line-clamp-3 text-sm text-slate-600 dark:text-slate-400">{excerpt(&v.content)}</p>
                                                        <dl class="mt-auto grid grid-cols-2 gap-x-3 gap-y-1 text-xs text-slate-600 dark:text-slate-400">
                                                            <dt class="font-medium">"Written"</dt>
                                                            <dd><time datetime=v.created_at.to_rfc3339()>{v.created_at.format("%d %b %Y").to_string()}</time></dd>
                                                            <dt class="font-medium">"Display order"</dt>
                                                            <dd class="tabular-nums" data-testid="blog-order">{v.display_order}</dd>
                                                        </dl>
                                                        <div class="flex flex-wrap justify-end gap-1 pt-2">
                                                            <button type="button" class=BUTTON_SMALL disabled=move || save.pending().get() data-testid="blog-toggle"
                                                                aria-label=format!("{toggle} {title}")
                                                                on:click=move |_| {
                                                                    let v = b.get_value();
                                                                    save.dispatch(SaveBlog { id: Some(v.id), form: BlogForm { is_active: Some(!v.is_active), ..Default::default() } });
                                                                }>
                                                                {toggle}
                                                            </button>
                                                            <button type="button" class=BUTTON_SMALL aria-label=format!("Edit {}", v.title) data-testid="blog-edit"
                                                                on:click=move |_| open_editor(Some(b.get_value()))>"Edit"</button>
                                                            <button type="button" class=BUTTON_SMALL_DANGER aria-label=format!("Delete {}", v.title) data-testid="blog-delete"
                                                                on:click=move |_| { removing.set(Some(b.get_value())); remove_open.set(true); }>"Delete"</button>
                                                        </div>
                                                    </div>
                                                </li>
                                            }
                                        })
                                    }).collect_view()}
                                </ul>
                                {(pagination.pages > 1).then(|| view! {
                                    <Pager pagination href=move |p| {
                                        let mut pairs = Vec::new();
                                        if !search.is_empty() {
                                            pairs.push(format!("search={}", encode(&search)));
                                        }
                                        pairs.push(format!("page={p}"));
                                        format!("/blogs?{}", pairs.join("&"))
                                    }/>
                                })}
                            }.into_any()
                        }
                    }
                })}
            </Transition>
        </div>
        <Modal open=edit_open title=Signal::derive(move || if editing.with(|e| matches!(e, Some(Some(_)))) { "Edit post".to_owned() } else { "New post".to_owned() }) test_id="blog-dialog">
            {move || {
                let current = editing.get().flatten();
                view! {
                    <BlogEditor current errors pending=Signal::derive(move || save.pending().get())
                        on_close=Callback::new(move |()| edit_open.set(false))
                        on_save=Callback::new(move |(id, form)| { save.dispatch(SaveBlog { id, form }); })/>
                }
            }}
        </Modal>
        <ConfirmDialog
            open=remove_open
            title="Delete this post?"
            message=Signal::derive(move || removing.with(|r| r.as_ref().map(|b| format!("“{}” will be removed from the app and from here.", b.title)).unwrap_or_default()))
            confirm_label="Delete"
            pending=Signal::derive(move || remove.pending().get())
            on_confirm=Callback::new(move |()| if let Some(b) = removing.get_untracked() { remove.dispatch(DeleteBlog { id: b.id }); })
            test_id="blog-delete-dialog"
        />
    }
}

#[component]
fn BlogEditor(
    current: Option<Blog>,
    errors: FieldErrors,
    pending: Signal<bool>,
    on_close: Callback<()>,
    on_save: Callback<(Option<Uuid>, BlogForm)>,
) -> impl IntoView {
    let id = current.as_ref().map(|b| b.id);
    let c = current.as_ref();
    let title = RwSignal::new(c.map(|b| b.title.clone()).unwrap_or_default());
    let content = RwSignal::new(c.map(|b| b.content.clone()).unwrap_or_default());
    let image = RwSignal::new(c.and_then(|b| b.image_url.clone()).unwrap_or_default());
    let order = RwSignal::new(c.map_or_else(|| "0".to_owned(), |b| b.display_order.to_string()));
    let active = RwSignal::new(c.is_none_or(|b| b.is_active));
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let form = BlogForm {
            title: Some(title.get_untracked()),
            content: Some(content.get_untracked()),
            image_url: Some(image.get_untracked()),
            is_active: Some(active.get_untracked()),
            display_order: Some(serde_json::Value::String(order.get_untracked())),
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
                <input type="text" class=INPUT maxlength="255" bind:value=title data-testid="blog-form-title"/>
                <FieldMessage errors field="title"/>
            </label>
            <label class=format!("{LABEL} col-span-2")>
                "Content"
                <textarea class=INPUT rows="8" maxlength="50000" bind:value=content data-testid="blog-form-content"></textarea>
                <FieldMessage errors field="content"/>
            </label>
            <ImageField label="Image" value=image folder=Folder::Blogs errors=errors field="imageUrl" class="col-span-2" test_id="blog-form-image"/>
            <label class=LABEL>
                "Display order"
                <input type="number" step="1" class=INPUT bind:value=order data-testid="blog-form-order"/>
                <span class=format!("block {HINT}")>"Lower numbers come first in the app."</span>
                <FieldMessage errors field="displayOrder"/>
            </label>
            <label class="col-span-2 flex items-center gap-2 text-sm">
                <input type="checkbox" bind:checked=active data-testid="blog-form-active"/>
                "Published (visible in the app)"
            </label>
            <div class="col-span-2 flex justify-end gap-3 pt-2">
                <button type="button" class=BUTTON_SECONDARY on:click=move |_| on_close.run(())>"Close"</button>
                <button type="submit" class=BUTTON_PRIMARY disabled=move || pending.get() data-testid="blog-form-submit">
                    {move || if pending.get() { "Saving…" } else { "Save" }}
                </button>
            </div>
        </form>
    }
}
