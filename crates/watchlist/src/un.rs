//! UN Security Council consolidated list XML (`CONSOLIDATED_LIST` / `INDIVIDUALS` /
//! `INDIVIDUAL`, and `ENTITIES` / `ENTITY`), read in streaming mode: memory stays bounded by
//! one record whatever the file size.
//!
//! A record that parses as XML but lacks what an entry needs (a name, a reference number) is
//! skipped with a warning naming its line; broken XML fails the import, since nothing after the
//! damage can be trusted.

use std::collections::HashSet;
use std::io::BufRead;

use quick_xml::events::Event;

use crate::io::{Guarded, Tracker, Warnings};
use crate::text::{
    clean, document_number, drop_damaged_words, entity_name_problem, id_problem, name_problem,
    push_name, split_parenthesized,
};
use crate::{
    DocumentRef, ImportError, ImportOptions, Imported, ListKind, PartialDate, Progress, Sex,
    WatchlistEntry, country, default_action,
};

/// The id prefix of UN entries: `un:<REFERENCE_NUMBER>`.
pub const SOURCE: &str = "un";

const FILE: &str = "xml";
const MAX_DEPTH: usize = 32;
/// Widest BETWEEN range expanded into every year; wider ones keep their two ends.
const MAX_YEAR_SPAN: u16 = 10;

#[derive(Default)]
struct Alias {
    quality: String,
    name: String,
}

#[derive(Default)]
struct Dob {
    kind: String,
    date: String,
    year: String,
    from_year: String,
    to_year: String,
}

#[derive(Default)]
struct Doc {
    kind: String,
    number: String,
    issuing_country: String,
    country_of_issue: String,
}

#[derive(Default)]
struct Record {
    entity: bool,
    line: u64,
    name_parts: [String; 4],
    original_script: String,
    reference: String,
    data_id: String,
    list_type: String,
    gender: String,
    comments: String,
    nationalities: Vec<String>,
    aliases: Vec<Alias>,
    dobs: Vec<Dob>,
    docs: Vec<Doc>,
    alias: Option<Alias>,
    dob: Option<Dob>,
    doc: Option<Doc>,
}

