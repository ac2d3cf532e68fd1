//! Floods a running station the way issue 12 measures it, and prints the figures:
//!
//! 1. 300 concurrent wrong logins from one address, while `/healthz` and an authorised GET
//!    are timed; the station's RSS is read from `/proc/PID/status`.
//! 2. 2,000 idle connections from 127.0.0.1 (how many are refused), while 127.0.0.2 is timed.
//! 3. 1,000 concurrent clients sending as fast as they are answered for `--seconds` (60), then
//!    how long until an authorised GET answers normally again.
//!
//! `bench/flood/run` starts a release station and runs this against it:
//! `flood --base http://127.0.0.1:PORT --pid PID --token TOKEN --user NAME [--seconds 60]`.

use std::collections::BTreeMap;
use std::net::{IpAddr, SocketAddr};
use std::time::{Duration, Instant};

fn arg(name: &str) -> Option<String> {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1).cloned())
}

fn rss_mib(pid: u32) -> f64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map_or(0.0, |kb| kb / 1024.0)
}

async fn timed_get(c: &reqwest::Client, url: &str, token: Option<&str>) -> (u16, Duration) {
    let t = Instant::now();
    let mut req = c.get(url);
    if let Some(tok) = token {
        req = req.bearer_auth(tok);
    }
    let status = match req.send().await {
        Ok(r) => {
            let s = r.status().as_u16();
            let _ = r.bytes().await;
            s
        }
        // Not HTTP answers: 1 = the client's 30 s timeout, 0 = no connection.
        Err(e) if e.is_timeout() => 1,
        Err(e) => {
            static SHOWN: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
            if SHOWN.fetch_add(1, std::sync::atomic::Ordering::Relaxed) < 3 {
                eprintln!("no answer: {e:?}");
            }
            0
        }
    };
    (status, t.elapsed())
}

