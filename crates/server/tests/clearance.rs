//! Clearance end to end, in-process: watchlist import over the API, inspections at counters and
//! e-gates, decisions, crossings, today's figures. Every name and document is invented.

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use guomen_domain::Role;
use guomen_server::test_app::TestApp;
use guomen_testkit::mrz::{Td3, yymmdd_in_years};
use serde_json::{Value, json};

const LIST_CSV: &str = "\
id,list,name,aliases,birth_date,sex,nationality,document_number,document_country,reason,action
W-1,wanted,Batbold Ganzorig,Ганзоригийн Батболд,1979-04-02,M,MNG,E1234567,MNG,armed robbery,arrest
R-1,refused_entry,Sergei Kuznetsov,Сергей Кузнецов,1982-11-23,M,RUS,751234567,RUS,smuggling,refuse entry
L-1,lost_stolen_document,Oyuntsetseg Dorj,,1990-01-15,F,MNG,LS9876543,MNG,reported stolen,seize document
A-1,alert,Tsetsegmaa Enkhbayar,,1988-07-07,F,MNG,,,customs interest,report discreetly
";

async fn import_csv(app: &TestApp, admin: &str, list: &str, csv: &str) -> Value {
    let req = Request::builder()
        .method(Method::POST)
        .uri(format!("/api/v1/watchlists/{list}/import?format=csv"))
        .header(header::AUTHORIZATION, format!("Bearer {admin}"))
        .header(header::CONTENT_TYPE, "text/csv")
        .body(Body::from(csv.to_owned()))
        .unwrap();
    let r = app.send(req).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    r.json
}

struct World {
    app: TestApp,
    admin: String,
    inspector: String,
    device: String,
    analyst: String,
}

async fn world() -> World {
    let app = TestApp::new().await;
    let admin = app.user("admin", Role::Admin).await;
    let inspector = app.user("insp", Role::Inspector).await;
    let device = app.user("gate-1", Role::Device).await;
    let analyst = app.user("ana", Role::Analyst).await;
    let summary = import_csv(&app, &admin, "wanted", LIST_CSV).await;
    assert_eq!(summary["added"], 4, "{summary}");
    World {
        app,
        admin,
        inspector,
        device,
        analyst,
    }
}

