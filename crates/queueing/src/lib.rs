//! Waits at the lanes of a border station, pure: no clock, no I/O.
//!
//! - [`erlang_c`] and [`mm_c_wait_s`]: the M/M/c model of several counters fed by one queue,
//!   evaluated through the Erlang B recursion so it stays finite for hundreds of counters
//!   (the textbook sum of `a^k / k!` overflows `f64` near `a = 170`).
//! - [`estimate`]: the lane's wait for a traveller joining now, from the model where it fits
//!   and from the observed throughput where it does not, saying which ([`Method`]).
//! - [`ServiceObservations`] and [`arrival_rate_per_h`]: rates estimated from inspections
//!   started and finished and from queue counts.
//! - [`sim`]: a seeded discrete-event simulation of the same process, used to check the model.

pub mod sim;

use serde::{Deserialize, Serialize};

/// Finite and above zero (false for NaN).
fn positive(x: f64) -> bool {
    x.is_finite() && x > 0.0
}

fn non_negative(x: f64) -> bool {
    x.is_finite() && x >= 0.0
}

/// How a wait was estimated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Method {
    /// The stationary mean wait of M/M/c (Erlang C): arrivals and service observed, load below
    /// the lane's capacity, and the queue now no longer than the model explains.
    ErlangC,
    /// The people waiting now divided by the lane's throughput: the model does not fit (the
    /// arrival rate is unknown, the load exceeds capacity, or a backlog is being worked off).
    ObservedThroughput,
    /// Nobody staffs the lane or it is closed: no wait can be promised.
    Closed,
}

impl Method {
    pub fn as_str(self) -> &'static str {
        match self {
            Method::ErlangC => "erlang_c",
            Method::ObservedThroughput => "observed_throughput",
            Method::Closed => "closed",
        }
    }
}

/// Erlang B blocking probability for `servers` counters and offered load `a = λ/μ` (erlangs),
/// by the recursion `B(k) = a·B(k−1) / (k + a·B(k−1))`, which only ever divides numbers of
/// the same order and so never overflows.
pub fn erlang_b(servers: u32, a: f64) -> f64 {
    if !positive(a) {
        return if servers == 0 { 1.0 } else { 0.0 };
    }
    let mut b = 1.0_f64;
    for k in 1..=servers {
        let ab = a * b;
        b = ab / (f64::from(k) + ab);
    }
    b
}

/// Erlang C: the probability that an arrival waits, for `servers` counters and offered load
/// `a` erlangs. `None` when the queue is unstable (`a ≥ servers`) or there is no counter.
pub fn erlang_c(servers: u32, a: f64) -> Option<f64> {
    if servers == 0 || !a.is_finite() || a < 0.0 || a >= f64::from(servers) {
        return None;
    }
    if a == 0.0 {
        return Some(0.0);
    }
    let b = erlang_b(servers, a);
    let c = f64::from(servers);
    Some((c * b / (c - a * (1.0 - b))).clamp(0.0, 1.0))
}

/// Mean wait in the queue (seconds) of M/M/c with arrival rate `lambda_per_h` and service rate
/// `mu_per_h` per counter. `None` when unstable or undefined.
pub fn mm_c_wait_s(servers: u32, lambda_per_h: f64, mu_per_h: f64) -> Option<f64> {
    if !positive(mu_per_h) || !non_negative(lambda_per_h) {
        return None;
    }
    let a = lambda_per_h / mu_per_h;
    let pw = erlang_c(servers, a)?;
    let capacity = f64::from(servers) * mu_per_h - lambda_per_h;
    if pw == 0.0 {
        return Some(0.0);
    }
    Some(pw / capacity * 3600.0)
}

/// Probability that `queue` or more travellers are waiting in a stationary M/M/c queue:
/// `P(Nq ≥ q) = C · ρ^q`.
pub fn p_queue_at_least(servers: u32, a: f64, queue: u32) -> Option<f64> {
    let pw = erlang_c(servers, a)?;
    let rho = a / f64::from(servers);
    Some(pw * rho.powi(queue.min(i32::MAX as u32) as i32))
}

/// What the station knows about a lane when it estimates the wait.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LaneLoad {
    /// Counters staffed and serving (one person staffs one counter).
    pub servers: u32,
    /// Travellers waiting now (camera count or inspections), not counting those at a counter.
    pub queue: u32,
    /// Arrivals per hour observed recently; `None` when nothing tells.
    pub arrival_rate_per_h: Option<f64>,
    /// Service rate per staffed counter per hour (observed, or the lane kind's default).
    pub service_rate_per_h: f64,
    /// Travellers cleared per hour at the lane recently; `None` when nothing was observed.
    pub throughput_per_h: Option<f64>,
}

