//! The one registry of journal event kinds.
//!
//! Every fact the station records is one variant of [`Event`], with one payload type per
//! variant. The journal stores the kind as a dotted string (`crossing.recorded`) so that it
//! stays readable with plain SQL; that string exists only in the `events!` list below.
//! Everything that reads the journal — projections, replay, the command engine, the live
//! stream and the role views — matches on the variant or its [`EventKind`].
//!
//! Architecture invariant: an event kind exists only as an `Event` variant. Each kind has one
//! row in [`rule`] (journaled or live, what it projects, what replays it, who sees it); the
//! match there has no wildcard, so a new variant without its row does not build.
//!
//! Payload types keep today's field names: journals written by earlier versions read back
//! (unknown fields such as the old `"type"` tag of command facts are ignored).

use std::str::FromStr;

use guomen_domain::Role;
use guomen_ops::{
    AlarmNuisance, AlarmRaised, AlarmRepeated, Downlink, IncidentCreated, IncidentTransition,
    IncidentUpdated, LinkChanged, LinkHeartbeat, OpsEvent, TerminalPresence, TrackExpired,
    UnitPosition, UnitStatusChanged, WatchlistHit,
};
use guomen_store::NewEvent;
use serde::{Deserialize, Serialize};
use serde_json::Value;

pub use payload::*;

mod payload;
pub mod samples;
pub mod view;

