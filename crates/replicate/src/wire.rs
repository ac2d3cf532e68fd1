//! The replication message: one journal row, as stored, with the station that wrote it.
//! JSON, so that an operator can read a stream with the `nats` tool.

use chrono::{DateTime, Utc};
use guomen_store::{JournalEvent, chain_hash, format_time};
use serde::{Deserialize, Serialize};
use serde_json::Value;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WireEvent {
    pub station: String,
    pub seq: u64,
    pub time: DateTime<Utc>,
    /// Empty in a stub.
    pub actor: String,
    pub kind: String,
    /// `None` in a stub: the station kept the event's content local.
    pub payload: Option<Value>,
    pub prev_hash: String,
    pub hash: String,
    /// A kept-back event: seq, time, kind and the chain fields only, so the chain still
    /// links at the centre and nothing looks like a hole.
    #[serde(default)]
    pub stub: bool,
}

impl WireEvent {
    /// The row as it leaves `station`: whole, or a stub when its kind is kept local.
    pub fn from_row(station: &str, row: JournalEvent, keep_local: &[String]) -> WireEvent {
        let stub = keep_local.iter().any(|k| k == &row.kind);
        WireEvent {
            station: station.to_owned(),
            seq: row.seq,
            time: row.time,
            actor: if stub { String::new() } else { row.actor },
            kind: row.kind,
            payload: if stub { None } else { Some(row.payload) },
            prev_hash: row.prev_hash,
            hash: row.hash,
            stub,
        }
    }

    /// The NATS message id: `{station}:{seq}`.
    pub fn message_id(&self) -> String {
        format!("{}:{}", self.station, self.seq)
    }

    /// Checks the event's own hash against its content (a stub has none to check). The
    /// payload text is re-serialised: the stores write it with the same serialiser, so the
    /// text is the one that was hashed.
    pub fn verify_content(&self) -> Result<(), String> {
        self.verified_payload_text().map(|_| ())
    }

    /// [`WireEvent::verify_content`], returning the payload text it hashed (`None` for a
    /// stub): the text to store, serialised once.
    pub fn verified_payload_text(&self) -> Result<Option<String>, String> {
        if self.hash.len() != 64 || self.prev_hash.len() != 64 {
            return Err("hash fields are not 64 hex digits".into());
        }
        let Some(payload) = &self.payload else {
            return if self.stub {
                Ok(None)
            } else {
                Err("an event that is not a stub has no payload".into())
            };
        };
        let text = serde_json::to_string(payload).map_err(|e| e.to_string())?;
        let want = chain_hash(
            &self.prev_hash,
            self.seq,
            &format_time(self.time),
            &self.actor,
            &self.kind,
            &text,
        );
        if want == self.hash {
            Ok(Some(text))
        } else {
            Err(format!(
                "the hash does not match the event's content (computed {want})"
            ))
        }
    }
}
