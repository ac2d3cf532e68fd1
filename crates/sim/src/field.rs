//! Units in the field and the alarm scenarios of the day.

use guomen_port::{Port, UnitKind, ZoneKind};
use rand::Rng;
use rand::seq::SliceRandom;

use crate::space::{Frame, LonLat, Route};

/// A unit's terminal and the route it patrols when not committed.
#[derive(Debug, Clone)]
pub struct Patrol {
    pub unit_id: String,
    pub terminal_id: String,
    pub kind: UnitKind,
    pub route: Route,
    /// Speed when dispatched (vehicles drive, foot and dog teams run).
    pub dispatch_speed_kmh: f64,
    /// Seconds into the day at which the unit is at the route's first point.
    pub phase_s: f64,
}

fn centroid(ring: &[LonLat]) -> LonLat {
    let n = ring.len().max(1) as f64;
    let (x, y) = ring.iter().fold((0.0, 0.0), |a, p| (a.0 + p.0, a.1 + p.1));
    (x / n, y / n)
}

/// The exterior ring of a zone.
pub fn zone_ring(port: &Port, zone_id: &str) -> Vec<LonLat> {
    port.zone_polygons()
        .find(|(z, _)| z.id == zone_id)
        .map(|(_, poly)| poly.exterior().points().map(|p| (p.x(), p.y())).collect())
        .unwrap_or_default()
}

/// The frame centred on the port's origin.
pub fn frame(port: &Port) -> Frame {
    Frame::new((port.info.origin.lon, port.info.origin.lat))
}

fn square(frame: &Frame, centre: LonLat, half_m: f64) -> Vec<LonLat> {
    let (cx, cy) = frame.xy(centre);
    [(-1.0, -1.0), (1.0, -1.0), (1.0, 1.0), (-1.0, 1.0)]
        .iter()
        .map(|(dx, dy)| frame.lonlat((cx + dx * half_m, cy + dy * half_m)))
        .collect()
}

/// Every unit with a terminal, on its route: patrol vehicles along their stretch of the
/// border line (on the home side, inside the border strip), foot and dog patrols around
/// their duty point, rapid-response teams close to their post, the medical team at its post.
pub fn patrols<R: Rng>(port: &Port, rng: &mut R) -> Vec<Patrol> {
    let frame = frame(port);
    let border: Vec<LonLat> = port
        .border_line_string()
        .map(|l| l.points().map(|p| (p.x(), p.y())).collect())
        .unwrap_or_default();
    let inside = port
        .zones
        .iter()
        .find(|z| z.kind == ZoneKind::RestrictedArea)
        .map(|z| centroid(&zone_ring(port, &z.id)));
    let posts: Vec<(String, LonLat)> = port
        .duty_point_positions()
        .map(|(d, p)| (d.id.clone(), (p.x(), p.y())))
        .collect();
    let mut out = Vec::new();
    for u in &port.units {
        let Some(terminal) = u.terminal_id.clone() else {
            continue;
        };
        let post = posts
            .iter()
            .find(|(id, _)| *id == u.duty_point)
            .map(|(_, p)| *p)
            .unwrap_or((port.info.origin.lon, port.info.origin.lat));
        let (points, speed, dispatch) = match u.kind {
            UnitKind::PatrolVehicle if border.len() >= 2 => {
                // The three border vertices nearest the unit's post, pushed 60 m inward.
                let mut idx: Vec<usize> = (0..border.len()).collect();
                idx.sort_by(|a, b| {
                    frame
                        .distance_m(border[*a], post)
                        .total_cmp(&frame.distance_m(border[*b], post))
                });
                idx.truncate(3);
                idx.sort_unstable();
                let inward = inside.unwrap_or(post);
                let mut leg: Vec<LonLat> = idx
                    .iter()
                    .map(|&i| {
                        let p = border[i];
                        let d = frame.distance_m(p, inward).max(1.0);
                        crate::space::toward(&frame, p, inward, 60.0_f64.min(d))
                    })
                    .collect();
                // Out and back along the stretch.
                let back: Vec<LonLat> = leg
                    .iter()
                    .rev()
                    .skip(1)
                    .take(leg.len().saturating_sub(2))
                    .copied()
                    .collect();
                leg.extend(back);
                (leg, 25.0, 45.0)
            }
            UnitKind::RapidResponseTeam => (square(&frame, post, 40.0), 3.0, 40.0),
            UnitKind::MedicalTeam => (vec![post], 0.0, 30.0),
            UnitKind::K9Team | UnitKind::FootPatrol | UnitKind::PatrolVehicle => {
                (square(&frame, post, 120.0), 4.5, 8.0)
            }
        };
        out.push(Patrol {
            unit_id: u.id.clone(),
            terminal_id: terminal,
            kind: u.kind,
            route: Route {
                points,
                speed_kmh: speed,
            },
            dispatch_speed_kmh: dispatch,
            phase_s: rng.gen_range(0.0..3600.0),
        });
    }
    out
}

