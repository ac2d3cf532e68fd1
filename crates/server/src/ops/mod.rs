//! The command engine in the server: one [`guomen_ops::Engine`] behind a lock, fed by the API,
//! the device channel, the journal's watchlist hits and a one-second ticker.
//!
//! Writers are serialised by [`Ops::writer`] (decide under the short engine lock, append to
//! the journal, then apply), so a decision always sees every earlier fact applied and the
//! engine is never ahead of the journal. Readers take only the engine lock, never across an
//! `.await`.

pub mod stream;
mod worker;

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};

use chrono::Utc;
use guomen_ops::{Engine, JOURNAL_KINDS, OpsConfig, OpsError, OpsEvent};
use guomen_port::Port;
use guomen_store::{Change, NewEvent, Projection, StoreError};
use tokio::sync::watch;

use crate::device::Downlink;
use crate::error::ApiError;
use crate::state::AppState;

pub use worker::{
    count_sensor_outcome as worker_count, handle_device_input, start, start_in_background,
};

/// Journal kind of a watchlist hit written by the clearance side; each becomes an incident.
pub const WATCHLIST_HIT: &str = "clearance.watchlist_hit";

pub struct Ops {
    engine: Mutex<Engine>,
    /// Held by a writer from decision to apply.
    pub writer: Arc<tokio::sync::Mutex<()>>,
    ready: watch::Sender<bool>,
    /// Journal seq of each alarm, to answer a duplicate trigger with its alarm's seq.
    alarm_seqs: Mutex<HashMap<String, u64>>,
}

impl std::fmt::Debug for Ops {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Ops").finish_non_exhaustive()
    }
}

/// Why a commit did not happen.
#[derive(Debug)]
pub enum CommitError {
    Refused(OpsError),
    Store(StoreError),
}

impl From<OpsError> for CommitError {
    fn from(e: OpsError) -> Self {
        CommitError::Refused(e)
    }
}

impl Ops {
    pub fn new(engine: Engine) -> Ops {
        Ops {
            engine: Mutex::new(engine),
            writer: Arc::new(tokio::sync::Mutex::new(())),
            ready: watch::channel(false).0,
            alarm_seqs: Mutex::new(HashMap::new()),
        }
    }

    /// The engine for a port with the default tuning; `None` when the port's geometry cannot
    /// be indexed (a validated port always can).
    pub fn for_port(port: &Port) -> Option<Ops> {
        Engine::new(port, OpsConfig::default()).ok().map(Ops::new)
    }

    fn lock(&self) -> MutexGuard<'_, Engine> {
        // A panic under the lock leaves the engine as it was before the failed apply.
        self.engine.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Reads the engine (waits for the start-up replay first).
    pub async fn read<R>(&self, f: impl FnOnce(&Engine) -> R) -> R {
        self.wait_ready().await;
        f(&self.lock())
    }

    /// Changes the tuning (tests shorten windows with it).
    pub fn configure(&self, f: impl FnOnce(&mut OpsConfig)) {
        let mut e = self.lock();
        let mut c = *e.config();
        f(&mut c);
        e.set_config(c);
    }

    pub async fn wait_ready(&self) {
        let mut rx = self.ready.subscribe();
        let _ = rx.wait_for(|r| *r).await;
    }

    fn set_ready(&self) {
        self.ready.send_replace(true);
    }

    pub fn alarm_seq(&self, alarm_id: &str) -> Option<u64> {
        self.alarm_seqs
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(alarm_id)
            .copied()
    }

    fn note_alarm_seq(&self, alarm_id: &str, seq: u64) {
        let mut m = self.alarm_seqs.lock().unwrap_or_else(|e| e.into_inner());
        // Seqs of old alarms are only needed for duplicates arriving within seconds.
        if m.len() > 100_000 {
            m.clear();
        }
        m.insert(alarm_id.to_owned(), seq);
    }
}

