//! The portal's frame: sidebar navigation on wide screens, a top bar with a menu on phones. The
//! items are those the viewer's role reaches, by the same permissions the server checks.

use leptos::prelude::*;
use leptos_router::{components::A, hooks::use_location};

use super::{
    guard::use_viewer, theme_toggle::ThemeToggle, toast::ToastRegion, toast::Toasts, user_menu::UserMenu,
};
use crate::shared::{auth::PortalUser, permissions::Permission};

pub struct NavItem {
    pub href: &'static str,
    pub label: &'static str,
    /// Shown when the role grants any of these (empty: everyone signed in).
    pub any_of: &'static [Permission],
}

use Permission as P;

/// Every page of the portal, in menu order. Each page's guard uses the same list.
pub const NAV: &[NavItem] = &[
    NavItem {
        href: "/dashboard",
        label: "Dashboard",
        any_of: &[P::DashboardView],
    },
    NavItem {
        href: "/sales",
        label: "Sales",
        any_of: &[P::DashboardView],
    },
    NavItem {
        href: "/reports",
        label: "Reports",
        any_of: &[P::ReportsView],
    },
    NavItem {
        href: "/appointments",
        label: "Appointments",
        any_of: APPOINTMENTS,
    },
    NavItem {
        href: "/calendar",
        label: "Calendar",
        any_of: APPOINTMENTS,
    },
    NavItem {
        href: "/services",
        label: "Services",
        any_of: &[P::ServicesView],
    },
    NavItem {
        href: "/categories",
        label: "Categories",
        any_of: &[P::ServicesView],
    },
    NavItem {
        href: "/experts",
        label: "Experts",
        any_of: &[P::ExpertsView],
    },
    NavItem {
        href: "/closures",
        label: "Closures",
        any_of: &[P::SettingsManage, P::ExpertsView],
    },
    NavItem {
        href: "/offers",
        label: "Offers",
        any_of: &[P::OffersManage],
    },
    NavItem {
        href: "/gallery",
        label: "Gallery",
        any_of: &[P::OffersManage],
    },
    NavItem {
        href: "/blogs",
        label: "Blog",
        any_of: &[P::OffersManage],
    },
    NavItem {
        href: "/courses",
        label: "Courses",
        any_of: &[P::CoursesManage],
    },
    NavItem {
        href: "/reviews",
        label: "Reviews",
        any_of: &[P::ReviewsModerate],
    },
    NavItem {
        href: "/support",
        label: "Support",
        any_of: &[P::SupportView],
    },
    NavItem {
        href: "/users",
        label: "Users",
        any_of: &[P::UsersView],
    },
    NavItem {
        href: "/roles",
        label: "Roles",
        any_of: &[P::RolesView],
    },
    NavItem {
        href: "/audit",
        label: "Audit log",
        any_of: &[P::AuditView],
    },
    NavItem {
        href: "/deliveries",
        label: "Deliveries",
        any_of: &[P::NotificationsSend],
    },
    NavItem {
        href: "/settings",
        label: "Settings",
        any_of: &[P::SettingsManage],
    },
    // Last: `start_page` picks the first entry a role reaches.
    NavItem {
        href: "/profile",
        label: "Your profile",
        any_of: &[],
    },
];

/// Staff who see every appointment, or an expert who sees their own.
pub const APPOINTMENTS: &[Permission] = &[
    P::AppointmentsView,
    P::AppointmentsManageAll,
    P::AppointmentsViewOwn,
];

/// Where `user` starts: the first page of the menu their role reaches.
pub fn start_page(user: &PortalUser) -> &'static str {
    NAV.iter()
        .find(|item| item.any_of.is_empty() || user.can_any(item.any_of))
        .map_or("/profile", |item| item.href)
}

#[component]
pub fn Layout(children: Children) -> impl IntoView {
    let toasts = Toasts::provide();
    let live = crate::app::live::LiveFeed::provide();
    crate::app::live::connect(live, toasts);
    let viewer = use_viewer();
    let menu_open = RwSignal::new(false);
    let location = use_location();
    // Close the phone menu after any navigation (back and forward included).
    Effect::new(move |_| {
        location.pathname.track();
        menu_open.set(false);
    });

    // Marks the page as interactive once the browser has hydrated it (effects never run on the server),
    // and whether the live feed is connected.
    Effect::new(move |_| {
        let connected = live.connected.get();
        #[cfg(feature = "hydrate")]
        if let Some(body) = web_sys::window()
            .and_then(|w| w.document())
            .and_then(|d| d.body())
        {
            let _ = body.set_attribute("data-hydrated", "true");
            let _ = body.set_attribute("data-live", if connected { "connected" } else { "offline" });
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = connected;
    });

    let nav_links = move || {
        let user = viewer.get().and_then(Result::ok).flatten();
        NAV.iter()
            .filter(|item| user.as_ref().is_some_and(|u| item.any_of.is_empty() || u.can_any(item.any_of)))
            .map(|item| {
                view! {
                    <A
                        href=item.href
                        attr:class="block rounded-md px-3 py-2 text-sm font-medium text-slate-700 hover:bg-slate-100 aria-[current=page]:bg-indigo-50 aria-[current=page]:text-indigo-700 dark:text-slate-300 dark:hover:bg-slate-800 dark:aria-[current=page]:bg-indigo-950 dark:aria-[current=page]:text-indigo-300"
                        attr:data-testid=format!("nav-{}", item.href.trim_start_matches('/'))
                    >
                        {item.label}
                    </A>
                }
            })
            .collect_view()
    };

    view! {
        <div class="flex min-h-screen">
            <aside class="hidden w-60 shrink-0 border-r border-slate-200 bg-white md:block dark:border-slate-800 dark:bg-slate-900">
                <a href="/" class="flex h-16 items-center px-6 text-xl font-bold tracking-tight text-indigo-600 dark:text-indigo-400">
                    "Pulse"
                </a>
                <nav class="space-y-1 px-3" aria-label="Main" data-testid="sidebar">
                    <Transition fallback=|| ()>{nav_links}</Transition>
                </nav>
            </aside>
            <div class="flex min-w-0 flex-1 flex-col">
                <header class="flex h-16 items-center justify-between border-b border-slate-200 bg-white px-4 md:px-8 dark:border-slate-800 dark:bg-slate-900">
                    <div class="flex items-center gap-3">
                        <button
                            type="button"
                            class="rounded-md p-2 text-slate-600 hover:bg-slate-100 md:hidden dark:text-slate-300 dark:hover:bg-slate-800"
                            aria-label="Open menu"
                            aria-expanded=move || menu_open.get().to_string()
                            on:click=move |_| menu_open.update(|open| *open = !*open)
                            data-testid="menu-button"
                        >
                            "☰"
                        </button>
                        <span class="text-lg font-bold text-indigo-600 md:hidden dark:text-indigo-400">"Pulse"</span>
                    </div>
                    <div class="flex items-center gap-3">
                        <UserMenu/>
                        <ThemeToggle/>
                    </div>
                </header>
                <nav
                    class="border-b border-slate-200 bg-white px-3 py-2 md:hidden dark:border-slate-800 dark:bg-slate-900"
                    class:hidden=move || !menu_open.get()
                    aria-label="Main (mobile)"
                    data-testid="mobile-nav"
                    // Tapping a link closes the menu, even the link to the page already shown.
                    on:click=move |_| menu_open.set(false)
                >
                    <Transition fallback=|| ()>{nav_links}</Transition>
                </nav>
                <main class="flex-1 px-4 py-6 md:px-8">{children()}</main>
            </div>
        </div>
        <ToastRegion/>
    }
}
