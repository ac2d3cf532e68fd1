use super::*;

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 5, 1).unwrap_or_default()
}

fn ymd(y: i32, m: u32, d: u32) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(y, m, d)
}

fn ok(lines: &[&str]) -> Mrz {
    match parse_lines(lines, today()) {
        Ok(m) => m,
        Err(e) => panic!("unexpected structural error: {e}"),
    }
}

fn err(lines: &[&str]) -> MrzError {
    match parse_lines(lines, today()) {
        Ok(m) => panic!("expected a structural error, got {m:?}"),
        Err(e) => e,
    }
}

const TD3: [&str; 2] = [
    "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<",
    "L898902C36UTO7408122F1204159ZE184226B<<<<<10",
];

#[test]
fn td3_specimen_every_field() {
    let m = ok(&TD3);
    assert!(m.valid(), "{:?}", m.errors);
    assert_eq!(m.format, Format::Td3);
    assert_eq!(m.document_code, "P");
    assert_eq!(m.issuing_state, "UTO");
    assert_eq!(m.surname, "ERIKSSON");
    assert_eq!(m.given_names, "ANNA MARIA");
    assert!(!m.name_truncated);
    assert_eq!(m.document_number, "L898902C3");
    assert_eq!(m.nationality, "UTO");
    assert_eq!(m.birth_date, ymd(1974, 8, 12));
    assert_eq!(m.sex, Some(Sex::Female));
    assert_eq!(m.expiry_date, ymd(2012, 4, 15));
    assert_eq!(m.optional_data, "ZE184226B");
    assert!(m.specimen);
    let checks: Vec<_> = m.checks.iter().collect();
    assert_eq!(
        checks,
        vec![
            ("document_number", true),
            ("birth_date", true),
            ("expiry_date", true),
            ("personal_number", true),
            ("composite", true)
        ]
    );
    assert_eq!(m.is_expired(today()), Some(true));
    assert_eq!(m.age_on(today()), Some(51));
    assert_eq!(
        m.age_on(NaiveDate::from_ymd_opt(2026, 8, 12).unwrap_or_default()),
        Some(52)
    );
    assert_eq!(
        m.age_on(NaiveDate::from_ymd_opt(2026, 8, 11).unwrap_or_default()),
        Some(51)
    );
}

#[test]
fn text_input_tolerates_cr_trailing_space_and_blank_edges() {
    let text = format!("\n{} \r\n{}\t\r\n\n", TD3[0], TD3[1]);
    let m = parse(&text, today());
    assert!(m.as_ref().is_ok_and(Mrz::valid), "{m:?}");
    // A blank line inside the MRZ is a structural error on that line.
    let e = parse(&format!("{}\n\n{}", TD3[0], TD3[1]), today()).err();
    assert_eq!(
        e.map(|e| (e.line, e.kind)),
        Some((1, ErrorKind::LineLength))
    );
}

#[test]
fn td2_specimen() {
    let m = ok(&[
        "I<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<",
        "D231458907UTO7408122F1204159<<<<<<<6",
    ]);
    assert!(m.valid(), "{:?}", m.errors);
    assert_eq!(m.format, Format::Td2);
    assert_eq!(m.document_number, "D23145890");
    assert_eq!(m.checks.get("composite"), Some(true));
    assert_eq!(m.checks.get("personal_number"), None);
}

#[test]
fn td1_specimen() {
    let m = ok(&[
        "I<UTOD231458907<<<<<<<<<<<<<<<",
        "7408122F1204159UTO<<<<<<<<<<<6",
        "ERIKSSON<<ANNA<MARIA<<<<<<<<<<",
    ]);
    assert!(m.valid(), "{:?}", m.errors);
    assert_eq!(m.format, Format::Td1);
    assert_eq!(m.document_number, "D23145890");
    assert_eq!(m.surname, "ERIKSSON");
    assert_eq!(m.given_names, "ANNA MARIA");
    assert_eq!(m.checks.iter().count(), 4);
}

