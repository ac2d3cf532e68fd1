//! Index memory and latency at scale: builds N synthetic entries (default 1,000,000), prints
//! VmRSS before and after, build time, screening latency percentiles on one core (random
//! travellers, and travellers who are on the list: recall@1), and a 1,000-traveller manifest
//! screened on 2 threads.
//! `cargo run --release -p guomen-screen --features synth --example memory -- 1000000`

use std::time::Instant;

use cpu_time::{ProcessTime, ThreadTime};

use guomen_screen::{DEFAULT_NAME_THRESHOLD, Index, Query, synth};

fn rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1).and_then(|v| v.parse().ok()))
        })
        .unwrap_or(0)
}

fn main() {
    let n: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(1_000_000);
    let entries = synth::entries(n, 1);
    // Listed travellers are drawn before the entries move into the index.
    let known = synth::queries_for(&entries, 2_000, 3);
    let variants = latin_variants(&entries, 1_000);
    let before = rss_kib();
    let t = Instant::now();
    let cpu = ProcessTime::now();
    let index = Index::build(entries, None);
    let build = t.elapsed();
    let build_cpu = cpu.elapsed();
    let after = rss_kib();
    println!(
        "entries {n}: build wall {:.2?}, CPU {:.2?}, RSS before {} MiB (entries generated), after {} MiB (the entries, consumed by the build, are freed but the allocator may keep their pages)",
        build,
        build_cpu,
        before / 1024,
        after / 1024
    );
    println!("stats: {:?}", index.stats());
    let queries = synth::queries(2_000, 2);
    let (lat, hits) = timed(&index, queries.iter());
    report("random travellers", &lat, hits);
    let (lat, hits) = timed(&index, known.iter().map(|(q, _)| q));
    report("listed travellers", &lat, hits);
    let top1 = known
        .iter()
        .filter(|(q, id)| {
            index
                .screen(q, DEFAULT_NAME_THRESHOLD)
                .first()
                .is_some_and(|h| h.score >= 1.0 || &h.entry_id == id)
        })
        .count();
    let found = known
        .iter()
        .filter(|(q, id)| {
            index
                .screen(q, DEFAULT_NAME_THRESHOLD)
                .iter()
                .any(|h| &h.entry_id == id)
        })
        .count();
    println!(
        "listed travellers: found {found}/{n}, first (or tied at 1.0) {top1}/{n}",
        n = known.len()
    );
    // Name only: random travellers, and Latin listed names with one letter added, two
    // neighbours swapped, or the parts reversed.
    let name_only: Vec<Query> = queries
        .iter()
        .map(|q| Query::name(q.name.clone()))
        .collect();
    let (lat, hits) = timed(&index, name_only.iter());
    report("random travellers, name only", &lat, hits);
    for with_birth in [false, true] {
        for (what, found, n) in variant_recall(&index, &variants, with_birth) {
            println!(
                "variants ({what}), {}: listed entry among the hits {found}/{n} = {:.2} %",
                if with_birth {
                    "name and birth date"
                } else {
                    "name only (namesakes beyond the scored candidates are missed)"
                },
                found as f64 * 100.0 / n.max(1) as f64
            );
        }
    }
    // A train manifest: 1,000 travellers screened on 2 threads.
    let manifest = synth::queries(1_000, 9);
    let t = Instant::now();
    let cpu = ProcessTime::now();
    let total: usize = index
        .screen_many(&manifest, DEFAULT_NAME_THRESHOLD, 2)
        .iter()
        .map(Vec::len)
        .sum();
    println!(
        "manifest of {} travellers on 2 threads: wall {:.1} ms, CPU {:.1} ms (wall on 2 idle cores is about CPU / 2), {total} hits",
        manifest.len(),
        t.elapsed().as_secs_f64() * 1e3,
        cpu.elapsed().as_secs_f64() * 1e3
    );
    println!("RSS at end {} MiB", rss_kib() / 1024);
}

fn timed<'a>(index: &Index, queries: impl Iterator<Item = &'a Query>) -> (Vec<f64>, usize) {
    let mut lat: Vec<f64> = Vec::new();
    let mut hits = 0usize;
    for q in queries {
        // Thread CPU time: the machine is shared, and wall time would count other processes.
        let t = ThreadTime::now();
        hits += index.screen(q, DEFAULT_NAME_THRESHOLD).len();
        lat.push(t.elapsed().as_secs_f64() * 1e3);
    }
    lat.sort_by(f64::total_cmp);
    (lat, hits)
}

fn report(what: &str, lat: &[f64], hits: usize) {
    let p = |q: f64| {
        lat.get(((lat.len() as f64 - 1.0) * q) as usize)
            .copied()
            .unwrap_or(0.0)
    };
    println!(
        "{what}: {} queries, p50 {:.3} ms, p99 {:.3} ms, max {:.3} ms, hits {hits}",
        lat.len(),
        p(0.5),
        p(0.99),
        p(1.0)
    );
}

/// Latin listed names (all parts ASCII, at least two parts) with one letter added, two
/// neighbouring letters swapped, or the parts reversed.
fn latin_variants(entries: &[guomen_screen::WatchlistEntry], n: usize) -> Vec<Variant> {
    let mut out = Vec::new();
    let mut seed = 0x2545_f491_4f6c_dd1du64;
    let mut next = |m: usize| {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        (seed % m.max(1) as u64) as usize
    };
    let latin: Vec<&guomen_screen::WatchlistEntry> = entries
        .iter()
        .filter(|e| {
            e.names.first().is_some_and(|nm| {
                nm.is_ascii() && nm.split(' ').filter(|p| p.len() > 1).count() >= 2
            })
        })
        .collect();
    for i in 0..n {
        let Some(e) = latin.get(next(latin.len())) else {
            break;
        };
        let Some(name) = e.names.first() else {
            continue;
        };
        let mut parts: Vec<String> = name.split(' ').map(str::to_owned).collect();
        let kind = ["added", "swapped", "reversed"][i % 3];
        match kind {
            "reversed" => parts.reverse(),
            _ => {
                let k = next(parts.len());
                let Some(p) = parts.get_mut(k) else { continue };
                let b: Vec<char> = p.chars().collect();
                if b.len() < 3 {
                    continue;
                }
                let j = 1 + next(b.len() - 2);
                let mut c = b.clone();
                if kind == "added" {
                    c.insert(j, char::from(b'a' + next(26) as u8));
                } else {
                    c.swap(j, j + 1);
                }
                *p = c.into_iter().collect();
            }
        }
        out.push((
            kind,
            parts.join(" "),
            e.id.clone(),
            e.birth_dates.first().copied(),
        ));
    }
    out
}

/// (kind, query name, expected id, the entry's birth date)
type Variant = (
    &'static str,
    String,
    String,
    Option<guomen_screen::PartialDate>,
);

fn variant_recall(
    index: &Index,
    v: &[Variant],
    with_birth: bool,
) -> Vec<(&'static str, usize, usize)> {
    ["added", "swapped", "reversed"]
        .iter()
        .map(|kind| {
            let set: Vec<_> = v.iter().filter(|x| x.0 == *kind).collect();
            let found = set
                .iter()
                .filter(|(_, q, id, birth)| {
                    let mut q = Query::name(q.clone());
                    if with_birth {
                        q.birth_date = *birth;
                    }
                    index
                        .screen(&q, DEFAULT_NAME_THRESHOLD)
                        .iter()
                        .any(|h| &h.entry_id == id)
                })
                .count();
            (*kind, found, set.len())
        })
        .collect()
}
