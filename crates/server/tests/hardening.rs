//! The hardened edge (issue 12): floods, connection caps and timeouts, appends that outlive
//! their request, shutdown with open streams, CSRF and what errors may say.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::{Duration, Instant};

use async_trait::async_trait;
use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use guomen_domain::Role;
use guomen_server::ServeConfig;
use guomen_server::test_app::TestApp;
use guomen_store::{
    Appended, Change, CrossingFilter, CrossingRecord, Doc, DutyLogEntry, JournalEvent, Store,
    StoreResult, TokenRecord, UserRecord, Verification,
};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::sync::watch;

// ---------------------------------------------------------------------------------------
// A store whose appends wait at a gate: a request can be caught with its append queued.

struct GatedStore {
    inner: Arc<dyn Store>,
    open: watch::Sender<bool>,
    /// Whole-collection reads of the inspections.
    inspection_scans: std::sync::atomic::AtomicUsize,
}

impl GatedStore {
    fn set_open(&self, open: bool) {
        self.open.send_replace(open);
    }
}

#[async_trait]
impl Store for GatedStore {
    fn backend(&self) -> &'static str {
        self.inner.backend()
    }
    async fn append(&self, changes: Vec<Change>) -> StoreResult<Vec<Appended>> {
        let mut rx = self.open.subscribe();
        let _ = rx.wait_for(|o| *o).await;
        self.inner.append(changes).await
    }
    async fn ping(&self) -> StoreResult<()> {
        self.inner.ping().await
    }
    async fn head(&self) -> StoreResult<Option<(u64, String)>> {
        self.inner.head().await
    }
    async fn journal(
        &self,
        after: u64,
        limit: u32,
        kinds: Option<&[&str]>,
    ) -> StoreResult<Vec<JournalEvent>> {
        self.inner.journal(after, limit, kinds).await
    }
    async fn verify(&self) -> StoreResult<Verification> {
        self.inner.verify().await
    }
    async fn user_by_name(&self, name: &str) -> StoreResult<Option<UserRecord>> {
        self.inner.user_by_name(name).await
    }
    async fn user_by_id(&self, id: &str) -> StoreResult<Option<UserRecord>> {
        self.inner.user_by_id(id).await
    }
    async fn users(&self) -> StoreResult<Vec<UserRecord>> {
        self.inner.users().await
    }
    async fn token_by_hash(&self, hash: &str) -> StoreResult<Option<TokenRecord>> {
        self.inner.token_by_hash(hash).await
    }
    async fn token_by_id(&self, id: &str) -> StoreResult<Option<TokenRecord>> {
        self.inner.token_by_id(id).await
    }
    async fn tokens(&self) -> StoreResult<Vec<TokenRecord>> {
        self.inner.tokens().await
    }
    async fn crossing_counts(
        &self,
        by: guomen_store::StatsDim,
        from: chrono::NaiveDate,
        to: chrono::NaiveDate,
    ) -> StoreResult<Vec<guomen_store::CountRow>> {
        self.inner.crossing_counts(by, from, to).await
    }
    async fn blob(&self, sha256: &str) -> StoreResult<Option<(String, Vec<u8>)>> {
        self.inner.blob(sha256).await
    }
    async fn replication_cursor(&self, link: &str) -> StoreResult<u64> {
        self.inner.replication_cursor(link).await
    }
    async fn advance_replication_cursor(&self, link: &str, seq: u64) -> StoreResult<()> {
        self.inner.advance_replication_cursor(link, seq).await
    }
    async fn duty_log(&self, limit: u32, before: Option<u64>) -> StoreResult<Vec<DutyLogEntry>> {
        self.inner.duty_log(limit, before).await
    }
    async fn crossings(&self, filter: &CrossingFilter) -> StoreResult<Vec<CrossingRecord>> {
        self.inner.crossings(filter).await
    }
    async fn doc(&self, collection: &str, id: &str) -> StoreResult<Option<Doc>> {
        self.inner.doc(collection, id).await
    }
    async fn docs(&self, collection: &str) -> StoreResult<Vec<Doc>> {
        if collection == "inspections" {
            self.inspection_scans
                .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        }
        self.inner.docs(collection).await
    }
    async fn close(&self) {
        self.inner.close().await
    }
}

