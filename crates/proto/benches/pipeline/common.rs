//! The fix pipeline measured by `benches/pipeline` and `examples/pipeline`: JT/T 808 0x0200
//! frames → decode → zone membership on the port's zones → the unit's last fix.

#![allow(dead_code)]

use std::collections::HashMap;

use chrono::{DateTime, TimeZone, Utc};
use guomen_geo::geo::{Coord, Polygon};
use guomen_geo::{ZoneDef, ZoneKind, ZoneSet};
use guomen_proto::jt808::{self, AlarmFlags, Envelope, Extra, Location, Message, StatusFlags};

/// The Erenhot sample port's zones as a [`ZoneSet`], and each zone's exterior as WKT.
pub fn erenhot_zones() -> (ZoneSet, Vec<(String, String)>) {
    let port = guomen_port::erenhot();
    let mut defs = Vec::new();
    let mut wkt = Vec::new();
    for (z, poly) in port.zone_polygons() {
        let kind = match z.kind {
            guomen_port::ZoneKind::RestrictedArea => ZoneKind::RestrictedArea,
            guomen_port::ZoneKind::BorderStrip => ZoneKind::BorderStrip,
            guomen_port::ZoneKind::Hall => ZoneKind::Hall,
            guomen_port::ZoneKind::Yard => ZoneKind::Yard,
            guomen_port::ZoneKind::Other => ZoneKind::Other,
        };
        wkt.push((z.id.clone(), polygon_wkt(&poly)));
        defs.push(ZoneDef {
            id: z.id.clone(),
            kind,
            name: z.name.en.clone(),
            polygon: poly,
            priority: u8::try_from(100 - z.priority.clamp(0, 100)).unwrap_or(0),
        });
    }
    let set =
        ZoneSet::new(defs, port.border_line_string(), vec![]).expect("the sample zones are valid");
    (set, wkt)
}

fn ring_wkt(coords: impl Iterator<Item = Coord<f64>>) -> String {
    let pts: Vec<String> = coords.map(|c| format!("{} {}", c.x, c.y)).collect();
    format!("({})", pts.join(","))
}

fn polygon_wkt(p: &Polygon<f64>) -> String {
    let mut rings = vec![ring_wkt(p.exterior().coords().copied())];
    rings.extend(p.interiors().iter().map(|r| ring_wkt(r.coords().copied())));
    format!("POLYGON({})", rings.join(","))
}

/// `n` points, each near a zone picked in turn: uniform over that zone's bounding box grown by
/// half on each side, so fixes fall inside, near and outside zones as units on patrol do.
pub fn points(zones: &ZoneSet, n: usize) -> Vec<(f64, f64)> {
    let boxes: Vec<([f64; 2], [f64; 2])> = zones
        .zones()
        .iter()
        .map(|z| {
            let (mut lo, mut hi) = ([f64::MAX; 2], [f64::MIN; 2]);
            for c in z.polygon.exterior().coords() {
                lo = [lo[0].min(c.x), lo[1].min(c.y)];
                hi = [hi[0].max(c.x), hi[1].max(c.y)];
            }
            (lo, hi)
        })
        .collect();
    let mut s = 0x9e37_79b9_7f4a_7c15u64;
    let mut next = move || {
        s = s
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (s >> 11) as f64 / (1u64 << 53) as f64
    };
    (0..n)
        .map(|i| {
            let (lo, hi) = boxes[i % boxes.len()];
            let (w, h) = (hi[0] - lo[0], hi[1] - lo[1]);
            let x = lo[0] - w / 2.0 + next() * w * 2.0;
            let y = lo[1] - h / 2.0 + next() * h * 2.0;
            // Six decimals: what a 0x0200 report can carry.
            ((x * 1e6).round() / 1e6, (y * 1e6).round() / 1e6)
        })
        .collect()
}

/// One 0x0200 frame per point, from `terminals` in turn, as field terminals send them.
pub fn frames(points: &[(f64, f64)], terminals: usize) -> Vec<Vec<u8>> {
    let t0 = Utc
        .with_ymd_and_hms(2025, 6, 30, 9, 0, 0)
        .single()
        .expect("valid time");
    points
        .iter()
        .enumerate()
        .map(|(i, &(lon, lat))| {
            let loc = Location {
                alarm: AlarmFlags(0),
                status: StatusFlags(
                    StatusFlags::ACC_ON | StatusFlags::LOCATED | StatusFlags::BEIDOU_USED,
                ),
                lat,
                lon,
                altitude_m: 964,
                speed_kmh: (i % 600) as f64 / 10.0,
                course: (i % 360) as u16,
                time: Some(t0 + chrono::Duration::seconds((i / terminals) as i64)),
                extras: vec![
                    Extra::Mileage { km: 1234.5 },
                    Extra::SignalStrength { value: 27 },
                    Extra::Satellites { count: 14 },
                ],
            };
            let terminal = format!("0147900{:05}", i % terminals);
            jt808::encode(
                &Envelope::v2013(terminal, i as u16),
                &Message::Location(loc),
            )
            .expect("encodable")
        })
        .collect()
}

/// What the station keeps per unit.
#[derive(Debug, Clone)]
pub struct LastFix {
    pub lon: f64,
    pub lat: f64,
    pub time: Option<DateTime<Utc>>,
    /// The most important zone the fix is in.
    pub zone: Option<usize>,
}

/// Decode → classify → update for every frame; returns how many (fix, zone) memberships.
pub fn run(zones: &ZoneSet, frames: &[Vec<u8>], units: &mut HashMap<String, LastFix>) -> usize {
    let projection = zones.projection();
    let mut hits = Vec::with_capacity(8);
    let mut memberships = 0;
    for f in frames {
        let Ok(frame) = jt808::decode_frame(f) else {
            continue;
        };
        let Message::Location(loc) = frame.message else {
            continue;
        };
        let Ok((x, y)) = projection.to_local(loc.lon, loc.lat) else {
            continue;
        };
        zones.zone_indices_at_local(x, y, &mut hits);
        memberships += hits.len();
        let fix = LastFix {
            lon: loc.lon,
            lat: loc.lat,
            time: loc.time,
            zone: hits.first().copied(),
        };
        match units.get_mut(&frame.header.terminal) {
            Some(last) => *last = fix,
            None => {
                units.insert(frame.header.terminal, fix);
            }
        }
    }
    memberships
}
