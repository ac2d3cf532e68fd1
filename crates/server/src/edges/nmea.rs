//! NMEA 0183 over TCP and UDP on the same address.
//!
//! NMEA carries no identity, so the station asks for one: the first line of a TCP connection,
//! and the first line of every UDP datagram, is
//! `$PGMN,<terminal_id>,<device API token>*hh` (a proprietary sentence, `P` + maker `GMN`;
//! the checksum is optional as for any sentence, but checked when present). The terminal id
//! must be a unit's terminal in the port and the token a device user's whose scopes cover the
//! terminal's unit (else `nmea_rejected{reason="forbidden"}`). A TCP connection
//! without a valid identity line within 10 s is closed; a datagram without one is dropped.
//! Both are counted (`nmea_rejected{reason="no_identity"|"bad_identity"}`).
//!
//! RMC, GGA and GNS with a valid fix become positions. GGA and GNS carry only a time of day:
//! the date of the last RMC from the same terminal completes it, else today's UTC date.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::Context as _;
use chrono::NaiveDate;
use guomen_proto::nmea::{self, NmeaError, Sentence};
use tokio::io::AsyncReadExt as _;
use tokio::net::{TcpListener, TcpStream, UdpSocket};
use tokio::sync::watch;

use super::{DeviceTokens, forward_as, stopped};
use crate::state::AppState;
use guomen_station::auth::Principal;
use guomen_station::device::{DeviceInput, Via};

const REJECTED: &str = "nmea_rejected";
const ACCEPTED: &str = "nmea_accepted";
const IDENTITY_TIMEOUT: Duration = Duration::from_secs(10);
const IDLE_TIMEOUT: Duration = Duration::from_secs(300);

pub fn reason(e: &NmeaError) -> &'static str {
    match e {
        NmeaError::Empty => "empty",
        NmeaError::BadStart(_) => "bad_start",
        NmeaError::TooLong { .. } => "too_long",
        NmeaError::BadChecksum { .. } => "bad_checksum",
        NmeaError::MalformedChecksum(_) => "malformed_checksum",
        NmeaError::BadCharacter(_) => "bad_character",
        NmeaError::BadAddress(_) => "bad_address",
        NmeaError::BadField { .. } => "bad_field",
    }
}

struct Shared {
    state: AppState,
    tokens: DeviceTokens,
    /// Last RMC date per terminal, to date GGA/GNS fixes.
    dates: Mutex<HashMap<String, NaiveDate>>,
}

/// Binds TCP and UDP on `addr` (UDP on the port TCP got when `addr` asks for port 0).
pub async fn start(
    state: AppState,
    addr: SocketAddr,
    stop: watch::Receiver<bool>,
) -> anyhow::Result<SocketAddr> {
    let tcp = TcpListener::bind(addr)
        .await
        .with_context(|| format!("cannot listen for NMEA over TCP on {addr}"))?;
    let local = tcp.local_addr()?;
    let udp = UdpSocket::bind(local)
        .await
        .with_context(|| format!("cannot listen for NMEA over UDP on {local}"))?;
    let shared = Arc::new(Shared {
        state,
        tokens: DeviceTokens::default(),
        dates: Mutex::new(HashMap::new()),
    });
    tokio::spawn(accept_loop(shared.clone(), tcp, stop.clone()));
    tokio::spawn(udp_loop(shared, udp, stop));
    Ok(local)
}

