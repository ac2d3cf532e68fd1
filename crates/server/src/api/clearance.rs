//! Clearance: inspections and decisions, crossings, today's figures, watchlist imports.

use std::collections::BTreeMap;

use axum::Extension;
use axum::Json;
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use guomen_domain::watchlist::ListKind;
use guomen_store::CrossingFilter;
use guomen_watchlist::{Format, ImportInput};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use utoipa::{IntoParams, ToSchema};

use crate::auth::Principal;
use crate::clearance::import::{self, ImportSummary, ListCount, Sink};
use crate::clearance::inspect::{self, NewInspection, is_gate, local_offset};
use crate::error::{ApiError, ApiResult};
use crate::json::{ApiJson, ApiQuery};
use crate::redact;
use crate::state::AppState;

/// Largest list file accepted over the API (the UN list is ~2 MB, OFAC SDN ~3 MB).
const MAX_IMPORT_BYTES: usize = 256 * 1024 * 1024;

fn shown(who: &Principal, mut v: Value) -> Json<Value> {
    redact::for_role(who.role, &mut v);
    Json(v)
}

/// Inspects a traveller: reads the document, screens, applies the lane's rules. The answer
/// holds `id`, `decision` (`clear|secondary|refuse|detain`, or `sent_to_counter` at an e-gate
/// that may not clear), `suggested`, `final`, `reasons`, `hits` (`list`, `entry_id`, `score`,
/// `explain`), `document` (fields and `checks`), and `crossing_id` once final. A malformed MRZ
/// is a 422 whose `details` name `line`, `position` and `field`.
#[utoipa::path(post, path = "/api/v1/inspections", tag = "clearance",
    security(("bearer" = [])),
    request_body = NewInspection,
    responses((status = 201, body = Object),
              (status = 422, body = crate::error::ErrorEnvelope)))]
pub async fn post_inspection(
    State(state): State<AppState>,
    Extension(who): Extension<Principal>,
    ApiJson(body): ApiJson<NewInspection>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let record = inspect::inspect(&state, &who.actor(), body).await?;
    Ok((StatusCode::CREATED, shown(&who, record)))
}

/// One inspection, pending or decided.
#[utoipa::path(get, path = "/api/v1/inspections/{id}", tag = "clearance",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "inspection id")),
    responses((status = 200, body = Object), (status = 404, body = crate::error::ErrorEnvelope)))]
pub async fn get_inspection(
    State(state): State<AppState>,
    Extension(who): Extension<Principal>,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    let doc = state
        .store
        .doc(crate::clearance::INSPECTIONS_COLLECTION, &id)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("no inspection {id}")))?;
    Ok(shown(&who, doc.body))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DecisionBody {
    /// `clear`, `secondary`, `refuse` or `detain`.
    pub decision: String,
    /// Required when the decision differs from the suggestion.
    #[serde(default)]
    pub reason: Option<String>,
}

/// The inspector's final decision on a pending inspection; records the crossing.
#[utoipa::path(post, path = "/api/v1/inspections/{id}/decision", tag = "clearance",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "inspection id")),
    request_body = DecisionBody,
    responses((status = 200, body = Object), (status = 404, body = crate::error::ErrorEnvelope),
              (status = 409, body = crate::error::ErrorEnvelope), (status = 422, body = crate::error::ErrorEnvelope)))]
pub async fn post_decision(
    State(state): State<AppState>,
    Extension(who): Extension<Principal>,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<DecisionBody>,
) -> ApiResult<Json<Value>> {
    let record =
        inspect::decide_pending(&state, &who.actor(), &id, &body.decision, body.reason).await?;
    Ok(shown(&who, record))
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct CrossingsQuery {
    /// From this time (RFC 3339), inclusive.
    pub from: Option<DateTime<Utc>>,
    /// Up to this time (RFC 3339), exclusive.
    pub to: Option<DateTime<Utc>>,
    pub site: Option<String>,
    pub lane: Option<String>,
    /// `entry` or `exit`.
    pub direction: Option<String>,
    /// ICAO 9303 code.
    pub nationality: Option<String>,
    /// `clear`, `secondary`, `refuse` or `detain`.
    pub decision: Option<String>,
    /// Only crossings with a larger journal seq (paging).
    pub after: Option<u64>,
    /// At most this many (default 100, at most 1000).
    pub limit: Option<u32>,
}

/// Crossings, oldest first. Personal data is redacted for roles that may not see it.
#[utoipa::path(get, path = "/api/v1/crossings", tag = "clearance",
    security(("bearer" = [])),
    params(CrossingsQuery),
    responses((status = 200, body = Vec<Object>), (status = 422, body = crate::error::ErrorEnvelope)))]
