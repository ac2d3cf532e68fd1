//! guomen's domain core: the types, rules and state machines that every other crate shares.
//!
//! Architecture invariant: this crate does no I/O. It knows nothing of HTTP, SQL, MQTT, files
//! or clocks; callers pass the current time in.

pub mod event;
pub mod incident;
pub mod role;
pub mod unit;
pub mod watchlist;

pub use role::Role;
