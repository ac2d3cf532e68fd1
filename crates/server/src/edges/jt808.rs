//! JT/T 808 over TCP: one task per terminal connection.
//!
//! Protocol decisions (see the README section "Device protocols"):
//! - 0x0100 register: only a provisioned terminal (port file or `guomen device add`) is
//!   known; others get 0x8100 result 4. The first registration gets result 0 and an auth
//!   code (its SHA-256 kept in the store); any later one gets result 3 and no code until
//!   `guomen device reset`. A code survives restarts, as the standard expects.
//! - 0x0102 authenticate: 0x8001 result 0 and `TerminalOnline` only with that code, and only
//!   when the terminal has no other live session (a second one gets result 1, counted as
//!   `jt808_rejected{reason="second_session"}`).
//! - Before authentication nothing but 0x0100, 0x0102 and 0x0002 is accepted: anything else,
//!   sub-packages included (they are not even reassembled), gets result 1 and is counted as
//!   `not_authenticated`.
//! - Unknown message ids: 0x8001 result 3 ("not supported").
//! - A frame that does not decode (bad checksum, length, unsound basic block...): counted and
//!   logged, no reply, since its serial and message id cannot be trusted.
//! - Frames are decoded leniently (`jt808::LenientStream`): what devices commonly get wrong
//!   (an unescaped 0x7e, a bad escape, a truncated trailing additional item...) is tolerated
//!   when the check code and body length agree, and counted as
//!   `guomen_jt808_quirks_total{quirk}`. A bare 0x7e cuts a frame for the splitter, which still
//!   resynchronises on every 0x7e; the stream rejoins the pieces only when the joined frame's
//!   check code and length agree, and never holds back a piece that decodes on its own.
//! - Dispatch orders arrive as [`Downlink`]s and leave as 0x8300 text messages; the terminal's
//!   0x0001 for that serial becomes `OrderAcknowledged`.

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::time::Duration;

use anyhow::Context as _;
use guomen_proto::jt808::{
    self, Decoded, Envelope, Header, Jt808Error, LenientStream, Location, Message, Reassembler,
    ReassemblyError, StatusFlags, Version,
};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::tcp::OwnedWriteHalf;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{mpsc, watch};

use super::{forward, stopped};
use crate::state::AppState;
use guomen_station::device::{DeviceInput, Downlink, Via};
use guomen_station::terminals::Registration;

/// 0x8300: platform text message.
pub const TEXT_MESSAGE: u16 = 0x8300;
/// 0x8300 flag: show on the terminal's display and read out by text-to-speech.
const TEXT_FLAGS: u8 = 0x04 | 0x08;
const FAMILY_REJECTED: &str = "jt808_rejected";
const FAMILY_ACCEPTED: &str = "jt808_accepted";

/// 0x8001 / 0x8100 result codes.
pub mod result {
    pub const OK: u8 = 0;
    pub const FAILURE: u8 = 1;
    pub const BAD_MESSAGE: u8 = 2;
    pub const UNSUPPORTED: u8 = 3;
    /// 0x8100: the terminal is already registered.
    pub const ALREADY_REGISTERED: u8 = 3;
    /// 0x8100: no such terminal in the platform's database.
    pub const NO_SUCH_TERMINAL: u8 = 4;
}

#[derive(Debug, Clone, Copy)]
pub struct Jt808Options {
    /// Largest wire frame accepted (escaped, delimiters included).
    pub max_frame: usize,
    /// A connection silent this long is closed (terminals send 0x0002 every minute or so).
    pub idle_timeout: Duration,
    /// A terminal that does not take our bytes within this time is dropped.
    pub write_timeout: Duration,
    /// A connection that sent this many bytes without one frame is closed as noise.
    pub max_noise_bytes: u64,
}

impl Default for Jt808Options {
    fn default() -> Self {
        Jt808Options {
            max_frame: jt808::DEFAULT_MAX_FRAME,
            idle_timeout: Duration::from_secs(300),
            write_timeout: Duration::from_secs(10),
            max_noise_bytes: 64 * 1024,
        }
    }
}

