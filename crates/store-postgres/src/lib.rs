//! PostgreSQL backend of the guomen store: for a station that outgrows one file and for the
//! national centre.
//!
//! Same design as the SQLite store: one writer task owns one connection and commits every
//! queued request in one transaction (group commit), each request in its own savepoint. The
//! writer takes a transaction-level advisory lock and reads the chain head inside the
//! transaction, so several server processes on one database still build one chain. Reads go
//! through a small pool. Schema: `migrations/` (the same tables as SQLite's `SCHEMA.md`).

use std::str::FromStr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use guomen_store::{
    Appended, Change, CountRow, CrossingFilter, CrossingRecord, Doc, DutyLogEntry, JournalEvent,
    StatsDim, Store, StoreError, StoreResult, TokenRecord, UserRecord, Verification, stats,
};
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions, PgRow};
use sqlx::{Connection, Executor, PgConnection, Postgres, QueryBuilder, Row};
use tokio::sync::mpsc;

mod write;

/// The most rows any listing returns in one call.
pub const MAX_PAGE: u32 = 10_000;
/// How long connecting may take before the database counts as unreachable.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// Rows per round trip while verifying.
const VERIFY_CHUNK: i64 = 5_000;

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

/// Tuning knobs and the schema to live in.
#[derive(Debug, Clone)]
pub struct PgOptions {
    /// A schema to create (if missing) and use instead of the connection's default
    /// `search_path`; tests give each case its own. Lower-case letters, digits and `_`.
    pub schema: Option<String>,
    /// Most append requests committed in one transaction.
    pub max_batch: usize,
    /// Read connections in the pool.
    pub readers: u32,
}

impl Default for PgOptions {
    fn default() -> Self {
        PgOptions {
            schema: None,
            max_batch: 1024,
            readers: 4,
        }
    }
}

/// The PostgreSQL store. Cheap to clone; every clone is the same store.
#[derive(Clone)]
pub struct PgStore {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for PgStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PgStore")
            .field("target", &self.inner.target)
            .finish()
    }
}

struct Inner {
    pool: PgPool,
    target: String,
    sender: Mutex<Option<mpsc::UnboundedSender<write::Request>>>,
    writer: tokio::sync::Mutex<Option<tokio::task::JoinHandle<()>>>,
    closed: AtomicBool,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// Where a connection goes, for messages: `host:port/database` (never the password).
fn target_of(o: &PgConnectOptions) -> String {
    format!(
        "{}:{}/{}",
        o.get_host(),
        o.get_port(),
        o.get_database().unwrap_or("(default database)")
    )
}

/// Maps a database error; unique violations become conflicts.
pub(crate) fn db_err(target: &str, e: sqlx::Error) -> StoreError {
    match &e {
        sqlx::Error::Database(d) if d.is_unique_violation() => StoreError::Conflict(e.to_string()),
        sqlx::Error::Database(d) if d.code().as_deref() == Some("XX001") => {
            StoreError::Corrupt(format!("PostgreSQL at {target}: {e}"))
        }
        _ => StoreError::Unavailable(format!("PostgreSQL at {target}: {e}")),
    }
}

/// Whether the connection is gone (so the writer should reconnect) rather than the statement
/// being refused.
pub(crate) fn is_connection_error(e: &sqlx::Error) -> bool {
    !matches!(
        e,
        sqlx::Error::Database(_)
            | sqlx::Error::RowNotFound
            | sqlx::Error::ColumnDecode { .. }
            | sqlx::Error::ColumnNotFound(_)
            | sqlx::Error::Decode(_)
            | sqlx::Error::TypeNotFound { .. }
            | sqlx::Error::ColumnIndexOutOfBounds { .. }
    )
}

fn valid_schema(schema: &str) -> bool {
    let mut chars = schema.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_lowercase() || c == '_')
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        && schema.len() <= 63
}

