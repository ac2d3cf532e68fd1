//! Screening one traveller against 100,000 synthetic multi-script entries.
//! `cargo bench -p guomen-screen --features synth --bench screen -- --warm-up-time 1 --measurement-time 3`

use criterion::{Criterion, criterion_group, criterion_main};
use guomen_screen::{DEFAULT_NAME_THRESHOLD, Index, compare_names, synth};

fn bench(c: &mut Criterion) {
    let index = Index::build(synth::entries(100_000, 1), None);
    let queries = synth::queries(1_000, 2);
    let mut i = 0usize;
    c.bench_function("screen_one_traveller_100k", |b| {
        b.iter(|| {
            i = (i + 1) % queries.len();
            queries
                .get(i)
                .map(|q| index.screen(q, DEFAULT_NAME_THRESHOLD).len())
        })
    });
    c.bench_function("compare_names_cross_script", |b| {
        b.iter(|| compare_names("Iuliia Shcheglova", "Щеглова Юлия Сергеевна"))
    });
    c.bench_function("build_10k", |b| {
        b.iter(|| Index::build(synth::entries(10_000, 3), None).len())
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
