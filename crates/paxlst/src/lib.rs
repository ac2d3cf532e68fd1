//! UN/EDIFACT PAXLST (passenger and crew lists, directories D.02B–D.05B as carriers send
//! them): a typed reader and writer, pure and without I/O.
//!
//! [`parse`] reads one interchange — with or without UNA, inside a teletype envelope with
//! 69-column wrapping or cleaned one segment a line — into [`Message`]s of [`Person`]s. Problems
//! are [`SegmentError`]s that name the segment (its position and tag); envelope problems
//! (UNT/UNE/UNZ counts and references, UNH/UNT pairing) never stop the persons of a sound body
//! from being read. [`Interchange::acknowledgement`] is the CONTRL-style answer a carrier gets.
//! [`write`] makes an interchange from a [`Message`] (the demo and tests send manifests with
//! it). The JSON form ([`Interchange::to_json`], and [`Message`] through serde) is the same
//! content for carriers that send JSON.
//!
//! Segment usage follows the WCO/IATA/ICAO PAXLST guidelines: BGM 745 passenger list, 250 crew
//! list; NAD FL passenger, FM crew member, DDT/DDU in transit; ATT 2 sex; DTM 329 birth date,
//! 36 document expiry, 189 departure, 232 arrival; LOC 125 departure, 87 arrival,
//! 178 embarkation, 179 debarkation, 91 document issuing state; NAT 2 nationality; RFF SEA seat
//! (a train seat may be written `CARRIAGE/SEAT`), AVF reservation; DOC document type and
//! number; CNT 42 total passengers, 41 total crew.

mod syntax;

use chrono::{NaiveDate, NaiveDateTime, NaiveTime};
use serde::{Deserialize, Serialize};

pub use syntax::{Delimiters, Segment};

/// Whether a list carries passengers (BGM 745) or crew (BGM 250).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum ListType {
    #[default]
    PassengerList,
    CrewList,
}

impl ListType {
    /// The BGM document name code.
    pub fn code(self) -> &'static str {
        match self {
            ListType::PassengerList => "745",
            ListType::CrewList => "250",
        }
    }
}

/// A person's role on board (NAD party function).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum PersonRole {
    #[default]
    Passenger,
    Crew,
    InTransit,
}

impl PersonRole {
    fn from_code(code: &str) -> Option<PersonRole> {
        Some(match code {
            "FL" => PersonRole::Passenger,
            "FM" => PersonRole::Crew,
            "DDT" | "DDU" => PersonRole::InTransit,
            _ => return None,
        })
    }
    fn code(self) -> &'static str {
        match self {
            PersonRole::Passenger => "FL",
            PersonRole::Crew => "FM",
            PersonRole::InTransit => "DDU",
        }
    }
}

/// A place and time of the journey (LOC 125 + DTM 189, LOC 87 + DTM 232).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Place {
    #[serde(default)]
    pub location: Option<String>,
    #[serde(default)]
    pub time: Option<NaiveDateTime>,
}

/// The means of transport (TDT) and its journey.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Transport {
    /// The journey identifier: a flight or train number.
    #[serde(default)]
    pub journey: Option<String>,
    #[serde(default)]
    pub carrier: Option<String>,
    #[serde(default)]
    pub departure: Place,
    #[serde(default)]
    pub arrival: Place,
}

/// A travel document (DOC with its DTM 36 and LOC 91).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Document {
    /// The document type code: P passport, I identity card, V visa, ...
    #[serde(rename = "type")]
    pub kind: String,
    pub number: String,
    #[serde(default)]
    pub expiry: Option<NaiveDate>,
    #[serde(default)]
    pub issuing_state: Option<String>,
}

