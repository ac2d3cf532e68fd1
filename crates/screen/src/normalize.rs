//! Normalisation: NFKC, case folding, script detection, tokenisation and Latin keys.

use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

/// Names longer than this (in characters) are cut before any work, so that a hostile or broken
/// input cannot make screening slow; the explanation of a hit says so.
pub const MAX_NAME_CHARS: usize = 256;
/// At most this many name parts are compared; the rest are ignored (and reported).
pub const MAX_TOKENS: usize = 8;

/// The writing system a name part is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Script {
    Latin,
    Cyrillic,
    Han,
    Other,
}

/// The script of one character, `None` for characters that carry no script (digits, marks, ...).
pub fn char_script(c: char) -> Option<Script> {
    let u = c as u32;
    if c.is_ascii_alphabetic()
        || (0x00C0..=0x024F).contains(&u)
        || (0x1E00..=0x1EFF).contains(&u)
        || (0x0250..=0x02AF).contains(&u)
    {
        if c == '×' || c == '÷' {
            return None;
        }
        Some(Script::Latin)
    } else if (0x0400..=0x052F).contains(&u) || (0x1C80..=0x1C8F).contains(&u) {
        Some(Script::Cyrillic)
    } else if (0x4E00..=0x9FFF).contains(&u)
        || (0x3400..=0x4DBF).contains(&u)
        || (0x20000..=0x2FA1F).contains(&u)
        || (0xF900..=0xFAFF).contains(&u)
        || c == '〇'
    {
        Some(Script::Han)
    } else if c.is_alphabetic() {
        Some(Script::Other)
    } else {
        None
    }
}

/// The dominant script of a text (most letters); `Other` when it has no letters at all.
pub fn detect_script(s: &str) -> Script {
    let mut counts = [0usize; 4];
    for c in s.chars().take(MAX_NAME_CHARS) {
        if let Some(sc) = char_script(c) {
            let i = match sc {
                Script::Latin => 0,
                Script::Cyrillic => 1,
                Script::Han => 2,
                Script::Other => 3,
            };
            if let Some(n) = counts.get_mut(i) {
                *n += 1;
            }
        }
    }
    let order = [Script::Latin, Script::Cyrillic, Script::Han, Script::Other];
    let mut best = (0usize, Script::Other);
    for (n, sc) in counts.iter().zip(order) {
        if *n > best.0 {
            best = (*n, sc);
        }
    }
    best.1
}

/// NFKC then full lower-case folding; input beyond [`MAX_NAME_CHARS`] is cut.
/// Returns the folded text and whether it was truncated.
pub fn fold(s: &str) -> (String, bool) {
    let mut truncated = false;
    let mut out = String::with_capacity(s.len().min(MAX_NAME_CHARS * 4));
    for (n, c) in s.nfkc().enumerate() {
        if n >= MAX_NAME_CHARS {
            truncated = true;
            break;
        }
        for l in c.to_lowercase() {
            out.push(l);
        }
    }
    (out, truncated)
}

/// Titles, honorifics and particles that say nothing about who a person is.
const STOP_WORDS: &[&str] = &[
    "mr",
    "mrs",
    "ms",
    "miss",
    "mister",
    "madam",
    "dr",
    "prof",
    "sir",
    "dame",
    "lord",
    "lady",
    "sheikh",
    "shaikh",
    "haji",
    "hajji",
    "mullah",
    "mulla",
    "maulana",
    "imam",
    "general",
    "gen",
    "colonel",
    "col",
    "captain",
    "capt",
    "major",
    "lt",
    "sgt",
    "jr",
    "sr",
    "ii",
    "iii",
    "esq",
    "phd",
    "md",
    "hon",
    "rev",
    "herr",
    "frau",
    "monsieur",
    "mme",
    "mlle",
    "senor",
    "senora",
    "господин",
    "госпожа",
    "г-н",
    "г-жа",
    "先生",
    "女士",
    "小姐",
];

/// True for a folded token that is a title or honorific.
pub fn is_stop_word(token: &str) -> bool {
    STOP_WORDS.contains(&token)
}

/// One name part as written, folded, with its script.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawToken {
    pub text: String,
    pub script: Script,
}

