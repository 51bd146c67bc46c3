//! The first slice through both adapters: `/api/v1/categories` and the portal's `/categories` page
//! read the same rows through the same service function.

use crate::both_backends;
use crate::helpers::{create_account, spawn_app, Backend, TestApp, PASSWORD};
use pulse::server::catalog::categories;
use pulse::shared::catalog::{CategoryName, NewCategory};
use scraper::{Html, Selector};

async fn add(app: &TestApp, name: &str, order: i32, active: bool, description: Option<&str>) -> uuid::Uuid {
    let mut new = NewCategory::named(CategoryName::parse(name).unwrap());
    new.display_order = order;
    new.is_active = active;
    new.description = description.map(str::to_owned);
    new.image_url = Some(format!("https://cdn.example.com/{}.png", name.to_lowercase()));
    categories::create(&app.state, new).await.unwrap().id
}

/// Ids of the rows the server-rendered page shows, in order, with their status badges.
fn page_rows(html: &str) -> Vec<(String, String, String)> {
    let doc = Html::parse_document(html);
    let row = Selector::parse("tr[data-testid=category-row]").unwrap();
    let cell = Selector::parse("td").unwrap();
    doc.select(&row)
        .map(|r| {
            let cells: Vec<String> = r
                .select(&cell)
                .map(|c| c.text().collect::<String>().trim().to_owned())
                .collect();
            (
                r.value().attr("data-id").unwrap().to_owned(),
                cells[0].clone(),
                cells[3].clone(),
            )
        })
        .collect()
}

both_backends!(
    async fn api_lists_active_categories_in_display_order_in_the_contract_shape(backend: Backend) {
        let app = spawn_app(backend).await;
        add(&app, "Nails", 2, true, Some("Manicures")).await;
        add(&app, "Hair", 1, true, Some("Cuts and colour")).await;
        add(&app, "Retired", 0, false, None).await;
        add(&app, "Bridal", 2, true, None).await;

        let (status, body) = app.get_json("/api/v1/categories").await;
        assert_eq!(status, 200);
        insta::assert_json_snapshot!("categories_api", body, {
            ".data.categories[].id" => "[uuid]",
            ".data.categories[].created_at" => "[timestamp]",
            ".data.categories[].updated_at" => "[timestamp]",
        });
    }
);

both_backends!(
    async fn api_returns_an_empty_list_not_an_error(backend: Backend) {
        let app = spawn_app(backend).await;
        let (status, body) = app.get_json("/api/v1/categories").await;
        assert_eq!(status, 200);
        assert_eq!(
            body,
            serde_json::json!({ "success": true, "data": { "categories": [] } })
        );
    }
);

both_backends!(
    async fn portal_page_and_api_show_the_same_rows(backend: Backend) {
        let app = spawn_app(backend).await;
        sign_in_staff(&app).await;
        let hair = add(&app, "Hair", 1, true, Some("Cuts")).await;
        let nails = add(&app, "Nails", 2, true, None).await;
        let retired = add(&app, "Retired", 3, false, None).await;

        let (_, body) = app.get_json("/api/v1/categories").await;
        let api_ids: Vec<String> = body["data"]["categories"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["id"].as_str().unwrap().to_owned())
            .collect();
        assert_eq!(api_ids, vec![hair.to_string(), nails.to_string()]);

        let r = app.get("/categories").await;
        assert_eq!(r.status(), 200);
        assert!(r.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html"));
        let html = r.text().await.unwrap();
        let rows = page_rows(&html);
        // The portal also lists inactive categories, marked as such; the active ones match the API.
        assert_eq!(
            rows,
            vec![
                (hair.to_string(), "Hair".to_owned(), "Active".to_owned()),
                (nails.to_string(), "Nails".to_owned(), "Active".to_owned()),
                (retired.to_string(), "Retired".to_owned(), "Inactive".to_owned()),
            ]
        );
        assert!(html.contains("Showing 3 of 3"));
        // The page is complete without JavaScript and ready to hydrate.
        assert!(html.contains("/pkg/pulse.js"), "hydration script missing");
        assert!(
            html.contains("<title>Categories · Pulse</title>"),
            "title missing"
        );
    }
);

both_backends!(
    async fn portal_server_function_returns_the_same_categories(backend: Backend) {
        let app = spawn_app(backend).await;
        sign_in_staff(&app).await;
        let hair = add(&app, "Hair", 1, true, None).await;
        let retired = add(&app, "Retired", 2, false, None).await;
        let r = app.server_fn("list_categories", &[]).await;
        assert_eq!(r.status(), 200);
        let list: Vec<pulse::shared::catalog::Category> = r.json().await.unwrap();
        let ids: Vec<_> = list.iter().map(|c| c.id).collect();
        assert_eq!(ids, vec![hair, retired]);
    }
);

#[tokio::test]
async fn empty_catalog_page_says_so() {
    let app = spawn_app(Backend::Sqlite).await;
    sign_in_staff(&app).await;
    let html = app.get("/categories").await.text().await.unwrap();
    assert!(page_rows(&html).is_empty());
    assert!(html.contains("No categories yet."));
}

#[tokio::test]
async fn root_sends_strangers_to_sign_in() {
    let app = spawn_app(Backend::Sqlite).await;
    let r = app.get("/").await;
    assert!(r.status().is_redirection(), "{}", r.status());
    assert_eq!(r.headers()["location"], "/login");
}

/// Signs `app.client` in to the portal as a staff member who may see the catalogue.
async fn sign_in_staff(app: &TestApp) {
    create_account(app, "staff@example.com", "Manager", true).await;
    let r = app
        .server_fn(
            "sign_in",
            &[("email", "staff@example.com"), ("password", PASSWORD)],
        )
        .await;
    assert!(
        r.status().is_success() || r.status().is_redirection(),
        "{}",
        r.status()
    );
}
