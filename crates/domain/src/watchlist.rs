//! Watchlist entries as every part of guomen sees them: importers produce them, the screening
//! engine indexes them, the store keeps them, the API shows them to the roles allowed to.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// The four lists a border station screens against.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ListKind {
    /// Wanted persons (网上在逃): arrest on a hit.
    Wanted,
    /// Persons refused entry (不准入境), including those who return under a changed identity.
    RefusedEntry,
    /// Lost, stolen or revoked travel documents: keyed by issuing country and number.
    LostStolenDocument,
    /// Discreet or specific check alerts: report, do not alarm the person.
    Alert,
}

impl ListKind {
    pub const ALL: [ListKind; 4] = [
        ListKind::Wanted,
        ListKind::RefusedEntry,
        ListKind::LostStolenDocument,
        ListKind::Alert,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ListKind::Wanted => "wanted",
            ListKind::RefusedEntry => "refused_entry",
            ListKind::LostStolenDocument => "lost_stolen_document",
            ListKind::Alert => "alert",
        }
    }
}

impl fmt::Display for ListKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown list `{0}`; expected wanted, refused_entry, lost_stolen_document or alert")]
pub struct UnknownList(pub String);

impl FromStr for ListKind {
    type Err = UnknownList;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        ListKind::ALL
            .into_iter()
            .find(|l| l.as_str() == s)
            .ok_or_else(|| UnknownList(s.to_owned()))
    }
}

/// Sex as travel documents record it (ICAO 9303: M, F, or X / `<` for unspecified).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Sex {
    #[serde(rename = "M")]
    Male,
    #[serde(rename = "F")]
    Female,
    #[serde(rename = "X")]
    Unspecified,
}

impl FromStr for Sex {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_uppercase().as_str() {
            "M" | "MALE" => Ok(Sex::Male),
            "F" | "FEMALE" => Ok(Sex::Female),
            "X" | "<" | "" | "U" | "UNKNOWN" | "UNSPECIFIED" => Ok(Sex::Unspecified),
            other => Err(format!("unknown sex `{other}`; expected M, F or X")),
        }
    }
}

/// A birth date as lists know it: often only the year, sometimes year and month.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PartialDate {
    pub year: u16,
    pub month: Option<u8>,
    pub day: Option<u8>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid date `{input}`: {why} (expected YYYY, YYYY-MM or YYYY-MM-DD)")]
pub struct InvalidDate {
    pub input: String,
    pub why: &'static str,
}

impl PartialDate {
    pub fn full(year: u16, month: u8, day: u8) -> Self {
        PartialDate {
            year,
            month: Some(month),
            day: Some(day),
        }
    }
}

fn days_in_month(year: u16, month: u8) -> u8 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ if (year.is_multiple_of(4) && !year.is_multiple_of(100)) || year.is_multiple_of(400) => {
            29
        }
        _ => 28,
    }
}

impl FromStr for PartialDate {
    type Err = InvalidDate;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let err = |why| InvalidDate {
            input: s.to_owned(),
            why,
        };
        let mut parts = s.trim().split('-');
        let year: u16 = parts
            .next()
            .filter(|p| p.len() == 4)
            .and_then(|p| p.parse().ok())
            .ok_or_else(|| err("year must be four digits"))?;
        if !(1800..=2200).contains(&year) {
            return Err(err("year out of range"));
        }
        let month = match parts.next() {
            None => None,
            Some(p) => Some(
                p.parse::<u8>()
                    .ok()
                    .filter(|m| (1..=12).contains(m) && p.len() == 2)
                    .ok_or_else(|| err("month must be 01..12"))?,
            ),
        };
        let day = match (parts.next(), month) {
            (None, _) => None,
            (Some(_), None) => return Err(err("a day needs a month")),
            (Some(p), Some(m)) => Some(
                p.parse::<u8>()
                    .ok()
                    .filter(|d| *d >= 1 && *d <= days_in_month(year, m) && p.len() == 2)
                    .ok_or_else(|| err("day does not exist in that month"))?,
            ),
        };
        if parts.next().is_some() {
            return Err(err("too many parts"));
        }
        Ok(PartialDate { year, month, day })
    }
}

