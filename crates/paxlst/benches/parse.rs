//! PAXLST reading throughput: a 1,000-person passenger list written by `write`, cleaned and in
//! a teletype envelope wrapped at 69 columns.
//!
//! `cargo bench -p guomen-paxlst --bench parse -- --warm-up-time 1 --measurement-time 3`

use std::hint::black_box;

use chrono::NaiveDate;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use guomen_paxlst::{Document, Message, Person, Transport, parse, write};

fn list(n: usize) -> Message {
    let persons = (0..n)
        .map(|i| Person {
            surname: format!("SURNAME{i}"),
            given_names: format!("GIVEN{} NAME", i % 97),
            sex: Some(if i % 2 == 0 { "F" } else { "M" }.into()),
            birth_date: NaiveDate::from_ymd_opt(
                1950 + (i % 60) as i32,
                1 + (i % 12) as u32,
                1 + (i % 28) as u32,
            ),
            nationality: Some("MNG".into()),
            carriage: Some(format!("{:02}", 1 + i / 60)),
            seat: Some(format!("{:03}", i % 60)),
            documents: vec![Document {
                kind: "P".into(),
                number: format!("E{i:08}"),
                expiry: NaiveDate::from_ymd_opt(2030, 1, 1),
                issuing_state: Some("MNG".into()),
            }],
            ..Person::default()
        })
        .collect();
    Message {
        transport: Transport {
            journey: Some("K23".into()),
            ..Transport::default()
        },
        persons,
        ..Message::default()
    }
}

fn teletype(text: &str) -> String {
    let flat: String = text.chars().filter(|c| *c != '\n').collect();
    let mut out = String::from("QP ERLBORDER\r\n.ULNRAIL 150830\r\n");
    for chunk in flat.as_bytes().chunks(69) {
        out.push_str(&String::from_utf8_lossy(chunk));
        out.push_str("\r\n");
    }
    out
}

fn bench(c: &mut Criterion) {
    let text = write(&list(1000), "RAIL", "GUOMEN", "1");
    let tty = teletype(&text);
    let mut g = c.benchmark_group("paxlst");
    g.throughput(Throughput::Elements(1000));
    g.bench_function("parse_1000_persons", |b| b.iter(|| parse(black_box(&text))));
    g.bench_function("parse_1000_persons_teletype", |b| {
        b.iter(|| parse(black_box(&tty)))
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
