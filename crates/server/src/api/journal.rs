use axum::Extension;
use axum::Json;
use axum::extract::State;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::auth::Principal;
use crate::error::ApiResult;
use crate::json::ApiQuery;
use crate::redact;
use crate::state::AppState;

#[derive(Debug, Deserialize, IntoParams)]
pub struct JournalQuery {
    /// Only events with a larger sequence number (default 0: from the start).
    pub after: Option<u64>,
    /// At most this many events (default 100, at most 1000).
    pub limit: Option<u32>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct JournalEventView {
    pub seq: u64,
    pub time: DateTime<Utc>,
    pub actor: String,
    pub kind: String,
    #[schema(value_type = Object)]
    pub payload: serde_json::Value,
    pub prev_hash: String,
    pub hash: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct JournalPage {
    pub events: Vec<JournalEventView>,
    /// Pass as `after` to read on; equal to the request's `after` when nothing is newer.
    pub next_after: u64,
}

/// Reads the journal in order. Personal data in payloads is redacted for roles that may not see it.
#[utoipa::path(get, path = "/api/v1/journal", tag = "journal",
    security(("bearer" = [])),
    params(JournalQuery),
    responses((status = 200, body = JournalPage)))]
pub async fn get_journal(
    State(state): State<AppState>,
    Extension(who): Extension<Principal>,
    ApiQuery(q): ApiQuery<JournalQuery>,
) -> ApiResult<Json<JournalPage>> {
    let after = q.after.unwrap_or(0);
    let limit = q.limit.unwrap_or(100).clamp(1, 1000);
    let events = state.store.journal(after, limit, None).await?;
    let next_after = events.last().map(|e| e.seq).unwrap_or(after);
    let events = events
        .into_iter()
        .map(|mut e| {
            redact::for_role(who.role, &mut e.payload);
            JournalEventView {
                seq: e.seq,
                time: e.time,
                actor: e.actor,
                kind: e.kind,
                payload: e.payload,
                prev_hash: e.prev_hash,
                hash: e.hash,
            }
        })
        .collect();
    Ok(Json(JournalPage { events, next_after }))
}
