mod common;

use common::*;
use guomen_geo::geo::{Contains, LineString, Point, Polygon};
use guomen_geo::{BorderSide, CountrySide, GeoError, Marker, ZoneKind, ZoneSet};

fn ids(zs: &ZoneSet, x: f64, y: f64) -> Vec<String> {
    let (lon, lat) = ll(x, y);
    zs.zones_at(lon, lat)
        .unwrap()
        .into_iter()
        .map(|z| z.id.clone())
        .collect()
}

#[test]
fn point_in_zone_with_holes_and_priority_order() {
    let zs = port();
    let cases: &[((f64, f64), &[&str])] = &[
        ((100.0, 100.0), &["restricted"]),
        ((500.0, 500.0), &["hall"]),
        ((900.0, 900.0), &["restricted", "yard"]),
        ((1100.0, 1100.0), &["yard"]),
        ((0.0, 1950.0), &["strip"]),
        ((-700.0, 200.0), &["freight"]),
        ((-2000.0, -2000.0), &[]),
        ((1500.0, 500.0), &[]),
    ];
    for ((x, y), want) in cases {
        assert_eq!(ids(&zs, *x, *y), *want, "at ({x}, {y})");
    }
}

#[test]
fn border_distance_side_and_country() {
    let zs = port();
    for ((x, y), dist, side) in [
        ((0.0, 1000.0), 1000.0, BorderSide::Right),
        ((100.0, 2300.0), 300.0, BorderSide::Left),
        ((0.0, 2000.0), 0.0, BorderSide::On),
        ((2500.0, 1999.0), 1.0, BorderSide::Right),
    ] {
        let (lon, lat) = ll(x, y);
        let d = zs.distance_to_border_m(lon, lat).unwrap().unwrap();
        assert!((d - dist).abs() < 0.01, "({x},{y}): {d}");
        assert_eq!(
            zs.side_of_border(lon, lat).unwrap(),
            Some(side),
            "({x},{y})"
        );
    }
    let (lon, lat) = ll(0.0, 2500.0);
    assert_eq!(
        zs.country_side(lon, lat, BorderSide::Right).unwrap(),
        Some(CountrySide::Foreign)
    );
    let (lon, lat) = ll(0.0, 500.0);
    assert_eq!(
        zs.country_side(lon, lat, BorderSide::Right).unwrap(),
        Some(CountrySide::Home)
    );
}

#[test]
fn side_is_right_behind_sharp_bends() {
    // A line bending sharply left at the origin: the wedge behind the bend is on the right,
    // though the first segment alone would say left; between the two arms is left.
    let a = 150f64.to_radians();
    let border = LineString::from(vec![
        ll(-1000.0, 0.0),
        ll(0.0, 0.0),
        ll(1000.0 * a.cos(), 1000.0 * a.sin()),
    ]);
    let zs = ZoneSet::with_projection(proj(), vec![], Some(border), vec![]).unwrap();
    for ((x, y), want) in [
        ((100.0, 100.0), BorderSide::Right),
        ((100.0, -100.0), BorderSide::Right),
        ((-500.0, 100.0), BorderSide::Left),
        ((-500.0, -100.0), BorderSide::Right),
        ((-800.0, 300.0), BorderSide::Left),
        ((-800.0, 600.0), BorderSide::Right),
    ] {
        let (lon, lat) = ll(x, y);
        assert_eq!(
            zs.side_of_border(lon, lat).unwrap(),
            Some(want),
            "({x},{y})"
        );
    }
}

#[test]
fn nearest_marker_and_lookup() {
    let zs = port();
    let (lon, lat) = ll(30.0, 1600.0);
    let (m, d) = zs.nearest_marker(lon, lat).unwrap().unwrap();
    assert_eq!(m.number, "814");
    assert!((d - 30f64.hypot(400.0)).abs() < 0.05, "{d}");
    let (lon, lat) = ll(1300.0, 2100.0);
    assert_eq!(
        zs.nearest_marker(lon, lat).unwrap().unwrap().0.number,
        "817"
    );
    assert_eq!(zs.marker_by_number("820").unwrap().id, "m820");
    assert!(zs.marker_by_number("999").is_none());
}

#[test]
fn empty_set_answers_nothing() {
    let zs = ZoneSet::new(vec![], None, vec![]).unwrap();
    assert!(zs.zones_at(1.0, 1.0).unwrap().is_empty());
    assert_eq!(zs.distance_to_border_m(1.0, 1.0).unwrap(), None);
    assert_eq!(zs.side_of_border(1.0, 1.0).unwrap(), None);
    assert!(zs.nearest_marker(1.0, 1.0).unwrap().is_none());
}

