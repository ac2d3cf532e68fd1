//! Test helpers shared by guomen's crates.
//!
//! Data-driven tests read the public test data in `../shared/data` (next to the checkout) or
//! wherever `GUOMEN_TEST_DATA` points. Those files are never copied or edited. Where the folder
//! is absent, tests built with [`data_trials`] are reported as *ignored* with the reason, never
//! as passed.
//!
//! Also here, so that no test file writes them again:
//! - [`mrz`]: valid TD3 passport MRZs ([`mrz::Td3`]) and dates relative to today;
//! - [`station`]: the real `guomen` binary as a process, `guomen serve` on free ports
//!   ([`station::Station`]), `guomen user add`;
//! - [`process`]: any other program as a child process (`nats-server`, `guomen centre`), free ports;
//! - [`pg`] (feature `postgres`): the test database's URL, whether it answers, scratch schemas.

pub mod mrz;
#[cfg(feature = "postgres")]
pub mod pg;
pub mod process;
pub mod station;

use std::path::{Path, PathBuf};

pub use libtest_mimic::{Arguments, Failed, Trial};

/// The environment variable that overrides where the shared test data is.
pub const DATA_ENV: &str = "GUOMEN_TEST_DATA";

/// The shared test data folder, if it exists: `$GUOMEN_TEST_DATA`, else `../shared/data`
/// relative to the workspace root.
pub fn data_dir() -> Option<PathBuf> {
    let dir = match std::env::var_os(DATA_ENV) {
        Some(v) => PathBuf::from(v),
        None => workspace_root().join("../shared/data"),
    };
    dir.is_dir().then_some(dir)
}

/// A file or folder inside the shared test data, if present.
pub fn data_path(relative: impl AsRef<Path>) -> Option<PathBuf> {
    let p = data_dir()?.join(relative);
    p.exists().then_some(p)
}

/// The workspace root (the folder with the top-level Cargo.toml).
pub fn workspace_root() -> PathBuf {
    // This crate sits at crates/testkit.
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .unwrap_or_else(|_| Path::new(env!("CARGO_MANIFEST_DIR")).join("../.."))
}

/// Builds one trial per case from a data file, or one ignored trial that names what is missing.
/// `make` receives the file's path.
pub fn data_trials(relative: &str, make: impl FnOnce(&Path) -> Vec<Trial>) -> Vec<Trial> {
    match data_path(relative) {
        Some(path) => make(&path),
        None => vec![
            Trial::test(format!("data:{relative}"), || Ok(()))
                .with_ignored_flag(true)
                .with_kind(format!("skipped: {relative} not found (set {DATA_ENV})")),
        ],
    }
}

/// Runs trials as a test binary's `main` (for `harness = false` tests).
pub fn run(trials: Vec<Trial>) -> ! {
    let args = Arguments::from_args();
    libtest_mimic::run(&args, trials).exit()
}
