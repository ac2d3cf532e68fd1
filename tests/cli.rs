//! The `guomen` binary as operators use it: help, port check, users, journal verify, and clear
//! errors for bad configuration and unusable stores.

mod support;

use std::path::Path;

use support::{bin, guomen};

fn text(out: &std::process::Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

#[test]
fn help_shows_layers_environment_and_defaults() {
    let top = guomen().arg("--help").output().unwrap();
    let t = text(&top);
    assert!(top.status.success());
    assert!(
        t.contains("GUOMEN_CONFIG") && t.contains("defaults < config file"),
        "{t}"
    );
    let serve = guomen().args(["serve", "--help"]).output().unwrap();
    let s = text(&serve);
    for needle in [
        "GUOMEN_DATA",
        "GUOMEN_LISTEN",
        "GUOMEN_DATABASE",
        "127.0.0.1:8080",
        "./guomen-data",
    ] {
        assert!(s.contains(needle), "serve --help lacks {needle}:\n{s}");
    }
}

fn workspace_file(rel: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join(rel)
        .display()
        .to_string()
}

#[test]
fn port_check_accepts_the_sample_and_names_file_and_line_of_errors() {
    let ok = guomen()
        .args([
            "port",
            "check",
            &workspace_file("crates/port/ports/erenhot/port.toml"),
        ])
        .output()
        .unwrap();
    assert!(ok.status.success(), "{}", text(&ok));
    assert!(text(&ok).contains("valid"));
    let bad = guomen()
        .args([
            "port",
            "check",
            &workspace_file("crates/port/tests/bad/duplicate_ids.toml"),
        ])
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(1), "{}", text(&bad));
    let t = text(&bad);
    assert!(
        t.contains("duplicate_ids.toml:") && t.contains("duplicate"),
        "{t}"
    );
    let missing = guomen()
        .args(["port", "check", "/nonexistent/port.toml"])
        .output()
        .unwrap();
    assert_eq!(missing.status.code(), Some(1));
    assert!(text(&missing).contains("/nonexistent/port.toml"));
}

#[test]
fn journal_verify_names_the_first_tampered_event() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    bin().add_user(&data, "admin", "admin", "password-admin");
    bin().add_user(&data, "chief", "duty_chief", "password-chief");
    let data_s = data.to_str().unwrap();
    let ok = guomen()
        .args(["journal", "verify", "--data", data_s])
        .output()
        .unwrap();
    assert!(ok.status.success(), "{}", text(&ok));
    assert!(text(&ok).contains("intact"));

    let db = rusqlite::Connection::open(data.join("guomen.db")).unwrap();
    db.execute_batch(
        "DROP TRIGGER journal_no_update; \
         UPDATE journal SET payload = replace(payload, 'chief', 'chef') WHERE seq = 3;",
    )
    .unwrap();
    drop(db);
    let broken = guomen()
        .args(["journal", "verify", "--data", data_s])
        .output()
        .unwrap();
    assert_eq!(broken.status.code(), Some(1), "{}", text(&broken));
    assert!(text(&broken).contains("seq 3"), "{}", text(&broken));
}