/// One person of a list.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Person {
    #[serde(default)]
    pub role: PersonRole,
    pub surname: String,
    #[serde(default)]
    pub given_names: String,
    #[serde(default)]
    pub sex: Option<String>,
    #[serde(default)]
    pub birth_date: Option<NaiveDate>,
    #[serde(default)]
    pub nationality: Option<String>,
    #[serde(default)]
    pub documents: Vec<Document>,
    #[serde(default)]
    pub embarkation: Option<String>,
    #[serde(default)]
    pub debarkation: Option<String>,
    #[serde(default)]
    pub carriage: Option<String>,
    #[serde(default)]
    pub seat: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reservation: Option<String>,
}

/// One PAXLST message (UNH … UNT).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Message {
    #[serde(rename = "type", default)]
    pub kind: ListType,
    /// The message reference (UNH).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reference: Option<String>,
    #[serde(default)]
    pub transport: Transport,
    #[serde(default)]
    pub persons: Vec<Person>,
}

/// A problem, naming the segment: its 1-based position in the interchange (UNA not counted;
/// the position after the last segment for something missing at the end) and its tag.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SegmentError {
    pub segment: usize,
    pub tag: String,
    pub message: String,
}

/// What was read from one interchange.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Interchange {
    /// The UNB sender and recipient identifiers and control reference.
    pub sender: Option<String>,
    pub recipient: Option<String>,
    pub reference: Option<String>,
    pub prepared: Option<NaiveDateTime>,
    pub messages: Vec<Message>,
    pub errors: Vec<SegmentError>,
    /// How many segments were read (UNA not counted).
    #[serde(skip)]
    pub segment_count: usize,
    /// The service characters the interchange used (its UNA, or the defaults).
    #[serde(skip)]
    pub delimiters: Delimiters,
}

/// The input holds no interchange (no UNA, UNB or UNH segment).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotAnInterchange;

impl std::fmt::Display for NotAnInterchange {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("not an EDIFACT interchange: no UNA, UNB or UNH segment found")
    }
}

impl std::error::Error for NotAnInterchange {}

/// The CONTRL-style action on an interchange (UCI 0083): accepted (7), accepted with errors
/// reported (4 in CONTRL is "rejected"; we keep the persons and say what was wrong), rejected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    Accepted,
    AcceptedWithErrors,
    Rejected,
}

/// The answer a carrier gets for its interchange, as JSON.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Acknowledgement {
    pub interchange: Option<String>,
    pub action: Action,
    pub messages: usize,
    pub persons: usize,
    pub errors: Vec<SegmentError>,
}

impl Interchange {
    /// Every person of every message, in order.
    pub fn persons(&self) -> impl Iterator<Item = &Person> {
        self.messages.iter().flat_map(|m| m.persons.iter())
    }

    /// The JSON document of `guomen paxlst --json`: `{"messages":[...],"errors":[...]}` plus the
    /// interchange header fields.
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::to_value(self).unwrap_or(serde_json::Value::Null)
    }

    /// The CONTRL-style acknowledgement: rejected when no person could be read.
    pub fn acknowledgement(&self) -> Acknowledgement {
        let persons = self.persons().count();
        let action = if persons == 0 {
            Action::Rejected
        } else if self.errors.is_empty() {
            Action::Accepted
        } else {
            Action::AcceptedWithErrors
        };
        Acknowledgement {
            interchange: self.reference.clone(),
            action,
            messages: self.messages.len(),
            persons,
            errors: self.errors.clone(),
        }
    }
}

/// The segments a PAXLST message may hold (D.02B–D.05B); anything else is reported.
const PAXLST_SEGMENTS: &[&str] = &[
    "BGM", "RFF", "DTM", "NAD", "CTA", "COM", "TDT", "LOC", "ATT", "GEI", "GIS", "FTX", "MEA",
    "EMP", "NAT", "DOC", "CPI", "QTY", "CNT", "AUT",
];

