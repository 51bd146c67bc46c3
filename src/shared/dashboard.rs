//! The dashboard's figures (`GET /dashboard/stats`, and the portal's dashboard page).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// The periods the dashboard offers, in days.
pub const PERIODS: [u32; 3] = [7, 30, 90];

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Stats {
    pub total_revenue: String,
    pub month_revenue: String,
    pub today_revenue: String,
    pub period_revenue: String,
    pub total_appointments: u64,
    pub period_appointments: u64,
    pub by_status: BTreeMap<String, u64>,
    pub customers: u64,
    pub active_services: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DayRevenue {
    pub date: String,
    pub revenue: String,
    pub appointments: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TopService {
    pub id: Uuid,
    pub name: String,
    pub bookings: u64,
    pub revenue: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StaffPerformance {
    pub id: Uuid,
    pub name: String,
    pub appointments: u64,
    pub completed: u64,
    pub revenue: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Dashboard {
    pub period: u32,
    pub stats: Stats,
    pub revenue_data: Vec<DayRevenue>,
    pub top_services: Vec<TopService>,
    pub staff_performance: Vec<StaffPerformance>,
}

/// A member of staff and whether they are online now (the dashboard's "Online now").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StaffPresence {
    pub id: Uuid,
    pub name: String,
    pub role: String,
    pub online: bool,
}
