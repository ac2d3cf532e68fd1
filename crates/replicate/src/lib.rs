//! A station's journal replicated to the national centre over NATS JetStream.
//!
//! The station publishes every journal event, in order, to `guomen.journal.{station}` with the
//! message id `{station}:{seq}`, into the stream `GUOMEN_JOURNAL_{station}` (limits retention,
//! 30 days by default), which it creates when missing. Where it has got to is a cursor in the
//! station's own store, advanced only on the stream's acknowledgement: a station that loses
//! its link, or is killed, starts again from the cursor, and whatever is sent twice is dropped
//! by JetStream's de-duplication window or, past it, by the centre's idempotent inserts.
//!
//! Architecture invariant: this crate is the only place that publishes a journal. The station
//! knows no protocol; the server wires this crate in for `guomen serve --replicate`.

pub mod watchlist;
pub mod wire;

use std::time::Duration;

use async_nats::jetstream;
use guomen_station::Station;
use tokio::sync::watch;

pub use wire::WireEvent;

/// JetStream's default de-duplication window is two minutes; a station that is cut off
/// longer re-sends what the stream may already hold, and the centre's inserts absorb it.
pub const DUPLICATE_WINDOW: Duration = Duration::from_secs(120);

/// The subject a station publishes its journal on.
pub fn subject(station: &str) -> String {
    format!("guomen.journal.{station}")
}

/// The stream that holds a station's journal.
pub fn stream_name(station: &str) -> String {
    format!("GUOMEN_JOURNAL_{station}")
}

/// The prefix of every station's journal stream, for the centre's discovery.
pub const STREAM_PREFIX: &str = "GUOMEN_JOURNAL_";

/// A station id goes into a subject and a stream name: letters, digits, `_` and `-` only.
pub fn check_station_id(id: &str) -> Result<(), String> {
    if id.is_empty() || id.len() > 64 {
        return Err(format!("station id `{id}` must be 1 to 64 characters"));
    }
    if let Some(c) = id
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || *c == '_' || *c == '-'))
    {
        return Err(format!(
            "station id `{id}` has `{c}`: only letters, digits, `_` and `-` may be used (it \
             names a NATS subject and stream)"
        ));
    }
    Ok(())
}

/// A NATS server address with optional credentials, from `nats://[USER:PASSWORD@]HOST:PORT`.
#[derive(Clone, PartialEq, Eq)]
pub struct NatsTarget {
    /// `nats://HOST:PORT`, without credentials: safe to log and show.
    pub url: String,
    pub user: Option<String>,
    pub password: Option<String>,
}

impl std::fmt::Debug for NatsTarget {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NatsTarget")
            .field("url", &self.url)
            .field("user", &self.user)
            .finish_non_exhaustive()
    }
}

impl NatsTarget {
    pub fn parse(text: &str) -> Result<NatsTarget, String> {
        let rest = text
            .strip_prefix("nats://")
            .ok_or_else(|| format!("`{text}` is not a nats://HOST:PORT address"))?;
        let (creds, host) = match rest.rsplit_once('@') {
            Some((c, h)) => (Some(c), h),
            None => (None, rest),
        };
        let host = host.trim_end_matches('/');
        let Some((h, port)) = host.rsplit_once(':') else {
            return Err(format!("`{text}` needs a port: nats://HOST:PORT"));
        };
        if h.is_empty() || port.parse::<u16>().is_err() {
            return Err(format!("`{text}` is not a nats://HOST:PORT address"));
        }
        let (user, password) = match creds {
            None => (None, None),
            Some(c) => match c.split_once(':') {
                Some((u, p)) => (Some(u.to_owned()), Some(p.to_owned())),
                None => (Some(c.to_owned()), None),
            },
        };
        Ok(NatsTarget {
            url: format!("nats://{host}"),
            user,
            password,
        })
    }

    /// Connects; the client keeps reconnecting on its own for as long as it lives, so a
    /// NATS server that is down at start or restarts later is only a pause.
    pub async fn connect(&self, name: &str) -> Result<async_nats::Client, String> {
        self.connect_with(name, async_nats::ConnectOptions::new())
            .await
    }

