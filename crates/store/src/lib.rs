//! The store interface: one append-only, hash-chained journal plus the projections that are
//! updated in the same transaction. Backends live in their own crates (`guomen-store-sqlite`,
//! `guomen-store-postgres`), each with its own migrations, and all pass [`contract`].
//!
//! Architecture invariant: callers never see SQL. Everything above this crate speaks
//! [`Store`], [`Change`] and the record types below.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use guomen_domain::{Role, Scopes};
use serde::{Deserialize, Serialize};
use serde_json::Value;

pub mod chain;
#[cfg(feature = "contract")]
pub mod contract;
pub mod stats;

pub use chain::{ChainWalker, GENESIS_HASH, StoredRow, chain_hash, format_time};
pub use stats::{CountRow, CrossingKey, StatsDim};

/// A fact to append. The store assigns `seq`, `time`, `prev_hash` and `hash`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewEvent {
    pub kind: String,
    /// Who caused it: `user:NAME`, `device:ID`, `system`, ...
    pub actor: String,
    /// A JSON object. Never holds secrets: the journal is shown to analysts and shipped on.
    pub payload: Value,
    /// The station clock's time of the fact. The store records it (truncated to microseconds),
    /// or the previous event's time if that is later, so the journal's times never go back;
    /// `None` takes the wall clock.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time: Option<DateTime<Utc>>,
}

impl NewEvent {
    pub fn new(kind: impl Into<String>, actor: impl Into<String>, payload: Value) -> Self {
        NewEvent {
            kind: kind.into(),
            actor: actor.into(),
            payload,
            time: None,
        }
    }

    /// The same event at the station clock's `time`.
    pub fn at(mut self, time: DateTime<Utc>) -> Self {
        self.time = Some(time);
        self
    }
}

/// One event and the projection writes that go with it, applied in the same transaction.
/// Projections may carry what the journal must not (password and token hashes).
#[derive(Debug, Clone, PartialEq)]
pub struct Change {
    pub event: NewEvent,
    pub projections: Vec<Projection>,
}

