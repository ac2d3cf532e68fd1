//! Perimeter and dispatch: sensor events, incidents and their lifecycle, partner
//! notifications, units and positions, links and duty-point outboxes, the live stream, KPIs.

use axum::Extension;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use chrono::{DateTime, NaiveDate, Utc};
use guomen_domain::Role;
use guomen_domain::incident::{Action, IncidentKind, IncidentSource, Priority};
use guomen_domain::unit::UnitEvent;
use guomen_ops::{Engine, IncidentState, Location, NewIncident, OpsError, SensorInput};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use utoipa::{IntoParams, ToSchema};

use crate::auth::Principal;
use crate::device::{DeviceInput, Via};
use crate::error::{ApiError, ApiResult};
use crate::json::{ApiJson, ApiJsonOrEmpty, ApiQuery};
use crate::ops::{self, CommitError, OUTBOX_KEYS, commit, commit_locked, ops_error};
use crate::state::AppState;

fn refused(e: OpsError) -> ApiError {
    ops_error(e)
}

// ----- sensor events -----

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SensorEventBody {
    /// A sensor id from the port file.
    pub sensor_id: String,
    /// What the sensor reports, e.g. `vibration`, `beam_break`, `intrusion`.
    pub kind: String,
    /// The device's clock; the station's receive time when absent or skewed.
    pub time: Option<DateTime<Utc>>,
    /// 0 to 1.
    pub confidence: Option<f64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SensorEventAccepted {
    /// Journal seq of the alarm (of the alarm repeated, for a duplicate).
    pub seq: Option<u64>,
    pub alarm_id: String,
    /// A re-trigger within the de-duplication window: the same alarm.
    pub duplicate: bool,
    /// The device's clock was too far ahead and was replaced by the receive time.
    pub clock_corrected: bool,
}

/// A perimeter sensor event (also accepted over MQTT): an alarm, and the incident it opens or
/// joins through its linkage track.
#[utoipa::path(post, path = "/api/v1/sensor-events", tag = "perimeter",
    security(("bearer" = [])), request_body = SensorEventBody,
    responses((status = 202, body = SensorEventAccepted),
              (status = 422, body = crate::error::ErrorEnvelope)))]
pub async fn post_sensor_event(
    State(state): State<AppState>,
    Extension(who): Extension<Principal>,
    ApiJson(body): ApiJson<SensorEventBody>,
) -> ApiResult<(StatusCode, Json<SensorEventAccepted>)> {
    let now = Utc::now();
    let actor = who.actor();
    let input = SensorInput {
        sensor_id: body.sensor_id,
        kind: body.kind,
        time: body.time,
        confidence: body.confidence,
        actor: actor.clone(),
        via: "http".into(),
    };
    let r = commit(&state, &actor, vec![], |e| {
        let out = e.sensor_event(input, now)?;
        Ok((out.events.clone(), out))
    })
    .await;
    let c = match r {
        Ok(c) => c,
        Err(CommitError::Refused(e)) => {
            state.metrics.count("sensor_events_rejected", e.reason());
            tracing::info!(reason = e.reason(), error = %e, "sensor event refused");
            return Err(refused(e));
        }
        Err(e) => return Err(e.into()),
    };
    ops::worker_count(&state, &c.value);
    let seq = c
        .first_seq()
        .or_else(|| state.ops.alarm_seq(&c.value.alarm_id));
    Ok((
        StatusCode::ACCEPTED,
        Json(SensorEventAccepted {
            seq,
            alarm_id: c.value.alarm_id,
            duplicate: c.value.duplicate,
            clock_corrected: c.value.clock_corrected,
        }),
    ))
}

// ----- incidents -----

fn location_json(loc: Option<(f64, f64)>) -> Value {
    loc.map_or(Value::Null, |(lon, lat)| json!({"lon": lon, "lat": lat}))
}

