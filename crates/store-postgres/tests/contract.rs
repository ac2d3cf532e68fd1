//! The store contract on PostgreSQL (see `guomen_testkit::pg` for which database), each case in
//! a fresh schema dropped afterwards. Where no PostgreSQL answers, every case is reported as
//! ignored with the reason.

use std::sync::Arc;
use std::time::{Duration, Instant};

use async_trait::async_trait;
use guomen_store::contract::{self, Backend, Case, Tamper};
use guomen_store::{Change, NewEvent, Store, StoreError, StoreResult, Verification};
use guomen_store_postgres::PgStore;
use guomen_testkit::pg::{Schema, connect as raw, execute as exec, runtime, url};
use guomen_testkit::{Failed, Trial};

/// The prefix of every scratch schema of these tests.
const PREFIX: &str = "guomen_test";

struct PgBackend {
    schema: String,
}

#[async_trait]
impl Backend for PgBackend {
    async fn open(&self) -> StoreResult<Arc<dyn Store>> {
        Ok(Arc::new(
            PgStore::connect_with_schema(&url(), &self.schema).await?,
        ))
    }

    /// What the table owner could do: disable the append-only trigger, then edit rows.
    async fn tamper(&self, tamper: Tamper) -> Result<(), String> {
        let mut c = raw(Some(&self.schema)).await?;
        let statements: Vec<String> = match tamper {
            Tamper::EditPayload { seq } => {
                vec![format!(
                    "UPDATE journal SET payload = '{{\"i\":999}}' WHERE seq = {seq}"
                )]
            }
            Tamper::Delete { seq } => vec![format!("DELETE FROM journal WHERE seq = {seq}")],
            Tamper::InsertCopy { at, from } => {
                let source = if from < at { from } else { from + 1 };
                vec![
                    format!("UPDATE journal SET seq = -(seq + 1) WHERE seq >= {at}"),
                    "UPDATE journal SET seq = -seq WHERE seq < 0".into(),
                    format!(
                        "INSERT INTO journal SELECT {at}, time, actor, kind, payload, prev_hash, \
                         hash FROM journal WHERE seq = {source}"
                    ),
                ]
            }
            Tamper::Swap { seq } => vec![
                format!("UPDATE journal SET seq = -1 WHERE seq = {seq}"),
                format!("UPDATE journal SET seq = {seq} WHERE seq = {seq} + 1"),
                format!("UPDATE journal SET seq = {seq} + 1 WHERE seq = -1"),
            ],
        };
        exec(
            &mut c,
            "ALTER TABLE journal DISABLE TRIGGER journal_append_only",
        )
        .await?;
        exec(&mut c, "BEGIN").await?;
        for s in &statements {
            exec(&mut c, s).await?;
        }
        exec(&mut c, "COMMIT").await?;
        exec(
            &mut c,
            "ALTER TABLE journal ENABLE TRIGGER journal_append_only",
        )
        .await
    }
}

fn run_case(case: Case) -> Result<(), Failed> {
    let schema = Schema::fresh(PREFIX);
    let backend: Arc<dyn Backend> = Arc::new(PgBackend {
        schema: schema.name().to_owned(),
    });
    runtime()?.block_on(case(backend)).map_err(Failed::from)
}

/// Two stores (as two server processes would be) on one schema build one chain.
async fn two_writers_one_chain() -> Result<(), String> {
    let scratch = Schema::fresh(PREFIX);
    let schema = scratch.name();
    {
        let a = PgStore::connect_with_schema(&url(), schema)
            .await
            .map_err(|e| e.to_string())?;
        let b = PgStore::connect_with_schema(&url(), schema)
            .await
            .map_err(|e| e.to_string())?;
        let mut handles = Vec::new();
        for i in 0..40u32 {
            let s = if i % 2 == 0 { a.clone() } else { b.clone() };
            handles.push(tokio::spawn(async move {
                for j in 0..10u32 {
                    s.append(vec![Change::event(NewEvent::new(
                        "test.event",
                        "system",
                        serde_json::json!({"i": i, "j": j}),
                    ))])
                    .await?;
                }
                Ok::<_, StoreError>(())
            }));
        }
        for h in handles {
            h.await
                .map_err(|e| e.to_string())?
                .map_err(|e| e.to_string())?;
        }
        match a.verify().await.map_err(|e| e.to_string())? {
            Verification::Intact { events: 400, .. } => {}
            other => return Err(format!("want 400 intact events, got {other:?}")),
        }
        a.close().await;
        b.close().await;
        Ok(())
    }
}

async fn append_only_trigger() -> Result<(), String> {
    let scratch = Schema::fresh(PREFIX);
    let schema = scratch.name();
    {
        let s = PgStore::connect_with_schema(&url(), schema)
            .await
            .map_err(|e| e.to_string())?;
        s.append(vec![Change::event(NewEvent::new(
            "k",
            "system",
            serde_json::json!({}),
        ))])
        .await
        .map_err(|e| e.to_string())?;
        s.close().await;
        let mut c = raw(Some(schema)).await?;
        for sql in [
            "UPDATE journal SET actor = 'x'",
            "DELETE FROM journal",
            "TRUNCATE journal",
        ] {
            match exec(&mut c, sql).await {
                Err(e) if e.contains("append-only") => {}
                other => return Err(format!("{sql}: want refusal, got {other:?}")),
            }
        }
        Ok(())
    }
}

fn unreachable_is_unavailable() -> Result<(), Failed> {
    let rt = runtime()?;
    let started = Instant::now();
    let r = rt.block_on(PgStore::connect("postgres://postgres@127.0.0.1:1/test"));
    let elapsed = started.elapsed();
    match r {
        Err(StoreError::Unavailable(m)) if m.contains("127.0.0.1:1") => {}
        other => return Err(format!("want Unavailable naming 127.0.0.1:1, got {other:?}").into()),
    }
    if elapsed > Duration::from_secs(10) {
        return Err(format!("took {elapsed:?} to give up").into());
    }
    let r = rt.block_on(PgStore::connect("not a url"));
    if !matches!(r, Err(StoreError::Invalid(_))) {
        return Err(format!("bad URL: want Invalid, got {r:?}").into());
    }
    let r = rt.block_on(PgStore::connect_with_schema(&url(), "Robert'); DROP"));
    if !matches!(r, Err(StoreError::Invalid(_))) {
        return Err(format!("bad schema: want Invalid, got {r:?}").into());
    }
    Ok(())
}

fn main() {
    let mut trials: Vec<Trial> = contract::cases()
        .into_iter()
        .map(|(name, case)| Trial::test(format!("contract::{name}"), move || run_case(case)))
        .collect();
    trials.push(Trial::test("two_writers_one_chain", || {
        runtime()?
            .block_on(two_writers_one_chain())
            .map_err(Failed::from)
    }));
    trials.push(Trial::test("append_only_trigger", || {
        runtime()?
            .block_on(append_only_trigger())
            .map_err(Failed::from)
    }));
    let mut trials = guomen_testkit::pg::gate(trials);
    // Needs no database: it checks the errors when there is none.
    trials.push(Trial::test(
        "unreachable_is_unavailable",
        unreachable_is_unavailable,
    ));
    guomen_testkit::run(trials)
}
