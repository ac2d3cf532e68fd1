//! SQLite (WAL) backend of the guomen store: the embedded default
