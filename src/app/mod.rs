//! The admin portal: server-rendered by `leptos_axum`, then hydrated in the browser.

pub mod components;
pub mod live;
pub mod pages;
pub mod server_fns;

use leptos::prelude::*;
use leptos_meta::{provide_meta_context, Link, Meta, MetaTags, Stylesheet, Title};
use leptos_router::{
    components::{Route, Router, Routes},
    path, SsrMode,
};

use crate::shared::theme::Theme;
use components::{guard::provide_viewer, layout::Layout};
use pages::{
    appointments::AppointmentsPage,
    audit::AuditPage,
    blogs::BlogsPage,
    calendar::CalendarPage,
    categories::CategoriesPage,
    courses::CoursesPage,
    dashboard::DashboardPage,
    deliveries::DeliveriesPage,
    experts::ExpertsPage,
    gallery::GalleryPage,
    home::Home,
    login::LoginPage,
    not_found::NotFound,
    offers::OffersPage,
    password::{ForgotPasswordPage, ResetPasswordPage, SetPasswordPage},
    profile::ProfilePage,
    reports::ReportsPage,
    reviews::ReviewsPage,
    roles::RolesPage,
    sales::SalesPage,
    schedule::{ClosuresPage, ExpertSchedulePage},
    services::ServicesPage,
    settings::SettingsPage,
    support::SupportPage,
    users::{UserDetailPage, UsersPage},
};

/// The HTML document around the app. Runs on the server only; the browser hydrates `<body>`.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    let theme = request_theme();
    provide_page_nonce();
    view! {
        <!DOCTYPE html>
        <html lang="en" class=theme.css_class()>
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <AutoReload options=options.clone()/>
                <HydrationScripts options/>
                <MetaTags/>
            </head>
            <body class="min-h-screen bg-slate-50 text-slate-900 antialiased dark:bg-slate-950 dark:text-slate-100">
                <App/>
            </body>
        </html>
    }
}

/// The theme the visitor's cookie asks for.
fn request_theme() -> Theme {
    #[cfg(feature = "ssr")]
    {
        use_context::<http::request::Parts>()
            .and_then(|parts| {
                let cookies = parts.headers.get(http::header::COOKIE)?.to_str().ok()?;
                Some(Theme::from_cookie_header(cookies))
            })
            .unwrap_or_default()
    }
    #[cfg(not(feature = "ssr"))]
    {
        Theme::default()
    }
}

/// Hands this page's CSP nonce (made by `server::security_headers`) to Leptos, which puts it on the
/// inline scripts it writes.
fn provide_page_nonce() {
    #[cfg(feature = "ssr")]
    if let Some(nonce) = use_context::<http::request::Parts>().and_then(|parts| {
        parts
            .extensions
            .get::<crate::server::security_headers::PageNonce>()
            .cloned()
    }) {
        provide_context(leptos::nonce::Nonce::from_value(nonce.0));
    }
}

/// cargo-leptos sets `LEPTOS_OUTPUT_NAME` when it compiles both halves, so they agree on asset names.
const OUTPUT_NAME: &str = match option_env!("LEPTOS_OUTPUT_NAME") {
    Some(name) => name,
    None => "pulse",
};

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    view! {
        <Stylesheet id="leptos" href=format!("/pkg/{OUTPUT_NAME}.css")/>
        <Title formatter=|text: String| if text.is_empty() { "Pulse".to_owned() } else { format!("{text} · Pulse") }/>
        <Meta name="description" content="Pulse admin portal"/>
        <Link rel="icon" href="/favicon.svg" type_="image/svg+xml"/>
        <Router>
            <Portal/>
        </Router>
    }
}

/// Everything inside the router: the viewer is loaded once per navigation, below the router so it
/// can follow the location.
#[component]
fn Portal() -> impl IntoView {
    provide_viewer();
    view! {
        <Layout>
            // Async: each page arrives complete, readable without JavaScript, with no layout shift,
            // and a guard's redirect or 403 can still set the status.
            <Routes fallback=NotFound>
                <Route path=path!("/") view=Home ssr=SsrMode::Async/>
                <Route path=path!("/login") view=LoginPage ssr=SsrMode::Async/>
                <Route path=path!("/forgot-password") view=ForgotPasswordPage ssr=SsrMode::Async/>
                <Route path=path!("/reset-password/:token") view=ResetPasswordPage ssr=SsrMode::Async/>
                <Route path=path!("/set-password") view=SetPasswordPage ssr=SsrMode::Async/>
                <Route path=path!("/dashboard") view=DashboardPage ssr=SsrMode::Async/>
                <Route path=path!("/appointments") view=AppointmentsPage ssr=SsrMode::Async/>
                <Route path=path!("/calendar") view=CalendarPage ssr=SsrMode::Async/>
                <Route path=path!("/services") view=ServicesPage ssr=SsrMode::Async/>
                <Route path=path!("/categories") view=CategoriesPage ssr=SsrMode::Async/>
                <Route path=path!("/experts") view=ExpertsPage ssr=SsrMode::Async/>
                <Route path=path!("/experts/:id") view=ExpertSchedulePage ssr=SsrMode::Async/>
                <Route path=path!("/closures") view=ClosuresPage ssr=SsrMode::Async/>
                <Route path=path!("/gallery") view=GalleryPage ssr=SsrMode::Async/>
                <Route path=path!("/offers") view=OffersPage ssr=SsrMode::Async/>
                <Route path=path!("/sales") view=SalesPage ssr=SsrMode::Async/>
                <Route path=path!("/reports") view=ReportsPage ssr=SsrMode::Async/>
                <Route path=path!("/courses") view=CoursesPage ssr=SsrMode::Async/>
                <Route path=path!("/blogs") view=BlogsPage ssr=SsrMode::Async/>
                <Route path=path!("/reviews") view=ReviewsPage ssr=SsrMode::Async/>
                <Route path=path!("/support") view=SupportPage ssr=SsrMode::Async/>
                <Route path=path!("/users") view=UsersPage ssr=SsrMode::Async/>
                <Route path=path!("/users/:id") view=UserDetailPage ssr=SsrMode::Async/>
                <Route path=path!("/roles") view=RolesPage ssr=SsrMode::Async/>
                <Route path=path!("/audit") view=AuditPage ssr=SsrMode::Async/>
                <Route path=path!("/deliveries") view=DeliveriesPage ssr=SsrMode::Async/>
                <Route path=path!("/settings") view=SettingsPage ssr=SsrMode::Async/>
                <Route path=path!("/profile") view=ProfilePage ssr=SsrMode::Async/>
            </Routes>
        </Layout>
    }
}