/// Imports a UN consolidated list into `list`.
pub fn import(
    reader: impl BufRead,
    list: ListKind,
    options: &ImportOptions,
    total_bytes: Option<u64>,
    progress: &mut dyn FnMut(Progress),
) -> Result<Imported, ImportError> {
    let source = options.source.clone().unwrap_or_else(|| SOURCE.to_owned());
    let mut xml =
        quick_xml::Reader::from_reader(Guarded::new(reader, b'<', options.max_record_bytes));
    let mut tracker = Tracker::new(progress, total_bytes);
    let mut warnings = Warnings::new(FILE);
    let mut entries = Vec::new();
    let mut ids: HashSet<String> = HashSet::new();
    let mut skipped = 0u64;
    let mut stack: Vec<String> = Vec::new();
    let mut record: Option<Record> = None;
    let mut text = String::new();
    let mut root_checked = false;
    let mut buf = Vec::new();

    loop {
        buf.clear();
        let event = match xml.read_event_into(&mut buf) {
            Ok(e) => e,
            Err(e) => return Err(xml_error(&xml, options, e.to_string())),
        };
        let line = xml.get_ref().line();
        match event {
            Event::Start(ref e) | Event::Empty(ref e) => {
                let empty = matches!(event, Event::Empty(_));
                let name = String::from_utf8_lossy(e.local_name().as_ref()).into_owned();
                if !root_checked {
                    root_checked = true;
                    if name != "CONSOLIDATED_LIST" {
                        return Err(ImportError::Input {
                            file: FILE,
                            message: format!(
                                "root element is <{name}>, not <CONSOLIDATED_LIST>: not a UN consolidated list"
                            ),
                        });
                    }
                }
                if stack.len() >= MAX_DEPTH {
                    return Err(ImportError::Xml {
                        file: FILE,
                        line,
                        message: format!("elements nested deeper than {MAX_DEPTH}"),
                    });
                }
                text.clear();
                let parent = stack.last().map(String::as_str);
                let starts_record = record.is_none()
                    && matches!(name.as_str(), "INDIVIDUAL" | "ENTITY")
                    && matches!(parent, Some("INDIVIDUALS" | "ENTITIES"));
                if starts_record {
                    record = Some(Record {
                        entity: name == "ENTITY",
                        line,
                        ..Record::default()
                    });
                } else if let Some(r) = record.as_mut() {
                    match name.as_str() {
                        "INDIVIDUAL_ALIAS" | "ENTITY_ALIAS" | "ALIAS" => {
                            r.alias = Some(Alias::default())
                        }
                        "INDIVIDUAL_DATE_OF_BIRTH" => r.dob = Some(Dob::default()),
                        "INDIVIDUAL_DOCUMENT" => r.doc = Some(Doc::default()),
                        _ => {}
                    }
                }
                stack.push(name);
                if empty {
                    end_element(&mut stack, &mut record, &mut text, options, line)?;
                }
            }
            Event::Text(e) => {
                if record.is_some() {
                    let t = e
                        .unescape()
                        .map_err(|err| xml_error(&xml, options, err.to_string()))?;
                    append_text(&mut text, &t, &stack, options, line)?;
                }
            }
            Event::CData(e) => {
                if record.is_some() {
                    let t = String::from_utf8_lossy(&e);
                    append_text(&mut text, &t, &stack, options, line)?;
                }
            }
            Event::End(_) => {
                let finished = end_element(&mut stack, &mut record, &mut text, options, line)?;
                if let Some(r) = finished {
                    tracker.record(xml.get_ref().consumed());
                    match build_entry(r, list, &source, options, &mut warnings) {
                        Some(entry) => {
                            if ids.insert(entry.id.clone()) {
                                entries.push(entry);
                            } else {
                                warnings.push(
                                    Some(line),
                                    Some(&entry.id),
                                    "duplicate reference number; record skipped",
                                );
                                skipped += 1;
                            }
                        }
                        None => skipped += 1,
                    }
                }
            }
            Event::Eof => {
                if let Some(open) = stack.last() {
                    return Err(ImportError::Xml {
                        file: FILE,
                        line,
                        message: format!("file ends inside <{open}>"),
                    });
                }
                if !root_checked {
                    return Err(ImportError::Input {
                        file: FILE,
                        message: "no XML elements found: not a UN consolidated list".into(),
                    });
                }
                break;
            }
            Event::Comment(_) | Event::Decl(_) | Event::PI(_) | Event::DocType(_) => {}
        }
    }
    tracker.report(xml.get_ref().consumed());
    Ok(Imported {
        entries,
        warnings: warnings.finish(),
        records: tracker.records,
        skipped,
        source: Some(source),
    })
}

fn xml_error<R>(
    xml: &quick_xml::Reader<Guarded<R>>,
    options: &ImportOptions,
    message: String,
) -> ImportError {
    let guard = xml.get_ref();
    if guard.overflowed() {
        return ImportError::RecordTooLarge {
            file: FILE,
            line: guard.line(),
            max: options.max_record_bytes,
        };
    }
    ImportError::Xml {
        file: FILE,
        line: guard.line(),
        message,
    }
}

fn is_free_text(element: &str) -> bool {
    matches!(
        element,
        "COMMENTS1" | "NOTE" | "VALUE" | "STREET" | "ADDRESS"
    )
}

