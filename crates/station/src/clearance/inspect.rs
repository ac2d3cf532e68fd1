//! Inspections: read the document (MRZ or hand-typed), screen the traveller against the live
//! index, apply the clearance rules for the lane, and journal the outcome — a pending
//! inspection (`inspection.created`, held in `docs` collection `inspections`) or, when final,
//! a crossing (`crossing.recorded` with `Projection::AddCrossing`) in the same append.

use chrono::{DateTime, NaiveDate, Utc};
use guomen_clearance::{
    Context, DEFAULT_THRESHOLD, Decision, Direction, DocumentFacts, HitFacts, decide,
};
use guomen_domain::watchlist::{ListKind, PartialDate, Sex};
use guomen_port::DocumentKind;
use guomen_screen::Query;
use guomen_store::{Change, CrossingRecord, Projection};
use serde::Deserialize;
use serde_json::{Value, json};

use super::INSPECTIONS_COLLECTION;
use crate::Station;
use crate::auth::new_id;
use crate::event::{
    CrossingRecorded, Event, InspectionCountersignRequested, InspectionCountersigned,
    InspectionCreated,
};
use crate::{StationError, StationResult};

/// Hits kept per inspection, best first.
const MAX_HITS: usize = 20;
/// Longest face template accepted when the lists hold none to compare the length with.
const MAX_FACE_DIM: usize = 4096;
const MAX_FIELD_CHARS: usize = 200;

/// Hand-typed document fields, when the MRZ cannot be read.
#[derive(Debug, Clone, PartialEq, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct ManualDocument {
    pub surname: String,
    #[serde(default)]
    pub given_names: String,
    /// ICAO 9303 code, e.g. `MNG`, `D`.
    pub nationality: String,
    /// `YYYY-MM-DD` (or `YYYY-MM`, `YYYY` when the document gives no more).
    pub birth_date: String,
    /// `M`, `F` or `X`.
    #[serde(default)]
    pub sex: Option<String>,
    pub document_number: String,
    pub issuing_state: String,
    /// `YYYY-MM-DD`.
    pub expiry_date: String,
    /// `passport` (default), `travel_permit`, `border_pass`, `crew_card`,
    /// `emergency_travel_document`.
    #[serde(default)]
    pub document_kind: Option<String>,
}

/// `POST /api/v1/inspections`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewInspection {
    pub site_id: String,
    pub lane_id: String,
    /// `entry` or `exit`.
    pub direction: Direction,
    /// The MRZ, one string per line (2 or 3 lines).
    #[serde(default)]
    pub mrz: Option<Vec<String>>,
    /// Hand-typed fields instead of `mrz`.
    #[serde(default)]
    pub document: Option<ManualDocument>,
    /// The face-capture system's template, compared 1:N with templates on the lists.
    #[serde(default)]
    pub face_template: Option<Vec<f64>>,
    /// The traveller is enrolled for e-gates (told by the gate's biometric registry).
    #[serde(default)]
    pub enrolled: bool,
    /// The visa type (`X1`, `X2` study visas, `L`, `M`...), for the special channels.
    #[serde(default)]
    pub visa_type: Option<String>,
    /// The purpose of the crossing (`study`, `tourism`, `rescue`...), for the special channels.
    #[serde(default)]
    pub purpose: Option<String>,
}

/// An optional short token (`visa_type`, `purpose`): trimmed, empty as absent.
fn token_field(field: &str, v: Option<&str>, max: usize) -> StationResult<Option<String>> {
    let Some(v) = v.map(str::trim).filter(|v| !v.is_empty()) else {
        return Ok(None);
    };
    if v.chars().count() > max
        || !v
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    {
        return Err(bad(
            field,
            format!("at most {max} letters, digits, `_` or `-`"),
        ));
    }
    Ok(Some(v.to_owned()))
}

fn bad(field: &str, message: impl Into<String>) -> StationError {
    let message = message.into();
    StationError::unprocessable(format!("`{field}`: {message}"))
        .with_details(json!({"field": field, "message": message}))
}

