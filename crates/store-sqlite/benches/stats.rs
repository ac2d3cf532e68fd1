//! Crossing statistics at a station's scale: a year of 2.5 M crossings and ten years of them,
//! grouped by nationality (calendar years, and a year starting mid-month so the ragged ends
//! come from the daily table), by hour and by month. The counts are loaded as the store keeps
//! them (`ReplaceCrossingCounts`); what is timed is the question.
//!
//! `cargo bench -p guomen-store-sqlite --bench stats`

use std::sync::Arc;

use chrono::NaiveDate;
use criterion::{Criterion, criterion_group, criterion_main};
use guomen_store::stats::synthetic_counts;
use guomen_store::{Change, NewEvent, Projection, StatsDim, Store};
use guomen_store_sqlite::{SqliteOptions, SqliteStore};

const PER_DAY: u32 = 2_500_000 / 365;

fn load(rt: &tokio::runtime::Runtime, years: u32) -> (tempfile::TempDir, Arc<SqliteStore>) {
    let dir = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).expect("temp dir");
    let store = SqliteStore::open_with(dir.path(), SqliteOptions::default()).expect("store opens");
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
    (dir, Arc::new(store))
}

fn d(s: &str) -> NaiveDate {
    s.parse().expect("date")
}

fn bench(c: &mut Criterion) {
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let _guard = rt.enter();
    let mut g = c.benchmark_group("stats");
    g.sample_size(20);
    let (_one, year) = load(&rt, 1);
    for (name, by, from, to) in [
        (
            "year_by_nationality",
            StatsDim::Nationality,
            "2026-01-01",
            "2026-12-31",
        ),
        (
            "year_from_mid_month_by_nationality",
            StatsDim::Nationality,
            "2026-01-15",
            "2026-12-14",
        ),
        ("year_by_hour", StatsDim::Hour, "2026-01-01", "2026-12-31"),
        ("year_by_month", StatsDim::Month, "2026-01-01", "2026-12-31"),
    ] {
        g.bench_function(name, |b| {
            b.iter(|| {
                rt.block_on(year.crossing_counts(by, d(from), d(to)))
                    .expect("answer")
            })
        });
    }
    drop(year);
    let (_ten, decade) = load(&rt, 10);
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
