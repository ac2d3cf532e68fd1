//! Tests of the built-in sample and of the model's accessors.

use super::*;

fn sample() -> Port {
    match load_str(
        ERENHOT_TOML,
        "port.toml",
        ERENHOT_GEOJSON,
        "geometry.geojson",
    ) {
        Ok(p) => p,
        Err(errors) => {
            let listed: Vec<String> = errors.iter().map(ToString::to_string).collect();
            panic!("erenhot does not validate:\n{}", listed.join("\n"))
        }
    }
}

#[test]
fn erenhot_validates() {
    let port = sample();
    assert!(validate(&port).is_empty());
    assert_eq!(erenhot().info.id, "erenhot");
}

#[test]
fn erenhot_matches_the_station_figures() {
    let s = sample().summary();
    // The seed: a 3.2 km border line and a 2.58 km² restricted port area (±2 %).
    assert!(
        (s.border_line_m - 3200.0).abs() <= 0.02 * 3200.0,
        "border line {} m",
        s.border_line_m
    );
    assert!(
        (s.restricted_area_km2 - 2.58).abs() <= 0.02 * 2.58,
        "restricted area {} km²",
        s.restricted_area_km2
    );
    // And rounded as `guomen port check` prints them.
    assert_eq!(format!("{:.2}", s.border_line_m / 1000.0), "3.20");
    assert_eq!(format!("{:.2}", s.restricted_area_km2), "2.58");
    assert_eq!(s.sites, 6);
    assert_eq!(s.duty_points, 8);
    assert_eq!(s.egates, 16);
    assert!(s.manual_counters >= 8, "{s:?}");
    assert!(s.sensors >= 20, "{s:?}");
}

#[test]
fn erenhot_has_every_site_kind_and_channel() {
    let port = sample();
    for kind in SiteKind::ALL {
        assert!(port.sites.iter().any(|s| s.kind == *kind), "no {kind} site");
    }
    let wanted = [
        Channel::Students,
        Channel::CitizensHolidayReturn,
        Channel::TourGroup,
        Channel::CrossBorderRescue,
        Channel::GreenChannelPerishables,
        Channel::ChinaEuropeFreight,
    ];
    for channel in wanted {
        assert!(
            port.lanes.iter().any(|l| l.channel == Some(channel)),
            "no {channel} channel"
        );
    }
    let site_kind = |lane: &Lane| port.site(&lane.site).map(|s| s.kind);
    let green = port
        .lanes
        .iter()
        .find(|l| l.channel == Some(Channel::GreenChannelPerishables));
    assert_eq!(green.and_then(site_kind), Some(SiteKind::RoadFreight));
    let window = port
        .lanes
        .iter()
        .find(|l| l.channel == Some(Channel::ChinaEuropeFreight));
    assert_eq!(window.and_then(site_kind), Some(SiteKind::RailFreight));
    // E-gates are split across both passenger halls and both directions.
    for site in ["rail-passenger", "road-passenger"] {
        for dir in [Direction::Entry, Direction::Exit] {
            assert!(
                port.lanes_of_site(site)
                    .any(|l| l.kind == LaneKind::Egate && l.direction == dir),
                "{site} {dir}"
            );
        }
    }
}

#[test]
fn erenhot_marker_814_sits_on_the_border() {
    let port = sample();
    let m = port.marker_by_number("814").map(|m| m.id.clone());
    assert_eq!(m.as_deref(), Some("marker-814"));
    let numbers: Vec<&str> = port.markers.iter().map(|m| m.number.as_str()).collect();
    for n in ["812", "813", "815", "816"] {
        assert!(numbers.contains(&n));
    }
    for (marker, point) in port.marker_points() {
        let d = port.distance_to_border_m(point).unwrap_or(f64::INFINITY);
        assert!(d < 1.0, "marker {} is {d} m off the line", marker.number);
    }
}

#[test]
fn erenhot_units_links_and_sensors() {
    let port = sample();
    let kinds: Vec<UnitKind> = port.units.iter().map(|u| u.kind).collect();
    assert!(kinds.contains(&UnitKind::RapidResponseTeam));
    let patrols = kinds
        .iter()
        .filter(|k| matches!(k, UnitKind::PatrolVehicle | UnitKind::FootPatrol))
        .count();
    assert!(patrols >= 2);
    for u in &port.units {
        let t = u.terminal_id.as_deref().unwrap_or("");
        assert!(
            t.len() == 12 && t.bytes().all(|b| b.is_ascii_digit()),
            "{}",
            u.id
        );
        assert_eq!(port.unit_by_terminal(t).map(|x| &x.id), Some(&u.id));
    }
    for id in port
        .sites
        .iter()
        .map(|s| &s.id)
        .chain(port.duty_points.iter().map(|d| &d.id))
    {
        let roles: Vec<LinkRole> = port.links_of(id).map(|l| l.role).collect();
        assert!(
            roles.contains(&LinkRole::Primary) && roles.contains(&LinkRole::Backup),
            "{id}"
        );
    }
    let places: Vec<SensorPlace<'_>> = port.sensor_places().collect();
    assert_eq!(places.len(), port.sensors.len());
    let kinds: std::collections::BTreeSet<SensorKind> =
        port.sensors.iter().map(|s| s.kind).collect();
    assert!(kinds.len() >= 4, "mixed sensor kinds");
    for p in &places {
        assert!(
            !port.zones_at(p.position).is_empty(),
            "{} in no zone",
            p.sensor.id
        );
    }
    // A line sensor's position is on its line, halfway.
    let fence = places.iter().find(|p| p.line.is_some());
    assert!(fence.is_some());
}

