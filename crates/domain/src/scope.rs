//! What a device may speak for: `sensor:F-07`, `unit:rrt-1`, `lane:road-out-1`, `*`...
//!
//! A device principal is a gateway, a terminal or a camera; its token proves who it is, and
//! its scopes say which sensors, units, links, lanes, cameras and duty points its inputs may
//! concern. A device with no scope may do nothing as a device.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// The kinds of thing a device input can concern.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ScopeKind {
    Sensor,
    Unit,
    Link,
    Lane,
    Camera,
    DutyPoint,
}

impl ScopeKind {
    pub const ALL: [ScopeKind; 6] = [
        ScopeKind::Sensor,
        ScopeKind::Unit,
        ScopeKind::Link,
        ScopeKind::Lane,
        ScopeKind::Camera,
        ScopeKind::DutyPoint,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ScopeKind::Sensor => "sensor",
            ScopeKind::Unit => "unit",
            ScopeKind::Link => "link",
            ScopeKind::Lane => "lane",
            ScopeKind::Camera => "camera",
            ScopeKind::DutyPoint => "duty_point",
        }
    }
}

from_str_via_all!(ScopeKind, UnknownScopeKind, "scope kind");

/// One grant: everything (`*`), every item of a kind (`sensor:*`) or one item (`sensor:F-07`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Scope {
    All,
    AnyOf(ScopeKind),
    One(ScopeKind, String),
}

impl Scope {
    pub fn covers(&self, kind: ScopeKind, id: &str) -> bool {
        match self {
            Scope::All => true,
            Scope::AnyOf(k) => *k == kind,
            Scope::One(k, i) => *k == kind && i == id,
        }
    }
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Scope::All => f.write_str("*"),
            Scope::AnyOf(k) => write!(f, "{}:*", k.as_str()),
            Scope::One(k, id) => write!(f, "{}:{id}", k.as_str()),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ScopeError {
    #[error("scope `{0}` is not `KIND:ID` or `*`")]
    Shape(String),
    #[error(transparent)]
    Kind(#[from] UnknownScopeKind),
    #[error("scope `{0}`: the id must have 1 to 64 printable characters without `,`")]
    Id(String),
}

impl FromStr for Scope {
    type Err = ScopeError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        if s == "*" {
            return Ok(Scope::All);
        }
        let (kind, id) = s
            .split_once(':')
            .ok_or_else(|| ScopeError::Shape(shown(s)))?;
        let kind: ScopeKind = kind.trim().parse()?;
        let id = id.trim();
        if id == "*" {
            return Ok(Scope::AnyOf(kind));
        }
        let id_ok = (1..=64).contains(&id.chars().count())
            && id.chars().all(|c| !c.is_control() && c != ',');
        if !id_ok {
            return Err(ScopeError::Id(shown(s)));
        }
        Ok(Scope::One(kind, id.to_owned()))
    }
}

fn shown(s: &str) -> String {
    s.chars().take(80).collect()
}

/// A device's grants, kept sorted and without duplicates. Written and read as one
/// comma-separated list (`sensor:F-07,unit:rrt-1`), as on the command line and in the store.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct Scopes(Vec<Scope>);

impl Scopes {
    pub fn new(mut scopes: Vec<Scope>) -> Scopes {
        scopes.sort();
        scopes.dedup();
        Scopes(scopes)
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn iter(&self) -> impl Iterator<Item = &Scope> {
        self.0.iter()
    }

    /// Whether any grant covers the item.
    pub fn covers(&self, kind: ScopeKind, id: &str) -> bool {
        self.0.iter().any(|s| s.covers(kind, id))
    }

    /// The ids of `kind` named one by one, and whether every item of the kind is granted.
    pub fn ids_of(&self, kind: ScopeKind) -> (bool, Vec<&str>) {
        let mut any = false;
        let mut ids = Vec::new();
        for s in &self.0 {
            match s {
                Scope::All => any = true,
                Scope::AnyOf(k) if *k == kind => any = true,
                Scope::One(k, id) if *k == kind => ids.push(id.as_str()),
                _ => {}
            }
        }
        (any, ids)
    }
}

impl fmt::Display for Scopes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, s) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(",")?;
            }
            write!(f, "{s}")?;
        }
        Ok(())
    }
}

impl FromStr for Scopes {
    type Err = ScopeError;
    /// An empty string is no scope at all.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let parts = s
            .split(',')
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .map(str::parse)
            .collect::<Result<Vec<Scope>, _>>()?;
        Ok(Scopes::new(parts))
    }
}

impl Serialize for Scopes {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.0.iter().map(|x| x.to_string()))
    }
}

impl<'de> Deserialize<'de> for Scopes {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let items = Vec::<String>::deserialize(d)?;
        let scopes = items
            .iter()
            .map(|s| s.parse::<Scope>())
            .collect::<Result<Vec<_>, _>>()
            .map_err(serde::de::Error::custom)?;
        Ok(Scopes::new(scopes))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_parse_print_and_cover() {
        let s: Scopes = "unit:rrt-1, sensor:F-07,sensor:F-07,lane:*"
            .parse()
            .unwrap();
        assert_eq!(s.to_string(), "lane:*,sensor:F-07,unit:rrt-1");
        assert!(s.covers(ScopeKind::Sensor, "F-07"));
        assert!(!s.covers(ScopeKind::Sensor, "F-08"));
        assert!(s.covers(ScopeKind::Lane, "anything"));
        assert!(!s.covers(ScopeKind::Link, "rrt-1"));
        assert_eq!(s.to_string().parse::<Scopes>().unwrap(), s);
        let all: Scopes = "*".parse().unwrap();
        assert!(all.covers(ScopeKind::DutyPoint, "dp-1"));
        assert!("".parse::<Scopes>().unwrap().is_empty());
        let json = serde_json::to_value(&s).unwrap();
        assert_eq!(serde_json::from_value::<Scopes>(json).unwrap(), s);
    }

    #[test]
    fn bad_scopes_say_what_is_wrong() {
        for (bad, says) in [
            ("sensor", "KIND:ID"),
            ("gate:1", "unknown scope kind `gate`"),
            ("sensor:", "1 to 64"),
            ("unit:a\u{7}", "1 to 64"),
        ] {
            let err = bad.parse::<Scopes>().unwrap_err().to_string();
            assert!(err.contains(says), "{bad}: {err}");
        }
    }
}
