//! The screening index: candidates from an inverted index over name-part keys, document
//! numbers, birth date + nationality and face templates; every hit explained field by field.

use std::collections::HashMap;
use std::sync::Arc;

use guomen_domain::watchlist::{ListKind, PartialDate, Sex, WatchlistEntry};
use serde::{Deserialize, Serialize};

use crate::compare::{Form, Rendering, Tok, analyze, compare_forms, rendering_keys};
use crate::dict::NameDictionary;
use crate::translit::Scheme;

/// Candidates kept from the name index per query, best first, before full scoring.
const MAX_NAME_CANDIDATES: usize = 120;
/// A 1-deletion posting list longer than this is too common to discriminate.
const MAX_DELETION_POSTINGS: usize = 20_000;
/// An exact-part posting list longer than this is skipped when rarer parts found candidates.
const MAX_COMMON_POSTINGS: usize = 60_000;
/// Cosine similarity at and above which two face templates are taken to be one person.
pub const FACE_THRESHOLD: f32 = 0.8;
/// On identity change (exact birth date and nationality, refused or wanted list) the name need
/// only be a variant: this is the lowest name score still reported.
pub const IDENTITY_CHANGE_NAME_MIN: f64 = 0.5;

/// One traveller to screen.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Query {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub birth_date: Option<PartialDate>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sex: Option<Sex>,
    /// ICAO 9303 nationality code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nationality: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub document_number: Option<String>,
    /// ICAO 9303 issuing state code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub document_country: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub face_template: Option<Vec<f32>>,
}

impl Query {
    /// A query with a name only.
    pub fn name(name: impl Into<String>) -> Self {
        Query {
            name: name.into(),
            ..Query::default()
        }
    }
}

/// How one field of the query compares with the list entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    Match,
    /// Agrees as far as both sides go (year only, year and month).
    PartialMatch,
    /// Close but not equal: typo, day and month swapped, one digit off, OCR confusion.
    Similar,
    Mismatch,
    /// One side does not have the field: no effect.
    Unknown,
    /// Context for the decision (identity change, truncated input).
    Note,
}

/// One line of a hit's explanation.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FieldExplain {
    /// `name`, `birth_date`, `sex`, `nationality`, `document`, `face`, `identity_change`.
    pub field: &'static str,
    pub query_value: Option<String>,
    pub list_value: Option<String>,
    pub verdict: Verdict,
    /// What this field added to (or took from) the score.
    pub contribution: f64,
    /// Why, in words.
    pub detail: String,
}

/// A list entry the traveller may be.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Hit {
    pub entry_id: String,
    pub list: ListKind,
    /// 0..1, best first.
    pub score: f64,
    /// The name comparison alone, 0..1.
    pub name_score: f64,
    /// The entry's name (or alias) that matched best.
    pub matched_name: Option<String>,
    pub explain: Vec<FieldExplain>,
}

/// Index size figures.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct IndexStats {
    pub entries: usize,
    pub entries_by_list: Vec<(ListKind, usize)>,
    pub names: usize,
    /// Distinct keys in the name index.
    pub keys: usize,
    pub postings: usize,
    pub documents: usize,
    pub face_templates: usize,
    /// Face templates ignored because their length differs from the first one indexed.
    pub face_templates_skipped: usize,
    pub dictionary_groups: usize,
}

#[derive(Debug)]
struct Rec {
    id: Box<str>,
    list: ListKind,
    names: Box<[Box<str>]>,
    /// Per name: renderings separated by `|`, each a scheme code then parts separated by ` `.
    packed: Box<[Box<str>]>,
    birth: Box<[PartialDate]>,
    sex: Option<Sex>,
    nationalities: Box<[Box<str>]>,
    /// (issuing country, number with separators removed)
    documents: Box<[DocKey]>,
}

/// (issuing country, normalised number)
type DocKey = (Option<Box<str>>, Box<str>);

/// The screening index. Immutable once built: share it as `Arc<Index>` and swap a new one in.
#[derive(Debug)]
pub struct Index {
    recs: Vec<Rec>,
    keys: Vec<u64>,
    offsets: Vec<u32>,
    postings: Vec<u32>,
    documents: HashMap<u64, Vec<u32>>,
    faces: Vec<f32>,
    face_rows: Vec<u32>,
    face_dim: usize,
    face_skipped: usize,
    dict: Option<Arc<NameDictionary>>,
}

