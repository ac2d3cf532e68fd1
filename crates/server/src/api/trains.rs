//! Trains: runs, PAXLST manifests screened before arrival, arrival, the agencies' parts and
//! one release. Thin handlers over `guomen_station::trains`.

use axum::Extension;
use axum::Json;
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use chrono::{DateTime, NaiveDate, Utc};
use guomen_station::trains as st;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::{IntoParams, ToSchema};

use crate::auth::Principal;
use crate::error::{ApiError, ApiResult};
use crate::json::{ApiJson, ApiQuery};
use crate::state::AppState;

/// The largest manifest body: 1,000 persons in PAXLST are about 400 KB.
pub const MAX_MANIFEST_BYTES: usize = 8 * 1024 * 1024;

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewTrainBody {
    /// The train number, e.g. `K23` or a freight train's number.
    pub number: String,
    /// `passenger` or `freight`.
    pub kind: String,
    /// `entry` or `exit`.
    pub direction: String,
    pub site_id: String,
    pub scheduled_arrival: DateTime<Utc>,
    #[serde(default)]
    pub origin: Option<String>,
    #[serde(default)]
    pub destination: Option<String>,
    /// The carrier organisation that sends its manifests (the first carrier to send one
    /// otherwise).
    #[serde(default)]
    pub carrier: Option<String>,
}

/// A train as the caller's role sees it (carriers get no `prescreen`).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct TrainDto {
    pub id: String,
    pub number: String,
    pub kind: String,
    pub direction: String,
    pub site_id: String,
    pub scheduled_arrival: DateTime<Utc>,
    pub origin: Option<String>,
    pub destination: Option<String>,
    pub carrier: Option<String>,
    /// `scheduled`, `manifest_received`, `arrived`, `verifying` or `released`.
    pub status: String,
    /// `{"persons", "version"}`.
    #[schema(value_type = Object)]
    pub manifest: Value,
    /// `{"hits": [...], "hit_count"}`; absent for carriers.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub prescreen: Option<Value>,
    /// `{"verified", "exceptions", "remaining"}`.
    #[schema(value_type = Object)]
    pub verification: Value,
    /// Agency → `{"done", "by", "at"}`.
    #[schema(value_type = Object)]
    pub agencies: Value,
    /// `{"started", "elapsed_s", "predicted_finish", "target_s"}`.
    #[schema(value_type = Object)]
    pub timer: Value,
    /// Person ids never verified, listed at release.
    pub no_shows: Vec<String>,
    /// `{"person_id", "reason", "marked_at", "marked_by", "cleared_after_s"}` per person
    /// verified first.
    #[schema(value_type = Vec<Object>)]
    pub priority: Value,
}

impl From<st::TrainView> for TrainDto {
    fn from(v: st::TrainView) -> Self {
        let j = |x: &dyn erased::Ser| x.value();
        TrainDto {
            kind: j(&v.kind).as_str().unwrap_or_default().to_owned(),
            direction: v.direction.as_str().to_owned(),
            manifest: j(&v.manifest),
            prescreen: v.prescreen.as_ref().map(|p| j(p)),
            verification: j(&v.verification),
            agencies: j(&v.agencies),
            timer: j(&v.timer),
            priority: j(&v.priority),
            id: v.id,
            number: v.number,
            site_id: v.site_id,
            scheduled_arrival: v.scheduled_arrival,
            origin: v.origin,
            destination: v.destination,
            carrier: v.carrier,
            status: v.status,
            no_shows: v.no_shows,
        }
    }
}

mod erased {
    /// Plain data to JSON without naming each type.
    pub trait Ser {
        fn value(&self) -> serde_json::Value;
    }
    impl<T: serde::Serialize> Ser for T {
        fn value(&self) -> serde_json::Value {
            serde_json::to_value(self).unwrap_or_default()
        }
    }
}

/// The answer to a manifest upload, once every person was screened.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ManifestAnswerDto {
    pub train_id: String,
    pub version: u32,
    pub persons: usize,
    /// Pre-arrival hits naming person, carriage and seat; absent for carriers.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Vec<Object>>)]
    pub hits: Option<Value>,
    /// `{"segment", "tag", "message"}` per problem in the interchange.
    #[schema(value_type = Vec<Object>)]
    pub errors: Value,
    /// CONTRL-style: `accepted`, `accepted_with_errors` or `rejected`.
    pub action: String,
    /// Person ids new in this version and gone since the previous one.
    pub added: Vec<String>,
    pub removed: Vec<String>,
}

fn train_dto(v: st::TrainView) -> Json<TrainDto> {
    Json(v.into())
}

/// Schedules a train run.
#[utoipa::path(post, path = "/api/v1/trains", tag = "trains",
    security(("bearer" = [])),
    request_body = NewTrainBody,
    responses((status = 201, body = TrainDto), (status = 422, body = crate::error::ErrorEnvelope)))]
