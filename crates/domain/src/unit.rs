//! Units (rapid-response teams, patrols) and their status as in NENA EIDO: an availability
//! (Available / ConditionallyAvailable / NotAvailable) derived from a state.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// What kind of unit; each has a default travel speed for ETA estimates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UnitKind {
    RapidResponseTeam,
    PatrolVehicle,
    FootPatrol,
    MotorcyclePatrol,
    DogTeam,
    MedicalTeam,
    TechnicalTeam,
}

impl UnitKind {
    pub const ALL: [UnitKind; 7] = [
        Self::RapidResponseTeam,
        Self::PatrolVehicle,
        Self::FootPatrol,
        Self::MotorcyclePatrol,
        Self::DogTeam,
        Self::MedicalTeam,
        Self::TechnicalTeam,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::RapidResponseTeam => "rapid_response_team",
            Self::PatrolVehicle => "patrol_vehicle",
            Self::FootPatrol => "foot_patrol",
            Self::MotorcyclePatrol => "motorcycle_patrol",
            Self::DogTeam => "dog_team",
            Self::MedicalTeam => "medical_team",
            Self::TechnicalTeam => "technical_team",
        }
    }

    /// Words for people, e.g. in a recommendation reason.
    pub fn label(self) -> &'static str {
        match self {
            Self::RapidResponseTeam => "rapid-response team",
            Self::PatrolVehicle => "patrol vehicle",
            Self::FootPatrol => "foot patrol",
            Self::MotorcyclePatrol => "motorcycle patrol",
            Self::DogTeam => "dog team",
            Self::MedicalTeam => "medical team",
            Self::TechnicalTeam => "technical team",
        }
    }

    /// Typical speed over port roads and tracks, m/s, for ETA when nothing better is known.
    pub fn default_speed_mps(self) -> f64 {
        let kmh = match self {
            // Vehicles inside a port: yards, gates and checkpoints keep them slow.
            Self::RapidResponseTeam => 50.0,
            Self::PatrolVehicle => 40.0,
            Self::MotorcyclePatrol => 45.0,
            Self::MedicalTeam => 40.0,
            Self::TechnicalTeam => 30.0,
            // On foot, hurrying.
            Self::FootPatrol => 6.0,
            Self::DogTeam => 7.0,
        };
        kmh / 3.6
    }
}

impl fmt::Display for UnitKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// NENA EIDO availability.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Availability {
    Available,
    ConditionallyAvailable,
    NotAvailable,
}

/// A unit's state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UnitStatus {
    Available,
    Dispatched,
    EnRoute,
    OnScene,
    /// Done at the scene, not yet back in service: may take a new dispatch.
    Cleared,
    OutOfService,
}

impl UnitStatus {
    pub const ALL: [UnitStatus; 6] = [
        Self::Available,
        Self::Dispatched,
        Self::EnRoute,
        Self::OnScene,
        Self::Cleared,
        Self::OutOfService,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Available => "available",
            Self::Dispatched => "dispatched",
            Self::EnRoute => "en_route",
            Self::OnScene => "on_scene",
            Self::Cleared => "cleared",
            Self::OutOfService => "out_of_service",
        }
    }

    pub fn availability(self) -> Availability {
        match self {
            Self::Available => Availability::Available,
            Self::Cleared => Availability::ConditionallyAvailable,
            Self::Dispatched | Self::EnRoute | Self::OnScene | Self::OutOfService => {
                Availability::NotAvailable
            }
        }
    }

    /// Whether a new dispatch may be ordered (available or conditionally available).
    pub fn can_be_dispatched(self) -> bool {
        self.availability() != Availability::NotAvailable
    }

    /// The status after `event`, or an error naming the status and the event.
    ///
    /// `Acknowledge` confirms a dispatch without changing the state (the acknowledgement is
    /// an event in the journal).
    pub fn on(self, event: UnitEvent) -> Result<UnitStatus, UnitTransitionError> {
        use UnitEvent as E;
        use UnitStatus as S;
        let next = match (self, event) {
            (S::Available | S::Cleared, E::Dispatch) => S::Dispatched,
            (S::Dispatched, E::Acknowledge) => S::Dispatched,
            (S::Dispatched, E::EnRoute) => S::EnRoute,
            (S::Dispatched | S::EnRoute, E::Arrive) => S::OnScene,
            (S::Dispatched | S::EnRoute | S::OnScene, E::Clear) => S::Cleared,
            (
                S::Available | S::Dispatched | S::EnRoute | S::OnScene | S::Cleared,
                E::OutOfService,
            ) => S::OutOfService,
            (S::Cleared | S::OutOfService, E::ReturnToService) => S::Available,
            (from, event) => return Err(UnitTransitionError { from, event }),
        };
        Ok(next)
    }
}

impl fmt::Display for UnitStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What happens to a unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UnitEvent {
    Dispatch,
    Acknowledge,
    EnRoute,
    Arrive,
    Clear,
    OutOfService,
    ReturnToService,
}

