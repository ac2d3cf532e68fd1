//! Perimeter and dispatch through the HTTP API, in-process.

use std::time::Duration;

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use chrono::Utc;
use futures::StreamExt;
use guomen_domain::Role;
use guomen_server::test_app::TestApp;
use guomen_station::device::{DeviceInput, Via};
use serde_json::{Value, json};

struct Crew {
    app: TestApp,
    chief: String,
    /// The sensor and link gateway: every sensor, link, lane and duty point, no unit.
    device: String,
    /// The units' GNSS gateway: every unit's terminal.
    gnss: String,
    /// Unit rrt-1's own device: may report for that unit only.
    rrt1: String,
}

async fn crew() -> Crew {
    let app = TestApp::new().await;
    let chief = app.user("chief", Role::DutyChief).await;
    let device = app
        .device("sensor-gw", "sensor:*,link:*,lane:*,duty_point:*")
        .await;
    let gnss = app.device("gnss-gw", "unit:*").await;
    let rrt1 = app.device("rrt-1", "unit:rrt-1").await;
    Crew {
        app,
        chief,
        device,
        gnss,
        rrt1,
    }
}

fn ago(s: i64) -> String {
    (Utc::now() - chrono::Duration::seconds(s)).to_rfc3339()
}

impl Crew {
    async fn fix(&self, terminal: &str, lon: f64, lat: f64, age_s: i64) {
        let r = self
            .app
            .post(
                "/api/v1/positions",
                &self.gnss,
                json!({"terminal_id": terminal, "lon": lon, "lat": lat, "time": ago(age_s)}),
            )
            .await;
        assert_eq!(r.status, StatusCode::ACCEPTED, "{}", r.text);
    }

    async fn sensor(&self, id: &str, age_s: i64) -> Value {
        let r = self
            .app
            .post(
                "/api/v1/sensor-events",
                &self.device,
                json!({"sensor_id": id, "kind": "intrusion", "time": ago(age_s), "confidence": 0.8}),
            )
            .await;
        assert_eq!(r.status, StatusCode::ACCEPTED, "{}", r.text);
        r.json
    }

    async fn open(&self) -> Vec<Value> {
        let r = self
            .app
            .get("/api/v1/incidents?status=open", &self.chief)
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        r.json.as_array().unwrap().clone()
    }

    async fn post(&self, path: &str, body: Value) -> guomen_server::test_app::TestResponse {
        self.app.post(path, &self.chief, body).await
    }

    async fn journal_kinds(&self, after: u64) -> Vec<(u64, String, String, Value)> {
        self.app
            .store
            .journal(after, 10_000, None)
            .await
            .unwrap()
            .into_iter()
            .map(|e| (e.seq, e.kind, e.actor, e.payload))
            .collect()
    }
}

