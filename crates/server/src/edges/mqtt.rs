//! MQTT: sensor events, link heartbeats and unit positions, from an embedded broker (rumqttd)
//! or an external one (the station subscribes with rumqttc).
//!
//! Topics (JSON payloads, UTF-8):
//! - `guomen/sensors/{sensor_id}/events`: `{"kind", "time"?, "confidence"?, "token"?}`
//! - `guomen/links/{link_id}/heartbeat`: `{"time"?, "token"?}`
//! - `guomen/units/{unit_id}/position`: `{"lat", "lon", "time"?, "speed_kmh"?, "course"?, "token"?}`
//! - `guomen/lanes/{lane_id}/queue`: `{"count", "time"?, "token"}` from a camera counter; the
//!   token is required even on the embedded broker, because the device's scopes must cover
//!   the lane (`Principal::speaks_for`).
//!
//! Authentication. Embedded broker: the MQTT CONNECT must carry user name = a device user's
//! name and password = that user's API token (checked against the store through rumqttd's
//! `external_auth` hook); anything else is refused at CONNECT. rumqttd does not tell a local
//! subscriber who published a message, so a message is attributed to `device:NAME` when it
//! also carries its `token`, otherwise to `device:mqtt` (authenticated by the broker, name
//! unknown). External broker: the broker's own authentication applies and every message must
//! carry a device `token` (validated, cached for a minute).

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use chrono::{DateTime, Utc};
use serde_json::Value;
use tokio::sync::watch;

use super::{DeviceTokens, forward, stopped};
use crate::config::MqttConfig;
use crate::state::AppState;
use guomen_station::device::{DeviceInput, Via};

const REJECTED: &str = "mqtt_rejected";
const ACCEPTED: &str = "mqtt_accepted";
/// Largest payload the embedded broker takes.
const MAX_PAYLOAD: usize = 16 * 1024;
/// The topic filters the station subscribes to.
pub const FILTERS: [&str; 4] = [
    "guomen/sensors/+/events",
    "guomen/links/+/heartbeat",
    "guomen/units/+/position",
    "guomen/lanes/+/queue",
];

struct Ctx {
    state: AppState,
    tokens: DeviceTokens,
}

/// Starts MQTT as configured; the embedded broker's address when one runs.
pub async fn start(
    state: AppState,
    cfg: &MqttConfig,
    stop: watch::Receiver<bool>,
) -> anyhow::Result<Option<SocketAddr>> {
    let ctx = Arc::new(Ctx {
        state,
        tokens: DeviceTokens::default(),
    });
    match cfg {
        MqttConfig::Off => Ok(None),
        MqttConfig::Embedded(addr) => embedded(ctx, *addr, stop).await.map(Some),
        MqttConfig::External {
            host,
            port,
            username,
            password,
        } => {
            external(ctx, host, *port, username.clone(), password.clone(), stop);
            Ok(None)
        }
    }
}

const PROBE_USER: &str = "guomen-station-probe";
/// The probe session's keep-alive (rumqttd refuses 0); it pings at a third of it.
const PROBE_KEEP_ALIVE_S: u16 = 3600;

/// Keeps the probe's session alive with PINGREQ until the station stops.
async fn hold_probe(session: Option<tokio::net::TcpStream>, mut stop: watch::Receiver<bool>) {
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
    let Some(mut s) = session else { return };
    let mut every = tokio::time::interval(Duration::from_secs(u64::from(PROBE_KEEP_ALIVE_S) / 3));
    every.tick().await;
    loop {
        tokio::select! {
            _ = stopped(&mut stop) => {
                // The broker has no shutdown and outlives this task; closing the session now
                // would only make it log a disconnect as an error. The process's exit closes it.
                std::mem::forget(s);
                return;
            }
            _ = every.tick() => {
                let mut pong = [0u8; 2];
                if s.write_all(&[0xC0, 0x00]).await.is_err() || s.read_exact(&mut pong).await.is_err() {
                    return;
                }
            }
        }
    }
}