/// Binds and serves in the background; returns the bound address.
pub async fn start(
    state: AppState,
    addr: SocketAddr,
    opts: Jt808Options,
    mut stop: watch::Receiver<bool>,
) -> anyhow::Result<SocketAddr> {
    let listener = TcpListener::bind(addr)
        .await
        .with_context(|| format!("cannot listen for JT/T 808 on {addr}"))?;
    let local = listener.local_addr()?;
    state
        .station
        .metrics()
        .declare_jt808_quirks(guomen_proto::jt808::Quirk::ALL.iter().map(|q| q.name()));
    let limiter = crate::limits::ConnLimiter::new(
        "jt808",
        super::JT808_MAX_CONNECTIONS,
        super::JT808_MAX_CONNECTIONS_PER_IP,
    );
    tokio::spawn(async move {
        loop {
            tokio::select! {
                _ = stopped(&mut stop) => break,
                accepted = listener.accept() => match accepted {
                    Ok((stream, peer)) => {
                        let slot = match limiter.try_acquire(peer.ip()) {
                            Ok(s) => s,
                            Err(why) => {
                                state.station.metrics().count(FAMILY_REJECTED, why.label());
                                continue;
                            }
                        };
                        let (conn, down_rx) = Conn::new(state.clone(), peer);
                        let stop = stop.clone();
                        tokio::spawn(async move {
                            run_conn(conn, down_rx, stream, opts, stop).await;
                            drop(slot);
                        });
                    }
                    Err(e) => {
                        // Out of file descriptors and the like: wait instead of spinning.
                        tracing::warn!(error = %e, "JT/T 808 accept failed");
                        tokio::time::sleep(Duration::from_millis(100)).await;
                    }
                },
            }
        }
    });
    Ok(local)
}

/// The metrics reason for a frame that does not decode.
pub fn reason(e: &Jt808Error) -> &'static str {
    match e {
        Jt808Error::BadChecksum { .. } => "bad_checksum",
        Jt808Error::BadEscape { .. } => "bad_escape",
        Jt808Error::Truncated { .. } => "truncated",
        Jt808Error::Oversized { .. } => "oversized",
        Jt808Error::BadBcd { .. } => "bad_bcd",
        Jt808Error::BodyLengthMismatch { .. } => "body_length_mismatch",
        Jt808Error::Framing(_) => "framing",
        Jt808Error::InvalidField { .. } => "invalid_field",
    }
}

fn reassembly_reason(e: &ReassemblyError) -> &'static str {
    match e {
        ReassemblyError::NotSplit => "reassembly_not_split",
        ReassemblyError::BadIndex { .. } => "reassembly_bad_index",
        ReassemblyError::TooManyPackages { .. } => "reassembly_too_many_packages",
        ReassemblyError::TotalMismatch { .. } => "reassembly_total_mismatch",
        ReassemblyError::TooLarge { .. } => "reassembly_too_large",
    }
}

/// The body of a 0x8300 text message for `version`, cut to the largest body a frame holds.
pub fn text_message_body(version: Version, text: &str) -> Vec<u8> {
    let mut body = vec![TEXT_FLAGS];
    if version == Version::V2019 {
        // Text type 1: notification (2 would be a service message).
        body.push(1);
    }
    let room = jt808::MAX_BODY_LEN - body.len();
    let (gbk, _, _) = encoding_rs::GBK.encode(text);
    let mut cut = gbk.len().min(room);
    // Never split a two-byte GBK character: lead bytes are >= 0x81.
    if cut < gbk.len() {
        let mut i = 0;
        while i < cut {
            let step = if gbk[i] >= 0x81 { 2 } else { 1 };
            if i + step > cut {
                break;
            }
            i += step;
        }
        cut = i;
    }
    body.extend_from_slice(&gbk[..cut]);
    body
}

enum Flow {
    Continue,
    Close,
}

struct Conn {
    state: AppState,
    peer: SocketAddr,
    /// The port's terminal id once authenticated, and the header's spelling of it.
    terminal: Option<(String, String)>,
    /// Header edition the terminal last used, for our replies and orders.
    version: Version,
    protocol_version: Option<u8>,
    serial: u16,
    reassembler: Reassembler,
    /// Orders sent and not yet acknowledged, oldest first.
    pending: VecDeque<(u16, Downlink)>,
    down_tx: mpsc::Sender<Downlink>,
    frames_ok: u64,
}

