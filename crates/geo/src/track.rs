//! Linkage tracking (联动跟踪): alarms of neighbouring sensors close in time become one track
//! with a heading, a speed and the zone it is heading for.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::error::GeoError;
use crate::geom::P2;
use crate::zones::ZoneSet;

/// Tuning of linkage tracking.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct TrackerConfig {
    /// An alarm joins a track when within this distance of one of its alarms...
    pub link_distance_m: f64,
    /// ...that is within this many seconds of it.
    pub link_window_s: f64,
    /// A track with no alarm for this long is expired by [`Tracker::expire`].
    pub quiet_expiry_s: f64,
    /// How far ahead (seconds at the track's speed) the next zone is looked for.
    pub horizon_s: f64,
    /// Below this speed a track is stationary: no heading, no prediction.
    pub min_speed_mps: f64,
    /// Alarms kept per track (the most recent); `alarm_count` still counts all.
    pub max_points: usize,
}

impl Default for TrackerConfig {
    fn default() -> Self {
        Self {
            link_distance_m: 300.0,
            link_window_s: 120.0,
            quiet_expiry_s: 600.0,
            horizon_s: 600.0,
            min_speed_mps: 0.2,
            max_points: 64,
        }
    }
}

impl TrackerConfig {
    fn validate(&self) -> Result<(), GeoError> {
        for (field, v) in [
            ("link_distance_m", self.link_distance_m),
            ("link_window_s", self.link_window_s),
            ("quiet_expiry_s", self.quiet_expiry_s),
            ("horizon_s", self.horizon_s),
            ("min_speed_mps", self.min_speed_mps),
        ] {
            if !v.is_finite() || v < 0.0 {
                return Err(GeoError::InvalidConfig {
                    field,
                    value: v,
                    reason: "must be finite and ≥ 0",
                });
            }
        }
        if self.max_points < 2 {
            return Err(GeoError::InvalidConfig {
                field: "max_points",
                value: self.max_points as f64,
                reason: "must be at least 2 to estimate a heading",
            });
        }
        Ok(())
    }
}

/// A sensor alarm as the tracker needs it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Alarm {
    pub sensor_id: String,
    pub lon: f64,
    pub lat: f64,
    pub time: DateTime<Utc>,
}

/// One alarm of a track.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrackPoint {
    pub sensor_id: String,
    pub lon: f64,
    pub lat: f64,
    pub time: DateTime<Utc>,
}

/// The zone a moving track will reach next.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PredictedZone {
    pub zone_id: String,
    pub distance_m: f64,
    pub eta_s: f64,
}

/// A track of linked alarms.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Track {
    pub id: u64,
    pub alarm_count: u32,
    pub first: DateTime<Utc>,
    pub last: DateTime<Utc>,
    /// The most recent alarms (at most `max_points`), oldest first.
    pub positions: Vec<TrackPoint>,
    /// Degrees clockwise from north; `None` with fewer than two distinct times or when
    /// stationary.
    pub heading_deg: Option<f64>,
    /// Least-squares speed; `None` with fewer than two distinct times.
    pub speed_mps: Option<f64>,
    pub predicted_zone: Option<PredictedZone>,
    /// Zones containing the latest alarm, most important first.
    pub current_zones: Vec<String>,
    /// Set by the caller's rules (e.g. one isolated trigger, a sensor under maintenance).
    pub nuisance_candidate: bool,
}

impl Track {
    /// One alarm and nothing linked to it (yet).
    pub fn is_isolated(&self) -> bool {
        self.alarm_count <= 1
    }
}

#[derive(Debug, Clone)]
struct Entry {
    track: Track,
    local: Vec<P2>,
}

/// Live tracks. Tracks are never merged once created, so their ids stay stable.
#[derive(Debug, Clone)]
pub struct Tracker {
    config: TrackerConfig,
    entries: Vec<Entry>,
    next_id: u64,
    scratch: Vec<usize>,
}

fn secs(later: DateTime<Utc>, earlier: DateTime<Utc>) -> f64 {
    (later - earlier).num_milliseconds() as f64 / 1000.0
}

impl Tracker {
    pub fn new(config: TrackerConfig) -> Result<Self, GeoError> {
        config.validate()?;
        Ok(Self {
            config,
            entries: Vec::new(),
            next_id: 1,
            scratch: Vec::new(),
        })
    }

    pub fn config(&self) -> &TrackerConfig {
        &self.config
    }

    /// Live tracks in creation order.
    pub fn tracks(&self) -> impl Iterator<Item = &Track> {
        self.entries.iter().map(|e| &e.track)
    }

    pub fn get(&self, id: u64) -> Option<&Track> {
        self.entries
            .iter()
            .find(|e| e.track.id == id)
            .map(|e| &e.track)
    }

    /// Marks or unmarks a track as a nuisance candidate; false if no such track.
    pub fn set_nuisance(&mut self, id: u64, nuisance: bool) -> bool {
        match self.entries.iter_mut().find(|e| e.track.id == id) {
            Some(e) => {
                e.track.nuisance_candidate = nuisance;
                true
            }
            None => false,
        }
    }

