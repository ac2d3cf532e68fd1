//! Reads on read-only connections, and the chain verification.

use std::collections::HashMap;
use std::path::Path;

use chrono::NaiveDate;
use guomen_store::{
    CountRow, CrossingFilter, CrossingRecord, Doc, DutyLogEntry, JournalEvent, StatsDim,
    StoreError, StoreResult, TokenRecord, UserRecord, Verification, stats,
};
use rusqlite::types::Value as SqlValue;
use rusqlite::{Connection, OptionalExtension, Row, params, params_from_iter};
use serde_json::Value;

use crate::{MAX_PAGE, db_err, parse_time};

fn to_u64(v: i64, what: &str, path: &Path) -> StoreResult<u64> {
    u64::try_from(v)
        .map_err(|_| StoreError::Corrupt(format!("{}: {what}: negative seq {v}", path.display())))
}

fn to_i64(v: u64) -> i64 {
    // Seqs above i64::MAX never exist; saturating keeps "after"/"before" filters meaningful.
    i64::try_from(v).unwrap_or(i64::MAX)
}

fn json(text: &str, what: &str, path: &Path) -> StoreResult<Value> {
    serde_json::from_str(text).map_err(|e| {
        StoreError::Corrupt(format!(
            "{}: {what}: stored JSON does not parse: {e}",
            path.display()
        ))
    })
}

