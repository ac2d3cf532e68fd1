//! Imports the real OFAC and UN samples from the shared test data (ignored when absent).

use std::fs::File;
use std::io::{BufReader, Read};
use std::path::Path;

use guomen_testkit::{Failed, Trial, data_trials, run};
use guomen_watchlist::{
    DocumentRef, Format, ImportInput, ImportOptions, Imported, ListKind, PartialDate, Sex,
    WatchlistEntry, diff, import,
};

fn open(path: &Path) -> Result<BufReader<File>, Failed> {
    File::open(path)
        .map(BufReader::new)
        .map_err(|e| format!("{}: {e}", path.display()).into())
}

fn ofac(dir: &Path, prim: &str, alt: &str, options: ImportOptions) -> Result<Imported, Failed> {
    let input = ImportInput::new(open(&dir.join(prim))?)
        .with_alt(open(&dir.join(alt))?)
        .with_options(options);
    Ok(import(
        Format::OfacSdn,
        input,
        ListKind::Wanted,
        &mut |_| {},
    )?)
}

fn find<'a>(got: &'a Imported, id: &str) -> Result<&'a WatchlistEntry, Failed> {
    got.entries
        .iter()
        .find(|e| e.id == id)
        .ok_or_else(|| format!("{id} missing").into())
}

fn check(cond: bool, what: impl Into<String>) -> Result<(), Failed> {
    if cond {
        Ok(())
    } else {
        Err(what.into().into())
    }
}

fn ofac_sdn_sample(dir: &Path) -> Result<(), Failed> {
    let persons = ofac(dir, "sdn.csv", "alt.csv", ImportOptions::default())?;
    check(
        persons.entries.len() == 4620,
        format!("{} individuals, expected 4620", persons.entries.len()),
    )?;
    check(
        persons
            .entries
            .iter()
            .all(|e| !e.names.is_empty() && e.id.starts_with("ofac:")),
        "every entry has a name and an ofac: id",
    )?;

    let all = ofac(
        dir,
        "sdn.csv",
        "alt.csv",
        ImportOptions {
            include_non_persons: true,
            ..ImportOptions::default()
        },
    )?;
    check(
        all.entries.len() == 8976,
        format!(
            "{} entries, expected 8976: {:?}",
            all.entries.len(),
            all.warnings
                .iter()
                .filter(|w| w.message.contains("skipped"))
                .collect::<Vec<_>>()
        ),
    )?;
    check(
        all.records == 8976 + 11910,
        format!("{} records", all.records),
    )?;
    // Every one of the 11,910 alt.csv names is attached to its entry.
    let mut alt = String::new();
    File::open(dir.join("alt.csv"))?.read_to_string(&mut alt)?;
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(alt.trim_end_matches('\u{1a}').as_bytes());
    let mut attached = 0;
    for row in rdr.records() {
        let row = row?;
        let (Some(ent), Some(name)) = (row.get(0), row.get(3)) else {
            continue;
        };
        let entry = find(&all, &format!("ofac:{}", ent.trim()))?;
        let name = name.split_whitespace().collect::<Vec<_>>().join(" ");
        check(
            entry.names.contains(&name),
            format!("alias {name} not on ofac:{ent}"),
        )?;
        attached += 1;
    }
    check(
        attached == 11910,
        format!("{attached} aliases attached, expected 11910"),
    )?;

    // Spot checks against the remarks as published.
    // KOLBAYEV, Kamchybek Asanbekovich: DOB 03 Aug 1974; alt. DOB 01 Jan 1973; nationality
    // Kyrgyzstan; Gender Male; Passport AC2499982 (Kyrgyzstan); alt. Passport AC732709 (Kyrgyzstan)
    let e = find(&persons, "ofac:12625")?;
    check(
        e.names
            .iter()
            .any(|n| n == "Kamchybek Asanbekovich KOLBAYEV"),
        "reordered name",
    )?;
    check(e.names.len() > 3, format!("aliases: {:?}", e.names))?;
    check(
        e.birth_dates == [PartialDate::full(1974, 8, 3), PartialDate::full(1973, 1, 1)],
        format!("{:?}", e.birth_dates),
    )?;
    check(e.nationalities == ["KGZ"], format!("{:?}", e.nationalities))?;
    check(e.sex == Some(Sex::Male), "sex")?;
    let kgz = |n: &str| DocumentRef {
        number: n.into(),
        country: Some("KGZ".into()),
        kind: None,
    };
    check(
        e.documents == [kgz("AC2499982"), kgz("AC732709")],
        format!("{:?}", e.documents),
    )?;
    // AL-ASSAD, Maher: Diplomatic Passport 4138 (Syria)
    let e = find(&persons, "ofac:12725")?;
    check(
        e.documents
            == [DocumentRef {
                number: "4138".into(),
                country: Some("SYR".into()),
                kind: None,
            }],
        format!("{:?}", e.documents),
    )?;
    check(
        e.birth_dates == [PartialDate::full(1967, 12, 8)],
        "Maher al-Assad DOB",
    )?;

    let with_passport = persons
        .entries
        .iter()
        .filter(|e| !e.documents.is_empty())
        .count();
    check(
        with_passport > 1000,
        format!("only {with_passport} entries with passports"),
    )?;
    let with_dob = persons
        .entries
        .iter()
        .filter(|e| !e.birth_dates.is_empty())
        .count();
    check(
        with_dob > 4300,
        format!("only {with_dob} entries with a birth date"),
    )?;
    let with_nat = persons
        .entries
        .iter()
        .filter(|e| !e.nationalities.is_empty())
        .count();
    check(
        with_nat > 2500,
        format!("only {with_nat} entries with a nationality"),
    )?;
    let iran_passport = persons.entries.iter().any(|e| {
        e.documents.iter().any(|d| {
            *d == DocumentRef {
                number: "B30739118".into(),
                country: Some("IRN".into()),
                kind: None,
            }
        })
    });
    check(iran_passport, "Passport B30739118 (Iran) parsed")?;
    let unknown: Vec<_> = persons
        .warnings
        .iter()
        .filter(|w| w.message.contains("unrecognised country"))
        .collect();
    check(unknown.len() < 5, format!("unknown countries: {unknown:?}"))?;
    Ok(())
}