/// Issue 12: a token (or a role) written into the tables by SQL, behind the station's back,
/// makes `journal verify` fail and say what differs.
#[test]
fn journal_verify_catches_accounts_changed_behind_the_stations_back() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    bin().add_user(&data, "admin", "admin", "password-admin");
    bin().add_user(&data, "chief", "duty_chief", "password-chief");
    let data_s = data.to_str().unwrap();
    let verify = || {
        guomen()
            .args(["journal", "verify", "--data", data_s])
            .output()
            .unwrap()
    };
    let ok = verify();
    assert!(ok.status.success(), "{}", text(&ok));
    assert!(
        text(&ok).contains("users and tokens agree"),
        "{}",
        text(&ok)
    );

    let db = rusqlite::Connection::open(data.join("guomen.db")).unwrap();
    db.execute(
        "INSERT INTO tokens (id, user_id, hash, label, created, revoked) \
         SELECT 'planted', user_id, 'ab' || substr(hash, 3), 'backdoor', created, 0 FROM tokens \
         WHERE user_id = (SELECT id FROM users WHERE name = 'chief') LIMIT 1",
        [],
    )
    .unwrap();
    drop(db);
    let planted = verify();
    let t = text(&planted);
    assert_eq!(planted.status.code(), Some(1), "{t}");
    assert!(
        t.contains("token planted (user `chief`, label \"backdoor\") is in the tokens table but was never journaled"),
        "{t}"
    );
    // The chain itself is intact: only the comparison tells.
    assert!(t.contains("journal intact"), "{t}");

    let db = rusqlite::Connection::open(data.join("guomen.db")).unwrap();
    db.execute_batch(
        "DELETE FROM tokens WHERE id = 'planted'; \
         UPDATE users SET role = 'admin' WHERE name = 'chief'; \
         UPDATE tokens SET hash = 'cd' || substr(hash, 3) \
           WHERE user_id = (SELECT id FROM users WHERE name = 'admin');",
    )
    .unwrap();
    drop(db);
    let changed = verify();
    let t = text(&changed);
    assert_eq!(changed.status.code(), Some(1), "{t}");
    assert!(
        t.contains("role is admin in the table, duty_chief in the journal"),
        "{t}"
    );
    assert!(t.contains("(user `admin`): hash is cd"), "{t}");
}

/// `guomen device add` provisions a unit's terminal (journaled), refuses what is wrong, and
/// `guomen device reset` names the terminal it reset.
#[test]
fn device_add_and_reset_provision_terminals() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let data_s = data.to_str().unwrap();
    let add = |unit: &str, phone: &str| {
        guomen()
            .args([
                "device",
                "add",
                "--unit",
                unit,
                "--terminal-id",
                phone,
                "--manufacturer",
                "70111",
                "--model",
                "BD-T808",
                "--plate",
                "蒙H·J0101",
                "--data",
                data_s,
            ])
            .output()
            .unwrap()
    };
    let ok = add("rrt-1", "014790000199");
    assert!(ok.status.success(), "{}", text(&ok));
    assert!(
        text(&ok).contains("terminal 014790000199 provisioned"),
        "{}",
        text(&ok)
    );
    for (unit, phone, says) in [
        ("nope", "014790000198", "no unit `nope`"),
        ("rrt-1", "0147-9000", "12 digits"),
        ("rrt-1", "014790000102", "unit `rrt-2`'s"),
    ] {
        let bad = add(unit, phone);
        assert!(!bad.status.success(), "{unit} {phone}: {}", text(&bad));
        assert!(text(&bad).contains(says), "{unit} {phone}: {}", text(&bad));
    }
    let reset = guomen()
        .args(["device", "reset", "014790000199", "--data", data_s])
        .output()
        .unwrap();
    assert!(reset.status.success(), "{}", text(&reset));
    assert!(
        text(&reset).contains("(unit rrt-1) reset"),
        "{}",
        text(&reset)
    );
    // The port file's number is rrt-1's no more.
    let old = guomen()
        .args(["device", "reset", "014790000101", "--data", data_s])
        .output()
        .unwrap();
    assert!(!old.status.success());
    assert!(text(&old).contains("not provisioned"), "{}", text(&old));
    let journal = guomen()
        .args(["journal", "verify", "--data", data_s])
        .output()
        .unwrap();
    assert!(journal.status.success(), "{}", text(&journal));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_user_added_while_the_station_runs_can_log_in() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let server = bin().serve(&data, &[]);
    bin().add_user(&data, "wang.li", "inspector", "counter-7-password");
    let resp = reqwest::Client::new()
        .post(format!("{}/auth/login", server.base))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("username=wang.li&password=counter-7-password")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert!(server.stop().success());
    bin().assert_journal_verifies(&data);
}

