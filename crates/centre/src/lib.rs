//! The national centre: every station's journal, consumed from NATS JetStream into
//! PostgreSQL exactly once per (station, seq), each station's hash chain checked as it grows,
//! and the national statistics computed from it.
//!
//! - [`Centre`]: the national store (schema in `schema.sql`): idempotent batched inserts, the
//!   chain walk and its alarms, the stations list and crossing statistics.
//! - [`consume`]: one durable pull consumer per station stream, discovered by name.
//!
//! Architecture invariant: an event is acknowledged to JetStream only after its batch is
//! committed in PostgreSQL, and inserting a batch twice changes nothing; so a centre killed at
//! any point loses nothing and doubles nothing.

pub mod consume;
pub mod synth;

use std::collections::{HashMap, HashSet};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use anyhow::Context as _;
use chrono::{DateTime, Datelike, NaiveDate, TimeZone, Utc};
use guomen_replicate::WireEvent;
use serde::Serialize;
use sqlx::Connection as _;
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};

const SCHEMA: &str = include_str!("schema.sql");
/// Any fixed number: serialises schema creation between centres starting together.
const SCHEMA_LOCK: i64 = 0x6775_6f6d_656e_4e43;
/// A missing seq that is still missing after this long, with later events stored, is a hole.
pub const GAP_GRACE: Duration = Duration::from_secs(30);

/// `GET /api/v1/national/stations`: one row per station.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct NationalStation {
    pub station_id: String,
    pub last_seq: u64,
    pub last_time: Option<DateTime<Utc>>,
    /// How far behind the station's clock the newest event arrived, seconds.
    pub lag_s: f64,
    pub chain_ok: bool,
    /// The seq up to which the chain is verified without a gap.
    pub verified_seq: u64,
    pub break_seq: Option<u64>,
    pub break_reason: Option<String>,
    /// The national watchlist release the station screens against.
    pub watchlist_version: Option<u64>,
}

/// A chain break or a refused message.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct Alarm {
    pub id: i64,
    pub station_id: String,
    pub seq: u64,
    pub reason: String,
    pub time: DateTime<Utc>,
}

/// How national crossings are grouped (as a station groups its own).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GroupBy {
    Station,
    Nationality,
    Site,
    Direction,
    Day,
    Month,
}

impl GroupBy {
    pub fn parse(s: &str) -> Option<GroupBy> {
        Some(match s {
            "station" => GroupBy::Station,
            "nationality" => GroupBy::Nationality,
            "site" => GroupBy::Site,
            "direction" => GroupBy::Direction,
            "day" => GroupBy::Day,
            "month" => GroupBy::Month,
            _ => return None,
        })
    }

    /// Days and months are China's (UTC+8): every port is on Beijing time.
    fn sql(self) -> &'static str {
        match self {
            GroupBy::Station => "station",
            GroupBy::Nationality => "(payload::jsonb)->>'nationality'",
            GroupBy::Site => "(payload::jsonb)->>'site_id'",
            GroupBy::Direction => "(payload::jsonb)->>'direction'",
            GroupBy::Day => "to_char(time AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD')",
            GroupBy::Month => "to_char(time AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM')",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct Group {
    pub key: String,
    pub count: u64,
}

/// `GET /api/v1/national/stats/crossings`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct CrossingStats {
    pub total: u64,
    pub groups: Vec<Group>,
}

/// What one insert did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Ingested {
    /// Events stored for the first time.
    pub new: u64,
    /// Events already held (re-deliveries, re-sends after a cut link).
    pub duplicates: u64,
    /// Events refused (their hash does not match their content), each raised as an alarm.
    pub refused: u64,
}

/// The national store over one PostgreSQL pool.
pub struct Centre {
    pool: PgPool,
    /// Month partitions known to exist.
    months: Mutex<HashSet<(i32, u32)>>,
    /// Per station: the first missing seq and since when it has been missing.
    gaps: Mutex<HashMap<String, (u64, Instant)>>,
}

impl std::fmt::Debug for Centre {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Centre").finish_non_exhaustive()
    }
}

