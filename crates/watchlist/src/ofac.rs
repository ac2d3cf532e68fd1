//! OFAC SDN legacy CSV: `sdn.csv` (no header; `ent_num, SDN_Name, SDN_Type, Program, Title,
//! Call_Sign, Vess_type, Tonnage, GRT, Vess_flag, Vess_owner, Remarks`, `-0-` for empty) and
//! `alt.csv` (`ent_num, alt_num, alt_type, alt_name, alt_remarks`). The same layout serves the
//! consolidated non-SDN list (`cons_prim.csv`, `cons_alt.csv`).
//!
//! Identifying data lives in free-text Remarks (`DOB 05 Nov 1951; POB ...; nationality Iran;
//! Passport D9008009 (Iran); Gender Male; a.k.a. '...'`), which is parsed here. The file comes
//! from a third party, so a malformed record is skipped with a warning naming its line; only an
//! unreadable file, a field over the size limit or a run of bytes without a line break fails
//! the import.

use std::collections::{HashMap, HashSet};
use std::io::Read;

use crate::io::{Guarded, Tracker, Warnings, fields as record_fields};
use crate::text::{
    clean, decode_lossless, document_number, drop_damaged_words, entity_name_problem, name_problem,
    push_name, reorder_last_first,
};
use crate::{
    DocumentRef, ImportError, ImportOptions, Imported, ListKind, PartialDate, Progress, Sex,
    WatchlistEntry, country, default_action,
};

/// The id prefix of OFAC entries: `ofac:<ent_num>`.
pub const SOURCE: &str = "ofac";

const SDN: &str = "sdn.csv";
const ALT: &str = "alt.csv";
const FIELD_NAMES: [&str; 12] = [
    "ent_num",
    "SDN_Name",
    "SDN_Type",
    "Program",
    "Title",
    "Call_Sign",
    "Vess_type",
    "Tonnage",
    "GRT",
    "Vess_flag",
    "Vess_owner",
    "Remarks",
];
const ALT_FIELD_NAMES: [&str; 5] = ["ent_num", "alt_num", "alt_type", "alt_name", "alt_remarks"];

/// Imports `sdn.csv` and, when given, its `alt.csv` into `list`.
pub fn import(
    sdn: impl Read,
    alt: Option<&mut dyn Read>,
    list: ListKind,
    options: &ImportOptions,
    total_bytes: Option<u64>,
    progress: &mut dyn FnMut(Progress),
) -> Result<Imported, ImportError> {
    let source = options.source.clone().unwrap_or_else(|| SOURCE.to_owned());
    let mut tracker = Tracker::new(progress, total_bytes);
    let mut warnings = Warnings::new(SDN);
    let mut entries: Vec<WatchlistEntry> = Vec::new();
    let mut index: HashMap<u64, usize> = HashMap::new();
    let mut individuals: HashSet<u64> = HashSet::new();
    let mut left_out: HashSet<u64> = HashSet::new();
    let mut skipped = 0u64;

    let sdn_bytes = read_rows(
        SDN,
        sdn,
        options,
        &mut tracker,
        &mut warnings,
        |row, warnings| match sdn_entry(&row, list, &source, options, warnings) {
            Parsed::Entry(ent, entry, individual) => {
                if index.contains_key(&ent) {
                    warnings.push(
                        Some(row.line),
                        Some(&entry.id),
                        "duplicate ent_num; record skipped",
                    );
                    skipped += 1;
                    return;
                }
                if individual {
                    individuals.insert(ent);
                }
                index.insert(ent, entries.len());
                entries.push(*entry);
            }
            Parsed::LeftOut(ent) => {
                left_out.insert(ent);
                skipped += 1;
            }
            Parsed::Skipped => skipped += 1,
        },
    )?;

    if let Some(alt) = alt {
        tracker.base = sdn_bytes;
        warnings.set_file(ALT);
        read_rows(
            ALT,
            alt,
            options,
            &mut tracker,
            &mut warnings,
            |row, warnings| {
                let ok = attach_alias(
                    &row,
                    &mut entries,
                    &index,
                    &individuals,
                    &left_out,
                    warnings,
                );
                if !ok {
                    skipped += 1;
                }
            },
        )?;
    }
    Ok(Imported {
        entries,
        warnings: warnings.finish(),
        records: tracker.records,
        skipped,
        source: Some(source),
    })
}