const MAX_PENDING_ORDERS: usize = 64;

impl Conn {
    fn new(state: AppState, peer: SocketAddr) -> (Self, mpsc::Receiver<Downlink>) {
        let (down_tx, down_rx) = mpsc::channel(32);
        (
            Conn {
                state,
                peer,
                terminal: None,
                version: Version::V2013,
                protocol_version: None,
                serial: 0,
                reassembler: Reassembler::default(),
                pending: VecDeque::new(),
                down_tx,
                frames_ok: 0,
            },
            down_rx,
        )
    }
}

async fn run_conn(
    mut conn: Conn,
    mut down_rx: mpsc::Receiver<Downlink>,
    stream: TcpStream,
    opts: Jt808Options,
    mut stop: watch::Receiver<bool>,
) {
    let _ = stream.set_nodelay(true);
    let (mut rd, mut wr) = stream.into_split();
    let mut splitter = LenientStream::new(opts.max_frame);
    let mut buf = vec![0u8; 4096];
    tracing::debug!(peer = %conn.peer, "JT/T 808 connection");
    loop {
        tokio::select! {
            _ = stopped(&mut stop) => break,
            read = tokio::time::timeout(opts.idle_timeout, rd.read(&mut buf)) => {
                let n = match read {
                    Err(_) => {
                        conn.state.station.metrics().count("jt808_closed", "idle_timeout");
                        break;
                    }
                    Ok(Err(_)) | Ok(Ok(0)) => break,
                    Ok(Ok(n)) => n,
                };
                let skipped_before = splitter.skipped_bytes();
                splitter.push(&buf[..n]);
                let mut flow = Flow::Continue;
                while let Some(next) = splitter.next_decoded() {
                    flow = match next {
                        Ok(decoded) => conn.on_frame(decoded, &mut wr, opts).await,
                        Err(e) => {
                            conn.rejected(reason(&e), &e.to_string());
                            Flow::Continue
                        }
                    };
                    if matches!(flow, Flow::Close) {
                        break;
                    }
                }
                if splitter.skipped_bytes() > skipped_before {
                    conn.state.station.metrics().count(FAMILY_REJECTED, "noise");
                }
                if conn.frames_ok == 0 && splitter.skipped_bytes() > opts.max_noise_bytes {
                    conn.rejected("noise_only_connection", "closing: no frame in the noise");
                    break;
                }
                if matches!(flow, Flow::Close) {
                    break;
                }
            }
            Some(order) = down_rx.recv() => {
                if matches!(conn.send_order(order, &mut wr, opts).await, Flow::Close) {
                    break;
                }
            }
        }
    }
    conn.offline().await;
}

impl Conn {
    fn rejected(&self, reason: &str, detail: &str) {
        self.state.station.metrics().count(FAMILY_REJECTED, reason);
        tracing::warn!(peer = %self.peer, terminal = ?self.terminal.as_ref().map(|t| &t.0), reason, detail, "JT/T 808 input rejected");
    }

    fn next_serial(&mut self) -> u16 {
        let s = self.serial;
        self.serial = self.serial.wrapping_add(1);
        s
    }

    fn envelope(&mut self, terminal: &str) -> Envelope {
        Envelope {
            terminal: terminal.to_owned(),
            serial: self.next_serial(),
            version: self.version,
            protocol_version: self.protocol_version,
        }
    }

    async fn write(&self, wr: &mut OwnedWriteHalf, bytes: &[u8], opts: Jt808Options) -> Flow {
        match tokio::time::timeout(opts.write_timeout, wr.write_all(bytes)).await {
            Ok(Ok(())) => Flow::Continue,
            _ => {
                self.state
                    .station
                    .metrics()
                    .count("jt808_closed", "write_failed");
                Flow::Close
            }
        }
    }

