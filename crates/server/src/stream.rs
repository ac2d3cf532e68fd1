//! `GET /api/v1/stream`: Server-Sent Events of what the caller's role may see, resumable.
//!
//! A client that sends `Last-Event-ID` (or `?after=SEQ`) first gets the journal after that
//! seq, then the live bus. The bus is subscribed before the journal is read and bus events
//! with a seq at or below the last one sent are skipped, so nothing is missed or doubled. A
//! gap in the bus's seqs (concurrent appends publish out of order) and a lagging receiver
//! are both filled from the journal.
//!
//! Every event, live or replayed, passes through the station's view for the caller: a kind
//! the role may not see is never sent, and what is sent is the role's view of the event,
//! never a redacted original. The credential is re-checked every [`RECHECK`]: a revoked token
//! or a changed role ends the stream.

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use axum::response::sse::{Event as SseEvent, KeepAlive, Sse};
use futures::Stream;
use guomen_station::event::view::Viewer;
use guomen_station::{BusEvent, Event, Principal, Station};
use serde_json::json;
use tokio::sync::broadcast::error::RecvError;
use tokio::sync::mpsc;
use tokio_stream::wrappers::ReceiverStream;

use crate::state::AppState;

pub const HEARTBEAT: Duration = Duration::from_secs(15);
/// How often a stream re-checks its credential (a revoked token ends it within this).
pub const RECHECK: Duration = Duration::from_secs(10);
const PAGE: u32 = 500;

/// The SSE frame of an event for `viewer`, `None` when the viewer may not see it.
fn frame(station: &Station, viewer: &Viewer, ev: &BusEvent) -> Option<SseEvent> {
    let payload = station.view_of(viewer, &ev.event)?;
    let kind = ev.kind().as_str();
    // A carrier is outside the station: it is told what happened to its train, not who did it.
    let actor = (viewer.audience != guomen_station::event::Audience::Carrier).then_some(&ev.actor);
    let data = json!({
        "seq": ev.seq, "time": ev.time, "kind": kind, "actor": actor, "payload": payload,
    });
    let e = SseEvent::default().event(kind).data(data.to_string());
    Some(match ev.seq {
        Some(seq) => e.id(seq.to_string()),
        None => e,
    })
}

/// Sends the journal's events after `*last` (up to `upto` when given) that the viewer may
/// see; false when the client is gone or the store failed.
async fn from_journal(
    station: &Station,
    who: &Principal,
    tx: &mpsc::Sender<SseEvent>,
    last: &mut u64,
    upto: Option<u64>,
) -> bool {
    let viewer = station.viewer(who);
    loop {
        let page = match station.journal_rows(*last, PAGE).await {
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
            let event = match Event::from_journal(&j.kind, &j.payload) {
                Ok(e) => e,
                Err(e) => {
                    tracing::error!(seq = j.seq, error = %e, "journal event does not read");
                    continue;
                }
            };
            let ev = BusEvent {
                seq: Some(j.seq),
                time: j.time,
                actor: j.actor,
                event,
            };
            if let Some(f) = frame(station, &viewer, &ev)
                && tx.send(f).await.is_err()
            {
                return false;
            }
        }
        if !full {
            return true;
        }
    }
}

/// The event stream for a principal, starting after `after` (from now when `None`).
pub async fn open(
    state: AppState,
    who: Principal,
    after: Option<u64>,
) -> Sse<impl Stream<Item = Result<SseEvent, Infallible>>> {
    let (tx, rx) = mpsc::channel::<SseEvent>(256);
    let station = state.station.clone();
    let mut bus = station.subscribe();
    let mut stopping = state.stopping.subscribe();
    let start = match after {
        Some(a) => Some(a),
        None => station
            .journal_head()
            .await
            .ok()
            .map(|h| h.map_or(0, |(seq, _)| seq)),
    };
    tokio::spawn(async move {
        let Some(mut last) = start else { return };
        if after.is_some() && !from_journal(&station, &who, &tx, &mut last, None).await {
            return;
        }
        let mut recheck = tokio::time::interval(RECHECK);
        recheck.tick().await;
        loop {
            let ev: Arc<BusEvent> = tokio::select! {
                r = bus.recv() => match r {
                    Ok(ev) => ev,
                    Err(RecvError::Lagged(_)) => {
                        // Journaled events are recovered from the journal; live ones
                        // (positions between samples) are superseded by the next.
                        if !from_journal(&station, &who, &tx, &mut last, None).await {
                            return;
                        }
                        continue;
                    }
                    Err(RecvError::Closed) => return,
                },
                _ = recheck.tick() => {
                    match station.still_valid(&who).await {
                        Ok(true) => continue,
                        Ok(false) => {
                            tracing::info!(user = %who.name, "stream ended: credential revoked or role changed");
                            return;
                        }
                        // A store hiccup is not a revocation; check again next time.
                        Err(e) => {
                            tracing::warn!(error = %e, "stream could not re-check its credential");
                            continue;
                        }
                    }
                }
                _ = tx.closed() => return,
                // The station is stopping: end the stream so shutdown need not wait for
                // the client to hang up (it resumes with Last-Event-ID on the next start).
                _ = async { let _ = stopping.wait_for(|s| *s).await; } => return,
            };
            if let Some(seq) = ev.seq {
                if seq <= last {
                    continue;
                }
                if seq > last + 1
                    && !from_journal(&station, &who, &tx, &mut last, Some(seq - 1)).await
                {
                    return;
                }
                last = seq;
            }
            let viewer = station.viewer(&who);
            if let Some(f) = frame(&station, &viewer, &ev)
                && tx.send(f).await.is_err()
            {
                return;
            }
        }
    });
    let stream = futures::StreamExt::map(ReceiverStream::new(rx), Ok);
    Sse::new(stream).keep_alive(KeepAlive::new().interval(HEARTBEAT).text("heartbeat"))
}
