//! The screening index: candidates from an inverted index over name-part keys, document
//! numbers, birth date + nationality and face templates; every hit explained field by field.

use std::sync::{Arc, Mutex, PoisonError};

use guomen_domain::watchlist::{ListKind, PartialDate, Sex, WatchlistEntry};
use serde::{Deserialize, Serialize};

use crate::compare::{RendRef, Scratch, Tok, TokRef, analyze, compare_refs_above, rendering_keys};
use crate::dict::NameDictionary;
use crate::learned;
use crate::normalize::{MAX_SOUND_BYTES, MAX_TOKENS, skeleton, sound_into};
use crate::translit::Scheme;

/// Entries kept from the candidate accumulator (most name evidence first) for the cheap bound.
const POOL: usize = 128;
/// Name-index candidates scored in full, at most.
const MAX_FULL: usize = 32;
/// Different names among them, at most: a comparison costs a microsecond or so per pair of
/// parts, and past the sixteenth name in key-evidence order hardly any reaches a threshold.
const MAX_DISTINCT: usize = 16;
/// Places one name's namesakes take among the MAX_FULL while other names wait.
const PER_NAME: usize = 8;
/// Postings of single-part keys scanned per query, rarest key first (the rarest is always
/// scanned, but no further than the budget). Keys past the budget (the most common parts,
/// which carry the least evidence) only confirm candidates already pooled. Each posting
/// scanned is a cache miss in the accumulator: at a million entries 60,000 of them were most
/// of a slow query's time. Since two parts together have their own keys (see [`PAIR_BUDGET`])
/// the single keys need not find the name's combinations: 3,000 found the same listed
/// travellers and name-only variants as 15,000 did.
const SCAN_BUDGET: usize = 3_000;
/// Common keys per query part that confirm pooled candidates, strongest first: more only
/// repeat what the part's best key said, each at the price of a walk through a long list.
const PROBE_PER_PART: usize = 2;
/// Query parts the accumulator tells apart: name parts (later ones share the last name slot)
/// and, in the last slot, the full birth date.
const MAX_PARTS: usize = 10;
const BIRTH_SLOT: usize = MAX_PARTS - 1;
/// Weight of a shared full birth date among the name evidence: it ranks the right person
/// first among many who share a common name.
const W_BIRTH: f32 = 0.4;
/// Name-index candidates whose key evidence is below this share of the best possible are not
/// scored: not even one part matched well enough to reach a threshold.
const MIN_EVIDENCE: f64 = 0.35;
/// What each part more or fewer than the traveller's name takes from an entry's rank.
const PART_GAP: f64 = 0.02;
/// Rank given up by an entry with no name written in the traveller's script.
const SCRIPT_GAP: f64 = 0.01;
/// Renderings a packed name holds, at most (one per scheme).
const MAX_RENDS: usize = Scheme::ALL.len() + 1;
/// Distinct candidate names whose score a query remembers.
const NAME_MEMO: usize = 256;
/// Queries a batch worker takes at a time from the shared counter.
const RUN: usize = 4;
/// Cosine similarity at and above which two face templates are taken to be one person.
pub const FACE_THRESHOLD: f32 = 0.8;
/// Scale of the 8-bit face rows: a unit vector's components are at most 1.
const FACE_Q: f32 = 127.0;
/// How far the 8-bit dot product of two unit vectors of `dim` components may be from the
/// exact one: each component is off by at most `h = 0.5 / FACE_Q`, so each of the two cross
/// terms by at most `sqrt(dim) * h` and the product of the errors by `dim * h * h` (0.091 in
/// all at 128 dimensions), plus a little for float rounding.
fn face_q_slack(dim: usize) -> f32 {
    let h = 0.5 / FACE_Q;
    let d = dim as f32;
    2.0 * d.sqrt() * h + d * h * h + 0.01
}

/// Dot product of two 8-bit rows (each product of two `i8` fits an `i16`; the compiler
/// vectorises this shape).
fn dot_i8(a: &[i8], b: &[i8]) -> i32 {
    // Templates of 128 components (the common size) are dotted in halves of 64: a fixed
    // length lets the compiler unroll the whole half into vector instructions.
    if let (Ok(x), Ok(y)) = (<&[i8; 64]>::try_from(a), <&[i8; 64]>::try_from(b)) {
        return dot_64(x, y);
    }
    a.iter()
        .zip(b)
        .map(|(x, y)| i32::from(i16::from(*x) * i16::from(*y)))
        .sum()
}

fn dot_64(a: &[i8; 64], b: &[i8; 64]) -> i32 {
    let mut acc = [0i32; 8];
    for (x, y) in a.chunks_exact(8).zip(b.chunks_exact(8)) {
        for ((s, p), q) in acc.iter_mut().zip(x).zip(y) {
            *s += i32::from(i16::from(*p) * i16::from(*q));
        }
    }
    acc.iter().sum()
}

/// Euclidean length of an 8-bit row (part).
fn tail_norm(r: &[i8]) -> f32 {
    let sq: i64 = r.iter().map(|x| i64::from(*x) * i64::from(*x)).sum();
    (sq as f64).sqrt() as f32
}

/// Rows of unit vectors in 8 bits.
fn quantize(v: &[f32]) -> Vec<i8> {
    v.iter()
        .map(|x| (x * FACE_Q).round().clamp(-127.0, 127.0) as i8)
        .collect()
}

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

/// Heap bytes an index holds (see [`Index::memory`]).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct IndexMemory {
    /// Entry records: identifiers, packed names with their renderings, dates, documents.
    pub records: usize,
    /// The sorted key table and its offsets.
    pub keys: usize,
    /// Posting lists (entry numbers per key).
    pub postings: usize,
    pub faces: usize,
    /// Candidate accumulators kept for reuse: one per thread that has screened concurrently.
    pub accumulators: usize,
    pub total: usize,
}

#[derive(Debug)]
struct Rec {
    /// `u16 length, identifier`, then every name with its analysed renderings, packed once at
    /// build time (see [`pack_name`]): scoring reads part keys and skeletons straight from
    /// here, without allocating. One allocation per entry instead of two: at a million
    /// entries each allocation costs 32 MiB.
    blob: Box<[u8]>,
    list: ListKind,
    sex: Option<Sex>,
    birth: Box<[PartialDate]>,
    /// Country codes are shared (interned): a few hundred distinct values.
    nationalities: Box<[Arc<str>]>,
    /// (issuing country, number with separators removed)
    documents: Box<[DocKey]>,
}

impl Rec {
    fn id_len(&self) -> usize {
        match self.blob.get(..2) {
            Some(&[lo, hi]) => usize::from(u16::from_le_bytes([lo, hi])),
            _ => 0,
        }
    }
    fn id(&self) -> &str {
        self.blob
            .get(2..2 + self.id_len())
            .and_then(|b| std::str::from_utf8(b).ok())
            .unwrap_or("")
    }
    /// The packed names (see [`pack_name`]).
    fn names(&self) -> &[u8] {
        self.blob.get(2 + self.id_len()..).unwrap_or(&[])
    }
}

/// What ranking needs of an entry besides its name evidence, packed densely beside the
/// records: ranking looks at a few hundred entries per query, and reading them from the
/// records costs a cache miss per field (the record, its dates, its countries, its names).
/// An entry with more than one birth date, nationality or document is graded from its
/// record instead (the flags say so).
#[derive(Debug, Clone, Copy, Default)]
struct Facts {
    /// The only birth date (see [`pack_date`]); 0: none.
    birth: u32,
    /// A hash of the entry's names' renderings, not of the names as written: entries equal
    /// by it are compared once (Latin "shen yan", 沈艳 and 沈燕 are all read `shen yan`), so
    /// candidate selection counts them as one name.
    rends: u32,
    /// The only nationality's number in [`Index::nat_codes`] plus one; 0: none.
    nat: u16,
    /// Bit `k`: a name whose first rendering has `k` parts (more than 15 count as 15).
    parts: u16,
    /// A 16-bit hash of the only document number with OCR look-alikes folded; 0: none.
    doc: u16,
    /// 0: none, else 1 + the [`Sex`] variant.
    sex: u8,
    flags: u8,
}

const MANY_BIRTHS: u8 = 1;
const MANY_NATS: u8 = 2;
const MANY_DOCS: u8 = 4;
/// A name written in Latin letters.
const WRITTEN_LATIN: u8 = 8;
/// A name written in another script (Han, Cyrillic, ...).
const WRITTEN_OTHER: u8 = 16;
/// A part count the mask cannot hold exactly.
const MAX_MASK_PARTS: usize = 15;

fn pack_date(d: &PartialDate) -> u32 {
    (u32::from(d.year) << 9)
        | (u32::from(d.month.unwrap_or(0) & 15) << 5)
        | u32::from(d.day.unwrap_or(0) & 31)
}

fn unpack_date(p: u32) -> PartialDate {
    let part = |v: u32| u8::try_from(v).ok().filter(|v| *v != 0);
    PartialDate {
        year: u16::try_from(p >> 9).unwrap_or(0),
        month: part((p >> 5) & 15),
        day: part(p & 31),
    }
}

fn sex_code(s: Option<Sex>) -> u8 {
    match s {
        None => 0,
        Some(Sex::Male) => 1,
        Some(Sex::Female) => 2,
        Some(Sex::Unspecified) => 3,
    }
}

fn sex_of(code: u8) -> Option<Sex> {
    match code {
        1 => Some(Sex::Male),
        2 => Some(Sex::Female),
        3 => Some(Sex::Unspecified),
        _ => None,
    }
}

/// The [`Facts::doc`] hash of a normalised document number.
fn doc_hash(normalized: &str) -> u16 {
    let mut h = FNV_OFFSET;
    for c in normalized.chars().map(ocr_fold) {
        h ^= u64::from(u32::from(c));
        h = h.wrapping_mul(FNV_PRIME);
    }
    u16::try_from(mix(h) & 0xffff).unwrap_or(1).max(1)
}

/// What ranking needs of an entry's packed names: the part counts of each name's first
/// rendering (one bit each), a hash of every rendering (see [`Facts::rends`]), and the
/// scripts the names are written in ([`WRITTEN_LATIN`], [`WRITTEN_OTHER`]).
fn name_shape(names: &[u8]) -> (u16, u32, u8) {
    let (mut mask, mut h, mut written) = (0u16, 0u64, 0u8);
    let mut rd = Rd { b: names, pos: 0 };
    let mut buf = NameBuf::new();
    while rd.pos < names.len() {
        let start = rd.pos;
        let Some(name) = buf.read(&mut rd) else { break };
        let parts = buf.spans.first().map_or(0, |(_, a, b)| b - a);
        mask |= 1u16 << parts.min(MAX_MASK_PARTS);
        let rends = names.get(start + 2 + name.len()..rd.pos).unwrap_or(&[]);
        h = mix(h ^ blob_hash(rends));
        written |= match crate::normalize::detect_script(name) {
            crate::Script::Latin => WRITTEN_LATIN,
            _ => WRITTEN_OTHER,
        };
    }
    (mask, (h ^ (h >> 32)) as u32, written)
}

/// How many parts more or fewer than `n` the nearest name of the mask has (0 without names).
fn mask_gap(mask: u16, n: usize) -> usize {
    let n = n.min(MAX_MASK_PARTS);
    (0..=MAX_MASK_PARTS)
        .filter(|k| mask & (1u16 << k) != 0)
        .map(|k| k.abs_diff(n))
        .min()
        .unwrap_or(0)
}

/// Upper-cased country codes shared between records.
type Codes = std::collections::HashMap<String, Arc<str>>;

fn intern(codes: &mut Codes, s: &str) -> Arc<str> {
    let u = upper(s);
    if let Some(a) = codes.get(&u) {
        return Arc::clone(a);
    }
    let a: Arc<str> = Arc::from(u.as_str());
    codes.insert(u, Arc::clone(&a));
    a
}

/// (issuing country, normalised number)
type DocKey = (Option<Arc<str>>, Box<str>);

/// One entry's slot in the accumulator: 8 bytes, so that the two workers of a batch keep
/// their accumulators (8 MiB each at a million entries) in the shared cache together.
#[derive(Debug, Clone, Copy, Default)]
struct Slot {
    /// The query that last touched the entry; another value: untouched by this query.
    stamp: u16,
    /// Query parts with evidence, one bit each.
    mask: u16,
    /// Evidence so far.
    score: f32,
}

/// Per-query candidate accumulator over every entry: a dense array stamped with a query epoch,
/// so that nothing is cleared between queries and no hash map is touched per posting.
#[derive(Debug)]
struct Acc {
    slots: Vec<Slot>,
    touched: Vec<u32>,
    epoch: u16,
}

impl Acc {
    fn new(n: usize) -> Acc {
        Acc {
            slots: vec![Slot::default(); n],
            touched: Vec::new(),
            epoch: 0,
        }
    }

    fn len(&self) -> usize {
        self.slots.len()
    }

