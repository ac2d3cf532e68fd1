//! The station on PostgreSQL: the same API flows as on SQLite, through `TestApp` over a
//! `PgStore` in a scratch schema. Where no PostgreSQL answers (`GUOMEN_TEST_POSTGRES`, default
//! `postgres://postgres@127.0.0.1:5432/test`), the trials are reported as ignored.

use guomen_domain::Role;
use guomen_server::config::ServeConfig;
use guomen_server::test_app::TestApp;
use guomen_store::Verification;
use guomen_store_postgres::PgStore;
use guomen_testkit::{Failed, Trial};
use serde_json::json;

const DEFAULT_URL: &str = "postgres://postgres@127.0.0.1:5432/test";

fn url() -> String {
    std::env::var("GUOMEN_TEST_POSTGRES").unwrap_or_else(|_| DEFAULT_URL.to_owned())
}

fn runtime() -> Result<tokio::runtime::Runtime, Failed> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| e.to_string().into())
}

async fn drop_schema(schema: &str) {
    if let Ok(pool) = sqlx::PgPool::connect(&url()).await {
        let _ = sqlx::query(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE"))
            .execute(&pool)
            .await;
        pool.close().await;
    }
}

fn duty_log_and_journal_on_postgres() -> Result<(), Failed> {
    let schema = format!("guomen_server_test_{}", std::process::id());
    runtime()?.block_on(async {
        let result = async {
            let store = PgStore::connect_with_schema(&url(), &schema)
                .await
                .map_err(|e| e.to_string())?;
            let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
            let app =
                TestApp::with_store(std::sync::Arc::new(store), ServeConfig::for_dir(dir.path()));
            let chief = app.user("chief", Role::DutyChief).await;
            let admin = app.user("admin", Role::Admin).await;
            for i in 0..20 {
                let r = app
                    .post(
                        "/api/v1/duty-log",
                        &chief,
                        json!({"text": format!("entry {i}")}),
                    )
                    .await;
                if r.status != 201 {
                    return Err(format!("duty log post: {} {}", r.status, r.text));
                }
            }
            let list = app.get("/api/v1/duty-log", &chief).await;
            if list.json.as_array().map(Vec::len) != Some(20) {
                return Err(format!("want 20 entries, got {}", list.text));
            }
            let ready = app
                .request(axum::http::Method::GET, "/readyz", None, None)
                .await;
            if ready.json["store"] != "postgres" {
                return Err(format!("readyz: {}", ready.text));
            }
            let journal = app.get("/api/v1/journal?limit=1000", &admin).await;
            let n = journal.json["events"].as_array().map(Vec::len).unwrap_or(0);
            if n < 24 {
                return Err(format!("journal has {n} events"));
            }
            match app.state.station.verify_journal().await.map_err(|e| e.to_string())? {
                Verification::Intact { .. } => {}
                other => return Err(format!("journal does not verify: {other:?}")),
            }
            app.state.station.close().await;
            Ok(())
        }
        .await;
        drop_schema(&schema).await;
        result
    })?;
    Ok(())
}

fn main() {
    // A bare connection, not a store: probing must not migrate anything.
    let unreachable = match runtime() {
        Ok(rt) => rt.block_on(async {
            match tokio::time::timeout(
                std::time::Duration::from_secs(5),
                sqlx::PgPool::connect(&url()),
            )
            .await
            {
                Ok(Ok(pool)) => {
                    pool.close().await;
                    None
                }
                Ok(Err(e)) => Some(e.to_string()),
                Err(_) => Some("connection timed out".to_owned()),
            }
        }),
        Err(e) => Some(format!("no runtime: {e:?}")),
    };
    let mut trial = Trial::test(
        "duty_log_and_journal_on_postgres",
        duty_log_and_journal_on_postgres,
    );
    if let Some(why) = unreachable {
        trial = trial
            .with_ignored_flag(true)
            .with_kind(format!("skipped: no PostgreSQL at {} ({why})", url()));
    }
    guomen_testkit::run(vec![trial]);
}
