mod common;

use common::*;
use guomen_geo::GeofenceEventKind::{self, CrossBorder, Dwell, Enter, Exit};
use guomen_geo::{BorderSide, FixRejected, GeofenceConfig, GeofenceTracker, ZoneSet};

fn cfg(h: f64, confirm: f64, dwell: Option<f64>) -> GeofenceTracker {
    GeofenceTracker::new(GeofenceConfig {
        hysteresis_m: h,
        enter_confirm_s: confirm,
        dwell_alarm_s: dwell,
    })
    .unwrap()
}

/// Feeds (seconds, x, y) fixes and returns (second, zone or "border", kind) per event.
fn run(
    tr: &mut GeofenceTracker,
    zs: &ZoneSet,
    fixes: &[(i64, f64, f64)],
) -> Vec<(i64, String, GeofenceEventKind)> {
    let mut out = Vec::new();
    for &(s, x, y) in fixes {
        let (lon, lat) = ll(x, y);
        for e in tr.update(zs, "u1", lon, lat, t(s)).unwrap() {
            assert_eq!(e.object_id, "u1");
            out.push((
                (e.time - t(0)).num_seconds(),
                e.zone_id.unwrap_or_else(|| "border".into()),
                e.kind,
            ));
        }
    }
    out
}

fn ev(s: i64, z: &str, k: GeofenceEventKind) -> (i64, String, GeofenceEventKind) {
    (s, z.to_string(), k)
}

#[test]
fn jitter_on_the_boundary_does_not_toggle() {
    let zs = port();
    let mut tr = cfg(5.0, 0.0, None);
    // Freight zone's east edge is x = -500; wander ±3 m around it, then go 10 m in and out.
    let fixes = [
        (0, -497.0, 200.0),
        (1, -503.0, 200.0),
        (2, -498.0, 200.0),
        (3, -502.0, 200.0),
        (4, -510.0, 200.0),
        (5, -497.0, 200.0),
        (6, -503.0, 200.0),
        (7, -490.0, 200.0),
        (8, -503.0, 200.0),
    ];
    assert_eq!(
        run(&mut tr, &zs, &fixes),
        [ev(4, "freight", Enter), ev(7, "freight", Exit)]
    );
}

#[test]
fn without_hysteresis_every_crossing_counts() {
    let zs = port();
    let mut tr = cfg(0.0, 0.0, None);
    let fixes = [(0, -497.0, 200.0), (1, -503.0, 200.0), (2, -498.0, 200.0)];
    assert_eq!(
        run(&mut tr, &zs, &fixes),
        [ev(1, "freight", Enter), ev(2, "freight", Exit)]
    );
}

#[test]
fn entry_needs_confirmation_time_and_dwell_fires_once() {
    let zs = port();
    let mut tr = cfg(5.0, 30.0, Some(125.0));
    let fixes = [
        (0, -700.0, 200.0),   // inside, pending
        (10, 100.0, -100.0),  // left before confirmation: nothing
        (20, -700.0, 200.0),  // inside again
        (40, -700.0, 210.0),  // 20 s: not yet
        (55, -700.0, 220.0),  // 35 s: confirmed
        (140, -700.0, 230.0), // 120 s inside since 20 s: dwell limit is 125 s
        (150, -700.0, 240.0), // 130 s: dwell
        (300, -700.0, 250.0), // no second dwell
        (310, 100.0, -100.0), // exit
    ];
    assert_eq!(
        run(&mut tr, &zs, &fixes),
        [
            ev(55, "freight", Enter),
            ev(150, "freight", Dwell),
            ev(310, "freight", Exit)
        ]
    );
}

#[test]
fn tick_confirms_and_raises_dwell_without_new_fixes() {
    let zs = port();
    let mut tr = cfg(5.0, 30.0, Some(120.0));
    assert!(run(&mut tr, &zs, &[(0, -700.0, 200.0)]).is_empty());
    assert!(tr.tick(&zs, t(20)).is_empty());
    let e = tr.tick(&zs, t(40));
    assert_eq!((e.len(), e[0].kind, e[0].since), (1, Enter, Some(t(0))));
    let e = tr.tick(&zs, t(130));
    assert_eq!((e.len(), e[0].kind), (1, Dwell));
    assert!(tr.tick(&zs, t(500)).is_empty());
    assert_eq!(tr.confirmed_zones(&zs, "u1"), ["freight"]);
}

