//! What the station has observed at each lane recently — inspections started and finished,
//! queue counts — and the wait estimate drawn from it. Kept in memory: it is derived from
//! journaled facts and only a recent window matters (after a restart the lane kind's default
//! service time fills in until new inspections are seen).

use std::collections::{HashMap, VecDeque};

use chrono::{DateTime, Duration, Utc};
use guomen_queueing::{Estimate, LaneLoad, ServiceObservations, arrival_rate_per_h, estimate};

/// Service times kept per lane (the most recent ones): many, because the wait near capacity is
/// very sensitive to the service rate (at ρ = 0.83 a 5 % slower rate lengthens it by half).
const SERVICE_KEPT: usize = 10_000;
/// Service times older than this (a shift) are forgotten once [`SERVICE_KEPT_RECENT`] newer
/// ones are known: the night's slow trickle must not speak for the morning's rush.
const SERVICE_MAX_AGE_H: i64 = 8;
/// The most recent service times kept whatever their age: a quiet lane keeps its evidence.
const SERVICE_KEPT_RECENT: usize = 100;
/// Inspections whose end is awaited, per lane: a forgotten one must not grow the map.
const PENDING_KEPT: usize = 2000;
/// Before this many service times the default weighs as much as the observations.
pub const SERVICE_PRIOR: u64 = 10;
/// The shortest window an arrival rate is measured over.
const MIN_WINDOW_S: f64 = 300.0;

#[derive(Debug, Clone, Default)]
pub struct LaneObs {
    /// Service starts (inspections created or decided at once), oldest first.
    starts: VecDeque<DateTime<Utc>>,
    finishes: VecDeque<DateTime<Utc>>,
    /// When each finished inspection ended and the seconds it took, oldest first.
    service_s: VecDeque<(DateTime<Utc>, f64)>,
    pending: HashMap<String, DateTime<Utc>>,
    /// Queue counts `(time, count)`, oldest first.
    counts: VecDeque<(DateTime<Utc>, u32)>,
    first_seen: Option<DateTime<Utc>>,
}

/// The lane's numbers at one instant.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LaneFigures {
    pub queue: u32,
    pub service_rate_per_h: f64,
    pub arrival_rate_per_h: Option<f64>,
    pub throughput_per_h: Option<f64>,
    pub estimate: Estimate,
}

impl LaneObs {
    fn seen(&mut self, t: DateTime<Utc>) {
        self.first_seen = Some(self.first_seen.map_or(t, |f| f.min(t)));
    }

    /// An inspection began at the lane (a traveller left the queue).
    pub fn started(&mut self, inspection_id: &str, t: DateTime<Utc>) {
        self.seen(t);
        self.starts.push_back(t);
        if self.pending.len() >= PENDING_KEPT {
            self.pending.clear();
        }
        self.pending.insert(inspection_id.to_owned(), t);
    }

    /// An inspection ended with a decision. One decided at once (an e-gate, a counter's
    /// immediate clearance) is a start and a finish with no measured service time.
    pub fn finished(&mut self, inspection_id: &str, t: DateTime<Utc>) {
        self.seen(t);
        match self.pending.remove(inspection_id) {
            Some(began) => {
                let s = (t - began).num_milliseconds() as f64 / 1000.0;
                if s > 0.0 && s <= 4.0 * 3600.0 {
                    self.service_s.push_back((t, s));
                    if self.service_s.len() > SERVICE_KEPT {
                        self.service_s.pop_front();
                    }
                }
            }
            None => self.starts.push_back(t),
        }
        self.finishes.push_back(t);
    }

    /// A service whose duration is known directly (tests and simulations).
    pub fn served(&mut self, began: DateTime<Utc>, ended: DateTime<Utc>) {
        let id = format!("served:{}", self.starts.len());
        self.started(&id, began);
        self.finished(&id, ended);
    }

    pub fn counted(&mut self, t: DateTime<Utc>, count: u32) {
        self.seen(t);
        // Counts may arrive late; keep them in time order.
        let at = self.counts.partition_point(|(c, _)| *c <= t);
        self.counts.insert(at, (t, count));
    }

