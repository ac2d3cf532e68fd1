//! A synthetic port laid out in local metres around Erenhot, converted to lon/lat, so tests
//! read in metres while exercising the lon/lat API.
#![allow(dead_code)]

use chrono::{DateTime, Duration, TimeZone, Utc};
use guomen_geo::geo::{LineString, Point, Polygon};
use guomen_geo::{Marker, Projection, ZoneDef, ZoneKind, ZoneSet};

pub const ORIGIN: (f64, f64) = (111.9785, 43.6532);

pub fn proj() -> Projection {
    Projection::new(ORIGIN).unwrap()
}

pub fn ll(x: f64, y: f64) -> (f64, f64) {
    proj().to_lonlat(x, y).unwrap()
}

pub fn ring(pts: &[(f64, f64)]) -> LineString<f64> {
    LineString::from(pts.iter().map(|&(x, y)| ll(x, y)).collect::<Vec<_>>())
}

pub fn rect(x0: f64, y0: f64, x1: f64, y1: f64) -> Polygon<f64> {
    Polygon::new(ring(&[(x0, y0), (x1, y0), (x1, y1), (x0, y1)]), vec![])
}

pub fn zone(id: &str, kind: ZoneKind, polygon: Polygon<f64>, priority: u8) -> ZoneDef {
    ZoneDef {
        id: id.into(),
        kind,
        name: format!("zone {id}"),
        polygon,
        priority,
    }
}

/// Restricted area 0..1000 × 0..1000 with a hall cut out as a hole; a road-freight yard
/// overlapping its north-east corner; a border strip along the border; the border line at
/// y = 2000 running west → east (so north, the foreign side, is on the left); markers every
/// 500 m along it.
pub fn port() -> ZoneSet {
    let restricted = Polygon::new(
        ring(&[(0.0, 0.0), (1000.0, 0.0), (1000.0, 1000.0), (0.0, 1000.0)]),
        vec![ring(&[
            (400.0, 400.0),
            (600.0, 400.0),
            (600.0, 600.0),
            (400.0, 600.0),
        ])],
    );
    let zones = vec![
        zone(
            "yard",
            ZoneKind::Yard,
            rect(800.0, 800.0, 1200.0, 1200.0),
            3,
        ),
        zone("restricted", ZoneKind::RestrictedArea, restricted, 1),
        zone(
            "strip",
            ZoneKind::BorderStrip,
            rect(-3000.0, 1900.0, 3000.0, 2000.0),
            1,
        ),
        zone("hall", ZoneKind::Hall, rect(400.0, 400.0, 600.0, 600.0), 2),
        zone(
            "freight",
            ZoneKind::RestrictedArea,
            rect(-1000.0, 0.0, -500.0, 500.0),
            1,
        ),
    ];
    let border = ring(&[(-3000.0, 2000.0), (0.0, 2000.0), (3000.0, 2000.0)]);
    let markers = (-6..=6)
        .map(|k| {
            let (lon, lat) = ll(f64::from(k) * 500.0, 2000.0);
            Marker {
                id: format!("m{}", 814 + k),
                number: format!("{}", 814 + k),
                point: Point::new(lon, lat),
            }
        })
        .collect();
    ZoneSet::with_projection(proj(), zones, Some(border), markers).unwrap()
}

pub fn t(s: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2024, 5, 1, 8, 0, 0).unwrap() + Duration::seconds(s)
}

/// A deterministic generator so scale tests need no extra crates.
pub struct Lcg(pub u64);

impl Lcg {
    pub fn next_f64(&mut self) -> f64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 11) as f64 / (1u64 << 53) as f64
    }
    pub fn range(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * self.next_f64()
    }
}

/// `n` star-shaped polygons scattered over a 10 km square, in lon/lat.
pub fn random_zones(n: usize, seed: u64) -> Vec<ZoneDef> {
    let mut r = Lcg(seed);
    (0..n)
        .map(|i| {
            let (cx, cy) = (r.range(-5000.0, 5000.0), r.range(-5000.0, 5000.0));
            let k = 5 + (i % 12);
            let pts: Vec<(f64, f64)> = (0..k)
                .map(|j| {
                    let a = j as f64 / k as f64 * std::f64::consts::TAU;
                    let rad = r.range(100.0, 900.0);
                    (cx + rad * a.cos(), cy + rad * a.sin())
                })
                .collect();
            let kind = [
                ZoneKind::RestrictedArea,
                ZoneKind::BorderStrip,
                ZoneKind::Hall,
                ZoneKind::Yard,
                ZoneKind::Other,
            ][i % 5];
            zone(
                &format!("z{i}"),
                kind,
                Polygon::new(ring(&pts), vec![]),
                (i % 4) as u8,
            )
        })
        .collect()
}