struct Row {
    line: u64,
    fields: Vec<String>,
}

impl Row {
    fn get(&self, i: usize) -> &str {
        self.fields.get(i).map_or("", String::as_str)
    }
}

/// Reads every row of one file, decoded and with `-0-` emptied, and hands it to `each`.
/// Returns the bytes read.
fn read_rows(
    file: &'static str,
    reader: impl Read,
    options: &ImportOptions,
    tracker: &mut Tracker<'_>,
    warnings: &mut Warnings,
    mut each: impl FnMut(Row, &mut Warnings),
) -> Result<u64, ImportError> {
    let names: &[&str] = if file == SDN {
        &FIELD_NAMES
    } else {
        &ALT_FIELD_NAMES
    };
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        // Ending records at `\n` only (the `\r` of CRLF is stripped from the last field by
        // `fields`) keeps csv's line numbers exact: with CRLF it counts the `\n` late.
        .terminator(csv::Terminator::Any(b'\n'))
        .from_reader(Guarded::new(reader, b'\n', options.max_record_bytes));
    let mut record = csv::ByteRecord::new();
    let mut latin1_warned = false;
    loop {
        let got = match rdr.read_byte_record(&mut record) {
            Ok(got) => got,
            Err(e) => {
                let guard = rdr.get_ref();
                if guard.overflowed() {
                    return Err(ImportError::RecordTooLarge {
                        file,
                        line: guard.line(),
                        max: options.max_record_bytes,
                    });
                }
                let line = e.position().map_or_else(|| guard.line(), |p| p.line());
                return Err(match e.into_kind() {
                    csv::ErrorKind::Io(source) => ImportError::Io { file, source },
                    other => ImportError::Record {
                        file,
                        line,
                        message: format!("{other:?}"),
                    },
                });
            }
        };
        if !got {
            break;
        }
        let line = record.position().map_or(0, |p| p.line());
        // DOS-era exports end with a Ctrl-Z byte on its own line.
        if record
            .iter()
            .all(|f| f.iter().all(|b| b.is_ascii_whitespace() || *b == 0x1A))
        {
            continue;
        }
        tracker.record(record.position().map_or(0, |p| p.byte()));
        let mut fields = Vec::with_capacity(record.len());
        for (i, raw) in record_fields(&record).enumerate() {
            let is_text = (file == SDN && i == 11) || (file == ALT && i == 4);
            let max = if is_text {
                options.max_text_bytes
            } else {
                options.max_field_bytes
            };
            if raw.len() > max {
                return Err(ImportError::FieldTooLarge {
                    file,
                    line,
                    field: names
                        .get(i)
                        .map_or_else(|| format!("#{}", i + 1), |n| (*n).to_owned()),
                    len: raw.len(),
                    max,
                });
            }
            let (text, latin1) = decode_lossless(raw);
            if latin1 && !latin1_warned {
                latin1_warned = true;
                warnings.push(Some(line), None, "not UTF-8; read as Latin-1");
            }
            let text = text.trim();
            fields.push(if text == "-0-" {
                String::new()
            } else {
                text.to_owned()
            });
        }
        each(Row { line, fields }, warnings);
    }
    let bytes = rdr.get_ref().consumed();
    tracker.report(bytes);
    Ok(bytes)
}

enum Parsed {
    Entry(u64, Box<WatchlistEntry>, bool),
    LeftOut(u64),
    Skipped,
}

fn parse_ent_num(s: &str) -> Option<u64> {
    s.parse::<u64>().ok().filter(|n| *n > 0)
}