fn month_bounds(year: i32, month: u32) -> (NaiveDate, NaiveDate) {
    let start = NaiveDate::from_ymd_opt(year, month, 1).unwrap_or(NaiveDate::MIN);
    let next = if month == 12 {
        NaiveDate::from_ymd_opt(year + 1, 1, 1)
    } else {
        NaiveDate::from_ymd_opt(year, month + 1, 1)
    }
    .unwrap_or(NaiveDate::MAX);
    (start, next)
}

fn seq_u64(v: i64) -> u64 {
    u64::try_from(v).unwrap_or(0)
}

impl Centre {
    /// Connects to the national database and creates the national tables if missing.
    pub async fn connect(url: &str) -> anyhow::Result<Centre> {
        Centre::connect_in(url, None).await
    }

    /// [`Centre::connect`] with the national tables in `schema` (created if missing), for
    /// tests side by side on one database.
    pub async fn connect_in(url: &str, schema: Option<&str>) -> anyhow::Result<Centre> {
        let mut options: PgConnectOptions = url.parse().context("a postgres:// URL")?;
        if let Some(s) = schema {
            anyhow::ensure!(
                s.chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_'),
                "schema `{s}` must be lower-case letters, digits and `_`"
            );
            let mut c = sqlx::PgConnection::connect_with(&options).await?;
            sqlx::query(&format!("CREATE SCHEMA IF NOT EXISTS {s}"))
                .execute(&mut c)
                .await?;
            options = options.options([("search_path", s)]);
        }
        let pool = PgPoolOptions::new()
            .max_connections(6)
            .acquire_timeout(Duration::from_secs(10))
            .connect_with(options)
            .await
            .context("cannot connect to the national database")?;
        let mut tx = pool.begin().await?;
        sqlx::query("SELECT pg_advisory_xact_lock($1)")
            .bind(SCHEMA_LOCK)
            .execute(&mut *tx)
            .await?;
        sqlx::raw_sql(SCHEMA)
            .execute(&mut *tx)
            .await
            .context("cannot create the national tables")?;
        tx.commit().await?;
        Ok(Centre {
            pool,
            months: Mutex::new(HashSet::new()),
            gaps: Mutex::new(HashMap::new()),
        })
    }

    pub fn pool(&self) -> &PgPool {
        &self.pool
    }

    pub async fn ping(&self) -> anyhow::Result<()> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    async fn ensure_months(
        &self,
        times: impl Iterator<Item = DateTime<Utc>>,
    ) -> anyhow::Result<()> {
        let wanted: HashSet<(i32, u32)> = times.map(|t| (t.year(), t.month())).collect();
        for (year, month) in wanted {
            if self
                .months
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .contains(&(year, month))
            {
                continue;
            }
            let (start, next) = month_bounds(year, month);
            let sql = format!(
                "CREATE TABLE IF NOT EXISTS national_journal_y{year:04}m{month:02} \
                 PARTITION OF national_journal FOR VALUES FROM ('{start}') TO ('{next}')"
            );
            let mut tx = self.pool.begin().await?;
            sqlx::query("SELECT pg_advisory_xact_lock($1)")
                .bind(SCHEMA_LOCK)
                .execute(&mut *tx)
                .await?;
            sqlx::query(&sql).execute(&mut *tx).await?;
            tx.commit().await?;
            self.months
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .insert((year, month));
        }
        Ok(())
    }