    /// [`NatsTarget::connect`] with options of the caller's (an event callback...).
    pub async fn connect_with(
        &self,
        name: &str,
        options: async_nats::ConnectOptions,
    ) -> Result<async_nats::Client, String> {
        let mut options = options
            .name(name)
            .retry_on_initial_connect()
            .max_reconnects(None)
            .connection_timeout(Duration::from_secs(5))
            .reconnect_delay_callback(|attempts| {
                Duration::from_millis((250 * attempts as u64).min(2_000))
            });
        if let Some(user) = &self.user {
            options =
                options.user_and_password(user.clone(), self.password.clone().unwrap_or_default());
        }
        options
            .connect(self.url.as_str())
            .await
            .map_err(|e| format!("cannot connect to {}: {e}", self.url))
    }
}

/// How a station replicates.
#[derive(Debug, Clone)]
pub struct Config {
    pub target: NatsTarget,
    pub station_id: String,
    /// Kinds whose content stays at the station; they travel as stubs.
    pub keep_local: Vec<String>,
    /// How long the stream keeps events (limits retention).
    pub max_age: Duration,
    /// Events per round of publishes; their acknowledgements are awaited together.
    pub batch: u32,
}

impl Config {
    pub fn new(target: NatsTarget, station_id: &str) -> Config {
        Config {
            target,
            station_id: station_id.to_owned(),
            keep_local: Vec::new(),
            max_age: Duration::from_secs(30 * 24 * 3600),
            batch: 512,
        }
    }

    /// The cursor's name in the station's store.
    pub fn cursor_name(&self) -> String {
        format!("nats:{}", subject(&self.station_id))
    }
}

type Error = Box<dyn std::error::Error + Send + Sync>;

/// Creates the station's stream if it is missing.
pub async fn ensure_stream(
    js: &jetstream::Context,
    station: &str,
    max_age: Duration,
) -> Result<(), Error> {
    js.get_or_create_stream(jetstream::stream::Config {
        name: stream_name(station),
        subjects: vec![subject(station)],
        retention: jetstream::stream::RetentionPolicy::Limits,
        storage: jetstream::stream::StorageType::File,
        max_age,
        duplicate_window: DUPLICATE_WINDOW,
        ..Default::default()
    })
    .await?;
    Ok(())
}

/// Publishes from the cursor until the journal is drained, then waits for more; runs until
/// `stop` turns true. Never gives up: a failed round is retried from the cursor.
pub async fn run(station: Station, cfg: Config, mut stop: watch::Receiver<bool>) {
    let shown = format!("{} {}", cfg.target.url, subject(&cfg.station_id));
    station.replication_started(&cfg.station_id, &cfg.cursor_name());
    // The link's state as the client sees it, at once: a publish in flight would only notice
    // at its timeout.
    let watcher = station.clone();
    let events = async_nats::ConnectOptions::new().event_callback(move |event| {
        let station = watcher.clone();
        async move {
            match event {
                async_nats::Event::Connected => station.replication_link(Ok(())),
                async_nats::Event::Disconnected => {
                    station.replication_link(Err("disconnected from the NATS server".into()))
                }
                _ => {}
            }
        }
    });
    let client = match cfg
        .target
        .connect_with(&format!("guomen-station-{}", cfg.station_id), events)
        .await
    {
        Ok(c) => c,
        Err(e) => {
            tracing::error!(error = %e, "replication cannot start");
            station.replication_link(Err(e));
            return;
        }
    };
    let mut js = jetstream::new(client);
    js.set_timeout(Duration::from_secs(5));
    tracing::info!(target = %shown, "replicating the journal");
    tokio::spawn(watchlist::follow(
        station.clone(),
        js.clone(),
        cfg.station_id.clone(),
        stop.clone(),
    ));
    let mut bus = station.subscribe();
    let mut stream_ready = false;
    let mut failures: u32 = 0;
    loop {
        if *stop.borrow() {
            return;
        }
        let round = async {
            if !stream_ready {
                ensure_stream(&js, &cfg.station_id, cfg.max_age).await?;
                stream_ready = true;
            }
            publish_round(&station, &js, &cfg).await
        }
        .await;
        match round {
            Ok(0) => {
                failures = 0;
                let _ = station.replication_status().await;
                // Idle: wake on the next journaled event, or poll now and then (an operator's
                // tool may write the journal from another process).
                tokio::select! {
                    _ = stop.changed() => {}
                    _ = bus.recv() => {}
                    _ = tokio::time::sleep(Duration::from_millis(500)) => {}
                }
            }
            Ok(_) => failures = 0,
            Err(e) => {
                failures = failures.saturating_add(1);
                if failures == 1 || failures.is_multiple_of(20) {
                    tracing::warn!(target = %shown, error = %e, failures, "replication round failed; retrying from the cursor");
                }
                station.replication_link(Err(e.to_string()));
                let _ = station.replication_status().await;
                // The stream may have been lost with the server's store: check it again.
                stream_ready = false;
                let pause = Duration::from_millis(200 * u64::from(failures.min(10)));
                tokio::select! {
                    _ = stop.changed() => {}
                    _ = tokio::time::sleep(pause) => {}
                }
            }
        }
    }
}

