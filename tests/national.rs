//! The national centre with real processes: its own `nats-server` (JetStream, a store folder,
//! one NATS user per station allowed to publish only its own journal), three stations
//! replicating to it and one centre consuming into PostgreSQL. The NATS server is stopped and
//! restarted mid-stream, a station is killed with SIGKILL and restarted, the centre is stopped
//! and restarted; afterwards the centre holds exactly every station's journal, seq by seq and
//! hash by hash, every chain verifies, and national statistics are the sum of the stations'.
//!
//! Skipped, with the reason, where `nats-server` is not installed or PostgreSQL does not answer.

mod support;

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use guomen_testkit::mrz::{Td3, yymmdd_in_years};
use guomen_testkit::pg;
use guomen_testkit::process::{Process, free_port};
use guomen_testkit::station::Station;
use guomen_testkit::{Failed, Trial};
use serde_json::{Value, json};
use sqlx::Connection as _;

const STATIONS: [&str; 3] = ["s1", "s2", "s3"];
const START: Duration = Duration::from_secs(30);

fn main() {
    let trial = Trial::test("national_centre_holds_every_station_journal", || {
        pg::runtime()?.block_on(national())
    });
    let trials = match which_nats() {
        None => vec![trial.with_ignored_flag(true).with_kind(
            "skipped: no nats-server on PATH (Debian: apt-get install nats-server)".to_owned(),
        )],
        Some(_) => pg::gate(vec![trial]),
    };
    guomen_testkit::run(trials)
}

fn which_nats() -> Option<PathBuf> {
    std::env::var_os("PATH")?
        .to_str()?
        .split(':')
        .map(|d| Path::new(d).join("nats-server"))
        .find(|p| p.is_file())
}

/// The test's NATS server: JetStream in `dir`, a user per station with publish rights on its
/// own subject and stream API only, and one for the centre.
struct Nats {
    port: u16,
    conf: PathBuf,
}

impl Nats {
    fn new(dir: &Path) -> Nats {
        let port = free_port();
        let mut users = String::from(
            "    {user: centre, password: centre-pw, permissions: {publish: \">\", subscribe: \">\"}}\n",
        );
        for s in STATIONS {
            users.push_str(&format!(
                "    {{user: {s}, password: {s}-pw, permissions: {{\n\
                 \x20     publish: {{allow: [\"guomen.journal.{s}\", \"$JS.API.INFO\", \
                 \"$JS.API.STREAM.INFO.GUOMEN_JOURNAL_{s}\", \"$JS.API.STREAM.CREATE.GUOMEN_JOURNAL_{s}\", \
                 \"$JS.API.STREAM.INFO.GUOMEN_WATCHLIST\", \"$JS.API.STREAM.MSG.GET.GUOMEN_WATCHLIST\", \"$JS.API.CONSUMER.*.GUOMEN_WATCHLIST.station-{s}\", \
                 \"$JS.API.CONSUMER.CREATE.GUOMEN_WATCHLIST.station-{s}.>\", \
                 \"$JS.API.CONSUMER.DURABLE.CREATE.GUOMEN_WATCHLIST.station-{s}\", \
                 \"$JS.API.CONSUMER.MSG.NEXT.GUOMEN_WATCHLIST.station-{s}\", \
                 \"$JS.ACK.GUOMEN_WATCHLIST.station-{s}.>\"]}},\n\
                 \x20     subscribe: {{allow: [\"_INBOX.>\"]}}}}}}\n"
            ));
        }
        let conf = dir.join("nats.conf");
        let store = dir.join("jetstream");
        std::fs::write(
            &conf,
            format!(
                "listen: 127.0.0.1:{port}\njetstream {{ store_dir: \"{}\" }}\n\
                 authorization {{\n  users = [\n{users}  ]\n}}\n",
                store.display()
            ),
        )
        .unwrap();
        Nats { port, conf }
    }

