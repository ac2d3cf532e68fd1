//! The national centre's server (`guomen centre`): it consumes every station's journal from
//! NATS JetStream into PostgreSQL (`guomen-centre`) and answers the national API with the same
//! users, roles, login, `/healthz` and error envelope as a station. Its users live in the
//! centre database's station tables, so `guomen user add --database URL` creates them.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::{Arc, OnceLock};

use anyhow::Context as _;
use axum::extract::{FromRef, MatchedPath, Query, Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::{Json, Router};
use chrono::{DateTime, NaiveDate, Utc};
use guomen_centre::{Centre, GroupBy};
use guomen_domain::Role;
use guomen_domain::Role::*;
use guomen_replicate::NatsTarget;
use guomen_station::{Station, SystemClock};
use serde::{Deserialize, Serialize};
use tokio::sync::watch;
use utoipa::{IntoParams, OpenApi, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::api::{session, system};
use crate::app::BearerAuth;
use crate::auth::bearer_or_cookie;
use crate::config::{ServeArgs, ServeConfig, StoreArgs, StoreTarget, open_store};
use crate::error::{ApiError, ApiResult, envelope_bare_errors};
use crate::json::ApiQuery;
use crate::state::AppState;

pub const DEFAULT_CENTRE_LISTEN: &str = "127.0.0.1:8090";

/// `guomen centre`'s resolved configuration.
#[derive(Debug, Clone)]
pub struct CentreConfig {
    /// `postgres://...`: the national store and the centre's users.
    pub database: String,
    pub nats: NatsTarget,
    pub listen: SocketAddr,
}

/// Roles on the national routes: national figures carry no personal data.
const NATIONAL_READERS: &[Role] = &[Admin, DutyChief, Analyst];

/// The centre's `/api` routes and who may call them (the station's table is
/// [`crate::access::ACCESS`]; these routes exist only at the centre).
pub const NATIONAL_ACCESS: &[(&str, &str, &[Role])] = &[
    ("GET", "/api/v1/national/stations", NATIONAL_READERS),
    ("GET", "/api/v1/national/stats/crossings", NATIONAL_READERS),
    ("GET", "/api/v1/national/alarms", NATIONAL_READERS),
    ("GET", "/api/v1/openapi.json", NATIONAL_READERS),
];

#[derive(Clone)]
pub struct CentreState {
    pub app: AppState,
    pub centre: Arc<Centre>,
}

impl FromRef<CentreState> for AppState {
    fn from_ref(s: &CentreState) -> AppState {
        s.app.clone()
    }
}

/// A started centre.
pub struct RunningCentre {
    pub addr: SocketAddr,
    pub centre: Arc<Centre>,
    pub task: tokio::task::JoinHandle<anyhow::Result<()>>,
}

/// Opens the national store, starts consuming and serves until `shutdown` completes.
pub async fn start(
    cfg: CentreConfig,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<RunningCentre> {
    let centre = Arc::new(Centre::connect(&cfg.database).await?);
    let store = open_store(&StoreTarget::Postgres(cfg.database.clone()))
        .await
        .context("cannot open the centre's user store")?;
    let station = Station::new(store, guomen_port::erenhot(), Arc::new(SystemClock));
    let mut serve = ServeArgs::default()
        .resolve(&crate::FileConfig::default())
        .unwrap_or_else(|_| ServeConfig::for_dir(std::path::Path::new(".")));
    serve.store = StoreTarget::Postgres(cfg.database.clone());
    serve.listen = cfg.listen;
    let app = AppState::new(station, serve);
    let listener = tokio::net::TcpListener::bind(cfg.listen)
        .await
        .with_context(|| format!("cannot listen on {}", cfg.listen))?;
    let addr = listener.local_addr()?;
    let (stop_tx, stop_rx) = watch::channel(false);
    let consumer = tokio::spawn(guomen_centre::consume::run(
        Arc::clone(&centre),
        cfg.nats.clone(),
        stop_rx,
    ));
    let state = CentreState {
        app: app.clone(),
        centre: Arc::clone(&centre),
    };
    let router = router(state);
    let task = tokio::spawn(async move {
        let shutdown = async move {
            shutdown.await;
            let _ = stop_tx.send(true);
        };
        axum::serve(
            listener,
            router.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(shutdown)
        .await
        .context("server failed")?;
        let _ = consumer.await;
        app.station.stop().await;
        Ok(())
    });
    Ok(RunningCentre { addr, centre, task })
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "guomen national centre",
        description = "The national centre: every station's journal replicated over NATS \
            JetStream into PostgreSQL, chains checked, national figures. Every `/api` route \
            needs `Authorization: Bearer TOKEN` (or the session cookie) and a role allowed on it; \
            every error is `{\"error\": {\"code\", \"message\", \"details\"}}`."
    ),
    components(schemas(crate::error::ErrorEnvelope, crate::error::ErrorBody)),
    modifiers(&BearerAuth)
)]
struct CentreDoc;

/// The centre's `/api` routes: each is listed in [`NATIONAL_ACCESS`].
fn api_routes() -> OpenApiRouter<CentreState> {
    OpenApiRouter::new()
        .routes(routes!(stations))
        .routes(routes!(crossing_stats))
        .routes(routes!(alarms))
        .routes(routes!(openapi_json))
}

/// Routes that need no credential: probes and the login the centre shares with a station.
fn public_routes() -> OpenApiRouter<CentreState> {
    OpenApiRouter::new()
        .routes(routes!(system::healthz))
        .routes(routes!(readyz))
        .routes(routes!(session::login))
        .routes(routes!(session::logout))
}

/// The centre's OpenAPI document, generated from the handlers' annotations.
pub fn openapi() -> utoipa::openapi::OpenApi {
    let (_, doc) = OpenApiRouter::with_openapi(CentreDoc::openapi())
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

/// The centre's OpenAPI 3.1 document (this one).
#[utoipa::path(get, path = "/api/v1/openapi.json", tag = "system",
    security(("bearer" = [])),
    responses((status = 200, content_type = "application/json",
        body = system::OpenApiDocument)))]
async fn openapi_json() -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "application/json")],
        openapi_text().to_owned(),
    )
}

