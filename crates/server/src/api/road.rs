//! Road freight: appointments, slots, trusted traders, plate reads and vehicles.

use axum::Extension;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use chrono::{DateTime, NaiveDate, Utc};
use guomen_station::road as sr;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::clearance::ManualDocument;
use crate::auth::Principal;
use crate::error::ApiResult;
use crate::json::{ApiJson, ApiQuery};
use crate::state::AppState;

/// The driver's document: `{"mrz": [lines]}` or `{"document": {...}}`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Driver {
    /// The MRZ, one string per line.
    Mrz(Vec<String>),
    /// Hand-typed fields.
    Document(ManualDocument),
}

impl From<Driver> for sr::DriverDocument {
    fn from(d: Driver) -> Self {
        match d {
            Driver::Mrz(l) => sr::DriverDocument::Mrz(l),
            Driver::Document(d) => {
                let ManualDocument {
                    surname,
                    given_names,
                    nationality,
                    birth_date,
                    sex,
                    document_number,
                    issuing_state,
                    expiry_date,
                    document_kind,
                } = d;
                sr::DriverDocument::Document(guomen_station::clearance::inspect::ManualDocument {
                    surname,
                    given_names,
                    nationality,
                    birth_date,
                    sex,
                    document_number,
                    issuing_state,
                    expiry_date,
                    document_kind,
                })
            }
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Cargo {
    pub description: String,
    /// Fresh produce and other perishables go through the green channel.
    pub perishable: bool,
    pub weight_kg: f64,
}

impl From<Cargo> for sr::Cargo {
    fn from(c: Cargo) -> Self {
        sr::Cargo {
            description: c.description,
            perishable: c.perishable,
            weight_kg: c.weight_kg,
        }
    }
}

impl From<sr::Cargo> for Cargo {
    fn from(c: sr::Cargo) -> Self {
        let sr::Cargo {
            description,
            perishable,
            weight_kg,
        } = c;
        Cargo {
            description,
            perishable,
            weight_kg,
        }
    }
}

/// `POST /api/v1/appointments`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewAppointment {
    /// The tractor's plate, e.g. `蒙H·A1234` or `1234 УБА`.
    pub plate: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trailer_plate: Option<String>,
    pub driver: Driver,
    pub site_id: String,
    /// `entry` or `exit`.
    #[schema(value_type = String)]
    pub direction: guomen_clearance::Direction,
    /// On the hour.
    pub slot_start: DateTime<Utc>,
    pub cargo: Cargo,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Booked {
    pub id: String,
    pub slot_start: DateTime<Utc>,
    pub slot_end: DateTime<Utc>,
    /// `green`, `trusted` or `standard`.
    pub channel: String,
}

/// `PATCH /api/v1/appointments/{id}`: the fields given change.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AppointmentPatch {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub slot_start: Option<DateTime<Utc>>,
    /// A new trailer plate (an empty string removes it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trailer_plate: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub driver: Option<Driver>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cargo: Option<Cargo>,
}

/// An appointment as the caller may see it: a carrier's never says anything of screening.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Appointment {
    pub id: String,
    pub organisation: String,
    pub plate: String,
    pub trailer_plate: Option<String>,
    pub driver_name: String,
    pub site_id: String,
    pub direction: String,
    pub slot_start: DateTime<Utc>,
    pub slot_end: DateTime<Utc>,
    pub cargo: Cargo,
    pub channel: String,
    /// `booked`, `arrived`, `lost` (came too late) or `cancelled`.
    pub status: String,
    pub vehicle_id: Option<String>,
    /// Staff only: the driver hit a list.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub driver_flagged: Option<bool>,
}

fn name_of<T: Serialize>(v: T) -> String {
    serde_json::to_value(v)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

impl From<sr::AppointmentView> for Appointment {
    fn from(a: sr::AppointmentView) -> Self {
        let sr::AppointmentView {
            id,
            organisation,
            plate,
            trailer_plate,
            driver_name,
            site_id,
            direction,
            slot_start,
            slot_end,
            cargo,
            channel,
            status,
            vehicle_id,
            driver_flagged,
        } = a;
        Appointment {
            id,
            organisation,
            plate,
            trailer_plate,
            driver_name,
            site_id,
            direction: direction.as_str().to_owned(),
            slot_start,
            slot_end,
            cargo: cargo.into(),
            channel: channel.as_str().to_owned(),
            status: name_of(status),
            vehicle_id,
            driver_flagged,
        }
    }
}

/// Books a slot for a vehicle (a carrier, for its own organisation). The driver is screened;
/// the answer never says how.
#[utoipa::path(post, path = "/api/v1/appointments", tag = "road",
    security(("bearer" = [])), request_body = NewAppointment,
    responses((status = 201, body = Booked),
              (status = 409, description = "slot full or vehicle already booked", body = crate::error::ErrorEnvelope),
              (status = 422, body = crate::error::ErrorEnvelope),
              (status = 429, body = crate::error::ErrorEnvelope)))]
