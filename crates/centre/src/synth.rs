//! Synthetic station journals with real hash chains, for the centre's tests and benchmark.

use chrono::{DateTime, Duration, Utc};
use guomen_replicate::WireEvent;
use guomen_store::{GENESIS_HASH, chain_hash, format_time};
use serde_json::json;

const NATIONALITIES: [&str; 5] = ["CHN", "MNG", "RUS", "KAZ", "DEU"];

/// `n` events of `station` from seq 1, every third a crossing, one a second from `start`.
pub fn journal(station: &str, n: u64, start: DateTime<Utc>) -> Vec<WireEvent> {
    let mut prev = GENESIS_HASH.to_owned();
    (1..=n)
        .map(|seq| {
            let time = start + Duration::seconds(seq as i64);
            // Stored times are microseconds: hash what a store would hold.
            let time = DateTime::parse_from_rfc3339(&format_time(time))
                .map(|t| t.with_timezone(&Utc))
                .unwrap_or(time);
            let (kind, payload) = if seq % 3 == 0 {
                (
                    "crossing.recorded",
                    json!({
                        "crossing_id": format!("c{seq}"),
                        "inspection_id": format!("i{seq}"),
                        "site_id": "road-passenger",
                        "lane_id": "road-egate-entry-1",
                        "direction": if seq % 2 == 0 { "entry" } else { "exit" },
                        "decision": "clear",
                        "decided_by": "gate:road-egate-entry-1",
                        "nationality": NATIONALITIES[(seq / 3) as usize % NATIONALITIES.len()],
                    }),
                )
            } else {
                (
                    "duty_log.written",
                    json!({"id": format!("d{seq}"), "text": "all quiet"}),
                )
            };
            let actor = "user:chief";
            let text = serde_json::to_string(&payload).unwrap_or_default();
            let hash = chain_hash(&prev, seq, &format_time(time), actor, kind, &text);
            WireEvent {
                station: station.to_owned(),
                seq,
                time,
                actor: actor.to_owned(),
                kind: kind.to_owned(),
                payload: Some(payload),
                prev_hash: std::mem::replace(&mut prev, hash.clone()),
                hash,
                stub: false,
            }
        })
        .collect()
}
