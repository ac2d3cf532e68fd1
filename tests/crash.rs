//! Durability: acknowledged writes survive a SIGKILL of the server mid-stream, and the journal
//! verifies afterwards.

mod support;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use support::bin;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acknowledged_duty_log_entries_survive_sigkill() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let token = bin().add_user(&data, "chief", "duty_chief", "password-chief");
    let server = bin().serve(&data, &[]);
    let base = server.base.clone();
    let acknowledged: Arc<Mutex<Vec<String>>> = Arc::default();
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(5))
        .build()
        .unwrap();
    let mut writers = Vec::new();
    for w in 0..8 {
        let (client, base, token, acked) = (
            client.clone(),
            base.clone(),
            token.clone(),
            acknowledged.clone(),
        );
        writers.push(tokio::spawn(async move {
            for n in 0.. {
                let text = format!("writer {w} entry {n}");
                let resp = client
                    .post(format!("{base}/api/v1/duty-log"))
                    .bearer_auth(&token)
                    .json(&serde_json::json!({ "text": text }))
                    .send()
                    .await;
                match resp {
                    Ok(r) if r.status() == 201 => acked.lock().unwrap().push(text),
                    Ok(r) => panic!("unexpected status {}", r.status()),
                    Err(_) => break, // the server is gone
                }
            }
        }));
    }
    // Let the writers get going, then pull the plug.
    loop {
        tokio::time::sleep(Duration::from_millis(50)).await;
        if acknowledged.lock().unwrap().len() >= 300 {
            break;
        }
    }
    server.kill_hard();
    for w in writers {
        w.await.unwrap();
    }
    let acked = acknowledged.lock().unwrap().clone();
    assert!(acked.len() >= 300);

    let server = bin().serve(&data, &[]);
    let mut stored = std::collections::HashSet::new();
    let mut before: Option<u64> = None;
    loop {
        let mut url = format!("{}/api/v1/duty-log?limit=1000", server.base);
        if let Some(b) = before {
            url.push_str(&format!("&before={b}"));
        }
        let page: Vec<serde_json::Value> = client
            .get(url)
            .bearer_auth(&token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        if page.is_empty() {
            break;
        }
        before = page.last().and_then(|e| e["seq"].as_u64());
        stored.extend(page.iter().map(|e| e["text"].as_str().unwrap().to_owned()));
    }
    let lost: Vec<&String> = acked.iter().filter(|t| !stored.contains(*t)).collect();
    assert!(
        lost.is_empty(),
        "{} acknowledged entries lost, e.g. {:?}",
        lost.len(),
        lost.first()
    );
    assert!(server.stop().success());

    bin().assert_journal_verifies(&data);
}
