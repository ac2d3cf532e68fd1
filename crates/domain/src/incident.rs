//! Incident lifecycle: new → acknowledged → dispatched → en route → on scene → resolved →
//! closed, with reopen; every transition timestamped with its actor. Plus per-incident KPIs.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// What an incident is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IncidentKind {
    Intrusion,
    IllegalCrossingAttempt,
    WatchlistHit,
    MedicalEmergency,
    EquipmentFault,
    LinkFailure,
    Other,
}

impl IncidentKind {
    pub const ALL: [IncidentKind; 7] = [
        Self::Intrusion,
        Self::IllegalCrossingAttempt,
        Self::WatchlistHit,
        Self::MedicalEmergency,
        Self::EquipmentFault,
        Self::LinkFailure,
        Self::Other,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Intrusion => "intrusion",
            Self::IllegalCrossingAttempt => "illegal_crossing_attempt",
            Self::WatchlistHit => "watchlist_hit",
            Self::MedicalEmergency => "medical_emergency",
            Self::EquipmentFault => "equipment_fault",
            Self::LinkFailure => "link_failure",
            Self::Other => "other",
        }
    }
}

/// Where an incident is in its lifecycle.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IncidentStatus {
    New,
    Acknowledged,
    Dispatched,
    EnRoute,
    OnScene,
    Resolved,
    Closed,
}

impl IncidentStatus {
    pub const ALL: [IncidentStatus; 7] = [
        Self::New,
        Self::Acknowledged,
        Self::Dispatched,
        Self::EnRoute,
        Self::OnScene,
        Self::Resolved,
        Self::Closed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::New => "new",
            Self::Acknowledged => "acknowledged",
            Self::Dispatched => "dispatched",
            Self::EnRoute => "en_route",
            Self::OnScene => "on_scene",
            Self::Resolved => "resolved",
            Self::Closed => "closed",
        }
    }

    /// Open means still needing work: anything before resolved.
    pub fn is_open(self) -> bool {
        !matches!(self, Self::Resolved | Self::Closed)
    }
}

impl fmt::Display for IncidentStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Display for IncidentKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

from_str_via_all!(IncidentKind, UnknownIncidentKind, "incident kind");
from_str_via_all!(IncidentStatus, UnknownIncidentStatus, "incident status");
from_str_via_all!(Disposition, UnknownDisposition, "disposition code");

/// Priority 1 (highest) to 4 (lowest). Orders so that the most urgent sorts first.
/// Serialized as the number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "u8", into = "u8")]
pub enum Priority {
    P1,
    P2,
    P3,
    P4,
}

impl Priority {
    pub fn number(self) -> u8 {
        match self {
            Self::P1 => 1,
            Self::P2 => 2,
            Self::P3 => 3,
            Self::P4 => 4,
        }
    }
}

impl From<Priority> for u8 {
    fn from(p: Priority) -> u8 {
        p.number()
    }
}

/// A priority outside 1..=4.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid priority {0}; expected 1 (highest) to 4 (lowest)")]
pub struct InvalidPriority(pub u8);

impl TryFrom<u8> for Priority {
    type Error = InvalidPriority;
    fn try_from(n: u8) -> Result<Self, Self::Error> {
        match n {
            1 => Ok(Self::P1),
            2 => Ok(Self::P2),
            3 => Ok(Self::P3),
            4 => Ok(Self::P4),
            _ => Err(InvalidPriority(n)),
        }
    }
}

/// Where an incident came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IncidentSource {
    Alarm,
    Partner,
    Manual,
}

/// How an incident was disposed of (the code of the disposal feedback).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Disposition {
    Intercepted,
    FalseAlarm,
    NuisanceWildlife,
    HandedToPartner,
    MedicalHandled,
    Repaired,
    NoTrace,
    Other,
}

impl Disposition {
    pub const ALL: [Disposition; 8] = [
        Self::Intercepted,
        Self::FalseAlarm,
        Self::NuisanceWildlife,
        Self::HandedToPartner,
        Self::MedicalHandled,
        Self::Repaired,
        Self::NoTrace,
        Self::Other,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Intercepted => "intercepted",
            Self::FalseAlarm => "false_alarm",
            Self::NuisanceWildlife => "nuisance_wildlife",
            Self::HandedToPartner => "handed_to_partner",
            Self::MedicalHandled => "medical_handled",
            Self::Repaired => "repaired",
            Self::NoTrace => "no_trace",
            Self::Other => "other",
        }
    }
}