#[test]
fn unusable_stores_and_configs_get_clear_errors() {
    let unreachable = guomen()
        .args([
            "journal",
            "verify",
            "--database",
            "postgres://postgres@127.0.0.1:1/test",
        ])
        .output()
        .unwrap();
    assert_eq!(unreachable.status.code(), Some(2));
    assert!(
        text(&unreachable).contains("127.0.0.1:1"),
        "{}",
        text(&unreachable)
    );

    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("guomen.db"), "not a database ".repeat(300)).unwrap();
    let corrupt = guomen()
        .args(["journal", "verify", "--data", dir.path().to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(corrupt.status.code(), Some(2));
    assert!(text(&corrupt).contains("corrupt"), "{}", text(&corrupt));

    let cfg = dir.path().join("guomen.toml");
    std::fs::write(&cfg, "lisen = \"127.0.0.1:1\"\n").unwrap();
    let typo = guomen()
        .args(["--config", cfg.to_str().unwrap(), "serve"])
        .output()
        .unwrap();
    assert_eq!(typo.status.code(), Some(2));
    assert!(text(&typo).contains("lisen"), "{}", text(&typo));

    let bad_url = guomen()
        .args(["journal", "verify", "--database", "mysql://x"])
        .output()
        .unwrap();
    assert_eq!(bad_url.status.code(), Some(2));
    assert!(text(&bad_url).contains("postgres://"));
}

#[test]
fn a_partner_user_belongs_to_an_agency() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().to_str().unwrap();
    let added = guomen()
        .args([
            "user",
            "add",
            "customs-desk",
            "--role",
            "partner",
            "--agency",
            "customs",
        ])
        .args(["--data", data])
        .output()
        .unwrap();
    assert!(added.status.success(), "{}", text(&added));
    let missing = guomen()
        .args([
            "user",
            "add",
            "nobody-desk",
            "--role",
            "partner",
            "--data",
            data,
        ])
        .output()
        .unwrap();
    assert!(!missing.status.success());
    assert!(
        text(&missing).contains("needs an `agency`"),
        "{}",
        text(&missing)
    );
    let list = guomen()
        .args(["user", "list", "--data", data])
        .output()
        .unwrap();
    let t = text(&list);
    assert!(t.contains("customs-desk\tpartner\tcustoms"), "{t}");
    assert!(!t.contains("nobody-desk"), "{t}");
}

#[test]
fn a_carrier_belongs_to_an_organisation_and_a_device_has_scopes() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().to_str().unwrap();
    let run = |args: &[&str]| {
        guomen()
            .args(["user", "add"])
            .args(args)
            .args(["--data", data])
            .output()
            .unwrap()
    };
    let carrier = run(&[
        "railway-ops",
        "--role",
        "carrier",
        "--organisation",
        "China Railway Hohhot",
    ]);
    assert!(carrier.status.success(), "{}", text(&carrier));
    let orphan = run(&["lonely-carrier", "--role", "carrier"]);
    assert!(!orphan.status.success());
    assert!(
        text(&orphan).contains("needs an `organisation`"),
        "{}",
        text(&orphan)
    );
    let device = run(&[
        "fence-gw",
        "--role",
        "device",
        "--scope",
        "unit:rrt-1,sensor:F-07",
    ]);
    assert!(device.status.success(), "{}", text(&device));
    let bad_kind = run(&["gate-gw", "--role", "device", "--scope", "gate:1"]);
    assert!(!bad_kind.status.success());
    assert!(
        text(&bad_kind).contains("unknown scope kind `gate`"),
        "{}",
        text(&bad_kind)
    );
    let scoped_person = run(&["chief-2", "--role", "duty_chief", "--scope", "*"]);
    assert!(!scoped_person.status.success());
    assert!(text(&scoped_person).contains("only a device user has scopes"));
    let list = guomen()
        .args(["user", "list", "--data", data])
        .output()
        .unwrap();
    let t = text(&list);
    assert!(
        t.contains("railway-ops\tcarrier\tChina Railway Hohhot"),
        "{t}"
    );
    assert!(
        t.contains("fence-gw\tdevice\tsensor:F-07,unit:rrt-1"),
        "{t}"
    );
}

