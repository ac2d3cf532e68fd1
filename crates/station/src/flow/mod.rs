//! Lanes, flow and duty: live lane state (open or closed, staff, queue), wait estimates from
//! the queueing engine, the duty roster, announced groups, recommendations limited by who is
//! on duty, and assistance for travellers.
//!
//! Lane state, shifts, groups and assistance requests are journaled facts with their
//! projection in document collections; what was observed recently at each lane (inspections
//! started and finished, counts) is derived from the same facts as they are appended
//! ([`Station::append`] hands every durable event to [`Flow::observe`]).

pub mod duty;
pub mod obs;
pub mod recommend;

use std::collections::HashMap;
use std::sync::Mutex;

use chrono::{DateTime, Duration, Utc};
use guomen_domain::{Role, ScopeKind};
use guomen_port::{Direction, Lane};
use guomen_store::{Change, Projection};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::auth::new_id;
use crate::event::{
    AssistanceDone, AssistanceRequested, Event, GroupAnnounced, GroupSeen, LaneClosed, LaneOpened,
    LaneQueueCounted, LaneStaffed, ShiftAdded,
};
use crate::{Principal, Station, StationError, StationResult};

pub use recommend::Recommendation;

pub const LANES: &str = "lanes";
pub const SHIFTS: &str = "shifts";
pub const GROUPS: &str = "groups";
pub const ASSISTANCE: &str = "assistance";
/// The roster post of the reinforcement pool (机关下沉).
pub const RESERVE_POST: &str = "reserve";
/// How far back arrivals and throughput are measured.
pub const WINDOW_MIN: i64 = 30;
pub const MAX_QUEUE: u32 = 100_000;
pub const ASSISTANCE_KINDS: &[&str] = &["wheelchair", "escort", "medical", "on_board_verification"];

/// Observations per lane, fed from appended events.
#[derive(Debug, Default)]
pub struct Flow {
    lanes: Mutex<HashMap<String, obs::LaneObs>>,
    /// One lane-state writer at a time: each change rewrites the lane's document.
    write: tokio::sync::Mutex<()>,
}

impl Flow {
    /// Takes a durable event into the lanes' observations.
    pub(crate) fn observe(&self, event: &Event, time: DateTime<Utc>) {
        let mut lanes = self.lanes.lock().unwrap_or_else(|e| e.into_inner());
        match event {
            Event::InspectionCreated(e) => lanes
                .entry(e.lane_id.clone())
                .or_default()
                .started(&e.id, time),
            Event::CrossingRecorded(e) => lanes
                .entry(e.lane_id.clone())
                .or_default()
                .finished(&e.inspection_id, time),
            Event::LaneQueueCounted(e) => lanes
                .entry(e.lane_id.clone())
                .or_default()
                .counted(e.time, e.count),
            _ => return,
        }
        let keep = Duration::minutes(WINDOW_MIN * 4);
        for l in lanes.values_mut() {
            l.prune(time, keep);
        }
    }

    fn figures(
        &self,
        lane_id: &str,
        now: DateTime<Utc>,
        servers: u32,
        default_s: f64,
    ) -> obs::LaneFigures {
        let lanes = self.lanes.lock().unwrap_or_else(|e| e.into_inner());
        lanes.get(lane_id).cloned().unwrap_or_default().figures(
            now,
            Duration::minutes(WINDOW_MIN),
            servers,
            default_s,
        )
    }
}

/// A lane's projected state (the `lanes` documents).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct LaneDoc {
    pub lane_id: String,
    pub open: bool,
    pub staff: Vec<String>,
    #[serde(default)]
    pub opened_at: Option<DateTime<Utc>>,
    #[serde(default)]
    pub changed_by: Option<String>,
    #[serde(default)]
    pub queue_count: Option<u32>,
    #[serde(default)]
    pub queue_time: Option<DateTime<Utc>>,
}

/// One lane now: what `GET /api/v1/lanes/status` answers.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LaneStatus {
    pub lane_id: String,
    pub kind: String,
    pub channel: Option<String>,
    pub site_id: String,
    pub direction: String,
    pub open: bool,
    pub staff: Vec<String>,
    pub queue: u32,
    pub service_rate_per_h: f64,
    pub wait_estimate_s: Option<f64>,
    /// `erlang_c`, `observed_throughput` or `closed`.
    pub method: String,
    pub arrival_rate_per_h: Option<f64>,
    pub wait_target_s: u32,
    pub opened_at: Option<DateTime<Utc>>,
    pub changed_by: Option<String>,
}