pub async fn post_appointment(
    State(state): State<AppState>,
    Extension(who): Extension<Principal>,
    ApiJson(b): ApiJson<NewAppointment>,
) -> ApiResult<(StatusCode, Json<Booked>)> {
    let NewAppointment {
        plate,
        trailer_plate,
        driver,
        site_id,
        direction,
        slot_start,
        cargo,
    } = b;
    let booked = state
        .station
        .book_appointment(
            &who,
            sr::NewAppointment {
                plate,
                trailer_plate,
                driver: driver.into(),
                site_id,
                direction,
                slot_start,
                cargo: cargo.into(),
            },
        )
        .await?;
    let sr::Booked {
        id,
        slot_start,
        slot_end,
        channel,
    } = booked;
    Ok((
        StatusCode::CREATED,
        Json(Booked {
            id,
            slot_start,
            slot_end,
            channel: channel.as_str().to_owned(),
        }),
    ))
}

/// Appointments: a carrier's own organisation's only.
#[utoipa::path(get, path = "/api/v1/appointments", tag = "road",
    security(("bearer" = [])), responses((status = 200, body = Vec<Appointment>)))]
pub async fn list_appointments(
    State(state): State<AppState>,
    Extension(who): Extension<Principal>,
) -> ApiResult<Json<Vec<Appointment>>> {
    let list = state.station.appointments(&who).await?;
    Ok(Json(list.into_iter().map(Into::into).collect()))
}

#[utoipa::path(get, path = "/api/v1/appointments/{id}", tag = "road",
    security(("bearer" = [])), params(("id" = String, Path, description = "Appointment id")),
    responses((status = 200, body = Appointment), (status = 404, body = crate::error::ErrorEnvelope)))]
pub async fn get_appointment(
    State(state): State<AppState>,
    Extension(who): Extension<Principal>,
    Path(id): Path<String>,
) -> ApiResult<Json<Appointment>> {
    Ok(Json(state.station.appointment(&who, &id).await?.into()))
}

/// Changes a booked appointment (its own carrier only).
#[utoipa::path(patch, path = "/api/v1/appointments/{id}", tag = "road",
    security(("bearer" = [])), params(("id" = String, Path, description = "Appointment id")),
    request_body = AppointmentPatch,
    responses((status = 200, body = Appointment), (status = 404, body = crate::error::ErrorEnvelope),
              (status = 409, body = crate::error::ErrorEnvelope)))]
pub async fn patch_appointment(
    State(state): State<AppState>,
    Extension(who): Extension<Principal>,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<AppointmentPatch>,
) -> ApiResult<Json<Appointment>> {
    let AppointmentPatch {
        slot_start,
        trailer_plate,
        driver,
        cargo,
    } = b;
    let change = sr::AppointmentChange {
        slot_start,
        trailer_plate: trailer_plate.map(|t| Some(t).filter(|t| !t.trim().is_empty())),
        driver: driver.map(Into::into),
        cargo: cargo.map(Into::into),
    };
    Ok(Json(
        state
            .station
            .change_appointment(&who, &id, change)
            .await?
            .into(),
    ))
}

/// Cancels a booked appointment (its own carrier only).
#[utoipa::path(delete, path = "/api/v1/appointments/{id}", tag = "road",
    security(("bearer" = [])), params(("id" = String, Path, description = "Appointment id")),
    responses((status = 204), (status = 404, body = crate::error::ErrorEnvelope),
              (status = 409, body = crate::error::ErrorEnvelope)))]
