//! One input line → one JSON object, for the operator CLI (`guomen proto decode`).

use serde_json::{Map, Value, json};

use crate::jt808::{self, Frame, Location, Message, Quirk};
use crate::nmea;

fn failure(error: impl std::fmt::Display) -> Value {
    json!({ "ok": false, "error": error.to_string() })
}

fn hex_to_bytes(s: &str) -> Result<Vec<u8>, String> {
    // Tolerate hex pasted with separators ("7e 02 00 …", "7e:02:00").
    let digits: Vec<u8> = s
        .bytes()
        .filter(|b| !b.is_ascii_whitespace() && *b != b':' && *b != b'-')
        .collect();
    if digits.len() & 1 == 1 {
        return Err(format!("odd number of hex digits ({})", digits.len()));
    }
    digits
        .chunks(2)
        .enumerate()
        .map(|(i, pair)| {
            std::str::from_utf8(pair)
                .ok()
                .and_then(|p| u8::from_str_radix(p, 16).ok())
                .ok_or_else(|| {
                    format!(
                        "not hex at digit {}: {:?}",
                        i * 2,
                        String::from_utf8_lossy(pair)
                    )
                })
        })
        .collect()
}

fn location_fields(l: &Location) -> Map<String, Value> {
    match serde_json::to_value(l) {
        Ok(Value::Object(m)) => m,
        _ => Map::new(),
    }
}

/// Decodes one JT/T 808 frame given as hex (escaped, with its 0x7e delimiters, as on the wire)
/// and describes it as JSON: `ok`, `error` when not ok, else `quirks` (what the device got
/// wrong that the lenient decoder tolerated, by [`Quirk`] name; empty for a standard frame), `msg_id` ("0x0200"), `version`
/// (2013/2019), `terminal`, `serial`, `message` (kind) and the message's fields; location
/// reports inline `lat`, `lon`, `time`, `speed_kmh`, `course`, `alarm`, `status`, `extras`;
/// batch uploads give `locations`, an array of those.
pub fn jt808_line_to_json(line: &str) -> Value {
    let line = line.trim();
    if line.is_empty() {
        return failure("empty line");
    }
    let bytes = match hex_to_bytes(line) {
        Ok(b) => b,
        Err(e) => return failure(format!("bad hex: {e}")),
    };
    match jt808::decode_frame_lenient(&bytes) {
        Ok(d) => frame_to_json(&d.frame, &d.quirks),
        Err(e) => failure(e),
    }
}

fn frame_to_json(frame: &Frame, quirks: &[Quirk]) -> Value {
    let h = &frame.header;
    let mut m = Map::new();
    m.insert("ok".into(), true.into());
    m.insert(
        "quirks".into(),
        quirks.iter().map(|q| Value::from(q.name())).collect(),
    );
    m.insert("msg_id".into(), format!("0x{:04x}", h.msg_id).into());
    m.insert("version".into(), h.version.year().into());
    if let Some(v) = h.protocol_version {
        m.insert("protocol_version".into(), v.into());
    }
    m.insert("terminal".into(), h.terminal.clone().into());
    m.insert("serial".into(), h.serial.into());
    m.insert("body_len".into(), h.body_len.into());
    m.insert("encryption".into(), h.encryption.into());
    if let Some(p) = h.package {
        m.insert(
            "package".into(),
            json!({ "total": p.total, "index": p.index }),
        );
    }
    match &frame.message {
        Message::Location(l) => {
            m.insert("message".into(), "location".into());
            m.extend(location_fields(l));
        }
        Message::LocationBatch(b) => {
            m.insert("message".into(), "location_batch".into());
            m.insert("batch_type".into(), b.batch_type.into());
            let locs: Vec<Value> = b
                .locations
                .iter()
                .map(|l| Value::Object(location_fields(l)))
                .collect();
            m.insert("locations".into(), locs.into());
        }
        other => {
            if let Ok(Value::Object(fields)) = serde_json::to_value(other) {
                for (k, v) in fields {
                    // Message-specific fields never override the header's.
                    m.entry(k).or_insert(v);
                }
            }
        }
    }
    Value::Object(m)
}

/// Parses one NMEA 0183 sentence and describes it as JSON: `ok`, `error` when not ok, else
/// `talker`, `kind` (RMC/GGA/GNS/other; for others `type` names the sentence), `checksum`
/// (valid/missing), the decoded fields, and `fix` when the sentence carries a position (GGA/GNS
/// fixes have no date, so their `fix.time` is null).
pub fn nmea_line_to_json(line: &str) -> Value {
    if line.trim().is_empty() {
        return failure("empty line");
    }
    match nmea::parse(line) {
        Ok(p) => {
            let mut v = serde_json::to_value(&p).unwrap_or(Value::Null);
            if let Value::Object(m) = &mut v {
                let mut out = Map::new();
                out.insert("ok".into(), true.into());
                out.extend(std::mem::take(m));
                if let Some(fix) = p.sentence.fix(None) {
                    out.insert(
                        "fix".into(),
                        serde_json::to_value(fix).unwrap_or(Value::Null),
                    );
                }
                return Value::Object(out);
            }
            failure("could not serialise the sentence")
        }
        Err(e) => failure(e),
    }
}