#[test]
fn td1_long_document_number() {
    let m = ok(&[
        "I<UTOD23145890<7349<<<<<<<<<<<",
        "3407127M9507122UTO<<<<<<<<<<<2",
        "STEVENSON<<PETER<JOHN<<<<<<<<<",
    ]);
    assert!(m.valid(), "{:?}", m.errors);
    assert_eq!(m.document_number, "D23145890734");
    assert_eq!(m.optional_data, "");
    // The continuation's check digit is verified on the whole number.
    let m = ok(&[
        "I<UTOD23145890<7348<<<<<<<<<<<",
        "3407127M9507122UTO<<<<<<<<<<<1",
        "STEVENSON<<PETER<JOHN<<<<<<<<<",
    ]);
    assert_eq!(m.checks.get("document_number"), Some(false));
    let e = m.errors.first().map(|e| (e.line, e.position, e.field));
    assert_eq!(e, Some((1, 19, "document_number")));
    // A continuation with no check digit is an error, not a silent pass.
    let m = ok(&[
        "I<UTOD23145890<7<<<<<<<<<<<<<<",
        "3407127M9507122UTO<<<<<<<<<<<1",
        "STEVENSON<<PETER<JOHN<<<<<<<<<",
    ]);
    assert_eq!(m.checks.get("document_number"), Some(false));
    assert!(m.errors.iter().any(|e| e.kind == ErrorKind::DocumentNumber));
}

#[test]
fn td2_long_document_number() {
    // D23145890734 (check 9) continued in TD2 optional data; composite recomputed by hand.
    let body = b"D23145890<UTO7408122F1204159";
    let opt = b"7349<<<";
    let comp =
        crate::check_digit_of(&[&body[..10], &body[13..20], &body[21..28], opt]).unwrap_or(0);
    let line2 = format!(
        "{}{}{}",
        String::from_utf8_lossy(body),
        String::from_utf8_lossy(opt),
        comp
    );
    let m = ok(&["I<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<", &line2]);
    assert!(m.valid(), "{:?}", m.errors);
    assert_eq!(m.document_number, "D23145890734");
}

#[test]
fn mrv_a_and_b() {
    let a = ok(&[
        "V<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<",
        "L898902C<3UTO6908061F9406236ZE184226B<<<<<<<",
    ]);
    assert!(a.valid(), "{:?}", a.errors);
    assert_eq!(a.format, Format::MrvA);
    assert_eq!(a.optional_data, "ZE184226B");
    assert_eq!(a.checks.get("composite"), None);
    let b = ok(&[
        "V<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<",
        "L898902C<3UTO6908061F9406236ZE184226",
    ]);
    assert!(b.valid(), "{:?}", b.errors);
    assert_eq!(b.format, Format::MrvB);
    assert_eq!(b.document_number, "L898902C");
    assert_eq!(b.optional_data, "ZE184226");
}

#[test]
fn filler_check_digit_only_for_an_empty_personal_number() {
    // Empty personal number with '<' check digit: allowed.
    let m = ok(&[
        "P<D<<MUSTERMANN<<ERIKA<<<<<<<<<<<<<<<<<<<<<<",
        "C01X0006H1D<<6408125F1710319<<<<<<<<<<<<<<<0",
    ]);
    assert_eq!(m.checks.get("personal_number"), Some(true));
    assert!(m.valid(), "{:?}", m.errors);
    assert_eq!(m.nationality, "D");
    // Non-empty personal number with '<' check digit: refused.
    let m = ok(&[
        "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<",
        "L898902C36UTO7408122F1204159ZE184226B<<<<<<0",
    ]);
    assert_eq!(m.checks.get("personal_number"), Some(false));
    // '<' where the digit would be 0 is still refused for the other fields (the crates.io
    // mrz crate accepts it). Composite of this line with '<' read as 0 would be 2.
    let m = ok(&[
        "P<D<<MUSTERMANN<<ERIKA<<<<<<<<<<<<<<<<<<<<<<",
        "C01X0006H1D<<6408125F1710319<<<<<<<<<<<<<<<<",
    ]);
    assert_eq!(m.checks.get("composite"), Some(false));
    // A '<' document-number check digit in TD3 (no overflow there) always fails.
    let m = ok(&[
        "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<",
        "L898902C<<UTO7408122F1204159ZE184226B<<<<<10",
    ]);
    assert_eq!(m.checks.get("document_number"), Some(false));
    let e = m.errors.iter().find(|e| e.field == "document_number");
    assert_eq!(e.map(|e| (e.line, e.position)), Some((2, 10)));
}