pub(crate) fn head(conn: &Connection, path: &Path) -> StoreResult<Option<(u64, String)>> {
    let row: Option<(i64, String)> = conn
        .query_row(
            "SELECT seq, hash FROM journal ORDER BY seq DESC LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()
        .map_err(|e| db_err(path, e))?;
    row.map(|(seq, hash)| Ok((to_u64(seq, "journal head", path)?, hash)))
        .transpose()
}

type RawEvent = (i64, String, String, String, String, String, String);

fn raw_event(r: &Row<'_>) -> rusqlite::Result<RawEvent> {
    Ok((
        r.get(0)?,
        r.get(1)?,
        r.get(2)?,
        r.get(3)?,
        r.get(4)?,
        r.get(5)?,
        r.get(6)?,
    ))
}

fn event(raw: RawEvent, path: &Path) -> StoreResult<JournalEvent> {
    let (seq, time, actor, kind, payload, prev_hash, hash) = raw;
    let what = format!("journal event {seq}");
    Ok(JournalEvent {
        seq: to_u64(seq, &what, path)?,
        time: parse_time(&time, &what, path)?,
        payload: json(&payload, &what, path)?,
        actor,
        kind,
        prev_hash,
        hash,
    })
}

pub(crate) fn journal(
    conn: &Connection,
    path: &Path,
    after: u64,
    limit: u32,
    kinds: Option<&[String]>,
) -> StoreResult<Vec<JournalEvent>> {
    let limit = limit.min(MAX_PAGE);
    let mut args: Vec<SqlValue> = vec![SqlValue::Integer(to_i64(after))];
    let mut sql = String::from(
        "SELECT seq, time, actor, kind, payload, prev_hash, hash FROM journal WHERE seq > ?",
    );
    if let Some(kinds) = kinds {
        if kinds.is_empty() {
            return Ok(Vec::new());
        }
        sql.push_str(" AND kind IN (");
        for (i, k) in kinds.iter().enumerate() {
            sql.push_str(if i == 0 { "?" } else { ", ?" });
            args.push(SqlValue::Text(k.clone()));
        }
        sql.push(')');
    }
    sql.push_str(" ORDER BY seq LIMIT ?");
    args.push(SqlValue::Integer(i64::from(limit)));
    let mut stmt = conn.prepare_cached(&sql).map_err(|e| db_err(path, e))?;
    let rows = stmt
        .query_map(params_from_iter(args), raw_event)
        .map_err(|e| db_err(path, e))?;
    let mut out = Vec::new();
    for raw in rows {
        out.push(event(raw.map_err(|e| db_err(path, e))?, path)?);
    }
    Ok(out)
}

/// Streams the journal in seq order (one statement, rows fetched as they are stepped, so
/// millions of events never sit in memory) and walks the chain.
pub(crate) fn verify(conn: &Connection, path: &Path) -> StoreResult<Verification> {
    let mut stmt = conn
        .prepare(
            "SELECT seq, time, actor, kind, payload, prev_hash, hash FROM journal ORDER BY seq",
        )
        .map_err(|e| db_err(path, e))?;
    let mut rows = stmt.query([]).map_err(|e| db_err(path, e))?;
    let mut walker = guomen_store::ChainWalker::default();
    while let Some(row) = rows.next().map_err(|e| db_err(path, e))? {
        // Text columns are read as text; a tampered value of another type is itself a break.
        let raw = match raw_event(row) {
            Ok(raw) => raw,
            Err(e) => {
                let seq: Option<i64> = row.get(0).ok();
                return Ok(Verification::Broken {
                    first_bad_seq: seq.and_then(|s| u64::try_from(s).ok()).unwrap_or(0),
                    reason: format!("unreadable event: {e}"),
                });
            }
        };
        let (seq, time, actor, kind, payload, prev_hash, hash) = &raw;
        let row = guomen_store::StoredRow {
            seq: *seq,
            time,
            actor,
            kind,
            payload,
            prev_hash,
            hash,
        };
        if let Some(broken) = walker.step(row) {
            return Ok(broken);
        }
    }
    Ok(walker.finish())
}

type UserRow = (
    String,
    String,
    String,
    String,
    bool,
    String,
    Option<String>,
    Option<String>,
    String,
    Option<String>,
);

fn user_row(r: &Row<'_>) -> rusqlite::Result<UserRow> {
    Ok((
        r.get(0)?,
        r.get(1)?,
        r.get(2)?,
        r.get(3)?,
        r.get(4)?,
        r.get(5)?,
        r.get(6)?,
        r.get(7)?,
        r.get(8)?,
        r.get(9)?,
    ))
}

fn user(raw: UserRow, path: &Path) -> StoreResult<UserRecord> {
    let (id, name, role, password_hash, disabled, created, agency, organisation, scopes, grade) =
        raw;
    let what = format!("user `{id}`");
    Ok(UserRecord {
        role: role
            .parse()
            .map_err(|e| StoreError::Corrupt(format!("{}: {what}: {e}", path.display())))?,
        created: parse_time(&created, &what, path)?,
        id,
        name,
        password_hash,
        disabled,
        agency,
        organisation,
        scopes: scopes
            .parse()
            .map_err(|e| StoreError::Corrupt(format!("{}: {what}: {e}", path.display())))?,
        grade: grade
            .map(|g| {
                guomen_domain::Grade::parse(&g).ok_or_else(|| {
                    StoreError::Corrupt(format!("{}: {what}: unknown grade `{g}`", path.display()))
                })
            })
            .transpose()?,
    })
}

const USER_COLUMNS: &str = "SELECT id, name, role, password_hash, disabled, created, agency, organisation, scopes, grade \
     FROM users";

pub(crate) fn user_by(
    conn: &Connection,
    path: &Path,
    column: &str,
    value: &str,
) -> StoreResult<Option<UserRecord>> {
    let column = if column == "name" { "name" } else { "id" };
    let raw = conn
        .prepare_cached(&format!("{USER_COLUMNS} WHERE {column} = ?1"))
        .and_then(|mut s| s.query_row(params![value], user_row).optional())
        .map_err(|e| db_err(path, e))?;
    raw.map(|r| user(r, path)).transpose()
}

pub(crate) fn users(conn: &Connection, path: &Path) -> StoreResult<Vec<UserRecord>> {
    let mut stmt = conn
        .prepare_cached(&format!("{USER_COLUMNS} ORDER BY name"))
        .map_err(|e| db_err(path, e))?;
    let rows = stmt.query_map([], user_row).map_err(|e| db_err(path, e))?;
    let mut out = Vec::new();
    for r in rows {
        out.push(user(r.map_err(|e| db_err(path, e))?, path)?);
    }
    Ok(out)
}

/// A token by `id` or by `hash` (the two indexed columns).
pub(crate) fn tokens(conn: &Connection, path: &Path) -> StoreResult<Vec<TokenRecord>> {
    let raw: Vec<(String, String, String, String, String, bool)> = conn
        .prepare_cached("SELECT id, user_id, hash, label, created, revoked FROM tokens ORDER BY id")
        .and_then(|mut s| {
            s.query_map([], |r| {
                Ok((
                    r.get(0)?,
                    r.get(1)?,
                    r.get(2)?,
                    r.get(3)?,
                    r.get(4)?,
                    r.get(5)?,
                ))
            })?
            .collect()
        })
        .map_err(|e| db_err(path, e))?;
    raw.into_iter()
        .map(|(id, user_id, hash, label, created, revoked)| {
            Ok(TokenRecord {
                created: parse_time(&created, &format!("token `{id}`"), path)?,
                id,
                user_id,
                hash,
                label,
                revoked,
            })
        })
        .collect()
}

pub(crate) fn token_by(
    conn: &Connection,
    path: &Path,
    column: &str,
    value: &str,
) -> StoreResult<Option<TokenRecord>> {
    let sql = if column == "id" {
        "SELECT id, user_id, hash, label, created, revoked FROM tokens WHERE id = ?1"
    } else {
        "SELECT id, user_id, hash, label, created, revoked FROM tokens WHERE hash = ?1"
    };
    let raw: Option<(String, String, String, String, String, bool)> = conn
        .prepare_cached(sql)
        .and_then(|mut s| {
            s.query_row(params![value], |r| {
                Ok((
                    r.get(0)?,
                    r.get(1)?,
                    r.get(2)?,
                    r.get(3)?,
                    r.get(4)?,
                    r.get(5)?,
                ))
            })
            .optional()
        })
        .map_err(|e| db_err(path, e))?;
    raw.map(|(id, user_id, hash, label, created, revoked)| {
        Ok(TokenRecord {
            created: parse_time(&created, &format!("token `{id}`"), path)?,
            id,
            user_id,
            hash,
            label,
            revoked,
        })
    })
    .transpose()
}

pub(crate) fn duty_log(
    conn: &Connection,
    path: &Path,
    limit: u32,
    before: Option<u64>,
) -> StoreResult<Vec<DutyLogEntry>> {
    let limit = limit.min(MAX_PAGE);
    let before = before.map(to_i64).unwrap_or(i64::MAX);
    let mut stmt = conn
        .prepare_cached(
            "SELECT id, seq, time, author, text FROM duty_log WHERE seq < ?1 \
             ORDER BY seq DESC, id DESC LIMIT ?2",
        )
        .map_err(|e| db_err(path, e))?;
    let rows = stmt
        .query_map(params![before, limit], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, i64>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, String>(4)?,
            ))
        })
        .map_err(|e| db_err(path, e))?;
    let mut out = Vec::new();
    for r in rows {
        let (id, seq, time, author, text) = r.map_err(|e| db_err(path, e))?;
        let what = format!("duty log entry `{id}`");
        out.push(DutyLogEntry {
            seq: to_u64(seq, &what, path)?,
            time: parse_time(&time, &what, path)?,
            id,
            author,
            text,
        });
    }
    Ok(out)
}

