use std::collections::BTreeMap;

use chrono::NaiveDate;

use crate::field::{self, SENSOR_REACH_M, Step};
use crate::plan::{DAY_S, DayPlan, Expect, PlanConfig, day_plan};

fn date() -> NaiveDate {
    NaiveDate::from_ymd_opt(2025, 7, 15).unwrap()
}

fn plan(seed: u64, peak: bool) -> DayPlan {
    day_plan(
        &guomen_port::erenhot(),
        PlanConfig {
            seed,
            peak,
            date: date(),
        },
    )
}

fn fingerprint(p: &DayPlan) -> Vec<String> {
    p.travellers
        .iter()
        .map(|t| format!("{} {} {} {}", t.at_s, t.lane_id, t.mrz[0], t.mrz[1]))
        .chain(
            p.scenarios
                .iter()
                .map(|s| format!("{} {:?}", s.at_s, s.steps)),
        )
        .chain([p.watchlist.csv()])
        .collect()
}

#[test]
fn the_same_seed_gives_the_same_day_and_another_seed_another() {
    let a = plan(7, false);
    let b = plan(7, false);
    let c = plan(8, false);
    assert_eq!(fingerprint(&a), fingerprint(&b));
    assert_ne!(fingerprint(&a), fingerprint(&c));
}

#[test]
fn daily_totals_and_nationality_mix_are_within_tolerance() {
    for seed in [1, 2, 3] {
        let p = plan(seed, false);
        let n = p.travellers.len() as f64;
        assert!(
            (6_300.0..=7_100.0).contains(&n),
            "seed {seed}: {n} crossings"
        );
        let mut by: BTreeMap<&str, usize> = BTreeMap::new();
        for t in &p.travellers {
            *by.entry(t.passport.nationality).or_default() += 1;
        }
        let share = |c: &str| by.get(c).copied().unwrap_or(0) as f64 / n;
        let mut top: Vec<(&str, usize)> = by.iter().map(|(k, v)| (*k, *v)).collect();
        top.sort_by_key(|x| std::cmp::Reverse(x.1));
        let first3: Vec<&str> = top.iter().take(3).map(|x| x.0).collect();
        assert_eq!(first3, ["MNG", "CHN", "RUS"], "seed {seed}");
        assert!((0.40..0.56).contains(&share("MNG")), "MNG {}", share("MNG"));
        assert!((0.30..0.44).contains(&share("CHN")), "CHN {}", share("CHN"));
        assert!((0.05..0.12).contains(&share("RUS")), "RUS {}", share("RUS"));
        assert!(by.len() >= 70, "only {} nationalities in a day", by.len());
        // Hourly profile: the 10:00 hour is far busier than the 03:00 hour.
        let hour = |h: u32| {
            p.travellers
                .iter()
                .filter(|t| DayPlan::local_hour(t.at_s) == h)
                .count()
        };
        assert!(
            hour(10) > 10 * hour(3).max(1),
            "10h {} vs 3h {}",
            hour(10),
            hour(3)
        );
        assert!(p.travellers.iter().all(|t| t.at_s < DAY_S));
    }
    let peak = plan(1, true);
    assert!(peak.travellers.len() >= 10_000, "{}", peak.travellers.len());
}

#[test]
fn every_generated_mrz_is_valid_and_reads_back_its_fields() {
    let p = plan(11, false);
    let mut expired = 0;
    for t in &p.travellers {
        let text = t.mrz.join("\n");
        let m = guomen_mrz::parse(&text, date()).unwrap_or_else(|e| panic!("{text}: {e:?}"));
        assert!(m.check_digits_ok(), "{text}: {:?}", m.errors);
        let exp = m.is_expired(date());
        if t.expect == Expect::Expired {
            expired += 1;
            assert_eq!(exp, Some(true), "{text}");
        } else {
            assert!(m.valid(), "{text}: {:?}", m.errors);
            assert_eq!(exp, Some(false), "{text}");
        }
        assert!(t.mrz.iter().all(|l| l.len() == 44));
    }
    assert_eq!(expired, 3);
}

#[test]
fn lanes_come_from_the_port_and_egates_admit_their_travellers() {
    let port = guomen_port::erenhot();
    let p = plan(5, false);
    let mut gate = 0;
    for t in &p.travellers {
        let lane = port.lane(&t.lane_id).expect("a lane of the port");
        assert_eq!(lane.site, t.site_id);
        if lane.kind == guomen_port::LaneKind::Egate {
            gate += 1;
            assert!(
                lane.rules
                    .nationalities
                    .iter()
                    .any(|n| n == t.passport.nationality)
            );
            assert!(!lane.rules.requires_enrolment || t.enrolled);
        }
    }
    let share = f64::from(gate) / p.travellers.len() as f64;
    assert!((0.15..0.45).contains(&share), "e-gate share {share}");
    // Tour groups arrive together through the tour-group channel.
    for g in &p.groups {
        let members: Vec<_> = p
            .travellers
            .iter()
            .filter(|t| g.members.contains(&t.id))
            .collect();
        assert!(members.len() >= 15);
        assert!(
            members
                .iter()
                .all(|t| t.lane_id.starts_with("road-tour-group"))
        );
        let span = members.iter().map(|t| t.at_s).max().unwrap()
            - members.iter().map(|t| t.at_s).min().unwrap();
        assert!(span < 1800, "group {} spread over {span} s", g.id);
    }
    let numbers: Vec<&str> = p.trains.iter().map(|t| t.number.as_str()).collect();
    for k in ["K3", "K23", "K686"] {
        assert!(numbers.contains(&k));
    }
    assert!(
        p.trains
            .iter()
            .any(|t| t.kind == crate::plan::TrainKind::ChinaEuropeFreight && t.persons.len() >= 2)
    );
}

