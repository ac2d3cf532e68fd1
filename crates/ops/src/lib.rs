//! The duty command engine: perimeter alarms and linkage tracks, incidents and their lifecycle,
//! units and closest-unit recommendation, network links and response-time KPIs.
//!
//! Architecture invariant: pure. No I/O and no clock: callers pass `now` in. Every decision
//! (`sensor_event`, `position`, `incident_action`, `tick`, ...) takes `&self` and returns the
//! facts to record ([`OpsEvent`]); only [`Engine::apply`] changes state. The station journals
//! the facts and then applies them, and rebuilds the same state at start-up by applying the
//! journal again, so what the command centre sees is always a projection of the journal.

mod config;
mod engine;
mod event;

pub use config::OpsConfig;
pub use engine::{
    AlarmRecord, DayKpis, Engine, IncidentState, LinkState, Location, NewIncident, OpsError,
    PositionInput, SensorInfo, SensorInput, SensorOutcome, UnitState,
};
pub use event::{
    AlarmNuisance, AlarmRaised, AlarmRepeated, Downlink, GroupHealth, IncidentCreated,
    IncidentTransition, IncidentUpdated, LinkChanged, LinkHeartbeat, OpsEvent, TerminalPresence,
    TrackExpired, TrackSummary, UnitPosition, UnitStatusChanged, WatchlistHit,
};

#[cfg(test)]
mod tests;
