//! Trains: runs on the timetable, PAXLST manifests screened before arrival, arrival, the partner
//! agencies' parts and one release.
//!
//! A train run is a document of collection [`TRAINS_COLLECTION`] (no personal data: counts,
//! hits by person id only in the staff view); its latest manifest, with names and documents, is
//! a document of [`MANIFESTS_COLLECTION`]. Every change is one journaled `train.*` event with
//! those documents in the same append.
//!
//! Pre-arrival screening goes through [`prescreen`], the one place that screens a batch, on
//! the screening crate's batch API.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use guomen_clearance::{DEFAULT_THRESHOLD, Direction};
use guomen_domain::Role;
use guomen_domain::watchlist::{ListKind, PartialDate, Sex};
use guomen_paxlst::{Message, Person};
use guomen_screen::{Hit, Index, Query};
use guomen_store::{Change, Projection};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::auth::new_id;
use crate::clearance::INSPECTIONS_COLLECTION;
use crate::clearance::inspect::{ManualDocument, NewInspection};
use crate::event::{
    AgencyDone, Event, ManifestReceived, PersonVerified, PriorityMarked, TrainArrived,
    TrainOverrunPredicted, TrainReleased, TrainScheduled,
};
use crate::{Principal, Station, StationError, StationResult};

pub const TRAINS_COLLECTION: &str = "trains";
pub const MANIFESTS_COLLECTION: &str = "train_manifests";

/// Persons one manifest may list (a long passenger train carries about 1,000).
pub const MAX_PERSONS: usize = 5_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TrainKind {
    Passenger,
    Freight,
}

/// `POST /api/v1/trains`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewTrain {
    pub number: String,
    pub kind: TrainKind,
    pub direction: Direction,
    pub site_id: String,
    pub scheduled_arrival: DateTime<Utc>,
    #[serde(default)]
    pub origin: Option<String>,
    #[serde(default)]
    pub destination: Option<String>,
    /// The carrier organisation that sends the manifests; the first carrier to send one
    /// otherwise.
    #[serde(default)]
    pub carrier: Option<String>,
}

/// One pre-arrival hit, naming the person and where they sit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PrescreenHit {
    pub person_id: String,
    pub surname: String,
    pub given_names: String,
    pub carriage: Option<String>,
    pub seat: Option<String>,
    pub list: ListKind,
    pub entry_id: String,
    pub score: f64,
    pub action: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AgencyPart {
    pub done: bool,
    pub by: Option<String>,
    pub at: Option<DateTime<Utc>>,
}

/// A train run as stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrainRecord {
    pub id: String,
    pub number: String,
    pub kind: TrainKind,
    pub direction: Direction,
    pub site_id: String,
    pub scheduled_arrival: DateTime<Utc>,
    pub origin: Option<String>,
    pub destination: Option<String>,
    pub carrier: Option<String>,
    pub status: String,
    pub manifest_version: u32,
    pub manifest_persons: usize,
    pub prescreen_hits: Vec<PrescreenHit>,
    pub arrived_at: Option<DateTime<Utc>>,
    pub released_at: Option<DateTime<Utc>>,
    pub agencies: BTreeMap<String, AgencyPart>,
    pub verified: BTreeSet<String>,
    pub exceptions: usize,
    pub no_shows: Vec<String>,
    pub target_s: i64,
    /// Person id → the inspection of their verification on board.
    #[serde(default)]
    pub inspections: BTreeMap<String, String>,
    /// Persons to verify first (ill on board), with when their clearance came.
    #[serde(default)]
    pub priority: Vec<PriorityPerson>,
    /// Carriage → manifest persons listed in it and verified so far.
    #[serde(default)]
    pub carriages: BTreeMap<String, CarriageCount>,
    /// Whether the duty chief was told the finish is predicted past the target.
    #[serde(default)]
    pub overrun_warned: bool,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CarriageCount {
    pub listed: usize,
    pub verified: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PriorityPerson {
    pub person_id: String,
    pub reason: String,
    pub marked_at: DateTime<Utc>,
    pub marked_by: String,
    /// Seconds from the train's arrival to the person's clearance, once cleared.
    pub cleared_after_s: Option<i64>,
    /// The medical incident that told the ambulance and the agencies.
    #[serde(default)]
    pub incident_id: Option<String>,
}

/// `POST /api/v1/trains/{id}/verifications`: a scanned MRZ, or a manifest person picked when
/// the reader fails.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewVerification {
    #[serde(default)]
    pub mrz: Option<Vec<String>>,
    #[serde(default)]
    pub person_id: Option<String>,
    #[serde(default)]
    pub carriage: Option<String>,
}

/// How the person on board compares with the manifest.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ManifestMatch {
    Manifest,
    NotOnManifest,
    DocumentDiffers,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct VerificationAnswer {
    #[serde(rename = "match")]
    pub matched: ManifestMatch,
    /// The manifest person (with `person_id`), when one was found.
    pub person: Option<ManifestPerson>,
    pub inspection_id: String,
    pub suggested: String,
    /// Null while the inspector's confirmation is pending.
    pub decision: Option<String>,
}

/// A manifest person with the station's id for it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ManifestPerson {
    pub person_id: String,
    #[serde(flatten)]
    pub person: Person,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ManifestRecord {
    pub train_id: String,
    pub version: u32,
    pub persons: Vec<ManifestPerson>,
}

/// What a manifest upload answers: `hits` is `None` for carriers.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ManifestAnswer {
    pub train_id: String,
    pub version: u32,
    pub persons: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hits: Option<Vec<PrescreenHit>>,
    pub errors: Vec<guomen_paxlst::SegmentError>,
    /// The CONTRL-style action on the interchange.
    pub action: guomen_paxlst::Action,
    /// Against the previous version: person ids added and removed.
    pub added: Vec<String>,
    pub removed: Vec<String>,
}

