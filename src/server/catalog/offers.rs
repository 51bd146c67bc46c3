//! Offers: the app's public list (current, active offers), the staff list and CRUD, and the two
//! calls a booking makes inside its transaction: `claim` (one use, counted atomically against the
//! usage limit) and `release` (a booking that will not happen gives its use back).

use std::collections::HashMap;

use chrono::{NaiveDate, Utc};
use sea_orm::{
    sea_query::{Expr, ExprTrait, Func},
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, EntityTrait, Order, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect, Set,
};
use uuid::Uuid;

use crate::server::{
    audit,
    entities::{appointments, courses, offers as entity, services},
    error::{AppError, AppResult},
    live::events::{Action, Event},
    search,
    state::AppState,
};
use crate::shared::{
    booking::Money,
    errors::FieldError,
    offers::{self as shared, ApplyTo, Discount, Offer, OfferChanges, OfferFilter, OfferStatus},
    paging::{PageRequest, Pagination},
};

fn to_view(m: entity::Model, service_name: Option<String>) -> Offer {
    let percent = m
        .discount_basis_points
        .map(|bp| Money::from_minor(i64::from(bp)).to_string());
    Offer {
        id: m.id,
        title: m.title,
        description: m.description,
        discount_percentage: percent,
        discount_amount: m.discount_amount_minor.map(|a| Money::from_minor(a).to_string()),
        image_url: m.image_url,
        start_date: m.starts_on,
        end_date: m.ends_on,
        apply_to: ApplyTo::parse(&m.apply_to).unwrap_or(ApplyTo::All),
        service_id: m.service_id,
        service_name,
        course_id: m.course_id,
        is_active: m.is_active,
        usage_limit: m.usage_limit,
        used_count: m.used_count,
        created_at: m.created_at,
        updated_at: m.updated_at,
    }
}

async fn views<C: ConnectionTrait>(db: &C, rows: Vec<entity::Model>) -> AppResult<Vec<Offer>> {
    let ids: Vec<Uuid> = rows.iter().filter_map(|r| r.service_id).collect();
    let names: HashMap<Uuid, String> = if ids.is_empty() {
        HashMap::new()
    } else {
        services::Entity::find()
            .filter(services::Column::Id.is_in(ids))
            .all(db)
            .await?
            .into_iter()
            .map(|s| (s.id, s.name))
            .collect()
    };
    Ok(rows
        .into_iter()
        .map(|r| {
            let name = r.service_id.and_then(|id| names.get(&id).cloned());
            to_view(r, name)
        })
        .collect())
}

/// Offers running on `today` (the business's local day): active, dated to include it. A used-up
/// offer is still listed (it says so through `used_count`); booking with it is refused.
fn current(today: NaiveDate) -> Condition {
    Condition::all()
        .add(entity::Column::IsActive.eq(true))
        .add(entity::Column::StartsOn.lte(today))
        .add(entity::Column::EndsOn.gte(today))
}

fn with_status(status: OfferStatus, today: NaiveDate) -> Condition {
    match status {
        OfferStatus::Active => current(today),
        OfferStatus::Inactive => Condition::all().add(entity::Column::IsActive.eq(false)),
        OfferStatus::Upcoming => Condition::all()
            .add(entity::Column::IsActive.eq(true))
            .add(entity::Column::StartsOn.gt(today)),
        OfferStatus::Expired => Condition::all()
            .add(entity::Column::IsActive.eq(true))
            .add(entity::Column::EndsOn.lt(today)),
    }
}

/// `GET /offers`: the offers customers can use today, ending soonest first.
pub async fn list_current<C: ConnectionTrait>(
    db: &C,
    today: NaiveDate,
    page: PageRequest,
) -> AppResult<(Vec<Offer>, Pagination)> {
    let query = entity::Entity::find().filter(current(today));
    let total = query.clone().count(db).await?;
    let rows = query
        .order_by_asc(entity::Column::EndsOn)
        .order_by_asc(entity::Column::Id)
        .offset(page.offset())
        .limit(page.limit)
        .all(db)
        .await?;
    Ok((views(db, rows).await?, page.of(total)))
}

