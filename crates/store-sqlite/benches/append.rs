//! Durable journal appends on SQLite: duty-log events with their projection, from 1, 8 and 64
//! concurrent writers, with group commit and with one transaction (one fsync) per event as the
//! baseline. Throughput is acknowledged events per second. The database lives under the
//! target directory (a real disk, so fsync is real), never in /dev/shm.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use guomen_store::{Change, NewEvent, Projection, Store};
use guomen_store_sqlite::{SqliteOptions, SqliteStore};

static NEXT_ID: AtomicU64 = AtomicU64::new(0);

fn duty_note() -> Change {
    let n = NEXT_ID.fetch_add(1, Ordering::Relaxed);
    let id = format!("bench-{n}");
    let text = format!("K3 arrived on track 2, 412 passengers, inspection started ({n})");
    Change::event(NewEvent::new(
        "duty_log.written",
        "user:chief",
        serde_json::json!({"id": id, "text": text}),
    ))
    .with(Projection::AddDutyLog {
        id,
        author: "chief".into(),
        text,
    })
}

/// Runs `iters` appends split over `writers` tasks, each awaiting its own append in a loop.
fn run(
    rt: &tokio::runtime::Runtime,
    store: &Arc<SqliteStore>,
    writers: u64,
    iters: u64,
) -> Duration {
    rt.block_on(async {
        let started = Instant::now();
        let mut tasks = Vec::new();
        for w in 0..writers {
            let n = iters / writers + u64::from(w < iters % writers);
            let store = Arc::clone(store);
            tasks.push(tokio::spawn(async move {
                for _ in 0..n {
                    if let Err(e) = store.append(vec![duty_note()]).await {
                        panic!("append failed: {e}");
                    }
                }
            }));
        }
        for t in tasks {
            if let Err(e) = t.await {
                panic!("writer task failed: {e}");
            }
        }
        started.elapsed()
    })
}

fn appends(c: &mut Criterion) {
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => panic!("runtime: {e}"),
    };
    let base = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"));
    let mut group = c.benchmark_group("sqlite_append");
    group.throughput(Throughput::Elements(1));
    for (mode, max_batch) in [("group_commit", 1024), ("txn_per_event", 1)] {
        for writers in [1u64, 8, 64] {
            let dir = match tempfile::tempdir_in(base) {
                Ok(d) => d,
                Err(e) => panic!("tempdir in {}: {e}", base.display()),
            };
            let options = SqliteOptions {
                max_batch,
                ..SqliteOptions::default()
            };
            let store = match SqliteStore::open_with(dir.path(), options) {
                Ok(s) => Arc::new(s),
                Err(e) => panic!("open: {e}"),
            };
            group.bench_with_input(BenchmarkId::new(mode, writers), &writers, |b, &w| {
                b.iter_custom(|iters| run(&rt, &store, w, iters));
            });
            rt.block_on(store.close());
        }
    }
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(10);
    targets = appends
}
criterion_main!(benches);