/// Filters of the lanes' status.
#[derive(Debug, Clone, Default)]
pub struct LaneFilter {
    pub site_id: Option<String>,
    pub kind: Option<String>,
    pub channel: Option<String>,
}

#[derive(Debug, Clone)]
pub struct QueueCount {
    pub count: i64,
    pub time: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone)]
pub struct NewShift {
    pub person: String,
    pub site_id: String,
    pub post: String,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Shift {
    pub id: String,
    pub person: String,
    pub site_id: String,
    pub post: String,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
}

impl Shift {
    pub fn covers(&self, t: DateTime<Utc>) -> bool {
        self.start <= t && t < self.end
    }
}

#[derive(Debug, Clone)]
pub struct NewGroup {
    pub kind: String,
    pub size: i64,
    pub nationality: String,
    pub site_id: String,
    pub direction: String,
    pub plate: Option<String>,
    pub expected_arrival: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Group {
    pub id: String,
    pub kind: String,
    pub size: u32,
    pub nationality: String,
    pub site_id: String,
    pub direction: String,
    pub plate: Option<String>,
    pub expected_arrival: DateTime<Utc>,
    pub organisation: Option<String>,
    pub announced_at: DateTime<Utc>,
    pub announced_by: String,
    /// When an ANPR camera read the group's bus, and which camera.
    #[serde(default)]
    pub seen_at: Option<DateTime<Utc>>,
    #[serde(default)]
    pub seen_camera: Option<String>,
}

/// A plate compared as the cameras read it: the canonical plate when it is one, else the
/// letters and digits in upper case.
pub fn plate_key(p: &str) -> String {
    match guomen_plates::normalise(p) {
        Ok(plate) => plate.as_str().to_owned(),
        Err(_) => p
            .chars()
            .filter(|c| c.is_alphanumeric())
            .flat_map(char::to_uppercase)
            .collect(),
    }
}

/// How far from its expected arrival a bus read still belongs to an announced group.
const GROUP_MATCH_HOURS: i64 = 12;

#[derive(Debug, Clone)]
pub struct NewAssistance {
    pub kind: String,
    pub site_id: String,
    pub note: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Assistance {
    pub id: String,
    pub kind: String,
    pub site_id: String,
    pub note: String,
    pub assigned_to: Option<String>,
    /// `open` or `done`.
    pub status: String,
    pub requested_at: DateTime<Utc>,
    pub requested_by: String,
    pub done_at: Option<DateTime<Utc>>,
    pub done_by: Option<String>,
}

fn read<T: for<'de> Deserialize<'de>>(body: Value, what: &str, id: &str) -> StationResult<T> {
    serde_json::from_value(body)
        .map_err(|e| StationError::internal(format!("{what} {id} does not read: {e}")))
}

fn text(field: &str, v: &str, max: usize) -> StationResult<String> {
    let v = v.trim();
    if v.is_empty() {
        return Err(StationError::unprocessable(format!(
            "`{field}` must not be empty"
        )));
    }
    if v.chars().count() > max {
        return Err(StationError::unprocessable(format!(
            "`{field}` must have at most {max} characters"
        )));
    }
    Ok(v.to_owned())
}

impl Station {
    fn lane_or_404(&self, lane_id: &str) -> StationResult<Lane> {
        self.port
            .lane(lane_id)
            .cloned()
            .ok_or_else(|| StationError::not_found(format!("no lane `{lane_id}` in the port")))
    }

    fn site_or_422(&self, site_id: &str) -> StationResult<()> {
        if self.port.site(site_id).is_none() {
            return Err(StationError::unprocessable(format!(
                "no site `{site_id}` in the port"
            )));
        }
        Ok(())
    }

    async fn lane_doc(&self, lane_id: &str) -> StationResult<LaneDoc> {
        Ok(match self.store.doc(LANES, lane_id).await? {
            Some(d) => read(d.body, "lane", lane_id)?,
            None => LaneDoc {
                lane_id: lane_id.to_owned(),
                ..LaneDoc::default()
            },
        })
    }

    async fn put_lane(&self, who: &Principal, event: Event, doc: &LaneDoc) -> StationResult<()> {
        let body = serde_json::to_value(doc).map_err(|e| StationError::internal(e.to_string()))?;
        let change =
            Change::event(event.to_new(&who.actor(), self.now())).with(Projection::PutDoc {
                collection: LANES.to_owned(),
                id: doc.lane_id.clone(),
                body,
            });
        self.append(vec![change]).await?;
        Ok(())
    }

