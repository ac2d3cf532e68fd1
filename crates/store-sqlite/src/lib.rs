//! SQLite (WAL) backend of the guomen store: the embedded default.
//!
//! One file, `guomen.db`, in the data directory. Several processes may open it (the station
//! and an operator's CLI): each holds a shared advisory lock on `guomen.lock` (a maintenance
//! tool takes it exclusively), and each writer re-reads the chain head inside its write
//! transaction, so processes extend one chain and never fork it. Writes go through one
//! writer thread that commits everything queued in one transaction (group commit): every
//! request runs inside its own savepoint, so a failing request is rolled back alone, and the
//! whole batch shares one fsync (`synchronous=FULL`: an acknowledged write survives power
//! loss). Reads use a small pool of read-only connections on blocking threads.
//!
//! The schema is in `migrations/` and described in `SCHEMA.md`.

use std::fs::{File, OpenOptions, TryLockError};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, mpsc};
use std::thread::JoinHandle;

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use guomen_store::{
    Appended, CountRow, CrossingFilter, CrossingRecord, Doc, DutyLogEntry, JournalEvent, StatsDim,
    Store, StoreError, StoreResult, TokenRecord, UserRecord, Verification,
};
use rusqlite::{Connection, OpenFlags, OptionalExtension as _};

mod read;
mod write;

/// The database file inside the data directory.
pub const DB_FILE: &str = "guomen.db";
/// The lock file inside the data directory; held shared while a store is open.
pub const LOCK_FILE: &str = "guomen.lock";
/// The most rows any listing returns in one call.
pub const MAX_PAGE: u32 = 10_000;

/// Migrations, in order; `PRAGMA user_version` records how many have been applied.
const MIGRATIONS: &[(&str, &str)] = &[
    (
        "0001_journal",
        include_str!("../migrations/0001_journal.sql"),
    ),
    (
        "0002_projections",
        include_str!("../migrations/0002_projections.sql"),
    ),
    (
        "0003_user_agency",
        include_str!("../migrations/0003_user_agency.sql"),
    ),
    (
        "0004_user_organisation_scopes",
        include_str!("../migrations/0004_user_organisation_scopes.sql"),
    ),
    (
        "0010_crossing_counts",
        include_str!("../migrations/0010_crossing_counts.sql"),
    ),
    (
        "0011_replication_cursor",
        include_str!("../migrations/0011_replication_cursor.sql"),
    ),
    // Numbered in the free range, applied after 0011: the list order is the schema version.
    (
        "0005_user_grade",
        include_str!("../migrations/0005_user_grade.sql"),
    ),
];

/// Tuning knobs; [`SqliteOptions::default`] is what a station runs with.
#[derive(Debug, Clone)]
pub struct SqliteOptions {
    /// Most append requests committed in one transaction. `1` disables group commit (one
    /// transaction and one fsync per request), which is only useful as a benchmark baseline.
    pub max_batch: usize,
    /// Read-only connections kept open between reads.
    pub readers: usize,
}

impl Default for SqliteOptions {
    fn default() -> Self {
        SqliteOptions {
            max_batch: 1024,
            readers: 4,
        }
    }
}

/// The SQLite store. Cheap to clone; every clone is the same store.
#[derive(Clone)]
pub struct SqliteStore {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for SqliteStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteStore")
            .field("db", &self.inner.db_path)
            .finish()
    }
}

struct Inner {
    db_path: PathBuf,
    sender: Mutex<Option<mpsc::Sender<write::Request>>>,
    writer: Mutex<Option<JoinHandle<()>>>,
    readers: Mutex<Vec<Connection>>,
    max_readers: usize,
    /// A writable connection for the replication cursors only: they are not journal writes,
    /// so they do not queue behind the journal's writer.
    cursor: Mutex<Option<Connection>>,
    lock: Mutex<Option<File>>,
    closed: AtomicBool,
}

