//! The demo's trains (issue 14): the day's runs of the port's weekly passenger timetable
//! (`POST /api/v1/trains/timetable`) and the freight trains the railway announces
//! (`POST /api/v1/trains`); each carrier sends its manifest as UN/EDIFACT PAXLST before the
//! train arrives (passenger lists BGM 745, crew lists BGM 250); the duty chief marks arrival;
//! inspectors verify on board carriage by carriage, confirming what the station does not clear
//! at once; the railway reports a passenger taken ill before arrival (verified first, the
//! seed's under-7-minutes case); customs, railway and quarantine mark their parts done; the
//! duty chief releases the train. Everything through the HTTP API with the API's own types.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::{Arc, Mutex};

use chrono::{DateTime, FixedOffset, NaiveDate, Utc};
use guomen_domain::Role;
use guomen_paxlst::{Document, ListType, Message, Person, PersonRole, Place, Transport};
use guomen_server::api::clearance::DecisionBody;
use guomen_server::api::trains::{
    ManifestAnswerDto, NewTrainBody, PriorityBody, TimetableBody, TrainDto, VerificationBody,
    VerificationDto,
};
use guomen_sim::plan::{Party, TrainKind, Traveller};

use super::drive::{RAILWAY_AGENCY, Run, Target};

/// The carrier of the China–Europe freight trains.
const FREIGHT_CARRIER: &str = "China Railway Container Transport";
/// The agencies at the platform, each with a demo partner user (`demo-railway` exists).
const AGENCIES: [(&str, &str); 2] = [
    ("demo-customs", "customs"),
    ("demo-quarantine", "quarantine"),
];
/// Seats per passenger carriage.
const SEATS: usize = 36;
/// Inspection teams working carriages in parallel on a passenger train.
const TEAMS: usize = 6;
/// Simulated seconds per person verified on board.
const PER_PERSON_S: f64 = 15.0;

/// One train run of the day with its people.
#[derive(Debug, Clone)]
struct Planned {
    id: String,
    number: String,
    freight: bool,
    origin: Option<String>,
    destination: Option<String>,
    carrier: String,
    /// Arrival, seconds into the plan.
    at_s: u32,
    /// Indexes into the plan's travellers, in manifest order.
    persons: Vec<usize>,
    /// The person taken ill on board (an index into `persons`).
    ill: Option<usize>,
}

/// What the trains' day needs from the set-up.
pub struct Trains {
    runs: Vec<Planned>,
    /// Carrier organisation → token.
    carriers: HashMap<String, String>,
    /// Agency → partner token.
    agencies: BTreeMap<String, String>,
    pub timetable: usize,
    pub freight: usize,
    problems: Mutex<Vec<String>>,
    /// Seconds from arrival to the ill passenger's clearance, by train number.
    ill_cleared: Mutex<Vec<(String, i64)>>,
    /// Train number and persons of each manifest the station took.
    manifests: Mutex<Vec<(String, usize)>>,
    /// The station's UTC offset (the manifests' times are local).
    offset: FixedOffset,
}

impl Trains {
    fn problem(&self, p: String) {
        if let Ok(mut v) = self.problems.lock()
            && v.len() < 10
        {
            v.push(p);
        }
    }
}

async fn user_token(
    station: &guomen_station::Station,
    name: &str,
    role: Role,
    agency: Option<&str>,
    organisation: Option<&str>,
) -> anyhow::Result<String> {
    let new = guomen_station::users::NewUser {
        name: name.to_owned(),
        role,
        password: None,
        agency: agency.map(str::to_owned),
        organisation: organisation.map(str::to_owned),
        scopes: Default::default(),
        grade: None,
    };
    Ok(match station.create_user(new, "demo").await {
        Ok((_, t)) => t,
        Err(_) => {
            let u = station
                .user_by_name(name)
                .await?
                .ok_or_else(|| anyhow::anyhow!("cannot create or find user {name}"))?;
            station.issue_token(&u.id, "demo", "demo").await?.0
        }
    })
}

