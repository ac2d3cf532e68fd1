//! Clearance: inspections and decisions, crossings, today's figures, watchlist imports.
//! Handlers parse, call the station, map.

use std::collections::BTreeMap;

use axum::Extension;
use axum::Json;
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use chrono::{DateTime, NaiveDate, Utc};
use guomen_domain::watchlist::ListKind;
use guomen_station::clearance as sc;
use guomen_watchlist::{Format, ImportInput};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::{IntoParams, ToSchema};

use crate::auth::Principal;
use crate::error::{ApiError, ApiResult};
use crate::json::{ApiJson, ApiQuery};
use crate::state::AppState;

/// Largest list file accepted over the API (the UN list is ~2 MB, OFAC SDN ~3 MB).
const MAX_IMPORT_BYTES: usize = 256 * 1024 * 1024;

/// Hand-typed document fields, when the MRZ cannot be read.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ManualDocument {
    pub surname: String,
    #[serde(default)]
    pub given_names: String,
    /// ICAO 9303 code, e.g. `MNG`, `D`.
    pub nationality: String,
    /// `YYYY-MM-DD` (or `YYYY-MM`, `YYYY` when the document gives no more).
    pub birth_date: String,
    /// `M`, `F` or `X`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sex: Option<String>,
    pub document_number: String,
    pub issuing_state: String,
    /// `YYYY-MM-DD`.
    pub expiry_date: String,
    /// `passport` (default), `travel_permit`, `border_pass`, `crew_card`,
    /// `emergency_travel_document`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub document_kind: Option<String>,
}

/// `POST /api/v1/inspections`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewInspection {
    pub site_id: String,
    pub lane_id: String,
    /// `entry` or `exit`.
    #[schema(value_type = String)]
    pub direction: guomen_clearance::Direction,
    /// The MRZ, one string per line (2 or 3 lines).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mrz: Option<Vec<String>>,
    /// Hand-typed fields instead of `mrz`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub document: Option<ManualDocument>,
    /// The face-capture system's template, compared 1:N with templates on the lists.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub face_template: Option<Vec<f64>>,
    /// The traveller is enrolled for e-gates (told by the gate's biometric registry).
    #[serde(default)]
    pub enrolled: bool,
    /// The visa type (`X1`/`X2` study visas, `L`, `M`, ...): a study visa belongs in the
    /// students' channel.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub visa_type: Option<String>,
    /// The purpose of the crossing (`study`, `tourism`, `rescue`, `medical_rescue`, ...): a
    /// rescue case belongs in the cross-border rescue channel.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub purpose: Option<String>,
}

impl From<NewInspection> for sc::inspect::NewInspection {
    fn from(b: NewInspection) -> Self {
        sc::inspect::NewInspection {
            site_id: b.site_id,
            lane_id: b.lane_id,
            direction: b.direction,
            mrz: b.mrz,
            document: b.document.map(|d| sc::inspect::ManualDocument {
                surname: d.surname,
                given_names: d.given_names,
                nationality: d.nationality,
                birth_date: d.birth_date,
                sex: d.sex,
                document_number: d.document_number,
                issuing_state: d.issuing_state,
                expiry_date: d.expiry_date,
                document_kind: d.document_kind,
            }),
            face_template: b.face_template,
            enrolled: b.enrolled,
            visa_type: b.visa_type,
            purpose: b.purpose,
        }
    }
}

/// Why the rules suggest what they suggest.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ReasonView {
    /// Stable code, e.g. `watchlist_wanted`, `document_expired`, `egate_age`.
    pub code: String,
    /// For people (may quote the document).
    pub text: String,
    /// The suggestion this reason asks for on its own.
    pub decision: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub entry_id: Option<String>,
}

/// A reason's code without its text.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ReasonCode {
    pub code: String,
    pub decision: String,
    pub field: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct HitView {
    /// wanted, refused_entry, lost_stolen_document or alert.
    pub list: String,
    pub entry_id: String,
    pub score: f64,
    pub name_score: f64,
    pub matched_name: Option<String>,
    pub action: String,
    /// Field by field: `field`, `query_value`, `list_value`, `verdict`, `contribution`, `detail`.
    #[schema(value_type = Vec<Object>)]
    pub explain: Value,
}

/// What only roles that see personal data get of an inspection.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct InspectionPersonal {
    pub created_by: String,
    pub reasons: Vec<ReasonView>,
    pub hits: Vec<HitView>,
    /// The document as read: MRZ fields and check digits, or the hand-typed fields.
    #[schema(value_type = Object)]
    pub document: Value,
    pub decided_by: Option<String>,
    pub override_reason: Option<String>,
    pub visa_type: Option<String>,
    pub purpose: Option<String>,
    /// Who proposed the refuse or detain an officer countersigns (an auxiliary).
    pub proposed_by: Option<String>,
    /// The officer who countersigned.
    pub countersigned_by: Option<String>,
}

