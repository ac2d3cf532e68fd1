//! Per-object geofence state: enter/exit with hysteresis and dwell, border crossings.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::error::GeoError;
use crate::geom::P2;
use crate::zones::{BorderSide, ZoneSet};

/// Tuning of the geofence state machine.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct GeofenceConfig {
    /// An object is inside only once ≥ this far inside, outside only once ≥ this far outside,
    /// so GNSS jitter on a boundary does not toggle it.
    pub hysteresis_m: f64,
    /// An entry is confirmed only after the object has stayed inside this long.
    pub enter_confirm_s: f64,
    /// A dwell alarm fires once per stay after this long inside; `None` disables it.
    pub dwell_alarm_s: Option<f64>,
}

impl Default for GeofenceConfig {
    fn default() -> Self {
        Self {
            hysteresis_m: 5.0,
            enter_confirm_s: 10.0,
            dwell_alarm_s: Some(300.0),
        }
    }
}

impl GeofenceConfig {
    fn validate(&self) -> Result<(), GeoError> {
        let check = |field, v: f64| {
            if v.is_finite() && v >= 0.0 {
                Ok(())
            } else {
                Err(GeoError::InvalidConfig {
                    field,
                    value: v,
                    reason: "must be finite and ≥ 0",
                })
            }
        };
        check("hysteresis_m", self.hysteresis_m)?;
        check("enter_confirm_s", self.enter_confirm_s)?;
        self.dwell_alarm_s
            .map_or(Ok(()), |d| check("dwell_alarm_s", d))
    }
}

/// What happened to an object at a zone or the border.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GeofenceEventKind {
    Enter,
    Exit,
    Dwell,
    CrossBorder,
}

/// One geofence event. `zone_id` is `None` for border crossings, which carry `border_side`
/// (the side the object is on after crossing).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GeofenceEvent {
    pub object_id: String,
    pub zone_id: Option<String>,
    pub kind: GeofenceEventKind,
    /// Time of the fix (or tick) that established the event.
    pub time: DateTime<Utc>,
    /// When the object was first seen (beyond the hysteresis) inside, for enter and dwell.
    pub since: Option<DateTime<Utc>>,
    pub border_side: Option<BorderSide>,
}

/// A fix the tracker refused; the caller counts and logs it.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum FixRejected {
    #[error("out-of-order fix for `{object_id}`: {got} is older than the last accepted {last}")]
    OutOfOrder {
        object_id: String,
        last: DateTime<Utc>,
        got: DateTime<Utc>,
    },
    #[error(transparent)]
    Invalid(#[from] GeoError),
}

#[derive(Debug, Clone)]
struct ZoneState {
    zone: usize,
    raw_inside: bool,
    raw_since: DateTime<Utc>,
    confirmed: bool,
    dwell_sent: bool,
}

#[derive(Debug, Clone)]
struct ObjectState {
    last_time: DateTime<Utc>,
    last_pos: P2,
    last_definite_side: Option<BorderSide>,
    zones: Vec<ZoneState>,
}

/// Geofence state of many tracked objects against one [`ZoneSet`].
///
/// Zone state is kept by zone index, so use one tracker per `ZoneSet` and start a new
/// tracker when the zones are rebuilt.
#[derive(Debug, Clone)]
pub struct GeofenceTracker {
    config: GeofenceConfig,
    objects: HashMap<String, ObjectState>,
    rejected: u64,
    scratch: Vec<usize>,
}

fn secs(later: DateTime<Utc>, earlier: DateTime<Utc>) -> f64 {
    (later - earlier).num_milliseconds() as f64 / 1000.0
}

impl GeofenceTracker {
    pub fn new(config: GeofenceConfig) -> Result<Self, GeoError> {
        config.validate()?;
        Ok(Self {
            config,
            objects: HashMap::new(),
            rejected: 0,
            scratch: Vec::new(),
        })
    }

    pub fn config(&self) -> &GeofenceConfig {
        &self.config
    }

    /// How many fixes were refused (out of order or invalid) since creation.
    pub fn rejected_count(&self) -> u64 {
        self.rejected
    }

    /// Number of objects with state.
    pub fn object_count(&self) -> usize {
        self.objects.len()
    }

    /// Drops an object's state (e.g. a unit taken off the registry).
    pub fn forget(&mut self, object_id: &str) {
        self.objects.remove(object_id);
    }

