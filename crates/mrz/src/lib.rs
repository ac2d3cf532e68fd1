//! ICAO Doc 9303 machine-readable zone parser: pure, no I/O.
//!
//! Formats: TD1 (3×30), TD2 (2×36), TD3 (2×44), MRV-A (2×44) and MRV-B (2×36).
//!
//! Two levels of problems:
//! - **structural** (wrong number of lines, wrong line length, a character outside `A-Z0-9<`,
//!   an unknown document type) make the input unusable: [`parse`] returns `Err(MrzError)`;
//! - **field-level** (a check digit that does not match, an impossible date, an unknown
//!   country code, a bad sex marker, digits in a name) give `Ok(Mrz)` whose
//!   [`Mrz::valid`] is false and whose [`Mrz::errors`] name each problem.
//!
//! Decisions worth knowing:
//! - Lower-case letters are a structural error: Doc 9303 MRZs contain upper case only, and an
//!   upper-casing parser would hide a reading fault. Trailing whitespace and CR are removed.
//! - A `<` check digit is accepted only for an empty TD3 personal-number field. In TD1 and TD2
//!   a `<` document-number check digit means the number overflows into the optional data
//!   (Doc 9303 Parts 5 and 6); everywhere else it fails the check.
//! - Nothing is repaired silently: OCR confusions (`O`/`0`, `I`/`1`, `B`/`8`, `S`/`5`, `Z`/`2`,
//!   `G`/`6`) that would make a failed check digit pass are offered as [`Proposal`]s; the
//!   parsed values stay as read.
//! - Positions are 1-based columns, lines are 1-based within the document.

mod check;
pub mod codes;
mod json;
mod parse;
mod repair;
mod text;

use chrono::{Datelike, NaiveDate};
use serde::Serialize;

pub use check::{char_value, check_digit, check_digit_of};
pub use codes::CodeKind;
pub use json::{error_json, result_json, to_json};
pub use parse::{Document, parse, parse_lines, parse_many};
pub use text::Text;

/// The document format, named as in the CLI output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum Format {
    /// ID-1 size card, 3 lines of 30.
    #[serde(rename = "TD1")]
    Td1,
    /// ID-2 size card, 2 lines of 36.
    #[serde(rename = "TD2")]
    Td2,
    /// Passport book, 2 lines of 44.
    #[serde(rename = "TD3")]
    Td3,
    /// Full-size visa, 2 lines of 44.
    #[serde(rename = "MRVA")]
    MrvA,
    /// Small visa, 2 lines of 36.
    #[serde(rename = "MRVB")]
    MrvB,
}

impl Format {
    /// The name used in JSON output: `TD1`, `TD2`, `TD3`, `MRVA`, `MRVB`.
    pub const fn name(self) -> &'static str {
        match self {
            Format::Td1 => "TD1",
            Format::Td2 => "TD2",
            Format::Td3 => "TD3",
            Format::MrvA => "MRVA",
            Format::MrvB => "MRVB",
        }
    }

    /// Number of MRZ lines.
    pub const fn line_count(self) -> usize {
        match self {
            Format::Td1 => 3,
            _ => 2,
        }
    }

    /// Characters per line.
    pub const fn line_len(self) -> usize {
        match self {
            Format::Td1 => 30,
            Format::Td2 | Format::MrvB => 36,
            Format::Td3 | Format::MrvA => 44,
        }
    }
}

impl std::fmt::Display for Format {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// The sex marker as printed: `M`, `F`, `X` (unspecified) or `<` (filler, unspecified).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum Sex {
    /// `M`
    #[serde(rename = "M")]
    Male,
    /// `F`
    #[serde(rename = "F")]
    Female,
    /// `X`
    #[serde(rename = "X")]
    Unspecified,
    /// `<`
    #[serde(rename = "<")]
    Filler,
}

impl Sex {
    /// The MRZ character.
    pub const fn as_char(self) -> char {
        match self {
            Sex::Male => 'M',
            Sex::Female => 'F',
            Sex::Unspecified => 'X',
            Sex::Filler => '<',
        }
    }
}

/// What kind of problem an [`MrzError`] reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorKind {
    /// Structural: not 2 or 3 lines (or not the number the format needs).
    LineCount,
    /// Structural: a line of the wrong length.
    LineLength,
    /// Structural: a character outside `A-Z0-9<` (lower case included).
    Character,
    /// Structural: the document code is not one Doc 9303 defines for the format.
    DocumentType,
    /// A check digit that does not match, or that is not a digit.
    CheckDigit,
    /// A date that is not a date, or is impossible in context.
    Date,
    /// An issuing state or nationality not in the ICAO code list.
    Country,
    /// A sex marker other than `M`, `F`, `X`, `<`.
    Sex,
    /// A name field that is empty or holds digits.
    Name,
    /// A TD1/TD2 long document number whose continuation is malformed.
    DocumentNumber,
}

impl ErrorKind {
    /// Whether this kind makes the input unusable (`Err`) rather than merely invalid.
    pub const fn is_structural(self) -> bool {
        matches!(
            self,
            ErrorKind::LineCount
                | ErrorKind::LineLength
                | ErrorKind::Character
                | ErrorKind::DocumentType
        )
    }
}

/// A problem at a place: line and column are 1-based, `field` names the MRZ field
/// (`line`, `document_code`, `document_number`, `birth_date`, `expiry_date`, `sex`,
/// `nationality`, `issuing_state`, `name`, `optional_data`, `personal_number`, `composite`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MrzError {
    /// 1-based line within the document.
    pub line: usize,
    /// 1-based column.
    pub position: usize,
    /// The field concerned.
    pub field: &'static str,
    /// What is wrong, for a person.
    pub message: String,
    /// What kind of problem, for a program.
    pub kind: ErrorKind,
}