/// Where a traveller belongs instead of the lane they are at.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ChannelAdvice {
    /// `students`, `citizens_holiday_return`, `cross_border_rescue`, `egate` or `counter`.
    pub channel: String,
    /// The lane of the site to send them to.
    pub lane_id: String,
    /// Why, as a code (`clr.channel.*`, parameter `lane`).
    pub reason: crate::api::types::Text,
}

/// An inspection as the caller's role sees it: `personal` only for admin, duty chief and
/// inspector.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct InspectionView {
    pub id: String,
    pub site_id: String,
    pub lane_id: String,
    pub lane_kind: String,
    pub direction: String,
    pub created: DateTime<Utc>,
    /// `clear`, `secondary`, `refuse`, `detain`, or `sent_to_counter` at an e-gate.
    pub decision: String,
    pub suggested: String,
    #[serde(rename = "final")]
    pub is_final: bool,
    /// `pending`, `awaiting_countersign` (an auxiliary's refuse or detain) or `decided`.
    pub status: String,
    pub reason_codes: Vec<ReasonCode>,
    pub actions: Vec<String>,
    pub discreet: bool,
    pub nationality: String,
    pub hit_count: usize,
    pub crossing_id: Option<String>,
    pub decided_at: Option<DateTime<Utc>>,
    /// Where the traveller belongs if not at this lane.
    pub channel_advice: Option<ChannelAdvice>,
    /// The refuse or detain an auxiliary proposed (waiting for, or given, an officer's
    /// countersignature).
    pub proposed_decision: Option<String>,
    pub personal: Option<InspectionPersonal>,
}

fn decision_str(d: guomen_clearance::Decision) -> String {
    d.as_str().to_owned()
}

impl From<sc::InspectionView> for InspectionView {
    fn from(v: sc::InspectionView) -> Self {
        let sc::InspectionView {
            id,
            site_id,
            lane_id,
            lane_kind,
            direction,
            created,
            decision,
            suggested,
            is_final,
            status,
            reason_codes,
            actions,
            discreet,
            nationality,
            hit_count,
            crossing_id,
            decided_at,
            channel_advice,
            proposed_decision,
            personal,
        } = v;
        InspectionView {
            id,
            site_id,
            lane_id,
            lane_kind,
            direction,
            created,
            decision: decision_str(decision),
            suggested: decision_str(suggested),
            is_final,
            status,
            reason_codes: reason_codes
                .into_iter()
                .map(|r| ReasonCode {
                    code: r.code,
                    decision: decision_str(r.decision),
                    field: r.field,
                })
                .collect(),
            actions,
            discreet,
            nationality,
            hit_count,
            crossing_id,
            decided_at,
            channel_advice: channel_advice.map(|a| {
                let guomen_clearance::channel::ChannelAdvice {
                    channel,
                    lane_id,
                    reason,
                } = a;
                ChannelAdvice {
                    channel,
                    lane_id,
                    reason: reason.into(),
                }
            }),
            proposed_decision: proposed_decision.map(decision_str),
            personal: personal.map(|p| {
                let sc::InspectionPersonal {
                    created_by,
                    reasons,
                    hits,
                    document,
                    decided_by,
                    override_reason,
                    visa_type,
                    purpose,
                    proposed_by,
                    countersigned_by,
                } = p;
                InspectionPersonal {
                    created_by,
                    reasons: reasons
                        .into_iter()
                        .map(|r| ReasonView {
                            code: r.code,
                            text: r.text,
                            decision: decision_str(r.decision),
                            field: r.field,
                            entry_id: r.entry_id,
                        })
                        .collect(),
                    hits: hits
                        .into_iter()
                        .map(|h| HitView {
                            list: h.list.as_str().to_owned(),
                            entry_id: h.entry_id,
                            score: h.score,
                            name_score: h.name_score,
                            matched_name: h.matched_name,
                            action: h.action,
                            explain: h.explain,
                        })
                        .collect(),
                    document,
                    decided_by,
                    override_reason,
                    visa_type,
                    purpose,
                    proposed_by,
                    countersigned_by,
                }
            }),
        }
    }
}

/// Inspects a traveller: reads the document, screens, applies the lane's rules. The answer
/// holds `id`, `decision` (`clear|secondary|refuse|detain`, or `sent_to_counter` at an e-gate
/// that may not clear), `suggested`, `final`, `reason_codes`, and for roles that see personal
/// data `personal` with the `reasons`, `hits` (`list`, `entry_id`, `score`, `explain`) and
/// `document` (fields and `checks`); `crossing_id` once final. A malformed MRZ is a 422 whose
/// `details` name `line`, `position` and `field`.
#[utoipa::path(post, path = "/api/v1/inspections", tag = "clearance",
    security(("bearer" = [])),
    request_body = NewInspection,
    responses((status = 201, body = InspectionView),
              (status = 422, body = crate::error::ErrorEnvelope)))]
