//! The facts the engine produces. The station journals those that are [`OpsEvent::journaled`]
//! (as the matching variant of its `Event`, the one registry of journal kinds) and publishes
//! the rest live only; [`crate::Engine::apply`] folds either into the state, at run time and
//! on replay. Kind names live only in that registry, not here.

use chrono::{DateTime, Utc};
use guomen_domain::Text;
use guomen_domain::incident::{Action, IncidentKind, IncidentSource, Priority};
use guomen_domain::unit::{UnitEvent, UnitStatus};
use guomen_domain::watchlist::ListKind;
use guomen_geo::{Exclusion, Pick, PredictedZone};
use serde::{Deserialize, Serialize};
use serde_json::Value;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AlarmRaised {
    pub alarm_id: String,
    pub sensor_id: String,
    pub sensor_kind: String,
    /// What the device reported (e.g. `vibration`, `intrusion`).
    pub kind: String,
    /// When the sensor triggered (the device's clock unless it was skewed).
    pub time: DateTime<Utc>,
    pub received: DateTime<Utc>,
    /// The device's clock was too far ahead and was replaced by `received`.
    pub clock_corrected: bool,
    pub confidence: Option<f64>,
    pub lon: f64,
    pub lat: f64,
    pub zone: Option<String>,
    pub duty_point: String,
    pub track_id: u64,
    /// Set when the alarm is a nuisance from the start (sensor under maintenance).
    pub nuisance: Option<String>,
    /// `nuisance` as a code with parameters, for each reader's language.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nuisance_text: Option<Text>,
    pub actor: String,
    pub via: String,
}

/// Heading, speed and prediction of the linkage track behind an incident.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrackSummary {
    pub track_id: u64,
    pub alarm_count: u32,
    pub heading_deg: Option<f64>,
    pub speed_mps: Option<f64>,
    pub predicted_zone: Option<PredictedZone>,
    pub current_zones: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IncidentCreated {
    pub id: String,
    pub kind: IncidentKind,
    pub priority: Priority,
    /// Why this priority, for people (in English, for logs and readers of old journals).
    pub priority_reason: String,
    /// `priority_reason` as a code with parameters, for each reader's language. Absent in
    /// journals written before codes existed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub priority_reason_text: Option<Text>,
    pub zone: Option<String>,
    pub location: Option<(f64, f64)>,
    pub title: String,
    /// `title` as a code with parameters; absent when the title is a person's own words (a
    /// manual report) and in journals written before codes existed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title_text: Option<Text>,
    pub source: IncidentSource,
    /// What the incident is about, to find it again (`track:7`, `link:rail-freight`,
    /// `watchlist:INSPECTION:ENTRY`).
    pub source_ref: Option<String>,
    pub created: DateTime<Utc>,
    pub actor: String,
    pub alarm_id: Option<String>,
    pub track: Option<TrackSummary>,
    pub recommendations: Vec<Pick>,
    pub excluded: Vec<Exclusion>,
    /// Partner report, watchlist hit or manual details as given.
    pub details: Value,
    pub nuisance: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nuisance_text: Option<Text>,
}

/// A further alarm on an incident's track, possibly raising its priority.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IncidentUpdated {
    pub id: String,
    pub at: DateTime<Utc>,
    pub alarm_id: Option<String>,
    pub priority: Priority,
    pub priority_reason: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub priority_reason_text: Option<Text>,
    pub zone: Option<String>,
    pub location: Option<(f64, f64)>,
    pub track: Option<TrackSummary>,
    pub recommendations: Vec<Pick>,
    pub excluded: Vec<Exclusion>,
}

/// Whether a site's or duty point's links are all up, some down, or all down.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GroupHealth {
    Up,
    Degraded,
    Down,
}

/// A wanted person (or a refused person on entry) was hit at a counter or gate: written by
/// clearance, it becomes an incident in the command centre. Ids and scores only, no names.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WatchlistHit {
    pub inspection_id: String,
    pub site_id: String,
    pub lane_id: String,
    /// `entry` or `exit`.
    pub direction: String,
    pub list: ListKind,
    pub entry_id: String,
    pub score: f64,
    /// What the list says to do on a hit (`detain`, `refuse`, `report`, ...).
    pub action: String,
}

/// The same sensor again within the de-duplication window (live only).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AlarmRepeated {
    pub alarm_id: String,
    pub sensor_id: String,
    pub time: DateTime<Utc>,
}

/// An alarm (and its incident, if any) marked a nuisance.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AlarmNuisance {
    pub alarm_id: String,
    pub sensor_id: String,
    pub incident_id: Option<String>,
    pub reason: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason_text: Option<Text>,
    pub at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IncidentTransition {
    pub incident_id: String,
    pub action: Action,
    pub actor: String,
    pub at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrackExpired {
    pub track_ids: Vec<u64>,
    pub at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UnitPosition {
    pub unit_id: String,
    pub terminal_id: String,
    pub lon: f64,
    pub lat: f64,
    pub time: DateTime<Utc>,
    pub speed_kmh: Option<f64>,
    pub course: Option<f64>,
    pub zone: Option<String>,
    pub via: String,
    /// Sampled into the journal (see `position_journal_s`); the others are live only.
    pub journaled: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UnitStatusChanged {
    pub unit_id: String,
    pub from: UnitStatus,
    pub to: UnitStatus,
    pub event: UnitEvent,
    pub incident_id: Option<String>,
    pub actor: String,
    pub at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TerminalPresence {
    pub unit_id: String,
    pub terminal_id: String,
    pub online: bool,
    pub via: String,
    pub at: DateTime<Utc>,
}

/// A dispatch order sent (or not) to the unit's terminal.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Downlink {
    pub incident_id: String,
    pub unit_id: String,
    pub terminal_id: Option<String>,
    pub delivered: bool,
    pub reason: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason_text: Option<Text>,
    pub at: DateTime<Utc>,
}

/// A heartbeat on a link that was already up (live only).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LinkHeartbeat {
    pub link_id: String,
    pub time: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LinkChanged {
    pub link_id: String,
    pub of: String,
    pub role: String,
    pub up: bool,
    pub at: DateTime<Utc>,
    pub last_heartbeat: Option<DateTime<Utc>>,
    /// Health of the site's or duty point's links after this change: `degraded` is the
    /// warning that one link is down.
    pub group: GroupHealth,
}

/// What the engine decides. The station turns each into its journal `Event` variant (the
/// one registry of kinds) and folds it back with [`crate::Engine::apply`].
#[derive(Debug, Clone, PartialEq)]
pub enum OpsEvent {
    AlarmRaised(AlarmRaised),
    AlarmRepeated(AlarmRepeated),
    AlarmNuisance(AlarmNuisance),
    IncidentCreated(Box<IncidentCreated>),
    IncidentUpdated(Box<IncidentUpdated>),
    IncidentTransition(IncidentTransition),
    TrackExpired(TrackExpired),
    UnitPosition(UnitPosition),
    UnitStatus(UnitStatusChanged),
    TerminalPresence(TerminalPresence),
    Downlink(Downlink),
    LinkHeartbeat(LinkHeartbeat),
    LinkChanged(LinkChanged),
}

impl OpsEvent {
    /// Whether the fact goes to the journal; the others are published live only.
    pub fn journaled(&self) -> bool {
        match self {
            Self::AlarmRepeated(_) | Self::LinkHeartbeat(_) => false,
            Self::UnitPosition(p) => p.journaled,
            _ => true,
        }
    }
}
