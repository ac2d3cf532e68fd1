//! MQTT: sensor events, link heartbeats and unit positions from devices, dispatch orders to
//! unit terminals; through the station's own broker ([`broker`]) or an external one (the
//! station subscribes with rumqttc).
//!
//! Topics (JSON payloads, UTF-8), and the scope each needs (see [`acl`]):
//! - `guomen/sensors/{sensor_id}/events` (`sensor:ID`): `{"kind", "time"?, "confidence"?}`
//! - `guomen/links/{link_id}/heartbeat` (`link:ID`): `{"time"?}`
//! - `guomen/units/{unit_id}/position` (`unit:ID`): `{"lat", "lon", "time"?, "speed_kmh"?, "course"?}`
//! - `guomen/units/{unit_id}/orders` (`unit:ID`, station → device): `{"text", "incident_id"}`
//! - `guomen/anpr/{camera_id}/plates` (`camera:ID`): `{"plate", "time"?, "confidence"?}` (a
//!   plate read, handed to the same use case as `POST /api/v1/anpr`)
//! - `guomen/lanes/{lane_id}/queue` (`lane:ID`): `{"count", "time"?}` from a camera counter
//!   (the same use case as `POST /api/v1/lanes/{lane_id}/queue`)
//!
//! Authentication. Embedded broker: CONNECT carries user name = a device user's name and
//! password = one of its API tokens (or its password); every publish and subscribe is then
//! checked against the topic and that device's scopes, and every message runs as that
//! device's principal through the same station use cases as HTTP. Payloads carry no token
//! (one that does is refused). External broker: the broker's own authentication and ACL
//! apply (`guomen mqtt acl` writes Mosquitto's), and since a subscriber cannot tell who
//! published, every message must carry its device's `token` (validated, cached for a minute).

pub mod acl;
mod broker;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use guomen_station::auth::Principal;
use guomen_station::device::Via;
use guomen_station::ops::{PositionReport, SensorEvent};
use serde_json::Value;
use tokio::sync::watch;

use super::{DeviceTokens, stopped};
use crate::config::MqttConfig;
use crate::state::AppState;
use acl::Topic;

const REJECTED: &str = "mqtt_rejected";
const ACCEPTED: &str = "mqtt_accepted";
/// Publishes and subscriptions the embedded broker refused by topic and scope.
const REFUSED: &str = "mqtt_refused";
/// Largest payload either side takes.
const MAX_PAYLOAD: usize = 16 * 1024;
/// The topic filters the station subscribes to on an external broker.
pub const FILTERS: [&str; 5] = [
    "guomen/sensors/+/events",
    "guomen/links/+/heartbeat",
    "guomen/units/+/position",
    "guomen/anpr/+/plates",
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
        MqttConfig::Embedded(addr) => broker::start(ctx, *addr, stop).await.map(Some),
        MqttConfig::External {
            host,
            port,
            username,
            password,
            tls,
        } => {
            let transport = if *tls {
                Some(tls_transport(ctx.state.config.mqtt_ca.as_deref())?)
            } else {
                None
            };
            external(
                ctx,
                host,
                *port,
                username.clone(),
                password.clone(),
                transport,
                stop,
            );
            Ok(None)
        }
    }
}

/// `mqtts://`: rustls, trusting the system's roots and the operator's extra CA, so the
/// broker's credentials and the devices' messages do not cross the network in clear.
fn tls_transport(ca: Option<&std::path::Path>) -> anyhow::Result<rumqttc::Transport> {
    use anyhow::Context as _;
    use tokio_rustls::rustls;
    let mut roots = rustls::RootCertStore::empty();
    if let Ok(native) = rustls_native_roots() {
        for c in native {
            let _ = roots.add(c);
        }
    }
    if let Some(path) = ca {
        let pem = std::fs::read(path)
            .with_context(|| format!("cannot read the MQTT CA {}", path.display()))?;
        let certs: Vec<_> = rustls_pemfile::certs(&mut pem.as_slice())
            .collect::<Result<_, _>>()
            .with_context(|| format!("{} is not a PEM certificate", path.display()))?;
        anyhow::ensure!(
            !certs.is_empty(),
            "{} holds no PEM certificate",
            path.display()
        );
        for c in certs {
            roots
                .add(c)
                .with_context(|| format!("{} is not a usable CA certificate", path.display()))?;
        }
    }
    anyhow::ensure!(
        !roots.is_empty(),
        "mqtts:// needs a root certificate: none on the system and no --mqtt-ca given"
    );
    let config = rustls::ClientConfig::builder()
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(rumqttc::Transport::tls_with_config(
        rumqttc::TlsConfiguration::Rustls(Arc::new(config)),
    ))
}

/// The system's root certificates, where the usual bundle exists.
fn rustls_native_roots()
-> std::io::Result<Vec<tokio_rustls::rustls::pki_types::CertificateDer<'static>>> {
    for path in [
        "/etc/ssl/certs/ca-certificates.crt",
        "/etc/pki/tls/certs/ca-bundle.crt",
        "/etc/ssl/cert.pem",
    ] {
        if let Ok(pem) = std::fs::read(path) {
            return rustls_pemfile::certs(&mut pem.as_slice()).collect();
        }
    }
    Ok(Vec::new())
}