    /// Every lane's state, queue and wait estimate now.
    pub async fn lanes_status(&self, filter: &LaneFilter) -> StationResult<Vec<LaneStatus>> {
        let docs: HashMap<String, LaneDoc> = self
            .store
            .docs(LANES)
            .await?
            .into_iter()
            .map(|d| read::<LaneDoc>(d.body, "lane", &d.id).map(|l| (d.id, l)))
            .collect::<StationResult<_>>()?;
        let now = self.now();
        let mut out = Vec::new();
        for lane in &self.port.lanes {
            let channel = lane.channel.map(|c| c.as_str().to_owned());
            if filter.site_id.as_deref().is_some_and(|s| s != lane.site)
                || filter
                    .kind
                    .as_deref()
                    .is_some_and(|k| k != lane.kind.as_str())
                || filter.channel.is_some() && filter.channel != channel
            {
                continue;
            }
            let doc = docs.get(&lane.id).cloned().unwrap_or_default();
            let flow = self.port.lane_flow(lane.kind);
            let servers = if doc.open {
                u32::try_from(doc.staff.len()).unwrap_or(u32::MAX).max(1)
            } else {
                0
            };
            let f = self
                .flow
                .figures(&lane.id, now, servers, f64::from(flow.service_s));
            out.push(LaneStatus {
                lane_id: lane.id.clone(),
                kind: lane.kind.as_str().to_owned(),
                channel,
                site_id: lane.site.clone(),
                direction: lane.direction.as_str().to_owned(),
                open: doc.open,
                staff: doc.staff,
                queue: f.queue,
                service_rate_per_h: f.service_rate_per_h,
                wait_estimate_s: f.estimate.wait_s.map(f64::round),
                method: f.estimate.method.as_str().to_owned(),
                arrival_rate_per_h: f.arrival_rate_per_h,
                wait_target_s: flow.wait_target_s,
                opened_at: doc.opened_at,
                changed_by: doc.changed_by,
            });
        }
        Ok(out)
    }

    async fn lane_status(&self, lane_id: &str) -> StationResult<LaneStatus> {
        self.lanes_status(&LaneFilter::default())
            .await?
            .into_iter()
            .find(|l| l.lane_id == lane_id)
            .ok_or_else(|| StationError::internal("lane vanished"))
    }

    /// A queue count at a lane (a camera counter's or a person's). A device must be scoped to
    /// the lane.
    pub async fn lane_queue(
        &self,
        who: &Principal,
        lane_id: &str,
        q: QueueCount,
    ) -> StationResult<LaneStatus> {
        self.lane_or_404(lane_id)?;
        if !who.speaks_for(ScopeKind::Lane, lane_id) {
            return Err(StationError::forbidden(format!(
                "this device does not report for lane `{lane_id}`"
            )));
        }
        let count = u32::try_from(q.count)
            .ok()
            .filter(|c| *c <= MAX_QUEUE)
            .ok_or_else(|| {
                StationError::unprocessable(format!(
                    "`count` must be 0 to {MAX_QUEUE}, found {}",
                    q.count
                ))
            })?;
        let now = self.now();
        let time = q.time.unwrap_or(now);
        if time > now + Duration::minutes(5) || time < now - Duration::hours(24) {
            return Err(StationError::unprocessable(
                "`time` must be within the last 24 hours and not in the future",
            ));
        }
        {
            let _w = self.flow.write.lock().await;
            let mut doc = self.lane_doc(lane_id).await?;
            if doc.queue_time.is_none_or(|t| t <= time) {
                doc.queue_count = Some(count);
                doc.queue_time = Some(time);
            }
            let event = Event::LaneQueueCounted(LaneQueueCounted {
                lane_id: lane_id.to_owned(),
                count,
                time,
            });
            self.put_lane(who, event, &doc).await?;
        }
        self.lane_status(lane_id).await
    }

    /// Opens (`open = true`) or closes a lane; journaled with who did it. Asking for the state
    /// the lane is already in changes nothing.
    pub async fn lane_set_open(
        &self,
        who: &Principal,
        lane_id: &str,
        open: bool,
        reason: Option<String>,
    ) -> StationResult<LaneStatus> {
        self.lane_or_404(lane_id)?;
        let reason = match reason.as_deref().map(str::trim) {
            Some("") | None => None,
            Some(r) => Some(text("reason", r, 500)?),
        };
        {
            let _w = self.flow.write.lock().await;
            let mut doc = self.lane_doc(lane_id).await?;
            if doc.open != open {
                doc.open = open;
                doc.opened_at = open.then(|| self.now());
                doc.changed_by = Some(who.name.clone());
                let event = if open {
                    Event::LaneOpened(LaneOpened {
                        lane_id: lane_id.to_owned(),
                        reason,
                    })
                } else {
                    Event::LaneClosed(LaneClosed {
                        lane_id: lane_id.to_owned(),
                    })
                };
                self.put_lane(who, event, &doc).await?;
            }
        }
        self.lane_status(lane_id).await
    }

