//! The command centre's use cases: sensor events, incidents and their lifecycle, partner
//! notifications, units and positions, links and duty-point outboxes, KPIs. Each takes a
//! typed command and the principal and returns a typed view.

use std::sync::Arc;

use chrono::{DateTime, NaiveDate, Utc};
use guomen_domain::Text;
use guomen_domain::incident::{
    Action, Disposition, IncidentKind, IncidentSource, IncidentStatus, Kpis, Percentiles, Priority,
    Transition,
};
use guomen_domain::text::codes;
use guomen_domain::unit::{UnitEvent, UnitKind, UnitStatus};
use guomen_domain::{Role, ScopeKind};
/// A unit left out of a recommendation, and why (as the geo engine gives it).
pub use guomen_geo::Exclusion;
use guomen_geo::PredictedZone;
use guomen_ops::{
    Engine, GroupHealth, IncidentState, Location, NewIncident, OpsError, OpsEvent, PositionInput,
    SensorInput, UnitState,
};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::{CommitError, commit, commit_locked, ops_error};
use crate::device::{DeviceInput, Via};
use crate::event::{Event, OutboxItem as OutboxItemEvent};
use crate::{Principal, Station, StationError, StationResult};

/// The store's document collection of outbox keys already applied.
pub const OUTBOX_KEYS: &str = "outbox_keys";

// ----- sensor events -----

/// A perimeter sensor's trigger, as any edge received it.
#[derive(Debug, Clone, PartialEq)]
pub struct SensorEvent {
    pub sensor_id: String,
    /// What the sensor reports, e.g. `vibration`, `beam_break`, `intrusion`.
    pub kind: String,
    /// The device's clock; the station's receive time when absent or skewed.
    pub time: Option<DateTime<Utc>>,
    /// 0 to 1.
    pub confidence: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SensorEventAccepted {
    /// Journal seq of the alarm (of the alarm repeated, for a duplicate).
    pub seq: Option<u64>,
    pub alarm_id: String,
    /// A re-trigger within the de-duplication window: the same alarm.
    pub duplicate: bool,
    /// The device's clock was too far ahead and was replaced by the receive time.
    pub clock_corrected: bool,
}

// ----- incident views -----

#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct LonLat {
    pub lon: f64,
    pub lat: f64,
}

fn lon_lat(loc: Option<(f64, f64)>) -> Option<LonLat> {
    loc.map(|(lon, lat)| LonLat { lon, lat })
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TrackView {
    pub track_id: u64,
    pub alarm_count: u32,
    pub heading_deg: Option<f64>,
    pub speed_mps: Option<f64>,
    pub speed_kmh: Option<f64>,
    pub predicted_zone: Option<PredictedZone>,
    pub current_zones: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RecommendationView {
    pub unit_id: String,
    pub eta_s: f64,
    pub distance_m: f64,
    pub fix_age_s: f64,
    pub reason: String,
    /// `reason` as a code with parameters, for the reader's language.
    pub reason_text: Option<Text>,
}

/// An incident as the command centre shows it. `details` (a partner's report, a hit's list
/// and entry) only for roles that see personal data; `timeline`, `alarm_ids` and `kpis` only
/// on the single-incident answers.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct IncidentView {
    pub id: String,
    pub kind: IncidentKind,
    pub status: IncidentStatus,
    pub zone: Option<String>,
    pub priority: Priority,
    pub priority_reason: String,
    /// `priority_reason` as a code with parameters (absent for incidents from before codes).
    pub priority_reason_text: Option<Text>,
    pub title: String,
    /// `title` as a code with parameters (absent when the title is a person's own words).
    pub title_text: Option<Text>,
    pub location: Option<LonLat>,
    pub created: DateTime<Utc>,
    pub source: IncidentSource,
    pub alarm_count: u32,
    pub nuisance: Option<String>,
    pub nuisance_text: Option<Text>,
    pub dispatched_units: Vec<String>,
    pub disposition: Option<Disposition>,
    pub feedback: Option<String>,
    pub recommendations: Vec<RecommendationView>,
    pub excluded: Vec<Exclusion>,
    pub track: Option<TrackView>,
    pub details: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timeline: Option<Vec<Transition>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub alarm_ids: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kpis: Option<Kpis>,
    /// The journal seq of the change that produced this answer, on writes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub seq: Option<u64>,
}

fn incident_view(st: &IncidentState, role: Role, full: bool) -> IncidentView {
    let i = &st.incident;
    IncidentView {
        id: i.id.clone(),
        kind: i.kind,
        status: i.status,
        zone: i.zone.clone(),
        priority: i.priority,
        priority_reason: st.priority_reason.clone(),
        priority_reason_text: st.priority_reason_text.clone(),
        title: i.title.clone(),
        title_text: st.title_text.clone(),
        location: lon_lat(i.location),
        created: i.created,
        source: i.source,
        alarm_count: i.alarm_count,
        nuisance: st.nuisance.clone(),
        nuisance_text: st.nuisance_text.clone(),
        dispatched_units: i.dispatched_units.clone(),
        disposition: i.disposition,
        feedback: i.feedback.clone(),
        recommendations: st
            .recommendations
            .iter()
            .map(|p| RecommendationView {
                unit_id: p.unit_id.clone(),
                eta_s: p.eta_s,
                distance_m: p.distance_m,
                fix_age_s: p.fix_age_s,
                reason: p.reason.clone(),
                reason_text: p.reason_text.clone(),
            })
            .collect(),
        excluded: st.excluded.clone(),
        track: st.track.as_ref().map(|t| TrackView {
            track_id: t.track_id,
            alarm_count: t.alarm_count,
            heading_deg: t.heading_deg,
            speed_mps: t.speed_mps,
            speed_kmh: t.speed_mps.map(|v| v * 3.6),
            predicted_zone: t.predicted_zone.clone(),
            current_zones: t.current_zones.clone(),
        }),
        details: role.sees_personal_data().then(|| st.details.clone()),
        timeline: full.then(|| i.transitions.clone()),
        alarm_ids: full.then(|| st.alarm_ids.clone()),
        kpis: full.then(|| i.kpis()),
        seq: None,
    }
}

/// Which incidents to list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum IncidentFilter {
    /// Anything before resolved.
    #[default]
    Open,
    /// Resolved or closed.
    Closed,
    All,
    /// Exactly one lifecycle status.
    Status(IncidentStatus),
}