pub async fn post_inspection(
    State(state): State<AppState>,
    Extension(who): Extension<Principal>,
    ApiJson(body): ApiJson<NewInspection>,
) -> ApiResult<(StatusCode, Json<InspectionView>)> {
    let v = state.station.inspect(&who, body.into()).await?;
    Ok((StatusCode::CREATED, Json(v.into())))
}

/// One inspection, pending or decided.
#[utoipa::path(get, path = "/api/v1/inspections/{id}", tag = "clearance",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "inspection id")),
    responses((status = 200, body = InspectionView), (status = 404, body = crate::error::ErrorEnvelope)))]
pub async fn get_inspection(
    State(state): State<AppState>,
    Extension(who): Extension<Principal>,
    Path(id): Path<String>,
) -> ApiResult<Json<InspectionView>> {
    Ok(Json(state.station.inspection(&who, &id).await?.into()))
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DecisionBody {
    /// `clear`, `secondary`, `refuse` or `detain`.
    pub decision: String,
    /// Required when the decision differs from the suggestion.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// The inspector's final decision on a pending inspection; records the crossing.
#[utoipa::path(post, path = "/api/v1/inspections/{id}/decision", tag = "clearance",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "inspection id")),
    request_body = DecisionBody,
    responses((status = 200, body = InspectionView), (status = 404, body = crate::error::ErrorEnvelope),
              (status = 409, body = crate::error::ErrorEnvelope), (status = 422, body = crate::error::ErrorEnvelope)))]
pub async fn post_decision(
    State(state): State<AppState>,
    Extension(who): Extension<Principal>,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<DecisionBody>,
) -> ApiResult<Json<InspectionView>> {
    let v = state
        .station
        .decide(&who, &id, &body.decision, body.reason)
        .await?;
    Ok(Json(v.into()))
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CountersignBody {
    /// The decision to record; the auxiliary's proposal when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decision: Option<String>,
    /// Needed when the decision overrides the suggestion and the proposal gave none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// An officer countersigns an auxiliary's refuse or detain (`status` `awaiting_countersign`):
/// the crossing is recorded with the officer as the decider; journaled. Auxiliaries and NCOs
/// get 403 `not_an_officer`; an inspection awaiting nothing 409.
#[utoipa::path(post, path = "/api/v1/inspections/{id}/countersign", tag = "clearance",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "inspection id")),
    request_body(content = CountersignBody, description = "optional"),
    responses((status = 200, body = InspectionView), (status = 403, body = crate::error::ErrorEnvelope),
              (status = 404, body = crate::error::ErrorEnvelope), (status = 409, body = crate::error::ErrorEnvelope)))]
pub async fn post_countersign(
    State(state): State<AppState>,
    Extension(who): Extension<Principal>,
    Path(id): Path<String>,
    crate::json::ApiJsonOrEmpty(body): crate::json::ApiJsonOrEmpty<CountersignBody>,
) -> ApiResult<Json<InspectionView>> {
    let v = state
        .station
        .countersign(&who, &id, body.decision.as_deref(), body.reason)
        .await?;
    Ok(Json(v.into()))
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct CrossingsQuery {
    /// From this instant (RFC 3339 with offset), inclusive.
    pub from: Option<DateTime<Utc>>,
    /// Up to this instant (RFC 3339 with offset), exclusive.
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

/// A crossing as the caller's role sees it: `decided_by` and `detail` (the inspection's
/// document, hits and reasons) only for admin, duty chief and inspector.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct CrossingView {
    pub id: String,
    pub seq: u64,
    pub time: DateTime<Utc>,
    pub site_id: String,
    pub lane_id: String,
    pub direction: String,
    pub nationality: String,
    pub decision: String,
    /// `gate` or `inspector`.
    pub decided_by_kind: String,
    pub with_hits: bool,
    pub decided_by: Option<String>,
    #[schema(value_type = Option<Object>)]
    pub detail: Option<Value>,
}

impl From<sc::CrossingView> for CrossingView {
    fn from(c: sc::CrossingView) -> Self {
        let sc::CrossingView {
            id,
            seq,
            time,
            site_id,
            lane_id,
            direction,
            nationality,
            decision,
            decided_by_kind,
            with_hits,
            decided_by,
            detail,
        } = c;
        CrossingView {
            id,
            seq,
            time,
            site_id,
            lane_id,
            direction,
            nationality,
            decision,
            decided_by_kind: decided_by_kind.to_owned(),
            with_hits,
            decided_by,
            detail,
        }
    }
}

/// Crossings, oldest first, in the caller's view.
#[utoipa::path(get, path = "/api/v1/crossings", tag = "clearance",
    security(("bearer" = [])),
    params(CrossingsQuery),
    responses((status = 200, body = Vec<CrossingView>), (status = 422, body = crate::error::ErrorEnvelope)))]