impl fmt::Display for Disposition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One recorded change of status (from == to for extra units dispatched or arriving).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Transition {
    pub from: IncidentStatus,
    pub to: IncidentStatus,
    pub at: DateTime<Utc>,
    pub actor: String,
    pub note: Option<String>,
}

/// What a person or unit does to an incident.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum Action {
    Acknowledge,
    Dispatch {
        unit_id: String,
    },
    EnRoute {
        unit_id: String,
    },
    OnScene {
        unit_id: String,
    },
    /// `disposition` is one of the [`Disposition`] codes.
    Resolve {
        disposition: String,
        feedback: String,
    },
    Close,
    Reopen {
        reason: String,
    },
}

impl Action {
    /// The status this action leads to.
    pub fn target(&self) -> IncidentStatus {
        match self {
            Self::Acknowledge | Self::Reopen { .. } => IncidentStatus::Acknowledged,
            Self::Dispatch { .. } => IncidentStatus::Dispatched,
            Self::EnRoute { .. } => IncidentStatus::EnRoute,
            Self::OnScene { .. } => IncidentStatus::OnScene,
            Self::Resolve { .. } => IncidentStatus::Resolved,
            Self::Close => IncidentStatus::Closed,
        }
    }

    pub fn name(&self) -> &'static str {
        match self {
            Self::Acknowledge => "acknowledge",
            Self::Dispatch { .. } => "dispatch",
            Self::EnRoute { .. } => "en_route",
            Self::OnScene { .. } => "on_scene",
            Self::Resolve { .. } => "resolve",
            Self::Close => "close",
            Self::Reopen { .. } => "reopen",
        }
    }
}

/// Why an action was refused. The incident is unchanged after any error.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum TransitionError {
    #[error("illegal transition: cannot {action} an incident that is {from} (to {to})")]
    Illegal {
        from: IncidentStatus,
        to: IncidentStatus,
        action: &'static str,
    },
    #[error(transparent)]
    UnknownDisposition(#[from] UnknownDisposition),
    #[error("resolving needs feedback text describing the disposal")]
    EmptyFeedback,
    #[error("reopening needs a reason")]
    EmptyReason,
    #[error("an actor is required")]
    EmptyActor,
    #[error("a unit id is required")]
    EmptyUnit,
    #[error("unit `{0}` is already dispatched to this incident")]
    AlreadyDispatched(String),
    #[error("unit `{0}` was not dispatched to this incident")]
    UnitNotDispatched(String),
    #[error("time {at} is before the incident's last recorded time {last}")]
    TimeWentBack {
        at: DateTime<Utc>,
        last: DateTime<Utc>,
    },
}

/// An incident and its full history.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Incident {
    pub id: String,
    pub kind: IncidentKind,
    pub status: IncidentStatus,
    pub priority: Priority,
    pub zone: Option<String>,
    /// (lon, lat) degrees.
    pub location: Option<(f64, f64)>,
    pub title: String,
    pub source: IncidentSource,
    /// When the triggering alarm, notification or manual report happened.
    pub created: DateTime<Utc>,
    pub transitions: Vec<Transition>,
    pub disposition: Option<Disposition>,
    pub feedback: Option<String>,
    pub dispatched_units: Vec<String>,
    pub alarm_count: u32,
}

impl Incident {
    /// A new incident with no location, zone or alarms yet (set the public fields as needed).
    pub fn new(
        id: impl Into<String>,
        kind: IncidentKind,
        priority: Priority,
        source: IncidentSource,
        title: impl Into<String>,
        created: DateTime<Utc>,
    ) -> Self {
        Self {
            id: id.into(),
            kind,
            status: IncidentStatus::New,
            priority,
            zone: None,
            location: None,
            title: title.into(),
            source,
            created,
            transitions: Vec::new(),
            disposition: None,
            feedback: None,
            dispatched_units: Vec::new(),
            alarm_count: 0,
        }
    }

    fn last_time(&self) -> DateTime<Utc> {
        self.transitions.last().map_or(self.created, |t| t.at)
    }

