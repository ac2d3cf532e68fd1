use criterion::{Criterion, black_box, criterion_group, criterion_main};
use guomen_queueing::{LaneLoad, estimate, mm_c_wait_s, servers_for_target};

fn bench(c: &mut Criterion) {
    c.bench_function("mm_c_wait 3 counters", |b| {
        b.iter(|| mm_c_wait_s(black_box(3), black_box(75.0), black_box(30.0)))
    });
    c.bench_function("mm_c_wait 500 counters", |b| {
        b.iter(|| mm_c_wait_s(black_box(500), black_box(14_000.0), black_box(30.0)))
    });
    c.bench_function("estimate lane", |b| {
        let load = LaneLoad {
            servers: 6,
            queue: 14,
            arrival_rate_per_h: Some(160.0),
            service_rate_per_h: 30.0,
            throughput_per_h: Some(150.0),
        };
        b.iter(|| estimate(black_box(&load)))
    });
    c.bench_function("servers_for_target 30 min", |b| {
        b.iter(|| servers_for_target(black_box(400.0), 30.0, 1800.0, 40))
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