    /// Forgets what is older than `keep` before `now` (the last count before it stays: it is
    /// the queue's starting point).
    pub fn prune(&mut self, now: DateTime<Utc>, keep: Duration) {
        let cut = now - keep;
        while self.starts.front().is_some_and(|t| *t < cut) {
            self.starts.pop_front();
        }
        while self.finishes.front().is_some_and(|t| *t < cut) {
            self.finishes.pop_front();
        }
        while self.counts.len() > 1 && self.counts.get(1).is_some_and(|(t, _)| *t < cut) {
            self.counts.pop_front();
        }
        let stale = now - Duration::hours(SERVICE_MAX_AGE_H);
        while self.service_s.len() > SERVICE_KEPT_RECENT
            && self.service_s.front().is_some_and(|(t, _)| *t < stale)
        {
            self.service_s.pop_front();
        }
    }

    /// Travellers waiting at `t`: the last count before it, less the services started since.
    pub fn queue_at(&self, t: DateTime<Utc>) -> u32 {
        let at = self.counts.partition_point(|(c, _)| *c <= t);
        let Some((counted, n)) = at.checked_sub(1).and_then(|i| self.counts.get(i)) else {
            return 0;
        };
        let started = self
            .starts
            .iter()
            .filter(|s| **s > *counted && **s <= t)
            .count();
        n.saturating_sub(u32::try_from(started).unwrap_or(u32::MAX))
    }

