//! Lanes, flow and duty: lane status and queue counts, open/close/staff, recommendations,
//! the roster, announced groups and assistance requests.

use axum::Extension;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use guomen_station::flow as st;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::auth::Principal;
use crate::error::ApiResult;
use crate::json::{ApiJson, ApiJsonOrEmpty, ApiQuery};
use crate::state::AppState;

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct LaneStatus {
    pub lane_id: String,
    /// `manual_counter`, `egate`, `special_channel`, `vehicle` or `freight`.
    pub kind: String,
    /// The special channel (`tour_group`, `students`, ...) of a `special_channel` lane.
    pub channel: Option<String>,
    pub site_id: String,
    /// `entry`, `exit` or `both`.
    pub direction: String,
    pub open: bool,
    /// Who staffs the lane (names as rostered).
    pub staff: Vec<String>,
    /// Travellers waiting now.
    pub queue: u32,
    /// Travellers served per hour at one staffed position (observed, or the kind's default).
    pub service_rate_per_h: f64,
    /// Seconds a traveller joining now is expected to wait; null for a closed lane.
    pub wait_estimate_s: Option<f64>,
    /// `erlang_c`, `observed_throughput` or `closed`.
    pub method: String,
    /// Arrivals per hour over the last 30 minutes, when anything was observed.
    pub arrival_rate_per_h: Option<f64>,
    /// The wait past which another lane of the kind is recommended.
    pub wait_target_s: u32,
    pub opened_at: Option<DateTime<Utc>>,
    /// Who last opened, closed or staffed the lane.
    pub changed_by: Option<String>,
}

impl From<st::LaneStatus> for LaneStatus {
    fn from(l: st::LaneStatus) -> Self {
        let st::LaneStatus {
            lane_id,
            kind,
            channel,
            site_id,
            direction,
            open,
            staff,
            queue,
            service_rate_per_h,
            wait_estimate_s,
            method,
            arrival_rate_per_h,
            wait_target_s,
            opened_at,
            changed_by,
        } = l;
        LaneStatus {
            lane_id,
            kind,
            channel,
            site_id,
            direction,
            open,
            staff,
            queue,
            service_rate_per_h,
            wait_estimate_s,
            method,
            arrival_rate_per_h,
            wait_target_s,
            opened_at,
            changed_by,
        }
    }
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct LanesQuery {
    /// Only this site's lanes.
    pub site_id: Option<String>,
    /// Only lanes of this kind.
    pub kind: Option<String>,
    /// Only lanes of this special channel.
    pub channel: Option<String>,
}

/// Every lane's state, queue and wait estimate now.
#[utoipa::path(get, path = "/api/v1/lanes/status", tag = "lanes",
    security(("bearer" = [])),
    params(LanesQuery),
    responses((status = 200, body = Vec<LaneStatus>)))]
pub async fn get_lanes_status(
    State(state): State<AppState>,
    ApiQuery(q): ApiQuery<LanesQuery>,
) -> ApiResult<Json<Vec<LaneStatus>>> {
    let filter = st::LaneFilter {
        site_id: q.site_id,
        kind: q.kind,
        channel: q.channel,
    };
    let lanes = state.station.lanes_status(&filter).await?;
    Ok(Json(lanes.into_iter().map(Into::into).collect()))
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct QueueBody {
    /// Travellers waiting (0 to 100,000).
    pub count: i64,
    /// When counted (RFC 3339 with offset); the station clock's now when absent.
    #[serde(default)]
    pub time: Option<DateTime<Utc>>,
}

/// A queue count at a lane, from a camera counter (scoped to the lane) or a person.
#[utoipa::path(post, path = "/api/v1/lanes/{lane_id}/queue", tag = "lanes",
    security(("bearer" = [])),
    params(("lane_id" = String, Path, description = "lane id")),
    request_body = QueueBody,
    responses((status = 200, body = LaneStatus), (status = 404, body = crate::error::ErrorEnvelope),
              (status = 422, body = crate::error::ErrorEnvelope)))]
pub async fn post_lane_queue(
    State(state): State<AppState>,
    Extension(who): Extension<Principal>,
    Path(lane_id): Path<String>,
    ApiJson(body): ApiJson<QueueBody>,
) -> ApiResult<Json<LaneStatus>> {
    let q = st::QueueCount {
        count: body.count,
        time: body.time,
    };
    Ok(Json(
        state.station.lane_queue(&who, &lane_id, q).await?.into(),
    ))
}

