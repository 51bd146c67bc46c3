//! Links sent by email: password reset by link, and staff invitations with set-password links.

use crate::both_backends;
use crate::helpers::{create_account, spawn_app_with, Spawn, TestApp, PASSWORD};
use crate::mail::MailSink;
use pulse::server::entities::roles;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{json, Value};

async fn setup(backend: crate::helpers::Backend) -> (TestApp, MailSink) {
    let sink = MailSink::start();
    let app = spawn_app_with(backend, Spawn::default().var("SMTP_URL", sink.url.clone())).await;
    (app, sink)
}

async fn role_id(app: &TestApp, name: &str) -> String {
    roles::Entity::find()
        .filter(roles::Column::Name.eq(name))
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap()
        .id
        .to_string()
}

async fn post(app: &TestApp, path: &str, token: Option<&str>, body: Value) -> (u16, Value) {
    let mut req = app.client.post(app.url(&format!("/api/v1{path}"))).json(&body);
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    let r = req.send().await.unwrap();
    (r.status().as_u16(), r.json().await.unwrap())
}

async fn access_token(app: &TestApp, email: &str, password: &str) -> String {
    let (s, b) = post(
        app,
        "/auth/login",
        None,
        json!({ "email": email, "password": password }),
    )
    .await;
    assert_eq!(s, 200, "{b}");
    b["data"]["accessToken"].as_str().unwrap().to_owned()
}

both_backends!(
    async fn a_reset_link_works_once_and_unknown_emails_look_the_same(backend: Backend) {
        let (app, sink) = setup(backend).await;
        create_account(&app, "pat@example.com", "Manager", true).await;
        let (s1, known) = post(
            &app,
            "/auth/forgot-password",
            None,
            json!({ "email": "pat@example.com", "client": "admin" }),
        )
        .await;
        let (s2, unknown) = post(
            &app,
            "/auth/forgot-password",
            None,
            json!({ "email": "nobody@example.com" }),
        )
        .await;
        assert_eq!((s1, s2), (200, 200));
        assert_eq!(known, unknown);

        let mail = sink.wait_for("pat@example.com", 1).await;
        assert!(
            mail.decoded().contains(&format!("{}/reset-password/", app.base)),
            "link to this portal"
        );
        let token = mail.token_after("/reset-password/");
        assert_eq!(token.len(), 43);

        let (s, b) = post(
            &app,
            "/auth/reset-password",
            None,
            json!({ "token": token, "newPassword": "weak" }),
        )
        .await;
        assert_eq!((s, b["errors"][0]["field"].clone()), (400, json!("newPassword")));
        let (s, _) = post(
            &app,
            "/auth/reset-password",
            None,
            json!({ "token": token, "newPassword": "N3wSalon-Pass-42!" }),
        )
        .await;
        assert_eq!(s, 200);
        let (s, b) = post(
            &app,
            "/auth/reset-password",
            None,
            json!({ "token": token, "newPassword": "Other1Pass!" }),
        )
        .await;
        assert_eq!(
            (s, b["message"].clone()),
            (400, json!("This link is invalid or has already been used."))
        );
        access_token(&app, "pat@example.com", "N3wSalon-Pass-42!").await;
    }
);

