//! Name analysis (parts, transliteration renderings) and the name comparison itself.

use crate::dict::NameDictionary;
use crate::han::han_name_parts;
use crate::learned;
use crate::normalize::{
    MAX_SOUND_BYTES, Script, detect_script, fold, latin_key, skeleton, skeleton_into, sound_into,
    tokenize,
};
use crate::similarity::{blend, blend_bound};
use crate::translit::{Scheme, transliterate};

/// The score at and above which two names are taken to be the same person's.
pub const DEFAULT_NAME_THRESHOLD: f64 = 0.84;

/// A pair of parts below this similarity is not a pair at all.
const MIN_PAIR: f64 = 0.55;
/// Weight of a part only one side has (a middle name, a patronymic): it costs a little.
const EXTRA_PART_WEIGHT: f64 = 0.35;
/// Similarity of an initial to a part starting with the same letter.
const INITIAL_SIM: f64 = 0.8;

/// Longest part key kept, in bytes: longer parts are cut (on a character boundary) so that
/// packed index records and stack buffers stay small; no real name part comes close.
pub(crate) const MAX_KEY_BYTES: usize = 64;

/// One name part: its Latin key and the coarse phonetic skeleton of that key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Tok {
    pub key: String,
    pub skel: String,
}

impl Tok {
    pub fn new(key: String) -> Self {
        let skel = if key.is_ascii() {
            skeleton(&key)
        } else {
            key.clone()
        };
        Tok { key, skel }
    }
    pub fn as_ref(&self) -> TokRef<'_> {
        TokRef {
            key: &self.key,
            skel: &self.skel,
        }
    }
}

/// A borrowed name part: from an analysed query or straight from a packed index record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct TokRef<'a> {
    pub key: &'a str,
    pub skel: &'a str,
}

fn part_weight(key: &str) -> f64 {
    // Long parts dominate too much otherwise; an initial still counts a little.
    (key.chars().count() as f64).clamp(1.0, 10.0)
}

/// A borrowed rendering: the scheme and its parts.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct RendRef<'a> {
    pub scheme: Option<Scheme>,
    pub toks: &'a [TokRef<'a>],
}

/// Reused buffers so that comparing a query with many candidates does not allocate.
#[derive(Debug, Default)]
pub(crate) struct Scratch {
    ka: String,
    sa: String,
    /// Keys and skeletons of the other side's joined neighbours, built once per alignment.
    joined_b: Vec<(String, String)>,
    hashes_b: Vec<u64>,
    whole_a: String,
    whole_b: String,
    whole_br: String,
    cands: Vec<(f64, u8, u8)>,
    /// Part similarities already computed, direct-mapped by a hash of the two keys: the same
    /// parts recur across renderings, passes and candidates of one query.
    memo: Vec<(u64, f64)>,
    /// Whole-name scores of one query by a hash of the candidate name's packed renderings.
    pub names: Vec<(u64, f64)>,
}

const MEMO_SLOTS: usize = 1024;

