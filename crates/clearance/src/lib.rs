//! Clearance decision rules: from the document, the screening hits and the lane to a suggested
//! decision with reasons. Pure: no I/O, callers pass `today`.
//!
//! # Decisions
//!
//! The suggestion is the most severe of what every rule asks for
//! (`clear` < `secondary` < `refuse` < `detain`):
//!
//! | rule | code | decision |
//! |---|---|---|
//! | a Doc 9303 specimen (`UTO`): never a genuine document | `specimen_document` | secondary |
//! | a check digit that does not match (names the field) | `check_digit_failed` | secondary |
//! | any other field problem (date, country, sex, name; names the field) | `document_invalid` | secondary |
//! | expiry date unreadable | `expiry_unknown` | secondary |
//! | expired, on entry, foreign national | `document_expired` | refuse |
//! | expired, on entry, national of the port's country | `document_expired` | secondary |
//! | expired, on exit | `document_expired` | secondary |
//! | lost/stolen document hit | `lost_stolen_document` | secondary (+ action `seize_document`) |
//! | wanted hit with score ≥ threshold | `wanted` | detain |
//! | refused_entry hit with score ≥ threshold, on entry | `refused_entry` | refuse |
//! | refused_entry hit, on exit | `refused_entry_on_exit` | secondary |
//! | alert hit | `alert` | secondary, `discreet` |
//! | wanted/refused hit only through identity change or face (name below threshold) | `possible_identity_change` | secondary |
//!
//! Expired documents: a foreigner is refused entry (Doc 9303 / Schengen practice: a valid
//! document is an entry condition), but a state cannot refuse its own nationals, so they go to
//! second line; on exit the traveller is leaving, so the question is why the document lapsed
//! (overstay, fraud) — second line rather than refusal.
//!
//! # Lanes
//!
//! At a manual counter (and every other staffed lane) the suggestion is never final: the
//! inspector confirms or overrides it. At an e-gate the traveller is cleared automatically
//! (final, decided by the gate) only when the suggestion is `clear` **and** the traveller is
//! eligible for that gate ([`eligibility`]): direction, nationality, age from the birth date,
//! enrolment and document kind. Otherwise the outcome is [`Decision::SentToCounter`], not final,
//! and carries the underlying suggestion.
//!
//! # Screening threshold
//!
//! Hits are produced by `guomen_screen::Index::screen` at [`DEFAULT_THRESHOLD`]
//! (= `guomen_screen::DEFAULT_NAME_THRESHOLD`, 0.84 on the 0..1 combined score: name similarity
//! plus birth date, sex, nationality and document adjustments). Lost/stolen document, identity
//! change and face hits stand on their own, whatever the score.

pub mod channel;

use chrono::{Datelike, NaiveDate};
use guomen_domain::watchlist::ListKind;
use guomen_port::{Direction as LaneDirection, DocumentKind, Lane, LaneKind};
use serde::{Deserialize, Serialize};

/// The screening threshold the server and CLI use unless told otherwise.
pub const DEFAULT_THRESHOLD: f64 = guomen_screen::DEFAULT_NAME_THRESHOLD;

/// Which way the traveller crosses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    Entry,
    Exit,
}

impl Direction {
    pub fn as_str(self) -> &'static str {
        match self {
            Direction::Entry => "entry",
            Direction::Exit => "exit",
        }
    }

    /// Whether a lane open in `lane` direction takes travellers going this way.
    pub fn allowed_on(self, lane: LaneDirection) -> bool {
        matches!(
            (self, lane),
            (_, LaneDirection::Both)
                | (Direction::Entry, LaneDirection::Entry)
                | (Direction::Exit, LaneDirection::Exit)
        )
    }
}

/// A decision. The first four are final decisions an inspector (or gate) takes;
/// `SentToCounter` is an e-gate's answer when it may not decide.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    Clear,
    Secondary,
    Refuse,
    Detain,
    SentToCounter,
}

impl Decision {
    /// The decisions an inspector may record.
    pub const FINAL: [Decision; 4] = [
        Decision::Clear,
        Decision::Secondary,
        Decision::Refuse,
        Decision::Detain,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Decision::Clear => "clear",
            Decision::Secondary => "secondary",
            Decision::Refuse => "refuse",
            Decision::Detain => "detain",
            Decision::SentToCounter => "sent_to_counter",
        }
    }

    pub fn parse(s: &str) -> Option<Decision> {
        [
            Decision::Clear,
            Decision::Secondary,
            Decision::Refuse,
            Decision::Detain,
            Decision::SentToCounter,
        ]
        .into_iter()
        .find(|d| d.as_str() == s)
    }
}