/// What a commit did.
#[derive(Debug)]
pub struct Committed<T> {
    pub value: T,
    pub events: Vec<OpsEvent>,
    /// Journal seq of each event, `None` for live-only ones.
    pub seqs: Vec<Option<u64>>,
}

impl<T> Committed<T> {
    /// The seq of the first journaled event.
    pub fn first_seq(&self) -> Option<u64> {
        self.seqs.iter().flatten().next().copied()
    }
}

/// Decides with `decide` under the engine lock, journals the facts (with `extra` changes in
/// the same atomic append), applies them and publishes the live-only ones.
pub async fn commit<T>(
    state: &AppState,
    actor: &str,
    extra: Vec<Change>,
    decide: impl FnOnce(&Engine) -> Result<(Vec<OpsEvent>, T), OpsError>,
) -> Result<Committed<T>, CommitError> {
    let ops = &state.ops;
    ops.wait_ready().await;
    let _writer = ops.writer.lock().await;
    commit_locked(state, actor, extra, decide).await
}

/// [`commit`] for a caller that already holds the writer lock.
pub(crate) async fn commit_locked<T>(
    state: &AppState,
    actor: &str,
    extra: Vec<Change>,
    decide: impl FnOnce(&Engine) -> Result<(Vec<OpsEvent>, T), OpsError>,
) -> Result<Committed<T>, CommitError> {
    let ops = &state.ops;
    let (events, value) = decide(&ops.lock())?;
    let mut changes: Vec<Change> = events
        .iter()
        .filter(|e| e.journaled())
        .map(|e| Change::event(NewEvent::new(e.kind(), event_actor(e, actor), e.payload())))
        .collect();
    let n_ops = changes.len();
    changes.extend(extra);
    let appended = if changes.is_empty() {
        Vec::new()
    } else {
        state.append(changes).await.map_err(CommitError::Store)?
    };
    let mut seqs = Vec::with_capacity(events.len());
    let mut journal_seqs = appended.iter().take(n_ops).map(|a| a.seq);
    {
        let mut engine = ops.lock();
        for e in &events {
            engine.apply(e);
        }
    }
    for e in &events {
        if e.journaled() {
            let seq = journal_seqs.next();
            if let (OpsEvent::AlarmRaised(a), Some(seq)) = (e, seq) {
                ops.note_alarm_seq(&a.alarm_id, seq);
            }
            seqs.push(seq);
        } else {
            state.publish_ephemeral(e.kind(), &event_actor(e, actor), e.payload());
            seqs.push(None);
        }
    }
    Ok(Committed {
        value,
        events,
        seqs,
    })
}

/// The actor of a fact: who did it when the fact says so, else the caller.
fn event_actor(e: &OpsEvent, default: &str) -> String {
    match e {
        OpsEvent::AlarmRaised(a) => a.actor.clone(),
        OpsEvent::IncidentCreated(c) => c.actor.clone(),
        OpsEvent::IncidentTransition { actor, .. } | OpsEvent::UnitStatus { actor, .. } => {
            actor.clone()
        }
        _ => default.to_owned(),
    }
}

/// Replays the journal into the engine, in pages. Returns the watchlist hits seen, so hits
/// journaled while the station was down become incidents too.
async fn replay(state: &AppState) -> Result<Vec<serde_json::Value>, StoreError> {
    let mut kinds: Vec<&str> = JOURNAL_KINDS.to_vec();
    kinds.push(WATCHLIST_HIT);
    let mut after = 0;
    let mut hits = Vec::new();
    let mut applied = 0u64;
    loop {
        let page = state.store.journal(after, 1000, Some(&kinds)).await?;
        let Some(last) = page.last() else { break };
        after = last.seq;
        let mut engine = state.ops.lock();
        for ev in &page {
            if ev.kind == WATCHLIST_HIT {
                hits.push(ev.payload.clone());
                continue;
            }
            match OpsEvent::from_payload(&ev.payload) {
                Ok(e) => {
                    if let OpsEvent::AlarmRaised(a) = &e {
                        state.ops.note_alarm_seq(&a.alarm_id, ev.seq);
                    }
                    engine.apply(&e);
                    applied += 1;
                }
                Err(err) => tracing::error!(seq = ev.seq, kind = %ev.kind, error = %err,
                    "journal event cannot be read back; left out of the command state"),
            }
        }
    }
    state.ops.lock().restart_grace(Utc::now());
    tracing::info!(events = applied, "command state rebuilt from the journal");
    Ok(hits)
}