const TAG_PART: u8 = b'S';
const TAG_DEL: u8 = b'D';
const TAG_GROUP: u8 = b'G';
const TAG_BIRTH_NAT: u8 = b'B';

/// FNV-1a with a final mix: keys only need to spread well; collisions add candidates that
/// full scoring then rejects.
fn hkey(tag: u8, s: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325 ^ u64::from(tag);
    for &b in s {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h ^= h >> 33;
    h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
    h ^ (h >> 33)
}

fn deletions(s: &str, out: &mut Vec<String>) {
    if !s.is_ascii() || s.len() < 4 {
        return;
    }
    for i in 0..s.len() {
        let mut d = String::with_capacity(s.len() - 1);
        d.push_str(s.get(..i).unwrap_or(""));
        d.push_str(s.get(i + 1..).unwrap_or(""));
        out.push(d);
    }
}

/// Name-index keys of one rendering's parts, weighted for candidate ranking; `part` groups the
/// keys by the query part they come from.
fn name_keys(
    toks: &[Tok],
    dict: Option<&NameDictionary>,
    with_deletions: bool,
    out: &mut Vec<(u64, f32, u8)>,
) {
    let mut dels = Vec::new();
    for (i, t) in toks.iter().enumerate() {
        let part = u8::try_from(i).unwrap_or(u8::MAX);
        if t.skel.chars().count() >= 2 {
            out.push((hkey(TAG_PART, t.skel.as_bytes()), 1.0, part));
            out.push((hkey(TAG_DEL, t.skel.as_bytes()), 0.6, part));
            if with_deletions {
                dels.clear();
                deletions(&t.skel, &mut dels);
                for d in &dels {
                    out.push((hkey(TAG_DEL, d.as_bytes()), 0.6, part));
                }
            }
        }
        if let Some(d) = dict {
            for g in d.groups_of(&t.key) {
                out.push((hkey(TAG_GROUP, &g.to_le_bytes()), 0.9, part));
            }
        }
    }
    for (i, w) in toks.windows(2).enumerate() {
        if let [x, y] = w {
            let joined = crate::normalize::skeleton(&format!("{}{}", x.key, y.key));
            let part = u8::try_from(i).unwrap_or(u8::MAX);
            out.push((hkey(TAG_PART, joined.as_bytes()), 1.0, part));
        }
    }
}

fn birth_nat_key(d: &PartialDate, nat: &str) -> Option<u64> {
    let (m, day) = (d.month?, d.day?);
    let s = format!("{:04}{m:02}{day:02}{nat}", d.year);
    Some(hkey(TAG_BIRTH_NAT, s.as_bytes()))
}

/// A document number as printed: upper case, `<`, spaces, dashes and other separators removed.
pub fn normalize_document_number(s: &str) -> String {
    s.chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_uppercase())
        .collect()
}

/// A document number with OCR look-alikes folded together (O/Q/D→0, I/L→1, Z→2, S→5, G→6, B→8).
pub fn ocr_fold_document_number(normalized: &str) -> String {
    normalized
        .chars()
        .map(|c| match c {
            'O' | 'Q' | 'D' => '0',
            'I' | 'L' => '1',
            'Z' => '2',
            'S' => '5',
            'G' => '6',
            'B' => '8',
            other => other,
        })
        .collect()
}

fn scheme_code(s: Option<Scheme>) -> char {
    match s {
        None => '-',
        Some(s) => {
            let i = Scheme::ALL.iter().position(|x| *x == s).unwrap_or(0);
            char::from(b'0' + u8::try_from(i).unwrap_or(0))
        }
    }
}

fn pack(renderings: &[(Option<Scheme>, Vec<String>)]) -> Box<str> {
    let mut s = String::new();
    for (i, (scheme, keys)) in renderings.iter().enumerate() {
        if i > 0 {
            s.push('|');
        }
        s.push(scheme_code(*scheme));
        s.push_str(&keys.join(" "));
    }
    s.into_boxed_str()
}

