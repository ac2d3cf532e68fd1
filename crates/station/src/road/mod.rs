//! Road freight: appointments (预约通关), trusted traders (诚信通关), the green channel for
//! perishables (绿色通道), plates read at the gate and each vehicle's path to release.
//!
//! State lives in docs collections of the store, written in the same append as the fact
//! (`appointments`, `vehicles`, `trusted_traders`, `slot_capacity`); the payload of every
//! appointment and vehicle fact is the record as it stands after the fact, so the journal
//! alone rebuilds it. One lock serialises the writers of this area: capacity and "one active
//! appointment per vehicle" are checked and written without a race.
//!
//! Screening results of drivers go to staff only (`road.driver_hit`); a carrier's view of an
//! appointment is a type without them.

pub mod rules;

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Instant;

use chrono::{DateTime, Duration, NaiveDate, Timelike, Utc};
use guomen_clearance::Direction;
use guomen_domain::{Role, ScopeKind};
use guomen_port::Channel as LaneChannel;
use guomen_store::{Change, Projection};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::auth::new_id;
use crate::clearance::inspect::{ManualDocument, screen_document};
use crate::event::{DriverHit, Event, GreenOverdue, SlotCapacitySet, TrustedTraderAdded};
use crate::{Principal, Station, StationError, StationResult};

pub use rules::{ArrivalMatch, Channel, match_arrival, percentile, selected_for_check};

pub const APPOINTMENTS: &str = "appointments";
pub const VEHICLES: &str = "vehicles";
pub const TRUSTED_TRADERS: &str = "trusted_traders";
pub const SLOT_CAPACITY: &str = "slot_capacity";

const MAX_TEXT: usize = 200;
const MAX_WEIGHT_KG: f64 = 100_000.0;
const MAX_CAPACITY: u32 = 10_000;

/// Tuning of the road area (tests and the demo change it with [`Station::configure_road`]).
#[derive(Debug, Clone, PartialEq)]
pub struct RoadConfig {
    /// Bookings one organisation may make per minute (wall clock).
    pub bookings_per_minute: u32,
    /// Share of trusted traders' vehicles selected for a physical check.
    pub trusted_check_rate: f64,
    /// Green channel: arrival → release target.
    pub green_target: Duration,
    /// Reads of one plate at one site within this window of the last arrival or release are
    /// the same arrival.
    pub repeat_window: Duration,
}

impl Default for RoadConfig {
    fn default() -> Self {
        RoadConfig {
            bookings_per_minute: 60,
            trusted_check_rate: 0.05,
            green_target: Duration::minutes(30),
            repeat_window: Duration::minutes(10),
        }
    }
}

/// The area's locks, limiter and tuning.
#[derive(Debug, Default)]
pub struct Road {
    writer: tokio::sync::Mutex<()>,
    /// Per organisation: the minute window's start and the bookings in it.
    limiter: Mutex<HashMap<String, (Instant, u32)>>,
    config: Mutex<RoadConfig>,
}

impl Road {
    fn config(&self) -> RoadConfig {
        self.config.lock().map(|c| c.clone()).unwrap_or_default()
    }

    /// Counts a booking attempt; `Err(seconds)` when the organisation is over its rate.
    fn admit(&self, organisation: &str, per_minute: u32) -> Result<(), u64> {
        let Ok(mut map) = self.limiter.lock() else {
            return Ok(());
        };
        let now = Instant::now();
        let entry = map.entry(organisation.to_owned()).or_insert((now, 0));
        let elapsed = now.duration_since(entry.0);
        if elapsed.as_secs() >= 60 {
            *entry = (now, 0);
        }
        if entry.1 >= per_minute {
            return Err(60u64.saturating_sub(now.duration_since(entry.0).as_secs()));
        }
        entry.1 += 1;
        Ok(())
    }
}

/// Cargo of a booked vehicle.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Cargo {
    pub description: String,
    pub perishable: bool,
    pub weight_kg: f64,
}

/// The driver's document, as the carrier gave it: `{"mrz": [lines]}` or `{"document": {...}}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum DriverDocument {
    Mrz(Vec<String>),
    Document(ManualDocument),
}

