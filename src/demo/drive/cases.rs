//! The day's cases: each watchlist hit the station confirms becomes a case of its kind, as
//! a handler at Erenhot would open it, and two seizures from the seed's year are played on
//! clean-looking travellers (a body-packing case with 18.8 g of drugs, bullets in a bag).
//! Everything goes through the cases API, so the monthly and annual reports count them from
//! the journal.

use std::collections::BTreeMap;

use guomen_port::Direction;
use guomen_server::api::clearance::InspectionView;
use guomen_sim::DayPlan;
use guomen_sim::plan::{Expect, Traveller};
use serde_json::json;

use super::{Run, lock, parse};

/// The cases the day opened, for the summary.
#[derive(Debug, Default, Clone)]
pub struct CaseDay {
    /// Case kind → cases opened.
    pub by_kind: BTreeMap<String, u64>,
    /// `quantity unit item`, per seizure recorded.
    pub seizures: Vec<String>,
    pub closed: u64,
}

/// A seizure played on one traveller of the day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scripted {
    /// 18.8 g of drugs carried inside the body: the region's first such case.
    BodyPacking,
    /// Bullets found in a bag at the X-ray.
    Bullets,
}

/// Which travellers of `plan` the scripted seizures fall on: the first clean entry after
/// 11:00 and the first clean exit after 15:00 (plan seconds from 06:00), so the same seed
/// plays the same day.
pub fn scripted(plan: &DayPlan) -> BTreeMap<usize, Scripted> {
    let pick = |after_s: u32, dir: Direction| {
        plan.travellers
            .iter()
            .position(|t| t.at_s >= after_s && t.direction == dir && t.expect == Expect::Clear)
    };
    let mut out = BTreeMap::new();
    if let Some(i) = pick(5 * 3600, Direction::Entry) {
        out.insert(i, Scripted::BodyPacking);
    }
    if let Some(i) = pick(9 * 3600, Direction::Exit) {
        out.insert(i, Scripted::Bullets);
    }
    out
}

struct Plan<'a> {
    kind: &'a str,
    summary: String,
    seizure: Option<(&'a str, &'a str, f64, &'a str)>,
    evidence: Option<(&'a str, Vec<u8>)>,
    disposition: &'a str,
}

impl Run {
    /// Opens the case a decided traveller calls for, if any: `v` is the final inspection.
    pub(super) async fn case_for(&self, i: usize, t: &Traveller, v: &InspectionView) {
        if !self.target.has("/api/v1/cases") {
            return;
        }
        let scripted = self.scripted_cases.get(&i).copied();
        let plan = match (&t.expect, scripted) {
            (Expect::Wanted(id), _) => Plan {
                kind: "fugitive",
                summary: format!("Wanted person ({id}) stopped at the passenger hall"),
                seizure: None,
                evidence: None,
                disposition: "handed over to the public security bureau",
            },
            (Expect::RefusedReturning(id), _) => Plan {
                kind: "changed_identity",
                summary: format!("Refused before ({id}), back under another name and passport"),
                seizure: None,
                evidence: None,
                disposition: "refused entry; identity change recorded",
            },
            (Expect::LostStolen(id), _) => Plan {
                kind: "forged_document",
                summary: format!("Passport reported lost or stolen ({id}) presented as own"),
                seizure: Some(("documents", "passport", 1.0, "pcs")),
                evidence: None,
                disposition: "document seized; holder refused",
            },
            (_, Some(Scripted::BodyPacking)) => Plan {
                kind: "drugs",
                summary: "Body packing: capsules seen on the body scanner, passed under watch"
                    .to_owned(),
                seizure: Some(("drugs", "methamphetamine (body-packed)", 18.8, "g")),
                evidence: Some((
                    "text/plain; charset=utf-8",
                    b"Body scanner report: 14 capsules in the abdomen. Weighed after passing: 18.8 g."
                        .to_vec(),
                )),
                disposition: "transferred to the drug enforcement police",
            },
            (_, Some(Scripted::Bullets)) => Plan {
                kind: "weapons_ammunition",
                summary: "Bullets found in a checked bag at the X-ray".to_owned(),
                seizure: Some(("ammunition", "bullets", 18.0, "pcs")),
                evidence: None,
                disposition: "ammunition confiscated; administrative penalty",
            },
            _ => return,
        };
        let tok = &self.target.tokens.chief;
        let body = json!({
            "kind": plan.kind,
            "summary": plan.summary,
            "inspection_id": v.id,
            "crossing_id": v.crossing_id,
        });
        let Some((201, created)) = self.post("/api/v1/cases", tok, &body).await else {
            return;
        };
        let Some(id) = created
            .get("id")
            .and_then(|i| i.as_str())
            .map(str::to_owned)
        else {
            self.stats
                .fail(format!("POST /api/v1/cases: no id in {created}"));
            return;
        };
        *lock(&self.stats.cases)
            .by_kind
            .entry(plan.kind.to_owned())
            .or_default() += 1;
        if let Some((category, item, quantity, unit)) = plan.seizure {
            let body =
                json!({"category": category, "item": item, "quantity": quantity, "unit": unit});
            let path = format!("/api/v1/cases/{id}/seizures");
            if let Some((201, _)) = self.post(&path, tok, &body).await {
                lock(&self.stats.cases)
                    .seizures
                    .push(format!("{quantity} {unit} {item}"));
            }
        }
        if let Some((content_type, bytes)) = plan.evidence {
            self.stats
                .requests
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let url = format!("{}/api/v1/cases/{id}/evidence", self.target.base);
            let sent = self
                .target
                .client
                .post(url)
                .bearer_auth(tok)
                .header("content-type", content_type)
                .body(bytes)
                .send()
                .await;
            match sent {
                Ok(r) if r.status().is_success() => {}
                Ok(r) => self
                    .stats
                    .fail(format!("POST /api/v1/cases/{id}/evidence → {}", r.status())),
                Err(e) => self
                    .stats
                    .fail(format!("POST /api/v1/cases/{id}/evidence: {e}")),
            }
        }
        let path = format!("/api/v1/cases/{id}/status");
        let investigating = json!({"status": "under_investigation"});
        if self.post(&path, tok, &investigating).await.map(|r| r.0) != Some(200) {
            return;
        }
        let path = format!("/api/v1/cases/{id}/close");
        if let Some((200, closed)) = self
            .post(&path, tok, &json!({"disposition": plan.disposition}))
            .await
        {
            match parse::<guomen_server::api::cases::Case>(closed) {
                Ok(c) if c.status == "closed" => lock(&self.stats.cases).closed += 1,
                Ok(c) => self
                    .stats
                    .fail(format!("case {id} closed but reads `{}`", c.status)),
                Err(e) => self.stats.fail(format!("POST {path}: {e}")),
            }
        }
    }
}