async fn accept_loop(shared: Arc<Shared>, tcp: TcpListener, mut stop: watch::Receiver<bool>) {
    let limiter = crate::limits::ConnLimiter::new(
        "nmea",
        super::NMEA_MAX_CONNECTIONS,
        super::NMEA_MAX_CONNECTIONS_PER_IP,
    );
    loop {
        tokio::select! {
            _ = stopped(&mut stop) => break,
            accepted = tcp.accept() => match accepted {
                Ok((stream, peer)) => {
                    let slot = match limiter.try_acquire(peer.ip()) {
                        Ok(s) => s,
                        Err(why) => {
                            shared.state.station.metrics().count(REJECTED, why.label());
                            continue;
                        }
                    };
                    let (shared, stop) = (shared.clone(), stop.clone());
                    tokio::spawn(async move {
                        tcp_conn(shared, stream, peer, stop).await;
                        drop(slot);
                    });
                }
                Err(e) => {
                    tracing::warn!(error = %e, "NMEA accept failed");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
            },
        }
    }
}

/// Cuts a byte stream into lines, bounded: an overlong line is dropped whole and reported.
#[derive(Default)]
struct Lines {
    buf: Vec<u8>,
    discarding: bool,
}

enum Line {
    Text(String),
    TooLong,
}

impl Lines {
    fn push(&mut self, chunk: &[u8], out: &mut Vec<Line>) {
        for &b in chunk {
            if b == b'\n' {
                if self.discarding {
                    self.discarding = false;
                } else {
                    out.push(Line::Text(String::from_utf8_lossy(&self.buf).into_owned()));
                }
                self.buf.clear();
            } else if !self.discarding {
                self.buf.push(b);
                if self.buf.len() > nmea::MAX_SENTENCE_LEN + 2 {
                    self.buf.clear();
                    self.discarding = true;
                    out.push(Line::TooLong);
                }
            }
        }
    }
}

async fn tcp_conn(
    shared: Arc<Shared>,
    mut stream: TcpStream,
    peer: SocketAddr,
    mut stop: watch::Receiver<bool>,
) {
    let mut lines = Lines::default();
    let mut buf = vec![0u8; 4096];
    let mut terminal: Option<(String, Principal)> = None;
    let mut out = Vec::new();
    loop {
        let wait = if terminal.is_some() {
            IDLE_TIMEOUT
        } else {
            IDENTITY_TIMEOUT
        };
        let n = tokio::select! {
            _ = stopped(&mut stop) => break,
            read = tokio::time::timeout(wait, stream.read(&mut buf)) => match read {
                Err(_) => {
                    let why = if terminal.is_some() { "idle_timeout" } else { "no_identity" };
                    shared.state.station.metrics().count(REJECTED, why);
                    tracing::warn!(%peer, reason = why, "NMEA connection closed");
                    break;
                }
                Ok(Ok(0)) | Ok(Err(_)) => break,
                Ok(Ok(n)) => n,
            },
        };
        lines.push(&buf[..n], &mut out);
        for line in out.drain(..) {
            let text = match line {
                Line::TooLong => {
                    shared.state.station.metrics().count(REJECTED, "too_long");
                    continue;
                }
                Line::Text(t) => t,
            };
            if text.trim().is_empty() {
                continue;
            }
            match &terminal {
                None => match identify(&shared, &text).await {
                    Ok(t) => {
                        tracing::info!(%peer, terminal = %t.0, device = %t.1.name, "NMEA terminal identified");
                        terminal = Some(t);
                    }
                    Err(why) => {
                        shared.state.station.metrics().count(REJECTED, why);
                        tracing::warn!(%peer, reason = why, "NMEA connection closed: first line must be $PGMN,<terminal>,<token>");
                        return;
                    }
                },
                Some((t, who)) => {
                    if sentence(&shared, t, who, &text, peer).await.is_err() {
                        return;
                    }
                }
            }
        }
    }
}

async fn udp_loop(shared: Arc<Shared>, udp: UdpSocket, mut stop: watch::Receiver<bool>) {
    let mut buf = vec![0u8; 65_536];
    loop {
        let (n, peer) = tokio::select! {
            _ = stopped(&mut stop) => break,
            r = udp.recv_from(&mut buf) => match r {
                Ok(x) => x,
                Err(e) => {
                    tracing::warn!(error = %e, "NMEA UDP receive failed");
                    continue;
                }
            },
        };
        let text = String::from_utf8_lossy(&buf[..n]).into_owned();
        let mut lines = text.lines().filter(|l| !l.trim().is_empty());
        let Some(first) = lines.next() else { continue };
        let (terminal, who) = match identify(&shared, first).await {
            Ok(x) => x,
            Err(why) => {
                shared.state.station.metrics().count(REJECTED, why);
                tracing::warn!(%peer, reason = why, "NMEA datagram dropped: first line must be $PGMN,<terminal>,<token>");
                continue;
            }
        };
        for line in lines {
            if sentence(&shared, &terminal, &who, line, peer)
                .await
                .is_err()
            {
                return;
            }
        }
    }
}

/// Checks an identity line; `(terminal, device)` or the metrics reason. The device must speak
/// for the terminal's unit.
async fn identify(shared: &Shared, line: &str) -> Result<(String, Principal), &'static str> {
    let parsed = nmea::parse(line).map_err(|e| match e {
        NmeaError::BadChecksum { .. } => "bad_checksum",
        _ => "no_identity",
    })?;
    if !matches!(&parsed.sentence, Sentence::Other { talker, kind } if talker == "P" && kind == "GMN")
    {
        return Err("no_identity");
    }
    let body = line.trim().trim_start_matches('$');
    let body = body.split('*').next().unwrap_or_default();
    let fields: Vec<&str> = body.split(',').collect();
    let (Some(terminal), Some(token)) = (fields.get(1), fields.get(2)) else {
        return Err("no_identity");
    };
    let terminal = match shared.state.station.provisioned_terminal(terminal).await {
        Ok(Some(p)) => p.terminal_id,
        _ => return Err("bad_identity"),
    };
    let Some(device) = shared.tokens.principal(&shared.state, token).await else {
        return Err("bad_identity");
    };
    let online = DeviceInput::TerminalOnline {
        terminal_id: terminal.clone(),
        via: Via::Nmea,
    };
    if shared
        .state
        .station
        .admit_device_input(&device, &online)
        .is_err()
    {
        return Err("forbidden");
    }
    Ok((terminal, device))
}

