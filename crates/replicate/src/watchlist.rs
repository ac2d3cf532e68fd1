//! National watchlists flowing down: the centre publishes a release of a list to the stream
//! `GUOMEN_WATCHLIST`; every station follows it with its own durable consumer and applies the
//! releases in order, each in one transaction, then records the release's stream sequence as
//! the version it screens against.

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
}

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
        }
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
        max_messages: 1000,
        ..Default::default()
    })
    .await
    .map_err(|e| format!("cannot create the stream {WATCHLIST_STREAM}: {e}"))
}

/// Publishes a release at the centre; returns its version (the stream sequence).
pub async fn publish(target: &NatsTarget, release: &Release) -> Result<u64, String> {
    let client = target.connect("guomen-watchlist-publish").await?;
    let js = jetstream::new(client);
    ensure_stream(&js).await?;
    let body = serde_json::to_vec(release).map_err(|e| e.to_string())?;
    let ack = js
        .publish(WATCHLIST_SUBJECT, body.into())
        .await
        .map_err(|e| format!("cannot publish the release: {e}"))?
        .await
        .map_err(|e| format!("the release was not acknowledged: {e}"))?;
    Ok(ack.sequence)
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
                match serde_json::from_slice::<Release>(&message.payload) {
                    Err(e) => {
                        tracing::error!(version, error = %e, "a national watchlist release is unreadable; skipped");
                    }
                    Ok(release) => {
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
