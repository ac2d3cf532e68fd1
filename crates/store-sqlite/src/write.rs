//! The writer thread: group commit over one connection.

use std::path::{Path, PathBuf};
use std::sync::mpsc;

use chrono::{DateTime, Utc};
use guomen_store::{
    Appended, Change, CrossingKey, GENESIS_HASH, Projection, StoreError, StoreResult, chain_hash,
    format_time, stats,
};
use rusqlite::{Connection, OptionalExtension, params};

use crate::{db_err, parse_time};

pub(crate) struct Request {
    pub changes: Vec<Change>,
    pub reply: tokio::sync::oneshot::Sender<StoreResult<Vec<Appended>>>,
}

/// The end of the chain as the writer knows it.
#[derive(Clone)]
pub(crate) struct Head {
    seq: u64,
    hash: String,
    time: DateTime<Utc>,
}

pub(crate) fn load_head(conn: &Connection, path: &Path) -> StoreResult<Head> {
    let row: Option<(i64, String, String)> = conn
        .query_row(
            "SELECT seq, hash, time FROM journal ORDER BY seq DESC LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .optional()
        .map_err(|e| db_err(path, e))?;
    match row {
        None => Ok(Head {
            seq: 0,
            hash: GENESIS_HASH.to_owned(),
            time: DateTime::<Utc>::UNIX_EPOCH,
        }),
        Some((seq, hash, time)) => Ok(Head {
            seq: u64::try_from(seq).map_err(|_| {
                StoreError::Corrupt(format!("{}: journal head seq {seq} < 0", path.display()))
            })?,
            time: parse_time(&time, "journal head", path)?,
            hash,
        }),
    }
}

/// The writer loop: takes everything queued (at most `max_batch`), commits it in one
/// transaction, answers. Ends when every sender is gone and the queue is empty.
pub(crate) fn run(
    conn: Connection,
    receiver: mpsc::Receiver<Request>,
    mut head: Head,
    max_batch: usize,
    path: PathBuf,
) {
    while let Ok(first) = receiver.recv() {
        let mut batch = vec![first];
        while batch.len() < max_batch {
            match receiver.try_recv() {
                Ok(r) => batch.push(r),
                Err(_) => break,
            }
        }
        let results = write_batch(&conn, &mut head, &batch, &path);
        for (request, result) in batch.into_iter().zip(results) {
            // A caller that went away no longer needs the answer; its write stands.
            let _ = request.reply.send(result);
        }
    }
}

fn write_batch(
    conn: &Connection,
    head: &mut Head,
    batch: &[Request],
    path: &Path,
) -> Vec<StoreResult<Vec<Appended>>> {
    let saved = head.clone();
    if let Err(e) = exec(conn, "BEGIN IMMEDIATE") {
        let err = db_err(path, e);
        return batch.iter().map(|_| Err(err.clone())).collect();
    }
    // Another process may have appended since our last batch; the write lock we now hold
    // makes the head read here the one we chain onto.
    match load_head(conn, path) {
        Ok(current) => *head = current,
        Err(err) => return abort(conn, head, saved, batch.len(), err, path),
    }
    let mut results = Vec::with_capacity(batch.len());
    for request in batch {
        let before = head.clone();
        let outcome = exec(conn, "SAVEPOINT request")
            .map_err(|e| db_err(path, e))
            .and_then(|()| apply_request(conn, head, &request.changes, path));
        match outcome {
            Ok(appended) => match exec(conn, "RELEASE request") {
                Ok(()) => results.push(Ok(appended)),
                Err(e) => return abort(conn, head, saved, batch.len(), db_err(path, e), path),
            },
            Err(err) => {
                *head = before;
                if let Err(e) = conn.execute_batch("ROLLBACK TO request; RELEASE request") {
                    return abort(conn, head, saved, batch.len(), db_err(path, e), path);
                }
                results.push(Err(err));
            }
        }
    }
    if let Err(e) = exec(conn, "COMMIT") {
        return abort(conn, head, saved, batch.len(), db_err(path, e), path);
    }
    results
}

/// Rolls the whole batch back and fails every request in it.
fn abort(
    conn: &Connection,
    head: &mut Head,
    saved: Head,
    n: usize,
    err: StoreError,
    path: &Path,
) -> Vec<StoreResult<Vec<Appended>>> {
    tracing::error!(error = %err, "SQLite batch failed; rolling back {n} request(s)");
    let _ = conn.execute_batch("ROLLBACK");
    // What is on disk is the truth; the saved head is the fallback if even reading fails.
    *head = load_head(conn, path).unwrap_or(saved);
    let err = match err {
        StoreError::Conflict(m) => StoreError::Unavailable(m),
        other => other,
    };
    (0..n).map(|_| Err(err.clone())).collect()
}

/// Runs a statement through the connection's statement cache: the writer issues the same
/// few transaction-control statements for every request, so parsing them each time shows.
fn exec(conn: &Connection, sql: &str) -> rusqlite::Result<()> {
    conn.prepare_cached(sql)?.execute([]).map(|_| ())
}

fn now_micros(given: Option<DateTime<Utc>>, floor: DateTime<Utc>) -> DateTime<Utc> {
    let now = given.unwrap_or_else(Utc::now);
    // Stored times have microsecond precision; hand back exactly what is stored.
    let now = DateTime::from_timestamp_micros(now.timestamp_micros()).unwrap_or(now);
    now.max(floor)
}

fn apply_request(
    conn: &Connection,
    head: &mut Head,
    changes: &[Change],
    path: &Path,
) -> StoreResult<Vec<Appended>> {
    let mut out = Vec::with_capacity(changes.len());
    for change in changes {
        let e = &change.event;
        let seq = head
            .seq
            .checked_add(1)
            .ok_or_else(|| StoreError::Invalid("journal sequence exhausted".into()))?;
        let seq_sql = i64::try_from(seq)
            .map_err(|_| StoreError::Invalid("journal sequence exhausted".into()))?;
        let time = now_micros(e.time, head.time);
        let time_text = format_time(time);
        let payload = serde_json::to_string(&e.payload)
            .map_err(|err| StoreError::Invalid(format!("{}: payload: {err}", e.kind)))?;
        let hash = chain_hash(&head.hash, seq, &time_text, &e.actor, &e.kind, &payload);
        conn.prepare_cached(
            "INSERT INTO journal (seq, time, actor, kind, payload, prev_hash, hash) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        )
        .and_then(|mut s| {
            s.execute(params![
                seq_sql, time_text, e.actor, e.kind, payload, head.hash, hash
            ])
        })
        .map_err(|err| db_err(path, err))?;
        for projection in &change.projections {
            project(conn, projection, seq_sql, &time_text, path)?;
        }
        *head = Head {
            seq,
            hash: hash.clone(),
            time,
        };
        out.push(Appended { seq, time, hash });
    }
    Ok(out)
}

/// A constraint failure becomes a conflict that says which record; anything else keeps its
/// general mapping.
fn conflict(path: &Path, e: rusqlite::Error, what: impl FnOnce() -> String) -> StoreError {
    match db_err(path, e) {
        StoreError::Conflict(_) => StoreError::Conflict(what()),
        other => other,
    }
}

fn to_i64(v: u64) -> i64 {
    i64::try_from(v).unwrap_or(i64::MAX)
}

/// Adds `n` crossings under `key` to the daily and monthly count of each dimension's value
/// and to the hourly count.
fn count_crossing(conn: &Connection, key: &CrossingKey, n: i64, path: &Path) -> StoreResult<()> {
    if key.hour > 23 {
        return Err(StoreError::Invalid(format!(
            "crossing count: hour {} is not 0–23",
            key.hour
        )));
    }
    let (day, month) = (stats::day_key(key.day), stats::month_key(key.day));
    for dim in stats::StatsDim::ALL {
        if !dim.counted_per_value() {
            continue;
        }
        let value = dim.key_of(key);
        for (sql, at) in [
            (
                "INSERT INTO crossing_counts_day (dim, day, key, count) VALUES (?1, ?2, ?3, ?4) \
                 ON CONFLICT DO UPDATE SET count = count + excluded.count",
                &day,
            ),
            (
                "INSERT INTO crossing_counts_month (dim, month, key, count) \
                 VALUES (?1, ?2, ?3, ?4) ON CONFLICT DO UPDATE SET count = count + excluded.count",
                &month,
            ),
        ] {
            conn.prepare_cached(sql)
                .and_then(|mut s| s.execute(params![dim.as_str(), at, value, n]))
                .map_err(|e| db_err(path, e))?;
        }
    }
    conn.prepare_cached(
        "INSERT INTO crossing_counts_hour (day, hour, count) VALUES (?1, ?2, ?3) \
         ON CONFLICT DO UPDATE SET count = count + excluded.count",
    )
    .and_then(|mut s| s.execute(params![day, i64::from(key.hour), n]))
    .map_err(|e| db_err(path, e))?;
    Ok(())
}

fn project(
    conn: &Connection,
    projection: &Projection,
    seq: i64,
    time: &str,
    path: &Path,
) -> StoreResult<()> {
    match projection {
        Projection::PutUser(u) => {
            if u.id.is_empty() || u.name.is_empty() {
                return Err(StoreError::Invalid(
                    "user id and name must not be empty".into(),
                ));
            }
            conn.prepare_cached(
                "INSERT INTO users (id, name, role, password_hash, disabled, created, agency, \
                 organisation, scopes, grade) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10) \
                 ON CONFLICT(id) DO UPDATE SET name = excluded.name, role = excluded.role, \
                 password_hash = excluded.password_hash, disabled = excluded.disabled, \
                 created = excluded.created, agency = excluded.agency, \
                 organisation = excluded.organisation, scopes = excluded.scopes, \
                 grade = excluded.grade",
            )
            .and_then(|mut s| {
                s.execute(params![
                    u.id,
                    u.name,
                    u.role.as_str(),
                    u.password_hash,
                    u.disabled,
                    format_time(u.created),
                    u.agency,
                    u.organisation,
                    u.scopes.to_string(),
                    u.grade.map(|g| g.as_str())
                ])
            })
            .map_err(|e| conflict(path, e, || format!("user name `{}` is taken", u.name)))?;
        }
        Projection::PutToken(t) => {
            if t.id.is_empty() || t.hash.is_empty() {
                return Err(StoreError::Invalid(
                    "token id and hash must not be empty".into(),
                ));
            }
            conn.prepare_cached(
                "INSERT INTO tokens (id, user_id, hash, label, created, revoked) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6) \
                 ON CONFLICT(id) DO UPDATE SET user_id = excluded.user_id, \
                 hash = excluded.hash, label = excluded.label, created = excluded.created, \
                 revoked = excluded.revoked",
            )
            .and_then(|mut s| {
                s.execute(params![
                    t.id,
                    t.user_id,
                    t.hash,
                    t.label,
                    format_time(t.created),
                    t.revoked
                ])
            })
            .map_err(|e| {
                conflict(path, e, || {
                    format!("token hash of `{}` already exists", t.id)
                })
            })?;
        }
        Projection::RevokeToken { token_id } => {
            let n = conn
                .prepare_cached("UPDATE tokens SET revoked = 1 WHERE id = ?1")
                .and_then(|mut s| s.execute(params![token_id]))
                .map_err(|e| db_err(path, e))?;
            if n == 0 {
                return Err(StoreError::Invalid(format!(
                    "no token with id `{token_id}`"
                )));
            }
        }
        Projection::AddDutyLog { id, author, text } => {
            conn.prepare_cached(
                "INSERT INTO duty_log (id, seq, time, author, text) VALUES (?1, ?2, ?3, ?4, ?5)",
            )
            .and_then(|mut s| s.execute(params![id, seq, time, author, text]))
            .map_err(|e| conflict(path, e, || format!("duty log entry `{id}` already exists")))?;
        }
        Projection::AddCrossing(c) => {
            let detail = serde_json::to_string(&c.detail)
                .map_err(|e| StoreError::Invalid(format!("crossing `{}` detail: {e}", c.id)))?;
            conn.prepare_cached(
                "INSERT INTO crossings (id, seq, time, site_id, lane_id, direction, nationality, \
                 decision, decided_by, detail) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
            )
            .and_then(|mut s| {
                s.execute(params![
                    c.id,
                    seq,
                    time,
                    c.site_id,
                    c.lane_id,
                    c.direction,
                    c.nationality,
                    c.decision,
                    c.decided_by,
                    detail
                ])
            })
            .map_err(|e| conflict(path, e, || format!("crossing `{}` already exists", c.id)))?;
        }
        Projection::CountCrossing(key) => count_crossing(conn, key, 1, path)?,
        Projection::ReplaceCrossingCounts {
            through_seq,
            counts,
        } => {
            if seq != to_i64(through_seq.saturating_add(1)) {
                return Err(StoreError::Conflict(format!(
                    "the journal moved on to seq {} while the counts were rebuilt through seq \
                     {through_seq}; rebuild again",
                    seq - 1
                )));
            }
            for table in [
                "crossing_counts_day",
                "crossing_counts_month",
                "crossing_counts_hour",
            ] {
                conn.execute(&format!("DELETE FROM {table}"), [])
                    .map_err(|e| db_err(path, e))?;
            }
            let m = stats::marginals(counts.iter());
            for (table, period, rows) in [
                ("crossing_counts_day", "day", &m.day),
                ("crossing_counts_month", "month", &m.month),
            ] {
                for ((dim, at, value), n) in rows {
                    conn.prepare_cached(&format!(
                        "INSERT INTO {table} (dim, {period}, key, count) VALUES (?1, ?2, ?3, ?4)"
                    ))
                    .and_then(|mut s| s.execute(params![dim.as_str(), at, value, to_i64(*n)]))
                    .map_err(|e| db_err(path, e))?;
                }
            }
            for ((day, hour), n) in &m.hour {
                if *hour > 23 {
                    return Err(StoreError::Invalid(format!(
                        "crossing count: hour {hour} is not 0–23"
                    )));
                }
                conn.prepare_cached(
                    "INSERT INTO crossing_counts_hour (day, hour, count) VALUES (?1, ?2, ?3)",
                )
                .and_then(|mut s| s.execute(params![day, i64::from(*hour), to_i64(*n)]))
                .map_err(|e| db_err(path, e))?;
            }
        }
        Projection::PutBlob {
            sha256,
            content_type,
            data,
        } => {
            conn.prepare_cached(
                "INSERT INTO blobs (sha256, content_type, size, data) VALUES (?1, ?2, ?3, ?4) \
                 ON CONFLICT(sha256) DO NOTHING",
            )
            .and_then(|mut s| s.execute(params![sha256, content_type, data.len() as i64, data]))
            .map_err(|e| db_err(path, e))?;
        }
        Projection::PutDoc {
            collection,
            id,
            body,
        } => {
            let body = serde_json::to_string(body)
                .map_err(|e| StoreError::Invalid(format!("doc {collection}/{id}: {e}")))?;
            conn.prepare_cached(
                "INSERT INTO docs (collection, id, seq, body) VALUES (?1, ?2, ?3, ?4) \
                 ON CONFLICT(collection, id) DO UPDATE SET seq = excluded.seq, body = excluded.body",
            )
            .and_then(|mut s| s.execute(params![collection, id, seq, body]))
            .map_err(|e| db_err(path, e))?;
        }
        Projection::DeleteDoc { collection, id } => {
            conn.prepare_cached("DELETE FROM docs WHERE collection = ?1 AND id = ?2")
                .and_then(|mut s| s.execute(params![collection, id]))
                .map_err(|e| db_err(path, e))?;
        }
    }
    Ok(())
}