#[test]
fn structural_errors_name_line_position_field() {
    let e = err(&[TD3[0], &TD3[1][..43]]);
    assert_eq!((e.line, e.position, e.kind), (2, 44, ErrorKind::LineLength));
    let long = format!("{}<", TD3[0]);
    let e = err(&[&long, TD3[1]]);
    assert_eq!((e.line, e.position, e.kind), (1, 45, ErrorKind::LineLength));
    let lower = TD3[1].replacen('L', "l", 1);
    let e = err(&[TD3[0], &lower]);
    assert_eq!(
        (e.line, e.position, e.field, e.kind),
        (2, 1, "document_number", ErrorKind::Character)
    );
    let space = TD3[0].replacen("ANNA", "AN A", 1);
    let e = err(&[&space, TD3[1]]);
    assert_eq!((e.line, e.position, e.field), (1, 18, "name"));
    let e = err(&[TD3[0]]);
    assert_eq!((e.line, e.kind), (2, ErrorKind::LineCount));
    let e = err(&[TD3[0], TD3[1], TD3[1], TD3[1]]);
    assert_eq!(e.kind, ErrorKind::LineCount);
    let x = TD3[0].replacen('P', "X", 1);
    let e = err(&[&x, TD3[1]]);
    assert_eq!(
        (e.line, e.position, e.kind),
        (1, 1, ErrorKind::DocumentType)
    );
    let e = err(&["ABC", "DEF"]);
    assert_eq!(e.kind, ErrorKind::LineLength);
    let e = err(&["Ä", "DEF"]);
    assert_eq!((e.line, e.position, e.kind), (1, 1, ErrorKind::Character));
    assert!(e.to_string().starts_with("line 1, position 1,"));
}

#[test]
fn field_errors_keep_the_document_usable() {
    // Bad sex, unknown country, impossible date.
    let m = ok(&[
        "P<ZZZERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<",
        "L898902C36UTO7402302Q1204159ZE184226B<<<<<10",
    ]);
    assert!(!m.valid());
    let kinds: Vec<_> = m
        .errors
        .iter()
        .map(|e| (e.field, e.kind, e.line, e.position))
        .collect();
    assert!(
        kinds.contains(&("issuing_state", ErrorKind::Country, 1, 3)),
        "{kinds:?}"
    );
    assert!(kinds.contains(&("sex", ErrorKind::Sex, 2, 21)), "{kinds:?}");
    assert!(
        kinds.contains(&("birth_date", ErrorKind::Date, 2, 14)),
        "{kinds:?}"
    );
    assert_eq!(m.birth_date, None);
    assert_eq!(m.birth_date_raw, "740230");
    assert_eq!(m.sex, None);
}

#[test]
fn birth_century_from_today_and_expiry_window() {
    let d = |s: &str, birth| resolve(s.as_bytes(), today(), birth);
    assert_eq!(d("260501", true), Ok(ymd(2026, 5, 1)));
    assert_eq!(d("260502", true), Ok(ymd(1926, 5, 2)));
    assert_eq!(d("000229", true), Ok(ymd(2000, 2, 29)));
    assert_eq!(d("990101", true), Ok(ymd(1999, 1, 1)));
    assert_eq!(d("750229", true).ok(), None);
    assert_eq!(d("74<<<<", true), Ok(None));
    assert_eq!(d("7408<<", true), Ok(None));
    assert_eq!(d("<<<<<<", true), Ok(None));
    assert!(d("7<0812", true).is_err());
    assert_eq!(d("760430", false), Ok(ymd(2076, 4, 30)));
    assert_eq!(d("770101", false), Ok(ymd(1977, 1, 1)));
    assert_eq!(d("120415", false), Ok(ymd(2012, 4, 15)));
    assert!(d("<<<<<<", false).is_err());
    assert!(d("121315", false).is_err());
}