/// Polls until `f` holds (the ticker and the device consumer run in the background).
async fn eventually<F: std::future::Future<Output = bool>>(what: &str, mut f: impl FnMut() -> F) {
    for _ in 0..100 {
        if f().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("timed out waiting for {what}");
}

#[tokio::test]
async fn a_sensor_event_leads_to_an_open_incident_with_zone_priority_and_recommendations() {
    let c = crew().await;
    c.fix("014790000101", 111.8990, 43.7080, 1).await;
    c.fix("014790000201", 111.8900, 43.7020, 1).await;
    let a = c.sensor("s-fence-04", 0).await;
    assert!(a["seq"].as_u64().unwrap() > 0);
    let open = c.open().await;
    assert_eq!(open.len(), 1);
    let i = &open[0];
    for k in [
        "id", "kind", "status", "zone", "priority", "title", "location", "created",
    ] {
        assert!(!i[k].is_null(), "{k} in {i}");
    }
    assert_eq!(i["kind"], "intrusion");
    assert_eq!(i["status"], "new");
    assert_eq!(i["zone"], "border-strip");
    assert_eq!(i["priority"], 2);
    let recs = i["recommendations"].as_array().unwrap();
    assert_eq!(recs[0]["unit_id"], "rrt-1");
    assert!(recs[0]["eta_s"].as_f64().unwrap() > 0.0);
    assert!(recs[0]["reason"].as_str().unwrap().contains("ETA"));
    assert!(
        i["excluded"]
            .as_array()
            .unwrap()
            .iter()
            .any(|x| x["reason"] == "no position fix")
    );

    // A duplicate answers with the same alarm's seq; unknown sensors are refused; both counted.
    let d = c.sensor("s-fence-04", 0).await;
    assert_eq!(d["duplicate"], true);
    assert_eq!(d["seq"], a["seq"]);
    let bad = c
        .app
        .post(
            "/api/v1/sensor-events",
            &c.device,
            json!({"sensor_id": "s-nope", "kind": "x"}),
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", bad.text);
    let m = c.app.state.station.metrics();
    assert_eq!(m.counter_value("sensor_events_rejected", "duplicate"), 1);
    assert_eq!(
        m.counter_value("sensor_events_rejected", "unknown_sensor"),
        1
    );
    let skewed = c
        .app
        .post(
            "/api/v1/sensor-events",
            &c.device,
            json!({"sensor_id": "s-fence-08", "kind": "x", "time": (Utc::now() + chrono::Duration::hours(2)).to_rfc3339()}),
        )
        .await;
    assert_eq!(skewed.json["clock_corrected"], true);
    assert_eq!(
        m.counter_value("sensor_events_rejected", "clock_skew_corrected"),
        1
    );
}

#[tokio::test]
async fn neighbouring_sensors_make_one_track_with_heading_prediction_and_raised_priority() {
    let c = crew().await;
    c.sensor("s-fence-04", 60).await;
    c.sensor("s-video-01", 0).await;
    let open = c.open().await;
    assert_eq!(open.len(), 1, "{open:#?}");
    let i = &open[0];
    assert_eq!(i["alarm_count"], 2);
    assert!(i["track"]["heading_deg"].is_number(), "{i}");
    assert!(i["track"]["speed_mps"].is_number());
    assert_eq!(i["track"]["predicted_zone"]["zone_id"], "rail-freight-yard");
    assert_eq!(i["priority"], 1);
    assert!(
        i["priority_reason"]
            .as_str()
            .unwrap()
            .contains("moving toward")
    );
}

#[tokio::test]
async fn isolated_triggers_and_sensors_under_maintenance_are_marked_nuisance_not_dropped() {
    let c = crew().await;
    c.app
        .state
        .station
        .configure_ops(|cfg| cfg.nuisance_window_s = 1.0);
    c.sensor("s-fence-01", 0).await;
    c.sensor("s-mw-02", 0).await;
    let app = &c.app;
    let chief = c.chief.clone();
    eventually("the isolated alarm to be marked", || {
        let chief = chief.clone();
        async move {
            let r = app.get("/api/v1/incidents?status=open", &chief).await;
            r.json
                .as_array()
                .unwrap()
                .iter()
                .filter(|i| i["nuisance"].is_string())
                .count()
                == 2
        }
    })
    .await;
    let open = c.open().await;
    assert_eq!(open.len(), 2, "both kept open");
    let reasons: Vec<&str> = open
        .iter()
        .map(|i| i["nuisance"].as_str().unwrap())
        .collect();
    assert!(
        reasons.iter().any(|r| r.contains("maintenance")),
        "{reasons:?}"
    );
    assert!(
        reasons.iter().any(|r| r.contains("isolated")),
        "{reasons:?}"
    );
    assert!(open.iter().all(|i| i["priority"] == 4));
    assert!(
        c.journal_kinds(0)
            .await
            .iter()
            .any(|e| e.1 == "ops.alarm_nuisance")
    );
}

#[tokio::test]
async fn the_full_lifecycle_is_journaled_with_actors_and_illegal_transitions_are_409() {
    let c = crew().await;
    c.fix("014790000101", 111.8990, 43.7080, 1).await;
    c.sensor("s-fence-04", 0).await;
    let open = c.open().await;
    let id = open[0]["id"].as_str().unwrap().to_owned();
    let unit = open[0]["recommendations"][0]["unit_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let p = |a: &str| format!("/api/v1/incidents/{id}/{a}");

    let r = c.post(&p("close"), json!({})).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text);
    assert_eq!(r.json["error"]["details"]["from"], "new");
    assert_eq!(r.json["error"]["details"]["to"], "closed");

    assert_eq!(
        c.post(&p("acknowledge"), json!({})).await.status,
        StatusCode::OK
    );
    let r = c.post(&p("dispatch"), json!({"unit_id": unit})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json["status"], "dispatched");
    // The unit itself reports en route; another device may not.
    let r = c
        .app
        .post(&p("en-route"), &c.device, json!({"unit_id": unit}))
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text);
    let r = c
        .app
        .post(&p("en-route"), &c.rrt1, json!({"unit_id": unit}))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let r = c
        .app
        .post(
            "/api/v1/units/rrt-1/status",
            &c.rrt1,
            json!({"event": "arrive"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json["status"], "on_scene");
    let r = c
        .post(
            &p("resolve"),
            json!({"disposition": "intercepted", "feedback": "two persons stopped"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let r = c
        .post(
            &p("resolve"),
            json!({"disposition": "intercepted", "feedback": "again"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert_eq!(c.post(&p("close"), json!({})).await.status, StatusCode::OK);
    let r = c
        .post(&p("reopen"), json!({"reason": "a third person seen"}))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json["status"], "acknowledged");

    let full = c
        .app
        .get(&format!("/api/v1/incidents/{id}"), &c.chief)
        .await;
    let timeline = full.json["timeline"].as_array().unwrap();
    let tos: Vec<&str> = timeline.iter().map(|t| t["to"].as_str().unwrap()).collect();
    assert_eq!(
        tos,
        [
            "acknowledged",
            "dispatched",
            "en_route",
            "on_scene",
            "resolved",
            "closed",
            "acknowledged"
        ]
    );
    assert!(
        timeline
            .iter()
            .all(|t| t["actor"].is_string() && t["at"].is_string())
    );
    assert_eq!(timeline[2]["actor"], "device:rrt-1");
    assert!(full.json["kpis"]["alarm_to_resolved_s"].is_number());

    let journal = c.journal_kinds(0).await;
    let transitions: Vec<_> = journal
        .iter()
        .filter(|e| e.1 == "ops.incident_transition")
        .collect();
    assert_eq!(transitions.len(), 7);
    assert!(
        transitions
            .iter()
            .all(|e| e.2.starts_with("user:") || e.2.starts_with("device:"))
    );
    let downlink = journal.iter().find(|e| e.1 == "ops.downlink").unwrap();
    assert_eq!(downlink.3["delivered"], false, "no terminal connected");
    let unit_now = c.app.get("/api/v1/units", &c.chief).await;
    let rrt = unit_now
        .json
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["id"] == "rrt-1")
        .unwrap()
        .clone();
    assert_eq!(rrt["status"], "cleared");
    assert_eq!(rrt["availability"], "conditionally_available");

    let k = c.app.get("/api/v1/kpis", &c.chief).await;
    assert_eq!(k.status, StatusCode::OK, "{}", k.text);
    assert_eq!(k.json["incidents"].as_array().unwrap().len(), 1);
    for q in [
        "alarm_to_ack",
        "ack_to_dispatch",
        "dispatch_to_on_scene",
        "alarm_to_resolved",
    ] {
        assert_eq!(k.json[q]["count"], 1, "{q}: {}", k.json);
    }
    let bad = c.app.get("/api/v1/kpis?day=yesterday", &c.chief).await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn a_partner_report_at_marker_814_opens_an_incident_with_recommendations_and_stale_fixes_are_excluded()
 {
    let c = crew().await;
    let partner = c.app.user("border-unit", Role::Partner).await;
    c.fix("014790000101", 111.8990, 43.7080, 1).await;
    c.fix("014790000201", 111.8900, 43.7020, 300).await;
    let r = c
        .app
        .post(
            "/api/v1/notifications",
            &partner,
            json!({"agency": "military border unit", "text": "two persons moving toward the restricted area near marker 814",
                   "location": {"marker": "814"}, "persons": 2, "heading": "south"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    assert_eq!(r.json["kind"], "illegal_crossing_attempt");
    assert_eq!(r.json["zone"], "border-strip");
    assert_eq!(r.json["priority"], 1);
    assert_eq!(r.json["recommendations"][0]["unit_id"], "rrt-1");
    let stale = r.json["excluded"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["unit_id"] == "patrol-vehicle-1")
        .unwrap();
    assert!(
        stale["reason"].as_str().unwrap().contains("stale"),
        "{stale}"
    );
    // Each sentence also comes as a code with parameters, for the reader's language; the
    // partner's own words stay as given.
    assert_eq!(stale["reason_text"]["code"], "geo.exclude.stale", "{stale}");
    assert_eq!(stale["reason_text"]["params"]["limit_s"], "120", "{stale}");
    assert_eq!(
        r.json["recommendations"][0]["reason_text"]["code"],
        "geo.pick.eta"
    );
    assert_eq!(r.json["title_text"]["code"], "ops.title.partner");
    assert_eq!(
        r.json["title_text"]["params"]["agency"],
        "military border unit"
    );
    assert_eq!(
        r.json["title_text"]["params"]["text"],
        "two persons moving toward the restricted area near marker 814"
    );
    assert_eq!(
        r.json["priority_reason_text"]["code"],
        "ops.priority.in_zone_partner"
    );
    assert_eq!(
        r.json["priority_reason_text"]["params"]["zone"],
        "border-strip"
    );
    let bad = c
        .app
        .post(
            "/api/v1/notifications",
            &partner,
            json!({"agency": "military border unit", "text": "y", "location": {"marker": "9999"}}),
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", bad.text);
    let r = c
        .post("/api/v1/incidents", json!({"kind": "medical_emergency", "title": "passenger collapsed on K686", "location": {"zone": "rail-passenger-hall"}}))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    assert_eq!(r.json["source"], "manual");
    // A person's own title has no code: it is shown as given.
    assert!(r.json.get("title_text").is_none(), "{}", r.json);
    assert_eq!(
        r.json["priority_reason_text"]["code"],
        "ops.priority.in_zone"
    );
}

#[tokio::test]
async fn link_heartbeats_warn_on_one_link_down_and_open_then_close_a_link_failure() {
    let c = crew().await;
    c.app
        .state
        .station
        .configure_ops(|cfg| cfg.link_timeout_s = 1.0);
    let links = c.app.get("/api/v1/links", &c.chief).await;
    let ids: Vec<String> = links
        .json
        .as_array()
        .unwrap()
        .iter()
        .filter(|l| l["of"] == "dp-border-814")
        .map(|l| l["id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(ids.len(), 2);
    let beat = |id: String| {
        let app = &c.app;
        let dev = c.device.clone();
        async move {
            let r = app
                .post(&format!("/api/v1/links/{id}/heartbeat"), &dev, json!({}))
                .await;
            assert_eq!(r.status, StatusCode::ACCEPTED, "{}", r.text);
        }
    };
    beat(ids[0].clone()).await;
    beat(ids[1].clone()).await;
    // Keep the first alive while the second times out.
    for _ in 0..25 {
        beat(ids[0].clone()).await;
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let links = c.app.get("/api/v1/links", &c.chief).await;
    let state_of = |id: &str| {
        links
            .json
            .as_array()
            .unwrap()
            .iter()
            .find(|l| l["id"] == id)
            .unwrap()["state"]
            .clone()
    };
    assert_eq!(state_of(&ids[0]), "up");
    assert_eq!(state_of(&ids[1]), "down");
    let journal = c.journal_kinds(0).await;
    assert!(
        journal
            .iter()
            .any(|e| e.1 == "ops.link_changed" && e.3["group"] == "degraded")
    );
    assert!(
        c.open().await.is_empty(),
        "one link down is a warning, not an incident"
    );

    let app = &c.app;
    let chief = c.chief.clone();
    eventually("a link_failure incident", || {
        let chief = chief.clone();
        async move {
            let r = app.get("/api/v1/incidents?status=open", &chief).await;
            r.json
                .as_array()
                .unwrap()
                .iter()
                .any(|i| i["kind"] == "link_failure")
        }
    })
    .await;
    beat(ids[1].clone()).await;
    assert!(c.open().await.is_empty(), "recovery closes it");
    let closed = c.app.get("/api/v1/incidents?status=closed", &c.chief).await;
    assert_eq!(closed.json[0]["kind"], "link_failure");
    assert_eq!(closed.json[0]["status"], "closed");
    let unknown = c
        .app
        .post("/api/v1/links/nope/heartbeat", &c.device, json!({}))
        .await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_duty_point_outbox_applies_each_item_once() {
    let c = crew().await;
    let gw = c
        .app
        .device("dp-814-gw", "duty_point:dp-border-814,sensor:*,unit:*")
        .await;
    let batch = json!({"items": [
        {"key": "k1", "type": "sensor_event", "body": {"sensor_id": "s-fence-04", "kind": "intrusion", "time": ago(30)}},
        {"key": "k2", "type": "position", "body": {"terminal_id": "014790000101", "lon": 111.899, "lat": 43.708, "time": ago(20)}},
        {"key": "k3", "type": "incident_action", "body": {"incident_id": "inc-999999", "action": "en_route", "unit_id": "rrt-1"}},
    ]});
    let outbox = |batch: Value| {
        let app = &c.app;
        let gw = gw.clone();
        async move {
            app.post("/api/v1/duty-points/dp-border-814/outbox", &gw, batch)
                .await
        }
    };
    let r = outbox(batch.clone()).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let st: Vec<&str> = r
        .json
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["status"].as_str().unwrap())
        .collect();
    assert_eq!(st, ["applied", "applied", "refused"]);
    let again = outbox(batch).await;
    let st: Vec<&str> = again
        .json
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["status"].as_str().unwrap())
        .collect();
    assert_eq!(st, ["duplicate", "duplicate", "duplicate"]);
    assert_eq!(c.open().await.len(), 1, "nothing doubled");
    let alarms = c
        .journal_kinds(0)
        .await
        .into_iter()
        .filter(|e| e.1 == "ops.alarm_raised")
        .count();
    assert_eq!(alarms, 1);
    let r = c
        .post("/api/v1/duty-points/nowhere/outbox", json!({"items": []}))
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
}

/// Issue 12's "done when": a device scoped to one sensor gets 403 for another sensor's event,
/// and an incident action through the outbox comes back `refused` / `forbidden`.
#[tokio::test]
async fn a_device_speaks_only_within_its_scopes() {
    let c = crew().await;
    let f04 = c
        .app
        .device("fence-04", "sensor:s-fence-04,duty_point:dp-border-814")
        .await;
    let event = |id: &str| json!({"sensor_id": id, "kind": "intrusion", "time": ago(5)});
    let own = c
        .app
        .post("/api/v1/sensor-events", &f04, event("s-fence-04"))
        .await;
    assert_eq!(own.status, StatusCode::ACCEPTED, "{}", own.text);
    let other = c
        .app
        .post("/api/v1/sensor-events", &f04, event("s-fence-08"))
        .await;
    assert_eq!(other.status, StatusCode::FORBIDDEN, "{}", other.text);
    assert_eq!(other.json["error"]["code"], "forbidden");
    let incident = c.open().await[0]["id"].as_str().unwrap().to_owned();

    // Links, positions and unit reports are outside a sensor's scope too.
    for (path, body) in [
        (
            "/api/v1/links/link-road-freight-primary/heartbeat".to_owned(),
            json!({}),
        ),
        (
            "/api/v1/positions".to_owned(),
            json!({"terminal_id": "014790000101", "lon": 111.899, "lat": 43.708, "time": ago(1)}),
        ),
        (
            "/api/v1/units/rrt-1/status".to_owned(),
            json!({"event": "out_of_service"}),
        ),
        (
            format!("/api/v1/incidents/{incident}/en-route"),
            json!({"unit_id": "rrt-1"}),
        ),
    ] {
        let r = c.app.post(&path, &f04, body).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{path}: {}", r.text);
    }

    // Through the outbox: each item as its own route would answer.
    let batch = json!({"items": [
        {"key": "a", "type": "incident_action", "body": {"incident_id": incident, "action": "resolve", "disposition": "false_alarm", "feedback": "gone"}},
        {"key": "b", "type": "incident_action", "body": {"incident_id": incident, "action": "close"}},
        {"key": "c", "type": "sensor_event", "body": {"sensor_id": "s-fence-08", "kind": "intrusion", "time": ago(3)}},
        {"key": "d", "type": "sensor_event", "body": {"sensor_id": "s-fence-04", "kind": "intrusion", "time": ago(2)}},
    ]});
    let r = c
        .app
        .post("/api/v1/duty-points/dp-border-814/outbox", &f04, batch)
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let got: Vec<(&str, &str)> = r
        .json
        .as_array()
        .unwrap()
        .iter()
        .map(|x| {
            (
                x["status"].as_str().unwrap(),
                x["error"].as_str().unwrap_or(""),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            ("refused", "forbidden"),
            ("refused", "forbidden"),
            ("refused", "forbidden"),
            ("applied", ""),
        ]
    );
    let inc = c
        .app
        .get(&format!("/api/v1/incidents/{incident}"), &c.chief)
        .await;
    assert_eq!(inc.json["status"], "new", "the incident was not touched");
    // Another duty point's outbox is not this device's at all.
    let r = c
        .app
        .post(
            "/api/v1/duty-points/dp-border-west/outbox",
            &f04,
            json!({"items": []}),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text);
    // A duty chief may not send a sensor's items either (POST /sensor-events is devices').
    let r = c
        .post(
            "/api/v1/duty-points/dp-border-814/outbox",
            json!({"items": [{"key": "e", "type": "sensor_event", "body": {"sensor_id": "s-fence-04", "kind": "intrusion"}}]}),
        )
        .await;
    assert_eq!(r.json[0]["error"], "forbidden", "{}", r.text);

    // A device without any scope may do nothing as a device.
    let none = c.app.device("unscoped", "").await;
    let r = c
        .app
        .post("/api/v1/sensor-events", &none, event("s-fence-04"))
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text);
}

#[tokio::test]
async fn a_device_input_position_moves_a_unit() {
    let c = crew().await;
    c.app
        .state
        .station
        .device_sender()
        .send(DeviceInput::Position {
            terminal_id: "014790000202".into(),
            lon: 111.912,
            lat: 43.716,
            time: Utc::now(),
            speed_kmh: Some(30.0),
            course: Some(45.0),
            alarm: 0,
            status: 0,
            via: Via::Jt808,
        })
        .await
        .unwrap();
    // A bad one first in line for another terminal must not block the good one after it.
    c.app
        .state
        .station
        .device_sender()
        .send(DeviceInput::Position {
            terminal_id: "000000000000".into(),
            lon: 111.9,
            lat: 43.7,
            time: Utc::now(),
            speed_kmh: None,
            course: None,
            alarm: 0,
            status: 0,
            via: Via::Nmea,
        })
        .await
        .unwrap();
    let app = &c.app;
    let chief = c.chief.clone();
    eventually("the unit to move", || {
        let chief = chief.clone();
        async move {
            let r = app.get("/api/v1/units", &chief).await;
            r.json.as_array().unwrap().iter().any(|u| {
                u["id"] == "patrol-vehicle-2"
                    && u["position"]["lat"] == 43.716
                    && u["fix_age_s"].is_number()
            })
        }
    })
    .await;
    eventually("the bad terminal to be counted", || async {
        app.state
            .station
            .metrics()
            .counter_value("positions_rejected", "unknown_terminal")
            == 1
    })
    .await;
}

/// Reads SSE frames as (id, event kind) until `done` holds or 5 s pass.
async fn read_sse(
    resp: axum::response::Response,
    done: impl Fn(&[(Option<u64>, String)]) -> bool,
) -> Vec<(Option<u64>, String)> {
    let mut body = resp.into_body().into_data_stream();
    let mut text = String::new();
    let mut out = Vec::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    while !done(&out) {
        match tokio::time::timeout_at(deadline, body.next()).await {
            Ok(Some(Ok(chunk))) => text.push_str(&String::from_utf8_lossy(&chunk)),
            _ => break,
        }
        while let Some(end) = text.find("\n\n") {
            let frame: String = text.drain(..end + 2).collect();
            let mut id = None;
            let mut kind = None;
            for line in frame.lines() {
                if let Some(v) = line.strip_prefix("id:") {
                    id = v.trim().parse().ok();
                } else if let Some(v) = line.strip_prefix("event:") {
                    kind = Some(v.trim().to_owned());
                }
            }
            if let Some(k) = kind {
                out.push((id, k));
            }
        }
    }
    out
}

fn sse_request(token: &str, last_event_id: Option<u64>) -> Request<Body> {
    let mut r = Request::builder()
        .method(Method::GET)
        .uri("/api/v1/stream")
        .header(header::AUTHORIZATION, format!("Bearer {token}"));
    if let Some(id) = last_event_id {
        r = r.header("Last-Event-ID", id.to_string());
    }
    r.body(Body::empty()).unwrap()
}

#[tokio::test]
async fn the_stream_shows_events_live_and_a_reconnect_replays_exactly_the_missed_ones() {
    let c = crew().await;
    let resp = c.app.send_raw(sse_request(&c.chief, None)).await;
    assert_eq!(resp.status(), StatusCode::OK);
    assert!(
        resp.headers()[header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("text/event-stream")
    );
    let a = c.sensor("s-fence-04", 0).await;
    let seen = read_sse(resp, |ev| ev.iter().any(|e| e.1 == "ops.incident_created")).await;
    let alarm = seen
        .iter()
        .find(|e| e.1 == "ops.alarm_raised")
        .expect("alarm on the stream");
    assert_eq!(alarm.0, a["seq"].as_u64());

    // Disconnected after the alarm: these are missed...
    let last = a["seq"].as_u64().unwrap();
    c.sensor("s-fence-08", 0).await;
    c.fix("014790000101", 111.8990, 43.7080, 0).await;
    c.post("/api/v1/duty-log", json!({"text": "fence east checked"}))
        .await;
    let want: Vec<u64> = c
        .journal_kinds(last)
        .await
        .into_iter()
        .filter(|e| {
            !e.1.starts_with("auth.") && !e.1.starts_with("user.") && !e.1.starts_with("token.")
        })
        .map(|e| e.0)
        .collect();
    assert!(want.len() >= 4, "{want:?}");
    let target = *want.last().unwrap();
    let resp = c.app.send_raw(sse_request(&c.chief, Some(last))).await;
    let got = read_sse(resp, |ev| ev.iter().any(|e| e.0 == Some(target))).await;
    let ids: Vec<u64> = got.iter().filter_map(|e| e.0).collect();
    assert_eq!(ids, want, "exactly the missed events, in order, once");
    let bad = c
        .app
        .send_raw(
            Request::builder()
                .uri("/api/v1/stream")
                .header(header::AUTHORIZATION, format!("Bearer {}", c.chief))
                .header("Last-Event-ID", "abc")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(bad.status(), StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn restarting_rebuilds_the_command_state_from_the_journal() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = guomen_server::ServeConfig::for_dir(dir.path());
    let store = guomen_station::store::open_store(&cfg.store).await.unwrap();
    let app = TestApp::with_store(store.clone(), cfg.clone());
    let chief = app.user("chief", Role::DutyChief).await;
    let dev = app.user("gw", Role::Device).await;
    let r = app
        .post(
            "/api/v1/sensor-events",
            &dev,
            json!({"sensor_id": "s-fence-04", "kind": "intrusion"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::ACCEPTED, "{}", r.text);
    let before = app.get("/api/v1/incidents?status=all", &chief).await.json;
    let id = before[0]["id"].as_str().unwrap().to_owned();
    let r = app
        .post(
            &format!("/api/v1/incidents/{id}/acknowledge"),
            &chief,
            json!({}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    let before = app
        .get(&format!("/api/v1/incidents/{id}"), &chief)
        .await
        .json;
    drop(app);
    let again = TestApp::with_store(store, cfg);
    let after = again
        .get(&format!("/api/v1/incidents/{id}"), &chief)
        .await
        .json;
    assert_eq!(after["status"], "acknowledged");
    assert_eq!(after["timeline"], before["timeline"]);
    assert_eq!(after["recommendations"], before["recommendations"]);
}
