//! What the lenient JT/T 808 decoder costs over the strict one, measured interleaved so that a
//! busy machine slows both alike: 41 rounds, each timing both decoders (and both stream paths)
//! over the same 1,024 standard 0x0200 frames; prints the median ns per frame of each.
//! Run: `cargo run --release -p guomen-proto --example lenient_cost`

use std::hint::black_box;
use std::time::Instant;

use guomen_proto::jt808;

#[path = "../benches/frames.rs"]
mod frames;

use frames::jt808_frames as frames;

fn time_ns(n: usize, f: impl FnOnce() -> usize) -> f64 {
    let t = Instant::now();
    let ok = black_box(f());
    assert_eq!(ok, n);
    t.elapsed().as_nanos() as f64 / n as f64
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn main() {
    let fs = frames(1024);
    let n = fs.len();
    let stream: Vec<u8> = fs.concat();
    let (mut strict, mut lenient, mut split, mut lstream) = (vec![], vec![], vec![], vec![]);
    for round in 0..41 {
        let s = || {
            fs.iter()
                .filter(|f| jt808::decode_frame(black_box(f)).is_ok())
                .count()
        };
        let l = || {
            fs.iter()
                .filter(|f| jt808::decode_frame_lenient(black_box(f)).is_ok())
                .count()
        };
        let sp = || {
            let mut sp = jt808::FrameSplitter::default();
            let mut k = 0;
            for c in stream.chunks(1460) {
                sp.push(c);
                while let Some(Ok(f)) = sp.next_frame() {
                    k += usize::from(jt808::decode_frame(&f).is_ok());
                }
            }
            k
        };
        let ls = || {
            let mut st = jt808::LenientStream::default();
            let mut k = 0;
            for c in stream.chunks(1460) {
                st.push(c);
                while let Some(d) = st.next_decoded() {
                    k += usize::from(d.is_ok());
                }
            }
            k
        };
        // Alternate the order so neither always runs on a warmer cache.
        if round % 2 == 0 {
            strict.push(time_ns(n, s));
            lenient.push(time_ns(n, l));
            split.push(time_ns(n, sp));
            lstream.push(time_ns(n, ls));
        } else {
            lstream.push(time_ns(n, ls));
            split.push(time_ns(n, sp));
            lenient.push(time_ns(n, l));
            strict.push(time_ns(n, s));
        }
    }
    let (s, l, sp, ls) = (
        median(&mut strict),
        median(&mut lenient),
        median(&mut split),
        median(&mut lstream),
    );
    println!("0x0200 decode, median ns/frame over 41 rounds of {n} frames:");
    println!(
        "  strict decode_frame          {s:7.1}  ({:.2} M frames/s)",
        1e3 / s
    );
    println!(
        "  lenient decode_frame_lenient {l:7.1}  ({:.2} M frames/s)  x{:.2}",
        1e3 / l,
        l / s
    );
    println!(
        "  splitter + strict            {sp:7.1}  ({:.2} M frames/s)",
        1e3 / sp
    );
    println!(
        "  LenientStream                {ls:7.1}  ({:.2} M frames/s)  x{:.2}",
        1e3 / ls,
        ls / sp
    );
}