fn append_text(
    text: &mut String,
    more: &str,
    stack: &[String],
    options: &ImportOptions,
    line: u64,
) -> Result<(), ImportError> {
    let element = stack.last().map_or("", String::as_str);
    let max = if is_free_text(element) {
        options.max_text_bytes
    } else {
        options.max_field_bytes
    };
    let len = text.len().saturating_add(more.len());
    if len > max {
        return Err(ImportError::FieldTooLarge {
            file: FILE,
            line,
            field: element.to_owned(),
            len,
            max,
        });
    }
    text.push_str(more);
    Ok(())
}

/// Closes the innermost element, storing its text in the record; returns the record when the
/// element closed was the record itself.
fn end_element(
    stack: &mut Vec<String>,
    record: &mut Option<Record>,
    text: &mut String,
    _options: &ImportOptions,
    line: u64,
) -> Result<Option<Record>, ImportError> {
    let Some(name) = stack.pop() else {
        return Err(ImportError::Xml {
            file: FILE,
            line,
            message: "closing tag without an opening one".into(),
        });
    };
    let Some(r) = record.as_mut() else {
        text.clear();
        return Ok(None);
    };
    let parent = stack.last().map_or("", String::as_str);
    let value = std::mem::take(text).trim().to_owned();
    match (parent, name.as_str()) {
        (_, "INDIVIDUAL" | "ENTITY") if matches!(parent, "INDIVIDUALS" | "ENTITIES") => {
            return Ok(record.take());
        }
        ("INDIVIDUAL" | "ENTITY", "FIRST_NAME") => r.name_parts[0] = value,
        ("INDIVIDUAL" | "ENTITY", "SECOND_NAME") => r.name_parts[1] = value,
        ("INDIVIDUAL" | "ENTITY", "THIRD_NAME") => r.name_parts[2] = value,
        ("INDIVIDUAL" | "ENTITY", "FOURTH_NAME") => r.name_parts[3] = value,
        ("INDIVIDUAL" | "ENTITY", "NAME_ORIGINAL_SCRIPT") => r.original_script = value,
        ("INDIVIDUAL" | "ENTITY", "REFERENCE_NUMBER") => r.reference = value,
        ("INDIVIDUAL" | "ENTITY", "DATAID") => r.data_id = value,
        ("INDIVIDUAL" | "ENTITY", "UN_LIST_TYPE") => r.list_type = value,
        ("INDIVIDUAL" | "ENTITY", "GENDER") => r.gender = value,
        ("INDIVIDUAL" | "ENTITY", "COMMENTS1") => r.comments = value,
        ("NATIONALITY", "VALUE") => r.nationalities.push(value),
        (_, "QUALITY") => {
            if let Some(a) = r.alias.as_mut() {
                a.quality = value;
            }
        }
        (_, "ALIAS_NAME") => {
            if let Some(a) = r.alias.as_mut() {
                a.name = value;
            }
        }
        (_, "INDIVIDUAL_ALIAS" | "ENTITY_ALIAS" | "ALIAS") => {
            if let Some(a) = r.alias.take() {
                r.aliases.push(a);
            }
        }
        ("INDIVIDUAL_DATE_OF_BIRTH", field) => {
            if let Some(d) = r.dob.as_mut() {
                match field {
                    "TYPE_OF_DATE" => d.kind = value,
                    "DATE" => d.date = value,
                    "YEAR" => d.year = value,
                    "FROM_YEAR" => d.from_year = value,
                    "TO_YEAR" => d.to_year = value,
                    _ => {}
                }
            }
        }
        (_, "INDIVIDUAL_DATE_OF_BIRTH") => {
            if let Some(d) = r.dob.take() {
                r.dobs.push(d);
            }
        }
        ("INDIVIDUAL_DOCUMENT", field) => {
            if let Some(d) = r.doc.as_mut() {
                match field {
                    "TYPE_OF_DOCUMENT" => d.kind = value,
                    "NUMBER" => d.number = value,
                    "ISSUING_COUNTRY" => d.issuing_country = value,
                    "COUNTRY_OF_ISSUE" => d.country_of_issue = value,
                    _ => {}
                }
            }
        }
        (_, "INDIVIDUAL_DOCUMENT") => {
            if let Some(d) = r.doc.take() {
                r.docs.push(d);
            }
        }
        _ => {}
    }
    Ok(None)
}

