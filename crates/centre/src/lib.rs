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
use guomen_store::GENESIS_HASH;
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

    async fn ensure_months(&self, events: &[WireEvent]) -> anyhow::Result<()> {
        let wanted: HashSet<(i32, u32)> = events
            .iter()
            .map(|e| (e.time.year(), e.time.month()))
            .collect();
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
    /// raised. Then each station's chain is walked forward.
    pub async fn ingest(&self, events: Vec<WireEvent>) -> anyhow::Result<Ingested> {
        let mut out = Ingested::default();
        let mut good = Vec::with_capacity(events.len());
        for e in events {
            match e.verify_content() {
                Ok(()) => good.push(e),
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
        self.ensure_months(&good).await?;
        let n = good.len();
        let mut station = Vec::with_capacity(n);
        let mut seq = Vec::with_capacity(n);
        let mut time = Vec::with_capacity(n);
        let mut actor = Vec::with_capacity(n);
        let mut kind = Vec::with_capacity(n);
        let mut payload: Vec<Option<String>> = Vec::with_capacity(n);
        let mut stub = Vec::with_capacity(n);
        let mut prev = Vec::with_capacity(n);
        let mut hash = Vec::with_capacity(n);
        for e in &good {
            station.push(e.station.clone());
            seq.push(e.seq as i64);
            time.push(e.time);
            actor.push(e.actor.clone());
            kind.push(e.kind.clone());
            payload.push(match &e.payload {
                Some(p) => Some(serde_json::to_string(p)?),
                None => None,
            });
            stub.push(e.stub);
            prev.push(e.prev_hash.clone());
            hash.push(e.hash.clone());
        }
        // One round trip: the chain table decides what is new, the journal takes only that.
        let inserted: i64 = sqlx::query_scalar(
            "WITH batch AS (
                SELECT * FROM unnest($1::text[], $2::bigint[], $3::timestamptz[], $4::text[],
                    $5::text[], $6::text[], $7::bool[], $8::text[], $9::text[])
                AS b(station, seq, time, actor, kind, payload, stub, prev_hash, hash)
            ), fresh AS (
                INSERT INTO national_chain (station, seq, prev_hash, hash)
                SELECT DISTINCT ON (station, seq) station, seq, prev_hash, hash FROM batch
                ON CONFLICT DO NOTHING
                RETURNING station, seq
            ), stored AS (
                INSERT INTO national_journal
                    (station, seq, time, actor, kind, payload, stub, prev_hash, hash)
                SELECT DISTINCT ON (b.station, b.seq) b.station, b.seq, b.time, b.actor, b.kind,
                    b.payload, b.stub, b.prev_hash, b.hash
                FROM batch b JOIN fresh f USING (station, seq)
                RETURNING 1
            )
            SELECT count(*) FROM stored",
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
        .fetch_one(&self.pool)
        .await
        .context("cannot insert the batch")?;
        out.new = seq_u64(inserted);
        out.duplicates = n as u64 - out.new;
        let mut stations: Vec<&str> = good.iter().map(|e| e.station.as_str()).collect();
        stations.sort_unstable();
        stations.dedup();
        let now = Utc::now();
        for s in stations {
            let newest = good
                .iter()
                .filter(|e| e.station == s)
                .max_by_key(|e| e.seq)
                .map(|e| e.time);
            let lag = newest
                .map(|t| ((now - t).num_milliseconds().max(0) as f64) / 1000.0)
                .unwrap_or(0.0);
            self.advance_chain(s, lag).await?;
        }
        // A station journals each national release it applies under the actor
        // `national-watchlist:N`: that is the version it screens against.
        for e in &good {
            if e.kind != "watchlist.imported" {
                continue;
            }
            let Some(version) = e
                .actor
                .strip_prefix(guomen_station::clearance::NATIONAL_ACTOR_PREFIX)
                .and_then(|v| v.parse::<i64>().ok())
            else {
                continue;
            };
            sqlx::query(
                "UPDATE national_station SET watchlist_version = $2
                 WHERE station = $1
                   AND (watchlist_version IS NULL OR watchlist_version < $2)",
            )
            .bind(&e.station)
            .bind(version)
            .execute(&self.pool)
            .await?;
        }
        Ok(out)
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

    /// Walks a station's stored chain forward from where it is verified: each next seq must
    /// follow without a gap and link to the previous hash. A link that does not hold breaks
    /// the chain for good (an alarm names station and seq); a gap only waits, until
    /// [`Centre::check_gaps`] finds it has lasted too long.
    pub async fn advance_chain(&self, station: &str, lag_s: f64) -> anyhow::Result<()> {
        let row: Option<(i64, String, bool)> = sqlx::query_as(
            "SELECT verified_seq, verified_hash, chain_ok FROM national_station WHERE station = $1",
        )
        .bind(station)
        .fetch_optional(&self.pool)
        .await?;
        let (mut vseq, mut vhash, ok) = row.unwrap_or((0, GENESIS_HASH.to_owned(), true));
        let mut broken: Option<(u64, String)> = None;
        if ok {
            'walk: loop {
                let rows: Vec<(i64, String, String)> = sqlx::query_as(
                    "SELECT seq, prev_hash, hash FROM national_chain
                     WHERE station = $1 AND seq > $2 ORDER BY seq LIMIT 5000",
                )
                .bind(station)
                .bind(vseq)
                .fetch_all(&self.pool)
                .await?;
                if rows.is_empty() {
                    break;
                }
                for (seq, prev, hash) in rows {
                    if seq != vseq + 1 {
                        break 'walk;
                    }
                    if prev != vhash {
                        broken = Some((
                            seq_u64(seq),
                            format!(
                                "chain broken: seq {seq}'s previous hash {prev} is not seq {vseq}'s hash {vhash}"
                            ),
                        ));
                        break 'walk;
                    }
                    vseq = seq;
                    vhash = hash;
                }
            }
        }
        let last: Option<(i64, DateTime<Utc>)> = sqlx::query_as(
            "SELECT seq, time FROM national_journal WHERE station = $1 ORDER BY seq DESC LIMIT 1",
        )
        .bind(station)
        .fetch_optional(&self.pool)
        .await?;
        let (last_seq, last_time) = match last {
            Some((s, t)) => (s, Some(t)),
            None => (0, None),
        };
        sqlx::query(
            "INSERT INTO national_station
                (station, verified_seq, verified_hash, last_seq, last_time, lag_s, chain_ok,
                 break_seq, break_reason, updated)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, now())
             ON CONFLICT (station) DO UPDATE SET
               verified_seq = EXCLUDED.verified_seq,
               verified_hash = EXCLUDED.verified_hash,
               last_seq = EXCLUDED.last_seq,
               last_time = EXCLUDED.last_time,
               lag_s = EXCLUDED.lag_s,
               chain_ok = national_station.chain_ok AND EXCLUDED.chain_ok,
               break_seq = COALESCE(national_station.break_seq, EXCLUDED.break_seq),
               break_reason = COALESCE(national_station.break_reason, EXCLUDED.break_reason),
               updated = now()",
        )
        .bind(station)
        .bind(vseq)
        .bind(&vhash)
        .bind(last_seq)
        .bind(last_time)
        .bind(lag_s)
        .bind(ok && broken.is_none())
        .bind(broken.as_ref().map(|(s, _)| *s as i64))
        .bind(broken.as_ref().map(|(_, r)| r.clone()))
        .execute(&self.pool)
        .await?;
        if let Some((seq, reason)) = broken {
            self.alarm(station, seq, &reason).await?;
        }
        // Remember a gap, so that one that lasts is raised.
        let mut gaps = self.gaps.lock().unwrap_or_else(|p| p.into_inner());
        if seq_u64(last_seq) > seq_u64(vseq) && ok {
            let missing = seq_u64(vseq) + 1;
            match gaps.get(station) {
                Some((m, _)) if *m == missing => {}
                _ => {
                    gaps.insert(station.to_owned(), (missing, Instant::now()));
                }
            }
        } else {
            gaps.remove(station);
        }
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
