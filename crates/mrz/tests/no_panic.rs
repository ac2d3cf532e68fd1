//! Arbitrary input never panics, and structural errors always point inside the input.

use chrono::NaiveDate;
use guomen_mrz::{parse, parse_lines, parse_many, result_json};
use proptest::prelude::*;

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 5, 1).unwrap_or_default()
}

/// Lines of MRZ-like characters of the right and wrong lengths, so that the field-level
/// code runs, not only the structural checks.
fn mrz_line() -> impl Strategy<Value = String> {
    prop_oneof![
        "[A-Z0-9<]{30}",
        "[A-Z0-9<]{36}",
        "[A-Z0-9<]{44}",
        "[PVIAC][A-Z<][A-Z0-9<]{42}",
        "[PVIAC][A-Z<][A-Z0-9<]{34}",
        "[ACI][A-Z<][A-Z0-9<]{28}",
        "[0-9<]{30}",
        "[0-9<]{44}",
        "[A-Za-z0-9< \r\tÅ]{0,50}",
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn arbitrary_text_never_panics(s in any::<String>()) {
        let r = parse(&s, today());
        let _ = result_json(&r);
        for d in parse_many(&s, today()) {
            let _ = result_json(&d.result);
        }
    }

    #[test]
    fn mrz_like_lines_never_panic(lines in prop::collection::vec(mrz_line(), 0..5)) {
        let r = parse_lines(&lines, today());
        if let Err(e) = &r {
            prop_assert!(e.line >= 1 && e.position >= 1);
        }
        if let Ok(m) = &r {
            for e in &m.errors {
                prop_assert!(e.line >= 1 && e.line <= lines.len());
                prop_assert!(e.position >= 1 && e.position <= m.format.line_len());
            }
            prop_assert_eq!(m.valid(), m.errors.is_empty());
            let _ = m.age_on(today());
            let _ = m.is_expired(today());
        }
        let _ = result_json(&r);
        let _ = parse(&lines.join("\n"), today());
    }

    #[test]
    fn any_today_never_panics(lines in prop::collection::vec("[0-9<]{44}", 2..3), days in -800_000i32..800_000) {
        let day = NaiveDate::from_num_days_from_ce_opt(days.max(1)).unwrap_or_default();
        let mut l = lines.clone();
        if let Some(first) = l.first_mut() {
            first.replace_range(0..1, "P");
        }
        let _ = parse_lines(&l, day);
    }
}
