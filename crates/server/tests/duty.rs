//! Duty and special channels through the HTTP API, in-process (issue 16): supervision checks,
//! inspector grades and countersignatures, channel advice, permit notices, a bus plate read
//! opening the tour-group lane, recommendation reasons as codes.

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use chrono::{Duration, Utc};
use guomen_domain::Role;
use guomen_server::test_app::TestApp;
use serde_json::{Value, json};

fn traveller(nationality: &str, number: &str) -> Value {
    json!({"surname": "BATBAYAR", "given_names": "TEMUUJIN", "nationality": nationality,
           "birth_date": "1990-04-12", "sex": "M", "document_number": number,
           "issuing_state": nationality, "expiry_date": "2031-05-01"})
}

async fn inspect(app: &TestApp, token: &str, lane: &str, body: Value) -> Value {
    let mut b = json!({"site_id": "road-passenger", "lane_id": lane, "direction": "entry"});
    for (k, v) in body.as_object().unwrap() {
        b[k] = v.clone();
    }
    let r = app.post("/api/v1/inspections", token, b).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    r.json
}

async fn user_with_grade(app: &TestApp, admin: &str, name: &str, grade: &str) -> String {
    let r = app
        .post(
            "/api/v1/users",
            admin,
            json!({"name": name, "role": "inspector", "grade": grade}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    assert_eq!(r.json["user"]["grade"], grade);
    r.json["token"].as_str().unwrap().to_owned()
}

async fn journal(app: &TestApp, admin: &str) -> String {
    app.get("/api/v1/journal?limit=200", admin).await.text
}

#[tokio::test]
async fn supervision_checks_are_recorded_journaled_and_listed_by_day() {
    let app = TestApp::new().await;
    let chief = app.user("chief-wang", Role::DutyChief).await;
    let admin = app.user("root", Role::Admin).await;
    let r = app
        .post(
            "/api/v1/supervision/checks",
            &chief,
            json!({"site_id": "road-passenger", "post": "counter", "person": "Li Na",
                   "present": false, "issues": ["post left unattended"], "remarks": "back after 10 min"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    assert_eq!(r.json["checked_by"], "chief-wang");
    assert_eq!(r.json["present"], false);
    assert_eq!(r.json["issues"], json!(["post left unattended"]));

    let today = app.get("/api/v1/supervision/checks", &chief).await;
    assert_eq!(today.json.as_array().unwrap().len(), 1, "{}", today.text);
    assert_eq!(today.json[0]["person"], "Li Na");
    let day = (Utc::now() + Duration::hours(8)).date_naive() - Duration::days(2);
    let old = app
        .get(&format!("/api/v1/supervision/checks?date={day}"), &chief)
        .await;
    assert_eq!(old.json, json!([]), "{}", old.text);
    assert!(journal(&app, &admin).await.contains("supervision.checked"));

    // An inspector is checked, does not check; bad input is refused.
    let inspector = app.user("insp", Role::Inspector).await;
    for (token, status) in [
        (&inspector, StatusCode::FORBIDDEN),
        (&chief, StatusCode::UNPROCESSABLE_ENTITY),
    ] {
        let r = app
            .post(
                "/api/v1/supervision/checks",
                token,
                json!({"site_id": "nowhere", "post": "counter", "present": true}),
            )
            .await;
        assert_eq!(r.status, status, "{}", r.text);
    }
    let r = app
        .post(
            "/api/v1/supervision/checks",
            &chief,
            json!({"site_id": "road-passenger", "post": "  ", "present": true}),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    assert_eq!(
        app.get("/api/v1/supervision/checks", &inspector)
            .await
            .status,
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn an_auxiliarys_refusal_waits_for_an_officers_countersign() {
    let app = TestApp::new().await;
    let admin = app.user("root", Role::Admin).await;
    let aux = user_with_grade(&app, &admin, "aux-bao", "auxiliary").await;
    let nco = user_with_grade(&app, &admin, "nco-gan", "nco").await;
    let officer = user_with_grade(&app, &admin, "officer-li", "officer").await;
    let me = app.get("/api/v1/me", &aux).await;
    assert_eq!(me.json["grade"], "auxiliary");
    // Only inspectors have a grade.
    let r = app
        .post(
            "/api/v1/users",
            &admin,
            json!({"name": "graded-chief", "role": "duty_chief", "grade": "officer"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    let r = app
        .post(
            "/api/v1/users",
            &admin,
            json!({"name": "x", "role": "inspector", "grade": "general"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);

    // The auxiliary refuses: pending, awaiting countersign, no crossing.
    let i = inspect(
        &app,
        &aux,
        "road-counter-entry-1",
        json!({"document": traveller("MNG", "E1000001")}),
    )
    .await;
    assert_eq!(i["suggested"], "clear");
    let id = i["id"].as_str().unwrap().to_owned();
    let r = app
        .post(
            &format!("/api/v1/inspections/{id}/decision"),
            &aux,
            json!({"decision": "refuse", "reason": "forged entry stamp"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json["status"], "awaiting_countersign");
    assert_eq!(r.json["final"], false);
    assert_eq!(r.json["crossing_id"], Value::Null);
    assert_eq!(r.json["proposed_decision"], "refuse");
    assert_eq!(r.json["personal"]["proposed_by"], "user:aux-bao");

    // Nobody decides it again; neither the auxiliary nor an NCO countersigns.
    let again = app
        .post(
            &format!("/api/v1/inspections/{id}/decision"),
            &officer,
            json!({"decision": "clear"}),
        )
        .await;
    assert_eq!(again.status, StatusCode::CONFLICT, "{}", again.text);
    assert_eq!(again.json["error"]["code"], "awaiting_countersign");
    for token in [&aux, &nco] {
        let r = app
            .post(
                &format!("/api/v1/inspections/{id}/countersign"),
                token,
                json!({}),
            )
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text);
        assert_eq!(r.json["error"]["code"], "not_an_officer");
    }
    let stats = app.get("/api/v1/stats/today", &admin).await;
    assert_eq!(stats.json["crossings"], 0, "{}", stats.text);

    // The officer countersigns: the crossing is recorded, refused, with both names.
    let r = app
        .post(
            &format!("/api/v1/inspections/{id}/countersign"),
            &officer,
            json!({}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json["status"], "decided");
    assert_eq!(r.json["decision"], "refuse");
    assert!(r.json["crossing_id"].is_string());
    assert_eq!(r.json["personal"]["countersigned_by"], "user:officer-li");
    assert_eq!(r.json["personal"]["decided_by"], "user:officer-li");
    assert_eq!(r.json["personal"]["override_reason"], "forged entry stamp");
    let r = app
        .post(
            &format!("/api/v1/inspections/{id}/countersign"),
            &officer,
            json!({}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text);
    let text = journal(&app, &admin).await;
    assert!(
        text.contains("inspection.countersign_requested")
            && text.contains("inspection.countersigned"),
        "{text}"
    );

    // The other path: an auxiliary's clearance and an NCO's refusal are final at once.
    for (token, decision, number) in [(&aux, "clear", "E1000002"), (&nco, "refuse", "E1000003")] {
        let i = inspect(
            &app,
            token,
            "road-counter-entry-1",
            json!({"document": traveller("MNG", number)}),
        )
        .await;
        let id = i["id"].as_str().unwrap();
        let mut body = json!({"decision": decision});
        if decision != "clear" {
            body["reason"] = json!("no visa");
        }
        let r = app
            .post(&format!("/api/v1/inspections/{id}/decision"), token, body)
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        assert_eq!(r.json["status"], "decided", "{}", r.text);
        assert!(r.json["crossing_id"].is_string());
    }
    let stats = app.get("/api/v1/stats/today", &admin).await;
    assert_eq!(stats.json["crossings"], 3, "{}", stats.text);
    // A countersignature on an unknown inspection.
    let r = app
        .post("/api/v1/inspections/nope/countersign", &officer, json!({}))
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.text);
}

#[tokio::test]
async fn the_answer_says_when_a_traveller_belongs_in_another_channel() {
    let app = TestApp::new().await;
    let insp = app.user("insp", Role::Inspector).await;
    // A student with a study visa at a counter: the students' channel.
    let i = inspect(
        &app,
        &insp,
        "road-counter-entry-1",
        json!({"document": traveller("MNG", "E2000001"), "visa_type": "x2", "purpose": "study"}),
    )
    .await;
    let a = &i["channel_advice"];
    assert_eq!(a["channel"], "students", "{i}");
    assert_eq!(a["lane_id"], "road-students");
    assert_eq!(a["reason"]["code"], "clr.channel.students");
    assert_eq!(a["reason"]["params"]["lane"], "road-students");
    assert_eq!(i["personal"]["visa_type"], "X2");
    // The same traveller without the visa in the students' channel: to a counter.
    let i = inspect(
        &app,
        &insp,
        "road-students",
        json!({"document": traveller("MNG", "E2000002"), "visa_type": "L"}),
    )
    .await;
    assert_eq!(i["channel_advice"]["channel"], "counter", "{i}");
    assert_eq!(i["channel_advice"]["reason"]["code"], "clr.channel.counter");
    // With it, the students' channel is right: no advice.
    let i = inspect(
        &app,
        &insp,
        "road-students",
        json!({"document": traveller("MNG", "E2000003"), "visa_type": "X1"}),
    )
    .await;
    assert_eq!(i["channel_advice"], Value::Null, "{i}");
    // A Chinese adult with a passport at a counter: the e-gates take them.
    let i = inspect(
        &app,
        &insp,
        "road-counter-entry-1",
        json!({"document": traveller("CHN", "E2000004")}),
    )
    .await;
    assert_eq!(i["channel_advice"]["channel"], "egate", "{i}");
    assert_eq!(i["channel_advice"]["reason"]["code"], "clr.channel.egate");
    // A rescue case at the rail site: the cross-border rescue channel.
    let mut body = json!({"site_id": "rail-passenger", "lane_id": "rail-counter-entry-1",
                          "direction": "entry", "purpose": "rescue"});
    body["document"] = traveller("MNG", "E2000005");
    let r = app.post("/api/v1/inspections", &insp, body).await;
    assert_eq!(
        r.json["channel_advice"]["channel"], "cross_border_rescue",
        "{}",
        r.text
    );
    assert_eq!(r.json["channel_advice"]["lane_id"], "rail-rescue");
    // A Mongolian at a counter without anything special: nowhere else.
    let i = inspect(
        &app,
        &insp,
        "road-counter-entry-1",
        json!({"document": traveller("MNG", "E2000006")}),
    )
    .await;
    assert_eq!(i["channel_advice"], Value::Null, "{i}");
    // Nonsense is refused.
    let r = app
        .post(
            "/api/v1/inspections",
            &insp,
            json!({"site_id": "road-passenger", "lane_id": "road-counter-entry-1", "direction": "entry",
                   "document": traveller("MNG", "E2000007"), "visa_type": "X 1; drop"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
}

async fn page(app: &TestApp, path: &str, token: &str) -> (StatusCode, String) {
    let req = Request::builder()
        .method(Method::GET)
        .uri(path)
        .header(
            header::COOKIE,
            format!("{}={token}", guomen_server::auth::SESSION_COOKIE),
        )
        .body(Body::empty())
        .unwrap();
    let r = app.send(req).await;
    (r.status, r.text)
}

#[tokio::test]
async fn permit_notices_print_in_four_languages_and_an_administrator_edits_them() {
    let app = TestApp::new().await;
    let admin = app.user("root", Role::Admin).await;
    let carrier = app.user("gobi-tours", Role::Carrier).await;
    let chief = app.user("chief", Role::DutyChief).await;
    for (kind, lang, words) in [
        ("traveller", "zh", "边检办证告知单"),
        ("traveller", "en", "Border inspection notice"),
        ("traveller", "mn", "Зорчигчдод"),
        ("traveller", "ru", "Памятка"),
        ("driver", "mn", "Жолоочид"),
        ("driver", "ru", "водителей"),
    ] {
        let (status, html) = page(&app, &format!("/notices/{kind}?lang={lang}"), &carrier).await;
        assert_eq!(status, StatusCode::OK, "{kind} {lang}: {html}");
        assert!(html.contains(words), "{kind} {lang}: {html}");
        assert!(html.contains(&format!("<html lang=\"{lang}\">")), "{html}");
        assert!(html.contains("<li>") && !html.contains("{port}"), "{html}");
    }
    let (status, html) = page(&app, "/notices/traveller?lang=en", &carrier).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Erenhot Port"), "{html}");
    // Without a session: the login page.
    let req = Request::builder()
        .uri("/notices/traveller?lang=zh")
        .body(Body::empty())
        .unwrap();
    assert_eq!(app.send(req).await.status, StatusCode::SEE_OTHER);
    assert_eq!(
        page(&app, "/notices/traveller?lang=fr", &carrier).await.0,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    assert_eq!(
        page(&app, "/notices/pilot?lang=en", &carrier).await.0,
        StatusCode::NOT_FOUND
    );

    // The administrator edits the Russian template: stored, journaled, escaped on the page.
    let text = "# Памятка\n## Куда идти\n- Окно 3 <b>только</b>\nДобро пожаловать в {port}.";
    let r = app
        .request(
            Method::PUT,
            "/api/v1/notices/traveller/ru",
            Some(&chief),
            Some(json!({"text": text})),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text);
    let r = app
        .request(
            Method::PUT,
            "/api/v1/notices/traveller/ru",
            Some(&admin),
            Some(json!({"text": text})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json["is_default"], false);
    assert_eq!(r.json["updated_by"], "root");
    let got = app.get("/api/v1/notices/traveller/ru", &carrier).await;
    assert_eq!(got.json["text"], text);
    let (_, html) = page(&app, "/notices/traveller?lang=ru", &carrier).await;
    assert!(
        html.contains("<li>Окно 3 &lt;b&gt;только&lt;/b&gt;</li>")
            && html.contains("Erenhot Port."),
        "{html}"
    );
    assert!(journal(&app, &admin).await.contains("notice.updated"));
    let r = app
        .request(
            Method::PUT,
            "/api/v1/notices/traveller/ru",
            Some(&admin),
            Some(json!({"text": "   "})),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
}

async fn read(app: &TestApp, camera: &str, plate: &str) -> guomen_server::test_app::TestResponse {
    app.post(
        "/api/v1/anpr",
        camera,
        json!({"camera_id": "anpr-passenger-entry", "plate": plate, "confidence": 0.93}),
    )
    .await
}

#[tokio::test]
async fn a_read_of_an_announced_buss_plate_opens_the_tour_group_lane_recommendation() {
    let app = TestApp::new().await;
    let chief = app.user("chief", Role::DutyChief).await;
    let camera = app
        .device("anpr-passenger", "camera:anpr-passenger-entry")
        .await;
    app.post(
        "/api/v1/roster/shifts",
        &chief,
        json!({"person": "Bat", "site_id": "road-passenger", "post": "counter",
               "start": (Utc::now() - Duration::hours(1)).to_rfc3339(),
               "end": (Utc::now() + Duration::hours(7)).to_rfc3339()}),
    )
    .await;
    // Expected in five hours: too early for a recommendation.
    let r = app
        .post(
            "/api/v1/groups",
            &chief,
            json!({"kind": "tour", "size": 38, "nationality": "MNG", "site_id": "road-passenger",
                   "direction": "entry", "plate": "1234 УБА",
                   "expected_arrival": (Utc::now() + Duration::hours(5)).to_rfc3339()}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let tour = |recs: &Value| {
        recs.as_array()
            .unwrap()
            .iter()
            .find(|r| r["lane_id"] == "road-tour-group-entry")
            .cloned()
    };
    let recs = app.get("/api/v1/lanes/recommendations", &chief).await;
    assert_eq!(tour(&recs.json), None, "{}", recs.text);

    // Another bus: nothing.
    let r = read(&app, &camera, "5678УБА").await;
    assert!(r.status.is_success(), "{}", r.text);
    let recs = app.get("/api/v1/lanes/recommendations", &chief).await;
    assert_eq!(tour(&recs.json), None, "{}", recs.text);

    // Its bus read at the gate now: the lane is recommended, the reason says so as a code.
    let r = read(&app, &camera, "1234УБА").await;
    assert!(r.status.is_success(), "{}", r.text);
    let recs = app.get("/api/v1/lanes/recommendations", &chief).await;
    let rec = tour(&recs.json).unwrap_or_else(|| panic!("{}", recs.text));
    assert_eq!(rec["action"], "open");
    assert_eq!(rec["reason_code"], "flow.rec.group_seen");
    assert_eq!(rec["reason_text"]["code"], "flow.rec.group_seen");
    assert_eq!(rec["reason_text"]["params"]["reason"], "flow.why.free");
    assert_eq!(rec["reason_text"]["params"]["person"], "Bat");
    assert_eq!(rec["reason_text"]["params"]["size"], "38");
    assert!(
        rec["reason"]
            .as_str()
            .unwrap()
            .contains("was seen at the gate"),
        "{rec}"
    );
    let admin = app.user("root", Role::Admin).await;
    assert!(journal(&app, &admin).await.contains("group.seen"));
}