    /// Adds an alarm to the nearest linked track, or starts a new one; returns the track.
    pub fn ingest(&mut self, zones: &ZoneSet, alarm: Alarm) -> Result<&Track, GeoError> {
        let (x, y) = zones.projection().to_local(alarm.lon, alarm.lat)?;
        let p = [x, y];
        let cfg = self.config;
        let mut best: Option<(usize, f64)> = None;
        for (k, e) in self.entries.iter().enumerate() {
            for (tp, lp) in e.track.positions.iter().zip(&e.local) {
                if secs(alarm.time, tp.time).abs() > cfg.link_window_s {
                    continue;
                }
                let d = (lp[0] - p[0]).hypot(lp[1] - p[1]);
                if d <= cfg.link_distance_m && best.is_none_or(|(_, bd)| d < bd) {
                    best = Some((k, d));
                }
            }
        }
        let point = TrackPoint {
            sensor_id: alarm.sensor_id,
            lon: alarm.lon,
            lat: alarm.lat,
            time: alarm.time,
        };
        let k = match best {
            Some((k, _)) => {
                let Some(e) = self.entries.get_mut(k) else {
                    return Err(GeoError::InvalidConfig {
                        field: "track",
                        value: k as f64,
                        reason: "lost",
                    });
                };
                // Keep positions ordered by time even when alarms arrive late.
                let at = e.track.positions.partition_point(|q| q.time <= point.time);
                e.track.positions.insert(at, point);
                e.local.insert(at, p);
                while e.track.positions.len() > cfg.max_points {
                    e.track.positions.remove(0);
                    e.local.remove(0);
                }
                e.track.alarm_count = e.track.alarm_count.saturating_add(1);
                e.track.first = e.track.first.min(alarm.time);
                e.track.last = e.track.last.max(alarm.time);
                k
            }
            None => {
                let id = self.next_id;
                self.next_id += 1;
                self.entries.push(Entry {
                    track: Track {
                        id,
                        alarm_count: 1,
                        first: alarm.time,
                        last: alarm.time,
                        positions: vec![point],
                        heading_deg: None,
                        speed_mps: None,
                        predicted_zone: None,
                        current_zones: Vec::new(),
                        nuisance_candidate: false,
                    },
                    local: vec![p],
                });
                self.entries.len() - 1
            }
        };
        let mut scratch = std::mem::take(&mut self.scratch);
        let Some(e) = self.entries.get_mut(k) else {
            return Err(GeoError::InvalidConfig {
                field: "track",
                value: k as f64,
                reason: "lost",
            });
        };
        estimate(&cfg, zones, e, &mut scratch);
        self.scratch = scratch;
        Ok(&e.track)
    }

    /// Removes and returns tracks quiet for at least `quiet_expiry_s` at `now`.
    pub fn expire(&mut self, now: DateTime<Utc>) -> Vec<Track> {
        let quiet = self.config.quiet_expiry_s;
        let (gone, keep): (Vec<Entry>, Vec<Entry>) = std::mem::take(&mut self.entries)
            .into_iter()
            .partition(|e| secs(now, e.track.last) >= quiet);
        self.entries = keep;
        gone.into_iter().map(|e| e.track).collect()
    }
}

/// Recomputes heading, speed, current zones and prediction of a track.
fn estimate(cfg: &TrackerConfig, zones: &ZoneSet, e: &mut Entry, scratch: &mut Vec<usize>) {
    let t = &mut e.track;
    let Some(&last) = e.local.last() else { return };
    zones.zone_indices_at_local(last[0], last[1], scratch);
    let current: Vec<usize> = scratch.clone();
    t.current_zones = current
        .iter()
        .filter_map(|&i| zones.zone(i).map(|z| z.id.clone()))
        .collect();
    t.heading_deg = None;
    t.speed_mps = None;
    t.predicted_zone = None;

    // Least squares x(t) = x0 + vx·t, y(t) = y0 + vy·t over the kept alarms.
    let n = t.positions.len() as f64;
    let t0 = t.first;
    let ts: Vec<f64> = t.positions.iter().map(|q| secs(q.time, t0)).collect();
    let tm = ts.iter().sum::<f64>() / n;
    let xm = e.local.iter().map(|p| p[0]).sum::<f64>() / n;
    let ym = e.local.iter().map(|p| p[1]).sum::<f64>() / n;
    let (mut stt, mut stx, mut sty) = (0.0, 0.0, 0.0);
    for (ti, p) in ts.iter().zip(&e.local) {
        let dt = ti - tm;
        stt += dt * dt;
        stx += dt * (p[0] - xm);
        sty += dt * (p[1] - ym);
    }
    if stt < 1e-6 {
        return;
    }
    let (vx, vy) = (stx / stt, sty / stt);
    let speed = vx.hypot(vy);
    if !speed.is_finite() {
        return;
    }
    t.speed_mps = Some(speed);
    if speed < cfg.min_speed_mps || speed == 0.0 {
        return;
    }
    t.heading_deg = Some(vx.atan2(vy).to_degrees().rem_euclid(360.0));

    let reach = speed * cfg.horizon_s;
    let end = [last[0] + vx / speed * reach, last[1] + vy / speed * reach];
    let lo = [last[0].min(end[0]), last[1].min(end[1])];
    let hi = [last[0].max(end[0]), last[1].max(end[1])];
    zones.zone_indices_in_box(lo, hi, scratch);
    let mut best: Option<(f64, u8, usize)> = None;
    for &zi in scratch.iter() {
        if current.contains(&zi) {
            continue;
        }
        let (Some(z), Some(pz)) = (zones.zone(zi), zones.projected(zi)) else {
            continue;
        };
        if let Some(frac) = pz.first_boundary_t(last, end) {
            let key = (frac * reach, z.priority, zi);
            if best.is_none_or(|b| (key.0, key.1, key.2) < b) {
                best = Some(key);
            }
        }
    }
    t.predicted_zone = best.and_then(|(d, _, zi)| {
        zones.zone(zi).map(|z| PredictedZone {
            zone_id: z.id.clone(),
            distance_m: d,
            eta_s: d / speed,
        })
    });
}
