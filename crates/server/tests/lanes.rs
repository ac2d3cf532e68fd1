//! Lanes, flow and duty through the HTTP API, in-process (issue 16).

use axum::http::StatusCode;
use chrono::{Duration, Utc};
use guomen_domain::Role;
use guomen_server::test_app::TestApp;
use serde_json::{Value, json};

const COUNTER: &str = "road-counter-entry-1";

fn lane<'a>(status: &'a Value, id: &str) -> &'a Value {
    status
        .as_array()
        .and_then(|a| a.iter().find(|l| l["lane_id"] == id))
        .unwrap_or_else(|| panic!("lane {id} in {status}"))
}

fn shift(person: &str, post: &str) -> Value {
    json!({"person": person, "site_id": "road-passenger", "post": post,
           "start": (Utc::now() - Duration::hours(1)).to_rfc3339(),
           "end": (Utc::now() + Duration::hours(7)).to_rfc3339()})
}

#[tokio::test]
async fn lane_status_has_the_interface_fields_and_open_close_is_journaled_with_who() {
    let app = TestApp::new().await;
    let chief = app.user("chief-wang", Role::DutyChief).await;
    let r = app.get("/api/v1/lanes/status", &chief).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let l = lane(&r.json, COUNTER);
    for f in [
        "lane_id",
        "kind",
        "channel",
        "site_id",
        "direction",
        "open",
        "staff",
        "queue",
        "service_rate_per_h",
        "wait_estimate_s",
        "method",
    ] {
        assert!(l.get(f).is_some(), "{f} missing in {l}");
    }
    assert_eq!(l["open"], false);
    assert_eq!(l["method"], "closed");
    assert_eq!(l["wait_estimate_s"], Value::Null);
    // The port's default for manual counters: 90 s, so 40 an hour.
    assert_eq!(l["service_rate_per_h"], 40.0);
    let tour = lane(&r.json, "road-tour-group-entry");
    assert_eq!(
        (tour["kind"].as_str(), tour["channel"].as_str()),
        (Some("special_channel"), Some("tour_group"))
    );
    let only = app
        .get("/api/v1/lanes/status?channel=tour_group", &chief)
        .await;
    assert!(
        only.json
            .as_array()
            .unwrap()
            .iter()
            .all(|l| l["channel"] == "tour_group")
    );

    let r = app
        .post(
            &format!("/api/v1/lanes/{COUNTER}/open"),
            &chief,
            json!({"reason": "morning"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json["open"], true);
    assert_eq!(r.json["changed_by"], "chief-wang");
    assert_eq!(r.json["method"], "observed_throughput");
    let r = app
        .post(
            &format!("/api/v1/lanes/{COUNTER}/staff"),
            &chief,
            json!({"persons": ["Li Na", "Li Na", "Bat"]}),
        )
        .await;
    assert_eq!(r.json["staff"], json!(["Li Na", "Bat"]));
    let r = app
        .post(&format!("/api/v1/lanes/{COUNTER}/close"), &chief, json!({}))
        .await;
    assert_eq!(r.json["open"], false);

    let admin = app.user("root", Role::Admin).await;
    let j = app.get("/api/v1/journal?limit=50", &admin).await;
    let text = j.text;
    assert!(
        text.contains("lane.opened")
            && text.contains("lane.closed")
            && text.contains("user:chief-wang"),
        "{text}"
    );

    // Bad input.
    assert_eq!(
        app.post("/api/v1/lanes/no-such-lane/open", &chief, json!({}))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    let r = app
        .post(
            &format!("/api/v1/lanes/{COUNTER}/staff"),
            &chief,
            json!({"persons": ["  "]}),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    let inspector = app.user("insp", Role::Inspector).await;
    assert_eq!(
        app.post(
            &format!("/api/v1/lanes/{COUNTER}/open"),
            &inspector,
            json!({})
        )
        .await
        .status,
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn queue_counts_from_a_scoped_camera_give_a_wait_and_bad_counts_are_refused() {
    let app = TestApp::new().await;
    let chief = app.user("chief", Role::DutyChief).await;
    let camera = app.device("cam-1", &format!("lane:{COUNTER}")).await;
    app.post(&format!("/api/v1/lanes/{COUNTER}/open"), &chief, json!({}))
        .await;
    let r = app
        .post(
            &format!("/api/v1/lanes/{COUNTER}/queue"),
            &camera,
            json!({"count": 12}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json["queue"], 12);
    // 12 ahead at one position serving 40 an hour: 18 minutes.
    assert_eq!(r.json["wait_estimate_s"], 1080.0);
    assert_eq!(r.json["method"], "observed_throughput");
    // A camera speaks only for its lane.
    let r = app
        .post(
            "/api/v1/lanes/road-counter-entry-2/queue",
            &camera,
            json!({"count": 3}),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text);
    for bad in [
        json!({"count": -1}),
        json!({"count": 1_000_000}),
        json!({"count": 2, "time": (Utc::now() + Duration::hours(2)).to_rfc3339()}),
    ] {
        let r = app
            .post(
                &format!("/api/v1/lanes/{COUNTER}/queue"),
                &camera,
                bad.clone(),
            )
            .await;
        assert_eq!(
            r.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{bad}: {}",
            r.text
        );
        assert!(r.json["error"]["code"].is_string());
    }
    let r = app
        .post(
            &format!("/api/v1/lanes/{COUNTER}/queue"),
            &camera,
            json!({"count": "many"}),
        )
        .await;
    assert!(r.status.is_client_error());
    let status = app.get("/api/v1/lanes/status", &chief).await;
    assert_eq!(lane(&status.json, COUNTER)["queue"], 12);
}

#[tokio::test]
async fn recommendations_open_a_lane_only_with_someone_free_on_duty_else_call_the_reserve() {
    let app = TestApp::new().await;
    let chief = app.user("chief", Role::DutyChief).await;
    app.post(&format!("/api/v1/lanes/{COUNTER}/open"), &chief, json!({}))
        .await;
    app.post(
        &format!("/api/v1/lanes/{COUNTER}/staff"),
        &chief,
        json!({"persons": ["Li Na"]}),
    )
    .await;
    // 30 waiting at one counter: 45 minutes, past the 30-minute target.
    let r = app
        .post(
            &format!("/api/v1/lanes/{COUNTER}/queue"),
            &chief,
            json!({"count": 30}),
        )
        .await;
    assert!(
        r.json["wait_estimate_s"].as_f64().unwrap() > 1800.0,
        "{}",
        r.text
    );

    // Nobody rostered: call the reserve, with nobody in it.
    let r = app.get("/api/v1/lanes/recommendations", &chief).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let recs = r.json.as_array().unwrap();
    let rec = recs
        .iter()
        .find(|r| r["action"] == "call_reserve")
        .unwrap_or_else(|| panic!("{}", r.text));
    for f in ["action", "lane_id", "reason", "expected_wait_s"] {
        assert!(rec.get(f).is_some(), "{f}");
    }
    assert!(!recs.iter().any(|r| r["action"] == "open"), "{}", r.text);

    // Only the reserve on duty: still no opening, the pool is named.
    assert_eq!(
        app.post(
            "/api/v1/roster/shifts",
            &chief,
            shift("Zhao Lei", "reserve")
        )
        .await
        .status,
        StatusCode::CREATED
    );
    let r = app.get("/api/v1/lanes/recommendations", &chief).await;
    let rec = r
        .json
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["action"] == "call_reserve")
        .cloned()
        .unwrap_or_else(|| panic!("{}", r.text));
    assert_eq!(rec["persons"], json!(["Zhao Lei"]));
    assert!(
        rec["reason"]
            .as_str()
            .unwrap()
            .contains("reinforcement pool")
    );

    // Someone free on duty at the site: open another counter, and the wait expected after
    // is shorter than now.
    app.post("/api/v1/roster/shifts", &chief, shift("Bat", "counter"))
        .await;
    app.post("/api/v1/roster/shifts", &chief, shift("Li Na", "counter"))
        .await;
    let r = app.get("/api/v1/lanes/recommendations", &chief).await;
    let rec = r
        .json
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["action"] == "open")
        .cloned()
        .unwrap_or_else(|| panic!("{}", r.text));
    assert_eq!(
        rec["persons"],
        json!(["Bat"]),
        "Li Na already staffs a lane"
    );
    let lane_id = rec["lane_id"].as_str().unwrap();
    assert!(lane_id.starts_with("road-counter-entry-") && lane_id != COUNTER);
    assert!(rec["expected_wait_s"].as_f64().unwrap() < 1800.0, "{rec}");

    // The roster at an instant.
    let r = app.get("/api/v1/roster", &chief).await;
    assert_eq!(r.json.as_array().unwrap().len(), 3, "{}", r.text);
    let later = (Utc::now() + Duration::hours(10))
        .to_rfc3339()
        .replace('+', "%2B");
    let r = app.get(&format!("/api/v1/roster?at={later}"), &chief).await;
    assert_eq!(r.json, json!([]), "{}", r.text);
    let bad = json!({"person": "X", "site_id": "road-passenger", "post": "counter", "start": Utc::now().to_rfc3339(), "end": (Utc::now() - Duration::hours(1)).to_rfc3339()});
    assert_eq!(
        app.post("/api/v1/roster/shifts", &chief, bad).await.status,
        StatusCode::UNPROCESSABLE_ENTITY
    );
}

#[tokio::test]
async fn a_tour_group_announced_by_its_travel_agency_opens_a_recommendation_for_the_tour_lane() {
    let app = TestApp::new().await;
    let chief = app.user("chief", Role::DutyChief).await;
    let agency = app.user("gobi-tours", Role::Carrier).await;
    app.post("/api/v1/roster/shifts", &chief, shift("Bat", "counter"))
        .await;
    let body = json!({"kind": "tour", "size": 42, "nationality": "mng", "site_id": "road-passenger",
                      "direction": "entry", "plate": "УБА 1234",
                      "expected_arrival": (Utc::now() + Duration::minutes(40)).to_rfc3339()});
    let r = app.post("/api/v1/groups", &agency, body).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    assert_eq!(r.json["organisation"], "test carrier");
    assert_eq!(r.json["nationality"], "MNG");
    let r = app.get("/api/v1/lanes/recommendations", &chief).await;
    let rec = r
        .json
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["lane_id"] == "road-tour-group-entry")
        .cloned()
        .unwrap_or_else(|| panic!("{}", r.text));
    assert_eq!(rec["action"], "open");
    assert!(
        rec["reason"].as_str().unwrap().contains("tour group of 42"),
        "{rec}"
    );
    // One click: the chief opens it, and the recommendation is gone.
    app.post(
        "/api/v1/lanes/road-tour-group-entry/open",
        &chief,
        json!({"reason": rec["reason"]}),
    )
    .await;
    let r = app.get("/api/v1/lanes/recommendations", &chief).await;
    assert!(
        !r.json
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["lane_id"] == "road-tour-group-entry" && r["action"] == "open"),
        "{}",
        r.text
    );

    for bad in [
        json!({"kind": "school", "size": 3, "nationality": "MNG", "site_id": "road-passenger", "direction": "entry", "expected_arrival": Utc::now().to_rfc3339()}),
        json!({"kind": "tour", "size": 0, "nationality": "MNG", "site_id": "road-passenger", "direction": "entry", "expected_arrival": Utc::now().to_rfc3339()}),
        json!({"kind": "tour", "size": 3, "nationality": "MNG", "site_id": "nowhere", "direction": "entry", "expected_arrival": Utc::now().to_rfc3339()}),
    ] {
        assert_eq!(
            app.post("/api/v1/groups", &chief, bad).await.status,
            StatusCode::UNPROCESSABLE_ENTITY
        );
    }
    let inspector = app.user("insp", Role::Inspector).await;
    assert_eq!(
        app.post("/api/v1/groups", &inspector, json!({}))
            .await
            .status,
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn assistance_is_assigned_to_someone_on_duty_and_done_once() {
    let app = TestApp::new().await;
    let chief = app.user("chief", Role::DutyChief).await;
    let inspector = app.user("insp", Role::Inspector).await;
    app.post(
        "/api/v1/roster/shifts",
        &chief,
        shift("Zhao Lei", "assistance"),
    )
    .await;
    let r = app
        .post(
            "/api/v1/assistance",
            &inspector,
            json!({"kind": "wheelchair", "site_id": "road-passenger", "note": "counter 3"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let id = r.json["id"].as_str().unwrap().to_owned();
    assert_eq!(r.json["assigned_to"], "Zhao Lei");
    assert_eq!(r.json["status"], "open");
    let open = app.get("/api/v1/assistance?open=true", &chief).await;
    assert_eq!(open.json.as_array().unwrap().len(), 1);
    let r = app
        .post(
            &format!("/api/v1/assistance/{id}/done"),
            &inspector,
            json!({}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert!(r.json["done_at"].is_string());
    assert_eq!(
        app.post(
            &format!("/api/v1/assistance/{id}/done"),
            &inspector,
            json!({})
        )
        .await
        .status,
        StatusCode::CONFLICT
    );
    assert_eq!(
        app.post("/api/v1/assistance/nope/done", &inspector, json!({}))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    let r = app
        .post(
            "/api/v1/assistance",
            &chief,
            json!({"kind": "taxi", "site_id": "road-passenger", "note": ""}),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        app.get("/api/v1/assistance?open=true", &chief)
            .await
            .json
            .as_array()
            .unwrap()
            .is_empty()
    );
}
