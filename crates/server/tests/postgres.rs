//! The station on PostgreSQL: the same API flows as on SQLite, through `TestApp` over a
//! `PgStore` in a scratch schema. Where no PostgreSQL answers (see `guomen_testkit::pg`), the
//! trials are reported as ignored.

use guomen_domain::Role;
use guomen_server::config::ServeConfig;
use guomen_server::test_app::TestApp;
use guomen_store::Verification;
use guomen_store_postgres::PgStore;
use guomen_testkit::pg::{Schema, runtime, url};
use guomen_testkit::{Failed, Trial};
use serde_json::json;

fn duty_log_and_journal_on_postgres() -> Result<(), Failed> {
    let schema = Schema::fresh("guomen_server_test");
    runtime()?.block_on(async {
        let store = PgStore::connect_with_schema(&url(), schema.name())
            .await
            .map_err(|e| e.to_string())?;
        let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
        let app = TestApp::with_store(std::sync::Arc::new(store), ServeConfig::for_dir(dir.path()));
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
        match app
            .state
            .station
            .verify_journal()
            .await
            .map_err(|e| e.to_string())?
        {
            Verification::Intact { .. } => {}
            other => return Err(format!("journal does not verify: {other:?}")),
        }
        app.state.station.close().await;
        Ok::<(), String>(())
    })?;
    Ok(())
}

fn main() {
    guomen_testkit::run(guomen_testkit::pg::gate(vec![Trial::test(
        "duty_log_and_journal_on_postgres",
        duty_log_and_journal_on_postgres,
    )]));
}
