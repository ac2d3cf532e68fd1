use axum::Extension;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use guomen_domain::event::kind;
use guomen_store::{Change, NewEvent, Projection};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::{IntoParams, ToSchema};

use crate::auth::{Principal, new_id};
use crate::error::{ApiError, ApiResult};
use crate::json::{ApiJson, ApiQuery};
use crate::state::AppState;

const MAX_TEXT_CHARS: usize = 4000;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewDutyLogEntry {
    /// What happened on the shift, in the duty chief's words.
    pub text: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DutyLogEntry {
    pub id: String,
    /// The journal sequence number of the entry: it is durable.
    pub seq: u64,
    pub time: DateTime<Utc>,
    pub author: String,
    pub text: String,
}

impl From<guomen_store::DutyLogEntry> for DutyLogEntry {
    fn from(e: guomen_store::DutyLogEntry) -> Self {
        DutyLogEntry {
            id: e.id,
            seq: e.seq,
            time: e.time,
            author: e.author,
            text: e.text,
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
    let text = body.text.trim().to_owned();
    if text.is_empty() {
        return Err(ApiError::unprocessable("`text` must not be empty"));
    }
    if text.chars().count() > MAX_TEXT_CHARS {
        return Err(ApiError::unprocessable(format!(
            "`text` must have at most {MAX_TEXT_CHARS} characters"
        )));
    }
    let id = new_id();
    let change = Change::event(NewEvent::new(
        kind::DUTY_LOG_WRITTEN,
        who.actor(),
        json!({"id": id, "text": text}),
    ))
    .with(Projection::AddDutyLog {
        id: id.clone(),
        author: who.name.clone(),
        text: text.clone(),
    });
    let appended = state.append(vec![change]).await?;
    let a = appended
        .first()
        .ok_or_else(|| ApiError::internal("store acknowledged no event"))?;
    Ok((
        StatusCode::CREATED,
        Json(DutyLogEntry {
            id,
            seq: a.seq,
            time: a.time,
            author: who.name,
            text,
        }),
    ))
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
    let limit = q.limit.unwrap_or(100).clamp(1, 1000);
    let entries = state.store.duty_log(limit, q.before).await?;
    Ok(Json(entries.into_iter().map(Into::into).collect()))
}