/// Sends a dispatch order to the unit's terminal when it is connected and journals whether it
/// was delivered.
pub async fn send_dispatch(state: &AppState, incident_id: &str, unit_id: &str, actor: &str) {
    let (terminal, title) = state
        .ops
        .read(|e| {
            (
                e.unit(unit_id).and_then(|u| u.terminal_id.clone()),
                e.incident(incident_id)
                    .map(|s| s.incident.title.clone())
                    .unwrap_or_default(),
            )
        })
        .await;
    let (delivered, reason) = match &terminal {
        None => (false, "the unit has no terminal".to_owned()),
        Some(t) => {
            let ok = state.downlinks.send(Downlink {
                terminal_id: t.clone(),
                text: format!("Dispatch {incident_id}: {title}"),
                incident_id: Some(incident_id.to_owned()),
            });
            if ok {
                (true, "queued to the connected terminal".to_owned())
            } else {
                (false, "terminal not connected".to_owned())
            }
        }
    };
    let event = OpsEvent::Downlink {
        incident_id: incident_id.to_owned(),
        unit_id: unit_id.to_owned(),
        terminal_id: terminal,
        delivered,
        reason,
        at: Utc::now(),
    };
    if let Err(e) = commit(state, actor, vec![], |_| Ok((vec![event], ()))).await {
        tracing::warn!(?e, incident_id, unit_id, "could not journal a downlink");
    }
}

impl From<CommitError> for ApiError {
    fn from(e: CommitError) -> Self {
        match e {
            CommitError::Store(s) => s.into(),
            CommitError::Refused(e) => ops_error(e),
        }
    }
}

/// The HTTP answer to a refused request.
pub fn ops_error(e: OpsError) -> ApiError {
    use guomen_domain::incident::TransitionError;
    let msg = e.to_string();
    match &e {
        OpsError::UnknownIncident(_) | OpsError::UnknownUnit(_) | OpsError::UnknownLink(_) => {
            ApiError::not_found(msg)
        }
        OpsError::Transition(TransitionError::Illegal { from, to, action }) => {
            ApiError::conflict(msg).with_details(serde_json::json!({
                "from": from.as_str(), "to": to.as_str(), "action": action
            }))
        }
        OpsError::Transition(
            TransitionError::AlreadyDispatched(_) | TransitionError::TimeWentBack { .. },
        ) => ApiError::conflict(msg),
        OpsError::UnitTransition { status, event, .. } => ApiError::conflict(msg)
            .with_details(serde_json::json!({"status": status.as_str(), "event": event})),
        _ => ApiError::unprocessable(msg).with_details(serde_json::json!({"reason": e.reason()})),
    }
}

/// A store change that records an outbox key as seen, in the same append as its effects.
pub fn outbox_key_change(duty_point: &str, key: &str, actor: &str, result: &str) -> Change {
    let id = format!("{duty_point}:{key}");
    Change::event(NewEvent::new(
        "ops.outbox_item",
        actor,
        serde_json::json!({"duty_point": duty_point, "key": key, "result": result}),
    ))
    .with(Projection::PutDoc {
        collection: OUTBOX_KEYS.into(),
        id,
        body: serde_json::json!({"duty_point": duty_point, "key": key, "result": result}),
    })
}

/// The `docs` collection of outbox keys already applied.
pub const OUTBOX_KEYS: &str = "outbox_keys";