    async fn reply(
        &mut self,
        h: &Header,
        result: u8,
        wr: &mut OwnedWriteHalf,
        opts: Jt808Options,
    ) -> Flow {
        let env = self.envelope(&h.terminal);
        let msg = Message::PlatformResponse {
            reply_serial: h.serial,
            reply_msg_id: h.msg_id,
            result,
        };
        match jt808::encode(&env, &msg) {
            Ok(bytes) => self.write(wr, &bytes, opts).await,
            Err(e) => {
                tracing::error!(error = %e, "cannot encode 0x8001");
                Flow::Continue
            }
        }
    }

    async fn on_frame(
        &mut self,
        decoded: Decoded,
        wr: &mut OwnedWriteHalf,
        opts: Jt808Options,
    ) -> Flow {
        for q in &decoded.quirks {
            self.state.station.metrics().jt808_quirk(q.name());
        }
        let frame = decoded.frame;
        self.frames_ok += 1;
        let h = frame.header;
        self.version = h.version;
        self.protocol_version = h.protocol_version;
        let before_auth_ok = matches!(
            frame.message,
            Message::Register(_) | Message::Auth(_) | Message::Heartbeat
        );
        if self.terminal.is_none() && !before_auth_ok {
            self.rejected(
                "not_authenticated",
                &format!(
                    "message 0x{:04x} from {} before 0x0102",
                    h.msg_id, h.terminal
                ),
            );
            if matches!(frame.message, Message::TerminalResponse { .. }) {
                return Flow::Continue;
            }
            return self.reply(&h, result::FAILURE, wr, opts).await;
        }
        match frame.message {
            Message::SubPackage { fragment } => {
                let pushed = self.reassembler.push(&h, &fragment);
                for key in self.reassembler.drain_abandoned() {
                    self.rejected("reassembly_abandoned", &format!("{key:?}"));
                }
                match pushed {
                    Err(e) => {
                        self.rejected(reassembly_reason(&e), &e.to_string());
                        self.reply(&h, result::BAD_MESSAGE, wr, opts).await
                    }
                    Ok(None) => self.reply(&h, result::OK, wr, opts).await,
                    Ok(Some(whole)) => {
                        if let Flow::Close = self.reply(&h, result::OK, wr, opts).await {
                            return Flow::Close;
                        }
                        match whole.decode_lenient() {
                            Ok((msg, quirks)) => {
                                for q in &quirks {
                                    self.state.station.metrics().jt808_quirk(q.name());
                                }
                                self.on_message(&h, msg, None, opts).await
                            }
                            Err(e) => {
                                self.rejected(reason(&e), &format!("reassembled body: {e}"));
                                Flow::Continue
                            }
                        }
                    }
                }
            }
            msg => self.on_message(&h, msg, Some(wr), opts).await,
        }
    }

    /// Handles one whole message; `wr` is `None` for a reassembled message whose pieces were
    /// already answered one by one.
    async fn on_message(
        &mut self,
        h: &Header,
        msg: Message,
        wr: Option<&mut OwnedWriteHalf>,
        opts: Jt808Options,
    ) -> Flow {
        let (label, result) = match msg {
            Message::Register(reg) => {
                let Some(wr) = wr else { return Flow::Continue };
                return self.on_register(h, &reg.terminal_id, wr, opts).await;
            }
            Message::Auth(auth) => ("auth", self.on_auth(h, &auth.code).await),
            Message::Heartbeat => ("heartbeat", result::OK),
            Message::Location(loc) => (
                "location",
                self.on_locations(h, std::slice::from_ref(&loc)).await,
            ),
            Message::LocationBatch(batch) => (
                "location_batch",
                self.on_locations(h, &batch.locations).await,
            ),
            Message::TerminalResponse {
                reply_serial,
                reply_msg_id,
                result,
            } => {
                self.on_terminal_response(h, reply_serial, reply_msg_id, result)
                    .await;
                // A response is not itself answered.
                return Flow::Continue;
            }
            Message::Unknown { msg_id, .. } => {
                self.rejected("unsupported_msg_id", &format!("message id 0x{msg_id:04x}"));
                ("unsupported", result::UNSUPPORTED)
            }
            other => {
                // Platform-to-terminal messages (0x8001, 0x8100) have no business coming in.
                self.rejected(
                    "unsupported_msg_id",
                    &format!("unexpected {:?}", other.msg_id()),
                );
                ("unsupported", result::UNSUPPORTED)
            }
        };
        if result == result::OK {
            self.state.station.metrics().count(FAMILY_ACCEPTED, label);
        }
        match wr {
            Some(wr) => self.reply(h, result, wr, opts).await,
            None => Flow::Continue,
        }
    }

