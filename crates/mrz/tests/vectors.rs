//! Data-driven verdicts over the shared MRZ vectors (never copied; see the data README):
//! - `mrz/icao9303_specimens.tsv`: the Doc 9303 specimens and Part 3 worked examples
//!   (ICAO Doc 9303, 8th ed., as transcribed in `ruledicaprio/SynthPass`);
//! - `mrz/vectors_MIT.jsonl`: 39 vectors from `cheminfo/mrz`, `ruledicaprio/SynthPass` and
//!   `appintheair/MRZParser` (MIT), with the verdict of an independent Doc 9303 checker.
//!
//! Each row is its own trial. Rules applied to every row alike:
//! - the checks the file records (`doc`, `dob`, `exp`, `opt`, `comp`) must be exactly the
//!   parser's (`document_number`, `birth_date`, `expiry_date`, `personal_number`, `composite`),
//!   same keys, same outcomes, and `all_check_digits_ok` must equal `check_digits_ok()`;
//! - a row with no ICAO verdict (`all_check_digits_ok: null`, a non-ICAO layout) must not come
//!   out as a fully checked ICAO document;
//! - a line the file leaves out (a worked example that prints only the checked lines) is
//!   replaced by a neutral line no check digit covers (document code, the nationality as
//!   issuing state, name `X<<X`);
//! - a row whose lines do not have Doc 9303 lengths must be rejected (strict parsing); its
//!   recorded check verdict is then verified on the lines padded with fillers, which is how
//!   the file's checker read them.

use std::path::Path;

use chrono::NaiveDate;
use guomen_mrz::{ErrorKind, Format, Mrz, parse_lines};
use guomen_testkit::{Failed, Trial, data_trials, run};
use serde_json::Value;

fn today() -> NaiveDate {
    // A fixed "today" keeps the verdicts reproducible (the files were recorded around 2026).
    NaiveDate::from_ymd_opt(2026, 3, 1).unwrap_or_default()
}

fn map_key(k: &str) -> Option<&'static str> {
    Some(match k {
        "doc" => "document_number",
        "dob" => "birth_date",
        "exp" => "expiry_date",
        "opt" => "personal_number",
        "comp" => "composite",
        _ => return None,
    })
}

fn compare_checks(m: &Mrz, expected: &serde_json::Map<String, Value>) -> Result<(), Failed> {
    let mut want: Vec<(&str, bool)> = Vec::new();
    for (k, v) in expected {
        let key = map_key(k).ok_or_else(|| format!("unknown check key {k:?} in the file"))?;
        let ok = v
            .as_bool()
            .ok_or_else(|| format!("check {k:?} is not a bool"))?;
        want.push((key, ok));
    }
    want.sort_unstable();
    let mut got: Vec<(&str, bool)> = m.checks.iter().collect();
    got.sort_unstable();
    if want != got {
        return Err(format!(
            "checks differ: file {want:?}, parser {got:?}; errors {:?}",
            m.errors
        )
        .into());
    }
    Ok(())
}

fn format_of(name: &str) -> Option<Format> {
    Some(match name {
        "TD1" => Format::Td1,
        "TD2" => Format::Td2,
        "TD3" => Format::Td3,
        "MRVA" => Format::MrvA,
        "MRVB" => Format::MrvB,
        _ => return None,
    })
}

/// A neutral line for one the file leaves out; `other` is a data line of the same document.
fn neutral_line(format: Format, index: usize, other: &str) -> String {
    let width = format.line_len();
    let mut s = if format == Format::Td1 && index == 2 {
        "X<<X".to_owned()
    } else {
        let code = match format {
            Format::Td3 => "P<",
            Format::MrvA | Format::MrvB => "V<",
            _ => "I<",
        };
        // The nationality sits at columns 11-13 of a two-line MRZ's second line.
        let nat = other.get(10..13).unwrap_or("<<<");
        format!("{code}{nat}X<<X")
    };
    while s.len() < width {
        s.push('<');
    }
    s
}

fn specimen_trials(path: &Path) -> Vec<Trial> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) => {
            let msg = format!("cannot read {}: {e}", path.display());
            return vec![Trial::test("icao9303_specimens.tsv", move || {
                Err(msg.into())
            })];
        }
    };
    let mut trials = Vec::new();
    for (i, row) in text.lines().enumerate().skip(1) {
        if row.trim().is_empty() {
            continue;
        }
        let cols: Vec<String> = row.split('\t').map(str::to_owned).collect();
        let name = format!(
            "icao9303_specimens.tsv:L{}:{}",
            i + 1,
            cols.first().map_or("?", String::as_str)
        );
        trials.push(Trial::test(name, move || specimen_case(&cols)));
    }
    trials
}