/// A user name for a carrier organisation: `rail-` and its initials.
fn carrier_user(organisation: &str) -> String {
    let initials: String = organisation
        .split_whitespace()
        .filter_map(|w| w.chars().next())
        .filter(char::is_ascii_alphabetic)
        .map(|c| c.to_ascii_lowercase())
        .collect();
    format!("rail-{initials}")
}

/// Creates the carriers and the agencies' partner users, schedules the day's timetable and
/// announces the freight trains (before the simulated day starts). The persons of every train
/// are taken off the counters' day: they are verified on board.
pub async fn prepare(
    station: &guomen_station::Station,
    run: &Run,
    date: NaiveDate,
    day0: DateTime<Utc>,
) -> anyhow::Result<Trains> {
    let target = &run.target;
    let plan = &run.plan;
    let mut trains = Trains {
        runs: Vec::new(),
        carriers: HashMap::new(),
        agencies: BTreeMap::new(),
        timetable: 0,
        freight: 0,
        problems: Mutex::default(),
        ill_cleared: Mutex::default(),
        manifests: Mutex::default(),
        offset: station.utc_offset(),
    };
    if !target.has("/api/v1/trains/timetable") || !target.has("/api/v1/trains") {
        run.stats.skip(
            "trains",
            "the station does not serve POST /api/v1/trains/timetable (404)",
        );
        return Ok(trains);
    }
    for (name, agency) in AGENCIES {
        let t = user_token(station, name, Role::Partner, Some(agency), None).await?;
        trains.agencies.insert(agency.to_owned(), t);
    }
    if let Some(t) = target.tokens.partners.get(RAILWAY_AGENCY) {
        trains.agencies.insert(RAILWAY_AGENCY.to_owned(), t.clone());
    }
    let persons_of = |number: &str| -> Vec<usize> {
        plan.travellers
            .iter()
            .enumerate()
            .filter(|(_, t)| match &t.party {
                Party::Train(n) | Party::Crew(n) => n == number,
                _ => false,
            })
            .map(|(i, _)| i)
            .collect()
    };
    let on_board_lanes: HashSet<&str> = station
        .port()
        .lanes
        .iter()
        .filter(|l| l.channel == Some(guomen_port::Channel::OnBoardVerification))
        .map(|l| l.id.as_str())
        .collect();
    let chief = &target.tokens.chief;
    // The weekly timetable's runs of the day.
    let list = match target
        .post(
            "/api/v1/trains/timetable",
            chief,
            &TimetableBody { date: Some(date) },
        )
        .await
    {
        Ok((201, v)) => serde_json::from_value::<Vec<TrainDto>>(v).map_err(|e| e.to_string()),
        Ok((s, v)) => Err(format!("{s} {v}")),
        Err(e) => Err(e),
    };
    let mut planned = Vec::new();
    match list {
        Ok(list) => {
            for t in list {
                let persons = persons_of(&t.number);
                let at_s = (t.scheduled_arrival - day0).num_seconds().max(0) as u32;
                let ill = persons
                    .iter()
                    .position(|&i| on_board_lanes.contains(plan.travellers[i].lane_id.as_str()));
                trains.timetable += 1;
                planned.push(Planned {
                    carrier: t.carrier.clone().unwrap_or_else(|| "China Railway".into()),
                    id: t.id,
                    number: t.number,
                    freight: false,
                    origin: t.origin,
                    destination: t.destination,
                    at_s,
                    persons,
                    ill,
                });
            }
        }
        Err(e) => trains.problem(format!("timetable: {e}")),
    }
    // Freight trains the railway announces for the day.
    for ft in plan
        .trains
        .iter()
        .filter(|t| t.kind == TrainKind::ChinaEuropeFreight)
    {
        let Some(direction) = super::drive::clearance_direction(ft.direction) else {
            continue;
        };
        let (origin, destination) = match ft.route.split_once(" – ") {
            Some((o, d)) => (o.to_owned(), d.rsplit(" – ").next().unwrap_or(d).to_owned()),
            None => (ft.route.clone(), String::new()),
        };
        let body = NewTrainBody {
            number: ft.number.clone(),
            kind: "freight".into(),
            direction: direction.as_str().into(),
            site_id: "rail-freight".into(),
            scheduled_arrival: day0 + chrono::Duration::seconds(i64::from(ft.at_s)),
            origin: Some(origin.clone()),
            destination: Some(destination.clone()),
            carrier: Some(FREIGHT_CARRIER.into()),
        };
        match target.post("/api/v1/trains", chief, &body).await {
            Ok((201, v)) => match serde_json::from_value::<TrainDto>(v) {
                Ok(t) => {
                    trains.freight += 1;
                    planned.push(Planned {
                        id: t.id,
                        number: t.number,
                        freight: true,
                        origin: Some(origin),
                        destination: Some(destination),
                        carrier: FREIGHT_CARRIER.into(),
                        at_s: ft.at_s,
                        persons: persons_of(&ft.number),
                        ill: None,
                    })
                }
                Err(e) => trains.problem(format!("freight train {}: {e}", ft.number)),
            },
            Ok((s, v)) => trains.problem(format!("freight train {}: {s} {v}", ft.number)),
            Err(e) => trains.problem(format!("freight train {}: {e}", ft.number)),
        }
    }
    for p in &planned {
        if !trains.carriers.contains_key(&p.carrier) {
            let t = user_token(
                station,
                &carrier_user(&p.carrier),
                Role::Carrier,
                None,
                Some(&p.carrier),
            )
            .await?;
            trains.carriers.insert(p.carrier.clone(), t);
        }
    }
    // Their people are verified on board, not at the counters.
    if let Ok(mut skip) = run.on_board.lock() {
        for p in &planned {
            skip.extend(p.persons.iter().map(|&i| plan.travellers[i].id));
        }
    }
    trains.runs = planned;
    Ok(trains)
}