/// Reads one interchange. `Err` only when the input holds none; everything else wrong is in
/// [`Interchange::errors`].
pub fn parse(text: &str) -> Result<Interchange, NotAnInterchange> {
    let split = syntax::split(text).ok_or(NotAnInterchange)?;
    let mut r = Reader::default();
    r.ic.delimiters = split.delimiters;
    for issue in split.issues {
        r.ic.errors.push(SegmentError {
            segment: issue.position,
            tag: issue.tag,
            message: issue.message,
        });
    }
    let last = split.segments.last().map(|s| s.position).unwrap_or(0);
    r.ic.segment_count = last.max(r.ic.errors.iter().map(|e| e.segment).max().unwrap_or(0));
    for seg in &split.segments {
        r.segment(seg);
    }
    r.finish(r.ic.segment_count + 1, split.unterminated);
    r.ic.errors.sort_by_key(|e| e.segment);
    Ok(r.ic)
}

#[derive(Default)]
struct Reader {
    ic: Interchange,
    saw_unb: bool,
    saw_unz: bool,
    /// Open functional group: reference, first position, messages in it.
    group: Option<(String, usize, usize)>,
    groups: usize,
    messages_total: usize,
    msg: Option<Builder>,
}

struct Builder {
    reference: String,
    start: usize,
    segments: usize,
    message: Message,
    saw_bgm: bool,
    person: Option<Person>,
    /// The document the next DTM 36 / LOC 91 belong to (index in the person's documents).
    in_document: bool,
    declared: Vec<(usize, String, u32)>,
    /// Segments are PAXLST's (false for another message type: body skipped).
    paxlst: bool,
}

impl Reader {
    fn err(&mut self, seg: &Segment, message: impl Into<String>) {
        self.ic.errors.push(SegmentError {
            segment: seg.position,
            tag: seg.tag().to_string(),
            message: message.into(),
        });
    }

    fn err_at(&mut self, position: usize, tag: &str, message: impl Into<String>) {
        self.ic.errors.push(SegmentError {
            segment: position,
            tag: tag.to_string(),
            message: message.into(),
        });
    }

    fn segment(&mut self, seg: &Segment) {
        let tag = seg.tag();
        if self.saw_unz {
            self.err(seg, "segment after UNZ");
            return;
        }
        if let Some(m) = &mut self.msg {
            m.segments += 1;
        }
        match tag {
            "UNB" => self.unb(seg),
            "UNG" => self.ung(seg),
            "UNE" => self.une(seg),
            "UNZ" => self.unz(seg),
            "UNH" => self.unh(seg),
            "UNT" => self.unt(seg),
            _ => {
                if !self.saw_unb && self.ic.messages.is_empty() && self.msg.is_none() {
                    self.err(seg, format!("{tag} before UNB and UNH"));
                }
                match self.msg.take() {
                    Some(mut b) => {
                        if b.paxlst {
                            self.body(&mut b, seg);
                        }
                        self.msg = Some(b);
                    }
                    None => self.err(seg, format!("{tag} outside a message (no open UNH)")),
                }
            }
        }
    }

    fn unb(&mut self, seg: &Segment) {
        if self.saw_unb {
            self.err(seg, "a second UNB: one interchange at a time");
            return;
        }
        if seg.position != 1 {
            self.err(seg, "UNB is not the first segment");
        }
        self.saw_unb = true;
        let text = |s: &str| (!s.is_empty()).then(|| s.to_string());
        self.ic.sender = text(seg.get(2, 0));
        self.ic.recipient = text(seg.get(3, 0));
        self.ic.reference = text(seg.get(5, 0));
        self.ic.prepared = parse_date_time(seg.get(4, 0), seg.get(4, 1));
        if self.ic.reference.is_none() {
            self.err(seg, "UNB has no interchange control reference (element 5)");
        }
    }

    fn ung(&mut self, seg: &Segment) {
        if let Some((r, pos, _)) = self.group.take() {
            self.err(
                seg,
                format!("UNG before the UNE of group {r:?} opened at segment {pos}"),
            );
        }
        self.close_message_if_open(seg.position, "UNG");
        self.groups += 1;
        self.group = Some((seg.get(5, 0).to_string(), seg.position, 0));
    }

