//! Statistics end to end, in-process: crossings made through the API are counted as they are
//! journaled, grouped over any period, equal to an independent count of the crossings listed
//! by the API and to a recount of the journal, and rebuilt on demand. Names are invented.

use axum::http::{Method, StatusCode};
use guomen_domain::Role;
use guomen_server::test_app::TestApp;
use guomen_station::Station;
use guomen_store::StatsDim;
use guomen_testkit::mrz::{Td3, yymmdd_in_years};
use serde_json::{Value, json};
use std::collections::BTreeMap;

const TRAVELLERS: [(&str, &str, &str, &str); 6] = [
    ("BAYAR", "TEMUULEN", "E5556667", "MNG"),
    ("DORJ", "ANAR", "E5556668", "MNG"),
    ("SUKH", "BAT", "E5556669", "MNG"),
    ("IVANOV", "PYOTR", "751000001", "RUS"),
    ("PETROVA", "OLGA", "751000002", "RUS"),
    ("WANG", "LEI", "E11220001", "CHN"),
];

async fn cross(app: &TestApp, token: &str, lane: &str, direction: &str, i: usize) -> Value {
    let (surname, given, doc, nat) = TRAVELLERS[i % TRAVELLERS.len()];
    let mrz = Td3::new(surname, given, doc, nat)
        .born("850505")
        .sex('M')
        .expires(&yymmdd_in_years(4))
        .lines();
    let site = app.state.station.port().lane(lane).unwrap().site.clone();
    let r = app
        .post(
            "/api/v1/inspections",
            token,
            json!({"site_id": site, "lane_id": lane, "direction": direction, "mrz": mrz}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    if r.json["status"] == "pending" {
        let id = r.json["id"].as_str().unwrap();
        let d = app
            .post(
                &format!("/api/v1/inspections/{id}/decision"),
                token,
                json!({"decision": r.json["suggested"]}),
            )
            .await;
        assert_eq!(d.status, StatusCode::OK, "{}", d.text);
    }
    r.json
}

fn groups(v: &Value) -> BTreeMap<String, u64> {
    v["groups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| {
            (
                g["key"].as_str().unwrap().to_owned(),
                g["count"].as_u64().unwrap(),
            )
        })
        .collect()
}

#[tokio::test]
async fn counts_equal_the_crossings_listed_and_the_journal() {
    let app = TestApp::new().await;
    let inspector = app.user("insp", Role::Inspector).await;
    let analyst = app.user("ana", Role::Analyst).await;
    let admin = app.user("admin", Role::Admin).await;
    let lanes = [
        ("road-counter-entry-1", "entry"),
        ("road-egate-entry-1", "entry"),
        ("road-counter-exit-1", "exit"),
    ];
    for i in 0..14 {
        let (lane, dir) = lanes[i % lanes.len()];
        cross(&app, &inspector, lane, dir, i).await;
    }
    // The independent count: every crossing the API lists.
    let listed = app.get("/api/v1/crossings?limit=1000", &inspector).await;
    assert_eq!(listed.status, StatusCode::OK, "{}", listed.text);
    let mut by_nat: BTreeMap<String, u64> = BTreeMap::new();
    let mut by_dir: BTreeMap<String, u64> = BTreeMap::new();
    for c in listed.json.as_array().unwrap() {
        *by_nat
            .entry(c["nationality"].as_str().unwrap().to_owned())
            .or_default() += 1;
        *by_dir
            .entry(c["direction"].as_str().unwrap().to_owned())
            .or_default() += 1;
    }
    assert_eq!(by_nat.values().sum::<u64>(), 14);
    let s = app
        .get("/api/v1/stats/crossings?group_by=nationality", &analyst)
        .await;
    assert_eq!(s.status, StatusCode::OK, "{}", s.text);
    assert_eq!(s.json["total"], 14, "{}", s.json);
    assert_eq!(groups(&s.json), by_nat);
    // The same groups as CSV, for a spreadsheet.
    let csv = app
        .get(
            "/api/v1/stats/crossings?group_by=nationality&format=csv",
            &analyst,
        )
        .await;
    assert_eq!(csv.status, StatusCode::OK, "{}", csv.text);
    let mut lines = csv.text.lines();
    assert_eq!(lines.next(), Some("nationality,count"), "{}", csv.text);
    let from_csv: BTreeMap<String, u64> = lines
        .map(|l| {
            let (k, n) = l.split_once(',').unwrap();
            (k.to_owned(), n.parse().unwrap())
        })
        .collect();
    assert_eq!(from_csv, by_nat);
    let bad = app
        .get(
            "/api/v1/stats/crossings?group_by=nationality&format=xlsx",
            &analyst,
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", bad.text);
    let s = app
        .get("/api/v1/stats/crossings?group_by=direction", &analyst)
        .await;
    assert_eq!(groups(&s.json), by_dir);
    let s = app
        .get("/api/v1/stats/crossings?group_by=lane_kind", &analyst)
        .await;
    let kinds = groups(&s.json);
    assert!(
        kinds.contains_key("manual_counter") && kinds.contains_key("egate"),
        "{kinds:?}"
    );

    // Every grouping equals a recount of the journal, before and after a rebuild.
    let station = &app.state.station;
    let today = station.today();
    let check = |when: &'static str| async move {
        let (_, recount) = station.recount_crossings().await.unwrap();
        let who = principal(station, "ana").await;
        for by in StatsDim::ALL {
            let kept = station
                .crossing_stats(&who, by, Some(today - chrono::Days::new(40)), Some(today))
                .await
                .unwrap();
            let want = Station::group_recount(&recount, by, today - chrono::Days::new(40), today);
            assert_eq!(kept.groups, want, "{when}: grouped by {by}");
        }
    };
    check("as kept").await;
    let r = app
        .request(Method::POST, "/api/v1/stats/rebuild", Some(&admin), None)
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json["crossings"], 14, "{}", r.json);
    check("after a rebuild").await;
}

