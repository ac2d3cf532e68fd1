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

use guomen_port::{LaneKind, Port};
use guomen_proto::jt808::{self, Envelope, Message};
use guomen_sim::DayPlan;
use guomen_sim::field::{Scenario, ScenarioKind, Step};
use guomen_sim::space::{Frame, LonLat, transit};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::sync::{Semaphore, watch};

/// API tokens of the people and devices the simulator plays.
#[derive(Debug, Clone)]
pub struct Tokens {
    pub admin: String,
    pub chief: String,
    pub inspector: String,
    pub partner: String,
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

    async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        token: &str,
        body: Option<&Value>,
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

    pub async fn post(
        &self,
        path: &str,
        token: &str,
        body: &Value,
    ) -> Result<(u16, Value), String> {
        self.call(reqwest::Method::POST, path, token, Some(body))
            .await
    }

    pub async fn get(&self, path: &str, token: &str) -> Result<(u16, Value), String> {
        self.call(reqwest::Method::GET, path, token, None).await
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

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// Simulated time: `speed` simulated seconds per wall second from `start_s`, until `end_s`.
#[derive(Debug, Clone)]
pub struct Clock {
    wall0: Instant,
    pub speed: f64,
    pub start_s: u32,
    pub end_s: u32,
    stop: watch::Receiver<bool>,
}

impl Clock {
    pub fn new(speed: f64, start_s: u32, end_s: u32, stop: watch::Receiver<bool>) -> Clock {
        Clock {
            wall0: Instant::now(),
            speed,
            start_s,
            end_s,
            stop,
        }
    }

    pub fn now_s(&self) -> f64 {
        f64::from(self.start_s) + self.wall0.elapsed().as_secs_f64() * self.speed
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
            let wait = Duration::from_secs_f64((ahead / self.speed).min(0.5));
            tokio::select! {
                _ = tokio::time::sleep(wait) => {}
                _ = stop.changed() => {}
            }
        }
    }

    /// Sleeps `d` of wall time, or less when the day ends first.
    pub async fn sleep_wall(&self, d: Duration) {
        let until = Instant::now() + d;
        while !self.over() {
            let left = until.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return;
            }
            tokio::time::sleep(left.min(Duration::from_millis(100))).await;
        }
    }

    /// Waits `d_s` simulated seconds but at least `min_wall` of wall time (the station's
    /// timeouts run on the wall clock).
    pub async fn after(&self, d_s: f64, min_wall: Duration) -> bool {
        let t = self.now_s() + d_s;
        let started = Instant::now();
        if !self.until(t).await {
            return false;
        }
        self.sleep_wall(min_wall.saturating_sub(started.elapsed()))
            .await;
        !self.over()
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
    /// Incidents some scenario has taken charge of.
    claimed: Mutex<HashSet<String>>,
}

fn status_ok(s: u16) -> bool {
    (200..300).contains(&s)
}

fn incident_id(v: &Value) -> Option<String> {
    v.get("id")
        .or_else(|| v.get("incident_id"))
        .or_else(|| v.get("incident").and_then(|i| i.get("id")))
        .and_then(Value::as_str)
        .map(str::to_owned)
}

fn hhmm(plan_s: f64) -> String {
    let local = (f64::from(guomen_sim::plan::DAY_START_HOUR) * 3600.0 + plan_s) as u64 % 86_400;
    format!("{:02}:{:02}", local / 3600, (local % 3600) / 60)
}

impl Run {
    pub fn new(target: Arc<Target>, plan: Arc<DayPlan>, port: &Port, clock: Clock) -> Arc<Run> {
        let frame = guomen_sim::field::frame(port);
        Arc::new(Run {
            target,
            plan,
            clock,
            stats: Arc::new(Stats::default()),
            frame,
            assignments: Mutex::default(),
            silenced: Mutex::default(),
            claimed: Mutex::default(),
        })
    }

    pub fn sim_time(&self) -> String {
        hhmm(self.clock.now_s().min(f64::from(self.clock.end_s)))
    }