#[tokio::main]
async fn main() {
    let base = arg("--base").expect("--base URL");
    let pid: u32 = arg("--pid")
        .and_then(|p| p.parse().ok())
        .expect("--pid PID");
    let token = arg("--token").expect("--token TOKEN");
    let user = arg("--user").unwrap_or_else(|| "insp".into());
    let seconds: u64 = arg("--seconds").and_then(|s| s.parse().ok()).unwrap_or(60);
    let addr: SocketAddr = base
        .trim_start_matches("http://")
        .parse()
        .expect("--base http://IP:PORT");
    let url = |p: &str| format!("{base}{p}");
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(2000)
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap();
    println!("station RSS at start: {:.0} MiB", rss_mib(pid));

    // 1. Wrong logins.
    let mut flood = Vec::new();
    for i in 0..300 {
        let (c, u, name) = (client.clone(), url("/auth/login"), user.clone());
        flood.push(tokio::spawn(async move {
            c.post(u)
                .json(&serde_json::json!({"username": name, "password": format!("wrong-{i}")}))
                .send()
                .await
                .map(|r| r.status().as_u16())
                .unwrap_or(0)
        }));
    }
    let mut worst = Duration::ZERO;
    let mut rss_max: f64 = 0.0;
    let mut bad = 0;
    for _ in 0..10 {
        for (p, t) in [("/healthz", None), ("/api/v1/me", Some(token.as_str()))] {
            let (s, d) = timed_get(&client, &url(p), t).await;
            worst = worst.max(d);
            if s != 200 {
                bad += 1;
            }
        }
        rss_max = rss_max.max(rss_mib(pid));
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let mut statuses = BTreeMap::<u16, u32>::new();
    for f in flood {
        *statuses.entry(f.await.unwrap_or(0)).or_default() += 1;
    }
    rss_max = rss_max.max(rss_mib(pid));
    println!(
        "300 wrong logins: answers {statuses:?}; /healthz and GET /api/v1/me slowest {:.0} ms, non-200 {bad}; station RSS max {:.0} MiB",
        worst.as_secs_f64() * 1000.0,
        rss_max
    );

    // Phase 1's keep-alive connections would count against the address's cap below.
    drop(client);

    // 2. Idle connections from one address.
    let one: IpAddr = "127.0.0.1".parse().unwrap();
    let mut idle = Vec::new();
    for _ in 0..2000 {
        let sock = tokio::net::TcpSocket::new_v4().unwrap();
        sock.bind(SocketAddr::new(one, 0)).unwrap();
        if let Ok(s) = sock.connect(addr).await {
            idle.push(s);
        }
    }
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let refused = idle
        .iter()
        .filter(|s| {
            let mut b = [0u8; 8];
            !matches!(s.try_read(&mut b), Err(e) if e.kind() == std::io::ErrorKind::WouldBlock)
        })
        .count();
    let other = reqwest::Client::builder()
        .local_address("127.0.0.2".parse::<IpAddr>().unwrap())
        .build()
        .unwrap();
    let (s1, d1) = timed_get(&other, &url("/healthz"), None).await;
    let (s2, d2) = timed_get(&other, &url("/api/v1/me"), Some(&token)).await;
    println!(
        "2,000 idle connections from 127.0.0.1: {refused} refused, {} held; from 127.0.0.2 /healthz {s1} in {:.1} ms, GET /api/v1/me {s2} in {:.1} ms",
        idle.len() - refused,
        d1.as_secs_f64() * 1000.0,
        d2.as_secs_f64() * 1000.0
    );
    drop(idle);
    // Until the station has seen them close and freed their slots.
    tokio::time::sleep(Duration::from_secs(3)).await;

    // 3. 1,000 clients as fast as answered, on fresh pools. They come from four loopback
    // addresses, 250 each, as clients on several machines would: 1,000 from one address
    // would sit at that address's cap (1,024) and measure the cap, not the station.
    let pools: Vec<reqwest::Client> = (10..14)
        .map(|last| {
            reqwest::Client::builder()
                .local_address(IpAddr::from([127, 0, 0, last]))
                .pool_max_idle_per_host(2000)
                .timeout(Duration::from_secs(30))
                .build()
                .unwrap()
        })
        .collect();
    let client = pools[0].clone();
    let until = Instant::now() + Duration::from_secs(seconds);
    let mut tasks = Vec::new();
    let paths = [
        "/api/v1/me",
        "/api/v1/incidents",
        "/api/v1/stats/today",
        "/healthz",
    ];
    for i in 0..1000 {
        let (c, tok) = (pools[i % pools.len()].clone(), token.clone());
        let u = url(paths[i % paths.len()]);
        tasks.push(tokio::spawn(async move {
            let mut seen = BTreeMap::<u16, u64>::new();
            while Instant::now() < until {
                let (s, _) = timed_get(&c, &u, Some(&tok)).await;
                *seen.entry(s).or_default() += 1;
                if s == 503 || s <= 1 {
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
            }
            seen
        }));
    }
    let mut rss_peak: f64 = 0.0;
    while Instant::now() < until {
        rss_peak = rss_peak.max(rss_mib(pid));
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    let mut all = BTreeMap::<u16, u64>::new();
    for t in tasks {
        for (k, v) in t.await.unwrap_or_default() {
            *all.entry(k).or_default() += v;
        }
    }
    let total: u64 = all.values().sum();
    let other_5xx: u64 = all
        .iter()
        .filter(|(k, _)| **k >= 500 && **k != 503)
        .map(|(_, v)| v)
        .sum();
    let after = Instant::now();
    let recovered = loop {
        let (s, _) = timed_get(&client, &url("/api/v1/incidents"), Some(&token)).await;
        if s == 200 {
            break after.elapsed();
        }
        if after.elapsed() > Duration::from_secs(30) {
            break after.elapsed();
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    println!(
        "1,000 clients for {seconds} s: {total} answers {all:?} ({:.0}/s), 5xx other than 503: {other_5xx}; station RSS peak {rss_peak:.0} MiB; normal answer {:.2} s after",
        total as f64 / seconds as f64,
        recovered.as_secs_f64()
    );
}
