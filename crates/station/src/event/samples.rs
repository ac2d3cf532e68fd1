//! One example of every event kind, for tests that must cover the whole registry (round trips
//! through both stores and replay, the role views). `samples` matches on [`EventKind`] with
//! no wildcard, so a new kind does not build until it has its sample.

use chrono::{DateTime, Duration, Utc};
use guomen_domain::Role;
use guomen_domain::incident::{Action, IncidentKind, IncidentSource, Priority};
use guomen_domain::unit::{UnitEvent, UnitStatus};
use guomen_domain::watchlist::ListKind;
use guomen_ops::{GroupHealth, TrackSummary};
use serde_json::json;

use super::*;

fn t(min: i64) -> DateTime<Utc> {
    DateTime::<Utc>::UNIX_EPOCH + Duration::days(20_600) + Duration::minutes(min)
}

/// A sample event of `kind`.
pub fn sample(kind: EventKind) -> Event {
    use EventKind as K;
    match kind {
        K::UserCreated => Event::UserCreated(UserCreated {
            user_id: "u1".into(),
            name: "bao".into(),
            role: Role::Partner,
            has_password: true,
            agency: Some("customs".into()),
            organisation: None,
            scopes: Default::default(),
            grade: None,
        }),
        K::UserRoleChanged => Event::UserRoleChanged(UserRoleChanged {
            user_id: "u1".into(),
            name: "bao".into(),
            from: Role::Inspector,
            to: Role::Analyst,
        }),
        K::UserPasswordSet => Event::UserPasswordSet(UserRef {
            user_id: "u1".into(),
            name: "bao".into(),
        }),
        K::UserDisabled => Event::UserDisabled(UserRef {
            user_id: "u1".into(),
            name: "bao".into(),
        }),
        K::TokenIssued => Event::TokenIssued(TokenIssued {
            token_id: "t1".into(),
            user_id: "u1".into(),
            user: "bao".into(),
            label: "session".into(),
            hash: "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08".into(),
        }),
        K::TokenRevoked => Event::TokenRevoked(TokenRevoked {
            token_id: "t1".into(),
        }),
        K::LoginSucceeded => Event::LoginSucceeded(LoginSucceeded {
            user_id: "u1".into(),
            client: "127.0.0.1".into(),
        }),
        K::LoginFailed => Event::LoginFailed(LoginFailed {
            username: "bao".into(),
            client: "127.0.0.1".into(),
            consecutive_failures: 2,
            attempts: 5,
            minute: Some(t(0)),
        }),
        K::Logout => Event::Logout(Logout {
            user_id: "u1".into(),
            at: t(1),
        }),
        K::DutyLogWritten => Event::DutyLogWritten(DutyLogWritten {
            id: "d1".into(),
            text: "交班：K3 晚点 20 分钟 / K3 20 minutes late".into(),
        }),
        K::StationStarted => Event::StationStarted(StationStarted {
            listen: "127.0.0.1:8080".into(),
            store: "sqlite".into(),
            port: "erenhot".into(),
            version: "0.1.0".into(),
        }),
        K::StationStopped => Event::StationStopped(StationStopped {}),
        K::WatchlistUpserted => Event::WatchlistUpserted(WatchlistUpserted {
            id: "un:QDi.1".into(),
            list: ListKind::Wanted,
            op: "added".into(),
        }),
        K::WatchlistRemoved => Event::WatchlistRemoved(WatchlistRemoved {
            id: "un:QDi.1".into(),
            list: ListKind::Wanted,
        }),
        K::WatchlistImported => Event::WatchlistImported(WatchlistImported {
            list: "wanted".into(),
            format: "un-xml".into(),
            source: Some("un".into()),
            records: 730,
            skipped: 0,
            added: 730,
            updated: 0,
            removed: 0,
            unchanged: 0,
            warnings: 1,
        }),
        K::InspectionCreated => Event::InspectionCreated(InspectionCreated {
            id: "i1".into(),
            site_id: "road-passenger".into(),
            lane_id: "rp-in-1".into(),
            direction: "entry".into(),
            decision: "secondary".into(),
            suggested: "secondary".into(),
            nationality: "MNG".into(),
            hits: 1,
        }),
        K::CrossingRecorded => Event::CrossingRecorded(CrossingRecorded {
            crossing_id: "c1".into(),
            inspection_id: "i1".into(),
            site_id: "road-passenger".into(),
            lane_id: "rp-in-1".into(),
            direction: "entry".into(),
            decision: "clear".into(),
            decided_by: "user:wang".into(),
            nationality: "MNG".into(),
            lane_kind: "manual_counter".into(),
            channel: String::new(),
            conveyance: "person".into(),
            hit: false,
        }),
        K::StatsRebuilt => Event::StatsRebuilt(StatsRebuilt {
            through_seq: 41,
            crossings: 12,
            keys: 7,
        }),
        K::CaseOpened => Event::CaseOpened(CaseOpened {
            id: "case-1".into(),
            kind: "drugs".into(),
            summary: "drugs concealed inside the body, found at secondary inspection".into(),
            inspection_id: Some("i1".into()),
            crossing_id: None,
            incident_id: None,
        }),
        K::CaseStatusChanged => Event::CaseStatusChanged(CaseStatusChanged {
            id: "case-1".into(),
            from: "decided".into(),
            to: "closed".into(),
            disposition: Some("handed over to the public security bureau".into()),
        }),
        K::SeizureRecorded => Event::SeizureRecorded(SeizureRecorded {
            case_id: "case-1".into(),
            seizure_id: "s1".into(),
            category: "drugs".into(),
            item: "heroin".into(),
            quantity: 18.8,
            unit: "g".into(),
        }),
        K::EvidenceAdded => Event::EvidenceAdded(EvidenceAdded {
            case_id: "case-1".into(),
            sha256: "ab".repeat(32),
            size: 48_213,
            content_type: "image/jpeg".into(),
        }),
        K::EvidenceViewed => Event::EvidenceViewed(EvidenceViewed {
            case_id: "case-1".into(),
            sha256: "ab".repeat(32),
        }),
        K::RegionTotalsSet => Event::RegionTotalsSet(RegionTotalsSet {
            year: 2018,
            crossings: 6_056_000,
            stations: 6,
        }),
        K::WatchlistHit => Event::WatchlistHit(guomen_ops::WatchlistHit {
            inspection_id: "i1".into(),
            site_id: "road-passenger".into(),
            lane_id: "rp-in-1".into(),
            direction: "entry".into(),
            list: ListKind::Wanted,
            entry_id: "w-77".into(),
            score: 0.97,
            action: "detain".into(),
        }),
        K::AlarmRaised => Event::AlarmRaised(AlarmRaised {
            alarm_id: "a1".into(),
            sensor_id: "fence-814-a".into(),
            sensor_kind: "fence_vibration".into(),
            kind: "vibration".into(),
            time: t(2),
            received: t(2),
            clock_corrected: false,
            confidence: Some(0.9),
            lon: 111.95,
            lat: 43.65,
            zone: Some("marker-814".into()),
            duty_point: "dp-814".into(),
            track_id: 7,
            nuisance: None,
            nuisance_text: None,
            actor: "device:fence-ctrl".into(),
            via: "mqtt".into(),
        }),
        K::AlarmRepeated => Event::AlarmRepeated(AlarmRepeated {
            alarm_id: "a1".into(),
            sensor_id: "fence-814-a".into(),
            time: t(3),
        }),
        K::AlarmNuisance => Event::AlarmNuisance(AlarmNuisance {
            alarm_id: "a1".into(),
            sensor_id: "fence-814-a".into(),
            incident_id: Some("n1".into()),
            reason: "wildlife".into(),
            reason_text: None,
            at: t(4),
        }),
        K::IncidentCreated => Event::IncidentCreated(Box::new(IncidentCreated {
            id: "n1".into(),
            kind: IncidentKind::IllegalCrossingAttempt,
            priority: Priority::P1,
            priority_reason: "boundary marker zone".into(),
            priority_reason_text: None,
            zone: Some("marker-814".into()),
            location: Some((111.95, 43.65)),
            title: "military border unit: two minors near marker 814".into(),
            title_text: None,
            source: IncidentSource::Partner,
            source_ref: None,
            created: t(5),
            actor: "user:bao".into(),
            alarm_id: None,
            track: Some(TrackSummary {
                track_id: 7,
                alarm_count: 2,
                heading_deg: Some(180.0),
                speed_mps: Some(1.2),
                predicted_zone: None,
                current_zones: vec!["marker-814".into()],
            }),
            recommendations: vec![],
            excluded: vec![],
            details: json!({"agency": "military border unit", "text": "two minors", "persons": 2}),
            nuisance: None,
            nuisance_text: None,
        })),
        K::IncidentUpdated => Event::IncidentUpdated(Box::new(IncidentUpdated {
            id: "n1".into(),
            at: t(6),
            alarm_id: Some("a1".into()),
            priority: Priority::P1,
            priority_reason: "track heading to the border".into(),
            priority_reason_text: None,
            zone: Some("marker-814".into()),
            location: Some((111.95, 43.65)),
            track: None,
            recommendations: vec![],
            excluded: vec![],
        })),
        K::IncidentTransition => Event::IncidentTransition(IncidentTransition {
            incident_id: "n1".into(),
            action: Action::Resolve {
                disposition: "intercepted".into(),
                feedback: "两名未成年人已移交 / two minors handed over".into(),
            },
            actor: "user:chief".into(),
            at: t(7),
        }),
        K::TrackExpired => Event::TrackExpired(TrackExpired {
            track_ids: vec![7],
            at: t(8),
        }),
        K::UnitPosition => Event::UnitPosition(UnitPosition {
            unit_id: "RRT-1".into(),
            terminal_id: "013800000001".into(),
            lon: 111.9,
            lat: 43.7,
            time: t(9),
            speed_kmh: Some(40.0),
            course: Some(90.0),
            zone: None,
            via: "jt808".into(),
            journaled: true,
        }),
        K::UnitStatus => Event::UnitStatus(UnitStatusChanged {
            unit_id: "RRT-1".into(),
            from: UnitStatus::Available,
            to: UnitStatus::Dispatched,
            event: UnitEvent::Dispatch,
            incident_id: Some("n1".into()),
            actor: "user:chief".into(),
            at: t(10),
        }),
        K::TerminalPresence => Event::TerminalPresence(TerminalPresence {
            unit_id: "RRT-1".into(),
            terminal_id: "013800000001".into(),
            online: true,
            via: "jt808".into(),
            at: t(11),
        }),
        K::Downlink => Event::Downlink(Downlink {
            incident_id: "n1".into(),
            unit_id: "RRT-1".into(),
            terminal_id: Some("013800000001".into()),
            delivered: true,
            reason: "queued to the connected terminal".into(),
            reason_text: None,
            at: t(12),
        }),
        K::LinkHeartbeat => Event::LinkHeartbeat(LinkHeartbeat {
            link_id: "rail-freight-primary".into(),
            time: t(13),
        }),
        K::LinkChanged => Event::LinkChanged(LinkChanged {
            link_id: "rail-freight-primary".into(),
            of: "rail-freight".into(),
            role: "primary".into(),
            up: false,
            at: t(14),
            last_heartbeat: Some(t(13)),
            group: GroupHealth::Degraded,
        }),
        K::TerminalProvisioned => Event::TerminalProvisioned(TerminalProvisioned {
            unit_id: "rrt-1".into(),
            terminal_id: "014790000101".into(),
            manufacturer: "70111".into(),
            model: "BD-T808".into(),
            plate: "蒙H·J0101".into(),
        }),
        K::TerminalRegistered => Event::TerminalRegistered(TerminalRef {
            unit_id: "rrt-1".into(),
            terminal_id: "014790000101".into(),
        }),
        K::TerminalReset => Event::TerminalReset(TerminalRef {
            unit_id: "rrt-1".into(),
            terminal_id: "014790000101".into(),
        }),
        K::OutboxItem => Event::OutboxItem(OutboxItem {
            duty_point: "dp-814".into(),
            key: "k1".into(),
            result: "applied".into(),
        }),
        K::RoadAppointmentBooked => Event::RoadAppointmentBooked(sample_appointment()),
        K::RoadAppointmentChanged => Event::RoadAppointmentChanged(crate::road::Appointment {
            status: crate::road::AppointmentStatus::Arrived,
            vehicle_id: Some("v1".into()),
            ..sample_appointment()
        }),
        K::RoadAppointmentCancelled => Event::RoadAppointmentCancelled(crate::road::Appointment {
            status: crate::road::AppointmentStatus::Cancelled,
            ..sample_appointment()
        }),
        K::RoadSlotCapacitySet => Event::RoadSlotCapacitySet(SlotCapacitySet {
            site_id: "road-freight".into(),
            direction: guomen_clearance::Direction::Exit,
            slot_start: t(60),
            capacity: 4,
        }),
        K::RoadDriverHit => Event::RoadDriverHit(DriverHit {
            appointment_id: "a1".into(),
            vehicle_id: Some("v1".into()),
            plate: "1234УБА".into(),
            organisation: "Gobi Freight LLC".into(),
            stage: "gate".into(),
            driver_name: "BAT ERDENE".into(),
            hits: vec![json!({"list": "wanted", "entry_id": "w1", "score": 0.97})],
        }),
        K::RoadTrustedTraderAdded => Event::RoadTrustedTraderAdded(TrustedTraderAdded {
            organisation: "Gobi Freight LLC".into(),
            since: t(1),
        }),
        K::RoadVehicleArrived => Event::RoadVehicleArrived(sample_vehicle()),
        K::RoadVehicleInspection => Event::RoadVehicleInspection(crate::road::Vehicle {
            status: crate::road::VehicleStatus::InInspection,
            inspection_started: Some(t(70)),
            ..sample_vehicle()
        }),
        K::RoadVehicleChecked => Event::RoadVehicleChecked(crate::road::Vehicle {
            status: crate::road::VehicleStatus::InInspection,
            inspection_started: Some(t(70)),
            checks: vec![crate::road::VehicleCheck {
                check: "physical".into(),
                passed: true,
                note: None,
                time: t(75),
            }],
            ..sample_vehicle()
        }),
        K::RoadVehicleReleased => Event::RoadVehicleReleased(crate::road::Vehicle {
            status: crate::road::VehicleStatus::Released,
            released: Some(t(80)),
            released_by: Some("chen".into()),
            ..sample_vehicle()
        }),
        K::RoadGreenOverdue => Event::RoadGreenOverdue(GreenOverdue {
            vehicle_id: "v1".into(),
            plate: "蒙HA1234".into(),
            site_id: "road-freight".into(),
            arrived: t(65),
            target_s: 1800,
            waited_s: 1860,
        }),
        K::TrainScheduled => Event::TrainScheduled(TrainScheduled {
            train_id: "tr-1".into(),
            number: "K23".into(),
            kind: crate::trains::TrainKind::Passenger,
            direction: "entry".into(),
            site_id: "rail-passenger".into(),
            scheduled_arrival: t(15),
            carrier: Some("China Railway".into()),
        }),
        K::ManifestReceived => Event::ManifestReceived(ManifestReceived {
            train_id: "tr-1".into(),
            version: 2,
            persons: 312,
            hits: 1,
            errors: 0,
            added: 3,
            removed: 1,
            carrier: Some("China Railway".into()),
        }),
        K::TrainArrived => Event::TrainArrived(TrainArrived {
            train_id: "tr-1".into(),
            at: t(16),
            carrier: Some("China Railway".into()),
        }),
        K::TrainAgencyDone => Event::TrainAgencyDone(AgencyDone {
            train_id: "tr-1".into(),
            agency: "customs".into(),
            at: t(20),
            carrier: Some("China Railway".into()),
        }),
        K::TrainReleased => Event::TrainReleased(TrainReleased {
            train_id: "tr-1".into(),
            number: "K23".into(),
            duration_s: 1140,
            target_s: 2700,
            no_shows: 2,
            carrier: Some("China Railway".into()),
        }),
        K::TrainOverrunPredicted => Event::TrainOverrunPredicted(TrainOverrunPredicted {
            train_id: "tr-1".into(),
            number: "X8142".into(),
            predicted_s: 1500,
            target_s: 1200,
            verified: 1,
            remaining: 2,
        }),
        K::TrainPersonVerified => Event::TrainPersonVerified(PersonVerified {
            train_id: "tr-1".into(),
            person_id: Some("P0007".into()),
            matched: crate::trains::ManifestMatch::Manifest,
            carriage: Some("05".into()),
            inspection_id: "in-9".into(),
            decision: Some("clear".into()),
        }),
        K::TrainPriority => Event::TrainPriority(PriorityMarked {
            train_id: "tr-1".into(),
            person_id: "P0007".into(),
            at: t(17),
        }),
        K::LaneOpened => Event::LaneOpened(LaneOpened {
            lane_id: "road-tour-group-entry".into(),
            reason: Some("tour group of 40 expected 10:30".into()),
        }),
        K::LaneClosed => Event::LaneClosed(LaneClosed {
            lane_id: "road-counter-entry-6".into(),
        }),
        K::LaneStaffed => Event::LaneStaffed(LaneStaffed {
            lane_id: "road-counter-entry-1".into(),
            persons: vec!["王警官".into(), "Li Na".into()],
        }),
        K::LaneQueueCounted => Event::LaneQueueCounted(LaneQueueCounted {
            lane_id: "road-counter-entry-1".into(),
            count: 14,
            time: t(15),
        }),
        K::ShiftAdded => Event::ShiftAdded(ShiftAdded {
            id: "s1".into(),
            person: "Zhao Lei".into(),
            site_id: "road-passenger".into(),
            post: "reserve".into(),
            start: t(0),
            end: t(480),
        }),
        K::GroupAnnounced => Event::GroupAnnounced(GroupAnnounced {
            id: "g1".into(),
            kind: "tour".into(),
            size: 38,
            nationality: "MNG".into(),
            site_id: "road-passenger".into(),
            direction: "entry".into(),
            plate: Some("УБА 1234".into()),
            expected_arrival: t(90),
            organisation: Some("Gobi Tours".into()),
        }),
        K::AssistanceRequested => Event::AssistanceRequested(AssistanceRequested {
            id: "a1".into(),
            kind: "wheelchair".into(),
            site_id: "road-passenger".into(),
            note: "elderly traveller at counter 3".into(),
            assigned_to: Some("Zhao Lei".into()),
        }),
        K::AssistanceDone => Event::AssistanceDone(AssistanceDone { id: "a1".into() }),
        K::GroupSeen => Event::GroupSeen(GroupSeen {
            id: "g1".into(),
            plate: "1234УБА".into(),
            camera_id: "anpr-passenger-entry".into(),
            site_id: "road-passenger".into(),
            time: t(80),
        }),
        K::SupervisionChecked => Event::SupervisionChecked(SupervisionChecked {
            id: "sc1".into(),
            site_id: "road-passenger".into(),
            post: "counter".into(),
            person: Some("Zhao Lei".into()),
            present: true,
            issues: vec!["uniform".into()],
            remarks: "cap missing".into(),
        }),
        K::InspectionCountersignRequested => {
            Event::InspectionCountersignRequested(InspectionCountersignRequested {
                id: "i1".into(),
                site_id: "road-passenger".into(),
                lane_id: "road-counter-entry-1".into(),
                decision: "refuse".into(),
            })
        }
        K::InspectionCountersigned => Event::InspectionCountersigned(InspectionCountersigned {
            id: "i1".into(),
            decision: "refuse".into(),
            proposed: "refuse".into(),
            proposed_by: "user:aux-bao".into(),
        }),
        K::NoticeUpdated => Event::NoticeUpdated(NoticeUpdated {
            kind: "traveller".into(),
            lang: "mn".into(),
            sha256: "0".repeat(64),
            chars: 512,
        }),
    }
}

