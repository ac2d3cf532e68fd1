use axum::Json;
use axum::extract::State;

use crate::state::AppState;

/// The port model: sites, duty points, lanes, zones, border line, boundary markers, sensors,
/// cameras, units and links; geometry as GeoJSON (WGS 84 lon/lat).
#[utoipa::path(get, path = "/api/v1/port", tag = "port",
    security(("bearer" = [])),
    responses((status = 200, content_type = "application/json", body = Object),
              (status = 401, body = crate::error::ErrorEnvelope)))]
pub async fn get_port(State(state): State<AppState>) -> Json<serde_json::Value> {
    Json((*state.station.port_json()).clone())
}