/// The manifest of a train as its carrier writes it.
fn manifest(
    p: &Planned,
    travellers: &[Traveller],
    day0: DateTime<Utc>,
    offset: FixedOffset,
) -> Message {
    let arrival = day0 + chrono::Duration::seconds(i64::from(p.at_s));
    let local = |t: DateTime<Utc>| t.with_timezone(&offset).naive_local();
    let persons = p
        .persons
        .iter()
        .enumerate()
        .map(|(k, &i)| {
            let t = &travellers[i];
            let pp = &t.passport;
            Person {
                role: if p.freight {
                    PersonRole::Crew
                } else {
                    PersonRole::Passenger
                },
                surname: pp.name.surname.clone(),
                given_names: pp.name.given.clone(),
                sex: Some(
                    match pp.sex {
                        guomen_sim::names::Sex::Male => "M",
                        guomen_sim::names::Sex::Female => "F",
                    }
                    .into(),
                ),
                birth_date: Some(pp.birth),
                nationality: Some(pp.nationality.into()),
                documents: vec![Document {
                    kind: "P".into(),
                    number: pp.number.clone(),
                    expiry: Some(pp.expiry),
                    issuing_state: Some(pp.issuing.into()),
                }],
                embarkation: p.origin.clone(),
                debarkation: p.destination.clone(),
                carriage: (!p.freight).then(|| (k / SEATS + 1).to_string()),
                seat: (!p.freight).then(|| (k % SEATS + 1).to_string()),
                reservation: None,
            }
        })
        .collect();
    Message {
        kind: if p.freight {
            ListType::CrewList
        } else {
            ListType::PassengerList
        },
        reference: Some(format!("{}1", p.number)),
        transport: Transport {
            journey: Some(p.number.clone()),
            carrier: Some(p.carrier.clone()),
            departure: Place {
                location: p.origin.clone(),
                time: Some(local(arrival - chrono::Duration::hours(12))),
            },
            arrival: Place {
                location: Some("Erenhot".into()),
                time: Some(local(arrival)),
            },
        },
        persons,
    }
}

