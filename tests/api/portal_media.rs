//! The portal's side of images and notifications, through its server functions: uploads (the same
//! checks and folder permissions as `POST /upload-image`), the gallery, the bell, the delivery log
//! with its retry, and the notification settings; and what staff hear about new bookings.

use std::io::Cursor;

use image::{DynamicImage, ImageBuffer, ImageFormat, Rgb};
use pulse::server::entities::{audit_log, experts, notifications, outbox};
use reqwest::{multipart, Method, StatusCode};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set};
use serde_json::{json, Value};
use uuid::Uuid;

use crate::booking::{call, shop_on, Shop};
use crate::both_backends;
use crate::helpers::{
    client, create_account, form_fn, json_fn, portal, sign_in_token, spawn_app, Backend, TestApp,
};

fn picture(w: u32, h: u32) -> Vec<u8> {
    let img = ImageBuffer::from_fn(w, h, |x, y| Rgb([(x % 251) as u8, (y % 241) as u8, 90]));
    let mut out = Vec::new();
    DynamicImage::ImageRgb8(img)
        .write_to(&mut Cursor::new(&mut out), ImageFormat::Png)
        .unwrap();
    out
}

/// Uploads through the portal's `upload_image`, as the image field's `FormData` sends it.
async fn upload(app: &TestApp, c: &reqwest::Client, folder: &str, bytes: Vec<u8>) -> (StatusCode, Value) {
    let form = multipart::Form::new()
        .text("folder", folder.to_owned())
        .part("image", multipart::Part::bytes(bytes).file_name("photo.png"));
    let r = c
        .post(app.url("/api/fn/upload_image"))
        .header("accept", "application/json")
        .multipart(form)
        .send()
        .await
        .unwrap();
    let status = r.status();
    let text = r.text().await.unwrap();
    (status, serde_json::from_str(&text).unwrap_or(Value::String(text)))
}

/// A shop with a receptionist and an expert whose staff record is linked to their account.
async fn staffed(backend: Backend) -> (Shop, Uuid) {
    let shop = shop_on(spawn_app(backend).await).await;
    let app = &shop.app;
    create_account(app, "desk@example.com", "Receptionist", true).await;
    let ada = create_account(app, "ada@example.com", "Expert", true).await;
    let expert = experts::Entity::find_by_id(Uuid::parse_str(&shop.expert).unwrap())
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap();
    let mut linked: experts::ActiveModel = expert.into();
    linked.user_id = Set(Some(ada.id));
    linked.update(&app.state.db).await.unwrap();
    (shop, ada.id)
}

both_backends!(
    async fn the_portal_uploads_with_the_folder_rules_of_the_api(backend: Backend) {
        let (shop, _) = staffed(backend).await;
        let app = &shop.app;
        let owner = portal(app, "owner@example.com").await;
        let expert = portal(app, "ada@example.com").await;

        let (s, b) = upload(app, &owner, "services", picture(1800, 900)).await;
        assert_eq!(s, StatusCode::OK, "{b}");
        let url = b["imageUrl"].as_str().unwrap().to_owned();
        assert!(url.contains("/api/v1/uploads/services/"), "{url}");
        assert_eq!(
            (b["width"].as_u64(), b["height"].as_u64()),
            (Some(1600), Some(800))
        );
        let served = reqwest::get(&url).await.unwrap();
        assert_eq!(served.status(), 200);
        assert_eq!(served.headers()["content-type"], "image/jpeg");

        // An expert may change their own picture, not a service's.
        let (s, _) = upload(app, &expert, "profiles", picture(64, 64)).await;
        assert_eq!(s, StatusCode::OK);
        let (s, b) = upload(app, &expert, "services", picture(64, 64)).await;
        assert_eq!(s, StatusCode::FORBIDDEN, "{b}");
        // Signed out: 401.
        let (s, _) = upload(app, &client(), "profiles", picture(64, 64)).await;
        assert_eq!(s, StatusCode::UNAUTHORIZED);

        // What is not an image, an unknown folder, and a form without a file name their field.
        let (s, b) = upload(
            app,
            &owner,
            "services",
            b"<svg xmlns='http://www.w3.org/2000/svg'/>".to_vec(),
        )
        .await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{b}");
        assert_eq!(b["errors"][0]["field"], "image", "{b}");
        let (s, b) = upload(app, &owner, "../secrets", picture(8, 8)).await;
        assert_eq!(s, StatusCode::BAD_REQUEST);
        assert_eq!(b["errors"][0]["field"], "folder", "{b}");
        let r = owner
            .post(app.url("/api/fn/upload_image"))
            .header("accept", "application/json")
            .multipart(multipart::Form::new().text("folder", "services"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::BAD_REQUEST);

        // A body that is not a multipart form at all is a 400, not a crashed request.
        for content_type in ["application/json", "multipart/form-data"] {
            let r = owner
                .post(app.url("/api/fn/upload_image"))
                .header("accept", "application/json")
                .header("content-type", content_type)
                .body("{}")
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), StatusCode::BAD_REQUEST, "{content_type}");
            let b: Value = r.json().await.unwrap();
            assert_eq!(b["errors"][0]["field"], "image", "{b}");
        }
        // Too big: refused while it streams in.
        let big = vec![0u8; 5 * 1024 * 1024 + 1];
        let (s, b) = upload(app, &owner, "services", big).await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{b}");
        assert!(
            b["errors"][0]["message"].as_str().unwrap().contains("5 MB"),
            "{b}"
        );
    }
);