fn ofac_cons_sample(dir: &Path) -> Result<(), Failed> {
    let got = ofac(
        dir,
        "cons_prim.csv",
        "cons_alt.csv",
        ImportOptions {
            source: Some("ofac-cons".into()),
            ..ImportOptions::default()
        },
    )?;
    check(!got.entries.is_empty(), "no individuals")?;
    check(
        got.entries.iter().all(|e| e.id.starts_with("ofac-cons:")),
        "source prefix",
    )?;
    let e = find(&got, "ofac-cons:9639")?; // HANIYA, Ismail Abdul Salah: DOB 1962
    check(
        e.names.iter().any(|n| n == "HANIYYA, Ismaeel"),
        "alias attached",
    )?;
    check(
        e.birth_dates.first().map(|d| d.year) == Some(1962),
        "DOB 1962",
    )?;
    Ok(())
}

fn un_sample(path: &Path) -> Result<(), Failed> {
    let size = std::fs::metadata(path)?.len();
    let mut last = None;
    let input = ImportInput::new(open(path)?).with_total_bytes(size);
    let got = import(Format::UnXml, input, ListKind::Wanted, &mut |p| {
        last = Some(p)
    })?;
    check(
        got.entries.len() == 730,
        format!("{} individuals, expected 730", got.entries.len()),
    )?;
    let last = last.ok_or("no progress reported")?;
    check(
        last.bytes_read == size && last.records == 730 + 273,
        format!("{last:?}"),
    )?;
    let original = got
        .entries
        .iter()
        .filter(|e| {
            e.names
                .get(1)
                .is_some_and(|n| n.chars().any(|c| c.is_alphabetic() && u32::from(c) > 0x24F))
        })
        .count();
    // 336 individuals have NAME_ORIGINAL_SCRIPT (Arabic, Cyrillic, Han, Hangul), which comes
    // right after the primary name; TAi.068's has two U+FFFD (damage in the published file)
    // and keeps its undamaged words.
    check(
        original == 336,
        format!(
            "{original} entries with original-script names, expected 336; {:?}",
            got.warnings
                .iter()
                .filter(|w| w.message.contains("original"))
                .collect::<Vec<_>>()
        ),
    )?;
    // An alias written `Jin Tiesan (金铁三)` gives both forms.
    let jin = find(&got, "un:KPi.035")?;
    check(
        jin.names.iter().any(|n| n == "金铁三") && jin.names.iter().any(|n| n == "Jin Tiesan"),
        format!("{:?}", jin.names),
    )?;
    let e = find(&got, "un:IQi.001")?;
    check(
        e.names.iter().any(|n| n == "صدام حسين التكريتي"),
        format!("{:?}", e.names),
    )?;
    check(e.nationalities == ["IRQ"], format!("{:?}", e.nationalities))?;
    let with_dob = got
        .entries
        .iter()
        .filter(|e| !e.birth_dates.is_empty())
        .count();
    check(with_dob > 650, format!("{with_dob} with birth dates"))?;
    let with_doc = got
        .entries
        .iter()
        .filter(|e| !e.documents.is_empty())
        .count();
    check(with_doc > 150, format!("{with_doc} with documents"))?;
    check(
        got.entries
            .iter()
            .filter(|e| e.nationalities.contains(&"PRK".to_owned()))
            .count()
            == 79,
        "79 DPRK nationals",
    )?;

    let all = import(
        Format::UnXml,
        ImportInput::new(open(path)?).with_options(ImportOptions {
            include_non_persons: true,
            ..ImportOptions::default()
        }),
        ListKind::Wanted,
        &mut |_| {},
    )?;
    check(
        all.entries.len() == 730 + 273,
        format!("{} with entities", all.entries.len()),
    )?;

    // Re-importing the same file changes nothing; dropping one and editing one show up.
    let d = diff(&got.entries, &got.entries, ListKind::Wanted);
    check(d.is_empty() && d.unchanged == 730, "re-import is a no-op")?;
    let mut next = got.entries.clone();
    let removed = next.remove(0).id;
    if let Some(e) = next.first_mut() {
        e.reason.push_str(" (amended)");
    }
    let d = diff(&got.entries, &next, ListKind::Wanted);
    check(
        d.removed == [removed] && d.updated.len() == 1 && d.unchanged == 728 && d.added.is_empty(),
        format!("{:?} {} {}", d.removed, d.updated.len(), d.unchanged),
    )?;
    Ok(())
}

fn main() {
    let mut trials = Vec::new();
    trials.extend(data_trials("screening/ofac_sdn_2021-07/sdn.csv", |p| {
        let dir = p.parent().map(Path::to_path_buf).unwrap_or_default();
        vec![Trial::test("ofac_sdn_2021_07_imports", move || {
            ofac_sdn_sample(&dir)
        })]
    }));
    trials.extend(data_trials(
        "screening/ofac_cons_nonsdn_2025-12/cons_prim.csv",
        |p| {
            let dir = p.parent().map(Path::to_path_buf).unwrap_or_default();
            vec![Trial::test("ofac_cons_nonsdn_imports", move || {
                ofac_cons_sample(&dir)
            })]
        },
    ));
    trials.extend(data_trials(
        "screening/un_consolidated_2026-02-27.xml",
        |p| {
            let path = p.to_path_buf();
            vec![Trial::test("un_consolidated_imports", move || {
                un_sample(&path)
            })]
        },
    ));
    run(trials)
}
