//! The demo station's clock: the simulated day's [`SimClock`], held at the day's start while
//! the demo sets up (users, the watchlist import) and stopped at the day's end.
//!
//! Station time is simulated time throughout: the first traveller of 06:00 meets a station
//! whose clock reads 06:00 however long the setup took, and once the day is played its last
//! instant stays the station's now, so links do not time out and the summary reads the
//! state of the day's end (the station keeps serving that state until Ctrl-C).

use std::sync::Mutex;

use chrono::{DateTime, Utc};
use guomen_station::{Clock, SimClock};

#[derive(Debug)]
enum Phase {
    /// Setting up: the clock reads the day's start.
    Held,
    /// The day plays.
    Running(SimClock),
    /// The day is over (or interrupted) at this instant.
    Stopped(DateTime<Utc>),
}

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
            speed: SimClock::new(start, speed).speed(),
            phase: Mutex::new(Phase::Held),
        }
    }

    fn phase(&self) -> std::sync::MutexGuard<'_, Phase> {
        self.phase.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The day starts now: from here the clock is `SimClock::new(start, speed)`.
    pub fn start_day(&self) {
        let mut p = self.phase();
        if matches!(*p, Phase::Held) {
            *p = Phase::Running(SimClock::new(self.start, self.speed));
        }
    }

    /// The day stops here (at its end at the latest).
    pub fn stop_day(&self) {
        let now = self.now();
        *self.phase() = Phase::Stopped(now);
    }
}

impl Clock for DemoClock {
    fn now(&self) -> DateTime<Utc> {
        match &*self.phase() {
            Phase::Held => self.start,
            Phase::Running(c) => c.now().min(self.end),
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
    fn held_then_running_then_stopped_at_the_end() {
        let start = DateTime::parse_from_rfc3339("2026-12-06T06:00:00+08:00")
            .unwrap()
            .with_timezone(&Utc);
        let end = start + chrono::Duration::seconds(3600);
        let c = DemoClock::new(start, end, 36_000.0);
        std::thread::sleep(std::time::Duration::from_millis(20));
        assert_eq!(c.now(), start, "held while setting up");
        c.start_day();
        let t = c.now();
        assert!(
            t >= start && t < start + chrono::Duration::seconds(300),
            "{t}"
        );
        std::thread::sleep(std::time::Duration::from_millis(150));
        assert_eq!(c.now(), end, "never past the day's end");
        c.stop_day();
        assert_eq!(c.now(), end);
        assert_eq!(c.speed(), 36_000.0);
    }
}
