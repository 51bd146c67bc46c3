use sea_orm::entity::prelude::*;

/// An entry of a user's in-app inbox.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "notifications")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub user_id: Uuid,
    pub title: String,
    pub message: String,
    /// `appointment`, `payment`, `reminder`, …: the app routes taps by it.
    pub kind: String,
    /// JSON object of strings (the push message's `data`).
    pub data: Option<String>,
    pub is_read: bool,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