    fn start(&self) -> Process {
        let mut c = Command::new(which_nats().expect("nats-server"));
        c.arg("-c")
            .arg(&self.conf)
            .arg("-l")
            .arg(self.conf.with_extension("log"));
        let addr: SocketAddr = format!("127.0.0.1:{}", self.port).parse().unwrap();
        Process::until_listening("nats-server", c, addr, START)
    }

    fn url(&self, user: &str) -> String {
        format!("nats://{user}:{user}-pw@127.0.0.1:{}", self.port)
    }
}

/// A database of its own for the centre, dropped at the end.
struct Database {
    name: String,
}

impl Database {
    async fn create() -> Result<Database, String> {
        let name = format!("guomen_national_{}", std::process::id());
        let mut c = pg::connect(None).await?;
        pg::execute(&mut c, &format!("DROP DATABASE IF EXISTS {name}")).await?;
        pg::execute(&mut c, &format!("CREATE DATABASE {name}")).await?;
        let _ = c.close().await;
        Ok(Database { name })
    }

    fn url(&self) -> String {
        let base = pg::url();
        let (server, _) = base.rsplit_once('/').expect("a database in the URL");
        format!("{server}/{}", self.name)
    }
}

impl Drop for Database {
    fn drop(&mut self) {
        let sql = format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name);
        let _ = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .ok()?;
            rt.block_on(async {
                let mut c = pg::connect(None).await.ok()?;
                pg::execute(&mut c, &sql).await.ok()
            })
        })
        .join();
    }
}

fn start_centre(db: &Database, nats: &Nats) -> (Process, String) {
    let mut c = support::guomen();
    c.args([
        "centre",
        "--database",
        &db.url(),
        "--nats",
        &nats.url("centre"),
        "--listen",
        "127.0.0.1:0",
    ]);
    let p = Process::until_line("guomen centre", c, "guomen centre listening on ", START);
    let base = p.announced.clone();
    (p, base)
}

fn start_station(data: &Path, id: &str, nats: &Nats) -> Station {
    support::bin().serve(data, &["--replicate", &nats.url(id), "--station-id", id])
}

struct Site {
    id: &'static str,
    data: PathBuf,
    device: String,
    admin: String,
    station: Option<Station>,
}

/// `n` travellers through a road e-gate (cleared automatically: a crossing each), and a
/// duty-log line, on one station.
async fn traffic(
    http: &reqwest::Client,
    site: &Site,
    round: usize,
    n: usize,
) -> Result<(), String> {
    let st = site.station.as_ref().expect("running");
    for i in 0..n {
        let mrz = Td3::new("WANG", "LEI", &format!("E{round:02}{i:05}"), "CHN")
            .born("900101")
            .expires(&yymmdd_in_years(5))
            .lines();
        let r = http
            .post(st.url("/api/v1/inspections"))
            .bearer_auth(&site.device)
            .json(&json!({"site_id": "road-passenger", "lane_id": "road-egate-entry-1", "direction": "entry", "mrz": mrz}))
            .send()
            .await
            .map_err(|e| e.to_string())?;
        if r.status() != 201 {
            return Err(format!(
                "{}: inspection {}: {}",
                site.id,
                r.status(),
                r.text().await.unwrap_or_default()
            ));
        }
    }
    let r = http
        .post(st.url("/api/v1/duty-log"))
        .bearer_auth(&site.admin)
        .json(&json!({"text": format!("round {round} at {}", site.id)}))
        .send()
        .await
        .map_err(|e| e.to_string())?;
    if !r.status().is_success() {
        return Err(format!("{}: duty log {}", site.id, r.status()));
    }
    Ok(())
}

async fn all_traffic(
    http: &reqwest::Client,
    sites: &[Site],
    round: usize,
    n: usize,
) -> Result<(), String> {
    let jobs = sites.iter().map(|s| traffic(http, s, round, n));
    for r in futures_join(jobs).await {
        r?;
    }
    Ok(())
}

/// One station after the other: the machine has two cores, and the point is the links.
async fn futures_join<F: std::future::Future>(fs: impl Iterator<Item = F>) -> Vec<F::Output> {
    let mut out = Vec::new();
    for f in fs {
        out.push(f.await);
    }
    out
}

