-- Crossing statistics kept as the journal grows (see guomen_store::stats): for each dimension
-- reports group on (nationality, site, ...), a count per day and per month of each of its
-- values; and a count per day and hour. Days and hours are station-local.
CREATE TABLE crossing_counts_day (
    dim   TEXT NOT NULL,
    day   TEXT NOT NULL,
    key   TEXT NOT NULL,
    count BIGINT NOT NULL,
    PRIMARY KEY (dim, day, key)
);
CREATE TABLE crossing_counts_month (
    dim   TEXT NOT NULL,
    month TEXT NOT NULL,
    key   TEXT NOT NULL,
    count BIGINT NOT NULL,
    PRIMARY KEY (dim, month, key)
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
    data         BLOB NOT NULL
);