macro_rules! events {
    ($( $(#[$doc:meta])* $variant:ident = $kind:literal ($payload:ty) ),* $(,)?) => {
        /// A fact of the station, as journaled (or published live) with its typed payload.
        /// Serialised as `{"kind": "...", "payload": {...}}`.
        #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
        #[serde(tag = "kind", content = "payload")]
        pub enum Event {
            $( $(#[$doc])* #[serde(rename = $kind)] $variant($payload), )*
        }

        /// The kind of an [`Event`], without its payload.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        pub enum EventKind {
            $( #[serde(rename = $kind)] $variant, )*
        }

        impl EventKind {
            /// Every kind, in registry order.
            pub const ALL: &'static [EventKind] = &[$(EventKind::$variant),*];

            /// The journal's name of the kind.
            pub fn as_str(self) -> &'static str {
                match self { $(EventKind::$variant => $kind,)* }
            }
        }

        impl Event {
            pub fn kind(&self) -> EventKind {
                match self { $(Event::$variant(_) => EventKind::$variant,)* }
            }

            /// The payload as the journal stores it (a JSON object).
            pub fn payload(&self) -> Value {
                // Plain data with string keys always serialises.
                match self { $(Event::$variant(p) => serde_json::to_value(p).unwrap_or(Value::Null),)* }
            }

            /// Reads a journal row's kind and payload back into its variant.
            pub fn from_journal(kind: &str, payload: &Value) -> Result<Event, EventError> {
                let k: EventKind = kind.parse()?;
                let bad = |e: serde_json::Error| EventError::Payload { kind: k.as_str(), reason: e.to_string() };
                Ok(match k {
                    $(EventKind::$variant => Event::$variant(<$payload>::deserialize(payload).map_err(bad)?),)*
                })
            }
        }
    };
}

events! {
    /// A user account was created (its password and token hashes go to projections only).
    UserCreated = "user.created" (UserCreated),
    UserRoleChanged = "user.role_changed" (UserRoleChanged),
    UserPasswordSet = "user.password_set" (UserRef),
    UserDisabled = "user.disabled" (UserRef),
    TokenIssued = "token.issued" (TokenIssued),
    TokenRevoked = "token.revoked" (TokenRevoked),
    LoginSucceeded = "auth.login_succeeded" (LoginSucceeded),
    LoginFailed = "auth.login_failed" (LoginFailed),
    Logout = "auth.logout" (Logout),
    /// A duty chief's free-text note in the duty log.
    DutyLogWritten = "duty_log.written" (DutyLogWritten),
    StationStarted = "station.started" (StationStarted),
    StationStopped = "station.stopped" (StationStopped),
    WatchlistUpserted = "watchlist.upserted" (WatchlistUpserted),
    WatchlistRemoved = "watchlist.removed" (WatchlistRemoved),
    WatchlistImported = "watchlist.imported" (WatchlistImported),
    /// A non-final inspection, awaiting an inspector.
    InspectionCreated = "inspection.created" (InspectionCreated),
    /// A final decision at a counter or gate.
    CrossingRecorded = "crossing.recorded" (CrossingRecorded),
    /// A wanted person (or a refused person on entry) was hit; becomes an incident.
    WatchlistHit = "clearance.watchlist_hit" (WatchlistHit),
    AlarmRaised = "ops.alarm_raised" (AlarmRaised),
    /// The same sensor again inside the de-duplication window (live only).
    AlarmRepeated = "ops.alarm_repeated" (AlarmRepeated),
    AlarmNuisance = "ops.alarm_nuisance" (AlarmNuisance),
    IncidentCreated = "ops.incident_created" (Box<IncidentCreated>),
    IncidentUpdated = "ops.incident_updated" (Box<IncidentUpdated>),
    IncidentTransition = "ops.incident_transition" (IncidentTransition),
    TrackExpired = "ops.track_expired" (TrackExpired),
    /// A unit's fix: journaled one per sampling period, live otherwise.
    UnitPosition = "ops.unit_position" (UnitPosition),
    UnitStatus = "ops.unit_status" (UnitStatusChanged),
    TerminalPresence = "ops.terminal_presence" (TerminalPresence),
    Downlink = "ops.downlink" (Downlink),
    /// A heartbeat on a link already up (live only).
    LinkHeartbeat = "ops.link_heartbeat" (LinkHeartbeat),
    LinkChanged = "ops.link_changed" (LinkChanged),
    /// A duty point's store-and-forward item applied (its idempotency key is remembered).
    OutboxItem = "ops.outbox_item" (OutboxItem),
    TerminalProvisioned = "device.terminal_provisioned" (TerminalProvisioned),
    TerminalRegistered = "device.terminal_registered" (TerminalRef),
    TerminalReset = "device.terminal_reset" (TerminalRef),
    /// The crossing statistics were recounted from the journal and replaced.
    StatsRebuilt = "stats.rebuilt" (StatsRebuilt),
    /// An analyst entered the region's totals for a year.
    RegionTotalsSet = "stats.region_totals_set" (RegionTotalsSet),
    /// A case was opened (a violation, smuggling, a forged document...).
    CaseOpened = "case.opened" (CaseOpened),
    CaseStatusChanged = "case.status_changed" (CaseStatusChanged),
    SeizureRecorded = "case.seizure_recorded" (SeizureRecorded),
    /// An evidence file was added to a case (the file itself is stored by its SHA-256).
    EvidenceAdded = "case.evidence_added" (EvidenceAdded),
    /// Someone opened an evidence file: its chain of custody.
    EvidenceViewed = "case.evidence_viewed" (EvidenceViewed),
    /// A carrier booked a slot for a vehicle (the record as booked).
    RoadAppointmentBooked = "road.appointment_booked" (crate::road::Appointment),
    /// An appointment changed: by its carrier, or by the vehicle's arrival (arrived, lost).
    RoadAppointmentChanged = "road.appointment_changed" (crate::road::Appointment),
    RoadAppointmentCancelled = "road.appointment_cancelled" (crate::road::Appointment),
    /// The duty chief set one slot's capacity.
    RoadSlotCapacitySet = "road.slot_capacity_set" (SlotCapacitySet),
    /// A driver hit a list at booking or at the gate: for staff, never the carrier.
    RoadDriverHit = "road.driver_hit" (DriverHit),
    RoadTrustedTraderAdded = "road.trusted_trader_added" (TrustedTraderAdded),
    /// A plate read at a gate became an arrival (the vehicle as it arrived).
    RoadVehicleArrived = "road.vehicle_arrived" (crate::road::Vehicle),
    RoadVehicleInspection = "road.vehicle_inspection_started" (crate::road::Vehicle),
    RoadVehicleChecked = "road.vehicle_checked" (crate::road::Vehicle),
    RoadVehicleReleased = "road.vehicle_released" (crate::road::Vehicle),
    /// A green-channel vehicle waits past its release target: a warning to the duty chief.
    RoadGreenOverdue = "road.green_overdue" (GreenOverdue),
    TrainScheduled = "train.scheduled" (TrainScheduled),
    /// A manifest version read and screened before arrival (counts only).
    ManifestReceived = "train.manifest_received" (ManifestReceived),
    TrainArrived = "train.arrived" (TrainArrived),
    TrainAgencyDone = "train.agency_done" (AgencyDone),
    TrainReleased = "train.released" (TrainReleased),
    TrainPersonVerified = "train.person_verified" (PersonVerified),
    TrainOverrunPredicted = "train.overrun_predicted" (TrainOverrunPredicted),
    TrainPriority = "train.priority_marked" (PriorityMarked),
    LaneOpened = "lane.opened" (LaneOpened),
    LaneClosed = "lane.closed" (LaneClosed),
    LaneStaffed = "lane.staffed" (LaneStaffed),
    /// A queue count from a camera counter or a person.
    LaneQueueCounted = "lane.queue_counted" (LaneQueueCounted),
    ShiftAdded = "roster.shift_added" (ShiftAdded),
    GroupAnnounced = "group.announced" (GroupAnnounced),
    AssistanceRequested = "assistance.requested" (AssistanceRequested),
    AssistanceDone = "assistance.done" (AssistanceDone),
    /// An announced group's bus read by an ANPR camera: its lane is recommended now.
    GroupSeen = "group.seen" (GroupSeen),
    /// A supervisor's check of a post from the duty supervision desk (勤务督导).
    SupervisionChecked = "supervision.checked" (SupervisionChecked),
    /// An auxiliary inspector proposed a refuse or detain: it waits for an officer.
    InspectionCountersignRequested = "inspection.countersign_requested" (InspectionCountersignRequested),
    /// An officer countersigned an auxiliary's proposal (the crossing is recorded with it).
    InspectionCountersigned = "inspection.countersigned" (InspectionCountersigned),
    /// An administrator changed a permit notice template (告知单).
    NoticeUpdated = "notice.updated" (NoticeUpdated),
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EventError {
    #[error("unknown event kind `{0}`")]
    UnknownKind(String),
    #[error("{kind}: payload does not read: {reason}")]
    Payload { kind: &'static str, reason: String },
}

impl FromStr for EventKind {
    type Err = EventError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        EventKind::ALL
            .iter()
            .copied()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| EventError::UnknownKind(s.chars().take(80).collect()))
    }
}

impl std::fmt::Display for EventKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Event {
    /// The store's new event for this fact, by `actor`, at the station clock's `time`.
    pub fn to_new(&self, actor: &str, time: chrono::DateTime<chrono::Utc>) -> NewEvent {
        NewEvent::new(self.kind().as_str(), actor, self.payload()).at(time)
    }

    /// Whether this fact goes to the journal; the others are published live only.
    pub fn journaled(&self) -> bool {
        match rule(self.kind()).journal {
            Journal::Always => true,
            Journal::Never => false,
            Journal::Sampled => match self {
                Event::UnitPosition(p) => p.journaled,
                _ => true,
            },
        }
    }

    /// The command engine's fact behind this event, if it is one.
    pub fn into_ops(self) -> Option<OpsEvent> {
        Some(match self {
            Event::AlarmRaised(e) => OpsEvent::AlarmRaised(e),
            Event::AlarmRepeated(e) => OpsEvent::AlarmRepeated(e),
            Event::AlarmNuisance(e) => OpsEvent::AlarmNuisance(e),
            Event::IncidentCreated(e) => OpsEvent::IncidentCreated(e),
            Event::IncidentUpdated(e) => OpsEvent::IncidentUpdated(e),
            Event::IncidentTransition(e) => OpsEvent::IncidentTransition(e),
            Event::TrackExpired(e) => OpsEvent::TrackExpired(e),
            Event::UnitPosition(e) => OpsEvent::UnitPosition(e),
            Event::UnitStatus(e) => OpsEvent::UnitStatus(e),
            Event::TerminalPresence(e) => OpsEvent::TerminalPresence(e),
            Event::Downlink(e) => OpsEvent::Downlink(e),
            Event::LinkHeartbeat(e) => OpsEvent::LinkHeartbeat(e),
            Event::LinkChanged(e) => OpsEvent::LinkChanged(e),
            _ => return None,
        })
    }
}

impl From<OpsEvent> for Event {
    fn from(e: OpsEvent) -> Event {
        match e {
            OpsEvent::AlarmRaised(e) => Event::AlarmRaised(e),
            OpsEvent::AlarmRepeated(e) => Event::AlarmRepeated(e),
            OpsEvent::AlarmNuisance(e) => Event::AlarmNuisance(e),
            OpsEvent::IncidentCreated(e) => Event::IncidentCreated(e),
            OpsEvent::IncidentUpdated(e) => Event::IncidentUpdated(e),
            OpsEvent::IncidentTransition(e) => Event::IncidentTransition(e),
            OpsEvent::TrackExpired(e) => Event::TrackExpired(e),
            OpsEvent::UnitPosition(e) => Event::UnitPosition(e),
            OpsEvent::UnitStatus(e) => Event::UnitStatus(e),
            OpsEvent::TerminalPresence(e) => Event::TerminalPresence(e),
            OpsEvent::Downlink(e) => Event::Downlink(e),
            OpsEvent::LinkHeartbeat(e) => Event::LinkHeartbeat(e),
            OpsEvent::LinkChanged(e) => Event::LinkChanged(e),
        }
    }
}

/// Whether a kind is journaled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Journal {
    Always,
    /// Live only: superseded by the next one, never needed to rebuild state.
    Never,
    /// Some are journaled, the rest live (unit positions, one per sampling period).
    Sampled,
}

/// Which projection an event writes in the same transaction (besides the journal row).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Projects {
    Nothing,
    Users,
    Tokens,
    DutyLog,
    /// The crossings table and its counts (and the inspection document it decides).
    Crossings,
    /// The crossing counts, replaced whole.
    CrossingCounts,
    /// A document collection of the store.
    Docs(&'static str),
}

/// What rebuilds from this kind at start-up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Replay {
    /// Nothing: the projection is the store's own, or the fact is history only.
    None,
    /// The command engine (incidents, units, links, tracks).
    Ops,
    /// The command engine, through a new incident (a watchlist hit not yet seen).
    OpsIncident,
    /// The live watchlist index.
    Watchlist,
}

/// Who sees a kind, per audience.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sight {
    /// Never delivered to this audience.
    No,
    /// The typed payload as recorded.
    Full,
    /// The audience's own view type for the kind: no names, document numbers, birth dates
    /// or free text (see [`view`]).
    Limited,
    /// Only what concerns the partner's own agency, in the partner view.
    OwnAgency,
    /// Only the carrier's own organisation's trains, in the carrier view (status and counts,
    /// never hits or persons).
    OwnOrganisation,
}