pub async fn create_train(
    State(state): State<AppState>,
    Extension(who): Extension<Principal>,
    ApiJson(body): ApiJson<NewTrainBody>,
) -> ApiResult<(StatusCode, Json<TrainDto>)> {
    let req: st::NewTrain = serde_json::from_value(serde_json::to_value(&body).unwrap_or_default())
        .map_err(|e| ApiError::unprocessable(format!("train: {e}")))?;
    let v = state.station.create_train(&who, req).await?;
    Ok((StatusCode::CREATED, train_dto(v)))
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TimetableBody {
    /// The station's local day, `YYYY-MM-DD` (default today).
    #[serde(default)]
    pub date: Option<NaiveDate>,
}

/// Schedules the day's runs of the port's weekly timetable (`[[train_service]]`) not yet
/// scheduled; answers every timetable run of the day.
#[utoipa::path(post, path = "/api/v1/trains/timetable", tag = "trains",
    security(("bearer" = [])),
    request_body = TimetableBody,
    responses((status = 201, body = Vec<TrainDto>), (status = 422, body = crate::error::ErrorEnvelope)))]
pub async fn schedule_timetable(
    State(state): State<AppState>,
    Extension(who): Extension<Principal>,
    ApiJson(body): ApiJson<TimetableBody>,
) -> ApiResult<(StatusCode, Json<Vec<TrainDto>>)> {
    let date = body.date.unwrap_or_else(|| state.station.today());
    let list = state.station.schedule_timetable(&who, date).await?;
    Ok((
        StatusCode::CREATED,
        Json(list.into_iter().map(Into::into).collect()),
    ))
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct TrainsQuery {
    /// The station's local day, `YYYY-MM-DD` (default today).
    pub date: Option<NaiveDate>,
}

/// The day's trains, by scheduled arrival.
#[utoipa::path(get, path = "/api/v1/trains", tag = "trains",
    security(("bearer" = [])),
    params(TrainsQuery),
    responses((status = 200, body = Vec<TrainDto>)))]
pub async fn list_trains(
    State(state): State<AppState>,
    Extension(who): Extension<Principal>,
    ApiQuery(q): ApiQuery<TrainsQuery>,
) -> ApiResult<Json<Vec<TrainDto>>> {
    let date = q.date.unwrap_or_else(|| state.station.today());
    let list = state.station.trains_on(&who, date).await?;
    Ok(Json(list.into_iter().map(Into::into).collect()))
}

/// One train: status, manifest counts, pre-arrival hits, verification, agencies and timer.
#[utoipa::path(get, path = "/api/v1/trains/{id}", tag = "trains",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "train id")),
    responses((status = 200, body = TrainDto), (status = 404, body = crate::error::ErrorEnvelope)))]
pub async fn get_train(
    State(state): State<AppState>,
    Extension(who): Extension<Principal>,
    Path(id): Path<String>,
) -> ApiResult<Json<TrainDto>> {
    Ok(train_dto(state.station.train(&who, &id).await?))
}

/// Uploads a manifest: UN/EDIFACT PAXLST (`Content-Type: application/edifact`) or its JSON
/// form (`application/json`, `{"messages":[...]}` as `guomen paxlst --json` prints, or one
/// message). Answers once every person was screened; a new version is re-screened and compared.
#[utoipa::path(post, path = "/api/v1/trains/{id}/manifest", tag = "trains",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "train id")),
    request_body(content = String, description = "PAXLST interchange or its JSON form"),
    responses((status = 201, body = ManifestAnswerDto),
              (status = 404, body = crate::error::ErrorEnvelope),
              (status = 413, body = crate::error::ErrorEnvelope),
              (status = 415, body = crate::error::ErrorEnvelope),
              (status = 422, body = crate::error::ErrorEnvelope)))]
pub async fn post_manifest(
    State(state): State<AppState>,
    Extension(who): Extension<Principal>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> ApiResult<(StatusCode, Json<ManifestAnswerDto>)> {
    let ct = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    let json = match ct.as_str() {
        "application/json" => true,
        "application/edifact" | "application/edi-x12" | "text/plain" => false,
        other => {
            return Err(ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                format!(
                    "Content-Type {other:?}: send application/edifact (PAXLST) or application/json"
                ),
            ));
        }
    };
    let bytes = axum::body::to_bytes(body, MAX_MANIFEST_BYTES)
        .await
        .map_err(|_| {
            ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "body_too_large",
                format!("a manifest is at most {MAX_MANIFEST_BYTES} bytes"),
            )
        })?;
    let input = if json {
        let v: Value = serde_json::from_slice(&bytes)
            .map_err(|e| ApiError::bad_request(format!("body is not JSON: {e}")))?;
        st::ManifestInput::Json(v)
    } else {
        st::ManifestInput::Edifact(String::from_utf8_lossy(&bytes).into_owned())
    };
    let a = state.station.upload_manifest(&who, &id, input).await?;
    let v = |x: &dyn erased::Ser| x.value();
    Ok((
        StatusCode::CREATED,
        Json(ManifestAnswerDto {
            hits: a.hits.as_ref().map(|h| v(h)),
            errors: v(&a.errors),
            action: v(&a.action).as_str().unwrap_or_default().to_owned(),
            train_id: a.train_id,
            version: a.version,
            persons: a.persons,
            added: a.added,
            removed: a.removed,
        }),
    ))
}

