//! What staff may see and do with appointments, in one place for `/api/v1` and the portal: who acts
//! (with the expert record linked to their account), and the staff list, which an expert without
//! `appointments.view` sees narrowed to their own schedule.

use sea_orm::{
    sea_query::{Expr, Func},
    ColumnTrait, ConnectionTrait, EntityTrait, Order, QueryFilter, QueryOrder, QuerySelect,
};

use super::{
    appointments::{self, Actor, Filter},
    availability::Rules,
    slots::day_start,
};
use crate::server::{
    error::{AppError, AppResult},
    identity::accounts::Principal,
    state::AppState,
};
use crate::shared::{
    appointments::{AppointmentPage, AppointmentQuery},
    catalog::Choice,
    paging::PageRequest,
    permissions::Permission,
};

/// Who acts, with the expert record linked to their account (staff who see their own schedule).
pub async fn actor(state: &AppState, p: &Principal) -> AppResult<Actor> {
    let expert_id = if p.can(Permission::AppointmentsViewOwn) {
        crate::server::catalog::experts::linked_to(&state.db, p.user.id).await?
    } else {
        None
    };
    Ok(Actor {
        user_id: Some(p.user.id),
        expert_id,
        manages_all: p.can(Permission::AppointmentsManageAll),
        views_all: p.can(Permission::AppointmentsView),
    })
}

/// Which appointments the staff list shows `p`: all of them (`None`), or one expert's schedule.
/// Refused when `p` may see neither.
pub async fn list_scope(state: &AppState, p: &Principal) -> AppResult<Option<uuid::Uuid>> {
    match p.require_any(&[Permission::AppointmentsView, Permission::AppointmentsManageAll]) {
        Ok(()) => Ok(None),
        Err(refused) => Ok(Some(actor(state, p).await?.expert_id.ok_or(refused)?)),
    }
}

/// The most choices a filter or form offers.
const CHOICES: u64 = 500;

/// The active experts `p` may pick in the staff list's filters and the calendar (only their own,
/// for an expert who sees their own schedule), with that scope. One query for ids and names, in
/// the experts list's order (name, case-insensitive, then id).
pub async fn expert_choices(state: &AppState, p: &Principal) -> AppResult<(Option<uuid::Uuid>, Vec<Choice>)> {
    use crate::server::entities::experts::{Column as X, Entity as Experts};
    let scope = list_scope(state, p).await?;
    let active: Vec<(uuid::Uuid, String)> = Experts::find()
        .filter(X::IsActive.eq(true))
        .select_only()
        .columns([X::Id, X::Name])
        .order_by(Func::lower(Expr::col(X::Name)), Order::Asc)
        .order_by_asc(X::Id)
        .limit(CHOICES)
        .into_tuple()
        .all(&state.db)
        .await?;
    let choices = active
        .into_iter()
        .filter(|(id, _)| scope.is_none_or(|own| own == *id))
        .map(|(id, name)| Choice { id, name, minutes: 0 })
        .collect();
    Ok((scope, choices))
}

/// The active services a booking form offers, with their length, in the services list's order
/// (name, case-insensitive, then id): one query for the three columns it needs.
pub async fn service_choices<C: ConnectionTrait>(db: &C) -> AppResult<Vec<Choice>> {
    use crate::server::entities::services::{Column as S, Entity as Services};
    let rows: Vec<(uuid::Uuid, String, i32)> = Services::find()
        .filter(S::IsActive.eq(true))
        .select_only()
        .columns([S::Id, S::Name, S::DurationMinutes])
        .order_by(Func::lower(Expr::col(S::Name)), Order::Asc)
        .order_by_asc(S::Id)
        .limit(CHOICES)
        .into_tuple()
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .map(|(id, name, minutes)| Choice { id, name, minutes })
        .collect())
}

/// The staff list: filters parsed (field errors as 400), scoped to what `p` may see, newest first.
pub async fn list(
    state: &AppState,
    rules: &Rules,
    p: &Principal,
    query: &AppointmentQuery,
    default_limit: u64,
) -> AppResult<AppointmentPage> {
    let scope = list_scope(state, p).await?;
    let (filter, page) = parse(rules, query, default_limit, scope)?;
    let (appointments, pagination) = appointments::list(&state.db, rules, &filter, Some(page), true).await?;
    Ok(AppointmentPage {
        appointments,
        pagination: pagination.unwrap_or_else(|| page.of(0)),
    })
}

/// Every appointment the filters match (all pages), for the CSV export; `p`'s scope applies.
pub async fn export(
    state: &AppState,
    p: &Principal,
    query: &AppointmentQuery,
) -> AppResult<Vec<appointments::AppointmentView>> {
    let scope = list_scope(state, p).await?;
    let rules = super::rules(state).await?;
    let (filter, _) = parse(&rules, query, 1, scope)?;
    // In pages, so no single query binds or holds an unbounded number of rows at once.
    let mut all = Vec::new();
    for number in 1.. {
        let page = PageRequest {
            page: number,
            limit: 500,
        };
        let (rows, pagination) = appointments::list(&state.db, &rules, &filter, Some(page), true).await?;
        all.extend(rows);
        if pagination.is_none_or(|p| number >= p.pages) {
            break;
        }
    }
    Ok(all)
}

/// The query as a filter on the business's calendar days, narrowed to `scope` (an expert's own
/// schedule) whatever expert it names.
fn parse(
    rules: &Rules,
    query: &AppointmentQuery,
    default_limit: u64,
    scope: Option<uuid::Uuid>,
) -> AppResult<(Filter, PageRequest)> {
    let parsed = query.parse();
    let page = PageRequest::parse(query.page.as_deref(), query.limit.as_deref(), default_limit);
    let (parsed, page) = match (parsed, page) {
        (Ok(f), Ok(p)) => (f, p),
        (a, b) => {
            let mut errors = a.err().unwrap_or_default();
            errors.extend(b.err().unwrap_or_default());
            return Err(AppError::Validation(errors));
        }
    };
    let tz = rules.tz();
    Ok((
        Filter {
            user_id: None,
            status: parsed.status,
            payment_status: parsed.payment_status,
            from: parsed.from_day.map(|d| day_start(tz, d)),
            to: parsed.to_day.and_then(|d| d.succ_opt()).map(|d| day_start(tz, d)),
            expert_id: scope.or(parsed.expert_id),
            search: parsed.search,
        },
        page,
    ))
}