fn unpack(packed: &str) -> Form {
    let renderings = packed
        .split('|')
        .filter_map(|r| {
            let mut chars = r.chars();
            let code = chars.next()?;
            let scheme = code
                .to_digit(10)
                .and_then(|d| Scheme::ALL.get(d as usize).copied());
            let toks: Vec<Tok> = chars
                .as_str()
                .split(' ')
                .filter(|k| !k.is_empty())
                .map(|k| Tok::new(k.to_owned()))
                .collect();
            (!toks.is_empty()).then_some(Rendering { scheme, toks })
        })
        .collect();
    Form {
        renderings,
        truncated: false,
    }
}

fn upper(s: &str) -> String {
    s.trim().to_ascii_uppercase()
}

impl Index {
    /// Builds the index. Single-threaded; about a few microseconds per entry.
    pub fn build(entries: Vec<WatchlistEntry>, dict: Option<Arc<NameDictionary>>) -> Index {
        let d = dict.as_deref();
        let mut recs = Vec::with_capacity(entries.len());
        let mut pairs: Vec<(u64, u32)> = Vec::with_capacity(entries.len().saturating_mul(12));
        let mut documents: HashMap<u64, Vec<u32>> = HashMap::new();
        let (mut faces, mut face_rows, mut face_dim, mut face_skipped) =
            (Vec::new(), Vec::new(), 0usize, 0usize);
        let mut keys_buf: Vec<(u64, f32, u8)> = Vec::new();
        for e in entries {
            let Ok(idx) = u32::try_from(recs.len()) else {
                break;
            };
            keys_buf.clear();
            let mut packed = Vec::with_capacity(e.names.len());
            for name in &e.names {
                let (renderings, _, _) = rendering_keys(name);
                for (_, keys) in &renderings {
                    let toks: Vec<Tok> = keys.iter().cloned().map(Tok::new).collect();
                    name_keys(&toks, d, true, &mut keys_buf);
                }
                packed.push(pack(&renderings));
            }
            let nationalities: Vec<Box<str>> = e
                .nationalities
                .iter()
                .map(|n| upper(n).into_boxed_str())
                .collect();
            if matches!(e.list, ListKind::RefusedEntry | ListKind::Wanted) {
                for b in &e.birth_dates {
                    for n in &nationalities {
                        if let Some(k) = birth_nat_key(b, n) {
                            keys_buf.push((k, 0.0, 0));
                        }
                    }
                }
                if let Some(t) = &e.face_template {
                    if face_dim == 0 && !t.is_empty() {
                        face_dim = t.len();
                    }
                    let norm = t.iter().map(|x| x * x).sum::<f32>().sqrt();
                    if t.len() == face_dim && norm.is_finite() && norm > 0.0 {
                        faces.extend(t.iter().map(|x| x / norm));
                        face_rows.push(idx);
                    } else {
                        face_skipped += 1;
                    }
                }
            }
            keys_buf.sort_unstable_by_key(|k| k.0);
            keys_buf.dedup_by_key(|k| k.0);
            pairs.extend(keys_buf.iter().map(|k| (k.0, idx)));
            let mut docs = Vec::with_capacity(e.documents.len());
            for doc in &e.documents {
                let number = normalize_document_number(&doc.number);
                if number.is_empty() {
                    continue;
                }
                let k = hkey(b'N', ocr_fold_document_number(&number).as_bytes());
                let list = documents.entry(k).or_default();
                if list.last() != Some(&idx) {
                    list.push(idx);
                }
                docs.push((
                    doc.country.as_deref().map(|c| upper(c).into_boxed_str()),
                    number.into_boxed_str(),
                ));
            }
            recs.push(Rec {
                id: e.id.into_boxed_str(),
                list: e.list,
                names: e.names.into_iter().map(String::into_boxed_str).collect(),
                packed: packed.into_boxed_slice(),
                birth: e.birth_dates.into_boxed_slice(),
                sex: e.sex,
                nationalities: nationalities.into_boxed_slice(),
                documents: docs.into_boxed_slice(),
            });
        }
        pairs.sort_unstable();
        pairs.dedup();
        let mut keys = Vec::new();
        let mut offsets = Vec::new();
        let mut postings = Vec::with_capacity(pairs.len());
        for (k, e) in pairs {
            if keys.last() != Some(&k) {
                keys.push(k);
                offsets.push(u32::try_from(postings.len()).unwrap_or(u32::MAX));
            }
            postings.push(e);
        }
        offsets.push(u32::try_from(postings.len()).unwrap_or(u32::MAX));
        keys.shrink_to_fit();
        offsets.shrink_to_fit();
        faces.shrink_to_fit();
        Index {
            recs,
            keys,
            offsets,
            postings,
            documents,
            faces,
            face_rows,
            face_dim,
            face_skipped,
            dict,
        }
    }