    fn une(&mut self, seg: &Segment) {
        self.close_message_if_open(seg.position, "UNE");
        let Some((reference, _, count)) = self.group.take() else {
            self.err(seg, "UNE without UNG");
            return;
        };
        self.check_count(seg, "messages in the group", count);
        if seg.get(2, 0) != reference {
            self.err(
                seg,
                format!(
                    "UNE reference {:?} is not the UNG's {:?}",
                    seg.get(2, 0),
                    reference
                ),
            );
        }
    }

    fn unz(&mut self, seg: &Segment) {
        self.close_message_if_open(seg.position, "UNZ");
        if let Some((r, pos, _)) = self.group.take() {
            self.err(
                seg,
                format!("UNZ before the UNE of group {r:?} opened at segment {pos}"),
            );
        }
        self.saw_unz = true;
        if !self.saw_unb {
            self.err(seg, "UNZ without UNB");
            return;
        }
        let (what, n) = if self.groups > 0 {
            ("functional groups", self.groups)
        } else {
            ("messages", self.messages_total)
        };
        self.check_count(seg, what, n);
        let reference = self.ic.reference.clone().unwrap_or_default();
        if seg.get(2, 0) != reference {
            self.err(
                seg,
                format!(
                    "UNZ reference {:?} is not the UNB's {:?}",
                    seg.get(2, 0),
                    reference
                ),
            );
        }
    }

    fn check_count(&mut self, seg: &Segment, what: &str, actual: usize) {
        let tag = seg.tag().to_string();
        match seg.get(1, 0).trim().parse::<usize>() {
            Ok(n) if n == actual => {}
            Ok(n) => self.err(
                seg,
                format!("{tag} counts {n} {what}, the interchange has {actual}"),
            ),
            Err(_) => self.err(
                seg,
                format!("{tag} count {:?} is not a number", seg.get(1, 0)),
            ),
        }
    }

    fn close_message_if_open(&mut self, position: usize, by: &str) {
        if let Some(b) = self.msg.take() {
            self.err_at(
                b.start,
                "UNH",
                format!(
                    "message {:?} has no UNT (closed by {by} at segment {position})",
                    b.reference
                ),
            );
            self.push_message(b);
        }
    }

    fn unh(&mut self, seg: &Segment) {
        self.close_message_if_open(seg.position, "UNH");
        let kind = seg.get(2, 0);
        let paxlst = kind == "PAXLST";
        if !paxlst {
            self.err(
                seg,
                format!("message type {kind:?} is not PAXLST: its body is not read"),
            );
        }
        let version = format!("{}:{}", seg.get(2, 1), seg.get(2, 2));
        if paxlst
            && !matches!(
                version.as_str(),
                "D:02B" | "D:03A" | "D:03B" | "D:04A" | "D:04B" | "D:05A" | "D:05B"
            )
        {
            self.err(
                seg,
                format!("PAXLST directory {version:?} is outside D:02B–D:05B; read as D:05B"),
            );
        }
        if seg.get(1, 0).is_empty() {
            self.err(seg, "UNH has no message reference (element 1)");
        }
        self.msg = Some(Builder {
            reference: seg.get(1, 0).to_string(),
            start: seg.position,
            segments: 1,
            message: Message {
                reference: (!seg.get(1, 0).is_empty()).then(|| seg.get(1, 0).to_string()),
                ..Message::default()
            },
            saw_bgm: false,
            person: None,
            in_document: false,
            declared: Vec::new(),
            paxlst,
        });
    }

    fn unt(&mut self, seg: &Segment) {
        let Some(b) = self.msg.take() else {
            self.err(seg, "UNT without UNH");
            return;
        };
        let counted = b.segments;
        match seg.get(1, 0).trim().parse::<usize>() {
            Ok(n) if n == counted => {}
            Ok(n) => self.err(
                seg,
                format!(
                    "UNT counts {n} segments, message {:?} has {counted} (UNH to UNT)",
                    b.reference
                ),
            ),
            Err(_) => self.err(
                seg,
                format!("UNT count {:?} is not a number", seg.get(1, 0)),
            ),
        }
        if seg.get(2, 0) != b.reference {
            self.err(
                seg,
                format!(
                    "UNT reference {:?} is not the UNH's {:?}",
                    seg.get(2, 0),
                    b.reference
                ),
            );
        }
        self.push_message(b);
    }

