//! The watchlist import service, shared by `guomen watchlist import` and
//! `POST /api/v1/watchlists/{list}/import`: parse → diff against the current entries of each
//! list (and source) the file holds → append `watchlist.upserted` / `watchlist.removed` events
//! with their `docs` projections in chunks → a `watchlist.imported` summary event.

use std::collections::BTreeSet;

use crate::event::{Event, WatchlistImported, WatchlistRemoved, WatchlistUpserted};
use guomen_domain::watchlist::{ListKind, WatchlistEntry};
use guomen_store::{Change, Projection, Store, StoreResult};
use guomen_watchlist::{Diff, Format, Imported, diff, diff_source};
use serde::Serialize;

use super::WATCHLIST_COLLECTION;
use crate::Station;

/// Changes per `append` call: bounds one transaction while keeping group commit effective.
pub const CHUNK: usize = 500;

/// What an import did.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ImportSummary {
    pub list: String,
    pub format: String,
    /// The id prefix the file owns (`ofac`, `un`), none for guomen CSV.
    pub source: Option<String>,
    pub records: u64,
    pub skipped: u64,
    pub added: usize,
    pub updated: usize,
    pub removed: usize,
    pub unchanged: usize,
    /// Records not taken as written, each naming file and line.
    pub warnings: Vec<String>,
    /// Journal seq of the summary event.
    pub seq: u64,
}

/// The changes an import makes, per list the file holds (a guomen CSV may name several lists
/// in its `list` column; `list` is the default).
pub fn plan(current: &[WatchlistEntry], imported: &Imported, list: ListKind) -> Diff {
    let mut lists: BTreeSet<ListKind> = imported.entries.iter().map(|e| e.list).collect();
    lists.insert(list);
    let mut total = Diff::default();
    for l in lists {
        let d = match &imported.source {
            Some(src) => diff_source(current, &imported.entries, l, src),
            None => diff(current, &imported.entries, l),
        };
        total.added.extend(d.added);
        total.updated.extend(d.updated);
        total.removed.extend(d.removed);
        total.unchanged += d.unchanged;
    }
    total
}

/// Journals the diff in chunks and a summary (or all in one transaction when `atomic`). `progress(done, total)` after each chunk.
/// Returns the summary and the upserted entries / removed ids for the caller's live index.
#[allow(clippy::too_many_arguments)]
pub async fn apply(
    sink: &Station,
    current: &[WatchlistEntry],
    imported: Imported,
    list: ListKind,
    format: Format,
    actor: &str,
    atomic: bool,
    progress: &mut (dyn FnMut(usize, usize) + Send),
) -> StoreResult<(ImportSummary, Vec<WatchlistEntry>, Vec<String>)> {
    let d = plan(current, &imported, list);
    let now = sink.now();
    let mut changes = Vec::with_capacity(d.added.len() + d.updated.len() + d.removed.len());
    for (op, entries) in [("added", &d.added), ("updated", &d.updated)] {
        for e in entries {
            let body = serde_json::to_value(e)
                .map_err(|err| guomen_store::StoreError::Invalid(format!("{}: {err}", e.id)))?;
            changes.push(
                Change::event(
                    Event::WatchlistUpserted(WatchlistUpserted {
                        id: e.id.clone(),
                        list: e.list,
                        op: op.to_owned(),
                    })
                    .to_new(actor, now),
                )
                .with(Projection::PutDoc {
                    collection: WATCHLIST_COLLECTION.to_owned(),
                    id: e.id.clone(),
                    body,
                }),
            );
        }
    }
    let lists: std::collections::HashMap<&str, ListKind> =
        current.iter().map(|e| (e.id.as_str(), e.list)).collect();
    let list_of = |id: &str| lists.get(id).copied().unwrap_or(list);
    for id in &d.removed {
        changes.push(
            Change::event(
                Event::WatchlistRemoved(WatchlistRemoved {
                    id: id.clone(),
                    list: list_of(id),
                })
                .to_new(actor, now),
            )
            .with(Projection::DeleteDoc {
                collection: WATCHLIST_COLLECTION.to_owned(),
                id: id.clone(),
            }),
        );
    }
    let mut summary = ImportSummary {
        list: list.as_str().to_owned(),
        format: format.as_str().to_owned(),
        source: imported.source.clone(),
        records: imported.records,
        skipped: imported.skipped,
        added: d.added.len(),
        updated: d.updated.len(),
        removed: d.removed.len(),
        unchanged: d.unchanged,
        warnings: imported.warnings.iter().map(|w| w.to_string()).collect(),
        seq: 0,
    };
    // Warnings can quote list records (names): the journal keeps their count, not the text.
    let event = Event::WatchlistImported(WatchlistImported {
        list: summary.list.clone(),
        format: summary.format.clone(),
        source: summary.source.clone(),
        records: summary.records,
        skipped: summary.skipped,
        added: summary.added,
        updated: summary.updated,
        removed: summary.removed,
        unchanged: summary.unchanged,
        warnings: summary.warnings.len(),
    });
    let summary_change = Change::event(event.to_new(actor, sink.now()));
    if atomic {
        // One transaction: the whole list and its summary, or nothing.
        let total = changes.len() + 1;
        progress(0, total);
        changes.push(summary_change);
        let appended = sink.append(changes).await?;
        progress(total, total);
        summary.seq = appended.last().map_or(0, |a| a.seq);
    } else {
        let total = changes.len();
        let mut done = 0usize;
        let mut it = changes.into_iter().peekable();
        progress(0, total);
        while it.peek().is_some() {
            let chunk: Vec<Change> = it.by_ref().take(CHUNK).collect();
            let n = chunk.len();
            sink.append(chunk).await?;
            done += n;
            progress(done, total);
        }
        let appended = sink.append(vec![summary_change]).await?;
        summary.seq = appended.first().map_or(0, |a| a.seq);
    }
    let mut upserted = d.added;
    upserted.extend(d.updated);
    Ok((summary, upserted, d.removed))
}

/// Every entry in a store's `watchlist` collection (unreadable documents are skipped with a
/// warning in the log).
pub async fn stored_entries(store: &dyn Store) -> StoreResult<Vec<WatchlistEntry>> {
    Ok(store
        .docs(WATCHLIST_COLLECTION)
        .await?
        .into_iter()
        .filter_map(|d| super::entry_of(d.body, &d.id))
        .collect())
}

/// Counts per list and source, for `watchlist stats`.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ListCount {
    pub list: String,
    /// `""` for guomen CSV ids without a prefix.
    pub source: String,
    pub entries: usize,
}

pub fn counts(entries: &[WatchlistEntry]) -> Vec<ListCount> {
    let mut m: std::collections::BTreeMap<(String, String), usize> = Default::default();
    for e in entries {
        *m.entry((
            e.list.as_str().to_owned(),
            guomen_watchlist::source_of(&e.id).to_owned(),
        ))
        .or_default() += 1;
    }
    m.into_iter()
        .map(|((list, source), entries)| ListCount {
            list,
            source,
            entries,
        })
        .collect()
}