/// Splits a folded name into parts: on whitespace, punctuation and script changes; apostrophes
/// and combining marks stay inside a part (O'Brien is one part). Stop-words are dropped unless
/// they are all the name has. At most [`MAX_TOKENS`] parts are kept; the flag says if more were cut.
pub fn tokenize(folded: &str) -> (Vec<RawToken>, bool) {
    let mut tokens: Vec<RawToken> = Vec::new();
    let mut cur = String::new();
    let mut cur_script: Option<Script> = None;
    let flush = |cur: &mut String, sc: &mut Option<Script>, tokens: &mut Vec<RawToken>| {
        if !cur.is_empty() {
            tokens.push(RawToken {
                text: std::mem::take(cur),
                script: sc.take().unwrap_or(Script::Other),
            });
        }
        *sc = None;
    };
    for c in folded.chars() {
        if is_apostrophe(c) {
            // Inside a word an apostrophe is part of the spelling, never a boundary.
            continue;
        }
        if is_combining_mark(c) {
            if !cur.is_empty() {
                cur.push(c);
            }
            continue;
        }
        let sc = char_script(c);
        match sc {
            Some(s) => {
                // Han names are written without spaces between the family and given names;
                // a change of script is a part boundary.
                // Latin and Cyrillic letters mixed in one word are look-alikes typed or read
                // in the wrong script (Latin "a" in "Иван"): they stay one part, in the script
                // that started it.
                let han_boundary =
                    cur_script.is_some_and(|p| p != s && (p == Script::Han || s == Script::Han));
                if han_boundary {
                    flush(&mut cur, &mut cur_script, &mut tokens);
                }
                if cur_script.is_none() || han_boundary {
                    cur_script = Some(s);
                }
                cur.push(c);
            }
            None if c.is_ascii_digit() => {
                // Digits in names are OCR damage (0 for O, 1 for I ...) or pinyin tone numbers:
                // keep them in the part, the key functions decide.
                if cur_script.is_none() {
                    cur_script = Some(Script::Latin);
                }
                cur.push(c);
            }
            None => flush(&mut cur, &mut cur_script, &mut tokens),
        }
    }
    flush(&mut cur, &mut cur_script, &mut tokens);
    let has_content = tokens.iter().any(|t| !is_stop_word(&t.text));
    if has_content {
        tokens.retain(|t| !is_stop_word(&t.text));
    }
    let cut = tokens.len() > MAX_TOKENS;
    tokens.truncate(MAX_TOKENS);
    (tokens, cut)
}

fn is_apostrophe(c: char) -> bool {
    matches!(
        c,
        '\'' | '’' | '‘' | 'ʼ' | 'ʻ' | '`' | '´' | 'ʹ' | 'ʺ' | '"' | '”' | '“'
    )
}

/// Latin letters that NFD does not decompose, spelled in plain ASCII.
fn special_latin(c: char) -> Option<&'static str> {
    Some(match c {
        'ß' => "ss",
        'æ' => "ae",
        'œ' => "oe",
        'ø' => "o",
        'đ' | 'ð' => "d",
        'ł' => "l",
        'þ' => "th",
        'ı' => "i",
        'ħ' => "h",
        'ŋ' => "ng",
        'ĸ' => "k",
        'ŀ' => "l",
        'ſ' => "s",
        'ə' => "e",
        _ => return None,
    })
}

/// OCR reads these digits for letters that look alike.
pub fn ocr_digit_letter(c: char) -> Option<char> {
    Some(match c {
        '0' => 'o',
        '1' => 'i',
        '2' => 'z',
        '3' => 'e',
        '4' => 'a',
        '5' => 's',
        '6' => 'g',
        '7' => 't',
        '8' => 'b',
        '9' => 'g',
        _ => return None,
    })
}

/// True when the digits of a part look like pinyin tone numbers ("wang2", "xiao3ming2"):
/// every digit is 1..=5 and follows a letter that can end a pinyin syllable.
fn looks_like_tone_numbers(s: &str) -> bool {
    let mut prev: Option<char> = None;
    let mut any = false;
    for c in s.chars() {
        if c.is_ascii_digit() {
            any = true;
            let ok_digit = ('1'..='5').contains(&c);
            let ok_prev = prev.is_some_and(|p| "aeiouvngr".contains(p) || p == 'ü');
            if !ok_digit || !ok_prev {
                return false;
            }
        }
        prev = Some(c);
    }
    any
}

