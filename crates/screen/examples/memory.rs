//! Index memory and latency at scale: builds N synthetic entries (default 1,000,000), prints
//! VmRSS before and after, build time, and screening latency percentiles on one core.
//! `cargo run --release -p guomen-screen --features synth --example memory -- 1000000`

use std::time::Instant;

use guomen_screen::{DEFAULT_NAME_THRESHOLD, Index, synth};

fn rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1).and_then(|v| v.parse().ok()))
        })
        .unwrap_or(0)
}

fn main() {
    let n: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(1_000_000);
    let entries = synth::entries(n, 1);
    let before = rss_kib();
    let t = Instant::now();
    let index = Index::build(entries, None);
    let build = t.elapsed();
    let after = rss_kib();
    println!(
        "entries {n}: build {:.2?}, RSS before {} MiB (entries generated), after {} MiB",
        build,
        before / 1024,
        after / 1024
    );
    println!("stats: {:?}", index.stats());
    let queries = synth::queries(2_000, 2);
    let mut lat: Vec<f64> = Vec::with_capacity(queries.len());
    let mut hits = 0usize;
    for q in &queries {
        let t = Instant::now();
        hits += index.screen(q, DEFAULT_NAME_THRESHOLD).len();
        lat.push(t.elapsed().as_secs_f64() * 1e3);
    }
    lat.sort_by(f64::total_cmp);
    let p = |q: f64| {
        lat.get(((lat.len() as f64 - 1.0) * q) as usize)
            .copied()
            .unwrap_or(0.0)
    };
    println!(
        "screen {} queries: p50 {:.3} ms, p99 {:.3} ms, max {:.3} ms, hits {hits}",
        lat.len(),
        p(0.5),
        p(0.99),
        p(1.0)
    );
}
