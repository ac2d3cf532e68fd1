//! `guomen paxlst` as a carrier's or an operator's tool: one JSON document on stdout, exit 0
//! when an interchange was read (with its errors), 1 when the input is none. The names are
//! invented (Doc 9303's specimen person).

mod support;

use serde_json::Value;
use support::bin;

const LIST: &str = "UNA:+.? '\nUNB+UNOA:4+RAILOPS+BORDERAPI+260115:0830+1'\nUNH+1+PAXLST:D:05B:UN:IATA'\nBGM+745'\nTDT+20+K3'\nLOC+125+ULN'\nDTM+189:2601150830:201'\nLOC+87+ERL'\nDTM+232:2601151900:201'\nNAD+FL+++ERIKSSON:ANNA MARIA'\nATT+2++F'\nDTM+329:740812'\nNAT+2+UTO'\nRFF+SEA:07/023'\nDOC+P:110:111+L898902C3'\nDTM+36:320415'\nLOC+91+UTO'\nCNT+42:1'\nUNT+17+1'\nUNZ+1+1'\n";

fn doc(out: &[u8]) -> Value {
    let text = String::from_utf8_lossy(out);
    serde_json::from_str(text.trim()).unwrap_or_else(|e| panic!("{text}: {e}"))
}

#[test]
fn a_list_on_stdin_prints_the_interface_document() {
    let out = bin().run_with_stdin(&["paxlst", "--json"], LIST);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(String::from_utf8_lossy(&out.stdout).lines().count(), 1);
    let v = doc(&out.stdout);
    let m = &v["messages"][0];
    assert_eq!(m["type"], "passenger_list");
    assert_eq!(m["transport"]["journey"], "K3");
    assert_eq!(m["transport"]["departure"]["location"], "ULN");
    assert_eq!(m["transport"]["departure"]["time"], "2026-01-15T08:30:00");
    assert_eq!(m["transport"]["arrival"]["location"], "ERL");
    let p = &m["persons"][0];
    assert_eq!(p["role"], "passenger");
    assert_eq!(p["surname"], "ERIKSSON");
    assert_eq!(p["given_names"], "ANNA MARIA");
    assert_eq!(p["sex"], "F");
    assert_eq!(p["birth_date"], "1974-08-12");
    assert_eq!(p["nationality"], "UTO");
    assert_eq!(p["carriage"], "07");
    assert_eq!(p["seat"], "023");
    assert_eq!(p["documents"][0]["type"], "P");
    assert_eq!(p["documents"][0]["number"], "L898902C3");
    assert_eq!(p["documents"][0]["expiry"], "2032-04-15");
    assert_eq!(p["documents"][0]["issuing_state"], "UTO");
    assert_eq!(v["errors"].as_array().map(Vec::len), Some(0));
}

#[test]
fn envelope_errors_are_listed_and_still_exit_zero() {
    let out = bin().run_with_stdin(&["paxlst", "--json"], &LIST.replace("UNT+17+1", "UNT+5+1"));
    assert_eq!(out.status.code(), Some(0));
    let v = doc(&out.stdout);
    assert_eq!(v["errors"][0]["tag"], "UNT");
    assert_eq!(v["errors"][0]["segment"], 18);
    assert!(
        v["errors"][0]["message"]
            .as_str()
            .is_some_and(|m| m.contains('5'))
    );
    assert_eq!(
        v["messages"][0]["persons"].as_array().map(Vec::len),
        Some(1)
    );

    let cut = &LIST[..LIST.find("DOC+").unwrap_or(0)];
    let out = bin().run_with_stdin(&["paxlst", "--json"], cut);
    assert_eq!(out.status.code(), Some(0));
    let v = doc(&out.stdout);
    let tags: Vec<&str> = v["errors"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|e| e["tag"].as_str())
        .collect();
    assert!(tags.contains(&"UNT") && tags.contains(&"UNZ"), "{tags:?}");
}

#[test]
fn input_that_is_no_interchange_exits_one() {
    for input in ["", "hello world\n", "{\"persons\":[]}"] {
        let out = bin().run_with_stdin(&["paxlst", "--json"], input);
        assert_eq!(out.status.code(), Some(1), "{input:?}");
        assert!(String::from_utf8_lossy(&out.stderr).contains("not an EDIFACT interchange"));
    }
}

#[test]
fn a_teletype_file_reads_from_its_path() {
    let Some(path) = guomen_testkit::data_path("paxlst/ediclean_original_C.txt") else {
        eprintln!(
            "skipped: shared paxlst samples not found (set {})",
            guomen_testkit::DATA_ENV
        );
        return;
    };
    let path = path.to_str().expect("utf-8 path");
    let out = bin().run_with_stdin(&["paxlst", path], "");
    assert_eq!(out.status.code(), Some(0));
    let v = doc(&out.stdout);
    assert_eq!(
        v["messages"][0]["persons"].as_array().map(Vec::len),
        Some(3)
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("UNT"));
}
