//! The portal's staff pages over HTTP: the permission matrix saves every role or none and changes
//! what a role's users see at their next page; experts get a week with breaks and time off; the
//! business gets closures.

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::both_backends;
use crate::helpers::{form_fn, json_fn, portal};
use crate::portal_pages::staffed_shop;

fn role<'a>(roles: &'a Value, name: &str) -> &'a Value {
    roles
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == name)
        .unwrap_or_else(|| panic!("no role {name} in {roles}"))
}

both_backends!(
    async fn the_permission_matrix_saves_all_roles_or_none_and_the_menu_follows(backend: Backend) {
        let shop = staffed_shop(backend).await;
        let app = &shop.app;
        let owner = portal(app, "owner@example.com").await;
        let desk = portal(app, "desk@example.com").await;

        // A new role: the shared parser refuses a blank name field by field.
        let (s, b) = json_fn(
            app,
            &owner,
            "save_role",
            json!({ "id": null, "form": { "name": "  " } }),
        )
        .await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{b}");
        assert_eq!(b["errors"][0]["field"], "name", "{b}");
        let (s, night) = json_fn(
            app,
            &owner,
            "save_role",
            json!({ "id": null, "form": { "name": "Night shift", "description": "After hours" } }),
        )
        .await;
        assert_eq!(s, StatusCode::OK, "{night}");
        assert_eq!(night["permissions"], json!([]));

        let (_, roles) = form_fn(app, &owner, "list_roles", &[]).await;
        let desk_role = role(&roles, "Front desk")["id"].clone();
        let owner_role = role(&roles, "Owner")["id"].clone();
        let all = role(&roles, "Owner")["permissions"].as_array().unwrap().len();
        assert!(all > 20, "the Owner column lists every permission");

        // One bad row (an unknown slug, or the Owner role) and nothing is saved, not even the good rows.
        for bad in [
            json!({ "roleId": night["id"], "permissions": ["no.such"] }),
            json!({ "roleId": owner_role, "permissions": ["portal.access"] }),
        ] {
            let (s, b) = json_fn(
                app,
                &owner,
                "save_permission_matrix",
                json!({ "roles": [
                    { "roleId": desk_role, "permissions": ["portal.access", "services.view"] },
                    bad,
                ] }),
            )
            .await;
            assert_eq!(s, StatusCode::BAD_REQUEST, "{b}");
        }
        let (_, roles) = form_fn(app, &owner, "list_roles", &[]).await;
        assert_eq!(
            role(&roles, "Front desk")["permissions"],
            json!(["portal.access"])
        );

        // The desk's menu has no Services yet, and the page is refused.
        let html = desk.get(app.url("/")).send().await.unwrap();
        assert_eq!(html.status(), StatusCode::FOUND);
        let r = desk.get(app.url("/services")).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::FORBIDDEN);
        assert!(!r.text().await.unwrap().contains("data-testid=\"nav-services\""));

        let (s, saved) = json_fn(
            app,
            &owner,
            "save_permission_matrix",
            json!({ "roles": [
                { "roleId": desk_role, "permissions": ["portal.access", "services.view"] },
                { "roleId": night["id"], "permissions": ["portal.access", "appointments.view"] },
            ] }),
        )
        .await;
        assert_eq!(s, StatusCode::OK, "{saved}");
        assert_eq!(
            role(&saved, "Night shift")["permissions"],
            // Catalogue order.
            json!(["portal.access", "appointments.view"])
        );
        // At the desk's next page: the menu and the page follow the new grants.
        let r = desk.get(app.url("/services")).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::OK);
        let html = r.text().await.unwrap();
        assert!(html.contains("data-testid=\"nav-services\""));
        assert!(!html.contains("data-testid=\"nav-roles\""));

        // Rename, then delete a role still held: its users must move somewhere.
        let (s, b) = json_fn(
            app,
            &owner,
            "save_role",
            json!({ "id": desk_role, "form": { "name": "Reception", "description": "" } }),
        )
        .await;
        assert_eq!(s, StatusCode::OK, "{b}");
        assert_eq!(b["name"], "Reception");
        let (s, _) = json_fn(
            app,
            &owner,
            "delete_role",
            json!({ "id": desk_role, "reassign_to": null }),
        )
        .await;
        assert_eq!(s, StatusCode::CONFLICT);
        let (s, b) = json_fn(
            app,
            &owner,
            "delete_role",
            json!({ "id": desk_role, "reassign_to": night["id"] }),
        )
        .await;
        assert_eq!(s, StatusCode::OK, "{b}");
        let (_, roles) = form_fn(app, &owner, "list_roles", &[]).await;
        assert_eq!(role(&roles, "Night shift")["user_count"], 1);
        // System roles keep their names.
        let (s, _) = json_fn(
            app,
            &owner,
            "save_role",
            json!({ "id": owner_role, "form": { "name": "Boss" } }),
        )
        .await;
        assert_eq!(s, StatusCode::BAD_REQUEST);
    }
);

