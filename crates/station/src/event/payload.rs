//! Payload types of the station's own kinds (the command engine's live in `guomen-ops`).
//! Field names are the journal's: changing one breaks reading older journals.

use chrono::{DateTime, Utc};
use guomen_domain::watchlist::ListKind;
use guomen_domain::{Role, Scopes};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UserCreated {
    pub user_id: String,
    pub name: String,
    pub role: Role,
    pub has_password: bool,
    /// The partner agency the user belongs to, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agency: Option<String>,
    /// The carrier's organisation, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub organisation: Option<String>,
    /// What a device user may speak for.
    #[serde(default, skip_serializing_if = "Scopes::is_empty")]
    pub scopes: Scopes,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UserRoleChanged {
    pub user_id: String,
    pub name: String,
    pub from: Role,
    pub to: Role,
}

/// A fact about one user that needs nothing but who.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UserRef {
    pub user_id: String,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TokenIssued {
    pub token_id: String,
    pub user_id: String,
    /// The user's name.
    pub user: String,
    pub label: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TokenRevoked {
    pub token_id: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LoginSucceeded {
    pub user_id: String,
    /// The client's address as the server saw it.
    pub client: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LoginFailed {
    /// The name tried, cut to a safe length.
    pub username: String,
    pub client: String,
    pub consecutive_failures: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Logout {
    pub user_id: String,
    pub at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DutyLogWritten {
    pub id: String,
    pub text: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StationStarted {
    pub listen: String,
    /// `sqlite` or `postgres`.
    pub store: String,
    /// The port's id.
    pub port: String,
    pub version: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct StationStopped {}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WatchlistUpserted {
    pub id: String,
    pub list: ListKind,
    /// `add` or `update`.
    pub op: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WatchlistRemoved {
    pub id: String,
    /// The list the entry was on.
    pub list: ListKind,
}

/// The summary of an import (warnings are counted, not quoted: they can quote names).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WatchlistImported {
    pub list: String,
    pub format: String,
    pub source: Option<String>,
    pub records: u64,
    pub skipped: u64,
    pub added: usize,
    pub updated: usize,
    pub removed: usize,
    pub unchanged: usize,
    pub warnings: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InspectionCreated {
    pub id: String,
    pub site_id: String,
    pub lane_id: String,
    pub direction: String,
    pub decision: String,
    pub suggested: String,
    pub nationality: String,
    /// How many hits the screening found.
    pub hits: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CrossingRecorded {
    pub crossing_id: String,
    pub inspection_id: String,
    pub site_id: String,
    pub lane_id: String,
    pub direction: String,
    pub decision: String,
    /// `user:NAME` of the inspector, or `gate:LANE` for an automatic e-gate clearance.
    pub decided_by: String,
    pub nationality: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OutboxItem {
    pub duty_point: String,
    pub key: String,
    /// What applying the item did (`applied`, or why it was refused).
    pub result: String,
}

/// A lane opened (the journal's actor says who opened it).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LaneOpened {
    pub lane_id: String,
    /// Why, when it follows a recommendation or an order.
    #[serde(default)]
    pub reason: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LaneClosed {
    pub lane_id: String,
}

/// Who staffs a lane from now on (replaces the previous list).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LaneStaffed {
    pub lane_id: String,
    pub persons: Vec<String>,
}

/// A queue count at a lane, from a camera counter or a person.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LaneQueueCounted {
    pub lane_id: String,
    pub count: u32,
    /// When the count was taken (the station clock when the sender gave none).
    pub time: DateTime<Utc>,
}

/// A shift of the duty roster. `post = "reserve"` puts the person in the reinforcement pool.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ShiftAdded {
    pub id: String,
    pub person: String,
    pub site_id: String,
    pub post: String,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
}

/// A travel group announced before it reaches the port.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GroupAnnounced {
    pub id: String,
    pub kind: String,
    pub size: u32,
    pub nationality: String,
    pub site_id: String,
    pub direction: String,
    #[serde(default)]
    pub plate: Option<String>,
    pub expected_arrival: DateTime<Utc>,
    /// The carrier's organisation that announced it, if a carrier did.
    #[serde(default)]
    pub organisation: Option<String>,
}

/// A traveller needs help (wheelchair, escort, medical, on-board verification).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AssistanceRequested {
    pub id: String,
    pub kind: String,
    pub site_id: String,
    pub note: String,
    /// Who on duty was assigned, if anyone was free.
    #[serde(default)]
    pub assigned_to: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AssistanceDone {
    pub id: String,
}
