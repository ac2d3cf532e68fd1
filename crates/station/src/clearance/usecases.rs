//! Clearance use cases with typed answers and role views: inspections, decisions, crossings,
//! today's figures, watchlist imports and statistics.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use guomen_clearance::channel::ChannelAdvice;
use guomen_clearance::{Decision, Reason};
use guomen_domain::Role;
use guomen_domain::watchlist::ListKind;
use guomen_store::CrossingFilter;
use guomen_watchlist::{Format, Imported};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::INSPECTIONS_COLLECTION;
use super::import::{self, ImportSummary, ListCount};
use super::inspect::{self, NewInspection};
use crate::{Principal, Station, StationError, StationResult};

/// Ids of entries from the national centre's lists start with this.
pub const NATIONAL_PREFIX: &str = "national:";
/// The source the national entries are diffed by.
pub const NATIONAL_SOURCE: &str = "national";
/// The journal actor of a national release: followed by its version.
pub const NATIONAL_ACTOR_PREFIX: &str = "national-watchlist:";

/// One screening hit as the inspection keeps it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InspectionHit {
    pub list: ListKind,
    pub entry_id: String,
    pub score: f64,
    pub name_score: f64,
    /// The list's name (or alias) that matched best.
    pub matched_name: Option<String>,
    /// What the list says to do on a hit.
    pub action: String,
    /// Field by field: what matched, what did not, what it added.
    pub explain: Value,
}

/// An inspection exactly as stored (the `inspections` documents): the one type every view is
/// built from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InspectionRecord {
    pub id: String,
    pub site_id: String,
    pub lane_id: String,
    pub lane_kind: String,
    pub direction: String,
    pub created: DateTime<Utc>,
    pub created_by: String,
    pub decision: Decision,
    pub suggested: Decision,
    #[serde(rename = "final")]
    pub is_final: bool,
    /// `pending` or `decided`.
    pub status: String,
    pub reasons: Vec<Reason>,
    pub actions: Vec<String>,
    pub discreet: bool,
    pub hits: Vec<InspectionHit>,
    /// The document as read (MRZ fields and check digits, or hand-typed fields).
    pub document: Value,
    pub nationality: String,
    pub crossing_id: Option<String>,
    pub decided_by: Option<String>,
    pub override_reason: Option<String>,
    #[serde(default)]
    pub decided_at: Option<DateTime<Utc>>,
    #[serde(default)]
    pub visa_type: Option<String>,
    #[serde(default)]
    pub purpose: Option<String>,
    /// Where the traveller belongs if not at this lane.
    #[serde(default)]
    pub channel_advice: Option<ChannelAdvice>,
    /// An auxiliary's refuse or detain waiting for an officer's countersignature.
    #[serde(default)]
    pub proposal: Option<Proposal>,
    #[serde(default)]
    pub countersigned_by: Option<String>,
    #[serde(default)]
    pub countersigned_at: Option<DateTime<Utc>>,
}

/// A decision an auxiliary proposed (refuse or detain), until an officer countersigns.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Proposal {
    pub decision: Decision,
    /// The journal actor who proposed it.
    pub by: String,
    pub at: DateTime<Utc>,
    #[serde(default)]
    pub reason: Option<String>,
}

impl InspectionRecord {
    pub(crate) fn from_doc(body: Value, id: &str) -> StationResult<InspectionRecord> {
        serde_json::from_value(body)
            .map_err(|e| StationError::internal(format!("inspection {id} does not read: {e}")))
    }
}

/// A reason without its text (which may quote a name): the code, the suggestion it asks for
/// and the field or entry it concerns.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReasonCode {
    pub code: String,
    pub decision: Decision,
    pub field: Option<String>,
}

/// An inspection as a role sees it. Roles that see personal data get the document, the hits
/// and the reasons' texts; the others (analysts, e-gate devices) the outcome only.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct InspectionView {
    pub id: String,
    pub site_id: String,
    pub lane_id: String,
    pub lane_kind: String,
    pub direction: String,
    pub created: DateTime<Utc>,
    pub decision: Decision,
    pub suggested: Decision,
    #[serde(rename = "final")]
    pub is_final: bool,
    pub status: String,
    pub reason_codes: Vec<ReasonCode>,
    pub actions: Vec<String>,
    pub discreet: bool,
    pub nationality: String,
    pub hit_count: usize,
    pub crossing_id: Option<String>,
    pub decided_at: Option<DateTime<Utc>>,
    /// Where the traveller belongs if not at this lane (a special channel, an e-gate or a
    /// counter), with the reason as a code.
    pub channel_advice: Option<ChannelAdvice>,
    /// The refuse or detain an auxiliary proposed, while it waits for an officer
    /// (`status` is then `awaiting_countersign`) and after.
    pub proposed_decision: Option<Decision>,
    /// Personal: only for admin, duty chief, inspector.
    pub personal: Option<InspectionPersonal>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct InspectionPersonal {
    pub created_by: String,
    pub reasons: Vec<Reason>,
    pub hits: Vec<InspectionHit>,
    pub document: Value,
    pub decided_by: Option<String>,
    pub override_reason: Option<String>,
    pub visa_type: Option<String>,
    pub purpose: Option<String>,
    /// Who proposed the decision an officer countersigned (or has yet to).
    pub proposed_by: Option<String>,
    pub countersigned_by: Option<String>,
}