fn code_field(field: &str, v: &str) -> StationResult<String> {
    let v = v.trim().to_ascii_uppercase();
    if guomen_mrz::codes::lookup(&v).is_none() {
        return Err(bad(
            field,
            format!("`{v}` is not an ICAO 9303 country code"),
        ));
    }
    Ok(v)
}

fn text_field(field: &str, v: &str, required: bool) -> StationResult<String> {
    let v = v.trim();
    if required && v.is_empty() {
        return Err(bad(field, "must not be empty"));
    }
    if v.chars().count() > MAX_FIELD_CHARS {
        return Err(bad(field, format!("at most {MAX_FIELD_CHARS} characters")));
    }
    Ok(v.to_owned())
}

/// The document read, the facts the rules need, and the screening query.
struct Read {
    view: Value,
    facts: DocumentFacts,
    query: Query,
}

fn read_mrz(lines: &[String], today: NaiveDate) -> StationResult<Read> {
    let m = guomen_mrz::parse_lines(lines, today).map_err(|e| {
        StationError::unprocessable(format!("malformed MRZ: {e}")).with_details(json!({
            "line": e.line, "position": e.position, "field": e.field,
            "kind": e.kind, "message": e.message,
        }))
    })?;
    let mut view = guomen_mrz::to_json(&m);
    if let Some(o) = view.as_object_mut() {
        o.insert("source".into(), json!("mrz"));
    }
    let facts = DocumentFacts::from_mrz(&m);
    let sex = match m.sex {
        Some(guomen_mrz::Sex::Male) => Some(Sex::Male),
        Some(guomen_mrz::Sex::Female) => Some(Sex::Female),
        _ => None,
    };
    let query = Query {
        name: format!("{} {}", m.given_names, m.surname).trim().to_owned(),
        birth_date: m.birth_date.and_then(partial),
        sex,
        nationality: facts.nationality.clone(),
        document_number: Some(m.document_number.as_str().to_owned()).filter(|s| !s.is_empty()),
        document_country: facts.issuing_state.clone(),
        face_template: None,
    };
    Ok(Read { view, facts, query })
}

fn partial(d: NaiveDate) -> Option<PartialDate> {
    use chrono::Datelike;
    Some(PartialDate::full(
        u16::try_from(d.year()).ok()?,
        u8::try_from(d.month()).ok()?,
        u8::try_from(d.day()).ok()?,
    ))
}

fn read_manual(d: &ManualDocument) -> StationResult<Read> {
    let surname = text_field("document.surname", &d.surname, true)?;
    let given = text_field("document.given_names", &d.given_names, false)?;
    let number = text_field("document.document_number", &d.document_number, true)?;
    let nationality = code_field("document.nationality", &d.nationality)?;
    let issuing = code_field("document.issuing_state", &d.issuing_state)?;
    let birth: PartialDate =
        d.birth_date
            .parse()
            .map_err(|e: guomen_domain::watchlist::InvalidDate| {
                bad("document.birth_date", e.to_string())
            })?;
    let expiry = NaiveDate::parse_from_str(d.expiry_date.trim(), "%Y-%m-%d")
        .map_err(|_| bad("document.expiry_date", "expected YYYY-MM-DD"))?;
    let sex = match d.sex.as_deref() {
        None => None,
        Some(s) => match s.parse::<Sex>() {
            Ok(Sex::Unspecified) => None,
            Ok(x) => Some(x),
            Err(e) => return Err(bad("document.sex", e)),
        },
    };
    let kind = match d.document_kind.as_deref() {
        None => DocumentKind::Passport,
        Some(k) => DocumentKind::parse(k).ok_or_else(|| {
            bad(
                "document.document_kind",
                format!("unknown document kind `{k}`"),
            )
        })?,
    };
    let birth_full = match (birth.month, birth.day) {
        (Some(m), Some(day)) => {
            NaiveDate::from_ymd_opt(i32::from(birth.year), u32::from(m), u32::from(day))
        }
        _ => None,
    };
    let specimen = matches!(
        guomen_mrz::codes::kind(&issuing),
        Some(guomen_mrz::CodeKind::Specimen)
    ) || matches!(
        guomen_mrz::codes::kind(&nationality),
        Some(guomen_mrz::CodeKind::Specimen)
    );
    let facts = DocumentFacts {
        nationality: Some(nationality.clone()),
        issuing_state: Some(issuing.clone()),
        birth_date: birth_full,
        expiry_date: Some(expiry),
        kind: Some(kind),
        specimen,
        problems: Vec::new(),
        enrolled: false,
    };
    let view = json!({
        "source": "manual",
        "valid": true,
        "format": null,
        "document_kind": kind.as_str(),
        "document_number": number,
        "surname": surname,
        "given_names": given,
        "nationality": nationality,
        "issuing_state": issuing,
        "birth_date": birth.to_string(),
        "expiry_date": expiry,
        "sex": sex,
        "specimen": specimen,
        "checks": {},
        "errors": [],
    });
    let query = Query {
        name: format!("{given} {surname}").trim().to_owned(),
        birth_date: Some(birth),
        sex,
        nationality: Some(nationality),
        document_number: Some(number),
        document_country: Some(issuing),
        face_template: None,
    };
    Ok(Read { view, facts, query })
}

