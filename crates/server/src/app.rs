//! The router: public routes, the authenticated `/api` routes behind the access table, and the
//! layers every request passes (trace, metrics, error envelope, timeout, body limit).

use std::sync::OnceLock;
use std::time::Instant;

use axum::Router;
use axum::extract::{DefaultBodyLimit, MatchedPath, Request, State};
use axum::http::StatusCode;
use axum::middleware::{self, Next};
use axum::response::Response;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::api::{clearance, duty_log, flow, journal, ops, port, session, system, users};
use crate::auth;
use crate::error::{ApiError, envelope_bare_errors};
use crate::state::AppState;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "guomen",
        description = "Command-and-clearance platform of a land border port. Every `/api` route \
            needs `Authorization: Bearer TOKEN` (or the session cookie) and a role allowed on it; \
            every error is `{\"error\": {\"code\", \"message\", \"details\"}}`."
    ),
    components(schemas(crate::error::ErrorEnvelope, crate::error::ErrorBody)),
    modifiers(&BearerAuth)
)]
struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

/// Routes under `/api`: each is listed in [`crate::access::ACCESS`].
fn api_routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(system::openapi_json))
        .routes(routes!(clearance::post_inspection))
        .routes(routes!(clearance::get_inspection))
        .routes(routes!(clearance::post_decision))
        .routes(routes!(clearance::get_crossings))
        .routes(routes!(clearance::get_stats_today))
        .routes(routes!(clearance::post_import))
        .routes(routes!(clearance::get_watchlist_stats))
        .routes(routes!(session::me))
        .routes(routes!(port::get_port))
        .routes(routes!(duty_log::post_duty_log, duty_log::get_duty_log))
        .routes(routes!(journal::get_journal))
        .routes(routes!(users::list_users, users::create_user))
        .routes(routes!(users::set_role))
        .routes(routes!(users::issue_token))
        .routes(routes!(users::revoke_token))
        .routes(routes!(ops::post_sensor_event))
        .routes(routes!(ops::list_incidents, ops::create_incident))
        .routes(routes!(ops::get_incident))
        .routes(routes!(ops::acknowledge))
        .routes(routes!(ops::dispatch))
        .routes(routes!(ops::en_route))
        .routes(routes!(ops::on_scene))
        .routes(routes!(ops::resolve))
        .routes(routes!(ops::close))
        .routes(routes!(ops::reopen))
        .routes(routes!(ops::post_notification))
        .routes(routes!(ops::list_units))
        .routes(routes!(ops::post_unit_status))
        .routes(routes!(ops::post_position))
        .routes(routes!(ops::list_links))
        .routes(routes!(ops::post_heartbeat))
        .routes(routes!(ops::post_outbox))
        .routes(routes!(ops::stream))
        .routes(routes!(ops::get_kpis))
        .routes(routes!(flow::get_lanes_status))
        .routes(routes!(flow::post_lane_queue))
        .routes(routes!(flow::post_lane_open))
        .routes(routes!(flow::post_lane_close))
        .routes(routes!(flow::post_lane_staff))
        .routes(routes!(flow::get_recommendations))
        .routes(routes!(flow::post_shift))
        .routes(routes!(flow::get_roster))
        .routes(routes!(flow::post_group))
        .routes(routes!(flow::post_assistance, flow::list_assistance))
        .routes(routes!(flow::post_assistance_done))
}

/// Routes that need no credential: probes, metrics, and the login itself.
fn public_routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(system::healthz))
        .routes(routes!(system::readyz))
        .routes(routes!(system::metrics))
        .routes(routes!(session::login))
        .routes(routes!(session::logout))
}

/// The whole OpenAPI document, generated from the handlers' annotations.
pub fn openapi() -> utoipa::openapi::OpenApi {
    let (_, doc) = OpenApiRouter::with_openapi(ApiDoc::openapi())
        .merge(api_routes())
        .merge(public_routes())
        .split_for_parts();
    doc
}

pub fn openapi_text() -> &'static str {
    static TEXT: OnceLock<String> = OnceLock::new();
    TEXT.get_or_init(|| {
        openapi()
            .to_pretty_json()
            .unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"))
    })
}

async fn record_metrics(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(|m| m.as_str().to_owned())
        .unwrap_or_else(|| "unmatched".to_owned());
    let method = req.method().as_str().to_owned();
    let started = Instant::now();
    let resp = next.run(req).await;
    state
        .station
        .metrics()
        .request(&route, &method, resp.status().as_u16(), started.elapsed());
    resp
}

async fn not_found(req: Request) -> ApiError {
    ApiError::not_found(format!(
        "no route for {} {}",
        req.method(),
        req.uri().path()
    ))
}

async fn method_not_allowed(req: Request) -> ApiError {
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
        format!("{} is not allowed on {}", req.method(), req.uri().path()),
    )
}

/// The whole application for a state.
pub fn router(state: AppState) -> Router {
    let (api, _) = api_routes().split_for_parts();
    let api = api.route_layer(middleware::from_fn_with_state(
        state.clone(),
        auth::require_role,
    ));
    let (public, _) = public_routes().split_for_parts();
    let max_body = state.config.max_body_bytes;
    let timeout = state.config.request_timeout;
    Router::new()
        .merge(api)
        .merge(public)
        .merge(crate::pages::routes())
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(DefaultBodyLimit::max(max_body))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            timeout,
        ))
        .layer(middleware::map_response(envelope_bare_errors))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            record_metrics,
        ))
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}