/// A wait estimate and how it was made.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Estimate {
    /// Seconds a traveller joining now is expected to wait; `None` for a closed lane.
    pub wait_s: Option<f64>,
    pub method: Method,
}

/// Below this probability the observed queue is not something the stationary model explains
/// (a bus unloaded at once, a counter that was closed): the backlog decides the wait.
const QUEUE_SURPRISE: f64 = 0.05;

/// The wait for a traveller joining the lane now.
///
/// Erlang C where it fits; otherwise the backlog over the lane's throughput: the observed
/// one if it is known and not above what the staff can do, else staff × service rate.
pub fn estimate(load: &LaneLoad) -> Estimate {
    if load.servers == 0 || !positive(load.service_rate_per_h) {
        return Estimate {
            wait_s: None,
            method: Method::Closed,
        };
    }
    let capacity_per_h = f64::from(load.servers) * load.service_rate_per_h;
    if let Some(lambda) = load
        .arrival_rate_per_h
        .filter(|l| l.is_finite() && *l >= 0.0)
    {
        let a = lambda / load.service_rate_per_h;
        if let (Some(wait), Some(p)) = (
            mm_c_wait_s(load.servers, lambda, load.service_rate_per_h),
            p_queue_at_least(load.servers, a, load.queue),
        ) && p >= QUEUE_SURPRISE
        {
            return Estimate {
                wait_s: Some(wait),
                method: Method::ErlangC,
            };
        }
    }
    let throughput = load
        .throughput_per_h
        .filter(|t| t.is_finite() && *t > 0.0)
        .map_or(capacity_per_h, |t| t.min(capacity_per_h));
    // The traveller joining waits for everyone ahead to be served: (queue + 1) departures
    // once every counter is busy; with a free counter and nobody waiting, none.
    let ahead = if load.queue == 0 {
        0.0
    } else {
        f64::from(load.queue) + 1.0 - f64::from(load.servers).min(1.0)
    };
    Estimate {
        wait_s: Some(ahead / throughput * 3600.0),
        method: Method::ObservedThroughput,
    }
}

/// The smallest number of counters whose Erlang C wait is at most `target_s`, up to
/// `max_servers`; `None` when even that many cannot meet it.
pub fn servers_for_target(
    lambda_per_h: f64,
    mu_per_h: f64,
    target_s: f64,
    max_servers: u32,
) -> Option<u32> {
    (1..=max_servers)
        .find(|&c| mm_c_wait_s(c, lambda_per_h, mu_per_h).is_some_and(|w| w <= target_s))
}

/// Service times observed at a lane, from inspections started and finished.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ServiceObservations {
    count: u64,
    total_s: f64,
}

impl ServiceObservations {
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds one inspection's service time (finished − started). Negative, zero or absurd
    /// (over 4 hours: a forgotten record) times are ignored and reported as such.
    pub fn add(&mut self, service_s: f64) -> bool {
        if !positive(service_s) || service_s > 4.0 * 3600.0 {
            return false;
        }
        self.count += 1;
        self.total_s += service_s;
        true
    }

    pub fn count(&self) -> u64 {
        self.count
    }

    pub fn mean_s(&self) -> Option<f64> {
        (self.count > 0).then(|| self.total_s / self.count as f64)
    }

    /// The service rate per counter per hour: the observed mean once `min_count` inspections
    /// are known, shrunk towards the default before that so one quick case does not promise
    /// a short wait (a prior worth `min_count` inspections at the default time).
    pub fn rate_per_h(&self, default_service_s: f64, min_count: u64) -> f64 {
        let prior_n = min_count as f64;
        let n = self.count as f64;
        let mean = (self.total_s + prior_n * default_service_s) / (n + prior_n);
        if mean > 0.0 {
            3600.0 / mean
        } else {
            3600.0 / default_service_s.max(1.0)
        }
    }
}