/// The manifest as sent.
#[derive(Debug, Clone)]
pub enum ManifestInput {
    Edifact(String),
    Json(serde_json::Value),
}

/// A train as a role sees it (the `GET /api/v1/trains/{id}` body).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TrainView {
    pub id: String,
    pub number: String,
    pub kind: TrainKind,
    pub direction: Direction,
    pub site_id: String,
    pub scheduled_arrival: DateTime<Utc>,
    pub origin: Option<String>,
    pub destination: Option<String>,
    pub carrier: Option<String>,
    pub status: String,
    pub manifest: ManifestCounts,
    /// Absent for carriers: they never see screening results.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub prescreen: Option<PrescreenView>,
    pub verification: VerificationCounts,
    pub agencies: BTreeMap<String, AgencyPart>,
    pub timer: Timer,
    pub no_shows: Vec<String>,
    /// Persons verified first (ill on board) and seconds from arrival to their clearance;
    /// not shown to carriers.
    pub priority: Vec<PriorityPerson>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ManifestCounts {
    pub persons: usize,
    pub version: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PrescreenView {
    /// The hits with names for staff who see personal data; empty for the others, who get
    /// `hit_count`.
    pub hits: Vec<PrescreenHit>,
    pub hit_count: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct VerificationCounts {
    pub verified: usize,
    pub exceptions: usize,
    pub remaining: usize,
    /// Carriages the manifest names, and those whose every listed person is verified.
    pub carriages: usize,
    pub carriages_done: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Timer {
    pub started: Option<DateTime<Utc>>,
    pub elapsed_s: Option<i64>,
    pub predicted_finish: Option<DateTime<Utc>>,
    pub target_s: i64,
}

impl TrainRecord {
    /// The warning due at `now`: the finish predicted from the verification rate passes the
    /// target and the duty chief has not been told yet.
    fn overrun_predicted(&self, now: DateTime<Utc>) -> Option<TrainOverrunPredicted> {
        let arrived = self.arrived_at?;
        let verified = self.verified.len();
        let remaining = self.manifest_persons.saturating_sub(verified);
        if self.overrun_warned || self.released_at.is_some() || verified == 0 || remaining == 0 {
            return None;
        }
        let elapsed_ms = (now - arrived).num_milliseconds().max(0) as f64;
        let predicted_s =
            (elapsed_ms / 1000.0 * (verified + remaining) as f64 / verified as f64).round() as i64;
        (predicted_s > self.target_s).then(|| TrainOverrunPredicted {
            train_id: self.id.clone(),
            number: self.number.clone(),
            predicted_s,
            target_s: self.target_s,
            verified,
            remaining,
        })
    }

    fn view(&self, role: Role, now: DateTime<Utc>) -> TrainView {
        let prescreen = (role != Role::Carrier).then(|| PrescreenView {
            hits: if role.sees_personal_data() {
                self.prescreen_hits.clone()
            } else {
                Vec::new()
            },
            hit_count: self.prescreen_hits.len(),
        });
        let end = self.released_at.unwrap_or(now);
        let elapsed = self.arrived_at.map(|a| (end - a).num_seconds().max(0));
        let verified = self.verified.len();
        let remaining = self.manifest_persons.saturating_sub(verified);
        let predicted_finish = match (self.arrived_at, self.released_at) {
            (_, Some(r)) => Some(r),
            (Some(a), None) if verified > 0 => {
                let per = (now - a).num_milliseconds().max(0) as f64 / verified as f64;
                Some(now + chrono::Duration::milliseconds((per * remaining as f64) as i64))
            }
            _ => None,
        };
        TrainView {
            id: self.id.clone(),
            number: self.number.clone(),
            kind: self.kind,
            direction: self.direction,
            site_id: self.site_id.clone(),
            scheduled_arrival: self.scheduled_arrival,
            origin: self.origin.clone(),
            destination: self.destination.clone(),
            carrier: self.carrier.clone(),
            status: self.status.clone(),
            manifest: ManifestCounts {
                persons: self.manifest_persons,
                version: self.manifest_version,
            },
            prescreen,
            verification: VerificationCounts {
                verified,
                exceptions: self.exceptions,
                remaining,
                carriages: self.carriages.len(),
                carriages_done: self
                    .carriages
                    .values()
                    .filter(|c| c.verified >= c.listed)
                    .count(),
            },
            agencies: self.agencies.clone(),
            timer: Timer {
                started: self.arrived_at,
                elapsed_s: elapsed,
                predicted_finish,
                target_s: self.target_s,
            },
            priority: if role == Role::Carrier {
                Vec::new()
            } else {
                self.priority.clone()
            },
            no_shows: if role.sees_personal_data() || role == Role::Partner {
                self.no_shows.clone()
            } else {
                Vec::new()
            },
        }
    }
}

fn partial(d: NaiveDate) -> Option<PartialDate> {
    Some(PartialDate::full(
        u16::try_from(d.year()).ok()?,
        u8::try_from(d.month()).ok()?,
        u8::try_from(d.day()).ok()?,
    ))
}

/// The screening query for a manifest person.
pub fn query_of(p: &Person) -> Query {
    let doc = p.documents.first();
    Query {
        name: format!("{} {}", p.given_names, p.surname).trim().to_owned(),
        birth_date: p.birth_date.and_then(partial),
        sex: match p.sex.as_deref() {
            Some("M") => Some(Sex::Male),
            Some("F") => Some(Sex::Female),
            _ => None,
        },
        nationality: p.nationality.clone(),
        document_number: doc.map(|d| d.number.clone()),
        document_country: doc.and_then(|d| d.issuing_state.clone()),
        face_template: None,
    }
}

/// Screens every person of a manifest against every list in one batch
/// ([`Index::screen_batch`]: duplicates screened once, one worker per core).
pub fn prescreen(index: &Index, persons: &[Person], threshold: f64) -> Vec<Vec<Hit>> {
    let queries: Vec<Query> = persons.iter().map(query_of).collect();
    index.screen_batch(&queries, threshold, 0)
}

/// A person's identity across manifest versions: names, birth date and first document.
fn person_key(p: &Person) -> String {
    format!(
        "{}|{}|{}|{}",
        p.surname,
        p.given_names,
        p.birth_date.map(|d| d.to_string()).unwrap_or_default(),
        p.documents.first().map(|d| d.number.as_str()).unwrap_or("")
    )
}

fn not_found(id: &str) -> StationError {
    StationError::not_found(format!("no train {id:?}")).with_code("train_not_found")
}

impl Station {
    async fn train_record(&self, id: &str) -> StationResult<TrainRecord> {
        let doc = self
            .store
            .doc(TRAINS_COLLECTION, id)
            .await?
            .ok_or_else(|| not_found(id))?;
        serde_json::from_value(doc.body)
            .map_err(|e| StationError::internal(format!("train {id} does not read: {e}")))
    }

    fn may_see(&self, who: &Principal, t: &TrainRecord) -> bool {
        match who.role {
            Role::Carrier => t.carrier.is_some() && t.carrier == who.organisation,
            Role::Partner => who
                .agency
                .as_ref()
                .is_some_and(|a| t.agencies.contains_key(a)),
            _ => true,
        }
    }

    fn train_change(&self, who: &Principal, event: Event, t: &TrainRecord) -> Change {
        Change::event(event.to_new(&who.actor(), self.now())).with(Projection::PutDoc {
            collection: TRAINS_COLLECTION.to_owned(),
            id: t.id.clone(),
            body: serde_json::to_value(t).unwrap_or_default(),
        })
    }

    /// The agencies whose part must be done before a train at `site_id` is released: the port
    /// config's `agencies` of the site.
    fn required_agencies(&self, site_id: &str) -> Vec<String> {
        self.port
            .site(site_id)
            .map(|s| s.agencies.clone())
            .unwrap_or_default()
    }

    /// The target from arrival to release for a train of `kind` (port config `[trains]`).
    fn target_s(&self, kind: TrainKind) -> i64 {
        i64::from(self.port.trains.target_s(match kind {
            TrainKind::Passenger => guomen_port::TrainKind::Passenger,
            TrainKind::Freight => guomen_port::TrainKind::Freight,
        }))
    }

    /// Schedules the runs of the port's weekly timetable (`[[train_service]]`) that arrive
    /// on `date` (station-local) and are not scheduled yet (a run of the same number that
    /// day); answers every timetable run of the day, by arrival.
    pub async fn schedule_timetable(
        &self,
        who: &Principal,
        date: NaiveDate,
    ) -> StationResult<Vec<TrainView>> {
        let weekday = match date.weekday() {
            chrono::Weekday::Mon => guomen_port::Weekday::Mon,
            chrono::Weekday::Tue => guomen_port::Weekday::Tue,
            chrono::Weekday::Wed => guomen_port::Weekday::Wed,
            chrono::Weekday::Thu => guomen_port::Weekday::Thu,
            chrono::Weekday::Fri => guomen_port::Weekday::Fri,
            chrono::Weekday::Sat => guomen_port::Weekday::Sat,
            chrono::Weekday::Sun => guomen_port::Weekday::Sun,
        };
        let offset = self.utc_offset();
        let _one = self.trains_writer.lock().await;
        let existing: BTreeMap<String, TrainView> = self
            .trains_on(who, date)
            .await?
            .into_iter()
            .map(|t| (t.number.clone(), t))
            .collect();
        let mut out = Vec::new();
        for s in self
            .port
            .train_services
            .iter()
            .filter(|s| s.runs_on(weekday))
        {
            if let Some(t) = existing.get(&s.number) {
                out.push(t.clone());
                continue;
            }
            let Some((h, m)) = s.arrival_hm() else {
                continue;
            };
            let Some(at) = date
                .and_hms_opt(h, m, 0)
                .and_then(|t| t.and_local_timezone(offset).single())
            else {
                continue;
            };
            let direction = match s.direction {
                guomen_port::Direction::Exit => Direction::Exit,
                _ => Direction::Entry,
            };
            let kind = match s.kind {
                guomen_port::TrainKind::Passenger => TrainKind::Passenger,
                guomen_port::TrainKind::Freight => TrainKind::Freight,
            };
            let t = self
                .insert_train(
                    who,
                    NewTrain {
                        number: s.number.clone(),
                        kind,
                        direction,
                        site_id: s.site.clone(),
                        scheduled_arrival: at.with_timezone(&Utc),
                        origin: s.origin.clone(),
                        destination: s.destination.clone(),
                        carrier: s.carrier.clone(),
                    },
                )
                .await?;
            out.push(t);
        }
        out.sort_by_key(|t| t.scheduled_arrival);
        Ok(out)
    }

    /// Schedules a train run (a timetable service or a freight train the railway announced).
    pub async fn create_train(&self, who: &Principal, req: NewTrain) -> StationResult<TrainView> {
        let _one = self.trains_writer.lock().await;
        self.insert_train(who, req).await
    }

    async fn insert_train(&self, who: &Principal, req: NewTrain) -> StationResult<TrainView> {
        let number = req.number.trim().to_owned();
        if number.is_empty() || number.chars().count() > 32 {
            return Err(StationError::unprocessable("`number`: 1 to 32 characters"));
        }
        if self.port.site(&req.site_id).is_none() {
            return Err(StationError::unprocessable(format!(
                "`site_id`: no site {:?} in the port",
                req.site_id
            )));
        }
        let agencies = self
            .required_agencies(&req.site_id)
            .into_iter()
            .map(|a| {
                (
                    a,
                    AgencyPart {
                        done: false,
                        by: None,
                        at: None,
                    },
                )
            })
            .collect();
        let t = TrainRecord {
            id: new_id(),
            number: number.clone(),
            kind: req.kind,
            direction: req.direction,
            site_id: req.site_id.clone(),
            scheduled_arrival: req.scheduled_arrival,
            origin: req.origin.filter(|s| !s.trim().is_empty()),
            destination: req.destination.filter(|s| !s.trim().is_empty()),
            carrier: req.carrier.filter(|s| !s.trim().is_empty()),
            status: "scheduled".into(),
            manifest_version: 0,
            manifest_persons: 0,
            prescreen_hits: Vec::new(),
            arrived_at: None,
            released_at: None,
            agencies,
            verified: BTreeSet::new(),
            exceptions: 0,
            no_shows: Vec::new(),
            target_s: self.target_s(req.kind),
            inspections: BTreeMap::new(),
            priority: Vec::new(),
            carriages: BTreeMap::new(),
            overrun_warned: false,
        };
        let event = Event::TrainScheduled(TrainScheduled {
            train_id: t.id.clone(),
            number,
            kind: req.kind,
            direction: req.direction.as_str().to_owned(),
            site_id: req.site_id,
            scheduled_arrival: req.scheduled_arrival,
            carrier: t.carrier.clone(),
        });
        self.append(vec![self.train_change(who, event, &t)]).await?;
        Ok(t.view(who.role, self.now()))
    }

    pub async fn train(&self, who: &Principal, id: &str) -> StationResult<TrainView> {
        let t = self.train_record(id).await?;
        if !self.may_see(who, &t) {
            return Err(not_found(id));
        }
        Ok(t.view(who.role, self.now()))
    }

    /// The trains scheduled to arrive on `date` (the station's local day), by time.
    pub async fn trains_on(
        &self,
        who: &Principal,
        date: NaiveDate,
    ) -> StationResult<Vec<TrainView>> {
        let now = self.now();
        let mut out: Vec<TrainRecord> = Vec::new();
        for d in self.store.docs(TRAINS_COLLECTION).await? {
            let Ok(t) = serde_json::from_value::<TrainRecord>(d.body) else {
                continue;
            };
            if self.local_day(t.scheduled_arrival) == date && self.may_see(who, &t) {
                out.push(t);
            }
        }
        out.sort_by_key(|t| t.scheduled_arrival);
        Ok(out.iter().map(|t| t.view(who.role, now)).collect())
    }

    /// Reads, screens and stores a manifest; a new version is re-screened and compared.
    pub async fn upload_manifest(
        &self,
        who: &Principal,
        train_id: &str,
        input: ManifestInput,
    ) -> StationResult<ManifestAnswer> {
        let _one = self.trains_writer.lock().await;
        let mut t = self.train_record(train_id).await?;
        if who.role == Role::Carrier {
            match (&t.carrier, &who.organisation) {
                (_, None) => {
                    return Err(StationError::forbidden("the carrier has no organisation"));
                }
                (Some(c), Some(o)) if c != o => return Err(not_found(train_id)),
                _ => {}
            }
        }
        if t.status == "released" {
            return Err(StationError::conflict(format!(
                "train {} is released: its manifest is closed",
                t.number
            ))
            .with_code("train_released"));
        }
        let (persons, errors, action) = match input {
            ManifestInput::Edifact(text) => {
                let ic = guomen_paxlst::parse(&text).map_err(|e| {
                    StationError::unprocessable(e.to_string())
                        .with_code("not_paxlst")
                        .with_details(json!({"action": "rejected", "errors": [{"segment": 0, "tag": "UNB", "message": e.to_string()}]}))
                })?;
                let ack = ic.acknowledgement();
                let persons: Vec<Person> =
                    ic.messages.into_iter().flat_map(|m| m.persons).collect();
                (persons, ack.errors, ack.action)
            }
            ManifestInput::Json(v) => {
                let messages: Vec<Message> = if v.get("messages").is_some() {
                    serde_json::from_value(v["messages"].clone())
                } else {
                    serde_json::from_value::<Message>(v).map(|m| vec![m])
                }
                .map_err(|e| {
                    StationError::unprocessable(format!("manifest JSON does not read: {e}"))
                        .with_code("bad_manifest")
                })?;
                let persons: Vec<Person> = messages.into_iter().flat_map(|m| m.persons).collect();
                let action = if persons.is_empty() {
                    guomen_paxlst::Action::Rejected
                } else {
                    guomen_paxlst::Action::Accepted
                };
                (persons, Vec::new(), action)
            }
        };
        if persons.is_empty() {
            return Err(StationError::unprocessable(
                "the manifest lists no person that could be read",
            )
            .with_code("empty_manifest")
            .with_details(json!({"action": "rejected", "errors": errors})));
        }
        if persons.len() > MAX_PERSONS {
            return Err(StationError::unprocessable(format!(
                "at most {MAX_PERSONS} persons per manifest, got {}",
                persons.len()
            ))
            .with_code("manifest_too_large"));
        }
        if let Some(p) = persons
            .iter()
            .find(|p| p.surname.chars().count() > 200 || p.given_names.chars().count() > 200)
        {
            return Err(StationError::unprocessable(format!(
                "a name longer than 200 characters ({} ...)",
                p.surname.chars().take(20).collect::<String>()
            )));
        }
        // Person ids are stable across versions: a person listed before keeps the id.
        let previous: Option<ManifestRecord> =
            match self.store.doc(MANIFESTS_COLLECTION, train_id).await? {
                Some(d) => serde_json::from_value(d.body).ok(),
                None => None,
            };
        let old: BTreeMap<String, String> = previous
            .iter()
            .flat_map(|m| {
                m.persons
                    .iter()
                    .map(|p| (person_key(&p.person), p.person_id.clone()))
            })
            .collect();
        let mut next_n = previous.as_ref().map(|m| m.persons.len()).unwrap_or(0) + 1;
        let mut used = BTreeSet::new();
        let mut listed = Vec::with_capacity(persons.len());
        for p in persons {
            let key = person_key(&p);
            let id = match old.get(&key) {
                Some(id) if !used.contains(id) => id.clone(),
                _ => loop {
                    let candidate = format!("P{next_n:04}");
                    next_n += 1;
                    if !old.values().any(|v| *v == candidate) && !used.contains(&candidate) {
                        break candidate;
                    }
                },
            };
            used.insert(id.clone());
            listed.push(ManifestPerson {
                person_id: id,
                person: p,
            });
        }
        let added: Vec<String> = listed
            .iter()
            .filter(|p| !old.values().any(|v| *v == p.person_id))
            .map(|p| p.person_id.clone())
            .collect();
        let removed: Vec<String> = previous
            .iter()
            .flat_map(|m| m.persons.iter())
            .filter(|p| !used.contains(&p.person_id))
            .map(|p| p.person_id.clone())
            .collect();

        self.clearance.ready().await;
        let live = self.clearance.live();
        let plain: Vec<Person> = listed.iter().map(|p| p.person.clone()).collect();
        let index_hits =
            tokio::task::block_in_place(|| prescreen(&live.index, &plain, DEFAULT_THRESHOLD));
        let mut hits = Vec::new();
        for (p, hs) in listed.iter().zip(index_hits) {
            for h in hs.into_iter().take(3) {
                hits.push(PrescreenHit {
                    person_id: p.person_id.clone(),
                    surname: p.person.surname.clone(),
                    given_names: p.person.given_names.clone(),
                    carriage: p.person.carriage.clone(),
                    seat: p.person.seat.clone(),
                    list: h.list,
                    entry_id: h.entry_id.clone(),
                    score: h.score,
                    action: live.actions.get(&h.entry_id).cloned().unwrap_or_default(),
                });
            }
        }
        let now = self.now();
        let actor = who.actor();
        let version = t.manifest_version + 1;
        t.manifest_version = version;
        t.manifest_persons = listed.len();
        t.prescreen_hits = hits.clone();
        // Carriages as listed by this version; persons verified before keep counting.
        t.carriages = BTreeMap::new();
        for p in &listed {
            if let Some(c) = &p.person.carriage {
                let e = t.carriages.entry(c.clone()).or_default();
                e.listed += 1;
                if t.verified.contains(&p.person_id) {
                    e.verified += 1;
                }
            }
        }
        if who.role == Role::Carrier && t.carrier.is_none() {
            t.carrier = who.organisation.clone();
        }
        if t.status == "scheduled" {
            t.status = "manifest_received".into();
        }
        let mut changes = Vec::new();
        // A wanted person (or one refused entry on an inbound train) is the command centre's
        // business before the train arrives: an incident for the duty chief.
        // The on-board lanes are not in the port model yet: the train stands for the lane.
        let lane = format!("train:{}", t.number);
        for h in &hits {
            let raise = h.list == ListKind::Wanted
                || (h.list == ListKind::RefusedEntry && t.direction == Direction::Entry);
            if raise {
                let event = Event::WatchlistHit(guomen_ops::WatchlistHit {
                    inspection_id: format!("train:{}:{}", t.id, h.person_id),
                    site_id: t.site_id.clone(),
                    lane_id: lane.clone(),
                    direction: t.direction.as_str().to_owned(),
                    list: h.list,
                    entry_id: h.entry_id.clone(),
                    score: h.score,
                    action: h.action.clone(),
                });
                changes.push(Change::event(event.to_new(&actor, now)));
            }
        }
        let record = ManifestRecord {
            train_id: t.id.clone(),
            version,
            persons: listed,
        };
        let event = Event::ManifestReceived(ManifestReceived {
            train_id: t.id.clone(),
            version,
            persons: record.persons.len(),
            hits: hits.len(),
            errors: errors.len(),
            added: added.len(),
            removed: removed.len(),
            carrier: t.carrier.clone(),
        });
        changes.push(self.train_change(who, event, &t).with(Projection::PutDoc {
            collection: MANIFESTS_COLLECTION.to_owned(),
            id: t.id.clone(),
            body: serde_json::to_value(&record).unwrap_or_default(),
        }));
        self.append(changes).await?;
        Ok(ManifestAnswer {
            train_id: t.id,
            version,
            persons: record.persons.len(),
            hits: (who.role != Role::Carrier).then_some(hits),
            errors,
            action,
            added,
            removed,
        })
    }

    /// The train is at the platform: the clock starts.
    pub async fn train_arrived(&self, who: &Principal, id: &str) -> StationResult<TrainView> {
        let _one = self.trains_writer.lock().await;
        let mut t = self.train_record(id).await?;
        if t.arrived_at.is_some() {
            return Err(
                StationError::conflict(format!("train {} already arrived", t.number))
                    .with_code("train_already_arrived"),
            );
        }
        let now = self.now();
        t.arrived_at = Some(now);
        t.status = "arrived".into();
        let event = Event::TrainArrived(TrainArrived {
            train_id: t.id.clone(),
            at: now,
            carrier: t.carrier.clone(),
        });
        self.append(vec![self.train_change(who, event, &t)]).await?;
        Ok(t.view(who.role, now))
    }

    /// A partner agency marks its part of the joint inspection done.
    pub async fn train_agency_done(
        &self,
        who: &Principal,
        id: &str,
        agency: &str,
    ) -> StationResult<TrainView> {
        let _one = self.trains_writer.lock().await;
        let mut t = self.train_record(id).await?;
        if who.role == Role::Partner && who.agency.as_deref() != Some(agency) {
            return Err(StationError::forbidden(format!(
                "only a partner of {agency:?} marks its part done"
            )));
        }
        if t.released_at.is_some() {
            return Err(
                StationError::conflict(format!("train {} is released", t.number))
                    .with_code("train_released"),
            );
        }
        if t.arrived_at.is_none() {
            return Err(
                StationError::conflict(format!("train {} has not arrived", t.number))
                    .with_code("train_not_arrived"),
            );
        }
        let Some(part) = t.agencies.get_mut(agency) else {
            return Err(StationError::not_found(format!(
                "agency {agency:?} takes no part in train {}",
                t.number
            )));
        };
        if part.done {
            return Err(StationError::conflict(format!("{agency} is already done"))
                .with_code("agency_already_done"));
        }
        let now = self.now();
        *part = AgencyPart {
            done: true,
            by: Some(who.name.clone()),
            at: Some(now),
        };
        let event = Event::TrainAgencyDone(AgencyDone {
            train_id: t.id.clone(),
            agency: agency.to_owned(),
            at: now,
            carrier: t.carrier.clone(),
        });
        self.append(vec![self.train_change(who, event, &t)]).await?;
        Ok(t.view(who.role, now))
    }

    /// One release once every agency is done; the persons never verified are no-shows.
    pub async fn release_train(&self, who: &Principal, id: &str) -> StationResult<TrainView> {
        let _one = self.trains_writer.lock().await;
        let mut t = self.train_record(id).await?;
        if t.released_at.is_some() {
            return Err(
                StationError::conflict(format!("train {} is already released", t.number))
                    .with_code("train_released"),
            );
        }
        let Some(arrived) = t.arrived_at else {
            return Err(
                StationError::conflict(format!("train {} has not arrived", t.number))
                    .with_code("train_not_arrived"),
            );
        };
        let missing: Vec<String> = t
            .agencies
            .iter()
            .filter(|(_, p)| !p.done)
            .map(|(a, _)| a.clone())
            .collect();
        if !missing.is_empty() {
            return Err(StationError::conflict(format!(
                "not released: waiting for {}",
                missing.join(", ")
            ))
            .with_code("agencies_not_done")
            .with_details(json!({"agencies": missing})));
        }
        let mut undecided = Vec::new();
        for (person, inspection) in &t.inspections {
            if let Some(d) = self.store.doc(INSPECTIONS_COLLECTION, inspection).await?
                && d.body.get("status").and_then(|s| s.as_str()) == Some("pending")
            {
                undecided.push(person.clone());
            }
        }
        if !undecided.is_empty() {
            return Err(StationError::conflict(format!(
                "not released: verified persons still undecided: {}",
                undecided.join(", ")
            ))
            .with_code("persons_undecided")
            .with_details(json!({"persons": undecided})));
        }
        let manifest = self.manifest_record(id).await?;
        t.no_shows = manifest
            .iter()
            .flat_map(|m| m.persons.iter())
            .filter(|p| !t.verified.contains(&p.person_id))
            .map(|p| p.person_id.clone())
            .collect();
        let now = self.now();
        t.released_at = Some(now);
        t.status = "released".into();
        let duration_s = (now - arrived).num_seconds().max(0);
        let event = Event::TrainReleased(TrainReleased {
            train_id: t.id.clone(),
            number: t.number.clone(),
            duration_s,
            target_s: t.target_s,
            no_shows: t.no_shows.len(),
            carrier: t.carrier.clone(),
        });
        self.append(vec![self.train_change(who, event, &t)]).await?;
        Ok(t.view(who.role, now))
    }

    async fn manifest_record(&self, id: &str) -> StationResult<Option<ManifestRecord>> {
        Ok(match self.store.doc(MANIFESTS_COLLECTION, id).await? {
            Some(d) => serde_json::from_value(d.body).ok(),
            None => None,
        })
    }

    /// The lane train verifications are recorded on: the train site's on-board verification
    /// lane for its direction, else the site's lane for China–Europe freight crews (freight
    /// trains), else a manual counter of the site, else any lane of the site open that way.
    fn train_lane(&self, t: &TrainRecord) -> Option<String> {
        use guomen_port::{Channel, LaneKind};
        let fits = |l: &&guomen_port::Lane| {
            let d = l.direction.as_str();
            d == t.direction.as_str() || d == "both"
        };
        let lanes: Vec<&guomen_port::Lane> =
            self.port.lanes_of_site(&t.site_id).filter(fits).collect();
        let with = |c: Channel| lanes.iter().find(|l| l.channel == Some(c));
        with(Channel::OnBoardVerification)
            .or_else(|| with(Channel::ChinaEuropeFreight))
            .or_else(|| lanes.iter().find(|l| l.kind == LaneKind::ManualCounter))
            .or(lanes.first())
            .map(|l| l.id.clone())
    }

    /// Verifies one person on board: matched to the manifest, then the usual clearance
    /// decision (a clean match suggested `clear` is decided at once; anything else waits for
    /// the inspector's confirmation).
    pub async fn verify_on_board(
        &self,
        who: &Principal,
        id: &str,
        req: NewVerification,
    ) -> StationResult<VerificationAnswer> {
        let _one = self.trains_writer.lock().await;
        let mut t = self.train_record(id).await?;
        if t.released_at.is_some() {
            return Err(StationError::conflict(format!(
                "train {} is released: no more verifications",
                t.number
            ))
            .with_code("train_released"));
        }
        if t.arrived_at.is_none() {
            return Err(
                StationError::conflict(format!("train {} has not arrived", t.number))
                    .with_code("train_not_arrived"),
            );
        }
        if let Some(c) = &req.carriage
            && c.chars().count() > 16
        {
            return Err(StationError::unprocessable(
                "`carriage`: at most 16 characters",
            ));
        }
        let manifest = self.manifest_record(id).await?;
        let persons: Vec<ManifestPerson> = manifest.map(|m| m.persons).unwrap_or_default();
        let lane_id = self.train_lane(&t).ok_or_else(|| {
            StationError::conflict(format!(
                "no lane for {} trains at {}",
                t.direction.as_str(),
                t.site_id
            ))
        })?;
        let (matched, person, inspection) = match (&req.mrz, &req.person_id) {
            (Some(_), Some(_)) => {
                return Err(StationError::unprocessable(
                    "give either `mrz` or `person_id`, not both",
                ));
            }
            (None, None) => {
                return Err(StationError::unprocessable(
                    "give `mrz` lines or a manifest `person_id`",
                ));
            }
            (None, Some(pid)) => {
                let p = persons
                    .iter()
                    .find(|p| &p.person_id == pid)
                    .cloned()
                    .ok_or_else(|| {
                        StationError::not_found(format!(
                            "no person {pid:?} on the manifest of train {}",
                            t.number
                        ))
                    })?;
                let doc = p.person.documents.first().ok_or_else(|| {
                    StationError::unprocessable(format!(
                        "person {pid} has no document on the manifest: scan it"
                    ))
                })?;
                let missing = |what: &str| {
                    StationError::unprocessable(format!(
                        "person {pid} has no {what} on the manifest: scan the document"
                    ))
                };
                let manual = ManualDocument {
                    surname: p.person.surname.clone(),
                    given_names: p.person.given_names.clone(),
                    nationality: p
                        .person
                        .nationality
                        .clone()
                        .ok_or_else(|| missing("nationality"))?,
                    birth_date: p
                        .person
                        .birth_date
                        .map(|d| d.to_string())
                        .ok_or_else(|| missing("birth date"))?,
                    sex: p.person.sex.clone(),
                    document_number: doc.number.clone(),
                    issuing_state: doc
                        .issuing_state
                        .clone()
                        .or_else(|| p.person.nationality.clone())
                        .ok_or_else(|| missing("issuing state"))?,
                    expiry_date: doc
                        .expiry
                        .map(|d| d.to_string())
                        .ok_or_else(|| missing("document expiry"))?,
                    document_kind: None,
                };
                (
                    ManifestMatch::Manifest,
                    Some(p),
                    NewInspection {
                        site_id: self
                            .port
                            .lane(&lane_id)
                            .map(|l| l.site.clone())
                            .unwrap_or_default(),
                        lane_id: lane_id.clone(),
                        direction: t.direction,
                        mrz: None,
                        document: Some(manual),
                        face_template: None,
                        enrolled: false,
                        visa_type: None,
                        purpose: None,
                    },
                )
            }
            (Some(lines), None) => {
                let m = guomen_mrz::parse_lines(lines, self.local_day(self.now()))
                    .map_err(|e| StationError::unprocessable(format!("malformed MRZ: {e}")))?;
                let number = m.document_number.as_str().to_owned();
                let same_doc = persons
                    .iter()
                    .find(|p| p.person.documents.iter().any(|d| d.number == number));
                // The MRZ writes spaces, hyphens and apostrophes as `<`: compare letters only.
                let letters = |s: &str| -> String {
                    s.chars()
                        .filter(|c| c.is_alphanumeric())
                        .flat_map(char::to_uppercase)
                        .collect()
                };
                let surname = letters(&m.surname);
                let same_name = |p: &&ManifestPerson| {
                    letters(&p.person.surname) == surname
                        && (m.birth_date.is_none() || p.person.birth_date == m.birth_date)
                };
                let (matched, p) = match same_doc {
                    Some(p) if same_name(&p) => (ManifestMatch::Manifest, Some(p.clone())),
                    Some(p) => (ManifestMatch::DocumentDiffers, Some(p.clone())),
                    None => match persons.iter().find(same_name) {
                        Some(p) => (ManifestMatch::DocumentDiffers, Some(p.clone())),
                        None => (ManifestMatch::NotOnManifest, None),
                    },
                };
                (
                    matched,
                    p,
                    NewInspection {
                        site_id: self
                            .port
                            .lane(&lane_id)
                            .map(|l| l.site.clone())
                            .unwrap_or_default(),
                        lane_id: lane_id.clone(),
                        direction: t.direction,
                        mrz: Some(lines.clone()),
                        document: None,
                        face_template: None,
                        enrolled: false,
                        visa_type: None,
                        purpose: None,
                    },
                )
            }
        };
        if let Some(p) = &person
            && matched == ManifestMatch::Manifest
            && let Some(prev) = t.inspections.get(&p.person_id)
        {
            return Err(StationError::conflict(format!(
                "person {} is already verified (inspection {prev})",
                p.person_id
            ))
            .with_code("already_verified"));
        }
        let view = self.inspect(who, inspection).await?;
        let suggested = view.suggested.as_str().to_owned();
        let mut decision = view.is_final.then(|| view.decision.as_str().to_owned());
        if matched == ManifestMatch::Manifest
            && decision.is_none()
            && suggested == "clear"
            && who.role != Role::Device
        {
            let decided = self.decide(who, &view.id, "clear", None).await?;
            decision = Some(decided.decision.as_str().to_owned());
        }
        // Re-read: the decision appended in between changed nothing of the train but its time.
        t = self.train_record(id).await?;
        let now = self.now();
        match (&person, matched) {
            (Some(p), ManifestMatch::Manifest) => {
                if t.verified.insert(p.person_id.clone())
                    && let Some(c) = p
                        .person
                        .carriage
                        .as_ref()
                        .and_then(|c| t.carriages.get_mut(c))
                {
                    c.verified += 1;
                }
                t.inspections.insert(p.person_id.clone(), view.id.clone());
                if decision.as_deref() == Some("clear")
                    && let (Some(pr), Some(a)) = (
                        t.priority.iter_mut().find(|x| x.person_id == p.person_id),
                        t.arrived_at,
                    )
                {
                    pr.cleared_after_s = Some((now - a).num_seconds().max(0));
                }
            }
            _ => t.exceptions += 1,
        }
        if t.status == "arrived" {
            t.status = "verifying".into();
        }
        let event = Event::TrainPersonVerified(PersonVerified {
            train_id: t.id.clone(),
            person_id: person.as_ref().map(|p| p.person_id.clone()),
            matched,
            carriage: req
                .carriage
                .clone()
                .or_else(|| person.as_ref().and_then(|p| p.person.carriage.clone())),
            inspection_id: view.id.clone(),
            decision: decision.clone(),
        });
        let mut changes = Vec::new();
        let overrun = t.overrun_predicted(now);
        if let Some(o) = &overrun {
            t.overrun_warned = true;
            tracing::info!(train = %t.number, predicted_s = o.predicted_s, "train predicted past its target");
        }
        changes.push(self.train_change(who, event, &t));
        if let Some(o) = overrun {
            changes.push(self.train_change(who, Event::TrainOverrunPredicted(o), &t));
        }
        self.append(changes).await?;
        Ok(VerificationAnswer {
            matched,
            person,
            inspection_id: view.id,
            suggested,
            decision,
        })
    }

    /// A person ill on board (told by the train crew through the railway, or seen by an
    /// inspector): verified first; the time from arrival to their clearance is recorded.
    pub async fn mark_priority(
        &self,
        who: &Principal,
        id: &str,
        person_id: &str,
        reason: &str,
    ) -> StationResult<TrainView> {
        let _one = self.trains_writer.lock().await;
        let mut t = self.train_record(id).await?;
        if who.role == Role::Partner && who.agency.as_deref() != Some("railway") {
            return Err(StationError::forbidden(
                "only the railway (or the staff) marks a person ill on board",
            ));
        }
        if t.released_at.is_some() {
            return Err(
                StationError::conflict(format!("train {} is released", t.number))
                    .with_code("train_released"),
            );
        }
        let reason = reason.trim();
        if reason.is_empty() || reason.chars().count() > 500 {
            return Err(StationError::unprocessable("`reason`: 1 to 500 characters"));
        }
        let persons = self
            .manifest_record(id)
            .await?
            .map(|m| m.persons)
            .unwrap_or_default();
        if !persons.iter().any(|p| p.person_id == person_id) {
            return Err(StationError::not_found(format!(
                "no person {person_id:?} on the manifest of train {}",
                t.number
            )));
        }
        if t.priority.iter().any(|p| p.person_id == person_id) {
            return Err(
                StationError::conflict(format!("person {person_id} is already marked"))
                    .with_code("already_priority"),
            );
        }
        let now = self.now();
        t.priority.push(PriorityPerson {
            person_id: person_id.to_owned(),
            reason: reason.to_owned(),
            marked_at: now,
            marked_by: who.name.clone(),
            cleared_after_s: None,
            incident_id: None,
        });
        // The ambulance and the agencies at the platform are told: a medical incident in the
        // command centre, naming the train, the person's manifest id and carriage (never a
        // name), whose `notified` agencies see it in their partner view.
        let carriage = persons
            .iter()
            .find(|p| p.person_id == person_id)
            .and_then(|p| p.person.carriage.clone())
            .unwrap_or_else(|| "?".into());
        let mut notified = vec!["ambulance".to_owned()];
        notified.extend(t.agencies.keys().cloned());
        let site = self.port.site(&t.site_id);
        let location = site
            .filter(|s| self.port.zones.iter().any(|z| z.id == s.feature))
            .map(|s| guomen_ops::Location::Zone(s.feature.clone()));
        let new = guomen_ops::NewIncident {
            kind: guomen_domain::incident::IncidentKind::MedicalEmergency,
            priority: None,
            title: format!(
                "Ill on board {}, carriage {carriage}: passenger {person_id} verified first; ambulance and agencies notified",
                t.number
            ),
            title_text: Some(
                guomen_domain::text::Text::new(guomen_domain::text::codes::TITLE_ILL_ON_BOARD)
                    .with("train", &t.number)
                    .with("person", person_id)
                    .with("carriage", &carriage),
            ),
            location,
            source: guomen_domain::incident::IncidentSource::Manual,
            source_ref: Some(format!("train:{}:{person_id}", t.id)),
            details: json!({
                "train_id": t.id,
                "train": t.number,
                "person_id": person_id,
                "carriage": carriage,
                "reason": reason,
                "notified": notified,
            }),
            actor: who.actor(),
        };
        let incident = self.create_incident(who, new).await?;
        if let Some(p) = t.priority.iter_mut().find(|p| p.person_id == person_id) {
            p.incident_id = Some(incident.id.clone());
        }
        let event = Event::TrainPriority(PriorityMarked {
            train_id: t.id.clone(),
            person_id: person_id.to_owned(),
            at: now,
        });
        self.append(vec![self.train_change(who, event, &t)]).await?;
        Ok(t.view(who.role, now))
    }

    /// Puts watchlist entries into the live index only, without journaling them: for
    /// measuring manifest uploads against list sizes whose import is not the subject
    /// (`examples/manifest_upload.rs`). Never called by the product.
    #[doc(hidden)]
    pub async fn bench_load_watchlist(
        &self,
        entries: Vec<guomen_domain::watchlist::WatchlistEntry>,
    ) {
        self.clearance.apply_local(entries, &[]).await;
    }
}
