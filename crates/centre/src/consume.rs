//! Consuming every station's stream: the centre lists the streams named
//! `GUOMEN_JOURNAL_*` and runs one durable pull consumer on each. A batch is committed to
//! PostgreSQL before any of its messages is acknowledged (each on its own, ack policy
//! `explicit`), so a centre that stops at any point is re-delivered what it had not committed.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use async_nats::jetstream::{self, consumer::pull};
use futures::StreamExt as _;
use guomen_replicate::{NatsTarget, STREAM_PREFIX, WireEvent};
use tokio::sync::watch;

use crate::{Centre, GAP_GRACE};

/// The durable consumer's name on every station stream.
pub const CONSUMER: &str = "guomen-centre";
/// Most messages per batch (one PostgreSQL round trip).
pub const BATCH: usize = 2000;

/// Runs until `stop` turns true: discovers station streams every two seconds and consumes
/// each into `centre`.
pub async fn run(centre: Arc<Centre>, nats: NatsTarget, mut stop: watch::Receiver<bool>) {
    let client = match nats.connect("guomen-centre").await {
        Ok(c) => c,
        Err(e) => {
            tracing::error!(error = %e, "the centre cannot consume");
            return;
        }
    };
    let mut js = jetstream::new(client);
    js.set_timeout(Duration::from_secs(5));
    let mut running: HashSet<String> = HashSet::new();
    let mut tasks = tokio::task::JoinSet::new();
    loop {
        let mut names = js.stream_names();
        let mut listed = Vec::new();
        let mut failed = false;
        while let Some(n) = names.next().await {
            match n {
                Ok(n) => listed.push(n),
                Err(e) => {
                    tracing::debug!(error = %e, "cannot list streams");
                    failed = true;
                    break;
                }
            }
        }
        if !failed {
            for name in listed {
                let Some(station) = name.strip_prefix(STREAM_PREFIX) else {
                    continue;
                };
                if running.insert(name.clone()) {
                    tracing::info!(station, "consuming a station's journal");
                    tasks.spawn(consume_stream(
                        Arc::clone(&centre),
                        js.clone(),
                        name.clone(),
                        station.to_owned(),
                        stop.clone(),
                    ));
                }
            }
        }
        if let Err(e) = centre.check_gaps(GAP_GRACE).await {
            tracing::warn!(error = %e, "cannot check the chains for gaps");
        }
        tokio::select! {
            _ = stop.changed() => break,
            _ = tokio::time::sleep(Duration::from_secs(2)) => {}
        }
    }
    while tasks.join_next().await.is_some() {}
}

async fn consumer(
    js: &jetstream::Context,
    stream: &str,
) -> Result<jetstream::consumer::Consumer<pull::Config>, String> {
    let s = js.get_stream(stream).await.map_err(|e| e.to_string())?;
    s.get_or_create_consumer(
        CONSUMER,
        pull::Config {
            durable_name: Some(CONSUMER.to_owned()),
            // Each message is acknowledged on its own once stored. Acknowledging "all up to"
            // the last of a batch would also acknowledge an earlier message still awaiting
            // redelivery (delivered before a cut link, never stored): a hole for good.
            ack_policy: jetstream::consumer::AckPolicy::Explicit,
            ack_wait: Duration::from_secs(15),
            max_ack_pending: 100_000,
            ..Default::default()
        },
    )
    .await
    .map_err(|e| e.to_string())
}

async fn consume_stream(
    centre: Arc<Centre>,
    js: jetstream::Context,
    stream: String,
    station: String,
    stop: watch::Receiver<bool>,
) {
    let subject = guomen_replicate::subject(&station);
    let mut failures: u32 = 0;
    'outer: while !*stop.borrow() {
        let c = match consumer(&js, &stream).await {
            Ok(c) => c,
            Err(e) => {
                failures += 1;
                if failures == 1 || failures.is_multiple_of(30) {
                    tracing::warn!(%stream, error = %e, "cannot open the consumer; retrying");
                }
                tokio::time::sleep(Duration::from_millis(500)).await;
                continue;
            }
        };
        loop {
            if *stop.borrow() {
                break 'outer;
            }
            let batch = c
                .batch()
                .max_messages(BATCH)
                .expires(Duration::from_millis(500))
                .messages()
                .await;
            let mut batch = match batch {
                Ok(b) => b,
                Err(e) => {
                    tracing::debug!(%stream, error = %e, "fetch failed");
                    tokio::time::sleep(Duration::from_millis(500)).await;
                    continue 'outer;
                }
            };
            let mut messages = Vec::new();
            while let Some(m) = batch.next().await {
                match m {
                    Ok(m) => messages.push(m),
                    Err(e) => {
                        tracing::debug!(%stream, error = %e, "batch ended early");
                        break;
                    }
                }
            }
            if messages.is_empty() {
                continue;
            }
            let mut events = Vec::with_capacity(messages.len());
            for m in &messages {
                // The subject proves the origin: a station may publish only its own.
                if m.subject.as_str() != subject {
                    continue;
                }
                match serde_json::from_slice::<WireEvent>(&m.payload) {
                    Ok(e) if e.station == station => events.push(e),
                    Ok(e) => {
                        let _ = centre
                            .alarm(
                                &station,
                                e.seq,
                                &format!("refused: message names station `{}`", e.station),
                            )
                            .await;
                    }
                    Err(e) => {
                        let seq = m.info().map(|i| i.stream_sequence).unwrap_or(0);
                        let _ = centre
                            .alarm(
                                &station,
                                0,
                                &format!("refused: stream message {seq} is not an event: {e}"),
                            )
                            .await;
                    }
                }
            }
            // Not acknowledged until committed: on failure the batch comes again.
            loop {
                match centre.ingest(events.clone()).await {
                    Ok(_) => break,
                    Err(e) => {
                        tracing::warn!(%stream, error = %e, "cannot store a batch; retrying");
                        if *stop.borrow() {
                            break 'outer;
                        }
                        tokio::time::sleep(Duration::from_secs(1)).await;
                    }
                }
            }
            for m in &messages {
                if let Err(e) = m.ack().await {
                    tracing::debug!(%stream, error = %e, "ack failed; the message will come again");
                }
            }
            failures = 0;
        }
    }
}