/// A person screened outside an inspection (a truck driver at booking and at the gate).
#[derive(Debug, Clone, PartialEq)]
pub struct Screened {
    /// `given surname`, as read.
    pub name: String,
    pub nationality: Option<String>,
    pub document_number: Option<String>,
    /// The lists that hit, with the entry ids and scores (for staff only).
    pub hits: Vec<Value>,
}

/// Reads a document (MRZ lines or hand-typed fields, exactly one) and screens its holder
/// against the live index. `field` names the request field in errors.
pub async fn screen_document(
    state: &Station,
    field: &str,
    mrz: Option<&[String]>,
    document: Option<&ManualDocument>,
) -> StationResult<Screened> {
    let today = state.local_day(state.now());
    let read = match (mrz, document) {
        (Some(lines), None) => read_mrz(lines, today)?,
        (None, Some(d)) => read_manual(d)?,
        _ => {
            return Err(bad(
                field,
                "give exactly one of `mrz` (lines) or `document` (hand-typed fields)",
            ));
        }
    };
    state.clearance.ready().await;
    let live = state.clearance.live();
    let mut hits = live.index.screen(&read.query, DEFAULT_THRESHOLD);
    hits.truncate(MAX_HITS);
    let action_of = |id: &str| live.actions.get(id).cloned().unwrap_or_default();
    Ok(Screened {
        name: read.query.name.clone(),
        nationality: read.query.nationality.clone(),
        document_number: read.query.document_number.clone(),
        hits: hits
            .iter()
            .map(|h| hit_json(h, &action_of(&h.entry_id)))
            .collect(),
    })
}

fn hit_json(h: &guomen_screen::Hit, action: &str) -> Value {
    json!({
        "list": h.list,
        "entry_id": h.entry_id,
        "score": h.score,
        "name_score": h.name_score,
        "matched_name": h.matched_name,
        "action": action,
        "explain": h.explain,
    })
}