impl std::str::FromStr for IncidentFilter {
    type Err = StationError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(match s {
            "open" => IncidentFilter::Open,
            "closed" => IncidentFilter::Closed,
            "all" => IncidentFilter::All,
            other => IncidentFilter::Status(other.parse::<IncidentStatus>().map_err(|_| {
                StationError::unprocessable(format!(
                    "unknown status filter `{other}`; expected open, closed, all or a status \
                     (new, acknowledged, dispatched, en_route, on_scene, resolved)"
                ))
            })?),
        })
    }
}

/// Where an incident is.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Place {
    /// A boundary marker number, e.g. `"814"`.
    Marker(String),
    /// `[lon, lat]` degrees.
    Point([f64; 2]),
    /// A zone id from the port file.
    Zone(String),
}

impl From<Place> for Location {
    fn from(l: Place) -> Location {
        match l {
            Place::Marker(m) => Location::Marker(m),
            Place::Point([lon, lat]) => Location::Point(lon, lat),
            Place::Zone(z) => Location::Zone(z),
        }
    }
}

/// An incident reported by hand.
#[derive(Debug, Clone, PartialEq)]
pub struct ReportIncident {
    /// intrusion, illegal_crossing_attempt, watchlist_hit, medical_emergency,
    /// equipment_fault, link_failure or other.
    pub kind: String,
    pub title: String,
    /// 1 (highest) to 4; from the zone when absent.
    pub priority: Option<u8>,
    pub location: Option<Place>,
    pub details: Option<Value>,
}

/// A partner agency's notification.
#[derive(Debug, Clone, PartialEq)]
pub struct Notification {
    /// The reporting agency; a partner user's own agency when it has one.
    pub agency: Option<String>,
    pub text: String,
    pub location: Place,
    pub persons: Option<u32>,
    /// Where they are heading, in the reporter's words.
    pub heading: Option<String>,
    /// Incident kind; `illegal_crossing_attempt` when absent.
    pub kind: Option<String>,
}

fn parse_kind(k: &str) -> StationResult<IncidentKind> {
    k.parse::<IncidentKind>()
        .map_err(|e| StationError::unprocessable(e.to_string()))
}

// ----- units and links -----

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FixView {
    pub lat: f64,
    pub lon: f64,
    pub time: DateTime<Utc>,
    pub speed_kmh: Option<f64>,
    pub course: Option<f64>,
    pub zone: Option<String>,
}

/// A unit with its status (NENA EIDO availability), last fix and the fix's age.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct UnitView {
    pub id: String,
    pub name: String,
    pub kind: UnitKind,
    pub call_sign: String,
    pub duty_point: String,
    pub terminal_id: Option<String>,
    pub status: UnitStatus,
    pub availability: guomen_domain::unit::Availability,
    pub incident_id: Option<String>,
    pub online: bool,
    pub position: Option<FixView>,
    pub fix_age_s: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub seq: Option<u64>,
}

