//! Decode throughput: JT/T 808 location reports and NMEA RMC sentences per second.
//! Run: `cargo bench -p guomen-proto --bench decode -- --warm-up-time 1 --measurement-time 3`

use criterion::{BenchmarkId, Criterion, Throughput, black_box, criterion_group, criterion_main};
use guomen_proto::jt808::{self, Message};
use guomen_proto::nmea;

/// Typical 0x0200 frames as field terminals send them: position, time and the usual extras.
mod frames;

use frames::jt808_frames;

fn rmc_sentences(n: usize) -> Vec<String> {
    (0..n)
        .map(|i| {
            let body = format!(
                "GNRMC,0741{:02}.{:03},A,4339.{:04},N,11158.{:04},E,{}.{},{}.94,250215,,,A",
                i % 60,
                i % 1000,
                i % 10_000,
                (i * 7) % 10_000,
                i % 40,
                i % 10,
                i % 360
            );
            let ck = body.bytes().fold(0u8, |a, b| a ^ b);
            format!("${body}*{ck:02X}")
        })
        .collect()
}

fn bench(c: &mut Criterion) {
    let frames = jt808_frames(1024);
    let sentences = rmc_sentences(1024);
    let mut g = c.benchmark_group("decode");
    g.throughput(Throughput::Elements(frames.len() as u64));
    g.bench_function(BenchmarkId::new("jt808_0x0200", frames.len()), |b| {
        b.iter(|| {
            let mut n = 0.0;
            for f in &frames {
                if let Ok(jt808::Frame {
                    message: Message::Location(l),
                    ..
                }) = jt808::decode_frame(black_box(f))
                {
                    n += l.lat;
                }
            }
            n
        })
    });
    g.bench_function(
        BenchmarkId::new("jt808_0x0200_lenient", frames.len()),
        |b| {
            b.iter(|| {
                let mut n = 0.0;
                for f in &frames {
                    if let Ok(jt808::Decoded {
                        frame:
                            jt808::Frame {
                                message: Message::Location(l),
                                ..
                            },
                        ..
                    }) = jt808::decode_frame_lenient(black_box(f))
                    {
                        n += l.lat;
                    }
                }
                n
            })
        },
    );
    let mut stream = Vec::new();
    for f in &frames {
        stream.extend_from_slice(f);
    }
    g.bench_function(
        BenchmarkId::new("jt808_split_and_decode", frames.len()),
        |b| {
            b.iter(|| {
                let mut sp = jt808::FrameSplitter::default();
                let mut n = 0usize;
                for chunk in stream.chunks(1460) {
                    sp.push(black_box(chunk));
                    while let Some(Ok(f)) = sp.next_frame() {
                        n += usize::from(jt808::decode_frame(&f).is_ok());
                    }
                }
                n
            })
        },
    );
    g.bench_function(
        BenchmarkId::new("jt808_lenient_stream", frames.len()),
        |b| {
            b.iter(|| {
                let mut st = jt808::LenientStream::default();
                let mut n = 0usize;
                for chunk in stream.chunks(1460) {
                    st.push(black_box(chunk));
                    while let Some(d) = st.next_decoded() {
                        n += usize::from(d.is_ok());
                    }
                }
                n
            })
        },
    );
    g.throughput(Throughput::Elements(sentences.len() as u64));
    g.bench_function(BenchmarkId::new("nmea_rmc", sentences.len()), |b| {
        b.iter(|| {
            let mut n = 0usize;
            for s in &sentences {
                n += usize::from(
                    nmea::parse(black_box(s))
                        .ok()
                        .and_then(|p| p.sentence.fix(None))
                        .is_some(),
                );
            }
            n
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
