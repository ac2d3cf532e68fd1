//! Clearance tools: `guomen mrz`, `guomen screen`, `guomen names compare`,
//! `guomen watchlist import|stats`.

use std::fs::File;
use std::io::{BufRead, BufReader, BufWriter, Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Instant;

use anyhow::Context as _;
use clap::{Args, Subcommand};
use guomen_domain::watchlist::{ListKind, PartialDate, Sex, WatchlistEntry};
use guomen_screen::{DEFAULT_NAME_THRESHOLD, Index, NameDictionary, Query};
use guomen_server::StoreArgs;
use guomen_server::config::FileConfig;
use guomen_station::store::open_station;
use guomen_watchlist::{Format, ImportInput, Imported};
use indicatif::{ProgressBar, ProgressStyle};
use serde::Deserialize;
use serde_json::{Value, json};

#[derive(Debug, Args)]
pub struct MrzArgs {
    /// One JSON object per document (valid, format, document_number, surname, given_names,
    /// nationality, issuing_state, birth_date, expiry_date, sex, checks, errors, ...)
    #[arg(long)]
    json: bool,
    /// The MRZ lines of one document; without them, documents are read from stdin (one MRZ
    /// line per line, a blank line between documents)
    lines: Vec<String>,
}

#[derive(Debug, Args)]
pub struct ScreenArgs {
    /// The list file (with `ofac-sdn`, `alt.csv` next to it is read too)
    #[arg(long, value_name = "FILE", required_unless_present = "synth")]
    watchlist: Option<PathBuf>,
    /// csv, ofac-sdn or un-xml
    #[arg(long, default_value = "csv")]
    format: String,
    /// The list the file's entries go to when it does not say (csv `list` column wins)
    #[arg(long, default_value = "wanted")]
    list: ListKind,
    /// Score (0..1) at and above which a candidate is a hit
    #[arg(long, default_value_t = DEFAULT_NAME_THRESHOLD)]
    threshold: f64,
    /// Cross-script name-part dictionary in the rigour `persons` format
    #[arg(long, value_name = "FILE")]
    names_dict: Option<PathBuf>,
    /// Screen against N deterministic synthetic entries instead of a file (benchmarks)
    #[arg(long, value_name = "N", conflicts_with = "watchlist")]
    synth: Option<usize>,
    /// Seed of the synthetic list
    #[arg(long, default_value_t = 1)]
    synth_seed: u64,
    /// Write the list screened against as JSON Lines to FILE and exit (benchmarks)
    #[arg(long, value_name = "FILE")]
    write_list: Option<PathBuf>,
    /// Add `elapsed_us` (screening time of the query) to each output line
    #[arg(long)]
    timings: bool,
}

#[derive(Debug, Subcommand)]
pub enum NamesCommand {
    /// JSON Lines `{"left", "right"}` on stdin → `{"score", "match"}` per line
    Compare {
        /// Cross-script name-part dictionary in the rigour `persons` format
        #[arg(long, value_name = "FILE")]
        names_dict: Option<PathBuf>,
    },
}

#[derive(Debug, Subcommand)]
pub enum WatchlistCommand {
    /// Import a list file incrementally (add, update, remove by id), journaled
    Import {
        file: PathBuf,
        /// wanted, refused_entry, lost_stolen_document or alert
        #[arg(long)]
        list: ListKind,
        /// csv, ofac-sdn (alt.csv next to sdn.csv is read too) or un-xml
        #[arg(long)]
        format: String,
        /// Publish the list as a national release through the centre's NATS server
        /// (nats://[USER:PASSWORD@]HOST:PORT) instead of importing it into a store: every
        /// replicating station applies it (ids prefixed `national:`) and reports its version
        #[arg(long, value_name = "URL", conflicts_with_all = ["data", "database"])]
        centre: Option<String>,
        #[command(flatten)]
        store: StoreArgs,
    },
    /// Entries per list and source
    Stats {
        #[command(flatten)]
        store: StoreArgs,
    },
}

fn today() -> chrono::NaiveDate {
    chrono::Local::now().date_naive()
}

fn mrz_summary(
    out: &mut impl Write,
    r: &Result<guomen_mrz::Mrz, guomen_mrz::MrzError>,
) -> std::io::Result<()> {
    match r {
        Err(e) => writeln!(out, "UNUSABLE  {e}"),
        Ok(m) => {
            writeln!(
                out,
                "{} {}  {} {} {}  {}, {}  nationality {}  born {}  sex {}  expires {}{}",
                m.format,
                if m.valid() { "valid" } else { "INVALID" },
                m.document_code.as_str(),
                m.issuing_state.as_str(),
                m.document_number.as_str(),
                m.surname,
                m.given_names,
                m.nationality.as_str(),
                m.birth_date
                    .map_or_else(|| m.birth_date_raw.as_str().to_owned(), |d| d.to_string()),
                m.sex.map_or('?', |s| s.as_char()),
                m.expiry_date
                    .map_or_else(|| m.expiry_date_raw.as_str().to_owned(), |d| d.to_string()),
                if m.specimen { "  (specimen)" } else { "" },
            )?;
            for e in &m.errors {
                writeln!(out, "  error: {e}")?;
            }
            for p in &m.proposals {
                writeln!(
                    out,
                    "  proposal: line {}, position {}, {}: {} -> {}{}",
                    p.line,
                    p.position,
                    p.field,
                    p.original,
                    p.proposed,
                    if p.verified {
                        " (check digit agrees)"
                    } else {
                        " (hint)"
                    }
                )?;
            }
            Ok(())
        }
    }
}

/// `guomen mrz`: exit 0 all valid, 1 any invalid, 2 unusable input.
pub fn mrz(args: MrzArgs) -> anyhow::Result<ExitCode> {
    let today = today();
    let results: Vec<Result<guomen_mrz::Mrz, guomen_mrz::MrzError>> = if args.lines.is_empty() {
        let mut text = String::new();
        std::io::stdin()
            .read_to_string(&mut text)
            .context("cannot read stdin")?;
        guomen_mrz::parse_many(&text, today)
            .into_iter()
            .map(|d| d.result)
            .collect()
    } else {
        vec![guomen_mrz::parse_lines(&args.lines, today)]
    };
    let stdout = std::io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    for r in &results {
        if args.json {
            writeln!(out, "{}", guomen_mrz::result_json(r))?;
        } else {
            mrz_summary(&mut out, r)?;
        }
    }
    out.flush()?;
    if results.is_empty() {
        eprintln!("error: no MRZ given (arguments or stdin)");
        return Ok(ExitCode::from(2));
    }
    if results.iter().any(|r| r.is_err()) {
        return Ok(ExitCode::from(2));
    }
    if results.iter().any(|r| r.as_ref().is_ok_and(|m| !m.valid())) {
        return Ok(ExitCode::from(1));
    }
    Ok(ExitCode::SUCCESS)
}

fn load_dict(path: Option<&Path>) -> anyhow::Result<Option<Arc<NameDictionary>>> {
    let Some(p) = path else { return Ok(None) };
    let f = File::open(p).with_context(|| format!("cannot open {}", p.display()))?;
    let d = NameDictionary::from_rigour_reader(BufReader::new(f))
        .with_context(|| format!("{} is not a rigour names file", p.display()))?;
    Ok(Some(Arc::new(d)))
}

fn bar(total: Option<u64>, what: &str) -> ProgressBar {
    let pb = match total {
        Some(t) => ProgressBar::new(t),
        None => ProgressBar::new_spinner(),
    };
    pb.set_draw_target(indicatif::ProgressDrawTarget::stderr());
    let style = if total.is_some() {
        ProgressStyle::with_template(&format!(
            "{what} [{{bar:40}}] {{percent:>3}}% {{pos}}/{{len}} {{elapsed}}"
        ))
    } else {
        ProgressStyle::with_template(&format!("{what} {{spinner}} {{pos}} {{elapsed}}"))
    };
    if let Ok(s) = style {
        pb.set_style(s);
    }
    pb
}

/// Reads a list file with the format's importer; `alt.csv` next to an OFAC `sdn.csv`.
fn read_list(
    path: &Path,
    format: Format,
    list: ListKind,
    progress: bool,
) -> anyhow::Result<Imported> {
    let open = |p: &Path| File::open(p).with_context(|| format!("cannot open {}", p.display()));
    let main = open(path)?;
    let mut total = main.metadata().map(|m| m.len()).unwrap_or(0);
    let mut input = ImportInput::new(BufReader::with_capacity(1 << 16, main));
    if format == Format::OfacSdn {
        let alt = path.with_file_name("alt.csv");
        if alt.is_file() {
            let f = open(&alt)?;
            total += f.metadata().map(|m| m.len()).unwrap_or(0);
            input = input.with_alt(BufReader::with_capacity(1 << 16, f));
        }
    }
    input = input.with_total_bytes(total);
    let pb = progress.then(|| bar(Some(total), "reading"));
    let imported = guomen_watchlist::import(format, input, list, &mut |p| {
        if let Some(pb) = &pb {
            pb.set_position(p.bytes_read);
        }
    })
    .with_context(|| format!("{} rejected", path.display()))?;
    if let Some(pb) = pb {
        pb.finish_and_clear();
    }
    Ok(imported)
}

#[derive(Debug, Deserialize)]
struct ScreenLine {
    #[serde(default)]
    id: Value,
    name: String,
    #[serde(default)]
    birth_date: Option<String>,
    #[serde(default)]
    sex: Option<String>,
    #[serde(default)]
    nationality: Option<String>,
    #[serde(default)]
    document_number: Option<String>,
    #[serde(default)]
    document_country: Option<String>,
}

fn query_of(line: &str) -> Result<(Value, Query), (Value, String)> {
    let v: Value =
        serde_json::from_str(line).map_err(|e| (Value::Null, format!("not JSON: {e}")))?;
    let id = v.get("id").cloned().unwrap_or(Value::Null);
    let q: ScreenLine =
        serde_json::from_value(v).map_err(|e| (id.clone(), format!("bad query: {e}")))?;
    let birth_date = match q
        .birth_date
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        None => None,
        Some(s) => Some(
            s.parse::<PartialDate>()
                .map_err(|e| (q.id.clone(), format!("birth_date: {e}")))?,
        ),
    };
    let sex = match q.sex.as_deref() {
        None => None,
        Some(s) => match s.parse::<Sex>() {
            Ok(Sex::Unspecified) => None,
            Ok(x) => Some(x),
            Err(e) => return Err((q.id, format!("sex: {e}"))),
        },
    };
    let upper = |s: Option<String>| {
        s.map(|x| x.trim().to_ascii_uppercase())
            .filter(|x| !x.is_empty())
    };
    Ok((
        q.id,
        Query {
            name: q.name,
            birth_date,
            sex,
            nationality: upper(q.nationality),
            document_number: q.document_number,
            document_country: upper(q.document_country),
            face_template: None,
        },
    ))
}

