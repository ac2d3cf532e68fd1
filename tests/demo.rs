//! `guomen demo`: simulated hours through the station's real interfaces in under a minute, on
//! the station's simulated clock (the link failure of the day is detected and recovers, no
//! simulated report is refused as out of order or from the future), a quiet terminal and a log
//! file without errors; then the same data directory served again shows what the demo did,
//! and the journal verifies.
//!
//! The demo skips (and names) every part whose route the station does not serve; this test
//! checks each part whose route exists, so it tightens by itself as routes arrive.

mod support;

use std::process::Stdio;
use std::time::{Duration, Instant};

use serde_json::Value;
use support::{bin, guomen};

/// Long enough for seed 7's primary link failure (silent from 07:20 for 40 simulated
/// minutes) to be detected and to recover.
const SIM_HOURS: &str = "2.2";

/// One demo at a time: each is a whole station and its simulated field, and the machine has
/// two cores.
static ONE_DEMO: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());
const SPEED: &str = "720";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn simulated_hours_show_through_the_api_and_the_journal_verifies() {
    let _one = ONE_DEMO.lock().await;
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let started = Instant::now();
    let out = guomen()
        .args([
            "demo",
            "--exit",
            "--hours",
            SIM_HOURS,
            "--speed",
            SPEED,
            "--seed",
            "7",
            "--listen",
            "127.0.0.1:0",
            "--data",
            data.to_str().unwrap(),
        ])
        // Protocol edges on free ports (ignored by a station that has none).
        .env("GUOMEN_JT808_LISTEN", "127.0.0.1:0")
        .env("GUOMEN_NMEA_LISTEN", "off")
        .env("GUOMEN_MQTT_LISTEN", "off")
        // The log file gets info and above (refusals are logged at info).
        .env("GUOMEN_LOG", "info")
        .stdin(Stdio::null())
        .output()
        .expect("guomen demo runs");
    let wall = started.elapsed();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "demo failed: {}\n{stdout}\n{stderr}",
        out.status
    );
    // The day plays at up to SPEED: slower when the station cannot answer the links'
    // heartbeats in time (the demo's clock waits for them), as on a loaded machine. Only a
    // bound against a hang: the suite times nothing.
    assert!(
        wall < Duration::from_secs(600),
        "{SIM_HOURS} simulated hours took {wall:?}"
    );
    println!("{stdout}");
    eprintln!("{stderr}");
    let lines = stdout.lines().count() + stderr.lines().count();
    assert!(lines < 80, "{lines} lines on the terminal");
    // Without a terminal the progress bar does not draw: a line at each tenth of the day
    // shows the run moving instead.
    let progress = stdout
        .lines()
        .filter(|l| l.contains("% ") && l.contains("crossings") && l.contains("dispatches"))
        .count();
    assert!(
        (5..=11).contains(&progress),
        "{progress} progress lines:\n{stdout}"
    );
    assert!(
        !stdout.contains("ERROR") && !stderr.contains("ERROR"),
        "an error on the terminal"
    );
    // The protocol edges follow GUOMEN_*_LISTEN as `serve` does.
    assert!(stdout.contains("jt808 listening on 127.0.0.1:"), "{stdout}");
    assert!(!stdout.contains("nmea listening"), "{stdout}");
    assert!(!stdout.contains("mqtt listening"), "{stdout}");
    let log_line = stdout
        .lines()
        .find(|l| l.starts_with("station log"))
        .expect("the log file is named");
    let log_path = data.join("logs").join("guomen.log");
    assert!(log_line.ends_with(log_path.to_str().unwrap()), "{log_line}");
    let log = std::fs::read_to_string(&log_path).expect("the station's log file");
    assert!(log.contains("INFO"), "the log file holds info lines");
    for bad in [" ERROR ", "out_of_order", "clock_skew", "too_old"] {
        assert!(
            !log.contains(bad),
            "the log holds `{bad}`:\n{}",
            log.lines()
                .filter(|l| l.contains(bad))
                .take(5)
                .collect::<Vec<_>>()
                .join("\n")
        );
    }

    let last = stdout.lines().last().expect("a summary");
    let summary: Value = serde_json::from_str(last)
        .unwrap_or_else(|e| panic!("last line is not JSON ({e}): {last}"));
    for key in [
        "crossings",
        "hits",
        "incidents",
        "dispatches",
        "journal_verified",
    ] {
        assert!(summary.get(key).is_some(), "summary lacks {key}: {summary}");
    }
    assert_eq!(summary["journal_verified"], true);
    // The station's own figures for the day (from the counts it keeps) agree with what the
    // demo drove through it.
    let figures = stdout
        .lines()
        .find_map(|l| l.strip_prefix("station's figures for "))
        .unwrap_or_else(|| panic!("no station's figures line:\n{stdout}"));
    let station_crossings: u64 = figures
        .split_once(": ")
        .and_then(|(_, rest)| rest.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no crossing count in: {figures}"));
    assert_eq!(
        Some(station_crossings),
        summary["crossings"].as_u64(),
        "{figures}"
    );
    assert!(
        summary["simulated_s"].as_f64().unwrap() >= 7_900.0,
        "{summary}"
    );
    // Simulated reports carry simulated time: no position, sensor event, heartbeat or frame is
    // refused (a re-trigger folded into its alarm is not a refusal), and nothing anywhere is
    // refused as out of order, from the future or too old.
    let refused = summary["refused"].as_object().expect("refusal counters");
    for key in refused.keys() {
        let (family, reason) = key.split_once('/').unwrap();
        assert!(
            ![
                "out_of_order",
                "clock_skew",
                "clock_skew_corrected",
                "too_old"
            ]
            .contains(&reason),
            "the station refused a simulated report by its time: {refused:?}"
        );
        assert!(
            reason == "duplicate"
                || ![
                    "positions_rejected",
                    "sensor_events_rejected",
                    "heartbeats_rejected",
                    "jt808_rejected"
                ]
                .contains(&family),
            "the station refused simulated reports: {refused:?}"
        );
    }
    assert!(stdout.contains("/command"), "no command centre URL");
    let admin = stdout
        .lines()
        .find(|l| l.trim_start().starts_with("demo-admin"))
        .and_then(|l| l.split_whitespace().last())
        .expect("the admin's token is printed")
        .to_owned();
    let skipped: Vec<String> = summary["skipped"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap().to_owned())
        .collect();

    // The same data directory, served again.
    let server = bin().serve(&data, &[]);
    let client = reqwest::Client::new();
    let get = |path: &str| {
        let req = client
            .get(format!("{}{path}", server.base))
            .bearer_auth(&admin);
        async move {
            let r = req.send().await.unwrap();
            let status = r.status().as_u16();
            (status, r.json::<Value>().await.unwrap_or(Value::Null))
        }
    };
    let (status, doc) = get("/api/v1/openapi.json").await;
    assert_eq!(
        status, 200,
        "the demo's admin token works on the served data"
    );
    let has = |p: &str| doc["paths"].get(p).is_some();
    let mut checked = Vec::new();
    let mut not_here = Vec::new();

    if has("/api/v1/inspections") {
        assert!(!skipped.iter().any(|s| s == "inspections"), "{skipped:?}");
        assert!(summary["crossings"].as_u64().unwrap() > 0, "{summary}");
        assert!(summary["entry"].as_u64().unwrap() > 0 && summary["exit"].as_u64().unwrap() > 0);
        let (s, list) = get("/api/v1/crossings?limit=1000").await;
        assert_eq!(s, 200);
        let n = list.as_array().map_or(0, Vec::len) as u64;
        assert!(
            n > 0 && n >= summary["crossings"].as_u64().unwrap().min(1000),
            "{n} crossings served"
        );
        checked.push("crossings");
    } else {
        assert!(skipped.iter().any(|s| s == "inspections"), "{skipped:?}");
        assert_eq!(
            summary["crossings"], 0,
            "crossings counted without an inspection route"
        );
        not_here.push("inspections");
    }
    if has("/api/v1/lanes/status") {
        let l = &summary["lanes"];
        assert!(
            l["peak_wait_with_s"].is_number() && l["peak_wait_without_s"].is_number(),
            "{summary}"
        );
        assert!(
            l["peak_wait_with_s"].as_f64() <= l["peak_wait_without_s"].as_f64().map(|w| w + 60.0),
            "the recommended openings made the wait longer: {summary}"
        );
        assert!(l["assistance"].as_u64().unwrap_or(0) >= 1, "{summary}");
        assert_eq!(l["assistance"], l["assistance_done"], "{summary}");
        let (s, lanes) = get("/api/v1/lanes/status").await;
        assert_eq!(s, 200);
        assert!(
            lanes
                .as_array()
                .is_some_and(|a| a.iter().any(|l| l["open"] == true)),
            "lanes opened in the demo stay open on the served data"
        );
        checked.push("lanes");
    }
    if has("/api/v1/notifications") && has("/api/v1/incidents/{id}/dispatch") {
        assert!(summary["incidents"].as_u64().unwrap() >= 2, "{summary}");
        assert!(summary["dispatches"].as_u64().unwrap() >= 1, "{summary}");
        assert!(
            !skipped.iter().any(|s| s.starts_with("scenario")),
            "{skipped:?}"
        );
        checked.push("incidents and dispatches");
    } else {
        assert_eq!(
            summary["dispatches"], 0,
            "dispatches counted without a dispatch route"
        );
        not_here.push("notifications/dispatch");
    }
    if has("/api/v1/kpis") {
        let (s, kpis) = get("/api/v1/kpis").await;
        assert_eq!(s, 200);
        assert!(!kpis.is_null());
        assert!(!summary["kpis"].is_null(), "{summary}");
        checked.push("kpis");
    } else {
        not_here.push("kpis");
    }
    if has("/api/v1/links/{id}/heartbeat") && has("/api/v1/journal") {
        // The day's primary link failure is detected on simulated time and recovers.
        let failures = summary["link_failures"].as_u64().unwrap();
        assert!(failures >= 1, "no link failure detected: {summary}");
        assert_eq!(
            summary["link_failures_recovered"].as_u64().unwrap(),
            failures,
            "{summary}"
        );
        assert_eq!(
            summary["links_down_at_end"],
            serde_json::json!([]),
            "{summary}"
        );
        assert!(
            stdout.contains("primary link") && stdout.contains("back at"),
            "{stdout}"
        );
        checked.push("link failure and recovery");
    } else {
        not_here.push("links");
    }
    if has("/api/v1/trains/timetable") {
        // K686 runs every day at 06:55: scheduled from the timetable, its manifest sent as
        // PAXLST, verified on board (the ill passenger first) and released with a duration.
        let trains = &summary["trains"];
        let released = trains["released"].as_array().expect("released trains");
        let k686 = released
            .iter()
            .find(|t| t["number"] == "K686")
            .unwrap_or_else(|| panic!("K686 not released: {summary}"));
        assert!(k686["duration_s"].as_i64().unwrap() > 0, "{summary}");
        assert_eq!(k686["target_s"], 2700, "{summary}");
        assert!(k686["verified"].as_i64().unwrap() > 0, "{summary}");
        assert_eq!(
            trains["ill_cleared_after_s"].as_array().map(Vec::len),
            Some(1),
            "{summary}"
        );
        assert!(stdout.contains("trains cleared: K686"), "{stdout}");
        // The served station shows the same release and duration.
        let day = summary["kpis"]["day"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        let (s, list) = get(&format!("/api/v1/trains?date={day}")).await;
        assert_eq!(s, 200);
        let served = list
            .as_array()
            .and_then(|a| a.iter().find(|t| t["number"] == "K686"))
            .unwrap_or_else(|| panic!("K686 not served: {list}"));
        assert_eq!(served["status"], "released");
        assert_eq!(served["timer"]["elapsed_s"], k686["duration_s"]);
        assert!(
            served["priority"][0]["cleared_after_s"].is_i64(),
            "{served}"
        );
        checked.push("trains");
    } else {
        not_here.push("trains");
    }
    // The journal holds the demo's work and verifies.
    let (s, journal) = get("/api/v1/journal?limit=1000").await;
    assert_eq!(s, 200);
    let kinds: Vec<&str> = journal["events"]
        .as_array()
        .map(|a| a.iter().filter_map(|e| e["kind"].as_str()).collect())
        .unwrap_or_default();
    assert!(kinds.contains(&"user.created"), "{kinds:?}");
    assert_eq!(server.stop().code(), Some(0));
    let verify = guomen()
        .args(["journal", "verify", "--data", data.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(
        verify.status.success(),
        "{}",
        String::from_utf8_lossy(&verify.stdout)
    );
    println!(
        "checked: {checked:?}; not served by this station (skipped by the demo): {not_here:?}"
    );
}

/// `guomen demo --days 2`: yesterday is played before today, and afterwards the station's
/// statistics equal an independent count of the crossings `GET /api/v1/crossings` lists,
/// grouping by grouping; the day's hits opened cases that the monthly report counts.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn earlier_days_and_statistics_that_equal_the_crossings_listed() {
    use std::collections::BTreeMap;
    let _one = ONE_DEMO.lock().await;

    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let out = guomen()
        .args([
            "demo",
            "--exit",
            "--days",
            "2",
            "--hours",
            "2",
            "--speed",
            "720",
            "--seed",
            "11",
            "--listen",
            "127.0.0.1:0",
            "--data",
        ])
        .arg(&data)
        .env("GUOMEN_JT808_LISTEN", "127.0.0.1:0")
        .env("GUOMEN_NMEA_LISTEN", "off")
        .env("GUOMEN_MQTT_LISTEN", "off")
        .stdin(Stdio::null())
        .output()
        .expect("guomen demo runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{}\n{stdout}\n{stderr}", out.status);
    println!("{stdout}");
    let summary: Value = serde_json::from_str(stdout.lines().last().unwrap()).unwrap();
    let earlier = &summary["earlier_days"];
    assert_eq!(earlier["days"], 1, "{summary}");
    assert_eq!(earlier["failed_requests"], 0, "{summary}");
    // The same two hours of an ordinary day: a few hundred crossings.
    assert!(earlier["crossings"].as_u64().unwrap() > 200, "{summary}");
    assert!(earlier["cases"].as_u64().unwrap() >= 1, "{summary}");
    // Today's first two hours hold the early wanted person and the early identity change.
    let cases = &summary["cases"];
    assert!(cases["opened"].as_u64().unwrap() >= 1, "{summary}");
    assert_eq!(cases["opened"], cases["closed"], "{summary}");
    assert!(
        stdout.contains("/api/v1/reports/monthly?month="),
        "{stdout}"
    );
    let admin = stdout
        .lines()
        .find(|l| l.trim_start().starts_with("demo-admin"))
        .and_then(|l| l.split_whitespace().last())
        .unwrap()
        .to_owned();

    let server = bin().serve(&data, &[]);
    let client = reqwest::Client::new();
    let get = |path: String| {
        let req = client
            .get(format!("{}{path}", server.base))
            .bearer_auth(&admin);
        async move {
            let r = req.send().await.unwrap();
            assert_eq!(r.status(), 200, "{path}");
            r.json::<Value>().await.unwrap()
        }
    };
    // The independent count: every crossing as listed, grouped here.
    let mut by: BTreeMap<&str, BTreeMap<String, u64>> = BTreeMap::new();
    let mut after = 0u64;
    let mut days = std::collections::BTreeSet::new();
    loop {
        let page = get(format!("/api/v1/crossings?after={after}&limit=1000")).await;
        let page = page.as_array().unwrap();
        for c in page {
            for dim in ["nationality", "direction", "decision", "site_id"] {
                *by.entry(dim)
                    .or_default()
                    .entry(c[dim].as_str().unwrap().to_owned())
                    .or_default() += 1;
            }
            days.insert(c["time"].as_str().unwrap()[..10].to_owned());
        }
        match page.last() {
            Some(c) if page.len() == 1000 => after = c["seq"].as_u64().unwrap(),
            _ => break,
        }
    }
    let listed: u64 = by["direction"].values().sum();
    assert!(listed > 400, "{listed} crossings listed");
    assert!(days.len() >= 2, "crossings on {days:?}");
    // Station-local days around them: the statistics' period covers every crossing.
    let from = chrono::NaiveDate::parse_from_str(days.first().unwrap(), "%Y-%m-%d").unwrap()
        - chrono::Days::new(1);
    let to = chrono::NaiveDate::parse_from_str(days.last().unwrap(), "%Y-%m-%d").unwrap()
        + chrono::Days::new(1);
    for (dim, group_by) in [
        ("nationality", "nationality"),
        ("direction", "direction"),
        ("decision", "decision"),
        ("site_id", "site"),
    ] {
        let s = get(format!(
            "/api/v1/stats/crossings?from={from}&to={to}&group_by={group_by}"
        ))
        .await;
        assert_eq!(s["total"].as_u64().unwrap(), listed, "{group_by}: {s}");
        let kept: BTreeMap<String, u64> = s["groups"]
            .as_array()
            .unwrap()
            .iter()
            .map(|g| {
                (
                    g["key"].as_str().unwrap().to_owned(),
                    g["count"].as_u64().unwrap(),
                )
            })
            .collect();
        assert_eq!(kept, by[dim], "grouped by {group_by}");
    }
    // The cases the demo opened are the station's, and the reports count them.
    let closed = get("/api/v1/cases?status=closed".to_owned()).await;
    let opened = cases["opened"].as_u64().unwrap() + earlier["cases"].as_u64().unwrap();
    assert_eq!(closed.as_array().unwrap().len() as u64, opened, "{closed}");
    let year = &days.last().unwrap()[..4];
    let annual = get(format!("/api/v1/reports/annual?year={year}")).await;
    // Two days may straddle a new year: the report of the last day's year holds at least
    // today's.
    assert!(
        annual["cases"]["total"].as_u64().unwrap() >= cases["opened"].as_u64().unwrap(),
        "{annual}"
    );
    assert!(annual["crossings"].as_u64().unwrap() > 0, "{annual}");
    assert_eq!(server.stop().code(), Some(0));
}
