mod common;

use chrono::Duration;
use common::*;
use guomen_geo::{GeoError, RecommendOptions, UnitCandidate, recommend};

fn unit(id: &str, kind: &str, kmh: f64, at: Option<(f64, f64)>, fix_age_s: i64) -> UnitCandidate {
    UnitCandidate {
        id: id.into(),
        kind: kind.into(),
        kind_id: kind.replace(' ', "_"),
        status_available: true,
        status_label: "available".into(),
        position: at.map(|(x, y)| ll(x, y)),
        fix_time: Some(t(1000 - fix_age_s)),
        speed_mps: kmh / 3.6,
    }
}

#[test]
fn ranks_by_eta_and_explains_every_pick_and_exclusion() {
    let incident = ll(0.0, 0.0);
    let mut busy = unit("busy", "patrol vehicle", 40.0, Some((10.0, 0.0)), 5);
    busy.status_available = false;
    busy.status_label = "on_scene".into();
    let mut no_time = unit("no-time", "patrol vehicle", 40.0, Some((10.0, 0.0)), 0);
    no_time.fix_time = None;
    let mut future = unit("future", "patrol vehicle", 40.0, Some((10.0, 0.0)), 0);
    future.fix_time = Some(t(1000 + 300));
    let mut bad = unit("bad-pos", "patrol vehicle", 40.0, None, 0);
    bad.position = Some((f64::NAN, 1.0));
    let units = vec![
        unit("foot", "foot patrol", 5.0, Some((400.0, 0.0)), 10),
        unit("car", "patrol vehicle", 40.0, Some((0.0, 1200.0)), 15),
        unit("stale", "patrol vehicle", 40.0, Some((50.0, 0.0)), 121),
        busy,
        unit("nofix", "foot patrol", 5.0, None, 0),
        no_time,
        future,
        bad,
        unit("stopped", "dog team", 0.0, Some((5.0, 0.0)), 1),
        unit("car", "patrol vehicle", 40.0, Some((0.0, 10.0)), 1),
    ];
    let r = recommend(incident, &units, t(1000), &RecommendOptions::default()).unwrap();
    let picks: Vec<&str> = r.picks.iter().map(|p| p.unit_id.as_str()).collect();
    // Car: 1.2 km × 1.3 / 11.1 m/s ≈ 140 s; foot: 400 m × 1.3 / 1.39 m/s ≈ 374 s.
    assert_eq!(picks, ["car", "foot"]);
    let car = &r.picks[0];
    assert!((car.distance_m - 1200.0).abs() < 5.0, "{}", car.distance_m);
    assert!(
        (car.eta_s - 1200.0 * 1.3 / (40.0 / 3.6)).abs() < 1.0,
        "{}",
        car.eta_s
    );
    assert_eq!(
        car.reason,
        "1.2 km, patrol vehicle 40 km/h, fix 15 s old: ETA 2 min"
    );
    assert_eq!(
        r.picks[1].reason,
        "400 m, foot patrol 5 km/h, fix 10 s old: ETA 6 min"
    );
    let why = |id: &str| {
        r.excluded
            .iter()
            .find(|e| e.unit_id == id)
            .map(|e| e.reason.clone())
            .unwrap()
    };
    assert_eq!(r.excluded.len(), 8);
    assert!(
        why("stale").contains("stale fix: 121 s old (limit 120 s)"),
        "{}",
        why("stale")
    );
    assert!(why("busy").contains("on_scene"));
    assert!(why("nofix").contains("no position"));
    assert!(why("no-time").contains("no time"));
    assert!(why("future").contains("future"));
    assert!(why("bad-pos").contains("invalid position"));
    assert!(why("stopped").contains("speed"));
    assert_eq!(
        r.excluded
            .iter()
            .filter(|e| e.unit_id == "car")
            .map(|e| e.reason.as_str())
            .collect::<Vec<_>>(),
        ["duplicate unit id in the candidate list; first entry used"]
    );
}

