//! Sign-up with an emailed code, and password reset by code, through a real SMTP server.

use crate::both_backends;
use crate::helpers::{spawn_app_with, Spawn, TestApp};
use crate::mail::MailSink;
use pulse::server::entities::{one_time_codes, outbox, users};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{json, Value};

async fn post(app: &TestApp, path: &str, body: Value) -> (u16, Value) {
    let r = app
        .client
        .post(app.url(&format!("/api/v1{path}")))
        .json(&body)
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.json().await.unwrap())
}

async fn app_with_mail(backend: crate::helpers::Backend) -> (TestApp, MailSink) {
    let sink = MailSink::start();
    let app = spawn_app_with(backend, Spawn::default().var("SMTP_URL", sink.url.clone())).await;
    (app, sink)
}

fn sign_up(email: &str) -> Value {
    json!({ "name": "Hana Ali", "email": email, "password": "Salon-Pass-42!", "phone": "+92 300 1234567", "gender": "female" })
}

both_backends!(
    async fn sign_up_verify_by_emailed_code_then_log_in(backend: Backend) {
        let (app, sink) = app_with_mail(backend).await;
        let (s, b) = post(&app, "/auth/register", sign_up("Hana@Example.com")).await;
        assert_eq!(s, 201, "{b}");
        assert_eq!(b["data"], json!({ "email": "hana@example.com" }));
        // Not an account until verified.
        assert_eq!(
            post(
                &app,
                "/auth/login",
                json!({ "email": "hana@example.com", "password": "Salon-Pass-42!" })
            )
            .await
            .0,
            401
        );

        let mail = sink.wait_for("hana@example.com", 1).await;
        assert!(mail.raw.contains("Subject: Verify your email"), "{}", mail.raw);
        assert!(mail.raw.contains("text/html"), "an HTML part too");
        let code = sink.code("hana@example.com", 1).await;

        let wrong = if code == "111111" { "222222" } else { "111111" };
        let (s, b) = post(
            &app,
            "/auth/verify-email",
            json!({ "email": "hana@example.com", "code": wrong }),
        )
        .await;
        assert_eq!(
            (s, b["message"].clone()),
            (400, json!("Invalid code. 4 attempts left."))
        );
        let (s, b) = post(
            &app,
            "/auth/verify-email",
            json!({ "email": "hana@example.com", "code": code }),
        )
        .await;
        assert_eq!(s, 200, "{b}");
        // Single use.
        assert_eq!(
            post(
                &app,
                "/auth/verify-email",
                json!({ "email": "hana@example.com", "code": code })
            )
            .await
            .0,
            400
        );

        let (s, b) = post(
            &app,
            "/auth/login",
            json!({ "email": "hana@example.com", "password": "Salon-Pass-42!" }),
        )
        .await;
        assert_eq!(s, 200, "{b}");
        assert_eq!(b["data"]["user"]["role"]["name"], "User");
        let user = users::Entity::find()
            .filter(users::Column::Email.eq("hana@example.com"))
            .one(&app.state.db)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            (user.gender.as_deref(), user.phone.as_deref()),
            (Some("Female"), Some("+92 300 1234567"))
        );
        assert!(user.email_verified);
    }
);

