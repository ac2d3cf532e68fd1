//! National watchlists flowing down: the centre publishes a release of a list to the stream
//! `GUOMEN_WATCHLIST`; every station follows it with its own durable consumer and applies the
//! releases in order, each in one transaction, then records the release's stream sequence as
//! the version it screens against.
//!
//! A release larger than the server's largest message (`max_payload`, 1 MiB by default) goes
//! as consecutive parts: each part is published only if the stream's last message is the
//! previous part (`Nats-Expected-Last-Sequence`), so no other message sits between them, and
//! every part names the release, its index and the count, and (after the first) the first
//! part's stream sequence. A station ignores every part but the last; on the last it reads the
//! others back from the stream by sequence and applies the whole list in one transaction.
//! So a station killed half-way through keeps nothing of a release, and its version is the
//! last part's sequence.

use std::time::Duration;

use async_nats::jetstream::{self, consumer::pull};
use futures::StreamExt as _;
use guomen_domain::watchlist::{ListKind, WatchlistEntry};
use guomen_station::Station;
use guomen_station::clearance::NATIONAL_PREFIX;
use guomen_watchlist::{Format, Imported};
use serde::{Deserialize, Serialize};
use tokio::sync::watch;

use crate::NatsTarget;

pub const WATCHLIST_STREAM: &str = "GUOMEN_WATCHLIST";
pub const WATCHLIST_SUBJECT: &str = "guomen.watchlist.national";
/// The station's record of the last release applied (a cursor in its store).
pub const VERSION_CURSOR: &str = guomen_station::replication::NATIONAL_WATCHLIST_CURSOR;

/// One release of one national list: the whole list, replacing the previous release.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Release {
    pub list: ListKind,
    /// The format it was read from (`csv`, `ofac-sdn`, `un-xml`).
    pub format: String,
    pub records: u64,
    pub skipped: u64,
    pub entries: Vec<WatchlistEntry>,
    /// Which release this part belongs to (empty in a release of one part).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub release_id: String,
    /// This part's index, 1 to `parts`.
    #[serde(default = "one")]
    pub part: u32,
    #[serde(default = "one")]
    pub parts: u32,
    /// The first part's stream sequence, in every part after the first.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_seq: Option<u64>,
}

fn one() -> u32 {
    1
}

/// Room left in a message for everything but the entries (headers, the other fields).
const PART_OVERHEAD: usize = 4096;
/// The NATS server's default `max_payload`, used when the server did not say.
const DEFAULT_MAX_PAYLOAD: usize = 1024 * 1024;
/// Most parts in one release: 4,096 parts of 1 MiB is a 4 GiB list.
pub const MAX_PARTS: usize = 4096;

impl Release {
    /// A list read at the centre, its ids made national (`national:` + the id).
    pub fn national(imported: Imported, list: ListKind, format: Format) -> Release {
        Release {
            list,
            format: format.as_str().to_owned(),
            records: imported.records,
            skipped: imported.skipped,
            entries: imported
                .entries
                .into_iter()
                .map(|mut e| {
                    if !e.id.starts_with(NATIONAL_PREFIX) {
                        e.id = format!("{NATIONAL_PREFIX}{}", e.id);
                    }
                    e
                })
                .collect(),
            release_id: String::new(),
            part: 1,
            parts: 1,
            first_seq: None,
        }
    }

    /// The release as message bodies of at most `max_bytes` each, in order: one body when it
    /// fits, else parts named `release_id` whose `first_seq` is filled in as they are sent.
    /// Refused when one entry alone does not fit or the parts would be too many.
    pub fn split(&self, release_id: &str, max_bytes: usize) -> Result<Vec<Release>, String> {
        let whole = serde_json::to_vec(self).map_err(|e| e.to_string())?;
        if whole.len() <= max_bytes {
            return Ok(vec![self.clone()]);
        }
        let room = max_bytes.saturating_sub(PART_OVERHEAD);
        let mut groups: Vec<Vec<WatchlistEntry>> = Vec::new();
        let mut current: Vec<WatchlistEntry> = Vec::new();
        let mut size = 0;
        for e in &self.entries {
            let n = serde_json::to_vec(e).map_err(|e| e.to_string())?.len() + 1;
            if n > room {
                return Err(format!(
                    "watchlist entry `{}` is {n} bytes; the NATS server carries at most {max_bytes} bytes a message",
                    e.id
                ));
            }
            if size + n > room && !current.is_empty() {
                groups.push(std::mem::take(&mut current));
                size = 0;
            }
            size += n;
            current.push(e.clone());
        }
        groups.push(current);
        if groups.len() > MAX_PARTS {
            return Err(format!(
                "the list needs {} messages of {max_bytes} bytes; at most {MAX_PARTS} are sent as one release \
                 (raise the NATS server's max_payload)",
                groups.len()
            ));
        }
        let parts = groups.len() as u32;
        Ok(groups
            .into_iter()
            .enumerate()
            .map(|(i, entries)| Release {
                list: self.list,
                format: self.format.clone(),
                records: self.records,
                skipped: self.skipped,
                entries,
                release_id: release_id.to_owned(),
                part: i as u32 + 1,
                parts,
                first_seq: None,
            })
            .collect())
    }
}