fn sample_appointment() -> crate::road::Appointment {
    crate::road::Appointment {
        id: "a1".into(),
        organisation: "Gobi Freight LLC".into(),
        booked_by: "gobi".into(),
        plate: "蒙HA1234".into(),
        trailer_plate: Some("蒙H1234挂".into()),
        driver: crate::road::DriverDocument::Mrz(vec![
            "P<MNGBAT<<ERDENE<<<<<<<<<<<<<<<<<<<<<<<<<<<".into(),
            "E1234567<8MNG8001014M3001019<<<<<<<<<<<<<<02".into(),
        ]),
        driver_name: "ERDENE BAT".into(),
        site_id: "road-freight".into(),
        direction: guomen_clearance::Direction::Exit,
        slot_start: t(60),
        slot_end: t(120),
        cargo: crate::road::Cargo {
            description: "cabbages".into(),
            perishable: true,
            weight_kg: 24_000.0,
        },
        channel: crate::road::Channel::Green,
        status: crate::road::AppointmentStatus::Booked,
        driver_flagged: false,
        vehicle_id: None,
        booked: t(0),
    }
}

fn sample_vehicle() -> crate::road::Vehicle {
    crate::road::Vehicle {
        id: "v1".into(),
        plate: "蒙HA1234".into(),
        site_id: "road-freight".into(),
        direction: guomen_clearance::Direction::Exit,
        camera_id: "anpr-freight-exit".into(),
        lane_id: "road-freight-green".into(),
        appointment_id: Some("a1".into()),
        organisation: Some("Gobi Freight LLC".into()),
        channel: crate::road::Channel::Green,
        status: crate::road::VehicleStatus::Waiting,
        arrived: t(65),
        unannounced: false,
        late: false,
        check_selected: false,
        check_rate: None,
        checks: Vec::new(),
        inspection_started: None,
        released: None,
        released_by: None,
        overdue_warned: false,
        confidence: Some(0.93),
    }
}

/// One sample of every kind, in registry order.
pub fn samples() -> Vec<Event> {
    EventKind::ALL.iter().map(|k| sample(*k)).collect()
}
