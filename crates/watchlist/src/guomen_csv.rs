//! guomen's own watchlist CSV (see `FORMAT.md`).
//!
//! This is the format the station's own staff write, so it is strict: any malformed record
//! fails the whole import with its line, because silently dropping one wanted person from a list
//! is worse than refusing the file.

use std::collections::HashMap;
use std::io::Read;

use crate::io::{Guarded, Tracker, fields as record_fields};
use crate::text::{clean, id_problem, name_problem, push_name};
use crate::{
    DocumentRef, ImportError, ImportOptions, Imported, ListKind, PartialDate, Progress, Sex,
    WatchlistEntry, country, default_action,
};

const FILE: &str = "csv";

/// The columns, in the documented order. Only `id` is required in the header; `name` is required
/// in every record except a document-only `lost_stolen_document` entry.
pub const COLUMNS: [&str; 13] = [
    "id",
    "list",
    "name",
    "aliases",
    "birth_date",
    "sex",
    "nationality",
    "document_number",
    "document_country",
    "document_type",
    "reason",
    "action",
    "face_template",
];

/// Largest face template accepted, in numbers.
pub const MAX_FACE_TEMPLATE_DIMS: usize = 4096;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Col {
    Id,
    List,
    Name,
    Aliases,
    BirthDate,
    Sex,
    Nationality,
    DocumentNumber,
    DocumentCountry,
    DocumentType,
    Reason,
    Action,
    FaceTemplate,
}

const COLS: [Col; 13] = [
    Col::Id,
    Col::List,
    Col::Name,
    Col::Aliases,
    Col::BirthDate,
    Col::Sex,
    Col::Nationality,
    Col::DocumentNumber,
    Col::DocumentCountry,
    Col::DocumentType,
    Col::Reason,
    Col::Action,
    Col::FaceTemplate,
];

fn is_free_text(col: Col) -> bool {
    matches!(col, Col::Reason | Col::Action | Col::FaceTemplate)
}

/// Imports guomen CSV from `reader` into `list` (a non-empty `list` column wins).
pub fn import(
    reader: impl Read,
    list: ListKind,
    options: &ImportOptions,
    total_bytes: Option<u64>,
    progress: &mut dyn FnMut(Progress),
) -> Result<Imported, ImportError> {
    let guarded = Guarded::new(reader, b'\n', options.max_record_bytes);
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        // Ending records at `\n` only (the `\r` of CRLF is stripped from the last field by
        // `fields`) keeps csv's line numbers exact: with CRLF it counts the `\n` late.
        .terminator(csv::Terminator::Any(b'\n'))
        .from_reader(guarded);
    let mut tracker = Tracker::new(progress, total_bytes);
    let mut record = csv::ByteRecord::new();

    // Header.
    let columns = loop {
        let got = rdr
            .read_byte_record(&mut record)
            .map_err(|e| csv_error(e, rdr.get_ref(), options))?;
        if !got {
            return Err(ImportError::Input {
                file: FILE,
                message: "the file is empty; expected a header line starting with `id`".into(),
            });
        }
        if record.iter().all(|f| f.iter().all(u8::is_ascii_whitespace)) {
            continue;
        }
        break header_columns(&record)?;
    };

    let mut entries = Vec::new();
    let mut seen: HashMap<String, u64> = HashMap::new();
    loop {
        let got = rdr
            .read_byte_record(&mut record)
            .map_err(|e| csv_error(e, rdr.get_ref(), options))?;
        if !got {
            break;
        }
        let line = record.position().map_or(0, |p| p.line());
        tracker.record(record.position().map_or(0, |p| p.byte()));
        if record.iter().all(|f| f.iter().all(u8::is_ascii_whitespace)) {
            continue;
        }
        if record.len() != columns.len() {
            return Err(ImportError::Record {
                file: FILE,
                line,
                message: format!(
                    "has {} fields but the header has {}",
                    record.len(),
                    columns.len()
                ),
            });
        }
        let entry = parse_record(&record, &columns, line, list, options)?;
        if let Some(first) = seen.insert(entry.id.clone(), line) {
            return Err(ImportError::Record {
                file: FILE,
                line,
                message: format!("duplicate id `{}` (first on line {first})", entry.id),
            });
        }
        entries.push(entry);
    }
    let bytes = rdr.get_ref().consumed();
    tracker.report(bytes);
    Ok(Imported {
        entries,
        warnings: Vec::new(),
        records: tracker.records,
        skipped: 0,
        source: None,
    })
}