async fn ensure_stream(js: &jetstream::Context) -> Result<jetstream::stream::Stream, String> {
    js.get_or_create_stream(jetstream::stream::Config {
        name: WATCHLIST_STREAM.to_owned(),
        subjects: vec![WATCHLIST_SUBJECT.to_owned()],
        retention: jetstream::stream::RetentionPolicy::Limits,
        storage: jetstream::stream::StorageType::File,
        // A station that was away for a long time needs only the newest release of each list,
        // but replaying them all in order costs little and keeps the versions meaningful.
        // Room for a few releases sent in parts.
        max_messages: 20_000,
        ..Default::default()
    })
    .await
    .map_err(|e| format!("cannot create the stream {WATCHLIST_STREAM}: {e}"))
}

/// Publishes a release at the centre; returns its version (the stream sequence of its last
/// part). A release larger than the server's `max_payload` goes in parts (see the module).
pub async fn publish(target: &NatsTarget, release: &Release) -> Result<u64, String> {
    publish_in_parts_of(target, release, None).await
}

/// [`publish`] with parts of at most `max_bytes` (never more than the server's
/// `max_payload`).
pub async fn publish_in_parts_of(
    target: &NatsTarget,
    release: &Release,
    max_bytes: Option<usize>,
) -> Result<u64, String> {
    let client = target.connect("guomen-watchlist-publish").await?;
    // A round trip first: the server's INFO (its `max_payload`) is read by then.
    let _ = client.flush().await;
    let server_max = match client.server_info().max_payload {
        0 => DEFAULT_MAX_PAYLOAD,
        n => n,
    };
    let max_payload = max_bytes.map_or(server_max, |m| m.min(server_max));
    let js = jetstream::new(client);
    ensure_stream(&js).await?;
    let id = format!(
        "{}-{}",
        chrono::Utc::now().format("%Y%m%dT%H%M%S%.6fZ"),
        std::process::id()
    );
    let parts = release.split(&id, max_payload)?;
    let count = parts.len();
    let mut first_seq = None;
    let mut last_seq: Option<u64> = None;
    for mut part in parts {
        part.first_seq = first_seq;
        let body = serde_json::to_vec(&part).map_err(|e| e.to_string())?;
        let mut headers = async_nats::HeaderMap::new();
        if let Some(prev) = last_seq {
            // Nothing may sit between two parts of a release.
            headers.insert("Nats-Expected-Last-Sequence", prev.to_string().as_str());
        }
        let ack = js
            .publish_with_headers(WATCHLIST_SUBJECT, headers, body.into())
            .await
            .map_err(|e| format!("cannot publish part {} of {count}: {e}", part.part))?
            .await
            .map_err(|e| {
                if last_seq.is_some() {
                    format!(
                        "part {} of {count} was not stored (another release was published at the same time?): {e}; \
                         the stations ignore the incomplete release: import again",
                        part.part
                    )
                } else {
                    format!("the release was not acknowledged: {e}")
                }
            })?;
        first_seq.get_or_insert(ack.sequence);
        last_seq = Some(ack.sequence);
    }
    last_seq.ok_or_else(|| "nothing was published".to_owned())
}

/// What a message of the watchlist stream amounts to at a station.
enum Assembly {
    /// A whole release, ready to apply.
    Whole(Release),
    /// A part before the last: kept in the stream, read back with the last.
    Part,
    /// Not a release the station can apply; skipped.
    Refused(String),
    /// The stream could not be read now; the message comes again.
    Later(String),
}

