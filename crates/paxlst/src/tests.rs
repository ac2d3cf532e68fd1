use super::*;
use proptest::prelude::*;

const MINIMAL: &str = "UNA:+.? '\nUNB+UNOA:4+RAILOPS+BORDERAPI+260115:0830+1'\nUNH+1+PAXLST:D:05B:UN:IATA'\nBGM+745'\nTDT+20+K3'\nLOC+125+ULN'\nDTM+189:2601150830:201'\nLOC+87+ERL'\nDTM+232:2601151900:201'\nNAD+FL+++ERIKSSON:ANNA:MARIA'\nATT+2++F'\nDTM+329:740812'\nNAT+2+UTO'\nRFF+SEA:07/023'\nDOC+P:110:111+L898902C3'\nDTM+36:320415'\nLOC+91+UTO'\nCNT+42:1'\nUNT+17+1'\nUNZ+1+1'\n";

fn tags(ic: &Interchange) -> Vec<&str> {
    ic.errors.iter().map(|e| e.tag.as_str()).collect()
}

#[test]
fn a_sound_passenger_list_reads_without_errors() {
    let ic = parse(MINIMAL).expect("interchange");
    assert!(ic.errors.is_empty(), "{:?}", ic.errors);
    let m = &ic.messages[0];
    assert_eq!(m.kind, ListType::PassengerList);
    assert_eq!(m.transport.journey.as_deref(), Some("K3"));
    assert_eq!(m.transport.departure.location.as_deref(), Some("ULN"));
    assert_eq!(
        m.transport.arrival.time.map(|t| t.to_string()).as_deref(),
        Some("2026-01-15 19:00:00")
    );
    let p = &m.persons[0];
    assert_eq!(
        (p.surname.as_str(), p.given_names.as_str()),
        ("ERIKSSON", "ANNA MARIA")
    );
    assert_eq!(p.birth_date, NaiveDate::from_ymd_opt(1974, 8, 12));
    assert_eq!(
        (p.carriage.as_deref(), p.seat.as_deref()),
        (Some("07"), Some("023"))
    );
    assert_eq!(p.documents[0].number, "L898902C3");
    assert_eq!(p.documents[0].expiry, NaiveDate::from_ymd_opt(2032, 4, 15));
    assert_eq!(p.documents[0].issuing_state.as_deref(), Some("UTO"));
    assert_eq!(ic.acknowledgement().action, Action::Accepted);
}

#[test]
fn the_json_form_has_the_interface_keys() {
    let j = parse(MINIMAL).expect("interchange").to_json();
    assert_eq!(j["messages"][0]["type"], "passenger_list");
    assert_eq!(
        j["messages"][0]["transport"]["departure"]["location"],
        "ULN"
    );
    let p = &j["messages"][0]["persons"][0];
    assert_eq!(p["role"], "passenger");
    assert_eq!(p["birth_date"], "1974-08-12");
    assert_eq!(p["documents"][0]["type"], "P");
    assert_eq!(p["documents"][0]["issuing_state"], "UTO");
    assert!(j["errors"].as_array().is_some_and(|a| a.is_empty()));
}

#[test]
fn a_wrong_unt_count_names_unt_and_keeps_the_persons() {
    let ic = parse(&MINIMAL.replace("UNT+17+1", "UNT+99+1")).expect("interchange");
    assert_eq!(tags(&ic), ["UNT"]);
    assert!(
        ic.errors[0].message.contains("99"),
        "{}",
        ic.errors[0].message
    );
    assert_eq!(ic.errors[0].segment, 18);
    assert_eq!(ic.persons().count(), 1);
    assert_eq!(ic.acknowledgement().action, Action::AcceptedWithErrors);
}

#[test]
fn wrong_references_and_counts_in_the_envelope_are_each_named() {
    let text = MINIMAL
        .replace("UNT+17+1", "UNT+17+2")
        .replace("UNZ+1+1", "UNZ+3+9");
    let ic = parse(&text).expect("interchange");
    assert_eq!(tags(&ic), ["UNT", "UNZ", "UNZ"]);
}

#[test]
fn a_truncated_interchange_reports_the_missing_end_and_keeps_what_was_read() {
    let cut = &MINIMAL[..MINIMAL.find("CNT").expect("cnt") + 5];
    let ic = parse(cut).expect("interchange");
    let t = tags(&ic);
    assert!(
        t.contains(&"CNT") && t.contains(&"UNT") && t.contains(&"UNZ"),
        "{:?}",
        ic.errors
    );
    assert!(ic.errors.iter().any(|e| e.message.contains("truncated")));
    assert_eq!(ic.persons().count(), 1);
}

#[test]
fn an_unknown_segment_is_named() {
    let ic = parse(
        &MINIMAL
            .replace("NAT+2+UTO'", "NAT+2+UTO'XYZ+1'")
            .replace("UNT+17", "UNT+18"),
    )
    .expect("interchange");
    assert_eq!(tags(&ic), ["XYZ"]);
    assert!(ic.errors[0].message.contains("unknown segment"));
    assert_eq!(ic.persons().count(), 1);
}

