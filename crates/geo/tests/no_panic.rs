//! Arbitrary coordinates (NaN, infinities, huge) never panic anywhere in the engine.

mod common;

use common::*;
use guomen_geo::{
    Alarm, GeofenceConfig, GeofenceTracker, RecommendOptions, Tracker, TrackerConfig,
    UnitCandidate, recommend,
};
use proptest::prelude::*;

fn any_coord() -> impl Strategy<Value = f64> {
    prop_oneof![
        Just(f64::NAN),
        Just(f64::INFINITY),
        Just(f64::NEG_INFINITY),
        Just(f64::MAX),
        Just(f64::MIN_POSITIVE),
        Just(-0.0),
        -200.0..200.0f64,
        111.9..112.1f64,
        43.6..43.7f64,
        any::<f64>(),
    ]
}

proptest! {
    #[test]
    fn never_panics(coords in proptest::collection::vec((any_coord(), any_coord()), 1..12), secs in proptest::collection::vec(-1000i64..1000, 12)) {
        let zs = port();
        let finite_in_range = |lon: f64, lat: f64| lon.is_finite() && lat.is_finite() && lon.abs() <= 180.0 && lat.abs() <= 90.0;
        let mut fence = GeofenceTracker::new(GeofenceConfig::default()).unwrap();
        let mut tracks = Tracker::new(TrackerConfig::default()).unwrap();
        let p = proj();
        for (k, &(lon, lat)) in coords.iter().enumerate() {
            let ok = finite_in_range(lon, lat);
            prop_assert_eq!(p.to_local(lon, lat).is_ok(), ok);
            prop_assert_eq!(zs.zones_at(lon, lat).is_ok(), ok);
            prop_assert_eq!(zs.distance_to_border_m(lon, lat).is_ok(), ok);
            prop_assert_eq!(zs.side_of_border(lon, lat).is_ok(), ok);
            prop_assert_eq!(zs.nearest_marker(lon, lat).is_ok(), ok);
            let _ = p.to_lonlat(lon, lat);
            let mut buf = Vec::new();
            zs.zone_indices_at_local(lon, lat, &mut buf);
            let time = t(secs.get(k).copied().unwrap_or(0));
            let r = fence.update(&zs, "o", lon, lat, time);
            if !ok { prop_assert!(r.is_err()); }
            let _ = fence.tick(&zs, time);
            let r = tracks.ingest(&zs, Alarm { sensor_id: "s".into(), lon, lat, time });
            prop_assert_eq!(r.is_ok(), ok);
            let _ = tracks.expire(time);
            if ok {
                let d = zs.distance_to_border_m(lon, lat).unwrap().unwrap();
                prop_assert!(d.is_finite() && d >= 0.0);
            }
        }
        let units: Vec<UnitCandidate> = coords.iter().enumerate().map(|(k, &(lon, lat))| UnitCandidate {
            id: format!("u{k}"),
            kind: "patrol vehicle".into(),
            kind_id: "patrol_vehicle".into(),
            status_available: k % 2 == 0,
            status_label: "x".into(),
            position: Some((lon, lat)),
            fix_time: Some(t(secs.get(k).copied().unwrap_or(0))),
            speed_mps: lat,
        }).collect();
        let (lon, lat) = coords.first().copied().unwrap_or((0.0, 0.0));
        match recommend((lon, lat), &units, t(0), &RecommendOptions::default()) {
            Ok(r) => {
                prop_assert_eq!(r.picks.len() + r.excluded.len(), units.len());
                prop_assert!(r.picks.iter().all(|p| p.eta_s.is_finite() && p.eta_s >= 0.0));
            }
            // A local plane centred within 1° of a pole is refused (Projection::new).
            Err(_) => prop_assert!(!finite_in_range(lon, lat) || lat.abs() > 89.0),
        }
    }
}
