//! guomen's station: the application layer. Every use case — inspect and decide, import a
//! watchlist, a sensor event, a position, a link heartbeat, incident actions, unit status,
//! the duty log, users and tokens, statistics — is a method of [`Station`] that takes a typed
//! command and the acting [`Principal`] and returns a typed result or a [`StationError`]
//! split by audience.
//!
//! The station owns the store, the engines, the live bus and the [`Clock`]. It knows no
//! protocol.
//!
//! Architecture invariant: the station crate knows no protocol. It depends on no HTTP crate
//! (no axum, hyper, tower, utoipa) and opens no socket; the server maps HTTP, SSE, MQTT,
//! JT/T 808 and NMEA onto it, and the CLI calls it directly.

pub mod accounts;
pub mod anchor;
pub mod auth;
pub mod cases;
pub mod clearance;
pub mod clock;
pub mod device;
pub mod duty_log;
pub mod error;
pub mod event;
pub mod flow;
pub mod journal;
pub mod metrics;
pub mod ops;
pub mod replication;
pub mod road;
pub mod stats;
pub mod store;
pub mod terminals;
pub mod trains;
pub mod users;

use std::sync::{Arc, Mutex};
use std::time::Instant;

use chrono::{DateTime, FixedOffset, NaiveDate, Utc};
use guomen_port::Port;
use guomen_store::{Appended, Change, Store, StoreResult};
use serde_json::Value;
use tokio::sync::{broadcast, mpsc};

pub use auth::Principal;
pub use clock::{Clock, SimClock, SystemClock};
pub use error::{Refusal, StationError, StationResult};
pub use event::{Audience, Event, EventKind};

use crate::device::{DEVICE_QUEUE, DeviceInput, DownlinkHub};
use crate::metrics::Metrics;

/// The journal actor of the station itself (start, stop, timers).
pub const SYSTEM: &str = "system";

/// One station: cheap to clone, every clone the same station.
#[derive(Clone)]
pub struct Station {
    pub(crate) store: Arc<dyn Store>,
    pub(crate) port: Arc<Port>,
    /// `GET /api/v1/port`'s body, rendered once: the port does not change while running.
    pub(crate) port_json: Arc<Value>,
    pub(crate) metrics: Arc<Metrics>,
    pub(crate) clock: Arc<dyn Clock>,
    /// Everything that happens, as it happens: journal events once durable, and live facts
    /// (a unit's position between journaled fixes). The live stream reads from here.
    pub(crate) bus: broadcast::Sender<Arc<BusEvent>>,
    /// Decoded, authenticated device inputs from every protocol edge, in arrival order.
    pub(crate) device_tx: mpsc::Sender<DeviceInput>,
    /// The receiving end, taken once by the command engine's consumer at start-up.
    pub(crate) device_rx: Arc<Mutex<Option<mpsc::Receiver<DeviceInput>>>>,
    /// Connected unit terminals that can receive orders.
    pub(crate) downlinks: Arc<DownlinkHub>,
    /// The duty command engine (incidents, units, links), rebuilt from the journal at start.
    pub(crate) ops: Arc<ops::Ops>,
    /// The live watchlist index and the import/decision locks.
    pub(crate) clearance: Arc<clearance::Clearance>,
    /// Every device input the command engine takes, in the order it takes them: for tests of
    /// the protocol edges and for troubleshooting, without stealing the engine's queue.
    pub(crate) device_tap: broadcast::Sender<DeviceInput>,
    pub(crate) throttle: Arc<auth::LoginThrottle>,
    /// Password hashes allowed to run at once ([`auth::hash_slot_count`]).
    pub(crate) hash_slots: Arc<tokio::sync::Semaphore>,
    pub(crate) failed_logins: Arc<auth::FailedLogins>,
    /// Appends queued or running: bounded, so a flood of writes is refused at once instead
    /// of growing the store's writer queue without limit.
    pub(crate) write_queue: Arc<WriteQueue>,
    /// Set once the station has stopped: its background tasks end.
    pub(crate) stopped: Arc<std::sync::atomic::AtomicBool>,
    /// Road freight: the booking lock, the carriers' rate limiter and the tuning.
    pub(crate) road: Arc<road::Road>,
    /// The replication link, when the journal is replicated (see [`replication`]).
    pub(crate) replication: Arc<Mutex<Option<replication::Link>>>,
    /// What was observed at each lane recently (starts, ends, counts).
    pub(crate) flow: Arc<flow::Flow>,
    /// Train runs are documents changed read-modify-write: one change at a time.
    pub(crate) trains_writer: Arc<tokio::sync::Mutex<()>>,
}

