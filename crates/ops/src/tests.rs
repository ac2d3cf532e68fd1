use chrono::{DateTime, Duration, TimeZone, Utc};
use guomen_domain::incident::{Action, IncidentKind, IncidentSource, IncidentStatus, Priority};
use guomen_domain::unit::{UnitEvent, UnitStatus};
use serde_json::json;

use crate::*;

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2024, 5, 1, 8, 0, 0).unwrap()
}

fn at(s: i64) -> DateTime<Utc> {
    t0() + Duration::seconds(s)
}

/// An engine plus every fact it produced, applied in order (what the server does).
struct Rig {
    engine: Engine,
    log: Vec<OpsEvent>,
}

/// The fact after the journal's JSON round trip of its payload.
fn json_round_trip(e: &OpsEvent) -> OpsEvent {
    fn rt<T: serde::Serialize + serde::de::DeserializeOwned>(v: &T) -> T {
        serde_json::from_value(serde_json::to_value(v).unwrap()).unwrap()
    }
    match e {
        OpsEvent::AlarmRaised(p) => OpsEvent::AlarmRaised(rt(p)),
        OpsEvent::AlarmRepeated(p) => OpsEvent::AlarmRepeated(rt(p)),
        OpsEvent::AlarmNuisance(p) => OpsEvent::AlarmNuisance(rt(p)),
        OpsEvent::IncidentCreated(p) => OpsEvent::IncidentCreated(rt(p)),
        OpsEvent::IncidentUpdated(p) => OpsEvent::IncidentUpdated(rt(p)),
        OpsEvent::IncidentTransition(p) => OpsEvent::IncidentTransition(rt(p)),
        OpsEvent::TrackExpired(p) => OpsEvent::TrackExpired(rt(p)),
        OpsEvent::UnitPosition(p) => OpsEvent::UnitPosition(rt(p)),
        OpsEvent::UnitStatus(p) => OpsEvent::UnitStatus(rt(p)),
        OpsEvent::TerminalPresence(p) => OpsEvent::TerminalPresence(rt(p)),
        OpsEvent::Downlink(p) => OpsEvent::Downlink(rt(p)),
        OpsEvent::LinkHeartbeat(p) => OpsEvent::LinkHeartbeat(rt(p)),
        OpsEvent::LinkChanged(p) => OpsEvent::LinkChanged(rt(p)),
    }
}

impl Rig {
    fn new() -> Rig {
        Rig {
            engine: Engine::new(&guomen_port::erenhot(), OpsConfig::default()).unwrap(),
            log: Vec::new(),
        }
    }

    fn commit(&mut self, events: Vec<OpsEvent>) -> Vec<OpsEvent> {
        for e in &events {
            // Every fact survives the journal's JSON round trip.
            let back = json_round_trip(e);
            assert_eq!(&back, e);
            self.engine.apply(e);
            self.log.push(e.clone());
        }
        events
    }

    fn sensor(&mut self, id: &str, s: i64) -> Result<SensorOutcome, OpsError> {
        let out = self.engine.sensor_event(
            SensorInput {
                sensor_id: id.into(),
                kind: "intrusion".into(),
                time: Some(at(s)),
                confidence: Some(0.9),
                actor: "device:test".into(),
                via: "http".into(),
            },
            at(s),
        )?;
        self.commit(out.events.clone());
        Ok(out)
    }

    fn fix(&mut self, terminal: &str, lon: f64, lat: f64, s: i64) -> Result<(), OpsError> {
        let ev = self.engine.position(
            PositionInput {
                terminal_id: terminal.into(),
                lon,
                lat,
                time: at(s),
                speed_kmh: Some(20.0),
                course: Some(90.0),
                via: "jt808".into(),
            },
            at(s),
        )?;
        self.commit(ev);
        Ok(())
    }

    fn act(&mut self, id: &str, action: Action, s: i64) -> Result<Vec<OpsEvent>, OpsError> {
        let ev = self
            .engine
            .incident_action(id, action, "user:chief", at(s))?;
        Ok(self.commit(ev))
    }

    fn tick(&mut self, s: i64) -> Vec<OpsEvent> {
        let ev = self.engine.tick(at(s));
        self.commit(ev)
    }

    fn only_incident(&self) -> &IncidentState {
        let all: Vec<_> = self.engine.incidents().collect();
        assert_eq!(all.len(), 1, "{all:#?}");
        all[0]
    }
}