#[derive(Debug, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OpenBody {
    /// Why (a recommendation, an order); optional.
    #[serde(default)]
    pub reason: Option<String>,
}

/// Opens a lane (journaled with who opened it); opening an open lane changes nothing.
#[utoipa::path(post, path = "/api/v1/lanes/{lane_id}/open", tag = "lanes",
    security(("bearer" = [])),
    params(("lane_id" = String, Path, description = "lane id")),
    request_body(content = OpenBody, description = "optional"),
    responses((status = 200, body = LaneStatus), (status = 404, body = crate::error::ErrorEnvelope)))]
pub async fn post_lane_open(
    State(state): State<AppState>,
    Extension(who): Extension<Principal>,
    Path(lane_id): Path<String>,
    ApiJsonOrEmpty(body): ApiJsonOrEmpty<OpenBody>,
) -> ApiResult<Json<LaneStatus>> {
    let l = state
        .station
        .lane_set_open(&who, &lane_id, true, body.reason)
        .await?;
    Ok(Json(l.into()))
}

/// Closes a lane (journaled with who closed it).
#[utoipa::path(post, path = "/api/v1/lanes/{lane_id}/close", tag = "lanes",
    security(("bearer" = [])),
    params(("lane_id" = String, Path, description = "lane id")),
    responses((status = 200, body = LaneStatus), (status = 404, body = crate::error::ErrorEnvelope)))]
pub async fn post_lane_close(
    State(state): State<AppState>,
    Extension(who): Extension<Principal>,
    Path(lane_id): Path<String>,
) -> ApiResult<Json<LaneStatus>> {
    let l = state
        .station
        .lane_set_open(&who, &lane_id, false, None)
        .await?;
    Ok(Json(l.into()))
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StaffBody {
    /// Who staffs the lane from now on (replaces the list; empty to clear it).
    pub persons: Vec<String>,
}

/// Sets who staffs a lane.
#[utoipa::path(post, path = "/api/v1/lanes/{lane_id}/staff", tag = "lanes",
    security(("bearer" = [])),
    params(("lane_id" = String, Path, description = "lane id")),
    request_body = StaffBody,
    responses((status = 200, body = LaneStatus), (status = 404, body = crate::error::ErrorEnvelope),
              (status = 422, body = crate::error::ErrorEnvelope)))]
pub async fn post_lane_staff(
    State(state): State<AppState>,
    Extension(who): Extension<Principal>,
    Path(lane_id): Path<String>,
    ApiJson(body): ApiJson<StaffBody>,
) -> ApiResult<Json<LaneStatus>> {
    let l = state
        .station
        .lane_staff(&who, &lane_id, &body.persons)
        .await?;
    Ok(Json(l.into()))
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Recommendation {
    /// `open`, `add_staff`, `call_reserve` or `close`.
    pub action: String,
    pub lane_id: String,
    /// The reason in English (logs, old readers).
    pub reason: String,
    /// The reason's code (`flow.rec.*`): the pages render `reason_text` in the reader's
    /// language.
    pub reason_code: String,
    /// The reason as a code with parameters (a nested `flow.why.*` code in `reason`).
    pub reason_text: crate::api::types::Text,
    /// The wait expected once done (seconds).
    pub expected_wait_s: Option<f64>,
    /// Who could staff it: free on duty, or the reinforcement pool.
    pub persons: Vec<String>,
}

impl From<st::Recommendation> for Recommendation {
    fn from(r: st::Recommendation) -> Self {
        let st::Recommendation {
            action,
            lane_id,
            reason,
            reason_text,
            expected_wait_s,
            persons,
        } = r;
        Recommendation {
            action,
            lane_id,
            reason,
            reason_code: reason_text.code.clone(),
            reason_text: reason_text.into(),
            expected_wait_s,
            persons,
        }
    }
}

/// What to do with the lanes now, limited by who is on duty.
#[utoipa::path(get, path = "/api/v1/lanes/recommendations", tag = "lanes",
    security(("bearer" = [])),
    responses((status = 200, body = Vec<Recommendation>)))]