#[test]
fn a_release_character_at_the_end_is_named() {
    let ic = parse("UNB+UNOA:4+A+B+260101:0000+1'UNH+1+PAXLST:D:05B:UN:IATA'BGM+745'NAD+FL+++X?")
        .expect("interchange");
    assert!(
        ic.errors
            .iter()
            .any(|e| e.tag == "NAD" && e.message.contains("release character")),
        "{:?}",
        ic.errors
    );
}

#[test]
fn crew_lists_and_in_transit_roles() {
    let text = MINIMAL
        .replace("BGM+745", "BGM+250")
        .replace("NAD+FL", "NAD+FM");
    let ic = parse(&text).expect("interchange");
    assert_eq!(ic.messages[0].kind, ListType::CrewList);
    assert_eq!(ic.messages[0].persons[0].role, PersonRole::Crew);
    let ic = parse(&MINIMAL.replace("NAD+FL", "NAD+DDU")).expect("interchange");
    assert_eq!(ic.messages[0].persons[0].role, PersonRole::InTransit);
}

#[test]
fn a_cnt_that_disagrees_is_reported() {
    let ic = parse(&MINIMAL.replace("CNT+42:1", "CNT+42:3")).expect("interchange");
    assert_eq!(tags(&ic), ["CNT"]);
}

#[test]
fn a_person_without_surname_is_left_out_with_an_error() {
    let ic = parse(&MINIMAL.replace("NAD+FL+++ERIKSSON:ANNA:MARIA", "NAD+FL+++:ANNA"))
        .expect("interchange");
    assert!(tags(&ic).contains(&"NAD"));
    assert_eq!(ic.persons().count(), 0);
    assert_eq!(ic.acknowledgement().action, Action::Rejected);
}

#[test]
fn a_bad_date_names_dtm() {
    let ic = parse(&MINIMAL.replace("DTM+329:740812", "DTM+329:74ab12")).expect("interchange");
    assert_eq!(tags(&ic), ["DTM"]);
    assert_eq!(ic.messages[0].persons[0].birth_date, None);
}

#[test]
fn unh_without_unt_and_unt_without_unh() {
    let text = MINIMAL.replace("UNT+17+1'\n", "");
    let ic = parse(&text).expect("interchange");
    assert!(
        ic.errors
            .iter()
            .any(|e| e.tag == "UNH" && e.message.contains("no UNT")),
        "{:?}",
        ic.errors
    );
    assert_eq!(ic.persons().count(), 1);
    let ic = parse("UNB+UNOA:4+A+B+260101:0000+1'UNT+1+1'UNZ+0+1'").expect("interchange");
    assert_eq!(tags(&ic), ["UNT"]);
}

#[test]
fn text_that_is_no_interchange_is_refused() {
    assert_eq!(parse("hello"), Err(NotAnInterchange));
    assert_eq!(parse(""), Err(NotAnInterchange));
    assert_eq!(parse("{\"persons\":[]}"), Err(NotAnInterchange));
}

#[test]
fn written_messages_read_back() {
    let ic = parse(MINIMAL).expect("interchange");
    let text = write(&ic.messages[0], "RAIL", "GUOMEN", "77");
    let again = parse(&text).expect("interchange");
    assert!(again.errors.is_empty(), "{:?}\n{text}", again.errors);
    assert_eq!(again.messages[0].persons, ic.messages[0].persons);
    assert_eq!(again.messages[0].transport, ic.messages[0].transport);
}

#[test]
fn the_json_form_reads_back_into_messages() {
    let ic = parse(MINIMAL).expect("interchange");
    let j = serde_json::to_string(&ic.messages[0]).expect("json");
    let m: Message = serde_json::from_str(&j).expect("message");
    assert_eq!(m.persons, ic.messages[0].persons);
}

fn name() -> impl Strategy<Value = String> {
    "[A-Z?:+' ]{1,12}"
        .prop_filter("not blank", |s| !s.trim().is_empty())
        .prop_map(|s| s.trim().to_string())
}

proptest! {
    #[test]
    fn any_text_parses_without_panic(s in "\\PC{0,200}") {
        let _ = parse(&s);
        let _ = parse(&format!("UNB+{s}"));
    }

    #[test]
    fn persons_with_service_characters_round_trip(surname in name(), given in "[A-Z'?]{0,8}", seat in "[0-9A-Z]{1,4}") {
        let m = Message {
            persons: vec![Person { surname: surname.clone(), given_names: given.clone(), seat: Some(seat.clone()), ..Person::default() }],
            transport: Transport { journey: Some("K3".into()), ..Transport::default() },
            ..Message::default()
        };
        let ic = parse(&write(&m, "S", "R", "1")).expect("interchange");
        prop_assert!(ic.errors.is_empty(), "{:?}", ic.errors);
        prop_assert_eq!(&ic.messages[0].persons[0].surname, &surname);
        prop_assert_eq!(&ic.messages[0].persons[0].given_names, &given);
        prop_assert_eq!(ic.messages[0].persons[0].seat.as_deref(), Some(seat.as_str()));
    }
}
