//! Which store a station runs on, chosen once at start-up from the configuration.

use std::path::PathBuf;
use std::sync::Arc;

use guomen_store::{Store, StoreError};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StoreTarget {
    Sqlite(PathBuf),
    Postgres(String),
}


impl std::fmt::Display for StoreTarget {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StoreTarget::Sqlite(p) => write!(f, "sqlite:{}", p.display()),
            StoreTarget::Postgres(url) => {
                // Never print a password that may be in the URL.
                let shown = match (url.find("://"), url.rfind('@')) {
                    (Some(s), Some(at)) if at > s => format!("{}://***{}", &url[..s], &url[at..]),
                    _ => url.clone(),
                };
                write!(f, "{shown}")
            }
        }
    }
}

/// Opens the store the target names, running its migrations.
pub async fn open_store(target: &StoreTarget) -> Result<Arc<dyn Store>, StoreError> {
    match target {
        StoreTarget::Sqlite(dir) => {
            let dir = dir.clone();
            let store =
                tokio::task::spawn_blocking(move || guomen_store_sqlite::SqliteStore::open(&dir))
                    .await
                    .map_err(|e| {
                        StoreError::Unavailable(format!("opening the store failed: {e}"))
                    })??;
            Ok(Arc::new(store))
        }
        StoreTarget::Postgres(url) => Ok(Arc::new(
            guomen_store_postgres::PgStore::connect(url).await?,
        )),
    }
}


/// The metric label of a store error.
pub fn error_kind(e: &StoreError) -> &'static str {
    use StoreError::*;
    match e {
        Unavailable(_) => "unavailable",
        Locked(_) => "locked",
        Corrupt(_) => "corrupt",
        Conflict(_) => "conflict",
        Invalid(_) => "invalid",
        Closed => "closed",
    }
}

/// A station for the operators' tools (`guomen user`, `guomen watchlist`, `guomen journal`):
/// the store the target names, the built-in port, the wall clock, no background tasks. Close
/// it with [`crate::Station::close`].
pub async fn open_station(target: &StoreTarget) -> Result<crate::Station, StoreError> {
    let store = open_store(target).await?;
    Ok(crate::Station::new(
        store,
        guomen_port::erenhot(),
        Arc::new(crate::SystemClock),
    ))
}