impl std::fmt::Display for MrzError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "line {}, position {}, {}: {}",
            self.line, self.position, self.field, self.message
        )
    }
}

impl std::error::Error for MrzError {}

/// A possible repair of OCR damage. Never applied: the caller decides.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Proposal {
    /// 1-based line of the first character of `original`.
    pub line: usize,
    /// 1-based column of the first character of `original`.
    pub position: usize,
    /// The field concerned (same names as [`MrzError::field`]).
    pub field: &'static str,
    /// The characters as read.
    pub original: String,
    /// The characters proposed instead (same length).
    pub proposed: String,
    /// True when a check digit confirms the proposal; false for fields no check digit covers
    /// (names, country codes), where it is only a hint.
    pub verified: bool,
}

/// The outcome of each check digit, by field name. A field is absent when the format has no
/// such check digit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Checks {
    items: [(&'static str, bool); 5],
    len: u8,
}

impl Checks {
    pub(crate) fn push(&mut self, field: &'static str, ok: bool) {
        if let Some(slot) = self.items.get_mut(usize::from(self.len)) {
            *slot = (field, ok);
            self.len += 1;
        }
    }

    /// The outcome for `field` (`document_number`, `birth_date`, `expiry_date`,
    /// `personal_number`, `composite`), if the format has that check digit.
    pub fn get(&self, field: &str) -> Option<bool> {
        self.iter().find(|(f, _)| *f == field).map(|(_, ok)| ok)
    }

    /// Every check in MRZ order.
    pub fn iter(&self) -> impl Iterator<Item = (&'static str, bool)> + '_ {
        self.items
            .iter()
            .take(usize::from(self.len))
            .map(|(f, ok)| (*f, *ok))
    }

    /// True when every check digit matched.
    pub fn all_ok(&self) -> bool {
        self.iter().all(|(_, ok)| ok)
    }
}

impl Serialize for Checks {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut m = s.serialize_map(Some(usize::from(self.len)))?;
        for (f, ok) in self.iter() {
            m.serialize_entry(f, &ok)?;
        }
        m.end()
    }
}

/// A parsed MRZ. Values are as read (fillers trimmed); problems are in `errors`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mrz {
    /// The format.
    pub format: Format,
    /// Document code, e.g. `P`, `PO`, `ID`, `I`, `V` (trailing filler trimmed).
    pub document_code: Text<2>,
    /// Issuing state or organisation code, e.g. `CHN`, `D`.
    pub issuing_state: Text<3>,
    /// Document number, fillers trimmed; a TD1/TD2 long number includes its continuation.
    pub document_number: Text<24>,
    /// Nationality code.
    pub nationality: Text<3>,
    /// Date of birth as printed (`YYMMDD`, may hold fillers for an unknown day or month).
    pub birth_date_raw: Text<6>,
    /// Date of birth, century chosen so that it is not after `today`. `None` when unreadable
    /// or partly unknown.
    pub birth_date: Option<NaiveDate>,
    /// Date of expiry as printed.
    pub expiry_date_raw: Text<6>,
    /// Date of expiry, two-digit year placed within 50 years of `today`.
    pub expiry_date: Option<NaiveDate>,
    /// Sex marker; `None` when the character is not one Doc 9303 allows.
    pub sex: Option<Sex>,
    /// Primary identifier(s), fillers turned into spaces.
    pub surname: String,
    /// Secondary identifier(s), fillers turned into spaces.
    pub given_names: String,
    /// The name field is full to its last character, so the name may have been truncated.
    pub name_truncated: bool,
    /// Optional data: TD1 line 1 (after a long document number's continuation), TD2 (same),
    /// TD3 personal number, MRV optional data. Fillers trimmed.
    pub optional_data: Text<16>,
    /// TD1 line 2 optional data (empty for other formats).
    pub optional_data_2: Text<11>,
    /// Check-digit outcomes.
    pub checks: Checks,
    /// Field-level problems; empty when valid.
    pub errors: Vec<MrzError>,
    /// Proposed repairs of OCR damage (never applied).
    pub proposals: Vec<Proposal>,
    /// The issuing state or nationality is a Doc 9303 specimen state (`UTO`): a specimen,
    /// never a genuine travel document.
    pub specimen: bool,
}

impl Mrz {
    /// True when no field-level problem was found (every check digit matched, dates, codes,
    /// sex and names are acceptable).
    pub fn valid(&self) -> bool {
        self.errors.is_empty()
    }

    /// True when every check digit matched (other field problems aside).
    pub fn check_digits_ok(&self) -> bool {
        self.checks.all_ok()
    }

    /// Whether the document has expired on `today` (valid through its expiry date).
    /// `None` when the expiry date could not be read.
    pub fn is_expired(&self, today: NaiveDate) -> Option<bool> {
        self.expiry_date.map(|e| today > e)
    }

    /// The holder's age in whole years on `today`; `None` when the birth date is not known
    /// in full or is after `today`.
    pub fn age_on(&self, today: NaiveDate) -> Option<u32> {
        let b = self.birth_date?;
        if b > today {
            return None;
        }
        let mut age = u32::try_from(today.year().checked_sub(b.year())?).ok()?;
        if (today.month(), today.day()) < (b.month(), b.day()) {
            age = age.checked_sub(1)?;
        }
        Some(age)
    }
}