const RRT1: &str = "014790000101";
const PV1: &str = "014790000201";

#[test]
fn a_sensor_event_opens_an_incident_with_zone_priority_and_recommendations() {
    let mut r = Rig::new();
    r.fix(RRT1, 111.8990, 43.7080, 0).unwrap();
    r.fix(PV1, 111.8900, 43.7020, 0).unwrap();
    let out = r.sensor("s-fence-04", 10).unwrap();
    assert!(!out.duplicate);
    let st = r.only_incident();
    assert_eq!(st.incident.kind, IncidentKind::Intrusion);
    assert_eq!(st.incident.status, IncidentStatus::New);
    assert_eq!(st.incident.zone.as_deref(), Some("border-strip"));
    assert_eq!(st.incident.priority, Priority::P2);
    assert!(
        st.priority_reason.contains("Border strip"),
        "{}",
        st.priority_reason
    );
    assert_eq!(st.recommendations.len(), 2, "{:?}", st.excluded);
    assert_eq!(
        st.recommendations[0].unit_id, "rrt-1",
        "the nearer, faster unit first"
    );
    assert!(st.recommendations[0].eta_s < st.recommendations[1].eta_s);
    // Units without a fix are excluded, each with its reason.
    assert!(
        st.excluded
            .iter()
            .any(|x| x.unit_id == "rrt-2" && x.reason.contains("no position fix"))
    );
}

#[test]
fn rising_edge_dedup_out_of_order_skew_and_unknown_sensors() {
    let mut r = Rig::new();
    let first = r.sensor("s-fence-01", 0).unwrap();
    let again = r.sensor("s-fence-01", 5).unwrap();
    assert!(again.duplicate);
    assert_eq!(again.alarm_id, first.alarm_id);
    assert!(matches!(again.events[..], [OpsEvent::AlarmRepeated(crate::event::AlarmRepeated { .. })]));
    assert!(!again.events[0].journaled());
    // Each re-trigger extends the window: 5 + 9 is still the same alarm.
    assert!(r.sensor("s-fence-01", 14).unwrap().duplicate);
    let later = r.sensor("s-fence-01", 40).unwrap();
    assert!(!later.duplicate);
    assert_ne!(later.alarm_id, first.alarm_id);
    assert!(matches!(
        r.sensor("s-fence-01", 20),
        Err(OpsError::OutOfOrder { .. })
    ));
    assert!(matches!(
        r.sensor("s-nope", 50),
        Err(OpsError::UnknownSensor(_))
    ));
    // A clock far ahead is replaced by the receive time and flagged.
    let out = r
        .engine
        .sensor_event(
            SensorInput {
                sensor_id: "s-fence-08".into(),
                kind: "vibration".into(),
                time: Some(at(3600)),
                confidence: None,
                actor: "device:x".into(),
                via: "mqtt".into(),
            },
            at(100),
        )
        .unwrap();
    assert!(out.clock_corrected);
    let OpsEvent::AlarmRaised(a) = &out.events[0] else {
        panic!("{:?}", out.events)
    };
    assert_eq!(a.time, at(100));
    let old = r.engine.sensor_event(
        SensorInput {
            sensor_id: "s-fence-07".into(),
            kind: "vibration".into(),
            time: Some(at(0)),
            confidence: None,
            actor: "device:x".into(),
            via: "mqtt".into(),
        },
        at(7200),
    );
    assert!(matches!(old, Err(OpsError::TooOld { .. })));
}

#[test]
fn neighbouring_sensors_make_one_track_with_heading_prediction_and_raised_priority() {
    let mut r = Rig::new();
    r.sensor("s-fence-04", 0).unwrap();
    let before = r.only_incident().incident.priority;
    r.sensor("s-video-01", 60).unwrap();
    let st = r.only_incident();
    assert_eq!(st.incident.alarm_count, 2);
    let track = st.track.as_ref().expect("track");
    assert_eq!(track.alarm_count, 2);
    assert!(
        track.heading_deg.is_some() && track.speed_mps.is_some(),
        "{track:?}"
    );
    let pz = track.predicted_zone.as_ref().expect("predicted zone");
    // The rail freight yard lies inside the restricted port area.
    assert_eq!(pz.zone_id, "rail-freight-yard");
    assert_eq!(st.incident.priority, Priority::P1);
    assert!(st.incident.priority < before);
    assert!(
        st.priority_reason.contains("moving toward"),
        "{}",
        st.priority_reason
    );
    // Confirmed by a neighbour: never marked a nuisance.
    r.tick(200);
    assert!(r.only_incident().nuisance.is_none());
}