both_backends!(
    async fn inviting_staff_creates_the_account_and_the_link_sets_its_first_password(backend: Backend) {
        let (app, sink) = setup(backend).await;
        create_account(&app, "owner@example.com", "Owner", true).await;
        let owner = access_token(&app, "owner@example.com", PASSWORD).await;
        let manager_role = role_id(&app, "Manager").await;

        let (s, b) = post(
            &app,
            "/users/assign-role",
            Some(&owner),
            json!({ "email": "Quinn@Example.com", "roleId": manager_role }),
        )
        .await;
        assert_eq!(s, 201, "{b}");
        assert_eq!(b["data"]["invited"], true);
        assert_eq!(b["data"]["user"]["role"], "Manager");
        // No password yet: the account cannot sign in.
        assert_eq!(
            post(
                &app,
                "/auth/login",
                None,
                json!({ "email": "quinn@example.com", "password": PASSWORD })
            )
            .await
            .0,
            401
        );

        let mail = sink.wait_for("quinn@example.com", 1).await;
        assert!(mail.raw.contains("Subject: You have been invited to Pulse"));
        let token = mail.token_after("set-password?token=");
        let r = app
            .client
            .get(app.url(&format!("/api/v1/auth/setup-password/{token}")))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        assert_eq!(
            r.json::<Value>().await.unwrap()["data"]["email"],
            "quinn@example.com"
        );

        let (s, _) = post(
            &app,
            "/auth/set-password",
            None,
            json!({ "token": token, "password": "Qu1nnPassword!" }),
        )
        .await;
        assert_eq!(s, 200);
        let quinn = access_token(&app, "quinn@example.com", "Qu1nnPassword!").await;
        let r = app
            .client
            .get(app.url("/api/v1/auth/me"))
            .bearer_auth(&quinn)
            .send()
            .await
            .unwrap();
        assert_eq!(
            r.json::<Value>().await.unwrap()["data"]["user"]["role"]["name"],
            "Manager"
        );
        assert_eq!(
            post(
                &app,
                "/auth/set-password",
                None,
                json!({ "token": token, "password": "Again1Pass!" })
            )
            .await
            .0,
            400
        );
        let r = app
            .client
            .get(app.url("/api/v1/auth/setup-password/not-a-token"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 400);
    }
);

both_backends!(
    async fn role_assignment_is_guarded(backend: Backend) {
        let (app, _sink) = setup(backend).await;
        create_account(&app, "owner@example.com", "Owner", true).await;
        create_account(&app, "mgr@example.com", "Manager", true).await;
        create_account(&app, "cus@example.com", "Customer", true).await;
        let owner = access_token(&app, "owner@example.com", PASSWORD).await;
        let manager = access_token(&app, "mgr@example.com", PASSWORD).await;
        let customer = access_token(&app, "cus@example.com", PASSWORD).await;
        let (owner_role, recep_role) = (role_id(&app, "Owner").await, role_id(&app, "Receptionist").await);

        // Without users.manage.
        let (s, _) = post(
            &app,
            "/users/assign-role",
            Some(&customer),
            json!({ "email": "cus@example.com", "roleId": owner_role }),
        )
        .await;
        assert_eq!(s, 403);
        // A Manager may manage users but not make Owners.
        let (s, b) = post(
            &app,
            "/users/assign-role",
            Some(&manager),
            json!({ "email": "cus@example.com", "roleId": owner_role }),
        )
        .await;
        assert_eq!(
            (s, b["message"].clone()),
            (403, json!("Only an Owner can grant the Owner role."))
        );
        // The last Owner keeps the role.
        let (s, b) = post(
            &app,
            "/users/assign-role",
            Some(&owner),
            json!({ "email": "owner@example.com", "roleId": recep_role }),
        )
        .await;
        assert_eq!(
            (s, b["message"].clone()),
            (409, json!("The last Owner cannot be given another role."))
        );
        // Bad input names its fields; unknown roles are 404.
        let (s, b) = post(
            &app,
            "/users/assign-role",
            Some(&owner),
            json!({ "email": "x", "roleId": "nope" }),
        )
        .await;
        assert_eq!(s, 400);
        assert_eq!(b["errors"].as_array().unwrap().len(), 2);
        let (s, _) = post(
            &app,
            "/users/assign-role",
            Some(&owner),
            json!({ "email": "cus@example.com", "roleId": uuid::Uuid::now_v7() }),
        )
        .await;
        assert_eq!(s, 404);

        // Existing users change role at once; the change applies to their current token.
        let (s, b) = post(
            &app,
            "/users/assign-role-multiple",
            Some(&manager),
            json!({ "emails": ["cus@example.com", "ghost@example.com"], "roleId": recep_role }),
        )
        .await;
        assert_eq!(s, 200, "{b}");
        assert_eq!(b["data"]["notFound"], json!(["ghost@example.com"]));
        let r = app
            .client
            .get(app.url("/api/v1/auth/me"))
            .bearer_auth(&customer)
            .send()
            .await
            .unwrap();
        assert_eq!(
            r.json::<Value>().await.unwrap()["data"]["user"]["role"]["name"],
            "Receptionist"
        );
    }
);
