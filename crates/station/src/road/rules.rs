//! The pure rules of the road area: channels, the arrival window, the trusted traders'
//! check selection and the percentiles of the KPIs. No I/O, no clock.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// How a vehicle is cleared. Green wins when both apply.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    /// Perishable cargo: ahead of the queue, on its own lane, watched against a target.
    Green,
    /// A trusted trader's vehicle: a physical check only at a configured rate.
    Trusted,
    Standard,
}

impl Channel {
    pub fn of(perishable: bool, trusted: bool) -> Channel {
        match (perishable, trusted) {
            (true, _) => Channel::Green,
            (false, true) => Channel::Trusted,
            (false, false) => Channel::Standard,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Green => "green",
            Channel::Trusted => "trusted",
            Channel::Standard => "standard",
        }
    }
}

/// How early before its slot's start a vehicle may arrive on its appointment.
pub const EARLY: Duration = Duration::hours(2);
/// How late after its slot's start a vehicle still keeps its appointment.
pub const GRACE: Duration = Duration::minutes(60);

/// Where a read falls against an appointment's slot.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArrivalMatch {
    /// Before the window: the vehicle is unannounced and keeps the appointment.
    Early,
    InWindow,
    /// After the grace: the appointment is lost.
    Late,
}

pub fn match_arrival(slot_start: DateTime<Utc>, read: DateTime<Utc>) -> ArrivalMatch {
    if read < slot_start - EARLY {
        ArrivalMatch::Early
    } else if read <= slot_start + GRACE {
        ArrivalMatch::InWindow
    } else {
        ArrivalMatch::Late
    }
}

/// Whether a trusted trader's vehicle is selected for a physical check: derived from its id
/// alone, so anyone with the journal (the id and the recorded rate) gets the same answer.
pub fn selected_for_check(vehicle_id: &str, rate: f64) -> bool {
    if rate.is_nan() || rate <= 0.0 {
        return false;
    }
    let digest = Sha256::digest(vehicle_id.as_bytes());
    let mut first = [0u8; 8];
    first.copy_from_slice(&digest[..8]);
    // The top 53 bits as a fraction in [0, 1).
    let x = (u64::from_be_bytes(first) >> 11) as f64 / (1u64 << 53) as f64;
    x < rate
}

/// The nearest-rank percentile of sorted values.
pub fn percentile(sorted: &[i64], p: u32) -> Option<i64> {
    if sorted.is_empty() {
        return None;
    }
    let n = sorted.len();
    let rank = (usize::try_from(p).unwrap_or(100).min(100) * n)
        .div_ceil(100)
        .max(1);
    sorted.get(rank - 1).copied()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(h: i64, m: i64) -> DateTime<Utc> {
        DateTime::<Utc>::from_timestamp(1_800_000_000, 0).unwrap_or_default()
            + Duration::hours(h)
            + Duration::minutes(m)
    }

    #[test]
    fn green_wins_over_trusted() {
        assert_eq!(Channel::of(true, true), Channel::Green);
        assert_eq!(Channel::of(false, true), Channel::Trusted);
        assert_eq!(Channel::of(false, false), Channel::Standard);
    }

    #[test]
    fn the_arrival_window_is_two_hours_before_to_sixty_minutes_after() {
        let slot = t(10, 0);
        assert_eq!(match_arrival(slot, t(7, 59)), ArrivalMatch::Early);
        assert_eq!(match_arrival(slot, t(8, 0)), ArrivalMatch::InWindow);
        assert_eq!(match_arrival(slot, t(11, 0)), ArrivalMatch::InWindow);
        assert_eq!(match_arrival(slot, t(11, 1)), ArrivalMatch::Late);
    }

    #[test]
    fn check_selection_is_reproducible_and_near_its_rate() {
        let ids: Vec<String> = (0..20_000).map(|i| format!("vehicle-{i}")).collect();
        let picked = ids.iter().filter(|i| selected_for_check(i, 0.05)).count();
        // 5 % of 20,000 = 1,000; binomial sd ≈ 31.
        assert!((850..1150).contains(&picked), "{picked}");
        assert!(
            ids.iter()
                .all(|i| selected_for_check(i, 0.05) == selected_for_check(i, 0.05))
        );
        assert!(!ids.iter().any(|i| selected_for_check(i, 0.0)));
        assert!(ids.iter().all(|i| selected_for_check(i, 1.0)));
        assert!(!selected_for_check("x", f64::NAN));
    }

    #[test]
    fn percentiles_by_nearest_rank() {
        assert_eq!(percentile(&[], 50), None);
        assert_eq!(percentile(&[7], 90), Some(7));
        let v: Vec<i64> = (1..=10).collect();
        assert_eq!(percentile(&v, 50), Some(5));
        assert_eq!(percentile(&v, 90), Some(9));
        assert_eq!(percentile(&v, 100), Some(10));
    }
}