fn incident_json(st: &IncidentState, role: Role, full: bool) -> Value {
    let i = &st.incident;
    let track = st.track.as_ref().map(|t| {
        json!({
            "track_id": t.track_id,
            "alarm_count": t.alarm_count,
            "heading_deg": t.heading_deg,
            "speed_mps": t.speed_mps,
            "speed_kmh": t.speed_mps.map(|v| v * 3.6),
            "predicted_zone": t.predicted_zone,
            "current_zones": t.current_zones,
        })
    });
    let mut details = st.details.clone();
    crate::redact::for_role(role, &mut details);
    let mut v = json!({
        "id": i.id,
        "kind": i.kind,
        "status": i.status,
        "zone": i.zone,
        "priority": i.priority,
        "priority_reason": st.priority_reason,
        "title": i.title,
        "location": location_json(i.location),
        "created": i.created,
        "source": i.source,
        "alarm_count": i.alarm_count,
        "nuisance": st.nuisance,
        "dispatched_units": i.dispatched_units,
        "disposition": i.disposition,
        "feedback": i.feedback,
        "recommendations": st.recommendations.iter().map(|p| json!({
            "unit_id": p.unit_id, "eta_s": p.eta_s, "distance_m": p.distance_m,
            "fix_age_s": p.fix_age_s, "reason": p.reason,
        })).collect::<Vec<_>>(),
        "excluded": st.excluded,
        "track": track,
        "details": details,
    });
    if full {
        v["timeline"] = json!(i.transitions);
        v["alarm_ids"] = json!(st.alarm_ids);
        v["kpis"] = json!(i.kpis());
    }
    v
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct IncidentQuery {
    /// `open` (default: anything before resolved), `closed` (resolved or closed) or `all`.
    pub status: Option<String>,
}

/// Incidents, most urgent first, then newest.
#[utoipa::path(get, path = "/api/v1/incidents", tag = "incidents",
    security(("bearer" = [])), params(IncidentQuery),
    responses((status = 200, body = Vec<Object>),
              (status = 422, body = crate::error::ErrorEnvelope)))]
pub async fn list_incidents(
    State(state): State<AppState>,
    Extension(who): Extension<Principal>,
    ApiQuery(q): ApiQuery<IncidentQuery>,
) -> ApiResult<Json<Vec<Value>>> {
    let which = q.status.as_deref().unwrap_or("open");
    // `open`, `closed`, `all`, or one lifecycle status (`resolved`: awaiting closure).
    let exact = match which {
        "open" | "closed" | "all" => None,
        other => Some(
            other
                .parse::<guomen_domain::incident::IncidentStatus>()
                .map_err(|_| {
                    ApiError::unprocessable(format!(
                        "unknown status filter `{other}`; expected open, closed, all or a status \
                 (new, acknowledged, dispatched, en_route, on_scene, resolved)"
                    ))
                })?,
        ),
    };
    let keep = |s: &IncidentState| match (which, exact) {
        (_, Some(st)) => s.incident.status == st,
        ("closed", None) => !s.incident.status.is_open(),
        ("all", None) => true,
        _ => s.incident.status.is_open(),
    };
    let list = state
        .ops
        .read(|e| {
            let mut v: Vec<&IncidentState> = e.incidents().filter(|s| keep(s)).collect();
            v.sort_by(|a, b| {
                a.incident
                    .priority
                    .cmp(&b.incident.priority)
                    .then(b.incident.created.cmp(&a.incident.created))
            });
            v.into_iter()
                .map(|s| incident_json(s, who.role, false))
                .collect()
        })
        .await;
    Ok(Json(list))
}

/// One incident with its whole timeline (every transition with actor and time) and KPIs.
#[utoipa::path(get, path = "/api/v1/incidents/{id}", tag = "incidents",
    security(("bearer" = [])), params(("id" = String, Path, description = "Incident id")),
    responses((status = 200, body = Object), (status = 404, body = crate::error::ErrorEnvelope)))]
