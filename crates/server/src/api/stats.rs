//! Statistics: crossings grouped over any period, the region's totals, a recount.

use axum::Extension;
use axum::Json;
use axum::extract::{Path, State};
use chrono::NaiveDate;
use guomen_station::stats::{PeriodReport, ReportPeriod};
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
    /// `json` (default) or `csv` (`key,count` rows, for a spreadsheet).
    pub format: Option<String>,
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
    responses((status = 200, body = CrossingStats,
               description = "The groups as JSON (or CSV with `format=csv`)"),
              (status = 422, body = crate::error::ErrorEnvelope)))]
pub async fn get_crossing_stats(
    State(state): State<AppState>,
    Extension(who): Extension<Principal>,
    ApiQuery(q): ApiQuery<CrossingStatsQuery>,
) -> ApiResult<axum::response::Response> {
    use axum::response::IntoResponse;
    let by: StatsDim = q
        .group_by
        .parse()
        .map_err(|e: guomen_store::stats::UnknownDim| ApiError::unprocessable(e.to_string()))?;
    let csv = match q.format.as_deref() {
        None | Some("json") => false,
        Some("csv") => true,
        Some(other) => {
            return Err(ApiError::unprocessable(format!(
                "unknown format `{}`; expected json or csv",
                other.chars().take(20).collect::<String>()
            )));
        }
    };
    let stats = state.station.crossing_stats(&who, by, q.from, q.to).await?;
    if !csv {
        return Ok(Json(CrossingStats::from(stats)).into_response());
    }
    let file = format!(
        "attachment; filename=\"crossings-{}-{}-by-{}.csv\"",
        stats.from,
        stats.to,
        stats.group_by.as_str()
    );
    let body = crate::report::counts_csv(stats.group_by.as_str(), &stats.groups);
    Ok((
        [
            (
                axum::http::header::CONTENT_TYPE,
                "text/csv; charset=utf-8".to_owned(),
            ),
            (axum::http::header::CONTENT_DISPOSITION, file),
        ],
        body,
    )
        .into_response())
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

#[derive(Debug, Deserialize, IntoParams)]
pub struct AnnualQuery {
    pub year: i32,
    /// `json` (default), `csv` (tables) or `html` (a printable page with charts).
    pub format: Option<String>,
    /// `zh` (default) or `en`, for `html` and `csv` headings.
    pub lang: Option<String>,
}

/// The year's report: travellers, countries, the region's share, fugitives caught, persons
/// refused under a changed identity, cases by kind, seizures, trains, green-channel trucks.
#[utoipa::path(get, path = "/api/v1/reports/annual", tag = "statistics",
    security(("bearer" = [])),
    params(AnnualQuery),
    responses((status = 200, body = Report,
               description = "The report as JSON (or CSV or HTML with `format`)"),
              (status = 422, body = crate::error::ErrorEnvelope)))]
pub async fn get_annual_report(
    State(state): State<AppState>,
    Extension(who): Extension<Principal>,
    ApiQuery(q): ApiQuery<AnnualQuery>,
) -> ApiResult<axum::response::Response> {
    let report = state
        .station
        .period_report(&who, ReportPeriod::Year(q.year))
        .await?;
    render_report(report, q.format.as_deref(), q.lang.as_deref())
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct MonthlyQuery {
    /// `YYYY-MM`, station-local.
    pub month: String,
    /// `json` (default), `csv` (tables) or `html` (a printable page with charts).
    pub format: Option<String>,
    /// `zh` (default) or `en`, for `html` and `csv` headings.
    pub lang: Option<String>,
}

/// A month's report: the annual report's figures for one station-local month, with the
/// crossings day by day.
#[utoipa::path(get, path = "/api/v1/reports/monthly", tag = "statistics",
    security(("bearer" = [])),
    params(MonthlyQuery),
    responses((status = 200, body = Report,
               description = "The report as JSON (or CSV or HTML with `format`)"),
              (status = 422, body = crate::error::ErrorEnvelope)))]
pub async fn get_monthly_report(
    State(state): State<AppState>,
    Extension(who): Extension<Principal>,
    ApiQuery(q): ApiQuery<MonthlyQuery>,
) -> ApiResult<axum::response::Response> {
    let period: ReportPeriod = q.month.parse()?;
    if !matches!(period, ReportPeriod::Month(..)) {
        return Err(ApiError::unprocessable(
            "`month` must be YYYY-MM; a year's report is GET /api/v1/reports/annual".to_owned(),
        ));
    }
    let report = state.station.period_report(&who, period).await?;
    render_report(report, q.format.as_deref(), q.lang.as_deref())
}