pub async fn get_recommendations(
    State(state): State<AppState>,
) -> ApiResult<Json<Vec<Recommendation>>> {
    let r = state.station.lane_recommendations().await?;
    Ok(Json(r.into_iter().map(Into::into).collect()))
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewShift {
    /// A staff name (not necessarily a user).
    pub person: String,
    pub site_id: String,
    /// The post (`counter`, `supervision`, ...); `reserve` makes the reinforcement pool.
    pub post: String,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Shift {
    pub id: String,
    pub person: String,
    pub site_id: String,
    pub post: String,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
}

impl From<st::Shift> for Shift {
    fn from(s: st::Shift) -> Self {
        let st::Shift {
            id,
            person,
            site_id,
            post,
            start,
            end,
        } = s;
        Shift {
            id,
            person,
            site_id,
            post,
            start,
            end,
        }
    }
}

/// Adds a shift to the duty roster.
#[utoipa::path(post, path = "/api/v1/roster/shifts", tag = "roster",
    security(("bearer" = [])),
    request_body = NewShift,
    responses((status = 201, body = Shift), (status = 422, body = crate::error::ErrorEnvelope)))]
pub async fn post_shift(
    State(state): State<AppState>,
    Extension(who): Extension<Principal>,
    ApiJson(b): ApiJson<NewShift>,
) -> ApiResult<(StatusCode, Json<Shift>)> {
    let s = state
        .station
        .add_shift(
            &who,
            st::NewShift {
                person: b.person,
                site_id: b.site_id,
                post: b.post,
                start: b.start,
                end: b.end,
            },
        )
        .await?;
    Ok((StatusCode::CREATED, Json(s.into())))
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct RosterQuery {
    /// The instant (RFC 3339 with offset); the station clock's now when absent.
    pub at: Option<DateTime<Utc>>,
}

/// The shifts covering an instant: who is on duty.
#[utoipa::path(get, path = "/api/v1/roster", tag = "roster",
    security(("bearer" = [])),
    params(RosterQuery),
    responses((status = 200, body = Vec<Shift>)))]
pub async fn get_roster(
    State(state): State<AppState>,
    ApiQuery(q): ApiQuery<RosterQuery>,
) -> ApiResult<Json<Vec<Shift>>> {
    let r = state.station.roster(q.at).await?;
    Ok(Json(r.into_iter().map(Into::into).collect()))
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewGroup {
    /// `tour`.
    pub kind: String,
    pub size: i64,
    /// ICAO code of the group's nationality.
    pub nationality: String,
    pub site_id: String,
    /// `entry` or `exit`.
    pub direction: String,
    /// The bus's plate, if known.
    #[serde(default)]
    pub plate: Option<String>,
    pub expected_arrival: DateTime<Utc>,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Group {
    pub id: String,
    pub kind: String,
    pub size: u32,
    pub nationality: String,
    pub site_id: String,
    pub direction: String,
    pub plate: Option<String>,
    pub expected_arrival: DateTime<Utc>,
    /// The carrier's organisation that announced it.
    pub organisation: Option<String>,
    pub announced_at: DateTime<Utc>,
    pub announced_by: String,
    /// When an ANPR camera read the group's bus (its lane is recommended from then).
    pub seen_at: Option<DateTime<Utc>>,
    pub seen_camera: Option<String>,
}

impl From<st::Group> for Group {
    fn from(g: st::Group) -> Self {
        let st::Group {
            id,
            kind,
            size,
            nationality,
            site_id,
            direction,
            plate,
            expected_arrival,
            organisation,
            announced_at,
            announced_by,
            seen_at,
            seen_camera,
        } = g;
        Group {
            id,
            kind,
            size,
            nationality,
            site_id,
            direction,
            plate,
            expected_arrival,
            organisation,
            announced_at,
            announced_by,
            seen_at,
            seen_camera,
        }
    }
}

/// Announces a tour group before it arrives (a duty chief, or a carrier's travel agency).
#[utoipa::path(post, path = "/api/v1/groups", tag = "lanes",
    security(("bearer" = [])),
    request_body = NewGroup,
    responses((status = 201, body = Group), (status = 422, body = crate::error::ErrorEnvelope)))]