/// One round: up to `batch` events after the cursor, published back to back, acknowledgements
/// awaited in order; the cursor advances to the last event acknowledged without a gap.
/// Returns how many events were acknowledged.
pub async fn publish_round(
    station: &Station,
    js: &jetstream::Context,
    cfg: &Config,
) -> Result<usize, Error> {
    let name = cfg.cursor_name();
    let cursor = station.replication_cursor(&name).await?;
    let rows = station.replication_events(cursor, cfg.batch).await?;
    if rows.is_empty() {
        return Ok(0);
    }
    let subject = subject(&cfg.station_id);
    let mut pending = Vec::with_capacity(rows.len());
    for row in rows {
        let event = WireEvent::from_row(&cfg.station_id, row, &cfg.keep_local);
        let mut headers = async_nats::HeaderMap::new();
        headers.insert("Nats-Msg-Id", event.message_id().as_str());
        let body = serde_json::to_vec(&event)?;
        let ack = js
            .publish_with_headers(subject.clone(), headers, body.into())
            .await?;
        pending.push((event.seq, ack));
    }
    let mut acked = cursor;
    let mut failed = None;
    for (seq, ack) in pending {
        match ack.await {
            Ok(_) if failed.is_none() => acked = seq,
            Ok(_) => {}
            Err(e) => {
                if failed.is_none() {
                    failed = Some(e);
                }
            }
        }
    }
    if acked > cursor {
        station.advance_replication_cursor(&name, acked).await?;
    }
    match failed {
        Some(e) => Err(e.into()),
        None => {
            station.replication_link(Ok(()));
            Ok((acked - cursor) as usize)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_parse_with_and_without_credentials() {
        let t = NatsTarget::parse("nats://127.0.0.1:4222").unwrap();
        assert_eq!(t.url, "nats://127.0.0.1:4222");
        assert_eq!(t.user, None);
        let t = NatsTarget::parse("nats://erenhot:s3cr%t@hub.example:4222").unwrap();
        assert_eq!(t.url, "nats://hub.example:4222");
        assert_eq!(t.user.as_deref(), Some("erenhot"));
        assert_eq!(t.password.as_deref(), Some("s3cr%t"));
        assert!(!format!("{t:?}").contains("s3cr"));
        for bad in ["http://h:1", "nats://h", "nats://:4222", "nats://h:port"] {
            assert!(NatsTarget::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn station_ids_fit_subjects_and_streams() {
        assert!(check_station_id("erenhot-1_A").is_ok());
        for bad in ["", "a.b", "a b", "a*", "a>", "中"] {
            assert!(check_station_id(bad).is_err(), "{bad}");
        }
        assert_eq!(subject("erenhot"), "guomen.journal.erenhot");
        assert_eq!(stream_name("erenhot"), "GUOMEN_JOURNAL_erenhot");
    }
}
