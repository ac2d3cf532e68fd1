//! Subcommands kept out of `main.rs`.

pub mod clearance;
pub mod paxlst;