/// The ASCII key of a folded Latin part: diacritics stripped, OCR digits read as letters (or
/// pinyin tone numbers dropped), anything else removed. Only `a..=z` remain.
pub fn latin_key(s: &str) -> String {
    let tones = looks_like_tone_numbers(s);
    let mut out = String::with_capacity(s.len());
    for c in s.nfd() {
        if c.is_ascii_lowercase() {
            out.push(c);
        } else if c.is_ascii_uppercase() {
            out.push(c.to_ascii_lowercase());
        } else if c.is_ascii_digit() {
            if !tones && let Some(l) = ocr_digit_letter(c) {
                out.push(l);
            }
        } else if let Some(rep) = special_latin(c) {
            out.push_str(rep);
        }
    }
    out
}

/// A coarse phonetic key over a Latin key: it merges the spellings that transliteration
/// schemes and languages disagree on (kh/h, y/i/j, w/v, ts/tz/c, doubled letters, ...), so
/// that the index and the comparison see "Yuliya", "Iuliia" and "Julija" as close.
pub fn skeleton(key: &str) -> String {
    let mut out = String::with_capacity(key.len() + 2);
    skeleton_into(key, &mut out);
    out
}

/// [`skeleton`] into a reused buffer (cleared first), for hot paths.
pub fn skeleton_into(key: &str, out: &mut String) {
    out.clear();
    let b = key.as_bytes();
    let mut i = 0;
    let starts = |i: usize, pat: &[u8]| b.get(i..i + pat.len()) == Some(pat);
    let mut last: Option<u8> = None;
    let mut emit = |c: u8, out: &mut String| {
        // Doubled letters are spelling, not sound: collapse them.
        if last != Some(c) && c.is_ascii() {
            out.push(char::from(c));
        }
        last = Some(c);
    };
    while i < b.len() {
        let (rep, adv): (&[u8], usize) = if starts(i, b"shch") {
            (b"s", 4)
        } else if starts(i, b"tsch") {
            (b"c", 4)
        } else if starts(i, b"sch") {
            (b"s", 3)
        } else if starts(i, b"tch") || starts(i, b"dzh") {
            (b"c", 3)
        } else if starts(i, b"ch") || starts(i, b"cz") {
            (b"c", 2)
        } else if starts(i, b"sh") || starts(i, b"sz") {
            (b"s", 2)
        } else if starts(i, b"zh") || starts(i, b"dj") || starts(i, b"dz") {
            (b"j", 2)
        } else if starts(i, b"kh") || starts(i, b"gh") {
            (b"h", 2)
        } else if starts(i, b"ph") {
            (b"f", 2)
        } else if starts(i, b"th") {
            (b"t", 2)
        } else if starts(i, b"ck") || starts(i, b"qu") {
            (b"k", 2)
        } else if starts(i, b"ts") || starts(i, b"tz") || starts(i, b"tc") {
            (b"z", 2)
        } else if starts(i, b"ou") || starts(i, b"oo") {
            (b"u", 2)
        } else if starts(i, b"ee") {
            (b"i", 2)
        } else if starts(i, b"x") {
            (b"ks", 1)
        } else {
            let c = b.get(i).copied().unwrap_or(b'a');
            let m = match c {
                b'y' | b'j' => b'i',
                b'w' => b'v',
                b'q' | b'c' => b'k',
                other => other,
            };
            emit(m, out);
            i += 1;
            continue;
        };
        for &c in rep {
            emit(c, out);
        }
        i += adv;
    }
}

/// Longest skeleton [`sound_into`] reads; longer input is cut.
pub const MAX_SOUND_BYTES: usize = 128;

