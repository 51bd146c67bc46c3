//! `POST /upload-image` and what is stored: type from the bytes, limits, re-encoding, content
//! addressing, folder permissions, serving with long cache headers, the orphan sweep; on the local
//! disk (both backends) and on S3 (moto).

use std::io::Cursor;

use image::{DynamicImage, ImageBuffer, ImageFormat, Rgb};
use reqwest::{multipart, StatusCode};
use serde_json::Value;

use crate::both_backends;
use crate::helpers::{create_account, sign_in_token, spawn_app, spawn_app_with, Spawn, TestApp};

fn picture(w: u32, h: u32, format: ImageFormat) -> Vec<u8> {
    let img = ImageBuffer::from_fn(w, h, |x, y| Rgb([(x % 251) as u8, (y % 241) as u8, 77]));
    let mut out = Vec::new();
    DynamicImage::ImageRgb8(img)
        .write_to(&mut Cursor::new(&mut out), format)
        .unwrap();
    out
}

/// A JPEG with an EXIF segment carrying GPS coordinates, spliced in after SOI.
fn photo_with_gps() -> Vec<u8> {
    let jpeg = picture(64, 48, ImageFormat::Jpeg);
    let exif_body = b"Exif\0\0MM\0*\0\0\0\x08\0\x01\x88\x25\0\x04\0\0\0\x01\0\0\0\x1aGPSLatitude=51.5N";
    let len = (exif_body.len() + 2) as u16;
    let mut out = vec![0xFF, 0xD8, 0xFF, 0xE1];
    out.extend_from_slice(&len.to_be_bytes());
    out.extend_from_slice(exif_body);
    out.extend_from_slice(&jpeg[2..]);
    out
}

async fn upload(
    app: &TestApp,
    token: Option<&str>,
    folder: &str,
    bytes: Vec<u8>,
    claimed_type: &str,
) -> (StatusCode, Value) {
    let part = multipart::Part::bytes(bytes)
        .file_name("upload.bin")
        .mime_str(claimed_type)
        .unwrap();
    let form = multipart::Form::new()
        .text("folder", folder.to_owned())
        .part("image", part);
    let mut req = app.client.post(app.url("/api/v1/upload-image")).multipart(form);
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    let r = req.send().await.unwrap();
    let status = r.status();
    (status, r.json().await.unwrap())
}

async fn customer(app: &TestApp) -> String {
    create_account(app, "cus@example.com", "Customer", true).await;
    sign_in_token(app, "cus@example.com").await
}

async fn fetch(url: &str) -> reqwest::Response {
    reqwest::get(url).await.unwrap()
}

both_backends!(
    async fn uploads_are_checked_re_encoded_stored_once_and_served_with_long_cache_headers(backend: Backend) {
        let app = spawn_app(backend).await;
        let token = customer(&app).await;
        let (s, b) = upload(
            &app,
            Some(&token),
            "profiles",
            picture(2000, 1000, ImageFormat::Png),
            "image/png",
        )
        .await;
        assert_eq!(s, 201, "{b}");
        let url = b["data"]["imageUrl"].as_str().unwrap().to_owned();
        assert!(
            url.starts_with(&format!("{}/api/v1/uploads/profiles/", app.base)),
            "{url}"
        );
        assert!(url.ends_with(".jpg"), "an opaque picture becomes a JPEG: {url}");
        assert_eq!(
            (b["data"]["width"].as_u64(), b["data"]["height"].as_u64()),
            (Some(1600), Some(800))
        );

        let r = fetch(&url).await;
        assert_eq!(r.status(), 200);
        assert_eq!(r.headers()["content-type"], "image/jpeg");
        assert_eq!(
            r.headers()["cache-control"],
            "public, max-age=31536000, immutable"
        );
        assert_eq!(r.headers()["x-content-type-options"], "nosniff");
        let thumb = fetch(b["data"]["thumbnailUrl"].as_str().unwrap()).await;
        assert_eq!(thumb.status(), 200);
        let small = image::load_from_memory(&thumb.bytes().await.unwrap()).unwrap();
        assert_eq!((small.width(), small.height()), (320, 160));

        // The same picture again: the same address, stored once.
        let (_, again) = upload(
            &app,
            Some(&token),
            "profiles",
            picture(2000, 1000, ImageFormat::Png),
            "image/png",
        )
        .await;
        assert_eq!(again["data"]["imageUrl"], url.as_str());

        // The address is what the app then saves on the profile.
        let (s, _) = crate::booking::call(
            &app,
            reqwest::Method::PUT,
            "/profile",
            Some(&token),
            Some(serde_json::json!({ "profileImageUrl": url })),
        )
        .await;
        assert_eq!(s, 200);

        // Nothing else is served from there.
        for bad in [
            "/api/v1/uploads/profiles/../../etc/passwd",
            "/api/v1/uploads/secrets/x.jpg",
            "/api/v1/uploads/profiles/missing.jpg",
        ] {
            assert_eq!(app.get(bad).await.status(), 404, "{bad}");
        }
    }
);

