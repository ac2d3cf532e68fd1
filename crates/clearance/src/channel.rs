//! Special channels: which lane a traveller belongs in. Students with a study visa (X1, X2)
//! go to the students' channel, the port's own citizens coming home in a holiday window to the
//! citizens' holiday return channel, rescue cases to the cross-border rescue channel, and
//! travellers an e-gate takes to the e-gates; a traveller in a special channel or at an e-gate
//! they do not qualify for belongs at a counter. Each channel lane's own rules (nationality,
//! document kind...) apply as well. Pure: the lanes of the site and the day's holiday flag are
//! passed in.

use guomen_domain::text::{Text, codes};
use guomen_port::{Channel, Lane, LaneKind};
use serde::{Deserialize, Serialize};

use crate::{Context, DocumentFacts, eligibility};

/// The study visas (学习签证): X1 for more than 180 days, X2 for less.
pub const STUDY_VISAS: &[&str] = &["X1", "X2"];
/// The `purpose` values of a rescue case (跨境救助).
pub const RESCUE_PURPOSES: &[&str] = &["rescue", "medical_rescue"];

/// What the traveller says or carries beyond the document.
#[derive(Debug, Clone, Copy, Default)]
pub struct Declared<'a> {
    /// The visa type, e.g. `X1`, `L`, `M` (Chinese visa categories).
    pub visa_type: Option<&'a str>,
    /// The purpose of the crossing: `study`, `tourism`, `business`, `rescue`...
    pub purpose: Option<&'a str>,
    /// Whether today is in one of the port's holiday windows.
    pub holiday: bool,
}

/// Where the traveller belongs instead of the lane they are at.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChannelAdvice {
    /// `students`, `citizens_holiday_return`, `cross_border_rescue`, `egate` or `counter`.
    pub channel: String,
    /// The lane of the site to send them to.
    pub lane_id: String,
    /// Why, for each reader's language (`clr.channel.*`, parameter `lane`).
    pub reason: Text,
}

/// The special channels a traveller belongs in by what they declare, best first.
fn belongs(doc: &DocumentFacts, ctx: &Context<'_>, d: &Declared<'_>) -> Vec<Channel> {
    let mut out = Vec::new();
    let is = |v: Option<&str>, set: &[&str]| {
        v.map(str::trim)
            .is_some_and(|v| set.iter().any(|s| s.eq_ignore_ascii_case(v)))
    };
    if is(d.purpose, RESCUE_PURPOSES) {
        out.push(Channel::CrossBorderRescue);
    }
    if is(d.visa_type, STUDY_VISAS) {
        out.push(Channel::Students);
    }
    let citizen = ctx
        .home_country
        .is_some_and(|h| doc.nationality.as_deref() == Some(h));
    if d.holiday && citizen && ctx.direction == crate::Direction::Entry {
        out.push(Channel::CitizensHolidayReturn);
    }
    out
}

/// Whether `lane` takes this traveller: open in their direction, and its own rules met.
fn takes(lane: &Lane, doc: &DocumentFacts, ctx: &Context<'_>) -> bool {
    let there = Context {
        lane,
        ..ctx.clone()
    };
    eligibility(doc, &there).is_empty()
}

fn code_of(channel: Channel) -> &'static str {
    match channel {
        Channel::Students => codes::CHANNEL_STUDENTS,
        Channel::CitizensHolidayReturn => codes::CHANNEL_HOLIDAY,
        _ => codes::CHANNEL_RESCUE,
    }
}

