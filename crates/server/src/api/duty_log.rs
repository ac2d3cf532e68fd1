use axum::Extension;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::auth::Principal;
use crate::error::ApiResult;
use crate::json::{ApiJson, ApiQuery};
use crate::state::AppState;

#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewDutyLogEntry {
    /// What happened on the shift, in the duty chief's words.
    pub text: String,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct DutyLogEntry {
    pub id: String,
    /// The journal sequence number of the entry: it is durable.
    pub seq: u64,
    pub time: DateTime<Utc>,
    pub author: String,
    pub text: String,
}

impl From<guomen_station::duty_log::DutyLogEntry> for DutyLogEntry {
    fn from(e: guomen_station::duty_log::DutyLogEntry) -> Self {
        let guomen_station::duty_log::DutyLogEntry {
            id,
            seq,
            time,
            author,
            text,
        } = e;
        DutyLogEntry {
            id,
            seq,
            time,
            author,
            text,
        }
    }
}

/// Writes a duty log entry; answers once it is durable.
#[utoipa::path(post, path = "/api/v1/duty-log", tag = "duty log",
    security(("bearer" = [])),
    request_body = NewDutyLogEntry,
    responses((status = 201, body = DutyLogEntry),
              (status = 422, body = crate::error::ErrorEnvelope)))]
pub async fn post_duty_log(
    State(state): State<AppState>,
    Extension(who): Extension<Principal>,
    ApiJson(body): ApiJson<NewDutyLogEntry>,
) -> ApiResult<(StatusCode, Json<DutyLogEntry>)> {
    let entry = state.station.write_duty_log(&who, &body.text).await?;
    Ok((StatusCode::CREATED, Json(entry.into())))
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct DutyLogQuery {
    /// At most this many entries (default 100, at most 1000).
    pub limit: Option<u32>,
    /// Only entries older than this journal seq (paging backwards).
    pub before: Option<u64>,
}

/// The duty log, newest first.
#[utoipa::path(get, path = "/api/v1/duty-log", tag = "duty log",
    security(("bearer" = [])),
    params(DutyLogQuery),
    responses((status = 200, body = Vec<DutyLogEntry>)))]
pub async fn get_duty_log(
    State(state): State<AppState>,
    ApiQuery(q): ApiQuery<DutyLogQuery>,
) -> ApiResult<Json<Vec<DutyLogEntry>>> {
    let limit = q.limit.unwrap_or(100);
    let entries = state.station.duty_log(limit, q.before).await?;
    Ok(Json(entries.into_iter().map(Into::into).collect()))
}