fn sdn_entry(
    row: &Row,
    list: ListKind,
    source: &str,
    options: &ImportOptions,
    warnings: &mut Warnings,
) -> Parsed {
    let Some(ent) = parse_ent_num(row.get(0)) else {
        warnings.push(
            Some(row.line),
            None,
            format!(
                "ent_num `{}` is not a positive number; record skipped",
                row.get(0)
            ),
        );
        return Parsed::Skipped;
    };
    let id = format!("{source}:{ent}");
    let sdn_type = row.get(2).to_ascii_lowercase();
    let individual = sdn_type == "individual";
    if !individual && !options.include_non_persons {
        return Parsed::LeftOut(ent);
    }
    let name = repair_damaged(&clean(row.get(1)), row.line, &id, warnings);
    let problem = if individual {
        name_problem(&name)
    } else {
        entity_name_problem(&name)
    };
    if let Some(why) = problem {
        warnings.push(Some(row.line), Some(&id), format!("{why}; record skipped"));
        return Parsed::Skipped;
    }
    let mut names = vec![name.clone()];
    let programs = row.get(3);
    let mut reason = if programs.is_empty() {
        "OFAC".to_owned()
    } else {
        format!("OFAC [{programs}]")
    };
    if !individual {
        let kind = if sdn_type.is_empty() {
            "entity"
        } else {
            sdn_type.as_str()
        };
        reason.push_str(&format!(" {kind}"));
    }
    let title = clean(row.get(4));
    if !title.is_empty() {
        reason.push_str(&format!("; title: {title}"));
    }
    let remarks_text = clean(row.get(11));
    let mut entry = WatchlistEntry {
        id: id.clone(),
        list,
        names: Vec::new(),
        birth_dates: Vec::new(),
        sex: None,
        nationalities: Vec::new(),
        documents: Vec::new(),
        reason: String::new(),
        action: default_action(list).to_owned(),
        face_template: None,
    };
    if individual {
        if let Some(r) = reorder_last_first(&name) {
            push_name(&mut names, r);
        }
        let remarks = parse_remarks(&remarks_text);
        for alias in remarks.aliases {
            add_alias(&mut names, &alias, true, row.line, &id, warnings);
        }
        entry.birth_dates = remarks.birth_dates;
        entry.sex = remarks.sex;
        entry.nationalities = remarks.nationalities;
        entry.documents = remarks.documents;
        for problem in &remarks.problems {
            warnings.push(Some(row.line), Some(&id), problem.clone());
        }
        if !remarks.unknown_countries.is_empty() {
            reason.push_str(&format!(
                "; unrecognised countries: {}",
                remarks.unknown_countries.join(", ")
            ));
        }
    }
    if !remarks_text.is_empty() {
        reason.push_str("; ");
        reason.push_str(&remarks_text);
    }
    entry.names = names;
    entry.reason = reason;
    Parsed::Entry(ent, Box::new(entry), individual)
}

/// Drops words with decoding damage (U+FFFD) from a third-party name, with a warning, so the
/// rest of the name still screens.
fn repair_damaged(name: &str, line: u64, id: &str, warnings: &mut Warnings) -> String {
    match drop_damaged_words(name) {
        Some(repaired) => {
            warnings.push(
                Some(line),
                Some(id),
                format!("name `{name}` has undecodable characters; kept as `{repaired}`"),
            );
            repaired
        }
        None => name.to_owned(),
    }
}

fn add_alias(
    names: &mut Vec<String>,
    alias: &str,
    person: bool,
    line: u64,
    id: &str,
    warnings: &mut Warnings,
) {
    let alias = repair_damaged(&clean(alias), line, id, warnings);
    let problem = if person {
        name_problem(&alias)
    } else {
        entity_name_problem(&alias)
    };
    if let Some(why) = problem {
        warnings.push(
            Some(line),
            Some(id),
            format!("alias `{alias}` left out: {why}"),
        );
        return;
    }
    if person && let Some(r) = reorder_last_first(&alias) {
        push_name(names, alias);
        push_name(names, r);
        return;
    }
    push_name(names, alias);
}

fn attach_alias(
    row: &Row,
    entries: &mut [WatchlistEntry],
    index: &HashMap<u64, usize>,
    individuals: &HashSet<u64>,
    left_out: &HashSet<u64>,
    warnings: &mut Warnings,
) -> bool {
    let Some(ent) = parse_ent_num(row.get(0)) else {
        warnings.push(
            Some(row.line),
            None,
            format!(
                "ent_num `{}` is not a positive number; alias skipped",
                row.get(0)
            ),
        );
        return false;
    };
    let Some(entry) = index.get(&ent).and_then(|i| entries.get_mut(*i)) else {
        if !left_out.contains(&ent) {
            warnings.push(
                Some(row.line),
                None,
                format!("alias for unknown ent_num {ent}; skipped"),
            );
        }
        return false;
    };
    add_alias(
        &mut entry.names,
        row.get(3),
        individuals.contains(&ent),
        row.line,
        &entry.id,
        warnings,
    );
    true
}