/// Who reads events: the roles of the station and, beyond it, the national centre.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Audience {
    Admin,
    DutyChief,
    Inspector,
    Analyst,
    Partner,
    /// A carrier's organisation: railway operators, logistics firms, travel agencies.
    Carrier,
    Device,
    /// The national centre a station replicates to.
    Centre,
}

impl Audience {
    pub const ALL: [Audience; 8] = [
        Audience::Admin,
        Audience::DutyChief,
        Audience::Inspector,
        Audience::Analyst,
        Audience::Partner,
        Audience::Carrier,
        Audience::Device,
        Audience::Centre,
    ];

    fn index(self) -> usize {
        self as usize
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Audience::Admin => "admin",
            Audience::DutyChief => "duty_chief",
            Audience::Inspector => "inspector",
            Audience::Analyst => "analyst",
            Audience::Partner => "partner",
            Audience::Carrier => "carrier",
            Audience::Device => "device",
            Audience::Centre => "centre",
        }
    }
}

impl From<Role> for Audience {
    fn from(r: Role) -> Audience {
        match r {
            Role::Admin => Audience::Admin,
            Role::DutyChief => Audience::DutyChief,
            Role::Inspector => Audience::Inspector,
            Role::Analyst => Audience::Analyst,
            Role::Partner => Audience::Partner,
            Role::Carrier => Audience::Carrier,
            Role::Device => Audience::Device,
        }
    }
}