async fn principal(station: &Station, name: &str) -> guomen_station::Principal {
    let user = station.user_by_name(name).await.unwrap().unwrap();
    let (token, _) = station
        .issue_token(&user.id, "test", "system")
        .await
        .unwrap();
    station.authenticate(&token).await.unwrap().unwrap()
}

#[tokio::test]
async fn bad_questions_and_wrong_roles_are_refused() {
    let app = TestApp::new().await;
    let analyst = app.user("ana", Role::Analyst).await;
    let partner = app.user("border-unit", Role::Partner).await;
    let inspector = app.user("insp", Role::Inspector).await;
    for (q, says) in [
        ("group_by=weekday", "unknown grouping `weekday`"),
        ("group_by=day&from=2026-05-02&to=2026-05-01", "is after"),
        (
            "group_by=day&from=1900-01-01&to=2026-05-01",
            "at most 50 years",
        ),
        ("group_by=day&from=yesterday", "from"),
    ] {
        let r = app
            .get(&format!("/api/v1/stats/crossings?{q}"), &analyst)
            .await;
        assert!(r.status.is_client_error(), "{q}: {}", r.status);
        assert!(r.text.contains(says), "{q}: {}", r.text);
    }
    let r = app
        .get("/api/v1/stats/crossings?group_by=site", &partner)
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text);
    // Region totals: an analyst enters them, staff read them, nobody else writes them.
    let body = json!({"crossings": 6_056_000, "stations": [
        {"name": "Erenhot", "crossings": 2_440_800},
        {"name": "Manzhouli", "crossings": 1_800_000}
    ]});
    let r = app
        .request(
            Method::PUT,
            "/api/v1/stats/region-totals/2018",
            Some(&inspector),
            Some(body.clone()),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text);
    let r = app
        .request(
            Method::PUT,
            "/api/v1/stats/region-totals/2018",
            Some(&analyst),
            Some(body),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let r = app
        .get("/api/v1/stats/region-totals/2018", &inspector)
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json["stations"][0]["crossings"], 2_440_800);
    let r = app
        .get("/api/v1/stats/region-totals/2017", &inspector)
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.text);
    let over = json!({"crossings": 100, "stations": [{"name": "Erenhot", "crossings": 101}]});
    let r = app
        .request(
            Method::PUT,
            "/api/v1/stats/region-totals/2018",
            Some(&analyst),
            Some(over),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    assert!(r.text.contains("more crossings"), "{}", r.text);
}