#[test]
fn erenhot_geography_is_plausible() {
    let port = sample();
    let o = port.info.origin;
    assert!((o.lat - 43.71).abs() < 0.05 && (o.lon - 111.90).abs() < 0.05);
    let line = port.border_line_string().map(|l| l.0).unwrap_or_default();
    let (first, last) = (line.first().copied(), line.last().copied());
    // Runs south-west to north-east.
    assert!(matches!((first, last), (Some(a), Some(b)) if b.x > a.x && b.y > a.y));
    // The border strip ranks above the restricted area where they overlap.
    let strip = port.zone("border-strip").map(|z| z.priority);
    let ra = port.zone("restricted-area").map(|z| z.priority);
    assert!(strip > ra);
    let airport = port
        .site("airport")
        .and_then(|s| port.feature_geojson(&s.feature));
    assert_eq!(
        airport.as_ref().and_then(|g| g["type"].as_str()),
        Some("Polygon")
    );
}

#[test]
fn api_json_has_every_section_with_ids() {
    let port = sample();
    let json = port.to_api_json();
    assert_eq!(json["id"], "erenhot");
    for key in [
        "sites",
        "duty_points",
        "lanes",
        "zones",
        "boundary_markers",
        "sensors",
        "cameras",
        "units",
        "links",
    ] {
        let items = json[key].as_array().map(Vec::as_slice).unwrap_or_default();
        assert!(!items.is_empty(), "{key} empty");
        for item in items {
            assert!(item["id"].is_string(), "{key} item without id: {item}");
        }
    }
    assert_eq!(json["border_line"]["id"], "border");
    assert_eq!(json["border_line"]["geometry"]["type"], "LineString");
    let zone = &json["zones"][0]["geometry"];
    assert_eq!(zone["type"], "Polygon");
    // WGS 84 [lon, lat]: longitude first.
    let lon = zone["coordinates"][0][0][0].as_f64().unwrap_or(0.0);
    assert!((111.0..113.0).contains(&lon));
    assert_eq!(json["sensors"][0]["position"]["type"], "Point");
    assert_eq!(json["summary"]["duty_points"], 8);
}

#[test]
fn summary_prints_the_figures() {
    let text = sample().summary().to_string();
    assert!(text.contains("border line       3.20 km"), "{text}");
    assert!(text.contains("restricted area   2.58 km²"), "{text}");
}

#[test]
fn every_error_is_reported_not_just_the_first() {
    let toml = ERENHOT_TOML
        .replacen("site = \"rail-passenger\"", "site = \"nowhere\"", 1)
        .replacen("number = \"815\"", "number = \"814\"", 1)
        .replacen("terminal_id = \"014790000101\"\n", "", 1)
        .replacen("kind = \"radar\"", "kind = \"sonar\"", 1);
    let errors = load_str(&toml, "p.toml", ERENHOT_GEOJSON, "g.geojson")
        .err()
        .unwrap_or_default();
    let kinds: Vec<ErrorKind> = errors.iter().map(|e| e.kind).collect();
    assert!(kinds.contains(&ErrorKind::UnknownReference), "{errors:?}");
    assert!(
        kinds.contains(&ErrorKind::DuplicateMarkerNumber),
        "{errors:?}"
    );
    assert!(kinds.contains(&ErrorKind::MissingTerminalId), "{errors:?}");
    assert!(kinds.contains(&ErrorKind::Schema), "{errors:?}");
    assert!(errors.iter().all(|e| e.line.is_some()), "{errors:?}");
}

#[test]
fn toml_syntax_error_has_line_and_column() {
    let errors = load_str("[port]\nid = \"x\nname = 1\n", "p.toml", "{}", "g.geojson")
        .err()
        .unwrap_or_default();
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0].kind, ErrorKind::Syntax);
    assert_eq!(errors[0].line, Some(2));
    assert!(errors[0].column.is_some());
}