/// Poisoning only follows a panic elsewhere; the guarded data (a sender, a pool) stays valid.
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl SqliteStore {
    /// Opens (creating if needed) the store in `dir` with default options.
    pub fn open(dir: &Path) -> StoreResult<SqliteStore> {
        Self::open_with(dir, SqliteOptions::default())
    }

    /// Opens the store in `dir`: creates the directory, takes the lock, applies migrations,
    /// loads the chain head and starts the writer thread.
    pub fn open_with(dir: &Path, options: SqliteOptions) -> StoreResult<SqliteStore> {
        std::fs::create_dir_all(dir).map_err(|e| {
            StoreError::Unavailable(format!(
                "cannot create data directory {}: {e}",
                dir.display()
            ))
        })?;
        let lock_path = dir.join(LOCK_FILE);
        let lock_file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&lock_path)
            .map_err(|e| {
                StoreError::Unavailable(format!(
                    "cannot open lock file {}: {e}",
                    lock_path.display()
                ))
            })?;
        // Shared: several processes (the station and an operator's `guomen watchlist import`)
        // may write one journal, because the writer re-reads the chain head inside each
        // write transaction. A maintenance tool that must be alone takes it exclusively.
        match lock_file.try_lock_shared() {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => {
                return Err(StoreError::Locked(format!(
                    "{} (a maintenance process holds {} exclusively)",
                    dir.display(),
                    lock_path.display()
                )));
            }
            Err(TryLockError::Error(e)) => {
                return Err(StoreError::Unavailable(format!(
                    "cannot lock {}: {e}",
                    lock_path.display()
                )));
            }
        }

        let db_path = dir.join(DB_FILE);
        let conn = open_writer(&db_path)?;
        migrate(&conn, &db_path)?;
        let head = write::load_head(&conn, &db_path)?;

        let (sender, receiver) = mpsc::channel();
        let writer_path = db_path.clone();
        let max_batch = options.max_batch.max(1);
        let writer = std::thread::Builder::new()
            .name("guomen-store-writer".into())
            .spawn(move || write::run(conn, receiver, head, max_batch, writer_path))
            .map_err(|e| StoreError::Unavailable(format!("cannot start writer thread: {e}")))?;

        Ok(SqliteStore {
            inner: Arc::new(Inner {
                db_path,
                sender: Mutex::new(Some(sender)),
                writer: Mutex::new(Some(writer)),
                readers: Mutex::new(Vec::new()),
                max_readers: options.readers,
                cursor: Mutex::new(None),
                lock: Mutex::new(Some(lock_file)),
                closed: AtomicBool::new(false),
            }),
        })
    }

    /// The database file.
    pub fn db_path(&self) -> &Path {
        &self.inner.db_path
    }

    /// Runs `f` on a pooled read-only connection on a blocking thread.
    async fn read<T, F>(&self, f: F) -> StoreResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&Connection, &Path) -> StoreResult<T> + Send + 'static,
    {
        let inner = Arc::clone(&self.inner);
        tokio::task::spawn_blocking(move || {
            let pooled = lock(&inner.readers).pop();
            let conn = match pooled {
                Some(c) => c,
                None => open_reader(&inner.db_path)?,
            };
            let result = f(&conn, &inner.db_path);
            let mut pool = lock(&inner.readers);
            if pool.len() < inner.max_readers {
                pool.push(conn);
            }
            result
        })
        .await
        .map_err(|e| StoreError::Unavailable(format!("read task failed: {e}")))?
    }
}

/// Maps a SQLite error to the store's error, naming the database file.
pub(crate) fn db_err(path: &Path, e: rusqlite::Error) -> StoreError {
    use rusqlite::ErrorCode;
    match &e {
        rusqlite::Error::SqliteFailure(f, _) => match f.code {
            ErrorCode::NotADatabase | ErrorCode::DatabaseCorrupt => {
                StoreError::Corrupt(format!("{}: {e}", path.display()))
            }
            ErrorCode::ConstraintViolation => StoreError::Conflict(e.to_string()),
            ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked => StoreError::Locked(format!(
                "{} stayed locked by another writer past the busy timeout: {e}",
                path.display()
            )),
            ErrorCode::DiskFull => {
                StoreError::Unavailable(format!("disk full writing {}: {e}", path.display()))
            }
            _ => StoreError::Unavailable(format!("{}: {e}", path.display())),
        },
        _ => StoreError::Unavailable(format!("{}: {e}", path.display())),
    }
}

fn open_writer(db_path: &Path) -> StoreResult<Connection> {
    let conn = Connection::open(db_path).map_err(|e| db_err(db_path, e))?;
    // The first statement that reads the header is where a non-database file shows up.
    let mode: String = conn
        .query_row("PRAGMA journal_mode=WAL", [], |r| r.get(0))
        .map_err(|e| db_err(db_path, e))?;
    if !mode.eq_ignore_ascii_case("wal") {
        return Err(StoreError::Unavailable(format!(
            "{}: cannot switch to WAL mode (got `{mode}`)",
            db_path.display()
        )));
    }
    conn.execute_batch(
        "PRAGMA synchronous=FULL; PRAGMA busy_timeout=5000; PRAGMA foreign_keys=ON;",
    )
    .map_err(|e| db_err(db_path, e))?;
    Ok(conn)
}