pub async fn get_incident(
    State(state): State<AppState>,
    Extension(who): Extension<Principal>,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    state
        .ops
        .read(|e| e.incident(&id).map(|s| incident_json(s, who.role, true)))
        .await
        .map(Json)
        .ok_or_else(|| ApiError::not_found(format!("no incident `{id}`")))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum LocationBody {
    /// A boundary marker number, e.g. `"814"`.
    Marker(String),
    /// `[lon, lat]` degrees.
    Point([f64; 2]),
    /// A zone id from the port file.
    Zone(String),
}

impl From<LocationBody> for Location {
    fn from(l: LocationBody) -> Location {
        match l {
            LocationBody::Marker(m) => Location::Marker(m),
            LocationBody::Point([lon, lat]) => Location::Point(lon, lat),
            LocationBody::Zone(z) => Location::Zone(z),
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewIncidentBody {
    /// intrusion, illegal_crossing_attempt, watchlist_hit, medical_emergency, equipment_fault,
    /// link_failure or other.
    pub kind: String,
    pub title: String,
    /// 1 (highest) to 4; from the zone when absent.
    pub priority: Option<u8>,
    /// `{"marker": "814"}`, `{"point": [lon, lat]}` or `{"zone": "ID"}`.
    pub location: Option<LocationBody>,
    #[schema(value_type = Option<Object>)]
    pub details: Option<Value>,
}

fn parse_kind(k: &str) -> ApiResult<IncidentKind> {
    k.parse::<IncidentKind>()
        .map_err(|e| ApiError::unprocessable(e.to_string()))
}

async fn create(state: &AppState, who: &Principal, new: NewIncident) -> ApiResult<Value> {
    let now = Utc::now();
    let c = commit(state, &who.actor(), vec![], |e| {
        let ev = e.create_incident(new, now)?;
        Ok((ev, ()))
    })
    .await?;
    let id = c
        .events
        .iter()
        .find_map(|e| match e {
            guomen_ops::OpsEvent::IncidentCreated(c) => Some(c.id.clone()),
            _ => None,
        })
        .ok_or_else(|| ApiError::internal("no incident was created"))?;
    let seq = c.first_seq();
    let mut v = state
        .ops
        .read(|e| e.incident(&id).map(|s| incident_json(s, who.role, true)))
        .await
        .ok_or_else(|| ApiError::internal("created incident not found"))?;
    v["seq"] = json!(seq);
    Ok(v)
}

/// An incident reported by hand.
#[utoipa::path(post, path = "/api/v1/incidents", tag = "incidents",
    security(("bearer" = [])), request_body = NewIncidentBody,
    responses((status = 201, body = Object), (status = 422, body = crate::error::ErrorEnvelope)))]
pub async fn create_incident(
    State(state): State<AppState>,
    Extension(who): Extension<Principal>,
    ApiJson(body): ApiJson<NewIncidentBody>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let priority = body
        .priority
        .map(Priority::try_from)
        .transpose()
        .map_err(|e| ApiError::unprocessable(e.to_string()))?;
    let new = NewIncident {
        kind: parse_kind(&body.kind)?,
        priority,
        title: body.title,
        location: body.location.map(Into::into),
        source: IncidentSource::Manual,
        source_ref: None,
        details: body.details.unwrap_or_else(|| json!({})),
        actor: who.actor(),
    };
    Ok((StatusCode::CREATED, Json(create(&state, &who, new).await?)))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NotificationBody {
    /// The reporting agency, e.g. `military border unit`, `customs`, `railway`.
    pub agency: String,
    pub text: String,
    /// `{"marker": "814"}`, `{"point": [lon, lat]}` or `{"zone": "ID"}`.
    pub location: LocationBody,
    pub persons: Option<u32>,
    /// Where they are heading, in the reporter's words.
    pub heading: Option<String>,
    /// Incident kind; `illegal_crossing_attempt` when absent.
    pub kind: Option<String>,
}

/// A partner agency's notification: an incident with recommendations.
#[utoipa::path(post, path = "/api/v1/notifications", tag = "incidents",
    security(("bearer" = [])), request_body = NotificationBody,
    responses((status = 201, body = Object), (status = 422, body = crate::error::ErrorEnvelope)))]
pub async fn post_notification(
    State(state): State<AppState>,
    Extension(who): Extension<Principal>,
    ApiJson(body): ApiJson<NotificationBody>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let (agency, text) = (body.agency.trim(), body.text.trim());
    if agency.is_empty() || text.is_empty() {
        return Err(ApiError::unprocessable(
            "`agency` and `text` must not be empty",
        ));
    }
    if text.chars().count() > 4000 {
        return Err(ApiError::unprocessable(
            "`text` must have at most 4000 characters",
        ));
    }
    let kind = match &body.kind {
        Some(k) => parse_kind(k)?,
        None => IncidentKind::IllegalCrossingAttempt,
    };
    let short: String = text.chars().take(120).collect();
    let new = NewIncident {
        kind,
        priority: None,
        title: format!("{agency}: {short}"),
        location: Some(body.location.into()),
        source: IncidentSource::Partner,
        source_ref: None,
        details: json!({"agency": agency, "text": text, "persons": body.persons, "heading": body.heading}),
        actor: who.actor(),
    };
    Ok((StatusCode::CREATED, Json(create(&state, &who, new).await?)))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UnitBody {
    pub unit_id: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResolveBody {
    /// intercepted, false_alarm, nuisance_wildlife, handed_to_partner, medical_handled,
    /// repaired, no_trace or other.
    pub disposition: String,
    /// The disposal feedback.
    pub feedback: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReopenBody {
    pub reason: String,
}

#[derive(Debug, Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct EmptyBody {}

/// A device may act for its own unit only: its name is the unit's id or terminal id.
fn device_owns(e: &Engine, who: &Principal, unit_id: &str) -> bool {
    e.unit(unit_id)
        .is_some_and(|u| who.name == u.id || u.terminal_id.as_deref() == Some(who.name.as_str()))
}

async fn act(
    state: &AppState,
    who: &Principal,
    id: &str,
    action: Action,
) -> ApiResult<Json<Value>> {
    if who.role == Role::Device {
        let unit = match &action {
            Action::EnRoute { unit_id } | Action::OnScene { unit_id } => unit_id.clone(),
            _ => String::new(),
        };
        if !state.ops.read(|e| device_owns(e, who, &unit)).await {
            return Err(ApiError::forbidden(format!(
                "device `{}` may report only for its own unit",
                who.name
            )));
        }
    }
    let now = Utc::now();
    let actor = who.actor();
    let dispatched = match &action {
        Action::Dispatch { unit_id } => Some(unit_id.clone()),
        _ => None,
    };
    let c = commit(state, &actor, vec![], |e| {
        Ok((e.incident_action(id, action, &actor, now)?, ()))
    })
    .await?;
    if let Some(unit) = dispatched {
        ops::send_dispatch(state, id, &unit, &actor).await;
    }
    let mut v = state
        .ops
        .read(|e| e.incident(id).map(|s| incident_json(s, who.role, true)))
        .await
        .ok_or_else(|| ApiError::not_found(format!("no incident `{id}`")))?;
    v["seq"] = json!(c.first_seq());
    Ok(Json(v))
}

macro_rules! action_route {
    ($name:ident, $path:literal, $body:ty, $summary:literal, |$b:ident| $action:expr) => {
        #[doc = $summary]
        #[utoipa::path(post, path = $path, tag = "incidents",
            security(("bearer" = [])), request_body = $body,
            params(("id" = String, Path, description = "Incident id")),
            responses((status = 200, body = Object),
                      (status = 404, body = crate::error::ErrorEnvelope),
                      (status = 409, description = "Illegal transition: `details` names `from` and `to`", body = crate::error::ErrorEnvelope),
                      (status = 422, body = crate::error::ErrorEnvelope)))]
        pub async fn $name(
            State(state): State<AppState>,
            Extension(who): Extension<Principal>,
            Path(id): Path<String>,
            ApiJsonOrEmpty($b): ApiJsonOrEmpty<$body>,
        ) -> ApiResult<Json<Value>> {
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

// ----- units and positions -----

fn unit_json(u: &guomen_ops::UnitState, now: DateTime<Utc>) -> Value {
    json!({
        "id": u.id,
        "name": u.name,
        "kind": u.kind,
        "call_sign": u.call_sign,
        "duty_point": u.duty_point,
        "terminal_id": u.terminal_id,
        "status": u.status,
        "availability": u.status.availability(),
        "incident_id": u.incident_id,
        "online": u.online,
        "position": u.fix.as_ref().map(|f| json!({
            "lat": f.lat, "lon": f.lon, "time": f.time, "speed_kmh": f.speed_kmh,
            "course": f.course, "zone": f.zone,
        })),
        "fix_age_s": u.fix.as_ref().map(|f| (now - f.time).num_milliseconds() as f64 / 1000.0),
    })
}

/// Units with status (NENA EIDO availability), last fix and its age.
#[utoipa::path(get, path = "/api/v1/units", tag = "units",
    security(("bearer" = [])), responses((status = 200, body = Vec<Object>)))]
pub async fn list_units(State(state): State<AppState>) -> ApiResult<Json<Vec<Value>>> {
    let now = Utc::now();
    Ok(Json(
        state
            .ops
            .read(|e| e.units().map(|u| unit_json(u, now)).collect())
            .await,
    ))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UnitStatusBody {
    /// acknowledge, en_route, arrive, clear, out_of_service, return_to_service (or dispatch
    /// with `incident_id`).
    pub event: String,
    /// The incident concerned; the unit's current one when absent.
    pub incident_id: Option<String>,
}

/// A unit's own report: acknowledgement, en route, arrival (these move its incident), clear,
/// out of service, back in service.
#[utoipa::path(post, path = "/api/v1/units/{id}/status", tag = "units",
    security(("bearer" = [])), request_body = UnitStatusBody,
    params(("id" = String, Path, description = "Unit id")),
    responses((status = 200, body = Object), (status = 404, body = crate::error::ErrorEnvelope),
              (status = 409, body = crate::error::ErrorEnvelope)))]
pub async fn post_unit_status(
    State(state): State<AppState>,
    Extension(who): Extension<Principal>,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<UnitStatusBody>,
) -> ApiResult<Json<Value>> {
    let event: UnitEvent =
        body.event
            .parse()
            .map_err(|e: guomen_domain::unit::UnknownUnitEvent| {
                ApiError::unprocessable(e.to_string())
            })?;
    if who.role == Role::Device && !state.ops.read(|e| device_owns(e, &who, &id)).await {
        return Err(ApiError::forbidden(format!(
            "device `{}` may report only for its own unit",
            who.name
        )));
    }
    let now = Utc::now();
    let actor = who.actor();
    let c = commit(&state, &actor, vec![], |e| {
        Ok((
            e.unit_report(&id, event, body.incident_id.as_deref(), &actor, now)?,
            (),
        ))
    })
    .await?;
    let mut v = state
        .ops
        .read(|e| e.unit(&id).map(|u| unit_json(u, now)))
        .await
        .ok_or_else(|| ApiError::not_found(format!("unknown unit `{id}`")))?;
    v["seq"] = json!(c.first_seq());
    Ok(Json(v))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PositionBody {
    pub terminal_id: String,
    pub lat: f64,
    pub lon: f64,
    pub time: DateTime<Utc>,
    pub speed_kmh: Option<f64>,
    pub course: Option<f64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PositionAccepted {
    /// Journal seq when this fix was sampled into the journal; `null` when live only.
    pub seq: Option<u64>,
}

/// A position report over HTTP: the same path as a JT/T 808 or NMEA fix.
#[utoipa::path(post, path = "/api/v1/positions", tag = "units",
    security(("bearer" = [])), request_body = PositionBody,
    responses((status = 202, body = PositionAccepted),
              (status = 422, body = crate::error::ErrorEnvelope)))]
pub async fn post_position(
    State(state): State<AppState>,
    ApiJson(b): ApiJson<PositionBody>,
) -> ApiResult<(StatusCode, Json<PositionAccepted>)> {
    let input = DeviceInput::Position {
        terminal_id: b.terminal_id,
        lon: b.lon,
        lat: b.lat,
        time: b.time,
        speed_kmh: b.speed_kmh,
        course: b.course,
        alarm: 0,
        status: 0,
        via: Via::Http,
    };
    let seq = ops::handle_device_input(&state, input).await?;
    Ok((StatusCode::ACCEPTED, Json(PositionAccepted { seq })))
}

// ----- links and outboxes -----

/// Every link: up, down or unknown (never heard), last heartbeat, and its group's health.
#[utoipa::path(get, path = "/api/v1/links", tag = "links",
    security(("bearer" = [])), responses((status = 200, body = Vec<Object>)))]