impl Change {
    pub fn event(event: NewEvent) -> Self {
        Change {
            event,
            projections: Vec::new(),
        }
    }
    pub fn with(mut self, projection: Projection) -> Self {
        self.projections.push(projection);
        self
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Projection {
    /// Insert or replace a user by id. A new user whose name is taken is a [`StoreError::Conflict`].
    PutUser(UserRecord),
    PutToken(TokenRecord),
    RevokeToken {
        token_id: String,
    },
    /// The entry's `seq` and `time` are taken from the event it comes with.
    AddDutyLog {
        id: String,
        author: String,
        text: String,
    },
    /// The record's `seq` and `time` are taken from the event it comes with.
    AddCrossing(CrossingRecord),
    /// Counts one crossing in the statistics (see [`stats`]).
    CountCrossing(CrossingKey),
    /// Replaces every crossing count with `counts`, recounted from the journal through
    /// `through_seq`. Refused with [`StoreError::Conflict`] when the journal has moved past
    /// `through_seq` before this change, so no crossing is counted twice or lost.
    ReplaceCrossingCounts {
        through_seq: u64,
        counts: Vec<(CrossingKey, u64)>,
    },
    /// A file stored once by its SHA-256 (evidence); storing the same content again is a
    /// no-op. The event that comes with it names the hash, never carries the bytes.
    PutBlob {
        sha256: String,
        content_type: String,
        data: Vec<u8>,
    },
    /// A JSON document in a named collection (incidents, units, watchlist entries, ...),
    /// replaced whole; `seq` is taken from the event.
    PutDoc {
        collection: String,
        id: String,
        body: Value,
    },
    DeleteDoc {
        collection: String,
        id: String,
    },
}

/// What the store hands back for each appended event, once it is durable.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Appended {
    pub seq: u64,
    pub time: DateTime<Utc>,
    pub hash: String,
}

/// A journal row exactly as stored (see ARCHITECTURE.md for the on-disk schema).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JournalEvent {
    pub seq: u64,
    pub time: DateTime<Utc>,
    pub actor: String,
    pub kind: String,
    pub payload: Value,
    pub prev_hash: String,
    pub hash: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserRecord {
    pub id: String,
    pub name: String,
    pub role: Role,
    /// Argon2id PHC string; empty when the user has no password (token-only principals).
    pub password_hash: String,
    pub disabled: bool,
    pub created: DateTime<Utc>,
    /// The partner agency the user belongs to, if any.
    #[serde(default)]
    pub agency: Option<String>,
    /// The carrier's organisation (railway operator, logistics firm, travel agency), if any.
    #[serde(default)]
    pub organisation: Option<String>,
    /// What a device may speak for; empty for everyone else.
    #[serde(default)]
    pub scopes: Scopes,
    /// An inspector's grade (officer, auxiliary, NCO); `None` for other roles.
    #[serde(default)]
    pub grade: Option<guomen_domain::Grade>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenRecord {
    pub id: String,
    pub user_id: String,
    /// SHA-256 of the token, hex. The token itself is shown once and never stored.
    pub hash: String,
    pub label: String,
    pub created: DateTime<Utc>,
    pub revoked: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DutyLogEntry {
    pub id: String,
    pub seq: u64,
    pub time: DateTime<Utc>,
    pub author: String,
    pub text: String,
}

/// A final decision at a counter or gate. The indexed columns are the ones reports filter on;
/// `detail` keeps the rest (reasons, hits, document fields) as JSON.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CrossingRecord {
    pub id: String,
    /// Filled by the store from the event.
    #[serde(default)]
    pub seq: u64,
    /// Filled by the store from the event.
    #[serde(default = "epoch")]
    pub time: DateTime<Utc>,
    pub site_id: String,
    pub lane_id: String,
    /// `entry` or `exit`.
    pub direction: String,
    pub nationality: String,
    /// `clear`, `secondary`, `refuse` or `detain`.
    pub decision: String,
    /// `user:NAME` of the inspector, or `gate:LANE` for an automatic e-gate clearance.
    pub decided_by: String,
    pub detail: Value,
}

fn epoch() -> DateTime<Utc> {
    DateTime::<Utc>::UNIX_EPOCH
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CrossingFilter {
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
    pub site_id: Option<String>,
    pub lane_id: Option<String>,
    pub direction: Option<String>,
    pub nationality: Option<String>,
    pub decision: Option<String>,
    /// Only records with a larger seq (paging).
    pub after_seq: Option<u64>,
    pub limit: u32,
}

/// A document of a named collection with the seq of the event that last wrote it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Doc {
    pub id: String,
    pub seq: u64,
    pub body: Value,
}

/// The outcome of walking the whole chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum Verification {
    Intact {
        events: u64,
        head_seq: u64,
        head_hash: String,
    },
    Broken {
        first_bad_seq: u64,
        reason: String,
    },
}

/// Errors by audience: operators read the message, the API maps the variant to a status.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StoreError {
    #[error("store unavailable: {0}")]
    Unavailable(String),
    #[error("data directory is locked by another process: {0}")]
    Locked(String),
    #[error("store is corrupt: {0}")]
    Corrupt(String),
    #[error("conflict: {0}")]
    Conflict(String),
    #[error("invalid write: {0}")]
    Invalid(String),
    #[error("store is shutting down")]
    Closed,
}

pub type StoreResult<T> = Result<T, StoreError>;