fn unit_view(u: &UnitState, now: DateTime<Utc>) -> UnitView {
    UnitView {
        id: u.id.clone(),
        name: u.name.clone(),
        kind: u.kind,
        call_sign: u.call_sign.clone(),
        duty_point: u.duty_point.clone(),
        terminal_id: u.terminal_id.clone(),
        status: u.status,
        availability: u.status.availability(),
        incident_id: u.incident_id.clone(),
        online: u.online,
        position: u.fix.as_ref().map(|f| FixView {
            lat: f.lat,
            lon: f.lon,
            time: f.time,
            speed_kmh: f.speed_kmh,
            course: f.course,
            zone: f.zone.clone(),
        }),
        fix_age_s: u
            .fix
            .as_ref()
            .map(|f| (now - f.time).num_milliseconds() as f64 / 1000.0),
        seq: None,
    }
}

/// A position report from a terminal (over HTTP here; JT/T 808 and NMEA take the same path).
#[derive(Debug, Clone, PartialEq)]
pub struct PositionReport {
    pub terminal_id: String,
    pub lat: f64,
    pub lon: f64,
    pub time: DateTime<Utc>,
    pub speed_kmh: Option<f64>,
    pub course: Option<f64>,
}

/// What became of a device's report.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Accepted {
    /// Journal seq when the report was journaled; `null` when live only.
    pub seq: Option<u64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LinkStateName {
    Up,
    Down,
    /// Never heard.
    Unknown,
}

/// A network link of a site or duty point.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LinkView {
    pub id: String,
    /// The site or duty point.
    pub of: String,
    /// `primary` or `backup`.
    pub role: String,
    pub medium: String,
    pub state: LinkStateName,
    pub last_heartbeat: Option<DateTime<Utc>>,
    pub since: Option<DateTime<Utc>>,
    pub group: GroupHealth,
}

// ----- outbox -----

/// One item of a duty point's store-and-forward batch.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OutboxItem {
    /// Client-generated idempotency key, unique per duty point.
    pub key: String,
    /// `sensor_event`, `position`, `unit_status` or `incident_action`.
    #[serde(rename = "type")]
    pub kind: String,
    /// The body the matching route takes.
    pub body: Value,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum OutboxStatus {
    Applied,
    /// Seen before: acknowledged, not applied again.
    Duplicate,
    Refused,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OutboxResult {
    pub key: String,
    pub status: OutboxStatus,
    pub seq: Option<u64>,
    /// Why it was refused: `forbidden` when the item is outside the sender's role or scope,
    /// else the engine's reason.
    pub error: Option<String>,
    /// For `forbidden`: what the sender may not do.
    pub message: Option<String>,
}

// ----- KPIs -----

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct IncidentKpis {
    pub id: String,
    pub alarm_to_ack_s: Option<f64>,
    pub ack_to_dispatch_s: Option<f64>,
    pub dispatch_to_on_scene_s: Option<f64>,
    pub alarm_to_resolved_s: Option<f64>,
}

/// Response times of the incidents created on one station-local day.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct KpiReport {
    pub day: NaiveDate,
    pub incidents: Vec<IncidentKpis>,
    pub alarm_to_ack: Option<Percentiles>,
    pub ack_to_dispatch: Option<Percentiles>,
    pub dispatch_to_on_scene: Option<Percentiles>,
    pub alarm_to_resolved: Option<Percentiles>,
}

/// A device's input must concern something within its scopes; people pass (routes check
/// their roles). The refusal is `forbidden`, whatever edge carried the input.
pub(crate) fn require_scope(who: &Principal, kind: ScopeKind, id: &str) -> StationResult<()> {
    if who.speaks_for(kind, id) {
        return Ok(());
    }
    Err(StationError::forbidden(format!(
        "device `{}` does not speak for {} `{id}`",
        who.name,
        kind.as_str()
    )))
}

/// The unit a terminal belongs to (as the engine knows it, provisioning included).
fn unit_of_terminal(e: &Engine, terminal_id: &str) -> Option<String> {
    e.unit_by_terminal(terminal_id).map(|u| u.id.clone())
}

/// Scope check for a terminal's report: the device must speak for the terminal's unit. An
/// unknown terminal is nobody's: only a device granted every unit passes on to the engine,
/// which refuses it as unknown.
fn require_terminal_scope(e: &Engine, who: &Principal, terminal_id: &str) -> StationResult<()> {
    match unit_of_terminal(e, terminal_id) {
        Some(unit) => require_scope(who, ScopeKind::Unit, &unit),
        None => require_scope(who, ScopeKind::Unit, terminal_id),
    }
}

