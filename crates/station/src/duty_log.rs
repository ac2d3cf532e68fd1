//! The duty log: the duty chief's free-text notes of the shift, journaled.

use chrono::{DateTime, Utc};
use guomen_store::{Change, Projection};
use serde::Serialize;

use crate::auth::new_id;
use crate::event::{DutyLogWritten, Event};
use crate::{Principal, Station, StationError, StationResult};

pub const MAX_TEXT_CHARS: usize = 4000;

/// One entry, durable once returned.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DutyLogEntry {
    pub id: String,
    /// The journal sequence number of the entry.
    pub seq: u64,
    pub time: DateTime<Utc>,
    pub author: String,
    pub text: String,
}

impl From<guomen_store::DutyLogEntry> for DutyLogEntry {
    fn from(e: guomen_store::DutyLogEntry) -> Self {
        DutyLogEntry {
            id: e.id,
            seq: e.seq,
            time: e.time,
            author: e.author,
            text: e.text,
        }
    }
}

impl Station {
    /// Writes a duty log entry; returns once it is durable.
    pub async fn write_duty_log(&self, who: &Principal, text: &str) -> StationResult<DutyLogEntry> {
        let text = text.trim().to_owned();
        if text.is_empty() {
            return Err(StationError::unprocessable("`text` must not be empty"));
        }
        if text.chars().count() > MAX_TEXT_CHARS {
            return Err(StationError::unprocessable(format!(
                "`text` must have at most {MAX_TEXT_CHARS} characters"
            )));
        }
        let id = new_id();
        let event = Event::DutyLogWritten(DutyLogWritten {
            id: id.clone(),
            text: text.clone(),
        });
        let change = Change::event(event.to_new(&who.actor(), self.now())).with(
            Projection::AddDutyLog {
                id: id.clone(),
                author: who.name.clone(),
                text: text.clone(),
            },
        );
        let appended = self.append(vec![change]).await?;
        let a = appended
            .first()
            .ok_or_else(|| StationError::internal("store acknowledged no event"))?;
        Ok(DutyLogEntry {
            id,
            seq: a.seq,
            time: a.time,
            author: who.name.clone(),
            text,
        })
    }

    /// The duty log, newest first: at most `limit` (1–1000), older than `before` when given.
    pub async fn duty_log(&self, limit: u32, before: Option<u64>) -> StationResult<Vec<DutyLogEntry>> {
        let entries = self.store.duty_log(limit.clamp(1, 1000), before).await?;
        Ok(entries.into_iter().map(Into::into).collect())
    }
}