    /// Raises an alarm naming the station and seq.
    pub async fn alarm(&self, station: &str, seq: u64, reason: &str) -> anyhow::Result<()> {
        tracing::error!(station, seq, reason, "national alarm");
        sqlx::query("INSERT INTO national_alarm (station, seq, reason) VALUES ($1, $2, $3)")
            .bind(station)
            .bind(seq as i64)
            .bind(reason)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Stores a batch in one transaction: new (station, seq) pairs are inserted, pairs already
    /// held are skipped, whatever the order and however often the batch comes. Each event's
    /// hash is checked against its content first; one that does not match is refused and
    /// raised. Then each station's chain is walked forward, in the same transaction, under a
    /// lock on the station's row (so two centres consuming one station take turns).
    pub async fn ingest(&self, events: Vec<WireEvent>) -> anyhow::Result<Ingested> {
        let mut out = Ingested::default();
        let mut good = Vec::with_capacity(events.len());
        for e in events {
            match e.verified_payload_text() {
                Ok(text) => good.push((e, text)),
                Err(why) => {
                    out.refused += 1;
                    self.alarm(&e.station, e.seq, &format!("refused: {why}"))
                        .await?;
                    self.mark_broken(&e.station, e.seq, &why).await?;
                }
            }
        }
        if good.is_empty() {
            return Ok(out);
        }
        self.ensure_months(good.iter().map(|(e, _)| e.time)).await?;
        let n = good.len();
        let now = Utc::now();
        // Per station: the newest event of the batch (for last_seq, last_time and the lag) and
        // the national watchlist releases it applied.
        let mut newest: HashMap<String, (i64, DateTime<Utc>)> = HashMap::new();
        let mut releases: Vec<(String, i64)> = Vec::new();
        let mut station = Vec::with_capacity(n);
        let mut seq = Vec::with_capacity(n);
        let mut time = Vec::with_capacity(n);
        let mut actor = Vec::with_capacity(n);
        let mut kind = Vec::with_capacity(n);
        let mut payload: Vec<Option<String>> = Vec::with_capacity(n);
        let mut stub = Vec::with_capacity(n);
        let mut prev = Vec::with_capacity(n);
        let mut hash = Vec::with_capacity(n);
        for (e, text) in good {
            let s = e.seq as i64;
            match newest.get_mut(&e.station) {
                Some(n) if n.0 >= s => {}
                Some(n) => *n = (s, e.time),
                None => {
                    newest.insert(e.station.clone(), (s, e.time));
                }
            }
            // A station journals each national release it applies under the actor
            // `national-watchlist:N`: that is the version it screens against.
            if e.kind == "watchlist.imported"
                && let Some(v) = e
                    .actor
                    .strip_prefix(guomen_station::clearance::NATIONAL_ACTOR_PREFIX)
                    .and_then(|v| v.parse::<i64>().ok())
            {
                releases.push((e.station.clone(), v));
            }
            station.push(e.station);
            seq.push(s);
            time.push(e.time);
            actor.push(e.actor);
            kind.push(e.kind);
            payload.push(text);
            stub.push(e.stub);
            prev.push(e.prev_hash);
            hash.push(e.hash);
        }
        let mut stations: Vec<String> = newest.keys().cloned().collect();
        stations.sort_unstable();
        let mut tx = self.pool.begin().await?;
        // Each station's row, locked in a fixed order: what is verified and stored so far.
        let mut before: HashMap<String, StationRow> = HashMap::new();
        for s in &stations {
            let row: StationRow = sqlx::query_as(
                "INSERT INTO national_station (station) VALUES ($1)
                 ON CONFLICT (station) DO UPDATE SET station = EXCLUDED.station
                 RETURNING verified_seq, verified_hash, chain_ok, last_seq, last_time",
            )
            .bind(s)
            .fetch_one(&mut *tx)
            .await?;
            before.insert(s.clone(), row);
        }
        // One round trip: the chain table decides what is new, the journal takes only that;
        // the new links come back for the walk.
        let fresh: Vec<(String, i64, String, String)> = sqlx::query_as(
            "WITH batch AS (
                SELECT * FROM unnest($1::text[], $2::bigint[], $3::timestamptz[], $4::text[],
                    $5::text[], $6::text[], $7::bool[], $8::text[], $9::text[])
                AS b(station, seq, time, actor, kind, payload, stub, prev_hash, hash)
            ), fresh AS (
                INSERT INTO national_chain (station, seq, prev_hash, hash)
                SELECT DISTINCT ON (station, seq) station, seq, prev_hash, hash FROM batch
                ON CONFLICT DO NOTHING
                RETURNING station, seq, prev_hash, hash
            ), stored AS (
                INSERT INTO national_journal
                    (station, seq, time, actor, kind, payload, stub, prev_hash, hash)
                SELECT DISTINCT ON (b.station, b.seq) b.station, b.seq, b.time, b.actor, b.kind,
                    b.payload, b.stub, b.prev_hash, b.hash
                FROM batch b JOIN fresh f USING (station, seq, prev_hash, hash)
            )
            SELECT station, seq, prev_hash, hash FROM fresh",
        )
        .bind(&station)
        .bind(&seq)
        .bind(&time)
        .bind(&actor)
        .bind(&kind)
        .bind(&payload)
        .bind(&stub)
        .bind(&prev)
        .bind(&hash)
        .fetch_all(&mut *tx)
        .await
        .context("cannot insert the batch")?;
        out.new = fresh.len() as u64;
        out.duplicates = n as u64 - out.new;
        let mut links: HashMap<&str, HashMap<i64, (&str, &str)>> = HashMap::new();
        for (s, q, p, h) in &fresh {
            links
                .entry(s.as_str())
                .or_default()
                .insert(*q, (p.as_str(), h.as_str()));
        }
        let mut outcomes = Vec::with_capacity(stations.len());
        for s in &stations {
            let Some((vseq, vhash, ok, last_seq, last_time)) = before.remove(s) else {
                continue;
            };
            let (top, top_time) = newest.get(s).copied().unwrap_or((0, now));
            let lag = ((now - top_time).num_milliseconds().max(0) as f64) / 1000.0;
            let (last_seq, last_time) = if top > last_seq {
                (top, Some(top_time))
            } else {
                (last_seq, last_time)
            };
            let walk = if ok {
                let empty = HashMap::new();
                let new_links = links.get(s.as_str()).unwrap_or(&empty);
                walk_chain(&mut tx, s, vseq, vhash, new_links, last_seq).await?
            } else {
                Walk {
                    seq: vseq,
                    hash: vhash,
                    broken: None,
                }
            };
            sqlx::query(
                "UPDATE national_station SET
                   verified_seq = $2, verified_hash = $3, last_seq = $4, last_time = $5,
                   lag_s = $6, chain_ok = chain_ok AND $7,
                   break_seq = COALESCE(break_seq, $8),
                   break_reason = COALESCE(break_reason, $9),
                   updated = now()
                 WHERE station = $1",
            )
            .bind(s)
            .bind(walk.seq)
            .bind(&walk.hash)
            .bind(last_seq)
            .bind(last_time)
            .bind(lag)
            .bind(walk.broken.is_none())
            .bind(walk.broken.as_ref().map(|(q, _)| *q as i64))
            .bind(walk.broken.as_ref().map(|(_, r)| r.clone()))
            .execute(&mut *tx)
            .await?;
            outcomes.push((s.clone(), ok, walk, last_seq));
        }
        for (s, version) in &releases {
            sqlx::query(
                "UPDATE national_station SET watchlist_version = $2
                 WHERE station = $1
                   AND (watchlist_version IS NULL OR watchlist_version < $2)",
            )
            .bind(s)
            .bind(version)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        for (s, ok, walk, last_seq) in outcomes {
            if let Some((seq, reason)) = &walk.broken {
                self.alarm(&s, *seq, reason).await?;
            }
            self.note_gap(&s, ok && walk.broken.is_none(), walk.seq, last_seq);
        }
        Ok(out)
    }

    /// Remembers a gap after a station's verified seq, so that one that lasts is raised.
    fn note_gap(&self, station: &str, ok: bool, verified: i64, last: i64) {
        let mut gaps = self.gaps.lock().unwrap_or_else(|p| p.into_inner());
        if last > verified && ok {
            let missing = seq_u64(verified) + 1;
            match gaps.get(station) {
                Some((m, _)) if *m == missing => {}
                _ => {
                    gaps.insert(station.to_owned(), (missing, Instant::now()));
                }
            }
        } else {
            gaps.remove(station);
        }
    }

    async fn mark_broken(&self, station: &str, seq: u64, why: &str) -> anyhow::Result<()> {
        sqlx::query(
            "INSERT INTO national_station (station, chain_ok, break_seq, break_reason)
             VALUES ($1, FALSE, $2, $3)
             ON CONFLICT (station) DO UPDATE SET
               chain_ok = FALSE,
               break_seq = COALESCE(national_station.break_seq, EXCLUDED.break_seq),
               break_reason = COALESCE(national_station.break_reason, EXCLUDED.break_reason),
               updated = now()",
        )
        .bind(station)
        .bind(seq as i64)
        .bind(why)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Raises every gap that has lasted longer than `grace` as a chain break: an event the
    /// station should have sent long ago and later ones have overtaken.
    pub async fn check_gaps(&self, grace: Duration) -> anyhow::Result<()> {
        let due: Vec<(String, u64)> = {
            let mut gaps = self.gaps.lock().unwrap_or_else(|p| p.into_inner());
            let due: Vec<(String, u64)> = gaps
                .iter()
                .filter(|(_, (_, since))| since.elapsed() >= grace)
                .map(|(s, (m, _))| (s.clone(), *m))
                .collect();
            for (s, _) in &due {
                gaps.remove(s);
            }
            due
        };
        for (station, missing) in due {
            let reason =
                format!("chain broken: seq {missing} is missing and later events are held");
            self.mark_broken(&station, missing, &reason).await?;
            self.alarm(&station, missing, &reason).await?;
        }
        Ok(())
    }

    /// Every station the centre has heard from.
    pub async fn stations(&self) -> anyhow::Result<Vec<NationalStation>> {
        #[allow(clippy::type_complexity)]
        let rows: Vec<(
            String,
            i64,
            Option<DateTime<Utc>>,
            f64,
            bool,
            i64,
            Option<i64>,
            Option<String>,
            Option<i64>,
        )> = sqlx::query_as(
            "SELECT station, last_seq, last_time, lag_s, chain_ok, verified_seq, break_seq,
                    break_reason, watchlist_version
             FROM national_station ORDER BY station",
        )
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|r| NationalStation {
                station_id: r.0,
                last_seq: seq_u64(r.1),
                last_time: r.2,
                lag_s: r.3,
                chain_ok: r.4,
                verified_seq: seq_u64(r.5),
                break_seq: r.6.map(seq_u64),
                break_reason: r.7,
                watchlist_version: r.8.map(seq_u64),
            })
            .collect())
    }