both_backends!(
    async fn what_is_not_a_safe_image_is_refused_with_a_clear_message(backend: Backend) {
        let app = spawn_app(backend).await;
        let token = customer(&app).await;
        let jpeg = picture(300, 300, ImageFormat::Jpeg);
        let big = {
            let mut b = picture(50, 50, ImageFormat::Png);
            b.resize(5 * 1024 * 1024 + 10, 0);
            b
        };
        for (name, bytes, says) in [
            (
                "svg",
                b"<svg xmlns=\"http://www.w3.org/2000/svg\"><script>alert(1)</script></svg>".to_vec(),
                "Only JPEG, PNG, WebP and GIF",
            ),
            (
                "html",
                b"<!doctype html><script>alert(1)</script>".to_vec(),
                "Only JPEG, PNG, WebP and GIF",
            ),
            (
                "truncated",
                jpeg[..jpeg.len() / 2].to_vec(),
                "damaged or incomplete",
            ),
            ("oversized", big, "larger than 5 MB"),
            ("empty", Vec::new(), "empty"),
            ("huge", picture(9000, 10, ImageFormat::Png), "pixels"),
        ] {
            // Whatever type the client claims.
            let (s, b) = upload(&app, Some(&token), "profiles", bytes, "image/jpeg").await;
            assert_eq!(s, 400, "{name}: {b}");
            assert_eq!(b["errors"][0]["field"], "image", "{name}: {b}");
            assert!(
                b["errors"][0]["message"].as_str().unwrap().contains(says),
                "{name}: {b}"
            );
        }
        // A polyglot: a PNG with HTML after it decodes, and only its pixels are kept.
        let mut polyglot = picture(40, 40, ImageFormat::Png);
        polyglot.extend_from_slice(b"<html><script>alert(document.cookie)</script></html>");
        let (s, b) = upload(&app, Some(&token), "profiles", polyglot, "text/html").await;
        assert_eq!(s, 201, "{b}");
        let stored = fetch(b["data"]["imageUrl"].as_str().unwrap())
            .await
            .bytes()
            .await
            .unwrap();
        assert!(!String::from_utf8_lossy(&stored).contains("<script>"));
        // EXIF (with GPS) is gone from what is stored.
        let (s, b) = upload(&app, Some(&token), "profiles", photo_with_gps(), "image/jpeg").await;
        assert_eq!(s, 201, "{b}");
        let stored = fetch(b["data"]["imageUrl"].as_str().unwrap())
            .await
            .bytes()
            .await
            .unwrap();
        let text = String::from_utf8_lossy(&stored);
        assert!(!text.contains("Exif") && !text.contains("GPS"), "metadata kept");
        // No image at all, and a folder off the list.
        let form = multipart::Form::new().text("folder", "profiles");
        let r = app
            .client
            .post(app.url("/api/v1/upload-image"))
            .bearer_auth(&token)
            .multipart(form)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 400);
        let (s, b) = upload(
            &app,
            Some(&token),
            "../etc",
            picture(10, 10, ImageFormat::Png),
            "image/png",
        )
        .await;
        assert_eq!(
            (s, b["errors"][0]["field"].as_str()),
            (StatusCode::BAD_REQUEST, Some("folder"))
        );
    }
);