/// `GET /offers/admin`: every offer, newest first, by status and text.
pub async fn list_all<C: ConnectionTrait>(
    db: &C,
    today: NaiveDate,
    filter: &OfferFilter,
    page: PageRequest,
) -> AppResult<(Vec<Offer>, Pagination)> {
    let mut query = entity::Entity::find();
    if let Some(status) = filter.status {
        query = query.filter(with_status(status, today));
    }
    if let Some(text) = filter.search.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        let pattern = search::pattern(text)?;
        query = query.filter(
            Condition::any()
                .add(search::contains(
                    (entity::Entity, entity::Column::Title),
                    &pattern,
                ))
                .add(search::contains(
                    (entity::Entity, entity::Column::Description),
                    &pattern,
                )),
        );
    }
    let total = query.clone().count(db).await?;
    let rows = query
        .order_by_desc(entity::Column::CreatedAt)
        .order_by_asc(entity::Column::Id)
        .offset(page.offset())
        .limit(page.limit)
        .all(db)
        .await?;
    Ok((views(db, rows).await?, page.of(total)))
}

/// Every offer a booking of `service_id` could use today (the portal's booking form, the badges).
pub async fn for_service<C: ConnectionTrait>(
    db: &C,
    today: NaiveDate,
    service_id: Uuid,
) -> AppResult<Vec<Offer>> {
    let rows = entity::Entity::find()
        .filter(current(today))
        .filter(
            Condition::any()
                .add(entity::Column::ApplyTo.is_in([ApplyTo::All.as_str(), ApplyTo::AllServices.as_str()]))
                .add(
                    Condition::all()
                        .add(entity::Column::ApplyTo.eq(ApplyTo::Service.as_str()))
                        .add(entity::Column::ServiceId.eq(service_id)),
                ),
        )
        .order_by(Func::lower(Expr::col(entity::Column::Title)), Order::Asc)
        .all(db)
        .await?;
    Ok(views(db, rows)
        .await?
        .into_iter()
        .filter(|o| !o.used_up())
        .collect())
}

/// For each of `service_ids` that a running offer covers (and has uses left), the offers' titles:
/// the badges of the portal's services list.
pub async fn covering<C: ConnectionTrait>(
    db: &C,
    today: NaiveDate,
    service_ids: &[Uuid],
) -> AppResult<Vec<(Uuid, Vec<String>)>> {
    let running = views(db, entity::Entity::find().filter(current(today)).all(db).await?).await?;
    Ok(service_ids
        .iter()
        .map(|id| {
            let titles: Vec<String> = running
                .iter()
                .filter(|o| o.covers_service(*id) && !o.used_up())
                .map(|o| o.title.clone())
                .collect();
            (*id, titles)
        })
        .filter(|(_, titles)| !titles.is_empty())
        .collect())
}

async fn row<C: ConnectionTrait>(db: &C, id: Uuid) -> AppResult<entity::Model> {
    entity::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or_else(|| AppError::not_found("Offer"))
}

/// One offer: any for staff who manage offers, otherwise only a current one (others are "not
/// found", as if they did not exist).
pub async fn get<C: ConnectionTrait>(db: &C, id: Uuid, today: NaiveDate, staff: bool) -> AppResult<Offer> {
    let row = row(db, id).await?;
    if !staff && shared::status(row.is_active, row.starts_on, row.ends_on, today) != OfferStatus::Active {
        return Err(AppError::not_found("Offer"));
    }
    Ok(views(db, vec![row]).await?.remove(0))
}

/// A named service must exist.
async fn check_target<C: ConnectionTrait>(db: &C, changes: &OfferChanges) -> AppResult<()> {
    if let Some(id) = changes.target.and_then(|t| t.service_id) {
        if services::Entity::find_by_id(id).one(db).await?.is_none() {
            return Err(AppError::field("serviceId", "No such service"));
        }
    }
    if let Some(id) = changes.target.and_then(|t| t.course_id) {
        if courses::Entity::find_by_id(id).one(db).await?.is_none() {
            return Err(AppError::field("courseId", "No such course"));
        }
    }
    Ok(())
}

