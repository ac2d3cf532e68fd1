//! Clearance in the server: the live watchlist index, the import service shared by the CLI and
//! the API, and the inspection workflow (see [`inspect`]).
//!
//! The index is immutable (`guomen_screen::Index`); a new one is built off the async runtime
//! (`spawn_blocking`) and swapped in atomically, so screening never pauses. The entries it is
//! built from mirror the store's `docs` collection `watchlist`; a poller reads new `watchlist.*`
//! journal events every [`POLL_INTERVAL`] so that an import by another process (the CLI on the
//! same data directory) is live within seconds.

pub mod import;
pub mod inspect;
mod usecases;

pub use usecases::*;

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::Duration;

use guomen_domain::watchlist::WatchlistEntry;
use guomen_screen::Index;
use guomen_store::{Store, StoreResult};

/// The collection holding one document per watchlist entry (body = `WatchlistEntry` JSON).
pub const WATCHLIST_COLLECTION: &str = "watchlist";
/// The collection holding inspections (pending and decided).
pub const INSPECTIONS_COLLECTION: &str = "inspections";
/// How often the journal is polled for watchlist changes made by other processes.
pub const POLL_INTERVAL: Duration = Duration::from_secs(2);

/// Watchlist events read per poll; a full batch means a large import, reloaded whole.
const POLL_BATCH: u32 = 1000;

/// The index in use and what was derived from the same entries.
#[derive(Debug)]
pub struct Live {
    pub index: Index,
    /// The length of the face templates on the list (the first one the index took), if any.
    pub face_dim: Option<usize>,
    /// Entry id → the action to take on a hit.
    pub actions: BTreeMap<String, String>,
}

impl Live {
    fn build(entries: Vec<WatchlistEntry>) -> Live {
        let face_dim = entries
            .iter()
            .find_map(|e| e.face_template.as_ref().map(Vec::len));
        let actions = entries
            .iter()
            .map(|e| (e.id.clone(), e.action.clone()))
            .collect();
        Live {
            index: Index::build(entries, None),
            face_dim,
            actions,
        }
    }
}

/// Shared clearance state (one per server).
pub struct Clearance {
    live: RwLock<Arc<Live>>,
    /// The entries the live index was (or is being) built from, by id.
    entries: tokio::sync::Mutex<BTreeMap<String, WatchlistEntry>>,
    /// Journal seq up to which watchlist events have been applied.
    applied_seq: AtomicU64,
    /// One import at a time per server: diffs are computed against the current entries.
    pub import_lock: tokio::sync::Mutex<()>,
    /// One decision at a time, so an inspection is never decided twice.
    pub decision_lock: tokio::sync::Mutex<()>,
    /// True once the first load finished: screening before it would miss every entry.
    loaded: tokio::sync::watch::Sender<bool>,
    /// Inspections awaiting a decision: counted once at start-up, then kept by every append
    /// ([`Clearance::count_appended`]), so today's figures never scan every inspection.
    pending: std::sync::atomic::AtomicI64,
}

impl std::fmt::Debug for Clearance {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Clearance")
            .field("applied_seq", &self.applied_seq.load(Ordering::Relaxed))
            .finish_non_exhaustive()
    }
}

impl Default for Clearance {
    fn default() -> Self {
        Clearance {
            live: RwLock::new(Arc::new(Live::build(Vec::new()))),
            entries: tokio::sync::Mutex::new(BTreeMap::new()),
            applied_seq: AtomicU64::new(0),
            import_lock: tokio::sync::Mutex::new(()),
            decision_lock: tokio::sync::Mutex::new(()),
            loaded: tokio::sync::watch::channel(false).0,
            pending: std::sync::atomic::AtomicI64::new(0),
        }
    }
}

fn entry_of(body: serde_json::Value, id: &str) -> Option<WatchlistEntry> {
    match serde_json::from_value::<WatchlistEntry>(body) {
        Ok(e) => Some(e),
        Err(e) => {
            tracing::warn!(id, error = %e, "unreadable watchlist document skipped");
            None
        }
    }
}

