//! Plays a [`DayPlan`] on a running station through its real interfaces only: HTTP for
//! inspections, sensor events, partner notifications, incident actions and link heartbeats;
//! JT/T 808 over TCP for unit positions. Every loop is bounded by the simulated end time and
//! stops by itself.
//!
//! A route the station does not serve (absent from its OpenAPI document) is not called: the
//! part of the day that needs it is skipped with a note, and counted as skipped, never as done.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use guomen_domain::incident::IncidentKind;
use guomen_port::{LaneKind, Port};
use guomen_proto::jt808::{self, Envelope, Message};
use guomen_server::api::clearance::{DecisionBody, InspectionView, NewInspection};
use guomen_server::api::types::{
    EmptyBody, HeartbeatBody, IncidentView, LocationBody, NotificationBody, PositionBody,
    ResolveBody, SensorEventAccepted, SensorEventBody, UnitBody,
};
use guomen_sim::DayPlan;
use guomen_sim::field::{Scenario, ScenarioKind, Step};
use guomen_sim::space::{Frame, LonLat, transit};
use guomen_station::Clock as StationClock;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::sync::{Semaphore, watch};

mod cases;
mod lanes;

pub use cases::CaseDay;
pub use lanes::LaneDay;

/// API tokens of the people and devices the simulator plays.
#[derive(Debug, Clone)]
pub struct Tokens {
    pub admin: String,
    pub chief: String,
    pub inspector: String,
    /// Partner users by agency (`PARTNER_AGENCY`, `RAILWAY_AGENCY`): each reports for its
    /// own agency.
    pub partners: std::collections::HashMap<String, String>,
    pub device: String,
    /// Each unit's own terminal account (user name = unit id): a unit may report only for
    /// itself.
    pub units: std::collections::HashMap<String, String>,
}

/// The station under test.
pub struct Target {
    pub base: String,
    pub client: reqwest::Client,
    pub tokens: Tokens,
    pub jt808: Option<SocketAddr>,
    /// Path templates the station serves, from its OpenAPI document.
    pub paths: HashSet<String>,
}

impl Target {
    /// Reads the station's OpenAPI document to learn which routes it serves.
    pub async fn connect(
        base: &str,
        tokens: Tokens,
        jt808: Option<SocketAddr>,
    ) -> anyhow::Result<Target> {
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(15))
            .build()?;
        let doc: Value = client
            .get(format!("{base}/api/v1/openapi.json"))
            .bearer_auth(&tokens.admin)
            .send()
            .await?
            .error_for_status()?
            .json()
            .await?;
        let paths = doc
            .get("paths")
            .and_then(Value::as_object)
            .map(|m| m.keys().cloned().collect())
            .unwrap_or_default();
        Ok(Target {
            base: base.trim_end_matches('/').to_owned(),
            client,
            tokens,
            jt808,
            paths,
        })
    }

    pub fn has(&self, template: &str) -> bool {
        self.paths.contains(template)
    }

    async fn call<B: Serialize + ?Sized>(
        &self,
        method: reqwest::Method,
        path: &str,
        token: &str,
        body: Option<&B>,
    ) -> Result<(u16, Value), String> {
        let mut req = self
            .client
            .request(method, format!("{}{path}", self.base))
            .bearer_auth(token);
        if let Some(b) = body {
            req = req.json(b);
        }
        let resp = req.send().await.map_err(|e| format!("{path}: {e}"))?;
        let status = resp.status().as_u16();
        let text = resp.text().await.unwrap_or_default();
        let v = serde_json::from_str(&text).unwrap_or(Value::String(text));
        Ok((status, v))
    }

    pub async fn post<B: Serialize + ?Sized>(
        &self,
        path: &str,
        token: &str,
        body: &B,
    ) -> Result<(u16, Value), String> {
        self.call(reqwest::Method::POST, path, token, Some(body))
            .await
    }

    pub async fn get(&self, path: &str, token: &str) -> Result<(u16, Value), String> {
        self.call::<()>(reqwest::Method::GET, path, token, None)
            .await
    }

    /// `GET path` as `token`, read as the API type `T`: the error names the status, or
    /// what did not parse.
    pub async fn get_as<T: DeserializeOwned>(&self, path: &str, token: &str) -> Result<T, String> {
        match self.get(path, token).await? {
            (200, v) => parse(v).map_err(|e| format!("GET {path}: {e}")),
            (s, v) => Err(format!("GET {path} → {s}: {v}")),
        }
    }
}

/// What the simulator did, as the station acknowledged it.
#[derive(Debug, Default)]
pub struct Stats {
    pub inspections: AtomicU64,
    pub crossings: AtomicU64,
    pub hits: AtomicU64,
    pub egate_cleared: AtomicU64,
    pub sent_to_counter: AtomicU64,
    pub sensor_events: AtomicU64,
    pub notifications: AtomicU64,
    pub dispatches: AtomicU64,
    pub resolved: AtomicU64,
    pub closed: AtomicU64,
    pub positions: AtomicU64,
    pub heartbeats: AtomicU64,
    pub requests: AtomicU64,
    pub failures: AtomicU64,
    pub by_direction: Mutex<BTreeMap<String, u64>>,
    pub by_nationality: Mutex<BTreeMap<String, u64>>,
    pub incidents: Mutex<BTreeSet<String>>,
    /// Part of the day → why it was skipped.
    pub skipped: Mutex<BTreeMap<String, String>>,
    /// First few failure messages, for the summary.
    pub errors: Mutex<Vec<String>>,
    pub notes: Mutex<Vec<String>>,
    /// The lanes' day, once played.
    pub lanes: Mutex<Option<LaneDay>>,
    /// The cases opened and closed.
    pub cases: Mutex<CaseDay>,
}

impl Stats {
    pub fn skip(&self, part: &str, why: impl Into<String>) {
        let mut s = lock(&self.skipped);
        if !s.contains_key(part) {
            let why = why.into();
            eprintln!("note: skipped {part}: {why}");
            s.insert(part.to_owned(), why);
        }
    }

    fn fail(&self, msg: String) {
        self.failures.fetch_add(1, Ordering::Relaxed);
        let mut e = lock(&self.errors);
        if e.len() < 20 {
            e.push(msg);
        }
    }

    fn note(&self, msg: String) {
        lock(&self.notes).push(msg);
    }

    fn incident(&self, id: &str) {
        lock(&self.incidents).insert(id.to_owned());
    }