async fn get_json(http: &reqwest::Client, url: &str, token: &str) -> Result<Value, String> {
    let r = http
        .get(url)
        .bearer_auth(token)
        .send()
        .await
        .map_err(|e| e.to_string())?;
    let status = r.status();
    let v: Value = r.json().await.map_err(|e| e.to_string())?;
    if !status.is_success() {
        return Err(format!("GET {url}: {status} {v}"));
    }
    Ok(v)
}

/// A station's whole journal as `(seq, hash)`, and its crossings by nationality.
async fn station_journal(
    http: &reqwest::Client,
    site: &Site,
) -> Result<(Vec<(u64, String)>, BTreeMap<String, u64>), String> {
    let st = site.station.as_ref().expect("running");
    let mut after = 0;
    let mut chain = Vec::new();
    let mut crossings = BTreeMap::new();
    loop {
        let page = get_json(
            http,
            &st.url(&format!("/api/v1/journal?after={after}&limit=1000")),
            &site.admin,
        )
        .await?;
        let events = page["events"].as_array().cloned().unwrap_or_default();
        if events.is_empty() {
            break;
        }
        for e in &events {
            chain.push((
                e["seq"].as_u64().unwrap(),
                e["hash"].as_str().unwrap().to_owned(),
            ));
            if e["kind"] == "crossing.recorded" {
                let nat = e["payload"]["nationality"]
                    .as_str()
                    .unwrap_or("")
                    .to_owned();
                *crossings.entry(nat).or_default() += 1;
            }
        }
        after = page["next_after"].as_u64().unwrap();
    }
    Ok((chain, crossings))
}

