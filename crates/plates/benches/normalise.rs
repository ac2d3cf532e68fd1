//! How fast a plate read is normalised (every ANPR read goes through it).

use criterion::{Criterion, black_box, criterion_group, criterion_main};

fn bench(c: &mut Criterion) {
    let reads = [
        "蒙H·A1234",
        "1234 УБА",
        "蒙h-aI23O",
        "1234 YBA",
        "蒙H·1234挂",
        "NOT-A-PLATE",
    ];
    c.bench_function("normalise_mixed_6", |b| {
        b.iter(|| {
            for r in reads {
                let _ = black_box(guomen_plates::normalise(black_box(r)));
            }
        })
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
