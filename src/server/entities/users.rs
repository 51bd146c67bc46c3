use sea_orm::entity::prelude::*;

/// `Debug` is written by hand below so a logged user never shows its password hash.
#[derive(Clone, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "users")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub role_id: Option<Uuid>,
    pub name: String,
    #[sea_orm(unique)]
    pub email: String,
    pub password_hash: Option<String>,
    pub email_verified: bool,
    pub is_active: bool,
    pub phone: Option<String>,
    pub address: Option<String>,
    pub gender: Option<String>,
    pub profile_image_url: Option<String>,
    pub failed_login_attempts: i32,
    pub lockout_until: Option<DateTimeUtc>,
    pub last_login: Option<DateTimeUtc>,
    pub last_seen: Option<DateTimeUtc>,
    pub fcm_token: Option<String>,
    /// Set for accounts whose password was generated (development first run); sign-in asks for a new one.
    pub must_change_password: bool,
    /// Access tokens issued and portal sessions started before this are no longer accepted.
    pub credentials_changed_at: Option<DateTimeUtc>,
    /// The access token (`jti`) that made that change, which stays valid.
    pub credentials_changed_by_token: Option<Uuid>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::roles::Entity",
        from = "Column::RoleId",
        to = "super::roles::Column::Id",
        on_delete = "SetNull"
    )]
    Role,
}

impl Related<super::roles::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Role.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}

impl std::fmt::Debug for Model {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("User")
            .field("id", &self.id)
            .field("email", &self.email)
            .field("role_id", &self.role_id)
            .field("is_active", &self.is_active)
            .field("email_verified", &self.email_verified)
            .field("password_hash", &self.password_hash.as_ref().map(|_| "***"))
            .finish_non_exhaustive()
    }
}