#[test]
fn new_centres_the_projection_on_the_data() {
    let zs = ZoneSet::new(
        vec![zone(
            "a",
            ZoneKind::Hall,
            rect(-100.0, -100.0, 100.0, 100.0),
            1,
        )],
        None,
        vec![],
    )
    .unwrap();
    let (lon, lat) = zs.projection().origin();
    assert!((lon - ORIGIN.0).abs() < 1e-9 && (lat - ORIGIN.1).abs() < 1e-9);
    assert_eq!(zs.zones_at(ORIGIN.0, ORIGIN.1).unwrap().len(), 1);
}

/// Zones, border, markers, and what the error must mention.
type Case = (
    Vec<guomen_geo::ZoneDef>,
    Option<LineString<f64>>,
    Vec<Marker>,
    &'static str,
);

#[test]
fn invalid_definitions_are_named() {
    let ok = || zone("a", ZoneKind::Hall, rect(0.0, 0.0, 10.0, 10.0), 1);
    let cases: Vec<Case> = vec![
        (vec![ok(), ok()], None, vec![], "duplicate zone id `a`"),
        (
            vec![zone(" ", ZoneKind::Hall, rect(0.0, 0.0, 1.0, 1.0), 1)],
            None,
            vec![],
            "empty id",
        ),
        (
            vec![zone(
                "b",
                ZoneKind::Hall,
                Polygon::new(ring(&[(0.0, 0.0), (1.0, 1.0)]), vec![]),
                1,
            )],
            None,
            vec![],
            "at least three",
        ),
        (
            vec![zone(
                "c",
                ZoneKind::Hall,
                Polygon::new(ring(&[(0.0, 0.0), (1.0, 1.0), (2.0, 2.0)]), vec![]),
                1,
            )],
            None,
            vec![],
            "encloses no area",
        ),
        (
            vec![zone(
                "d",
                ZoneKind::Hall,
                Polygon::new(
                    LineString::from(vec![(0.0, 0.0), (f64::NAN, 1.0), (1.0, 0.0)]),
                    vec![],
                ),
                1,
            )],
            None,
            vec![],
            "invalid zone `d`",
        ),
        (
            vec![ok()],
            Some(LineString::from(vec![(1.0, 1.0), (1.0, 1.0)])),
            vec![],
            "two distinct points",
        ),
        (
            vec![ok()],
            Some(LineString::from(vec![(1.0, 1.0), (1.0, f64::INFINITY)])),
            vec![],
            "border",
        ),
        (
            vec![ok()],
            None,
            vec![Marker {
                id: "m".into(),
                number: "1".into(),
                point: Point::new(500.0, 1.0),
            }],
            "marker `m`",
        ),
    ];
    for (zones, border, markers, want) in cases {
        let err = ZoneSet::with_projection(proj(), zones, border, markers).unwrap_err();
        assert!(
            err.to_string().contains(want),
            "{err} should mention {want}"
        );
    }
    assert!(matches!(
        ZoneSet::new(vec![ok(), ok()], None, vec![]),
        Err(GeoError::DuplicateZone(_))
    ));
}

/// 100 random zones, 5,000 random points: the indexed classifier agrees with `geo`'s
/// `Contains` on the same polygons projected to metres (points within 1 mm of a boundary are
/// skipped because the two may legitimately differ there).
#[test]
fn agrees_with_geo_contains_on_100_zones() {
    let zones = random_zones(100, 7);
    let p = proj();
    let metric: Vec<Polygon<f64>> = zones
        .iter()
        .map(|z| {
            let pts: Vec<(f64, f64)> = z
                .polygon
                .exterior()
                .coords()
                .map(|c| p.to_local(c.x, c.y).unwrap())
                .collect();
            Polygon::new(LineString::from(pts), vec![])
        })
        .collect();
    let zs = ZoneSet::with_projection(p, zones, None, vec![]).unwrap();
    let mut r = Lcg(99);
    let mut hits = 0;
    let mut buf = Vec::new();
    for _ in 0..5_000 {
        let (x, y) = (r.range(-6000.0, 6000.0), r.range(-6000.0, 6000.0));
        let pt = Point::new(x, y);
        let near_edge = metric.iter().any(|m| {
            use guomen_geo::geo::{Distance, Euclidean};
            Euclidean.distance(&pt, m.exterior()) < 1e-3
        });
        if near_edge {
            continue;
        }
        let mut want: Vec<usize> = (0..metric.len())
            .filter(|&i| metric[i].contains(&pt))
            .collect();
        want.sort_by_key(|&i| (zs.zone(i).unwrap().priority, i));
        zs.zone_indices_at_local(x, y, &mut buf);
        assert_eq!(buf, want, "at ({x}, {y})");
        hits += buf.len();
    }
    assert!(hits > 250, "test points should hit zones often: {hits}");
}