#[test]
fn ocr_damage_is_proposed_never_applied() {
    let m = ok(&[
        "IDCHEA1234567<6<<<<<<<<<<<<<<<",
        "7SIOZSGMZOO90IBCHE<<<<<<<<<<<B",
        "5M1TH<<J0HN<AL8ERT<<<<<<<<<<<<",
    ]);
    assert!(!m.valid());
    assert_eq!(m.birth_date, None);
    assert_eq!(m.birth_date_raw, "7SIOZS");
    assert_eq!(m.surname, "5M1TH");
    let p: Vec<_> = m
        .proposals
        .iter()
        .map(|p| {
            (
                p.field,
                p.line,
                p.position,
                p.original.as_str(),
                p.proposed.as_str(),
                p.verified,
            )
        })
        .collect();
    assert!(
        p.contains(&("birth_date", 2, 1, "7SIOZS", "751025", true)),
        "{p:?}"
    );
    assert!(p.contains(&("birth_date", 2, 7, "G", "6", true)), "{p:?}");
    assert!(
        p.contains(&("expiry_date", 2, 9, "ZOO90I", "200901", true)),
        "{p:?}"
    );
    assert!(p.contains(&("expiry_date", 2, 15, "B", "8", true)), "{p:?}");
    assert!(p.contains(&("composite", 2, 30, "B", "8", true)), "{p:?}");
    assert!(
        p.contains(&(
            "name",
            3,
            1,
            "5M1TH<<J0HN<AL8ERT",
            "SMITH<<JOHN<ALBERT",
            false
        )),
        "{p:?}"
    );
    // Applying the verified proposals gives a valid document.
    let fixed = ok(&[
        "IDCHEA1234567<6<<<<<<<<<<<<<<<",
        "7510256M2009018CHE<<<<<<<<<<<8",
        "SMITH<<JOHN<ALBERT<<<<<<<<<<<<",
    ]);
    assert!(fixed.valid(), "{:?}", fixed.errors);
}

#[test]
fn country_code_proposal_is_a_hint() {
    let m = ok(&[
        "P<UT0ERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<",
        "L898902C36UTO7408122F1204159ZE184226B<<<<<10",
    ]);
    let p = m.proposals.first().map(|p| {
        (
            p.field,
            p.original.as_str(),
            p.proposed.as_str(),
            p.verified,
        )
    });
    assert_eq!(p, Some(("issuing_state", "UT0", "UTO", false)));
    assert!(m.check_digits_ok());
    assert!(!m.valid());
}

#[test]
fn document_number_repair_needs_a_unique_candidate() {
    // L898902C3 misread as L8989O2C3 (O for 0): single confusion, unique.
    let m = ok(&[
        "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<",
        "L8989O2C36UTO7408122F1204159ZE184226B<<<<<10",
    ]);
    assert_eq!(m.document_number, "L8989O2C3");
    let p: Vec<_> = m
        .proposals
        .iter()
        .map(|p| (p.field, p.proposed.as_str()))
        .collect();
    assert!(p.contains(&("document_number", "L898902C3")), "{p:?}");
}

#[test]
fn names_split_and_truncation() {
    let m = ok(&[
        "I<PRT007777779<ZZ92<<<<<<<<<<<",
        "8303143M3405282PRT<<<<<<<<<<<2",
        "CACADOR<DE<ARAUJO<<ANDRE<ESTEV",
    ]);
    assert_eq!(m.surname, "CACADOR DE ARAUJO");
    assert_eq!(m.given_names, "ANDRE ESTEV");
    assert!(m.name_truncated);
    assert_eq!(m.document_number, "007777779ZZ9");
    let m = ok(&[
        "I<CHED231458907ABC<<<<<<<<<<<<",
        "7408122F1204159CHE<<<<<<<<<<<1",
        "<<ANNA<MARIA<<<<<<<<<<<<<<<<<<",
    ]);
    assert_eq!(
        (m.surname.as_str(), m.given_names.as_str()),
        ("", "ANNA MARIA")
    );
    assert_eq!(m.optional_data, "ABC");
    let m = ok(&[
        "I<CHED231458907ABC<<<<<<<<<<<<",
        "7408122F1204159CHE<<<<<<<<<<<1",
        "<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<",
    ]);
    assert!(m.errors.iter().any(|e| e.kind == ErrorKind::Name));
}

