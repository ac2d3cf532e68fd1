use std::collections::{BTreeMap, HashMap, VecDeque};
use std::str::FromStr;

use chrono::{DateTime, FixedOffset, NaiveDate, Utc};
use guomen_domain::incident::{
    Action, Incident, IncidentKind, IncidentSource, Kpis, Percentiles, Priority, TransitionError,
    percentiles,
};
use guomen_domain::text::{Text, codes};
use guomen_domain::unit::{UnitEvent, UnitKind, UnitStatus};
use guomen_domain::watchlist::ListKind;
use guomen_geo::geo::{Centroid, Point};
use guomen_geo::{
    Alarm, Exclusion, GeoError, Marker, Pick, Projection, RecommendOptions, Recommendation, Track,
    Tracker, UnitCandidate, ZoneDef, ZoneKind, ZoneSet, check_lonlat, recommend,
};
use guomen_port::Port;
use serde::Serialize;
use serde_json::{Value, json};

use crate::config::OpsConfig;
use crate::event::{
    AlarmRaised, GroupHealth, IncidentCreated, IncidentUpdated, OpsEvent, TrackSummary,
    WatchlistHit,
};

/// Why a request was refused. The state is unchanged after any error.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum OpsError {
    #[error("unknown sensor `{0}`")]
    UnknownSensor(String),
    #[error("unknown terminal `{0}`")]
    UnknownTerminal(String),
    #[error("unknown unit `{0}`")]
    UnknownUnit(String),
    #[error("unknown link `{0}`")]
    UnknownLink(String),
    #[error("no incident `{0}`")]
    UnknownIncident(String),
    #[error("unknown boundary marker `{0}`")]
    UnknownMarker(String),
    #[error("unknown zone `{0}`")]
    UnknownZone(String),
    #[error("event time {time} is {age_s:.0} s old (limit {limit_s:.0} s)")]
    TooOld {
        time: DateTime<Utc>,
        age_s: f64,
        limit_s: f64,
    },
    #[error("out of order: {time} is not after the last report of `{id}` at {last}")]
    OutOfOrder {
        id: String,
        time: DateTime<Utc>,
        last: DateTime<Utc>,
    },
    #[error("time {time} is {ahead_s:.0} s ahead of the station clock (limit {limit_s:.0} s)")]
    ClockSkew {
        time: DateTime<Utc>,
        ahead_s: f64,
        limit_s: f64,
    },
    #[error("{0}")]
    Invalid(String),
    #[error(transparent)]
    Transition(#[from] TransitionError),
    #[error("unit `{unit}` cannot {event} while {status}")]
    UnitTransition {
        unit: String,
        event: &'static str,
        status: UnitStatus,
    },
}

impl OpsError {
    /// A short label for metrics and logs.
    pub fn reason(&self) -> &'static str {
        match self {
            Self::UnknownSensor(_) => "unknown_sensor",
            Self::UnknownTerminal(_) => "unknown_terminal",
            Self::UnknownUnit(_) => "unknown_unit",
            Self::UnknownLink(_) => "unknown_link",
            Self::UnknownIncident(_) => "unknown_incident",
            Self::UnknownMarker(_) => "unknown_marker",
            Self::UnknownZone(_) => "unknown_zone",
            Self::TooOld { .. } => "too_old",
            Self::OutOfOrder { .. } => "out_of_order",
            Self::ClockSkew { .. } => "clock_skew",
            Self::Invalid(_) => "invalid",
            Self::Transition(TransitionError::Illegal { .. }) => "illegal_transition",
            Self::Transition(_) => "invalid_transition",
            Self::UnitTransition { .. } => "unit_unavailable",
        }
    }
}