#[test]
fn stale_limit_and_pick_cap_are_configurable() {
    let units: Vec<_> = (0..5)
        .map(|k| {
            unit(
                &format!("u{k}"),
                "patrol vehicle",
                40.0,
                Some((100.0 * k as f64, 0.0)),
                200,
            )
        })
        .collect();
    let opts = RecommendOptions {
        stale_after_s: 300.0,
        max_picks: Some(2),
        ..Default::default()
    };
    let r = recommend(ll(0.0, 0.0), &units, t(1000), &opts).unwrap();
    assert_eq!(
        r.picks
            .iter()
            .map(|p| p.unit_id.as_str())
            .collect::<Vec<_>>(),
        ["u0", "u1"]
    );
    assert_eq!(r.excluded.len(), 3);
    assert!(
        r.excluded
            .iter()
            .all(|e| e.reason.starts_with("not among the 2 fastest"))
    );
    let r = recommend(ll(0.0, 0.0), &units, t(1000), &RecommendOptions::default()).unwrap();
    assert!(r.picks.is_empty() && r.excluded.len() == 5);
}

#[test]
fn bad_incident_position_or_options_are_errors() {
    let units = [unit("u", "foot patrol", 5.0, Some((0.0, 0.0)), 0)];
    assert!(matches!(
        recommend((f64::NAN, 0.0), &units, t(0), &RecommendOptions::default()),
        Err(GeoError::InvalidCoordinate { .. })
    ));
    for opts in [
        RecommendOptions {
            route_factor: 0.5,
            ..Default::default()
        },
        RecommendOptions {
            stale_after_s: f64::NAN,
            ..Default::default()
        },
    ] {
        assert!(matches!(
            recommend(ll(0.0, 0.0), &units, t(0), &opts),
            Err(GeoError::InvalidConfig { .. })
        ));
    }
}

/// 200 units over 100 zones: every unit is either picked or excluded with a reason, picks are
/// sorted by ETA, and each pick's zone lookups work.
#[test]
fn scales_to_200_units_and_100_zones() {
    let zs =
        guomen_geo::ZoneSet::with_projection(proj(), random_zones(100, 3), None, vec![]).unwrap();
    let mut r = Lcg(5);
    let kinds = [
        ("patrol vehicle", 40.0),
        ("foot patrol", 5.0),
        ("rapid-response team", 50.0),
    ];
    let units: Vec<UnitCandidate> = (0..200)
        .map(|i| {
            let (kind, kmh) = kinds[i % 3];
            let mut u = unit(
                &format!("u{i}"),
                kind,
                kmh,
                Some((r.range(-5000.0, 5000.0), r.range(-5000.0, 5000.0))),
                0,
            );
            u.fix_time = Some(t(1000) - Duration::seconds((r.range(0.0, 200.0)) as i64));
            u.status_available = i % 7 != 0;
            u
        })
        .collect();
    let rec = recommend(ll(0.0, 0.0), &units, t(1000), &RecommendOptions::default()).unwrap();
    assert_eq!(rec.picks.len() + rec.excluded.len(), 200);
    assert!(rec.picks.len() > 50);
    assert!(rec.picks.windows(2).all(|w| w[0].eta_s <= w[1].eta_s));
    assert!(rec.excluded.iter().all(|e| !e.reason.is_empty()));
    let in_zones: usize = rec
        .picks
        .iter()
        .map(|p| {
            let u = units.iter().find(|u| u.id == p.unit_id).unwrap();
            let (lon, lat) = u.position.unwrap();
            zs.zones_at(lon, lat).unwrap().len()
        })
        .sum();
    assert!(in_zones > 0);
}