async fn gated_app(
    adjust: impl FnOnce(&mut ServeConfig),
) -> (TestApp, Arc<GatedStore>, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = ServeConfig::for_dir(dir.path());
    adjust(&mut cfg);
    let inner = guomen_server::config::open_store(&cfg.store).await.unwrap();
    let gated = Arc::new(GatedStore {
        inner,
        open: watch::channel(true).0,
        inspection_scans: 0.into(),
    });
    let app = TestApp::with_store(gated.clone(), cfg);
    (app, gated, dir)
}

fn incident_body(title: &str) -> Value {
    json!({"kind": "medical_emergency", "title": title, "location": {"zone": "rail-passenger-hall"}})
}

fn authed(method: Method, path: &str, token: &str, body: Option<Value>) -> Request<Body> {
    let mut b = Request::builder()
        .method(method)
        .uri(path)
        .header(header::AUTHORIZATION, format!("Bearer {token}"));
    let body = match body {
        Some(v) => {
            b = b.header(header::CONTENT_TYPE, "application/json");
            Body::from(v.to_string())
        }
        None => Body::empty(),
    };
    b.body(body).unwrap()
}

// ---------------------------------------------------------------------------------------
// Item 4: journal and engine never diverge.

#[tokio::test]
async fn a_queued_append_is_applied_and_published_even_when_the_client_goes_away() {
    let (app, gate, _dir) = gated_app(|_| {}).await;
    let chief = app.user("chief", Role::DutyChief).await;
    // Ready before the gate closes (the replay and the first reads).
    let warm = app.get("/api/v1/incidents", &chief).await;
    assert_eq!(warm.status, StatusCode::OK, "{}", warm.text);
    let mut bus = app.state.station.subscribe();

    gate.set_open(false);
    let req = app.send(authed(
        Method::POST,
        "/api/v1/incidents",
        &chief,
        Some(incident_body(
            "collapsed at the gate while the client hung up",
        )),
    ));
    // The client gives up while the append waits in the store's queue.
    assert!(
        tokio::time::timeout(Duration::from_millis(300), req)
            .await
            .is_err(),
        "the append should have been held at the gate"
    );
    gate.set_open(true);

    let published = tokio::time::timeout(Duration::from_secs(5), async {
        loop {
            let ev = bus.recv().await.unwrap();
            if ev.kind().as_str() == "ops.incident_created" {
                return ev;
            }
        }
    })
    .await
    .expect("the incident is published although its request was dropped");
    assert!(published.seq.is_some());
    // And the engine has it: the command state agrees with the journal.
    let list = app.get("/api/v1/incidents", &chief).await;
    assert!(
        list.text
            .contains("collapsed at the gate while the client hung up"),
        "{}",
        list.text
    );
}

