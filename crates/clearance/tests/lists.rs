//! Screening quality on the real lists (OFAC SDN 2021-07 + UN consolidated 2026-02-27):
//! (a) 50,000 synthetic negatives (yente `negatives_global.csv`) alert on at most 1 % at the
//! default threshold; (b) every UN individual queried with its own primary name and birth date
//! is found first.
//!
//! `cargo test --release -p guomen-clearance --test lists -- --nocapture` runs every record
//! (about 4 minutes on one core at the time of writing); a debug build, ~20x slower, takes every
//! 250th negative and every 10th UN individual (deterministic samples) and says so.

use std::fs::File;
use std::io::BufReader;
use std::path::Path;
use std::sync::{Arc, OnceLock};
use std::time::Instant;

use guomen_clearance::DEFAULT_THRESHOLD;
use guomen_screen::{Index, Query};
use guomen_testkit::{Failed, Trial, data_path, data_trials, run};
use guomen_watchlist::{Format, ImportInput, ListKind, WatchlistEntry, import};

const NEGATIVES_EVERY: usize = if cfg!(debug_assertions) { 250 } else { 1 };
const UN_EVERY: usize = if cfg!(debug_assertions) { 10 } else { 1 };

fn main() {
    let mut trials = data_trials("screening/yente/negatives_global.csv", |p| {
        let p = p.to_owned();
        vec![Trial::test(
            "negatives_alert_on_at_most_one_percent",
            move || negatives(&p),
        )]
    });
    trials.extend(data_trials(
        "screening/un_consolidated_2026-02-27.xml",
        |_| vec![Trial::test("every_un_individual_is_found_first", un_self)],
    ));
    run(trials)
}

fn load(format: Format, main: &Path, alt: Option<&Path>) -> Result<Vec<WatchlistEntry>, Failed> {
    let f = File::open(main).map_err(|e| format!("{}: {e}", main.display()))?;
    let mut input = ImportInput::new(BufReader::new(f));
    if let Some(a) = alt {
        let f = File::open(a).map_err(|e| format!("{}: {e}", a.display()))?;
        input = input.with_alt(BufReader::new(f));
    }
    Ok(import(format, input, ListKind::Wanted, &mut |_| {})
        .map_err(|e| e.to_string())?
        .entries)
}

fn un_entries() -> Result<Vec<WatchlistEntry>, Failed> {
    let p = data_path("screening/un_consolidated_2026-02-27.xml").ok_or("UN list missing")?;
    load(Format::UnXml, &p, None)
}

/// OFAC SDN + UN, built once for both trials.
fn lists_index() -> Result<Arc<Index>, Failed> {
    static INDEX: OnceLock<Result<Arc<Index>, String>> = OnceLock::new();
    INDEX
        .get_or_init(|| {
            let mut entries = un_entries().map_err(|e| format!("{e:?}"))?;
            if let Some(dir) = data_path("screening/ofac_sdn_2021-07") {
                let ofac = load(
                    Format::OfacSdn,
                    &dir.join("sdn.csv"),
                    Some(&dir.join("alt.csv")),
                )
                .map_err(|e| format!("{e:?}"))?;
                entries.extend(ofac);
            }
            Ok(Arc::new(Index::build(entries, None)))
        })
        .clone()
        .map_err(Failed::from)
}

fn negatives(path: &Path) -> Result<(), Failed> {
    let index = lists_index()?;
    let mut rdr = csv::Reader::from_path(path)?;
    let headers = rdr.headers()?.clone();
    let col = |name: &str| headers.iter().position(|h| h == name);
    let (name_c, gender_c, dob_c, nat_c) = (
        col("full_name").ok_or("no full_name column")?,
        col("gender"),
        col("date_of_birth"),
        col("nationality"),
    );
    let (mut queried, mut alerted) = (0usize, 0usize);
    let mut examples = Vec::new();
    let started = Instant::now();
    for (i, rec) in rdr.records().enumerate() {
        let rec = rec?;
        if i % NEGATIVES_EVERY != 0 {
            continue;
        }
        let field = |c: Option<usize>| {
            c.and_then(|c| rec.get(c))
                .map(str::trim)
                .filter(|s| !s.is_empty())
        };
        let q = Query {
            name: field(Some(name_c)).unwrap_or_default().to_owned(),
            birth_date: field(dob_c).and_then(|d| d.parse().ok()),
            sex: field(gender_c).and_then(|g| g.parse().ok()),
            nationality: field(nat_c)
                .and_then(guomen_watchlist::country::country_code)
                .map(str::to_owned),
            ..Query::default()
        };
        queried += 1;
        let hits = index.screen(&q, DEFAULT_THRESHOLD);
        if let Some(h) = hits.first() {
            alerted += 1;
            if examples.len() < 10 {
                examples.push(format!(
                    "{} -> {} {:?} {:.3}",
                    q.name, h.entry_id, h.matched_name, h.score
                ));
            }
        }
    }
    let rate = alerted as f64 / queried.max(1) as f64;
    println!(
        "negatives: {alerted} of {queried} alerted = {:.3} % at threshold {DEFAULT_THRESHOLD} ({} entries, every {NEGATIVES_EVERY}th record, {:.1} s)",
        rate * 100.0,
        index.len(),
        started.elapsed().as_secs_f64()
    );
    for e in &examples {
        println!("  e.g. {e}");
    }
    if queried < 50_000 / NEGATIVES_EVERY - 1 {
        return Err(format!("only {queried} negatives read").into());
    }
    if rate > 0.01 {
        return Err(format!("false alert rate {:.3} % > 1 %", rate * 100.0).into());
    }
    Ok(())
}

fn un_self() -> Result<(), Failed> {
    let index = lists_index()?;
    let un = un_entries()?;
    let (mut tested, mut missed) = (0usize, Vec::new());
    for e in un.iter().step_by(UN_EVERY) {
        let Some(name) = e.names.first() else {
            continue;
        };
        tested += 1;
        let q = Query {
            name: name.clone(),
            birth_date: e.birth_dates.first().copied(),
            ..Query::default()
        };
        let hits = index.screen(&q, DEFAULT_THRESHOLD);
        let own = hits.iter().find(|h| h.entry_id == e.id);
        // First, or tied with the first (duplicate listings share name and birth date).
        let first = match (hits.first(), own) {
            (Some(top), Some(own)) => top.entry_id == e.id || own.score >= top.score,
            _ => false,
        };
        if !first {
            missed.push(format!(
                "{} {name:?}: top {:?}",
                e.id,
                hits.first().map(|h| (&h.entry_id, h.score))
            ));
        }
    }
    println!(
        "UN self-screening: {} of {tested} found first (every {UN_EVERY}th individual)",
        tested - missed.len()
    );
    if tested < 500 / UN_EVERY {
        return Err(format!("only {tested} UN individuals").into());
    }
    if !missed.is_empty() {
        return Err(format!(
            "{} not found first, e.g. {:?}",
            missed.len(),
            &missed[..missed.len().min(5)]
        )
        .into());
    }
    Ok(())
}