impl InspectionRecord {
    /// The view for `role`.
    pub fn view(self, role: Role) -> InspectionView {
        let personal = role.sees_personal_data().then(|| InspectionPersonal {
            created_by: self.created_by,
            reasons: self.reasons.clone(),
            hits: self.hits.clone(),
            document: self.document,
            decided_by: self.decided_by,
            override_reason: self.override_reason,
            visa_type: self.visa_type,
            purpose: self.purpose,
            proposed_by: self.proposal.as_ref().map(|p| p.by.clone()),
            countersigned_by: self.countersigned_by,
        });
        InspectionView {
            reason_codes: self
                .reasons
                .iter()
                .map(|r| ReasonCode {
                    code: r.code.clone(),
                    decision: r.decision,
                    field: r.field.clone(),
                })
                .collect(),
            hit_count: self.hits.len(),
            id: self.id,
            site_id: self.site_id,
            lane_id: self.lane_id,
            lane_kind: self.lane_kind,
            direction: self.direction,
            created: self.created,
            decision: self.decision,
            suggested: self.suggested,
            is_final: self.is_final,
            status: self.status,
            actions: self.actions,
            discreet: self.discreet,
            nationality: self.nationality,
            crossing_id: self.crossing_id,
            decided_at: self.decided_at,
            channel_advice: self.channel_advice,
            proposed_decision: self.proposal.map(|p| p.decision),
            personal,
        }
    }
}

/// A crossing as a role sees it: where, when, which way, which nationality and outcome for
/// everyone who may list crossings; the inspector and the inspection's detail (document,
/// hits, reasons) only for roles that see personal data.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CrossingView {
    pub id: String,
    pub seq: u64,
    pub time: DateTime<Utc>,
    pub site_id: String,
    pub lane_id: String,
    pub direction: String,
    pub nationality: String,
    pub decision: String,
    /// `gate` or `inspector`.
    pub decided_by_kind: &'static str,
    pub with_hits: bool,
    /// Personal: only for admin, duty chief, inspector.
    pub decided_by: Option<String>,
    pub detail: Option<Value>,
}

fn crossing_view(c: guomen_store::CrossingRecord, role: Role) -> CrossingView {
    let with_hits = c
        .detail
        .get("hits")
        .and_then(Value::as_array)
        .is_some_and(|h| !h.is_empty());
    let personal = role.sees_personal_data();
    CrossingView {
        decided_by_kind: if inspect::is_gate(&c.decided_by) {
            "gate"
        } else {
            "inspector"
        },
        with_hits,
        decided_by: personal.then_some(c.decided_by),
        detail: personal.then_some(c.detail),
        id: c.id,
        seq: c.seq,
        time: c.time,
        site_id: c.site_id,
        lane_id: c.lane_id,
        direction: c.direction,
        nationality: c.nationality,
        decision: c.decision,
    }
}

/// Which crossings to list.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CrossingQuery {
    /// From (inclusive) and to (exclusive).
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
    pub site: Option<String>,
    pub lane: Option<String>,
    pub direction: Option<String>,
    pub nationality: Option<String>,
    pub decision: Option<String>,
    /// Only crossings with a larger journal seq (paging).
    pub after: Option<u64>,
    /// At most this many (default 100, at most 1000).
    pub limit: Option<u32>,
}

/// Today's clearance figures (station-local day, no personal data).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct TodayStats {
    pub date: NaiveDate,
    pub crossings: u64,
    pub entry: u64,
    pub exit: u64,
    pub by_decision: BTreeMap<String, u64>,
    /// Crossings cleared by an e-gate, over all crossings (0..1).
    pub egate_share: f64,
    /// Crossings whose inspection had watchlist hits.
    pub with_hits: u64,
    /// Inspections still waiting for an inspector.
    pub pending: u64,
    /// Up to ten nationalities, most crossings first.
    pub top_nationalities: Vec<(String, u64)>,
}

/// The watchlists loaded and the live index.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WatchlistStats {
    pub lists: Vec<ListCount>,
    pub entries: usize,
    pub index: guomen_screen::IndexStats,
    /// Journal seq up to which watchlist changes are live.
    pub applied_seq: u64,
}

