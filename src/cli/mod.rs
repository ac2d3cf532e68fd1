//! Subcommands kept out of `main.rs`.

pub mod clearance;
pub mod mqtt;
pub mod paxlst;
