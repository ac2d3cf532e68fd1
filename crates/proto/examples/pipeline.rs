//! The fix pipeline of `benches/pipeline`, timed once on one thread, and optionally the same
//! zones and points written out for PostGIS (`bench/postgis/run` uses this).
//!
//! `cargo run --release -p guomen-proto --example pipeline -- [N] [OUT_DIR]` prints
//! `rust_fixes_per_s`, `points` and `memberships`; with OUT_DIR it writes `zones.tsv`
//! (id, WKT) and `points.tsv` (id, lon, lat).

use std::collections::HashMap;
use std::io::Write as _;
use std::time::Instant;

#[path = "../benches/pipeline/common.rs"]
mod common;

fn main() -> std::io::Result<()> {
    let mut args = std::env::args().skip(1);
    let n: usize = args
        .next()
        .and_then(|a| a.parse().ok())
        .unwrap_or(1_000_000);
    let out = args.next();
    let (zones, wkt) = common::erenhot_zones();
    let points = common::points(&zones, n);
    let frames = common::frames(&points, 200);
    if let Some(dir) = &out {
        std::fs::create_dir_all(dir)?;
        let mut z = std::io::BufWriter::new(std::fs::File::create(format!("{dir}/zones.tsv"))?);
        for (id, w) in &wkt {
            writeln!(z, "{id}\t{w}")?;
        }
        let mut p = std::io::BufWriter::new(std::fs::File::create(format!("{dir}/points.tsv"))?);
        for (i, (lon, lat)) in points.iter().enumerate() {
            writeln!(p, "{i}\t{lon}\t{lat}")?;
        }
    }
    let mut units = HashMap::new();
    // One warm-up pass, then the best of three.
    let mut memberships = common::run(&zones, &frames, &mut units);
    let mut best = f64::MAX;
    for _ in 0..3 {
        let t = Instant::now();
        memberships = std::hint::black_box(common::run(&zones, &frames, &mut units));
        best = best.min(t.elapsed().as_secs_f64());
    }
    println!("rust_fixes_per_s {:.0}", n as f64 / best);
    println!("points {n}");
    println!("memberships {memberships}");
    println!("units {}", units.len());
    Ok(())
}