/// What the scenario plays on the station's interfaces.
#[derive(Debug, Clone, PartialEq)]
pub enum Step {
    /// A partner agency's report (`POST /api/v1/notifications`).
    Notify {
        agency: &'static str,
        text: String,
        /// A boundary marker number, e.g. `814`.
        marker: Option<String>,
        /// A zone id.
        zone: Option<String>,
        /// The incident kind the partner reports (`medical_emergency`...), when not an
        /// intrusion.
        kind: Option<&'static str>,
    },
    /// A perimeter sensor triggers (`POST /api/v1/sensor-events`).
    Sensor { sensor_id: String },
    /// The primary link of a duty point stops carrying heartbeats.
    LinkDown { link_id: String },
    /// It carries them again.
    LinkUp { link_id: String },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ScenarioKind {
    /// Two persons near boundary marker 814 heading for the road freight yard.
    Marker814,
    /// One isolated sensor trigger.
    Nuisance,
    /// A passenger taken ill on an inbound train.
    Medical,
    /// A primary link fails; the backup carries on; the primary returns.
    LinkFailure,
}

impl ScenarioKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ScenarioKind::Marker814 => "marker-814",
            ScenarioKind::Nuisance => "nuisance",
            ScenarioKind::Medical => "medical",
            ScenarioKind::LinkFailure => "link-failure",
        }
    }
}

/// A scripted happening and how the people at the station close it.
#[derive(Debug, Clone)]
pub struct Scenario {
    pub id: String,
    pub kind: ScenarioKind,
    pub title: String,
    /// Seconds into the plan.
    pub at_s: u32,
    /// Steps with their offsets from `at_s`, in order.
    pub steps: Vec<(u32, Step)>,
    /// Where the responding unit goes.
    pub scene: Option<LonLat>,
    /// The unit to send if the station recommends none.
    pub fallback_unit: Option<String>,
    /// Disposition code and feedback when resolved.
    pub disposition: &'static str,
    pub feedback: String,
}

/// A sensor along the intruders' path: where along it (0 at the start, 1 at the target)
/// and how far off it.
#[derive(Debug, Clone, PartialEq)]
pub struct PathSensor {
    pub sensor_id: String,
    pub along: f64,
    pub off_m: f64,
}

/// Widest distance from the path at which a sensor picks the walkers up.
pub const SENSOR_REACH_M: f64 = 150.0;

/// The sensors that persons walking straight from `start` to `target` pass, in the order
/// they pass them. A line sensor (a fence cable) counts at its point nearest the path.
pub fn sensors_along(port: &Port, start: LonLat, target: LonLat) -> Vec<PathSensor> {
    let frame = frame(port);
    let mut out: Vec<PathSensor> = port
        .sensor_places()
        .filter(|p| !p.sensor.maintenance)
        .filter_map(|place| {
            let candidates: Vec<LonLat> = match &place.line {
                Some(line) => {
                    let pts: Vec<LonLat> = line.points().map(|p| (p.x(), p.y())).collect();
                    pts.windows(2)
                        .flat_map(|w| {
                            (0..=20).map(move |i| {
                                let f = f64::from(i) / 20.0;
                                (
                                    w[0].0 + f * (w[1].0 - w[0].0),
                                    w[0].1 + f * (w[1].1 - w[0].1),
                                )
                            })
                        })
                        .collect()
                }
                None => vec![(place.position.x(), place.position.y())],
            };
            let (along, off) = candidates
                .iter()
                .map(|&c| frame.along(start, target, c))
                .filter(|(t, _)| (0.0..=1.0).contains(t))
                .min_by(|a, b| a.1.total_cmp(&b.1))?;
            (off <= SENSOR_REACH_M).then(|| PathSensor {
                sensor_id: place.sensor.id.clone(),
                along,
                off_m: off,
            })
        })
        .collect();
    out.sort_by(|a, b| a.along.total_cmp(&b.along));
    out
}

/// The start and target of the marker-814 scenario: the marker, and the corner of the road
/// freight yard nearest to it.
pub fn marker_814_path(port: &Port) -> Option<(LonLat, LonLat)> {
    let marker = port.marker_by_number("814")?;
    let start = port
        .marker_points()
        .find(|(m, _)| m.id == marker.id)
        .map(|(_, p)| (p.x(), p.y()))?;
    let yard = port
        .zones
        .iter()
        .find(|z| z.id == "road-freight-yard")
        .or_else(|| port.zones.iter().find(|z| z.kind == ZoneKind::Yard))?;
    let frame = frame(port);
    let target = zone_ring(port, &yard.id).into_iter().min_by(|a, b| {
        frame
            .distance_m(*a, start)
            .total_cmp(&frame.distance_m(*b, start))
    })?;
    Some((start, target))
}

/// Walking pace of the intruders, m/s.
const WALK_MS: f64 = 1.4;

