//! Station publish rate: a backlog of journal events (a station back after a cut link) drained
//! to a NATS JetStream server, cursor advanced on the stream's acknowledgements.
//!
//! `cargo run --release -p guomen-replicate --example publish_bench -- [nats://HOST:PORT] [EVENTS]`
//! (default nats://127.0.0.1:4222, 20,000 events). Uses a throw-away station id and deletes its
//! stream afterwards. Prints the median of three runs.

use std::sync::Arc;
use std::time::Instant;

use guomen_replicate::{Config, NatsTarget, publish_round, stream_name};
use guomen_station::{Station, SystemClock};
use guomen_store::{Change, NewEvent, Store};
use serde_json::json;

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let url = args
        .first()
        .cloned()
        .unwrap_or("nats://127.0.0.1:4222".into());
    let events: u64 = args.get(1).and_then(|a| a.parse().ok()).unwrap_or(20_000);
    let dir = tempfile::tempdir()?;
    let store: Arc<dyn Store> = Arc::new(guomen_store_sqlite::SqliteStore::open(dir.path())?);
    let changes: Vec<Change> = (0..events)
        .map(|i| {
            Change::event(NewEvent::new(
                "duty_log.written",
                "user:chief",
                json!({"id": format!("d{i}"), "author": "chief", "text": "a quiet hour at the road crossing"}),
            ))
        })
        .collect();
    for chunk in changes.chunks(1000) {
        store.append(chunk.to_vec()).await?;
    }
    let station = Station::new(store, guomen_port::erenhot(), Arc::new(SystemClock));
    let target = NatsTarget::parse(&url)?;
    let client = target.connect("guomen-publish-bench").await?;
    let js = async_nats::jetstream::new(client);
    let mut rates = Vec::new();
    for run in 0..3 {
        let id = format!("bench{}x{run}", std::process::id());
        let cfg = Config::new(target.clone(), &id);
        guomen_replicate::ensure_stream(&js, &id, cfg.max_age).await?;
        let t = Instant::now();
        let mut sent = 0;
        loop {
            let n = publish_round(&station, &js, &cfg).await?;
            if n == 0 {
                break;
            }
            sent += n;
        }
        let secs = t.elapsed().as_secs_f64();
        rates.push(sent as f64 / secs);
        println!(
            "run {run}: {sent} events in {secs:.2} s = {:.0} events/s",
            sent as f64 / secs
        );
        js.delete_stream(stream_name(&id)).await?;
    }
    rates.sort_by(f64::total_cmp);
    println!(
        "median: {:.0} events/s acknowledged ({events} events, rounds of 512)",
        rates[1]
    );
    Ok(())
}