    /// Who staffs the lane from now on.
    pub async fn lane_staff(
        &self,
        who: &Principal,
        lane_id: &str,
        persons: &[String],
    ) -> StationResult<LaneStatus> {
        self.lane_or_404(lane_id)?;
        if persons.len() > 50 {
            return Err(StationError::unprocessable("at most 50 `persons` per lane"));
        }
        let mut staff: Vec<String> = Vec::new();
        for p in persons {
            let p = text("persons[]", p, 100)?;
            if !staff.contains(&p) {
                staff.push(p);
            }
        }
        {
            let _w = self.flow.write.lock().await;
            let mut doc = self.lane_doc(lane_id).await?;
            doc.staff = staff.clone();
            doc.changed_by = Some(who.name.clone());
            let event = Event::LaneStaffed(LaneStaffed {
                lane_id: lane_id.to_owned(),
                persons: staff,
            });
            self.put_lane(who, event, &doc).await?;
        }
        self.lane_status(lane_id).await
    }

    /// Adds a shift to the duty roster.
    pub async fn add_shift(&self, who: &Principal, s: NewShift) -> StationResult<Shift> {
        let person = text("person", &s.person, 100)?;
        let post = text("post", &s.post, 64)?;
        self.site_or_422(&s.site_id)?;
        if s.end <= s.start {
            return Err(StationError::unprocessable("`end` must be after `start`"));
        }
        if s.end - s.start > Duration::hours(24) {
            return Err(StationError::unprocessable(
                "a shift lasts at most 24 hours",
            ));
        }
        let shift = Shift {
            id: new_id(),
            person,
            site_id: s.site_id,
            post,
            start: s.start,
            end: s.end,
        };
        let event = Event::ShiftAdded(ShiftAdded {
            id: shift.id.clone(),
            person: shift.person.clone(),
            site_id: shift.site_id.clone(),
            post: shift.post.clone(),
            start: shift.start,
            end: shift.end,
        });
        let body =
            serde_json::to_value(&shift).map_err(|e| StationError::internal(e.to_string()))?;
        self.append(vec![
            Change::event(event.to_new(&who.actor(), self.now())).with(Projection::PutDoc {
                collection: SHIFTS.to_owned(),
                id: shift.id.clone(),
                body,
            }),
        ])
        .await?;
        Ok(shift)
    }

    /// The shifts covering `at` (the station clock's now when `None`), by person.
    pub async fn roster(&self, at: Option<DateTime<Utc>>) -> StationResult<Vec<Shift>> {
        let at = at.unwrap_or_else(|| self.now());
        let mut out: Vec<Shift> = self
            .store
            .docs(SHIFTS)
            .await?
            .into_iter()
            .map(|d| read::<Shift>(d.body, "shift", &d.id))
            .collect::<StationResult<Vec<_>>>()?
            .into_iter()
            .filter(|s| s.covers(at))
            .collect();
        out.sort_by(|a, b| (&a.site_id, &a.post, &a.person).cmp(&(&b.site_id, &b.post, &b.person)));
        Ok(out)
    }