fn external(
    ctx: Arc<Ctx>,
    host: &str,
    port: u16,
    username: Option<String>,
    password: Option<String>,
    transport: Option<rumqttc::Transport>,
    mut stop: watch::Receiver<bool>,
) {
    let client_id = format!("guomen-station-{}", &guomen_station::auth::new_id()[..8]);
    let mut opts = rumqttc::MqttOptions::new(client_id, host, port);
    opts.set_keep_alive(Duration::from_secs(30));
    opts.set_max_packet_size(MAX_PAYLOAD + 1024, MAX_PAYLOAD + 1024);
    if let Some(u) = username {
        opts.set_credentials(u, password.unwrap_or_default());
    }
    if let Some(t) = transport {
        opts.set_transport(t);
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
                    on_external(&ctx, &p.topic, &p.payload).await;
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

/// A message from an external broker: its `token` names the device, whose scopes must
/// cover the topic.
async fn on_external(ctx: &Ctx, topic: &str, payload: &[u8]) {
    let Some(t) = Topic::parse(topic).filter(|t| t.is_uplink()) else {
        reject(ctx, topic, "unknown_topic", "not a guomen device topic");
        return;
    };
    let Ok(v) = object(ctx, topic, payload) else {
        return;
    };
    let who = match v.get("token") {
        Some(Value::String(t)) => match ctx.tokens.principal(&ctx.state, t).await {
            Some(p) => p,
            None => {
                reject(ctx, topic, "bad_token", "token is not a device user's");
                return;
            }
        },
        Some(_) => {
            reject(ctx, topic, "bad_token", "`token` must be a string");
            return;
        }
        None => {
            reject(
                ctx,
                topic,
                "missing_token",
                "an external broker's messages must carry `token`",
            );
            return;
        }
    };
    if let Err(d) = acl::may_publish(&who.scopes, topic) {
        refuse(ctx, "publish", d, &who, topic);
        return;
    }
    ingest(ctx, &who, t, &v).await;
}

/// A message the embedded broker took from an authenticated device whose scopes cover the
/// topic.
async fn on_embedded(ctx: &Ctx, who: &Principal, topic: Topic<'_>, name: &str, payload: &[u8]) {
    let Ok(v) = object(ctx, name, payload) else {
        return;
    };
    if v.get("token").is_some() {
        // The connection is the device's identity; a token in a payload is one more copy of
        // a secret to leak.
        reject(
            ctx,
            name,
            "token_in_payload",
            "tokens go in CONNECT, not in payloads",
        );
        return;
    }
    ingest(ctx, who, topic, &v).await;
}

fn reject(ctx: &Ctx, topic: &str, reason: &str, detail: &str) {
    ctx.state.station.metrics().count(REJECTED, reason);
    tracing::warn!(topic, reason, detail, "MQTT message rejected");
}

/// A publish or subscription outside the device's topics and scopes.
fn refuse(ctx: &Ctx, what: &str, why: acl::Denied, who: &Principal, topic: &str) {
    let label = format!("{what}_{}", why.label());
    ctx.state.station.metrics().count(REFUSED, &label);
    let topic: String = topic.chars().take(200).collect();
    tracing::warn!(device = %who.name, topic, reason = why.label(), "MQTT {what} refused");
}

fn object(ctx: &Ctx, topic: &str, payload: &[u8]) -> Result<Value, ()> {
    match serde_json::from_slice(payload) {
        Ok(v @ Value::Object(_)) => Ok(v),
        Ok(_) => {
            reject(ctx, topic, "bad_payload", "payload must be a JSON object");
            Err(())
        }
        Err(e) => {
            reject(ctx, topic, "bad_payload", &e.to_string());
            Err(())
        }
    }
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

/// What one uplink message asks of the station.
enum Report {
    Sensor(SensorEvent),
    Heartbeat {
        link_id: String,
        time: Option<DateTime<Utc>>,
    },
    Position(PositionReport),
    Plate(guomen_station::road::PlateRead),
    LaneQueue {
        lane_id: String,
        count: guomen_station::flow::QueueCount,
    },
}

/// Checks one uplink message's payload against the port; the reason label when it is bad.
fn report(ctx: &Ctx, topic: Topic<'_>, v: &Value) -> Result<Report, (&'static str, String)> {
    let time = opt_time(v).map_err(|e| ("bad_time", e))?;
    let port = ctx.state.station.port();
    match topic {
        Topic::SensorEvents(id) => {
            if port.sensor(id).is_none() {
                return Err(("unknown_sensor", format!("no sensor `{id}` in the port")));
            }
            let kind = match v.get("kind").and_then(Value::as_str).map(str::trim) {
                Some(k) if !k.is_empty() && k.len() <= 64 => k.to_owned(),
                _ => {
                    return Err((
                        "bad_kind",
                        "`kind` must be a non-empty string of at most 64 bytes".into(),
                    ));
                }
            };
            let confidence = match opt_number(v, "confidence") {
                Ok(c) if c.is_none_or(|c| (0.0..=1.0).contains(&c)) => c,
                Ok(_) => {
                    return Err(("bad_confidence", "`confidence` must be within 0..1".into()));
                }
                Err(e) => return Err(("bad_confidence", e)),
            };
            Ok(Report::Sensor(SensorEvent {
                sensor_id: id.to_owned(),
                kind,
                time,
                confidence,
            }))
        }
        Topic::LinkHeartbeat(id) => {
            if !port.links.iter().any(|l| l.id == id) {
                return Err(("unknown_link", format!("no link `{id}` in the port")));
            }
            Ok(Report::Heartbeat {
                link_id: id.to_owned(),
                time,
            })
        }
        Topic::UnitPosition(id) => {
            let Some(terminal_id) = port.unit(id).and_then(|u| u.terminal_id.clone()) else {
                return Err((
                    "unknown_unit",
                    format!("no unit `{id}` with a terminal in the port"),
                ));
            };
            let (lat, lon) = match (opt_number(v, "lat"), opt_number(v, "lon")) {
                (Ok(Some(lat)), Ok(Some(lon)))
                    if (-90.0..=90.0).contains(&lat) && (-180.0..=180.0).contains(&lon) =>
                {
                    (lat, lon)
                }
                _ => {
                    return Err((
                        "bad_position",
                        "`lat` and `lon` must be numbers in range".into(),
                    ));
                }
            };
            let (Ok(speed_kmh), Ok(course)) = (opt_number(v, "speed_kmh"), opt_number(v, "course"))
            else {
                return Err((
                    "bad_position",
                    "`speed_kmh` and `course` must be numbers".into(),
                ));
            };
            Ok(Report::Position(PositionReport {
                terminal_id,
                lat,
                lon,
                time: time.unwrap_or_else(|| ctx.state.station.now()),
                speed_kmh,
                course,
            }))
        }
        Topic::AnprPlates(id) => {
            let confidence = opt_number(v, "confidence").map_err(|e| ("bad_confidence", e))?;
            let Some(plate) = v.get("plate").and_then(Value::as_str) else {
                return Err(("bad_plate", "`plate` must be a string".into()));
            };
            Ok(Report::Plate(guomen_station::road::PlateRead {
                camera_id: id.to_owned(),
                plate: plate.to_owned(),
                time,
                confidence,
            }))
        }
        Topic::LaneQueue(id) => {
            let Some(count) = v.get("count").and_then(Value::as_i64) else {
                return Err(("bad_count", "`count` must be an integer".into()));
            };
            Ok(Report::LaneQueue {
                lane_id: id.to_owned(),
                count: guomen_station::flow::QueueCount { count, time },
            })
        }
        Topic::UnitOrders(_) => Err(("unknown_topic", "orders go to devices".into())),
    }
}

/// Runs one uplink message as `who` through the station's use cases, in the connection's
/// order (the caller waits). Refusals are counted here and in the use case.
async fn ingest(ctx: &Ctx, who: &Principal, topic: Topic<'_>, v: &Value) {
    let name = match topic {
        Topic::SensorEvents(id) => format!("guomen/sensors/{id}/events"),
        Topic::LinkHeartbeat(id) => format!("guomen/links/{id}/heartbeat"),
        Topic::UnitPosition(id) => format!("guomen/units/{id}/position"),
        Topic::UnitOrders(id) => format!("guomen/units/{id}/orders"),
        Topic::AnprPlates(id) => format!("guomen/anpr/{id}/plates"),
        Topic::LaneQueue(id) => format!("guomen/lanes/{id}/queue"),
    };
    // Checked here whatever the use case checks: the topic's item is the device's own.
    let (kind, id) = topic.item();
    if !who.speaks_for(kind, id) {
        refuse(ctx, "publish", acl::Denied::Scope, who, &name);
        return;
    }
    let report = match report(ctx, topic, v) {
        Ok(r) => r,
        Err((reason, detail)) => {
            reject(ctx, &name, reason, &detail);
            return;
        }
    };
    let station = &ctx.state.station;
    let (label, result) = match report {
        Report::Sensor(e) => (
            "sensor_event",
            station
                .sensor_event_via(who, e, Via::Mqtt)
                .await
                .map(|_| ()),
        ),
        Report::Heartbeat { link_id, time } => (
            "link_heartbeat",
            station
                .heartbeat(who, &link_id, Some(time.unwrap_or_else(|| station.now())))
                .await
                .map(|_| ()),
        ),
        Report::LaneQueue { lane_id, count } => (
            "lane_queue",
            station.lane_queue(who, &lane_id, count).await.map(|_| ()),
        ),
        Report::Plate(read) => (
            "plate_read",
            station.plate_read(who, read).await.map(|_| ()),
        ),
        Report::Position(p) => (
            "position",
            station.position_via(who, p, Via::Mqtt).await.map(|_| ()),
        ),
    };
    match result {
        Ok(()) => station.metrics().count(ACCEPTED, label),
        Err(e) => {
            let reason = match &e {
                guomen_station::StationError::Refused { code, .. } => *code,
                _ => "station_error",
            };
            reject(ctx, &name, reason, &e.to_string());
        }
    }
}
