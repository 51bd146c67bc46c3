//! `POST /upload-image` (contract §2.2): multipart, file field `image` and text field `folder`;
//! answers `data.imageUrl`. `GET /uploads/…` serves what the local store holds; `GET /gallery`
//! lists the business's gallery.

use axum::{
    extract::{Multipart, Path, State},
    http::{header, HeaderValue, StatusCode},
    response::{IntoResponse, Response},
};
use serde_json::{json, Value};

use super::{
    extract::CurrentUser,
    response::{ApiError, ApiOk, ApiResult},
};
use crate::server::{
    error::AppError,
    media::{self, process::MAX_BYTES},
    state::AppState,
};

/// Reads the form a field at a time; the image is read in chunks and refused as soon as it passes
/// 5 MB, so an oversized upload is never held whole.
pub async fn upload(
    State(state): State<AppState>,
    CurrentUser(p): CurrentUser,
    mut form: Multipart,
) -> ApiResult<Value> {
    let malformed = || {
        AppError::field(
            "image",
            "Send a multipart form with the image in the field `image`",
        )
    };
    let mut image: Option<Vec<u8>> = None;
    let mut folder: Option<String> = None;
    while let Some(mut field) = form.next_field().await.map_err(|_| malformed())? {
        match field.name() {
            Some("image") => {
                let mut bytes = Vec::new();
                while let Some(chunk) = field.chunk().await.map_err(|_| malformed())? {
                    if bytes.len() + chunk.len() > MAX_BYTES {
                        return Err(
                            AppError::field("image", &media::process::Refusal::TooLarge.to_string()).into(),
                        );
                    }
                    bytes.extend_from_slice(&chunk);
                }
                image = Some(bytes);
            }
            Some("folder") => {
                let text = field.text().await.map_err(|_| malformed())?;
                folder = Some(crate::shared::text::line("folder", &text, 32)?);
            }
            // Anything else is ignored, as the old backend did.
            _ => {}
        }
    }
    let image = image.ok_or_else(|| AppError::field("image", "An image file is required"))?;
    let folder = folder.unwrap_or_else(|| "profiles".into());
    let stored = media::upload(&state, &p, &folder, image).await?;
    Ok(ApiOk::created(json!(stored)).message("Image uploaded"))
}

/// `GET /uploads/<folder>/<name>`: the local store's images, cached for a year (their names are
/// their content, so they never change).
pub async fn serve(State(state): State<AppState>, Path(key): Path<String>) -> Response {
    if !state.media.local || !media::valid_key(&key) {
        return ApiError::route_not_found(&format!("/api/v1/uploads/{key}"));
    }
    match state.media.get(&key).await {
        Ok(Some(bytes)) => {
            let mut r = (StatusCode::OK, bytes).into_response();
            let h = r.headers_mut();
            h.insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static(media::content_type_of(&key)),
            );
            h.insert(
                header::CACHE_CONTROL,
                HeaderValue::from_static("public, max-age=31536000, immutable"),
            );
            r
        }
        Ok(None) => ApiError::route_not_found(&format!("/api/v1/uploads/{key}")),
        Err(e) => ApiError(e).into_response(),
    }
}

/// `GET /gallery`: the active pictures, in display order.
pub async fn gallery(State(state): State<AppState>) -> ApiResult<Value> {
    let items = media::gallery::list(&state.db, true).await?;
    Ok(ApiOk::new(json!({ "gallery": items })))
}