/// The roles of the route an outbox item stands for (kept equal to the server's access
/// table for those routes: the item must pass the same check as the route).
fn outbox_item_roles(item: &OutboxItem) -> &'static [Role] {
    const DEVICES: &[Role] = &[Role::Admin, Role::Device];
    const COMMAND: &[Role] = &[Role::Admin, Role::DutyChief];
    const COMMAND_OR_DEVICE: &[Role] = &[Role::Admin, Role::DutyChief, Role::Device];
    match item.kind.as_str() {
        "sensor_event" | "position" => DEVICES,
        "unit_status" => COMMAND_OR_DEVICE,
        "incident_action" => match outbox_action(&item.body) {
            Ok((_, Action::EnRoute { .. } | Action::OnScene { .. })) => COMMAND_OR_DEVICE,
            Ok(_) => COMMAND,
            // Malformed: the decision refuses it with its own reason.
            Err(_) => COMMAND_OR_DEVICE,
        },
        _ => COMMAND_OR_DEVICE,
    }
}

/// Why an outbox item was not applied.
enum ItemError {
    Commit(CommitError),
    Forbidden(String),
}

/// The access and scope check of an outbox item's own route.
fn outbox_item_allowed(e: &Engine, who: &Principal, item: &OutboxItem) -> StationResult<()> {
    if !outbox_item_roles(item).contains(&who.role) {
        return Err(StationError::forbidden(format!(
            "role {} may not send `{}` items",
            who.role.as_str(),
            item.kind
        )));
    }
    let b = &item.body;
    let s = |k: &str| b.get(k).and_then(Value::as_str);
    match item.kind.as_str() {
        "sensor_event" => match s("sensor_id") {
            Some(id) => require_scope(who, ScopeKind::Sensor, id),
            None => Ok(()),
        },
        "position" => match s("terminal_id") {
            Some(t) => require_terminal_scope(e, who, t),
            None => Ok(()),
        },
        _ => match outbox_unit(item) {
            Some(unit) => require_scope(who, ScopeKind::Unit, &unit),
            None => Ok(()),
        },
    }
}

fn field<'a>(v: &'a Value, k: &str) -> Result<&'a str, OpsError> {
    v.get(k)
        .and_then(Value::as_str)
        .ok_or_else(|| OpsError::Invalid(format!("`{k}` is required")))
}

fn outbox_action(b: &Value) -> Result<(String, Action), OpsError> {
    let id = field(b, "incident_id")?.to_owned();
    let unit = || field(b, "unit_id").map(str::to_owned);
    let action = match field(b, "action")? {
        "acknowledge" => Action::Acknowledge,
        "dispatch" => Action::Dispatch { unit_id: unit()? },
        "en_route" => Action::EnRoute { unit_id: unit()? },
        "on_scene" => Action::OnScene { unit_id: unit()? },
        "resolve" => Action::Resolve {
            disposition: field(b, "disposition")?.to_owned(),
            feedback: field(b, "feedback")?.to_owned(),
        },
        "close" => Action::Close,
        "reopen" => Action::Reopen {
            reason: field(b, "reason")?.to_owned(),
        },
        other => return Err(OpsError::Invalid(format!("unknown action `{other}`"))),
    };
    Ok((id, action))
}

/// The unit an outbox item acts for, if it names one.
fn outbox_unit(item: &OutboxItem) -> Option<String> {
    let b = &item.body;
    match item.kind.as_str() {
        "unit_status" => b.get("unit_id").and_then(Value::as_str).map(str::to_owned),
        "incident_action" => match outbox_action(b) {
            Ok((_, Action::EnRoute { unit_id } | Action::OnScene { unit_id })) => Some(unit_id),
            _ => None,
        },
        _ => None,
    }
}

fn outbox_decide(
    e: &Engine,
    item: &OutboxItem,
    actor: &str,
    now: DateTime<Utc>,
) -> Result<Vec<OpsEvent>, OpsError> {
    let b = &item.body;
    let time = |k: &str| {
        b.get(k)
            .and_then(Value::as_str)
            .map(|s| {
                DateTime::parse_from_rfc3339(s)
                    .map(|t| t.with_timezone(&Utc))
                    .map_err(|e| OpsError::Invalid(format!("`{k}`: {e}")))
            })
            .transpose()
    };
    let num = |k: &str| b.get(k).and_then(Value::as_f64);
    match item.kind.as_str() {
        "sensor_event" => Ok(e
            .sensor_event(
                SensorInput {
                    sensor_id: field(b, "sensor_id")?.to_owned(),
                    kind: field(b, "kind")?.to_owned(),
                    time: time("time")?,
                    confidence: num("confidence"),
                    actor: actor.to_owned(),
                    via: "outbox".into(),
                },
                now,
            )?
            .events),
        "position" => e.position(
            PositionInput {
                terminal_id: field(b, "terminal_id")?.to_owned(),
                lon: num("lon").ok_or_else(|| OpsError::Invalid("`lon` is required".into()))?,
                lat: num("lat").ok_or_else(|| OpsError::Invalid("`lat` is required".into()))?,
                time: time("time")?
                    .ok_or_else(|| OpsError::Invalid("`time` is required".into()))?,
                speed_kmh: num("speed_kmh"),
                course: num("course"),
                via: "outbox".into(),
            },
            now,
        ),
        "unit_status" => {
            let event: UnitEvent = field(b, "event")?.parse().map_err(
                |x: guomen_domain::unit::UnknownUnitEvent| OpsError::Invalid(x.to_string()),
            )?;
            e.unit_report(
                field(b, "unit_id")?,
                event,
                b.get("incident_id").and_then(Value::as_str),
                actor,
                now,
            )
        }
        "incident_action" => {
            let (id, action) = outbox_action(b)?;
            e.incident_action(&id, action, actor, now)
        }
        other => Err(OpsError::Invalid(format!(
            "unknown item type `{other}`; expected sensor_event, position, unit_status or incident_action"
        ))),
    }
}

