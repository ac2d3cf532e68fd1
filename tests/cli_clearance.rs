//! The clearance tools as operators run them: `guomen mrz`, `guomen screen`,
//! `guomen names compare`, `guomen watchlist import|stats`, then a server on the same data.
//! Every name and document is invented (the MRZ specimen is Doc 9303's own).

mod support;

use std::time::Duration;

use guomen_testkit::mrz::Td3;
use serde_json::{Value, json};
use support::{bin, guomen};

const SPECIMEN: [&str; 2] = [
    "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<",
    "L898902C36UTO7408122F1204159ZE184226B<<<<<10",
];

fn json_lines(out: &[u8]) -> Vec<Value> {
    String::from_utf8_lossy(out)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{l}: {e}")))
        .collect()
}

const LIST: &str = "\
id,list,name,aliases,birth_date,sex,nationality,document_number,document_country,reason,action
W-1,wanted,Batbold Ganzorig,Ганзоригийн Батболд,1979-04-02,M,MNG,E1234567,MNG,armed robbery,arrest
L-1,lost_stolen_document,Oyuntsetseg Dorj,,1990-01-15,F,MNG,LS9876543,MNG,reported stolen,seize document
";

#[test]
fn mrz_json_and_exit_codes() {
    let ok = guomen()
        .args(["mrz", "--json"])
        .args(SPECIMEN)
        .output()
        .unwrap();
    assert_eq!(
        ok.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    let v = &json_lines(&ok.stdout)[0];
    assert_eq!(v["valid"], true);
    assert_eq!(v["format"], "TD3");
    assert_eq!(v["document_number"], "L898902C3");
    assert_eq!(v["surname"], "ERIKSSON");
    assert_eq!(v["given_names"], "ANNA MARIA");
    assert_eq!(v["birth_date"], "1974-08-12");
    assert_eq!(v["checks"]["composite"], true);

    // Birth-date check digit damaged: invalid, exit 1, the error names line/position/field.
    let broken = SPECIMEN[1].replace("7408122F", "7408121F");
    let bad = bin().run_with_stdin(
        &["mrz", "--json"],
        &format!(
            "{}\n{broken}\n\n{}\n{}\n",
            SPECIMEN[0], SPECIMEN[0], SPECIMEN[1]
        ),
    );
    assert_eq!(bad.status.code(), Some(1));
    let docs = json_lines(&bad.stdout);
    assert_eq!(docs.len(), 2);
    assert_eq!(docs[0]["valid"], false);
    assert_eq!(docs[0]["errors"][0]["field"], "birth_date");
    assert_eq!(docs[0]["errors"][0]["line"], 2);
    assert_eq!(docs[1]["valid"], true);

    // Unusable: one line of the wrong length; and no input at all.
    let unusable = guomen().args(["mrz", "P<UTOERIKSSON"]).output().unwrap();
    assert_eq!(unusable.status.code(), Some(2));
    let empty = bin().run_with_stdin(&["mrz"], "");
    assert_eq!(empty.status.code(), Some(2));
    // The readable summary.
    let text = guomen().args(["mrz"]).args(SPECIMEN).output().unwrap();
    assert!(String::from_utf8_lossy(&text.stdout).contains("ERIKSSON, ANNA MARIA"));
}

#[test]
fn screen_and_names_compare() {
    let dir = tempfile::tempdir().unwrap();
    let list = dir.path().join("list.csv");
    std::fs::write(&list, LIST).unwrap();
    let queries = [
        json!({"id": "q1", "name": "GANZORIG BATBOLD", "birth_date": "1979-04-02", "nationality": "MNG"}).to_string(),
        json!({"id": "q2", "name": "Anna Maria Eriksson", "birth_date": "1974-08-12"}).to_string(),
        json!({"id": "q3", "name": "Someone Else", "document_number": "LS9876543", "document_country": "MNG"}).to_string(),
        "{\"id\": \"q4\", \"name\": \"X\", \"birth_date\": \"1979-13\"}".to_owned(),
        "not json".to_owned(),
    ];
    let out = bin().run_with_stdin(
        &[
            "screen",
            "--watchlist",
            list.to_str().unwrap(),
            "--format",
            "csv",
        ],
        &(queries.join("\n") + "\n"),
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let rows = json_lines(&out.stdout);
    assert_eq!(rows.len(), 5);
    assert_eq!(rows[0]["id"], "q1");
    assert_eq!(rows[0]["hits"][0]["entry_id"], "W-1");
    assert_eq!(rows[0]["hits"][0]["list"], "wanted");
    let score = rows[0]["hits"][0]["score"].as_f64().unwrap();
    assert!((0.0..=1.0).contains(&score) && score > 0.84);
    assert!(rows[0]["hits"][0]["explain"].is_array());
    assert_eq!(rows[1]["hits"].as_array().unwrap().len(), 0);
    assert_eq!(rows[2]["hits"][0]["entry_id"], "L-1");
    assert_eq!(rows[3]["id"], "q4");
    assert!(rows[3]["error"].as_str().unwrap().contains("birth_date"));
    assert!(rows[4]["error"].is_string());

    let out = bin().run_with_stdin(
        &["names", "compare"],
        "{\"left\": \"Sergei Kuznetsov\", \"right\": \"Кузнецов Сергей\"}\n{\"left\": \"Sergei Kuznetsov\", \"right\": \"Anna Petrova\"}\n",
    );
    let rows = json_lines(&out.stdout);
    assert_eq!(rows[0]["match"], true, "{:?}", rows);
    assert_eq!(rows[1]["match"], false);
    assert!(rows[1]["score"].as_f64().unwrap() < rows[0]["score"].as_f64().unwrap());
}

/// A lost/stolen document listed without a name (`crates/watchlist/FORMAT.md`): imported,
/// screened by its document (exact and OCR-confusable), never by a name; a nameless entry of
/// another list is refused with its line; a server on the imported data refuses to clear the
/// document at a counter.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn document_only_entries_import_and_screen() {
    const DOCS: &str = "\
id,list,name,document_number,document_country,document_type,reason
SLTD-1,lost_stolen_document,,E0815B5I,MNG,P,reported stolen
W-2,wanted,Batbold Ganzorig,,,,armed robbery
";
    let dir = tempfile::tempdir().unwrap();
    let list = dir.path().join("docs.csv");
    std::fs::write(&list, DOCS).unwrap();
    let data = dir.path().join("data");
    let import = |file: &std::path::Path| {
        guomen()
            .args(["watchlist", "import", file.to_str().unwrap()])
            .args(["--list", "lost_stolen_document", "--format", "csv"])
            .args(["--data", data.to_str().unwrap()])
            .output()
            .unwrap()
    };
    let imp = import(&list);
    assert!(
        imp.status.success(),
        "{}",
        String::from_utf8_lossy(&imp.stderr)
    );
    assert!(String::from_utf8_lossy(&imp.stdout).contains("2 added"));

    let bad = dir.path().join("bad.csv");
    std::fs::write(
        &bad,
        "id,list,name,document_number,document_country\nW-3,wanted,,E1,MNG\n",
    )
    .unwrap();
    let refused = import(&bad);
    assert!(!refused.status.success());
    let err = String::from_utf8_lossy(&refused.stderr);
    assert!(
        err.contains("line 2") && err.contains("name is empty"),
        "{err}"
    );

    let queries = [
        json!({"id": "exact", "name": "Naran Tsetseg", "document_number": "E0815B5I", "document_country": "MNG"}),
        json!({"id": "ocr", "name": "Naran Tsetseg", "document_number": "EO8I5851", "document_country": "MNG"}),
        json!({"id": "name", "name": "Naran Tsetseg"}),
        json!({"id": "other_state", "name": "Naran Tsetseg", "document_number": "E0815B5I", "document_country": "CHN"}),
    ]
    .map(|q| q.to_string());
    let out = bin().run_with_stdin(
        &[
            "screen",
            "--watchlist",
            list.to_str().unwrap(),
            "--format",
            "csv",
        ],
        &(queries.join("\n") + "\n"),
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let rows = json_lines(&out.stdout);
    let hits = |i: usize| rows[i]["hits"].as_array().unwrap().clone();
    for (i, score) in [(0, 1.0), (1, 0.95)] {
        let h = &hits(i)[0];
        assert_eq!(h["entry_id"], "SLTD-1", "{}", rows[i]);
        assert_eq!(h["score"], score);
        let explain = h["explain"].as_array().unwrap();
        let doc = explain.iter().find(|x| x["field"] == "document").unwrap();
        assert_eq!(doc["list_value"], "MNG E0815B5I");
        let name = explain.iter().find(|x| x["field"] == "name").unwrap();
        assert_eq!(name["verdict"], "unknown", "{name}");
    }
    assert!(hits(2).is_empty(), "{}", rows[2]);
    assert!(hits(3).is_empty(), "{}", rows[3]);

    // At a counter, through the station's live index: the stolen passport, read with OCR
    // look-alikes in its number, carried by someone whose name is on no list.
    let mrz = Td3::new("NARAN", "TSETSEG", "EO8I5851", "MNG")
        .born("900115")
        .expires("351231")
        .lines();
    let v = inspect_at_a_counter(&data, &mrz).await;
    assert_eq!(v["personal"]["hits"][0]["entry_id"], "SLTD-1", "{v}");
    assert_eq!(v["decision"], "secondary", "{v}");
}

/// Starts a station on `data`, inspects the MRZ at a rail counter as an inspector, stops the
/// station, and returns the inspection as answered.
async fn inspect_at_a_counter(data: &std::path::Path, mrz: &[String]) -> Value {
    let token = bin().add_user(data, "insp", "inspector", "password-insp");
    let server = bin().serve(data, &[]);
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap();
    let r = client
        .post(format!("{}/api/v1/inspections", server.base))
        .bearer_auth(&token)
        .json(&json!({"site_id": "rail-passenger", "lane_id": "rail-counter-entry-1", "direction": "entry", "mrz": mrz}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let v: Value = r.json().await.unwrap();
    assert!(server.stop().success());
    v
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cli_import_then_a_server_screens_against_it() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let list = dir.path().join("list.csv");
    std::fs::write(&list, LIST).unwrap();
    let d = data.to_str().unwrap();
    let imp = guomen()
        .args([
            "watchlist",
            "import",
            list.to_str().unwrap(),
            "--list",
            "wanted",
            "--format",
            "csv",
            "--data",
            d,
        ])
        .output()
        .unwrap();
    assert!(
        imp.status.success(),
        "{}",
        String::from_utf8_lossy(&imp.stderr)
    );
    let summary = String::from_utf8_lossy(&imp.stdout);
    assert!(summary.contains("2 added"), "{summary}");
    // Again: nothing changes.
    let again = guomen()
        .args([
            "watchlist",
            "import",
            list.to_str().unwrap(),
            "--list",
            "wanted",
            "--format",
            "csv",
            "--data",
            d,
        ])
        .output()
        .unwrap();
    assert!(
        String::from_utf8_lossy(&again.stdout)
            .contains("0 added, 0 updated, 0 removed, 2 unchanged")
    );
    let stats = guomen()
        .args(["watchlist", "stats", "--data", d])
        .output()
        .unwrap();
    let stats = String::from_utf8_lossy(&stats.stdout);
    assert!(
        stats.contains("wanted\t-\t1") && stats.contains("total\t\t2"),
        "{stats}"
    );

    let mrz = Td3::new("GANZORIG", "BATBOLD", "E7654321", "MNG")
        .born("790402")
        .sex('M')
        .expires("351231")
        .lines();
    let v = inspect_at_a_counter(&data, &mrz).await;
    assert_eq!(v["decision"], "detain", "{v}");
    // Hits are personal data: an inspector sees them under `personal`.
    assert_eq!(v["hit_count"], 1, "{v}");
    assert_eq!(v["personal"]["hits"][0]["entry_id"], "W-1", "{v}");
}
