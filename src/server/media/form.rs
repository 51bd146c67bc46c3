//! Reading an upload form (file field `image`, text field `folder`) from a multipart body, for
//! `POST /api/v1/upload-image` and the portal's `upload_image` alike. The image is read in chunks
//! and refused as soon as it passes 5 MB, so an oversized upload is never held whole.

use crate::server::error::{AppError, AppResult};
use crate::shared::{media::MAX_UPLOAD_BYTES, text};

use super::process::Refusal;

/// What an upload form held.
#[derive(Debug)]
pub struct UploadForm {
    pub image: Vec<u8>,
    /// `profiles` when the form names none, as the old backend did.
    pub folder: String,
}

fn malformed() -> AppError {
    AppError::field(
        "image",
        "Send a multipart form with the image in the field `image`",
    )
}

/// The multipart boundary of a `Content-Type`, or the field error a client that sent something
/// else gets.
pub fn boundary(content_type: Option<&str>) -> AppResult<String> {
    content_type
        .and_then(|ct| multer::parse_boundary(ct).ok())
        .ok_or_else(malformed)
}

pub async fn read(mut form: multer::Multipart<'_>) -> AppResult<UploadForm> {
    let mut image: Option<Vec<u8>> = None;
    let mut folder: Option<String> = None;
    while let Some(mut field) = form.next_field().await.map_err(|_| malformed())? {
        match field.name() {
            Some("image") => {
                let mut bytes = Vec::new();
                while let Some(chunk) = field.chunk().await.map_err(|_| malformed())? {
                    if bytes.len() + chunk.len() > MAX_UPLOAD_BYTES {
                        return Err(AppError::field("image", &Refusal::TooLarge.to_string()));
                    }
                    if bytes.is_empty() {
                        // Most uploads arrive whole in a few chunks: reserve for the usual size.
                        bytes.reserve(chunk.len().max(256 * 1024));
                    }
                    bytes.extend_from_slice(&chunk);
                }
                image = Some(bytes);
            }
            Some("folder") => {
                let raw = field.text().await.map_err(|_| malformed())?;
                folder = Some(text::line("folder", &raw, 32)?);
            }
            // Anything else is ignored, as the old backend did.
            _ => {}
        }
    }
    Ok(UploadForm {
        image: image.ok_or_else(|| AppError::field("image", "An image file is required"))?,
        folder: folder.unwrap_or_else(|| "profiles".into()),
    })
}