both_backends!(
    async fn bad_sign_ups_get_every_field_error_and_duplicates_the_contract_message(backend: Backend) {
        let (app, _sink) = app_with_mail(backend).await;
        let (s, b) = post(
            &app,
            "/auth/register",
            json!({ "email": "x", "password": "short", "phone": "12", "gender": "robot" }),
        )
        .await;
        assert_eq!(s, 400);
        let fields: Vec<&str> = b["errors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["field"].as_str().unwrap())
            .collect();
        assert_eq!(fields, ["name", "email", "password", "phone", "gender"]);

        post(&app, "/auth/register", sign_up("ivy@example.com")).await;
        let code = _sink.code("ivy@example.com", 1).await;
        post(
            &app,
            "/auth/verify-email",
            json!({ "email": "ivy@example.com", "code": code }),
        )
        .await;
        let (s, b) = post(&app, "/auth/register", sign_up("ivy@example.com")).await;
        assert_eq!(
            (s, b["message"].clone()),
            (
                400,
                json!("This email is already registered. Please login instead.")
            )
        );
    }
);

both_backends!(
    async fn codes_die_after_five_wrong_tries_expire_and_are_replaced_by_resend(backend: Backend) {
        let (app, sink) = app_with_mail(backend).await;
        post(&app, "/auth/register", sign_up("jo@example.com")).await;
        let first = sink.code("jo@example.com", 1).await;
        let wrong = if first == "111111" { "222222" } else { "111111" };
        for _ in 0..5 {
            assert_eq!(
                post(
                    &app,
                    "/auth/verify-email",
                    json!({ "email": "jo@example.com", "code": wrong })
                )
                .await
                .0,
                400
            );
        }
        let (s, b) = post(
            &app,
            "/auth/verify-email",
            json!({ "email": "jo@example.com", "code": first }),
        )
        .await;
        assert_eq!(
            (s, b["message"].clone()),
            (400, json!("Too many wrong codes. Please request a new one."))
        );

        // Resend: a new code works, the old one no longer does.
        assert_eq!(
            post(
                &app,
                "/auth/resend-verification",
                json!({ "email": "jo@example.com" })
            )
            .await
            .0,
            200
        );
        let second = sink.code("jo@example.com", 2).await;
        // Expire it to see the expiry message, then resend again for a good one.
        one_time_codes::Entity::update_many()
            .col_expr(
                one_time_codes::Column::ExpiresAt,
                sea_orm::sea_query::Expr::value(chrono::Utc::now() - chrono::Duration::minutes(1)),
            )
            .filter(one_time_codes::Column::Email.eq("jo@example.com"))
            .exec(&app.state.db)
            .await
            .unwrap();
        let (s, b) = post(
            &app,
            "/auth/verify-email",
            json!({ "email": "jo@example.com", "code": second }),
        )
        .await;
        assert_eq!(
            (s, b["message"].clone()),
            (
                400,
                json!("Verification code has expired. Please register again.")
            )
        );
        post(
            &app,
            "/auth/resend-verification",
            json!({ "email": "jo@example.com" }),
        )
        .await;
        let third = sink.code("jo@example.com", 3).await;
        if second != third {
            assert_eq!(
                post(
                    &app,
                    "/auth/verify-email",
                    json!({ "email": "jo@example.com", "code": second })
                )
                .await
                .0,
                400
            );
        }
        assert_eq!(
            post(
                &app,
                "/auth/verify-email",
                json!({ "email": "jo@example.com", "code": third })
            )
            .await
            .0,
            200
        );

        // Unknown emails get the same answer and no mail.
        assert_eq!(
            post(
                &app,
                "/auth/resend-verification",
                json!({ "email": "ghost@example.com" })
            )
            .await
            .0,
            200
        );
        assert!(sink.messages_to("ghost@example.com").is_empty());
    }
);

both_backends!(
    async fn a_reset_code_sets_a_new_password_and_ends_every_sign_in(backend: Backend) {
        let (app, sink) = app_with_mail(backend).await;
        post(&app, "/auth/register", sign_up("kim@example.com")).await;
        let code = sink.code("kim@example.com", 1).await;
        post(
            &app,
            "/auth/verify-email",
            json!({ "email": "kim@example.com", "code": code }),
        )
        .await;
        let (_, b) = post(
            &app,
            "/auth/login",
            json!({ "email": "kim@example.com", "password": "Salon-Pass-42!" }),
        )
        .await;
        let refresh = b["data"]["refreshToken"].as_str().unwrap().to_owned();

        let (s, unknown) = post(
            &app,
            "/auth/forgot-password-otp",
            json!({ "email": "nobody@example.com" }),
        )
        .await;
        let (s2, known) = post(
            &app,
            "/auth/forgot-password-otp",
            json!({ "email": "kim@example.com" }),
        )
        .await;
        assert_eq!((s, s2), (200, 200));
        assert_eq!(unknown, known, "the answer must not reveal accounts");
        let mail = sink.wait_for("kim@example.com", 2).await;
        assert!(mail.raw.contains("Subject: Your password reset code"));
        let reset = sink.code("kim@example.com", 2).await;

        let (s, b) = post(
            &app,
            "/auth/reset-password-otp",
            json!({ "email": "kim@example.com", "code": reset, "newPassword": "weak" }),
        )
        .await;
        assert_eq!((s, b["errors"][0]["field"].clone()), (400, json!("newPassword")));
        let (s, b) = post(
            &app,
            "/auth/reset-password-otp",
            json!({ "email": "kim@example.com", "code": reset, "newPassword": "password1" }),
        )
        .await;
        assert_eq!(s, 400, "a common password is refused: {b}");
        assert!(
            b["errors"][0]["message"]
                .as_str()
                .unwrap()
                .contains("commonly used"),
            "{b}"
        );
        let (s, b) = post(
            &app,
            "/auth/reset-password-otp",
            json!({ "email": "kim@example.com", "code": reset, "newPassword": "N3wSalon-Pass-42!" }),
        )
        .await;
        assert_eq!(s, 200, "{b}");

        assert_eq!(
            post(
                &app,
                "/auth/login",
                json!({ "email": "kim@example.com", "password": "Salon-Pass-42!" })
            )
            .await
            .0,
            401
        );
        assert_eq!(
            post(
                &app,
                "/auth/login",
                json!({ "email": "kim@example.com", "password": "N3wSalon-Pass-42!" })
            )
            .await
            .0,
            200
        );
        assert_eq!(
            post(&app, "/auth/refresh-token", json!({ "refreshToken": refresh }))
                .await
                .0,
            401
        );
        // The code was used up.
        assert_eq!(
            post(
                &app,
                "/auth/reset-password-otp",
                json!({ "email": "kim@example.com", "code": reset, "newPassword": "Another1!" })
            )
            .await
            .0,
            400
        );
    }
);

both_backends!(
    async fn without_smtp_mail_is_logged_and_with_smtp_down_it_waits_in_the_outbox(backend: Backend) {
        let app = spawn_app_with(backend, Spawn::default()).await;
        post(&app, "/auth/register", sign_up("lee@example.com")).await;
        let row = wait_outbox(&app, "lee@example.com", |r| {
            r.status != "pending" && r.status != "sending"
        })
        .await;
        assert_eq!(row.status, "logged");

        // Nothing listens on port 1: delivery fails, the message stays queued with the error.
        let down = spawn_app_with(backend, Spawn::default().var("SMTP_URL", "smtp://127.0.0.1:1")).await;
        let (s, _) = post(&down, "/auth/register", sign_up("mo@example.com")).await;
        assert_eq!(s, 201, "a mail outage must not fail the sign-up");
        let row = wait_outbox(&down, "mo@example.com", |r| {
            r.attempts >= 1 && r.status == "pending"
        })
        .await;
        assert!(row.last_error.is_some());
        assert!(row.next_attempt_at > chrono::Utc::now());
    }
);

async fn wait_outbox(app: &TestApp, to: &str, done: impl Fn(&outbox::Model) -> bool) -> outbox::Model {
    for _ in 0..200 {
        if let Some(row) = outbox::Entity::find()
            .filter(outbox::Column::Recipient.eq(to))
            .one(&app.state.db)
            .await
            .unwrap()
        {
            if done(&row) {
                return row;
            }
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("outbox row for {to} never reached the expected state");
}
