//! The `guomen` binary these tests run. Only the root package's tests know its path; the
//! process helpers themselves are in `guomen_testkit::station`.

#![allow(dead_code)]

use std::process::Command;

use guomen_testkit::station::Guomen;

/// The binary built for these tests.
pub fn bin() -> Guomen {
    Guomen::new(env!("CARGO_BIN_EXE_guomen"))
}

/// A command for the binary, isolated from the caller's `GUOMEN_*` environment.
pub fn guomen() -> Command {
    bin().command()
}
