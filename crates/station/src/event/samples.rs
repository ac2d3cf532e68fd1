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
        K::OutboxItem => Event::OutboxItem(OutboxItem {
            duty_point: "dp-814".into(),
            key: "k1".into(),
            result: "applied".into(),
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
    }
}

/// One sample of every kind, in registry order.
pub fn samples() -> Vec<Event> {
    EventKind::ALL.iter().map(|k| sample(*k)).collect()
}
