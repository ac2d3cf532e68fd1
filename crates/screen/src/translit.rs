//! Cyrillic to Latin transliteration, one function per scheme that Russian and Mongolian
//! travel documents have used. Tables written from the standards: ICAO Doc 9303 (2015),
//! GOST R 52535.1-2006, MVD order 310 (1997), MVD order 782 (2000), BGN/PCGN (1947) and
//! MNS 5217:2012 for Mongolian.

/// A transliteration scheme for Cyrillic names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Scheme {
    /// ICAO Doc 9303, used in Russian passports since 2013.
    Icao9303,
    /// GOST R 52535.1-2006 (passports 2010-2013).
    Gost52535,
    /// MVD order 310 (passports 1997-2010).
    Mvd310,
    /// MVD order 782 (passports 2000-2010).
    Mvd782,
    /// BGN/PCGN 1947, the usual spelling in English-language lists.
    BgnPcgn,
    /// Mongolian MNS 5217 with Ө→O, Ү→U (diacritics of Ö, Ü dropped).
    MongolianMns,
    /// Mongolian as often written in passports: Ө→U, Ү→Y, Х→H.
    MongolianPassport,
}

impl Scheme {
    /// Every scheme, in the order keys are produced.
    pub const ALL: [Scheme; 7] = [
        Scheme::Icao9303,
        Scheme::Gost52535,
        Scheme::Mvd310,
        Scheme::Mvd782,
        Scheme::BgnPcgn,
        Scheme::MongolianMns,
        Scheme::MongolianPassport,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Scheme::Icao9303 => "icao_9303",
            Scheme::Gost52535 => "gost_52535",
            Scheme::Mvd310 => "mvd_310",
            Scheme::Mvd782 => "mvd_782",
            Scheme::BgnPcgn => "bgn_pcgn",
            Scheme::MongolianMns => "mns_5217",
            Scheme::MongolianPassport => "mn_passport",
        }
    }
}

fn is_ru_vowel(c: char) -> bool {
    "аеёиоуыэюя".contains(c)
}

fn is_consonant(c: char) -> bool {
    "бвгджзйклмнпрстфхцчшщ".contains(c)
}

/// Letters every scheme spells the same way (Russian core plus the Ukrainian, Belarusian and
/// Kazakh letters ICAO 9303 lists).
fn common(c: char) -> Option<&'static str> {
    Some(match c {
        'а' => "a",
        'б' => "b",
        'в' => "v",
        'г' => "g",
        'д' => "d",
        'ж' => "zh",
        'з' => "z",
        'и' => "i",
        'к' => "k",
        'л' => "l",
        'м' => "m",
        'н' => "n",
        'о' => "o",
        'п' => "p",
        'р' => "r",
        'с' => "s",
        'т' => "t",
        'у' => "u",
        'ф' => "f",
        'х' => "kh",
        'ч' => "ch",
        'ш' => "sh",
        'щ' => "shch",
        'ы' => "y",
        'э' => "e",
        'і' => "i",
        'ї' => "i",
        'ґ' => "g",
        'ў' => "u",
        'ә' => "a",
        'ғ' => "g",
        'қ' => "q",
        'ң' => "n",
        'ұ' => "u",
        'һ' => "h",
        'ѕ' => "dz",
        'ј' => "j",
        'љ' => "lj",
        'њ' => "nj",
        'ћ' => "c",
        'џ' => "dz",
        'ђ' => "dj",
        'ө' => "o",
        'ү' => "u",
        _ => return None,
    })
}