/// What the Remarks field of an individual says about identity.
#[derive(Debug, Default, PartialEq)]
pub struct Remarks {
    pub birth_dates: Vec<PartialDate>,
    pub sex: Option<Sex>,
    /// ICAO codes of `nationality` and `citizen` statements.
    pub nationalities: Vec<String>,
    pub documents: Vec<DocumentRef>,
    /// `a.k.a.`, `f.k.a.`, `n.k.a.` names quoted in the remarks.
    pub aliases: Vec<String>,
    /// Country names the table does not know, kept for the reason.
    pub unknown_countries: Vec<String>,
    /// Statements that looked identifying but did not parse (become warnings).
    pub problems: Vec<String>,
}

/// Parses an OFAC Remarks field (`DOB 05 Nov 1951; POB ...; nationality Iran; Passport
/// D9008009 (Iran); Gender Male; a.k.a. 'X'`).
pub fn parse_remarks(remarks: &str) -> Remarks {
    let mut out = Remarks::default();
    for part in remarks.split(';') {
        let part = part.trim().trim_end_matches('.').trim();
        let part = part.strip_prefix("alt. ").unwrap_or(part).trim();
        if let Some(rest) = part.strip_prefix("DOB ") {
            match parse_dates(rest) {
                Some(dates) => {
                    for d in dates {
                        if !out.birth_dates.contains(&d) {
                            out.birth_dates.push(d);
                        }
                    }
                }
                None => out
                    .problems
                    .push(format!("unreadable date of birth `{rest}`")),
            }
        } else if let Some(rest) =
            strip_word(part, "nationality").or_else(|| strip_word(part, "citizen"))
        {
            out.add_country(rest.trim_start_matches(':').trim());
        } else if let Some(rest) = part.strip_prefix("Gender ") {
            match rest.trim().parse::<Sex>() {
                Ok(s) => out.sex = Some(s),
                Err(_) => out.problems.push(format!("unknown gender `{rest}`")),
            }
        } else if let Some(alias) = ["a.k.a. ", "f.k.a. ", "n.k.a. "]
            .iter()
            .find_map(|p| part.strip_prefix(p))
        {
            // Strip one pair of quotes only: a leading `'` is often part of the name ('Abd).
            let alias = alias.trim();
            let alias = alias
                .strip_prefix('\'')
                .and_then(|a| a.strip_suffix('\''))
                .unwrap_or(alias)
                .trim();
            if !alias.is_empty() {
                out.aliases.push(alias.to_owned());
            }
        } else if let Some(i) = part.find("Passport") {
            // "Passport", "Diplomatic Passport", "British National Overseas Passport" ...
            if i <= 40
                && let Some(rest) = part.get(i + "Passport".len()..)
            {
                out.add_passport(rest);
            }
        }
    }
    out
}

fn strip_word<'a>(part: &'a str, word: &str) -> Option<&'a str> {
    let rest = part.strip_prefix(word)?;
    (rest.starts_with(' ') || rest.starts_with(':')).then_some(rest)
}

impl Remarks {
    fn add_country(&mut self, name: &str) {
        if name.is_empty() {
            return;
        }
        match country::country_code(name) {
            Some(code) => {
                if !self.nationalities.iter().any(|n| n == code) {
                    self.nationalities.push(code.to_owned());
                }
            }
            None => self.unknown_country(name),
        }
    }

    fn unknown_country(&mut self, name: &str) {
        if !self.unknown_countries.iter().any(|n| n == name) {
            self.unknown_countries.push(name.to_owned());
            self.problems
                .push(format!("unrecognised country `{name}` kept in the reason"));
        }
    }

