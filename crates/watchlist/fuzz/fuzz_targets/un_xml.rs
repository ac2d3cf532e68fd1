#![no_main]
use guomen_watchlist::{Format, ImportInput, ListKind, import};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = import(Format::UnXml, ImportInput::new(data), ListKind::Wanted, &mut |_| {});
});
