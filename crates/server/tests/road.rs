//! Road freight end to end, in-process: carriers book slots, plates are read at the gate,
//! vehicles go through their channel to release. Every name, plate and document is invented.

use std::sync::Arc;

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use chrono::{DateTime, Duration, TimeZone, Utc};
use guomen_domain::Role;
use guomen_server::config::ServeConfig;
use guomen_server::test_app::{HandClock, TestApp};
use guomen_testkit::mrz::{Td3, yymmdd_in_years};
use serde_json::{Value, json};

/// 2026-12-06 05:00 at Erenhot (+08:00) = 2026-12-05 21:00 UTC.
fn local(h: u32, m: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 5, 16, 0, 0).unwrap()
        + Duration::hours(i64::from(h))
        + Duration::minutes(i64::from(m))
}

struct Yard {
    app: TestApp,
    clock: Arc<HandClock>,
    _dir: tempfile::TempDir,
    admin: String,
    chief: String,
    inspector: String,
    carrier: String,
    camera: String,
}

async fn yard() -> Yard {
    let dir = tempfile::tempdir().unwrap();
    let cfg = ServeConfig::for_dir(dir.path());
    let store = guomen_server::config::open_store(&cfg.store).await.unwrap();
    let clock = Arc::new(HandClock::new(local(5, 0)));
    let app = TestApp::with_store_on(store, cfg, clock.clone());
    let admin = app.user("admin", Role::Admin).await;
    let chief = app.user("chief", Role::DutyChief).await;
    let inspector = app.user("insp", Role::Inspector).await;
    let carrier = app.user("gobi", Role::Carrier).await;
    let camera = app
        .device(
            "anpr-gw",
            "camera:anpr-freight-exit,camera:anpr-freight-entry",
        )
        .await;
    Yard {
        app,
        clock,
        _dir: dir,
        admin,
        chief,
        inspector,
        carrier,
        camera,
    }
}

fn driver(surname: &str, number: &str) -> Value {
    let lines = Td3::new(surname, "BAT", number, "MNG")
        .born("800101")
        .sex('M')
        .expires(&yymmdd_in_years(5))
        .try_lines()
        .unwrap();
    json!({"mrz": lines})
}

fn booking(plate: &str, slot: DateTime<Utc>, perishable: bool) -> Value {
    json!({
        "plate": plate,
        "trailer_plate": "蒙H·1234挂",
        "driver": driver("ERDENE", "E7654321"),
        "site_id": "road-freight",
        "direction": "exit",
        "slot_start": slot.to_rfc3339(),
        "cargo": {"description": "cabbages and apples", "perishable": perishable, "weight_kg": 24000.0},
    })
}

impl Yard {
    async fn send(
        &self,
        method: Method,
        path: &str,
        token: &str,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let r = self.app.request(method, path, Some(token), body).await;
        (r.status, r.json)
    }

    async fn book(&self, token: &str, body: Value) -> (StatusCode, Value) {
        self.send(Method::POST, "/api/v1/appointments", token, Some(body))
            .await
    }

    async fn read(&self, camera: &str, plate: &str) -> (StatusCode, Value) {
        self.send(
            Method::POST,
            "/api/v1/anpr",
            &self.camera.clone(),
            Some(json!({"camera_id": camera, "plate": plate, "confidence": 0.91})),
        )
        .await
    }
}

