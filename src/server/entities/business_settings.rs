use sea_orm::entity::prelude::*;

/// One row (id 1): the business's booking rules.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "business_settings")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: i32,
    pub business_name: String,
    pub timezone: String,
    pub slot_step_minutes: i32,
    pub min_notice_minutes: i32,
    pub booking_window_days: i32,
    pub reservation_hold_minutes: i32,
    pub updated_at: DateTimeUtc,
    /// Notification channel switches and message texts (JSON, `notify::settings`).
    pub notifications: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