    pub fn get(v: &AtomicU64) -> u64 {
        v.load(Ordering::Relaxed)
    }
}

/// An answer read as the API type that describes it.
pub fn parse<T: DeserializeOwned>(v: Value) -> Result<T, String> {
    serde_json::from_value(v).map_err(|e| format!("unexpected answer: {e}"))
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// What lets a simulated clock run on: the driver allows it up to an instant (see
/// `DemoClock`).
pub trait Pacer: Send + Sync + std::fmt::Debug {
    fn allow_until(&self, t: DateTime<Utc>);
}

/// Simulated time, read from the station's own clock: plan second `0` is `day0` (06:00
/// station-local of the simulated day), so the driver and the station agree on "now" at
/// every speed. The driver plays from `start_s` until `end_s`.
#[derive(Debug, Clone)]
pub struct Clock {
    station: Arc<dyn StationClock>,
    day0: DateTime<Utc>,
    pub speed: f64,
    pub start_s: u32,
    pub end_s: u32,
    stop: watch::Receiver<bool>,
    /// When the clock waits for the simulated terminals (the demo's clock does).
    pacer: Option<Arc<dyn Pacer>>,
}

impl Clock {
    pub fn new(
        station: Arc<dyn StationClock>,
        day0: DateTime<Utc>,
        start_s: u32,
        end_s: u32,
        stop: watch::Receiver<bool>,
    ) -> Clock {
        let speed = station.speed();
        Clock {
            station,
            day0,
            speed,
            start_s,
            end_s,
            stop,
            pacer: None,
        }
    }

    /// This clock runs only as far as the links' heartbeats allow.
    pub fn paced_by(mut self, pacer: Arc<dyn Pacer>) -> Clock {
        self.pacer = Some(pacer);
        self
    }

    /// Seconds into the plan, now.
    pub fn now_s(&self) -> f64 {
        let d = self.station.now() - self.day0;
        d.num_microseconds()
            .map_or_else(|| d.num_seconds() as f64, |us| us as f64 / 1e6)
    }

    /// The instant of plan second `t_s`.
    pub fn at(&self, t_s: f64) -> DateTime<Utc> {
        self.day0 + chrono::Duration::microseconds((t_s * 1e6).round() as i64)
    }

    /// The simulated now as an instant (what a device's clock reads).
    pub fn now(&self) -> DateTime<Utc> {
        self.station.now()
    }

    pub fn over(&self) -> bool {
        *self.stop.borrow() || self.now_s() >= f64::from(self.end_s)
    }

    /// Waits until simulated time `t_s`; false when the day ends (or is stopped) first.
    pub async fn until(&self, t_s: f64) -> bool {
        let mut stop = self.stop.clone();
        loop {
            if *stop.borrow() || t_s >= f64::from(self.end_s) {
                return false;
            }
            let ahead = t_s - self.now_s();
            if ahead <= 0.0 {
                return true;
            }
            let wait = Duration::from_secs_f64((ahead / self.speed).clamp(0.0005, 0.5));
            tokio::select! {
                _ = tokio::time::sleep(wait) => {}
                _ = stop.changed() => {}
            }
        }
    }

    /// Waits `d_s` simulated seconds; false when the day ends (or is stopped) first.
    pub async fn after(&self, d_s: f64) -> bool {
        self.until(self.now_s() + d_s).await
    }
}

/// A unit sent somewhere: where from, where to, since when (simulated), how fast.
#[derive(Debug, Clone, Copy)]
struct Assignment {
    from: LonLat,
    to: LonLat,
    since_s: f64,
    speed_kmh: f64,
}

/// Everything the tasks of one run share.
pub struct Run {
    pub target: Arc<Target>,
    pub plan: Arc<DayPlan>,
    pub clock: Clock,
    pub stats: Arc<Stats>,
    frame: Frame,
    assignments: Mutex<HashMap<String, Assignment>>,
    silenced: Mutex<HashSet<String>>,
    /// Per live link, the simulated time of its last heartbeat the station acknowledged.
    beats: Mutex<HashMap<String, f64>>,
    /// Incidents some scenario has taken charge of.
    claimed: Mutex<HashSet<String>>,
    /// Travellers on whom a seizure is played, by index.
    scripted_cases: BTreeMap<usize, cases::Scripted>,
    /// Travellers verified on board their train (`trains.rs`), not at a counter.
    pub on_board: Mutex<HashSet<u32>>,
}

fn status_ok(s: u16) -> bool {
    (200..300).contains(&s)
}

fn hhmm(plan_s: f64) -> String {
    let local = (f64::from(guomen_sim::plan::DAY_START_HOUR) * 3600.0 + plan_s) as u64 % 86_400;
    format!("{:02}:{:02}", local / 3600, (local % 3600) / 60)
}

impl Run {
    pub fn new(target: Arc<Target>, plan: Arc<DayPlan>, port: &Port, clock: Clock) -> Arc<Run> {
        Run::build(target, plan, port, clock, true)
    }

    /// A run of an earlier day of `--days`: its hits open cases, but the seizures are
    /// played on today's day only.
    pub fn for_earlier_day(
        target: Arc<Target>,
        plan: Arc<DayPlan>,
        port: &Port,
        clock: Clock,
    ) -> Arc<Run> {
        Run::build(target, plan, port, clock, false)
    }

    fn build(
        target: Arc<Target>,
        plan: Arc<DayPlan>,
        port: &Port,
        clock: Clock,
        seizures: bool,
    ) -> Arc<Run> {
        let frame = guomen_sim::field::frame(port);
        Arc::new(Run {
            target,
            clock,
            stats: Arc::new(Stats::default()),
            frame,
            assignments: Mutex::default(),
            silenced: Mutex::default(),
            beats: Mutex::default(),
            claimed: Mutex::default(),
            scripted_cases: if seizures {
                cases::scripted(&plan)
            } else {
                BTreeMap::new()
            },
            plan,
            on_board: Mutex::default(),
        })
    }

    pub fn sim_time(&self) -> String {
        hhmm(self.clock.now_s().min(f64::from(self.clock.end_s)))
    }

    async fn post<B: Serialize>(&self, path: &str, token: &str, body: &B) -> Option<(u16, Value)> {
        self.stats.requests.fetch_add(1, Ordering::Relaxed);
        match self.target.post(path, token, body).await {
            Ok(r) => {
                if !status_ok(r.0) {
                    self.stats.fail(format!("POST {path} → {}: {}", r.0, r.1));
                }
                Some(r)
            }
            Err(e) => {
                self.stats.fail(e);
                None
            }
        }
    }

    /// `POST path` whose success answer is the API type `T`; `None` (counted as a failure)
    /// when the station refuses or answers something else.
    async fn post_as<B: Serialize, T: DeserializeOwned>(
        &self,
        path: &str,
        token: &str,
        body: &B,
    ) -> Option<T> {
        let (status, v) = self.post(path, token, body).await?;
        if !status_ok(status) {
            return None;
        }
        match parse(v) {
            Ok(t) => Some(t),
            Err(e) => {
                self.stats.fail(format!("POST {path}: {e}"));
                None
            }
        }
    }

    /// Plays the whole plan between the clock's start and end; returns when the day is over.
    pub async fn play(self: &Arc<Run>) {
        let mut tasks = tokio::task::JoinSet::new();
        let r = self.clone();
        tasks.spawn(async move { r.travellers().await });
        for sc in self.plan.scenarios.clone() {
            let r = self.clone();
            tasks.spawn(async move { r.scenario(sc).await });
        }
        let r = self.clone();
        tasks.spawn(async move { r.heartbeats().await });
        let r = self.clone();
        tasks.spawn(async move { r.lanes().await });
        match self.target.jt808 {
            Some(addr) => {
                for i in 0..self.plan.patrols.len() {
                    let r = self.clone();
                    tasks.spawn(async move { r.terminal(i, addr).await });
                }
            }
            None if self.target.has("/api/v1/positions") => {
                self.stats
                    .note("unit positions over HTTP: the station has no JT/T 808 listener".into());
                for i in 0..self.plan.patrols.len() {
                    let r = self.clone();
                    tasks.spawn(async move { r.http_positions(i).await });
                }
            }
            None => self.stats.skip(
                "unit positions",
                "the station has neither a JT/T 808 listener nor POST /api/v1/positions",
            ),
        }
        // Every task ends by itself at the end of the day; this is the backstop.
        let clock = self.clock.clone();
        let deadline = async move {
            while !clock.over() {
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            // Let in-flight requests finish.
            tokio::time::sleep(Duration::from_secs(20)).await;
        };
        let clock = self.clock.clone();
        tokio::select! {
            _ = async {
                while tasks.join_next().await.is_some() {}
                // The day runs its course even when every part of it was skipped.
                while !clock.over() {
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
            } => {}
            _ = deadline => { tasks.abort_all(); }
        }
    }

    // ----- clearance -----

    async fn travellers(self: Arc<Run>) {
        if !self.target.has("/api/v1/inspections") {
            self.stats.skip(
                "inspections",
                "the station does not serve POST /api/v1/inspections (404)",
            );
            return;
        }
        let start = f64::from(self.clock.start_s);
        let permits = Arc::new(Semaphore::new(16));
        let mut inflight = tokio::task::JoinSet::new();
        let mut max_lag = 0.0_f64;
        for (i, t) in self.plan.travellers.iter().enumerate() {
            if f64::from(t.at_s) < start || lock(&self.on_board).contains(&t.id) {
                continue;
            }
            if !self.clock.until(f64::from(t.at_s)).await {
                break;
            }
            max_lag = max_lag.max(self.clock.now_s() - f64::from(t.at_s));
            let Ok(permit) = permits.clone().acquire_owned().await else {
                break;
            };
            let r = self.clone();
            inflight.spawn(async move {
                r.inspect(i).await;
                drop(permit);
            });
            while inflight.try_join_next().is_some() {}
        }
        while inflight.join_next().await.is_some() {}
        if max_lag > 300.0 {
            self.stats.note(format!(
                "the station did not keep up at {}x: inspections ran up to {:.0} simulated minutes late",
                self.clock.speed,
                max_lag / 60.0
            ));
        }
    }

    /// Clears traveller `i` of the plan (and opens the case a hit or a seizure calls for).
    pub async fn inspect(&self, i: usize) {
        if let Some(v) = self.begin_inspection(i).await {
            self.finish_inspection(i, v).await;
        }
    }

    /// The first half of [`Run::inspect`]: the document read at the lane; the inspection as
    /// the station answered.
    pub async fn begin_inspection(&self, i: usize) -> Option<InspectionView> {
        let t = &self.plan.travellers[i];
        let tok = &self.target.tokens.inspector;
        let Some(direction) = clearance_direction(t.direction) else {
            self.stats
                .fail(format!("traveller {}: no direction to cross in", t.id));
            return None;
        };
        let body = NewInspection {
            site_id: t.site_id.clone(),
            lane_id: t.lane_id.clone(),
            direction,
            mrz: Some(t.mrz.to_vec()),
            document: None,
            face_template: None,
            enrolled: t.enrolled,
            visa_type: None,
            purpose: None,
        };
        let v = self
            .post_as::<_, InspectionView>("/api/v1/inspections", tok, &body)
            .await?;
        self.stats.inspections.fetch_add(1, Ordering::Relaxed);
        Some(v)
    }

    /// The second half of [`Run::inspect`]: the inspector's decision where the station left
    /// one pending, the crossing counted, and the case a hit or a seizure calls for.
    pub async fn finish_inspection(&self, i: usize, v: InspectionView) {
        let t = &self.plan.travellers[i];
        let tok = &self.target.tokens.inspector;
        let hits = v.hit_count > 0;
        if v.decision == "sent_to_counter" {
            // The gate hands the traveller to a counter, where an inspector decides the
            // same inspection.
            self.stats.sent_to_counter.fetch_add(1, Ordering::Relaxed);
        }
        let decided = if v.is_final || v.crossing_id.is_some() {
            if t.lane_kind == LaneKind::Egate {
                self.stats.egate_cleared.fetch_add(1, Ordering::Relaxed);
            }
            v
        } else {
            // The inspector confirms the suggestion, as at a counter.
            let path = format!("/api/v1/inspections/{}/decision", v.id);
            let body = DecisionBody {
                decision: v.suggested.clone(),
                reason: None,
            };
            match self.post_as::<_, InspectionView>(&path, tok, &body).await {
                Some(d) if d.is_final || d.crossing_id.is_some() => d,
                _ => return,
            }
        };
        {
            self.stats.crossings.fetch_add(1, Ordering::Relaxed);
            if hits {
                self.stats.hits.fetch_add(1, Ordering::Relaxed);
            }
            *lock(&self.stats.by_direction)
                .entry(t.direction.as_str().to_owned())
                .or_default() += 1;
            *lock(&self.stats.by_nationality)
                .entry(t.passport.nationality.to_owned())
                .or_default() += 1;
        }
        self.case_for(i, t, &decided).await;
    }

    // ----- links -----

    async fn heartbeats(self: Arc<Run>) {
        if !self.target.has("/api/v1/links/{id}/heartbeat") {
            self.stats.skip(
                "link heartbeats",
                "the station does not serve POST /api/v1/links/{id}/heartbeat (404)",
            );
            // No link to wait for.
            self.acknowledged("", None);
            return;
        }
        if self.plan.links.is_empty() {
            self.acknowledged("", None);
        }
        // Each link's terminal beats on its own, every 10 simulated seconds (the station's
        // timeout is 30), stamped with the simulated time.
        let mut beats = tokio::task::JoinSet::new();
        for link in self.plan.links.clone() {
            let r = self.clone();
            beats.spawn(async move { r.beat(link).await });
        }
        while beats.join_next().await.is_some() {}
    }

    async fn beat(&self, link: String) {
        // Consecutive failures after which this link no longer paces the clock.
        const GIVE_UP: u32 = 20;
        let path = format!("/api/v1/links/{link}/heartbeat");
        let mut t = self.clock.now_s();
        let mut failures = 0u32;
        while self.clock.until(t).await {
            if lock(&self.silenced).contains(&link) {
                t += HEARTBEAT_S;
                continue;
            }
            let sent_s = self.clock.now_s();
            let body = HeartbeatBody {
                time: Some(self.clock.at(sent_s)),
            };
            match self.post(&path, &self.target.tokens.device, &body).await {
                Some((s, _)) if status_ok(s) => {
                    failures = 0;
                    self.stats.heartbeats.fetch_add(1, Ordering::Relaxed);
                    self.acknowledged(&link, Some(sent_s));
                    t = sent_s + HEARTBEAT_S;
                }
                _ => {
                    failures += 1;
                    if failures == GIVE_UP {
                        self.stats.note(format!(
                            "link {link}: {GIVE_UP} heartbeats in a row failed; the day no longer waits for it"
                        ));
                        self.acknowledged(&link, None);
                    }
                    // Try again soon: the clock may be waiting for this link.
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    t = self.clock.now_s();
                }
            }
        }
    }

    /// Notes the station's acknowledgement of `link`'s heartbeat sent at `sent_s` (`None`:
    /// the link no longer counts) and lets the clock run up to a margin below the link
    /// timeout past the oldest live link's.
    fn acknowledged(&self, link: &str, sent_s: Option<f64>) {
        let oldest = {
            let mut beats = lock(&self.beats);
            match sent_s {
                // A silenced link's late answer must not hold the clock.
                Some(t) if !lock(&self.silenced).contains(link) => {
                    beats.insert(link.to_owned(), t);
                }
                _ => {
                    beats.remove(link);
                }
            }
            beats.values().copied().fold(f64::INFINITY, f64::min)
        };
        if let Some(p) = &self.clock.pacer {
            let until = if oldest.is_finite() {
                oldest + PACE_MARGIN_S
            } else {
                f64::from(self.clock.end_s)
            };
            p.allow_until(self.clock.at(until));
        }
    }

    // ----- units over JT/T 808 -----

    fn fix_of(&self, unit: usize, now_s: f64) -> guomen_sim::Fix {
        let p = &self.plan.patrols[unit];
        if let Some(a) = lock(&self.assignments).get(&p.unit_id).copied() {
            return transit(&self.frame, a.from, a.to, a.speed_kmh, now_s - a.since_s).0;
        }
        p.route.fix_at(&self.frame, now_s + p.phase_s)
    }

    /// A unit's terminal reporting over HTTP (`POST /api/v1/positions` with its own
    /// device account): a fix every 30 simulated seconds at the simulated time.
    async fn http_positions(self: Arc<Run>, unit: usize) {
        let p = &self.plan.patrols[unit];
        let token = self
            .target
            .tokens
            .units
            .get(&p.unit_id)
            .cloned()
            .unwrap_or_else(|| self.target.tokens.device.clone());
        let mut t = self.clock.now_s();
        let mut last_sent: Option<i64> = None;
        while self.clock.until(t).await {
            let now_s = self.clock.now_s();
            t = (t + 30.0).max(now_s);
            let time = self.clock.at(now_s.floor());
            if last_sent.is_some_and(|l| time.timestamp() <= l) {
                continue;
            }
            last_sent = Some(time.timestamp());
            let fix = self.fix_of(unit, now_s);
            let body = PositionBody {
                terminal_id: p.terminal_id.clone(),
                lat: fix.lat,
                lon: fix.lon,
                time,
                speed_kmh: Some(fix.speed_kmh),
                course: Some(fix.course_deg),
            };
            if let Some((s, _)) = self.post("/api/v1/positions", &token, &body).await
                && status_ok(s)
            {
                self.stats.positions.fetch_add(1, Ordering::Relaxed);
            }
        }
    }

    async fn terminal(self: Arc<Run>, unit: usize, addr: SocketAddr) {
        let p = &self.plan.patrols[unit];
        let part = "unit positions (JT/T 808)";
        let mut stream = match tokio::net::TcpStream::connect(addr).await {
            Ok(s) => s,
            Err(e) => {
                self.stats
                    .skip(part, format!("cannot connect to {addr}: {e}"));
                return;
            }
        };
        let mut serial: u16 = 0;
        let next = |s: &mut u16| {
            *s = s.wrapping_add(1);
            *s
        };
        let mut splitter = jt808::FrameSplitter::new(jt808::DEFAULT_MAX_FRAME);
        let register = Message::Register(jt808::Register {
            province: 15,
            city: 2501,
            maker: "GMSIM".into(),
            model: "BD-SIM".into(),
            terminal_id: p
                .terminal_id
                .chars()
                .rev()
                .take(7)
                .collect::<Vec<_>>()
                .into_iter()
                .rev()
                .collect(),
            plate_colour: 0,
            plate: p.unit_id.clone(),
            layout: jt808::RegisterLayout::V2013,
        });
        let send = |msg: &Message, serial: u16| {
            jt808::encode(&Envelope::v2013(p.terminal_id.clone(), serial), msg)
        };
        let Ok(frame) = send(&register, next(&mut serial)) else {
            self.stats.skip(part, "cannot encode a register frame");
            return;
        };
        if stream.write_all(&frame).await.is_err() {
            return;
        }
        // Wait for 0x8100 with the auth code, then authenticate.
        let code = match read_reply(&mut stream, &mut splitter, Duration::from_secs(5)).await {
            Some(Message::RegisterResponse {
                result: 0,
                auth_code: Some(c),
                ..
            }) => c,
            Some(Message::RegisterResponse { result: 3, .. }) => {
                self.stats.skip(
                    part,
                    format!(
                        "terminal {} was registered before and gets no new auth code; \
                         run `guomen device reset {}` on the station",
                        p.terminal_id, p.terminal_id
                    ),
                );
                return;
            }
            other => {
                self.stats.skip(
                    part,
                    format!("terminal {} not registered: {other:?}", p.terminal_id),
                );
                return;
            }
        };
        let auth = Message::Auth(jt808::Auth {
            code,
            imei: None,
            software_version: None,
        });
        let Ok(frame) = send(&auth, next(&mut serial)) else {
            return;
        };
        if stream.write_all(&frame).await.is_err() {
            return;
        }
        match read_reply(&mut stream, &mut splitter, Duration::from_secs(5)).await {
            Some(Message::PlatformResponse { result: 0, .. }) => {}
            other => {
                self.stats.skip(
                    part,
                    format!("terminal {} not authenticated: {other:?}", p.terminal_id),
                );
                return;
            }
        }
        let (mut rd, mut wr) = stream.into_split();
        // Answer dispatch orders (0x8300) with a terminal response, as a crew's terminal does.
        let (tx, mut rx) = tokio::sync::mpsc::channel::<Vec<u8>>(16);
        let terminal_id = p.terminal_id.clone();
        let reader = tokio::spawn(async move {
            let mut buf = vec![0u8; 4096];
            let mut splitter = jt808::FrameSplitter::new(jt808::DEFAULT_MAX_FRAME);
            while let Ok(n) = rd.read(&mut buf).await {
                if n == 0 {
                    break;
                }
                splitter.push(&buf[..n]);
                while let Some(Ok(f)) = splitter.next_frame() {
                    if let Ok(frame) = jt808::decode_frame(&f)
                        && frame.header.msg_id == 0x8300
                    {
                        let ack = Message::TerminalResponse {
                            reply_serial: frame.header.serial,
                            reply_msg_id: 0x8300,
                            result: 0,
                        };
                        if let Ok(bytes) =
                            jt808::encode(&Envelope::v2013(terminal_id.clone(), 0), &ack)
                        {
                            let _ = tx.send(bytes).await;
                        }
                    }
                }
            }
        });
        // A fix every 30 simulated seconds, stamped with the simulated time (JT/T 808 carries
        // whole seconds: never two fixes in one second, never one ahead of the station).
        let every_s = 30.0_f64;
        let mut t = self.clock.now_s();
        let mut last_sent: Option<i64> = None;
        loop {
            // Orders are acknowledged as they arrive, as a crew's terminal does.
            tokio::select! {
                more = self.clock.until(t) => if !more { break },
                Some(ack) = rx.recv() => {
                    let _ = wr.write_all(&ack).await;
                    continue;
                }
            }
            let now_s = self.clock.now_s();
            t = (t + every_s).max(now_s);
            let time = self.clock.at(now_s.floor());
            if last_sent.is_some_and(|l| time.timestamp() <= l) {
                continue;
            }
            last_sent = Some(time.timestamp());
            let fix = self.fix_of(unit, now_s);
            let loc = jt808::Location {
                alarm: Default::default(),
                status: jt808::StatusFlags(0b11),
                lat: fix.lat,
                lon: fix.lon,
                altitude_m: 960,
                speed_kmh: fix.speed_kmh,
                course: fix.course_deg.round() as u16 % 360,
                time: Some(time),
                extras: vec![],
            };
            let Ok(frame) = send(&Message::Location(loc), next(&mut serial)) else {
                break;
            };
            if wr.write_all(&frame).await.is_err() {
                self.stats
                    .fail(format!("terminal {}: connection lost", p.terminal_id));
                break;
            }
            self.stats.positions.fetch_add(1, Ordering::Relaxed);
        }
        reader.abort();
    }

    // ----- scenarios -----

    async fn open_incidents(&self) -> Option<Vec<IncidentView>> {
        if !self.target.has("/api/v1/incidents") {
            return None;
        }
        self.stats.requests.fetch_add(1, Ordering::Relaxed);
        match self
            .target
            .get_as("/api/v1/incidents?status=open", &self.target.tokens.chief)
            .await
        {
            Ok(list) => Some(list),
            Err(e) => {
                self.stats.fail(e);
                None
            }
        }
    }

    /// Open incidents nobody has taken charge of that one of `sensors` raised (an alarm
    /// incident names its first sensor in its details and title); medical and link incidents
    /// are never taken.
    async fn alarm_incidents_of(&self, sensors: &[&str]) -> Vec<IncidentView> {
        let list = self.open_incidents().await.unwrap_or_default();
        let mut claimed = lock(&self.claimed);
        list.into_iter()
            .filter(|i| {
                !matches!(
                    i.kind,
                    IncidentKind::MedicalEmergency | IncidentKind::LinkFailure
                )
            })
            .filter(|i| {
                let sensor = i
                    .details
                    .as_ref()
                    .and_then(|d| d.get("sensor_id"))
                    .and_then(Value::as_str);
                sensors
                    .iter()
                    .any(|s| sensor == Some(*s) || i.title.contains(&format!("from {s} ")))
            })
            .filter(|i| claimed.insert(i.id.clone()))
            .collect()
    }

    fn chief(&self) -> &str {
        &self.target.tokens.chief
    }

    async fn action<B: Serialize>(&self, id: &str, action: &str, token: &str, body: &B) -> bool {
        let template = format!("/api/v1/incidents/{{id}}/{action}");
        if !self.target.has(&template) {
            self.stats.skip(
                &format!("incident {action}"),
                format!("the station does not serve POST {template} (404)"),
            );
            return false;
        }
        let ok = self
            .post_as::<_, IncidentView>(&format!("/api/v1/incidents/{id}/{action}"), token, body)
            .await
            .is_some();
        if ok {
            let counter = match action {
                "dispatch" => Some(&self.stats.dispatches),
                "resolve" => Some(&self.stats.resolved),
                "close" => Some(&self.stats.closed),
                _ => None,
            };
            if let Some(c) = counter {
                c.fetch_add(1, Ordering::Relaxed);
            }
        }
        ok
    }

    fn unit_body(unit: &str) -> UnitBody {
        UnitBody {
            unit_id: unit.to_owned(),
        }
    }

    /// The duty chief's and the field team's part: acknowledge, dispatch the recommended
    /// unit, en route and on scene from the unit's device, resolve, close. Every pause is in
    /// simulated time, so the station's response times are simulated minutes.
    async fn respond(&self, sc: &Scenario, id: &str) {
        self.stats.incident(id);
        lock(&self.claimed).insert(id.to_owned());
        if !self.clock.after(45.0).await
            || !self
                .action(id, "acknowledge", self.chief(), &EmptyBody {})
                .await
        {
            return;
        }
        let recommended = self
            .open_incidents()
            .await
            .unwrap_or_default()
            .into_iter()
            .find(|i| i.id == id)
            .and_then(|i| i.recommendations.first().map(|r| r.unit_id.clone()));
        let unit = match (recommended, &sc.fallback_unit) {
            (Some(u), _) => u,
            (None, Some(f)) => {
                self.stats
                    .note(format!("{}: no recommendation for {id}; sent {f}", sc.id));
                f.clone()
            }
            (None, None) => return,
        };
        if !self.clock.after(30.0).await {
            return;
        }
        if !self
            .action(id, "dispatch", self.chief(), &Self::unit_body(&unit))
            .await
        {
            return;
        }
        let now = self.clock.now_s();
        let idx = self.plan.patrols.iter().position(|p| p.unit_id == unit);
        let (from, speed) = match idx {
            Some(i) => {
                let f = self.fix_of(i, now);
                ((f.lon, f.lat), self.plan.patrols[i].dispatch_speed_kmh)
            }
            None => (sc.scene.unwrap_or_default(), 30.0),
        };
        let scene = sc.scene.unwrap_or(from);
        // The crew takes the order on its terminal (which acknowledges it), then rolls.
        if !self.clock.after(60.0).await {
            return;
        }
        lock(&self.assignments).insert(
            unit.clone(),
            Assignment {
                from,
                to: scene,
                since_s: self.clock.now_s(),
                speed_kmh: speed,
            },
        );
        let dev = self
            .target
            .tokens
            .units
            .get(&unit)
            .cloned()
            .unwrap_or_else(|| self.target.tokens.device.clone());
        self.action(id, "en-route", &dev, &Self::unit_body(&unit))
            .await;
        let travel = self.frame.distance_m(from, scene) / (speed / 3.6);
        if !self.clock.after(travel.max(30.0)).await {
            return;
        }
        self.action(id, "on-scene", &dev, &Self::unit_body(&unit))
            .await;
        if !self.clock.after(300.0).await {
            return;
        }
        let resolve = ResolveBody {
            disposition: sc.disposition.to_owned(),
            feedback: sc.feedback.clone(),
        };
        if self.action(id, "resolve", self.chief(), &resolve).await {
            lock(&self.assignments).remove(&unit);
            if self.clock.after(120.0).await {
                self.action(id, "close", self.chief(), &EmptyBody {}).await;
            }
        }
    }

    /// Closes alarm incidents that belong to a scenario already handled (same persons), or
    /// that turned out to be nothing.
    async fn close_as(&self, incidents: Vec<IncidentView>, disposition: &str, feedback: &str) {
        for i in incidents {
            let id = i.id;
            self.stats.incident(&id);
            let resolve = ResolveBody {
                disposition: disposition.to_owned(),
                feedback: feedback.to_owned(),
            };
            if self
                .action(&id, "acknowledge", self.chief(), &EmptyBody {})
                .await
                && self.action(&id, "resolve", self.chief(), &resolve).await
            {
                self.action(&id, "close", self.chief(), &EmptyBody {}).await;
            }
        }
    }

    async fn step(&self, sc: &Scenario, step: &Step) -> Option<String> {
        match step {
            Step::Notify {
                agency,
                text,
                marker,
                zone,
                kind,
            } => {
                if !self.target.has("/api/v1/notifications") {
                    self.stats.skip(
                        &format!("scenario {}", sc.kind.as_str()),
                        "the station does not serve POST /api/v1/notifications (404)",
                    );
                    return None;
                }
                let location = match (marker, zone) {
                    (Some(m), _) => LocationBody::Marker(m.clone()),
                    (None, Some(z)) => LocationBody::Zone(z.clone()),
                    (None, None) => {
                        self.stats
                            .fail(format!("{}: a report without a place", sc.id));
                        return None;
                    }
                };
                // Each agency's user reports for its own agency (the station names it).
                let Some(token) = self.target.tokens.partners.get(partner_agency(agency)) else {
                    self.stats.skip(
                        &format!("scenario {}", sc.kind.as_str()),
                        format!("no partner user of agency {agency}"),
                    );
                    return None;
                };
                let body = NotificationBody {
                    agency: None,
                    text: text.clone(),
                    location,
                    persons: None,
                    heading: None,
                    kind: kind.map(str::to_owned),
                };
                let v: IncidentView = self.post_as("/api/v1/notifications", token, &body).await?;
                self.stats.notifications.fetch_add(1, Ordering::Relaxed);
                Some(v.id)
            }
            Step::Sensor { sensor_id } => {
                if !self.target.has("/api/v1/sensor-events") {
                    self.stats.skip(
                        &format!("scenario {}", sc.kind.as_str()),
                        "the station does not serve POST /api/v1/sensor-events (404)",
                    );
                    return None;
                }
                let body = SensorEventBody {
                    sensor_id: sensor_id.clone(),
                    kind: "intrusion".into(),
                    time: Some(self.clock.now()),
                    confidence: Some(0.9),
                };
                let accepted: Option<SensorEventAccepted> = self
                    .post_as("/api/v1/sensor-events", &self.target.tokens.device, &body)
                    .await;
                if let Some(a) = accepted {
                    self.stats.sensor_events.fetch_add(1, Ordering::Relaxed);
                    if a.clock_corrected {
                        self.stats.note(format!(
                            "{}: the station corrected the time of {sensor_id}'s event",
                            sc.id
                        ));
                    }
                }
                None
            }
            Step::LinkDown { link_id } => {
                lock(&self.silenced).insert(link_id.clone());
                self.acknowledged(link_id, None);
                self.stats.note(format!(
                    "{} primary link {link_id} silent from {}",
                    sc.id,
                    self.sim_time()
                ));
                None
            }
            Step::LinkUp { link_id } => {
                lock(&self.silenced).remove(link_id);
                self.stats.note(format!(
                    "{} primary link {link_id} back at {}",
                    sc.id,
                    self.sim_time()
                ));
                None
            }
        }
    }

    async fn scenario(self: Arc<Run>, sc: Scenario) {
        if sc.at_s < self.clock.start_s {
            return;
        }
        let mut main_incident = None;
        for (off, step) in &sc.steps {
            if !self.clock.until(f64::from(sc.at_s + off)).await {
                return;
            }
            if let Some(id) = self.step(&sc, step).await {
                main_incident.get_or_insert(id);
            }
        }
        match sc.kind {
            ScenarioKind::Marker814 | ScenarioKind::Medical => {
                if let Some(id) = main_incident {
                    self.respond(&sc, &id).await;
                }
                if sc.kind == ScenarioKind::Marker814 {
                    let more = self.alarm_incidents_of(&sensors_of(&sc)).await;
                    self.close_as(
                        more,
                        "intercepted",
                        "Same two persons as the partner's report near marker 814; intercepted",
                    )
                    .await;
                }
            }
            ScenarioKind::Nuisance => {
                // Give the station its window to confirm the alarm or mark it a nuisance.
                if !self.clock.after(90.0).await {
                    return;
                }
                let found = self.alarm_incidents_of(&sensors_of(&sc)).await;
                if found.is_empty() && self.target.has("/api/v1/incidents") {
                    self.stats.note(format!(
                        "{}: no incident opened (treated as nuisance by the station)",
                        sc.id
                    ));
                }
                self.close_as(found, sc.disposition, &sc.feedback).await;
            }
            ScenarioKind::LinkFailure => {}
        }
    }
}

/// A link terminal's heartbeat period, simulated seconds (the station's timeout is 30).
const HEARTBEAT_S: f64 = 10.0;
/// How far past the oldest acknowledged heartbeat of a live link the clock may run: below the
/// station's 30 s link timeout, so a link the simulation keeps alive never times out.
const PACE_MARGIN_S: f64 = 20.0;

/// The agency of the demo's partner user (the sim's `border_defence`).
pub const PARTNER_AGENCY: &str = "military border unit";
/// The railway's partner user's agency.
pub const RAILWAY_AGENCY: &str = "railway";

/// The station agency of a sim agency name.
fn partner_agency(sim: &str) -> &str {
    match sim {
        "border_defence" => PARTNER_AGENCY,
        other => other,
    }
}

/// The clearance API's direction of a traveller's crossing (a lane may be open both ways; a
/// traveller goes one).
pub fn clearance_direction(d: guomen_port::Direction) -> Option<guomen_clearance::Direction> {
    match d {
        guomen_port::Direction::Entry => Some(guomen_clearance::Direction::Entry),
        guomen_port::Direction::Exit => Some(guomen_clearance::Direction::Exit),
        _ => None,
    }
}

fn sensors_of(sc: &Scenario) -> Vec<&str> {
    sc.steps
        .iter()
        .filter_map(|(_, s)| match s {
            Step::Sensor { sensor_id } => Some(sensor_id.as_str()),
            _ => None,
        })
        .collect()
}

/// Reads frames until one decodes, or the time is up.
async fn read_reply(
    stream: &mut tokio::net::TcpStream,
    splitter: &mut jt808::FrameSplitter,
    within: Duration,
) -> Option<Message> {
    let deadline = Instant::now() + within;
    let mut buf = vec![0u8; 2048];
    loop {
        while let Some(Ok(f)) = splitter.next_frame() {
            if let Ok(frame) = jt808::decode_frame(&f) {
                return Some(frame.message);
            }
        }
        let left = deadline.checked_duration_since(Instant::now())?;
        let n = tokio::time::timeout(left, stream.read(&mut buf))
            .await
            .ok()?
            .ok()?;
        if n == 0 {
            return None;
        }
        splitter.push(&buf[..n]);
    }
}

#[cfg(test)]
mod tests {
    //! The duty chief's and the field team's part of the scenarios, against a stand-in
    //! station that serves only the perimeter and dispatch routes and records every call.

    use std::sync::{Arc, Mutex};

    use axum::Json;
    use axum::extract::{Path, State};
    use axum::routing::{get, post};
    use serde_json::{Value, json};

    use super::*;

    #[derive(Default)]
    struct Fake {
        calls: Vec<String>,
        open: Vec<Value>,
    }
    type Shared = Arc<Mutex<Fake>>;

    /// An answer shaped as the API's `IncidentView` (checked by parsing it as one).
    fn incident(
        id: &str,
        kind: &str,
        status: &str,
        unit: Option<&str>,
        sensor: Option<&str>,
    ) -> Value {
        let v = json!({
            "id": id, "kind": kind, "status": status, "zone": null, "priority": 2,
            "priority_reason": "test", "title": format!("{kind} {}", sensor.unwrap_or("report")),
            "location": null, "created": "2025-07-15T06:00:00Z", "source": "partner",
            "alarm_count": 0, "nuisance": null, "dispatched_units": [], "disposition": null,
            "feedback": null,
            "recommendations": unit.map(|u| vec![json!({"unit_id": u, "eta_s": 90.0,
                "distance_m": 1000.0, "fix_age_s": 10.0, "reason": "closest"})]).unwrap_or_default(),
            "excluded": [], "track": null,
            "details": sensor.map(|s| json!({"sensor_id": s, "duty_point": "dp-1"})),
        });
        let typed: IncidentView = serde_json::from_value(v).expect("an IncidentView");
        serde_json::to_value(typed).unwrap()
    }

    async fn notify(State(f): State<Shared>, Json(b): Json<Value>) -> Json<Value> {
        let mut f = f.lock().unwrap();
        let id = format!("inc-{}", f.calls.len());
        let kind = b["kind"].as_str().unwrap_or("intrusion").to_owned();
        let unit = if kind == "medical_emergency" {
            "medical-1"
        } else {
            "rrt-1"
        };
        f.calls
            .push(format!("notify {kind} {} -> {id}", b["location"]));
        let view = incident(&id, &kind, "new", Some(unit), None);
        f.open.push(view.clone());
        Json(view)
    }

    async fn sensor(
        State(f): State<Shared>,
        Json(b): Json<Value>,
    ) -> (axum::http::StatusCode, Json<Value>) {
        let mut f = f.lock().unwrap();
        f.calls
            .push(format!("sensor {}", b["sensor_id"].as_str().unwrap_or("?")));
        // The station opens one alarm incident for the first trigger of the 814 sequence.
        if b["sensor_id"] == "s-fence-04" {
            f.open.push(incident(
                "inc-alarm",
                "intrusion",
                "new",
                None,
                Some("s-fence-04"),
            ));
        }
        (
            axum::http::StatusCode::ACCEPTED,
            Json(
                json!({ "seq": 1, "alarm_id": "alm-000001", "duplicate": false,
                "clock_corrected": false }),
            ),
        )
    }

    async fn incidents(State(f): State<Shared>) -> Json<Value> {
        Json(Value::Array(f.lock().unwrap().open.clone()))
    }

    async fn action(
        State(f): State<Shared>,
        Path((id, action)): Path<(String, String)>,
        Json(b): Json<Value>,
    ) -> Json<Value> {
        let mut f = f.lock().unwrap();
        let detail = b
            .get("unit_id")
            .or_else(|| b.get("disposition"))
            .and_then(Value::as_str)
            .unwrap_or("");
        f.calls
            .push(format!("{action} {id} {detail}").trim_end().to_owned());
        if action == "close" {
            f.open.retain(|i| i["id"] != id.as_str());
        }
        let kind = f
            .open
            .iter()
            .find(|i| i["id"] == id.as_str())
            .and_then(|i| i["kind"].as_str())
            .unwrap_or("intrusion")
            .to_owned();
        Json(incident(&id, &kind, "acknowledged", None, None))
    }

    async fn openapi() -> Json<Value> {
        let mut paths = serde_json::Map::new();
        for p in [
            "/api/v1/notifications",
            "/api/v1/sensor-events",
            "/api/v1/incidents",
        ] {
            paths.insert(p.into(), json!({}));
        }
        for a in [
            "acknowledge",
            "dispatch",
            "en-route",
            "on-scene",
            "resolve",
            "close",
        ] {
            paths.insert(format!("/api/v1/incidents/{{id}}/{a}"), json!({}));
        }
        Json(json!({ "paths": paths }))
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_814_and_medical_scenarios_run_from_report_to_closure() {
        let fake: Shared = Arc::default();
        let app = axum::Router::new()
            .route("/api/v1/openapi.json", get(openapi))
            .route("/api/v1/notifications", post(notify))
            .route("/api/v1/sensor-events", post(sensor))
            .route("/api/v1/incidents", get(incidents))
            .route("/api/v1/incidents/{id}/{action}", post(action))
            .with_state(fake.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let server = tokio::spawn(async move { axum::serve(listener, app).await });
        let t = |s: &str| s.to_owned();
        let tokens = Tokens {
            admin: t("a"),
            chief: t("c"),
            inspector: t("i"),
            partners: [(PARTNER_AGENCY, "p"), (RAILWAY_AGENCY, "r")]
                .into_iter()
                .map(|(a, t)| (a.to_owned(), t.to_owned()))
                .collect(),
            device: t("d"),
            units: Default::default(),
        };
        let target = Arc::new(Target::connect(&base, tokens, None).await.unwrap());
        let port = guomen_port::erenhot();
        let date = chrono::NaiveDate::from_ymd_opt(2025, 7, 15).unwrap();
        let plan = Arc::new(guomen_sim::day_plan(
            &port,
            guomen_sim::PlanConfig {
                seed: 9,
                peak: false,
                date,
            },
        ));
        let (_stop, rx) = watch::channel(false);
        let day0 = chrono::DateTime::parse_from_rfc3339("2025-07-15T06:00:00+08:00")
            .unwrap()
            .with_timezone(&chrono::Utc);
        let clock = Clock::new(
            Arc::new(guomen_station::SimClock::new(day0, 1500.0)),
            day0,
            0,
            7200,
            rx,
        );
        let run = Run::new(target, plan.clone(), &port, clock);
        run.play().await;
        server.abort();

        let calls = fake.lock().unwrap().calls.clone();
        let sc = plan
            .scenarios
            .iter()
            .find(|s| s.kind == ScenarioKind::Marker814)
            .unwrap();
        let sensors: Vec<String> = sc
            .steps
            .iter()
            .filter_map(|(_, s)| match s {
                Step::Sensor { sensor_id } => Some(format!("sensor {sensor_id}")),
                _ => None,
            })
            .collect();
        let played: Vec<String> = calls
            .iter()
            .filter(|c| sensors.contains(c))
            .cloned()
            .collect();
        assert_eq!(played, sensors, "{calls:#?}");
        let partner = calls
            .iter()
            .position(|c| c.starts_with("notify intrusion") && c.contains("814"))
            .expect("the partner's report");
        let first_sensor = calls.iter().position(|c| *c == sensors[0]).unwrap();
        assert!(partner < first_sensor);
        let id = calls[partner].rsplit(' ').next().unwrap();
        let flow: Vec<&String> = calls
            .iter()
            .filter(|c| c.split(' ').nth(1) == Some(id))
            .collect();
        assert_eq!(
            flow,
            [
                &format!("acknowledge {id}"),
                &format!("dispatch {id} rrt-1"),
                &format!("en-route {id} rrt-1"),
                &format!("on-scene {id} rrt-1"),
                &format!("resolve {id} intercepted"),
                &format!("close {id}"),
            ],
            "{calls:#?}"
        );
        // The alarm incident the sensors opened is closed as the same persons.
        assert!(
            calls.contains(&"resolve inc-alarm intercepted".to_owned()),
            "{calls:#?}"
        );
        // The medical emergency gets the medical team.
        let med = calls
            .iter()
            .find(|c| c.starts_with("notify medical_emergency"))
            .expect("railway's report");
        assert!(med.contains("rail-passenger-hall"));
        assert!(
            calls
                .iter()
                .any(|c| c.starts_with("dispatch ") && c.ends_with("medical-1")),
            "{calls:#?}"
        );
        assert!(
            calls
                .iter()
                .any(|c| c.starts_with("resolve ") && c.ends_with("medical_handled")),
            "{calls:#?}"
        );
        assert_eq!(Stats::get(&run.stats.dispatches), 2);
        assert!(lock(&run.stats.skipped).contains_key("inspections"));
    }
}