    /// Starts a query: a new epoch (every 65,535 queries the stamps are cleared once).
    fn begin(&mut self) {
        self.touched.clear();
        match self.epoch.checked_add(1) {
            Some(next) => self.epoch = next,
            None => {
                self.slots.iter_mut().for_each(|s| s.stamp = 0);
                self.epoch = 1;
            }
        }
    }

    /// Adds key value `v` for query part `part` to every entry of `list`. Per part only the
    /// first list that holds an entry counts: the caller adds a part's lists best value first,
    /// so that is the best key.
    ///
    /// Branch-free on purpose: the slots are spread over the whole array, so each posting is
    /// a cache miss; without data-dependent branches the processor keeps many of those misses
    /// in flight at once instead of waiting for each (measured: the accumulator loop was most
    /// of a query's time at a million entries).
    fn add_list(&mut self, list: &[u32], part: usize, v: f32) {
        let epoch = self.epoch;
        let bit = 1u16 << part;
        let mut len = self.touched.len();
        self.touched.resize(len + list.len(), 0);
        for &e in list {
            let Some(s) = self.slots.get_mut(e as usize) else {
                continue;
            };
            let fresh = s.stamp != epoch;
            let mask = if fresh { 0 } else { s.mask };
            let score = if fresh { 0.0 } else { s.score };
            let add = if mask & bit == 0 { v } else { 0.0 };
            *s = Slot {
                stamp: epoch,
                mask: mask | bit,
                score: score + add,
            };
            if let Some(t) = self.touched.get_mut(len) {
                *t = e;
            }
            len += usize::from(fresh);
        }
        self.touched.truncate(len);
    }
}

/// Whether sorted `list` holds `e`, searching onwards from `*from` (the previous answer's
/// place: the pool is visited in ascending order), galloping so that nearby entries cost a
/// few steps in memory already read.
fn gallop_contains(list: &[u32], from: &mut usize, e: u32) -> bool {
    let rest = list.get(*from..).unwrap_or(&[]);
    let mut hi = 1usize;
    while hi < rest.len() && rest.get(hi - 1).is_some_and(|&x| x < e) {
        hi *= 2;
    }
    let lo = hi / 2;
    let hi = hi.min(rest.len());
    match rest.get(lo..hi).map(|w| w.binary_search(&e)) {
        Some(Ok(i)) => {
            *from += lo + i + 1;
            true
        }
        Some(Err(i)) => {
            *from += lo + i;
            false
        }
        None => false,
    }
}

/// The screening index. Immutable once built: share it as `Arc<Index>` and swap a new one in.
#[derive(Debug)]
pub struct Index {
    recs: Vec<Rec>,
    /// Sorted keys (names, birth date + nationality, documents) with CSR offsets into `postings`.
    keys: Vec<u64>,
    offsets: Vec<u32>,
    /// Where each run of keys sharing their top bits starts in `keys` (see [`KeyDir`]).
    dir: KeyDir,
    postings: Vec<u32>,
    faces: Vec<f32>,
    /// The same rows in 8 bits (each component times [`FACE_Q`], rounded): a query reads these
    /// first, a quarter of the bytes, and the exact rows only for the few that may match.
    faces_q: Vec<i8>,
    /// Per face row, the length of the second half of its 8-bit row: with the first half's
    /// dot product it bounds the whole one (Cauchy-Schwarz), and most rows are left after half
    /// the work.
    face_tails: Vec<f32>,
    face_rows: Vec<u32>,
    face_dim: usize,
    face_skipped: usize,
    dict: Option<Arc<NameDictionary>>,
    /// Ranking facts per entry, beside `recs`.
    facts: Vec<Facts>,
    /// Nationality codes numbered for [`Facts::nat`].
    nat_codes: std::collections::HashMap<Arc<str>, u16>,
    /// Each concurrent caller's buffers, reused across queries so that a query does not
    /// allocate and clear them.
    workers: Mutex<Vec<Worker>>,
}

/// One caller's reusable buffers: the candidate accumulator (sized to the index) and the
/// comparison scratch (its part-similarity memo depends on the index's dictionary).
#[derive(Debug, Default)]
struct Worker {
    acc: Option<Acc>,
    scratch: Scratch,
}

const TAG_PART: u8 = b'S';
const TAG_DEL: u8 = b'D';
const TAG_GROUP: u8 = b'G';
const TAG_SOUND: u8 = b'E';
const TAG_BIRTH_NAT: u8 = b'B';
const TAG_DOC: u8 = b'N';
const TAG_BIRTH: u8 = b'Y';

fn birth_key(d: &PartialDate) -> Option<u64> {
    let (m, day) = (d.month?, d.day?);
    let y = d.year.to_le_bytes();
    Some(hkey(TAG_BIRTH, &[y[0], y[1], m, day]))
}

const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
const FNV_PRIME: u64 = 0x0100_0000_01b3;

fn mix(mut h: u64) -> u64 {
    h ^= h >> 33;
    h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
    h ^ (h >> 33)
}

/// A hash of a packed name (or all of an entry's), eight bytes at a time: a query hashes
/// every candidate's, so a byte-at-a-time hash showed in profiles.
fn blob_hash(b: &[u8]) -> u64 {
    let mut h = FNV_OFFSET ^ b.len() as u64;
    let mut words = b.chunks_exact(8);
    for w in &mut words {
        let mut x = [0u8; 8];
        x.copy_from_slice(w);
        h = (h ^ u64::from_le_bytes(x)).wrapping_mul(0x9e37_79b9_7f4a_7c15);
        h ^= h >> 29;
    }
    let mut x = [0u8; 8];
    for (d, s) in x.iter_mut().zip(words.remainder()) {
        *d = *s;
    }
    mix(h ^ u64::from_le_bytes(x))
}

/// FNV-1a with a final mix: keys only need to spread well; collisions add candidates that
/// full scoring then rejects.
fn hkey(tag: u8, s: &[u8]) -> u64 {
    let mut h: u64 = FNV_OFFSET ^ u64::from(tag);
    for &b in s {
        h ^= u64::from(b);
        h = h.wrapping_mul(FNV_PRIME);
    }
    mix(h)
}

/// [`hkey`] of `s` with byte `skip` deleted, without building the string.
fn hkey_skip(tag: u8, s: &[u8], skip: usize) -> u64 {
    let mut h: u64 = FNV_OFFSET ^ u64::from(tag);
    for (i, &b) in s.iter().enumerate() {
        if i != skip {
            h ^= u64::from(b);
            h = h.wrapping_mul(FNV_PRIME);
        }
    }
    mix(h)
}

/// Weights of the key kinds: an exact part skeleton is the best evidence, a dictionary group
/// nearly as good, a one-deletion neighbour (typo, dropped letter) less.
const W_PART: f32 = 1.0;
const W_GROUP: f32 = 0.9;
const W_DEL: f32 = 0.6;
/// Equal sound keys (a transcription by ear, see [`crate::normalize::sound_into`]).
const W_SOUND: f32 = 0.7;

/// Name-index keys of one rendering's parts with their weight and the query part they belong
/// to (joined neighbours count for the first of the two).
fn name_keys(toks: &[Tok], dict: Option<&NameDictionary>, out: &mut Vec<(u64, f32, u8)>) {
    for (i, t) in toks.iter().enumerate() {
        let part = u8::try_from(i.min(BIRTH_SLOT - 1)).unwrap_or(0);
        if !t.key.is_ascii() && learned::applies(&t.key) {
            // A part as written in Han or Cyrillic (the learned rendering). Cyrillic is keyed
            // by the scheme renderings already; Han by its most likely Latin spelling.
            if let Some(sp) = learned::best_spelling(&t.key).filter(|_| is_han(&t.key)) {
                spelling_keys(&skeleton(&sp), part, out);
            }
            continue;
        }
        let sk = t.skel.as_bytes();
        if t.skel.chars().count() >= 2 {
            out.push((hkey(TAG_PART, sk), W_PART, part));
            out.push((hkey(TAG_DEL, sk), W_DEL, part));
            if t.skel.is_ascii() && sk.len() >= 4 {
                for j in 0..sk.len() {
                    out.push((hkey_skip(TAG_DEL, sk, j), W_DEL, part));
                }
            }
            if t.skel.is_ascii() {
                cons_keys(&t.skel, part, out);
                let mut snd = [0u8; MAX_SOUND_BYTES];
                let n = sound_into(&t.skel, &mut snd);
                if n >= 4 {
                    out.push((hkey(TAG_SOUND, snd.get(..n).unwrap_or(&[])), W_SOUND, part));
                }
            }
        }
        if let Some(d) = dict {
            for g in d.groups_of(&t.key) {
                out.push((hkey(TAG_GROUP, &g.to_le_bytes()), W_GROUP, part));
            }
        }
    }
    joined_keys(toks, false, out);
}

/// Marks the part number of a joined key (see [`joined_keys`]): it is evidence for its
/// part, but not what that part alone is worth.
const JOINED: u8 = 0x80;

/// Keys of adjacent parts joined ("abdul rahman" = "abdulrahman"); `both_orders` adds each pair
/// joined the other way round too (for a query: the list may hold the parts reversed).
fn joined_keys(toks: &[Tok], both_orders: bool, out: &mut Vec<(u64, f32, u8)>) {
    let mut joined = String::new();
    for (i, w) in toks.windows(2).enumerate() {
        if let [x, y] = w {
            let part = u8::try_from(i.min(BIRTH_SLOT - 1)).unwrap_or(0);
            for (a, b) in [(x, y), (y, x)]
                .into_iter()
                .take(1 + usize::from(both_orders))
            {
                joined.clear();
                joined.push_str(&a.key);
                joined.push_str(&b.key);
                out.push((
                    hkey(TAG_PART, skeleton(&joined).as_bytes()),
                    W_PART,
                    part | JOINED,
                ));
            }
        }
    }
}

const TAG_PAIR: u8 = b'P';
/// Parts of one rendering that make pair keys (the first ones): four parts make six pairs.
const PAIR_PARTS: usize = 4;
/// Share of a part's best single-key evidence that a pair key credits to a part found only
/// through one of its typing variants (a letter added or two letters swapped).
const PAIR_VARIANT: f32 = 0.9;
/// Postings of pair keys scanned per query (the rarest pair list always is): a pair of two
/// common parts ("Mohammed Ali") still has thousands of namesakes, whose lists only confirm.
const PAIR_BUDGET: usize = 4_000;
/// Longest part (in letters) whose typing variants a query looks up.
const MAX_VARIANT_LEN: usize = 24;
/// Pair lists past the budget that confirm pooled candidates, rarest first (and the rarest
/// list in full when the budget cut it).
const PAIR_PROBES: usize = 2;

/// The key of two part skeletons in either order: a name's parts may come reversed.
fn pair_key(a: &str, b: &str) -> u64 {
    let (x, y) = if a <= b { (a, b) } else { (b, a) };
    let mut h: u64 = FNV_OFFSET ^ u64::from(TAG_PAIR);
    for &c in x.as_bytes().iter().chain([0u8].iter()).chain(y.as_bytes()) {
        h ^= u64::from(c);
        h = h.wrapping_mul(FNV_PRIME);
    }
    mix(h)
}

/// The parts of a rendering that pair keys are made of: ASCII skeletons of two letters or
/// more, the first [`PAIR_PARTS`], with their part slot.
fn pair_parts(toks: &[Tok]) -> impl Iterator<Item = (u8, &Tok)> {
    toks.iter()
        .enumerate()
        .filter(|(_, t)| t.skel.is_ascii() && t.skel.len() >= 2)
        .take(PAIR_PARTS)
        .map(|(i, t)| (u8::try_from(i.min(BIRTH_SLOT - 1)).unwrap_or(0), t))
}

/// Pair keys of one rendering of a listed name: one per two parts (in any order, adjacent or
/// not). A single common part ("Mohammed", "Ivanov") is in a hundred thousand entries; two of
/// them together are in far fewer, so a traveller whose other part has a typing slip is still
/// found among a short list instead of a flood.
fn entry_pair_keys(toks: &[Tok], out: &mut Vec<u64>) {
    let parts: Vec<&str> = pair_parts(toks).map(|(_, t)| t.skel.as_str()).collect();
    for (i, a) in parts.iter().enumerate() {
        for b in parts.iter().skip(i + 1) {
            out.push(pair_key(a, b));
        }
    }
}

