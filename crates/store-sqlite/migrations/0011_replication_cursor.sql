-- How far each replication target (the national centre's stream) has acknowledged the
-- journal. Kept outside the journal: advancing it is not a fact of the port.
CREATE TABLE replication_cursor (
    target TEXT PRIMARY KEY,
    seq BIGINT NOT NULL CHECK (seq >= 0)
);