#[tokio::test]
async fn a_produce_truck_books_arrives_on_the_green_channel_and_is_released() {
    let y = yard().await;
    let (s, b) = y
        .book(&y.carrier, booking("蒙H·A1234", local(8, 0), true))
        .await;
    assert_eq!(s, StatusCode::CREATED, "{b}");
    assert_eq!(b["channel"], "green");
    assert_eq!(b["slot_end"], json!(local(9, 0)));
    let id = b["id"].as_str().unwrap().to_owned();

    // The slot counts the booking.
    let (s, slots) = y
        .send(
            Method::GET,
            "/api/v1/appointments/slots?site_id=road-freight&direction=exit&date=2026-12-06",
            &y.carrier,
            None,
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{slots}");
    let eight = slots
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["start"] == json!(local(8, 0)))
        .unwrap();
    assert_eq!(
        (eight["capacity"].as_u64(), eight["booked"].as_u64()),
        (Some(12), Some(1))
    );

    // The truck is read at 07:10 (in the window), misread with an O for a 0 and again a
    // minute later: one arrival.
    y.clock.set(local(7, 10));
    let (s, r) = y.read("anpr-freight-exit", "蒙H A1234").await;
    assert_eq!(s, StatusCode::OK, "{r}");
    assert_eq!(r["outcome"], "arrived");
    assert_eq!(r["appointment_id"], id.as_str());
    assert_eq!(r["plate"], "蒙HA1234");
    y.clock.set(local(7, 11));
    let (_, again) = y.read("anpr-freight-exit", "蒙HA1234").await;
    assert_eq!(again["outcome"], "repeat");
    assert_eq!(again["vehicle_id"], r["vehicle_id"]);

    let (_, waiting) = y
        .send(
            Method::GET,
            "/api/v1/vehicles?status=waiting",
            &y.chief,
            None,
        )
        .await;
    let list = waiting.as_array().unwrap();
    assert_eq!(list.len(), 1, "{waiting}");
    assert_eq!(list[0]["channel"], "green");
    assert_eq!(list[0]["lane_id"], "road-freight-green");

    // Green: cleared without a check, released from waiting.
    y.clock.set(local(7, 30));
    let vid = r["vehicle_id"].as_str().unwrap();
    let (s, v) = y
        .send(
            Method::POST,
            &format!("/api/v1/vehicles/{vid}/release"),
            &y.inspector,
            None,
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["status"], "released");
    assert_eq!(v["wait_s"], 20 * 60);

    let (_, k) = y
        .send(
            Method::GET,
            "/api/v1/vehicles/kpis?date=2026-12-06",
            &y.chief,
            None,
        )
        .await;
    let green = &k["channels"][0];
    assert_eq!(green["channel"], "green");
    assert_eq!(green["p50_s"], 1200);
    assert_eq!(green["within_target"], 1);

    let (_, mine) = y
        .send(
            Method::GET,
            &format!("/api/v1/appointments/{id}"),
            &y.carrier,
            None,
        )
        .await;
    assert_eq!(mine["status"], "arrived");
}

#[tokio::test]
async fn bad_bookings_get_clear_answers() {
    let y = yard().await;
    for (body, status, code) in [
        (
            booking("蒙H·12", local(8, 0), false),
            StatusCode::UNPROCESSABLE_ENTITY,
            "plate_chinese_invalid",
        ),
        (
            booking("NOT A PLATE", local(8, 0), false),
            StatusCode::UNPROCESSABLE_ENTITY,
            "plate_unknown",
        ),
        (
            booking("1234 УБА", local(3, 0), false),
            StatusCode::UNPROCESSABLE_ENTITY,
            "slot_in_past",
        ),
        (
            booking("1234 УБА", local(8, 30), false),
            StatusCode::UNPROCESSABLE_ENTITY,
            "slot_not_on_the_hour",
        ),
    ] {
        let (s, e) = y.book(&y.carrier, body).await;
        assert_eq!(s, status, "{e}");
        assert_eq!(e["error"]["code"], code, "{e}");
    }
    let mut negative = booking("1234 УБА", local(8, 0), false);
    negative["cargo"]["weight_kg"] = json!(-1);
    let (s, e) = y.book(&y.carrier, negative).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    assert_eq!(e["error"]["code"], "invalid_weight");
    let mut passenger_site = booking("1234 УБА", local(8, 0), false);
    passenger_site["site_id"] = json!("rail-freight");
    let (s, e) = y.book(&y.carrier, passenger_site).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    assert_eq!(e["error"]["code"], "site_takes_no_appointments");

    // Staff do not book; nothing above left a trace.
    let (s, _) = y
        .book(&y.chief, booking("1234 УБА", local(8, 0), false))
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (_, list) = y
        .send(Method::GET, "/api/v1/appointments", &y.chief, None)
        .await;
    assert_eq!(list, json!([]));
}