fn render_report(
    report: PeriodReport,
    format: Option<&str>,
    lang: Option<&str>,
) -> ApiResult<axum::response::Response> {
    use axum::response::IntoResponse;
    let zh = match lang {
        None | Some("zh") => true,
        Some("en") => false,
        Some(other) => {
            return Err(ApiError::unprocessable(format!(
                "unknown lang `{}`; expected zh or en",
                other.chars().take(20).collect::<String>()
            )));
        }
    };
    match format.unwrap_or("json") {
        "json" => Ok(Json(Report::from(report)).into_response()),
        "csv" => Ok((
            [(axum::http::header::CONTENT_TYPE, "text/csv; charset=utf-8")],
            crate::report::report_csv(&report, zh),
        )
            .into_response()),
        "html" => Ok(axum::response::Html(crate::report::report_html(&report, zh)).into_response()),
        other => Err(ApiError::unprocessable(format!(
            "unknown format `{}`; expected json, csv or html",
            other.chars().take(20).collect::<String>()
        ))),
    }
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct CaseTotals {
    pub total: u64,
    pub by_kind: std::collections::BTreeMap<String, u64>,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct SeizureTotal {
    pub category: String,
    pub item: String,
    pub quantity: f64,
    pub unit: String,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct TrainTotals {
    pub count: u64,
    pub mean_clearance_s: Option<f64>,
    pub p90_clearance_s: Option<f64>,
}

/// A year's or a month's report (see `GET /api/v1/reports/annual` and `.../monthly`).
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Report {
    pub year: i32,
    /// The month of a monthly report (absent from a year's).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub month: Option<u32>,
    /// The period's first and last station-local days.
    pub from: NaiveDate,
    pub to: NaiveDate,
    /// Person-crossings (人次).
    pub crossings: u64,
    pub entries: u64,
    pub exits: u64,
    pub countries: u64,
    pub region_share: Option<f64>,
    pub region_rank: Option<u64>,
    pub fugitives_caught: u64,
    pub refused_changed_identity: u64,
    pub hits: u64,
    pub by_decision: Vec<CountGroup>,
    pub by_month: Vec<CountGroup>,
    /// Day by day (a monthly report only).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub by_day: Vec<CountGroup>,
    pub top_nationalities: Vec<CountGroup>,
    pub cases: CaseTotals,
    pub seizures: Vec<SeizureTotal>,
    pub trains: TrainTotals,
    pub green_channel_vehicles: u64,
}

fn groups(rows: Vec<guomen_store::CountRow>) -> Vec<CountGroup> {
    rows.into_iter()
        .map(|g| CountGroup {
            key: g.key,
            count: g.count,
        })
        .collect()
}

impl From<PeriodReport> for Report {
    fn from(r: PeriodReport) -> Self {
        let PeriodReport {
            year,
            month,
            from,
            to,
            crossings,
            entries,
            exits,
            countries,
            region_share,
            region_rank,
            fugitives_caught,
            refused_changed_identity,
            hits,
            by_decision,
            by_month,
            by_day,
            top_nationalities,
            cases,
            seizures,
            trains,
            green_channel_vehicles,
        } = r;
        Report {
            year,
            month,
            from,
            to,
            crossings,
            entries,
            exits,
            countries,
            region_share,
            region_rank,
            fugitives_caught,
            refused_changed_identity,
            hits,
            by_decision: groups(by_decision),
            by_month: groups(by_month),
            by_day: groups(by_day),
            top_nationalities: groups(top_nationalities),
            cases: CaseTotals {
                total: cases.total,
                by_kind: cases.by_kind,
            },
            seizures: seizures
                .into_iter()
                .map(|s| SeizureTotal {
                    category: s.category,
                    item: s.item,
                    quantity: s.quantity,
                    unit: s.unit,
                })
                .collect(),
            trains: TrainTotals {
                count: trains.count,
                mean_clearance_s: trains.mean_clearance_s,
                p90_clearance_s: trains.p90_clearance_s,
            },
            green_channel_vehicles,
        }
    }
}
