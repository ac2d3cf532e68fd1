//! Personal data is shown only to roles that need it: for the others, the fields that identify
//! a person are replaced wherever they occur in a JSON value.

use guomen_domain::Role;
use serde_json::Value;

/// Keys whose values identify a person.
pub const PERSONAL_KEYS: &[&str] = &[
    "name",
    "names",
    "surname",
    "given_names",
    "aliases",
    "birth_date",
    "birth_dates",
    "document_number",
    "documents",
    "personal_number",
    "mrz",
    "face_template",
    "matched_name",
    "query_value",
    "list_value",
    "birth_date_raw",
    "optional_data",
    "optional_data_2",
    "proposals",
];

pub const REDACTED: &str = "[redacted]";

pub fn for_role(role: Role, value: &mut Value) {
    if !role.sees_personal_data() {
        redact(value);
    }
}

pub fn redact(value: &mut Value) {
    match value {
        Value::Object(map) => {
            for (k, v) in map.iter_mut() {
                if PERSONAL_KEYS.contains(&k.as_str()) && !v.is_null() {
                    *v = Value::String(REDACTED.into());
                } else {
                    redact(v);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(redact),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn personal_fields_are_replaced_at_any_depth() {
        let mut v = json!({"decision": "clear", "person": {"surname": "BATBAYAR", "nationality": "MNG"},
                           "hits": [{"matched_name": "X", "score": 0.9}]});
        for_role(Role::Analyst, &mut v);
        assert_eq!(v["person"]["surname"], REDACTED);
        assert_eq!(v["person"]["nationality"], "MNG");
        assert_eq!(v["hits"][0]["matched_name"], REDACTED);
        let mut w = json!({"surname": "BATBAYAR"});
        for_role(Role::Inspector, &mut w);
        assert_eq!(w["surname"], "BATBAYAR");
    }
}
