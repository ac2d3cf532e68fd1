//! Which MQTT topics a device may publish and subscribe to, from its scopes; the same map
//! written as a Mosquitto ACL and password file for an external broker.
//!
//! Uplink topics (device → station), each granted by one scope kind:
//! - `guomen/sensors/{id}/events` by `sensor:{id}`
//! - `guomen/links/{id}/heartbeat` by `link:{id}`
//! - `guomen/units/{id}/position` by `unit:{id}`
//!
//! Downlink topics (station → device): `guomen/units/{id}/orders` by `unit:{id}`, the unit's
//! dispatch orders. Lanes, cameras and duty points have no MQTT topic: their scopes grant
//! nothing here. No device may subscribe to an uplink topic or use `#`: one device's reports
//! (and, on an external broker, the tokens in them) are never another device's to read.

use std::fmt::Write as _;

use base64::Engine as _;
use guomen_domain::{Scope, ScopeKind, Scopes};
use rand::RngCore as _;

/// A device topic the station knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Topic<'a> {
    SensorEvents(&'a str),
    LinkHeartbeat(&'a str),
    UnitPosition(&'a str),
    UnitOrders(&'a str),
    AnprPlates(&'a str),
    LaneQueue(&'a str),
}

impl<'a> Topic<'a> {
    /// The device topic a concrete topic name is, if any (ids are one non-empty level
    /// without wildcards).
    pub fn parse(topic: &'a str) -> Option<Topic<'a>> {
        let mut parts = topic.split('/');
        let (Some("guomen"), Some(kind), Some(id), Some(leaf), None) = (
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
        ) else {
            return None;
        };
        if id.is_empty() || id.contains(['+', '#']) {
            return None;
        }
        match (kind, leaf) {
            ("sensors", "events") => Some(Topic::SensorEvents(id)),
            ("links", "heartbeat") => Some(Topic::LinkHeartbeat(id)),
            ("units", "position") => Some(Topic::UnitPosition(id)),
            ("units", "orders") => Some(Topic::UnitOrders(id)),
            ("anpr", "plates") => Some(Topic::AnprPlates(id)),
            ("lanes", "queue") => Some(Topic::LaneQueue(id)),
            _ => None,
        }
    }

    /// The scope item the topic concerns.
    pub fn item(self) -> (ScopeKind, &'a str) {
        match self {
            Topic::SensorEvents(id) => (ScopeKind::Sensor, id),
            Topic::LinkHeartbeat(id) => (ScopeKind::Link, id),
            Topic::UnitPosition(id) | Topic::UnitOrders(id) => (ScopeKind::Unit, id),
            Topic::AnprPlates(id) => (ScopeKind::Camera, id),
            Topic::LaneQueue(id) => (ScopeKind::Lane, id),
        }
    }

    pub fn is_uplink(self) -> bool {
        !matches!(self, Topic::UnitOrders(_))
    }
}

/// Why a publish or a subscription is refused: the `/metrics` label (a closed set).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Denied {
    /// Not a topic of the station's, or one that goes the other way.
    Topic,
    /// A station topic outside the device's scopes.
    Scope,
    /// A wildcard the device's scopes do not cover as a whole.
    Wildcard,
}

impl Denied {
    pub fn label(self) -> &'static str {
        match self {
            Denied::Topic => "topic",
            Denied::Scope => "scope",
            Denied::Wildcard => "wildcard",
        }
    }
}

/// Whether a device with `scopes` may publish on `topic`; the topic when it may.
pub fn may_publish<'a>(scopes: &Scopes, topic: &'a str) -> Result<Topic<'a>, Denied> {
    let t = Topic::parse(topic)
        .filter(|t| t.is_uplink())
        .ok_or(Denied::Topic)?;
    let (kind, id) = t.item();
    if scopes.covers(kind, id) {
        Ok(t)
    } else {
        Err(Denied::Scope)
    }
}

/// Whether a device with `scopes` may subscribe to `filter`: only its units' order topics,
/// and `guomen/units/+/orders` only when it speaks for every unit.
pub fn may_subscribe(scopes: &Scopes, filter: &str) -> Result<(), Denied> {
    if filter == "guomen/units/+/orders" {
        return if scopes.ids_of(ScopeKind::Unit).0 {
            Ok(())
        } else {
            Err(Denied::Wildcard)
        };
    }
    if filter.contains(['+', '#']) {
        return Err(Denied::Wildcard);
    }
    match Topic::parse(filter) {
        Some(t @ Topic::UnitOrders(_)) => {
            let (kind, id) = t.item();
            if scopes.covers(kind, id) {
                Ok(())
            } else {
                Err(Denied::Scope)
            }
        }
        _ => Err(Denied::Topic),
    }
}

/// The Mosquitto ACL lines (`topic read|write PATTERN`) for one device's scopes.
pub fn topic_lines(scopes: &Scopes) -> Vec<String> {
    let mut lines = Vec::new();
    let mut push = |access: &str, pattern: String| {
        let line = format!("topic {access} {pattern}");
        if !lines.contains(&line) {
            lines.push(line);
        }
    };
    for s in scopes.iter() {
        let (kinds, id): (&[ScopeKind], &str) = match s {
            Scope::All => (&ScopeKind::ALL, "+"),
            Scope::AnyOf(k) => (std::slice::from_ref(k), "+"),
            Scope::One(k, id) => (std::slice::from_ref(k), id.as_str()),
        };
        for k in kinds {
            match k {
                ScopeKind::Sensor => push("write", format!("guomen/sensors/{id}/events")),
                ScopeKind::Link => push("write", format!("guomen/links/{id}/heartbeat")),
                ScopeKind::Unit => {
                    push("write", format!("guomen/units/{id}/position"));
                    push("read", format!("guomen/units/{id}/orders"));
                }
                ScopeKind::Lane | ScopeKind::Camera | ScopeKind::DutyPoint => {}
            }
        }
    }
    lines
}

/// Whether an id can stand in a Mosquitto ACL line and a topic level as it is.
pub fn topic_safe(id: &str) -> bool {
    !id.is_empty() && !id.contains(['+', '#', '/', ' ', '\t', '\n', '\r', '\0', ':'])
}

/// One device for [`mosquitto_files`].
#[derive(Debug, Clone)]
pub struct AclDevice {
    pub name: String,
    pub scopes: Scopes,
    /// What the device presents as its MQTT password (an API token issued for it).
    pub password: String,
}

/// The station's own account on the external broker: it reads every uplink topic and
/// writes the order topics.
#[derive(Debug, Clone)]
pub struct AclStation {
    pub name: String,
    pub password: String,
}

/// The ACL file's and the password file's text. Devices whose scopes name an id that cannot
/// be a topic level are left out (listed in the third value) rather than given a pattern
/// that means something else.
pub fn mosquitto_files(
    station: &AclStation,
    devices: &[AclDevice],
) -> (String, String, Vec<String>) {
    let mut acl = String::from(
        "# Written by `guomen mqtt acl`: each device may write only its own sensors', links'\n\
         # and units' topics and read only its units' orders; the station reads the uplinks.\n\
         # Anything not listed is denied (Mosquitto's default with an acl_file).\n\n",
    );
    let mut passwd = String::new();
    let mut skipped = Vec::new();
    let _ = writeln!(acl, "user {}", station.name);
    for pattern in ["guomen/sensors/+/events", "guomen/links/+/heartbeat"] {
        let _ = writeln!(acl, "topic read {pattern}");
    }
    let _ = writeln!(acl, "topic read guomen/units/+/position");
    let _ = writeln!(acl, "topic write guomen/units/+/orders");
    passwd.push_str(&passwd_line(&station.name, &station.password));
    for d in devices {
        let unsafe_id = d.scopes.iter().any(|s| match s {
            Scope::One(_, id) => !topic_safe(id),
            _ => false,
        });
        let lines = topic_lines(&d.scopes);
        if unsafe_id || lines.is_empty() || !topic_safe(&d.name) {
            skipped.push(d.name.clone());
            continue;
        }
        let _ = writeln!(acl, "\nuser {}", d.name);
        for l in lines {
            let _ = writeln!(acl, "{l}");
        }
        passwd.push_str(&passwd_line(&d.name, &d.password));
    }
    (acl, passwd, skipped)
}

/// Mosquitto 2's default password hashing: PBKDF2-HMAC-SHA512, 101 iterations, 12-byte salt.
pub const PBKDF2_ITERATIONS: u32 = 101;

/// One `mosquitto_passwd` line: `NAME:$7$ITERATIONS$SALT$HASH` (standard base64).
pub fn passwd_line(name: &str, password: &str) -> String {
    let mut salt = [0u8; 12];
    rand::rngs::OsRng.fill_bytes(&mut salt);
    format!(
        "{name}:{}\n",
        pbkdf2_sha512(password, &salt, PBKDF2_ITERATIONS)
    )
}

/// The `$7$` hash of `password` with this salt.
pub fn pbkdf2_sha512(password: &str, salt: &[u8], iterations: u32) -> String {
    let mut hash = [0u8; 64];
    pbkdf2::pbkdf2_hmac::<sha2::Sha512>(password.as_bytes(), salt, iterations, &mut hash);
    let b64 = base64::engine::general_purpose::STANDARD;
    format!("$7${iterations}${}${}", b64.encode(salt), b64.encode(hash))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scopes(s: &str) -> Scopes {
        s.parse().unwrap()
    }

    #[test]
    fn a_sensor_gateway_publishes_only_its_sensor() {
        let s = scopes("sensor:F-07");
        assert_eq!(
            may_publish(&s, "guomen/sensors/F-07/events"),
            Ok(Topic::SensorEvents("F-07"))
        );
        assert_eq!(
            may_publish(&s, "guomen/sensors/F-08/events"),
            Err(Denied::Scope)
        );
        assert_eq!(
            may_publish(&s, "guomen/units/rrt-1/position"),
            Err(Denied::Scope)
        );
        assert_eq!(
            may_publish(&s, "guomen/sensors/+/events"),
            Err(Denied::Topic)
        );
        assert_eq!(
            may_publish(&s, "guomen/sensors/F-07/events/x"),
            Err(Denied::Topic)
        );
        assert_eq!(may_publish(&s, "other/thing"), Err(Denied::Topic));
        // A device never publishes on an order topic, even its own unit's.
        assert_eq!(
            may_publish(&scopes("*"), "guomen/units/rrt-1/orders"),
            Err(Denied::Topic)
        );
        assert!(may_publish(&Scopes::default(), "guomen/sensors/F-07/events").is_err());
    }

    #[test]
    fn subscriptions_are_only_to_own_orders() {
        let unit = scopes("unit:rrt-1");
        assert_eq!(may_subscribe(&unit, "guomen/units/rrt-1/orders"), Ok(()));
        assert_eq!(
            may_subscribe(&unit, "guomen/units/rrt-2/orders"),
            Err(Denied::Scope)
        );
        assert_eq!(
            may_subscribe(&unit, "guomen/units/+/orders"),
            Err(Denied::Wildcard)
        );
        assert_eq!(
            may_subscribe(&unit, "guomen/units/rrt-1/position"),
            Err(Denied::Topic)
        );
        for all in ["*", "unit:*"] {
            let s = scopes(all);
            assert_eq!(may_subscribe(&s, "guomen/#"), Err(Denied::Wildcard));
            assert_eq!(may_subscribe(&s, "#"), Err(Denied::Wildcard));
            assert_eq!(
                may_subscribe(&s, "guomen/sensors/+/events"),
                Err(Denied::Wildcard)
            );
            assert_eq!(may_subscribe(&s, "guomen/units/+/orders"), Ok(()));
        }
    }

    #[test]
    fn scopes_map_to_mosquitto_patterns() {
        assert_eq!(
            topic_lines(&scopes("sensor:F-07,unit:rrt-1,lane:road-in-1")),
            [
                "topic write guomen/sensors/F-07/events",
                "topic write guomen/units/rrt-1/position",
                "topic read guomen/units/rrt-1/orders",
            ]
        );
        assert_eq!(
            topic_lines(&scopes("link:*")),
            ["topic write guomen/links/+/heartbeat"]
        );
        assert_eq!(topic_lines(&scopes("*")).len(), 4);
        assert!(topic_lines(&scopes("camera:c1")).is_empty());
    }

    #[test]
    fn files_skip_devices_that_cannot_be_expressed() {
        let station = AclStation {
            name: "guomen-station".into(),
            password: "pw".into(),
        };
        let devices = [
            AclDevice {
                name: "fence".into(),
                scopes: scopes("sensor:F-07"),
                password: "t1".into(),
            },
            AclDevice {
                name: "odd".into(),
                scopes: scopes("sensor:a/b"),
                password: "t2".into(),
            },
            AclDevice {
                name: "cam".into(),
                scopes: scopes("camera:c1"),
                password: "t3".into(),
            },
        ];
        let (acl, passwd, skipped) = mosquitto_files(&station, &devices);
        assert!(acl.contains("user fence\ntopic write guomen/sensors/F-07/events\n"));
        assert!(!acl.contains("odd") && !acl.contains("user cam"));
        assert_eq!(skipped, ["odd", "cam"]);
        let names: Vec<&str> = passwd
            .lines()
            .map(|l| l.split(':').next().unwrap())
            .collect();
        assert_eq!(names, ["guomen-station", "fence"]);
    }

    proptest::proptest! {
        /// Whatever a device sends and whatever its scopes, no filter with `#` is granted, a
        /// granted publish concerns an item its scopes cover, and only order topics are
        /// readable.
        #[test]
        fn no_grant_escapes_the_scopes(
            topic in "(guomen/)?(sensors|links|units|x|\\+|#)?(/[a-zA-Z0-9+#-]{0,6}){0,4}",
            scope in proptest::sample::select(vec!["*", "sensor:*", "unit:*", "sensor:F-07", "unit:rrt-1", "link:l1", "camera:c1", ""]),
        ) {
            let s = scopes(scope);
            if let Ok(t) = may_publish(&s, &topic) {
                let (kind, id) = t.item();
                proptest::prop_assert!(s.covers(kind, id));
                proptest::prop_assert!(t.is_uplink() && !topic.contains(['+', '#']));
            }
            if may_subscribe(&s, &topic).is_ok() {
                proptest::prop_assert!(!topic.contains('#'));
                proptest::prop_assert!(topic.ends_with("/orders"));
            }
        }
    }

    #[test]
    fn pbkdf2_matches_the_rfc_vector_shape_and_is_salted() {
        // PBKDF2-HMAC-SHA512("password", "salt", 1) from RFC 7914 §11's companion vectors.
        let h = pbkdf2_sha512("password", b"salt", 1);
        let parts: Vec<&str> = h.split('$').collect();
        assert_eq!(parts[1..4], ["7", "1", "c2FsdA=="]);
        let raw = base64::engine::general_purpose::STANDARD
            .decode(parts[4])
            .unwrap();
        assert_eq!(hex::encode(&raw[..16]), "867f70cf1ade02cff3752599a3a53dc4");
        assert_ne!(passwd_line("a", "x"), passwd_line("a", "x"));
    }
}