/// A store change that records an outbox key as seen, in the same append as its effects.
fn outbox_key_change(
    station: &Station,
    duty_point: &str,
    key: &str,
    actor: &str,
    status: OutboxStatus,
) -> guomen_store::Change {
    let result = match status {
        OutboxStatus::Applied => "applied",
        OutboxStatus::Duplicate => "duplicate",
        OutboxStatus::Refused => "refused",
    };
    let event = Event::OutboxItem(OutboxItemEvent {
        duty_point: duty_point.to_owned(),
        key: key.to_owned(),
        result: result.to_owned(),
    });
    guomen_store::Change::event(event.to_new(actor, station.now())).with(
        guomen_store::Projection::PutDoc {
            collection: OUTBOX_KEYS.into(),
            id: format!("{duty_point}:{key}"),
            body: json!({"duty_point": duty_point, "key": key, "result": result}),
        },
    )
}

impl Station {
    /// Whether a device may send `input` (an edge's decoded report, before it goes on the
    /// device channel): the same scope check as the HTTP routes. A refusal is counted as
    /// `device_inputs_refused{reason="forbidden"}` since most edges have no one to answer.
    pub fn admit_device_input(&self, who: &Principal, input: &DeviceInput) -> StationResult<()> {
        let r = match input {
            DeviceInput::SensorEvent { sensor_id, .. } => {
                require_scope(who, ScopeKind::Sensor, sensor_id)
            }
            DeviceInput::LinkHeartbeat { link_id, .. } => {
                require_scope(who, ScopeKind::Link, link_id)
            }
            DeviceInput::Position { terminal_id, .. }
            | DeviceInput::TerminalOnline { terminal_id, .. }
            | DeviceInput::TerminalOffline { terminal_id, .. }
            | DeviceInput::OrderAcknowledged { terminal_id, .. } => self
                .ops
                .peek(|e| require_terminal_scope(e, who, terminal_id)),
        };
        if let Err(e) = &r {
            self.metrics.count("device_inputs_refused", "forbidden");
            tracing::info!(device = %who.name, error = %e, "device input outside its scope");
        }
        r
    }

    /// A perimeter sensor event: an alarm, and the incident it opens or joins through its
    /// linkage track.
    pub async fn sensor_event(
        &self,
        who: &Principal,
        input: SensorEvent,
    ) -> StationResult<SensorEventAccepted> {
        self.sensor_event_via(who, input, Via::Http).await
    }

    /// [`Station::sensor_event`] arrived through another edge than HTTP (MQTT).
    pub async fn sensor_event_via(
        &self,
        who: &Principal,
        input: SensorEvent,
        via: Via,
    ) -> StationResult<SensorEventAccepted> {
        require_scope(who, ScopeKind::Sensor, &input.sensor_id)?;
        let now = self.now();
        let actor = who.actor();
        let input = SensorInput {
            sensor_id: input.sensor_id,
            kind: input.kind,
            time: input.time,
            confidence: input.confidence,
            actor: actor.clone(),
            via: via.as_str().into(),
        };
        let r = commit(self, &actor, vec![], |e| {
            let out = e.sensor_event(input, now)?;
            Ok((out.events.clone(), out))
        })
        .await;
        let c = match r {
            Ok(c) => c,
            Err(CommitError::Refused(e)) => {
                self.metrics.count("sensor_events_rejected", e.reason());
                tracing::info!(reason = e.reason(), error = %e, "sensor event refused");
                return Err(ops_error(e));
            }
            Err(e) => return Err(e.into()),
        };
        super::count_sensor_outcome(self, &c.value);
        let seq = c
            .first_seq()
            .or_else(|| self.ops.alarm_seq(&c.value.alarm_id));
        Ok(SensorEventAccepted {
            seq,
            alarm_id: c.value.alarm_id,
            duplicate: c.value.duplicate,
            clock_corrected: c.value.clock_corrected,
        })
    }

