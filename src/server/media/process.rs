//! What is stored of an uploaded image, decided from its bytes alone: the type from its magic
//! bytes and a real decode (never the file name or the client's content type), within size and
//! pixel limits (so a decompression bomb is refused before it is expanded), turned upright by its
//! EXIF orientation, then re-encoded at two sizes. Re-encoding writes pixels only, so EXIF and GPS
//! metadata, and anything smuggled after the image data, are dropped.

use std::io::Cursor;

use image::{codecs::jpeg::JpegEncoder, DynamicImage, ImageDecoder, ImageFormat, ImageReader, Limits};

/// Uploads larger than this are refused (the contract's 5 MB).
pub const MAX_BYTES: usize = crate::shared::media::MAX_UPLOAD_BYTES;
/// No side longer than this is decoded.
pub const MAX_SIDE: u32 = 8000;
/// Nor more pixels than this (8000 × 8000 would be 256 MB decoded).
pub const MAX_PIXELS: u64 = 25_000_000;
/// The display size (longest side) and the thumbnail's.
pub const DISPLAY_SIDE: u32 = 1600;
pub const THUMB_SIDE: u32 = 320;
/// JPEG quality for photos.
const JPEG_QUALITY: u8 = 82;

/// Why an upload was refused; each is a 400 with this message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("The image is larger than 5 MB.")]
    TooLarge,
    #[error("The file is empty.")]
    Empty,
    #[error("Only JPEG, PNG, WebP and GIF images are accepted (this file is not one).")]
    NotAnImage,
    #[error(
        "The image is {0} × {1} pixels; at most {MAX_SIDE} pixels a side and 25 megapixels are accepted."
    )]
    TooManyPixels(u32, u32),
    /// The decoder's own limits stopped it before it told the size.
    #[error("The image is too large: at most {MAX_SIDE} pixels a side and 25 megapixels are accepted.")]
    OverLimits,
    #[error("The image could not be read: it is damaged or incomplete.")]
    Damaged,
}

/// One re-encoded size.
#[derive(Debug, Clone)]
pub struct Encoded {
    pub bytes: Vec<u8>,
    pub width: u32,
    pub height: u32,
}

/// What to store: the display size and the thumbnail, in one format.
#[derive(Debug, Clone)]
pub struct Prepared {
    pub display: Encoded,
    pub thumb: Encoded,
    /// `jpg` for opaque images, `png` for those with transparency.
    pub extension: &'static str,
    pub content_type: &'static str,
}

pub fn prepare(bytes: &[u8]) -> Result<Prepared, Refusal> {
    if bytes.is_empty() {
        return Err(Refusal::Empty);
    }
    if bytes.len() > MAX_BYTES {
        return Err(Refusal::TooLarge);
    }
    let reader = ImageReader::new(Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|_| Refusal::NotAnImage)?;
    // The format comes from the magic bytes; only these four are decoded at all.
    let format = match reader.format() {
        Some(f @ (ImageFormat::Jpeg | ImageFormat::Png | ImageFormat::WebP | ImageFormat::Gif)) => f,
        _ => return Err(Refusal::NotAnImage),
    };
    // Decoders fill in what a cut-off file lacks; a file that does not end is refused instead.
    if !complete(format, bytes) {
        return Err(Refusal::Damaged);
    }
    let mut reader = reader;
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_SIDE);
    limits.max_image_height = Some(MAX_SIDE);
    limits.max_alloc = Some(MAX_PIXELS * 4 + (16 << 20));
    reader.limits(limits);
    let mut decoder = reader.into_decoder().map_err(|e| match e {
        image::ImageError::Limits(_) => Refusal::OverLimits,
        _ => Refusal::Damaged,
    })?;
    let (width, height) = decoder.dimensions();
    if u64::from(width) * u64::from(height) > MAX_PIXELS || width > MAX_SIDE || height > MAX_SIDE {
        return Err(Refusal::TooManyPixels(width, height));
    }
    if width == 0 || height == 0 {
        return Err(Refusal::Damaged);
    }
    let orientation = decoder
        .orientation()
        .unwrap_or(image::metadata::Orientation::NoTransforms);
    let image = DynamicImage::from_decoder(decoder).map_err(|_| Refusal::Damaged)?;
    // Shrunk first, then turned upright: the box is square, so the order does not change the
    // result, and turning the small image is cheap.
    let mut display_image = shrink(image, DISPLAY_SIDE);
    display_image.apply_orientation(orientation);

    let transparent = display_image.color().has_alpha() && has_transparency(&display_image);
    let (extension, content_type) = if transparent {
        ("png", "image/png")
    } else {
        ("jpg", "image/jpeg")
    };
    // The thumbnail comes from the display size, not the full image: a fraction of the work.
    let thumb = encode(&shrink(display_image.clone(), THUMB_SIDE), transparent)?;
    let display = encode(&display_image, transparent)?;
    Ok(Prepared {
        display,
        thumb,
        extension,
        content_type,
    })
}

/// Whether the file reaches its format's end: JPEG's end-of-image marker, PNG's `IEND` chunk,
/// the length a WebP's RIFF header declares. (A GIF's decoder refuses a cut-off file itself.)
fn complete(format: ImageFormat, bytes: &[u8]) -> bool {
    match format {
        ImageFormat::Jpeg => bytes.windows(2).skip(2).any(|w| w == [0xFF, 0xD9]),
        ImageFormat::Png => bytes.windows(4).any(|w| w == b"IEND"),
        ImageFormat::WebP => bytes
            .get(4..8)
            .map(|n| u32::from_le_bytes([n[0], n[1], n[2], n[3]]) as usize)
            .is_some_and(|riff| riff + 8 <= bytes.len()),
        _ => true,
    }
}

