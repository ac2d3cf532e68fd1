use std::sync::{Arc, Mutex};
use std::time::Instant;

use chrono::{DateTime, Utc};
use guomen_port::Port;
use guomen_store::{Appended, Change, Store, StoreResult};
use serde_json::Value;
use tokio::sync::{broadcast, mpsc};

use crate::device::{DEVICE_QUEUE, DeviceInput, DownlinkHub};

use crate::auth::LoginThrottle;
use crate::config::ServeConfig;
use crate::metrics::Metrics;

/// Everything a handler may reach. Cheap to clone.
#[derive(Clone)]
pub struct AppState {
    pub store: Arc<dyn Store>,
    pub port: Arc<Port>,
    /// `GET /api/v1/port`'s body, rendered once: the port does not change while running.
    pub port_json: Arc<serde_json::Value>,
    pub metrics: Arc<Metrics>,
    pub throttle: Arc<LoginThrottle>,
    pub config: Arc<ServeConfig>,
    /// Everything that happens, as it happens: journal events once durable, and ephemeral
    /// facts (a unit's position between journaled fixes). The live stream reads from here.
    pub bus: broadcast::Sender<Arc<BusEvent>>,
    /// Decoded, authenticated device inputs from every protocol edge, in arrival order.
    pub device_tx: mpsc::Sender<DeviceInput>,
    /// The receiving end, taken once by the command engine's consumer at start-up.
    pub device_rx: Arc<Mutex<Option<mpsc::Receiver<DeviceInput>>>>,
    /// Connected unit terminals that can receive orders.
    pub downlinks: Arc<DownlinkHub>,
    /// The duty command engine (incidents, units, links), rebuilt from the journal at start.
    pub ops: Arc<crate::ops::Ops>,
    /// The live watchlist index and the import/decision locks.
    pub clearance: Arc<crate::clearance::Clearance>,
    /// Every device input the command engine takes, in the order it takes them: for tests of
    /// the protocol edges and for troubleshooting, without stealing the engine's queue.
    pub device_tap: broadcast::Sender<DeviceInput>,
}

/// One fact on the live bus. `seq` is the journal sequence number, `None` for ephemeral facts
/// that are not journaled (a client that reconnects gets the next one instead).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct BusEvent {
    pub seq: Option<u64>,
    pub time: DateTime<Utc>,
    pub kind: String,
    pub actor: String,
    pub payload: Value,
}

/// How many events a slow live-stream client may lag before it must resume from the journal.
pub const BUS_CAPACITY: usize = 8192;

impl AppState {
    pub fn new(store: Arc<dyn Store>, port: Port, config: ServeConfig) -> Self {
        let port_json = Arc::new(port.to_api_json());
        // `serve::start` checks the port builds an engine before getting here; the built-in
        // port is the fallback only for callers that skipped that check.
        let ops = crate::ops::Ops::for_port(&port)
            .or_else(|| crate::ops::Ops::for_port(&guomen_port::erenhot()))
            .map(Arc::new)
            .unwrap_or_else(|| unreachable!("the built-in port always builds an engine"));
        let (device_tx, device_rx) = mpsc::channel(DEVICE_QUEUE);
        AppState {
            store,
            port: Arc::new(port),
            port_json,
            metrics: Arc::new(Metrics::default()),
            throttle: Arc::new(LoginThrottle::default()),
            config: Arc::new(config),
            bus: broadcast::channel(BUS_CAPACITY).0,
            device_tx,
            device_rx: Arc::new(Mutex::new(Some(device_rx))),
            downlinks: Arc::new(DownlinkHub::default()),
            device_tap: broadcast::channel(1024).0,
            clearance: Arc::new(crate::clearance::Clearance::default()),
            ops,
        }
    }

    /// Appends through the store, records latency and errors in the metrics, and publishes
    /// the durable events on the bus.
    pub async fn append(&self, changes: Vec<Change>) -> StoreResult<Vec<Appended>> {
        let started = Instant::now();
        let events: Vec<_> = changes
            .iter()
            .map(|c| {
                (
                    c.event.kind.clone(),
                    c.event.actor.clone(),
                    c.event.payload.clone(),
                )
            })
            .collect();
        let result = self.store.append(changes).await;
        match &result {
            Ok(appended) => {
                self.metrics.journal_append(started.elapsed());
                for (a, (kind, actor, payload)) in appended.iter().zip(events) {
                    // No receiver is not an error: nobody is watching.
                    let _ = self.bus.send(Arc::new(BusEvent {
                        seq: Some(a.seq),
                        time: a.time,
                        kind,
                        actor,
                        payload,
                    }));
                }
            }
            Err(e) => self.metrics.store_error(store_error_kind(e)),
        }
        result
    }

    /// Publishes a fact that is not journaled (see [`BusEvent`]).
    pub fn publish_ephemeral(&self, kind: &str, actor: &str, payload: Value) {
        let _ = self.bus.send(Arc::new(BusEvent {
            seq: None,
            time: Utc::now(),
            kind: kind.to_owned(),
            actor: actor.to_owned(),
            payload,
        }));
    }
}

pub fn store_error_kind(e: &guomen_store::StoreError) -> &'static str {
    use guomen_store::StoreError::*;
    match e {
        Unavailable(_) => "unavailable",
        Locked(_) => "locked",
        Corrupt(_) => "corrupt",
        Conflict(_) => "conflict",
        Invalid(_) => "invalid",
        Closed => "closed",
    }
}
