//! The demo station's clock: simulated time from the day's start at `speed` simulated seconds
//! per wall second (as a [`SimClock`]), held at the day's start while the demo sets up (users,
//! the watchlist import) and stopped at the day's end.
//!
//! Station time is simulated time throughout: the first traveller of 06:00 meets a station
//! whose clock reads 06:00 however long the setup took, and once the day is played its last
//! instant stays the station's now, so links do not time out and the summary reads the
//! state of the day's end (the station keeps serving that state until Ctrl-C).
//!
//! The simulated terminals beat every 10 simulated seconds, as real ones do. A station on a
//! loaded machine may take longer than that in wall time to answer (at 720× the 30 s link
//! timeout is 42 ms of wall time), so the clock never runs past the pace the driver allows
//! ([`DemoClock::allow_until`]: what the station has acknowledged of every live link, plus a
//! margin below the timeout). When the machine cannot keep up the day plays slower; it
//! never plays incoherently (a link the simulation keeps alive never times out).

use std::sync::Mutex;
use std::time::Instant;

use chrono::{DateTime, Utc};
use guomen_station::{Clock, SimClock};

#[derive(Debug, Clone, Copy)]
struct Running {
    /// The simulated time at `wall`.
    base: DateTime<Utc>,
    wall: Instant,
    /// The clock does not run past this.
    cap: DateTime<Utc>,
}

#[derive(Debug)]
enum Phase {
    /// Setting up: the clock reads the day's start.
    Held,
    /// Playing an earlier day (`guomen demo --days`): the clock reads what the driver set,
    /// the instant of the traveller it is clearing.
    At(DateTime<Utc>),
    /// The day plays.
    Running(Running),
    /// The day is over (or interrupted) at this instant.
    Stopped(DateTime<Utc>),
}

/// How far the clock runs before the driver first paces it (simulated seconds).
const FIRST_PACE_S: i64 = 20;

#[derive(Debug)]
pub struct DemoClock {
    start: DateTime<Utc>,
    end: DateTime<Utc>,
    speed: f64,
    phase: Mutex<Phase>,
}

impl DemoClock {
    /// A day from `start` to `end` played at `speed` simulated seconds per wall second.
    pub fn new(start: DateTime<Utc>, end: DateTime<Utc>, speed: f64) -> DemoClock {
        DemoClock {
            start,
            end: end.max(start),
            // The station's rule for a usable speed.
            speed: SimClock::new(start, speed).speed(),
            phase: Mutex::new(Phase::Held),
        }
    }

    fn phase(&self) -> std::sync::MutexGuard<'_, Phase> {
        self.phase.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The day starts now: from here the clock runs at `speed` from `start`.
    pub fn start_day(&self) {
        let mut p = self.phase();
        if matches!(*p, Phase::Held) {
            *p = Phase::Running(Running {
                base: self.start,
                wall: Instant::now(),
                cap: self.start + chrono::Duration::seconds(FIRST_PACE_S),
            });
        }
    }

    /// The clock reads `t` until told otherwise (the earlier days of `--days` are driven
    /// traveller by traveller, as fast as the station clears them). Never goes back.
    pub fn hold_at(&self, t: DateTime<Utc>) {
        let mut p = self.phase();
        match &*p {
            Phase::At(now) if *now >= t => {}
            Phase::Held | Phase::At(_) => *p = Phase::At(t),
            Phase::Running(_) | Phase::Stopped(_) => {}
        }
    }

    /// Back to the day's start, held until [`DemoClock::start_day`]; for after the earlier
    /// days, which all lie before it.
    pub fn hold_at_start(&self) {
        let mut p = self.phase();
        if matches!(*p, Phase::At(_)) {
            *p = Phase::Held;
        }
    }

    /// Lets the clock run up to `t` (a pace never goes back).
    pub fn allow_until(&self, t: DateTime<Utc>) {
        if let Phase::Running(r) = &mut *self.phase() {
            r.cap = r.cap.max(t);
        }
    }

    /// The day stops here (at its end at the latest).
    pub fn stop_day(&self) {
        let now = self.now();
        *self.phase() = Phase::Stopped(now);
    }
}

impl super::drive::Pacer for DemoClock {
    fn allow_until(&self, t: DateTime<Utc>) {
        DemoClock::allow_until(self, t)
    }
}

impl Clock for DemoClock {
    fn now(&self) -> DateTime<Utc> {
        match &mut *self.phase() {
            Phase::Held => self.start,
            Phase::At(t) => *t,
            Phase::Running(r) => {
                let wall = Instant::now();
                let elapsed = wall.saturating_duration_since(r.wall);
                let micros = (elapsed.as_secs_f64() * self.speed * 1e6) as i64;
                let t = r.base + chrono::Duration::microseconds(micros);
                if t > r.cap {
                    // Held at the pace: run on from here once it is lifted, without a jump.
                    r.base = r.cap;
                    r.wall = wall;
                    r.cap.min(self.end)
                } else {
                    t.min(self.end)
                }
            }
            Phase::Stopped(t) => *t,
        }
    }

    fn speed(&self) -> f64 {
        self.speed
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn held_then_paced_then_stopped_at_the_end() {
        let s = chrono::Duration::seconds;
        let start = DateTime::parse_from_rfc3339("2026-12-06T06:00:00+08:00")
            .unwrap()
            .with_timezone(&Utc);
        let end = start + s(3600);
        let c = DemoClock::new(start, end, 36_000.0);
        std::thread::sleep(std::time::Duration::from_millis(20));
        assert_eq!(c.now(), start, "held while setting up");
        c.start_day();
        let t = c.now();
        assert!(t >= start && t <= start + s(FIRST_PACE_S), "{t}");
        std::thread::sleep(std::time::Duration::from_millis(150));
        assert_eq!(c.now(), start + s(FIRST_PACE_S), "held at the pace");
        c.allow_until(start + s(1000));
        let t = c.now();
        assert!(t < start + s(500), "no jump when the pace lifts: {t}");
        std::thread::sleep(std::time::Duration::from_millis(100));
        assert_eq!(c.now(), start + s(1000));
        c.allow_until(end + s(1000));
        std::thread::sleep(std::time::Duration::from_millis(200));
        assert_eq!(c.now(), end, "never past the day's end");
        c.stop_day();
        assert_eq!(c.now(), end);
        assert_eq!(c.speed(), 36_000.0);
    }

    #[test]
    fn earlier_days_are_held_where_the_driver_sets_them_then_back_to_the_start() {
        let start = DateTime::parse_from_rfc3339("2026-12-06T06:00:00+08:00")
            .unwrap()
            .with_timezone(&Utc);
        let c = DemoClock::new(start, start + chrono::Duration::hours(1), 144.0);
        let yesterday = start - chrono::Duration::hours(20);
        c.hold_at(yesterday);
        assert_eq!(c.now(), yesterday);
        c.hold_at(yesterday - chrono::Duration::hours(1));
        assert_eq!(c.now(), yesterday, "never goes back");
        c.hold_at_start();
        assert_eq!(c.now(), start);
        c.start_day();
        c.hold_at(yesterday);
        assert!(c.now() >= start, "a running day is not moved");
    }
}