both_backends!(
    async fn the_gallery_is_kept_in_the_portal_and_shown_by_the_api(backend: Backend) {
        let (shop, _) = staffed(backend).await;
        let app = &shop.app;
        let owner = portal(app, "owner@example.com").await;
        let desk = portal(app, "desk@example.com").await;

        let (s, b) = upload(app, &owner, "gallery", picture(400, 300)).await;
        assert_eq!(s, StatusCode::OK, "{b}");
        let uploaded = b["imageUrl"].as_str().unwrap().to_owned();
        let mut ids = Vec::new();
        for (url, caption) in [
            (uploaded.as_str(), "Our salon"),
            ("https://cdn.example.com/team.jpg", ""),
            ("https://cdn.example.com/chairs.jpg", "Chairs"),
        ] {
            let (s, b) = json_fn(
                app,
                &owner,
                "add_gallery_picture",
                json!({ "form": { "image_url": url, "caption": caption } }),
            )
            .await;
            assert_eq!(s, StatusCode::OK, "{b}");
            ids.push(b["id"].as_str().unwrap().to_owned());
        }
        // Bad input names its field.
        let (s, b) = json_fn(
            app,
            &owner,
            "add_gallery_picture",
            json!({ "form": { "image_url": "javascript:alert(1)", "caption": "x" } }),
        )
        .await;
        assert_eq!(s, StatusCode::BAD_REQUEST);
        assert_eq!(b["errors"][0]["field"], "imageUrl", "{b}");
        let (s, b) = json_fn(
            app,
            &owner,
            "add_gallery_picture",
            json!({ "form": { "image_url": "https://cdn.example.com/a.jpg", "caption": "a\u{7}b" } }),
        )
        .await;
        assert_eq!(s, StatusCode::BAD_REQUEST);
        assert_eq!(b["errors"][0]["field"], "caption", "{b}");
        let (s, b) = json_fn(
            app,
            &owner,
            "add_gallery_picture",
            json!({ "form": { "image_url": "https://cdn.example.com/a.jpg", "caption": "c".repeat(301) } }),
        )
        .await;
        assert_eq!(s, StatusCode::BAD_REQUEST);
        assert_eq!(b["errors"][0]["field"], "caption", "{b}");

        // Move the last one first, hide the middle one, recaption the first.
        let (s, _) = json_fn(
            app,
            &owner,
            "move_gallery_picture",
            json!({ "id": ids[2], "earlier": true }),
        )
        .await;
        assert_eq!(s, StatusCode::OK);
        let (s, _) = json_fn(
            app,
            &owner,
            "move_gallery_picture",
            json!({ "id": ids[2], "earlier": true }),
        )
        .await;
        assert_eq!(s, StatusCode::OK);
        // Already first: stays.
        let (s, _) = json_fn(
            app,
            &owner,
            "move_gallery_picture",
            json!({ "id": ids[2], "earlier": true }),
        )
        .await;
        assert_eq!(s, StatusCode::OK);
        let (s, b) = json_fn(
            app,
            &owner,
            "update_gallery_picture",
            json!({ "id": ids[1], "caption": "The team", "is_active": false }),
        )
        .await;
        assert_eq!(s, StatusCode::OK, "{b}");
        assert_eq!(b["caption"], "The team");

        let (s, all) = form_fn(app, &owner, "load_gallery", &[]).await;
        assert_eq!(s, StatusCode::OK);
        let order: Vec<&str> = all
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["id"].as_str().unwrap())
            .collect();
        assert_eq!(order, [ids[2].as_str(), ids[0].as_str(), ids[1].as_str()]);

        // The app sees the active ones, in that order.
        let (s, b) = call(app, Method::GET, "/gallery", None, None).await;
        assert_eq!(s, 200);
        let shown: Vec<&str> = b["data"]["gallery"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["id"].as_str().unwrap())
            .collect();
        assert_eq!(shown, [ids[2].as_str(), ids[0].as_str()]);

        // A receptionist may not touch it; removing works once.
        let (s, _) = form_fn(app, &desk, "load_gallery", &[]).await;
        assert_eq!(s, StatusCode::FORBIDDEN);
        let (s, _) = json_fn(app, &desk, "remove_gallery_picture", json!({ "id": ids[0] })).await;
        assert_eq!(s, StatusCode::FORBIDDEN);
        let (s, _) = json_fn(app, &owner, "remove_gallery_picture", json!({ "id": ids[0] })).await;
        assert_eq!(s, StatusCode::OK);
        let (s, _) = json_fn(app, &owner, "remove_gallery_picture", json!({ "id": ids[0] })).await;
        assert_eq!(s, StatusCode::NOT_FOUND);

        // Each change is in the audit log, with who made it.
        let actions: Vec<String> = audit_log::Entity::find()
            .filter(audit_log::Column::TargetType.eq("gallery"))
            .all(&app.state.db)
            .await
            .unwrap()
            .into_iter()
            .map(|e| e.action)
            .collect();
        for action in ["gallery.added", "gallery.updated", "gallery.removed"] {
            assert!(actions.iter().any(|a| a == action), "{action} in {actions:?}");
        }
    }
);