    /// A group announced before it arrives: by a duty chief (or administrator) or by a
    /// carrier for its own organisation.
    pub async fn announce_group(&self, who: &Principal, g: NewGroup) -> StationResult<Group> {
        if g.kind != "tour" {
            return Err(StationError::unprocessable(format!(
                "`kind` must be `tour`, found `{}`",
                g.kind
            )));
        }
        let size = u32::try_from(g.size)
            .ok()
            .filter(|s| (1..=1000).contains(s))
            .ok_or_else(|| StationError::unprocessable("`size` must be 1 to 1000"))?;
        let nationality = g.nationality.trim().to_ascii_uppercase();
        if nationality.len() != 3 || !nationality.bytes().all(|b| b.is_ascii_uppercase()) {
            return Err(StationError::unprocessable(
                "`nationality` must be a three-letter ICAO code",
            ));
        }
        self.site_or_422(&g.site_id)?;
        let direction = Direction::parse(&g.direction)
            .filter(|d| *d != Direction::Both)
            .ok_or_else(|| StationError::unprocessable("`direction` must be `entry` or `exit`"))?;
        let plate = match g.plate.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(p) => Some(text("plate", p, 20)?),
        };
        let organisation = match who.role {
            Role::Carrier => Some(who.organisation.clone().ok_or_else(|| {
                StationError::forbidden("a carrier without an organisation cannot announce a group")
            })?),
            _ => None,
        };
        let now = self.now();
        if g.expected_arrival < now - Duration::hours(1) {
            return Err(StationError::unprocessable(
                "`expected_arrival` is more than an hour past",
            ));
        }
        let group = Group {
            id: new_id(),
            kind: g.kind,
            size,
            nationality,
            site_id: g.site_id,
            direction: direction.as_str().to_owned(),
            plate,
            expected_arrival: g.expected_arrival,
            organisation,
            announced_at: now,
            announced_by: who.name.clone(),
            seen_at: None,
            seen_camera: None,
        };
        let event = Event::GroupAnnounced(GroupAnnounced {
            id: group.id.clone(),
            kind: group.kind.clone(),
            size,
            nationality: group.nationality.clone(),
            site_id: group.site_id.clone(),
            direction: group.direction.clone(),
            plate: group.plate.clone(),
            expected_arrival: group.expected_arrival,
            organisation: group.organisation.clone(),
        });
        let body =
            serde_json::to_value(&group).map_err(|e| StationError::internal(e.to_string()))?;
        self.append(vec![Change::event(event.to_new(&who.actor(), now)).with(
            Projection::PutDoc {
                collection: GROUPS.to_owned(),
                id: group.id.clone(),
                body,
            },
        )])
        .await?;
        Ok(group)
    }

    /// A plate read at a passenger gate: the announced group whose bus it is (same site and
    /// direction, expected within 12 hours, not yet seen) is marked seen, which opens the
    /// tour-group lane's recommendation at once. Returns the group, if any.
    pub(crate) async fn group_bus_seen(
        &self,
        who: &Principal,
        plate: &str,
        site_id: &str,
        direction: &str,
        camera_id: &str,
        time: DateTime<Utc>,
    ) -> StationResult<Option<Group>> {
        let key = plate_key(plate);
        let _w = self.flow.write.lock().await;
        let Some(mut group) = self
            .groups()
            .await?
            .into_iter()
            .filter(|g| {
                g.seen_at.is_none()
                    && g.site_id == site_id
                    && g.direction == direction
                    && g.plate.as_deref().is_some_and(|p| plate_key(p) == key)
                    && (g.expected_arrival - time).num_hours().abs() <= GROUP_MATCH_HOURS
            })
            .min_by_key(|g| (g.expected_arrival - time).num_seconds().abs())
        else {
            return Ok(None);
        };
        group.seen_at = Some(time);
        group.seen_camera = Some(camera_id.to_owned());
        let event = Event::GroupSeen(GroupSeen {
            id: group.id.clone(),
            plate: key,
            camera_id: camera_id.to_owned(),
            site_id: site_id.to_owned(),
            time,
        });
        let body =
            serde_json::to_value(&group).map_err(|e| StationError::internal(e.to_string()))?;
        self.append(vec![
            Change::event(event.to_new(&who.actor(), self.now())).with(Projection::PutDoc {
                collection: GROUPS.to_owned(),
                id: group.id.clone(),
                body,
            }),
        ])
        .await?;
        Ok(Some(group))
    }

    async fn groups(&self) -> StationResult<Vec<Group>> {
        self.store
            .docs(GROUPS)
            .await?
            .into_iter()
            .map(|d| read::<Group>(d.body, "group", &d.id))
            .collect()
    }

    /// What the duty chief should do now, each with its reason and the wait expected after.
    pub async fn lane_recommendations(&self) -> StationResult<Vec<Recommendation>> {
        let lanes = self.lanes_status(&LaneFilter::default()).await?;
        let now = self.now();
        let on_duty = self.roster(Some(now)).await?;
        let groups = self.groups().await?;
        let service_s = |kind: &str| {
            guomen_port::LaneKind::parse(kind)
                .map_or(120.0, |k| f64::from(self.port.lane_flow(k).service_s))
        };
        Ok(recommend::recommend(&recommend::Input {
            now,
            lanes: &lanes,
            on_duty: &on_duty,
            groups: &groups,
            service_s: &service_s,
            idle_after: Duration::minutes(WINDOW_MIN),
        }))
    }