/// Runs an inspection and journals it. Returns the inspection record (as stored).
pub async fn inspect(state: &Station, actor: &str, req: NewInspection) -> StationResult<Value> {
    let port = &state.port;
    if port.site(&req.site_id).is_none() {
        return Err(bad("site_id", format!("unknown site `{}`", req.site_id)));
    }
    let lane = port
        .lane(&req.lane_id)
        .ok_or_else(|| bad("lane_id", format!("unknown lane `{}`", req.lane_id)))?;
    if lane.site != req.site_id {
        return Err(bad(
            "lane_id",
            format!(
                "lane `{}` is on site `{}`, not `{}`",
                lane.id, lane.site, req.site_id
            ),
        ));
    }
    if !req.direction.allowed_on(lane.direction) {
        return Err(bad(
            "direction",
            format!(
                "lane `{}` is open for {} only",
                lane.id,
                lane.direction.as_str()
            ),
        ));
    }
    let visa_type =
        token_field("visa_type", req.visa_type.as_deref(), 8)?.map(|v| v.to_ascii_uppercase());
    let purpose =
        token_field("purpose", req.purpose.as_deref(), 32)?.map(|v| v.to_ascii_lowercase());
    let now = state.now();
    let today = state.local_day(now);
    let mut read = match (&req.mrz, &req.document) {
        (Some(lines), None) => read_mrz(lines, today)?,
        (None, Some(d)) => read_manual(d)?,
        (Some(_), Some(_)) => {
            return Err(bad("mrz", "give either `mrz` or `document`, not both"));
        }
        (None, None) => return Err(bad("mrz", "give `mrz` lines or a hand-typed `document`")),
    };
    read.facts.enrolled = req.enrolled;
    state.clearance.ready().await;
    let live = state.clearance.live();
    if let Some(t) = &req.face_template {
        let want = live.face_dim;
        if t.is_empty() || t.len() > MAX_FACE_DIM || want.is_some_and(|d| d != t.len()) {
            return Err(bad(
                "face_template",
                match want {
                    Some(d) => format!("expected {d} numbers, got {}", t.len()),
                    None => format!("expected 1 to {MAX_FACE_DIM} numbers, got {}", t.len()),
                },
            ));
        }
        if t.iter().any(|x| !x.is_finite()) {
            return Err(bad("face_template", "numbers must be finite"));
        }
        read.query.face_template = Some(t.iter().map(|x| *x as f32).collect());
    }
    let threshold = DEFAULT_THRESHOLD;
    let mut hits = live.index.screen(&read.query, threshold);
    hits.truncate(MAX_HITS);
    let action_of = |id: &str| live.actions.get(id).cloned().unwrap_or_default();
    let facts: Vec<HitFacts> = hits
        .iter()
        .map(|h| HitFacts::from_hit(h, action_of(&h.entry_id)))
        .collect();
    let home = port.info.country.as_str();
    let ctx = Context {
        lane,
        direction: req.direction,
        today,
        home_country: (!home.is_empty()).then_some(home),
        threshold,
    };
    let outcome = decide(&read.facts, &facts, &ctx);
    let day = today.format("%Y-%m-%d").to_string();
    let declared = guomen_clearance::channel::Declared {
        visa_type: visa_type.as_deref(),
        purpose: purpose.as_deref(),
        holiday: port.holiday_windows.iter().any(|w| w.covers(&day)),
    };
    let site_lanes: Vec<&guomen_port::Lane> =
        port.lanes.iter().filter(|l| l.site == lane.site).collect();
    let channel_advice =
        guomen_clearance::channel::advise(&read.facts, &ctx, &site_lanes, &declared);
    let id = new_id();
    let hits_json: Vec<Value> = hits
        .iter()
        .map(|h| hit_json(h, &action_of(&h.entry_id)))
        .collect();
    let nationality = read.facts.nationality.clone().unwrap_or_default();
    let mut record = json!({
        "id": id,
        "site_id": req.site_id,
        "lane_id": lane.id,
        "lane_kind": lane.kind.as_str(),
        "direction": req.direction.as_str(),
        "created": now,
        "created_by": actor,
        "decision": outcome.decision.as_str(),
        "suggested": outcome.suggested.as_str(),
        "final": outcome.is_final,
        "status": if outcome.is_final { "decided" } else { "pending" },
        "reasons": outcome.reasons,
        "actions": outcome.actions,
        "discreet": outcome.discreet,
        "hits": hits_json,
        "document": read.view,
        "nationality": nationality,
        "crossing_id": null,
        "decided_by": null,
        "override_reason": null,
        "visa_type": visa_type,
        "purpose": purpose,
        "channel_advice": channel_advice,
    });
    let mut changes = Vec::new();
    // A wanted person (or a refused one coming in) is the command centre's business at once.
    for (h, f) in hits.iter().zip(&facts) {
        let raise = h.list == ListKind::Wanted
            || (h.list == ListKind::RefusedEntry && req.direction == Direction::Entry);
        if raise {
            let event = Event::WatchlistHit(guomen_ops::WatchlistHit {
                inspection_id: id.clone(),
                site_id: req.site_id.clone(),
                lane_id: lane.id.clone(),
                direction: req.direction.as_str().to_owned(),
                list: h.list,
                entry_id: h.entry_id.clone(),
                score: h.score,
                action: f.action.clone(),
            });
            changes.push(Change::event(event.to_new(actor, now)));
        }
    }
    if outcome.is_final {
        let decided_by = format!("gate:{}", lane.id);
        let crossing = finalise(&mut record, outcome.decision, &decided_by, None, now);
        changes.push(crossing_change(state, &record, crossing, actor, now)?);
    } else {
        changes.push(
            Change::event(
                Event::InspectionCreated(InspectionCreated {
                    id: id.clone(),
                    site_id: req.site_id.clone(),
                    lane_id: lane.id.clone(),
                    direction: req.direction.as_str().to_owned(),
                    decision: outcome.decision.as_str().to_owned(),
                    suggested: outcome.suggested.as_str().to_owned(),
                    nationality: nationality.clone(),
                    hits: hits.len(),
                })
                .to_new(actor, now),
            )
            .with(Projection::PutDoc {
                collection: INSPECTIONS_COLLECTION.to_owned(),
                id: id.clone(),
                body: record.clone(),
            }),
        );
    }
    state.append(changes).await?;
    Ok(record)
}

