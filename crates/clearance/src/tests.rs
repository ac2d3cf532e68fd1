use super::*;
use guomen_port::{Eligibility, Lane};

fn lane(kind: LaneKind, direction: LaneDirection, rules: Eligibility) -> Lane {
    Lane {
        id: "L1".into(),
        site: "S1".into(),
        name: None,
        kind,
        channel: None,
        direction,
        rules,
        feature: None,
        line: 0,
    }
}

fn counter() -> Lane {
    lane(
        LaneKind::ManualCounter,
        LaneDirection::Both,
        Eligibility::default(),
    )
}

fn egate() -> Lane {
    lane(
        LaneKind::Egate,
        LaneDirection::Entry,
        Eligibility {
            nationalities: vec!["CHN".into()],
            min_age: Some(14),
            requires_enrolment: false,
            documents: vec![DocumentKind::Passport, DocumentKind::TravelPermit],
        },
    )
}

fn egate_enrolled() -> Lane {
    lane(
        LaneKind::Egate,
        LaneDirection::Entry,
        Eligibility {
            nationalities: vec!["MNG".into()],
            min_age: Some(18),
            requires_enrolment: true,
            documents: vec![DocumentKind::Passport],
        },
    )
}

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 6, 1).unwrap()
}

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

fn doc(nat: &str) -> DocumentFacts {
    DocumentFacts {
        nationality: Some(nat.into()),
        issuing_state: Some(nat.into()),
        birth_date: Some(d(1985, 3, 14)),
        expiry_date: Some(d(2030, 1, 1)),
        kind: Some(DocumentKind::Passport),
        specimen: false,
        problems: Vec::new(),
        enrolled: false,
    }
}

fn hit(list: ListKind, score: f64) -> HitFacts {
    HitFacts {
        list,
        entry_id: "E1".into(),
        score,
        identity_change: false,
        face: false,
        action: String::new(),
    }
}

fn ctx(lane: &Lane, direction: Direction) -> Context<'_> {
    Context {
        lane,
        direction,
        today: today(),
        home_country: Some("CHN"),
        threshold: DEFAULT_THRESHOLD,
    }
}

struct Case {
    name: &'static str,
    doc: DocumentFacts,
    hits: Vec<HitFacts>,
    lane: Lane,
    direction: Direction,
    decision: Decision,
    suggested: Decision,
    is_final: bool,
    codes: &'static [&'static str],
}

fn with(f: impl FnOnce(&mut DocumentFacts), nat: &str) -> DocumentFacts {
    let mut x = doc(nat);
    f(&mut x);
    x
}

