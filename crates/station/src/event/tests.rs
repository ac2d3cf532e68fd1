use guomen_domain::Role;
use serde_json::json;

use super::samples::{sample, samples};
use super::view::Viewer;
use super::*;

#[test]
fn every_kind_has_a_sample_of_its_own_kind() {
    for k in EventKind::ALL {
        assert_eq!(sample(*k).kind(), *k);
    }
    let mut names: Vec<&str> = EventKind::ALL.iter().map(|k| k.as_str()).collect();
    names.sort();
    names.dedup();
    assert_eq!(names.len(), EventKind::ALL.len(), "kind names are unique");
}

#[test]
fn every_event_round_trips_through_its_journal_form() {
    for e in samples() {
        let kind = e.kind().as_str();
        let payload = e.payload();
        assert!(payload.is_object(), "{kind}: payload is a JSON object");
        let back = Event::from_journal(kind, &payload).unwrap_or_else(|err| panic!("{err}"));
        assert_eq!(back, e, "{kind}");
        // And through the tagged form the bus and tools use.
        let tagged = serde_json::to_value(&e).unwrap();
        assert_eq!(tagged["kind"], kind);
        assert_eq!(serde_json::from_value::<Event>(tagged).unwrap(), e);
    }
}

#[test]
fn an_unknown_kind_or_a_bad_payload_is_an_error_not_a_panic() {
    assert!(matches!(
        Event::from_journal("ops.teleported", &json!({})),
        Err(EventError::UnknownKind(_))
    ));
    assert!(matches!(
        Event::from_journal("crossing.recorded", &json!({"crossing_id": 7})),
        Err(EventError::Payload { .. })
    ));
    assert!(Event::from_journal("duty_log.written", &json!(null)).is_err());
}

#[test]
fn todays_payloads_read_back_including_the_old_type_tag() {
    // As the command engine wrote them before the registry: an internal `type` tag.
    let old = json!({"type": "link_changed", "link_id": "l1", "of": "rail-freight",
        "role": "primary", "up": false, "at": "2026-12-05T10:00:00Z",
        "last_heartbeat": null, "group": "degraded"});
    assert!(matches!(
        Event::from_journal("ops.link_changed", &old),
        Ok(Event::LinkChanged(_))
    ));
}

/// Facts journaled before server-made text had codes read back without them (the pages
/// then show the English string); today's facts carry them through the journal.
#[test]
fn facts_without_text_codes_read_back_and_facts_with_them_round_trip() {
    use guomen_domain::Text;
    use guomen_domain::text::codes;
    for kind in [
        EventKind::IncidentCreated,
        EventKind::IncidentUpdated,
        EventKind::AlarmNuisance,
        EventKind::AlarmRaised,
        EventKind::Downlink,
    ] {
        let old = sample(kind).payload();
        for k in [
            "title_text",
            "priority_reason_text",
            "reason_text",
            "nuisance_text",
        ] {
            assert!(old.get(k).is_none(), "{kind}: the sample is an old payload");
        }
        assert!(Event::from_journal(kind.as_str(), &old).is_ok(), "{kind}");
    }
    let Event::IncidentCreated(mut c) = sample(EventKind::IncidentCreated) else {
        unreachable!()
    };
    c.title_text = Some(
        Text::new(codes::TITLE_PARTNER)
            .with("agency", "military border unit")
            .with("text", "two minors near marker 814"),
    );
    c.priority_reason_text = Some(Text::new(codes::PRIORITY_IN_ZONE).with("zone", "marker-814"));
    let e = Event::IncidentCreated(c);
    let payload = e.payload();
    assert_eq!(payload["title_text"]["code"], codes::TITLE_PARTNER);
    assert_eq!(
        payload["priority_reason_text"]["params"]["zone"],
        "marker-814"
    );
    assert_eq!(
        Event::from_journal("ops.incident_created", &payload).unwrap(),
        e
    );
}

#[test]
fn only_live_kinds_skip_the_journal() {
    for e in samples() {
        let live_only = matches!(
            e.kind(),
            EventKind::AlarmRepeated | EventKind::LinkHeartbeat
        );
        assert_eq!(e.journaled(), !live_only, "{}", e.kind());
    }
    let Event::UnitPosition(mut p) = sample(EventKind::UnitPosition) else {
        unreachable!()
    };
    p.journaled = false;
    assert!(!Event::UnitPosition(p).journaled());
}

#[test]
fn every_limited_cell_has_a_view_own_agency_is_for_incidents_and_own_organisation_for_trains() {
    for e in samples() {
        let r = rule(e.kind());
        for a in Audience::ALL {
            match r.sight(a) {
                Sight::Limited => assert!(
                    e.view(&Viewer::of(a), &|_| true).is_some(),
                    "{} has no limited view for {a:?}",
                    e.kind()
                ),
                Sight::OwnAgency => assert!(
                    e.incident_id().is_some(),
                    "{}: own-agency sight on a kind that names no incident",
                    e.kind()
                ),
                Sight::OwnOrganisation => {
                    assert_eq!(a, Audience::Carrier, "{}", e.kind());
                    let of = |org: &str| Viewer {
                        audience: Audience::Carrier,
                        agency: None,
                        organisation: Some(org.into()),
                        actor: None,
                    };
                    let mine = e.train_carrier().expect("a train fact names its carrier");
                    let seen = e
                        .view(&of(mine), &|_| true)
                        .unwrap_or_else(|| panic!("{}: the carrier sees nothing", e.kind()));
                    assert!(seen.get("hits").is_none(), "{}: {seen}", e.kind());
                    assert!(e.view(&of("another railway"), &|_| true).is_none());
                    assert!(e.view(&Viewer::of(Audience::Carrier), &|_| true).is_none());
                }
                _ => {}
            }
        }
    }
}

