#![no_main]
//! Any bytes, read as text: `normalise` never panics, and what it accepts is a fixed point
//! (the canonical form normalises to itself).

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(p) = guomen_plates::normalise(text) {
        let again = guomen_plates::normalise(p.as_str());
        assert_eq!(again.as_ref().map(|q| q.as_str()), Ok(p.as_str()));
    }
});