pub async fn post_group(
    State(state): State<AppState>,
    Extension(who): Extension<Principal>,
    ApiJson(b): ApiJson<NewGroup>,
) -> ApiResult<(StatusCode, Json<Group>)> {
    let g = state
        .station
        .announce_group(
            &who,
            st::NewGroup {
                kind: b.kind,
                size: b.size,
                nationality: b.nationality,
                site_id: b.site_id,
                direction: b.direction,
                plate: b.plate,
                expected_arrival: b.expected_arrival,
            },
        )
        .await?;
    Ok((StatusCode::CREATED, Json(g.into())))
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewAssistance {
    /// `wheelchair`, `escort`, `medical` or `on_board_verification`.
    pub kind: String,
    pub site_id: String,
    #[serde(default)]
    pub note: String,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Assistance {
    pub id: String,
    pub kind: String,
    pub site_id: String,
    pub note: String,
    /// Who on duty was assigned.
    pub assigned_to: Option<String>,
    /// `open` or `done`.
    pub status: String,
    pub requested_at: DateTime<Utc>,
    pub requested_by: String,
    pub done_at: Option<DateTime<Utc>>,
    pub done_by: Option<String>,
}

impl From<st::Assistance> for Assistance {
    fn from(a: st::Assistance) -> Self {
        let st::Assistance {
            id,
            kind,
            site_id,
            note,
            assigned_to,
            status,
            requested_at,
            requested_by,
            done_at,
            done_by,
        } = a;
        Assistance {
            id,
            kind,
            site_id,
            note,
            assigned_to,
            status,
            requested_at,
            requested_by,
            done_at,
            done_by,
        }
    }
}

/// A request for help for a traveller; assigned to someone on duty at the site.
#[utoipa::path(post, path = "/api/v1/assistance", tag = "assistance",
    security(("bearer" = [])),
    request_body = NewAssistance,
    responses((status = 201, body = Assistance), (status = 422, body = crate::error::ErrorEnvelope)))]
pub async fn post_assistance(
    State(state): State<AppState>,
    Extension(who): Extension<Principal>,
    ApiJson(b): ApiJson<NewAssistance>,
) -> ApiResult<(StatusCode, Json<Assistance>)> {
    let a = state
        .station
        .request_assistance(
            &who,
            st::NewAssistance {
                kind: b.kind,
                site_id: b.site_id,
                note: b.note,
            },
        )
        .await?;
    Ok((StatusCode::CREATED, Json(a.into())))
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct AssistanceQuery {
    /// Only requests not yet done.
    pub open: Option<bool>,
}

/// Assistance requests, newest first.
#[utoipa::path(get, path = "/api/v1/assistance", tag = "assistance",
    security(("bearer" = [])),
    params(AssistanceQuery),
    responses((status = 200, body = Vec<Assistance>)))]
pub async fn list_assistance(
    State(state): State<AppState>,
    ApiQuery(q): ApiQuery<AssistanceQuery>,
) -> ApiResult<Json<Vec<Assistance>>> {
    let a = state.station.assistance(q.open.unwrap_or(false)).await?;
    Ok(Json(a.into_iter().map(Into::into).collect()))
}

/// Marks an assistance request done (its time is journaled).
#[utoipa::path(post, path = "/api/v1/assistance/{id}/done", tag = "assistance",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "request id")),
    responses((status = 200, body = Assistance), (status = 404, body = crate::error::ErrorEnvelope),
              (status = 409, body = crate::error::ErrorEnvelope)))]
pub async fn post_assistance_done(
    State(state): State<AppState>,
    Extension(who): Extension<Principal>,
    Path(id): Path<String>,
) -> ApiResult<Json<Assistance>> {
    Ok(Json(state.station.assistance_done(&who, &id).await?.into()))
}

// ----- the duty supervision desk -----

#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewCheck {
    pub site_id: String,
    /// The post checked (`counter`, `egate`, `patrol`, ...).
    pub post: String,
    /// Who was checked, when one person.
    #[serde(default)]
    pub person: Option<String>,
    /// Whether the post was staffed as rostered.
    pub present: bool,
    /// Issues found (`uniform`, `equipment`, `procedure`, free words); empty when none.
    #[serde(default)]
    pub issues: Vec<String>,
    #[serde(default)]
    pub remarks: String,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct SupervisionCheck {
    pub id: String,
    pub site_id: String,
    pub post: String,
    pub person: Option<String>,
    pub present: bool,
    pub issues: Vec<String>,
    pub remarks: String,
    pub checked_at: DateTime<Utc>,
    /// The supervisor (user name).
    pub checked_by: String,
}

impl From<st::duty::SupervisionCheck> for SupervisionCheck {
    fn from(c: st::duty::SupervisionCheck) -> Self {
        let st::duty::SupervisionCheck {
            id,
            site_id,
            post,
            person,
            present,
            issues,
            remarks,
            checked_at,
            checked_by,
        } = c;
        SupervisionCheck {
            id,
            site_id,
            post,
            person,
            present,
            issues,
            remarks,
            checked_at,
            checked_by,
        }
    }
}