fn year(s: &str) -> Option<u16> {
    let s = s.trim();
    if s.len() != 4 {
        return None;
    }
    s.parse::<PartialDate>().ok().map(|d| d.year)
}

/// Birth dates of one `INDIVIDUAL_DATE_OF_BIRTH`; `Err` names what did not parse.
fn dob_dates(d: &Dob) -> Result<Vec<PartialDate>, String> {
    let kind = d.kind.to_ascii_uppercase();
    if !d.date.is_empty() {
        // Dates are `YYYY-MM-DD`, sometimes with a time or offset appended.
        let date = d.date.get(..10).unwrap_or(&d.date);
        return date
            .parse::<PartialDate>()
            .map(|p| vec![p])
            .map_err(|e| format!("date of birth: {e}"));
    }
    if kind == "BETWEEN" || (!d.from_year.is_empty() && !d.to_year.is_empty()) {
        let (Some(from), Some(to)) = (year(&d.from_year), year(&d.to_year)) else {
            return Err(format!(
                "date of birth range `{}`..`{}` is not two years",
                d.from_year, d.to_year
            ));
        };
        let (from, to) = (from.min(to), from.max(to));
        if to - from <= MAX_YEAR_SPAN {
            return Ok((from..=to)
                .map(|year| PartialDate {
                    year,
                    month: None,
                    day: None,
                })
                .collect());
        }
        return Ok(vec![
            PartialDate {
                year: from,
                month: None,
                day: None,
            },
            PartialDate {
                year: to,
                month: None,
                day: None,
            },
        ]);
    }
    if !d.year.is_empty() {
        return year(&d.year)
            .map(|year| {
                vec![PartialDate {
                    year,
                    month: None,
                    day: None,
                }]
            })
            .ok_or_else(|| format!("date of birth year `{}` is not a year", d.year));
    }
    // Only a NOTE, or nothing: no date to screen with.
    Ok(Vec::new())
}

fn is_travel_document(kind: &str) -> bool {
    let k = kind.to_lowercase();
    ["passport", "passeport", "pasaporte", "travel", "laissez"]
        .iter()
        .any(|w| k.contains(w))
}

