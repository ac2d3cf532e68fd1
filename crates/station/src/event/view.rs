//! What each audience sees of an event: a view type built from the typed payload, never a
//! redacted copy of the original.
//!
//! Architecture invariant: a role sees a view, never a redacted original. [`Event::view`]
//! looks up the kind's [`Sight`] for the audience in the registry table and builds either the
//! payload as recorded (`Full`), the audience's own view type (`Limited`, `OwnAgency`), or
//! nothing. A field missing from a view type cannot leak, whatever a payload grows later.

use chrono::{DateTime, Utc};
use guomen_domain::incident::{Action, IncidentKind, IncidentSource, Priority};
use guomen_ops::IncidentCreated;
use serde::Serialize;
use serde_json::Value;

use super::{Audience, Event, Sight, rule};

/// Who is looking: the audience and, for a partner, its agency and journal actor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Viewer {
    pub audience: Audience,
    /// The partner's agency (`customs`, `railway`, `military border unit`...).
    pub agency: Option<String>,
    /// The carrier's organisation (a railway operator, a logistics firm, a travel agency).
    pub organisation: Option<String>,
    /// The viewer's own journal actor (`user:NAME`): what it raised itself concerns it.
    pub actor: Option<String>,
}

impl Viewer {
    pub fn of(audience: Audience) -> Viewer {
        Viewer {
            audience,
            agency: None,
            organisation: None,
            actor: None,
        }
    }
}

/// Whether an incident concerns a partner: it raised it, or its agency reported it. An
/// incident raised by a watchlist hit never does.
pub fn incident_concerns(
    kind: IncidentKind,
    source: IncidentSource,
    raised_by: &str,
    details: &Value,
    viewer: &Viewer,
) -> bool {
    if kind == IncidentKind::WatchlistHit {
        return false;
    }
    if viewer.actor.as_deref().is_some_and(|a| a == raised_by) {
        return true;
    }
    let reported_by = details.get("agency").and_then(Value::as_str);
    let notified = details
        .get("notified")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str);
    match viewer.agency.as_deref() {
        Some(mine) => {
            (source == IncidentSource::Partner && reported_by.is_some_and(|r| same_agency(r, mine)))
                || notified.into_iter().any(|n| same_agency(n, mine))
        }
        None => false,
    }
}

fn same_agency(a: &str, b: &str) -> bool {
    a.trim().eq_ignore_ascii_case(b.trim())
}

/// An analyst's crossing: where, which way, which nationality and outcome, and whether a gate
/// or a person decided. No inspector's name, no traveller.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CrossingStatsView<'a> {
    pub crossing_id: &'a str,
    pub site_id: &'a str,
    pub lane_id: &'a str,
    pub direction: &'a str,
    pub nationality: &'a str,
    pub decision: &'a str,
    /// `gate` or `inspector`.
    pub decided_by: &'static str,
}

/// An analyst's new incident: what, where, when and how urgent; none of the report's text,
/// the hit's entry, or the units recommended.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct IncidentStatsView<'a> {
    pub id: &'a str,
    pub kind: IncidentKind,
    pub priority: Priority,
    pub zone: Option<&'a str>,
    pub source: IncidentSource,
    pub created: DateTime<Utc>,
}

/// A partner's incident: what it reported and where it stands, without the station's units,
/// tracks or internal reasoning.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PartnerIncidentView<'a> {
    pub id: &'a str,
    pub kind: IncidentKind,
    pub priority: Priority,
    pub title: &'a str,
    pub zone: Option<&'a str>,
    pub location: Option<(f64, f64)>,
    pub created: DateTime<Utc>,
    /// The partner's own report as it sent it.
    pub details: &'a Value,
}

/// A partner's view of a later fact on its incident.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PartnerIncidentFact<'a> {
    pub incident_id: &'a str,
    pub at: DateTime<Utc>,
    /// `updated`, or the action taken (`acknowledge`, `dispatch`, `resolve`...).
    pub what: &'static str,
    pub priority: Option<Priority>,
    /// The disposal feedback, when the incident is resolved.
    pub feedback: Option<&'a str>,
    pub disposition: Option<&'a str>,
}

/// A carrier's view of a fact about its own train: what happened and the counts it may
/// know; no hit, no person, no inspector.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CarrierTrainView<'a> {
    pub train_id: &'a str,
    /// `scheduled`, `manifest_received`, `arrived`, `agency_done` or `released`.
    pub what: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub number: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub at: Option<DateTime<Utc>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub persons: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub errors: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub agency: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub duration_s: Option<i64>,
}

fn to_value<T: Serialize>(v: &T) -> Value {
    serde_json::to_value(v).unwrap_or(Value::Null)
}

fn action_name(a: &Action) -> &'static str {
    match a {
        Action::Acknowledge => "acknowledge",
        Action::Dispatch { .. } => "dispatch",
        Action::EnRoute { .. } => "en_route",
        Action::OnScene { .. } => "on_scene",
        Action::Resolve { .. } => "resolve",
        Action::Close => "close",
        Action::Reopen { .. } => "reopen",
    }
}

impl Event {
    /// The incident this event is about, if any (for partners' scope).
    pub fn incident_id(&self) -> Option<&str> {
        match self {
            Event::IncidentCreated(c) => Some(&c.id),
            Event::IncidentUpdated(u) => Some(&u.id),
            Event::IncidentTransition(t) => Some(&t.incident_id),
            _ => None,
        }
    }

