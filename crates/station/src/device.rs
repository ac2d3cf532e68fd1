//! What devices tell the station, whatever protocol carried it. The protocol edges (MQTT,
//! JT/T 808 over TCP, NMEA over TCP/UDP) decode and authenticate, then send a [`DeviceInput`]
//! on the state's device channel; the command engine consumes them in order. Orders going the
//! other way (a dispatch to a unit's terminal) go through the [`DownlinkHub`].

use std::collections::HashMap;
use std::sync::Mutex;

use chrono::{DateTime, Utc};
use serde::Serialize;
use tokio::sync::mpsc;

/// Which edge a device input came through (for logs, metrics and the journal).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Via {
    Http,
    Mqtt,
    Jt808,
    Nmea,
}

impl Via {
    pub fn as_str(self) -> &'static str {
        match self {
            Via::Http => "http",
            Via::Mqtt => "mqtt",
            Via::Jt808 => "jt808",
            Via::Nmea => "nmea",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum DeviceInput {
    /// A perimeter sensor triggered (fence vibration, infrared beam, microwave, radar, video).
    SensorEvent {
        sensor_id: String,
        kind: String,
        /// The device's own clock, if it sent one; the station's receive time otherwise.
        time: Option<DateTime<Utc>>,
        confidence: Option<f64>,
        /// The authenticated device principal (`device:NAME`).
        actor: String,
        via: Via,
    },
    /// A GNSS fix of a unit's terminal.
    Position {
        terminal_id: String,
        lon: f64,
        lat: f64,
        time: DateTime<Utc>,
        speed_kmh: Option<f64>,
        course: Option<f64>,
        /// JT/T 808 alarm and status words (0 when the protocol has none).
        alarm: u32,
        status: u32,
        via: Via,
    },
    /// A terminal connected and authenticated, or went away.
    TerminalOnline {
        terminal_id: String,
        via: Via,
    },
    TerminalOffline {
        terminal_id: String,
        via: Via,
    },
    /// A terminal acknowledged a downlink order (JT/T 808 0x0001 general response).
    OrderAcknowledged {
        terminal_id: String,
        order_serial: u16,
        time: DateTime<Utc>,
    },
    /// A heartbeat from one network link of a site or duty point.
    LinkHeartbeat {
        link_id: String,
        time: DateTime<Utc>,
        via: Via,
    },
}

/// An order to a unit's terminal, e.g. a dispatch text.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Downlink {
    pub terminal_id: String,
    pub text: String,
    /// Incident the order belongs to, for the acknowledgement.
    pub incident_id: Option<String>,
}

/// Connected terminals that can receive orders, keyed by terminal id. The JT/T 808 listener
/// registers a sender per live connection; the command engine looks terminals up here.
#[derive(Debug, Default)]
pub struct DownlinkHub {
    terminals: Mutex<HashMap<String, mpsc::Sender<Downlink>>>,
}

impl DownlinkHub {
    pub fn register(&self, terminal_id: &str, tx: mpsc::Sender<Downlink>) {
        self.lock().insert(terminal_id.to_owned(), tx);
    }

    pub fn unregister(&self, terminal_id: &str) {
        self.lock().remove(terminal_id);
    }

    /// Unregisters the terminal only if `tx` is still its sender: a connection that closes
    /// after the terminal reconnected elsewhere must not remove the newer registration.
    pub fn unregister_sender(&self, terminal_id: &str, tx: &mpsc::Sender<Downlink>) {
        let mut map = self.lock();
        if map.get(terminal_id).is_some_and(|t| t.same_channel(tx)) {
            map.remove(terminal_id);
        }
    }

    /// Sends an order if the terminal is connected; `false` when it is not (or its queue is full).
    pub fn send(&self, order: Downlink) -> bool {
        let tx = self.lock().get(&order.terminal_id).cloned();
        match tx {
            Some(tx) => tx.try_send(order).is_ok(),
            None => false,
        }
    }

    pub fn is_connected(&self, terminal_id: &str) -> bool {
        self.lock().contains_key(terminal_id)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, mpsc::Sender<Downlink>>> {
        self.terminals.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// How many device inputs may wait for the command engine before edges feel back-pressure.
pub const DEVICE_QUEUE: usize = 65_536;