    /// The newest alarms first.
    pub async fn alarms(&self, limit: u32) -> anyhow::Result<Vec<Alarm>> {
        let rows: Vec<(i64, String, i64, String, DateTime<Utc>)> = sqlx::query_as(
            "SELECT id, station, seq, reason, time FROM national_alarm ORDER BY id DESC LIMIT $1",
        )
        .bind(i64::from(limit.clamp(1, 1000)))
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|r| Alarm {
                id: r.0,
                station_id: r.1,
                seq: seq_u64(r.2),
                reason: r.3,
                time: r.4,
            })
            .collect())
    }

    /// Crossings recorded by every station in `[from, to)`, grouped.
    pub async fn crossing_stats(
        &self,
        from: Option<DateTime<Utc>>,
        to: Option<DateTime<Utc>>,
        group_by: GroupBy,
    ) -> anyhow::Result<CrossingStats> {
        let sql = format!(
            "SELECT COALESCE({key}, '') AS key, count(*) FROM national_journal
             WHERE kind = 'crossing.recorded' AND NOT stub
               AND ($1::timestamptz IS NULL OR time >= $1)
               AND ($2::timestamptz IS NULL OR time < $2)
             GROUP BY 1 ORDER BY 2 DESC, 1",
            key = group_by.sql()
        );
        let rows: Vec<(String, i64)> = sqlx::query_as(&sql)
            .bind(from)
            .bind(to)
            .fetch_all(&self.pool)
            .await?;
        let groups: Vec<Group> = rows
            .into_iter()
            .map(|(key, count)| Group {
                key,
                count: seq_u64(count),
            })
            .collect();
        Ok(CrossingStats {
            total: groups.iter().map(|g| g.count).sum(),
            groups,
        })
    }

    /// A station's stored chain, `(seq, hash)` in order, for audits and tests.
    pub async fn chain_of(&self, station: &str) -> anyhow::Result<Vec<(u64, String)>> {
        let rows: Vec<(i64, String)> =
            sqlx::query_as("SELECT seq, hash FROM national_chain WHERE station = $1 ORDER BY seq")
                .bind(station)
                .fetch_all(&self.pool)
                .await?;
        Ok(rows.into_iter().map(|(s, h)| (seq_u64(s), h)).collect())
    }
}