/// A perimeter sensor with where it is.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SensorInfo {
    pub id: String,
    pub kind: String,
    pub duty_point: String,
    pub lon: f64,
    pub lat: f64,
    pub zone: Option<String>,
    pub maintenance: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Fix {
    pub lon: f64,
    pub lat: f64,
    pub time: DateTime<Utc>,
    pub speed_kmh: Option<f64>,
    pub course: Option<f64>,
    pub zone: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct UnitState {
    pub id: String,
    pub name: String,
    pub kind: UnitKind,
    pub duty_point: String,
    pub terminal_id: Option<String>,
    pub call_sign: String,
    pub status: UnitStatus,
    /// The incident the unit is committed to.
    pub incident_id: Option<String>,
    pub fix: Option<Fix>,
    /// When a fix of this unit was last journaled (positions are sampled).
    pub last_journaled_fix: Option<DateTime<Utc>>,
    pub online: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LinkState {
    pub id: String,
    /// The site or duty point.
    pub of: String,
    pub role: String,
    pub medium: String,
    /// `None` until the first heartbeat.
    pub up: Option<bool>,
    pub last_heartbeat: Option<DateTime<Utc>>,
    pub since: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AlarmRecord {
    pub alarm: AlarmRaised,
    pub incident_id: Option<String>,
    pub nuisance: Option<String>,
    pub repeats: u32,
    pub last_seen: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct IncidentState {
    pub incident: Incident,
    pub priority_reason: String,
    /// `priority_reason` as a code with parameters (absent for facts journaled before codes).
    pub priority_reason_text: Option<Text>,
    /// The incident's title as a code with parameters (absent for a person's own title).
    pub title_text: Option<Text>,
    pub source_ref: Option<String>,
    pub track: Option<TrackSummary>,
    pub recommendations: Vec<Pick>,
    pub excluded: Vec<Exclusion>,
    pub details: Value,
    pub nuisance: Option<String>,
    pub nuisance_text: Option<Text>,
    pub alarm_ids: Vec<String>,
}

/// A sensor trigger as received.
#[derive(Debug, Clone, PartialEq)]
pub struct SensorInput {
    pub sensor_id: String,
    pub kind: String,
    pub time: Option<DateTime<Utc>>,
    pub confidence: Option<f64>,
    pub actor: String,
    pub via: String,
}

/// What a sensor event led to.
#[derive(Debug, Clone, PartialEq)]
pub struct SensorOutcome {
    pub events: Vec<OpsEvent>,
    /// The alarm this trigger is (new, or the one it repeats).
    pub alarm_id: String,
    /// A re-trigger within the de-duplication window.
    pub duplicate: bool,
    pub clock_corrected: bool,
}

/// A GNSS fix as received.
#[derive(Debug, Clone, PartialEq)]
pub struct PositionInput {
    pub terminal_id: String,
    pub lon: f64,
    pub lat: f64,
    pub time: DateTime<Utc>,
    pub speed_kmh: Option<f64>,
    pub course: Option<f64>,
    pub via: String,
}

/// Where a reported incident is.
#[derive(Debug, Clone, PartialEq)]
pub enum Location {
    Point(f64, f64),
    /// A boundary marker by number (`"814"`) or id.
    Marker(String),
    Zone(String),
}

/// An incident reported by a partner agency or by hand.
#[derive(Debug, Clone, PartialEq)]
pub struct NewIncident {
    pub kind: IncidentKind,
    pub priority: Option<Priority>,
    pub title: String,
    /// The title as a code with parameters, when the station made it (`None` for a person's
    /// own words, shown as given).
    pub title_text: Option<Text>,
    pub location: Option<Location>,
    pub source: IncidentSource,
    pub source_ref: Option<String>,
    pub details: Value,
    pub actor: String,
}

/// One day's response-time KPIs.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DayKpis {
    pub day: NaiveDate,
    pub incidents: Vec<(String, Kpis)>,
    pub alarm_to_ack: Option<Percentiles>,
    pub ack_to_dispatch: Option<Percentiles>,
    pub dispatch_to_on_scene: Option<Percentiles>,
    pub alarm_to_resolved: Option<Percentiles>,
}

fn secs(later: DateTime<Utc>, earlier: DateTime<Utc>) -> f64 {
    (later - earlier).num_milliseconds() as f64 / 1000.0
}

const SYSTEM: &str = "system";

/// The command engine's state. See the crate documentation.
#[derive(Debug, Clone)]
pub struct Engine {
    config: OpsConfig,
    zones: ZoneSet,
    sensors: BTreeMap<String, SensorInfo>,
    units: BTreeMap<String, UnitState>,
    terminals: HashMap<String, String>,
    links: BTreeMap<String, LinkState>,
    incidents: BTreeMap<String, IncidentState>,
    source_refs: HashMap<String, String>,
    alarms: HashMap<String, AlarmRecord>,
    alarm_order: VecDeque<String>,
    /// Per sensor: its latest alarm and when it last triggered.
    sensor_last: HashMap<String, (String, DateTime<Utc>)>,
    /// Alarms waiting for a neighbour's confirmation, with their deadline.
    pending_nuisance: BTreeMap<String, DateTime<Utc>>,
    tracker: Tracker,
    track_incident: BTreeMap<u64, String>,
    next_incident: u64,
    next_alarm: u64,
}

fn zone_kind(k: guomen_port::ZoneKind) -> ZoneKind {
    use guomen_port::ZoneKind as P;
    match k {
        P::RestrictedArea => ZoneKind::RestrictedArea,
        P::BorderStrip => ZoneKind::BorderStrip,
        P::Hall => ZoneKind::Hall,
        P::Yard => ZoneKind::Yard,
        P::Other => ZoneKind::Other,
    }
}

fn unit_kind(k: guomen_port::UnitKind) -> UnitKind {
    match k {
        guomen_port::UnitKind::K9Team => UnitKind::DogTeam,
        other => UnitKind::from_str(other.as_str()).unwrap_or(UnitKind::FootPatrol),
    }
}

fn counter(id: &str, prefix: &str) -> u64 {
    id.strip_prefix(prefix)
        .and_then(|n| n.parse().ok())
        .unwrap_or(0)
}

impl Engine {
    /// The engine for a port: its zones, border line and markers, sensors, units and links.
    pub fn new(port: &Port, config: OpsConfig) -> Result<Engine, GeoError> {
        let zone_defs: Vec<ZoneDef> = port
            .zone_polygons()
            .map(|(z, polygon)| ZoneDef {
                id: z.id.clone(),
                kind: zone_kind(z.kind),
                name: z.name.en.clone(),
                polygon,
                priority: z.priority.clamp(0, 255) as u8,
            })
            .collect();
        let markers = port
            .marker_points()
            .map(|(m, point)| Marker {
                id: m.id.clone(),
                number: m.number.clone(),
                point,
            })
            .collect();
        let projection = Projection::new((port.info.origin.lon, port.info.origin.lat))?;
        let zones =
            ZoneSet::with_projection(projection, zone_defs, port.border_line_string(), markers)?;
        let mut sensors = BTreeMap::new();
        for place in port.sensor_places() {
            let (lon, lat) = (place.position.x(), place.position.y());
            let zone = zones
                .zones_at(lon, lat)
                .ok()
                .and_then(|z| z.first().map(|z| z.id.clone()));
            sensors.insert(
                place.sensor.id.clone(),
                SensorInfo {
                    id: place.sensor.id.clone(),
                    kind: place.sensor.kind.as_str().to_owned(),
                    duty_point: place.sensor.duty_point.clone(),
                    lon,
                    lat,
                    zone,
                    maintenance: place.sensor.maintenance,
                },
            );
        }
        let mut units = BTreeMap::new();
        let mut terminals = HashMap::new();
        for u in &port.units {
            if let Some(t) = &u.terminal_id {
                terminals.insert(t.clone(), u.id.clone());
            }
            units.insert(
                u.id.clone(),
                UnitState {
                    id: u.id.clone(),
                    name: u.name.en.clone(),
                    kind: unit_kind(u.kind),
                    duty_point: u.duty_point.clone(),
                    terminal_id: u.terminal_id.clone(),
                    call_sign: u.call_sign.clone(),
                    status: UnitStatus::Available,
                    incident_id: None,
                    fix: None,
                    last_journaled_fix: None,
                    online: false,
                },
            );
        }
        let links = port
            .links
            .iter()
            .map(|l| {
                (
                    l.id.clone(),
                    LinkState {
                        id: l.id.clone(),
                        of: l.of.clone(),
                        role: l.role.as_str().to_owned(),
                        medium: l.medium.as_str().to_owned(),
                        up: None,
                        last_heartbeat: None,
                        since: None,
                    },
                )
            })
            .collect();
        Ok(Engine {
            tracker: Tracker::new(config.tracker)?,
            config,
            zones,
            sensors,
            units,
            terminals,
            links,
            incidents: BTreeMap::new(),
            source_refs: HashMap::new(),
            alarms: HashMap::new(),
            alarm_order: VecDeque::new(),
            sensor_last: HashMap::new(),
            pending_nuisance: BTreeMap::new(),
            track_incident: BTreeMap::new(),
            next_incident: 0,
            next_alarm: 0,
        })
    }

    // ----- reading -----

    pub fn config(&self) -> &OpsConfig {
        &self.config
    }
    /// Changes the windows and limits; the tracker keeps the tuning it was built with.
    pub fn set_config(&mut self, config: OpsConfig) {
        self.config = config;
    }
    pub fn zones(&self) -> &ZoneSet {
        &self.zones
    }
    pub fn sensor(&self, id: &str) -> Option<&SensorInfo> {
        self.sensors.get(id)
    }
    pub fn incidents(&self) -> impl Iterator<Item = &IncidentState> {
        self.incidents.values()
    }
    pub fn incident(&self, id: &str) -> Option<&IncidentState> {
        self.incidents.get(id)
    }
    pub fn units(&self) -> impl Iterator<Item = &UnitState> {
        self.units.values()
    }
    pub fn unit(&self, id: &str) -> Option<&UnitState> {
        self.units.get(id)
    }
    /// Gives a unit its (re-)provisioned terminal: the unit's old terminal id stops mapping to
    /// it. `false` when the unit is unknown.
    pub fn set_terminal(&mut self, unit_id: &str, terminal_id: &str) -> bool {
        let Some(unit) = self.units.get_mut(unit_id) else {
            return false;
        };
        if let Some(old) = unit.terminal_id.replace(terminal_id.to_owned())
            && self.terminals.get(&old).is_some_and(|u| u == unit_id)
        {
            self.terminals.remove(&old);
        }
        self.terminals
            .insert(terminal_id.to_owned(), unit_id.to_owned());
        true
    }

    pub fn unit_by_terminal(&self, terminal_id: &str) -> Option<&UnitState> {
        self.terminals
            .get(terminal_id)
            .and_then(|u| self.units.get(u))
    }
    pub fn links(&self) -> impl Iterator<Item = &LinkState> {
        self.links.values()
    }
    pub fn link(&self, id: &str) -> Option<&LinkState> {
        self.links.get(id)
    }
    pub fn alarm(&self, id: &str) -> Option<&AlarmRecord> {
        self.alarms.get(id)
    }
    pub fn tracks(&self) -> impl Iterator<Item = &Track> {
        self.tracker.tracks()
    }

    /// Health of a site's or duty point's links.
    pub fn group_health(&self, of: &str) -> GroupHealth {
        health(self.links.values().filter(|l| l.of == of).map(|l| l.up))
    }

    /// Everything that replay must reproduce, as JSON (for equality checks and diagnostics).
    pub fn snapshot(&self) -> Value {
        let mut alarms: Vec<&AlarmRecord> = self.alarms.values().collect();
        alarms.sort_by(|a, b| a.alarm.alarm_id.cmp(&b.alarm.alarm_id));
        let sensor_last: BTreeMap<_, _> = self.sensor_last.iter().collect();
        json!({
            "incidents": self.incidents,
            "units": self.units,
            "links": self.links,
            "alarms": alarms,
            "alarm_order": self.alarm_order,
            "sensor_last": sensor_last,
            "pending_nuisance": self.pending_nuisance,
            "tracks": self.tracker.tracks().collect::<Vec<_>>(),
            "track_incident": self.track_incident,
            "next_incident": self.next_incident,
            "next_alarm": self.next_alarm,
        })
    }

    /// Per-incident KPIs of the incidents created on `day` (UTC) and their percentiles.
    /// KPIs of the incidents created on `day`, a station-local day at `offset`.
    pub fn kpis_for_day(&self, day: NaiveDate, offset: FixedOffset) -> DayKpis {
        let incidents: Vec<(String, Kpis)> = self
            .incidents
            .values()
            .filter(|s| s.incident.created.with_timezone(&offset).date_naive() == day)
            .map(|s| (s.incident.id.clone(), s.incident.kpis()))
            .collect();
        let pick = |f: fn(&Kpis) -> Option<f64>| {
            let v: Vec<f64> = incidents.iter().filter_map(|(_, k)| f(k)).collect();
            percentiles(&v)
        };
        DayKpis {
            day,
            alarm_to_ack: pick(|k| k.alarm_to_ack_s),
            ack_to_dispatch: pick(|k| k.ack_to_dispatch_s),
            dispatch_to_on_scene: pick(|k| k.dispatch_to_on_scene_s),
            alarm_to_resolved: pick(|k| k.alarm_to_resolved_s),
            incidents,
        }
    }

    /// Closest units for a position at `now`, with every pick's and exclusion's reason.
    pub fn recommend_at(&self, pos: (f64, f64), now: DateTime<Utc>) -> Recommendation {
        let candidates: Vec<UnitCandidate> = self
            .units
            .values()
            .map(|u| UnitCandidate {
                id: u.id.clone(),
                kind: u.kind.label().to_owned(),
                kind_id: u.kind.as_str().to_owned(),
                status_available: u.status.can_be_dispatched(),
                status_label: u.status.as_str().to_owned(),
                position: u.fix.as_ref().map(|f| (f.lon, f.lat)),
                fix_time: u.fix.as_ref().map(|f| f.time),
                speed_mps: u.kind.default_speed_mps(),
            })
            .collect();
        let options = RecommendOptions {
            stale_after_s: self.config.stale_fix_s,
            route_factor: self.config.route_factor,
            max_future_skew_s: self.config.max_clock_skew_s,
            max_picks: Some(self.config.max_picks),
        };
        recommend(pos, &candidates, now, &options).unwrap_or_default()
    }

    fn zone_at(&self, lon: f64, lat: f64) -> Option<String> {
        self.zones
            .zones_at(lon, lat)
            .ok()
            .and_then(|z| z.first().map(|z| z.id.clone()))
    }

    /// The restricted area, the border strip, or a zone lying inside the restricted area (a
    /// freight yard, a hall): heading there is heading into the restricted area.
    fn is_sensitive(&self, zone_id: &str) -> bool {
        let Some(z) = self.zones.zone_by_id(zone_id) else {
            return false;
        };
        if matches!(z.kind, ZoneKind::RestrictedArea | ZoneKind::BorderStrip) {
            return true;
        }
        let Some(c) = z.polygon.centroid() else {
            return false;
        };
        self.zones
            .zones_at(c.x(), c.y())
            .is_ok_and(|zs| zs.iter().any(|z| z.kind == ZoneKind::RestrictedArea))
    }

    fn zone_label(&self, id: &str) -> String {
        self.zones
            .zone_by_id(id)
            .map_or_else(|| id.to_owned(), |z| z.name.clone())
    }

    /// Priority from the zone (restricted area and border strip first) and from the track
    /// (moving toward a zone raises it; toward the restricted area or border strip to P1).
    fn priority_for(
        &self,
        zone: Option<&str>,
        track: Option<&TrackSummary>,
        nuisance: Option<(&str, &Text)>,
    ) -> (Priority, String, Text) {
        if let Some((n, text)) = nuisance {
            return (
                Priority::P4,
                format!("nuisance: {n}"),
                nuisance_priority_text(text),
            );
        }
        let kind = zone.and_then(|z| self.zones.zone_by_id(z)).map(|z| z.kind);
        let in_zone = zone.filter(|_| kind.is_some());
        let (mut p, mut reason) = match (kind, zone) {
            (Some(ZoneKind::RestrictedArea), Some(z)) | (Some(ZoneKind::BorderStrip), Some(z)) => {
                (Priority::P2, format!("in the {}", self.zone_label(z)))
            }
            (Some(_), Some(z)) => (Priority::P3, format!("in the {}", self.zone_label(z))),
            _ => (
                Priority::P3,
                "outside the restricted area and the border strip".to_owned(),
            ),
        };
        let mut text = match in_zone {
            Some(z) => Text::new(codes::PRIORITY_IN_ZONE).with("zone", z),
            None => Text::new(codes::PRIORITY_OUTSIDE),
        };
        if let Some(pz) = track.and_then(|t| t.predicted_zone.as_ref()) {
            let raised = if self.is_sensitive(&pz.zone_id) {
                Priority::P1
            } else {
                Priority::P2
            };
            if raised < p {
                p = raised;
            }
            reason = format!(
                "{reason}; moving toward the {} ({:.0} m, ETA {:.0} s)",
                self.zone_label(&pz.zone_id),
                pz.distance_m,
                pz.eta_s
            );
            let code = match in_zone {
                Some(_) => codes::PRIORITY_IN_ZONE_TOWARD,
                None => codes::PRIORITY_OUTSIDE_TOWARD,
            };
            text.code = code.to_owned();
            text = text
                .with("toward", &pz.zone_id)
                .with("distance_m", format!("{:.0}", pz.distance_m))
                .with("eta_s", format!("{:.0}", pz.eta_s));
        }
        (p, reason, text)
    }

    // ----- deciding -----

    /// A perimeter sensor triggered.
    pub fn sensor_event(
        &self,
        input: SensorInput,
        now: DateTime<Utc>,
    ) -> Result<SensorOutcome, OpsError> {
        let sensor = self
            .sensors
            .get(&input.sensor_id)
            .ok_or_else(|| OpsError::UnknownSensor(input.sensor_id.clone()))?;
        if let Some(c) = input.confidence
            && !(c.is_finite() && (0.0..=1.0).contains(&c))
        {
            return Err(OpsError::Invalid(format!(
                "confidence {c} is not between 0 and 1"
            )));
        }
        let (time, clock_corrected) = match input.time {
            Some(t) if secs(t, now) > self.config.max_clock_skew_s => (now, true),
            Some(t) => (t, false),
            None => (now, false),
        };
        let age = secs(now, time);
        if age > self.config.max_event_age_s {
            return Err(OpsError::TooOld {
                time,
                age_s: age,
                limit_s: self.config.max_event_age_s,
            });
        }
        if let Some((alarm_id, last)) = self.sensor_last.get(&sensor.id) {
            let gap = secs(time, *last);
            if gap.abs() <= self.config.dedup_window_s {
                return Ok(SensorOutcome {
                    events: vec![OpsEvent::AlarmRepeated(crate::event::AlarmRepeated {
                        alarm_id: alarm_id.clone(),
                        sensor_id: sensor.id.clone(),
                        time,
                    })],
                    alarm_id: alarm_id.clone(),
                    duplicate: true,
                    clock_corrected,
                });
            }
            if gap < 0.0 {
                return Err(OpsError::OutOfOrder {
                    id: sensor.id.clone(),
                    time,
                    last: *last,
                });
            }
        }
        let alarm_id = format!("alm-{:06}", self.next_alarm + 1);
        // The tracker is cloned so that deciding does not change state; `apply` ingests the
        // same alarm into the real one and gets the same track.
        let mut tracker = self.tracker.clone();
        let track = tracker
            .ingest(
                &self.zones,
                Alarm {
                    sensor_id: sensor.id.clone(),
                    lon: sensor.lon,
                    lat: sensor.lat,
                    time,
                },
            )
            .map_err(|e| OpsError::Invalid(e.to_string()))?;
        let summary = summarise(track);
        let nuisance = sensor
            .maintenance
            .then(|| "sensor under maintenance".to_owned());
        let nuisance_text = sensor
            .maintenance
            .then(|| Text::new(codes::NUISANCE_MAINTENANCE));
        let raised = AlarmRaised {
            alarm_id: alarm_id.clone(),
            sensor_id: sensor.id.clone(),
            sensor_kind: sensor.kind.clone(),
            kind: input.kind,
            time,
            received: now,
            clock_corrected,
            confidence: input.confidence,
            lon: sensor.lon,
            lat: sensor.lat,
            zone: sensor.zone.clone(),
            duty_point: sensor.duty_point.clone(),
            track_id: summary.track_id,
            nuisance: nuisance.clone(),
            nuisance_text: nuisance_text.clone(),
            actor: input.actor.clone(),
            via: input.via,
        };
        let mut events = vec![OpsEvent::AlarmRaised(raised)];
        let pos = (sensor.lon, sensor.lat);
        let zone = summary
            .current_zones
            .first()
            .cloned()
            .or_else(|| sensor.zone.clone());
        let open = self
            .track_incident
            .get(&summary.track_id)
            .and_then(|id| self.incidents.get(id))
            .filter(|s| s.incident.status.is_open());
        let rec = self.recommend_at(pos, now);
        match open {
            Some(existing) => {
                let (p, reason, text) = self.priority_for(zone.as_deref(), Some(&summary), None);
                let (priority, priority_reason, priority_reason_text) =
                    if p <= existing.incident.priority {
                        (p, reason, Some(text))
                    } else {
                        (
                            existing.incident.priority,
                            existing.priority_reason.clone(),
                            existing.priority_reason_text.clone(),
                        )
                    };
                events.push(OpsEvent::IncidentUpdated(Box::new(IncidentUpdated {
                    id: existing.incident.id.clone(),
                    at: now,
                    alarm_id: Some(alarm_id.clone()),
                    priority,
                    priority_reason,
                    priority_reason_text,
                    zone,
                    location: Some(pos),
                    track: Some(summary),
                    recommendations: rec.picks,
                    excluded: rec.excluded,
                })));
            }
            None => {
                let (priority, priority_reason, priority_reason_text) = self.priority_for(
                    zone.as_deref(),
                    Some(&summary),
                    nuisance.as_deref().zip(nuisance_text.as_ref()),
                );
                let title = match &zone {
                    Some(z) => format!(
                        "{} alarm from {} in the {}",
                        sensor.kind.replace('_', " "),
                        sensor.id,
                        self.zone_label(z)
                    ),
                    None => format!("{} alarm from {}", sensor.kind.replace('_', " "), sensor.id),
                };
                let title_text = match &zone {
                    Some(z) => Text::new(codes::TITLE_ALARM_IN_ZONE).with("zone", z),
                    None => Text::new(codes::TITLE_ALARM),
                }
                .with("sensor_kind", &sensor.kind)
                .with("sensor", &sensor.id);
                events.push(OpsEvent::IncidentCreated(Box::new(IncidentCreated {
                    id: format!("inc-{:06}", self.next_incident + 1),
                    kind: IncidentKind::Intrusion,
                    priority,
                    priority_reason,
                    priority_reason_text: Some(priority_reason_text),
                    zone,
                    location: Some(pos),
                    title,
                    title_text: Some(title_text),
                    source: IncidentSource::Alarm,
                    source_ref: Some(format!("track:{}", summary.track_id)),
                    created: time,
                    actor: input.actor,
                    alarm_id: Some(alarm_id.clone()),
                    track: Some(summary),
                    recommendations: rec.picks,
                    excluded: rec.excluded,
                    details: json!({"sensor_id": sensor.id, "duty_point": sensor.duty_point}),
                    nuisance,
                    nuisance_text,
                })));
            }
        }
        Ok(SensorOutcome {
            events,
            alarm_id,
            duplicate: false,
            clock_corrected,
        })
    }

    /// A unit's GNSS fix.
    pub fn position(
        &self,
        input: PositionInput,
        now: DateTime<Utc>,
    ) -> Result<Vec<OpsEvent>, OpsError> {
        let unit = self
            .unit_by_terminal(&input.terminal_id)
            .ok_or_else(|| OpsError::UnknownTerminal(input.terminal_id.clone()))?;
        check_lonlat(input.lon, input.lat).map_err(|e| OpsError::Invalid(e.to_string()))?;
        for (name, v) in [("speed_kmh", input.speed_kmh), ("course", input.course)] {
            if v.is_some_and(|v| !v.is_finite() || v < 0.0) {
                return Err(OpsError::Invalid(format!(
                    "`{name}` must be a finite number ≥ 0"
                )));
            }
        }
        let ahead = secs(input.time, now);
        if ahead > self.config.max_clock_skew_s {
            return Err(OpsError::ClockSkew {
                time: input.time,
                ahead_s: ahead,
                limit_s: self.config.max_clock_skew_s,
            });
        }
        if let Some(f) = &unit.fix
            && input.time <= f.time
        {
            return Err(OpsError::OutOfOrder {
                id: input.terminal_id,
                time: input.time,
                last: f.time,
            });
        }
        let journaled = unit
            .last_journaled_fix
            .is_none_or(|t| secs(input.time, t) >= self.config.position_journal_s);
        Ok(vec![OpsEvent::UnitPosition(crate::event::UnitPosition {
            unit_id: unit.id.clone(),
            terminal_id: input.terminal_id,
            lon: input.lon,
            lat: input.lat,
            time: input.time,
            speed_kmh: input.speed_kmh,
            course: input.course,
            zone: self.zone_at(input.lon, input.lat),
            via: input.via,
            journaled,
        })])
    }

    /// A terminal connected or went away.
    pub fn terminal_presence(
        &self,
        terminal_id: &str,
        online: bool,
        via: &str,
        now: DateTime<Utc>,
    ) -> Result<Vec<OpsEvent>, OpsError> {
        let unit = self
            .unit_by_terminal(terminal_id)
            .ok_or_else(|| OpsError::UnknownTerminal(terminal_id.to_owned()))?;
        if unit.online == online {
            return Ok(vec![]);
        }
        Ok(vec![OpsEvent::TerminalPresence(
            crate::event::TerminalPresence {
                unit_id: unit.id.clone(),
                terminal_id: terminal_id.to_owned(),
                online,
                via: via.to_owned(),
                at: now,
            },
        )])
    }

    /// An incident created by a partner's notification or by hand.
    pub fn create_incident(
        &self,
        new: NewIncident,
        now: DateTime<Utc>,
    ) -> Result<Vec<OpsEvent>, OpsError> {
        if new.title.trim().is_empty() {
            return Err(OpsError::Invalid("`title` must not be empty".into()));
        }
        let (pos, zone) = match &new.location {
            None => (None, None),
            Some(Location::Point(lon, lat)) => {
                check_lonlat(*lon, *lat).map_err(|e| OpsError::Invalid(e.to_string()))?;
                (Some((*lon, *lat)), self.zone_at(*lon, *lat))
            }
            Some(Location::Marker(m)) => {
                let marker = self
                    .zones
                    .marker_by_number(m)
                    .or_else(|| self.zones.markers().iter().find(|k| &k.id == m))
                    .ok_or_else(|| OpsError::UnknownMarker(m.clone()))?;
                let p = (marker.point.x(), marker.point.y());
                // A marker stands on the border line, the edge of the border strip.
                let zone = self.zone_at(p.0, p.1).or_else(|| {
                    self.zones
                        .zones()
                        .iter()
                        .find(|z| z.kind == ZoneKind::BorderStrip)
                        .map(|z| z.id.clone())
                });
                (Some(p), zone)
            }
            Some(Location::Zone(z)) => {
                let def = self
                    .zones
                    .zone_by_id(z)
                    .ok_or_else(|| OpsError::UnknownZone(z.clone()))?;
                let c: Option<Point<f64>> = def.polygon.centroid();
                (c.map(|c| (c.x(), c.y())), Some(z.clone()))
            }
        };
        let (auto, mut reason, mut reason_text) = self.priority_for(zone.as_deref(), None, None);
        let priority = match (new.priority, new.source) {
            (Some(p), _) => {
                reason = "set by the reporter".into();
                reason_text = Text::new(codes::PRIORITY_SET_BY_REPORTER);
                p
            }
            // A person saw it: a partner's report of a crossing attempt outranks one sensor.
            (None, IncidentSource::Partner) => {
                let raised = match auto {
                    Priority::P1 | Priority::P2 => Priority::P1,
                    Priority::P3 => Priority::P2,
                    Priority::P4 => Priority::P3,
                };
                reason = format!("{reason}; reported by a partner agency");
                reason_text.code = match reason_text.code.as_str() {
                    codes::PRIORITY_IN_ZONE => codes::PRIORITY_IN_ZONE_PARTNER,
                    _ => codes::PRIORITY_OUTSIDE_PARTNER,
                }
                .to_owned();
                raised
            }
            (None, _) => auto,
        };
        let rec = pos.map(|p| self.recommend_at(p, now)).unwrap_or_default();
        Ok(vec![OpsEvent::IncidentCreated(Box::new(IncidentCreated {
            id: format!("inc-{:06}", self.next_incident + 1),
            kind: new.kind,
            priority,
            priority_reason: reason,
            priority_reason_text: Some(reason_text),
            zone,
            location: pos,
            title: new.title,
            title_text: new.title_text,
            source: new.source,
            source_ref: new.source_ref,
            created: now,
            actor: new.actor,
            alarm_id: None,
            track: None,
            recommendations: rec.picks,
            excluded: rec.excluded,
            details: new.details,
            nuisance: None,
            nuisance_text: None,
        }))])
    }

    /// A watchlist hit at a lane (journal kind `clearance.watchlist_hit`) becomes an incident,
    /// once per inspection and entry.
    pub fn watchlist_hit(
        &self,
        hit: &WatchlistHit,
        now: DateTime<Utc>,
    ) -> Result<Vec<OpsEvent>, OpsError> {
        if hit.inspection_id.is_empty() {
            return Err(OpsError::Invalid(
                "watchlist hit without `inspection_id`".into(),
            ));
        }
        let source_ref = format!("watchlist:{}:{}", hit.inspection_id, hit.entry_id);
        if self.source_refs.contains_key(&source_ref) {
            return Ok(vec![]);
        }
        let priority = if hit.list == ListKind::Wanted || hit.action == "detain" {
            Priority::P1
        } else {
            Priority::P2
        };
        // The hit names list and entry, never the person: the command centre looks the entry
        // up on the inspection if it must.
        let details = serde_json::to_value(hit).unwrap_or(Value::Null);
        self.create_incident(
            NewIncident {
                kind: IncidentKind::WatchlistHit,
                priority: Some(priority),
                title: format!(
                    "Watchlist hit ({}) at {} lane {} ({})",
                    hit.list.as_str(),
                    hit.site_id,
                    hit.lane_id,
                    hit.direction
                ),
                title_text: Some(
                    Text::new(codes::TITLE_WATCHLIST_HIT)
                        .with("list", hit.list.as_str())
                        .with("site", &hit.site_id)
                        .with("lane", &hit.lane_id)
                        .with("direction", &hit.direction),
                ),
                location: None,
                source: IncidentSource::Alarm,
                source_ref: Some(source_ref),
                details,
                actor: SYSTEM.into(),
            },
            now,
        )
    }

    /// A duty chief's or a unit's action on an incident, with the unit status changes it
    /// implies (a dispatch commits the unit; resolving clears the units still on it).
    pub fn incident_action(
        &self,
        id: &str,
        action: Action,
        actor: &str,
        now: DateTime<Utc>,
    ) -> Result<Vec<OpsEvent>, OpsError> {
        let st = self
            .incidents
            .get(id)
            .ok_or_else(|| OpsError::UnknownIncident(id.to_owned()))?;
        let mut probe = st.incident.clone();
        probe.apply(action.clone(), actor, now)?;
        let mut events = vec![OpsEvent::IncidentTransition(
            crate::event::IncidentTransition {
                incident_id: id.to_owned(),
                action: action.clone(),
                actor: actor.to_owned(),
                at: now,
            },
        )];
        let unit_event = |unit_id: &str, event: UnitEvent, strict: bool| {
            let unit = self
                .units
                .get(unit_id)
                .ok_or_else(|| OpsError::UnknownUnit(unit_id.to_owned()))?;
            match unit.status.on(event) {
                Ok(to) => Ok(Some(OpsEvent::UnitStatus(
                    crate::event::UnitStatusChanged {
                        unit_id: unit_id.to_owned(),
                        from: unit.status,
                        to,
                        event,
                        incident_id: Some(id.to_owned()),
                        actor: actor.to_owned(),
                        at: now,
                    },
                ))),
                Err(_) if !strict => Ok(None),
                Err(e) => Err(OpsError::UnitTransition {
                    unit: unit_id.to_owned(),
                    event: e.event.as_str(),
                    status: e.from,
                }),
            }
        };
        match &action {
            Action::Dispatch { unit_id } => {
                events.extend(unit_event(unit_id, UnitEvent::Dispatch, true)?)
            }
            Action::EnRoute { unit_id } => {
                events.extend(unit_event(unit_id, UnitEvent::EnRoute, false)?)
            }
            Action::OnScene { unit_id } => {
                events.extend(unit_event(unit_id, UnitEvent::Arrive, false)?)
            }
            Action::Resolve { .. } => {
                for u in &st.incident.dispatched_units {
                    if self
                        .units
                        .get(u)
                        .is_some_and(|s| s.incident_id.as_deref() == Some(id))
                    {
                        events.extend(unit_event(u, UnitEvent::Clear, false)?);
                    }
                }
            }
            _ => {}
        }
        Ok(events)
    }

    /// A unit reports its status (acknowledgement, en route, arrival, clear, out of service,
    /// back in service); en route and arrival also move the unit's incident.
    pub fn unit_report(
        &self,
        unit_id: &str,
        event: UnitEvent,
        incident_id: Option<&str>,
        actor: &str,
        now: DateTime<Utc>,
    ) -> Result<Vec<OpsEvent>, OpsError> {
        let unit = self
            .units
            .get(unit_id)
            .ok_or_else(|| OpsError::UnknownUnit(unit_id.to_owned()))?;
        let incident = incident_id
            .map(str::to_owned)
            .or_else(|| unit.incident_id.clone());
        let action = match event {
            UnitEvent::Dispatch => {
                let Some(inc) = incident else {
                    return Err(OpsError::Invalid(
                        "a dispatch needs an `incident_id`".into(),
                    ));
                };
                return self.incident_action(
                    &inc,
                    Action::Dispatch {
                        unit_id: unit_id.to_owned(),
                    },
                    actor,
                    now,
                );
            }
            UnitEvent::EnRoute => Some(Action::EnRoute {
                unit_id: unit_id.to_owned(),
            }),
            UnitEvent::Arrive => Some(Action::OnScene {
                unit_id: unit_id.to_owned(),
            }),
            _ => None,
        };
        if let (Some(action), Some(inc)) = (&action, &incident)
            && self
                .incidents
                .get(inc)
                .is_some_and(|s| s.incident.dispatched_units.iter().any(|u| u == unit_id))
        {
            return self.incident_action(inc, action.clone(), actor, now);
        }
        let to = unit
            .status
            .on(event)
            .map_err(|e| OpsError::UnitTransition {
                unit: unit_id.to_owned(),
                event: e.event.as_str(),
                status: e.from,
            })?;
        Ok(vec![OpsEvent::UnitStatus(
            crate::event::UnitStatusChanged {
                unit_id: unit_id.to_owned(),
                from: unit.status,
                to,
                event,
                incident_id: incident,
                actor: actor.to_owned(),
                at: now,
            },
        )])
    }

    /// A terminal acknowledged a dispatch order.
    pub fn order_acknowledged(
        &self,
        terminal_id: &str,
        now: DateTime<Utc>,
    ) -> Result<Vec<OpsEvent>, OpsError> {
        let unit = self
            .unit_by_terminal(terminal_id)
            .ok_or_else(|| OpsError::UnknownTerminal(terminal_id.to_owned()))?;
        let actor = format!("terminal:{terminal_id}");
        self.unit_report(&unit.id, UnitEvent::Acknowledge, None, &actor, now)
    }

    /// A heartbeat on a link.
    pub fn heartbeat(
        &self,
        link_id: &str,
        time: Option<DateTime<Utc>>,
        now: DateTime<Utc>,
    ) -> Result<Vec<OpsEvent>, OpsError> {
        let link = self
            .links
            .get(link_id)
            .ok_or_else(|| OpsError::UnknownLink(link_id.to_owned()))?;
        // A device clock ahead of ours must not keep a link "up" beyond its real silence.
        let time = time.map_or(now, |t| t.min(now));
        if link.up == Some(true) {
            return Ok(vec![OpsEvent::LinkHeartbeat(crate::event::LinkHeartbeat {
                link_id: link_id.to_owned(),
                time,
            })]);
        }
        let before = self.group_health(&link.of);
        let after = health(
            self.links
                .values()
                .filter(|l| l.of == link.of)
                .map(|l| if l.id == link.id { Some(true) } else { l.up }),
        );
        let mut events = vec![OpsEvent::LinkChanged(crate::event::LinkChanged {
            link_id: link_id.to_owned(),
            of: link.of.clone(),
            role: link.role.clone(),
            up: true,
            at: now,
            last_heartbeat: Some(time),
            group: after,
        })];
        if before == GroupHealth::Down && after != GroupHealth::Down {
            events.extend(self.close_link_failure(&link.of, link_id, now));
        }
        Ok(events)
    }

    /// Acknowledge (if new), resolve and close the open link-failure incident of `of`.
    fn close_link_failure(&self, of: &str, link_id: &str, now: DateTime<Utc>) -> Vec<OpsEvent> {
        let Some(st) = self
            .source_refs
            .get(&format!("link:{of}"))
            .and_then(|id| self.incidents.get(id))
            .filter(|s| s.incident.status.is_open())
        else {
            return vec![];
        };
        let mut probe = st.incident.clone();
        let mut out = Vec::new();
        let steps = [
            Action::Acknowledge,
            Action::Resolve {
                disposition: "repaired".into(),
                feedback: format!("link {link_id} restored"),
            },
            Action::Close,
        ];
        for action in steps {
            if probe.apply(action.clone(), SYSTEM, now).is_ok() {
                out.push(OpsEvent::IncidentTransition(
                    crate::event::IncidentTransition {
                        incident_id: st.incident.id.clone(),
                        action,
                        actor: SYSTEM.into(),
                        at: now,
                    },
                ));
            }
        }
        out
    }

    /// What time alone changes: link timeouts, nuisance windows, track expiry.
    pub fn tick(&self, now: DateTime<Utc>) -> Vec<OpsEvent> {
        let mut events = Vec::new();
        // Links, one site or duty point at a time so the group health is that after each change.
        let mut by_group: BTreeMap<&str, Vec<&LinkState>> = BTreeMap::new();
        for l in self.links.values() {
            by_group.entry(l.of.as_str()).or_default().push(l);
        }
        let mut next_incident = self.next_incident;
        for (of, links) in by_group {
            let mut states: Vec<Option<bool>> = links.iter().map(|l| l.up).collect();
            let before = health(states.iter().copied());
            for (k, l) in links.iter().enumerate() {
                let timed_out = l.up == Some(true)
                    && l.last_heartbeat
                        .is_none_or(|t| secs(now, t) >= self.config.link_timeout_s);
                if !timed_out {
                    continue;
                }
                if let Some(s) = states.get_mut(k) {
                    *s = Some(false);
                }
                events.push(OpsEvent::LinkChanged(crate::event::LinkChanged {
                    link_id: l.id.clone(),
                    of: of.to_owned(),
                    role: l.role.clone(),
                    up: false,
                    at: now,
                    last_heartbeat: l.last_heartbeat,
                    group: health(states.iter().copied()),
                }));
            }
            let after = health(states.iter().copied());
            let has_open = self
                .source_refs
                .get(&format!("link:{of}"))
                .and_then(|id| self.incidents.get(id))
                .is_some_and(|s| s.incident.status.is_open());
            if before != GroupHealth::Down && after == GroupHealth::Down && !has_open {
                next_incident += 1;
                let ids: Vec<&str> = links.iter().map(|l| l.id.as_str()).collect();
                events.push(OpsEvent::IncidentCreated(Box::new(IncidentCreated {
                    id: format!("inc-{next_incident:06}"),
                    kind: IncidentKind::LinkFailure,
                    priority: Priority::P2,
                    priority_reason: "every link of a site or duty point is down".into(),
                    priority_reason_text: Some(Text::new(codes::PRIORITY_ALL_LINKS_DOWN)),
                    zone: None,
                    location: None,
                    title: format!("All links of {of} are down"),
                    title_text: Some(Text::new(codes::TITLE_LINK_FAILURE).with("of", of)),
                    source: IncidentSource::Alarm,
                    source_ref: Some(format!("link:{of}")),
                    created: now,
                    actor: SYSTEM.into(),
                    alarm_id: None,
                    track: None,
                    recommendations: vec![],
                    excluded: vec![],
                    details: json!({"of": of, "links": ids}),
                    nuisance: None,
                    nuisance_text: None,
                })));
            }
        }
        // Isolated triggers that no neighbour confirmed in time.
        for (alarm_id, deadline) in &self.pending_nuisance {
            if *deadline > now {
                continue;
            }
            let Some(rec) = self.alarms.get(alarm_id) else {
                continue;
            };
            events.push(OpsEvent::AlarmNuisance(crate::event::AlarmNuisance {
                alarm_id: alarm_id.clone(),
                sensor_id: rec.alarm.sensor_id.clone(),
                incident_id: rec.incident_id.clone(),
                reason: format!(
                    "isolated trigger: no neighbouring sensor confirmed it within {:.0} s",
                    self.config.nuisance_window_s
                ),
                reason_text: Some(
                    Text::new(codes::NUISANCE_ISOLATED)
                        .with("window_s", format!("{:.0}", self.config.nuisance_window_s)),
                ),
                at: now,
            }));
        }
        let quiet = self.config.tracker.quiet_expiry_s;
        let expired: Vec<u64> = self
            .tracker
            .tracks()
            .filter(|t| secs(now, t.last) >= quiet)
            .map(|t| t.id)
            .collect();
        if !expired.is_empty() {
            events.push(OpsEvent::TrackExpired(crate::event::TrackExpired {
                track_ids: expired,
                at: now,
            }));
        }
        events
    }

    /// After a restart, links that were up get one timeout from `now` before they count as
    /// down: the station, not the link, was away. Not journaled (it is about the station).
    pub fn restart_grace(&mut self, now: DateTime<Utc>) {
        for l in self.links.values_mut() {
            if l.up == Some(true) {
                l.last_heartbeat = Some(l.last_heartbeat.map_or(now, |t| t.max(now)));
            }
        }
    }

    // ----- applying -----

    /// Folds a fact into the state. Facts come from this engine's decisions (or the journal),
    /// so they are applied as given; anything no longer applicable is skipped.
    pub fn apply(&mut self, event: &OpsEvent) {
        match event {
            OpsEvent::AlarmRaised(a) => self.apply_alarm(a),
            OpsEvent::AlarmRepeated(crate::event::AlarmRepeated {
                alarm_id,
                sensor_id,
                time,
            }) => {
                if let Some(rec) = self.alarms.get_mut(alarm_id) {
                    rec.repeats = rec.repeats.saturating_add(1);
                    rec.last_seen = rec.last_seen.max(*time);
                }
                if let Some((_, last)) = self.sensor_last.get_mut(sensor_id) {
                    *last = (*last).max(*time);
                }
            }
            OpsEvent::AlarmNuisance(crate::event::AlarmNuisance {
                alarm_id,
                incident_id,
                reason,
                reason_text,
                ..
            }) => {
                self.pending_nuisance.remove(alarm_id);
                if let Some(rec) = self.alarms.get_mut(alarm_id) {
                    rec.nuisance = Some(reason.clone());
                }
                let all_nuisance = |st: &IncidentState, alarms: &HashMap<String, AlarmRecord>| {
                    st.alarm_ids
                        .iter()
                        .all(|a| alarms.get(a).is_none_or(|r| r.nuisance.is_some()))
                };
                if let Some(id) = incident_id
                    && let Some(st) = self.incidents.get(id)
                    && all_nuisance(st, &self.alarms)
                    && let Some(st) = self.incidents.get_mut(id)
                {
                    st.nuisance = Some(reason.clone());
                    st.nuisance_text = reason_text.clone();
                    st.incident.priority = Priority::P4;
                    st.priority_reason = format!("nuisance: {reason}");
                    st.priority_reason_text = reason_text.as_ref().map(nuisance_priority_text);
                }
            }
            OpsEvent::IncidentCreated(c) => self.apply_created(c),
            OpsEvent::IncidentUpdated(u) => {
                if let Some(st) = self.incidents.get_mut(&u.id) {
                    st.incident.priority = u.priority;
                    st.priority_reason = u.priority_reason.clone();
                    st.priority_reason_text = u.priority_reason_text.clone();
                    st.incident.zone = u.zone.clone();
                    st.incident.location = u.location;
                    st.track = u.track.clone();
                    st.recommendations = u.recommendations.clone();
                    st.excluded = u.excluded.clone();
                    if let Some(a) = &u.alarm_id {
                        st.incident.alarm_count = st.incident.alarm_count.saturating_add(1);
                        st.alarm_ids.push(a.clone());
                        // A confirmed track is not a nuisance.
                        st.nuisance = None;
                        st.nuisance_text = None;
                    }
                }
                if let Some(a) = &u.alarm_id
                    && let Some(rec) = self.alarms.get_mut(a)
                {
                    rec.incident_id = Some(u.id.clone());
                }
            }
            OpsEvent::IncidentTransition(crate::event::IncidentTransition {
                incident_id,
                action,
                actor,
                at,
            }) => {
                if let Some(st) = self.incidents.get_mut(incident_id) {
                    // Validated when decided; a failure here means the journal holds a
                    // transition this version would refuse, which is then left out.
                    let _ = st.incident.apply(action.clone(), actor, *at);
                }
            }
            OpsEvent::TrackExpired(crate::event::TrackExpired { track_ids, at }) => {
                self.tracker.expire(*at);
                for id in track_ids {
                    self.track_incident.remove(id);
                }
            }
            OpsEvent::UnitPosition(crate::event::UnitPosition {
                unit_id,
                lon,
                lat,
                time,
                speed_kmh,
                course,
                zone,
                journaled,
                ..
            }) => {
                if let Some(u) = self.units.get_mut(unit_id) {
                    u.fix = Some(Fix {
                        lon: *lon,
                        lat: *lat,
                        time: *time,
                        speed_kmh: *speed_kmh,
                        course: *course,
                        zone: zone.clone(),
                    });
                    if *journaled {
                        u.last_journaled_fix = Some(*time);
                    }
                }
            }
            OpsEvent::UnitStatus(crate::event::UnitStatusChanged {
                unit_id,
                to,
                event,
                incident_id,
                ..
            }) => {
                if let Some(u) = self.units.get_mut(unit_id) {
                    u.status = *to;
                    match event {
                        UnitEvent::Dispatch => u.incident_id = incident_id.clone(),
                        UnitEvent::Clear | UnitEvent::OutOfService | UnitEvent::ReturnToService => {
                            u.incident_id = None
                        }
                        _ => {}
                    }
                    // The next fix after a status change is journaled whatever the sampling.
                    u.last_journaled_fix = None;
                }
            }
            OpsEvent::TerminalPresence(crate::event::TerminalPresence {
                unit_id, online, ..
            }) => {
                if let Some(u) = self.units.get_mut(unit_id) {
                    u.online = *online;
                }
            }
            OpsEvent::Downlink(crate::event::Downlink { .. }) => {}
            OpsEvent::LinkHeartbeat(crate::event::LinkHeartbeat { link_id, time }) => {
                if let Some(l) = self.links.get_mut(link_id) {
                    l.last_heartbeat = Some(l.last_heartbeat.map_or(*time, |t| t.max(*time)));
                }
            }
            OpsEvent::LinkChanged(crate::event::LinkChanged {
                link_id,
                up,
                at,
                last_heartbeat,
                ..
            }) => {
                if let Some(l) = self.links.get_mut(link_id) {
                    l.up = Some(*up);
                    l.since = Some(*at);
                    if let Some(t) = last_heartbeat {
                        l.last_heartbeat = Some(l.last_heartbeat.map_or(*t, |o| o.max(*t)));
                    }
                }
            }
        }
    }

    fn apply_alarm(&mut self, a: &AlarmRaised) {
        let confirmed_by_other = match self.tracker.ingest(
            &self.zones,
            Alarm {
                sensor_id: a.sensor_id.clone(),
                lon: a.lon,
                lat: a.lat,
                time: a.time,
            },
        ) {
            Ok(track) => track.positions.iter().any(|p| p.sensor_id != a.sensor_id),
            Err(_) => false,
        };
        if confirmed_by_other {
            // Earlier isolated alarms of this track now have a neighbour's confirmation.
            let track_id = a.track_id;
            let alarms = &self.alarms;
            self.pending_nuisance.retain(|id, _| {
                alarms.get(id).is_none_or(|r| {
                    r.alarm.track_id != track_id || r.alarm.sensor_id == a.sensor_id
                })
            });
        } else if a.nuisance.is_none() {
            let deadline = a.time
                + chrono::Duration::milliseconds((self.config.nuisance_window_s * 1000.0) as i64);
            self.pending_nuisance.insert(a.alarm_id.clone(), deadline);
        }
        self.next_alarm = self.next_alarm.max(counter(&a.alarm_id, "alm-"));
        self.sensor_last
            .insert(a.sensor_id.clone(), (a.alarm_id.clone(), a.time));
        self.alarms.insert(
            a.alarm_id.clone(),
            AlarmRecord {
                alarm: a.clone(),
                incident_id: None,
                nuisance: a.nuisance.clone(),
                repeats: 0,
                last_seen: a.time,
            },
        );
        self.alarm_order.push_back(a.alarm_id.clone());
        while self.alarm_order.len() > self.config.max_alarms {
            if let Some(old) = self.alarm_order.pop_front() {
                self.alarms.remove(&old);
                self.pending_nuisance.remove(&old);
            }
        }
    }

    fn apply_created(&mut self, c: &IncidentCreated) {
        let mut inc = Incident::new(
            c.id.clone(),
            c.kind,
            c.priority,
            c.source,
            c.title.clone(),
            c.created,
        );
        inc.zone = c.zone.clone();
        inc.location = c.location;
        inc.alarm_count = u32::from(c.alarm_id.is_some());
        self.next_incident = self.next_incident.max(counter(&c.id, "inc-"));
        if let Some(r) = &c.source_ref {
            self.source_refs.insert(r.clone(), c.id.clone());
        }
        if let Some(t) = &c.track {
            self.track_incident.insert(t.track_id, c.id.clone());
        }
        if let Some(a) = &c.alarm_id
            && let Some(rec) = self.alarms.get_mut(a)
        {
            rec.incident_id = Some(c.id.clone());
        }
        self.incidents.insert(
            c.id.clone(),
            IncidentState {
                incident: inc,
                priority_reason: c.priority_reason.clone(),
                priority_reason_text: c.priority_reason_text.clone(),
                title_text: c.title_text.clone(),
                source_ref: c.source_ref.clone(),
                track: c.track.clone(),
                recommendations: c.recommendations.clone(),
                excluded: c.excluded.clone(),
                details: c.details.clone(),
                nuisance: c.nuisance.clone(),
                nuisance_text: c.nuisance_text.clone(),
                alarm_ids: c.alarm_id.iter().cloned().collect(),
            },
        );
    }
}

/// The priority reason of a nuisance: its code names the nuisance's code as `reason`, with
/// that code's parameters.
fn nuisance_priority_text(nuisance: &Text) -> Text {
    let mut t = Text::new(codes::PRIORITY_NUISANCE).with("reason", &nuisance.code);
    for (k, v) in &nuisance.params {
        t = t.with(k, v);
    }
    t
}

fn health(states: impl Iterator<Item = Option<bool>>) -> GroupHealth {
    let (mut up, mut down) = (0, 0);
    for s in states {
        match s {
            Some(true) => up += 1,
            Some(false) => down += 1,
            None => {}
        }
    }
    match (up, down) {
        (_, 0) => GroupHealth::Up,
        (0, _) => GroupHealth::Down,
        _ => GroupHealth::Degraded,
    }
}

fn summarise(t: &Track) -> TrackSummary {
    TrackSummary {
        track_id: t.id,
        alarm_count: t.alarm_count,
        heading_deg: t.heading_deg,
        speed_mps: t.speed_mps,
        predicted_zone: t.predicted_zone.clone(),
        current_zones: t.current_zones.clone(),
    }
}
