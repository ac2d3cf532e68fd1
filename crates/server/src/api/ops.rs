//! Perimeter and dispatch: sensor events, incidents and their lifecycle, partner
//! notifications, units and positions, links and duty-point outboxes, the live stream, KPIs.
//! Handlers parse, call the station, map.

use axum::Extension;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use chrono::NaiveDate;
use guomen_domain::incident::Action;
use guomen_station::ops as st;

use crate::api::types::*;
use crate::auth::Principal;
use crate::error::{ApiError, ApiResult};
use crate::json::{ApiJson, ApiJsonOrEmpty, ApiQuery};
use crate::state::AppState;

/// A perimeter sensor event (also accepted over MQTT): an alarm, and the incident it opens or
/// joins through its linkage track.
#[utoipa::path(post, path = "/api/v1/sensor-events", tag = "perimeter",
    security(("bearer" = [])), request_body = SensorEventBody,
    responses((status = 202, body = SensorEventAccepted),
              (status = 403, body = crate::error::ErrorEnvelope),
              (status = 422, body = crate::error::ErrorEnvelope)))]
pub async fn post_sensor_event(
    State(state): State<AppState>,
    Extension(who): Extension<Principal>,
    ApiJson(body): ApiJson<SensorEventBody>,
) -> ApiResult<(StatusCode, Json<SensorEventAccepted>)> {
    let a = state.station.sensor_event(&who, body.into()).await?;
    Ok((StatusCode::ACCEPTED, Json(a.into())))
}

/// Incidents, most urgent first, then newest.
#[utoipa::path(get, path = "/api/v1/incidents", tag = "incidents",
    security(("bearer" = [])), params(IncidentQuery),
    responses((status = 200, body = Vec<IncidentView>),
              (status = 422, body = crate::error::ErrorEnvelope)))]
pub async fn list_incidents(
    State(state): State<AppState>,
    Extension(who): Extension<Principal>,
    ApiQuery(q): ApiQuery<IncidentQuery>,
) -> ApiResult<Json<Vec<IncidentView>>> {
    let filter: st::IncidentFilter = q.status.as_deref().unwrap_or("open").parse()?;
    let list = state.station.incidents(&who, filter).await?;
    Ok(Json(list.into_iter().map(Into::into).collect()))
}

/// One incident with its whole timeline (every transition with actor and time) and KPIs.
#[utoipa::path(get, path = "/api/v1/incidents/{id}", tag = "incidents",
    security(("bearer" = [])), params(("id" = String, Path, description = "Incident id")),
    responses((status = 200, body = IncidentView), (status = 404, body = crate::error::ErrorEnvelope)))]
pub async fn get_incident(
    State(state): State<AppState>,
    Extension(who): Extension<Principal>,
    Path(id): Path<String>,
) -> ApiResult<Json<IncidentView>> {
    Ok(Json(state.station.incident(&who, &id).await?.into()))
}

/// An incident reported by hand.
#[utoipa::path(post, path = "/api/v1/incidents", tag = "incidents",
    security(("bearer" = [])), request_body = NewIncidentBody,
    responses((status = 201, body = IncidentView), (status = 422, body = crate::error::ErrorEnvelope)))]
pub async fn create_incident(
    State(state): State<AppState>,
    Extension(who): Extension<Principal>,
    ApiJson(body): ApiJson<NewIncidentBody>,
) -> ApiResult<(StatusCode, Json<IncidentView>)> {
    let v = state.station.report_incident(&who, body.into()).await?;
    Ok((StatusCode::CREATED, Json(v.into())))
}

/// A partner agency's notification: an incident with recommendations. A partner reports for
/// its own agency.
#[utoipa::path(post, path = "/api/v1/notifications", tag = "incidents",
    security(("bearer" = [])), request_body = NotificationBody,
    responses((status = 201, body = IncidentView), (status = 422, body = crate::error::ErrorEnvelope)))]
pub async fn post_notification(
    State(state): State<AppState>,
    Extension(who): Extension<Principal>,
    ApiJson(body): ApiJson<NotificationBody>,
) -> ApiResult<(StatusCode, Json<IncidentView>)> {
    let v = state.station.notify(&who, body.into()).await?;
    Ok((StatusCode::CREATED, Json(v.into())))
}

async fn act(
    state: &AppState,
    who: &Principal,
    id: &str,
    action: Action,
) -> ApiResult<Json<IncidentView>> {
    Ok(Json(
        state.station.incident_action(who, id, action).await?.into(),
    ))
}