#[test]
fn the_watchlist_is_valid_csv_and_names_the_persons_of_interest() {
    let p = plan(3, false);
    for list in crate::watch::LISTS {
        let csv = p.watchlist.csv_for(list);
        let kind: guomen_domain::watchlist::ListKind = list.parse().unwrap();
        let entries = guomen_watchlist::import(
            guomen_watchlist::Format::Csv,
            guomen_watchlist::ImportInput::new(std::io::Cursor::new(csv.into_bytes())),
            kind,
            &mut |_| {},
        )
        .unwrap_or_else(|e| panic!("{list}: {e}"));
        assert_eq!(entries.entries.len(), p.watchlist.count(list), "{list}");
    }
    let hits: Vec<&Expect> = p
        .travellers
        .iter()
        .map(|t| &t.expect)
        .filter(|e| e.is_hit())
        .collect();
    assert_eq!(hits.len(), 6);
    // A refused person returning: same birth date and nationality, other passport and spelling.
    for t in &p.travellers {
        if let Expect::RefusedReturning(id) = &t.expect {
            let e = p.watchlist.entries.iter().find(|e| &e.id == id).unwrap();
            assert_eq!(
                e.birth_date,
                t.passport.birth.format("%Y-%m-%d").to_string()
            );
            assert_eq!(e.nationality, t.passport.nationality);
            assert_ne!(e.document_number, t.passport.number);
            assert!(
                !e.aliases.contains(&t.passport.name.latin()),
                "{} is not a new spelling",
                t.passport.name.latin()
            );
        }
    }
}

#[test]
fn the_marker_814_sensors_lie_in_order_along_the_path_to_the_freight_yard() {
    let port = guomen_port::erenhot();
    let (start, target) = field::marker_814_path(&port).unwrap();
    let frame = field::frame(&port);
    let zones = port.zones_at(geo::Point::new(target.0, target.1));
    assert!(
        zones.iter().any(|z| z.id == "road-freight-yard"),
        "target {target:?} in {zones:?}"
    );
    let seq = field::sensors_along(&port, start, target);
    assert!(seq.len() >= 3, "{seq:?}");
    for w in seq.windows(2) {
        assert!(w[0].along < w[1].along, "{seq:?}");
    }
    assert!(seq.iter().all(|s| s.off_m <= SENSOR_REACH_M));
    let pos = |id: &str| {
        port.sensor_places()
            .find(|p| p.sensor.id == id)
            .map(|p| (p.position.x(), p.position.y()))
            .unwrap()
    };
    let first = pos(&seq[0].sensor_id);
    let last = pos(&seq[seq.len() - 1].sensor_id);
    assert!(frame.distance_m(last, target) < frame.distance_m(first, target));
    // The scenario plays them in that order, after the partner's report.
    let p = plan(9, false);
    let sc = p
        .scenarios
        .iter()
        .find(|s| s.kind == crate::ScenarioKind::Marker814)
        .unwrap();
    assert!(matches!(&sc.steps[0].1, Step::Notify { marker: Some(m), .. } if m == "814"));
    let played: Vec<&str> = sc
        .steps
        .iter()
        .filter_map(|(_, s)| match s {
            Step::Sensor { sensor_id } => Some(sensor_id.as_str()),
            _ => None,
        })
        .collect();
    let expected: Vec<&str> = seq.iter().map(|s| s.sensor_id.as_str()).collect();
    assert_eq!(played, expected);
    assert!(sc.steps.windows(2).all(|w| w[0].0 <= w[1].0));
    assert_eq!(sc.disposition, "intercepted");
}

#[test]
fn patrols_stay_near_their_posts_and_the_link_failure_silences_only_the_primary() {
    let port = guomen_port::erenhot();
    let p = plan(4, false);
    let frame = field::frame(&port);
    assert_eq!(p.patrols.len(), port.units.len());
    for pa in &p.patrols {
        let post = port
            .duty_point_positions()
            .find(|(d, _)| d.id == port.unit(&pa.unit_id).unwrap().duty_point)
            .map(|(_, pt)| (pt.x(), pt.y()))
            .unwrap();
        for t in (0..7200).step_by(97) {
            let f = pa.route.fix_at(&frame, f64::from(t));
            assert!(
                frame.distance_m((f.lon, f.lat), post) < 2_500.0,
                "{} strays",
                pa.unit_id
            );
        }
    }
    let link = p
        .scenarios
        .iter()
        .find(|s| s.kind == crate::ScenarioKind::LinkFailure)
        .unwrap();
    let Step::LinkDown { link_id } = &link.steps[0].1 else {
        panic!()
    };
    assert!(link_id.ends_with("-primary"));
    assert!(!p.link_silent(link_id, link.at_s - 1));
    assert!(p.link_silent(link_id, link.at_s + 60));
    assert!(!p.link_silent(link_id, link.at_s + link.steps[1].0 + 1));
    let backup = link_id.replace("-primary", "-backup");
    assert!(!p.link_silent(&backup, link.at_s + 60));
    // The first nuisance trigger, the 814 scenario and the medical emergency fall in the first
    // two hours, so a short demo shows them.
    for k in [
        crate::ScenarioKind::Marker814,
        crate::ScenarioKind::Medical,
        crate::ScenarioKind::Nuisance,
    ] {
        assert!(
            p.scenarios.iter().any(|s| s.kind == k && s.at_s < 7200),
            "{k:?}"
        );
    }
}