    /// Ids of the zones the object is confirmed inside.
    pub fn confirmed_zones<'z>(&self, zones: &'z ZoneSet, object_id: &str) -> Vec<&'z str> {
        self.objects.get(object_id).map_or_else(Vec::new, |o| {
            o.zones
                .iter()
                .filter(|s| s.confirmed)
                .filter_map(|s| zones.zone(s.zone).map(|z| z.id.as_str()))
                .collect()
        })
    }

    /// Feeds one fix; returns the events it caused, in zone order then border.
    ///
    /// Fixes older than the object's last accepted fix are refused (equal times are accepted).
    pub fn update(
        &mut self,
        zones: &ZoneSet,
        object_id: &str,
        lon: f64,
        lat: f64,
        time: DateTime<Utc>,
    ) -> Result<Vec<GeofenceEvent>, FixRejected> {
        let (x, y) = match zones.projection().to_local(lon, lat) {
            Ok(p) => p,
            Err(e) => {
                self.rejected += 1;
                return Err(e.into());
            }
        };
        let p = [x, y];
        if let Some(o) = self.objects.get(object_id).filter(|o| time < o.last_time) {
            self.rejected += 1;
            return Err(FixRejected::OutOfOrder {
                object_id: object_id.to_string(),
                last: o.last_time,
                got: time,
            });
        }
        let h = self.config.hysteresis_m;
        let mut candidates = std::mem::take(&mut self.scratch);
        zones.zone_indices_near_local(p, h, &mut candidates);
        let obj = self
            .objects
            .entry(object_id.to_string())
            .or_insert_with(|| ObjectState {
                last_time: time,
                last_pos: p,
                last_definite_side: None,
                zones: Vec::new(),
            });
        candidates.extend(obj.zones.iter().map(|s| s.zone));
        candidates.sort_unstable();
        candidates.dedup();

        let mut events = Vec::new();
        for &zi in &candidates {
            let Some(s) = zones.signed_distance_local(zi, p) else {
                continue;
            };
            let pos = obj.zones.iter().position(|st| st.zone == zi);
            let mut st = match pos {
                Some(k) => obj.zones.swap_remove(k),
                None => ZoneState {
                    zone: zi,
                    raw_inside: false,
                    raw_since: time,
                    confirmed: false,
                    dwell_sent: false,
                },
            };
            let now_inside = if st.raw_inside {
                !(s < 0.0 && s <= -h)
            } else {
                s > 0.0 && s >= h
            };
            if now_inside != st.raw_inside {
                st.raw_inside = now_inside;
                st.raw_since = time;
                if !now_inside && st.confirmed {
                    st.confirmed = false;
                    st.dwell_sent = false;
                    events.push(self::event(
                        object_id,
                        zones,
                        zi,
                        GeofenceEventKind::Exit,
                        time,
                        None,
                    ));
                }
            }
            advance(&self.config, object_id, zones, &mut st, time, &mut events);
            if st.raw_inside || st.confirmed {
                obj.zones.push(st);
            }
        }
        obj.zones.sort_unstable_by_key(|s| s.zone);

        if zones.has_border() {
            let side = zones.side_local(p);
            let definite = side.filter(|s| *s != BorderSide::On);
            if let Some(new_side) = definite {
                let (touches, proper) = zones.border_crossings(obj.last_pos, p);
                let changed = obj.last_definite_side.is_some_and(|s| s != new_side);
                if touches && (changed || proper >= 2) {
                    events.push(GeofenceEvent {
                        object_id: object_id.to_string(),
                        zone_id: None,
                        kind: GeofenceEventKind::CrossBorder,
                        time,
                        since: None,
                        border_side: Some(new_side),
                    });
                }
                obj.last_definite_side = Some(new_side);
            }
        }
        obj.last_time = time;
        obj.last_pos = p;
        self.scratch = candidates;
        Ok(events)
    }

    /// Confirms entries and raises dwell alarms that are due at `now` for objects that have
    /// not reported since; call it periodically. Objects whose last fix is after `now` are
    /// skipped.
    pub fn tick(&mut self, zones: &ZoneSet, now: DateTime<Utc>) -> Vec<GeofenceEvent> {
        let mut events = Vec::new();
        let mut ids: Vec<&String> = self.objects.keys().collect();
        ids.sort_unstable();
        let ids: Vec<String> = ids.into_iter().cloned().collect();
        for id in ids {
            let Some(obj) = self.objects.get_mut(&id) else {
                continue;
            };
            if obj.last_time > now {
                continue;
            }
            for st in &mut obj.zones {
                advance(&self.config, &id, zones, st, now, &mut events);
            }
        }
        events
    }
}

fn advance(
    config: &GeofenceConfig,
    object_id: &str,
    zones: &ZoneSet,
    st: &mut ZoneState,
    time: DateTime<Utc>,
    events: &mut Vec<GeofenceEvent>,
) {
    if !st.raw_inside {
        return;
    }
    let inside_for = secs(time, st.raw_since);
    if !st.confirmed && inside_for >= config.enter_confirm_s {
        st.confirmed = true;
        events.push(event(
            object_id,
            zones,
            st.zone,
            GeofenceEventKind::Enter,
            time,
            Some(st.raw_since),
        ));
    }
    if st.confirmed && !st.dwell_sent && config.dwell_alarm_s.is_some_and(|d| inside_for >= d) {
        st.dwell_sent = true;
        events.push(event(
            object_id,
            zones,
            st.zone,
            GeofenceEventKind::Dwell,
            time,
            Some(st.raw_since),
        ));
    }
}

fn event(
    object_id: &str,
    zones: &ZoneSet,
    zone: usize,
    kind: GeofenceEventKind,
    time: DateTime<Utc>,
    since: Option<DateTime<Utc>>,
) -> GeofenceEvent {
    GeofenceEvent {
        object_id: object_id.to_string(),
        zone_id: zones.zone(zone).map(|z| z.id.clone()),
        kind,
        time,
        since,
        border_side: None,
    }
}