#[test]
fn nested_and_overlapping_zones_and_jumps() {
    let zs = port();
    let mut tr = cfg(5.0, 0.0, None);
    let events = run(
        &mut tr,
        &zs,
        &[(0, 900.0, 900.0), (1, 500.0, 500.0), (2, 5000.0, 5000.0)],
    );
    assert_eq!(
        events,
        [
            ev(0, "yard", Enter),
            ev(0, "restricted", Enter),
            ev(1, "yard", Exit),
            ev(1, "restricted", Exit),
            ev(1, "hall", Enter),
            ev(2, "hall", Exit),
            // The jump's straight segment passes over the border line.
            ev(2, "border", CrossBorder),
        ]
    );
}

#[test]
fn border_crossings_counted_once_and_only_across_the_line() {
    let zs = port();
    let mut tr = cfg(5.0, 0.0, None);
    let border: Vec<_> = run(
        &mut tr,
        &zs,
        &[
            (0, 0.0, 1500.0),
            (1, 0.0, 2000.0), // onto the line: not yet a crossing
            (2, 0.0, 2000.0),
            (3, 10.0, 2100.0), // now on the other side: one crossing
            (4, 10.0, 2200.0),
            (5, 20.0, 1990.0), // back
            (6, 4000.0, 1990.0),
            (7, 4000.0, 2100.0), // beyond the line's end: side changes, no crossing
        ],
    )
    .into_iter()
    .filter(|e| e.2 == CrossBorder)
    .map(|e| e.0)
    .collect();
    assert_eq!(border, [3, 5]);
    let (lon, lat) = ll(4000.0, 1900.0);
    let e = tr.update(&zs, "u1", lon, lat, t(8)).unwrap();
    assert!(e.iter().all(|e| e.kind != CrossBorder));
    let (lon, lat) = ll(100.0, 2050.0);
    let e = tr.update(&zs, "u2", lon, lat, t(0)).unwrap();
    assert!(e.is_empty());
    let (lon, lat) = ll(100.0, 1950.0);
    let e = tr.update(&zs, "u2", lon, lat, t(1)).unwrap();
    let cross = e.iter().find(|e| e.kind == CrossBorder).unwrap();
    assert_eq!(
        (cross.border_side, cross.zone_id.as_deref()),
        (Some(BorderSide::Right), None)
    );
}

#[test]
fn out_of_order_and_invalid_fixes_are_refused_and_counted() {
    let zs = port();
    let mut tr = cfg(5.0, 0.0, None);
    let (lon, lat) = ll(-700.0, 200.0);
    assert_eq!(tr.update(&zs, "u1", lon, lat, t(10)).unwrap().len(), 1);
    let (lon2, lat2) = ll(100.0, -100.0);
    let err = tr.update(&zs, "u1", lon2, lat2, t(5)).unwrap_err();
    assert!(matches!(err, FixRejected::OutOfOrder { .. }), "{err}");
    assert!(err.to_string().contains("u1"));
    // The refused fix changed nothing: the object is still inside.
    assert_eq!(tr.confirmed_zones(&zs, "u1"), ["freight"]);
    assert!(matches!(
        tr.update(&zs, "u1", f64::NAN, lat, t(11)),
        Err(FixRejected::Invalid(_))
    ));
    assert_eq!(tr.rejected_count(), 2);
    // Same-time fixes are accepted; other objects are independent.
    assert!(tr.update(&zs, "u1", lon, lat, t(10)).is_ok());
    assert!(tr.update(&zs, "u2", lon2, lat2, t(1)).is_ok());
    tr.forget("u1");
    assert_eq!(tr.object_count(), 1);
}

#[test]
fn config_is_validated() {
    for c in [
        GeofenceConfig {
            hysteresis_m: -1.0,
            ..Default::default()
        },
        GeofenceConfig {
            enter_confirm_s: f64::NAN,
            ..Default::default()
        },
        GeofenceConfig {
            dwell_alarm_s: Some(f64::INFINITY),
            ..Default::default()
        },
    ] {
        assert!(GeofenceTracker::new(c).is_err());
    }
}