fn specimen_case(cols: &[String]) -> Result<(), Failed> {
    let col = |i: usize| cols.get(i).map_or("", String::as_str);
    let format = format_of(col(0)).ok_or_else(|| format!("unknown format {:?}", col(0)))?;
    let data_line = col(2);
    let mut lines: Vec<String> = (1..=format.line_count())
        .map(|i| col(i).to_owned())
        .collect();
    for (idx, l) in lines.iter_mut().enumerate() {
        if l.is_empty() {
            *l = neutral_line(format, idx, data_line);
        }
    }
    let expected: Value =
        serde_json::from_str(col(5)).map_err(|e| format!("bad independent_check: {e}"))?;
    let expected = expected
        .as_object()
        .ok_or("independent_check is not an object")?
        .clone();
    let m = parse_lines(&lines, today()).map_err(|e| format!("structural error: {e}"))?;
    if m.format != format {
        return Err(format!("format {} but the file says {}", m.format, format).into());
    }
    compare_checks(&m, &expected)?;
    let all = expected.values().all(|v| v.as_bool() == Some(true));
    if all && !m.valid() {
        return Err(format!(
            "all checks pass but the document is invalid: {:?}",
            m.errors
        )
        .into());
    }
    Ok(())
}

fn jsonl_trials(path: &Path) -> Vec<Trial> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) => {
            let msg = format!("cannot read {}: {e}", path.display());
            return vec![Trial::test("vectors_MIT.jsonl", move || Err(msg.into()))];
        }
    };
    let mut trials = Vec::new();
    for (i, row) in text.lines().enumerate() {
        if row.trim().is_empty() {
            continue;
        }
        let v: Result<Value, _> = serde_json::from_str(row);
        let label = v
            .as_ref()
            .ok()
            .map(|v| {
                let repo = v["repo"].as_str().unwrap_or("?");
                let path = v["path"].as_str().unwrap_or("?");
                let path = path.rsplit('/').next().unwrap_or(path);
                match v["line"].as_u64() {
                    Some(l) => format!("{repo}:{path}:{l}"),
                    None => format!("{repo}:{path}"),
                }
            })
            .unwrap_or_default();
        let name = format!("vectors_MIT.jsonl:L{}:{label}", i + 1);
        trials.push(Trial::test(name, move || match v {
            Ok(v) => jsonl_case(&v),
            Err(e) => Err(format!("bad JSON: {e}").into()),
        }));
    }
    trials
}

fn jsonl_case(v: &Value) -> Result<(), Failed> {
    let lines: Vec<String> = v["lines"]
        .as_array()
        .ok_or("no lines")?
        .iter()
        .map(|l| l.as_str().unwrap_or_default().to_owned())
        .collect();
    let verdict = v["all_check_digits_ok"].as_bool();
    let expected = v["checks"].as_object().cloned().unwrap_or_default();
    let file_format = v["format"].as_str().and_then(format_of);
    let result = parse_lines(&lines, today());

    let Some(verdict) = verdict else {
        // No ICAO verdict: the layout is not ICAO. It must not pass as a checked ICAO MRZ.
        return match result {
            Ok(m) if m.check_digits_ok() => {
                Err(format!("non-ICAO layout passed every ICAO check: {m:?}").into())
            }
            _ => Ok(()),
        };
    };

    let m = match result {
        Ok(m) => m,
        Err(e) if e.kind == ErrorKind::LineLength => {
            // Strict: a wrong line length is unusable input. The file's verdict is then
            // checked on the lines padded with fillers.
            let width = file_format
                .map(Format::line_len)
                .ok_or("no format for padding")?;
            let bad = lines.get(e.line - 1).ok_or("error names no line")?;
            if bad.len() >= width {
                return Err(format!("unexpected length error: {e}").into());
            }
            let padded: Vec<String> = lines.iter().map(|l| format!("{l:<<width$}")).collect();
            parse_lines(&padded, today()).map_err(|e| format!("padded still fails: {e}"))?
        }
        Err(e) => return Err(format!("structural error: {e}").into()),
    };
    if let Some(f) = file_format
        && m.format != f
    {
        return Err(format!("format {} but the file says {f}", m.format).into());
    }
    compare_checks(&m, &expected)?;
    if m.check_digits_ok() != verdict {
        return Err(format!(
            "all_check_digits_ok {verdict} in the file, parser {}",
            m.check_digits_ok()
        )
        .into());
    }
    Ok(())
}

fn main() {
    let mut trials = data_trials("mrz/icao9303_specimens.tsv", specimen_trials);
    trials.extend(data_trials("mrz/vectors_MIT.jsonl", jsonl_trials));
    run(trials)
}