impl UnitEvent {
    pub const ALL: [UnitEvent; 7] = [
        Self::Dispatch,
        Self::Acknowledge,
        Self::EnRoute,
        Self::Arrive,
        Self::Clear,
        Self::OutOfService,
        Self::ReturnToService,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Dispatch => "dispatch",
            Self::Acknowledge => "acknowledge",
            Self::EnRoute => "en_route",
            Self::Arrive => "arrive",
            Self::Clear => "clear",
            Self::OutOfService => "out_of_service",
            Self::ReturnToService => "return_to_service",
        }
    }
}

/// An event that is not allowed in the unit's current status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("illegal unit transition: `{}` while `{}`", event.as_str(), from.as_str())]
pub struct UnitTransitionError {
    pub from: UnitStatus,
    pub event: UnitEvent,
}

from_str_via_all!(UnitKind, UnknownUnitKind, "unit kind");
from_str_via_all!(UnitStatus, UnknownUnitStatus, "unit status");
from_str_via_all!(UnitEvent, UnknownUnitEvent, "unit event");

#[cfg(test)]
mod tests {
    use super::*;
    use UnitEvent as E;
    use UnitStatus as S;

    /// Every legal (from, event) → to; everything else must be refused.
    const LEGAL: &[(UnitStatus, UnitEvent, UnitStatus)] = &[
        (S::Available, E::Dispatch, S::Dispatched),
        (S::Cleared, E::Dispatch, S::Dispatched),
        (S::Dispatched, E::Acknowledge, S::Dispatched),
        (S::Dispatched, E::EnRoute, S::EnRoute),
        (S::Dispatched, E::Arrive, S::OnScene),
        (S::EnRoute, E::Arrive, S::OnScene),
        (S::Dispatched, E::Clear, S::Cleared),
        (S::EnRoute, E::Clear, S::Cleared),
        (S::OnScene, E::Clear, S::Cleared),
        (S::Available, E::OutOfService, S::OutOfService),
        (S::Dispatched, E::OutOfService, S::OutOfService),
        (S::EnRoute, E::OutOfService, S::OutOfService),
        (S::OnScene, E::OutOfService, S::OutOfService),
        (S::Cleared, E::OutOfService, S::OutOfService),
        (S::Cleared, E::ReturnToService, S::Available),
        (S::OutOfService, E::ReturnToService, S::Available),
    ];

    #[test]
    fn transition_table_is_exhaustive() {
        for from in S::ALL {
            for event in E::ALL {
                let want = LEGAL
                    .iter()
                    .find(|(f, e, _)| *f == from && *e == event)
                    .map(|l| l.2);
                match (from.on(event), want) {
                    (Ok(got), Some(want)) => assert_eq!(got, want, "{from} + {}", event.as_str()),
                    (Err(e), None) => {
                        assert_eq!(e, UnitTransitionError { from, event });
                        let msg = e.to_string();
                        assert!(
                            msg.contains(from.as_str()) && msg.contains(event.as_str()),
                            "{msg}"
                        );
                    }
                    (got, want) => {
                        panic!("{from} + {}: got {got:?}, want {want:?}", event.as_str())
                    }
                }
            }
        }
    }

    #[test]
    fn availability_follows_eido() {
        for (s, a) in [
            (S::Available, Availability::Available),
            (S::Dispatched, Availability::NotAvailable),
            (S::EnRoute, Availability::NotAvailable),
            (S::OnScene, Availability::NotAvailable),
            (S::Cleared, Availability::ConditionallyAvailable),
            (S::OutOfService, Availability::NotAvailable),
        ] {
            assert_eq!(s.availability(), a, "{s}");
            assert_eq!(s.can_be_dispatched(), a != Availability::NotAvailable);
        }
    }

    #[test]
    fn full_cycle() {
        let s = [
            E::Dispatch,
            E::Acknowledge,
            E::EnRoute,
            E::Arrive,
            E::Clear,
            E::ReturnToService,
        ]
        .into_iter()
        .try_fold(S::Available, S::on)
        .unwrap();
        assert_eq!(s, S::Available);
    }

    #[test]
    fn kinds_have_sane_speeds_and_names_round_trip() {
        for k in UnitKind::ALL {
            let v = k.default_speed_mps();
            assert!(v > 1.0 && v < 20.0, "{k}: {v}");
            assert_eq!(k.as_str().parse::<UnitKind>().unwrap(), k);
            assert_eq!(
                serde_json::to_value(k).unwrap(),
                serde_json::json!(k.as_str())
            );
        }
        assert!(
            UnitKind::PatrolVehicle.default_speed_mps() > UnitKind::FootPatrol.default_speed_mps()
        );
        for s in S::ALL {
            assert_eq!(s.as_str().parse::<S>().unwrap(), s);
            assert_eq!(
                serde_json::to_value(s).unwrap(),
                serde_json::json!(s.as_str())
            );
        }
        for e in E::ALL {
            assert_eq!(e.as_str().parse::<E>().unwrap(), e);
        }
        let err = "boat".parse::<UnitKind>().unwrap_err().to_string();
        assert!(err.contains("boat") && err.contains("foot_patrol"), "{err}");
    }
}