/// The train is at the platform: the clock starts.
#[utoipa::path(post, path = "/api/v1/trains/{id}/arrive", tag = "trains",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "train id")),
    responses((status = 200, body = TrainDto), (status = 404, body = crate::error::ErrorEnvelope),
              (status = 409, body = crate::error::ErrorEnvelope)))]
pub async fn arrive(
    State(state): State<AppState>,
    Extension(who): Extension<Principal>,
    Path(id): Path<String>,
) -> ApiResult<Json<TrainDto>> {
    Ok(train_dto(state.station.train_arrived(&who, &id).await?))
}

/// A partner agency (customs, railway, quarantine) marks its part done.
#[utoipa::path(post, path = "/api/v1/trains/{id}/agencies/{agency}/done", tag = "trains",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "train id"), ("agency" = String, Path, description = "agency")),
    responses((status = 200, body = TrainDto), (status = 403, body = crate::error::ErrorEnvelope),
              (status = 404, body = crate::error::ErrorEnvelope), (status = 409, body = crate::error::ErrorEnvelope)))]
pub async fn agency_done(
    State(state): State<AppState>,
    Extension(who): Extension<Principal>,
    Path((id, agency)): Path<(String, String)>,
) -> ApiResult<Json<TrainDto>> {
    Ok(train_dto(
        state.station.train_agency_done(&who, &id, &agency).await?,
    ))
}

/// Releases the train once every agency is done (409 naming what is missing).
#[utoipa::path(post, path = "/api/v1/trains/{id}/release", tag = "trains",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "train id")),
    responses((status = 200, body = TrainDto), (status = 404, body = crate::error::ErrorEnvelope),
              (status = 409, body = crate::error::ErrorEnvelope)))]
pub async fn release(
    State(state): State<AppState>,
    Extension(who): Extension<Principal>,
    Path(id): Path<String>,
) -> ApiResult<Json<TrainDto>> {
    Ok(train_dto(state.station.release_train(&who, &id).await?))
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VerificationBody {
    /// The scanned MRZ, one string per line.
    #[serde(default)]
    pub mrz: Option<Vec<String>>,
    /// A manifest person, picked when the reader fails.
    #[serde(default)]
    pub person_id: Option<String>,
    /// The carriage the inspector is in.
    #[serde(default)]
    pub carriage: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct VerificationDto {
    /// `manifest`, `not_on_manifest` or `document_differs`.
    #[serde(rename = "match")]
    pub matched: String,
    /// The manifest person (with `person_id`), when one was found.
    #[schema(value_type = Option<Object>)]
    pub person: Option<Value>,
    pub inspection_id: String,
    pub suggested: String,
    /// Null while the inspector's confirmation is pending
    /// (`POST /api/v1/inspections/{id}/decision`).
    pub decision: Option<String>,
}

/// Verifies one person on board (MRZ or manifest person) and decides as at a counter.
#[utoipa::path(post, path = "/api/v1/trains/{id}/verifications", tag = "trains",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "train id")),
    request_body = VerificationBody,
    responses((status = 201, body = VerificationDto), (status = 404, body = crate::error::ErrorEnvelope),
              (status = 409, body = crate::error::ErrorEnvelope), (status = 422, body = crate::error::ErrorEnvelope)))]
pub async fn verify(
    State(state): State<AppState>,
    Extension(who): Extension<Principal>,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<VerificationBody>,
) -> ApiResult<(StatusCode, Json<VerificationDto>)> {
    let req = st::NewVerification {
        mrz: body.mrz,
        person_id: body.person_id,
        carriage: body.carriage,
    };
    let a = state.station.verify_on_board(&who, &id, req).await?;
    let v = |x: &dyn erased::Ser| x.value();
    Ok((
        StatusCode::CREATED,
        Json(VerificationDto {
            matched: v(&a.matched).as_str().unwrap_or_default().to_owned(),
            person: a.person.as_ref().map(|p| v(p)),
            inspection_id: a.inspection_id,
            suggested: a.suggested,
            decision: a.decision,
        }),
    ))
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PriorityBody {
    /// Why the person goes first, e.g. `suspected brain haemorrhage`.
    pub reason: String,
}

/// Marks a person ill on board: verified first, time to clearance recorded.
#[utoipa::path(post, path = "/api/v1/trains/{id}/persons/{person_id}/priority", tag = "trains",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "train id"), ("person_id" = String, Path, description = "manifest person id")),
    request_body = PriorityBody,
    responses((status = 200, body = TrainDto), (status = 404, body = crate::error::ErrorEnvelope),
              (status = 409, body = crate::error::ErrorEnvelope)))]
pub async fn priority(
    State(state): State<AppState>,
    Extension(who): Extension<Principal>,
    Path((id, person_id)): Path<(String, String)>,
    ApiJson(body): ApiJson<PriorityBody>,
) -> ApiResult<Json<TrainDto>> {
    Ok(train_dto(
        state
            .station
            .mark_priority(&who, &id, &person_id, &body.reason)
            .await?,
    ))
}