    fn push_message(&mut self, mut b: Builder) {
        self.messages_total += 1;
        if let Some((_, _, n)) = &mut self.group {
            *n += 1;
        }
        if !b.paxlst {
            return;
        }
        finish_person(&mut b);
        if !b.saw_bgm {
            self.err_at(
                b.start,
                "BGM",
                format!("message {:?} has no BGM", b.reference),
            );
        }
        let persons = b.message.persons.len();
        let crew = b
            .message
            .persons
            .iter()
            .filter(|p| p.role == PersonRole::Crew)
            .count();
        for (pos, qualifier, n) in std::mem::take(&mut b.declared) {
            let (what, actual) = if qualifier == "41" {
                ("crew members", crew)
            } else {
                ("persons", persons)
            };
            if n as usize != actual {
                self.err_at(
                    pos,
                    "CNT",
                    format!("CNT {qualifier} declares {n} {what}, the message lists {actual}"),
                );
            }
        }
        self.ic.messages.push(b.message);
    }

    fn finish(&mut self, end: usize, truncated: bool) {
        if let Some(b) = self.msg.take() {
            self.err_at(
                end,
                "UNT",
                format!("message {:?} ends without UNT", b.reference),
            );
            self.push_message(b);
        }
        if let Some((r, _, _)) = self.group.take() {
            self.err_at(end, "UNE", format!("group {r:?} ends without UNE"));
        }
        if self.saw_unb && !self.saw_unz {
            let why = if truncated {
                "the interchange is truncated"
            } else {
                "no UNZ"
            };
            self.err_at(
                end,
                "UNZ",
                format!("the interchange ends without UNZ: {why}"),
            );
        }
    }