fn fnv(mut h: u64, s: &str) -> u64 {
    for &b in s.as_bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

const FNV_START: u64 = 0xcbf2_9ce4_8422_2325;

/// Hash of item `i`'s key (see [`item_tok`]), without building joined keys.
fn item_hash(toks: &[TokRef<'_>], i: usize) -> u64 {
    let n = toks.len();
    if i < n {
        toks.get(i).map_or(FNV_START, |t| fnv(FNV_START, t.key))
    } else {
        let k = i - n;
        toks.get(k..k + 2)
            .unwrap_or_default()
            .iter()
            .fold(FNV_START, |h, t| fnv(h, t.key))
    }
}

/// One way of spelling a whole name in Latin letters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Rendering {
    /// The transliteration scheme used for Cyrillic parts; `None` when the name has none.
    pub scheme: Option<Scheme>,
    pub toks: Vec<Tok>,
}

/// A name analysed once for many comparisons.
#[derive(Debug, Clone)]
pub(crate) struct Form {
    pub renderings: Vec<Rendering>,
    /// The input was longer than [`crate::MAX_NAME_CHARS`] or had more than
    /// [`crate::MAX_TOKENS`] parts, and was cut.
    pub truncated: bool,
}

/// Latin keys of a name, one list per rendering (deduplicated).
///
/// Renderings (scheme, part keys), whether the input was cut, and its dominant script.
pub(crate) type RenderingKeys = (Vec<(Option<Scheme>, Vec<String>)>, bool, Script);

pub(crate) fn rendering_keys(name: &str) -> RenderingKeys {
    let (folded, cut_chars) = fold(name);
    let script = detect_script(&folded);
    let (raw, cut_parts) = tokenize(&folded);
    let has_cyr = raw.iter().any(|t| t.script == Script::Cyrillic);
    let schemes: Vec<Option<Scheme>> = if has_cyr {
        Scheme::ALL.iter().copied().map(Some).collect()
    } else {
        vec![None]
    };
    let mut out: Vec<(Option<Scheme>, Vec<String>)> = Vec::with_capacity(schemes.len());
    for scheme in schemes {
        let mut keys: Vec<String> = Vec::with_capacity(raw.len() + 1);
        let mut i = 0;
        while let Some(t) = raw.get(i) {
            match t.script {
                Script::Han => {
                    let mut group: Vec<&str> = Vec::new();
                    while let Some(h) = raw.get(i).filter(|h| h.script == Script::Han) {
                        group.push(&h.text);
                        i += 1;
                    }
                    keys.extend(han_name_parts(&group).iter().map(|p| {
                        let mut k = latin_key(p);
                        cap_key(&mut k);
                        k
                    }));
                    continue;
                }
                Script::Cyrillic => {
                    let s = scheme.unwrap_or(Scheme::Icao9303);
                    keys.push(latin_key(&transliterate(&t.text, s)));
                }
                Script::Latin => keys.push(latin_key(&t.text)),
                Script::Other => keys.push(t.text.clone()),
            }
            if let Some(k) = keys.last_mut() {
                cap_key(k);
            }
            i += 1;
        }
        keys.retain(|k| !k.is_empty());
        keys.truncate(crate::normalize::MAX_TOKENS);
        if !keys.is_empty() && !out.iter().any(|(_, k)| *k == keys) {
            out.push((scheme, keys));
        }
    }
    // The name as written, for the learned cross-script table: Han and Cyrillic words kept in
    // their script (a Latin part is aligned with them letter run by letter run).
    // A Han word of one character standing alone is a Chinese family name: such a name is a
    // native one, read by pinyin above, and the table would only add chance matches.
    // So is a name of several Han words none longer than two characters (Japanese 鈴木 翔太,
    // Chinese 美麗 郭): transcriptions of foreign names run longer.
    let han_words: Vec<usize> = raw
        .iter()
        .filter(|t| t.script == Script::Han)
        .map(|t| t.text.chars().count())
        .collect();
    let native_han =
        han_words.contains(&1) || (han_words.len() >= 2 && han_words.iter().all(|n| *n <= 2));
    if !native_han && raw.iter().any(|t| learned::applies(&t.text)) {
        let mut keys: Vec<String> = Vec::with_capacity(raw.len());
        let mut i = 0;
        while let Some(t) = raw.get(i) {
            let mut k = match t.script {
                Script::Han => {
                    let mut word = String::new();
                    while let Some(h) = raw.get(i).filter(|h| h.script == Script::Han) {
                        word.push_str(&h.text);
                        i += 1;
                    }
                    i -= 1;
                    word
                }
                Script::Cyrillic | Script::Other => t.text.clone(),
                Script::Latin => latin_key(&t.text),
            };
            cap_key(&mut k);
            if !k.is_empty() {
                keys.push(k);
            }
            i += 1;
        }
        keys.truncate(crate::normalize::MAX_TOKENS);
        if !keys.is_empty() && !out.iter().any(|(_, k)| *k == keys) {
            out.push((None, keys));
        }
    }
    (out, cut_chars || cut_parts, script)
}

fn cap_key(k: &mut String) {
    if k.len() > MAX_KEY_BYTES {
        let mut cut = MAX_KEY_BYTES;
        while !k.is_char_boundary(cut) {
            cut -= 1;
        }
        k.truncate(cut);
    }
}

/// Every Latin key a single name part can have (for the dictionary).
pub(crate) fn part_keys(part: &str) -> Vec<String> {
    let (renderings, _, _) = rendering_keys(part);
    let mut keys: Vec<String> = renderings.into_iter().map(|(_, k)| k.concat()).collect();
    keys.sort();
    keys.dedup();
    keys
}

/// Analyses a name for comparison.
pub(crate) fn analyze(name: &str) -> Form {
    let (renderings, truncated, _) = rendering_keys(name);
    Form {
        renderings: renderings
            .into_iter()
            .map(|(scheme, keys)| Rendering {
                scheme,
                toks: keys.into_iter().map(Tok::new).collect(),
            })
            .collect(),
        truncated,
    }
}

impl Form {
    /// Borrowed parts of every rendering, for [`compare_refs`].
    pub fn tok_refs(&self) -> Vec<(Option<Scheme>, Vec<TokRef<'_>>)> {
        self.renderings
            .iter()
            .map(|r| (r.scheme, r.toks.iter().map(Tok::as_ref).collect()))
            .collect()
    }
}

/// Similarity of two name parts in 0..1; below [`MIN_PAIR`] the value is only known to be
/// below it (the caller drops such pairs).
pub(crate) fn part_sim(a: TokRef<'_>, b: TokRef<'_>, dict: Option<&NameDictionary>) -> f64 {
    if a.key == b.key {
        return 1.0;
    }
    let (mut ca, mut cb) = (a.key.chars(), b.key.chars());
    let (fa, fb) = (ca.next(), cb.next());
    if ca.next().is_none() || cb.next().is_none() {
        // An initial stands for any part that starts with it.
        return if fa == fb { INITIAL_SIM } else { 0.0 };
    }
    // A Latin part against a Han or Cyrillic one as written: the learned table.
    match (a.key.is_ascii(), b.key.is_ascii()) {
        (true, false) if learned::applies(b.key) => {
            return learned::similarity_above(a.key, b.key, MIN_PAIR);
        }
        (false, true) if learned::applies(a.key) => {
            return learned::similarity_above(b.key, a.key, MIN_PAIR);
        }
        _ => {}
    }
    if dict.is_some_and(|d| d.same_group(a.key, b.key)) {
        return 0.95;
    }
    if let Some(t) = transposition_sim(a.key, b.key) {
        return t;
    }
    if a.skel == b.skel {
        return blend(a.key, b.key).max(0.95);
    }
    // Below MIN_PAIR a value only says "no pair" (see `assign`): a blend whose bound is
    // already below it is not computed, and counts as nothing beside the other measures.
    let s = if blend_bound(a.key, b.key) >= MIN_PAIR {
        blend(a.key, b.key)
    } else {
        0.0
    };
    // Outside ASCII the skeleton is the key itself: nothing more to learn from it.
    let s = if (a.skel == a.key && b.skel == b.key) || blend_bound(a.skel, b.skel) * 0.97 < MIN_PAIR
    {
        s
    } else {
        s.max(blend(a.skel, b.skel) * 0.97)
    };
    if s >= SOUND_EQUAL || !a.skel.is_ascii() || !b.skel.is_ascii() {
        return s;
    }
    let (mut x, mut y) = ([0u8; MAX_SOUND_BYTES], [0u8; MAX_SOUND_BYTES]);
    let (nx, ny) = (sound_into(a.skel, &mut x), sound_into(b.skel, &mut y));
    let (sx, sy) = (x.get(..nx).unwrap_or(&[]), y.get(..ny).unwrap_or(&[]));
    if sx.len() < 2 || sy.len() < 2 {
        return s;
    }
    // Only equal sound keys count, and short ones little: near-equal or short sound keys are
    // too coarse to tell names apart.
    let by_ear = if sx == sy && sx.len() >= 4 {
        SOUND_EQUAL
    } else {
        0.0
    };
    s.max(by_ear)
}

/// Two neighbouring letters swapped, the commonest typing slip ("Choen" for "Cohen", "Ail"
/// for "Ali"): edit distances count it as two edits, which sinks short parts. `None` when the
/// keys differ otherwise.
fn transposition_sim(a: &str, b: &str) -> Option<f64> {
    let (x, y) = (a.as_bytes(), b.as_bytes());
    if x.len() != y.len() || x.len() < 3 || !a.is_ascii() || !b.is_ascii() {
        return None;
    }
    let i = x.iter().zip(y).position(|(p, q)| p != q)?;
    let ok =
        x.get(i) == y.get(i + 1) && x.get(i + 1) == y.get(i) && x.get(i + 2..) == y.get(i + 2..);
    ok.then_some(if x.len() == 3 { 0.85 } else { 0.92 })
}

/// Similarity of two parts whose [`sound_into`] keys are equal: a transcription by ear.
const SOUND_EQUAL: f64 = 0.9;

/// Items of one side: parts `0..n`, then (with compounds) adjacent pairs joined, `n..2n-1`.
fn item_count(n: usize, compounds: bool) -> usize {
    if compounds {
        n + n.saturating_sub(1)
    } else {
        n
    }
}

fn item_mask(i: usize, n: usize) -> u16 {
    if i < n {
        1u16 << i
    } else {
        let k = i - n;
        (1u16 << k) | (1u16 << (k + 1))
    }
}

fn item_weight(toks: &[TokRef<'_>], i: usize) -> f64 {
    let n = toks.len();
    if i < n {
        toks.get(i).map_or(0.0, |t| part_weight(t.key))
    } else {
        let k = i - n;
        toks.get(k).map_or(0.0, |t| part_weight(t.key))
            + toks.get(k + 1).map_or(0.0, |t| part_weight(t.key))
    }
}

/// The part (or joined pair of parts) `i` as a token; joined pairs are built in the buffers.
fn item_tok<'b>(
    toks: &'b [TokRef<'b>],
    i: usize,
    kbuf: &'b mut String,
    sbuf: &'b mut String,
) -> TokRef<'b> {
    let n = toks.len();
    if i < n {
        return toks.get(i).copied().unwrap_or_default();
    }
    let k = i - n;
    kbuf.clear();
    for t in toks.get(k..k + 2).unwrap_or_default() {
        kbuf.push_str(t.key);
    }
    if kbuf.is_ascii() {
        skeleton_into(kbuf, sbuf);
    } else {
        sbuf.clear();
        sbuf.push_str(kbuf);
    }
    TokRef {
        key: kbuf,
        skel: sbuf,
    }
}