pub(crate) async fn connect_one(
    options: &PgConnectOptions,
    target: &str,
) -> StoreResult<PgConnection> {
    match tokio::time::timeout(CONNECT_TIMEOUT, PgConnection::connect_with(options)).await {
        Ok(Ok(c)) => Ok(c),
        Ok(Err(e)) => Err(StoreError::Unavailable(format!(
            "cannot reach PostgreSQL at {target}: {e}"
        ))),
        Err(_) => Err(StoreError::Unavailable(format!(
            "cannot reach PostgreSQL at {target}: no answer within {}s",
            CONNECT_TIMEOUT.as_secs()
        ))),
    }
}

impl PgStore {
    /// Connects with default options, using the connection's default schema.
    pub async fn connect(url: &str) -> StoreResult<PgStore> {
        Self::connect_with(url, PgOptions::default()).await
    }

    /// Connects and works inside `schema` (created if missing), so parallel test runs on one
    /// database never meet.
    pub async fn connect_with_schema(url: &str, schema: &str) -> StoreResult<PgStore> {
        Self::connect_with(
            url,
            PgOptions {
                schema: Some(schema.to_owned()),
                ..PgOptions::default()
            },
        )
        .await
    }

    /// Connects, applies migrations and starts the writer task.
    pub async fn connect_with(url: &str, options: PgOptions) -> StoreResult<PgStore> {
        let mut connect = PgConnectOptions::from_str(url)
            .map_err(|e| StoreError::Invalid(format!("not a PostgreSQL URL: {e}")))?;
        let target = target_of(&connect);
        if let Some(schema) = &options.schema {
            if !valid_schema(schema) {
                return Err(StoreError::Invalid(format!(
                    "schema name `{schema}`: use lower-case letters, digits and _"
                )));
            }
            let mut conn = connect_one(&connect, &target).await?;
            let create = format!("CREATE SCHEMA IF NOT EXISTS {schema}");
            conn.execute(create.as_str())
                .await
                .map_err(|e| db_err(&target, e))?;
            let _ = conn.close().await;
            connect = connect.options([("search_path", schema.as_str())]);
        }
        let mut writer_conn = connect_one(&connect, &target).await?;
        migrate(&mut writer_conn, &target).await?;
        let pool = PgPoolOptions::new()
            .max_connections(options.readers.max(1))
            .acquire_timeout(CONNECT_TIMEOUT)
            .connect_with(connect.clone())
            .await
            .map_err(|e| {
                StoreError::Unavailable(format!("cannot reach PostgreSQL at {target}: {e}"))
            })?;
        let (sender, receiver) = mpsc::unbounded_channel();
        let writer = tokio::spawn(write::run(
            connect,
            target.clone(),
            writer_conn,
            receiver,
            options.max_batch.max(1),
        ));
        Ok(PgStore {
            inner: Arc::new(Inner {
                pool,
                target,
                sender: Mutex::new(Some(sender)),
                writer: tokio::sync::Mutex::new(Some(writer)),
                closed: AtomicBool::new(false),
            }),
        })
    }

    fn err(&self, e: sqlx::Error) -> StoreError {
        db_err(&self.inner.target, e)
    }

    fn corrupt(&self, what: &str, why: impl std::fmt::Display) -> StoreError {
        StoreError::Corrupt(format!(
            "PostgreSQL at {}: {what}: {why}",
            self.inner.target
        ))
    }

    fn seq(&self, v: i64, what: &str) -> StoreResult<u64> {
        u64::try_from(v).map_err(|_| self.corrupt(what, format!("negative seq {v}")))
    }

    fn time(&self, text: &str, what: &str) -> StoreResult<DateTime<Utc>> {
        DateTime::parse_from_rfc3339(text)
            .map(|t| t.with_timezone(&Utc))
            .map_err(|e| self.corrupt(what, format!("stored time `{text}`: {e}")))
    }