    /// The lane's figures at `now` over the last `window`, with `servers` staffed positions
    /// and `default_service_s` for the lane kind.
    pub fn figures(
        &self,
        now: DateTime<Utc>,
        window: Duration,
        servers: u32,
        default_service_s: f64,
    ) -> LaneFigures {
        let queue = self.queue_at(now);
        let mut service = ServiceObservations::new();
        for (_, s) in &self.service_s {
            service.add(*s);
        }
        let service_rate_per_h = service.rate_per_h(default_service_s, SERVICE_PRIOR);
        let (arrival_rate_per_h, throughput_per_h) = match self.first_seen {
            Some(first) if first < now => {
                let from = (now - window).max(first);
                let span_s = ((now - from).num_milliseconds() as f64 / 1000.0).max(MIN_WINDOW_S);
                let in_window = |q: &VecDeque<DateTime<Utc>>| {
                    u32::try_from(q.iter().filter(|t| **t > from && **t <= now).count())
                        .unwrap_or(u32::MAX)
                };
                let finished = in_window(&self.finishes);
                let lambda =
                    arrival_rate_per_h(in_window(&self.starts), self.queue_at(from), queue, span_s);
                let tput = (finished > 0).then(|| f64::from(finished) / span_s * 3600.0);
                (lambda, tput)
            }
            _ => (None, None),
        };
        let estimate = estimate(&LaneLoad {
            servers,
            queue,
            arrival_rate_per_h,
            service_rate_per_h,
            throughput_per_h,
        });
        LaneFigures {
            queue,
            service_rate_per_h,
            arrival_rate_per_h,
            throughput_per_h,
            estimate,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use guomen_queueing::{Method, sim};

    fn at(s: f64) -> DateTime<Utc> {
        DateTime::<Utc>::UNIX_EPOCH
            + Duration::days(20_600)
            + Duration::milliseconds((s * 1000.0) as i64)
    }

    /// Issue 16's check: Poisson arrivals at 75/h, 3 counters, exponential service with a
    /// 2-minute mean, 10,000 arrivals. The station's lane observations are fed what a station
    /// sees — a camera count every minute, each inspection's start and end — and its estimate
    /// over the run is compared with the simulated mean wait.
    #[test]
    fn station_estimate_is_within_25_percent_of_the_simulated_mean_wait() {
        let passages = sim::simulate(2026, 10_000, 75.0, 3, 120.0);
        let simulated = sim::mean_wait_s(&passages, 0);
        let mut obs = LaneObs::default();
        let end = passages.last().map_or(0.0, |p| p.finished);
        let mut minute = 0.0;
        while minute <= end {
            let waiting = passages
                .iter()
                .filter(|p| p.arrived <= minute && p.started > minute)
                .count() as u32;
            obs.counted(at(minute), waiting);
            minute += 60.0;
        }
        for p in &passages {
            obs.served(at(p.started), at(p.finished));
        }
        // Once the last traveller is through: the window is the whole run (a default of 3
        // minutes is overruled by 10,000 services) and no backlog is left to work off. At an
        // instant with a long queue the station rightly answers from the backlog instead
        // (`backlog_beats_the_stationary_mean`).
        let now = at(end);
        let f = obs.figures(now, Duration::days(30), 3, 180.0);
        assert_eq!(f.estimate.method, Method::ErlangC, "{f:?}");
        let estimated = f.estimate.wait_s.unwrap_or(f64::NAN);
        let error = (estimated - simulated).abs() / simulated;
        assert!(
            error < 0.25,
            "simulated {simulated:.1} s, estimated {estimated:.1} s ({f:?})"
        );
    }

    #[test]
    fn backlog_beats_the_stationary_mean() {
        let mut obs = LaneObs::default();
        // 75/h arriving and served in 2 minutes at 3 counters for an hour, then 40 waiting.
        for i in 0..75 {
            let t = f64::from(i) * 48.0;
            obs.served(at(t), at(t + 120.0));
        }
        obs.counted(at(3600.0), 40);
        let f = obs.figures(at(3601.0), Duration::minutes(30), 3, 120.0);
        assert_eq!(f.estimate.method, Method::ObservedThroughput, "{f:?}");
        // 40 ahead at (at most) 90 an hour.
        assert!(
            f.estimate.wait_s.unwrap_or(0.0) >= 40.0 / 90.0 * 3600.0 - 1.0,
            "{f:?}"
        );
    }

    #[test]
    fn queue_falls_as_services_start_after_a_count() {
        let mut obs = LaneObs::default();
        obs.counted(at(0.0), 10);
        obs.started("a", at(10.0));
        obs.started("b", at(20.0));
        assert_eq!(obs.queue_at(at(15.0)), 9);
        assert_eq!(obs.queue_at(at(30.0)), 8);
        obs.finished("a", at(100.0));
        let f = obs.figures(at(120.0), Duration::minutes(30), 1, 90.0);
        assert_eq!(f.queue, 8);
        // One observed service of 90 s against a default of 90 s.
        assert!((f.service_rate_per_h - 40.0).abs() < 1e-9);
    }

    #[test]
    fn the_nights_service_times_give_way_to_the_mornings() {
        let mut obs = LaneObs::default();
        // A slow night: 500 inspections of 10 minutes each.
        for i in 0..500 {
            let t = f64::from(i) * 60.0;
            obs.served(at(t), at(t + 600.0));
        }
        // The next morning: 150 of 2 minutes.
        let morning = 24.0 * 3600.0;
        for i in 0..150 {
            let t = morning + f64::from(i) * 40.0;
            obs.served(at(t), at(t + 120.0));
        }
        let now = at(morning + 150.0 * 40.0 + 120.0);
        obs.prune(now, Duration::minutes(120));
        let f = obs.figures(now, Duration::minutes(30), 3, 120.0);
        // 150 observed and the 10-service prior, all of 2 minutes: 30 an hour.
        assert!((f.service_rate_per_h - 30.0).abs() < 0.5, "{f:?}");
        // A quiet lane keeps its last services however old they are.
        let mut quiet = LaneObs::default();
        for i in 0..20 {
            let t = f64::from(i) * 60.0;
            quiet.served(at(t), at(t + 600.0));
        }
        let later = at(48.0 * 3600.0);
        quiet.prune(later, Duration::minutes(120));
        let q = quiet.figures(later, Duration::minutes(30), 1, 120.0);
        assert!(q.service_rate_per_h < 10.0, "{q:?}");
    }

    #[test]
    fn nothing_observed_uses_the_default_and_no_arrival_rate() {
        let f = LaneObs::default().figures(at(0.0), Duration::minutes(30), 2, 120.0);
        assert_eq!(f.arrival_rate_per_h, None);
        assert_eq!(f.service_rate_per_h, 30.0);
        assert_eq!(f.estimate.wait_s, Some(0.0));
        let closed = LaneObs::default().figures(at(0.0), Duration::minutes(30), 0, 120.0);
        assert_eq!(closed.estimate.method, Method::Closed);
    }
}
