//! The store contract on SQLite, plus the SQLite-only failure modes (corrupt file, locked
//! directory, append-only triggers).

use std::path::PathBuf;
use std::sync::Arc;

use async_trait::async_trait;
use guomen_store::contract::{self, Backend, Case, Tamper};
use guomen_store::{Change, NewEvent, Store, StoreError, StoreResult, Verification};
use guomen_store_sqlite::{DB_FILE, SqliteStore};
use guomen_testkit::{Failed, Trial};

struct SqliteBackend {
    dir: tempfile::TempDir,
}

impl SqliteBackend {
    fn db(&self) -> PathBuf {
        self.dir.path().join(DB_FILE)
    }
}

#[async_trait]
impl Backend for SqliteBackend {
    async fn open(&self) -> StoreResult<Arc<dyn Store>> {
        Ok(Arc::new(SqliteStore::open(self.dir.path())?))
    }

    /// What an administrator with file access could do: drop the append-only triggers, then
    /// edit rows directly.
    async fn tamper(&self, tamper: Tamper) -> Result<(), String> {
        let conn = rusqlite::Connection::open(self.db()).map_err(|e| e.to_string())?;
        conn.busy_timeout(std::time::Duration::from_secs(5))
            .map_err(|e| e.to_string())?;
        let sql = match tamper {
            Tamper::EditPayload { seq } => {
                format!("UPDATE journal SET payload = '{{\"i\":999}}' WHERE seq = {seq};")
            }
            Tamper::Delete { seq } => format!("DELETE FROM journal WHERE seq = {seq};"),
            Tamper::InsertCopy { at, from } => {
                let source = if from < at { from } else { from + 1 };
                format!(
                    "UPDATE journal SET seq = -(seq + 1) WHERE seq >= {at};
                     UPDATE journal SET seq = -seq WHERE seq < 0;
                     INSERT INTO journal SELECT {at}, time, actor, kind, payload, prev_hash, hash
                       FROM journal WHERE seq = {source};"
                )
            }
            Tamper::Swap { seq } => format!(
                "UPDATE journal SET seq = -1 WHERE seq = {seq};
                 UPDATE journal SET seq = {seq} WHERE seq = {seq} + 1;
                 UPDATE journal SET seq = {seq} + 1 WHERE seq = -1;"
            ),
        };
        conn.execute_batch(&format!(
            "DROP TRIGGER IF EXISTS journal_no_update; DROP TRIGGER IF EXISTS journal_no_delete;
             BEGIN; {sql} COMMIT;"
        ))
        .map_err(|e| e.to_string())
    }
}

fn runtime() -> Result<tokio::runtime::Runtime, Failed> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| Failed::from(format!("runtime: {e}")))
}

fn run_case(case: Case) -> Result<(), Failed> {
    let dir = tempfile::tempdir().map_err(|e| Failed::from(format!("tempdir: {e}")))?;
    let backend: Arc<dyn Backend> = Arc::new(SqliteBackend { dir });
    runtime()?.block_on(case(backend)).map_err(Failed::from)
}

fn garbage_file_is_corrupt() -> Result<(), Failed> {
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let db = dir.path().join(DB_FILE);
    std::fs::write(&db, "this is not a database, just text ".repeat(200))
        .map_err(|e| e.to_string())?;
    match SqliteStore::open(dir.path()) {
        Err(StoreError::Corrupt(m)) if m.contains(&db.display().to_string()) => Ok(()),
        other => Err(format!("want Corrupt naming {}, got {other:?}", db.display()).into()),
    }
}

fn two_stores_on_one_directory_keep_one_chain() -> Result<(), Failed> {
    let rt = runtime()?;
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let first = SqliteStore::open(dir.path()).map_err(|e| e.to_string())?;
    let second = SqliteStore::open(dir.path()).map_err(|e| format!("second open: {e}"))?;
    rt.block_on(async {
        for i in 0..20 {
            let store = if i % 2 == 0 { &first } else { &second };
            store
                .append(vec![Change::event(NewEvent::new(
                    "test.event",
                    "test",
                    serde_json::json!({ "i": i }),
                ))])
                .await
                .map_err(|e| format!("append {i}: {e}"))?;
        }
        match first.verify().await.map_err(|e| e.to_string())? {
            Verification::Intact { events: 20, .. } => {}
            other => return Err(format!("want an intact chain of 20, got {other:?}")),
        }
        first.close().await;
        second.close().await;
        Ok::<(), String>(())
    })?;
    Ok(())
}

fn missing_dir_is_created() -> Result<(), Failed> {
    let rt = runtime()?;
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let nested = dir.path().join("a/b/data");
    let store = SqliteStore::open(&nested).map_err(|e| e.to_string())?;
    rt.block_on(store.close());
    if nested.join(DB_FILE).is_file() {
        Ok(())
    } else {
        Err("guomen.db not created".into())
    }
}

fn journal_is_append_only() -> Result<(), Failed> {
    let rt = runtime()?;
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let store = SqliteStore::open(dir.path()).map_err(|e| e.to_string())?;
    rt.block_on(store.append(vec![guomen_store::Change::event(
        guomen_store::NewEvent::new("k", "system", serde_json::json!({})),
    )]))
    .map_err(|e| e.to_string())?;
    let conn = rusqlite::Connection::open(dir.path().join(DB_FILE)).map_err(|e| e.to_string())?;
    for sql in ["UPDATE journal SET actor = 'x'", "DELETE FROM journal"] {
        match conn.execute(sql, []) {
            Err(e) if e.to_string().contains("append-only") => {}
            other => return Err(format!("{sql}: want refusal, got {other:?}").into()),
        }
    }
    rt.block_on(store.close());
    Ok(())
}

fn main() {
    let mut trials: Vec<Trial> = contract::cases()
        .into_iter()
        .map(|(name, case)| Trial::test(format!("contract::{name}"), move || run_case(case)))
        .collect();
    trials.push(Trial::test(
        "garbage_file_is_corrupt",
        garbage_file_is_corrupt,
    ));
    trials.push(Trial::test(
        "two_stores_on_one_directory_keep_one_chain",
        two_stores_on_one_directory_keep_one_chain,
    ));
    trials.push(Trial::test(
        "missing_dir_is_created",
        missing_dir_is_created,
    ));
    trials.push(Trial::test(
        "journal_is_append_only",
        journal_is_append_only,
    ));
    guomen_testkit::run(trials)
}