    async fn post(&self, path: &str, token: &str, body: &Value) -> Option<(u16, Value)> {
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
        match self.target.jt808 {
            Some(addr) => {
                for i in 0..self.plan.patrols.len() {
                    let r = self.clone();
                    tasks.spawn(async move { r.terminal(i, addr).await });
                }
            }
            None => self.stats.skip(
                "unit positions (JT/T 808)",
                "the station has no JT/T 808 listener to report to",
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
            if f64::from(t.at_s) < start {
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

    async fn inspect(&self, i: usize) {
        let t = &self.plan.travellers[i];
        let tok = &self.target.tokens.inspector;
        let body = json!({
            "site_id": t.site_id, "lane_id": t.lane_id, "direction": t.direction.as_str(),
            "mrz": t.mrz, "enrolled": t.enrolled,
        });
        let Some((status, v)) = self.post("/api/v1/inspections", tok, &body).await else {
            return;
        };
        if !status_ok(status) {
            return;
        }
        self.stats.inspections.fetch_add(1, Ordering::Relaxed);
        let hits = v
            .get("hits")
            .and_then(Value::as_array)
            .is_some_and(|h| !h.is_empty());
        let decision = v
            .get("decision")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned();
        if decision == "sent_to_counter" {
            // The gate hands the traveller to a counter, where an inspector decides the
            // same inspection.
            self.stats.sent_to_counter.fetch_add(1, Ordering::Relaxed);
        }
        let mut final_ = v.get("final").and_then(Value::as_bool).unwrap_or(false)
            || v.get("crossing_id").is_some_and(|c| !c.is_null());
        if !final_ {
            // The inspector confirms the suggestion, as at a counter.
            let Some(id) = v.get("id").and_then(Value::as_str) else {
                return;
            };
            let suggested = v
                .get("suggested")
                .and_then(Value::as_str)
                .unwrap_or(&decision)
                .to_owned();
            let path = format!("/api/v1/inspections/{id}/decision");
            match self
                .post(&path, tok, &json!({ "decision": suggested }))
                .await
            {
                Some((s, _)) if status_ok(s) => final_ = true,
                _ => return,
            }
        } else if t.lane_kind == LaneKind::Egate {
            self.stats.egate_cleared.fetch_add(1, Ordering::Relaxed);
        }
        if final_ {
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
    }

    // ----- links -----

    async fn heartbeats(self: Arc<Run>) {
        if !self.target.has("/api/v1/links/{id}/heartbeat") {
            self.stats.skip(
                "link heartbeats",
                "the station does not serve POST /api/v1/links/{id}/heartbeat (404)",
            );
            return;
        }
        // Terminals beat every 10 s; never more than once a wall second per link.
        let every = Duration::from_secs(1).max(Duration::from_secs_f64(10.0 / self.clock.speed));
        while !self.clock.over() {
            let silenced = lock(&self.silenced).clone();
            for link in &self.plan.links {
                if silenced.contains(link) {
                    continue;
                }
                let path = format!("/api/v1/links/{link}/heartbeat");
                if let Some((s, _)) = self
                    .post(&path, &self.target.tokens.device, &json!({}))
                    .await
                    && status_ok(s)
                {
                    self.stats.heartbeats.fetch_add(1, Ordering::Relaxed);
                }
            }
            let mut stop = self.clock.stop.clone();
            tokio::select! {
                _ = tokio::time::sleep(every) => {}
                _ = stop.changed() => {}
            }
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
        // A fix every 30 simulated seconds, at least every 2 wall seconds so fixes stay fresh.
        let every_s = 30.0_f64.min(2.0 * self.clock.speed);
        let mut t = self.clock.now_s();
        while self.clock.until(t).await {
            let fix = self.fix_of(unit, t);
            let loc = jt808::Location {
                alarm: Default::default(),
                status: jt808::StatusFlags(0b11),
                lat: fix.lat,
                lon: fix.lon,
                altitude_m: 960,
                speed_kmh: fix.speed_kmh,
                course: fix.course_deg.round() as u16 % 360,
                time: Some(chrono::Utc::now()),
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
            while let Ok(ack) = rx.try_recv() {
                let _ = wr.write_all(&ack).await;
            }
            t += every_s;
        }
        reader.abort();
    }

    // ----- scenarios -----

    async fn open_incidents(&self) -> Option<Vec<Value>> {
        if !self.target.has("/api/v1/incidents") {
            return None;
        }
        self.stats.requests.fetch_add(1, Ordering::Relaxed);
        match self
            .target
            .get("/api/v1/incidents?status=open", &self.target.tokens.chief)
            .await
        {
            Ok((200, Value::Array(list))) => Some(list),
            Ok((200, v)) => v.get("incidents").and_then(Value::as_array).cloned(),
            Ok((s, v)) => {
                self.stats.fail(format!("GET /api/v1/incidents → {s}: {v}"));
                None
            }
            Err(e) => {
                self.stats.fail(e);
                None
            }
        }
    }

    /// Open incidents nobody has taken charge of that name one of `sensors` (an alarm
    /// incident carries its sensors); medical and link incidents are never taken.
    async fn alarm_incidents_of(&self, sensors: &[&str]) -> Vec<Value> {
        let list = self.open_incidents().await.unwrap_or_default();
        let mut claimed = lock(&self.claimed);
        list.into_iter()
            .filter(|i| {
                let kind = i.get("kind").and_then(Value::as_str).unwrap_or_default();
                !matches!(kind, "medical_emergency" | "link_failure")
            })
            .filter(|i| {
                let text = i.to_string();
                sensors.iter().any(|s| text.contains(&format!("\"{s}\"")))
            })
            .filter(|i| incident_id(i).is_some_and(|id| claimed.insert(id)))
            .collect()
    }

    fn chief(&self) -> &str {
        &self.target.tokens.chief
    }

    async fn action(&self, id: &str, action: &str, token: &str, body: Value) -> bool {
        let template = format!("/api/v1/incidents/{{id}}/{action}");
        if !self.target.has(&template) {
            self.stats.skip(
                &format!("incident {action}"),
                format!("the station does not serve POST {template} (404)"),
            );
            return false;
        }
        let ok = matches!(
            self.post(&format!("/api/v1/incidents/{id}/{action}"), token, &body).await,
            Some((s, _)) if status_ok(s)
        );
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

    /// The duty chief's and the field team's part: acknowledge, dispatch the recommended
    /// unit, en route and on scene from the unit's device, resolve, close.
    async fn respond(&self, sc: &Scenario, id: &str) {
        self.stats.incident(id);
        lock(&self.claimed).insert(id.to_owned());
        let pause = Duration::from_millis(200);
        if !self.clock.after(45.0, pause).await
            || !self
                .action(id, "acknowledge", self.chief(), json!({}))
                .await
        {
            return;
        }
        let recommended = self
            .open_incidents()
            .await
            .unwrap_or_default()
            .into_iter()
            .find(|i| incident_id(i).as_deref() == Some(id))
            .and_then(|i| {
                i.get("recommendations")?
                    .as_array()?
                    .first()?
                    .get("unit_id")?
                    .as_str()
                    .map(str::to_owned)
            });
        let unit = match (recommended, &sc.fallback_unit) {
            (Some(u), _) => u,
            (None, Some(f)) => {
                self.stats
                    .note(format!("{}: no recommendation for {id}; sent {f}", sc.id));
                f.clone()
            }
            (None, None) => return,
        };
        if !self.clock.after(30.0, pause).await {
            return;
        }
        if !self
            .action(id, "dispatch", self.chief(), json!({ "unit_id": unit }))
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
        if !self.clock.after(20.0, pause).await {
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
        self.action(id, "en-route", &dev, json!({ "unit_id": unit }))
            .await;
        let travel = self.frame.distance_m(from, scene) / (speed / 3.6);
        if !self.clock.after(travel.max(30.0), pause).await {
            return;
        }
        self.action(id, "on-scene", &dev, json!({ "unit_id": unit }))
            .await;
        if !self.clock.after(300.0, pause).await {
            return;
        }
        if self
            .action(
                id,
                "resolve",
                self.chief(),
                json!({ "disposition": sc.disposition, "feedback": sc.feedback }),
            )
            .await
        {
            lock(&self.assignments).remove(&unit);
            if self.clock.after(120.0, pause).await {
                self.action(id, "close", self.chief(), json!({})).await;
            }
        }
    }

    /// Closes alarm incidents that belong to a scenario already handled (same persons), or
    /// that turned out to be nothing.
    async fn close_as(&self, incidents: Vec<Value>, disposition: &str, feedback: &str) {
        for i in incidents {
            let Some(id) = incident_id(&i) else { continue };
            self.stats.incident(&id);
            if self
                .action(&id, "acknowledge", self.chief(), json!({}))
                .await
                && self
                    .action(
                        &id,
                        "resolve",
                        self.chief(),
                        json!({ "disposition": disposition, "feedback": feedback }),
                    )
                    .await
            {
                self.action(&id, "close", self.chief(), json!({})).await;
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
                let mut location = serde_json::Map::new();
                if let Some(m) = marker {
                    location.insert("marker".into(), json!(m));
                }
                if let Some(z) = zone {
                    location.insert("zone".into(), json!(z));
                }
                let mut body = json!({ "agency": agency, "text": text, "location": location });
                if let Some(k) = kind {
                    body["kind"] = json!(k);
                }
                let (s, v) = self
                    .post("/api/v1/notifications", &self.target.tokens.partner, &body)
                    .await?;
                if !status_ok(s) {
                    return None;
                }
                self.stats.notifications.fetch_add(1, Ordering::Relaxed);
                incident_id(&v)
            }
            Step::Sensor { sensor_id } => {
                if !self.target.has("/api/v1/sensor-events") {
                    self.stats.skip(
                        &format!("scenario {}", sc.kind.as_str()),
                        "the station does not serve POST /api/v1/sensor-events (404)",
                    );
                    return None;
                }
                let body =
                    json!({ "sensor_id": sensor_id, "kind": "intrusion", "confidence": 0.9 });
                if let Some((s, _)) = self
                    .post("/api/v1/sensor-events", &self.target.tokens.device, &body)
                    .await
                    && status_ok(s)
                {
                    self.stats.sensor_events.fetch_add(1, Ordering::Relaxed);
                }
                None
            }
            Step::LinkDown { link_id } => {
                lock(&self.silenced).insert(link_id.clone());
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
        let mut down_since: Option<Instant> = None;
        for (off, step) in &sc.steps {
            if !self.clock.until(f64::from(sc.at_s + off)).await {
                return;
            }
            if let Step::LinkUp { .. } = step {
                // The station's link timeout runs on the wall clock: stay silent long enough
                // for it to notice, however fast the day runs.
                if let Some(since) = down_since {
                    self.clock
                        .sleep_wall(Duration::from_secs(40).saturating_sub(since.elapsed()))
                        .await;
                    if self.clock.over() {
                        return;
                    }
                }
            }
            if let Step::LinkDown { .. } = step {
                down_since = Some(Instant::now());
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
                // Give the station its wall-clock window to confirm or mark the alarm.
                if !self.clock.after(90.0, Duration::from_secs(2)).await {
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
        f.open.push(json!({"id": id, "kind": kind, "status": "new",
            "recommendations": [{"unit_id": unit, "eta_s": 90, "reason": "closest"}]}));
        Json(json!({ "id": id }))
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
            f.open.push(
                json!({"id": "inc-alarm", "kind": "intrusion", "status": "new",
                "sensor_ids": ["s-fence-04"], "recommendations": []}),
            );
        }
        (axum::http::StatusCode::ACCEPTED, Json(json!({ "seq": 1 })))
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
        Json(json!({ "id": id }))
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
            partner: t("p"),
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
        let run = Run::new(target, plan.clone(), &port, Clock::new(1500.0, 0, 7200, rx));
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