#[tokio::test]
async fn a_full_write_queue_and_too_many_requests_in_flight_answer_503_with_retry_after() {
    let (app, gate, _dir) = gated_app(|c| c.max_in_flight = 2).await;
    let chief = app.user("chief", Role::DutyChief).await;
    let warm = app.get("/api/v1/duty-log", &chief).await;
    assert_eq!(warm.status, StatusCode::OK);
    app.state.station.set_write_queue_limit(1);

    gate.set_open(false);
    let app = Arc::new(app);
    let hold = |text: &'static str| {
        let (app, chief) = (app.clone(), chief.clone());
        tokio::spawn(async move {
            app.send(authed(
                Method::POST,
                "/api/v1/duty-log",
                &chief,
                Some(json!({ "text": text })),
            ))
            .await
        })
    };
    let held = hold("first, held at the gate");
    tokio::time::sleep(Duration::from_millis(300)).await;
    // The write queue (one place) is taken: a second write is refused at once.
    let started = Instant::now();
    let second = app
        .post(
            "/api/v1/duty-log",
            &chief,
            json!({"text": "second, refused at once"}),
        )
        .await;
    assert_eq!(
        second.status,
        StatusCode::SERVICE_UNAVAILABLE,
        "{}",
        second.text
    );
    assert!(second.headers.contains_key(header::RETRY_AFTER));
    assert!(!second.text.contains("journal"), "{}", second.text);
    assert!(started.elapsed() < Duration::from_secs(1));

    // Two requests in flight (both held at the gate): a third is shed with 503 at once.
    app.state.station.set_write_queue_limit(2);
    let held2 = hold("third, also held");
    tokio::time::sleep(Duration::from_millis(300)).await;
    let started = Instant::now();
    let shed = app.get("/api/v1/duty-log", &chief).await;
    assert_eq!(
        shed.status,
        StatusCode::SERVICE_UNAVAILABLE,
        "{}",
        shed.text
    );
    assert_eq!(shed.json["error"]["code"], "overloaded");
    assert_eq!(shed.headers[header::RETRY_AFTER], "1");
    assert!(started.elapsed() < Duration::from_secs(1));

    gate.set_open(true);
    assert_eq!(held.await.unwrap().status, StatusCode::CREATED);
    assert_eq!(held2.await.unwrap().status, StatusCode::CREATED);
    assert_eq!(
        app.get("/api/v1/duty-log", &chief).await.status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn todays_pending_count_comes_from_counters_not_a_scan_of_every_inspection() {
    use guomen_testkit::mrz::{Td3, yymmdd_in_years};
    let (app, store, _dir) = gated_app(|_| {}).await;
    let insp = app.user("insp", Role::Inspector).await;
    let chief = app.user("chief", Role::DutyChief).await;
    let mut ids = Vec::new();
    for (i, name) in ["ALPHA", "BRAVO", "CHARLIE"].iter().enumerate() {
        let mrz = Td3::new(name, "TEST", &format!("E900000{i}"), "MNG")
            .born("900101")
            .sex('M')
            .expires(&yymmdd_in_years(3))
            .lines();
        let r = app
            .post(
                "/api/v1/inspections",
                &insp,
                json!({"site_id": "road-passenger", "lane_id": "road-counter-entry-1",
                       "direction": "entry", "mrz": mrz}),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
        ids.push(r.json["id"].as_str().unwrap().to_owned());
    }
    let scans = || {
        store
            .inspection_scans
            .load(std::sync::atomic::Ordering::SeqCst)
    };
    let before = scans();
    let s = app.get("/api/v1/stats/today", &chief).await;
    assert_eq!(s.json["pending"], 3, "{}", s.text);
    let d = app
        .post(
            &format!("/api/v1/inspections/{}/decision", ids[0]),
            &insp,
            json!({"decision": "clear"}),
        )
        .await;
    assert_eq!(d.status, StatusCode::OK, "{}", d.text);
    let s = app.get("/api/v1/stats/today", &chief).await;
    assert_eq!(s.json["pending"], 2, "{}", s.text);
    assert_eq!(s.json["crossings"], 1, "{}", s.text);
    assert_eq!(scans(), before, "today's figures read every inspection");
}

// ---------------------------------------------------------------------------------------
// Real stations on loopback sockets.

struct Live {
    addr: SocketAddr,
    running: guomen_server::serve::Running,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    dir: tempfile::TempDir,
}

async fn live(adjust: impl FnOnce(&mut ServeConfig)) -> Live {
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = ServeConfig::for_dir(dir.path());
    cfg.listen = "127.0.0.1:0".parse().unwrap();
    adjust(&mut cfg);
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let running = guomen_server::serve::start(cfg, async {
        let _ = rx.await;
    })
    .await
    .unwrap();
    Live {
        addr: running.addr,
        running,
        stop: Some(tx),
        dir,
    }
}

impl Live {
    async fn user(&self, name: &str, role: Role) -> String {
        let new = guomen_station::users::NewUser {
            name: name.to_owned(),
            role,
            password: Some(format!("password-{name}")),
            agency: None,
            organisation: None,
            scopes: if role == Role::Device {
                "*".parse().expect("valid scope")
            } else {
                Default::default()
            },
            grade: None,
        };
        self.running
            .state
            .station
            .create_user(new, "system")
            .await
            .unwrap()
            .1
    }

    fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }
}

fn rss_bytes() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        .map_or(0, |kb| kb * 1024)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn shutdown_ends_open_streams_and_journals_the_stop_within_10_s() {
    let mut s = live(|_| {}).await;
    let admin = s.user("admin", Role::Admin).await;
    let client = reqwest::Client::new();
    let mut stream = client
        .get(s.url("/api/v1/stream"))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
    assert_eq!(stream.status(), 200);
    let started = Instant::now();
    s.stop.take().unwrap().send(()).unwrap();
    tokio::time::timeout(Duration::from_secs(10), &mut s.running.task)
        .await
        .expect("the station stops within 10 s with a stream open")
        .unwrap()
        .unwrap();
    assert!(started.elapsed() < Duration::from_secs(10));
    // The stream was ended by the station, not left hanging.
    let end = tokio::time::timeout(Duration::from_secs(2), async {
        loop {
            match stream.chunk().await {
                Ok(Some(_)) => continue,
                _ => return,
            }
        }
    })
    .await;
    assert!(end.is_ok(), "the event stream ends at shutdown");
    let store = guomen_server::config::open_store(&guomen_server::config::StoreTarget::Sqlite(
        s.dir.path().to_owned(),
    ))
    .await
    .unwrap();
    let (head, _) = store.head().await.unwrap().unwrap();
    let last = store.journal(head - 1, 1, None).await.unwrap();
    assert_eq!(last[0].kind, "station.stopped");
    store.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn three_hundred_concurrent_wrong_logins_leave_the_station_answering() {
    let s = live(|_| {}).await;
    s.user("insp", Role::Inspector).await;
    let reader = s.user("ana", Role::Analyst).await;
    let client = reqwest::Client::new();
    let before = rss_bytes();
    let mut flood = Vec::new();
    for i in 0..300 {
        let (c, url) = (client.clone(), s.url("/auth/login"));
        flood.push(tokio::spawn(async move {
            c.post(url)
                .json(&json!({"username": "insp", "password": format!("guess-{i:04}")}))
                .send()
                .await
                .map(|r| r.status().as_u16())
                .unwrap_or(0)
        }));
    }
    // While the guesses are in flight, the station still answers within a second.
    for _ in 0..5 {
        for (path, token) in [("/healthz", None), ("/api/v1/me", Some(&reader))] {
            let t = Instant::now();
            let mut req = client.get(s.url(path));
            if let Some(tok) = token {
                req = req.bearer_auth(tok);
            }
            let r = req.send().await.unwrap();
            assert_eq!(r.status(), 200, "{path}");
            assert!(
                t.elapsed() < Duration::from_secs(1),
                "{path} took {:?}",
                t.elapsed()
            );
        }
    }
    let mut by_status = std::collections::BTreeMap::<u16, u32>::new();
    for f in flood {
        *by_status.entry(f.await.unwrap()).or_default() += 1;
    }
    // Wrong passwords, throttled guesses or a busy hasher: never a success, never a crash.
    for status in by_status.keys() {
        assert!(
            [401, 429, 503].contains(status),
            "unexpected status {status}: {by_status:?}"
        );
    }
    // Counted before hashing: only the free attempts were hashed and answered 401.
    assert!(
        by_status.get(&401).copied().unwrap_or(0) <= 3,
        "{by_status:?}"
    );
    let after = rss_bytes();
    assert!(
        after < 1 << 30,
        "RSS {after} bytes (was {before}) is over 1 GiB"
    );
    // Failures are journaled per user and minute, not one event per guess.
    s.running
        .state
        .station
        .flush_failed_logins(true)
        .await
        .unwrap();
    let journal = s
        .running
        .state
        .station
        .journal_rows(0, 10_000)
        .await
        .unwrap();
    let failed: Vec<&guomen_store::JournalEvent> = journal
        .iter()
        .filter(|j| j.kind == "auth.login_failed")
        .collect();
    assert!(
        (1..=4).contains(&failed.len()),
        "{} login_failed events",
        failed.len()
    );
    let attempts: u64 = failed
        .iter()
        .map(|j| j.payload["attempts"].as_u64().unwrap())
        .sum();
    assert_eq!(attempts, 300, "{by_status:?} {failed:?}");
}

/// A loopback socket from a given source address.
async fn connect_from(src: IpAddr, to: SocketAddr) -> std::io::Result<tokio::net::TcpStream> {
    let sock = tokio::net::TcpSocket::new_v4()?;
    sock.bind(SocketAddr::new(src, 0))?;
    sock.connect(to).await
}

/// True once the peer has closed the connection.
fn closed(s: &tokio::net::TcpStream) -> bool {
    let mut buf = [0u8; 16];
    match s.try_read(&mut buf) {
        Ok(0) => true,
        Ok(_) => false,
        Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => false,
        Err(_) => true,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_thousand_idle_connections_from_one_address_are_capped_and_others_still_served() {
    let s = live(|c| c.header_read_timeout = Duration::from_secs(60)).await;
    let reader = s.user("ana", Role::Analyst).await;
    let cap = guomen_server::config::DEFAULT_MAX_CONNECTIONS_PER_IP;
    let one: IpAddr = "127.0.0.1".parse().unwrap();
    let mut idle = Vec::new();
    for _ in 0..2000 {
        idle.push(connect_from(one, s.addr).await.unwrap());
    }
    let deadline = Instant::now() + Duration::from_secs(10);
    let refused = loop {
        let n = idle.iter().filter(|c| closed(c)).count();
        if n >= 2000 - cap || Instant::now() > deadline {
            break n;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert_eq!(refused, 2000 - cap, "refused past the per-address cap");
    // Another loopback address is served at once.
    let other = reqwest::Client::builder()
        .local_address("127.0.0.2".parse::<IpAddr>().unwrap())
        .build()
        .unwrap();
    for (path, token) in [("/healthz", None), ("/api/v1/me", Some(&reader))] {
        let t = Instant::now();
        let mut req = other.get(s.url(path));
        if let Some(tok) = token {
            req = req.bearer_auth(tok);
        }
        let r = req.send().await.unwrap();
        assert_eq!(r.status(), 200);
        assert!(t.elapsed() < Duration::from_secs(1), "{:?}", t.elapsed());
    }
    let metrics = other
        .get(s.url("/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(metrics.contains("per_ip_cap"), "refusals are counted");
    // Closing the idle ones frees their slots.
    drop(idle);
    tokio::time::sleep(Duration::from_millis(300)).await;
    let again = connect_from(one, s.addr).await.unwrap();
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(!closed(&again));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_that_never_finishes_its_headers_is_cut_off() {
    let s = live(|c| c.header_read_timeout = Duration::from_secs(1)).await;
    let mut slow = tokio::net::TcpStream::connect(s.addr).await.unwrap();
    slow.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
        .await
        .unwrap();
    let t = Instant::now();
    let mut buf = Vec::new();
    let r = tokio::time::timeout(Duration::from_secs(5), slow.read_to_end(&mut buf)).await;
    assert!(r.is_ok(), "the connection was not closed");
    assert!(t.elapsed() < Duration::from_secs(4), "{:?}", t.elapsed());
    assert!(!String::from_utf8_lossy(&buf).contains("200 OK"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_short_flood_gets_answers_or_503_and_normal_service_after() {
    let s = live(|c| c.max_in_flight = 16).await;
    let reader = s.user("chief", Role::DutyChief).await;
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(256)
        .build()
        .unwrap();
    let until = Instant::now() + Duration::from_secs(3);
    let mut tasks = Vec::new();
    for i in 0..200 {
        let (c, tok) = (client.clone(), reader.clone());
        let url = s.url(if i % 2 == 0 {
            "/api/v1/incidents"
        } else {
            "/api/v1/stats/today"
        });
        tasks.push(tokio::spawn(async move {
            let mut seen = std::collections::BTreeMap::<u16, u32>::new();
            while Instant::now() < until {
                let status = match c.get(&url).bearer_auth(&tok).send().await {
                    Ok(r) => {
                        let st = r.status().as_u16();
                        if st == 503 {
                            assert!(r.headers().contains_key("retry-after"));
                        }
                        let _ = r.bytes().await;
                        st
                    }
                    Err(_) => 0,
                };
                *seen.entry(status).or_default() += 1;
            }
            seen
        }));
    }
    let mut all = std::collections::BTreeMap::<u16, u32>::new();
    for t in tasks {
        for (k, v) in t.await.unwrap() {
            *all.entry(k).or_default() += v;
        }
    }
    for status in all.keys() {
        assert!(
            *status == 200 || *status == 503,
            "status {status} in {all:?}"
        );
    }
    assert!(rss_bytes() < 1 << 30);
    let t = Instant::now();
    let r = client
        .get(s.url("/api/v1/incidents"))
        .bearer_auth(&reader)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(t.elapsed() < Duration::from_secs(10));
}

#[tokio::test]
async fn metrics_labels_stay_bounded_under_invented_methods_and_paths() {
    let app = TestApp::new().await;
    for i in 0..20 {
        let req = Request::builder()
            .method(Method::from_bytes(format!("BREW{i}").as_bytes()).unwrap())
            .uri(format!("/made-up/{i}"))
            .body(Body::empty())
            .unwrap();
        app.send(req).await;
    }
    let m = app
        .send(
            Request::builder()
                .uri("/metrics")
                .body(Body::empty())
                .unwrap(),
        )
        .await
        .text;
    assert!(!m.contains("BREW") && !m.contains("made-up"), "{m}");
    assert!(m.contains("method=\"other\""), "{m}");
}

// ---------------------------------------------------------------------------------------
// Protocol edges: connection caps.

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn jt808_and_nmea_listeners_cap_connections_per_address() {
    let s = live(|c| {
        c.jt808_listen = Some("127.0.0.1:0".parse().unwrap());
        c.nmea_listen = Some("127.0.0.1:0".parse().unwrap());
    })
    .await;
    let one: IpAddr = "127.0.0.1".parse().unwrap();
    for (addr, cap) in [
        (
            s.running.edges.jt808.unwrap(),
            guomen_server::edges::JT808_MAX_CONNECTIONS_PER_IP,
        ),
        (
            s.running.edges.nmea.unwrap(),
            guomen_server::edges::NMEA_MAX_CONNECTIONS_PER_IP,
        ),
    ] {
        let mut conns = Vec::new();
        for _ in 0..cap + 10 {
            conns.push(connect_from(one, addr).await.unwrap());
        }
        let deadline = Instant::now() + Duration::from_secs(5);
        let refused = loop {
            let n = conns.iter().filter(|c| closed(c)).count();
            if n >= 10 || Instant::now() > deadline {
                break n;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        };
        assert_eq!(refused, 10, "{addr}");
        // Another address still gets in.
        let other = connect_from("127.0.0.2".parse().unwrap(), addr)
            .await
            .unwrap();
        tokio::time::sleep(Duration::from_millis(200)).await;
        assert!(!closed(&other), "{addr}");
    }
}

// ---------------------------------------------------------------------------------------
// Item 7: CSRF and what errors say.

async fn session_of(app: &TestApp, name: &str) -> String {
    let r = app
        .send(
            Request::builder()
                .method(Method::POST)
                .uri("/auth/login")
                .header(header::CONTENT_TYPE, "application/json")
                .header("sec-fetch-site", "same-origin")
                .body(Body::from(
                    json!({"username": name, "password": format!("password-{name}")}).to_string(),
                ))
                .unwrap(),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let cookie = r.headers[header::SET_COOKIE].to_str().unwrap();
    cookie.split(';').next().unwrap().to_owned()
}

fn with_cookie(
    method: Method,
    path: &str,
    cookie: &str,
    extra: &[(&'static str, &str)],
    body: Value,
) -> Request<Body> {
    let mut b = Request::builder()
        .method(method)
        .uri(path)
        .header(header::HOST, "station.lan:8443")
        .header(header::COOKIE, cookie)
        .header(header::CONTENT_TYPE, "application/json");
    for (k, v) in extra {
        b = b.header(*k, *v);
    }
    b.body(Body::from(body.to_string())).unwrap()
}

#[tokio::test]
async fn cookie_state_changes_need_a_same_origin_browser_and_login_csrf_is_refused() {
    let app = TestApp::new().await;
    app.user("chief", Role::DutyChief).await;
    let cookie = session_of(&app, "chief").await;
    let body = json!({"text": "shift handover: all quiet"});
    for extra in [
        &[][..],
        &[("origin", "https://evil.example")][..],
        &[("origin", "null")][..],
        &[("sec-fetch-site", "cross-site")][..],
        &[("sec-fetch-site", "same-site")][..],
    ] {
        let r = app
            .send(with_cookie(
                Method::POST,
                "/api/v1/duty-log",
                &cookie,
                extra,
                body.clone(),
            ))
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{extra:?}: {}", r.text);
        assert_eq!(r.json["error"]["code"], "cross_origin");
    }
    for extra in [
        &[("origin", "https://station.lan:8443")][..],
        &[("sec-fetch-site", "same-origin")][..],
    ] {
        let r = app
            .send(with_cookie(
                Method::POST,
                "/api/v1/duty-log",
                &cookie,
                extra,
                body.clone(),
            ))
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{extra:?}: {}", r.text);
    }
    // Reading with the cookie needs no proof; a bearer token never does.
    let r = app
        .send(with_cookie(
            Method::GET,
            "/api/v1/duty-log",
            &cookie,
            &[],
            json!(null),
        ))
        .await;
    assert_eq!(r.status, StatusCode::OK);
    // Logging a browser in from another site (login CSRF) is refused.
    for extra in [
        ("origin", "https://evil.example"),
        ("sec-fetch-site", "cross-site"),
    ] {
        let r = app
            .send(
                Request::builder()
                    .method(Method::POST)
                    .uri("/auth/login")
                    .header(header::HOST, "station.lan:8443")
                    .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                    .header(extra.0, extra.1)
                    .body(Body::from("username=chief&password=password-chief"))
                    .unwrap(),
            )
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{extra:?}");
        assert!(!r.headers.contains_key(header::SET_COOKIE));
    }
    // Nor can another site end the session.
    let r = app
        .send(with_cookie(
            Method::POST,
            "/auth/logout",
            &cookie,
            &[("sec-fetch-site", "cross-site")],
            json!(null),
        ))
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn errors_do_not_echo_passwords_or_document_contents() {
    let app = TestApp::new().await;
    let insp = app.user("insp", Role::Inspector).await;
    let r = app
        .send(
            Request::builder()
                .method(Method::POST)
                .uri("/auth/login")
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(r#"{"username":"insp","password":73519246}"#))
                .unwrap(),
        )
        .await;
    assert!(r.status.is_client_error());
    assert!(!r.text.contains("73519246"), "{}", r.text);
    let r = app
        .send(
            Request::builder()
                .method(Method::POST)
                .uri("/auth/login")
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(r#"{"username":"insp","password":"s3cret-Pa55"#))
                .unwrap(),
        )
        .await;
    assert!(!r.text.contains("s3cret"), "{}", r.text);
    let r = app
        .post(
            "/api/v1/inspections",
            &insp,
            json!({"site_id": "road-passenger", "lane_id": "road-counter-entry-1",
                   "direction": "entry", "mrz": "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<"}),
        )
        .await;
    assert!(r.status.is_client_error(), "{}", r.text);
    assert!(!r.text.contains("ERIKSSON"), "{}", r.text);
}

#[tokio::test]
async fn an_analyst_never_sees_a_birth_date_through_an_mrz_error_or_an_override() {
    use guomen_testkit::mrz::{Td3, yymmdd_in_years};
    let app = TestApp::new().await;
    let insp = app.user("insp", Role::Inspector).await;
    let analyst = app.user("ana", Role::Analyst).await;
    // 13th month: the MRZ error names the birth date as printed.
    let mrz = Td3::new("ODONCHIMEG", "SARANGEREL", "E5550123", "MNG")
        .born("851399")
        .sex('F')
        .expires(&yymmdd_in_years(3))
        .lines();
    let r = app
        .post(
            "/api/v1/inspections",
            &insp,
            json!({"site_id": "road-passenger", "lane_id": "road-counter-entry-1",
                   "direction": "entry", "mrz": mrz}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    // The inspector's view carries the date (so the test data does hold it).
    assert!(r.text.contains("851399"), "{}", r.text);
    let id = r.json["id"].as_str().unwrap().to_owned();
    let suggested = r.json["suggested"].as_str().unwrap_or("secondary");
    let chosen = if suggested == "clear" {
        "secondary"
    } else {
        "clear"
    };
    let d = app
        .post(
            &format!("/api/v1/inspections/{id}/decision"),
            &insp,
            json!({"decision": chosen, "reason": "born 1985-12-31, misprinted as 851399; ODONCHIMEG confirmed"}),
        )
        .await;
    assert_eq!(d.status, StatusCode::OK, "{}", d.text);
    let mut seen = String::new();
    for path in [
        format!("/api/v1/inspections/{id}"),
        "/api/v1/crossings".to_owned(),
        "/api/v1/journal?limit=1000".to_owned(),
        "/api/v1/stream?after=0".to_owned(),
        "/api/v1/stats/today".to_owned(),
    ] {
        let r = app.get(&path, &analyst).await;
        assert!(r.status.is_success(), "{path}: {} {}", r.status, r.text);
        seen.push_str(&r.text);
    }
    for secret in ["851399", "1985", "ODONCHIMEG", "misprinted"] {
        assert!(!seen.contains(secret), "an analyst saw {secret}: {seen}");
    }
}

// ---------------------------------------------------------------------------------------
// Item 5: HTTPS.

async fn https_request(
    addr: SocketAddr,
    cert: &std::path::Path,
    raw: &str,
) -> std::io::Result<String> {
    use tokio_rustls::rustls;
    let pem = std::fs::read(cert)?;
    let mut roots = rustls::RootCertStore::empty();
    for c in rustls_pemfile::certs(&mut pem.as_slice()) {
        roots.add(c?).unwrap();
    }
    let config = rustls::ClientConfig::builder()
        .with_root_certificates(roots)
        .with_no_client_auth();
    let connector = tokio_rustls::TlsConnector::from(Arc::new(config));
    let tcp = tokio::net::TcpStream::connect(addr).await?;
    let name = rustls::pki_types::ServerName::try_from("localhost").unwrap();
    let mut tls = connector.connect(name, tcp).await?;
    tls.write_all(raw.as_bytes()).await?;
    let mut buf = Vec::new();
    let _ = tls.read_to_end(&mut buf).await;
    Ok(String::from_utf8_lossy(&buf).into_owned())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_station_serves_https_with_a_self_signed_certificate_and_logs_in_over_it() {
    let certs = tempfile::tempdir().unwrap();
    let (cert, key) = guomen_server::tls::write_self_signed("station.lan", certs.path()).unwrap();
    let s = live(|c| {
        c.tls = Some(guomen_server::config::TlsFiles {
            cert: cert.clone(),
            key: key.clone(),
        })
    })
    .await;
    s.user("insp", Role::Inspector).await;
    let health = https_request(
        s.addr,
        &cert,
        "GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n",
    )
    .await
    .unwrap();
    assert!(health.starts_with("HTTP/1.1 200"), "{health}");
    let body = r#"{"username":"insp","password":"password-insp"}"#;
    let login = https_request(
        s.addr,
        &cert,
        &format!(
            "POST /auth/login HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n\
             Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        ),
    )
    .await
    .unwrap();
    assert!(login.starts_with("HTTP/1.1 200"), "{login}");
    assert!(
        login
            .to_ascii_lowercase()
            .contains("set-cookie: guomen_session=")
    );
    // Plain HTTP on the TLS port gets no answer from the application.
    let mut plain = tokio::net::TcpStream::connect(s.addr).await.unwrap();
    plain
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .unwrap();
    let mut buf = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(5), plain.read_to_end(&mut buf)).await;
    assert!(!String::from_utf8_lossy(&buf).contains("200 OK"));
}

#[tokio::test]
async fn plain_http_on_a_lan_address_is_refused_at_start_and_says_why() {
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = ServeConfig::for_dir(dir.path());
    cfg.listen = "0.0.0.0:0".parse().unwrap();
    let err = guomen_server::serve::start(cfg.clone(), async {})
        .await
        .err()
        .expect("refused")
        .to_string();
    assert!(
        err.contains("--insecure-http") && err.contains("--tls-cert"),
        "{err}"
    );
    cfg.insecure_http = true;
    let running = guomen_server::serve::start(cfg, async {}).await.unwrap();
    running.task.await.unwrap().unwrap();
}
