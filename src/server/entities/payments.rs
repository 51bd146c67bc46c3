use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "payments")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub provider: String,
    pub provider_ref: String,
    pub user_id: Option<Uuid>,
    pub amount_minor: i64,
    pub refunded_minor: i64,
    pub currency: String,
    pub status: String,
    /// The bookings this payment pays for, as JSON (`[PaidLine]`).
    pub lines: String,
    pub failure: Option<String>,
    pub refund_ref: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub settled_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
