#![no_main]
//! Any bytes, read as text: `parse`, `parse_many` and the JSON view must never panic, and a
//! structural error must point inside the input.

use chrono::NaiveDate;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let today = NaiveDate::from_ymd_opt(2026, 5, 1).unwrap_or_default();
    let r = guomen_mrz::parse(text, today);
    if let Err(e) = &r {
        assert!(e.line >= 1 && e.position >= 1);
    }
    let _ = guomen_mrz::result_json(&r);
    for d in guomen_mrz::parse_many(text, today) {
        let _ = guomen_mrz::result_json(&d.result);
    }
});
