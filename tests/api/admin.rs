//! Roles, users and the audit log, each behind its permission.

use crate::both_backends;
use crate::helpers::{create_account, sign_in_token, spawn_app, TestApp};
use pulse::server::entities::roles;
use reqwest::Method;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{json, Value};

async fn call(app: &TestApp, method: Method, path: &str, token: &str, body: Option<Value>) -> (u16, Value) {
    let mut req = app
        .client
        .request(method, app.url(&format!("/api/v1{path}")))
        .bearer_auth(token);
    if let Some(b) = body {
        req = req.json(&b);
    }
    let r = req.send().await.unwrap();
    (r.status().as_u16(), r.json().await.unwrap())
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

both_backends!(
    async fn roles_are_created_edited_and_deleted_with_their_rules(backend: Backend) {
        let app = spawn_app(backend).await;
        create_account(&app, "own@example.com", "Owner", true).await;
        let stylist = create_account(&app, "sty@example.com", "Expert", true).await.id;
        let owner = sign_in_token(&app, "own@example.com").await;

        let (s, b) = call(&app, Method::GET, "/roles", &owner, None).await;
        assert_eq!(s, 200);
        let names: Vec<&str> = b["data"]["roles"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["name"].as_str().unwrap())
            .collect();
        assert!(names.contains(&"Owner") && names.contains(&"Receptionist"));

        let (s, b) = call(&app, Method::POST, "/roles", &owner, Some(json!({ "name": "Stylist Lead", "permissions": ["portal.access", "experts.view", "nope.nope"] }))).await;
        assert_eq!(
            (s, b["errors"][0]["field"].clone()),
            (400, json!("permissions[2]"))
        );
        let (s, b) = call(
            &app,
            Method::POST,
            "/roles",
            &owner,
            Some(json!({ "name": "Stylist Lead", "permissions": ["portal.access", "experts.view"] })),
        )
        .await;
        assert_eq!(s, 201, "{b}");
        let lead = b["data"]["role"]["id"].as_str().unwrap().to_owned();
        assert_eq!(
            b["data"]["role"]["permissions"],
            json!(["portal.access", "experts.view"])
        );
        assert_eq!(
            call(
                &app,
                Method::POST,
                "/roles",
                &owner,
                Some(json!({ "name": "stylist lead" }))
            )
            .await
            .0,
            409
        );

        // Permissions are replaced as a whole.
        let (s, b) = call(
            &app,
            Method::PUT,
            &format!("/roles/{lead}/permissions"),
            &owner,
            Some(json!({ "permissions": ["dashboard.view"] })),
        )
        .await;
        assert_eq!(
            (s, b["data"]["role"]["permissions"].clone()),
            (200, json!(["dashboard.view"]))
        );
        let (s, b) = call(
            &app,
            Method::PUT,
            &format!("/roles/{lead}"),
            &owner,
            Some(json!({ "name": "Senior Stylist" })),
        )
        .await;
        assert_eq!(
            (s, b["data"]["role"]["name"].clone()),
            (200, json!("Senior Stylist"))
        );

        // System roles keep their names and cannot be deleted; Owner keeps every permission.
        let owner_role = role_id(&app, "Owner").await;
        assert_eq!(
            call(
                &app,
                Method::PUT,
                &format!("/roles/{owner_role}"),
                &owner,
                Some(json!({ "name": "Boss" }))
            )
            .await
            .0,
            400
        );
        assert_eq!(
            call(
                &app,
                Method::DELETE,
                &format!("/roles/{owner_role}"),
                &owner,
                None
            )
            .await
            .0,
            400
        );
        assert_eq!(
            call(
                &app,
                Method::PUT,
                &format!("/roles/{owner_role}/permissions"),
                &owner,
                Some(json!({ "permissions": [] }))
            )
            .await
            .0,
            400
        );

        // A role still held is deleted only by moving its users.
        let expert_role = role_id(&app, "Expert").await;
        let (s, _) = call(
            &app,
            Method::DELETE,
            &format!("/roles/{expert_role}"),
            &owner,
            None,
        )
        .await;
        assert_eq!(s, 409);
        let (s, _) = call(
            &app,
            Method::DELETE,
            &format!("/roles/{expert_role}?reassignTo={lead}"),
            &owner,
            None,
        )
        .await;
        assert_eq!(s, 200);
        let (_, b) = call(&app, Method::GET, &format!("/users/{stylist}"), &owner, None).await;
        assert_eq!(b["data"]["user"]["role"], "Senior Stylist");
        assert_eq!(
            call(&app, Method::GET, "/roles/not-an-id", &owner, None).await.0,
            404
        );
    }
);

both_backends!(
    async fn users_are_listed_filtered_and_managed_within_the_owner_rules(backend: Backend) {
        let app = spawn_app(backend).await;
        let me = create_account(&app, "own@example.com", "Owner", true).await.id;
        create_account(&app, "mgr@example.com", "Manager", true).await;
        for i in 0..12 {
            create_account(&app, &format!("c{i:02}@example.com"), "Customer", true).await;
        }
        let guest_like = create_account(&app, "g_100%@example.com", "Guest", true).await.id;
        let owner = sign_in_token(&app, "own@example.com").await;
        let manager = sign_in_token(&app, "mgr@example.com").await;

        let (s, b) = call(
            &app,
            Method::GET,
            "/users?page=2&limit=5&role=Customer",
            &owner,
            None,
        )
        .await;
        assert_eq!(s, 200);
        assert_eq!(
            b["data"]["pagination"],
            json!({ "page": 2, "limit": 5, "total": 12, "pages": 3 })
        );
        assert_eq!(b["data"]["users"].as_array().unwrap().len(), 5);
        let (_, b) = call(
            &app,
            Method::GET,
            "/users?search=C0&excludeRole=Guest",
            &owner,
            None,
        )
        .await;
        assert_eq!(b["data"]["pagination"]["total"], 10, "c00..c09, case-insensitive");
        let (_, b) = call(&app, Method::GET, "/users?search=100%25", &owner, None).await;
        assert_eq!(b["data"]["pagination"]["total"], 1, "% is literal");
        assert_eq!(
            call(&app, Method::GET, "/users?limit=1000", &owner, None).await.0,
            400
        );

        // Never yourself, never the last Owner; a Manager cannot touch an Owner.
        assert_eq!(
            call(&app, Method::DELETE, &format!("/users/{me}"), &owner, None)
                .await
                .0,
            400
        );
        assert_eq!(
            call(
                &app,
                Method::PUT,
                &format!("/users/{me}"),
                &owner,
                Some(json!({ "isActive": false }))
            )
            .await
            .0,
            400
        );
        assert_eq!(
            call(&app, Method::DELETE, &format!("/users/{me}"), &manager, None)
                .await
                .0,
            403
        );

        // Deactivation ends the account's access at once.
        let guest_token = sign_in_token(&app, "g_100%@example.com").await;
        let (s, b) = call(
            &app,
            Method::PUT,
            &format!("/users/{guest_like}"),
            &manager,
            Some(json!({ "isActive": false })),
        )
        .await;
        assert_eq!((s, b["data"]["user"]["is_active"].clone()), (200, json!(false)));
        assert_eq!(
            app.client
                .get(app.url("/api/v1/auth/me"))
                .bearer_auth(&guest_token)
                .send()
                .await
                .unwrap()
                .status(),
            403
        );
        assert_eq!(
            call(
                &app,
                Method::DELETE,
                &format!("/users/{guest_like}"),
                &manager,
                None
            )
            .await
            .0,
            200
        );
        assert_eq!(
            call(&app, Method::GET, &format!("/users/{guest_like}"), &manager, None)
                .await
                .0,
            404
        );

        // A customer sees nothing.
        let customer = sign_in_token(&app, "c00@example.com").await;
        assert_eq!(call(&app, Method::GET, "/users", &customer, None).await.0, 403);
    }
);

both_backends!(
    async fn the_audit_log_records_who_did_what_and_filters(backend: Backend) {
        let app = spawn_app(backend).await;
        let me = create_account(&app, "own@example.com", "Owner", true).await.id;
        create_account(&app, "c@example.com", "Customer", true).await;
        let owner = sign_in_token(&app, "own@example.com").await;
        let bad = app
            .client
            .post(app.url("/api/v1/auth/login"))
            .json(&json!({ "email": "c@example.com", "password": "Wrong1!pass" }))
            .send()
            .await
            .unwrap();
        assert_eq!(bad.status(), 401);

        let (s, b) = call(
            &app,
            Method::GET,
            "/audit-log?action=auth.login_failed",
            &owner,
            None,
        )
        .await;
        assert_eq!(s, 200);
        let entries = b["data"]["entries"].as_array().unwrap();
        assert_eq!(entries.len(), 1);
        assert_eq!(entries[0]["target_type"], "user");
        assert!(entries[0]["ip"].as_str().unwrap().starts_with("127."));

        let (_, b) = call(
            &app,
            Method::GET,
            &format!("/audit-log?actor={me}&action=auth.login"),
            &owner,
            None,
        )
        .await;
        assert_eq!(b["data"]["pagination"]["total"], 1);
        let today = chrono::Utc::now().date_naive();
        let (_, b) = call(
            &app,
            Method::GET,
            &format!("/audit-log?from={today}&to={today}"),
            &owner,
            None,
        )
        .await;
        assert!(b["data"]["pagination"]["total"].as_u64().unwrap() >= 2);
        let (s, b) = call(
            &app,
            Method::GET,
            "/audit-log?from=yesterday&actor=x",
            &owner,
            None,
        )
        .await;
        assert_eq!((s, b["errors"].as_array().unwrap().len()), (400, 2));
        let customer = sign_in_token(&app, "c@example.com").await;
        assert_eq!(
            call(&app, Method::GET, "/audit-log", &customer, None).await.0,
            403
        );
    }
);

both_backends!(
    async fn an_inactive_owner_can_go_but_the_last_active_owner_stays(backend: Backend) {
        let app = spawn_app(backend).await;
        let me = create_account(&app, "own@example.com", "Owner", true).await.id;
        let gone = create_account(&app, "old@example.com", "Owner", true).await.id;
        let other = create_account(&app, "two@example.com", "Owner", true).await.id;
        let owner = sign_in_token(&app, "own@example.com").await;
        let receptionist = role_id(&app, "Receptionist").await;
        let put = |id: uuid::Uuid, body: Value| {
            let (app, owner) = (&app, &owner);
            async move { call(app, Method::PUT, &format!("/users/{id}"), owner, Some(body)).await }
        };

        // Three active Owners: one may be deactivated, another given a different role.
        assert_eq!(put(gone, json!({ "isActive": false })).await.0, 200);
        assert_eq!(put(other, json!({ "roleId": receptionist })).await.0, 200);
        // An inactive Owner is not one the business relies on: re-roling and deleting it is allowed
        // although only one active Owner is left.
        let (s, b) = put(gone, json!({ "roleId": receptionist })).await;
        assert_eq!(
            (s, b["data"]["user"]["role"].clone()),
            (200, json!("Receptionist")),
            "{b}"
        );
        assert_eq!(
            put(other, json!({ "roleId": role_id(&app, "Owner").await }))
                .await
                .0,
            200
        );
        assert_eq!(put(other, json!({ "isActive": false })).await.0, 200);
        assert_eq!(
            call(&app, Method::DELETE, &format!("/users/{other}"), &owner, None)
                .await
                .0,
            200
        );
        // The last active Owner stays.
        let (s, b) = put(me, json!({ "roleId": receptionist })).await;
        assert_eq!(
            (s, b["message"].clone()),
            (409, json!("The last Owner cannot be given another role."))
        );
    }
);