async fn national() -> Result<(), Failed> {
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let db = Database::create().await?;
    let nats = Nats::new(dir.path());
    let mut nats_server = Some(nats.start());
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .build()
        .map_err(|e| e.to_string())?;

    // A station may publish only its own journal: s1 writing into s2's subject is refused.
    {
        let client = async_nats::connect_with_options(
            format!("127.0.0.1:{}", nats.port),
            async_nats::ConnectOptions::with_user_and_password("s1".into(), "s1-pw".into()),
        )
        .await
        .map_err(|e| e.to_string())?;
        let mut js = async_nats::jetstream::new(client);
        js.set_timeout(Duration::from_secs(2));
        let sent = async { js.publish("guomen.journal.s2", "{}".into()).await?.await }.await;
        if sent.is_ok() {
            return Err("s1 could publish into s2's journal".into());
        }
    }

    // The centre's user, created with the station's own tool on the centre's database.
    let out = support::bin().run_with_stdin(
        &[
            "user",
            "add",
            "boss",
            "--role",
            "analyst",
            "--password-stdin",
            "--database",
            &db.url(),
        ],
        "password-boss\n",
    );
    if !out.status.success() {
        return Err(format!(
            "user add at the centre: {}",
            String::from_utf8_lossy(&out.stderr)
        )
        .into());
    }
    let boss = String::from_utf8_lossy(&out.stdout)
        .lines()
        .last()
        .unwrap_or("")
        .trim()
        .to_owned();
    let (mut centre, _) = start_centre(&db, &nats);

    let mut sites = Vec::new();
    for id in STATIONS {
        let data = dir.path().join(id);
        let device = support::bin().add_device(&data, "gate", "lane:*", "password-gate");
        let admin = support::bin().add_user(&data, "chief", "admin", "password-chief");
        let station = Some(start_station(&data, id, &nats));
        sites.push(Site {
            id,
            data,
            device,
            admin,
            station,
        });
    }

    all_traffic(&http, &sites, 1, 8).await?;

    // A national list flows down: every station applies it and screens against it.
    let list = dir.path().join("national.csv");
    std::fs::write(
        &list,
        "id,list,name,aliases,birth_date,sex,nationality,document_number,document_country,reason,action\n\
         N-1,wanted,Zhao Gang,,1980-03-04,M,CHN,E99000001,CHN,fraud,arrest\n",
    )
    .map_err(|e| e.to_string())?;
    let out = support::bin().run_with_stdin(
        &[
            "watchlist",
            "import",
            list.to_str().unwrap(),
            "--list",
            "wanted",
            "--format",
            "csv",
            "--centre",
            &nats.url("centre"),
        ],
        "",
    );
    if !out.status.success() {
        return Err(format!("national import: {}", String::from_utf8_lossy(&out.stderr)).into());
    }
    let published = String::from_utf8_lossy(&out.stdout).to_string();
    let version: u64 = published
        .trim()
        .rsplit(' ')
        .next()
        .and_then(|v| v.parse().ok())
        .ok_or_else(|| format!("no version in `{published}`"))?;
    for site in &sites {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let rep = get_json(
                &http,
                &site.station.as_ref().unwrap().url("/api/v1/replication"),
                &site.admin,
            )
            .await?;
            if rep["watchlist_version"].as_u64() == Some(version) {
                break;
            }
            if Instant::now() > deadline {
                return Err(format!("{} never applied the national list: {rep}", site.id).into());
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        let mrz = Td3::new("ZHAO", "GANG", "E99000001", "CHN")
            .born("800304")
            .expires(&yymmdd_in_years(5))
            .lines();
        let r = http
            .post(site.station.as_ref().unwrap().url("/api/v1/inspections"))
            .bearer_auth(&site.device)
            .json(&json!({"site_id": "road-passenger", "lane_id": "road-egate-entry-1", "direction": "entry", "mrz": mrz}))
            .send()
            .await
            .map_err(|e| e.to_string())?;
        let v: Value = r.json().await.map_err(|e| e.to_string())?;
        if v["decision"] == "clear" {
            return Err(format!(
                "{}: the national entry did not stop the traveller: {v}",
                site.id
            )
            .into());
        }
    }

    // The NATS server goes away mid-stream; the stations keep working and show their lag.
    nats_server.take().expect("running").stop();
    all_traffic(&http, &sites, 2, 8).await?;
    let rep = get_json(
        &http,
        &sites[0]
            .station
            .as_ref()
            .unwrap()
            .url("/api/v1/replication"),
        &sites[0].admin,
    )
    .await?;
    if rep["lag_events"].as_u64().unwrap_or(0) == 0 || rep["enabled"] != true {
        return Err(format!("no lag shown while NATS is down: {rep}").into());
    }
    nats_server = Some(nats.start());

    // A station is killed with SIGKILL mid-traffic and restarted on its data.
    all_traffic(&http, &sites, 3, 4).await?;
    sites[1].station.take().expect("running").kill_hard();
    sites[1].station = Some(start_station(&sites[1].data, sites[1].id, &nats));
    all_traffic(&http, &sites, 4, 6).await?;

    // The centre stops and comes back; what was published meanwhile waits in the streams.
    if !centre.stop().success() {
        return Err("the centre did not stop cleanly".into());
    }
    all_traffic(&http, &sites, 5, 6).await?;
    let centre_base;
    (centre, centre_base) = start_centre(&db, &nats);
    all_traffic(&http, &sites, 6, 4).await?;

    // Everything arrives: each station's journal seq by seq and hash by hash.
    let mut want = Vec::new();
    for s in &sites {
        want.push(station_journal(&http, s).await?);
    }
    let deadline = Instant::now() + Duration::from_secs(90);
    loop {
        let national = get_json(
            &http,
            &format!("{centre_base}/api/v1/national/stations"),
            &boss,
        )
        .await?;
        let caught_up = sites.iter().zip(&want).all(|(s, (chain, _))| {
            national.as_array().into_iter().flatten().any(|n| {
                n["station_id"] == s.id
                    && n["verified_seq"].as_u64() == chain.last().map(|c| c.0)
                    && n["last_seq"].as_u64() == chain.last().map(|c| c.0)
            })
        });
        if caught_up {
            for n in national.as_array().into_iter().flatten() {
                if n["chain_ok"] != true {
                    return Err(format!("chain not ok at the centre: {n}").into());
                }
                if n["watchlist_version"].as_u64() != Some(version) {
                    return Err(format!("the centre does not know the list version: {n}").into());
                }
            }
            break;
        }
        if Instant::now() > deadline {
            return Err(format!("the centre did not catch up: {national}").into());
        }
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    let mut conn = sqlx::PgConnection::connect(&db.url())
        .await
        .map_err(|e| e.to_string())?;
    for (s, (chain, _)) in sites.iter().zip(&want) {
        let held: Vec<(i64, String)> =
            sqlx::query_as("SELECT seq, hash FROM national_chain WHERE station = $1 ORDER BY seq")
                .bind(s.id)
                .fetch_all(&mut conn)
                .await
                .map_err(|e| e.to_string())?;
        let held: Vec<(u64, String)> = held.into_iter().map(|(q, h)| (q as u64, h)).collect();
        if &held != chain {
            return Err(format!(
                "{}: the centre holds {} events, the station {}; first difference at {:?}",
                s.id,
                held.len(),
                chain.len(),
                held.iter().zip(chain).find(|(a, b)| a != b)
            )
            .into());
        }
        let rows: i64 =
            sqlx::query_scalar("SELECT count(*) FROM national_journal WHERE station = $1")
                .bind(s.id)
                .fetch_one(&mut conn)
                .await
                .map_err(|e| e.to_string())?;
        if rows as usize != chain.len() {
            return Err(format!("{}: {rows} journal rows for {} events", s.id, chain.len()).into());
        }
    }
    let alarms = get_json(
        &http,
        &format!("{centre_base}/api/v1/national/alarms"),
        &boss,
    )
    .await?;
    if alarms.as_array().is_some_and(|a| !a.is_empty()) {
        return Err(format!("alarms raised: {alarms}").into());
    }

    // National statistics are the sum of the stations'.
    let by_station = get_json(
        &http,
        &format!("{centre_base}/api/v1/national/stats/crossings?group_by=station"),
        &boss,
    )
    .await?;
    let mut total = 0;
    let mut by_nat: BTreeMap<String, u64> = BTreeMap::new();
    for (s, (_, crossings)) in sites.iter().zip(&want) {
        let n: u64 = crossings.values().sum();
        total += n;
        for (k, v) in crossings {
            *by_nat.entry(k.clone()).or_default() += v;
        }
        let got = by_station["groups"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|g| g["key"] == s.id)
            .and_then(|g| g["count"].as_u64());
        if got != Some(n) {
            return Err(format!(
                "{}: {n} crossings at the station, {got:?} at the centre",
                s.id
            )
            .into());
        }
    }
    if by_station["total"].as_u64() != Some(total) || total == 0 {
        return Err(format!("national total {} != {total}", by_station["total"]).into());
    }
    let by_nationality = get_json(
        &http,
        &format!("{centre_base}/api/v1/national/stats/crossings?group_by=nationality"),
        &boss,
    )
    .await?;
    for (k, v) in &by_nat {
        let got = by_nationality["groups"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|g| g["key"] == k.as_str())
            .and_then(|g| g["count"].as_u64());
        if got != Some(*v) {
            return Err(
                format!("nationality {k}: {v} at the stations, {got:?} at the centre").into(),
            );
        }
    }

    // The stations' own chains verify, and an analyst may not be refused at the centre while a
    // request without a credential is.
    for s in &mut sites {
        s.station.take().expect("running").stop();
        support::bin().assert_journal_verifies(&s.data);
    }
    let r = http
        .get(format!("{centre_base}/api/v1/national/stations"))
        .send()
        .await
        .map_err(|e| e.to_string())?;
    if r.status() != 401 {
        return Err(format!("no credential: {}", r.status()).into());
    }
    let page = http
        .get(format!("{centre_base}/national?lang=en"))
        .send()
        .await
        .map_err(|e| e.to_string())?
        .text()
        .await
        .map_err(|e| e.to_string())?;
    if !page.contains("National centre") || !page.contains("全国中心") {
        return Err("the national page lacks its texts".into());
    }
    drop(centre);
    drop(nats_server);
    Ok(())
}