pub async fn get_crossings(
    State(state): State<AppState>,
    Extension(who): Extension<Principal>,
    ApiQuery(q): ApiQuery<CrossingsQuery>,
) -> ApiResult<Json<Value>> {
    if let Some(d) = q.direction.as_deref()
        && !matches!(d, "entry" | "exit")
    {
        return Err(ApiError::unprocessable(format!(
            "`direction` must be entry or exit, not `{d}`"
        )));
    }
    if let Some(d) = q.decision.as_deref()
        && !guomen_clearance::Decision::FINAL
            .iter()
            .any(|x| x.as_str() == d)
    {
        return Err(ApiError::unprocessable(format!(
            "`decision` must be clear, secondary, refuse or detain, not `{d}`"
        )));
    }
    let filter = CrossingFilter {
        from: q.from,
        to: q.to,
        site_id: q.site,
        lane_id: q.lane,
        direction: q.direction,
        nationality: q.nationality.map(|n| n.to_ascii_uppercase()),
        decision: q.decision,
        after_seq: q.after,
        limit: q.limit.unwrap_or(100).clamp(1, 1000),
    };
    let list = state.store.crossings(&filter).await?;
    let v = serde_json::to_value(list).map_err(|e| ApiError::internal(e.to_string()))?;
    Ok(shown(&who, v))
}

#[derive(Debug, Default, Serialize, ToSchema)]
pub struct TodayStats {
    /// The port's local date.
    pub date: String,
    pub crossings: u64,
    pub entry: u64,
    pub exit: u64,
    pub by_decision: BTreeMap<String, u64>,
    /// Crossings cleared by an e-gate, over all crossings (0..1).
    pub egate_share: f64,
    /// Crossings whose inspection had watchlist hits.
    pub with_hits: u64,
    /// Inspections still waiting for an inspector.
    pub pending: u64,
    /// Up to ten nationalities, most crossings first.
    pub top_nationalities: Vec<(String, u64)>,
}

/// Today's figures for the command centre (no personal data).
#[utoipa::path(get, path = "/api/v1/stats/today", tag = "clearance",
    security(("bearer" = [])),
    responses((status = 200, body = TodayStats)))]
pub async fn get_stats_today(State(state): State<AppState>) -> ApiResult<Json<TodayStats>> {
    let now = Utc::now();
    let today = inspect::local_today(&state, now);
    let midnight = today.and_hms_opt(0, 0, 0).unwrap_or_default();
    let from = match local_offset(&state) {
        Some(o) => midnight
            .and_local_timezone(o)
            .single()
            .map(|t| t.with_timezone(&Utc)),
        None => Some(midnight.and_utc()),
    };
    let mut stats = TodayStats {
        date: today.to_string(),
        ..TodayStats::default()
    };
    let mut nat: BTreeMap<String, u64> = BTreeMap::new();
    let mut gate = 0u64;
    let mut after = None;
    loop {
        let page = state
            .store
            .crossings(&CrossingFilter {
                from,
                after_seq: after,
                limit: 1000,
                ..CrossingFilter::default()
            })
            .await?;
        for c in &page {
            stats.crossings += 1;
            match c.direction.as_str() {
                "entry" => stats.entry += 1,
                _ => stats.exit += 1,
            }
            *stats.by_decision.entry(c.decision.clone()).or_default() += 1;
            if is_gate(&c.decided_by) {
                gate += 1;
            }
            if c.detail
                .get("hits")
                .and_then(Value::as_array)
                .is_some_and(|h| !h.is_empty())
            {
                stats.with_hits += 1;
            }
            *nat.entry(c.nationality.clone()).or_default() += 1;
        }
        match page.last() {
            Some(c) if page.len() == 1000 => after = Some(c.seq),
            _ => break,
        }
    }
    stats.pending = state
        .store
        .docs(crate::clearance::INSPECTIONS_COLLECTION)
        .await?
        .iter()
        .filter(|d| d.body.get("final").and_then(Value::as_bool) == Some(false))
        .count() as u64;
    stats.egate_share = if stats.crossings == 0 {
        0.0
    } else {
        gate as f64 / stats.crossings as f64
    };
    let mut top: Vec<(String, u64)> = nat.into_iter().collect();
    top.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    top.truncate(10);
    stats.top_nationalities = top;
    Ok(Json(stats))
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct ImportQuery {
    /// `csv`, `ofac-sdn` or `un-xml`.
    pub format: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct OfacBody {
    sdn: String,
    #[serde(default)]
    alt: Option<String>,
}

/// Imports a list file into a list (admin). The body is the file itself for `csv` and
/// `un-xml`; for `ofac-sdn` it is JSON `{"sdn": "<sdn.csv text>", "alt": "<alt.csv text>"}`
/// (`alt` optional). Incremental: entries are added, updated and removed by id; the live index
/// is swapped when the import is journaled.
#[utoipa::path(post, path = "/api/v1/watchlists/{list}/import", tag = "watchlists",
    security(("bearer" = [])),
    params(("list" = String, Path, description = "wanted, refused_entry, lost_stolen_document or alert"), ImportQuery),
    request_body(content = String, description = "the list file (JSON {sdn, alt} for ofac-sdn)"),
    responses((status = 200, body = ImportSummary), (status = 422, body = crate::error::ErrorEnvelope)))]
