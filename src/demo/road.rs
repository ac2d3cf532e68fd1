//! The demo's road-freight morning (issue 15): carriers book the trucks the evening before,
//! the freight gate's camera reads their plates over MQTT as they arrive (through
//! `POST /api/v1/anpr` when the station runs no broker), and the inspectors take each truck
//! through its channel to release — the produce trucks on the green channel.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use guomen_domain::Role;
use guomen_server::api::road::{
    Booked, Cargo, CheckBody, Driver, NewAppointment, PlateReadBody, RoadKpis, TrustedTraderBody,
    Vehicle,
};
use guomen_sim::road::{CARRIERS, Truck, morning};

use super::drive::{Run, Target};

const SITE: &str = "road-freight";
const CAMERA: &str = "anpr-freight-exit";

/// What the morning needs from the set-up.
pub struct Road {
    trucks: Vec<Truck>,
    /// A token per carrier of [`CARRIERS`].
    carriers: Vec<String>,
    mqtt: Option<(SocketAddr, String, String)>,
    pub booked: usize,
    pub problems: Mutex<Vec<String>>,
}

impl Road {
    fn problem(&self, p: String) {
        if let Ok(mut v) = self.problems.lock()
            && v.len() < 10
        {
            v.push(p);
        }
    }
}

/// Creates the carriers, registers the trusted trader and books the morning's appointments
/// (before the simulated day starts: the evening before).
pub async fn prepare(
    station: &guomen_station::Station,
    target: &Target,
    seed: u64,
    mqtt: Option<(SocketAddr, String, String)>,
) -> anyhow::Result<Road> {
    let mut carriers = Vec::new();
    for (name, organisation, trusted) in CARRIERS {
        let new = guomen_station::users::NewUser {
            name: name.to_owned(),
            role: Role::Carrier,
            password: None,
            agency: None,
            organisation: Some(organisation.to_owned()),
            scopes: Default::default(),
            grade: None,
        };
        let token = match station.create_user(new, "demo").await {
            Ok((_, t)) => t,
            Err(_) => {
                let u = station
                    .user_by_name(name)
                    .await?
                    .ok_or_else(|| anyhow::anyhow!("cannot create or find user {name}"))?;
                station.issue_token(&u.id, "demo", "demo").await?.0
            }
        };
        if trusted {
            // 409 on a data directory that has it already.
            let _ = target
                .post(
                    "/api/v1/trusted-traders",
                    &target.tokens.admin,
                    &TrustedTraderBody {
                        organisation: organisation.to_owned(),
                    },
                )
                .await;
        }
        carriers.push(token);
    }
    let trucks = morning(seed);
    let day0 = station.now();
    let mut road = Road {
        trucks,
        carriers,
        mqtt,
        booked: 0,
        problems: Mutex::default(),
    };
    for t in &road.trucks {
        let (Some(c), Some(slot)) = (t.carrier, t.slot_s) else {
            continue;
        };
        let body = NewAppointment {
            plate: t.plate.clone(),
            trailer_plate: None,
            driver: Driver::Document(guomen_server::api::clearance::ManualDocument {
                surname: t.driver.0.clone(),
                given_names: t.driver.1.clone(),
                nationality: "MNG".into(),
                birth_date: "1981-03-14".into(),
                sex: Some("M".into()),
                document_number: t.driver.2.clone(),
                issuing_state: "MNG".into(),
                expiry_date: "2031-01-01".into(),
                document_kind: None,
            }),
            site_id: SITE.into(),
            direction: guomen_clearance::Direction::Exit,
            slot_start: day0 + chrono::Duration::seconds(i64::from(slot)),
            cargo: Cargo {
                description: t.cargo.to_owned(),
                perishable: t.perishable,
                weight_kg: t.weight_kg,
            },
        };
        match target
            .post("/api/v1/appointments", &road.carriers[c], &body)
            .await
        {
            Ok((201, v)) if serde_json::from_value::<Booked>(v.clone()).is_ok() => road.booked += 1,
            Ok((s, v)) => road.problem(format!("booking {}: {s} {v}", t.plate)),
            Err(e) => road.problem(format!("booking {}: {e}", t.plate)),
        }
    }
    Ok(road)
}

/// Plays the morning: each truck's plate read at its arrival, then its channel's path.
pub async fn play(run: Arc<Run>, road: Arc<Road>) {
    let client = match &road.mqtt {
        Some((addr, user, token)) => {
            let mut opts =
                rumqttc::MqttOptions::new("demo-anpr", addr.ip().to_string(), addr.port());
            opts.set_credentials(user.clone(), token.clone());
            let (client, mut events) = rumqttc::AsyncClient::new(opts, 64);
            tokio::spawn(async move { while events.poll().await.is_ok() {} });
            Some(client)
        }
        None => None,
    };
    let mut tasks = tokio::task::JoinSet::new();
    for (i, t) in road.trucks.clone().into_iter().enumerate() {
        if !run.clock.until(f64::from(t.arrive_s)).await {
            break;
        }
        let read = PlateReadBody {
            camera_id: CAMERA.into(),
            plate: t.read_as.clone(),
            time: Some(run.clock.now()),
            confidence: Some(0.9),
        };
        match &client {
            Some(c) => {
                let payload = serde_json::to_vec(&read).unwrap_or_default();
                if let Err(e) = c
                    .publish(
                        format!("guomen/anpr/{CAMERA}/plates"),
                        rumqttc::QoS::AtLeastOnce,
                        false,
                        payload,
                    )
                    .await
                {
                    road.problem(format!("MQTT publish: {e}"));
                }
            }
            None => {
                let _ = run
                    .target
                    .post("/api/v1/anpr", &run.target.tokens.device, &read)
                    .await;
            }
        }
        let (run, road) = (run.clone(), road.clone());
        tasks.spawn(async move { handle(run, road, t, i).await });
    }
    while tasks.join_next().await.is_some() {}
}

