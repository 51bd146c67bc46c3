//! Images as the API, the portal and the service layer see them: the folders an upload may go to
//! (and who may write each), the size limit the browser checks before sending, an upload's
//! addresses, and the gallery.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{errors::FieldError, permissions::Permission};

/// The largest upload accepted, in bytes (5 MB).
pub const MAX_UPLOAD_BYTES: usize = 5 * 1024 * 1024;

/// The folders an upload may go to, and who may write each.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Folder {
    Profiles,
    Services,
    Categories,
    Experts,
    Gallery,
    Offers,
    Courses,
    Blogs,
}

impl Folder {
    pub const ALL: &'static [Folder] = &[
        Folder::Profiles,
        Folder::Services,
        Folder::Categories,
        Folder::Experts,
        Folder::Gallery,
        Folder::Offers,
        Folder::Courses,
        Folder::Blogs,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Profiles => "profiles",
            Self::Services => "services",
            Self::Categories => "categories",
            Self::Experts => "experts",
            Self::Gallery => "gallery",
            Self::Offers => "offers",
            Self::Courses => "courses",
            Self::Blogs => "blogs",
        }
    }

    /// The folder named `raw` (the form field `folder`), or a field error listing the allowed ones.
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        let raw = raw.trim();
        Self::ALL
            .iter()
            .copied()
            .find(|f| f.as_str() == raw)
            .ok_or_else(|| {
                let names: Vec<&str> = Self::ALL.iter().map(|f| f.as_str()).collect();
                FieldError::new("folder", format!("Must be one of: {}", names.join(", ")))
            })
    }

    /// The permission to write here; `None`: any signed-in account (its own profile picture).
    pub fn permission(self) -> Option<Permission> {
        match self {
            Self::Profiles => None,
            Self::Services => Some(Permission::ServicesManage),
            Self::Categories => Some(Permission::CategoriesManage),
            Self::Experts => Some(Permission::ExpertsManage),
            Self::Gallery | Self::Offers | Self::Blogs => Some(Permission::OffersManage),
            Self::Courses => Some(Permission::CoursesManage),
        }
    }
}

/// An upload's public addresses (`POST /upload-image` answers these as `data`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UploadedImage {
    pub image_url: String,
    pub thumbnail_url: String,
    pub width: u32,
    pub height: u32,
}

/// One picture of the business's gallery (`GET /gallery`, the contract's snake_case keys).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GalleryItem {
    pub id: Uuid,
    pub image_url: String,
    pub caption: Option<String>,
    pub display_order: i32,
    pub is_active: bool,
    pub created_at: DateTime<Utc>,
}

/// What the portal's gallery form sends.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct GalleryForm {
    pub image_url: String,
    pub caption: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folders_parse_by_name_only() {
        for f in Folder::ALL {
            assert_eq!(Folder::parse(f.as_str()), Ok(*f));
        }
        assert_eq!(Folder::parse(" gallery "), Ok(Folder::Gallery));
        let e = Folder::parse("../etc").unwrap_err();
        assert_eq!(e.field, "folder");
        assert!(e.message.contains("profiles"));
    }
}