impl Station {
    /// Inspects a traveller: reads the document, screens, applies the lane's rules, journals.
    pub async fn inspect(
        &self,
        who: &Principal,
        req: NewInspection,
    ) -> StationResult<InspectionView> {
        crate::ops::require_scope(who, guomen_domain::ScopeKind::Lane, &req.lane_id)?;
        let record = inspect::inspect(self, &who.actor(), req).await?;
        Ok(InspectionRecord::from_doc(record, "new")?.view(who.role))
    }

    /// One inspection, pending or decided.
    pub async fn inspection(&self, who: &Principal, id: &str) -> StationResult<InspectionView> {
        let doc = self
            .store
            .doc(INSPECTIONS_COLLECTION, id)
            .await?
            .ok_or_else(|| StationError::not_found(format!("no inspection {id}")))?;
        Ok(InspectionRecord::from_doc(doc.body, id)?.view(who.role))
    }

    /// The inspector's final decision on a pending inspection; records the crossing.
    pub async fn decide(
        &self,
        who: &Principal,
        id: &str,
        decision: &str,
        reason: Option<String>,
    ) -> StationResult<InspectionView> {
        let record =
            inspect::decide_pending(self, &who.actor(), who.grade, id, decision, reason).await?;
        Ok(InspectionRecord::from_doc(record, id)?.view(who.role))
    }

    /// An officer's countersignature on an auxiliary's proposed refuse or detain: a duty
    /// chief, an administrator or an inspector of grade officer. `decision` defaults to the
    /// proposal.
    pub async fn countersign(
        &self,
        who: &Principal,
        id: &str,
        decision: Option<&str>,
        reason: Option<String>,
    ) -> StationResult<InspectionView> {
        let officer = match who.role {
            Role::Admin | Role::DutyChief => true,
            Role::Inspector => who.grade.is_none_or(|g| g == guomen_domain::Grade::Officer),
            _ => false,
        };
        if !officer {
            return Err(StationError::forbidden(
                "only an officer (an inspector of grade officer, a duty chief or an administrator) countersigns",
            )
            .with_code("not_an_officer"));
        }
        let record = inspect::countersign(self, &who.actor(), id, decision, reason).await?;
        Ok(InspectionRecord::from_doc(record, id)?.view(who.role))
    }

    /// Crossings, oldest first, in the caller's view.
    pub async fn crossings(
        &self,
        who: &Principal,
        q: CrossingQuery,
    ) -> StationResult<Vec<CrossingView>> {
        if let Some(d) = q.direction.as_deref()
            && !matches!(d, "entry" | "exit")
        {
            return Err(StationError::unprocessable(format!(
                "`direction` must be entry or exit, not `{d}`"
            )));
        }
        if let Some(d) = q.decision.as_deref()
            && !Decision::FINAL.iter().any(|x| x.as_str() == d)
        {
            return Err(StationError::unprocessable(format!(
                "`decision` must be clear, secondary, refuse or detain, not `{d}`"
            )));
        }
        if let (Some(f), Some(t)) = (q.from, q.to)
            && f > t
        {
            return Err(StationError::unprocessable("`from` must not be after `to`"));
        }
        let filter = CrossingFilter {
            from: q.from,
            to: q.to,
            site_id: q.site,
            lane_id: q.lane,
            direction: q.direction,
            nationality: q.nationality.map(|n| n.to_ascii_uppercase()),
            decision: q.decision,
            after_seq: q.after,
            limit: q.limit.unwrap_or(100).clamp(1, 1000),
        };
        let list = self.store.crossings(&filter).await?;
        Ok(list
            .into_iter()
            .map(|c| crossing_view(c, who.role))
            .collect())
    }

    /// Today's figures for the command centre, for the station-local day on the station
    /// clock, from the counts the store keeps as each crossing is recorded (five small
    /// grouped reads, whatever the day's traffic: every crossing event on every open command
    /// page asks for them).
    pub async fn today_stats(&self) -> StationResult<TodayStats> {
        use crate::stats::count_in;
        use guomen_store::stats::{StatsDim, hit_key};
        let today = self.today();
        let counts = |by| self.store.crossing_counts(by, today, today);
        let mut stats = TodayStats {
            date: today,
            ..TodayStats::default()
        };
        let directions = counts(StatsDim::Direction).await?;
        stats.crossings = directions.iter().map(|r| r.count).sum();
        stats.entry = count_in(&directions, "entry");
        stats.exit = stats.crossings - stats.entry;
        stats.by_decision = counts(StatsDim::Decision)
            .await?
            .into_iter()
            .map(|r| (r.key, r.count))
            .collect();
        stats.with_hits = count_in(&counts(StatsDim::Hit).await?, hit_key(true));
        // An e-gate clears at its own lane; a traveller it sends on is decided at a counter.
        let gate = count_in(
            &counts(StatsDim::LaneKind).await?,
            guomen_port::LaneKind::Egate.as_str(),
        );
        let mut top: Vec<(String, u64)> = counts(StatsDim::Nationality)
            .await?
            .into_iter()
            .map(|r| (r.key, r.count))
            .collect();
        stats.pending = match self.clearance.pending() {
            Some(n) => n,
            // A tool's station (no live state): count them.
            None => self
                .store
                .docs(INSPECTIONS_COLLECTION)
                .await?
                .iter()
                .filter(|d| d.body.get("final").and_then(Value::as_bool) == Some(false))
                .count() as u64,
        };
        stats.egate_share = if stats.crossings == 0 {
            0.0
        } else {
            gate as f64 / stats.crossings as f64
        };
        top.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        top.truncate(10);
        stats.top_nationalities = top;
        Ok(stats)
    }

