//! PostgreSQL for tests (feature `postgres`): where the test database is, whether it answers,
//! and a scratch schema per test that is dropped afterwards.
//!
//! Where no PostgreSQL answers, tests gated with [`gate`] are reported as *ignored* with the
//! reason, never as passed.

use std::str::FromStr;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use libtest_mimic::{Failed, Trial};
use sqlx::Connection;
use sqlx::postgres::{PgConnectOptions, PgConnection};

/// The environment variable that says where the test database is.
pub const URL_ENV: &str = "GUOMEN_TEST_POSTGRES";

/// The test database when [`URL_ENV`] is not set.
pub const DEFAULT_URL: &str = "postgres://postgres@127.0.0.1:5432/test";

/// How long the probe waits for an answer.
const PROBE_TIMEOUT: Duration = Duration::from_secs(5);

/// The test database's URL: `$GUOMEN_TEST_POSTGRES`, else [`DEFAULT_URL`].
pub fn url() -> String {
    std::env::var(URL_ENV).unwrap_or_else(|_| DEFAULT_URL.to_owned())
}

/// A multi-threaded runtime of two workers, for a test's async body.
pub fn runtime() -> Result<tokio::runtime::Runtime, Failed> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| Failed::from(format!("runtime: {e}")))
}

/// A bare connection to the test database (no store, nothing migrated), with `search_path` set
/// to `schema` if given. Gives up after a few seconds.
pub async fn connect(schema: Option<&str>) -> Result<PgConnection, String> {
    let mut options = PgConnectOptions::from_str(&url()).map_err(|e| e.to_string())?;
    if let Some(s) = schema {
        options = options.options([("search_path", s)]);
    }
    tokio::time::timeout(PROBE_TIMEOUT, PgConnection::connect_with(&options))
        .await
        .map_err(|_| format!("no answer within {PROBE_TIMEOUT:?}"))?
        .map_err(|e| e.to_string())
}

/// Runs one SQL statement, naming it in the error.
pub async fn execute(c: &mut PgConnection, sql: &str) -> Result<(), String> {
    sqlx::query(sql)
        .execute(&mut *c)
        .await
        .map(|_| ())
        .map_err(|e| format!("{sql}: {e}"))
}

/// `None` when the test database answers, else why not. Connects only: migrates nothing.
pub fn unavailable() -> Option<String> {
    let rt = match runtime() {
        Ok(rt) => rt,
        Err(e) => return Some(format!("{e:?}")),
    };
    rt.block_on(async {
        match connect(None).await {
            Ok(c) => {
                let _ = c.close().await;
                None
            }
            Err(e) => Some(e),
        }
    })
}

/// The trials as they are where PostgreSQL answers; otherwise each marked ignored, with the URL
/// and the reason.
pub fn gate(trials: Vec<Trial>) -> Vec<Trial> {
    match unavailable() {
        None => trials,
        Some(why) => {
            let reason = format!("skipped: no PostgreSQL at {} ({why}); set {URL_ENV}", url());
            trials
                .into_iter()
                .map(|t| t.with_ignored_flag(true).with_kind(reason.clone()))
                .collect()
        }
    }
}

static NEXT: AtomicU32 = AtomicU32::new(0);

/// A schema name of its own for one test, dropped (with everything in it) when this is dropped,
/// even if the test panics. The schema itself is created by whoever uses it (the store creates
/// its schema and migrates it).
#[derive(Debug)]
pub struct Schema {
    name: String,
}

impl Schema {
    /// A name unique to this process and call: `{prefix}_{pid}_{n}`. `prefix` must be a plain
    /// lowercase SQL identifier.
    pub fn fresh(prefix: &str) -> Schema {
        Schema {
            name: format!(
                "{prefix}_{}_{}",
                std::process::id(),
                NEXT.fetch_add(1, Ordering::Relaxed)
            ),
        }
    }

    /// The schema's name.
    pub fn name(&self) -> &str {
        &self.name
    }
}

impl Drop for Schema {
    fn drop(&mut self) {
        // A thread of its own: a runtime cannot be started inside the test's runtime.
        let sql = format!("DROP SCHEMA IF EXISTS {} CASCADE", self.name);
        let dropped = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .ok()?;
            rt.block_on(async {
                let mut c = connect(None).await.ok()?;
                let dropped = execute(&mut c, &sql).await;
                let _ = c.close().await;
                dropped.ok()
            })
        })
        .join();
        if !matches!(dropped, Ok(Some(()))) {
            eprintln!("warning: scratch schema {} was not dropped", self.name);
        }
    }
}