/// Transliterates one folded (lower-case) Cyrillic word. Characters no table knows are
/// passed through unchanged so that the caller's Latin key step can decide.
pub fn transliterate(word: &str, scheme: Scheme) -> String {
    let chars: Vec<char> = word.chars().collect();
    let mut out = String::with_capacity(word.len() + 4);
    for (i, &c) in chars.iter().enumerate() {
        let prev = i.checked_sub(1).and_then(|p| chars.get(p)).copied();
        let at_start = prev.is_none_or(|p| !p.is_alphabetic());
        let s: &str = match scheme {
            Scheme::Icao9303 | Scheme::Gost52535 => match c {
                'е' | 'ё' | 'є' => {
                    if c == 'є' {
                        "ie"
                    } else {
                        "e"
                    }
                }
                'й' => "i",
                'ц' => {
                    if scheme == Scheme::Icao9303 {
                        "ts"
                    } else {
                        "tc"
                    }
                }
                'ъ' => {
                    if scheme == Scheme::Icao9303 {
                        "ie"
                    } else {
                        ""
                    }
                }
                'ь' => "",
                'ю' => "iu",
                'я' => "ia",
                _ => common(c).unwrap_or(""),
            },
            Scheme::Mvd310 => match c {
                'е' if matches!(prev, Some('ь' | 'ъ')) => "ye",
                'е' | 'ё' => "e",
                'й' => "y",
                'ц' => "ts",
                'ъ' | 'ь' => "",
                'ю' => "yu",
                'я' => "ya",
                'є' => "ye",
                _ => common(c).unwrap_or(""),
            },
            Scheme::Mvd782 => match c {
                'е' if prev.is_some_and(|p| is_ru_vowel(p) || p == 'ъ' || p == 'ь') => "ye",
                'е' => "e",
                'ё' if prev.is_some_and(|p| matches!(p, 'ж' | 'ч' | 'ш' | 'щ')) => "e",
                'ё' if prev.is_some_and(is_consonant) => "ye",
                'ё' => "yo",
                'и' if prev == Some('ь') => "yi",
                'й' => "y",
                'ц' => "ts",
                'ъ' | 'ь' => "",
                'ю' => "yu",
                'я' => "ya",
                'є' => "ye",
                _ => common(c).unwrap_or(""),
            },
            Scheme::BgnPcgn => match c {
                'е' | 'ё' | 'є'
                    if at_start
                        || prev.is_some_and(|p| is_ru_vowel(p) || matches!(p, 'й' | 'ъ' | 'ь')) =>
                {
                    "ye"
                }
                'е' | 'є' => "e",
                'ё' => "e",
                'й' => "y",
                'ц' => "ts",
                'ъ' | 'ь' => "",
                'ю' => "yu",
                'я' => "ya",
                _ => common(c).unwrap_or(""),
            },
            Scheme::MongolianMns | Scheme::MongolianPassport => {
                let passport = scheme == Scheme::MongolianPassport;
                match c {
                    'е' => "ye",
                    'ё' => "yo",
                    'ж' => "j",
                    'й' => "i",
                    'х' => {
                        if passport {
                            "h"
                        } else {
                            "kh"
                        }
                    }
                    'ц' => "ts",
                    'щ' => "sh",
                    'ъ' | 'ь' => "i",
                    'ю' => "yu",
                    'я' => "ya",
                    'ө' => {
                        if passport {
                            "u"
                        } else {
                            "o"
                        }
                    }
                    'ү' => {
                        if passport {
                            "y"
                        } else {
                            "u"
                        }
                    }
                    _ => common(c).unwrap_or(""),
                }
            }
        };
        if s.is_empty() && common(c).is_none() && !"ейцъьюяёє".contains(c) {
            // Not Cyrillic we know: keep it for the Latin key step.
            out.push(c);
        } else {
            out.push_str(s);
        }
    }
    out
}

/// True when a word has letters only Mongolian (among Russian-like alphabets) uses.
pub fn is_mongolian(word: &str) -> bool {
    word.contains(['ө', 'ү'])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schemes_spell_known_names() {
        let cases: &[(&str, Scheme, &str)] = &[
            ("юлия", Scheme::Icao9303, "iuliia"),
            ("щеглова", Scheme::Icao9303, "shcheglova"),
            ("разъездной", Scheme::Icao9303, "razieezdnoi"),
            ("цветков", Scheme::Gost52535, "tcvetkov"),
            ("разъездной", Scheme::Gost52535, "razezdnoi"),
            ("юлия", Scheme::Mvd310, "yuliya"),
            ("васильев", Scheme::Mvd310, "vasilyev"),
            ("артём", Scheme::Mvd782, "artyem"),
            ("ёлкин", Scheme::Mvd782, "yolkin"),
            ("сергеевич", Scheme::Mvd782, "sergeyevich"),
            ("ильич", Scheme::Mvd782, "ilyich"),
            ("елена", Scheme::BgnPcgn, "yelena"),
            ("андреевич", Scheme::BgnPcgn, "andreyevich"),
            ("йошкар", Scheme::BgnPcgn, "yoshkar"),
            ("өлзий", Scheme::MongolianMns, "olzii"),
            ("өлзий", Scheme::MongolianPassport, "ulzii"),
            ("түмэн", Scheme::MongolianPassport, "tymen"),
            ("түмэн", Scheme::MongolianMns, "tumen"),
            ("жаргал", Scheme::MongolianMns, "jargal"),
            ("хүрэл", Scheme::MongolianPassport, "hyrel"),
        ];
        for (w, s, want) in cases {
            assert_eq!(transliterate(w, *s), *want, "{w} {s:?}");
        }
    }

    #[test]
    fn unknown_characters_pass_through() {
        assert_eq!(transliterate("иван1", Scheme::Icao9303), "ivan1");
    }
}