/// `guomen screen`: JSON Lines queries on stdin, one JSON line of hits per query.
pub fn screen(args: ScreenArgs) -> anyhow::Result<ExitCode> {
    if !(0.0..=1.0).contains(&args.threshold) {
        anyhow::bail!("--threshold must be between 0 and 1");
    }
    let format: Format = args.format.parse()?;
    let dict = load_dict(args.names_dict.as_deref())?;
    let entries: Vec<WatchlistEntry> = match (&args.watchlist, args.synth) {
        (_, Some(n)) => guomen_watchlist::synth::generate(n, args.synth_seed, args.list),
        (Some(p), None) => read_list(p, format, args.list, false)?.entries,
        (None, None) => anyhow::bail!("give --watchlist FILE or --synth N"),
    };
    if let Some(path) = &args.write_list {
        let mut w = BufWriter::new(
            File::create(path).with_context(|| format!("cannot create {}", path.display()))?,
        );
        for e in &entries {
            serde_json::to_writer(&mut w, e)?;
            w.write_all(b"\n")?;
        }
        w.flush()?;
        return Ok(ExitCode::SUCCESS);
    }
    let started = Instant::now();
    let n = entries.len();
    let index = Index::build(entries, dict);
    tracing::info!(
        entries = n,
        ms = started.elapsed().as_millis() as u64,
        "index built"
    );
    let stdin = std::io::stdin();
    let stdout = std::io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    for line in stdin.lock().lines() {
        let line = line.context("cannot read stdin")?;
        if line.trim().is_empty() {
            continue;
        }
        let row = match query_of(&line) {
            Err((id, error)) => json!({"id": id, "error": error}),
            Ok((id, q)) => {
                let t = Instant::now();
                let hits = index.screen(&q, args.threshold);
                let us = t.elapsed().as_micros() as u64;
                let hits: Vec<Value> = hits
                    .iter()
                    .map(|h| {
                        json!({"entry_id": h.entry_id, "list": h.list, "score": h.score,
                               "name_score": h.name_score, "matched_name": h.matched_name,
                               "explain": h.explain})
                    })
                    .collect();
                let mut row = json!({"id": id, "hits": hits});
                if args.timings {
                    row["elapsed_us"] = json!(us);
                }
                row
            }
        };
        serde_json::to_writer(&mut out, &row)?;
        out.write_all(b"\n")?;
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

/// `guomen names compare`.
pub fn names_compare(cmd: NamesCommand) -> anyhow::Result<ExitCode> {
    let NamesCommand::Compare { names_dict } = cmd;
    let dict = load_dict(names_dict.as_deref())?;
    let stdin = std::io::stdin();
    let stdout = std::io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    for line in stdin.lock().lines() {
        let line = line.context("cannot read stdin")?;
        if line.trim().is_empty() {
            continue;
        }
        let row = match serde_json::from_str::<Value>(&line) {
            Err(e) => json!({"error": format!("not JSON: {e}")}),
            Ok(v) => match (
                v.get("left").and_then(Value::as_str),
                v.get("right").and_then(Value::as_str),
            ) {
                (Some(l), Some(r)) => {
                    let score = guomen_screen::compare_names_with(l, r, dict.as_deref());
                    json!({"score": score, "match": score >= DEFAULT_NAME_THRESHOLD})
                }
                _ => json!({"error": "expected {\"left\": NAME, \"right\": NAME}"}),
            },
        };
        serde_json::to_writer(&mut out, &row)?;
        out.write_all(b"\n")?;
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

/// `guomen watchlist import|stats`.
pub async fn watchlist(cmd: WatchlistCommand, file: &FileConfig) -> anyhow::Result<ExitCode> {
    match cmd {
        WatchlistCommand::Import {
            file: path,
            list,
            format,
            centre: Some(centre),
            ..
        } => {
            let format: Format = format.parse()?;
            let target = guomen_replicate::NatsTarget::parse(&centre)
                .map_err(|e| anyhow::anyhow!("--centre: {e}"))?;
            let p = path.clone();
            let imported =
                tokio::task::spawn_blocking(move || read_list(&p, format, list, true)).await??;
            let release = guomen_replicate::watchlist::Release::national(imported, list, format);
            let n = release.entries.len();
            let version = tokio::time::timeout(
                std::time::Duration::from_secs(30),
                guomen_replicate::watchlist::publish(&target, &release),
            )
            .await
            .map_err(|_| {
                anyhow::anyhow!(
                    "the centre's NATS server at {} did not answer within 30 s",
                    target.url
                )
            })?
            .map_err(|e| anyhow::anyhow!(e))?;
            println!(
                "{}: {n} entries published to every station as national list {} version {version}",
                path.display(),
                list.as_str()
            );
            Ok(ExitCode::SUCCESS)
        }
        WatchlistCommand::Import {
            file: path,
            list,
            format,
            store,
            centre: None,
        } => {
            let format: Format = format.parse()?;
            let target = store.resolve(file)?;
            let p = path.clone();
            let imported =
                tokio::task::spawn_blocking(move || read_list(&p, format, list, true)).await??;
            let station = open_station(&target).await?;
            let result = async {
                let pb = bar(None, "journaling");
                let mut progress = |done: usize, total: usize| {
                    pb.set_length(total as u64);
                    pb.set_position(done as u64);
                };
                let summary = station
                    .import_watchlist("cli", imported, list, format, &mut progress)
                    .await?;
                pb.finish_and_clear();
                anyhow::Ok(summary)
            }
            .await;
            station.close().await;
            let s = result?;
            println!(
                "{}: {} records into {} ({}): {} added, {} updated, {} removed, {} unchanged, {} skipped, {} warnings",
                path.display(),
                s.records,
                s.list,
                s.source.as_deref().unwrap_or("local ids"),
                s.added,
                s.updated,
                s.removed,
                s.unchanged,
                s.skipped,
                s.warnings.len()
            );
            for w in s.warnings.iter().take(20) {
                eprintln!("warning: {w}");
            }
            if s.warnings.len() > 20 {
                eprintln!("... {} more warnings", s.warnings.len() - 20);
            }
            Ok(ExitCode::SUCCESS)
        }
        WatchlistCommand::Stats { store } => {
            let station = open_station(&store.resolve(file)?).await?;
            let entries = station.watchlist_entries().await;
            station.close().await;
            let entries = entries?;
            for c in guomen_station::clearance::import::counts(&entries) {
                println!(
                    "{}\t{}\t{}",
                    c.list,
                    if c.source.is_empty() { "-" } else { &c.source },
                    c.entries
                );
            }
            println!("total\t\t{}", entries.len());
            Ok(ExitCode::SUCCESS)
        }
    }
}
