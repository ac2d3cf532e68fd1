//! Import speed on the real OFAC SDN and UN samples (skipped when the shared data is absent)
//! and on a synthetic guomen CSV.

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use guomen_watchlist::{Format, ImportInput, ListKind, import};

fn bench_file(c: &mut Criterion, name: &str, format: Format, main: &[u8], alt: Option<&[u8]>) {
    let mut group = c.benchmark_group("import");
    let total = main.len() + alt.map_or(0, <[u8]>::len);
    group.throughput(Throughput::Bytes(total as u64));
    group.bench_function(name, |b| {
        b.iter(|| {
            let mut input = ImportInput::new(main);
            if let Some(alt) = alt {
                input = input.with_alt(alt);
            }
            let got = import(format, input, ListKind::Wanted, &mut |_| {}).expect("sample imports");
            black_box(got.entries.len())
        })
    });
    group.finish();
}

fn imports(c: &mut Criterion) {
    if let Some(dir) = guomen_testkit::data_path("screening/ofac_sdn_2021-07") {
        let sdn = std::fs::read(dir.join("sdn.csv")).expect("read sdn.csv");
        let alt = std::fs::read(dir.join("alt.csv")).expect("read alt.csv");
        bench_file(c, "ofac_sdn_2021_07", Format::OfacSdn, &sdn, Some(&alt));
    } else {
        eprintln!("skipping OFAC: shared data not found");
    }
    if let Some(path) = guomen_testkit::data_path("screening/un_consolidated_2026-02-27.xml") {
        let xml = std::fs::read(path).expect("read UN XML");
        bench_file(c, "un_consolidated_2026_02_27", Format::UnXml, &xml, None);
    } else {
        eprintln!("skipping UN: shared data not found");
    }
    let mut csv = String::from(
        "id,list,name,aliases,birth_date,sex,nationality,document_number,document_country,reason,action\n",
    );
    for i in 0..20_000 {
        csv.push_str(&format!(
            "c{i},refused_entry,Бат-Эрдэнэ Болд {i},Bat-Erdene Bold|BOLD Bat-Erdene,1980-03-{:02},M,MNG,E{:07},MNG,case {i},\n",
            i % 28 + 1,
            i
        ));
    }
    bench_file(c, "guomen_csv_20k", Format::Csv, csv.as_bytes(), None);
}

criterion_group!(benches, imports);
criterion_main!(benches);