/// Connects to the embedded broker as its own probe: a full MQTT 3.1.1 CONNECT and its
/// CONNACK. The session is returned and kept open while the station runs:
/// rumqttd logs every disconnect as an error, and a probe is not one.
async fn probe(addr: SocketAddr, secret: &str) -> Option<tokio::net::TcpStream> {
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
    let Ok(Ok(mut s)) =
        tokio::time::timeout(Duration::from_secs(1), tokio::net::TcpStream::connect(addr)).await
    else {
        return None;
    };
    let field = |b: &mut Vec<u8>, v: &[u8]| {
        b.extend_from_slice(&(v.len() as u16).to_be_bytes());
        b.extend_from_slice(v);
    };
    let mut body = Vec::new();
    field(&mut body, b"MQTT");
    body.push(4); // protocol level 3.1.1
    body.push(0b1100_0010); // user name, password, clean session
    body.extend_from_slice(&PROBE_KEEP_ALIVE_S.to_be_bytes());
    field(&mut body, b"guomen-probe");
    field(&mut body, PROBE_USER.as_bytes());
    field(&mut body, secret.as_bytes());
    // Remaining length fits in one byte: the body is well under 128 bytes.
    let mut packet = vec![0x10, body.len() as u8];
    packet.extend_from_slice(&body);
    let mut ack = [0u8; 4];
    let ok = async {
        s.write_all(&packet).await?;
        s.read_exact(&mut ack).await?;
        std::io::Result::Ok(())
    };
    let accepted = matches!(
        tokio::time::timeout(Duration::from_secs(2), ok).await,
        Ok(Ok(()))
    ) && ack == [0x20, 0x02, 0x00, 0x00];
    accepted.then_some(s)
}