/// Plays every train of the day.
pub async fn play(run: Arc<Run>, trains: Arc<Trains>, day0: DateTime<Utc>) {
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..trains.runs.len() {
        let (run, trains) = (run.clone(), trains.clone());
        tasks.spawn(async move { one_train(run, trains, i, day0).await });
    }
    while tasks.join_next().await.is_some() {}
}

async fn one_train(run: Arc<Run>, trains: Arc<Trains>, i: usize, day0: DateTime<Utc>) {
    let p = &trains.runs[i];
    if p.at_s < run.clock.start_s {
        return;
    }
    let target = &run.target;
    let chief = &target.tokens.chief;
    let path = |what: &str| format!("/api/v1/trains/{}/{what}", p.id);
    // The manifest an hour before arrival (at the day's start for an early train).
    if !run
        .clock
        .until(f64::from(p.at_s.saturating_sub(3600)))
        .await
    {
        return;
    }
    let text = guomen_paxlst::write(
        &manifest(p, &run.plan.travellers, day0, trains.offset),
        &p.carrier.to_uppercase().replace(' ', ""),
        "CNERNBORDER",
        &format!("{}{}", p.number, p.at_s),
    );
    let Some(carrier) = trains.carriers.get(&p.carrier) else {
        return;
    };
    let sent = target
        .client
        .post(format!("{}{}", target.base, path("manifest")))
        .bearer_auth(carrier)
        .header("content-type", "application/edifact")
        .body(text)
        .send()
        .await;
    match sent {
        Ok(r) if r.status().as_u16() == 201 => match r.json::<ManifestAnswerDto>().await {
            Ok(a) => {
                if let Ok(mut m) = trains.manifests.lock() {
                    m.push((p.number.clone(), a.persons));
                }
            }
            Err(e) => trains.problem(format!("{} manifest answer: {e}", p.number)),
        },
        Ok(r) => {
            let s = r.status();
            trains.problem(format!(
                "{} manifest: {s} {}",
                p.number,
                r.text().await.unwrap_or_default()
            ));
            return;
        }
        Err(e) => {
            trains.problem(format!("{} manifest: {e}", p.number));
            return;
        }
    }
    // The train crew reports a passenger taken ill: the railway tells the station before
    // arrival (person ids follow the first manifest's order: P0001, P0002, ...).
    let ill = p.ill.map(|k| format!("P{:04}", k + 1));
    if let Some(pid) = &ill {
        if !run.clock.until(f64::from(p.at_s.saturating_sub(420))).await {
            return;
        }
        let railway = trains.agencies.get(RAILWAY_AGENCY).unwrap_or(chief);
        let body = PriorityBody {
            reason:
                "passenger taken ill on board (suspected brain haemorrhage); ambulance requested"
                    .into(),
        };
        match target
            .post(&path(&format!("persons/{pid}/priority")), railway, &body)
            .await
        {
            Ok((200, _)) => {}
            Ok((s, v)) => trains.problem(format!("{} priority: {s} {v}", p.number)),
            Err(e) => trains.problem(format!("{} priority: {e}", p.number)),
        }
    }
    if !run.clock.until(f64::from(p.at_s)).await {
        return;
    }
    match target.post(&path("arrive"), chief, &()).await {
        Ok((200, _)) => {}
        Ok((s, v)) => {
            trains.problem(format!("{} arrive: {s} {v}", p.number));
            return;
        }
        Err(e) => {
            trains.problem(format!("{} arrive: {e}", p.number));
            return;
        }
    }
    let start = run.clock.now_s();
    // The ill passenger first, then carriage by carriage; one passenger of each passenger
    // train never boarded (a no-show at release).
    let mut order: Vec<usize> = (0..p.persons.len()).collect();
    if let Some(k) = p.ill {
        order.retain(|&x| x != k);
        verify(&run, &trains, p, k, true).await;
    }
    if !p.freight {
        order.pop();
    }
    let teams = if p.freight { 1 } else { TEAMS };
    let per_s = if p.freight { 90.0 } else { PER_PERSON_S };
    let mut work = tokio::task::JoinSet::new();
    for team in 0..teams {
        // Team `t` takes carriages t, t + TEAMS, ...
        let mine: Vec<usize> = order
            .iter()
            .copied()
            .filter(|k| (k / SEATS) % teams == team)
            .collect();
        let (run, trains) = (run.clone(), trains.clone());
        let p = p.clone();
        work.spawn(async move {
            for k in mine {
                if !run.clock.after(per_s).await {
                    return;
                }
                verify(&run, &trains, &p, k, k % 23 == 7).await;
            }
        });
    }
    // The agencies at the platform do their part meanwhile.
    let agencies: Vec<(String, f64)> = trains
        .agencies
        .keys()
        .map(|a| {
            let at = match (a.as_str(), p.freight) {
                ("quarantine", true) => 240.0,
                ("customs", true) => 480.0,
                (_, true) => 600.0,
                ("quarantine", false) => 420.0,
                ("customs", false) => 900.0,
                _ => 1200.0,
            };
            (a.clone(), at)
        })
        .collect();
    for (agency, at) in agencies {
        let (run, trains) = (run.clone(), trains.clone());
        let p = p.clone();
        work.spawn(async move {
            if !run.clock.until(start + at).await {
                return;
            }
            let Some(token) = trains.agencies.get(&agency) else {
                return;
            };
            let path = format!("/api/v1/trains/{}/agencies/{agency}/done", p.id);
            match run.target.post(&path, token, &()).await {
                Ok((200, _)) => {}
                Ok((s, v)) => trains.problem(format!("{} {agency} done: {s} {v}", p.number)),
                Err(e) => trains.problem(format!("{} {agency} done: {e}", p.number)),
            }
        });
    }
    while work.join_next().await.is_some() {}
    // One release, once the station agrees everything is done.
    let mut refused = String::new();
    for _ in 0..20 {
        if !run.clock.after(60.0).await {
            return;
        }
        match target.post(&path("release"), chief, &()).await {
            Ok((200, v)) => {
                if let Ok(t) = serde_json::from_value::<TrainDto>(v)
                    && let Some(pr) = t.priority.as_array()
                {
                    for x in pr {
                        if let Some(s) = x.get("cleared_after_s").and_then(|s| s.as_i64())
                            && let Ok(mut c) = trains.ill_cleared.lock()
                        {
                            c.push((p.number.clone(), s));
                        }
                    }
                }
                return;
            }
            Ok((409, v)) => refused = v.to_string(),
            Ok((s, v)) => {
                trains.problem(format!("{} release: {s} {v}", p.number));
                return;
            }
            Err(e) => {
                trains.problem(format!("{} release: {e}", p.number));
                return;
            }
        }
    }
    trains.problem(format!(
        "{}: not released after 20 attempts: {refused}",
        p.number
    ));
}