/// One kind's row of the registry table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KindRule {
    pub journal: Journal,
    pub projects: Projects,
    pub replay: Replay,
    /// By [`Audience`]: admin, duty chief, inspector, analyst, partner, carrier, device,
    /// centre.
    pub sight: [Sight; 8],
}

impl KindRule {
    pub fn sight(&self, audience: Audience) -> Sight {
        self.sight[audience.index()]
    }
}

/// The table of event kind × (journal, projection, replay, audience). One row per kind, no
/// wildcard: a new variant does not build until it has its row.
///
/// Reading the audiences: credentials and accounts go to the administrator only; watchlist
/// contents to nobody's stream (they are read through their routes); clearance facts to the
/// staff who clear people, an analyst seeing crossings without names; the command centre's
/// facts to the staff; a partner sees only incidents and notifications of its own agency;
/// devices read no stream; the national centre receives the whole journal.
pub const fn rule(kind: EventKind) -> KindRule {
    use EventKind as K;
    use Journal::*;
    use Sight::*;
    //                      admin  chief  insp   analyst  partner  carrier  device  centre
    const ADMIN_ONLY: [Sight; 8] = [Full, No, No, No, No, No, No, Full];
    const AUDIT: [Sight; 8] = [Full, No, No, Full, No, No, No, Full];
    const STAFF: [Sight; 8] = [Full, Full, Full, Full, No, No, No, Full];
    const COMMAND: [Sight; 8] = [Full, Full, No, Full, No, No, No, Full];
    const INSPECTIONS: [Sight; 8] = [Full, Full, Full, Full, No, No, No, Full];
    const CROSSINGS: [Sight; 8] = [Full, Full, Full, Limited, No, No, No, Full];
    const HITS: [Sight; 8] = [Full, Full, Full, No, No, No, No, Full];
    const NEW_INCIDENT: [Sight; 8] = [Full, Full, Full, Limited, OwnAgency, No, No, Full];
    const INCIDENT_FACTS: [Sight; 8] = [Full, Full, Full, Full, OwnAgency, No, No, Full];
    const LISTS: [Sight; 8] = [No, No, No, No, No, No, No, Full];
    // Cases name people and hold free text: the staff who handle them see them; an analyst
    // reads cases only as counts (the reports), never the stream.
    const CASES: [Sight; 8] = [Full, Full, Full, No, No, No, No, Full];
    // Appointments carry the driver's document: staff who clear vehicles, not analysts;
    // carriers read their own through the appointments route, not the stream.
    const BOOKINGS: [Sight; 8] = [Full, Full, Full, No, No, No, No, Full];
    // A vehicle's path has a plate, times and a channel, no person.
    const VEHICLES: [Sight; 8] = [Full, Full, Full, Full, No, No, No, Full];
    // Train facts carry ids, numbers and counts, never names or hits: the staff see them;
    // partners and carriers read their own trains through the trains routes.
    const TRAINS: [Sight; 8] = [Full, Full, Full, Full, No, No, No, Full];
    // A train's status facts: the carrier follows its own organisation's trains live (never
    // hits, persons or the verification of each person).
    const TRAIN_STATUS: [Sight; 8] = [Full, Full, Full, Full, No, OwnOrganisation, No, Full];
    // Lane state and counts carry no person: analysts may study the flow.
    const FLOW: [Sight; 8] = [Full, Full, Full, Full, No, No, No, Full];
    // Staff names, shifts, groups and help for travellers: the people who run the port.
    const DUTY: [Sight; 8] = [Full, Full, Full, No, No, No, No, Full];
    // A supervisor's findings about named staff at their posts: the command (who supervises)
    // and the administrator, not the inspectors being checked nor analysts.
    const SUPERVISION: [Sight; 8] = [Full, Full, No, No, No, No, No, Full];
    // Permit notice templates are public text: the staff see who changed them.
    const NOTICES: [Sight; 8] = [Full, Full, Full, Full, No, No, No, Full];
    const fn r(
        journal: Journal,
        projects: Projects,
        replay: Replay,
        sight: [Sight; 8],
    ) -> KindRule {
        KindRule {
            journal,
            projects,
            replay,
            sight,
        }
    }
    match kind {
        K::UserCreated => r(Always, Projects::Users, Replay::None, ADMIN_ONLY),
        K::UserRoleChanged => r(Always, Projects::Users, Replay::None, ADMIN_ONLY),
        K::UserPasswordSet => r(Always, Projects::Users, Replay::None, ADMIN_ONLY),
        K::UserDisabled => r(Always, Projects::Users, Replay::None, ADMIN_ONLY),
        K::TokenIssued => r(Always, Projects::Tokens, Replay::None, ADMIN_ONLY),
        K::TokenRevoked => r(Always, Projects::Tokens, Replay::None, ADMIN_ONLY),
        K::LoginSucceeded => r(Always, Projects::Nothing, Replay::None, ADMIN_ONLY),
        K::LoginFailed => r(Always, Projects::Nothing, Replay::None, ADMIN_ONLY),
        K::Logout => r(Always, Projects::Nothing, Replay::None, ADMIN_ONLY),
        K::DutyLogWritten => r(Always, Projects::DutyLog, Replay::None, STAFF),
        K::StationStarted => r(Always, Projects::Nothing, Replay::None, AUDIT),
        K::StationStopped => r(Always, Projects::Nothing, Replay::None, AUDIT),
        K::WatchlistUpserted => r(
            Always,
            Projects::Docs("watchlist"),
            Replay::Watchlist,
            LISTS,
        ),
        K::WatchlistRemoved => r(
            Always,
            Projects::Docs("watchlist"),
            Replay::Watchlist,
            LISTS,
        ),
        K::WatchlistImported => r(Always, Projects::Nothing, Replay::Watchlist, AUDIT),
        K::InspectionCreated => r(
            Always,
            Projects::Docs("inspections"),
            Replay::None,
            INSPECTIONS,
        ),
        K::CrossingRecorded => r(Always, Projects::Crossings, Replay::None, CROSSINGS),
        K::WatchlistHit => r(Always, Projects::Nothing, Replay::OpsIncident, HITS),
        K::AlarmRaised => r(Always, Projects::Nothing, Replay::Ops, COMMAND),
        K::AlarmRepeated => r(Never, Projects::Nothing, Replay::Ops, COMMAND),
        K::AlarmNuisance => r(Always, Projects::Nothing, Replay::Ops, COMMAND),
        K::IncidentCreated => r(Always, Projects::Nothing, Replay::Ops, NEW_INCIDENT),
        K::IncidentUpdated => r(Always, Projects::Nothing, Replay::Ops, INCIDENT_FACTS),
        K::IncidentTransition => r(Always, Projects::Nothing, Replay::Ops, INCIDENT_FACTS),
        K::TrackExpired => r(Always, Projects::Nothing, Replay::Ops, COMMAND),
        K::UnitPosition => r(Sampled, Projects::Nothing, Replay::Ops, COMMAND),
        K::UnitStatus => r(Always, Projects::Nothing, Replay::Ops, STAFF),
        K::TerminalPresence => r(Always, Projects::Nothing, Replay::Ops, COMMAND),
        K::Downlink => r(Always, Projects::Nothing, Replay::Ops, COMMAND),
        K::LinkHeartbeat => r(Never, Projects::Nothing, Replay::Ops, COMMAND),
        K::LinkChanged => r(Always, Projects::Nothing, Replay::Ops, STAFF),
        K::OutboxItem => r(Always, Projects::Docs("outbox_keys"), Replay::None, COMMAND),
        // Terminal numbers are administrators' only (GET /api/v1/port hides them too); the
        // engine's terminal map is rebuilt from the `terminals` documents at start-up.
        K::TerminalProvisioned => r(
            Always,
            Projects::Docs("terminals"),
            Replay::None,
            ADMIN_ONLY,
        ),
        K::TerminalRegistered => r(
            Always,
            Projects::Docs("terminal_auth"),
            Replay::None,
            ADMIN_ONLY,
        ),
        K::TerminalReset => r(
            Always,
            Projects::Docs("terminal_auth"),
            Replay::None,
            ADMIN_ONLY,
        ),
        K::StatsRebuilt => r(Always, Projects::CrossingCounts, Replay::None, AUDIT),
        K::CaseOpened => r(Always, Projects::Docs("cases"), Replay::None, CASES),
        K::CaseStatusChanged => r(Always, Projects::Docs("cases"), Replay::None, CASES),
        K::SeizureRecorded => r(Always, Projects::Docs("cases"), Replay::None, CASES),
        K::EvidenceAdded => r(Always, Projects::Docs("cases"), Replay::None, CASES),
        K::EvidenceViewed => r(Always, Projects::Docs("cases"), Replay::None, CASES),
        K::RegionTotalsSet => r(Always, Projects::Docs("region_totals"), Replay::None, AUDIT),
        K::RoadAppointmentBooked => r(
            Always,
            Projects::Docs("appointments"),
            Replay::None,
            BOOKINGS,
        ),
        K::RoadAppointmentChanged => r(
            Always,
            Projects::Docs("appointments"),
            Replay::None,
            BOOKINGS,
        ),
        K::RoadAppointmentCancelled => r(
            Always,
            Projects::Docs("appointments"),
            Replay::None,
            BOOKINGS,
        ),
        K::RoadSlotCapacitySet => r(
            Always,
            Projects::Docs("slot_capacity"),
            Replay::None,
            COMMAND,
        ),
        K::RoadDriverHit => r(Always, Projects::Nothing, Replay::None, HITS),
        K::RoadTrustedTraderAdded => r(
            Always,
            Projects::Docs("trusted_traders"),
            Replay::None,
            STAFF,
        ),
        K::RoadVehicleArrived => r(Always, Projects::Docs("vehicles"), Replay::None, VEHICLES),
        K::RoadVehicleInspection => r(Always, Projects::Docs("vehicles"), Replay::None, VEHICLES),
        K::RoadVehicleChecked => r(Always, Projects::Docs("vehicles"), Replay::None, VEHICLES),
        K::RoadVehicleReleased => r(Always, Projects::Docs("vehicles"), Replay::None, VEHICLES),
        K::RoadGreenOverdue => r(Always, Projects::Docs("vehicles"), Replay::None, COMMAND),
        K::TrainScheduled => r(Always, Projects::Docs("trains"), Replay::None, TRAIN_STATUS),
        K::ManifestReceived => r(Always, Projects::Docs("trains"), Replay::None, TRAIN_STATUS),
        K::TrainArrived => r(Always, Projects::Docs("trains"), Replay::None, TRAIN_STATUS),
        K::TrainAgencyDone => r(Always, Projects::Docs("trains"), Replay::None, TRAIN_STATUS),
        K::TrainReleased => r(Always, Projects::Docs("trains"), Replay::None, TRAIN_STATUS),
        K::TrainPersonVerified => r(Always, Projects::Docs("trains"), Replay::None, TRAINS),
        // For the station's staff: the carrier sees the release, not the station's staffing.
        K::TrainOverrunPredicted => r(Always, Projects::Docs("trains"), Replay::None, TRAINS),
        K::TrainPriority => r(Always, Projects::Docs("trains"), Replay::None, TRAINS),
        K::LaneOpened => r(Always, Projects::Docs("lanes"), Replay::None, FLOW),
        K::LaneClosed => r(Always, Projects::Docs("lanes"), Replay::None, FLOW),
        K::LaneStaffed => r(Always, Projects::Docs("lanes"), Replay::None, DUTY),
        K::LaneQueueCounted => r(Always, Projects::Docs("lanes"), Replay::None, FLOW),
        K::ShiftAdded => r(Always, Projects::Docs("shifts"), Replay::None, DUTY),
        K::GroupAnnounced => r(Always, Projects::Docs("groups"), Replay::None, DUTY),
        K::AssistanceRequested => r(Always, Projects::Docs("assistance"), Replay::None, DUTY),
        K::AssistanceDone => r(Always, Projects::Docs("assistance"), Replay::None, DUTY),
        K::GroupSeen => r(Always, Projects::Docs("groups"), Replay::None, DUTY),
        K::SupervisionChecked => r(
            Always,
            Projects::Docs("supervision_checks"),
            Replay::None,
            SUPERVISION,
        ),
        K::InspectionCountersignRequested => r(
            Always,
            Projects::Docs("inspections"),
            Replay::None,
            INSPECTIONS,
        ),
        K::InspectionCountersigned => r(Always, Projects::Nothing, Replay::None, INSPECTIONS),
        K::NoticeUpdated => r(Always, Projects::Docs("notices"), Replay::None, NOTICES),
    }
}

