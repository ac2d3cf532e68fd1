//! Trains end to end, in-process: a run scheduled by the duty chief, its PAXLST manifest sent
//! by the duty chief and by a carrier, screened before arrival (hits naming person, carriage
//! and seat, never shown to the carrier), a new version compared, arrival, the agencies' parts,
//! one release with its no-shows, and the bad input of the issue. Every name is invented.

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use chrono::{NaiveDate, Utc};
use guomen_domain::Role;
use guomen_paxlst::{Document, Message, Person, Transport};
use guomen_server::test_app::{TestApp, TestResponse};
use guomen_testkit::mrz::Td3;
use serde_json::{Value, json};

const LIST_CSV: &str = "\
id,list,name,aliases,birth_date,sex,nationality,document_number,document_country,reason,action
W-1,wanted,Batbold Ganzorig,Ганзоригийн Батболд,1979-04-02,M,MNG,E1234567,MNG,armed robbery,arrest
";

fn person(
    surname: &str,
    given: &str,
    birth: (i32, u32, u32),
    doc: &str,
    carriage: &str,
    seat: &str,
) -> Person {
    Person {
        surname: surname.into(),
        given_names: given.into(),
        sex: Some("M".into()),
        birth_date: NaiveDate::from_ymd_opt(birth.0, birth.1, birth.2),
        nationality: Some("MNG".into()),
        carriage: Some(carriage.into()),
        seat: Some(seat.into()),
        documents: vec![Document {
            kind: "P".into(),
            number: doc.into(),
            expiry: NaiveDate::from_ymd_opt(2031, 5, 1),
            issuing_state: Some("MNG".into()),
        }],
        ..Person::default()
    }
}

fn manifest(persons: Vec<Person>) -> String {
    let m = Message {
        transport: Transport {
            journey: Some("K24".into()),
            ..Transport::default()
        },
        persons,
        ..Message::default()
    };
    guomen_paxlst::write(&m, "ULBRAIL", "GUOMEN", "1")
}

fn passengers() -> Vec<Person> {
    vec![
        person("GANZORIG", "BATBOLD", (1979, 4, 2), "E1234567", "05", "017"),
        person("DORJ", "BOLD", (1985, 1, 1), "E7654321", "05", "018"),
        person("TSEND", "ANU", (1990, 3, 3), "E1111111", "06", "001"),
    ]
}

async fn send(
    app: &TestApp,
    path: &str,
    token: &str,
    content_type: &str,
    body: impl Into<Body>,
) -> TestResponse {
    let req = Request::builder()
        .method(Method::POST)
        .uri(path)
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .header(header::CONTENT_TYPE, content_type)
        .body(body.into())
        .unwrap();
    app.send(req).await
}

struct World {
    app: TestApp,
    chief: String,
    carrier: String,
}

