//! `guomen sim`: load on an already running station — inspections and sensor events at a fixed
//! rate for a bounded time, then achieved rate and latency percentiles.

use std::net::IpAddr;
use std::process::ExitCode;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::Utc;
use guomen_server::api::clearance::NewInspection;
use guomen_server::api::types::SensorEventBody;
use guomen_sim::{PlanConfig, day_plan};
use serde_json::{Value, json};
use tokio::sync::Semaphore;

use super::drive::{Target, Tokens, clearance_direction};

/// One request of the load: a body of the API's own types.
#[derive(serde::Serialize)]
#[serde(untagged)]
enum Load {
    Inspection(Box<NewInspection>),
    Sensor(SensorEventBody),
}

/// Longest run accepted: load tests stop by themselves.
const MAX_DURATION_S: f64 = 600.0;
const MAX_RATE: f64 = 5_000.0;
const MAX_IN_FLIGHT: usize = 64;

#[derive(Debug, Clone, clap::Args)]
pub struct SimArgs {
    /// Base URL of the station, e.g. http://127.0.0.1:8080
    #[arg(long, value_name = "URL")]
    pub target: String,
    /// API token of an admin (inspections and sensor events need it)
    #[arg(long, value_name = "TOKEN", env = "GUOMEN_TOKEN")]
    pub token: String,
    /// Requests per second to offer
    #[arg(long, value_name = "N", default_value_t = 50.0)]
    pub rate: f64,
    /// Seconds to run (at most 600)
    #[arg(long, value_name = "S", default_value_t = 10.0)]
    pub duration: f64,
    /// Seed of the generated travellers
    #[arg(long, value_name = "N", default_value_t = 2024)]
    pub seed: u64,
    /// Share of sensor events among the requests (0..1)
    #[arg(long, value_name = "F", default_value_t = 0.1)]
    pub sensor_share: f64,
    /// Allow a target that is not on this machine's loopback
    #[arg(long)]
    pub allow_remote: bool,
}

