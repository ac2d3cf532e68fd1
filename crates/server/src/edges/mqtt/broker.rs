//! The station's own MQTT 3.1.1 broker. It is not a general broker: devices talk to the
//! station, never to one another. Each connection authenticates as one device user at
//! CONNECT; each PUBLISH is authorised by its topic against that device's scopes and run as
//! that device through the station's use cases; each SUBSCRIBE filter is granted only for the
//! device's own order topics (failure return code otherwise). Packets are framed and encoded
//! with rumqttc's MQTT codec (`rumqttc::mqttbytes::v4`).
//!
//! What it deliberately does not do: route messages between clients, keep retained messages,
//! persistent sessions or wills (a device's will would go to no one), MQTT 5.

use std::collections::{HashMap, HashSet};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use bytes::BytesMut;
use guomen_domain::Role;
use guomen_station::auth::Principal;
use guomen_station::device::Downlink;
use rumqttc::mqttbytes::v4::{
    self, ConnAck, ConnectReturnCode, Packet, PingResp, PubAck, PubComp, PubRec, Publish, SubAck,
    SubscribeReasonCode, UnsubAck,
};
use rumqttc::mqttbytes::{Error as CodecError, Protocol, QoS};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Semaphore, mpsc, watch};

use super::{Ctx, MAX_PAYLOAD, REJECTED, Topic, acl, on_embedded, refuse};
use crate::edges::stopped;

/// Connections at once; more are closed at accept.
const MAX_CONNECTIONS: usize = 10_000;
/// Time from TCP connect to a complete CONNECT.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// A connection that asked for no keep-alive is still closed after this long in silence.
const IDLE_TIMEOUT: Duration = Duration::from_secs(15 * 60);
/// How often a live connection's credential is checked again (revoked token, changed scopes).
const RECHECK: Duration = Duration::from_secs(60);
/// QoS 2 publishes received and not yet released; a client past it is misbehaving.
const MAX_QOS2_INFLIGHT: usize = 100;
/// The largest packet: a payload plus its topic and header.
const MAX_PACKET: usize = MAX_PAYLOAD + 1024;

