//! Statistics: crossings grouped over any period, the region's totals, a recount.

use axum::Extension;
use axum::Json;
use axum::extract::{Path, State};
use chrono::NaiveDate;
use guomen_store::StatsDim;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::auth::Principal;
use crate::error::{ApiError, ApiResult};
use crate::json::{ApiJson, ApiQuery};
use crate::state::AppState;

#[derive(Debug, Deserialize, IntoParams)]
pub struct CrossingStatsQuery {
    /// First station-local day, `YYYY-MM-DD` (default: 1 January of `to`'s year).
    pub from: Option<NaiveDate>,
    /// Last station-local day, inclusive (default: today).
    pub to: Option<NaiveDate>,
    /// `nationality`, `site`, `direction`, `lane_kind`, `channel`, `conveyance`, `decision`,
    /// `hit`, `hour` (station-local `00`–`23`), `day` or `month`.
    pub group_by: String,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct CountGroup {
    /// The group: a nationality code, a site id, `entry`, `2026-02`, `09`...
    pub key: String,
    pub count: u64,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct CrossingStats {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub group_by: String,
    /// Person-crossings (人次) in the period.
    pub total: u64,
    /// Largest first; hours, days and months in time order.
    pub groups: Vec<CountGroup>,
}

impl From<guomen_station::stats::CrossingStats> for CrossingStats {
    fn from(s: guomen_station::stats::CrossingStats) -> Self {
        let guomen_station::stats::CrossingStats {
            from,
            to,
            group_by,
            total,
            groups,
        } = s;
        CrossingStats {
            from,
            to,
            group_by: group_by.as_str().to_owned(),
            total,
            groups: groups
                .into_iter()
                .map(|g| CountGroup {
                    key: g.key,
                    count: g.count,
                })
                .collect(),
        }
    }
}

/// Crossings over a period grouped by one dimension, from the counts the station keeps
/// (never a scan of the crossings). No personal data.
#[utoipa::path(get, path = "/api/v1/stats/crossings", tag = "statistics",
    security(("bearer" = [])),
    params(CrossingStatsQuery),
    responses((status = 200, body = CrossingStats),
              (status = 422, body = crate::error::ErrorEnvelope)))]
pub async fn get_crossing_stats(
    State(state): State<AppState>,
    Extension(who): Extension<Principal>,
    ApiQuery(q): ApiQuery<CrossingStatsQuery>,
) -> ApiResult<Json<CrossingStats>> {
    let by: StatsDim = q
        .group_by
        .parse()
        .map_err(|e: guomen_store::stats::UnknownDim| ApiError::unprocessable(e.to_string()))?;
    let stats = state.station.crossing_stats(&who, by, q.from, q.to).await?;
    Ok(Json(stats.into()))
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct StationTotal {
    pub name: String,
    pub crossings: u64,
}

/// The region's totals for a year as an analyst enters them.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewRegionTotals {
    /// The region's person-crossings in the year.
    pub crossings: u64,
    /// The region's stations with theirs (this station among them), for ranks.
    pub stations: Vec<StationTotal>,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct RegionTotals {
    pub year: i32,
    pub crossings: u64,
    pub stations: Vec<StationTotal>,
}

impl From<guomen_station::stats::RegionTotals> for RegionTotals {
    fn from(t: guomen_station::stats::RegionTotals) -> Self {
        let guomen_station::stats::RegionTotals {
            year,
            crossings,
            stations,
        } = t;
        RegionTotals {
            year,
            crossings,
            stations: stations
                .into_iter()
                .map(|s| StationTotal {
                    name: s.name,
                    crossings: s.crossings,
                })
                .collect(),
        }
    }
}

/// Enters (or replaces) the region's totals for a year: the basis of shares and ranks.
#[utoipa::path(put, path = "/api/v1/stats/region-totals/{year}", tag = "statistics",
    security(("bearer" = [])),
    params(("year" = i32, Path, description = "The calendar year")),
    request_body = NewRegionTotals,
    responses((status = 200, body = RegionTotals),
              (status = 422, body = crate::error::ErrorEnvelope)))]
pub async fn put_region_totals(
    State(state): State<AppState>,
    Extension(who): Extension<Principal>,
    Path(year): Path<i32>,
    ApiJson(body): ApiJson<NewRegionTotals>,
) -> ApiResult<Json<RegionTotals>> {
    let totals = guomen_station::stats::RegionTotals {
        year,
        crossings: body.crossings,
        stations: body
            .stations
            .into_iter()
            .map(|s| guomen_station::stats::StationTotal {
                name: s.name,
                crossings: s.crossings,
            })
            .collect(),
    };
    Ok(Json(
        state.station.set_region_totals(&who, totals).await?.into(),
    ))
}

/// The region's totals for a year.
#[utoipa::path(get, path = "/api/v1/stats/region-totals/{year}", tag = "statistics",
    security(("bearer" = [])),
    params(("year" = i32, Path, description = "The calendar year")),
    responses((status = 200, body = RegionTotals),
              (status = 404, body = crate::error::ErrorEnvelope)))]
pub async fn get_region_totals(
    State(state): State<AppState>,
    Extension(who): Extension<Principal>,
    Path(year): Path<i32>,
) -> ApiResult<Json<RegionTotals>> {
    match state.station.region_totals(&who, year).await? {
        Some(t) => Ok(Json(t.into())),
        None => Err(ApiError::not_found(format!(
            "no region totals entered for {year}"
        ))),
    }
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Rebuilt {
    /// The last journal seq counted.
    pub through_seq: u64,
    pub crossings: u64,
    pub keys: u64,
}

/// Recounts the crossing statistics from the journal and replaces the kept counts.
#[utoipa::path(post, path = "/api/v1/stats/rebuild", tag = "statistics",
    security(("bearer" = [])),
    responses((status = 200, body = Rebuilt),
              (status = 409, body = crate::error::ErrorEnvelope)))]
pub async fn post_rebuild(
    State(state): State<AppState>,
    Extension(who): Extension<Principal>,
) -> ApiResult<Json<Rebuilt>> {
    let r = state.station.rebuild_stats(&who.actor()).await?;
    Ok(Json(Rebuilt {
        through_seq: r.through_seq,
        crossings: r.crossings,
        keys: r.keys,
    }))
}