pub(crate) fn crossings(
    conn: &Connection,
    path: &Path,
    f: &CrossingFilter,
) -> StoreResult<Vec<CrossingRecord>> {
    let mut sql = String::from(
        "SELECT id, seq, time, site_id, lane_id, direction, nationality, decision, decided_by, \
         detail FROM crossings WHERE 1 = 1",
    );
    let mut args: Vec<SqlValue> = Vec::new();
    if let Some(from) = f.from {
        sql.push_str(" AND time >= ?");
        args.push(SqlValue::Text(guomen_store::format_time(from)));
    }
    if let Some(to) = f.to {
        sql.push_str(" AND time < ?");
        args.push(SqlValue::Text(guomen_store::format_time(to)));
    }
    for (column, value) in [
        ("site_id", &f.site_id),
        ("lane_id", &f.lane_id),
        ("direction", &f.direction),
        ("nationality", &f.nationality),
        ("decision", &f.decision),
    ] {
        if let Some(v) = value {
            sql.push_str(&format!(" AND {column} = ?"));
            args.push(SqlValue::Text(v.clone()));
        }
    }
    if let Some(after) = f.after_seq {
        sql.push_str(" AND seq > ?");
        args.push(SqlValue::Integer(to_i64(after)));
    }
    sql.push_str(" ORDER BY seq, id LIMIT ?");
    args.push(SqlValue::Integer(i64::from(f.limit.min(MAX_PAGE))));
    let mut stmt = conn.prepare_cached(&sql).map_err(|e| db_err(path, e))?;
    let rows = stmt
        .query_map(params_from_iter(args), |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, i64>(1)?,
                r.get::<_, String>(2)?,
                [
                    r.get::<_, String>(3)?,
                    r.get::<_, String>(4)?,
                    r.get::<_, String>(5)?,
                    r.get::<_, String>(6)?,
                    r.get::<_, String>(7)?,
                    r.get::<_, String>(8)?,
                ],
                r.get::<_, String>(9)?,
            ))
        })
        .map_err(|e| db_err(path, e))?;
    let mut out = Vec::new();
    for r in rows {
        let (
            id,
            seq,
            time,
            [
                site_id,
                lane_id,
                direction,
                nationality,
                decision,
                decided_by,
            ],
            detail,
        ) = r.map_err(|e| db_err(path, e))?;
        let what = format!("crossing `{id}`");
        out.push(CrossingRecord {
            seq: to_u64(seq, &what, path)?,
            time: parse_time(&time, &what, path)?,
            detail: json(&detail, &what, path)?,
            id,
            site_id,
            lane_id,
            direction,
            nationality,
            decision,
            decided_by,
        });
    }
    Ok(out)
}