    async fn on_register(
        &mut self,
        h: &Header,
        body_terminal_id: &str,
        wr: &mut OwnedWriteHalf,
        opts: Jt808Options,
    ) -> Flow {
        let (result, code) = match self.state.station.register_terminal(&h.terminal).await {
            Ok(Registration::Issued { terminal, code }) => {
                self.state
                    .station
                    .metrics()
                    .count(FAMILY_ACCEPTED, "register");
                tracing::info!(peer = %self.peer, terminal = %terminal.terminal_id, unit = %terminal.unit_id, "JT/T 808 terminal registered");
                (result::OK, Some(code))
            }
            Ok(Registration::AlreadyRegistered) => {
                self.rejected(
                    "already_registered",
                    &format!("register from {}: registered before; no new code until `guomen device reset`", h.terminal),
                );
                (result::ALREADY_REGISTERED, None)
            }
            Ok(Registration::Unknown) => {
                self.rejected(
                    "unknown_terminal",
                    &format!("register from {} (device id {body_terminal_id:?}): no unit has this terminal", h.terminal),
                );
                (result::NO_SUCH_TERMINAL, None)
            }
            Err(e) => {
                self.rejected("store_error", &e.to_string());
                (result::FAILURE, None)
            }
        };
        let env = self.envelope(&h.terminal);
        let msg = Message::RegisterResponse {
            reply_serial: h.serial,
            result,
            auth_code: code,
        };
        match jt808::encode(&env, &msg) {
            Ok(bytes) => self.write(wr, &bytes, opts).await,
            Err(e) => {
                tracing::error!(error = %e, "cannot encode 0x8100");
                Flow::Continue
            }
        }
    }

    async fn on_auth(&mut self, h: &Header, code: &str) -> u8 {
        let t = match self
            .state
            .station
            .authenticate_terminal(&h.terminal, code)
            .await
        {
            Ok(Some(p)) => p.terminal_id,
            Ok(None) => {
                self.rejected(
                    "bad_auth_code",
                    &format!("authentication from {}", h.terminal),
                );
                return result::FAILURE;
            }
            Err(e) => {
                self.rejected("store_error", &e.to_string());
                return result::FAILURE;
            }
        };
        let mine = self.terminal.as_ref().is_some_and(|(old, _)| *old == t);
        if !mine && self.state.station.downlinks().is_connected(&t) {
            self.rejected(
                "second_session",
                &format!("terminal {t} already has a live session"),
            );
            return result::FAILURE;
        }
        if let Some((old, _)) = &self.terminal {
            if *old == t {
                return result::OK;
            }
            // The same connection now speaks for another terminal: retire the first.
            self.offline().await;
        }
        self.state
            .station
            .downlinks()
            .register(&t, self.down_tx.clone());
        self.terminal = Some((t.clone(), h.terminal.clone()));
        tracing::info!(peer = %self.peer, terminal = %t, "JT/T 808 terminal authenticated");
        let _ = forward(
            &self.state,
            DeviceInput::TerminalOnline {
                terminal_id: t,
                via: Via::Jt808,
            },
        )
        .await;
        result::OK
    }

    /// The authenticated terminal, if the header speaks for it.
    fn authenticated(&self, h: &Header) -> Option<String> {
        match &self.terminal {
            Some((t, wire)) if *wire == h.terminal => Some(t.clone()),
            Some((t, _)) => {
                self.rejected(
                    "terminal_mismatch",
                    &format!("authenticated as {t}, header says {}", h.terminal),
                );
                None
            }
            None => {
                self.rejected(
                    "not_authenticated",
                    &format!(
                        "message 0x{:04x} from {} before 0x0102",
                        h.msg_id, h.terminal
                    ),
                );
                None
            }
        }
    }

