//! The lanes of the demo's day: a roster sized for an ordinary hour, queue counts from the
//! plan's arrivals at the busiest counter stream, the station's recommendations followed
//! (opening lanes with whoever is free, calling the reinforcement pool at the evening peak),
//! tour groups announced before their bus arrives, and assistance requests. The summary
//! compares the peak wait with the recommended openings to the wait the first staffing
//! would have given (the same arrivals, the same fluid queue model).

use std::collections::{BTreeMap, HashSet};

use guomen_server::api::flow::{
    Assistance, LaneStatus, NewAssistance, NewGroup, NewShift, OpenBody, QueueBody, Recommendation,
    StaffBody,
};

use super::*;

/// What the lanes did over the day.
#[derive(Debug, Clone, Default)]
pub struct LaneDay {
    pub stream: String,
    pub peak_wait_with_s: f64,
    pub peak_wait_without_s: f64,
    pub opened: u64,
    pub reserve_calls: u64,
    pub groups_announced: u64,
    pub group_lanes_opened: u64,
    pub assistance: u64,
    pub assistance_done: u64,
}

const STEP_S: f64 = 600.0;

impl Run {
    pub(super) async fn lanes(self: Arc<Run>) {
        if !self.target.has("/api/v1/lanes/status") || !self.target.has("/api/v1/roster/shifts") {
            self.stats.skip(
                "lanes",
                "the station does not serve /api/v1/lanes/status and /api/v1/roster/shifts",
            );
            return;
        }
        let chief = self.target.tokens.chief.clone();
        // The busiest stream of manual counters: one queue, several counters.
        let mut streams: BTreeMap<(String, String), Vec<f64>> = BTreeMap::new();
        for t in &self.plan.travellers {
            if t.lane_kind == LaneKind::ManualCounter {
                streams
                    .entry((t.site_id.clone(), t.direction.as_str().to_owned()))
                    .or_default()
                    .push(f64::from(t.at_s));
            }
        }
        let Some(((site, direction), arrivals)) = streams.into_iter().max_by_key(|(_, v)| v.len())
        else {
            self.stats
                .skip("lanes", "the plan has no manual-counter travellers");
            return;
        };
        let Ok(status) = self
            .target
            .get_as::<Vec<LaneStatus>>(
                &format!("/api/v1/lanes/status?site_id={site}&kind=manual_counter"),
                &chief,
            )
            .await
        else {
            self.stats.fail("GET /api/v1/lanes/status failed".into());
            return;
        };
        let lanes: Vec<String> = status
            .iter()
            .filter(|l| l.direction == direction)
            .map(|l| l.lane_id.clone())
            .collect();
        let Some(first) = lanes.first().cloned() else {
            return;
        };
        let service_s = status
            .first()
            .map_or(90.0, |l| 3600.0 / l.service_rate_per_h);
        let start = f64::from(self.clock.start_s);
        let end = f64::from(self.clock.end_s);
        // A roster for an ordinary hour: the day's mean arrivals at 85 % load.
        let hours = ((end - start) / 3600.0).max(1.0);
        let mean_per_h = arrivals.len() as f64 / hours;
        let base = ((mean_per_h * service_s / 3600.0 / 0.85).ceil() as usize).clamp(1, lanes.len());
        let shift = |person: String, post: &str, from_s: f64, to_s: f64| NewShift {
            person,
            site_id: site.clone(),
            post: post.to_owned(),
            start: self.clock.at(from_s),
            end: self.clock.at(to_s),
        };
        let mut shifts = Vec::new();
        for i in 0..=base {
            // One more than the lanes need: someone free when the queue grows.
            shifts.push(shift(format!("counter-{}", i + 1), "counter", start, end));
        }
        shifts.push(shift("assist-1".into(), "assistance", start, end));
        for i in 0..2 {
            // 机关下沉: headquarters staff on call for the evening peak.
            let from = (start + 11.0 * 3600.0).min(end - 3600.0).max(start);
            shifts.push(shift(format!("reserve-{}", i + 1), "reserve", from, end));
        }
        for s in &shifts {
            self.post("/api/v1/roster/shifts", &chief, s).await;
        }
        for (i, lane) in lanes.iter().take(base).enumerate() {
            self.open(lane, format!("counter-{}", i + 1), "shift start")
                .await;
        }
        let mut day = LaneDay {
            stream: format!("{site} {direction}"),
            ..LaneDay::default()
        };
        let mut queue = 0.0_f64;
        let mut queue_without = 0.0_f64;
        let mut next = 0usize;
        let mut announced: HashSet<String> = HashSet::new();
        let mut assistance: Vec<(f64, String)> = Vec::new();
        let assist_at = [start + 3600.0, start + 8.0 * 3600.0, start + 13.0 * 3600.0];
        let mut t = start;
        while t + STEP_S <= end {
            t += STEP_S;
            if !self.clock.until(t).await {
                break;
            }
            let mut came = 0.0;
            while next < arrivals.len() && arrivals[next] <= t {
                if arrivals[next] > t - STEP_S {
                    came += 1.0;
                }
                next += 1;
            }
            let Ok(now) = self
                .target
                .get_as::<Vec<LaneStatus>>(
                    &format!("/api/v1/lanes/status?site_id={site}&kind=manual_counter"),
                    &chief,
                )
                .await
            else {
                continue;
            };
            let open: Vec<&LaneStatus> = now
                .iter()
                .filter(|l| l.direction == direction && l.open)
                .collect();
            let servers: f64 = open.iter().map(|l| l.staff.len().max(1) as f64).sum();
            queue = (queue + came - servers * STEP_S / service_s).max(0.0);
            queue_without = (queue_without + came - base as f64 * STEP_S / service_s).max(0.0);
            day.peak_wait_without_s = day
                .peak_wait_without_s
                .max(queue_without * service_s / base as f64);
            // The camera counts of the open lanes share the stream's queue.
            let share = (queue / open.len().max(1) as f64).round() as i64;
            let mut worst = 0.0_f64;
            for l in &open {
                let body = QueueBody {
                    count: share,
                    time: Some(self.clock.at(t)),
                };
                if let Some(s) = self
                    .post_as::<_, LaneStatus>(
                        &format!("/api/v1/lanes/{}/queue", l.lane_id),
                        &chief,
                        &body,
                    )
                    .await
                {
                    worst = worst.max(s.wait_estimate_s.unwrap_or(0.0));
                }
            }
            day.peak_wait_with_s = day.peak_wait_with_s.max(worst);
            // Tour groups announced an hour before their bus.
            for g in &self.plan.groups {
                let at = f64::from(g.at_s);
                if at > t && at <= t + 3600.0 && announced.insert(g.id.clone()) {
                    let site_id = g
                        .members
                        .first()
                        .and_then(|m| self.plan.travellers.iter().find(|x| x.id == *m))
                        .map_or(site.clone(), |x| x.site_id.clone());
                    let body = NewGroup {
                        kind: "tour".into(),
                        size: g.members.len().max(1) as i64,
                        nationality: g.nationality.to_owned(),
                        site_id,
                        direction: g.direction.as_str().to_owned(),
                        plate: None,
                        expected_arrival: self.clock.at(at),
                    };
                    if self
                        .post("/api/v1/groups", &chief, &body)
                        .await
                        .is_some_and(|r| status_ok(r.0))
                    {
                        day.groups_announced += 1;
                    }
                }
            }
            // The duty chief follows the recommendations.
            if let Ok(recs) = self
                .target
                .get_as::<Vec<Recommendation>>("/api/v1/lanes/recommendations", &chief)
                .await
            {
                for r in recs {
                    let person = r.persons.first().cloned();
                    match (r.action.as_str(), person) {
                        ("open", Some(p)) => {
                            self.open(&r.lane_id, p, &r.reason).await;
                            day.opened += 1;
                            if r.reason.starts_with("tour group") {
                                day.group_lanes_opened += 1;
                            }
                        }
                        ("call_reserve", Some(p)) => {
                            self.open(&r.lane_id, p, &r.reason).await;
                            day.reserve_calls += 1;
                        }
                        ("close", _) if r.lane_id != first => {
                            self.post(
                                &format!("/api/v1/lanes/{}/close", r.lane_id),
                                &chief,
                                &EmptyBody {},
                            )
                            .await;
                        }
                        _ => {}
                    }
                }
            }
            for at in assist_at {
                if at > t - STEP_S && at <= t {
                    let body = NewAssistance {
                        kind: "wheelchair".into(),
                        site_id: site.clone(),
                        note: "elderly traveller in the hall".into(),
                    };
                    if let Some(a) = self
                        .post_as::<_, Assistance>(
                            "/api/v1/assistance",
                            &self.target.tokens.inspector,
                            &body,
                        )
                        .await
                    {
                        day.assistance += 1;
                        assistance.push((t + 900.0, a.id));
                    }
                }
            }
            let (due, later): (Vec<_>, Vec<_>) =
                assistance.into_iter().partition(|(when, _)| *when <= t);
            assistance = later;
            for (_, id) in due {
                if self
                    .post(
                        &format!("/api/v1/assistance/{id}/done"),
                        &self.target.tokens.inspector,
                        &EmptyBody {},
                    )
                    .await
                    .is_some_and(|r| status_ok(r.0))
                {
                    day.assistance_done += 1;
                }
            }
        }
        *lock(&self.stats.lanes) = Some(day);
    }

    /// Opens a lane and puts `person` at it.
    async fn open(&self, lane: &str, person: String, reason: &str) {
        let chief = &self.target.tokens.chief;
        let body = OpenBody {
            reason: Some(reason.chars().take(400).collect()),
        };
        self.post(&format!("/api/v1/lanes/{lane}/open"), chief, &body)
            .await;
        // Whoever already staffs it stays; the new person joins.
        let mut persons = self
            .target
            .get_as::<Vec<LaneStatus>>("/api/v1/lanes/status", chief)
            .await
            .ok()
            .and_then(|v| v.into_iter().find(|l| l.lane_id == lane))
            .map(|l| l.staff)
            .unwrap_or_default();
        if !persons.contains(&person) {
            persons.push(person);
        }
        self.post(
            &format!("/api/v1/lanes/{lane}/staff"),
            chief,
            &StaffBody { persons },
        )
        .await;
    }
}