fn csv_error<R>(e: csv::Error, guard: &Guarded<R>, options: &ImportOptions) -> ImportError {
    let line = e
        .position()
        .map_or_else(|| guard.line(), |p| p.line().max(1));
    if guard.overflowed() {
        return ImportError::RecordTooLarge {
            file: FILE,
            line: guard.line(),
            max: options.max_record_bytes,
        };
    }
    match e.into_kind() {
        csv::ErrorKind::Io(source) => ImportError::Io { file: FILE, source },
        other => ImportError::Record {
            file: FILE,
            line,
            message: format!("{:?}", other),
        },
    }
}

fn header_columns(record: &csv::ByteRecord) -> Result<Vec<Col>, ImportError> {
    let line = record.position().map_or(1, |p| p.line());
    let mut cols = Vec::with_capacity(record.len());
    for raw in record_fields(record) {
        let raw = raw.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(raw);
        let name = std::str::from_utf8(raw)
            .map(|s| s.trim().to_ascii_lowercase())
            .map_err(|_| ImportError::Record {
                file: FILE,
                line,
                message: "header is not valid UTF-8".into(),
            })?;
        let col = COLUMNS
            .iter()
            .position(|c| *c == name)
            .and_then(|i| COLS.get(i).copied())
            .ok_or_else(|| ImportError::Record {
                file: FILE,
                line,
                message: format!(
                    "unknown column `{name}` in the header; expected {}",
                    COLUMNS.join(",")
                ),
            })?;
        if cols.contains(&col) {
            return Err(ImportError::Record {
                file: FILE,
                line,
                message: format!("column `{name}` appears twice in the header"),
            });
        }
        cols.push(col);
    }
    // `name` may be left out of a file of document-only lost/stolen entries; records that
    // need a name then fail one by one with their line.
    if !cols.contains(&Col::Id) {
        return Err(ImportError::Record {
            file: FILE,
            line,
            message: "the header has no `id` column".into(),
        });
    }
    Ok(cols)
}

fn col_name(col: Col) -> &'static str {
    COLS.iter()
        .position(|c| *c == col)
        .and_then(|i| COLUMNS.get(i).copied())
        .unwrap_or("?")
}

