//! Parsing throughput over a mix of TD1 and TD3 documents (generated with valid check
//! digits, plus a few damaged ones so the error path is measured too).
//!
//! `cargo bench -p guomen-mrz --bench parse -- --warm-up-time 1 --measurement-time 3`

use std::hint::black_box;

use chrono::NaiveDate;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use guomen_mrz::{check_digit, check_digit_of, parse_lines};

/// A small deterministic generator (xorshift), so that runs are comparable.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn pick(&mut self, alphabet: &[u8]) -> u8 {
        let n = alphabet.len() as u64;
        alphabet[(self.next() % n) as usize]
    }
    fn string(&mut self, alphabet: &[u8], len: usize) -> String {
        (0..len).map(|_| char::from(self.pick(alphabet))).collect()
    }
    fn date(&mut self, from: u64, span: u64) -> String {
        let y = (from + self.next() % span) % 100;
        let m = 1 + self.next() % 12;
        let d = 1 + self.next() % 28;
        format!("{y:02}{m:02}{d:02}")
    }
}

const ALNUM: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
const ALPHA: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ";
const STATES: [&str; 6] = ["CHN", "MNG", "RUS", "D<<", "KAZ", "UTO"];

fn cd(s: &str) -> char {
    char::from(b'0' + check_digit(s.as_bytes()).unwrap_or(0))
}

fn pad(mut s: String, width: usize) -> String {
    s.truncate(width);
    while s.len() < width {
        s.push('<');
    }
    s
}

fn name(r: &mut Rng, width: usize) -> String {
    let n = 4 + (r.next() % 8) as usize;
    let surname = r.string(ALPHA, n);
    let n = 3 + (r.next() % 7) as usize;
    let given = r.string(ALPHA, n);
    pad(format!("{surname}<<{given}"), width)
}

fn td3(r: &mut Rng) -> Vec<String> {
    let state = STATES[(r.next() % 6) as usize];
    let doc = r.string(ALNUM, 9);
    let dob = r.date(50, 60);
    let exp = r.date(20, 15);
    let sex = ['M', 'F', 'X'][(r.next() % 3) as usize];
    let n = (r.next() % 15) as usize;
    let pn = pad(r.string(ALNUM, n), 14);
    let pn_cd = if pn.bytes().all(|b| b == b'<') {
        '<'
    } else {
        cd(&pn)
    };
    let a = format!("{doc}{}", cd(&doc));
    let b = format!("{dob}{}", cd(&dob));
    let c = format!("{exp}{}{pn}{pn_cd}", cd(&exp));
    let comp = check_digit_of(&[a.as_bytes(), b.as_bytes(), c.as_bytes()]).unwrap_or(0);
    vec![
        format!("P<{state}{}", name(r, 39)),
        format!("{a}{state}{b}{sex}{c}{comp}"),
    ]
}

fn td1(r: &mut Rng) -> Vec<String> {
    let state = STATES[(r.next() % 6) as usize];
    let long = r.next().is_multiple_of(4);
    let l1_rest = if long {
        let doc = r.string(ALNUM, 12);
        let (head, tail) = doc.split_at(9);
        pad(format!("{head}<{tail}{}", cd(&doc)), 25)
    } else {
        let doc = r.string(ALNUM, 9);
        pad(format!("{doc}{}{}", cd(&doc), r.string(ALNUM, 5)), 25)
    };
    let dob = r.date(50, 60);
    let exp = r.date(20, 15);
    let b = format!("{dob}{}", cd(&dob));
    let c = format!("{exp}{}", cd(&exp));
    let opt2 = pad(String::new(), 11);
    let comp = check_digit_of(&[
        l1_rest.as_bytes(),
        b.as_bytes(),
        c.as_bytes(),
        opt2.as_bytes(),
    ])
    .unwrap_or(0);
    vec![
        format!("ID{state}{l1_rest}"),
        format!("{b}F{c}{state}{opt2}{comp}"),
        name(r, 30),
    ]
}

fn corpus() -> Vec<Vec<String>> {
    let mut r = Rng(0x9E37_79B9_7F4A_7C15);
    let mut docs: Vec<Vec<String>> = (0..1000)
        .map(|i| if i % 2 == 0 { td3(&mut r) } else { td1(&mut r) })
        .collect();
    // 5 % damaged: one character of the data line swapped for an OCR confusable.
    for (i, d) in docs.iter_mut().enumerate().filter(|(i, _)| i % 20 == 0) {
        if let Some(line) = d.get_mut(1) {
            let pos = i % 28;
            let mut b = line.clone().into_bytes();
            b[pos] = match b[pos] {
                b'0' => b'O',
                b'1' => b'I',
                b'8' => b'B',
                _ => b'S',
            };
            *line = String::from_utf8(b).unwrap_or_default();
        }
    }
    docs
}

/// Nanoseconds this thread has spent on a CPU (Linux `schedstat`), if available.
fn thread_cpu_ns() -> Option<u64> {
    let s = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    s.split_whitespace().next()?.parse().ok()
}

/// Criterion reports wall-clock time, which a shared, oversubscribed machine inflates. This
/// reports documents per second of CPU time actually spent on this thread: the per-core
/// figure.
fn cpu_time_report(refs: &[Vec<&str>], today: NaiveDate) {
    let (Some(start), wall) = (thread_cpu_ns(), std::time::Instant::now()) else {
        eprintln!("per-core: /proc/thread-self/schedstat not available");
        return;
    };
    let mut docs = 0u64;
    let mut ok = 0usize;
    while wall.elapsed().as_millis() < 2000 {
        for d in refs {
            if let Ok(m) = parse_lines(black_box(d), today) {
                ok += usize::from(m.valid());
            }
        }
        docs += refs.len() as u64;
    }
    black_box(ok);
    if let Some(end) = thread_cpu_ns() {
        let cpu = (end - start) as f64 / 1e9;
        let wall = wall.elapsed().as_secs_f64();
        eprintln!(
            "per-core: {docs} documents in {cpu:.3} s of CPU ({wall:.3} s wall): {:.0} documents per CPU-second",
            docs as f64 / cpu
        );
    }
}

fn bench(c: &mut Criterion) {
    let today = NaiveDate::from_ymd_opt(2026, 5, 1).unwrap_or_default();
    let docs = corpus();
    let refs: Vec<Vec<&str>> = docs
        .iter()
        .map(|d| d.iter().map(String::as_str).collect())
        .collect();
    let valid = refs
        .iter()
        .filter(|d| parse_lines(d, today).is_ok_and(|m| m.valid()))
        .count();
    eprintln!("corpus: {} documents, {valid} valid", refs.len());
    cpu_time_report(&refs, today);
    let mut g = c.benchmark_group("mrz");
    g.throughput(Throughput::Elements(refs.len() as u64));
    g.bench_function("parse_td1_td3_mix", |b| {
        b.iter(|| {
            let mut ok = 0usize;
            for d in &refs {
                if let Ok(m) = parse_lines(black_box(d), today) {
                    ok += usize::from(m.valid());
                }
            }
            black_box(ok)
        });
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