async fn world() -> World {
    let app = TestApp::new().await;
    let admin = app.user("admin", Role::Admin).await;
    let chief = app.user("chief", Role::DutyChief).await;
    let carrier = app.user("ulbrail", Role::Carrier).await;
    let r = send(
        &app,
        "/api/v1/watchlists/wanted/import?format=csv",
        &admin,
        "text/csv",
        LIST_CSV,
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    World {
        app,
        chief,
        carrier,
    }
}

async fn new_train(w: &World, number: &str, kind: &str) -> String {
    let r = w
        .app
        .post(
            "/api/v1/trains",
            &w.chief,
            json!({"number": number, "kind": kind, "direction": "entry", "site_id": "rail-passenger",
                   "scheduled_arrival": Utc::now().to_rfc3339()}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    assert_eq!(r.json["status"], "scheduled");
    r.json["id"].as_str().unwrap().to_owned()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_manifest_is_screened_before_arrival_and_the_hit_names_carriage_and_seat() {
    let w = world().await;
    let id = new_train(&w, "K24", "passenger").await;
    let r = send(
        &w.app,
        &format!("/api/v1/trains/{id}/manifest"),
        &w.chief,
        "application/edifact",
        manifest(passengers()),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    assert_eq!(r.json["persons"], 3);
    assert_eq!(r.json["errors"], json!([]));
    let hits = r.json["hits"].as_array().expect("hits for the duty chief");
    assert_eq!(hits.len(), 1, "{hits:?}");
    assert_eq!(hits[0]["surname"], "GANZORIG");
    assert_eq!(hits[0]["carriage"], "05");
    assert_eq!(hits[0]["seat"], "017");
    assert_eq!(hits[0]["list"], "wanted");

    let t = w.app.get(&format!("/api/v1/trains/{id}"), &w.chief).await;
    assert_eq!(t.status, StatusCode::OK);
    assert_eq!(t.json["status"], "manifest_received");
    assert_eq!(t.json["manifest"]["persons"], 3);
    assert_eq!(
        t.json["prescreen"]["hits"][0]["person_id"],
        hits[0]["person_id"]
    );
    assert_eq!(
        t.json["verification"],
        json!({"verified": 0, "exceptions": 0, "remaining": 3, "carriages": 2, "carriages_done": 0})
    );
    assert_eq!(t.json["timer"]["started"], Value::Null);

    // The wanted person is an incident before the train arrives.
    let mut text = String::new();
    for _ in 0..50 {
        let incidents = w.app.get("/api/v1/incidents?status=open", &w.chief).await;
        assert_eq!(incidents.status, StatusCode::OK);
        text = incidents.text;
        if text.contains(&format!("train:{id}")) {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(text.contains(&format!("train:{id}")), "{text}");

    // A new version with fewer persons is re-screened and the difference shown.
    let fewer = passengers().into_iter().skip(1).collect();
    let r = send(
        &w.app,
        &format!("/api/v1/trains/{id}/manifest"),
        &w.chief,
        "application/edifact",
        manifest(fewer),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    assert_eq!(r.json["version"], 2);
    assert_eq!(r.json["persons"], 2);
    assert_eq!(r.json["hits"], json!([]));
    assert_eq!(r.json["removed"], json!([hits[0]["person_id"]]));
    assert_eq!(r.json["added"], json!([]));

    // The station's day (its clock and time zone), not this machine's: they differ for hours a day.
    let day = w.app.state.station.today();
    let list = w
        .app
        .get(&format!("/api/v1/trains?date={day}"), &w.chief)
        .await;
    assert_eq!(list.status, StatusCode::OK);
    assert!(
        list.json
            .as_array()
            .is_some_and(|l| l.iter().any(|t| t["id"] == id.as_str())),
        "{}",
        list.text
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_carrier_sends_its_manifest_and_never_sees_hits() {
    let w = world().await;
    let id = new_train(&w, "K24", "passenger").await;
    let r = send(
        &w.app,
        &format!("/api/v1/trains/{id}/manifest"),
        &w.carrier,
        "application/edifact",
        manifest(passengers()),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    assert_eq!(r.json["persons"], 3);
    assert!(r.json.get("hits").is_none(), "{}", r.text);
    assert!(!r.text.contains("GANZORIG"));
    let t = w.app.get(&format!("/api/v1/trains/{id}"), &w.carrier).await;
    assert_eq!(t.status, StatusCode::OK);
    assert!(t.json.get("prescreen").is_none(), "{}", t.text);
    assert_eq!(t.json["carrier"], "test carrier");
    // The JSON form works the same.
    let doc = guomen_paxlst::parse(&manifest(passengers()))
        .unwrap()
        .to_json();
    let r = send(
        &w.app,
        &format!("/api/v1/trains/{id}/manifest"),
        &w.carrier,
        "application/json",
        doc.to_string(),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    assert_eq!(r.json["version"], 2);
    assert!(r.json.get("hits").is_none());
    // A carrier creates no train and releases none.
    let r = w.app.post("/api/v1/trains", &w.carrier, json!({})).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_manifests_get_answers_naming_what_is_wrong() {
    let w = world().await;
    let id = new_train(&w, "K24", "passenger").await;
    let path = format!("/api/v1/trains/{id}/manifest");
    let good = manifest(passengers());

    // A wrong UNT count: stored, the error names UNT.
    let wrong = good.replace("UNT+", "UNT+9");
    let r = send(&w.app, &path, &w.chief, "application/edifact", wrong).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    assert_eq!(r.json["errors"][0]["tag"], "UNT");
    assert_eq!(r.json["action"], "accepted_with_errors");

    // A truncated interchange: what was read is kept, the missing end is named.
    let cut = &good[..good.find("CNT+").unwrap()];
    let r = send(
        &w.app,
        &path,
        &w.chief,
        "application/edifact",
        cut.to_owned(),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let tags: Vec<&str> = r.json["errors"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["tag"].as_str())
        .collect();
    assert!(tags.contains(&"UNT") && tags.contains(&"UNZ"), "{tags:?}");

    // An unknown segment and a release character at the end.
    let unknown = good.replace("BGM+745'", "BGM+745'XYZ+1'");
    let r = send(&w.app, &path, &w.chief, "application/edifact", unknown).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    assert!(r.text.contains("XYZ"));
    let released = format!("{}?", &good[..good.find("UNT+").unwrap()]);
    let r = send(&w.app, &path, &w.chief, "application/edifact", released).await;
    assert!(r.text.contains("release character"), "{}", r.text);

    // Not an interchange at all, no person, a wrong media type, a 50 MB body.
    let r = send(&w.app, &path, &w.chief, "application/edifact", "hello").await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    assert!(r.text.contains("not an EDIFACT interchange"));
    let r = send(
        &w.app,
        &path,
        &w.chief,
        "application/edifact",
        manifest(Vec::new()),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    let r = send(&w.app, &path, &w.chief, "application/xml", good.clone()).await;
    assert_eq!(r.status, StatusCode::UNSUPPORTED_MEDIA_TYPE, "{}", r.text);
    let big = vec![b'A'; 50 * 1024 * 1024];
    let r = send(&w.app, &path, &w.chief, "application/edifact", big).await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE, "{}", r.text);
    let r = send(
        &w.app,
        &path,
        &w.chief,
        "application/json",
        "{\"persons\": 3}",
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);

    // A manifest for an unknown train.
    let r = send(
        &w.app,
        "/api/v1/trains/nope/manifest",
        &w.chief,
        "application/edifact",
        good,
    )
    .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.text);
    assert!(r.text.contains("nope"));
}

#[tokio::test(flavor = "multi_thread")]
async fn one_release_once_every_agency_is_done_with_the_no_shows() {
    let w = world().await;
    let id = new_train(&w, "X8024", "freight").await;
    let crew = vec![person("TSEND", "ANU", (1990, 3, 3), "E1111111", "01", "")];
    let r = send(
        &w.app,
        &format!("/api/v1/trains/{id}/manifest"),
        &w.chief,
        "application/edifact",
        manifest(crew),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);

    let release = format!("/api/v1/trains/{id}/release");
    let r = w.app.post(&release, &w.chief, json!({})).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text);
    assert!(r.text.contains("not arrived"));

    let r = w
        .app
        .post(&format!("/api/v1/trains/{id}/arrive"), &w.chief, json!({}))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json["status"], "arrived");
    assert_eq!(r.json["timer"]["target_s"], 1200);
    assert!(r.json["timer"]["started"].is_string());

    let r = w.app.post(&release, &w.chief, json!({})).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text);
    assert!(
        r.text.contains("customs") && r.text.contains("quarantine") && r.text.contains("railway"),
        "{}",
        r.text
    );

    // A partner of another agency may not mark customs done.
    let partner = w.app.user("border-unit", Role::Partner).await;
    let r = w
        .app
        .post(
            &format!("/api/v1/trains/{id}/agencies/customs/done"),
            &partner,
            json!({}),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text);

    for agency in ["customs", "railway"] {
        let r = w
            .app
            .post(
                &format!("/api/v1/trains/{id}/agencies/{agency}/done"),
                &w.chief,
                json!({}),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    }
    let r = w.app.post(&release, &w.chief, json!({})).await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert!(
        r.text.contains("quarantine") && !r.text.contains("customs"),
        "{}",
        r.text
    );
    let r = w
        .app
        .post(
            &format!("/api/v1/trains/{id}/agencies/quarantine/done"),
            &w.chief,
            json!({}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json["agencies"]["quarantine"]["done"], true);
    assert_eq!(r.json["agencies"]["quarantine"]["by"], "chief");

    let r = w.app.post(&release, &w.chief, json!({})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json["status"], "released");
    assert_eq!(r.json["no_shows"], json!(["P0001"]));
    assert!(r.json["timer"]["elapsed_s"].is_i64());

    // Released: no second release, no new manifest.
    let r = w.app.post(&release, &w.chief, json!({})).await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    let r = send(
        &w.app,
        &format!("/api/v1/trains/{id}/manifest"),
        &w.chief,
        "application/edifact",
        manifest(passengers()),
    )
    .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text);
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_train_requests_are_refused() {
    let w = world().await;
    let r = w.app.post("/api/v1/trains", &w.chief, json!({"number": "K3", "kind": "boat", "direction": "entry", "site_id": "rail-passenger", "scheduled_arrival": "2026-01-01T00:00:00Z"})).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    let r = w.app.post("/api/v1/trains", &w.chief, json!({"number": "K3", "kind": "freight", "direction": "entry", "site_id": "moon", "scheduled_arrival": "2026-01-01T00:00:00Z"})).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    assert!(r.text.contains("moon"));
    let r = w.app.get("/api/v1/trains/nope", &w.chief).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
}

#[tokio::test(flavor = "multi_thread")]
async fn on_board_verification_matches_the_manifest_and_the_ill_passenger_goes_first() {
    let w = world().await;
    let inspector = w.app.user("insp", Role::Inspector).await;
    let id = new_train(&w, "K24", "passenger").await;
    let r = send(
        &w.app,
        &format!("/api/v1/trains/{id}/manifest"),
        &w.carrier,
        "application/edifact",
        manifest(passengers()),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let verify = format!("/api/v1/trains/{id}/verifications");

    // Before arrival: refused.
    let r = w
        .app
        .post(
            &verify,
            &inspector,
            json!({"person_id": "P0003", "carriage": "06"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text);

    let r = w
        .app
        .post(&format!("/api/v1/trains/{id}/arrive"), &w.chief, json!({}))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);

    // The railway says the passenger in 06/001 is ill: verified first, the time recorded.
    let r = w
        .app
        .post(
            &format!("/api/v1/trains/{id}/persons/P0003/priority"),
            &w.chief,
            json!({"reason": "suspected brain haemorrhage"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    // The ambulance and the agencies at the platform are told: a medical incident in the
    // command centre naming train, person id and carriage, never the name.
    let incident = r.json["priority"][0]["incident_id"]
        .as_str()
        .expect("the priority names its incident")
        .to_owned();
    let inc = w
        .app
        .get(&format!("/api/v1/incidents/{incident}"), &w.chief)
        .await;
    assert_eq!(inc.status, StatusCode::OK, "{}", inc.text);
    assert_eq!(inc.json["kind"], "medical_emergency");
    assert_eq!(inc.json["title_text"]["code"], "ops.title.ill_on_board");
    assert_eq!(inc.json["details"]["person_id"], "P0003");
    assert_eq!(inc.json["details"]["carriage"], "06");
    let notified = inc.json["details"]["notified"].as_array().unwrap();
    for who in ["ambulance", "railway", "quarantine", "customs"] {
        assert!(notified.iter().any(|n| n == who), "{who}: {}", inc.text);
    }
    assert!(
        !inc.text.contains("TSEND"),
        "the incident names no one: {}",
        inc.text
    );
    let r = w
        .app
        .post(
            &format!("/api/v1/trains/{id}/persons/P0099/priority"),
            &w.chief,
            json!({"reason": "x"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.text);

    let r = w
        .app
        .post(
            &verify,
            &inspector,
            json!({"person_id": "P0003", "carriage": "06"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    assert_eq!(r.json["match"], "manifest");
    assert_eq!(r.json["person"]["surname"], "TSEND");
    assert_eq!(r.json["suggested"], "clear");
    assert_eq!(r.json["decision"], "clear");
    let r = w
        .app
        .post(&verify, &inspector, json!({"person_id": "P0003"}))
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text);

    // By MRZ: the same person and document matches; another document of a listed person
    // differs; someone not listed is an exception.
    let dorj = Td3::new("DORJ", "BOLD", "E7654321", "MNG")
        .born("850101")
        .sex('M')
        .expires("310501")
        .lines();
    let r = w
        .app
        .post(&verify, &inspector, json!({"mrz": dorj, "carriage": "05"}))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    assert_eq!(r.json["match"], "manifest", "{}", r.text);
    let other_doc = Td3::new("GANZORIG", "BATBOLD", "E9999999", "MNG")
        .born("790402")
        .sex('M')
        .expires("310501")
        .lines();
    let r = w
        .app
        .post(
            &verify,
            &inspector,
            json!({"mrz": other_doc, "carriage": "05"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    assert_eq!(r.json["match"], "document_differs");
    assert_eq!(
        r.json["decision"],
        Value::Null,
        "an exception waits for the inspector: {}",
        r.text
    );
    let stranger = Td3::new("NOMAD", "ANON", "E5555555", "MNG")
        .born("800101")
        .sex('F')
        .expires("310501")
        .lines();
    let r = w
        .app
        .post(
            &verify,
            &inspector,
            json!({"mrz": stranger, "carriage": "07"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    assert_eq!(r.json["match"], "not_on_manifest");
    assert_eq!(r.json["person"], Value::Null);

    let t = w.app.get(&format!("/api/v1/trains/{id}"), &w.chief).await;
    assert_eq!(t.json["status"], "verifying");
    assert_eq!(
        t.json["verification"],
        json!({"verified": 2, "exceptions": 2, "remaining": 1, "carriages": 2, "carriages_done": 1})
    );
    assert!(
        t.json["timer"]["predicted_finish"].is_string(),
        "{}",
        t.text
    );
    assert_eq!(t.json["priority"][0]["person_id"], "P0003");
    assert!(
        t.json["priority"][0]["cleared_after_s"].is_i64(),
        "{}",
        t.text
    );

    for agency in ["customs", "railway", "quarantine"] {
        let r = w
            .app
            .post(
                &format!("/api/v1/trains/{id}/agencies/{agency}/done"),
                &w.chief,
                json!({}),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    }
    let r = w
        .app
        .post(&format!("/api/v1/trains/{id}/release"), &w.chief, json!({}))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json["no_shows"], json!(["P0001"]));

    // A verification on a released train is refused.
    let r = w
        .app
        .post(&verify, &inspector, json!({"person_id": "P0001"}))
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text);
    assert!(r.text.contains("released"));
}

#[tokio::test(flavor = "multi_thread")]
async fn the_weekly_timetable_comes_from_the_port_config() {
    let w = world().await;
    // 2025-07-15 is a Tuesday: K686 runs daily, K23 on Tuesdays and Saturdays, K3 on Tuesdays.
    let r = w
        .app
        .post(
            "/api/v1/trains/timetable",
            &w.chief,
            json!({"date": "2025-07-15"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let numbers: Vec<&str> = r
        .json
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["number"].as_str().unwrap())
        .collect();
    assert_eq!(numbers, ["K686", "K23", "K3"]);
    let k3 = &r.json[2];
    assert_eq!(k3["kind"], "passenger");
    assert_eq!(k3["direction"], "exit");
    assert_eq!(k3["origin"], "Beijing");
    assert_eq!(k3["destination"], "Moscow");
    assert_eq!(k3["carrier"], "China Railway");
    // 20:30 at +08:00.
    assert_eq!(k3["scheduled_arrival"], "2025-07-15T12:30:00Z");
    // The passenger target is the station's, from `[trains]`.
    assert_eq!(k3["timer"]["target_s"], 2700);
    let ids: Vec<Value> = r
        .json
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["id"].clone())
        .collect();

    // Scheduling the day again adds nothing.
    let again = w
        .app
        .post(
            "/api/v1/trains/timetable",
            &w.chief,
            json!({"date": "2025-07-15"}),
        )
        .await;
    assert_eq!(again.status, StatusCode::CREATED, "{}", again.text);
    let again_ids: Vec<Value> = again
        .json
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["id"].clone())
        .collect();
    assert_eq!(ids, again_ids);
    let day = w.app.get("/api/v1/trains?date=2025-07-15", &w.chief).await;
    assert_eq!(day.json.as_array().unwrap().len(), 3, "{}", day.text);

    // A Sunday: K686 and K4 from Moscow.
    let r = w
        .app
        .post(
            "/api/v1/trains/timetable",
            &w.chief,
            json!({"date": "2025-07-20"}),
        )
        .await;
    let numbers: Vec<&str> = r
        .json
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["number"].as_str().unwrap())
        .collect();
    assert_eq!(numbers, ["K686", "K4"]);

    // Only the command schedules; a bad date is a clear error.
    let inspector = w.app.user("insp", Role::Inspector).await;
    let r = w
        .app
        .post("/api/v1/trains/timetable", &inspector, json!({}))
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text);
    let r = w
        .app
        .post(
            "/api/v1/trains/timetable",
            &w.chief,
            json!({"date": "someday"}),
        )
        .await;
    assert!(r.status.is_client_error(), "{}", r.text);
}

#[tokio::test(flavor = "multi_thread")]
async fn freight_targets_and_agencies_come_from_the_port_config() {
    let w = world().await;
    let id = new_train(&w, "X8001", "freight").await;
    let t = w.app.get(&format!("/api/v1/trains/{id}"), &w.chief).await;
    assert_eq!(t.json["timer"]["target_s"], 1200);
    let agencies: Vec<&String> = t.json["agencies"].as_object().unwrap().keys().collect();
    assert_eq!(agencies, ["customs", "quarantine", "railway"]);
    // A site that names no agencies needs none: released as soon as nobody is undecided.
    let r = w
        .app
        .post(
            "/api/v1/trains",
            &w.chief,
            json!({"number": "R1", "kind": "freight", "direction": "entry", "site_id": "road-freight",
                   "scheduled_arrival": Utc::now().to_rfc3339()}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    assert_eq!(r.json["agencies"], json!({}));
    let road = r.json["id"].as_str().unwrap().to_owned();
    w.app
        .post(
            &format!("/api/v1/trains/{road}/arrive"),
            &w.chief,
            json!({}),
        )
        .await;
    let r = w
        .app
        .post(
            &format!("/api/v1/trains/{road}/release"),
            &w.chief,
            json!({}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
}

/// The lane a verification was recorded on.
async fn lane_of(w: &World, inspection: &Value) -> String {
    let r = w
        .app
        .get(
            &format!("/api/v1/inspections/{}", inspection.as_str().unwrap()),
            &w.chief,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    r.json["lane_id"].as_str().unwrap().to_owned()
}

#[tokio::test(flavor = "multi_thread")]
async fn verifications_use_the_on_board_lane_of_the_trains_direction() {
    let w = world().await;
    let inspector = w.app.user("insp", Role::Inspector).await;
    for (direction, lane) in [("entry", "rail-on-board"), ("exit", "rail-on-board-exit")] {
        let r = w
            .app
            .post(
                "/api/v1/trains",
                &w.chief,
                json!({"number": format!("K-{direction}"), "kind": "passenger", "direction": direction,
                       "site_id": "rail-passenger", "scheduled_arrival": Utc::now().to_rfc3339()}),
            )
            .await;
        let id = r.json["id"].as_str().unwrap().to_owned();
        let r = send(
            &w.app,
            &format!("/api/v1/trains/{id}/manifest"),
            &w.chief,
            "application/edifact",
            manifest(passengers()),
        )
        .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
        w.app
            .post(&format!("/api/v1/trains/{id}/arrive"), &w.chief, json!({}))
            .await;
        let r = w
            .app
            .post(
                &format!("/api/v1/trains/{id}/verifications"),
                &inspector,
                json!({"person_id": "P0002", "carriage": "05"}),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
        assert_eq!(lane_of(&w, &r.json["inspection_id"]).await, lane);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn an_mrz_surname_with_filler_for_a_hyphen_matches_the_manifest() {
    let w = world().await;
    let inspector = w.app.user("insp", Role::Inspector).await;
    let id = new_train(&w, "K24", "passenger").await;
    let p = person(
        "OYUN-ERDENE",
        "SARNAI",
        (1992, 2, 2),
        "E2222222",
        "03",
        "004",
    );
    let r = send(
        &w.app,
        &format!("/api/v1/trains/{id}/manifest"),
        &w.chief,
        "application/edifact",
        manifest(vec![p]),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    w.app
        .post(&format!("/api/v1/trains/{id}/arrive"), &w.chief, json!({}))
        .await;
    let mrz = Td3::new("OYUN<ERDENE", "SARNAI", "E2222222", "MNG")
        .born("920202")
        .sex('M')
        .expires("310501")
        .lines();
    let r = w
        .app
        .post(
            &format!("/api/v1/trains/{id}/verifications"),
            &inspector,
            json!({"mrz": mrz, "carriage": "03"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    assert_eq!(r.json["match"], "manifest", "{}", r.text);
}

#[tokio::test(flavor = "multi_thread")]
async fn concurrent_verifications_and_agency_parts_lose_nothing() {
    let w = world().await;
    let inspector = w.app.user("insp", Role::Inspector).await;
    let id = new_train(&w, "K24", "passenger").await;
    let persons: Vec<Person> = (0..24)
        .map(|i| {
            person(
                &format!("DORJ{}", char::from(b'A' + i as u8)),
                "BAT",
                (1980, 1, 1 + i),
                &format!("E30000{i:02}"),
                "02",
                &format!("{i:03}"),
            )
        })
        .collect();
    let r = send(
        &w.app,
        &format!("/api/v1/trains/{id}/manifest"),
        &w.chief,
        "application/edifact",
        manifest(persons),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    w.app
        .post(&format!("/api/v1/trains/{id}/arrive"), &w.chief, json!({}))
        .await;
    let verify = format!("/api/v1/trains/{id}/verifications");
    let mut calls = Vec::new();
    for i in 1..=24 {
        calls.push(w.app.post(
            &verify,
            &inspector,
            json!({"person_id": format!("P{i:04}"), "carriage": "02"}),
        ));
    }
    let agencies: Vec<String> = ["customs", "railway", "quarantine"]
        .iter()
        .map(|a| format!("/api/v1/trains/{id}/agencies/{a}/done"))
        .collect();
    let parts = agencies.iter().map(|p| w.app.post(p, &w.chief, json!({})));
    let (verified, done) = tokio::join!(
        futures::future::join_all(calls),
        futures::future::join_all(parts)
    );
    assert!(verified.iter().all(|r| r.status == StatusCode::CREATED));
    assert!(done.iter().all(|r| r.status == StatusCode::OK));
    let t = w.app.get(&format!("/api/v1/trains/{id}"), &w.chief).await;
    assert_eq!(t.json["verification"]["verified"], 24, "{}", t.text);
    for a in ["customs", "railway", "quarantine"] {
        assert_eq!(t.json["agencies"][a]["done"], true, "{}", t.text);
    }
}

/// The verification rate predicts the finish past the target: the duty chief is told once
/// (`train.overrun_predicted` on the journal and the stream), not again with every person.
#[tokio::test(flavor = "multi_thread")]
async fn a_finish_predicted_past_the_target_is_told_once() {
    use guomen_server::test_app::HandClock;
    use std::sync::Arc;
    let dir = tempfile::tempdir().unwrap();
    let cfg = guomen_server::config::ServeConfig::for_dir(dir.path());
    let store = guomen_server::config::open_store(&cfg.store).await.unwrap();
    let t0 = Utc::now();
    let clock = Arc::new(HandClock::new(t0));
    let app = TestApp::with_store_on(store, cfg, clock.clone());
    let chief = app.user("chief", Role::DutyChief).await;
    let inspector = app.user("insp", Role::Inspector).await;
    let admin = app.user("admin", Role::Admin).await;
    let r = app
        .post(
            "/api/v1/trains",
            &chief,
            json!({"number": "X8142", "kind": "freight", "direction": "entry", "site_id": "rail-passenger",
                   "scheduled_arrival": t0.to_rfc3339()}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let id = r.json["id"].as_str().unwrap().to_owned();
    let crew: Vec<Person> = (0..3)
        .map(|i| {
            person(
                &format!("SUKH{}", char::from(b'A' + i as u8)),
                "BAT",
                (1980, 1, 1 + i),
                &format!("E40000{i:02}"),
                "01",
                &format!("{i:03}"),
            )
        })
        .collect();
    let r = send(
        &app,
        &format!("/api/v1/trains/{id}/manifest"),
        &chief,
        "application/edifact",
        manifest(crew),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let r = app
        .post(&format!("/api/v1/trains/{id}/arrive"), &chief, json!({}))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let warnings = || async {
        let j = app.get("/api/v1/journal?limit=1000", &admin).await;
        assert_eq!(j.status, StatusCode::OK, "{}", j.text);
        j.json["events"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["kind"] == "train.overrun_predicted")
            .cloned()
            .collect::<Vec<Value>>()
    };
    // One of three after 10 minutes: 30 predicted against the freight target of 20.
    for (i, minutes) in [(1, 10), (2, 11)] {
        clock.set(t0 + chrono::Duration::minutes(minutes));
        let r = app
            .post(
                &format!("/api/v1/trains/{id}/verifications"),
                &inspector,
                json!({"person_id": format!("P{i:04}"), "carriage": "01"}),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    }
    let told = warnings().await;
    assert_eq!(told.len(), 1, "{told:?}");
    let p = &told[0]["payload"];
    assert_eq!(p["number"], "X8142", "{p}");
    assert_eq!(p["target_s"], 1200, "{p}");
    assert_eq!(p["predicted_s"], 1800, "{p}");
    assert_eq!(p["remaining"], 2, "{p}");
}
