//! Closest-unit recommendation: drop stale fixes and unavailable units, rank by ETA, and say
//! why for every pick and every exclusion.

use std::collections::HashSet;

use chrono::{DateTime, Utc};
use guomen_domain::text::{Text, codes};
use serde::{Deserialize, Serialize};

use crate::error::{GeoError, check_lonlat};
use crate::projection::Projection;

/// Slowest travel speed accepted for an ETA, m/s.
pub const MIN_SPEED_MPS: f64 = 0.1;

/// A unit as the recommender sees it (the server maps its registry to this).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UnitCandidate {
    pub id: String,
    /// Human label of the kind, e.g. "patrol vehicle"; used in reasons.
    pub kind: String,
    /// The kind's name for machines, e.g. `patrol_vehicle`; a parameter of the reason's code.
    #[serde(default)]
    pub kind_id: String,
    pub status_available: bool,
    /// Status as shown to people, e.g. "on_scene"; used in exclusion reasons.
    pub status_label: String,
    /// Last fix (lon, lat) degrees.
    pub position: Option<(f64, f64)>,
    pub fix_time: Option<DateTime<Utc>>,
    /// Travel speed to assume, usually the kind's default.
    pub speed_mps: f64,
}

/// Recommendation settings.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct RecommendOptions {
    /// Fixes older than this are stale and their units excluded.
    pub stale_after_s: f64,
    /// Road distance over straight-line distance.
    pub route_factor: f64,
    /// Fixes dated further than this in the future are excluded as clock skew; nearer ones
    /// count as fresh (age 0).
    pub max_future_skew_s: f64,
    /// Keep at most this many picks (all when `None`); the rest are excluded with a reason.
    pub max_picks: Option<usize>,
}

impl Default for RecommendOptions {
    fn default() -> Self {
        Self {
            stale_after_s: 120.0,
            route_factor: 1.3,
            max_future_skew_s: 30.0,
            max_picks: None,
        }
    }
}

/// A recommended unit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Pick {
    pub unit_id: String,
    pub eta_s: f64,
    /// Straight-line distance.
    pub distance_m: f64,
    pub fix_age_s: f64,
    pub reason: String,
    /// The reason as a code with parameters, for each reader's language.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason_text: Option<Text>,
}

/// A unit left out, and why.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Exclusion {
    pub unit_id: String,
    pub reason: String,
    /// The reason as a code with parameters, for each reader's language.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason_text: Option<Text>,
}

/// Picks (best first) and exclusions (in input order, then capped picks).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Recommendation {
    pub picks: Vec<Pick>,
    pub excluded: Vec<Exclusion>,
}