/// Verifies one person on board: the MRZ scanned (or, when `by_id`, the manifest person
/// picked as when the reader fails), and the inspector's confirmation where the station asks.
async fn verify(run: &Run, trains: &Trains, p: &Planned, k: usize, by_id: bool) {
    let t = &run.plan.travellers[p.persons[k]];
    let insp = &run.target.tokens.inspector;
    let body = VerificationBody {
        mrz: (!by_id).then(|| t.mrz.to_vec()),
        person_id: by_id.then(|| format!("P{:04}", k + 1)),
        carriage: Some(if p.freight {
            "loco".into()
        } else {
            (k / SEATS + 1).to_string()
        }),
    };
    let path = format!("/api/v1/trains/{}/verifications", p.id);
    let v = match run.target.post(&path, insp, &body).await {
        Ok((201, v)) => match serde_json::from_value::<VerificationDto>(v) {
            Ok(v) => v,
            Err(e) => {
                trains.problem(format!("{} verification: {e}", p.number));
                return;
            }
        },
        Ok((s, v)) => {
            trains.problem(format!("{} verification: {s} {v}", p.number));
            return;
        }
        Err(e) => {
            trains.problem(format!("{} verification: {e}", p.number));
            return;
        }
    };
    let mut decided = v.decision.is_some();
    if !decided {
        let path = format!("/api/v1/inspections/{}/decision", v.inspection_id);
        let body = DecisionBody {
            decision: v.suggested.clone(),
            reason: None,
        };
        match run.target.post(&path, insp, &body).await {
            Ok((200, _)) => decided = true,
            Ok((s, v)) => trains.problem(format!("{} decision: {s} {v}", p.number)),
            Err(e) => trains.problem(format!("{} decision: {e}", p.number)),
        }
    }
    if decided {
        let s = &run.stats;
        s.crossings
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        if let Ok(mut m) = s.by_direction.lock() {
            *m.entry(t.direction.as_str().to_owned()).or_default() += 1;
        }
        if let Ok(mut m) = s.by_nationality.lock() {
            *m.entry(t.passport.nationality.to_owned()).or_default() += 1;
        }
    }
}

