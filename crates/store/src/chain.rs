//! The hash chain. Each event's hash covers its predecessor's hash and every stored field, as
//! the stored text, so that verification needs no re-serialisation and any edit, deletion,
//! insertion or reordering breaks the chain at the first touched event.

use chrono::{DateTime, SecondsFormat, Utc};
use sha2::{Digest, Sha256};

/// `prev_hash` of the first event.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// The one textual form of a journal time: RFC 3339, UTC, microseconds. Fixed width, so the
/// text sorts as the time does.
pub fn format_time(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Micros, true)
}

/// SHA-256 over length-prefixed fields, hex. Length prefixes keep `("ab","c")` and
/// `("a","bc")` apart.
pub fn chain_hash(
    prev_hash: &str,
    seq: u64,
    time: &str,
    actor: &str,
    kind: &str,
    payload: &str,
) -> String {
    let mut h = Sha256::new();
    h.update(b"guomen-journal-v1");
    for field in [
        prev_hash.as_bytes(),
        &seq.to_be_bytes(),
        time.as_bytes(),
        actor.as_bytes(),
        kind.as_bytes(),
        payload.as_bytes(),
    ] {
        h.update((field.len() as u64).to_be_bytes());
        h.update(field);
    }
    hex::encode(h.finalize())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_field_changes_the_hash() {
        let base = chain_hash(GENESIS_HASH, 1, "t", "a", "k", "{}");
        assert_eq!(base.len(), 64);
        assert_ne!(base, chain_hash(GENESIS_HASH, 2, "t", "a", "k", "{}"));
        assert_ne!(base, chain_hash(GENESIS_HASH, 1, "u", "a", "k", "{}"));
        assert_ne!(base, chain_hash(GENESIS_HASH, 1, "t", "b", "k", "{}"));
        assert_ne!(base, chain_hash(GENESIS_HASH, 1, "t", "a", "l", "{}"));
        assert_ne!(base, chain_hash(GENESIS_HASH, 1, "t", "a", "k", "{ }"));
        assert_ne!(
            chain_hash(GENESIS_HASH, 1, "ab", "c", "k", ""),
            chain_hash(GENESIS_HASH, 1, "a", "bc", "k", "")
        );
    }
}

/// One stored journal row as text, exactly as read back, for verification.
#[derive(Debug, Clone, Copy)]
pub struct StoredRow<'a> {
    /// Signed because that is how SQL stores it; a negative value is itself a break.
    pub seq: i64,
    pub time: &'a str,
    pub actor: &'a str,
    pub kind: &'a str,
    pub payload: &'a str,
    pub prev_hash: &'a str,
    pub hash: &'a str,
}

/// Walks the chain one row at a time, in seq order, and names the first that does not verify.
/// Every backend feeds it its rows, so all report breaks the same way.
#[derive(Debug, Clone)]
pub struct ChainWalker {
    next_seq: u64,
    prev_hash: String,
}

impl Default for ChainWalker {
    fn default() -> Self {
        ChainWalker {
            next_seq: 1,
            prev_hash: GENESIS_HASH.to_owned(),
        }
    }
}

impl ChainWalker {
    /// Checks one row; `None` when it links on to the previous one.
    pub fn step(&mut self, row: StoredRow<'_>) -> Option<crate::Verification> {
        use crate::Verification::Broken;
        let expected = self.next_seq;
        let Ok(seq) = u64::try_from(row.seq) else {
            return Some(Broken {
                first_bad_seq: expected,
                reason: format!(
                    "seq {} is negative: event inserted before {expected}",
                    row.seq
                ),
            });
        };
        if seq > expected {
            let reason = if seq - expected == 1 {
                format!("seq gap: event {expected} deleted (next stored event is {seq})")
            } else {
                format!(
                    "seq gap: events {expected}..={} deleted (next stored event is {seq})",
                    seq - 1
                )
            };
            return Some(Broken {
                first_bad_seq: expected,
                reason,
            });
        }
        if seq < expected {
            return Some(Broken {
                first_bad_seq: seq,
                reason: format!("seq {seq} out of order: event inserted or reordered"),
            });
        }
        if row.prev_hash != self.prev_hash {
            return Some(Broken {
                first_bad_seq: seq,
                reason: "prev_hash mismatch: event inserted or reordered".into(),
            });
        }
        if chain_hash(
            row.prev_hash,
            seq,
            row.time,
            row.actor,
            row.kind,
            row.payload,
        ) != row.hash
        {
            return Some(Broken {
                first_bad_seq: seq,
                reason: "hash mismatch: event edited".into(),
            });
        }
        self.next_seq = expected.saturating_add(1);
        row.hash.clone_into(&mut self.prev_hash);
        None
    }

    /// The seq the next row must have.
    pub fn next_seq(&self) -> u64 {
        self.next_seq
    }

    /// The verdict after the last row.
    pub fn finish(self) -> crate::Verification {
        let head = self.next_seq.saturating_sub(1);
        crate::Verification::Intact {
            events: head,
            head_seq: head,
            head_hash: self.prev_hash,
        }
    }
}
