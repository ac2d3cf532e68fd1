//! Start-up replay and the background tasks: the device-input consumer, the ticker and the
//! watchlist-hit listener.

use std::time::Duration;

use guomen_ops::{PositionInput, SensorInput};
use tokio::sync::broadcast::error::RecvError;

use super::{CommitError, commit, commit_locked, replay};
use crate::Station;
use crate::device::DeviceInput;
use crate::event::Event;

/// Rebuilds the command state from the journal, then starts the background tasks.
pub async fn start(state: &Station) -> anyhow::Result<()> {
    let guard = state.ops.writer.clone().lock_owned().await;
    run_start(state.clone(), guard).await
}

/// [`start`] from synchronous code (inside a Tokio runtime): the writer lock is taken before
/// returning, so requests wait for the replay instead of seeing an empty state.
pub fn start_in_background(state: &Station) {
    let Ok(guard) = state.ops.writer.clone().try_lock_owned() else {
        tracing::warn!("command engine already starting");
        return;
    };
    let state = state.clone();
    tokio::spawn(async move {
        if let Err(e) = run_start(state, guard).await {
            tracing::error!(error = %e, "command engine did not start");
        }
    });
}

async fn run_start(state: Station, guard: tokio::sync::OwnedMutexGuard<()>) -> anyhow::Result<()> {
    // Subscribed before the replay so no hit journaled meanwhile is missed.
    let bus = state.bus.subscribe();
    let hits = replay(&state).await?;
    // Terminals provisioned with `guomen device add` override the port file's.
    state.apply_provisioning().await?;
    state.ops.set_ready();
    let guard = std::sync::Arc::new(guard);
    for hit in hits {
        let now = state.now();
        let r = commit_locked(&state, &guard, crate::SYSTEM, vec![], |e| {
            Ok((e.watchlist_hit(&hit, now)?, ()))
        })
        .await;
        if let Err(e) = r {
            tracing::warn!(?e, "watchlist hit not turned into an incident");
        }
    }
    drop(guard);
    let rx = state
        .device_rx
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .take();
    match rx {
        Some(mut rx) => {
            let st = state.clone();
            tokio::spawn(async move {
                while let Some(input) = rx.recv().await {
                    // Nobody listening is the normal case.
                    let _ = st.device_tap.send(input.clone());
                    // Refusals are counted and logged inside; the next input goes on.
                    let _ = handle_device_input(&st, input).await;
                }
            });
        }
        None => tracing::warn!("device inputs already taken: not consuming them here"),
    }
    let st = state.clone();
    tokio::spawn(async move {
        // One tick per second of station time: timers (link timeouts, track expiry, nuisance
        // windows) keep their meaning at any clock speed.
        let mut every = tokio::time::interval(st.clock.wall(Duration::from_secs(1)));
        every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
        loop {
            every.tick().await;
            let now = st.now();
            let r = commit(&st, crate::SYSTEM, vec![], |e| Ok((e.tick(now), ()))).await;
            if let Err(CommitError::Store(e)) = r {
                if matches!(e, guomen_store::StoreError::Closed) {
                    break;
                }
                tracing::warn!(error = %e, "ticker could not journal");
            }
        }
    });
    let st = state.clone();
    tokio::spawn(watch_hits(st, bus));
    Ok(())
}

async fn watch_hits(
    state: Station,
    mut bus: tokio::sync::broadcast::Receiver<std::sync::Arc<crate::BusEvent>>,
) {
    loop {
        match bus.recv().await {
            Ok(ev) => {
                let Event::WatchlistHit(hit) = &ev.event else {
                    continue;
                };
                let now = state.now();
                let r = commit(&state, crate::SYSTEM, vec![], |e| {
                    Ok((e.watchlist_hit(hit, now)?, ()))
                })
                .await;
                if let Err(e) = r {
                    tracing::warn!(?e, seq = ?ev.seq, "watchlist hit not turned into an incident");
                }
            }
            Err(RecvError::Lagged(n)) => {
                // The hits skipped here are picked up from the journal at the next start-up.
                tracing::warn!(skipped = n, "watchlist listener lagged");
            }
            Err(RecvError::Closed) => break,
        }
    }
}