/// The summary's train lines and the `trains` object of its JSON line, from the station's
/// own figures (`GET /api/v1/trains?date=`).
pub async fn summary(
    target: &Target,
    trains: &Trains,
    date: NaiveDate,
) -> (Vec<String>, serde_json::Value) {
    let mut out = Vec::new();
    let list: Vec<TrainDto> = target
        .get_as(&format!("/api/v1/trains?date={date}"), &target.tokens.chief)
        .await
        .unwrap_or_default();
    let int = |v: &serde_json::Value, k: &str| v.get(k).and_then(serde_json::Value::as_i64);
    let released: Vec<&TrainDto> = list.iter().filter(|t| t.status == "released").collect();
    let manifests = trains
        .manifests
        .lock()
        .map(|m| m.clone())
        .unwrap_or_default();
    let registered = trains.timetable + trains.freight;
    // The station lists a train on the local day it arrives: one due after midnight is on
    // the next day's list.
    let elsewhere = registered.saturating_sub(list.len());
    out.push(format!(
        "trains: {} on the station's list for {date} ({} from the weekly timetable, {} freight{}), {} manifests as PAXLST before arrival ({} persons), {} released",
        list.len(),
        trains.timetable,
        trains.freight,
        if elsewhere > 0 {
            format!("; {elsewhere} due after midnight, on the next day's list")
        } else {
            String::new()
        },
        manifests.len(),
        manifests.iter().map(|m| m.1).sum::<usize>(),
        released.len()
    ));
    let mut rows = Vec::new();
    let cleared: Vec<String> = released
        .iter()
        .map(|t| {
            let d = int(&t.timer, "elapsed_s").unwrap_or(0);
            let target_s = int(&t.timer, "target_s").unwrap_or(0);
            rows.push(serde_json::json!({
                "number": t.number,
                "kind": t.kind,
                "duration_s": d,
                "target_s": target_s,
                "persons": int(&t.manifest, "persons"),
                "verified": int(&t.verification, "verified"),
                "no_shows": t.no_shows.len(),
            }));
            format!(
                "{} {:.1} min (target {:.0}{})",
                t.number,
                d as f64 / 60.0,
                target_s as f64 / 60.0,
                if d > target_s { ", OVER" } else { "" }
            )
        })
        .collect();
    if !cleared.is_empty() {
        out.push(format!("trains cleared: {}", cleared.join(", ")));
    }
    let ill = trains
        .ill_cleared
        .lock()
        .map(|c| c.clone())
        .unwrap_or_default();
    for (number, s) in &ill {
        out.push(format!(
            "ill on board: the passenger on {number} verified first and cleared {:.1} min after arrival (seed: under 7)",
            *s as f64 / 60.0
        ));
    }
    if let Ok(p) = trains.problems.lock() {
        for x in p.iter() {
            out.push(format!("trains problem: {x}"));
        }
    }
    let json = serde_json::json!({
        "scheduled": list.len(),
        "manifests": manifests.len(),
        "released": rows,
        "ill_cleared_after_s": ill.iter().map(|(_, s)| *s).collect::<Vec<_>>(),
    });
    (out, json)
}
