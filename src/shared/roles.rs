//! Roles as `/api/v1` and the portal show them, the role form, and the permission matrix's save.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{
    errors::FieldError,
    permissions::{Permission, OWNER_ROLE},
};

/// A role with its grants (slugs) and how many accounts hold it. Keys stay snake_case: `/api/v1`
/// has always sent them so.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoleView {
    pub id: Uuid,
    pub name: String,
    pub description: Option<String>,
    pub is_system: bool,
    pub permissions: Vec<String>,
    pub user_count: u64,
}

impl RoleView {
    /// The Owner role always has every permission; nobody edits its grants.
    pub fn is_owner(&self) -> bool {
        self.name == OWNER_ROLE
    }
}

/// One role's complete set of grants, as the permission matrix saves it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RoleGrants {
    pub role_id: Uuid,
    pub permissions: Vec<String>,
}

/// A role's name and description as the portal's form sends them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct RoleForm {
    pub name: String,
    pub description: String,
}

impl RoleForm {
    pub fn parse(&self) -> Result<(String, Option<String>), Vec<FieldError>> {
        let name = parse_role_name(&self.name).map_err(|e| vec![e])?;
        let description =
            super::text::optional_block("description", &self.description, 500).map_err(|e| vec![e])?;
        Ok((name, description))
    }
}

/// A role's name: 1 to 100 characters on one line once trimmed. (The server also refuses names
/// that mix scripts or look like another role's: `rbac::roles`.)
pub fn parse_role_name(raw: &str) -> Result<String, FieldError> {
    super::text::line("name", raw, 100)
}

/// The permission catalogue grouped by area, areas and permissions in catalogue order: the rows of
/// the permission matrix.
pub fn by_area() -> Vec<(&'static str, Vec<Permission>)> {
    let mut areas: Vec<(&'static str, Vec<Permission>)> = Vec::new();
    for p in Permission::ALL {
        match areas.iter_mut().find(|(area, _)| *area == p.area()) {
            Some((_, list)) => list.push(*p),
            None => areas.push((p.area(), vec![*p])),
        }
    }
    areas
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_permission_is_in_exactly_one_area() {
        let areas = by_area();
        let count: usize = areas.iter().map(|(_, l)| l.len()).sum();
        assert_eq!(count, Permission::ALL.len());
        assert_eq!(areas[0].0, "Portal");
        for (area, list) in &areas {
            assert!(list.iter().all(|p| p.area() == *area));
        }
    }

    #[test]
    fn role_form_trims_and_refuses_blank_or_long_names() {
        let ok = RoleForm {
            name: "  Front desk ".into(),
            description: " ".into(),
        };
        assert_eq!(ok.parse().unwrap(), ("Front desk".to_owned(), None));
        for bad in ["", "   ", &"x".repeat(101)] {
            let form = RoleForm {
                name: bad.to_owned(),
                description: String::new(),
            };
            assert_eq!(form.parse().unwrap_err()[0].field, "name");
        }
    }
}
