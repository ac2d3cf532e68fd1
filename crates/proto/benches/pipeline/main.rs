//! GNSS fixes per second through decode → zone membership → unit update, one core.
//! Run: `cargo bench -p guomen-proto --bench pipeline -- --warm-up-time 1 --measurement-time 5`
//! PostGIS `ST_Contains` on the same zones and points, side by side: `bench/postgis/run`.

use std::collections::HashMap;
use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};

mod common;

fn bench(c: &mut Criterion) {
    let (zones, _) = common::erenhot_zones();
    let points = common::points(&zones, 100_000);
    let frames = common::frames(&points, 200);
    let mut g = c.benchmark_group("pipeline");
    g.throughput(Throughput::Elements(frames.len() as u64));
    g.sample_size(10);
    g.bench_function("jt808_decode_zone_unit_update", |b| {
        let mut units = HashMap::new();
        b.iter(|| black_box(common::run(&zones, &frames, &mut units)))
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