/// A coarser key over a [`skeleton`], for foreign names transcribed by ear (English "Heather"
/// is Russian "Хезер", French "Lauzon" is "Лозон"): every run of vowels becomes one `a`,
/// `h` (Russian х for English h) is dropped, and voiced and voiceless pairs merge (z/s, d/t,
/// b/p, g/k, v/f). Written into `out`; returns the length used.
pub fn sound_into(skel: &str, out: &mut [u8; MAX_SOUND_BYTES]) -> usize {
    let mut n = 0;
    let mut last: Option<u8> = None;
    for &c in skel.as_bytes().iter().take(MAX_SOUND_BYTES) {
        let m = match c {
            b'a' | b'e' | b'i' | b'o' | b'u' | b'y' => b'a',
            b'h' => continue,
            b'z' => b's',
            b'd' => b't',
            b'b' => b'p',
            b'g' => b'k',
            b'v' => b'f',
            other if other.is_ascii_lowercase() => other,
            _ => continue,
        };
        if last == Some(m) {
            continue;
        }
        last = Some(m);
        if let Some(slot) = out.get_mut(n) {
            *slot = m;
            n += 1;
        }
    }
    n
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scripts_are_detected() {
        for (s, want) in [
            ("Ivan Petrov", Script::Latin),
            ("Иван Петров", Script::Cyrillic),
            ("王小明", Script::Han),
            ("Батбаяр Өлзий", Script::Cyrillic),
            ("محمد", Script::Other),
            ("", Script::Other),
            ("123", Script::Other),
            ("Müller", Script::Latin),
        ] {
            assert_eq!(detect_script(s), want, "{s}");
        }
    }

    #[test]
    fn folding_applies_nfkc_and_lowercase() {
        for (s, want) in [
            ("ＩＶＡＮ", "ivan"),
            ("ﬁlip", "filip"),
            ("ИВАН", "иван"),
            ("Straße", "straße"),
        ] {
            assert_eq!(fold(s).0, want);
        }
        let long = "a".repeat(1000);
        let (f, cut) = fold(&long);
        assert!(cut);
        assert_eq!(f.chars().count(), MAX_NAME_CHARS);
    }

    #[test]
    fn tokens_split_on_punctuation_and_script_and_drop_titles() {
        let cases: &[(&str, &[&str])] = &[
            ("ivan  petrov", &["ivan", "petrov"]),
            ("o'brien, sean", &["obrien", "sean"]),
            ("mr. john smith", &["john", "smith"]),
            ("ioshkar-oly", &["ioshkar", "oly"]),
            ("wang王小明", &["wang", "王小明"]),
            ("mr", &["mr"]),
            ("迈克尔·杰克逊", &["迈克尔", "杰克逊"]),
            ("иvan", &["иvan"]),
        ];
        for (s, want) in cases {
            let (t, _) = tokenize(s);
            let got: Vec<&str> = t.iter().map(|t| t.text.as_str()).collect();
            assert_eq!(&got, want, "{s}");
        }
    }

    #[test]
    fn latin_keys_strip_marks_and_read_ocr_digits() {
        for (s, want) in [
            ("müller", "muller"),
            ("straße", "strasse"),
            ("łukasz", "lukasz"),
            ("j0hn", "john"),
            ("5mith", "smith"),
            ("wang2", "wang"),
            ("xiao3ming2", "xiaoming"),
            ("ø", "o"),
            ("nguyễn", "nguyen"),
        ] {
            assert_eq!(latin_key(s), want, "{s}");
        }
    }

    #[test]
    fn skeletons_merge_transliteration_variants() {
        for (a, b) in [
            ("yuliya", "iulia"),
            ("iuliia", "yulia"),
            ("shcheglova", "sheglova"),
            ("khrushchev", "hrusev"),
            ("tsvetkov", "zvetkov"),
            ("vasilyev", "vasiliev"),
            ("schmidt", "shmidt"),
            ("smyth", "smith"),
            ("alexander", "aleksander"),
        ] {
            assert_eq!(skeleton(a), skeleton(b), "{a} vs {b}");
        }
        assert_ne!(skeleton("ivan"), skeleton("oleg"));
    }

    fn sound(key: &str) -> String {
        let mut b = [0u8; MAX_SOUND_BYTES];
        let n = sound_into(&skeleton(key), &mut b);
        String::from_utf8_lossy(b.get(..n).unwrap_or(&[])).into_owned()
    }

    #[test]
    fn sound_keys_merge_transcriptions_by_ear() {
        // English or French spelling vs the Russian transcription read back by ICAO 9303.
        for (a, b) in [
            ("allyson", "ellison"),
            ("lauzon", "lozon"),
            ("tully", "talli"),
            ("munck", "mank"),
        ] {
            assert_eq!(sound(a), sound(b), "{a} vs {b}");
        }
        assert_ne!(sound("ivanov"), sound("ivashov"));
        assert_ne!(sound("petrov"), sound("pavlov"));
        let mut b = [0u8; MAX_SOUND_BYTES];
        assert_eq!(sound_into(&"x".repeat(1000), &mut b), 1);
    }
}