#[tokio::test]
async fn a_case_runs_from_an_inspection_to_closing_with_seizures_and_evidence() {
    let app = TestApp::new().await;
    let inspector = app.user("insp", Role::Inspector).await;
    let analyst = app.user("ana", Role::Analyst).await;
    let inspection = cross(&app, &inspector, "road-counter-entry-1", "entry", 0).await;
    let inspection_id = inspection["id"].as_str().unwrap();
    let kinds = app.get("/api/v1/cases/kinds", &inspector).await;
    assert!(
        kinds.text.contains("\"drugs\"") && kinds.text.contains("毒品"),
        "{}",
        kinds.text
    );
    let r = app
        .post(
            "/api/v1/cases",
            &inspector,
            json!({"kind": "drugs", "summary": "drugs concealed inside the body",
                   "inspection_id": inspection_id}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let id = r.json["id"].as_str().unwrap().to_owned();
    assert_eq!(r.json["status"], "open");
    let r = app
        .post(
            &format!("/api/v1/cases/{id}/seizures"),
            &inspector,
            json!({"category": "drugs", "item": "heroin", "quantity": 18.8, "unit": "g"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    for (body, says) in [
        (
            json!({"category": "drugs", "item": "x", "quantity": -1, "unit": "g"}),
            "positive",
        ),
        (
            json!({"category": "drugs", "item": "x", "quantity": 1, "unit": "bags"}),
            "unknown unit",
        ),
        (
            json!({"category": "gold", "item": "x", "quantity": 1, "unit": "g"}),
            "seizurecategory",
        ),
    ] {
        let r = app
            .post(&format!("/api/v1/cases/{id}/seizures"), &inspector, body)
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
        assert!(r.text.contains(says), "{}", r.text);
    }
    // Evidence: stored by its hash, kept with its content type, every viewing recorded.
    let photo = b"\xff\xd8\xff\xe0 not really a jpeg".to_vec();
    let req = axum::http::Request::builder()
        .method(Method::POST)
        .uri(format!("/api/v1/cases/{id}/evidence"))
        .header("authorization", format!("Bearer {inspector}"))
        .header("content-type", "image/jpeg")
        .body(axum::body::Body::from(photo.clone()))
        .unwrap();
    let r = app.send(req).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let sha = r.json["sha256"].as_str().unwrap().to_owned();
    assert_eq!(sha.len(), 64);
    let resp = app
        .send_raw(
            axum::http::Request::builder()
                .uri(format!("/api/v1/cases/{id}/evidence/{sha}"))
                .header("authorization", format!("Bearer {inspector}"))
                .body(axum::body::Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(resp.headers()["content-type"], "image/jpeg");
    let bytes = axum::body::to_bytes(resp.into_body(), usize::MAX)
        .await
        .unwrap();
    assert_eq!(bytes.as_ref(), photo.as_slice());
    let r = app
        .get(
            &format!("/api/v1/cases/{id}/evidence/{}", "0".repeat(64)),
            &inspector,
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.text);
    // The lifecycle: a closed case cannot reopen; closing needs a disposition.
    let r = app
        .post(
            &format!("/api/v1/cases/{id}/status"),
            &inspector,
            json!({"status": "closed"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    let r = app
        .post(
            &format!("/api/v1/cases/{id}/status"),
            &inspector,
            json!({"status": "under_investigation"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let r = app
        .post(
            &format!("/api/v1/cases/{id}/close"),
            &inspector,
            json!({"disposition": "handed over to the public security bureau"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let r = app
        .post(
            &format!("/api/v1/cases/{id}/status"),
            &inspector,
            json!({"status": "open"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text);
    let case = app.get(&format!("/api/v1/cases/{id}"), &inspector).await;
    let actions: Vec<&str> = case.json["custody"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["added", "viewed"], "{}", case.json);
    let closed = app.get("/api/v1/cases?status=closed", &inspector).await;
    assert_eq!(closed.json.as_array().unwrap().len(), 1, "{}", closed.text);
    // An analyst reads no case (it names people); a report counts them.
    let r = app.get(&format!("/api/v1/cases/{id}"), &analyst).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text);
}

#[tokio::test]
async fn the_annual_report_counts_crossings_cases_and_seizures() {
    let app = TestApp::new().await;
    let inspector = app.user("insp", Role::Inspector).await;
    let analyst = app.user("ana", Role::Analyst).await;
    for i in 0..5 {
        let (lane, dir) = if i % 2 == 0 {
            ("road-counter-entry-1", "entry")
        } else {
            ("road-counter-exit-1", "exit")
        };
        cross(&app, &inspector, lane, dir, i).await;
    }
    let case = app
        .post(
            "/api/v1/cases",
            &inspector,
            json!({"kind": "weapons_ammunition", "summary": "bullets in a bag"}),
        )
        .await;
    let id = case.json["id"].as_str().unwrap();
    let r = app
        .post(
            &format!("/api/v1/cases/{id}/seizures"),
            &inspector,
            json!({"category": "ammunition", "item": "bullets", "quantity": 18, "unit": "pcs"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let year = app.state.station.today().format("%Y").to_string();
    let r = app
        .request(
            Method::PUT,
            &format!("/api/v1/stats/region-totals/{year}"),
            Some(&analyst),
            Some(json!({"crossings": 20, "stations": [{"name": "other", "crossings": 9}]})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let r = app
        .get(&format!("/api/v1/reports/annual?year={year}"), &analyst)
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let j = &r.json;
    assert_eq!(j["crossings"], 5, "{j}");
    assert_eq!(j["entries"], 3, "{j}");
    assert_eq!(j["exits"], 2, "{j}");
    assert_eq!(j["countries"], 2, "{j}");
    assert_eq!(j["region_share"], 0.25, "{j}");
    assert_eq!(j["region_rank"], 2, "{j}");
    assert_eq!(j["cases"]["total"], 1, "{j}");
    assert_eq!(j["cases"]["by_kind"]["weapons_ammunition"], 1, "{j}");
    assert_eq!(j["seizures"][0]["quantity"], 18.0, "{j}");
    let csv = app
        .get(
            &format!("/api/v1/reports/annual?year={year}&format=csv&lang=en"),
            &analyst,
        )
        .await;
    assert!(
        csv.text
            .contains("Travellers inspected (person-crossings),5"),
        "{}",
        csv.text
    );
    let html = app
        .get(
            &format!("/api/v1/reports/annual?year={year}&format=html"),
            &analyst,
        )
        .await;
    assert!(
        html.text.contains("年度工作报告")
            && html.text.contains("<svg")
            && html.text.contains("枪支弹药")
            && html.text.contains("放行"),
        "{}",
        html.text
    );
    let bad = app
        .get(
            &format!("/api/v1/reports/annual?year={year}&format=pdf"),
            &analyst,
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", bad.text);
}

#[tokio::test]
async fn the_monthly_report_counts_its_month_day_by_day() {
    let app = TestApp::new().await;
    let inspector = app.user("insp", Role::Inspector).await;
    let analyst = app.user("ana", Role::Analyst).await;
    for i in 0..3 {
        cross(&app, &inspector, "road-counter-entry-1", "entry", i).await;
    }
    let case = app
        .post(
            "/api/v1/cases",
            &inspector,
            json!({"kind": "drugs", "summary": "body packing"}),
        )
        .await;
    let id = case.json["id"].as_str().unwrap();
    let r = app
        .post(
            &format!("/api/v1/cases/{id}/seizures"),
            &inspector,
            json!({"category": "drugs", "item": "heroin", "quantity": 18.8, "unit": "g"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let today = app.state.station.today();
    let month = today.format("%Y-%m").to_string();
    let r = app
        .get(&format!("/api/v1/reports/monthly?month={month}"), &analyst)
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let j = &r.json;
    assert_eq!(j["crossings"], 3, "{j}");
    assert_eq!(
        j["month"],
        today.format("%m").to_string().parse::<u32>().unwrap(),
        "{j}"
    );
    assert_eq!(j["by_day"][0]["key"], today.to_string(), "{j}");
    assert_eq!(j["by_day"][0]["count"], 3, "{j}");
    assert_eq!(j["cases"]["by_kind"]["drugs"], 1, "{j}");
    assert_eq!(j["seizures"][0]["quantity"], 18.8, "{j}");
    assert!(j.get("region_share").is_some_and(|v| v.is_null()), "{j}");

    // The same month a year later is empty, not this one's.
    let later = format!(
        "{}-{}",
        today.format("%Y").to_string().parse::<i32>().unwrap() + 1,
        today.format("%m")
    );
    let r = app
        .get(&format!("/api/v1/reports/monthly?month={later}"), &analyst)
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json["crossings"], 0, "{}", r.text);
    assert_eq!(r.json["cases"]["total"], 0, "{}", r.text);

    let html = app
        .get(
            &format!("/api/v1/reports/monthly?month={month}&format=html&lang=en"),
            &analyst,
        )
        .await;
    assert!(
        html.text.contains("Monthly report") && html.text.contains("By day"),
        "{}",
        html.text
    );
    let csv = app
        .get(
            &format!("/api/v1/reports/monthly?month={month}&format=csv"),
            &analyst,
        )
        .await;
    assert!(csv.text.starts_with("月度工作报告,"), "{}", csv.text);
    assert!(
        !csv.text.contains("全区排名"),
        "a month has no rank: {}",
        csv.text
    );
    for bad in ["2026-13", "2026", "december", "2026-1"] {
        let r = app
            .get(&format!("/api/v1/reports/monthly?month={bad}"), &analyst)
            .await;
        assert_eq!(
            r.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{bad}: {}",
            r.text
        );
    }
    let r = app
        .get(
            &format!("/api/v1/reports/monthly?month={month}&lang=fr"),
            &analyst,
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
}