    fn postings_of(&self, key: u64) -> &[u32] {
        match self.keys.binary_search(&key) {
            Ok(i) => {
                let lo = self.offsets.get(i).copied().unwrap_or(0) as usize;
                let hi = self.offsets.get(i + 1).copied().unwrap_or(0) as usize;
                self.postings.get(lo..hi).unwrap_or(&[])
            }
            Err(_) => &[],
        }
    }

    /// Number of entries indexed.
    pub fn len(&self) -> usize {
        self.recs.len()
    }

    pub fn is_empty(&self) -> bool {
        self.recs.is_empty()
    }

    /// Size figures of the index.
    pub fn stats(&self) -> IndexStats {
        let mut by_list: Vec<(ListKind, usize)> = ListKind::ALL.iter().map(|l| (*l, 0)).collect();
        for r in &self.recs {
            if let Some(c) = by_list.iter_mut().find(|(l, _)| *l == r.list) {
                c.1 += 1;
            }
        }
        IndexStats {
            entries: self.recs.len(),
            entries_by_list: by_list,
            names: self.recs.iter().map(|r| r.names.len()).sum(),
            keys: self.keys.len(),
            postings: self.postings.len(),
            documents: self.recs.iter().map(|r| r.documents.len()).sum(),
            face_templates: self.face_rows.len(),
            face_templates_skipped: self.face_skipped,
            dictionary_groups: self.dict.as_ref().map_or(0, |d| d.len().0),
        }
    }

    /// Name candidates ranked by how many query parts they share keys with.
    fn name_candidates(&self, form: &Form) -> Vec<u32> {
        let d = self.dict.as_deref();
        let mut keys: Vec<(u64, f32, u8)> = Vec::new();
        for r in &form.renderings {
            name_keys(&r.toks, d, true, &mut keys);
        }
        // The same part key from several renderings counts once.
        keys.sort_unstable_by(|a, b| a.0.cmp(&b.0).then(b.1.total_cmp(&a.1)));
        keys.dedup_by_key(|k| k.0);
        let mut lists: Vec<(&[u32], f32, u8, u8)> = keys
            .iter()
            .map(|(k, w, p)| {
                let tag = if *w >= 1.0 { TAG_PART } else { TAG_DEL };
                (self.postings_of(*k), *w, *p, tag)
            })
            .filter(|(l, _, _, _)| !l.is_empty())
            .collect();
        lists.sort_by_key(|l| l.0.len());
        // Score per entry: for each query part, the best key weight it hit.
        let mut acc: HashMap<u32, [f32; 9]> = HashMap::new();
        for (list, w, part, tag) in &lists {
            let common = list.len() > MAX_COMMON_POSTINGS
                || (*tag == TAG_DEL && list.len() > MAX_DELETION_POSTINGS);
            if common && !acc.is_empty() {
                continue;
            }
            let p = usize::from(*part).min(8);
            for &e in *list {
                let slot = acc.entry(e).or_insert([0.0; 9]);
                if let Some(v) = slot.get_mut(p) {
                    *v = v.max(*w);
                }
            }
        }
        let mut ranked: Vec<(f32, u32)> =
            acc.into_iter().map(|(e, s)| (s.iter().sum(), e)).collect();
        ranked.sort_unstable_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
        ranked.truncate(MAX_NAME_CANDIDATES);
        ranked.into_iter().map(|(_, e)| e).collect()
    }

