//! Who sees what: the live stream and its replay deliver each role only the kinds its row of
//! the kind × audience table allows, in the role's own view; a revoked credential ends the
//! stream.

use std::time::Duration;

use axum::body::Body;
use axum::http::{Method, Request, header};
use futures::StreamExt as _;
use guomen_domain::Role;
use guomen_server::test_app::TestApp;
use serde_json::{Value, json};

/// One SSE frame: id, kind and the data's JSON.
type Frame = (Option<u64>, String, Value);

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

/// Reads frames until `done` holds, the stream ends, or `within` passes. Returns the frames
/// and whether the stream ended by itself.
async fn read_frames(
    resp: axum::response::Response,
    within: Duration,
    done: impl Fn(&[Frame]) -> bool,
) -> (Vec<Frame>, bool) {
    let mut body = resp.into_body().into_data_stream();
    let mut text = String::new();
    let mut out = Vec::new();
    let deadline = tokio::time::Instant::now() + within;
    let mut ended = false;
    while !done(&out) {
        match tokio::time::timeout_at(deadline, body.next()).await {
            Ok(Some(Ok(chunk))) => text.push_str(&String::from_utf8_lossy(&chunk)),
            Ok(None) | Ok(Some(Err(_))) => {
                ended = true;
                break;
            }
            Err(_) => break,
        }
        while let Some(end) = text.find("\n\n") {
            let frame: String = text.drain(..end + 2).collect();
            let (mut id, mut kind, mut data) = (None, None, Value::Null);
            for line in frame.lines() {
                if let Some(v) = line.strip_prefix("id:") {
                    id = v.trim().parse().ok();
                } else if let Some(v) = line.strip_prefix("event:") {
                    kind = Some(v.trim().to_owned());
                } else if let Some(v) = line.strip_prefix("data:") {
                    data = serde_json::from_str(v.trim()).unwrap_or(Value::Null);
                }
            }
            if let Some(k) = kind {
                out.push((id, k, data));
            }
        }
    }
    (out, ended)
}

fn manual_traveller(number: &str) -> Value {
    json!({"site_id": "road-passenger", "lane_id": "road-counter-entry-1", "direction": "entry",
        "document": {"surname": "BAYAR", "given_names": "TEMUULEN", "nationality": "MNG",
            "birth_date": "1985-05-05", "sex": "M", "document_number": number,
            "issuing_state": "MNG", "expiry_date": "2031-01-01"}})
}

const PARTNER_KINDS: [&str; 3] = [
    "ops.incident_created",
    "ops.incident_updated",
    "ops.incident_transition",
];

