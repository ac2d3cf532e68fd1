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

use crate::api::{
    cases, clearance, duty_log, flow, journal, ops, port, replication, road, session, stats,
    system, trains, users,
};
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

pub(crate) struct BearerAuth;

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
        .routes(routes!(stats::get_crossing_stats))
        .routes(routes!(stats::put_region_totals, stats::get_region_totals))
        .routes(routes!(stats::post_rebuild))
        .routes(routes!(stats::get_annual_report))
        .routes(routes!(stats::get_monthly_report))
        .routes(routes!(cases::get_case_kinds))
        .routes(routes!(cases::post_case, cases::list_cases))
        .routes(routes!(cases::get_case))
        .routes(routes!(cases::post_case_status))
        .routes(routes!(cases::post_case_close))
        .routes(routes!(cases::post_seizure))
        .routes(routes!(cases::get_evidence))
        .merge(
            // An evidence file may be larger than any other body: its own limit, a little
            // over the station's 50 MiB so the station answers the size itself.
            OpenApiRouter::new()
                .routes(routes!(cases::post_evidence))
                .layer(DefaultBodyLimit::max(
                    guomen_station::cases::MAX_EVIDENCE_BYTES + 1024 * 1024,
                )),
        )
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
        .routes(routes!(road::post_appointment, road::list_appointments))
        .routes(routes!(
            road::get_appointment,
            road::patch_appointment,
            road::delete_appointment
        ))
        .routes(routes!(road::get_slots))
        .routes(routes!(road::put_capacity))
        .routes(routes!(
            road::post_trusted_trader,
            road::list_trusted_traders
        ))
        .routes(routes!(road::post_anpr))
        .routes(routes!(road::list_vehicles))
        .routes(routes!(road::get_road_kpis))
        .routes(routes!(road::post_inspection))
        .routes(routes!(road::post_check))
        .routes(routes!(road::post_release))
        .routes(routes!(trains::create_train, trains::list_trains))
        .routes(routes!(trains::get_train))
        .routes(routes!(trains::schedule_timetable))
        .routes(routes!(trains::post_manifest))
        .routes(routes!(trains::arrive))
        .routes(routes!(trains::agency_done))
        .routes(routes!(trains::release))
        .routes(routes!(trains::verify))
        .routes(routes!(trains::priority))
        .routes(routes!(replication::get_replication))
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
        .routes(routes!(flow::post_check, flow::get_checks))
        .routes(routes!(flow::get_notice, flow::put_notice))
        .routes(routes!(clearance::post_countersign))
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

/// The method as a metrics label: the standard ones by name, anything else `other`, so a
/// client inventing methods cannot grow the label set without bound.
pub fn method_label(m: &axum::http::Method) -> &'static str {
    use axum::http::Method;
    match *m {
        Method::GET => "GET",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::PATCH => "PATCH",
        Method::DELETE => "DELETE",
        Method::HEAD => "HEAD",
        Method::OPTIONS => "OPTIONS",
        _ => "other",
    }
}

async fn record_metrics(State(state): State<AppState>, req: Request, next: Next) -> Response {
    // Route templates are a fixed set; an unknown path is `other`, never the raw path.
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(|m| m.as_str().to_owned())
        .unwrap_or_else(|| "other".to_owned());
    let method = method_label(req.method());
    let started = Instant::now();
    let resp = next.run(req).await;
    state
        .station
        .metrics()
        .request(&route, method, resp.status().as_u16(), started.elapsed());
    resp
}

/// The answer when more requests are in flight than `max_in_flight`: 503 at once, with
/// `Retry-After`, rather than a queue that grows until every request times out.
async fn overloaded(_: tower::BoxError) -> Response {
    let mut e = ApiError::new(
        StatusCode::SERVICE_UNAVAILABLE,
        "overloaded",
        "the station is busy; try again shortly",
    );
    e.retry_after_s = Some(1);
    axum::response::IntoResponse::into_response(e)
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
    let max_in_flight = state.config.max_in_flight;
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
        .layer(
            tower::ServiceBuilder::new()
                .layer(axum::error_handling::HandleErrorLayer::new(overloaded))
                .layer(tower::load_shed::LoadShedLayer::new())
                // Global: `Router::layer` wraps every route on its own, and the limit is for all.
                .layer(tower::limit::GlobalConcurrencyLimitLayer::new(
                    max_in_flight,
                )),
        )
        .layer(middleware::from_fn_with_state(
            state.clone(),
            record_metrics,
        ))
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}