    fn json(&self, text: &str, what: &str) -> StoreResult<serde_json::Value> {
        serde_json::from_str(text).map_err(|e| self.corrupt(what, format!("stored JSON: {e}")))
    }

    /// The one token a query on an indexed column (id or hash) finds.
    async fn token_where(
        &self,
        sql: &'static str,
        value: &str,
    ) -> StoreResult<Option<TokenRecord>> {
        let row: Option<(String, String, String, String, String, bool)> = sqlx::query_as(sql)
            .bind(value)
            .fetch_optional(&self.inner.pool)
            .await
            .map_err(|e| self.err(e))?;
        row.map(|(id, user_id, hash, label, created, revoked)| {
            Ok(TokenRecord {
                created: self.time(&created, &format!("token `{id}`"))?,
                id,
                user_id,
                hash,
                label,
                revoked,
            })
        })
        .transpose()
    }

    fn user(&self, r: &PgRow) -> StoreResult<UserRecord> {
        let id: String = r.try_get("id").map_err(|e| self.err(e))?;
        let what = format!("user `{id}`");
        let role: String = r.try_get("role").map_err(|e| self.err(e))?;
        let created: String = r.try_get("created").map_err(|e| self.err(e))?;
        Ok(UserRecord {
            name: r.try_get("name").map_err(|e| self.err(e))?,
            role: role.parse().map_err(|e| self.corrupt(&what, e))?,
            password_hash: r.try_get("password_hash").map_err(|e| self.err(e))?,
            disabled: r.try_get("disabled").map_err(|e| self.err(e))?,
            created: self.time(&created, &what)?,
            agency: r.try_get("agency").map_err(|e| self.err(e))?,
            organisation: r.try_get("organisation").map_err(|e| self.err(e))?,
            grade: r
                .try_get::<Option<String>, _>("grade")
                .map_err(|e| self.err(e))?
                .map(|g| {
                    guomen_domain::Grade::parse(&g)
                        .ok_or_else(|| self.corrupt(&what, format!("unknown grade `{g}`")))
                })
                .transpose()?,
            scopes: r
                .try_get::<String, _>("scopes")
                .map_err(|e| self.err(e))?
                .parse()
                .map_err(|e| self.corrupt(&what, e))?,
            id,
        })
    }

    fn doc_of(&self, r: &PgRow) -> StoreResult<Doc> {
        let id: String = r.try_get("id").map_err(|e| self.err(e))?;
        let what = format!("doc `{id}`");
        let seq: i64 = r.try_get("seq").map_err(|e| self.err(e))?;
        let body: String = r.try_get("body").map_err(|e| self.err(e))?;
        Ok(Doc {
            seq: self.seq(seq, &what)?,
            body: self.json(&body, &what)?,
            id,
        })
    }
}

async fn migrate(conn: &mut PgConnection, target: &str) -> StoreResult<()> {
    let err = |e| db_err(target, e);
    conn.execute("BEGIN").await.map_err(err)?;
    let result = async {
        // Two processes starting at once must not both apply a migration.
        conn.execute(
            "SELECT pg_advisory_xact_lock(hashtext('guomen.migrate.' || current_schema()));
             CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL);",
        )
        .await
        .map_err(err)?;
        let version: Option<i32> = sqlx::query_scalar("SELECT max(version) FROM schema_version")
            .fetch_one(&mut *conn)
            .await
            .map_err(err)?;
        let version = i64::from(version.unwrap_or(0));
        let known = MIGRATIONS.len() as i64;
        if version > known {
            return Err(StoreError::Corrupt(format!(
                "PostgreSQL at {target}: schema version {version} is newer than this build \
                 knows ({known})"
            )));
        }
        for (index, (name, sql)) in MIGRATIONS.iter().enumerate() {
            let number = index as i64 + 1;
            if number <= version {
                continue;
            }
            conn.execute(*sql).await.map_err(|e| {
                StoreError::Unavailable(format!("migration {name} on {target} failed: {e}"))
            })?;
            sqlx::query("INSERT INTO schema_version (version) VALUES ($1)")
                .bind(number as i32)
                .execute(&mut *conn)
                .await
                .map_err(err)?;
        }
        Ok(())
    }
    .await;
    let end = if result.is_ok() { "COMMIT" } else { "ROLLBACK" };
    let ended = conn.execute(end).await.map_err(err);
    result.and(ended.map(|_| ()))
}

