use axum::Extension;
use axum::Json;
use axum::extract::State;
use guomen_domain::Role;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

use crate::auth::Principal;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

/// A name in the port's two languages.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Name {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub zh: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub en: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct SiteView {
    pub id: String,
    pub name: Name,
    /// rail_passenger, rail_freight, road_passenger, road_freight, airport, ...
    #[schema(value_type = String)]
    pub kind: Value,
    pub duty_points: Vec<String>,
    /// Rail sites: the agencies whose part is done before a train is released.
    #[serde(default)]
    pub agencies: Vec<String>,
    /// GeoJSON geometry (WGS 84 lon/lat).
    #[schema(value_type = Option<Object>)]
    pub geometry: Value,
}

/// `[trains]`: the target from arrival to release per train kind, in seconds.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct TrainSettingsView {
    pub passenger_target_s: u32,
    pub freight_target_s: u32,
}

/// A service of the weekly timetable (`[[train_service]]`).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct TrainServiceView {
    pub number: String,
    /// `passenger` or `freight`.
    pub kind: String,
    /// `entry` or `exit`.
    pub direction: String,
    pub site: String,
    /// `mon` … `sun`; empty: every day.
    pub days: Vec<String>,
    /// Station-local `HH:MM`.
    pub arrival: String,
    pub origin: Option<String>,
    pub destination: Option<String>,
    pub carrier: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct DutyPointView {
    pub id: String,
    pub site: String,
    pub name: Name,
    #[schema(value_type = Option<Object>)]
    pub geometry: Value,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct LaneView {
    pub id: String,
    pub site: String,
    pub name: Option<Name>,
    /// manual_counter, egate, special_channel, vehicle, ...
    #[schema(value_type = String)]
    pub kind: Value,
    /// The special channel (`tour_group`, `students`, ...), if any.
    #[schema(value_type = Option<String>)]
    pub channel: Value,
    /// entry, exit or both.
    #[schema(value_type = String)]
    pub direction: Value,
    /// Eligibility rules of the lane (nationalities, ages, enrolment, document kinds).
    #[schema(value_type = Object)]
    pub rules: Value,
    #[schema(value_type = Option<Object>)]
    pub geometry: Value,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ZoneView {
    pub id: String,
    #[schema(value_type = String)]
    pub kind: Value,
    #[schema(value_type = u8)]
    pub priority: Value,
    pub name: Name,
    #[schema(value_type = Option<Object>)]
    pub geometry: Value,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct BorderLineView {
    pub id: String,
    pub name: Name,
    #[schema(value_type = Option<Object>)]
    pub geometry: Value,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct MarkerView {
    pub id: String,
    #[schema(value_type = String)]
    pub number: Value,
    #[schema(value_type = Option<Object>)]
    pub geometry: Value,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct SensorView {
    pub id: String,
    #[schema(value_type = String)]
    pub kind: Value,
    pub duty_point: String,
    pub maintenance: bool,
    #[schema(value_type = Option<Object>)]
    pub geometry: Value,
    /// Where the sensor reports its alarms: a GeoJSON point.
    #[schema(value_type = Option<Object>)]
    pub position: Value,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct CameraView {
    pub id: String,
    #[schema(value_type = String)]
    pub kind: Value,
    pub duty_point: String,
    pub maintenance: bool,
    #[schema(value_type = Option<Object>)]
    pub geometry: Value,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct PortUnitView {
    pub id: String,
    pub name: Name,
    #[schema(value_type = String)]
    pub kind: Value,
    pub duty_point: String,
    /// The unit's GNSS terminal: shown to administrators only (a terminal id is what a
    /// device registers with).
    pub terminal_id: Option<String>,
    pub call_sign: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct PortLinkView {
    pub id: String,
    pub of: String,
    pub role: String,
    pub medium: String,
}

/// The port model as the API serves it.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PortView {
    pub id: String,
    pub name: Name,
    /// GeoJSON point of the local projection's origin.
    #[schema(value_type = Object)]
    pub origin: Value,
    /// The station's fixed UTC offset, e.g. `+08:00`.
    pub timezone: String,
    pub country: String,
    pub neighbour: String,
    pub sites: Vec<SiteView>,
    pub duty_points: Vec<DutyPointView>,
    pub lanes: Vec<LaneView>,
    pub zones: Vec<ZoneView>,
    pub border_line: Option<BorderLineView>,
    pub boundary_markers: Vec<MarkerView>,
    pub sensors: Vec<SensorView>,
    pub cameras: Vec<CameraView>,
    pub units: Vec<PortUnitView>,
    pub links: Vec<PortLinkView>,
    pub trains: TrainSettingsView,
    /// The weekly passenger timetable.
    pub train_services: Vec<TrainServiceView>,
    /// Figures of the port: border line length (m), restricted area (km²), counts of sites,
    /// duty points, lanes by kind, zones, markers, sensors, units, links.
    #[schema(value_type = Object)]
    pub summary: Value,
}

/// The port model: sites, duty points, lanes, zones, border line, boundary markers, sensors,
/// cameras, units and links; geometry as GeoJSON (WGS 84 lon/lat). Unit terminal ids only
/// for administrators.
#[utoipa::path(get, path = "/api/v1/port", tag = "port",
    security(("bearer" = [])),
    responses((status = 200, body = PortView),
              (status = 401, body = crate::error::ErrorEnvelope)))]
pub async fn get_port(
    State(state): State<AppState>,
    Extension(who): Extension<Principal>,
) -> ApiResult<Json<PortView>> {
    let mut view: PortView = serde_json::from_value((*state.station.port_json()).clone())
        .map_err(|e| ApiError::internal(format!("the port model does not fit its view: {e}")))?;
    if who.role != Role::Admin {
        for u in &mut view.units {
            u.terminal_id = None;
        }
    }
    Ok(Json(view))
}
