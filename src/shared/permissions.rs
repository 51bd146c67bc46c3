//! The permission catalogue and the default roles: one list, compiled for the server and the portal.
//!
//! The server seeds these into the database at start-up (idempotently); the portal uses the same slugs
//! to decide which navigation items to show. The server's check is the one that counts.

use serde::{Deserialize, Serialize};

macro_rules! permissions {
    ($( $variant:ident => $slug:literal, $area:literal, $description:literal; )*) => {
        /// A permission, identified in the database and in tokens by its slug.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        pub enum Permission {
            $( #[serde(rename = $slug)] $variant, )*
        }

        impl Permission {
            /// Every permission, in catalogue order.
            pub const ALL: &'static [Permission] = &[$(Permission::$variant,)*];

            pub const fn slug(self) -> &'static str {
                match self { $(Permission::$variant => $slug,)* }
            }

            /// The area of the product it belongs to (used to group the permission matrix).
            pub const fn area(self) -> &'static str {
                match self { $(Permission::$variant => $area,)* }
            }

            pub const fn description(self) -> &'static str {
                match self { $(Permission::$variant => $description,)* }
            }

            pub fn from_slug(slug: &str) -> Option<Permission> {
                match slug { $($slug => Some(Permission::$variant),)* _ => None }
            }
        }
    };
}

permissions! {
    PortalAccess => "portal.access", "Portal", "Sign in to the admin portal";
    DashboardView => "dashboard.view", "Portal", "See the dashboard, sales and statistics";
    ReportsView => "reports.view", "Portal", "See reports and export them";
    SettingsManage => "settings.manage", "Portal", "Change business settings (time zone, slot grid, booking rules)";
    AuditView => "audit.view", "Portal", "Read the audit log";
    UsersView => "users.view", "People", "List customers and staff accounts";
    UsersManage => "users.manage", "People", "Invite, edit, deactivate and delete accounts";
    RolesView => "roles.view", "People", "See roles and their permissions";
    RolesManage => "roles.manage", "People", "Create, edit and delete roles and their permissions";
    ProfileUpdate => "profile.update", "People", "Edit one's own profile";
    ServicesView => "services.view", "Catalog", "See services and categories";
    ServicesManage => "services.manage", "Catalog", "Create, edit and delete services";
    CategoriesManage => "categories.manage", "Catalog", "Create, edit and delete service categories";
    ExpertsView => "experts.view", "Staff", "See experts (staff) and their schedules";
    ExpertsManage => "experts.manage", "Staff", "Create, edit and delete experts, working hours and time off";
    AppointmentsCreate => "appointments.create", "Appointments", "Book an appointment for oneself";
    AppointmentsViewOwn => "appointments.view_own", "Appointments", "See one's own appointments";
    AppointmentsView => "appointments.view", "Appointments", "See every appointment";
    AppointmentsManageAll => "appointments.manage_all", "Appointments", "Book, reschedule, cancel, complete and delete any appointment";
    OffersView => "offers.view", "Marketing", "See offers";
    OffersManage => "offers.manage", "Marketing", "Create, edit and delete offers, blog posts and gallery pictures";
    CoursesView => "courses.view", "Academy", "See courses";
    CoursesApply => "courses.apply", "Academy", "Apply to a course";
    CoursesManage => "courses.manage", "Academy", "Manage courses and applications";
    SupportView => "support.view", "Support", "Read support tickets";
    SupportManage => "support.manage", "Support", "Answer, assign and close support tickets";
    ReviewsModerate => "reviews.moderate", "Support", "Hide customer reviews (with a reason) and show them again";
    NotificationsSend => "notifications.send", "Support", "See the delivery log of emails, push messages and texts, and send failed ones again";
    PaymentsRefund => "payments.refund", "Sales", "Refund a customer's payment (it cancels the bookings it paid for)";
}

impl std::fmt::Display for Permission {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.slug())
    }
}

/// A role created by the seed. System roles cannot be renamed or deleted.
#[derive(Debug, Clone, Copy)]
pub struct DefaultRole {
    pub name: &'static str,
    pub is_system: bool,
    /// The grants a freshly seeded role starts with. Owner always has every permission, whatever is stored.
    pub grants: &'static [Permission],
}

pub const OWNER_ROLE: &str = "Owner";
pub const GUEST_ROLE: &str = "Guest";
/// Given on sign-up through the app's form.
pub const USER_ROLE: &str = "User";
/// Given to people who first sign in with Google (the old backend's rule; dashboards count them).
pub const CUSTOMER_ROLE: &str = "Customer";