both_backends!(
    async fn staff_hear_about_new_bookings_and_payments_in_the_bell(backend: Backend) {
        let (shop, ada) = staffed(backend).await;
        let app = &shop.app;
        create_account(app, "cara@example.com", "Customer", true).await;
        let cara = sign_in_token(app, "cara@example.com").await;
        let (s, b) = call(
            app,
            Method::POST,
            "/appointments",
            Some(&cara),
            Some(json!({
                "serviceId": shop.service, "appointmentDate": shop.day, "appointmentTime": "10:00",
                "customerName": "Cara Client", "customerPhone": "+44 20 7946 0000", "payNow": false,
            })),
        )
        .await;
        assert_eq!(s, 201, "{b}");
        let id = b["data"]["appointment"]["id"].as_str().unwrap().to_owned();

        let owner = portal(app, "owner@example.com").await;
        let desk = portal(app, "desk@example.com").await;
        let expert = portal(app, "ada@example.com").await;
        // The owner and the receptionist manage all bookings; Ada is the booked expert.
        for who in [&owner, &desk, &expert] {
            let (s, inbox) = form_fn(app, who, "load_inbox", &[]).await;
            assert_eq!(s, StatusCode::OK, "{inbox}");
            assert_eq!(inbox["unread"], 1, "{inbox}");
            let (entry, when) = (&inbox["entries"][0][0], &inbox["entries"][0][1]);
            assert_eq!(entry["title"], "New booking: Cut");
            assert!(
                entry["message"].as_str().unwrap().contains("Cara Client"),
                "{entry}"
            );
            assert!(when.as_str().unwrap().len() >= 16, "{when}");
        }

        // Staff booking on someone's behalf do not hear about their own booking.
        let (s, b) = call(
            app,
            Method::POST,
            "/appointments",
            Some(&shop.owner),
            Some(json!({
                "serviceId": shop.service, "appointmentDate": shop.day, "appointmentTime": "14:00",
                "customerName": "Walk In", "customerPhone": "+44 20 7946 0001", "payNow": false,
            })),
        )
        .await;
        assert_eq!(s, 201, "{b}");
        let (_, inbox) = form_fn(app, &owner, "load_inbox", &[]).await;
        let new_bookings = inbox["entries"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e[0]["title"] == "New booking: Cut")
            .count();
        assert_eq!(new_bookings, 1, "{inbox}");
        let (_, inbox) = form_fn(app, &expert, "load_inbox", &[]).await;
        assert_eq!(inbox["unread"], 2, "{inbox}");

        // A payment is announced to staff as a payment, with the contract's push data type.
        let (s, _) = call(
            app,
            Method::PUT,
            format!("/appointments/{id}/pay"),
            Some(&shop.owner),
            Some(json!({ "paymentMethod": "cash" })),
        )
        .await;
        assert_eq!(s, 200);
        let paid = notifications::Entity::find()
            .filter(notifications::Column::UserId.eq(ada))
            .filter(notifications::Column::Kind.eq("payment"))
            .one(&app.state.db)
            .await
            .unwrap()
            .expect("a payment notice for the expert");
        assert!(paid.data.unwrap().contains("appointmentId"));

        // Mark one read, then the rest; someone else's entry is not found.
        let (_, inbox) = form_fn(app, &expert, "load_inbox", &[]).await;
        let first = inbox["entries"][0][0]["id"].as_str().unwrap().to_owned();
        let (s, _) = json_fn(app, &owner, "mark_notifications_read", json!({ "id": first })).await;
        assert_eq!(s, StatusCode::NOT_FOUND);
        let (s, _) = json_fn(app, &expert, "mark_notifications_read", json!({ "id": first })).await;
        assert_eq!(s, StatusCode::OK);
        let (_, inbox) = form_fn(app, &expert, "load_inbox", &[]).await;
        assert_eq!(inbox["unread"], 2, "{inbox}");
        let (s, _) = json_fn(app, &expert, "mark_notifications_read", json!({ "id": null })).await;
        assert_eq!(s, StatusCode::OK);
        let (_, inbox) = form_fn(app, &expert, "load_inbox", &[]).await;
        assert_eq!(inbox["unread"], 0, "{inbox}");
        // Signed out: 401.
        let (s, _) = form_fn(app, &client(), "load_inbox", &[]).await;
        assert_eq!(s, StatusCode::UNAUTHORIZED);
    }
);

