//! guomen's simulator: deterministic generators of a port day from a seed. Pure: no I/O, no
//! clock — the caller passes simulated time in and plays the plan on a station's real
//! interfaces (see `guomen demo` and `guomen sim`).
//!
//! - [`plan::day_plan`]: travellers at the seed's scale (about 6,700 a day, 10,000+ with
//!   `peak`) from 91 nationalities, on an hourly profile, at the port's lanes (e-gates for
//!   those the lane rules admit), tour groups, passenger trains K3/K23/K686 and China–Europe
//!   freight trains with crews, each with an invented name in their own script and a valid
//!   TD3 MRZ; persons of interest and the watchlist that names them; units on patrol; alarm
//!   scenarios.
//! - [`field`]: unit routes and the scenarios (marker 814, nuisance triggers, a medical
//!   emergency on K686, a primary link failure).
//!
//! Architecture Invariant: every output is a function of the seed, the port and the times
//! passed in. All names and documents are generated; none belongs to a real person.

pub mod document;
pub mod field;
pub mod names;
pub mod nations;
pub mod plan;
pub mod road;
pub mod space;
pub mod watch;

pub use field::{Patrol, Scenario, ScenarioKind, Step};
pub use plan::{DayPlan, Expect, Party, PlanConfig, Traveller, day_plan};
pub use space::{Fix, Frame};
pub use watch::{WatchEntry, Watchlist};

#[cfg(test)]
mod tests;