#[tokio::test]
async fn a_partner_stream_carries_only_its_agencys_incidents_live_and_on_replay() {
    let app = TestApp::new().await;
    let chief = app.user("chief", Role::DutyChief).await;
    let inspector = app.user("insp", Role::Inspector).await;
    let device = app.user("gw", Role::Device).await;
    // `TestApp::user` gives partners the agency `military border unit`.
    let partner = app.user("pla-desk", Role::Partner).await;
    let customs = app
        .state
        .station
        .create_user(
            guomen_station::users::NewUser {
                name: "customs-desk".into(),
                role: Role::Partner,
                password: None,
                agency: Some("customs".into()),
                organisation: None,
                scopes: Default::default(),
                grade: None,
            },
            "system",
        )
        .await
        .unwrap()
        .1;

    let live = app.send_raw(sse_request(&partner, None)).await;
    let reader = tokio::spawn(read_frames(live, Duration::from_secs(8), |f| {
        f.iter().any(|(_, k, d)| {
            k == "ops.incident_transition" && d["payload"]["what"] == "acknowledge"
        })
    }));
    tokio::time::sleep(Duration::from_millis(200)).await;

    // Everything a busy station does meanwhile: none of it is the partner's business.
    let r = app
        .post(
            "/api/v1/inspections",
            &inspector,
            manual_traveller("E1112223"),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let r = app
        .post(
            "/api/v1/positions",
            &device,
            json!({"terminal_id": "014790000101", "lat": 43.70, "lon": 111.90, "time": chrono::Utc::now()}),
        )
        .await;
    assert_eq!(r.status, 202, "{}", r.text);
    let r = app
        .post(
            "/api/v1/duty-log",
            &chief,
            json!({"text": "交班 / shift handed over"}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let r = app
        .post(
            "/api/v1/sensor-events",
            &device,
            json!({"sensor_id": "s-fence-04", "kind": "intrusion"}),
        )
        .await;
    assert_eq!(r.status, 202, "{}", r.text);
    // Another agency's report.
    let other = app
        .post(
            "/api/v1/notifications",
            &customs,
            json!({"text": "smuggling suspected at the freight yard", "location": {"zone": "border-strip"}}),
        )
        .await;
    assert_eq!(other.status, 201, "{}", other.text);
    // A partner may not speak for another agency.
    let forged = app
        .post(
            "/api/v1/notifications",
            &partner,
            json!({"agency": "customs", "text": "x", "location": {"marker": "814"}}),
        )
        .await;
    assert_eq!(forged.status, 403, "{}", forged.text);
    // Its own report, then the duty chief acknowledges it.
    let mine = app
        .post(
            "/api/v1/notifications",
            &partner,
            json!({"text": "two minors near marker 814", "location": {"marker": "814"}, "persons": 2}),
        )
        .await;
    assert_eq!(mine.status, 201, "{}", mine.text);
    let mine_id = mine.json["id"].as_str().unwrap().to_owned();
    let ack = app
        .post(
            &format!("/api/v1/incidents/{mine_id}/acknowledge"),
            &chief,
            json!({}),
        )
        .await;
    assert_eq!(ack.status, 200, "{}", ack.text);

    let (frames, _) = reader.await.unwrap();
    let kinds: Vec<&str> = frames.iter().map(|(_, k, _)| k.as_str()).collect();
    assert!(
        frames
            .iter()
            .any(|(_, k, d)| k == "ops.incident_created" && d["payload"]["id"] == mine_id),
        "its own report: {kinds:?}"
    );
    for (_, k, d) in &frames {
        assert!(
            PARTNER_KINDS.contains(&k.as_str()),
            "a partner got {k}: {d}"
        );
        let about = d["payload"]["id"]
            .as_str()
            .or(d["payload"]["incident_id"].as_str())
            .unwrap_or_default();
        assert_eq!(about, mine_id, "only its own incident: {d}");
        assert!(d["payload"].get("recommendations").is_none(), "{d}");
    }

    // Replay from the beginning: the same filter.
    let replay = app.send_raw(sse_request(&partner, Some(0))).await;
    let (frames, _) = read_frames(replay, Duration::from_secs(3), |f| {
        f.iter().any(|(_, k, _)| k == "ops.incident_transition")
    })
    .await;
    assert!(!frames.is_empty());
    for (_, k, d) in &frames {
        assert!(
            PARTNER_KINDS.contains(&k.as_str()),
            "replay gave a partner {k}: {d}"
        );
    }

    // The duty chief's replay has it all, crossings and duty log included.
    let chief_replay = app.send_raw(sse_request(&chief, Some(0))).await;
    let (frames, _) = read_frames(chief_replay, Duration::from_secs(3), |f| {
        f.iter().any(|(_, k, _)| k == "ops.incident_transition")
    })
    .await;
    let kinds: Vec<&str> = frames.iter().map(|(_, k, _)| k.as_str()).collect();
    for k in ["inspection.created", "duty_log.written", "ops.alarm_raised"] {
        assert!(kinds.contains(&k), "the chief replays {k}: {kinds:?}");
    }
    assert!(
        !kinds
            .iter()
            .any(|k| k.starts_with("user.") || k.starts_with("token."))
    );

    // The partner reads the port without the units' terminal ids.
    let port = app.get("/api/v1/port", &partner).await;
    assert!(
        port.json["units"]
            .as_array()
            .unwrap()
            .iter()
            .all(|u| u["terminal_id"].is_null())
    );
    let port = app.get("/api/v1/port", &chief).await;
    assert!(
        port.json["units"]
            .as_array()
            .unwrap()
            .iter()
            .all(|u| u["terminal_id"].is_null())
    );
    let admin = app.user("admin", Role::Admin).await;
    let port = app.get("/api/v1/port", &admin).await;
    assert!(port.json["units"][0]["terminal_id"].is_string());
}

#[tokio::test]
async fn an_analysts_stream_shows_crossings_without_the_inspector() {
    let app = TestApp::new().await;
    let inspector = app.user("insp", Role::Inspector).await;
    let analyst = app.user("ana", Role::Analyst).await;
    let r = app
        .post(
            "/api/v1/inspections",
            &inspector,
            manual_traveller("E7778889"),
        )
        .await;
    let id = r.json["id"].as_str().unwrap().to_owned();
    let d = app
        .post(
            &format!("/api/v1/inspections/{id}/decision"),
            &inspector,
            json!({"decision": r.json["suggested"]}),
        )
        .await;
    assert_eq!(d.status, 200, "{}", d.text);
    let replay = app.send_raw(sse_request(&analyst, Some(0))).await;
    let (frames, _) = read_frames(replay, Duration::from_secs(3), |f| {
        f.iter().any(|(_, k, _)| k == "crossing.recorded")
    })
    .await;
    let crossing = frames
        .iter()
        .find(|(_, k, _)| k == "crossing.recorded")
        .map(|(_, _, d)| d["payload"].clone())
        .expect("the analyst sees the crossing");
    assert_eq!(crossing["decided_by"], "inspector");
    assert_eq!(crossing["nationality"], "MNG");
    assert!(!crossing.to_string().contains("user:insp"), "{crossing}");
}

#[tokio::test]
async fn a_revoked_token_ends_its_stream() {
    let app = TestApp::new().await;
    let admin = app.user("admin", Role::Admin).await;
    app.user("chief", Role::DutyChief).await;
    let users = app.get("/api/v1/users", &admin).await;
    let chief_id = users
        .json
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["name"] == "chief")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let issued = app
        .post(
            &format!("/api/v1/users/{chief_id}/tokens"),
            &admin,
            json!({"label": "wall screen"}),
        )
        .await;
    let (token_id, token) = (
        issued.json["id"].as_str().unwrap().to_owned(),
        issued.json["token"].as_str().unwrap().to_owned(),
    );
    let stream = app.send_raw(sse_request(&token, None)).await;
    assert_eq!(stream.status(), 200);
    let reader = tokio::spawn(read_frames(stream, Duration::from_secs(30), |_| false));
    tokio::time::sleep(Duration::from_millis(300)).await;
    let started = tokio::time::Instant::now();
    let r = app
        .request(
            Method::DELETE,
            &format!("/api/v1/tokens/{token_id}"),
            Some(&admin),
            None,
        )
        .await;
    assert_eq!(r.status, 204, "{}", r.text);
    let (_, ended) = reader.await.unwrap();
    assert!(ended, "the stream must end after the token is revoked");
    assert!(started.elapsed() <= Duration::from_secs(30));
}

/// A carrier follows its own organisation's trains on the stream: status and counts only,
/// never a hit, a person's verification, an incident, or another organisation's train.
#[tokio::test(flavor = "multi_thread")]
async fn a_carriers_stream_shows_only_its_own_trains_and_never_hits() {
    let app = TestApp::new().await;
    let admin = app.user("admin", Role::Admin).await;
    let chief = app.user("chief", Role::DutyChief).await;
    // `TestApp::user` puts carriers in the organisation `test carrier`.
    let carrier = app.user("ulbrail", Role::Carrier).await;
    let csv = "id,list,name,aliases,birth_date,sex,nationality,document_number,document_country,reason,action\n\
W-1,wanted,Batbold Ganzorig,,1979-04-02,M,MNG,E1234567,MNG,armed robbery,arrest\n";
    let r = app
        .send(
            Request::builder()
                .method(Method::POST)
                .uri("/api/v1/watchlists/wanted/import?format=csv")
                .header(header::AUTHORIZATION, format!("Bearer {admin}"))
                .header(header::CONTENT_TYPE, "text/csv")
                .body(Body::from(csv))
                .unwrap(),
        )
        .await;
    assert!(r.status.is_success(), "{}", r.text);
    let manifest = guomen_paxlst::write(
        &guomen_paxlst::Message {
            persons: vec![guomen_paxlst::Person {
                surname: "GANZORIG".into(),
                given_names: "BATBOLD".into(),
                sex: Some("M".into()),
                birth_date: chrono::NaiveDate::from_ymd_opt(1979, 4, 2),
                nationality: Some("MNG".into()),
                documents: vec![guomen_paxlst::Document {
                    kind: "P".into(),
                    number: "E1234567".into(),
                    expiry: chrono::NaiveDate::from_ymd_opt(2031, 5, 1),
                    issuing_state: Some("MNG".into()),
                }],
                ..Default::default()
            }],
            ..Default::default()
        },
        "ULBRAIL",
        "GUOMEN",
        "1",
    );
    let mut ids = Vec::new();
    for (number, org) in [("K24", "test carrier"), ("K4", "another railway")] {
        let r = app
            .post(
                "/api/v1/trains",
                &chief,
                json!({"number": number, "kind": "passenger", "direction": "entry",
                       "site_id": "rail-passenger", "scheduled_arrival": chrono::Utc::now().to_rfc3339(),
                       "carrier": org}),
            )
            .await;
        assert_eq!(r.status.as_u16(), 201, "{}", r.text);
        let id = r.json["id"].as_str().unwrap().to_owned();
        let r = app
            .send(
                Request::builder()
                    .method(Method::POST)
                    .uri(format!("/api/v1/trains/{id}/manifest"))
                    .header(header::AUTHORIZATION, format!("Bearer {chief}"))
                    .header(header::CONTENT_TYPE, "application/edifact")
                    .body(Body::from(manifest.clone()))
                    .unwrap(),
            )
            .await;
        assert_eq!(r.status.as_u16(), 201, "{}", r.text);
        assert_eq!(
            r.json["hits"].as_array().map(Vec::len),
            Some(1),
            "{}",
            r.text
        );
        app.post(&format!("/api/v1/trains/{id}/arrive"), &chief, json!({}))
            .await;
        ids.push(id);
    }
    let (mine, theirs) = (&ids[0], &ids[1]);
    let inspector = app.user("insp", Role::Inspector).await;
    let r = app
        .post(
            &format!("/api/v1/trains/{mine}/verifications"),
            &inspector,
            json!({"person_id": "P0001", "carriage": "01"}),
        )
        .await;
    assert_eq!(r.status.as_u16(), 201, "{}", r.text);
    for agency in ["customs", "railway", "quarantine"] {
        app.post(
            &format!("/api/v1/trains/{mine}/agencies/{agency}/done"),
            &chief,
            json!({}),
        )
        .await;
    }
    // The wanted person awaits the inspector's decision: decide, then release.
    let insp_id = r.json["inspection_id"].as_str().unwrap();
    let d = app
        .post(
            &format!("/api/v1/inspections/{insp_id}/decision"),
            &inspector,
            json!({"decision": r.json["suggested"]}),
        )
        .await;
    assert!(d.status.is_success(), "{}", d.text);
    let r = app
        .post(&format!("/api/v1/trains/{mine}/release"), &chief, json!({}))
        .await;
    assert_eq!(r.status.as_u16(), 200, "{}", r.text);

    let replay = app.send_raw(sse_request(&carrier, Some(0))).await;
    assert_eq!(replay.status().as_u16(), 200);
    let (frames, _) = read_frames(replay, Duration::from_secs(10), |f| {
        f.iter().any(|(_, k, _)| k == "train.released")
    })
    .await;
    let kinds: Vec<&str> = frames.iter().map(|(_, k, _)| k.as_str()).collect();
    assert!(kinds.contains(&"train.released"), "{kinds:?}");
    assert!(kinds.contains(&"train.manifest_received"), "{kinds:?}");
    for (_, kind, data) in &frames {
        assert!(
            [
                "train.scheduled",
                "train.manifest_received",
                "train.arrived",
                "train.agency_done",
                "train.released"
            ]
            .contains(&kind.as_str()),
            "a carrier saw {kind}: {data}"
        );
        let p = &data["payload"];
        assert_eq!(
            p["train_id"].as_str(),
            Some(mine.as_str()),
            "{kind}: {data}"
        );
        assert!(p.get("hits").is_none(), "{kind}: {data}");
        assert_eq!(data["actor"], Value::Null, "{kind}: {data}");
    }
    // The staff see the hit and the other train.
    let chief_replay = app.send_raw(sse_request(&chief, Some(0))).await;
    let (frames, _) = read_frames(chief_replay, Duration::from_secs(10), |f| {
        f.iter().any(|(_, k, _)| k == "train.released")
    })
    .await;
    assert!(
        frames
            .iter()
            .any(|(_, k, _)| k == "clearance.watchlist_hit"),
        "{frames:?}"
    );
    assert!(
        frames
            .iter()
            .any(|(_, _, d)| d["payload"]["train_id"].as_str() == Some(theirs.as_str()))
    );
}
