//! Cases and seizures: a violation, a smuggling attempt, a forged document... opened from an
//! inspection, a crossing, an incident or by hand, taken through its lifecycle, with what was
//! seized and the evidence files (content-addressed by SHA-256) under a chain of custody.
//! Every step is journaled; the case document is the projection the pages read.

use chrono::{DateTime, Utc};
use guomen_domain::Role;
use guomen_store::{Change, Projection};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::auth::new_id;
use crate::event::SeizureRecorded;
use crate::event::{CaseOpened, CaseStatusChanged, Event, EvidenceAdded, EvidenceViewed};
use crate::{Principal, Station, StationError, StationResult};

/// The collection of case documents.
pub const CASES: &str = "cases";

/// The largest evidence file accepted.
pub const MAX_EVIDENCE_BYTES: usize = 50 * 1024 * 1024;

// Read-modify-write of one case document must not interleave (two seizures recorded at once
// would lose one); cases change at human speed, so one lock per process is enough.
static CASE_WRITES: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

macro_rules! labelled_enum {
    ($(#[$m:meta])* $name:ident { $($v:ident = $s:literal, $zh:literal, $en:literal;)* }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($v,)* }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$v,)*];
            pub fn as_str(self) -> &'static str {
                match self { $($name::$v => $s,)* }
            }
            /// The name in Chinese and in English.
            pub fn label(self) -> (&'static str, &'static str) {
                match self { $($name::$v => ($zh, $en),)* }
            }
            pub fn parse(s: &str) -> Result<$name, StationError> {
                $name::ALL.iter().copied().find(|v| v.as_str() == s).ok_or_else(|| {
                    StationError::unprocessable(format!(
                        "unknown {} `{}`; expected one of {}",
                        stringify!($name).to_lowercase(),
                        s.chars().take(40).collect::<String>(),
                        $name::ALL.iter().map(|v| v.as_str()).collect::<Vec<_>>().join(", ")
                    ))
                })
            }
        }
    };
}

labelled_enum! {
    /// What a case is about.
    CaseKind {
        ExitEntryViolation = "exit_entry_violation", "违反出境入境管理", "violation of exit-entry rules";
        IllegalCrossing = "illegal_crossing", "非法越境", "illegal border crossing";
        ForgedDocument = "forged_document", "伪假证件", "forged or altered document";
        ChangedIdentity = "changed_identity", "变更身份入境", "entry under a changed identity";
        Fugitive = "fugitive", "在逃人员", "fugitive";
        Smuggling = "smuggling", "走私", "smuggling";
        Drugs = "drugs", "毒品", "drugs";
        WeaponsAmmunition = "weapons_ammunition", "枪支弹药", "weapons and ammunition";
        Other = "other", "其他", "other";
    }
}

labelled_enum! {
    /// Where a case stands.
    CaseStatus {
        Open = "open", "立案", "open";
        UnderInvestigation = "under_investigation", "调查中", "under investigation";
        Decided = "decided", "已处理", "decided";
        Closed = "closed", "结案", "closed";
    }
}

labelled_enum! {
    /// What was seized.
    SeizureCategory {
        Drugs = "drugs", "毒品", "drugs";
        Ammunition = "ammunition", "弹药", "ammunition";
        Weapons = "weapons", "武器", "weapons";
        Currency = "currency", "货币", "currency";
        Documents = "documents", "证件", "documents";
        Other = "other", "其他", "other";
    }
}

/// The units a seized quantity may be given in.
pub const UNITS: &[&str] = &[
    "g", "kg", "mg", "ml", "l", "pcs", "rounds", "CNY", "USD", "MNT", "RUB", "EUR",
];

impl CaseStatus {
    /// Whether a case may move from `self` to `to`. Closing is allowed from any open state;
    /// a closed case stays closed.
    pub fn may_become(self, to: CaseStatus) -> bool {
        use CaseStatus::*;
        matches!(
            (self, to),
            (Open, UnderInvestigation)
                | (Open | UnderInvestigation, Decided)
                | (Open | UnderInvestigation | Decided, Closed)
        )
    }
}