impl std::fmt::Debug for Station {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Station")
            .field("port", &self.port.id())
            .field("store", &self.store.backend())
            .finish_non_exhaustive()
    }
}

/// One fact on the live bus. `seq` is the journal sequence number, `None` for live facts that
/// are not journaled (a client that reconnects gets the next one instead).
#[derive(Debug, Clone, PartialEq)]
pub struct BusEvent {
    pub seq: Option<u64>,
    pub time: DateTime<Utc>,
    pub actor: String,
    pub event: Event,
}

impl BusEvent {
    pub fn kind(&self) -> EventKind {
        self.event.kind()
    }
}

/// Appends that may be queued or running at once (each a group-commit request).
pub const WRITE_QUEUE: usize = 4096;

/// The bound on appends in flight.
#[derive(Debug)]
pub struct WriteQueue {
    max: std::sync::atomic::AtomicUsize,
    in_flight: std::sync::atomic::AtomicUsize,
}

/// One queued append; dropping it frees the place.
struct WritePlace(Arc<WriteQueue>);

impl Drop for WritePlace {
    fn drop(&mut self) {
        self.0
            .in_flight
            .fetch_sub(1, std::sync::atomic::Ordering::AcqRel);
    }
}

impl WriteQueue {
    fn new(max: usize) -> WriteQueue {
        WriteQueue {
            max: max.into(),
            in_flight: 0.into(),
        }
    }

    fn try_enter(self: &Arc<Self>) -> Option<WritePlace> {
        use std::sync::atomic::Ordering;
        let max = self.max.load(Ordering::Relaxed);
        let prev = self.in_flight.fetch_add(1, Ordering::AcqRel);
        let place = WritePlace(self.clone());
        (prev < max).then_some(place)
    }
}

/// The message of the refusal when the write queue is full (the server answers 503 with
/// `Retry-After`).
pub const WRITE_QUEUE_FULL: &str = "the journal's write queue is full";

/// How many events a slow live-stream client may lag before it must resume from the journal.
pub const BUS_CAPACITY: usize = 8192;

impl Station {
    /// A station over `store` for `port`, on `clock`. Call [`Station::start`] before serving.
    pub fn new(store: Arc<dyn Store>, port: Port, clock: Arc<dyn Clock>) -> Station {
        let port_json = Arc::new(port.to_api_json());
        // The caller checks that the port builds an engine (`Station::check_port`); the
        // built-in port is the fallback only for callers that skipped that check.
        let ops = ops::Ops::for_port(&port)
            .or_else(|| ops::Ops::for_port(&guomen_port::erenhot()))
            .map(Arc::new)
            .unwrap_or_else(|| unreachable!("the built-in port always builds an engine"));
        let (device_tx, device_rx) = mpsc::channel(DEVICE_QUEUE);
        Station {
            store,
            port: Arc::new(port),
            port_json,
            metrics: Arc::new(Metrics::default()),
            clock,
            bus: broadcast::channel(BUS_CAPACITY).0,
            device_tx,
            device_rx: Arc::new(Mutex::new(Some(device_rx))),
            downlinks: Arc::new(DownlinkHub::default()),
            device_tap: broadcast::channel(1024).0,
            clearance: Arc::new(clearance::Clearance::default()),
            ops,
            throttle: Arc::new(auth::LoginThrottle::default()),
            hash_slots: Arc::new(tokio::sync::Semaphore::new(auth::hash_slot_count())),
            failed_logins: Arc::new(auth::FailedLogins::default()),
            stopped: Arc::new(std::sync::atomic::AtomicBool::new(false)),
            write_queue: Arc::new(WriteQueue::new(WRITE_QUEUE)),
            road: Arc::new(road::Road::default()),
            replication: Arc::new(Mutex::new(None)),
            flow: Arc::new(flow::Flow::default()),
            trains_writer: Arc::new(tokio::sync::Mutex::new(())),
        }
    }