/// Marks the record decided and returns the crossing record for it.
fn finalise(
    record: &mut Value,
    decision: Decision,
    decided_by: &str,
    reason: Option<String>,
    now: DateTime<Utc>,
) -> CrossingRecord {
    let crossing_id = new_id();
    if let Some(o) = record.as_object_mut() {
        o.insert("decision".into(), json!(decision.as_str()));
        o.insert("final".into(), json!(true));
        o.insert("status".into(), json!("decided"));
        o.insert("crossing_id".into(), json!(crossing_id));
        o.insert("decided_by".into(), json!(decided_by));
        o.insert("decided_at".into(), json!(now));
        o.insert("override_reason".into(), json!(reason));
    }
    let s = |k: &str| {
        record
            .get(k)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned()
    };
    CrossingRecord {
        id: crossing_id,
        seq: 0,
        time: DateTime::<Utc>::UNIX_EPOCH,
        site_id: s("site_id"),
        lane_id: s("lane_id"),
        direction: s("direction"),
        nationality: s("nationality"),
        decision: decision.as_str().to_owned(),
        decided_by: decided_by.to_owned(),
        detail: json!({
            "inspection_id": record.get("id"),
            "suggested": record.get("suggested"),
            "override_reason": reason,
            "reasons": record.get("reasons"),
            "actions": record.get("actions"),
            "hits": record.get("hits"),
            "document": record.get("document"),
            "lane_kind": record.get("lane_kind"),
        }),
    }
}

fn crossing_change(
    state: &Station,
    record: &Value,
    crossing: CrossingRecord,
    actor: &str,
    now: DateTime<Utc>,
) -> StationResult<Change> {
    let id = record
        .get("id")
        .and_then(Value::as_str)
        .ok_or_else(|| StationError::internal("inspection record without id"))?
        .to_owned();
    let lane = state.port().lane(&crossing.lane_id);
    let recorded = CrossingRecorded {
        crossing_id: crossing.id.clone(),
        inspection_id: id.clone(),
        site_id: crossing.site_id.clone(),
        lane_id: crossing.lane_id.clone(),
        direction: crossing.direction.clone(),
        decision: crossing.decision.clone(),
        decided_by: crossing.decided_by.clone(),
        nationality: crossing.nationality.clone(),
        lane_kind: lane.map(|l| l.kind.as_str().to_owned()).unwrap_or_default(),
        channel: lane
            .and_then(|l| l.channel)
            .map(|c| c.as_str().to_owned())
            .unwrap_or_default(),
        conveyance: "person".to_owned(),
        hit: record
            .get("hits")
            .and_then(Value::as_array)
            .is_some_and(|h| !h.is_empty()),
    };
    let count = state.count_of(&recorded, now);
    let event = Event::CrossingRecorded(recorded);
    Ok(Change::event(event.to_new(actor, now))
        .with(Projection::AddCrossing(crossing))
        .with(count)
        .with(Projection::PutDoc {
            collection: INSPECTIONS_COLLECTION.to_owned(),
            id,
            body: record.clone(),
        }))
}

