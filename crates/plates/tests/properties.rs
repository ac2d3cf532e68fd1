//! Properties of the normaliser over generated plates and arbitrary text.

use guomen_plates::{PROVINCES, PlateKind, normalise};
use proptest::prelude::*;

const BODY: &str = "0123456789ABCDEFGHJKLMNPQRSTUVWXYZ";
const MN_LETTERS: &str = "АБВГДЕЁЖЗИЙКЛМНОӨПРСТУҮФХЦЧШЩЪЫЬЭЮЯ";

fn pick(set: &'static str) -> impl Strategy<Value = char> {
    let chars: Vec<char> = set.chars().collect();
    proptest::sample::select(chars)
}

/// A canonical Chinese ordinary plate.
fn chinese() -> impl Strategy<Value = String> {
    (
        pick(PROVINCES),
        pick("ABCDEFGHJKLMNPQRSTUVWXYZ"),
        proptest::collection::vec(pick(BODY), 5),
    )
        .prop_map(|(p, l, b)| std::iter::once(p).chain([l]).chain(b).collect())
}

/// A canonical Mongolian plate.
fn mongolian() -> impl Strategy<Value = String> {
    (
        proptest::collection::vec(pick("0123456789"), 4),
        proptest::collection::vec(pick(MN_LETTERS), 3),
    )
        .prop_map(|(d, l)| d.into_iter().chain(l).collect())
}

/// What a camera or a clerk might make of a canonical plate: separators, lower case, and
/// the confusions the normaliser promises to undo.
fn garble(canonical: String, seed: Vec<u8>) -> String {
    let mongolian = canonical.chars().next().is_some_and(|c| c.is_ascii_digit());
    let mut out = String::new();
    for (i, c) in canonical.chars().enumerate() {
        let r = seed.get(i).copied().unwrap_or(0);
        let c2 = match (mongolian, i, c, r % 4) {
            (false, 2.., '0', 0) => 'O',
            (false, 2.., '1', 0) => 'I',
            (false, _, 'A', 1) => 'А',
            (true, 0..4, '0', 0) => 'O',
            (true, 0..4, '1', 0) => 'I',
            (true, 4.., 'А', 0) => 'A',
            (true, 4.., 'У', 0) => 'Y',
            (true, 4.., 'Н', 1) => 'H',
            _ => c,
        };
        if r % 3 == 2 {
            out.extend(c2.to_lowercase())
        } else {
            out.push(c2)
        }
        if r % 5 == 4 {
            out.push(if r % 2 == 0 { '·' } else { ' ' })
        }
    }
    out
}

proptest! {
    #[test]
    fn canonical_chinese_plates_are_fixed_points(p in chinese()) {
        let n = normalise(&p).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(n.as_str(), p.as_str());
        prop_assert_eq!(n.kind(), PlateKind::China);
    }

    #[test]
    fn canonical_mongolian_plates_are_fixed_points(p in mongolian()) {
        let n = normalise(&p).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(n.as_str(), p.as_str());
        prop_assert_eq!(n.kind(), PlateKind::Mongolia);
    }

    #[test]
    fn garbled_reads_come_back_to_the_plate(p in prop_oneof![chinese(), mongolian()], seed in proptest::collection::vec(any::<u8>(), 8)) {
        let read = garble(p.clone(), seed);
        let n = normalise(&read).map_err(|e| TestCaseError::fail(format!("{read}: {e}")))?;
        prop_assert_eq!(n.as_str(), p.as_str(), "read {}", read);
    }

    #[test]
    fn display_normalises_back(p in prop_oneof![chinese(), mongolian()]) {
        let n = normalise(&p).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(normalise(&n.display()).map(|q| q.as_str().to_owned()), Ok(p));
    }

    #[test]
    fn any_text_is_an_answer_and_accepted_text_is_idempotent(s in "\\PC{0,40}") {
        if let Ok(p) = normalise(&s) {
            prop_assert_eq!(normalise(p.as_str()).map(|q| q.as_str().to_owned()), Ok(p.as_str().to_owned()));
        }
    }
}
