//! One clearance decision (document facts + hits + e-gate eligibility).
//! `cargo bench -p guomen-clearance --bench decide -- --warm-up-time 1 --measurement-time 3`

use chrono::NaiveDate;
use criterion::{Criterion, criterion_group, criterion_main};
use guomen_clearance::{Context, DEFAULT_THRESHOLD, Direction, DocumentFacts, HitFacts, decide};
use guomen_domain::watchlist::ListKind;
use guomen_port::DocumentKind;

fn bench(c: &mut Criterion) {
    let port = guomen_port::erenhot();
    let egate = port.lane("road-egate-entry-1").expect("sample e-gate");
    let counter = port.lane("road-counter-entry-1").expect("sample counter");
    let today = NaiveDate::from_ymd_opt(2026, 6, 1).expect("date");
    let doc = DocumentFacts {
        nationality: Some("CHN".into()),
        issuing_state: Some("CHN".into()),
        birth_date: NaiveDate::from_ymd_opt(1985, 3, 14),
        expiry_date: NaiveDate::from_ymd_opt(2030, 1, 1),
        kind: Some(DocumentKind::Passport),
        ..DocumentFacts::default()
    };
    let hits = vec![HitFacts {
        list: ListKind::Wanted,
        entry_id: "W1".into(),
        score: 0.93,
        identity_change: false,
        face: false,
        action: "arrest".into(),
    }];
    let ctx = |lane| Context {
        lane,
        direction: Direction::Entry,
        today,
        home_country: Some("CHN"),
        threshold: DEFAULT_THRESHOLD,
    };
    c.bench_function("decide_egate_clean", |b| {
        b.iter(|| decide(&doc, &[], &ctx(egate)))
    });
    c.bench_function("decide_counter_wanted", |b| {
        b.iter(|| decide(&doc, &hits, &ctx(counter)))
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
