//! `GET /api/v1/replication`: where the journal's replication to the national centre stands.

use axum::Json;
use axum::extract::{Extension, State};
use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use crate::auth::Principal;
use crate::error::ApiResult;
use crate::state::AppState;

#[derive(Debug, Serialize, ToSchema)]
pub struct Replication {
    /// Whether the station replicates (`guomen serve --replicate`).
    pub enabled: bool,
    pub station_id: Option<String>,
    /// The cursor's name: `nats:guomen.journal.ID`.
    pub target: Option<String>,
    /// Whether the last exchange with the target succeeded.
    pub connected: bool,
    /// The last seq the target acknowledged.
    pub cursor: u64,
    pub head_seq: u64,
    /// Events journaled and not yet acknowledged.
    pub lag_events: u64,
    /// Age of the oldest unacknowledged event, seconds.
    pub lag_s: f64,
    pub last_ack: Option<DateTime<Utc>>,
    pub last_error: Option<String>,
    /// The national watchlist release the station screens against.
    pub watchlist_version: Option<u64>,
}

/// Replication lag and link state (admin, duty chief, analyst).
#[utoipa::path(get, path = "/api/v1/replication", tag = "system",
    security(("bearer" = [])),
    responses((status = 200, body = Replication)))]
pub async fn get_replication(
    State(state): State<AppState>,
    Extension(who): Extension<Principal>,
) -> ApiResult<Json<Replication>> {
    let s = state.station.replication_status_for(&who).await?;
    Ok(Json(Replication {
        enabled: s.enabled,
        station_id: s.station_id,
        target: s.target,
        connected: s.connected,
        cursor: s.cursor,
        head_seq: s.head_seq,
        lag_events: s.lag_events,
        lag_s: s.lag_s,
        last_ack: s.last_ack,
        last_error: s.last_error,
        watchlist_version: s.watchlist_version,
    }))
}