pub async fn create(state: &AppState, actor: Uuid, changes: OfferChanges) -> AppResult<Offer> {
    let (Some(title), Some(discount), Some(starts), Some(ends)) = (
        changes.title.clone(),
        changes.discount,
        changes.start_date,
        changes.end_date,
    ) else {
        return Err(AppError::Internal(anyhow::anyhow!(
            "an unparsed offer reached create"
        )));
    };
    check_target(&state.db, &changes).await?;
    let target = changes.target.unwrap_or(shared::Target {
        apply_to: ApplyTo::All,
        service_id: None,
        course_id: None,
    });
    let (bp, amount) = discount.columns();
    let now = Utc::now();
    let txn = crate::server::db::write_txn(&state.db).await?;
    let saved = entity::ActiveModel {
        id: Set(Uuid::now_v7()),
        title: Set(title),
        description: Set(changes.description.clone().flatten()),
        image_url: Set(changes.image_url.clone().flatten()),
        discount_basis_points: Set(bp),
        discount_amount_minor: Set(amount),
        apply_to: Set(target.apply_to.as_str().to_owned()),
        service_id: Set(target.service_id),
        course_id: Set(target.course_id),
        starts_on: Set(starts),
        ends_on: Set(ends),
        is_active: Set(changes.is_active.unwrap_or(true)),
        usage_limit: Set(changes.usage_limit.flatten()),
        used_count: Set(0),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(&txn)
    .await?;
    record(&txn, actor, "offer.created", &saved).await?;
    let offer = views(&txn, vec![saved]).await?.remove(0);
    txn.commit().await?;
    announce(state, Action::Created, &offer);
    // Customers hear of a new offer that they can still use (the old backend pushed "New Offer!").
    let today = crate::server::booking::rules(state).await?.today();
    if offer.is_active && offer.end_date >= today {
        let (state, announced) = (state.clone(), offer.clone());
        tokio::spawn(async move {
            match crate::server::notify::notices::new_offer(&state.db, &state.channels, &announced).await {
                Ok(n) => {
                    if n > 0 {
                        state.outbox_kick.now();
                    }
                }
                Err(e) => tracing::warn!(error = %e, offer = %announced.id, "could not announce an offer"),
            }
        });
    }
    Ok(offer)
}

/// Applies the fields present; nothing is written when one is bad. A usage limit may not go below
/// the uses already counted.
pub async fn update(state: &AppState, actor: Uuid, id: Uuid, changes: OfferChanges) -> AppResult<Offer> {
    check_target(&state.db, &changes).await?;
    let txn = crate::server::db::write_txn(&state.db).await?;
    let current = row(&txn, id).await?;
    let starts = changes.start_date.unwrap_or(current.starts_on);
    let ends = changes.end_date.unwrap_or(current.ends_on);
    let mut errors = Vec::new();
    if ends < starts {
        errors.push(FieldError::new("endDate", "Must not be before the start date"));
    }
    if let Some(Some(limit)) = changes.usage_limit {
        if limit < current.used_count {
            errors.push(FieldError::new(
                "usageLimit",
                format!("This offer has been used {} times already", current.used_count),
            ));
        }
    }
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    let used = current.used_count;
    let mut active: entity::ActiveModel = current.into();
    if let Some(t) = changes.title {
        active.title = Set(t);
    }
    if let Some(d) = changes.description {
        active.description = Set(d);
    }
    if let Some(d) = changes.discount {
        let (bp, amount) = d.columns();
        active.discount_basis_points = Set(bp);
        active.discount_amount_minor = Set(amount);
    }
    if let Some(u) = changes.image_url {
        active.image_url = Set(u);
    }
    active.starts_on = Set(starts);
    active.ends_on = Set(ends);
    if let Some(t) = changes.target {
        active.apply_to = Set(t.apply_to.as_str().to_owned());
        active.service_id = Set(t.service_id);
        active.course_id = Set(t.course_id);
    }
    if let Some(a) = changes.is_active {
        active.is_active = Set(a);
    }
    if let Some(limit) = changes.usage_limit {
        active.usage_limit = Set(limit);
    }
    active.updated_at = Set(Utc::now());
    // The count is not written back: a booking may have claimed a use meanwhile (the CHECK refuses
    // a limit that a concurrent claim pushed the count past).
    active.used_count = sea_orm::ActiveValue::NotSet;
    let saved = active.update(&txn).await.map_err(|e| {
        if e.to_string().to_ascii_lowercase().contains("check") {
            AppError::field(
                "usageLimit",
                &format!("This offer has been used {used} times already"),
            )
        } else {
            e.into()
        }
    })?;
    record(&txn, actor, "offer.updated", &saved).await?;
    let offer = views(&txn, vec![saved]).await?.remove(0);
    txn.commit().await?;
    announce(state, Action::Updated, &offer);
    Ok(offer)
}

/// What `delete` did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Removal {
    Deleted,
    /// Bookings name it, so it was deactivated and kept for their history.
    Deactivated,
}

