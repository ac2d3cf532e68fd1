//! The whole centre path after a cut link: a backlog waiting in JetStream, drained by the
//! centre's own consumers (`consume::run`: durable pull consumers, batches, each message
//! acknowledged after its batch is committed) into PostgreSQL, chains walked.
//!
//! `cargo run --release -p guomen-centre --example drain_bench -- [STATIONS] [EVENTS_PER_STATION] [RUNS]`
//! (default 10 × 10,000, 3 runs). Starts its own `nats-server` (JetStream in a temporary
//! folder, a free port) so that no other consumer is disturbed; the tables go to a scratch
//! schema of `$GUOMEN_TEST_POSTGRES` (default the test database), dropped afterwards. Prints
//! each run and the median: events per second from the first fetch to the last chain verified.

use std::path::Path;
use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, Instant};

use async_nats::jetstream;
use chrono::{TimeZone, Utc};
use guomen_centre::{Centre, consume, synth};
use guomen_replicate::{NatsTarget, ensure_stream, subject};
use guomen_testkit::process::{Process, free_port};
use sqlx::Connection as _;
use tokio::sync::watch;

fn nats_server() -> Option<std::path::PathBuf> {
    let path = std::env::var("PATH").unwrap_or_default();
    path.split(':')
        .chain(["/usr/sbin", "/usr/local/sbin"])
        .map(|d| Path::new(d).join("nats-server"))
        .find(|p| p.is_file())
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> anyhow::Result<()> {
    let args: Vec<u64> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let stations = args.first().copied().unwrap_or(10);
    let per_station = args.get(1).copied().unwrap_or(10_000);
    let runs = args.get(2).copied().unwrap_or(3).max(1);
    let url = std::env::var("GUOMEN_TEST_POSTGRES")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into());
    let server = nats_server().ok_or_else(|| anyhow::anyhow!("no nats-server on PATH"))?;
    let start = Utc.with_ymd_and_hms(2026, 12, 1, 0, 0, 0).unwrap();
    let journals: Vec<_> = (0..stations)
        .map(|s| synth::journal(&format!("d{s}"), per_station, start))
        .collect();
    let mut rates = Vec::new();
    for run in 0..runs {
        let dir = tempfile::tempdir()?;
        let port = free_port();
        let mut cmd = Command::new(&server);
        cmd.args(["-a", "127.0.0.1", "-p", &port.to_string(), "-js", "-sd"])
            .arg(dir.path().join("js"));
        let nats = Process::until_listening(
            "nats-server",
            cmd,
            format!("127.0.0.1:{port}").parse()?,
            Duration::from_secs(30),
        );
        let target = NatsTarget::parse(&format!("nats://127.0.0.1:{port}"))
            .map_err(|e| anyhow::anyhow!(e))?;
        // The backlog: every station's journal in its stream, as the stations left it.
        let js = jetstream::new(
            target
                .connect("drain-bench")
                .await
                .map_err(|e| anyhow::anyhow!(e))?,
        );
        for j in &journals {
            let station = &j[0].station;
            ensure_stream(&js, station, Duration::from_secs(3600))
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            for chunk in j.chunks(1000) {
                let mut acks = Vec::with_capacity(chunk.len());
                for e in chunk {
                    let mut headers = async_nats::HeaderMap::new();
                    headers.insert("Nats-Msg-Id", e.message_id().as_str());
                    acks.push(
                        js.publish_with_headers(
                            subject(station),
                            headers,
                            serde_json::to_vec(e)?.into(),
                        )
                        .await?,
                    );
                }
                for a in acks {
                    a.await?;
                }
            }
        }
        let schema = format!("centre_drain_{}_{run}", std::process::id());
        let centre = Arc::new(Centre::connect_in(&url, Some(&schema)).await?);
        let (stop_tx, stop) = watch::channel(false);
        let t = Instant::now();
        let consumer = tokio::spawn(consume::run(Arc::clone(&centre), target.clone(), stop));
        let want = stations as usize;
        loop {
            let done = centre
                .stations()
                .await?
                .iter()
                .filter(|s| s.verified_seq == per_station && s.chain_ok)
                .count();
            if done == want {
                break;
            }
            anyhow::ensure!(
                t.elapsed() < Duration::from_secs(1800),
                "not drained after 30 minutes ({done} of {want} stations)"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        let secs = t.elapsed().as_secs_f64();
        let _ = stop_tx.send(true);
        let _ = consumer.await;
        let n = stations * per_station;
        rates.push(n as f64 / secs);
        println!(
            "run {run}: {n} events drained from JetStream in {secs:.2} s = {:.0} events/s",
            n as f64 / secs
        );
        let mut c = sqlx::PgConnection::connect(&url).await?;
        sqlx::query(&format!("DROP SCHEMA {schema} CASCADE"))
            .execute(&mut c)
            .await?;
        nats.kill_hard();
    }
    rates.sort_by(f64::total_cmp);
    println!(
        "median: {:.0} events/s drained ({stations} station streams x {per_station} events, {runs} runs)",
        rates[rates.len() / 2]
    );
    Ok(())
}
