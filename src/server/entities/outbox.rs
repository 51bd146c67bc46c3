use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "outbox")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// `email`, `push` or `sms`.
    pub channel: String,
    pub recipient: String,
    pub subject: String,
    pub body_text: String,
    pub body_html: Option<String>,
    /// pending | sending | sent | logged | failed (given up: the dead letters, retried by hand)
    pub status: String,
    pub attempts: i32,
    pub last_error: Option<String>,
    pub next_attempt_at: DateTimeUtc,
    pub created_at: DateTimeUtc,
    pub sent_at: Option<DateTimeUtc>,
    /// The user a notification is for (its push token is cleared if the provider says it is dead).
    pub user_id: Option<Uuid>,
    /// What it reports: `appointment`, `reminder`, … (`None` for account emails).
    pub kind: Option<String>,
    /// The channel's payload beyond subject and text: a push message's `data`, as JSON.
    pub payload: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