    /// Incidents, most urgent first, then newest.
    pub async fn incidents(
        &self,
        who: &Principal,
        filter: IncidentFilter,
    ) -> StationResult<Vec<IncidentView>> {
        let keep = |s: &IncidentState| match filter {
            IncidentFilter::Status(st) => s.incident.status == st,
            IncidentFilter::Closed => !s.incident.status.is_open(),
            IncidentFilter::All => true,
            IncidentFilter::Open => s.incident.status.is_open(),
        };
        Ok(self
            .ops
            .read(|e| {
                let mut v: Vec<&IncidentState> = e.incidents().filter(|s| keep(s)).collect();
                v.sort_by(|a, b| {
                    a.incident
                        .priority
                        .cmp(&b.incident.priority)
                        .then(b.incident.created.cmp(&a.incident.created))
                });
                v.into_iter()
                    .map(|s| incident_view(s, who.role, false))
                    .collect()
            })
            .await)
    }

    /// One incident with its whole timeline (every transition with actor and time) and KPIs.
    pub async fn incident(&self, who: &Principal, id: &str) -> StationResult<IncidentView> {
        self.ops
            .read(|e| e.incident(id).map(|s| incident_view(s, who.role, true)))
            .await
            .ok_or_else(|| StationError::not_found(format!("no incident `{id}`")))
    }

    pub(crate) async fn create_incident(
        &self,
        who: &Principal,
        new: NewIncident,
    ) -> StationResult<IncidentView> {
        let now = self.now();
        let c = commit(self, &who.actor(), vec![], |e| {
            let ev = e.create_incident(new, now)?;
            Ok((ev, ()))
        })
        .await?;
        let id = c
            .events
            .iter()
            .find_map(|e| match e {
                OpsEvent::IncidentCreated(c) => Some(c.id.clone()),
                _ => None,
            })
            .ok_or_else(|| StationError::internal("no incident was created"))?;
        let mut v = self
            .ops
            .read(|e| e.incident(&id).map(|s| incident_view(s, who.role, true)))
            .await
            .ok_or_else(|| StationError::internal("created incident not found"))?;
        v.seq = c.first_seq();
        Ok(v)
    }

    /// An incident reported by hand.
    pub async fn report_incident(
        &self,
        who: &Principal,
        report: ReportIncident,
    ) -> StationResult<IncidentView> {
        let priority = report
            .priority
            .map(Priority::try_from)
            .transpose()
            .map_err(|e| StationError::unprocessable(e.to_string()))?;
        let new = NewIncident {
            kind: parse_kind(&report.kind)?,
            priority,
            title: report.title,
            // A person's own words, shown as given.
            title_text: None,
            location: report.location.map(Into::into),
            source: IncidentSource::Manual,
            source_ref: None,
            details: report.details.unwrap_or_else(|| json!({})),
            actor: who.actor(),
        };
        self.create_incident(who, new).await
    }

    /// A partner agency's notification: an incident with recommendations. A partner user
    /// with an agency reports for that agency only.
    pub async fn notify(&self, who: &Principal, n: Notification) -> StationResult<IncidentView> {
        let given = n.agency.as_deref().map(str::trim).filter(|a| !a.is_empty());
        let agency = match (who.role, who.agency.as_deref(), given) {
            (Role::Partner, Some(mine), Some(g)) if !g.eq_ignore_ascii_case(mine) => {
                return Err(StationError::forbidden(format!(
                    "partner `{}` reports for `{mine}` only, not `{g}`",
                    who.name
                )));
            }
            (Role::Partner, Some(mine), _) => mine.to_owned(),
            (_, _, Some(g)) => g.to_owned(),
            _ => {
                return Err(StationError::unprocessable(
                    "`agency` and `text` must not be empty",
                ));
            }
        };
        let text = n.text.trim();
        if text.is_empty() {
            return Err(StationError::unprocessable(
                "`agency` and `text` must not be empty",
            ));
        }
        if text.chars().count() > 4000 {
            return Err(StationError::unprocessable(
                "`text` must have at most 4000 characters",
            ));
        }
        let kind = match &n.kind {
            Some(k) => parse_kind(k)?,
            None => IncidentKind::IllegalCrossingAttempt,
        };
        let short: String = text.chars().take(120).collect();
        let new = NewIncident {
            kind,
            priority: None,
            title: format!("{agency}: {short}"),
            // The agency and the partner's own words, as given, in each reader's frame.
            title_text: Some(
                Text::new(codes::TITLE_PARTNER)
                    .with("agency", &agency)
                    .with("text", &short),
            ),
            location: Some(n.location.into()),
            source: IncidentSource::Partner,
            source_ref: None,
            details: json!({"agency": agency, "text": text, "persons": n.persons, "heading": n.heading}),
            actor: who.actor(),
        };
        self.create_incident(who, new).await
    }