/// Ranks `units` for an incident at `incident_pos` (lon, lat) at time `now`.
///
/// ETA = straight-line distance × `route_factor` / speed; ties go to the nearer,
/// then to the smaller id, so the result is deterministic.
pub fn recommend(
    incident_pos: (f64, f64),
    units: &[UnitCandidate],
    now: DateTime<Utc>,
    options: &RecommendOptions,
) -> Result<Recommendation, GeoError> {
    check_lonlat(incident_pos.0, incident_pos.1)?;
    for (field, v) in [
        ("stale_after_s", options.stale_after_s),
        ("route_factor", options.route_factor),
        ("max_future_skew_s", options.max_future_skew_s),
    ] {
        if !v.is_finite() || v < 0.0 {
            return Err(GeoError::InvalidConfig {
                field,
                value: v,
                reason: "must be finite and ≥ 0",
            });
        }
    }
    if options.route_factor < 1.0 {
        return Err(GeoError::InvalidConfig {
            field: "route_factor",
            value: options.route_factor,
            reason: "a route cannot be shorter than the straight line (must be ≥ 1)",
        });
    }
    // A plane centred on the incident: exact to < 0.05 % within 5 km, and within ~0.5 % at
    // 50 km, which is ample for ranking by ETA and far cheaper than geodesics.
    let plane = Projection::new(incident_pos)?;
    let mut out = Recommendation::default();
    let mut seen = HashSet::new();
    for u in units {
        let mut exclude = |reason: String, text: Text| {
            out.excluded.push(Exclusion {
                unit_id: u.id.clone(),
                reason,
                reason_text: Some(text),
            });
        };
        if !seen.insert(u.id.as_str()) {
            exclude(
                "duplicate unit id in the candidate list; first entry used".into(),
                Text::new(codes::EXCLUDE_DUPLICATE),
            );
            continue;
        }
        if !u.status_available {
            exclude(
                format!("not available (status {})", u.status_label),
                Text::new(codes::EXCLUDE_UNAVAILABLE).with("status", &u.status_label),
            );
            continue;
        }
        let Some((lon, lat)) = u.position else {
            exclude("no position fix".into(), Text::new(codes::EXCLUDE_NO_FIX));
            continue;
        };
        if check_lonlat(lon, lat).is_err() {
            exclude(
                format!("invalid position fix lon={lon}, lat={lat}"),
                Text::new(codes::EXCLUDE_INVALID_FIX)
                    .with("lon", lon)
                    .with("lat", lat),
            );
            continue;
        }
        let Some(fix_time) = u.fix_time else {
            exclude(
                "position fix has no time".into(),
                Text::new(codes::EXCLUDE_FIX_NO_TIME),
            );
            continue;
        };
        let age = (now - fix_time).num_milliseconds() as f64 / 1000.0;
        if age > options.stale_after_s {
            exclude(
                format!(
                    "stale fix: {} old (limit {})",
                    fmt_secs(age),
                    fmt_secs(options.stale_after_s)
                ),
                Text::new(codes::EXCLUDE_STALE)
                    .with("fix_age_s", age.round())
                    .with("limit_s", options.stale_after_s.round()),
            );
            continue;
        }
        if -age > options.max_future_skew_s {
            exclude(
                format!("fix time {} in the future (clock skew)", fmt_secs(-age)),
                Text::new(codes::EXCLUDE_FUTURE).with("ahead_s", (-age).round()),
            );
            continue;
        }
        // A unit slower than this is not travelling; an ETA from it would be meaningless.
        if !u.speed_mps.is_finite() || u.speed_mps < MIN_SPEED_MPS {
            exclude(
                format!(
                    "no usable speed ({} m/s, minimum {MIN_SPEED_MPS})",
                    u.speed_mps
                ),
                Text::new(codes::EXCLUDE_NO_SPEED)
                    .with("speed_mps", u.speed_mps)
                    .with("min_mps", MIN_SPEED_MPS),
            );
            continue;
        }
        let age = age.max(0.0);
        let (x, y) = plane.project_unchecked(lon, lat);
        let distance_m = x.hypot(y);
        let eta_s = distance_m * options.route_factor / u.speed_mps;
        let reason = format!(
            "{}, {} {} km/h, fix {} old: ETA {}",
            fmt_distance(distance_m),
            u.kind,
            fmt_num(u.speed_mps * 3.6),
            fmt_secs(age),
            fmt_eta(eta_s)
        );
        let reason_text = Text::new(codes::PICK_ETA)
            .with("distance_m", distance_m.round())
            .with("unit_kind", &u.kind_id)
            .with("speed_kmh", fmt_num(u.speed_mps * 3.6))
            .with("fix_age_s", age.round())
            .with("eta_s", eta_s.round());
        out.picks.push(Pick {
            unit_id: u.id.clone(),
            eta_s,
            distance_m,
            fix_age_s: age,
            reason,
            reason_text: Some(reason_text),
        });
    }
    out.picks.sort_by(|a, b| {
        a.eta_s
            .total_cmp(&b.eta_s)
            .then(a.distance_m.total_cmp(&b.distance_m))
            .then_with(|| a.unit_id.cmp(&b.unit_id))
    });
    if let Some(max) = options.max_picks.filter(|&m| out.picks.len() > m) {
        for p in out.picks.split_off(max) {
            out.excluded.push(Exclusion {
                unit_id: p.unit_id,
                reason: format!("not among the {max} fastest (ETA {})", fmt_eta(p.eta_s)),
                reason_text: Some(
                    Text::new(codes::EXCLUDE_NOT_FASTEST)
                        .with("max", max)
                        .with("eta_s", p.eta_s.round()),
                ),
            });
        }
    }
    Ok(out)
}

fn fmt_num(v: f64) -> String {
    if (v - v.round()).abs() < 0.05 {
        format!("{}", v.round())
    } else {
        format!("{v:.1}")
    }
}

fn fmt_distance(m: f64) -> String {
    if m < 1000.0 {
        format!("{} m", m.round())
    } else {
        format!("{:.1} km", m / 1000.0)
    }
}

fn fmt_secs(s: f64) -> String {
    format!("{} s", s.round())
}

fn fmt_eta(s: f64) -> String {
    if s < 60.0 {
        format!("{} s", s.round())
    } else if s < 3600.0 * 10.0 {
        format!("{} min", (s / 60.0).round())
    } else {
        format!("{:.0} h", s / 3600.0)
    }
}