macro_rules! action_route {
    ($name:ident, $path:literal, $body:ty, $summary:literal, |$b:ident| $action:expr) => {
        #[doc = $summary]
        #[utoipa::path(post, path = $path, tag = "incidents",
            security(("bearer" = [])), request_body = $body,
            params(("id" = String, Path, description = "Incident id")),
            responses((status = 200, body = IncidentView),
                      (status = 404, body = crate::error::ErrorEnvelope),
                      (status = 409, description = "Illegal transition: `details` names `from` and `to`", body = crate::error::ErrorEnvelope),
                      (status = 422, body = crate::error::ErrorEnvelope)))]
        pub async fn $name(
            State(state): State<AppState>,
            Extension(who): Extension<Principal>,
            Path(id): Path<String>,
            ApiJsonOrEmpty($b): ApiJsonOrEmpty<$body>,
        ) -> ApiResult<Json<IncidentView>> {
            act(&state, &who, &id, $action).await
        }
    };
}

action_route!(
    acknowledge,
    "/api/v1/incidents/{id}/acknowledge",
    EmptyBody,
    "Acknowledges a new incident.",
    |_b| Action::Acknowledge
);
action_route!(
    dispatch,
    "/api/v1/incidents/{id}/dispatch",
    UnitBody,
    "Dispatches a unit: an order journaled and sent to its terminal when connected.",
    |b| Action::Dispatch { unit_id: b.unit_id }
);
action_route!(
    en_route,
    "/api/v1/incidents/{id}/en-route",
    UnitBody,
    "A dispatched unit is on its way.",
    |b| Action::EnRoute { unit_id: b.unit_id }
);
action_route!(
    on_scene,
    "/api/v1/incidents/{id}/on-scene",
    UnitBody,
    "A dispatched unit arrived.",
    |b| Action::OnScene { unit_id: b.unit_id }
);
action_route!(
    resolve,
    "/api/v1/incidents/{id}/resolve",
    ResolveBody,
    "Resolves with a disposition code and feedback; clears the units on it.",
    |b| Action::Resolve {
        disposition: b.disposition,
        feedback: b.feedback
    }
);
action_route!(
    close,
    "/api/v1/incidents/{id}/close",
    EmptyBody,
    "Closes a resolved incident.",
    |_b| Action::Close
);
action_route!(
    reopen,
    "/api/v1/incidents/{id}/reopen",
    ReopenBody,
    "Reopens a resolved or closed incident.",
    |b| Action::Reopen { reason: b.reason }
);

/// Units with status (NENA EIDO availability), last fix and its age.
#[utoipa::path(get, path = "/api/v1/units", tag = "units",
    security(("bearer" = [])), responses((status = 200, body = Vec<UnitView>)))]
pub async fn list_units(State(state): State<AppState>) -> ApiResult<Json<Vec<UnitView>>> {
    let units = state.station.units().await;
    Ok(Json(units.into_iter().map(Into::into).collect()))
}

/// A unit's own report: acknowledgement, en route, arrival (these move its incident), clear,
/// out of service, back in service.
#[utoipa::path(post, path = "/api/v1/units/{id}/status", tag = "units",
    security(("bearer" = [])), request_body = UnitStatusBody,
    params(("id" = String, Path, description = "Unit id")),
    responses((status = 200, body = UnitView), (status = 404, body = crate::error::ErrorEnvelope),
              (status = 409, body = crate::error::ErrorEnvelope)))]
pub async fn post_unit_status(
    State(state): State<AppState>,
    Extension(who): Extension<Principal>,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<UnitStatusBody>,
) -> ApiResult<Json<UnitView>> {
    let v = state
        .station
        .unit_status(&who, &id, &body.event, body.incident_id.as_deref())
        .await?;
    Ok(Json(v.into()))
}

/// A position report over HTTP: the same path as a JT/T 808 or NMEA fix.
#[utoipa::path(post, path = "/api/v1/positions", tag = "units",
    security(("bearer" = [])), request_body = PositionBody,
    responses((status = 202, body = Accepted),
              (status = 403, body = crate::error::ErrorEnvelope),
              (status = 422, body = crate::error::ErrorEnvelope)))]
pub async fn post_position(
    State(state): State<AppState>,
    Extension(who): Extension<Principal>,
    ApiJson(b): ApiJson<PositionBody>,
) -> ApiResult<(StatusCode, Json<Accepted>)> {
    let a = state.station.position(&who, b.into()).await?;
    Ok((StatusCode::ACCEPTED, Json(a.into())))
}