/// What `payload` at stream sequence `version` completes: a release of one part is itself;
/// the last part of several has the others read back from the stream by sequence.
async fn assemble(js: &jetstream::Context, version: u64, payload: &[u8]) -> Assembly {
    let last = match serde_json::from_slice::<Release>(payload) {
        Ok(r) => r,
        Err(e) => return Assembly::Refused(e.to_string()),
    };
    if last.parts <= 1 {
        return Assembly::Whole(last);
    }
    if last.part != last.parts {
        return Assembly::Part;
    }
    let Some(first) = last.first_seq else {
        return Assembly::Refused(format!("part {} names no first part", last.part));
    };
    if version.checked_sub(first) != Some(u64::from(last.parts) - 1) {
        return Assembly::Refused(format!(
            "the last part at {version} puts the first at {first} for {} parts",
            last.parts
        ));
    }
    let stream = match js.get_stream(WATCHLIST_STREAM).await {
        Ok(s) => s,
        Err(e) => return Assembly::Later(format!("cannot read the stream: {e}")),
    };
    let mut entries = Vec::new();
    for (i, seq) in (first..version).enumerate() {
        let m = match stream.get_raw_message(seq).await {
            Ok(m) => m,
            Err(e) => return Assembly::Later(format!("cannot read part {} at {seq}: {e}", i + 1)),
        };
        let p: Release = match serde_json::from_slice(&m.payload) {
            Ok(p) => p,
            Err(e) => {
                return Assembly::Refused(format!("part {} at {seq} is unreadable: {e}", i + 1));
            }
        };
        if p.release_id != last.release_id || p.part as usize != i + 1 || p.parts != last.parts {
            return Assembly::Refused(format!(
                "the message at {seq} is not part {} of release {}",
                i + 1,
                last.release_id
            ));
        }
        entries.extend(p.entries);
    }
    entries.extend(last.entries);
    Assembly::Whole(Release {
        entries,
        part: 1,
        parts: 1,
        first_seq: None,
        ..last
    })
}