/// Arrivals per hour over a window: the travellers who started service in it plus the growth
/// of the queue (arrivals = served + Δqueue). `None` for an empty window.
pub fn arrival_rate_per_h(
    started: u32,
    queue_before: u32,
    queue_now: u32,
    window_s: f64,
) -> Option<f64> {
    if !positive(window_s) {
        return None;
    }
    let arrivals = (f64::from(started) + f64::from(queue_now) - f64::from(queue_before)).max(0.0);
    Some(arrivals / window_s * 3600.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64, tol: f64) -> bool {
        (a - b).abs() <= tol * b.abs().max(1e-12)
    }

    #[test]
    fn erlang_c_matches_the_textbook_sum() {
        // Direct formula for small cases.
        fn direct(c: u32, a: f64) -> f64 {
            let mut sum = 0.0;
            let mut term = 1.0;
            for k in 0..c {
                if k > 0 {
                    term *= a / f64::from(k);
                }
                sum += term;
            }
            let last = term * a / f64::from(c) * f64::from(c) / (f64::from(c) - a);
            last / (sum + last)
        }
        for (c, a) in [(1, 0.5), (2, 1.5), (3, 2.5), (10, 8.0), (25, 20.0)] {
            let got = erlang_c(c, a).unwrap();
            assert!(
                close(got, direct(c, a), 1e-9),
                "c={c} a={a}: {got} vs {}",
                direct(c, a)
            );
        }
        // M/M/1: P(wait) = ρ, Wq = ρ/(μ−λ).
        assert!(close(erlang_c(1, 0.6).unwrap(), 0.6, 1e-12));
        assert!(close(
            mm_c_wait_s(1, 36.0, 60.0).unwrap(),
            0.6 / 24.0 * 3600.0,
            1e-12
        ));
    }

    #[test]
    fn the_issue_case_waits_about_169_seconds() {
        // λ = 75/h, 3 counters, 2-minute mean service: a = 2.5, C ≈ 0.7022, Wq ≈ 168.5 s.
        let w = mm_c_wait_s(3, 75.0, 30.0).unwrap();
        assert!((w - 168.5).abs() < 0.5, "{w}");
    }

    #[test]
    fn large_counts_stay_finite() {
        let c = erlang_c(1000, 990.0).unwrap();
        assert!(c.is_finite() && c > 0.0 && c < 1.0);
        assert!(erlang_c(400, 170.5).unwrap() < 1e-30);
    }

    #[test]
    fn unstable_or_unstaffed_has_no_model() {
        assert_eq!(erlang_c(3, 3.0), None);
        assert_eq!(erlang_c(0, 0.1), None);
        assert_eq!(mm_c_wait_s(2, 100.0, 0.0), None);
    }

    #[test]
    fn estimate_says_which_method() {
        let base = LaneLoad {
            servers: 3,
            queue: 2,
            arrival_rate_per_h: Some(75.0),
            service_rate_per_h: 30.0,
            throughput_per_h: None,
        };
        let e = estimate(&base);
        assert_eq!(e.method, Method::ErlangC);
        // A backlog the model cannot explain: 60 people waiting.
        let e = estimate(&LaneLoad { queue: 60, ..base });
        assert_eq!(e.method, Method::ObservedThroughput);
        assert!(close(e.wait_s.unwrap(), 60.0 / 90.0 * 3600.0, 1e-9));
        // Overloaded: arrivals exceed capacity.
        let e = estimate(&LaneLoad {
            arrival_rate_per_h: Some(120.0),
            queue: 10,
            throughput_per_h: Some(60.0),
            ..base
        });
        assert_eq!(e.method, Method::ObservedThroughput);
        assert!(close(e.wait_s.unwrap(), 10.0 / 60.0 * 3600.0, 1e-9));
        // Unknown arrivals, empty queue: no wait.
        let e = estimate(&LaneLoad {
            arrival_rate_per_h: None,
            queue: 0,
            ..base
        });
        assert_eq!(
            e,
            Estimate {
                wait_s: Some(0.0),
                method: Method::ObservedThroughput
            }
        );
        // Nobody at the counters.
        assert_eq!(
            estimate(&LaneLoad { servers: 0, ..base }).method,
            Method::Closed
        );
    }

    #[test]
    fn service_rate_shrinks_towards_the_default() {
        let mut obs = ServiceObservations::new();
        assert_eq!(obs.rate_per_h(120.0, 10), 30.0);
        assert!(!obs.add(-3.0));
        assert!(!obs.add(5.0 * 3600.0));
        for _ in 0..1000 {
            assert!(obs.add(60.0));
        }
        let r = obs.rate_per_h(120.0, 10);
        assert!(r > 58.0 && r < 60.0, "{r}");
    }

    #[test]
    fn staffing_for_a_target() {
        assert_eq!(servers_for_target(75.0, 30.0, 200.0, 10), Some(3));
        assert_eq!(servers_for_target(75.0, 30.0, 30.0, 10), Some(4));
        assert_eq!(servers_for_target(1000.0, 30.0, 60.0, 5), None);
    }

    #[test]
    fn arrivals_from_starts_and_queue_growth() {
        assert_eq!(arrival_rate_per_h(30, 5, 10, 1800.0), Some(70.0));
        assert_eq!(arrival_rate_per_h(0, 10, 0, 1800.0), Some(0.0));
        assert_eq!(arrival_rate_per_h(3, 0, 0, 0.0), None);
    }
}