async fn embedded(
    ctx: Arc<Ctx>,
    addr: SocketAddr,
    mut stop: watch::Receiver<bool>,
) -> anyhow::Result<SocketAddr> {
    // rumqttd binds inside its own thread and reports failure only in its log, so check the
    // address here first (and resolve port 0 to a concrete one).
    let addr = std::net::TcpListener::bind(addr)
        .and_then(|l| l.local_addr())
        .with_context(|| format!("cannot listen for MQTT on {addr}"))?;
    let handle = tokio::runtime::Handle::current();
    let auth_ctx = ctx.clone();
    // The station's own readiness probe logs in with a secret that never leaves the process,
    // so the broker sees a clean session instead of a connection dropped before CONNECT.
    let probe_secret = guomen_station::auth::new_id();
    let probe_pass = probe_secret.clone();
    let hook: rumqttd::AuthHandler = Arc::new(
        move |_client: String, user: String, pass: String| {
            if user == PROBE_USER && pass == probe_pass {
                return true;
            }
            let (ctx, handle) = (auth_ctx.clone(), handle.clone());
            // The hook is synchronous and runs on the broker's own runtime thread: look the token
            // up on the station's runtime from a scratch thread and wait, bounded.
            std::thread::scope(|s| {
                s.spawn(|| {
                handle.block_on(async {
                    let check = ctx.tokens.verify(&ctx.state, &pass);
                    match tokio::time::timeout(Duration::from_secs(5), check).await {
                        Ok(Some(name)) if name == user => true,
                        _ => {
                            ctx.state.station.metrics().count(REJECTED, "bad_login");
                            tracing::warn!(user = %user, "MQTT login refused: not a device user with this token");
                            false
                        }
                    }
                })
            })
            .join()
            .unwrap_or(false)
            })
        },
    );
    let connections = rumqttd::ConnectionSettings {
        connection_timeout_ms: 10_000,
        max_payload_size: MAX_PAYLOAD,
        max_inflight_count: 100,
        auth: None,
        external_auth: Some(hook),
        dynamic_filters: true,
    };
    let server = rumqttd::ServerSettings {
        name: "guomen-v4".into(),
        listen: addr,
        tls: None,
        next_connection_delay_ms: 1,
        connections,
    };
    let config = rumqttd::Config {
        id: 0,
        router: rumqttd::RouterConfig {
            max_connections: 10_000,
            max_outgoing_packet_count: 200,
            max_segment_size: 1024 * 1024,
            max_segment_count: 10,
            ..Default::default()
        },
        v4: Some([("1".to_owned(), server)].into_iter().collect()),
        ..Default::default()
    };
    let mut broker = rumqttd::Broker::new(config);
    let (mut link_tx, mut link_rx) = broker
        .link("guomen-station")
        .context("cannot attach the station to the embedded broker")?;
    std::thread::Builder::new()
        .name("mqtt-broker".into())
        .spawn(move || {
            if let Err(e) = broker.start() {
                tracing::error!(error = %e, "embedded MQTT broker stopped");
            }
        })
        .context("cannot start the embedded MQTT broker")?;
    for f in FILTERS {
        link_tx
            .subscribe(f)
            .context("cannot subscribe on the embedded broker")?;
    }
    // Answer only once devices can connect, so callers (and tests) can use it at once.
    let mut session = None;
    for _ in 0..200 {
        session = probe(addr, &probe_secret).await;
        if session.is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    tokio::spawn(hold_probe(session, stop.clone()));
    tokio::spawn(async move {
        // The sender must live as long as the subscription.
        let _link_tx = link_tx;
        loop {
            let next = tokio::select! {
                _ = stopped(&mut stop) => break,
                n = link_rx.next() => n,
            };
            match next {
                Ok(Some(rumqttd::Notification::Forward(f))) => {
                    let topic = String::from_utf8_lossy(&f.publish.topic).into_owned();
                    if on_publish(&ctx, &topic, &f.publish.payload, true)
                        .await
                        .is_err()
                    {
                        break;
                    }
                }
                Ok(_) => {}
                Err(e) => {
                    tracing::error!(error = %e, "embedded MQTT broker link closed");
                    break;
                }
            }
        }
    });
    Ok(addr)
}

fn external(
    ctx: Arc<Ctx>,
    host: &str,
    port: u16,
    username: Option<String>,
    password: Option<String>,
    mut stop: watch::Receiver<bool>,
) {
    let client_id = format!("guomen-station-{}", &guomen_station::auth::new_id()[..8]);
    let mut opts = rumqttc::MqttOptions::new(client_id, host, port);
    opts.set_keep_alive(Duration::from_secs(30));
    opts.set_max_packet_size(MAX_PAYLOAD + 1024, MAX_PAYLOAD + 1024);
    if let Some(u) = username {
        opts.set_credentials(u, password.unwrap_or_default());
    }
    let (client, mut events) = rumqttc::AsyncClient::new(opts, 64);
    let target = format!("{host}:{port}");
    tokio::spawn(async move {
        loop {
            let event = tokio::select! {
                _ = stopped(&mut stop) => {
                    let _ = client.disconnect().await;
                    break;
                }
                e = events.poll() => e,
            };
            match event {
                Ok(rumqttc::Event::Incoming(rumqttc::Packet::ConnAck(_))) => {
                    tracing::info!(broker = %target, "connected to the MQTT broker");
                    // A clean session forgets subscriptions: (re)subscribe on every connect.
                    for f in FILTERS {
                        if let Err(e) = client.try_subscribe(f, rumqttc::QoS::AtLeastOnce) {
                            tracing::error!(error = %e, "cannot subscribe to {f}");
                        }
                    }
                }
                Ok(rumqttc::Event::Incoming(rumqttc::Packet::Publish(p))) => {
                    if on_publish(&ctx, &p.topic, &p.payload, false).await.is_err() {
                        break;
                    }
                }
                Ok(_) => {}
                Err(e) => {
                    ctx.state
                        .station
                        .metrics()
                        .count("mqtt_connection", "error");
                    tracing::warn!(broker = %target, error = %e, "MQTT broker connection failed; retrying");
                    tokio::time::sleep(Duration::from_secs(1)).await;
                }
            }
        }
    });
}

fn reject(ctx: &Ctx, topic: &str, reason: &str, detail: &str) {
    ctx.state.station.metrics().count(REJECTED, reason);
    tracing::warn!(topic, reason, detail, "MQTT message rejected");
}

fn opt_time(v: &Value) -> Result<Option<DateTime<Utc>>, String> {
    match v.get("time") {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => DateTime::parse_from_rfc3339(s)
            .map(|t| Some(t.with_timezone(&Utc)))
            .map_err(|e| format!("`time` {s:?} is not RFC 3339: {e}")),
        Some(other) => Err(format!("`time` must be an RFC 3339 string, got {other}")),
    }
}

fn opt_number(v: &Value, key: &str) -> Result<Option<f64>, String> {
    match v.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(x) => x
            .as_f64()
            .filter(|f| f.is_finite())
            .map(Some)
            .ok_or_else(|| format!("`{key}` must be a number")),
    }
}

