//! The facts the engine produces. The server journals those that are [`OpsEvent::journaled`]
//! (kind [`OpsEvent::kind`], payload the event as JSON) and publishes the rest live only;
//! [`crate::Engine::apply`] folds either kind into the state, at run time and on replay.

use chrono::{DateTime, Utc};
use guomen_domain::incident::{Action, IncidentKind, IncidentSource, Priority};
use guomen_domain::unit::{UnitEvent, UnitStatus};
use guomen_geo::{Exclusion, Pick, PredictedZone};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Journal kinds of the journaled events, for replay.
pub const JOURNAL_KINDS: &[&str] = &[
    "ops.alarm_raised",
    "ops.alarm_nuisance",
    "ops.incident_created",
    "ops.incident_updated",
    "ops.incident_transition",
    "ops.track_expired",
    "ops.unit_position",
    "ops.unit_status",
    "ops.terminal_presence",
    "ops.downlink",
    "ops.link_changed",
];

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
    /// Why this priority, for people.
    pub priority_reason: String,
    pub zone: Option<String>,
    pub location: Option<(f64, f64)>,
    pub title: String,
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
}

/// A further alarm on an incident's track, possibly raising its priority.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IncidentUpdated {
    pub id: String,
    pub at: DateTime<Utc>,
    pub alarm_id: Option<String>,
    pub priority: Priority,
    pub priority_reason: String,
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

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum OpsEvent {
    AlarmRaised(AlarmRaised),
    /// The same sensor again within the de-duplication window (live only).
    AlarmRepeated {
        alarm_id: String,
        sensor_id: String,
        time: DateTime<Utc>,
    },
    AlarmNuisance {
        alarm_id: String,
        sensor_id: String,
        incident_id: Option<String>,
        reason: String,
        at: DateTime<Utc>,
    },
    IncidentCreated(Box<IncidentCreated>),
    IncidentUpdated(Box<IncidentUpdated>),
    IncidentTransition {
        incident_id: String,
        action: Action,
        actor: String,
        at: DateTime<Utc>,
    },
    TrackExpired {
        track_ids: Vec<u64>,
        at: DateTime<Utc>,
    },
    UnitPosition {
        unit_id: String,
        terminal_id: String,
        lon: f64,
        lat: f64,
        time: DateTime<Utc>,
        speed_kmh: Option<f64>,
        course: Option<f64>,
        zone: Option<String>,
        via: String,
        /// Sampled into the journal (see `position_journal_s`); the others are live only.
        journaled: bool,
    },
    UnitStatus {
        unit_id: String,
        from: UnitStatus,
        to: UnitStatus,
        event: UnitEvent,
        incident_id: Option<String>,
        actor: String,
        at: DateTime<Utc>,
    },
    TerminalPresence {
        unit_id: String,
        terminal_id: String,
        online: bool,
        via: String,
        at: DateTime<Utc>,
    },
    /// A dispatch order sent (or not) to the unit's terminal.
    Downlink {
        incident_id: String,
        unit_id: String,
        terminal_id: Option<String>,
        delivered: bool,
        reason: String,
        at: DateTime<Utc>,
    },
    /// A heartbeat on a link that was already up (live only).
    LinkHeartbeat {
        link_id: String,
        time: DateTime<Utc>,
    },
    LinkChanged {
        link_id: String,
        of: String,
        role: String,
        up: bool,
        at: DateTime<Utc>,
        last_heartbeat: Option<DateTime<Utc>>,
        /// Health of the site's or duty point's links after this change: `degraded` is the
        /// warning that one link is down.
        group: GroupHealth,
    },
}

impl OpsEvent {
    /// The journal (and live stream) kind.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::AlarmRaised(_) => "ops.alarm_raised",
            Self::AlarmRepeated { .. } => "ops.alarm_repeated",
            Self::AlarmNuisance { .. } => "ops.alarm_nuisance",
            Self::IncidentCreated(_) => "ops.incident_created",
            Self::IncidentUpdated(_) => "ops.incident_updated",
            Self::IncidentTransition { .. } => "ops.incident_transition",
            Self::TrackExpired { .. } => "ops.track_expired",
            Self::UnitPosition { .. } => "ops.unit_position",
            Self::UnitStatus { .. } => "ops.unit_status",
            Self::TerminalPresence { .. } => "ops.terminal_presence",
            Self::Downlink { .. } => "ops.downlink",
            Self::LinkHeartbeat { .. } => "ops.link_heartbeat",
            Self::LinkChanged { .. } => "ops.link_changed",
        }
    }

    /// Whether the fact goes to the journal; the others are published live only.
    pub fn journaled(&self) -> bool {
        match self {
            Self::AlarmRepeated { .. } | Self::LinkHeartbeat { .. } => false,
            Self::UnitPosition { journaled, .. } => *journaled,
            _ => true,
        }
    }

    /// The event as the journal payload.
    pub fn payload(&self) -> Value {
        // Serialising plain data with string keys cannot fail.
        serde_json::to_value(self).unwrap_or(Value::Null)
    }

    /// Reads a journal payload back.
    pub fn from_payload(payload: &Value) -> Result<Self, serde_json::Error> {
        Self::deserialize(payload)
    }
}