/// One sentence from an identified terminal. `Err` only when the engine is gone.
async fn sentence(
    shared: &Shared,
    terminal: &str,
    who: &Principal,
    line: &str,
    peer: SocketAddr,
) -> Result<(), ()> {
    let state = &shared.state;
    let parsed = match nmea::parse(line) {
        Ok(p) => p,
        Err(e) => {
            state.station.metrics().count(REJECTED, reason(&e));
            tracing::warn!(%peer, terminal, reason = reason(&e), error = %e, "NMEA sentence rejected");
            return Ok(());
        }
    };
    let date = {
        let mut dates = shared.dates.lock().unwrap_or_else(|e| e.into_inner());
        if let Sentence::Rmc { data, .. } = &parsed.sentence
            && let Some(d) = data.date
        {
            if dates.len() > 10_000 {
                dates.clear();
            }
            dates.insert(terminal.to_owned(), d);
        }
        dates.get(terminal).copied()
    };
    let now = state.station.now();
    let Some(fix) = parsed
        .sentence
        .fix(Some(date.unwrap_or_else(|| now.date_naive())))
    else {
        state.station.metrics().count(ACCEPTED, "other_sentence");
        return Ok(());
    };
    if !fix.valid {
        state.station.metrics().count("nmea_ignored", "no_fix");
        return Ok(());
    }
    let mut time = fix.time.unwrap_or(now);
    if date.is_none() && time - now > chrono::Duration::hours(12) {
        // A time of day just before midnight received just after it belongs to yesterday.
        time -= chrono::Duration::days(1);
    }
    state.station.metrics().count(ACCEPTED, "position");
    forward_as(
        state,
        who,
        DeviceInput::Position {
            terminal_id: terminal.to_owned(),
            lon: fix.lon,
            lat: fix.lat,
            time,
            speed_kmh: fix.speed_kmh,
            course: fix.course,
            alarm: 0,
            status: 0,
            via: Via::Nmea,
        },
    )
    .await
}