    /// Screens one traveller: hits with `score >= threshold` (plus lost/stolen document,
    /// identity-change and face hits, which stand on their own), best first.
    pub fn screen(&self, q: &Query, threshold: f64) -> Vec<Hit> {
        let threshold = if threshold.is_finite() {
            threshold.clamp(0.0, 1.0)
        } else {
            crate::DEFAULT_NAME_THRESHOLD
        };
        let form = analyze(&q.name);
        let mut cands: Vec<u32> = if form.renderings.is_empty() {
            Vec::new()
        } else {
            self.name_candidates(&form)
        };
        let q_nat = q
            .nationality
            .as_deref()
            .map(upper)
            .filter(|n| !n.is_empty());
        if let (Some(b), Some(n)) = (&q.birth_date, &q_nat)
            && let Some(k) = birth_nat_key(b, n)
        {
            cands.extend_from_slice(self.postings_of(k));
        }
        let q_doc = q
            .document_number
            .as_deref()
            .map(normalize_document_number)
            .filter(|n| !n.is_empty());
        if let Some(n) = &q_doc
            && let Some(list) = self
                .documents
                .get(&hkey(b'N', ocr_fold_document_number(n).as_bytes()))
        {
            cands.extend_from_slice(list);
        }
        let faces = self.face_matches(q.face_template.as_deref());
        cands.extend(faces.iter().map(|(e, _)| *e));
        cands.sort_unstable();
        cands.dedup();
        let mut hits: Vec<Hit> = cands
            .into_iter()
            .filter_map(|e| {
                let face = faces.iter().find(|(f, _)| *f == e).map(|(_, s)| *s);
                self.score(
                    e,
                    q,
                    &form,
                    q_nat.as_deref(),
                    q_doc.as_deref(),
                    face,
                    threshold,
                )
            })
            .collect();
        hits.sort_by(|a, b| {
            b.score
                .total_cmp(&a.score)
                .then_with(|| a.entry_id.cmp(&b.entry_id))
        });
        hits
    }

    fn face_matches(&self, t: Option<&[f32]>) -> Vec<(u32, f32)> {
        let Some(t) = t else { return Vec::new() };
        if self.face_dim == 0 || t.len() != self.face_dim {
            return Vec::new();
        }
        let norm = t.iter().map(|x| x * x).sum::<f32>().sqrt();
        if !norm.is_finite() || norm == 0.0 {
            return Vec::new();
        }
        self.faces
            .chunks_exact(self.face_dim)
            .zip(&self.face_rows)
            .filter_map(|(row, e)| {
                let s = row.iter().zip(t).map(|(a, b)| a * b).sum::<f32>() / norm;
                (s >= FACE_THRESHOLD).then_some((*e, s))
            })
            .collect()
    }

    #[allow(clippy::too_many_arguments)]
    fn score(
        &self,
        e: u32,
        q: &Query,
        form: &Form,
        q_nat: Option<&str>,
        q_doc: Option<&str>,
        face: Option<f32>,
        threshold: f64,
    ) -> Option<Hit> {
        let rec = self.recs.get(e as usize)?;
        let d = self.dict.as_deref();
        let mut explain = Vec::new();
        // Name.
        let (mut name_score, mut matched) = (0.0f64, None);
        for (name, packed) in rec.names.iter().zip(rec.packed.iter()) {
            let (s, _, _) = compare_forms(form, &unpack(packed), d);
            if s > name_score {
                name_score = s;
                matched = Some(name);
            }
        }
        explain.push(FieldExplain {
            field: "name",
            query_value: Some(q.name.clone()),
            list_value: matched.map(|n| n.to_string()),
            verdict: if name_score >= 0.999 {
                Verdict::Match
            } else if name_score >= threshold {
                Verdict::Similar
            } else {
                Verdict::Mismatch
            },
            contribution: name_score,
            detail: format!("name similarity {name_score:.3} (threshold {threshold:.2})"),
        });
        if form.truncated {
            explain.push(FieldExplain {
                field: "name",
                query_value: None,
                list_value: None,
                verdict: Verdict::Note,
                contribution: 0.0,
                detail: format!(
                    "query name cut to {} characters and {} parts before comparison",
                    crate::MAX_NAME_CHARS,
                    crate::MAX_TOKENS
                ),
            });
        }
        let mut score = name_score;
        // Birth date.
        let (dob_exact, dob) = grade_birth(q.birth_date.as_ref(), &rec.birth);
        score += dob.contribution;
        explain.push(dob);
        // Sex.
        let sx = grade_sex(q.sex, rec.sex);
        score += sx.contribution;
        explain.push(sx);
        // Nationality.
        let (nat_match, nat) = grade_nat(q_nat, &rec.nationalities);
        score += nat.contribution;
        explain.push(nat);
        // Document.
        let (doc_grade, doc) = grade_doc(q_doc, q.document_country.as_deref(), &rec.documents);
        score += doc.contribution;
        explain.push(doc);
        let mut score = score.clamp(0.0, 1.0);
        let mut hit = score >= threshold;
        if rec.list == ListKind::LostStolenDocument && doc_grade > 0 {
            // A lost or stolen document is a hit whoever carries it.
            score = if doc_grade == 2 { 1.0 } else { 0.95 };
            hit = true;
        }
        let returning = matches!(rec.list, ListKind::RefusedEntry | ListKind::Wanted);
        if returning
            && name_score < threshold
            && dob_exact
            && nat_match
            && name_score >= IDENTITY_CHANGE_NAME_MIN
        {
            hit = true;
            explain.push(FieldExplain {
                field: "identity_change",
                query_value: None,
                list_value: None,
                verdict: Verdict::Note,
                contribution: 0.0,
                detail: format!(
                    "possible identity change: exact birth date and nationality match and the name is a variant (name score {name_score:.3} >= {IDENTITY_CHANGE_NAME_MIN})"
                ),
            });
        }
        if let Some(f) = face {
            let f = f64::from(f).clamp(0.0, 1.0);
            if f > score {
                score = f;
            }
            hit = true;
            explain.push(FieldExplain {
                field: "face",
                query_value: None,
                list_value: None,
                verdict: Verdict::Match,
                contribution: f,
                detail: format!(
                    "face template cosine similarity {f:.3} >= {FACE_THRESHOLD}{}",
                    if name_score < threshold {
                        "; name differs: possible identity change"
                    } else {
                        ""
                    }
                ),
            });
        }
        hit.then(|| Hit {
            entry_id: rec.id.to_string(),
            list: rec.list,
            score,
            name_score,
            matched_name: matched.map(|n| n.to_string()),
            explain,
        })
    }
}

