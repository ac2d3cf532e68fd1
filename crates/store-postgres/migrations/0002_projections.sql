-- Projections: current state derived from the journal, written in the same transaction.
CREATE TABLE users (
    id            TEXT PRIMARY KEY,
    name          TEXT NOT NULL UNIQUE,
    role          TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    disabled      BOOLEAN NOT NULL,
    created       TEXT NOT NULL
);

CREATE TABLE tokens (
    id      TEXT PRIMARY KEY,
    user_id TEXT NOT NULL,
    hash    TEXT NOT NULL UNIQUE,
    label   TEXT NOT NULL,
    created TEXT NOT NULL,
    revoked BOOLEAN NOT NULL
);
CREATE INDEX tokens_user ON tokens(user_id);

CREATE TABLE duty_log (
    id     TEXT PRIMARY KEY,
    seq    BIGINT NOT NULL,
    time   TEXT NOT NULL,
    author TEXT NOT NULL,
    text   TEXT NOT NULL
);
CREATE INDEX duty_log_seq ON duty_log(seq);

CREATE TABLE crossings (
    id          TEXT PRIMARY KEY,
    seq         BIGINT NOT NULL,
    time        TEXT NOT NULL,
    site_id     TEXT NOT NULL,
    lane_id     TEXT NOT NULL,
    direction   TEXT NOT NULL,
    nationality TEXT NOT NULL,
    decision    TEXT NOT NULL,
    decided_by  TEXT NOT NULL,
    detail      TEXT NOT NULL
);
CREATE INDEX crossings_seq ON crossings(seq);
CREATE INDEX crossings_time ON crossings(time);
CREATE INDEX crossings_site ON crossings(site_id, seq);
CREATE INDEX crossings_lane ON crossings(lane_id, seq);
CREATE INDEX crossings_direction ON crossings(direction, seq);
CREATE INDEX crossings_nationality ON crossings(nationality, seq);
CREATE INDEX crossings_decision ON crossings(decision, seq);

CREATE TABLE docs (
    collection TEXT NOT NULL,
    id         TEXT NOT NULL,
    seq        BIGINT NOT NULL,
    body       TEXT NOT NULL,
    PRIMARY KEY (collection, id)
);
