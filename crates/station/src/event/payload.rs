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

/// A train run was scheduled (timetable service or announced freight train).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrainScheduled {
    pub train_id: String,
    pub number: String,
    pub kind: crate::trains::TrainKind,
    pub direction: String,
    pub site_id: String,
    pub scheduled_arrival: chrono::DateTime<chrono::Utc>,
}

/// A manifest version was read and screened. Counts only: the names stay in the manifest
/// document, the hits in the staff's view of the train and in their incidents.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ManifestReceived {
    pub train_id: String,
    pub version: u32,
    pub persons: usize,
    pub hits: usize,
    pub errors: usize,
    pub added: usize,
    pub removed: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrainArrived {
    pub train_id: String,
    pub at: chrono::DateTime<chrono::Utc>,
}

/// A partner agency's part of the joint inspection is done.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AgencyDone {
    pub train_id: String,
    pub agency: String,
    pub at: chrono::DateTime<chrono::Utc>,
}

/// The one release of a train, with its duration from arrival.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrainReleased {
    pub train_id: String,
    pub number: String,
    pub duration_s: i64,
    pub target_s: i64,
    pub no_shows: usize,
}

/// One person verified on board: how they compare with the manifest and the inspection that
/// decides them (ids only).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PersonVerified {
    pub train_id: String,
    pub person_id: Option<String>,
    #[serde(rename = "match")]
    pub matched: crate::trains::ManifestMatch,
    pub carriage: Option<String>,
    pub inspection_id: String,
    pub decision: Option<String>,
}

/// A person to verify first (ill on board).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PriorityMarked {
    pub train_id: String,
    pub person_id: String,
    pub at: chrono::DateTime<chrono::Utc>,
}