    /// Applies `action` by `actor` at `at`. On error nothing changes.
    pub fn apply(
        &mut self,
        action: Action,
        actor: &str,
        at: DateTime<Utc>,
    ) -> Result<(), TransitionError> {
        use IncidentStatus as S;
        if actor.trim().is_empty() {
            return Err(TransitionError::EmptyActor);
        }
        let from = self.status;
        let illegal = || TransitionError::Illegal {
            from,
            to: action.target(),
            action: action.name(),
        };
        let legal = match &action {
            Action::Acknowledge => from == S::New,
            Action::Dispatch { .. } => matches!(
                from,
                S::New | S::Acknowledged | S::Dispatched | S::EnRoute | S::OnScene
            ),
            Action::EnRoute { .. } => matches!(from, S::Dispatched | S::EnRoute | S::OnScene),
            Action::OnScene { .. } => matches!(from, S::Dispatched | S::EnRoute | S::OnScene),
            Action::Resolve { .. } => matches!(
                from,
                S::Acknowledged | S::Dispatched | S::EnRoute | S::OnScene
            ),
            Action::Close => from == S::Resolved,
            Action::Reopen { .. } => matches!(from, S::Resolved | S::Closed),
        };
        if !legal {
            return Err(illegal());
        }
        let last = self.last_time();
        if at < last {
            return Err(TransitionError::TimeWentBack { at, last });
        }
        let record = |to: S, note: Option<String>| Transition {
            from,
            to,
            at,
            actor: actor.to_string(),
            note,
        };
        match action {
            Action::Acknowledge => {
                self.transitions.push(record(S::Acknowledged, None));
                self.status = S::Acknowledged;
            }
            Action::Dispatch { unit_id } => {
                let unit_id = check_unit(unit_id)?;
                if self.dispatched_units.contains(&unit_id) {
                    return Err(TransitionError::AlreadyDispatched(unit_id));
                }
                if from == S::New {
                    // Dispatching straight from new acknowledges it too; both are journalled
                    // so the acknowledgement KPI stays measurable.
                    self.transitions.push(Transition {
                        from: S::New,
                        to: S::Acknowledged,
                        at,
                        actor: actor.to_string(),
                        note: Some("implied by dispatch".into()),
                    });
                }
                let to = if matches!(from, S::New | S::Acknowledged) {
                    S::Dispatched
                } else {
                    from
                };
                self.transitions.push(Transition {
                    from: if from == S::New {
                        S::Acknowledged
                    } else {
                        from
                    },
                    to,
                    at,
                    actor: actor.to_string(),
                    note: Some(format!("dispatched unit {unit_id}")),
                });
                self.dispatched_units.push(unit_id);
                self.status = to;
            }
            Action::EnRoute { unit_id } | Action::OnScene { unit_id }
                if unit_id.trim().is_empty() =>
            {
                return Err(TransitionError::EmptyUnit);
            }
            Action::EnRoute { unit_id } => {
                if !self.dispatched_units.contains(&unit_id) {
                    return Err(TransitionError::UnitNotDispatched(unit_id));
                }
                // A second unit setting off does not move an incident that is already on scene.
                let to = if from == S::OnScene {
                    S::OnScene
                } else {
                    S::EnRoute
                };
                self.transitions
                    .push(record(to, Some(format!("unit {unit_id} en route"))));
                self.status = to;
            }
            Action::OnScene { unit_id } => {
                if !self.dispatched_units.contains(&unit_id) {
                    return Err(TransitionError::UnitNotDispatched(unit_id));
                }
                self.transitions
                    .push(record(S::OnScene, Some(format!("unit {unit_id} on scene"))));
                self.status = S::OnScene;
            }
            Action::Resolve {
                disposition,
                feedback,
            } => {
                let disposition = Disposition::from_str(disposition.trim())?;
                if feedback.trim().is_empty() {
                    return Err(TransitionError::EmptyFeedback);
                }
                self.transitions.push(record(
                    S::Resolved,
                    Some(format!("disposition {disposition}")),
                ));
                self.disposition = Some(disposition);
                self.feedback = Some(feedback);
                self.status = S::Resolved;
            }
            Action::Close => {
                self.transitions.push(record(S::Closed, None));
                self.status = S::Closed;
            }
            Action::Reopen { reason } => {
                if reason.trim().is_empty() {
                    return Err(TransitionError::EmptyReason);
                }
                // The earlier disposition stays in the transition history; the open
                // incident has none until resolved again.
                self.transitions
                    .push(record(S::Acknowledged, Some(format!("reopened: {reason}"))));
                self.disposition = None;
                self.feedback = None;
                self.status = S::Acknowledged;
            }
        }
        Ok(())
    }