    fn body(&mut self, b: &mut Builder, seg: &Segment) {
        let tag = seg.tag();
        if !PAXLST_SEGMENTS.contains(&tag) {
            self.err(seg, format!("unknown segment {tag} in a PAXLST message"));
            return;
        }
        match tag {
            "BGM" => {
                b.saw_bgm = true;
                match seg.get(1, 0) {
                    "745" => b.message.kind = ListType::PassengerList,
                    "250" => b.message.kind = ListType::CrewList,
                    other => self.err(
                        seg,
                        format!("BGM document code {other:?} is neither a passenger list (745) nor a crew list (250)"),
                    ),
                }
            }
            "TDT" => {
                let journey = seg.get(2, 0).trim();
                if journey.is_empty() {
                    self.err(seg, "TDT has no journey identifier (element 2)");
                }
                b.message.transport.journey = (!journey.is_empty()).then(|| journey.to_string());
                let carrier = seg.get(5, 0).trim();
                b.message.transport.carrier = (!carrier.is_empty()).then(|| carrier.to_string());
            }
            "NAD" => {
                let code = seg.get(1, 0);
                if let Some(role) = PersonRole::from_code(code) {
                    finish_person(b);
                    let surname = seg.get(4, 0).trim().to_string();
                    let given: Vec<&str> = seg.components(4).skip(1).map(str::trim).collect();
                    if surname.is_empty() {
                        self.err(
                            seg,
                            "NAD names no surname (element 4, component 1): the person is left out",
                        );
                        b.person = None;
                    } else {
                        b.person = Some(Person {
                            role,
                            surname,
                            given_names: given.join(" "),
                            ..Person::default()
                        });
                    }
                    b.in_document = false;
                } else if b.person.is_some() {
                    // A party of a person's group other than the person (e.g. an address).
                } else if code.is_empty() {
                    self.err(seg, "NAD has no party function code (element 1)");
                }
            }
            "DTM" => {
                let q = seg.get(1, 0);
                let value = seg.get(1, 1);
                let format = seg.get(1, 2);
                match q {
                    "329" | "36" => {
                        let Some(date) = parse_date(
                            value,
                            format,
                            q == "329",
                            self.ic.prepared.map(|t| t.date()),
                        ) else {
                            self.err(
                                seg,
                                format!("DTM {q} date {value:?} (format {format:?}) is not a date"),
                            );
                            return;
                        };
                        match (q, &mut b.person) {
                            ("329", Some(p)) => p.birth_date = Some(date),
                            ("36", Some(p)) if b.in_document => {
                                if let Some(d) = p.documents.last_mut() {
                                    d.expiry = Some(date);
                                }
                            }
                            ("36", Some(_)) => {
                                self.err(seg, "DTM 36 (expiry) before any DOC of the person")
                            }
                            _ => self.err(seg, format!("DTM {q} outside a person's group")),
                        }
                    }
                    "189" | "232" => {
                        let Some(t) = parse_time(value, format) else {
                            self.err(seg, format!("DTM {q} time {value:?} (format {format:?}) is not a date and time"));
                            return;
                        };
                        if q == "189" {
                            b.message.transport.departure.time = Some(t);
                        } else {
                            b.message.transport.arrival.time = Some(t);
                        }
                    }
                    _ => {}
                }
            }
            "LOC" => {
                let q = seg.get(1, 0);
                let place = seg.get(2, 0).trim();
                let place = (!place.is_empty()).then(|| place.to_string());
                match q {
                    "125" => b.message.transport.departure.location = place,
                    "87" => b.message.transport.arrival.location = place,
                    "178" | "179" | "91" | "22" | "174" | "180" => {
                        let Some(p) = &mut b.person else {
                            self.err(seg, format!("LOC {q} outside a person's group"));
                            return;
                        };
                        match q {
                            "178" => p.embarkation = place,
                            "179" => p.debarkation = place,
                            "91" => {
                                if b.in_document {
                                    if let Some(d) = p.documents.last_mut() {
                                        d.issuing_state = place;
                                    }
                                } else {
                                    self.err(
                                        seg,
                                        "LOC 91 (issuing state) before any DOC of the person",
                                    );
                                }
                            }
                            _ => {}
                        }
                    }
                    _ => {}
                }
            }
            "ATT" | "NAT" | "RFF" | "DOC" => {
                let Some(p) = &mut b.person else {
                    self.err(
                        seg,
                        format!("{tag} outside a person's group (no NAD FL/FM before it)"),
                    );
                    return;
                };
                match tag {
                    "ATT" => {
                        if seg.get(1, 0) == "2" {
                            let sex = seg.get(3, 0).trim().to_ascii_uppercase();
                            p.sex = (!sex.is_empty()).then_some(sex);
                        }
                    }
                    "NAT" => {
                        let n = seg.get(2, 0).trim();
                        if n.is_empty() {
                            self.err(seg, "NAT has no nationality (element 2)");
                        } else {
                            p.nationality = Some(n.to_string());
                        }
                    }
                    "RFF" => {
                        let v = seg.get(1, 1).trim();
                        match seg.get(1, 0) {
                            "SEA" if !v.is_empty() => match v.split_once('/') {
                                Some((c, s)) => {
                                    let text = |x: &str| {
                                        (!x.trim().is_empty()).then(|| x.trim().to_string())
                                    };
                                    p.carriage = text(c);
                                    p.seat = text(s);
                                }
                                None => p.seat = Some(v.to_string()),
                            },
                            "AVF" if !v.is_empty() => p.reservation = Some(v.to_string()),
                            _ => {}
                        }
                    }
                    _ => {
                        let number = seg.get(2, 0).trim();
                        let kind = seg.get(1, 0).trim();
                        if number.is_empty() {
                            self.err(seg, "DOC has no document number (element 2)");
                            b.in_document = false;
                            return;
                        }
                        p.documents.push(Document {
                            kind: if kind.is_empty() {
                                "P".into()
                            } else {
                                kind.to_string()
                            },
                            number: number.to_string(),
                            expiry: None,
                            issuing_state: None,
                        });
                        b.in_document = true;
                    }
                }
            }
            "CNT" => {
                finish_person(b);
                let q = seg.get(1, 0).to_string();
                match seg.get(1, 1).trim().parse::<u32>() {
                    Ok(n) if q == "42" || q == "41" => b.declared.push((seg.position, q, n)),
                    Ok(_) => {}
                    Err(_) => self.err(
                        seg,
                        format!("CNT value {:?} is not a number", seg.get(1, 1)),
                    ),
                }
            }
            _ => {}
        }
    }
}

