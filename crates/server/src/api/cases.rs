//! Cases and seizures: open, move along the lifecycle, record seizures, add and view
//! evidence files (content-addressed, every viewing journaled).

use axum::Extension;
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use guomen_station::cases as c;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::auth::Principal;
use crate::error::ApiResult;
use crate::json::{ApiJson, ApiQuery};
use crate::state::AppState;

#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewCase {
    /// A case kind (see `GET /api/v1/cases/kinds`).
    pub kind: String,
    pub summary: String,
    pub inspection_id: Option<String>,
    pub crossing_id: Option<String>,
    pub incident_id: Option<String>,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Seizure {
    pub id: String,
    pub category: String,
    pub item: String,
    pub quantity: f64,
    pub unit: String,
    pub recorded_by: String,
    pub at: DateTime<Utc>,
}

impl From<c::Seizure> for Seizure {
    fn from(s: c::Seizure) -> Self {
        let c::Seizure {
            id,
            category,
            item,
            quantity,
            unit,
            recorded_by,
            at,
        } = s;
        Seizure {
            id,
            category: category.as_str().to_owned(),
            item,
            quantity,
            unit,
            recorded_by,
            at,
        }
    }
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Evidence {
    pub sha256: String,
    pub size: u64,
    pub content_type: String,
    pub added_by: String,
    pub at: DateTime<Utc>,
}

impl From<c::Evidence> for Evidence {
    fn from(e: c::Evidence) -> Self {
        let c::Evidence {
            sha256,
            size,
            content_type,
            added_by,
            at,
        } = e;
        Evidence {
            sha256,
            size,
            content_type,
            added_by,
            at,
        }
    }
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Custody {
    /// `added`, `viewed` or `handed_over`.
    pub action: String,
    pub sha256: String,
    pub by: String,
    pub at: DateTime<Utc>,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Transition {
    pub from: String,
    pub to: String,
    pub by: String,
    pub at: DateTime<Utc>,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Case {
    pub id: String,
    pub kind: String,
    pub summary: String,
    /// `open`, `under_investigation`, `decided` or `closed`.
    pub status: String,
    pub handler: String,
    pub opened_by: String,
    pub opened_at: DateTime<Utc>,
    pub inspection_id: Option<String>,
    pub crossing_id: Option<String>,
    pub incident_id: Option<String>,
    pub seizures: Vec<Seizure>,
    pub evidence: Vec<Evidence>,
    pub custody: Vec<Custody>,
    pub transitions: Vec<Transition>,
    pub disposition: Option<String>,
}

impl From<c::Case> for Case {
    fn from(x: c::Case) -> Self {
        let c::Case {
            id,
            kind,
            summary,
            status,
            handler,
            opened_by,
            opened_at,
            inspection_id,
            crossing_id,
            incident_id,
            seizures,
            evidence,
            custody,
            transitions,
            disposition,
        } = x;
        Case {
            id,
            kind: kind.as_str().to_owned(),
            summary,
            status: status.as_str().to_owned(),
            handler,
            opened_by,
            opened_at,
            inspection_id,
            crossing_id,
            incident_id,
            seizures: seizures.into_iter().map(Into::into).collect(),
            evidence: evidence.into_iter().map(Into::into).collect(),
            custody: custody
                .into_iter()
                .map(|k| Custody {
                    action: k.action,
                    sha256: k.sha256,
                    by: k.by,
                    at: k.at,
                })
                .collect(),
            transitions: transitions
                .into_iter()
                .map(|t| Transition {
                    from: t.from.as_str().to_owned(),
                    to: t.to.as_str().to_owned(),
                    by: t.by,
                    at: t.at,
                })
                .collect(),
            disposition,
        }
    }
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct CaseKind {
    pub kind: String,
    pub zh: String,
    pub en: String,
}

/// The case kinds, with their Chinese and English names.
#[utoipa::path(get, path = "/api/v1/cases/kinds", tag = "cases",
    security(("bearer" = [])),
    responses((status = 200, body = Vec<CaseKind>)))]
pub async fn get_case_kinds() -> Json<Vec<CaseKind>> {
    Json(
        c::CaseKind::ALL
            .iter()
            .map(|k| {
                let (zh, en) = k.label();
                CaseKind {
                    kind: k.as_str().to_owned(),
                    zh: zh.to_owned(),
                    en: en.to_owned(),
                }
            })
            .collect(),
    )
}

/// Opens a case, from an inspection, a crossing, an incident or by hand.
#[utoipa::path(post, path = "/api/v1/cases", tag = "cases",
    security(("bearer" = [])),
    request_body = NewCase,
    responses((status = 201, body = Case),
              (status = 404, body = crate::error::ErrorEnvelope),
              (status = 422, body = crate::error::ErrorEnvelope)))]
pub async fn post_case(
    State(state): State<AppState>,
    Extension(who): Extension<Principal>,
    ApiJson(body): ApiJson<NewCase>,
) -> ApiResult<(StatusCode, Json<Case>)> {
    let new = c::NewCase {
        kind: body.kind,
        summary: body.summary,
        inspection_id: body.inspection_id,
        crossing_id: body.crossing_id,
        incident_id: body.incident_id,
    };
    let case = state.station.open_case(&who, new).await?;
    Ok((StatusCode::CREATED, Json(case.into())))
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct CasesQuery {
    /// Only cases in this status.
    pub status: Option<String>,
}

/// Cases, newest first.
#[utoipa::path(get, path = "/api/v1/cases", tag = "cases",
    security(("bearer" = [])),
    params(CasesQuery),
    responses((status = 200, body = Vec<Case>)))]