/// Greedy best-first pairing of parts; returns the weighted score and the weakest pair.
fn assign(
    ta: &[TokRef<'_>],
    tb: &[TokRef<'_>],
    compounds: bool,
    dict: Option<&NameDictionary>,
    scratch: &mut Scratch,
) -> (f64, f64) {
    let (na, nb) = (ta.len(), tb.len());
    let (ia, ib) = (item_count(na, compounds), item_count(nb, compounds));
    let Scratch {
        ka,
        sa,
        joined_b,
        hashes_b,
        cands,
        memo,
        ..
    } = scratch;
    if memo.len() != MEMO_SLOTS {
        memo.clear();
        memo.resize(MEMO_SLOTS, (0, 0.0));
    }
    cands.clear();
    // The other side's items once, not once per item of this side: hashes, and the joined
    // neighbours' keys and skeletons.
    hashes_b.clear();
    hashes_b.extend((0..ib).map(|j| item_hash(tb, j)));
    if joined_b.len() < ib.saturating_sub(nb) {
        joined_b.resize_with(ib - nb, Default::default);
    }
    for (k, (key, skel)) in joined_b.iter_mut().enumerate().take(ib.saturating_sub(nb)) {
        let _ = item_tok(tb, nb + k, key, skel);
    }
    for i in 0..ia {
        // A part's similarity depends on its key alone (the skeleton derives from it).
        let ha = item_hash(ta, i).rotate_left(29);
        let x = item_tok(ta, i, ka, sa);
        for (j, hb) in hashes_b.iter().enumerate() {
            let h = (ha ^ hb).wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1;
            let slot = (h >> 54) as usize % MEMO_SLOTS;
            let s = match memo.get(slot) {
                Some(&(k, v)) if k == h => v,
                _ => {
                    let y = match j.checked_sub(nb) {
                        None => tb.get(j).copied().unwrap_or_default(),
                        Some(k) => joined_b
                            .get(k)
                            .map_or_else(TokRef::default, |(key, skel)| TokRef { key, skel }),
                    };
                    let v = part_sim(x, y, dict);
                    if let Some(m) = memo.get_mut(slot) {
                        *m = (h, v);
                    }
                    v
                }
            };
            if s >= MIN_PAIR {
                cands.push((
                    s,
                    u8::try_from(i).unwrap_or(u8::MAX),
                    u8::try_from(j).unwrap_or(u8::MAX),
                ));
            }
        }
    }
    // Best first; on a tie prefer the pairing that covers more parts (joined names).
    let cover = |p: &(f64, u8, u8)| {
        item_mask(usize::from(p.1), na).count_ones() + item_mask(usize::from(p.2), nb).count_ones()
    };
    cands.sort_unstable_by(|p, q| {
        q.0.total_cmp(&p.0)
            .then_with(|| cover(q).cmp(&cover(p)))
            .then(p.1.cmp(&q.1))
            .then(p.2.cmp(&q.2))
    });
    let (mut used_a, mut used_b) = (0u16, 0u16);
    let (mut num, mut matched_w, mut min_sim) = (0.0f64, 0.0f64, 1.0f64);
    for &(s, i, j) in cands.iter() {
        let (i, j) = (usize::from(i), usize::from(j));
        let (ma, mb) = (item_mask(i, na), item_mask(j, nb));
        if ma & used_a != 0 || mb & used_b != 0 {
            continue;
        }
        used_a |= ma;
        used_b |= mb;
        let w = item_weight(ta, i) + item_weight(tb, j);
        num += s * w;
        matched_w += w;
        min_sim = min_sim.min(s);
    }
    if matched_w == 0.0 {
        return (0.0, 0.0);
    }
    let unmatched = |toks: &[TokRef<'_>], used: u16| -> f64 {
        toks.iter()
            .enumerate()
            .filter(|(i, _)| used & (1u16 << i) == 0)
            .map(|(_, t)| part_weight(t.key))
            .sum()
    };
    let (ua, ub) = (unmatched(ta, used_a), unmatched(tb, used_b));
    // Parts left over on both sides contradict each other; on one side only, they are extra.
    let penalty = if ua > 0.0 && ub > 0.0 {
        ua + ub
    } else {
        EXTRA_PART_WEIGHT * (ua + ub)
    };
    (num / (matched_w + penalty), min_sim)
}

/// Score of two renderings (parts in any order, joined or split, typos, initials).
pub(crate) fn align(
    ta: &[TokRef<'_>],
    tb: &[TokRef<'_>],
    dict: Option<&NameDictionary>,
    scratch: &mut Scratch,
) -> f64 {
    if ta.is_empty() || tb.is_empty() {
        return 0.0;
    }
    let (single, min_sim) = assign(ta, tb, false, dict, scratch);
    let mut best = single;
    // Joined parts can only rescue a pairing that already half works, or one where the
    // number of parts differs.
    if ta.len() != tb.len() || ((min_sim < 0.9 || single < 0.9) && single >= 0.5) {
        let (joined, _) = assign(ta, tb, true, dict, scratch);
        best = best.max(joined);
    }
    if ta.len() != tb.len() && best < 0.9 {
        // Whole-name fallback for splits the part pairing cannot see ("wang xiao ming" vs
        // "wangxiaoming"), discounted because it ignores part boundaries. Only a different
        // number of parts can mean such a split.
        let Scratch {
            whole_a,
            whole_b,
            whole_br,
            ..
        } = scratch;
        whole_a.clear();
        whole_b.clear();
        whole_br.clear();
        ta.iter().for_each(|t| whole_a.push_str(t.skel));
        tb.iter().for_each(|t| whole_b.push_str(t.skel));
        tb.iter().rev().for_each(|t| whole_br.push_str(t.skel));
        // Only worth the two blends when their bound could still raise the score.
        for whole in [&*whole_b, &*whole_br] {
            if blend_bound(whole_a, whole) * 0.9 > best {
                best = best.max(blend(whole_a, whole) * 0.9);
            }
        }
    }
    best.clamp(0.0, 1.0)
}

/// The best-scoring pair of renderings: (score, index in a, index in b).
pub(crate) fn compare_refs(
    a: &[RendRef<'_>],
    b: &[RendRef<'_>],
    dict: Option<&NameDictionary>,
    scratch: &mut Scratch,
) -> (f64, usize, usize) {
    compare_refs_above(a, b, 0.0, dict, scratch)
}

/// How far below the caller's floor the first pair of transliteration renderings may score
/// and the other schemes still be tried: two schemes of one Cyrillic name differ in a few
/// letters, which moves a whole-name score by a few hundredths (more when only one side is
/// Cyrillic: `Yulia` against `Iuliia` and `Yuliya`). Measured at a million entries: 0.05
/// instead of 0.12 lost 30 of 46,500 name-only hits, all within 0.05 of the threshold, and
/// took a fifth off the slowest (three-part Cyrillic) queries.
const SCHEME_MARGIN_BOTH: f64 = 0.05;
const SCHEME_MARGIN_ONE: f64 = 0.2;

/// [`compare_refs`] for a caller that only needs the exact score at or above `floor` (the
/// screening index: below it there is no hit). When the first scheme rendering scores far
/// below the floor the other schemes are not tried, and the score returned is that lower
/// one; it is then below `floor` all the same.
pub(crate) fn compare_refs_above(
    a: &[RendRef<'_>],
    b: &[RendRef<'_>],
    floor: f64,
    dict: Option<&NameDictionary>,
    scratch: &mut Scratch,
) -> (f64, usize, usize) {
    let both_cyrillic =
        a.iter().any(|r| r.scheme.is_some()) && b.iter().any(|r| r.scheme.is_some());
    let margin = if both_cyrillic {
        SCHEME_MARGIN_BOTH
    } else {
        SCHEME_MARGIN_ONE
    };
    // A floor of 1 (the other fields count against the entry) only an identical name reaches:
    // every letter of one side is matched by the same letter of the other, so the two sides
    // hold the same letters. Most pairs do not, and are told so without aligning.
    if floor >= 1.0
        && !a
            .iter()
            .any(|ra| b.iter().any(|rb| letters(ra.toks) == letters(rb.toks)))
    {
        return (0.0, 0, 0);
    }
    let mut tried = 0usize;
    let mut best = (0.0, 0, 0);
    // The renderings as written (Han, Cyrillic) go through the learned table, which costs more
    // and never gives more than its cap: they are compared last, and only when needed.
    for learned_pass in [false, true] {
        if learned_pass && best.0 >= learned::MAX_SIM {
            break;
        }
        for (i, ra) in a.iter().enumerate() {
            for (j, rb) in b.iter().enumerate() {
                // Two Cyrillic spellings are compared scheme by scheme: mixing schemes only adds
                // noise.
                if both_cyrillic && ra.scheme != rb.scheme {
                    continue;
                }
                if (is_as_written(ra) || is_as_written(rb)) != learned_pass {
                    continue;
                }
                // Two Cyrillic names as written were compared scheme by scheme already: the
                // learned table only bridges scripts.
                if both_cyrillic && learned_pass {
                    continue;
                }
                if !learned_pass && tried > 0 && best.0 < floor - margin {
                    continue;
                }
                tried += 1;
                let s = align(ra.toks, rb.toks, dict, scratch);
                if s > best.0 {
                    best = (s, i, j);
                    if s >= 1.0 {
                        return best;
                    }
                }
            }
        }
    }
    best
}

/// A fingerprint of the letters (bytes) of a rendering's keys, in any order: equal for two
/// renderings that hold the same letters (the converse may fail, which only costs an
/// alignment).
fn letters(toks: &[TokRef<'_>]) -> (usize, u64, u64, u64) {
    toks.iter()
        .flat_map(|t| t.key.bytes())
        .fold((0, 0, 0, 0), |(n, s1, s2, s3), b| {
            let x = u64::from(b);
            (
                n + 1,
                s1.wrapping_add(x),
                s2.wrapping_add(x * x),
                s3.wrapping_add(x * x * x),
            )
        })
}

/// The rendering that keeps Han or Cyrillic parts as written (see [`rendering_keys`]).
fn is_as_written(r: &RendRef<'_>) -> bool {
    r.scheme.is_none() && r.toks.iter().any(|t| !t.key.is_ascii())
}

/// The best-scoring pair of renderings of two analysed names: (score, index in a, index in b).
pub(crate) fn compare_forms(
    a: &Form,
    b: &Form,
    dict: Option<&NameDictionary>,
) -> (f64, usize, usize) {
    let (ta, tb) = (a.tok_refs(), b.tok_refs());
    let ra: Vec<RendRef<'_>> = ta
        .iter()
        .map(|(scheme, toks)| RendRef {
            scheme: *scheme,
            toks,
        })
        .collect();
    let rb: Vec<RendRef<'_>> = tb
        .iter()
        .map(|(scheme, toks)| RendRef {
            scheme: *scheme,
            toks,
        })
        .collect();
    compare_refs(&ra, &rb, dict, &mut Scratch::default())
}

/// Similarity of two names in any script, in 0..1; `score >= DEFAULT_NAME_THRESHOLD` means
/// the same person's name.
pub fn compare_names(a: &str, b: &str) -> f64 {
    compare_names_with(a, b, None)
}

/// [`compare_names`] with a name-part dictionary for cross-script equivalences.
pub fn compare_names_with(a: &str, b: &str, dict: Option<&NameDictionary>) -> f64 {
    compare_forms(&analyze(a), &analyze(b), dict).0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn is_match(a: &str, b: &str) -> bool {
        compare_names(a, b) >= DEFAULT_NAME_THRESHOLD
    }

    #[test]
    fn matching_rules() {
        let same: &[(&str, &str, &str)] = &[
            ("identical", "Ivan Petrov", "Ivan Petrov"),
            ("case and width", "IVAN PETROV", "ｉｖａｎ ｐｅｔｒｏｖ"),
            ("order", "Petrov Ivan", "Ivan Petrov"),
            ("joined", "Abdul Rahman", "Abdulrahman"),
            ("split three", "Wang Xiao Ming", "Xiaoming Wang"),
            ("typo", "Jonathan Smith", "Jonathon Smith"),
            ("transposition", "Ivan Petrov", "Ivan Petorv"),
            ("transposition short part", "Mustafa Ali", "Mustafa Ail"),
            ("transposition cohen", "Wolfgang Choen", "Wolfgang Cohen"),
            ("ocr digits", "J0HN 5MITH", "John Smith"),
            ("initial", "J. Smith", "John Smith"),
            ("honorific", "Mr. John Smith", "John Smith"),
            ("diacritics", "José Müller", "Jose Muller"),
            ("cyrillic icao", "Iuliia Shcheglova", "Юлия Щеглова"),
            ("cyrillic mvd", "Yuliya Shcheglova", "Юлия Щеглова"),
            ("cyrillic gost", "Tcvetkov Andrei", "Андрей Цветков"),
            ("cross scheme", "Yulia Shcheglova", "Iuliia Shcheglova"),
            ("bgn ye", "Yelena Sergeyevna", "Елена Сергеевна"),
            ("mongolian mns", "Olziibayar", "Өлзийбаяр"),
            ("mongolian passport", "Ulziibayar", "Өлзийбаяр"),
            ("mongolian y", "Tymen Bat", "Түмэн Бат"),
            ("han pinyin", "WANG XIAOMING", "王小明"),
            ("han given first", "Xiaoming Wang", "王小明"),
            ("han tones", "Wáng Xiǎomíng", "王小明"),
            ("han tone numbers", "Wang2 Xiao3ming2", "王小明"),
            ("han spaced", "Wang Xiao Ming", "王小明"),
            ("han compound surname", "Ouyang Xiu", "欧阳修"),
            ("patronymic extra", "Ivan Ivanovich Petrov", "Ivan Petrov"),
            ("mixed-script homoglyphs", "Ивaн Пeтров", "Ivan Petrov"),
        ];
        for (why, a, b) in same {
            let s = compare_names(a, b);
            assert!(s >= DEFAULT_NAME_THRESHOLD, "{why}: {a} ~ {b} scored {s}");
            assert!(is_match(b, a), "{why} must be symmetric enough");
        }
        let different: &[(&str, &str, &str)] = &[
            ("other given name", "Ivan Petrov", "Sergei Petrov"),
            ("other family name", "Ivan Petrov", "Ivan Sidorov"),
            ("other person", "John Smith", "Maria Garcia"),
            ("han other given", "王小明", "王建国"),
            ("initial other letter", "K. Smith", "John Smith"),
            ("empty", "", "John Smith"),
            ("only punctuation", "---", "..."),
        ];
        for (why, a, b) in different {
            let s = compare_names(a, b);
            assert!(s < DEFAULT_NAME_THRESHOLD, "{why}: {a} vs {b} scored {s}");
        }
    }

    #[test]
    fn dictionary_links_parts() {
        let d =
            NameDictionary::from_rigour_reader("ovsei, owssej, овсей => Q1\n".as_bytes()).unwrap();
        let without = compare_names("Owssej Mirsky", "Овсей Мирский");
        let with = compare_names_with("Owssej Mirsky", "Овсей Мирский", Some(&d));
        assert!(with >= without);
        assert!(with >= DEFAULT_NAME_THRESHOLD, "{with}");
    }

    #[test]
    fn renderings_cover_every_scheme() {
        let (r, _, script) = rendering_keys("Юлия Щеглова");
        assert_eq!(script, Script::Cyrillic);
        let all: Vec<String> = r.iter().map(|(_, k)| k.join(" ")).collect();
        for want in ["iuliia shcheglova", "yuliya shcheglova"] {
            assert!(all.iter().any(|k| k == want), "{want} not in {all:?}");
        }
    }
}
