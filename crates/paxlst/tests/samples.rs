//! The shared PAXLST samples (never copied; see the data README) read as their files say:
//! - `ediclean_original_*.txt`: interchanges inside teletype envelopes (CRLF, 69-column
//!   wrapping) must read exactly as their cleaned `ediclean_reference_*.edi`;
//! - every ediclean interchange has a UNT count that disagrees with its message (the README
//!   calls them negative tests for envelope validation): the error names UNT, the persons are
//!   still read;
//! - `synthetic_minimal_passenger_list.edi` is a sound passenger list: no error at all.
//!
//! Each file is its own trial; the expected persons are written out below.

use std::path::Path;

use guomen_paxlst::{Interchange, ListType, parse};
use guomen_testkit::{Failed, Trial, data_trials, run};

/// (file stem letter or name, journey, persons as (surname, given names, sex, birth, document,
/// expiry, issuing state, nationality, seat)).
type Row = (
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
);

fn expected(file: &str) -> Option<(&'static str, Vec<Row>, bool)> {
    let a = vec![(
        "DJEMFISJER",
        "REDJAE",
        "M",
        "1993-04-08",
        "3DEJ2ED3E",
        "2028-09-07",
        "LIM",
        "ABC",
        "9F",
    )];
    let b = vec![(
        "AERWDEDE",
        "FERDE H",
        "F",
        "1983-02-12",
        "FER342423",
        "2028-07-27",
        "AUT",
        "AUT",
        "2A",
    )];
    let c = vec![
        (
            "MULLERSFER",
            "ERWED",
            "F",
            "2015-12-04",
            "756178630",
            "2027-10-12",
            "AUT",
            "AUT",
            "17B",
        ),
        (
            "MULLERSFER",
            "MAAUTIA",
            "F",
            "2013-05-23",
            "736393519",
            "2024-10-30",
            "AUT",
            "AUT",
            "17A",
        ),
        (
            "RDEERF",
            "EERFRWDTF",
            "M",
            "1959-06-10",
            "730087856",
            "2023-01-21",
            "AUT",
            "AUT",
            "17C",
        ),
    ];
    let synth = vec![(
        "ERIKSSON",
        "ANNA MARIA",
        "F",
        "1974-08-12",
        "L898902C3",
        "2012-04-15",
        "UTO",
        "UTO",
        "",
    )];
    Some(match file {
        f if f.ends_with("_A.txt") || f.ends_with("_A.edi") => ("A92707", a, true),
        f if f.ends_with("_B.txt") || f.ends_with("_B.edi") => ("B2740", b, true),
        f if f.ends_with("_C.txt") || f.ends_with("_C.edi") => ("B2740", c, true),
        "synthetic_minimal_passenger_list.edi" => ("K3", synth, false),
        _ => return None,
    })
}

fn read(path: &Path) -> Result<Interchange, Failed> {
    let bytes = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
    parse(&String::from_utf8_lossy(&bytes)).map_err(|e| format!("{}: {e}", path.display()).into())
}

fn check(path: &Path, file: &str) -> Result<(), Failed> {
    let (journey, persons, unt_wrong) =
        expected(file).ok_or_else(|| format!("no expectation for {file}"))?;
    let ic = read(path)?;
    if ic.messages.len() != 1 {
        return Err(format!(
            "{} messages, want 1; errors {:?}",
            ic.messages.len(),
            ic.errors
        )
        .into());
    }
    let m = &ic.messages[0];
    if m.kind != ListType::PassengerList {
        return Err("not a passenger list".into());
    }
    if m.transport.journey.as_deref() != Some(journey) {
        return Err(format!("journey {:?}, want {journey}", m.transport.journey).into());
    }
    let unt_errors = ic.errors.iter().filter(|e| e.tag == "UNT").count();
    if unt_wrong && unt_errors != 1 {
        return Err(format!("want one UNT error, got {:?}", ic.errors).into());
    }
    if !unt_wrong && !ic.errors.is_empty() {
        return Err(format!("want no error, got {:?}", ic.errors).into());
    }
    if ic
        .errors
        .iter()
        .any(|e| !["UNT", "CNT"].contains(&e.tag.as_str()))
    {
        return Err(format!("unexpected errors {:?}", ic.errors).into());
    }
    if m.persons.len() != persons.len() {
        return Err(format!("{} persons, want {}", m.persons.len(), persons.len()).into());
    }
    for (p, want) in m.persons.iter().zip(&persons) {
        let doc = p.documents.first().ok_or("no document")?;
        let got = (
            p.surname.as_str(),
            p.given_names.as_str(),
            p.sex.as_deref().unwrap_or(""),
            p.birth_date.map(|d| d.to_string()).unwrap_or_default(),
            doc.number.as_str(),
            doc.expiry.map(|d| d.to_string()).unwrap_or_default(),
            doc.issuing_state.as_deref().unwrap_or(""),
            p.nationality.as_deref().unwrap_or(""),
            p.seat.as_deref().unwrap_or(""),
        );
        let want_s = (
            want.0,
            want.1,
            want.2,
            want.3.to_string(),
            want.4,
            want.5.to_string(),
            want.6,
            want.7,
            want.8,
        );
        if got != want_s {
            return Err(format!("person {got:?}, want {want_s:?}").into());
        }
    }
    if let Some(letter) = file
        .strip_prefix("ediclean_original_")
        .and_then(|f| f.strip_suffix(".txt"))
    {
        let reference = path.with_file_name(format!("ediclean_reference_{letter}.edi"));
        let cleaned = read(&reference)?;
        if cleaned.messages != ic.messages {
            return Err(
                "the teletype original reads differently from its cleaned reference".into(),
            );
        }
        let codes = |i: &Interchange| {
            i.errors
                .iter()
                .map(|e| (e.tag.clone(), e.message.clone()))
                .collect::<Vec<_>>()
        };
        if codes(&cleaned) != codes(&ic) {
            return Err(format!("errors differ: {:?} vs {:?}", ic.errors, cleaned.errors).into());
        }
    }
    Ok(())
}

fn main() {
    let trials = data_trials("paxlst", |dir| {
        let mut files: Vec<_> = std::fs::read_dir(dir)
            .map(|rd| rd.filter_map(|e| e.ok()).map(|e| e.path()).collect())
            .unwrap_or_default();
        files.sort();
        files
            .into_iter()
            .filter_map(|path| {
                let file = path.file_name()?.to_str()?.to_string();
                if !(file.ends_with(".edi") || file.starts_with("ediclean_original_")) {
                    return None;
                }
                Some(Trial::test(format!("paxlst:{file}"), move || {
                    check(&path, &file)
                }))
            })
            .collect()
    });
    run(trials)
}