pub async fn list_links(State(state): State<AppState>) -> ApiResult<Json<Vec<Value>>> {
    Ok(Json(
        state
            .ops
            .read(|e| {
                e.links()
                    .map(|l| {
                        json!({
                            "id": l.id, "of": l.of, "role": l.role, "medium": l.medium,
                            "state": match l.up { Some(true) => "up", Some(false) => "down", None => "unknown" },
                            "last_heartbeat": l.last_heartbeat, "since": l.since,
                            "group": e.group_health(&l.of),
                        })
                    })
                    .collect()
            })
            .await,
    ))
}

#[derive(Debug, Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct HeartbeatBody {
    /// The sender's clock; the receive time when absent (never later than it).
    pub time: Option<DateTime<Utc>>,
}

/// A heartbeat over one link of a site or duty point.
#[utoipa::path(post, path = "/api/v1/links/{id}/heartbeat", tag = "links",
    security(("bearer" = [])), request_body = HeartbeatBody,
    params(("id" = String, Path, description = "Link id")),
    responses((status = 202, body = PositionAccepted), (status = 404, body = crate::error::ErrorEnvelope)))]
pub async fn post_heartbeat(
    State(state): State<AppState>,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<HeartbeatBody>,
) -> ApiResult<(StatusCode, Json<PositionAccepted>)> {
    let now = Utc::now();
    let c = commit(&state, "system", vec![], |e| {
        Ok((e.heartbeat(&id, b.time, now)?, ()))
    })
    .await?;
    Ok((
        StatusCode::ACCEPTED,
        Json(PositionAccepted { seq: c.first_seq() }),
    ))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OutboxBody {
    pub items: Vec<OutboxItem>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OutboxItem {
    /// Client-generated idempotency key, unique per duty point.
    pub key: String,
    /// `sensor_event`, `position`, `unit_status` or `incident_action`.
    #[serde(rename = "type")]
    pub kind: String,
    /// The body the matching route takes; `incident_action` takes
    /// `{"incident_id", "action", "unit_id"?, "disposition"?, "feedback"?, "reason"?}` and
    /// `unit_status` takes `{"unit_id", "event", "incident_id"?}`.
    #[schema(value_type = Object)]
    pub body: Value,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct OutboxResult {
    pub key: String,
    /// `applied`, `duplicate` (seen before: acknowledged, not applied again) or `refused`.
    pub status: String,
    pub seq: Option<u64>,
    pub error: Option<String>,
}

fn field<'a>(v: &'a Value, k: &str) -> Result<&'a str, OpsError> {
    v.get(k)
        .and_then(Value::as_str)
        .ok_or_else(|| OpsError::Invalid(format!("`{k}` is required")))
}

fn outbox_action(b: &Value) -> Result<(String, Action), OpsError> {
    let id = field(b, "incident_id")?.to_owned();
    let unit = || field(b, "unit_id").map(str::to_owned);
    let action = match field(b, "action")? {
        "acknowledge" => Action::Acknowledge,
        "dispatch" => Action::Dispatch { unit_id: unit()? },
        "en_route" => Action::EnRoute { unit_id: unit()? },
        "on_scene" => Action::OnScene { unit_id: unit()? },
        "resolve" => Action::Resolve {
            disposition: field(b, "disposition")?.to_owned(),
            feedback: field(b, "feedback")?.to_owned(),
        },
        "close" => Action::Close,
        "reopen" => Action::Reopen {
            reason: field(b, "reason")?.to_owned(),
        },
        other => return Err(OpsError::Invalid(format!("unknown action `{other}`"))),
    };
    Ok((id, action))
}

fn outbox_decide(
    e: &Engine,
    item: &OutboxItem,
    actor: &str,
    now: DateTime<Utc>,
) -> Result<Vec<guomen_ops::OpsEvent>, OpsError> {
    let b = &item.body;
    let time = |k: &str| {
        b.get(k)
            .and_then(Value::as_str)
            .map(|s| {
                DateTime::parse_from_rfc3339(s)
                    .map(|t| t.with_timezone(&Utc))
                    .map_err(|e| OpsError::Invalid(format!("`{k}`: {e}")))
            })
            .transpose()
    };
    let num = |k: &str| b.get(k).and_then(Value::as_f64);
    match item.kind.as_str() {
        "sensor_event" => Ok(e
            .sensor_event(
                SensorInput {
                    sensor_id: field(b, "sensor_id")?.to_owned(),
                    kind: field(b, "kind")?.to_owned(),
                    time: time("time")?,
                    confidence: num("confidence"),
                    actor: actor.to_owned(),
                    via: "outbox".into(),
                },
                now,
            )?
            .events),
        "position" => e.position(
            guomen_ops::PositionInput {
                terminal_id: field(b, "terminal_id")?.to_owned(),
                lon: num("lon").ok_or_else(|| OpsError::Invalid("`lon` is required".into()))?,
                lat: num("lat").ok_or_else(|| OpsError::Invalid("`lat` is required".into()))?,
                time: time("time")?
                    .ok_or_else(|| OpsError::Invalid("`time` is required".into()))?,
                speed_kmh: num("speed_kmh"),
                course: num("course"),
                via: "outbox".into(),
            },
            now,
        ),
        "unit_status" => {
            let event: UnitEvent = field(b, "event")?.parse().map_err(
                |x: guomen_domain::unit::UnknownUnitEvent| OpsError::Invalid(x.to_string()),
            )?;
            e.unit_report(
                field(b, "unit_id")?,
                event,
                b.get("incident_id").and_then(Value::as_str),
                actor,
                now,
            )
        }
        "incident_action" => {
            let (id, action) = outbox_action(b)?;
            e.incident_action(&id, action, actor, now)
        }
        other => Err(OpsError::Invalid(format!(
            "unknown item type `{other}`; expected sensor_event, position, unit_status or incident_action"
        ))),
    }
}

/// Store-and-forward: the work a duty point kept while its links were down. Each item's key
/// is recorded in the same journal append as its effects, so a resent item is acknowledged
/// as `duplicate` and not applied twice.
#[utoipa::path(post, path = "/api/v1/duty-points/{id}/outbox", tag = "links",
    security(("bearer" = [])), request_body = OutboxBody,
    params(("id" = String, Path, description = "Duty point (or site) id")),
    responses((status = 200, body = Vec<OutboxResult>), (status = 404, body = crate::error::ErrorEnvelope)))]