#[test]
fn the_centre_receives_every_kind_and_devices_none() {
    for k in EventKind::ALL {
        assert_ne!(rule(*k).sight(Audience::Centre), Sight::No, "{k}");
        assert_eq!(rule(*k).sight(Audience::Device), Sight::No, "{k}");
    }
}

fn partner(agency: &str) -> Viewer {
    Viewer {
        audience: Audience::Partner,
        agency: Some(agency.into()),
        organisation: None,
        actor: Some("user:bao".into()),
    }
}

#[test]
fn a_partner_never_sees_crossings_inspections_positions_the_duty_log_or_hits() {
    for k in [
        EventKind::CrossingRecorded,
        EventKind::InspectionCreated,
        EventKind::UnitPosition,
        EventKind::DutyLogWritten,
        EventKind::WatchlistHit,
        EventKind::AlarmRaised,
        EventKind::UserCreated,
        EventKind::LoginFailed,
    ] {
        assert_eq!(sample(k).view(&partner("customs"), &|_| true), None, "{k}");
    }
    // Only incident kinds at all.
    for k in kinds_seen_by(Audience::Partner) {
        assert!(sample(k).incident_id().is_some(), "{k}");
    }
}

#[test]
fn a_partner_sees_its_own_agencys_incidents_in_the_partner_view() {
    let e = sample(EventKind::IncidentCreated);
    let mine = e
        .view(&partner("Military Border Unit"), &|_| false)
        .expect("its agency's report");
    assert_eq!(mine["id"], "n1");
    assert!(mine.get("recommendations").is_none(), "no station units");
    assert!(mine.get("track").is_none());
    let other = Viewer {
        actor: Some("user:someone".into()),
        ..partner("customs")
    };
    assert_eq!(e.view(&other, &|_| true), None, "another agency's report");
    // A hit's incident never, even when raised by the viewer's own name.
    let Event::IncidentCreated(mut c) = e else {
        unreachable!()
    };
    c.kind = guomen_domain::incident::IncidentKind::WatchlistHit;
    c.source = guomen_domain::incident::IncidentSource::Alarm;
    assert_eq!(
        Event::IncidentCreated(c).view(&partner("military border unit"), &|_| true),
        None
    );
    // Later facts follow the station's answer about the incident.
    let t = sample(EventKind::IncidentTransition);
    let fact = t.view(&partner("customs"), &|id| id == "n1").unwrap();
    assert_eq!(fact["what"], "resolve");
    assert!(fact.get("actor").is_none());
    assert_eq!(t.view(&partner("customs"), &|_| false), None);
}

#[test]
fn an_analysts_crossing_names_no_inspector() {
    let v = sample(EventKind::CrossingRecorded)
        .view(&Viewer::of(Audience::Analyst), &|_| true)
        .unwrap();
    assert_eq!(v["decided_by"], "inspector");
    assert_eq!(v["nationality"], "MNG");
    assert!(!v.to_string().contains("wang"));
    let full = sample(EventKind::CrossingRecorded)
        .view(&Viewer::of(Audience::DutyChief), &|_| true)
        .unwrap();
    assert_eq!(full["decided_by"], "user:wang");
}

#[test]
fn an_analysts_new_incident_has_no_report_text() {
    let v = sample(EventKind::IncidentCreated)
        .view(&Viewer::of(Audience::Analyst), &|_| true)
        .unwrap();
    assert!(v.get("details").is_none() && v.get("title").is_none());
    assert_eq!(v["kind"], "illegal_crossing_attempt");
}

#[test]
fn credentials_reach_the_administrator_only() {
    for k in [
        EventKind::UserCreated,
        EventKind::TokenIssued,
        EventKind::LoginFailed,
    ] {
        for r in Role::ALL {
            let seen = sample(k).view(&Viewer::of(r.into()), &|_| true).is_some();
            assert_eq!(seen, r == Role::Admin, "{k} for {r}");
        }
    }
}

#[test]
fn replay_kinds_come_from_the_table() {
    let ops = kinds_replayed_by(&[Replay::Ops, Replay::OpsIncident]);
    assert!(ops.contains(&"ops.incident_created"));
    assert!(ops.contains(&"clearance.watchlist_hit"));
    // Live-only kinds are never in the journal to replay.
    assert!(!ops.contains(&"ops.alarm_repeated"));
    assert!(!ops.contains(&"ops.link_heartbeat"));
}

#[test]
fn the_documented_table_is_the_registrys() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/event-kinds.md");
    let want = audience_table_markdown();
    if std::env::var_os("GUOMEN_UPDATE_DOCS").is_some() {
        std::fs::write(path, &want).unwrap();
    }
    let have = std::fs::read_to_string(path).unwrap_or_default();
    assert!(
        have == want,
        "docs/event-kinds.md is out of date: GUOMEN_UPDATE_DOCS=1 cargo test -p guomen-station --lib"
    );
}
