//! The duty supervision desk (勤务督导服务台): a supervisor's checks of posts, and the permit
//! notices (边检办证告知单) travellers and drivers are given, from templates an administrator
//! edits.

use chrono::{DateTime, NaiveDate, Utc};
use guomen_store::{Change, Projection};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::{read, text};
use crate::auth::new_id;
use crate::event::{Event, NoticeUpdated, SupervisionChecked};
use crate::{Principal, Station, StationError, StationResult};

pub const SUPERVISION_CHECKS: &str = "supervision_checks";
pub const NOTICES: &str = "notices";
/// The notices travellers and drivers are given.
pub const NOTICE_KINDS: &[&str] = &["traveller", "driver"];
/// Chinese, English, Mongolian (Cyrillic) and Russian.
pub const NOTICE_LANGS: &[&str] = &["zh", "en", "mn", "ru"];
pub const MAX_NOTICE_CHARS: usize = 20_000;

#[derive(Debug, Clone)]
pub struct NewCheck {
    pub site_id: String,
    pub post: String,
    pub person: Option<String>,
    pub present: bool,
    pub issues: Vec<String>,
    pub remarks: String,
}

/// One check of a post, as recorded.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SupervisionCheck {
    pub id: String,
    pub site_id: String,
    pub post: String,
    pub person: Option<String>,
    pub present: bool,
    pub issues: Vec<String>,
    pub remarks: String,
    pub checked_at: DateTime<Utc>,
    pub checked_by: String,
}

/// A permit notice's template in one language.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Notice {
    pub kind: String,
    pub lang: String,
    /// Lines: `# ` a title, `## ` a heading, `- ` an item, others paragraphs; `{port}` is the
    /// port's name.
    pub text: String,
    /// Whether it is the shipped default (never edited).
    pub is_default: bool,
    pub updated_at: Option<DateTime<Utc>>,
    pub updated_by: Option<String>,
}

fn default_notice(kind: &str, lang: &str) -> Option<&'static str> {
    Some(match (kind, lang) {
        ("traveller", "zh") => include_str!("../../notices/traveller.zh.txt"),
        ("traveller", "en") => include_str!("../../notices/traveller.en.txt"),
        ("traveller", "mn") => include_str!("../../notices/traveller.mn.txt"),
        ("traveller", "ru") => include_str!("../../notices/traveller.ru.txt"),
        ("driver", "zh") => include_str!("../../notices/driver.zh.txt"),
        ("driver", "en") => include_str!("../../notices/driver.en.txt"),
        ("driver", "mn") => include_str!("../../notices/driver.mn.txt"),
        ("driver", "ru") => include_str!("../../notices/driver.ru.txt"),
        _ => return None,
    })
}

fn notice_key(kind: &str, lang: &str) -> StationResult<String> {
    if !NOTICE_KINDS.contains(&kind) {
        return Err(StationError::not_found(format!(
            "no notice kind `{}` (expected {})",
            kind.chars().take(40).collect::<String>(),
            NOTICE_KINDS.join(", ")
        )));
    }
    if !NOTICE_LANGS.contains(&lang) {
        return Err(StationError::unprocessable(format!(
            "`lang` must be one of {}",
            NOTICE_LANGS.join(", ")
        )));
    }
    Ok(format!("{kind}.{lang}"))
}

