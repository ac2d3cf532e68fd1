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