fn parse_record(
    record: &csv::ByteRecord,
    columns: &[Col],
    line: u64,
    default_list: ListKind,
    options: &ImportOptions,
) -> Result<WatchlistEntry, ImportError> {
    let err = |message: String| ImportError::Record {
        file: FILE,
        line,
        message,
    };
    let mut fields: [Option<&str>; COLUMNS.len()] = [None; COLUMNS.len()];
    for (col, raw) in columns.iter().zip(record_fields(record)) {
        let max = if is_free_text(*col) {
            options.max_text_bytes
        } else {
            options.max_field_bytes
        };
        if raw.len() > max {
            return Err(ImportError::FieldTooLarge {
                file: FILE,
                line,
                field: col_name(*col).to_owned(),
                len: raw.len(),
                max,
            });
        }
        let text = std::str::from_utf8(raw)
            .map_err(|_| err(format!("field `{}` is not valid UTF-8", col_name(*col))))?;
        if let Some(slot) = fields.get_mut(*col as usize) {
            *slot = Some(text);
        }
    }
    let get = |col: Col| fields.get(col as usize).copied().flatten().unwrap_or("");

    let id = get(Col::Id).trim().to_owned();
    if let Some(why) = id_problem(&id) {
        return Err(err(why.into()));
    }
    let list = match get(Col::List).trim() {
        "" => default_list,
        l => l.parse::<ListKind>().map_err(|e| err(e.to_string()))?,
    };
    let name = clean(get(Col::Name));
    let documents = documents(
        get(Col::DocumentNumber),
        get(Col::DocumentCountry),
        get(Col::DocumentType),
    )
    .map_err(err)?;
    let mut names = Vec::new();
    if name.is_empty() && list == ListKind::LostStolenDocument {
        // A document listed without its holder: the document must say which one it is.
        if documents.is_empty() {
            return Err(err(
                "name is empty and there is no document_number: a lost_stolen_document entry needs a name or a document".into(),
            ));
        }
        if let Some(d) = documents.iter().find(|d| d.country.is_none()) {
            return Err(err(format!(
                "document `{}` has no document_country: an entry without a name must give the issuing state of its documents",
                d.number
            )));
        }
        if !clean(get(Col::Aliases)).is_empty() {
            return Err(err("aliases are given but the name is empty".into()));
        }
    } else {
        if let Some(why) = name_problem(&name) {
            let hint = if name.is_empty() {
                "; only a lost_stolen_document entry may be listed by its document alone"
            } else {
                ""
            };
            return Err(err(format!("{why} (column `name`, list `{list}`){hint}")));
        }
        names.push(name);
    }
    for alias in get(Col::Aliases).split('|') {
        let alias = clean(alias);
        if alias.is_empty() {
            continue;
        }
        if let Some(why) = name_problem(&alias) {
            return Err(err(format!("alias `{alias}`: {why}")));
        }
        push_name(&mut names, alias);
    }
    let mut birth_dates = Vec::new();
    for d in split_list(get(Col::BirthDate)) {
        let date: PartialDate = d.parse().map_err(|e| err(format!("birth_date: {e}")))?;
        if !birth_dates.contains(&date) {
            birth_dates.push(date);
        }
    }
    let sex = match get(Col::Sex).trim() {
        "" => None,
        s => Some(s.parse::<Sex>().map_err(|e| err(format!("sex: {e}")))?),
    };
    let mut nationalities: Vec<String> = Vec::new();
    for code in split_list(get(Col::Nationality)) {
        let code = icao_code(code).map_err(|e| err(format!("nationality: {e}")))?;
        if !nationalities.iter().any(|n| n == code) {
            nationalities.push(code.to_owned());
        }
    }
    let reason = clean(get(Col::Reason));
    let action = match clean(get(Col::Action)) {
        a if a.is_empty() => default_action(list).to_owned(),
        a => a,
    };
    let face_template = match get(Col::FaceTemplate).trim() {
        "" => None,
        t => Some(face_template(t).map_err(|e| err(format!("face_template: {e}")))?),
    };
    Ok(WatchlistEntry {
        id,
        list,
        names,
        birth_dates,
        sex,
        nationalities,
        documents,
        reason,
        action,
        face_template,
    })
}

fn split_list(field: &str) -> impl Iterator<Item = &str> {
    field.split('|').map(str::trim).filter(|s| !s.is_empty())
}

fn icao_code(code: &str) -> Result<&'static str, String> {
    let upper = code.to_ascii_uppercase();
    country::icao_codes()
        .iter()
        .find(|c| **c == upper)
        .copied()
        .ok_or_else(|| {
            format!("unknown country code `{code}`; expected an ICAO 9303 code such as MNG, CHN, RUS or D")
        })
}

/// ICAO 9303 document codes: the first letter says what the document is (P passport, I identity
/// card, A and C other official travel documents, V visa), the optional second letter is the
/// issuing state's own subdivision (`PD` diplomatic passport, `ID`, `AC` crew member ...).
fn document_type(code: &str) -> Result<String, String> {
    let upper = code.to_ascii_uppercase();
    let mut chars = upper.chars();
    let first = chars.next();
    let second = chars.next();
    let ok = matches!(first, Some('P' | 'I' | 'A' | 'C' | 'V'))
        && second.is_none_or(|c| c.is_ascii_uppercase())
        && chars.next().is_none();
    if ok {
        Ok(upper)
    } else {
        Err(format!(
            "document_type `{code}` is not an ICAO 9303 document code (P, PD, I, ID, A, C, V ...)"
        ))
    }
}

