//! The writer task: group commit over one connection, serialised across processes by an
//! advisory lock.

use std::future::Future;
use std::pin::Pin;

use chrono::{DateTime, Utc};
use guomen_store::{
    Appended, Change, CrossingKey, GENESIS_HASH, Projection, StoreError, StoreResult, chain_hash,
    format_time, stats,
};
use sqlx::PgConnection;
use sqlx::postgres::PgConnectOptions;
use tokio::sync::mpsc;

use crate::{connect_one, db_err, is_connection_error};

pub(crate) struct Request {
    pub changes: Vec<Change>,
    pub reply: tokio::sync::oneshot::Sender<StoreResult<Vec<Appended>>>,
}

type BatchResult = Result<Vec<StoreResult<Vec<Appended>>>, Failure>;

struct Head {
    seq: u64,
    hash: String,
    time: DateTime<Utc>,
}

/// A failure and whether it took the connection with it.
struct Failure {
    error: StoreError,
    connection_lost: bool,
}

struct Writer {
    target: String,
}

impl Writer {
    fn fail(&self, e: sqlx::Error) -> Failure {
        Failure {
            connection_lost: is_connection_error(&e),
            error: db_err(&self.target, e),
        }
    }
}

pub(crate) async fn run(
    options: PgConnectOptions,
    target: String,
    conn: PgConnection,
    mut receiver: mpsc::UnboundedReceiver<Request>,
    max_batch: usize,
) {
    let w = Writer { target };
    let mut conn = Some(conn);
    while let Some(first) = receiver.recv().await {
        let mut batch = vec![first];
        while batch.len() < max_batch {
            match receiver.try_recv() {
                Ok(r) => batch.push(r),
                Err(_) => break,
            }
        }
        // A lost connection is re-made for the next batch rather than failing forever.
        if conn.is_none() {
            match connect_one(&options, &w.target).await {
                Ok(c) => conn = Some(c),
                Err(e) => {
                    for r in batch {
                        let _ = r.reply.send(Err(e.clone()));
                    }
                    continue;
                }
            }
        }
        let Some(c) = conn.as_mut() else { continue };
        let results = match w.batch(c, &batch).await {
            Ok(results) => results,
            Err(f) => {
                tracing::error!(error = %f.error, "PostgreSQL batch of {} failed", batch.len());
                if f.connection_lost {
                    conn = None;
                } else {
                    let _ = sqlx::query("ROLLBACK").execute(&mut *c).await;
                }
                let error = match f.error {
                    StoreError::Conflict(m) => StoreError::Unavailable(m),
                    other => other,
                };
                batch.iter().map(|_| Err(error.clone())).collect()
            }
        };
        for (request, result) in batch.into_iter().zip(results) {
            // A caller that went away no longer needs the answer; its write stands.
            let _ = request.reply.send(result);
        }
    }
    if let Some(c) = conn {
        let _ = sqlx::Connection::close(c).await;
    }
}

fn now_micros(given: Option<DateTime<Utc>>, floor: DateTime<Utc>) -> DateTime<Utc> {
    let now = given.unwrap_or_else(Utc::now);
    let now = DateTime::from_timestamp_micros(now.timestamp_micros()).unwrap_or(now);
    now.max(floor)
}