#[tokio::test]
async fn one_active_appointment_per_vehicle_full_slots_and_other_organisations() {
    let y = yard().await;
    let (s, first) = y
        .book(&y.carrier, booking("1234 УБА", local(8, 0), false))
        .await;
    assert_eq!(s, StatusCode::CREATED, "{first}");
    assert_eq!(first["channel"], "standard");
    let (s, e) = y
        .book(&y.carrier, booking("1234УБА", local(9, 0), false))
        .await;
    assert_eq!(s, StatusCode::CONFLICT, "{e}");
    assert_eq!(e["error"]["code"], "vehicle_has_appointment");

    // The duty chief closes the 10:00 slot down to one.
    let (s, slot) = y
        .send(
            Method::PUT,
            "/api/v1/appointments/capacity",
            &y.chief,
            Some(json!({"site_id": "road-freight", "direction": "exit", "slot_start": local(10, 0), "capacity": 1})),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{slot}");
    let (s, _) = y
        .book(&y.carrier, booking("5678 УБА", local(10, 0), false))
        .await;
    assert_eq!(s, StatusCode::CREATED);
    let (s, e) = y
        .book(&y.carrier, booking("9012 УБА", local(10, 0), false))
        .await;
    assert_eq!(s, StatusCode::CONFLICT, "{e}");
    assert_eq!(e["error"]["code"], "slot_full");

    // Another organisation sees none of it, cannot touch it, cannot book the vehicle.
    let other = other_carrier(&y, "steppe").await;
    let (_, list) = y
        .send(Method::GET, "/api/v1/appointments", &other, None)
        .await;
    assert_eq!(list, json!([]));
    let id = first["id"].as_str().unwrap();
    let (s, _) = y
        .send(
            Method::DELETE,
            &format!("/api/v1/appointments/{id}"),
            &other,
            None,
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, _) = y
        .send(
            Method::PATCH,
            &format!("/api/v1/appointments/{id}"),
            &other,
            Some(json!({"slot_start": local(11, 0)})),
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, e) = y
        .book(&other, booking("1234 УБА", local(11, 0), false))
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{e}");
    assert_eq!(e["error"]["code"], "vehicle_of_other_organisation");

    // Its own carrier moves it, then cancels it; the vehicle may book again.
    let (s, moved) = y
        .send(
            Method::PATCH,
            &format!("/api/v1/appointments/{id}"),
            &y.carrier,
            Some(json!({"slot_start": local(11, 0)})),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{moved}");
    assert_eq!(moved["slot_start"], json!(local(11, 0)));
    assert!(moved.get("driver_flagged").is_none(), "{moved}");
    let (s, _) = y
        .send(
            Method::DELETE,
            &format!("/api/v1/appointments/{id}"),
            &y.carrier,
            None,
        )
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let (s, _) = y
        .send(
            Method::DELETE,
            &format!("/api/v1/appointments/{id}"),
            &y.carrier,
            None,
        )
        .await;
    assert_eq!(s, StatusCode::CONFLICT);
    let (s, _) = y
        .book(&y.carrier, booking("1234 УБА", local(12, 0), false))
        .await;
    assert_eq!(s, StatusCode::CREATED);
}

async fn other_carrier(y: &Yard, org: &str) -> String {
    let (_, token) = y
        .app
        .state
        .station
        .create_user(
            guomen_station::users::NewUser {
                name: org.to_owned(),
                role: Role::Carrier,
                password: None,
                agency: None,
                organisation: Some(org.to_owned()),
                scopes: Default::default(),
                grade: None,
            },
            "system",
        )
        .await
        .unwrap();
    token
}

#[tokio::test]
async fn a_carrier_flooding_bookings_is_rate_limited() {
    let y = yard().await;
    let mut limited = 0;
    let mut created = 0;
    for i in 0..200 {
        let (s, _) = y
            .book(
                &y.carrier,
                booking(
                    &format!("{:04} УБА", 1000 + i),
                    local(6 + (i % 12) as u32, 0),
                    false,
                ),
            )
            .await;
        match s {
            StatusCode::CREATED | StatusCode::CONFLICT => created += 1,
            StatusCode::TOO_MANY_REQUESTS => limited += 1,
            other => panic!("unexpected {other}"),
        }
    }
    assert_eq!(created, 60);
    assert_eq!(limited, 140);
    // Another organisation is not slowed by it.
    let other = other_carrier(&y, "steppe").await;
    let (s, _) = y
        .book(&other, booking("蒙H·B7777", local(8, 0), false))
        .await;
    assert_eq!(s, StatusCode::CREATED);
}

#[tokio::test]
async fn a_flagged_driver_books_silently_and_the_chief_is_told() {
    let y = yard().await;
    let csv = "id,list,name,aliases,birth_date,sex,nationality,document_number,document_country,reason,action\n\
               W-9,wanted,Bat Khulan,,1980-01-01,M,MNG,E9999999,MNG,smuggling,arrest\n";
    let req = Request::builder()
        .method(Method::POST)
        .uri("/api/v1/watchlists/wanted/import?format=csv")
        .header(header::AUTHORIZATION, format!("Bearer {}", y.admin))
        .header(header::CONTENT_TYPE, "text/csv")
        .body(Body::from(csv))
        .unwrap();
    assert_eq!(y.app.send(req).await.status, StatusCode::OK);
    let mut body = booking("蒙H·C5555", local(8, 0), false);
    body["driver"] = driver("KHULAN", "E9999999");
    let (s, b) = y.book(&y.carrier, body).await;
    assert_eq!(s, StatusCode::CREATED, "{b}");
    let text = b.to_string();
    assert!(
        !text.contains("flag") && !text.contains("hit") && !text.contains("wanted"),
        "{text}"
    );
    let (_, mine) = y
        .send(Method::GET, "/api/v1/appointments", &y.carrier, None)
        .await;
    assert!(mine[0].get("driver_flagged").is_none(), "{mine}");
    let (_, staff) = y
        .send(Method::GET, "/api/v1/appointments", &y.chief, None)
        .await;
    assert_eq!(staff[0]["driver_flagged"], true, "{staff}");
    let (_, journal) = y
        .send(Method::GET, "/api/v1/journal?limit=100", &y.admin, None)
        .await;
    assert!(journal.to_string().contains("road.driver_hit"), "{journal}");
}

#[tokio::test]
async fn plate_reads_from_unknown_cameras_and_bad_plates_are_refused() {
    let y = yard().await;
    let (s, e) = y.read("cam-nowhere", "蒙HA1234").await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{e}");
    assert_eq!(e["error"]["code"], "camera_not_provisioned");
    // A video camera of the port is no plate reader.
    let (s, _) = y.read("cam-border-west", "蒙HA1234").await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    // The device speaks for two cameras, not the green lane's.
    let (s, e) = y.read("anpr-freight-green", "蒙HA1234").await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{e}");
    assert_eq!(e["error"]["code"], "out_of_scope");
    let (s, e) = y.read("anpr-freight-exit", "蒙H12").await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    let (s, _) = y
        .send(
            Method::POST,
            "/api/v1/anpr",
            &y.camera.clone(),
            Some(json!({"camera_id": "anpr-freight-exit", "plate": "蒙HA1234", "confidence": 7})),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    // A carrier is no camera.
    let (s, _) = y
        .send(
            Method::POST,
            "/api/v1/anpr",
            &y.carrier.clone(),
            Some(json!({"camera_id": "anpr-freight-exit", "plate": "蒙HA1234"})),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (_, list) = y
        .send(Method::GET, "/api/v1/vehicles", &y.chief, None)
        .await;
    assert_eq!(list, json!([]));
}

#[tokio::test]
async fn late_and_unannounced_vehicles_join_the_standard_queue_and_are_checked() {
    let y = yard().await;
    let (_, b) = y
        .book(&y.carrier, booking("1234 УБА", local(6, 0), false))
        .await;
    let id = b["id"].as_str().unwrap().to_owned();
    // 07:30 is more than 60 minutes after 06:00: the appointment is lost.
    y.clock.set(local(7, 30));
    // A Latin A read for the Cyrillic one.
    let (_, r) = y.read("anpr-freight-exit", "1234 УБA").await;
    assert_eq!(r["outcome"], "late", "{r}");
    assert_eq!(r["appointment_id"], Value::Null);
    let (_, a) = y
        .send(
            Method::GET,
            &format!("/api/v1/appointments/{id}"),
            &y.carrier,
            None,
        )
        .await;
    assert_eq!(a["status"], "lost");
    let (_, u) = y.read("anpr-freight-exit", "蒙H·D0001").await;
    assert_eq!(u["outcome"], "unannounced");
    assert_eq!(u["channel"], "standard");

    // Standard: a check is required before release.
    let vid = r["vehicle_id"].as_str().unwrap();
    let (s, e) = y
        .send(
            Method::POST,
            &format!("/api/v1/vehicles/{vid}/release"),
            &y.inspector,
            None,
        )
        .await;
    assert_eq!(s, StatusCode::CONFLICT, "{e}");
    assert_eq!(e["error"]["code"], "check_required");
    let (s, _) = y
        .send(
            Method::POST,
            &format!("/api/v1/vehicles/{vid}/inspection"),
            &y.inspector,
            None,
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let (_, v) = y
        .send(
            Method::GET,
            "/api/v1/vehicles?status=in_inspection",
            &y.chief,
            None,
        )
        .await;
    assert_eq!(v.as_array().unwrap().len(), 1);
    let (s, _) = y
        .send(
            Method::POST,
            &format!("/api/v1/vehicles/{vid}/checks"),
            &y.inspector,
            Some(json!({"check": "physical", "passed": true})),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    y.clock.set(local(8, 0));
    let (s, v) = y
        .send(
            Method::POST,
            &format!("/api/v1/vehicles/{vid}/release"),
            &y.inspector,
            None,
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["wait_s"], 1800);
    let (s, _) = y
        .send(
            Method::GET,
            "/api/v1/vehicles?status=parked",
            &y.chief,
            None,
        )
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn trusted_traders_are_checked_at_their_rate_and_green_trucks_overdue_warn_the_chief() {
    let y = yard().await;
    let (s, _) = y
        .send(
            Method::POST,
            "/api/v1/trusted-traders",
            &y.admin,
            Some(json!({"organisation": "test carrier"})),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED);
    let (s, _) = y
        .send(
            Method::POST,
            "/api/v1/trusted-traders",
            &y.admin,
            Some(json!({"organisation": "test carrier"})),
        )
        .await;
    assert_eq!(s, StatusCode::CONFLICT);
    let (_, b) = y
        .book(&y.carrier, booking("蒙H·T0001", local(8, 0), false))
        .await;
    assert_eq!(b["channel"], "trusted");
    let (_, g) = y
        .book(&y.carrier, booking("蒙H·G0001", local(8, 0), true))
        .await;
    assert_eq!(g["channel"], "green", "green wins over trusted");

    y.clock.set(local(7, 0));
    let (_, t) = y.read("anpr-freight-exit", "蒙HT0001").await;
    let (_, v) = y
        .send(
            Method::GET,
            "/api/v1/vehicles?status=waiting",
            &y.chief,
            None,
        )
        .await;
    let tv = v
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["id"] == t["vehicle_id"])
        .unwrap()
        .clone();
    assert_eq!(tv["check_rate"], 0.05);
    assert_eq!(
        tv["check_selected"],
        guomen_station::road::selected_for_check(t["vehicle_id"].as_str().unwrap(), 0.05),
        "the selection follows from the id and the recorded rate"
    );
    assert_eq!(tv["lane_id"], "road-freight-trusted");

    let (_, gr) = y.read("anpr-freight-exit", "蒙HG0001").await;
    // The green truck is ahead of the queue though it came later.
    let (_, v) = y
        .send(
            Method::GET,
            "/api/v1/vehicles?status=waiting",
            &y.chief,
            None,
        )
        .await;
    assert_eq!(v[0]["id"], gr["vehicle_id"], "{v}");

    y.clock.set(local(7, 31));
    assert_eq!(y.app.state.station.road_tick().await.unwrap(), 1);
    assert_eq!(
        y.app.state.station.road_tick().await.unwrap(),
        0,
        "one warning per truck"
    );
    let (_, v) = y
        .send(
            Method::GET,
            "/api/v1/vehicles?status=waiting",
            &y.chief,
            None,
        )
        .await;
    assert_eq!(v[0]["overdue"], true);
    let (_, journal) = y
        .send(Method::GET, "/api/v1/journal?limit=100", &y.admin, None)
        .await;
    assert!(journal.to_string().contains("road.green_overdue"));
}
