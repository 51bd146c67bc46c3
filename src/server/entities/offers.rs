use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "offers")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub title: String,
    pub description: Option<String>,
    pub image_url: Option<String>,
    pub discount_basis_points: Option<i32>,
    pub discount_amount_minor: Option<i64>,
    pub apply_to: String,
    pub service_id: Option<Uuid>,
    pub course_id: Option<Uuid>,
    pub starts_on: Date,
    pub ends_on: Date,
    pub is_active: bool,
    pub usage_limit: Option<i32>,
    pub used_count: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
