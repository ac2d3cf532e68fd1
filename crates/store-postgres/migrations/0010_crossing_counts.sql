-- Crossing statistics kept as the journal grows (see guomen_store::stats): a daily and a
-- monthly table keyed by every dimension reports group on, and an hourly one by day and hour.
-- Days and hours are station-local; `hit` is 1 when the traveller hit a watchlist.
CREATE TABLE crossing_counts_day (
    day         TEXT NOT NULL,
    site_id     TEXT NOT NULL,
    direction   TEXT NOT NULL,
    lane_kind   TEXT NOT NULL,
    channel     TEXT NOT NULL,
    conveyance  TEXT NOT NULL,
    nationality TEXT NOT NULL,
    decision    TEXT NOT NULL,
    hit         INTEGER NOT NULL,
    count       BIGINT NOT NULL,
    PRIMARY KEY (day, site_id, direction, lane_kind, channel, conveyance, nationality, decision, hit)
);
CREATE TABLE crossing_counts_month (
    month       TEXT NOT NULL,
    site_id     TEXT NOT NULL,
    direction   TEXT NOT NULL,
    lane_kind   TEXT NOT NULL,
    channel     TEXT NOT NULL,
    conveyance  TEXT NOT NULL,
    nationality TEXT NOT NULL,
    decision    TEXT NOT NULL,
    hit         INTEGER NOT NULL,
    count       BIGINT NOT NULL,
    PRIMARY KEY (month, site_id, direction, lane_kind, channel, conveyance, nationality, decision, hit)
);
CREATE TABLE crossing_counts_hour (
    day   TEXT NOT NULL,
    hour  INTEGER NOT NULL,
    count BIGINT NOT NULL,
    PRIMARY KEY (day, hour)
);

-- Files stored once by their SHA-256 (a case's evidence); the journal names the hash.
CREATE TABLE blobs (
    sha256       TEXT PRIMARY KEY,
    content_type TEXT NOT NULL,
    size         BIGINT NOT NULL,
    data         BYTEA NOT NULL
);