    /// Imports a parsed list into `list`: entries are added, updated and removed by id; the
    /// live index is swapped once the import is journaled. `progress(done, total)` reports
    /// the changes written.
    pub async fn import_watchlist(
        &self,
        who_actor: &str,
        imported: Imported,
        list: ListKind,
        format: Format,
        progress: &mut (dyn FnMut(usize, usize) + Send),
    ) -> StationResult<ImportSummary> {
        self.import_watchlist_as(who_actor, imported, list, format, false, progress)
            .await
    }

    /// Applies a national watchlist release (version `version`, from the centre): its entries
    /// (ids `national:...`) replace the station's previous national entries of the list, all
    /// in one transaction, beside the station's own lists. The journal's actor names the
    /// version (`national-watchlist:N`), which is how the centre learns what a station screens
    /// against.
    pub async fn apply_national_watchlist(
        &self,
        version: u64,
        mut imported: Imported,
        list: ListKind,
        format: Format,
    ) -> StationResult<ImportSummary> {
        if let Some(e) = imported
            .entries
            .iter()
            .find(|e| !e.id.starts_with(NATIONAL_PREFIX))
        {
            return Err(StationError::bad_request(format!(
                "national watchlist entry `{}` does not start with `{NATIONAL_PREFIX}`",
                e.id
            )));
        }
        imported.source = Some(NATIONAL_SOURCE.to_owned());
        let actor = format!("{NATIONAL_ACTOR_PREFIX}{version}");
        self.import_watchlist_as(&actor, imported, list, format, true, &mut |_, _| {})
            .await
    }

    async fn import_watchlist_as(
        &self,
        who_actor: &str,
        imported: Imported,
        list: ListKind,
        format: Format,
        atomic: bool,
        progress: &mut (dyn FnMut(usize, usize) + Send),
    ) -> StationResult<ImportSummary> {
        if !self.clearance_loaded() {
            // A tool's station (the CLI): no live index to swap; a running station on the
            // same store picks the change up through its journal poller.
            let current = import::stored_entries(self.store.as_ref()).await?;
            let (summary, _, _) = import::apply(
                self, &current, imported, list, format, who_actor, atomic, progress,
            )
            .await?;
            return Ok(summary);
        }
        let clearance = self.clearance.clone();
        clearance.ready().await;
        let _one = clearance.import_lock.lock().await;
        let current = clearance.entries().await;
        let (summary, upserted, removed) = import::apply(
            self, &current, imported, list, format, who_actor, atomic, progress,
        )
        .await?;
        clearance.apply_local(upserted, &removed).await;
        Ok(summary)
    }

    fn clearance_loaded(&self) -> bool {
        *self.clearance.loaded.borrow()
    }

    /// Entries per list and source, and the live index's size.
    pub async fn watchlist_stats(&self) -> StationResult<WatchlistStats> {
        if !self.clearance_loaded() {
            self.clearance.load(self.store.as_ref()).await?;
        }
        self.clearance.ready().await;
        let entries = self.clearance.entries().await;
        let live = self.clearance.live();
        Ok(WatchlistStats {
            lists: import::counts(&entries),
            entries: entries.len(),
            index: live.index.stats(),
            applied_seq: self.clearance.applied_seq(),
        })
    }

    /// The current watchlist entries (the CLI's `watchlist stats` and tools).
    pub async fn watchlist_entries(
        &self,
    ) -> StationResult<Vec<guomen_domain::watchlist::WatchlistEntry>> {
        if !self.clearance_loaded() {
            return Ok(import::stored_entries(self.store.as_ref()).await?);
        }
        Ok(self.clearance.entries().await)
    }

    /// Entries per list and source.
    pub async fn watchlist_counts(&self) -> StationResult<Vec<ListCount>> {
        Ok(import::counts(&self.watchlist_entries().await?))
    }
}