/// Fits within `side` × `side`, never enlarging. Area averaging (`thumbnail`) works in integers
/// straight into the output: `resize`'s filters would first build a float copy as wide as the
/// original (77 MB for a 12-megapixel photo) for a result that looks the same at these ratios.
fn shrink(image: DynamicImage, side: u32) -> DynamicImage {
    if image.width() <= side && image.height() <= side {
        image
    } else {
        image.thumbnail(side, side)
    }
}

/// Whether any pixel is less than opaque, read in place where the pixels are 8-bit RGBA (PNG and
/// GIF with alpha decode so); other layouts are converted first.
fn has_transparency(image: &DynamicImage) -> bool {
    match image.as_rgba8() {
        Some(rgba) => rgba.pixels().any(|p| p.0[3] < 255),
        None => image.to_rgba8().pixels().any(|p| p.0[3] < 255),
    }
}

fn encode(image: &DynamicImage, transparent: bool) -> Result<Encoded, Refusal> {
    let mut bytes = Vec::new();
    if transparent {
        image
            .write_to(&mut Cursor::new(&mut bytes), ImageFormat::Png)
            .map_err(|_| Refusal::Damaged)?;
    } else {
        let encoder = JpegEncoder::new_with_quality(&mut bytes, JPEG_QUALITY);
        image
            .to_rgb8()
            .write_with_encoder(encoder)
            .map_err(|_| Refusal::Damaged)?;
    }
    Ok(Encoded {
        bytes,
        width: image.width(),
        height: image.height(),
    })
}

#[cfg(test)]
pub mod tests {
    use super::*;
    use image::{ImageBuffer, Rgb, Rgba};

    /// A `w` × `h` image encoded as `format`.
    pub fn sample(w: u32, h: u32, format: ImageFormat, alpha: bool) -> Vec<u8> {
        let mut out = Vec::new();
        if alpha {
            let img = ImageBuffer::from_fn(w, h, |x, y| {
                Rgba([(x % 255) as u8, (y % 255) as u8, 90, if x < 2 { 0 } else { 255 }])
            });
            DynamicImage::ImageRgba8(img)
                .write_to(&mut Cursor::new(&mut out), format)
                .unwrap();
        } else {
            let img = ImageBuffer::from_fn(w, h, |x, y| Rgb([(x % 255) as u8, (y % 255) as u8, 120]));
            DynamicImage::ImageRgb8(img)
                .write_to(&mut Cursor::new(&mut out), format)
                .unwrap();
        }
        out
    }

    #[test]
    fn photos_become_jpeg_at_two_sizes_and_transparent_images_png() {
        let p = prepare(&sample(2400, 1200, ImageFormat::Png, false)).unwrap();
        assert_eq!((p.extension, p.content_type), ("jpg", "image/jpeg"));
        assert_eq!((p.display.width, p.display.height), (1600, 800));
        assert_eq!((p.thumb.width, p.thumb.height), (320, 160));
        assert!(p.display.bytes.starts_with(&[0xFF, 0xD8]), "a JPEG");
        let p = prepare(&sample(100, 50, ImageFormat::Png, true)).unwrap();
        assert_eq!(p.extension, "png");
        assert_eq!((p.display.width, p.display.height), (100, 50), "never enlarged");
        let gif = prepare(&sample(40, 40, ImageFormat::Gif, false)).unwrap();
        assert_eq!(gif.extension, "jpg");
    }

    #[test]
    fn what_is_not_an_image_or_is_damaged_is_refused() {
        assert_eq!(prepare(b"").unwrap_err(), Refusal::Empty);
        assert_eq!(
            prepare(b"<svg xmlns='http://www.w3.org/2000/svg'/>").unwrap_err(),
            Refusal::NotAnImage
        );
        assert_eq!(
            prepare(b"<html><script>alert(1)</script></html>").unwrap_err(),
            Refusal::NotAnImage
        );
        // A BMP file's header (the BMP encoder is not compiled in, being refused anyway).
        let bmp = [
            b"BM".as_slice(),
            &[0x3a, 0, 0, 0, 0, 0, 0, 0, 0x36, 0, 0, 0, 0x28, 0, 0, 0],
            &[0; 40],
        ]
        .concat();
        assert_eq!(
            prepare(&bmp).unwrap_err(),
            Refusal::NotAnImage,
            "BMP is not on the list"
        );
        let jpeg = sample(200, 200, ImageFormat::Jpeg, false);
        assert_eq!(
            prepare(&jpeg[..jpeg.len() / 3]).unwrap_err(),
            Refusal::Damaged,
            "truncated"
        );
        assert_eq!(prepare(&vec![0u8; MAX_BYTES + 1]).unwrap_err(), Refusal::TooLarge);
    }

    #[test]
    fn a_polyglot_keeps_only_its_pixels() {
        // A PNG with a script appended: it decodes, and what is stored is a fresh encoding.
        let mut png = sample(20, 20, ImageFormat::Png, false);
        png.extend_from_slice(b"<script>alert(1)</script>");
        let p = prepare(&png).unwrap();
        let stored = String::from_utf8_lossy(&p.display.bytes);
        assert!(!stored.contains("<script>"));
    }

    #[test]
    fn a_decompression_bomb_is_refused_before_it_is_expanded() {
        // A few kilobytes that declare 20,000 pixels a side: refused from the header alone.
        let png = sample(20_000, 1, ImageFormat::Png, false);
        assert!(png.len() < 200_000);
        let refusal = prepare(&png).unwrap_err();
        assert!(matches!(
            refusal,
            Refusal::TooManyPixels(..) | Refusal::OverLimits
        ));
        assert!(!refusal.to_string().contains("0 × 0"), "{refusal}");
    }
}