pub async fn list_cases(
    State(state): State<AppState>,
    Extension(who): Extension<Principal>,
    ApiQuery(q): ApiQuery<CasesQuery>,
) -> ApiResult<Json<Vec<Case>>> {
    let cases = state.station.cases(&who, q.status.as_deref()).await?;
    Ok(Json(cases.into_iter().map(Into::into).collect()))
}

/// One case with its seizures, evidence and chain of custody.
#[utoipa::path(get, path = "/api/v1/cases/{id}", tag = "cases",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "Case id")),
    responses((status = 200, body = Case), (status = 404, body = crate::error::ErrorEnvelope)))]
pub async fn get_case(
    State(state): State<AppState>,
    Extension(who): Extension<Principal>,
    Path(id): Path<String>,
) -> ApiResult<Json<Case>> {
    Ok(Json(state.station.case(&who, &id).await?.into()))
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewStatus {
    /// `under_investigation`, `decided` or `closed`.
    pub status: String,
    /// Required when closing.
    pub disposition: Option<String>,
}

/// Moves a case along its lifecycle (open → under investigation → decided → closed;
/// closing is allowed from any open state).
#[utoipa::path(post, path = "/api/v1/cases/{id}/status", tag = "cases",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "Case id")),
    request_body = NewStatus,
    responses((status = 200, body = Case), (status = 409, body = crate::error::ErrorEnvelope)))]
pub async fn post_case_status(
    State(state): State<AppState>,
    Extension(who): Extension<Principal>,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<NewStatus>,
) -> ApiResult<Json<Case>> {
    let case = state
        .station
        .set_case_status(&who, &id, &body.status, body.disposition)
        .await?;
    Ok(Json(case.into()))
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Closing {
    pub disposition: String,
}

/// Closes a case with its disposition.
#[utoipa::path(post, path = "/api/v1/cases/{id}/close", tag = "cases",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "Case id")),
    request_body = Closing,
    responses((status = 200, body = Case), (status = 409, body = crate::error::ErrorEnvelope)))]
pub async fn post_case_close(
    State(state): State<AppState>,
    Extension(who): Extension<Principal>,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<Closing>,
) -> ApiResult<Json<Case>> {
    let case = state
        .station
        .set_case_status(&who, &id, "closed", Some(body.disposition))
        .await?;
    Ok(Json(case.into()))
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewSeizure {
    /// `drugs`, `ammunition`, `weapons`, `currency`, `documents` or `other`.
    pub category: String,
    pub item: String,
    pub quantity: f64,
    /// `g`, `kg`, `mg`, `ml`, `l`, `pcs`, `rounds` or a currency code.
    pub unit: String,
}

/// Records what was seized in a case.
#[utoipa::path(post, path = "/api/v1/cases/{id}/seizures", tag = "cases",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "Case id")),
    request_body = NewSeizure,
    responses((status = 201, body = Seizure), (status = 422, body = crate::error::ErrorEnvelope)))]
pub async fn post_seizure(
    State(state): State<AppState>,
    Extension(who): Extension<Principal>,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<NewSeizure>,
) -> ApiResult<(StatusCode, Json<Seizure>)> {
    let seizure = state
        .station
        .record_seizure(
            &who,
            &id,
            c::NewSeizure {
                category: body.category,
                item: body.item,
                quantity: body.quantity,
                unit: body.unit,
            },
        )
        .await?;
    Ok((StatusCode::CREATED, Json(seizure.into())))
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct EvidenceStored {
    pub sha256: String,
    pub size: u64,
}

/// Adds an evidence file (the request body, up to 50 MiB; its `Content-Type` is kept).
#[utoipa::path(post, path = "/api/v1/cases/{id}/evidence", tag = "cases",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "Case id")),
    request_body(content = Vec<u8>, content_type = "application/octet-stream"),
    responses((status = 201, body = EvidenceStored),
              (status = 413, body = crate::error::ErrorEnvelope)))]
pub async fn post_evidence(
    State(state): State<AppState>,
    Extension(who): Extension<Principal>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<(StatusCode, Json<EvidenceStored>)> {
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("application/octet-stream");
    let e = state
        .station
        .add_evidence(&who, &id, content_type, body.to_vec())
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(EvidenceStored {
            sha256: e.sha256,
            size: e.size,
        }),
    ))
}

/// An evidence file; the viewing is recorded in the case's chain of custody.
#[utoipa::path(get, path = "/api/v1/cases/{id}/evidence/{sha256}", tag = "cases",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "Case id"),
           ("sha256" = String, Path, description = "The file's SHA-256, hex")),
    responses((status = 200, content_type = "application/octet-stream", body = Vec<u8>),
              (status = 404, body = crate::error::ErrorEnvelope)))]
pub async fn get_evidence(
    State(state): State<AppState>,
    Extension(who): Extension<Principal>,
    Path((id, sha256)): Path<(String, String)>,
) -> ApiResult<Response> {
    let (content_type, data) = state.station.view_evidence(&who, &id, &sha256).await?;
    Ok((
        [
            (header::CONTENT_TYPE, content_type),
            (header::CACHE_CONTROL, "no-store".to_owned()),
        ],
        data,
    )
        .into_response())
}