/// Every pick and exclusion also carries its reason as a code with parameters, so the pages
/// show it in the reader's language; every code is one the dictionary knows.
#[test]
fn every_reason_has_a_code_with_parameters() {
    use guomen_domain::text::codes;
    let incident = ll(0.0, 0.0);
    let mut busy = unit("busy", "patrol vehicle", 40.0, Some((10.0, 0.0)), 5);
    busy.status_available = false;
    busy.status_label = "dispatched".into();
    let mut no_time = unit("no-time", "patrol vehicle", 40.0, Some((10.0, 0.0)), 0);
    no_time.fix_time = None;
    let mut future = unit("future", "patrol vehicle", 40.0, Some((10.0, 0.0)), 0);
    future.fix_time = Some(t(1000 + 300));
    let mut bad = unit("bad-pos", "patrol vehicle", 40.0, None, 0);
    bad.position = Some((f64::NAN, 1.0));
    let units = vec![
        unit("car", "patrol vehicle", 40.0, Some((0.0, 1200.0)), 15),
        unit("foot", "foot patrol", 5.0, Some((400.0, 0.0)), 10),
        unit("foot2", "foot patrol", 5.0, Some((800.0, 0.0)), 10),
        unit("stale", "patrol vehicle", 40.0, Some((50.0, 0.0)), 300),
        busy,
        unit("nofix", "foot patrol", 5.0, None, 0),
        no_time,
        future,
        bad,
        unit("stopped", "dog team", 0.0, Some((5.0, 0.0)), 1),
        unit("car", "patrol vehicle", 40.0, Some((0.0, 10.0)), 1),
    ];
    let opts = RecommendOptions {
        max_picks: Some(2),
        ..Default::default()
    };
    let r = recommend(incident, &units, t(1000), &opts).unwrap();
    let car = r.picks[0].reason_text.as_ref().unwrap();
    assert_eq!(car.code, codes::PICK_ETA);
    assert_eq!(car.param("distance_m"), Some("1200"));
    assert_eq!(car.param("unit_kind"), Some("patrol_vehicle"));
    assert_eq!(car.param("speed_kmh"), Some("40"));
    assert_eq!(car.param("fix_age_s"), Some("15"));
    assert_eq!(car.param("eta_s"), Some("140"));
    let code = |id: &str| {
        r.excluded
            .iter()
            .find(|e| e.unit_id == id)
            .and_then(|e| e.reason_text.clone())
            .unwrap()
    };
    assert_eq!(code("stale").code, codes::EXCLUDE_STALE);
    assert_eq!(code("stale").param("fix_age_s"), Some("300"));
    assert_eq!(code("stale").param("limit_s"), Some("120"));
    assert_eq!(code("busy").code, codes::EXCLUDE_UNAVAILABLE);
    assert_eq!(code("busy").param("status"), Some("dispatched"));
    assert_eq!(code("nofix").code, codes::EXCLUDE_NO_FIX);
    assert_eq!(code("no-time").code, codes::EXCLUDE_FIX_NO_TIME);
    assert_eq!(code("future").code, codes::EXCLUDE_FUTURE);
    assert_eq!(code("future").param("ahead_s"), Some("300"));
    assert_eq!(code("bad-pos").code, codes::EXCLUDE_INVALID_FIX);
    assert_eq!(code("stopped").code, codes::EXCLUDE_NO_SPEED);
    assert_eq!(code("foot2").code, codes::EXCLUDE_NOT_FASTEST);
    assert_eq!(code("foot2").param("max"), Some("2"));
    assert!(
        r.excluded.iter().any(|e| e.unit_id == "car"
            && e.reason_text.as_ref().unwrap().code == codes::EXCLUDE_DUPLICATE)
    );
    for t in r
        .picks
        .iter()
        .filter_map(|p| p.reason_text.as_ref())
        .chain(r.excluded.iter().filter_map(|e| e.reason_text.as_ref()))
    {
        assert!(codes::ALL.contains(&t.code.as_str()), "{}", t.code);
        for k in t.params.keys() {
            assert!(
                codes::params(&t.code).contains(&k.as_str()),
                "{} {k}",
                t.code
            );
        }
    }
    // A pick written before the codes existed reads back without one.
    let old: guomen_geo::Pick = serde_json::from_value(serde_json::json!({
        "unit_id": "u1", "eta_s": 10.0, "distance_m": 5.0, "fix_age_s": 1.0, "reason": "x"
    }))
    .unwrap();
    assert_eq!(old.reason_text, None);
}
