//! Reading and verifying the journal, each reader seeing its own view of every event.

use chrono::{DateTime, Utc};
use guomen_store::{JournalEvent, Verification};
use serde::Serialize;
use serde_json::Value;

use crate::event::view::Viewer;
use crate::event::{Audience, Event};
use crate::{Principal, Station, StationResult};

/// One journal row as a reader sees it: the chain fields always (so an auditor can check
/// the links), the payload as the reader's view of the event, `null` when the reader may not
/// see the kind at all.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct JournalEntry {
    pub seq: u64,
    pub time: DateTime<Utc>,
    pub actor: String,
    pub kind: String,
    pub payload: Value,
    pub prev_hash: String,
    pub hash: String,
}

/// A page of the journal.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct JournalPage {
    pub events: Vec<JournalEntry>,
    /// Pass as `after` to read on; equal to the request's `after` when nothing is newer.
    pub next_after: u64,
}

impl Station {
    /// The viewer a principal is.
    pub fn viewer(&self, who: &Principal) -> Viewer {
        Viewer {
            audience: Audience::from(who.role),
            agency: who.agency.clone(),
            organisation: who.organisation.clone(),
            actor: Some(who.actor()),
        }
    }

    /// Whether an existing incident concerns a partner viewer (from the command state).
    pub(crate) fn incident_concerns(&self, viewer: &Viewer, incident_id: &str) -> bool {
        self.ops.peek(|e| {
            e.incident(incident_id).is_some_and(|st| {
                let raised_by = st
                    .incident
                    .transitions
                    .first()
                    .map(|t| t.actor.as_str())
                    .unwrap_or_default();
                crate::event::view::incident_concerns(
                    st.incident.kind,
                    st.incident.source,
                    raised_by,
                    &st.details,
                    viewer,
                )
            })
        })
    }

    /// What `viewer` sees of a journal row or bus event; `None` when nothing.
    pub fn view_of(&self, viewer: &Viewer, event: &Event) -> Option<Value> {
        event.view(viewer, &|id| self.incident_concerns(viewer, id))
    }

    /// Reads the journal in order: at most `limit` (1–1000) events after `after`. Each payload
    /// is the reader's view; rows of kinds the reader may not see keep their chain fields
    /// with a `null` payload, so the page still verifies link by link.
    pub async fn read_journal(
        &self,
        who: &Principal,
        after: u64,
        limit: u32,
    ) -> StationResult<JournalPage> {
        let rows = self
            .store
            .journal(after, limit.clamp(1, 1000), None)
            .await?;
        let next_after = rows.last().map(|e| e.seq).unwrap_or(after);
        let viewer = self.viewer(who);
        let events = rows
            .into_iter()
            .map(|row| self.journal_entry(&viewer, row))
            .collect();
        Ok(JournalPage { events, next_after })
    }

    fn journal_entry(&self, viewer: &Viewer, row: JournalEvent) -> JournalEntry {
        let payload = match Event::from_journal(&row.kind, &row.payload) {
            Ok(event) => self.view_of(viewer, &event).unwrap_or(Value::Null),
            Err(e) => {
                tracing::error!(seq = row.seq, error = %e, "journal event does not read");
                Value::Null
            }
        };
        JournalEntry {
            seq: row.seq,
            time: row.time,
            actor: row.actor,
            kind: row.kind,
            payload,
            prev_hash: row.prev_hash,
            hash: row.hash,
        }
    }

    /// Walks the whole chain and names the first event that does not verify.
    pub async fn verify_journal(&self) -> StationResult<Verification> {
        Ok(self.store.verify().await?)
    }

    /// The last event's seq and hash, `None` on an empty journal.
    pub async fn journal_head(&self) -> StationResult<Option<(u64, String)>> {
        Ok(self.store.head().await?)
    }

    /// Raw rows after `after` (for the live stream's catch-up), oldest first.
    pub async fn journal_rows(&self, after: u64, limit: u32) -> StationResult<Vec<JournalEvent>> {
        Ok(self.store.journal(after, limit, None).await?)
    }

    /// Cheap store round trip, for readiness probes.
    pub async fn ping(&self) -> StationResult<()> {
        self.store.ping().await.map_err(|e| {
            self.metrics.store_error(crate::store::error_kind(&e));
            e.into()
        })
    }
}