impl Station {
    /// Records a supervisor's check of a post (journaled with who checked).
    pub async fn record_check(
        &self,
        who: &Principal,
        c: NewCheck,
    ) -> StationResult<SupervisionCheck> {
        self.site_or_422(&c.site_id)?;
        let post = text("post", &c.post, 64)?;
        let person = match c.person.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(p) => Some(text("person", p, 100)?),
        };
        if c.issues.len() > 20 {
            return Err(StationError::unprocessable("at most 20 `issues`"));
        }
        let issues = c
            .issues
            .iter()
            .map(|i| text("issues[]", i, 200))
            .collect::<StationResult<Vec<_>>>()?;
        let remarks = c.remarks.trim().to_owned();
        if remarks.chars().count() > 2000 {
            return Err(StationError::unprocessable(
                "`remarks` must have at most 2000 characters",
            ));
        }
        let now = self.now();
        let check = SupervisionCheck {
            id: new_id(),
            site_id: c.site_id,
            post,
            person,
            present: c.present,
            issues,
            remarks,
            checked_at: now,
            checked_by: who.name.clone(),
        };
        let event = Event::SupervisionChecked(SupervisionChecked {
            id: check.id.clone(),
            site_id: check.site_id.clone(),
            post: check.post.clone(),
            person: check.person.clone(),
            present: check.present,
            issues: check.issues.clone(),
            remarks: check.remarks.clone(),
        });
        let body =
            serde_json::to_value(&check).map_err(|e| StationError::internal(e.to_string()))?;
        self.append(vec![Change::event(event.to_new(&who.actor(), now)).with(
            Projection::PutDoc {
                collection: SUPERVISION_CHECKS.to_owned(),
                id: check.id.clone(),
                body,
            },
        )])
        .await?;
        Ok(check)
    }

    /// The checks of a station-local day (today when `None`), oldest first.
    pub async fn supervision_checks(
        &self,
        date: Option<NaiveDate>,
    ) -> StationResult<Vec<SupervisionCheck>> {
        let day = date.unwrap_or_else(|| self.today());
        let mut out: Vec<SupervisionCheck> = self
            .store
            .docs(SUPERVISION_CHECKS)
            .await?
            .into_iter()
            .map(|d| read::<SupervisionCheck>(d.body, "supervision check", &d.id))
            .collect::<StationResult<Vec<_>>>()?
            .into_iter()
            .filter(|c| self.local_day(c.checked_at) == day)
            .collect();
        out.sort_by_key(|c| c.checked_at);
        Ok(out)
    }

    /// A permit notice's template: the administrator's, else the shipped default.
    pub async fn notice(&self, kind: &str, lang: &str) -> StationResult<Notice> {
        let key = notice_key(kind, lang)?;
        if let Some(d) = self.store.doc(NOTICES, &key).await? {
            return read(d.body, "notice", &key);
        }
        let text = default_notice(kind, lang)
            .ok_or_else(|| StationError::internal(format!("no default notice {key}")))?;
        Ok(Notice {
            kind: kind.to_owned(),
            lang: lang.to_owned(),
            text: text.to_owned(),
            is_default: true,
            updated_at: None,
            updated_by: None,
        })
    }

    /// Replaces a permit notice's template (administrators; journaled with the text's hash).
    pub async fn set_notice(
        &self,
        who: &Principal,
        kind: &str,
        lang: &str,
        text: &str,
    ) -> StationResult<Notice> {
        let key = notice_key(kind, lang)?;
        let text = text.replace("\r\n", "\n");
        let chars = text.chars().count();
        if text.trim().is_empty() || chars > MAX_NOTICE_CHARS {
            return Err(StationError::unprocessable(format!(
                "`text` must have 1 to {MAX_NOTICE_CHARS} characters"
            )));
        }
        if text
            .chars()
            .any(|c| c.is_control() && c != '\n' && c != '\t')
        {
            return Err(StationError::unprocessable(
                "`text` must not contain control characters",
            ));
        }
        let now = self.now();
        let notice = Notice {
            kind: kind.to_owned(),
            lang: lang.to_owned(),
            text,
            is_default: false,
            updated_at: Some(now),
            updated_by: Some(who.name.clone()),
        };
        let sha256 = hex::encode(Sha256::digest(notice.text.as_bytes()));
        let event = Event::NoticeUpdated(NoticeUpdated {
            kind: notice.kind.clone(),
            lang: notice.lang.clone(),
            sha256,
            chars,
        });
        let body =
            serde_json::to_value(&notice).map_err(|e| StationError::internal(e.to_string()))?;
        self.append(vec![Change::event(event.to_new(&who.actor(), now)).with(
            Projection::PutDoc {
                collection: NOTICES.to_owned(),
                id: key,
                body,
            },
        )])
        .await?;
        Ok(notice)
    }
}
