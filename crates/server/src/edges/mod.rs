//! Protocol edges: the listeners devices talk to. Each decodes and authenticates its protocol,
//! then hands [`DeviceInput`]s to the command engine through `state.device_tx`, in arrival
//! order per connection.
//!
//! - [`jt808`]: JT/T 808 over TCP (BeiDou/GNSS unit terminals), with downlink orders (0x8300).
//! - [`nmea`]: NMEA 0183 over TCP and UDP, identified by a `$PGMN` line.
//! - [`mqtt`]: sensor events, link heartbeats and unit positions over MQTT (and dispatch orders
//!   back), with the station's own authorising broker or an external one.
//!
//! Nothing here blocks one device on another: one task per connection, bounded buffers, read
//! timeouts. Every rejected frame, sentence or message is counted in the metrics by reason.

pub mod jt808;
pub mod mqtt;
pub mod nmea;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use guomen_domain::Role;
use tokio::sync::{mpsc, watch};

use guomen_station::auth::{Principal, token_hash};
use guomen_station::device::DeviceInput;

use crate::state::AppState;

/// Open JT/T 808 connections in all: one per unit terminal, with room for reconnects.
pub const JT808_MAX_CONNECTIONS: usize = 2048;
/// From one address: terminals on a mobile network often share a carrier's NAT address.
pub const JT808_MAX_CONNECTIONS_PER_IP: usize = 256;
/// Open NMEA connections in all: a handful of boats and vehicles per port.
pub const NMEA_MAX_CONNECTIONS: usize = 256;
pub const NMEA_MAX_CONNECTIONS_PER_IP: usize = 32;

/// Where the edges actually listen (ports chosen by the OS are resolved).
#[derive(Debug, Clone, Default)]
pub struct EdgeAddrs {
    pub jt808: Option<SocketAddr>,
    pub nmea: Option<SocketAddr>,
    /// The embedded MQTT broker, when one runs.
    pub mqtt: Option<SocketAddr>,
}

/// Starts every configured edge. They stop when `stop` turns true.
pub async fn start(state: &AppState, stop: watch::Receiver<bool>) -> anyhow::Result<EdgeAddrs> {
    let cfg = state.config.clone();
    let mut addrs = EdgeAddrs::default();
    if let Some(addr) = cfg.jt808_listen {
        addrs.jt808 = Some(
            jt808::start(
                state.clone(),
                addr,
                jt808::Jt808Options::default(),
                stop.clone(),
            )
            .await?,
        );
    }
    if let Some(addr) = cfg.nmea_listen {
        addrs.nmea = Some(nmea::start(state.clone(), addr, stop.clone()).await?);
    }
    addrs.mqtt = mqtt::start(state.clone(), &cfg.mqtt, stop).await?;
    Ok(addrs)
}

/// Hands one input to the command engine. A full queue is counted and then waited on, which
/// slows the sending connection down (back-pressure) instead of dropping anything; `Err` only
/// when the engine is gone.
pub async fn forward(state: &AppState, input: DeviceInput) -> Result<(), ()> {
    let tx = state.station.device_sender();
    match tx.try_send(input) {
        Ok(()) => Ok(()),
        Err(mpsc::error::TrySendError::Full(input)) => {
            state.station.metrics().count("device_queue", "full");
            tx.send(input).await.map_err(|_| {
                state.station.metrics().count("device_queue", "closed");
            })
        }
        Err(mpsc::error::TrySendError::Closed(_)) => {
            state.station.metrics().count("device_queue", "closed");
            Err(())
        }
    }
}

/// How long a verified device token is trusted without asking the store again; a revoked
/// token stops working within this time.
pub const TOKEN_CACHE_TTL: Duration = Duration::from_secs(60);
/// Unknown tokens are remembered for less, so a device that was just given one is not kept out.
const NEGATIVE_TTL: Duration = Duration::from_secs(5);
const CACHE_MAX: usize = 10_000;

/// Verifies device API tokens presented by protocols without HTTP (MQTT, NMEA), with a small
/// cache so a device sending many messages does not cost a store lookup each.
#[derive(Debug, Default)]
pub struct DeviceTokens {
    cache: Mutex<HashMap<String, (Option<Principal>, Instant)>>,
}

impl DeviceTokens {
    /// The device user's name when `token` belongs to an enabled user with role `device`.
    pub async fn verify(&self, state: &AppState, token: &str) -> Option<String> {
        self.principal(state, token).await.map(|p| p.name)
    }

    /// The device principal (with its scopes) when `token` belongs to an enabled user with
    /// role `device`.
    pub async fn principal(&self, state: &AppState, token: &str) -> Option<Principal> {
        let key = token_hash(token);
        if let Some(hit) = self.cached(&key) {
            return hit;
        }
        let who = match state.station.authenticate(token).await {
            Ok(Some(p)) if p.role == Role::Device => Some(p),
            Ok(_) => None,
            Err(e) => {
                // Not cached: the next message retries once the store answers again.
                tracing::warn!(error = %e, "device token check failed: store error");
                return None;
            }
        };
        let mut cache = self.cache.lock().unwrap_or_else(|e| e.into_inner());
        if cache.len() >= CACHE_MAX {
            cache.clear();
        }
        cache.insert(key, (who.clone(), Instant::now()));
        who
    }

    fn cached(&self, key: &str) -> Option<Option<Principal>> {
        let cache = self.cache.lock().unwrap_or_else(|e| e.into_inner());
        let (who, at) = cache.get(key)?;
        let ttl = if who.is_some() {
            TOKEN_CACHE_TTL
        } else {
            NEGATIVE_TTL
        };
        (at.elapsed() < ttl).then(|| who.clone())
    }
}

/// [`forward`] for an input sent by an authenticated device: outside the device's scopes it is
/// dropped (the station counts it as `device_inputs_refused{reason="forbidden"}`).
pub async fn forward_as(state: &AppState, who: &Principal, input: DeviceInput) -> Result<(), ()> {
    if state.station.admit_device_input(who, &input).is_err() {
        return Ok(());
    }
    forward(state, input).await
}

/// Resolves when `stop` turns true (or its sender is gone).
pub(crate) async fn stopped(stop: &mut watch::Receiver<bool>) {
    while !*stop.borrow() {
        if stop.changed().await.is_err() {
            return;
        }
    }
}
