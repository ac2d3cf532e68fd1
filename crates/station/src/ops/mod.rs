//! The command engine in the station: one [`guomen_ops::Engine`] behind a lock, fed by the
//! use cases, the device channel, the journal's watchlist hits and a ticker that beats once a
//! second of station time.
//!
//! Writers are serialised by [`Ops::writer`] (decide under the short engine lock, append to
//! the journal, then apply), so a decision always sees every earlier fact applied and the
//! engine is never ahead of the journal. Readers take only the engine lock, never across an
//! `.await`.

mod usecases;
mod worker;

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};

use guomen_domain::Text;
use guomen_domain::text::codes;
use guomen_ops::{Engine, OpsConfig, OpsError, OpsEvent};
use guomen_port::Port;
use guomen_store::{Change, StoreError};
use tokio::sync::watch;

use crate::Station;
use crate::StationError;
use crate::device::Downlink;
use crate::event::{Event, Replay, kinds_replayed_by};

pub use usecases::*;
pub use worker::{count_sensor_outcome, handle_device_input, start, start_in_background};

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

    /// Reads the engine as it is now, without waiting for the replay (for filters that must
    /// not block, such as the live stream's).
    pub fn peek<R>(&self, f: impl FnOnce(&Engine) -> R) -> R {
        f(&self.lock())
    }

    /// Gives a unit its provisioned terminal (see `Station::provision_terminal`).
    pub fn set_terminal(&self, unit_id: &str, terminal_id: &str) -> bool {
        self.lock().set_terminal(unit_id, terminal_id)
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
pub async fn commit<T: Send + 'static>(
    state: &Station,
    actor: &str,
    extra: Vec<Change>,
    decide: impl FnOnce(&Engine) -> Result<(Vec<OpsEvent>, T), OpsError>,
) -> Result<Committed<T>, CommitError> {
    let ops = &state.ops;
    ops.wait_ready().await;
    let writer = Arc::new(ops.writer.clone().lock_owned().await);
    commit_locked(state, &writer, actor, extra, decide).await
}

/// The writer lock, shareable with the task that finishes a commit: the lock is held until
/// both the caller and that task are done with it.
pub(crate) type Writer = Arc<tokio::sync::OwnedMutexGuard<()>>;

/// [`commit`] for a caller that already holds the writer lock.
pub(crate) async fn commit_locked<T: Send + 'static>(
    state: &Station,
    writer: &Writer,
    actor: &str,
    extra: Vec<Change>,
    decide: impl FnOnce(&Engine) -> Result<(Vec<OpsEvent>, T), OpsError>,
) -> Result<Committed<T>, CommitError> {
    let (events, value) = decide(&state.ops.lock())?;
    // Once decided, the append, the engine's apply and the live publication run in a task
    // of their own that keeps the writer lock: a caller dropped mid-way (client gone,
    // timeout) cannot leave the journal ahead of the engine or let another writer decide on
    // a stale engine.
    let st = state.clone();
    let writer = writer.clone();
    let actor = actor.to_owned();
    let task = tokio::spawn(async move {
        let r = finish_commit(&st, &actor, extra, events, value).await;
        drop(writer);
        r
    });
    match task.await {
        Ok(r) => r,
        Err(e) => Err(CommitError::Store(StoreError::Unavailable(format!(
            "commit task failed: {e}"
        )))),
    }
}