fn via(v: crate::device::Via) -> String {
    serde_json::to_value(v)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

/// Processes one device input, in arrival order, and returns the seq of its first journaled
/// fact. A refused input is counted and logged; it never stops the inputs after it.
pub async fn handle_device_input(
    state: &Station,
    input: DeviceInput,
) -> Result<Option<u64>, CommitError> {
    let now = state.now();
    let (family, result) = match input {
        DeviceInput::SensorEvent {
            sensor_id,
            kind,
            time,
            confidence,
            actor,
            via: v,
        } => {
            let input = SensorInput {
                sensor_id,
                kind,
                time,
                confidence,
                actor: actor.clone(),
                via: via(v),
            };
            let r = commit(state, &actor, vec![], |e| {
                let out = e.sensor_event(input, now)?;
                Ok((out.events.clone(), out))
            })
            .await;
            if let Ok(c) = &r {
                count_sensor_outcome(state, &c.value);
            }
            ("sensor_events_rejected", r.map(|c| c.first_seq()))
        }
        DeviceInput::Position {
            terminal_id,
            lon,
            lat,
            time,
            speed_kmh,
            course,
            via: v,
            ..
        } => {
            let actor = format!("terminal:{terminal_id}");
            let input = PositionInput {
                terminal_id,
                lon,
                lat,
                time,
                speed_kmh,
                course,
                via: via(v),
            };
            let r = commit(state, &actor, vec![], |e| Ok((e.position(input, now)?, ()))).await;
            ("positions_rejected", r.map(|c| c.first_seq()))
        }
        DeviceInput::TerminalOnline {
            terminal_id,
            via: v,
        } => (
            "terminal_events_rejected",
            presence(state, &terminal_id, true, v).await.map(|_| None),
        ),
        DeviceInput::TerminalOffline {
            terminal_id,
            via: v,
        } => (
            "terminal_events_rejected",
            presence(state, &terminal_id, false, v).await.map(|_| None),
        ),
        DeviceInput::OrderAcknowledged { terminal_id, .. } => {
            let actor = format!("terminal:{terminal_id}");
            let r = commit(state, &actor, vec![], |e| {
                Ok((e.order_acknowledged(&terminal_id, now)?, ()))
            })
            .await;
            ("order_acks_rejected", r.map(|c| c.first_seq()))
        }
        DeviceInput::LinkHeartbeat { link_id, time, .. } => {
            let r = commit(state, crate::SYSTEM, vec![], |e| {
                Ok((e.heartbeat(&link_id, Some(time), now)?, ()))
            })
            .await;
            ("heartbeats_rejected", r.map(|c| c.first_seq()))
        }
    };
    if let Err(e) = &result {
        let reason = match e {
            CommitError::Refused(r) => r.reason(),
            CommitError::Store(_) => "store_error",
        };
        state.metrics.count(family, reason);
        match e {
            CommitError::Refused(r) => tracing::info!(reason, error = %r, "device input refused"),
            CommitError::Store(s) => tracing::warn!(error = %s, "device input not journaled"),
        }
    }
    result
}

async fn presence(
    state: &Station,
    terminal_id: &str,
    online: bool,
    v: crate::device::Via,
) -> Result<(), CommitError> {
    let actor = format!("terminal:{terminal_id}");
    let now = state.now();
    commit(state, &actor, vec![], |e| {
        Ok((e.terminal_presence(terminal_id, online, &via(v), now)?, ()))
    })
    .await
    .map(|_| ())
}

/// Counts what de-duplication and clock checks did to an accepted sensor event.
pub fn count_sensor_outcome(state: &Station, out: &guomen_ops::SensorOutcome) {
    if out.duplicate {
        state.metrics.count("sensor_events_rejected", "duplicate");
    }
    if out.clock_corrected {
        state
            .metrics
            .count("sensor_events_rejected", "clock_skew_corrected");
    }
}
