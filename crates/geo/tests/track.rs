mod common;

use common::*;
use guomen_geo::{Alarm, Tracker, TrackerConfig, ZoneSet};

fn alarm(sensor: &str, x: f64, y: f64, s: i64) -> Alarm {
    let (lon, lat) = ll(x, y);
    Alarm {
        sensor_id: sensor.into(),
        lon,
        lat,
        time: t(s),
    }
}

fn tracker() -> Tracker {
    Tracker::new(TrackerConfig::default()).unwrap()
}

fn ingest(tr: &mut Tracker, zs: &ZoneSet, a: Alarm) -> u64 {
    tr.ingest(zs, a).unwrap().id
}

#[test]
fn linked_alarms_give_heading_speed_and_next_zone() {
    let zs = port();
    let mut tr = tracker();
    // Moving west at 2 m/s along y = 250 toward the freight zone.
    let ids: Vec<u64> = (0..4)
        .map(|k| {
            ingest(
                &mut tr,
                &zs,
                alarm(&format!("s{k}"), -100.0 - 100.0 * k as f64, 250.0, 50 * k),
            )
        })
        .collect();
    assert!(ids.iter().all(|&i| i == ids[0]), "{ids:?}");
    let track = tr.get(ids[0]).unwrap();
    assert_eq!(track.alarm_count, 4);
    assert_eq!((track.first, track.last), (t(0), t(150)));
    assert!(
        (track.speed_mps.unwrap() - 2.0).abs() < 1e-6,
        "{:?}",
        track.speed_mps
    );
    assert!(
        (track.heading_deg.unwrap() - 270.0).abs() < 1e-6,
        "{:?}",
        track.heading_deg
    );
    // The last alarm is at x = -400; the freight zone
    // begins at x = -500: 100 m at 2 m/s.
    let p = track.predicted_zone.as_ref().unwrap();
    assert_eq!(p.zone_id, "freight");
    assert!(
        (p.distance_m - 100.0).abs() < 0.01 && (p.eta_s - 50.0).abs() < 0.01,
        "{p:?}"
    );
    assert!(track.current_zones.is_empty());
    assert!(!track.is_isolated());
}

#[test]
fn prediction_skips_zones_already_in_and_respects_horizon() {
    let zs = port();
    let mut tr = tracker();
    // Northbound inside the restricted area at x = 300: the yard (x ≥ 800) is off the way;
    // the border strip at y = 1900 is next.
    let id = ingest(&mut tr, &zs, alarm("a", 300.0, 100.0, 0));
    ingest(&mut tr, &zs, alarm("b", 300.0, 300.0, 60));
    let track = tr.get(id).unwrap();
    assert_eq!(track.current_zones, ["restricted"]);
    let p = track.predicted_zone.as_ref().unwrap();
    assert_eq!(p.zone_id, "strip");
    assert!((p.distance_m - 1600.0).abs() < 0.01, "{p:?}");
    // Slow: 0.5 m/s × 600 s = 300 m does not reach anything.
    let mut tr = tracker();
    let id = ingest(&mut tr, &zs, alarm("a", 300.0, 1100.0, 0));
    ingest(&mut tr, &zs, alarm("b", 300.0, 1130.0, 60));
    assert!(tr.get(id).unwrap().predicted_zone.is_none());
}

#[test]
fn isolated_far_and_late_alarms_make_separate_tracks() {
    let zs = port();
    let mut tr = tracker();
    let a = ingest(&mut tr, &zs, alarm("a", 0.0, 0.0, 0));
    let far = ingest(&mut tr, &zs, alarm("b", 1000.0, 0.0, 10));
    let late = ingest(&mut tr, &zs, alarm("c", 50.0, 0.0, 500));
    assert!(a != far && far != late && a != late);
    let t = tr.get(a).unwrap();
    assert!(t.is_isolated() && t.heading_deg.is_none() && t.speed_mps.is_none());
    assert!(tr.set_nuisance(a, true));
    assert!(tr.get(a).unwrap().nuisance_candidate);
    assert!(!tr.set_nuisance(999, true));
}

#[test]
fn late_alarms_are_ordered_and_same_spot_is_stationary() {
    let zs = port();
    let mut tr = tracker();
    let id = ingest(&mut tr, &zs, alarm("b", -200.0, 250.0, 60));
    ingest(&mut tr, &zs, alarm("a", -100.0, 250.0, 0));
    let track = tr.get(id).unwrap();
    assert_eq!(
        track
            .positions
            .iter()
            .map(|p| p.sensor_id.as_str())
            .collect::<Vec<_>>(),
        ["a", "b"]
    );
    assert!((track.heading_deg.unwrap() - 270.0).abs() < 1e-6);
    let mut tr = tracker();
    let id = ingest(&mut tr, &zs, alarm("a", 0.0, 0.0, 0));
    ingest(&mut tr, &zs, alarm("a", 0.0, 0.0, 30));
    let track = tr.get(id).unwrap();
    assert_eq!((track.speed_mps, track.heading_deg), (Some(0.0), None));
}

#[test]
fn tracks_expire_after_quiet_time_and_points_are_capped() {
    let zs = port();
    let mut tr = Tracker::new(TrackerConfig {
        max_points: 3,
        ..Default::default()
    })
    .unwrap();
    let id = (0..10)
        .map(|k| ingest(&mut tr, &zs, alarm("s", 10.0 * k as f64, 0.0, 10 * k)))
        .last()
        .unwrap();
    let track = tr.get(id).unwrap();
    assert_eq!((track.alarm_count, track.positions.len()), (10, 3));
    ingest(&mut tr, &zs, alarm("x", 3000.0, 3000.0, 400));
    let gone = tr.expire(t(90 + 600));
    assert_eq!(gone.iter().map(|t| t.id).collect::<Vec<_>>(), [id]);
    assert_eq!(tr.tracks().count(), 1);
    assert_eq!(tr.expire(t(1000)).len(), 1);
}

#[test]
fn bad_input_is_an_error() {
    let zs = port();
    let mut tr = tracker();
    let mut a = alarm("a", 0.0, 0.0, 0);
    a.lat = f64::NAN;
    assert!(tr.ingest(&zs, a).is_err());
    assert_eq!(tr.tracks().count(), 0);
    assert!(
        Tracker::new(TrackerConfig {
            link_distance_m: -1.0,
            ..Default::default()
        })
        .is_err()
    );
    assert!(
        Tracker::new(TrackerConfig {
            max_points: 1,
            ..Default::default()
        })
        .is_err()
    );
}
