//! Hot loop for profilers (`perf record -p PID` once it prints `built` on stderr): builds N
//! synthetic entries, then screens 2,000 travellers `PASSES` times (default 2) and prints
//! thread-CPU percentiles and the slowest names. Modes: `name` (name only), `full` (with
//! birth date and documents), `one:NAME` (one name 300 times), `cmp:A|B` (`compare_names`
//! alone, no index; `XQ=1` screens three queries and stops).
//! `cargo run --release -p guomen-screen --features synth --example profile -- 1000000 name`
use cpu_time::ThreadTime;
use guomen_screen::{DEFAULT_NAME_THRESHOLD, Index, Query, synth};

fn main() {
    let mut args = std::env::args().skip(1);
    let n: usize = args
        .next()
        .and_then(|a| a.parse().ok())
        .unwrap_or(1_000_000);
    let mode = args.next().unwrap_or_else(|| "name".into());
    if let Some(pair) = mode.strip_prefix("cmp:") {
        let (a, b) = pair.split_once('|').unwrap_or((pair, pair));
        let t = std::time::Instant::now();
        let mut x = 0.0;
        for _ in 0..20_000 {
            x += guomen_screen::compare_names(a, b);
        }
        println!(
            "{:.2} us per compare, score {}",
            t.elapsed().as_secs_f64() * 1e6 / 20_000.0,
            x / 20_000.0
        );
        return;
    }
    let index = Index::build(synth::entries(n, 1), None);
    let mut queries = synth::queries(2_000, 2);
    if let Some(one) = mode.strip_prefix("one:") {
        queries = vec![Query::name(one); 300];
    } else if mode == "name" {
        queries = queries.into_iter().map(|q| Query::name(q.name)).collect();
    }
    if std::env::var("XQ").is_ok() {
        for q in queries.iter().take(3) {
            let _ = index.screen(q, DEFAULT_NAME_THRESHOLD);
        }
        return;
    }
    let mut lat: Vec<(f64, String)> = Vec::new();
    eprintln!("built");
    let passes: usize = std::env::var("PASSES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(2);
    for _ in 0..passes {
        lat.clear();
        for q in &queries {
            let t = ThreadTime::now();
            let h = index.screen(q, DEFAULT_NAME_THRESHOLD).len();
            lat.push((t.elapsed().as_secs_f64() * 1e3, format!("{} ({h})", q.name)));
        }
    }
    lat.sort_by(|a, b| a.0.total_cmp(&b.0));
    let p = |q: f64| {
        lat.get(((lat.len() as f64 - 1.0) * q) as usize)
            .map_or(0.0, |x| x.0)
    };
    println!(
        "p50 {:.3} p90 {:.3} p99 {:.3} max {:.3}",
        p(0.5),
        p(0.9),
        p(0.99),
        p(1.0)
    );
    for (t, name) in lat.iter().rev().take(12) {
        println!("{t:.3} ms  {name}");
    }
}