/// Records a supervisor's check of a post (勤务督导), journaled with who checked.
#[utoipa::path(post, path = "/api/v1/supervision/checks", tag = "roster",
    security(("bearer" = [])),
    request_body = NewCheck,
    responses((status = 201, body = SupervisionCheck), (status = 422, body = crate::error::ErrorEnvelope)))]
pub async fn post_check(
    State(state): State<AppState>,
    Extension(who): Extension<Principal>,
    ApiJson(b): ApiJson<NewCheck>,
) -> ApiResult<(StatusCode, Json<SupervisionCheck>)> {
    let c = state
        .station
        .record_check(
            &who,
            st::duty::NewCheck {
                site_id: b.site_id,
                post: b.post,
                person: b.person,
                present: b.present,
                issues: b.issues,
                remarks: b.remarks,
            },
        )
        .await?;
    Ok((StatusCode::CREATED, Json(c.into())))
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct ChecksQuery {
    /// The station-local day (`YYYY-MM-DD`); today when absent.
    pub date: Option<chrono::NaiveDate>,
}

/// The supervision checks of a day, oldest first.
#[utoipa::path(get, path = "/api/v1/supervision/checks", tag = "roster",
    security(("bearer" = [])),
    params(ChecksQuery),
    responses((status = 200, body = Vec<SupervisionCheck>)))]
pub async fn get_checks(
    State(state): State<AppState>,
    ApiQuery(q): ApiQuery<ChecksQuery>,
) -> ApiResult<Json<Vec<SupervisionCheck>>> {
    let c = state.station.supervision_checks(q.date).await?;
    Ok(Json(c.into_iter().map(Into::into).collect()))
}

// ----- permit notices -----

#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NoticeBody {
    /// The template: `# ` a title, `## ` a heading, `- ` an item, other lines paragraphs;
    /// `{port}` is replaced by the port's name. At most 20,000 characters.
    pub text: String,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Notice {
    /// `traveller` or `driver`.
    pub kind: String,
    /// `zh`, `en`, `mn` or `ru`.
    pub lang: String,
    pub text: String,
    /// Whether it is the shipped default.
    pub is_default: bool,
    pub updated_at: Option<DateTime<Utc>>,
    pub updated_by: Option<String>,
}

impl From<st::duty::Notice> for Notice {
    fn from(n: st::duty::Notice) -> Self {
        let st::duty::Notice {
            kind,
            lang,
            text,
            is_default,
            updated_at,
            updated_by,
        } = n;
        Notice {
            kind,
            lang,
            text,
            is_default,
            updated_at,
            updated_by,
        }
    }
}

/// A permit notice's template (the page `/notices/{kind}?lang=` prints it).
#[utoipa::path(get, path = "/api/v1/notices/{kind}/{lang}", tag = "notices",
    security(("bearer" = [])),
    params(("kind" = String, Path, description = "`traveller` or `driver`"),
           ("lang" = String, Path, description = "`zh`, `en`, `mn` or `ru`")),
    responses((status = 200, body = Notice), (status = 404, body = crate::error::ErrorEnvelope)))]
pub async fn get_notice(
    State(state): State<AppState>,
    Path((kind, lang)): Path<(String, String)>,
) -> ApiResult<Json<Notice>> {
    Ok(Json(state.station.notice(&kind, &lang).await?.into()))
}

/// Replaces a permit notice's template (administrators; journaled).
#[utoipa::path(put, path = "/api/v1/notices/{kind}/{lang}", tag = "notices",
    security(("bearer" = [])),
    params(("kind" = String, Path, description = "`traveller` or `driver`"),
           ("lang" = String, Path, description = "`zh`, `en`, `mn` or `ru`")),
    request_body = NoticeBody,
    responses((status = 200, body = Notice), (status = 404, body = crate::error::ErrorEnvelope),
              (status = 422, body = crate::error::ErrorEnvelope)))]
pub async fn put_notice(
    State(state): State<AppState>,
    Extension(who): Extension<Principal>,
    Path((kind, lang)): Path<(String, String)>,
    ApiJson(b): ApiJson<NoticeBody>,
) -> ApiResult<Json<Notice>> {
    Ok(Json(
        state
            .station
            .set_notice(&who, &kind, &lang, &b.text)
            .await?
            .into(),
    ))
}