/// A station's row as a batch finds it: verified seq and hash, chain ok, last seq and time.
type StationRow = (i64, String, bool, i64, Option<DateTime<Utc>>);

/// Where a station's chain walk ended.
#[derive(Debug)]
struct Walk {
    seq: i64,
    hash: String,
    /// The seq whose link does not hold, and why.
    broken: Option<(u64, String)>,
}

/// Walks a station's chain forward from `(seq, hash)`, verified: each next seq must follow
/// without a gap and link to the previous hash. The links this batch stored are walked in
/// memory; links stored before it (`last_seq` says whether any lie ahead) are read back in
/// chunks. A link that does not hold breaks the chain for good; a gap only stops the walk.
async fn walk_chain(
    tx: &mut sqlx::Transaction<'_, sqlx::Postgres>,
    station: &str,
    seq: i64,
    hash: String,
    new_links: &HashMap<i64, (&str, &str)>,
    last_seq: i64,
) -> anyhow::Result<Walk> {
    let mut w = Walk {
        seq,
        hash,
        broken: None,
    };
    let link = |w: &mut Walk, q: i64, p: &str, h: &str| -> bool {
        if p != w.hash {
            w.broken = Some((
                seq_u64(q),
                format!(
                    "chain broken: seq {q}'s previous hash {p} is not seq {}'s hash {}",
                    w.seq, w.hash
                ),
            ));
            return false;
        }
        w.seq = q;
        w.hash = h.to_owned();
        true
    };
    let mut chunk = 256;
    loop {
        // This batch's own links first, without a round trip.
        while let Some((p, h)) = new_links.get(&(w.seq + 1)) {
            let next = w.seq + 1;
            if !link(&mut w, next, p, h) {
                return Ok(w);
            }
        }
        if w.seq >= last_seq {
            return Ok(w);
        }
        // Links held from earlier batches (events that arrived before a missing one).
        let rows: Vec<(i64, String, String)> = sqlx::query_as(
            "SELECT seq, prev_hash, hash FROM national_chain
             WHERE station = $1 AND seq > $2 AND seq <= $3 ORDER BY seq",
        )
        .bind(station)
        .bind(w.seq)
        .bind(w.seq.saturating_add(chunk).min(last_seq))
        .fetch_all(&mut **tx)
        .await?;
        chunk = 5000;
        let before = w.seq;
        for (q, p, h) in rows {
            if q != w.seq + 1 {
                break;
            }
            if !link(&mut w, q, &p, &h) {
                return Ok(w);
            }
        }
        if w.seq == before {
            // A gap: wait for the missing event.
            return Ok(w);
        }
    }
}

/// Midnight UTC of a date, for query bounds given as days.
pub fn day_start(d: NaiveDate) -> DateTime<Utc> {
    Utc.from_utc_datetime(&d.and_hms_opt(0, 0, 0).unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn month_partitions_cover_year_ends() {
        let (s, n) = month_bounds(2026, 12);
        assert_eq!(s.to_string(), "2026-12-01");
        assert_eq!(n.to_string(), "2027-01-01");
        let (s, n) = month_bounds(2027, 2);
        assert_eq!(
            (s.to_string(), n.to_string()),
            ("2027-02-01".into(), "2027-03-01".into())
        );
    }

    #[test]
    fn group_by_names() {
        for n in [
            "station",
            "nationality",
            "site",
            "direction",
            "day",
            "month",
        ] {
            assert!(GroupBy::parse(n).is_some(), "{n}");
        }
        assert!(GroupBy::parse("lane; drop table").is_none());
    }
}
