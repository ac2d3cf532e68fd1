//! Classification throughput: lon/lat fixes → zone membership over 100 zones, plus the
//! geofence update and a 200-unit recommendation. Run with
//! `cargo bench -p guomen-geo --bench zones -- --warm-up-time 1 --measurement-time 3`.

use std::hint::black_box;

use chrono::{DateTime, Duration, TimeZone, Utc};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use guomen_geo::geo::{LineString, Polygon};
use guomen_geo::{
    GeofenceConfig, GeofenceTracker, Projection, RecommendOptions, UnitCandidate, ZoneDef,
    ZoneKind, ZoneSet, recommend,
};

const ORIGIN: (f64, f64) = (111.9785, 43.6532);

struct Lcg(u64);

impl Lcg {
    fn range(&mut self, lo: f64, hi: f64) -> f64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        lo + (hi - lo) * ((self.0 >> 11) as f64 / (1u64 << 53) as f64)
    }
}

fn zones(p: &Projection, n: usize, vertices: usize, r: &mut Lcg) -> Vec<ZoneDef> {
    (0..n)
        .map(|i| {
            let (cx, cy) = (r.range(-5000.0, 5000.0), r.range(-5000.0, 5000.0));
            let pts: Vec<(f64, f64)> = (0..vertices)
                .map(|j| {
                    let a = j as f64 / vertices as f64 * std::f64::consts::TAU;
                    let rad = r.range(200.0, 900.0);
                    p.to_lonlat(cx + rad * a.cos(), cy + rad * a.sin())
                        .unwrap_or(ORIGIN)
                })
                .collect();
            ZoneDef {
                id: format!("z{i}"),
                kind: ZoneKind::Other,
                name: String::new(),
                polygon: Polygon::new(LineString::from(pts), vec![]),
                priority: (i % 4) as u8,
            }
        })
        .collect()
}

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2024, 5, 1, 8, 0, 0)
        .single()
        .unwrap_or_default()
}

fn bench(c: &mut Criterion) {
    let p = Projection::new(ORIGIN).expect("origin");
    let mut r = Lcg(1);
    let border = LineString::from(
        (0..=64)
            .map(|k| {
                p.to_lonlat(-6000.0 + 187.5 * f64::from(k), 5500.0)
                    .unwrap_or(ORIGIN)
            })
            .collect::<Vec<_>>(),
    );
    let points: Vec<(f64, f64)> = (0..10_000)
        .map(|_| {
            p.to_lonlat(r.range(-6000.0, 6000.0), r.range(-6000.0, 6000.0))
                .unwrap_or(ORIGIN)
        })
        .collect();

    let mut g = c.benchmark_group("classify");
    g.throughput(Throughput::Elements(points.len() as u64));
    for (n, v) in [(10, 16), (100, 16), (100, 64)] {
        let zs = ZoneSet::with_projection(p, zones(&p, n, v, &mut r), Some(border.clone()), vec![])
            .expect("zones");
        let mut buf = Vec::new();
        g.bench_function(format!("zones_at/{n}_zones_{v}_vertices"), |b| {
            b.iter(|| {
                let mut hits = 0usize;
                for &(lon, lat) in &points {
                    if let Ok((x, y)) = zs.projection().to_local(lon, lat) {
                        zs.zone_indices_at_local(x, y, &mut buf);
                        hits += buf.len();
                    }
                }
                black_box(hits)
            })
        });
    }
    let zs = ZoneSet::with_projection(p, zones(&p, 100, 16, &mut r), Some(border), vec![])
        .expect("zones");
    g.bench_function("distance_to_border/64_segments", |b| {
        b.iter(|| {
            let mut s = 0.0;
            for &(lon, lat) in &points {
                s += zs
                    .distance_to_border_m(lon, lat)
                    .ok()
                    .flatten()
                    .unwrap_or(0.0);
            }
            black_box(s)
        })
    });
    g.bench_function("geofence_update/100_zones_8_objects", |b| {
        let mut tr = GeofenceTracker::new(GeofenceConfig::default()).expect("config");
        let mut step = 0i64;
        b.iter(|| {
            step += 1;
            let now = t0() + Duration::seconds(step);
            let mut events = 0;
            for (k, &(lon, lat)) in points.iter().enumerate() {
                let id = ["u0", "u1", "u2", "u3", "u4", "u5", "u6", "u7"][k % 8];
                events += tr
                    .update(&zs, id, lon, lat, now)
                    .map(|e| e.len())
                    .unwrap_or(0);
            }
            black_box(events)
        })
    });
    g.finish();

    let units: Vec<UnitCandidate> = (0..200)
        .map(|i| UnitCandidate {
            id: format!("u{i}"),
            kind: "patrol vehicle".into(),
            kind_id: "patrol_vehicle".into(),
            status_available: i % 5 != 0,
            status_label: "available".into(),
            position: p
                .to_lonlat(r.range(-5000.0, 5000.0), r.range(-5000.0, 5000.0))
                .ok(),
            fix_time: Some(t0() - Duration::seconds(i64::from(i % 180))),
            speed_mps: 11.0,
        })
        .collect();
    let mut g = c.benchmark_group("recommend");
    g.throughput(Throughput::Elements(1));
    g.bench_function("200_units", |b| {
        b.iter(|| {
            black_box(
                recommend(ORIGIN, &units, t0(), &RecommendOptions::default())
                    .map(|r| r.picks.len()),
            )
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