#[test]
fn expiry_before_birth_is_an_error() {
    // Birth 2000-01-01, expiry "990101" → 1999 in the window around 2026.
    let cd = |s: &str| crate::check_digit(s.as_bytes()).unwrap_or(0);
    let body = format!("L898902C36UTO000101{}F990101{}", cd("000101"), cd("990101"));
    let opt = "ZE184226B<<<<<1";
    let comp = crate::check_digit_of(&[
        &body.as_bytes()[..10],
        &body.as_bytes()[13..20],
        &body.as_bytes()[21..28],
        opt.as_bytes(),
    ])
    .unwrap_or(0);
    let line2 = format!("{body}{opt}{comp}");
    let m = ok(&[TD3[0], &line2]);
    assert!(m.check_digits_ok(), "{:?}", m.errors);
    assert!(
        m.errors
            .iter()
            .any(|e| e.field == "expiry_date" && e.kind == ErrorKind::Date)
    );
}

#[test]
fn parse_many_splits_on_blank_lines() {
    let text = format!(
        "{}\n{}\n\n\nI<UTOD231458907<<<<<<<<<<<<<<<\r\n7408122F1204159UTO<<<<<<<<<<<6\nERIKSSON<<ANNA<MARIA<<<<<<<<<<\n\nP<UTO\n",
        TD3[0], TD3[1]
    );
    let docs = parse_many(&text, today());
    assert_eq!(docs.len(), 3);
    assert_eq!(
        docs.iter().map(|d| d.first_line).collect::<Vec<_>>(),
        vec![1, 5, 9]
    );
    assert!(
        docs.first()
            .is_some_and(|d| d.result.as_ref().is_ok_and(Mrz::valid))
    );
    assert!(
        docs.get(1)
            .is_some_and(|d| d.result.as_ref().is_ok_and(|m| m.format == Format::Td1))
    );
    assert!(docs.get(2).is_some_and(|d| d.result.is_err()));
    assert!(parse_many("", today()).is_empty());
}

#[test]
fn json_shape() {
    let m = ok(&TD3);
    let v = crate::to_json(&m);
    assert_eq!(v["valid"], true);
    assert_eq!(v["format"], "TD3");
    assert_eq!(v["document_number"], "L898902C3");
    assert_eq!(v["surname"], "ERIKSSON");
    assert_eq!(v["given_names"], "ANNA MARIA");
    assert_eq!(v["nationality"], "UTO");
    assert_eq!(v["issuing_state"], "UTO");
    assert_eq!(v["birth_date"], "1974-08-12");
    assert_eq!(v["expiry_date"], "2012-04-15");
    assert_eq!(v["sex"], "F");
    assert_eq!(v["checks"]["composite"], true);
    assert_eq!(v["checks"]["personal_number"], true);
    assert_eq!(v["errors"], serde_json::json!([]));
    assert_eq!(v["proposals"], serde_json::json!([]));
    let e = err(&[TD3[0]]);
    let v = crate::error_json(&e);
    assert_eq!(v["valid"], false);
    assert_eq!(v["format"], serde_json::Value::Null);
    assert_eq!(v["birth_date"], serde_json::Value::Null);
    assert_eq!(v["errors"][0]["line"], 2);
    assert_eq!(v["errors"][0]["position"], 1);
    assert_eq!(v["errors"][0]["field"], "line");
    assert!(v["errors"][0]["message"].is_string());
    assert_eq!(v["checks"], serde_json::json!({}));
}
