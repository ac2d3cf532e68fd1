//! Lost or stolen documents listed without any name (`WatchlistEntry::is_document_only`):
//! found by the document, exactly or up to OCR look-alikes, never by a name, and explained.
//! Every number and name is invented.

use guomen_screen::{DocumentRef, Index, ListKind, Query, Verdict, WatchlistEntry};

fn entry(id: &str, list: ListKind, names: &[&str], docs: &[(&str, &str, &str)]) -> WatchlistEntry {
    WatchlistEntry {
        id: id.to_owned(),
        list,
        names: names.iter().map(|s| (*s).to_owned()).collect(),
        birth_dates: vec![],
        sex: None,
        nationalities: vec![],
        documents: docs
            .iter()
            .map(|(n, c, k)| DocumentRef {
                number: (*n).to_owned(),
                country: Some((*c).to_owned()),
                kind: Some((*k).to_owned()),
            })
            .collect(),
        reason: "reported stolen".into(),
        action: "seize document".into(),
        face_template: None,
    }
}

fn index() -> Index {
    let sltd = entry(
        "sltd-1",
        ListKind::LostStolenDocument,
        &[],
        &[("E0815B5I", "MNG", "P")],
    );
    assert!(sltd.is_document_only());
    let wanted = entry("W1", ListKind::Wanted, &["Batbold Ganzorig"], &[]);
    Index::build(vec![sltd, wanted], None)
}

fn query(name: &str, number: Option<&str>, country: Option<&str>) -> Query {
    Query {
        name: name.into(),
        document_number: number.map(Into::into),
        document_country: country.map(Into::into),
        ..Query::default()
    }
}

#[test]
fn found_by_the_exact_number_and_explained() {
    let hits = index().screen(&query("Tsetseg Naran", Some("E0815B5I"), Some("MNG")), 0.84);
    let h = hits.first().expect("a hit");
    assert_eq!(
        (h.entry_id.as_str(), h.list),
        ("sltd-1", ListKind::LostStolenDocument)
    );
    assert_eq!(h.score, 1.0);
    assert_eq!(h.matched_name, None);
    let doc = h.explain.iter().find(|x| x.field == "document").unwrap();
    assert_eq!(doc.verdict, Verdict::Match);
    assert_eq!(doc.list_value.as_deref(), Some("MNG E0815B5I"));
    let name = h.explain.iter().find(|x| x.field == "name").unwrap();
    assert_eq!(name.verdict, Verdict::Unknown);
    assert!(name.detail.contains("no name"), "{}", name.detail);
    assert_eq!(name.list_value, None);
}

#[test]
fn found_by_an_ocr_confusable_number() {
    // O/0, I/1, S/5, B/8 as an OCR reader or a hurried hand confuses them; separators dropped.
    for read in ["EO8I5851", "E0815B51", "e0815-85i", "E O815B5I"] {
        let hits = index().screen(&query("Anyone", Some(read), Some("MNG")), 0.84);
        let h = hits.first().unwrap_or_else(|| panic!("{read}: no hit"));
        assert_eq!(h.entry_id, "sltd-1", "{read}");
        let doc = h.explain.iter().find(|x| x.field == "document").unwrap();
        assert_eq!(doc.verdict, Verdict::Similar, "{read}");
        assert!(doc.detail.contains("OCR"), "{read}: {}", doc.detail);
        assert_eq!(h.score, 0.95, "{read}");
    }
}

#[test]
fn not_found_by_a_name_nor_by_another_document() {
    let idx = index();
    // The name of nobody, with no document: nothing.
    assert!(
        idx.screen(&query("Tsetseg Naran", None, None), 0.0)
            .is_empty()
    );
    // Another state's document with the same number is another document.
    assert!(
        idx.screen(&query("Tsetseg Naran", Some("E0815B5I"), Some("CHN")), 0.84)
            .is_empty()
    );
    // Another number.
    assert!(
        idx.screen(&query("Tsetseg Naran", Some("E0815B52"), Some("MNG")), 0.84)
            .is_empty()
    );
    // A named entry is still found by its name, and the nameless one stays out of it.
    let hits = idx.screen(&query("GANZORIG Batbold", None, None), 0.84);
    assert_eq!(
        hits.iter().map(|h| h.entry_id.as_str()).collect::<Vec<_>>(),
        ["W1"]
    );
}
