//! A national list larger than a NATS message flows down in parts: a station applies it
//! whole, in one transaction, and ignores a release whose last part never came.
//!
//! Runs its own `nats-server` (JetStream in a temporary folder, a free port); skipped with the
//! reason where none is installed.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, Instant};

use async_nats::jetstream;
use guomen_domain::watchlist::{ListKind, WatchlistEntry};
use guomen_replicate::NatsTarget;
use guomen_replicate::watchlist::{
    Release, VERSION_CURSOR, WATCHLIST_SUBJECT, follow, publish, publish_in_parts_of,
};
use guomen_station::{Station, SystemClock};
use guomen_testkit::process::{Process, free_port};
use guomen_watchlist::{Format, Imported};
use tokio::sync::watch;

fn which_nats() -> Option<PathBuf> {
    let path = std::env::var("PATH").unwrap_or_default();
    path.split(':')
        .chain(["/usr/sbin", "/usr/local/sbin"])
        .map(|d| Path::new(d).join("nats-server"))
        .find(|p| p.is_file())
}

fn release(prefix: &str, n: usize) -> Release {
    let entries = (0..n)
        .map(|i| WatchlistEntry {
            id: format!("{prefix}{i}"),
            list: ListKind::Wanted,
            names: vec![format!("BATBAYAR TEMUULEN {prefix}{i}")],
            birth_dates: Vec::new(),
            sex: None,
            nationalities: vec!["MNG".into()],
            documents: Vec::new(),
            reason: "national warrant".into(),
            action: "arrest".into(),
            face_template: None,
        })
        .collect();
    Release::national(
        Imported {
            entries,
            warnings: Vec::new(),
            records: n as u64,
            skipped: 0,
            source: None,
        },
        ListKind::Wanted,
        Format::Csv,
    )
}

/// Waits (bounded) until the station screens against `version`.
async fn applied(station: &Station, version: u64) -> u64 {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let v = station.replication_cursor(VERSION_CURSOR).await.unwrap();
        if v >= version || Instant::now() > deadline {
            return v;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn national_ids(station: &Station) -> Vec<String> {
    let mut ids: Vec<String> = station
        .watchlist_entries()
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.id)
        .filter(|id| id.starts_with("national:"))
        .collect();
    ids.sort();
    ids
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_list_larger_than_a_message_arrives_whole_and_an_incomplete_one_never() {
    let Some(nats) = which_nats() else {
        eprintln!("skipped: no nats-server on PATH (Debian: apt-get install nats-server)");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let mut cmd = Command::new(nats);
    cmd.args(["-a", "127.0.0.1", "-p", &port.to_string(), "-js", "-sd"])
        .arg(dir.path().join("js"));
    let _server = Process::until_listening(
        "nats-server",
        cmd,
        format!("127.0.0.1:{port}").parse().unwrap(),
        Duration::from_secs(30),
    );
    let target = NatsTarget::parse(&format!("nats://127.0.0.1:{port}")).unwrap();

    let store =
        Arc::new(guomen_store_sqlite::SqliteStore::open(&dir.path().join("station")).unwrap());
    let station = Station::new(store, guomen_port::erenhot(), Arc::new(SystemClock));

    // 3,000 entries in parts of at most 16 KiB: dozens of messages.
    let big = release("n", 3000);
    let parts = big.split("probe", 16 * 1024).unwrap();
    assert!(parts.len() > 10, "{} parts", parts.len());
    let v1 = publish_in_parts_of(&target, &big, Some(16 * 1024))
        .await
        .unwrap();

    let (stop_tx, stop) = watch::channel(false);
    let js = jetstream::new(target.connect("test-station").await.unwrap());
    let follower = tokio::spawn(follow(station.clone(), js.clone(), "t1".into(), stop));
    assert_eq!(applied(&station, v1).await, v1);
    let ids = national_ids(&station).await;
    assert_eq!(ids.len(), 3000);
    assert!(ids.contains(&"national:n2999".to_owned()));

    // A release cut off half-way (its sender died): parts without their last. The station
    // keeps screening against the whole release it has.
    let cut = release("cut", 3000)
        .split("dead-sender", 16 * 1024)
        .unwrap();
    let mut first = None;
    for mut p in cut.into_iter().take(3) {
        p.first_seq = first;
        let ack = js
            .publish(WATCHLIST_SUBJECT, serde_json::to_vec(&p).unwrap().into())
            .await
            .unwrap()
            .await
            .unwrap();
        first.get_or_insert(ack.sequence);
    }
    // Then a small release of one message replaces the list.
    let v2 = publish(&target, &release("s", 7)).await.unwrap();
    assert!(v2 > v1 + 3);
    assert_eq!(applied(&station, v2).await, v2);
    let ids = national_ids(&station).await;
    let want: Vec<String> = (0..7).map(|i| format!("national:s{i}")).collect();
    assert_eq!(ids, want);

    let _ = stop_tx.send(true);
    let _ = follower.await;
}