/// The status of an auxiliary's refuse or detain until an officer countersigns it.
pub const AWAITING_COUNTERSIGN: &str = "awaiting_countersign";

/// Records an inspector's decision on a pending inspection: confirming the suggestion needs no
/// reason, overriding it does. An auxiliary's refuse or detain is only proposed: the
/// inspection stays pending, `awaiting_countersign`, until an officer countersigns it.
pub async fn decide_pending(
    state: &Station,
    actor: &str,
    grade: Option<guomen_domain::Grade>,
    id: &str,
    decision: &str,
    reason: Option<String>,
) -> StationResult<Value> {
    let chosen = Decision::parse(decision.trim()).ok_or_else(|| {
        bad(
            "decision",
            format!("unknown decision `{decision}`; expected clear, secondary, refuse or detain"),
        )
    })?;
    let reason = reason
        .map(|r| r.trim().to_owned())
        .filter(|r| !r.is_empty());
    if reason.as_ref().is_some_and(|r| r.chars().count() > 2000) {
        return Err(bad("reason", "at most 2000 characters"));
    }
    let _one = state.clearance.decision_lock.lock().await;
    let doc = state
        .store
        .doc(INSPECTIONS_COLLECTION, id)
        .await?
        .ok_or_else(|| StationError::not_found(format!("no inspection {id}")))?;
    let mut record = doc.body;
    if record.get("final").and_then(Value::as_bool) == Some(true) {
        return Err(StationError::conflict(format!(
            "inspection {id} is already decided ({})",
            record
                .get("decision")
                .and_then(Value::as_str)
                .unwrap_or("?")
        )));
    }
    if record.get("status").and_then(Value::as_str) == Some(AWAITING_COUNTERSIGN) {
        return Err(StationError::conflict(format!(
            "inspection {id} awaits an officer's countersignature"
        ))
        .with_code(AWAITING_COUNTERSIGN));
    }
    check_override(&record, id, chosen, reason.as_deref())?;
    let now = state.now();
    if grade.is_some_and(|g| g.needs_countersign())
        && matches!(chosen, Decision::Refuse | Decision::Detain)
    {
        if let Some(o) = record.as_object_mut() {
            o.insert("status".into(), json!(AWAITING_COUNTERSIGN));
            o.insert(
                "proposal".into(),
                json!({"decision": chosen.as_str(), "by": actor, "at": now, "reason": reason}),
            );
        }
        let event = Event::InspectionCountersignRequested(InspectionCountersignRequested {
            id: id.to_owned(),
            site_id: str_of(&record, "site_id"),
            lane_id: str_of(&record, "lane_id"),
            decision: chosen.as_str().to_owned(),
        });
        state
            .append(vec![Change::event(event.to_new(actor, now)).with(
                Projection::PutDoc {
                    collection: INSPECTIONS_COLLECTION.to_owned(),
                    id: id.to_owned(),
                    body: record.clone(),
                },
            )])
            .await?;
        return Ok(record);
    }
    let crossing = finalise(&mut record, chosen, actor, reason, now);
    let change = crossing_change(state, &record, crossing, actor, now)?;
    state.append(vec![change]).await?;
    Ok(record)
}