/// Skeletons of a part's typing variants: each letter left out (the traveller's spelling has
/// one letter added) and each two neighbours swapped; the part's own skeleton is left out.
fn typo_variants(t: &Tok) -> Vec<String> {
    let k = t.key.as_bytes();
    let mut out: Vec<String> = Vec::new();
    // Longer parts are not names but run-together text: no variants (they would cost a
    // look-up each).
    if !t.key.is_ascii() || k.len() < 3 || k.len() > MAX_VARIANT_LEN {
        return out;
    }
    let mut buf: Vec<u8> = Vec::with_capacity(k.len());
    let push = |v: &[u8], out: &mut Vec<String>| {
        if let Ok(v) = std::str::from_utf8(v) {
            let sk = skeleton(v);
            if sk.len() >= 2 && sk != t.skel && !out.contains(&sk) {
                out.push(sk);
            }
        }
    };
    for j in 0..k.len() {
        buf.clear();
        buf.extend(
            k.iter()
                .enumerate()
                .filter(|(i, _)| *i != j)
                .map(|(_, c)| *c),
        );
        push(&buf, &mut out);
    }
    for j in 0..k.len() - 1 {
        if k.get(j) == k.get(j + 1) {
            continue;
        }
        buf.clear();
        buf.extend_from_slice(k);
        buf.swap(j, j + 1);
        push(&buf, &mut out);
    }
    out
}

/// A query's pair key: (key, part a, part b, which part is a typing variant: 0 none, 1 a,
/// 2 b, the single-part key of that variant's skeleton).
type PairKey = (u64, u8, u8, u8, u64);

/// Pair keys of a query rendering: every two parts as they are, and each with one part
/// replaced by a typing variant.
fn query_pair_keys(toks: &[Tok], variants: bool, out: &mut Vec<PairKey>) {
    let parts: Vec<(u8, &Tok, Vec<String>)> = pair_parts(toks)
        .map(|(p, t)| {
            (
                p,
                t,
                if variants {
                    typo_variants(t)
                } else {
                    Vec::new()
                },
            )
        })
        .collect();
    for (i, (pa, ta, va)) in parts.iter().enumerate() {
        for (pb, tb, vb) in parts.iter().skip(i + 1) {
            out.push((pair_key(&ta.skel, &tb.skel), *pa, *pb, 0, 0));
            for v in va {
                let k = hkey(TAG_PART, v.as_bytes());
                out.push((pair_key(v, &tb.skel), *pa, *pb, 1, k));
            }
            for v in vb {
                let k = hkey(TAG_PART, v.as_bytes());
                out.push((pair_key(&ta.skel, v), *pa, *pb, 2, k));
            }
        }
    }
}

fn is_han(word: &str) -> bool {
    word.chars()
        .any(|c| crate::normalize::char_script(c) == Some(crate::Script::Han))
}

const TAG_CONS: u8 = b'K';
/// Weight of an equal consonant frame (see [`cons_keys`]): coarse, it only finds candidates.
const W_CONS: f32 = 0.5;

/// The consonant frame of a skeleton: vowels, `h` and `g` after `n` dropped, l/r, voiced and
/// voiceless pairs and v/f/w merged, doubles collapsed. Han transcriptions keep the consonants
/// of a foreign name and little else ("Erdenebat" and 额尔登巴特 = "eldenbat" are both
/// `ltnpt`), so this key lets a Latin name and a Han one find each other. Frames shorter than
/// three consonants are too common to key.
fn cons_keys(skel: &str, part: u8, out: &mut Vec<(u64, f32, u8)>) {
    let mut buf = [0u8; 32];
    let mut n = 0;
    let mut prev = 0u8;
    for &c in skel.as_bytes() {
        let m = match c {
            b'a' | b'e' | b'i' | b'o' | b'u' | b'y' | b'h' => {
                prev = c;
                continue;
            }
            b'g' if prev == b'n' => continue,
            b'r' => b'l',
            b'd' => b't',
            b'b' => b'p',
            b'g' | b'q' | b'c' => b'k',
            b'v' | b'w' => b'f',
            b'z' | b'j' => b's',
            other => other,
        };
        prev = c;
        if n > 0 && buf.get(n - 1) == Some(&m) {
            continue;
        }
        if let Some(slot) = buf.get_mut(n) {
            *slot = m;
            n += 1;
        }
    }
    if n >= 3 {
        out.push((hkey(TAG_CONS, buf.get(..n).unwrap_or(&[])), W_CONS, part));
    }
}

/// Keys of a learned Latin spelling (a skeleton): exact, sound key and one-deletion neighbours,
/// so that a Latin name finds the Han entry (and back) when the spelling is near.
fn spelling_keys(skel: &str, part: u8, out: &mut Vec<(u64, f32, u8)>) {
    let sk = skel.as_bytes();
    if sk.len() < 2 {
        return;
    }
    out.push((hkey(TAG_PART, sk), W_SOUND, part));
    out.push((hkey(TAG_DEL, sk), W_DEL, part));
    if sk.len() >= 4 {
        for j in 0..sk.len() {
            out.push((hkey_skip(TAG_DEL, sk, j), W_DEL * 0.8, part));
        }
    }
    cons_keys(skel, part, out);
    let mut snd = [0u8; MAX_SOUND_BYTES];
    let n = sound_into(skel, &mut snd);
    if n >= 3 {
        out.push((hkey(TAG_SOUND, snd.get(..n).unwrap_or(&[])), W_SOUND, part));
    }
}

/// A directory over sorted hashed keys: for each value of a key's top `bits` bits, the
/// position of the first key with that prefix or more. A look-up reads one directory slot and
/// then a handful of neighbouring keys (a cache line or two), where a search through the
/// whole table costs a miss per step.
#[derive(Debug, Default)]
struct KeyDir {
    bits: u32,
    starts: Vec<u32>,
}

impl KeyDir {
    /// About eight keys per slot.
    fn new(keys: &[u64]) -> KeyDir {
        let bits = (keys.len() / 8).max(1).ilog2().clamp(1, 24);
        let slots = 1usize << bits;
        let mut starts = Vec::with_capacity(slots + 1);
        let mut i = 0usize;
        for b in 0..=slots as u64 {
            while keys.get(i).is_some_and(|k| (k >> (64 - bits)) < b) {
                i += 1;
            }
            starts.push(u32::try_from(i).unwrap_or(u32::MAX));
        }
        KeyDir { bits, starts }
    }

    /// Position of `key` in `keys` (the keys this directory was built over), as
    /// `binary_search` answers.
    fn find(&self, keys: &[u64], key: u64) -> Result<usize, usize> {
        let b = (key >> (64 - self.bits.clamp(1, 63))) as usize;
        match (self.starts.get(b), self.starts.get(b + 1)) {
            (Some(&lo), Some(&hi)) => {
                let (lo, hi) = (lo as usize, hi as usize);
                match keys.get(lo..hi).map(|w| w.binary_search(&key)) {
                    Some(Ok(i)) => Ok(lo + i),
                    Some(Err(i)) => Err(lo + i),
                    None => find_key(keys, key),
                }
            }
            _ => find_key(keys, key),
        }
    }
}

/// Position of `key` in sorted, uniformly spread keys (they are hashes): interpolation
/// guesses the place, a short binary search around it finishes. Falls back to a full binary
/// search when the guess window misses.
fn find_key(keys: &[u64], key: u64) -> Result<usize, usize> {
    let n = keys.len();
    if n < 64 {
        return keys.binary_search(&key);
    }
    let guess = ((u128::from(key) * n as u128) >> 64) as usize;
    // Hash positions deviate from the guess by about sqrt(n); 4 sigma covers nearly all.
    let w = (((n as f64).sqrt() * 4.0) as usize).max(64);
    let lo = guess.saturating_sub(w);
    let hi = guess.saturating_add(w).min(n);
    let (Some(&first), Some(&last)) = (keys.get(lo), keys.get(hi - 1)) else {
        return keys.binary_search(&key);
    };
    if first <= key && key <= last {
        return match keys.get(lo..hi).map(|k| k.binary_search(&key)) {
            Some(Ok(i)) => Ok(lo + i),
            Some(Err(i)) => Err(lo + i),
            None => keys.binary_search(&key),
        };
    }
    keys.binary_search(&key)
}

fn birth_nat_key(d: &PartialDate, nat: &str) -> Option<u64> {
    let (m, day) = (d.month?, d.day?);
    let mut b = Vec::with_capacity(8 + nat.len());
    b.extend_from_slice(&d.year.to_le_bytes());
    b.push(m);
    b.push(day);
    b.extend_from_slice(nat.as_bytes());
    Some(hkey(TAG_BIRTH_NAT, &b))
}

fn doc_key(normalized: &str) -> u64 {
    hkey(TAG_DOC, ocr_fold_document_number(normalized).as_bytes())
}

/// A document number as printed: upper case, `<`, spaces, dashes and other separators removed.
pub fn normalize_document_number(s: &str) -> String {
    s.chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_uppercase())
        .collect()
}

fn ocr_fold(c: char) -> char {
    match c {
        'O' | 'Q' | 'D' => '0',
        'I' | 'L' => '1',
        'Z' => '2',
        'S' => '5',
        'G' => '6',
        'B' => '8',
        other => other,
    }
}

/// A document number with OCR look-alikes folded together (O/Q/D→0, I/L→1, Z→2, S→5, G→6, B→8).
pub fn ocr_fold_document_number(normalized: &str) -> String {
    normalized.chars().map(ocr_fold).collect()
}

fn ocr_equal(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.chars().map(ocr_fold).eq(b.chars().map(ocr_fold))
}

fn upper(s: &str) -> String {
    s.trim().to_ascii_uppercase()
}

/// The longest prefix of `s` of at most `max` bytes that ends on a character boundary.
fn clip(s: &str, max: usize) -> &str {
    if s.len() <= max {
        return s;
    }
    let mut cut = max;
    while !s.is_char_boundary(cut) {
        cut -= 1;
    }
    s.get(..cut).unwrap_or("")
}

/// Skeleton length byte of a packed part whose skeleton is its key.
const SAME_AS_KEY: u8 = u8::MAX;

/// Appends one name to a record's packed names:
/// `u16 len, name, u8 renderings, { u8 scheme (255: none), u8 parts, { u8 len, key, u8 len, skeleton } }`
/// where a skeleton equal to its key is the single byte [`SAME_AS_KEY`].
fn pack_name(name: &str, renderings: &[(Option<Scheme>, Vec<Tok>)], out: &mut Vec<u8>) {
    let name = clip(name, usize::from(u16::MAX));
    out.extend_from_slice(&u16::try_from(name.len()).unwrap_or(0).to_le_bytes());
    out.extend_from_slice(name.as_bytes());
    let rends = renderings
        .get(..renderings.len().min(MAX_RENDS))
        .unwrap_or(&[]);
    out.push(u8::try_from(rends.len()).unwrap_or(0));
    for (scheme, toks) in rends {
        let code = scheme
            .and_then(|s| Scheme::ALL.iter().position(|x| *x == s))
            .and_then(|i| u8::try_from(i).ok())
            .unwrap_or(u8::MAX);
        out.push(code);
        let toks = toks.get(..toks.len().min(MAX_TOKENS)).unwrap_or(&[]);
        out.push(u8::try_from(toks.len()).unwrap_or(0));
        for t in toks {
            let key = clip(&t.key, usize::from(SAME_AS_KEY) - 1);
            out.push(u8::try_from(key.len()).unwrap_or(0));
            out.extend_from_slice(key.as_bytes());
            if t.skel == key {
                // Most skeletons equal their key (and every one outside ASCII): one byte.
                out.push(SAME_AS_KEY);
            } else {
                let skel = clip(&t.skel, usize::from(SAME_AS_KEY) - 1);
                out.push(u8::try_from(skel.len()).unwrap_or(0));
                out.extend_from_slice(skel.as_bytes());
            }
        }
    }
}

/// A cursor over packed names.
struct Rd<'a> {
    b: &'a [u8],
    pos: usize,
}

impl<'a> Rd<'a> {
    fn u8(&mut self) -> Option<u8> {
        let v = self.b.get(self.pos).copied()?;
        self.pos += 1;
        Some(v)
    }
    fn u16(&mut self) -> Option<u16> {
        let lo = self.u8()?;
        let hi = self.u8()?;
        Some(u16::from_le_bytes([lo, hi]))
    }
    fn str(&mut self, n: usize) -> Option<&'a str> {
        let s = self.b.get(self.pos..self.pos.checked_add(n)?)?;
        self.pos += n;
        std::str::from_utf8(s).ok()
    }
}

/// Tokens of every rendering of one packed name, decoded without allocation.
struct NameBuf<'a> {
    toks: [TokRef<'a>; MAX_RENDS * MAX_TOKENS],
    spans: [(Option<Scheme>, usize, usize); MAX_RENDS],
    rends: usize,
}

impl<'a> NameBuf<'a> {
    fn new() -> Self {
        NameBuf {
            toks: [TokRef::default(); MAX_RENDS * MAX_TOKENS],
            spans: [(None, 0, 0); MAX_RENDS],
            rends: 0,
        }
    }