fn digits(d: &PartialDate) -> Option<[u8; 8]> {
    let s = format!("{:04}{:02}{:02}", d.year, d.month?, d.day?);
    s.as_bytes().try_into().ok()
}

/// Grades a birth date against the entry's: (exact full date?, explanation with contribution).
fn grade_birth(q: Option<&PartialDate>, list: &[PartialDate]) -> (bool, FieldExplain) {
    let mk = |verdict, contribution, detail: &str, lv: Option<&PartialDate>| FieldExplain {
        field: "birth_date",
        query_value: q.map(ToString::to_string),
        list_value: lv.map(ToString::to_string),
        verdict,
        contribution,
        detail: detail.to_owned(),
    };
    let Some(q) = q else {
        return (
            false,
            mk(
                Verdict::Unknown,
                0.0,
                "no birth date in the query",
                list.first(),
            ),
        );
    };
    if list.is_empty() {
        return (
            false,
            mk(
                Verdict::Unknown,
                0.0,
                "no birth date on the list entry",
                None,
            ),
        );
    }
    let mut best: Option<(u8, FieldExplain, bool)> = None;
    for l in list {
        let (rank, exact, fe) = if q == l && q.day.is_some() {
            (
                6,
                true,
                mk(Verdict::Match, 0.08, "same birth date", Some(l)),
            )
        } else if q.year == l.year
            && (q.month.is_none() || l.month.is_none() || q.month == l.month)
            && (q.day.is_none() || l.day.is_none() || q.day == l.day)
        {
            (
                5,
                false,
                mk(
                    Verdict::PartialMatch,
                    0.03,
                    "birth date agrees as far as both are known",
                    Some(l),
                ),
            )
        } else if q.year == l.year && q.month.is_some() && q.month == l.day && q.day == l.month {
            (
                4,
                false,
                mk(Verdict::Similar, 0.04, "day and month swapped", Some(l)),
            )
        } else if let (Some(a), Some(b)) = (digits(q), digits(l))
            && a.iter().zip(b.iter()).filter(|(x, y)| x != y).count() == 1
        {
            (
                3,
                false,
                mk(Verdict::Similar, 0.02, "one digit off", Some(l)),
            )
        } else if q.year.abs_diff(l.year) <= 1 {
            (
                2,
                false,
                mk(
                    Verdict::Mismatch,
                    -0.05,
                    "birth dates differ (year within one)",
                    Some(l),
                ),
            )
        } else {
            (
                1,
                false,
                mk(Verdict::Mismatch, -0.2, "birth dates differ", Some(l)),
            )
        };
        if best.as_ref().is_none_or(|b| rank > b.0) {
            best = Some((rank, fe, exact));
        }
    }
    match best {
        Some((_, fe, exact)) => (exact, fe),
        None => (false, mk(Verdict::Unknown, 0.0, "no birth date", None)),
    }
}