pub async fn delete_appointment(
    State(state): State<AppState>,
    Extension(who): Extension<Principal>,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    state.station.cancel_appointment(&who, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct SlotsQuery {
    pub site_id: String,
    /// `entry` or `exit`.
    #[param(value_type = String)]
    pub direction: guomen_clearance::Direction,
    /// Station-local day `YYYY-MM-DD` (default today).
    #[param(value_type = Option<String>)]
    pub date: Option<NaiveDate>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Slot {
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    pub direction: String,
    pub capacity: u32,
    pub booked: u32,
}

impl From<sr::Slot> for Slot {
    fn from(s: sr::Slot) -> Self {
        let sr::Slot {
            start,
            end,
            direction,
            capacity,
            booked,
        } = s;
        Slot {
            start,
            end,
            direction: direction.as_str().to_owned(),
            capacity,
            booked,
        }
    }
}

/// The hourly slots of a day at a site and direction, with what is booked.
#[utoipa::path(get, path = "/api/v1/appointments/slots", tag = "road",
    security(("bearer" = [])), params(SlotsQuery),
    responses((status = 200, body = Vec<Slot>), (status = 422, body = crate::error::ErrorEnvelope)))]
pub async fn get_slots(
    State(state): State<AppState>,
    ApiQuery(q): ApiQuery<SlotsQuery>,
) -> ApiResult<Json<Vec<Slot>>> {
    let date = q.date.unwrap_or_else(|| state.station.today());
    let slots = state.station.slots(&q.site_id, q.direction, date).await?;
    Ok(Json(slots.into_iter().map(Into::into).collect()))
}

/// `PUT /api/v1/appointments/capacity`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CapacityBody {
    pub site_id: String,
    #[schema(value_type = String)]
    pub direction: guomen_clearance::Direction,
    pub slot_start: DateTime<Utc>,
    pub capacity: u32,
}

/// Sets one slot's capacity (the duty chief).
#[utoipa::path(put, path = "/api/v1/appointments/capacity", tag = "road",
    security(("bearer" = [])), request_body = CapacityBody,
    responses((status = 200, body = Slot), (status = 422, body = crate::error::ErrorEnvelope)))]
pub async fn put_capacity(
    State(state): State<AppState>,
    Extension(who): Extension<Principal>,
    ApiJson(b): ApiJson<CapacityBody>,
) -> ApiResult<Json<Slot>> {
    let slot = state
        .station
        .set_slot_capacity(&who, &b.site_id, b.direction, b.slot_start, b.capacity)
        .await?;
    Ok(Json(slot.into()))
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TrustedTraderBody {
    pub organisation: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct TrustedTrader {
    pub organisation: String,
    pub since: DateTime<Utc>,
}

impl From<guomen_station::event::TrustedTraderAdded> for TrustedTrader {
    fn from(t: guomen_station::event::TrustedTraderAdded) -> Self {
        let guomen_station::event::TrustedTraderAdded {
            organisation,
            since,
        } = t;
        TrustedTrader {
            organisation,
            since,
        }
    }
}

/// Registers a trusted trader (诚信通关).
#[utoipa::path(post, path = "/api/v1/trusted-traders", tag = "road",
    security(("bearer" = [])), request_body = TrustedTraderBody,
    responses((status = 201, body = TrustedTrader), (status = 409, body = crate::error::ErrorEnvelope)))]
pub async fn post_trusted_trader(
    State(state): State<AppState>,
    Extension(who): Extension<Principal>,
    ApiJson(b): ApiJson<TrustedTraderBody>,
) -> ApiResult<(StatusCode, Json<TrustedTrader>)> {
    let t = state
        .station
        .add_trusted_trader(&who, &b.organisation)
        .await?;
    Ok((StatusCode::CREATED, Json(t.into())))
}

#[utoipa::path(get, path = "/api/v1/trusted-traders", tag = "road",
    security(("bearer" = [])), responses((status = 200, body = Vec<TrustedTrader>)))]
pub async fn list_trusted_traders(
    State(state): State<AppState>,
) -> ApiResult<Json<Vec<TrustedTrader>>> {
    let list = state.station.trusted_traders().await?;
    Ok(Json(list.into_iter().map(Into::into).collect()))
}

/// `POST /api/v1/anpr` (and the MQTT topic `guomen/anpr/{camera_id}/plates`).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PlateReadBody {
    pub camera_id: String,
    pub plate: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time: Option<DateTime<Utc>>,
    /// 0 to 1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub confidence: Option<f64>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct PlateReadResult {
    /// `arrived`, `unannounced`, `late` or `repeat`.
    pub outcome: String,
    pub vehicle_id: String,
    /// Canonical, without separators.
    pub plate: String,
    pub appointment_id: Option<String>,
    pub channel: String,
}

