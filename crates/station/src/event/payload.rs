//! Payload types of the station's own kinds (the command engine's live in `guomen-ops`).
//! Field names are the journal's: changing one breaks reading older journals.

use chrono::{DateTime, Utc};
use guomen_domain::watchlist::ListKind;
use guomen_domain::{Grade, Role, Scopes};
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
    /// An inspector's grade.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub grade: Option<Grade>,
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
    /// SHA-256 of the token as the tokens table holds it (not the token: it cannot be
    /// recovered from the hash), so `journal verify` can tell a token added behind the
    /// station's back. Empty on events from before it was journaled.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub hash: String,
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
    /// The first client address of the attempts this event counts.
    pub client: String,
    pub consecutive_failures: u32,
    /// Refused attempts (wrong password or throttled) this event stands for: failures are
    /// journaled per user and minute, the first at once and the rest of that minute as one
    /// event when it is over, so a flood of guesses cannot flood the journal.
    #[serde(default = "one")]
    pub attempts: u32,
    /// The minute (UTC, station clock) the attempts fell in.
    #[serde(default)]
    pub minute: Option<DateTime<Utc>>,
}

fn one() -> u32 {
    1
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
    /// The lane's kind (`manual_counter`, `egate`, ...); empty in journals written before it
    /// was recorded, where the port model's lane tells it.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub lane_kind: String,
    /// The lane's special channel, if any.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub channel: String,
    /// `person` (a counter or gate), `train` (verified on board) or `vehicle` (a driver at a
    /// road lane); empty means `person`.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub conveyance: String,
    /// Whether the traveller hit a watchlist.
    #[serde(default)]
    pub hit: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OutboxItem {
    pub duty_point: String,
    pub key: String,
    /// What applying the item did (`applied`, or why it was refused).
    pub result: String,
}

/// A unit's JT/T 808 terminal was provisioned (or re-provisioned: its registration starts over).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TerminalProvisioned {
    pub unit_id: String,
    /// The 12-digit terminal number of the JT/T 808 header.
    pub terminal_id: String,
    pub manufacturer: String,
    pub model: String,
    pub plate: String,
}

/// A provisioned terminal registered (0x0100) and was given its auth code (hashed in the
/// `terminal_auth` documents, never journaled); or was reset so it may register again.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TerminalRef {
    pub unit_id: String,
    pub terminal_id: String,
}

/// A recount of the crossing statistics from the journal.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StatsRebuilt {
    /// The last journal seq counted.
    pub through_seq: u64,
    pub crossings: u64,
    /// How many distinct count keys the recount produced.
    pub keys: u64,
}

/// The region's totals for a year (the figures themselves are in `region_totals`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RegionTotalsSet {
    pub year: i32,
    pub crossings: u64,
    /// How many stations' figures were entered.
    pub stations: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CaseOpened {
    pub id: String,
    /// A [`crate::cases::CaseKind`] name.
    pub kind: String,
    pub summary: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inspection_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub crossing_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub incident_id: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CaseStatusChanged {
    pub id: String,
    pub from: String,
    pub to: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub disposition: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SeizureRecorded {
    pub case_id: String,
    pub seizure_id: String,
    /// A [`crate::cases::SeizureCategory`] name.
    pub category: String,
    pub item: String,
    pub quantity: f64,
    pub unit: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EvidenceAdded {
    pub case_id: String,
    pub sha256: String,
    pub size: u64,
    pub content_type: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EvidenceViewed {
    pub case_id: String,
    pub sha256: String,
}

/// One appointment slot's capacity, set by the duty chief.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SlotCapacitySet {
    pub site_id: String,
    pub direction: guomen_clearance::Direction,
    pub slot_start: DateTime<Utc>,
    pub capacity: u32,
}

/// A truck driver hit a list: at `booking` or at the `gate`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DriverHit {
    pub appointment_id: String,
    #[serde(default)]
    pub vehicle_id: Option<String>,
    pub plate: String,
    pub organisation: String,
    pub stage: String,
    pub driver_name: String,
    /// The lists, entries and scores, as an inspection's hits.
    pub hits: Vec<serde_json::Value>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrustedTraderAdded {
    pub organisation: String,
    pub since: DateTime<Utc>,
}

/// A green-channel vehicle waits past its target.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GreenOverdue {
    pub vehicle_id: String,
    pub plate: String,
    pub site_id: String,
    pub arrived: DateTime<Utc>,
    pub target_s: i64,
    pub waited_s: i64,
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
    /// The carrier organisation of the train, when known: carriers see their own trains.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub carrier: Option<String>,
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
    /// The carrier organisation of the train, when known: carriers see their own trains.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub carrier: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrainArrived {
    pub train_id: String,
    pub at: chrono::DateTime<chrono::Utc>,
    /// The carrier organisation of the train, when known: carriers see their own trains.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub carrier: Option<String>,
}

/// A partner agency's part of the joint inspection is done.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AgencyDone {
    pub train_id: String,
    pub agency: String,
    pub at: chrono::DateTime<chrono::Utc>,
    /// The carrier organisation of the train, when known: carriers see their own trains.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub carrier: Option<String>,
}

/// The one release of a train, with its duration from arrival.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrainReleased {
    pub train_id: String,
    pub number: String,
    pub duration_s: i64,
    pub target_s: i64,
    pub no_shows: usize,
    /// The carrier organisation of the train, when known: carriers see their own trains.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub carrier: Option<String>,
}

/// The verification rate of a train predicts its finish past its target: the duty chief is
/// told once per train, while there is still time to send more teams on board.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrainOverrunPredicted {
    pub train_id: String,
    pub number: String,
    /// Seconds from arrival to the predicted finish.
    pub predicted_s: i64,
    pub target_s: i64,
    pub verified: usize,
    pub remaining: usize,
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

/// An announced group's bus seen at a gate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GroupSeen {
    pub id: String,
    /// The plate as read (canonical form).
    pub plate: String,
    pub camera_id: String,
    pub site_id: String,
    pub time: DateTime<Utc>,
}

/// A supervisor's check of a post.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SupervisionChecked {
    pub id: String,
    pub site_id: String,
    pub post: String,
    /// Who was checked, if one person.
    #[serde(default)]
    pub person: Option<String>,
    pub present: bool,
    pub issues: Vec<String>,
    pub remarks: String,
}

/// An auxiliary's proposed refuse or detain, waiting for an officer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InspectionCountersignRequested {
    pub id: String,
    pub site_id: String,
    pub lane_id: String,
    /// The proposed decision: `refuse` or `detain`.
    pub decision: String,
}

/// An officer's countersignature: the decision recorded and the proposal it answered.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InspectionCountersigned {
    pub id: String,
    pub decision: String,
    pub proposed: String,
    /// The journal actor who proposed it.
    pub proposed_by: String,
}

/// A permit notice template changed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NoticeUpdated {
    /// `traveller` or `driver`.
    pub kind: String,
    /// `zh`, `en`, `mn` or `ru`.
    pub lang: String,
    /// SHA-256 of the new text, hex.
    pub sha256: String,
    pub chars: usize,
}
