//! `guomen journal anchor` and `guomen journal verify --anchor`: a signed checkpoint outside
//! the database catches what the chain alone cannot — a truncated tail and an edit whose
//! author re-hashed every later event.

mod support;

use std::path::Path;
use std::process::Output;

use guomen_store::chain_hash;
use support::{bin, guomen};

fn run(args: &[&str]) -> Output {
    guomen().args(args).output().expect("guomen runs")
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        if e.file_type().unwrap().is_file() && e.file_name() != "guomen.lock" {
            std::fs::copy(e.path(), to.join(e.file_name())).unwrap();
        }
    }
}

/// Raw SQL behind the station's back, as someone with file access could run it.
fn tamper(data: &Path, f: impl FnOnce(&rusqlite::Connection)) {
    let c = rusqlite::Connection::open(data.join("guomen.db")).unwrap();
    c.execute_batch(
        "DROP TRIGGER IF EXISTS journal_no_update; DROP TRIGGER IF EXISTS journal_no_delete;",
    )
    .unwrap();
    f(&c);
}

fn verify(data: &Path, anchor: &Path, key: &Path) -> Output {
    run(&[
        "journal",
        "verify",
        "--data",
        data.to_str().unwrap(),
        "--anchor",
        anchor.to_str().unwrap(),
        "--pubkey",
        &format!("{}.pub", key.display()),
    ])
}

#[test]
fn an_anchor_catches_a_truncated_tail_and_a_rehashed_edit() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    for name in ["wang", "li", "zhao"] {
        bin().add_user(&data, name, "inspector", "password-long-enough");
    }
    let key = dir.path().join("station.key");
    let anchor = dir.path().join("anchor.json");
    let made = run(&[
        "journal",
        "anchor",
        "--key",
        key.to_str().unwrap(),
        "--out",
        anchor.to_str().unwrap(),
        "--data",
        data.to_str().unwrap(),
    ]);
    assert!(made.status.success(), "{}", text(&made));
    assert!(key.exists() && dir.path().join("station.key.pub").exists());
    let a: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&anchor).unwrap()).unwrap();
    let head = a["seq"].as_u64().unwrap();
    assert_eq!(head, 6, "three users, each with a token: {a}");

    let ok = verify(&data, &anchor, &key);
    assert!(ok.status.success(), "{}", text(&ok));
    assert!(text(&ok).contains("anchor holds"), "{}", text(&ok));

    // The last event cut off: the chain alone still verifies, the anchor does not.
    let cut = dir.path().join("cut");
    copy_dir(&data, &cut);
    tamper(&cut, |c| {
        c.execute("DELETE FROM journal WHERE seq = ?1", [head as i64])
            .unwrap();
    });
    let plain = run(&["journal", "verify", "--data", cut.to_str().unwrap()]);
    assert!(text(&plain).contains("journal intact"), "{}", text(&plain));
    // Without the anchor only the accounts comparison notices: the cut event issued a token
    // the tokens table still holds.
    assert!(
        text(&plain).contains("is in the tokens table but was never journaled"),
        "{}",
        text(&plain)
    );
    let caught = verify(&cut, &anchor, &key);
    assert_eq!(caught.status.code(), Some(1), "{}", text(&caught));
    assert!(
        text(&caught).contains(&format!("BROKEN at seq {head}: truncated")),
        "{}",
        text(&caught)
    );

    // An event edited and every later hash recomputed: the chain verifies, the anchor not.
    let rehashed = dir.path().join("rehashed");
    copy_dir(&data, &rehashed);
    tamper(&rehashed, |c| {
        let rows: Vec<(i64, String, String, String, String)> = c
            .prepare("SELECT seq, time, actor, kind, payload FROM journal ORDER BY seq")
            .unwrap()
            .query_map([], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
            })
            .unwrap()
            .map(Result::unwrap)
            .collect();
        let mut prev = guomen_store::GENESIS_HASH.to_owned();
        for (seq, time, actor, kind, mut payload) in rows {
            if seq == 2 {
                payload = payload.replace("wang", "ghost");
            }
            let hash = chain_hash(&prev, seq as u64, &time, &actor, &kind, &payload);
            c.execute(
                "UPDATE journal SET payload = ?1, prev_hash = ?2, hash = ?3 WHERE seq = ?4",
                rusqlite::params![payload, prev, hash, seq],
            )
            .unwrap();
            prev = hash;
        }
    });
    let plain = run(&["journal", "verify", "--data", rehashed.to_str().unwrap()]);
    assert!(
        plain.status.success(),
        "the re-hashed chain verifies alone: {}",
        text(&plain)
    );
    let caught = verify(&rehashed, &anchor, &key);
    assert_eq!(caught.status.code(), Some(1), "{}", text(&caught));
    assert!(
        text(&caught).contains(&format!("BROKEN at seq {head}")),
        "{}",
        text(&caught)
    );

    // Someone else's key does not vouch for the anchor.
    let other = dir.path().join("other.key");
    let made = run(&[
        "journal",
        "anchor",
        "--key",
        other.to_str().unwrap(),
        "--out",
        dir.path().join("other.json").to_str().unwrap(),
        "--data",
        data.to_str().unwrap(),
    ]);
    assert!(made.status.success(), "{}", text(&made));
    let refused = verify(&data, &anchor, &other);
    assert_eq!(refused.status.code(), Some(1), "{}", text(&refused));
    assert!(text(&refused).contains("signature does not verify"));
}