fn cases() -> Vec<Case> {
    use Decision::*;
    use Direction::*;
    let ic = HitFacts {
        identity_change: true,
        score: 0.7,
        ..hit(ListKind::RefusedEntry, 0.7)
    };
    let face = HitFacts {
        face: true,
        score: 0.82,
        ..hit(ListKind::Wanted, 0.82)
    };
    vec![
        Case {
            name: "clean traveller at a counter: clear, awaiting the inspector",
            doc: doc("MNG"),
            hits: vec![],
            lane: counter(),
            direction: Entry,
            decision: Clear,
            suggested: Clear,
            is_final: false,
            codes: &[],
        },
        Case {
            name: "specimen document",
            doc: with(|x| x.specimen = true, "UTO"),
            hits: vec![],
            lane: counter(),
            direction: Entry,
            decision: Secondary,
            suggested: Secondary,
            is_final: false,
            codes: &["specimen_document"],
        },
        Case {
            name: "failed check digit names the field",
            doc: with(
                |x| {
                    x.problems.push(DocProblem {
                        field: "birth_date".into(),
                        kind: "check_digit".into(),
                        message: "line 2, position 20, birth_date: check digit".into(),
                    })
                },
                "MNG",
            ),
            hits: vec![],
            lane: counter(),
            direction: Entry,
            decision: Secondary,
            suggested: Secondary,
            is_final: false,
            codes: &["check_digit_failed"],
        },
        Case {
            name: "other field problem",
            doc: with(
                |x| {
                    x.problems.push(DocProblem {
                        field: "nationality".into(),
                        kind: "country".into(),
                        message: "unknown code".into(),
                    })
                },
                "MNG",
            ),
            hits: vec![],
            lane: counter(),
            direction: Exit,
            decision: Secondary,
            suggested: Secondary,
            is_final: false,
            codes: &["document_invalid"],
        },
        Case {
            name: "expired, foreigner, entry: refuse",
            doc: with(|x| x.expiry_date = Some(d(2026, 5, 31)), "MNG"),
            hits: vec![],
            lane: counter(),
            direction: Entry,
            decision: Refuse,
            suggested: Refuse,
            is_final: false,
            codes: &["document_expired"],
        },
        Case {
            name: "expires today: still valid",
            doc: with(|x| x.expiry_date = Some(today()), "MNG"),
            hits: vec![],
            lane: counter(),
            direction: Entry,
            decision: Clear,
            suggested: Clear,
            is_final: false,
            codes: &[],
        },
        Case {
            name: "expired, national, entry: secondary",
            doc: with(|x| x.expiry_date = Some(d(2020, 1, 1)), "CHN"),
            hits: vec![],
            lane: counter(),
            direction: Entry,
            decision: Secondary,
            suggested: Secondary,
            is_final: false,
            codes: &["document_expired"],
        },
        Case {
            name: "expired, exit: secondary",
            doc: with(|x| x.expiry_date = Some(d(2020, 1, 1)), "MNG"),
            hits: vec![],
            lane: counter(),
            direction: Exit,
            decision: Secondary,
            suggested: Secondary,
            is_final: false,
            codes: &["document_expired"],
        },
        Case {
            name: "expiry unreadable",
            doc: with(|x| x.expiry_date = None, "MNG"),
            hits: vec![],
            lane: counter(),
            direction: Exit,
            decision: Secondary,
            suggested: Secondary,
            is_final: false,
            codes: &["expiry_unknown"],
        },
        Case {
            name: "lost/stolen document",
            doc: doc("MNG"),
            hits: vec![hit(ListKind::LostStolenDocument, 1.0)],
            lane: counter(),
            direction: Entry,
            decision: Secondary,
            suggested: Secondary,
            is_final: false,
            codes: &["lost_stolen_document"],
        },
        Case {
            name: "wanted above threshold: detain",
            doc: doc("MNG"),
            hits: vec![hit(ListKind::Wanted, 0.93)],
            lane: counter(),
            direction: Exit,
            decision: Detain,
            suggested: Detain,
            is_final: false,
            codes: &["wanted"],
        },
        Case {
            name: "wanted dominates an expired document",
            doc: with(|x| x.expiry_date = Some(d(2020, 1, 1)), "MNG"),
            hits: vec![hit(ListKind::Wanted, 0.9)],
            lane: counter(),
            direction: Entry,
            decision: Detain,
            suggested: Detain,
            is_final: false,
            codes: &["document_expired", "wanted"],
        },
        Case {
            name: "refused entry on entry: refuse",
            doc: doc("MNG"),
            hits: vec![hit(ListKind::RefusedEntry, 0.9)],
            lane: counter(),
            direction: Entry,
            decision: Refuse,
            suggested: Refuse,
            is_final: false,
            codes: &["refused_entry"],
        },
        Case {
            name: "refused entry on exit: secondary",
            doc: doc("MNG"),
            hits: vec![hit(ListKind::RefusedEntry, 0.9)],
            lane: counter(),
            direction: Exit,
            decision: Secondary,
            suggested: Secondary,
            is_final: false,
            codes: &["refused_entry_on_exit"],
        },
        Case {
            name: "alert: secondary",
            doc: doc("MNG"),
            hits: vec![hit(ListKind::Alert, 0.88)],
            lane: counter(),
            direction: Entry,
            decision: Secondary,
            suggested: Secondary,
            is_final: false,
            codes: &["alert"],
        },
        Case {
            name: "identity change: secondary",
            doc: doc("MNG"),
            hits: vec![ic],
            lane: counter(),
            direction: Entry,
            decision: Secondary,
            suggested: Secondary,
            is_final: false,
            codes: &["possible_identity_change"],
        },
        Case {
            name: "face only below the name threshold: secondary",
            doc: doc("MNG"),
            hits: vec![face],
            lane: counter(),
            direction: Entry,
            decision: Secondary,
            suggested: Secondary,
            is_final: false,
            codes: &["possible_identity_change"],
        },
        Case {
            name: "e-gate, eligible, clean: cleared by the gate",
            doc: doc("CHN"),
            hits: vec![],
            lane: egate(),
            direction: Entry,
            decision: Clear,
            suggested: Clear,
            is_final: true,
            codes: &[],
        },
        Case {
            name: "e-gate, travel permit accepted",
            doc: with(|x| x.kind = Some(DocumentKind::TravelPermit), "CHN"),
            hits: vec![],
            lane: egate(),
            direction: Entry,
            decision: Clear,
            suggested: Clear,
            is_final: true,
            codes: &[],
        },
        Case {
            name: "e-gate, wrong nationality",
            doc: doc("MNG"),
            hits: vec![],
            lane: egate(),
            direction: Entry,
            decision: SentToCounter,
            suggested: Clear,
            is_final: false,
            codes: &["egate_nationality"],
        },
        Case {
            name: "e-gate, 13 years old",
            doc: with(|x| x.birth_date = Some(d(2012, 6, 2)), "CHN"),
            hits: vec![],
            lane: egate(),
            direction: Entry,
            decision: SentToCounter,
            suggested: Clear,
            is_final: false,
            codes: &["egate_age"],
        },
        Case {
            name: "e-gate, 14 today",
            doc: with(|x| x.birth_date = Some(d(2012, 6, 1)), "CHN"),
            hits: vec![],
            lane: egate(),
            direction: Entry,
            decision: Clear,
            suggested: Clear,
            is_final: true,
            codes: &[],
        },
        Case {
            name: "e-gate, birth date unknown",
            doc: with(|x| x.birth_date = None, "CHN"),
            hits: vec![],
            lane: egate(),
            direction: Entry,
            decision: SentToCounter,
            suggested: Clear,
            is_final: false,
            codes: &["egate_age"],
        },
        Case {
            name: "e-gate, not enrolled",
            doc: doc("MNG"),
            hits: vec![],
            lane: egate_enrolled(),
            direction: Entry,
            decision: SentToCounter,
            suggested: Clear,
            is_final: false,
            codes: &["egate_enrolment"],
        },
        Case {
            name: "e-gate, enrolled",
            doc: with(|x| x.enrolled = true, "MNG"),
            hits: vec![],
            lane: egate_enrolled(),
            direction: Entry,
            decision: Clear,
            suggested: Clear,
            is_final: true,
            codes: &[],
        },
        Case {
            name: "e-gate, document kind not accepted",
            doc: with(|x| x.kind = Some(DocumentKind::BorderPass), "CHN"),
            hits: vec![],
            lane: egate(),
            direction: Entry,
            decision: SentToCounter,
            suggested: Clear,
            is_final: false,
            codes: &["egate_document_kind"],
        },
        Case {
            name: "e-gate, wrong direction",
            doc: doc("CHN"),
            hits: vec![],
            lane: egate(),
            direction: Exit,
            decision: SentToCounter,
            suggested: Clear,
            is_final: false,
            codes: &["egate_direction"],
        },
        Case {
            name: "e-gate, eligible but hit: to the counter with the suggestion",
            doc: doc("CHN"),
            hits: vec![hit(ListKind::Wanted, 0.95)],
            lane: egate(),
            direction: Entry,
            decision: SentToCounter,
            suggested: Detain,
            is_final: false,
            codes: &["wanted", "egate_not_clear"],
        },
        Case {
            name: "e-gate, eligible but invalid document",
            doc: with(|x| x.specimen = true, "CHN"),
            hits: vec![],
            lane: egate(),
            direction: Entry,
            decision: SentToCounter,
            suggested: Secondary,
            is_final: false,
            codes: &["specimen_document", "egate_not_clear"],
        },
    ]
}