fn sex_str(s: Sex) -> &'static str {
    match s {
        Sex::Male => "M",
        Sex::Female => "F",
        Sex::Unspecified => "X",
    }
}

fn grade_sex(q: Option<Sex>, l: Option<Sex>) -> FieldExplain {
    let (verdict, contribution, detail) = match (q, l) {
        (Some(a), Some(b)) if a == Sex::Unspecified || b == Sex::Unspecified => {
            (Verdict::Unknown, 0.0, "sex unspecified on one side")
        }
        (Some(a), Some(b)) if a == b => (Verdict::Match, 0.01, "same sex"),
        (Some(_), Some(_)) => (Verdict::Mismatch, -0.1, "different sex"),
        _ => (Verdict::Unknown, 0.0, "sex not known on both sides"),
    };
    FieldExplain {
        field: "sex",
        query_value: q.map(|s| sex_str(s).to_owned()),
        list_value: l.map(|s| sex_str(s).to_owned()),
        verdict,
        contribution,
        detail: detail.to_owned(),
    }
}

fn grade_nat(q: Option<&str>, list: &[Box<str>]) -> (bool, FieldExplain) {
    let lv = (!list.is_empty()).then(|| list.join(","));
    let (m, verdict, contribution, detail) = match q {
        None => (false, Verdict::Unknown, 0.0, "no nationality in the query"),
        Some(_) if list.is_empty() => (
            false,
            Verdict::Unknown,
            0.0,
            "no nationality on the list entry",
        ),
        Some(n) if list.iter().any(|l| &**l == n) => {
            (true, Verdict::Match, 0.04, "same nationality")
        }
        Some(_) => (false, Verdict::Mismatch, -0.04, "different nationality"),
    };
    (
        m,
        FieldExplain {
            field: "nationality",
            query_value: q.map(str::to_owned),
            list_value: lv,
            verdict,
            contribution,
            detail: detail.to_owned(),
        },
    )
}

/// Grades the document: 2 exact, 1 OCR-confusable, 0 none.
fn grade_doc(
    q: Option<&str>,
    q_country: Option<&str>,
    list: &[(Option<Box<str>>, Box<str>)],
) -> (u8, FieldExplain) {
    let qc = q_country.map(upper).filter(|c| !c.is_empty());
    let mut best: (u8, Option<String>) = (0, None);
    if let Some(n) = q {
        let folded = ocr_fold_document_number(n);
        for (c, num) in list {
            let country_ok = match (&qc, c) {
                (Some(a), Some(b)) => a.as_str() == &**b,
                _ => true,
            };
            if !country_ok {
                continue;
            }
            let grade = if &**num == n {
                2
            } else if ocr_fold_document_number(num) == folded {
                1
            } else {
                0
            };
            if grade > best.0 {
                let shown = match c {
                    Some(c) => format!("{c} {num}"),
                    None => num.to_string(),
                };
                best = (grade, Some(shown));
            }
        }
    }
    let (verdict, contribution, detail) = match (q, best.0) {
        (None, _) => (Verdict::Unknown, 0.0, "no document number in the query"),
        (Some(_), 2) => (
            Verdict::Match,
            0.15,
            "same document (issuing country and number)",
        ),
        (Some(_), 1) => (
            Verdict::Similar,
            0.1,
            "document number equal up to OCR look-alikes (O/0, I/1, S/5, B/8 ...)",
        ),
        (Some(_), _) if list.is_empty() => (Verdict::Unknown, 0.0, "no document on the list entry"),
        (Some(_), _) => (
            Verdict::Unknown,
            0.0,
            "different document (people change passports: no penalty)",
        ),
    };
    let lv = best.1.or_else(|| list.first().map(|(_, n)| n.to_string()));
    (
        best.0,
        FieldExplain {
            field: "document",
            query_value: q.map(|n| match &qc {
                Some(c) => format!("{c} {n}"),
                None => n.to_owned(),
            }),
            list_value: lv,
            verdict,
            contribution,
            detail: detail.to_owned(),
        },
    )
}