/// Follows the national releases for `station` until `stop`: each release newer than the
/// station's version is applied (one transaction), then the version advances, then the
/// message is acknowledged. A release that cannot be applied for the station's own reasons
/// (store down) is left unacknowledged and comes again.
pub async fn follow(
    station: Station,
    js: jetstream::Context,
    station_id: String,
    mut stop: watch::Receiver<bool>,
) {
    let name = format!("station-{station_id}");
    let mut failures: u32 = 0;
    'outer: while !*stop.borrow() {
        let consumer = async {
            let stream = js
                .get_stream(WATCHLIST_STREAM)
                .await
                .map_err(|e| e.to_string())?;
            stream
                .get_or_create_consumer(
                    &name,
                    pull::Config {
                        durable_name: Some(name.clone()),
                        ack_policy: jetstream::consumer::AckPolicy::Explicit,
                        ack_wait: Duration::from_secs(120),
                        ..Default::default()
                    },
                )
                .await
                .map_err(|e| e.to_string())
        }
        .await;
        let consumer = match consumer {
            Ok(c) => c,
            Err(e) => {
                // No release yet (the centre creates the stream), or the link is down.
                failures = failures.saturating_add(1);
                if failures == 1 || failures.is_multiple_of(60) {
                    tracing::debug!(error = %e, "no national watchlist stream yet");
                }
                tokio::select! {
                    _ = stop.changed() => {}
                    _ = tokio::time::sleep(Duration::from_secs(1)) => {}
                }
                continue;
            }
        };
        loop {
            if *stop.borrow() {
                break 'outer;
            }
            let batch = consumer
                .batch()
                .max_messages(1)
                .expires(Duration::from_secs(1))
                .messages()
                .await;
            let Ok(mut batch) = batch else {
                tokio::time::sleep(Duration::from_millis(500)).await;
                continue 'outer;
            };
            let Some(Ok(message)) = batch.next().await else {
                continue;
            };
            let version = match message.info() {
                Ok(i) => i.stream_sequence,
                Err(_) => continue,
            };
            let applied = station
                .replication_cursor(VERSION_CURSOR)
                .await
                .unwrap_or(u64::MAX);
            if version > applied && applied != u64::MAX {
                match assemble(&js, version, &message.payload).await {
                    Assembly::Part => {
                        let _ = message.ack().await;
                        continue;
                    }
                    Assembly::Later(e) => {
                        tracing::warn!(version, error = %e, "cannot read a national watchlist release; it will come again");
                        let _ = message
                            .ack_with(jetstream::AckKind::Nak(Some(Duration::from_secs(1))))
                            .await;
                        continue;
                    }
                    Assembly::Refused(e) => {
                        tracing::error!(version, error = %e, "a national watchlist release is unreadable; skipped");
                    }
                    Assembly::Whole(release) => {
                        let format = release.format.parse().unwrap_or(Format::Csv);
                        let imported = Imported {
                            entries: release.entries,
                            warnings: Vec::new(),
                            records: release.records,
                            skipped: release.skipped,
                            source: None,
                        };
                        match station
                            .apply_national_watchlist(version, imported, release.list, format)
                            .await
                        {
                            Ok(s) => tracing::info!(
                                version,
                                list = %s.list,
                                added = s.added,
                                updated = s.updated,
                                removed = s.removed,
                                "national watchlist applied"
                            ),
                            Err(e) if e.is_refusal() => {
                                tracing::error!(version, error = %e, "a national watchlist release was refused; skipped");
                            }
                            Err(e) => {
                                tracing::warn!(version, error = %e, "cannot apply a national watchlist release; it will come again");
                                tokio::time::sleep(Duration::from_secs(1)).await;
                                continue;
                            }
                        }
                    }
                }
                if let Err(e) = station
                    .advance_replication_cursor(VERSION_CURSOR, version)
                    .await
                {
                    tracing::warn!(version, error = %e, "cannot record the watchlist version");
                    continue;
                }
            } else if applied == u64::MAX {
                continue;
            }
            let _ = message.ack().await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn release(n: usize) -> Release {
        let entries = (0..n)
            .map(|i| WatchlistEntry {
                id: format!("national:{i}"),
                list: ListKind::Wanted,
                names: vec![format!("PERSON NUMBER {i}")],
                birth_dates: Vec::new(),
                sex: None,
                nationalities: vec!["MNG".into()],
                documents: Vec::new(),
                reason: "a reason long enough to weigh something in the message".into(),
                action: "arrest".into(),
                face_template: None,
            })
            .collect();
        Release::national(
            Imported {
                entries,
                warnings: Vec::new(),
                records: n as u64,
                skipped: 0,
                source: None,
            },
            ListKind::Wanted,
            Format::Csv,
        )
    }

    #[test]
    fn a_release_that_fits_is_one_message_as_before() {
        let r = release(10);
        let parts = r.split("x", 1 << 20).unwrap();
        assert_eq!(parts, vec![r.clone()]);
        let text = serde_json::to_string(&parts[0]).unwrap();
        assert!(
            !text.contains("release_id") && !text.contains("first_seq"),
            "{text}"
        );
        // A release from before parts existed reads as one part of one.
        let old: Release = serde_json::from_str(
            r#"{"list":"wanted","format":"csv","records":0,"skipped":0,"entries":[]}"#,
        )
        .unwrap();
        assert_eq!((old.part, old.parts), (1, 1));
    }

    #[test]
    fn a_large_release_is_split_in_order_under_the_limit() {
        let r = release(2000);
        let limit = 16 * 1024;
        let parts = r.split("rel-1", limit).unwrap();
        assert!(parts.len() > 5, "{}", parts.len());
        let n = parts.len() as u32;
        let mut ids = Vec::new();
        for (i, p) in parts.iter().enumerate() {
            assert_eq!(
                (p.part, p.parts, p.release_id.as_str()),
                (i as u32 + 1, n, "rel-1")
            );
            // The first_seq the sender fills in still fits.
            let mut p = p.clone();
            p.first_seq = Some(u64::MAX);
            assert!(serde_json::to_vec(&p).unwrap().len() <= limit);
            ids.extend(p.entries.iter().map(|e| e.id.clone()));
        }
        let want: Vec<String> = r.entries.iter().map(|e| e.id.clone()).collect();
        assert_eq!(ids, want);
    }

    #[test]
    fn an_entry_larger_than_a_message_is_refused_by_name() {
        let mut r = release(3);
        r.entries[1].names.push("A".repeat(20_000));
        let e = r.split("x", 8192).unwrap_err();
        assert!(e.contains("national:1") && e.contains("8192"), "{e}");
    }
}