/// A camera counter's queue count: the device named by its token must be scoped to the lane.
async fn lane_queue(ctx: &Ctx, topic: &str, lane_id: &str, payload: &[u8]) -> Result<(), ()> {
    let v: Value = match serde_json::from_slice(payload) {
        Ok(v @ Value::Object(_)) => v,
        Ok(_) => {
            reject(ctx, topic, "bad_payload", "payload must be a JSON object");
            return Ok(());
        }
        Err(e) => {
            reject(ctx, topic, "bad_payload", &e.to_string());
            return Ok(());
        }
    };
    let Some(token) = v.get("token").and_then(Value::as_str) else {
        reject(
            ctx,
            topic,
            "missing_token",
            "a lane count must carry its device `token`",
        );
        return Ok(());
    };
    let who = match ctx.state.station.authenticate(token).await {
        Ok(Some(p)) if p.role == guomen_domain::Role::Device => p,
        Ok(_) => {
            reject(ctx, topic, "bad_token", "token is not a device user's");
            return Ok(());
        }
        Err(e) => {
            reject(ctx, topic, "store_error", &e.to_string());
            return Ok(());
        }
    };
    let count = match v.get("count").and_then(Value::as_i64) {
        Some(c) => c,
        None => {
            reject(ctx, topic, "bad_count", "`count` must be an integer");
            return Ok(());
        }
    };
    let time = match opt_time(&v) {
        Ok(t) => t,
        Err(e) => {
            reject(ctx, topic, "bad_time", &e);
            return Ok(());
        }
    };
    let q = guomen_station::flow::QueueCount { count, time };
    match ctx.state.station.lane_queue(&who, lane_id, q).await {
        Ok(_) => ctx.state.station.metrics().count(ACCEPTED, "lane_queue"),
        Err(guomen_station::StationError::Refused { code, message, .. }) => {
            reject(ctx, topic, code, &message)
        }
        Err(e) => reject(ctx, topic, "store_error", &e.to_string()),
    }
    Ok(())
}

