//! Index memory and latency at scale: builds N synthetic entries (default 1,000,000), prints
//! VmRSS before and after, build time, screening latency percentiles on one core (random
//! travellers, and travellers who are on the list: recall@1), and a 1,000-traveller manifest
//! screened on 2 threads.
//! `cargo run --release -p guomen-screen --features synth --example memory -- 1000000`

use std::time::Instant;

use cpu_time::{ProcessTime, ThreadTime};

use guomen_screen::{DEFAULT_NAME_THRESHOLD, Index, Query, synth};

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
    // Listed travellers are drawn before the entries move into the index.
    let known = synth::queries_for(&entries, 2_000, 3);
    let before = rss_kib();
    let t = Instant::now();
    let cpu = ProcessTime::now();
    let index = Index::build(entries, None);
    let build = t.elapsed();
    let build_cpu = cpu.elapsed();
    let after = rss_kib();
    println!(
        "entries {n}: build wall {:.2?}, CPU {:.2?}, RSS before {} MiB (entries generated), after {} MiB (the entries, consumed by the build, are freed but the allocator may keep their pages)",
        build,
        build_cpu,
        before / 1024,
        after / 1024
    );
    println!("stats: {:?}", index.stats());
    let queries = synth::queries(2_000, 2);
    let (lat, hits) = timed(&index, queries.iter());
    report("random travellers", &lat, hits);
    let (lat, hits) = timed(&index, known.iter().map(|(q, _)| q));
    report("listed travellers", &lat, hits);
    let top1 = known
        .iter()
        .filter(|(q, id)| {
            index
                .screen(q, DEFAULT_NAME_THRESHOLD)
                .first()
                .is_some_and(|h| h.score >= 1.0 || &h.entry_id == id)
        })
        .count();
    let found = known
        .iter()
        .filter(|(q, id)| {
            index
                .screen(q, DEFAULT_NAME_THRESHOLD)
                .iter()
                .any(|h| &h.entry_id == id)
        })
        .count();
    println!(
        "listed travellers: found {found}/{n}, first (or tied at 1.0) {top1}/{n}",
        n = known.len()
    );
    // A train manifest: 1,000 travellers screened on 2 threads.
    let manifest = synth::queries(1_000, 9);
    let t = Instant::now();
    let cpu = ProcessTime::now();
    let total: usize = std::thread::scope(|s| {
        let handles: Vec<_> = manifest
            .chunks(manifest.len().div_ceil(2))
            .map(|c| {
                let index = &index;
                s.spawn(move || {
                    c.iter()
                        .map(|q| index.screen(q, DEFAULT_NAME_THRESHOLD).len())
                        .sum::<usize>()
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap_or(0)).sum()
    });
    println!(
        "manifest of {} travellers on 2 threads: wall {:.1} ms, CPU {:.1} ms (wall on 2 idle cores is about CPU / 2), {total} hits",
        manifest.len(),
        t.elapsed().as_secs_f64() * 1e3,
        cpu.elapsed().as_secs_f64() * 1e3
    );
    println!("RSS at end {} MiB", rss_kib() / 1024);
}

fn timed<'a>(index: &Index, queries: impl Iterator<Item = &'a Query>) -> (Vec<f64>, usize) {
    let mut lat: Vec<f64> = Vec::new();
    let mut hits = 0usize;
    for q in queries {
        // Thread CPU time: the machine is shared, and wall time would count other processes.
        let t = ThreadTime::now();
        hits += index.screen(q, DEFAULT_NAME_THRESHOLD).len();
        lat.push(t.elapsed().as_secs_f64() * 1e3);
    }
    lat.sort_by(f64::total_cmp);
    (lat, hits)
}

fn report(what: &str, lat: &[f64], hits: usize) {
    let p = |q: f64| {
        lat.get(((lat.len() as f64 - 1.0) * q) as usize)
            .copied()
            .unwrap_or(0.0)
    };
    println!(
        "{what}: {} queries, p50 {:.3} ms, p99 {:.3} ms, max {:.3} ms, hits {hits}",
        lat.len(),
        p(0.5),
        p(0.99),
        p(1.0)
    );
}