both_backends!(
    async fn the_delivery_log_filters_and_sends_failed_ones_again(backend: Backend) {
        let (shop, _) = staffed(backend).await;
        let app = &shop.app;
        create_account(app, "cara@example.com", "Customer", true).await;
        let cara = sign_in_token(app, "cara@example.com").await;
        let (s, b) = call(
            app,
            Method::POST,
            "/appointments",
            Some(&cara),
            Some(json!({
                "serviceId": shop.service, "appointmentDate": shop.day, "appointmentTime": "10:00",
                "customerName": "Cara Client", "customerPhone": "+44 20 7946 0000", "payNow": false,
            })),
        )
        .await;
        assert_eq!(s, 201, "{b}");
        let owner = portal(app, "owner@example.com").await;
        let desk = portal(app, "desk@example.com").await;

        let (s, list) = json_fn(
            app,
            &owner,
            "list_deliveries",
            json!({ "query": { "channel": "email" } }),
        )
        .await;
        assert_eq!(s, StatusCode::OK, "{list}");
        let rows = list["rows"].as_array().unwrap();
        let booking_mail = rows
            .iter()
            .find(|r| {
                r["delivery"]["recipient"] == "cara@example.com"
                    && r["delivery"]["subject"] == "Booking received"
            })
            .unwrap_or_else(|| panic!("the booking email is listed: {list}"));
        assert!(rows.iter().all(|r| r["delivery"]["channel"] == "email"));
        assert!(booking_mail["when"].as_str().unwrap().len() >= 16);
        assert_eq!(list["pagination"]["page"], 1);

        // A made-up channel or state is named.
        let (s, b) = json_fn(
            app,
            &owner,
            "list_deliveries",
            json!({ "query": { "channel": "fax", "status": "lost", "page": "0" } }),
        )
        .await;
        assert_eq!(s, StatusCode::BAD_REQUEST);
        let fields: Vec<&str> = b["errors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["field"].as_str().unwrap())
            .collect();
        assert_eq!(fields, ["channel", "status", "page"]);

        // A dead letter goes again; anything else cannot.
        let id = booking_mail["delivery"]["id"].as_str().unwrap().to_owned();
        let row = outbox::Entity::find_by_id(Uuid::parse_str(&id).unwrap())
            .one(&app.state.db)
            .await
            .unwrap()
            .unwrap();
        let was_failed = row.status == "failed";
        let mut dead: outbox::ActiveModel = row.into();
        dead.status = Set("failed".into());
        dead.attempts = Set(8);
        dead.last_error = Set(Some("550 mailbox unavailable".into()));
        dead.update(&app.state.db).await.unwrap();
        assert!(!was_failed);
        let (s, list) = json_fn(
            app,
            &owner,
            "list_deliveries",
            json!({ "query": { "status": "failed" } }),
        )
        .await;
        assert_eq!(s, StatusCode::OK);
        assert_eq!(
            list["rows"][0]["delivery"]["last_error"], "550 mailbox unavailable",
            "{list}"
        );
        let (s, _) = json_fn(app, &desk, "retry_delivery", json!({ "id": id })).await;
        assert_eq!(s, StatusCode::FORBIDDEN);
        let (s, b) = json_fn(app, &owner, "retry_delivery", json!({ "id": id })).await;
        assert_eq!(s, StatusCode::OK, "{b}");
        let again = outbox::Entity::find_by_id(Uuid::parse_str(&id).unwrap())
            .one(&app.state.db)
            .await
            .unwrap()
            .unwrap();
        assert_ne!(again.status, "failed");
        let (s, _) = json_fn(app, &owner, "retry_delivery", json!({ "id": id })).await;
        assert_eq!(s, StatusCode::CONFLICT);
        let (s, _) = json_fn(app, &owner, "retry_delivery", json!({ "id": Uuid::now_v7() })).await;
        assert_eq!(s, StatusCode::NOT_FOUND);
        let (s, _) = json_fn(app, &desk, "list_deliveries", json!({ "query": {} })).await;
        assert_eq!(s, StatusCode::FORBIDDEN);
    }
);

both_backends!(
    async fn the_owner_writes_the_messages_customers_get(backend: Backend) {
        let (shop, _) = staffed(backend).await;
        let app = &shop.app;
        let owner = portal(app, "owner@example.com").await;
        let desk = portal(app, "desk@example.com").await;

        let (s, mut settings) = form_fn(app, &owner, "load_notification_settings", &[]).await;
        assert_eq!(s, StatusCode::OK, "{settings}");
        assert_eq!(settings["email"], true);
        assert_eq!(settings["texts"]["booked"]["title"], "Booking received");
        let (s, _) = form_fn(app, &desk, "load_notification_settings", &[]).await;
        assert_eq!(s, StatusCode::FORBIDDEN);

        // Bad texts are named, and nothing is saved (a control character is stopped at the edge).
        settings["texts"]["paid"]["title"] = json!("x".repeat(121));
        settings["texts"]["reminder"]["body"] = json!("y".repeat(501));
        let (s, b) = json_fn(
            app,
            &owner,
            "save_notification_settings",
            json!({ "settings": settings }),
        )
        .await;
        assert_eq!(s, StatusCode::BAD_REQUEST);
        let fields: Vec<&str> = b["errors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["field"].as_str().unwrap())
            .collect();
        assert_eq!(fields, ["texts.paid.title", "texts.reminder.body"]);
        settings["texts"]["paid"]["title"] = json!("Paid");
        settings["texts"]["reminder"]["body"] = json!("bad\u{0}");
        let (s, b) = json_fn(
            app,
            &owner,
            "save_notification_settings",
            json!({ "settings": settings }),
        )
        .await;
        assert_eq!(s, StatusCode::BAD_REQUEST);
        assert_eq!(b["errors"][0]["field"], "texts.reminder.body", "{b}");
        let (_, stored) = form_fn(app, &owner, "load_notification_settings", &[]).await;
        assert_eq!(stored["texts"]["paid"]["title"], "Payment received");

        // Saved: the next booking's entry says it, and SMS is off.
        let (_, mut settings) = form_fn(app, &owner, "load_notification_settings", &[]).await;
        settings["sms"] = json!(false);
        settings["texts"]["booked"]["title"] = json!("We have you, {customer}");
        let (s, b) = json_fn(
            app,
            &owner,
            "save_notification_settings",
            json!({ "settings": settings }),
        )
        .await;
        assert_eq!(s, StatusCode::OK, "{b}");
        assert_eq!(b["sms"], false);
        let (s, b) = json_fn(
            app,
            &desk,
            "save_notification_settings",
            json!({ "settings": settings }),
        )
        .await;
        assert_eq!(s, StatusCode::FORBIDDEN, "{b}");

        create_account(app, "cara@example.com", "Customer", true).await;
        let cara = sign_in_token(app, "cara@example.com").await;
        let (s, b) = call(
            app,
            Method::POST,
            "/appointments",
            Some(&cara),
            Some(json!({
                "serviceId": shop.service, "appointmentDate": shop.day, "appointmentTime": "11:00",
                "customerName": "Cara Client", "customerPhone": "+44 20 7946 0000", "payNow": false,
            })),
        )
        .await;
        assert_eq!(s, 201, "{b}");
        let (_, inbox) = call(app, Method::GET, "/notifications/my", Some(&cara), None).await;
        assert_eq!(inbox["data"][0]["title"], "We have you, Cara Client");
    }
);
