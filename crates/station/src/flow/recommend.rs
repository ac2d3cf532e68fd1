//! Recommendations for the lanes, limited by who is on duty: open another lane of a kind
//! whose wait passes its target only when someone free is rostered to staff it, otherwise
//! call the reinforcement pool; close lanes that idle; open the tour-group lane before an
//! announced group arrives. Pure: the lanes, the roster and the groups are passed in.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, Utc};
use guomen_domain::text::{Text, codes};
use guomen_queueing::{LaneLoad, estimate};
use serde::Serialize;

use super::{Group, LaneStatus, RESERVE_POST, Shift};

/// One recommendation: `open`, `add_staff`, `call_reserve` or `close`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Recommendation {
    pub action: String,
    pub lane_id: String,
    /// The reason in English (logs, old readers).
    pub reason: String,
    /// The reason as a code with parameters, for each reader's language.
    pub reason_text: Text,
    /// The wait expected at the lane's kind once done (seconds).
    pub expected_wait_s: Option<f64>,
    /// Who could staff it (free on duty, or in the reinforcement pool).
    pub persons: Vec<String>,
}

pub struct Input<'a> {
    pub now: DateTime<Utc>,
    pub lanes: &'a [LaneStatus],
    pub on_duty: &'a [Shift],
    pub groups: &'a [Group],
    pub service_s: &'a dyn Fn(&str) -> f64,
    pub idle_after: Duration,
}

/// How long before an announced group's arrival its lane should be opened, and how long
/// after the expected time it still counts as coming.
const GROUP_LEAD: i64 = 120;
const GROUP_GRACE: i64 = 30;
/// How long a bus seen by a plate read keeps its group's lane recommended.
const GROUP_SEEN_FOR: i64 = 60;

/// Whether an announced group is coming to its lane now: expected within the lead time (or
/// a little late), or its bus seen at a gate a short while ago.
pub fn group_due(g: &Group, now: DateTime<Utc>) -> bool {
    let expected = g.expected_arrival <= now + Duration::minutes(GROUP_LEAD)
        && g.expected_arrival + Duration::minutes(GROUP_GRACE) >= now;
    expected || group_due_by_sight(g, now)
}

/// Whether the group is due because its bus was seen (not only by its expected time).
fn group_due_by_sight(g: &Group, now: DateTime<Utc>) -> bool {
    g.seen_at
        .is_some_and(|t| t <= now && now - t <= Duration::minutes(GROUP_SEEN_FOR))
}

/// Why a person can do it (or who to call): the nested reason of a recommendation, in English
/// and as a code whose parameters the outer text carries on.
fn why_free(person: &str) -> (String, Text) {
    (
        format!("{person} is on duty and free"),
        Text::new(codes::FLOW_WHY_FREE).with("person", person),
    )
}

fn why_no_lane(person: &str) -> (String, Text) {
    (
        format!("no closed lane of this kind is left, {person} is on duty and free"),
        Text::new(codes::FLOW_WHY_NO_LANE).with("person", person),
    )
}

fn why_reserve(names: &[String]) -> (String, Text) {
    (
        format!(
            "nobody free on duty, {} in the reinforcement pool ({})",
            names.len(),
            names.join(", ")
        ),
        Text::new(codes::FLOW_WHY_RESERVE)
            .with("n", names.len())
            .with("persons", names.join(", ")),
    )
}

fn why_nobody() -> (String, Text) {
    (
        "nobody free on duty and nobody in the reinforcement pool".to_owned(),
        Text::new(codes::FLOW_WHY_NOBODY),
    )
}

/// `outer` with the nested reason `why` as its `reason` parameter (and `why`'s parameters).
fn nest(mut outer: Text, why: Text) -> Text {
    outer = outer.with("reason", &why.code);
    for (k, v) in why.params {
        outer = outer.with(&k, v);
    }
    outer
}

fn minutes(s: f64) -> f64 {
    (s / 60.0).round()
}

