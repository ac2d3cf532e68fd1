//! Incremental import: what an import changes in a list.
//!
//! An import replaces the entries of one (list, source) with the incoming set, matched by id.
//! The source of an entry is its id prefix before the first `:` (`ofac:1234` -> `ofac`,
//! `un:QDi.001` -> `un`); ids without a prefix belong to the local source `""`. Entries of other
//! lists and other sources are never touched.

use std::collections::{HashMap, HashSet};

use crate::{ListKind, WatchlistEntry};

/// The changes that bring a list's current entries to an import's.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Diff {
    /// Incoming entries whose id is not in the list yet.
    pub added: Vec<WatchlistEntry>,
    /// Incoming entries whose id is in the list with different content.
    pub updated: Vec<WatchlistEntry>,
    /// Ids in the list (same source) that the import no longer has.
    pub removed: Vec<String>,
    /// Incoming entries identical to the current ones.
    pub unchanged: usize,
}

impl Diff {
    /// Whether the import changes nothing.
    pub fn is_empty(&self) -> bool {
        self.added.is_empty() && self.updated.is_empty() && self.removed.is_empty()
    }
}

/// The source an id belongs to: its prefix before the first `:`, or `""`.
pub fn source_of(id: &str) -> &str {
    id.split_once(':').map_or("", |(source, _)| source)
}

/// Diffs an import into `list`. The replaced scope is the current entries of `list` whose
/// source is one of the incoming entries' sources, so an empty import changes nothing (use
/// [`diff_source`] to empty a source on purpose). Incoming entries of other lists are ignored;
/// when an id appears twice in `incoming`, the last one wins.
pub fn diff(current: &[WatchlistEntry], incoming: &[WatchlistEntry], list: ListKind) -> Diff {
    let sources: HashSet<&str> = incoming
        .iter()
        .filter(|e| e.list == list)
        .map(|e| source_of(&e.id))
        .collect();
    diff_scoped(current, incoming, list, |id| {
        sources.contains(source_of(id))
    })
}

/// Like [`diff`] but for one named source (`"ofac"`, `"un"`, `""` for unprefixed ids): every
/// current entry of (`list`, `source`) missing from `incoming` is removed, even when `incoming`
/// is empty. Incoming entries of another source are ignored.
pub fn diff_source(
    current: &[WatchlistEntry],
    incoming: &[WatchlistEntry],
    list: ListKind,
    source: &str,
) -> Diff {
    let in_scope: Vec<WatchlistEntry> = incoming
        .iter()
        .filter(|e| source_of(&e.id) == source)
        .cloned()
        .collect();
    diff_scoped(current, &in_scope, list, |id| source_of(id) == source)
}

fn diff_scoped(
    current: &[WatchlistEntry],
    incoming: &[WatchlistEntry],
    list: ListKind,
    in_scope: impl Fn(&str) -> bool,
) -> Diff {
    let existing: HashMap<&str, &WatchlistEntry> = current
        .iter()
        .filter(|e| e.list == list && in_scope(&e.id))
        .map(|e| (e.id.as_str(), e))
        .collect();
    let mut latest: HashMap<&str, &WatchlistEntry> = HashMap::new();
    let mut order: Vec<&str> = Vec::new();
    for e in incoming.iter().filter(|e| e.list == list) {
        if latest.insert(e.id.as_str(), e).is_none() {
            order.push(e.id.as_str());
        }
    }
    let mut out = Diff::default();
    for id in order {
        let Some(new) = latest.get(id) else { continue };
        match existing.get(id) {
            None => out.added.push((*new).clone()),
            Some(old) if *old == *new => out.unchanged += 1,
            Some(_) => out.updated.push((*new).clone()),
        }
    }
    // Keep removals in the current order so that journal entries are reproducible.
    for e in current.iter().filter(|e| e.list == list && in_scope(&e.id)) {
        if !latest.contains_key(e.id.as_str()) && !out.removed.contains(&e.id) {
            out.removed.push(e.id.clone());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(id: &str, list: ListKind, name: &str) -> WatchlistEntry {
        WatchlistEntry {
            id: id.into(),
            list,
            names: vec![name.into()],
            birth_dates: vec![],
            sex: None,
            nationalities: vec![],
            documents: vec![],
            reason: String::new(),
            action: String::new(),
            face_template: None,
        }
    }

    #[test]
    fn adds_updates_removes_and_counts_unchanged() {
        let w = ListKind::Wanted;
        let current = vec![
            entry("ofac:1", w, "A"),
            entry("ofac:2", w, "B"),
            entry("ofac:3", w, "C"),
            entry("un:QDi.1", w, "U"),
            entry("local-7", w, "L"),
            entry("ofac:9", ListKind::Alert, "other list"),
        ];
        let incoming = vec![
            entry("ofac:1", w, "A"),
            entry("ofac:2", w, "B changed"),
            entry("ofac:4", w, "D"),
        ];
        let d = diff(&current, &incoming, w);
        assert_eq!(
            d.added.iter().map(|e| e.id.as_str()).collect::<Vec<_>>(),
            ["ofac:4"]
        );
        assert_eq!(d.updated.len(), 1);
        assert_eq!(d.updated[0].names, ["B changed"]);
        assert_eq!(
            d.removed,
            ["ofac:3"],
            "other sources and lists are untouched"
        );
        assert_eq!(d.unchanged, 1);
        assert!(!d.is_empty());
    }

    #[test]
    fn empty_import_changes_nothing_unless_the_source_is_named() {
        let w = ListKind::RefusedEntry;
        let current = vec![entry("un:1", w, "A"), entry("x", w, "B")];
        assert!(diff(&current, &[], w).is_empty());
        let d = diff_source(&current, &[], w, "un");
        assert_eq!(d.removed, ["un:1"]);
        let d = diff_source(&current, &[], w, "");
        assert_eq!(d.removed, ["x"]);
    }

    #[test]
    fn reimporting_the_same_set_is_a_no_op() {
        let w = ListKind::Wanted;
        let set = vec![entry("a", w, "A"), entry("b", w, "B")];
        let d = diff(&set, &set, w);
        assert!(d.is_empty());
        assert_eq!(d.unchanged, 2);
        assert_eq!(source_of("ofac:12"), "ofac");
        assert_eq!(source_of("plain"), "");
    }
}