pub async fn post_outbox(
    State(state): State<AppState>,
    Extension(who): Extension<Principal>,
    Path(dp): Path<String>,
    ApiJson(body): ApiJson<OutboxBody>,
) -> ApiResult<Json<Vec<OutboxResult>>> {
    if state.port.duty_point(&dp).is_none() && state.port.site(&dp).is_none() {
        return Err(ApiError::not_found(format!("unknown duty point `{dp}`")));
    }
    if body.items.len() > 1000 {
        return Err(ApiError::unprocessable("at most 1000 items per batch"));
    }
    for it in &body.items {
        if it.key.trim().is_empty() || it.key.len() > 200 {
            return Err(ApiError::unprocessable(
                "every item needs a `key` of 1 to 200 characters",
            ));
        }
    }
    let actor = who.actor();
    state.ops.wait_ready().await;
    // One writer for the whole batch: the seen-check and the append cannot interleave with
    // another batch carrying the same keys.
    let _writer = state.ops.writer.lock().await;
    let mut out = Vec::with_capacity(body.items.len());
    for item in &body.items {
        let doc_id = format!("{dp}:{}", item.key);
        if state.store.doc(OUTBOX_KEYS, &doc_id).await?.is_some() {
            out.push(OutboxResult {
                key: item.key.clone(),
                status: "duplicate".into(),
                seq: None,
                error: None,
            });
            continue;
        }
        let now = Utc::now();
        let applied = ops::outbox_key_change(&dp, &item.key, &actor, "applied");
        let r = commit_locked(&state, &actor, vec![applied], |e| {
            Ok((outbox_decide(e, item, &actor, now)?, ()))
        })
        .await;
        match r {
            Ok(c) => out.push(OutboxResult {
                key: item.key.clone(),
                status: "applied".into(),
                seq: c.first_seq(),
                error: None,
            }),
            Err(CommitError::Refused(err)) => {
                // Recorded too: a refused item resent is not refused twice in the journal.
                let refused = ops::outbox_key_change(&dp, &item.key, &actor, "refused");
                let c = commit_locked(&state, &actor, vec![refused], |_| Ok((vec![], ()))).await;
                let seq = match c {
                    Ok(_) => None,
                    Err(e) => return Err(e.into()),
                };
                out.push(OutboxResult {
                    key: item.key.clone(),
                    status: "refused".into(),
                    seq,
                    error: Some(err.to_string()),
                });
            }
            Err(e) => return Err(e.into()),
        }
    }
    Ok(Json(out))
}

