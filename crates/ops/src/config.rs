use guomen_geo::TrackerConfig;
use serde::{Deserialize, Serialize};

/// Tuning of the command engine. Every window is in seconds.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct OpsConfig {
    /// The same sensor triggering again within this long of its last trigger is the same
    /// alarm (rising-edge de-duplication; each re-trigger extends the window).
    pub dedup_window_s: f64,
    /// An alarm that no neighbouring sensor confirms within this long is a nuisance.
    pub nuisance_window_s: f64,
    /// Unit fixes older than this are not used for recommendations.
    pub stale_fix_s: f64,
    /// A link with no heartbeat for this long is down.
    pub link_timeout_s: f64,
    /// A unit's position is journaled at most this often (every fix is still published live).
    pub position_journal_s: f64,
    /// Device clocks further ahead than this are replaced by the station's receive time.
    pub max_clock_skew_s: f64,
    /// Sensor events older than this on arrival are refused.
    pub max_event_age_s: f64,
    /// Alarms kept in memory (the oldest are forgotten; the journal keeps them all).
    pub max_alarms: usize,
    /// Picks kept per recommendation; the rest are excluded with a reason.
    pub max_picks: usize,
    /// Road distance over straight-line distance for ETAs.
    pub route_factor: f64,
    pub tracker: TrackerConfig,
}

impl Default for OpsConfig {
    fn default() -> Self {
        Self {
            dedup_window_s: 10.0,
            nuisance_window_s: 60.0,
            stale_fix_s: 120.0,
            link_timeout_s: 30.0,
            position_journal_s: 15.0,
            max_clock_skew_s: 30.0,
            max_event_age_s: 3600.0,
            max_alarms: 10_000,
            max_picks: 5,
            route_factor: 1.3,
            tracker: TrackerConfig::default(),
        }
    }
}