async fn inspect(w: &World, token: &str, lane: &str, direction: &str, mrz: [String; 2]) -> Value {
    let site = w.app.state.station.port().lane(lane).unwrap().site.clone();
    let r = w
        .app
        .post(
            "/api/v1/inspections",
            token,
            json!({"site_id": site, "lane_id": lane, "direction": direction, "mrz": mrz}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    r.json
}

fn hit_ids(v: &Value) -> Vec<String> {
    v["personal"]["hits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["entry_id"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn wanted_person_at_a_counter_is_detained_after_confirmation() {
    let w = world().await;
    let mrz = Td3::new("GANZORIG", "BATBOLD", "E7654321", "MNG")
        .born("790402")
        .sex('M')
        .expires(&yymmdd_in_years(5))
        .lines();
    let r = inspect(&w, &w.inspector, "road-counter-entry-1", "entry", mrz).await;
    assert_eq!(r["decision"], "detain", "{r}");
    assert_eq!(r["final"], false);
    assert!(r["crossing_id"].is_null());
    assert_eq!(r["personal"]["hits"][0]["entry_id"], "W-1");
    assert_eq!(r["personal"]["hits"][0]["list"], "wanted");
    let score = r["personal"]["hits"][0]["score"].as_f64().unwrap();
    assert!((0.84..=1.0).contains(&score), "{score}");
    let fields: Vec<&str> = r["personal"]["hits"][0]["explain"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert!(
        fields.contains(&"name") && fields.contains(&"birth_date"),
        "{fields:?}"
    );
    assert!(
        r["personal"]["reasons"]
            .as_array()
            .unwrap()
            .iter()
            .any(|x| x["code"] == "wanted")
    );
    assert_eq!(r["personal"]["document"]["checks"]["composite"], true);
    let id = r["id"].as_str().unwrap();

    // The command centre's event is journaled.
    let j = w.app.get("/api/v1/journal?limit=1000", &w.admin).await;
    let hit = j.json["events"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["kind"] == "clearance.watchlist_hit")
        .expect("watchlist_hit event");
    assert_eq!(hit["payload"]["inspection_id"], id);
    assert_eq!(hit["payload"]["entry_id"], "W-1");
    assert_eq!(hit["payload"]["action"], "arrest");
    assert_eq!(hit["payload"]["lane_id"], "road-counter-entry-1");

    // Pending inspections survive in the store.
    let g = w
        .app
        .get(&format!("/api/v1/inspections/{id}"), &w.inspector)
        .await;
    assert_eq!(g.json["status"], "pending");

    // Overriding needs a reason; confirming does not.
    let path = format!("/api/v1/inspections/{id}/decision");
    let o = w
        .app
        .post(&path, &w.inspector, json!({"decision": "clear"}))
        .await;
    assert_eq!(o.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", o.text);
    assert_eq!(o.json["error"]["details"]["field"], "reason");
    let c = w
        .app
        .post(&path, &w.inspector, json!({"decision": "detain"}))
        .await;
    assert_eq!(c.status, StatusCode::OK, "{}", c.text);
    assert_eq!(c.json["final"], true);
    assert_eq!(c.json["personal"]["decided_by"], "user:insp");
    let crossing = c.json["crossing_id"].as_str().unwrap().to_owned();
    let again = w
        .app
        .post(&path, &w.inspector, json!({"decision": "detain"}))
        .await;
    assert_eq!(again.status, StatusCode::CONFLICT);

    let list = w
        .app
        .get("/api/v1/crossings?decision=detain", &w.inspector)
        .await;
    let rows = list.json.as_array().unwrap();
    assert_eq!(rows.len(), 1, "{}", list.text);
    assert_eq!(rows[0]["id"], crossing);
    assert_eq!(rows[0]["decided_by"], "user:insp");
    assert_eq!(rows[0]["nationality"], "MNG");
    assert_eq!(rows[0]["detail"]["document"]["surname"], "GANZORIG");
}

#[tokio::test]
async fn e_gates_clear_eligible_travellers_and_send_the_others_to_a_counter() {
    let w = world().await;
    let clean = Td3::new("WANG", "XIAOMING", "E11223344", "CHN")
        .born("900101")
        .sex('M')
        .expires(&yymmdd_in_years(6))
        .lines();
    let r = inspect(&w, &w.device, "road-egate-entry-1", "entry", clean).await;
    assert_eq!(r["decision"], "clear", "{r}");
    assert_eq!(r["final"], true);
    assert!(r["crossing_id"].is_string());
    let gate_crossing = w
        .app
        .get("/api/v1/crossings?lane=road-egate-entry-1", &w.inspector)
        .await;
    assert_eq!(
        gate_crossing.json[0]["decided_by"],
        "gate:road-egate-entry-1"
    );
    assert_eq!(gate_crossing.json[0]["decided_by_kind"], "gate");

    // A Mongolian citizen is not eligible for a CHN-only gate.
    let foreign = Td3::new("BAYAR", "TEMUULEN", "E5556667", "MNG")
        .born("850505")
        .sex('M')
        .expires(&yymmdd_in_years(4))
        .lines();
    let r = inspect(&w, &w.device, "road-egate-entry-1", "entry", foreign).await;
    assert_eq!(r["decision"], "sent_to_counter", "{r}");
    assert_eq!(r["suggested"], "clear");
    assert_eq!(r["final"], false);
    assert!(r["crossing_id"].is_null());
    assert!(
        r["reason_codes"]
            .as_array()
            .unwrap()
            .iter()
            .any(|x| x["code"] == "egate_nationality")
    );
    // A child (13) is not either.
    let child = Td3::new("LI", "NA", "E99887766", "CHN")
        .born(&yymmdd_in_years(-13))
        .sex('F')
        .expires(&yymmdd_in_years(4))
        .lines();
    let r = inspect(&w, &w.device, "road-egate-exit-1", "exit", child).await;
    assert_eq!(r["decision"], "sent_to_counter", "{r}");
    // The gate sees no personal data: its view has no document, hits or reason texts.
    assert!(r["personal"].is_null(), "{r}");
    assert!(!r.to_string().contains("E99887766"));

    let egate = w
        .app
        .get(
            "/api/v1/crossings?lane=road-egate-entry-1&direction=entry&nationality=chn",
            &w.inspector,
        )
        .await;
    assert_eq!(egate.json.as_array().unwrap().len(), 1, "{}", egate.text);
    let none = w
        .app
        .get("/api/v1/crossings?direction=exit", &w.inspector)
        .await;
    assert_eq!(none.json.as_array().unwrap().len(), 0);
    let bad = w
        .app
        .get("/api/v1/crossings?direction=sideways", &w.inspector)
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);

    // The analyst sees the crossing without personal data.
    let a = w.app.get("/api/v1/crossings", &w.analyst).await;
    let row = &a.json[0];
    assert_eq!(row["nationality"], "CHN");
    assert!(
        row["detail"].is_null() && row["decided_by"].is_null(),
        "{row}"
    );
    assert_eq!(row["decided_by_kind"], "gate");
    assert!(!a.text.contains("E11223344") && !a.text.contains("WANG"));

    let s = w.app.get("/api/v1/stats/today", &w.analyst).await;
    assert_eq!(s.status, StatusCode::OK, "{}", s.text);
    assert_eq!(s.json["crossings"], 1);
    assert_eq!(s.json["entry"], 1);
    assert_eq!(s.json["egate_share"], 1.0);
    assert_eq!(s.json["pending"], 2);
    assert_eq!(s.json["top_nationalities"][0]["nationality"], "CHN");
}

#[tokio::test]
async fn lost_stolen_documents_and_alerts_go_to_second_line() {
    let w = world().await;
    // Someone else carrying the stolen passport.
    let mrz = Td3::new("NARAN", "GEREL", "LS9876543", "MNG")
        .born("870303")
        .sex('F')
        .expires(&yymmdd_in_years(3))
        .lines();
    let r = inspect(&w, &w.inspector, "rail-counter-entry-1", "entry", mrz).await;
    assert_eq!(r["decision"], "secondary", "{r}");
    assert!(hit_ids(&r).contains(&"L-1".to_owned()));
    assert!(
        r["actions"]
            .as_array()
            .unwrap()
            .contains(&json!("seize_document"))
    );

    let alert = Td3::new("ENKHBAYAR", "TSETSEGMAA", "E0001112", "MNG")
        .born("880707")
        .sex('F')
        .expires(&yymmdd_in_years(3))
        .lines();
    let r = inspect(&w, &w.inspector, "rail-counter-exit-1", "exit", alert).await;
    assert_eq!(r["decision"], "secondary", "{r}");
    assert_eq!(r["discreet"], true);
    // Overriding the suggestion with a reason is recorded.
    let id = r["id"].as_str().unwrap();
    let c = w
        .app
        .post(
            &format!("/api/v1/inspections/{id}/decision"),
            &w.inspector,
            json!({"decision": "clear", "reason": "checked with customs by phone"}),
        )
        .await;
    assert_eq!(c.status, StatusCode::OK, "{}", c.text);
    let rows = w
        .app
        .get(
            "/api/v1/crossings?decision=clear&site=rail-passenger",
            &w.inspector,
        )
        .await;
    assert_eq!(
        rows.json[0]["detail"]["override_reason"],
        "checked with customs by phone"
    );
}

#[tokio::test]
async fn a_refused_person_under_a_changed_identity_is_still_found() {
    let w = world().await;
    // New spelling of the name, new passport; same birth date and nationality.
    let mrz = Td3::new("KOUZNETSOV", "SERGUEI", "760000111", "RUS")
        .born("821123")
        .sex('M')
        .expires(&yymmdd_in_years(8))
        .lines();
    let r = inspect(&w, &w.inspector, "road-counter-entry-2", "entry", mrz).await;
    assert!(hit_ids(&r).contains(&"R-1".to_owned()), "{r}");
    assert!(
        matches!(r["decision"].as_str(), Some("refuse" | "secondary")),
        "{r}"
    );
    // Another person of the same nationality and birth date with an unrelated name is not.
    let other = Td3::new("PETROVA", "ANNA", "761111222", "RUS")
        .born("821123")
        .sex('F')
        .expires(&yymmdd_in_years(8))
        .lines();
    let r = inspect(&w, &w.inspector, "road-counter-entry-2", "entry", other).await;
    assert!(!hit_ids(&r).contains(&"R-1".to_owned()), "{r}");
    assert_eq!(r["decision"], "clear");
}

#[tokio::test]
async fn bad_inspections_are_422_naming_what_is_wrong() {
    let w = world().await;
    let good = Td3::new("BAYAR", "TEMUULEN", "E5556667", "MNG")
        .born("850505")
        .sex('M')
        .expires(&yymmdd_in_years(4))
        .lines();
    let mut broken = good.clone();
    broken[1].replace_range(13..14, "x");
    let post = |body: Value| w.app.post("/api/v1/inspections", &w.inspector, body);
    let r = post(json!({"site_id": "road-passenger", "lane_id": "road-counter-entry-1", "direction": "entry", "mrz": broken})).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    let d = &r.json["error"]["details"];
    assert_eq!(
        (d["line"].as_u64(), d["position"].as_u64()),
        (Some(2), Some(14)),
        "{d}"
    );
    assert!(d["field"].is_string());

    for (body, field) in [
        (
            json!({"site_id": "nowhere", "lane_id": "road-counter-entry-1", "direction": "entry", "mrz": good}),
            "site_id",
        ),
        (
            json!({"site_id": "road-passenger", "lane_id": "lane-x", "direction": "entry", "mrz": good}),
            "lane_id",
        ),
        (
            json!({"site_id": "airport", "lane_id": "road-counter-entry-1", "direction": "entry", "mrz": good}),
            "lane_id",
        ),
        (
            json!({"site_id": "road-passenger", "lane_id": "road-counter-entry-1", "direction": "exit", "mrz": good}),
            "direction",
        ),
        (
            json!({"site_id": "road-passenger", "lane_id": "road-counter-entry-1", "direction": "entry", "mrz": good, "face_template": []}),
            "face_template",
        ),
        (
            json!({"site_id": "road-passenger", "lane_id": "road-counter-entry-1", "direction": "entry"}),
            "mrz",
        ),
        (
            json!({"site_id": "road-passenger", "lane_id": "road-counter-entry-1", "direction": "entry",
                "document": {"surname": "BAYAR", "nationality": "ZZZ", "birth_date": "1985-05-05", "document_number": "E1", "issuing_state": "MNG", "expiry_date": "2031-01-01"}}),
            "document.nationality",
        ),
    ] {
        let r = post(body).await;
        assert_eq!(
            r.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{field}: {}",
            r.text
        );
        assert_eq!(r.json["error"]["details"]["field"], field, "{}", r.text);
    }
    let r = post(json!({"site_id": "road-passenger", "lane_id": "road-counter-entry-1", "direction": "up", "mrz": good})).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn hand_typed_documents_are_screened_too() {
    let w = world().await;
    let r = w
        .app
        .post(
            "/api/v1/inspections",
            &w.inspector,
            json!({"site_id": "road-passenger", "lane_id": "road-counter-exit-1", "direction": "exit",
                   "document": {"surname": "Ганзориг", "given_names": "Батболд", "nationality": "MNG",
                                "birth_date": "1979-04-02", "sex": "M", "document_number": "E0000001",
                                "issuing_state": "MNG", "expiry_date": "2031-01-01"}}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    assert_eq!(r.json["decision"], "detain", "{}", r.text);
    assert_eq!(r.json["personal"]["document"]["source"], "manual");
}

#[tokio::test]
async fn imports_are_incremental_and_the_index_follows() {
    let w = world().await;
    // W-1 removed, R-1 updated, a new entry added.
    let csv = "\
id,list,name,aliases,birth_date,sex,nationality,document_number,document_country,reason,action
R-1,refused_entry,Sergei Kuznetsov,,1982-11-23,M,RUS,751234567,RUS,smuggling (2nd),refuse entry
L-1,lost_stolen_document,Oyuntsetseg Dorj,,1990-01-15,F,MNG,LS9876543,MNG,reported stolen,seize document
A-1,alert,Tsetsegmaa Enkhbayar,,1988-07-07,F,MNG,,,customs interest,report discreetly
W-2,wanted,Dashdorj Munkhbat,,1975-09-09,M,MNG,,,fraud,arrest
";
    let s = import_csv(&w.app, &w.admin, "wanted", csv).await;
    assert_eq!(
        (
            s["added"].as_u64(),
            s["updated"].as_u64(),
            s["removed"].as_u64(),
            s["unchanged"].as_u64()
        ),
        (Some(1), Some(1), Some(1), Some(2)),
        "{s}"
    );
    let mrz = Td3::new("GANZORIG", "BATBOLD", "E7654321", "MNG")
        .born("790402")
        .sex('M')
        .expires(&yymmdd_in_years(5))
        .lines();
    let r = inspect(&w, &w.inspector, "road-counter-entry-1", "entry", mrz).await;
    assert!(!hit_ids(&r).contains(&"W-1".to_owned()), "{r}");
    let st = w.app.get("/api/v1/watchlists/stats", &w.admin).await;
    assert_eq!(st.json["entries"], 4, "{}", st.text);
    let bad = w
        .app
        .send(
            Request::builder()
                .method(Method::POST)
                .uri("/api/v1/watchlists/wanted/import?format=csv")
                .header(header::AUTHORIZATION, format!("Bearer {}", w.admin))
                .body(Body::from("id,name\nx,Bold\ny,\n"))
                .unwrap(),
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", bad.text);
    assert!(bad.text.contains("line 3"), "{}", bad.text);
}

#[tokio::test]
async fn an_import_by_another_writer_is_live_within_seconds() {
    let w = world().await;
    // As the CLI does on a shared database: straight to the store, not through this server.
    let csv =
        "id,list,name,birth_date,nationality\nW-9,wanted,Ochirbat Sukhbaatar,1970-02-02,MNG\n";
    let imported = guomen_watchlist::import(
        guomen_watchlist::Format::Csv,
        guomen_watchlist::ImportInput::new(csv.as_bytes()),
        guomen_domain::watchlist::ListKind::Wanted,
        &mut |_| {},
    )
    .unwrap();
    let tool = guomen_station::Station::new(
        w.app.store.clone(),
        guomen_port::erenhot(),
        std::sync::Arc::new(guomen_station::SystemClock),
    );
    tool.import_watchlist(
        "cli",
        imported,
        guomen_domain::watchlist::ListKind::Wanted,
        guomen_watchlist::Format::Csv,
        &mut |_, _| {},
    )
    .await
    .unwrap();
    let mrz = Td3::new("SUKHBAATAR", "OCHIRBAT", "E3332221", "MNG")
        .born("700202")
        .sex('M')
        .expires(&yymmdd_in_years(5))
        .lines();
    let started = std::time::Instant::now();
    loop {
        let r = inspect(
            &w,
            &w.inspector,
            "road-counter-entry-3",
            "entry",
            mrz.clone(),
        )
        .await;
        if hit_ids(&r).contains(&"W-9".to_owned()) {
            break;
        }
        assert!(
            started.elapsed() < std::time::Duration::from_secs(10),
            "not picked up: {r}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    }
    // The file replaced the list's local entries: W-1 went, the other lists stayed.
    let st = w.app.get("/api/v1/watchlists/stats", &w.admin).await;
    assert_eq!(st.json["entries"], 4, "{}", st.text);
    let old = Td3::new("GANZORIG", "BATBOLD", "E7654321", "MNG")
        .born("790402")
        .sex('M')
        .expires(&yymmdd_in_years(5))
        .lines();
    let r = inspect(&w, &w.inspector, "road-counter-entry-3", "entry", old).await;
    assert!(!hit_ids(&r).contains(&"W-1".to_owned()), "{r}");
}
