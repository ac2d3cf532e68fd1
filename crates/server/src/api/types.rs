//! The API's request and response bodies: each a `ToSchema` type, so the OpenAPI document
//! (and its snapshot) locks every shape. Responses convert from the station's typed results
//! by destructuring every field, so a field added to a result does not build until the API
//! decides about it. The demo driver and `guomen sim` use these same types.

use chrono::{DateTime, NaiveDate, Utc};
use guomen_domain::incident::{
    Disposition, IncidentKind, IncidentSource, IncidentStatus, Kpis as DomainKpis,
    Percentiles as DomainPercentiles, Priority, Transition as DomainTransition,
};
use guomen_domain::unit::{Availability, UnitKind, UnitStatus};
use guomen_ops::GroupHealth;
use guomen_station::ops as st;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::{IntoParams, ToSchema};

// ----- sensor events -----

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SensorEventBody {
    /// A sensor id from the port file.
    pub sensor_id: String,
    /// What the sensor reports, e.g. `vibration`, `beam_break`, `intrusion`.
    pub kind: String,
    /// The device's clock; the station's receive time when absent or skewed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time: Option<DateTime<Utc>>,
    /// 0 to 1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub confidence: Option<f64>,
}

impl From<SensorEventBody> for st::SensorEvent {
    fn from(b: SensorEventBody) -> Self {
        st::SensorEvent {
            sensor_id: b.sensor_id,
            kind: b.kind,
            time: b.time,
            confidence: b.confidence,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct SensorEventAccepted {
    /// Journal seq of the alarm (of the alarm repeated, for a duplicate).
    pub seq: Option<u64>,
    pub alarm_id: String,
    /// A re-trigger within the de-duplication window: the same alarm.
    pub duplicate: bool,
    /// The device's clock was too far ahead and was replaced by the receive time.
    pub clock_corrected: bool,
}

impl From<st::SensorEventAccepted> for SensorEventAccepted {
    fn from(a: st::SensorEventAccepted) -> Self {
        let st::SensorEventAccepted {
            seq,
            alarm_id,
            duplicate,
            clock_corrected,
        } = a;
        SensorEventAccepted {
            seq,
            alarm_id,
            duplicate,
            clock_corrected,
        }
    }
}

// ----- incidents -----

/// A message made by the station, as a code with parameters: pages render it in the
/// reader's language (`i18n.json`) and fall back to the English string next to it when they
/// do not know the code.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Text {
    /// e.g. `ops.title.watchlist_hit`, `geo.exclude.stale`.
    pub code: String,
    /// Plain values (ids, rounded numbers), never sentences.
    #[serde(default)]
    pub params: std::collections::BTreeMap<String, String>,
}

impl From<guomen_domain::Text> for Text {
    fn from(t: guomen_domain::Text) -> Self {
        let guomen_domain::Text { code, params } = t;
        Text { code, params }
    }
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema)]
pub struct LonLat {
    pub lon: f64,
    pub lat: f64,
}

impl From<st::LonLat> for LonLat {
    fn from(l: st::LonLat) -> Self {
        let st::LonLat { lon, lat } = l;
        LonLat { lon, lat }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct PredictedZone {
    pub zone_id: String,
    pub distance_m: f64,
    pub eta_s: f64,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct TrackView {
    pub track_id: u64,
    pub alarm_count: u32,
    pub heading_deg: Option<f64>,
    pub speed_mps: Option<f64>,
    pub speed_kmh: Option<f64>,
    pub predicted_zone: Option<PredictedZone>,
    pub current_zones: Vec<String>,
}

impl From<st::TrackView> for TrackView {
    fn from(t: st::TrackView) -> Self {
        let st::TrackView {
            track_id,
            alarm_count,
            heading_deg,
            speed_mps,
            speed_kmh,
            predicted_zone,
            current_zones,
        } = t;
        TrackView {
            track_id,
            alarm_count,
            heading_deg,
            speed_mps,
            speed_kmh,
            predicted_zone: predicted_zone.map(|p| PredictedZone {
                zone_id: p.zone_id,
                distance_m: p.distance_m,
                eta_s: p.eta_s,
            }),
            current_zones,
        }
    }
}

/// A unit recommended for an incident, and why.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct RecommendationView {
    pub unit_id: String,
    pub eta_s: f64,
    pub distance_m: f64,
    pub fix_age_s: f64,
    /// In English; `reason_text` for the reader's language.
    pub reason: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason_text: Option<Text>,
}

/// A unit left out of the recommendation, and why.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Exclusion {
    pub unit_id: String,
    /// In English; `reason_text` for the reader's language.
    pub reason: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason_text: Option<Text>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Transition {
    #[schema(value_type = String)]
    pub from: IncidentStatus,
    #[schema(value_type = String)]
    pub to: IncidentStatus,
    pub at: DateTime<Utc>,
    pub actor: String,
    pub note: Option<String>,
}

impl From<DomainTransition> for Transition {
    fn from(t: DomainTransition) -> Self {
        let DomainTransition {
            from,
            to,
            at,
            actor,
            note,
        } = t;
        Transition {
            from,
            to,
            at,
            actor,
            note,
        }
    }
}

/// Response times of one incident, in seconds.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Kpis {
    pub alarm_to_ack_s: Option<f64>,
    pub ack_to_dispatch_s: Option<f64>,
    pub dispatch_to_on_scene_s: Option<f64>,
    pub alarm_to_resolved_s: Option<f64>,
}

impl From<DomainKpis> for Kpis {
    fn from(k: DomainKpis) -> Self {
        let DomainKpis {
            alarm_to_ack_s,
            ack_to_dispatch_s,
            dispatch_to_on_scene_s,
            alarm_to_resolved_s,
        } = k;
        Kpis {
            alarm_to_ack_s,
            ack_to_dispatch_s,
            dispatch_to_on_scene_s,
            alarm_to_resolved_s,
        }
    }
}

/// An incident as the command centre shows it. `details` only for roles that see personal
/// data; `timeline`, `alarm_ids` and `kpis` only on single-incident answers; `seq` on writes.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct IncidentView {
    pub id: String,
    /// intrusion, illegal_crossing_attempt, watchlist_hit, medical_emergency, equipment_fault,
    /// link_failure or other.
    #[schema(value_type = String)]
    pub kind: IncidentKind,
    /// new, acknowledged, dispatched, en_route, on_scene, resolved or closed.
    #[schema(value_type = String)]
    pub status: IncidentStatus,
    pub zone: Option<String>,
    /// 1 (highest) to 4.
    #[schema(value_type = u8)]
    pub priority: Priority,
    /// In English; `priority_reason_text` for the reader's language.
    pub priority_reason: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub priority_reason_text: Option<Text>,
    /// As made by the station (in English) or as given by a person.
    pub title: String,
    /// The station's title as a code with parameters; absent for a person's own title.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title_text: Option<Text>,
    pub location: Option<LonLat>,
    pub created: DateTime<Utc>,
    /// alarm, partner or manual.
    #[schema(value_type = String)]
    pub source: IncidentSource,
    pub alarm_count: u32,
    pub nuisance: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nuisance_text: Option<Text>,
    pub dispatched_units: Vec<String>,
    #[schema(value_type = Option<String>)]
    pub disposition: Option<Disposition>,
    pub feedback: Option<String>,
    pub recommendations: Vec<RecommendationView>,
    pub excluded: Vec<Exclusion>,
    pub track: Option<TrackView>,
    /// The partner's report or the hit's list and entry, as given.
    #[schema(value_type = Option<Object>)]
    pub details: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeline: Option<Vec<Transition>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alarm_ids: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kpis: Option<Kpis>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seq: Option<u64>,
}

impl From<st::IncidentView> for IncidentView {
    fn from(v: st::IncidentView) -> Self {
        let st::IncidentView {
            id,
            kind,
            status,
            zone,
            priority,
            priority_reason,
            priority_reason_text,
            title,
            title_text,
            location,
            created,
            source,
            alarm_count,
            nuisance,
            nuisance_text,
            dispatched_units,
            disposition,
            feedback,
            recommendations,
            excluded,
            track,
            details,
            timeline,
            alarm_ids,
            kpis,
            seq,
        } = v;
        IncidentView {
            id,
            kind,
            status,
            zone,
            priority,
            priority_reason,
            priority_reason_text: priority_reason_text.map(Into::into),
            title,
            title_text: title_text.map(Into::into),
            location: location.map(Into::into),
            created,
            source,
            alarm_count,
            nuisance,
            nuisance_text: nuisance_text.map(Into::into),
            dispatched_units,
            disposition,
            feedback,
            recommendations: recommendations
                .into_iter()
                .map(|r| {
                    let st::RecommendationView {
                        unit_id,
                        eta_s,
                        distance_m,
                        fix_age_s,
                        reason,
                        reason_text,
                    } = r;
                    RecommendationView {
                        unit_id,
                        eta_s,
                        distance_m,
                        fix_age_s,
                        reason,
                        reason_text: reason_text.map(Into::into),
                    }
                })
                .collect(),
            excluded: excluded
                .into_iter()
                .map(|x| {
                    let st::Exclusion {
                        unit_id,
                        reason,
                        reason_text,
                    } = x;
                    Exclusion {
                        unit_id,
                        reason,
                        reason_text: reason_text.map(Into::into),
                    }
                })
                .collect(),
            track: track.map(Into::into),
            details,
            timeline: timeline.map(|t| t.into_iter().map(Into::into).collect()),
            alarm_ids,
            kpis: kpis.map(Into::into),
            seq,
        }
    }
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct IncidentQuery {
    /// `open` (default: anything before resolved), `closed` (resolved or closed), `all`, or
    /// one lifecycle status.
    pub status: Option<String>,
}

/// Where: exactly one of `marker`, `point` or `zone`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum LocationBody {
    /// A boundary marker number, e.g. `"814"`.
    Marker(String),
    /// `[lon, lat]` degrees.
    Point([f64; 2]),
    /// A zone id from the port file.
    Zone(String),
}

impl From<LocationBody> for st::Place {
    fn from(l: LocationBody) -> Self {
        match l {
            LocationBody::Marker(m) => st::Place::Marker(m),
            LocationBody::Point(p) => st::Place::Point(p),
            LocationBody::Zone(z) => st::Place::Zone(z),
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewIncidentBody {
    /// intrusion, illegal_crossing_attempt, watchlist_hit, medical_emergency, equipment_fault,
    /// link_failure or other.
    pub kind: String,
    pub title: String,
    /// 1 (highest) to 4; from the zone when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub priority: Option<u8>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<LocationBody>,
    #[schema(value_type = Option<Object>)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub details: Option<Value>,
}

impl From<NewIncidentBody> for st::ReportIncident {
    fn from(b: NewIncidentBody) -> Self {
        st::ReportIncident {
            kind: b.kind,
            title: b.title,
            priority: b.priority,
            location: b.location.map(Into::into),
            details: b.details,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NotificationBody {
    /// The reporting agency, e.g. `military border unit`, `customs`, `railway`. A partner
    /// user reports for its own agency (this may be left out or must match it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agency: Option<String>,
    pub text: String,
    pub location: LocationBody,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub persons: Option<u32>,
    /// Where they are heading, in the reporter's words.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub heading: Option<String>,
    /// Incident kind; `illegal_crossing_attempt` when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
}

impl From<NotificationBody> for st::Notification {
    fn from(b: NotificationBody) -> Self {
        st::Notification {
            agency: b.agency,
            text: b.text,
            location: b.location.into(),
            persons: b.persons,
            heading: b.heading,
            kind: b.kind,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UnitBody {
    pub unit_id: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResolveBody {
    /// intercepted, false_alarm, nuisance_wildlife, handed_to_partner, medical_handled,
    /// repaired, no_trace or other.
    pub disposition: String,
    /// The disposal feedback.
    pub feedback: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReopenBody {
    pub reason: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct EmptyBody {}

// ----- units, positions, links -----

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct FixView {
    pub lat: f64,
    pub lon: f64,
    pub time: DateTime<Utc>,
    pub speed_kmh: Option<f64>,
    pub course: Option<f64>,
    pub zone: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct UnitView {
    pub id: String,
    pub name: String,
    #[schema(value_type = String)]
    pub kind: UnitKind,
    pub call_sign: String,
    pub duty_point: String,
    pub terminal_id: Option<String>,
    /// NENA EIDO unit status.
    #[schema(value_type = String)]
    pub status: UnitStatus,
    /// available, committed or unavailable.
    #[schema(value_type = String)]
    pub availability: Availability,
    pub incident_id: Option<String>,
    pub online: bool,
    pub position: Option<FixView>,
    pub fix_age_s: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seq: Option<u64>,
}

impl From<st::UnitView> for UnitView {
    fn from(u: st::UnitView) -> Self {
        let st::UnitView {
            id,
            name,
            kind,
            call_sign,
            duty_point,
            terminal_id,
            status,
            availability,
            incident_id,
            online,
            position,
            fix_age_s,
            seq,
        } = u;
        UnitView {
            id,
            name,
            kind,
            call_sign,
            duty_point,
            terminal_id,
            status,
            availability,
            incident_id,
            online,
            position: position.map(|f| FixView {
                lat: f.lat,
                lon: f.lon,
                time: f.time,
                speed_kmh: f.speed_kmh,
                course: f.course,
                zone: f.zone,
            }),
            fix_age_s,
            seq,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UnitStatusBody {
    /// acknowledge, en_route, arrive, clear, out_of_service, return_to_service (or dispatch
    /// with `incident_id`).
    pub event: String,
    /// The incident concerned; the unit's current one when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub incident_id: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PositionBody {
    pub terminal_id: String,
    pub lat: f64,
    pub lon: f64,
    pub time: DateTime<Utc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub speed_kmh: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub course: Option<f64>,
}

impl From<PositionBody> for st::PositionReport {
    fn from(b: PositionBody) -> Self {
        st::PositionReport {
            terminal_id: b.terminal_id,
            lat: b.lat,
            lon: b.lon,
            time: b.time,
            speed_kmh: b.speed_kmh,
            course: b.course,
        }
    }
}

/// What became of a device's report.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Accepted {
    /// Journal seq when the report was journaled; `null` when live only.
    pub seq: Option<u64>,
}

impl From<st::Accepted> for Accepted {
    fn from(a: st::Accepted) -> Self {
        let st::Accepted { seq } = a;
        Accepted { seq }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct LinkView {
    pub id: String,
    /// The site or duty point.
    pub of: String,
    /// `primary` or `backup`.
    pub role: String,
    pub medium: String,
    /// up, down or unknown (never heard).
    #[schema(value_type = String)]
    pub state: String,
    pub last_heartbeat: Option<DateTime<Utc>>,
    pub since: Option<DateTime<Utc>>,
    /// up, degraded or down: the health of all links of `of`.
    #[schema(value_type = String)]
    pub group: GroupHealth,
}

impl From<st::LinkView> for LinkView {
    fn from(l: st::LinkView) -> Self {
        let st::LinkView {
            id,
            of,
            role,
            medium,
            state,
            last_heartbeat,
            since,
            group,
        } = l;
        LinkView {
            id,
            of,
            role,
            medium,
            state: match state {
                st::LinkStateName::Up => "up",
                st::LinkStateName::Down => "down",
                st::LinkStateName::Unknown => "unknown",
            }
            .to_owned(),
            last_heartbeat,
            since,
            group,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct HeartbeatBody {
    /// The sender's clock; the receive time when absent (never later than it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OutboxBody {
    pub items: Vec<OutboxItem>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OutboxItem {
    /// Client-generated idempotency key, unique per duty point.
    pub key: String,
    /// `sensor_event`, `position`, `unit_status` or `incident_action`.
    #[serde(rename = "type")]
    pub kind: String,
    /// The body the matching route takes; `incident_action` takes
    /// `{"incident_id", "action", "unit_id"?, "disposition"?, "feedback"?, "reason"?}` and
    /// `unit_status` takes `{"unit_id", "event", "incident_id"?}`.
    #[schema(value_type = Object)]
    pub body: Value,
}

impl From<OutboxItem> for st::OutboxItem {
    fn from(i: OutboxItem) -> Self {
        st::OutboxItem {
            key: i.key,
            kind: i.kind,
            body: i.body,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct OutboxResult {
    pub key: String,
    /// `applied`, `duplicate` (seen before: acknowledged, not applied again) or `refused`.
    pub status: String,
    pub seq: Option<u64>,
    /// Why it was refused: `forbidden` when the item is outside the sender's role or device
    /// scope (as its own route would answer 403), else the engine's reason.
    pub error: Option<String>,
    /// For `forbidden`: what the sender may not do.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

impl From<st::OutboxResult> for OutboxResult {
    fn from(r: st::OutboxResult) -> Self {
        let st::OutboxResult {
            key,
            status,
            seq,
            error,
            message,
        } = r;
        OutboxResult {
            key,
            status: match status {
                st::OutboxStatus::Applied => "applied",
                st::OutboxStatus::Duplicate => "duplicate",
                st::OutboxStatus::Refused => "refused",
            }
            .to_owned(),
            seq,
            error,
            message,
        }
    }
}

// ----- stream and KPIs -----

#[derive(Debug, Deserialize, IntoParams)]
pub struct StreamQuery {
    /// Resume after this journal seq (like `Last-Event-ID`).
    pub after: Option<u64>,
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct KpiQuery {
    /// A station-local day, `YYYY-MM-DD`; today when absent.
    pub day: Option<String>,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema)]
pub struct Percentiles {
    pub count: usize,
    pub p50: f64,
    pub p90: f64,
    pub p95: f64,
}

impl From<DomainPercentiles> for Percentiles {
    fn from(p: DomainPercentiles) -> Self {
        let DomainPercentiles {
            count,
            p50,
            p90,
            p95,
        } = p;
        Percentiles {
            count,
            p50,
            p90,
            p95,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct IncidentKpis {
    pub id: String,
    pub alarm_to_ack_s: Option<f64>,
    pub ack_to_dispatch_s: Option<f64>,
    pub dispatch_to_on_scene_s: Option<f64>,
    pub alarm_to_resolved_s: Option<f64>,
}

/// Response times of the incidents created on one station-local day.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct KpiReport {
    pub day: NaiveDate,
    pub incidents: Vec<IncidentKpis>,
    pub alarm_to_ack: Option<Percentiles>,
    pub ack_to_dispatch: Option<Percentiles>,
    pub dispatch_to_on_scene: Option<Percentiles>,
    pub alarm_to_resolved: Option<Percentiles>,
}

impl From<st::KpiReport> for KpiReport {
    fn from(k: st::KpiReport) -> Self {
        let st::KpiReport {
            day,
            incidents,
            alarm_to_ack,
            ack_to_dispatch,
            dispatch_to_on_scene,
            alarm_to_resolved,
        } = k;
        KpiReport {
            day,
            incidents: incidents
                .into_iter()
                .map(|i| IncidentKpis {
                    id: i.id,
                    alarm_to_ack_s: i.alarm_to_ack_s,
                    ack_to_dispatch_s: i.ack_to_dispatch_s,
                    dispatch_to_on_scene_s: i.dispatch_to_on_scene_s,
                    alarm_to_resolved_s: i.alarm_to_resolved_s,
                })
                .collect(),
            alarm_to_ack: alarm_to_ack.map(Into::into),
            ack_to_dispatch: ack_to_dispatch.map(Into::into),
            dispatch_to_on_scene: dispatch_to_on_scene.map(Into::into),
            alarm_to_resolved: alarm_to_resolved.map(Into::into),
        }
    }
}