#[test]
fn tls_self_signed_writes_a_pair_and_plain_http_on_the_lan_is_refused_with_the_reason() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("tls");
    let made = guomen()
        .args([
            "tls",
            "self-signed",
            "--host",
            "station.lan",
            "--out",
            out.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert!(made.status.success(), "{}", text(&made));
    let cert = std::fs::read_to_string(out.join("cert.pem")).unwrap();
    let key = std::fs::read_to_string(out.join("key.pem")).unwrap();
    assert!(cert.starts_with("-----BEGIN CERTIFICATE-----"), "{cert}");
    assert!(key.contains("PRIVATE KEY"));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(out.join("key.pem"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o077, 0, "the key is readable by its owner only");
    }

    let data = dir.path().join("data");
    let lan = guomen()
        .args([
            "serve",
            "--data",
            data.to_str().unwrap(),
            "--listen",
            "0.0.0.0:0",
            "--jt808-listen",
            "off",
            "--nmea-listen",
            "off",
            "--mqtt-listen",
            "off",
        ])
        .output()
        .unwrap();
    assert_eq!(lan.status.code(), Some(2));
    let why = text(&lan);
    assert!(
        why.contains("--insecure-http")
            && why.contains("--tls-cert")
            && why.contains("unencrypted"),
        "{why}"
    );
    // A key without its certificate is a usage error, not a silent plain-HTTP station.
    let half = guomen()
        .args(["serve", "--tls-key", out.join("key.pem").to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(half.status.code(), Some(2));
    assert!(text(&half).contains("--tls-cert"), "{}", text(&half));
}

/// `guomen user add --role inspector --grade auxiliary` stores the grade (listed, journaled:
/// a grade changed behind the station's back is named by `journal verify`); only inspectors
/// have one, and an unknown grade is refused.
#[test]
fn an_inspector_has_a_grade_and_a_changed_grade_is_caught() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().to_str().unwrap();
    let run = |args: &[&str]| guomen().args(args).args(["--data", data]).output().unwrap();
    let aux = run(&[
        "user",
        "add",
        "aux-bao",
        "--role",
        "inspector",
        "--grade",
        "auxiliary",
    ]);
    assert!(aux.status.success(), "{}", text(&aux));
    let officer = run(&["user", "add", "li", "--role", "inspector"]);
    assert!(officer.status.success(), "{}", text(&officer));
    let bad = run(&[
        "user",
        "add",
        "x",
        "--role",
        "inspector",
        "--grade",
        "general",
    ]);
    assert!(!bad.status.success());
    assert!(
        text(&bad).contains("unknown grade `general`"),
        "{}",
        text(&bad)
    );
    let chief = run(&["user", "add", "c", "--role", "duty_chief", "--grade", "nco"]);
    assert!(!chief.status.success());
    assert!(
        text(&chief).contains("only an inspector user has a `grade`"),
        "{}",
        text(&chief)
    );
    let t = text(&run(&["user", "list"]));
    assert!(t.contains("aux-bao\tinspector\tgrade auxiliary"), "{t}");
    assert!(t.contains("li\tinspector\tgrade officer"), "{t}");

    let ok = run(&["journal", "verify"]);
    assert!(ok.status.success(), "{}", text(&ok));
    let db = rusqlite::Connection::open(dir.path().join("guomen.db")).unwrap();
    db.execute(
        "UPDATE users SET grade = 'officer' WHERE name = 'aux-bao'",
        [],
    )
    .unwrap();
    drop(db);
    let changed = run(&["journal", "verify"]);
    let t = text(&changed);
    assert_eq!(changed.status.code(), Some(1), "{t}");
    assert!(
        t.contains("grade is officer in the table, auxiliary in the journal"),
        "{t}"
    );
}