impl From<sr::ReadResult> for PlateReadResult {
    fn from(r: sr::ReadResult) -> Self {
        let sr::ReadResult {
            outcome,
            vehicle_id,
            plate,
            appointment_id,
            channel,
        } = r;
        PlateReadResult {
            outcome: name_of(outcome),
            vehicle_id,
            plate,
            appointment_id,
            channel: channel.as_str().to_owned(),
        }
    }
}

/// A plate read by an ANPR camera at a gate.
#[utoipa::path(post, path = "/api/v1/anpr", tag = "road",
    security(("bearer" = [])), request_body = PlateReadBody,
    responses((status = 200, body = PlateReadResult),
              (status = 403, description = "not a provisioned ANPR camera, or out of the device's scope", body = crate::error::ErrorEnvelope),
              (status = 422, body = crate::error::ErrorEnvelope)))]
pub async fn post_anpr(
    State(state): State<AppState>,
    Extension(who): Extension<Principal>,
    ApiJson(b): ApiJson<PlateReadBody>,
) -> ApiResult<Json<PlateReadResult>> {
    let PlateReadBody {
        camera_id,
        plate,
        time,
        confidence,
    } = b;
    let r = state
        .station
        .plate_read(
            &who,
            sr::PlateRead {
                camera_id,
                plate,
                time,
                confidence,
            },
        )
        .await?;
    Ok(Json(r.into()))
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct VehicleCheck {
    pub check: String,
    pub passed: bool,
    pub note: Option<String>,
    pub time: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Vehicle {
    pub id: String,
    pub plate: String,
    pub appointment_id: Option<String>,
    pub channel: String,
    pub arrived: DateTime<Utc>,
    pub released: Option<DateTime<Utc>>,
    /// Arrival to release, or to now while not released.
    pub wait_s: i64,
    /// `waiting`, `in_inspection` or `released`.
    pub status: String,
    pub site_id: String,
    pub lane_id: String,
    pub organisation: Option<String>,
    pub unannounced: bool,
    pub late: bool,
    pub check_selected: bool,
    pub check_rate: Option<f64>,
    pub checks: Vec<VehicleCheck>,
    pub overdue: bool,
}

fn vehicle(v: sr::Vehicle, now: DateTime<Utc>) -> Vehicle {
    let wait_s = v.wait_s(now);
    let sr::Vehicle {
        id,
        plate,
        site_id,
        direction: _,
        camera_id: _,
        lane_id,
        appointment_id,
        organisation,
        channel,
        status,
        arrived,
        unannounced,
        late,
        check_selected,
        check_rate,
        checks,
        inspection_started: _,
        released,
        released_by: _,
        overdue_warned,
        confidence: _,
    } = v;
    Vehicle {
        id,
        plate,
        appointment_id,
        channel: channel.as_str().to_owned(),
        arrived,
        released,
        wait_s,
        status: name_of(status),
        site_id,
        lane_id,
        organisation,
        unannounced,
        late,
        check_selected,
        check_rate,
        checks: checks
            .into_iter()
            .map(|c| VehicleCheck {
                check: c.check,
                passed: c.passed,
                note: c.note,
                time: c.time,
            })
            .collect(),
        overdue: overdue_warned,
    }
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct VehiclesQuery {
    /// `waiting`, `in_inspection` or `released` (default: all).
    pub status: Option<String>,
}

/// Vehicles at the road gates; waiting ones in queue order (the green channel first).
#[utoipa::path(get, path = "/api/v1/vehicles", tag = "road",
    security(("bearer" = [])), params(VehiclesQuery),
    responses((status = 200, body = Vec<Vehicle>), (status = 400, body = crate::error::ErrorEnvelope)))]
pub async fn list_vehicles(
    State(state): State<AppState>,
    ApiQuery(q): ApiQuery<VehiclesQuery>,
) -> ApiResult<Json<Vec<Vehicle>>> {
    let status = match q.status.as_deref() {
        None | Some("") | Some("all") => None,
        Some(s) => Some(sr::VehicleStatus::parse(s).ok_or_else(|| {
            guomen_station::StationError::bad_request(format!(
                "unknown status `{}` (waiting, in_inspection, released)",
                s.chars().take(40).collect::<String>()
            ))
        })?),
    };
    let now = state.station.now();
    let list = state.station.vehicles(status).await?;
    Ok(Json(list.into_iter().map(|v| vehicle(v, now)).collect()))
}

/// Starts a waiting vehicle's inspection.
#[utoipa::path(post, path = "/api/v1/vehicles/{id}/inspection", tag = "road",
    security(("bearer" = [])), params(("id" = String, Path, description = "Vehicle id")),
    responses((status = 200, body = Vehicle), (status = 404, body = crate::error::ErrorEnvelope),
              (status = 409, body = crate::error::ErrorEnvelope)))]
