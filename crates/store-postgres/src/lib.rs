//! PostgreSQL backend of the guomen store