    /// Reads the next name; returns it as written.
    fn read(&mut self, rd: &mut Rd<'a>) -> Option<&'a str> {
        let len = usize::from(rd.u16()?);
        let name = rd.str(len)?;
        let nr = usize::from(rd.u8()?).min(MAX_RENDS);
        let mut t = 0;
        self.rends = 0;
        for r in 0..nr {
            let code = rd.u8()?;
            let scheme = Scheme::ALL.get(usize::from(code)).copied();
            let nt = usize::from(rd.u8()?).min(MAX_TOKENS);
            let start = t;
            for _ in 0..nt {
                let kl = usize::from(rd.u8()?);
                let key = rd.str(kl)?;
                let skel = match rd.u8()? {
                    SAME_AS_KEY => key,
                    sl => rd.str(usize::from(sl))?,
                };
                if let Some(slot) = self.toks.get_mut(t) {
                    *slot = TokRef { key, skel };
                    t += 1;
                }
            }
            if let Some(span) = self.spans.get_mut(r) {
                *span = (scheme, start, t);
            }
            self.rends = r + 1;
        }
        Some(name)
    }

    fn refs(&self) -> [RendRef<'_>; MAX_RENDS] {
        let mut out = [RendRef::default(); MAX_RENDS];
        for (o, (scheme, a, b)) in out.iter_mut().zip(&self.spans).take(self.rends) {
            *o = RendRef {
                scheme: *scheme,
                toks: self.toks.get(*a..*b).unwrap_or(&[]),
            };
        }
        out
    }
}

fn packed_name_count(names: &[u8]) -> usize {
    let mut rd = Rd { b: names, pos: 0 };
    let mut buf = NameBuf::new();
    let mut n = 0;
    while rd.pos < names.len() && buf.read(&mut rd).is_some() {
        n += 1;
    }
    n
}

/// One entry analysed: its record and its index keys.
fn prepare(
    e: &WatchlistEntry,
    dict: Option<&NameDictionary>,
    keys: &mut Vec<u64>,
    codes: &mut Codes,
) -> Rec {
    let mut kw: Vec<(u64, f32, u8)> = Vec::new();
    let mut pairs: Vec<u64> = Vec::new();
    let id = clip(&e.id, usize::from(u16::MAX));
    let mut names = Vec::with_capacity(2 + id.len() + 64);
    names.extend_from_slice(&u16::try_from(id.len()).unwrap_or(0).to_le_bytes());
    names.extend_from_slice(id.as_bytes());
    for name in &e.names {
        let (renderings, _, _) = rendering_keys(name);
        let rends: Vec<(Option<Scheme>, Vec<Tok>)> = renderings
            .into_iter()
            .map(|(s, ks)| (s, ks.into_iter().map(Tok::new).collect()))
            .collect();
        for (_, toks) in &rends {
            name_keys(toks, dict, &mut kw);
            entry_pair_keys(toks, &mut pairs);
        }
        pack_name(name, &rends, &mut names);
    }
    keys.clear();
    keys.extend(kw.iter().map(|k| k.0));
    keys.append(&mut pairs);
    let nationalities: Vec<Arc<str>> = e.nationalities.iter().map(|n| intern(codes, n)).collect();
    keys.extend(e.birth_dates.iter().filter_map(birth_key));
    if matches!(e.list, ListKind::RefusedEntry | ListKind::Wanted) {
        for b in &e.birth_dates {
            for n in &nationalities {
                keys.extend(birth_nat_key(b, n));
            }
        }
    }
    let mut docs = Vec::with_capacity(e.documents.len());
    for doc in &e.documents {
        let number = normalize_document_number(&doc.number);
        if number.is_empty() {
            continue;
        }
        keys.push(doc_key(&number));
        docs.push((
            doc.country.as_deref().map(|c| intern(codes, c)),
            number.into_boxed_str(),
        ));
    }
    keys.sort_unstable();
    keys.dedup();
    Rec {
        blob: names.into_boxed_slice(),
        list: e.list,
        sex: e.sex,
        birth: e.birth_dates.clone().into_boxed_slice(),
        nationalities: nationalities.into_boxed_slice(),
        documents: docs.into_boxed_slice(),
    }
}

/// Records and (key, entry) pairs of a run of entries.
type Chunk = (Vec<Rec>, Vec<(u64, u32)>);

/// Records and (key, entry) pairs of a run of entries starting at index `first`.
fn prepare_chunk(entries: &[WatchlistEntry], first: u32, dict: Option<&NameDictionary>) -> Chunk {
    let mut recs = Vec::with_capacity(entries.len());
    let mut pairs = Vec::with_capacity(entries.len().saturating_mul(24));
    let mut keys = Vec::new();
    let mut codes = Codes::new();
    for (i, e) in entries.iter().enumerate() {
        let idx = first.saturating_add(u32::try_from(i).unwrap_or(u32::MAX));
        recs.push(prepare(e, dict, &mut keys, &mut codes));
        pairs.extend(keys.iter().map(|k| (*k, idx)));
    }
    (recs, pairs)
}

/// Query-side values computed once per query.
struct Ctx<'q> {
    q: &'q Query,
    nat: Option<String>,
    /// The query's nationality numbered as in [`Facts::nat`] (0: no entry has it).
    nat_id: u16,
    doc: Option<String>,
    /// [`doc_hash`] of `doc`.
    doc_hash: u16,
    country: Option<String>,
    /// The script the traveller's name is written in, as a [`Facts::flags`] bit (0: no name).
    written: u8,
}

