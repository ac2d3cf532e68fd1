//! The national centre's server (`guomen centre`): it consumes every station's journal from
//! NATS JetStream into PostgreSQL (`guomen-centre`) and answers the national API with the same
//! users, roles, login, `/healthz` and error envelope as a station. Its users live in the
//! centre database's station tables, so `guomen user add --database URL` creates them.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;

use anyhow::Context as _;
use axum::extract::{FromRef, MatchedPath, Query, Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::{DateTime, NaiveDate, Utc};
use guomen_centre::{Alarm, Centre, CrossingStats, GroupBy, NationalStation};
use guomen_domain::Role;
use guomen_domain::Role::*;
use guomen_replicate::NatsTarget;
use guomen_station::{Station, SystemClock};
use serde::Deserialize;
use tokio::sync::watch;

use crate::api::{session, system};
use crate::auth::bearer_or_cookie;
use crate::config::{ServeArgs, ServeConfig, StoreArgs, StoreTarget, open_store};
use crate::error::{ApiError, ApiResult, envelope_bare_errors};
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

/// The centre's whole application.
pub fn router(state: CentreState) -> Router {
    let api = Router::new()
        .route("/api/v1/national/stations", get(stations))
        .route("/api/v1/national/stats/crossings", get(crossing_stats))
        .route("/api/v1/national/alarms", get(alarms))
        .route_layer(middleware::from_fn_with_state(
            state.clone(),
            require_national_role,
        ));
    Router::new()
        .merge(api)
        .route("/healthz", get(system::healthz))
        .route("/readyz", get(readyz))
        .route("/auth/login", post(session::login))
        .route("/auth/logout", post(session::logout))
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

async fn readyz(State(state): State<CentreState>) -> Response {
    match state.centre.ping().await {
        Ok(()) => Json(serde_json::json!({"status": "ready", "store": "postgres"})).into_response(),
        Err(e) => internal(e).into_response(),
    }
}

/// Every station the centre holds: last seq and time, lag, chain state, watchlist version.
async fn stations(State(state): State<CentreState>) -> ApiResult<Json<Vec<NationalStation>>> {
    Ok(Json(state.centre.stations().await.map_err(internal)?))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct AlarmQuery {
    limit: Option<u32>,
}

/// Chain breaks and refused messages, newest first.
async fn alarms(
    State(state): State<CentreState>,
    Query(q): Query<AlarmQuery>,
) -> ApiResult<Json<Vec<Alarm>>> {
    Ok(Json(
        state
            .centre
            .alarms(q.limit.unwrap_or(100))
            .await
            .map_err(internal)?,
    ))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct StatsQuery {
    from: Option<String>,
    to: Option<String>,
    group_by: Option<String>,
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
/// day or month (days and months on Beijing time).
async fn crossing_stats(
    State(state): State<CentreState>,
    Query(q): Query<StatsQuery>,
) -> ApiResult<Json<CrossingStats>> {
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
    Ok(Json(
        state
            .centre
            .crossing_stats(from, to, group_by)
            .await
            .map_err(internal)?,
    ))
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