fn str_of(record: &Value, key: &str) -> String {
    record
        .get(key)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned()
}

/// Refuses a decision that overrides the inspection's suggestion without a reason.
fn check_override(
    record: &Value,
    id: &str,
    chosen: Decision,
    reason: Option<&str>,
) -> StationResult<()> {
    let suggested = record
        .get("suggested")
        .and_then(Value::as_str)
        .and_then(Decision::parse)
        .ok_or_else(|| StationError::internal(format!("inspection {id} has no suggestion")))?;
    let needs = guomen_clearance::override_needs_reason(suggested, chosen)
        .map_err(|m| bad("decision", m))?;
    if needs && reason.is_none() {
        return Err(bad(
            "reason",
            format!(
                "overriding the suggestion `{}` with `{}` needs a reason",
                suggested.as_str(),
                chosen.as_str()
            ),
        ));
    }
    Ok(())
}

/// An officer's countersignature on an auxiliary's proposed refuse or detain: records the
/// crossing with the proposed decision (or the officer's own, `decision`, with a reason when
/// it overrides the suggestion). The countersigner is the decider; the proposal stays on the
/// record.
pub async fn countersign(
    state: &Station,
    actor: &str,
    id: &str,
    decision: Option<&str>,
    reason: Option<String>,
) -> StationResult<Value> {
    let reason = reason
        .map(|r| r.trim().to_owned())
        .filter(|r| !r.is_empty());
    if reason.as_ref().is_some_and(|r| r.chars().count() > 2000) {
        return Err(bad("reason", "at most 2000 characters"));
    }
    let _one = state.clearance.decision_lock.lock().await;
    let doc = state
        .store
        .doc(INSPECTIONS_COLLECTION, id)
        .await?
        .ok_or_else(|| StationError::not_found(format!("no inspection {id}")))?;
    let mut record = doc.body;
    if record.get("status").and_then(Value::as_str) != Some(AWAITING_COUNTERSIGN) {
        return Err(StationError::conflict(format!(
            "inspection {id} awaits no countersignature (status {})",
            record.get("status").and_then(Value::as_str).unwrap_or("?")
        ))
        .with_code("not_awaiting_countersign"));
    }
    let proposal = record.get("proposal").cloned().unwrap_or(Value::Null);
    let proposed = proposal
        .get("decision")
        .and_then(Value::as_str)
        .and_then(Decision::parse)
        .ok_or_else(|| StationError::internal(format!("inspection {id} has no proposal")))?;
    let proposed_by = str_of(&proposal, "by");
    if proposed_by == actor {
        return Err(StationError::forbidden(
            "the inspector who proposed a decision cannot countersign it",
        ));
    }
    let chosen = match decision.map(str::trim) {
        None | Some("") => proposed,
        Some(d) => Decision::parse(d).ok_or_else(|| {
            bad(
                "decision",
                format!("unknown decision `{d}`; expected clear, secondary, refuse or detain"),
            )
        })?,
    };
    let reason = reason.or_else(|| {
        proposal
            .get("reason")
            .and_then(Value::as_str)
            .map(str::to_owned)
    });
    check_override(&record, id, chosen, reason.as_deref())?;
    let now = state.now();
    if let Some(o) = record.as_object_mut() {
        o.insert("countersigned_by".into(), json!(actor));
        o.insert("countersigned_at".into(), json!(now));
    }
    let crossing = finalise(&mut record, chosen, actor, reason, now);
    let change = crossing_change(state, &record, crossing, actor, now)?;
    let signed = Change::event(
        Event::InspectionCountersigned(InspectionCountersigned {
            id: id.to_owned(),
            decision: chosen.as_str().to_owned(),
            proposed: proposed.as_str().to_owned(),
            proposed_by,
        })
        .to_new(actor, now),
    );
    state.append(vec![signed, change]).await?;
    Ok(record)
}

/// Whether a crossing was decided by a gate (for the e-gate share).
pub fn is_gate(decided_by: &str) -> bool {
    decided_by.starts_with("gate:")
}