/// One truck from the gate to release, as the inspectors would take it.
async fn handle(run: Arc<Run>, road: Arc<Road>, t: Truck, i: usize) {
    let Ok(canonical) = guomen_plates::normalise(&t.plate) else {
        return;
    };
    let insp = run.target.tokens.inspector.clone();
    // The read reaches the station over MQTT: find the vehicle it became.
    let mut vehicle = None;
    for _ in 0..50 {
        if let Ok(list) = run
            .target
            .get_as::<Vec<Vehicle>>("/api/v1/vehicles?status=waiting", &insp)
            .await
            && let Some(v) = list.into_iter().find(|v| v.plate == canonical.as_str())
        {
            vehicle = Some(v);
            break;
        }
        if !run.clock.after(20.0).await {
            return;
        }
    }
    let Some(v) = vehicle else {
        road.problem(format!("{}: no arrival recorded", t.plate));
        return;
    };
    let path = |what: &str| format!("/api/v1/vehicles/{}/{what}", v.id);
    let jitter = (i as f64 * 137.0) % 300.0;
    // Green: to the front, a quarantine look and release; trusted: released unless drawn for a
    // check; standard: the queue, then the physical check.
    let (queue_s, check_s) = match v.channel.as_str() {
        "green" => (240.0 + jitter, 600.0 + jitter),
        "trusted" => (600.0 + jitter, 1200.0),
        _ => (2400.0 + 4.0 * jitter, 2400.0 + jitter),
    };
    if !run.clock.after(queue_s).await {
        return;
    }
    let needs_check = v.check_selected || v.channel == "standard";
    if needs_check || v.channel == "green" {
        let _ = run.target.post(&path("inspection"), &insp, &()).await;
        if !run.clock.after(check_s).await {
            return;
        }
        let check = if v.channel == "green" {
            "quarantine"
        } else {
            "physical"
        };
        let _ = run
            .target
            .post(
                &path("checks"),
                &insp,
                &CheckBody {
                    check: check.into(),
                    passed: true,
                    note: None,
                },
            )
            .await;
    }
    match run.target.post(&path("release"), &insp, &()).await {
        Ok((200, _)) => {}
        Ok((s, r)) => road.problem(format!("release {}: {s} {r}", t.plate)),
        Err(e) => road.problem(format!("release {}: {e}", t.plate)),
    }
}

/// The summary's road lines: the produce trucks' release times against the afternoon before
/// the green channel, and arrival → release by channel from the station's KPIs.
pub async fn summary(
    target: &Target,
    road: &Road,
    offset: chrono::FixedOffset,
    date: chrono::NaiveDate,
) -> Vec<String> {
    let mut out = Vec::new();
    let chief = &target.tokens.chief;
    let released: Vec<Vehicle> = target
        .get_as("/api/v1/vehicles?status=released", chief)
        .await
        .unwrap_or_default();
    let all: Vec<Vehicle> = target
        .get_as("/api/v1/vehicles", chief)
        .await
        .unwrap_or_default();
    let local =
        |t: chrono::DateTime<chrono::Utc>| t.with_timezone(&offset).format("%H:%M").to_string();
    let green: Vec<&Vehicle> = released.iter().filter(|v| v.channel == "green").collect();
    let last = green.iter().filter_map(|v| v.released).max();
    out.push(format!(
        "road freight: {} appointments booked the evening before, {} trucks read at the gate ({} unannounced, {} late), {} released",
        road.booked,
        all.len(),
        all.iter().filter(|v| v.unannounced && !v.late).count(),
        all.iter().filter(|v| v.late).count(),
        released.len()
    ));
    out.push(format!(
        "green channel: {} produce trucks released at {}; the last at {} — {} (before the green channel they left after 15:00, the seed's afternoon)",
        green.len(),
        green
            .iter()
            .filter_map(|v| v.released.map(local))
            .collect::<Vec<_>>()
            .join(", "),
        last.map(local).unwrap_or_else(|| "—".into()),
        match last {
            Some(l) if local(l).as_str() < "10:00" => "all before 10:00",
            Some(_) => "NOT all before 10:00",
            None => "none released",
        }
    ));
    if let Ok(k) = target
        // The simulated day's, not the station's today: a whole day ends at 06:00 the next.
        .get_as::<RoadKpis>(&format!("/api/v1/vehicles/kpis?date={date}"), chief)
        .await
    {
        let parts: Vec<String> = k
            .channels
            .iter()
            .map(|c| {
                let m = |s: Option<i64>| {
                    s.map_or("—".into(), |s| format!("{:.0} min", s as f64 / 60.0))
                };
                format!(
                    "{} p50 {} p90 {} (n={})",
                    c.channel,
                    m(c.p50_s),
                    m(c.p90_s),
                    c.released
                )
            })
            .collect();
        out.push(format!(
            "arrival → release by channel: {}",
            parts.join("; ")
        ));
    }
    if let Ok(p) = road.problems.lock() {
        for x in p.iter() {
            out.push(format!("road freight problem: {x}"));
        }
    }
    out
}
