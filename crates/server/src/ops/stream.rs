//! `GET /api/v1/stream`: Server-Sent Events of what the command centre shows, resumable.
//!
//! A client that sends `Last-Event-ID` (or `?after=SEQ`) first gets the journal after that
//! seq, then the live bus. The bus is subscribed before the journal is read and bus events
//! with a seq at or below the last one sent are skipped, so nothing is missed or doubled. A
//! gap in the bus's seqs (concurrent appends publish out of order) and a lagging receiver
//! are both filled from the journal.

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use axum::response::sse::{Event, KeepAlive, Sse};
use futures::Stream;
use guomen_domain::Role;
use serde_json::json;
use tokio::sync::broadcast::error::RecvError;
use tokio::sync::mpsc;
use tokio_stream::wrappers::ReceiverStream;

use crate::state::{AppState, BusEvent};

/// Kinds the stream never carries: credentials, accounts and watchlist contents.
const HIDDEN_PREFIXES: &[&str] = &["auth.", "user.", "token.", "watchlist."];

pub fn streamed(kind: &str) -> bool {
    !HIDDEN_PREFIXES.iter().any(|p| kind.starts_with(p))
}

pub const HEARTBEAT: Duration = Duration::from_secs(15);
const PAGE: u32 = 500;

fn to_event(ev: &BusEvent, role: Role) -> Event {
    let mut payload = ev.payload.clone();
    crate::redact::for_role(role, &mut payload);
    let data = json!({
        "seq": ev.seq, "time": ev.time, "kind": ev.kind, "actor": ev.actor, "payload": payload,
    });
    let e = Event::default().event(&ev.kind).data(data.to_string());
    match ev.seq {
        Some(seq) => e.id(seq.to_string()),
        None => e,
    }
}

/// Sends the journal's events after `*last` (up to `upto` when given); false when the client
/// is gone or the store failed.
async fn from_journal(
    state: &AppState,
    tx: &mpsc::Sender<Event>,
    role: Role,
    last: &mut u64,
    upto: Option<u64>,
) -> bool {
    loop {
        let page = match state.store.journal(*last, PAGE, None).await {
            Ok(p) => p,
            Err(e) => {
                tracing::warn!(error = %e, "live stream cannot read the journal");
                return false;
            }
        };
        let full = page.len() == PAGE as usize;
        for j in page {
            if upto.is_some_and(|u| j.seq > u) {
                return true;
            }
            *last = j.seq;
            if !streamed(&j.kind) {
                continue;
            }
            let ev = BusEvent {
                seq: Some(j.seq),
                time: j.time,
                kind: j.kind,
                actor: j.actor,
                payload: j.payload,
            };
            if tx.send(to_event(&ev, role)).await.is_err() {
                return false;
            }
        }
        if !full {
            return true;
        }
    }
}

/// The event stream for a role, starting after `after` (from now when `None`).
pub async fn open(
    state: AppState,
    role: Role,
    after: Option<u64>,
) -> Sse<impl Stream<Item = Result<Event, Infallible>>> {
    let (tx, rx) = mpsc::channel::<Event>(256);
    let mut bus = state.bus.subscribe();
    let start = match after {
        Some(a) => Some(a),
        None => state
            .store
            .head()
            .await
            .ok()
            .map(|h| h.map_or(0, |(seq, _)| seq)),
    };
    tokio::spawn(async move {
        let Some(mut last) = start else { return };
        if after.is_some() && !from_journal(&state, &tx, role, &mut last, None).await {
            return;
        }
        loop {
            let ev: Arc<BusEvent> = match bus.recv().await {
                Ok(ev) => ev,
                Err(RecvError::Lagged(_)) => {
                    // Journaled events are recovered from the journal; ephemeral ones
                    // (positions between samples) are superseded by the next.
                    if !from_journal(&state, &tx, role, &mut last, None).await {
                        return;
                    }
                    continue;
                }
                Err(RecvError::Closed) => return,
            };
            if let Some(seq) = ev.seq {
                if seq <= last {
                    continue;
                }
                if seq > last + 1
                    && !from_journal(&state, &tx, role, &mut last, Some(seq - 1)).await
                {
                    return;
                }
                last = seq;
            }
            if streamed(&ev.kind) && tx.send(to_event(&ev, role)).await.is_err() {
                return;
            }
        }
    });
    let stream = futures::StreamExt::map(ReceiverStream::new(rx), Ok);
    Sse::new(stream).keep_alive(KeepAlive::new().interval(HEARTBEAT).text("heartbeat"))
}
