//! What the station knows of its journal's replication to the national centre: the cursor in
//! its own store (advanced only once the far side has acknowledged), the state of the link as
//! the transport reports it, and the lag computed from both. The transport itself (NATS
//! JetStream, `crates/replicate`) lives outside: the station knows no protocol.

use chrono::{DateTime, Utc};
use guomen_domain::Role;
use guomen_store::JournalEvent;
use serde::Serialize;

use crate::{Principal, Station, StationError, StationResult};

/// The cursor that records the last national watchlist release applied (its version).
pub const NATIONAL_WATCHLIST_CURSOR: &str = "nats:guomen.watchlist.national";

/// The link as the transport last reported it.
#[derive(Debug, Clone, Default)]
pub(crate) struct Link {
    pub station_id: String,
    pub target: String,
    pub connected: bool,
    pub last_error: Option<String>,
    pub last_ack: Option<DateTime<Utc>>,
}

/// `GET /api/v1/replication`: where replication stands.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReplicationStatus {
    /// Whether this station replicates at all (`guomen serve --replicate`).
    pub enabled: bool,
    pub station_id: Option<String>,
    /// Where the journal goes, e.g. `nats://hub:4222 guomen.journal.erenhot` (no credentials).
    pub target: Option<String>,
    /// Whether the last attempt to reach the target succeeded.
    pub connected: bool,
    /// The last seq the target has acknowledged.
    pub cursor: u64,
    /// The journal's last seq.
    pub head_seq: u64,
    /// Events journaled and not yet acknowledged.
    pub lag_events: u64,
    /// Age of the oldest unacknowledged event, seconds; 0 when nothing waits.
    pub lag_s: f64,
    pub last_ack: Option<DateTime<Utc>>,
    pub last_error: Option<String>,
    /// The national watchlist release the station screens against (`None`: none applied).
    pub watchlist_version: Option<u64>,
}

impl Station {
    fn link(&self) -> std::sync::MutexGuard<'_, Option<Link>> {
        self.replication.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Declares that the journal is replicated to `target` as `station_id` (the transport
    /// calls it once at start).
    pub fn replication_started(&self, station_id: &str, target: &str) {
        *self.link() = Some(Link {
            station_id: station_id.to_owned(),
            target: target.to_owned(),
            ..Link::default()
        });
        self.metrics.set_gauge(
            "guomen_replication_connected",
            "1 while the replication target answers.",
            0.0,
        );
    }

    /// The transport reports the link's state: `Ok` after an acknowledged exchange, `Err`
    /// with why it failed.
    pub fn replication_link(&self, outcome: Result<(), String>) {
        let mut guard = self.link();
        let Some(link) = guard.as_mut() else { return };
        match outcome {
            Ok(()) => {
                link.connected = true;
                link.last_error = None;
            }
            Err(e) => {
                link.connected = false;
                link.last_error = Some(e);
            }
        }
        let up = if link.connected { 1.0 } else { 0.0 };
        drop(guard);
        self.metrics.set_gauge(
            "guomen_replication_connected",
            "1 while the replication target answers.",
            up,
        );
    }

    /// Journal rows after `after`, as stored, for the transport: the chain fields and payloads
    /// exactly as hashed, so the far side can verify them.
    pub async fn replication_events(
        &self,
        after: u64,
        limit: u32,
    ) -> StationResult<Vec<JournalEvent>> {
        Ok(self
            .store
            .journal(after, limit.clamp(1, 10_000), None)
            .await?)
    }

    /// The last seq `target` has acknowledged (0: none).
    pub async fn replication_cursor(&self, target: &str) -> StationResult<u64> {
        Ok(self.store.replication_cursor(target).await?)
    }

    /// Records that `target` holds every event up to `seq`. Called only after the target's
    /// acknowledgement: the cursor never runs ahead of what is safe at the far side.
    pub async fn advance_replication_cursor(&self, target: &str, seq: u64) -> StationResult<()> {
        self.store.advance_replication_cursor(target, seq).await?;
        if let Some(link) = self.link().as_mut() {
            link.last_ack = Some(self.now());
        }
        self.metrics.set_gauge(
            "guomen_replication_cursor",
            "Last journal seq the replication target acknowledged.",
            seq as f64,
        );
        Ok(())
    }

    /// Where replication stands, lag included; also refreshes the lag gauges of `/metrics`.
    pub async fn replication_status(&self) -> StationResult<ReplicationStatus> {
        let link = self.link().clone();
        let head_seq = self.store.head().await?.map(|(s, _)| s).unwrap_or(0);
        let watchlist_version = Some(
            self.store
                .replication_cursor(NATIONAL_WATCHLIST_CURSOR)
                .await?,
        )
        .filter(|v| *v > 0);
        let Some(link) = link else {
            return Ok(ReplicationStatus {
                enabled: false,
                station_id: None,
                target: None,
                connected: false,
                cursor: 0,
                head_seq,
                lag_events: 0,
                lag_s: 0.0,
                last_ack: None,
                last_error: None,
                watchlist_version,
            });
        };
        let cursor = self.store.replication_cursor(&link.target).await?;
        let lag_events = head_seq.saturating_sub(cursor);
        let lag_s = if lag_events == 0 {
            0.0
        } else {
            match self.store.journal(cursor, 1, None).await?.first() {
                Some(oldest) => {
                    ((self.now() - oldest.time).num_milliseconds().max(0) as f64) / 1000.0
                }
                None => 0.0,
            }
        };
        self.metrics.set_gauge(
            "guomen_replication_lag_events",
            "Journal events not yet acknowledged by the replication target.",
            lag_events as f64,
        );
        self.metrics.set_gauge(
            "guomen_replication_lag_seconds",
            "Age of the oldest journal event not yet acknowledged by the replication target.",
            lag_s,
        );
        Ok(ReplicationStatus {
            enabled: true,
            station_id: Some(link.station_id),
            target: Some(link.target),
            connected: link.connected,
            cursor,
            head_seq,
            lag_events,
            lag_s,
            last_ack: link.last_ack,
            last_error: link.last_error,
            watchlist_version,
        })
    }

    /// [`Station::replication_status`] for a person: the command and audit roles.
    pub async fn replication_status_for(
        &self,
        who: &Principal,
    ) -> StationResult<ReplicationStatus> {
        if !matches!(who.role, Role::Admin | Role::DutyChief | Role::Analyst) {
            return Err(StationError::forbidden(
                "only an admin, a duty chief or an analyst may see replication",
            ));
        }
        self.replication_status().await
    }
}
