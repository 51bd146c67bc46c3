//! Images for the portal: an upload goes through `server::media::upload`, the same code and
//! folder permissions as `POST /api/v1/upload-image`; and the business's gallery
//! (`offers.manage`), which `GET /api/v1/gallery` shows the app.

use leptos::prelude::*;
use leptos::server_fn::codec::{Json, MultipartData, MultipartFormData};
use uuid::Uuid;

use crate::shared::{
    errors::PortalError,
    media::{GalleryForm, GalleryItem, UploadedImage},
};

/// A form with the file in `image` and the folder in `folder`. Any signed-in portal user may
/// upload to `profiles`; the other folders need their permission.
#[server(prefix = "/api/fn", endpoint = "upload_image", input = MultipartFormData)]
pub async fn upload_image(data: MultipartData) -> Result<UploadedImage, PortalError> {
    use crate::server::{media, portal};
    let (state, p) = portal::signed_in().await?;
    let form = data
        .into_inner()
        .ok_or_else(|| portal::internal("a multipart form arrived without its body"))?;
    let form = media::form::read(form).await.map_err(portal::portal_error)?;
    media::upload(&state, &p, &form.folder, form.image)
        .await
        .map_err(portal::portal_error)
}

/// Every picture, hidden ones too, in display order.
#[server(prefix = "/api/fn", endpoint = "load_gallery")]
pub async fn load_gallery() -> Result<Vec<GalleryItem>, PortalError> {
    use crate::server::{media::gallery, portal};
    use crate::shared::permissions::Permission;
    let (state, _) = portal::authorize(Permission::OffersManage).await?;
    gallery::list(&state.db, false)
        .await
        .map_err(portal::portal_error)
}

#[server(prefix = "/api/fn", endpoint = "add_gallery_picture", input = Json)]
pub async fn add_gallery_picture(form: GalleryForm) -> Result<GalleryItem, PortalError> {
    use crate::server::{media::gallery, portal};
    use crate::shared::permissions::Permission;
    let (state, p) = portal::authorize(Permission::OffersManage).await?;
    gallery::add(&state.db, p.user.id, &form.image_url, &form.caption)
        .await
        .map_err(portal::portal_error)
}

/// Changes a picture's caption and whether the app shows it.
#[server(prefix = "/api/fn", endpoint = "update_gallery_picture", input = Json)]
pub async fn update_gallery_picture(
    id: Uuid,
    caption: String,
    is_active: bool,
) -> Result<GalleryItem, PortalError> {
    use crate::server::{media::gallery, portal};
    use crate::shared::permissions::Permission;
    let (state, p) = portal::authorize(Permission::OffersManage).await?;
    gallery::update(&state.db, p.user.id, id, &caption, is_active)
        .await
        .map_err(portal::portal_error)
}

/// Moves a picture one place earlier (`earlier`) or later.
#[server(prefix = "/api/fn", endpoint = "move_gallery_picture", input = Json)]
pub async fn move_gallery_picture(id: Uuid, earlier: bool) -> Result<(), PortalError> {
    use crate::server::{media::gallery, portal};
    use crate::shared::permissions::Permission;
    let (state, _) = portal::authorize(Permission::OffersManage).await?;
    gallery::shift(&state.db, id, earlier)
        .await
        .map_err(portal::portal_error)
}

/// Takes a picture out of the gallery; its upload goes with the next sweep once nothing uses it.
#[server(prefix = "/api/fn", endpoint = "remove_gallery_picture", input = Json)]
pub async fn remove_gallery_picture(id: Uuid) -> Result<(), PortalError> {
    use crate::server::{media::gallery, portal};
    use crate::shared::permissions::Permission;
    let (state, p) = portal::authorize(Permission::OffersManage).await?;
    gallery::remove(&state.db, p.user.id, id)
        .await
        .map_err(portal::portal_error)
}