    fn first_reached(&self, status: IncidentStatus) -> Option<DateTime<Utc>> {
        self.transitions
            .iter()
            .find(|t| t.to == status && t.from != status)
            .map(|t| t.at)
    }

    /// Response-time KPIs from the transition history, in seconds; `None` where the incident
    /// has not reached the stage. Resolution counts its latest time (after any reopen).
    pub fn kpis(&self) -> Kpis {
        use IncidentStatus as S;
        let secs = |a: DateTime<Utc>, b: DateTime<Utc>| (b - a).num_milliseconds() as f64 / 1000.0;
        let ack = self.first_reached(S::Acknowledged);
        let dispatched = self.first_reached(S::Dispatched);
        let on_scene = self.first_reached(S::OnScene);
        let resolved = self
            .transitions
            .iter()
            .rev()
            .find(|t| t.to == S::Resolved)
            .map(|t| t.at);
        Kpis {
            alarm_to_ack_s: ack.map(|a| secs(self.created, a)),
            ack_to_dispatch_s: ack.zip(dispatched).map(|(a, d)| secs(a, d)),
            dispatch_to_on_scene_s: dispatched.zip(on_scene).map(|(d, o)| secs(d, o)),
            alarm_to_resolved_s: resolved.map(|r| secs(self.created, r)),
        }
    }
}

fn check_unit(unit_id: String) -> Result<String, TransitionError> {
    if unit_id.trim().is_empty() {
        Err(TransitionError::EmptyUnit)
    } else {
        Ok(unit_id)
    }
}

/// Response times of one incident, seconds.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct Kpis {
    pub alarm_to_ack_s: Option<f64>,
    pub ack_to_dispatch_s: Option<f64>,
    pub dispatch_to_on_scene_s: Option<f64>,
    pub alarm_to_resolved_s: Option<f64>,
}

/// p50/p90/p95 of a sample.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Percentiles {
    pub count: usize,
    pub p50: f64,
    pub p90: f64,
    pub p95: f64,
}