/// The travel document kind a document code stands for, as far as lane rules need it:
/// `P…` passport, `C…` travel permit (Doc 9303 leaves `C` to the issuer; China uses it for
/// its permits), `A…`/`I…` identity-type cards are taken as border passes. Visas and anything
/// else: `None`, which no lane with a document rule accepts.
pub fn document_kind_of_code(code: &str) -> Option<DocumentKind> {
    match code.chars().next()? {
        'P' => Some(DocumentKind::Passport),
        'C' => Some(DocumentKind::TravelPermit),
        'A' | 'I' => Some(DocumentKind::BorderPass),
        _ => None,
    }
}

/// One problem with the document, naming the field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DocProblem {
    pub field: String,
    /// `check_digit` for a failed check digit, anything else for other field problems.
    pub kind: String,
    pub message: String,
}

/// What the rules need to know about the document and its holder.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct DocumentFacts {
    pub nationality: Option<String>,
    pub issuing_state: Option<String>,
    pub birth_date: Option<NaiveDate>,
    pub expiry_date: Option<NaiveDate>,
    pub kind: Option<DocumentKind>,
    pub specimen: bool,
    /// Field problems found when reading the document; empty when valid.
    pub problems: Vec<DocProblem>,
    /// Enrolled for e-gates (told by the gate's biometric registry or the inspection request).
    pub enrolled: bool,
}

impl DocumentFacts {
    /// Facts from a parsed MRZ (problems are the MRZ's field-level errors).
    pub fn from_mrz(m: &guomen_mrz::Mrz) -> DocumentFacts {
        let opt = |s: &str| (!s.is_empty()).then(|| s.to_owned());
        DocumentFacts {
            nationality: opt(m.nationality.as_str()),
            issuing_state: opt(m.issuing_state.as_str()),
            birth_date: m.birth_date,
            expiry_date: m.expiry_date,
            kind: document_kind_of_code(m.document_code.as_str()),
            specimen: m.specimen,
            problems: m
                .errors
                .iter()
                .map(|e| DocProblem {
                    field: e.field.to_owned(),
                    kind: if e.kind == guomen_mrz::ErrorKind::CheckDigit {
                        "check_digit".to_owned()
                    } else {
                        format!("{:?}", e.kind).to_lowercase()
                    },
                    message: e.to_string(),
                })
                .collect(),
            enrolled: false,
        }
    }

    /// Age in whole years on `today`; `None` without a birth date or for one after `today`.
    pub fn age_on(&self, today: NaiveDate) -> Option<u32> {
        let b = self.birth_date?;
        if b > today {
            return None;
        }
        let mut age = u32::try_from(today.year() - b.year()).ok()?;
        if (today.month(), today.day()) < (b.month(), b.day()) {
            age = age.checked_sub(1)?;
        }
        Some(age)
    }
}

/// What the rules need to know about one screening hit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HitFacts {
    pub list: ListKind,
    pub entry_id: String,
    pub score: f64,
    /// Reported only because of an identity-change pattern (birth date and nationality exact,
    /// name a variant).
    pub identity_change: bool,
    /// A face template matched.
    pub face: bool,
    /// The entry's own action text ("arrest", ...), shown to the inspector.
    #[serde(default)]
    pub action: String,
}

impl HitFacts {
    pub fn from_hit(h: &guomen_screen::Hit, action: impl Into<String>) -> HitFacts {
        HitFacts {
            list: h.list,
            entry_id: h.entry_id.clone(),
            score: h.score,
            identity_change: h.explain.iter().any(|e| e.field == "identity_change"),
            face: h.explain.iter().any(|e| e.field == "face"),
            action: action.into(),
        }
    }
}

/// Where and when the inspection happens.
#[derive(Debug, Clone)]
pub struct Context<'a> {
    pub lane: &'a Lane,
    pub direction: Direction,
    pub today: NaiveDate,
    /// The port's own country (ICAO code): its nationals cannot be refused entry.
    pub home_country: Option<&'a str>,
    pub threshold: f64,
}

/// Why: a stable code for programs, text for people, and the field or hit concerned.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Reason {
    pub code: String,
    pub text: String,
    /// The suggestion this reason asks for on its own.
    pub decision: Decision,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub entry_id: Option<String>,
}