impl DriverDocument {
    fn parts(&self) -> (Option<&[String]>, Option<&ManualDocument>) {
        match self {
            DriverDocument::Mrz(l) => (Some(l.as_slice()), None),
            DriverDocument::Document(d) => (None, Some(d)),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AppointmentStatus {
    Booked,
    /// The vehicle arrived in its window.
    Arrived,
    /// The vehicle came more than the grace after the slot's start: it joined the unbooked
    /// queue.
    Lost,
    Cancelled,
}

/// An appointment as journaled and stored (staff read all of it).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Appointment {
    pub id: String,
    pub organisation: String,
    pub booked_by: String,
    pub plate: String,
    pub trailer_plate: Option<String>,
    pub driver: DriverDocument,
    pub driver_name: String,
    pub site_id: String,
    pub direction: Direction,
    pub slot_start: DateTime<Utc>,
    pub slot_end: DateTime<Utc>,
    pub cargo: Cargo,
    pub channel: Channel,
    pub status: AppointmentStatus,
    /// The driver hit a list at booking or at the gate (staff only).
    #[serde(default)]
    pub driver_flagged: bool,
    #[serde(default)]
    pub vehicle_id: Option<String>,
    pub booked: DateTime<Utc>,
}

/// What one role sees of an appointment: a carrier's has no screening field at all.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AppointmentView {
    pub id: String,
    pub organisation: String,
    pub plate: String,
    pub trailer_plate: Option<String>,
    pub driver_name: String,
    pub site_id: String,
    pub direction: Direction,
    pub slot_start: DateTime<Utc>,
    pub slot_end: DateTime<Utc>,
    pub cargo: Cargo,
    pub channel: Channel,
    pub status: AppointmentStatus,
    pub vehicle_id: Option<String>,
    /// Staff only (`None` for a carrier).
    pub driver_flagged: Option<bool>,
}

impl Appointment {
    pub fn view(self, role: Role) -> AppointmentView {
        let Appointment {
            id,
            organisation,
            booked_by: _,
            plate,
            trailer_plate,
            driver: _,
            driver_name,
            site_id,
            direction,
            slot_start,
            slot_end,
            cargo,
            channel,
            status,
            driver_flagged,
            vehicle_id,
            booked: _,
        } = self;
        AppointmentView {
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
            driver_flagged: (role != Role::Carrier).then_some(driver_flagged),
        }
    }
}

/// `POST /api/v1/appointments`.
#[derive(Debug, Clone)]
pub struct NewAppointment {
    pub plate: String,
    pub trailer_plate: Option<String>,
    pub driver: DriverDocument,
    pub site_id: String,
    pub direction: Direction,
    pub slot_start: DateTime<Utc>,
    pub cargo: Cargo,
}

/// `PATCH /api/v1/appointments/{id}`: what is given changes.
#[derive(Debug, Clone, Default)]
pub struct AppointmentChange {
    pub slot_start: Option<DateTime<Utc>>,
    pub trailer_plate: Option<Option<String>>,
    pub driver: Option<DriverDocument>,
    pub cargo: Option<Cargo>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Booked {
    pub id: String,
    pub slot_start: DateTime<Utc>,
    pub slot_end: DateTime<Utc>,
    pub channel: Channel,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Slot {
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    pub direction: Direction,
    pub capacity: u32,
    pub booked: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum VehicleStatus {
    Waiting,
    InInspection,
    Released,
}

impl VehicleStatus {
    pub fn parse(s: &str) -> Option<VehicleStatus> {
        match s {
            "waiting" => Some(VehicleStatus::Waiting),
            "in_inspection" => Some(VehicleStatus::InInspection),
            "released" => Some(VehicleStatus::Released),
            _ => None,
        }
    }
}

/// One check of a vehicle and its result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VehicleCheck {
    pub check: String,
    pub passed: bool,
    #[serde(default)]
    pub note: Option<String>,
    pub time: DateTime<Utc>,
}

/// A vehicle at the gate, as journaled and stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Vehicle {
    pub id: String,
    pub plate: String,
    pub site_id: String,
    pub direction: Direction,
    pub camera_id: String,
    /// The lane it is sent to (the green lane for perishables).
    pub lane_id: String,
    pub appointment_id: Option<String>,
    pub organisation: Option<String>,
    pub channel: Channel,
    pub status: VehicleStatus,
    pub arrived: DateTime<Utc>,
    /// Came without an appointment in its window (early, none at all, or late).
    pub unannounced: bool,
    /// Came after its slot's grace and lost the appointment.
    pub late: bool,
    /// Selected for a physical check (always for standard, by rate for trusted traders).
    pub check_selected: bool,
    /// The rate the selection used, so it is reproducible from the journal.
    pub check_rate: Option<f64>,
    pub checks: Vec<VehicleCheck>,
    pub inspection_started: Option<DateTime<Utc>>,
    pub released: Option<DateTime<Utc>>,
    pub released_by: Option<String>,
    /// The green-channel target was missed and the duty chief warned.
    #[serde(default)]
    pub overdue_warned: bool,
    /// The read's confidence as the camera gave it.
    pub confidence: Option<f64>,
}

impl Vehicle {
    /// Seconds from arrival to release (or to `now` while waiting).
    pub fn wait_s(&self, now: DateTime<Utc>) -> i64 {
        (self.released.unwrap_or(now) - self.arrived)
            .num_seconds()
            .max(0)
    }
}

/// `POST /api/v1/anpr`.
#[derive(Debug, Clone)]
pub struct PlateRead {
    pub camera_id: String,
    pub plate: String,
    pub time: Option<DateTime<Utc>>,
    pub confidence: Option<f64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ReadOutcome {
    /// Arrived in its appointment's window.
    Arrived,
    /// No appointment in the window: an unannounced vehicle.
    Unannounced,
    /// Came after its slot's grace: the appointment is lost, the vehicle is unbooked.
    Late,
    /// The same vehicle read again: no new arrival.
    Repeat,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReadResult {
    pub outcome: ReadOutcome,
    pub vehicle_id: String,
    pub plate: String,
    pub appointment_id: Option<String>,
    pub channel: Channel,
}

/// Arrival → release by channel, for one station-local day.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ChannelKpi {
    pub channel: Channel,
    pub arrived: u32,
    pub released: u32,
    pub waiting: u32,
    pub in_inspection: u32,
    pub p50_s: Option<i64>,
    pub p90_s: Option<i64>,
    /// Green channel: releases within the target.
    pub within_target: Option<u32>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RoadKpis {
    pub date: NaiveDate,
    pub channels: Vec<ChannelKpi>,
}

fn bad(field: &str, code: &'static str, message: impl Into<String>) -> StationError {
    let message = message.into();
    StationError::unprocessable(format!("`{field}`: {message}"))
        .with_code(code)
        .with_details(json!({"field": field, "message": message}))
}

fn plate_of(field: &str, text: &str) -> StationResult<guomen_plates::Plate> {
    guomen_plates::normalise(text).map_err(|e| bad(field, e.code(), e.to_string()))
}

fn slot_key(site: &str, direction: Direction, start: DateTime<Utc>) -> String {
    format!("{site}|{}|{}", direction.as_str(), start.to_rfc3339())
}

fn decode<T: serde::de::DeserializeOwned>(doc: guomen_store::Doc) -> StationResult<T> {
    serde_json::from_value(doc.body)
        .map_err(|e| StationError::internal(format!("stored {}: {e}", doc.id)))
}

impl Station {
    /// Changes the road area's tuning.
    pub fn configure_road(&self, f: impl FnOnce(&mut RoadConfig)) {
        if let Ok(mut c) = self.road.config.lock() {
            f(&mut c)
        }
    }

    async fn appointments_all(&self) -> StationResult<Vec<Appointment>> {
        self.store
            .docs(APPOINTMENTS)
            .await?
            .into_iter()
            .map(decode)
            .collect()
    }

    async fn vehicles_all(&self) -> StationResult<Vec<Vehicle>> {
        self.store
            .docs(VEHICLES)
            .await?
            .into_iter()
            .map(decode)
            .collect()
    }

    async fn trusted(&self, organisation: &str) -> StationResult<bool> {
        Ok(self
            .store
            .doc(TRUSTED_TRADERS, organisation)
            .await?
            .is_some())
    }

    /// The slot's capacity: the duty chief's setting, else the port's.
    async fn capacity(
        &self,
        site: &str,
        direction: Direction,
        start: DateTime<Utc>,
    ) -> StationResult<u32> {
        let default = self
            .port
            .site(site)
            .and_then(|s| s.slot_capacity)
            .unwrap_or(0);
        Ok(
            match self
                .store
                .doc(SLOT_CAPACITY, &slot_key(site, direction, start))
                .await?
            {
                Some(d) => d
                    .body
                    .get("capacity")
                    .and_then(Value::as_u64)
                    .and_then(|c| u32::try_from(c).ok())
                    .unwrap_or(default),
                None => default,
            },
        )
    }

    /// Checks a site takes appointments and a slot start is on the hour.
    fn check_slot(&self, site_id: &str, slot_start: DateTime<Utc>) -> StationResult<()> {
        let Some(site) = self.port.site(site_id) else {
            return Err(bad(
                "site_id",
                "unknown_site",
                format!("unknown site `{site_id}`"),
            ));
        };
        if site.slot_capacity.is_none() {
            return Err(bad(
                "site_id",
                "site_takes_no_appointments",
                format!("site `{site_id}` takes no appointments"),
            ));
        }
        if slot_start.minute() != 0 || slot_start.second() != 0 || slot_start.nanosecond() != 0 {
            return Err(bad(
                "slot_start",
                "slot_not_on_the_hour",
                "slots start on the hour",
            ));
        }
        Ok(())
    }

    fn check_cargo(cargo: &Cargo) -> StationResult<Cargo> {
        let description = cargo.description.trim();
        if description.is_empty() || description.chars().count() > MAX_TEXT {
            return Err(bad(
                "cargo.description",
                "invalid",
                format!("1 to {MAX_TEXT} characters"),
            ));
        }
        if !cargo.weight_kg.is_finite() || cargo.weight_kg <= 0.0 || cargo.weight_kg > MAX_WEIGHT_KG
        {
            return Err(bad(
                "cargo.weight_kg",
                "invalid_weight",
                format!(
                    "must be more than 0 and at most {MAX_WEIGHT_KG} kg, got {}",
                    cargo.weight_kg
                ),
            ));
        }
        Ok(Cargo {
            description: description.to_owned(),
            perishable: cargo.perishable,
            weight_kg: cargo.weight_kg,
        })
    }

    async fn channel_for(&self, organisation: &str, cargo: &Cargo) -> StationResult<Channel> {
        Ok(Channel::of(
            cargo.perishable,
            self.trusted(organisation).await?,
        ))
    }

    /// Screens a driver; a hit is journaled for staff in `changes` and flags the record.
    async fn screen_driver(
        &self,
        driver: &DriverDocument,
    ) -> StationResult<crate::clearance::inspect::Screened> {
        let (mrz, doc) = driver.parts();
        screen_document(self, "driver", mrz, doc).await
    }

    /// Books a slot for a vehicle (a carrier, for its organisation).
    pub async fn book_appointment(
        &self,
        who: &Principal,
        req: NewAppointment,
    ) -> StationResult<Booked> {
        let organisation = carrier_organisation(who)?;
        let cfg = self.road.config();
        if let Err(retry) = self.road.admit(&organisation, cfg.bookings_per_minute) {
            return Err(StationError::too_many_requests(
                format!(
                    "organisation `{organisation}` may book {} appointments a minute",
                    cfg.bookings_per_minute
                ),
                retry,
            ));
        }
        let plate = plate_of("plate", &req.plate)?;
        let trailer = req
            .trailer_plate
            .as_deref()
            .map(|t| plate_of("trailer_plate", t))
            .transpose()?;
        self.check_slot(&req.site_id, req.slot_start)?;
        let now = self.now();
        if req.slot_start + Duration::hours(1) <= now {
            return Err(bad(
                "slot_start",
                "slot_in_past",
                format!("the slot {} is over", req.slot_start.to_rfc3339()),
            ));
        }
        let cargo = Self::check_cargo(&req.cargo)?;
        let screened = self.screen_driver(&req.driver).await?;

        let _guard = self.road.writer.lock().await;
        let all = self.appointments_all().await?;
        if let Some(other) = all
            .iter()
            .find(|a| a.plate == plate.as_str() && a.organisation != organisation)
        {
            let _ = other;
            return Err(StationError::forbidden(format!(
                "vehicle {} is another organisation's",
                plate.as_str()
            ))
            .with_code("vehicle_of_other_organisation"));
        }
        if let Some(active) = all
            .iter()
            .find(|a| a.plate == plate.as_str() && a.status == AppointmentStatus::Booked)
        {
            return Err(StationError::conflict(format!(
                "vehicle {} already holds active appointment {}",
                plate.as_str(),
                active.id
            ))
            .with_code("vehicle_has_appointment")
            .with_details(
                json!({"reason": "vehicle_has_appointment", "appointment_id": active.id}),
            ));
        }
        self.check_room(&all, &req.site_id, req.direction, req.slot_start, None)
            .await?;
        let channel = self.channel_for(&organisation, &cargo).await?;
        let appointment = Appointment {
            id: new_id(),
            organisation: organisation.clone(),
            booked_by: who.name.clone(),
            plate: plate.as_str().to_owned(),
            trailer_plate: trailer.map(|t| t.as_str().to_owned()),
            driver: req.driver,
            driver_name: screened.name.clone(),
            site_id: req.site_id,
            direction: req.direction,
            slot_start: req.slot_start,
            slot_end: req.slot_start + Duration::hours(1),
            cargo,
            channel,
            status: AppointmentStatus::Booked,
            driver_flagged: !screened.hits.is_empty(),
            vehicle_id: None,
            booked: now,
        };
        let mut changes = vec![appointment_change(
            Event::RoadAppointmentBooked(appointment.clone()),
            &appointment,
            &who.actor(),
            now,
        )];
        if !screened.hits.is_empty() {
            changes.push(Change::event(
                Event::RoadDriverHit(DriverHit {
                    appointment_id: appointment.id.clone(),
                    vehicle_id: None,
                    plate: appointment.plate.clone(),
                    organisation: organisation.clone(),
                    stage: "booking".into(),
                    driver_name: screened.name,
                    hits: screened.hits,
                })
                .to_new(&who.actor(), now),
            ));
        }
        self.append(changes).await?;
        Ok(Booked {
            id: appointment.id,
            slot_start: appointment.slot_start,
            slot_end: appointment.slot_end,
            channel,
        })
    }

    async fn check_room(
        &self,
        all: &[Appointment],
        site: &str,
        direction: Direction,
        start: DateTime<Utc>,
        except: Option<&str>,
    ) -> StationResult<()> {
        let capacity = self.capacity(site, direction, start).await?;
        let booked = booked_in(all, site, direction, start, except);
        if booked >= capacity {
            return Err(StationError::conflict(format!(
                "the slot {} at {site} ({}) is full: {booked} of {capacity}",
                start.to_rfc3339(),
                direction.as_str()
            ))
            .with_code("slot_full")
            .with_details(json!({"reason": "slot_full", "capacity": capacity, "booked": booked})));
        }
        Ok(())
    }

    /// One appointment, if the principal may see it (a carrier: its organisation's only).
    async fn appointment_for(&self, who: &Principal, id: &str) -> StationResult<Appointment> {
        let not_found = || StationError::not_found(format!("no appointment `{id}`"));
        let doc = self
            .store
            .doc(APPOINTMENTS, id)
            .await?
            .ok_or_else(not_found)?;
        let a: Appointment = decode(doc)?;
        if who.role == Role::Carrier && Some(&a.organisation) != who.organisation.as_ref() {
            return Err(not_found());
        }
        Ok(a)
    }

    /// Appointments: a carrier's own organisation's, everyone's for staff; newest slot last.
    pub async fn appointments(&self, who: &Principal) -> StationResult<Vec<AppointmentView>> {
        let mut all = self.appointments_all().await?;
        if who.role == Role::Carrier {
            let own = who.organisation.clone().unwrap_or_default();
            all.retain(|a| a.organisation == own);
        }
        all.sort_by(|a, b| (a.slot_start, &a.id).cmp(&(b.slot_start, &b.id)));
        Ok(all.into_iter().map(|a| a.view(who.role)).collect())
    }

    pub async fn appointment(&self, who: &Principal, id: &str) -> StationResult<AppointmentView> {
        Ok(self.appointment_for(who, id).await?.view(who.role))
    }

    /// Changes a booked appointment (slot, trailer, driver, cargo).
    pub async fn change_appointment(
        &self,
        who: &Principal,
        id: &str,
        change: AppointmentChange,
    ) -> StationResult<AppointmentView> {
        let _ = carrier_organisation(who)?;
        let trailer = match &change.trailer_plate {
            Some(Some(t)) => Some(Some(plate_of("trailer_plate", t)?.as_str().to_owned())),
            Some(None) => Some(None),
            None => None,
        };
        let cargo = change.cargo.as_ref().map(Self::check_cargo).transpose()?;
        let screened = match &change.driver {
            Some(d) => Some(self.screen_driver(d).await?),
            None => None,
        };
        let now = self.now();
        let _guard = self.road.writer.lock().await;
        let mut a = self.appointment_for(who, id).await?;
        if a.status != AppointmentStatus::Booked {
            return Err(StationError::conflict(format!(
                "appointment {id} is {}, not booked",
                serde_json::to_value(a.status).unwrap_or_default()
            ))
            .with_code("appointment_not_active"));
        }
        if let Some(start) = change.slot_start {
            self.check_slot(&a.site_id, start)?;
            if start + Duration::hours(1) <= now {
                return Err(bad("slot_start", "slot_in_past", "the slot is over"));
            }
            if start != a.slot_start {
                let all = self.appointments_all().await?;
                self.check_room(&all, &a.site_id, a.direction, start, Some(id))
                    .await?;
            }
            a.slot_start = start;
            a.slot_end = start + Duration::hours(1);
        }
        if let Some(t) = trailer {
            a.trailer_plate = t;
        }
        if let Some(c) = cargo {
            a.cargo = c;
        }
        let mut changes = Vec::new();
        if let (Some(d), Some(s)) = (change.driver, screened) {
            a.driver = d;
            a.driver_name = s.name.clone();
            a.driver_flagged = !s.hits.is_empty();
            if !s.hits.is_empty() {
                changes.push(Change::event(
                    Event::RoadDriverHit(DriverHit {
                        appointment_id: a.id.clone(),
                        vehicle_id: None,
                        plate: a.plate.clone(),
                        organisation: a.organisation.clone(),
                        stage: "booking".into(),
                        driver_name: s.name,
                        hits: s.hits,
                    })
                    .to_new(&who.actor(), now),
                ));
            }
        }
        a.channel = self.channel_for(&a.organisation, &a.cargo).await?;
        changes.insert(
            0,
            appointment_change(
                Event::RoadAppointmentChanged(a.clone()),
                &a,
                &who.actor(),
                now,
            ),
        );
        self.append(changes).await?;
        Ok(a.view(who.role))
    }

    /// Cancels a booked appointment.
    pub async fn cancel_appointment(&self, who: &Principal, id: &str) -> StationResult<()> {
        let _guard = self.road.writer.lock().await;
        let mut a = self.appointment_for(who, id).await?;
        if a.status != AppointmentStatus::Booked {
            return Err(
                StationError::conflict(format!("appointment {id} is not active"))
                    .with_code("appointment_not_active"),
            );
        }
        a.status = AppointmentStatus::Cancelled;
        let now = self.now();
        self.append(vec![appointment_change(
            Event::RoadAppointmentCancelled(a.clone()),
            &a,
            &who.actor(),
            now,
        )])
        .await?;
        Ok(())
    }

    /// The slots of one station-local day at a site and direction, with what is booked.
    pub async fn slots(
        &self,
        site_id: &str,
        direction: Direction,
        date: NaiveDate,
    ) -> StationResult<Vec<Slot>> {
        let midnight = date
            .and_hms_opt(0, 0, 0)
            .and_then(|d| d.and_local_timezone(self.utc_offset()).single())
            .map(|d| d.with_timezone(&Utc))
            .ok_or_else(|| bad("date", "invalid", "not a day"))?;
        self.check_slot(site_id, midnight)?;
        let all = self.appointments_all().await?;
        let mut out = Vec::with_capacity(24);
        for h in 0..24 {
            let start = midnight + Duration::hours(h);
            out.push(Slot {
                start,
                end: start + Duration::hours(1),
                direction,
                capacity: self.capacity(site_id, direction, start).await?,
                booked: booked_in(&all, site_id, direction, start, None),
            });
        }
        Ok(out)
    }

    /// Sets one slot's capacity (the duty chief).
    pub async fn set_slot_capacity(
        &self,
        who: &Principal,
        site_id: &str,
        direction: Direction,
        slot_start: DateTime<Utc>,
        capacity: u32,
    ) -> StationResult<Slot> {
        self.check_slot(site_id, slot_start)?;
        if capacity > MAX_CAPACITY {
            return Err(bad(
                "capacity",
                "invalid",
                format!("at most {MAX_CAPACITY}"),
            ));
        }
        let _guard = self.road.writer.lock().await;
        let fact = SlotCapacitySet {
            site_id: site_id.to_owned(),
            direction,
            slot_start,
            capacity,
        };
        let change = Change::event(
            Event::RoadSlotCapacitySet(fact.clone()).to_new(&who.actor(), self.now()),
        )
        .with(Projection::PutDoc {
            collection: SLOT_CAPACITY.into(),
            id: slot_key(site_id, direction, slot_start),
            body: serde_json::to_value(&fact).unwrap_or_default(),
        });
        self.append(vec![change]).await?;
        let all = self.appointments_all().await?;
        Ok(Slot {
            start: slot_start,
            end: slot_start + Duration::hours(1),
            direction,
            capacity,
            booked: booked_in(&all, site_id, direction, slot_start, None),
        })
    }

    /// Registers a trusted trader (the administrator).
    pub async fn add_trusted_trader(
        &self,
        who: &Principal,
        organisation: &str,
    ) -> StationResult<TrustedTraderAdded> {
        let organisation = organisation.trim();
        if organisation.is_empty() || organisation.chars().count() > MAX_TEXT {
            return Err(bad(
                "organisation",
                "invalid",
                format!("1 to {MAX_TEXT} characters"),
            ));
        }
        let _guard = self.road.writer.lock().await;
        if self.trusted(organisation).await? {
            return Err(StationError::conflict(format!(
                "`{organisation}` is already a trusted trader"
            )));
        }
        let now = self.now();
        let fact = TrustedTraderAdded {
            organisation: organisation.to_owned(),
            since: now,
        };
        let change =
            Change::event(Event::RoadTrustedTraderAdded(fact.clone()).to_new(&who.actor(), now))
                .with(Projection::PutDoc {
                    collection: TRUSTED_TRADERS.into(),
                    id: organisation.to_owned(),
                    body: serde_json::to_value(&fact).unwrap_or_default(),
                });
        self.append(vec![change]).await?;
        Ok(fact)
    }

    pub async fn trusted_traders(&self) -> StationResult<Vec<TrustedTraderAdded>> {
        self.store
            .docs(TRUSTED_TRADERS)
            .await?
            .into_iter()
            .map(decode)
            .collect()
    }

    /// A plate read at a gate: one arrival per vehicle, matched to its appointment.
    pub async fn plate_read(&self, who: &Principal, read: PlateRead) -> StationResult<ReadResult> {
        let not_provisioned = || {
            StationError::forbidden(format!(
                "camera `{}` is not a provisioned ANPR camera of this port",
                read.camera_id.chars().take(80).collect::<String>()
            ))
            .with_code("camera_not_provisioned")
        };
        let camera = self
            .port
            .anpr_camera(&read.camera_id)
            .ok_or_else(not_provisioned)?;
        if !who.speaks_for(ScopeKind::Camera, &read.camera_id) {
            return Err(StationError::forbidden(format!(
                "this credential does not speak for camera `{}`",
                read.camera_id
            ))
            .with_code("out_of_scope"));
        }
        if let Some(c) = read.confidence
            && !(c.is_finite() && (0.0..=1.0).contains(&c))
        {
            return Err(bad("confidence", "invalid", "a number from 0 to 1"));
        }
        let now = self.now();
        let time = read.time.unwrap_or(now);
        if time > now + Duration::minutes(5) || time < now - Duration::hours(24) {
            return Err(bad(
                "time",
                "invalid_time",
                "a read is from the last 24 hours, not the future",
            ));
        }
        let plate = plate_of("plate", &read.plate)?;
        let site = camera.site.to_owned();
        let direction = match camera.direction {
            guomen_port::Direction::Exit => Direction::Exit,
            _ => Direction::Entry,
        };
        let cfg = self.road.config();

        let _guard = self.road.writer.lock().await;
        let vehicles = self.vehicles_all().await?;
        if let Some(v) = vehicles.iter().find(|v| {
            v.plate == plate.as_str()
                && v.site_id == site
                && match v.released {
                    None => true,
                    Some(r) => time - r < cfg.repeat_window,
                }
        }) {
            return Ok(ReadResult {
                outcome: ReadOutcome::Repeat,
                vehicle_id: v.id.clone(),
                plate: v.plate.clone(),
                appointment_id: v.appointment_id.clone(),
                channel: v.channel,
            });
        }
        let appointments = self.appointments_all().await?;
        let candidate = appointments.into_iter().find(|a| {
            a.plate == plate.as_str()
                && a.site_id == site
                && a.status == AppointmentStatus::Booked
                && (camera.direction == guomen_port::Direction::Both || a.direction == direction)
        });
        let vehicle_id = new_id();
        let mut changes = Vec::new();
        let actor = who.actor();
        let (outcome, appointment) = match candidate {
            Some(mut a) => match match_arrival(a.slot_start, time) {
                ArrivalMatch::InWindow => {
                    a.status = AppointmentStatus::Arrived;
                    a.vehicle_id = Some(vehicle_id.clone());
                    (ReadOutcome::Arrived, Some(a))
                }
                ArrivalMatch::Late => {
                    a.status = AppointmentStatus::Lost;
                    a.vehicle_id = Some(vehicle_id.clone());
                    changes.push(appointment_change(
                        Event::RoadAppointmentChanged(a.clone()),
                        &a,
                        &actor,
                        now,
                    ));
                    (ReadOutcome::Late, None)
                }
                ArrivalMatch::Early => (ReadOutcome::Unannounced, None),
            },
            None => (ReadOutcome::Unannounced, None),
        };
        let (channel, organisation) = match &appointment {
            Some(a) => (
                Channel::of(a.cargo.perishable, self.trusted(&a.organisation).await?),
                Some(a.organisation.clone()),
            ),
            None => (Channel::Standard, None),
        };
        let mut flagged = false;
        if let Some(a) = &appointment {
            // Screened again at the gate: the lists may have changed since the booking.
            let s = self.screen_driver(&a.driver).await?;
            if !s.hits.is_empty() {
                flagged = true;
                changes.push(Change::event(
                    Event::RoadDriverHit(DriverHit {
                        appointment_id: a.id.clone(),
                        vehicle_id: Some(vehicle_id.clone()),
                        plate: a.plate.clone(),
                        organisation: a.organisation.clone(),
                        stage: "gate".into(),
                        driver_name: s.name,
                        hits: s.hits,
                    })
                    .to_new(&actor, now),
                ));
            }
        }
        let (check_selected, check_rate) = match channel {
            Channel::Green => (flagged, None),
            Channel::Trusted => (
                flagged || selected_for_check(&vehicle_id, cfg.trusted_check_rate),
                Some(cfg.trusted_check_rate),
            ),
            Channel::Standard => (true, None),
        };
        let lane_id = self
            .channel_lane(&site, channel)
            .unwrap_or_else(|| camera.lane.id.clone());
        let vehicle = Vehicle {
            id: vehicle_id.clone(),
            plate: plate.as_str().to_owned(),
            site_id: site,
            direction,
            camera_id: read.camera_id.clone(),
            lane_id,
            appointment_id: appointment.as_ref().map(|a| a.id.clone()),
            organisation,
            channel,
            status: VehicleStatus::Waiting,
            arrived: time,
            unannounced: appointment.is_none(),
            late: outcome == ReadOutcome::Late,
            check_selected,
            check_rate,
            checks: Vec::new(),
            inspection_started: None,
            released: None,
            released_by: None,
            overdue_warned: false,
            confidence: read.confidence,
        };
        if let Some(mut a) = appointment.clone() {
            a.driver_flagged |= flagged;
            changes.push(appointment_change(
                Event::RoadAppointmentChanged(a.clone()),
                &a,
                &actor,
                now,
            ));
        }
        changes.insert(
            0,
            vehicle_change(
                Event::RoadVehicleArrived(vehicle.clone()),
                &vehicle,
                &actor,
                now,
            ),
        );
        self.append(changes).await?;
        // An announced tour group's bus: its lane is recommended from now.
        self.group_bus_seen(
            who,
            &vehicle.plate,
            &vehicle.site_id,
            direction.as_str(),
            &read.camera_id,
            time,
        )
        .await?;
        Ok(ReadResult {
            outcome,
            vehicle_id,
            plate: vehicle.plate,
            appointment_id: vehicle.appointment_id,
            channel,
        })
    }

    /// The lane of the site that serves a channel (the green or trusted special channel).
    fn channel_lane(&self, site: &str, channel: Channel) -> Option<String> {
        let want = match channel {
            Channel::Green => LaneChannel::GreenChannelPerishables,
            Channel::Trusted => LaneChannel::TrustedTrader,
            Channel::Standard => return None,
        };
        self.port
            .lanes
            .iter()
            .find(|l| l.site == site && l.channel == Some(want))
            .map(|l| l.id.clone())
    }

    /// Vehicles by status; waiting ones in queue order (the green channel ahead).
    pub async fn vehicles(&self, status: Option<VehicleStatus>) -> StationResult<Vec<Vehicle>> {
        let mut all = self.vehicles_all().await?;
        if let Some(s) = status {
            all.retain(|v| v.status == s);
        }
        all.sort_by(|a, b| {
            let lane = |v: &Vehicle| !(v.channel == Channel::Green && v.released.is_none());
            (lane(a), a.arrived, &a.id).cmp(&(lane(b), b.arrived, &b.id))
        });
        Ok(all)
    }

    async fn vehicle_for_update(&self, id: &str) -> StationResult<Vehicle> {
        let doc = self
            .store
            .doc(VEHICLES, id)
            .await?
            .ok_or_else(|| StationError::not_found(format!("no vehicle `{id}`")))?;
        decode(doc)
    }

    /// Starts the inspection of a waiting vehicle.
    pub async fn start_vehicle_inspection(
        &self,
        who: &Principal,
        id: &str,
    ) -> StationResult<Vehicle> {
        let _guard = self.road.writer.lock().await;
        let mut v = self.vehicle_for_update(id).await?;
        if v.status != VehicleStatus::Waiting {
            return Err(
                StationError::conflict(format!("vehicle {id} is not waiting"))
                    .with_code("vehicle_not_waiting"),
            );
        }
        let now = self.now();
        v.status = VehicleStatus::InInspection;
        v.inspection_started = Some(now);
        self.append(vec![vehicle_change(
            Event::RoadVehicleInspection(v.clone()),
            &v,
            &who.actor(),
            now,
        )])
        .await?;
        Ok(v)
    }

    /// Records one check and its result on a vehicle in inspection.
    pub async fn check_vehicle(
        &self,
        who: &Principal,
        id: &str,
        check: &str,
        passed: bool,
        note: Option<String>,
    ) -> StationResult<Vehicle> {
        let check = check.trim();
        if check.is_empty() || check.chars().count() > 60 {
            return Err(bad("check", "invalid", "1 to 60 characters"));
        }
        if note.as_ref().is_some_and(|n| n.chars().count() > MAX_TEXT) {
            return Err(bad(
                "note",
                "invalid",
                format!("at most {MAX_TEXT} characters"),
            ));
        }
        let _guard = self.road.writer.lock().await;
        let mut v = self.vehicle_for_update(id).await?;
        if v.status != VehicleStatus::InInspection {
            return Err(
                StationError::conflict(format!("vehicle {id} is not in inspection"))
                    .with_code("vehicle_not_in_inspection"),
            );
        }
        let now = self.now();
        v.checks.push(VehicleCheck {
            check: check.to_owned(),
            passed,
            note,
            time: now,
        });
        self.append(vec![vehicle_change(
            Event::RoadVehicleChecked(v.clone()),
            &v,
            &who.actor(),
            now,
        )])
        .await?;
        Ok(v)
    }

    /// Releases a vehicle: from inspection with its checks passed, or from waiting when it
    /// was not selected for a check.
    pub async fn release_vehicle(&self, who: &Principal, id: &str) -> StationResult<Vehicle> {
        let _guard = self.road.writer.lock().await;
        let mut v = self.vehicle_for_update(id).await?;
        match v.status {
            VehicleStatus::Released => {
                return Err(StationError::conflict(format!("vehicle {id} is released"))
                    .with_code("vehicle_released"));
            }
            VehicleStatus::Waiting if v.check_selected => {
                return Err(StationError::conflict(format!(
                    "vehicle {id} is selected for a check: start its inspection first"
                ))
                .with_code("check_required"));
            }
            _ => {}
        }
        if v.checks.iter().any(|c| !c.passed) {
            return Err(
                StationError::conflict(format!("vehicle {id} failed a check and is held"))
                    .with_code("check_failed"),
            );
        }
        if v.status == VehicleStatus::InInspection && v.check_selected && v.checks.is_empty() {
            return Err(StationError::conflict(format!(
                "vehicle {id} is selected for a check: record its result first"
            ))
            .with_code("check_required"));
        }
        let now = self.now();
        v.status = VehicleStatus::Released;
        v.released = Some(now);
        v.released_by = Some(who.name.clone());
        self.append(vec![vehicle_change(
            Event::RoadVehicleReleased(v.clone()),
            &v,
            &who.actor(),
            now,
        )])
        .await?;
        Ok(v)
    }

    /// Warns the duty chief once about each green-channel vehicle past its release target.
    /// Returns how many warnings it raised.
    pub async fn road_tick(&self) -> StationResult<usize> {
        let target = self.road.config().green_target;
        let now = self.now();
        let _guard = self.road.writer.lock().await;
        let mut changes = Vec::new();
        for mut v in self.vehicles_all().await? {
            if v.channel == Channel::Green
                && v.released.is_none()
                && !v.overdue_warned
                && now - v.arrived > target
            {
                v.overdue_warned = true;
                let fact = GreenOverdue {
                    vehicle_id: v.id.clone(),
                    plate: v.plate.clone(),
                    site_id: v.site_id.clone(),
                    arrived: v.arrived,
                    target_s: target.num_seconds(),
                    waited_s: v.wait_s(now),
                };
                changes.push(
                    Change::event(Event::RoadGreenOverdue(fact).to_new(crate::SYSTEM, now)).with(
                        Projection::PutDoc {
                            collection: VEHICLES.into(),
                            id: v.id.clone(),
                            body: serde_json::to_value(&v).unwrap_or_default(),
                        },
                    ),
                );
            }
        }
        let n = changes.len();
        if n > 0 {
            self.append(changes).await?;
        }
        Ok(n)
    }

    /// Arrival → release by channel for one station-local day.
    pub async fn road_kpis(&self, date: NaiveDate) -> StationResult<RoadKpis> {
        let target = self.road.config().green_target.num_seconds();
        let all = self.vehicles_all().await?;
        let mut channels = Vec::new();
        for channel in [Channel::Green, Channel::Trusted, Channel::Standard] {
            let of_day: Vec<&Vehicle> = all
                .iter()
                .filter(|v| v.channel == channel && self.local_day(v.arrived) == date)
                .collect();
            let mut waits: Vec<i64> = of_day
                .iter()
                .filter_map(|v| v.released.map(|r| (r - v.arrived).num_seconds().max(0)))
                .collect();
            waits.sort_unstable();
            let count = |s: VehicleStatus| {
                u32::try_from(of_day.iter().filter(|v| v.status == s).count()).unwrap_or(u32::MAX)
            };
            channels.push(ChannelKpi {
                channel,
                arrived: u32::try_from(of_day.len()).unwrap_or(u32::MAX),
                released: u32::try_from(waits.len()).unwrap_or(u32::MAX),
                waiting: count(VehicleStatus::Waiting),
                in_inspection: count(VehicleStatus::InInspection),
                p50_s: percentile(&waits, 50),
                p90_s: percentile(&waits, 90),
                within_target: (channel == Channel::Green).then(|| {
                    u32::try_from(waits.iter().filter(|w| **w <= target).count())
                        .unwrap_or(u32::MAX)
                }),
            });
        }
        Ok(RoadKpis { date, channels })
    }
}

/// Starts the green-channel watch: every few seconds (wall time), on the station clock.
pub fn start(station: &Station) {
    let st = station.clone();
    tokio::spawn(async move {
        let mut every = tokio::time::interval(std::time::Duration::from_secs(2));
        every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            every.tick().await;
            if let Err(e) = st.road_tick().await {
                tracing::warn!(error = %e, "green-channel watch");
            }
        }
    });
}

fn carrier_organisation(who: &Principal) -> StationResult<String> {
    match (&who.role, &who.organisation) {
        (Role::Carrier, Some(o)) if !o.is_empty() => Ok(o.clone()),
        (Role::Carrier, _) => Err(StationError::forbidden(
            "this carrier account has no organisation",
        )),
        _ => Err(StationError::forbidden(
            "appointments are booked and changed by carriers",
        )),
    }
}

fn booked_in(
    all: &[Appointment],
    site: &str,
    direction: Direction,
    start: DateTime<Utc>,
    except: Option<&str>,
) -> u32 {
    let n = all
        .iter()
        .filter(|a| {
            a.site_id == site
                && a.direction == direction
                && a.slot_start == start
                && matches!(
                    a.status,
                    AppointmentStatus::Booked | AppointmentStatus::Arrived
                )
                && Some(a.id.as_str()) != except
        })
        .count();
    u32::try_from(n).unwrap_or(u32::MAX)
}

fn appointment_change(event: Event, a: &Appointment, actor: &str, now: DateTime<Utc>) -> Change {
    Change::event(event.to_new(actor, now)).with(Projection::PutDoc {
        collection: APPOINTMENTS.into(),
        id: a.id.clone(),
        body: serde_json::to_value(a).unwrap_or_default(),
    })
}

fn vehicle_change(event: Event, v: &Vehicle, actor: &str, now: DateTime<Utc>) -> Change {
    Change::event(event.to_new(actor, now)).with(Projection::PutDoc {
        collection: VEHICLES.into(),
        id: v.id.clone(),
        body: serde_json::to_value(v).unwrap_or_default(),
    })
}