    async fn on_locations(&mut self, h: &Header, locations: &[Location]) -> u8 {
        let Some(terminal) = self.authenticated(h) else {
            return result::FAILURE;
        };
        for loc in locations {
            if !loc.status.has(StatusFlags::LOCATED) {
                // No fix: the coordinates are the last known or zero, not a position.
                self.state
                    .station
                    .metrics()
                    .count("jt808_ignored", "not_located");
                continue;
            }
            let input = DeviceInput::Position {
                terminal_id: terminal.clone(),
                lon: loc.lon,
                lat: loc.lat,
                time: loc.time.unwrap_or_else(|| self.state.station.now()),
                speed_kmh: Some(loc.speed_kmh),
                course: Some(f64::from(loc.course)),
                alarm: loc.alarm.0,
                status: loc.status.0,
                via: Via::Jt808,
            };
            if forward(&self.state, input).await.is_err() {
                return result::FAILURE;
            }
            self.state
                .station
                .metrics()
                .count(FAMILY_ACCEPTED, "position");
        }
        result::OK
    }

    async fn on_terminal_response(
        &mut self,
        h: &Header,
        reply_serial: u16,
        reply_msg_id: u16,
        result: u8,
    ) {
        let Some(terminal) = self.authenticated(h) else {
            return;
        };
        let found = self
            .pending
            .iter()
            .position(|(s, _)| *s == reply_serial)
            .filter(|_| reply_msg_id == TEXT_MESSAGE);
        let Some(i) = found else {
            self.rejected(
                "unexpected_response",
                &format!("0x0001 for serial {reply_serial} / 0x{reply_msg_id:04x}, which is no pending order"),
            );
            return;
        };
        let (serial, order) = self.pending.remove(i).unwrap_or((
            reply_serial,
            Downlink {
                terminal_id: terminal.clone(),
                text: String::new(),
                incident_id: None,
            },
        ));
        if result != result::OK {
            self.state
                .station
                .metrics()
                .count("jt808_orders", "refused_by_terminal");
            tracing::warn!(terminal = %terminal, serial, result, incident = ?order.incident_id, "terminal refused an order");
            return;
        }
        self.state
            .station
            .metrics()
            .count("jt808_orders", "acknowledged");
        let _ = forward(
            &self.state,
            DeviceInput::OrderAcknowledged {
                terminal_id: terminal,
                order_serial: serial,
                time: self.state.station.now(),
            },
        )
        .await;
    }

    async fn send_order(
        &mut self,
        order: Downlink,
        wr: &mut OwnedWriteHalf,
        opts: Jt808Options,
    ) -> Flow {
        let Some((_, wire)) = self.terminal.clone() else {
            self.state
                .station
                .metrics()
                .count("jt808_orders", "not_authenticated");
            return Flow::Continue;
        };
        let env = self.envelope(&wire);
        let body = text_message_body(self.version, &order.text);
        let bytes = match jt808::encode_raw(&env, TEXT_MESSAGE, &body, None) {
            Ok(b) => b,
            Err(e) => {
                tracing::error!(error = %e, "cannot encode 0x8300");
                self.state
                    .station
                    .metrics()
                    .count("jt808_orders", "encode_failed");
                return Flow::Continue;
            }
        };
        if self.pending.len() >= MAX_PENDING_ORDERS {
            self.pending.pop_front();
            self.state
                .station
                .metrics()
                .count("jt808_orders", "never_acknowledged");
        }
        self.pending.push_back((env.serial, order));
        self.state.station.metrics().count("jt808_orders", "sent");
        self.write(wr, &bytes, opts).await
    }

    async fn offline(&mut self) {
        if let Some((t, _)) = self.terminal.take() {
            self.state
                .station
                .downlinks()
                .unregister_sender(&t, &self.down_tx);
            tracing::info!(peer = %self.peer, terminal = %t, "JT/T 808 terminal offline");
            let _ = forward(
                &self.state,
                DeviceInput::TerminalOffline {
                    terminal_id: t,
                    via: Via::Jt808,
                },
            )
            .await;
        }
    }
}