use Permission::*;

const CUSTOMER_GRANTS: &[Permission] = &[
    AppointmentsCreate,
    AppointmentsViewOwn,
    ProfileUpdate,
    ServicesView,
    ExpertsView,
    OffersView,
    CoursesView,
    CoursesApply,
];

impl Permission {
    /// Whether holding this gives any power over other people's data. A customer's own abilities
    /// (book, see their own bookings, apply to a course, read the catalog) do not: staff who lack
    /// them may still manage customers' accounts. The role hierarchy compares only the others.
    pub fn confers_authority(self) -> bool {
        !CUSTOMER_GRANTS.contains(&self)
    }
}

/// The roles every Pulse database starts with.
pub const DEFAULT_ROLES: &[DefaultRole] = &[
    DefaultRole {
        name: OWNER_ROLE,
        is_system: true,
        grants: Permission::ALL,
    },
    DefaultRole {
        name: "Admin",
        is_system: true,
        grants: Permission::ALL,
    },
    DefaultRole {
        name: USER_ROLE,
        is_system: true,
        grants: CUSTOMER_GRANTS,
    },
    DefaultRole {
        name: CUSTOMER_ROLE,
        is_system: true,
        grants: CUSTOMER_GRANTS,
    },
    DefaultRole {
        name: GUEST_ROLE,
        is_system: true,
        grants: &[ServicesView, ExpertsView, OffersView, CoursesView],
    },
    DefaultRole {
        name: "Manager",
        is_system: false,
        grants: &[
            PortalAccess,
            DashboardView,
            ReportsView,
            UsersView,
            UsersManage,
            RolesView,
            ProfileUpdate,
            ServicesView,
            ServicesManage,
            CategoriesManage,
            ExpertsView,
            ExpertsManage,
            AppointmentsCreate,
            AppointmentsView,
            AppointmentsManageAll,
            OffersView,
            OffersManage,
            CoursesView,
            CoursesManage,
            SupportView,
            SupportManage,
            ReviewsModerate,
            NotificationsSend,
        ],
    },
    DefaultRole {
        name: "Receptionist",
        is_system: false,
        grants: &[
            PortalAccess,
            DashboardView,
            UsersView,
            ProfileUpdate,
            ServicesView,
            ExpertsView,
            AppointmentsCreate,
            AppointmentsView,
            AppointmentsManageAll,
            SupportView,
        ],
    },
    DefaultRole {
        name: "Expert",
        is_system: false,
        grants: &[
            PortalAccess,
            ProfileUpdate,
            ServicesView,
            ExpertsView,
            AppointmentsViewOwn,
        ],
    },
];

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn slugs_are_unique_and_round_trip() {
        let mut seen = HashSet::new();
        for p in Permission::ALL {
            assert!(seen.insert(p.slug()), "duplicate slug {}", p.slug());
            assert_eq!(Permission::from_slug(p.slug()), Some(*p));
            let json = serde_json::to_string(p).unwrap();
            assert_eq!(json, format!("\"{}\"", p.slug()));
        }
        assert_eq!(Permission::from_slug("nope"), None);
    }

    #[test]
    fn the_contract_slugs_exist() {
        for slug in [
            "users.view",
            "users.manage",
            "services.manage",
            "appointments.create",
            "appointments.manage_all",
            "dashboard.view",
            "roles.manage",
            "roles.view",
            "services.view",
            "offers.view",
            "courses.view",
            "experts.view",
            "experts.manage",
            "offers.manage",
            "courses.manage",
            "support.view",
            "support.manage",
            "appointments.view_own",
            "profile.update",
            "courses.apply",
            "portal.access",
            "audit.view",
            "settings.manage",
            "appointments.view",
        ] {
            assert!(Permission::from_slug(slug).is_some(), "{slug} missing");
        }
    }

    #[test]
    fn default_roles_are_unique_and_owner_has_everything() {
        let names: HashSet<_> = DEFAULT_ROLES.iter().map(|r| r.name).collect();
        assert_eq!(names.len(), DEFAULT_ROLES.len());
        let owner = DEFAULT_ROLES.iter().find(|r| r.name == OWNER_ROLE).unwrap();
        assert!(owner.is_system);
        assert_eq!(owner.grants.len(), Permission::ALL.len());
        for r in DEFAULT_ROLES {
            let set: HashSet<_> = r.grants.iter().collect();
            assert_eq!(set.len(), r.grants.len(), "{} grants a permission twice", r.name);
        }
    }
}
