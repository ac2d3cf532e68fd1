//! Alarm → incident with recommendations, in-process: deciding (`sensor_event`, which clones
//! the tracker, links the alarm into a track, ranks the units) plus applying the facts.
//! Prints criterion's estimate and then a p50/p99 over individually timed alarms.

use std::time::Instant;

use chrono::{Duration, TimeZone, Utc};
use criterion::{Criterion, black_box};
use guomen_ops::{Engine, OpsConfig, PositionInput, SensorInput};

fn engine() -> (Engine, Vec<String>, Vec<String>) {
    let port = guomen_port::erenhot();
    let mut e = Engine::new(&port, OpsConfig::default()).expect("engine");
    let t0 = Utc.with_ymd_and_hms(2024, 5, 1, 8, 0, 0).unwrap();
    let terminals: Vec<String> = port
        .units
        .iter()
        .filter_map(|u| u.terminal_id.clone())
        .collect();
    for (k, t) in terminals.iter().enumerate() {
        let ev = e
            .position(
                PositionInput {
                    terminal_id: t.clone(),
                    lon: 111.89 + 0.003 * k as f64,
                    lat: 43.70 + 0.001 * k as f64,
                    time: t0,
                    speed_kmh: None,
                    course: None,
                    via: "bench".into(),
                },
                t0,
            )
            .expect("fix");
        ev.iter().for_each(|x| e.apply(x));
    }
    let sensors = port.sensors.iter().map(|s| s.id.clone()).collect();
    (e, terminals, sensors)
}

/// Alarm number `i`, one every 2 s over the port's sensors in turn (so a sensor re-triggers
/// after 2 s × sensors, beyond the de-duplication window). Unit fixes are refreshed and the
/// engine ticked outside the timed part, as the server's ticker and GNSS feed do; returns
/// the time of deciding and applying the alarm alone.
fn step(e: &mut Engine, terminals: &[String], sensors: &[String], i: u64) -> std::time::Duration {
    let t0 = Utc.with_ymd_and_hms(2024, 5, 1, 8, 0, 0).unwrap();
    let now = t0 + Duration::seconds(i as i64 * 2);
    let k = i as usize % terminals.len();
    if let Ok(ev) = e.position(
        PositionInput {
            terminal_id: terminals[k].clone(),
            lon: 111.89 + 0.003 * k as f64,
            lat: 43.70 + 0.001 * k as f64,
            time: now,
            speed_kmh: None,
            course: None,
            via: "bench".into(),
        },
        now,
    ) {
        ev.iter().for_each(|x| e.apply(x));
    }
    for ev in e.tick(now) {
        e.apply(&ev);
    }
    let sensor = &sensors[i as usize % sensors.len()];
    let started = Instant::now();
    let out = e.sensor_event(
        SensorInput {
            sensor_id: sensor.clone(),
            kind: "intrusion".into(),
            time: Some(now),
            confidence: None,
            actor: "device:bench".into(),
            via: "bench".into(),
        },
        now,
    );
    match out {
        Ok(out) => out.events.iter().for_each(|ev| e.apply(black_box(ev))),
        Err(err) => panic!("alarm {i} refused: {err}"),
    }
    started.elapsed()
}

fn main() {
    let mut c = Criterion::default().configure_from_args();
    let (mut e, terminals, sensors) = engine();
    let mut i = 0u64;
    c.bench_function("alarm_to_incident_with_recommendations", |b| {
        b.iter_custom(|iters| {
            (0..iters)
                .map(|_| {
                    i += 1;
                    step(&mut e, &terminals, &sensors, i)
                })
                .sum()
        })
    });
    c.final_summary();

    // Individually timed alarms over a fresh engine.
    let (mut e, terminals, sensors) = engine();
    let mut took: Vec<f64> = (1..=20_000u64)
        .map(|i| step(&mut e, &terminals, &sensors, i).as_secs_f64() * 1e6)
        .collect();
    took.sort_by(f64::total_cmp);
    let q = |p: f64| took[((took.len() - 1) as f64 * p) as usize];
    let recs: usize = e.incidents().map(|s| s.recommendations.len()).sum();
    println!(
        "alarm → incident with recommendations, 20000 alarms: p50 {:.1} µs, p99 {:.1} µs, max {:.1} µs ({} incidents, {:.1} recommendations each)",
        q(0.5),
        q(0.99),
        q(1.0),
        e.incidents().count(),
        recs as f64 / e.incidents().count().max(1) as f64
    );
}