#[test]
fn every_rule_gives_its_decision() {
    for c in cases() {
        let ctx = ctx(&c.lane, c.direction);
        let out = decide(&c.doc, &c.hits, &ctx);
        let codes: Vec<&str> = out.reasons.iter().map(|r| r.code.as_str()).collect();
        assert_eq!(out.decision, c.decision, "{}: {codes:?}", c.name);
        assert_eq!(out.suggested, c.suggested, "{}", c.name);
        assert_eq!(out.is_final, c.is_final, "{}", c.name);
        assert_eq!(codes, c.codes, "{}", c.name);
    }
}

#[test]
fn reasons_name_fields_and_entries() {
    let l = counter();
    let c = ctx(&l, Direction::Entry);
    let mut x = doc("MNG");
    x.problems.push(DocProblem {
        field: "expiry_date".into(),
        kind: "check_digit".into(),
        message: "m".into(),
    });
    let out = decide(&x, &[hit(ListKind::LostStolenDocument, 1.0)], &c);
    assert_eq!(out.reasons[0].field.as_deref(), Some("expiry_date"));
    assert_eq!(out.reasons[1].entry_id.as_deref(), Some("E1"));
    assert_eq!(out.actions, vec!["seize_document"]);
}

#[test]
fn actions_and_discretion() {
    let l = counter();
    let c = ctx(&l, Direction::Entry);
    let out = decide(
        &doc("MNG"),
        &[hit(ListKind::Wanted, 0.9), hit(ListKind::Alert, 0.9)],
        &c,
    );
    assert_eq!(out.actions, vec!["arrest", "notify_command"]);
    assert!(out.discreet);
    assert!(!decide(&doc("MNG"), &[], &c).discreet);
}