both_backends!(
    async fn experts_get_a_week_with_breaks_time_off_and_closures(backend: Backend) {
        let shop = staffed_shop(backend).await;
        let app = &shop.app;
        let owner = portal(app, "owner@example.com").await;

        let (s, b) = json_fn(
            app,
            &owner,
            "save_expert",
            json!({ "id": null, "form": { "email": "nope" } }),
        )
        .await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{b}");
        let fields: Vec<&str> = b["errors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["field"].as_str().unwrap())
            .collect();
        assert_eq!(fields, ["name", "email"], "{b}");
        let (s, grace) = json_fn(
            app,
            &owner,
            "save_expert",
            json!({ "id": null, "form": { "name": "Grace", "serviceIds": [shop.service], "specialty": "Colour" } }),
        )
        .await;
        assert_eq!(s, StatusCode::OK, "{grace}");
        let id = grace["id"].as_str().unwrap().to_owned();
        let (_, page) = json_fn(
            app,
            &owner,
            "list_experts",
            json!({ "query": { "search": "colour" } }),
        )
        .await;
        assert_eq!(page["experts"].as_array().unwrap().len(), 1, "{page}");
        assert_eq!(page["pagination"]["total"], 1);

        // An overlapping range is refused with its index; nothing is stored.
        let (s, b) = json_fn(
            app,
            &owner,
            "save_working_hours",
            json!({ "id": id, "hours": [
                { "weekday": 0, "start": "09:00", "end": "12:00" },
                { "weekday": 0, "start": "11:00", "end": "17:00" },
            ] }),
        )
        .await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{b}");
        assert_eq!(b["errors"][0]["field"], "hours[1].start");
        let week = json!([
            { "weekday": 0, "start": "09:00", "end": "12:00" },
            { "weekday": 0, "start": "13:00", "end": "17:00" },
            { "weekday": 5, "start": "10:00", "end": "14:00" },
        ]);
        let (s, b) = json_fn(
            app,
            &owner,
            "save_working_hours",
            json!({ "id": id, "hours": week }),
        )
        .await;
        assert_eq!(s, StatusCode::OK, "{b}");
        assert_eq!(b, week);

        // Time off as whole days, shown back as the dates typed.
        let (s, b) = json_fn(
            app,
            &owner,
            "add_absence",
            json!({ "expert_id": id, "from": "2030-08-01", "to": "2030-07-01", "reason": null }),
        )
        .await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{b}");
        assert_eq!(b["errors"][0]["field"], "to");
        let (s, off) = json_fn(
            app,
            &owner,
            "add_absence",
            json!({ "expert_id": id, "from": "2030-08-01", "to": "2030-08-14", "reason": "Summer" }),
        )
        .await;
        assert_eq!(s, StatusCode::OK, "{off}");
        assert_eq!(
            (off["from"].as_str(), off["to"].as_str()),
            (Some("2030-08-01"), Some("2030-08-14"))
        );
        let (s, schedule) = form_fn(app, &owner, "expert_schedule", &[("id", &id)]).await;
        assert_eq!(s, StatusCode::OK, "{schedule}");
        assert_eq!(schedule["hours"], week);
        assert_eq!(schedule["time_off"][0]["reason"], "Summer");

        // An expert sees the week but not the time off (it is for those who manage experts).
        let expert = portal(app, "expert@example.com").await;
        let (s, theirs) = form_fn(app, &expert, "expert_schedule", &[("id", &id)]).await;
        assert_eq!(s, StatusCode::OK, "{theirs}");
        assert_eq!(theirs["time_off"], json!([]));
        assert_eq!(theirs["manages"], false);

        // Removing needs the right owner: a closure id is not this expert's time off.
        let off_id = off["id"].as_str().unwrap();
        let (s, _) = json_fn(
            app,
            &owner,
            "delete_absence",
            json!({ "expert_id": null, "id": off_id }),
        )
        .await;
        assert_eq!(s, StatusCode::NOT_FOUND);
        let (s, _) = json_fn(
            app,
            &owner,
            "delete_absence",
            json!({ "expert_id": id, "id": off_id }),
        )
        .await;
        assert_eq!(s, StatusCode::OK);

        // A business closure, listed for the portal and for the app's `/api/v1/closures`.
        let (s, closed) = json_fn(
            app,
            &owner,
            "add_absence",
            json!({ "expert_id": null, "from": "2030-12-25", "to": "2030-12-25", "reason": "Christmas" }),
        )
        .await;
        assert_eq!(s, StatusCode::OK, "{closed}");
        let (_, list) = form_fn(app, &owner, "list_closures", &[]).await;
        assert_eq!(list["closures"][0]["from"], "2030-12-25");
        assert_eq!(list["closures"][0]["to"], "2030-12-25");
        assert_eq!(list["manages"], true);

        // The schedule page renders the week for reading without JavaScript.
        let html = owner
            .get(app.url(&format!("/experts/{id}")))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(html.contains("data-testid=\"week-editor\""));
        assert!(html.contains("13:00"), "the afternoon range is in the page");
    }
);

both_backends!(
    async fn the_calendar_draws_a_day_per_expert_and_an_experts_week(backend: Backend) {
        let shop = staffed_shop(backend).await;
        let app = &shop.app;
        let owner = portal(app, "owner@example.com").await;
        let walk_in = json!({ "form": {
            "serviceId": shop.service, "appointmentDate": shop.day, "appointmentTime": "13:30",
            "customerName": "Calendar Customer", "customerPhone": "+44 20 7946 0002"
        }});
        let (s, a) = json_fn(app, &owner, "book_appointment", walk_in).await;
        assert_eq!(s, StatusCode::OK, "{a}");

        let (s, day) = json_fn(
            app,
            &owner,
            "load_calendar",
            json!({ "query": { "date": shop.day } }),
        )
        .await;
        assert_eq!(s, StatusCode::OK, "{day}");
        assert_eq!(day["week"], false);
        let column = day["columns"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["expert_id"] == shop.expert.as_str())
            .unwrap_or_else(|| panic!("no column for the expert: {day}"));
        // Working 09:00–12:00 and 13:00–17:00: the lunch break is not open.
        assert_eq!(column["open"], json!([[540, 720], [780, 1020]]));
        let block = &column["blocks"][0];
        assert_eq!(
            (block["time"].as_str(), block["start"].as_u64()),
            (Some("13:30"), Some(810))
        );
        assert_eq!(block["customer"], "Calendar Customer");

        // The week of that day, for that expert: seven columns from Monday, the booking on its day.
        let (s, week) = json_fn(
            app,
            &owner,
            "load_calendar",
            json!({ "query": { "view": "week", "date": shop.day, "expertId": shop.expert } }),
        )
        .await;
        assert_eq!(s, StatusCode::OK, "{week}");
        let columns = week["columns"].as_array().unwrap();
        assert_eq!(columns.len(), 7);
        let monday =
            chrono::NaiveDate::parse_from_str(columns[0]["date"].as_str().unwrap(), "%Y-%m-%d").unwrap();
        assert_eq!(chrono::Datelike::weekday(&monday), chrono::Weekday::Mon);
        let booked: Vec<&str> = columns
            .iter()
            .filter(|c| !c["blocks"].as_array().unwrap().is_empty())
            .map(|c| c["date"].as_str().unwrap())
            .collect();
        assert_eq!(booked, [shop.day.as_str()]);

        // A bad date is a field error; the page itself reads without JavaScript.
        let (s, b) = json_fn(
            app,
            &owner,
            "load_calendar",
            json!({ "query": { "date": "31/12" } }),
        )
        .await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{b}");
        assert_eq!(b["errors"][0]["field"], "date");
        let html = owner
            .get(app.url(&format!("/calendar?date={}", shop.day)))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(html.contains("Calendar Customer"));
    }
);

both_backends!(
    async fn nobody_hands_out_permissions_they_do_not_hold(backend: Backend) {
        use crate::booking::call;
        use crate::helpers::{create_account, sign_in_token};
        use reqwest::Method;

        let shop = staffed_shop(backend).await;
        let app = &shop.app;
        // A deputy who manages users and roles, but not settings.
        let deputy_perms = [
            "portal.access",
            "users.view",
            "users.manage",
            "roles.view",
            "roles.manage",
        ];
        let (s, b) = call(
            app,
            Method::POST,
            "/roles",
            Some(&shop.owner),
            Some(json!({ "name": "Deputy", "permissions": deputy_perms })),
        )
        .await;
        assert_eq!(s, StatusCode::CREATED, "{b}");
        let deputy_role = b["data"]["role"]["id"].as_str().unwrap().to_owned();
        let me = create_account(app, "deputy@example.com", "Deputy", true).await;
        let token = sign_in_token(app, "deputy@example.com").await;
        let (_, roles) = call(app, Method::GET, "/roles", Some(&token), None).await;
        let admin = roles["data"]["roles"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["name"] == "Admin")
            .unwrap()["id"]
            .as_str()
            .unwrap()
            .to_owned();

        // Making oneself (or anyone) an Admin would grant what the deputy lacks.
        let (s, b) = call(
            app,
            Method::PUT,
            format!("/users/{}", me.id),
            Some(&token),
            Some(json!({ "roleId": admin })),
        )
        .await;
        assert_eq!(s, StatusCode::FORBIDDEN, "{b}");
        assert!(b["message"].as_str().unwrap().contains("settings.manage"), "{b}");
        let (s, _) = call(
            app,
            Method::POST,
            "/users/assign-role",
            Some(&token),
            Some(json!({ "email": "friend@example.com", "roleId": admin })),
        )
        .await;
        assert_eq!(s, StatusCode::FORBIDDEN);

        // The matrix: adding a permission the deputy lacks is refused; their own are fine.
        let deputy = portal(app, "deputy@example.com").await;
        let mut more: Vec<&str> = deputy_perms.to_vec();
        more.push("settings.manage");
        let (s, b) = json_fn(
            app,
            &deputy,
            "save_permission_matrix",
            json!({ "roles": [{ "roleId": deputy_role, "permissions": more }] }),
        )
        .await;
        assert_eq!(s, StatusCode::FORBIDDEN, "{b}");
        let (_, roles) = form_fn(app, &deputy, "list_roles", &[]).await;
        let desk = role(&roles, "Front desk")["id"].clone();
        let (s, b) = json_fn(
            app,
            &deputy,
            "save_permission_matrix",
            json!({ "roles": [{ "roleId": desk, "permissions": ["portal.access", "users.view"] }] }),
        )
        .await;
        assert_eq!(s, StatusCode::OK, "{b}");
        // An Owner may do all of it.
        let (s, b) = call(
            app,
            Method::PUT,
            format!("/users/{}", me.id),
            Some(&shop.owner),
            Some(json!({ "roleId": admin })),
        )
        .await;
        assert_eq!(s, StatusCode::OK, "{b}");
    }
);