fn loopback(url: &str) -> bool {
    let rest = url.split("://").nth(1).unwrap_or(url);
    let host = rest.split('/').next().unwrap_or_default();
    let host = match host.rsplit_once(':') {
        Some((h, p)) if p.chars().all(|c| c.is_ascii_digit()) => h,
        _ => host,
    };
    let host = host.trim_start_matches('[').trim_end_matches(']');
    host == "localhost" || host.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

pub async fn sim(args: SimArgs) -> anyhow::Result<ExitCode> {
    if !args.allow_remote && !loopback(&args.target) {
        anyhow::bail!(
            "--target {} is not a loopback address; load is only sent to this machine unless --allow-remote",
            args.target
        );
    }
    if !(args.rate > 0.0 && args.rate <= MAX_RATE) {
        anyhow::bail!("--rate must be more than 0 and at most {MAX_RATE}");
    }
    if !(args.duration > 0.0 && args.duration <= MAX_DURATION_S) {
        anyhow::bail!("--duration must be more than 0 and at most {MAX_DURATION_S} s");
    }
    let share = args.sensor_share.clamp(0.0, 1.0);
    let tokens = Tokens {
        admin: args.token.clone(),
        chief: args.token.clone(),
        inspector: args.token.clone(),
        partners: Default::default(),
        device: args.token.clone(),
        units: Default::default(),
    };
    let target = Arc::new(Target::connect(&args.target, tokens, None).await?);
    let has_inspections = target.has("/api/v1/inspections");
    let has_sensors = target.has("/api/v1/sensor-events");
    if !has_inspections {
        println!("skipped: inspections (the station does not serve POST /api/v1/inspections)");
    }
    if !has_sensors {
        println!("skipped: sensor events (the station does not serve POST /api/v1/sensor-events)");
    }
    if !has_inspections && !has_sensors {
        println!("nothing to drive: 0 requests sent");
        return Ok(ExitCode::from(1));
    }
    let port_doc: Value = match target.get("/api/v1/port", &target.tokens.admin).await {
        Ok((200, v)) => v,
        _ => json!({}),
    };
    let sensors: Vec<String> = port_doc
        .get("sensors")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|s| s.get("id")?.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    // Travellers are generated for the built-in sample port's lanes.
    let port = guomen_port::erenhot();
    let plan = Arc::new(day_plan(
        &port,
        PlanConfig {
            seed: args.seed,
            peak: false,
            date: Utc::now().date_naive(),
        },
    ));

    let latencies: Arc<Mutex<Vec<f64>>> = Arc::default();
    let statuses: Arc<Mutex<std::collections::BTreeMap<String, u64>>> = Arc::default();
    let permits = Arc::new(Semaphore::new(MAX_IN_FLIGHT));
    let interval = Duration::from_secs_f64(1.0 / args.rate);
    let total = (args.rate * args.duration).ceil() as u64;
    let started = Instant::now();
    let mut ticker = tokio::time::interval(interval);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    let mut tasks = tokio::task::JoinSet::new();
    let mut dropped = 0u64;
    let mut sent = 0u64;
    for n in 0..total {
        ticker.tick().await;
        if started.elapsed().as_secs_f64() > args.duration {
            break;
        }
        let Ok(permit) = permits.clone().try_acquire_owned() else {
            // The station is behind: an open-loop generator counts what it could not send.
            dropped += 1;
            continue;
        };
        let sensor = has_sensors
            && !sensors.is_empty()
            && (!has_inspections || (n * 7919) % 1000 < (share * 1000.0) as u64);
        let (path, body) = if sensor {
            let id = &sensors[(n as usize) % sensors.len()];
            // No device time: the station stamps its receive time.
            (
                "/api/v1/sensor-events",
                Load::Sensor(SensorEventBody {
                    sensor_id: id.clone(),
                    kind: "intrusion".into(),
                    time: None,
                    confidence: Some(0.5),
                }),
            )
        } else {
            let t = &plan.travellers[(n as usize) % plan.travellers.len()];
            let Some(direction) = clearance_direction(t.direction) else {
                continue;
            };
            (
                "/api/v1/inspections",
                Load::Inspection(Box::new(NewInspection {
                    site_id: t.site_id.clone(),
                    lane_id: t.lane_id.clone(),
                    direction,
                    mrz: Some(t.mrz.to_vec()),
                    document: None,
                    face_template: None,
                    enrolled: t.enrolled,
                    visa_type: None,
                    purpose: None,
                })),
            )
        };
        sent += 1;
        let (target, lat, st) = (target.clone(), latencies.clone(), statuses.clone());
        tasks.spawn(async move {
            let t0 = Instant::now();
            let r = target.post(path, &target.tokens.admin, &body).await;
            let ms = t0.elapsed().as_secs_f64() * 1000.0;
            let key = match &r {
                Ok((s, _)) => format!("{path} {s}"),
                Err(_) => format!("{path} error"),
            };
            if let Ok(mut l) = lat.lock() {
                l.push(ms);
            }
            if let Ok(mut m) = st.lock() {
                *m.entry(key).or_default() += 1;
            }
            drop(permit);
        });
        while tasks.try_join_next().is_some() {}
    }
    // In-flight requests finish within the client's timeout.
    while tasks.join_next().await.is_some() {}
    let wall = started.elapsed().as_secs_f64();
    let mut lat = latencies.lock().map(|l| l.clone()).unwrap_or_default();
    lat.sort_by(f64::total_cmp);
    let done = lat.len();
    let ok: u64 = statuses
        .lock()
        .map(|m| {
            m.iter()
                .filter(|(k, _)| k.ends_with(" 200") || k.ends_with(" 201") || k.ends_with(" 202"))
                .map(|(_, v)| *v)
                .sum()
        })
        .unwrap_or(0);
    println!(
        "offered {total} requests ({:.0}/s for {:.0} s): {sent} sent, {done} completed, {ok} accepted; not sent: {dropped} (more than {MAX_IN_FLIGHT} in flight), {} (the generator fell behind); {wall:.1} s",
        args.rate,
        args.duration,
        total.saturating_sub(sent + dropped)
    );
    for (k, v) in statuses.lock().map(|m| m.clone()).unwrap_or_default() {
        println!("  {k}: {v}");
    }
    println!(
        "achieved {:.1} requests/s; latency ms p50 {:.1} p90 {:.1} p99 {:.1} max {:.1}",
        done as f64 / wall,
        percentile(&lat, 0.5),
        percentile(&lat, 0.9),
        percentile(&lat, 0.99),
        lat.last().copied().unwrap_or(0.0)
    );
    println!(
        "{}",
        json!({
            "requests": done, "accepted": ok, "not_sent": dropped,
            "rate": done as f64 / wall,
            "p50_ms": percentile(&lat, 0.5), "p90_ms": percentile(&lat, 0.9), "p99_ms": percentile(&lat, 0.99),
        })
    );
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    #[test]
    fn only_loopback_targets_by_default() {
        for ok in [
            "http://127.0.0.1:8080",
            "http://localhost:1/x",
            "http://[::1]:80",
            "http://127.3.4.5",
        ] {
            assert!(super::loopback(ok), "{ok}");
        }
        for no in [
            "http://10.0.0.1:8080",
            "http://example.com",
            "http://192.168.1.1",
        ] {
            assert!(!super::loopback(no), "{no}");
        }
    }
}