    /// What `viewer` may see of this event, `None` when nothing. `concerns(incident_id)` tells
    /// whether an existing incident concerns a partner viewer (the station answers it from
    /// the command state).
    pub fn view(&self, viewer: &Viewer, concerns: &dyn Fn(&str) -> bool) -> Option<Value> {
        match rule(self.kind()).sight(viewer.audience) {
            Sight::No => None,
            Sight::Full => Some(self.payload()),
            Sight::Limited => self.limited_view(),
            Sight::OwnAgency => self.partner_view(viewer, concerns),
            Sight::OwnOrganisation => self.carrier_view(viewer),
        }
    }

    /// The carrier organisation a train fact concerns, for the kinds carriers may see.
    pub fn train_carrier(&self) -> Option<&str> {
        match self {
            Event::TrainScheduled(e) => e.carrier.as_deref(),
            Event::ManifestReceived(e) => e.carrier.as_deref(),
            Event::TrainArrived(e) => e.carrier.as_deref(),
            Event::TrainAgencyDone(e) => e.carrier.as_deref(),
            Event::TrainReleased(e) => e.carrier.as_deref(),
            _ => None,
        }
    }

    /// A carrier's view of its own organisation's train facts: status and counts, never hits.
    fn carrier_view(&self, viewer: &Viewer) -> Option<Value> {
        let mine = viewer.organisation.as_deref()?;
        if self.train_carrier() != Some(mine) {
            return None;
        }
        let base = |train_id, what: &'static str| CarrierTrainView {
            train_id,
            what,
            number: None,
            at: None,
            persons: None,
            version: None,
            errors: None,
            agency: None,
            duration_s: None,
        };
        Some(to_value(&match self {
            Event::TrainScheduled(e) => CarrierTrainView {
                number: Some(&e.number),
                at: Some(e.scheduled_arrival),
                ..base(&e.train_id, "scheduled")
            },
            Event::ManifestReceived(e) => CarrierTrainView {
                persons: Some(e.persons),
                version: Some(e.version),
                errors: Some(e.errors),
                ..base(&e.train_id, "manifest_received")
            },
            Event::TrainArrived(e) => CarrierTrainView {
                at: Some(e.at),
                ..base(&e.train_id, "arrived")
            },
            Event::TrainAgencyDone(e) => CarrierTrainView {
                agency: Some(&e.agency),
                at: Some(e.at),
                ..base(&e.train_id, "agency_done")
            },
            Event::TrainReleased(e) => CarrierTrainView {
                number: Some(&e.number),
                duration_s: Some(e.duration_s),
                ..base(&e.train_id, "released")
            },
            _ => return None,
        }))
    }

    /// The analyst's view of the kinds marked `Limited` (none for the others: the table test
    /// checks that every `Limited` cell has one).
    fn limited_view(&self) -> Option<Value> {
        match self {
            Event::CrossingRecorded(c) => Some(to_value(&CrossingStatsView {
                crossing_id: &c.crossing_id,
                site_id: &c.site_id,
                lane_id: &c.lane_id,
                direction: &c.direction,
                nationality: &c.nationality,
                decision: &c.decision,
                decided_by: if c.decided_by.starts_with("gate:") {
                    "gate"
                } else {
                    "inspector"
                },
            })),
            Event::IncidentCreated(c) => Some(to_value(&IncidentStatsView {
                id: &c.id,
                kind: c.kind,
                priority: c.priority,
                zone: c.zone.as_deref(),
                source: c.source,
                created: c.created,
            })),
            _ => None,
        }
    }

    fn partner_view(&self, viewer: &Viewer, concerns: &dyn Fn(&str) -> bool) -> Option<Value> {
        match self {
            Event::IncidentCreated(c) => {
                created_concerns(c, viewer).then(|| to_value(&partner_incident(c)))
            }
            Event::IncidentUpdated(u) => concerns(&u.id).then(|| {
                to_value(&PartnerIncidentFact {
                    incident_id: &u.id,
                    at: u.at,
                    what: "updated",
                    priority: Some(u.priority),
                    feedback: None,
                    disposition: None,
                })
            }),
            Event::IncidentTransition(t) => concerns(&t.incident_id).then(|| {
                let (disposition, feedback) = match &t.action {
                    Action::Resolve {
                        disposition,
                        feedback,
                    } => (Some(disposition.as_str()), Some(feedback.as_str())),
                    _ => (None, None),
                };
                to_value(&PartnerIncidentFact {
                    incident_id: &t.incident_id,
                    at: t.at,
                    what: action_name(&t.action),
                    priority: None,
                    feedback,
                    disposition,
                })
            }),
            _ => None,
        }
    }
}

fn created_concerns(c: &IncidentCreated, viewer: &Viewer) -> bool {
    incident_concerns(c.kind, c.source, &c.actor, &c.details, viewer)
}

fn partner_incident(c: &IncidentCreated) -> PartnerIncidentView<'_> {
    PartnerIncidentView {
        id: &c.id,
        kind: c.kind,
        priority: c.priority,
        title: &c.title,
        zone: c.zone.as_deref(),
        location: c.location,
        created: c.created,
        details: &c.details,
    }
}
