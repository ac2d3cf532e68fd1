//! The station clock: the one source of operational time.
//!
//! Everything that reads "now" for the station's work — event times, link timeouts, stale
//! fixes, nuisance windows, timers, the day of KPIs and statistics — asks the [`Clock`] the
//! station was built with. A real station runs on [`SystemClock`]; `guomen demo` runs on a
//! [`SimClock`] that starts at a simulated instant and runs `speed` times faster, so a day at
//! 720× is the same day as a real one. Logins, sessions and rate limits stay on wall time:
//! they protect the process, not the port.

use std::fmt::Debug;
use std::time::{Duration, Instant};

use chrono::{DateTime, FixedOffset, NaiveDate, Utc};

pub trait Clock: Send + Sync + Debug + 'static {
    /// The station's current time.
    fn now(&self) -> DateTime<Utc>;

    /// How many station seconds pass per wall second (1 for a real station). Timers divide
    /// their wall-clock periods by it, so a 1 s tick stays a 1 s tick in station time.
    fn speed(&self) -> f64 {
        1.0
    }

    /// A wall-clock duration for `station` seconds of station time, never below 1 ms.
    fn wall(&self, station: Duration) -> Duration {
        let speed = self.speed();
        let scaled = if speed.is_finite() && speed > 0.0 {
            station.div_f64(speed)
        } else {
            station
        };
        scaled.max(Duration::from_millis(1))
    }
}

/// The wall clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// A simulated clock: `start` at construction, then `speed` station seconds per wall second.
#[derive(Debug, Clone)]
pub struct SimClock {
    start: DateTime<Utc>,
    wall_start: Instant,
    speed: f64,
}

impl SimClock {
    /// A clock that reads `start` now and runs `speed` times faster than the wall (a speed
    /// that is not a positive finite number runs at 1×).
    pub fn new(start: DateTime<Utc>, speed: f64) -> SimClock {
        let speed = if speed.is_finite() && speed > 0.0 {
            speed
        } else {
            1.0
        };
        SimClock {
            start,
            wall_start: Instant::now(),
            speed,
        }
    }

    /// The station time at `wall` (an instant of this process).
    pub fn at(&self, wall: Instant) -> DateTime<Utc> {
        let elapsed = wall.saturating_duration_since(self.wall_start);
        let micros = (elapsed.as_secs_f64() * self.speed * 1e6) as i64;
        self.start + chrono::Duration::microseconds(micros)
    }
}

impl Clock for SimClock {
    fn now(&self) -> DateTime<Utc> {
        self.at(Instant::now())
    }

    fn speed(&self) -> f64 {
        self.speed
    }
}

/// The station-local calendar day of an instant: the day every report and KPI speaks of.
pub fn local_day(time: DateTime<Utc>, offset: FixedOffset) -> NaiveDate {
    time.with_timezone(&offset).date_naive()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sim_clock_runs_at_its_speed_from_its_start() {
        let start = DateTime::parse_from_rfc3339("2026-12-06T06:00:00+08:00")
            .unwrap()
            .with_timezone(&Utc);
        let c = SimClock::new(start, 720.0);
        let later = c.wall_start + Duration::from_secs(5);
        assert_eq!(c.at(later), start + chrono::Duration::hours(1));
        assert_eq!(c.at(c.wall_start), start);
        assert_eq!(c.wall(Duration::from_secs(720)), Duration::from_secs(1));
        assert_eq!(c.wall(Duration::ZERO), Duration::from_millis(1));
    }

    #[test]
    fn a_nonsensical_speed_runs_at_one() {
        for speed in [0.0, -3.0, f64::NAN, f64::INFINITY] {
            assert_eq!(SimClock::new(Utc::now(), speed).speed(), 1.0);
        }
        assert_eq!(SystemClock.speed(), 1.0);
    }

    #[test]
    fn the_local_day_is_the_station_offsets() {
        let t = DateTime::parse_from_rfc3339("2026-12-05T17:30:00Z")
            .unwrap()
            .with_timezone(&Utc);
        let east8 = FixedOffset::east_opt(8 * 3600).unwrap();
        assert_eq!(local_day(t, east8).to_string(), "2026-12-06");
        assert_eq!(
            local_day(t, FixedOffset::east_opt(0).unwrap()).to_string(),
            "2026-12-05"
        );
    }
}