fn open_reader(db_path: &Path) -> StoreResult<Connection> {
    let conn = Connection::open_with_flags(
        db_path,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(|e| db_err(db_path, e))?;
    conn.busy_timeout(std::time::Duration::from_secs(5))
        .map_err(|e| db_err(db_path, e))?;
    Ok(conn)
}

fn migrate(conn: &Connection, db_path: &Path) -> StoreResult<()> {
    let version: i64 = conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .map_err(|e| db_err(db_path, e))?;
    let known = MIGRATIONS.len() as i64;
    if version < 0 || version > known {
        return Err(StoreError::Corrupt(format!(
            "{}: schema version {version} is not one this build knows (0..={known}); \
             is it a newer guomen's database?",
            db_path.display()
        )));
    }
    for (index, (name, sql)) in MIGRATIONS.iter().enumerate() {
        let number = index as i64 + 1;
        if number <= version {
            continue;
        }
        // user_version lives in the database header, so it commits with the migration.
        let batch = format!("BEGIN IMMEDIATE; {sql}\nPRAGMA user_version = {number}; COMMIT;");
        if let Err(e) = conn.execute_batch(&batch) {
            let _ = conn.execute_batch("ROLLBACK");
            let err = db_err(db_path, e);
            return Err(match err {
                StoreError::Corrupt(m) => StoreError::Corrupt(m),
                other => StoreError::Unavailable(format!("migration {name} failed: {other}")),
            });
        }
    }
    // A file whose header claims the schema but lacks the journal is not ours.
    let has_journal: i64 = conn
        .query_row(
            "SELECT count(*) FROM sqlite_master WHERE type='table' AND name='journal'",
            [],
            |r| r.get(0),
        )
        .map_err(|e| db_err(db_path, e))?;
    if has_journal != 1 {
        return Err(StoreError::Corrupt(format!(
            "{}: schema version {known} but no journal table",
            db_path.display()
        )));
    }
    Ok(())
}

#[async_trait]
impl Store for SqliteStore {
    fn backend(&self) -> &'static str {
        "sqlite"
    }

    async fn append(&self, changes: Vec<guomen_store::Change>) -> StoreResult<Vec<Appended>> {
        if self.inner.closed.load(Ordering::Acquire) {
            return Err(StoreError::Closed);
        }
        guomen_store::validate_changes(&changes)?;
        if changes.is_empty() {
            return Ok(Vec::new());
        }
        let (reply, answer) = tokio::sync::oneshot::channel();
        let sender = lock(&self.inner.sender).clone().ok_or(StoreError::Closed)?;
        sender
            .send(write::Request { changes, reply })
            .map_err(|_| StoreError::Closed)?;
        drop(sender);
        answer
            .await
            .map_err(|_| StoreError::Unavailable("the writer stopped before answering".into()))?
    }

    async fn ping(&self) -> StoreResult<()> {
        self.read(|c, p| {
            c.query_row("SELECT 1", [], |r| r.get::<_, i64>(0))
                .map(|_| ())
                .map_err(|e| db_err(p, e))
        })
        .await
    }

    async fn head(&self) -> StoreResult<Option<(u64, String)>> {
        self.read(read::head).await
    }

    async fn journal(
        &self,
        after: u64,
        limit: u32,
        kinds: Option<&[&str]>,
    ) -> StoreResult<Vec<JournalEvent>> {
        let kinds: Option<Vec<String>> = kinds.map(|k| k.iter().map(|s| (*s).to_owned()).collect());
        self.read(move |c, p| read::journal(c, p, after, limit, kinds.as_deref()))
            .await
    }

    async fn verify(&self) -> StoreResult<Verification> {
        self.read(read::verify).await
    }

    async fn user_by_name(&self, name: &str) -> StoreResult<Option<UserRecord>> {
        let name = name.to_owned();
        self.read(move |c, p| read::user_by(c, p, "name", &name))
            .await
    }

    async fn user_by_id(&self, id: &str) -> StoreResult<Option<UserRecord>> {
        let id = id.to_owned();
        self.read(move |c, p| read::user_by(c, p, "id", &id)).await
    }

    async fn users(&self) -> StoreResult<Vec<UserRecord>> {
        self.read(read::users).await
    }

    async fn token_by_hash(&self, hash: &str) -> StoreResult<Option<TokenRecord>> {
        let hash = hash.to_owned();
        self.read(move |c, p| read::token_by(c, p, "hash", &hash))
            .await
    }

    async fn token_by_id(&self, id: &str) -> StoreResult<Option<TokenRecord>> {
        let id = id.to_owned();
        self.read(move |c, p| read::token_by(c, p, "id", &id)).await
    }

    async fn tokens(&self) -> StoreResult<Vec<TokenRecord>> {
        self.read(read::tokens).await
    }

    async fn duty_log(&self, limit: u32, before: Option<u64>) -> StoreResult<Vec<DutyLogEntry>> {
        self.read(move |c, p| read::duty_log(c, p, limit, before))
            .await
    }

    async fn crossings(&self, filter: &CrossingFilter) -> StoreResult<Vec<CrossingRecord>> {
        let filter = filter.clone();
        self.read(move |c, p| read::crossings(c, p, &filter)).await
    }

    async fn crossing_counts(
        &self,
        by: StatsDim,
        from: NaiveDate,
        to: NaiveDate,
    ) -> StoreResult<Vec<CountRow>> {
        self.read(move |c, p| read::crossing_counts(c, p, by, from, to))
            .await
    }

    async fn blob(&self, sha256: &str) -> StoreResult<Option<(String, Vec<u8>)>> {
        let sha256 = sha256.to_owned();
        self.read(move |c, p| read::blob(c, p, &sha256)).await
    }

    async fn doc(&self, collection: &str, id: &str) -> StoreResult<Option<Doc>> {
        let (collection, id) = (collection.to_owned(), id.to_owned());
        self.read(move |c, p| read::doc(c, p, &collection, &id))
            .await
    }

    async fn docs(&self, collection: &str) -> StoreResult<Vec<Doc>> {
        let collection = collection.to_owned();
        self.read(move |c, p| read::docs(c, p, &collection)).await
    }

    async fn replication_cursor(&self, target: &str) -> StoreResult<u64> {
        let target = target.to_owned();
        self.read(move |c, p| {
            let seq: Option<i64> = c
                .query_row(
                    "SELECT seq FROM replication_cursor WHERE target = ?1",
                    [&target],
                    |r| r.get(0),
                )
                .optional()
                .map_err(|e| db_err(p, e))?;
            u64::try_from(seq.unwrap_or(0)).map_err(|_| {
                StoreError::Corrupt(format!("{}: negative replication cursor", p.display()))
            })
        })
        .await
    }

    async fn advance_replication_cursor(&self, target: &str, seq: u64) -> StoreResult<()> {
        if self.inner.closed.load(Ordering::Acquire) {
            return Err(StoreError::Closed);
        }
        let seq = i64::try_from(seq)
            .map_err(|_| StoreError::Invalid(format!("cursor seq {seq} is out of range")))?;
        let (target, inner) = (target.to_owned(), Arc::clone(&self.inner));
        tokio::task::spawn_blocking(move || {
            let mut slot = lock(&inner.cursor);
            let conn = match slot.take() {
                Some(c) => c,
                None => open_writer(&inner.db_path)?,
            };
            conn.execute(
                "INSERT INTO replication_cursor (target, seq) VALUES (?1, ?2) \
                 ON CONFLICT (target) DO UPDATE SET seq = max(seq, excluded.seq)",
                rusqlite::params![target, seq],
            )
            .map_err(|e| db_err(&inner.db_path, e))?;
            *slot = Some(conn);
            Ok(())
        })
        .await
        .map_err(|e| StoreError::Unavailable(format!("cursor task failed: {e}")))?
    }

    async fn close(&self) {
        self.inner.closed.store(true, Ordering::Release);
        drop(lock(&self.inner.cursor).take());
        // Dropping the last sender lets the writer drain what is queued and then stop.
        drop(lock(&self.inner.sender).take());
        let writer = lock(&self.inner.writer).take();
        if let Some(handle) = writer {
            let joined = tokio::task::spawn_blocking(move || handle.join()).await;
            if !matches!(joined, Ok(Ok(()))) {
                tracing::error!("the SQLite writer thread did not stop cleanly");
            }
        }
        lock(&self.inner.readers).clear();
        // Released only once the writer is gone, so the next owner never overlaps with it.
        drop(lock(&self.inner.lock).take());
    }
}

/// Parses a stored journal/projection time.
pub(crate) fn parse_time(text: &str, what: &str, path: &Path) -> StoreResult<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(text)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| {
            StoreError::Corrupt(format!(
                "{}: {what}: stored time `{text}` is not RFC 3339: {e}",
                path.display()
            ))
        })
}