/// The centre's whole application.
pub fn router(state: CentreState) -> Router {
    let (api, _) = api_routes().split_for_parts();
    let api = api.route_layer(middleware::from_fn_with_state(
        state.clone(),
        require_national_role,
    ));
    let (public, _) = public_routes().split_for_parts();
    Router::new()
        .merge(api)
        .merge(public)
        .route("/", get(|| async { Redirect::to("/national") }))
        .route("/national", get(national_page))
        .fallback(|req: Request| async move {
            ApiError::not_found(format!(
                "no route for {} {}",
                req.method(),
                req.uri().path()
            ))
        })
        .layer(middleware::map_response(envelope_bare_errors))
        .with_state(state)
}

async fn require_national_role(
    State(state): State<CentreState>,
    matched: Option<MatchedPath>,
    req: Request,
    next: Next,
) -> Result<Response, ApiError> {
    let Some(token) = bearer_or_cookie(req.headers()) else {
        return Err(ApiError::unauthorized(
            "authentication required: send `Authorization: Bearer TOKEN` or log in",
        ));
    };
    let Some(principal) = state.app.station.authenticate(&token).await? else {
        return Err(ApiError::unauthorized(
            "unknown, revoked or expired credential",
        ));
    };
    let path = matched.as_ref().map(|m| m.as_str()).unwrap_or("");
    let method = req.method().as_str().to_owned();
    let Some((_, _, roles)) = NATIONAL_ACCESS
        .iter()
        .find(|(m, p, _)| *m == method && *p == path)
    else {
        return Err(ApiError::forbidden("this route has no access rule"));
    };
    if !roles.contains(&principal.role) {
        return Err(ApiError::forbidden(format!(
            "role `{}` may not {method} {path}",
            principal.role
        )));
    }
    Ok(next.run(req).await)
}

fn internal(e: anyhow::Error) -> ApiError {
    tracing::error!(error = %format!("{e:#}"), "national store failed");
    ApiError::new(
        StatusCode::SERVICE_UNAVAILABLE,
        "store_unavailable",
        "the national store did not answer",
    )
}

/// `GET /readyz` at the centre.
#[derive(Debug, Serialize, ToSchema)]
pub struct CentreReady {
    /// `ready`.
    pub status: &'static str,
    /// `postgres`: the national store answered a round trip.
    pub store: &'static str,
}

/// Readiness: the national store answers a round trip.
#[utoipa::path(get, path = "/readyz", tag = "system",
    responses((status = 200, body = CentreReady), (status = 503, body = crate::error::ErrorEnvelope)))]
async fn readyz(State(state): State<CentreState>) -> ApiResult<Json<CentreReady>> {
    state.centre.ping().await.map_err(internal)?;
    Ok(Json(CentreReady {
        status: "ready",
        store: "postgres",
    }))
}

/// One station as the centre holds it.
#[derive(Debug, Serialize, ToSchema)]
pub struct NationalStation {
    pub station_id: String,
    /// The highest seq stored.
    pub last_seq: u64,
    /// The station's time of that event.
    pub last_time: Option<DateTime<Utc>>,
    /// How far behind the station's clock the newest event arrived, seconds.
    pub lag_s: f64,
    /// False once a link, a refused event or a lasting hole has broken the chain.
    pub chain_ok: bool,
    /// The seq up to which the chain is verified without a gap.
    pub verified_seq: u64,
    /// Where the chain broke.
    pub break_seq: Option<u64>,
    pub break_reason: Option<String>,
    /// The national watchlist release the station screens against.
    pub watchlist_version: Option<u64>,
}