pub fn recommend(input: &Input<'_>) -> Vec<Recommendation> {
    let mut out = Vec::new();
    // Everyone staffing an open lane is busy; the rest of the roster is free at its site.
    let busy: Vec<&str> = input
        .lanes
        .iter()
        .filter(|l| l.open)
        .flat_map(|l| l.staff.iter().map(String::as_str))
        .collect();
    let mut free: Vec<&Shift> = input
        .on_duty
        .iter()
        .filter(|s| s.post != RESERVE_POST && !busy.contains(&s.person.as_str()))
        .collect();
    let reserve: Vec<&Shift> = input
        .on_duty
        .iter()
        .filter(|s| s.post == RESERVE_POST && !busy.contains(&s.person.as_str()))
        .collect();
    let mut take_free = |site: &str| -> Option<String> {
        let i = free.iter().position(|s| s.site_id == site)?;
        Some(free.remove(i).person.clone())
    };
    let reserve_names: Vec<String> = reserve.iter().map(|s| s.person.clone()).collect();

    // Lanes that serve one stream of travellers: same site, kind, channel and direction.
    let mut groups: BTreeMap<(&str, &str, Option<&str>, &str), Vec<&LaneStatus>> = BTreeMap::new();
    for l in input.lanes {
        groups
            .entry((
                l.site_id.as_str(),
                l.kind.as_str(),
                l.channel.as_deref(),
                l.direction.as_str(),
            ))
            .or_default()
            .push(l);
    }
    let mut claimed: Vec<String> = Vec::new();

    // Announced groups first: their lane must be open before the bus pulls in.
    for g in input.groups {
        if !group_due(g, input.now) {
            continue;
        }
        let lanes: Vec<&LaneStatus> = input
            .lanes
            .iter()
            .filter(|l| {
                l.site_id == g.site_id
                    && l.channel.as_deref() == Some("tour_group")
                    && (l.direction == g.direction || l.direction == "both")
            })
            .collect();
        if lanes.iter().any(|l| l.open) {
            continue;
        }
        let Some(lane) = lanes.iter().find(|l| !claimed.contains(&l.lane_id)) else {
            continue;
        };
        let service = (input.service_s)(&lane.kind);
        let at = g.expected_arrival.format("%H:%M UTC").to_string();
        let (action, persons, (why, why_text)) = match take_free(&g.site_id) {
            Some(p) => ("open", vec![p.clone()], why_free(&p)),
            None if !reserve_names.is_empty() => (
                "call_reserve",
                reserve_names.clone(),
                why_reserve(&reserve_names),
            ),
            None => ("call_reserve", vec![], why_nobody()),
        };
        let (reason, text) = match (&g.seen_at, &g.plate) {
            (Some(seen), Some(plate)) if group_due_by_sight(g, input.now) => (
                format!(
                    "the bus {plate} of the tour group of {} ({}) was seen at the gate at {}: open the tour-group lane before it reaches the counters; {why}",
                    g.size,
                    g.nationality,
                    seen.format("%H:%M UTC")
                ),
                Text::new(codes::FLOW_REC_GROUP_SEEN)
                    .with("plate", plate)
                    .with("size", g.size)
                    .with("nationality", &g.nationality)
                    .with("at", seen.format("%H:%M UTC")),
            ),
            (_, Some(plate)) => (
                format!(
                    "tour group of {} ({}) expected at {at}, bus {plate}: open the tour-group lane before it arrives; {why}",
                    g.size, g.nationality
                ),
                Text::new(codes::FLOW_REC_GROUP_BUS)
                    .with("plate", plate)
                    .with("size", g.size)
                    .with("nationality", &g.nationality)
                    .with("at", &at),
            ),
            (_, None) => (
                format!(
                    "tour group of {} ({}) expected at {at}: open the tour-group lane before it arrives; {why}",
                    g.size, g.nationality
                ),
                Text::new(codes::FLOW_REC_GROUP)
                    .with("size", g.size)
                    .with("nationality", &g.nationality)
                    .with("at", &at),
            ),
        };
        out.push(Recommendation {
            action: action.into(),
            lane_id: lane.lane_id.clone(),
            reason,
            reason_text: nest(text, why_text),
            // The group served at one position, on average half of it ahead of each member.
            expected_wait_s: Some((f64::from(g.size) * service / 2.0).round()),
            persons,
        });
        claimed.push(lane.lane_id.clone());
    }

    for ((site, _kind, _channel, _dir), lanes) in &groups {
        let open: Vec<&&LaneStatus> = lanes.iter().filter(|l| l.open).collect();
        let Some(worst) = open
            .iter()
            .filter(|l| l.wait_estimate_s.is_some())
            .max_by(|a, b| {
                a.wait_estimate_s
                    .unwrap_or(0.0)
                    .total_cmp(&b.wait_estimate_s.unwrap_or(0.0))
            })
        else {
            continue;
        };
        let wait = worst.wait_estimate_s.unwrap_or(0.0);
        let target = f64::from(worst.wait_target_s);
        if wait > target {
            // The stream shared over one more position.
            let servers: u32 = open
                .iter()
                .map(|l| u32::try_from(l.staff.len()).unwrap_or(1).max(1))
                .sum();
            let queue: u32 = open.iter().map(|l| l.queue).sum();
            let lambda: Option<f64> = open.iter().map(|l| l.arrival_rate_per_h).sum();
            let mu = open.iter().map(|l| l.service_rate_per_h).sum::<f64>() / open.len() as f64;
            let after = |extra: u32| {
                estimate(&LaneLoad {
                    servers: servers + extra,
                    queue,
                    arrival_rate_per_h: lambda,
                    service_rate_per_h: mu,
                    throughput_per_h: None,
                })
                .wait_s
                .map(f64::round)
            };
            let closed = lanes
                .iter()
                .find(|l| !l.open && !claimed.contains(&l.lane_id));
            let what = format!(
                "estimated wait {} min at {} passes the {} min target",
                minutes(wait),
                worst.lane_id,
                minutes(target)
            );
            let what_text = Text::new(codes::FLOW_REC_WAIT)
                .with("wait_min", minutes(wait))
                .with("lane", &worst.lane_id)
                .with("target_min", minutes(target));
            let rec = |action: &str,
                       lane_id: String,
                       (why, why_text): (String, Text),
                       expected_wait_s,
                       persons| {
                Recommendation {
                    action: action.into(),
                    reason: format!("{what}; {why}"),
                    reason_text: nest(what_text.clone(), why_text),
                    lane_id,
                    expected_wait_s,
                    persons,
                }
            };
            let rec = match (take_free(site), closed) {
                (Some(p), Some(c)) => {
                    rec("open", c.lane_id.clone(), why_free(&p), after(1), vec![p])
                }
                (Some(p), None) => rec(
                    "add_staff",
                    worst.lane_id.clone(),
                    why_no_lane(&p),
                    after(1),
                    vec![p],
                ),
                (None, c) if !reserve_names.is_empty() => rec(
                    "call_reserve",
                    c.map_or(worst.lane_id.clone(), |c| c.lane_id.clone()),
                    why_reserve(&reserve_names),
                    after(1),
                    reserve_names.clone(),
                ),
                (None, c) => rec(
                    "call_reserve",
                    c.map_or(worst.lane_id.clone(), |c| c.lane_id.clone()),
                    why_nobody(),
                    Some(wait),
                    vec![],
                ),
            };
            claimed.push(rec.lane_id.clone());
            out.push(rec);
            continue;
        }
        // Idle lanes: open a while, nobody waiting, nobody arriving.
        for l in &open {
            let idle = l.queue == 0
                && l.arrival_rate_per_h.is_none_or(|a| a == 0.0)
                && l.opened_at
                    .is_some_and(|t| t + input.idle_after <= input.now)
                && !claimed.contains(&l.lane_id);
            let expecting_group = input.groups.iter().any(|g| {
                l.channel.as_deref() == Some("tour_group")
                    && g.site_id == l.site_id
                    && group_due(g, input.now)
            });
            if idle && !expecting_group {
                out.push(Recommendation {
                    action: "close".into(),
                    lane_id: l.lane_id.clone(),
                    reason: format!(
                        "nobody waiting and nobody arrived for {} min",
                        input.idle_after.num_minutes()
                    ),
                    reason_text: Text::new(codes::FLOW_REC_IDLE)
                        .with("minutes", input.idle_after.num_minutes()),
                    expected_wait_s: Some(0.0),
                    persons: l.staff.clone(),
                });
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t0() -> DateTime<Utc> {
        DateTime::<Utc>::UNIX_EPOCH + Duration::days(20_600)
    }

    fn lane(id: &str, open: bool, staff: &[&str], queue: u32, wait: Option<f64>) -> LaneStatus {
        LaneStatus {
            lane_id: id.into(),
            kind: "manual_counter".into(),
            channel: None,
            site_id: "road".into(),
            direction: "entry".into(),
            open,
            staff: staff.iter().map(|s| s.to_string()).collect(),
            queue,
            service_rate_per_h: 40.0,
            wait_estimate_s: wait,
            method: "observed_throughput".into(),
            arrival_rate_per_h: if queue > 0 { Some(60.0) } else { Some(0.0) },
            wait_target_s: 1800,
            opened_at: open.then(|| t0() - Duration::hours(2)),
            changed_by: None,
        }
    }

    fn shift(person: &str, post: &str) -> Shift {
        Shift {
            id: person.into(),
            person: person.into(),
            site_id: "road".into(),
            post: post.into(),
            start: t0() - Duration::hours(1),
            end: t0() + Duration::hours(7),
        }
    }

    fn run(lanes: &[LaneStatus], on_duty: &[Shift]) -> Vec<Recommendation> {
        recommend(&Input {
            now: t0(),
            lanes,
            on_duty,
            groups: &[],
            service_s: &|_| 90.0,
            idle_after: Duration::minutes(30),
        })
    }

    #[test]
    fn a_long_wait_opens_a_lane_only_with_someone_free() {
        let lanes = [
            lane("c1", true, &["A"], 40, Some(3600.0)),
            lane("c2", false, &[], 0, None),
        ];
        let r = run(&lanes, &[shift("A", "counter")]);
        assert_eq!(r[0].action, "call_reserve", "{r:?}");
        let r = run(&lanes, &[shift("A", "counter"), shift("B", "counter")]);
        assert_eq!(
            (r[0].action.as_str(), r[0].lane_id.as_str()),
            ("open", "c2")
        );
        assert_eq!(r[0].persons, ["B"]);
        assert!(r[0].expected_wait_s.unwrap_or(f64::MAX) < 3600.0);
    }

    #[test]
    fn reasons_are_codes_with_the_nested_why_and_its_parameters() {
        let lanes = [
            lane("c1", true, &["A"], 40, Some(3600.0)),
            lane("c2", false, &[], 0, None),
        ];
        let r = run(&lanes, &[shift("A", "counter"), shift("Z", RESERVE_POST)]);
        let t = &r[0].reason_text;
        assert_eq!(t.code, codes::FLOW_REC_WAIT);
        assert_eq!(t.param("reason"), Some(codes::FLOW_WHY_RESERVE));
        assert_eq!(
            (t.param("wait_min"), t.param("target_min"), t.param("n")),
            (Some("60"), Some("30"), Some("1"))
        );
        assert_eq!(t.param("persons"), Some("Z"));
        for c in [&t.code, &t.params["reason"]] {
            assert!(codes::ALL.contains(&c.as_str()), "{c} is listed");
            let listed = codes::params(&t.code);
            assert!(
                t.params.keys().all(|k| listed.contains(&k.as_str())),
                "{t:?}"
            );
        }
        let idle = run(&[lane("c1", true, &["A"], 0, Some(0.0))], &[]);
        assert_eq!(idle[0].reason_text.code, codes::FLOW_REC_IDLE);
        assert_eq!(idle[0].reason_text.param("minutes"), Some("30"));
    }

    #[test]
    fn a_bus_seen_at_the_gate_makes_its_group_due_whatever_its_expected_time() {
        let mut tour = lane("tour", false, &[], 0, None);
        tour.kind = "special_channel".into();
        tour.channel = Some("tour_group".into());
        let mut g = Group {
            id: "g1".into(),
            kind: "tour".into(),
            size: 40,
            nationality: "MNG".into(),
            site_id: "road".into(),
            direction: "entry".into(),
            plate: Some("1234УБА".into()),
            expected_arrival: t0() + Duration::hours(5),
            organisation: None,
            announced_at: t0() - Duration::hours(1),
            announced_by: "chief".into(),
            seen_at: None,
            seen_camera: None,
        };
        let go = |g: &Group| {
            recommend(&Input {
                now: t0(),
                lanes: std::slice::from_ref(&tour),
                on_duty: &[shift("B", "counter")],
                groups: std::slice::from_ref(g),
                service_s: &|_| 120.0,
                idle_after: Duration::minutes(30),
            })
        };
        assert!(go(&g).is_empty(), "five hours early");
        g.seen_at = Some(t0() - Duration::minutes(3));
        let r = go(&g);
        assert_eq!(
            (r[0].action.as_str(), r[0].lane_id.as_str()),
            ("open", "tour")
        );
        assert_eq!(r[0].reason_text.code, codes::FLOW_REC_GROUP_SEEN);
        assert_eq!(r[0].reason_text.param("plate"), Some("1234УБА"));
        // An hour after the sighting the group no longer counts by it.
        g.seen_at = Some(t0() - Duration::minutes(90));
        assert!(go(&g).is_empty());
    }

    #[test]
    fn an_idle_lane_is_closed_and_a_busy_one_is_not() {
        let lanes = [
            lane("c1", true, &["A"], 0, Some(0.0)),
            lane("c2", true, &["B"], 3, Some(270.0)),
        ];
        let r = run(&lanes, &[]);
        assert_eq!(r.len(), 1, "{r:?}");
        assert_eq!(
            (r[0].action.as_str(), r[0].lane_id.as_str()),
            ("close", "c1")
        );
    }
}