fn build_entry(
    r: Record,
    list: ListKind,
    source: &str,
    options: &ImportOptions,
    warnings: &mut Warnings,
) -> Option<WatchlistEntry> {
    let line = Some(r.line);
    if r.entity && !options.include_non_persons {
        return None;
    }
    let reference = if r.reference.is_empty() {
        &r.data_id
    } else {
        &r.reference
    };
    if let Some(why) = id_problem(reference) {
        warnings.push(
            line,
            None,
            format!("reference number: {why}; record skipped"),
        );
        return None;
    }
    let id = format!("{source}:{reference}");
    let name = clean(
        &r.name_parts
            .iter()
            .filter(|p| !p.is_empty())
            .cloned()
            .collect::<Vec<_>>()
            .join(" "),
    );
    let check = |n: &str| {
        if r.entity {
            entity_name_problem(n)
        } else {
            name_problem(n)
        }
    };
    if let Some(why) = check(&name) {
        warnings.push(line, Some(&id), format!("{why}; record skipped"));
        return None;
    }
    let mut names = vec![name];
    let mut notes: Vec<String> = Vec::new();
    let mut original = clean(&r.original_script);
    if let Some(repaired) = drop_damaged_words(&original) {
        warnings.push(
            line,
            Some(&id),
            format!(
                "original-script name `{original}` has undecodable characters; kept as `{repaired}`"
            ),
        );
        original = repaired;
    }
    if !original.is_empty() {
        match check(&original) {
            None => push_name(&mut names, original),
            Some(why) => warnings.push(
                line,
                Some(&id),
                format!("original-script name left out: {why}"),
            ),
        }
    }
    let mut weak = Vec::new();
    for a in &r.aliases {
        let alias = clean(&a.name);
        if alias.is_empty() {
            continue;
        }
        for alias in split_parenthesized(&alias) {
            if let Some(why) = check(&alias) {
                warnings.push(line, Some(&id), format!("alias `{alias}` left out: {why}"));
                continue;
            }
            if a.quality.eq_ignore_ascii_case("low") && !options.include_low_quality_aliases {
                weak.push(alias);
            } else {
                push_name(&mut names, alias);
            }
        }
    }
    if !weak.is_empty() {
        notes.push(format!("low-quality aliases: {}", weak.join("; ")));
    }
    let mut birth_dates = Vec::new();
    for d in &r.dobs {
        match dob_dates(d) {
            Ok(dates) => {
                for date in dates {
                    if !birth_dates.contains(&date) {
                        birth_dates.push(date);
                    }
                }
            }
            Err(e) => warnings.push(line, Some(&id), e),
        }
    }
    let sex = match r.gender.as_str() {
        "" => None,
        g => match g.parse::<Sex>() {
            Ok(s) => Some(s),
            Err(e) => {
                warnings.push(line, Some(&id), format!("gender: {e}"));
                None
            }
        },
    };
    let mut unknown = Vec::new();
    let mut nationalities: Vec<String> = Vec::new();
    for n in &r.nationalities {
        let n = clean(n);
        if n.is_empty() || n.eq_ignore_ascii_case("na") || n.eq_ignore_ascii_case("n/a") {
            continue;
        }
        match country::country_code(&n) {
            Some(code) => {
                if !nationalities.iter().any(|x| x == code) {
                    nationalities.push(code.to_owned());
                }
            }
            None => unknown.push(n),
        }
    }
    let mut documents = Vec::new();
    let mut other_docs = Vec::new();
    for d in &r.docs {
        let country_name = clean(if d.issuing_country.is_empty() {
            &d.country_of_issue
        } else {
            &d.issuing_country
        });
        let country = if country_name.is_empty() {
            None
        } else {
            let code = country::country_code(&country_name);
            if code.is_none() {
                unknown.push(country_name.clone());
            }
            code.map(str::to_owned)
        };
        let number = document_number(&d.number);
        match number {
            Some(number) if is_travel_document(&d.kind) => {
                let doc = DocumentRef {
                    number,
                    country,
                    kind: None,
                };
                if !documents.contains(&doc) {
                    documents.push(doc);
                }
            }
            _ if !d.number.is_empty() => {
                let kind = if d.kind.is_empty() {
                    "document"
                } else {
                    d.kind.as_str()
                };
                other_docs.push(format!("{kind} {}", clean(&d.number)));
            }
            _ => {}
        }
    }
    unknown.dedup();
    for u in &unknown {
        warnings.push(
            line,
            Some(&id),
            format!("unrecognised country `{u}` kept in the reason"),
        );
    }
    if !unknown.is_empty() {
        notes.push(format!("unrecognised countries: {}", unknown.join(", ")));
    }
    if !other_docs.is_empty() {
        notes.push(format!("other documents: {}", other_docs.join("; ")));
    }
    let mut reason = format!("UN {} {}", r.list_type, reference).replace("  ", " ");
    if r.entity {
        reason.push_str(" entity");
    }
    for n in notes {
        reason.push_str("; ");
        reason.push_str(&n);
    }
    let comments = clean(&r.comments);
    if !comments.is_empty() {
        reason.push_str("; ");
        reason.push_str(&comments);
    }
    Some(WatchlistEntry {
        id,
        list,
        names,
        birth_dates,
        sex,
        nationalities,
        documents,
        reason,
        action: default_action(list).to_owned(),
        face_template: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(xml: &str, options: &ImportOptions) -> Result<Imported, ImportError> {
        import(
            xml.as_bytes(),
            ListKind::RefusedEntry,
            options,
            None,
            &mut |_| {},
        )
    }

    const SAMPLE: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<CONSOLIDATED_LIST dateGenerated="2026-02-27">
  <INDIVIDUALS>
    <INDIVIDUAL>
      <DATAID>1</DATAID>
      <FIRST_NAME>SADDAM</FIRST_NAME>
      <SECOND_NAME>HUSSEIN</SECOND_NAME>
      <THIRD_NAME>AL-TIKRITI</THIRD_NAME>
      <UN_LIST_TYPE>Iraq</UN_LIST_TYPE>
      <REFERENCE_NUMBER>IQi.001</REFERENCE_NUMBER>
      <NAME_ORIGINAL_SCRIPT>صدام حسين التكريتي</NAME_ORIGINAL_SCRIPT>
      <GENDER>Male</GENDER>
      <COMMENTS1>Tom &amp; Jerry</COMMENTS1>
      <NATIONALITY><VALUE>Iraq</VALUE><VALUE>former Soviet Union</VALUE></NATIONALITY>
      <INDIVIDUAL_ALIAS><QUALITY>Good</QUALITY><ALIAS_NAME>Abu Ali</ALIAS_NAME></INDIVIDUAL_ALIAS>
      <INDIVIDUAL_ALIAS><QUALITY>Low</QUALITY><ALIAS_NAME>Abu Weak</ALIAS_NAME></INDIVIDUAL_ALIAS>
      <INDIVIDUAL_ALIAS><QUALITY/><ALIAS_NAME/></INDIVIDUAL_ALIAS>
      <INDIVIDUAL_DATE_OF_BIRTH><TYPE_OF_DATE>EXACT</TYPE_OF_DATE><DATE>1937-04-28</DATE></INDIVIDUAL_DATE_OF_BIRTH>
      <INDIVIDUAL_DATE_OF_BIRTH><TYPE_OF_DATE>APPROXIMATELY</TYPE_OF_DATE><YEAR>1938</YEAR></INDIVIDUAL_DATE_OF_BIRTH>
      <INDIVIDUAL_DATE_OF_BIRTH><TYPE_OF_DATE>BETWEEN</TYPE_OF_DATE><FROM_YEAR>1940</FROM_YEAR><TO_YEAR>1942</TO_YEAR></INDIVIDUAL_DATE_OF_BIRTH>
      <INDIVIDUAL_DOCUMENT><TYPE_OF_DOCUMENT>Passport</TYPE_OF_DOCUMENT><NUMBER>OB 0243318</NUMBER><ISSUING_COUNTRY>Iraq</ISSUING_COUNTRY></INDIVIDUAL_DOCUMENT>
      <INDIVIDUAL_DOCUMENT><TYPE_OF_DOCUMENT>National Identification Number</TYPE_OF_DOCUMENT><NUMBER>123456</NUMBER></INDIVIDUAL_DOCUMENT>
      <INDIVIDUAL_DOCUMENT/>
    </INDIVIDUAL>
    <INDIVIDUAL>
      <FIRST_NAME></FIRST_NAME>
      <REFERENCE_NUMBER>X.2</REFERENCE_NUMBER>
    </INDIVIDUAL>
  </INDIVIDUALS>
  <ENTITIES>
    <ENTITY>
      <FIRST_NAME>ACME FRONT</FIRST_NAME>
      <REFERENCE_NUMBER>QDe.1</REFERENCE_NUMBER>
      <ENTITY_ALIAS><QUALITY>Good</QUALITY><ALIAS_NAME>ACME</ALIAS_NAME></ENTITY_ALIAS>
    </ENTITY>
  </ENTITIES>
</CONSOLIDATED_LIST>
"#;

    #[test]
    fn individuals_carry_every_identifying_field() {
        let got = run(SAMPLE, &ImportOptions::default()).unwrap();
        assert_eq!(got.entries.len(), 1);
        assert_eq!(got.records, 3);
        assert_eq!(got.skipped, 2, "nameless individual and the entity");
        let e = &got.entries[0];
        assert_eq!(e.id, "un:IQi.001");
        assert_eq!(
            e.names,
            ["SADDAM HUSSEIN AL-TIKRITI", "صدام حسين التكريتي", "Abu Ali"]
        );
        assert_eq!(
            e.birth_dates
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>(),
            ["1937-04-28", "1938", "1940", "1941", "1942"]
        );
        assert_eq!(e.sex, Some(Sex::Male));
        assert_eq!(e.nationalities, ["IRQ"]);
        assert_eq!(
            e.documents,
            [DocumentRef {
                number: "OB0243318".into(),
                country: Some("IRQ".into()),
                kind: None,
            }]
        );
        assert!(
            e.reason.contains("low-quality aliases: Abu Weak"),
            "{}",
            e.reason
        );
        assert!(
            e.reason
                .contains("unrecognised countries: former Soviet Union")
        );
        assert!(e.reason.contains("National Identification Number 123456"));
        assert!(e.reason.ends_with("Tom & Jerry"));
        let nameless = got
            .warnings
            .iter()
            .find(|w| w.id.as_deref() == Some("un:X.2"))
            .unwrap();
        assert_eq!(nameless.line, Some(25));
        assert!(nameless.message.contains("name is empty"));
    }

    #[test]
    fn entities_and_weak_aliases_on_request() {
        let opts = ImportOptions {
            include_non_persons: true,
            include_low_quality_aliases: true,
            ..ImportOptions::default()
        };
        let got = run(SAMPLE, &opts).unwrap();
        assert_eq!(got.entries.len(), 2);
        assert!(got.entries[0].names.contains(&"Abu Weak".to_owned()));
        assert_eq!(got.entries[1].names, ["ACME FRONT", "ACME"]);
        assert_eq!(got.entries[1].id, "un:QDe.1");
    }

    #[test]
    fn broken_xml_fails_with_its_line() {
        let bad = "<CONSOLIDATED_LIST>\n<INDIVIDUALS>\n<INDIVIDUAL>\n<FIRST_NAME>A</SECOND_NAME>\n";
        let e = run(bad, &ImportOptions::default()).unwrap_err();
        assert!(matches!(e, ImportError::Xml { line: 4, .. }), "{e}");
        let truncated = "<CONSOLIDATED_LIST>\n<INDIVIDUALS>\n<INDIVIDUAL>\n";
        let e = run(truncated, &ImportOptions::default()).unwrap_err();
        assert!(e.to_string().contains("ends inside <INDIVIDUAL>"), "{e}");
        let e = run("<html></html>", &ImportOptions::default()).unwrap_err();
        assert!(e.to_string().contains("not a UN consolidated list"), "{e}");
        let e = run("", &ImportOptions::default()).unwrap_err();
        assert!(e.to_string().contains("no XML elements"), "{e}");
        let huge = format!(
            "<CONSOLIDATED_LIST><INDIVIDUALS><INDIVIDUAL>\n<FIRST_NAME>{}</FIRST_NAME></INDIVIDUAL></INDIVIDUALS></CONSOLIDATED_LIST>",
            "A".repeat(5000)
        );
        let e = run(&huge, &ImportOptions::default()).unwrap_err();
        assert!(
            matches!(&e, ImportError::FieldTooLarge { line: 2, field, .. } if field == "FIRST_NAME"),
            "{e}"
        );
        let deep = format!("<CONSOLIDATED_LIST>{}", "<a>".repeat(100));
        assert!(
            run(&deep, &ImportOptions::default())
                .unwrap_err()
                .to_string()
                .contains("nested")
        );
    }
}
