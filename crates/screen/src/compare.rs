//! Name analysis (parts, transliteration renderings) and the name comparison itself.

use crate::dict::NameDictionary;
use crate::han::han_name_parts;
use crate::normalize::{Script, detect_script, fold, latin_key, skeleton, tokenize};
use crate::similarity::blend;
use crate::translit::{Scheme, transliterate};

/// The score at and above which two names are taken to be the same person's.
pub const DEFAULT_NAME_THRESHOLD: f64 = 0.84;

/// A pair of parts below this similarity is not a pair at all.
const MIN_PAIR: f64 = 0.55;
/// Weight of a part only one side has (a middle name, a patronymic): it costs a little.
const EXTRA_PART_WEIGHT: f64 = 0.35;
/// Similarity of an initial to a part starting with the same letter.
const INITIAL_SIM: f64 = 0.8;

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
    fn weight(&self) -> f64 {
        // Long parts dominate too much otherwise; an initial still counts a little.
        (self.key.chars().count() as f64).clamp(1.0, 10.0)
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
                    keys.extend(han_name_parts(&group).iter().map(|p| latin_key(p)));
                    continue;
                }
                Script::Cyrillic => {
                    let s = scheme.unwrap_or(Scheme::Icao9303);
                    keys.push(latin_key(&transliterate(&t.text, s)));
                }
                Script::Latin => keys.push(latin_key(&t.text)),
                Script::Other => keys.push(t.text.clone()),
            }
            i += 1;
        }
        keys.retain(|k| !k.is_empty());
        keys.truncate(crate::normalize::MAX_TOKENS);
        if !keys.is_empty() && !out.iter().any(|(_, k)| *k == keys) {
            out.push((scheme, keys));
        }
    }
    (out, cut_chars || cut_parts, script)
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

/// Similarity of two name parts in 0..1.
pub(crate) fn part_sim(a: &Tok, b: &Tok, dict: Option<&NameDictionary>) -> f64 {
    if a.key == b.key {
        return 1.0;
    }
    let (la, lb) = (a.key.chars().count(), b.key.chars().count());
    if la == 1 || lb == 1 {
        // An initial stands for any part that starts with it.
        return if a.key.chars().next() == b.key.chars().next() {
            INITIAL_SIM
        } else {
            0.0
        };
    }
    if dict.is_some_and(|d| d.same_group(&a.key, &b.key)) {
        return 0.95;
    }
    let s = blend(&a.key, &b.key);
    if a.skel == b.skel {
        s.max(0.95)
    } else {
        s.max(blend(&a.skel, &b.skel) * 0.97)
    }
}

struct Item {
    mask: u16,
    tok: Tok,
    weight: f64,
}

fn items(toks: &[Tok], compounds: bool) -> Vec<Item> {
    let mut v: Vec<Item> = toks
        .iter()
        .enumerate()
        .map(|(i, t)| Item {
            mask: 1u16 << i,
            tok: t.clone(),
            weight: t.weight(),
        })
        .collect();
    if compounds {
        for (i, w) in toks.windows(2).enumerate() {
            if let [x, y] = w {
                let joined = format!("{}{}", x.key, y.key);
                v.push(Item {
                    mask: (1u16 << i) | (1u16 << (i + 1)),
                    tok: Tok::new(joined),
                    weight: x.weight() + y.weight(),
                });
            }
        }
    }
    v
}

/// Greedy best-first pairing of parts; returns the weighted score.
fn assign(
    a: &[Item],
    b: &[Item],
    ta: &[Tok],
    tb: &[Tok],
    dict: Option<&NameDictionary>,
) -> (f64, f64) {
    let mut cands: Vec<(f64, usize, usize)> = Vec::with_capacity(a.len() * b.len());
    for (i, x) in a.iter().enumerate() {
        for (j, y) in b.iter().enumerate() {
            let s = part_sim(&x.tok, &y.tok, dict);
            if s >= MIN_PAIR {
                cands.push((s, i, j));
            }
        }
    }
    // Best first; on a tie prefer the pairing that covers more parts (joined names).
    cands.sort_by(|p, q| {
        q.0.total_cmp(&p.0).then_with(|| {
            let cp = a.get(p.1).map_or(0, |i| i.mask.count_ones())
                + b.get(p.2).map_or(0, |i| i.mask.count_ones());
            let cq = a.get(q.1).map_or(0, |i| i.mask.count_ones())
                + b.get(q.2).map_or(0, |i| i.mask.count_ones());
            cq.cmp(&cp)
        })
    });
    let (mut used_a, mut used_b) = (0u16, 0u16);
    let (mut num, mut matched_w, mut min_sim) = (0.0f64, 0.0f64, 1.0f64);
    for (s, i, j) in cands {
        let (Some(x), Some(y)) = (a.get(i), b.get(j)) else {
            continue;
        };
        if x.mask & used_a != 0 || y.mask & used_b != 0 {
            continue;
        }
        used_a |= x.mask;
        used_b |= y.mask;
        let w = x.weight + y.weight;
        num += s * w;
        matched_w += w;
        min_sim = min_sim.min(s);
    }
    if matched_w == 0.0 {
        return (0.0, 0.0);
    }
    let unmatched = |toks: &[Tok], used: u16| -> f64 {
        toks.iter()
            .enumerate()
            .filter(|(i, _)| used & (1u16 << i) == 0)
            .map(|(_, t)| t.weight())
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
pub(crate) fn align(ta: &[Tok], tb: &[Tok], dict: Option<&NameDictionary>) -> f64 {
    if ta.is_empty() || tb.is_empty() {
        return 0.0;
    }
    let (single, min_sim) = assign(&items(ta, false), &items(tb, false), ta, tb, dict);
    let mut best = single;
    if ta.len() != tb.len() || min_sim < 0.9 || single < 0.9 {
        let (joined, _) = assign(&items(ta, true), &items(tb, true), ta, tb, dict);
        best = best.max(joined);
        // Whole-name fallback for splits the part pairing cannot see ("wang xiao ming" vs
        // "wangxiaoming"), discounted because it ignores part boundaries.
        let ca: String = ta.iter().map(|t| t.skel.as_str()).collect();
        let cb: String = tb.iter().map(|t| t.skel.as_str()).collect();
        let cbr: String = tb.iter().rev().map(|t| t.skel.as_str()).collect();
        best = best.max(blend(&ca, &cb).max(blend(&ca, &cbr)) * 0.9);
    }
    best.clamp(0.0, 1.0)
}

/// The best-scoring pair of renderings: (score, index in a, index in b).
pub(crate) fn compare_forms(
    a: &Form,
    b: &Form,
    dict: Option<&NameDictionary>,
) -> (f64, usize, usize) {
    let both_cyrillic = a.renderings.iter().any(|r| r.scheme.is_some())
        && b.renderings.iter().any(|r| r.scheme.is_some());
    let mut best = (0.0, 0, 0);
    for (i, ra) in a.renderings.iter().enumerate() {
        for (j, rb) in b.renderings.iter().enumerate() {
            // Two Cyrillic spellings are compared scheme by scheme: mixing schemes only adds noise.
            if both_cyrillic && ra.scheme != rb.scheme {
                continue;
            }
            let s = align(&ra.toks, &rb.toks, dict);
            if s > best.0 {
                best = (s, i, j);
                if s >= 1.0 {
                    return best;
                }
            }
        }
    }
    best
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
