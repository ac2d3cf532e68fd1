use axum::Extension;
use axum::Json;
use axum::extract::State;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::auth::Principal;
use crate::error::ApiResult;
use crate::json::ApiQuery;
use crate::state::AppState;

#[derive(Debug, Deserialize, IntoParams)]
pub struct JournalQuery {
    /// Only events with a larger sequence number (default 0: from the start).
    pub after: Option<u64>,
    /// At most this many events (default 100, at most 1000).
    pub limit: Option<u32>,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct JournalEventView {
    pub seq: u64,
    pub time: DateTime<Utc>,
    pub actor: String,
    pub kind: String,
    /// The reader's view of the event (`null` for kinds the reader's role may not see; the
    /// chain fields stay, so the page still verifies link by link).
    #[schema(value_type = Option<Object>)]
    pub payload: serde_json::Value,
    pub prev_hash: String,
    pub hash: String,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct JournalPage {
    pub events: Vec<JournalEventView>,
    /// Pass as `after` to read on; equal to the request's `after` when nothing is newer.
    pub next_after: u64,
}

/// Reads the journal in order. Each payload is the reader's own view of the event: an analyst's
/// crossing carries no inspector; kinds the reader may not see come with a `null` payload.
#[utoipa::path(get, path = "/api/v1/journal", tag = "journal",
    security(("bearer" = [])),
    params(JournalQuery),
    responses((status = 200, body = JournalPage)))]
pub async fn get_journal(
    State(state): State<AppState>,
    Extension(who): Extension<Principal>,
    ApiQuery(q): ApiQuery<JournalQuery>,
) -> ApiResult<Json<JournalPage>> {
    let page = state
        .station
        .read_journal(&who, q.after.unwrap_or(0), q.limit.unwrap_or(100))
        .await?;
    let next_after = page.next_after;
    let events = page
        .events
        .into_iter()
        .map(|e| {
            let guomen_station::journal::JournalEntry {
                seq,
                time,
                actor,
                kind,
                payload,
                prev_hash,
                hash,
            } = e;
            JournalEventView {
                seq,
                time,
                actor,
                kind,
                payload,
                prev_hash,
                hash,
            }
        })
        .collect();
    Ok(Json(JournalPage { events, next_after }))
}