    /// Whether a port's geometry builds a command engine (a validated port always does).
    pub fn check_port(port: &Port) -> Result<(), String> {
        guomen_ops::Engine::new(port, guomen_ops::OpsConfig::default())
            .map(|_| ())
            .map_err(|e| e.to_string())
    }

    /// Rebuilds the command state and the watchlist index from the journal and starts the
    /// station's own tasks (device consumer, timers, watchlist poller).
    pub async fn start(&self) -> anyhow::Result<()> {
        self.ensure_counts().await?;
        clearance::start(self).await?;
        road::start(self);
        ops::start(self).await?;
        self.spawn_housekeeping();
        Ok(())
    }

    /// Journals each minute's aggregated failed logins once the minute is over.
    fn spawn_housekeeping(&self) {
        let st = self.clone();
        tokio::spawn(async move {
            let mut every = tokio::time::interval(std::time::Duration::from_secs(20));
            loop {
                every.tick().await;
                if st.store_closed() {
                    return;
                }
                if let Err(e) = st.flush_failed_logins(false).await {
                    tracing::warn!(error = %e, "cannot journal the failed logins");
                }
            }
        });
    }

    /// [`Station::start`] without waiting for the replay (requests wait for it instead).
    pub fn start_in_background(&self) {
        let st = self.clone();
        tokio::spawn(async move {
            if let Err(e) = clearance::start(&st).await {
                tracing::error!(error = %e, "watchlist index did not load");
            }
        });
        road::start(self);
        ops::start_in_background(self);
        self.spawn_housekeeping();
    }

    pub fn port(&self) -> &Port {
        &self.port
    }

    pub fn port_json(&self) -> Arc<Value> {
        self.port_json.clone()
    }

    pub fn metrics(&self) -> &Metrics {
        &self.metrics
    }

    pub fn clock(&self) -> &dyn Clock {
        self.clock.as_ref()
    }

    /// The station clock's now.
    pub fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    /// The port's fixed UTC offset (UTC when the port file has none).
    pub fn utc_offset(&self) -> FixedOffset {
        self.port
            .info
            .timezone
            .parse::<FixedOffset>()
            .ok()
            .or_else(|| FixedOffset::east_opt(0))
            .unwrap_or_else(|| unreachable!("zero is a valid offset"))
    }

    /// The station-local day of an instant: every KPI and statistic speaks of this day.
    pub fn local_day(&self, time: DateTime<Utc>) -> NaiveDate {
        clock::local_day(time, self.utc_offset())
    }

    /// Today, station-local, on the station clock.
    pub fn today(&self) -> NaiveDate {
        self.local_day(self.now())
    }

