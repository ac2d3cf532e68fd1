//! Crossing statistics on PostgreSQL, the same questions as the SQLite bench
//! (`crates/store-sqlite/benches/stats.rs`): a year of 2.5 M crossings and ten years, grouped
//! by nationality. The counts are loaded as the store keeps them; what is timed is the
//! question. Runs in a scratch schema of the database `GUOMEN_TEST_PG_URL` names (default
//! 127.0.0.1:5432 `test`), dropped afterwards; says so and does nothing where none answers.
//!
//! `cargo bench -p guomen-store-postgres --bench stats`

use std::sync::Arc;

use chrono::NaiveDate;
use criterion::{Criterion, criterion_group, criterion_main};
use guomen_store::stats::synthetic_counts;
use guomen_store::{Change, NewEvent, Projection, StatsDim, Store};
use guomen_store_postgres::PgStore;
use guomen_testkit::pg::{Schema, unavailable, url};

const PER_DAY: u32 = 2_500_000 / 365;

fn load(rt: &tokio::runtime::Runtime, schema: &Schema, years: u32) -> Arc<PgStore> {
    let store = rt
        .block_on(PgStore::connect_with_schema(&url(), schema.name()))
        .expect("store opens");
    let first = NaiveDate::from_ymd_opt(2026 - years as i32 + 1, 1, 1).expect("date");
    let counts = synthetic_counts(first, 365 * years, PER_DAY, 7);
    eprintln!(
        "{years} year(s): {} crossings in {} keys",
        counts.values().sum::<u64>(),
        counts.len()
    );
    let change = Change::event(NewEvent::new(
        "stats.rebuilt",
        "system",
        serde_json::json!({"through_seq": 0, "crossings": 0, "keys": 0}),
    ))
    .with(Projection::ReplaceCrossingCounts {
        through_seq: 0,
        counts: counts.into_iter().collect(),
    });
    rt.block_on(store.append(vec![change]))
        .expect("counts load");
    Arc::new(store)
}

fn d(s: &str) -> NaiveDate {
    s.parse().expect("date")
}

fn bench(c: &mut Criterion) {
    if let Some(why) = unavailable() {
        eprintln!("skipped: {why}");
        return;
    }
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let _guard = rt.enter();
    let mut g = c.benchmark_group("stats_pg");
    g.sample_size(20);
    let one = Schema::fresh("guomen_bench");
    let year = load(&rt, &one, 1);
    for (name, from, to) in [
        ("year_by_nationality", "2026-01-01", "2026-12-31"),
        (
            "year_from_mid_month_by_nationality",
            "2026-01-15",
            "2026-12-14",
        ),
    ] {
        g.bench_function(name, |b| {
            b.iter(|| {
                rt.block_on(year.crossing_counts(StatsDim::Nationality, d(from), d(to)))
                    .expect("answer")
            })
        });
    }
    drop(year);
    let ten = Schema::fresh("guomen_bench");
    let decade = load(&rt, &ten, 10);
    for (name, from, to) in [
        ("ten_years_by_nationality", "2017-01-01", "2026-12-31"),
        (
            "ten_years_from_mid_month_by_nationality",
            "2017-01-15",
            "2026-12-14",
        ),
    ] {
        g.bench_function(name, |b| {
            b.iter(|| {
                rt.block_on(decade.crossing_counts(StatsDim::Nationality, d(from), d(to)))
                    .expect("answer")
            })
        });
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