both_backends!(
    async fn each_folder_has_its_permission_and_guests_may_not_upload(backend: Backend) {
        let app = spawn_app(backend).await;
        let token = customer(&app).await;
        let (s, b) = upload(
            &app,
            Some(&token),
            "services",
            picture(10, 10, ImageFormat::Png),
            "image/png",
        )
        .await;
        assert_eq!(s, 403, "a customer uploads only profile pictures: {b}");
        let (s, _) = upload(
            &app,
            None,
            "profiles",
            picture(10, 10, ImageFormat::Png),
            "image/png",
        )
        .await;
        assert_eq!(s, 401);
        let guest = crate::booking::call(
            &app,
            reqwest::Method::POST,
            "/auth/guest",
            None,
            Some(serde_json::json!({})),
        )
        .await
        .1;
        let guest = guest["data"]["accessToken"].as_str().unwrap().to_owned();
        let (s, b) = upload(
            &app,
            Some(&guest),
            "profiles",
            picture(10, 10, ImageFormat::Png),
            "image/png",
        )
        .await;
        assert_eq!(
            (s, b["code"].as_str()),
            (StatusCode::FORBIDDEN, Some("GUEST_RESTRICTED"))
        );
        create_account(&app, "boss@example.com", "Owner", true).await;
        let owner = sign_in_token(&app, "boss@example.com").await;
        for folder in ["services", "categories", "experts", "gallery"] {
            let (s, b) = upload(
                &app,
                Some(&owner),
                folder,
                picture(12, 12, ImageFormat::Png),
                "image/png",
            )
            .await;
            assert_eq!(s, 201, "{folder}: {b}");
        }
    }
);

both_backends!(
    async fn uploads_nothing_refers_to_are_swept_after_a_day(backend: Backend) {
        use pulse::server::entities::images;
        use sea_orm::{sea_query::Expr, EntityTrait};
        let app = spawn_app(backend).await;
        let token = customer(&app).await;
        let (_, kept) = upload(
            &app,
            Some(&token),
            "profiles",
            picture(30, 30, ImageFormat::Png),
            "image/png",
        )
        .await;
        let (_, dropped) = upload(
            &app,
            Some(&token),
            "profiles",
            picture(31, 30, ImageFormat::Png),
            "image/png",
        )
        .await;
        let kept = kept["data"]["imageUrl"].as_str().unwrap().to_owned();
        let dropped = dropped["data"]["imageUrl"].as_str().unwrap().to_owned();
        // Saved under another base (a CDN in front, a changed PUBLIC_URL): still the same picture.
        let key = kept.split("/uploads/").nth(1).unwrap();
        crate::booking::call(
            &app,
            reqwest::Method::PUT,
            "/profile",
            Some(&token),
            Some(serde_json::json!({ "profileImageUrl": format!("https://cdn.example.com/media/{key}") })),
        )
        .await;
        // A fresh upload is never swept (its save may be on its way).
        assert_eq!(pulse::server::media::sweep(&app.state).await.unwrap(), 0);
        let age = || {
            images::Entity::update_many()
                .col_expr(
                    images::Column::CreatedAt,
                    Expr::value(chrono::Utc::now() - chrono::Duration::days(2)),
                )
                .exec(&app.state.db)
        };
        age().await.unwrap();
        // The same picture uploaded again starts its day again.
        upload(
            &app,
            Some(&token),
            "profiles",
            picture(31, 30, ImageFormat::Png),
            "image/png",
        )
        .await;
        assert_eq!(pulse::server::media::sweep(&app.state).await.unwrap(), 0);
        assert_eq!(fetch(&dropped).await.status(), 200);
        age().await.unwrap();
        assert_eq!(pulse::server::media::sweep(&app.state).await.unwrap(), 1);
        assert_eq!(fetch(&kept).await.status(), 200);
        assert_eq!(fetch(&dropped).await.status(), 404);
    }
);

both_backends!(
    async fn uploads_go_to_s3_when_configured(backend: Backend) {
        let app = spawn_app_with(backend, crate::moto::s3_bucket(Spawn::default()).await).await;
        assert!(!app.state.media.local);
        let token = customer(&app).await;
        let (s, b) = upload(
            &app,
            Some(&token),
            "profiles",
            picture(400, 300, ImageFormat::WebP),
            "image/webp",
        )
        .await;
        assert_eq!(s, 201, "{b}");
        let url = b["data"]["imageUrl"].as_str().unwrap();
        let key = url
            .split_once("/profiles/")
            .map(|(_, k)| format!("profiles/{k}"))
            .unwrap();
        // In the bucket, with its type.
        let stored = app.state.media.get(&key).await.unwrap().expect("in the bucket");
        assert_eq!(image::guess_format(&stored).unwrap(), ImageFormat::Jpeg);
        // This server does not serve S3's objects itself.
        assert_eq!(app.get(&format!("/api/v1/uploads/{key}")).await.status(), 404);
    }
);