#[test]
fn isolated_triggers_and_sensors_under_maintenance_are_nuisance_but_kept() {
    let mut r = Rig::new();
    r.sensor("s-fence-01", 0).unwrap();
    assert!(
        r.tick(30)
            .iter()
            .all(|e| !matches!(e, OpsEvent::AlarmNuisance(crate::event::AlarmNuisance { .. })))
    );
    let ev = r.tick(61);
    assert!(
        ev.iter()
            .any(|e| matches!(e, OpsEvent::AlarmNuisance(crate::event::AlarmNuisance { .. }))),
        "{ev:?}"
    );
    let st = r.only_incident();
    assert!(st.nuisance.as_deref().unwrap().contains("isolated"));
    assert_eq!(st.incident.priority, Priority::P4);
    assert_eq!(
        st.incident.status,
        IncidentStatus::New,
        "kept open, not dropped"
    );
    // Marked once.
    assert!(
        r.tick(62)
            .iter()
            .all(|e| !matches!(e, OpsEvent::AlarmNuisance(crate::event::AlarmNuisance { .. })))
    );

    let mut r = Rig::new();
    r.sensor("s-mw-02", 0).unwrap();
    let st = r.only_incident();
    assert_eq!(st.nuisance.as_deref(), Some("sensor under maintenance"));
    assert_eq!(st.incident.priority, Priority::P4);
}

#[test]
fn full_lifecycle_moves_units_and_refuses_illegal_transitions() {
    let mut r = Rig::new();
    r.fix(RRT1, 111.8990, 43.7080, 0).unwrap();
    r.sensor("s-fence-04", 10).unwrap();
    let id = r.only_incident().incident.id.clone();
    let unit = r.only_incident().recommendations[0].unit_id.clone();
    r.act(&id, Action::Acknowledge, 20).unwrap();
    let err = r.act(&id, Action::Acknowledge, 21).unwrap_err();
    assert!(err.to_string().contains("acknowledged"), "{err}");
    let ev = r
        .act(
            &id,
            Action::Dispatch {
                unit_id: unit.clone(),
            },
            30,
        )
        .unwrap();
    assert!(ev.iter().any(|e| matches!(
        e,
        OpsEvent::UnitStatus(crate::event::UnitStatusChanged {
            to: UnitStatus::Dispatched,
            ..
        })
    )));
    assert_eq!(
        r.engine.unit(&unit).unwrap().incident_id.as_deref(),
        Some(id.as_str())
    );
    // A committed unit is not recommended again, with the reason.
    let rec = r.engine.recommend_at((111.8990, 43.7080), at(31));
    assert!(
        rec.excluded
            .iter()
            .any(|x| x.unit_id == unit && x.reason.contains("dispatched"))
    );
    // The unit reports en route and arrival itself.
    r.commit(
        r.engine
            .unit_report(&unit, UnitEvent::EnRoute, None, "device:rrt-1", at(40))
            .unwrap(),
    );
    assert_eq!(r.only_incident().incident.status, IncidentStatus::EnRoute);
    r.act(
        &id,
        Action::OnScene {
            unit_id: unit.clone(),
        },
        100,
    )
    .unwrap();
    assert_eq!(r.engine.unit(&unit).unwrap().status, UnitStatus::OnScene);
    assert!(matches!(
        r.act(&id, Action::Close, 110),
        Err(OpsError::Transition(_))
    ));
    r.act(
        &id,
        Action::Resolve {
            disposition: "intercepted".into(),
            feedback: "two persons stopped".into(),
        },
        200,
    )
    .unwrap();
    assert_eq!(r.engine.unit(&unit).unwrap().status, UnitStatus::Cleared);
    r.act(&id, Action::Close, 210).unwrap();
    r.act(
        &id,
        Action::Reopen {
            reason: "new evidence".into(),
        },
        300,
    )
    .unwrap();
    let st = r.only_incident();
    assert_eq!(st.incident.status, IncidentStatus::Acknowledged);
    assert!(st.incident.transitions.iter().all(|t| !t.actor.is_empty()));
    let k = st.incident.kpis();
    assert_eq!(k.alarm_to_ack_s, Some(10.0));
    assert_eq!(k.ack_to_dispatch_s, Some(10.0));
    assert_eq!(k.dispatch_to_on_scene_s, Some(70.0));
    assert_eq!(k.alarm_to_resolved_s, Some(190.0));
    let day = r.engine.kpis_for_day(t0().date_naive(), chrono::FixedOffset::east_opt(0).unwrap());
    assert_eq!(day.incidents.len(), 1);
    assert_eq!(day.alarm_to_ack.unwrap().p50, 10.0);
}