impl From<guomen_centre::NationalStation> for NationalStation {
    fn from(s: guomen_centre::NationalStation) -> NationalStation {
        NationalStation {
            station_id: s.station_id,
            last_seq: s.last_seq,
            last_time: s.last_time,
            lag_s: s.lag_s,
            chain_ok: s.chain_ok,
            verified_seq: s.verified_seq,
            break_seq: s.break_seq,
            break_reason: s.break_reason,
            watchlist_version: s.watchlist_version,
        }
    }
}

/// Every station the centre holds: last seq and time, lag, chain state, watchlist version
/// (admin, duty chief, analyst).
#[utoipa::path(get, path = "/api/v1/national/stations", tag = "national",
    security(("bearer" = [])),
    responses((status = 200, body = Vec<NationalStation>),
              (status = 401, body = crate::error::ErrorEnvelope),
              (status = 403, body = crate::error::ErrorEnvelope),
              (status = 503, body = crate::error::ErrorEnvelope)))]
async fn stations(State(state): State<CentreState>) -> ApiResult<Json<Vec<NationalStation>>> {
    let rows = state.centre.stations().await.map_err(internal)?;
    Ok(Json(rows.into_iter().map(NationalStation::from).collect()))
}

/// A chain break or a refused message, naming station and seq.
#[derive(Debug, Serialize, ToSchema)]
pub struct NationalAlarm {
    pub id: i64,
    pub station_id: String,
    pub seq: u64,
    pub reason: String,
    pub time: DateTime<Utc>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
struct AlarmQuery {
    /// At most this many, 1 to 1000 (default 100).
    limit: Option<u32>,
}

/// Chain breaks and refused messages, newest first (admin, duty chief, analyst).
#[utoipa::path(get, path = "/api/v1/national/alarms", tag = "national",
    security(("bearer" = [])),
    params(AlarmQuery),
    responses((status = 200, body = Vec<NationalAlarm>),
              (status = 400, body = crate::error::ErrorEnvelope),
              (status = 401, body = crate::error::ErrorEnvelope),
              (status = 403, body = crate::error::ErrorEnvelope),
              (status = 503, body = crate::error::ErrorEnvelope)))]
async fn alarms(
    State(state): State<CentreState>,
    ApiQuery(q): ApiQuery<AlarmQuery>,
) -> ApiResult<Json<Vec<NationalAlarm>>> {
    let rows = state
        .centre
        .alarms(q.limit.unwrap_or(100))
        .await
        .map_err(internal)?;
    Ok(Json(
        rows.into_iter()
            .map(|a| NationalAlarm {
                id: a.id,
                station_id: a.station_id,
                seq: a.seq,
                reason: a.reason,
                time: a.time,
            })
            .collect(),
    ))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
struct StatsQuery {
    /// From this date (`2026-12-06`, midnight UTC) or RFC 3339 time, inclusive.
    from: Option<String>,
    /// Up to this date or time, exclusive.
    to: Option<String>,
    /// `station` (default), `nationality`, `site`, `direction`, `day` or `month`.
    group_by: Option<String>,
}

/// One group of national crossings.
#[derive(Debug, Serialize, ToSchema)]
pub struct NationalGroup {
    pub key: String,
    pub count: u64,
}

/// National crossings, grouped.
#[derive(Debug, Serialize, ToSchema)]
pub struct NationalCrossingStats {
    pub total: u64,
    pub groups: Vec<NationalGroup>,
}

/// `2026-12-06` (midnight UTC) or an RFC 3339 time.
fn parse_bound(name: &str, text: Option<&str>) -> Result<Option<DateTime<Utc>>, ApiError> {
    let Some(t) = text.map(str::trim).filter(|t| !t.is_empty()) else {
        return Ok(None);
    };
    if let Ok(d) = NaiveDate::parse_from_str(t, "%Y-%m-%d") {
        return Ok(Some(guomen_centre::day_start(d)));
    }
    DateTime::parse_from_rfc3339(t)
        .map(|d| Some(d.with_timezone(&Utc)))
        .map_err(|_| {
            ApiError::bad_request(format!(
                "`{name}` must be a date (2026-12-06) or an RFC 3339 time; got `{t}`"
            ))
        })
}

/// National crossings in `[from, to)`, grouped by station, nationality, site, direction,
/// day or month (days and months on Beijing time) (admin, duty chief, analyst).
#[utoipa::path(get, path = "/api/v1/national/stats/crossings", tag = "national",
    security(("bearer" = [])),
    params(StatsQuery),
    responses((status = 200, body = NationalCrossingStats),
              (status = 400, body = crate::error::ErrorEnvelope),
              (status = 401, body = crate::error::ErrorEnvelope),
              (status = 403, body = crate::error::ErrorEnvelope),
              (status = 503, body = crate::error::ErrorEnvelope)))]