/// Binds and serves until `stop`; the bound address (port 0 resolved).
pub(super) async fn start(
    ctx: Arc<Ctx>,
    addr: SocketAddr,
    mut stop: watch::Receiver<bool>,
) -> anyhow::Result<SocketAddr> {
    let listener = TcpListener::bind(addr)
        .await
        .with_context(|| format!("cannot listen for MQTT on {addr}"))?;
    let local = listener.local_addr()?;
    let slots = Arc::new(Semaphore::new(MAX_CONNECTIONS));
    tokio::spawn(async move {
        loop {
            let accepted = tokio::select! {
                _ = stopped(&mut stop) => break,
                a = listener.accept() => a,
            };
            let (sock, peer) = match accepted {
                Ok(x) => x,
                Err(e) => {
                    tracing::warn!(error = %e, "MQTT accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            };
            let Ok(slot) = slots.clone().try_acquire_owned() else {
                ctx.state
                    .station
                    .metrics()
                    .count(REJECTED, "too_many_connections");
                drop(sock);
                continue;
            };
            let (ctx, stop) = (ctx.clone(), stop.clone());
            tokio::spawn(async move {
                let _slot = slot;
                let mut conn = Conn::new(sock, peer);
                if let Err(reason) = conn.serve(&ctx, stop).await {
                    ctx.state.station.metrics().count(REJECTED, reason);
                    tracing::debug!(%peer, reason, "MQTT connection closed");
                }
                conn.cleanup(&ctx).await;
            });
        }
    });
    Ok(local)
}

/// One device connection.
struct Conn {
    sock: TcpStream,
    peer: SocketAddr,
    buf: BytesMut,
    out: BytesMut,
    /// The session token a password login opened, revoked when the connection ends.
    session: Option<String>,
    /// Terminals whose orders this connection receives, by terminal id → unit id.
    orders: HashMap<String, (String, QoS)>,
    downlink_tx: mpsc::Sender<Downlink>,
    downlink_rx: Option<mpsc::Receiver<Downlink>>,
    qos2: HashSet<u16>,
    next_pkid: u16,
    before_connect: bool,
}

/// Why a connection ended early: a `/metrics` label.
type Closed = &'static str;

impl Conn {
    fn new(sock: TcpStream, peer: SocketAddr) -> Conn {
        let (downlink_tx, downlink_rx) = mpsc::channel(16);
        Conn {
            sock,
            peer,
            buf: BytesMut::with_capacity(1024),
            out: BytesMut::with_capacity(256),
            session: None,
            orders: HashMap::new(),
            downlink_tx,
            downlink_rx: Some(downlink_rx),
            qos2: HashSet::new(),
            next_pkid: 0,
            before_connect: true,
        }
    }

    /// Reads the next packet; `Ok(None)` at a clean end of stream.
    async fn read(&mut self) -> Result<Option<Packet>, Closed> {
        loop {
            // Before CONNECT, anything but a CONNECT header is not a device: close at once
            // instead of waiting for the body its length byte claims.
            if self.before_connect && self.buf.first().is_some_and(|b| *b != 0x10) {
                return Err("not_connect");
            }
            match v4::read(&mut self.buf, MAX_PACKET) {
                Ok(p) => return Ok(Some(p)),
                Err(CodecError::InsufficientBytes(_)) => {}
                Err(CodecError::PayloadSizeLimitExceeded(_)) => return Err("too_large"),
                Err(_) => return Err("bad_packet"),
            }
            match self.sock.read_buf(&mut self.buf).await {
                Ok(0) if self.buf.is_empty() => return Ok(None),
                Ok(0) => return Err("bad_packet"),
                Ok(_) => {}
                Err(_) => return Ok(None),
            }
        }
    }

    async fn flush(&mut self) -> Result<(), Closed> {
        let r = self.sock.write_all(&self.out).await;
        self.out.clear();
        r.map_err(|_| "write_failed")
    }

    fn encode(&mut self, r: Result<usize, CodecError>) {
        if let Err(e) = r {
            // Only a packet of ours larger than MQTT allows gets here.
            tracing::error!(error = %e, "MQTT packet not encoded");
        }
    }

    async fn connack(&mut self, code: ConnectReturnCode) -> Result<(), Closed> {
        let r = ConnAck::new(code, false).write(&mut self.out);
        self.encode(r);
        self.flush().await
    }

    /// Counts the refusal, then answers it (so whoever sees the answer sees the count).
    async fn refuse_connect(
        &mut self,
        ctx: &Ctx,
        code: ConnectReturnCode,
        reason: Closed,
    ) -> Result<(), Closed> {
        ctx.state.station.metrics().count(REJECTED, reason);
        tracing::info!(peer = %self.peer, reason, "MQTT connection refused");
        self.connack(code).await
    }

    /// CONNECT, then packets until the device leaves, breaks the protocol or loses its
    /// credential, or the station stops.
    async fn serve(&mut self, ctx: &Ctx, mut stop: watch::Receiver<bool>) -> Result<(), Closed> {
        let connect = match tokio::time::timeout(CONNECT_TIMEOUT, self.read()).await {
            Err(_) => return Err("connect_timeout"),
            Ok(Ok(None)) => return Ok(()),
            Ok(Err(e)) => return Err(e),
            Ok(Ok(Some(Packet::Connect(c)))) => c,
            Ok(Ok(Some(_))) => return Err("not_connect"),
        };
        self.before_connect = false;
        if connect.protocol != Protocol::V4 {
            return self
                .refuse_connect(
                    ctx,
                    ConnectReturnCode::RefusedProtocolVersion,
                    "bad_protocol",
                )
                .await;
        }
        if connect.client_id.is_empty() && !connect.clean_session {
            return self
                .refuse_connect(ctx, ConnectReturnCode::BadClientId, "bad_client_id")
                .await;
        }
        let who = match self.login(ctx, connect.login).await {
            Ok(who) => who,
            Err((code, reason)) => return self.refuse_connect(ctx, code, reason).await,
        };
        self.connack(ConnectReturnCode::Success).await?;
        tracing::info!(device = %who.name, peer = %self.peer, "MQTT device connected");
        let idle = match connect.keep_alive {
            0 => IDLE_TIMEOUT,
            // The spec's grace: one and a half keep-alive periods.
            k => Duration::from_millis(u64::from(k) * 1500),
        };
        let Some(mut orders) = self.downlink_rx.take() else {
            return Ok(());
        };
        let mut recheck = tokio::time::interval(RECHECK);
        recheck.tick().await;
        loop {
            tokio::select! {
                _ = stopped(&mut stop) => return Ok(()),
                _ = recheck.tick() => {
                    if !matches!(ctx.state.station.still_valid(&who).await, Ok(true)) {
                        tracing::info!(device = %who.name, "MQTT device's credential no longer holds");
                        return Err("revoked");
                    }
                }
                Some(order) = orders.recv() => self.send_order(order).await?,
                p = tokio::time::timeout(idle, self.read()) => {
                    let p = match p {
                        Err(_) => return Err("idle_timeout"),
                        Ok(p) => p?,
                    };
                    let Some(p) = p else { return Ok(()) };
                    if !self.packet(ctx, &who, p).await? {
                        return Ok(());
                    }
                }
            }
        }
    }

    /// The device principal for CONNECT's user name and password (an API token, or the
    /// user's password through the station's throttled, journaled login).
    async fn login(
        &mut self,
        ctx: &Ctx,
        login: Option<v4::Login>,
    ) -> Result<Principal, (ConnectReturnCode, Closed)> {
        let bad = (ConnectReturnCode::BadUserNamePassword, "bad_login");
        let Some(login) = login.filter(|l| !l.username.is_empty() && !l.password.is_empty()) else {
            return Err(bad);
        };
        let station = &ctx.state.station;
        let who = if login.password.starts_with("gmn_") {
            match ctx.tokens.principal(&ctx.state, &login.password).await {
                Some(p) if p.name == login.username => p,
                _ => return Err(bad),
            }
        } else {
            let client = format!("mqtt:{}", self.peer.ip());
            match station
                .login(&login.username, login.password, &client)
                .await
            {
                Ok(l) => {
                    self.session = Some(l.token);
                    l.principal
                }
                Err(guomen_station::StationError::Refused {
                    code: "too_many_requests",
                    ..
                }) => {
                    return Err((ConnectReturnCode::ServiceUnavailable, "throttled"));
                }
                Err(_) => return Err(bad),
            }
        };
        if who.role != Role::Device {
            return Err((ConnectReturnCode::NotAuthorized, "not_device"));
        }
        if who.scopes.is_empty() {
            // A device without a scope may do nothing as a device.
            return Err((ConnectReturnCode::NotAuthorized, "no_scope"));
        }
        Ok(who)
    }

    /// Handles one packet after CONNECT; `false` when the client disconnects.
    async fn packet(&mut self, ctx: &Ctx, who: &Principal, p: Packet) -> Result<bool, Closed> {
        match p {
            Packet::Publish(p) => self.publish(ctx, who, p).await?,
            Packet::PubRel(r) => {
                self.qos2.remove(&r.pkid);
                let w = PubComp { pkid: r.pkid }.write(&mut self.out);
                self.encode(w);
            }
            // Acknowledgements of the orders sent; the JT/T 808 general response is what
            // confirms an order, MQTT's QoS 1 only that the client took it.
            Packet::PubAck(_) | Packet::PubRec(_) | Packet::PubComp(_) => {}
            Packet::Subscribe(s) => {
                let mut codes = Vec::with_capacity(s.filters.len());
                for f in &s.filters {
                    codes.push(match acl::may_subscribe(&who.scopes, &f.path) {
                        Ok(()) => {
                            let qos = std::cmp::min_by_key(f.qos, QoS::AtLeastOnce, |q| *q as u8);
                            self.subscribe_orders(ctx, &f.path, qos);
                            SubscribeReasonCode::Success(qos)
                        }
                        Err(d) => {
                            refuse(ctx, "subscribe", d, who, &f.path);
                            SubscribeReasonCode::Failure
                        }
                    });
                }
                let w = SubAck::new(s.pkid, codes).write(&mut self.out);
                self.encode(w);
            }
            Packet::Unsubscribe(u) => {
                for t in &u.topics {
                    self.unsubscribe_orders(ctx, t);
                }
                let w = UnsubAck::new(u.pkid).write(&mut self.out);
                self.encode(w);
            }
            Packet::PingReq => {
                let w = PingResp.write(&mut self.out);
                self.encode(w);
            }
            Packet::Disconnect => return Ok(false),
            Packet::Connect(_)
            | Packet::ConnAck(_)
            | Packet::SubAck(_)
            | Packet::UnsubAck(_)
            | Packet::PingResp => return Err("protocol_violation"),
        }
        if !self.out.is_empty() {
            self.flush().await?;
        }
        Ok(true)
    }

    async fn publish(&mut self, ctx: &Ctx, who: &Principal, p: Publish) -> Result<(), Closed> {
        let fresh = match p.qos {
            QoS::ExactlyOnce => {
                if self.qos2.len() >= MAX_QOS2_INFLIGHT && !self.qos2.contains(&p.pkid) {
                    return Err("too_many_inflight");
                }
                // A resent QoS 2 publish not yet released was already taken.
                self.qos2.insert(p.pkid)
            }
            _ => true,
        };
        if fresh {
            match acl::may_publish(&who.scopes, &p.topic) {
                Ok(topic) => on_embedded(ctx, who, topic, &p.topic, &p.payload).await,
                // MQTT 3.1.1 has no negative acknowledgement for PUBLISH: the server either
                // acknowledges and drops, or disconnects (3.3.5). Dropping keeps a device that
                // sends one wrong topic talking; the refusal is counted and logged.
                Err(d) => refuse(ctx, "publish", d, who, &p.topic),
            }
        }
        // Acknowledged after the station has taken (or refused) it: QoS 1 means the
        // station has it.
        let w = match p.qos {
            QoS::AtMostOnce => Ok(0),
            QoS::AtLeastOnce => PubAck::new(p.pkid).write(&mut self.out),
            QoS::ExactlyOnce => PubRec { pkid: p.pkid }.write(&mut self.out),
        };
        self.encode(w);
        Ok(())
    }

    /// Delivers the orders of the units a granted filter names to this connection.
    fn subscribe_orders(&mut self, ctx: &Ctx, filter: &str, qos: QoS) {
        let port = ctx.state.station.port();
        let hub = ctx.state.station.downlinks();
        let units: Vec<(&str, &str, bool)> = match Topic::parse(filter) {
            Some(Topic::UnitOrders(id)) => port
                .unit(id)
                .and_then(|u| u.terminal_id.as_deref().map(|t| (u.id.as_str(), t, true)))
                .into_iter()
                .collect(),
            // `guomen/units/+/orders`: every unit, but never taking a terminal away from a
            // connection that is that terminal (JT/T 808 or a device subscribed by name).
            _ => port
                .units
                .iter()
                .filter_map(|u| u.terminal_id.as_deref().map(|t| (u.id.as_str(), t, false)))
                .collect(),
        };
        for (unit, terminal, by_name) in units {
            if by_name || !hub.is_connected(terminal) {
                hub.register(terminal, self.downlink_tx.clone());
                self.orders
                    .insert(terminal.to_owned(), (unit.to_owned(), qos));
            }
        }
    }

    fn unsubscribe_orders(&mut self, ctx: &Ctx, filter: &str) {
        let hub = ctx.state.station.downlinks();
        let gone: Vec<String> = match Topic::parse(filter) {
            Some(Topic::UnitOrders(id)) => self
                .orders
                .iter()
                .filter(|(_, (u, _))| u == id)
                .map(|(t, _)| t.clone())
                .collect(),
            _ if filter == "guomen/units/+/orders" => self.orders.keys().cloned().collect(),
            _ => Vec::new(),
        };
        for t in gone {
            hub.unregister_sender(&t, &self.downlink_tx);
            self.orders.remove(&t);
        }
    }

    async fn send_order(&mut self, order: Downlink) -> Result<(), Closed> {
        let Some((unit, qos)) = self.orders.get(&order.terminal_id).cloned() else {
            return Ok(());
        };
        let payload = serde_json::json!({"text": order.text, "incident_id": order.incident_id});
        let mut p = Publish::new(
            format!("guomen/units/{unit}/orders"),
            qos,
            payload.to_string(),
        );
        if qos != QoS::AtMostOnce {
            self.next_pkid = self.next_pkid.checked_add(1).unwrap_or(1);
            p.pkid = self.next_pkid;
        }
        let w = p.write(&mut self.out);
        self.encode(w);
        self.flush().await
    }

    /// Releases what the connection held: its order registrations and a password session.
    async fn cleanup(&mut self, ctx: &Ctx) {
        let hub = ctx.state.station.downlinks();
        for t in self.orders.keys() {
            hub.unregister_sender(t, &self.downlink_tx);
        }
        if let Some(token) = self.session.take()
            && let Err(e) = ctx.state.station.logout(&token).await
        {
            tracing::warn!(error = %e, "MQTT password session not closed");
        }
    }
}