#[async_trait]
pub trait Store: Send + Sync + 'static {
    /// `sqlite` or `postgres`, for logs and `/readyz`.
    fn backend(&self) -> &'static str;

    /// Appends the changes as one atomic unit and returns once they are durable. Concurrent
    /// calls share transactions and fsyncs (group commit); a failing call never fails another.
    async fn append(&self, changes: Vec<Change>) -> StoreResult<Vec<Appended>>;

    /// Cheap round trip, for `/readyz`.
    async fn ping(&self) -> StoreResult<()>;

    /// The last appended event's seq and hash, `None` on an empty journal.
    async fn head(&self) -> StoreResult<Option<(u64, String)>>;

    /// Events with `seq > after`, oldest first, at most `limit`; only `kinds` when given.
    async fn journal(
        &self,
        after: u64,
        limit: u32,
        kinds: Option<&[&str]>,
    ) -> StoreResult<Vec<JournalEvent>>;

    /// Walks the whole chain and names the first event that does not verify.
    async fn verify(&self) -> StoreResult<Verification>;

    async fn user_by_name(&self, name: &str) -> StoreResult<Option<UserRecord>>;
    async fn user_by_id(&self, id: &str) -> StoreResult<Option<UserRecord>>;
    async fn users(&self) -> StoreResult<Vec<UserRecord>>;
    async fn token_by_hash(&self, hash: &str) -> StoreResult<Option<TokenRecord>>;
    /// A token by its id (revoked ones too), for re-checking a long-lived session.
    async fn token_by_id(&self, id: &str) -> StoreResult<Option<TokenRecord>>;
    /// Every token (revoked ones included), by id: for comparing the table with the journal.
    async fn tokens(&self) -> StoreResult<Vec<TokenRecord>>;

    /// Newest first, at most `limit`, only entries with `seq < before` when given.
    async fn duty_log(&self, limit: u32, before: Option<u64>) -> StoreResult<Vec<DutyLogEntry>>;

    /// Oldest first.
    async fn crossings(&self, filter: &CrossingFilter) -> StoreResult<Vec<CrossingRecord>>;

    /// Crossings counted over the station-local days `from..=to`, grouped by `by`, in the
    /// order of [`stats::order_groups`]. Reads the kept counts, never the crossings.
    async fn crossing_counts(
        &self,
        by: StatsDim,
        from: chrono::NaiveDate,
        to: chrono::NaiveDate,
    ) -> StoreResult<Vec<CountRow>>;

    /// A stored file and its content type, by SHA-256.
    async fn blob(&self, sha256: &str) -> StoreResult<Option<(String, Vec<u8>)>>;

    async fn doc(&self, collection: &str, id: &str) -> StoreResult<Option<Doc>>;
    /// Every document of a collection, ordered by id.
    async fn docs(&self, collection: &str) -> StoreResult<Vec<Doc>>;

    /// How far a replication target (e.g. `nats:guomen.journal.STATION`) has acknowledged the
    /// journal: the last seq it holds, 0 when it holds nothing. Not a journal event: advancing
    /// it would itself have to be replicated.
    async fn replication_cursor(&self, target: &str) -> StoreResult<u64>;

    /// Moves a target's cursor forward to `seq`; a smaller `seq` leaves it where it is (acks
    /// may be applied out of order by racing tasks). Durable when it returns.
    async fn advance_replication_cursor(&self, target: &str, seq: u64) -> StoreResult<()>;

    /// Finishes queued writes and stops accepting new ones.
    async fn close(&self);
}

/// Checks what a store cannot repair later: every event names a kind and an actor and carries a
/// JSON object. Every backend calls it before queueing a write.
pub fn validate_changes(changes: &[Change]) -> StoreResult<()> {
    for (i, change) in changes.iter().enumerate() {
        let e = &change.event;
        if e.kind.trim().is_empty() {
            return Err(StoreError::Invalid(format!(
                "change {i}: event kind is empty"
            )));
        }
        if e.actor.trim().is_empty() {
            return Err(StoreError::Invalid(format!(
                "change {i} ({}): event actor is empty",
                e.kind
            )));
        }
        if !e.payload.is_object() {
            return Err(StoreError::Invalid(format!(
                "change {i} ({}): event payload must be a JSON object",
                e.kind
            )));
        }
    }
    Ok(())
}