fn finish_person(b: &mut Builder) {
    if let Some(p) = b.person.take() {
        b.message.persons.push(p);
    }
    b.in_document = false;
}

fn digits(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|c| c.is_ascii_digit())
}

fn ymd(y: i32, m: &str, d: &str) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(y, m.parse().ok()?, d.parse().ok()?)
}

/// A date in format 102 (CCYYMMDD) or 101 (YYMMDD), or by its length when no format is given.
/// Two-digit birth years take the latest century that does not put the birth after
/// `reference` (the interchange date), other years the 2000s.
fn parse_date(
    value: &str,
    format: &str,
    birth: bool,
    reference: Option<NaiveDate>,
) -> Option<NaiveDate> {
    let v = value.trim();
    if !digits(v) {
        return None;
    }
    match (format, v.len()) {
        ("102", 8) | ("", 8) => ymd(v[..4].parse().ok()?, &v[4..6], &v[6..8]),
        ("101", 6) | ("", 6) => {
            let yy: i32 = v[..2].parse().ok()?;
            let modern = ymd(2000 + yy, &v[2..4], &v[4..6])?;
            let late = ymd(1900 + yy, &v[2..4], &v[4..6])?;
            if birth {
                let limit = reference
                    .unwrap_or_else(|| NaiveDate::from_ymd_opt(2049, 12, 31).unwrap_or_default());
                Some(if modern > limit { late } else { modern })
            } else {
                Some(if yy >= 70 { late } else { modern })
            }
        }
        _ => None,
    }
}

/// A date and time in format 201 (YYMMDDHHMM), 203 (CCYYMMDDHHMM), 102 or 101 (dates at 00:00).
fn parse_time(value: &str, format: &str) -> Option<NaiveDateTime> {
    let v = value.trim();
    if !digits(v) {
        return None;
    }
    let hm = |s: &str| NaiveTime::from_hms_opt(s[..2].parse().ok()?, s[2..4].parse().ok()?, 0);
    match (format, v.len()) {
        ("201", 10) | ("", 10) => Some(
            ymd(2000 + v[..2].parse::<i32>().ok()?, &v[2..4], &v[4..6])?.and_time(hm(&v[6..10])?),
        ),
        ("203", 12) | ("", 12) => {
            Some(ymd(v[..4].parse().ok()?, &v[4..6], &v[6..8])?.and_time(hm(&v[8..12])?))
        }
        ("102", 8) | ("101", 6) | ("", 8) | ("", 6) => {
            Some(parse_date(v, format, false, None)?.and_time(NaiveTime::MIN))
        }
        _ => None,
    }
}

/// UNB's date (YYMMDD or CCYYMMDD) and time (HHMM).
fn parse_date_time(date: &str, time: &str) -> Option<NaiveDateTime> {
    let d = parse_date(date, "", false, None)?;
    let t = if time.len() == 4 && digits(time) {
        NaiveTime::from_hms_opt(time[..2].parse().ok()?, time[2..].parse().ok()?, 0)?
    } else {
        NaiveTime::MIN
    };
    Some(d.and_time(t))
}