impl Index {
    /// Builds the index, analysing entries on the available cores (scoped threads over the
    /// in-memory entries). About 10 µs of CPU per entry.
    pub fn build(entries: Vec<WatchlistEntry>, dict: Option<Arc<NameDictionary>>) -> Index {
        let d = dict.as_deref();
        let mut entries = entries;
        entries.truncate(u32::MAX as usize);
        let threads = std::thread::available_parallelism()
            .map_or(1, |n| n.get())
            .clamp(1, 8);
        let chunk = entries.len().div_ceil(threads).max(1);
        let parts: Vec<Chunk> = if threads == 1 || entries.len() < 4096 {
            vec![prepare_chunk(&entries, 0, d)]
        } else {
            std::thread::scope(|s| {
                let handles: Vec<_> = entries
                    .chunks(chunk)
                    .enumerate()
                    .map(|(i, c)| {
                        let first = u32::try_from(i.saturating_mul(chunk)).unwrap_or(u32::MAX);
                        s.spawn(move || prepare_chunk(c, first, d))
                    })
                    .collect();
                handles
                    .into_iter()
                    .map(|h| h.join().unwrap_or_default())
                    .collect()
            })
        };
        let total: usize = parts.iter().map(|p| p.1.len()).sum();
        let mut recs = Vec::with_capacity(entries.len());
        let mut pairs: Vec<(u64, u32)> = Vec::with_capacity(total);
        for (r, p) in parts {
            recs.extend(r);
            pairs.extend(p);
        }
        // A panicked worker would leave a gap: keep only what is consistent.
        if recs.len() != entries.len() {
            let n = u32::try_from(recs.len()).unwrap_or(u32::MAX);
            pairs.retain(|p| p.1 < n);
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
        let dir = KeyDir::new(&keys);
        let mut nat_codes: std::collections::HashMap<Arc<str>, u16> =
            std::collections::HashMap::new();
        let facts: Vec<Facts> = recs
            .iter()
            .map(|r| {
                let (parts, rends, written) = name_shape(r.names());
                let mut f = Facts {
                    sex: sex_code(r.sex),
                    parts,
                    rends,
                    flags: written,
                    ..Facts::default()
                };
                match &*r.birth {
                    [] => {}
                    // A date the packing cannot hold (a month past 15) is graded from the
                    // record, like several dates.
                    [d] if unpack_date(pack_date(d)) == *d => f.birth = pack_date(d),
                    _ => f.flags |= MANY_BIRTHS,
                }
                match &*r.nationalities {
                    [] => {}
                    [n] => {
                        let next = u16::try_from(nat_codes.len() + 1).ok();
                        match nat_codes.get(n).copied().or(next) {
                            Some(id) => {
                                nat_codes.entry(Arc::clone(n)).or_insert(id);
                                f.nat = id;
                            }
                            None => f.flags |= MANY_NATS,
                        }
                    }
                    _ => f.flags |= MANY_NATS,
                }
                match &*r.documents {
                    [] => {}
                    [(_, n)] => f.doc = doc_hash(n),
                    _ => f.flags |= MANY_DOCS,
                }
                f
            })
            .collect();
        // Faces in entry order: the first template indexed fixes the dimension.
        let (mut faces, mut face_rows, mut face_dim, mut face_skipped) =
            (Vec::new(), Vec::new(), 0usize, 0usize);
        for (idx, e) in entries.iter().enumerate().take(recs.len()) {
            if !matches!(e.list, ListKind::RefusedEntry | ListKind::Wanted) {
                continue;
            }
            let Some(t) = &e.face_template else { continue };
            if face_dim == 0 && !t.is_empty() {
                face_dim = t.len();
            }
            let norm = t.iter().map(|x| x * x).sum::<f32>().sqrt();
            if t.len() == face_dim && norm.is_finite() && norm > 0.0 {
                faces.extend(t.iter().map(|x| x / norm));
                face_rows.push(u32::try_from(idx).unwrap_or(u32::MAX));
            } else {
                face_skipped += 1;
            }
        }
        faces.shrink_to_fit();
        let faces_q = quantize(&faces);
        let face_tails: Vec<f32> = if face_dim == 0 {
            Vec::new()
        } else {
            faces_q
                .chunks_exact(face_dim)
                .map(|r| tail_norm(r.get(face_dim / 2..).unwrap_or(&[])))
                .collect()
        };
        Index {
            recs,
            keys,
            offsets,
            dir,
            postings,
            faces,
            faces_q,
            face_tails,
            face_rows,
            face_dim,
            face_skipped,
            dict,
            facts,
            nat_codes,
            workers: Mutex::new(Vec::new()),
        }
    }

    fn postings_of(&self, key: u64) -> &[u32] {
        match self.dir.find(&self.keys, key) {
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
            names: self.recs.iter().map(|r| packed_name_count(r.names())).sum(),
            keys: self.keys.len(),
            postings: self.postings.len(),
            documents: self.recs.iter().map(|r| r.documents.len()).sum(),
            face_templates: self.face_rows.len(),
            face_templates_skipped: self.face_skipped,
            dictionary_groups: self.dict.as_ref().map_or(0, |d| d.len().0),
        }
    }

    /// Heap memory the index holds, part by part, in bytes as the allocator hands them out
    /// (each allocation rounded as glibc malloc does: 8 bytes of header, 16-byte steps,
    /// 32 bytes at least). The entries given to [`Index::build`] are not counted: the build
    /// consumes them.
    pub fn memory(&self) -> IndexMemory {
        fn chunk(bytes: usize) -> usize {
            if bytes == 0 {
                0
            } else {
                (bytes + 8).next_multiple_of(16).max(32)
            }
        }
        fn vec<T>(v: &[T], cap: usize) -> usize {
            chunk(cap.max(v.len()) * std::mem::size_of::<T>())
        }
        let records = vec(&self.recs, self.recs.capacity())
            + vec(&self.facts, self.facts.capacity())
            + self
                .recs
                .iter()
                .map(|r| {
                    // Interned country codes are shared: a few hundred bytes in all.
                    chunk(r.blob.len())
                        + chunk(std::mem::size_of_val(&*r.birth))
                        + chunk(std::mem::size_of_val(&*r.nationalities))
                        + chunk(std::mem::size_of_val(&*r.documents))
                        + r.documents
                            .iter()
                            .map(|(_, n)| chunk(n.len()))
                            .sum::<usize>()
                })
                .sum::<usize>();
        let accumulators = self
            .workers
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .iter()
            .filter_map(|w| w.acc.as_ref())
            .map(|a| vec(&a.slots, a.slots.capacity()) + vec(&a.touched, a.touched.capacity()))
            .sum();
        let m = IndexMemory {
            records,
            keys: vec(&self.keys, self.keys.capacity())
                + vec(&self.offsets, self.offsets.capacity())
                + vec(&self.dir.starts, self.dir.starts.capacity()),
            postings: vec(&self.postings, self.postings.capacity()),
            faces: vec(&self.faces, self.faces.capacity())
                + vec(&self.faces_q, self.faces_q.capacity())
                + vec(&self.face_tails, self.face_tails.capacity())
                + vec(&self.face_rows, self.face_rows.capacity()),
            accumulators,
            total: 0,
        };
        IndexMemory {
            total: m.records + m.keys + m.postings + m.faces + m.accumulators,
            ..m
        }
    }

    fn take_worker(&self) -> Worker {
        self.workers
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .pop()
            .unwrap_or_default()
    }

    fn give_worker(&self, w: Worker) {
        self.workers
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(w);
    }

    /// Name candidates: entries sharing part keys with the query, weighted by how rare each
    /// key is (IDF), then ranked together with the cheap non-name fields; only those that can
    /// still reach `threshold` are kept, at most [`MAX_FULL`].
    fn name_candidates(
        &self,
        form: &crate::compare::Form,
        ctx: &Ctx<'_>,
        threshold: f64,
        acc: &mut Option<Acc>,
    ) -> Vec<u32> {
        let d = self.dict.as_deref();
        let mut keys: Vec<(u64, f32, u8)> = Vec::new();
        for r in &form.renderings {
            name_keys(&r.toks, d, &mut keys);
            joined_keys(&r.toks, true, &mut keys);
        }
        // The same key from several renderings counts once per part, at its best weight.
        keys.sort_unstable_by(|a, b| a.0.cmp(&b.0).then(a.2.cmp(&b.2)).then(b.1.total_cmp(&a.1)));
        keys.dedup_by_key(|k| (k.0, k.2 & !JOINED));
        let birth = ctx.q.birth_date.as_ref().and_then(birth_key);
        let n = self.recs.len().max(1) as f32;
        let per_part: Vec<(u64, &[u32], f32, usize, bool)> = keys
            .iter()
            .filter_map(|(k, w, p)| {
                let l = self.postings_of(*k);
                let idf = (1.0 + n / l.len().max(1) as f32).ln();
                let part = usize::from(*p & !JOINED).min(MAX_PARTS - 1);
                (!l.is_empty()).then_some((*k, l, w * idf, part, *p & JOINED != 0))
            })
            .collect();
        if per_part.is_empty() {
            return Vec::new();
        }
        // What each part is worth in a pair key, a part written twice ("Saeed Saeed Khan")
        // too: the pair of the two credits the second, so that an entry that has the part
        // twice ranks above the namesakes that have it once. `part_alone` leaves out the keys
        // of a part joined with its neighbour (see `credit` below).
        let mut part_worth = [0f32; MAX_PARTS];
        let mut part_alone = [0f32; MAX_PARTS];
        for (_, _, v, p, joined) in &per_part {
            if let Some(m) = part_worth.get_mut(*p) {
                *m = m.max(*v);
            }
            if let Some(m) = part_alone.get_mut(*p).filter(|_| !joined) {
                *m = m.max(*v);
            }
        }
        // One list per key, at its best weight: a key shared by two parts is scanned once,
        // and counts once in the evidence an entry can have.
        let mut lists: Vec<(&[u32], f32, usize)> = per_part
            .chunk_by(|a, b| a.0 == b.0)
            .filter_map(|same| {
                same.iter()
                    .max_by(|a, b| a.2.total_cmp(&b.2))
                    .map(|&(_, l, v, p, _)| (l, v, p))
            })
            .collect();
        let mut part_max = [0f32; MAX_PARTS];
        for (_, v, p) in &lists {
            if let Some(m) = part_max.get_mut(*p) {
                *m = m.max(*v);
            }
        }
        if let Some(k) = birth {
            let l = self.postings_of(k);
            if !l.is_empty() {
                let idf = (1.0 + n / l.len() as f32).ln();
                lists.push((l, W_BIRTH * idf, BIRTH_SLOT));
            }
        }
        let max_evidence = part_max.iter().sum::<f32>().max(f32::EPSILON);
        // Two parts together: each pair list credits both of its parts with what their best
        // single key would (a little less for the part that is a typing variant).
        let mut pkeys: Vec<PairKey> = Vec::new();
        for (i, r) in form.renderings.iter().enumerate() {
            // Typing variants of the first rendering only: the other schemes of a Cyrillic
            // name differ from it in a letter or two already.
            query_pair_keys(&r.toks, i == 0, &mut pkeys);
        }
        pkeys.sort_unstable_by(|a, b| a.0.cmp(&b.0).then(a.3.cmp(&b.3)));
        pkeys.dedup_by_key(|k| k.0);
        // A part found only as a typing variant is worth what its corrected spelling is as a
        // single key (a little less): the misspelt part itself may be in no list at all.
        let mut pair_lists: Vec<(&[u32], u8, u8, u8, f32)> = pkeys
            .iter()
            .filter_map(|&(k, a, b, v, vk)| {
                let l = self.postings_of(k);
                if l.is_empty() {
                    return None;
                }
                let fixed = if v == 0 {
                    0.0
                } else {
                    let sl = self.postings_of(vk).len().max(l.len());
                    W_PART * (1.0 + n / sl as f32).ln()
                };
                Some((l, a, b, v, fixed))
            })
            .collect();
        pair_lists.sort_by_key(|l| l.0.len());
        let mut spent = 0usize;
        let psplit = pair_lists
            .iter()
            .position(|l| {
                spent = spent.saturating_add(l.0.len());
                spent > PAIR_BUDGET
            })
            .unwrap_or(pair_lists.len())
            .max(1)
            .min(pair_lists.len());
        // Two neighbouring parts in a pair key are the joined key's evidence spelt apart (or
        // the other way round): they earn what the part is worth with its neighbour. Two parts
        // apart earn what each is worth alone.
        let credit = |p: u8, other: u8, variant: bool, fixed: f32| {
            let worth = if p.abs_diff(other) == 1 {
                &part_worth
            } else {
                &part_alone
            };
            let m = worth.get(usize::from(p)).copied().unwrap_or(0.0);
            if variant {
                PAIR_VARIANT * m.max(fixed)
            } else {
                m
            }
        };
        let expanded: Vec<(&[u32], f32, usize)> = pair_lists
            .iter()
            .flat_map(|&(l, a, b, v, fixed)| {
                [
                    (l, credit(a, b, v == 1, fixed), usize::from(a)),
                    (l, credit(b, a, v == 2, fixed), usize::from(b)),
                ]
            })
            .collect();
        let (pscan, prest) = expanded.split_at(2 * psplit);
        // A rarest pair list cut to the budget (below) confirms in full.
        let cut = pscan
            .first()
            .filter(|l| l.0.len() > PAIR_BUDGET)
            .map_or(0, |_| 2);
        let pprobe: Vec<(&[u32], f32, usize)> = pscan
            .iter()
            .take(cut)
            .chain(prest.iter().take(2 * PAIR_PROBES))
            .copied()
            .collect();
        // Rarest first; the rarest key is always scanned, the rest within the budget.
        lists.sort_by_key(|l| l.0.len());
        let mut spent = 0usize;
        let split = lists
            .iter()
            .position(|l| {
                spent = spent.saturating_add(l.0.len());
                spent > SCAN_BUDGET
            })
            .unwrap_or(lists.len())
            .max(1);
        let (scan, probe) = lists.split_at_mut(split);
        let mut scan: Vec<(&[u32], f32, usize)> = scan.to_vec();
        // The rarest list is scanned even when it is longer than the budget (a very common
        // full name: "John Smith"), but only as far as the budget: its entries are equally
        // good by this key, and among equals the lowest entry numbers are pooled anyway.
        if let Some(first) = scan.first_mut() {
            first.0 = first
                .0
                .get(..first.0.len().min(SCAN_BUDGET))
                .unwrap_or(first.0);
        }
        let mut pscan: Vec<(&[u32], f32, usize)> = pscan.to_vec();
        for l in pscan.iter_mut().take(2) {
            l.0 = l.0.get(..l.0.len().min(PAIR_BUDGET)).unwrap_or(l.0);
        }
        scan.extend_from_slice(&pscan);
        // Part by part, best value first: `add_list` counts a part's first value only.
        scan.sort_by(|a, b| a.2.cmp(&b.2).then(b.1.total_cmp(&a.1)));
        probe.sort_by(|a, b| a.2.cmp(&b.2).then(b.1.total_cmp(&a.1)));
        // Per part only the strongest common keys confirm: each further one costs a walk
        // through a long list and can add no more than the part's best value.
        let mut probe: Vec<(&[u32], f32, usize)> = probe.to_vec();
        let mut seen = [0usize; MAX_PARTS];
        probe.retain(|l| {
            let c = seen.get_mut(l.2).map_or(usize::MAX, |c| {
                *c += 1;
                *c
            });
            c <= PROBE_PER_PART
        });
        // Common pairs confirm first: they stand for two parts at once.
        let mut probe: Vec<(&[u32], f32, usize)> = pprobe.iter().copied().chain(probe).collect();
        probe.sort_by(|a, b| a.2.cmp(&b.2).then(b.1.total_cmp(&a.1)));
        let acc = match acc {
            Some(a) if a.len() == self.recs.len() => a,
            _ => acc.insert(Acc::new(self.recs.len())),
        };
        acc.begin();
        for (list, v, p) in scan.iter() {
            acc.add_list(list, *p, *v);
        }
        let Acc { slots, touched, .. } = acc;
        let sc = |e: u32| slots.get(e as usize).map_or(0.0, |s| s.score);
        // What the common keys can still add (their best value per part): an entry that
        // cannot reach the evidence floor even with all of it is dropped before ranking.
        let mut probe_max = [0f32; MAX_PARTS];
        for (_, v, p) in probe.iter() {
            if let Some(m) = probe_max.get_mut(*p) {
                *m = m.max(*v);
            }
        }
        let floor = (MIN_EVIDENCE as f32) * max_evidence - probe_max.iter().sum::<f32>();
        if floor > 0.0 {
            touched.retain(|&e| sc(e) >= floor);
        }
        if touched.len() > POOL {
            // Entries that share the traveller's full birth date stay in the pool whatever
            // their rank (the common keys below confirm their name, the evidence floor drops
            // them if it is not there): among a thousand namesakes ("Ali Hassan"), the listed
            // person with a letter swapped or the parts reversed has less name evidence than
            // the namesakes but is the one with the right birth date.
            let birth_bit = 1u16 << BIRTH_SLOT;
            let dated = |e: &u32| {
                slots
                    .get(*e as usize)
                    .is_some_and(|s| s.mask & birth_bit != 0)
            };
            let mut kept: Vec<u32> = touched.iter().copied().filter(dated).collect();
            if kept.len() > POOL {
                kept.select_nth_unstable_by(POOL - 1, |a, b| {
                    sc(*b).total_cmp(&sc(*a)).then(a.cmp(b))
                });
                kept.truncate(POOL);
            }
            touched.retain(|e| !dated(e));
            if touched.len() > POOL {
                touched.select_nth_unstable_by(POOL - 1, |a, b| {
                    sc(*b).total_cmp(&sc(*a)).then(a.cmp(b))
                });
                touched.truncate(POOL);
            }
            touched.extend(kept);
        }
        // Common keys only confirm pooled candidates (one per part: the best value first),
        // walking each list once alongside the pool in entry order.
        touched.sort_unstable();
        for (list, v, p) in probe.iter() {
            let bit = 1u16 << *p;
            let mut from = 0usize;
            for &e in touched.iter() {
                if let Some(s) = slots.get_mut(e as usize)
                    && s.mask & bit == 0
                    && gallop_contains(list, &mut from, e)
                {
                    s.mask |= bit;
                    s.score += *v;
                }
            }
        }
        let qparts = form.renderings.first().map_or(0, |r| r.toks.len());
        let mut ranked: Vec<(f64, u32)> = touched
            .iter()
            .filter_map(|&e| {
                let ev = f64::from(slots.get(e as usize)?.score / max_evidence);
                if ev < MIN_EVIDENCE {
                    return None;
                }
                let f = self.facts.get(e as usize)?;
                let fields = self.field_sum(e, f, ctx);
                // Among equal evidence (namesakes), names with as many parts as the
                // traveller's first.
                let mut gap = mask_gap(f.parts, qparts) as f64 * PART_GAP;
                // And among those, names written as the traveller's is: a passport's
                // "Shen Yang" is more likely the listed "Shen Yang" than 沈阳, read alike.
                if ctx.written != 0 && f.flags & ctx.written == 0 {
                    gap += SCRIPT_GAP;
                }
                // The name scores at most 1: entries that cannot reach the threshold even so
                // are not worth a full comparison.
                (1.0 + fields >= threshold).then_some((ev + fields - gap, e))
            })
            .collect();
        ranked.sort_unstable_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
        // Namesakes cost one comparison between them (see `name_score`), other names one
        // each: past MAX_DISTINCT different names only namesakes of those already taken
        // are scored. A name takes at most PER_NAME places while other names wait: the
        // namesakes of a near name ("Shen Yan" and its Han 沈艳, for "Shen Yagn") would
        // otherwise fill every place before the listed "Shen Yang", which ranks level with
        // them. The namesakes held back fill whatever places are left.
        let mut names: Vec<(u32, usize)> = Vec::with_capacity(MAX_DISTINCT);
        let mut full: Vec<u32> = Vec::with_capacity(MAX_FULL);
        let mut held: Vec<u32> = Vec::new();
        for &(_, e) in &ranked {
            if full.len() == MAX_FULL {
                break;
            }
            let Some(h) = self.facts.get(e as usize).map(|f| f.rends) else {
                continue;
            };
            let distinct = names.len();
            match names.iter_mut().find(|n| n.0 == h) {
                Some(n) if n.1 >= PER_NAME => {
                    if held.len() < MAX_FULL {
                        held.push(e);
                    }
                    continue;
                }
                Some(n) => n.1 += 1,
                None if distinct == MAX_DISTINCT => continue,
                None => names.push((h, 1)),
            }
            full.push(e);
        }
        let room = MAX_FULL - full.len();
        full.extend(held.into_iter().take(room));
        full
    }

    /// Screens many travellers (a train or bus manifest) on up to `threads` threads (at least
    /// one); the answer for `queries[i]` is at `i`. Same as [`Index::screen_batch`].
    pub fn screen_many(&self, queries: &[Query], threshold: f64, threads: usize) -> Vec<Vec<Hit>> {
        self.screen_batch(queries, threshold, threads.max(1))
    }

    /// Screens a whole manifest (a train, a bus, a flight) against the index; the answer for
    /// `queries[i]` is at index `i`, each exactly what [`Index::screen`] gives for that query.
    ///
    /// `threads` is the most worker threads to use; `0` means one per available core. Work
    /// is shared: a query that appears more than once (the same person listed twice, a
    /// re-sent manifest row) is screened once, each name is analysed once however many
    /// travellers carry it, and the workers take small runs of queries from a common
    /// counter, so a slow query (a very common name) does not leave a core idle while the
    /// other works through its share. Each worker reuses one candidate accumulator.
    pub fn screen_batch(&self, queries: &[Query], threshold: f64, threads: usize) -> Vec<Vec<Hit>> {
        use std::collections::HashMap;
        use std::sync::atomic::{AtomicUsize, Ordering};
        // Distinct queries, first occurrence kept; `of[i]` is the distinct slot of query i.
        let mut distinct: Vec<usize> = Vec::with_capacity(queries.len());
        let mut of: Vec<usize> = Vec::with_capacity(queries.len());
        let mut by_name: HashMap<&str, Vec<usize>> = HashMap::new();
        for (i, q) in queries.iter().enumerate() {
            let same = by_name.entry(q.name.as_str()).or_default();
            let slot = same
                .iter()
                .copied()
                .find(|&d| distinct.get(d).and_then(|&j| queries.get(j)) == Some(q));
            match slot {
                Some(d) => of.push(d),
                None => {
                    same.push(distinct.len());
                    of.push(distinct.len());
                    distinct.push(i);
                }
            }
        }
        // Name analyses shared by every traveller with that name.
        let mut forms: HashMap<&str, Arc<crate::compare::Form>> = HashMap::new();
        let jobs: Vec<(&Query, Arc<crate::compare::Form>)> = distinct
            .iter()
            .filter_map(|&i| queries.get(i))
            .map(|q| {
                let f = forms
                    .entry(q.name.as_str())
                    .or_insert_with(|| Arc::new(analyze(&q.name)));
                (q, Arc::clone(f))
            })
            .collect();
        let threads = if threads == 0 {
            std::thread::available_parallelism().map_or(1, |n| n.get())
        } else {
            threads
        }
        .clamp(1, 64)
        .min(jobs.len().div_ceil(RUN).max(1));
        let mut answers: Vec<Option<Vec<Hit>>> = vec![None; jobs.len()];
        if threads == 1 {
            for ((q, f), a) in jobs.iter().zip(answers.iter_mut()) {
                *a = Some(self.screen_form(q, f, threshold));
            }
        } else {
            let next = AtomicUsize::new(0);
            let done: Vec<Vec<(usize, Vec<Hit>)>> = std::thread::scope(|s| {
                let handles: Vec<_> = (0..threads)
                    .map(|_| {
                        s.spawn(|| {
                            let mut out = Vec::new();
                            loop {
                                let lo = next.fetch_add(RUN, Ordering::Relaxed);
                                let Some(run) = jobs.get(lo..(lo + RUN).min(jobs.len())) else {
                                    break;
                                };
                                if run.is_empty() {
                                    break;
                                }
                                for (k, (q, f)) in run.iter().enumerate() {
                                    out.push((lo + k, self.screen_form(q, f, threshold)));
                                }
                            }
                            out
                        })
                    })
                    .collect();
                handles
                    .into_iter()
                    .map(|h| h.join().unwrap_or_default())
                    .collect()
            });
            for (k, hits) in done.into_iter().flatten() {
                if let Some(a) = answers.get_mut(k) {
                    *a = Some(hits);
                }
            }
        }
        // A worker that panicked left gaps: those queries are screened again here, so that
        // one bad row does not lose the others' answers.
        let mut answers: Vec<Vec<Hit>> = answers
            .into_iter()
            .zip(&jobs)
            .map(|(a, (q, f))| a.unwrap_or_else(|| self.screen_form(q, f, threshold)))
            .collect();
        let mut uses = vec![0usize; answers.len()];
        of.iter().for_each(|&d| {
            if let Some(u) = uses.get_mut(d) {
                *u += 1;
            }
        });
        of.iter()
            .map(|&d| {
                let last = uses.get_mut(d).is_some_and(|u| {
                    *u -= 1;
                    *u == 0
                });
                match answers.get_mut(d) {
                    Some(a) if last => std::mem::take(a),
                    Some(a) => a.clone(),
                    None => Vec::new(),
                }
            })
            .collect()
    }

    /// Screens one traveller: hits with `score >= threshold` (plus lost/stolen document,
    /// identity-change and face hits, which stand on their own), best first.
    pub fn screen(&self, q: &Query, threshold: f64) -> Vec<Hit> {
        let threshold = if threshold.is_finite() {
            threshold.clamp(0.0, 1.0)
        } else {
            crate::DEFAULT_NAME_THRESHOLD
        };
        self.screen_form(q, &analyze(&q.name), threshold)
    }

    /// The query's values computed once.
    fn ctx<'q>(&self, q: &'q Query) -> Ctx<'q> {
        let nat = q
            .nationality
            .as_deref()
            .map(upper)
            .filter(|n| !n.is_empty());
        let doc = q
            .document_number
            .as_deref()
            .map(normalize_document_number)
            .filter(|n| !n.is_empty());
        Ctx {
            q,
            nat_id: nat
                .as_deref()
                .and_then(|n| self.nat_codes.get(n).copied())
                .unwrap_or(0),
            doc_hash: doc.as_deref().map_or(0, doc_hash),
            nat,
            doc,
            country: q
                .document_country
                .as_deref()
                .map(upper)
                .filter(|c| !c.is_empty()),
            written: if q.name.trim().is_empty() {
                0
            } else if crate::normalize::detect_script(&q.name) == crate::Script::Latin {
                WRITTEN_LATIN
            } else {
                WRITTEN_OTHER
            },
        }
    }

    /// [`Index::screen`] with the query's name analysed already.
    fn screen_form(&self, q: &Query, form: &crate::compare::Form, threshold: f64) -> Vec<Hit> {
        let threshold = if threshold.is_finite() {
            threshold.clamp(0.0, 1.0)
        } else {
            crate::DEFAULT_NAME_THRESHOLD
        };
        let ctx = self.ctx(q);
        let mut worker = self.take_worker();
        let mut cands: Vec<u32> = if form.renderings.is_empty() {
            Vec::new()
        } else {
            self.name_candidates(form, &ctx, threshold, &mut worker.acc)
        };
        if let (Some(b), Some(n)) = (&q.birth_date, &ctx.nat)
            && let Some(k) = birth_nat_key(b, n)
        {
            cands.extend_from_slice(self.postings_of(k));
        }
        if let Some(n) = &ctx.doc {
            cands.extend_from_slice(self.postings_of(doc_key(n)));
        }
        let faces = self.face_matches(q.face_template.as_deref());
        cands.extend(faces.iter().map(|(e, _)| *e));
        cands.sort_unstable();
        cands.dedup();
        let toks = form.tok_refs();
        let qrends: Vec<RendRef<'_>> = toks
            .iter()
            .map(|(scheme, toks)| RendRef {
                scheme: *scheme,
                toks,
            })
            .collect();
        // Whole-name scores are the query's own.
        let scratch = &mut worker.scratch;
        scratch.names.clear();
        let mut hits: Vec<Hit> = cands
            .into_iter()
            .filter_map(|e| {
                let face = faces.iter().find(|(f, _)| *f == e).map(|(_, s)| *s);
                self.score(e, &ctx, &qrends, form.truncated, face, threshold, scratch)
            })
            .collect();
        self.give_worker(worker);
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
        let unit: Vec<f32> = t.iter().map(|x| x / norm).collect();
        let q = quantize(&unit);
        // Rounding moves each component by at most half a step: the 8-bit dot product of two
        // unit vectors is within `face_q_slack` of the exact one, so no match is lost.
        let floor = ((FACE_THRESHOLD - face_q_slack(self.face_dim)) * FACE_Q * FACE_Q).floor();
        let floor = if floor.is_finite() {
            floor as i32
        } else {
            i32::MIN
        };
        let half = self.face_dim / 2;
        let (q_head, q_tail) = q.split_at(half.min(q.len()));
        let q_tail_norm = tail_norm(q_tail);
        self.faces_q
            .chunks_exact(self.face_dim)
            .zip(self.faces.chunks_exact(self.face_dim))
            .zip(self.face_rows.iter().zip(&self.face_tails))
            .filter_map(|((row_q, row), (e, row_tail))| {
                let (r_head, r_tail) = row_q.split_at(half.min(row_q.len()));
                let head = dot_i8(r_head, q_head);
                // The second half adds at most the product of the halves' lengths (plus one
                // for float rounding): a row that cannot reach the floor even so is left.
                let most = f64::from(head) + f64::from(q_tail_norm) * f64::from(*row_tail) + 1.0;
                if most < f64::from(floor) {
                    return None;
                }
                let d = head + dot_i8(r_tail, q_tail);
                if d < floor {
                    return None;
                }
                let s = row.iter().zip(&unit).map(|(a, b)| a * b).sum::<f32>();
                (s >= FACE_THRESHOLD).then_some((*e, s))
            })
            .collect()
    }

    /// The best name score over the entry's names, and that name.
    fn name_score<'r>(
        &self,
        rec: &'r Rec,
        qrends: &[RendRef<'_>],
        floor: f64,
        scratch: &mut Scratch,
    ) -> (f64, Option<&'r str>) {
        let d = self.dict.as_deref();
        let (mut best, mut matched) = (0.0f64, None);
        let names = rec.names();
        let mut rd = Rd { b: names, pos: 0 };
        let mut buf = NameBuf::new();
        while rd.pos < names.len() {
            let start = rd.pos;
            let Some(name) = buf.read(&mut rd) else { break };
            // Namesakes ("Mohammed Ali" is on a list thousands of times) have the same packed
            // renderings: compare them once per query.
            let rends = names.get(start + 2 + name.len()..rd.pos).unwrap_or(&[]);
            let h = blob_hash(rends) ^ floor.to_bits().rotate_left(17);
            let memo = scratch.names.iter().find(|m| m.0 == h).map(|m| m.1);
            let s = match memo {
                Some(s) => s,
                None => {
                    let refs = buf.refs();
                    let (s, _, _) = compare_refs_above(
                        qrends,
                        refs.get(..buf.rends).unwrap_or(&[]),
                        floor,
                        d,
                        scratch,
                    );
                    if scratch.names.len() < NAME_MEMO {
                        scratch.names.push((h, s));
                    }
                    s
                }
            };
            if s > best {
                best = s;
                matched = Some(name);
            }
        }
        (best, matched)
    }

    #[allow(clippy::too_many_arguments)]
    fn score(
        &self,
        e: u32,
        ctx: &Ctx<'_>,
        qrends: &[RendRef<'_>],
        truncated: bool,
        face: Option<f32>,
        threshold: f64,
        scratch: &mut Scratch,
    ) -> Option<Hit> {
        let rec = self.recs.get(e as usize)?;
        let q = ctx.q;
        let (birth, birth_l) = grade_birth(q.birth_date.as_ref(), &rec.birth);
        let sex = grade_sex(q.sex, rec.sex);
        let nat = grade_nat(ctx.nat.as_deref(), &rec.nationalities);
        let (doc, doc_i) = grade_doc(ctx, &rec.documents);
        let fields =
            birth.contribution() + sex.contribution() + nat.contribution() + doc.contribution();
        let returning = matches!(rec.list, ListKind::RefusedEntry | ListKind::Wanted);
        // Below this the name cannot make a hit, so its exact score does not matter; a hit
        // that stands without the name (document, face) shows the exact score.
        let floor = if face.is_some()
            || (rec.list == ListKind::LostStolenDocument
                && matches!(doc, DocGrade::Exact | DocGrade::Ocr))
        {
            0.0
        } else if returning && birth == BirthGrade::Exact && nat == NatGrade::Match {
            (threshold - fields).min(IDENTITY_CHANGE_NAME_MIN)
        } else {
            threshold - fields
        };
        let (name_score, matched) = self.name_score(rec, qrends, floor, scratch);
        let mut score = (name_score + fields).clamp(0.0, 1.0);
        let mut hit = score >= threshold;
        if rec.list == ListKind::LostStolenDocument
            && matches!(doc, DocGrade::Exact | DocGrade::Ocr)
        {
            // A lost or stolen document is a hit whoever carries it.
            score = if doc == DocGrade::Exact { 1.0 } else { 0.95 };
            hit = true;
        }
        let identity_change = returning
            && name_score < threshold
            && birth == BirthGrade::Exact
            && nat == NatGrade::Match
            && name_score >= IDENTITY_CHANGE_NAME_MIN;
        hit |= identity_change;
        let face = face.map(|f| f64::from(f).clamp(0.0, 1.0));
        if let Some(f) = face {
            score = score.max(f);
            hit = true;
        }
        if !hit {
            return None;
        }
        // Explanations are built only for hits.
        let mut explain = Vec::with_capacity(8);
        explain.push(FieldExplain {
            field: "name",
            query_value: Some(q.name.clone()),
            list_value: matched.map(str::to_owned),
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
        if truncated {
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
        explain.push(FieldExplain {
            field: "birth_date",
            query_value: q.birth_date.as_ref().map(ToString::to_string),
            list_value: birth_l.map(ToString::to_string),
            verdict: birth.verdict(),
            contribution: birth.contribution(),
            detail: birth.detail().to_owned(),
        });
        explain.push(FieldExplain {
            field: "sex",
            query_value: q.sex.map(|s| sex_str(s).to_owned()),
            list_value: rec.sex.map(|s| sex_str(s).to_owned()),
            verdict: sex.verdict(),
            contribution: sex.contribution(),
            detail: sex.detail().to_owned(),
        });
        explain.push(FieldExplain {
            field: "nationality",
            query_value: ctx.nat.clone(),
            list_value: (!rec.nationalities.is_empty()).then(|| rec.nationalities.join(",")),
            verdict: nat.verdict(),
            contribution: nat.contribution(),
            detail: nat.detail().to_owned(),
        });
        let shown = |(c, n): &DocKey| match c {
            Some(c) => format!("{c} {n}"),
            None => n.to_string(),
        };
        explain.push(FieldExplain {
            field: "document",
            query_value: ctx.doc.as_ref().map(|n| match &ctx.country {
                Some(c) => format!("{c} {n}"),
                None => n.clone(),
            }),
            list_value: doc_i
                .and_then(|i| rec.documents.get(i))
                .map(shown)
                .or_else(|| rec.documents.first().map(|(_, n)| n.to_string())),
            verdict: doc.verdict(),
            contribution: doc.contribution(),
            detail: doc.detail(rec.documents.is_empty()).to_owned(),
        });
        if identity_change {
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
        if rec.names().is_empty() {
            explain_document_only(&mut explain);
        }
        Some(Hit {
            entry_id: rec.id().to_owned(),
            list: rec.list,
            score,
            name_score,
            matched_name: matched.map(str::to_owned),
            explain,
        })
    }
}

/// A document listed without any name (a lost or stolen document by itself) is found through
/// its document key alone; its explanation says so instead of grading a name it does not have.
fn explain_document_only(explain: &mut [FieldExplain]) {
    if let Some(name) = explain
        .iter_mut()
        .find(|x| x.field == "name" && x.verdict != Verdict::Note)
    {
        name.verdict = Verdict::Unknown;
        name.list_value = None;
        name.detail =
            "the list entry has no name: a document listed by itself, matched by its document alone"
                .to_owned();
    }
}

/// What the non-name fields add to (or take from) an entry's score: cheap, no allocation.
fn field_sum(rec: &Rec, ctx: &Ctx<'_>) -> f64 {
    grade_birth(ctx.q.birth_date.as_ref(), &rec.birth)
        .0
        .contribution()
        + grade_sex(ctx.q.sex, rec.sex).contribution()
        + grade_nat(ctx.nat.as_deref(), &rec.nationalities).contribution()
        + grade_doc(ctx, &rec.documents).0.contribution()
}

impl Index {
    /// [`field_sum`] from the entry's [`Facts`], reading its record only where they cannot
    /// tell (several dates, countries or documents; a document that may be the query's).
    fn field_sum(&self, e: u32, f: &Facts, ctx: &Ctx<'_>) -> f64 {
        let doc_maybe = ctx.doc.is_some()
            && (f.flags & MANY_DOCS != 0 || (f.doc != 0 && f.doc == ctx.doc_hash));
        if f.flags & (MANY_BIRTHS | MANY_NATS) != 0 || doc_maybe {
            return self.recs.get(e as usize).map_or(0.0, |r| field_sum(r, ctx));
        }
        let date = [unpack_date(f.birth)];
        let dates: &[PartialDate] = if f.birth == 0 { &[] } else { &date };
        let birth = grade_birth(ctx.q.birth_date.as_ref(), dates).0;
        let nat = match (&ctx.nat, f.nat) {
            (None, _) => NatGrade::NoQuery,
            (Some(_), 0) => NatGrade::NoList,
            (Some(_), id) if id == ctx.nat_id => NatGrade::Match,
            (Some(_), _) => NatGrade::Mismatch,
        };
        // No document, or one that is not the query's even up to look-alikes.
        let doc = if ctx.doc.is_some() {
            DocGrade::Other
        } else {
            DocGrade::NoQuery
        };
        birth.contribution()
            + grade_sex(ctx.q.sex, sex_of(f.sex)).contribution()
            + nat.contribution()
            + doc.contribution()
    }
}

/// How a birth date compares, best grade first in the order of the variants below `Exact`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum BirthGrade {
    NoQuery,
    NoList,
    Exact,
    Partial,
    Swapped,
    OneDigit,
    Near,
    Differs,
}

impl BirthGrade {
    fn rank(self) -> u8 {
        match self {
            BirthGrade::NoQuery | BirthGrade::NoList => 0,
            BirthGrade::Differs => 1,
            BirthGrade::Near => 2,
            BirthGrade::OneDigit => 3,
            BirthGrade::Swapped => 4,
            BirthGrade::Partial => 5,
            BirthGrade::Exact => 6,
        }
    }
    fn contribution(self) -> f64 {
        match self {
            BirthGrade::NoQuery | BirthGrade::NoList => 0.0,
            BirthGrade::Exact => 0.08,
            BirthGrade::Partial => 0.03,
            BirthGrade::Swapped => 0.04,
            BirthGrade::OneDigit => 0.02,
            BirthGrade::Near => -0.05,
            BirthGrade::Differs => -0.2,
        }
    }
    fn verdict(self) -> Verdict {
        match self {
            BirthGrade::NoQuery | BirthGrade::NoList => Verdict::Unknown,
            BirthGrade::Exact => Verdict::Match,
            BirthGrade::Partial => Verdict::PartialMatch,
            BirthGrade::Swapped | BirthGrade::OneDigit => Verdict::Similar,
            BirthGrade::Near | BirthGrade::Differs => Verdict::Mismatch,
        }
    }
    fn detail(self) -> &'static str {
        match self {
            BirthGrade::NoQuery => "no birth date in the query",
            BirthGrade::NoList => "no birth date on the list entry",
            BirthGrade::Exact => "same birth date",
            BirthGrade::Partial => "birth date agrees as far as both are known",
            BirthGrade::Swapped => "day and month swapped",
            BirthGrade::OneDigit => "one digit off",
            BirthGrade::Near => "birth dates differ (year within one)",
            BirthGrade::Differs => "birth dates differ",
        }
    }
}

/// The eight digits of a full date (YYYYMMDD), without formatting.
fn digits(d: &PartialDate) -> Option<[u8; 8]> {
    let (m, day) = (d.month?, d.day?);
    if d.year > 9999 || m > 99 || day > 99 {
        return None;
    }
    let y = d.year;
    Some([
        (y / 1000) as u8,
        (y / 100 % 10) as u8,
        (y / 10 % 10) as u8,
        (y % 10) as u8,
        m / 10,
        m % 10,
        day / 10,
        day % 10,
    ])
}

/// Grades a birth date against the entry's (the best of them) and names the date compared.
fn grade_birth<'l>(
    q: Option<&PartialDate>,
    list: &'l [PartialDate],
) -> (BirthGrade, Option<&'l PartialDate>) {
    let Some(q) = q else {
        return (BirthGrade::NoQuery, list.first());
    };
    let mut best: (BirthGrade, Option<&PartialDate>) = (BirthGrade::NoList, None);
    for l in list {
        let g = if q == l && q.day.is_some() {
            BirthGrade::Exact
        } else if q.year == l.year
            && (q.month.is_none() || l.month.is_none() || q.month == l.month)
            && (q.day.is_none() || l.day.is_none() || q.day == l.day)
        {
            BirthGrade::Partial
        } else if q.year == l.year && q.month.is_some() && q.month == l.day && q.day == l.month {
            BirthGrade::Swapped
        } else if let (Some(a), Some(b)) = (digits(q), digits(l))
            && a.iter().zip(b.iter()).filter(|(x, y)| x != y).count() == 1
        {
            BirthGrade::OneDigit
        } else if q.year.abs_diff(l.year) <= 1 {
            BirthGrade::Near
        } else {
            BirthGrade::Differs
        };
        if best.1.is_none() || g.rank() > best.0.rank() {
            best = (g, Some(l));
        }
    }
    best
}

fn sex_str(s: Sex) -> &'static str {
    match s {
        Sex::Male => "M",
        Sex::Female => "F",
        Sex::Unspecified => "X",
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SexGrade {
    Unspecified,
    Match,
    Mismatch,
    Unknown,
}

impl SexGrade {
    fn contribution(self) -> f64 {
        match self {
            SexGrade::Match => 0.01,
            SexGrade::Mismatch => -0.1,
            SexGrade::Unspecified | SexGrade::Unknown => 0.0,
        }
    }
    fn verdict(self) -> Verdict {
        match self {
            SexGrade::Match => Verdict::Match,
            SexGrade::Mismatch => Verdict::Mismatch,
            SexGrade::Unspecified | SexGrade::Unknown => Verdict::Unknown,
        }
    }
    fn detail(self) -> &'static str {
        match self {
            SexGrade::Unspecified => "sex unspecified on one side",
            SexGrade::Match => "same sex",
            SexGrade::Mismatch => "different sex",
            SexGrade::Unknown => "sex not known on both sides",
        }
    }
}

fn grade_sex(q: Option<Sex>, l: Option<Sex>) -> SexGrade {
    match (q, l) {
        (Some(a), Some(b)) if a == Sex::Unspecified || b == Sex::Unspecified => {
            SexGrade::Unspecified
        }
        (Some(a), Some(b)) if a == b => SexGrade::Match,
        (Some(_), Some(_)) => SexGrade::Mismatch,
        _ => SexGrade::Unknown,
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum NatGrade {
    NoQuery,
    NoList,
    Match,
    Mismatch,
}

impl NatGrade {
    fn contribution(self) -> f64 {
        match self {
            NatGrade::Match => 0.04,
            NatGrade::Mismatch => -0.04,
            NatGrade::NoQuery | NatGrade::NoList => 0.0,
        }
    }
    fn verdict(self) -> Verdict {
        match self {
            NatGrade::Match => Verdict::Match,
            NatGrade::Mismatch => Verdict::Mismatch,
            NatGrade::NoQuery | NatGrade::NoList => Verdict::Unknown,
        }
    }
    fn detail(self) -> &'static str {
        match self {
            NatGrade::NoQuery => "no nationality in the query",
            NatGrade::NoList => "no nationality on the list entry",
            NatGrade::Match => "same nationality",
            NatGrade::Mismatch => "different nationality",
        }
    }
}

fn grade_nat(q: Option<&str>, list: &[Arc<str>]) -> NatGrade {
    match q {
        None => NatGrade::NoQuery,
        Some(_) if list.is_empty() => NatGrade::NoList,
        Some(n) if list.iter().any(|l| &**l == n) => NatGrade::Match,
        Some(_) => NatGrade::Mismatch,
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum DocGrade {
    NoQuery,
    Exact,
    Ocr,
    Other,
}

impl DocGrade {
    fn contribution(self) -> f64 {
        match self {
            DocGrade::Exact => 0.15,
            DocGrade::Ocr => 0.1,
            DocGrade::NoQuery | DocGrade::Other => 0.0,
        }
    }
    fn verdict(self) -> Verdict {
        match self {
            DocGrade::Exact => Verdict::Match,
            DocGrade::Ocr => Verdict::Similar,
            DocGrade::NoQuery | DocGrade::Other => Verdict::Unknown,
        }
    }
    fn detail(self, list_empty: bool) -> &'static str {
        match self {
            DocGrade::NoQuery => "no document number in the query",
            DocGrade::Exact => "same document (issuing country and number)",
            DocGrade::Ocr => "document number equal up to OCR look-alikes (O/0, I/1, S/5, B/8 ...)",
            DocGrade::Other if list_empty => "no document on the list entry",
            DocGrade::Other => "different document (people change passports: no penalty)",
        }
    }
}

/// Grades the document (another issuing country is another document) and names the list
/// document that matched.
fn grade_doc(ctx: &Ctx<'_>, list: &[DocKey]) -> (DocGrade, Option<usize>) {
    let Some(n) = ctx.doc.as_deref() else {
        return (DocGrade::NoQuery, None);
    };
    let mut best = (DocGrade::Other, None);
    for (i, (c, num)) in list.iter().enumerate() {
        let country_ok = match (&ctx.country, c) {
            (Some(a), Some(b)) => a.as_str() == &**b,
            _ => true,
        };
        if !country_ok {
            continue;
        }
        if &**num == n {
            return (DocGrade::Exact, Some(i));
        }
        if best.0 == DocGrade::Other && ocr_equal(num, n) {
            best = (DocGrade::Ocr, Some(i));
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn find_key_agrees_with_binary_search() {
        let mut keys: Vec<u64> = (0..50_000u64)
            .map(|i| mix(i.wrapping_mul(0x9e37)))
            .collect();
        keys.sort_unstable();
        keys.dedup();
        for probe in (0..60_000u64).map(|i| mix(i.wrapping_mul(0x9e37))) {
            assert_eq!(
                find_key(&keys, probe),
                keys.binary_search(&probe),
                "{probe}"
            );
        }
        // Skewed keys (not hashes) still work, by the fallback.
        let skewed: Vec<u64> = (0..1000u64).map(|i| i * i).collect();
        for probe in [0, 1, 4, 5, 998_001, 998_002, u64::MAX] {
            assert_eq!(find_key(&skewed, probe), skewed.binary_search(&probe));
        }
        assert_eq!(find_key(&[], 7), Err(0));
        let dir = KeyDir::new(&keys);
        for probe in (0..60_000u64)
            .map(|i| mix(i.wrapping_mul(0x9e37)))
            .chain([0, u64::MAX])
        {
            assert_eq!(
                dir.find(&keys, probe),
                keys.binary_search(&probe),
                "{probe}"
            );
        }
        let dir = KeyDir::new(&skewed);
        for probe in [0, 1, 4, 5, 998_001, 998_002, u64::MAX] {
            assert_eq!(dir.find(&skewed, probe), skewed.binary_search(&probe));
        }
        let empty = KeyDir::new(&[]);
        assert_eq!(empty.find(&[], 7), Err(0));
    }

    fn listed(id: &str, name: &str) -> WatchlistEntry {
        WatchlistEntry {
            id: id.into(),
            list: ListKind::Alert,
            names: vec![name.into()],
            birth_dates: vec![],
            sex: None,
            nationalities: vec![],
            documents: vec![],
            reason: String::new(),
            action: String::new(),
            face_template: None,
        }
    }

    /// Ranking reads the dense `Facts`; full scoring reads the records. The two must grade
    /// every entry alike, or ranking would drop entries that scoring would have hit.
    #[test]
    fn ranking_facts_grade_as_the_records_do() {
        use guomen_domain::watchlist::DocumentRef;
        let date = |y: u16, m: Option<u8>, d: Option<u8>| PartialDate {
            year: y,
            month: m,
            day: d,
        };
        let doc = |n: &str, c: Option<&str>| DocumentRef {
            number: n.into(),
            country: c.map(Into::into),
            kind: None,
        };
        let births = [
            vec![],
            vec![date(1980, Some(5), Some(12))],
            vec![date(1980, None, None)],
            vec![date(1980, Some(12), Some(5))],
            vec![date(1981, Some(5), Some(12))],
            vec![date(1980, Some(5), Some(12)), date(1979, None, None)],
        ];
        let nats = [vec![], vec!["MNG"], vec!["rus"], vec!["MNG", "CHN"]];
        let docs = [
            vec![],
            vec![doc("E1234567", Some("MNG"))],
            vec![doc("E12345б7", None)],
            vec![doc("EI234567", Some("MNG"))],
            vec![doc("E1234567", Some("CHN"))],
            vec![doc("X0000000", None), doc("E1234567", Some("MNG"))],
        ];
        let sexes = [
            None,
            Some(Sex::Male),
            Some(Sex::Female),
            Some(Sex::Unspecified),
        ];
        let mut entries = Vec::new();
        for (i, b) in births.iter().enumerate() {
            for (j, n) in nats.iter().enumerate() {
                for (k, d) in docs.iter().enumerate() {
                    let mut e = listed(&format!("e{i}{j}{k}"), "Bat Erdene");
                    e.birth_dates.clone_from(b);
                    e.nationalities = n.iter().map(|x| (*x).to_owned()).collect();
                    e.documents.clone_from(d);
                    e.sex = sexes.get((i + j + k) % sexes.len()).copied().flatten();
                    entries.push(e);
                }
            }
        }
        let idx = Index::build(entries, None);
        for birth in [
            None,
            Some(date(1980, Some(5), Some(12))),
            Some(date(1980, None, None)),
        ] {
            for nat in [None, Some("MNG"), Some("RUS"), Some("KAZ")] {
                for (number, country) in [
                    (None, None),
                    (Some("E1234567"), Some("MNG")),
                    (Some("E 123 4567"), None),
                    (Some("E1234567"), Some("CHN")),
                    (Some("Z9"), None),
                ] {
                    for sex in sexes {
                        let q = Query {
                            birth_date: birth,
                            nationality: nat.map(Into::into),
                            document_number: number.map(Into::into),
                            document_country: country.map(Into::into),
                            sex,
                            ..Query::name("Bat Erdene")
                        };
                        let ctx = idx.ctx(&q);
                        for (e, (rec, f)) in idx.recs.iter().zip(&idx.facts).enumerate() {
                            let e = u32::try_from(e).unwrap_or(u32::MAX);
                            assert_eq!(
                                idx.field_sum(e, f, &ctx),
                                field_sum(rec, &ctx),
                                "entry {} query {q:?}",
                                rec.id()
                            );
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn pair_keys_ignore_order_and_meet_typing_variants() {
        let toks = |s: &str| {
            analyze(s)
                .renderings
                .into_iter()
                .next()
                .map(|r| r.toks)
                .unwrap_or_default()
        };
        let mut listed = Vec::new();
        entry_pair_keys(&toks("wolfgang cohen"), &mut listed);
        assert_eq!(listed.len(), 1);
        let mut reversed = Vec::new();
        entry_pair_keys(&toks("cohen wolfgang"), &mut reversed);
        assert_eq!(
            listed, reversed,
            "the pair key does not depend on the order"
        );
        // Three parts make three pairs, adjacent or not.
        let mut three = Vec::new();
        entry_pair_keys(&toks("ahmed hassan abdullah"), &mut three);
        assert_eq!(three.len(), 3);
        // A letter added or two letters swapped: one of the query's variant keys is the
        // listed pair's key, and it says which part is the variant.
        for (q, part) in [
            ("wolfgang choen", 2),
            ("wolfgang cohjen", 2),
            ("wolfgnag cohen", 1),
            ("choen wolfgang", 1),
        ] {
            let mut keys = Vec::new();
            query_pair_keys(&toks(q), true, &mut keys);
            let hit = keys.iter().find(|k| Some(&k.0) == listed.first());
            assert_eq!(hit.map(|k| k.3), Some(part), "{q}");
        }
        // Without variants only the parts as they are.
        let mut keys = Vec::new();
        query_pair_keys(&toks("wolfgang choen"), false, &mut keys);
        assert!(keys.iter().all(|k| Some(&k.0) != listed.first()));
        // A different name does not meet it.
        let mut keys = Vec::new();
        query_pair_keys(&toks("wolfgang meyer"), true, &mut keys);
        assert!(keys.iter().all(|k| Some(&k.0) != listed.first()));
    }

    #[test]
    fn a_variant_is_found_among_thousands_of_namesakes_of_each_part() {
        // 3,000 entries share the first part, 3,000 the second; the listed person is the only
        // one with both. A letter added to, or two swapped in, the rarer part, or the parts
        // reversed, still finds it: the pair of parts is selective where each part floods.
        let mut entries: Vec<WatchlistEntry> = (0..3_000)
            .flat_map(|i| {
                [
                    listed(&format!("m{i}"), &format!("mohammed {}", filler(i))),
                    listed(&format!("h{i}"), &format!("{} hassan", filler(i + 7_000))),
                ]
            })
            .collect();
        entries.push(listed("target", "mohammed hassan"));
        let idx = Index::build(entries, None);
        for q in [
            "mohammed hassan",
            "hassan mohammed",
            "mohammed hasssan",
            "mohammed hsasan",
            "mohammed hkassan",
            "mohammde hassan",
        ] {
            let hits = idx.screen(&Query::name(q), crate::DEFAULT_NAME_THRESHOLD);
            assert!(
                hits.iter().any(|h| h.entry_id == "target"),
                "{q}: {:?}",
                hits.iter().map(|h| &h.entry_id).collect::<Vec<_>>()
            );
        }
    }

    #[test]
    fn namesakes_of_a_near_name_leave_room_for_the_listed_one() {
        // "Shen Yagn" is one edit from "Shen Yan" and from "Shen Yang". Sixty "Shen Yan", sixty
        // 沈艳 (read "shen yan") and forty 沈阳 (read "shen yang", as the listed name), all
        // listed before the one Latin "Shen Yang", rank level with it or above: they must not
        // take every place, and among those read alike the name written as the traveller's
        // goes first.
        let mut entries: Vec<WatchlistEntry> = (0..60)
            .flat_map(|i| {
                [
                    listed(&format!("a{i}"), "shen yan"),
                    listed(&format!("b{i}"), "沈艳"),
                ]
            })
            .chain((0..40).map(|i| listed(&format!("c{i}"), "沈阳")))
            .collect();
        entries.push(listed("target", "shen yang"));
        let idx = Index::build(entries, None);
        let hits = idx.screen(&Query::name("shen yagn"), crate::DEFAULT_NAME_THRESHOLD);
        assert!(
            hits.iter().any(|h| h.entry_id == "target"),
            "{:?}",
            hits.iter().map(|h| &h.entry_id).collect::<Vec<_>>()
        );
        // The namesakes held back still fill the places left.
        assert_eq!(hits.len(), MAX_FULL, "{hits:?}");
    }

    /// A made-up name part, different for each number (letters only).
    fn filler(mut i: usize) -> String {
        let mut s = String::from("q");
        for _ in 0..4 {
            s.push(char::from(b'a' + (i % 26) as u8));
            i /= 26;
        }
        s
    }

    #[test]
    fn face_rows_in_8_bits_lose_no_match() {
        // Worst case for rounding: components just off half a step.
        let dim = 128;
        let mut entries = Vec::new();
        let mut seed = 7u64;
        let mut rnd = || {
            seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
            ((seed >> 33) % 2001) as f32 / 1000.0 - 1.0
        };
        let base: Vec<f32> = (0..dim).map(|_| rnd()).collect();
        for i in 0..200 {
            // Mixtures of the base and noise: cosines spread around the threshold.
            let mix = 0.3 + 0.7 * (i as f32 / 200.0);
            let t: Vec<f32> = base.iter().map(|b| mix * b + (1.0 - mix) * rnd()).collect();
            let mut e = listed(&format!("f{i}"), "");
            e.names.clear();
            e.list = ListKind::Wanted;
            e.face_template = Some(t);
            entries.push(e);
        }
        let exact: Vec<(u32, f32)> = {
            let norm = |v: &[f32]| v.iter().map(|x| x * x).sum::<f32>().sqrt();
            let nb = norm(&base);
            entries
                .iter()
                .enumerate()
                .filter_map(|(i, e)| {
                    let t = e.face_template.as_deref()?;
                    let s = t.iter().zip(&base).map(|(a, b)| a * b).sum::<f32>() / (norm(t) * nb);
                    (s >= FACE_THRESHOLD).then_some((i as u32, s))
                })
                .collect()
        };
        assert!(exact.len() > 10 && exact.len() < 190, "{}", exact.len());
        let idx = Index::build(entries, None);
        let got = idx.face_matches(Some(&base));
        assert_eq!(
            got.iter().map(|g| g.0).collect::<Vec<_>>(),
            exact.iter().map(|e| e.0).collect::<Vec<_>>()
        );
        for (g, e) in got.iter().zip(&exact) {
            assert!((g.1 - e.1).abs() < 1e-4);
        }
        assert!(face_q_slack(128) < 0.11 && face_q_slack(128) > 0.09);
    }

    #[test]
    fn consonant_frames_link_latin_and_han_spellings() {
        let frame = |s: &str| {
            let mut v = Vec::new();
            cons_keys(&skeleton(s), 0, &mut v);
            v.first().map(|k| k.0)
        };
        assert_eq!(frame("erdenebat"), frame("eldenbat"));
        assert_eq!(frame("wolfgang"), frame("volvgan"));
        assert_ne!(frame("erdenebat"), frame("wolfgang"));
        assert_eq!(frame("ali"), None);
    }
}