impl Writer {
    /// One transaction for the whole batch. `Err` means nothing of it was committed.
    ///
    /// Boxed with an explicit `Send` bound: sqlx's executor impls are higher-ranked, and
    /// without the box rustc cannot prove the spawned writer future `Send`.
    fn batch<'a>(
        &'a self,
        c: &'a mut PgConnection,
        batch: &'a [Request],
    ) -> Pin<Box<dyn Future<Output = BatchResult> + Send + 'a>> {
        Box::pin(async move {
            sqlx::query("BEGIN")
                .execute(&mut *c)
                .await
                .map_err(|e| self.fail(e))?;
            // Other processes on the same database wait here; the head read after it is theirs
            // plus ours, so one chain results.
            sqlx::query(
                "SELECT pg_advisory_xact_lock(hashtext('guomen.journal.' || current_schema()))",
            )
            .execute(&mut *c)
            .await
            .map_err(|e| self.fail(e))?;
            let mut head = self.head(c).await?;
            let mut results = Vec::with_capacity(batch.len());
            for request in batch {
                sqlx::query("SAVEPOINT request")
                    .execute(&mut *c)
                    .await
                    .map_err(|e| self.fail(e))?;
                let before = (head.seq, head.hash.clone(), head.time);
                match self.apply(c, &mut head, &request.changes).await {
                    Ok(appended) => {
                        sqlx::query("RELEASE SAVEPOINT request")
                            .execute(&mut *c)
                            .await
                            .map_err(|e| self.fail(e))?;
                        results.push(Ok(appended));
                    }
                    Err(f) if f.connection_lost => return Err(f),
                    Err(f) => {
                        (head.seq, head.hash, head.time) = before;
                        sqlx::query("ROLLBACK TO SAVEPOINT request")
                            .execute(&mut *c)
                            .await
                            .map_err(|e| self.fail(e))?;
                        sqlx::query("RELEASE SAVEPOINT request")
                            .execute(&mut *c)
                            .await
                            .map_err(|e| self.fail(e))?;
                        results.push(Err(f.error));
                    }
                }
            }
            sqlx::query("COMMIT")
                .execute(&mut *c)
                .await
                .map_err(|e| self.fail(e))?;
            Ok(results)
        })
    }

    async fn head(&self, c: &mut PgConnection) -> Result<Head, Failure> {
        let row: Option<(i64, String, String)> =
            sqlx::query_as("SELECT seq, hash, time FROM journal ORDER BY seq DESC LIMIT 1")
                .fetch_optional(&mut *c)
                .await
                .map_err(|e| self.fail(e))?;
        let corrupt = |why: String| Failure {
            error: StoreError::Corrupt(format!(
                "PostgreSQL at {}: journal head: {why}",
                self.target
            )),
            connection_lost: false,
        };
        match row {
            None => Ok(Head {
                seq: 0,
                hash: GENESIS_HASH.to_owned(),
                time: DateTime::<Utc>::UNIX_EPOCH,
            }),
            Some((seq, hash, time)) => Ok(Head {
                seq: u64::try_from(seq).map_err(|_| corrupt(format!("negative seq {seq}")))?,
                time: DateTime::parse_from_rfc3339(&time)
                    .map(|t| t.with_timezone(&Utc))
                    .map_err(|e| corrupt(format!("time `{time}`: {e}")))?,
                hash,
            }),
        }
    }

    async fn apply(
        &self,
        c: &mut PgConnection,
        head: &mut Head,
        changes: &[Change],
    ) -> Result<Vec<Appended>, Failure> {
        let invalid = |m: String| Failure {
            error: StoreError::Invalid(m),
            connection_lost: false,
        };
        let mut out = Vec::with_capacity(changes.len());
        for change in changes {
            let e = &change.event;
            let seq = head
                .seq
                .checked_add(1)
                .filter(|s| i64::try_from(*s).is_ok())
                .ok_or_else(|| invalid("journal sequence exhausted".into()))?;
            let seq_sql = i64::try_from(seq).map_err(|_| invalid("seq".into()))?;
            let time = now_micros(e.time, head.time);
            let time_text = format_time(time);
            let payload = serde_json::to_string(&e.payload)
                .map_err(|err| invalid(format!("{}: payload: {err}", e.kind)))?;
            let hash = chain_hash(&head.hash, seq, &time_text, &e.actor, &e.kind, &payload);
            sqlx::query(
                "INSERT INTO journal (seq, time, actor, kind, payload, prev_hash, hash) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(seq_sql)
            .bind(&time_text)
            .bind(&e.actor)
            .bind(&e.kind)
            .bind(&payload)
            .bind(&head.hash)
            .bind(&hash)
            .execute(&mut *c)
            .await
            .map_err(|err| self.fail(err))?;
            for projection in &change.projections {
                self.project(c, projection, seq_sql, &time_text).await?;
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

    /// A unique violation becomes a conflict naming the record.
    fn conflict(&self, e: sqlx::Error, what: impl FnOnce() -> String) -> Failure {
        let mut f = self.fail(e);
        if matches!(f.error, StoreError::Conflict(_)) {
            f.error = StoreError::Conflict(what());
        }
        f
    }

    /// Adds `n` crossings under `key` to the daily and monthly count of each dimension's
    /// value and to the hourly count.
    async fn count_crossing(
        &self,
        c: &mut PgConnection,
        key: &CrossingKey,
        n: i64,
    ) -> Result<(), Failure> {
        if key.hour > 23 {
            return Err(Failure {
                error: StoreError::Invalid(format!(
                    "crossing count: hour {} is not 0–23",
                    key.hour
                )),
                connection_lost: false,
            });
        }
        let (day, month) = (stats::day_key(key.day), stats::month_key(key.day));
        for dim in stats::StatsDim::ALL {
            if !dim.counted_per_value() {
                continue;
            }
            let value = dim.key_of(key);
            for (table, period, at) in [
                ("crossing_counts_day", "day", &day),
                ("crossing_counts_month", "month", &month),
            ] {
                sqlx::query(&format!(
                    "INSERT INTO {table} (dim, {period}, key, count) VALUES ($1, $2, $3, $4) \
                     ON CONFLICT (dim, {period}, key) \
                     DO UPDATE SET count = {table}.count + EXCLUDED.count"
                ))
                .bind(dim.as_str())
                .bind(at)
                .bind(&value)
                .bind(n)
                .execute(&mut *c)
                .await
                .map_err(|e| self.fail(e))?;
            }
        }
        sqlx::query(
            "INSERT INTO crossing_counts_hour (day, hour, count) VALUES ($1, $2, $3) \
             ON CONFLICT (day, hour) DO UPDATE SET count = crossing_counts_hour.count + \
             EXCLUDED.count",
        )
        .bind(&day)
        .bind(i32::from(key.hour))
        .bind(n)
        .execute(&mut *c)
        .await
        .map_err(|e| self.fail(e))?;
        Ok(())
    }

    async fn project(
        &self,
        c: &mut PgConnection,
        projection: &Projection,
        seq: i64,
        time: &str,
    ) -> Result<(), Failure> {
        let invalid = |m: String| Failure {
            error: StoreError::Invalid(m),
            connection_lost: false,
        };
        match projection {
            Projection::PutUser(u) => {
                if u.id.is_empty() || u.name.is_empty() {
                    return Err(invalid("user id and name must not be empty".into()));
                }
                sqlx::query(
                    "INSERT INTO users (id, name, role, password_hash, disabled, created, agency, \
                     organisation, scopes, grade) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) \
                     ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, role = EXCLUDED.role, \
                     password_hash = EXCLUDED.password_hash, disabled = EXCLUDED.disabled, \
                     created = EXCLUDED.created, agency = EXCLUDED.agency, \
                     organisation = EXCLUDED.organisation, scopes = EXCLUDED.scopes, \
                     grade = EXCLUDED.grade",
                )
                .bind(&u.id)
                .bind(&u.name)
                .bind(u.role.as_str())
                .bind(&u.password_hash)
                .bind(u.disabled)
                .bind(format_time(u.created))
                .bind(&u.agency)
                .bind(&u.organisation)
                .bind(u.scopes.to_string())
                .bind(u.grade.map(|g| g.as_str()))
                .execute(&mut *c)
                .await
                .map_err(|e| self.conflict(e, || format!("user name `{}` is taken", u.name)))?;
            }
            Projection::PutToken(t) => {
                if t.id.is_empty() || t.hash.is_empty() {
                    return Err(invalid("token id and hash must not be empty".into()));
                }
                sqlx::query(
                    "INSERT INTO tokens (id, user_id, hash, label, created, revoked) \
                     VALUES ($1, $2, $3, $4, $5, $6) \
                     ON CONFLICT (id) DO UPDATE SET user_id = EXCLUDED.user_id, \
                     hash = EXCLUDED.hash, label = EXCLUDED.label, created = EXCLUDED.created, \
                     revoked = EXCLUDED.revoked",
                )
                .bind(&t.id)
                .bind(&t.user_id)
                .bind(&t.hash)
                .bind(&t.label)
                .bind(format_time(t.created))
                .bind(t.revoked)
                .execute(&mut *c)
                .await
                .map_err(|e| {
                    self.conflict(e, || format!("token hash of `{}` already exists", t.id))
                })?;
            }
            Projection::RevokeToken { token_id } => {
                let done = sqlx::query("UPDATE tokens SET revoked = TRUE WHERE id = $1")
                    .bind(token_id)
                    .execute(&mut *c)
                    .await
                    .map_err(|e| self.fail(e))?;
                if done.rows_affected() == 0 {
                    return Err(invalid(format!("no token with id `{token_id}`")));
                }
            }
            Projection::AddDutyLog { id, author, text } => {
                sqlx::query(
                    "INSERT INTO duty_log (id, seq, time, author, text) VALUES ($1, $2, $3, $4, $5)",
                )
                .bind(id)
                .bind(seq)
                .bind(time)
                .bind(author)
                .bind(text)
                .execute(&mut *c)
                .await
                .map_err(|e| self.conflict(e, || format!("duty log entry `{id}` already exists")))?;
            }
            Projection::AddCrossing(x) => {
                let detail = serde_json::to_string(&x.detail)
                    .map_err(|e| invalid(format!("crossing `{}` detail: {e}", x.id)))?;
                sqlx::query(
                    "INSERT INTO crossings (id, seq, time, site_id, lane_id, direction, \
                     nationality, decision, decided_by, detail) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
                )
                .bind(&x.id)
                .bind(seq)
                .bind(time)
                .bind(&x.site_id)
                .bind(&x.lane_id)
                .bind(&x.direction)
                .bind(&x.nationality)
                .bind(&x.decision)
                .bind(&x.decided_by)
                .bind(detail)
                .execute(&mut *c)
                .await
                .map_err(|e| self.conflict(e, || format!("crossing `{}` already exists", x.id)))?;
            }
            Projection::CountCrossing(key) => self.count_crossing(c, key, 1).await?,
            Projection::ReplaceCrossingCounts {
                through_seq,
                counts,
            } => {
                let next = i64::try_from(through_seq.saturating_add(1)).unwrap_or(i64::MAX);
                if seq != next {
                    return Err(Failure {
                        error: StoreError::Conflict(format!(
                            "the journal moved on to seq {} while the counts were rebuilt \
                             through seq {through_seq}; rebuild again",
                            seq - 1
                        )),
                        connection_lost: false,
                    });
                }
                sqlx::query(
                    "TRUNCATE crossing_counts_day, crossing_counts_month, crossing_counts_hour",
                )
                .execute(&mut *c)
                .await
                .map_err(|e| self.fail(e))?;
                let m = stats::marginals(counts.iter());
                let n64 = |n: &u64| i64::try_from(*n).unwrap_or(i64::MAX);
                for (table, period, rows) in [
                    ("crossing_counts_day", "day", &m.day),
                    ("crossing_counts_month", "month", &m.month),
                ] {
                    for ((dim, at, value), n) in rows {
                        sqlx::query(&format!(
                            "INSERT INTO {table} (dim, {period}, key, count) \
                             VALUES ($1, $2, $3, $4)"
                        ))
                        .bind(dim.as_str())
                        .bind(at)
                        .bind(value)
                        .bind(n64(n))
                        .execute(&mut *c)
                        .await
                        .map_err(|e| self.fail(e))?;
                    }
                }
                for ((day, hour), n) in &m.hour {
                    if *hour > 23 {
                        return Err(Failure {
                            error: StoreError::Invalid(format!(
                                "crossing count: hour {hour} is not 0–23"
                            )),
                            connection_lost: false,
                        });
                    }
                    sqlx::query(
                        "INSERT INTO crossing_counts_hour (day, hour, count) VALUES ($1, $2, $3)",
                    )
                    .bind(day)
                    .bind(i32::from(*hour))
                    .bind(n64(n))
                    .execute(&mut *c)
                    .await
                    .map_err(|e| self.fail(e))?;
                }
            }
            Projection::PutBlob {
                sha256,
                content_type,
                data,
            } => {
                sqlx::query(
                    "INSERT INTO blobs (sha256, content_type, size, data) VALUES ($1, $2, $3, $4) \
                     ON CONFLICT (sha256) DO NOTHING",
                )
                .bind(sha256)
                .bind(content_type)
                .bind(data.len() as i64)
                .bind(data)
                .execute(&mut *c)
                .await
                .map_err(|e| self.fail(e))?;
            }
            Projection::PutDoc {
                collection,
                id,
                body,
            } => {
                let body = serde_json::to_string(body)
                    .map_err(|e| invalid(format!("doc {collection}/{id}: {e}")))?;
                sqlx::query(
                    "INSERT INTO docs (collection, id, seq, body) VALUES ($1, $2, $3, $4) \
                     ON CONFLICT (collection, id) DO UPDATE SET seq = EXCLUDED.seq, \
                     body = EXCLUDED.body",
                )
                .bind(collection)
                .bind(id)
                .bind(seq)
                .bind(body)
                .execute(&mut *c)
                .await
                .map_err(|e| self.fail(e))?;
            }
            Projection::DeleteDoc { collection, id } => {
                sqlx::query("DELETE FROM docs WHERE collection = $1 AND id = $2")
                    .bind(collection)
                    .bind(id)
                    .execute(&mut *c)
                    .await
                    .map_err(|e| self.fail(e))?;
            }
        }
        Ok(())
    }
}
