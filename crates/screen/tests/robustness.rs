//! Arbitrary input never panics and scores stay in 0..1.

use guomen_screen::{Index, ListKind, Query, WatchlistEntry, compare_names};
use proptest::prelude::*;

fn entry(id: &str, name: &str) -> WatchlistEntry {
    WatchlistEntry {
        id: id.to_owned(),
        list: ListKind::Wanted,
        names: vec![name.to_owned()],
        birth_dates: vec![],
        sex: None,
        nationalities: vec![],
        documents: vec![],
        reason: String::new(),
        action: String::new(),
        face_template: None,
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn compare_never_panics(a in any::<String>(), b in "\\PC{0,40}") {
        let s = compare_names(&a, &b);
        prop_assert!((0.0..=1.0).contains(&s), "{s}");
        let s = compare_names(&b, &b);
        prop_assert!((0.0..=1.0).contains(&s));
    }

    #[test]
    fn screen_never_panics(name in any::<String>(), doc in any::<String>(), face in proptest::collection::vec(any::<f32>(), 0..4)) {
        let idx = Index::build(vec![entry("1", &name), entry("2", "Иван Петров"), entry("3", "王小明")], None);
        let q = Query { name: name.clone(), document_number: Some(doc), face_template: Some(face), ..Query::default() };
        for h in idx.screen(&q, 0.0) {
            prop_assert!((0.0..=1.0).contains(&h.score));
        }
    }
}

#[test]
fn huge_and_strange_names_are_cut_and_explained() {
    let huge = "Ивáн 👨‍👩‍👧 ".repeat(20_000);
    let s = compare_names(&huge, "Ivan");
    assert!((0.0..=1.0).contains(&s));
    let idx = Index::build(vec![entry("1", "Ivan")], None);
    let hits = idx.screen(&Query::name(huge), 0.0);
    let h = hits.first().expect("the cut name still finds Ivan");
    assert!(h.explain.iter().any(|e| e.detail.contains("cut to 256")));
    for weird in [
        "",
        " ",
        "\u{0301}\u{0301}",
        "😀😀",
        "\0",
        "\u{202e}evil",
        "Ǆ ǅ ǆ",
        "ﷺ",
    ] {
        let s = compare_names(weird, "John Smith");
        assert!((0.0..=1.0).contains(&s), "{weird:?}");
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(500))]

    /// The bit-parallel edit distance used on the hot path agrees with the row algorithm.
    #[test]
    fn bit_parallel_levenshtein_agrees(a in "[a-z]{0,70}", b in "[a-z]{0,70}") {
        prop_assert_eq!(
            guomen_screen::levenshtein_ascii(a.as_bytes(), b.as_bytes()),
            guomen_screen::levenshtein(a.as_bytes(), b.as_bytes())
        );
    }
}
