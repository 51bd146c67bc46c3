//! `POST /upload-image` (contract §2.2): multipart, file field `image` and text field `folder`;
//! answers `data.imageUrl`. `GET /uploads/…` serves what the local store holds; `GET /gallery`
//! lists the business's gallery.

use axum::{
    body::Body,
    extract::{Path, State},
    http::{header, HeaderMap, HeaderValue, StatusCode},
    response::{IntoResponse, Response},
};
use serde_json::{json, Value};

use super::{
    extract::CurrentUser,
    response::{ApiError, ApiOk, ApiResult},
};
use crate::server::{media, state::AppState};

/// The form is read by `media::form`, the image in chunks and refused as soon as it passes 5 MB.
pub async fn upload(
    State(state): State<AppState>,
    CurrentUser(p): CurrentUser,
    headers: HeaderMap,
    body: Body,
) -> ApiResult<Value> {
    let content_type = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok());
    let boundary = media::form::boundary(content_type)?;
    let form = media::form::read(multer::Multipart::new(body.into_data_stream(), boundary)).await?;
    let stored = media::upload(&state, &p, &form.folder, form.image).await?;
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
