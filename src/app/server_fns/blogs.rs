//! Blog posts for the portal (`offers.manage`, as the old portal guarded them): every post, hidden
//! ones too, with a text search; create and edit, publish and hide, delete, through
//! `server::community::blogs` (the same rules as `/api/v1/blogs`).

use leptos::prelude::*;
use leptos::server_fn::codec::Json;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::shared::{
    blogs::{Blog, BlogForm},
    errors::PortalError,
    paging::Pagination,
};

/// Posts a page of the portal's list.
pub const BLOG_PAGE_SIZE: u64 = 24;

/// One page of posts, in display order, newest first within one.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BlogBoard {
    pub blogs: Vec<Blog>,
    pub pagination: Pagination,
}

#[server(prefix = "/api/fn", endpoint = "load_blogs", input = Json)]
pub async fn load_blogs(search: String, page: u64) -> Result<BlogBoard, PortalError> {
    use crate::server::{community::blogs, error::AppError, portal};
    use crate::shared::{paging::PageRequest, permissions::Permission, text};
    let (state, _) = portal::authorize(Permission::OffersManage).await?;
    let search = text::optional_line("search", &search, text::SEARCH_MAX_CHARS)
        .map_err(|e| portal::portal_error(AppError::Validation(vec![e])))?;
    let (posts, pagination) = blogs::list(
        &state.db,
        true,
        search.as_deref(),
        PageRequest {
            page: page.clamp(1, u64::MAX / 1024),
            limit: BLOG_PAGE_SIZE,
        },
    )
    .await
    .map_err(portal::portal_error)?;
    Ok(BlogBoard {
        blogs: posts,
        pagination,
    })
}

/// Creates a post (`id` empty) or changes one.
#[server(prefix = "/api/fn", endpoint = "save_blog", input = Json)]
pub async fn save_blog(id: Option<Uuid>, form: BlogForm) -> Result<Blog, PortalError> {
    use crate::server::{community::blogs, error::AppError, portal};
    use crate::shared::permissions::Permission;
    let (state, p) = portal::authorize(Permission::OffersManage).await?;
    let changes = form
        .parse(id.is_none())
        .map_err(|e| portal::portal_error(AppError::Validation(e)))?;
    match id {
        None => blogs::create(&state, p.user.id, changes).await,
        Some(id) => blogs::update(&state, p.user.id, id, changes).await,
    }
    .map_err(portal::portal_error)
}

#[server(prefix = "/api/fn", endpoint = "delete_blog", input = Json)]
pub async fn delete_blog(id: Uuid) -> Result<(), PortalError> {
    use crate::server::{community::blogs, portal};
    use crate::shared::permissions::Permission;
    let (state, p) = portal::authorize(Permission::OffersManage).await?;
    blogs::delete(&state, p.user.id, id)
        .await
        .map_err(portal::portal_error)
}