/// Handles one published message. `Err` only when the engine is gone.
async fn on_publish(ctx: &Ctx, topic: &str, payload: &[u8], broker_auth: bool) -> Result<(), ()> {
    let parts: Vec<&str> = topic.split('/').collect();
    let (what, id) = match parts.as_slice() {
        ["guomen", "lanes", id, "queue"] => return lane_queue(ctx, topic, id, payload).await,
        ["guomen", "sensors", id, "events"] => ("sensor", *id),
        ["guomen", "links", id, "heartbeat"] => ("link", *id),
        ["guomen", "units", id, "position"] => ("unit", *id),
        _ => {
            reject(ctx, topic, "unknown_topic", "not a guomen device topic");
            return Ok(());
        }
    };
    let v: Value = match serde_json::from_slice(payload) {
        Ok(v @ Value::Object(_)) => v,
        Ok(_) => {
            reject(ctx, topic, "bad_payload", "payload must be a JSON object");
            return Ok(());
        }
        Err(e) => {
            reject(ctx, topic, "bad_payload", &e.to_string());
            return Ok(());
        }
    };
    let actor = match v.get("token") {
        Some(Value::String(t)) => match ctx.tokens.verify(&ctx.state, t).await {
            Some(name) => format!("device:{name}"),
            None => {
                reject(ctx, topic, "bad_token", "token is not a device user's");
                return Ok(());
            }
        },
        Some(_) => {
            reject(ctx, topic, "bad_token", "`token` must be a string");
            return Ok(());
        }
        None if broker_auth => "device:mqtt".to_owned(),
        None => {
            reject(
                ctx,
                topic,
                "missing_token",
                "an external broker's messages must carry `token`",
            );
            return Ok(());
        }
    };
    let time = match opt_time(&v) {
        Ok(t) => t,
        Err(e) => {
            reject(ctx, topic, "bad_time", &e);
            return Ok(());
        }
    };
    let port = ctx.state.station.port();
    let input = match what {
        "sensor" => {
            if port.sensor(id).is_none() {
                reject(
                    ctx,
                    topic,
                    "unknown_sensor",
                    &format!("no sensor `{id}` in the port"),
                );
                return Ok(());
            }
            let kind = match v.get("kind").and_then(Value::as_str).map(str::trim) {
                Some(k) if !k.is_empty() && k.len() <= 64 => k.to_owned(),
                _ => {
                    reject(
                        ctx,
                        topic,
                        "bad_kind",
                        "`kind` must be a non-empty string of at most 64 bytes",
                    );
                    return Ok(());
                }
            };
            let confidence = match opt_number(&v, "confidence") {
                Ok(c) if c.is_none_or(|c| (0.0..=1.0).contains(&c)) => c,
                Ok(_) => {
                    reject(
                        ctx,
                        topic,
                        "bad_confidence",
                        "`confidence` must be within 0..1",
                    );
                    return Ok(());
                }
                Err(e) => {
                    reject(ctx, topic, "bad_confidence", &e);
                    return Ok(());
                }
            };
            DeviceInput::SensorEvent {
                sensor_id: id.to_owned(),
                kind,
                time,
                confidence,
                actor,
                via: Via::Mqtt,
            }
        }
        "link" => {
            if !port.links.iter().any(|l| l.id == id) {
                reject(
                    ctx,
                    topic,
                    "unknown_link",
                    &format!("no link `{id}` in the port"),
                );
                return Ok(());
            }
            DeviceInput::LinkHeartbeat {
                link_id: id.to_owned(),
                time: time.unwrap_or_else(|| ctx.state.station.now()),
                via: Via::Mqtt,
            }
        }
        _ => {
            let Some(terminal_id) = port.unit(id).and_then(|u| u.terminal_id.clone()) else {
                reject(
                    ctx,
                    topic,
                    "unknown_unit",
                    &format!("no unit `{id}` with a terminal in the port"),
                );
                return Ok(());
            };
            let (lat, lon) = match (opt_number(&v, "lat"), opt_number(&v, "lon")) {
                (Ok(Some(lat)), Ok(Some(lon)))
                    if (-90.0..=90.0).contains(&lat) && (-180.0..=180.0).contains(&lon) =>
                {
                    (lat, lon)
                }
                _ => {
                    reject(
                        ctx,
                        topic,
                        "bad_position",
                        "`lat` and `lon` must be numbers in range",
                    );
                    return Ok(());
                }
            };
            let (Ok(speed_kmh), Ok(course)) =
                (opt_number(&v, "speed_kmh"), opt_number(&v, "course"))
            else {
                reject(
                    ctx,
                    topic,
                    "bad_position",
                    "`speed_kmh` and `course` must be numbers",
                );
                return Ok(());
            };
            DeviceInput::Position {
                terminal_id,
                lon,
                lat,
                time: time.unwrap_or_else(|| ctx.state.station.now()),
                speed_kmh,
                course,
                alarm: 0,
                status: 0,
                via: Via::Mqtt,
            }
        }
    };
    let label = match &input {
        DeviceInput::SensorEvent { .. } => "sensor_event",
        DeviceInput::LinkHeartbeat { .. } => "link_heartbeat",
        _ => "position",
    };
    ctx.state.station.metrics().count(ACCEPTED, label);
    forward(&ctx.state, input).await
}