#[test]
fn stale_fixes_are_excluded_with_their_reason() {
    let mut r = Rig::new();
    r.fix(RRT1, 111.8990, 43.7080, 0).unwrap();
    r.fix(PV1, 111.8900, 43.7020, 100).unwrap();
    let rec = r.engine.recommend_at((111.8990, 43.7080), at(150));
    assert_eq!(rec.picks.len(), 1);
    assert_eq!(rec.picks[0].unit_id, "patrol-vehicle-1");
    let x = rec.excluded.iter().find(|x| x.unit_id == "rrt-1").unwrap();
    assert!(x.reason.contains("stale"), "{}", x.reason);
}

#[test]
fn positions_are_sampled_into_the_journal_and_checked() {
    let mut r = Rig::new();
    r.fix(RRT1, 111.8990, 43.7080, 0).unwrap();
    assert!(r.log.last().unwrap().journaled());
    r.fix(RRT1, 111.8991, 43.7080, 5).unwrap();
    assert!(!r.log.last().unwrap().journaled(), "within 15 s: live only");
    r.fix(RRT1, 111.8992, 43.7080, 16).unwrap();
    assert!(r.log.last().unwrap().journaled());
    assert!(matches!(
        r.fix(RRT1, 111.8, 43.7, 10),
        Err(OpsError::OutOfOrder { .. })
    ));
    assert!(matches!(
        r.fix("999", 111.8, 43.7, 20),
        Err(OpsError::UnknownTerminal(_))
    ));
    assert!(matches!(
        r.fix(RRT1, 500.0, 43.7, 20),
        Err(OpsError::Invalid(_))
    ));
    assert_eq!(
        r.engine.unit("rrt-1").unwrap().fix.as_ref().unwrap().time,
        at(16)
    );
}

#[test]
fn links_warn_when_one_is_down_and_open_then_close_a_link_failure_when_both_are() {
    let mut r = Rig::new();
    let of = "dp-border-814";
    let links: Vec<String> = r
        .engine
        .links()
        .filter(|l| l.of == of)
        .map(|l| l.id.clone())
        .collect();
    assert_eq!(links.len(), 2);
    for l in &links {
        let ev = r.engine.heartbeat(l, None, at(0)).unwrap();
        r.commit(ev);
    }
    assert_eq!(r.engine.group_health(of), GroupHealth::Up);
    let ev = r.engine.heartbeat(&links[0], None, at(20)).unwrap();
    assert!(!ev[0].journaled(), "a heartbeat on an up link is live only");
    r.commit(ev);
    let ev = r.tick(31);
    assert!(
        ev.iter().any(|e| matches!(e, OpsEvent::LinkChanged(crate::event::LinkChanged { up: false, group: GroupHealth::Degraded, link_id, .. }) if *link_id == links[1])),
        "{ev:?}"
    );
    assert!(
        r.engine.incidents().next().is_none(),
        "one link down is a warning only"
    );
    let ev = r.tick(51);
    assert!(ev.iter().any(|e| matches!(
        e,
        OpsEvent::LinkChanged(crate::event::LinkChanged {
            group: GroupHealth::Down,
            ..
        })
    )));
    let st = r.only_incident();
    assert_eq!(st.incident.kind, IncidentKind::LinkFailure);
    let id = st.incident.id.clone();
    assert!(
        r.tick(80).is_empty(),
        "no second incident, no repeated change"
    );
    let ev = r.engine.heartbeat(&links[1], None, at(90)).unwrap();
    r.commit(ev);
    let st = r.engine.incident(&id).unwrap();
    assert_eq!(st.incident.status, IncidentStatus::Closed);
    assert_eq!(st.incident.transitions.last().unwrap().actor, "system");
    assert_eq!(r.engine.group_health(of), GroupHealth::Degraded);
    assert!(matches!(
        r.engine.heartbeat("nope", None, at(90)),
        Err(OpsError::UnknownLink(_))
    ));
}

