use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// What a principal may do. A user has exactly one role; a device is a principal too.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Admin,
    DutyChief,
    Inspector,
    Analyst,
    Partner,
    /// A railway operator, logistics firm or travel agency, acting for its organisation:
    /// it sends manifests and bookings and sees only its own, never screening results.
    Carrier,
    Device,
}

impl Role {
    pub const ALL: [Role; 7] = [
        Role::Admin,
        Role::DutyChief,
        Role::Inspector,
        Role::Analyst,
        Role::Partner,
        Role::Carrier,
        Role::Device,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::DutyChief => "duty_chief",
            Role::Inspector => "inspector",
            Role::Analyst => "analyst",
            Role::Partner => "partner",
            Role::Carrier => "carrier",
            Role::Device => "device",
        }
    }

    /// Whether this role may see personal data (names, birth dates, document numbers).
    /// Analysts, partners and carriers work on aggregates and operational facts only.
    pub fn sees_personal_data(self) -> bool {
        matches!(self, Role::Admin | Role::DutyChief | Role::Inspector)
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown role `{0}`; expected one of admin, duty_chief, inspector, analyst, partner, carrier, device"
)]
pub struct UnknownRole(pub String);

impl FromStr for Role {
    type Err = UnknownRole;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Role::ALL
            .into_iter()
            .find(|r| r.as_str() == s)
            .ok_or_else(|| UnknownRole(s.to_owned()))
    }
}

/// The grade of an inspector user (民警, 辅警, 士官): an auxiliary's refuse or detain is only
/// proposed until an officer countersigns it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Grade {
    Officer,
    Auxiliary,
    Nco,
}

impl Grade {
    pub const ALL: [Grade; 3] = [Grade::Officer, Grade::Auxiliary, Grade::Nco];

    pub fn as_str(self) -> &'static str {
        match self {
            Grade::Officer => "officer",
            Grade::Auxiliary => "auxiliary",
            Grade::Nco => "nco",
        }
    }

    pub fn parse(s: &str) -> Option<Grade> {
        Grade::ALL.into_iter().find(|g| g.as_str() == s)
    }

    /// Whether a refuse or detain decided at this grade needs an officer's countersignature.
    pub fn needs_countersign(self) -> bool {
        self == Grade::Auxiliary
    }
}

impl FromStr for Grade {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Grade::parse(s)
            .ok_or_else(|| format!("unknown grade `{s}`; expected officer, auxiliary or nco"))
    }
}

impl fmt::Display for Grade {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_round_trip_through_their_names() {
        for role in Role::ALL {
            assert_eq!(role.as_str().parse::<Role>(), Ok(role));
            assert_eq!(
                serde_json::to_value(role).unwrap(),
                serde_json::Value::String(role.as_str().into())
            );
        }
        assert!("root".parse::<Role>().is_err());
    }

    #[test]
    fn grades_round_trip_and_only_auxiliaries_need_a_countersignature() {
        for g in Grade::ALL {
            assert_eq!(Grade::parse(g.as_str()), Some(g));
            assert_eq!(
                serde_json::to_value(g).unwrap(),
                serde_json::Value::String(g.as_str().into())
            );
        }
        assert_eq!(Grade::parse("general"), None);
        assert!(Grade::Auxiliary.needs_countersign());
        assert!(!Grade::Officer.needs_countersign() && !Grade::Nco.needs_countersign());
    }
}