/// Percentiles by linear interpolation between closest ranks (the common "type 7"
/// definition). Non-finite values are ignored; `None` when nothing finite remains.
pub fn percentiles(values: &[f64]) -> Option<Percentiles> {
    let mut v: Vec<f64> = values.iter().copied().filter(|x| x.is_finite()).collect();
    if v.is_empty() {
        return None;
    }
    v.sort_by(f64::total_cmp);
    let at = |q: f64| -> f64 {
        let pos = q * (v.len() - 1) as f64;
        let lo = pos.floor() as usize;
        let hi = pos.ceil() as usize;
        match (v.get(lo), v.get(hi)) {
            (Some(&a), Some(&b)) => a + (b - a) * (pos - lo as f64),
            _ => f64::NAN,
        }
    };
    Some(Percentiles {
        count: v.len(),
        p50: at(0.5),
        p90: at(0.9),
        p95: at(0.95),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use IncidentStatus as S;
    use chrono::{Duration, TimeZone};

    fn t0() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2024, 5, 1, 8, 0, 0).unwrap()
    }

    fn fresh() -> Incident {
        Incident::new(
            "inc-1",
            IncidentKind::Intrusion,
            Priority::P1,
            IncidentSource::Alarm,
            "fence alarm",
            t0(),
        )
    }

    fn dispatch(u: &str) -> Action {
        Action::Dispatch { unit_id: u.into() }
    }

    fn resolve() -> Action {
        Action::Resolve {
            disposition: "intercepted".into(),
            feedback: "two persons stopped".into(),
        }
    }

    /// An incident brought into `status` through legal steps, with unit "u1" dispatched when
    /// the path passes through dispatch.
    fn in_status(status: IncidentStatus) -> Incident {
        let path: &[Action] = match status {
            S::New => &[],
            S::Acknowledged => &[Action::Acknowledge],
            S::Dispatched => &[
                Action::Acknowledge,
                Action::Dispatch {
                    unit_id: String::new(),
                },
            ],
            S::EnRoute => &[
                Action::Acknowledge,
                Action::Dispatch {
                    unit_id: String::new(),
                },
                Action::EnRoute {
                    unit_id: String::new(),
                },
            ],
            S::OnScene => &[
                Action::Acknowledge,
                Action::Dispatch {
                    unit_id: String::new(),
                },
                Action::OnScene {
                    unit_id: String::new(),
                },
            ],
            S::Resolved => &[
                Action::Acknowledge,
                Action::Resolve {
                    disposition: String::new(),
                    feedback: String::new(),
                },
            ],
            S::Closed => &[
                Action::Acknowledge,
                Action::Resolve {
                    disposition: String::new(),
                    feedback: String::new(),
                },
                Action::Close,
            ],
        };
        let mut inc = fresh();
        for (k, a) in path.iter().enumerate() {
            let a = match a {
                Action::Dispatch { .. } => dispatch("u1"),
                Action::EnRoute { .. } => Action::EnRoute {
                    unit_id: "u1".into(),
                },
                Action::OnScene { .. } => Action::OnScene {
                    unit_id: "u1".into(),
                },
                Action::Resolve { .. } => resolve(),
                other => other.clone(),
            };
            inc.apply(a, "chief", t0() + Duration::seconds(10 * (k as i64 + 1)))
                .unwrap();
        }
        assert_eq!(inc.status, status);
        inc
    }

    fn all_actions() -> Vec<Action> {
        vec![
            Action::Acknowledge,
            dispatch("u2"),
            Action::EnRoute {
                unit_id: "u1".into(),
            },
            Action::OnScene {
                unit_id: "u1".into(),
            },
            resolve(),
            Action::Close,
            Action::Reopen {
                reason: "person seen again".into(),
            },
        ]
    }

    /// (from, action name) → resulting status, for every legal pair.
    const LEGAL: &[(IncidentStatus, &str, IncidentStatus)] = &[
        (S::New, "acknowledge", S::Acknowledged),
        (S::New, "dispatch", S::Dispatched),
        (S::Acknowledged, "dispatch", S::Dispatched),
        (S::Dispatched, "dispatch", S::Dispatched),
        (S::EnRoute, "dispatch", S::EnRoute),
        (S::OnScene, "dispatch", S::OnScene),
        (S::Dispatched, "en_route", S::EnRoute),
        (S::EnRoute, "en_route", S::EnRoute),
        (S::OnScene, "en_route", S::OnScene),
        (S::Dispatched, "on_scene", S::OnScene),
        (S::EnRoute, "on_scene", S::OnScene),
        (S::OnScene, "on_scene", S::OnScene),
        (S::Acknowledged, "resolve", S::Resolved),
        (S::Dispatched, "resolve", S::Resolved),
        (S::EnRoute, "resolve", S::Resolved),
        (S::OnScene, "resolve", S::Resolved),
        (S::Resolved, "close", S::Closed),
        (S::Resolved, "reopen", S::Acknowledged),
        (S::Closed, "reopen", S::Acknowledged),
    ];

    #[test]
    fn every_status_action_pair_is_legal_or_rejected_unchanged() {
        let at = t0() + Duration::hours(1);
        for from in S::ALL {
            for action in all_actions() {
                let mut inc = in_status(from);
                let before = inc.clone();
                let name = action.name();
                let target = action.target();
                let want = LEGAL
                    .iter()
                    .find(|(f, a, _)| *f == from && *a == name)
                    .map(|l| l.2);
                match (inc.apply(action, "chief", at), want) {
                    (Ok(()), Some(want)) => {
                        assert_eq!(inc.status, want, "{from} {name}");
                        let last = inc.transitions.last().unwrap();
                        assert_eq!((last.to, last.at, last.actor.as_str()), (want, at, "chief"));
                    }
                    (Err(e), None) => {
                        assert_eq!(
                            e,
                            TransitionError::Illegal {
                                from,
                                to: target,
                                action: name
                            }
                        );
                        let msg = e.to_string();
                        assert!(
                            msg.contains(from.as_str()) && msg.contains(target.as_str()),
                            "{msg}"
                        );
                        assert_eq!(inc, before, "state changed by a refused {name} from {from}");
                    }
                    (got, want) => panic!("{from} {name}: got {got:?}, want {want:?}"),
                }
            }
        }
    }

    #[test]
    fn happy_path_records_every_step_and_kpis() {
        let mut inc = fresh();
        let s = |n: i64| t0() + Duration::seconds(n);
        inc.apply(Action::Acknowledge, "chief", s(30)).unwrap();
        inc.apply(dispatch("rrt-1"), "chief", s(90)).unwrap();
        inc.apply(
            Action::EnRoute {
                unit_id: "rrt-1".into(),
            },
            "rrt-1",
            s(100),
        )
        .unwrap();
        inc.apply(
            Action::OnScene {
                unit_id: "rrt-1".into(),
            },
            "rrt-1",
            s(400),
        )
        .unwrap();
        inc.apply(resolve(), "chief", s(1500)).unwrap();
        inc.apply(Action::Close, "chief", s(1600)).unwrap();
        let tos: Vec<_> = inc.transitions.iter().map(|t| t.to).collect();
        assert_eq!(
            tos,
            [
                S::Acknowledged,
                S::Dispatched,
                S::EnRoute,
                S::OnScene,
                S::Resolved,
                S::Closed
            ]
        );
        assert_eq!(inc.disposition, Some(Disposition::Intercepted));
        assert_eq!(inc.feedback.as_deref(), Some("two persons stopped"));
        assert_eq!(
            inc.kpis(),
            Kpis {
                alarm_to_ack_s: Some(30.0),
                ack_to_dispatch_s: Some(60.0),
                dispatch_to_on_scene_s: Some(310.0),
                alarm_to_resolved_s: Some(1500.0),
            }
        );
        let json = serde_json::to_value(&inc).unwrap();
        assert_eq!(json["status"], "closed");
        assert_eq!(json["priority"], 1);
        assert_eq!(json["disposition"], "intercepted");
        let back: Incident = serde_json::from_value(json).unwrap();
        assert_eq!(back, inc);
    }

    #[test]
    fn dispatch_from_new_records_implied_acknowledge() {
        let mut inc = fresh();
        inc.apply(dispatch("p-1"), "chief", t0() + Duration::seconds(45))
            .unwrap();
        assert_eq!(inc.status, S::Dispatched);
        let pairs: Vec<_> = inc.transitions.iter().map(|t| (t.from, t.to)).collect();
        assert_eq!(
            pairs,
            [(S::New, S::Acknowledged), (S::Acknowledged, S::Dispatched)]
        );
        let k = inc.kpis();
        assert_eq!(
            (k.alarm_to_ack_s, k.ack_to_dispatch_s),
            (Some(45.0), Some(0.0))
        );
    }

    #[test]
    fn extra_units_and_unit_checks() {
        let mut inc = in_status(S::OnScene);
        let at = t0() + Duration::hours(1);
        inc.apply(dispatch("u2"), "chief", at).unwrap();
        assert_eq!(inc.status, S::OnScene);
        assert_eq!(inc.dispatched_units, ["u1", "u2"]);
        assert_eq!(
            inc.apply(dispatch("u2"), "chief", at),
            Err(TransitionError::AlreadyDispatched("u2".into()))
        );
        assert_eq!(
            inc.apply(
                Action::OnScene {
                    unit_id: "u9".into()
                },
                "u9",
                at
            ),
            Err(TransitionError::UnitNotDispatched("u9".into()))
        );
        assert_eq!(
            inc.apply(dispatch("  "), "chief", at),
            Err(TransitionError::EmptyUnit)
        );
        inc.apply(
            Action::EnRoute {
                unit_id: "u2".into(),
            },
            "u2",
            at,
        )
        .unwrap();
        assert_eq!(
            inc.status,
            S::OnScene,
            "a second unit en route does not move the incident back"
        );
        // Extra dispatches do not disturb the first-dispatch KPI.
        assert_eq!(inc.kpis().ack_to_dispatch_s, Some(10.0));
    }

    #[test]
    fn resolve_validates_disposition_and_feedback() {
        let at = t0() + Duration::hours(1);
        let mut inc = in_status(S::Acknowledged);
        let bad = Action::Resolve {
            disposition: "shot".into(),
            feedback: "x".into(),
        };
        let err = inc.apply(bad, "chief", at).unwrap_err();
        let msg = err.to_string();
        assert!(
            msg.contains("shot") && msg.contains("false_alarm") && msg.contains("no_trace"),
            "{msg}"
        );
        let blank = Action::Resolve {
            disposition: "false_alarm".into(),
            feedback: " ".into(),
        };
        assert_eq!(
            inc.apply(blank, "chief", at),
            Err(TransitionError::EmptyFeedback)
        );
        assert_eq!(inc.status, S::Acknowledged);
        for d in Disposition::ALL {
            let mut i = in_status(S::Acknowledged);
            i.apply(
                Action::Resolve {
                    disposition: d.as_str().into(),
                    feedback: "ok".into(),
                },
                "c",
                at,
            )
            .unwrap();
            assert_eq!(i.disposition, Some(d));
        }
    }

    #[test]
    fn reopen_clears_disposition_and_keeps_history() {
        let at = t0() + Duration::hours(1);
        let mut inc = in_status(S::Closed);
        assert_eq!(
            inc.apply(Action::Reopen { reason: "".into() }, "c", at),
            Err(TransitionError::EmptyReason)
        );
        inc.apply(
            Action::Reopen {
                reason: "seen again".into(),
            },
            "chief",
            at,
        )
        .unwrap();
        assert_eq!(
            (inc.status, inc.disposition, inc.feedback.clone()),
            (S::Acknowledged, None, None)
        );
        assert!(
            inc.transitions
                .iter()
                .any(|t| t.note.as_deref() == Some("disposition intercepted"))
        );
        inc.apply(resolve(), "chief", at + Duration::seconds(60))
            .unwrap();
        // Alarm → resolved counts the final resolution; alarm → ack the first acknowledgement.
        let k = inc.kpis();
        assert_eq!(k.alarm_to_resolved_s, Some(3660.0));
        assert_eq!(k.alarm_to_ack_s, Some(10.0));
    }

    #[test]
    fn refuses_blank_actor_and_time_going_back() {
        let mut inc = in_status(S::Acknowledged);
        assert_eq!(
            inc.apply(Action::Close, " ", t0()),
            Err(TransitionError::EmptyActor)
        );
        let err = inc.apply(dispatch("u1"), "chief", t0()).unwrap_err();
        assert!(matches!(err, TransitionError::TimeWentBack { .. }), "{err}");
        assert_eq!(inc.status, S::Acknowledged);
    }

    #[test]
    fn kpis_of_new_incident_are_empty() {
        assert_eq!(fresh().kpis(), Kpis::default());
    }

    #[test]
    fn percentiles_interpolate() {
        let v: Vec<f64> = (1..=100).map(f64::from).collect();
        let p = percentiles(&v).unwrap();
        assert_eq!(p.count, 100);
        assert!(
            (p.p50 - 50.5).abs() < 1e-9
                && (p.p90 - 90.1).abs() < 1e-9
                && (p.p95 - 95.05).abs() < 1e-9
        );
        let p = percentiles(&[7.0, f64::NAN, f64::INFINITY]).unwrap();
        assert_eq!((p.count, p.p50, p.p95), (1, 7.0, 7.0));
        assert!(percentiles(&[]).is_none());
        assert!(percentiles(&[f64::NAN]).is_none());
        let p = percentiles(&[30.0, 10.0, 20.0]).unwrap();
        assert_eq!(p.p50, 20.0);
    }

    #[test]
    fn names_and_serde_round_trip() {
        for k in IncidentKind::ALL {
            assert_eq!(k.as_str().parse::<IncidentKind>().unwrap(), k);
            assert_eq!(
                serde_json::to_value(k).unwrap(),
                serde_json::json!(k.as_str())
            );
        }
        for s in S::ALL {
            assert_eq!(s.as_str().parse::<S>().unwrap(), s);
            assert_eq!(
                serde_json::to_value(s).unwrap(),
                serde_json::json!(s.as_str())
            );
        }
        for n in 1..=4u8 {
            let p = Priority::try_from(n).unwrap();
            assert_eq!(serde_json::to_value(p).unwrap(), serde_json::json!(n));
        }
        assert!(Priority::P1 < Priority::P4);
        assert!(serde_json::from_str::<Priority>("0").is_err());
        assert!(serde_json::from_str::<Priority>("5").is_err());
        let a: Action = serde_json::from_str(r#"{"action":"dispatch","unit_id":"rrt-1"}"#).unwrap();
        assert_eq!(a, dispatch("rrt-1"));
    }
}