    /// An action on an incident by a duty chief or (en route, on scene) a unit's device.
    pub async fn incident_action(
        &self,
        who: &Principal,
        id: &str,
        action: Action,
    ) -> StationResult<IncidentView> {
        if who.role == Role::Device {
            // A unit's device reports its own progress; everything else is the command's.
            match &action {
                Action::EnRoute { unit_id } | Action::OnScene { unit_id } => {
                    require_scope(who, ScopeKind::Unit, unit_id)?
                }
                _ => {
                    return Err(StationError::forbidden(format!(
                        "device `{}` may report only en route and on scene",
                        who.name
                    )));
                }
            }
        }
        let now = self.now();
        let actor = who.actor();
        let dispatched = match &action {
            Action::Dispatch { unit_id } => Some(unit_id.clone()),
            _ => None,
        };
        let c = commit(self, &actor, vec![], |e| {
            Ok((e.incident_action(id, action, &actor, now)?, ()))
        })
        .await?;
        if let Some(unit) = dispatched {
            super::send_dispatch(self, id, &unit, &actor).await;
        }
        let mut v = self
            .ops
            .read(|e| e.incident(id).map(|s| incident_view(s, who.role, true)))
            .await
            .ok_or_else(|| StationError::not_found(format!("no incident `{id}`")))?;
        v.seq = c.first_seq();
        Ok(v)
    }

    /// Units with status, last fix and its age.
    pub async fn units(&self) -> Vec<UnitView> {
        let now = self.now();
        self.ops
            .read(|e| e.units().map(|u| unit_view(u, now)).collect())
            .await
    }

    /// A unit's own report (or a duty chief's on its behalf): acknowledgement, en route,
    /// arrival (these move its incident), clear, out of service, back in service.
    pub async fn unit_status(
        &self,
        who: &Principal,
        unit_id: &str,
        event: &str,
        incident_id: Option<&str>,
    ) -> StationResult<UnitView> {
        let event: UnitEvent =
            event
                .parse()
                .map_err(|e: guomen_domain::unit::UnknownUnitEvent| {
                    StationError::unprocessable(e.to_string())
                })?;
        require_scope(who, ScopeKind::Unit, unit_id)?;
        let now = self.now();
        let actor = who.actor();
        let c = commit(self, &actor, vec![], |e| {
            Ok((e.unit_report(unit_id, event, incident_id, &actor, now)?, ()))
        })
        .await?;
        let mut v = self
            .ops
            .read(|e| e.unit(unit_id).map(|u| unit_view(u, now)))
            .await
            .ok_or_else(|| StationError::not_found(format!("unknown unit `{unit_id}`")))?;
        v.seq = c.first_seq();
        Ok(v)
    }

    /// A position report over HTTP: the same path as a JT/T 808 or NMEA fix.
    pub async fn position(
        &self,
        who: &Principal,
        report: PositionReport,
    ) -> StationResult<Accepted> {
        self.position_via(who, report, Via::Http).await
    }

    /// [`Station::position`] arrived through another edge than HTTP (MQTT).
    pub async fn position_via(
        &self,
        who: &Principal,
        report: PositionReport,
        via: Via,
    ) -> StationResult<Accepted> {
        self.ops
            .read(|e| require_terminal_scope(e, who, &report.terminal_id))
            .await?;
        let input = DeviceInput::Position {
            terminal_id: report.terminal_id,
            lon: report.lon,
            lat: report.lat,
            time: report.time,
            speed_kmh: report.speed_kmh,
            course: report.course,
            alarm: 0,
            status: 0,
            via,
        };
        let seq = super::handle_device_input(self, input).await?;
        Ok(Accepted { seq })
    }

    /// Every link: up, down or unknown (never heard), last heartbeat, and its group's health.
    pub async fn links(&self) -> Vec<LinkView> {
        self.ops
            .read(|e| {
                e.links()
                    .map(|l| LinkView {
                        id: l.id.clone(),
                        of: l.of.clone(),
                        role: l.role.clone(),
                        medium: l.medium.clone(),
                        state: match l.up {
                            Some(true) => LinkStateName::Up,
                            Some(false) => LinkStateName::Down,
                            None => LinkStateName::Unknown,
                        },
                        last_heartbeat: l.last_heartbeat,
                        since: l.since,
                        group: e.group_health(&l.of),
                    })
                    .collect()
            })
            .await
    }

    /// A heartbeat over one link of a site or duty point.
    pub async fn heartbeat(
        &self,
        who: &Principal,
        link_id: &str,
        time: Option<DateTime<Utc>>,
    ) -> StationResult<Accepted> {
        require_scope(who, ScopeKind::Link, link_id)?;
        let now = self.now();
        let c = commit(self, crate::SYSTEM, vec![], |e| {
            Ok((e.heartbeat(link_id, time, now)?, ()))
        })
        .await?;
        Ok(Accepted { seq: c.first_seq() })
    }