fn doc_row(r: &Row<'_>) -> rusqlite::Result<(String, i64, String)> {
    Ok((r.get(0)?, r.get(1)?, r.get(2)?))
}

fn to_doc(collection: &str, raw: (String, i64, String), path: &Path) -> StoreResult<Doc> {
    let (id, seq, body) = raw;
    let what = format!("doc {collection}/{id}");
    Ok(Doc {
        seq: to_u64(seq, &what, path)?,
        body: json(&body, &what, path)?,
        id,
    })
}

pub(crate) fn doc(
    conn: &Connection,
    path: &Path,
    collection: &str,
    id: &str,
) -> StoreResult<Option<Doc>> {
    let raw = conn
        .prepare_cached("SELECT id, seq, body FROM docs WHERE collection = ?1 AND id = ?2")
        .and_then(|mut s| s.query_row(params![collection, id], doc_row).optional())
        .map_err(|e| db_err(path, e))?;
    raw.map(|r| to_doc(collection, r, path)).transpose()
}

pub(crate) fn docs(conn: &Connection, path: &Path, collection: &str) -> StoreResult<Vec<Doc>> {
    let mut stmt = conn
        .prepare_cached("SELECT id, seq, body FROM docs WHERE collection = ?1 ORDER BY id")
        .map_err(|e| db_err(path, e))?;
    let rows = stmt
        .query_map(params![collection], doc_row)
        .map_err(|e| db_err(path, e))?;
    let mut out = Vec::new();
    for r in rows {
        out.push(to_doc(collection, r.map_err(|e| db_err(path, e))?, path)?);
    }
    Ok(out)
}

/// Crossing counts over `from..=to` grouped by `by`, from the kept counts.
pub(crate) fn crossing_counts(
    conn: &Connection,
    path: &Path,
    by: StatsDim,
    from: NaiveDate,
    to: NaiveDate,
) -> StoreResult<Vec<CountRow>> {
    let mut groups: HashMap<String, u64> = HashMap::new();
    let mut add = |sql: &str, args: &[&dyn rusqlite::ToSql]| -> StoreResult<()> {
        let mut stmt = conn.prepare_cached(sql).map_err(|e| db_err(path, e))?;
        let rows = stmt
            .query_map(args, |r| {
                Ok((r.get::<_, rusqlite::types::Value>(0)?, r.get::<_, i64>(1)?))
            })
            .map_err(|e| db_err(path, e))?;
        for row in rows {
            let (key, n) = row.map_err(|e| db_err(path, e))?;
            let key = match key {
                rusqlite::types::Value::Integer(i) if by == StatsDim::Hour => format!("{i:02}"),
                rusqlite::types::Value::Integer(i) => i.to_string(),
                rusqlite::types::Value::Text(t) => t,
                _ => String::new(),
            };
            *groups.entry(key).or_default() += u64::try_from(n).unwrap_or(0);
        }
        Ok(())
    };
    if !by.counted_per_value() {
        // Hours, days and months come from the hourly table: 24 rows a day.
        let key = match by {
            StatsDim::Hour => "hour",
            StatsDim::Day => "day",
            _ => "substr(day, 1, 7)",
        };
        add(
            &format!(
                "SELECT {key}, SUM(count) FROM crossing_counts_hour \
                 WHERE day >= ?1 AND day <= ?2 GROUP BY 1"
            ),
            params![stats::day_key(from), stats::day_key(to)],
        )?;
    } else {
        let parts = stats::split_period(from, to);
        for (a, b) in parts.days {
            add(
                "SELECT key, SUM(count) FROM crossing_counts_day \
                 WHERE dim = ?1 AND day >= ?2 AND day <= ?3 GROUP BY 1",
                params![by.as_str(), stats::day_key(a), stats::day_key(b)],
            )?;
        }
        if let Some((a, b)) = parts.months {
            add(
                "SELECT key, SUM(count) FROM crossing_counts_month \
                 WHERE dim = ?1 AND month >= ?2 AND month <= ?3 GROUP BY 1",
                params![by.as_str(), stats::month_key(a), stats::month_key(b)],
            )?;
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

pub(crate) fn blob(
    conn: &Connection,
    path: &Path,
    sha256: &str,
) -> StoreResult<Option<(String, Vec<u8>)>> {
    conn.prepare_cached("SELECT content_type, data FROM blobs WHERE sha256 = ?1")
        .and_then(|mut s| {
            s.query_row(params![sha256], |r| Ok((r.get(0)?, r.get(1)?)))
                .optional()
        })
        .map_err(|e| db_err(path, e))
}
