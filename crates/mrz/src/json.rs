//! The JSON shape printed by `guomen mrz --json` (and used by the API).

use chrono::NaiveDate;
use serde::Serialize;
use serde_json::Value;

use crate::{Checks, Format, Mrz, MrzError, Proposal, Sex};

/// The serialised form of a parse result. Field names are part of the CLI's interface.
#[derive(Serialize)]
struct View<'a> {
    valid: bool,
    format: Option<Format>,
    document_code: Option<&'a str>,
    document_number: Option<&'a str>,
    surname: Option<&'a str>,
    given_names: Option<&'a str>,
    name_truncated: Option<bool>,
    nationality: Option<&'a str>,
    issuing_state: Option<&'a str>,
    birth_date: Option<NaiveDate>,
    birth_date_raw: Option<&'a str>,
    expiry_date: Option<NaiveDate>,
    expiry_date_raw: Option<&'a str>,
    sex: Option<Sex>,
    optional_data: Option<&'a str>,
    optional_data_2: Option<&'a str>,
    specimen: bool,
    checks: Checks,
    errors: &'a [MrzError],
    proposals: &'a [Proposal],
}

impl<'a> View<'a> {
    fn of(m: &'a Mrz) -> Self {
        View {
            valid: m.valid(),
            format: Some(m.format),
            document_code: Some(m.document_code.as_str()),
            document_number: Some(m.document_number.as_str()),
            surname: Some(&m.surname),
            given_names: Some(&m.given_names),
            name_truncated: Some(m.name_truncated),
            nationality: Some(m.nationality.as_str()),
            issuing_state: Some(m.issuing_state.as_str()),
            birth_date: m.birth_date,
            birth_date_raw: Some(m.birth_date_raw.as_str()),
            expiry_date: m.expiry_date,
            expiry_date_raw: Some(m.expiry_date_raw.as_str()),
            sex: m.sex,
            optional_data: Some(m.optional_data.as_str()),
            optional_data_2: (m.format == Format::Td1).then(|| m.optional_data_2.as_str()),
            specimen: m.specimen,
            checks: m.checks,
            errors: &m.errors,
            proposals: &m.proposals,
        }
    }

    fn of_error(e: &'a MrzError) -> Self {
        View {
            valid: false,
            format: None,
            document_code: None,
            document_number: None,
            surname: None,
            given_names: None,
            name_truncated: None,
            nationality: None,
            issuing_state: None,
            birth_date: None,
            birth_date_raw: None,
            expiry_date: None,
            expiry_date_raw: None,
            sex: None,
            optional_data: None,
            optional_data_2: None,
            specimen: false,
            checks: Checks::default(),
            errors: std::slice::from_ref(e),
            proposals: &[],
        }
    }
}

impl Serialize for Mrz {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        View::of(self).serialize(s)
    }
}

fn value(v: &View<'_>) -> Value {
    // Serialising these plain types cannot fail; `Null` keeps the signature total anyway.
    serde_json::to_value(v).unwrap_or(Value::Null)
}

/// The JSON object for a parsed MRZ: `valid`, `format`, `document_number`, `surname`,
/// `given_names`, `nationality`, `issuing_state`, `birth_date` / `expiry_date` (ISO
/// `YYYY-MM-DD` or null), `sex`, `checks` (field → bool), `errors`, `proposals`, and a few
/// more (`document_code`, raw dates, optional data, `name_truncated`, `specimen`).
pub fn to_json(m: &Mrz) -> Value {
    value(&View::of(m))
}

/// The JSON object for unusable input: the same keys, `valid: false`, every field null,
/// `checks: {}` and `errors` holding the one structural error.
pub fn error_json(e: &MrzError) -> Value {
    value(&View::of_error(e))
}

/// [`to_json`] or [`error_json`], whichever applies.
pub fn result_json(r: &Result<Mrz, MrzError>) -> Value {
    match r {
        Ok(m) => to_json(m),
        Err(e) => error_json(e),
    }
}