struct Stored {
    seq: i64,
    time: String,
    actor: String,
    kind: String,
    payload: String,
    prev_hash: String,
    hash: String,
}

fn stored(r: &PgRow) -> Result<Stored, sqlx::Error> {
    Ok(Stored {
        seq: r.try_get("seq")?,
        time: r.try_get("time")?,
        actor: r.try_get("actor")?,
        kind: r.try_get("kind")?,
        payload: r.try_get("payload")?,
        prev_hash: r.try_get("prev_hash")?,
        hash: r.try_get("hash")?,
    })
}

fn to_i64(v: u64) -> i64 {
    i64::try_from(v).unwrap_or(i64::MAX)
}

const JOURNAL_COLUMNS: &str =
    "SELECT seq, time, actor, kind, payload, prev_hash, hash FROM journal";
const USER_COLUMNS: &str = "SELECT id, name, role, password_hash, disabled, created, agency, organisation, scopes, grade \
     FROM users";

#[async_trait]
impl Store for PgStore {
    fn backend(&self) -> &'static str {
        "postgres"
    }

    async fn append(&self, changes: Vec<Change>) -> StoreResult<Vec<Appended>> {
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
        sqlx::query("SELECT 1")
            .execute(&self.inner.pool)
            .await
            .map(|_| ())
            .map_err(|e| self.err(e))
    }

    async fn head(&self) -> StoreResult<Option<(u64, String)>> {
        let row: Option<(i64, String)> =
            sqlx::query_as("SELECT seq, hash FROM journal ORDER BY seq DESC LIMIT 1")
                .fetch_optional(&self.inner.pool)
                .await
                .map_err(|e| self.err(e))?;
        row.map(|(seq, hash)| Ok((self.seq(seq, "journal head")?, hash)))
            .transpose()
    }

    async fn journal(
        &self,
        after: u64,
        limit: u32,
        kinds: Option<&[&str]>,
    ) -> StoreResult<Vec<JournalEvent>> {
        let mut q = QueryBuilder::<Postgres>::new(JOURNAL_COLUMNS);
        q.push(" WHERE seq > ").push_bind(to_i64(after));
        if let Some(kinds) = kinds {
            if kinds.is_empty() {
                return Ok(Vec::new());
            }
            let kinds: Vec<String> = kinds.iter().map(|k| (*k).to_owned()).collect();
            q.push(" AND kind = ANY(").push_bind(kinds).push(")");
        }
        q.push(" ORDER BY seq LIMIT ")
            .push_bind(i64::from(limit.min(MAX_PAGE)));
        let rows = q
            .build()
            .fetch_all(&self.inner.pool)
            .await
            .map_err(|e| self.err(e))?;
        let mut out = Vec::with_capacity(rows.len());
        for r in &rows {
            let s = stored(r).map_err(|e| self.err(e))?;
            let what = format!("journal event {}", s.seq);
            out.push(JournalEvent {
                seq: self.seq(s.seq, &what)?,
                time: self.time(&s.time, &what)?,
                payload: self.json(&s.payload, &what)?,
                actor: s.actor,
                kind: s.kind,
                prev_hash: s.prev_hash,
                hash: s.hash,
            });
        }
        Ok(out)
    }

    async fn verify(&self) -> StoreResult<Verification> {
        let mut walker = guomen_store::ChainWalker::default();
        // Keyset chunks: memory stays flat however long the journal is. `seq >= after` with
        // a negative start also surfaces rows a tamperer gave negative seqs.
        let mut after = i64::MIN;
        loop {
            let rows = sqlx::query(&format!(
                "{JOURNAL_COLUMNS} WHERE seq > $1 ORDER BY seq LIMIT $2"
            ))
            .bind(after)
            .bind(VERIFY_CHUNK)
            .fetch_all(&self.inner.pool)
            .await
            .map_err(|e| self.err(e))?;
            if rows.is_empty() {
                break;
            }
            for r in &rows {
                let s = stored(r).map_err(|e| self.err(e))?;
                let row = guomen_store::StoredRow {
                    seq: s.seq,
                    time: &s.time,
                    actor: &s.actor,
                    kind: &s.kind,
                    payload: &s.payload,
                    prev_hash: &s.prev_hash,
                    hash: &s.hash,
                };
                if let Some(broken) = walker.step(row) {
                    return Ok(broken);
                }
                after = s.seq;
            }
        }
        Ok(walker.finish())
    }

    async fn user_by_name(&self, name: &str) -> StoreResult<Option<UserRecord>> {
        let row = sqlx::query(&format!("{USER_COLUMNS} WHERE name = $1"))
            .bind(name)
            .fetch_optional(&self.inner.pool)
            .await
            .map_err(|e| self.err(e))?;
        row.map(|r| self.user(&r)).transpose()
    }

    async fn user_by_id(&self, id: &str) -> StoreResult<Option<UserRecord>> {
        let row = sqlx::query(&format!("{USER_COLUMNS} WHERE id = $1"))
            .bind(id)
            .fetch_optional(&self.inner.pool)
            .await
            .map_err(|e| self.err(e))?;
        row.map(|r| self.user(&r)).transpose()
    }

    async fn users(&self) -> StoreResult<Vec<UserRecord>> {
        let rows = sqlx::query(&format!("{USER_COLUMNS} ORDER BY name"))
            .fetch_all(&self.inner.pool)
            .await
            .map_err(|e| self.err(e))?;
        rows.iter().map(|r| self.user(r)).collect()
    }

    async fn token_by_hash(&self, hash: &str) -> StoreResult<Option<TokenRecord>> {
        self.token_where(
            "SELECT id, user_id, hash, label, created, revoked FROM tokens WHERE hash = $1",
            hash,
        )
        .await
    }

    async fn token_by_id(&self, id: &str) -> StoreResult<Option<TokenRecord>> {
        self.token_where(
            "SELECT id, user_id, hash, label, created, revoked FROM tokens WHERE id = $1",
            id,
        )
        .await
    }

    async fn tokens(&self) -> StoreResult<Vec<TokenRecord>> {
        let rows: Vec<(String, String, String, String, String, bool)> = sqlx::query_as(
            "SELECT id, user_id, hash, label, created, revoked FROM tokens ORDER BY id",
        )
        .fetch_all(&self.inner.pool)
        .await
        .map_err(|e| self.err(e))?;
        rows.into_iter()
            .map(|(id, user_id, hash, label, created, revoked)| {
                Ok(TokenRecord {
                    created: self.time(&created, &format!("token `{id}`"))?,
                    id,
                    user_id,
                    hash,
                    label,
                    revoked,
                })
            })
            .collect()
    }

    async fn duty_log(&self, limit: u32, before: Option<u64>) -> StoreResult<Vec<DutyLogEntry>> {
        let rows: Vec<(String, i64, String, String, String)> = sqlx::query_as(
            "SELECT id, seq, time, author, text FROM duty_log WHERE seq < $1 \
             ORDER BY seq DESC, id DESC LIMIT $2",
        )
        .bind(before.map(to_i64).unwrap_or(i64::MAX))
        .bind(i64::from(limit.min(MAX_PAGE)))
        .fetch_all(&self.inner.pool)
        .await
        .map_err(|e| self.err(e))?;
        rows.into_iter()
            .map(|(id, seq, time, author, text)| {
                let what = format!("duty log entry `{id}`");
                Ok(DutyLogEntry {
                    seq: self.seq(seq, &what)?,
                    time: self.time(&time, &what)?,
                    id,
                    author,
                    text,
                })
            })
            .collect()
    }

    async fn crossings(&self, f: &CrossingFilter) -> StoreResult<Vec<CrossingRecord>> {
        let mut q = QueryBuilder::<Postgres>::new(
            "SELECT id, seq, time, site_id, lane_id, direction, nationality, decision, \
             decided_by, detail FROM crossings WHERE TRUE",
        );
        if let Some(from) = f.from {
            q.push(" AND time >= ")
                .push_bind(guomen_store::format_time(from));
        }
        if let Some(to) = f.to {
            q.push(" AND time < ")
                .push_bind(guomen_store::format_time(to));
        }
        for (column, value) in [
            ("site_id", &f.site_id),
            ("lane_id", &f.lane_id),
            ("direction", &f.direction),
            ("nationality", &f.nationality),
            ("decision", &f.decision),
        ] {
            if let Some(v) = value {
                q.push(format!(" AND {column} = ")).push_bind(v.clone());
            }
        }
        if let Some(after) = f.after_seq {
            q.push(" AND seq > ").push_bind(to_i64(after));
        }
        q.push(" ORDER BY seq, id LIMIT ")
            .push_bind(i64::from(f.limit.min(MAX_PAGE)));
        let rows = q
            .build()
            .fetch_all(&self.inner.pool)
            .await
            .map_err(|e| self.err(e))?;
        let mut out = Vec::with_capacity(rows.len());
        for r in &rows {
            let get = |c: &str| r.try_get::<String, _>(c).map_err(|e| self.err(e));
            let id = get("id")?;
            let what = format!("crossing `{id}`");
            let seq: i64 = r.try_get("seq").map_err(|e| self.err(e))?;
            out.push(CrossingRecord {
                seq: self.seq(seq, &what)?,
                time: self.time(&get("time")?, &what)?,
                site_id: get("site_id")?,
                lane_id: get("lane_id")?,
                direction: get("direction")?,
                nationality: get("nationality")?,
                decision: get("decision")?,
                decided_by: get("decided_by")?,
                detail: self.json(&get("detail")?, &what)?,
                id,
            });
        }
        Ok(out)
    }

    async fn crossing_counts(
        &self,
        by: StatsDim,
        from: NaiveDate,
        to: NaiveDate,
    ) -> StoreResult<Vec<CountRow>> {
        // (sql, dimension or "" for the hourly table, first, last)
        let mut queries: Vec<(String, &str, String, String)> = Vec::new();
        if !by.counted_per_value() {
            // Hours, days and months come from the hourly table: 24 rows a day.
            let key = match by {
                StatsDim::Hour => "lpad(hour::text, 2, '0')",
                StatsDim::Day => "day",
                _ => "substr(day, 1, 7)",
            };
            queries.push((
                format!(
                    "SELECT {key} AS k, SUM(count)::BIGINT AS n FROM crossing_counts_hour \
                     WHERE day >= $2 AND day <= $3 AND $1 = '' GROUP BY 1"
                ),
                "",
                stats::day_key(from),
                stats::day_key(to),
            ));
        } else {
            let parts = stats::split_period(from, to);
            for (a, b) in parts.days {
                queries.push((
                    "SELECT key AS k, SUM(count)::BIGINT AS n FROM crossing_counts_day \
                     WHERE dim = $1 AND day >= $2 AND day <= $3 GROUP BY 1"
                        .to_owned(),
                    by.as_str(),
                    stats::day_key(a),
                    stats::day_key(b),
                ));
            }
            if let Some((a, b)) = parts.months {
                queries.push((
                    "SELECT key AS k, SUM(count)::BIGINT AS n FROM crossing_counts_month \
                     WHERE dim = $1 AND month >= $2 AND month <= $3 GROUP BY 1"
                        .to_owned(),
                    by.as_str(),
                    stats::month_key(a),
                    stats::month_key(b),
                ));
            }
        }
        let mut groups: std::collections::HashMap<String, u64> = Default::default();
        for (sql, dim, a, b) in queries {
            let rows = sqlx::query(&sql)
                .bind(dim)
                .bind(a)
                .bind(b)
                .fetch_all(&self.inner.pool)
                .await
                .map_err(|e| self.err(e))?;
            for r in &rows {
                let key: String = r.try_get("k").map_err(|e| self.err(e))?;
                let n: i64 = r.try_get("n").map_err(|e| self.err(e))?;
                *groups.entry(key).or_default() += u64::try_from(n).unwrap_or(0);
            }
        }
        let mut rows: Vec<CountRow> = groups
            .into_iter()
            .filter(|(_, count)| *count > 0)
            .map(|(key, count)| CountRow { key, count })
            .collect();
        stats::order_groups(by, &mut rows);
        Ok(rows)
    }

    async fn blob(&self, sha256: &str) -> StoreResult<Option<(String, Vec<u8>)>> {
        let row = sqlx::query("SELECT content_type, data FROM blobs WHERE sha256 = $1")
            .bind(sha256)
            .fetch_optional(&self.inner.pool)
            .await
            .map_err(|e| self.err(e))?;
        row.map(|r| {
            Ok((
                r.try_get("content_type").map_err(|e| self.err(e))?,
                r.try_get("data").map_err(|e| self.err(e))?,
            ))
        })
        .transpose()
    }

    async fn doc(&self, collection: &str, id: &str) -> StoreResult<Option<Doc>> {
        let row = sqlx::query("SELECT id, seq, body FROM docs WHERE collection = $1 AND id = $2")
            .bind(collection)
            .bind(id)
            .fetch_optional(&self.inner.pool)
            .await
            .map_err(|e| self.err(e))?;
        row.map(|r| self.doc_of(&r)).transpose()
    }

    async fn docs(&self, collection: &str) -> StoreResult<Vec<Doc>> {
        let rows = sqlx::query("SELECT id, seq, body FROM docs WHERE collection = $1 ORDER BY id")
            .bind(collection)
            .fetch_all(&self.inner.pool)
            .await
            .map_err(|e| self.err(e))?;
        rows.iter().map(|r| self.doc_of(r)).collect()
    }

    async fn replication_cursor(&self, target: &str) -> StoreResult<u64> {
        let row: Option<(i64,)> =
            sqlx::query_as("SELECT seq FROM replication_cursor WHERE target = $1")
                .bind(target)
                .fetch_optional(&self.inner.pool)
                .await
                .map_err(|e| self.err(e))?;
        match row {
            None => Ok(0),
            Some((seq,)) => self.seq(seq, "replication cursor"),
        }
    }

    async fn advance_replication_cursor(&self, target: &str, seq: u64) -> StoreResult<()> {
        let seq = i64::try_from(seq)
            .map_err(|_| StoreError::Invalid(format!("cursor seq {seq} is out of range")))?;
        sqlx::query(
            "INSERT INTO replication_cursor (target, seq) VALUES ($1, $2) \
             ON CONFLICT (target) DO UPDATE \
             SET seq = GREATEST(replication_cursor.seq, EXCLUDED.seq)",
        )
        .bind(target)
        .bind(seq)
        .execute(&self.inner.pool)
        .await
        .map(|_| ())
        .map_err(|e| self.err(e))
    }

    async fn close(&self) {
        self.inner.closed.store(true, Ordering::Release);
        // Dropping the last sender lets the writer drain what is queued and then stop.
        drop(lock(&self.inner.sender).take());
        let writer = self.inner.writer.lock().await.take();
        if let Some(handle) = writer
            && handle.await.is_err()
        {
            tracing::error!("the PostgreSQL writer task did not stop cleanly");
        }
        self.inner.pool.close().await;
    }
}