fn documents(numbers: &str, countries: &str, types: &str) -> Result<Vec<DocumentRef>, String> {
    let numbers: Vec<&str> = split_list(numbers).collect();
    let countries: Vec<&str> = split_list(countries).collect();
    let types: Vec<&str> = split_list(types).collect();
    if numbers.is_empty() {
        if !countries.is_empty() {
            return Err("document_country is given without a document_number".into());
        }
        if !types.is_empty() {
            return Err("document_type is given without a document_number".into());
        }
        return Ok(Vec::new());
    }
    for (what, given) in [("countries", countries.len()), ("types", types.len())] {
        if given > 1 && given != numbers.len() {
            return Err(format!(
                "{} document numbers but {given} document {what}; give one, or one per number",
                numbers.len(),
            ));
        }
    }
    let mut docs = Vec::with_capacity(numbers.len());
    for (i, number) in numbers.iter().enumerate() {
        if number
            .chars()
            .any(|c| !(c.is_ascii_alphanumeric() || c == '-' || c == '/'))
        {
            return Err(format!(
                "document number `{number}` may hold only letters A-Z, digits, `-` and `/`"
            ));
        }
        let country = match countries.get(i).or(countries.first()) {
            None => None,
            Some(c) => Some(
                icao_code(c)
                    .map_err(|e| format!("document_country: {e}"))?
                    .to_owned(),
            ),
        };
        let kind = types
            .get(i)
            .or(types.first())
            .map(|t| document_type(t))
            .transpose()?;
        docs.push(DocumentRef {
            number: number.to_ascii_uppercase(),
            country,
            kind,
        });
    }
    Ok(docs)
}

