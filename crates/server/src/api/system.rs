use axum::Json;
use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
use serde::Serialize;
use utoipa::ToSchema;

use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

#[derive(Debug, Serialize, ToSchema)]
pub struct Health {
    pub status: &'static str,
    /// The store backend: `sqlite` or `postgres`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub store: Option<&'static str>,
}

/// Liveness: the process answers.
#[utoipa::path(get, path = "/healthz", tag = "system",
    responses((status = 200, body = Health)))]
pub async fn healthz() -> Json<Health> {
    Json(Health {
        status: "ok",
        store: None,
    })
}

/// Readiness: the store answers a round trip.
#[utoipa::path(get, path = "/readyz", tag = "system",
    responses((status = 200, body = Health), (status = 503, body = crate::error::ErrorEnvelope)))]
pub async fn readyz(State(state): State<AppState>) -> ApiResult<Json<Health>> {
    state.station.ping().await.map_err(ApiError::from)?;
    Ok(Json(Health {
        status: "ready",
        store: Some(state.station.backend()),
    }))
}

/// Prometheus text exposition: requests and latency by route, journal append latency, store
/// errors, protocol counters.
#[utoipa::path(get, path = "/metrics", tag = "system",
    responses((status = 200, content_type = "text/plain", body = String)))]
pub async fn metrics(State(state): State<AppState>) -> impl IntoResponse {
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        state.station.metrics().render(),
    )
}

/// An OpenAPI 3.1 document (this one).
#[derive(Debug, Serialize, ToSchema)]
pub struct OpenApiDocument {
    /// `3.1.0`.
    pub openapi: String,
    #[schema(value_type = Object)]
    pub info: serde_json::Value,
    /// Every route with its operations.
    #[schema(value_type = Object)]
    pub paths: serde_json::Value,
    #[schema(value_type = Object)]
    pub components: serde_json::Value,
}

/// This document.
#[utoipa::path(get, path = "/api/v1/openapi.json", tag = "system",
    security(("bearer" = [])),
    responses((status = 200, content_type = "application/json", body = OpenApiDocument)))]
pub async fn openapi_json() -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "application/json")],
        crate::app::openapi_text().to_owned(),
    )
}