    fn add_passport(&mut self, rest: &str) {
        let mut rest = rest.trim_start();
        for prefix in ["Booklet", "No.:", "No.", "No:", "No", "#", ":"] {
            if let Some(r) = rest.strip_prefix(prefix)
                && (prefix != "No" || r.starts_with(' '))
            {
                rest = r.trim_start();
            }
        }
        let lower = rest.to_ascii_lowercase();
        if lower.starts_with("issued")
            || lower.starts_with("and ")
            || lower.starts_with("was ")
            || rest.is_empty()
        {
            return;
        }
        let end = [" issued", " expires", "(", ",", " - "]
            .iter()
            .filter_map(|m| rest.find(m))
            .min()
            .unwrap_or(rest.len());
        let (mut number_text, mut after) = rest.split_at(end);
        // "Passport AF465508 Colombia": a country name trailing the number.
        let mut trailing_country = None;
        if !after.trim_start().starts_with('(') {
            let words: Vec<&str> = number_text.split_whitespace().collect();
            for k in 1..words.len() {
                let head = words.get(..k).unwrap_or_default();
                let tail = words.get(k..).unwrap_or_default().join(" ");
                if head.iter().any(|w| w.chars().any(|c| c.is_ascii_digit()))
                    && let Some(code) = country::country_code(&tail)
                {
                    trailing_country = Some(code);
                    let cut = number_text
                        .find(words.get(k).copied().unwrap_or(""))
                        .unwrap_or(number_text.len());
                    number_text = number_text.get(..cut).unwrap_or(number_text);
                    after = "";
                    break;
                }
            }
        }
        let Some(number) = document_number(number_text.trim()) else {
            self.problems.push(format!(
                "unreadable passport number `{}`",
                number_text.trim()
            ));
            return;
        };
        let mut country = trailing_country.map(str::to_owned);
        if let Some(open) = after.find('(') {
            let inner = after.get(open + 1..).unwrap_or("");
            let inner = inner.split(')').next().unwrap_or("").trim();
            if !inner.is_empty() {
                country = match country::country_code(inner) {
                    Some(c) => Some(c.to_owned()),
                    None => {
                        self.unknown_country(inner);
                        None
                    }
                };
            }
        } else {
            // "Passport AF465508 Colombia"
            let tail = after.trim_start_matches(',').trim();
            let tail = tail.split(',').next().unwrap_or("");
            let tail_end = [" issued", " expires"]
                .iter()
                .filter_map(|m| tail.find(m))
                .min()
                .unwrap_or(tail.len());
            let tail = tail.get(..tail_end).unwrap_or("").trim();
            if !tail.is_empty() && !tail.starts_with("issued") && !tail.starts_with("expires") {
                country = country::country_code(tail).map(str::to_owned);
            }
        }
        if !self
            .documents
            .iter()
            .any(|d| d.number == number && d.country == country)
        {
            self.documents.push(DocumentRef {
                number,
                country,
                kind: None,
            });
        }
    }
}

const MONTHS: [&str; 12] = [
    "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
];

fn month(word: &str) -> Option<u8> {
    let w = word.trim_end_matches('.').to_ascii_lowercase();
    let prefix = w.get(..3)?;
    let i = MONTHS.iter().position(|m| *m == prefix)?;
    // "Sept", "September" are fine; "Marchx" is not a month.
    let full = [
        "january",
        "february",
        "march",
        "april",
        "may",
        "june",
        "july",
        "august",
        "september",
        "october",
        "november",
        "december",
    ];
    let ok = full
        .get(i)
        .is_some_and(|f| f.starts_with(&w) || w == "sept");
    if !ok {
        return None;
    }
    u8::try_from(i + 1).ok()
}

/// One OFAC date: `05 Nov 1951`, `Nov 1951`, `1951`.
fn parse_one_date(s: &str) -> Option<PartialDate> {
    let words: Vec<&str> = s.split_whitespace().collect();
    let text = match words.as_slice() {
        [y] => (*y).to_owned(),
        [m, y] => format!("{y}-{:02}", month(m)?),
        [d, m, y] => {
            let day: u8 = d.parse().ok()?;
            format!("{y}-{:02}-{day:02}", month(m)?)
        }
        _ => return None,
    };
    text.parse().ok()
}

/// Widest year range expanded into every year; wider ranges keep their two ends only.
const MAX_YEAR_SPAN: u16 = 10;

