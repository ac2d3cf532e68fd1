#![no_main]
//! Any bytes: `parse` must never panic, every error must name a segment position inside the
//! input's segment count, and what was read must write back to an interchange that reads the
//! same persons.

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let Ok(ic) = guomen_paxlst::parse(&text) else {
        return;
    };
    for e in &ic.errors {
        assert!(e.segment <= ic.segment_count + 1);
    }
    let _ = ic.to_json();
    for m in &ic.messages {
        let again = guomen_paxlst::parse(&guomen_paxlst::write(m, "FUZZ", "FUZZ", "1"));
        let again = again.expect("written interchange reads");
        assert_eq!(again.messages[0].persons.len(), m.persons.len());
    }
});