pub fn marker_814<R: Rng>(port: &Port, rng: &mut R, at_s: u32) -> Option<Scenario> {
    let (start, target) = marker_814_path(port)?;
    let frame = frame(port);
    let len = frame.distance_m(start, target);
    let crossing_delay = rng.gen_range(90..240);
    let mut steps = vec![(
        0,
        Step::Notify {
            agency: "border_defence",
            text: "Two persons seen crossing near boundary marker 814, moving toward the road freight restricted area".into(),
            marker: Some("814".into()),
            zone: None,
            kind: None,
        },
    )];
    for s in sensors_along(port, start, target) {
        let t = crossing_delay + (s.along * len / WALK_MS) as u32;
        steps.push((
            t,
            Step::Sensor {
                sensor_id: s.sensor_id,
            },
        ));
    }
    let rrt = port
        .units
        .iter()
        .find(|u| u.kind == UnitKind::RapidResponseTeam && u.duty_point.contains("814"))
        .or_else(|| {
            port.units
                .iter()
                .find(|u| u.kind == UnitKind::RapidResponseTeam)
        })
        .map(|u| u.id.clone());
    Some(Scenario {
        id: "sc-814".into(),
        kind: ScenarioKind::Marker814,
        title: "Two persons near boundary marker 814".into(),
        at_s,
        steps,
        scene: Some(crate::space::toward(&frame, start, target, len * 0.8)),
        fallback_unit: rrt,
        disposition: "intercepted",
        feedback: "Two persons intercepted short of the road freight restricted area and handed over for questioning".into(),
    })
}

pub fn nuisance<R: Rng>(port: &Port, rng: &mut R, n: usize, at: &[u32]) -> Vec<Scenario> {
    let mut sensors: Vec<&str> = port.sensors.iter().map(|s| s.id.as_str()).collect();
    sensors.shuffle(rng);
    // One trigger on a sensor under maintenance, when there is one.
    if let Some(m) = port.sensors.iter().find(|s| s.maintenance) {
        sensors.retain(|s| *s != m.id);
        sensors.insert(0, m.id.as_str());
    }
    at.iter()
        .take(n)
        .zip(sensors.iter().cycle())
        .enumerate()
        .map(|(i, (&t, s))| Scenario {
            id: format!("sc-nuisance-{}", i + 1),
            kind: ScenarioKind::Nuisance,
            title: format!("Isolated trigger of {s}"),
            at_s: t,
            steps: vec![(
                0,
                Step::Sensor {
                    sensor_id: (*s).to_owned(),
                },
            )],
            scene: port
                .sensor_places()
                .find(|p| p.sensor.id == *s)
                .map(|p| (p.position.x(), p.position.y())),
            fallback_unit: None,
            disposition: "false_alarm",
            feedback: "Checked on camera: nobody there (wind on the fence)".into(),
        })
        .collect()
}

pub fn medical(port: &Port, train: &str, at_s: u32) -> Scenario {
    let hall = port
        .zones
        .iter()
        .find(|z| z.id == "rail-passenger-hall")
        .map(|z| z.id.clone());
    let scene = hall.as_deref().map(|h| centroid(&zone_ring(port, h)));
    Scenario {
        id: "sc-medical".into(),
        kind: ScenarioKind::Medical,
        title: format!("Medical emergency on inbound train {train}"),
        at_s,
        steps: vec![(
            0,
            Step::Notify {
                agency: "railway",
                text: format!(
                    "Passenger in coach 6 of {train} with chest pain; train arriving in 7 minutes; requests on-board clearance"
                ),
                marker: None,
                zone: hall,
                kind: Some("medical_emergency"),
            },
        )],
        scene,
        fallback_unit: port
            .units
            .iter()
            .find(|u| u.kind == UnitKind::MedicalTeam)
            .map(|u| u.id.clone()),
        disposition: "medical_handled",
        feedback: format!(
            "Passenger cleared on board {train} through the cross-border rescue channel and handed to the ambulance"
        ),
    }
}

pub fn link_failure<R: Rng>(port: &Port, rng: &mut R, at_s: u32, down_s: u32) -> Option<Scenario> {
    let primaries: Vec<&guomen_port::Link> = port
        .links
        .iter()
        .filter(|l| l.role == guomen_port::LinkRole::Primary && port.duty_point(&l.of).is_some())
        .filter(|l| {
            port.links_of(&l.of)
                .any(|b| b.role == guomen_port::LinkRole::Backup)
        })
        .collect();
    let link = *primaries.choose(rng)?;
    Some(Scenario {
        id: "sc-link".into(),
        kind: ScenarioKind::LinkFailure,
        title: format!("Primary link of {} fails; backup carries on", link.of),
        at_s,
        steps: vec![
            (
                0,
                Step::LinkDown {
                    link_id: link.id.clone(),
                },
            ),
            (
                down_s,
                Step::LinkUp {
                    link_id: link.id.clone(),
                },
            ),
        ],
        scene: None,
        fallback_unit: None,
        disposition: "repaired",
        feedback: "Fibre splice repaired; primary link back".into(),
    })
}