pub async fn delete(state: &AppState, actor: Uuid, id: Uuid) -> AppResult<Removal> {
    let txn = crate::server::db::write_txn(&state.db).await?;
    let current = row(&txn, id).await?;
    let used = appointments::Entity::find()
        .filter(appointments::Column::OfferId.eq(id))
        .count(&txn)
        .await?;
    let removal = if used == 0 {
        entity::Entity::delete_by_id(id).exec(&txn).await?;
        record(&txn, actor, "offer.deleted", &current).await?;
        Removal::Deleted
    } else {
        let mut active: entity::ActiveModel = current.into();
        active.is_active = Set(false);
        active.updated_at = Set(Utc::now());
        active.used_count = sea_orm::ActiveValue::NotSet;
        let saved = active.update(&txn).await?;
        record(&txn, actor, "offer.deactivated", &saved).await?;
        Removal::Deactivated
    };
    txn.commit().await?;
    match removal {
        Removal::Deleted => state.live.publish(Event::Offer {
            action: Action::Deleted,
            id,
            offer: None,
        }),
        Removal::Deactivated => {
            if let Ok(offer) = get(&state.db, id, Utc::now().date_naive(), true).await {
                announce(state, Action::Updated, &offer);
            }
        }
    }
    Ok(removal)
}

async fn record<C: ConnectionTrait>(db: &C, actor: Uuid, action: &str, row: &entity::Model) -> AppResult<()> {
    audit::record(
        db,
        audit::Entry::new(action)
            .actor(actor)
            .target("offer", row.id.to_string())
            .details(serde_json::json!({
                "title": row.title,
                "discountBasisPoints": row.discount_basis_points,
                "discountAmountMinor": row.discount_amount_minor,
                "applyTo": row.apply_to,
                "serviceId": row.service_id,
                "startDate": row.starts_on,
                "endDate": row.ends_on,
                "isActive": row.is_active,
                "usageLimit": row.usage_limit,
            })),
    )
    .await
}

fn announce(state: &AppState, action: Action, offer: &Offer) {
    state.live.publish(Event::Offer {
        action,
        id: offer.id,
        offer: Some(Box::new(offer.clone())),
    });
}

/// What an offer is used on: a booking of a service, or an application to a course.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Item {
    Service(Uuid),
    Course(Uuid),
}

/// A use of an offer, claimed for one booking.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Claimed {
    pub offer_id: Uuid,
    pub discount_minor: i64,
}