    /// A request for help for a traveller, assigned to someone on duty at the site who is
    /// not at a lane nor on another open request (anyone on duty there if all are busy).
    pub async fn request_assistance(
        &self,
        who: &Principal,
        a: NewAssistance,
    ) -> StationResult<Assistance> {
        if !ASSISTANCE_KINDS.contains(&a.kind.as_str()) {
            return Err(StationError::unprocessable(format!(
                "`kind` must be one of {}, found `{}`",
                ASSISTANCE_KINDS.join(", "),
                a.kind
            )));
        }
        self.site_or_422(&a.site_id)?;
        let note = a.note.trim().to_owned();
        if note.chars().count() > 1000 {
            return Err(StationError::unprocessable(
                "`note` must have at most 1000 characters",
            ));
        }
        let now = self.now();
        let on_duty: Vec<Shift> = self
            .roster(Some(now))
            .await?
            .into_iter()
            .filter(|s| s.site_id == a.site_id)
            .collect();
        let at_lanes: Vec<String> = self
            .lanes_status(&LaneFilter {
                site_id: Some(a.site_id.clone()),
                ..LaneFilter::default()
            })
            .await?
            .into_iter()
            .filter(|l| l.open)
            .flat_map(|l| l.staff)
            .collect();
        let busy: Vec<String> = self
            .assistance(true)
            .await?
            .into_iter()
            .filter_map(|r| r.assigned_to)
            .collect();
        let free = |s: &&Shift| !at_lanes.contains(&s.person) && !busy.contains(&s.person);
        let assigned_to = on_duty
            .iter()
            .filter(|s| s.post != RESERVE_POST)
            .find(free)
            .or_else(|| on_duty.iter().find(free))
            .or_else(|| on_duty.first())
            .map(|s| s.person.clone());
        let request = Assistance {
            id: new_id(),
            kind: a.kind,
            site_id: a.site_id,
            note,
            assigned_to,
            status: "open".into(),
            requested_at: now,
            requested_by: who.name.clone(),
            done_at: None,
            done_by: None,
        };
        let event = Event::AssistanceRequested(AssistanceRequested {
            id: request.id.clone(),
            kind: request.kind.clone(),
            site_id: request.site_id.clone(),
            note: request.note.clone(),
            assigned_to: request.assigned_to.clone(),
        });
        self.put_assistance(who, event, &request).await?;
        Ok(request)
    }

    async fn put_assistance(
        &self,
        who: &Principal,
        event: Event,
        a: &Assistance,
    ) -> StationResult<()> {
        let body = serde_json::to_value(a).map_err(|e| StationError::internal(e.to_string()))?;
        self.append(vec![
            Change::event(event.to_new(&who.actor(), self.now())).with(Projection::PutDoc {
                collection: ASSISTANCE.to_owned(),
                id: a.id.clone(),
                body,
            }),
        ])
        .await?;
        Ok(())
    }

    /// Marks a request done.
    pub async fn assistance_done(&self, who: &Principal, id: &str) -> StationResult<Assistance> {
        let _w = self.flow.write.lock().await;
        let mut a: Assistance = match self.store.doc(ASSISTANCE, id).await? {
            Some(d) => read(d.body, "assistance request", id)?,
            None => {
                return Err(StationError::not_found(format!(
                    "no assistance request `{id}`"
                )));
            }
        };
        if a.status == "done" {
            return Err(StationError::conflict(format!(
                "assistance request `{id}` is already done"
            )));
        }
        a.status = "done".into();
        a.done_at = Some(self.now());
        a.done_by = Some(who.name.clone());
        self.put_assistance(
            who,
            Event::AssistanceDone(AssistanceDone { id: id.to_owned() }),
            &a,
        )
        .await?;
        Ok(a)
    }

    /// Assistance requests, newest first; only the open ones when `open_only`.
    pub async fn assistance(&self, open_only: bool) -> StationResult<Vec<Assistance>> {
        let mut out: Vec<Assistance> = self
            .store
            .docs(ASSISTANCE)
            .await?
            .into_iter()
            .map(|d| read::<Assistance>(d.body, "assistance request", &d.id))
            .collect::<StationResult<Vec<_>>>()?
            .into_iter()
            .filter(|a| !open_only || a.status == "open")
            .collect();
        out.sort_by_key(|a| std::cmp::Reverse(a.requested_at));
        Ok(out)
    }
}
