-- The national store. Idempotent: run at every start under an advisory lock.

-- One row per station event: the uniqueness of (station, seq) and the chain links. Not
-- partitioned, so the unique key needs no time column; narrow, so it stays in memory.
CREATE TABLE IF NOT EXISTS national_chain (
    station TEXT NOT NULL,
    seq BIGINT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL,
    PRIMARY KEY (station, seq)
);

-- The events themselves, partitioned by month of the station's time: old months are
-- detached and archived whole, and national statistics scan only the months asked for.
CREATE TABLE IF NOT EXISTS national_journal (
    station TEXT NOT NULL,
    seq BIGINT NOT NULL,
    time TIMESTAMPTZ NOT NULL,
    actor TEXT NOT NULL,
    kind TEXT NOT NULL,
    -- The payload text exactly as hashed at the station; NULL for a stub.
    payload TEXT,
    stub BOOLEAN NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL,
    received TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (station, seq, time)
) PARTITION BY RANGE (time);

-- National statistics read crossings by time: an index on those alone (a third of the events)
-- costs ingest a third of what an index on every event's kind and time did.
DROP INDEX IF EXISTS national_journal_kind_time;
CREATE INDEX IF NOT EXISTS national_journal_crossing_time ON national_journal (time)
    WHERE kind = 'crossing.recorded' AND NOT stub;

-- Each station's chain as verified so far, and what the centre last heard from it.
CREATE TABLE IF NOT EXISTS national_station (
    station TEXT PRIMARY KEY,
    verified_seq BIGINT NOT NULL DEFAULT 0,
    verified_hash TEXT NOT NULL DEFAULT '0000000000000000000000000000000000000000000000000000000000000000',
    last_seq BIGINT NOT NULL DEFAULT 0,
    last_time TIMESTAMPTZ,
    lag_s DOUBLE PRECISION NOT NULL DEFAULT 0,
    chain_ok BOOLEAN NOT NULL DEFAULT TRUE,
    break_seq BIGINT,
    break_reason TEXT,
    watchlist_version BIGINT,
    updated TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- Chain breaks and refused messages, naming station and seq.
CREATE TABLE IF NOT EXISTS national_alarm (
    id BIGSERIAL PRIMARY KEY,
    station TEXT NOT NULL,
    seq BIGINT NOT NULL,
    reason TEXT NOT NULL,
    time TIMESTAMPTZ NOT NULL DEFAULT now()
);