/// Where the traveller at `ctx.lane` belongs, if not there. `site_lanes` are the lanes of the
/// inspection's site (in the port's order).
pub fn advise(
    doc: &DocumentFacts,
    ctx: &Context<'_>,
    site_lanes: &[&Lane],
    declared: &Declared<'_>,
) -> Option<ChannelAdvice> {
    let here = ctx.lane;
    let channels = belongs(doc, ctx, declared);
    let advice = |channel: &str, lane: &Lane, code: &str| ChannelAdvice {
        channel: channel.to_owned(),
        lane_id: lane.id.clone(),
        reason: Text::new(code).with("lane", &lane.id),
    };
    let counter = || {
        site_lanes
            .iter()
            .find(|l| l.kind == LaneKind::ManualCounter && ctx.direction.allowed_on(l.direction))
            .map(|l| advice("counter", l, codes::CHANNEL_COUNTER))
    };
    match (here.kind, here.channel) {
        // A channel that serves travellers by what they are: the wrong ones go to a counter.
        (
            LaneKind::SpecialChannel,
            Some(
                c @ (Channel::Students
                | Channel::CitizensHolidayReturn
                | Channel::CrossBorderRescue),
            ),
        ) => {
            if channels.contains(&c) {
                None
            } else {
                counter()
            }
        }
        (LaneKind::Egate, _) => (!takes(here, doc, ctx)).then(counter).flatten(),
        (LaneKind::ManualCounter, _) => {
            for c in &channels {
                if let Some(l) = site_lanes.iter().find(|l| {
                    l.kind == LaneKind::SpecialChannel
                        && l.channel == Some(*c)
                        && takes(l, doc, ctx)
                }) {
                    return Some(advice(c.as_str(), l, code_of(*c)));
                }
            }
            // Nobody with a special need: self-service if a gate here takes them.
            if channels.is_empty() {
                site_lanes
                    .iter()
                    .find(|l| l.kind == LaneKind::Egate && takes(l, doc, ctx))
                    .map(|l| advice("egate", l, codes::CHANNEL_EGATE))
            } else {
                None
            }
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;
    use guomen_port::{DocumentKind, Port};

    use super::*;
    use crate::Direction;

    fn doc(nat: &str, year: i32) -> DocumentFacts {
        DocumentFacts {
            nationality: Some(nat.into()),
            issuing_state: Some(nat.into()),
            birth_date: NaiveDate::from_ymd_opt(year, 3, 14),
            expiry_date: NaiveDate::from_ymd_opt(2031, 1, 1),
            kind: Some(DocumentKind::Passport),
            specimen: false,
            problems: Vec::new(),
            enrolled: false,
        }
    }

    /// The advice for a traveller at `lane_id` of the Erenhot port, entering.
    fn at(
        port: &Port,
        lane_id: &str,
        doc: &DocumentFacts,
        declared: Declared<'_>,
    ) -> Option<(String, String, String)> {
        let lane = port.lane(lane_id).unwrap();
        let ctx = Context {
            lane,
            direction: Direction::Entry,
            today: NaiveDate::from_ymd_opt(2027, 2, 1).unwrap(),
            home_country: Some("CHN"),
            threshold: crate::DEFAULT_THRESHOLD,
        };
        let site: Vec<&Lane> = port.lanes.iter().filter(|l| l.site == lane.site).collect();
        advise(doc, &ctx, &site, &declared).map(|a| (a.channel, a.lane_id, a.reason.code))
    }

    #[test]
    fn citizens_go_to_the_holiday_channel_only_in_a_holiday_window() {
        let port = guomen_port::erenhot();
        let holiday = Declared {
            holiday: true,
            ..Declared::default()
        };
        assert_eq!(
            at(&port, "road-counter-entry-1", &doc("CHN", 1980), holiday),
            Some((
                "citizens_holiday_return".into(),
                "road-holiday-return".into(),
                codes::CHANNEL_HOLIDAY.into()
            ))
        );
        // Out of the window a Chinese adult with a passport is sent to the e-gates.
        let (channel, _, code) = at(
            &port,
            "road-counter-entry-1",
            &doc("CHN", 1980),
            Declared::default(),
        )
        .unwrap();
        assert_eq!(
            (channel.as_str(), code.as_str()),
            ("egate", codes::CHANNEL_EGATE)
        );
        // A Chinese child is no e-gate case: nowhere else.
        assert_eq!(
            at(
                &port,
                "road-counter-entry-1",
                &doc("CHN", 2020),
                Declared::default()
            ),
            None
        );
        // A foreigner in the holiday channel belongs at a counter, even in the window.
        let (channel, lane, _) =
            at(&port, "road-holiday-return", &doc("MNG", 1980), holiday).unwrap();
        assert_eq!(channel, "counter");
        assert_eq!(port.lane(&lane).unwrap().kind, LaneKind::ManualCounter);
        assert_eq!(
            at(&port, "road-holiday-return", &doc("CHN", 1980), holiday),
            None
        );
    }

    #[test]
    fn a_study_visa_and_a_rescue_case_name_their_channels_and_rescue_comes_first() {
        let port = guomen_port::erenhot();
        let student = Declared {
            visa_type: Some("x1"),
            ..Declared::default()
        };
        assert_eq!(
            at(&port, "road-counter-entry-1", &doc("MNG", 2004), student).map(|a| a.0),
            Some("students".into())
        );
        let both = Declared {
            visa_type: Some("X2"),
            purpose: Some("rescue"),
            holiday: false,
        };
        // The rail site has a rescue channel and no students' channel.
        assert_eq!(
            at(&port, "rail-counter-entry-1", &doc("MNG", 2004), both).map(|a| a.0),
            Some("cross_border_rescue".into())
        );
        // The road site has no rescue channel: the students' channel then.
        assert_eq!(
            at(&port, "road-counter-entry-1", &doc("MNG", 2004), both).map(|a| a.0),
            Some("students".into())
        );
        // An ineligible traveller at an e-gate belongs at a counter.
        assert_eq!(
            at(
                &port,
                "road-egate-entry-1",
                &doc("MNG", 1980),
                Declared::default()
            )
            .map(|a| a.0),
            Some("counter".into())
        );
    }
}