/// A case as the pages read it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Case {
    pub id: String,
    pub kind: CaseKind,
    pub summary: String,
    pub status: CaseStatus,
    pub handler: String,
    pub opened_by: String,
    pub opened_at: DateTime<Utc>,
    #[serde(default)]
    pub inspection_id: Option<String>,
    #[serde(default)]
    pub crossing_id: Option<String>,
    #[serde(default)]
    pub incident_id: Option<String>,
    #[serde(default)]
    pub seizures: Vec<Seizure>,
    #[serde(default)]
    pub evidence: Vec<Evidence>,
    /// Who added, viewed or handed over each evidence file, in order.
    #[serde(default)]
    pub custody: Vec<Custody>,
    #[serde(default)]
    pub transitions: Vec<Transition>,
    #[serde(default)]
    pub disposition: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Seizure {
    pub id: String,
    pub category: SeizureCategory,
    pub item: String,
    pub quantity: f64,
    pub unit: String,
    pub recorded_by: String,
    pub at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Evidence {
    pub sha256: String,
    pub size: u64,
    pub content_type: String,
    pub added_by: String,
    pub at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Custody {
    /// `added`, `viewed` or `handed_over`.
    pub action: String,
    pub sha256: String,
    pub by: String,
    pub at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Transition {
    pub from: CaseStatus,
    pub to: CaseStatus,
    pub by: String,
    pub at: DateTime<Utc>,
}

/// A case to open.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewCase {
    pub kind: String,
    pub summary: String,
    pub inspection_id: Option<String>,
    pub crossing_id: Option<String>,
    pub incident_id: Option<String>,
}

/// A seizure to record.
#[derive(Debug, Clone, PartialEq)]
pub struct NewSeizure {
    pub category: String,
    pub item: String,
    pub quantity: f64,
    pub unit: String,
}

fn may_handle_cases(who: &Principal) -> StationResult<()> {
    match who.role {
        Role::Admin | Role::DutyChief | Role::Inspector => Ok(()),
        _ => Err(StationError::forbidden(
            "cases are handled by inspectors and duty chiefs",
        )),
    }
}

fn text(field: &str, value: &str, max: usize) -> StationResult<String> {
    let v = value.trim();
    if v.is_empty() || v.chars().count() > max {
        return Err(StationError::unprocessable(format!(
            "`{field}` must have 1 to {max} characters"
        )));
    }
    Ok(v.to_owned())
}

fn reference(field: &str, value: Option<String>) -> StationResult<Option<String>> {
    match value {
        Some(v) if v.trim().is_empty() || v.chars().count() > 64 => Err(
            StationError::unprocessable(format!("`{field}` must have 1 to 64 characters")),
        ),
        other => Ok(other.map(|v| v.trim().to_owned())),
    }
}

impl Station {
    async fn case_doc(&self, id: &str) -> StationResult<Case> {
        let doc = self
            .store
            .doc(CASES, id)
            .await?
            .ok_or_else(|| StationError::not_found(format!("no case `{id}`")))?;
        serde_json::from_value(doc.body)
            .map_err(|e| StationError::internal(format!("stored case `{id}`: {e}")))
    }

    fn case_change(&self, who: &Principal, event: Event, case: &Case) -> StationResult<Change> {
        let body = serde_json::to_value(case)
            .map_err(|e| StationError::internal(format!("case `{}`: {e}", case.id)))?;
        Ok(
            Change::event(event.to_new(&who.actor(), self.now())).with(Projection::PutDoc {
                collection: CASES.to_owned(),
                id: case.id.clone(),
                body,
            }),
        )
    }

    /// Opens a case; the opener handles it.
    pub async fn open_case(&self, who: &Principal, new: NewCase) -> StationResult<Case> {
        may_handle_cases(who)?;
        let kind = CaseKind::parse(new.kind.trim())?;
        let summary = text("summary", &new.summary, 4000)?;
        let inspection_id = reference("inspection_id", new.inspection_id)?;
        let crossing_id = reference("crossing_id", new.crossing_id)?;
        let incident_id = reference("incident_id", new.incident_id)?;
        if let Some(i) = &inspection_id
            && self
                .store
                .doc(crate::clearance::INSPECTIONS_COLLECTION, i)
                .await?
                .is_none()
        {
            return Err(StationError::not_found(format!("no inspection `{i}`")));
        }
        let case = Case {
            id: format!("case-{}", new_id()),
            kind,
            summary,
            status: CaseStatus::Open,
            handler: who.name.clone(),
            opened_by: who.actor(),
            opened_at: self.now(),
            inspection_id: inspection_id.clone(),
            crossing_id: crossing_id.clone(),
            incident_id: incident_id.clone(),
            seizures: Vec::new(),
            evidence: Vec::new(),
            custody: Vec::new(),
            transitions: Vec::new(),
            disposition: None,
        };
        let event = Event::CaseOpened(CaseOpened {
            id: case.id.clone(),
            kind: kind.as_str().to_owned(),
            summary: case.summary.clone(),
            inspection_id,
            crossing_id,
            incident_id,
        });
        let change = self.case_change(who, event, &case)?;
        self.append(vec![change]).await?;
        Ok(case)
    }

    pub async fn case(&self, who: &Principal, id: &str) -> StationResult<Case> {
        may_handle_cases(who)?;
        self.case_doc(id).await
    }

    /// Cases, newest first; only those in `status` when given.
    pub async fn cases(&self, who: &Principal, status: Option<&str>) -> StationResult<Vec<Case>> {
        may_handle_cases(who)?;
        let status = status.map(CaseStatus::parse).transpose()?;
        let mut out = Vec::new();
        for doc in self.store.docs(CASES).await? {
            let case: Case = serde_json::from_value(doc.body)
                .map_err(|e| StationError::internal(format!("stored case `{}`: {e}", doc.id)))?;
            if status.is_none_or(|s| s == case.status) {
                out.push(case);
            }
        }
        out.sort_by(|a, b| b.opened_at.cmp(&a.opened_at).then(b.id.cmp(&a.id)));
        Ok(out)
    }

    /// Moves a case along its lifecycle; closing takes a disposition.
    pub async fn set_case_status(
        &self,
        who: &Principal,
        id: &str,
        to: &str,
        disposition: Option<String>,
    ) -> StationResult<Case> {
        may_handle_cases(who)?;
        let to = CaseStatus::parse(to.trim())?;
        let disposition = match disposition {
            Some(d) => Some(text("disposition", &d, 2000)?),
            None if to == CaseStatus::Closed => {
                return Err(StationError::unprocessable(
                    "closing a case needs a `disposition`",
                ));
            }
            None => None,
        };
        let _guard = CASE_WRITES.lock().await;
        let mut case = self.case_doc(id).await?;
        let from = case.status;
        if !from.may_become(to) {
            return Err(StationError::conflict(format!(
                "case `{id}` is {}; it cannot become {}",
                from.as_str(),
                to.as_str()
            )));
        }
        case.status = to;
        if disposition.is_some() {
            case.disposition = disposition.clone();
        }
        case.transitions.push(Transition {
            from,
            to,
            by: who.actor(),
            at: self.now(),
        });
        let event = Event::CaseStatusChanged(CaseStatusChanged {
            id: case.id.clone(),
            from: from.as_str().to_owned(),
            to: to.as_str().to_owned(),
            disposition,
        });
        let change = self.case_change(who, event, &case)?;
        self.append(vec![change]).await?;
        Ok(case)
    }

    /// Records what was seized in a case.
    pub async fn record_seizure(
        &self,
        who: &Principal,
        case_id: &str,
        new: NewSeizure,
    ) -> StationResult<Seizure> {
        may_handle_cases(who)?;
        let category = SeizureCategory::parse(new.category.trim())?;
        let item = text("item", &new.item, 200)?;
        if !(new.quantity.is_finite() && new.quantity > 0.0 && new.quantity < 1e12) {
            return Err(StationError::unprocessable(
                "`quantity` must be a positive number",
            ));
        }
        let unit = new.unit.trim();
        if !UNITS.contains(&unit) {
            return Err(StationError::unprocessable(format!(
                "unknown unit `{}`; expected one of {}",
                unit.chars().take(20).collect::<String>(),
                UNITS.join(", ")
            )));
        }
        let _guard = CASE_WRITES.lock().await;
        let mut case = self.case_doc(case_id).await?;
        if case.status == CaseStatus::Closed {
            return Err(StationError::conflict(format!(
                "case `{case_id}` is closed"
            )));
        }
        let seizure = Seizure {
            id: new_id(),
            category,
            item,
            quantity: new.quantity,
            unit: unit.to_owned(),
            recorded_by: who.actor(),
            at: self.now(),
        };
        case.seizures.push(seizure.clone());
        let event = Event::SeizureRecorded(SeizureRecorded {
            case_id: case.id.clone(),
            seizure_id: seizure.id.clone(),
            category: category.as_str().to_owned(),
            item: seizure.item.clone(),
            quantity: seizure.quantity,
            unit: seizure.unit.clone(),
        });
        let change = self.case_change(who, event, &case)?;
        self.append(vec![change]).await?;
        Ok(seizure)
    }

    /// Adds an evidence file to a case; the file is stored once by its SHA-256.
    pub async fn add_evidence(
        &self,
        who: &Principal,
        case_id: &str,
        content_type: &str,
        data: Vec<u8>,
    ) -> StationResult<Evidence> {
        may_handle_cases(who)?;
        if data.is_empty() {
            return Err(StationError::unprocessable("the evidence file is empty"));
        }
        if data.len() > MAX_EVIDENCE_BYTES {
            return Err(StationError::unprocessable(format!(
                "an evidence file may have at most {} MiB",
                MAX_EVIDENCE_BYTES / (1024 * 1024)
            )));
        }
        let content_type = content_type.trim();
        let content_type = if content_type.is_empty() || content_type.len() > 200 {
            "application/octet-stream"
        } else {
            content_type
        };
        let sha256 = hex(&Sha256::digest(&data));
        let _guard = CASE_WRITES.lock().await;
        let mut case = self.case_doc(case_id).await?;
        if case.status == CaseStatus::Closed {
            return Err(StationError::conflict(format!(
                "case `{case_id}` is closed"
            )));
        }
        let now = self.now();
        let evidence = Evidence {
            sha256: sha256.clone(),
            size: data.len() as u64,
            content_type: content_type.to_owned(),
            added_by: who.actor(),
            at: now,
        };
        if !case.evidence.iter().any(|e| e.sha256 == sha256) {
            case.evidence.push(evidence.clone());
        }
        case.custody.push(Custody {
            action: "added".into(),
            sha256: sha256.clone(),
            by: who.actor(),
            at: now,
        });
        let event = Event::EvidenceAdded(EvidenceAdded {
            case_id: case.id.clone(),
            sha256: sha256.clone(),
            size: evidence.size,
            content_type: evidence.content_type.clone(),
        });
        let change = self
            .case_change(who, event, &case)?
            .with(Projection::PutBlob {
                sha256,
                content_type: evidence.content_type.clone(),
                data,
            });
        self.append(vec![change]).await?;
        Ok(evidence)
    }

    /// An evidence file of a case; the viewing is journaled in its chain of custody.
    pub async fn view_evidence(
        &self,
        who: &Principal,
        case_id: &str,
        sha256: &str,
    ) -> StationResult<(String, Vec<u8>)> {
        may_handle_cases(who)?;
        let _guard = CASE_WRITES.lock().await;
        let mut case = self.case_doc(case_id).await?;
        if !case.evidence.iter().any(|e| e.sha256 == sha256) {
            return Err(StationError::not_found(format!(
                "case `{case_id}` has no evidence `{}`",
                sha256.chars().take(64).collect::<String>()
            )));
        }
        let (content_type, data) = self.store.blob(sha256).await?.ok_or_else(|| {
            StationError::internal(format!("evidence `{sha256}` is listed but not stored"))
        })?;
        case.custody.push(Custody {
            action: "viewed".into(),
            sha256: sha256.to_owned(),
            by: who.actor(),
            at: self.now(),
        });
        let event = Event::EvidenceViewed(EvidenceViewed {
            case_id: case.id.clone(),
            sha256: sha256.to_owned(),
        });
        let change = self.case_change(who, event, &case)?;
        self.append(vec![change]).await?;
        Ok((content_type, data))
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