    /// `sqlite` or `postgres`.
    pub fn backend(&self) -> &'static str {
        self.store.backend()
    }

    /// Subscribes to the live bus.
    pub fn subscribe(&self) -> broadcast::Receiver<Arc<BusEvent>> {
        self.bus.subscribe()
    }

    /// Where protocol edges send decoded, authenticated device inputs.
    pub fn device_sender(&self) -> mpsc::Sender<DeviceInput> {
        self.device_tx.clone()
    }

    /// Every device input the command engine takes, as it takes them.
    pub fn device_tap(&self) -> broadcast::Receiver<DeviceInput> {
        self.device_tap.subscribe()
    }

    pub fn downlinks(&self) -> Arc<DownlinkHub> {
        self.downlinks.clone()
    }

    /// Changes how many appends may be in flight (tests shrink it to see the refusal).
    pub fn set_write_queue_limit(&self, max: usize) {
        self.write_queue
            .max
            .store(max.max(1), std::sync::atomic::Ordering::Relaxed);
    }

    /// Changes the command engine's tuning (tests shorten windows with it).
    pub fn configure_ops(&self, f: impl FnOnce(&mut guomen_ops::OpsConfig)) {
        self.ops.configure(f)
    }

    /// Appends through the store, records latency and errors in the metrics, and publishes
    /// the durable events on the bus. Each change's event must be an [`Event`] (the registry
    /// is checked here, so no kind outside it reaches the journal).
    pub(crate) async fn append(&self, changes: Vec<Change>) -> StoreResult<Vec<Appended>> {
        let mut events = Vec::with_capacity(changes.len());
        for c in &changes {
            let event = Event::from_journal(&c.event.kind, &c.event.payload)
                .map_err(|e| guomen_store::StoreError::Invalid(e.to_string()))?;
            events.push((c.event.actor.clone(), event));
        }
        let Some(place) = self.write_queue.try_enter() else {
            self.metrics.store_error("write_queue_full");
            return Err(guomen_store::StoreError::Unavailable(
                WRITE_QUEUE_FULL.to_owned(),
            ));
        };
        // Spawned, not awaited in place: once queued, an append is applied and published even
        // when the request that asked for it is dropped (client gone, timeout), so the journal
        // and the live bus never disagree.
        let st = self.clone();
        let task = tokio::spawn(async move {
            let r = st.append_now(changes, events).await;
            drop(place);
            r
        });
        match task.await {
            Ok(r) => r,
            Err(e) => Err(guomen_store::StoreError::Unavailable(format!(
                "append task failed: {e}"
            ))),
        }
    }

    async fn append_now(
        &self,
        changes: Vec<Change>,
        events: Vec<(String, Event)>,
    ) -> StoreResult<Vec<Appended>> {
        let started = Instant::now();
        let result = self.store.append(changes).await;
        match &result {
            Ok(appended) => {
                self.metrics.journal_append(started.elapsed());
                for (a, (actor, event)) in appended.iter().zip(events) {
                    self.clearance.count_appended(&event);
                    self.flow.observe(&event, a.time);
                    // No receiver is not an error: nobody is watching.
                    let _ = self.bus.send(Arc::new(BusEvent {
                        seq: Some(a.seq),
                        time: a.time,
                        actor,
                        event,
                    }));
                }
            }
            Err(e) => self.metrics.store_error(store::error_kind(e)),
        }
        result
    }

    /// Appends typed events (no projections) by `actor` at the station clock's now.
    pub(crate) async fn record(&self, actor: &str, events: &[Event]) -> StoreResult<Vec<Appended>> {
        let now = self.now();
        let changes = events
            .iter()
            .map(|e| Change::event(e.to_new(actor, now)))
            .collect();
        self.append(changes).await
    }

    /// Publishes a fact that is not journaled (see [`BusEvent`]).
    pub(crate) fn publish_live(&self, actor: &str, event: Event) {
        let _ = self.bus.send(Arc::new(BusEvent {
            seq: None,
            time: self.now(),
            actor: actor.to_owned(),
            event,
        }));
    }
}

impl Station {
    /// Journals the station's start (what it serves, on which store, which version).
    pub async fn record_start(&self, listen: &str) -> StationResult<()> {
        let event = Event::StationStarted(event::StationStarted {
            listen: listen.to_owned(),
            store: self.store.backend().to_owned(),
            port: self.port.id().to_owned(),
            version: env!("CARGO_PKG_VERSION").to_owned(),
        });
        self.record(SYSTEM, &[event]).await?;
        Ok(())
    }

    fn store_closed(&self) -> bool {
        self.stopped.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Lets queued writes drain and closes the store (a tool's station; a served station
    /// calls [`Station::stop`]).
    pub async fn close(&self) {
        self.store.close().await;
    }

    /// Journals the stop, then lets queued writes drain and closes the store.
    pub async fn stop(&self) {
        let _ = self.flush_failed_logins(true).await;
        self.stopped
            .store(true, std::sync::atomic::Ordering::Relaxed);
        let _ = self
            .record(SYSTEM, &[Event::StationStopped(event::StationStopped {})])
            .await;
        self.store.close().await;
    }
}
