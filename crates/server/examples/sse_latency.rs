//! Sensor event over HTTP → on the SSE stream, at a fixed rate: a whole-station measurement
//! (issue 4: p99 ≤ 50 ms at 1,000 events/s). Not a test: run it in release on a quiet machine.
//!
//! `cargo run --release -p guomen-server --example sse_latency -- [RATE] [SECONDS]`
//!
//! It starts a station on loopback with SQLite in a temporary directory, opens the live stream
//! as a duty chief, posts sensor events round-robin over the port's sensors as a device at RATE
//! per second, and times each accepted event from the moment its request is sent to the moment
//! the stream delivers it (matched by sensor and device time). Every alarm after a sensor's
//! first within its de-duplication window is a repeat: published live, not journaled.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use guomen_domain::Role;
use guomen_server::config::ServeConfig;
use serde_json::{Value, json};

type Seen = Arc<Mutex<HashMap<String, Instant>>>;

fn key(sensor: &str, time: &str) -> Option<String> {
    let t: DateTime<Utc> = time.parse().ok()?;
    Some(format!("{sensor}@{}", t.timestamp_micros()))
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let rate: u64 = args
        .get(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(1000)
        .clamp(1, 20_000);
    let seconds: u64 = args
        .get(2)
        .and_then(|a| a.parse().ok())
        .unwrap_or(10)
        .clamp(1, 120);
    let dir = tempfile::tempdir()?;
    let mut cfg = ServeConfig::for_dir(dir.path());
    cfg.listen = "127.0.0.1:0".parse()?;
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let running = guomen_server::serve::start(cfg, async {
        let _ = stopped.await;
    })
    .await?;
    let base = format!("http://{}", running.addr);
    let station = &running.state.station;
    let (_, chief) = station
        .add_user("chief", Role::DutyChief, None, "bench")
        .await
        .map_err(|e| anyhow::anyhow!(e.to_string()))?;
    let fence = guomen_station::users::NewUser {
        name: "fence".into(),
        role: Role::Device,
        password: None,
        agency: None,
        organisation: None,
        scopes: "sensor:*".parse()?,
        grade: None,
    };
    let (_, device) = station
        .create_user(fence, "bench")
        .await
        .map_err(|e| anyhow::anyhow!(e.to_string()))?;
    let sensors: Vec<String> = running
        .state
        .station
        .port()
        .sensors
        .iter()
        .filter(|s| !s.maintenance)
        .map(|s| s.id.clone())
        .collect();

    // The reader: every streamed event that names a sensor and a device time.
    let seen: Seen = Arc::default();
    let client = reqwest::Client::new();
    let mut stream = client
        .get(format!("{base}/api/v1/stream"))
        .bearer_auth(&chief)
        .send()
        .await?;
    let reader_seen = seen.clone();
    tokio::spawn(async move {
        let mut buf = String::new();
        while let Ok(Some(chunk)) = stream.chunk().await {
            let now = Instant::now();
            buf.push_str(&String::from_utf8_lossy(&chunk));
            while let Some(end) = buf.find("\n\n") {
                let block: String = buf.drain(..end + 2).collect();
                for line in block.lines() {
                    let Some(data) = line.strip_prefix("data:") else {
                        continue;
                    };
                    let Ok(v) = serde_json::from_str::<Value>(data.trim()) else {
                        continue;
                    };
                    let p = &v["payload"];
                    if let (Some(s), Some(t)) = (p["sensor_id"].as_str(), p["time"].as_str())
                        && let Some(k) = key(s, t)
                    {
                        reader_seen
                            .lock()
                            .unwrap_or_else(|e| e.into_inner())
                            .entry(k)
                            .or_insert(now);
                    }
                }
            }
        }
    });
    tokio::time::sleep(Duration::from_millis(300)).await;

    // Each accepted event's key and the moment its request was sent.
    let acked: Arc<Mutex<Vec<(String, Instant)>>> = Arc::default();
    let total = rate * seconds;
    let interval = Duration::from_secs_f64(1.0 / rate as f64);
    let started = Instant::now();
    let mut tasks = Vec::with_capacity(total as usize);
    for i in 0..total {
        let due = started + interval * i as u32;
        tokio::time::sleep_until(due.into()).await;
        let sensor = sensors[i as usize % sensors.len()].clone();
        let (client, base, device, acked) =
            (client.clone(), base.clone(), device.clone(), acked.clone());
        tasks.push(tokio::spawn(async move {
            let time = Utc::now();
            let sent = Instant::now();
            let body = json!({"sensor_id": sensor, "kind": "intrusion", "time": time});
            let r = client
                .post(format!("{base}/api/v1/sensor-events"))
                .bearer_auth(&device)
                .json(&body)
                .send()
                .await;
            if let Ok(r) = r
                && r.status() == 202
                && let Some(k) = key(&sensor, &time.to_rfc3339())
            {
                acked
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .push((k, sent));
            }
        }));
    }
    for t in tasks {
        let _ = t.await;
    }
    let offered_s = started.elapsed().as_secs_f64();
    tokio::time::sleep(Duration::from_secs(2)).await;

    let acked = acked.lock().unwrap_or_else(|e| e.into_inner()).clone();
    let seen = seen.lock().unwrap_or_else(|e| e.into_inner()).clone();
    let mut lat_ms: Vec<f64> = acked
        .iter()
        .filter_map(|(k, at)| {
            seen.get(k)
                .map(|s| s.saturating_duration_since(*at).as_secs_f64() * 1e3)
        })
        .collect();
    lat_ms.sort_by(f64::total_cmp);
    let pct = |p: f64| {
        lat_ms
            .get(((lat_ms.len() as f64 - 1.0) * p).round() as usize)
            .copied()
            .unwrap_or(f64::NAN)
    };
    println!(
        "offered {total} events at {rate}/s over {offered_s:.1} s; accepted {}; on the stream {}",
        acked.len(),
        lat_ms.len()
    );
    println!(
        "POST sent → on the SSE stream: p50 {:.2} ms, p90 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
        pct(0.5),
        pct(0.9),
        pct(0.99),
        pct(1.0)
    );
    let _ = stop.send(());
    let _ = running.task.await;
    Ok(())
}