/// Every link: up, down or unknown (never heard), last heartbeat, and its group's health.
#[utoipa::path(get, path = "/api/v1/links", tag = "links",
    security(("bearer" = [])), responses((status = 200, body = Vec<LinkView>)))]
pub async fn list_links(State(state): State<AppState>) -> ApiResult<Json<Vec<LinkView>>> {
    let links = state.station.links().await;
    Ok(Json(links.into_iter().map(Into::into).collect()))
}

/// A heartbeat over one link of a site or duty point.
#[utoipa::path(post, path = "/api/v1/links/{id}/heartbeat", tag = "links",
    security(("bearer" = [])), request_body = HeartbeatBody,
    params(("id" = String, Path, description = "Link id")),
    responses((status = 202, body = Accepted), (status = 403, body = crate::error::ErrorEnvelope),
              (status = 404, body = crate::error::ErrorEnvelope)))]
pub async fn post_heartbeat(
    State(state): State<AppState>,
    Extension(who): Extension<Principal>,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<HeartbeatBody>,
) -> ApiResult<(StatusCode, Json<Accepted>)> {
    let a = state.station.heartbeat(&who, &id, b.time).await?;
    Ok((StatusCode::ACCEPTED, Json(a.into())))
}

/// Store-and-forward: the work a duty point kept while its links were down. Each item's key
/// is recorded in the same journal append as its effects, so a resent item is acknowledged
/// as `duplicate` and not applied twice.
#[utoipa::path(post, path = "/api/v1/duty-points/{id}/outbox", tag = "links",
    security(("bearer" = [])), request_body = OutboxBody,
    params(("id" = String, Path, description = "Duty point (or site) id")),
    responses((status = 200, body = Vec<OutboxResult>), (status = 403, body = crate::error::ErrorEnvelope),
              (status = 404, body = crate::error::ErrorEnvelope)))]
pub async fn post_outbox(
    State(state): State<AppState>,
    Extension(who): Extension<Principal>,
    Path(dp): Path<String>,
    ApiJson(body): ApiJson<OutboxBody>,
) -> ApiResult<Json<Vec<OutboxResult>>> {
    let items = body.items.into_iter().map(Into::into).collect();
    let out = state.station.outbox(&who, &dp, items).await?;
    Ok(Json(out.into_iter().map(Into::into).collect()))
}

/// Server-Sent Events of what the caller's role may see, live: alarms, incidents, unit
/// positions and statuses, link states, crossings and watchlist hits for the staff; a partner
/// only its own agency's incidents. Each journaled event has `id:` = its journal seq;
/// reconnect with `Last-Event-ID` (or `?after=SEQ`) to get exactly what was missed (of the
/// same kinds). A `: heartbeat` comment every 15 s. A revoked credential or a changed role
/// ends the stream.
#[utoipa::path(get, path = "/api/v1/stream", tag = "live",
    security(("bearer" = [])), params(StreamQuery,
        ("Last-Event-ID" = Option<String>, Header, description = "Resume after this seq")),
    responses((status = 200, description = "text/event-stream", content_type = "text/event-stream", body = String)))]
pub async fn stream(
    State(state): State<AppState>,
    Extension(who): Extension<Principal>,
    headers: HeaderMap,
    ApiQuery(q): ApiQuery<StreamQuery>,
) -> ApiResult<impl IntoResponse> {
    let from_header = match headers.get("last-event-id") {
        None => None,
        Some(v) => Some(
            v.to_str()
                .ok()
                .and_then(|s| s.trim().parse::<u64>().ok())
                .ok_or_else(|| ApiError::bad_request("`Last-Event-ID` must be a journal seq"))?,
        ),
    };
    let after = from_header.or(q.after);
    Ok(crate::stream::open(state, who, after).await)
}

/// Response-time KPIs of the incidents created on a station-local day: per incident and
/// p50/p90/p95.
#[utoipa::path(get, path = "/api/v1/kpis", tag = "incidents",
    security(("bearer" = [])), params(KpiQuery),
    responses((status = 200, body = KpiReport), (status = 422, body = crate::error::ErrorEnvelope)))]
pub async fn get_kpis(
    State(state): State<AppState>,
    ApiQuery(q): ApiQuery<KpiQuery>,
) -> ApiResult<Json<KpiReport>> {
    let day = match &q.day {
        None => None,
        Some(d) => Some(
            NaiveDate::parse_from_str(d, "%Y-%m-%d")
                .map_err(|e| ApiError::unprocessable(format!("`day` must be YYYY-MM-DD: {e}")))?,
        ),
    };
    Ok(Json(state.station.kpis(day).await.into()))
}