pub async fn post_inspection(
    State(state): State<AppState>,
    Extension(who): Extension<Principal>,
    Path(id): Path<String>,
) -> ApiResult<Json<Vehicle>> {
    let v = state.station.start_vehicle_inspection(&who, &id).await?;
    Ok(Json(vehicle(v, state.station.now())))
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CheckBody {
    /// What was checked: `physical`, `documents`, `x_ray`, `quarantine`...
    pub check: String,
    pub passed: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// Records one check of a vehicle in inspection and its result.
#[utoipa::path(post, path = "/api/v1/vehicles/{id}/checks", tag = "road",
    security(("bearer" = [])), params(("id" = String, Path, description = "Vehicle id")),
    request_body = CheckBody,
    responses((status = 200, body = Vehicle), (status = 404, body = crate::error::ErrorEnvelope),
              (status = 409, body = crate::error::ErrorEnvelope)))]
pub async fn post_check(
    State(state): State<AppState>,
    Extension(who): Extension<Principal>,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<CheckBody>,
) -> ApiResult<Json<Vehicle>> {
    let v = state
        .station
        .check_vehicle(&who, &id, &b.check, b.passed, b.note)
        .await?;
    Ok(Json(vehicle(v, state.station.now())))
}

/// Releases a vehicle (from waiting when it was cleared without a check).
#[utoipa::path(post, path = "/api/v1/vehicles/{id}/release", tag = "road",
    security(("bearer" = [])), params(("id" = String, Path, description = "Vehicle id")),
    responses((status = 200, body = Vehicle), (status = 404, body = crate::error::ErrorEnvelope),
              (status = 409, body = crate::error::ErrorEnvelope)))]
pub async fn post_release(
    State(state): State<AppState>,
    Extension(who): Extension<Principal>,
    Path(id): Path<String>,
) -> ApiResult<Json<Vehicle>> {
    let v = state.station.release_vehicle(&who, &id).await?;
    Ok(Json(vehicle(v, state.station.now())))
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct RoadKpisQuery {
    /// Station-local day `YYYY-MM-DD` (default today).
    #[param(value_type = Option<String>)]
    pub date: Option<NaiveDate>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ChannelKpi {
    pub channel: String,
    pub arrived: u32,
    pub released: u32,
    pub waiting: u32,
    pub in_inspection: u32,
    /// Arrival → release, seconds.
    pub p50_s: Option<i64>,
    pub p90_s: Option<i64>,
    /// Green channel: releases within the target.
    pub within_target: Option<u32>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct RoadKpis {
    #[schema(value_type = String)]
    pub date: NaiveDate,
    pub channels: Vec<ChannelKpi>,
}

impl From<sr::RoadKpis> for RoadKpis {
    fn from(k: sr::RoadKpis) -> Self {
        let sr::RoadKpis { date, channels } = k;
        RoadKpis {
            date,
            channels: channels
                .into_iter()
                .map(|c| {
                    let sr::ChannelKpi {
                        channel,
                        arrived,
                        released,
                        waiting,
                        in_inspection,
                        p50_s,
                        p90_s,
                        within_target,
                    } = c;
                    ChannelKpi {
                        channel: channel.as_str().to_owned(),
                        arrived,
                        released,
                        waiting,
                        in_inspection,
                        p50_s,
                        p90_s,
                        within_target,
                    }
                })
                .collect(),
        }
    }
}

/// Arrival → release p50/p90 by channel for a day.
#[utoipa::path(get, path = "/api/v1/vehicles/kpis", tag = "road",
    security(("bearer" = [])), params(RoadKpisQuery),
    responses((status = 200, body = RoadKpis)))]
pub async fn get_road_kpis(
    State(state): State<AppState>,
    ApiQuery(q): ApiQuery<RoadKpisQuery>,
) -> ApiResult<Json<RoadKpis>> {
    let date = q.date.unwrap_or_else(|| state.station.today());
    Ok(Json(state.station.road_kpis(date).await?.into()))
}