impl Clearance {
    /// The index to screen with now (cheap: an `Arc` clone).
    pub fn live(&self) -> Arc<Live> {
        match self.live.read() {
            Ok(g) => g.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    fn swap(&self, live: Live) {
        let live = Arc::new(live);
        match self.live.write() {
            Ok(mut g) => *g = live,
            Err(poisoned) => *poisoned.into_inner() = live,
        }
    }

    /// Waits until the first load has finished (at once afterwards).
    pub async fn ready(&self) {
        let mut rx = self.loaded.subscribe();
        // An error means the sender is gone, which cannot happen while `self` lives.
        let _ = rx.wait_for(|loaded| *loaded).await;
    }

    pub fn applied_seq(&self) -> u64 {
        self.applied_seq.load(Ordering::Acquire)
    }

    /// A copy of the current entries.
    pub async fn entries(&self) -> Vec<WatchlistEntry> {
        self.entries.lock().await.values().cloned().collect()
    }

    /// Rebuilds the index from the current entries off the runtime and swaps it in.
    async fn rebuild(&self) {
        let entries = self.entries().await;
        let n = entries.len();
        let started = std::time::Instant::now();
        match tokio::task::spawn_blocking(move || Live::build(entries)).await {
            Ok(live) => {
                self.swap(live);
                tracing::info!(
                    entries = n,
                    ms = started.elapsed().as_millis() as u64,
                    "watchlist index swapped"
                );
            }
            Err(e) => tracing::error!(error = %e, "watchlist index build failed"),
        }
    }

    /// Loads every watchlist document and builds the index (at start-up, and when a poll finds
    /// too many changes to apply one by one).
    pub async fn load(&self, store: &dyn Store) -> StoreResult<()> {
        let _import = self.import_lock.lock().await;
        // Head first: events after it are applied again by the poller, which is idempotent.
        let head = store.head().await?.map_or(0, |(s, _)| s);
        let docs = store.docs(WATCHLIST_COLLECTION).await?;
        {
            let mut map = self.entries.lock().await;
            map.clear();
            for d in docs {
                if let Some(e) = entry_of(d.body, &d.id) {
                    map.insert(e.id.clone(), e);
                }
            }
        }
        self.applied_seq.fetch_max(head, Ordering::AcqRel);
        self.rebuild().await;
        self.loaded.send_replace(true);
        Ok(())
    }

    /// Applies changes an import of this process made (already durable), then swaps.
    pub async fn apply_local(&self, upserted: Vec<WatchlistEntry>, removed: &[String]) {
        {
            let mut map = self.entries.lock().await;
            for e in upserted {
                map.insert(e.id.clone(), e);
            }
            for id in removed {
                map.remove(id);
            }
        }
        self.rebuild().await;
    }

    /// Reads watchlist events after the applied seq and applies them from the store's
    /// documents; rebuilds when anything changed. Returns whether it did.
    pub async fn poll_once(&self, store: &dyn Store) -> StoreResult<bool> {
        let kinds: Vec<&str> = crate::event::kinds_replayed_by(&[crate::event::Replay::Watchlist])
            .into_iter()
            .filter(|k| *k != crate::EventKind::WatchlistImported.as_str())
            .collect();
        let mut changed = false;
        loop {
            let after = self.applied_seq();
            let events = store.journal(after, POLL_BATCH, Some(&kinds)).await?;
            let Some(last) = events.last().map(|e| e.seq) else {
                break;
            };
            if events.len() == POLL_BATCH as usize {
                // A large import by another process: one full read beats a read per entry.
                self.load(store).await?;
                return Ok(true);
            }
            for ev in &events {
                let id = match crate::Event::from_journal(&ev.kind, &ev.payload) {
                    Ok(crate::Event::WatchlistUpserted(u)) => u.id,
                    Ok(crate::Event::WatchlistRemoved(r)) => r.id,
                    Ok(_) => continue,
                    Err(e) => {
                        tracing::error!(seq = ev.seq, error = %e, "watchlist event does not read");
                        continue;
                    }
                };
                let id = id.as_str();
                // The document is the truth (a later event may have changed it again).
                let doc = store.doc(WATCHLIST_COLLECTION, id).await?;
                let mut map = self.entries.lock().await;
                match doc.and_then(|d| entry_of(d.body, id)) {
                    Some(e) => {
                        if map.get(id) != Some(&e) {
                            map.insert(e.id.clone(), e);
                            changed = true;
                        }
                    }
                    None => changed |= map.remove(id).is_some(),
                }
            }
            self.applied_seq.fetch_max(last, Ordering::AcqRel);
        }
        if changed {
            self.rebuild().await;
        }
        Ok(changed)
    }
}

impl Clearance {
    /// Keeps the pending count from what an append journaled: an inspection left for a
    /// decision adds one; a crossing decided at a counter (not at an e-gate, whose crossings
    /// are final when created) settles one.
    pub(crate) fn count_appended(&self, event: &crate::Event) {
        match event {
            crate::Event::InspectionCreated(_) => {
                self.pending.fetch_add(1, Ordering::AcqRel);
            }
            crate::Event::CrossingRecorded(c) if !inspect::is_gate(&c.decided_by) => {
                self.pending.fetch_sub(1, Ordering::AcqRel);
            }
            _ => {}
        }
    }

    /// Inspections awaiting a decision, once loaded.
    pub(crate) fn pending(&self) -> Option<u64> {
        (*self.loaded.borrow()).then(|| self.pending.load(Ordering::Acquire).max(0) as u64)
    }
}

/// Inspections awaiting a decision, by reading them all: once, at start-up.
async fn count_pending(store: &dyn Store) -> StoreResult<i64> {
    Ok(store
        .docs(INSPECTIONS_COLLECTION)
        .await?
        .iter()
        .filter(|d| d.body.get("final").and_then(serde_json::Value::as_bool) == Some(false))
        .count() as i64)
}

/// Loads the index and starts the poller. Called once at start-up.
pub(crate) async fn start(state: &crate::Station) -> StoreResult<()> {
    // Counted before the index is marked loaded: inspections wait for that, so none is
    // created while the count is taken.
    let pending = count_pending(state.store.as_ref()).await?;
    state.clearance.pending.store(pending, Ordering::Release);
    state.clearance.load(state.store.as_ref()).await?;
    let clearance = state.clearance.clone();
    let store = state.store.clone();
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(POLL_INTERVAL);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            if let Err(e) = clearance.poll_once(store.as_ref()).await {
                if matches!(e, guomen_store::StoreError::Closed) {
                    break;
                }
                tracing::warn!(error = %e, "watchlist poll failed");
            }
        }
    });
    Ok(())
}