#[test]
fn partner_notification_at_marker_814_gets_a_zone_priority_and_recommendations() {
    let mut r = Rig::new();
    r.fix(RRT1, 111.8990, 43.7080, 0).unwrap();
    let ev = r
        .engine
        .create_incident(
            NewIncident {
                kind: IncidentKind::IllegalCrossingAttempt,
                priority: None,
                title: "two persons moving toward the restricted area".into(),
                location: Some(Location::Marker("814".into())),
                source: IncidentSource::Partner,
                source_ref: None,
                details: json!({"persons": 2}),
                actor: "user:partner".into(),
            },
            at(10),
        )
        .unwrap();
    r.commit(ev);
    let st = r.only_incident();
    assert_eq!(st.incident.priority, Priority::P1);
    assert!(st.incident.zone.is_some());
    assert_eq!(st.recommendations[0].unit_id, "rrt-1");
    let bad = r.engine.create_incident(
        NewIncident {
            kind: IncidentKind::Other,
            priority: None,
            title: "x".into(),
            location: Some(Location::Marker("999".into())),
            source: IncidentSource::Manual,
            source_ref: None,
            details: json!({}),
            actor: "user:c".into(),
        },
        at(10),
    );
    assert!(matches!(bad, Err(OpsError::UnknownMarker(_))));
}

#[test]
fn watchlist_hits_become_incidents_once() {
    let mut r = Rig::new();
    // Today's payload, with a stray personal key a careless writer might add.
    let hit: crate::WatchlistHit = serde_json::from_value(json!({"inspection_id": "i1",
        "site_id": "road-passenger", "lane_id": "l1", "direction": "entry", "list": "wanted",
        "entry_id": "e1", "score": 0.97, "action": "refer", "surname": "X"}))
    .unwrap();
    let ev = r.engine.watchlist_hit(&hit, at(0)).unwrap();
    r.commit(ev);
    let st = r.only_incident();
    assert_eq!(st.incident.kind, IncidentKind::WatchlistHit);
    assert_eq!(st.incident.priority, Priority::P1);
    assert!(st.details.get("surname").is_none());
    assert!(r.engine.watchlist_hit(&hit, at(1)).unwrap().is_empty());
    // A refused-entry hit to be reported is second priority.
    let refused = crate::WatchlistHit {
        inspection_id: "i2".into(),
        list: guomen_domain::watchlist::ListKind::RefusedEntry,
        action: "refuse".into(),
        ..hit
    };
    let ev = r.engine.watchlist_hit(&refused, at(2)).unwrap();
    let IncidentCreated { priority, .. } = match &ev[0] {
        OpsEvent::IncidentCreated(c) => c.as_ref().clone(),
        other => panic!("expected an incident, got {other:?}"),
    };
    assert_eq!(priority, Priority::P2);
}

#[test]
fn replaying_the_produced_facts_rebuilds_identical_state() {
    let mut r = Rig::new();
    r.fix(RRT1, 111.8990, 43.7080, 0).unwrap();
    r.fix(PV1, 111.8900, 43.7020, 1).unwrap();
    for l in ["link-dp-border-814-primary", "link-dp-border-814-backup"] {
        if let Ok(ev) = r.engine.heartbeat(l, None, at(0)) {
            r.commit(ev);
        }
    }
    r.sensor("s-fence-04", 10).unwrap();
    r.sensor("s-fence-04", 12).unwrap();
    r.sensor("s-video-01", 70).unwrap();
    r.sensor("s-fence-01", 80).unwrap();
    r.sensor("s-mw-02", 90).unwrap();
    let id = r.engine.incidents().next().unwrap().incident.id.clone();
    r.act(
        &id,
        Action::Dispatch {
            unit_id: "rrt-1".into(),
        },
        100,
    )
    .unwrap();
    r.act(
        &id,
        Action::OnScene {
            unit_id: "rrt-1".into(),
        },
        150,
    )
    .unwrap();
    r.tick(200);
    r.tick(2000);
    r.fix(RRT1, 111.8991, 43.7081, 2001).unwrap();
    let mut fresh = Engine::new(&guomen_port::erenhot(), OpsConfig::default()).unwrap();
    for e in &r.log {
        fresh.apply(&json_round_trip(e));
    }
    assert_eq!(fresh.snapshot(), r.engine.snapshot());
    assert!(r.engine.incidents().count() >= 4);
    assert!(
        r.log
            .iter()
            .any(|e| matches!(e, OpsEvent::TrackExpired(crate::event::TrackExpired { .. })))
    );
}
