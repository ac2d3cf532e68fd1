#![no_main]
use guomen_watchlist::{Format, ImportInput, ListKind, import};
use libfuzzer_sys::fuzz_target;

// The input is split at the first NUL byte: sdn.csv before, alt.csv after.
fuzz_target!(|data: &[u8]| {
    let (sdn, alt) = match data.iter().position(|b| *b == 0) {
        Some(i) => (&data[..i], Some(&data[i + 1..])),
        None => (data, None),
    };
    let mut input = ImportInput::new(sdn);
    if let Some(alt) = alt {
        input = input.with_alt(alt);
    }
    let _ = import(Format::OfacSdn, input, ListKind::Wanted, &mut |_| {});
});