#[test]
fn area_does_not_depend_on_ring_orientation() {
    let port = sample();
    let mut reversed = port.clone();
    for f in reversed.features.values_mut() {
        if let Some(Geometry::Polygon(rings)) = &mut f.geometry {
            for ring in rings.iter_mut() {
                ring.reverse();
            }
        }
    }
    let (a, b) = (port.summary(), reversed.summary());
    assert!((a.restricted_area_km2 - b.restricted_area_km2).abs() < 1e-9);
    assert!(b.restricted_area_km2 < 3.0);
}

#[test]
fn print_figures() {
    // Shown with `cargo test -p guomen-port --lib print_figures -- --nocapture`.
    let s = sample().summary();
    println!(
        "{s}\nborder_line_m = {:.1}, restricted_area_km2 = {:.4}",
        s.border_line_m, s.restricted_area_km2
    );
}

#[test]
fn api_json_round_trips_through_serde() {
    // The server serialises this value: it must read back as the same JSON, with a site's
    // geometry the same GeoJSON as its zone's.
    let port = sample();
    let text = port.to_api_json().to_string();
    let back: serde_json::Value = serde_json::from_str(&text).unwrap_or_default();
    // (Not compared for equality: serde_json's default float parsing may differ in the last
    // bit.)
    assert_eq!(
        back["sensors"].as_array().map(Vec::len),
        Some(port.sensors.len())
    );
    assert_eq!(back["sites"][0]["geometry"]["type"], "Polygon");
    let hall = back["zones"]
        .as_array()
        .and_then(|zs| zs.iter().find(|z| z["id"] == "rail-passenger-hall"))
        .map(|z| z["geometry"].clone());
    assert_eq!(hall, Some(back["sites"][0]["geometry"].clone()));
}

#[test]
fn anpr_cameras_read_a_road_lane() {
    let port = sample();
    let green = port.anpr_camera("anpr-freight-green").expect("anpr camera");
    assert_eq!(green.site, "road-freight");
    assert_eq!(green.direction, Direction::Exit);
    let entry = port
        .anpr_camera("anpr-passenger-entry")
        .expect("anpr camera");
    assert_eq!(entry.site, "road-passenger");
    // A video camera is no plate reader, an unknown id nothing at all.
    assert!(port.anpr_camera("cam-border-west").is_none());
    assert!(port.anpr_camera("anpr-nowhere").is_none());
    let slots: Vec<(&str, u32)> = port
        .appointment_sites()
        .map(|(s, c)| (s.id.as_str(), c))
        .collect();
    assert_eq!(slots, vec![("road-passenger", 20), ("road-freight", 12)]);
}

#[test]
fn an_anpr_camera_without_a_lane_does_not_load() {
    let (toml, geo) = erenhot_sources();
    let toml = toml.replace(
        "feature = \"anpr-freight-entry\"\nlane = \"road-freight-entry-1\"\n",
        "feature = \"anpr-freight-entry\"\n",
    );
    let errors = load_str(&toml, "port.toml", geo, "geometry.geojson").expect_err("must not load");
    assert!(
        errors.iter().any(|e| e
            .to_string()
            .contains("an anpr camera names the lane it reads")),
        "{errors:?}"
    );
    let toml = erenhot_sources()
        .0
        .replace("slot_capacity = 12", "slot_capacity = -3");
    let errors = load_str(&toml, "port.toml", geo, "geometry.geojson").expect_err("must not load");
    assert!(
        errors
            .iter()
            .any(|e| e.to_string().contains("must not be negative")),
        "{errors:?}"
    );
}

#[test]
fn lane_kinds_give_service_times_and_wait_targets() {
    let port = crate::erenhot();
    let egate = port.lane_flow(LaneKind::Egate);
    assert_eq!((egate.service_s, egate.wait_target_s), (20, 900));
    assert_eq!(port.lane_flow(LaneKind::ManualCounter).wait_target_s, 1800);
}

#[test]
fn holiday_windows_are_read_and_bad_dates_are_named_with_their_line() {
    let port = crate::erenhot();
    let spring = port
        .holiday_windows
        .iter()
        .find(|w| w.name.en == "Spring Festival")
        .expect("the spring festival window");
    assert!(
        spring.covers("2027-02-01") && spring.covers("2027-01-28") && spring.covers("2027-02-14")
    );
    assert!(!spring.covers("2027-02-15") && !spring.covers("2026-12-01"));

    let toml = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/ports/erenhot/port.toml"
    ))
    .unwrap()
    .replace("end = \"2027-02-14\"", "end = \"2027-13-14\"");
    let geo = include_str!("../ports/erenhot/geometry.geojson");
    let err = crate::load_str(&toml, "port.toml", geo, "geometry.geojson").unwrap_err();
    let text = format!("{err:?}");
    assert!(
        text.contains("holiday_window") && text.contains("YYYY-MM-DD"),
        "{text}"
    );
}
