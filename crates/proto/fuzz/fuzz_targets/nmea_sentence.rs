#![no_main]
//! Arbitrary text through the NMEA 0183 parser, fix extraction and CLI helper.

use guomen_proto::nmea;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    for line in text.lines() {
        if let Ok(p) = nmea::parse(line) {
            let _ = p.sentence.fix(chrono_free_date());
        }
        let _ = guomen_proto::nmea_line_to_json(line);
    }
});

/// GGA/GNS fixes only get a time with a date; `None` exercises the undated path.
fn chrono_free_date() -> Option<chrono::NaiveDate> {
    None
}