/// Checks an offer for a booking of `service_id` priced `price_minor` on `today`, with a message
/// for each way it can fail (all 400s on `offerId`).
pub async fn check<C: ConnectionTrait>(
    db: &C,
    offer_id: Uuid,
    item: Item,
    today: NaiveDate,
) -> AppResult<Discount> {
    let field = |m: &str| AppError::field("offerId", m);
    let offer = entity::Entity::find_by_id(offer_id)
        .one(db)
        .await?
        .ok_or_else(|| field("No such offer"))?;
    match shared::status(offer.is_active, offer.starts_on, offer.ends_on, today) {
        OfferStatus::Active => {}
        OfferStatus::Upcoming => return Err(field("This offer has not started yet")),
        OfferStatus::Expired => return Err(field("This offer has expired")),
        OfferStatus::Inactive => return Err(field("This offer is no longer available")),
    }
    let apply_to = ApplyTo::parse(&offer.apply_to).unwrap_or(ApplyTo::All);
    match item {
        Item::Service(id) if !shared::covers_service(apply_to, offer.service_id, id) => {
            return Err(field("This offer does not apply to this service"))
        }
        Item::Course(id) if !shared::covers_course(apply_to, offer.course_id, id) => {
            return Err(field("This offer does not apply to this course"))
        }
        _ => {}
    }
    if offer.usage_limit.is_some_and(|l| offer.used_count >= l) {
        return Err(field("This offer has been fully used"));
    }
    Discount::from_columns(offer.discount_basis_points, offer.discount_amount_minor)
        .ok_or_else(|| field("This offer is no longer available"))
}

/// Claims one use of the offer for a booking, in the booking's transaction: one conditional
/// update re-checks that it runs today, still covers the service, and is under its limit, so no
/// number of bookings at once can use it more often than the limit. If the booking's transaction
/// rolls back, so does the claim.
pub async fn claim<C: ConnectionTrait>(
    db: &C,
    offer_id: Uuid,
    item: Item,
    price_minor: i64,
    today: NaiveDate,
) -> AppResult<Claimed> {
    let discount = check(db, offer_id, item, today).await?;
    let claimed = entity::Entity::update_many()
        .col_expr(
            entity::Column::UsedCount,
            Expr::col(entity::Column::UsedCount).add(1),
        )
        .filter(entity::Column::Id.eq(offer_id))
        .filter(current(today))
        .filter(
            Condition::any()
                .add(entity::Column::UsageLimit.is_null())
                .add(Expr::col(entity::Column::UsedCount).lt(Expr::col(entity::Column::UsageLimit))),
        )
        .exec(db)
        .await?
        .rows_affected;
    if claimed != 1 {
        // Someone else took the last use (or staff changed the offer) since the check.
        return Err(AppError::field("offerId", "This offer has been fully used"));
    }
    Ok(Claimed {
        offer_id,
        discount_minor: discount.off(price_minor),
    })
}

/// Gives back the use a booking claimed (it was cancelled, expired or deleted before it happened),
/// in the transaction that ends the booking.
pub async fn release<C: ConnectionTrait>(db: &C, offer_id: Uuid) -> AppResult<()> {
    entity::Entity::update_many()
        .col_expr(
            entity::Column::UsedCount,
            Expr::col(entity::Column::UsedCount).sub(1),
        )
        .filter(entity::Column::Id.eq(offer_id))
        .filter(entity::Column::UsedCount.gt(0))
        .exec(db)
        .await?;
    Ok(())
}

/// Takes a use back for a booking revived after its expiry gave it up (paid while it expired):
/// under the limit only, whatever the dates (the price was fixed when it was booked). False when
/// the offer is used up meanwhile.
pub async fn reclaim<C: ConnectionTrait>(db: &C, offer_id: Uuid) -> AppResult<bool> {
    let n = entity::Entity::update_many()
        .col_expr(
            entity::Column::UsedCount,
            Expr::col(entity::Column::UsedCount).add(1),
        )
        .filter(entity::Column::Id.eq(offer_id))
        .filter(
            Condition::any()
                .add(entity::Column::UsageLimit.is_null())
                .add(Expr::col(entity::Column::UsedCount).lt(Expr::col(entity::Column::UsageLimit))),
        )
        .exec(db)
        .await?
        .rows_affected;
    Ok(n == 1)
}