async fn crossing_stats(
    State(state): State<CentreState>,
    ApiQuery(q): ApiQuery<StatsQuery>,
) -> ApiResult<Json<NationalCrossingStats>> {
    let from = parse_bound("from", q.from.as_deref())?;
    let to = parse_bound("to", q.to.as_deref())?;
    if let (Some(f), Some(t)) = (from, to)
        && f > t
    {
        return Err(ApiError::bad_request("`from` is after `to`"));
    }
    let name = q.group_by.as_deref().unwrap_or("station");
    let group_by = GroupBy::parse(name).ok_or_else(|| {
        ApiError::bad_request(format!(
            "unknown group_by `{name}`; expected station, nationality, site, direction, day or month"
        ))
    })?;
    let s = state
        .centre
        .crossing_stats(from, to, group_by)
        .await
        .map_err(internal)?;
    Ok(Json(NationalCrossingStats {
        total: s.total,
        groups: s
            .groups
            .into_iter()
            .map(|g| NationalGroup {
                key: g.key,
                count: g.count,
            })
            .collect(),
    }))
}

#[derive(Debug, Deserialize)]
struct PageQuery {
    lang: Option<String>,
}

fn wants_chinese(q: &PageQuery, headers: &HeaderMap) -> bool {
    match q.lang.as_deref() {
        Some(l) => l.starts_with("zh"),
        None => headers
            .get(header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok())
            .is_none_or(|v| v.trim_start().starts_with("zh")),
    }
}

const PAGE: &str = include_str!("national.html");

/// The national page: stations, chains and national figures, in Chinese or English. The data
/// comes from the national API with the session cookie; without one it shows the login form.
async fn national_page(Query(q): Query<PageQuery>, headers: HeaderMap) -> Html<String> {
    let zh = wants_chinese(&q, &headers);
    let lang = if zh { "zh" } else { "en" };
    Html(PAGE.replace("{{LANG}}", lang))
}

/// Parses `guomen centre`'s arguments.
#[derive(Debug, Clone, clap::Args)]
pub struct CentreArgs {
    /// The national PostgreSQL database (postgres://...); its station tables hold the
    /// centre's users (`guomen user add ... --database URL`)
    #[arg(long, env = "GUOMEN_DATABASE", value_name = "URL")]
    pub database: String,
    /// The NATS server with JetStream the stations publish to (nats://[USER:PASSWORD@]HOST:PORT)
    #[arg(long, env = "GUOMEN_NATS", value_name = "URL")]
    pub nats: String,
    /// Address to listen on for HTTP [default: 127.0.0.1:8090]
    #[arg(long, env = "GUOMEN_CENTRE_LISTEN", value_name = "ADDR")]
    pub listen: Option<SocketAddr>,
}

impl CentreArgs {
    pub fn resolve(&self) -> anyhow::Result<CentreConfig> {
        let database = match (StoreArgs {
            data: None,
            database: Some(self.database.clone()),
        })
        .resolve(&crate::FileConfig::default())?
        {
            StoreTarget::Postgres(url) => url,
            _ => anyhow::bail!("--database must be a postgres:// URL"),
        };
        let nats = NatsTarget::parse(&self.nats).map_err(|e| anyhow::anyhow!("--nats: {e}"))?;
        let listen = match self.listen {
            Some(a) => a,
            None => DEFAULT_CENTRE_LISTEN.parse()?,
        };
        Ok(CentreConfig {
            database,
            nats,
            listen,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounds_parse_dates_and_times() {
        assert!(parse_bound("from", None).unwrap().is_none());
        let d = parse_bound("from", Some("2026-12-06")).unwrap().unwrap();
        assert_eq!(d.to_rfc3339(), "2026-12-06T00:00:00+00:00");
        assert!(
            parse_bound("from", Some("2026-12-06T08:00:00+08:00"))
                .unwrap()
                .is_some()
        );
        assert!(parse_bound("from", Some("yesterday")).is_err());
    }

    #[test]
    fn every_national_route_has_roles_without_partners_or_devices() {
        for (_, path, roles) in NATIONAL_ACCESS {
            assert!(!roles.contains(&Partner), "{path}");
            assert!(!roles.contains(&Device), "{path}");
            assert!(!roles.contains(&Inspector), "{path}");
        }
    }
}
