//! Subcommands kept out of `main.rs`.

pub mod clearance;