/// `05 Nov 1951`, `circa 1951`, `1950 to 1952`, `1950-1952`, `01 Jan 1950 to 31 Dec 1951`.
fn parse_dates(s: &str) -> Option<Vec<PartialDate>> {
    let s = s.trim();
    let s = ["circa ", "approximately ", "approx. ", "about "]
        .iter()
        .find_map(|p| s.strip_prefix(p))
        .unwrap_or(s)
        .trim();
    let (from, to) = match s.split_once(" to ") {
        Some((a, b)) => (a.trim(), Some(b.trim())),
        None => match s.split_once('-') {
            Some((a, b)) if a.trim().len() == 4 && b.trim().len() == 4 => {
                (a.trim(), Some(b.trim()))
            }
            _ => (s, None),
        },
    };
    let from = parse_one_date(from)?;
    let Some(to) = to else {
        return Some(vec![from]);
    };
    let to = parse_one_date(to)?;
    if from.month.is_none()
        && to.month.is_none()
        && from.year <= to.year
        && to.year - from.year <= MAX_YEAR_SPAN
    {
        return Some(
            (from.year..=to.year)
                .map(|year| PartialDate {
                    year,
                    month: None,
                    day: None,
                })
                .collect(),
        );
    }
    Some(vec![from, to])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(sdn: &str, alt: Option<&str>, options: &ImportOptions) -> Imported {
        let mut alt_bytes = alt.map(str::as_bytes);
        let alt_ref: Option<&mut dyn Read> = alt_bytes.as_mut().map(|b| b as &mut dyn Read);
        import(
            sdn.as_bytes(),
            alt_ref,
            ListKind::Wanted,
            options,
            None,
            &mut |_| {},
        )
        .unwrap()
    }

    const SAMPLE: &str = concat!(
        "36,\"AEROCARIBBEAN AIRLINES\",-0- ,\"CUBA\",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- \r\n",
        "2674,\"ABBASI, Fereidoun\",\"individual\",\"NPWMD] [IFSR\",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,",
        "\"DOB 11 Jul 1958; POB Abadan, Iran; nationality Iran; Passport D9008009 (Iran); alt. Passport 123 456 (Atlantis); Gender Male; a.k.a. 'DAVANI, Fereidoun'.\"\r\n",
        "9647,\"ZAHHAR, Mahmoud Khaled\",\"individual\",\"SDGT] [NS-PLC\",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,\"DOB 1945 to 1947; alt. DOB circa 1950; nationality Palestinian; citizen Korea, North.\"\r\n",
        "\u{1a}",
    );

    #[test]
    fn individuals_get_remarks_parsed_and_aliases_attached() {
        let alt = "2674,100,\"aka\",\"ABBASI DAVANI, Fereydoun\",-0- \r\n36,12,\"aka\",\"AERO-CARIBBEAN\",-0- \r\n";
        let got = run(SAMPLE, Some(alt), &ImportOptions::default());
        assert_eq!(got.entries.len(), 2, "the airline is left out by default");
        assert_eq!(got.skipped, 2, "airline and its alias");
        assert_eq!(got.source.as_deref(), Some("ofac"));
        let a = &got.entries[0];
        assert_eq!(a.id, "ofac:2674");
        assert_eq!(
            a.names,
            [
                "ABBASI, Fereidoun",
                "Fereidoun ABBASI",
                "DAVANI, Fereidoun",
                "Fereidoun DAVANI",
                "ABBASI DAVANI, Fereydoun",
                "Fereydoun ABBASI DAVANI"
            ]
        );
        assert_eq!(a.birth_dates, [PartialDate::full(1958, 7, 11)]);
        assert_eq!(a.nationalities, ["IRN"]);
        assert_eq!(a.sex, Some(Sex::Male));
        assert_eq!(
            a.documents[0],
            DocumentRef {
                number: "D9008009".into(),
                country: Some("IRN".into()),
                kind: None,
            }
        );
        assert_eq!(
            a.documents[1],
            DocumentRef {
                number: "123456".into(),
                country: None,
                kind: None,
            }
        );
        assert!(
            a.reason.contains("unrecognised countries: Atlantis"),
            "{}",
            a.reason
        );
        assert!(a.reason.starts_with("OFAC [NPWMD] [IFSR]"));
        assert!(
            got.warnings
                .iter()
                .any(|w| w.line == Some(2) && w.message.contains("Atlantis")),
            "{:?}",
            got.warnings
        );
        let z = &got.entries[1];
        assert_eq!(
            z.birth_dates.iter().map(|d| d.year).collect::<Vec<_>>(),
            [1945, 1946, 1947, 1950]
        );
        assert_eq!(z.nationalities, ["PSE", "PRK"]);
    }

    #[test]
    fn non_persons_are_name_only_when_asked() {
        let opts = ImportOptions {
            include_non_persons: true,
            ..ImportOptions::default()
        };
        let alt = "36,12,\"aka\",\"AERO-CARIBBEAN\",-0- \r\n";
        let got = run(SAMPLE, Some(alt), &opts);
        assert_eq!(got.entries.len(), 3);
        let e = &got.entries[0];
        assert_eq!(e.names, ["AEROCARIBBEAN AIRLINES", "AERO-CARIBBEAN"]);
        assert!(e.birth_dates.is_empty() && e.nationalities.is_empty());
        assert!(e.reason.contains("entity"));
    }

    #[test]
    fn malformed_records_are_skipped_with_their_line() {
        let sdn = "x,\"A, B\",\"individual\"\n5,\"\",\"individual\"\n6,\"OK, Name\",\"individual\",,,,,,,,,\"DOB 31 Feb 1950\"\n";
        let got = run(
            sdn,
            Some("99,1,\"aka\",\"GHOST\",-0-\n"),
            &ImportOptions::default(),
        );
        assert_eq!(got.entries.len(), 1);
        let lines: Vec<(&str, Option<u64>)> =
            got.warnings.iter().map(|w| (w.file, w.line)).collect();
        assert_eq!(
            lines,
            [
                ("sdn.csv", Some(1)),
                ("sdn.csv", Some(2)),
                ("sdn.csv", Some(3)),
                ("alt.csv", Some(1))
            ]
        );
        assert!(got.warnings[2].message.contains("31 Feb 1950"));
    }

    #[test]
    fn latin1_fields_are_decoded_and_huge_remarks_fail() {
        let sdn = b"7,\"M\xDCLLER, J\xF6rg\",\"individual\",,,,,,,,,\n";
        let got = import(
            &sdn[..],
            None,
            ListKind::Alert,
            &ImportOptions::default(),
            None,
            &mut |_| {},
        )
        .unwrap();
        assert_eq!(got.entries[0].names[0], "MÜLLER, Jörg");
        assert!(got.warnings[0].message.contains("Latin-1"));
        let big = format!(
            "1,\"A, B\",\"individual\",,,,,,,,,\"{}\"\n",
            "x".repeat(70_000)
        );
        let e = import(
            big.as_bytes(),
            None,
            ListKind::Alert,
            &ImportOptions::default(),
            None,
            &mut |_| {},
        )
        .unwrap_err();
        assert!(
            matches!(&e, ImportError::FieldTooLarge { line: 1, field, .. } if field == "Remarks"),
            "{e}"
        );
    }

    #[test]
    fn remark_shapes_from_the_real_list() {
        let r = parse_remarks(
            "DOB Nov 1951; alt. DOB 01 Jan 1960 to 31 Dec 1961; Passport B 960789; Passport No.: 0310857, Eritrea, Issue Date 21 August 2006; \
             Diplomatic Passport D000000483 (Syria) issued 01 Jan 2010; Passport AF465508 Colombia; Passport issued 21 Jun 1992 in Amman, Jordan; \
             nationality: Eritrean; Gender Female; Passport G55296890 (China) issued 15 Sep 2011 expires 14 Sep 2021",
        );
        assert_eq!(
            r.birth_dates
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>(),
            ["1951-11", "1960-01-01", "1961-12-31"]
        );
        let docs: Vec<(String, Option<String>)> = r
            .documents
            .into_iter()
            .map(|d| (d.number, d.country))
            .collect();
        assert_eq!(
            docs,
            [
                ("B960789".to_owned(), None),
                ("0310857".to_owned(), Some("ERI".to_owned())),
                ("D000000483".to_owned(), Some("SYR".to_owned())),
                ("AF465508".to_owned(), Some("COL".to_owned())),
                ("G55296890".to_owned(), Some("CHN".to_owned())),
            ]
        );
        assert_eq!(r.nationalities, ["ERI"]);
        assert_eq!(r.sex, Some(Sex::Female));
        assert!(r.problems.is_empty(), "{:?}", r.problems);
    }
}