impl Reason {
    fn new(code: &str, decision: Decision, text: String) -> Reason {
        Reason {
            code: code.to_owned(),
            text,
            decision,
            field: None,
            entry_id: None,
        }
    }
    fn field(mut self, f: &str) -> Reason {
        self.field = Some(f.to_owned());
        self
    }
    fn entry(mut self, id: &str) -> Reason {
        self.entry_id = Some(id.to_owned());
        self
    }
}

/// The rules' answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Outcome {
    /// What is answered: the suggestion, or `sent_to_counter` at an e-gate that may not decide.
    pub decision: Decision,
    /// The suggestion from document and hits alone (never `sent_to_counter`).
    pub suggested: Decision,
    /// True only for an automatic e-gate clearance.
    pub is_final: bool,
    pub reasons: Vec<Reason>,
    /// What to do besides the decision: `seize_document`, `arrest`, `notify_command`.
    pub actions: Vec<String>,
    /// An alert hit: do not let the traveller notice.
    pub discreet: bool,
}

/// Whether the traveller may use an e-gate lane; every failed condition is a reason
/// (code `egate_*`).
pub fn eligibility(doc: &DocumentFacts, ctx: &Context<'_>) -> Vec<Reason> {
    let lane = ctx.lane;
    let rules = &lane.rules;
    let mut out = Vec::new();
    let counter = |code: &str, text: String| Reason::new(code, Decision::SentToCounter, text);
    if !ctx.direction.allowed_on(lane.direction) {
        out.push(counter(
            "egate_direction",
            format!(
                "lane {} is open for {} only",
                lane.id,
                lane.direction.as_str()
            ),
        ));
    }
    if !rules.nationalities.is_empty() {
        let ok = doc
            .nationality
            .as_deref()
            .is_some_and(|n| rules.nationalities.iter().any(|r| r == n));
        if !ok {
            out.push(
                counter(
                    "egate_nationality",
                    format!(
                        "nationality {} is not one this gate takes ({})",
                        doc.nationality.as_deref().unwrap_or("unknown"),
                        rules.nationalities.join(", ")
                    ),
                )
                .field("nationality"),
            );
        }
    }
    if let Some(min) = rules.min_age {
        match doc.age_on(ctx.today) {
            Some(age) if age >= u32::from(min) => {}
            Some(age) => out.push(
                counter(
                    "egate_age",
                    format!("aged {age}, this gate needs {min} or older"),
                )
                .field("birth_date"),
            ),
            None => out.push(
                counter(
                    "egate_age",
                    format!("age unknown (no full birth date), this gate needs {min} or older"),
                )
                .field("birth_date"),
            ),
        }
    }
    if rules.requires_enrolment && !doc.enrolled {
        out.push(counter(
            "egate_enrolment",
            "not enrolled for this gate".to_owned(),
        ));
    }
    if !rules.documents.is_empty() && !doc.kind.is_some_and(|k| rules.documents.contains(&k)) {
        out.push(
            counter(
                "egate_document_kind",
                format!(
                    "document kind {} is not accepted here ({})",
                    doc.kind.map_or("unknown", |k| k.as_str()),
                    rules
                        .documents
                        .iter()
                        .map(|d| d.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            )
            .field("document_code"),
        );
    }
    out
}

/// The reasons from the document alone.
pub fn document_reasons(doc: &DocumentFacts, ctx: &Context<'_>) -> Vec<Reason> {
    let mut out = Vec::new();
    if doc.specimen {
        out.push(
            Reason::new(
                "specimen_document",
                Decision::Secondary,
                "a Doc 9303 specimen (UTO), never a genuine travel document".to_owned(),
            )
            .field("issuing_state"),
        );
    }
    for p in &doc.problems {
        let code = if p.kind == "check_digit" {
            "check_digit_failed"
        } else {
            "document_invalid"
        };
        out.push(Reason::new(code, Decision::Secondary, p.message.clone()).field(&p.field));
    }
    match doc.expiry_date {
        None => out.push(
            Reason::new(
                "expiry_unknown",
                Decision::Secondary,
                "the expiry date could not be read".to_owned(),
            )
            .field("expiry_date"),
        ),
        Some(e) if ctx.today > e => {
            let national = match (ctx.home_country, doc.nationality.as_deref()) {
                (Some(h), Some(n)) => h == n,
                _ => false,
            };
            let decision = match ctx.direction {
                Direction::Entry if !national => Decision::Refuse,
                _ => Decision::Secondary,
            };
            out.push(
                Reason::new(
                    "document_expired",
                    decision,
                    format!(
                        "document expired on {e}{}",
                        if decision == Decision::Secondary && ctx.direction == Direction::Entry {
                            " (a national cannot be refused entry)"
                        } else {
                            ""
                        }
                    ),
                )
                .field("expiry_date"),
            );
        }
        Some(_) => {}
    }
    out
}

/// The reasons from the hits alone, with the actions they call for.
pub fn hit_reasons(hits: &[HitFacts], ctx: &Context<'_>) -> (Vec<Reason>, Vec<&'static str>, bool) {
    let mut out = Vec::new();
    let mut actions = Vec::new();
    let mut discreet = false;
    for h in hits {
        let strong = h.score >= ctx.threshold && !h.identity_change;
        let id = h.entry_id.as_str();
        match h.list {
            ListKind::LostStolenDocument => {
                out.push(
                    Reason::new(
                        "lost_stolen_document",
                        Decision::Secondary,
                        format!("document is listed as lost or stolen ({id})"),
                    )
                    .field("document_number")
                    .entry(id),
                );
                actions.push("seize_document");
            }
            ListKind::Wanted | ListKind::RefusedEntry if !strong => {
                out.push(
                    Reason::new(
                        "possible_identity_change",
                        Decision::Secondary,
                        format!(
                            "may be {} entry {id} under another identity ({}, score {:.2})",
                            h.list,
                            if h.face {
                                "face template match"
                            } else {
                                "same birth date and nationality, name variant"
                            },
                            h.score
                        ),
                    )
                    .entry(id),
                );
                actions.push("notify_command");
            }
            ListKind::Wanted => {
                out.push(
                    Reason::new(
                        "wanted",
                        Decision::Detain,
                        format!("wanted person ({id}, score {:.2})", h.score),
                    )
                    .entry(id),
                );
                actions.push("arrest");
                actions.push("notify_command");
            }
            ListKind::RefusedEntry => {
                if ctx.direction == Direction::Entry {
                    out.push(
                        Reason::new(
                            "refused_entry",
                            Decision::Refuse,
                            format!("person refused entry ({id}, score {:.2})", h.score),
                        )
                        .entry(id),
                    );
                    actions.push("notify_command");
                } else {
                    out.push(
                        Reason::new(
                            "refused_entry_on_exit",
                            Decision::Secondary,
                            format!(
                                "a person refused entry ({id}) is leaving: check how they entered"
                            ),
                        )
                        .entry(id),
                    );
                }
            }
            ListKind::Alert => {
                out.push(
                    Reason::new(
                        "alert",
                        Decision::Secondary,
                        format!(
                            "alert ({id}, score {:.2}): check discreetly, do not alert the person",
                            h.score
                        ),
                    )
                    .entry(id),
                );
                discreet = true;
            }
        }
    }
    actions.sort_unstable();
    actions.dedup();
    (out, actions, discreet)
}

/// Applies every rule. See the crate docs for the table.
pub fn decide(doc: &DocumentFacts, hits: &[HitFacts], ctx: &Context<'_>) -> Outcome {
    let mut reasons = document_reasons(doc, ctx);
    let (hr, actions, discreet) = hit_reasons(hits, ctx);
    reasons.extend(hr);
    let suggested = reasons
        .iter()
        .map(|r| r.decision)
        .filter(|d| *d != Decision::SentToCounter)
        .max()
        .unwrap_or(Decision::Clear);
    let (decision, is_final) = if ctx.lane.kind == LaneKind::Egate {
        let ineligible = eligibility(doc, ctx);
        if suggested == Decision::Clear && ineligible.is_empty() {
            (Decision::Clear, true)
        } else {
            if suggested != Decision::Clear {
                reasons.push(Reason::new(
                    "egate_not_clear",
                    Decision::SentToCounter,
                    format!("the gate clears only unhit travellers with valid documents (suggestion: {})", suggested.as_str()),
                ));
            }
            reasons.extend(ineligible);
            (Decision::SentToCounter, false)
        }
    } else {
        (suggested, false)
    };
    Outcome {
        decision,
        suggested,
        is_final,
        reasons,
        actions: actions.into_iter().map(str::to_owned).collect(),
        discreet,
    }
}

/// Whether recording `chosen` for an inspection whose suggestion was `suggested` needs a
/// written reason: overriding does, confirming does not. `sent_to_counter` is not a decision
/// an inspector records.
pub fn override_needs_reason(suggested: Decision, chosen: Decision) -> Result<bool, String> {
    if chosen == Decision::SentToCounter {
        return Err(
            "`sent_to_counter` is not a final decision; choose clear, secondary, refuse or detain"
                .to_owned(),
        );
    }
    Ok(chosen != suggested)
}

#[cfg(test)]
mod tests;