/// Writes `message` as one interchange (UNA, UNB … UNZ, no functional group) with the given
/// sender, recipient and control reference. Dates are written with four-digit years (formats
/// 102 and 203) so nothing depends on a century guess.
pub fn write(message: &Message, sender: &str, recipient: &str, reference: &str) -> String {
    let d = Delimiters::default();
    let e = |s: &str| syntax::escape(s, &d);
    let mut segs: Vec<String> = Vec::new();
    let prepared = message.transport.departure.time.unwrap_or_else(|| {
        NaiveDate::from_ymd_opt(2000, 1, 1)
            .unwrap_or_default()
            .and_time(NaiveTime::MIN)
    });
    let reference = if reference.is_empty() { "1" } else { reference };
    let msg_ref = message.reference.clone().unwrap_or_else(|| "1".to_string());
    segs.push(format!(
        "UNB+UNOC:4+{}+{}+{}:{}+{}",
        e(sender),
        e(recipient),
        prepared.format("%y%m%d"),
        prepared.format("%H%M"),
        e(reference)
    ));
    let start = segs.len();
    segs.push(format!("UNH+{}+PAXLST:D:05B:UN:IATA", e(&msg_ref)));
    segs.push(format!("BGM+{}", message.kind.code()));
    let t = &message.transport;
    let journey = t.journey.clone().unwrap_or_default();
    match &t.carrier {
        Some(c) => segs.push(format!("TDT+20+{}+++{}", e(&journey), e(c))),
        None => segs.push(format!("TDT+20+{}", e(&journey))),
    }
    for (q, dq, place) in [("125", "189", &t.departure), ("87", "232", &t.arrival)] {
        if let Some(l) = &place.location {
            segs.push(format!("LOC+{q}+{}", e(l)));
        }
        if let Some(time) = place.time {
            segs.push(format!("DTM+{dq}:{}:203", time.format("%Y%m%d%H%M")));
        }
    }
    for p in &message.persons {
        let mut name = e(&p.surname);
        for g in p.given_names.split_whitespace() {
            name.push(':');
            name.push_str(&e(g));
        }
        segs.push(format!("NAD+{}+++{name}", p.role.code()));
        if let Some(s) = &p.sex {
            segs.push(format!("ATT+2++{}", e(s)));
        }
        if let Some(b) = p.birth_date {
            segs.push(format!("DTM+329:{}:102", b.format("%Y%m%d")));
        }
        if let Some(l) = &p.embarkation {
            segs.push(format!("LOC+178+{}", e(l)));
        }
        if let Some(l) = &p.debarkation {
            segs.push(format!("LOC+179+{}", e(l)));
        }
        if let Some(n) = &p.nationality {
            segs.push(format!("NAT+2+{}", e(n)));
        }
        if let Some(r) = &p.reservation {
            segs.push(format!("RFF+AVF:{}", e(r)));
        }
        match (&p.carriage, &p.seat) {
            (Some(c), Some(s)) => segs.push(format!("RFF+SEA:{}/{}", e(c), e(s))),
            (Some(c), None) => segs.push(format!("RFF+SEA:{}/", e(c))),
            (None, Some(s)) => segs.push(format!("RFF+SEA:{}", e(s))),
            (None, None) => {}
        }
        for doc in &p.documents {
            segs.push(format!("DOC+{}:110:111+{}", e(&doc.kind), e(&doc.number)));
            if let Some(x) = doc.expiry {
                segs.push(format!("DTM+36:{}:102", x.format("%Y%m%d")));
            }
            if let Some(s) = &doc.issuing_state {
                segs.push(format!("LOC+91+{}", e(s)));
            }
        }
    }
    segs.push(format!("CNT+42:{}", message.persons.len()));
    let count = segs.len() - start + 1;
    segs.push(format!("UNT+{count}+{}", e(&msg_ref)));
    segs.push(format!("UNZ+1+{}", e(reference)));
    let mut out = String::from("UNA:+.? '");
    for s in segs {
        out.push_str(&s);
        out.push_str("'\n");
    }
    out
}

#[cfg(test)]
mod tests;