pub async fn post_import(
    State(state): State<AppState>,
    Extension(who): Extension<Principal>,
    Path(list): Path<String>,
    ApiQuery(q): ApiQuery<ImportQuery>,
    body: Body,
) -> ApiResult<Json<ImportSummary>> {
    let list: ListKind = list
        .parse()
        .map_err(|e: guomen_domain::watchlist::UnknownList| {
            ApiError::unprocessable(e.to_string())
        })?;
    let format: Format = q
        .format
        .parse()
        .map_err(|e: guomen_watchlist::UnknownFormat| ApiError::unprocessable(e.to_string()))?;
    let bytes = axum::body::to_bytes(body, MAX_IMPORT_BYTES)
        .await
        .map_err(|e| {
            ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "body_too_large",
                format!("list file unreadable or over {MAX_IMPORT_BYTES} bytes: {e}"),
            )
        })?;
    let imported = tokio::task::spawn_blocking(move || {
        let input = match format {
            Format::OfacSdn => {
                let b: OfacBody = serde_json::from_slice(&bytes).map_err(|e| {
                    format!("ofac-sdn takes JSON {{\"sdn\": TEXT, \"alt\": TEXT}}: {e}")
                })?;
                let total = (b.sdn.len() + b.alt.as_ref().map_or(0, String::len)) as u64;
                let mut input = ImportInput::new(std::io::Cursor::new(b.sdn.into_bytes()))
                    .with_total_bytes(total);
                if let Some(alt) = b.alt {
                    input = input.with_alt(std::io::Cursor::new(alt.into_bytes()));
                }
                input
            }
            _ => {
                let total = bytes.len() as u64;
                ImportInput::new(std::io::Cursor::new(bytes)).with_total_bytes(total)
            }
        };
        guomen_watchlist::import(format, input, list, &mut |_| {}).map_err(|e| e.to_string())
    })
    .await
    .map_err(|e| ApiError::internal(e.to_string()))?
    .map_err(|m| ApiError::unprocessable(format!("list file rejected: {m}")))?;
    let clearance = state.clearance.clone();
    clearance.ready().await;
    let _one = clearance.import_lock.lock().await;
    let current = clearance.entries().await;
    let (summary, upserted, removed) = import::apply(
        Sink::State(&state),
        &current,
        imported,
        list,
        format,
        &who.actor(),
        &mut |_, _| {},
    )
    .await?;
    clearance.apply_local(upserted, &removed).await;
    Ok(Json(summary))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct WatchlistStats {
    pub lists: Vec<ListCount>,
    pub entries: usize,
    /// The live index.
    #[schema(value_type = Object)]
    pub index: Value,
    /// Journal seq up to which watchlist changes are live.
    pub applied_seq: u64,
}

/// Entries per list and source, and the live index's size.
#[utoipa::path(get, path = "/api/v1/watchlists/stats", tag = "watchlists",
    security(("bearer" = [])),
    responses((status = 200, body = WatchlistStats)))]
pub async fn get_watchlist_stats(State(state): State<AppState>) -> ApiResult<Json<WatchlistStats>> {
    state.clearance.ready().await;
    let entries = state.clearance.entries().await;
    let live = state.clearance.live();
    let index = serde_json::to_value(live.index.stats()).unwrap_or_else(|_| json!({}));
    Ok(Json(WatchlistStats {
        lists: import::counts(&entries),
        entries: entries.len(),
        index,
        applied_seq: state.clearance.applied_seq(),
    }))
}