fn face_template(text: &str) -> Result<Vec<f32>, String> {
    let mut out = Vec::new();
    for part in text
        .split(|c: char| c == '|' || c.is_whitespace())
        .filter(|p| !p.is_empty())
    {
        if out.len() >= MAX_FACE_TEMPLATE_DIMS {
            return Err(format!("more than {MAX_FACE_TEMPLATE_DIMS} numbers"));
        }
        let v: f32 = part
            .parse()
            .map_err(|_| format!("`{part}` is not a number"))?;
        if !v.is_finite() {
            return Err(format!("`{part}` is not a finite number"));
        }
        out.push(v);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEADER: &str = "id,list,name,aliases,birth_date,sex,nationality,document_number,document_country,reason,action\n";

    fn run(text: &str) -> Result<Imported, ImportError> {
        import(
            text.as_bytes(),
            ListKind::RefusedEntry,
            &ImportOptions::default(),
            None,
            &mut |_| {},
        )
    }

    fn line_of(text: &str) -> (Option<u64>, String) {
        let e = run(text).unwrap_err();
        (e.line(), e.to_string())
    }

    #[test]
    fn full_record_round_trips_every_column() {
        let text = format!(
            "{HEADER}r-1,wanted,Бат-Эрдэнэ Болд,Bat-Erdene Bold|Bat Erdene  Bold,1980-03|1981,M,mng|RUS,E1234567,MNG,fraud case 12,\n\
             r-2,,王小明,Wang Xiaoming,1975-02-28,F,CHN,G1|G2,CHN|HKG,,detain\n"
        );
        let got = run(&text).unwrap();
        assert_eq!(got.entries.len(), 2);
        let a = &got.entries[0];
        assert_eq!(a.id, "r-1");
        assert_eq!(a.list, ListKind::Wanted);
        assert_eq!(
            a.names,
            ["Бат-Эрдэнэ Болд", "Bat-Erdene Bold", "Bat Erdene Bold"]
        );
        assert_eq!(a.birth_dates.len(), 2);
        assert_eq!(a.birth_dates[0].to_string(), "1980-03");
        assert_eq!(a.sex, Some(Sex::Male));
        assert_eq!(a.nationalities, ["MNG", "RUS"]);
        assert_eq!(a.documents[0].country.as_deref(), Some("MNG"));
        assert_eq!(a.action, "arrest");
        let b = &got.entries[1];
        assert_eq!(
            b.list,
            ListKind::RefusedEntry,
            "empty list column uses the caller's list"
        );
        assert_eq!(b.documents.len(), 2);
        assert_eq!(b.documents[1].country.as_deref(), Some("HKG"));
        assert_eq!(b.action, "detain");
    }

    #[test]
    fn columns_may_be_reordered_or_omitted_and_face_templates_parse() {
        let got = run("name,id,face_template\nBold Bat,x,0.5 -1|2e-3\n").unwrap();
        let e = &got.entries[0];
        assert_eq!(e.face_template.as_deref(), Some(&[0.5, -1.0, 0.002][..]));
        assert_eq!(e.list, ListKind::RefusedEntry);
        assert_eq!(e.action, "refuse entry");
        let bom = run("\u{FEFF}id,name\nx,Bold\n").unwrap();
        assert_eq!(bom.entries.len(), 1);
    }

    #[test]
    fn malformed_records_fail_with_their_line() {
        let cases = [
            (
                format!("{HEADER}a,,Bold,,,,,,,,\nb,,,,,,,,,,\n"),
                3,
                "name is empty",
            ),
            (
                format!("{HEADER}a,,Bold,,,,ZZZ,,,,\n"),
                2,
                "unknown country code `ZZZ`",
            ),
            (format!("{HEADER}a,,Bold 😀,,,,,,,,\n"), 2, "emoji"),
            (format!("{HEADER}a,,Bold,,1980-13,,,,,,\n"), 2, "birth_date"),
            (format!("{HEADER}a,,Bold,,,Q,,,,,\n"), 2, "sex"),
            (format!("{HEADER}a,,Bold,,,,,,\n"), 2, "has 9 fields"),
            (format!("{HEADER}a,nope,Bold,,,,,,,,\n"), 2, "unknown list"),
            (
                format!("{HEADER}a,,Bold,,,,,,MNG,,\n"),
                2,
                "without a document_number",
            ),
            (
                format!("{HEADER}a,,A,,,,,,,,\nb,,\"B\nB\",,,,,,,,\na,,C,,,,,,,,\n"),
                5,
                "duplicate id `a` (first on line 2)",
            ),
            ("id,nom\n".to_owned(), 1, "unknown column `nom`"),
            ("name\nBold\n".to_owned(), 1, "no `id` column"),
        ];
        for (text, line, needle) in cases {
            let (got_line, msg) = line_of(&text);
            assert_eq!(got_line, Some(line), "{msg}");
            assert!(msg.contains(needle), "`{msg}` should mention `{needle}`");
        }
        assert!(run("").unwrap_err().to_string().contains("empty"));
    }

    #[test]
    fn lost_stolen_documents_may_have_no_name() {
        let text = "id,list,name,document_number,document_country,document_type\n\
                    sltd-1,lost_stolen_document,,e1234567,mng,p\n\
                    sltd-2,lost_stolen_document,,G1|K2,CHN|HKG,PD|I\n\
                    sltd-3,lost_stolen_document,Oyuna Dorj,LS1,MNG,\n";
        let got = run(text).unwrap();
        let a = &got.entries[0];
        assert!(a.names.is_empty());
        assert!(a.is_document_only());
        assert_eq!(a.action, "seize document");
        assert_eq!(
            a.documents,
            [DocumentRef {
                number: "E1234567".into(),
                country: Some("MNG".into()),
                kind: Some("P".into()),
            }]
        );
        let b = &got.entries[1];
        assert_eq!(b.documents[1].kind.as_deref(), Some("I"));
        assert_eq!(b.documents[1].country.as_deref(), Some("HKG"));
        let c = &got.entries[2];
        assert_eq!(c.names, ["Oyuna Dorj"]);
        assert_eq!(c.documents[0].kind, None);
        assert!(!c.is_document_only());

        // The list may come from `--list`, and the header may leave out `name` altogether.
        let got = import(
            "id,document_number,document_country\nx,P123,RUS\n".as_bytes(),
            ListKind::LostStolenDocument,
            &ImportOptions::default(),
            None,
            &mut |_| {},
        )
        .unwrap();
        assert!(got.entries[0].is_document_only());
    }

    #[test]
    fn the_example_in_format_md_imports() {
        let doc = include_str!("../FORMAT.md");
        let csv_block = doc
            .split("```\n")
            .nth(1)
            .expect("a code block in FORMAT.md");
        let got = run(csv_block).unwrap();
        assert_eq!(got.entries.len(), 3);
        assert_eq!(got.entries[1].documents[1].kind.as_deref(), Some("I"));
        assert!(got.entries[2].is_document_only());
    }

    #[test]
    fn other_lists_still_need_a_name_and_nameless_documents_a_state() {
        let head = "id,list,name,aliases,document_number,document_country,document_type\n";
        let cases = [
            (
                format!("{head}a,lost_stolen_document,,,P1,MNG,P\nb,wanted,,,E1,MNG,P\n"),
                3,
                "name is empty (column `name`, list `wanted`); only a lost_stolen_document entry",
            ),
            (format!("{head}a,alert,,,,,\n"), 2, "list `alert`"),
            (
                format!("{head}a,lost_stolen_document,,,,,\n"),
                2,
                "needs a name or a document",
            ),
            (
                format!("{head}a,lost_stolen_document,,,P1,,P\n"),
                2,
                "document `P1` has no document_country",
            ),
            (
                format!("{head}a,lost_stolen_document,,Bold,P1,MNG,\n"),
                2,
                "aliases are given but the name is empty",
            ),
            (
                format!("{head}a,lost_stolen_document,,,P1,MNG,passport\n"),
                2,
                "document_type `passport` is not an ICAO 9303 document code",
            ),
            (
                format!("{head}a,wanted,Bold,,,,P\n"),
                2,
                "document_type is given without a document_number",
            ),
            (
                format!("{head}a,wanted,Bold,,P1|P2|P3,MNG,P|I\n"),
                2,
                "3 document numbers but 2 document types",
            ),
        ];
        for (text, line, needle) in cases {
            let (got_line, msg) = line_of(&text);
            assert_eq!(got_line, Some(line), "{msg}");
            assert!(msg.contains(needle), "`{msg}` should mention `{needle}`");
        }
        // Without a `name` column, a record of another list fails with its line.
        let (line, msg) = line_of("id,list,document_number,document_country\na,wanted,E1,MNG\n");
        assert_eq!(line, Some(2));
        assert!(msg.contains("name is empty"), "{msg}");
    }

    #[test]
    fn invalid_utf8_and_huge_fields_are_errors() {
        let mut bytes = b"id,name\nx,Bo\xFFld\n".to_vec();
        let e = import(
            &bytes[..],
            ListKind::Alert,
            &ImportOptions::default(),
            None,
            &mut |_| {},
        )
        .unwrap_err();
        assert!(e.to_string().contains("not valid UTF-8"), "{e}");
        bytes = format!("id,name\nx,{}\n", "a".repeat(5000)).into_bytes();
        let e = import(
            &bytes[..],
            ListKind::Alert,
            &ImportOptions::default(),
            None,
            &mut |_| {},
        )
        .unwrap_err();
        assert!(
            matches!(e, ImportError::FieldTooLarge { line: 2, .. }),
            "{e}"
        );
        let opts = ImportOptions {
            max_record_bytes: 100,
            ..ImportOptions::default()
        };
        bytes = format!("id,name\nx,y\nz,\"{}\"\n", "a".repeat(500)).into_bytes();
        let e = import(&bytes[..], ListKind::Alert, &opts, None, &mut |_| {}).unwrap_err();
        assert!(
            matches!(e, ImportError::RecordTooLarge { line: 3, .. }),
            "{e}"
        );
    }

    #[test]
    fn progress_reaches_the_end() {
        let mut text = "id,name\n".to_owned();
        for i in 0..2000 {
            text.push_str(&format!("id{i},Name {i}x\n"));
        }
        let mut last = None;
        let mut calls = 0;
        let got = import(
            text.as_bytes(),
            ListKind::Alert,
            &ImportOptions::default(),
            Some(text.len() as u64),
            &mut |p| {
                calls += 1;
                last = Some(p);
            },
        )
        .unwrap();
        assert_eq!(got.entries.len(), 2000);
        let last = last.unwrap();
        assert_eq!(last.bytes_read, text.len() as u64);
        assert_eq!(last.records, 2000);
        assert!(calls > 2 && calls < 10, "{calls} calls");
    }
}