async fn finish_commit<T>(
    state: &Station,
    actor: &str,
    extra: Vec<Change>,
    events: Vec<OpsEvent>,
    value: T,
) -> Result<Committed<T>, CommitError> {
    let ops = &state.ops;
    let now = state.now();
    let typed: Vec<Event> = events.iter().cloned().map(Event::from).collect();
    let mut changes: Vec<Change> = typed
        .iter()
        .zip(&events)
        .filter(|(t, _)| t.journaled())
        .map(|(t, e)| Change::event(t.to_new(&event_actor(e, actor), now)))
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
    for (e, t) in events.iter().zip(typed) {
        if t.journaled() {
            let seq = journal_seqs.next();
            if let (OpsEvent::AlarmRaised(a), Some(seq)) = (e, seq) {
                ops.note_alarm_seq(&a.alarm_id, seq);
            }
            seqs.push(seq);
        } else {
            state.publish_live(&event_actor(e, actor), t);
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
        OpsEvent::IncidentTransition(t) => t.actor.clone(),
        OpsEvent::UnitStatus(u) => u.actor.clone(),
        _ => default.to_owned(),
    }
}

/// Replays the journal into the engine, in pages: every kind the registry marks as
/// replayed by the command engine. Returns the watchlist hits seen, so hits journaled while
/// the station was down become incidents too. A row that does not read back is logged loudly
/// and left out; nothing is skipped silently.
async fn replay(state: &Station) -> Result<Vec<guomen_ops::WatchlistHit>, StoreError> {
    let kinds = kinds_replayed_by(&[Replay::Ops, Replay::OpsIncident]);
    let mut after = 0;
    let mut hits = Vec::new();
    let mut applied = 0u64;
    loop {
        let page = state.store.journal(after, 1000, Some(&kinds)).await?;
        let Some(last) = page.last() else { break };
        after = last.seq;
        let mut engine = state.ops.lock();
        for row in &page {
            let event = match Event::from_journal(&row.kind, &row.payload) {
                Ok(e) => e,
                Err(err) => {
                    tracing::error!(seq = row.seq, kind = %row.kind, error = %err,
                        "journal event cannot be read back; left out of the command state");
                    continue;
                }
            };
            match event {
                Event::WatchlistHit(hit) => hits.push(hit),
                other => {
                    if let Event::AlarmRaised(a) = &other {
                        state.ops.note_alarm_seq(&a.alarm_id, row.seq);
                    }
                    if let Some(e) = other.into_ops() {
                        engine.apply(&e);
                        applied += 1;
                    }
                }
            }
        }
    }
    state.ops.lock().restart_grace(state.now());
    tracing::info!(events = applied, "command state rebuilt from the journal");
    Ok(hits)
}

/// Sends a dispatch order to the unit's terminal when it is connected and journals whether it
/// was delivered.
pub async fn send_dispatch(state: &Station, incident_id: &str, unit_id: &str, actor: &str) {
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
    let (delivered, reason, code) = match &terminal {
        None => (
            false,
            "the unit has no terminal".to_owned(),
            codes::DOWNLINK_NO_TERMINAL,
        ),
        Some(t) => {
            let ok = state.downlinks.send(Downlink {
                terminal_id: t.clone(),
                text: format!("Dispatch {incident_id}: {title}"),
                incident_id: Some(incident_id.to_owned()),
            });
            if ok {
                (
                    true,
                    "queued to the connected terminal".to_owned(),
                    codes::DOWNLINK_QUEUED,
                )
            } else {
                (
                    false,
                    "terminal not connected".to_owned(),
                    codes::DOWNLINK_NOT_CONNECTED,
                )
            }
        }
    };
    let event = OpsEvent::Downlink(guomen_ops::Downlink {
        incident_id: incident_id.to_owned(),
        unit_id: unit_id.to_owned(),
        terminal_id: terminal,
        delivered,
        reason,
        reason_text: Some(Text::new(code)),
        at: state.now(),
    });
    if let Err(e) = commit(state, actor, vec![], |_| Ok((vec![event], ()))).await {
        tracing::warn!(?e, incident_id, unit_id, "could not journal a downlink");
    }
}

impl From<CommitError> for StationError {
    fn from(e: CommitError) -> Self {
        match e {
            CommitError::Store(s) => s.into(),
            CommitError::Refused(e) => ops_error(e),
        }
    }
}

/// The refusal for a request the command engine refused.
pub fn ops_error(e: OpsError) -> StationError {
    use guomen_domain::incident::TransitionError;
    let msg = e.to_string();
    match &e {
        OpsError::UnknownIncident(_) | OpsError::UnknownUnit(_) | OpsError::UnknownLink(_) => {
            StationError::not_found(msg)
        }
        OpsError::Transition(TransitionError::Illegal { from, to, action }) => {
            StationError::conflict(msg).with_details(serde_json::json!({
                "from": from.as_str(), "to": to.as_str(), "action": action
            }))
        }
        OpsError::Transition(
            TransitionError::AlreadyDispatched(_) | TransitionError::TimeWentBack { .. },
        ) => StationError::conflict(msg),
        OpsError::UnitTransition { status, event, .. } => StationError::conflict(msg)
            .with_details(serde_json::json!({"status": status.as_str(), "event": event})),
        _ => {
            StationError::unprocessable(msg).with_details(serde_json::json!({"reason": e.reason()}))
        }
    }
}