    /// Store-and-forward: the work a duty point kept while its links were down. Each item's
    /// key is recorded in the same journal append as its effects, so a resent item is
    /// acknowledged as `duplicate` and not applied twice. The sender must speak for the duty
    /// point, and each item passes the access and scope check of its own route (else it comes
    /// back `refused` with the error `forbidden`).
    pub async fn outbox(
        &self,
        who: &Principal,
        duty_point: &str,
        items: Vec<OutboxItem>,
    ) -> StationResult<Vec<OutboxResult>> {
        if self.port.duty_point(duty_point).is_none() && self.port.site(duty_point).is_none() {
            return Err(StationError::not_found(format!(
                "unknown duty point `{duty_point}`"
            )));
        }
        if items.len() > 1000 {
            return Err(StationError::unprocessable("at most 1000 items per batch"));
        }
        for it in &items {
            if it.key.trim().is_empty() || it.key.len() > 200 {
                return Err(StationError::unprocessable(
                    "every item needs a `key` of 1 to 200 characters",
                ));
            }
        }
        require_scope(who, ScopeKind::DutyPoint, duty_point)?;
        let actor = who.actor();
        self.ops.wait_ready().await;
        // One writer for the whole batch: the seen-check and the append cannot interleave
        // with another batch carrying the same keys.
        let writer = Arc::new(self.ops.writer.clone().lock_owned().await);
        let mut out = Vec::with_capacity(items.len());
        for item in &items {
            let doc_id = format!("{duty_point}:{}", item.key);
            if self.store.doc(OUTBOX_KEYS, &doc_id).await?.is_some() {
                out.push(OutboxResult {
                    key: item.key.clone(),
                    status: OutboxStatus::Duplicate,
                    seq: None,
                    error: None,
                    message: None,
                });
                continue;
            }
            let now = self.now();
            let applied =
                outbox_key_change(self, duty_point, &item.key, &actor, OutboxStatus::Applied);
            let allowed = self.ops.read(|e| outbox_item_allowed(e, who, item)).await;
            let r = match allowed {
                Ok(()) => commit_locked(self, &writer, &actor, vec![applied], |e| {
                    Ok((outbox_decide(e, item, &actor, now)?, ()))
                })
                .await
                .map_err(ItemError::Commit),
                Err(denied) => Err(ItemError::Forbidden(denied.to_string())),
            };
            match r {
                Ok(c) => out.push(OutboxResult {
                    key: item.key.clone(),
                    status: OutboxStatus::Applied,
                    seq: c.first_seq(),
                    error: None,
                    message: None,
                }),
                Err(ItemError::Commit(CommitError::Store(e))) => return Err(e.into()),
                Err(err) => {
                    // Recorded too: a refused item resent is not refused twice in the journal.
                    let refused = outbox_key_change(
                        self,
                        duty_point,
                        &item.key,
                        &actor,
                        OutboxStatus::Refused,
                    );
                    commit_locked(self, &writer, &actor, vec![refused], |_| Ok((vec![], ())))
                        .await?;
                    let (error, message) = match err {
                        ItemError::Forbidden(m) => ("forbidden".to_owned(), Some(m)),
                        ItemError::Commit(c) => match c {
                            CommitError::Refused(r) => (r.to_string(), None),
                            CommitError::Store(e) => return Err(e.into()),
                        },
                    };
                    if message.is_some() {
                        self.metrics.count("outbox_items_refused", "forbidden");
                    }
                    out.push(OutboxResult {
                        key: item.key.clone(),
                        status: OutboxStatus::Refused,
                        seq: None,
                        error: Some(error),
                        message,
                    });
                }
            }
        }
        Ok(out)
    }

    /// Response-time KPIs of the incidents created on a station-local day (today when
    /// `None`).
    pub async fn kpis(&self, day: Option<NaiveDate>) -> KpiReport {
        let day = day.unwrap_or_else(|| self.today());
        let offset = self.utc_offset();
        let k = self.ops.read(|e| e.kpis_for_day(day, offset)).await;
        KpiReport {
            day: k.day,
            incidents: k
                .incidents
                .iter()
                .map(|(id, k)| IncidentKpis {
                    id: id.clone(),
                    alarm_to_ack_s: k.alarm_to_ack_s,
                    ack_to_dispatch_s: k.ack_to_dispatch_s,
                    dispatch_to_on_scene_s: k.dispatch_to_on_scene_s,
                    alarm_to_resolved_s: k.alarm_to_resolved_s,
                })
                .collect(),
            alarm_to_ack: k.alarm_to_ack,
            ack_to_dispatch: k.ack_to_dispatch,
            dispatch_to_on_scene: k.dispatch_to_on_scene,
            alarm_to_resolved: k.alarm_to_resolved,
        }
    }
}