/// The kinds that rebuild `replay` at start-up, for reading the journal by kind.
pub fn kinds_replayed_by(replay: &[Replay]) -> Vec<&'static str> {
    EventKind::ALL
        .iter()
        .filter(|k| replay.contains(&rule(**k).replay) && rule(**k).journal != Journal::Never)
        .map(|k| k.as_str())
        .collect()
}

/// The kinds an audience may ever see, for the pages' list of stream kinds and for tests.
pub fn kinds_seen_by(audience: Audience) -> Vec<EventKind> {
    EventKind::ALL
        .iter()
        .copied()
        .filter(|k| rule(*k).sight(audience) != Sight::No)
        .collect()
}

#[cfg(test)]
mod tests;

/// The kind × audience table as Markdown, for `docs/event-kinds.md` (a test keeps that file
/// equal to this).
pub fn audience_table_markdown() -> String {
    use std::fmt::Write as _;
    let mut out = String::from(
        "# Event kinds and who sees them\n\n\
         Generated from `rule()` in `crates/station/src/event.rs` (the one registry of journal \
         kinds); `GUOMEN_UPDATE_DOCS=1 cargo test -p guomen-station --lib` rewrites it.\n\n\
         `full`: the payload as recorded · `view`: the audience's own view type (no names, \
         documents, birth dates or free text) · `own agency`: only incidents its agency \
         reported or was notified of, in the partner view · `—`: never delivered.\n\n\
         | kind | journal | projects | replay | admin | duty chief | inspector | analyst | partner | carrier | device | centre |\n\
         | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |\n",
    );
    for k in EventKind::ALL {
        let r = rule(*k);
        let journal = match r.journal {
            Journal::Always => "yes",
            Journal::Never => "live only",
            Journal::Sampled => "sampled",
        };
        let projects = match r.projects {
            Projects::Nothing => "—".to_owned(),
            Projects::Users => "users".to_owned(),
            Projects::Tokens => "tokens".to_owned(),
            Projects::DutyLog => "duty log".to_owned(),
            Projects::Crossings => "crossings, counts".to_owned(),
            Projects::CrossingCounts => "crossing counts".to_owned(),
            Projects::Docs(c) => format!("docs `{c}`"),
        };
        let replay = match r.replay {
            Replay::None => "—",
            Replay::Ops => "command engine",
            Replay::OpsIncident => "command engine (incident)",
            Replay::Watchlist => "watchlist index",
        };
        let _ = write!(
            out,
            "| `{}` | {journal} | {projects} | {replay} |",
            k.as_str()
        );
        for a in Audience::ALL {
            let cell = match r.sight(a) {
                Sight::No => "—",
                Sight::Full => "full",
                Sight::Limited => "view",
                Sight::OwnAgency => "own agency",
                Sight::OwnOrganisation => "own organisation",
            };
            let _ = write!(out, " {cell} |");
        }
        out.push('\n');
    }
    out
}
