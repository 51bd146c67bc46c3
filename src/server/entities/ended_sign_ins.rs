use sea_orm::entity::prelude::*;

/// A sign-in ended by logout: access tokens carrying this `sid` are refused.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "ended_sign_ins")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub sid: Uuid,
    pub ended_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