impl fmt::Display for PartialDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}", self.year)?;
        if let Some(m) = self.month {
            write!(f, "-{m:02}")?;
            if let Some(d) = self.day {
                write!(f, "-{d:02}")?;
            }
        }
        Ok(())
    }
}

impl Serialize for PartialDate {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for PartialDate {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// A travel document known to a list entry (or, on the lost/stolen list, the entry itself).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DocumentRef {
    pub number: String,
    /// ICAO 9303 issuing state code (ISO 3166-1 alpha-3 or one of ICAO's own codes).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
    /// ICAO 9303 document code (`P` passport, `PD` diplomatic passport, `I`/`ID` identity card,
    /// `A`, `C`, `V` visa ...), upper case, when the list gives it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
}

impl WatchlistEntry {
    /// A lost or stolen document listed without any holder's name: it is screened by its
    /// document alone (exact number, or equal up to OCR look-alikes).
    pub fn is_document_only(&self) -> bool {
        self.list == ListKind::LostStolenDocument
            && self.names.is_empty()
            && !self.documents.is_empty()
    }
}

/// One entry of one list, in the shape of an SIS alert: who, why, and what to do on a hit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WatchlistEntry {
    /// Stable id within its source, so that imports can add, update and remove incrementally.
    pub id: String,
    pub list: ListKind,
    /// Names in any script; the first is the primary name, the rest aliases.
    #[serde(default)]
    pub names: Vec<String>,
    #[serde(default)]
    pub birth_dates: Vec<PartialDate>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sex: Option<Sex>,
    /// ICAO 9303 nationality codes.
    #[serde(default)]
    pub nationalities: Vec<String>,
    #[serde(default)]
    pub documents: Vec<DocumentRef>,
    #[serde(default)]
    pub reason: String,
    /// What an inspector must do on a hit ("arrest", "refuse entry", "seize document", ...).
    #[serde(default)]
    pub action: String,
    /// A face template from the station's face-capture system, compared 1:N on identity change.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub face_template: Option<Vec<f32>>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partial_dates_parse_at_every_precision() {
        assert_eq!(
            "1980".parse(),
            Ok(PartialDate {
                year: 1980,
                month: None,
                day: None
            })
        );
        assert_eq!(
            "1980-03".parse::<PartialDate>().unwrap().to_string(),
            "1980-03"
        );
        assert_eq!(
            "2000-02-29".parse::<PartialDate>().unwrap(),
            PartialDate::full(2000, 2, 29)
        );
        for bad in [
            "1900-02-29",
            "1980-13",
            "80",
            "1980-1-1",
            "1980-03-00",
            "",
            "x",
            "1980-03-01-02",
        ] {
            assert!(
                bad.parse::<PartialDate>().is_err(),
                "{bad} should be rejected"
            );
        }
    }

    #[test]
    fn documents_without_a_type_read_and_write_as_before() {
        let d: DocumentRef = serde_json::from_str(r#"{"number":"E1","country":"MNG"}"#).unwrap();
        assert_eq!(d.kind, None);
        assert_eq!(
            serde_json::to_string(&d).unwrap(),
            r#"{"number":"E1","country":"MNG"}"#
        );
        let typed = DocumentRef {
            kind: Some("P".into()),
            ..d
        };
        assert!(
            serde_json::to_string(&typed)
                .unwrap()
                .contains(r#""kind":"P""#)
        );
    }

    #[test]
    fn lists_parse_from_their_names() {
        for l in ListKind::ALL {
            assert_eq!(l.as_str().parse::<ListKind>(), Ok(l));
        }
    }
}