pub async fn get_crossings(
    State(state): State<AppState>,
    Extension(who): Extension<Principal>,
    ApiQuery(q): ApiQuery<CrossingsQuery>,
) -> ApiResult<Json<Vec<CrossingView>>> {
    let query = sc::CrossingQuery {
        from: q.from,
        to: q.to,
        site: q.site,
        lane: q.lane,
        direction: q.direction,
        nationality: q.nationality,
        decision: q.decision,
        after: q.after,
        limit: q.limit,
    };
    let list = state.station.crossings(&who, query).await?;
    Ok(Json(list.into_iter().map(Into::into).collect()))
}

/// A nationality and its count.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct NationalityCount {
    pub nationality: String,
    pub count: u64,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
pub struct TodayStats {
    /// The station-local day, `YYYY-MM-DD`.
    pub date: NaiveDate,
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
    pub top_nationalities: Vec<NationalityCount>,
}

impl From<sc::TodayStats> for TodayStats {
    fn from(t: sc::TodayStats) -> Self {
        let sc::TodayStats {
            date,
            crossings,
            entry,
            exit,
            by_decision,
            egate_share,
            with_hits,
            pending,
            top_nationalities,
        } = t;
        TodayStats {
            date,
            crossings,
            entry,
            exit,
            by_decision,
            egate_share,
            with_hits,
            pending,
            top_nationalities: top_nationalities
                .into_iter()
                .map(|(nationality, count)| NationalityCount { nationality, count })
                .collect(),
        }
    }
}

/// Today's figures for the command centre (station-local day, no personal data).
#[utoipa::path(get, path = "/api/v1/stats/today", tag = "clearance",
    security(("bearer" = [])),
    responses((status = 200, body = TodayStats)))]
pub async fn get_stats_today(State(state): State<AppState>) -> ApiResult<Json<TodayStats>> {
    Ok(Json(state.station.today_stats().await?.into()))
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

/// What an import did.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
pub struct ImportSummary {
    pub list: String,
    pub format: String,
    /// The id prefix the file owns (`ofac`, `un`), none for guomen CSV.
    pub source: Option<String>,
    pub records: u64,
    pub skipped: u64,
    pub added: usize,
    pub updated: usize,
    pub removed: usize,
    pub unchanged: usize,
    /// Records not taken as written, each naming file and line.
    pub warnings: Vec<String>,
    /// Journal seq of the summary event.
    pub seq: u64,
}

impl From<sc::import::ImportSummary> for ImportSummary {
    fn from(s: sc::import::ImportSummary) -> Self {
        let sc::import::ImportSummary {
            list,
            format,
            source,
            records,
            skipped,
            added,
            updated,
            removed,
            unchanged,
            warnings,
            seq,
        } = s;
        ImportSummary {
            list,
            format,
            source,
            records,
            skipped,
            added,
            updated,
            removed,
            unchanged,
            warnings,
            seq,
        }
    }
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
    let summary = state
        .station
        .import_watchlist(&who.actor(), imported, list, format, &mut |_, _| {})
        .await?;
    Ok(Json(summary.into()))
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ListCount {
    pub list: String,
    /// `""` for guomen CSV ids without a prefix.
    pub source: String,
    pub entries: usize,
}

/// The live index's size.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct IndexSize {
    pub entries: usize,
    pub names: usize,
    /// Distinct keys in the name index.
    pub keys: usize,
    pub postings: usize,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct WatchlistStats {
    pub lists: Vec<ListCount>,
    pub entries: usize,
    pub index: IndexSize,
    /// Journal seq up to which watchlist changes are live.
    pub applied_seq: u64,
}

/// Entries per list and source, and the live index's size.
#[utoipa::path(get, path = "/api/v1/watchlists/stats", tag = "watchlists",
    security(("bearer" = [])),
    responses((status = 200, body = WatchlistStats)))]
pub async fn get_watchlist_stats(State(state): State<AppState>) -> ApiResult<Json<WatchlistStats>> {
    let s = state.station.watchlist_stats().await?;
    Ok(Json(WatchlistStats {
        lists: s
            .lists
            .into_iter()
            .map(|l| ListCount {
                list: l.list,
                source: l.source,
                entries: l.entries,
            })
            .collect(),
        entries: s.entries,
        index: IndexSize {
            entries: s.index.entries,
            names: s.index.names,
            keys: s.index.keys,
            postings: s.index.postings,
        },
        applied_seq: s.applied_seq,
    }))
}