#[test]
fn overriding_needs_a_reason_and_confirming_does_not() {
    use Decision::*;
    let table = [
        (Clear, Clear, Ok(false)),
        (Detain, Detain, Ok(false)),
        (Detain, Secondary, Ok(true)),
        (Clear, Refuse, Ok(true)),
    ];
    for (s, c, want) in table {
        assert_eq!(override_needs_reason(s, c), want, "{s:?} -> {c:?}");
    }
    assert!(override_needs_reason(Clear, SentToCounter).is_err());
}

#[test]
fn decisions_round_trip_and_rank() {
    for d in Decision::FINAL {
        assert_eq!(Decision::parse(d.as_str()), Some(d));
    }
    assert_eq!(
        Decision::parse("sent_to_counter"),
        Some(Decision::SentToCounter)
    );
    assert_eq!(Decision::parse("release"), None);
    assert!(Decision::Clear < Decision::Secondary && Decision::Refuse < Decision::Detain);
}

#[test]
fn document_codes_map_to_kinds() {
    assert_eq!(document_kind_of_code("P"), Some(DocumentKind::Passport));
    assert_eq!(document_kind_of_code("PO"), Some(DocumentKind::Passport));
    assert_eq!(
        document_kind_of_code("CS"),
        Some(DocumentKind::TravelPermit)
    );
    assert_eq!(document_kind_of_code("ID"), Some(DocumentKind::BorderPass));
    assert_eq!(document_kind_of_code("V"), None);
    assert_eq!(document_kind_of_code(""), None);
}

#[test]
fn facts_from_an_mrz() {
    // Doc 9303 Part 4 TD3 specimen.
    let m = guomen_mrz::parse(
        "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\nL898902C36UTO7408122F1204159ZE184226B<<<<<10",
        d(2010, 1, 1),
    )
    .unwrap();
    let f = DocumentFacts::from_mrz(&m);
    assert!(f.specimen);
    assert_eq!(f.kind, Some(DocumentKind::Passport));
    assert_eq!(f.birth_date, Some(d(1974, 8, 12)));
    assert_eq!(f.age_on(d(2010, 8, 11)), Some(35));
    assert_eq!(f.age_on(d(2010, 8, 12)), Some(36));
    let broken = guomen_mrz::parse(
        "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\nL898902C36UTO7408121F1204159ZE184226B<<<<<10",
        d(2010, 1, 1),
    )
    .unwrap();
    let f = DocumentFacts::from_mrz(&broken);
    assert!(
        f.problems
            .iter()
            .any(|p| p.field == "birth_date" && p.kind == "check_digit"),
        "{:?}",
        f.problems
    );
}
