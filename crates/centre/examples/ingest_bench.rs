//! Centre ingest into PostgreSQL: how many events a second one consumer's batches store.
//!
//! `cargo run --release -p guomen-centre --example ingest_bench -- [STATIONS] [EVENTS_PER_STATION] [BATCH]`
//! against `$GUOMEN_TEST_POSTGRES` (default the test database), in a scratch schema dropped
//! afterwards. Prints the median of three runs: a backlog drained after a cut link.

use std::time::Instant;

use chrono::{TimeZone, Utc};
use guomen_centre::{Centre, synth};
use sqlx::Connection as _;

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> anyhow::Result<()> {
    let args: Vec<u64> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let stations = args.first().copied().unwrap_or(10);
    let per_station = args.get(1).copied().unwrap_or(20_000);
    let batch = args.get(2).copied().unwrap_or(2000) as usize;
    let url = std::env::var("GUOMEN_TEST_POSTGRES")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into());
    let start = Utc.with_ymd_and_hms(2026, 12, 1, 0, 0, 0).unwrap();
    let journals: Vec<_> = (0..stations)
        .map(|s| synth::journal(&format!("b{s}"), per_station, start))
        .collect();
    let mut rates = Vec::new();
    for run in 0..3 {
        let schema = format!("centre_bench_{}_{run}", std::process::id());
        let centre = Centre::connect_in(&url, Some(&schema)).await?;
        let t = Instant::now();
        // One consumer per station stream, as the centre runs them; batches as fetched.
        let mut tasks = tokio::task::JoinSet::new();
        let centre = std::sync::Arc::new(centre);
        for j in &journals {
            let (c, j) = (centre.clone(), j.clone());
            tasks.spawn(async move {
                for chunk in j.chunks(batch) {
                    c.ingest(chunk.to_vec()).await?;
                }
                anyhow::Ok(())
            });
        }
        while let Some(r) = tasks.join_next().await {
            r??;
        }
        let secs = t.elapsed().as_secs_f64();
        let n = stations * per_station;
        rates.push(n as f64 / secs);
        println!(
            "run {run}: {n} events in {secs:.2} s = {:.0} events/s",
            n as f64 / secs
        );
        let mut c = sqlx::PgConnection::connect(&url).await?;
        sqlx::query(&format!("DROP SCHEMA {schema} CASCADE"))
            .execute(&mut c)
            .await?;
    }
    rates.sort_by(f64::total_cmp);
    println!(
        "median: {:.0} events/s ({stations} stations x {per_station} events, batches of {batch})",
        rates[1]
    );
    Ok(())
}