// ----- live stream and KPIs -----

#[derive(Debug, Deserialize, IntoParams)]
pub struct StreamQuery {
    /// Resume after this journal seq (like `Last-Event-ID`).
    pub after: Option<u64>,
}

/// Server-Sent Events of alarms, incidents, unit positions and statuses, link states and
/// watchlist hits. Each journaled event has `id:` = its journal seq; reconnect with
/// `Last-Event-ID` (or `?after=SEQ`) to get exactly what was missed. A `: heartbeat` comment
/// every 15 s. Personal data is redacted for roles that may not see it.
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
    Ok(crate::ops::stream::open(state, who.role, after).await)
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct KpiQuery {
    /// `YYYY-MM-DD` (UTC); today when absent.
    pub day: Option<String>,
}

/// Response-time KPIs of the incidents created on a day: per incident and p50/p90/p95.
#[utoipa::path(get, path = "/api/v1/kpis", tag = "incidents",
    security(("bearer" = [])), params(KpiQuery),
    responses((status = 200, body = Object), (status = 422, body = crate::error::ErrorEnvelope)))]
pub async fn get_kpis(
    State(state): State<AppState>,
    ApiQuery(q): ApiQuery<KpiQuery>,
) -> ApiResult<Json<Value>> {
    let day = match &q.day {
        None => Utc::now().date_naive(),
        Some(d) => NaiveDate::parse_from_str(d, "%Y-%m-%d")
            .map_err(|e| ApiError::unprocessable(format!("`day` must be YYYY-MM-DD: {e}")))?,
    };
    let k = state.ops.read(|e| e.kpis_for_day(day)).await;
    Ok(Json(json!({
        "day": k.day,
        "incidents": k.incidents.iter().map(|(id, k)| json!({
            "id": id, "alarm_to_ack_s": k.alarm_to_ack_s, "ack_to_dispatch_s": k.ack_to_dispatch_s,
            "dispatch_to_on_scene_s": k.dispatch_to_on_scene_s, "alarm_to_resolved_s": k.alarm_to_resolved_s,
        })).collect::<Vec<_>>(),
        "alarm_to_ack": k.alarm_to_ack,
        "ack_to_dispatch": k.ack_to_dispatch,
        "dispatch_to_on_scene": k.dispatch_to_on_scene,
        "alarm_to_resolved": k.alarm_to_resolved,
    })))
}
